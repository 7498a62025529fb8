//! The audit log: append-only JSON Lines, each record hash-chained to the previous one.
//!
//! `hash` = SHA-256 over the canonical JSON of the record without `hash`; `prev_hash` is
//! the previous record's `hash` (64 zeros for the first). A sidecar `<log>.head` holds the
//! last hash and the record count, so truncating the log is detected too. `verify`
//! reports the first bad line.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::util::{canonical_json, now_rfc3339, sha256_hex, write_atomic};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the change event of the design carries (`audit_trail`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditTrail {
    pub operator_id: String,
    pub previous_version: Option<String>,
    pub new_version: Option<String>,
    pub changes_summary: String,
}

/// Counts of the validation diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticsSummary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Distinct codes, sorted (`FG010`, ...).
    pub codes: Vec<String>,
}

/// One audit record (before chaining).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event_id: String,
    pub timestamp: String,
    pub flow_id: String,
    /// `deploy`, `rollback`, `recover`, `force-unlock`, `fetch`.
    pub action: String,
    /// `deployed`, `no-change`, `dry-run`, `refused`, `conflict`, `rolled-back`,
    /// `rollback-failed`, `failed`, `ok`.
    pub outcome: String,
    pub latency_ms: u64,
    /// `passed`, `warnings`, `failed`, `not-run`.
    pub validation_status: String,
    pub audit_trail: AuditTrail,
    pub correlation_ids: Vec<String>,
    pub diagnostics: DiagnosticsSummary,
    pub message: String,
    /// Anything else worth keeping (deploy id, forced unlock, job id, ...).
    #[serde(default)]
    pub details: Value,
    /// The release (`flowguard deploy` over several files) this record belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
}

impl Event {
    pub fn new(flow_id: &str, action: &str, outcome: &str) -> Self {
        Self {
            event_id: uuid::Uuid::new_v4().to_string(),
            timestamp: now_rfc3339(),
            flow_id: flow_id.to_owned(),
            action: action.to_owned(),
            outcome: outcome.to_owned(),
            validation_status: "not-run".to_owned(),
            details: json!({}),
            ..Self::default()
        }
    }

    /// The CloudEvents `type` of this event.
    pub fn cloudevent_type(&self) -> String {
        let what = match (self.action.as_str(), self.outcome.as_str()) {
            (_, "deployed") => "deployed",
            (_, "restored") | (_, "rolled-back") => "rolled_back",
            (_, "rollback-failed") => "rollback_failed",
            (_, "refused") => "deploy_refused",
            (_, "conflict") => "deploy_conflict",
            (_, "no-change") => "unchanged",
            (_, "dry-run") => "planned",
            ("force-unlock", _) => "force_unlocked",
            _ => "deploy_failed",
        };
        format!("com.flowguard.flow.{what}")
    }
}

/// The log and its sidecars.
#[derive(Clone, Debug)]
pub struct AuditLog {
    pub path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Head {
    count: u64,
    hash: String,
}

/// A verification failure: the first bad line (1-based) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyError {
    pub line: u64,
    pub reason: String,
}

fn hash_of(record: &Value) -> String {
    let mut r = record.clone();
    if let Some(m) = r.as_object_mut() {
        m.remove("hash");
    }
    sha256_hex(canonical_json(&r).as_bytes())
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    fn head_path(&self) -> PathBuf {
        sidecar(&self.path, "head")
    }

    /// Every record, parsed (no verification).
    pub fn records(&self) -> Result<Vec<Value>, String> {
        let f = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: cannot read: {e}", self.path.display())),
        };
        let mut out = Vec::new();
        for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| format!("{}: cannot read: {e}", self.path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            out.push(
                serde_json::from_str(&line)
                    .map_err(|e| format!("{}:{}: not JSON: {e}", self.path.display(), i + 1))?,
            );
        }
        Ok(out)
    }

    /// Appends an event, chained to the last record; returns the stored record.
    pub fn append(&self, event: &Event) -> Result<Value, String> {
        let (count, prev) = self.tail()?;
        let mut record = serde_json::to_value(event).map_err(|e| e.to_string())?;
        if let Some(m) = record.as_object_mut() {
            m.insert("seq".into(), json!(count + 1));
            m.insert("prev_hash".into(), json!(prev));
        }
        let hash = hash_of(&record);
        if let Some(m) = record.as_object_mut() {
            m.insert("hash".into(), json!(hash));
        }
        if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("{}: cannot open: {e}", self.path.display()))?;
        let mut line = canonical_json(&record);
        line.push('\n');
        f.write_all(line.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("{}: cannot append: {e}", self.path.display()))?;
        let head = Head {
            count: count + 1,
            hash,
        };
        let text = serde_json::to_string(&head).map_err(|e| e.to_string())?;
        write_atomic(&self.head_path(), text.as_bytes())
            .map_err(|e| format!("{}: cannot write: {e}", self.head_path().display()))?;
        Ok(record)
    }

    /// Record count and last hash, from the log itself.
    fn tail(&self) -> Result<(u64, String), String> {
        let records = self.records()?;
        let last = records
            .last()
            .and_then(|r| r.get("hash").and_then(Value::as_str))
            .unwrap_or(GENESIS)
            .to_owned();
        Ok((records.len() as u64, last))
    }

    /// Checks the whole chain; `Ok(count)` when intact.
    pub fn verify(&self) -> Result<u64, VerifyError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(VerifyError {
                    line: 0,
                    reason: format!("cannot read the log: {e}"),
                });
            }
        };
        let mut prev = GENESIS.to_owned();
        let mut count = 0u64;
        let mut line_no = 0u64;
        for line in text.lines() {
            line_no += 1;
            let bad = |reason: String| VerifyError {
                line: line_no,
                reason,
            };
            let v: Value = serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
            let stored = v
                .get("hash")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("no `hash`".into()))?;
            if hash_of(&v) != stored {
                return Err(bad(
                    "the record was modified (its hash does not match its content)".into(),
                ));
            }
            let p = v
                .get("prev_hash")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if p != prev {
                return Err(bad(
                    "the chain is broken here: `prev_hash` is not the previous record's hash (a record was removed, inserted or moved)".into(),
                ));
            }
            count += 1;
            if v.get("seq").and_then(Value::as_u64) != Some(count) {
                return Err(bad(format!("sequence number is not {count}")));
            }
            prev = stored.to_owned();
        }
        match std::fs::read_to_string(self.head_path()) {
            Ok(h) => {
                let head: Head = serde_json::from_str(&h).map_err(|e| VerifyError {
                    line: line_no + 1,
                    reason: format!("the head file is unreadable: {e}"),
                })?;
                if head.count != count || head.hash != prev {
                    return Err(VerifyError {
                        line: count.min(head.count) + 1,
                        reason: format!(
                            "the log ends after {count} records but the head file records {} (records were removed from the end, or the log was replaced)",
                            head.count
                        ),
                    });
                }
            }
            Err(_) if count == 0 => {}
            Err(_) => {
                return Err(VerifyError {
                    line: line_no + 1,
                    reason: "the head file is missing".into(),
                });
            }
        }
        Ok(count)
    }

    /// The export cursor: records with `seq` ≤ this have been delivered.
    pub fn exported_through(&self) -> u64 {
        std::fs::read_to_string(sidecar(&self.path, "exported"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn set_exported_through(&self, seq: u64) -> Result<(), String> {
        let p = sidecar(&self.path, "exported");
        write_atomic(&p, seq.to_string().as_bytes()).map_err(|e| format!("{}: {e}", p.display()))
    }
}

fn sidecar(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// The CloudEvents 1.0 JSON envelope of a stored record.
pub fn cloudevent(record: &Value) -> Value {
    let ev: Event = serde_json::from_value(record.clone()).unwrap_or_default();
    json!({
        "specversion": "1.0",
        "id": ev.event_id,
        "source": "urn:flowguard:deployer",
        "type": ev.cloudevent_type(),
        "subject": ev.flow_id,
        "time": ev.timestamp,
        "datacontenttype": "application/json",
        "data": record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_detects_edits_deletions_and_reordering() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = AuditLog::new(dir.path().join("audit.jsonl"));
        for i in 0..4 {
            let mut e = Event::new("f", "deploy", "deployed");
            e.message = format!("record {i}");
            log.append(&e).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(log.verify(), Ok(4));
        let text = std::fs::read_to_string(&log.path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let write = |ls: Vec<String>| {
            std::fs::write(&log.path, ls.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"))
        };

        write(
            lines
                .iter()
                .map(|l| l.replace("record 2", "record X"))
                .collect(),
        );
        assert_eq!(log.verify().map_err(|e| e.line), Err(3));

        write(vec![lines[0].into(), lines[2].into(), lines[3].into()]);
        assert_eq!(log.verify().map_err(|e| e.line), Err(2));

        write(vec![
            lines[0].into(),
            lines[2].into(),
            lines[1].into(),
            lines[3].into(),
        ]);
        assert_eq!(log.verify().map_err(|e| e.line), Err(2));

        write(vec![lines[0].into(), lines[1].into(), lines[2].into()]);
        assert_eq!(log.verify().map_err(|e| e.line), Err(4));

        write(lines.iter().map(|s| (*s).to_owned()).collect());
        assert_eq!(log.verify(), Ok(4));
    }

    #[test]
    fn cloudevent_envelope() {
        let e = Event::new("f1", "deploy", "deployed");
        let r = serde_json::to_value(&e).unwrap_or_default();
        let ce = cloudevent(&r);
        assert_eq!(ce["specversion"], "1.0");
        assert_eq!(ce["type"], "com.flowguard.flow.deployed");
        assert_eq!(ce["id"], json!(e.event_id));
        assert_eq!(ce["datacontenttype"], "application/json");
    }
}
