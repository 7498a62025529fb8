//! Flow listing, paging, filters, lock rules and operation life cycles.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use genesys_emulator::{EmulatorConfig, Seed, seed};
use serde_json::{Value, json};

fn names(body: &Value) -> Vec<String> {
    body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn paging_envelope_is_exact() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let p1 = api.get("/api/v2/flows?pageSize=2&sortBy=name").await.body;
    assert_eq!(p1["pageSize"], 2);
    assert_eq!(p1["pageNumber"], 1);
    assert_eq!(p1["total"], 5);
    assert_eq!(p1["pageCount"], 3);
    assert_eq!(names(&p1), ["After Hours", "Billing Line"]);
    assert_eq!(
        p1["firstUri"],
        "/api/v2/flows?pageSize=2&pageNumber=1&sortBy=name"
    );
    assert_eq!(
        p1["selfUri"],
        "/api/v2/flows?pageSize=2&pageNumber=1&sortBy=name"
    );
    assert_eq!(
        p1["nextUri"],
        "/api/v2/flows?pageSize=2&pageNumber=2&sortBy=name"
    );
    assert_eq!(
        p1["lastUri"],
        "/api/v2/flows?pageSize=2&pageNumber=3&sortBy=name"
    );
    assert!(p1.get("previousUri").is_none());
    // Following nextUri walks every flow exactly once.
    let mut seen = names(&p1);
    let mut next = p1["nextUri"].as_str().map(str::to_owned);
    while let Some(uri) = next {
        let page = api.get(&uri).await.body;
        assert!(page["previousUri"].is_string());
        seen.extend(names(&page));
        next = page["nextUri"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        [
            "After Hours",
            "Billing Line",
            "Loop Line",
            "Main IVR",
            "Spanish Line"
        ]
    );
    // Past the end: empty entities, same totals.
    let past = api.get("/api/v2/flows?pageSize=2&pageNumber=9").await.body;
    assert_eq!(past["entities"], json!([]));
    assert_eq!(past["total"], 5);
    // Defaults.
    let all = api.get("/api/v2/flows").await.body;
    assert_eq!(all["pageSize"], 25);
    assert_eq!(all["pageCount"], 1);
    assert_eq!(all["selfUri"], "/api/v2/flows?pageSize=25&pageNumber=1");
    // Sorted by id by default.
    let ids: Vec<&str> = all["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    api.get("/api/v2/flows?pageSize=0")
        .await
        .assert_error(400, "invalid.value");
    api.get("/api/v2/flows?pageSize=501")
        .await
        .assert_error(400, "bad.request");
    api.get("/api/v2/flows?sortBy=color")
        .await
        .assert_error(400, "invalid.value");
}

#[tokio::test]
async fn empty_org_lists_nothing() {
    let emu = start(EmulatorConfig {
        seed: Seed::Empty,
        ..config()
    })
    .await;
    let api = Api::default_client(&emu).await;
    let body = api.get("/api/v2/flows").await.body;
    assert_eq!(body["total"], 0);
    assert_eq!(body["pageCount"], 0);
    assert_eq!(body["entities"], json!([]));
    assert_eq!(api.get("/api/v2/routing/queues").await.body["total"], 0);
}

#[tokio::test]
async fn filters_and_wildcards() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let q = |s: &str| format!("/api/v2/flows?sortBy=name&{s}");
    assert_eq!(names(&api.get(&q("name=Main*")).await.body), ["Main IVR"]);
    assert_eq!(
        names(&api.get(&q("name=*line")).await.body),
        ["Billing Line", "Loop Line", "Spanish Line"]
    );
    assert_eq!(names(&api.get(&q("name=*o*p*")).await.body), ["Loop Line"]);
    assert_eq!(
        names(&api.get(&q("name=main%20ivr")).await.body),
        ["Main IVR"]
    );
    assert!(
        names(&api.get(&q("name=Main")).await.body).is_empty(),
        "no wildcard: whole name"
    );
    assert_eq!(api.get(&q("type=inboundcall")).await.body["total"], 5);
    assert_eq!(
        api.get(&q("type=inqueuecall&type=bot")).await.body["total"],
        0
    );
    api.get(&q("type=nonsense"))
        .await
        .assert_error(400, "invalid.value");
    let by_id = api
        .get(&q(&format!(
            "id={}&id={}",
            seed::FLOW_LOOP_LINE_ID,
            seed::FLOW_AFTER_HOURS_ID
        )))
        .await;
    assert_eq!(names(&by_id.body), ["After Hours", "Loop Line"]);
    assert_eq!(api.get(&q("publishVersionId=2.0")).await.body["total"], 1);
    assert_eq!(
        api.get(&q(&format!("divisionId={}", seed::HOME_DIVISION_ID)))
            .await
            .body["total"],
        5
    );
    assert_eq!(api.get(&q("divisionId=elsewhere")).await.body["total"], 0);
    // Deleted flows only with deleted=true.
    assert_eq!(
        api.delete(&format!("/api/v2/flows/{}", seed::FLOW_LOOP_LINE_ID))
            .await
            .status,
        204
    );
    assert_eq!(api.get(&q("name=Loop*")).await.body["total"], 0);
    assert_eq!(
        api.get(&q("name=Loop*&deleted=true")).await.body["total"],
        1
    );
    api.get(&format!("/api/v2/flows/{}", seed::FLOW_LOOP_LINE_ID))
        .await
        .assert_error(410, "architect.flow.deleted");
    let deleted = api
        .get(&format!(
            "/api/v2/flows/{}?deleted=true",
            seed::FLOW_LOOP_LINE_ID
        ))
        .await;
    assert_eq!(deleted.body["deleted"], true);
    api.get("/api/v2/flows?deleted=maybe")
        .await
        .assert_error(400, "invalid.value");
    // lookup
    let lookup = api
        .get(&format!(
            "/api/v2/flows/lookup?id={}&id=unknown",
            seed::FLOW_MAIN_IVR_ID
        ))
        .await;
    assert_eq!(names(&lookup.body), ["Main IVR"]);
}

#[tokio::test]
async fn queues_list_filter_and_get() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let all = api.get("/api/v2/routing/queues").await.body;
    assert_eq!(
        names(&all),
        ["Billing", "English", "Sales", "Spanish", "Support", "VIP"]
    );
    let desc = api
        .get("/api/v2/routing/queues?sortOrder=desc&pageSize=2")
        .await
        .body;
    assert_eq!(names(&desc), ["VIP", "Support"]);
    assert_eq!(desc["pageCount"], 3);
    assert_eq!(
        desc["nextUri"],
        "/api/v2/routing/queues?pageSize=2&pageNumber=2&sortOrder=desc"
    );
    assert_eq!(
        names(&api.get("/api/v2/routing/queues?name=S*").await.body),
        ["Sales", "Spanish", "Support"]
    );
    assert_eq!(
        names(&api.get("/api/v2/routing/queues?name=*ish").await.body),
        ["English", "Spanish"]
    );
    assert_eq!(
        names(&api.get("/api/v2/routing/queues?name=vip").await.body),
        ["VIP"]
    );
    let by_id = api
        .get(&format!(
            "/api/v2/routing/queues?id={}",
            seed::QUEUE_BILLING_ID
        ))
        .await
        .body;
    assert_eq!(names(&by_id), ["Billing"]);
    let by_div = api
        .get(&format!(
            "/api/v2/routing/queues?divisionId={}",
            seed::HOME_DIVISION_ID
        ))
        .await
        .body;
    assert_eq!(by_div["total"], 6);
    let one = api
        .get(&format!("/api/v2/routing/queues/{}", seed::QUEUE_VIP_ID))
        .await
        .body;
    assert_eq!(one["name"], "VIP");
    assert_eq!(one["division"]["name"], "Home");
    api.get("/api/v2/routing/queues/nope")
        .await
        .assert_error(404, "not.found");
}

#[tokio::test]
async fn seeded_flows_have_configurations() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let main = api
        .get(&format!("/api/v2/flows/{}", seed::FLOW_MAIN_IVR_ID))
        .await
        .body;
    assert_eq!(main["type"], "INBOUNDCALL");
    assert_eq!(main["publishedVersion"]["id"], "2.0");
    assert_eq!(main["checkedInVersion"]["id"], "2.0");
    assert_eq!(main["active"], true);
    let config = api
        .get(&format!(
            "/api/v2/flows/{}/latestconfiguration",
            seed::FLOW_MAIN_IVR_ID
        ))
        .await
        .body;
    assert_eq!(config["name"], "Main IVR");
    assert_eq!(config["type"], "inboundcall");
    let queues: Vec<&str> = config["manifest"]["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(queues, ["Billing", "Sales", "Spanish", "Support", "VIP"]);
    let old = api
        .get(&format!(
            "/api/v2/flows/{}/versions/1.0/configuration",
            seed::FLOW_MAIN_IVR_ID
        ))
        .await
        .body;
    assert_ne!(old, config);
    let v1 = api
        .get(&format!(
            "/api/v2/flows/{}/versions/1.0",
            seed::FLOW_MAIN_IVR_ID
        ))
        .await
        .body;
    assert_eq!(v1["type"], "PUBLISH");
    assert!(v1["datePublishedEnd"].is_string());
    assert!(v1["dateCreated"].is_i64());
    api.get(&format!(
        "/api/v2/flows/{}/versions/9.0",
        seed::FLOW_MAIN_IVR_ID
    ))
    .await
    .assert_error(404, "architect.flow.version.missing");
    let billing = api
        .get(&format!("/api/v2/flows/{}", seed::FLOW_BILLING_LINE_ID))
        .await
        .body;
    assert!(billing.get("publishedVersion").is_none());
    assert_eq!(billing["checkedInVersion"]["id"], "1.0");
    api.get("/api/v2/flows/unknown")
        .await
        .assert_error(404, "architect.flow.not.found");
}

#[tokio::test]
async fn lock_rules() {
    let emu = start(two_clients()).await;
    let a = Api::default_client(&emu).await;
    let b = Api::login(emu.base_url(), CLIENT_B.0, CLIENT_B.1).await;
    let id = seed::FLOW_MAIN_IVR_ID;
    let versions = format!("/api/v2/flows/{id}/versions");
    let cfg = json!({"name": "Main IVR", "flowSequenceItemList": []});

    // No lock: saving needs one.
    a.post(&versions, Some(cfg.clone()))
        .await
        .assert_error(409, "architect.flow.not.locked.by.user");
    // A checks out; the flow shows A's client.
    let out = a.action("checkout", id).await;
    assert_eq!(out.status, 200);
    assert_eq!(
        out.body["lockedClient"]["id"],
        genesys_emulator::DEFAULT_CLIENT_ID
    );
    assert!(out.body.get("lockedUser").is_none());
    // Checking out again is fine for A, a conflict for B.
    assert_eq!(a.action("checkout", id).await.status, 200);
    b.action("checkout", id)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
    b.post(&versions, Some(cfg.clone()))
        .await
        .assert_error(409, "architect.flow.not.locked.by.user");
    b.put(&format!("/api/v2/flows/{id}"), json!({"name": "Hijacked"}))
        .await
        .assert_error(409, "architect.flow.not.locked.by.user");
    b.action("revert", id)
        .await
        .assert_error(409, "architect.flow.not.locked.by.user");
    b.action("checkin", id)
        .await
        .assert_error(409, "architect.flow.not.locked.by.user");
    b.action("publish", id)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
    b.action("deactivate", id)
        .await
        .assert_error(409, "architect.flow.locked.by.user");
    b.delete(&format!("/api/v2/flows/{id}"))
        .await
        .assert_error(405, "architect.flow.cannot.delete.user.does.not.have.lock");
    // A saves a version: 3.0, SAVE, visible as savedVersion and latest configuration.
    let saved = a.post(&versions, Some(cfg.clone())).await;
    assert_eq!(saved.status, 200);
    assert_eq!(saved.body["id"], "3.0");
    assert_eq!(saved.body["type"], "SAVE");
    let flow = a.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(flow["savedVersion"]["id"], "3.0");
    assert_eq!(flow["publishedVersion"]["id"], "2.0");
    assert_eq!(
        a.get(&format!("/api/v2/flows/{id}/latestconfiguration"))
            .await
            .body,
        cfg
    );
    a.post(&versions, None)
        .await
        .assert_error(400, "architect.flow.data.missing");
    // Revert drops the draft and the lock.
    let reverted = a.action("revert", id).await.body;
    assert!(reverted.get("savedVersion").is_none());
    assert!(reverted.get("lockedClient").is_none());
    assert_eq!(emu.versions(id).len(), 2);
    // Unlock (admin) clears someone else's lock.
    b.action("checkout", id).await;
    assert_eq!(emu.lock_holder(id).as_deref(), Some(CLIENT_B.0));
    assert_eq!(a.action("unlock", id).await.status, 200);
    assert_eq!(emu.lock_holder(id), None);
    // PUT renames for the holder; duplicate names conflict.
    a.action("checkout", id).await;
    let renamed = a
        .put(
            &format!("/api/v2/flows/{id}"),
            json!({"name": "Main IVR 2", "description": "d"}),
        )
        .await;
    assert_eq!(renamed.body["name"], "Main IVR 2");
    a.put(&format!("/api/v2/flows/{id}"), json!({"name": "Loop Line"}))
        .await
        .assert_error(409, "architect.flow.already.exists");
    a.put(
        &format!("/api/v2/flows/{id}"),
        json!({"description": "no name"}),
    )
    .await
    .assert_error(400, "architect.flow.validate.failed.missing.name");
    // Missing flow parameter, unknown flow, unknown action.
    a.post("/api/v2/flows/actions/checkout", None)
        .await
        .assert_error(400, "bad.request");
    a.action("checkout", "nope")
        .await
        .assert_error(404, "architect.flow.not.found");
    a.action("teleport", id)
        .await
        .assert_error(404, "not.found");
}

#[tokio::test]
async fn checkin_and_publish_are_asynchronous_operations() {
    let emu = start(EmulatorConfig {
        operation_delay: SLOW_DELAY,
        ..two_clients()
    })
    .await;
    let a = Api::default_client(&emu).await;
    let b = Api::login(emu.base_url(), CLIENT_B.0, CLIENT_B.1).await;
    let id = seed::FLOW_SPANISH_LINE_ID;
    a.action("checkout", id).await;
    let cfg = json!({"name": "Spanish Line", "v": 2});
    a.post(&format!("/api/v2/flows/{id}/versions"), Some(cfg.clone()))
        .await;

    // checkin: running, then complete.
    let op = a.action("checkin", id).await.body;
    assert_eq!(op["actionName"], "CHECKIN");
    assert_eq!(op["actionStatus"], "STARTED");
    assert_eq!(op["complete"], false);
    let running = a.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(running["currentOperation"]["id"], op["id"]);
    assert_eq!(running["currentOperation"]["complete"], false);
    assert!(
        running["lockedClient"].is_object(),
        "the lock is held until checkin completes"
    );
    // Anything that changes the flow meanwhile is refused.
    for action in [
        "checkin",
        "publish",
        "checkout",
        "revert",
        "deactivate",
        "unlock",
    ] {
        a.action(action, id)
            .await
            .assert_error(409, "architect.operation.already.in.progress");
    }
    a.post(&format!("/api/v2/flows/{id}/versions"), Some(cfg.clone()))
        .await
        .assert_error(409, "architect.operation.already.in.progress");
    b.action("checkout", id)
        .await
        .assert_error(409, "architect.operation.already.in.progress");
    settle_flow(&emu, id).await;
    let done = a.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(done["currentOperation"]["complete"], true);
    assert_eq!(done["currentOperation"]["actionStatus"], "SUCCESS");
    assert_eq!(done["checkedInVersion"]["id"], "2.0");
    assert_eq!(done["checkedInVersion"]["type"], "CHECKIN");
    assert!(done.get("savedVersion").is_none());
    assert!(done.get("lockedClient").is_none());
    assert_eq!(
        done["publishedVersion"]["id"], "1.0",
        "checkin does not publish"
    );

    // publish (no lock needed): publishes the checked-in version.
    let op = a.action("publish", id).await.body;
    assert_eq!(op["actionName"], "PUBLISH");
    assert_eq!(op["complete"], false);
    assert_eq!(emu.published_version(id).as_deref(), Some("1.0"));
    a.action("publish", id)
        .await
        .assert_error(409, "architect.operation.already.in.progress");
    settle_flow(&emu, id).await;
    assert_eq!(emu.published_version(id).as_deref(), Some("2.0"));
    let flow = a.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(flow["currentOperation"]["actionStatus"], "SUCCESS");
    assert_eq!(flow["publishedVersion"]["type"], "PUBLISH");
    assert!(flow["publishedVersion"]["datePublished"].is_string());

    // Rollback: publish an explicit older version.
    a.post(
        &format!("/api/v2/flows/actions/publish?flow={id}&version=1.0"),
        None,
    )
    .await;
    settle_flow(&emu, id).await;
    assert_eq!(emu.published_version(id).as_deref(), Some("1.0"));
    a.post(
        &format!("/api/v2/flows/actions/publish?flow={id}&version=7.0"),
        None,
    )
    .await
    .assert_error(404, "architect.flow.version.missing");

    // Publishing your own draft checks it in and releases your lock.
    a.action("checkout", id).await;
    a.post(
        &format!("/api/v2/flows/{id}/versions"),
        Some(json!({"v": 3})),
    )
    .await;
    a.action("publish", id).await;
    settle_flow(&emu, id).await;
    let flow = a.get(&format!("/api/v2/flows/{id}")).await.body;
    assert_eq!(flow["publishedVersion"]["id"], "3.0");
    assert_eq!(flow["checkedInVersion"]["id"], "3.0");
    assert!(flow.get("lockedClient").is_none());

    // Deactivate un-publishes.
    let deactivated = a.action("deactivate", id).await.body;
    assert_eq!(deactivated["active"], false);
    assert!(deactivated.get("publishedVersion").is_none());
}

#[tokio::test]
async fn checkin_without_configuration_is_refused() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let created = api
        .post(
            "/api/v2/flows",
            Some(json!({"name": "Empty", "type": "inboundcall"})),
        )
        .await
        .body;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["type"], "INBOUNDCALL");
    assert!(
        created["lockedClient"].is_object(),
        "a new flow is checked out to its creator"
    );
    api.action("checkin", id)
        .await
        .assert_error(409, "architect.flow.cannot.checkin.missing.config");
    api.action("publish", id)
        .await
        .assert_error(409, "architect.flow.cannot.checkin.missing.config");
    api.get(&format!("/api/v2/flows/{id}/latestconfiguration"))
        .await
        .assert_error(404, "flow.no.config.available");
    api.post(
        "/api/v2/flows",
        Some(json!({"name": "Empty", "type": "inboundcall"})),
    )
    .await
    .assert_error(409, "architect.flow.already.exists");
    api.post("/api/v2/flows", Some(json!({"name": "No type"})))
        .await
        .assert_error(400, "architect.flow.validate.failed.missing.type");
    api.post(
        "/api/v2/flows",
        Some(json!({"name": "a/b", "type": "inboundcall"})),
    )
    .await
    .assert_error(
        400,
        "architect.flow.validate.failed.invalid.name.contains.slash",
    );
}
