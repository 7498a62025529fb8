//! Scale: a 1,000,000-node chain and a 1,000,000-node flow with 3,000,000 edges validate
//! on a thread with a 512 KiB stack — proof that no pass recurses per node or per
//! nesting level (the wasm stack is about 1 MB).
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

use flowguard_core::{Code, Options, validate};

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// A chain n0 → n1 → … → n(N-1), ending in a disconnect.
fn chain(n: usize) -> String {
    let mut s = String::with_capacity(n * 60);
    s.push_str("{\"start\":\"n0\",\"nodes\":{");
    for i in 0..n {
        if i + 1 == n {
            let _ = write!(s, "\"n{i}\":{{\"type\":\"disconnect\"}}");
        } else {
            let _ = write!(
                s,
                "\"n{i}\":{{\"type\":\"play\",\"transitions\":{{\"next\":[\"n{}\"]}}}},",
                i + 1
            );
        }
    }
    s.push_str("}}");
    s
}

/// N nodes, 3 edges each: to the next node, to a node far ahead and back to the start
/// through a menu every 1000 nodes (so there are large loops), deterministic.
fn wide(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    s.push_str("{\"start\":\"n0\",\"nodes\":{");
    for i in 0..n {
        let kind = if i % 1000 == 0 { "menu" } else { "play" };
        let a = (i + 1) % n;
        let b = (i * 7 + 13) % n;
        let c = (i / 2) % n;
        let _ = write!(
            s,
            "\"n{i}\":{{\"type\":\"{kind}\",\"transitions\":{{\"a\":[\"n{a}\"],\"b\":[\"n{b}\"],\"c\":[\"n{c}\"]}}}}"
        );
        s.push(if i + 1 == n { '}' } else { ',' });
    }
    s.push('}');
    s
}

#[test]
fn million_node_chain_on_a_small_stack() {
    let text = chain(1_000_000);
    let r = on_small_stack(move || {
        validate(
            &text,
            &Options {
                max_bytes: usize::MAX,
                ..Options::default()
            },
        )
    });
    assert_eq!(r.stats.nodes, 1_000_000);
    assert_eq!(r.stats.max_depth, 1_000_000);
    assert!(r.diagnostics.iter().any(|d| d.code == Code::DepthExceeded));
    assert!(!r.has_errors());
}

#[test]
fn million_nodes_three_million_edges_on_a_small_stack() {
    let text = wide(1_000_000);
    let r = on_small_stack(move || {
        validate(
            &text,
            &Options {
                max_bytes: usize::MAX,
                ..Options::default()
            },
        )
    });
    assert_eq!(r.stats.nodes, 1_000_000);
    assert_eq!(r.stats.edges, 3_000_000);
    // Nothing ends the flow: the whole graph is one trap.
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == Code::CallerTrap && d.related.len() + 1 == 1_000_000)
    );
}

#[test]
fn deeply_nested_json_is_a_diagnostic_not_a_crash() {
    let depth = 100_000;
    let text = format!(
        "{{\"start\":\"a\",\"nodes\":{}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let r = on_small_stack(move || validate(&text, &Options::default()));
    assert!(r.diagnostics.iter().any(|d| d.code == Code::SchemaError));
}
