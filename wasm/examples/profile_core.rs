//! Native timing of the core phases on a document (for finding where wasm time goes):
//! `cargo run --release -p flowguard-wasm --example profile_core -- FILE`.
#![allow(clippy::unwrap_used)]
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: profile_core FILE");
    let text = std::fs::read_to_string(path).unwrap();
    for _ in 0..3 {
        let t0 = Instant::now();
        let read = flowguard_core::formats::read(&text, flowguard_core::InputFormat::Auto);
        let t1 = Instant::now();
        let (raw, _) = flowguard_core::analyze(&read.flow, &Default::default());
        let t2 = Instant::now();
        let d = flowguard_core::resolve(raw, &text, flowguard_core::PositionEncoding::Utf16);
        let t3 = Instant::now();
        println!(
            "read {:?} analyze {:?} resolve {:?} ({} diagnostics)",
            t1 - t0,
            t2 - t1,
            t3 - t2,
            d.len()
        );
    }
}
