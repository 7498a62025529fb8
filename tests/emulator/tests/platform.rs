//! Platform options (`Platform`, the strict profile) and the faults that model the
//! real platform's ways: 202 publishes, stale operations, re-serialised saves, user
//! locks, writes committed before a 5xx, missing dependencies, anonymous imports.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use genesys_emulator::{EmulatorConfig, FaultPlan, Platform, seed};
use serde_json::json;

const FLOW: &str = seed::FLOW_SPANISH_LINE_ID;

fn with(platform: Platform) -> EmulatorConfig {
    EmulatorConfig {
        platform,
        ..slow_config()
    }
}

#[tokio::test]
async fn publish_can_answer_202_without_a_body() {
    let emu = start(with(Platform::parse("publish-202").unwrap())).await;
    let api = Api::default_client(&emu).await;
    let r = api
        .post(
            &format!("/api/v2/flows/actions/publish?flow={FLOW}&version=1.0"),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 202);
    assert!(r.body.is_null(), "{}", r.body);
    assert!(emu.operation_running(FLOW));
}

#[tokio::test]
async fn stale_completed_operations_show_until_ours_is_visible() {
    let emu = start(with(Platform::parse("stale-operations").unwrap())).await;
    let api = Api::default_client(&emu).await;
    let f = api.get(&format!("/api/v2/flows/{FLOW}")).await.body;
    assert_eq!(f["currentOperation"]["actionName"], "VALIDATE");
    assert_eq!(f["currentOperation"]["complete"], true);
    let stale_id = f["currentOperation"]["id"].clone();
    let op = api.action("publish", FLOW).await.body;
    assert_eq!(op["actionName"], "PUBLISH");
    // Right after the action, the old completed operation is still shown.
    let f = api.get(&format!("/api/v2/flows/{FLOW}")).await.body;
    assert_eq!(f["currentOperation"]["id"], stale_id);
    settle_flow(&emu, FLOW).await;
    let f = api.get(&format!("/api/v2/flows/{FLOW}")).await.body;
    assert_eq!(f["currentOperation"]["id"], op["id"]);
    assert_eq!(f["currentOperation"]["actionStatus"], "SUCCESS");
}

#[tokio::test]
async fn saves_are_reserialised_with_bookkeeping() {
    let emu = start(with(Platform::parse("reserialize").unwrap())).await;
    let api = Api::default_client(&emu).await;
    api.action("checkout", FLOW).await;
    let cfg = json!({"name": "Spanish Line", "flowVersion": "1.0", "b": 1, "a": [1, 2]});
    let v = api
        .post(&format!("/api/v2/flows/{FLOW}/versions"), Some(cfg))
        .await
        .body;
    let back = api
        .get(&format!(
            "/api/v2/flows/{FLOW}/versions/{}/configuration",
            v["id"].as_str().unwrap()
        ))
        .await
        .body;
    assert_eq!(back["flowVersion"], v["id"]);
    assert!(back["dateSaved"].is_i64());
    assert_eq!(back["a"], json!([1, 2]));
}

#[tokio::test]
async fn a_user_lock_shows_as_locked_user_and_refuses_others() {
    let emu = start(config()).await;
    emu.checkout_as_user(FLOW, "user-1", "Dana Reyes").unwrap();
    let api = Api::default_client(&emu).await;
    let f = api.get(&format!("/api/v2/flows/{FLOW}")).await.body;
    assert_eq!(f["lockedUser"]["name"], "Dana Reyes");
    assert!(f.get("lockedClient").is_none());
    api.action("checkout", FLOW)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
    api.action("publish", FLOW)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
}

#[tokio::test]
async fn a_write_can_be_committed_then_answered_with_5xx() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    api.action("checkout", FLOW).await;
    emu.set_faults(FaultPlan::parse("5xx-after-commit-next=1").unwrap());
    let before = emu.versions(FLOW).len();
    let r = api
        .post(
            &format!("/api/v2/flows/{FLOW}/versions"),
            Some(json!({"name": "x"})),
        )
        .await;
    assert!(r.status.is_server_error(), "{}", r.status);
    assert_eq!(
        emu.versions(FLOW).len(),
        before + 1,
        "the save was committed"
    );
    // Reads are never affected.
    assert!(
        api.get(&format!("/api/v2/flows/{FLOW}"))
            .await
            .status
            .is_success()
    );
}

#[tokio::test]
async fn publish_can_be_refused_for_missing_dependencies() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.set_faults(FaultPlan::parse("missing-deps=1").unwrap());
    api.action("publish", FLOW)
        .await
        .assert_error(409, "architect.flow.cannot.publish.missing.dependencies");
    assert_eq!(api.action("publish", FLOW).await.status.as_u16(), 200);
}

#[tokio::test]
async fn strict_turns_everything_on() {
    let p = Platform::strict();
    assert!(p.publish_accepted_without_body);
    assert!(p.stale_operations);
    assert!(p.reserialize_on_save);
    assert!(p.import_versions_without_client);
    assert!(p.publish_keeps_lock);
    assert_eq!(EmulatorConfig::strict().platform, p);
}
