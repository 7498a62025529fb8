//! `deploy FILE` without `--flow`: the flow is found by the document's name and type (as
//! Archy matches), created when missing, refused when ambiguous, taken by another type,
//! or in a division the org does not show. Against the emulator.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use flowguard::deploy::{self, NoHooks, Outcome};
use genesys_emulator::RunningEmulator;
use serde_json::Value;

const FLOW: &str = FLOW_SPANISH_LINE_ID;

/// The Spanish line's configuration, as fetched.
async fn spanish(emu: &RunningEmulator, dir: &Path) -> Value {
    let (client, ctx) = (client(emu), ctx(dir));
    let d = flowguard::commands::fetch(&client, &ctx, FLOW, Some(&dir.join("orig.json"))).await;
    assert_eq!(d.code, 0, "{}", d.text);
    serde_json::from_str(&std::fs::read_to_string(dir.join("orig.json")).unwrap_or_default())
        .unwrap_or_default()
}

fn by_name(file: &Path) -> deploy::DeployOptions {
    deploy::DeployOptions {
        flow_id: String::new(),
        ..opts(file)
    }
}

/// A copy of `config` as a new flow named `name` (and in `division` when given).
fn renamed(dir: &Path, config: &Value, name: &str, division: Option<&str>) -> PathBuf {
    let mut c = changed(config, name);
    c["name"] = Value::from(name);
    if let Some(d) = division {
        c["division"] = Value::from(d);
    }
    write_json(dir, &format!("{name}.json"), &c)
}

fn writes(emu: &RunningEmulator) -> Vec<String> {
    emu.request_log()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/oauth"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_flow_is_found_by_name_and_type() {
    let emu = emulator().await;
    let dir = tempdir();
    let config = spanish(&emu, dir.path()).await;
    let file = write_json(dir.path(), "new.json", &changed(&config, "by name"));
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(r.flow_id, FLOW);
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
    let rec = audit_records(dir.path()).pop().unwrap_or_default();
    assert_eq!(rec["flow_id"], FLOW, "{rec}");
    assert!(!ctx.journal.path_of(FLOW).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_flow_is_created_published_verified_and_audited() {
    let emu = emulator().await;
    let dir = tempdir();
    let config = spanish(&emu, dir.path()).await;
    let file = renamed(dir.path(), &config, "Brand New Line", Some("Home"));
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    let id = emu
        .flow_id_by_name("Brand New Line", "INBOUNDCALL")
        .unwrap_or_else(|| panic!("not created: {}", r.text()));
    assert_eq!(r.flow_id, id);
    assert!(
        r.messages.iter().any(|m| m.contains("created")),
        "{:?}",
        r.messages
    );
    let published = emu.published_version(&id).unwrap_or_default();
    assert!(!published.is_empty(), "{}", r.text());
    assert_eq!(r.published_version.as_deref(), Some(published.as_str()));
    assert!(emu.lock_holder(&id).is_none());
    let flow = emu.flow_json(&id).unwrap_or_default();
    assert_eq!(flow["division"]["name"], "Home");
    let rec = audit_records(dir.path()).pop().unwrap_or_default();
    assert_eq!(rec["flow_id"], id.as_str(), "{rec}");
    assert_eq!(rec["outcome"], "deployed", "{rec}");
    assert!(
        rec["message"].as_str().unwrap_or("").contains("created"),
        "{rec}"
    );
    audit_ok(dir.path());
    assert!(ctx.journal.all().unwrap_or_default().is_empty());
    // The same file again: found by name, nothing to publish.
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::NoChange, "{}", r.text());
    assert_eq!(r.flow_id, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_name_of_another_type_is_refused_without_a_write() {
    let emu = emulator().await;
    let dir = tempdir();
    let mut config = changed(&spanish(&emu, dir.path()).await, "other type");
    config["type"] = Value::from("inqueuecall");
    let file = write_json(dir.path(), "new.json", &config);
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert_eq!(r.exit_code, 2);
    assert!(r.text().contains(FLOW), "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert!(emu.flow_id_by_name("Spanish Line", "INQUEUECALL").is_none());
    // Pinned with --flow: the type mismatch is refused as well.
    let r = deploy::deploy(&client, &ctx, &opts(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_flows_of_that_name_and_type_are_refused_listing_their_ids() {
    let emu = emulator().await;
    let dir = tempdir();
    let config = spanish(&emu, dir.path()).await;
    let name = config["name"].as_str().unwrap_or_default().to_owned();
    let twin = emu.insert_duplicate_flow(&name, "INBOUNDCALL");
    let file = write_json(dir.path(), "new.json", &changed(&config, "twins"));
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    let text = r.text();
    assert!(text.contains(FLOW) && text.contains(&twin), "{text}");
    assert!(text.contains("--flow"), "{text}");
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    // --flow pins one of them.
    let r = deploy::deploy(&client, &ctx, &opts(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_division_is_refused_without_a_write() {
    let emu = emulator().await;
    let dir = tempdir();
    let config = spanish(&emu, dir.path()).await;
    let file = renamed(dir.path(), &config, "Sales Line", Some("Sales"));
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert!(r.text().contains("division `Sales`"), "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert!(emu.flow_id_by_name("Sales Line", "INBOUNDCALL").is_none());
    assert!(ctx.journal.all().unwrap_or_default().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn crash_after_create_then_recover_leaves_the_flow_unpublished_for_the_next_deploy() {
    let emu = emulator().await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let config = spanish(&emu, dir.path()).await;
    renamed(dir.path(), &config, "Crash Line", None);
    let o = flowguard_env(
        dir.path(),
        &base,
        &["deploy", "Crash Line.json"],
        &[("FLOWGUARD_CRASH_AFTER", "created")],
    );
    assert_ne!(code(&o), 0, "should have aborted: {}", stdout(&o));
    let id = emu
        .flow_id_by_name("Crash Line", "INBOUNDCALL")
        .unwrap_or_else(|| panic!("not created: {}", stderr(&o)));
    assert!(emu.published_version(&id).is_none());
    // A deploy before `recover` is refused: the creation is pending.
    let o = flowguard(dir.path(), &base, &["deploy", "Crash Line.json"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("recover"), "{}", stdout(&o));
    assert!(emu.published_version(&id).is_none());
    let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
    let j = json_out(&o);
    assert_eq!(code(&o), 4, "{j}");
    let rep = &j["recovered"][0];
    assert_eq!(rep["flow_id"], id.as_str(), "{j}");
    assert_eq!(rep["outcome"], "rolled-back", "{j}");
    // Left in the org, unpublished; nothing deleted, nothing published.
    assert!(emu.flow_json(&id).is_some_and(|f| f["deleted"] != true));
    assert!(emu.published_version(&id).is_none());
    let recs = audit_records(dir.path());
    assert_eq!(
        recs.last().map(|r| r["action"].clone()),
        Some(Value::from("recover"))
    );
    audit_ok(dir.path());
    let o = flowguard(dir.path(), &base, &["recover"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    // The next deploy adopts the flow by name and publishes it.
    let o = flowguard(
        dir.path(),
        &base,
        &["deploy", "Crash Line.json", "--output", "json"],
    );
    let j = json_out(&o);
    assert_eq!(code(&o), 0, "{j}");
    assert_eq!(j["flow_id"], id.as_str(), "{j}");
    assert!(emu.published_version(&id).is_some());
    assert!(emu.lock_holder(&id).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn creating_deploy_crashed_at_every_step_then_recover_then_deploy() {
    let steps = ["created"].into_iter().chain(
        deploy::STEPS
            .iter()
            .map(|s| s.name())
            .filter(|s| *s != "audited"),
    );
    for step in steps {
        let emu = emulator().await;
        let dir = tempdir();
        let base = emu.base_url().to_owned();
        let config = spanish(&emu, dir.path()).await;
        renamed(dir.path(), &config, "Crash Line", None);
        let o = flowguard_env(
            dir.path(),
            &base,
            &["deploy", "Crash Line.json"],
            &[("FLOWGUARD_CRASH_AFTER", step)],
        );
        assert_ne!(code(&o), 0, "{step}: should have aborted");
        let id = emu
            .flow_id_by_name("Crash Line", "INBOUNDCALL")
            .unwrap_or_else(|| panic!("{step}: not created"));
        let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
        let j = json_out(&o);
        assert!([0, 4].contains(&code(&o)), "{step}: {j}");
        assert_eq!(j["recovered"][0]["flow_id"], id.as_str(), "{step}: {j}");
        assert!(!emu.operation_running(&id), "{step}");
        if code(&o) == 4 {
            assert!(emu.published_version(&id).is_none(), "{step}: {j}");
        }
        audit_ok(dir.path());
        let o = flowguard(dir.path(), &base, &["recover"]);
        assert_eq!(code(&o), 0, "{step}: {}", stdout(&o));
        // Whatever recover decided, the next deploy ends with our configuration live.
        let o = flowguard(dir.path(), &base, &["deploy", "Crash Line.json"]);
        assert_eq!(code(&o), 0, "{step}: {}{}", stdout(&o), stderr(&o));
        assert!(emu.published_version(&id).is_some(), "{step}");
        assert!(emu.lock_holder(&id).is_none(), "{step}: lock left behind");
        assert_eq!(emu.flow_id_by_name("Crash Line", "INBOUNDCALL"), Some(id));
    }
}

/// The Spanish Line's seed YAML, renamed (and changed).
fn spanish_yaml(name: &str) -> String {
    let sf = genesys_emulator::seed::seed_flows()
        .into_iter()
        .find(|f| f.id == FLOW)
        .unwrap_or_else(|| panic!("seed"));
    let y = sf.versions.last().copied().unwrap_or_default().to_owned();
    y.replacen("name: Spanish Line", &format!("name: {name}"), 1)
        .replacen("description:", "description: changed -", 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_by_name_finds_the_flow_or_creates_it_with_the_import_job() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    // Found by name and type.
    let file = dir.path().join("spanish.yaml");
    std::fs::write(&file, spanish_yaml("Spanish Line")).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(r.flow_id, FLOW);
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
    // Missing: the import job creates and publishes it.
    let file = dir.path().join("new.yaml");
    std::fs::write(&file, spanish_yaml("Yaml New Line")).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    let id = emu
        .flow_id_by_name("Yaml New Line", "INBOUNDCALL")
        .unwrap_or_else(|| panic!("not created: {}", r.text()));
    assert_eq!(r.flow_id, id);
    assert!(emu.published_version(&id).is_some());
    let rec = audit_records(dir.path()).pop().unwrap_or_default();
    assert_eq!(rec["flow_id"], id.as_str(), "{rec}");
    assert_eq!(rec["outcome"], "deployed", "{rec}");
    audit_ok(dir.path());
    assert!(ctx.journal.all().unwrap_or_default().is_empty());
    // Again: found by name, no change.
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::NoChange, "{}", r.text());
    assert_eq!(r.flow_id, id);
    // A fresh checkout (no lockfile): the published version's YAML export says the same
    // as the file, so nothing is published again.
    let published = emu.published_version(&id);
    std::fs::remove_file(&ctx.lockfile).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::NoChange, "{}", r.text());
    assert_eq!(emu.published_version(&id), published);
    // The same fresh checkout with a changed file publishes.
    std::fs::remove_file(&ctx.lockfile).unwrap_or_default();
    let changed = spanish_yaml("Yaml New Line").replacen(
        "description: changed -",
        "description: changed again -",
        1,
    );
    std::fs::write(&file, changed).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_ne!(emu.published_version(&id), published);
    // An unknown division: refused before the import job.
    let file = dir.path().join("sales.yaml");
    let y = spanish_yaml("Yaml Sales Line").replacen(
        "inboundCall:\n",
        "inboundCall:\n  division: Sales\n",
        1,
    );
    std::fs::write(&file, y).unwrap_or_else(|e| panic!("{e}"));
    emu.clear_request_log();
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert!(
        emu.flow_id_by_name("Yaml Sales Line", "INBOUNDCALL")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn yaml_creation_crashed_after_the_job_then_recover_finishes() {
    for step in ["publish-requested", "published"] {
        let emu = emulator().await;
        let dir = tempdir();
        let base = emu.base_url().to_owned();
        std::fs::write(dir.path().join("new.yaml"), spanish_yaml("Yaml Crash Line"))
            .unwrap_or_else(|e| panic!("{e}"));
        let o = flowguard_env(
            dir.path(),
            &base,
            &["deploy", "new.yaml"],
            &[("FLOWGUARD_CRASH_AFTER", step)],
        );
        assert_ne!(code(&o), 0, "{step}: should have aborted");
        let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
        let j = json_out(&o);
        assert_eq!(code(&o), 0, "{step}: {j}");
        let id = emu
            .flow_id_by_name("Yaml Crash Line", "INBOUNDCALL")
            .unwrap_or_else(|| panic!("{step}: not created"));
        assert_eq!(j["recovered"][0]["flow_id"], id.as_str(), "{step}: {j}");
        assert_eq!(j["recovered"][0]["outcome"], "deployed", "{step}: {j}");
        assert!(emu.published_version(&id).is_some());
        audit_ok(dir.path());
        let o = flowguard(dir.path(), &base, &["recover"]);
        assert_eq!(code(&o), 0, "{step}: {}", stdout(&o));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_the_create_is_not_sent_twice() {
    let emu = emulator().await;
    let dir = tempdir();
    let config = spanish(&emu, dir.path()).await;
    let file = renamed(dir.path(), &config, "Lost Answer Line", None);
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    emu.set_faults(genesys_emulator::FaultPlan {
        commit_then_5xx_next: 1,
        ..genesys_emulator::FaultPlan::default()
    });
    let r = deploy::deploy(&client, &ctx, &by_name(&file), &NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    let creates = writes(&emu)
        .into_iter()
        .filter(|w| w == "POST /api/v2/flows")
        .count();
    assert_eq!(creates, 1);
    assert!(r.text().contains("not sent twice"), "{}", r.text());
    let id = emu
        .flow_id_by_name("Lost Answer Line", "INBOUNDCALL")
        .unwrap_or_default();
    assert_eq!(r.flow_id, id);
    assert!(emu.published_version(&id).is_some());
    assert!(ctx.journal.all().unwrap_or_default().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_of_a_missing_flow_says_it_would_create_it_and_writes_nothing() {
    let emu = emulator().await;
    let dir = tempdir();
    let config = spanish(&emu, dir.path()).await;
    let file = renamed(dir.path(), &config, "Dry Line", None);
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    emu.clear_request_log();
    let o = deploy::DeployOptions {
        dry_run: true,
        ..by_name(&file)
    };
    let r = deploy::deploy(&client, &ctx, &o, &NoHooks).await;
    assert_eq!(r.outcome, Outcome::DryRun, "{}", r.text());
    assert!(r.text().contains("would be created"), "{}", r.text());
    assert!(writes(&emu).is_empty(), "{:?}", writes(&emu));
    assert!(emu.flow_id_by_name("Dry Line", "INBOUNDCALL").is_none());
}
