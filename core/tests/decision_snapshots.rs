//! Snapshots of flatten reports, flattened documents and decision diagnostics for the
//! decision examples. Review changes with `cargo insta review` (or INSTA_UPDATE=always).
#![allow(clippy::unwrap_used)]

use flowguard_core::decision::{FlattenOptions, NodeProbabilities};
use flowguard_core::flatten;
use flowguard_core::{Options, validate};

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn decision_diagnostics(text: &str) -> Vec<flowguard_core::Diagnostic> {
    validate(text, &Options::default())
        .diagnostics
        .into_iter()
        .filter(|d| ("FG040".."FG047").contains(&d.code.code()))
        .collect()
}

#[test]
fn nested_report() {
    let out = flatten(&example("decision-nested.json"), &FlattenOptions::default());
    insta::assert_json_snapshot!("nested_reports", out.reports);
    insta::assert_json_snapshot!("nested_certificate", out.certificate);
    insta::assert_snapshot!("nested_document", out.document.unwrap());
}

#[test]
fn nested_with_probabilities() {
    let mut p = flowguard_core::decision::Probabilities::default();
    p.insert(
        "is_vip".to_owned(),
        NodeProbabilities {
            conditions: vec![0.05],
            default: Some(0.95),
        },
    );
    p.insert(
        "language".to_owned(),
        NodeProbabilities {
            conditions: vec![0.1, 0.6, 0.0],
            default: Some(0.3),
        },
    );
    let options = FlattenOptions {
        probabilities: Some(p),
        ..FlattenOptions::default()
    };
    let out = flatten(&example("decision-nested.json"), &options);
    insta::assert_json_snapshot!("nested_probabilities_plan", (&out.plan, &out.reports));
}

#[test]
fn shadowed_diagnostics() {
    let text = example("decision-shadowed.json");
    insta::assert_json_snapshot!("shadowed_diagnostics", decision_diagnostics(&text));
    let out = flatten(&text, &FlattenOptions::default());
    insta::assert_json_snapshot!("shadowed_reports", out.reports);
}

#[test]
fn counterexample_diagnostics_and_report() {
    let text = example("decision-counterexample.json");
    insta::assert_json_snapshot!("counterexample_diagnostics", decision_diagnostics(&text));
    let out = flatten(&text, &FlattenOptions::default());
    insta::assert_json_snapshot!("counterexample_reports", out.reports);
}

#[test]
fn syntax_and_no_match_diagnostics() {
    let text = r#"{"start": "d", "nodes": {
  "d": {"type": "decision", "conditions": [
    {"expression": "Call.Ani == \"123\" andd x == 1", "priority": 2, "target_id": "a"},
    {"expression": "Flow.tier == \"gold\"", "priority": 1, "target_id": "a"},
    {"expression": "Flow.tier == \"silver\" or Flow.tier == \"gold\"", "priority": 1, "target_id": "b"}]},
  "a": {"type": "disconnect"}, "b": {"type": "disconnect"}}}"#;
    insta::assert_json_snapshot!("syntax_and_no_match", decision_diagnostics(text));
}
