//! OAuth client credentials, bearer tokens, permissions and rate limits.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use genesys_emulator::{
    ClientConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig, seed,
};
use serde_json::Value;

#[tokio::test]
async fn issues_bearer_tokens_for_valid_clients() {
    let emu = start(config()).await;
    let (status, body) =
        token_response(emu.base_url(), DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    assert!(body["access_token"].as_str().unwrap().len() >= 32);
}

#[tokio::test]
async fn token_errors_use_the_oauth_shape() {
    let emu = start(config()).await;
    let base = emu.base_url();
    for (id, secret, desc) in [
        ("nobody", "x", "client not found"),
        (DEFAULT_CLIENT_ID, "wrong", "authentication failed"),
    ] {
        let (status, body) = token_response(base, id, secret).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(body["description"], desc);
        assert_eq!(body["error_description"], desc);
        assert!(body.get("code").is_none());
    }
    // Wrong grant type and wrong content type.
    let resp = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let resp = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
}

#[tokio::test]
async fn only_the_named_clients_exist_when_clients_are_configured() {
    let emu = start(EmulatorConfig {
        clients: vec![ClientConfig::new("only", "one")],
        ..config()
    })
    .await;
    let (status, _) =
        token_response(emu.base_url(), DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(status, 401);
    token(emu.base_url(), "only", "one").await;
}

#[tokio::test]
async fn api_requires_a_valid_bearer_token() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let resp = http()
        .get(format!("{}/api/v2/flows", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "authentication.required");
    let bogus = Api {
        token: "bogus".into(),
        ..api.clone()
    };
    bogus
        .get("/api/v2/flows")
        .await
        .assert_error(401, "bad.credentials");
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
}

#[tokio::test]
async fn tokens_expire() {
    let emu = start(EmulatorConfig {
        token_lifetime: Duration::from_millis(300),
        ..config()
    })
    .await;
    let (_, body) = token_response(emu.base_url(), DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(
        body["expires_in"], 1,
        "expires_in is whole seconds, at least 1"
    );
    let api = Api::default_client(&emu).await;
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    tokio::time::sleep(Duration::from_millis(350)).await;
    api.get("/api/v2/flows")
        .await
        .assert_error(401, "credentials.expired");
    // A new token works again.
    let fresh = Api::default_client(&emu).await;
    assert_eq!(fresh.get("/api/v2/flows").await.status, 200);
}

#[tokio::test]
async fn missing_permissions_give_403() {
    let viewer = ClientConfig::new("viewer", "v").with_permissions(["architect:flow:view"]);
    let emu = start(EmulatorConfig {
        clients: vec![viewer],
        ..config()
    })
    .await;
    let api = Api::login(emu.base_url(), "viewer", "v").await;
    assert_eq!(api.get("/api/v2/flows").await.status, 200);
    let r = api.action("checkout", seed::FLOW_MAIN_IVR_ID).await;
    r.assert_error(403, "missing.any.permissions");
    assert_eq!(
        r.body["messageParams"]["permissions"],
        "[architect:flow:edit]"
    );
    api.action("publish", seed::FLOW_MAIN_IVR_ID)
        .await
        .assert_error(403, "missing.any.permissions");
    api.get("/api/v2/routing/queues")
        .await
        .assert_error(403, "missing.any.permissions");
    // ALL-permission endpoints report missing.permissions.
    api.get(&format!("/api/v2/routing/queues/{}", seed::QUEUE_SALES_ID))
        .await
        .assert_error(403, "missing.permissions");
    api.post("/api/v2/flows/jobs", None)
        .await
        .assert_error(403, "missing.permissions");
    // Nothing changed.
    assert_eq!(emu.lock_holder(seed::FLOW_MAIN_IVR_ID), None);
}

#[tokio::test]
async fn wildcard_permissions_grant_a_family() {
    let c = ClientConfig::new("arch", "a").with_permissions(["architect:flow:*"]);
    let emu = start(EmulatorConfig {
        clients: vec![c],
        ..config()
    })
    .await;
    let api = Api::login(emu.base_url(), "arch", "a").await;
    assert_eq!(
        api.action("checkout", seed::FLOW_MAIN_IVR_ID).await.status,
        200
    );
    api.get("/api/v2/routing/queues")
        .await
        .assert_error(403, "missing.any.permissions");
}

#[tokio::test]
async fn every_response_carries_correlation_and_rate_limit_headers() {
    let emu = start(config()).await;
    let api = Api::default_client(&emu).await;
    let a = api.get("/api/v2/flows").await;
    let b = api.get("/api/v2/flows/nope").await;
    for r in [&a, &b] {
        assert!(r.header("inin-correlation-id").is_some());
        assert_eq!(r.header("inin-ratelimit-allowed"), Some("300"));
        assert!(
            r.header("inin-ratelimit-reset")
                .unwrap()
                .parse::<u64>()
                .unwrap()
                <= 60
        );
    }
    assert_eq!(a.header("inin-ratelimit-count"), Some("1"));
    assert_eq!(b.header("inin-ratelimit-count"), Some("2"));
    assert_ne!(
        a.header("inin-correlation-id"),
        b.header("inin-correlation-id")
    );
    let resp = http()
        .post(format!("{}/oauth/token", emu.base_url()))
        .body("x")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("inin-correlation-id"));
    assert!(resp.headers().contains_key("inin-ratelimit-count"));
}

#[tokio::test]
async fn rate_limit_is_per_token() {
    let emu = start(EmulatorConfig {
        rate_limit_per_minute: 3,
        ..config()
    })
    .await;
    let api = Api::default_client(&emu).await;
    for _ in 0..3 {
        assert_eq!(api.get("/api/v2/flows").await.status, 200);
    }
    let limited = api.get("/api/v2/flows").await;
    limited.assert_error(429, "too.many.requests");
    assert_eq!(
        limited.body["message"],
        "Rate limit exceeded the maximum [3] requests within [60] seconds"
    );
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.header("inin-ratelimit-count"), Some("4"));
    assert_eq!(limited.header("inin-ratelimit-allowed"), Some("3"));
    // Another token has its own window.
    let other = Api::default_client(&emu).await;
    assert_eq!(other.get("/api/v2/flows").await.status, 200);
}
