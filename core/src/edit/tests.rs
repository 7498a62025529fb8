use super::*;
use crate::Code;

fn session(text: &str) -> Session {
    let mut s = Session::new(Options::default());
    s.load(text.to_owned());
    s
}

const FLOW: &str = r#"{"start": "a", "nodes": {
  "a": {"type": "menu", "transitions": {"1": ["b"], "2": ["c"]}},
  "b": {"type": "play", "transitions": {"next": ["d"]}},
  "c": {"type": "decision", "conditions": [{"expression": "Call.Ani == \"1\"", "priority": 1, "target_id": "d"}], "transitions": {"default": ["b"]}},
  "d": {"type": "disconnect"}
}}"#;

fn codes(s: &mut Session) -> Vec<Code> {
    s.analysis().0.iter().map(|d| d.code).collect()
}

fn same_as_full(s: &mut Session) {
    let incremental = s.analysis();
    assert_eq!(incremental, s.full_analysis());
}

/// The result of an edit the test expects to be taken; a refusal fails the test with why.
fn applied(r: Result<(), EditError>) {
    if let Err(e) = r {
        panic!("the edit was refused: {e}");
    }
}

/// The error of an edit the test expects to be refused.
fn refused(r: Result<(), EditError>) -> EditError {
    match r {
        Err(e) => e,
        Ok(()) => panic!("the edit was taken, but should have been refused"),
    }
}

fn set(from: &str, label: &str, to: &[&str]) -> Edit {
    Edit::SetTransition {
        from: from.into(),
        label: label.into(),
        to: to.iter().map(|t| t.to_string()).collect(),
    }
}

#[test]
fn a_clean_edit_keeps_the_structure_and_equals_a_full_pass() {
    let mut s = session(FLOW);
    assert!(codes(&mut s).is_empty());
    // A shortcut further down the flow: no cycle, nothing changes reachability.
    applied(s.apply(set("a", "3", &["d"])));
    assert!(
        s.is_incremental(),
        "a shortcut down the flow keeps the structural findings"
    );
    same_as_full(&mut s);
    applied(s.apply(Edit::RemoveTransition {
        from: "a".into(),
        label: "3".into(),
    }));
    assert!(s.is_incremental());
    same_as_full(&mut s);
}

#[test]
fn an_edit_that_closes_a_loop_takes_a_full_pass() {
    let mut s = session(FLOW);
    s.analysis();
    assert!(s.would_create_cycle("b", "a"));
    applied(s.apply(set("b", "next", &["a"])));
    assert!(!s.is_incremental());
    same_as_full(&mut s);
    // A loop a → b → a, with its exit through c: d still reaches nothing.
    assert!(s.would_create_cycle("a", "b") && !s.would_create_cycle("a", "d"));
}

#[test]
fn a_dangling_target_is_local_and_reported() {
    let mut s = session(FLOW);
    s.analysis();
    applied(s.apply(set("b", "failure", &["nowhere"])));
    assert!(s.is_incremental());
    assert!(codes(&mut s).contains(&Code::DanglingTarget));
    same_as_full(&mut s);
    applied(s.apply(set("b", "failure", &[])));
    assert!(codes(&mut s).is_empty());
    same_as_full(&mut s);
}

#[test]
fn losing_the_only_way_in_makes_a_region_unreachable() {
    let mut s = session(FLOW);
    s.analysis();
    applied(s.apply(set("a", "2", &["d"])));
    assert!(!s.is_incremental(), "c has no other way in");
    assert!(codes(&mut s).contains(&Code::UnreachableNode));
    same_as_full(&mut s);
}

#[test]
fn decision_conditions_are_reanalysed_locally() {
    let mut s = session(FLOW);
    s.analysis();
    let cond = |e: &str| ConditionInput {
        expression: e.into(),
        priority: 1.0,
        target_id: "d".into(),
    };
    applied(s.apply(Edit::SetConditions {
        id: "c".into(),
        conditions: vec![cond("Call.Ani == \"1\" and Call.Ani == \"2\"")],
    }));
    assert!(s.is_incremental());
    assert!(codes(&mut s).contains(&Code::UnsatisfiableCondition));
    same_as_full(&mut s);
}

#[test]
fn node_edits_and_errors() {
    let mut s = session(FLOW);
    let err = refused(s.apply(Edit::RemoveNode { id: "zz".into() }));
    assert_eq!(
        err.to_string(),
        "edit removeNode: there is no node with id `zz`"
    );
    applied(s.apply(Edit::AddNode {
        id: "e".into(),
        type_name: "mystery".into(),
        transitions: vec![("next".into(), vec!["d".into()])],
        conditions: Vec::new(),
        max_iterations: None,
        queue: None,
    }));
    let err = s.apply(Edit::AddNode {
        id: "e".into(),
        type_name: "play".into(),
        transitions: Vec::new(),
        conditions: Vec::new(),
        max_iterations: None,
        queue: None,
    });
    assert!(err.is_err());
    let found = codes(&mut s);
    assert!(found.contains(&Code::UnknownNodeType) && found.contains(&Code::UnreachableNode));
    same_as_full(&mut s);
    applied(s.apply(Edit::RemoveNode { id: "d".into() }));
    assert!(codes(&mut s).contains(&Code::DanglingTarget));
    same_as_full(&mut s);
}

#[test]
fn an_unreadable_text_has_no_graph_findings_until_an_edit() {
    let mut s = session("{ not json");
    assert!(s.is_unread());
    let (d, stats) = s.analysis();
    assert_eq!(
        d.iter().map(|d| d.code).collect::<Vec<_>>(),
        vec![Code::SyntaxError]
    );
    assert_eq!(stats, Stats::default());
}

#[test]
fn removing_the_reference_that_made_the_depth_lowers_it_incrementally() {
    let mut s = session(
        r#"{"start": "a", "nodes": {
  "a": {"type": "menu", "transitions": {"1": ["b"], "2": ["d"]}},
  "b": {"type": "play", "transitions": {"next": ["c"]}},
  "c": {"type": "play", "transitions": {"next": ["d"]}},
  "d": {"type": "play", "transitions": {"next": ["e"]}},
  "e": {"type": "disconnect"}
}}"#,
    );
    assert_eq!(s.analysis().1.max_depth, 5);
    applied(s.apply(set("c", "next", &["e"])));
    assert!(s.is_incremental(), "d and e keep a way in and out");
    let (_, stats) = s.analysis();
    assert_eq!(stats.max_depth, 4);
    same_as_full(&mut s);
}

/// Removing the reference that carries a node's depth lowers it and, through the region
/// below it, every depth that came from it, without a full pass; the region above keeps
/// its values.
#[test]
fn a_removed_reference_lowers_the_depths_below_it_only() {
    // a → b → c → d → e → f, and a shortcut a → d: d's depth 4 comes through c.
    let text = r#"{"start": "a", "nodes": {
      "a": {"type": "play", "transitions": {"next": ["b"], "skip": ["d"]}},
      "b": {"type": "play", "transitions": {"next": ["c"]}},
      "c": {"type": "play", "transitions": {"next": ["d"], "out": ["g"]}},
      "d": {"type": "play", "transitions": {"next": ["e"]}},
      "e": {"type": "play", "transitions": {"next": ["f"]}},
      "f": {"type": "disconnect"},
      "g": {"type": "disconnect"}
    }}"#;
    let mut s = session(text);
    assert_eq!(s.analysis().1.max_depth, 6);
    let passes = s.full_passes();
    // c → d goes: d (now 2 deep through a's shortcut), e and f drop by two; g stays.
    applied(s.apply(set("c", "next", &[])));
    assert!(s.is_incremental(), "d stays reachable through the shortcut");
    let (found, stats) = s.analysis();
    assert_eq!(s.full_passes(), passes, "no full pass");
    assert_eq!(stats.max_depth, 4);
    assert_eq!((found, stats), s.full_analysis());
    // And back: the values grow again.
    applied(s.apply(set("c", "next", &["d"])));
    assert_eq!(s.analysis().1.max_depth, 6);
    same_as_full(&mut s);
}
