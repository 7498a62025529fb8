//! The deploy pipeline: read and validate, optionally flatten, plan against the org,
//! pre-checks (lockfile, pending journal, locks), the journal's intent, then hand over to
//! the Architect JSON path (`architect.rs`) or the Archy YAML path (`archy.rs`).

use super::address::{self, Identity, Target};
use super::architect::deploy_config;
use super::archy::{deploy_yaml, yaml_matches};
use super::*;
use crate::context::Ctx;
use crate::genesys::Client;
use crate::journal::{Creation, Journal};
use crate::lockfile::Lockfile;
use crate::plan::{self, Plan};
use crate::source::{Content, Source};
use crate::step::Step;
use crate::util::{config_hash, now_rfc3339};

/// `--optimize`: flatten nested decisions with the core (certified rewrites only). Archy
/// YAML gets one `switch` per flattened tree (checked by reading it back); Architect
/// configuration JSON is patched in place where the undocumented format can express the
/// rewrite faithfully (one condition per DecisionAction); what a writer refuses comes back
/// unchanged with FG046, and the message says so.
fn flatten(text: &str, messages: &mut Vec<String>) -> Result<String, String> {
    let opts = flowguard_core::decision::FlattenOptions::default();
    let out = flowguard_core::flatten(text, &opts);
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

pub(super) async fn deploy_inner(
    client: &Client,
    ctx: &Ctx,
    opts: &DeployOptions,
    hooks: &dyn Hooks,
) -> Report {
    // 1. Read and validate.
    let source = match Source::read_with(&opts.file, &ctx.vars) {
        Ok(s) => s,
        Err(e) => return Report::new("deploy", &opts.flow_id).end(Outcome::Failed, e),
    };
    deploy_read(client, ctx, opts, source, None, hooks).await
}

/// The pipeline from validation on, for a source already read and filled (a release
/// reads every document of the set first).
pub(super) async fn deploy_read(
    client: &Client,
    ctx: &Ctx,
    opts: &DeployOptions,
    source: Source,
    release_id: Option<&str>,
    hooks: &dyn Hooks,
) -> Report {
    let mut rep = Report::new("deploy", &opts.flow_id);
    rep.release_id = release_id.map(str::to_owned);
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
    // 3. The flow: pinned with --flow, else found by the document's name and type
    // (created when the org has none). Then the remote state and plan.
    let ident = match address::identity(&source) {
        Ok(i) => i,
        Err(e) => return rep.end(Outcome::Failed, e),
    };
    let mut creation: Option<Creation> = None;
    if opts.flow_id.is_empty() {
        // An interrupted creation of this flow waits for `recover`.
        let key = Creation {
            name: ident.name.clone(),
            flow_type: ident.flow_type.clone(),
            ..Creation::default()
        }
        .pending_key();
        match ctx.journal.load(&key) {
            Ok(None) => {}
            Ok(Some(_)) => {
                return rep.end(
                    Outcome::Failed,
                    "an interrupted creation of this flow is pending: run `flowguard recover` first; nothing was written",
                );
            }
            Err(e) => return rep.end(Outcome::Failed, e),
        }
    }
    let flow_id = if opts.flow_id.is_empty() {
        match address::find(client, &ident).await {
            Ok(Target::Existing(id)) => {
                rep.messages.push(format!(
                    "{} flow `{}` found by name and type: {id}",
                    ident.flow_type, ident.name
                ));
                id
            }
            Ok(Target::Missing) => {
                match create(client, ctx, opts, &source, &ident, hooks, rep).await {
                    Ok((id, c, r)) => {
                        creation = Some(c);
                        rep = r;
                        id
                    }
                    Err(r) => return *r,
                }
            }
            Err(e) => return rep.end(Outcome::Failed, e),
        }
    } else {
        opts.flow_id.clone()
    };
    rep.flow_id = flow_id.clone();
    let remote = match client.get_flow(&flow_id).await {
        Ok(f) => f,
        Err(e) => return rep.end(Outcome::Failed, format!("cannot read the flow: {e}")),
    };
    rep.flow_name = Some(remote.name.clone());
    if !opts.flow_id.is_empty()
        && !source.is_yaml()
        && let Err(e) = address::check_pinned(&ident, &remote)
    {
        return rep.end(Outcome::Failed, e);
    }
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
    let entry = lock.flows.get(&flow_id).cloned();
    let plan = match (&source.content, &remote_config) {
        (Content::Config(_), Some(_)) if remote.published_id().is_none() => Plan {
            not_comparable: Some("the flow has no published version yet".into()),
            ..Plan::default()
        },
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
            // The lockfile knows the published version it last saw: a changed file over
            // that same version is a change, no need to ask the org.
            let ours_changed = entry
                .as_ref()
                .is_some_and(|e| e.published_version.as_deref() == remote.published_id());
            if same {
                Plan::default()
            } else if !ours_changed
                && published_yaml_unchanged(client, ctx, &remote, &source.text).await
            {
                // Without a lockfile entry that vouches for it (a fresh CI checkout, or a
                // version published from elsewhere), the published version exported as
                // YAML decides, as `plan` does: an unchanged file publishes nothing.
                rep.messages.push(format!(
                    "the published version {} exported as YAML says the same as the file",
                    remote.published_id().unwrap_or("?")
                ));
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
    // A deploy that has just created the flow continues its own journal.
    let mut created_journal = None;
    match ctx.journal.load(&flow_id) {
        Ok(None) => {}
        Ok(Some(p)) if creation.is_some() && p.creation == creation => created_journal = Some(p),
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
        deploy_id: created_journal
            .as_ref()
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), |p| p.deploy_id.clone()),
        steps: created_journal.map(|p| p.steps).unwrap_or_default(),
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
        creation,
        release_id: rep.release_id.clone(),
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

/// The message of a journal write that failed before a write to the org.
pub(super) fn journal_stop(e: &str, step: Step) -> String {
    format!(
        "cannot write the journal before step `{step}` ({e}): stopped before writing to the org, because without a journal entry `flowguard recover` could not finish or undo this change"
    )
}

/// Creates the missing flow of a deploy by name (Architect JSON: `POST /api/v2/flows`),
/// in the division the document names. The creation is journalled first, under a key
/// made of the name and type (the id is not known yet), then under the new id. Refusals
/// (division unknown, Archy YAML, dry run) write nothing.
async fn create(
    client: &Client,
    ctx: &Ctx,
    opts: &DeployOptions,
    source: &Source,
    ident: &Identity,
    hooks: &dyn Hooks,
    mut rep: Report,
) -> Result<(String, Creation, Report), Box<Report>> {
    let division_id = match &ident.division {
        Some(d) => match address::division_id(client, d).await {
            Ok(id) => Some(id),
            Err(e) => return Err(Box::new(rep.end(Outcome::Failed, e))),
        },
        None => None,
    };
    let what = format!(
        "the org has no {} flow `{}`{}",
        ident.flow_type,
        ident.name,
        ident
            .division
            .as_deref()
            .map(|d| format!(" (division {d})"))
            .unwrap_or_default()
    );
    if opts.dry_run {
        return Err(Box::new(rep.end(
            Outcome::DryRun,
            format!("{what}: it would be created; dry run: nothing was written"),
        )));
    }
    let mut c = Creation {
        name: ident.name.clone(),
        flow_type: ident.flow_type.clone(),
        division_id: division_id.clone(),
        flow_id: None,
    };
    let key = c.pending_key();
    let mut j = Journal {
        deploy_id: uuid::Uuid::new_v4().to_string(),
        flow_id: key.clone(),
        flow_name: ident.name.clone(),
        operator: opts.operator.clone(),
        pipeline: if source.is_yaml() { "yaml" } else { "config" }.into(),
        source_file: source.path.clone(),
        new_content_sha256: source.content_sha256(),
        new_configuration: match &source.content {
            Content::Config(c) => Some(c.clone()),
            Content::Yaml(_) => None,
        },
        started_at: now_rfc3339(),
        creation: Some(c.clone()),
        release_id: rep.release_id.clone(),
        ..Journal::default()
    };
    if let Content::Yaml(y) = &source.content {
        // The import job creates the flow (and publishes it).
        rep.messages
            .push(format!("{what}: the import job creates it"));
        return Err(Box::new(
            super::archy::create_yaml(client, ctx, j, y, hooks, rep).await,
        ));
    }
    if let Err(e) = ctx.journal.step(&mut j, Step::CreateFlow) {
        return Err(Box::new(
            rep.end(Outcome::Failed, journal_stop(&e, Step::CreateFlow)),
        ));
    }
    let flow = match client
        .create_flow(&ident.name, &ident.flow_type, division_id.as_deref())
        .await
    {
        Ok(f) => f,
        Err(e) => {
            // Sent once: after a lost answer the org decides.
            let me = client.client_id().to_owned();
            let found = match address::find(client, ident).await {
                Ok(Target::Existing(id)) => client.get_flow(&id).await.ok(),
                Ok(Target::Missing) => {
                    let _ = ctx.journal.remove(&key);
                    return Err(Box::new(rep.end(
                        Outcome::Failed,
                        format!("cannot create the flow: {e}; nothing was created"),
                    )));
                }
                Err(_) => None,
            };
            match found {
                // Created by our request (empty, unpublished, checked out to us).
                Some(f) if f.published_id().is_none() && f.locked_by(&me) => {
                    rep.messages.push(format!(
                        "the create answered {e}, but the flow exists: carrying on with it (not sent twice)"
                    ));
                    f
                }
                _ => {
                    rep.keep_journal = true;
                    return Err(Box::new(rep.end(
                        Outcome::Failed,
                        format!("creating the flow failed ({e}) but a flow of that name and type may exist now: run `flowguard recover`"),
                    )));
                }
            }
        }
    };
    hooks.after(Step::Created);
    rep.messages.push(format!(
        "created {} flow `{}`: {}",
        ident.flow_type, ident.name, flow.id
    ));
    c.flow_id = Some(flow.id.clone());
    j.flow_id = flow.id.clone();
    j.creation = Some(c.clone());
    if let Err(e) = ctx.journal.save(&j) {
        rep.flow_id = flow.id.clone();
        rep.keep_journal = true;
        return Err(Box::new(rep.end(
            Outcome::Failed,
            format!(
                "created flow {} but cannot write the journal ({e}): run `flowguard recover`",
                flow.id
            ),
        )));
    }
    let _ = ctx.journal.remove(&key);
    Ok((flow.id, c, rep))
}

/// Whether `remote`'s published version, exported as Archy YAML, says what `local` says
/// (see [`plan::yaml_unchanged`]). Anything that prevents the comparison (no published
/// version, an export job that fails, a request that fails) counts as a change: the
/// deploy goes ahead, as it did before it could compare.
async fn published_yaml_unchanged(
    client: &Client,
    ctx: &Ctx,
    remote: &crate::genesys::model::Flow,
    local: &str,
) -> bool {
    match plan::current::yaml(client, ctx, remote).await {
        Ok(plan::current::Current::Yaml(published)) => plan::yaml_unchanged(&published, local),
        _ => false,
    }
}
