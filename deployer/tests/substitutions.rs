//! `{{name}}` placeholders filled from `--var`, `--vars FILE` and `FLOWGUARD_VAR_<name>`:
//! errors with their place, precedence, the three file formats, positions in the original
//! file, and `deploy`/`plan` through the binary against the emulator.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

/// Runs the binary with the given environment and no inherited FLOWGUARD_VAR_.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowguard"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("FLOWGUARD_VAR_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// A flow whose name, queue and a task name are placeholders; `Orphan` is unreachable
/// (FG012) on line 17, after every placeholder.
const TEMPLATE: &str = "inboundCall:
  name: {{flow_name}}
  startUpRef: \"/inboundCall/tasks/task[main]\"
  defaultLanguage: en-us
  tasks:
    - task:
        name: {{task_name}}
        refId: main
        actions:
          - transferToAcd:
              name: To queue
              targetQueue:
                lit:
                  name: {{queue}}
          - disconnect:
              name: Bye
    - task:
        name: Orphan
        refId: orphan
        actions:
          - disconnect:
              name: Bye
";

fn template(dir: &Path) -> PathBuf {
    let p = dir.join("flow.yaml");
    std::fs::write(&p, TEMPLATE).unwrap();
    p
}

/// The (line, column) of every diagnostic of the one file, in order.
fn positions(v: &Value) -> Vec<(u64, u64, String)> {
    v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["span"]["line"].as_u64().unwrap_or(0),
                d["span"]["column"].as_u64().unwrap_or(0),
                d["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_missing_value_is_exit_2_at_the_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let p = f.to_str().unwrap();
    let o = run(&[
        "validate",
        "--var",
        "flow_name=Main Line",
        "--var",
        "task_name=Main",
        p,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "{p}:14:25: the placeholder `{{{{queue}}}}` has no value"
        )),
        "{e}"
    );
    assert!(
        e.contains("--var queue=VALUE") && e.contains("FLOWGUARD_VAR_queue"),
        "{e}"
    );
}

#[test]
fn a_value_no_placeholder_uses_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let vars = dir.path().join("prod.toml");
    std::fs::write(
        &vars,
        "flow_name = \"Main\"\ntask_name = \"Main\"\nqueue = \"Support\"\nqeueu = \"typo\"\n",
    )
    .unwrap();
    let o = run(&[
        "validate",
        "--vars",
        vars.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "the value `qeueu` (from --vars {}) is used by no `{{{{qeueu}}}}` placeholder",
            vars.display()
        )),
        "{e}"
    );
    assert!(e.contains("flow_name, queue, task_name"), "{e}");
}

#[test]
fn values_from_toml_yaml_json_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let f = f.to_str().unwrap();
    let files = [
        (
            "prod.toml",
            "flow_name = \"Main Line\"\ntask_name = \"Main\"\nqueue = \"Support\"\n",
        ),
        (
            "prod.yaml",
            "flow_name: Main Line\ntask_name: Main\nqueue: Support\n",
        ),
        (
            "prod.json",
            r#"{"flow_name": "Main Line", "task_name": "Main", "queue": "Support"}"#,
        ),
    ];
    for (name, text) in files {
        let vars = dir.path().join(name);
        std::fs::write(&vars, text).unwrap();
        let o = run(&[
            "validate",
            "--format",
            "json",
            "--queue",
            "Support",
            "--vars",
            vars.to_str().unwrap(),
            f,
        ]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        // Only FG012 (the orphan task), at its place in the file.
        assert_eq!(
            positions(&json(&o)),
            vec![(17, 7, "FG012".to_owned())],
            "{name}"
        );
    }
    let o = run_env(
        &["validate", "--format", "json", "--queue", "Support", f],
        &[
            ("FLOWGUARD_VAR_flow_name", "Main Line"),
            ("FLOWGUARD_VAR_task_name", "Main"),
            ("FLOWGUARD_VAR_queue", "Support"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn var_wins_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let vars = dir.path().join("prod.toml");
    std::fs::write(
        &vars,
        "flow_name = \"Main\"\ntask_name = \"Main\"\nqueue = \"FromFile\"\n",
    )
    .unwrap();
    // The queue's value decides FG050 against the queues the org has.
    let check = |known: &str, extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![
            "validate",
            "--format",
            "json",
            "--queue",
            known,
            "--vars",
            vars.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(f.to_str().unwrap());
        let o = run_env(&args, env);
        let codes: Vec<String> = positions(&json(&o)).into_iter().map(|p| p.2).collect();
        !codes.contains(&"FG050".to_owned())
    };
    assert!(check("FromFile", &[], &[]));
    let env = [("FLOWGUARD_VAR_queue", "FromEnv")];
    assert!(check("FromEnv", &[], &env));
    assert!(!check("FromFile", &[], &env));
    assert!(check("FromArg", &["--var", "queue=FromArg"], &env));
    assert!(!check("FromEnv", &["--var", "queue=FromArg"], &env));
}

#[test]
fn a_finding_inside_a_value_points_at_its_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let o = run(&[
        "validate",
        "--format",
        "json",
        "--queue",
        "Support",
        "--var",
        "flow_name=Main",
        "--var",
        "task_name=Main",
        "--var",
        "queue=A much longer queue name",
        f.to_str().unwrap(),
    ]);
    let v = json(&o);
    let d = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "FG050")
        .cloned()
        .unwrap();
    let (s, e) = (
        d["span"]["start"].as_u64().unwrap() as usize,
        d["span"]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&TEMPLATE[s..e], "{{queue}}");
    assert_eq!(
        (d["span"]["line"].as_u64(), d["span"]["column"].as_u64()),
        (Some(14), Some(25))
    );
    // Text output shows the original line.
    let o = run(&[
        "validate",
        "--queue",
        "Support",
        "--var",
        "flow_name=Main",
        "--var",
        "task_name=Main",
        "--var",
        "queue=A much longer queue name",
        f.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("name: {{queue}}"), "{out}");
}

#[test]
fn without_values_placeholders_stay_literal() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let o = run(&["validate", "--format", "json", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(positions(&json(&o)), vec![(17, 7, "FG012".to_owned())]);
}

#[test]
fn bad_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let f = f.to_str().unwrap();
    let o = run(&["validate", "--var", "flow_name", f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected NAME=VALUE"), "{}", stderr(&o));
    let o = run(&["validate", "--vars", "/nonexistent/prod.toml", f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    let ini = dir.path().join("prod.ini");
    std::fs::write(&ini, "a=1").unwrap();
    let o = run(&["validate", "--vars", ini.to_str().unwrap(), f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(".toml, .yaml, .yml or .json"),
        "{}",
        stderr(&o)
    );
}

/// A real published flow (CX as Code blueprint) with unquoted placeholders in keys: filled,
/// its findings are where they are in the file, also after a value that adds a line.
#[test]
fn a_real_flow_with_its_placeholders_filled_reports_original_positions() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../shared/genesys/real-flows/archy/GenesysCloudBlueprints__deploy-webchat-chatbot-with-lambda-blueprint__blueprint__terraform__modules__flows__DudeWheresMyStuffChat.yaml",
    );
    if !f.exists() {
        println!("note: {} is absent", f.display());
        return;
    }
    let f = f.to_str().unwrap();
    let plain = json(&run(&["validate", "--format", "json", f]));
    assert!(!positions(&plain).is_empty());
    let filled = run(&[
        "validate",
        "--format",
        "json",
        "--var",
        "flow_name=Dude, Where Is\n     My Stuff (production)",
        "--var",
        "default_language=en-us",
        "--var",
        "integration_category=Production AWS Lambda",
        "--var",
        "integration_data_action_name=Lookup Order Status",
        f,
    ]);
    assert_eq!(filled.status.code(), Some(0), "{}", stderr(&filled));
    let filled = json(&filled);
    assert_eq!(positions(&filled), positions(&plain));
    let spans = |v: &Value| -> Vec<Value> {
        v["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["span"].clone())
            .collect()
    };
    assert_eq!(spans(&filled), spans(&plain));
}

/// `deploy` fills the YAML before it validates and imports it; a missing value stops it
/// before any API call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_and_plan_fill_the_document() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = template(d);
    let flow = FLOW_SPANISH_LINE_ID;
    std::fs::write(
        d.join("prod.toml"),
        "flow_name = \"Spanish Line\"\ntask_name = \"Main\"\nqueue = \"Spanish\"\n",
    )
    .unwrap();
    let f = f.to_str().unwrap();
    // Missing value: exit 2, nothing requested.
    emu.control().clear_request_log();
    let o = flowguard(
        d,
        emu.base_url(),
        &[
            "deploy",
            f,
            "--flow",
            flow,
            "--var",
            "flow_name=Spanish Line",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(
        out.contains(&format!(
            "{f}:7:15: the placeholder `{{{{task_name}}}}` has no value"
        )),
        "{out}"
    );
    assert!(emu.control().request_log().is_empty());
    // Unused value: exit 2 too.
    let o = flowguard(
        d,
        emu.base_url(),
        &[
            "plan",
            f,
            "--flow",
            flow,
            "--vars",
            "prod.toml",
            "--var",
            "extra=1",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(emu.control().request_log().is_empty());
    // Filled: plan runs, then the deploy publishes.
    let o = flowguard(
        d,
        emu.base_url(),
        &["plan", f, "--flow", flow, "--vars", "prod.toml"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    let o = flowguard_env(
        d,
        emu.base_url(),
        &[
            "deploy",
            f,
            "--flow",
            flow,
            "--vars",
            "prod.toml",
            "--operator",
            "tester",
        ],
        &[("FLOWGUARD_VAR_queue", "Spanish")],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    assert_eq!(
        emu.control().published_version(flow).as_deref(),
        Some("2.0")
    );
}

/// `validate --org` asks the org for its queues: placeholder mistakes come first, so an
/// unreachable org is never contacted.
#[test]
fn validate_org_reports_placeholders_before_asking_the_org() {
    let dir = tempfile::tempdir().unwrap();
    let f = template(dir.path());
    let f = f.to_str().unwrap();
    let base = [
        "validate",
        "--org",
        "--api-base",
        "http://127.0.0.1:9",
        "--var",
        "flow_name=Main",
        "--var",
        "task_name=Main",
    ];
    let env = [
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "secret"),
    ];
    let mut args = base.to_vec();
    args.push(f);
    let o = run_env(&args, &env);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "{f}:14:25: the placeholder `{{{{queue}}}}` has no value"
        )),
        "{e}"
    );
    assert_eq!(e.matches("flowguard: error:").count(), 1, "{e}");
    let mut args = base.to_vec();
    args.extend(["--var", "queue=Support", "--var", "spare=1", f]);
    let e = stderr(&run_env(&args, &env));
    assert!(e.contains("the value `spare`"), "{e}");
    assert_eq!(e.matches("flowguard: error:").count(), 1, "{e}");
}
