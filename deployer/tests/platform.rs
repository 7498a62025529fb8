//! Issue 16: deploys that hold on a real Genesys Cloud org. Each test meets one way
//! the real platform differs from the lenient emulator defaults (`Platform` options,
//! faults that commit before failing, user locks, permissions), and would fail on the
//! deployer before the issue.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use flowguard::deploy::{self, Outcome};
use flowguard::genesys::{
    Client, Credentials, Endpoints, RetryPolicy, Secret, SystemClock, Transport,
};
use flowguard::step::Step;
use genesys_emulator::{
    ALL_PERMISSIONS, ClientConfig, EmulatorConfig, FaultPlan, Platform, RunningEmulator,
};
use serde_json::Value;

const FLOW: &str = FLOW_SPANISH_LINE_ID;

async fn emu(platform: Platform) -> RunningEmulator {
    emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(20),
        platform,
        ..EmulatorConfig::default()
    })
    .await
}

/// An emulator whose only client lacks `without`.
async fn emu_without(platform: Platform, without: &str) -> RunningEmulator {
    let perms: Vec<&str> = ALL_PERMISSIONS
        .iter()
        .copied()
        .filter(|p| *p != without)
        .collect();
    emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(20),
        platform,
        clients: vec![ClientConfig::default_client().with_permissions(perms)],
        ..EmulatorConfig::default()
    })
    .await
}

fn client_for(emu: &RunningEmulator) -> Client {
    let t = Transport::new(
        Endpoints::from_api_base(emu.base_url(), None).unwrap_or_else(|e| panic!("{e}")),
        Credentials {
            client_id: genesys_emulator::DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(genesys_emulator::DEFAULT_CLIENT_SECRET),
        },
        Arc::new(SystemClock),
        RetryPolicy {
            backoff_base: Duration::from_millis(2),
            backoff_max: Duration::from_millis(20),
            ..RetryPolicy::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Client::new(t)
}

/// Fetches the flow (lockfile entry) and writes a changed copy.
async fn prepare(client: &Client, ctx: &flowguard::context::Ctx, dir: &Path) -> std::path::PathBuf {
    let d = flowguard::commands::fetch(client, ctx, FLOW, Some(&dir.join("orig.json"))).await;
    assert_eq!(d.code, 0, "{}", d.text);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("orig.json")).unwrap_or_default())
            .unwrap_or_default();
    write_json(dir, "new.json", &changed(&v, "new"))
}

fn new_calls(emu: &RunningEmulator, path_part: &str) -> usize {
    emu.request_log()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains(path_part))
        .count()
}

// 1. Publish may answer 202 Accepted without a body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_with_a_bodyless_202_publish_is_restored() {
    let emu = emu(Platform::parse("publish-202").unwrap_or_default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
    let r = flowguard::commands::rollback(&client, &ctx, FLOW, None, false, "tester").await;
    assert_eq!(r.outcome, Outcome::Restored, "{}", r.text());
    assert_eq!(r.exit_code, 0, "{}", r.text());
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
}

// 1. The rollback inside a failed deploy, with 202 publishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deploy_rolls_back_with_bodyless_202_publishes() {
    let emu = emu(Platform::parse("publish-202").unwrap_or_default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    // Our version is live, then reading its configuration back fails (five 5xx, the
    // retry budget of one read): the deploy cannot verify and publishes 1.0 again.
    let hooks = At(move |s: Step| {
        if s == Step::Published {
            ctrl.set_faults(FaultPlan {
                burst_5xx: 5,
                ..FaultPlan::default()
            });
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert_eq!(r.exit_code, 4, "{}", r.text());
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
}

// 2. A stale completed operation must not end the wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_completed_operations_do_not_end_the_wait() {
    let emu = emu(Platform::parse("stale-operations").unwrap_or_default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
}

// 2. The wait is bounded and its error names the operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_that_never_ends_is_named() {
    let emu = emulator_with(EmulatorConfig {
        operation_delay: Duration::from_secs(3),
        ..EmulatorConfig::default()
    })
    .await;
    let dir = tempdir();
    let (client, mut ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    ctx.poll.timeout = Duration::from_millis(300);
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_ne!(r.outcome, Outcome::Deployed, "{}", r.text());
    let text = r.messages.join("\n");
    assert!(text.contains("CHECKIN operation"), "{text}");
}

// 3. Verify by meaning: the platform re-serialises and adds bookkeeping on save.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserialised_configurations_verify_by_meaning() {
    let emu = emu(Platform::parse("reserialize").unwrap_or_default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    // Deploy again from a fresh fetch (which now carries the bookkeeping fields).
    let file = prepare(&client, &ctx, dir.path()).await;
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_default())
        .unwrap_or_default();
    v["description"] = Value::String("second change".into());
    let file = write_json(dir.path(), "second.json", &v);
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("3.0"));
}

// 4. Least privilege: no `architect:flow:unlock`, and publishing keeps the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_without_the_unlock_permission_leaves_the_flow_unlocked() {
    let emu = emu_without(
        Platform::parse("publish-keeps-lock").unwrap_or_default(),
        "architect:flow:unlock",
    )
    .await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(emu.lock_holder(FLOW), None, "the flow is left locked");
    assert_eq!(new_calls(&emu, "/actions/unlock"), 0);
}

// 4. A 403 names the missing permission and what to grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_names_the_permission_to_grant() {
    let emu = emu_without(Platform::default(), "architect:flow:edit").await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_ne!(r.outcome, Outcome::Deployed, "{}", r.text());
    let text = r.messages.join("\n");
    assert!(text.contains("architect:flow:edit"), "{text}");
    assert!(text.contains("grant"), "{text}");
    assert_eq!(emu.lock_holder(FLOW), None);
}

// 5. POST versions answered 5xx after it was committed: no second version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_save_answered_with_5xx_is_not_sent_twice() {
    let emu = emu(Platform::default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    let hooks = At(move |s: Step| {
        if s == Step::CheckedOut {
            ctrl.set_faults(FaultPlan {
                commit_then_5xx_next: 1,
                ..FaultPlan::default()
            });
        }
    });
    let before = emu.versions(FLOW).len();
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(emu.versions(FLOW).len(), before + 1, "one version, not two");
    assert_eq!(new_calls(&emu, "/versions"), 1);
}

// 5. Checkin and publish answered 5xx after they were committed: not repeated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_checkin_and_publish_answered_with_5xx_are_not_repeated() {
    for step in [Step::VersionSaved, Step::Relocked] {
        let emu = emu(Platform::default()).await;
        let dir = tempdir();
        let (client, ctx) = (client_for(&emu), ctx(dir.path()));
        let file = prepare(&client, &ctx, dir.path()).await;
        let ctrl = emu.control();
        let hooks = At(move |s: Step| {
            if s == step {
                ctrl.set_faults(FaultPlan {
                    commit_then_5xx_next: 1,
                    ..FaultPlan::default()
                });
            }
        });
        let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
        assert_eq!(r.outcome, Outcome::Deployed, "{step}: {}", r.text());
        let action = if step == Step::Relocked {
            "publish"
        } else {
            "checkin"
        };
        assert_eq!(
            emu.request_log()
                .iter()
                .filter(|r| r.path.ends_with(&format!("/actions/{action}")))
                .count(),
            1,
            "{step}: {action} sent once"
        );
    }
}

// 6. A journal write that fails stops the deploy before the next API write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_journal_write_stops_the_deploy() {
    let emu = emu(Platform::default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let journal_dir = ctx.journal.dir.clone();
    // After the first journal write, the journal directory becomes a regular file:
    // every later write fails (as root, permissions would not stop it).
    let hooks = At(move |s: Step| {
        if s == Step::Journaled {
            let _ = std::fs::remove_dir_all(&journal_dir);
            let _ = std::fs::write(&journal_dir, b"not a directory");
        }
    });
    let before = emu.versions(FLOW).len();
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert_eq!(r.exit_code, 2);
    assert!(r.messages.join("\n").contains("journal"), "{}", r.text());
    assert_eq!(new_calls(&emu, "/actions/checkout"), 0, "nothing written");
    assert_eq!(emu.versions(FLOW).len(), before);
    assert_eq!(emu.lock_holder(FLOW), None);
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
}

const SPANISH_AS_INQUEUE: &str = "inQueueCall:\n  name: Spanish Line\n  description: wrong type\n  startUpRef: \"/inQueueCall/tasks/task[wait]\"\n  tasks:\n    - task:\n        name: Wait\n        refId: wait\n        actions:\n          - disconnect:\n              name: Bye\n";

// 7. Same name, another type: a refusal, never a stray new flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_of_another_flow_type_is_refused() {
    let emu = emu(Platform::default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = dir.path().join("spanish.yaml");
    std::fs::write(&file, SPANISH_AS_INQUEUE).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert!(r.messages.join("\n").contains("type"), "{}", r.text());
    assert_eq!(emu.flow_id_by_name("Spanish Line", "INQUEUECALL"), None);
    assert_eq!(new_calls(&emu, "/flows/jobs"), 0);
}

/// The Spanish Line's YAML (seed) with one more prompt word.
fn spanish_yaml() -> String {
    let sf = genesys_emulator::seed::seed_flows()
        .into_iter()
        .find(|f| f.id == FLOW)
        .unwrap_or_else(|| panic!("seed"));
    let y = sf.versions.last().copied().unwrap_or_default().to_owned();
    y.replacen("description:", "description: changed -", 1)
}

// 7. Our publish is recognised from the import job, not from createdByClient.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_deploy_is_recognised_from_the_job_result() {
    let emu = emu(Platform::parse("import-anonymous").unwrap_or_default()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = dir.path().join("spanish.yaml");
    std::fs::write(&file, spanish_yaml()).unwrap_or_else(|e| panic!("{e}"));
    let r = deploy::deploy(&client, &ctx, &opts(&file), &deploy::NoHooks).await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
}

// 8. A person holds the lock in Architect: refused, with who and since when.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_lock_is_refused_with_who_holds_it_end_to_end() {
    let emu = emu(Platform::strict()).await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let out = flowguard(
        dir.path(),
        &base,
        &["fetch", "--flow", FLOW, "-o", "orig.json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("orig.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    write_json(dir.path(), "new.json", &changed(&v, "user lock"));
    emu.checkout_as_user(FLOW, "9f0e1d2c-3b4a-4958-8776-655443322110", "Dana Reyes")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = flowguard(dir.path(), &base, &["deploy", "new.json", "--flow", FLOW]);
    assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("Dana Reyes"), "{text}");
    assert!(
        text.contains("9f0e1d2c-3b4a-4958-8776-655443322110"),
        "{text}"
    );
    assert!(text.contains("since"), "{text}");
    assert!(text.contains("Architect"), "{text}");
    assert_eq!(
        emu.lock_holder(FLOW).as_deref(),
        Some("9f0e1d2c-3b4a-4958-8776-655443322110")
    );
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
}

// The strict profile end to end: every platform option on, a client without
// `architect:flow:unlock`, deploy then rollback through the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_profile_deploy_and_rollback_end_to_end() {
    let emu = emu_without(Platform::strict(), "architect:flow:unlock").await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let out = flowguard(
        dir.path(),
        &base,
        &["fetch", "--flow", FLOW, "-o", "orig.json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("orig.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    write_json(dir.path(), "new.json", &changed(&v, "strict"));
    let out = flowguard(dir.path(), &base, &["deploy", "new.json", "--flow", FLOW]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
    assert_eq!(emu.lock_holder(FLOW), None);
    let out = flowguard(dir.path(), &base, &["rollback", "--flow", FLOW]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
    assert_eq!(emu.lock_holder(FLOW), None);
}

// The 409 for missing dependencies on publish: nothing published, our lock released,
// the previous version still live, and the message says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_refused_for_missing_dependencies_leaves_the_old_version() {
    let emu = emu_without(Platform::strict(), "architect:flow:unlock").await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = prepare(&client, &ctx, dir.path()).await;
    let ctrl = emu.control();
    let hooks = At(move |s: Step| {
        if s == Step::Relocked {
            ctrl.set_faults(FaultPlan {
                missing_dependencies_next: 1,
                ..FaultPlan::default()
            });
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::RolledBack, "{}", r.text());
    assert_eq!(r.exit_code, 4);
    assert!(
        r.messages.join("\n").contains("missing.dependencies"),
        "{}",
        r.text()
    );
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
    assert_eq!(emu.lock_holder(FLOW), None);
}

// 5. The import job's registration answered with a 5xx after it was committed: not
// registered twice, nothing uploaded, the org unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_job_registration_answered_with_5xx_is_not_repeated() {
    let emu = emu(Platform::strict()).await;
    let dir = tempdir();
    let (client, ctx) = (client_for(&emu), ctx(dir.path()));
    let file = dir.path().join("spanish.yaml");
    std::fs::write(&file, spanish_yaml()).unwrap_or_else(|e| panic!("{e}"));
    let ctrl = emu.control();
    let hooks = At(move |s: Step| {
        if s == Step::Journaled {
            ctrl.set_faults(FaultPlan {
                commit_then_5xx_next: 1,
                ..FaultPlan::default()
            });
        }
    });
    let r = deploy::deploy(&client, &ctx, &opts(&file), &hooks).await;
    assert_eq!(r.outcome, Outcome::Failed, "{}", r.text());
    assert_eq!(new_calls(&emu, "/flows/jobs"), 1, "registered once");
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
    assert!(!ctx.journal.path_of(FLOW).exists());
}
