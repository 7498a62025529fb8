//! `/__emulator/...`: the control handle over HTTP, for tests that run the
//! binary. Deliberately outside `/api/v2`, since the real API has nothing
//! like it. No authentication: the emulator only listens on loopback.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::config::OTHER_CLIENT_ID;
use crate::control::{ControlError, EmulatorControl};
use crate::faults::FaultPlan;
use crate::paging::Query;
use crate::server::App;

pub fn router() -> Router<App> {
    Router::new()
        .route("/__emulator/faults", post(set_faults).delete(clear_faults))
        .route("/__emulator/tokens/expire", post(expire_tokens))
        .route("/__emulator/flows/{flowId}/checkout", post(checkout_as))
        .route("/__emulator/flows/{flowId}/publish", post(publish_as))
        .route("/__emulator/requests", get(requests))
}

fn control(app: App) -> EmulatorControl {
    EmulatorControl { app }
}

fn refused(e: &ControlError) -> Response {
    (
        StatusCode::CONFLICT,
        axum::Json(json!({"code": e.code, "message": e.message})),
    )
        .into_response()
}

/// Body: a `--faults` spec.
async fn set_faults(State(app): State<App>, body: Bytes) -> Response {
    let spec = String::from_utf8_lossy(&body);
    match FaultPlan::parse(spec.trim()) {
        Ok(plan) => {
            control(app).set_faults(plan);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

async fn clear_faults(State(app): State<App>) -> StatusCode {
    control(app).clear_faults();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(app): State<App>) -> StatusCode {
    control(app).expire_all_tokens();
    StatusCode::NO_CONTENT
}

fn client_param(raw: Option<&str>) -> String {
    Query::parse(raw)
        .get("client")
        .unwrap_or(OTHER_CLIENT_ID)
        .to_owned()
}

/// `?client=ID` (default: the built-in other client) checks the flow out;
/// `?user=ID[&name=NAME]` does it as a person in the Architect UI (`lockedUser`).
async fn checkout_as(
    State(app): State<App>,
    Path(flow_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = Query::parse(raw.as_deref());
    if let Some(user) = q.get("user") {
        let name = q
            .get("name")
            .unwrap_or(crate::faults::DEFAULT_LOCK_USER_NAME);
        return match control(app).checkout_as_user(&flow_id, user, name) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => refused(&e),
        };
    }
    match control(app).checkout_as(&flow_id, &client_param(raw.as_deref())) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refused(&e),
    }
}

/// `?client=ID` publishes a copy of the latest configuration as a new version.
async fn publish_as(
    State(app): State<App>,
    Path(flow_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match control(app).publish_new_version_as(&flow_id, &client_param(raw.as_deref()), None) {
        Ok(version) => axum::Json(json!({"version": version})).into_response(),
        Err(e) => refused(&e),
    }
}

async fn requests(State(app): State<App>) -> Response {
    let log: Vec<_> = control(app)
        .request_log()
        .into_iter()
        .map(|r| {
            json!({
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "status": r.status,
                "clientId": r.client_id,
                "correlationId": r.correlation_id,
                "fault": r.fault,
            })
        })
        .collect();
    axum::Json(log).into_response()
}
