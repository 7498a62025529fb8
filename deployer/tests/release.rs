//! Releases: `flowguard deploy` over several documents, against the emulator. Three
//! mutually referencing flows (a cycle: two phases), a missing variable (nothing
//! written), a failure midway (everything rolled back and verified), a crash midway and
//! `recover`, and each of the emulator's dependency checks (`published`, `exist`, `off`).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use flowguard::deploy::Outcome;
use flowguard::release::{self, ReleaseOptions};
use flowguard::step::Step;
use genesys_emulator::{DependencyCheck, EmulatorConfig, FaultPlan, Platform, RunningEmulator};
use serde_json::{Value, json};

/// An inbound call flow `name` whose menu transfers to each of `targets` (digit 1, 2, …)
/// and disconnects on 9; `marker` goes into its description (a real change).
fn flow(name: &str, targets: &[&str], marker: &str) -> Value {
    let mut choices: Vec<Value> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "id": format!("choice-{i}"),
                "name": format!("To {t}"),
                "digit": format!("{}", i + 1),
                "action": {
                    "__type": "TransferFlowAction",
                    "id": format!("transfer-{i}"),
                    "trackingId": 10 + i,
                    "name": format!("Transfer to {t}"),
                    "flowName": t,
                    "paths": [{"label": "Failure", "outputId": "__FAILURE__"}]
                }
            })
        })
        .collect();
    choices.push(json!({
        "id": "choice-bye",
        "name": "Goodbye",
        "digit": "9",
        "action": {"__type": "DisconnectAction", "id": "bye", "trackingId": 2, "name": "Disconnect"}
    }));
    json!({
        "name": name,
        "type": "inboundcall",
        "description": marker,
        "defaultLanguage": "en-US",
        "supportedLanguages": ["en-US"],
        "initialSequence": "menu",
        "nextTrackingNumber": 40,
        "flowSequenceItemList": [{
            "__type": "Menu",
            "id": "menu",
            "name": "Main Menu",
            "trackingId": 1,
            "menuChoiceList": choices
        }],
        "variables": []
    })
}

const A: &str = "Release Main";
const B: &str = "Release Billing";
const C: &str = "Release Support";

/// Three flows in a cycle: Main → Billing → Support → Main (and Main → Support).
fn write_cycle(dir: &Path, marker: &str) -> PathBuf {
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap_or_else(|e| panic!("{e}"));
    write_json(&flows, "main.json", &flow(A, &[B, C], marker));
    write_json(&flows, "billing.json", &flow(B, &[C], marker));
    write_json(&flows, "support.json", &flow(C, &[A], marker));
    flows
}

fn ropts(paths: &[&Path]) -> ReleaseOptions {
    ReleaseOptions {
        paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        optimize: false,
        dry_run: false,
        force_unlock: false,
        operator: "tester".into(),
        checks: Default::default(),
    }
}

fn writes(emu: &RunningEmulator) -> Vec<String> {
    emu.request_log()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/oauth"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn id_of(emu: &RunningEmulator, name: &str) -> String {
    emu.flow_id_by_name(name, "INBOUNDCALL")
        .unwrap_or_else(|| panic!("no flow {name}"))
}

/// The description of the published configuration of `name`.
async fn live_marker(emu: &RunningEmulator, name: &str) -> String {
    let id = id_of(emu, name);
    let v = emu
        .published_version(&id)
        .unwrap_or_else(|| panic!("{name} unpublished"));
    let c = client(emu)
        .version_configuration(&id, &v)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c["description"].as_str().unwrap_or_default().to_owned()
}

fn emulator_deps(mode: DependencyCheck) -> EmulatorConfig {
    EmulatorConfig {
        operation_delay: std::time::Duration::from_millis(5),
        platform: Platform {
            dependencies: mode,
            ..Platform::default()
        },
        ..EmulatorConfig::default()
    }
}

async fn clean_release_under(mode: DependencyCheck) {
    let emu = emulator_with(emulator_deps(mode)).await;
    let dir = tempdir();
    let flows = write_cycle(dir.path(), "v1");
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{mode:?}: {}", r.text());
    assert_eq!(r.exit_code, 0);
    // One cyclic group of the three.
    assert_eq!(r.order.len(), 1, "{}", r.text());
    assert!(r.order[0].cyclic, "{}", r.text());
    for name in [A, B, C] {
        let id = id_of(&emu, name);
        assert_eq!(live_marker(&emu, name).await, "v1", "{mode:?} {name}");
        assert!(emu.lock_holder(&id).is_none(), "{name}: lock left");
        let line = r
            .flows
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(line.outcome, "deployed", "{}", r.text());
        assert!(line.created, "{}", r.text());
        assert_eq!(line.flow_id.as_deref(), Some(id.as_str()));
    }
    // Every audit record of the release carries its id; `audit show --release` lists them.
    let id = r.release_id.clone().unwrap_or_default();
    let recs = audit_records(dir.path());
    let mine: Vec<&Value> = recs
        .iter()
        .filter(|r| r["release_id"] == id.as_str())
        .collect();
    // Three stubs, three contents, one release summary.
    assert_eq!(mine.len(), 7, "{recs:?}");
    assert_eq!(mine.len(), recs.len());
    let d = flowguard::commands::audit_show_release(&ctx, None, Some(&id), 100);
    assert_eq!(
        d.json["records"].as_array().map(Vec::len),
        Some(7),
        "{}",
        d.text
    );
    let d = flowguard::commands::audit_show_release(&ctx, None, Some("other"), 100);
    assert_eq!(d.json["records"].as_array().map(Vec::len), Some(0));
    audit_ok(dir.path());
    assert!(ctx.journal.all().unwrap_or_default().is_empty());
    assert!(release::journal::all(&ctx).unwrap_or_default().is_empty());
    // The same release again: nothing to publish.
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert!(
        r.flows.iter().all(|f| f.outcome == "no-change"),
        "{}",
        r.text()
    );
    assert!(r.flows.iter().all(|f| !f.created), "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_release_of_three_mutually_referencing_flows_dependencies_published() {
    clean_release_under(DependencyCheck::Published).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_release_dependencies_must_exist() {
    clean_release_under(DependencyCheck::Exist).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_release_without_dependency_check() {
    clean_release_under(DependencyCheck::Off).await;
}

/// Without the release's phase one, the platform refuses the cycle: the test can fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_refuses_the_cycle_flow_by_flow() {
    let emu = emulator_with(emulator_deps(DependencyCheck::Exist)).await;
    let dir = tempdir();
    let flows = write_cycle(dir.path(), "v1");
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let o = flowguard::deploy::DeployOptions {
        flow_id: String::new(),
        ..opts(&flows.join("main.json"))
    };
    let r = flowguard::deploy::deploy(&client, &ctx, &o, &flowguard::deploy::NoHooks).await;
    assert_ne!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert!(r.text().contains("missing"), "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependency_cycle_goes_in_two_phases_after_its_dependencies() {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = dir.path().join("set");
    std::fs::create_dir_all(&flows).unwrap_or_else(|e| panic!("{e}"));
    // Leaf ← Ping ⇄ Pong ← Entry.
    write_json(&flows, "a-entry.json", &flow("Entry", &["Ping"], "x"));
    write_json(&flows, "b-ping.json", &flow("Ping", &["Pong", "Leaf"], "x"));
    write_json(&flows, "c-pong.json", &flow("Pong", &["Ping"], "x"));
    write_json(&flows, "d-leaf.json", &flow("Leaf", &[], "x"));
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    // Dry run: validation and order, nothing sent.
    emu.clear_request_log();
    let mut o = ropts(&[&flows]);
    o.dry_run = true;
    let r = release::run(&client, &ctx, &o, &flowguard::deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::DryRun, "{}", r.text());
    assert!(emu.request_log().is_empty(), "{:?}", writes(&emu));
    let groups: Vec<(Vec<String>, bool)> = r
        .order
        .iter()
        .map(|g| (g.flows.clone(), g.cyclic))
        .collect();
    assert_eq!(
        groups,
        vec![
            (vec!["Leaf".to_owned()], false),
            (vec!["Ping".to_owned(), "Pong".to_owned()], true),
            (vec!["Entry".to_owned()], false),
        ],
        "{}",
        r.text()
    );
    assert!(r.text().contains("cycle"), "{}", r.text());
    // The release: every flow exists (stub published) before any content goes in.
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    let log = writes(&emu);
    let creates = log.iter().filter(|w| *w == "POST /api/v2/flows").count();
    assert_eq!(creates, 4, "{log:?}");
    let last_create = log
        .iter()
        .rposition(|w| w == "POST /api/v2/flows")
        .unwrap_or(0);
    let publishes: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, w)| w.starts_with("POST /api/v2/flows/actions/publish"))
        .map(|(i, _)| i)
        .collect();
    // Four stubs, then four contents; the contents come after the last create.
    assert_eq!(publishes.len(), 8, "{log:?}");
    assert!(publishes[4..].iter().all(|&i| i > last_create), "{log:?}");
    for (name, deps) in [("Entry", vec!["Ping"]), ("Pong", vec!["Ping"])] {
        let f = r
            .flows
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(f.depends_on, deps);
    }
    // Each flow's stub is the version before its content.
    let ping = id_of(&emu, "Ping");
    let versions = emu.versions(&ping);
    assert_eq!(versions.len(), 2, "{versions:?}");
    let stub = client
        .version_configuration(&ping, &versions[0].id)
        .await
        .unwrap_or_default();
    assert!(release::stub::is_stub(&stub), "{stub}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_variable_writes_nothing_and_exits_2() {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = write_cycle(dir.path(), "{{greeting}}");
    let base = emu.base_url().to_owned();
    emu.clear_request_log();
    // A value is given, but not `greeting`'s: every document naming it is reported.
    let o = flowguard(
        dir.path(),
        &base,
        &["deploy", "flows", "--var", "nobody=1", "--output", "json"],
    );
    let j = json_out(&o);
    // A missing value is the environment's mistake, not a finding: exit 2, as for one file.
    assert_eq!(code(&o), 2, "{j}");
    assert_eq!(j["outcome"], "failed", "{j}");
    let errors = j["errors"].to_string();
    for file in ["main.json", "billing.json", "support.json"] {
        assert!(errors.contains("greeting") && errors.contains(file), "{j}");
    }
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert!(emu.flow_id_by_name(A, "INBOUNDCALL").is_none());
    // A value used by one document only is fine for the set; an unused one is refused.
    let o = flowguard(
        dir.path(),
        &base,
        &[
            "deploy",
            "flows",
            "--var",
            "greeting=hi",
            "--var",
            "nobody=1",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("nobody"), "{}", stdout(&o));
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    // With the value: deployed, the value in every flow.
    let o = flowguard(
        dir.path(),
        &base,
        &["deploy", "flows", "--var", "greeting=hi"],
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("release"), "{}", stdout(&o));
    assert_eq!(live_marker(&emu, B).await, "hi");
    drop(flows);
    // `audit show --release ID` lists the release's records, and only them.
    let id = audit_records(dir.path())
        .last()
        .and_then(|r| r["release_id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let o = flowguard(
        dir.path(),
        &base,
        &["audit", "show", "--release", &id, "--output", "json"],
    );
    let j = json_out(&o);
    assert_eq!(code(&o), 0, "{j}");
    let recs = j["records"].as_array().cloned().unwrap_or_default();
    assert_eq!(recs.len(), 7, "{j}");
    assert!(recs.iter().all(|r| r["release_id"] == id.as_str()), "{j}");
    assert_eq!(
        recs.last().map(|r| r["action"].clone()),
        Some(Value::from("release"))
    );
    // In text, the closing record says which release it closes and how many flows it covered.
    let o = flowguard(dir.path(), &base, &["audit", "show", "--release", &id]);
    let last = stdout(&o).lines().last().unwrap_or_default().to_owned();
    assert!(
        last.contains(&format!("release {id} (3 flows)")) && last.ends_with(": deployed"),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_error_in_one_document_refuses_the_set() {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = write_cycle(dir.path(), "v1");
    // A menu choice jumping to a task that does not exist: FG error.
    let mut bad = flow(C, &[A], "v1");
    bad["initialSequence"] = Value::from("nowhere");
    write_json(&flows, "support.json", &bad);
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Refused, "{}", r.text());
    assert_eq!(r.exit_code, 1);
    assert!(
        r.errors.iter().any(|e| e.contains("support.json")),
        "{}",
        r.text()
    );
    assert!(emu.request_log().is_empty());
}

/// Deploys the cycle once (v1), then v2 with a hook; returns the emulator and dir.
async fn deployed_cycle() -> (RunningEmulator, tempfile::TempDir, PathBuf) {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = write_cycle(dir.path(), "v1");
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    write_cycle(dir.path(), "v2");
    (emu, dir, flows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_midway_rolls_every_published_flow_back_and_verifies() {
    let (emu, dir, flows) = deployed_cycle().await;
    let before: Vec<Option<String>> = [A, B, C]
        .iter()
        .map(|n| emu.published_version(&id_of(&emu, n)))
        .collect();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let ctrl = emu.control();
    let verified = Arc::new(AtomicUsize::new(0));
    let v2 = verified.clone();
    // After two flows are published and verified, the third one's publish fails.
    let hooks = At(move |s: Step| {
        if s == Step::Verified && v2.fetch_add(1, Ordering::SeqCst) == 1 {
            ctrl.set_faults(FaultPlan {
                fail_publish_next: 1,
                ..FaultPlan::default()
            });
        }
    });
    let r = release::run(&client, &ctx, &ropts(&[&flows]), &hooks).await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert_eq!(r.exit_code, 4);
    let outcomes: Vec<&str> = r.flows.iter().map(|f| f.outcome).collect();
    assert_eq!(
        outcomes,
        vec!["rolled-back", "rolled-back", "failed"],
        "{}",
        r.text()
    );
    let after: Vec<Option<String>> = [A, B, C]
        .iter()
        .map(|n| emu.published_version(&id_of(&emu, n)))
        .collect();
    for name in [A, B, C] {
        assert_eq!(live_marker(&emu, name).await, "v1", "{name}: {}", r.text());
        assert!(emu.lock_holder(&id_of(&emu, name)).is_none());
    }
    // Published back: the version ids may be new copies, the content is v1's.
    assert_eq!(before.len(), after.len());
    let id = r.release_id.clone().unwrap_or_default();
    let recs = audit_records(dir.path());
    let rollbacks = recs
        .iter()
        .filter(|r| r["release_id"] == id.as_str() && r["action"] == "release rollback")
        .count();
    assert_eq!(rollbacks, 2, "{recs:?}");
    audit_ok(dir.path());
    assert!(release::journal::all(&ctx).unwrap_or_default().is_empty());
    assert!(ctx.journal.all().unwrap_or_default().is_empty());
    // Run again (the fault is gone): the whole release goes in.
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    for name in [A, B, C] {
        assert_eq!(live_marker(&emu, name).await, "v2", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn crash_midway_then_recover_undoes_the_release() {
    let (emu, dir, _flows) = deployed_cycle().await;
    let base = emu.base_url().to_owned();
    // Crash right after the first flow's content is published and verified.
    let o = flowguard_env(
        dir.path(),
        &base,
        &["deploy", "flows"],
        &[("FLOWGUARD_CRASH_AFTER", "verified")],
    );
    assert_ne!(code(&o), 0, "should have aborted: {}", stdout(&o));
    let changed: Vec<String> = {
        let mut v = Vec::new();
        for n in [A, B, C] {
            v.push(live_marker(&emu, n).await);
        }
        v
    };
    assert!(changed.iter().any(|m| m == "v2"), "{changed:?}");
    // A new release waits for recover.
    let o = flowguard(dir.path(), &base, &["deploy", "flows"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("recover"), "{}", stdout(&o));
    let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
    let j = json_out(&o);
    assert_eq!(code(&o), 4, "{j}");
    for n in [A, B, C] {
        assert_eq!(live_marker(&emu, n).await, "v1", "{n}: {j}");
        assert!(emu.lock_holder(&id_of(&emu, n)).is_none(), "{n}");
    }
    // Every record `recover` wrote carries the interrupted release's id (not the first one's).
    let recs = audit_records(dir.path());
    let first = recs
        .first()
        .and_then(|r| r["release_id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let recovered: Vec<&Value> = recs
        .iter()
        .filter(|r| {
            r["action"] == "recover"
                || r["action"] == "release rollback"
                || r["action"] == "recover release"
        })
        .collect();
    assert!(
        recovered.iter().any(|r| r["action"] == "recover release"),
        "{recs:?}"
    );
    let ids: std::collections::BTreeSet<&str> = recovered
        .iter()
        .map(|r| r["release_id"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(ids.len(), 1, "{recovered:?}");
    assert!(
        !ids.contains("none") && !ids.contains(first.as_str()),
        "{recovered:?}"
    );
    audit_ok(dir.path());
    let o = flowguard(dir.path(), &base, &["recover"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    // Then the release goes through.
    let o = flowguard(dir.path(), &base, &["deploy", "flows"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    for n in [A, B, C] {
        assert_eq!(live_marker(&emu, n).await, "v2", "{n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_file_keeps_the_single_deploy_and_flow_is_refused_for_a_release() {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = dir.path().join("one");
    std::fs::create_dir_all(&flows).unwrap_or_else(|e| panic!("{e}"));
    write_json(&flows, "leaf.json", &flow("Leaf", &[], "x"));
    let base = emu.base_url().to_owned();
    let o = flowguard(
        dir.path(),
        &base,
        &["deploy", "one/leaf.json", "--output", "json"],
    );
    let j = json_out(&o);
    assert_eq!(code(&o), 0, "{j}");
    assert!(j.get("release").is_none(), "{j}");
    assert_eq!(j["outcome"], "deployed", "{j}");
    let o = flowguard(dir.path(), &base, &["deploy", "one", "--flow", "x"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
}

/// An Archy YAML inbound call flow that transfers to `target`.
fn yaml_flow(name: &str, target: &str, marker: &str) -> String {
    format!(
        r#"inboundCall:
  name: {name}
  description: {marker}
  startUpRef: "/inboundCall/tasks/task[Start_1]"
  defaultLanguage: en-us
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - playAudio:
              name: Hello
              audio:
                tts: Hello.
          - transferToFlow:
              name: To {target}
              targetFlow:
                name: {target}
          - disconnect:
              name: Disconnect
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archy_yaml_and_architect_json_in_one_cycle() {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = dir.path().join("mixed");
    std::fs::create_dir_all(&flows).unwrap_or_else(|e| panic!("{e}"));
    write_json(&flows, "main.json", &flow(A, &["Release Yaml Line"], "v1"));
    std::fs::write(
        flows.join("z-line.yaml"),
        yaml_flow("Release Yaml Line", A, "v1"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert!(r.order.iter().any(|g| g.cyclic), "{}", r.text());
    let y = id_of(&emu, "Release Yaml Line");
    let versions = emu.versions(&y);
    // The stub, then the import job's version, published.
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(
        emu.published_version(&y).as_deref(),
        versions.last().map(|v| v.id.as_str())
    );
    assert_eq!(live_marker(&emu, A).await, "v1");
    // The YAML flow comes last (path order in its group); its import fails (a dependency
    // missing): the JSON flow published before it is published back.
    write_json(&flows, "main.json", &flow(A, &["Release Yaml Line"], "v2"));
    std::fs::write(
        flows.join("z-line.yaml"),
        yaml_flow("Release Yaml Line", A, "v2").replace(
            "          - disconnect:",
            "          - transferToFlow:\n              name: To nowhere\n              targetFlow:\n                name: Nowhere Flow\n          - disconnect:",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let before_yaml = emu.published_version(&y);
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    let outcomes: Vec<&str> = r.flows.iter().map(|f| f.outcome).collect();
    assert_eq!(outcomes, vec!["rolled-back", "failed"], "{}", r.text());
    assert!(r.text().contains("Nowhere Flow"), "{}", r.text());
    assert_eq!(live_marker(&emu, A).await, "v1", "{}", r.text());
    assert_eq!(emu.published_version(&y), before_yaml);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn crash_in_phase_one_then_recover_then_the_release_goes_through() {
    let emu = emulator().await;
    let dir = tempdir();
    write_cycle(dir.path(), "v1");
    let base = emu.base_url().to_owned();
    let o = flowguard_env(
        dir.path(),
        &base,
        &["deploy", "flows"],
        &[("FLOWGUARD_CRASH_AFTER", "created")],
    );
    assert_ne!(code(&o), 0, "should have aborted: {}", stdout(&o));
    let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
    let j = json_out(&o);
    assert!([0, 4].contains(&code(&o)), "{j}");
    let o = flowguard(dir.path(), &base, &["recover"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let o = flowguard(dir.path(), &base, &["deploy", "flows", "--output", "json"]);
    let j = json_out(&o);
    assert_eq!(code(&o), 0, "{j}");
    for n in [A, B, C] {
        assert_eq!(live_marker(&emu, n).await, "v1", "{n}");
        assert!(emu.lock_holder(&id_of(&emu, n)).is_none(), "{n}");
        // One flow of each name: the interrupted creation was adopted, not repeated.
        assert!(emu.flow_id_by_name(n, "INBOUNDCALL").is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn crash_at_every_step_of_phase_two_then_recover_ends_as_before() {
    for step in flowguard::deploy::STEPS.iter().map(|s| s.name()) {
        let (emu, dir, _flows) = deployed_cycle().await;
        let base = emu.base_url().to_owned();
        let o = flowguard_env(
            dir.path(),
            &base,
            &["deploy", "flows"],
            &[("FLOWGUARD_CRASH_AFTER", step)],
        );
        assert_ne!(code(&o), 0, "{step}: should have aborted: {}", stdout(&o));
        let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
        let j = json_out(&o);
        assert!([0, 4].contains(&code(&o)), "{step}: {j}");
        for n in [A, B, C] {
            let id = id_of(&emu, n);
            assert_eq!(live_marker(&emu, n).await, "v1", "{step} {n}: {j}");
            assert!(emu.lock_holder(&id).is_none(), "{step} {n}: lock left");
            assert!(!emu.operation_running(&id), "{step} {n}");
        }
        audit_ok(dir.path());
        let o = flowguard(dir.path(), &base, &["recover"]);
        assert_eq!(code(&o), 0, "{step}: {}", stdout(&o));
        let o = flowguard(dir.path(), &base, &["deploy", "flows"]);
        assert_eq!(code(&o), 0, "{step}: {}{}", stdout(&o), stderr(&o));
        for n in [A, B, C] {
            assert_eq!(live_marker(&emu, n).await, "v2", "{step} {n}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_division_of_a_new_flow_refuses_the_release_before_any_write() {
    let emu = emulator().await;
    let dir = tempdir();
    let flows = write_cycle(dir.path(), "v1");
    let mut c = flow(C, &[A], "v1");
    c["division"] = Value::from("Nowhere Division");
    write_json(&flows, "support.json", &c);
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert_eq!(r.exit_code, 2);
    assert!(r.text().contains("Nowhere Division"), "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert!(release::journal::all(&ctx).unwrap_or_default().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_by_another_party_refuses_the_release_before_any_write() {
    let (emu, dir, flows) = deployed_cycle().await;
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.control()
        .checkout_as(&id_of(&emu, C), genesys_emulator::OTHER_CLIENT_ID)
        .unwrap_or_else(|e| panic!("{e:?}"));
    emu.clear_request_log();
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    assert_eq!(r.exit_code, 3);
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    for n in [A, B, C] {
        assert_eq!(live_marker(&emu, n).await, "v1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_changed_since_the_last_release_refuses_the_release_before_any_write() {
    let (emu, dir, flows) = deployed_cycle().await;
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    // Another party publishes a new version of the last flow in the order.
    let last = emu
        .control()
        .publish_new_version_as(&id_of(&emu, C), genesys_emulator::OTHER_CLIENT_ID, None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    emu.clear_request_log();
    let r = release::run(
        &client,
        &ctx,
        &ropts(&[&flows]),
        &flowguard::deploy::NoHooks,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    assert!(r.text().contains("changed since"), "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    for n in [A, B] {
        assert_eq!(live_marker(&emu, n).await, "v1");
    }
    assert_eq!(emu.published_version(&id_of(&emu, C)), Some(last));
}
