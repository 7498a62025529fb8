//! `flowguard.lock`: what was fetched or deployed, per flow, so a later deploy can tell
//! that the remote moved in the meantime.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::genesys::model::Flow;
use crate::util::{now_rfc3339, write_atomic};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub flow_id: String,
    pub name: String,
    #[serde(default)]
    pub flow_type: Option<String>,
    #[serde(default)]
    pub saved_version: Option<String>,
    #[serde(default)]
    pub checked_in_version: Option<String>,
    #[serde(default)]
    pub published_version: Option<String>,
    /// SHA-256 of the canonical configuration JSON (or of the YAML source).
    pub content_sha256: String,
    #[serde(default)]
    pub file: Option<String>,
    pub updated_at: String,
}

impl Entry {
    pub fn from_flow(flow: &Flow, content_sha256: String, file: Option<String>) -> Self {
        Self {
            flow_id: flow.id.clone(),
            name: flow.name.clone(),
            flow_type: flow.flow_type.clone(),
            saved_version: flow.saved_id().map(str::to_owned),
            checked_in_version: flow.checked_in_id().map(str::to_owned),
            published_version: flow.published_id().map(str::to_owned),
            content_sha256,
            file,
            updated_at: now_rfc3339(),
        }
    }

    /// What moved between the recorded versions and `flow` (empty when nothing did).
    pub fn moved(&self, flow: &Flow) -> Vec<String> {
        let mut out = Vec::new();
        for (what, was, now) in [
            ("published", &self.published_version, flow.published_id()),
            ("checked-in", &self.checked_in_version, flow.checked_in_id()),
            ("saved", &self.saved_version, flow.saved_id()),
        ] {
            if was.as_deref() != now {
                out.push(format!(
                    "{what} version is {} (lockfile: {})",
                    now.unwrap_or("none"),
                    was.as_deref().unwrap_or("none")
                ));
            }
        }
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    pub lockfile_version: u32,
    pub flows: BTreeMap<String, Entry>,
}

impl Lockfile {
    /// Reads the lockfile; a missing file is an empty lockfile.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read(path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| format!("{}: not a flowguard lockfile: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self {
                lockfile_version: 1,
                ..Self::default()
            }),
            Err(e) => Err(format!("{}: cannot read: {e}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        write_atomic(path, text.as_bytes())
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))
    }

    /// Loads, applies `f`, saves.
    pub fn update(path: &Path, f: impl FnOnce(&mut Self)) -> Result<(), String> {
        let mut l = Self::load(path)?;
        l.lockfile_version = 1;
        f(&mut l);
        l.save(path)
    }
}
