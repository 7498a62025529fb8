//! Times the JSON reader (`syntax::json::parse`, text to span-keeping tree) and the whole
//! `formats::read` on the bench generators' documents, for before/after comparisons of the
//! syntax layer: `cargo run --release -p flowguard-core --example read_json [rounds]`.
//! A second argument `parse` times the reader alone. Prints the median and minimum of each over `rounds` (default 15) runs.
// A timing tool, not the core: std's sort for a list of durations is fine here.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::disallowed_methods)]

#[path = "../benches/decision_gen.rs"]
mod decision_gen;
#[path = "../benches/ivr_gen.rs"]
mod ivr_gen;

use std::time::{Duration, Instant};

use flowguard_core::{InputFormat, formats, syntax::json};

/// Makes a flow-JSON document of `n` nodes.
type Generator = fn(usize) -> String;

fn time(rounds: usize, mut f: impl FnMut() -> usize) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort_unstable();
    (times[times.len() / 2], times[0])
}

fn main() {
    let rounds = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    // `parse` as the second argument: only the JSON reader (for profiling it alone).
    let parse_only = std::env::args().nth(2).is_some_and(|a| a == "parse");
    let shapes: [(&str, Generator); 2] = [
        ("ivr", ivr_gen::ivr_flow),
        ("decisions", decision_gen::decision_heavy_flow),
    ];
    for (name, generate) in shapes {
        for n in [10_000usize, 100_000] {
            let text = generate(n);
            let parsed = json::parse(&text);
            println!(
                "{name:>9} {n:>7}: {} bytes, {} values, {} escaped strings",
                text.len(),
                parsed.tree.len(),
                text.matches("\\\"").count() / 2,
            );
            let (pm, pmin) = time(rounds, || json::parse(&text).tree.len());
            if parse_only {
                println!(
                    "{name:>9} {n:>7}: json::parse median {:>7.2} ms (min {:>7.2})",
                    pm.as_secs_f64() * 1e3,
                    pmin.as_secs_f64() * 1e3
                );
                continue;
            }
            let (rm, rmin) = time(rounds, || {
                formats::read(&text, InputFormat::Flow).flow.nodes.len()
            });
            println!(
                "{name:>9} {n:>7}: json::parse median {:>7.2} ms (min {:>7.2}), formats::read median {:>7.2} ms (min {:>7.2})",
                pm.as_secs_f64() * 1e3,
                pmin.as_secs_f64() * 1e3,
                rm.as_secs_f64() * 1e3,
                rmin.as_secs_f64() * 1e3,
            );
        }
    }
}
