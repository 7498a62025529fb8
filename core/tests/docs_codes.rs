//! Every diagnostic code is documented in docs/codes.md, with a section and a table row.
#![allow(clippy::unwrap_used)]

use flowguard_core::Code;

#[test]
fn every_code_is_documented() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/codes.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let mut missing = Vec::new();
    for &c in Code::ALL {
        let heading = format!("## {} {}", c.code(), c.name());
        let row = format!("| {} | {} |", c.code(), c.name());
        if !doc.contains(&heading) || !doc.contains(&row) {
            missing.push(heading);
        }
    }
    assert!(missing.is_empty(), "undocumented codes: {missing:?}");
}
