//! What Architect does, read from small Archy documents: every fact of `docs/semantics.md`
//! that changes a verdict has a case here that fails if the reader gets it wrong.

use flowguard_core::{Code, Options, Severity, Validation, validate};

fn check(yaml: &str) -> Validation {
    validate(yaml, &Options::default())
}

fn codes(v: &Validation) -> Vec<(Code, Severity)> {
    v.diagnostics.iter().map(|d| (d.code, d.severity)).collect()
}

fn has(v: &Validation, code: Code) -> bool {
    v.diagnostics.iter().any(|d| d.code == code)
}

const TRANSFER_THEN_DISCONNECT: &str = r#"inboundCall:
  name: Transfers continue on failure
  startUpRef: "/inboundCall/tasks/task[Main_1]"
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - transferToAcd:
              name: To sales
              targetQueue:
                lit:
                  name: Sales
          - playAudio:
              name: Sorry
              audio:
                tts: Nobody is available
          - disconnect:
              name: Bye
"#;

#[test]
fn actions_after_a_transfer_run_when_it_fails() {
    let v = check(TRANSFER_THEN_DISCONNECT);
    assert!(!has(&v, Code::UnreachableNode), "{:?}", codes(&v));
    assert!(!v.has_errors(), "{:?}", codes(&v));
}

#[test]
fn a_failure_output_runs_then_the_next_action() {
    let yaml = TRANSFER_THEN_DISCONNECT.replace(
        "                  name: Sales\n",
        "                  name: Sales\n              outputs:\n                failure:\n                  actions:\n                    - playAudio:\n                        name: Failed\n                        audio:\n                          tts: x\n",
    );
    let v = check(&yaml);
    assert!(!has(&v, Code::UnreachableNode), "{:?}", codes(&v));
    assert!(!v.has_errors(), "{:?}", codes(&v));
}

#[test]
fn a_loop_of_transfers_is_left_when_one_succeeds() {
    let yaml = r#"inboundCall:
  name: Retry transfers
  startUpRef: "/inboundCall/tasks/task[Main_1]"
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - transferToAcd:
              name: To sales
              targetQueue:
                lit:
                  name: Sales
          - jumpToTask:
              name: Again
              targetTaskRef: "/inboundCall/tasks/task[Main_1]"
"#;
    let v = check(yaml);
    let loops: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::RoutingLoop)
        .collect();
    assert_eq!(loops.len(), 1, "{:?}", codes(&v));
    // Data (the transfer's outcome) decides: a warning, not an error.
    assert_eq!(loops[0].severity, Severity::Warning);
}

#[test]
fn disconnect_workitem_retracts_and_the_flow_goes_on() {
    let yaml = r#"workitem:
  name: Workitem
  startUpRef: "/workitem/tasks/task[Main_1]"
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - disconnectWorkitem:
              name: Retract
          - updateData:
              name: Reassign
              statements: []
          - endTask:
              name: Done
"#;
    let v = check(yaml);
    assert!(!has(&v, Code::UnreachableNode), "{:?}", codes(&v));
    assert!(!has(&v, Code::UnknownNodeType), "{:?}", codes(&v));
}

fn looped(count: &str) -> String {
    format!(
        r#"workflow:
  name: Loops
  startUpRef: "/workflow/states/state[Main_1]"
  states:
    - state:
        name: Main
        refId: Main_1
        actions:
          - loop:
              name: Each
              currentIndex:
                var: Flow.i
              loopCount:
                {count}
              outputs:
                loop:
                  actions:
                    - wait:
                        name: Pause
          - endWorkflow:
              name: Done
"#
    )
}

#[test]
fn a_loop_counted_by_an_expression_is_bounded() {
    for count in ["exp: Count(Flow.items)", "var: Flow.n", "lit: 5"] {
        let v = check(&looped(count));
        assert!(!has(&v, Code::RoutingLoop), "{count}: {:?}", codes(&v));
        let bounded: Vec<_> = v
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::BoundedLoop)
            .collect();
        assert_eq!(bounded.len(), 1, "{count}: {:?}", codes(&v));
        let unknown = bounded[0].message.contains("fixes when the loop starts");
        assert_eq!(unknown, !count.starts_with("lit"), "{}", bounded[0].message);
    }
}

fn recursive(guard: bool) -> String {
    let call = if guard {
        r#"          - decision:
              name: Again?
              condition:
                exp: Flow.tries < 3
              outputs:
                yes:
                  actions:
                    - callTask:
                        name: Recurse
                        targetTaskRef: "/inboundCall/tasks/task[Again_2]""#
    } else {
        r#"          - callTask:
              name: Recurse
              targetTaskRef: "/inboundCall/tasks/task[Again_2]""#
    };
    format!(
        r#"inboundCall:
  name: Recursion
  startUpRef: "/inboundCall/tasks/task[Main_1]"
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - callTask:
              name: Start
              targetTaskRef: "/inboundCall/tasks/task[Again_2]"
          - disconnect:
              name: Bye
    - task:
        name: Again
        refId: Again_2
        actions:
{call}
          - endTask:
              name: Return
"#
    )
}

#[test]
fn a_task_that_always_calls_itself_is_a_routing_loop_error() {
    let v = check(&recursive(false));
    let d = v
        .diagnostics
        .iter()
        .find(|d| d.code == Code::RoutingLoop)
        .unwrap_or_else(|| panic!("no FG020: {:?}", codes(&v)));
    assert_eq!(d.severity, Severity::Error, "{}", d.message);
    assert!(d.message.contains("Call Task \"Recurse\""), "{}", d.message);
}

#[test]
fn recursion_that_data_can_stop_is_a_warning() {
    let v = check(&recursive(true));
    let d = v
        .diagnostics
        .iter()
        .find(|d| d.code == Code::RoutingLoop)
        .unwrap_or_else(|| panic!("no FG020: {:?}", codes(&v)));
    assert_eq!(d.severity, Severity::Warning, "{}", d.message);
}

fn menu(second_digit: &str, second_term: &str) -> String {
    format!(
        r#"inboundCall:
  name: Menus
  startUpRef: "/inboundCall/menus/menu[Main_1]"
  menus:
    - menu:
        name: Main
        refId: Main_1
        audio:
          tts: Press 1
        choices:
          - menuDisconnect:
              name: Leave
              dtmf: digit_1
              speechRecTerms:
                en-us:
                  terms:
                    - goodbye
          - menuTransferToAcd:
              name: Sales
              dtmf: {second_digit}
              speechRecTerms:
                en-us:
                  terms:
                    - {second_term}
              targetQueue:
                lit:
                  name: Sales
"#
    )
}

#[test]
fn two_choices_on_one_key_are_an_error() {
    let v = check(&menu("digit_1", "sales"));
    let d: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::DuplicateMenuDigit)
        .collect();
    assert_eq!(d.len(), 1, "{:?}", codes(&v));
    assert_eq!(d[0].severity, Severity::Error);
    assert_eq!(
        d[0].pointer,
        "/inboundCall/menus/0/menu/choices/1/menuTransferToAcd/dtmf"
    );
    assert_eq!(d[0].related.len(), 1);
    assert!(!has(&v, Code::DuplicateSpeechTerm));

    let v = check(&menu("digit_2", "Goodbye "));
    assert!(!has(&v, Code::DuplicateMenuDigit), "{:?}", codes(&v));
    let d: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::DuplicateSpeechTerm)
        .collect();
    assert_eq!(d.len(), 1, "{:?}", codes(&v));
    assert_eq!(d[0].severity, Severity::Warning);

    let v = check(&menu("digit_2", "sales"));
    assert!(v.diagnostics.is_empty(), "{:?}", codes(&v));
}

#[test]
fn a_failed_transfer_in_a_menu_repeats_the_menu() {
    // The menu → transfer choice → menu cycle waits for the caller: no routing loop, no
    // trap, and the stats count the repeat edge.
    let v = check(&menu("digit_2", "sales"));
    assert!(v.diagnostics.is_empty(), "{:?}", codes(&v));
    assert_eq!(v.stats.components, 1, "{:?}", v.stats);
}

#[test]
fn what_error_handling_names_is_reachable() {
    let yaml = r#"inboundCall:
  name: Error handling
  startUpRef: "/inboundCall/tasks/task[Main_1]"
  settingsErrorHandling:
    errorHandling:
      task:
        targetTaskRef: "/inboundCall/tasks/task[Oops_2]"
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - disconnect:
              name: Bye
    - task:
        name: Oops
        refId: Oops_2
        actions:
          - playAudio:
              name: Sorry
              audio:
                tts: Something went wrong
          - disconnect:
              name: Bye
"#;
    let v = check(yaml);
    assert!(v.diagnostics.is_empty(), "{:?}", codes(&v));
    // The same task, named by nothing, is unreachable: once, for the whole task.
    let orphan = yaml.replace(
        "      task:\n        targetTaskRef: \"/inboundCall/tasks/task[Oops_2]\"\n",
        "      disconnect:\n        none: true\n",
    );
    let v = check(&orphan);
    let d: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::UnreachableNode)
        .collect();
    assert_eq!(d.len(), 1, "{:?}", codes(&v));
    assert_eq!(d[0].node.as_deref(), Some("task:Oops_2"));
    assert!(
        d[0].message.starts_with("task \"Oops\" cannot be reached"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].related.len(), 2, "the task's two actions");
}

#[test]
fn a_periodic_state_is_a_way_in() {
    let yaml = r#"inqueueShortMessage:
  name: Waiting
  startUpRef: "/inqueueShortMessage/states/state[Start_1]"
  periodicState:
    name: Every minute
    actions:
      - sendResponse:
          name: Still waiting
      - wait:
          name: Minute
  states:
    - state:
        name: Start
        refId: Start_1
        actions:
          - sendResponse:
              name: Hello
"#;
    let v = check(yaml);
    assert!(!has(&v, Code::UnreachableNode), "{:?}", codes(&v));
    assert!(!v.has_errors(), "{:?}", codes(&v));
}

#[test]
fn a_placeholder_flow_is_empty_not_broken() {
    let v = check("inboundShortMessage:\n  name: Book example Test\n");
    assert_eq!(codes(&v), vec![(Code::EmptyFlow, Severity::Info)]);
}

#[test]
fn messages_name_actions_as_architect_shows_them() {
    let v = check(&recursive(false));
    let d = v
        .diagnostics
        .iter()
        .find(|d| d.code == Code::RoutingLoop)
        .expect("FG020");
    assert!(!d.message.contains("task:Again_2"), "{}", d.message);
    assert!(d.message.contains("task \"Again\""), "{}", d.message);
    // The internal id stays for tools.
    assert!(
        d.node
            .as_deref()
            .is_some_and(|n| n.starts_with("task:Again_2"))
    );
}

#[test]
fn switch_case_findings_point_into_the_yaml() {
    let yaml = r#"workitem:
  name: Status switch
  startUpRef: "/workitem/tasks/task[Main_1]"
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - switch:
              name: Check status
              evaluate:
                firstMatch:
                  string:
                    value:
                      exp: Workitem.Workitem.status.name
                    cases:
                      - case:
                          value:
                            lit: Open
                          actions:
                            - endTask:
                                name: Open
                      - case:
                          value:
                            lit: Open
                          actions:
                            - endTask:
                                name: Open again
"#;
    let v = check(yaml);
    let shadowed: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ShadowedCondition)
        .collect();
    assert_eq!(shadowed.len(), 1, "{:?}", codes(&v));
    let d = shadowed[0];
    assert_eq!(
        d.pointer,
        "/workitem/tasks/0/task/actions/0/switch/evaluate/firstMatch/string/cases/1/case/value"
    );
    assert!(d.span.is_some_and(|s| s.line == 25), "{:?}", d.span);
    for r in &d.related {
        assert!(!r.pointer.starts_with("/nodes"), "{}", r.pointer);
    }
    assert!(
        v.diagnostics
            .iter()
            .all(|d| !d.pointer.starts_with("/nodes"))
    );
}

#[test]
fn architect_error_handling_targets_are_reachable() {
    let doc = |handling: &str| {
        format!(
            r#"{{"name": "Errors", "type": "inboundcall", "initialSequence": "t1",
  "errorHandling": {handling},
  "flowSequenceItemList": [
    {{"__type": "Task", "id": "t1", "name": "Main", "startAction": "a1",
      "actionList": [{{"__type": "DisconnectAction", "id": "a1", "name": "Bye"}}]}},
    {{"__type": "Task", "id": "t2", "name": "Oops", "startAction": "a2",
      "actionList": [{{"__type": "DisconnectAction", "id": "a2", "name": "Sorry"}}]}}
  ]}}"#
        )
    };
    let v = check(&doc(r#"{"handlingType": "Task", "taskReference": "t2"}"#));
    assert!(v.diagnostics.is_empty(), "{:?}", codes(&v));
    let v = check(&doc(r#"{"handlingType": "Disconnect"}"#));
    assert_eq!(codes(&v), vec![(Code::UnreachableNode, Severity::Warning)]);
    let v = check(&doc(r#"{"handlingType": "Task", "taskReference": "t9"}"#));
    assert!(has(&v, Code::DanglingTarget), "{:?}", codes(&v));
}
