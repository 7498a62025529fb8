//! The same defect, written in each of the three formats, is found in each at the place the
//! defect is written (line and column in that file).

use std::path::Path;

use flowguard_core::{Code, Diagnostic, InputFormat, Options, Severity, validate};

fn run(rel: &str) -> (String, Vec<Diagnostic>, InputFormat) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let text = std::fs::read_to_string(&path).expect("example exists");
    // Auto-detection must pick the right reader for every example.
    let v = validate(&text, &Options::default());
    (text, v.diagnostics, v.format)
}

/// The 1-based line and column of the first occurrence of `needle` in `text`.
fn line_col_of(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).expect("needle present");
    let before = &text[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let col = (at - before.rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
    (line, col)
}

fn find(diags: &[Diagnostic], code: Code) -> &Diagnostic {
    diags
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code:?} in {diags:#?}"))
}

fn at(d: &Diagnostic) -> (u32, u32) {
    let s = d.span.expect("diagnostic has a span");
    (s.line, s.column)
}

#[test]
fn dangling_reference_in_all_three_formats() {
    let cases = [
        (
            "examples/formats/dangling-reference.json",
            InputFormat::Flow,
            "\"sofware\"",
        ),
        (
            "examples/archy/dangling-reference.yaml",
            InputFormat::Archy,
            "\"/inboundCall/tasks/task[Sofware_51]\"",
        ),
        (
            "examples/architect/dangling-reference.json",
            InputFormat::Architect,
            "\"5e3f0000-0000-4000-8000-00000000005f\"",
        ),
    ];
    for (file, format, needle) in cases {
        let (text, diags, detected) = run(file);
        assert_eq!(detected, format, "{file}");
        let d = find(&diags, Code::DanglingTarget);
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(at(d), line_col_of(&text, needle), "{file}: {d:#?}");
        assert!(!diags.iter().any(|d| d.code == Code::SchemaError), "{file}");
    }
}

#[test]
fn routing_loop_in_all_three_formats() {
    let cases = [
        (
            "examples/formats/routing-loop.json",
            InputFormat::Flow,
            "\"apologize\": {",
        ),
        (
            "examples/archy/routing-loop.yaml",
            InputFormat::Archy,
            "- task:\n        name: Apologize",
        ),
        (
            "examples/architect/routing-loop.json",
            InputFormat::Architect,
            "\"id\": \"7a1c0000-0000-4000-8000-000000000041\"",
        ),
    ];
    for (file, format, needle) in cases {
        let (text, diags, detected) = run(file);
        assert_eq!(detected, format, "{file}");
        let d = find(&diags, Code::RoutingLoop);
        assert_eq!(d.severity, Severity::Error, "{file}: {d:#?}");
        let (line, _) = line_col_of(&text, needle);
        // The loop is reported at its first node in document order: the `apologize` node,
        // the Apologize task (its `- task:` item; in JSON, its `id`).
        assert_eq!(at(d).0, line, "{file}: {d:#?}");
        assert!(!diags.iter().any(|d| d.code == Code::SchemaError), "{file}");
    }
}
