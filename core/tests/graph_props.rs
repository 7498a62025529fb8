//! Property tests: the graph checks agree with a deliberately naive reference
//! implementation (reachability by fixpoint, components by mutual reachability, longest
//! path by repeated relaxation) on random flows, dangling references and all.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};

use flowguard_core::{Code, Options, Severity, validate};
use proptest::prelude::*;
use serde_json::json;

#[derive(Clone, Debug)]
struct GenNode {
    kind: &'static str,
    max_iterations: Option<u64>,
    /// Targets by index; an index >= node count is a dangling reference.
    transitions: Vec<usize>,
    condition_targets: Vec<usize>,
}

#[derive(Clone, Debug)]
struct GenFlow {
    nodes: Vec<GenNode>,
    start: usize,
}

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
];

fn gen_flow() -> impl Strategy<Value = GenFlow> {
    (1usize..10).prop_flat_map(|n| {
        let node = (
            prop::sample::select(KINDS),
            prop::option::of(1u64..4),
            prop::collection::vec(0..n + 2, 0..3),
            prop::collection::vec(0..n + 2, 0..3),
        )
            .prop_map(
                |(kind, max_iterations, transitions, condition_targets)| GenNode {
                    kind,
                    max_iterations,
                    transitions,
                    condition_targets,
                },
            );
        (prop::collection::vec(node, n), 0..n + 1)
            .prop_map(|(nodes, start)| GenFlow { nodes, start })
    })
}

fn id(i: usize) -> String {
    format!("n{i}")
}

fn to_json(f: &GenFlow) -> String {
    let mut nodes = serde_json::Map::new();
    for (i, n) in f.nodes.iter().enumerate() {
        let mut obj = serde_json::Map::new();
        obj.insert("type".into(), json!(n.kind));
        let mut t = serde_json::Map::new();
        for (k, &target) in n.transitions.iter().enumerate() {
            let label = match (n.kind, k) {
                ("loop", 0) => "body".to_owned(),
                ("loop", 1) => "exit".to_owned(),
                ("decision", 0) => "default".to_owned(),
                _ => format!("t{k}"),
            };
            t.insert(label, json!([id(target)]));
        }
        obj.insert("transitions".into(), serde_json::Value::Object(t));
        match n.kind {
            "loop" => {
                if let Some(m) = n.max_iterations {
                    obj.insert("max_iterations".into(), json!(m));
                }
            }
            "transfer" => {
                obj.insert("queue".into(), json!("Q"));
            }
            "decision" => {
                let conds: Vec<_> = n
                    .condition_targets
                    .iter()
                    .enumerate()
                    .map(|(k, &target)| json!({"expression": format!("Flow.V == {k}"), "priority": k, "target_id": id(target)}))
                    .collect();
                obj.insert("conditions".into(), json!(conds));
            }
            _ => {}
        }
        nodes.insert(id(i), serde_json::Value::Object(obj));
    }
    serde_json::to_string_pretty(&json!({"start": id(f.start), "nodes": nodes})).unwrap()
}

/// Successor lists with only resolved references, as the reference sees them.
fn successors(f: &GenFlow) -> Vec<Vec<usize>> {
    let n = f.nodes.len();
    f.nodes
        .iter()
        .map(|node| {
            let conds: &[usize] = if node.kind == "decision" {
                &node.condition_targets
            } else {
                &[]
            };
            node.transitions
                .iter()
                .chain(conds)
                .copied()
                .filter(|&t| t < n)
                .collect()
        })
        .collect()
}

/// reach[u][v]: v reachable from u by a path of length >= 0, within `allowed` nodes.
fn reach_matrix(succ: &[Vec<usize>], allowed: &dyn Fn(usize) -> bool) -> Vec<Vec<bool>> {
    let n = succ.len();
    let mut r = vec![vec![false; n]; n];
    for (u, row) in r.iter_mut().enumerate() {
        if allowed(u) {
            row[u] = true;
        }
    }
    loop {
        let mut changed = false;
        for row in r.iter_mut() {
            for v in 0..n {
                if !row[v] {
                    continue;
                }
                for &w in &succ[v] {
                    if allowed(w) && !row[w] {
                        row[w] = true;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return r;
        }
    }
}

/// Non-trivial components (as sets of node indices) of the subgraph of allowed nodes.
fn nontrivial_components(
    succ: &[Vec<usize>],
    allowed: &dyn Fn(usize) -> bool,
) -> Vec<BTreeSet<usize>> {
    let n = succ.len();
    let r = reach_matrix(succ, allowed);
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    for u in 0..n {
        if seen[u] || !allowed(u) {
            continue;
        }
        let comp: BTreeSet<usize> = (0..n).filter(|&v| r[u][v] && r[v][u]).collect();
        for &v in &comp {
            seen[v] = true;
        }
        let self_loop = succ[u].contains(&u);
        if comp.len() > 1 || self_loop {
            out.push(comp);
        }
    }
    out
}

fn group(d: &flowguard_core::Diagnostic) -> BTreeSet<usize> {
    let to_index = |s: &str| s.trim_start_matches('n').parse::<usize>().unwrap();
    std::iter::once(d.node.as_deref().unwrap())
        .chain(d.related.iter().filter_map(|r| r.node.as_deref()))
        .map(to_index)
        .collect()
}

fn check(f: &GenFlow) {
    let text = to_json(f);
    let result = validate(&text, &Options::default());
    let n = f.nodes.len();
    let succ = successors(f);
    let by_code = |c: Code| result.diagnostics.iter().filter(move |d| d.code == c);
    let nodes_of = |c: Code| -> BTreeSet<usize> {
        by_code(c)
            .map(|d| group(d).into_iter().next().unwrap())
            .collect()
    };

    // Dangling references: one FG011 per reference to a missing id.
    let dangling: usize = f
        .nodes
        .iter()
        .map(|node| {
            let conds: &[usize] = if node.kind == "decision" {
                &node.condition_targets
            } else {
                &[]
            };
            node.transitions
                .iter()
                .chain(conds)
                .filter(|&&t| t >= n)
                .count()
        })
        .sum();
    assert_eq!(
        by_code(Code::DanglingTarget).count(),
        dangling,
        "FG011 in {text}"
    );

    // Dead ends.
    let dead: BTreeSet<usize> = (0..n)
        .filter(|&v| !matches!(f.nodes[v].kind, "transfer" | "disconnect") && succ[v].is_empty())
        .collect();
    assert_eq!(nodes_of(Code::DeadEnd), dead, "FG013 in {text}");

    let all = reach_matrix(&succ, &|_| true);
    let has_start = f.start < n;
    assert_eq!(by_code(Code::MissingStart).count(), usize::from(!has_start));
    let reachable: BTreeSet<usize> = if has_start {
        (0..n).filter(|&v| all[f.start][v]).collect()
    } else {
        BTreeSet::new()
    };
    let unreachable: BTreeSet<usize> = if has_start {
        (0..n).filter(|v| !reachable.contains(v)).collect()
    } else {
        BTreeSet::new()
    };
    // FG012 is reported once per region: the regions partition the unreachable nodes, and
    // every node of a region is reachable from the node it is reported at.
    let regions: Vec<BTreeSet<usize>> = by_code(Code::UnreachableNode).map(group).collect();
    let covered: BTreeSet<usize> = regions.iter().flatten().copied().collect();
    assert_eq!(covered, unreachable, "FG012 in {text}");
    assert_eq!(
        regions.iter().map(BTreeSet::len).sum::<usize>(),
        unreachable.len(),
        "FG012 regions overlap in {text}"
    );
    for d in by_code(Code::UnreachableNode) {
        let head: usize = d
            .node
            .as_deref()
            .unwrap()
            .trim_start_matches('n')
            .parse()
            .unwrap();
        for r in d.related.iter().filter_map(|r| r.node.as_deref()) {
            let r: usize = r.trim_start_matches('n').parse().unwrap();
            assert!(
                all[head][r],
                "FG012 region of n{head} names n{r}, which it does not lead to, in {text}"
            );
        }
    }

    // Loops among non-input nodes: bounded ones are FG022, others FG020.
    let is_input = |v: usize| matches!(f.nodes[v].kind, "menu" | "collect");
    let bounds = |v: usize| f.nodes[v].kind == "loop" && f.nodes[v].max_iterations.is_some();
    let is_end = |v: usize| matches!(f.nodes[v].kind, "transfer" | "disconnect");
    let loops = nontrivial_components(&succ, &|v| !is_input(v));
    let mut expect_bounded = BTreeSet::new();
    let mut expect_loops = BTreeSet::new();
    for comp in &loops {
        if comp.iter().any(|&v| bounds(v)) {
            expect_bounded.insert(comp.clone());
        } else {
            let leaves = comp
                .iter()
                .any(|&v| succ[v].iter().any(|w| !comp.contains(w)));
            let ends = comp.iter().any(|&v| is_end(v));
            let sev = if leaves || ends {
                Severity::Warning
            } else {
                Severity::Error
            };
            expect_loops.insert((comp.clone(), sev));
        }
    }
    let got_loops: BTreeSet<_> = by_code(Code::RoutingLoop)
        .map(|d| (group(d), d.severity))
        .collect();
    let got_bounded: BTreeSet<_> = by_code(Code::BoundedLoop).map(group).collect();
    assert_eq!(got_loops, expect_loops, "FG020 in {text}");
    assert_eq!(got_bounded, expect_bounded, "FG022 in {text}");

    // Caller traps: whole-graph components reachable from start that reach no end node.
    let comps = nontrivial_components(&succ, &|_| true);
    let expect_traps: BTreeSet<_> = comps
        .iter()
        .filter(|c| {
            let v = *c.iter().next().unwrap();
            has_start && reachable.contains(&v) && !(0..n).any(|w| all[v][w] && is_end(w))
        })
        .cloned()
        .collect();
    let got_traps: BTreeSet<_> = by_code(Code::CallerTrap).map(group).collect();
    assert_eq!(got_traps, expect_traps, "FG021 in {text}");
    assert_eq!(result.stats.components as usize, comps.len());

    // Depth: longest path over the condensation, each component weighing its size.
    let comp_of: Vec<usize> = (0..n)
        .map(|v| (0..n).find(|&u| all[v][u] && all[u][v]).unwrap())
        .collect();
    let weight: HashMap<usize, u64> = (0..n).fold(HashMap::new(), |mut m, v| {
        *m.entry(comp_of[v]).or_insert(0) += 1;
        m
    });
    let mut dist: HashMap<usize, u64> = HashMap::new();
    if has_start {
        dist.insert(comp_of[f.start], weight[&comp_of[f.start]]);
        for _ in 0..=n {
            for u in 0..n {
                for &w in &succ[u] {
                    let (cu, cw) = (comp_of[u], comp_of[w]);
                    if cu == cw {
                        continue;
                    }
                    if let Some(&du) = dist.get(&cu) {
                        let cand = du + weight[&cw];
                        let e = dist.entry(cw).or_insert(0);
                        *e = (*e).max(cand);
                    }
                }
            }
        }
    }
    let depth = dist.values().copied().max().unwrap_or(0);
    assert_eq!(result.stats.max_depth as u64, depth, "depth in {text}");
    assert_eq!(result.stats.nodes as usize, n);
    assert_eq!(
        result.stats.edges as usize,
        succ.iter().map(Vec::len).sum::<usize>()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn graph_checks_match_reference(f in gen_flow()) {
        check(&f);
    }
}

/// The design this replaces counted depth with one global counter across branches: a
/// wide flow of short branches looked deep. Depth is per path.
#[test]
fn depth_is_per_path_not_global() {
    let mut nodes = serde_json::Map::new();
    let mut choices = serde_json::Map::new();
    for i in 0..30 {
        choices.insert(format!("{i}"), json!([format!("q{i}")]));
        nodes.insert(
            format!("q{i}"),
            json!({"type": "transfer", "queue": format!("Queue {i}")}),
        );
    }
    nodes.insert(
        "menu".into(),
        json!({"type": "menu", "transitions": choices}),
    );
    let text = json!({"start": "menu", "nodes": nodes}).to_string();
    let r = validate(&text, &Options::default());
    assert_eq!(r.stats.max_depth, 2);
    assert!(r.diagnostics.iter().all(|d| d.code != Code::DepthExceeded));
}

/// The design this replaces ignored condition targets when searching for loops.
#[test]
fn loops_through_condition_targets_are_found() {
    let text = r#"{"start": "a", "nodes": {
        "a": {"type": "play", "transitions": {"next": ["d"]}},
        "d": {"type": "decision", "conditions": [{"expression": "Flow.X == 1", "priority": 1, "target_id": "a"}],
              "transitions": {"default": ["a"]}}}}"#;
    let r = validate(text, &Options::default());
    let loops: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::RoutingLoop)
        .collect();
    assert_eq!(loops.len(), 1);
    assert_eq!(loops[0].severity, Severity::Error);
}

/// The design this replaces stopped at the first cycle it found: every loop is reported.
#[test]
fn every_loop_is_reported() {
    let text = r#"{"start": "m", "nodes": {
        "m": {"type": "menu", "transitions": {"1": ["a1"], "2": ["b1"]}},
        "a1": {"type": "play", "transitions": {"next": ["a2"]}},
        "a2": {"type": "set", "transitions": {"next": ["a1"]}},
        "b1": {"type": "play", "transitions": {"next": ["b2"]}},
        "b2": {"type": "set", "transitions": {"next": ["b1"]}}}}"#;
    let r = validate(text, &Options::default());
    assert_eq!(
        r.diagnostics
            .iter()
            .filter(|d| d.code == Code::RoutingLoop)
            .count(),
        2
    );
    assert_eq!(
        r.diagnostics
            .iter()
            .filter(|d| d.code == Code::CallerTrap)
            .count(),
        2
    );
    assert_eq!(r.stats.components, 2);
}
