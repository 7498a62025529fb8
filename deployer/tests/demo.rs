//! The README's main command: `flowguard demo` tells the whole story against the embedded
//! emulator and leaves its artifacts. Built only with `--features demo` (scripts/test-all
//! tests all features).
#![cfg(feature = "demo")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[test]
fn demo_tells_the_story_and_leaves_artifacts() {
    let dir = std::env::temp_dir().join(format!("flowguard-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = Command::new(env!("CARGO_BIN_EXE_flowguard"))
        .args(["demo", "--dir", &dir.to_string_lossy()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for step in [
        "1. fetch",
        "2. validate",
        "error[FG020]",
        "4. a concurrent edit",
        "6. audit verify",
        "7. a release",
        "(cycle: two phases)",
        "8. a failure midway",
        "9. audit show --release",
    ] {
        assert!(out.contains(step), "missing `{step}` in:\n{out}");
    }
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f.ends_with(".lock")), "{files:?}");
    release_parts(&dir, &out);
    // Every audit log the demo wrote (the first org's, dev's and prod's) verifies on its own.
    let audits: Vec<PathBuf> = walk(&dir)
        .into_iter()
        .filter(|p| p.ends_with("audit.jsonl"))
        .collect();
    assert_eq!(audits.len(), 3, "{audits:?}");
    for audit in audits {
        let v = Command::new(env!("CARGO_BIN_EXE_flowguard"))
            .args(["audit", "verify", "--log", &audit.to_string_lossy()])
            .output()
            .unwrap();
        assert_eq!(
            v.status.code(),
            Some(0),
            "{}: {}",
            audit.display(),
            String::from_utf8_lossy(&v.stdout)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const FLOWS: [&str; 3] = [
    "Example Main Line",
    "Example Support Hold",
    "Example Callback Line",
];

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The flow line `name` of a release report.
fn line<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["flows"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

/// The greeting and the queues the org serves in the main line (the emulator's import
/// turns Archy YAML into configuration JSON: a Play Audio's prompt, the queue manifest).
fn greeting_and_queues(live: &Value) -> (String, Vec<String>) {
    let greeting = live["flowSequenceItemList"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["actionList"].as_array().into_iter().flatten())
        .find(|a| a["name"] == "Greeting")
        .and_then(|a| a["prompts"]["defaultAudio"]["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    let mut queues: Vec<String> = live["manifest"]["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap().to_owned())
        .collect();
    queues.sort();
    (greeting, queues)
}

/// Steps 7–9, from the reports and the live configurations the demo downloaded.
fn release_parts(dir: &Path, out: &str) {
    let dev1 = read_json(&dir.join("dev/release-1.json"));
    let prod1 = read_json(&dir.join("prod/release-1.json"));
    let prod2 = read_json(&dir.join("prod/release-2.json"));
    // Both orgs hold the three flows, one cycle deployed in two phases, under
    // different ids (two orgs).
    for r in [&dev1, &prod1] {
        assert_eq!(r["outcome"], "deployed", "{r}");
        assert_eq!(r["order"].as_array().map(Vec::len), Some(1), "{r}");
        assert_eq!(r["order"][0]["cyclic"], true, "{r}");
    }
    for name in FLOWS {
        let (d, p) = (line(&dev1, name), line(&prod1, name));
        assert_eq!(d["outcome"], "deployed", "{dev1}");
        assert_eq!(p["outcome"], "deployed", "{prod1}");
        assert!(d["flow_id"].is_string() && p["flow_id"].is_string());
        assert_ne!(d["flow_id"], p["flow_id"], "{name}: one id in two orgs");
        assert_eq!(d["created"], true, "{name}");
        // Prod already had its main line (found by name, not created).
        assert_eq!(p["created"], name != "Example Main Line", "{name}");
    }
    // Each org with its own values.
    let dev_main = read_json(&dir.join("dev/live-1/Example Main Line.json"));
    let prod_main = read_json(&dir.join("prod/live-1/Example Main Line.json"));
    assert_eq!(
        greeting_and_queues(&dev_main),
        (
            "Welcome to the Example Corp test line.".to_owned(),
            vec!["English".to_owned(), "Spanish".to_owned()]
        )
    );
    assert_eq!(
        greeting_and_queues(&prod_main),
        (
            "Welcome to Example Corp.".to_owned(),
            vec!["Billing".to_owned(), "Support".to_owned()]
        )
    );
    // Release 2 failed midway: what it had published is rolled back, the flow that
    // failed was never published; prod serves release 1 (same versions, same content).
    assert_eq!(prod2["outcome"], "rolled-back", "{prod2}");
    assert_eq!(prod2["exit_code"], 4, "{prod2}");
    let outcomes: Vec<&str> = prod2["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["rolled-back", "rolled-back", "failed"],
        "{prod2}"
    );
    for name in FLOWS {
        let (before, after) = (line(&prod1, name), line(&prod2, name));
        assert_eq!(
            after["published_version"], before["published_version"],
            "{name}: {prod2}"
        );
        assert_eq!(after["previous_version"], before["published_version"]);
        let live1 = read_json(&dir.join(format!("prod/live-1/{name}.json")));
        let live2 = read_json(&dir.join(format!("prod/live-2/{name}.json")));
        assert_eq!(live1, live2, "{name}: prod changed");
        assert!(
            !live2["description"].as_str().unwrap().contains("release 2"),
            "{name}: {live2}"
        );
    }
    // The two flows published before the failure really carried release 2.
    let published = prod2["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["command"] == "deploy" && a["outcome"] == "deployed")
        .count();
    assert_eq!(published, 2, "{prod2}");
    // The audit records of release 2, as `audit show --release` printed them.
    let id = prod2["release_id"].as_str().unwrap();
    let recs: Vec<Value> = std::fs::read_to_string(dir.join("prod/.flowguard/audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &Value| r["release_id"] == id)
        .collect();
    // Two deployed, one failed, two rollbacks, the release record.
    assert_eq!(recs.len(), 6, "{recs:?}");
    let part = out
        .split("9. audit show --release")
        .nth(1)
        .unwrap_or_default();
    assert_eq!(part.matches(" by demo ").count(), recs.len(), "{part}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}
