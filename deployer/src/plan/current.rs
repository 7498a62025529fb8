//! Where `plan` gets the published flow's text, in the document's own format: the
//! configuration JSON of the published version for Architect JSON, and for Archy YAML
//! the published version exported as YAML through the export-job API (API.md §2.1:
//! `POST /api/v2/flows/export/jobs`, poll, download). This is the one place that talks to
//! the org about content, so the source of the "current" text can be switched here.

use serde_json::Value;

use crate::context::Ctx;
use crate::genesys::Client;
use crate::genesys::export::{ExportError, ExportType};
use crate::genesys::model::Flow;
use crate::genesys::transport::ApiError;

/// The published flow, as text to compare with, or why there is none.
#[derive(Debug)]
pub enum Current {
    /// Architect configuration JSON of the published version.
    Config(Value),
    /// Archy YAML of the published version.
    Yaml(String),
    /// The org cannot give the text (no published version, an export job that failed):
    /// the plan says "not comparable" with this reason.
    Unavailable(String),
}

/// The published configuration JSON of `flow`.
pub async fn config(client: &Client, flow: &Flow) -> Result<Current, ApiError> {
    let Some(v) = flow.published_id() else {
        return Ok(Current::Unavailable(
            "the flow has no published version yet".into(),
        ));
    };
    match client.version_configuration(&flow.id, v).await {
        Ok(c) => Ok(Current::Config(c)),
        Err(e) if e.is_status(404) => Ok(Current::Unavailable(
            "the published version has no configuration".into(),
        )),
        Err(e) => Err(e),
    }
}

/// The published version of `flow` exported as Archy YAML (one export job, by id and
/// version: [`Client::export_flow`]). A job that fails (its messages) is a property of
/// the flow, not an outage: "not comparable". A request that fails is an error.
pub async fn yaml(client: &Client, ctx: &Ctx, flow: &Flow) -> Result<Current, ExportError> {
    let Some(v) = flow.published_id() else {
        return Ok(Current::Unavailable(
            "the flow has no published version yet".into(),
        ));
    };
    match client
        .export_flow(&flow.id, v, ExportType::Yaml, ctx.poll)
        .await
    {
        Ok(e) => match String::from_utf8(e.content) {
            Ok(text) => Ok(Current::Yaml(text)),
            Err(_) => Ok(Current::Unavailable(format!(
                "the YAML export of version {v} is not UTF-8 text"
            ))),
        },
        // Without the job's id, so that the plan is the same from run to run.
        Err(ExportError::JobFailed { messages, .. }) => Ok(Current::Unavailable(format!(
            "the YAML export job failed: {}",
            if messages.is_empty() {
                "the job gave no messages".to_owned()
            } else {
                messages.join("; ")
            }
        ))),
        Err(e) => Err(e),
    }
}
