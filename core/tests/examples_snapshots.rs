//! Snapshot tests of every flow-JSON example's diagnostics and stats. A change in any
//! message, span or code shows up as a reviewable diff (`cargo insta review`).
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::path::Path;

use flowguard_core::{Options, validate};

#[test]
fn examples_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected at least 12 examples, found {}",
        files.len()
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let result = validate(&text, &Options::default());
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_json_snapshot!("example", result);
        });
        // Clean examples must stay clean; defect examples must show a defect.
        let has_findings = result
            .diagnostics
            .iter()
            .any(|d| d.severity != flowguard_core::Severity::Info);
        if name.starts_with("defect-") {
            assert!(has_findings, "{name} should have findings");
        } else if !name.starts_with("decision-") {
            assert!(
                !has_findings,
                "{name} should be clean: {:#?}",
                result.diagnostics
            );
        }
    }
}
