//! `flowguard validate` over several flows: the references between them (FG070–FG073),
//! offline and with `--org` against the emulator; positions through substitutions;
//! suppressions; text, JSON and SARIF places in other files.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{code, emulator, flowguard, json_out, stderr, stdout, tempdir};
use serde_json::Value;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// An Archy inbound call flow whose start task transfers to `target`, then disconnects.
fn transferring(name: &str, target: &str) -> String {
    format!(
        "inboundCall:
  name: {name}
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To {target}
              targetFlow:
                name: {target}
          - disconnect:
              name: Transfer failed
"
    )
}

/// Every (file, code, severity) of a JSON report.
fn findings(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for f in v["files"].as_array().unwrap() {
        for d in f["diagnostics"].as_array().unwrap() {
            out.push((
                f["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                d["code"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

fn xflow(v: &Value) -> Vec<(String, String, String)> {
    findings(v)
        .into_iter()
        .filter(|(_, c, _)| c.starts_with("FG07"))
        .collect()
}

fn fixture(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/xflow")
        .join(case)
}

#[test]
fn a_directory_with_a_loop_across_flows_fails_with_the_path_in_every_file() {
    let dir = fixture("loop");
    let o = flowguard(&dir, "", &["validate", "--format", "json", "."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json_out(&o);
    assert_eq!(
        xflow(&v),
        vec![("billing.yaml".into(), "FG070".into(), "error".into())]
    );
    let d = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap())
        .find(|d| d["code"] == "FG070")
        .unwrap();
    let pointers: Vec<&str> = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pointer"].as_str().unwrap())
        .collect();
    for file in [
        "collections.json#/nodes/back/flow",
        "main.yaml#/inboundCall/",
    ] {
        assert!(
            pointers.iter().any(|p| p.contains(file)),
            "{file} not in {pointers:?}"
        );
    }
    // Text output names the other files at their places.
    let o = flowguard(&dir, "", &["validate", "."]);
    let text = stdout(&o);
    assert!(
        text.contains("cross-flow-loop") || text.contains("FG070"),
        "{text}"
    );
    assert!(text.contains("(collections.json:6:"), "{text}");
    // SARIF: the related location's artifact is the other file.
    let o = flowguard(&dir, "", &["validate", "--format", "sarif", "."]);
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "FG070")
        .unwrap();
    let uris: Vec<&str> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"collections.json"), "{uris:?}");
    assert!(uris.contains(&"billing.yaml"), "{uris:?}");
}

#[test]
fn one_file_alone_gets_no_set_finding() {
    let dir = fixture("loop");
    for file in [
        "main.yaml",
        "billing.yaml",
        "collections.json",
        "lookup.yaml",
    ] {
        let o = flowguard(&dir, "", &["validate", "--format", "json", file]);
        assert_eq!(xflow(&json_out(&o)), vec![], "{file}");
    }
}

#[test]
fn a_flow_outside_the_set_is_information_without_the_org() {
    let o = flowguard(
        &fixture("missing"),
        "",
        &["validate", "--format", "json", "."],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let got = xflow(&json_out(&o));
    assert_eq!(
        got,
        vec![
            ("billing.yaml".into(), "FG071".into(), "info".into()),
            ("main.yaml".into(), "FG071".into(), "info".into()),
        ]
    );
    let text = stdout(&o);
    assert!(text.contains("--org"), "{text}");
}

#[test]
fn placeholders_filled_then_checked_and_positions_in_the_template() {
    let dir = tempdir();
    write(dir.path(), "a.yaml", &transferring("A", "{{next}}"));
    write(dir.path(), "b.yaml", &transferring("B", "A"));
    // Unfilled: nothing to check.
    let o = flowguard(dir.path(), "", &["validate", "--format", "json", "."]);
    assert_eq!(xflow(&json_out(&o)), vec![], "{}", stdout(&o));
    // Filled: the loop, at the placeholder's line in the template.
    let o = flowguard(
        dir.path(),
        "",
        &["validate", "--format", "json", "--var", "next=B", "."],
    );
    let v = json_out(&o);
    assert_eq!(
        xflow(&v),
        vec![("a.yaml".into(), "FG070".into(), "error".into())]
    );
    let d = &v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "FG070")
        .unwrap()
        .clone();
    assert_eq!(d["span"]["line"], 12);
    // b.yaml's hop is at its own line 12 too.
    let other = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["pointer"].as_str().unwrap().contains("b.yaml#")
                && r["pointer"].as_str().unwrap().ends_with("/name")
        })
        .unwrap();
    assert_eq!(other["span"]["line"], 12, "{other}");
}

#[test]
fn a_suppression_comment_silences_the_loop() {
    let dir = tempdir();
    let a = transferring("A", "B").replace(
        "          - transferToFlow:",
        "          # flowguard: ignore[FG070] reviewed: B asks first in production\n          - transferToFlow:",
    );
    write(dir.path(), "a.yaml", &a);
    write(dir.path(), "b.yaml", &transferring("B", "A"));
    let o = flowguard(dir.path(), "", &["validate", "--format", "json", "."]);
    let v = json_out(&o);
    let got = findings(&v);
    assert!(
        !got.iter().any(|(_, c, _)| c == "FG070" || c == "FG060"),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_org_a_flow_missing_from_both_is_an_error() {
    let emu = emulator().await;
    let base = emu.base_url().to_owned();
    let dir = tempdir();
    // `Spanish Line` is an inbound call flow of the emulator's org; `Nowhere` is not.
    write(dir.path(), "a.yaml", &transferring("A", "Spanish Line"));
    write(dir.path(), "b.yaml", &transferring("B", "Nowhere"));
    let o = flowguard(
        dir.path(),
        &base,
        &[
            "validate",
            "--org",
            "--api-base",
            &base,
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        xflow(&json_out(&o)),
        vec![("b.yaml".into(), "FG072".into(), "error".into())]
    );
    // The same names without the org: information only.
    let o = flowguard(dir.path(), &base, &["validate", "--format", "json", "."]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        xflow(&json_out(&o))
            .iter()
            .map(|(_, c, _)| c.as_str())
            .collect::<Vec<_>>(),
        vec!["FG071", "FG071"]
    );
    // A single file with --org: its references are looked up too.
    let o = flowguard(
        dir.path(),
        &base,
        &[
            "validate",
            "--org",
            "--api-base",
            &base,
            "--format",
            "json",
            "a.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(xflow(&json_out(&o)), vec![]);
    // A common module call naming the org's inbound call flow: the wrong type.
    write(
        dir.path(),
        "c.yaml",
        "inboundCall:
  name: C
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - callCommonModule:
              name: Look up
              commonModule:
                Main IVR:
                  ver_latestPublished:
          - disconnect:
              name: Bye
",
    );
    let o = flowguard(
        dir.path(),
        &base,
        &[
            "validate",
            "--org",
            "--api-base",
            &base,
            "--format",
            "json",
            "c.yaml",
        ],
    );
    assert_eq!(
        xflow(&json_out(&o)),
        vec![("c.yaml".into(), "FG073".into(), "warning".into())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_that_cannot_be_asked_is_a_usage_error() {
    let dir = tempdir();
    write(dir.path(), "a.yaml", &transferring("A", "Elsewhere"));
    write(dir.path(), "b.yaml", &transferring("B", "A"));
    // Nothing listens there.
    let o = flowguard(
        dir.path(),
        "",
        &[
            "validate",
            "--org",
            "--api-base",
            "http://127.0.0.1:9",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("flowguard: error:"), "{}", stderr(&o));
}
