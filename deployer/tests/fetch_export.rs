//! `flowguard fetch` through export jobs, against the emulator: YAML by name and id,
//! `--all --type`, `--vars` back to placeholders (round trip), a missing flow, a flow with
//! no published version, failed export jobs (plain and Archy's rate-limit symptom, retried
//! as a whole cycle), 429 during polling, and a relative `downloadUrl`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use flowguard::genesys::api::PollPolicy;
use flowguard::genesys::export::{ExportError, ExportType};
use genesys_emulator::seed::{self, FLOW_MAIN_IVR_ID};
use genesys_emulator::{EmulatorConfig, FaultPlan, Platform};
use serde_json::Value;

/// The YAML of a seed flow's last (published) version.
fn seed_yaml(name: &str) -> String {
    let f = seed::seed_flows()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no seed flow {name}"));
    f.versions
        .last()
        .map(|v| (*v).to_owned())
        .unwrap_or_default()
}

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn sha256(text: &str) -> String {
    flowguard::util::sha256_hex(text.as_bytes())
}

/// Requests of the emulator's log whose path starts with `prefix` (and method).
fn count(emu: &genesys_emulator::RunningEmulator, method: &str, prefix: &str) -> usize {
    emu.request_log()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_yaml_by_name_and_by_id() {
    let emu = emulator().await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        flowguard(
            &d,
            &base,
            &[
                "fetch", "--flow", "Main IVR", "--format", "yaml", "--output", "json",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let j = json_out(&out);
    // The default file name comes from the flow name.
    let text = read(dir.path(), "main-ivr.yaml");
    assert_eq!(text, seed_yaml("Main IVR"));
    assert_eq!(j["file"], "main-ivr.yaml");
    assert_eq!(j["format"], "yaml");
    assert_eq!(j["version"], "2.0");
    assert_eq!(j["export_cycles"], 1);
    assert_eq!(j["flow"]["id"], FLOW_MAIN_IVR_ID);
    // The lockfile records the flow with the hash of the YAML.
    let lock: Value = serde_json::from_str(&read(dir.path(), "flowguard.lock")).unwrap_or_default();
    let entry = &lock["flows"][FLOW_MAIN_IVR_ID];
    assert_eq!(entry["content_sha256"], sha256(&text));
    assert_eq!(entry["published_version"], "2.0");
    assert_eq!(entry["file"], "main-ivr.yaml");
    // One export job, one download: 1 lookup + 1 register + polls + 1 download + queues.
    assert_eq!(count(&emu, "POST", "/api/v2/flows/export/jobs"), 1);
    assert_eq!(count(&emu, "GET", "/__emulator/s3/architect-exports/"), 1);
    let polls = count(&emu, "GET", "/api/v2/flows/export/jobs/");
    assert!(polls >= 1);
    assert!(j["api_requests"].as_u64().unwrap_or(0) >= 4, "{j}");

    // By id, into a chosen file, text output.
    let base = emu.base_url().to_owned();
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        flowguard(
            &d,
            &base,
            &[
                "fetch",
                "--flow",
                FLOW_MAIN_IVR_ID,
                "--format",
                "yaml",
                "-o",
                "by-id.yaml",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), "by-id.yaml"), text);
    assert!(stdout(&out).contains("published version 2.0 as Archy YAML"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_all_of_a_type_is_deterministic_and_skips_unpublished_flows() {
    let emu = emulator().await;
    let dir = tempdir();
    let run = |out_dir: &'static str| {
        let base = emu.base_url().to_owned();
        let d = dir.path().to_owned();
        move || {
            flowguard(
                &d,
                &base,
                &[
                    "fetch",
                    "--all",
                    "--type",
                    "inboundcall",
                    "--format",
                    "yaml",
                    "-o",
                    out_dir,
                    "--output",
                    "json",
                ],
            )
        }
    };
    let out = tokio::task::spawn_blocking(run("flows"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let j = json_out(&out);
    let files: Vec<&str> = j["flows"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["file"].as_str()).collect())
        .unwrap_or_default();
    let sep = std::path::MAIN_SEPARATOR;
    assert_eq!(
        files,
        ["after-hours", "loop-line", "main-ivr", "spanish-line"]
            .map(|s| format!("flows{sep}{s}.yaml"))
            .to_vec()
    );
    for (file, name) in [
        ("flows/after-hours.yaml", "After Hours"),
        ("flows/main-ivr.yaml", "Main IVR"),
        ("flows/spanish-line.yaml", "Spanish Line"),
    ] {
        assert_eq!(read(dir.path(), file), seed_yaml(name), "{file}");
    }
    // Billing Line has no published version: skipped with a note, not an error.
    assert!(
        j["notes"].to_string().contains("`Billing Line`"),
        "{}",
        j["notes"]
    );
    assert_eq!(j["errors"], serde_json::json!([]));
    // One job per flow.
    assert_eq!(count(&emu, "POST", "/api/v2/flows/export/jobs"), 4);
    let requests = j["api_requests"].as_u64().unwrap_or(0);
    eprintln!("fetch --all (4 flows): {requests} API requests");

    // The same again: the same bytes.
    let again = tokio::task::spawn_blocking(run("flows2"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&again), 0);
    for f in ["after-hours", "loop-line", "main-ivr", "spanish-line"] {
        assert_eq!(
            read(dir.path(), &format!("flows/{f}.yaml")),
            read(dir.path(), &format!("flows2/{f}.yaml"))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn vars_become_placeholders_and_substituting_gives_back_the_fetched_text() {
    let emu = emulator().await;
    let dir = tempdir();
    std::fs::write(
        dir.path().join("prod.toml"),
        "flow_name = \"Main IVR\"\nqueue_sales = \"Sales\"\nqueue_vip = \"VIP\"\nunused_here = \"Nowhere To Be Found\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let base = emu.base_url().to_owned();
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        flowguard(
            &d,
            &base,
            &[
                "fetch",
                "--flow",
                "Main IVR",
                "--format",
                "yaml",
                "-o",
                "main.yaml",
                "--vars",
                "prod.toml",
                "--output",
                "json",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let j = json_out(&out);
    let template = read(dir.path(), "main.yaml");
    assert!(template.contains("name: {{flow_name}}"), "{template}");
    assert!(template.contains("{{queue_sales}}"), "{template}");
    assert!(j["placeholders"]["flow_name"].as_u64().unwrap_or(0) >= 1);
    assert!(
        j["notes"].to_string().contains("unused_here"),
        "{}",
        j["notes"]
    );
    // The round trip: filling the template with the same values gives the fetched text.
    let values: BTreeMap<String, String> = [
        ("flow_name", "Main IVR"),
        ("queue_sales", "Sales"),
        ("queue_vip", "VIP"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let filled = flowguard_core::substitute::substitute(&template, &values)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .text;
    assert_eq!(filled, seed_yaml("Main IVR"));
    // The lockfile has the hash of what the org holds, not of the template.
    let lock: Value = serde_json::from_str(&read(dir.path(), "flowguard.lock")).unwrap_or_default();
    assert_eq!(
        lock["flows"][FLOW_MAIN_IVR_ID]["content_sha256"],
        sha256(&seed_yaml("Main IVR"))
    );
    // JSON too (the default format): whole string values only.
    let base = emu.base_url().to_owned();
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        flowguard(
            &d,
            &base,
            &[
                "fetch",
                "--flow",
                "Main IVR",
                "-o",
                "main.json",
                "--var",
                "flow_name=Main IVR",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(read(dir.path(), "main.json").contains("\"name\": \"{{flow_name}}\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_variables_with_one_value_are_refused_and_nothing_is_written() {
    let emu = emulator().await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        flowguard(
            &d,
            &base,
            &[
                "fetch",
                "--flow",
                "Main IVR",
                "--format",
                "yaml",
                "-o",
                "main.yaml",
                "--var",
                "a=Sales",
                "--var",
                "b=Sales",
            ],
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("`a` and `b` have the same value `Sales`"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!dir.path().join("main.yaml").exists());
    assert!(!dir.path().join("flowguard.lock").exists());
    // Refused before anything was asked of the org.
    assert_eq!(count(&emu, "GET", "/api/v2/flows"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_flows_and_unpublished_flows_are_clear_errors() {
    let emu = emulator().await;
    let dir = tempdir();
    let cases: [(&[&str], &str); 5] = [
        (
            &["--flow", FLOW_MAIN_IVR_ID, "--type", "inqueuecall"],
            "is `Main IVR` of type `inboundcall`, not of type `inqueuecall`",
        ),
        (&["--flow", "No Such Flow"], "no flow named `No Such Flow`"),
        (
            &["--flow", "00000000-0000-4000-8000-000000000000"],
            "no flow with id `00000000-0000-4000-8000-000000000000`",
        ),
        (
            &["--flow", "Main IVR", "--type", "commonmodule"],
            "no flow named `Main IVR` of type `commonmodule`",
        ),
        (&["--flow", "Billing Line"], "has no published version"),
    ];
    for (args, expected) in cases {
        let base = emu.base_url().to_owned();
        let d = dir.path().to_owned();
        let mut all = vec!["fetch", "--format", "yaml"];
        all.extend_from_slice(args);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        let out = tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            flowguard(&d, &base, &refs)
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code(&out), 2, "{args:?}");
        let said = format!("{}{}", stdout(&out), stderr(&out));
        assert!(said.contains(expected), "{args:?}: {said}");
    }
    // --all needs --type (clap), --flow and --all exclude each other.
    let base = emu.base_url().to_owned();
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || flowguard(&d, &base, &["fetch", "--all"]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--type"), "{}", stderr(&out));
    assert_eq!(count(&emu, "POST", "/api/v2/flows/export/jobs"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_export_jobs_say_why_and_archys_rate_limit_symptom_is_retried() {
    let emu = emulator().await;
    let dir = tempdir();
    let fetch = |extra: &'static str| {
        let base = emu.base_url().to_owned();
        let d = dir.path().to_owned();
        move || {
            flowguard(
                &d,
                &base,
                &[
                    "fetch", "--flow", "Main IVR", "--format", "yaml", "-o", extra, "--output",
                    "json",
                ],
            )
        }
    };
    // A plain failure: exit 2 with the job's message.
    emu.set_faults(FaultPlan::parse("fail-export=1").unwrap_or_default());
    let out = tokio::task::spawn_blocking(fetch("a.yaml"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 2);
    let err = json_out(&out)["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        err.contains("export job") && err.contains("The export failed"),
        "{err}"
    );
    assert!(!dir.path().join("a.yaml").exists());

    // Archy's rate-limit symptom twice: the whole cycle runs again, the third succeeds.
    emu.set_faults(FaultPlan::parse("export-107=2").unwrap_or_default());
    emu.clear_request_log();
    let out = tokio::task::spawn_blocking(fetch("b.yaml"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(json_out(&out)["export_cycles"], 3);
    assert_eq!(count(&emu, "POST", "/api/v2/flows/export/jobs"), 3);
    assert_eq!(read(dir.path(), "b.yaml"), seed_yaml("Main IVR"));

    // Always the symptom: given up after 5 cycles.
    emu.set_faults(FaultPlan::parse("export-107=100").unwrap_or_default());
    let out = tokio::task::spawn_blocking(fetch("c.yaml"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), 2);
    let err = json_out(&out)["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        err.contains("after 5 attempts") && err.contains("exit code 107"),
        "{err}"
    );
}

#[tokio::test]
async fn rate_limits_while_polling_are_waited_out() {
    let emu = emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(300),
        ..EmulatorConfig::default()
    })
    .await;
    let client = client(&emu);
    let poll = PollPolicy {
        first: Duration::from_millis(150),
        max_interval: Duration::from_millis(50),
        timeout: Duration::from_secs(20),
    };
    let control = emu.control();
    let watcher = tokio::spawn(async move {
        // Once the job is registered, the next two requests (polls) get 429.
        for _ in 0..400 {
            if control
                .request_log()
                .iter()
                .any(|r| r.method == "POST" && r.path == "/api/v2/flows/export/jobs")
            {
                control.set_faults(FaultPlan {
                    burst_429: 2,
                    retry_after_secs: 0,
                    ..FaultPlan::default()
                });
                return true;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        false
    });
    let exported = client
        .export_flow(FLOW_MAIN_IVR_ID, "2.0", ExportType::Yaml, poll)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(watcher.await.unwrap_or(false));
    assert_eq!(
        String::from_utf8(exported.content).unwrap_or_default(),
        seed_yaml("Main IVR")
    );
    let limited: Vec<_> = emu
        .request_log()
        .into_iter()
        .filter(|r| r.status == 429)
        .collect();
    assert_eq!(limited.len(), 2, "{limited:?}");
    assert!(
        limited
            .iter()
            .all(|r| r.path.starts_with("/api/v2/flows/export/jobs/")),
        "{limited:?}"
    );
    assert_eq!(client.transport.stats().responses_429, 2);
}

#[tokio::test]
async fn a_relative_download_url_is_fetched_from_the_api_host() {
    let emu = emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(20),
        platform: Platform {
            relative_download_url: true,
            ..Platform::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let client = client(&emu);
    let poll = PollPolicy {
        first: Duration::from_millis(10),
        max_interval: Duration::from_millis(40),
        timeout: Duration::from_secs(20),
    };
    let exported = client
        .export_flow(FLOW_MAIN_IVR_ID, "2.0", ExportType::Yaml, poll)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exported.file_name.as_deref(), Some("Main_IVR.yaml"));
    assert_eq!(
        String::from_utf8(exported.content).unwrap_or_default(),
        seed_yaml("Main IVR")
    );
    // A version that does not exist: the job fails, with the platform's message.
    let e = client
        .export_flow(FLOW_MAIN_IVR_ID, "9.0", ExportType::Yaml, poll)
        .await
        .err();
    match e {
        Some(ExportError::JobFailed { messages, .. }) => {
            assert!(
                messages.join(" ").contains("no version 9.0"),
                "{messages:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// Every real flow we have (core's fixtures): string values of the document taken as
/// variables, reversed and filled again, give back the file byte for byte. Files that
/// already contain `{{…}}` are refused (and must be).
#[test]
fn reversing_round_trips_over_every_real_flow() {
    use flowguard::fetch::reverse::{Syntax, reverse};
    use flowguard_core::syntax::{ValueId, ValueKind, json, yaml};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/real");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let (mut reversed, mut refused, mut written) = (0, 0, 0usize);
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let syntax = if p.extension().and_then(|x| x.to_str()) == Some("json") {
            Syntax::Json
        } else {
            Syntax::Yaml
        };
        let tree = match syntax {
            Syntax::Json => json::parse(&text).tree,
            Syntax::Yaml => yaml::parse(&text).tree,
        };
        // Up to 6 distinct string values of 4+ characters, in document order.
        let mut values: Vec<String> = Vec::new();
        for i in 0..tree.len() {
            let id = ValueId(i as u32);
            if tree.kind(id) == ValueKind::String
                && let Some(s) = tree.as_str(id)
                && s.len() >= 4
                && !values.iter().any(|v| v == s)
            {
                values.push(s.to_owned());
            }
            if values.len() == 6 {
                break;
            }
        }
        let vars: BTreeMap<String, String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("v{i}"), v.clone()))
            .collect();
        match reverse(&text, syntax, &vars) {
            Ok(r) => {
                reversed += 1;
                written += r.replaced.values().sum::<usize>();
                let filled = flowguard_core::substitute::substitute(&r.text, &vars)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", p.display()))
                    .text;
                assert_eq!(filled, text, "{}", p.display());
            }
            Err(e) => {
                assert!(e.contains("already contains"), "{}: {e}", p.display());
                assert!(!flowguard_core::substitute::placeholders(&text).is_empty());
                refused += 1;
            }
        }
    }
    assert!(reversed >= 10, "{reversed} reversed, {refused} refused");
    // Most chosen values are whole scalars: placeholders were really written.
    assert!(
        written >= 5 * reversed,
        "{written} placeholders in {reversed} files"
    );
    eprintln!("{reversed} real flows reversed ({written} placeholders), {refused} refused");
}
