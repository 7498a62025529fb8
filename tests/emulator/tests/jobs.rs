//! The Archy import pipeline and export jobs.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use genesys_emulator::{OTHER_CLIENT_ID, seed};
use serde_json::{Value, json};

/// Registers a job and uploads `yaml` with every returned header.
async fn import(api: &Api, yaml: &str) -> String {
    let reg = api
        .post("/api/v2/flows/jobs", Some(json!({"createStubs": false})))
        .await;
    assert_eq!(reg.status, 200, "{}", reg.body);
    let url = reg.body["presignedUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&api.base),
        "the presigned URL points at the emulator"
    );
    let mut put = http().put(url).body(yaml.to_owned());
    for (k, v) in reg.body["headers"].as_object().unwrap() {
        put = put.header(k.as_str(), v.as_str().unwrap());
    }
    let up = put.send().await.unwrap();
    assert_eq!(up.status(), 200);
    reg.body["id"].as_str().unwrap().to_owned()
}

/// The job's final state (polls while it is Registered or Started).
async fn job_state(api: &Api, id: &str) -> Value {
    finished_job(api, &format!("/api/v2/flows/jobs/{id}?expand=messages")).await
}

#[tokio::test]
async fn import_creates_and_publishes_a_new_flow() {
    let emu = start(slow_config()).await;
    let api = Api::default_client(&emu).await;
    let job = import(&api, &archy_yaml("Imported Line", "Sales")).await;
    let started = api.get(&format!("/api/v2/flows/jobs/{job}")).await.body;
    assert_eq!(started["status"], "Started");
    assert!(started.get("flow").is_none());
    let done = job_state(&api, &job).await;
    assert_eq!(done["status"], "Success", "{done}");
    assert_eq!(done["command"], "Publish");
    assert_eq!(done["messages"], json!([]));
    let flow_id = done["flow"]["id"].as_str().unwrap();
    let flow = api.get(&format!("/api/v2/flows/{flow_id}")).await.body;
    assert_eq!(flow["name"], "Imported Line");
    assert_eq!(flow["type"], "INBOUNDCALL");
    assert_eq!(flow["publishedVersion"]["id"], "1.0");
    let config = api
        .get(&format!("/api/v2/flows/{flow_id}/latestconfiguration"))
        .await
        .body;
    assert_eq!(config["manifest"]["queue"][0]["id"], seed::QUEUE_SALES_ID);
    // Without expand=messages there are no messages.
    assert!(
        api.get(&format!("/api/v2/flows/jobs/{job}"))
            .await
            .body
            .get("messages")
            .is_none()
    );
}

#[tokio::test]
async fn import_matches_by_name_and_type_and_adds_a_version() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let job = import(&api, &archy_yaml("After Hours", "Support")).await;
    let done = job_state(&api, &job).await;
    assert_eq!(done["status"], "Success", "{done}");
    assert_eq!(done["flow"]["id"], seed::FLOW_AFTER_HOURS_ID);
    assert_eq!(
        emu.published_version(seed::FLOW_AFTER_HOURS_ID).as_deref(),
        Some("2.0")
    );
    // Renaming in YAML creates another flow (a new id), as Archy does.
    let job = import(&api, &archy_yaml("After Hours Renamed", "Support")).await;
    assert_ne!(
        job_state(&api, &job).await["flow"]["id"],
        seed::FLOW_AFTER_HOURS_ID
    );
}

#[tokio::test]
async fn import_refuses_a_flow_locked_by_another_client() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    emu.checkout_as(seed::FLOW_AFTER_HOURS_ID, OTHER_CLIENT_ID)
        .unwrap();
    let job = import(&api, &archy_yaml("After Hours", "Support")).await;
    let done = job_state(&api, &job).await;
    assert_eq!(done["status"], "Failure");
    let text = done["messages"][0]["text"].as_str().unwrap();
    assert!(text.contains("locked by another entity"), "{text}");
    assert_eq!(done["messages"][0]["type"], "Error");
    assert_eq!(
        emu.published_version(seed::FLOW_AFTER_HOURS_ID).as_deref(),
        Some("1.0")
    );
    // The caller's own lock does not block it, and is released by the publish.
    emu.unlock(seed::FLOW_AFTER_HOURS_ID).unwrap();
    api.action("checkout", seed::FLOW_AFTER_HOURS_ID).await;
    let job = import(&api, &archy_yaml("After Hours", "Support")).await;
    assert_eq!(job_state(&api, &job).await["status"], "Success");
    assert_eq!(emu.lock_holder(seed::FLOW_AFTER_HOURS_ID), None);
}

#[tokio::test]
async fn import_failures_report_messages() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    for (yaml, needle) in [
        ("inboundCall: [1, 2".to_owned(), "parse"),
        (archy_yaml("Needs Queue", "No Such Queue"), "No Such Queue"),
        ("inboundCall:\n  description: nameless\n".to_owned(), "name"),
    ] {
        let job = import(&api, &yaml).await;
        let done = job_state(&api, &job).await;
        assert_eq!(done["status"], "Failure", "{yaml}");
        let text = done["messages"][0]["text"].as_str().unwrap();
        assert!(text.contains(needle), "{text}");
    }
    assert_eq!(emu.flow_id_by_name("Needs Queue", "INBOUNDCALL"), None);
}

#[tokio::test]
async fn presigned_upload_checks_signature_and_headers() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let reg = api.post("/api/v2/flows/jobs", None).await.body;
    let url = reg["presignedUrl"].as_str().unwrap();
    // Missing the required headers.
    let r = http()
        .put(url)
        .body(archy_yaml("X", "Sales"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Wrong signature.
    let bad = format!(
        "{}{}",
        url.split("X-Amz-Signature=").next().unwrap(),
        "X-Amz-Signature=forged"
    );
    let mut put = http().put(bad).body("x");
    for (k, v) in reg["headers"].as_object().unwrap() {
        put = put.header(k.as_str(), v.as_str().unwrap());
    }
    assert_eq!(put.send().await.unwrap().status(), 403);
    let id = reg["id"].as_str().unwrap();
    let state = api.get(&format!("/api/v2/flows/jobs/{id}")).await.body;
    assert_eq!(
        state["status"], "Registered",
        "rejected uploads do not start the job"
    );
    api.get("/api/v2/flows/jobs/unknown")
        .await
        .assert_error(404, "not.found");
}

#[tokio::test]
async fn export_jobs_give_a_download_url() {
    let emu = start(slow_config()).await;
    let api = Api::default_client(&emu).await;
    let reg = api
        .post(
            "/api/v2/flows/export/jobs",
            Some(json!({"flows": [{"flow": {"id": seed::FLOW_MAIN_IVR_ID, "version": "1.0"}, "fileName": "main"}]})),
        )
        .await
        .body;
    assert_eq!(reg["totalFlows"], 1);
    let id = reg["id"].as_str().unwrap();
    let running = api
        .get(&format!("/api/v2/flows/export/jobs/{id}"))
        .await
        .body;
    assert_eq!(running["status"], "Started");
    assert!(running.get("downloadUrl").is_none());
    let done = finished_job(&api, &format!("/api/v2/flows/export/jobs/{id}")).await;
    assert_eq!(done["status"], "Success");
    let url = done["downloadUrl"].as_str().unwrap();
    assert!(url.contains("/main.yaml?"));
    let yaml = http().get(url).send().await.unwrap().text().await.unwrap();
    assert!(yaml.starts_with("inboundCall:"));
    assert!(
        !yaml.contains("Billing"),
        "version 1.0 had no billing choice"
    );
    // By name and type, published version; round trip through an import.
    let reg = api
        .post(
            "/api/v2/flows/export/jobs",
            Some(json!({"flows": [{"flow": {"name": "Loop Line", "type": "INBOUNDCALL"}}]})),
        )
        .await
        .body;
    let done = finished_job(
        &api,
        &format!("/api/v2/flows/export/jobs/{}", reg["id"].as_str().unwrap()),
    )
    .await;
    let yaml = http()
        .get(done["downloadUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(yaml.contains("jumpToTask"));
    // Unexportable: an unpublished flow.
    let reg = api
        .post(
            "/api/v2/flows/export/jobs",
            Some(json!({"flows": [{"flow": {"id": seed::FLOW_BILLING_LINE_ID}}]})),
        )
        .await
        .body;
    let failed = finished_job(
        &api,
        &format!(
            "/api/v2/flows/export/jobs/{}?expand=messages",
            reg["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(failed["status"], "Failure");
    assert!(
        failed["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("published")
    );
    api.post("/api/v2/flows/export/jobs", Some(json!({"flows": []})))
        .await
        .assert_error(400, "bad.request");
    api.post(
        "/api/v2/flows/export/jobs",
        Some(json!({"flows": [{"flow": {"name": "x"}}]})),
    )
    .await
    .assert_error(400, "bad.request");
}
