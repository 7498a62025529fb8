//! The two phases of a release. Phase one (exist): every flow looked up first (reads
//! only: a pending journal, an ambiguous name, a lock held by another party or a
//! running operation refuses the whole release before any write), then each missing
//! flow is created and a stub published into it (`stub`). Phase two (contents): every
//! document deployed in dependency order by the single-flow pipeline; the first failure
//! stops the release and rolls back what it published (`rollback`).

use serde_json::Value;

use super::journal::{self, FlowState, ReleaseFlow, ReleaseJournal};
use super::order::Order;
use super::set::Member;
use super::{ReleaseOptions, ReleaseReport, flow_opts, rollback, state_outcome, stub};
use crate::context::Ctx;
use crate::deploy::address::{self, Target};
use crate::deploy::{self, Hooks, Outcome, Report};
use crate::genesys::Client;
use crate::source::Source;
use crate::util::now_rfc3339;

/// What phase one found for a flow.
enum Found {
    /// Published: its version and configuration (to publish back and verify).
    Published(String, String, Option<Value>),
    /// Exists without a published version: gets a stub.
    Unpublished(String),
    Missing,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    client: &Client,
    ctx: &Ctx,
    opts: &ReleaseOptions,
    members: &[Member],
    order: &Order,
    release_id: &str,
    hooks: &dyn Hooks,
    mut rep: ReleaseReport,
) -> ReleaseReport {
    // Pending journals: an interrupted deploy or release waits for `recover`.
    match (ctx.journal.all(), journal::all(ctx)) {
        (Ok(a), Ok(b)) if a.is_empty() && b.is_empty() => {}
        (Ok(a), Ok(b)) => {
            let what: Vec<String> = a
                .iter()
                .map(|j| format!("deploy {} of flow {}", j.deploy_id, j.flow_id))
                .chain(b.iter().map(|r| format!("release {}", r.release_id)))
                .collect();
            return rep.end(
                Outcome::Failed,
                format!(
                    "interrupted work is pending ({}): run `flowguard recover` first; nothing was written",
                    what.join(", ")
                ),
            );
        }
        (Err(e), _) | (_, Err(e)) => return rep.end(Outcome::Failed, e),
    }
    // Phase one, reads: find every flow; refuse before any write.
    let me = client.client_id().to_owned();
    let lock = match crate::lockfile::Lockfile::load(&ctx.lockfile) {
        Ok(l) => l,
        Err(e) => return rep.end(Outcome::Failed, e),
    };
    let mut found = Vec::with_capacity(order.sequence.len());
    for (k, &i) in order.sequence.iter().enumerate() {
        let m = &members[i];
        let f = match address::find(client, &m.ident).await {
            Ok(Target::Missing) => {
                // Its division must resolve before anything is written.
                if let Some(d) = &m.ident.division
                    && let Err(e) = address::division_id(client, d).await
                {
                    return rep.end(Outcome::Failed, format!("{}: {e}", m.display));
                }
                Found::Missing
            }
            Ok(Target::Existing(id)) => {
                let flow = match client.get_flow(&id).await {
                    Ok(f) => f,
                    Err(e) => {
                        return rep.end(
                            Outcome::Failed,
                            format!(
                                "{}: cannot read flow {id}: {e}; nothing was written",
                                m.display
                            ),
                        );
                    }
                };
                // Changed since it was fetched or last deployed from here: the single
                // deploy would stop there as a conflict, after earlier flows were published.
                if let Some(moved) = lock
                    .flows
                    .get(&id)
                    .map(|e| e.moved(&flow))
                    .filter(|m| !m.is_empty())
                {
                    return rep.end(
                        Outcome::Conflict,
                        format!(
                            "{}: flow {id} `{}` changed since it was fetched ({}): fetch it again and re-apply your change; nothing was written",
                            m.display,
                            flow.name,
                            moved.join("; ")
                        ),
                    );
                }
                if flow.operation_running() {
                    return rep.end(
                        Outcome::Conflict,
                        format!("{}: an operation is already running on flow {id} `{}`: nothing was written", m.display, flow.name),
                    );
                }
                if flow.locked_by_other(&me) && !opts.force_unlock {
                    return rep.end(
                        Outcome::Conflict,
                        format!(
                            "{}: flow {id} `{}` is locked by {}: nothing was written (--force-unlock breaks locks; audited)",
                            m.display,
                            flow.name,
                            flow.describe_lock().unwrap_or_else(|| flow.lock_holder().unwrap_or_default())
                        ),
                    );
                }
                match flow.published_id() {
                    Some(v) => {
                        let cfg = match client.version_configuration(&id, v).await {
                            Ok(c) => Some(c),
                            Err(e) if e.is_status(404) => None,
                            Err(e) => {
                                return rep.end(
                                    Outcome::Failed,
                                    format!("{}: cannot read the published configuration of flow {id}: {e}; nothing was written", m.display),
                                );
                            }
                        };
                        Found::Published(id, v.to_owned(), cfg)
                    }
                    None => Found::Unpublished(id),
                }
            }
            Err(e) => {
                return rep.end(Outcome::Failed, format!("{}: {e}", m.display));
            }
        };
        if let Some(line) = rep.flows.get_mut(k) {
            match &f {
                Found::Published(id, v, _) => {
                    line.flow_id = Some(id.clone());
                    line.previous_version = Some(v.clone());
                }
                Found::Unpublished(id) => line.flow_id = Some(id.clone()),
                Found::Missing => {}
            }
        }
        found.push(f);
    }
    // The journal: the intent, before the first write.
    let mut j = ReleaseJournal {
        release_id: release_id.to_owned(),
        operator: opts.operator.clone(),
        started_at: now_rfc3339(),
        phase: "exist".into(),
        flows: order
            .sequence
            .iter()
            .zip(&found)
            .map(|(&i, f)| {
                let m = &members[i];
                let (flow_id, prev, cfg, state) = match f {
                    Found::Published(id, v, c) => (
                        Some(id.clone()),
                        Some(v.clone()),
                        c.clone(),
                        FlowState::Exists,
                    ),
                    Found::Unpublished(id) => (Some(id.clone()), None, None, FlowState::Pending),
                    Found::Missing => (None, None, None, FlowState::Pending),
                };
                ReleaseFlow {
                    file: m.display.clone(),
                    name: m.ident.name.clone(),
                    flow_type: m.ident.flow_type.clone(),
                    flow_id,
                    created: false,
                    previous_published: prev,
                    previous_configuration: cfg,
                    new_version: None,
                    state,
                }
            })
            .collect(),
    };
    if let Err(e) = journal::save(ctx, &j) {
        return rep.end(
            Outcome::Failed,
            format!("{e}: stopped before writing to the org (without a journal `flowguard recover` could not undo the release)"),
        );
    }
    // Phase one, writes: a stub into every flow without a published version.
    let mut wrote = false;
    for (k, &i) in order.sequence.iter().enumerate() {
        let m = &members[i];
        let (pinned, created) = match &found[k] {
            Found::Published(..) => continue,
            Found::Unpublished(id) => (id.clone(), false),
            Found::Missing => (String::new(), true),
        };
        let cfg = stub::config(&m.ident, release_id);
        let source = match Source::from_text(&m.display, cfg.to_string()) {
            Ok(s) => s,
            Err(e) => return rep.end(Outcome::Failed, e),
        };
        let mut o = flow_opts(opts, &m.path, &pinned);
        o.optimize = false;
        let r = deploy::deploy_source(
            client,
            ctx,
            &o,
            source,
            Some(release_id),
            hooks,
            deploy::LockfileAfter::Skip,
        )
        .await;
        let line = &mut rep.flows[k];
        if !r.flow_id.is_empty() {
            line.flow_id = Some(r.flow_id.clone());
        }
        line.created = created && !r.flow_id.is_empty();
        wrote |= line.created || r.journaled;
        let ok = r.outcome == Outcome::Deployed;
        line.messages.push(if ok {
            format!(
                "phase one: {} and published a stub (version {}; it disconnects)",
                if created {
                    "created"
                } else {
                    "found unpublished"
                },
                r.published_version.as_deref().unwrap_or("?")
            )
        } else {
            format!("phase one: the stub failed: {}", r.outcome.as_str())
        });
        let jf = &mut j.flows[k];
        jf.flow_id = line.flow_id.clone();
        jf.created = line.created;
        if ok {
            jf.previous_published = r.published_version.clone();
            jf.previous_configuration = Some(cfg);
            jf.state = FlowState::Stubbed;
            line.previous_version = r.published_version.clone();
        }
        let _ = journal::save(ctx, &j);
        if !ok {
            let outcome = r.outcome;
            line.outcome = "failed";
            line.messages.extend(r.messages.iter().cloned());
            rep.attempts.push(r);
            let created_any = rep.flows.iter().any(|f| f.created);
            let end = if outcome == Outcome::RollbackFailed {
                Outcome::RollbackFailed
            } else if wrote || created_any {
                Outcome::RolledBack
            } else {
                outcome
            };
            if end != Outcome::RollbackFailed {
                let _ = journal::remove(ctx, release_id);
            }
            return rep.end(
                end,
                "phase one failed: no content of the release was published; flows that existed are untouched; flows created by this release are left in the org with their stub (not deleted)",
            );
        }
        rep.attempts.push(r);
    }
    // Phase two: the contents, dependencies first.
    j.phase = "contents".into();
    let _ = journal::save(ctx, &j);
    let mut failed: Option<(usize, Outcome)> = None;
    for (k, &i) in order.sequence.iter().enumerate() {
        let m = &members[i];
        let Some(id) = j.flows[k].flow_id.clone() else {
            failed = Some((k, Outcome::Failed));
            break;
        };
        j.flows[k].state = FlowState::Deploying;
        if let Err(e) = journal::save(ctx, &j) {
            rep.flows[k]
                .messages
                .push(format!("{e}: stopped before deploying it"));
            failed = Some((k, Outcome::Failed));
            break;
        }
        let o = flow_opts(opts, &m.path, &id);
        let r: Report = deploy::deploy_source(
            client,
            ctx,
            &o,
            m.source.clone(),
            Some(release_id),
            hooks,
            deploy::LockfileAfter::Refresh,
        )
        .await;
        let line = &mut rep.flows[k];
        line.published_version = r.published_version.clone();
        match r.outcome {
            Outcome::Deployed => {
                j.flows[k].new_version = r.published_version.clone();
                j.flows[k].state = FlowState::Published;
                line.new_version = r.published_version.clone();
            }
            Outcome::NoChange => j.flows[k].state = FlowState::NoChange,
            other => {
                j.flows[k].state = FlowState::Failed;
                line.messages.extend(r.messages.iter().cloned());
                line.messages
                    .extend(r.job_messages.iter().map(|m| format!("job: {m}")));
                failed = Some((k, other));
            }
        }
        line.outcome = state_outcome(j.flows[k].state);
        let _ = journal::save(ctx, &j);
        rep.attempts.push(r);
        if failed.is_some() {
            break;
        }
    }
    let Some((k, outcome)) = failed else {
        let _ = journal::remove(ctx, release_id);
        let published = j
            .flows
            .iter()
            .filter(|f| f.state == FlowState::Published)
            .count();
        return rep.end(
            Outcome::Deployed,
            format!(
                "release {release_id}: {published} flow(s) published and verified, {} unchanged",
                j.flows.len() - published
            ),
        );
    };
    // Rollback.
    let name = j.flows[k].name.clone();
    j.phase = "rollback".into();
    let _ = journal::save(ctx, &j);
    let published_any = j.flows.iter().any(|f| f.state == FlowState::Published);
    let restored = rollback::publish_back(client, ctx, &mut j, &mut rep, &opts.operator).await;
    let stubs = j.flows.iter().any(|f| f.created);
    let end = if !restored || outcome == Outcome::RollbackFailed {
        Outcome::RollbackFailed
    } else if published_any || stubs || outcome == Outcome::RolledBack {
        Outcome::RolledBack
    } else {
        outcome
    };
    if end != Outcome::RollbackFailed {
        let _ = journal::remove(ctx, release_id);
    } else {
        let _ = journal::save(ctx, &j);
    }
    rep.end(
        end,
        format!(
            "`{name}` failed ({}): {}",
            outcome.as_str(),
            match (end == Outcome::RollbackFailed, published_any, stubs) {
                (true, _, _) => "the org could not be fully restored: look at the flows marked rollback-failed, then run `flowguard recover`",
                (false, true, true) => "every flow the release published is published back at its previous version (verified); flows created by this release keep their stub",
                (false, true, false) => "every flow the release published is published back at its previous version (verified)",
                (false, false, true) => "nothing of the release's content is live; flows created by this release keep their stub",
                (false, false, false) => "nothing of the release's content is live",
            }
        ),
    )
}
