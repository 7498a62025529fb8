//! End-to-end flattening: regression for the issue's counterexample, examples, writer.
#![allow(clippy::unwrap_used)]

use flowguard_core::decision::{DecisionStatus, FlattenOptions};
use flowguard_core::flatten;
use flowguard_core::{Code, Options, validate};

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A (3) → X, B (2) → Y, C (1) → X: a call matching only C must still go to X.
#[test]
fn counterexample_keeps_routing() {
    let text = r#"{"start": "d", "nodes": {
        "d": {"type": "decision", "conditions": [
            {"expression": "a == 1", "priority": 3, "target_id": "x"},
            {"expression": "b == 1", "priority": 2, "target_id": "y"},
            {"expression": "c == 1", "priority": 1, "target_id": "x"}],
          "transitions": {"default": ["z"]}},
        "x": {"type": "disconnect"}, "y": {"type": "disconnect"}, "z": {"type": "disconnect"}}}"#;
    let out = flatten(text, &FlattenOptions::default());
    // Nothing may be dropped or merged: C is reachable and goes elsewhere than B.
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.reports[0].status, DecisionStatus::Unchanged);
    assert_eq!(out.document.as_deref(), Some(text));
}

#[test]
fn counterexample_example_file() {
    let text = example("decision-counterexample.json");
    let out = flatten(&text, &FlattenOptions::default());
    let doc = out.document.unwrap();
    assert!(doc.contains("Flow.region == \\\"EU\\\""), "{doc}");
    let v = validate(&doc, &Options::default());
    assert!(!v.has_errors(), "{:?}", v.diagnostics);
}

#[test]
fn nested_example_flattens_and_revalidates() {
    let text = example("decision-nested.json");
    let out = flatten(&text, &FlattenOptions::default());
    let doc = out.document.clone().unwrap();
    assert!(
        out.certificate.decisions.iter().all(|c| c.certified),
        "{:#?}",
        out.certificate
    );
    let flattened: Vec<_> = out
        .reports
        .iter()
        .filter(|r| r.status == DecisionStatus::Flattened)
        .collect();
    assert_eq!(flattened.len(), 1, "{:#?}", out.reports);
    let r = flattened[0];
    assert_eq!(r.node_id, "is_vip");
    assert!(r.removed_nodes.contains(&"language".to_owned()));
    assert_eq!(r.hops_removed, 2);
    let _: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let v = validate(&doc, &Options::default());
    assert!(!v.has_errors(), "{:#?}\n{doc}", v.diagnostics);
    assert!(
        !v.diagnostics
            .iter()
            .any(|d| d.code == Code::UnreachableNode),
        "{:#?}\n{doc}",
        v.diagnostics
    );
}

#[test]
fn unreadable_input_has_no_document() {
    let out = flatten("{", &FlattenOptions::default());
    assert!(out.document.is_none());
    assert!(!out.diagnostics.is_empty());
}
