//! Every fault kind, and determinism from the seed.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use genesys_emulator::{
    EmulatorConfig, FaultPlan, Interference, InterferenceAction, OTHER_CLIENT_ID, seed,
};
use serde_json::json;

#[tokio::test]
async fn burst_of_429_with_retry_after() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.set_faults(FaultPlan {
        burst_429: 2,
        retry_after_secs: 3,
        ..FaultPlan::default()
    });
    for _ in 0..2 {
        let r = api.get("/api/v2/flows").await;
        r.assert_error(429, "too.many.requests");
        assert_eq!(r.header("retry-after"), Some("3"));
        assert!(r.header("inin-ratelimit-count").is_some());
    }
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    let faults: Vec<_> = emu
        .request_log()
        .into_iter()
        .filter_map(|r| r.fault)
        .collect();
    assert_eq!(faults, ["injected 429", "injected 429"]);
}

#[tokio::test]
async fn server_errors() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.set_faults(FaultPlan {
        burst_5xx: 3,
        ..FaultPlan::default()
    });
    for _ in 0..3 {
        let r = api.get("/api/v2/flows").await;
        assert!(
            [500, 503, 504].contains(&r.status.as_u16()),
            "{:?}",
            r.status
        );
        assert_schema("ErrorBody", &r.body);
    }
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    // A rejected request has no effect.
    emu.set_faults(FaultPlan {
        burst_5xx: 1,
        ..FaultPlan::default()
    });
    let r = api.action("checkout", seed::FLOW_MAIN_IVR_ID).await;
    assert!(r.status.is_server_error());
    assert_eq!(emu.lock_holder(seed::FLOW_MAIN_IVR_ID), None);
}

#[tokio::test]
async fn latency() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.set_faults(FaultPlan {
        latency: Duration::from_millis(150),
        ..FaultPlan::default()
    });
    let t = Instant::now();
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    emu.clear_faults();
    let t = Instant::now();
    api.get("/api/v2/flows").await;
    assert!(t.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn dropped_connection_after_the_request_took_effect() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.set_faults(FaultPlan {
        drop_next: 1,
        ..FaultPlan::default()
    });
    let err = api
        .try_call(
            reqwest::Method::POST,
            &format!(
                "/api/v2/flows/actions/checkout?flow={}",
                seed::FLOW_MAIN_IVR_ID
            ),
            None,
        )
        .await;
    assert!(err.is_err(), "the response must be cut off: {err:?}");
    // The checkout happened anyway: the client must cope with that on retry.
    assert_eq!(
        emu.lock_holder(seed::FLOW_MAIN_IVR_ID).as_deref(),
        Some(genesys_emulator::DEFAULT_CLIENT_ID)
    );
    assert_eq!(
        api.action("checkout", seed::FLOW_MAIN_IVR_ID).await.status,
        200
    );
    let log = emu.request_log();
    assert!(log.iter().any(|r| r.fault.as_deref() == Some("dropped")));
}

#[tokio::test]
async fn token_expiry_now_and_after_n_requests() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.expire_all_tokens();
    api.get("/api/v2/flows")
        .await
        .assert_error(401, "credentials.expired");
    let api = Api::default_client(&emu).await;
    emu.set_faults(FaultPlan {
        expire_tokens_after: Some(2),
        ..FaultPlan::default()
    });
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    api.get("/api/v2/flows")
        .await
        .assert_error(401, "credentials.expired");
    let api = Api::default_client(&emu).await;
    assert_eq!(
        api.get("/api/v2/flows").await.status,
        200,
        "expiry fires once"
    );
}

#[tokio::test]
async fn another_client_takes_the_lock() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let id = seed::FLOW_MAIN_IVR_ID;
    emu.set_faults(FaultPlan {
        interference: vec![Interference {
            after_requests: 1,
            action: InterferenceAction::TakeLock {
                flow_id: id.into(),
                client_id: OTHER_CLIENT_ID.into(),
            },
        }],
        ..FaultPlan::default()
    });
    let before = api.get(&format!("/api/v2/flows/{id}")).await.body;
    assert!(before.get("lockedClient").is_none());
    api.action("checkout", id)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
    let flow = api.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(flow["lockedClient"]["id"], OTHER_CLIENT_ID);
    assert_eq!(flow["lockedClient"]["name"], "Another OAuth Client");
    // Directly, too.
    emu.checkout_as(seed::FLOW_SPANISH_LINE_ID, OTHER_CLIENT_ID)
        .unwrap();
    api.action("publish", seed::FLOW_SPANISH_LINE_ID)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
}

#[tokio::test]
async fn another_client_publishes_between_two_calls() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let id = seed::FLOW_MAIN_IVR_ID;
    emu.set_faults(FaultPlan::parse(&format!("publish={id}@1")).unwrap());
    let first = api.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(first["publishedVersion"]["id"], "2.0");
    let second = api.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(second["publishedVersion"]["id"], "3.0");
    assert_eq!(
        second["publishedVersion"]["createdByClient"]["id"],
        OTHER_CLIENT_ID
    );
    // Direct control, with a configuration of our choosing.
    let v = emu
        .publish_new_version_as(
            id,
            OTHER_CLIENT_ID,
            Some(json!({"name": "Main IVR", "x": 1})),
        )
        .unwrap();
    assert_eq!(v, "4.0");
    assert_eq!(
        api.get(&format!("/api/v2/flows/{id}/latestconfiguration"))
            .await
            .body["x"],
        1
    );
    // Refused like the API would when someone else holds the lock.
    api.action("checkout", id).await;
    let err = emu
        .publish_new_version_as(id, OTHER_CLIENT_ID, None)
        .unwrap_err();
    assert_eq!(err.code, "architect.flow.locked.by.user");
}

#[tokio::test]
async fn random_faults_are_deterministic_from_the_seed() {
    async fn statuses(spec: &str) -> Vec<u16> {
        let emu = start(EmulatorConfig {
            faults: FaultPlan::parse(spec).unwrap(),
            ..config()
        })
        .await;
        let api = Api::default_client(&emu).await;
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(api.get("/api/v2/routing/queues").await.status.as_u16());
        }
        out
    }
    let a = statuses("seed=42,429=0.2,5xx=0.2").await;
    assert_eq!(a, statuses("seed=42,429=0.2,5xx=0.2").await);
    assert!(
        a.contains(&429) && a.contains(&200) && a.iter().any(|s| *s >= 500),
        "{a:?}"
    );
    assert_ne!(a, statuses("seed=43,429=0.2,5xx=0.2").await);
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let base = emu.base_url();
    let r = http()
        .post(format!("{base}/__emulator/faults"))
        .body("429-next=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    api.get("/api/v2/flows")
        .await
        .assert_error(429, "too.many.requests");
    let r = http()
        .post(format!("{base}/__emulator/faults"))
        .body("nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http()
        .post(format!(
            "{base}/__emulator/flows/{}/checkout",
            seed::FLOW_LOOP_LINE_ID
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        emu.lock_holder(seed::FLOW_LOOP_LINE_ID).as_deref(),
        Some(OTHER_CLIENT_ID)
    );
    let r = http()
        .post(format!(
            "{base}/__emulator/flows/{}/publish",
            seed::FLOW_AFTER_HOURS_ID
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["version"],
        "2.0"
    );
    http()
        .post(format!("{base}/__emulator/tokens/expire"))
        .send()
        .await
        .unwrap();
    api.get("/api/v2/flows")
        .await
        .assert_error(401, "credentials.expired");
    let log: serde_json::Value = http()
        .get(format!("{base}/__emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|r| r["fault"] == "injected 429")
    );
}

#[tokio::test]
async fn injected_publish_failure_ends_in_failure_and_publishes_nothing() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let id = seed::FLOW_MAIN_IVR_ID;
    let before = emu.published_version(id);
    emu.set_faults(FaultPlan::parse("fail-publish=1").unwrap());
    let op = api
        .post(
            &format!("/api/v2/flows/actions/publish?flow={id}&version=1.0"),
            None,
        )
        .await
        .body;
    assert_eq!(op["actionStatus"], "STARTED");
    settle_flow(&emu, id).await;
    let flow = api.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(flow["currentOperation"]["actionStatus"], "FAILURE");
    assert_eq!(flow["currentOperation"]["complete"], true);
    assert!(
        flow["currentOperation"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("failed")
    );
    assert_schema("Flow", &flow);
    assert_eq!(
        emu.published_version(id),
        before,
        "a failed publish changes nothing"
    );
    // Only one failure was asked for: the next publish succeeds.
    api.post(
        &format!("/api/v2/flows/actions/publish?flow={id}&version=1.0"),
        None,
    )
    .await;
    settle_flow(&emu, id).await;
    assert_eq!(emu.published_version(id).as_deref(), Some("1.0"));
}
