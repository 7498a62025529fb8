//! The release journal: one file per release under `<state-dir>/releases/`, written
//! (atomically, fsync'd) before phase one writes anything and after every flow's step,
//! so `flowguard recover` can undo an interrupted release. Each flow's own deploy still
//! keeps its per-flow journal (`crate::journal`) while it runs.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::Ctx;
use crate::util::write_atomic;

/// Where a flow of the release is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowState {
    /// Nothing done yet.
    Pending,
    /// Phase one: found in the org; its published version is recorded.
    Exists,
    /// Phase one: created (or found unpublished) and a stub published into it.
    Stubbed,
    /// Phase two: its contents are being deployed.
    Deploying,
    /// Phase two: its contents are published and verified (`new_version`).
    Published,
    /// Phase two: nothing to publish.
    NoChange,
    /// Its deploy failed (and undid itself).
    Failed,
    /// Published back at `previous_published` and verified.
    RolledBack,
    /// The version to publish back could not be restored: look at it.
    RollbackFailed,
}

/// One flow of the release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseFlow {
    pub file: String,
    pub name: String,
    pub flow_type: String,
    pub flow_id: Option<String>,
    /// This release created the flow (phase one).
    #[serde(default)]
    pub created: bool,
    /// The version published before phase two (for a created flow: its stub).
    pub previous_published: Option<String>,
    /// Its configuration, to verify a rollback by meaning.
    #[serde(default)]
    pub previous_configuration: Option<Value>,
    /// The version phase two published.
    pub new_version: Option<String>,
    pub state: FlowState,
}

/// An interrupted or running release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseJournal {
    pub release_id: String,
    pub operator: String,
    pub started_at: String,
    /// `exist`, `contents` or `rollback`.
    pub phase: String,
    /// In deploy order (dependencies first).
    pub flows: Vec<ReleaseFlow>,
}

/// The release journal directory beside the per-flow journal.
pub fn dir(ctx: &Ctx) -> PathBuf {
    ctx.journal.dir.with_file_name("releases")
}

fn path(ctx: &Ctx, id: &str) -> PathBuf {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir(ctx).join(format!("{safe}.json"))
}

pub fn save(ctx: &Ctx, j: &ReleaseJournal) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(j).map_err(|e| e.to_string())?;
    let p = path(ctx, &j.release_id);
    write_atomic(&p, &text)
        .map_err(|e| format!("{}: cannot write the release journal: {e}", p.display()))
}

pub fn remove(ctx: &Ctx, id: &str) -> Result<(), String> {
    let p = path(ctx, id);
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: cannot remove: {e}", p.display())),
    }
}

/// Every pending release journal, oldest file name first.
pub fn all(ctx: &Ctx) -> Result<Vec<ReleaseJournal>, String> {
    crate::journal::read_json_dir(&dir(ctx), "release journal")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::context::StateArgs;

    #[test]
    fn saved_journals_are_listed_and_removed() {
        let t = tempfile::tempdir().unwrap();
        let ctx = Ctx::new(&StateArgs {
            state_dir: t.path().join(".flowguard"),
            ..StateArgs::default()
        });
        assert!(all(&ctx).unwrap().is_empty());
        let j = ReleaseJournal {
            release_id: "r-1".into(),
            operator: "me".into(),
            started_at: "now".into(),
            phase: "exist".into(),
            flows: vec![ReleaseFlow {
                file: "a.json".into(),
                name: "A".into(),
                flow_type: "INBOUNDCALL".into(),
                flow_id: None,
                created: false,
                previous_published: None,
                previous_configuration: None,
                new_version: None,
                state: FlowState::Pending,
            }],
        };
        save(&ctx, &j).unwrap();
        assert_eq!(all(&ctx).unwrap(), vec![j]);
        // Not read as a per-flow journal.
        assert!(ctx.journal.all().unwrap().is_empty());
        remove(&ctx, "r-1").unwrap();
        assert!(all(&ctx).unwrap().is_empty());
    }
}
