//! `flowguard deploy`: validate → (flatten) → plan → checkout → re-check versions →
//! POST versions → checkin → publish → verify → audit, every write journaled first.
//! Archy YAML goes through the import-job pipeline with the same checks.
//!
//! Failure handling: before publish, the draft is reverted / the lock released so the
//! org is as it was; after publish, the previous version is published again and
//! verified. Another party's newer version is never overwritten, and a lock held by
//! someone else is only broken with `--force-unlock` (and audited).
//!
//! `pipeline` (validation, plan, pre-checks, intent), `architect` (Architect JSON),
//! `archy` (Archy YAML) and `undo` (undo, rollback, following operations) hold the
//! steps; this module the report, the hooks and the
//! audit record.

pub mod address;
mod architect;
mod archy;
mod pipeline;
mod undo;

pub use archy::poll_job;
use pipeline::deploy_inner;

pub use undo::{
    job_published, outcome_unknown, publish_and_verify, recover_after_publish, release_lock,
    undo_before_publish,
};

use std::path::PathBuf;
use std::time::Instant;

use flowguard_core::{CheckOptions, Options, Severity};
use serde::Serialize;
use serde_json::json;

use crate::audit::{AuditTrail, DiagnosticsSummary, Event};
use crate::context::Ctx;
use crate::exit::Exit;
use crate::genesys::Client;
use crate::lockfile::{Entry, Lockfile};
use crate::plan::Plan;
use crate::step::Step;
use crate::util::config_hash;
use crate::{EXIT_OK, EXIT_USAGE};

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Deployed,
    NoChange,
    DryRun,
    /// Validation errors: nothing was sent.
    Refused,
    /// A lock or a concurrent change: nothing of ours is left in the org.
    Conflict,
    /// Failed before anything was written (bad input, unreachable org).
    Failed,
    /// Failed after writing; the org is back as it was.
    RolledBack,
    /// Failed and the org could not be restored: look at it.
    RollbackFailed,
    /// `rollback` command: the requested version is published again.
    Restored,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployed => "deployed",
            Self::NoChange => "no-change",
            Self::DryRun => "dry-run",
            Self::Refused => "refused",
            Self::Conflict => "conflict",
            Self::Failed => "failed",
            Self::RolledBack => "rolled-back",
            Self::RollbackFailed => "rollback-failed",
            Self::Restored => "restored",
        }
    }
    /// The documented exit code of this outcome.
    pub fn exit(self) -> Exit {
        match self {
            Self::Deployed | Self::NoChange | Self::DryRun | Self::Restored => Exit::Ok,
            Self::Refused => Exit::Findings,
            Self::Failed => Exit::Usage,
            Self::Conflict => Exit::Conflict,
            Self::RolledBack => Exit::RolledBack,
            Self::RollbackFailed => Exit::RollbackFailed,
        }
    }
    pub fn exit_code(self) -> u8 {
        self.exit().code()
    }
}

/// Called after each step; tests inject faults here, the binary crash points.
pub trait Hooks: Send + Sync {
    fn after(&self, _step: Step) {}
}

/// No hooks.
pub struct NoHooks;
impl Hooks for NoHooks {}

/// `FLOWGUARD_CRASH_AFTER=<step>` aborts the process right after that step (testing
/// crash safety; the journal must make `recover` correct from any step). Compiled only
/// into debug builds (the tests'): a release binary has no crash hooks and ignores the
/// variable.
pub struct CrashHooks {
    #[cfg(debug_assertions)]
    at: Option<Step>,
}

impl CrashHooks {
    pub fn from_env() -> Self {
        Self {
            #[cfg(debug_assertions)]
            at: std::env::var("FLOWGUARD_CRASH_AFTER")
                .ok()
                .and_then(|s| s.parse().ok()),
        }
    }
}

impl Hooks for CrashHooks {
    #[cfg(debug_assertions)]
    fn after(&self, step: Step) {
        if self.at == Some(step) {
            eprintln!("flowguard: FLOWGUARD_CRASH_AFTER={step}: aborting");
            std::process::abort();
        }
    }
}

/// The crash points, in order (see [`Step`]).
pub use crate::step::CRASH_POINTS as STEPS;

#[derive(Clone, Debug)]
pub struct DeployOptions {
    pub file: PathBuf,
    pub flow_id: String,
    pub optimize: bool,
    pub dry_run: bool,
    pub force_unlock: bool,
    pub operator: String,
    pub checks: CheckOptions,
}

/// What a deploy did: printed, returned as JSON and audited.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub command: &'static str,
    pub outcome: Outcome,
    pub exit_code: u8,
    pub flow_id: String,
    pub flow_name: Option<String>,
    pub previous_version: Option<String>,
    pub new_version: Option<String>,
    /// The published version when the command ended (as far as known).
    pub published_version: Option<String>,
    pub validation_status: String,
    pub diagnostics: DiagnosticsSummary,
    pub plan: Option<Plan>,
    pub plan_summary: String,
    pub messages: Vec<String>,
    /// Import job messages, verbatim.
    pub job_messages: Vec<String>,
    pub forced_unlock: bool,
    /// `config` (POST versions) or `yaml` (import job); empty before the source is read.
    pub pipeline: &'static str,
    pub api_calls: usize,
    pub correlation_ids: Vec<String>,
    pub latency_ms: u64,
    pub event_id: Option<String>,
    /// The release this attempt is part of (on its audit record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
    /// This attempt wrote a journal (removed only once the audit record is written).
    #[serde(skip)]
    pub journaled: bool,
    /// Something is left for `recover` (e.g. a lock it could not release): keep the journal.
    #[serde(skip)]
    pub keep_journal: bool,
}

impl Report {
    fn new(command: &'static str, flow_id: &str) -> Self {
        Self {
            command,
            outcome: Outcome::Failed,
            exit_code: EXIT_USAGE,
            flow_id: flow_id.to_owned(),
            flow_name: None,
            previous_version: None,
            new_version: None,
            published_version: None,
            validation_status: "not-run".into(),
            diagnostics: DiagnosticsSummary::default(),
            plan: None,
            plan_summary: String::new(),
            messages: Vec::new(),
            job_messages: Vec::new(),
            forced_unlock: false,
            pipeline: "",
            api_calls: 0,
            correlation_ids: Vec::new(),
            latency_ms: 0,
            event_id: None,
            release_id: None,
            journaled: false,
            keep_journal: false,
        }
    }

    /// An empty report for another command (recover, rollback).
    pub fn new_public(command: &'static str, flow_id: &str) -> Self {
        Self::new(command, flow_id)
    }

    /// Sets the outcome and adds a message.
    pub fn finish(self, outcome: Outcome, message: impl Into<String>) -> Self {
        self.end(outcome, message)
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

    /// Human-readable account.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let name = self.flow_name.as_deref().unwrap_or("");
        s.push_str(&format!(
            "{} {} {name}: {}\n",
            self.command,
            self.flow_id,
            self.outcome.as_str()
        ));
        if !self.plan_summary.is_empty() {
            s.push_str(&format!("  plan: {}\n", self.plan_summary));
        }
        if let Some(p) = &self.plan {
            for l in p.lines().iter().take(40) {
                s.push_str(&format!("    {l}\n"));
            }
        }
        if self.validation_status != "not-run" {
            s.push_str(&format!(
                "  validation: {} ({} errors, {} warnings)\n",
                self.validation_status, self.diagnostics.errors, self.diagnostics.warnings
            ));
        }
        match (&self.previous_version, &self.new_version) {
            (p, Some(n)) => s.push_str(&format!(
                "  version: {} → {n}\n",
                p.as_deref().unwrap_or("none")
            )),
            (Some(p), None) => s.push_str(&format!("  previous version: {p}\n")),
            _ => {}
        }
        if let Some(p) = &self.published_version {
            s.push_str(&format!("  published now: {p}\n"));
        }
        for m in &self.messages {
            s.push_str(&format!("  {m}\n"));
        }
        for m in &self.job_messages {
            s.push_str(&format!("  job: {m}\n"));
        }
        s.push_str(&format!(
            "  {} API calls, {} ms",
            self.api_calls, self.latency_ms
        ));
        if let Some(e) = &self.event_id {
            s.push_str(&format!(", audit event {e}"));
        }
        s.push('\n');
        s
    }
}

/// Writes the audit record (and exports it) for a finished attempt.
pub async fn record(
    ctx: &Ctx,
    client: &Client,
    mut report: Report,
    action: &str,
    operator: &str,
    started: Instant,
    calls_before: usize,
) -> Report {
    let calls = client.transport.calls();
    let mine = calls.get(calls_before..).unwrap_or(&[]);
    report.api_calls = mine.len();
    report.correlation_ids = mine
        .iter()
        .filter_map(|c| c.correlation_id.clone())
        .collect();
    report.latency_ms = started.elapsed().as_millis() as u64;
    let mut ev = Event::new(&report.flow_id, action, report.outcome.as_str());
    ev.latency_ms = report.latency_ms;
    ev.validation_status = report.validation_status.clone();
    ev.audit_trail = AuditTrail {
        operator_id: operator.to_owned(),
        previous_version: report.previous_version.clone(),
        new_version: report.new_version.clone(),
        changes_summary: report.plan_summary.clone(),
    };
    ev.correlation_ids = report.correlation_ids.clone();
    ev.diagnostics = report.diagnostics.clone();
    ev.message = report.messages.join("; ");
    ev.release_id = report.release_id.clone();
    ev.details = json!({
        "flow_name": report.flow_name,
        "published_version": report.published_version,
        "forced_unlock": report.forced_unlock,
        "api_calls": report.api_calls,
        "job_messages": report.job_messages,
        "exit_code": report.exit_code,
    });
    report.event_id = Some(ev.event_id.clone());
    match ctx.audit.append(&ev) {
        Ok(_) => {
            if let Some(url) = &ctx.events_url {
                let r = crate::events::export_pending(
                    &ctx.audit,
                    url,
                    &*client.transport.clock,
                    &client.transport.policy,
                )
                .await;
                if let Err(e) = r {
                    report.messages.push(format!("event export failed (kept as pending; `flowguard audit export` resends): {e}"));
                }
            }
        }
        Err(e) => {
            report
                .messages
                .push(format!("cannot write the audit log: {e}"));
            if report.exit_code == EXIT_OK {
                report.exit_code = EXIT_USAGE;
            }
        }
    }
    report
}

/// Counts diagnostics by severity.
pub fn summarize(diags: &[flowguard_core::Diagnostic]) -> DiagnosticsSummary {
    let mut codes: Vec<String> = diags.iter().map(|d| d.code.code().to_string()).collect();
    codes.sort();
    codes.dedup();
    DiagnosticsSummary {
        errors: diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        infos: diags
            .iter()
            .filter(|d| d.severity == Severity::Info)
            .count(),
        codes,
    }
}

/// The first few error messages, for the report.
fn first_errors(diags: &[flowguard_core::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .take(5)
        .map(|d| {
            format!(
                "{} {}: {}",
                d.code.code(),
                d.node.as_deref().unwrap_or(""),
                d.message
            )
        })
        .collect()
}

/// Runs a deploy and audits it.
pub async fn deploy(client: &Client, ctx: &Ctx, opts: &DeployOptions, hooks: &dyn Hooks) -> Report {
    let started = Instant::now();
    let calls_before = client.transport.call_count();
    let report = deploy_inner(client, ctx, opts, hooks).await;
    finish_attempt(
        client,
        ctx,
        opts,
        report,
        hooks,
        started,
        calls_before,
        LockfileAfter::Refresh,
    )
    .await
}

/// Whether a finished deploy re-reads its flow into the lockfile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockfileAfter {
    Refresh,
    /// A release's stub: its contents follow moments later and record the flow then, so
    /// the two reads would be spent on an entry that is overwritten at once.
    Skip,
}

/// Runs a deploy of a source already read and filled (`opts.file` names it in the
/// report and the lockfile), audited with `release_id`: one flow of a release.
pub async fn deploy_source(
    client: &Client,
    ctx: &Ctx,
    opts: &DeployOptions,
    source: crate::source::Source,
    release_id: Option<&str>,
    hooks: &dyn Hooks,
    lockfile: LockfileAfter,
) -> Report {
    let started = Instant::now();
    let calls_before = client.transport.call_count();
    let report = pipeline::deploy_read(client, ctx, opts, source, release_id, hooks).await;
    let r = finish_attempt(
        client,
        ctx,
        opts,
        report,
        hooks,
        started,
        calls_before,
        lockfile,
    );
    r.await
}

/// Audits a finished attempt, then drops its journal and refreshes the lockfile.
#[allow(clippy::too_many_arguments)] // one call site each; a struct would only rename them
async fn finish_attempt(
    client: &Client,
    ctx: &Ctx,
    opts: &DeployOptions,
    report: Report,
    hooks: &dyn Hooks,
    started: Instant,
    calls_before: usize,
    lockfile: LockfileAfter,
) -> Report {
    ctx.progress.done();
    let action = if report.forced_unlock {
        "deploy (force-unlock)"
    } else {
        "deploy"
    };
    let r = record(
        ctx,
        client,
        report,
        action,
        &opts.operator,
        started,
        calls_before,
    )
    .await;
    // The journal goes only now: a crash between the end of the deploy and its audit
    // record leaves the journal, so `recover` audits the attempt.
    hooks.after(Step::Audited);
    if r.journaled && r.outcome != Outcome::RollbackFailed && !r.keep_journal {
        let _ = ctx.journal.remove(&r.flow_id);
    }
    if matches!(r.outcome, Outcome::Deployed | Outcome::RolledBack)
        && r.pipeline == "config"
        && lockfile == LockfileAfter::Refresh
    {
        refresh_lockfile(
            client,
            ctx,
            &r.flow_id,
            Some(opts.file.display().to_string()),
        )
        .await;
    }
    r
}

/// Re-reads the flow and records its versions and published content hash.
pub async fn refresh_lockfile(client: &Client, ctx: &Ctx, flow_id: &str, file: Option<String>) {
    let Ok(flow) = client.get_flow(flow_id).await else {
        return;
    };
    let hash = match flow.published_id() {
        Some(v) => client
            .version_configuration(flow_id, v)
            .await
            .map(|c| config_hash(&c))
            .unwrap_or_default(),
        None => String::new(),
    };
    let _ = Lockfile::update(&ctx.lockfile, |l| {
        let file = file.or_else(|| l.flows.get(flow_id).and_then(|e| e.file.clone()));
        l.flows
            .insert(flow_id.to_owned(), Entry::from_flow(&flow, hash, file));
    });
}
