//! The in-memory org: everything an emulator instance knows, behind one mutex.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::auth::TokenRecord;
use crate::config::{ClientConfig, EmulatorConfig, Seed};
use crate::control::RequestRecord;
use crate::faults::FaultState;
use crate::flows::{DivisionRef, FlowRecord};
use crate::ids::IdGen;
use crate::jobs::{ExportJob, ImportJob};
use crate::queues::QueueRecord;
use crate::rate_limit::RateLimiter;
use crate::seed;

/// Seed of the id generator (fixed, so ids repeat across runs).
const ID_SEED: u64 = 0x00E3_0105_F10E_5EED;

#[derive(Debug)]
pub struct Store {
    pub ids: IdGen,
    pub clients: Vec<ClientConfig>,
    pub tokens: HashMap<String, TokenRecord>,
    pub rate: RateLimiter,
    pub home_division: DivisionRef,
    pub flows: Vec<FlowRecord>,
    pub queues: Vec<QueueRecord>,
    pub import_jobs: HashMap<String, ImportJob>,
    pub export_jobs: HashMap<String, ExportJob>,
    pub faults: FaultState,
    pub log: Vec<RequestRecord>,
    pub operation_delay: Duration,
    pub token_lifetime: Duration,
    pub platform: crate::platform::Platform,
}

impl Store {
    pub fn new(config: &EmulatorConfig) -> Result<Self, String> {
        let (queues, mut flows) = match config.seed {
            Seed::Default => seed::build()?,
            Seed::Empty => (Vec::new(), Vec::new()),
        };
        let mut ids = IdGen::new(ID_SEED);
        if config.platform.stale_operations {
            // As in API.md §2.3's captured flow: an old, completed VALIDATE of
            // another client sits in `currentOperation`.
            for f in &mut flows {
                f.current_operation = Some(crate::operations::OperationRecord {
                    id: ids.next_uuid(),
                    action: "VALIDATE",
                    client: crate::operations::ClientRef {
                        id: crate::config::OTHER_CLIENT_ID.into(),
                        name: crate::config::OTHER_CLIENT_NAME.into(),
                    },
                    status: crate::operations::OpStatus::Success,
                    effect: crate::operations::OpEffect::Checkin,
                });
            }
        }
        Ok(Self {
            ids,
            clients: config.effective_clients(),
            tokens: HashMap::new(),
            rate: RateLimiter::new(config.rate_limit_per_minute),
            home_division: DivisionRef {
                id: seed::HOME_DIVISION_ID.into(),
                name: seed::HOME_DIVISION_NAME.into(),
            },
            flows,
            queues,
            import_jobs: HashMap::new(),
            export_jobs: HashMap::new(),
            faults: FaultState::new(config.faults.clone()),
            log: Vec::new(),
            operation_delay: config.operation_delay,
            token_lifetime: config.token_lifetime,
            platform: config.platform.clone(),
        })
    }

    /// Applies every asynchronous completion due at `now`, oldest first, so
    /// the state a request sees is the state at the time it arrived.
    pub fn advance(&mut self, now: Instant) {
        enum Due {
            Flow(String),
            Import(String),
            Export(String),
        }
        let mut due: Vec<(Instant, Due)> = Vec::new();
        for f in &self.flows {
            if let Some(t) = f.current_operation.as_ref().and_then(|o| o.due())
                && t <= now
            {
                due.push((t, Due::Flow(f.id.clone())));
            }
        }
        for j in self.import_jobs.values() {
            if let Some(t) = j.status.due()
                && t <= now
            {
                due.push((t, Due::Import(j.id.clone())));
            }
        }
        for j in self.export_jobs.values() {
            if let Some(t) = j.status.due()
                && t <= now
            {
                due.push((t, Due::Export(j.id.clone())));
            }
        }
        due.sort_by_key(|(t, _)| *t);
        let keep_lock = self.platform.publish_keeps_lock;
        for (_, d) in due {
            match d {
                Due::Flow(id) => {
                    if let Some(f) = self.flow_mut(&id) {
                        f.complete_operation(now, keep_lock);
                    }
                }
                Due::Import(id) => self.finish_import(&id),
                Due::Export(id) => self.finish_export(&id),
            }
        }
    }

    /// How long a new operation stays hidden behind the previous one
    /// (platform option `stale_operations`).
    pub fn operation_lag(&self) -> Option<Duration> {
        self.platform
            .stale_operations
            .then(|| self.operation_delay / 2)
    }

    /// Expires every issued token (they stay known, so clients get
    /// `credentials.expired` rather than `bad.credentials`).
    pub fn expire_tokens(&mut self, now: Instant) {
        for t in self.tokens.values_mut() {
            t.expires_at = now;
        }
    }

    /// The name of a client id (configured, seed or built-in other client).
    pub fn client_name(&self, id: &str) -> String {
        if let Some(c) = self.clients.iter().find(|c| c.id == id) {
            return c.name.clone();
        }
        if id == crate::config::OTHER_CLIENT_ID {
            return crate::config::OTHER_CLIENT_NAME.to_owned();
        }
        format!("client {id}")
    }
}
