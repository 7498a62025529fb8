//! Calls `validate` `k` times on a bench generator's document, for instruction counts
//! under cachegrind (the difference between `k` = 4 and `k` = 1, divided by 3, is one call
//! without the document's generation):
//! `valgrind --tool=cachegrind --cache-sim=no target/release/examples/validate_loop ivr 10000 4`
//! (`ivr` or `decisions`; build with `cargo build --release -p flowguard-core --example
//! validate_loop`).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../benches/decision_gen.rs"]
mod decision_gen;
#[path = "../benches/ivr_gen.rs"]
mod ivr_gen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = args.get(1).map_or("ivr", String::as_str);
    let n: usize = args.get(2).map_or(10_000, |a| a.parse().unwrap());
    let k: usize = args.get(3).map_or(1, |a| a.parse().unwrap());
    let text = if shape == "ivr" {
        ivr_gen::ivr_flow(n)
    } else {
        decision_gen::decision_heavy_flow(n)
    };
    let options = flowguard_core::Options {
        max_bytes: usize::MAX,
        ..Default::default()
    };
    let mut total = 0;
    for _ in 0..k {
        total += std::hint::black_box(flowguard_core::validate(&text, &options))
            .diagnostics
            .len();
    }
    println!("{total} diagnostics");
}
