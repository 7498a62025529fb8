//! Asynchronous flow operations (`Operation`, API.md §2.4/§2.5).
//!
//! Checkin and publish answer at once with a running `Operation`; its effect
//! lands when the configured delay has passed. The store applies due effects
//! lazily, before serving any request, so nothing runs in the background and
//! the outcome only depends on time and request order.

use std::time::Instant;

use serde_json::{Value, json};

/// An OAuth client as other objects reference it (`DomainEntityRef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRef {
    pub id: String,
    pub name: String,
}

impl ClientRef {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "selfUri": format!("/api/v2/oauth/clients/{}", self.id),
        })
    }
}

/// What a running operation does to its flow when it completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpEffect {
    /// Check in the saved version (if any) and release the lock.
    Checkin,
    /// Publish this version; release the lock if the publisher holds it.
    Publish { version: String },
    /// An injected failure: the operation ends in `FAILURE` and changes nothing.
    Fail { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpStatus {
    Running { due: Instant },
    Success,
    Failure { code: String, message: String },
}

#[derive(Debug, Clone)]
pub struct OperationRecord {
    pub id: String,
    /// `actionName`: CHECKIN, PUBLISH, ...
    pub action: &'static str,
    pub client: ClientRef,
    pub status: OpStatus,
    pub effect: OpEffect,
}

impl OperationRecord {
    pub fn is_running(&self) -> bool {
        matches!(self.status, OpStatus::Running { .. })
    }

    pub fn due(&self) -> Option<Instant> {
        match self.status {
            OpStatus::Running { due } => Some(due),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "complete": !self.is_running(),
            "client": self.client.to_json(),
            "errorDetails": [],
            "actionName": self.action,
            "actionStatus": match self.status {
                OpStatus::Running { .. } => "STARTED",
                OpStatus::Success => "SUCCESS",
                OpStatus::Failure { .. } => "FAILURE",
            },
        });
        if let OpStatus::Failure { code, message } = &self.status {
            v["errorCode"] = json!(code);
            v["errorMessage"] = json!(message);
        }
        v
    }
}
