//! Architect jobs (API.md §2.1, §5.3): the Archy import pipeline
//! (register → PUT YAML to a presigned URL → poll) and export jobs with a
//! `downloadUrl`. The presigned URLs point at this emulator under
//! `/__emulator/s3/`, standing in for S3.

use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::archy;
use crate::auth::Caller;
use crate::clock::{iso8601, now_ms};
use crate::deps;
use crate::errors::ApiError;
use crate::flows::{FLOW_TYPES, FlowRecord, VersionKind};
use crate::operations::ClientRef;
use crate::paging::Query;
use crate::server::App;
use crate::store::Store;

/// Headers the presigned upload requires; clients must send every header of
/// the registration's `headers` map (as the TF provider does).
pub const UPLOAD_HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/octet-stream"),
    ("x-amz-server-side-encryption", "AES256"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    Registered,
    Started { due: Instant },
    Success,
    Failure,
}

impl JobStatus {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Registered => "Registered",
            Self::Started { .. } => "Started",
            Self::Success => "Success",
            Self::Failure => "Failure",
        }
    }

    pub fn due(&self) -> Option<Instant> {
        match self {
            Self::Started { due } => Some(*due),
            _ => None,
        }
    }
}

/// `ArchitectJobMessage`.
#[derive(Debug, Clone)]
pub struct JobMessage {
    pub at: i64,
    pub kind: &'static str,
    pub text: String,
}

impl JobMessage {
    fn error(text: impl Into<String>) -> Self {
        Self {
            at: now_ms(),
            kind: "Error",
            text: text.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"dateTime": iso8601(self.at), "type": self.kind, "text": self.text})
    }
}

#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: String,
    pub client: ClientRef,
    pub signature: String,
    pub status: JobStatus,
    pub yaml: Option<String>,
    pub flow_id: Option<String>,
    pub messages: Vec<JobMessage>,
    /// `RegisterArchitectJobRequest.createStubs`: missing dependencies get an
    /// empty published stub flow instead of failing the job.
    pub create_stubs: bool,
}

#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub id: Option<String>,
    pub name: Option<String>,
    pub flow_type: Option<String>,
    pub version: Option<String>,
    pub file_name: Option<String>,
    pub export_type: String,
}

#[derive(Debug, Clone)]
pub struct ExportJob {
    pub id: String,
    pub signature: String,
    pub status: JobStatus,
    pub requests: Vec<ExportRequest>,
    /// `(file name, content)` once it succeeded.
    pub file: Option<(String, String)>,
    pub messages: Vec<JobMessage>,
}

fn wants_messages(q: &Query) -> bool {
    q.all("expand").iter().any(|e| e == "messages")
}

/// `POST /api/v2/flows/jobs` (body: optional `{createStubs}`).
pub async fn register_import(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_all(&["architect:job:create"])?;
    let mut create_stubs = false;
    if !body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => match m.get("createStubs") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => create_stubs = *b,
                Some(other) => {
                    return Err(ApiError::invalid_value(
                        "createStubs",
                        &other.to_string(),
                        "true, false",
                    ));
                }
            },
            _ => {
                return Err(ApiError::bad_request(
                    "The request body must be a RegisterArchitectJobRequest object.",
                ));
            }
        }
    }
    let mut store = app.lock();
    let id = store.ids.next_uuid();
    let signature = store.ids.next_token();
    let url = format!(
        "{}/__emulator/s3/architect-jobs/{id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={signature}",
        app.base_url
    );
    store.import_jobs.insert(
        id.clone(),
        ImportJob {
            id: id.clone(),
            client: ClientRef {
                id: caller.client_id.clone(),
                name: caller.client_name.clone(),
            },
            signature,
            status: JobStatus::Registered,
            yaml: None,
            flow_id: None,
            messages: Vec::new(),
            create_stubs,
        },
    );
    let headers: serde_json::Map<String, Value> = UPLOAD_HEADERS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    Ok(axum::Json(json!({
        "id": id,
        "presignedUrl": url,
        "headers": headers,
        "selfUri": format!("/api/v2/flows/jobs/{id}"),
    }))
    .into_response())
}

/// `GET /api/v2/flows/jobs/{jobId}[?expand=messages]`
pub async fn get_import(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_all(&["architect:job:view"])?;
    let q = Query::parse(raw.as_deref());
    let store = app.lock();
    let job = store.import_jobs.get(&id).ok_or_else(ApiError::not_found)?;
    let mut v = json!({
        "id": job.id,
        "status": job.status.as_str(),
        "command": "Publish",
        "selfUri": format!("/api/v2/flows/jobs/{}", job.id),
    });
    if let Some(fid) = &job.flow_id {
        v["flow"] = json!({"id": fid, "selfUri": format!("/api/v2/flows/{fid}")});
    }
    if wants_messages(&q) {
        v["messages"] = job.messages.iter().map(JobMessage::to_json).collect();
    }
    Ok(axum::Json(v).into_response())
}

/// An S3-style XML error; the presigned URLs are not platform API endpoints.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
    )
        .into_response()
}

/// `PUT /__emulator/s3/architect-jobs/{jobId}?X-Amz-Signature=...` (the
/// presigned upload): stores the YAML and starts the job.
pub async fn upload(
    State(app): State<App>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = Query::parse(raw.as_deref());
    let mut store = app.lock();
    let delay = store.operation_delay;
    let Some(job) = store.import_jobs.get_mut(&id) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    if q.get("X-Amz-Signature") != Some(job.signature.as_str()) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    for (name, value) in UPLOAD_HEADERS {
        let sent = headers.get(*name).and_then(|v| v.to_str().ok());
        if sent != Some(*value) {
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                &format!("The presigned URL requires the header {name}: {value}."),
            );
        }
    }
    if job.status != JobStatus::Registered {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The upload for this job was already received.",
        );
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        job.status = JobStatus::Failure;
        job.messages.push(JobMessage::error(
            "The uploaded flow file is not UTF-8 text.",
        ));
        return StatusCode::OK.into_response();
    };
    job.yaml = Some(text);
    job.status = JobStatus::Started {
        due: crate::clock::after(delay),
    };
    StatusCode::OK.into_response()
}

/// `POST /api/v2/flows/export/jobs`
pub async fn register_export(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_all(&["architect:jobExport:create"])?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("The request body could not be parsed: {e}")))?;
    let flows = body
        .get("flows")
        .and_then(Value::as_array)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| ApiError::bad_request("flows must list at least one flow to export."))?;
    let mut requests = Vec::new();
    for d in flows {
        let flow = d
            .get("flow")
            .ok_or_else(|| ApiError::bad_request("Every export entry needs a flow."))?;
        let text = |k: &str| flow.get(k).and_then(Value::as_str).map(str::to_owned);
        let (id, name, flow_type) = (text("id"), text("name"), text("type"));
        if id.is_none() && (name.is_none() || flow_type.is_none()) {
            return Err(ApiError::bad_request(
                "If you do not provide the flow ID, you must provide both the name and type.",
            ));
        }
        if let Some(t) = &flow_type
            && !FLOW_TYPES.contains(&t.as_str())
        {
            return Err(ApiError::invalid_value("type", t, &FLOW_TYPES.join(", ")));
        }
        let export_type = d
            .get("exportType")
            .and_then(Value::as_str)
            .unwrap_or("Yaml")
            .to_owned();
        if export_type != "Yaml" && export_type != "Architect" {
            return Err(ApiError::invalid_value(
                "exportType",
                &export_type,
                "Architect, Yaml",
            ));
        }
        requests.push(ExportRequest {
            id,
            name,
            flow_type,
            version: text("version"),
            file_name: d.get("fileName").and_then(Value::as_str).map(str::to_owned),
            export_type,
        });
    }
    let mut store = app.lock();
    let id = store.ids.next_uuid();
    let signature = store.ids.next_token();
    let total = requests.len();
    let due = crate::clock::after(store.operation_delay);
    store.export_jobs.insert(
        id.clone(),
        ExportJob {
            id: id.clone(),
            signature,
            status: JobStatus::Started { due },
            requests,
            file: None,
            messages: Vec::new(),
        },
    );
    Ok(axum::Json(json!({
        "id": id,
        "status": "Started",
        "totalFlows": total,
        "selfUri": format!("/api/v2/flows/export/jobs/{id}"),
    }))
    .into_response())
}

/// `GET /api/v2/flows/export/jobs/{jobId}[?expand=messages]`
pub async fn get_export(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_all(&["architect:jobExport:view"])?;
    let q = Query::parse(raw.as_deref());
    let store = app.lock();
    let job = store.export_jobs.get(&id).ok_or_else(ApiError::not_found)?;
    let mut v = json!({
        "id": job.id,
        "status": job.status.as_str(),
        "command": "Export",
        "selfUri": format!("/api/v2/flows/export/jobs/{}", job.id),
    });
    if let Some((file, _)) = &job.file {
        let host = if store.platform.relative_download_url {
            ""
        } else {
            app.base_url.as_str()
        };
        v["downloadUrl"] = json!(format!(
            "{host}/__emulator/s3/architect-exports/{}/{file}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={}",
            job.id, job.signature
        ));
    }
    if wants_messages(&q) {
        v["messages"] = job.messages.iter().map(JobMessage::to_json).collect();
    }
    Ok(axum::Json(v).into_response())
}

/// `GET /__emulator/s3/architect-exports/{jobId}/{file}?X-Amz-Signature=...`
pub async fn download(
    State(app): State<App>,
    Path((id, file)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = Query::parse(raw.as_deref());
    let store = app.lock();
    let Some(job) = store.export_jobs.get(&id) else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    if q.get("X-Amz-Signature") != Some(job.signature.as_str()) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    match &job.file {
        Some((name, content)) if *name == file => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            content.clone(),
        )
            .into_response(),
        _ => s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

/// Job completion, run by [`Store::advance`].
impl Store {
    pub(crate) fn finish_import(&mut self, job_id: &str) {
        let Some(job) = self.import_jobs.get(job_id).cloned() else {
            return;
        };
        let result = self.run_import(&job);
        if let Some(job) = self.import_jobs.get_mut(job_id) {
            match result {
                Ok(flow_id) => {
                    job.status = JobStatus::Success;
                    job.flow_id = Some(flow_id);
                }
                Err(messages) => {
                    job.status = JobStatus::Failure;
                    job.messages
                        .extend(messages.into_iter().map(JobMessage::error));
                }
            }
        }
    }

    /// Archy's publish: match the flow by name and type, create it or add a
    /// version, and publish. Refuses flows locked by another client.
    fn run_import(&mut self, job: &ImportJob) -> Result<String, Vec<String>> {
        let yaml = job.yaml.clone().unwrap_or_default();
        let imported = {
            let queues = &self.queues;
            let resolve = |name: &str| {
                queues
                    .iter()
                    .find(|q| q.name.eq_ignore_ascii_case(name))
                    .map(|q| q.id.clone())
            };
            archy::convert(&yaml, &resolve)?
        };
        let now = now_ms();
        let anonymous = self.platform.import_versions_without_client;
        let existing = self
            .find_flow_by_name(&imported.name, &imported.flow_type)
            .map(|f| f.id.clone());
        self.check_import_dependencies(job, &yaml, &imported, existing.as_deref(), now)?;
        let flow_id = match existing {
            Some(id) => id,
            None => {
                let id = self.ids.next_uuid();
                let flow = FlowRecord::new(
                    id.clone(),
                    imported.name.clone(),
                    imported.flow_type.clone(),
                    self.home_division.clone(),
                );
                self.flows.push(flow);
                id
            }
        };
        let Some(flow) = self.flow_mut(&flow_id) else {
            return Err(vec!["The flow disappeared during the import.".to_owned()]);
        };
        if flow.locked_by_other(&job.client.id) {
            return Err(vec![format!(
                "Flow '{}' of type {} is locked by another entity. You can use the --forceUnlock command line parameter if you wish to publish flows locked by another entity.",
                flow.name,
                flow.flow_type.to_lowercase()
            )]);
        }
        if flow.operation_running() {
            return Err(vec![
                "An operation is already in progress on the object.".to_owned(),
            ]);
        }
        if imported.description.is_some() {
            flow.description = imported.description.clone();
        }
        let vid = flow.push_version(
            VersionKind::Checkin,
            &job.client,
            imported.configuration,
            Some(yaml),
            now,
        );
        if anonymous && let Some(v) = flow.version_mut(&vid) {
            v.hide_client = true;
        }
        flow.apply_publish(&vid, &job.client.id, now);
        Ok(flow_id)
    }

    /// The dependency check of an import (platform option `dependencies`);
    /// with `createStubs`, a missing dependency first gets an empty published
    /// stub flow of its name and type (inferred from the option's description,
    /// "flow stubs will be created for any dependencies during the job"): a flow
    /// that does not exist is created; one that exists with no version at all
    /// (as `POST /api/v2/flows` leaves it) gets a stub version, published; a
    /// flow with configuration of its own is never overwritten, so it still
    /// fails the job when it is unpublished.
    fn check_import_dependencies(
        &mut self,
        job: &ImportJob,
        yaml: &str,
        imported: &archy::ImportedFlow,
        self_id: Option<&str>,
        now: i64,
    ) -> Result<(), Vec<String>> {
        let check = self.platform.dependencies;
        let deps: Vec<deps::Dependency> = deps::from_yaml(yaml)
            .into_iter()
            .filter(|d| {
                // A reference to the flow being imported is satisfied by it.
                !(d.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&imported.name))
                    && d.kind.accepts(&imported.flow_type))
            })
            .collect();
        if job.create_stubs {
            let wanted: Vec<deps::Dependency> = deps::missing(check, &deps, &self.flows, "")
                .into_iter()
                .map(|(d, _)| d.clone())
                .collect();
            for d in wanted {
                self.create_stub(&d, &imported.flow_type, &job.client, now);
            }
        }
        let missing = deps::missing(check, &deps, &self.flows, self_id.unwrap_or(""));
        if missing.is_empty() {
            Ok(())
        } else {
            Err(vec![deps::describe_missing(&imported.name, &missing)])
        }
    }

    fn create_stub(
        &mut self,
        d: &deps::Dependency,
        caller_type: &str,
        client: &ClientRef,
        now: i64,
    ) {
        let flow_id = match d.find(&self.flows) {
            Some(f) if f.versions.is_empty() => f.id.clone(),
            Some(_) => return,
            None => {
                let Some(name) = d.name.clone() else {
                    return;
                };
                let id = self.ids.next_uuid();
                let mut flow = FlowRecord::new(
                    id.clone(),
                    name,
                    d.kind.stub_type(caller_type).to_owned(),
                    self.home_division.clone(),
                );
                flow.description = Some("stub created by an import job".to_owned());
                self.flows.push(flow);
                id
            }
        };
        if let Some(flow) = self.flow_mut(&flow_id) {
            let (yaml, config) = deps::stub_content(&flow.name, &flow.flow_type);
            let vid = flow.push_version(VersionKind::Checkin, client, config, Some(yaml), now);
            flow.apply_publish(&vid, &client.id, now);
        }
    }

    pub(crate) fn finish_export(&mut self, job_id: &str) {
        let Some(job) = self.export_jobs.get(job_id).cloned() else {
            return;
        };
        let label = job
            .requests
            .first()
            .and_then(|r| r.id.clone().or_else(|| r.name.clone()))
            .unwrap_or_default();
        let result = match self.faults.take_export_failure(&label) {
            Some(message) => Err(message),
            None => self.run_export(&job),
        };
        if let Some(job) = self.export_jobs.get_mut(job_id) {
            match result {
                Ok(file) => {
                    job.status = JobStatus::Success;
                    job.file = Some(file);
                }
                Err(message) => {
                    job.status = JobStatus::Failure;
                    job.messages.push(JobMessage::error(message));
                }
            }
        }
    }

    fn run_export(&self, job: &ExportJob) -> Result<(String, String), String> {
        let [req] = job.requests.as_slice() else {
            return Err("Exporting more than one flow per job (a zip download) is not supported by the emulator.".into());
        };
        if req.export_type != "Yaml" {
            return Err("Export type Architect is not supported by the emulator.".into());
        }
        let flow = match &req.id {
            Some(id) => self.flow(id).filter(|f| !f.deleted),
            None => self.find_flow_by_name(
                req.name.as_deref().unwrap_or_default(),
                req.flow_type.as_deref().unwrap_or_default(),
            ),
        };
        let label = req
            .id
            .clone()
            .or_else(|| req.name.clone())
            .unwrap_or_default();
        let flow = flow.ok_or_else(|| format!("Could not find the flow with id '{label}'."))?;
        let vid = req
            .version
            .clone()
            .or_else(|| flow.published.clone())
            .ok_or_else(|| {
                format!(
                    "The flow '{}' has no published version to export.",
                    flow.name
                )
            })?;
        let version = flow
            .version(&vid)
            .ok_or_else(|| format!("The flow '{}' has no version {vid}.", flow.name))?;
        let yaml = version.yaml.clone().ok_or_else(|| {
            format!(
                "Version {vid} of flow '{}' was not created from YAML; the emulator can only export YAML it imported.",
                flow.name
            )
        })?;
        let base = req.file_name.clone().unwrap_or_else(|| {
            flow.name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        });
        Ok((format!("{base}.yaml"), yaml))
    }
}
