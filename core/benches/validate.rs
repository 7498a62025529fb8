//! Validation throughput on generated flows of 1k to 1M nodes, beside the floor: a bare
//! iterative depth-first search over the same CSR arrays, and for `validate_text` the
//! parse floor `serde_json::from_str::<Value>` of the same text. Two shapes: our IVR generator
//! (group `validate`) and issue 19's decision-heavy one (group `validate_decisions`).
//! BENCHMARKS.md records the ratios; run with `cargo bench -p flowguard-core --bench
//! validate`.
#![allow(clippy::unwrap_used)]

mod decision_gen;
mod ivr_gen;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flowguard_core::checks::FlowGraph;
use flowguard_core::{CheckOptions, Options, formats, graph::Csr};

/// The floor: visit every node and edge once, iteratively, nothing else.
fn bare_dfs(csr: &Csr, start: u32) -> usize {
    let mut seen = vec![false; csr.node_count()];
    let mut stack = vec![start];
    seen[start as usize] = true;
    let mut visited = 0;
    while let Some(v) = stack.pop() {
        visited += 1;
        for &w in csr.successors(v) {
            if !seen[w as usize] {
                seen[w as usize] = true;
                stack.push(w);
            }
        }
    }
    visited
}

/// Makes a flow-JSON document of `n` nodes.
type Generator = fn(usize) -> String;

fn bench(c: &mut Criterion) {
    let shapes: [(&str, Generator); 2] = [
        ("validate", ivr_flow_checked),
        ("validate_decisions", decision_flow_checked),
    ];
    for (name, generate) in shapes {
        bench_shape(c, name, generate);
    }
}

fn bench_shape(c: &mut Criterion, name: &str, generate: fn(usize) -> String) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for &n in &[1_000usize, 10_000, 100_000, 1_000_000] {
        let text = generate(n);
        let read = formats::read(&text, flowguard_core::InputFormat::Flow);
        let graph = FlowGraph::build(&read.flow);
        let start = graph.start.unwrap();
        group.throughput(Throughput::Elements(n as u64));
        let opts = Options {
            max_bytes: usize::MAX,
            ..Options::default()
        };
        group.bench_with_input(BenchmarkId::new("validate_text", n), &text, |b, t| {
            b.iter(|| flowguard_core::validate(t, &opts))
        });
        // The parse floor of issue 19: the same text into a `serde_json::Value`, no spans.
        group.bench_with_input(BenchmarkId::new("floor_serde_json", n), &text, |b, t| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(t).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("analyze_model", n), &read.flow, |b, f| {
            b.iter(|| flowguard_core::analyze(f, &CheckOptions::default()))
        });
        group.bench_with_input(
            BenchmarkId::new("floor_bare_dfs", n),
            &graph.csr,
            |b, csr| b.iter(|| bare_dfs(csr, start)),
        );
    }
    group.finish();
}

fn ivr_flow_checked(n: usize) -> String {
    let t = ivr_gen::ivr_flow(n);
    let r = flowguard_core::validate(
        &t,
        &Options {
            max_bytes: usize::MAX,
            ..Options::default()
        },
    );
    assert_eq!(r.stats.nodes as usize, n);
    // The generator keeps every node reachable, so the floor walks the whole graph.
    assert!(
        !r.diagnostics
            .iter()
            .any(|d| d.code == flowguard_core::Code::UnreachableNode)
    );
    t
}

/// The decision-heavy shape, checked: every node read, a few diagnostics (its defects;
/// a dead end at the frontier also leaves a few nodes unreachable).
fn decision_flow_checked(n: usize) -> String {
    let t = decision_gen::decision_heavy_flow(n);
    let r = flowguard_core::validate(
        &t,
        &Options {
            max_bytes: usize::MAX,
            checks: CheckOptions {
                max_depth: n as u32,
                ..CheckOptions::default()
            },
            ..Options::default()
        },
    );
    assert_eq!(r.stats.nodes as usize, n);
    assert!(n < 1_000 || !r.diagnostics.is_empty(), "the defects show");
    t
}

criterion_group!(benches, bench);
criterion_main!(benches);
