//! The offline commands through the real binary: `validate` and `flatten`, their output
//! shapes and exit codes.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowguard"))
        .args(args)
        .output()
        .unwrap()
}

fn ex(name: &str) -> String {
    examples().join(name).to_string_lossy().into_owned()
}

#[test]
fn validate_exit_codes() {
    assert_eq!(
        run(&["validate", &ex("main-ivr.json")]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["validate", &ex("defect-routing-loop.json")])
            .status
            .code(),
        Some(1)
    );
    // A warning only: 0, or 1 under --deny-warnings.
    assert_eq!(
        run(&["validate", &ex("defect-too-deep.json")])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["validate", "--deny-warnings", &ex("defect-too-deep.json")])
            .status
            .code(),
        Some(1)
    );
    // Missing files and directories are usage/IO errors with a clear message.
    let o = run(&["validate", "/nonexistent/flow.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such file"));
    // A directory is searched for flows (tests/linter.rs has the details).
    let o = run(&["validate", &examples().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("main-ivr.json: 0 errors"));
    assert_eq!(run(&["validate"]).status.code(), Some(2));
}

#[test]
fn validate_json_output_shape() {
    let o = run(&[
        "validate",
        "--format",
        "json",
        &ex("defect-routing-loop.json"),
        &ex("main-ivr.json"),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let d = &files[0]["diagnostics"][0];
    assert_eq!(d["code"], "FG020");
    assert_eq!(d["name"], "routing-loop");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["pointer"], "/nodes/apologize");
    assert_eq!(d["span"]["line"], 10);
    // The billing menu loop (caller-driven) and the apologize loop.
    assert_eq!(files[0]["stats"]["components"], 2);
    assert_eq!(files[1]["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(files[1]["format"], "flow");
}

#[test]
fn text_output_shows_the_source_line_and_caret() {
    let o = run(&["validate", &ex("defect-dangling-target.json")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("error[FG011]"), "{text}");
    assert!(text.contains("--> "), "{text}");
    assert!(text.contains("^^^^^^^^^"), "{text}");
    assert!(text.contains("= help:"), "{text}");
}

#[test]
fn validate_reads_stdin_and_binary_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowguard"))
        .args(["validate", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\x00\x01binary")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["path"], "<stdin>");
    assert_eq!(v["files"][0]["diagnostics"][0]["code"], "FG001");
}

#[test]
fn flatten_writes_an_equivalent_document_and_a_report() {
    let dir = std::env::temp_dir().join(format!("flowguard-flatten-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("flat.json");
    let o = run(&[
        "flatten",
        &ex("decision-nested.json"),
        "-o",
        &out.to_string_lossy(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = String::from_utf8_lossy(&o.stderr);
    assert!(report.contains("flattened"), "{report}");
    assert!(report.contains("certified"), "{report}");
    let flat = std::fs::read_to_string(&out).unwrap();
    let original = std::fs::read_to_string(ex("decision-nested.json")).unwrap();
    assert_ne!(flat, original);
    // The result is a valid flow with fewer decision nodes.
    let o = run(&["validate", "--format", "json", &out.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(0));
    let count = |t: &str| t.matches("\"decision\"").count();
    assert!(count(&flat) < count(&original));

    // JSON report on stderr, document on stdout.
    let o = run(&["flatten", "--format", "json", &ex("decision-nested.json")]);
    assert_eq!(o.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(r["reports"][0]["status"], "flattened");
    assert_eq!(r["certificate"]["decisions"][0]["certified"], true);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(doc["nodes"].is_object());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flatten_writes_archy_yaml_back() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/archy/nested-decisions.yaml")
        .to_string_lossy()
        .into_owned();
    let dir = std::env::temp_dir().join(format!("flowguard-flatten-yaml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("flat.yaml");
    let o = run(&["flatten", &input, "-o", &out.to_string_lossy()]);
    let report = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{report}");
    assert!(report.contains("1 flattened"), "{report}");
    assert!(report.contains(": certified"), "{report}");
    assert!(!report.contains("FG046"), "{report}");
    let flat = std::fs::read_to_string(&out).unwrap();
    let original = std::fs::read_to_string(&input).unwrap();
    // One switch where the tree was; the text before it is unchanged.
    assert_eq!(flat.matches("- decision:").count(), 0);
    assert_eq!(flat.matches("- switch:").count(), 1);
    let at = original.find("decision:   #").unwrap();
    assert_eq!(flat[..at], original[..at]);
    let o = run(&["validate", &out.to_string_lossy()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // The JSON report: certified, and the document on stdout.
    let o = run(&["flatten", "--format", "json", &input]);
    assert_eq!(o.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(r["format"], "archy");
    assert_eq!(r["reports"][0]["status"], "flattened");
    assert_eq!(r["certificate"]["all_applied_certified"], true);
    assert_eq!(String::from_utf8_lossy(&o.stdout), flat);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flatten_of_unreadable_input_writes_nothing() {
    let o = run(&["flatten", &ex("defect-syntax.json")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("FG001"));
    assert_eq!(
        run(&["flatten", "/nonexistent.json"]).status.code(),
        Some(2)
    );
}
