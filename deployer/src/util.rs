//! Small shared helpers: hashes, canonical JSON, timestamps, durable writes.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Canonical JSON: object keys sorted (serde_json's map is ordered), no whitespace.
pub fn canonical_json(v: &Value) -> String {
    // serde_json::Map is a BTreeMap without the preserve_order feature, so keys are
    // already sorted; re-sort defensively in case the feature gets unified in.
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for k in keys {
                    out.insert(k.clone(), sort(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sort(v)).unwrap_or_default()
}

/// SHA-256 of the canonical JSON of a configuration: the content hash in lockfiles,
/// journals and verification.
pub fn config_hash(v: &Value) -> String {
    sha256_hex(canonical_json(v).as_bytes())
}

/// RFC 3339 UTC timestamp with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let ms = d.subsec_millis();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// Writes `bytes` to `path` durably: temp file in the same directory, fsync, rename,
/// fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    remove_stale_temps(dir, &name);
    Ok(())
}

/// Temp files of the same target left by a writer killed between create and rename. Only
/// old ones go: a recent one may belong to another process writing right now.
fn remove_stale_temps(dir: &Path, name: &str) {
    const STALE: std::time::Duration = std::time::Duration::from_secs(600);
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_temp = entry.file_name().to_string_lossy().starts_with(&prefix);
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if is_temp && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn atomic_writes_clean_up_old_temp_files_only() {
        let dir = std::env::temp_dir().join(format!("flowguard-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let old = dir.join(".state.json.tmp-1");
        let fresh = dir.join(".state.json.tmp-2");
        std::fs::write(&old, b"x").unwrap_or_default();
        std::fs::write(&fresh, b"x").unwrap_or_default();
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        if let Ok(f) = std::fs::File::options().write(true).open(&old) {
            let _ = f.set_modified(long_ago);
        }
        write_atomic(&dir.join("state.json"), b"{}").unwrap_or_default();
        assert!(!old.exists(), "a temp file an hour old is a crash leftover");
        assert!(fresh.exists(), "a fresh one may be another writer's");
        assert_eq!(
            std::fs::read(dir.join("state.json")).unwrap_or_default(),
            b"{}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_709_210_096_123)),
            "2024-02-29T12:34:56.123Z"
        );
    }

    #[test]
    fn canonical_is_sorted_and_compact() {
        let v: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"d": [1, 2], "c": null}}"#).unwrap_or_default();
        assert_eq!(canonical_json(&v), r#"{"a":{"c":null,"d":[1,2]},"b":1}"#);
    }
}
