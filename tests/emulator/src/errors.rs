//! Error envelopes.
//!
//! The platform API answers every failure with an `ErrorBody` (API.md §4.1); the
//! login host's token endpoint uses the OAuth shape `{error, description,
//! error_description}` instead (API.md §1.1). Both live here so handlers never
//! build error JSON by hand.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A platform API error, rendered as `ErrorBody`.
///
/// `contextId` is filled in later by the request middleware, which is the only
/// place that knows the correlation id of the request.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub message_with_params: Option<&'static str>,
    pub message_params: BTreeMap<String, String>,
    // Boxed to keep `Result<_, ApiError>` small (clippy::result_large_err).
    pub entity_id: Option<Box<str>>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            message_with_params: None,
            message_params: BTreeMap::new(),
            entity_id: None,
            retry_after_secs: None,
        }
    }

    /// Adds `messageWithParams`/`messageParams`, the way the real API reports
    /// the variable parts of a message (e.g. the missing permissions).
    pub fn with_params(mut self, template: &'static str, params: &[(&str, String)]) -> Self {
        self.message_with_params = Some(template);
        for (k, v) in params {
            self.message_params.insert((*k).to_owned(), v.clone());
        }
        self
    }

    pub fn with_entity(mut self, id: &str) -> Self {
        self.entity_id = Some(id.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    /// 400 `invalid.value` for a query parameter that does not parse.
    pub fn invalid_value(field: &str, value: &str, allowed: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid.value",
            format!("Value [{value}] is not valid for field type [{field}]. Allowable values are: {allowed}"),
        )
        .with_params(
            "Value [{value}] is not valid for field type [{field}]. Allowable values are: {allowed}",
            &[
                ("value", value.to_owned()),
                ("field", field.to_owned()),
                ("allowed", allowed.to_owned()),
            ],
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not.found",
            "The requested resource was not found.",
        )
    }

    pub fn flow_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "architect.flow.not.found",
            "Could not find flow with specified ID.",
        )
        .with_entity(id)
    }

    pub fn flow_deleted(id: &str) -> Self {
        Self::new(
            StatusCode::GONE,
            "architect.flow.deleted",
            "Flow has been deleted.",
        )
        .with_entity(id)
    }

    pub fn version_missing(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "architect.flow.version.missing",
            "Specified flow version is missing.",
        )
        .with_entity(id)
    }

    pub fn locked_by_other(id: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "architect.flow.locked.by.user",
            "Flow is locked by another user.",
        )
        .with_entity(id)
    }

    pub fn not_locked_by_user(id: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "architect.flow.not.locked.by.user",
            "Flow is not locked by requesting user.",
        )
        .with_entity(id)
    }

    pub fn operation_in_progress(id: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "architect.operation.already.in.progress",
            "An operation is already in progress on the object.",
        )
        .with_entity(id)
    }

    pub fn missing_config(id: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "architect.flow.cannot.checkin.missing.config",
            "Flow cannot be checked in because it has no configuration.",
        )
        .with_entity(id)
    }

    /// 429 `too.many.requests` with the message template of API.md §4.2.
    pub fn too_many_requests(allowed: u32, window_secs: u64, retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests",
            format!("Rate limit exceeded the maximum [{allowed}] requests within [{window_secs}] seconds"),
        )
        .with_params(
            "Rate limit exceeded the maximum [{limit}] requests within [{seconds}] seconds",
            &[("limit", allowed.to_string()), ("seconds", window_secs.to_string())],
        );
        e.retry_after_secs = Some(retry_after_secs);
        e
    }

    /// A generic error for a status, used when the router itself rejects a
    /// request (unknown path, wrong method, unreadable body).
    pub fn generic(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::bad_request(
                "The request could not be understood by the server due to malformed syntax.",
            ),
            401 => Self::new(
                status,
                "authentication.required",
                "No authentication bearer token specified in authorization header.",
            ),
            403 => Self::new(
                status,
                "not.authorized",
                "You are not authorized to perform the requested action.",
            ),
            404 | 405 => Self::not_found(),
            415 => Self::new(
                status,
                "unsupported.media.type",
                "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.",
            ),
            429 => Self::too_many_requests(0, 60, 1),
            503 => Self::new(
                status,
                "service.unavailable",
                "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).",
            ),
            504 => Self::new(status, "request.timeout", "The request timed out."),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal.server.error",
                "The server encountered an unexpected condition which prevented it from fulfilling the request.",
            ),
        }
    }

    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("message".into(), json!(self.message));
        m.insert("code".into(), json!(self.code));
        m.insert("status".into(), json!(self.status.as_u16()));
        if let Some(id) = &self.entity_id {
            m.insert("entityId".into(), json!(id));
        }
        if let Some(t) = &self.message_with_params {
            m.insert("messageWithParams".into(), json!(t));
        }
        m.insert("messageParams".into(), json!(self.message_params));
        m.insert("details".into(), json!([]));
        m.insert("errors".into(), json!([]));
        Value::Object(m)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// An error of the login host's `/oauth/token` endpoint.
#[derive(Debug, Clone)]
pub struct TokenError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl TokenError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({
                "error": self.error,
                "description": self.description,
                "error_description": self.description,
            })),
        )
            .into_response()
    }
}
