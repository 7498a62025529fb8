//! Write-back of a flattening plan into Architect configuration JSON: nothing changes for an
//! empty plan, only the touched paths change otherwise, and what the format cannot express
//! is refused.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use flowguard_core::decision::{FlattenPlan, FlattenedDecision, PlannedCondition};
use flowguard_core::formats::{self, architect::writer};
use flowguard_core::{Code, InputFormat, NodeKind};

fn fixture() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real/flowguard-equivalent__task-menu-decision.json");
    std::fs::read_to_string(p).unwrap()
}

const DECISION: &str = "a0000000-0000-4000-8000-000000000022";
const SET_DATA: &str = "a0000000-0000-4000-8000-000000000023";
const TRANSFER: &str = "a0000000-0000-4000-8000-000000000024";

fn plan(conditions: Vec<(&str, &str)>, default: Option<&str>, removed: Vec<&str>) -> FlattenPlan {
    let n = conditions.len() as u32;
    FlattenPlan {
        decisions: vec![FlattenedDecision {
            node_id: DECISION.to_owned(),
            conditions: conditions
                .into_iter()
                .enumerate()
                .map(|(i, (e, t))| PlannedCondition {
                    expression: e.to_owned(),
                    priority: n - i as u32,
                    target: t.to_owned(),
                })
                .collect(),
            default_target: default.map(str::to_owned),
            removed_nodes: removed.into_iter().map(str::to_owned).collect(),
        }],
    }
}

#[test]
fn empty_plan_returns_the_input_byte_for_byte() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/architect");
    let mut texts = vec![fixture()];
    for e in std::fs::read_dir(dir).unwrap() {
        texts.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    for text in texts {
        let out = writer::write(&text, &FlattenPlan::default());
        assert_eq!(out.text.as_deref(), Some(text.as_str()));
        assert!(out.diagnostics.is_empty());
    }
}

#[test]
fn retargeting_changes_only_the_paths_and_reads_back() {
    let text = fixture();
    let out = writer::write(
        &text,
        &plan(
            vec![("Task.digits == \"1\"", SET_DATA)],
            Some(TRANSFER),
            vec![],
        ),
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let new = out.text.unwrap();
    // Everything before the decision's paths and after them is byte-identical.
    let at = text.find("\"paths\":[{\"nextActionId\":\"a0000000-0000-4000-8000-000000000024\",\"label\":\"Yes\"").unwrap();
    assert_eq!(&new[..at], &text[..at]);
    let tail = "]},{\"__type\":\"TransferPureMatchAction\"";
    assert_eq!(
        &new[new.find(tail).unwrap()..],
        &text[text.find(tail).unwrap()..]
    );

    let read = formats::read(&new, InputFormat::Architect);
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let d = read.flow.node_named(DECISION).unwrap();
    assert_eq!(d.kind, NodeKind::Decision);
    assert_eq!(read.flow.name(d.conditions[0].target), SET_DATA);
    assert_eq!(read.flow.name(d.default_edge().unwrap().target), TRANSFER);
}

#[test]
fn continuing_after_the_decision_removes_the_next_action_id() {
    let text = fixture();
    // The decision's nextAction is the disconnect: an empty branch continues there.
    let disconnect = "a0000000-0000-4000-8000-000000000026";
    let out = writer::write(
        &text,
        &plan(vec![("Task.digits == \"1\"", disconnect)], None, vec![]),
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let new = out.text.unwrap();
    assert!(
        new.contains("\"paths\":[{\"label\":\"Yes\",\"outputId\":\"__YES__\"}"),
        "{new}"
    );
    let read = formats::read(&new, InputFormat::Architect);
    let d = read.flow.node_named(DECISION).unwrap();
    assert_eq!(read.flow.name(d.conditions[0].target), disconnect);
}

#[test]
fn what_configuration_json_cannot_express_is_refused() {
    let text = fixture();
    for p in [
        plan(
            vec![
                ("Task.digits == \"1\"", SET_DATA),
                ("Task.digits == \"2\"", TRANSFER),
            ],
            Some(TRANSFER),
            vec![],
        ),
        plan(
            vec![("Task.digits == \"3\"", SET_DATA)],
            Some(TRANSFER),
            vec![],
        ),
        plan(
            vec![(
                "Task.digits == \"1\"",
                "a0000000-0000-4000-8000-000000000011",
            )],
            None,
            vec![],
        ),
    ] {
        let out = writer::write(&text, &p);
        assert_eq!(out.text.as_deref(), Some(text.as_str()));
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].code, Code::NotFlattened);
        assert_eq!(out.diagnostics[0].node.as_deref(), Some(DECISION));
    }
}

#[test]
fn removed_actions_are_deleted_from_their_action_list() {
    // Let the collect-input success path skip the set-data action, so that nothing but its
    // own `id` names it any more.
    let text = fixture().replace(
        &format!("\"nextActionId\":\"{SET_DATA}\""),
        &format!("\"nextActionId\":\"{TRANSFER}\""),
    );
    let p = plan(
        vec![("Task.digits == \"1\"", TRANSFER)],
        None,
        vec![SET_DATA],
    );
    let out = writer::write(&text, &p);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let new = out.text.unwrap();
    assert!(!new.contains(SET_DATA));
    let read = formats::read(&new, InputFormat::Architect);
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert!(
        read.flow
            .nodes
            .iter()
            .all(|n| read.flow.id_of(n) != SET_DATA)
    );

    // In the original the collect input still goes there: refused.
    let out = writer::write(&fixture(), &p);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].code, Code::NotFlattened);
}
