//! The rule registry (engine/src/rules.rs) is the one declaration of every code: its
//! examples run here, and docs/codes.md and the code list of
//! schemas/flowguard.toml.schema.json are generated from it.
//!
//! After changing the registry, regenerate them with
//! `FLOWGUARD_BLESS=1 cargo test -p flowguard-core --test docs_codes`
//! (or `flowguard rules --format markdown > docs/codes.md`).
#![allow(clippy::unwrap_used)]

use flowguard_core::Code;
use flowguard_core::rule_docs::{RunExample, markdown};
use flowguard_core::rules::RETIRED;

#[test]
fn every_example_triggers_its_code_and_every_counterexample_does_not() {
    let mut failures = Vec::new();
    for &c in Code::ALL {
        let r = c.rule();
        let got = r.triggers.run();
        if !got.iter().any(|d| d.code == c) {
            failures.push(format!(
                "{}: the triggering example gives {:?}",
                c.code(),
                got.iter().map(|d| d.code.code()).collect::<Vec<_>>()
            ));
        }
        let got = r.passes.run();
        if got.iter().any(|d| d.code == c) {
            failures.push(format!(
                "{}: the passing example gives it too: {:?}",
                c.code(),
                got.iter().map(|d| &d.message).collect::<Vec<_>>()
            ));
        }
        for (what, text) in [
            ("summary", r.summary),
            ("what", r.what),
            ("why", r.why),
            ("fix", r.fix),
        ] {
            if text.trim().is_empty() {
                failures.push(format!("{}: no {what}", c.code()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn retired_codes_stay_retired() {
    for (code, name, _) in RETIRED {
        assert_eq!(Code::parse(code), None, "{code} is retired but declared");
        assert_eq!(Code::parse(name), None, "{name} is retired but declared");
    }
}

#[test]
fn docs_codes_md_is_generated_from_the_registry() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/codes.md");
    let generated = markdown();
    if std::env::var_os("FLOWGUARD_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(
        on_disk == generated,
        "docs/codes.md is stale: regenerate it with \
         `FLOWGUARD_BLESS=1 cargo test -p flowguard-core --test docs_codes`"
    );
}

/// The JSON Schema of flowguard.toml lists every code and name (for editors' completion);
/// generated from the registry like docs/codes.md.
#[test]
fn the_configuration_schema_lists_every_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/flowguard.toml.schema.json");
    let on_disk = std::fs::read_to_string(&path).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&on_disk).unwrap();
    let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.code()).collect();
    names.extend(Code::ALL.iter().map(|c| c.name()));
    schema["definitions"]["code"]["enum"] = serde_json::json!(names);
    let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    if std::env::var_os("FLOWGUARD_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    assert!(
        on_disk == generated,
        "schemas/flowguard.toml.schema.json is stale: regenerate it with \
         `FLOWGUARD_BLESS=1 cargo test -p flowguard-core --test docs_codes`"
    );
}
