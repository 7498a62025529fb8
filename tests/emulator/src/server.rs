//! Starting, routing and the request pipeline.
//!
//! Every request passes `observe` (correlation id, rate limit, error
//! normalisation, request log); `/api/v2/...` requests also pass `api_gate`
//! (faults, then bearer authentication).

use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::{self, basic_credentials, bearer_token};
use crate::config::EmulatorConfig;
use crate::control::{EmulatorControl, RequestRecord, apply_interference};
use crate::errors::{ApiError, TokenError};
use crate::rate_limit::WINDOW;
use crate::store::Store;
use crate::{admin, flows, jobs, queues};

/// Shared state of one emulator instance.
pub struct Shared {
    pub base_url: String,
    store: Mutex<Store>,
}

impl Shared {
    /// Locks the store after applying every completion that is due, so callers
    /// always see current state. The lock is never held across an await.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        let mut guard = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        guard.advance(Instant::now());
        guard
    }
}

pub type App = Arc<Shared>;

/// Why an emulator could not start.
#[derive(Debug)]
pub enum StartError {
    /// The emulator only listens on loopback addresses.
    NotLoopback(SocketAddr),
    Bind(SocketAddr, io::Error),
    Seed(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotLoopback(a) => write!(
                f,
                "refusing to listen on {a}: the emulator only binds loopback addresses (127.0.0.0/8 or ::1)"
            ),
            Self::Bind(a, e) => write!(f, "cannot listen on {a}: {e}"),
            Self::Seed(e) => write!(f, "cannot build the seed data: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Entry point of the library.
pub struct Emulator;

impl Emulator {
    /// Binds `config.listen` (loopback only), loads the seed and serves in a
    /// background task of the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, StartError> {
        if !config.listen.ip().is_loopback() {
            return Err(StartError::NotLoopback(config.listen));
        }
        let store = Store::new(&config).map_err(StartError::Seed)?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartError::Bind(config.listen, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError::Bind(config.listen, e))?;
        let app: App = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            store: Mutex::new(store),
        });
        let router = router(app.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                eprintln!("genesys-emulator: server error: {e}");
            }
        });
        Ok(RunningEmulator {
            control: EmulatorControl { app },
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Dereferences to its [`EmulatorControl`]; dropping it
/// stops the server.
pub struct RunningEmulator {
    control: EmulatorControl,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`: the login and the API base URL.
    pub fn base_url(&self) -> &str {
        self.control.base_url()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A cloneable handle for faults and inspection.
    pub fn control(&self) -> EmulatorControl {
        self.control.clone()
    }

    /// Stops accepting connections and waits (at most 2 s, since clients may
    /// keep idle connections open) for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Deref for RunningEmulator {
    type Target = EmulatorControl;

    fn deref(&self) -> &EmulatorControl {
        &self.control
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn router(app: App) -> Router {
    let api = Router::new()
        .route("/api/v2/flows", get(flows::list).post(flows::create))
        .route("/api/v2/flows/lookup", get(flows::lookup))
        .route("/api/v2/flows/actions/{action}", post(flows::action))
        .route("/api/v2/flows/jobs", post(jobs::register_import))
        .route("/api/v2/flows/jobs/{jobId}", get(jobs::get_import))
        .route("/api/v2/flows/export/jobs", post(jobs::register_export))
        .route("/api/v2/flows/export/jobs/{jobId}", get(jobs::get_export))
        .route(
            "/api/v2/flows/{flowId}",
            get(flows::get).put(flows::update).delete(flows::delete),
        )
        .route(
            "/api/v2/flows/{flowId}/latestconfiguration",
            get(flows::latest_configuration),
        )
        .route(
            "/api/v2/flows/{flowId}/versions",
            get(flows::list_versions).post(flows::create_version),
        )
        .route(
            "/api/v2/flows/{flowId}/versions/{versionId}",
            get(flows::get_version),
        )
        .route(
            "/api/v2/flows/{flowId}/versions/{versionId}/configuration",
            get(flows::get_version_configuration),
        )
        .route("/api/v2/routing/queues", get(queues::list))
        .route("/api/v2/routing/queues/{queueId}", get(queues::get))
        .route_layer(from_fn_with_state(app.clone(), api_gate));
    Router::new()
        .merge(api)
        .route("/oauth/token", post(auth::token))
        .route("/__emulator/s3/architect-jobs/{jobId}", put(jobs::upload))
        .route(
            "/__emulator/s3/architect-exports/{jobId}/{file}",
            get(jobs::download),
        )
        .merge(admin::router())
        .fallback(not_found)
        .layer(from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

/// The authenticated client, carried on the response for the request log.
#[derive(Clone)]
struct CallerId(String);

/// A fault label, carried on the response for the request log.
#[derive(Clone)]
struct FaultLabel(String);

const CORRELATION: HeaderName = HeaderName::from_static("inin-correlation-id");
const RL_COUNT: HeaderName = HeaderName::from_static("inin-ratelimit-count");
const RL_ALLOWED: HeaderName = HeaderName::from_static("inin-ratelimit-allowed");
const RL_RESET: HeaderName = HeaderName::from_static("inin-ratelimit-reset");

/// Largest body the pipeline buffers (error bodies, dropped responses).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Rate-limit key: the bearer token, else the Basic client id (token
/// endpoint), else one shared anonymous bucket.
fn rate_key(headers: &HeaderMap) -> String {
    if let Some(t) = bearer_token(headers) {
        return format!("bearer:{t}");
    }
    if let Some((id, _)) = basic_credentials(headers) {
        return format!("client:{id}");
    }
    "anonymous".to_owned()
}

async fn observe(State(app): State<App>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let is_api = path.starts_with("/api/v2/") || path == "/api/v2";
    let is_token = path == "/oauth/token";
    let key = rate_key(req.headers());
    let (correlation, rate) = {
        let mut store = app.lock();
        (store.ids.next_uuid(), store.rate.hit(&key, Instant::now()))
    };
    let mut resp = if rate.exceeded && is_api {
        ApiError::too_many_requests(rate.allowed, WINDOW.as_secs(), rate.reset_secs).into_response()
    } else if rate.exceeded && is_token {
        // The login host reports throttling as 400 invalid_request (API.md §1.1).
        TokenError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("rate limit exceeded; retry in {} seconds", rate.reset_secs),
        )
        .into_response()
    } else {
        next.run(req).await
    };
    if is_api || !path.starts_with("/__emulator/") {
        resp = normalize_error(resp, &correlation).await;
    }
    let h = resp.headers_mut();
    for (name, value) in [
        (CORRELATION, correlation.clone()),
        (RL_COUNT, rate.count.to_string()),
        (RL_ALLOWED, rate.allowed.to_string()),
        (RL_RESET, rate.reset_secs.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    let record = RequestRecord {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        client_id: resp.extensions().get::<CallerId>().map(|c| c.0.clone()),
        correlation_id: correlation,
        fault: resp.extensions().get::<FaultLabel>().map(|f| f.0.clone()),
    };
    app.lock().log.push(record);
    resp
}

/// Makes every platform error an `ErrorBody` carrying `contextId`: fills it
/// into the emulator's own errors and replaces the router's plain-text
/// rejections (unknown route, wrong method, unreadable path).
async fn normalize_error(resp: Response, correlation: &str) -> Response {
    let status = resp.status();
    if !status.is_client_error() && !status.is_server_error() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let mut value = match serde_json::from_slice::<Value>(&bytes) {
        // The token endpoint's OAuth errors have no `code`: leave them alone.
        Ok(v) if v.get("code").is_none() && v.get("error").is_some() => {
            return Response::from_parts(parts, Body::from(bytes));
        }
        Ok(v) if v.get("code").is_some() => v,
        _ => ApiError::generic(status).body(),
    };
    value["contextId"] = Value::String(correlation.to_owned());
    if let Some(s) = value.get("status").and_then(Value::as_u64)
        && let Ok(code) = u16::try_from(s)
        && let Ok(sc) = StatusCode::from_u16(code)
    {
        parts.status = sc;
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// Faults first (they model the platform failing before it looks at the
/// request), then authentication.
async fn api_gate(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let decision = {
        let mut store = app.lock();
        let d = store
            .faults
            .decide_for(req.method() != axum::http::Method::GET);
        for action in &d.interference {
            // An interference that the real API would refuse simply does not happen.
            let _ = apply_interference(&mut store, action);
        }
        if d.expire_tokens {
            store.expire_tokens(Instant::now());
        }
        d
    };
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if let Some(status) = decision.reject {
        let err = if status == 429 {
            let allowed = app.lock().rate.allowed();
            ApiError::too_many_requests(allowed, WINDOW.as_secs(), decision.retry_after_secs)
        } else {
            ApiError::generic(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            )
        };
        let mut resp = err.into_response();
        resp.extensions_mut()
            .insert(FaultLabel(format!("injected {status}")));
        return resp;
    }
    let caller = {
        let store = app.lock();
        auth::authenticate(&store, req.headers(), Instant::now())
    };
    let caller = match caller {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let client_id = caller.client_id.clone();
    req.extensions_mut().insert(caller);
    let mut resp = next.run(req).await;
    resp.extensions_mut().insert(CallerId(client_id));
    if let Some(status) = decision.after_commit
        && resp.status().is_success()
    {
        let mut r = ApiError::generic(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .into_response();
        r.extensions_mut()
            .insert(CallerId(client_id_for_log(&resp)));
        r.extensions_mut()
            .insert(FaultLabel(format!("injected {status} after commit")));
        return r;
    }
    if decision.drop && resp.status().is_success() {
        resp = cut_off(resp).await;
        resp.extensions_mut()
            .insert(FaultLabel("dropped".to_owned()));
    }
    resp
}

fn client_id_for_log(resp: &Response) -> String {
    resp.extensions()
        .get::<CallerId>()
        .map(|c| c.0.clone())
        .unwrap_or_default()
}

/// Sends the head and half of the body, then fails the body stream so the
/// server aborts the connection mid-response. The request itself has already
/// taken effect, as with a real network failure.
async fn cut_off(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let half: Bytes = bytes.slice(0..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    let chunks: Vec<Result<Bytes, io::Error>> = vec![
        Ok(half),
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        )),
    ];
    Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
}
