//! Architect flows: the `Flow`/`FlowVersion` model, lock rules (API.md §2.5,
//! §2.6) and the `/api/v2/flows` endpoints.

use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::clock::{iso8601, now_ms};
use crate::errors::ApiError;
use crate::operations::{ClientRef, OpEffect, OpStatus, OperationRecord};
use crate::paging::{PageRequest, Query, envelope, wildcard_match};
use crate::server::App;
use crate::store::Store;

/// Flow types of the `Flow.type` enum (API.md §2.4), upper case as in
/// responses; queries use them lower case.
pub const FLOW_TYPES: &[&str] = &[
    "BOT",
    "BUSINESSPROCESS",
    "COMMONMODULE",
    "DIGITALBOT",
    "EMAILSEND",
    "INBOUNDCALL",
    "INBOUNDCHAT",
    "INBOUNDEMAIL",
    "INBOUNDSHORTMESSAGE",
    "INQUEUECALL",
    "INQUEUEEMAIL",
    "INQUEUESHORTMESSAGE",
    "OUTBOUNDCALL",
    "SECURECALL",
    "SPEECH",
    "SURVEYINVITE",
    "VOICE",
    "VOICEMAIL",
    "VOICESURVEY",
    "WORKFLOW",
    "WORKITEM",
];

/// `FlowVersion.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionKind {
    Save,
    Checkin,
    Publish,
}

impl VersionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Save => "SAVE",
            Self::Checkin => "CHECKIN",
            Self::Publish => "PUBLISH",
        }
    }
}

/// A division reference (`WritableDivision`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRef {
    pub id: String,
    pub name: String,
}

impl DivisionRef {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "selfUri": format!("/api/v2/authorization/divisions/{}", self.id),
        })
    }
}

#[derive(Debug, Clone)]
pub struct VersionRecord {
    /// `"1.0"`, `"2.0"`, ...
    pub id: String,
    pub kind: VersionKind,
    pub created_by: ClientRef,
    pub date_created: i64,
    pub date_saved: Option<i64>,
    pub date_checked_in: Option<i64>,
    pub date_published: Option<i64>,
    pub date_published_end: Option<i64>,
    /// The Architect configuration document (API.md §2.7).
    pub configuration: Value,
    /// The Archy YAML the version was imported from, for YAML export jobs.
    pub yaml: Option<String>,
    /// Platform option `import_versions_without_client`: no `createdByClient`.
    pub hide_client: bool,
}

impl VersionRecord {
    pub fn to_json(&self, flow_id: &str) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.id,
            "commitVersion": self.id,
            "configurationVersion": self.id,
            "type": self.kind.as_str(),
            "secure": false,
            "debug": false,
            "createdByClient": self.created_by.to_json(),
            "configurationUri": format!("/api/v2/flows/{flow_id}/versions/{}/configuration", self.id),
            "dateCreated": self.date_created,
            "selfUri": format!("/api/v2/flows/{flow_id}/versions/{}", self.id),
        });
        if self.hide_client
            && let Some(m) = v.as_object_mut()
        {
            m.remove("createdByClient");
        }
        if let Some(t) = self.date_saved {
            v["dateSaved"] = json!(t);
        }
        if let Some(t) = self.date_checked_in {
            v["dateCheckedIn"] = json!(t);
        }
        if let Some(t) = self.date_published {
            v["datePublished"] = json!(iso8601(t));
        }
        if let Some(t) = self.date_published_end {
            v["datePublishedEnd"] = json!(iso8601(t));
        }
        v
    }
}

#[derive(Debug, Clone)]
pub struct FlowRecord {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Upper case, one of [`FLOW_TYPES`].
    pub flow_type: String,
    pub division: DivisionRef,
    pub deleted: bool,
    pub active: bool,
    pub versions: Vec<VersionRecord>,
    pub saved: Option<String>,
    pub checked_in: Option<String>,
    pub published: Option<String>,
    pub lock: Option<ClientRef>,
    /// The lock is a person's (Architect UI): shown as `lockedUser`, not `lockedClient`.
    pub lock_is_user: bool,
    pub current_operation: Option<OperationRecord>,
    /// Platform option `stale_operations`: until this instant the flow still shows
    /// `shown_operation` (the previous, completed one) as its `currentOperation`.
    pub operation_visible_at: Option<Instant>,
    pub shown_operation: Option<OperationRecord>,
    /// Next version number; never reused, even after a revert drops drafts.
    pub next_version: u32,
}

impl FlowRecord {
    pub fn new(id: String, name: String, flow_type: String, division: DivisionRef) -> Self {
        Self {
            id,
            name,
            description: None,
            flow_type,
            division,
            deleted: false,
            active: false,
            versions: Vec::new(),
            saved: None,
            checked_in: None,
            published: None,
            lock: None,
            lock_is_user: false,
            current_operation: None,
            operation_visible_at: None,
            shown_operation: None,
            next_version: 1,
        }
    }

    pub fn version(&self, id: &str) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn version_mut(&mut self, id: &str) -> Option<&mut VersionRecord> {
        self.versions.iter_mut().find(|v| v.id == id)
    }

    pub fn operation_running(&self) -> bool {
        self.current_operation
            .as_ref()
            .is_some_and(OperationRecord::is_running)
    }

    pub fn locked_by_other(&self, client_id: &str) -> bool {
        self.lock
            .as_ref()
            .is_some_and(|l| self.lock_is_user || l.id != client_id)
    }

    pub fn locked_by(&self, client_id: &str) -> bool {
        !self.lock_is_user && self.lock.as_ref().is_some_and(|l| l.id == client_id)
    }

    /// The configuration `latestconfiguration` returns: saved, else checked
    /// in, else published.
    pub fn latest_version(&self) -> Option<&VersionRecord> {
        [&self.saved, &self.checked_in, &self.published]
            .into_iter()
            .flatten()
            .find_map(|id| self.version(id))
    }

    /// Appends a version and returns its id.
    pub fn push_version(
        &mut self,
        kind: VersionKind,
        client: &ClientRef,
        configuration: Value,
        yaml: Option<String>,
        now: i64,
    ) -> String {
        let id = format!("{}.0", self.next_version);
        self.next_version += 1;
        self.versions.push(VersionRecord {
            id: id.clone(),
            kind,
            created_by: client.clone(),
            date_created: now,
            date_saved: Some(now),
            date_checked_in: (kind != VersionKind::Save).then_some(now),
            date_published: None,
            date_published_end: None,
            configuration,
            yaml,
            hide_client: false,
        });
        match kind {
            VersionKind::Save => self.saved = Some(id.clone()),
            VersionKind::Checkin | VersionKind::Publish => self.checked_in = Some(id.clone()),
        }
        id
    }

    /// Makes `version` the published one right now.
    pub fn apply_publish(&mut self, version: &str, publisher: &str, now: i64) {
        if let Some(old) = self.published.clone()
            && old != version
            && let Some(v) = self.version_mut(&old)
        {
            v.date_published_end = Some(now);
        }
        if let Some(v) = self.version_mut(version) {
            v.kind = VersionKind::Publish;
            v.date_published = Some(now);
            v.date_published_end = None;
            if v.date_checked_in.is_none() {
                v.date_checked_in = Some(now);
            }
        }
        if self.saved.as_deref() == Some(version) {
            self.saved = None;
            self.checked_in = Some(version.to_owned());
        }
        self.published = Some(version.to_owned());
        self.active = true;
        if self.locked_by(publisher) {
            self.lock = None;
        }
    }

    fn apply_checkin(&mut self, now: i64) {
        if let Some(saved) = self.saved.take() {
            if let Some(v) = self.version_mut(&saved) {
                v.kind = VersionKind::Checkin;
                v.date_checked_in = Some(now);
            }
            self.checked_in = Some(saved);
        }
        self.lock = None;
    }

    /// Completes the running operation if it is due.
    pub fn complete_operation(&mut self, now: Instant, keep_lock: bool) {
        let Some(op) = self.current_operation.as_ref() else {
            return;
        };
        if op.due().is_none_or(|due| due > now) {
            return;
        }
        let effect = op.effect.clone();
        let client = op.client.id.clone();
        let ms = now_ms();
        let status = match effect {
            OpEffect::Checkin => {
                self.apply_checkin(ms);
                OpStatus::Success
            }
            OpEffect::Publish { version } => {
                let lock = (self.lock.clone(), self.lock_is_user);
                self.apply_publish(&version, &client, ms);
                if keep_lock {
                    (self.lock, self.lock_is_user) = lock;
                }
                OpStatus::Success
            }
            OpEffect::Fail { code, message } => OpStatus::Failure { code, message },
        };
        if let Some(op) = self.current_operation.as_mut() {
            op.status = status;
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "division": self.division.to_json(),
            "type": self.flow_type,
            "active": self.active,
            "system": false,
            "deleted": self.deleted,
            "selfUri": format!("/api/v2/flows/{}", self.id),
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        // Client-credentials locks have no user, so only lockedClient is set; a
        // person's lock (Architect UI) is `lockedUser`.
        if let Some(lock) = &self.lock {
            if self.lock_is_user {
                v["lockedUser"] = json!({
                    "id": lock.id,
                    "name": lock.name,
                    "version": 1,
                    "selfUri": format!("/api/v2/users/{}", lock.id),
                });
            } else {
                v["lockedClient"] = lock.to_json();
            }
        }
        for (key, id) in [
            ("publishedVersion", &self.published),
            ("savedVersion", &self.saved),
            ("checkedInVersion", &self.checked_in),
        ] {
            if let Some(ver) = id.as_deref().and_then(|id| self.version(id)) {
                v[key] = ver.to_json(&self.id);
            }
        }
        let stale = self
            .operation_visible_at
            .is_some_and(|at| Instant::now() < at);
        let shown = if stale {
            self.shown_operation.as_ref()
        } else {
            self.current_operation.as_ref()
        };
        if let Some(op) = shown {
            v["currentOperation"] = op.to_json();
        }
        v
    }

    /// Starts `op` as the flow's operation. With `lag`, the previous operation
    /// stays visible (as the platform's eventual consistency may show it) until
    /// the lag has passed.
    pub fn begin_operation(&mut self, op: OperationRecord, lag: Option<std::time::Duration>) {
        match lag {
            Some(lag) => {
                self.shown_operation = self.current_operation.take();
                self.operation_visible_at = Some(crate::clock::after(lag));
            }
            None => self.operation_visible_at = None,
        }
        self.current_operation = Some(op);
    }
}

/// Flow rules shared by the HTTP handlers, the job importer and the control
/// handle.
impl Store {
    pub fn flow(&self, id: &str) -> Option<&FlowRecord> {
        self.flows.iter().find(|f| f.id == id)
    }

    pub fn flow_mut(&mut self, id: &str) -> Option<&mut FlowRecord> {
        self.flows.iter_mut().find(|f| f.id == id)
    }

    /// A flow that exists and is not deleted (404 / 410 otherwise).
    pub fn live_flow_mut(&mut self, id: &str) -> Result<&mut FlowRecord, ApiError> {
        let flow = self
            .flow_mut(id)
            .ok_or_else(|| ApiError::flow_not_found(id))?;
        if flow.deleted {
            return Err(ApiError::flow_deleted(id));
        }
        Ok(flow)
    }

    /// A flow for reading; deleted flows only with `deleted=true`.
    pub fn readable_flow(&self, id: &str, include_deleted: bool) -> Result<&FlowRecord, ApiError> {
        let flow = self.flow(id).ok_or_else(|| ApiError::flow_not_found(id))?;
        if flow.deleted && !include_deleted {
            return Err(ApiError::flow_deleted(id));
        }
        Ok(flow)
    }

    pub fn find_flow_by_name(&self, name: &str, flow_type: &str) -> Option<&FlowRecord> {
        self.flows.iter().find(|f| {
            !f.deleted
                && f.flow_type.eq_ignore_ascii_case(flow_type)
                && f.name.eq_ignore_ascii_case(name)
        })
    }

    /// `checkout`: 409 `architect.flow.locked.by.user` if someone else holds it.
    pub fn checkout(&mut self, id: &str, client: &ClientRef) -> Result<Value, ApiError> {
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if flow.locked_by_other(&client.id) {
            return Err(ApiError::locked_by_other(id));
        }
        flow.lock = Some(client.clone());
        flow.lock_is_user = false;
        Ok(flow.to_json())
    }

    /// A person checks the flow out in the Architect UI: 409 if anyone holds it.
    pub fn checkout_as_user(&mut self, id: &str, user: &ClientRef) -> Result<Value, ApiError> {
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if flow.lock.is_some() {
            return Err(ApiError::locked_by_other(id));
        }
        flow.lock = Some(user.clone());
        flow.lock_is_user = true;
        Ok(flow.to_json())
    }

    /// `POST versions`: only for the lock holder.
    pub fn save_version(
        &mut self,
        id: &str,
        client: &ClientRef,
        configuration: Value,
    ) -> Result<Value, ApiError> {
        let reserialize = self.platform.reserialize_on_save;
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if !flow.locked_by(&client.id) {
            return Err(ApiError::not_locked_by_user(id));
        }
        let vid = flow.push_version(VersionKind::Save, client, configuration, None, now_ms());
        if reserialize && let Some(v) = flow.version_mut(&vid) {
            let stored = std::mem::take(&mut v.configuration);
            v.configuration = crate::platform::reserialize(stored, &vid, now_ms());
        }
        let v = flow
            .version(&vid)
            .map(|v| v.to_json(id))
            .unwrap_or(Value::Null);
        Ok(v)
    }

    /// Starts an asynchronous checkin.
    pub fn start_checkin(&mut self, id: &str, client: &ClientRef) -> Result<Value, ApiError> {
        let delay = self.operation_delay;
        let lag = self.operation_lag();
        let op_id = self.ids.next_uuid();
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if !flow.locked_by(&client.id) {
            return Err(ApiError::not_locked_by_user(id));
        }
        if flow.saved.is_none() && flow.checked_in.is_none() {
            return Err(ApiError::missing_config(id));
        }
        let op = OperationRecord {
            id: op_id,
            action: "CHECKIN",
            client: client.clone(),
            status: OpStatus::Running {
                due: crate::clock::after(delay),
            },
            effect: OpEffect::Checkin,
        };
        let body = op.to_json();
        flow.begin_operation(op, lag);
        Ok(body)
    }

    /// Starts an asynchronous publish of `version` (default: the caller's
    /// saved draft, else the checked-in version).
    pub fn start_publish(
        &mut self,
        id: &str,
        client: &ClientRef,
        version: Option<&str>,
    ) -> Result<Value, ApiError> {
        let delay = self.operation_delay;
        let lag = self.operation_lag();
        let op_id = self.ids.next_uuid();
        let inject_failure = self
            .live_flow_mut(id)
            .is_ok_and(|f| !f.operation_running() && !f.locked_by_other(&client.id))
            && self.faults.take_publish_failure();
        let missing_deps = self
            .live_flow_mut(id)
            .is_ok_and(|f| !f.operation_running() && !f.locked_by_other(&client.id))
            && self.faults.take_missing_dependencies();
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if flow.locked_by_other(&client.id) {
            return Err(ApiError::locked_by_other(id));
        }
        if missing_deps {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "architect.flow.cannot.publish.missing.dependencies",
                "The flow cannot be published because it has missing dependencies.",
            )
            .with_entity(id));
        }
        let target = match version {
            Some(v) => flow
                .version(v)
                .map(|v| v.id.clone())
                .ok_or_else(|| ApiError::version_missing(id))?,
            None => flow
                .saved
                .clone()
                .or_else(|| flow.checked_in.clone())
                .ok_or_else(|| ApiError::missing_config(id))?,
        };
        let flow_name = flow.name.clone();
        let deps = flow
            .version(&target)
            .map(|v| crate::deps::of_version(&v.configuration, v.yaml.as_deref()))
            .unwrap_or_default();
        let missing = crate::deps::missing(self.platform.dependencies, &deps, &self.flows, id);
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|(d, _)| d.label()).collect();
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "architect.flow.cannot.publish.missing.dependencies",
                crate::deps::describe_missing(&flow_name, &missing),
            )
            .with_params(
                "Flow version cannot be published due to having one or more missing dependencies: {dependencies}",
                &[("dependencies", names.join(", "))],
            )
            .with_entity(id));
        }
        let flow = self.live_flow_mut(id)?;
        let op = OperationRecord {
            id: op_id,
            action: "PUBLISH",
            client: client.clone(),
            status: OpStatus::Running {
                due: crate::clock::after(delay),
            },
            effect: if inject_failure {
                OpEffect::Fail {
                    code: "flow.publish.failed".to_owned(),
                    message: format!(
                        "Publishing version {target} failed (fault injected by the emulator)"
                    ),
                }
            } else {
                OpEffect::Publish { version: target }
            },
        };
        let body = op.to_json();
        flow.begin_operation(op, lag);
        Ok(body)
    }

    /// `revert`: drops the caller's unsaved drafts and releases the lock.
    pub fn revert(&mut self, id: &str, client: &ClientRef) -> Result<Value, ApiError> {
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if !flow.locked_by(&client.id) {
            return Err(ApiError::not_locked_by_user(id));
        }
        flow.versions.retain(|v| v.kind != VersionKind::Save);
        flow.saved = None;
        flow.lock = None;
        Ok(flow.to_json())
    }

    /// `unlock`: clears any lock (an admin action).
    pub fn unlock(&mut self, id: &str) -> Result<Value, ApiError> {
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        flow.lock = None;
        Ok(flow.to_json())
    }

    /// `deactivate`: the flow stops being published.
    pub fn deactivate(&mut self, id: &str, client: &ClientRef) -> Result<Value, ApiError> {
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if flow.locked_by_other(&client.id) {
            return Err(ApiError::locked_by_other(id));
        }
        let now = now_ms();
        if let Some(p) = flow.published.take()
            && let Some(v) = flow.version_mut(&p)
        {
            v.date_published_end = Some(now);
        }
        flow.active = false;
        Ok(flow.to_json())
    }

    /// Another client saves a copy of the latest configuration (or
    /// `configuration`) as a new version and publishes it at once.
    pub fn publish_new_version_as(
        &mut self,
        id: &str,
        client: &ClientRef,
        configuration: Option<Value>,
    ) -> Result<String, ApiError> {
        let flow = self.live_flow_mut(id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(id));
        }
        if flow.locked_by_other(&client.id) {
            return Err(ApiError::locked_by_other(id));
        }
        // A copy of the latest version keeps its YAML source, so it stays
        // exportable; a caller-supplied configuration has none.
        let (config, yaml) = match configuration {
            Some(c) => (c, None),
            None => flow
                .latest_version()
                .map(|v| (v.configuration.clone(), v.yaml.clone()))
                .unwrap_or_else(|| (json!({}), None)),
        };
        let now = now_ms();
        let vid = flow.push_version(VersionKind::Checkin, client, config, yaml, now);
        flow.apply_publish(&vid, &client.id, now);
        Ok(vid)
    }
}

fn client_ref(caller: &Caller) -> ClientRef {
    ClientRef {
        id: caller.client_id.clone(),
        name: caller.client_name.clone(),
    }
}

fn json_response(v: Value) -> Response {
    axum::Json(v).into_response()
}

/// `GET /api/v2/flows`
pub async fn list(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let page = PageRequest::from_query(&q)?;
    let store = app.lock();
    let mut flows = filter_flows(&store, &q)?;
    sort_flows(&mut flows, &q)?;
    let items = flows.into_iter().map(FlowRecord::to_json).collect();
    Ok(json_response(envelope("/api/v2/flows", &q, page, items)))
}

fn filter_flows<'a>(store: &'a Store, q: &Query) -> Result<Vec<&'a FlowRecord>, ApiError> {
    let include_deleted = q.bool("deleted")?.unwrap_or(false);
    let types = q.all("type");
    for t in &types {
        if !FLOW_TYPES.iter().any(|ft| ft.eq_ignore_ascii_case(t)) {
            return Err(ApiError::invalid_value(
                "type",
                t,
                &FLOW_TYPES.join(", ").to_lowercase(),
            ));
        }
    }
    let ids = q.all("id");
    let divisions = q.all("divisionId");
    let name = q.get("name");
    let description = q.get("description");
    let name_or_desc = q.get("nameOrDescription");
    let published_version = q.get("publishVersionId");
    let locked_by_client = q.get("lockedByClientId");
    let desc_match = |f: &FlowRecord, p: &str| {
        f.description
            .as_deref()
            .is_some_and(|d| wildcard_match(p, d))
    };
    Ok(store
        .flows
        .iter()
        .filter(|f| include_deleted || !f.deleted)
        .filter(|f| types.is_empty() || types.iter().any(|t| t.eq_ignore_ascii_case(&f.flow_type)))
        .filter(|f| ids.is_empty() || ids.contains(&f.id))
        .filter(|f| divisions.is_empty() || divisions.contains(&f.division.id))
        .filter(|f| name.is_none_or(|p| wildcard_match(p, &f.name)))
        .filter(|f| description.is_none_or(|p| desc_match(f, p)))
        .filter(|f| name_or_desc.is_none_or(|p| wildcard_match(p, &f.name) || desc_match(f, p)))
        .filter(|f| published_version.is_none_or(|v| f.published.as_deref() == Some(v)))
        .filter(|f| locked_by_client.is_none_or(|c| f.lock.as_ref().is_some_and(|l| l.id == c)))
        .collect())
}

fn sort_flows(flows: &mut [&FlowRecord], q: &Query) -> Result<(), ApiError> {
    let by = q.get("sortBy").unwrap_or("id");
    let key = |f: &FlowRecord| -> String {
        match by {
            "name" => f.name.to_lowercase(),
            "type" => f.flow_type.clone(),
            "description" => f.description.clone().unwrap_or_default().to_lowercase(),
            _ => f.id.clone(),
        }
    };
    if !matches!(by, "id" | "name" | "type" | "description") {
        return Err(ApiError::invalid_value(
            "sortBy",
            by,
            "id, name, type, description",
        ));
    }
    flows.sort_by_key(|f| (key(f), f.id.clone()));
    match q.get("sortOrder").unwrap_or("asc") {
        "asc" | "ascending" => {}
        "desc" | "descending" => flows.reverse(),
        other => return Err(ApiError::invalid_value("sortOrder", other, "asc, desc")),
    }
    Ok(())
}

/// `GET /api/v2/flows/lookup?id=...`
pub async fn lookup(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let ids = q.all("id");
    if ids.is_empty() {
        return Err(ApiError::bad_request("The id query parameter is required."));
    }
    let page = PageRequest::from_query(&q)?;
    let store = app.lock();
    let items = store
        .flows
        .iter()
        .filter(|f| !f.deleted && ids.contains(&f.id))
        .map(FlowRecord::to_json)
        .collect();
    Ok(json_response(envelope(
        "/api/v2/flows/lookup",
        &q,
        page,
        items,
    )))
}

/// `POST /api/v2/flows`: creates an empty flow, checked out to its creator.
pub async fn create(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:add"])?;
    let body = parse_object(&body)?;
    let name = validate_name(&body)?;
    let flow_type = body
        .get("type")
        .and_then(Value::as_str)
        .filter(|t| FLOW_TYPES.iter().any(|ft| ft.eq_ignore_ascii_case(t)))
        .map(str::to_uppercase)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "architect.flow.validate.failed.missing.type",
                "The flow type is missing or invalid.",
            )
        })?;
    let mut store = app.lock();
    if store.find_flow_by_name(&name, &flow_type).is_some() {
        return Err(already_exists());
    }
    let id = store.ids.next_uuid();
    let division = store.home_division.clone();
    let mut flow = FlowRecord::new(id, name, flow_type, division);
    flow.description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    flow.lock = Some(client_ref(&caller));
    let v = flow.to_json();
    store.flows.push(flow);
    Ok(json_response(v))
}

fn already_exists() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "architect.flow.already.exists",
        "A flow of the specified type with the specified name already exists.",
    )
}

fn parse_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "The request body could not be parsed: {e}"
        ))),
    }
}

fn validate_name(body: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    if name.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "architect.flow.validate.failed.missing.name",
            "The flow name is missing.",
        ));
    }
    if name.contains('/') {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "architect.flow.validate.failed.invalid.name.contains.slash",
            "The flow name cannot contain a slash.",
        ));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "architect.flow.validate.failed.invalid.name.no.alpha",
            "The flow name must contain at least one letter.",
        ));
    }
    Ok(name.to_owned())
}

/// `GET /api/v2/flows/{flowId}`
pub async fn get(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let deleted = q.bool("deleted")?.unwrap_or(false);
    let store = app.lock();
    Ok(json_response(store.readable_flow(&id, deleted)?.to_json()))
}

/// `PUT /api/v2/flows/{flowId}`: name/description, lock holder only.
pub async fn update(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:edit"])?;
    let body = parse_object(&body)?;
    let mut store = app.lock();
    let flow_type = {
        let flow = store.live_flow_mut(&id)?;
        if flow.operation_running() {
            return Err(ApiError::operation_in_progress(&id));
        }
        if !flow.locked_by(&caller.client_id) {
            return Err(ApiError::not_locked_by_user(&id));
        }
        flow.flow_type.clone()
    };
    let name = validate_name(&body)?;
    if store
        .find_flow_by_name(&name, &flow_type)
        .is_some_and(|f| f.id != id)
    {
        return Err(already_exists());
    }
    let flow = store.live_flow_mut(&id)?;
    flow.name = name;
    if let Some(d) = body.get("description") {
        flow.description = d.as_str().map(str::to_owned);
    }
    Ok(json_response(flow.to_json()))
}

/// `DELETE /api/v2/flows/{flowId}`
pub async fn delete(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:delete"])?;
    let mut store = app.lock();
    let flow = store.live_flow_mut(&id)?;
    if flow.locked_by_other(&caller.client_id) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "architect.flow.cannot.delete.user.does.not.have.lock",
            "The flow cannot be deleted because it is locked by another user.",
        )
        .with_entity(&id));
    }
    if flow.operation_running() {
        return Err(ApiError::operation_in_progress(&id));
    }
    flow.deleted = true;
    flow.active = false;
    flow.lock = None;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v2/flows/{flowId}/latestconfiguration`
pub async fn latest_configuration(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let deleted = q.bool("deleted")?.unwrap_or(false);
    let store = app.lock();
    let flow = store.readable_flow(&id, deleted)?;
    let version = flow.latest_version().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "flow.no.config.available",
            "Flow has no saved or checked-in configuration.",
        )
        .with_entity(&id)
    })?;
    Ok(json_response(version.configuration.clone()))
}

/// `GET /api/v2/flows/{flowId}/versions`
pub async fn list_versions(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let page = PageRequest::from_query(&q)?;
    let deleted = q.bool("deleted")?.unwrap_or(false);
    let store = app.lock();
    let flow = store.readable_flow(&id, deleted)?;
    let items = flow.versions.iter().map(|v| v.to_json(&id)).collect();
    Ok(json_response(envelope(
        &format!("/api/v2/flows/{id}/versions"),
        &q,
        page,
        items,
    )))
}

/// `deleted` is a string on the version endpoints (API.md §2.1).
fn deleted_string(q: &Query) -> bool {
    q.get("deleted")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `GET /api/v2/flows/{flowId}/versions/{versionId}`
pub async fn get_version(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, version)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let store = app.lock();
    let flow = store.readable_flow(&id, deleted_string(&q))?;
    let v = flow
        .version(&version)
        .ok_or_else(|| ApiError::version_missing(&id))?;
    Ok(json_response(v.to_json(&id)))
}

/// `GET /api/v2/flows/{flowId}/versions/{versionId}/configuration`
pub async fn get_version_configuration(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, version)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:view"])?;
    let q = Query::parse(raw.as_deref());
    let store = app.lock();
    let flow = store.readable_flow(&id, deleted_string(&q))?;
    let v = flow
        .version(&version)
        .ok_or_else(|| ApiError::version_missing(&id))?;
    Ok(json_response(v.configuration.clone()))
}

/// `POST /api/v2/flows/{flowId}/versions` (body: the configuration).
pub async fn create_version(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_any(&["architect:flow:edit"])?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "architect.flow.data.missing",
            "Flow version data content is missing.",
        ));
    }
    let config = Value::Object(parse_object(&body)?);
    let mut store = app.lock();
    Ok(json_response(store.save_version(
        &id,
        &client_ref(&caller),
        config,
    )?))
}

/// `POST /api/v2/flows/actions/{action}?flow=ID[&version=V]`
pub async fn action(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(action): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let perms: &[&str] = match action.as_str() {
        "checkout" | "revert" => &["architect:flow:edit"],
        "checkin" => &["architect:flow:edit", "architect:flow:unlock"],
        "publish" => &["architect:flow:unlock", "architect:flow:publish"],
        "deactivate" => &["architect:flow:publish"],
        "unlock" => &["architect:flow:unlock"],
        _ => return Err(ApiError::not_found()),
    };
    caller.require_any(perms)?;
    let q = Query::parse(raw.as_deref());
    let id = q
        .get("flow")
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_request("The flow query parameter is required."))?;
    let client = client_ref(&caller);
    let mut store = app.lock();
    if action == "publish" && store.platform.publish_accepted_without_body {
        store.start_publish(&id, &client, q.get("version"))?;
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let body = match action.as_str() {
        "checkout" => store.checkout(&id, &client)?,
        "checkin" => store.start_checkin(&id, &client)?,
        "publish" => store.start_publish(&id, &client, q.get("version"))?,
        "revert" => store.revert(&id, &client)?,
        "unlock" => store.unlock(&id)?,
        _ => store.deactivate(&id, &client)?,
    };
    Ok(json_response(body))
}
