//! `flowguard deploy` over several files or a directory: a release.
//!
//! 1. **Reading the set** (`set`): every document read, its placeholders filled,
//!    validated and addressed by name and type; any problem refuses the release (exit 1)
//!    before a request is sent.
//! 2. **Ordering** (`order`): the references between the documents give strongly
//!    connected groups, dependencies first.
//! 3. **Phase one, exist** (`phases`): every flow is looked up (read only; a lock held by
//!    another party or a pending journal refuses the release before any write), then
//!    each flow the org lacks is created and a stub published into it (`stub`), so every
//!    flow of the release exists and is published before any content goes in, under
//!    every dependency check the platform may make.
//! 4. **Phase two, contents** (`phases`): each document is deployed in order with the
//!    single-flow pipeline (checkout, save, checkin, publish, verify, its own undo).
//! 5. **Rollback** (`rollback`): if a flow fails, every flow the release published is
//!    published back at its previous version (a created flow: its stub) and verified,
//!    last published first. Created flows are never deleted.
//!
//! One release id is on every audit record; the release journal (`journal`) lets
//! `flowguard recover` undo an interrupted release (`recover`).

pub mod journal;
pub mod order;
mod phases;
pub mod recover;
mod rollback;
pub mod set;
pub mod stub;

use std::path::{Path, PathBuf};
use std::time::Instant;

use flowguard_core::CheckOptions;
use serde::Serialize;
use serde_json::json;

use crate::audit::Event;
use crate::context::Ctx;
use crate::deploy::{Hooks, Outcome, Report};
use crate::genesys::Client;
use journal::FlowState;

/// What `flowguard deploy` was asked to do over a set of documents.
#[derive(Clone, Debug)]
pub struct ReleaseOptions {
    /// Files, directories (walked) or globs.
    pub paths: Vec<PathBuf>,
    pub optimize: bool,
    pub dry_run: bool,
    pub force_unlock: bool,
    pub operator: String,
    pub checks: CheckOptions,
}

/// Whether `flowguard deploy PATHS…` is a release: more than one path, or a directory
/// or glob. A single file keeps the single-flow deploy (and its output).
pub fn is_release(paths: &[PathBuf]) -> bool {
    match paths {
        [one] => {
            one.is_dir() || (!one.is_file() && one.to_string_lossy().contains(['*', '?', '[']))
        }
        _ => true,
    }
}

/// One flow's line of the release report.
#[derive(Clone, Debug, Serialize)]
pub struct FlowOutcome {
    pub file: String,
    pub name: String,
    pub flow_type: String,
    pub flow_id: Option<String>,
    /// Created by this release (phase one).
    pub created: bool,
    /// `deployed`, `no-change`, `dry-run`, `not-deployed`, `failed`, `rolled-back`,
    /// `rollback-failed`.
    pub outcome: &'static str,
    /// Published before phase two (for a created flow: its stub).
    pub previous_version: Option<String>,
    pub new_version: Option<String>,
    /// Published when the release ended.
    pub published_version: Option<String>,
    /// The flows of the release it references.
    pub depends_on: Vec<String>,
    pub messages: Vec<String>,
}

/// What a release did: printed, returned as JSON, summarised in the audit log.
#[derive(Clone, Debug, Serialize)]
pub struct ReleaseReport {
    pub command: &'static str,
    pub release: bool,
    pub release_id: Option<String>,
    pub outcome: Outcome,
    pub exit_code: u8,
    /// Dependency groups, dependencies first.
    pub order: Vec<order::Group>,
    pub flows: Vec<FlowOutcome>,
    /// Why the release was refused (reading the set).
    pub errors: Vec<String>,
    pub messages: Vec<String>,
    /// Every single-flow attempt (stubs, contents, rollbacks), in order.
    pub attempts: Vec<Report>,
    pub api_calls: usize,
    pub latency_ms: u64,
}

impl ReleaseReport {
    fn new() -> Self {
        Self {
            command: "deploy",
            release: true,
            release_id: None,
            outcome: Outcome::Failed,
            exit_code: Outcome::Failed.exit_code(),
            order: Vec::new(),
            flows: Vec::new(),
            errors: Vec::new(),
            messages: Vec::new(),
            attempts: Vec::new(),
            api_calls: 0,
            latency_ms: 0,
        }
    }

    fn end(mut self, outcome: Outcome, message: impl Into<String>) -> Self {
        self.outcome = outcome;
        self.exit_code = outcome.exit_code();
        let m = message.into();
        if !m.is_empty() {
            self.messages.push(m);
        }
        self
    }

    /// Human-readable account: one line per flow, in deploy order.
    pub fn text(&self) -> String {
        let mut s = format!(
            "release {}: {} ({} flows)\n",
            self.release_id.as_deref().unwrap_or("-"),
            self.outcome.as_str(),
            self.flows.len()
        );
        for e in &self.errors {
            s.push_str(&format!("  error: {e}\n"));
        }
        if !self.order.is_empty() {
            let groups: Vec<String> = self
                .order
                .iter()
                .map(|g| {
                    if g.cyclic {
                        format!("[{}] (cycle: two phases)", g.flows.join(" ⇄ "))
                    } else {
                        g.flows.join(", ")
                    }
                })
                .collect();
            s.push_str(&format!("  order: {}\n", groups.join(" → ")));
        }
        for f in &self.flows {
            s.push_str(&format!(
                "  {:<16} {} `{}` {}{}\n",
                f.outcome,
                f.flow_type,
                f.name,
                f.flow_id.as_deref().unwrap_or("(no id yet)"),
                if f.created { " (created)" } else { "" }
            ));
            match (&f.previous_version, &f.published_version) {
                (p, Some(n)) if p.as_ref() != Some(n) => s.push_str(&format!(
                    "      version: {} → {n}\n",
                    p.as_deref().unwrap_or("none")
                )),
                (Some(p), _) => s.push_str(&format!("      published: {p}\n")),
                _ => {}
            }
            for m in &f.messages {
                s.push_str(&format!("      {m}\n"));
            }
        }
        for m in &self.messages {
            s.push_str(&format!("  {m}\n"));
        }
        s.push_str(&format!(
            "  {} API calls, {} ms\n",
            self.api_calls, self.latency_ms
        ));
        s
    }
}

/// The per-flow outcome name of a journal state.
fn state_outcome(s: FlowState) -> &'static str {
    match s {
        FlowState::Pending | FlowState::Exists | FlowState::Stubbed => "not-deployed",
        FlowState::Deploying => "interrupted",
        FlowState::Published => "deployed",
        FlowState::NoChange => "no-change",
        FlowState::Failed => "failed",
        FlowState::RolledBack => "rolled-back",
        FlowState::RollbackFailed => "rollback-failed",
    }
}

/// Runs a release: read and validate the set, order it, phase one (exist), phase two
/// (contents), rollback on failure; audited under one release id. The entry point for
/// the CLI, the demo and benchmarks (in process, with any [`Hooks`]).
pub async fn run(
    client: &Client,
    ctx: &Ctx,
    opts: &ReleaseOptions,
    hooks: &dyn Hooks,
) -> ReleaseReport {
    let started = Instant::now();
    let calls_before = client.transport.call_count();
    let mut rep = ReleaseReport::new();
    // 1. Reading the set: nothing is sent before every document is read and valid.
    let members = match set::read(&opts.paths, &ctx.vars, &opts.checks) {
        Ok(m) => m,
        Err(refusal) => {
            rep.errors = refusal.errors;
            return rep.end(
                if refusal.usage {
                    Outcome::Failed
                } else {
                    Outcome::Refused
                },
                "the release was refused: nothing was sent (fix the errors above)",
            );
        }
    };
    // 2. Ordering.
    let order = order::Order::of(&members);
    rep.order = order.named(&members);
    rep.flows = order
        .sequence
        .iter()
        .filter_map(|&i| members.get(i).map(|m| (i, m)))
        .map(|(i, m)| FlowOutcome {
            file: m.display.clone(),
            name: m.ident.name.clone(),
            flow_type: m.ident.flow_type.clone(),
            flow_id: None,
            created: false,
            outcome: "not-deployed",
            previous_version: None,
            new_version: None,
            published_version: None,
            depends_on: order
                .depends_on
                .get(i)
                .map(|d| {
                    d.iter()
                        .filter(|&&j| j != i)
                        .filter_map(|&j| members.get(j).map(|m| m.ident.name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            messages: if m.warnings > 0 {
                vec![format!("validation: {} warning(s)", m.warnings)]
            } else {
                Vec::new()
            },
        })
        .collect();
    if opts.dry_run {
        for f in &mut rep.flows {
            f.outcome = "dry-run";
        }
        let cycles = order.groups.iter().filter(|g| g.cyclic).count();
        return rep.end(
            Outcome::DryRun,
            format!(
                "dry run: {} documents valid, deploy order computed{}; nothing was sent",
                members.len(),
                if cycles > 0 {
                    format!(" ({cycles} cycle(s): two phases)")
                } else {
                    String::new()
                }
            ),
        );
    }
    let release_id = uuid::Uuid::new_v4().to_string();
    rep.release_id = Some(release_id.clone());
    let mut rep = phases::run(client, ctx, opts, &members, &order, &release_id, hooks, rep).await;
    finish(client, ctx, &mut rep, &opts.operator, started, calls_before).await;
    rep
}

/// Counts, times, and the release's own audit record (exported like every record).
async fn finish(
    client: &Client,
    ctx: &Ctx,
    rep: &mut ReleaseReport,
    operator: &str,
    started: Instant,
    calls_before: usize,
) {
    rep.api_calls = client.transport.call_count().saturating_sub(calls_before);
    rep.latency_ms = started.elapsed().as_millis() as u64;
    let Some(id) = rep.release_id.clone() else {
        return;
    };
    let mut ev = Event::new("", "release", rep.outcome.as_str());
    ev.release_id = Some(id);
    ev.latency_ms = rep.latency_ms;
    ev.audit_trail.operator_id = operator.to_owned();
    ev.message = rep.messages.join("; ");
    ev.details = json!({
        "flows": rep.flows.iter().map(|f| json!({
            "name": f.name, "type": f.flow_type, "flow_id": f.flow_id,
            "outcome": f.outcome, "created": f.created,
            "previous_version": f.previous_version, "published_version": f.published_version,
        })).collect::<Vec<_>>(),
        "order": rep.order,
        "api_calls": rep.api_calls,
        "exit_code": rep.exit_code,
    });
    if let Err(e) = ctx.audit.append(&ev) {
        rep.messages
            .push(format!("cannot write the audit log: {e}"));
        if rep.exit_code == crate::EXIT_OK {
            rep.exit_code = crate::EXIT_USAGE;
        }
    } else if let Some(url) = &ctx.events_url
        && let Err(e) = crate::events::export_pending(
            &ctx.audit,
            url,
            &*client.transport.clock,
            &client.transport.policy,
        )
        .await
    {
        rep.messages.push(format!(
            "event export failed (kept as pending; `flowguard audit export` resends): {e}"
        ));
    }
}

/// The deploy options of one flow of the release.
fn flow_opts(opts: &ReleaseOptions, file: &Path, flow_id: &str) -> crate::deploy::DeployOptions {
    crate::deploy::DeployOptions {
        file: file.to_path_buf(),
        flow_id: flow_id.to_owned(),
        optimize: opts.optimize,
        dry_run: false,
        force_unlock: opts.force_unlock,
        operator: opts.operator.clone(),
        checks: opts.checks.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_file_is_a_single_deploy_several_paths_or_a_directory_a_release() {
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join("a[1].json");
        std::fs::write(&file, "{}").unwrap();
        assert!(!is_release(std::slice::from_ref(&file)));
        assert!(!is_release(&[t.path().join("missing.json")]));
        assert!(is_release(&[t.path().to_path_buf()]));
        assert!(is_release(&[t.path().join("*.json")]));
        assert!(is_release(&[file.clone(), file]));
    }
}
