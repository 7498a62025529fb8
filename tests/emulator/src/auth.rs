//! OAuth client credentials (API.md §1.1), bearer tokens and permissions
//! (API.md §1.5).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::errors::{ApiError, TokenError};
use crate::server::App;
use crate::store::Store;

/// Every permission an emulated endpoint checks (API.md §1.5).
pub const ALL_PERMISSIONS: &[&str] = &[
    "architect:flow:view",
    "architect:flow:search",
    "architect:flow:add",
    "architect:flow:edit",
    "architect:flow:unlock",
    "architect:flow:publish",
    "architect:flow:delete",
    "architect:job:create",
    "architect:job:view",
    "architect:jobExport:create",
    "architect:jobExport:view",
    "routing:queue:view",
    "routing:queue:search",
];

/// An issued access token.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub client_id: String,
    pub expires_at: Instant,
}

/// The authenticated OAuth client of an API request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub client_name: String,
    pub permissions: Arc<[String]>,
}

impl Caller {
    fn has(&self, wanted: &str) -> bool {
        self.permissions
            .iter()
            .any(|granted| permission_matches(granted, wanted))
    }

    /// 403 `missing.any.permissions` unless the caller holds one of `perms`.
    pub fn require_any(&self, perms: &[&str]) -> Result<(), ApiError> {
        if perms.iter().any(|p| self.has(p)) {
            return Ok(());
        }
        let list = format!("[{}]", perms.join(", "));
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "missing.any.permissions",
            format!(
                "Unable to perform the requested action. You must have at least one of the following permissions assigned: {list}"
            ),
        )
        .with_params(
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}",
            &[("permissions", list)],
        ))
    }

    /// 403 `missing.permissions` unless the caller holds all of `perms`.
    pub fn require_all(&self, perms: &[&str]) -> Result<(), ApiError> {
        let missing: Vec<&str> = perms.iter().copied().filter(|p| !self.has(p)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let list = format!("[{}]", missing.join(", "));
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "missing.permissions",
            format!("Unable to perform the requested action. You are missing the following permission(s): {list}"),
        )
        .with_params(
            "Unable to perform the requested action. You are missing the following permission(s): {permissions}",
            &[("permissions", list)],
        ))
    }
}

/// `granted` may use `*` for a whole segment (`architect:flow:*`, `*`).
fn permission_matches(granted: &str, wanted: &str) -> bool {
    let g: Vec<&str> = granted.split(':').collect();
    let w: Vec<&str> = wanted.split(':').collect();
    if g.len() == 1 && g[0] == "*" {
        return true;
    }
    g.len() == w.len() && g.iter().zip(&w).all(|(a, b)| *a == "*" || a == b)
}

/// Decodes `Authorization: Basic base64(id:secret)`.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(rest.trim())?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The bearer token of a request, if it has one.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim().to_owned())
}

/// Standard-alphabet base64 with optional padding; the one decoder the token
/// endpoint needs, so no crate for it.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// `POST /oauth/token` (the login host; here the same base URL).
pub async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    match issue_token(&app, &headers, &body) {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

fn issue_token(app: &App, headers: &HeaderMap, body: &[u8]) -> Result<Response, TokenError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(TokenError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "content type must be application/x-www-form-urlencoded",
        ));
    }
    let grant = form_urlencoded::parse(body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    match grant.as_deref() {
        Some("client_credentials") => {}
        None => {
            return Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            ));
        }
        Some(_) => {
            return Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant type",
            ));
        }
    }
    let (id, secret) = basic_credentials(headers).ok_or_else(|| {
        TokenError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication required",
        )
    })?;
    let mut store = app.lock();
    let client = store.clients.iter().find(|c| c.id == id).ok_or_else(|| {
        TokenError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client not found",
        )
    })?;
    if client.secret != secret {
        return Err(TokenError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authentication failed",
        ));
    }
    let lifetime = store.token_lifetime;
    let token = store.ids.next_token();
    store.tokens.insert(
        token.clone(),
        TokenRecord {
            client_id: id,
            expires_at: crate::clock::after(lifetime),
        },
    );
    Ok(axum::Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs().max(1),
    }))
    .into_response())
}

/// Resolves the bearer token of an API request to its client.
pub fn authenticate(store: &Store, headers: &HeaderMap, now: Instant) -> Result<Caller, ApiError> {
    let Some(token) = bearer_token(headers) else {
        return Err(ApiError::generic(StatusCode::UNAUTHORIZED));
    };
    let record = store.tokens.get(&token).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials.",
        )
    })?;
    if record.expires_at <= now {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "credentials.expired",
            "The supplied credentials are expired and cannot be used.",
        ));
    }
    let client = store
        .clients
        .iter()
        .find(|c| c.id == record.client_id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad.credentials",
                "Invalid login credentials.",
            )
        })?;
    Ok(Caller {
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        permissions: client.permissions.clone().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_wildcards() {
        assert!(permission_matches(
            "architect:flow:*",
            "architect:flow:view"
        ));
        assert!(permission_matches("*", "routing:queue:view"));
        assert!(!permission_matches(
            "architect:flow:view",
            "architect:flow:edit"
        ));
        assert!(!permission_matches("architect:*", "architect:flow:view"));
    }

    #[test]
    fn decodes_basic() {
        let mut h = HeaderMap::new();
        // base64("id:secret")
        h.insert(
            header::AUTHORIZATION,
            "Basic aWQ6c2VjcmV0"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(basic_credentials(&h), Some(("id".into(), "secret".into())));
    }
}
