//! Validation throughput on generated IVR-like flows of 1k to 1M nodes, beside the floor:
//! a bare iterative depth-first search over the same CSR arrays. BENCHMARKS.md records
//! the ratios; run with `cargo bench -p flowguard-core --bench validate`.
#![allow(clippy::unwrap_used)]

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

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    group.sample_size(10);
    for &n in &[1_000usize, 10_000, 100_000, 1_000_000] {
        let text = ivr_flow_checked(n);
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

criterion_group!(benches, bench);
criterion_main!(benches);
