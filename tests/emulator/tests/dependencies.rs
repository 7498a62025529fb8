//! The platform's refusal to publish a flow whose dependencies are missing, in
//! each `DependencyCheck` mode, through `POST …/actions/publish` and through
//! import jobs (with and without `createStubs`).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use genesys_emulator::{DependencyCheck, EmulatorConfig, Platform, seed};
use serde_json::{Value, json};

fn with_check(check: DependencyCheck) -> EmulatorConfig {
    EmulatorConfig {
        platform: Platform {
            dependencies: check,
            ..Platform::default()
        },
        ..config()
    }
}

/// An inbound call flow that calls the common module `module` and transfers
/// to the flow `target`.
fn caller_yaml(name: &str, module: &str, target: &str) -> String {
    format!(
        r#"inboundCall:
  name: {name}
  startUpRef: "/inboundCall/tasks/task[Start_1]"
  defaultLanguage: en-us
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - callCommonModule:
              name: Call Common Module
              commonModule:
                {module}:
                  ver_latestPublished:
                    inputs: {{}}
          - transferToFlow:
              name: Transfer to Flow
              targetFlow:
                name: {target}
"#
    )
}

fn module_yaml(name: &str) -> String {
    format!(
        r#"commonModule:
  name: {name}
  startUpTaskActions:
    - endTask:
        name: End Task
"#
    )
}

async fn import(api: &Api, yaml: &str, stubs: Option<bool>) -> Value {
    let body = stubs.map(|s| json!({ "createStubs": s }));
    let reg = api.post("/api/v2/flows/jobs", body).await;
    assert_eq!(reg.status, 200, "{}", reg.body);
    let url = reg.body["presignedUrl"].as_str().unwrap();
    let mut put = http().put(url).body(yaml.to_owned());
    for (k, v) in reg.body["headers"].as_object().unwrap() {
        put = put.header(k.as_str(), v.as_str().unwrap());
    }
    assert_eq!(put.send().await.unwrap().status(), 200);
    let id = reg.body["id"].as_str().unwrap();
    finished_job(api, &format!("/api/v2/flows/jobs/{id}?expand=messages")).await
}

/// Creates an empty flow, saves `config` as its draft and checks it in;
/// returns the flow id.
async fn checked_in_flow(
    emu: &genesys_emulator::RunningEmulator,
    api: &Api,
    name: &str,
    config: Value,
) -> String {
    let created = api
        .post(
            "/api/v2/flows",
            Some(json!({"name": name, "type": "INBOUNDCALL"})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(api.action("checkout", &id).await.status, 200);
    let saved = api
        .post(&format!("/api/v2/flows/{id}/versions"), Some(config))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(api.action("checkin", &id).await.status, 200);
    settle_flow(emu, &id).await;
    id
}

fn config_calling(module: &str) -> Value {
    json!({
        "name": "Caller",
        "type": "inboundcall",
        "flowSequenceItemList": [{"__type": "Task", "id": "t1", "actionList": [
            {"__type": "CallCommonModuleAction", "id": "a1", "commonModule": {"text": module}},
            {"__type": "DisconnectAction", "id": "a2"}
        ]}]
    })
}

fn job_text(job: &Value) -> String {
    job["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["text"].as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_default_requires_published_dependencies() {
    assert_eq!(Platform::default().dependencies, DependencyCheck::Published);
    assert_eq!(Platform::strict().dependencies, DependencyCheck::Published);
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let id = checked_in_flow(&emu, &api, "Caller", config_calling("Lookup")).await;

    // Missing: 409, naming the module.
    let refused = api.action("publish", &id).await;
    refused.assert_error(409, "architect.flow.cannot.publish.missing.dependencies");
    let msg = refused.body["message"].as_str().unwrap();
    assert!(
        msg.contains("common module 'Lookup' does not exist"),
        "{msg}"
    );
    assert_eq!(
        refused.body["messageParams"]["dependencies"],
        "common module 'Lookup'"
    );
    assert!(emu.published_version(&id).is_none());

    // Exists but unpublished (an empty flow): still refused, for another reason.
    let module = api
        .post(
            "/api/v2/flows",
            Some(json!({"name": "Lookup", "type": "COMMONMODULE"})),
        )
        .await;
    assert_eq!(module.status, 200);
    let refused = api.action("publish", &id).await;
    refused.assert_error(409, "architect.flow.cannot.publish.missing.dependencies");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("'Lookup' has no published version"),
        "{}",
        refused.body
    );

    // Published: the publish goes through.
    let job = import(&api, &module_yaml("Lookup"), None).await;
    assert_eq!(job["status"], "Success", "{job}");
    assert_eq!(job["flow"]["id"], module.body["id"]);
    let ok = api.action("publish", &id).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    settle_flow(&emu, &id).await;
    assert_eq!(emu.published_version(&id).as_deref(), Some("1.0"));
}

#[tokio::test]
async fn a_flow_of_another_type_does_not_satisfy_a_common_module_reference() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    // "Main IVR" exists and is published, but it is an INBOUNDCALL flow.
    let id = checked_in_flow(&emu, &api, "Caller", config_calling("Main IVR")).await;
    api.action("publish", &id)
        .await
        .assert_error(409, "architect.flow.cannot.publish.missing.dependencies");
}

#[tokio::test]
async fn exist_mode_accepts_unpublished_dependencies() {
    let emu = start(with_check(DependencyCheck::Exist)).await;
    let api = Api::default_client(&emu).await;
    let id = checked_in_flow(&emu, &api, "Caller", config_calling("Lookup")).await;
    api.action("publish", &id)
        .await
        .assert_error(409, "architect.flow.cannot.publish.missing.dependencies");
    let module = api
        .post(
            "/api/v2/flows",
            Some(json!({"name": "lookup", "type": "COMMONMODULE"})),
        )
        .await;
    assert_eq!(module.status, 200);
    // Names match case-insensitively; no published version is needed.
    assert_eq!(api.action("publish", &id).await.status, 200);
    settle_flow(&emu, &id).await;
    assert_eq!(emu.published_version(&id).as_deref(), Some("1.0"));
}

#[tokio::test]
async fn off_mode_checks_nothing() {
    let emu = start(with_check(DependencyCheck::Off)).await;
    let api = Api::default_client(&emu).await;
    let id = checked_in_flow(&emu, &api, "Caller", config_calling("Nowhere")).await;
    assert_eq!(api.action("publish", &id).await.status, 200);
    let job = import(&api, &caller_yaml("Yaml Caller", "Nowhere", "Gone"), None).await;
    assert_eq!(job["status"], "Success", "{job}");
}

#[tokio::test]
async fn in_queue_overrides_are_found_by_id() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let with_id = |iq: &str| {
        json!({"name": "Caller", "flowSequenceItemList": [{"__type": "Task", "actionList": [
            {"__type": "TransferPureMatchAction", "inQueueFlowId": iq, "inQueueFlowName": "Renamed Elsewhere"}
        ]}]})
    };
    let id = checked_in_flow(&emu, &api, "Caller", with_id("no-such-id")).await;
    let refused = api.action("publish", &id).await;
    refused.assert_error(409, "architect.flow.cannot.publish.missing.dependencies");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("in-queue flow 'Renamed Elsewhere' (id no-such-id) does not exist")
    );
    // An in-queue flow, by id (its name differs: the id wins).
    let hold = "inqueueCall:\n  name: Hold Music\n  startUpTaskActions:\n    - disconnect:\n        name: Disconnect\n";
    let job = import(&api, hold, None).await;
    assert_eq!(job["status"], "Success", "{job}");
    let iq = job["flow"]["id"].as_str().unwrap().to_owned();
    let id2 = checked_in_flow(&emu, &api, "Caller 2", with_id(&iq)).await;
    let ok = api.action("publish", &id2).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test]
async fn an_import_fails_naming_the_missing_flows() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let job = import(
        &api,
        &caller_yaml("Yaml Caller", "Lookup", "Spanish Line"),
        None,
    )
    .await;
    assert_eq!(job["status"], "Failure", "{job}");
    let text = job_text(&job);
    assert!(
        text.contains("common module 'Lookup' does not exist"),
        "{text}"
    );
    // Spanish Line exists and is published: not named.
    assert!(!text.contains("Spanish Line"), "{text}");
    assert!(emu.flow_id_by_name("Yaml Caller", "INBOUNDCALL").is_none());
    // `createStubs: false` is the same.
    let job = import(
        &api,
        &caller_yaml("Yaml Caller", "Lookup", "Spanish Line"),
        Some(false),
    )
    .await;
    assert_eq!(job["status"], "Failure", "{job}");
    // A transfer to a checked-in but unpublished flow fails too.
    let job = import(
        &api,
        &caller_yaml("Yaml Caller", "Lookup", "Billing Line"),
        None,
    )
    .await;
    assert!(
        job_text(&job).contains("transfer target 'Billing Line' has no published version"),
        "{job}"
    );
}

#[tokio::test]
async fn create_stubs_publishes_empty_stubs_for_missing_flows() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let job = import(
        &api,
        &caller_yaml("Yaml Caller", "Lookup", "Overflow"),
        Some(true),
    )
    .await;
    assert_eq!(job["status"], "Success", "{job}");
    let module = emu.flow_id_by_name("Lookup", "COMMONMODULE").unwrap();
    assert_eq!(emu.published_version(&module).as_deref(), Some("1.0"));
    let target = emu.flow_id_by_name("Overflow", "INBOUNDCALL").unwrap();
    assert_eq!(emu.published_version(&target).as_deref(), Some("1.0"));
    let caller = emu.flow_id_by_name("Yaml Caller", "INBOUNDCALL").unwrap();
    assert_eq!(job["flow"]["id"], caller.as_str());
    // The stub is exportable and empty; importing the real module replaces it.
    let real = import(&api, &module_yaml("Lookup"), None).await;
    assert_eq!(real["flow"]["id"], module.as_str());
    assert_eq!(emu.published_version(&module).as_deref(), Some("2.0"));

    // A checked-in flow with content of its own is never overwritten by a stub.
    let job = import(
        &api,
        &caller_yaml("Other Caller", "Lookup", "Billing Line"),
        Some(true),
    )
    .await;
    assert_eq!(job["status"], "Failure", "{job}");
    assert_eq!(emu.published_version(seed::FLOW_BILLING_LINE_ID), None);
}

#[tokio::test]
async fn create_stubs_must_be_a_boolean() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    api.post("/api/v2/flows/jobs", Some(json!({"createStubs": "yes"})))
        .await
        .assert_error(400, "invalid.value");
}
