//! Routing queues (API.md §3): read-only listing and lookup.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::clock::iso8601;
use crate::errors::ApiError;
use crate::flows::DivisionRef;
use crate::paging::{PageRequest, Query, envelope, wildcard_match};
use crate::server::App;

#[derive(Debug, Clone)]
pub struct QueueRecord {
    pub id: String,
    pub name: String,
    pub description: String,
    pub division: DivisionRef,
    pub member_count: u32,
    pub date_created: i64,
}

impl QueueRecord {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "division": self.division.to_json(),
            "description": self.description,
            "dateCreated": iso8601(self.date_created),
            "dateModified": iso8601(self.date_created),
            "memberCount": self.member_count,
            "userMemberCount": self.member_count,
            "joinedMemberCount": self.member_count,
            "mediaSettings": {
                "call": {
                    "alertingTimeoutSeconds": 8,
                    "serviceLevel": {"percentage": 0.8, "durationMs": 20000}
                }
            },
            "acwSettings": {"wrapupPrompt": "OPTIONAL"},
            "skillEvaluationMethod": "ALL",
            "scoringMethod": "TimestampAndPriority",
            "autoAnswerOnly": false,
            "enableTranscription": false,
            "enableManualAssignment": false,
            "selfUri": format!("/api/v2/routing/queues/{}", self.id),
        })
    }
}

/// `GET /api/v2/routing/queues` (sorted by name, API.md §3).
pub async fn list(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&["routing:queue:view"])?;
    let q = Query::parse(raw.as_deref());
    let page = PageRequest::from_query(&q)?;
    let descending = match q.get("sortOrder").unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        other => return Err(ApiError::invalid_value("sortOrder", other, "asc, desc")),
    };
    let ids = q.all("id");
    let divisions = q.all("divisionId");
    let name = q.get("name");
    let store = app.lock();
    let mut queues: Vec<&QueueRecord> = store
        .queues
        .iter()
        .filter(|x| ids.is_empty() || ids.contains(&x.id))
        .filter(|x| divisions.is_empty() || divisions.contains(&x.division.id))
        .filter(|x| name.is_none_or(|p| wildcard_match(p, &x.name)))
        .collect();
    queues.sort_by_key(|x| (x.name.to_lowercase(), x.id.clone()));
    if descending {
        queues.reverse();
    }
    let items = queues.into_iter().map(QueueRecord::to_json).collect();
    Ok(axum::Json(envelope("/api/v2/routing/queues", &q, page, items)).into_response())
}

/// `GET /api/v2/routing/queues/{queueId}`
pub async fn get(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_all(&["routing:queue:view"])?;
    let store = app.lock();
    let queue = store
        .queues
        .iter()
        .find(|x| x.id == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(axum::Json(queue.to_json()).into_response())
}
