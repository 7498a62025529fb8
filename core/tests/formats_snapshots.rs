//! Snapshot tests of the diagnostics of every Archy YAML and Architect configuration JSON
//! example (and the flow-JSON twins in examples/formats). A change in any message, span or
//! code shows up as a reviewable diff (`cargo insta review`).
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::path::Path;

use flowguard_core::{Options, Severity, validate};

fn snapshot_dir(sub: &str, ext: &str, min: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(sub);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    assert!(
        files.len() >= min,
        "expected at least {min} examples in {sub}"
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let result = validate(&text, &Options::default());
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let name = format!("{sub}-{stem}");
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_json_snapshot!("format", result);
        });
        // Examples with a defect in their name must show it; the others must be clean.
        let findings = result
            .diagnostics
            .iter()
            .any(|d| d.severity != Severity::Info);
        if stem.contains("loop") || stem.contains("dangling") || stem.starts_with("defect") {
            assert!(findings, "{name} should have findings");
        } else {
            assert!(
                !findings,
                "{name} should be clean: {:#?}",
                result.diagnostics
            );
        }
    }
}

#[test]
fn archy_examples() {
    snapshot_dir("archy", "yaml", 5);
}

#[test]
fn architect_examples() {
    snapshot_dir("architect", "json", 2);
}

#[test]
fn flow_json_twins() {
    snapshot_dir("formats", "json", 2);
}
