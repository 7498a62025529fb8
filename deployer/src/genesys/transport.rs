//! HTTP transport: bearer tokens, retries and rate limits (API.md §4).
//!
//! * 401 → the token is dropped and fetched again, once per request.
//! * 429 → waits `Retry-After` (seconds or an HTTP-date, capped), else `inin-ratelimit-reset`.
//! * 5xx (except 501) and connection errors → exponential backoff with full jitter, bounded.
//! * 409 and other 4xx are never retried.
//! * A client-side limiter keeps the request count of the current window under
//!   `inin-ratelimit-allowed`, so a well-behaved run sees no 429 at all.
//!
//! Every response's `ININ-Correlation-Id` is recorded (and logged with `--verbose`).
//! Time goes through a [`Clock`] so tests can run the waits instantly.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::auth::TokenCache;
use super::credentials::{Credentials, redact};
use super::model::ErrorBody;
use super::region::{Endpoints, check_scheme};
use super::retry::{Failure, Retrier};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Time, for waits that tests want to skip.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()>;
}

/// Real time (tokio timers).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// How hard to try.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts for 5xx and connection errors (the first one included).
    pub max_attempts: u32,
    /// First backoff; doubles per attempt, with full jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A `Retry-After` longer than this is waited only this long.
    pub max_retry_after: Duration,
    /// 429 answers tolerated per request.
    pub max_429: u32,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(180),
            max_429: 8,
            timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The default policy with `FLOWGUARD_BACKOFF_BASE_MS` / `FLOWGUARD_MAX_RETRY_AFTER_S`
    /// applied (tests use them to keep waits short).
    pub fn from_env() -> Self {
        let mut p = Self::default();
        if let Some(ms) = env_u64("FLOWGUARD_BACKOFF_BASE_MS") {
            p.backoff_base = Duration::from_millis(ms);
            p.backoff_max = Duration::from_millis(ms.saturating_mul(40).max(1));
        }
        if let Some(s) = env_u64("FLOWGUARD_MAX_RETRY_AFTER_S") {
            p.max_retry_after = Duration::from_secs(s);
        }
        p
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.backoff_max);
        // Full jitter, but never below half the step so waits stay meaningful.
        let half = exp / 2;
        half + exp.saturating_sub(half).mul_f64(fastrand::f64())
    }
}

pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// What went wrong with a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The API answered with an error status.
    Http,
    /// No answer (connection refused, reset, timeout, cut-off body).
    Network,
    /// The token endpoint refused the credentials.
    Auth,
    /// The answer could not be understood.
    Protocol,
    /// Bad configuration (URL, region).
    Config,
}

/// An API failure. Never carries secrets: messages are redacted before they get here.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    /// The platform error code (`architect.flow.locked.by.user`, ...).
    pub code: Option<String>,
    pub message: String,
    pub correlation_id: Option<String>,
    pub method: String,
    pub path: String,
}

impl ApiError {
    pub fn is_status(&self, s: u16) -> bool {
        self.status == Some(s)
    }
    pub fn is_code(&self, c: &str) -> bool {
        self.code.as_deref() == Some(c)
    }
    /// 409: lock or concurrent operation.
    pub fn is_conflict(&self) -> bool {
        self.is_status(409)
    }
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Config,
            status: None,
            code: None,
            message: message.into(),
            correlation_id: None,
            method: String::new(),
            path: String::new(),
        }
    }
    pub(crate) fn protocol(method: &str, path: &str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Protocol,
            status: None,
            code: None,
            message: message.into(),
            correlation_id: None,
            method: method.to_owned(),
            path: path.to_owned(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.method.is_empty() {
            write!(f, "{} {}: ", self.method, self.path)?;
        }
        if let Some(s) = self.status {
            write!(f, "HTTP {s} ")?;
        }
        if let Some(c) = &self.code {
            write!(f, "{c}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(c) = &self.correlation_id {
            write!(f, " (correlation id {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One HTTP exchange, as recorded for audit and measurements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    pub method: String,
    pub path: String,
    /// 0 when there was no answer.
    pub status: u16,
    pub correlation_id: Option<String>,
}

/// Counters over the transport's lifetime.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// API requests sent (every attempt, token requests excluded).
    pub api_requests: u64,
    pub token_requests: u64,
    pub responses_429: u64,
    pub responses_5xx: u64,
    pub network_errors: u64,
    pub retries: u64,
    /// Time spent waiting in the client-side limiter.
    pub limiter_wait: Duration,
}

#[derive(Debug, Default)]
struct Limiter {
    allowed: Option<u32>,
    count: u32,
    reset_at: Option<Instant>,
}

impl Limiter {
    /// How long to wait before the next request may go.
    fn reserve(&mut self, now: Instant) -> Duration {
        let mut wait = Duration::ZERO;
        if let (Some(allowed), Some(reset_at)) = (self.allowed, self.reset_at) {
            if now >= reset_at {
                self.count = 0;
                self.reset_at = None;
            } else if self.count.saturating_add(1) > allowed {
                // Sleep into the next window (a little past the advertised reset).
                wait = reset_at - now + Duration::from_millis(50);
                self.count = 0;
                self.reset_at = None;
            }
        }
        self.count = self.count.saturating_add(1);
        wait
    }

    fn observe(&mut self, headers: &HeaderMap, now: Instant) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if let (Some(count), Some(allowed), Some(reset)) = (
            num("inin-ratelimit-count"),
            num("inin-ratelimit-allowed"),
            num("inin-ratelimit-reset"),
        ) {
            self.allowed = Some(u32::try_from(allowed).unwrap_or(u32::MAX));
            // The server's count is authoritative (requests reserved since are in flight).
            self.count = u32::try_from(count).unwrap_or(u32::MAX);
            let at = now + Duration::from_secs(reset);
            self.reset_at = Some(at);
        }
    }
}

/// Whether a request may be sent again when its answer is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Reads and idempotent writes: 5xx and dropped connections are retried.
    Idempotent,
    /// Writes that create something (`POST versions`, checkin, publish, import
    /// jobs): after a 5xx or a lost answer the server may have done the work, so
    /// the caller re-reads the org and decides. Only failures that prove the
    /// request was not processed are retried: 429, 401 (token refresh) and
    /// connection failures before anything was sent.
    OnlyIfNotProcessed,
}

/// A request body.
#[derive(Clone, Debug)]
pub enum Body {
    None,
    Json(Value),
    /// Raw bytes with their content type.
    Raw(Vec<u8>),
}

/// A successful answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub correlation_id: Option<String>,
}

impl Response {
    /// The body, or `None` when the answer has none (e.g. publish's `202 Accepted`).
    pub fn json_opt<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
    ) -> Result<Option<T>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.json(method, path).map(Some)
    }

    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
    ) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::protocol(method, path, format!("unexpected response body: {e}")))
    }
}

/// The shared HTTP machinery of a [`super::Client`].
pub struct Transport {
    http: reqwest::Client,
    pub endpoints: Endpoints,
    pub credentials: Credentials,
    token: tokio::sync::Mutex<TokenCache>,
    pub clock: Arc<dyn Clock>,
    pub policy: RetryPolicy,
    limiter: Mutex<Limiter>,
    stats: Mutex<Stats>,
    calls: Mutex<Vec<CallRecord>>,
    /// Log every call (method, path, status, correlation id) to stderr.
    pub verbose: bool,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("endpoints", &self.endpoints)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl Transport {
    pub fn new(
        endpoints: Endpoints,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        policy: RetryPolicy,
    ) -> Result<Self, ApiError> {
        Self::with_roots(endpoints, credentials, clock, policy, &[])
    }

    /// Like [`Transport::new`], trusting `extra_roots` besides the built-in roots (a
    /// private CA, e.g. a corporate TLS-inspecting proxy's). Proxies come from the
    /// environment: `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY`, minus `NO_PROXY`.
    pub fn with_roots(
        endpoints: Endpoints,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        policy: RetryPolicy,
        extra_roots: &[reqwest::Certificate],
    ) -> Result<Self, ApiError> {
        check_scheme(&endpoints.api_base).map_err(ApiError::config)?;
        check_scheme(&endpoints.login_base).map_err(ApiError::config)?;
        let mut builder = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flowguard/", env!("CARGO_PKG_VERSION")));
        for c in extra_roots {
            builder = builder.add_root_certificate(c.clone());
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::config(format!("cannot build the HTTP client: {e}")))?;
        let token = TokenCache::new(credentials.clone(), endpoints.login_base.clone());
        Ok(Self {
            http,
            endpoints,
            credentials,
            token: tokio::sync::Mutex::new(token),
            clock,
            policy,
            limiter: Mutex::new(Limiter::default()),
            stats: Mutex::new(Stats::default()),
            calls: Mutex::new(Vec::new()),
            verbose: false,
        })
    }

    pub fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    /// Every API call so far, oldest first.
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.calls).clone()
    }

    pub fn call_count(&self) -> usize {
        lock(&self.calls).len()
    }

    fn scrub(&self, text: &str) -> String {
        redact(text, &[&self.credentials.client_secret])
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn bump(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut lock(&self.stats));
    }

    fn record(&self, method: &str, path: &str, status: u16, correlation_id: Option<String>) {
        if self.verbose {
            eprintln!(
                "flowguard: {method} {path} -> {} (correlation id {})",
                if status == 0 {
                    "no answer".to_owned()
                } else {
                    status.to_string()
                },
                correlation_id.as_deref().unwrap_or("-")
            );
        }
        lock(&self.calls).push(CallRecord {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            correlation_id,
        });
    }

    /// Sends an API request (`path` starts with `/api/v2/`) with retries.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Body,
    ) -> Result<Response, ApiError> {
        let url = format!("{}{}", self.endpoints.api_base, path);
        self.send_url(method, &url, path, body, true, &[], Retry::Idempotent)
            .await
    }

    /// Sends a non-idempotent API write: never repeated once it may have been
    /// processed (see [`Retry::OnlyIfNotProcessed`]).
    pub async fn send_write(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Body,
    ) -> Result<Response, ApiError> {
        let url = format!("{}{}", self.endpoints.api_base, path);
        self.send_url(
            method,
            &url,
            path,
            body,
            true,
            &[],
            Retry::OnlyIfNotProcessed,
        )
        .await
    }

    /// Sends to an absolute URL (presigned upload): no bearer token, the given headers.
    pub async fn send_presigned(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Response, ApiError> {
        check_scheme(url).map_err(ApiError::config)?;
        let shown = url.split('?').next().unwrap_or(url).to_owned();
        // The upload starts the import job: never sent twice.
        self.send_url(
            method,
            url,
            &shown,
            Body::Raw(body),
            false,
            headers,
            Retry::OnlyIfNotProcessed,
        )
        .await
    }

    /// GETs a download (an export job's `downloadUrl`). An absolute URL is presigned
    /// and may be on another host (S3): it gets no bearer token, so the token never
    /// leaves the API host. A relative one is resolved against the API base and sent
    /// with the token. A read: retried like any GET. The shown path drops the query
    /// (the signature).
    pub async fn download(&self, url: &str) -> Result<Response, ApiError> {
        let (full, authenticated) = if url.starts_with('/') {
            (format!("{}{url}", self.endpoints.api_base), true)
        } else {
            check_scheme(url).map_err(ApiError::config)?;
            (url.to_owned(), false)
        };
        let shown = url.split('?').next().unwrap_or(url).to_owned();
        self.send_url(
            reqwest::Method::GET,
            &full,
            &shown,
            Body::None,
            authenticated,
            &[],
            Retry::Idempotent,
        )
        .await
    }

    // One private entry point for API calls and presigned uploads.
    #[allow(clippy::too_many_arguments)]
    async fn send_url(
        &self,
        method: reqwest::Method,
        url: &str,
        shown_path: &str,
        body: Body,
        authenticated: bool,
        extra_headers: &[(String, String)],
        retry: Retry,
    ) -> Result<Response, ApiError> {
        let m = method.as_str().to_owned();
        let mut retrier = Retrier::new(&self.policy);
        let mut refreshed = false;
        loop {
            let wait = lock(&self.limiter).reserve(self.clock.now());
            if !wait.is_zero() {
                self.bump(|s| s.limiter_wait += wait);
                self.clock.sleep(wait).await;
            }
            let mut req = self.http.request(method.clone(), url);
            if authenticated {
                let token = self.token.lock().await.get(self).await?;
                req = req.bearer_auth(token.expose());
            }
            for (k, v) in extra_headers {
                req = req.header(k.as_str(), v.as_str());
            }
            req = match &body {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::Raw(b) => req.body(b.clone()),
            };
            self.bump(|s| s.api_requests += 1);
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(b) => Ok((status, headers, b.to_vec())),
                        Err(e) => Err((Some(status), headers, e)),
                    }
                }
                Err(e) => Err((None, HeaderMap::new(), e)),
            };
            let now = self.clock.now();
            match outcome {
                Err((status, headers, e)) => {
                    let corr = correlation(&headers);
                    self.record(&m, shown_path, status.unwrap_or(0), corr.clone());
                    self.bump(|s| s.network_errors += 1);
                    // A write is repeated only if it never reached the server.
                    let may_repeat =
                        retry == Retry::Idempotent || (status.is_none() && e.is_connect());
                    if may_repeat && let Some(wait) = retrier.next_wait(Failure::Transient) {
                        self.bump(|s| s.retries += 1);
                        self.clock.sleep(wait).await;
                        continue;
                    }
                    let attempt = retrier.attempts();
                    let chain = with_tls_hint(error_chain(&e));
                    let message = if may_repeat {
                        format!("no answer after {attempt} attempts: {chain}")
                    } else {
                        format!(
                            "the answer was lost (not repeated: the request may have been carried out): {chain}"
                        )
                    };
                    return Err(ApiError {
                        kind: ErrorKind::Network,
                        status: None,
                        code: None,
                        message: self.scrub(&message),
                        correlation_id: corr,
                        method: m,
                        path: shown_path.to_owned(),
                    });
                }
                Ok((status, headers, bytes)) => {
                    let corr = correlation(&headers);
                    self.record(&m, shown_path, status, corr.clone());
                    lock(&self.limiter).observe(&headers, now);
                    if (200..300).contains(&status) {
                        return Ok(Response {
                            status,
                            body: bytes,
                            correlation_id: corr,
                        });
                    }
                    if status == 401 && authenticated && !refreshed {
                        refreshed = true;
                        self.token.lock().await.invalidate();
                        continue;
                    }
                    if status == 429 {
                        self.bump(|s| s.responses_429 += 1);
                        let asked = headers
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()))
                            .or_else(|| header_secs(&headers, "inin-ratelimit-reset"));
                        if let Some(wait) = retrier.next_wait(Failure::RateLimited(asked)) {
                            self.bump(|s| s.retries += 1);
                            self.clock.sleep(wait).await;
                            continue;
                        }
                    }
                    if status >= 500 && status != 501 {
                        self.bump(|s| s.responses_5xx += 1);
                        if retry == Retry::Idempotent
                            && let Some(wait) = retrier.next_wait(Failure::Transient)
                        {
                            self.bump(|s| s.retries += 1);
                            self.clock.sleep(wait).await;
                            continue;
                        }
                    }
                    let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
                    let (code, message) = match body {
                        Some(b) if status == 403 => {
                            let named = b
                                .message_params
                                .as_ref()
                                .and_then(|p| p.get("permissions"))
                                .map(|p| match p {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                })
                                .filter(|p| !p.is_empty());
                            let needed =
                                named.unwrap_or_else(|| permission_for(&m, shown_path).to_owned());
                            (
                                b.code,
                                format!(
                                    "{} — the OAuth client's role lacks permission {needed}: grant it in Admin > Roles/Permissions (docs/deployer.md lists what each command needs)",
                                    b.message.unwrap_or_default()
                                ),
                            )
                        }
                        Some(b) => (b.code, b.message.unwrap_or_default()),
                        None => (
                            None,
                            String::from_utf8_lossy(&bytes).chars().take(300).collect(),
                        ),
                    };
                    let corr = corr.or_else(|| {
                        serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| {
                            v.get("contextId")
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        })
                    });
                    return Err(ApiError {
                        kind: ErrorKind::Http,
                        status: Some(status),
                        code,
                        message: self.scrub(&message),
                        correlation_id: corr,
                        method: m,
                        path: shown_path.to_owned(),
                    });
                }
            }
        }
    }
}

/// The permission an endpoint needs (API.md §1.5), for 403s that do not name it.
pub fn permission_for(method: &str, path: &str) -> &'static str {
    let p = path.split('?').next().unwrap_or(path);
    if p.starts_with("/api/v2/routing/queues") {
        "routing:queue:view"
    } else if p.starts_with("/api/v2/flows/export/jobs") {
        if method == "GET" {
            "architect:jobExport:view"
        } else {
            "architect:jobExport:create"
        }
    } else if p.starts_with("/api/v2/flows/jobs") {
        if method == "GET" {
            "architect:job:view"
        } else {
            "architect:job:create"
        }
    } else if p.ends_with("/actions/unlock") {
        "architect:flow:unlock"
    } else if p.ends_with("/actions/publish") || p.ends_with("/actions/deactivate") {
        "architect:flow:publish"
    } else if method == "GET" {
        "architect:flow:view"
    } else {
        "architect:flow:edit"
    }
}

fn header_secs(headers: &HeaderMap, name: &str) -> Option<Duration> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn correlation(headers: &HeaderMap) -> Option<String> {
    headers
        .get("inin-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A connection failure's text, with what to do when it is a certificate problem.
pub fn with_tls_hint(mut text: String) -> String {
    if text.contains("certificate") {
        text.push_str(
            " (behind a TLS-inspecting proxy? trust its CA with --ca-cert FILE or SSL_CERT_FILE)",
        );
    }
    text
}

/// `e` and its sources, joined.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        let p = RetryPolicy::default();
        for attempt in 1..20 {
            let b = p.backoff(attempt);
            assert!(b <= p.backoff_max, "{b:?}");
        }
        assert!(p.backoff(1) <= Duration::from_millis(250));
        assert!(p.backoff(3) >= Duration::from_millis(500));
    }

    #[test]
    fn limiter_waits_for_the_next_window() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let mut h = HeaderMap::new();
        h.insert("inin-ratelimit-count", HeaderValue::from_static("2"));
        h.insert("inin-ratelimit-allowed", HeaderValue::from_static("3"));
        h.insert("inin-ratelimit-reset", HeaderValue::from_static("10"));
        assert_eq!(l.reserve(t0), Duration::ZERO);
        l.observe(&h, t0);
        assert_eq!(l.reserve(t0), Duration::ZERO); // third request of 3
        let w = l.reserve(t0);
        assert!(w >= Duration::from_secs(10), "{w:?}");
    }
}
