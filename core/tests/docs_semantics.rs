//! `docs/semantics.md` documents every row of the semantics table the readers use.

use flowguard_core::formats::semantics::{ACTIONS, CHOICES};

#[test]
fn every_action_and_choice_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/semantics.md"))
        .expect("docs/semantics.md");
    let missing: Vec<&str> = ACTIONS
        .iter()
        .map(|a| a.archy)
        .chain(CHOICES.iter().map(|c| c.archy))
        .filter(|key| !doc.contains(&format!("`{key}`")))
        .collect();
    assert!(missing.is_empty(), "not in docs/semantics.md: {missing:?}");
    let types: Vec<&str> = ACTIONS
        .iter()
        .flat_map(|a| a.architect.iter().copied())
        .filter(|t| !doc.contains(t))
        .collect();
    assert!(
        types.is_empty(),
        "__type not in docs/semantics.md: {types:?}"
    );
}

#[test]
fn every_flow_reference_row_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/semantics.md"))
        .expect("docs/semantics.md");
    let missing: Vec<&str> = flowguard_core::formats::semantics::FLOW_REFERENCES
        .iter()
        .flat_map(|r| r.types.iter().copied())
        .filter(|t| !doc.contains(&format!("`{t}`")))
        .collect();
    assert!(missing.is_empty(), "not in docs/semantics.md: {missing:?}");
}
