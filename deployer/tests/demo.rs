//! The README's main command: `flowguard demo` tells the whole story against the embedded
//! emulator and leaves its artifacts. Built only with `--features demo` (scripts/test-all
//! tests all features).
#![cfg(feature = "demo")]
#![allow(clippy::unwrap_used)]

use std::process::Command;

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
    ] {
        assert!(out.contains(step), "missing `{step}` in:\n{out}");
    }
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f.ends_with(".lock")), "{files:?}");
    // The audit log the demo wrote verifies on its own.
    let audit = walk(&dir)
        .into_iter()
        .find(|p| p.ends_with("audit.jsonl"))
        .expect("an audit log");
    let v = Command::new(env!("CARGO_BIN_EXE_flowguard"))
        .args(["audit", "verify", "--log", &audit.to_string_lossy()])
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
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
