//! The graph view (`flowguard_core::view`) against the diagnostics: on every example and
//! real flow, in every format, its loops, traps, unreachable nodes and depth path are
//! exactly the nodes FG020/FG022, FG021, FG012 and FG030 name, and every node's span is
//! where diagnostics about the node point.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use flowguard_core::view::{GraphView, graph_view};
use flowguard_core::{
    Code, Diagnostic, Options, PositionEncoding, analyze, formats, resolve, validate,
};

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs = vec![root.join("../examples"), root.join("tests/fixtures/real")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_none_or(|e| e != "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The node and every related node of the diagnostics with one of `codes`.
fn named(diagnostics: &[Diagnostic], codes: &[Code]) -> BTreeSet<String> {
    diagnostics
        .iter()
        .filter(|d| codes.contains(&d.code))
        .flat_map(|d| {
            d.node
                .iter()
                .chain(d.related.iter().filter_map(|r| r.node.as_ref()))
        })
        .cloned()
        .collect()
}

fn set<'a>(ids: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    ids.into_iter().cloned().collect()
}

/// The diagnostics of `validate` before suppression comments (`# flowguard: ignore[…]`)
/// silence any: the view shows the graph as it is.
fn unsuppressed(text: &str, options: &Options) -> Vec<Diagnostic> {
    let read = formats::read_with_limit(text, options.format, options.max_bytes);
    let mut raw = read.diagnostics;
    if !read.fatal {
        raw.extend(analyze(&read.flow, &options.checks).0);
    }
    let source = read.decoded.as_ref().map_or(text, |d| d.text.as_str());
    resolve(raw, source, options.position_encoding)
}

fn check(path: &Path, text: &str, options: &Options) -> GraphView {
    let name = path.display();
    let mut v = validate(text, options);
    v.diagnostics = unsuppressed(text, options);
    let g = graph_view(text, options);
    assert_eq!(g.format, v.format, "{name}");
    if !g.read {
        assert_eq!(g.nodes.len(), 0, "{name}");
        return g;
    }
    assert_eq!(g.stats, v.stats, "{name}");
    let d = &v.diagnostics;
    let (routing, bounded) = (&g.loops, &g.bounded_loops);
    let count = |code| d.iter().filter(|x| x.code == code).count();
    assert_eq!(
        routing.len(),
        count(Code::RoutingLoop),
        "{name}: FG020 groups"
    );
    assert_eq!(
        bounded.len(),
        count(Code::BoundedLoop),
        "{name}: FG022 groups"
    );
    assert_eq!(
        g.traps.len(),
        count(Code::CallerTrap),
        "{name}: FG021 groups"
    );
    assert_eq!(
        set(routing.iter().flatten()),
        named(d, &[Code::RoutingLoop]),
        "{name}: FG020 members"
    );
    assert_eq!(
        set(bounded.iter().flatten()),
        named(d, &[Code::BoundedLoop]),
        "{name}: FG022 members"
    );
    assert_eq!(
        set(g.traps.iter().flatten()),
        named(d, &[Code::CallerTrap]),
        "{name}: FG021 members"
    );
    // FG012 lists a region's first 50 nodes; the view lists every one.
    let unreachable = named(d, &[Code::UnreachableNode]);
    let capped = d
        .iter()
        .any(|x| x.code == Code::UnreachableNode && x.related.len() >= 50);
    if capped {
        assert!(unreachable.is_subset(&set(&g.unreachable)), "{name}");
    } else {
        assert_eq!(set(&g.unreachable), unreachable, "{name}: FG012 nodes");
    }
    // FG030: its related locations are the path (a long one elided in the middle).
    let fg030 = d.iter().find(|x| x.code == Code::DepthExceeded);
    assert_eq!(g.depth_exceeded, fg030.is_some(), "{name}");
    assert_eq!(g.depth_path.is_empty(), g.stats.max_depth == 0, "{name}");
    if let Some(fg030) = fg030 {
        let listed: Vec<&String> = fg030
            .related
            .iter()
            .filter_map(|r| r.node.as_ref())
            .collect();
        assert_eq!(fg030.node.as_ref(), g.depth_path.last(), "{name}");
        if g.depth_path.len() <= 40 {
            assert_eq!(listed, g.depth_path.iter().collect::<Vec<_>>(), "{name}");
        } else {
            let mut rest = g.depth_path.iter();
            assert!(listed.iter().all(|l| rest.any(|p| p == *l)), "{name}");
        }
    }
    // Nodes: unique ids, and where the diagnostics about them point.
    assert_eq!(g.nodes.len() as u32, g.stats.nodes, "{name}");
    for x in d.iter().filter(|x| {
        matches!(
            x.code,
            Code::RoutingLoop | Code::CallerTrap | Code::UnreachableNode
        )
    }) {
        let node = g
            .nodes
            .iter()
            .find(|n| Some(&n.id) == x.node.as_ref())
            .unwrap();
        assert_eq!(node.span, x.span, "{name}: span of {}", node.id);
        let (s, e) = (node.extent.unwrap(), x.span.unwrap());
        assert!(
            s.start <= e.start && e.end <= s.end,
            "{name}: extent of {}",
            node.id
        );
    }
    let ids = set(g.nodes.iter().map(|n| &n.id));
    // Entries that name a node are reachable ways in.
    for e in g.entries.iter().filter(|e| ids.contains(*e)) {
        assert!(!g.unreachable.contains(e), "{name}: entry {e}");
    }
    for e in &g.edges {
        assert!(ids.contains(&e.source), "{name}");
        assert_eq!(!ids.contains(&e.target), e.dangling, "{name}: {e:?}");
    }
    assert_eq!(
        g.edges.iter().filter(|e| !e.dangling).count() as u32,
        g.stats.edges,
        "{name}"
    );
    g
}

#[test]
fn the_view_names_what_the_diagnostics_name() {
    let files = files();
    assert!(files.len() > 40, "{}", files.len());
    let mut formats = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (max_depth, encoding) in [(15, PositionEncoding::Utf8), (3, PositionEncoding::Utf16)] {
            let mut options = Options {
                position_encoding: encoding,
                ..Options::default()
            };
            options.checks.max_depth = max_depth;
            let g = check(&path, &text, &options);
            if g.read {
                formats.insert(g.format.as_str());
            }
        }
    }
    assert_eq!(formats.len(), 3, "{formats:?}");
}

#[test]
fn the_view_of_an_archy_loop() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/archy/routing-loop.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let g = graph_view(&text, &Options::default());
    assert!(g.read);
    assert_eq!(g.loops.len(), 1);
    assert!(g.bounded_loops.is_empty());
    let first = g.nodes.iter().find(|n| n.id == g.loops[0][0]).unwrap();
    assert!(first.label.is_some(), "{first:?}");
    let span = first.span.unwrap();
    assert!(text[span.start as usize..].starts_with("task"), "{first:?}");
    assert!(g.start.is_some());
}

#[test]
fn unreadable_text_has_an_empty_view() {
    let g = graph_view("{\"nodes\": ", &Options::default());
    assert!(!g.read);
    assert!(g.nodes.is_empty() && g.edges.is_empty());
    let big = Options {
        max_bytes: 4,
        ..Options::default()
    };
    assert!(!graph_view("{\"nodes\": {}}", &big).read);
}

fn random_flow() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    const TYPES: &[&str] = &[
        "menu",
        "play",
        "set",
        "decision",
        "loop",
        "transfer",
        "disconnect",
        "task",
    ];
    (1usize..12).prop_flat_map(|n| {
        let node = (
            prop::sample::select(TYPES),
            prop::collection::vec(0..n + 2, 0..3),
            prop::collection::vec(0..n + 2, 0..3),
        );
        (prop::collection::vec(node, n), 0..n + 1).prop_map(|(nodes, start)| {
            let mut out = serde_json::Map::new();
            for (i, (kind, transitions, conditions)) in nodes.into_iter().enumerate() {
                let labels = ["default", "body", "exit"];
                let t: serde_json::Map<String, serde_json::Value> = (transitions.iter())
                    .enumerate()
                    .map(|(k, &to)| (labels[k].to_owned(), serde_json::json!([format!("n{to}")])))
                    .collect();
                let c: Vec<_> = (conditions.iter())
                    .enumerate()
                    .map(|(k, &to)| {
                        serde_json::json!({"expression": format!("Flow.V == {k}"),
                            "priority": k, "target_id": format!("n{to}")})
                    })
                    .collect();
                let mut node = serde_json::json!({"type": kind, "transitions": t});
                if kind == "decision" {
                    node["conditions"] = serde_json::json!(c);
                }
                if kind == "loop" {
                    node["max_iterations"] = serde_json::json!(3);
                }
                out.insert(format!("n{i}"), node);
            }
            serde_json::json!({"start": format!("n{start}"), "nodes": out}).to_string()
        })
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
    /// On random flows (loops, traps, dangling and unreachable nodes), the view names what
    /// the diagnostics name, and its depth path is a path of the graph from the start.
    #[test]
    fn the_view_matches_the_diagnostics_on_random_flows(text in random_flow()) {
        let mut options = Options::default();
        options.checks.max_depth = 2;
        let g = check(Path::new("random"), &text, &options);
        if let Some(first) = g.depth_path.first() {
            proptest::prop_assert_eq!(Some(first), g.start.as_ref());
        }
        for pair in g.depth_path.windows(2) {
            proptest::prop_assert!(
                g.edges.iter().any(|e| e.source == pair[0] && e.target == pair[1]),
                "{} → {} in {}", pair[0], pair[1], text
            );
        }
        proptest::prop_assert!(g.depth_path.len() as u32 <= g.stats.max_depth);
    }
}
