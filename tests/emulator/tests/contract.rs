//! Contract tests: every kind of body the emulator returns validates against
//! the definition that `openapi-subset.json` declares for it (with unknown
//! fields forbidden).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use genesys_emulator::{FaultPlan, OTHER_CLIENT_ID, seed};
use reqwest::Method;
use serde_json::json;

fn check(path: &str, method: &str, resp: &Resp) {
    assert!(
        resp.status.is_success(),
        "{path}: {} {}",
        resp.status,
        resp.body
    );
    assert_schema(&response_definition(path, method), &resp.body);
}

#[tokio::test]
async fn flow_bodies_match_the_spec() {
    let emu = start(two_clients()).await;
    let api = Api::default_client(&emu).await;
    let b = Api::login(emu.base_url(), CLIENT_B.0, CLIENT_B.1).await;

    check(
        "/api/v2/flows",
        "get",
        &api.get("/api/v2/flows?pageSize=2").await,
    );
    check(
        "/api/v2/flows",
        "get",
        &api.get("/api/v2/flows?name=nothing*").await,
    );
    check(
        "/api/v2/flows/lookup",
        "get",
        &api.get(&format!(
            "/api/v2/flows/lookup?id={}",
            seed::FLOW_MAIN_IVR_ID
        ))
        .await,
    );
    for f in seed::seed_flows() {
        check(
            "/api/v2/flows/{flowId}",
            "get",
            &api.get(&format!("/api/v2/flows/{}", f.id)).await,
        );
        let versions = api.get(&format!("/api/v2/flows/{}/versions", f.id)).await;
        check("/api/v2/flows/{flowId}/versions", "get", &versions);
        for v in versions.body["entities"].as_array().unwrap() {
            let vid = v["id"].as_str().unwrap();
            check(
                "/api/v2/flows/{flowId}/versions/{versionId}",
                "get",
                &api.get(&format!("/api/v2/flows/{}/versions/{vid}", f.id))
                    .await,
            );
            let config = api
                .get(&format!(
                    "/api/v2/flows/{}/versions/{vid}/configuration",
                    f.id
                ))
                .await;
            assert!(config.body.is_object());
            assert!(config.body["flowSequenceItemList"].is_array());
        }
        assert!(
            api.get(&format!("/api/v2/flows/{}/latestconfiguration", f.id))
                .await
                .body
                .is_object()
        );
    }

    let id = seed::FLOW_AFTER_HOURS_ID;
    check(
        "/api/v2/flows/actions/checkout",
        "post",
        &api.action("checkout", id).await,
    );
    // A locked flow (lockedClient) and a saved draft (savedVersion).
    let saved = api
        .post(
            &format!("/api/v2/flows/{id}/versions"),
            Some(json!({"name": "After Hours"})),
        )
        .await;
    check("/api/v2/flows/{flowId}/versions", "post", &saved);
    check(
        "/api/v2/flows/{flowId}",
        "get",
        &api.get(&format!("/api/v2/flows/{id}")).await,
    );
    check(
        "/api/v2/flows/{flowId}",
        "put",
        &api.put(
            &format!("/api/v2/flows/{id}"),
            json!({"name": "After Hours", "description": "changed"}),
        )
        .await,
    );
    let checkin = api.action("checkin", id).await;
    check("/api/v2/flows/actions/checkin", "post", &checkin);
    // A running operation inside the flow.
    check(
        "/api/v2/flows/{flowId}",
        "get",
        &api.get(&format!("/api/v2/flows/{id}")).await,
    );
    settle_flow(&emu, id).await;
    let publish = api.action("publish", id).await;
    check("/api/v2/flows/actions/publish", "post", &publish);
    settle_flow(&emu, id).await;
    check(
        "/api/v2/flows/{flowId}",
        "get",
        &api.get(&format!("/api/v2/flows/{id}")).await,
    );
    check(
        "/api/v2/flows/actions/deactivate",
        "post",
        &api.action("deactivate", id).await,
    );
    api.action("checkout", id).await;
    check(
        "/api/v2/flows/actions/revert",
        "post",
        &api.action("revert", id).await,
    );
    b.action("checkout", id).await;
    check(
        "/api/v2/flows/actions/unlock",
        "post",
        &api.action("unlock", id).await,
    );
    let created = api
        .post(
            "/api/v2/flows",
            Some(json!({"name": "Brand New", "type": "inboundcall"})),
        )
        .await;
    check("/api/v2/flows", "post", &created);
    // Versions created by interference carry the other client.
    emu.publish_new_version_as(seed::FLOW_SPANISH_LINE_ID, OTHER_CLIENT_ID, None)
        .unwrap();
    check(
        "/api/v2/flows/{flowId}",
        "get",
        &api.get(&format!("/api/v2/flows/{}", seed::FLOW_SPANISH_LINE_ID))
            .await,
    );
}

#[tokio::test]
async fn queue_bodies_match_the_spec() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    check(
        "/api/v2/routing/queues",
        "get",
        &api.get("/api/v2/routing/queues").await,
    );
    for q in seed::seed_queues() {
        check(
            "/api/v2/routing/queues/{queueId}",
            "get",
            &api.get(&format!("/api/v2/routing/queues/{}", q.id)).await,
        );
    }
}

#[tokio::test]
async fn job_bodies_match_the_spec() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let reg = api.post("/api/v2/flows/jobs", None).await;
    check("/api/v2/flows/jobs", "post", &reg);
    let job_id = reg.body["id"].as_str().unwrap().to_owned();
    let state = api
        .get(&format!("/api/v2/flows/jobs/{job_id}?expand=messages"))
        .await;
    check("/api/v2/flows/jobs/{jobId}", "get", &state);
    assert_eq!(state.body["status"], "Registered");
    // Failure with messages.
    let url = reg.body["presignedUrl"].as_str().unwrap();
    let mut put = http().put(url).body("not: [yaml");
    for (k, v) in reg.body["headers"].as_object().unwrap() {
        put = put.header(k.as_str(), v.as_str().unwrap());
    }
    assert_eq!(put.send().await.unwrap().status(), 200);
    check(
        "/api/v2/flows/jobs/{jobId}",
        "get",
        &api.get(&format!("/api/v2/flows/jobs/{job_id}?expand=messages"))
            .await,
    );
    let failed = finished_job(
        &api,
        &format!("/api/v2/flows/jobs/{job_id}?expand=messages"),
    )
    .await;
    assert_eq!(failed["status"], "Failure");
    assert_schema("ArchitectJobStateResponse", &failed);

    let export = api
        .post(
            "/api/v2/flows/export/jobs",
            Some(json!({"flows": [{"flow": {"id": seed::FLOW_MAIN_IVR_ID}}]})),
        )
        .await;
    check("/api/v2/flows/export/jobs", "post", &export);
    let eid = export.body["id"].as_str().unwrap();
    check(
        "/api/v2/flows/export/jobs/{jobId}",
        "get",
        &api.get(&format!("/api/v2/flows/export/jobs/{eid}")).await,
    );
    let done = finished_job(
        &api,
        &format!("/api/v2/flows/export/jobs/{eid}?expand=messages"),
    )
    .await;
    assert_eq!(done["status"], "Success");
    assert_schema("ArchitectExportJobStateResponse", &done);
}

#[tokio::test]
async fn error_bodies_match_the_spec() {
    let emu = start(two_clients()).await;
    let api = Api::default_client(&emu).await;
    let b = Api::login(emu.base_url(), CLIENT_B.0, CLIENT_B.1).await;
    let mut errors = vec![
        api.get("/api/v2/flows/does-not-exist").await,
        api.get("/api/v2/flows?pageSize=0").await,
        api.get("/api/v2/routing/queues/nope").await,
        api.get("/api/v2/nothing/here").await,
        api.call(
            Method::PATCH,
            &format!("/api/v2/flows/{}", seed::FLOW_MAIN_IVR_ID),
            Some(json!({})),
        )
        .await,
    ];
    api.action("checkout", seed::FLOW_MAIN_IVR_ID).await;
    errors.push(b.action("checkout", seed::FLOW_MAIN_IVR_ID).await);
    let unauth = Api {
        token: "bogus".into(),
        ..api.clone()
    };
    errors.push(unauth.get("/api/v2/flows").await);
    emu.set_faults(FaultPlan {
        burst_429: 1,
        burst_5xx: 1,
        ..FaultPlan::default()
    });
    errors.push(api.get("/api/v2/flows").await);
    errors.push(api.get("/api/v2/flows").await);
    for e in &errors {
        assert!(
            e.status.is_client_error() || e.status.is_server_error(),
            "{e:?}"
        );
        assert_schema("ErrorBody", &e.body);
        assert_eq!(e.body["status"], e.status.as_u16());
        assert!(e.header("inin-correlation-id").is_some());
    }
}

/// The validator itself must be able to fail, or the tests above prove nothing.
#[test]
fn validator_rejects_what_the_spec_forbids() {
    let flow = validator("Flow");
    assert!(flow.is_valid(&json!({"name": "x", "type": "INBOUNDCALL"})));
    assert!(
        !flow.is_valid(&json!({"type": "INBOUNDCALL"})),
        "name is required"
    );
    assert!(
        !flow.is_valid(&json!({"name": "x", "type": "inboundcall"})),
        "type is an upper-case enum"
    );
    assert!(
        !flow.is_valid(&json!({"name": "x", "etag": "1"})),
        "unknown fields are forbidden"
    );
    let version = validator("FlowVersion");
    assert!(
        !version.is_valid(&json!({"dateCreated": "2024-01-01T00:00:00Z"})),
        "dates are epoch ms"
    );
    let listing = validator("FlowEntityListing");
    assert!(!listing.is_valid(&json!({"entities": [{"name": 3}]})));
    let op = validator("Operation");
    assert!(!op.is_valid(&json!({"actionStatus": "RUNNING"})));
}
