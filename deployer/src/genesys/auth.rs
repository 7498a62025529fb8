//! OAuth client credentials on the login host (API.md §1.1), with a token cache.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::credentials::{Credentials, Secret, redact};
use super::retry::{Failure, Retrier};
use super::transport::{ApiError, ErrorKind, Transport, error_chain, with_tls_hint};

/// Tokens are renewed this long before they expire (or at half life for short tokens).
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct TokenErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// The cached access token.
#[derive(Debug)]
pub struct TokenCache {
    credentials: Credentials,
    login_base: String,
    token: Option<(Secret, Instant)>,
}

impl TokenCache {
    pub fn new(credentials: Credentials, login_base: String) -> Self {
        Self {
            credentials,
            login_base,
            token: None,
        }
    }

    /// Forgets the token (after a 401).
    pub fn invalidate(&mut self) {
        self.token = None;
    }

    /// A valid token, fetched when there is none or it is about to expire.
    pub async fn get(&mut self, t: &Transport) -> Result<Secret, ApiError> {
        if let Some((tok, renew_at)) = &self.token
            && t.clock.now() < *renew_at
        {
            return Ok(tok.clone());
        }
        let (tok, lifetime) = self.fetch(t).await?;
        let margin = EXPIRY_MARGIN.min(lifetime / 2);
        self.token = Some((tok.clone(), t.clock.now() + lifetime - margin));
        Ok(tok)
    }

    async fn fetch(&self, t: &Transport) -> Result<(Secret, Duration), ApiError> {
        let url = format!("{}/oauth/token", self.login_base);
        let path = "/oauth/token";
        let mut retrier = Retrier::new(&t.policy);
        loop {
            t.bump(|s| s.token_requests += 1);
            let sent = t
                .http()
                .post(&url)
                .basic_auth(
                    &self.credentials.client_id,
                    Some(self.credentials.client_secret.expose()),
                )
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
                .send()
                .await;
            let scrub = |s: &str| redact(s, &[&self.credentials.client_secret]);
            let (status, bytes) = match sent {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.bytes().await {
                        Ok(b) => (status, b.to_vec()),
                        Err(e) => (0, error_chain(&e).into_bytes()),
                    }
                }
                Err(e) => (0, error_chain(&e).into_bytes()),
            };
            if status == 200 {
                let body: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| {
                    ApiError::protocol("POST", path, format!("unexpected token response: {e}"))
                })?;
                let lifetime = Duration::from_secs(body.expires_in.unwrap_or(86_400).max(1));
                return Ok((Secret::new(body.access_token), lifetime));
            }
            let err: TokenErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
            let text = err
                .error_description
                .or(err.description)
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
            // The login host reports throttling as 400 "rate limit exceeded" (API.md §1.1).
            let throttled = status == 400 && text.to_ascii_lowercase().contains("rate limit");
            let failure = if status == 429 || throttled {
                Failure::RateLimited(None)
            } else if status == 0 || (status >= 500 && status != 501) {
                Failure::Transient
            } else {
                Failure::Permanent
            };
            if let Some(wait) = retrier.next_wait(failure) {
                t.clock.sleep(wait).await;
                continue;
            }
            let kind = if status == 0 {
                ErrorKind::Network
            } else {
                ErrorKind::Auth
            };
            let text = if status == 0 {
                with_tls_hint(text)
            } else {
                text
            };
            return Err(ApiError {
                kind,
                status: (status != 0).then_some(status),
                code: err.error,
                message: scrub(&format!("cannot get an access token from {url}: {text}")),
                correlation_id: None,
                method: "POST".into(),
                path: path.into(),
            });
        }
    }
}
