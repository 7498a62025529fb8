//! Runs `flowguard_core::analyze` (what the `analyze_model` bench measures) on an
//! already-read flow, for counting its instructions with callgrind apart from reading, or
//! dumps its output for before/after comparisons.
//!
//! `cargo run --release -p flowguard-core --example analyze -- <input> <times|dump>`,
//! where `<input>` is a file or `ivr:<n>` / `decisions:<n>` (the criterion benches'
//! generators). With a count, reads once and analyses that many times (with 0 and 1, the
//! difference is one analysis); with `dump`, prints the `Debug` form of one analysis.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "common/input.rs"]
mod example_input;

use flowguard_core::{CheckOptions, InputFormat, formats};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(mode)) = (args.first(), args.get(1)) else {
        eprintln!("usage: analyze <file | ivr:N | decisions:N> <times | dump>");
        std::process::exit(2);
    };
    let text = example_input::text(input);
    let read = formats::read(&text, InputFormat::Flow);
    let options = CheckOptions::default();
    if mode == "dump" {
        println!("{:?}", flowguard_core::analyze(&read.flow, &options));
        return;
    }
    let times: usize = mode.parse().unwrap();
    let mut out = 0;
    for _ in 0..times {
        out += std::hint::black_box(flowguard_core::analyze(&read.flow, &options))
            .0
            .len();
    }
    println!("{out}");
}
