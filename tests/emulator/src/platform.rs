//! Platform behaviours the real API documents or permits, and that a client must
//! survive, but that make tests harder to write. Each is an option, off by default;
//! [`Platform::strict`] turns them all on (the deployer's soak runs that way).

use serde_json::{Map, Value, json};

use crate::deps::DependencyCheck;

/// Options of the emulated platform (see the crate README, "Platform options").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    /// `POST /api/v2/flows/actions/publish` answers `202 Accepted` with no body
    /// (openapi-subset.json documents 202 "Accepted - the publish has begun" beside
    /// the 200 `Operation`).
    pub publish_accepted_without_body: bool,
    /// `currentOperation` is eventually consistent: a new checkin/publish
    /// operation becomes visible only after half the operation delay; until then
    /// the previous, completed operation is shown. Seed flows start with a
    /// completed `VALIDATE` operation of another client (as in API.md §2.3's
    /// captured flow).
    pub stale_operations: bool,
    /// Saved configurations come back re-serialised: object keys in another
    /// order, and the bookkeeping fields `flowVersion` (the version id) and
    /// `dateSaved` (epoch ms) added at the top level, or updated when present.
    pub reserialize_on_save: bool,
    /// Versions created by import jobs carry no `createdByClient` (who created an
    /// imported version is not documented).
    pub import_versions_without_client: bool,
    /// Publishing leaves the publisher's checkout lock in place (whether it does
    /// is undocumented); the publisher releases it with a checkin.
    pub publish_keeps_lock: bool,
    /// What a publish (and an import job) requires of the flows the published
    /// configuration references (`transferToFlow`, `callCommonModule`,
    /// `callBotFlow`, in-queue flow overrides): refused with 409
    /// `architect.flow.cannot.publish.missing.dependencies` (API.md §2.6) or a
    /// job `Failure` naming them. Default (also in the lenient profile):
    /// [`DependencyCheck::Published`], the strictest reading, because the real
    /// rule is not documented and a deployer that copes with it copes with the
    /// others.
    pub dependencies: DependencyCheck,
    /// Export jobs give a `downloadUrl` relative to the API host
    /// (`/__emulator/s3/…`) instead of an absolute presigned URL (the real form is
    /// an absolute S3 URL; a client should cope with both).
    pub relative_download_url: bool,
}

impl Platform {
    /// Every option on.
    pub fn strict() -> Self {
        Self {
            publish_accepted_without_body: true,
            stale_operations: true,
            reserialize_on_save: true,
            import_versions_without_client: true,
            publish_keeps_lock: true,
            dependencies: DependencyCheck::Published,
            relative_download_url: true,
        }
    }

    /// Parses `strict`, `lenient` / `default`, or a comma-separated list of option
    /// names (`publish-202,stale-operations,reserialize,import-anonymous,
    /// publish-keeps-lock,relative-download`) and `deps=published|exist|off`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut p = Self::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "strict" => p = Self::strict(),
                "lenient" | "default" => p = Self::default(),
                "publish-202" => p.publish_accepted_without_body = true,
                "stale-operations" => p.stale_operations = true,
                "reserialize" => p.reserialize_on_save = true,
                "import-anonymous" => p.import_versions_without_client = true,
                "publish-keeps-lock" => p.publish_keeps_lock = true,
                "deps=published" => p.dependencies = DependencyCheck::Published,
                "deps=exist" => p.dependencies = DependencyCheck::Exist,
                "deps=off" => p.dependencies = DependencyCheck::Off,
                "relative-download" => p.relative_download_url = true,
                other => {
                    return Err(format!(
                        "unknown platform option `{other}` (strict, publish-202, stale-operations, reserialize, import-anonymous, publish-keeps-lock, deps=published|exist|off, relative-download)"
                    ));
                }
            }
        }
        Ok(p)
    }
}

/// The configuration as the platform stores it after a save under
/// `reserialize_on_save`: keys reversed at every level, bookkeeping set.
pub fn reserialize(config: Value, version: &str, now_ms: i64) -> Value {
    fn reorder(v: Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<(String, Value)> = m.into_iter().collect();
                entries.reverse();
                let mut out = Map::new();
                for (k, v) in entries {
                    out.insert(k, reorder(v));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.into_iter().map(reorder).collect()),
            other => other,
        }
    }
    let mut v = reorder(config);
    if let Value::Object(m) = &mut v {
        m.insert("flowVersion".into(), json!(version));
        m.insert("dateSaved".into(), json!(now_ms));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles() {
        assert_eq!(Platform::parse("strict"), Ok(Platform::strict()));
        assert_eq!(Platform::parse(""), Ok(Platform::default()));
        let p = Platform::parse("publish-202,reserialize").unwrap_or_default();
        assert!(p.publish_accepted_without_body && p.reserialize_on_save);
        assert!(!p.stale_operations);
        assert!(Platform::parse("bogus").is_err());
        assert_eq!(Platform::default().dependencies, DependencyCheck::Published);
        let p = Platform::parse("strict,deps=off").unwrap_or_default();
        assert_eq!(p.dependencies, DependencyCheck::Off);
        assert!(p.publish_keeps_lock);
        let p = Platform::parse("deps=exist").unwrap_or_default();
        assert_eq!(p.dependencies, DependencyCheck::Exist);
        assert!(Platform::parse("deps=maybe").is_err());
        assert!(Platform::strict().relative_download_url);
        assert!(!Platform::default().relative_download_url);
        assert!(
            Platform::parse("relative-download")
                .unwrap_or_default()
                .relative_download_url
        );
    }

    #[test]
    fn reserialize_adds_bookkeeping() {
        let v = reserialize(json!({"a": 1, "flowVersion": "1.0"}), "2.0", 5);
        assert_eq!(v["flowVersion"], "2.0");
        assert_eq!(v["dateSaved"], 5);
        assert_eq!(v["a"], 1);
    }
}
