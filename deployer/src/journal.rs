//! The write-ahead journal of a deploy: before any write to the org, the intent and the
//! previous configuration are saved (fsync'd, atomic rename); every later step is
//! recorded before it is taken. `flowguard recover` reads it after a crash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::step::Step;
use crate::util::{now_rfc3339, write_atomic};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub deploy_id: String,
    pub flow_id: String,
    pub flow_name: String,
    pub operator: String,
    /// `config` (POST versions) or `yaml` (import job).
    pub pipeline: String,
    pub source_file: String,
    /// Hash of the configuration being deployed (`config`) or of the YAML (`yaml`).
    pub new_content_sha256: String,
    pub previous_published: Option<String>,
    pub previous_checked_in: Option<String>,
    pub previous_saved: Option<String>,
    /// The previously published configuration, kept so the org can be restored.
    pub previous_configuration: Option<Value>,
    pub previous_configuration_sha256: Option<String>,
    /// The configuration being deployed (Architect JSON), to verify by meaning.
    #[serde(default)]
    pub new_configuration: Option<Value>,
    /// Set once POST versions answered (or the import job published).
    pub new_version: Option<String>,
    pub import_job_id: Option<String>,
    pub forced_unlock: bool,
    /// Steps taken or about to be taken, in order: (step, timestamp).
    pub steps: Vec<(Step, String)>,
    pub started_at: String,
    /// A deploy by name that creates its flow (`POST /api/v2/flows`).
    #[serde(default)]
    pub creation: Option<Creation>,
    /// The release this deploy is part of (so `recover` audits it under that id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
}

/// The flow a deploy creates. Journalled before the create under a key made of the
/// name and type (the id is not known yet); `flow_id` is set once the org answered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Creation {
    pub name: String,
    pub flow_type: String,
    pub division_id: Option<String>,
    pub flow_id: Option<String>,
}

impl Creation {
    /// The journal key of a creation whose id is not known yet.
    pub fn pending_key(&self) -> String {
        format!("new-{}-{}", self.flow_type.to_lowercase(), self.name)
    }
}

impl Journal {
    pub fn last_step(&self) -> Option<Step> {
        self.steps.last().map(|(s, _)| *s)
    }

    pub fn has_step(&self, step: Step) -> bool {
        self.steps.iter().any(|(s, _)| *s == step)
    }
}

/// The journal directory of a state directory.
#[derive(Clone, Debug)]
pub struct JournalDir {
    pub dir: PathBuf,
}

impl JournalDir {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            dir: state_dir.join("journal"),
        }
    }

    pub fn path_of(&self, flow_id: &str) -> PathBuf {
        let safe: String = flow_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.json"))
    }

    /// Writes the journal durably.
    pub fn save(&self, j: &Journal) -> Result<(), String> {
        let text = serde_json::to_vec_pretty(j).map_err(|e| e.to_string())?;
        let p = self.path_of(&j.flow_id);
        write_atomic(&p, &text)
            .map_err(|e| format!("{}: cannot write the journal: {e}", p.display()))
    }

    /// Records `step` and saves.
    pub fn step(&self, j: &mut Journal, step: Step) -> Result<(), String> {
        j.steps.push((step, now_rfc3339()));
        self.save(j)
    }

    pub fn remove(&self, flow_id: &str) -> Result<(), String> {
        let p = self.path_of(flow_id);
        match std::fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("{}: cannot remove: {e}", p.display())),
        }
    }

    pub fn load(&self, flow_id: &str) -> Result<Option<Journal>, String> {
        let p = self.path_of(flow_id);
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| format!("{}: unreadable journal: {e}", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    }

    /// Every pending journal.
    pub fn all(&self) -> Result<Vec<Journal>, String> {
        read_json_dir(&self.dir, "journal")
    }
}

/// Every `*.json` file of `dir` read as a `T`, by file name; a missing folder holds none.
/// `what` names the files in errors ("journal", "release journal").
pub fn read_json_dir<T: serde::de::DeserializeOwned>(
    dir: &Path,
    what: &str,
) -> Result<Vec<T>, String> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let b = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push(
            serde_json::from_slice(&b)
                .map_err(|e| format!("{}: unreadable {what}: {e}", p.display()))?,
        );
    }
    Ok(out)
}
