//! Runs one phase of `validate` once, for counting its instructions with callgrind (see
//! `scripts/count-instructions`): on a shared, noisy machine instruction counts are the
//! stable before/after measure, where timings are not.
//!
//! `cargo run --release -p flowguard-core --example phases -- <input> <phase> [times]`,
//! where `<input>` is a file or `ivr:<n>` / `decisions:<n>` (the criterion benches'
//! generators), `<phase>` is `none` (the input alone), `parse` (text to syntax tree),
//! `read` (text to flow model), `checks` (read, then every check) or `validate` (the whole
//! of it), and `times` how often to run it (default 1: with 1 and 4, the difference over 3
//! is one run without the input's making, under any valgrind tool).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[path = "common/input.rs"]
mod example_input;

use flowguard_core::{CheckOptions, InputFormat, Options, checks, formats, syntax::json};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(phase)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: phases <file | ivr:N | decisions:N> <none|parse|read|checks|validate> [times]"
        );
        std::process::exit(2);
    };
    let text = example_input::text(input);
    let options = Options {
        max_bytes: usize::MAX,
        ..Options::default()
    };
    let times: usize = args.get(2).map_or(1, |t| t.parse().unwrap());
    let mut out = 0;
    for _ in 0..times {
        out += std::hint::black_box(run(&text, phase, &options));
    }
    println!("{out}");
}

/// Runs `phase` once on `text`; returns a count from its result (so it is not optimised
/// away).
fn run(text: &str, phase: &str, options: &Options) -> usize {
    match phase {
        "none" => text.len(),
        "parse" => json::parse(text).tree.len(),
        "read" => formats::read(text, InputFormat::Flow).flow.nodes.len(),
        "checks" => {
            let read = formats::read(text, InputFormat::Flow);
            let mut raw = Vec::new();
            checks::run(&read.flow, &CheckOptions::default(), &mut raw);
            raw.len()
        }
        "validate" => flowguard_core::validate(text, options).diagnostics.len(),
        other => {
            eprintln!("unknown phase `{other}`");
            std::process::exit(2);
        }
    }
}
