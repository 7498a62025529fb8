//! Deploy paths against the emulator, in process (precise fault timing through hooks).
//! Every test ends by asserting the published version is exactly the old or the new one
//! and that the audit log holds the record.

mod common;

use std::path::Path;
use std::sync::Mutex;

use common::*;
use flowguard::deploy::{self, NoHooks, Outcome};
use flowguard::step::Step;
use genesys_emulator::{EmulatorControl, FaultPlan, OTHER_CLIENT_ID};
use serde_json::Value;

const FLOW: &str = FLOW_SPANISH_LINE_ID;

/// Fetches the flow (lockfile entry) and writes a changed copy.
async fn prepare(
    client: &flowguard::genesys::Client,
    ctx: &flowguard::context::Ctx,
    dir: &Path,
) -> std::path::PathBuf {
    let d = flowguard::commands::fetch(client, ctx, FLOW, Some(&dir.join("orig.json"))).await;
    assert_eq!(d.code, 0, "{}", d.text);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("orig.json")).unwrap_or_default())
            .unwrap_or_default();
    write_json(dir, "new.json", &changed(&v, "new"))
}

fn assert_end(ctrl: &EmulatorControl, dir: &Path, expect: &str, outcome: &str) {
    assert_eq!(ctrl.published_version(FLOW).as_deref(), Some(expect));
    let recs = audit_records(dir);
    let last = recs.last().unwrap_or_else(|| panic!("no audit record"));
    assert_eq!(last["outcome"], outcome, "{last}");
    audit_ok(dir);
    assert!(
        ctrl.lock_holder(FLOW).is_none()
            || ctrl.lock_holder(FLOW).as_deref() == Some(OTHER_CLIENT_ID)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_then_no_change() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(r.exit_code, 0);
    assert_end(&emu.control(), dir.path(), "2.0", "deployed");
    let rec = audit_records(dir.path()).pop().unwrap_or_default();
    assert_eq!(rec["audit_trail"]["previous_version"], "1.0");
    assert_eq!(rec["audit_trail"]["new_version"], "2.0");
    assert_eq!(rec["audit_trail"]["operator_id"], "tester");
    assert!(uuid::Uuid::parse_str(rec["event_id"].as_str().unwrap_or("")).is_ok());
    assert!(
        !rec["correlation_ids"]
            .as_array()
            .map(Vec::is_empty)
            .unwrap_or(true)
    );
    // Same file again: nothing to publish.
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::NoChange, "{}", r.text());
    assert_end(&emu.control(), dir.path(), "2.0", "no-change");
    assert!(!ctx.journal.path_of(FLOW).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_by_another_client_is_refused_then_forced() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    emu.checkout_as(FLOW, OTHER_CLIENT_ID)
        .unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    assert_eq!(r.exit_code, 3);
    assert_eq!(emu.lock_holder(FLOW).as_deref(), Some(OTHER_CLIENT_ID));
    assert_end(&emu.control(), dir.path(), "1.0", "conflict");
    let mut o = opts(&file);
    o.force_unlock = true;
    let r = deploy::deploy(&client, &ctx, &o, &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_end(&emu.control(), dir.path(), "2.0", "deployed");
    let rec = audit_records(dir.path()).pop().unwrap_or_default();
    assert_eq!(rec["details"]["forced_unlock"], true);
    assert_eq!(rec["action"], "deploy (force-unlock)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_moved_since_fetch_is_a_conflict() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let theirs = emu
        .publish_new_version_as(FLOW, OTHER_CLIENT_ID, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    assert_end(&emu.control(), dir.path(), &theirs, "conflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edit_after_checkout_is_refused_and_nothing_written() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    let c2 = ctrl.clone();
    // Another client publishes between our plan and our checkout.
    let hooks = At(move |s: Step| {
        if s == Step::Journaled {
            let _ = c2.publish_new_version_as(FLOW, OTHER_CLIENT_ID, None);
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    assert_eq!(ctrl.versions(FLOW).len(), 2, "no version of ours was saved");
    assert_end(&ctrl, dir.path(), "2.0", "conflict");
    assert!(ctrl.lock_holder(FLOW).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_by_another_party_after_checkin_is_never_overwritten() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    let c2 = ctrl.clone();
    let theirs = Mutex::new(None);
    let hooks = At(|s: Step| {
        if s == Step::CheckedIn {
            *theirs.lock().unwrap_or_else(|e| e.into_inner()) =
                c2.publish_new_version_as(FLOW, OTHER_CLIENT_ID, None).ok();
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    let t = theirs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default();
    assert_end(&ctrl, dir.path(), &t, "conflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_publish_request_leaves_the_old_version() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    let c2 = ctrl.clone();
    // Five 5xx in a row: the publish request exhausts its retries.
    let hooks = At(move |s: Step| {
        if s == Step::Relocked {
            c2.set_faults(FaultPlan {
                burst_5xx: 5,
                ..FaultPlan::default()
            });
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert_eq!(r.exit_code, 4);
    assert_end(&ctrl, dir.path(), "1.0", "rolled-back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_after_publish_rolls_back_to_the_previous_version() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    let c2 = ctrl.clone();
    // The publish goes through, then verification cannot read the flow (5 × 5xx).
    let hooks = At(move |s: Step| {
        if s == Step::PublishRequested {
            c2.set_faults(FaultPlan {
                burst_5xx: 6,
                ..FaultPlan::default()
            });
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert!(
        r.messages.iter().any(|m| m.contains("rolled back")),
        "{}",
        r.text()
    );
    assert_end(&ctrl, dir.path(), "1.0", "rolled-back");
    let kinds: Vec<&str> = ctrl.versions(FLOW).iter().map(|v| v.kind).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried() {
    // 429 bursts, 5xx, dropped responses and expired tokens: the deploy still lands once.
    for plan in [
        FaultPlan {
            burst_429: 3,
            retry_after_secs: 0,
            ..FaultPlan::default()
        },
        FaultPlan {
            burst_5xx: 3,
            ..FaultPlan::default()
        },
        FaultPlan {
            drop_next: 2,
            ..FaultPlan::default()
        },
        FaultPlan {
            expire_tokens_after: Some(4),
            ..FaultPlan::default()
        },
        FaultPlan {
            seed: 7,
            rate_429: 0.1,
            rate_5xx: 0.1,
            retry_after_secs: 0,
            ..FaultPlan::default()
        },
    ] {
        let emu = emulator().await;
        let dir = tempdir();
        let (client, ctx) = (client(&emu), ctx(dir.path()));
        let file = prepare(&client, &ctx, dir.path()).await;
        emu.set_faults(plan.clone());
        let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
        assert_eq!(r.outcome, Outcome::Deployed, "{plan:?}: {}", r.text());
        assert_end(&emu.control(), dir.path(), "2.0", "deployed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_block_and_are_audited() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let d = flowguard::commands::fetch(
        &client,
        &ctx,
        FLOW_LOOP_LINE_ID,
        Some(&dir.path().join("loop.json")),
    )
    .await;
    assert_eq!(d.code, 0);
    let mut o = opts(&dir.path().join("loop.json"));
    o.flow_id = FLOW_LOOP_LINE_ID.into();
    let r = deploy::deploy(&client, &ctx, &o, &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Refused, "{}", r.text());
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.api_calls, 0);
    let rec = audit_records(dir.path()).pop().unwrap_or_default();
    assert_eq!(rec["validation_status"], "failed");
    audit_ok(dir.path());
    assert_eq!(
        emu.published_version(FLOW_LOOP_LINE_ID).as_deref(),
        Some("1.0")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_clock_makes_429_waits_instant() {
    let emu = emulator().await;
    let (client, clock) = fake_clock_client(&emu);
    emu.set_faults(FaultPlan {
        burst_429: 2,
        retry_after_secs: 30,
        ..FaultPlan::default()
    });
    let f = client
        .get_flow(FLOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.published_id(), Some("1.0"));
    let sleeps = clock.sleeps();
    assert_eq!(sleeps, vec![std::time::Duration::from_secs(30); 2]);
    assert_eq!(client.transport.stats().responses_429, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_409_is_not_retried() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.checkout_as(FLOW, OTHER_CLIENT_ID)
        .unwrap_or_else(|e| panic!("{e}"));
    let before = client.transport.stats().api_requests;
    let e = client
        .checkout(FLOW)
        .await
        .err()
        .unwrap_or_else(|| panic!("checkout should fail"));
    assert!(e.is_code("architect.flow.locked.by.user"), "{e}");
    assert_eq!(client.transport.stats().api_requests - before, 1);
    assert!(e.correlation_id.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_deploys_through_the_import_job() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let yaml = "inboundCall:\n  name: Spanish Line\n  startUpRef: \"/inboundCall/tasks/task[main]\"\n  defaultLanguage: en-us\n  tasks:\n    - task:\n        name: Main\n        refId: main\n        actions:\n          - transferToAcd:\n              name: To Spanish\n              targetQueue:\n                lit:\n                  name: Spanish\n          - disconnect:\n              name: Bye\n";
    let file = dir.path().join("spanish.yaml");
    std::fs::write(&file, yaml).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_end(&emu.control(), dir.path(), "2.0", "deployed");
    // Same YAML again: no change.
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::NoChange, "{}", r.text());
    // Locked by someone else: the lock pre-check refuses before any job.
    std::fs::write(&file, yaml.replace("Bye", "Goodbye")).unwrap_or_else(|e| panic!("{e}"));
    emu.checkout_as(FLOW, OTHER_CLIENT_ID)
        .unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Conflict, "{}", r.text());
    assert_end(&emu.control(), dir.path(), "2.0", "conflict");
    // A YAML the importer rejects (unknown queue): job messages verbatim, nothing changes.
    emu.unlock(FLOW).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&file, yaml.replace("name: Spanish\n", "name: Nowhere\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert!(!r.job_messages.is_empty(), "{}", r.text());
    assert_end(&emu.control(), dir.path(), "2.0", "rolled-back");
}

/// The platform accepts the publish request, then the publish Operation ends in FAILURE:
/// nothing new is live, the draft is cleaned up and the deploy reports a rolled-back
/// failure, leaving the old version published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_operation_failing_on_the_server_leaves_the_old_version() {
    let emu = emulator().await;
    let dir = tempdir();
    let (client, ctx) = (client(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    ctrl.set_faults(FaultPlan {
        fail_publish_next: 1,
        ..FaultPlan::default()
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &NoHooks).await;
    assert_eq!(r.exit_code, 4, "{}", r.text());
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert_end(&ctrl, dir.path(), "1.0", "rolled-back");
}
