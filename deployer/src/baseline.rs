//! Baselines: `--write-baseline FILE` records today's findings, `--baseline FILE` reports
//! only findings not in it. An entry is a code, a file, a node and a message, with how
//! many such findings there were; line numbers are not part of it, so edits elsewhere in
//! a flow do not bring recorded findings back. Files are recorded relative to the
//! baseline's directory, with `/`, so the baseline works from any working directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flowguard_core::{Code, Diagnostic};
use serde::{Deserialize, Serialize};

use crate::config::normalize;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub code: Code,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    pub message: String,
    /// How many findings have this identity (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// The baseline format's version.
    version: u32,
    findings: Vec<Entry>,
}

type Key = (Code, String, Option<String>, String);

/// A baseline, read.
pub struct Baseline {
    dir: PathBuf,
    remaining: BTreeMap<Key, usize>,
}

/// The path of `file` as recorded in a baseline in `dir`.
fn relative(dir: &Path, file: &str) -> String {
    if file == "<stdin>" {
        return file.to_owned();
    }
    let abs = normalize(&std::path::absolute(file).unwrap_or_else(|_| PathBuf::from(file)));
    let rel = abs.strip_prefix(dir).unwrap_or(&abs);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn dir_of(path: &Path) -> PathBuf {
    std::path::absolute(path)
        .ok()
        .and_then(|a| normalize(&a).parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

fn key(dir: &Path, file: &str, d: &Diagnostic) -> Key {
    (
        d.code,
        relative(dir, file),
        d.node.clone(),
        d.message.clone(),
    )
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
        let file: File = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a flowguard baseline: {e}", path.display()))?;
        if file.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (1 is)",
                path.display(),
                file.version
            ));
        }
        let mut remaining = BTreeMap::new();
        for e in file.findings {
            *remaining
                .entry((e.code, e.file, e.node, e.message))
                .or_default() += e.count;
        }
        Ok(Baseline {
            dir: dir_of(path),
            remaining,
        })
    }

    /// Removes the findings of `file` the baseline records (each recorded finding absorbs
    /// one), leaving the new ones. Returns how many were absorbed.
    pub fn filter(&mut self, file: &str, diagnostics: &mut Vec<Diagnostic>) -> usize {
        let before = diagnostics.len();
        diagnostics.retain(|d| match self.remaining.get_mut(&key(&self.dir, file, d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        before - diagnostics.len()
    }
}

/// Writes a baseline of these findings (`(path as shown, diagnostics)` per file).
pub fn write(path: &Path, files: &[(&str, &[Diagnostic])]) -> Result<usize, String> {
    let dir = dir_of(path);
    let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
    for (file, diagnostics) in files {
        for d in *diagnostics {
            *counts.entry(key(&dir, file, d)).or_default() += 1;
        }
    }
    let total = counts.values().sum();
    let findings = counts
        .into_iter()
        .map(|((code, file, node, message), count)| Entry {
            code,
            file,
            node,
            message,
            count,
        })
        .collect();
    let json = serde_json::to_string_pretty(&File {
        version: 1,
        findings,
    })
    .map_err(|e| e.to_string())?;
    std::fs::write(path, json + "\n")
        .map_err(|e| format!("{}: cannot write the baseline: {e}", path.display()))?;
    Ok(total)
}
