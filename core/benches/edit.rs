//! Editing sessions (`flowguard_core::edit`): an edit with analysis against a full
//! analysis of the same session, `would_create_cycle`, and `load` + `analysis` (what
//! `FlowSession.update` does) against `validate`, on both generated shapes. BENCHMARKS.md
//! records the ratios; run with `cargo bench -p flowguard-core --bench edit`.
#![allow(clippy::unwrap_used)]

mod decision_gen;
mod ivr_gen;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use flowguard_core::edit::{Edit, Session};
use flowguard_core::{CheckOptions, Options};

fn options(n: usize) -> Options {
    Options {
        max_bytes: usize::MAX,
        checks: CheckOptions {
            // Generated flows are deep; with the default limit every flow has FG030, and
            // an edit that may move its witness path takes a full pass.
            max_depth: n as u32 + 10,
            action_budget: u64::MAX,
            known_queues: None,
        },
        ..Options::default()
    }
}

/// Edits an editor makes while dragging connections: a new transition from a node to one
/// a little further down the flow (most), to any node, or back up (which closes a loop),
/// each undone right after. Deterministic.
fn connections(n: usize, count: usize) -> Vec<(String, String)> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rand = move |k: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % k as u64) as usize
    };
    (0..count)
        .map(|_| {
            let from = 1 + rand(n - 2);
            let to = match rand(10) {
                0..=6 => (from + 1 + rand(40)).min(n - 1),
                7 | 8 => rand(n),
                _ => from.saturating_sub(1 + rand(3)),
            };
            (format!("n{from}"), format!("n{to}"))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n = 100_000;
    for (shape, text) in [
        ("ivr", ivr_gen::ivr_flow(n)),
        ("decisions", decision_gen::decision_heavy_flow(n)),
    ] {
        let mut group = c.benchmark_group(format!("edit_{shape}"));
        group.sample_size(20);
        let mut session = Session::new(options(n));
        session.load(text.clone());
        session.analysis();
        let edits = connections(n, 4096);
        // Each edit's own time (criterion reports means of batches): P50 and P90 of a
        // single edit with its analysis, and how many needed a full pass.
        let passes = session.full_passes();
        let mut times = Vec::new();
        for (from, to) in edits.iter().take(400) {
            for edit in [
                Edit::SetTransition {
                    from: from.clone(),
                    label: "bench".into(),
                    to: vec![to.clone()],
                },
                Edit::RemoveTransition {
                    from: from.clone(),
                    label: "bench".into(),
                },
            ] {
                let t = std::time::Instant::now();
                session.apply(edit).unwrap();
                std::hint::black_box(session.analysis());
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        #[allow(clippy::disallowed_methods)] // a bench, not the wasm package
        times.sort_by(f64::total_cmp);
        eprintln!(
            "edit_{shape}: one edit with analysis, {} edits: P50 {:.3} ms, P90 {:.3} ms, P99 {:.3} ms; {} full passes",
            times.len(),
            times[times.len() / 2],
            times[times.len() * 9 / 10],
            times[times.len() * 99 / 100],
            session.full_passes() - passes
        );
        let mut k = 0;
        let passes_before = session.full_passes();
        let mut analyses = 0u64;
        group.bench_function(
            BenchmarkId::new("set_and_remove_transition_with_analysis", n),
            |b| {
                b.iter(|| {
                    let (from, to) = &edits[k % edits.len()];
                    k += 1;
                    session
                        .apply(Edit::SetTransition {
                            from: from.clone(),
                            label: "bench".into(),
                            to: vec![to.clone()],
                        })
                        .unwrap();
                    let a = session.analysis();
                    session
                        .apply(Edit::RemoveTransition {
                            from: from.clone(),
                            label: "bench".into(),
                        })
                        .unwrap();
                    analyses += 2;
                    (a, session.analysis())
                })
            },
        );
        eprintln!(
            "edit_{shape}: {} of {analyses} analyses were full passes",
            session.full_passes() - passes_before
        );
        group.bench_function(BenchmarkId::new("full_analysis", n), |b| {
            b.iter(|| session.full_analysis())
        });
        let mut k = 0;
        group.bench_function(BenchmarkId::new("would_create_cycle", n), |b| {
            b.iter(|| {
                let (from, to) = &edits[k % edits.len()];
                k += 1;
                session.would_create_cycle(from, to)
            })
        });
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("load_and_analysis", n), |b| {
            b.iter(|| {
                session.load(text.clone());
                session.analysis()
            })
        });
        let opts = options(n);
        group.bench_function(BenchmarkId::new("validate", n), |b| {
            b.iter(|| flowguard_core::validate(&text, &opts))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
