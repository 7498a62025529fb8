use super::*;
use crate::diagnostic::{Code, Severity};

const ARCHY: &str = "inqueueCall:
  name: Waiting
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - callCommonModule:
              name: Look up
              commonModule:
                Lookup:
                  ver_latestPublished:
          - transferToAcd:
              name: Queue
              targetQueue:
                lit:
                  name: Support
              overrideInQueueFlow:
                name: Hold music
          - transferToFlow:
              name: Dynamic
              targetFlow:
                exp: Task.Where
          - transferToFlow:
              name: Templated
              targetFlow:
                lit:
                  name: \"{{main_flow}}\"
          - jumpToMenu:
              name: To menu
              targetMenuRef: ./menus/menu[Menu_2]
  menus:
    - menu:
        name: Main menu
        refId: Menu_2
        audio:
          tts: Press 1.
        choices:
          - menuTransferToFlowSecure:
              name: Pay
              dtmf: digit_1
              targetFlow:
                name: Payments
                id: 8f0c2d7e-0000-4000-8000-000000000001
";

#[test]
fn archy_identity_and_every_kind_of_reference() {
    let d = references(ARCHY);
    assert!(d.readable);
    assert_eq!(d.format, InputFormat::Archy);
    assert_eq!(d.identity.name.as_deref(), Some("Waiting"));
    assert_eq!(d.identity.flow_type.as_deref(), Some("inqueuecall"));
    assert_eq!(d.identity.type_as_written.as_deref(), Some("inqueueCall"));
    let got: Vec<(RefKind, Option<&str>, TargetForm, bool, bool)> = d
        .references
        .iter()
        .map(|r| {
            (
                r.kind,
                r.target.name.as_deref(),
                r.target.form,
                r.hands_off,
                r.reached_without_input,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                RefKind::CallCommonModule,
                Some("Lookup"),
                TargetForm::Literal,
                false,
                true
            ),
            (
                RefKind::InQueueFlow,
                Some("Hold music"),
                TargetForm::Literal,
                true,
                true
            ),
            (
                RefKind::TransferToFlow,
                Some("Task.Where"),
                TargetForm::Expression,
                true,
                true
            ),
            (
                RefKind::TransferToFlow,
                Some("{{main_flow}}"),
                TargetForm::Placeholder,
                true,
                true
            ),
            // Behind the menu: reached, but only after the caller answers.
            (
                RefKind::TransferToSecureFlow,
                Some("Payments"),
                TargetForm::Literal,
                true,
                false
            ),
        ]
    );
    let pay = &d.references[4];
    assert!(pay.reached);
    assert_eq!(
        pay.target.id.as_deref(),
        Some("8f0c2d7e-0000-4000-8000-000000000001")
    );
    assert_eq!(pay.target.flow_type, Some("securecall"));
    // Locations: the common module's key, the in-queue flow's name value.
    let module = &d.references[0];
    assert_eq!(module.span.map(|s| s.line), Some(12));
    let (start, end) = module.at.range.unwrap_or_default();
    assert_eq!(&ARCHY[start as usize..end as usize], "Lookup");
    assert_eq!(
        module.at.pointer,
        "/inqueueCall/tasks/0/task/actions/0/callCommonModule/commonModule/Lookup"
    );
    assert_eq!(d.references[1].span.map(|s| s.line), Some(20));
    assert!(d.references[0].node_label.contains("Call Common Module"));
}

#[test]
fn configuration_json_in_queue_flows_and_transfers() {
    let text = r#"{"name": "Main", "type": "inboundcall", "initialSequence": "t1",
      "flowSequenceItemList": [{"__type": "Task", "id": "t1", "name": "Start", "startAction": "a1",
        "actionList": [
          {"__type": "TransferPureMatchAction", "id": "a1", "name": "Queue",
           "inQueueFlowId": "iq-1", "inQueueFlowName": "Default In-Queue Flow",
           "useDefaultHandling": true, "nextAction": "a2"},
          {"__type": "TransferPureMatchAction", "id": "a2", "name": "Queue 2",
           "inQueueFlowId": "iq-2", "inQueueFlowName": "Custom hold",
           "useDefaultHandling": false, "nextAction": "a3"},
          {"__type": "TransferFlowAction", "id": "a3", "name": "To billing",
           "flowName": {"text": "Billing"}, "nextAction": "a4"},
          {"__type": "DisconnectAction", "id": "a4", "name": "Bye"}]}]}"#;
    let d = references(text);
    assert_eq!(d.format, InputFormat::Architect);
    assert_eq!(d.identity.flow_type.as_deref(), Some("inboundcall"));
    let got: Vec<(RefKind, Option<&str>, Option<&str>)> = d
        .references
        .iter()
        .map(|r| (r.kind, r.target.name.as_deref(), r.target.id.as_deref()))
        .collect();
    // `useDefaultHandling: true`: the queue's own in-queue flow runs; the name is unused.
    assert_eq!(
        got,
        vec![
            (RefKind::InQueueFlow, Some("Custom hold"), Some("iq-2")),
            (RefKind::TransferToFlow, Some("Billing"), None),
        ]
    );
    assert!(d.references.iter().all(|r| r.reached_without_input));
}

#[test]
fn flow_json_transfer_flow_names_any_type() {
    let text = r#"{"name": "Front", "start": "menu", "nodes": {
      "menu": {"type": "menu", "transitions": {"1": ["out"]}},
      "out": {"type": "transfer_flow", "flow": "Back office"}}}"#;
    let d = references(text);
    assert_eq!(d.format, InputFormat::Flow);
    assert_eq!(d.identity.name.as_deref(), Some("Front"));
    assert_eq!(d.identity.flow_type, None);
    assert_eq!(d.references.len(), 1);
    let r = &d.references[0];
    assert_eq!(r.target.name.as_deref(), Some("Back office"));
    assert_eq!(r.target.flow_type, None);
    assert_eq!(r.node, "out");
    assert!(r.reached && !r.reached_without_input);
    assert_eq!(r.at.pointer, "/nodes/out/flow");
}

#[test]
fn unreadable_and_empty_documents() {
    let d = references("{\"nodes\": ");
    assert!(!d.readable);
    assert!(d.references.is_empty());
    let d = references("");
    assert!(d.references.is_empty());
    // A flow-typed key with nothing under it.
    let d = references("inboundCall:\n  name: X\n");
    assert_eq!(d.identity.name.as_deref(), Some("X"));
    assert!(d.references.is_empty());
}

#[test]
fn utf16_positions() {
    let text = "inboundCall:\n  name: É\n  startUpRef: ./tasks/task[S_1]\n  tasks:\n    - task:\n        name: S\n        refId: S_1\n        actions:\n          - transferToFlow:\n              name: T\n              targetFlow: {name: Flüsse}\n";
    let d = read(
        text,
        &ReadOptions {
            position_encoding: PositionEncoding::Utf16,
            ..ReadOptions::default()
        },
    );
    let r = &d.references[0];
    let Some(span) = r.span else {
        panic!("the reference has no span: {r:?}")
    };
    assert_eq!(span.line, 11);
    let (s, _) = r.at.range.unwrap_or_default();
    // One two-byte character (É) before it: UTF-16 offsets are one less than bytes.
    assert_eq!(span.start, s - 1);
}

#[test]
fn flow_types_normalise_to_the_api_spelling() {
    for (written, api) in [
        ("inboundCall", "inboundcall"),
        ("inqueueCall", "inqueuecall"),
        ("inQueueCall", "inqueuecall"),
        ("commonModule", "commonmodule"),
        ("botFlow", "bot"),
        ("digitalBotFlow", "digitalbot"),
        ("INBOUNDCALL", "inboundcall"),
        ("workflow", "workflow"),
    ] {
        assert_eq!(normalize_flow_type(written), api, "{written}");
    }
    assert!(same_name(" Main ", "main"));
    assert!(!same_name("Main", "Main 2"));
}

fn doc(name: &str, flow_type: &str, targets: &[(&str, &str)]) -> String {
    // An Archy flow whose start task does each reference in turn, then disconnects.
    let mut actions = String::new();
    for (kind, target) in targets {
        match *kind {
            "transfer" => actions.push_str(&format!(
                "          - transferToFlow:\n              name: To {target}\n              targetFlow:\n                name: {target}\n"
            )),
            "module" => actions.push_str(&format!(
                "          - callCommonModule:\n              name: Call {target}\n              commonModule:\n                {target}:\n                  ver_latestPublished:\n"
            )),
            _ => unreachable!(),
        }
    }
    format!(
        "{flow_type}:\n  name: {name}\n  startUpRef: ./tasks/task[Start_1]\n  tasks:\n    - task:\n        name: Start\n        refId: Start_1\n        actions:\n{actions}          - disconnect:\n              name: Bye\n"
    )
}

fn set_of(texts: &[(&str, &str)], known: Option<Vec<KnownFlow>>) -> SetResult {
    let docs: Vec<SetDocument<'_>> = texts
        .iter()
        .map(|(label, text)| SetDocument {
            label,
            text,
            format: InputFormat::Auto,
        })
        .collect();
    check_set(
        &docs,
        &SetOptions {
            known_flows: known,
            ..SetOptions::default()
        },
    )
}

fn codes(r: &SetResult) -> Vec<Vec<(Code, Severity)>> {
    r.diagnostics
        .iter()
        .map(|ds| ds.iter().map(|d| (d.code, d.severity)).collect())
        .collect()
}

#[test]
fn dependency_order_puts_dependencies_first_and_groups_cycles() {
    let a = doc("A", "inboundCall", &[("transfer", "B")]);
    let b = doc("B", "inboundCall", &[("transfer", "A"), ("module", "M")]);
    let c = doc("C", "inboundCall", &[("transfer", "A")]);
    let m = doc("M", "commonModule", &[]);
    let docs: Vec<DocumentReferences> = [&c, &a, &m, &b].iter().map(|t| references(t)).collect();
    let order = dependency_order(&docs);
    assert_eq!(
        order,
        vec![
            DependencyGroup {
                members: vec![2],
                cyclic: false
            },
            DependencyGroup {
                members: vec![1, 3],
                cyclic: true
            },
            DependencyGroup {
                members: vec![0],
                cyclic: false
            },
        ]
    );
    // A flow that names itself is a cycle of one.
    let s = references(&doc("S", "inboundCall", &[("transfer", "S")]));
    assert!(dependency_order(&[s])[0].cyclic);
    assert!(dependency_order(&[]).is_empty());
}

#[test]
fn a_single_document_alone_gets_no_set_finding() {
    let a = doc(
        "A",
        "inboundCall",
        &[("transfer", "A"), ("transfer", "Elsewhere")],
    );
    let r = set_of(&[("a.yaml", &a)], None);
    assert_eq!(codes(&r), vec![vec![]]);
    // With the org's flows known, a missing flow is reported even for one file.
    let r = set_of(
        &[("a.yaml", &a)],
        Some(vec![KnownFlow {
            name: "A".into(),
            flow_type: Some("INBOUNDCALL".into()),
            id: None,
        }]),
    );
    assert_eq!(codes(&r)[0], vec![(Code::MissingFlow, Severity::Error)]);
}

#[test]
fn a_loop_across_three_files_is_an_error_with_the_path_in_every_file() {
    let a = doc("A", "inboundCall", &[("transfer", "B")]);
    let b = doc("B", "inboundCall", &[("transfer", "C")]);
    let c = doc("C", "inboundCall", &[("transfer", "A")]);
    let r = set_of(&[("a.yaml", &a), ("b.yaml", &b), ("c.yaml", &c)], None);
    assert_eq!(
        codes(&r),
        vec![vec![(Code::CrossFlowLoop, Severity::Error)], vec![], vec![]]
    );
    let d = &r.diagnostics[0][0];
    assert!(
        d.message
            .contains("`A` (a.yaml) → `B` (b.yaml) → `C` (c.yaml) → `A` (a.yaml)"),
        "{}",
        d.message
    );
    let files: Vec<&str> = d
        .related
        .iter()
        .filter_map(|rel| rel.document().map(|(file, _)| file))
        .collect();
    assert!(
        files.contains(&"b.yaml") && files.contains(&"c.yaml"),
        "{files:?}"
    );
    assert!(
        !files.contains(&"a.yaml"),
        "a.yaml's places are plain: {files:?}"
    );
    let steps: Vec<&str> = d.related.iter().map(|rel| rel.message.as_str()).collect();
    assert!(steps[0].starts_with("step 1: "), "{steps:?}");
    assert!(
        steps
            .iter()
            .any(|m| m.contains("hands the call to `C` (c.yaml)")),
        "{steps:?}"
    );
    let Some((_, pointer)) = d.related.iter().find_map(|rel| rel.document()) else {
        panic!("no related place in another file: {d:?}")
    };
    assert!(pointer.starts_with("/inboundCall/"), "{pointer}");
    // Every related place has a position in its own file.
    assert!(d.related.iter().all(|rel| rel.span.is_some()));
}

#[test]
fn a_loop_with_a_way_out_is_a_warning_and_input_breaks_it() {
    // B decides before transferring back: a warning naming the exit.
    let a = doc("A", "inboundCall", &[("transfer", "B")]);
    let b = "inboundCall:
  name: B
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - decision:
              name: Open?
              condition:
                exp: Flow.Open
              outputs:
                yes:
                  actions:
                    - disconnect:
                        name: Closed
          - transferToFlow:
              name: Back
              targetFlow:
                name: A
";
    let r = set_of(&[("a.yaml", &a), ("b.yaml", b)], None);
    assert_eq!(codes(&r)[0], vec![(Code::CrossFlowLoop, Severity::Warning)]);
    assert!(
        r.diagnostics[0][0].message.contains("exit:"),
        "{}",
        r.diagnostics[0][0].message
    );
    // A menu before the transfer back: the caller chooses, no loop.
    let b = "inboundCall:
  name: B
  startUpRef: ./menus/menu[M_1]
  menus:
    - menu:
        name: M
        refId: M_1
        audio:
          tts: Press 1.
        choices:
          - menuTransferToFlow:
              name: Back
              dtmf: digit_1
              targetFlow:
                name: A
";
    let r = set_of(&[("a.yaml", &a), ("b.yaml", b)], None);
    assert_eq!(codes(&r), vec![vec![], vec![]]);
}

#[test]
fn a_common_module_that_transfers_back_closes_a_loop() {
    let a = doc("A", "inboundCall", &[("module", "M")]);
    let m = "commonModule:
  name: M
  startUpTaskActions:
    - transferToFlow:
        name: Back
        targetFlow:
          name: A
";
    let r = set_of(&[("a.yaml", &a), ("m.yaml", m)], None);
    let got = codes(&r);
    assert!(
        got[0].iter().any(|(c, _)| *c == Code::CrossFlowLoop),
        "{got:?}"
    );
}

#[test]
fn references_outside_the_set() {
    let a = doc(
        "A",
        "inboundCall",
        &[("transfer", "Outside"), ("transfer", "B")],
    );
    let b = doc("B", "inboundCall", &[]);
    // Without the org: information, with how to confirm.
    let r = set_of(&[("a.yaml", &a), ("b.yaml", &b)], None);
    assert_eq!(
        codes(&r),
        vec![vec![(Code::FlowOutsideSet, Severity::Info)], vec![]]
    );
    assert!(r.diagnostics[0][0].help.contains("--org"));
    // With the org: an error when the org lacks it, nothing when it has it.
    let known = |names: &[&str]| {
        Some(
            names
                .iter()
                .map(|n| KnownFlow {
                    name: (*n).into(),
                    flow_type: Some("INBOUNDCALL".into()),
                    id: None,
                })
                .collect(),
        )
    };
    let r = set_of(&[("a.yaml", &a), ("b.yaml", &b)], known(&["Other"]));
    assert_eq!(
        codes(&r),
        vec![vec![(Code::MissingFlow, Severity::Error)], vec![]]
    );
    let r = set_of(&[("a.yaml", &a), ("b.yaml", &b)], known(&["outside"]));
    assert_eq!(codes(&r), vec![vec![], vec![]]);
    // An unreadable document of the set may be the flow: no error, information.
    let r = set_of(&[("a.yaml", &a), ("b.yaml", "{ nope")], known(&["Other"]));
    let got = codes(&r);
    assert!(
        got[0].iter().all(|(c, _)| *c == Code::FlowOutsideSet),
        "{got:?}"
    );
}

#[test]
fn expressions_and_placeholders_are_never_missing() {
    let a = "inboundCall:
  name: A
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: Dynamic
              targetFlow:
                exp: Flow.Next
          - transferToFlow:
              name: Templated
              targetFlow:
                name: \"{{next}}\"
";
    let b = doc("B", "inboundCall", &[]);
    let r = set_of(&[("a.yaml", a), ("b.yaml", &b)], Some(Vec::new()));
    assert_eq!(codes(&r), vec![vec![], vec![]]);
}

#[test]
fn a_target_of_the_wrong_type() {
    let a = doc("A", "inboundCall", &[("module", "B")]);
    let b = doc("B", "inboundCall", &[]);
    let r = set_of(&[("a.yaml", &a), ("b.yaml", &b)], None);
    assert_eq!(
        codes(&r),
        vec![vec![(Code::FlowTypeMismatch, Severity::Warning)], vec![]]
    );
    assert!(r.diagnostics[0][0].message.contains("commonmodule"));
    // The org has a common module of that name: fine.
    let r = set_of(
        &[("a.yaml", &a), ("b.yaml", &b)],
        Some(vec![KnownFlow {
            name: "B".into(),
            flow_type: Some("COMMONMODULE".into()),
            id: None,
        }]),
    );
    assert_eq!(codes(&r), vec![vec![], vec![]]);
}

#[test]
fn check_set_is_deterministic() {
    let a = doc("A", "inboundCall", &[("transfer", "B"), ("transfer", "X")]);
    let b = doc("B", "inboundCall", &[("transfer", "A")]);
    let one = set_of(&[("a.yaml", &a), ("b.yaml", &b)], None);
    let two = set_of(&[("a.yaml", &a), ("b.yaml", &b)], None);
    assert_eq!(one, two);
}

#[test]
fn long_loops_elide_the_message_but_list_every_step() {
    let n = 20;
    let texts: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("f{i}.yaml"),
                doc(
                    &format!("F{i}"),
                    "inboundCall",
                    &[("transfer", &format!("F{}", (i + 1) % n))],
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(l, t)| (l.as_str(), t.as_str()))
        .collect();
    let r = set_of(&refs, None);
    let d = &r.diagnostics[0][0];
    assert_eq!(d.code, Code::CrossFlowLoop);
    assert!(d.message.contains('…'));
    assert!(!d.message.contains("F15"));
    // Each flow contributes its start task's path and the hop.
    assert!(d.related.len() >= n - 1, "{}", d.related.len());
}

#[test]
fn a_large_set_is_checked_in_linear_passes() {
    // 3,000 flows in one loop, each also naming 3 flows outside: resolution goes through
    // the name index, and the loop search is iterative.
    let n = 3000;
    let texts: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("f{i}.yaml"),
                doc(
                    &format!("F{i}"),
                    "inboundCall",
                    &[
                        ("module", "Outside A"),
                        ("module", "Outside B"),
                        ("module", "Outside C"),
                        ("transfer", &format!("F{}", (i + 1) % n)),
                    ],
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(l, t)| (l.as_str(), t.as_str()))
        .collect();
    let r = set_of(&refs, None);
    let loops = r
        .diagnostics
        .iter()
        .flatten()
        .filter(|d| d.code == Code::CrossFlowLoop)
        .count();
    assert_eq!(loops, 1);
    assert_eq!(r.order.len(), 1);
    assert_eq!(r.order[0].members.len(), n);
}

#[test]
fn a_flow_that_transfers_to_itself_at_once_is_a_loop_in_a_set() {
    // The Help Center: transferring to the current flow restarts it.
    let a = doc("A", "inboundCall", &[("transfer", "A")]);
    let b = doc("B", "inboundCall", &[]);
    let r = set_of(&[("a.yaml", &a), ("b.yaml", &b)], None);
    assert_eq!(
        codes(&r),
        vec![vec![(Code::CrossFlowLoop, Severity::Error)], vec![]]
    );
    assert!(
        r.diagnostics[0][0]
            .message
            .contains("`A` (a.yaml) → `A` (a.yaml)")
    );
}
