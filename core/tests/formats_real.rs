//! Every real, published Genesys flow we have must read without wrong FG001/FG002 errors.
//!
//! The full collection lives outside the repository (`../shared/genesys/real-flows`, see its
//! SOURCES.md); a representative handful, with attribution, is copied under
//! `tests/fixtures/real/` so this test always has data.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library

use std::path::{Path, PathBuf};

use flowguard_core::{Code, InputFormat, Options, Severity, validate};

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/genesys/real-flows")
}

fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// Reads one file and returns its syntax/schema errors, formatted.
fn read_errors(path: &Path, format: InputFormat) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
    let options = Options {
        format,
        ..Options::default()
    };
    let v = validate(&text, &options);
    assert_eq!(v.format, format, "{}", path.display());
    v.diagnostics
        .iter()
        .filter(|d| {
            matches!(d.code, Code::SyntaxError | Code::SchemaError) && d.severity == Severity::Error
        })
        .map(|d| {
            format!(
                "{}: {} {} at {}",
                path.display(),
                d.code.code(),
                d.message,
                d.pointer
            )
        })
        .collect()
}

fn check_all(paths: &[PathBuf], format: InputFormat) -> usize {
    let mut errors = Vec::new();
    for p in paths {
        errors.extend(read_errors(p, format));
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    paths.len()
}

#[test]
fn real_archy_files_in_the_shared_collection() {
    let dir = shared_dir().join("archy");
    let paths = files(&dir, |n| n.ends_with(".yaml") || n.ends_with(".yml"));
    if paths.is_empty() {
        println!(
            "note: {} is absent; only the fixtures copied into the repository are checked",
            dir.display()
        );
        return;
    }
    assert!(check_all(&paths, InputFormat::Archy) >= 40);
}

#[test]
fn real_architect_files_in_the_shared_collection() {
    let dir = shared_dir().join("architect");
    let paths = files(&dir, |n| n.ends_with(".decoded.json"));
    if paths.is_empty() {
        println!(
            "note: {} is absent; only the fixtures copied into the repository are checked",
            dir.display()
        );
        return;
    }
    assert_eq!(check_all(&paths, InputFormat::Architect), 4);
}

#[test]
fn real_fixtures_in_the_repository() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let yaml = files(&dir, |n| n.ends_with(".yaml") || n.ends_with(".yml"));
    let json = files(&dir, |n| n.ends_with(".json"));
    assert!(check_all(&yaml, InputFormat::Archy) >= 4);
    assert!(check_all(&json, InputFormat::Architect) >= 1);
}
