//! Typed calls: flows, versions, actions, operations, queues and import jobs.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::model::{Flow, FlowVersion, JobState, Listing, Operation, Queue, RegisteredJob};
use super::transport::{ApiError, Body, Transport};

/// Percent-encodes a query or path component.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The Genesys Cloud API, as flowguard uses it.
#[derive(Debug)]
pub struct Client {
    pub transport: Transport,
}

/// Which operation [`Client::wait_operation`] follows.
pub struct OperationWait<'a> {
    /// `CHECKIN`, `PUBLISH`.
    pub action_name: &'static str,
    /// The id of the `Operation` the action answered with.
    pub ours: Option<String>,
    /// `currentOperation.id` before the action.
    pub before: Option<String>,
    /// The action's effect is visible in the flow (e.g. the version is published).
    pub landed: &'a (dyn Fn(&Flow) -> bool + Send + Sync),
}

impl<'a> OperationWait<'a> {
    pub fn new(
        action_name: &'static str,
        ours: Option<&Operation>,
        before: &Flow,
        landed: &'a (dyn Fn(&Flow) -> bool + Send + Sync),
    ) -> Self {
        Self {
            action_name,
            ours: ours.and_then(|o| o.id.clone()),
            before: before.current_operation.as_ref().and_then(|o| o.id.clone()),
            landed,
        }
    }
}

/// How to wait for asynchronous work (operations, jobs).
#[derive(Clone, Copy, Debug)]
pub struct PollPolicy {
    pub first: Duration,
    pub max_interval: Duration,
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(250),
            max_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(16 * 60),
        }
    }
}

impl PollPolicy {
    /// Defaults with `FLOWGUARD_POLL_MS` (first interval) applied.
    pub fn from_env() -> Self {
        let mut p = Self::default();
        if let Some(ms) = super::transport::env_u64("FLOWGUARD_POLL_MS") {
            p.first = Duration::from_millis(ms.max(1));
            p.max_interval = Duration::from_millis(ms.saturating_mul(8).max(1));
        }
        p
    }
}

impl Client {
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// This client's OAuth client id (lock holder id of our checkouts).
    pub fn client_id(&self) -> &str {
        &self.transport.credentials.client_id
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.transport
            .send(Method::GET, path, Body::None)
            .await?
            .json("GET", path)
    }

    /// Every entity of a paged listing (API.md §2.3): `base` with `pageSize=100` and each
    /// `pageNumber` appended, until the last page (at most 1,000 pages).
    pub async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        base: &str,
    ) -> Result<Vec<T>, ApiError> {
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let l: Listing<T> = self
                .get_json(&format!("{base}{sep}pageSize=100&pageNumber={page}"))
                .await?;
            let count = l.page_count.unwrap_or(1);
            out.extend(l.entities);
            if page >= count || page >= 1000 {
                return Ok(out);
            }
            page += 1;
        }
    }

    async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Body,
    ) -> Result<T, ApiError> {
        self.transport
            .send(Method::POST, path, body)
            .await?
            .json("POST", path)
    }

    pub async fn get_flow(&self, id: &str) -> Result<Flow, ApiError> {
        self.get_json(&format!("/api/v2/flows/{}", enc(id))).await
    }

    /// Flows whose name is exactly `name` (case-insensitive), every page.
    pub async fn find_flows_by_name(&self, name: &str) -> Result<Vec<Flow>, ApiError> {
        let all: Vec<Flow> = self
            .all_pages(&format!("/api/v2/flows?name={}", enc(name)))
            .await?;
        Ok(all
            .into_iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name))
            .collect())
    }

    /// The divisions (id, name) the org's flows are in, every page.
    pub async fn flow_divisions(&self) -> Result<Vec<(String, String)>, ApiError> {
        let flows: Vec<Flow> = self.all_pages("/api/v2/flows").await?;
        let mut out: Vec<(String, String)> = Vec::new();
        for d in flows.into_iter().filter_map(|f| f.division) {
            if let (Some(id), Some(name)) = (d.id, d.name)
                && !out.iter().any(|(i, _)| *i == id)
            {
                out.push((id, name));
            }
        }
        Ok(out)
    }

    /// `POST /api/v2/flows`: creates an empty flow. Sent once (it creates something);
    /// after a lost answer the caller looks the flow up by name and type.
    pub async fn create_flow(
        &self,
        name: &str,
        flow_type: &str,
        division_id: Option<&str>,
    ) -> Result<Flow, ApiError> {
        let mut body = serde_json::json!({ "name": name, "type": flow_type });
        if let Some(d) = division_id {
            body["division"] = serde_json::json!({ "id": d });
        }
        let path = "/api/v2/flows";
        self.transport
            .send_write(Method::POST, path, Body::Json(body))
            .await?
            .json("POST", path)
    }

    /// `latestconfiguration`: saved, else checked in, else published configuration.
    pub async fn latest_configuration(&self, id: &str) -> Result<Value, ApiError> {
        self.get_json(&format!("/api/v2/flows/{}/latestconfiguration", enc(id)))
            .await
    }

    pub async fn version_configuration(&self, id: &str, version: &str) -> Result<Value, ApiError> {
        self.get_json(&format!(
            "/api/v2/flows/{}/versions/{}/configuration",
            enc(id),
            enc(version)
        ))
        .await
    }

    /// Every version of a flow (all pages), in the API's order.
    pub async fn versions(&self, id: &str) -> Result<Vec<FlowVersion>, ApiError> {
        self.all_pages(&format!("/api/v2/flows/{}/versions", enc(id)))
            .await
    }

    /// `POST versions`: not idempotent (each call may add a version), so never
    /// repeated after a 5xx or a lost answer; the caller re-reads the flow.
    pub async fn create_version(
        &self,
        id: &str,
        configuration: &Value,
    ) -> Result<FlowVersion, ApiError> {
        let path = format!("/api/v2/flows/{}/versions", enc(id));
        self.transport
            .send_write(Method::POST, &path, Body::Json(configuration.clone()))
            .await?
            .json("POST", &path)
    }

    fn action_path(action: &str, id: &str, version: Option<&str>) -> String {
        let mut path = format!("/api/v2/flows/actions/{action}?flow={}", enc(id));
        if let Some(v) = version {
            path.push_str(&format!("&version={}", enc(v)));
        }
        path
    }

    async fn action<T: serde::de::DeserializeOwned>(
        &self,
        action: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<T, ApiError> {
        self.post_json(&Self::action_path(action, id, version), Body::None)
            .await
    }

    /// An asynchronous action (checkin, publish): sent once (see
    /// [`super::transport::Retry::OnlyIfNotProcessed`]); its `Operation` if the
    /// answer has a body (publish may answer `202 Accepted` with none).
    async fn async_action(
        &self,
        action: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<Option<Operation>, ApiError> {
        let path = Self::action_path(action, id, version);
        self.transport
            .send_write(Method::POST, &path, Body::None)
            .await?
            .json_opt("POST", &path)
    }

    pub async fn checkout(&self, id: &str) -> Result<Flow, ApiError> {
        self.action("checkout", id, None).await
    }
    pub async fn checkin(&self, id: &str) -> Result<Option<Operation>, ApiError> {
        self.async_action("checkin", id, None).await
    }
    pub async fn publish(
        &self,
        id: &str,
        version: Option<&str>,
    ) -> Result<Option<Operation>, ApiError> {
        self.async_action("publish", id, version).await
    }
    pub async fn revert(&self, id: &str) -> Result<Flow, ApiError> {
        self.action("revert", id, None).await
    }
    pub async fn unlock(&self, id: &str) -> Result<Flow, ApiError> {
        self.action("unlock", id, None).await
    }

    /// Polls the flow until no operation runs; returns the flow as last seen.
    pub async fn wait_idle(
        &self,
        id: &str,
        poll: PollPolicy,
        mut progress: impl FnMut(Duration),
    ) -> Result<Flow, ApiError> {
        let clock = self.transport.clock.clone();
        let start = clock.now();
        let mut interval = poll.first;
        // Operations take a moment: wait one interval before the first look.
        clock.sleep(interval).await;
        loop {
            let flow = self.get_flow(id).await?;
            if !flow.operation_running() {
                return Ok(flow);
            }
            let waited = clock.now().saturating_duration_since(start);
            if waited >= poll.timeout {
                return Err(ApiError::protocol(
                    "GET",
                    &format!("/api/v2/flows/{id}"),
                    format!(
                        "the flow's operation did not complete within {}s",
                        poll.timeout.as_secs()
                    ),
                ));
            }
            progress(waited);
            clock.sleep(interval).await;
            interval = (interval * 2).min(poll.max_interval);
        }
    }

    /// Waits for the operation an action started: `ours` is the `Operation` the
    /// action answered with (if it had a body), `before` the flow's
    /// `currentOperation` id just before the action. The wait ends when
    /// * our operation (by id) is complete, or, without its id,
    /// * an operation of `action_name` other than `before` is complete, or
    /// * nothing runs and `landed` says the action's effect is visible;
    ///
    /// a stale completed operation (an earlier VALIDATE, another party's) never
    /// ends it. Bounded by `poll.timeout`; the error names the operation.
    pub async fn wait_operation(
        &self,
        id: &str,
        wait: &OperationWait<'_>,
        poll: PollPolicy,
        mut progress: impl FnMut(Duration),
    ) -> Result<Flow, ApiError> {
        let clock = self.transport.clock.clone();
        let start = clock.now();
        let mut interval = poll.first;
        clock.sleep(interval).await;
        loop {
            let flow = self.get_flow(id).await?;
            let cur = flow.current_operation.as_ref();
            let cur_id = cur.and_then(|o| o.id.as_deref());
            let done = match (&wait.ours, cur) {
                (Some(our_id), Some(op)) if cur_id == Some(our_id.as_str()) => op.complete,
                (Some(_), _) => false,
                (None, Some(op)) => {
                    op.complete
                        && cur_id != wait.before.as_deref()
                        && op.action_name.as_deref() == Some(wait.action_name)
                }
                (None, None) => false,
            };
            if done || (!flow.operation_running() && (wait.landed)(&flow)) {
                return Ok(flow);
            }
            let waited = clock.now().saturating_duration_since(start);
            if waited >= poll.timeout {
                return Err(ApiError::protocol(
                    "GET",
                    &format!("/api/v2/flows/{id}"),
                    format!(
                        "the {} operation {} did not complete within {}s (the flow shows {})",
                        wait.action_name,
                        wait.ours
                            .as_deref()
                            .unwrap_or("(started without an id in the answer)"),
                        poll.timeout.as_secs(),
                        cur.map(|o| format!(
                            "{} {} {}",
                            o.action_name.as_deref().unwrap_or("?"),
                            o.id.as_deref().unwrap_or("?"),
                            o.action_status.as_deref().unwrap_or("?")
                        ))
                        .unwrap_or_else(|| "no operation".into())
                    ),
                ));
            }
            progress(waited);
            clock.sleep(interval).await;
            interval = (interval * 2).min(poll.max_interval);
        }
    }

    /// Every routing queue (all pages).
    pub async fn queues(&self) -> Result<Vec<Queue>, ApiError> {
        self.all_pages("/api/v2/routing/queues").await
    }

    /// Queues named `name` (exact, case-insensitive).
    pub async fn queues_named(&self, name: &str) -> Result<Vec<Queue>, ApiError> {
        let l: Listing<Queue> = self
            .get_json(&format!(
                "/api/v2/routing/queues?name={}&pageSize=100",
                enc(name)
            ))
            .await?;
        Ok(l.entities
            .into_iter()
            .filter(|q| q.name.eq_ignore_ascii_case(name))
            .collect())
    }

    /// Registers an import job (sent once: a lost answer leaves at most a job
    /// that never receives a file, which does nothing).
    pub async fn register_job(&self) -> Result<RegisteredJob, ApiError> {
        let path = "/api/v2/flows/jobs";
        self.transport
            .send_write(Method::POST, path, Body::None)
            .await?
            .json("POST", path)
    }

    /// PUTs the YAML to the presigned URL with every header of the registration.
    pub async fn upload(&self, job: &RegisteredJob, yaml: &[u8]) -> Result<(), ApiError> {
        let headers: Vec<(String, String)> = job
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.transport
            .send_presigned(Method::PUT, &job.presigned_url, &headers, yaml.to_vec())
            .await
            .map(|_| ())
    }

    pub async fn job(&self, id: &str) -> Result<JobState, ApiError> {
        self.get_json(&format!("/api/v2/flows/jobs/{}?expand=messages", enc(id)))
            .await
    }
}
