//! The binary: exit codes, JSON output, crash safety with `recover`, secrets, events.

mod common;

use common::*;
use flowguard::deploy::STEPS;
use serde_json::Value;

const FLOW: &str = FLOW_SPANISH_LINE_ID;

fn prepare(dir: &std::path::Path, base: &str) {
    let o = flowguard(
        dir,
        base,
        &[
            "fetch",
            "--flow",
            FLOW,
            "-o",
            "orig.json",
            "--output",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json_out(&o);
    assert_eq!(j["lockfile_entry"]["published_version"], "1.0");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("orig.json")).unwrap_or_default())
            .unwrap_or_default();
    write_json(dir, "new.json", &changed(&v, "cli"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn crash_at_every_step_then_recover() {
    for step in STEPS {
        let emu = emulator().await;
        let dir = tempdir();
        let base = emu.base_url().to_owned();
        prepare(dir.path(), &base);
        let o = flowguard_env(
            dir.path(),
            &base,
            &["deploy", "new.json", "--flow", FLOW],
            &[("FLOWGUARD_CRASH_AFTER", step.name())],
        );
        assert_ne!(code(&o), 0, "{step}: the process should have aborted");
        let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
        let j = json_out(&o);
        assert!([0, 4].contains(&code(&o)), "{step}: {j}");
        let published = emu.published_version(FLOW).unwrap_or_default();
        assert!(
            published == "1.0" || published == "2.0",
            "{step}: published {published}"
        );
        assert!(emu.lock_holder(FLOW).is_none(), "{step}: lock left behind");
        assert!(!emu.operation_running(FLOW));
        let recs = audit_records(dir.path());
        assert_eq!(
            recs.last().map(|r| r["action"].clone()),
            Some(Value::from("recover")),
            "{step}"
        );
        audit_ok(dir.path());
        // A second recover has nothing to do; a new deploy works.
        let o = flowguard(dir.path(), &base, &["recover"]);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).contains("nothing to recover"));
        let o = flowguard(
            dir.path(),
            &base,
            &["deploy", "new.json", "--flow", FLOW, "--output", "json"],
        );
        let j = json_out(&o);
        assert!(
            ["deployed", "no-change"].contains(&j["outcome"].as_str().unwrap_or("")),
            "{step}: {j}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_json() {
    let emu = emulator().await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    prepare(dir.path(), &base);
    // Plan shows a change; dry run writes nothing.
    let o = flowguard(
        dir.path(),
        &base,
        &["plan", "new.json", "--flow", FLOW, "--output", "json"],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(json_out(&o)["no_changes"], false);
    let o = flowguard(dir.path(), &base, &["plan", "orig.json", "--flow", FLOW]);
    assert!(stdout(&o).contains("no changes"), "{}", stdout(&o));
    let o = flowguard(
        dir.path(),
        &base,
        &[
            "deploy",
            "new.json",
            "--flow",
            FLOW,
            "--dry-run",
            "--output",
            "json",
        ],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(json_out(&o)["outcome"], "dry-run");
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
    // Lock held elsewhere: 3.
    emu.checkout_as(FLOW, genesys_emulator::OTHER_CLIENT_ID)
        .unwrap_or_else(|e| panic!("{e}"));
    let o = flowguard(dir.path(), &base, &["deploy", "new.json", "--flow", FLOW]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    emu.unlock(FLOW).unwrap_or_else(|e| panic!("{e}"));
    // Deploy: 0, then rollback to 1.0: 0.
    let o = flowguard(
        dir.path(),
        &base,
        &[
            "deploy",
            "new.json",
            "--flow",
            FLOW,
            "--operator",
            "alice",
            "--output",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json_out(&o)["new_version"], "2.0");
    let o = flowguard(
        dir.path(),
        &base,
        &["rollback", "--flow", FLOW, "--output", "json"],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json_out(&o)["outcome"], "restored");
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("1.0"));
    let o = flowguard(
        dir.path(),
        &base,
        &["rollback", "--flow", FLOW, "--to-version", "2.0"],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
    // Flow JSON cannot be deployed: 2.
    std::fs::write(
        dir.path().join("flow.json"),
        r#"{"nodes": [{"id": "a", "type": "disconnect"}], "start": "a"}"#,
    )
    .unwrap_or_default();
    let o = flowguard(dir.path(), &base, &["deploy", "flow.json", "--flow", FLOW]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("cannot import"), "{}", stdout(&o));
    // A looped flow: 1.
    let o = flowguard(
        dir.path(),
        &base,
        &["fetch", "--flow", "Loop Line", "-o", "loop.json"],
    );
    assert_eq!(code(&o), 0);
    let o = flowguard(
        dir.path(),
        &base,
        &["deploy", "loop.json", "--flow", FLOW_LOOP_LINE_ID],
    );
    assert_eq!(code(&o), 1);
    // Audit: show and verify; tampering is caught with its line.
    let o = flowguard(dir.path(), &base, &["audit", "show", "--output", "json"]);
    assert!(
        json_out(&o)["records"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
            >= 6
    );
    let o = flowguard(dir.path(), &base, &["audit", "verify"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let log = dir.path().join(".flowguard/audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    std::fs::write(&log, text.replacen("alice", "mallory", 1)).unwrap_or_default();
    let o = flowguard(dir.path(), &base, &["audit", "verify", "--output", "json"]);
    assert_eq!(code(&o), 3);
    assert!(json_out(&o)["first_bad_line"].as_u64().is_some());
    // Bad usage and unknown regions: 2; plain HTTP off loopback is refused.
    let o = flowguard(dir.path(), &base, &["deploy"]);
    assert_eq!(code(&o), 2);
    let o = flowguard_env(
        dir.path(),
        "http://example.com",
        &["fetch", "--flow", FLOW],
        &[],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("HTTPS"), "{}", stderr(&o));
    // validate --org: FG050 for a queue the org lacks.
    let cfg = std::fs::read_to_string(dir.path().join("orig.json"))
        .unwrap_or_default()
        .replace("\"Spanish\"", "\"Klingon\"");
    std::fs::write(dir.path().join("bad-queue.json"), cfg).unwrap_or_default();
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
            "bad-queue.json",
            "orig.json",
        ],
    );
    assert!(stdout(&o).contains("FG050"), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_never_leaks() {
    const CANARY: &str = "canary-Secret-93f1c2";
    let emu = emulator_with(genesys_emulator::EmulatorConfig {
        clients: vec![genesys_emulator::ClientConfig::new("canary-client", CANARY)],
        operation_delay: std::time::Duration::from_millis(20),
        ..Default::default()
    })
    .await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let env = [
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "canary-client"),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", CANARY),
    ];
    let mut all = String::new();
    for args in [
        vec!["fetch", "--flow", FLOW, "-o", "orig.json", "-v"],
        vec![
            "deploy",
            "orig.json",
            "--flow",
            FLOW,
            "-v",
            "--output",
            "json",
        ],
        vec!["rollback", "--flow", FLOW, "--to-version", "1.0", "-v"],
    ] {
        let o = flowguard_env(dir.path(), &base, &args, &env);
        all.push_str(&stdout(&o));
        all.push_str(&stderr(&o));
    }
    // A wrong secret: the error must not echo what was sent.
    let o = flowguard_env(
        dir.path(),
        &base,
        &["fetch", "--flow", FLOW],
        &[
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "canary-client"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "canary-Secret-WRONG"),
        ],
    );
    assert_eq!(code(&o), 2);
    all.push_str(&stdout(&o));
    all.push_str(&stderr(&o));
    for entry in walk(dir.path()) {
        all.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
    }
    assert!(!all.contains(CANARY), "the secret leaked");
    assert!(
        !all.contains("canary-Secret-WRONG"),
        "the wrong secret leaked"
    );
    assert!(
        all.contains("correlation id"),
        "verbose logging shows correlation ids"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_exported_and_kept_when_the_webhook_fails() {
    use std::sync::{Arc, Mutex};
    let emu = emulator().await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    // A webhook that fails until switched on.
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (g, u) = (got.clone(), up.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let (g, u) = (g.clone(), u.clone());
            async move {
                if !u.load(std::sync::atomic::Ordering::SeqCst) {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                g.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(serde_json::from_slice(&body).unwrap_or_default());
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hook = format!(
        "http://{}/hook",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    prepare(dir.path(), &base);
    let o = flowguard(
        dir.path(),
        &base,
        &["deploy", "new.json", "--flow", FLOW, "--events-url", &hook],
    );
    assert_eq!(
        code(&o),
        0,
        "the deploy succeeds even when the export fails: {}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("pending"), "{}", stdout(&o));
    assert_eq!(emu.published_version(FLOW).as_deref(), Some("2.0"));
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    let o = flowguard(
        dir.path(),
        &base,
        &["audit", "export", "--events-url", &hook, "--output", "json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json_out(&o)["sent"], 1);
    let events = got.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["specversion"], "1.0");
    assert_eq!(events[0]["type"], "com.flowguard.flow.deployed");
    assert_eq!(events[0]["data"]["flow_id"], FLOW);
    let o = flowguard(
        dir.path(),
        &base,
        &["audit", "export", "--events-url", &hook, "--output", "json"],
    );
    assert_eq!(json_out(&o)["sent"], 0);
    audit_ok(dir.path());
}
