//! Helpers shared by the integration tests: start an emulator, log in, call
//! the API, and validate bodies against `openapi-subset.json`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use genesys_emulator::{ClientConfig, Emulator, EmulatorConfig, RunningEmulator};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Operation/job delay used by the tests: long enough to observe the running
/// state, short enough to keep the suite fast.
pub const DELAY: Duration = Duration::from_millis(40);

pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        operation_delay: DELAY,
        ..EmulatorConfig::default()
    }
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(config).await.unwrap()
}

/// A delay long enough that tests can observe the running state even on a
/// loaded machine; completion is awaited by polling, never by sleeping blindly.
pub const SLOW_DELAY: Duration = Duration::from_millis(400);

pub fn slow_config() -> EmulatorConfig {
    EmulatorConfig {
        operation_delay: SLOW_DELAY,
        ..EmulatorConfig::default()
    }
}

/// Polls `done` every 5 ms, for at most 10 s.
pub async fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not reached in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until no operation runs on the flow.
pub async fn settle_flow(emu: &RunningEmulator, flow_id: &str) {
    wait_until(|| !emu.operation_running(flow_id)).await;
}

/// Polls a job until it is neither Registered nor Started (so only for jobs
/// whose upload was accepted), and returns its final state.
pub async fn finished_job(api: &Api, path: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let body = api.get(path).await.body;
        assert!(body["status"].is_string(), "{path}: {body}");
        if body["status"] != "Started" && body["status"] != "Registered" {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job {path} did not finish: {body}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `POST /oauth/token` with Basic credentials; returns status and body.
pub async fn token_response(base: &str, id: &str, secret: &str) -> (StatusCode, Value) {
    let resp = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

pub async fn token(base: &str, id: &str, secret: &str) -> String {
    let (status, body) = token_response(base, id, secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A logged-in API client.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

/// A response: status, headers and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an ErrorBody with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status, "{}", self.body);
        assert_eq!(
            self.body["contextId"].as_str(),
            self.header("inin-correlation-id"),
            "contextId must be the correlation id"
        );
    }
}

impl Api {
    pub async fn login(base: &str, id: &str, secret: &str) -> Self {
        Self {
            base: base.to_owned(),
            token: token(base, id, secret).await,
            http: http(),
        }
    }

    /// Logs in as the default client.
    pub async fn default_client(emu: &RunningEmulator) -> Self {
        Self::login(
            emu.base_url(),
            genesys_emulator::DEFAULT_CLIENT_ID,
            genesys_emulator::DEFAULT_CLIENT_SECRET,
        )
        .await
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.try_call(method, path, body).await.unwrap()
    }

    pub async fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Result<Resp> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> Resp {
        self.call(Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    pub async fn action(&self, action: &str, flow: &str) -> Resp {
        self.post(&format!("/api/v2/flows/actions/{action}?flow={flow}"), None)
            .await
    }
}

/// Another configured client for lock tests.
pub const CLIENT_B: (&str, &str) = ("client-b", "secret-b");

pub fn two_clients() -> EmulatorConfig {
    EmulatorConfig {
        clients: vec![
            ClientConfig::default_client(),
            ClientConfig::new(CLIENT_B.0, CLIENT_B.1),
        ],
        ..config()
    }
}

/// A small, valid Archy YAML flow.
pub fn archy_yaml(name: &str, queue: &str) -> String {
    format!(
        r#"inboundCall:
  name: {name}
  description: imported by a test
  startUpRef: "/inboundCall/tasks/task[Start_1]"
  defaultLanguage: en-us
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToAcd:
              name: Transfer
              targetQueue:
                lit:
                  name: {queue}
          - disconnect:
              name: Disconnect
"#
    )
}

// ---- JSON Schema validation over the Swagger definitions ----

fn spec_path() -> PathBuf {
    if let Ok(p) = std::env::var("GENESYS_OPENAPI") {
        return PathBuf::from(p);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The shared ground truth sits beside the repository; the vendored copy
    // under tests/data keeps the suite runnable without it.
    let shared = manifest.join("../../../shared/genesys/openapi-subset.json");
    if shared.exists() {
        shared
    } else {
        manifest.join("tests/data/openapi-subset.json")
    }
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::from_str(&std::fs::read_to_string(spec_path()).unwrap()).unwrap()
    })
}

/// Makes a Swagger schema node strict: objects with `properties` reject
/// unknown fields (so the emulator cannot serve a field the real API lacks),
/// and `format: uri` becomes `uri-reference` because the API's `selfUri`
/// values are relative (API.md §2.3).
fn strictify(node: &mut Value) {
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    if obj.get("format").and_then(Value::as_str) == Some("uri") {
        obj.insert("format".into(), json!("uri-reference"));
    }
    if obj.contains_key("properties") && !obj.contains_key("additionalProperties") {
        obj.insert("additionalProperties".into(), json!(false));
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        props.values_mut().for_each(strictify);
    }
    if let Some(items) = obj.get_mut("items") {
        strictify(items);
    }
    if let Some(ap) = obj.get_mut("additionalProperties")
        && ap.is_object()
    {
        strictify(ap);
    }
}

/// A draft-7 validator for `#/definitions/{name}` of the subset.
pub fn validator(name: &str) -> jsonschema::Validator {
    let mut defs = spec()["definitions"].clone();
    assert!(defs.get(name).is_some(), "no definition {name}");
    defs.as_object_mut()
        .unwrap()
        .values_mut()
        .for_each(strictify);
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": defs,
        "$ref": format!("#/definitions/{name}"),
    });
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Panics with every violation if `value` does not match the definition.
pub fn assert_schema(name: &str, value: &Value) {
    let v = validator(name);
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} violations:\n{}\nbody: {value:#}",
        errors.join("\n")
    );
}

/// The definition a path's 200 response declares, straight from the spec, so
/// the tests cannot pick the wrong schema by hand.
pub fn response_definition(path: &str, method: &str) -> String {
    let r = &spec()["paths"][path][method]["responses"]["200"]["schema"]["$ref"];
    r.as_str()
        .unwrap()
        .trim_start_matches("#/definitions/")
        .to_owned()
}
