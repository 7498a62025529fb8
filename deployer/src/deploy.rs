//! `flowguard deploy`: validate → (flatten) → plan → checkout → re-check versions →
//! POST versions → checkin → publish → verify → audit, every write journaled first.
//! Archy YAML goes through the import-job pipeline with the same checks.
//!
//! Failure handling: before publish, the draft is reverted / the lock released so the
//! org is as it was; after publish, the previous version is published again and
//! verified. Another party's newer version is never overwritten, and a lock held by
//! someone else is only broken with `--force-unlock` (and audited).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use flowguard_core::{CheckOptions, Options, Severity};
use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{AuditTrail, DiagnosticsSummary, Event};
use crate::context::Ctx;
use crate::genesys::api::OperationWait;
use crate::genesys::model::Flow;
use crate::genesys::{ApiError, Client, ErrorKind};
use crate::journal::Journal;
use crate::lockfile::{Entry, Lockfile};
use crate::plan::{self, Plan};
use crate::source::{Content, Source};
use crate::step::Step;
use crate::util::{config_hash, now_rfc3339, sha256_hex};
use crate::{
    EXIT_CONFLICT, EXIT_FINDINGS, EXIT_OK, EXIT_ROLLBACK_FAILED, EXIT_ROLLED_BACK, EXIT_USAGE,
};

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
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Deployed | Self::NoChange | Self::DryRun | Self::Restored => EXIT_OK,
            Self::Refused => EXIT_FINDINGS,
            Self::Failed => EXIT_USAGE,
            Self::Conflict => EXIT_CONFLICT,
            Self::RolledBack => EXIT_ROLLED_BACK,
            Self::RollbackFailed => EXIT_ROLLBACK_FAILED,
        }
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
                let r = crate::events::export_pending(&ctx.audit, url).await;
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

/// `--optimize`: flatten nested decisions with the core (certified rewrites only). Archy
/// YAML gets one `switch` per flattened tree (checked by reading it back); Architect
/// configuration JSON is patched in place where the undocumented format can express the
/// rewrite faithfully (one condition per DecisionAction); what a writer refuses comes back
/// unchanged with FG046, and the message says so.
fn flatten(text: &str, messages: &mut Vec<String>) -> Result<String, String> {
    let opts = flowguard_core::decision::FlattenOptions::default();
    let out = flowguard_core::decision::flatten(text, &opts);
    let doc = out.document.ok_or("flatten could not read the document")?;
    if !out.certificate.all_applied_certified {
        return Err("flatten could not certify its rewrites: nothing deployed".into());
    }
    let left_alone = out
        .reports
        .iter()
        .filter(|r| r.status == flowguard_core::decision::DecisionStatus::NotFlattened)
        .count();
    messages.push(format!(
        "optimize: {} decision(s) examined{}",
        out.reports.len(),
        if doc != text {
            format!("; flattened and certified ({left_alone} left alone, FG046)")
        } else if left_alone > 0 {
            format!("; document unchanged: {left_alone} decision(s) could not be written in this format (FG046)")
        } else {
            "; nothing to flatten".to_owned()
        }
    ));
    Ok(doc)
}

/// Runs a deploy and audits it.
pub async fn deploy(client: &Client, ctx: &Ctx, opts: &DeployOptions, hooks: &dyn Hooks) -> Report {
    let started = Instant::now();
    let calls_before = client.transport.call_count();
    let report = deploy_inner(client, ctx, opts, hooks).await;
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
    if matches!(r.outcome, Outcome::Deployed | Outcome::RolledBack) && r.pipeline == "config" {
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

async fn deploy_inner(
    client: &Client,
    ctx: &Ctx,
    opts: &DeployOptions,
    hooks: &dyn Hooks,
) -> Report {
    let mut rep = Report::new("deploy", &opts.flow_id);
    // 1. Read and validate.
    let source = match Source::read(&opts.file) {
        Ok(s) => s,
        Err(e) => return rep.end(Outcome::Failed, e),
    };
    rep.pipeline = if source.is_yaml() { "yaml" } else { "config" };
    let core_opts = Options {
        checks: opts.checks.clone(),
        ..Options::default()
    };
    let v = flowguard_core::validate(&source.text, &core_opts);
    rep.diagnostics = summarize(&v.diagnostics);
    rep.validation_status = if v.has_errors() {
        "failed"
    } else if rep.diagnostics.warnings > 0 {
        "warnings"
    } else {
        "passed"
    }
    .into();
    if v.has_errors() {
        let errs = first_errors(&v.diagnostics);
        rep.messages.extend(errs);
        return rep.end(
            Outcome::Refused,
            "validation found errors: nothing was sent (run `flowguard validate` for details)",
        );
    }
    hooks.after(Step::Validated);
    // 2. Optional flatten.
    let source = if opts.optimize {
        match flatten(&source.text, &mut rep.messages)
            .and_then(|t| Source::from_text(&source.path, t))
        {
            Ok(s) => s,
            Err(e) => return rep.end(Outcome::Failed, e),
        }
    } else {
        source
    };
    // 3. Remote state and plan.
    let remote = match client.get_flow(&opts.flow_id).await {
        Ok(f) => f,
        Err(e) => return rep.end(Outcome::Failed, format!("cannot read the flow: {e}")),
    };
    rep.flow_name = Some(remote.name.clone());
    rep.previous_version = remote.published_id().map(str::to_owned);
    rep.published_version = rep.previous_version.clone();
    let remote_config = match remote.published_id() {
        Some(p) => client.version_configuration(&remote.id, p).await,
        None => client.latest_configuration(&remote.id).await,
    };
    let remote_config = match remote_config {
        Ok(c) => Some(c),
        Err(e) if e.is_status(404) => None,
        Err(e) => {
            return rep.end(
                Outcome::Failed,
                format!("cannot read the remote configuration: {e}"),
            );
        }
    };
    let lock = match Lockfile::load(&ctx.lockfile) {
        Ok(l) => l,
        Err(e) => return rep.end(Outcome::Failed, e),
    };
    let entry = lock.flows.get(&opts.flow_id).cloned();
    let plan = match (&source.content, &remote_config) {
        (Content::Config(local), Some(rc)) => match plan::plan_config(rc, local) {
            Ok(p) => p,
            Err(e) => return rep.end(Outcome::Failed, format!("cannot plan: {e}")),
        },
        (Content::Config(_), None) => Plan {
            not_comparable: Some("the flow has no configuration yet".into()),
            ..Plan::default()
        },
        (Content::Yaml(_), _) => {
            // Archy matches by name and type: anything else would create another flow.
            if let Err(e) = yaml_matches(&source.text, &remote) {
                return rep.end(Outcome::Failed, e);
            }
            let same = entry.as_ref().is_some_and(|e| {
                e.content_sha256 == source.content_sha256()
                    && e.published_version.as_deref() == remote.published_id()
            });
            if same {
                Plan::default()
            } else {
                Plan {
                    not_comparable: Some(
                        "YAML source differs from the last one deployed from here".into(),
                    ),
                    ..Plan::default()
                }
            }
        }
    };
    rep.plan_summary = plan.summary();
    let no_change = plan.is_empty();
    rep.plan = Some(plan);
    if no_change {
        return rep.end(Outcome::NoChange, "no changes: nothing was published");
    }
    // 4. Pre-checks: lock and lockfile.
    // An interrupted deploy of this flow is waiting for `recover`: its journal must not
    // be overwritten (it holds the version to restore and the attempt is not audited yet).
    match ctx.journal.load(&opts.flow_id) {
        Ok(None) => {}
        Ok(Some(p)) => {
            return rep.end(
                Outcome::Failed,
                format!(
                    "an interrupted deploy of this flow ({}, last step: {}) is pending: run `flowguard recover` first; nothing was written",
                    p.deploy_id,
                    p.last_step().map_or("none", |s| s.name())
                ),
            );
        }
        Err(e) => return rep.end(Outcome::Failed, e),
    }
    let me = client.client_id().to_owned();
    if let Some(e) = &entry {
        let moved = e.moved(&remote);
        if !moved.is_empty() {
            return rep.end(
                Outcome::Conflict,
                format!("the flow changed since it was fetched ({}): fetch it again and re-apply your change", moved.join("; ")),
            );
        }
    } else {
        rep.messages.push("no lockfile entry for this flow: concurrent changes since your fetch cannot be detected".into());
    }
    if remote.operation_running() {
        return rep.end(
            Outcome::Conflict,
            "an operation is already running on the flow",
        );
    }
    let locked_by_other = remote.locked_by_other(&me);
    if locked_by_other && !opts.force_unlock {
        return rep.end(
            Outcome::Conflict,
            format!(
                "the flow is locked by {}: nothing was written (--force-unlock breaks the lock; it needs architect:flow:unlock and is audited)",
                remote.describe_lock().unwrap_or_else(|| remote.lock_holder().unwrap_or_default())
            ),
        );
    }
    if opts.dry_run {
        if locked_by_other {
            rep.messages
                .push("the lock held by another party would be broken (--force-unlock)".into());
        }
        return rep.end(Outcome::DryRun, "dry run: nothing was written");
    }
    // 5. Journal the intent and the previous configuration.
    let mut j = Journal {
        deploy_id: uuid::Uuid::new_v4().to_string(),
        flow_id: remote.id.clone(),
        flow_name: remote.name.clone(),
        operator: opts.operator.clone(),
        pipeline: if source.is_yaml() { "yaml" } else { "config" }.into(),
        source_file: source.path.clone(),
        new_content_sha256: source.content_sha256(),
        previous_published: remote.published_id().map(str::to_owned),
        previous_checked_in: remote.checked_in_id().map(str::to_owned),
        previous_saved: remote.saved_id().map(str::to_owned),
        previous_configuration_sha256: remote_config
            .as_ref()
            .filter(|_| remote.published_id().is_some())
            .map(config_hash),
        previous_configuration: remote_config.filter(|_| remote.published_id().is_some()),
        new_configuration: match &source.content {
            Content::Config(c) => Some(c.clone()),
            Content::Yaml(_) => None,
        },
        started_at: now_rfc3339(),
        ..Journal::default()
    };
    if let Err(e) = ctx.journal.step(&mut j, Step::Intent) {
        return rep.end(Outcome::Failed, e);
    }
    hooks.after(Step::Journaled);
    if locked_by_other {
        j.forced_unlock = true;
        if let Err(e) = ctx.journal.step(&mut j, Step::ForceUnlock) {
            return rep.end(Outcome::Failed, journal_stop(&e, Step::ForceUnlock));
        }
        rep.forced_unlock = true;
        let holder = remote
            .describe_lock()
            .unwrap_or_else(|| remote.lock_holder().unwrap_or_default());
        if let Err(e) = client.unlock(&remote.id).await {
            let _ = ctx.journal.remove(&remote.id);
            return rep.end(
                Outcome::Conflict,
                format!("cannot break the lock held by {holder}: {e}"),
            );
        }
        rep.messages.push(format!(
            "forced unlock: broke the lock held by {holder} (--force-unlock)"
        ));
    }
    let mut r = match &source.content {
        Content::Config(cfg) => deploy_config(client, ctx, &mut j, &remote, cfg, hooks, rep).await,
        Content::Yaml(y) => deploy_yaml(client, ctx, &mut j, &remote, y, hooks, rep).await,
    };
    // The journal is removed by `deploy` once the attempt is audited.
    r.journaled = true;
    if matches!(r.outcome, Outcome::RollbackFailed) {
        let _ = ctx.journal.step(&mut j, Step::NeedsAttention);
    }
    r
}

/// Archy matches the target flow by name and type (API.md §2.5): the YAML must name
/// this flow and be of its type, or the import would create (or change) another flow.
fn yaml_matches(text: &str, remote: &Flow) -> Result<(), String> {
    let doc: Value =
        serde_saphyr::from_str(text).map_err(|e| format!("cannot read the Archy YAML: {e}"))?;
    let (key, body) = match doc.as_object().map(|m| m.iter().collect::<Vec<_>>()) {
        Some(entries) if entries.len() == 1 => (entries[0].0.clone(), entries[0].1.clone()),
        _ => {
            return Err(
                "the Archy YAML must have exactly one top-level flow type key (e.g. inboundCall)"
                    .into(),
            );
        }
    };
    let yaml_type = key.to_ascii_uppercase();
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let remote_type = remote
        .flow_type
        .clone()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !remote_type.is_empty() && yaml_type != remote_type {
        return Err(format!(
            "the YAML is a `{key}` flow ({yaml_type}) but flow {} `{}` is {remote_type}: Archy matches flows by name and type, so it would create another flow; nothing was sent",
            remote.id, remote.name
        ));
    }
    if !name.eq_ignore_ascii_case(&remote.name) {
        return Err(format!(
            "the YAML names the flow `{name}` but flow {} is `{}`: Archy matches flows by name and type, so it would create another flow; nothing was sent",
            remote.id, remote.name
        ));
    }
    Ok(())
}

/// Same versions as when we planned?
fn versions_moved(before: &Flow, now: &Flow) -> Vec<String> {
    let mut out = Vec::new();
    for (what, a, b) in [
        ("published", before.published_id(), now.published_id()),
        ("checked-in", before.checked_in_id(), now.checked_in_id()),
        ("saved", before.saved_id(), now.saved_id()),
    ] {
        if a != b {
            out.push(format!(
                "{what} version {} → {}",
                a.unwrap_or("none"),
                b.unwrap_or("none")
            ));
        }
    }
    out
}

/// The answer to a write was lost (5xx, no answer): the platform may have done it.
pub fn outcome_unknown(e: &ApiError) -> bool {
    e.kind == ErrorKind::Network || e.status.is_some_and(|s| s >= 500)
}

/// The message of a journal write that failed before a write to the org.
fn journal_stop(e: &str, step: Step) -> String {
    format!(
        "cannot write the journal before step `{step}` ({e}): stopped before writing to the org, because without a journal entry `flowguard recover` could not finish or undo this change"
    )
}

/// An asynchronous action (checkin, publish).
#[derive(Clone, Copy)]
enum AsyncAction<'a> {
    Checkin,
    Publish(&'a str),
}

impl AsyncAction<'_> {
    fn name(self) -> &'static str {
        match self {
            Self::Checkin => "CHECKIN",
            Self::Publish(_) => "PUBLISH",
        }
    }
    fn progress(self) -> &'static str {
        match self {
            Self::Checkin => "checking in",
            Self::Publish(_) => "publishing",
        }
    }
}

/// Starts an asynchronous action and waits for it, following our own operation.
/// When the answer is lost (5xx, no answer) the action is not repeated blindly: the
/// flow is read, and if the action's effect or a new operation shows, that is
/// followed; only if nothing changed is the action sent once more.
async fn run_action(
    client: &Client,
    ctx: &Ctx,
    id: &str,
    action: AsyncAction<'_>,
    before: &Flow,
    landed: &(dyn Fn(&Flow) -> bool + Send + Sync),
    messages: &mut Vec<String>,
) -> Result<Flow, String> {
    let what = action.progress();
    let send = || async {
        match action {
            AsyncAction::Checkin => client.checkin(id).await,
            AsyncAction::Publish(v) => client.publish(id, Some(v)).await,
        }
    };
    let mut ours = None;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match send().await {
            Ok(op) => {
                ours = op;
                break;
            }
            Err(e) if e.is_code("architect.operation.already.in.progress") => {
                // Ours (a lost answer) or another party's: follow the flow's state.
                messages.push(format!(
                    "{}: an operation is already running; following the flow's state",
                    action.name().to_lowercase()
                ));
                break;
            }
            Err(e) if outcome_unknown(&e) && attempt < client.transport.policy.max_attempts => {
                let now = match client.get_flow(id).await {
                    Ok(f) => f,
                    Err(e2) => {
                        // Cannot tell yet: look again after a pause (bounded by the attempts).
                        messages.push(format!(
                            "{} answered {e}; then cannot read the flow ({e2}): looking again",
                            action.name().to_lowercase()
                        ));
                        let backoff = client.transport.policy.backoff(attempt);
                        client.transport.clock.sleep(backoff).await;
                        match client.get_flow(id).await {
                            Ok(f) => f,
                            Err(e3) => {
                                return Err(format!("{e}; then cannot read the flow: {e3}"));
                            }
                        }
                    }
                };
                let before_op = before
                    .current_operation
                    .as_ref()
                    .and_then(|o| o.id.as_deref());
                let now_op = now.current_operation.as_ref().and_then(|o| o.id.as_deref());
                if landed(&now) || now_op != before_op {
                    messages.push(format!(
                        "{} answered {e}, but the flow shows it was carried out: not sent again",
                        action.name().to_lowercase()
                    ));
                    break;
                }
                messages.push(format!(
                    "{} answered {e} and the flow shows nothing was done: sent again",
                    action.name().to_lowercase()
                ));
                let backoff = client.transport.policy.backoff(attempt);
                client.transport.clock.sleep(backoff).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let progress = ctx.progress;
    let wait = OperationWait::new(action.name(), ours.as_ref(), before, landed);
    let flow = client
        .wait_operation(id, &wait, ctx.poll, |w| progress.tick(what, w))
        .await
        .map_err(|e| e.to_string())?;
    if let Some(op) = flow.current_operation.as_ref().filter(|o| o.failed()) {
        let mine = match &wait.ours {
            Some(our) => op.id.as_deref() == Some(our.as_str()),
            None => op.action_name.as_deref() == Some(action.name()),
        };
        if mine {
            return Err(format!(
                "the {} operation {} failed: {} {}",
                action.name(),
                op.id.as_deref().unwrap_or(""),
                op.error_code.as_deref().unwrap_or(""),
                op.error_message.as_deref().unwrap_or("")
            ));
        }
    }
    Ok(flow)
}

/// Releases our checkout lock the way the API intends: a checkin (which needs only
/// `architect:flow:edit`). `unlock` needs `architect:flow:unlock` (Architect admins)
/// and is used only for `--force-unlock`.
pub async fn release_lock(client: &Client, ctx: &Ctx, flow: &Flow) -> Result<Flow, String> {
    let me = client.client_id().to_owned();
    let landed = move |f: &Flow| !f.locked_by(&me);
    let mut messages = Vec::new();
    run_action(
        client,
        ctx,
        &flow.id,
        AsyncAction::Checkin,
        flow,
        &landed,
        &mut messages,
    )
    .await
    .map_err(|e| format!("cannot release our lock with a checkin: {e}"))
}

async fn deploy_config(
    client: &Client,
    ctx: &Ctx,
    j: &mut Journal,
    remote: &Flow,
    cfg: &Value,
    hooks: &dyn Hooks,
    mut rep: Report,
) -> Report {
    let id = remote.id.clone();
    let me = client.client_id().to_owned();
    // Checkout.
    if let Err(e) = ctx.journal.step(j, Step::Checkout) {
        return rep.end(Outcome::Failed, journal_stop(&e, Step::Checkout));
    }
    if let Err(e) = client.checkout(&id).await {
        if e.is_conflict() {
            return rep.end(Outcome::Conflict, format!("checkout refused: {e}"));
        }
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(outcome, format!("checkout failed: {e}; {msg}"));
    }
    hooks.after(Step::CheckedOut);
    // Re-read: nobody moved anything between our read and our lock.
    let now = match client.get_flow(&id).await {
        Ok(f) => f,
        Err(e) => {
            let (outcome, msg) = undo_before_publish(client, ctx, j).await;
            return rep.end(outcome, format!("cannot re-read the flow: {e}; {msg}"));
        }
    };
    let moved = versions_moved(remote, &now);
    if !moved.is_empty() || !now.locked_by(&me) {
        let (_, msg) = undo_before_publish(client, ctx, j).await;
        let why = if moved.is_empty() {
            "the lock is not ours".to_owned()
        } else {
            moved.join("; ")
        };
        return rep.end(
            Outcome::Conflict,
            format!("the flow changed while we took the lock ({why}); {msg}"),
        );
    }
    // POST versions (not idempotent: sent once).
    if let Err(e) = ctx.journal.step(j, Step::SaveVersion) {
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            worse(Outcome::Failed, outcome),
            format!("{}; {msg}", journal_stop(&e, Step::SaveVersion)),
        );
    }
    let version = match client.create_version(&id, cfg).await {
        Ok(v) => v,
        Err(e) if outcome_unknown(&e) => {
            // The platform may have saved it: the flow decides.
            match client.get_flow(&id).await {
                Ok(f)
                    if f.locked_by(&me)
                        && f.saved_id().is_some()
                        && f.saved_id() != now.saved_id() =>
                {
                    let v = f.saved_version.clone().unwrap_or_default();
                    rep.messages.push(format!(
                        "saving answered {e}, but the flow shows our new draft {}: carrying on with it (not sent twice)",
                        v.id
                    ));
                    v
                }
                _ => {
                    let (outcome, msg) = undo_before_publish(client, ctx, j).await;
                    return rep.end(
                        outcome,
                        format!("saving the new version failed: {e} (the flow shows no new draft); {msg}"),
                    );
                }
            }
        }
        Err(e) => {
            let (outcome, msg) = undo_before_publish(client, ctx, j).await;
            return rep.end(
                outcome,
                format!("saving the new version failed: {e}; {msg}"),
            );
        }
    };
    j.new_version = Some(version.id.clone());
    rep.new_version = Some(version.id.clone());
    if let Err(e) = ctx.journal.step(j, Step::VersionSaved) {
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            worse(Outcome::Failed, outcome),
            format!("{}; {msg}", journal_stop(&e, Step::Checkin)),
        );
    }
    hooks.after(Step::VersionSaved);
    // Checkin (asynchronous; we follow our own operation).
    if let Err(e) = ctx.journal.step(j, Step::Checkin) {
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            worse(Outcome::Failed, outcome),
            format!("{}; {msg}", journal_stop(&e, Step::Checkin)),
        );
    }
    let vid = version.id.clone();
    let checked_in = move |f: &Flow| f.checked_in_id() == Some(vid.as_str());
    let after_checkin = match run_action(
        client,
        ctx,
        &id,
        AsyncAction::Checkin,
        &now,
        &checked_in,
        &mut rep.messages,
    )
    .await
    {
        Ok(f) => f,
        Err(e) => {
            let (outcome, msg) = undo_before_publish(client, ctx, j).await;
            return rep.end(outcome, format!("checkin failed: {e}; {msg}"));
        }
    };
    if after_checkin.checked_in_id() != Some(version.id.as_str()) {
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            outcome,
            format!(
                "checkin failed: the checked-in version is {}; {msg}",
                after_checkin.checked_in_id().unwrap_or("none")
            ),
        );
    }
    hooks.after(Step::CheckedIn);
    // Checkin released the lock. Take it again before publishing: while we hold it,
    // another party's publish is refused (409 architect.flow.locked.by.user, API.md
    // §2.5), so nobody can publish between our look at the flow and our publish.
    if let Err(e) = ctx.journal.step(j, Step::Relock) {
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            worse(Outcome::Failed, outcome),
            format!("{}; {msg}", journal_stop(&e, Step::Relock)),
        );
    }
    if let Err(e) = client.checkout(&id).await {
        if e.is_code("architect.flow.locked.by.user") {
            let holder = client
                .get_flow(&id)
                .await
                .ok()
                .and_then(|f| f.describe_lock())
                .unwrap_or_else(|| "another party".into());
            return rep.end(
                Outcome::Conflict,
                format!(
                    "{holder} locked the flow after our checkin ({e}): our version {} stays checked in but is not published",
                    version.id
                ),
            );
        }
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            outcome,
            format!("cannot lock the flow again to publish: {e}; {msg}"),
        );
    }
    hooks.after(Step::Relocked);
    let before_publish = match client.get_flow(&id).await {
        Ok(f) => f,
        Err(e) => {
            let (outcome, msg) = undo_before_publish(client, ctx, j).await;
            return rep.end(
                outcome,
                format!("cannot re-read the flow before publishing: {e}; {msg}"),
            );
        }
    };
    if before_publish.published_id() != remote.published_id() || before_publish.locked_by_other(&me)
    {
        let mut released = String::new();
        if before_publish.locked_by(&me)
            && let Err(e) = release_lock(client, ctx, &before_publish).await
        {
            released = format!("; {e}");
        }
        return rep.end(
            Outcome::Conflict,
            format!(
                "another party changed the flow after our checkin (published {}, lock {}): our version {} stays checked in but is not published{released}",
                before_publish.published_id().unwrap_or("none"),
                before_publish
                    .describe_lock()
                    .unwrap_or_else(|| "free".into()),
                version.id
            ),
        );
    }
    // Publish (asynchronous; we follow our own operation).
    if let Err(e) = ctx.journal.step(j, Step::Publish) {
        let (outcome, msg) = undo_before_publish(client, ctx, j).await;
        return rep.end(
            worse(Outcome::Failed, outcome),
            format!("{}; {msg}", journal_stop(&e, Step::Publish)),
        );
    }
    let vid = version.id.clone();
    let published = move |f: &Flow| f.published_id() == Some(vid.as_str());
    let after = run_action(
        client,
        ctx,
        &id,
        AsyncAction::Publish(&version.id),
        &before_publish,
        &published,
        &mut rep.messages,
    )
    .await;
    hooks.after(Step::PublishRequested);
    hooks.after(Step::Published);
    // Publishing may or may not release the publisher's lock on the real platform
    // (undocumented): if it is still ours, release it with a checkin.
    let after = match after {
        Ok(f) if f.locked_by(&me) => match release_lock(client, ctx, &f).await {
            Ok(f) => Ok(f),
            Err(e) => {
                // The journal stays, so `recover` releases it once the org answers.
                rep.keep_journal = true;
                rep.messages.push(format!(
                    "{e}: our lock is still held; run `flowguard recover` to release it"
                ));
                Ok(f)
            }
        },
        other => other,
    };
    // Verify: published version and the configuration read back, by meaning.
    let verified = match &after {
        Ok(f) if f.published_id() == Some(version.id.as_str()) => {
            match client.version_configuration(&id, &version.id).await {
                Ok(c) => crate::verify::same_meaning(cfg, &c),
                Err(e) => Err(format!("cannot read the published configuration back: {e}")),
            }
        }
        Ok(f) => Err(format!(
            "published version is {} after publishing {}",
            f.published_id().unwrap_or("none"),
            version.id,
        )),
        Err(e) => Err(format!("publishing version {} failed: {e}", version.id)),
    };
    match verified {
        Ok(()) => {
            if let Err(e) = ctx.journal.step(j, Step::Verified) {
                rep.messages.push(format!(
                    "warning: cannot write the journal after verifying ({e}); `flowguard recover` will verify again"
                ));
            }
            hooks.after(Step::Verified);
            rep.published_version = Some(version.id.clone());
            rep.end(
                Outcome::Deployed,
                format!(
                    "published version {} and verified its configuration (by meaning: routing, and every field sent; see docs/deployer.md)",
                    version.id
                ),
            )
        }
        Err(why) => {
            let (outcome, msg) = recover_after_publish(client, ctx, j).await;
            rep.published_version = client
                .get_flow(&id)
                .await
                .ok()
                .and_then(|f| f.published_id().map(str::to_owned));
            rep.end(outcome, format!("{why}; {msg}"))
        }
    }
}

/// The worse of two outcomes (for a journal failure followed by an undo).
fn worse(a: Outcome, b: Outcome) -> Outcome {
    if b.exit_code() > a.exit_code() { b } else { a }
}

/// Before publish: drop our draft and lock so the org is as it was. (After a journal
/// failure these are the only writes made without a journal step: they restore the
/// org, and there is nothing left for `recover` to do.)
pub async fn undo_before_publish(client: &Client, ctx: &Ctx, j: &mut Journal) -> (Outcome, String) {
    let _ = ctx.journal.step(j, Step::Undo);
    let me = client.client_id().to_owned();
    let flow = match client.wait_idle(&j.flow_id, ctx.poll, |_| {}).await {
        Ok(f) => f,
        Err(e) => {
            return (
                Outcome::RollbackFailed,
                format!("cannot read the flow to undo: {e}"),
            );
        }
    };
    let mut released = String::new();
    if flow.locked_by(&me) {
        let r = if flow.saved_id().is_some() && flow.saved_id() != j.previous_saved.as_deref() {
            match client.revert(&j.flow_id).await {
                Ok(_) => Ok("reverted our draft and released the lock"),
                // The answer may be lost after the revert was done: the flow decides.
                Err(e) => match client.get_flow(&j.flow_id).await {
                    Ok(f) if !f.locked_by(&me) && f.saved_id() == j.previous_saved.as_deref() => {
                        Ok("reverted our draft and released the lock")
                    }
                    _ => Err(e.to_string()),
                },
            }
        } else {
            release_lock(client, ctx, &flow)
                .await
                .map(|_| "released the lock (checkin)")
        };
        match r {
            Ok(m) => released = format!("{m}; "),
            Err(e) => {
                return (
                    Outcome::RollbackFailed,
                    format!("cannot release our lock: {e}"),
                );
            }
        }
    }
    if flow.published_id() != j.previous_published.as_deref() {
        let (o, m) = recover_after_publish(client, ctx, j).await;
        return (o, format!("{released}{m}"));
    }
    if !released.is_empty() {
        return (
            Outcome::RolledBack,
            format!(
                "{released}the published version is still {}",
                j.previous_published.as_deref().unwrap_or("none")
            ),
        );
    }
    (
        Outcome::RolledBack,
        format!(
            "nothing was published; the published version is still {}",
            j.previous_published.as_deref().unwrap_or("none")
        ),
    )
}

/// Whether the import job of this journal published the flow's current version: the
/// job succeeded for this flow and the published version is not the previous one.
/// (Who created a version, `createdByClient`, is not relied on: unconfirmed for jobs.)
pub async fn job_published(client: &Client, j: &Journal, flow: &Flow) -> bool {
    let Some(job) = &j.import_job_id else {
        return false;
    };
    if flow.published_id().is_none() || flow.published_id() == j.previous_published.as_deref() {
        return false;
    }
    match client.job(job).await {
        Ok(s) => {
            s.status == "Success"
                && s.flow
                    .as_ref()
                    .and_then(|f| f.id.as_deref())
                    .is_none_or(|f| f == j.flow_id)
        }
        Err(_) => false,
    }
}

/// After publish went wrong: if our version is live, publish the previous one again and
/// verify it; if someone else's is, leave it alone.
pub async fn recover_after_publish(
    client: &Client,
    ctx: &Ctx,
    j: &mut Journal,
) -> (Outcome, String) {
    let me = client.client_id().to_owned();
    let flow = match client.wait_idle(&j.flow_id, ctx.poll, |_| {}).await {
        Ok(f) => f,
        Err(e) => {
            return (
                Outcome::RollbackFailed,
                format!("cannot read the flow to roll back: {e}"),
            );
        }
    };
    let published = flow.published_id().map(str::to_owned);
    // Our lock, if still held: released with a checkin. A lock we cannot release is
    // something to repair (`recover`), not a clean end.
    let release = |flow: Flow| async move {
        if flow.locked_by(&me) {
            release_lock(client, ctx, &flow)
                .await
                .err()
                .map(|e| format!("; but our lock is still held: {e} (run `flowguard recover`)"))
        } else {
            None
        }
    };
    if published == j.previous_published {
        let note = release(flow).await;
        return (
            if note.is_some() {
                Outcome::RollbackFailed
            } else {
                Outcome::RolledBack
            },
            format!(
                "nothing was published; the published version is still {}{}",
                published.as_deref().unwrap_or("none"),
                note.unwrap_or_default()
            ),
        );
    }
    let ours = (published.is_some() && published == j.new_version)
        || (j.new_version.is_none() && job_published(client, j, &flow).await);
    if !ours {
        let note = release(flow).await;
        return (
            if note.is_some() {
                Outcome::RollbackFailed
            } else {
                Outcome::Conflict
            },
            format!(
                "another party published version {} meanwhile: it is left in place (never overwritten){}",
                published.as_deref().unwrap_or("none"),
                note.unwrap_or_default()
            ),
        );
    }
    let Some(prev) = j.previous_published.clone() else {
        return (
            Outcome::RollbackFailed,
            "there is no previous published version to roll back to".into(),
        );
    };
    if let Err(e) = ctx.journal.step(j, Step::Rollback) {
        return (
            Outcome::RollbackFailed,
            format!(
                "{}; our version {} is live",
                journal_stop(&e, Step::Rollback),
                published.unwrap_or_default()
            ),
        );
    }
    let expected = j.previous_configuration.clone();
    match publish_and_verify(client, ctx, &j.flow_id, &prev, expected.as_ref()).await {
        Ok(()) => (
            Outcome::RolledBack,
            format!("rolled back: version {prev} is published again (verified)"),
        ),
        Err(e) => (
            Outcome::RollbackFailed,
            format!("rollback to version {prev} failed: {e}"),
        ),
    }
}

/// Publishes `version` and checks it is live, with the expected configuration (by
/// meaning) when given; releases our lock if publishing left it with us.
pub async fn publish_and_verify(
    client: &Client,
    ctx: &Ctx,
    flow_id: &str,
    version: &str,
    expect: Option<&Value>,
) -> Result<(), String> {
    let me = client.client_id().to_owned();
    let before = client
        .wait_idle(flow_id, ctx.poll, |_| {})
        .await
        .map_err(|e| e.to_string())?;
    let mut f = before.clone();
    if before.published_id() != Some(version) {
        let v = version.to_owned();
        let landed = move |f: &Flow| f.published_id() == Some(v.as_str());
        let mut notes = Vec::new();
        f = run_action(
            client,
            ctx,
            flow_id,
            AsyncAction::Publish(version),
            &before,
            &landed,
            &mut notes,
        )
        .await?;
    }
    if f.locked_by(&me) {
        f = release_lock(client, ctx, &f).await?;
    }
    if f.published_id() != Some(version) {
        return Err(format!(
            "published version is {} instead of {version}",
            f.published_id().unwrap_or("none")
        ));
    }
    if let Some(expected) = expect {
        let c = client
            .version_configuration(flow_id, version)
            .await
            .map_err(|e| e.to_string())?;
        crate::verify::same_meaning(expected, &c)?;
    }
    Ok(())
}

async fn deploy_yaml(
    client: &Client,
    ctx: &Ctx,
    j: &mut Journal,
    remote: &Flow,
    yaml: &str,
    hooks: &dyn Hooks,
    mut rep: Report,
) -> Report {
    let id = remote.id.clone();
    if let Err(e) = ctx.journal.step(j, Step::RegisterJob) {
        return rep.end(Outcome::Failed, journal_stop(&e, Step::RegisterJob));
    }
    let job = match client.register_job().await {
        Ok(j) => j,
        Err(e) => {
            // A job registered but never given a file does nothing.
            return rep.end(
                Outcome::Failed,
                format!(
                    "cannot register the import job: {e} (nothing was uploaded, so nothing changes)"
                ),
            );
        }
    };
    j.import_job_id = Some(job.id.clone());
    if let Err(e) = ctx.journal.step(j, Step::Upload) {
        return rep.end(Outcome::Failed, journal_stop(&e, Step::Upload));
    }
    if let Err(e) = client.upload(&job, yaml.as_bytes()).await {
        // Not repeated: the upload starts the job. The job's state decides.
        let started = client
            .job(&job.id)
            .await
            .is_ok_and(|s| s.status != "Registered");
        if !started {
            let (outcome, msg) = recover_after_publish(client, ctx, j).await;
            return rep.end(outcome, format!("uploading the YAML failed: {e}; {msg}"));
        }
        rep.messages.push(format!(
            "the upload answered {e}, but the job started: following it (not uploaded twice)"
        ));
    }
    hooks.after(Step::PublishRequested);
    // Poll with backoff.
    let clock = client.transport.clock.clone();
    let start = clock.now();
    let mut interval = ctx.poll.first;
    let state = loop {
        match client.job(&job.id).await {
            Ok(s) if s.status == "Success" || s.status == "Failure" => break Ok(s),
            Ok(_) => {}
            Err(e) => break Err(e.to_string()),
        }
        let waited = clock.now().saturating_duration_since(start);
        if waited >= ctx.poll.timeout {
            break Err(format!(
                "the import job did not finish within {}s",
                ctx.poll.timeout.as_secs()
            ));
        }
        ctx.progress.tick("import job running", waited);
        clock.sleep(interval).await;
        interval = (interval * 2).min(ctx.poll.max_interval);
    };
    let state = match state {
        Ok(s) => s,
        Err(e) => {
            let (outcome, msg) = recover_after_publish(client, ctx, j).await;
            return rep.end(outcome, format!("import job {}: {e}; {msg}", job.id));
        }
    };
    rep.job_messages = state.messages.iter().map(|m| m.text.clone()).collect();
    if state.status == "Failure" {
        let (outcome, msg) = recover_after_publish(client, ctx, j).await;
        return rep.end(outcome, format!("import job {} failed; {msg}", job.id));
    }
    hooks.after(Step::Published);
    let job_flow = state.flow.as_ref().and_then(|f| f.id.clone());
    if let Some(fid) = &job_flow
        && *fid != id
    {
        // Archy published another flow (matched by name and type): ours is untouched.
        return rep.end(
            Outcome::RollbackFailed,
            format!(
                "import job {} published flow {fid}, not {id}: look at both flows in the org",
                job.id
            ),
        );
    }
    let flow = match client.get_flow(&id).await {
        Ok(f) => f,
        Err(e) => {
            let (outcome, msg) = recover_after_publish(client, ctx, j).await;
            return rep.end(
                outcome,
                format!("cannot read the flow after the import: {e}; {msg}"),
            );
        }
    };
    let new = flow.published_id().map(str::to_owned);
    j.new_version = new.clone();
    rep.new_version = new.clone();
    rep.published_version = new.clone();
    // Ours: the job succeeded for this flow and a new version is published.
    if new.is_some() && new != j.previous_published {
        if let Err(e) = ctx.journal.step(j, Step::Verified) {
            rep.messages.push(format!(
                "warning: cannot write the journal after verifying ({e})"
            ));
        }
        hooks.after(Step::Verified);
        let _ = Lockfile::update(&ctx.lockfile, |l| {
            l.flows.insert(
                id.clone(),
                Entry::from_flow(
                    &flow,
                    sha256_hex(yaml.as_bytes()),
                    Some(j.source_file.clone()),
                ),
            );
        });
        return rep.end(
            Outcome::Deployed,
            format!(
                "import job {} published version {}",
                job.id,
                new.unwrap_or_default()
            ),
        );
    }
    let (outcome, msg) = recover_after_publish(client, ctx, j).await;
    rep.end(
        outcome,
        format!(
            "the import job succeeded but the published version is still {}; {msg}",
            new.unwrap_or_else(|| "none".into())
        ),
    )
}

/// Waits `d` on the client's clock (tests use a fake clock).
pub async fn pause(client: &Client, d: Duration) {
    client.transport.clock.sleep(d).await;
}
