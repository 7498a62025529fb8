//! Flatten time for balanced decision trees with 10, 100 and 1,000 leaves (ten-way
//! branching, one variable per level). Run with
//! `cargo bench -p flowguard-core --bench flatten`; BENCHMARKS.md records the numbers.
#![allow(clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use flowguard_core::decision::{DecisionStatus, FlattenOptions};
use flowguard_core::flatten;

/// A flow JSON document: a tree of decisions `levels` deep, each with nine conditions
/// (`Flow.vN == k`) and a default, ending in `10^levels` disconnect leaves.
fn tree(levels: u32) -> String {
    let mut nodes = Vec::new();
    let mut frontier = vec!["d".to_owned()];
    for level in 0..levels {
        let mut next = Vec::new();
        for id in &frontier {
            let children: Vec<String> = (0..10).map(|k| format!("{id}_{k}")).collect();
            let conds: Vec<String> = (0..9)
                .map(|k| {
                    format!(
                        "{{\"expression\": \"Flow.v{level} == {k}\", \"priority\": {}, \"target_id\": \"{}\"}}",
                        9 - k,
                        children[k]
                    )
                })
                .collect();
            nodes.push(format!(
                "\"{id}\": {{\"type\": \"decision\", \"conditions\": [{}], \"transitions\": {{\"default\": [\"{}\"]}}}}",
                conds.join(", "),
                children[9]
            ));
            next.extend(children);
        }
        frontier = next;
    }
    for leaf in &frontier {
        nodes.push(format!("\"{leaf}\": {{\"type\": \"disconnect\"}}"));
    }
    format!("{{\"start\": \"d\", \"nodes\": {{{}}}}}", nodes.join(",\n"))
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("flatten");
    group.sample_size(10);
    for levels in 1..=3u32 {
        let leaves = 10usize.pow(levels);
        let text = tree(levels);
        let options = FlattenOptions::default();
        let out = flatten(&text, &options);
        assert!(
            levels == 1
                || out
                    .reports
                    .iter()
                    .any(|r| r.status == DecisionStatus::Flattened),
            "{:?}",
            out.reports
        );
        group.bench_with_input(BenchmarkId::new("leaves", leaves), &text, |b, t| {
            b.iter(|| flatten(t, &options))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
