//! Export jobs (API.md §2.1, §5.3 item 7): register `POST /api/v2/flows/export/jobs`,
//! poll `GET /api/v2/flows/export/jobs/{id}?expand=messages`, download `downloadUrl`.
//!
//! * One flow per job, addressed by id **and version** (TF PR #2105/#2214: exporting by
//!   id alone fails under load). Several flows in one job come back as a zip (API.md
//!   §2.1); flowguard does not ask for that, so it needs no zip reader. Cost per flow:
//!   1 register + n polls + 1 download requests.
//! * 429 and 5xx of each request are the transport's (Retry-After, backoff). The whole
//!   cycle (register, poll, download) is repeated when the job fails with Archy's
//!   rate-limit symptom ("could not find the flow with id" and "exit code 107", TF PR
//!   #2214): up to 5 cycles, waiting with the retry primitive ([`Retrier`]) on the
//!   transport's clock, base 60 × the transport's backoff base (15 s by default).
//! * Any other `Failure` is [`ExportError::JobFailed`] with the job's messages.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::api::{Client, PollPolicy, enc};
use super::model::JobMessage;
use super::retry::{Failure, Retrier};
use super::transport::{ApiError, Body, RetryPolicy};

/// `ExportDetails.exportType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportType {
    /// Archy YAML (the platform's default).
    Yaml,
    /// The Architect export format (`.i3InboundFlow`, …).
    Architect,
}

impl ExportType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yaml => "Yaml",
            Self::Architect => "Architect",
        }
    }
}

/// `RegisterArchitectExportJobResponse`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredExport {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub total_flows: Option<u64>,
}

/// `ArchitectExportJobStateResponse`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportJobState {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub download_url: Option<String>,
    #[serde(default)]
    pub messages: Vec<JobMessage>,
}

/// What [`Client::export_flow`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportedFlow {
    pub flow_id: String,
    pub version: String,
    pub export_type: ExportType,
    /// The id of the job that produced `content` (the last cycle's).
    pub job_id: String,
    /// The file name of the download URL's path (`Main_IVR.yaml`), if any.
    pub file_name: Option<String>,
    /// The downloaded bytes (YAML text for [`ExportType::Yaml`]).
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Export cycles run (1 unless Archy's rate-limit symptom made us repeat it).
    pub cycles: u32,
}

/// Why an export did not produce a file.
#[derive(Clone, Debug)]
pub enum ExportError {
    /// A request failed (after the transport's retries).
    Api(ApiError),
    /// The job ended in `Failure`; its messages' texts.
    JobFailed {
        job_id: String,
        messages: Vec<String>,
        cycles: u32,
    },
    /// The job did not finish within the poll timeout.
    TimedOut { job_id: String, waited: Duration },
    /// `Success` without a `downloadUrl`.
    NoDownload { job_id: String },
}

impl ExportError {
    /// The documented exit code: 3 for a 409, else 2 (the org refused or failed).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Api(e) => crate::exit::Exit::from(e).code(),
            _ => crate::EXIT_USAGE,
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(e) => e.fmt(f),
            Self::JobFailed {
                job_id,
                messages,
                cycles,
            } => {
                write!(f, "export job {job_id} failed")?;
                if *cycles > 1 {
                    write!(f, " (after {cycles} attempts)")?;
                }
                if messages.is_empty() {
                    f.write_str(": the job gave no messages")
                } else {
                    write!(f, ": {}", messages.join("; "))
                }
            }
            Self::TimedOut { job_id, waited } => write!(
                f,
                "export job {job_id} did not finish within {}s",
                waited.as_secs()
            ),
            Self::NoDownload { job_id } => {
                write!(f, "export job {job_id} succeeded without a downloadUrl")
            }
        }
    }
}

impl std::error::Error for ExportError {}

impl From<ApiError> for ExportError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// Archy's rate-limit symptom in an export job's messages (TF PR #2214).
pub fn is_rate_limit_symptom(messages: &[String]) -> bool {
    let all = messages.join(" ").to_ascii_lowercase();
    all.contains("could not find the flow with id") && all.contains("exit code 107")
}

impl Client {
    /// `POST /api/v2/flows/export/jobs` for one flow version. Registering twice only
    /// leaves an unused job, so it is retried like a read.
    pub async fn register_export(
        &self,
        flow_id: &str,
        version: &str,
        export_type: ExportType,
    ) -> Result<RegisteredExport, ApiError> {
        let path = "/api/v2/flows/export/jobs";
        let body = json!({"flows": [{
            "flow": {"id": flow_id, "version": version},
            "exportType": export_type.as_str(),
        }]});
        self.transport
            .send(Method::POST, path, Body::Json(body))
            .await?
            .json("POST", path)
    }

    /// `GET /api/v2/flows/export/jobs/{id}?expand=messages`.
    pub async fn export_job(&self, id: &str) -> Result<ExportJobState, ApiError> {
        let path = format!("/api/v2/flows/export/jobs/{}?expand=messages", enc(id));
        self.transport
            .send(Method::GET, &path, Body::None)
            .await?
            .json("GET", &path)
    }

    /// Exports version `version` of flow `flow_id` (see the module docs): polls with
    /// `poll` on the transport's clock, downloads the file, repeats the whole cycle on
    /// Archy's rate-limit symptom.
    pub async fn export_flow(
        &self,
        flow_id: &str,
        version: &str,
        export_type: ExportType,
        poll: PollPolicy,
    ) -> Result<ExportedFlow, ExportError> {
        let base = &self.transport.policy;
        let cycle_policy = RetryPolicy {
            max_attempts: 5,
            backoff_base: base.backoff_base.saturating_mul(60),
            backoff_max: base.backoff_base.saturating_mul(300),
            ..base.clone()
        };
        let mut retrier = Retrier::new(&cycle_policy);
        let mut cycles = 0u32;
        loop {
            cycles += 1;
            match self.export_cycle(flow_id, version, export_type, poll).await {
                Ok((job_id, url, content)) => {
                    let file_name = url
                        .split('?')
                        .next()
                        .and_then(|p| p.rsplit('/').next())
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned);
                    return Ok(ExportedFlow {
                        flow_id: flow_id.to_owned(),
                        version: version.to_owned(),
                        export_type,
                        job_id,
                        file_name,
                        content,
                        cycles,
                    });
                }
                Err(ExportError::JobFailed {
                    job_id, messages, ..
                }) => {
                    if is_rate_limit_symptom(&messages)
                        && let Some(wait) = retrier.next_wait(Failure::Transient)
                    {
                        self.transport.clock.sleep(wait).await;
                        continue;
                    }
                    return Err(ExportError::JobFailed {
                        job_id,
                        messages,
                        cycles,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One register → poll → download cycle: `(job id, download URL, bytes)`.
    async fn export_cycle(
        &self,
        flow_id: &str,
        version: &str,
        export_type: ExportType,
        poll: PollPolicy,
    ) -> Result<(String, String, Vec<u8>), ExportError> {
        let job = self.register_export(flow_id, version, export_type).await?;
        let clock = self.transport.clock.clone();
        let start = clock.now();
        let mut interval = poll.first;
        loop {
            clock.sleep(interval).await;
            let state = self.export_job(&job.id).await?;
            match state.status.as_str() {
                "Success" => {
                    let url = state
                        .download_url
                        .filter(|u| !u.is_empty())
                        .ok_or_else(|| ExportError::NoDownload {
                            job_id: job.id.clone(),
                        })?;
                    let body = self.transport.download(&url).await?.body;
                    return Ok((job.id, url, body));
                }
                "Failure" => {
                    return Err(ExportError::JobFailed {
                        job_id: job.id,
                        messages: state.messages.into_iter().map(|m| m.text).collect(),
                        cycles: 1,
                    });
                }
                _ => {}
            }
            let waited = clock.now().saturating_duration_since(start);
            if waited >= poll.timeout {
                return Err(ExportError::TimedOut {
                    job_id: job.id,
                    waited,
                });
            }
            interval = (interval * 2).min(poll.max_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_archys_rate_limit_symptom_only() {
        let hit = vec![
            "Could not find the flow with id 'x'.".to_owned(),
            "archy exited with exit code 107".to_owned(),
        ];
        assert!(is_rate_limit_symptom(&hit));
        assert!(!is_rate_limit_symptom(&hit[..1]));
        assert!(!is_rate_limit_symptom(&["exit code 107".to_owned()]));
        assert!(!is_rate_limit_symptom(&[]));
    }

    #[test]
    fn errors_say_what_failed() {
        let e = ExportError::JobFailed {
            job_id: "j1".into(),
            messages: vec!["boom".into()],
            cycles: 2,
        };
        assert_eq!(
            e.to_string(),
            "export job j1 failed (after 2 attempts): boom"
        );
        assert_eq!(e.exit_code(), 2);
        let e = ExportError::JobFailed {
            job_id: "j2".into(),
            messages: vec![],
            cycles: 1,
        };
        assert!(e.to_string().ends_with("the job gave no messages"));
    }
}
