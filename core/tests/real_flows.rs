//! Every real, published flow in `../shared/genesys/real-flows` (see its SOURCES.md) has a
//! reviewed expectation: one insta snapshot of its findings per file (code, severity, node,
//! location, message). Any change of verdict fails here and must be reviewed.
//!
//! Rules checked on top of the snapshots:
//! * every file is read: no FG001, FG002 or FG010 on a real flow;
//! * no error-level finding unless [`REAL_DEFECTS`] says what the real defect is;
//! * the same flow as Archy YAML and as an Architect export gives the same findings,
//!   locations aside.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flowguard_core::{Code, Options, Severity, Validation, validate};

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/genesys/real-flows")
}

/// Real files with an error-level finding, and what the real defect is. Empty: none of the
/// collected flows has one.
const REAL_DEFECTS: &[(&str, &str)] = &[];

/// Every real flow document (YAML, exports, and the decoded export JSON), sorted.
fn real_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["archy", "architect"] {
        if let Ok(rd) = std::fs::read_dir(shared_dir().join(sub)) {
            out.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file()),
            );
        }
    }
    // More real flows, licensed for redistribution and kept in the repository (their
    // SOURCES.md says where each comes from).
    let more = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/more");
    if let Ok(rd) = std::fs::read_dir(more) {
        out.extend(
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "md")),
        );
    }
    out.sort();
    out
}

fn read(path: &Path) -> Validation {
    let bytes = std::fs::read(path).expect("readable");
    flowguard_core::validate_bytes(&bytes, &Options::default())
}

fn snapshot_name(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The findings as reviewed text: one line per diagnostic, then its related locations.
fn render(v: &Validation) -> String {
    let mut out = format!("format: {:?}\nstats: {:?}\n", v.format, v.stats);
    for d in &v.diagnostics {
        let at = d
            .span
            .map_or_else(|| "-".to_owned(), |s| format!("{}:{}", s.line, s.column));
        out.push_str(&format!(
            "{} {} {} at {} {}\n  node: {}\n  {}\n",
            d.code.code(),
            d.name,
            d.severity.as_str(),
            at,
            d.pointer,
            d.node.as_deref().unwrap_or("-"),
            d.message
        ));
        for r in d.related.iter().take(8) {
            let at = r
                .span
                .map_or_else(|| "-".to_owned(), |s| format!("{}:{}", s.line, s.column));
            out.push_str(&format!("  related {at} {}: {}\n", r.pointer, r.message));
        }
        if d.related.len() > 8 {
            out.push_str(&format!("  related: {} more\n", d.related.len() - 8));
        }
    }
    out
}

#[test]
fn every_real_flow_matches_its_reviewed_snapshot() {
    let files = real_files();
    if files.is_empty() {
        println!(
            "note: {} is absent; nothing to check",
            shared_dir().display()
        );
        return;
    }
    assert!(
        files.len() >= 50,
        "expected the whole collection, found {}",
        files.len()
    );
    let mut problems = Vec::new();
    for path in &files {
        let v = read(path);
        let name = snapshot_name(path);
        for d in &v.diagnostics {
            if matches!(
                d.code,
                Code::SyntaxError | Code::SchemaError | Code::MissingStart
            ) {
                problems.push(format!(
                    "{name}: {} {} (file not read right)",
                    d.code.code(),
                    d.message
                ));
            }
        }
        // Every location is in the document itself, never a made-up `/nodes/...` path.
        for d in &v.diagnostics {
            let pointers = std::iter::once(&d.pointer).chain(d.related.iter().map(|r| &r.pointer));
            for p in pointers {
                if p.starts_with("/nodes/") {
                    problems.push(format!(
                        "{name}: {} points at a synthetic path {p}",
                        d.code.code()
                    ));
                }
            }
        }
        let note = REAL_DEFECTS
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, n)| *n);
        if v.has_errors() && note.is_none() {
            for d in v
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
            {
                problems.push(format!(
                    "{name}: error {} {} with no note of a real defect",
                    d.code.code(),
                    d.message
                ));
            }
        }
        let mut text = render(&v);
        if let Some(n) = note {
            text = format!("real defect: {n}\n{text}");
        }
        insta::assert_snapshot!(format!("real@{name}"), text);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A finding with its location and wording left out: what must agree between formats.
fn verdicts(v: &Validation) -> BTreeMap<(String, &'static str), usize> {
    let mut out = BTreeMap::new();
    for d in &v.diagnostics {
        if d.code == Code::UnknownNodeType {
            continue;
        }
        *out.entry((d.code.code().to_owned(), d.severity.as_str()))
            .or_insert(0) += 1;
    }
    out
}

#[test]
fn a_flow_as_yaml_and_as_an_architect_export_gets_the_same_findings() {
    let dir = shared_dir();
    let pairs = [
        (
            "archy/andrewappleton__CX-as-Code-Examples__99-setup__00-sample-flow__CXaC_VoiceInbound_Simple_v1-0.yaml",
            "architect/andrewappleton__CX-as-Code-Examples__99-setup__00-sample-flow__CXaC_VoiceInbound_Simple_v1-0.i3InboundFlow",
        ),
        (
            "archy/GenesysCloudBlueprints__automatic-offer-callback-for-disconnected-call__terraform__modules__flow__SMS Schedule Callback.yaml",
            "architect/GenesysCloudBlueprints__automatic-offer-callback-for-disconnected-call__exports__SMS Schedule Callback.i3InboundMessage",
        ),
        (
            "archy/GenesysCloudBlueprints__genesys-cloud-call-park__terraform__modules__terraform-ivr__Default In-Queue_Flow.yaml",
            "architect/GenesysCloudBlueprints__genesys-cloud-call-park__blueprint__exports__Default In-Queue Flow.i3InQueueFlow",
        ),
    ];
    let mut checked = 0;
    for (yaml, export) in pairs {
        let (yaml, export) = (dir.join(yaml), dir.join(export));
        if !yaml.exists() || !export.exists() {
            continue;
        }
        let (a, b) = (read(&yaml), read(&export));
        assert_eq!(
            verdicts(&a),
            verdicts(&b),
            "{} vs {}:\n{}\n{}",
            yaml.display(),
            export.display(),
            render(&a),
            render(&b)
        );
        checked += 1;
    }
    if dir.exists() {
        assert_eq!(checked, 3, "every pair is in the collection");
    }
}

#[test]
fn the_copies_in_the_repository_read_without_errors() {
    // The MIT-licensed copies under tests/fixtures/real keep this suite meaningful where the
    // shared collection is absent.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("fixtures") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let v = validate(
                &std::fs::read_to_string(&p).expect("utf-8"),
                &Options::default(),
            );
            assert!(!v.has_errors(), "{}: {}", p.display(), render(&v));
            n += 1;
        }
    }
    assert!(n >= 5);
}
