//! Malformed YAML and JSON never panic, and broken syntax is FG001 with a position.

use std::path::Path;

use flowguard_core::{Code, InputFormat, Options, validate};
use proptest::prelude::*;

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read_to_string(path).expect("example exists")
}

fn sources() -> Vec<(String, InputFormat)> {
    vec![
        (
            example("examples/archy/language-selection.yaml"),
            InputFormat::Archy,
        ),
        (
            example("examples/archy/emergency-closure.yaml"),
            InputFormat::Archy,
        ),
        (
            example("examples/architect/routing-loop.json"),
            InputFormat::Architect,
        ),
        (
            example("examples/architect/dangling-reference.json"),
            InputFormat::Architect,
        ),
    ]
}

/// Cuts `text` at a char boundary at or before `at`.
fn floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn every_syntax_error_has_a_position(text: &str, format: InputFormat) -> bool {
    for f in [format, InputFormat::Auto] {
        let v = validate(
            text,
            &Options {
                format: f,
                ..Options::default()
            },
        );
        if v.diagnostics
            .iter()
            .any(|d| d.code == Code::SyntaxError && d.span.is_none())
        {
            return false;
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutations_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), 0u8..4, any::<char>()), 1..6),
    ) {
        let (mut text, format) = sources().swap_remove(which);
        for (pos, op, c) in edits {
            let at = floor(&text, pos % (text.len() + 1));
            match op {
                0 => text.insert(at, c),
                1 => {
                    let end = floor(&text, at + 1 + pos % 7).max(at);
                    let end = (at..=end).rev().find(|&e| text.is_char_boundary(e)).unwrap_or(at);
                    text.replace_range(at..end, "");
                }
                2 => text.insert_str(at, ["{", "[", "\"", ": ", "- ", "\n  ", "&a ", "*a", "!!str ", "---\n", "\t", "{{x}}"][pos % 12]),
                _ => text.truncate(at),
            }
        }
        prop_assert!(every_syntax_error_has_a_position(&text, format));
    }

    #[test]
    fn truncated_json_is_a_syntax_error_with_a_position(which in 2usize..4, cut in any::<usize>()) {
        let (text, format) = sources().swap_remove(which);
        let body = text.trim_end();
        let at = floor(body, cut % body.len());
        let truncated = &body[..at];
        let v = validate(truncated, &Options { format, ..Options::default() });
        let err = v.diagnostics.iter().find(|d| d.code == Code::SyntaxError);
        prop_assert!(err.is_some_and(|d| d.span.is_some()), "{:?}", v.diagnostics);
    }

    #[test]
    fn broken_yaml_is_a_syntax_error_with_a_position(which in 0usize..2, cut in any::<usize>(), junk in 0usize..4) {
        let (text, format) = sources().swap_remove(which);
        let at = floor(&text, cut % text.len());
        // Each of these is invalid wherever it lands at the start of a line.
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let mut broken = text.clone();
        broken.insert_str(line_start, ["key: [unclosed\n", "\"open: x\n", "a: b: c\n", "- x\ny: {\n"][junk]);
        let v = validate(&broken, &Options { format, ..Options::default() });
        let err = v.diagnostics.iter().find(|d| d.code == Code::SyntaxError);
        prop_assert!(err.is_some_and(|d| d.span.is_some()), "{:?}", v.diagnostics);
    }
}

#[test]
fn hostile_yaml_is_bounded() {
    // Billion laughs: ten levels of ten aliases each.
    let mut lol = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..10 {
        let prev = if i == 0 {
            "a".to_owned()
        } else {
            format!("l{}", i - 1)
        };
        let items = vec![format!("*{prev}"); 10].join(", ");
        lol.push_str(&format!("l{i}: &l{i} [{items}]\n"));
    }
    let v = validate(
        &lol,
        &Options {
            format: InputFormat::Archy,
            ..Options::default()
        },
    );
    assert!(
        v.diagnostics
            .iter()
            .any(|d| d.code == Code::SyntaxError && d.span.is_some())
    );
    // Deep nesting is an error, not a stack overflow.
    let deep = format!("inboundCall: {}", "[".repeat(100_000));
    let v = validate(
        &deep,
        &Options {
            format: InputFormat::Archy,
            ..Options::default()
        },
    );
    assert!(v.diagnostics.iter().any(|d| d.code == Code::SyntaxError));
}
