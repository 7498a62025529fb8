//! Cross-flow validation (`references::check_set`) on small sets of documents under
//! `tests/fixtures/xflow/<case>/` (one insta snapshot per case: every document's set
//! findings and the dependency order; a case with an `org.txt` — `name<TAB>type` lines — is
//! also checked with those flows as the org's), and on every real flow we have: each
//! yields its references without panicking, and alone gets no set finding.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use flowguard_core::references::{self, KnownFlow, SetDocument, SetOptions, SetResult, check_set};
use flowguard_core::{Code, InputFormat, Severity};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xflow")
}

fn documents(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

fn run(docs: &[(String, String)], known: Option<Vec<KnownFlow>>) -> SetResult {
    let set: Vec<SetDocument<'_>> = docs
        .iter()
        .map(|(label, text)| SetDocument {
            label,
            text,
            format: InputFormat::Auto,
        })
        .collect();
    check_set(
        &set,
        &SetOptions {
            known_flows: known,
            ..SetOptions::default()
        },
    )
}

/// The result as reviewed text: per document its identity, references and findings (with
/// every related place), then the dependency order.
fn render(docs: &[(String, String)], r: &SetResult) -> String {
    let mut out = String::new();
    for ((label, _), (refs, diags)) in docs.iter().zip(r.documents.iter().zip(&r.diagnostics)) {
        let _ = writeln!(
            out,
            "== {label}: {:?} {:?} ({:?})",
            refs.identity.name, refs.identity.flow_type, refs.format
        );
        for f in &refs.references {
            let _ = writeln!(
                out,
                "  ref {} {} {:?} at {}:{} node {} quiet={}",
                f.kind.as_str(),
                f.target.display(),
                f.target.flow_type,
                f.span.map_or(0, |s| s.line),
                f.span.map_or(0, |s| s.column),
                f.node,
                f.reached_without_input
            );
        }
        for d in diags {
            let at = d
                .span
                .map_or("-".to_owned(), |s| format!("{}:{}", s.line, s.column));
            let _ = writeln!(
                out,
                "  {} {} {} at {at} {}\n    {}\n    help: {}",
                d.code.code(),
                d.name,
                d.severity.as_str(),
                d.pointer,
                d.message,
                d.help
            );
            for rel in &d.related {
                let at = rel
                    .span
                    .map_or("-".to_owned(), |s| format!("{}:{}", s.line, s.column));
                let _ = writeln!(out, "    related {} at {at}: {}", rel.pointer, rel.message);
            }
        }
    }
    let _ = writeln!(out, "order:");
    for g in &r.order {
        let names: Vec<&str> = g.members.iter().map(|&i| docs[i].0.as_str()).collect();
        let _ = writeln!(out, "  {names:?}{}", if g.cyclic { " cyclic" } else { "" });
    }
    out
}

fn org(dir: &Path) -> Option<Vec<KnownFlow>> {
    let text = std::fs::read_to_string(dir.join("org.txt")).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, ty)| KnownFlow {
                name: name.to_owned(),
                flow_type: Some(ty.to_owned()),
                id: None,
            })
            .collect(),
    )
}

fn snapshot_case(case: &str) -> (SetResult, Option<SetResult>) {
    let dir = fixtures().join(case);
    let docs = documents(&dir);
    assert!(docs.len() >= 2, "{case}: a set needs two documents");
    let plain = run(&docs, None);
    insta::with_settings!({snapshot_suffix => case.to_owned(), prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("xflow", render(&docs, &plain));
    });
    let with_org = org(&dir).map(|known| {
        let r = run(&docs, Some(known));
        insta::with_settings!({snapshot_suffix => format!("{case}-org"), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("xflow", render(&docs, &r));
        });
        r
    });
    (plain, with_org)
}

fn codes(r: &SetResult) -> Vec<(Code, Severity)> {
    r.diagnostics
        .iter()
        .flatten()
        .map(|d| (d.code, d.severity))
        .collect()
}

#[test]
fn loop_across_three_formats() {
    let (r, _) = snapshot_case("loop");
    assert_eq!(codes(&r), vec![(Code::CrossFlowLoop, Severity::Error)]);
    // Every document of the loop has a place in the witness.
    let d = r.diagnostics.iter().flatten().next().unwrap();
    for file in ["collections.json", "main.yaml"] {
        assert!(
            d.related
                .iter()
                .any(|rel| rel.document().is_some_and(|(f, _)| f == file)),
            "{file}"
        );
    }
}

#[test]
fn loop_with_a_way_out() {
    let (r, _) = snapshot_case("loop-warning");
    assert_eq!(codes(&r), vec![(Code::CrossFlowLoop, Severity::Warning)]);
}

#[test]
fn menu_breaks_the_loop() {
    let (r, _) = snapshot_case("menu-breaks-loop");
    assert_eq!(codes(&r), vec![]);
    assert!(r.order.iter().any(|g| g.cyclic), "still mutually dependent");
}

#[test]
fn missing_with_and_without_the_org() {
    let (plain, org) = snapshot_case("missing");
    assert_eq!(
        codes(&plain),
        vec![
            (Code::FlowOutsideSet, Severity::Info),
            (Code::FlowOutsideSet, Severity::Info)
        ]
    );
    // The org has the in-queue flow but not Collections.
    assert_eq!(
        codes(&org.unwrap()),
        vec![(Code::MissingFlow, Severity::Error)]
    );
}

#[test]
fn wrong_type() {
    let (r, _) = snapshot_case("type-mismatch");
    assert_eq!(codes(&r), vec![(Code::FlowTypeMismatch, Severity::Warning)]);
}

/// Every real flow document (as `real_flows.rs` finds them).
fn real_files() -> Vec<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/genesys/real-flows");
    let mut out = Vec::new();
    for dir in [
        shared.join("archy"),
        shared.join("architect"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/more"),
    ] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            out.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && p.extension().is_none_or(|x| x != "md")),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn every_real_flow_yields_its_references_and_alone_gets_no_set_finding() {
    let files = real_files();
    assert!(files.len() >= 10, "real flows not found");
    let mut texts = Vec::new();
    let mut summary = String::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        let refs = references::references(&text);
        assert!(refs.readable, "{label}");
        for r in &refs.references {
            let _ = writeln!(
                summary,
                "{label}: {:?} {} {} {:?}",
                refs.identity.flow_type,
                r.kind.as_str(),
                r.target.display(),
                r.target.form
            );
        }
        let alone = run(&[(label.clone(), text.clone())], None);
        assert!(
            alone.diagnostics.iter().all(Vec::is_empty),
            "{label} alone: {:#?}",
            alone.diagnostics
        );
        texts.push((label, text));
    }
    // An Architect export: the bot flow by name and id (as its manifest lists it).
    let export = texts
        .iter()
        .find(|(l, _)| l.ends_with("DevOpsKnowledgeInbound_v2-0.i3InboundMessage"))
        .map(|(_, t)| references::references(t))
        .unwrap();
    assert_eq!(export.format, InputFormat::Architect);
    let bot = &export.references[0];
    assert_eq!(bot.target.name.as_deref(), Some("DevOpsKnowledgeChatBot"));
    assert_eq!(
        bot.target.id.as_deref(),
        Some("3b903b43-e657-4137-8109-2d3550834d1e")
    );
    assert!(!bot.hands_off && bot.reached_without_input);
    // What the real files name, reviewed.
    insta::assert_snapshot!("real_flow_references", summary);
    // All of them as one set: no loop and no error (they reference flows of other repos).
    let all = run(&texts, None);
    let severe: Vec<&str> = all
        .diagnostics
        .iter()
        .flatten()
        .filter(|d| d.severity != Severity::Info)
        .map(|d| d.message.as_str())
        .collect();
    assert!(severe.is_empty(), "{severe:#?}");
}
