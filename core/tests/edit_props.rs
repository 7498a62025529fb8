//! Property test of incremental editing (`flowguard_core::edit`): random edit sequences
//! on random flows, and after each edit the session's analysis (which reuses what the
//! edit cannot change) equals a full analysis of the resulting flow; `would_create_cycle`
//! agrees with a plain search.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};

use flowguard_core::edit::{ConditionInput, Edit, Session};
use flowguard_core::{CheckOptions, Options};
use proptest::prelude::*;
use serde_json::json;

const POOL: usize = 10;
const KINDS: &[&str] = &[
    "menu",
    "collect",
    "play",
    "set",
    "decision",
    "loop",
    "transfer",
    "disconnect",
    "task",
    "mystery",
];
const LABELS: &[&str] = &[
    "next", "default", "1", "2", "call", "failure", "body", "exit",
];
const EXPRESSIONS: &[&str] = &[
    "Flow.Balance >= 37",
    "Flow.Balance < 10",
    "Flow.Balance == 37",
    "Call.Ani == \"v12\"",
    "Call.Ani == \"v12\" and Call.Ani == \"v13\"",
    "Flow.Tier == \"gold\" or Flow.Tier == \"silver\"",
    "Flow.Balance >=",
];

fn id(i: usize) -> String {
    format!("n{i}")
}

fn targets() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((0..POOL + 1).prop_map(id), 0..3)
}

fn conditions() -> impl Strategy<Value = Vec<ConditionInput>> {
    prop::collection::vec(
        (prop::sample::select(EXPRESSIONS), 0u8..3, 0..POOL + 1).prop_map(|(e, p, t)| {
            ConditionInput {
                expression: e.to_owned(),
                priority: f64::from(p),
                target_id: id(t),
            }
        }),
        0..4,
    )
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (
            0..POOL,
            prop::sample::select(KINDS),
            prop::collection::vec((prop::sample::select(LABELS), targets()), 0..3),
            conditions(),
            prop::option::of(1u64..5),
            prop::option::of(prop::sample::select(&["Support", "support", "Sales"][..])),
        )
            .prop_map(|(i, kind, transitions, conditions, max_iterations, queue)| Edit::AddNode {
                id: id(i),
                type_name: kind.to_owned(),
                transitions: transitions
                    .into_iter()
                    .map(|(l, t)| (l.to_owned(), t))
                    .collect(),
                conditions,
                max_iterations,
                queue: queue.map(str::to_owned),
            }),
        1 => (0..POOL).prop_map(|i| Edit::RemoveNode { id: id(i) }),
        6 => (0..POOL, prop::sample::select(LABELS), targets()).prop_map(|(i, l, to)| {
            Edit::SetTransition {
                from: id(i),
                label: l.to_owned(),
                to,
            }
        }),
        2 => (0..POOL, prop::sample::select(LABELS)).prop_map(|(i, l)| Edit::RemoveTransition {
            from: id(i),
            label: l.to_owned(),
        }),
        3 => (0..POOL, conditions()).prop_map(|(i, conditions)| Edit::SetConditions {
            id: id(i),
            conditions,
        }),
    ]
}

/// A random flow JSON document over ids `n0..n{POOL}` (some targets name no node).
fn document() -> impl Strategy<Value = String> {
    let node = (
        prop::sample::select(KINDS),
        prop::collection::vec((prop::sample::select(LABELS), targets()), 0..3),
        conditions(),
        prop::option::of(1u64..4),
    );
    (prop::collection::vec(node, 1..POOL), 0..POOL).prop_map(|(nodes, start)| {
        let mut doc = serde_json::Map::new();
        for (i, (kind, transitions, conditions, max)) in nodes.into_iter().enumerate() {
            let mut n = serde_json::Map::new();
            n.insert("type".into(), json!(kind));
            let mut t = serde_json::Map::new();
            for (l, to) in transitions {
                t.insert(l.to_owned(), json!(to));
            }
            n.insert("transitions".into(), serde_json::Value::Object(t));
            if kind == "decision" {
                let c: Vec<_> = conditions
                    .iter()
                    .map(|c| json!({"expression": c.expression, "priority": c.priority, "target_id": c.target_id}))
                    .collect();
                n.insert("conditions".into(), json!(c));
            }
            if kind == "loop"
                && let Some(m) = max
            {
                n.insert("max_iterations".into(), json!(m));
            }
            if kind == "transfer" {
                n.insert("queue".into(), json!(if i % 2 == 0 { "Support" } else { "Nope" }));
            }
            doc.insert(id(i), serde_json::Value::Object(n));
        }
        serde_json::to_string_pretty(&json!({"name": "p", "start": id(start), "nodes": doc}))
            .unwrap()
    })
}

/// Whether `from` reaches `to` in the model, by a plain search (first node of each id).
fn reaches(session: &Session, from: &str, to: &str) -> bool {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, n) in session.flow().nodes.iter().enumerate() {
        first.entry(session.flow().id_of(n)).or_insert(i);
    }
    let (Some(&f), Some(_)) = (first.get(from), first.get(to)) else {
        return false;
    };
    let mut seen = HashSet::from([f]);
    let mut stack = vec![f];
    while let Some(i) = stack.pop() {
        let node = &session.flow().nodes[i];
        if session.flow().id_of(node) == to {
            return true;
        }
        for e in &node.edges {
            if let Some(&j) = first.get(session.flow().name(e.target))
                && seen.insert(j)
            {
                stack.push(j);
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn incremental_analysis_equals_a_full_analysis(
        text in document(),
        edits in prop::collection::vec((edit(), any::<bool>(), 0..POOL, 0..POOL), 1..24),
        max_depth in 2u32..8,
        action_budget in prop::sample::select(&[6u64, 12, 10_000][..]),
        queues in any::<bool>(),
        analyse_first in any::<bool>(),
        reload in prop::option::of((0..24usize, document(), any::<bool>())),
    ) {
        let options = Options {
            checks: CheckOptions {
                max_depth,
                action_budget,
                known_queues: queues.then(|| vec!["Support".to_owned()]),
            },
            ..Options::default()
        };
        let mut session = Session::new(options);
        session.load(text);
        // Reading leaves the session's index to the first edit or cycle query: edits and
        // queries right after a read, and after an analysis of it, must see the same.
        if analyse_first {
            prop_assert_eq!(session.analysis(), session.full_analysis());
        }
        for (k, (edit, analyse, a, b)) in edits.into_iter().enumerate() {
            if let Some((at, text, analyse_read)) = &reload
                && *at == k
            {
                session.load(text.clone());
                if *analyse_read {
                    prop_assert_eq!(session.analysis(), session.full_analysis());
                }
            }
            let described = format!("{edit:?}");
            let _ = session.apply(edit);
            if analyse {
                let incremental = session.analysis();
                prop_assert_eq!(incremental, session.full_analysis(), "after {}", described);
            }
            let (a, b) = (id(a), id(b));
            prop_assert_eq!(
                session.would_create_cycle(&a, &b),
                reaches(&session, &b, &a),
                "wouldCreateCycle({}, {}) after {}", a, b, described
            );
        }
        prop_assert_eq!(session.analysis(), session.full_analysis());
    }
}
