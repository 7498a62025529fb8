//! Serde types of the API objects flowguard reads (API.md §2.3, §2.4, §3, §4.1).
//! Unknown fields are ignored; everything not needed is left out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `DomainEntityRef` / `User` / `AddressableEntityRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// `FlowVersion`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowVersion {
    pub id: String,
    #[serde(default, rename = "type")]
    pub version_type: Option<String>,
    #[serde(default)]
    pub created_by_client: Option<EntityRef>,
    #[serde(default)]
    pub created_by: Option<EntityRef>,
    #[serde(default)]
    pub date_saved: Option<i64>,
    #[serde(default)]
    pub date_checked_in: Option<i64>,
}

/// `Operation` (a flow's `currentOperation`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub action_name: Option<String>,
    #[serde(default)]
    pub action_status: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub client: Option<EntityRef>,
}

impl Operation {
    pub fn failed(&self) -> bool {
        self.action_status.as_deref() == Some("FAILURE")
    }
}

/// `Flow` (metadata only; the content is the configuration).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub flow_type: Option<String>,
    #[serde(default)]
    pub locked_user: Option<EntityRef>,
    #[serde(default)]
    pub locked_client: Option<EntityRef>,
    #[serde(default)]
    pub published_version: Option<FlowVersion>,
    #[serde(default)]
    pub saved_version: Option<FlowVersion>,
    #[serde(default)]
    pub checked_in_version: Option<FlowVersion>,
    #[serde(default)]
    pub current_operation: Option<Operation>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub division: Option<EntityRef>,
}

impl Flow {
    pub fn published_id(&self) -> Option<&str> {
        self.published_version.as_ref().map(|v| v.id.as_str())
    }
    pub fn saved_id(&self) -> Option<&str> {
        self.saved_version.as_ref().map(|v| v.id.as_str())
    }
    pub fn checked_in_id(&self) -> Option<&str> {
        self.checked_in_version.as_ref().map(|v| v.id.as_str())
    }
    /// Who holds the checkout lock (client id or user id), if anyone.
    pub fn lock_holder(&self) -> Option<String> {
        self.locked_client
            .as_ref()
            .and_then(|c| c.id.clone())
            .or_else(|| self.locked_user.as_ref().and_then(|u| u.id.clone()))
    }
    /// Locked by anyone but `client_id` (a user lock always counts as someone else).
    pub fn locked_by_other(&self, client_id: &str) -> bool {
        if self.locked_user.as_ref().is_some_and(|u| u.id.is_some()) {
            return true;
        }
        self.locked_client
            .as_ref()
            .and_then(|c| c.id.as_deref())
            .is_some_and(|id| id != client_id)
    }
    pub fn locked_by(&self, client_id: &str) -> bool {
        self.locked_client
            .as_ref()
            .and_then(|c| c.id.as_deref())
            .is_some_and(|id| id == client_id)
    }
    /// Who holds the lock, for people: a person in Architect (with since when, as far
    /// as the API tells) or an OAuth client. `None` when the flow is not locked.
    pub fn describe_lock(&self) -> Option<String> {
        if let Some(u) = self.locked_user.as_ref().filter(|u| u.id.is_some()) {
            let id = u.id.as_deref().unwrap_or_default();
            let who = match &u.name {
                Some(n) => format!("{n} ({id})"),
                None => id.to_owned(),
            };
            // The API has no lock timestamp; a draft the same person saved dates it.
            let since = self
                .saved_version
                .as_ref()
                .filter(|v| v.created_by.as_ref().and_then(|c| c.id.as_deref()) == Some(id))
                .and_then(|v| v.date_saved)
                .map(|ms| {
                    format!(
                        "since at least {} (their last saved draft)",
                        crate::util::rfc3339(
                            std::time::UNIX_EPOCH
                                + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
                        )
                    )
                })
                .unwrap_or_else(|| {
                    "since an unknown time (the API does not say when a lock was taken)".to_owned()
                });
            return Some(format!(
                "a person in Architect: user {who}, {since}; ask them to check the flow in or close it"
            ));
        }
        self.locked_client.as_ref().and_then(|c| {
            let id = c.id.as_deref()?;
            Some(match &c.name {
                Some(n) => format!("OAuth client {n} ({id})"),
                None => format!("OAuth client {id}"),
            })
        })
    }

    pub fn operation_running(&self) -> bool {
        self.current_operation.as_ref().is_some_and(|o| !o.complete)
    }
}

/// The paging envelope (API.md §2.3).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing<T> {
    #[serde(default = "Vec::new")]
    pub entities: Vec<T>,
    #[serde(default)]
    pub page_number: Option<u64>,
    #[serde(default)]
    pub page_count: Option<u64>,
    #[serde(default)]
    pub next_uri: Option<String>,
}

/// `Queue` (the fields flowguard needs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    pub id: String,
    pub name: String,
}

/// `ErrorBody`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub context_id: Option<String>,
    /// The variable parts of the message (`permissions` of a 403).
    #[serde(default)]
    pub message_params: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `RegisterArchitectJobResponse`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredJob {
    pub id: String,
    pub presigned_url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// `ArchitectJobMessage`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobMessage {
    #[serde(default)]
    pub date_time: Option<String>,
    #[serde(default, rename = "type")]
    pub message_type: Option<String>,
    #[serde(default)]
    pub text: String,
}

/// `ArchitectJobStateResponse`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobState {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub flow: Option<EntityRef>,
    #[serde(default)]
    pub messages: Vec<JobMessage>,
}
