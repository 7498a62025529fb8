//! The run-time control handle: inject faults, act as another client, and
//! inspect state from tests without going through the API.

use std::time::Instant;

use serde_json::Value;

use crate::errors::ApiError;
use crate::faults::{FaultPlan, FaultState, InterferenceAction};
use crate::operations::ClientRef;
use crate::server::App;
use crate::store::Store;

/// One handled request, as recorded in the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The authenticated client, for API requests that got that far.
    pub client_id: Option<String>,
    pub correlation_id: String,
    /// `injected 429`, `injected 503`, `dropped`, ... when a fault hit it.
    pub fault: Option<String>,
}

/// A flow version as seen by tests.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionInfo {
    pub id: String,
    /// `SAVE`, `CHECKIN` or `PUBLISH`.
    pub kind: &'static str,
    pub created_by_client: String,
    pub configuration: Value,
}

/// Why a control action was refused (the API error code it would give).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ControlError {}

impl From<ApiError> for ControlError {
    fn from(e: ApiError) -> Self {
        Self {
            code: e.code.to_owned(),
            message: e.message,
        }
    }
}

/// Applies an interference action as `client_id`; used by fault plans and the
/// control handle alike.
pub(crate) fn apply_interference(
    store: &mut Store,
    action: &InterferenceAction,
) -> Result<Option<String>, ControlError> {
    match action {
        InterferenceAction::TakeLock { flow_id, client_id } => {
            let client = ClientRef {
                id: client_id.clone(),
                name: store.client_name(client_id),
            };
            store.checkout(flow_id, &client)?;
            Ok(None)
        }
        InterferenceAction::TakeLockAsUser {
            flow_id,
            user_id,
            user_name,
        } => {
            let user = ClientRef {
                id: user_id.clone(),
                name: user_name.clone(),
            };
            store.checkout_as_user(flow_id, &user)?;
            Ok(None)
        }
        InterferenceAction::PublishNewVersion { flow_id, client_id } => {
            let client = ClientRef {
                id: client_id.clone(),
                name: store.client_name(client_id),
            };
            Ok(Some(store.publish_new_version_as(flow_id, &client, None)?))
        }
    }
}

/// A cheap, cloneable handle on a running emulator.
#[derive(Clone)]
pub struct EmulatorControl {
    pub(crate) app: App,
}

impl std::fmt::Debug for EmulatorControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorControl")
            .field("base_url", &self.app.base_url)
            .finish()
    }
}

impl EmulatorControl {
    /// `http://127.0.0.1:PORT`, for both login and API.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// Replaces the fault plan; request counting restarts at 0.
    pub fn set_faults(&self, plan: FaultPlan) {
        self.app.lock().faults = FaultState::new(plan);
    }

    pub fn clear_faults(&self) {
        self.set_faults(FaultPlan::none());
    }

    /// Every issued token expires now (next use: 401 `credentials.expired`).
    pub fn expire_all_tokens(&self) {
        self.app.lock().expire_tokens(Instant::now());
    }

    /// `client_id` checks the flow out, as another tool would.
    pub fn checkout_as(&self, flow_id: &str, client_id: &str) -> Result<(), ControlError> {
        let action = InterferenceAction::TakeLock {
            flow_id: flow_id.into(),
            client_id: client_id.into(),
        };
        apply_interference(&mut self.app.lock(), &action).map(|_| ())
    }

    /// A person checks the flow out in the Architect UI (`lockedUser`).
    pub fn checkout_as_user(
        &self,
        flow_id: &str,
        user_id: &str,
        user_name: &str,
    ) -> Result<(), ControlError> {
        let action = InterferenceAction::TakeLockAsUser {
            flow_id: flow_id.into(),
            user_id: user_id.into(),
            user_name: user_name.into(),
        };
        apply_interference(&mut self.app.lock(), &action).map(|_| ())
    }

    /// `client_id` saves `configuration` (default: a copy of the latest
    /// configuration) as a new version and publishes it at once. Returns the
    /// new version id. Fails like the API would if someone else holds the lock.
    pub fn publish_new_version_as(
        &self,
        flow_id: &str,
        client_id: &str,
        configuration: Option<Value>,
    ) -> Result<String, ControlError> {
        let mut store = self.app.lock();
        let client = ClientRef {
            id: client_id.into(),
            name: store.client_name(client_id),
        };
        Ok(store.publish_new_version_as(flow_id, &client, configuration)?)
    }

    /// Clears the lock of a flow (like `actions/unlock`).
    pub fn unlock(&self, flow_id: &str) -> Result<(), ControlError> {
        self.app
            .lock()
            .unlock(flow_id)
            .map(|_| ())
            .map_err(Into::into)
    }

    /// The published version id of a flow.
    pub fn published_version(&self, flow_id: &str) -> Option<String> {
        self.app
            .lock()
            .flow(flow_id)
            .and_then(|f| f.published.clone())
    }

    /// The client id holding the flow's lock.
    pub fn lock_holder(&self, flow_id: &str) -> Option<String> {
        self.app
            .lock()
            .flow(flow_id)
            .and_then(|f| f.lock.as_ref().map(|l| l.id.clone()))
    }

    /// Whether a checkin/publish operation is still running on the flow.
    pub fn operation_running(&self, flow_id: &str) -> bool {
        self.app
            .lock()
            .flow(flow_id)
            .is_some_and(|f| f.operation_running())
    }

    /// All versions of a flow, oldest first.
    pub fn versions(&self, flow_id: &str) -> Vec<VersionInfo> {
        let store = self.app.lock();
        store
            .flow(flow_id)
            .map(|f| {
                f.versions
                    .iter()
                    .map(|v| VersionInfo {
                        id: v.id.clone(),
                        kind: v.kind.as_str(),
                        created_by_client: v.created_by.id.clone(),
                        configuration: v.configuration.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The id of the live flow with this name and type (`INBOUNDCALL`).
    pub fn flow_id_by_name(&self, name: &str, flow_type: &str) -> Option<String> {
        self.app
            .lock()
            .find_flow_by_name(name, flow_type)
            .map(|f| f.id.clone())
    }

    /// Test setup, not an API: adds an empty flow in the Home division even when a
    /// live flow of that name and type exists (the API refuses that with 409
    /// `architect.flow.already.exists`, but orgs can hold such duplicates, e.g. from
    /// imports or older platform versions). Returns its id.
    pub fn insert_duplicate_flow(&self, name: &str, flow_type: &str) -> String {
        let mut store = self.app.lock();
        let id = store.ids.next_uuid();
        let division = store.home_division.clone();
        let flow = crate::flows::FlowRecord::new(
            id.clone(),
            name.into(),
            flow_type.to_uppercase(),
            division,
        );
        store.flows.push(flow);
        id
    }

    /// The flow as `GET /api/v2/flows/{id}?deleted=true` would return it.
    pub fn flow_json(&self, flow_id: &str) -> Option<Value> {
        self.app.lock().flow(flow_id).map(|f| f.to_json())
    }

    /// Every request handled so far, oldest first.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.app.lock().log.clone()
    }

    pub fn clear_request_log(&self) {
        self.app.lock().log.clear();
    }
}
