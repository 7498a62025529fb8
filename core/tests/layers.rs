//! The core's layers point down (ARCHITECTURE.md, "Layers"): every use of another top-level
//! module goes to a lower layer, or to an earlier module of the same layer, so no two
//! modules depend on each other. The core is two crates, `engine/src` (flowguard-engine,
//! the validation path) and `core/src` (flowguard-core, which re-exports the engine's
//! modules under the same paths and adds to `decision`, `formats` and `syntax`); a module
//! is one module whichever of the two holds its files. A module the table below does not
//! place fails the test until someone decides where it belongs.
//!
//! Uses are found in the text: `crate::m`, `crate::{m, …}`, `flowguard_engine::m`,
//! `flowguard_engine::{m, …}`, `super::` in a top-level module (the crate root), and `m::`
//! in `lib.rs`. Comments and `#[cfg(test)]` modules (at
//! the end of a file, by convention) are not code the layers constrain.
#![allow(clippy::unwrap_used)] // a test: a missing source file should fail it loudly
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bottom first. Within a layer a module may use the modules listed before it.
const LAYERS: &[(&str, &[&str])] = &[
    ("algorithms", &["graph", "case", "text_index"]),
    ("syntax", &["syntax"]),
    ("vocabulary", &["rules", "diagnostic"]),
    ("model", &["model"]),
    ("formats (reading and writing)", &["formats"]),
    ("analysis", &["decision", "checks"]),
    (
        "entry points",
        &[
            "settings",
            "flatten",
            "ROOT",
            "substitute",
            "view",
            "references",
            "edit",
            "rule_docs",
        ],
    ),
];

fn rank(module: &str) -> Option<(usize, usize)> {
    LAYERS
        .iter()
        .enumerate()
        .find_map(|(layer, (_, mods))| mods.iter().position(|m| *m == module).map(|at| (layer, at)))
}

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a source file belongs to (`ROOT` for `lib.rs`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    match first.strip_suffix(".rs") {
        Some("lib") => "ROOT".to_owned(),
        Some(m) => m.to_owned(),
        None => first.into_owned(),
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    &s[..end]
}

/// Every top-level module `line` uses, with `modules` the crate's top-level module names.
fn uses(line: &str, in_root: bool, top_level_file: bool, modules: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |name: &str| {
        if modules.iter().any(|m| m == name) {
            out.push(name.to_owned());
        } else if !name.is_empty() {
            // `crate::validate`, `crate::Options`: an item of the root.
            out.push("ROOT".to_owned());
        }
    };
    let paths = line
        .match_indices("crate::")
        .filter(|&(at, _)| !(at > 0 && line[..at].ends_with(is_ident))) // e.g. `flowguard_crate::`
        .map(|(at, _)| at + "crate::".len())
        .chain(
            line.match_indices("flowguard_engine::")
                .map(|(at, _)| at + "flowguard_engine::".len()),
        )
        .collect::<Vec<_>>();
    for at in paths {
        let rest = &line[at..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                push(ident(part.trim()));
            }
        } else {
            push(ident(rest));
        }
    }
    if top_level_file && !in_root && line.contains("super::") {
        out.push("ROOT".to_owned());
    }
    if in_root {
        let t = line.trim_start();
        if !(t.starts_with("pub mod ") || t.starts_with("mod ")) {
            for m in modules {
                for (at, _) in line.match_indices(&format!("{m}::")) {
                    if at == 0 || !line[..at].ends_with(|c: char| is_ident(c) || c == ':') {
                        out.push(m.clone());
                    }
                }
            }
        }
    }
    out
}

/// Every source file of the two crates, with the `src` directory it is in.
fn crate_sources() -> Vec<(PathBuf, PathBuf)> {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = core.parent().unwrap().join("engine");
    [engine.join("src"), core.join("src")]
        .into_iter()
        .flat_map(|src| sources(&src).into_iter().map(move |f| (src.clone(), f)))
        .collect()
}

#[test]
fn layers_point_down() {
    let files = crate_sources();
    // Both crates are read: a test that found no engine would pass vacuously.
    assert!(files.iter().any(|(src, _)| src.ends_with("engine/src")));
    let mut modules: Vec<String> = files
        .iter()
        .map(|(src, f)| module_of(src, f))
        .filter(|m| m != "ROOT")
        .collect();
    modules.sort();
    modules.dedup();
    let unplaced: Vec<&String> = modules.iter().filter(|m| rank(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "place these modules in a layer of core/tests/layers.rs and ARCHITECTURE.md: {unplaced:?}"
    );
    // (from, to) → the first place it happens.
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for (src, file) in &files {
        let from = module_of(src, file);
        let rel = file.strip_prefix(src).unwrap();
        let shown = file
            .strip_prefix(src.parent().unwrap().parent().unwrap())
            .unwrap();
        let top_level_file = rel.components().count() == 1 || rel.ends_with("mod.rs");
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("#[cfg(test)]") {
                break;
            }
            if t.starts_with("//") {
                continue;
            }
            let code = line.split("//").next().unwrap_or("");
            for to in uses(code, from == "ROOT", top_level_file, &modules) {
                if to != from {
                    edges
                        .entry((from.clone(), to))
                        .or_insert_with(|| format!("{}:{}", shown.display(), n + 1));
                }
            }
        }
    }
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| rank(to) >= rank(from))
        .map(|((from, to), at)| format!("{from} → {to} at {at}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "uses that point up or sideways (ARCHITECTURE.md, \"Layers\"):\n{}",
        wrong.join("\n")
    );
    // The test can fail: the table orders the analysis above the formats.
    assert!(rank("formats") < rank("decision"));
}

#[test]
fn the_scanner_sees_each_kind_of_use() {
    let modules = vec!["checks".to_owned(), "model".to_owned()];
    assert_eq!(
        uses("use crate::model::Flow;", false, true, &modules),
        ["model"]
    );
    assert_eq!(
        uses("use crate::{model::Flow, Options};", false, true, &modules),
        ["model", "ROOT"]
    );
    assert_eq!(
        uses(
            "pub use flowguard_engine::{checks, model};",
            true,
            true,
            &modules
        ),
        ["checks", "model"]
    );
    assert_eq!(uses("use super::Thing;", false, true, &modules), ["ROOT"]);
    assert_eq!(
        uses("use super::Thing;", false, false, &modules),
        Vec::<String>::new()
    );
    assert_eq!(
        uses("    checks::run(flow)", true, true, &modules),
        ["checks"]
    );
    assert_eq!(
        uses("pub mod checks;", true, true, &modules),
        Vec::<String>::new()
    );
}

/// ARCHITECTURE.md, "Invariants": the engine depends on no flowguard crate, and only the
/// core depends on it, so every host sees one core under one set of paths.
#[test]
fn only_the_core_depends_on_the_engine() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = workspace
        .lines()
        .find_map(|l| l.trim().strip_prefix("members = "))
        .unwrap();
    let mut read = 0;
    for member in members.split('"').skip(1).step_by(2) {
        let manifest = std::fs::read_to_string(root.join(member).join("Cargo.toml")).unwrap();
        let deps: Vec<&str> = manifest
            .lines()
            .filter(|l| l.starts_with("flowguard-"))
            .map(|l| l.split([' ', '.', '=']).next().unwrap())
            .collect();
        match member {
            "engine" => assert!(deps.is_empty(), "the engine depends on {deps:?}"),
            "core" => assert_eq!(deps, ["flowguard-engine"]),
            _ => assert!(
                !deps.contains(&"flowguard-engine"),
                "{member} depends on flowguard-engine: use flowguard-core's paths"
            ),
        }
        read += 1;
    }
    assert!(read >= 5, "read {read} manifests of {members}");
}
