//! `flowguard validate` on Architect export files (`.i3InboundFlow`, …, or no extension):
//! decoded by content, positions in the decoded JSON, a note in text output and a
//! `decoded` marker in JSON output.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowguard"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/architect/routing-loop.json")
}

/// What Architect writes: base64 of the URL-encoded (`encodeURIComponent`) JSON.
fn export_of(json: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    let url = percent_encoding::utf8_percent_encode(json, KEEP).to_string();
    base64::engine::general_purpose::STANDARD.encode(url)
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn an_export_validates_like_its_json_with_a_note_and_a_marker() {
    let dir = tempfile::tempdir().unwrap();
    let json = std::fs::read_to_string(example()).unwrap();
    let with_ext = dir.path().join("Billing Retry.i3InboundFlow");
    let without_ext = dir.path().join("billing-retry-export");
    std::fs::write(&with_ext, export_of(&json)).unwrap();
    std::fs::write(&without_ext, export_of(&json) + "\n").unwrap();
    let direct = run(&["validate", "--format", "json", example().to_str().unwrap()]);
    let direct = json_of(&direct);
    assert!(direct["files"][0].get("decoded").is_none(), "{direct}");
    for path in [&with_ext, &without_ext] {
        let p = path.to_str().unwrap();
        // JSON: same diagnostics as the decoded JSON, and the marker.
        let o = run(&["validate", "--format", "json", p]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let v = json_of(&o);
        let file = &v["files"][0];
        assert_eq!(file["format"], "architect");
        assert_eq!(
            file["decoded"],
            serde_json::json!({"encoding": "base64+url"})
        );
        assert_eq!(file["diagnostics"], direct["files"][0]["diagnostics"]);
        assert_eq!(file["stats"], direct["files"][0]["stats"]);
        // Text: the note, and snippets from the decoded JSON.
        let o = run(&["validate", p]);
        let text = stdout(&o);
        assert!(
            text.contains(&format!(
                "note: {p} is an Architect export (base64 of URL-encoded JSON); positions refer to its decoded JSON"
            )),
            "{text}"
        );
        assert!(text.contains("error[FG020]"), "{text}");
        let d = &file["diagnostics"][0];
        let line = d["span"]["line"].as_u64().unwrap() as usize;
        let source_line = json.lines().nth(line - 1).unwrap();
        assert!(
            text.contains(&format!("{line} | {source_line}\n")),
            "{source_line:?} not shown in\n{text}"
        );
        assert!(text.contains(&format!("--> {p}:{line}:")), "{text}");
    }
}

#[test]
fn a_damaged_export_is_fg001_and_the_extension_is_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let json = std::fs::read_to_string(example()).unwrap();
    let mut export = export_of(&json);
    export.insert(100, '#');
    let damaged = dir.path().join("damaged.i3InQueueFlow");
    std::fs::write(&damaged, &export).unwrap();
    let o = run(&["validate", "--format", "json", damaged.to_str().unwrap()]);
    let v = json_of(&o);
    let file = &v["files"][0];
    assert_eq!(file["format"], "architect");
    assert!(file.get("decoded").is_none());
    assert_eq!(file["diagnostics"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(file["diagnostics"][0]["code"], "FG001");
    assert_eq!(file["diagnostics"][0]["span"]["start"], 100);
    // Not an export at all, but named like one: read as Architect configuration JSON
    // (FG001), not as YAML (FG002 + FG010).
    let named = dir.path().join("notes.i3WorkFlow");
    std::fs::write(&named, "hello: world\n").unwrap();
    let v = json_of(&run(&[
        "validate",
        "--format",
        "json",
        named.to_str().unwrap(),
    ]));
    assert_eq!(v["files"][0]["format"], "architect");
    assert_eq!(v["files"][0]["diagnostics"][0]["code"], "FG001");
    // Under an explicit --input-format the extension is not a hint.
    let v = json_of(&run(&[
        "validate",
        "--format",
        "json",
        "--input-format",
        "archy",
        named.to_str().unwrap(),
    ]));
    assert_eq!(v["files"][0]["format"], "archy");
}

#[test]
fn every_real_export_validates() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/genesys/real-flows/architect");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("note: {} is absent", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.to_string_lossy().ends_with(".decoded.json"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 4);
    for path in &paths {
        let p = path.to_str().unwrap();
        let o = run(&["validate", "--format", "json", p]);
        assert_ne!(o.status.code(), Some(2), "{p}");
        let v = json_of(&o);
        let file = &v["files"][0];
        assert_eq!(file["format"], "architect", "{p}");
        assert_eq!(file["decoded"]["encoding"], "base64+url", "{p}");
        for d in file["diagnostics"].as_array().unwrap() {
            assert!(
                !["FG001", "FG002", "FG010"].contains(&d["code"].as_str().unwrap()),
                "{p}: {d}"
            );
        }
        // The same as validating the decoded JSON beside it.
        let beside = format!("{p}.decoded.json");
        let direct = json_of(&run(&["validate", "--format", "json", &beside]));
        assert_eq!(
            file["diagnostics"], direct["files"][0]["diagnostics"],
            "{p}"
        );
        let o = run(&["validate", p]);
        assert!(stdout(&o).contains("is an Architect export"), "{p}");
    }
}

#[test]
fn a_deploy_source_is_the_decoded_configuration() {
    use flowguard::source::{Content, Source};
    let json = std::fs::read_to_string(example()).unwrap();
    let s = Source::from_text("Billing.i3InboundFlow", export_of(&json)).unwrap();
    assert_eq!(s.format, flowguard_core::InputFormat::Architect);
    assert_eq!(s.text, json);
    assert!(matches!(s.content, Content::Config(_)));
    let direct = Source::from_text("billing.json", json).unwrap();
    assert_eq!(s.content_sha256(), direct.content_sha256());
    let mut damaged = export_of("{\"a\":1}");
    damaged.insert(5, '!');
    let e = Source::from_text("bad.i3InboundFlow", damaged).unwrap_err();
    assert!(e.contains("cannot decode the Architect export"), "{e}");
}

#[test]
fn flatten_of_an_export_writes_its_decoded_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = std::fs::read_to_string(example()).unwrap();
    let export = dir.path().join("Billing.i3InboundFlow");
    std::fs::write(&export, export_of(&json)).unwrap();
    let out = dir.path().join("flat.json");
    let o = run(&[
        "flatten",
        export.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is an Architect export (base64 of URL-encoded JSON); it is flattened and written as its decoded JSON"),
        "{err}"
    );
    // No decision trees to flatten here: the decoded JSON, unchanged.
    assert_eq!(std::fs::read_to_string(&out).unwrap(), json);
}
