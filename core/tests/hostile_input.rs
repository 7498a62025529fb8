//! Hostile input: a mutation fuzzer seeded from examples/, and adversarial documents.
//!
//! Every input must give a result (never a panic or a hang), and every diagnostic must be
//! well formed: spans inside the text, 1-based lines and columns, RFC 6901 pointers.
//!
//! By default each target runs a fixed number of deterministic iterations (fast enough for
//! every CI run). `FLOWGUARD_FUZZ_SECONDS=60 cargo test --release -p flowguard-core --test
//! hostile_input -- --nocapture` is the extended mode: each target runs for that long with
//! a seed taken from `FLOWGUARD_FUZZ_SEED` (default 1) and prints how many inputs it ran.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use flowguard_core::{Code, InputFormat, Options, PositionEncoding, validate_bytes};

/// xorshift64*: deterministic and good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"-",
    b"1e999",
    b"0",
    b"null",
    b"true",
    b"\n",
    b"  ",
    b"- ",
    b"&a ",
    b"*a",
    b"!!str ",
    b"? ",
    b"|\n",
    b">\n",
    b"#",
    b"---\n",
    b"...\n",
    b"\t",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x80",
    b"\xff",
    b"\x00",
    b"\"nodes\"",
    b"\"start\"",
    b"\"transitions\"",
    b"\"conditions\"",
    b"\"type\": \"loop\"",
    b"\"target_id\"",
    b"Flow.X == \"a\"",
    b"((((",
    b"))))",
    b"NOT_SET",
    b" and ",
    b" or ",
    b" not ",
    b"==",
    b"<=",
];

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("examples"), root.join("core/tests/fixtures")];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    out.push(Vec::new());
    out
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            2 if !v.is_empty() => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 if !v.is_empty() => {
                let s = rng.below(v.len());
                let e = (s + rng.below(128)).min(v.len());
                let chunk = v[s..e].to_vec();
                v.splice(at..at, chunk);
            }
            4 => v.truncate(at),
            5 => {
                let other = &corpus[rng.below(corpus.len())];
                let s = rng.below(other.len() + 1);
                v.splice(at..at, other[s..].iter().take(256).copied());
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())];
                for _ in 0..rng.below(50) {
                    v.splice(at..at, t.iter().copied());
                }
            }
        }
    }
    v
}

/// Checks one input in every format and both encodings; panics (failing the test) with the
/// input when a result is malformed.
fn check_input(bytes: &[u8]) {
    let text_len_utf16 = std::str::from_utf8(bytes).map(|s| s.encode_utf16().count());
    for format in [
        InputFormat::Auto,
        InputFormat::Flow,
        InputFormat::Archy,
        InputFormat::Architect,
    ] {
        for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let opts = Options {
                format,
                position_encoding: enc,
                ..Options::default()
            };
            let r = validate_bytes(bytes, &opts);
            let limit = match (enc, &text_len_utf16) {
                (PositionEncoding::Utf16, Ok(n)) => *n as u32,
                _ => bytes.len() as u32,
            };
            for d in &r.diagnostics {
                assert!(
                    d.pointer.is_empty() || d.pointer.starts_with('/'),
                    "pointer {:?}",
                    d.pointer
                );
                assert_eq!(d.name, d.code.name());
                if let Some(s) = d.span {
                    assert!(
                        s.start <= s.end && s.end <= limit,
                        "span {s:?} beyond {limit} for {:?}",
                        String::from_utf8_lossy(bytes)
                    );
                    assert!(s.line >= 1 && s.column >= 1);
                }
                if d.code == Code::SyntaxError {
                    assert!(d.span.is_some(), "FG001 without a position");
                }
            }
        }
    }
}

fn run_target(name: &str, default_iterations: u64, mut one: impl FnMut(&mut Rng)) {
    let seconds: u64 = std::env::var("FLOWGUARD_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let seed: u64 = std::env::var("FLOWGUARD_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let started = Instant::now();
    let mut n = 0u64;
    loop {
        let t = Instant::now();
        one(&mut rng);
        // A hang shows up as one input taking far longer than any should.
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{name}: one input took {:?}",
            t.elapsed()
        );
        n += 1;
        let done = if seconds > 0 {
            started.elapsed() >= Duration::from_secs(seconds)
        } else {
            n >= default_iterations
        };
        if done {
            break;
        }
    }
    println!(
        "fuzz target {name}: {n} inputs in {:.1?}",
        started.elapsed()
    );
}

#[test]
fn fuzz_readers_and_validate() {
    let corpus = corpus();
    assert!(corpus.len() > 10);
    run_target("readers+validate", 3_000, |rng| {
        let base = &corpus[rng.below(corpus.len())];
        let input = mutate(rng, base, &corpus);
        check_input(&input);
    });
}

#[test]
fn fuzz_flatten() {
    use flowguard_core::decision::FlattenOptions;
    use flowguard_core::flatten;
    let corpus = corpus();
    run_target("flatten", 1_500, |rng| {
        let base = &corpus[rng.below(corpus.len())];
        let input = mutate(rng, base, &corpus);
        let Ok(text) = std::str::from_utf8(&input) else {
            return;
        };
        let out = flatten(text, &FlattenOptions::default());
        // Whatever was written must still read, and must never gain errors the input lacked.
        if let Some(doc) = &out.document {
            let before = flowguard_core::validate(text, &Options::default());
            let after = flowguard_core::validate(doc, &Options::default());
            if !before.has_errors() {
                assert!(
                    !after.has_errors(),
                    "flatten introduced errors: {:?}",
                    after.diagnostics.first()
                );
            }
        }
    });
}

#[test]
fn fuzz_expression_parser() {
    use flowguard_core::decision::parse_expression;
    const ATOMS: &[&str] = &[
        "Call.Ani",
        "Flow.isVip",
        "\"es\"",
        "'x'",
        "42",
        "-1.5",
        "true",
        "NOT_SET",
        "IsSet(Flow.X)",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "and",
        "AND",
        "or",
        "not",
        "&&",
        "||",
        "!",
        "(",
        ")",
        ",",
        " ",
        "\"",
        "\\",
        "é",
        "Flow.",
    ];
    run_target("expression-parser", 5_000, |rng| {
        let mut text = String::new();
        for _ in 0..rng.below(40) {
            text.push_str(ATOMS[rng.below(ATOMS.len())]);
        }
        if let Err(e) = parse_expression(&text) {
            // The error span lies inside the expression, on character boundaries.
            assert!(
                e.start <= e.end && e.end as usize <= text.len(),
                "{e:?} for {text:?}"
            );
            assert!(
                text.is_char_boundary(e.start as usize) && text.is_char_boundary(e.end as usize)
            );
        }
    });
}

#[test]
fn fuzz_random_bytes() {
    run_target("random-bytes", 2_000, |rng| {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let t = TOKENS[rng.below(TOKENS.len())];
                t[rng.below(t.len())]
            })
            .collect();
        check_input(&bytes);
    });
}

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn fan_out_of_100000_transitions() {
    let mut s =
        String::from("{\"start\":\"m\",\"nodes\":{\"m\":{\"type\":\"menu\",\"transitions\":{");
    for i in 0..100_000 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("\"{i}\":[\"q{i}\"]"));
    }
    s.push_str("}}");
    for i in 0..100_000 {
        s.push_str(&format!(
            ",\"q{i}\":{{\"type\":\"transfer\",\"queue\":\"Q\"}}"
        ));
    }
    s.push_str("}}");
    let r = on_small_stack(move || {
        flowguard_core::validate(
            &s,
            &Options {
                max_bytes: usize::MAX,
                ..Options::default()
            },
        )
    });
    assert_eq!(r.stats.nodes, 100_001);
    assert_eq!(r.stats.edges, 100_000);
    assert!(r.diagnostics.is_empty());
}

#[test]
fn huge_strings_and_invalid_utf8() {
    let big = "x".repeat(5_000_000);
    let text = format!(
        "{{\"start\":\"a\",\"nodes\":{{\"a\":{{\"type\":\"disconnect\",\"note\":\"{big}\"}}}}}}"
    );
    let r = flowguard_core::validate(&text, &Options::default());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);

    let unterminated = format!("{{\"start\":\"{big}");
    let r = flowguard_core::validate(&unterminated, &Options::default());
    assert_eq!(r.diagnostics[0].code, Code::SyntaxError);

    let mut bytes = b"{\"start\": \"caf".to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28]);
    bytes.extend_from_slice(b"\"}");
    let r = validate_bytes(&bytes, &Options::default());
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].code, Code::SyntaxError);
    assert_eq!(r.diagnostics[0].span.unwrap().start, 14);
}

#[test]
fn input_over_the_limit_is_a_diagnostic() {
    let text = format!("{{\"pad\":\"{}\"}}", "x".repeat(2000));
    let r = flowguard_core::validate(
        &text,
        &Options {
            max_bytes: 1000,
            ..Options::default()
        },
    );
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].code, Code::InputTooLarge);
}

#[test]
fn a_hundred_thousand_duplicate_keys() {
    let mut s = String::from("{\"start\":\"a\",\"nodes\":{\"a\":{\"type\":\"disconnect\"");
    for _ in 0..100_000 {
        s.push_str(",\"type\":\"disconnect\"");
    }
    s.push_str("}}}");
    let r = on_small_stack(move || flowguard_core::validate(&s, &Options::default()));
    let dups = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::DuplicateKey)
        .count();
    assert!((1..=100).contains(&dups), "{dups}");
}

/// Suppression comments: a hundred thousand stacked above the flow, each covering every
/// one of 20,000 findings. Quadratic matching would take minutes; it must be linear.
#[test]
fn a_hundred_thousand_stacked_suppressions() {
    let mut s = "# flowguard: ignore[FG012, FG13]\n".repeat(100_000);
    s.push_str("inboundCall:\n  name: Big\n  startUpRef: ./tasks/task[T_0]\n  tasks:\n");
    for i in 0..20_000 {
        s.push_str(&format!(
            "    - task: # flowguard: ignore[FG013]\n        name: T{i}\n        refId: T_{i}\n        actions:\n          - disconnect:\n              name: Bye\n"
        ));
    }
    let t = Instant::now();
    let r = on_small_stack(move || flowguard_core::validate(&s, &Options::default()));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    // Every FG012 is silenced; each comment's FG13 is no code, each FG013 silences nothing.
    let count = |c| r.diagnostics.iter().filter(|d| d.code == c).count();
    assert_eq!(count(Code::UnreachableNode), 0);
    assert_eq!(count(Code::UnusedSuppression), 100_000 + 20_000);
}

#[test]
fn deep_nesting_everywhere() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let depth = 100_000;
        let text = format!(
            "{{\"start\":\"a\",\"nodes\":{{\"a\":{{\"type\":\"disconnect\",\"x\":{}1{}}}}}}}",
            open.repeat(depth),
            close.repeat(depth)
        );
        let r = on_small_stack(move || flowguard_core::validate(&text, &Options::default()));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics.first());
    }
}
