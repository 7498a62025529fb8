//! Rollback of a failed release: every flow the release published (phase two) is
//! published back at the version published before (for a flow the release created:
//! its stub) and verified by meaning, last published first, with the single-flow
//! rollback ([`crate::deploy::publish_and_verify`]). A version another party published
//! meanwhile is left in place (never overwritten). Flows are never deleted.

use std::time::Instant;

use super::ReleaseReport;
use super::journal::{self, FlowState, ReleaseJournal};
use crate::context::Ctx;
use crate::deploy::{self, Outcome, Report};
use crate::genesys::Client;

/// Publishes back every `Published` flow of `j`; true when all are restored.
pub(super) async fn publish_back(
    client: &Client,
    ctx: &Ctx,
    j: &mut ReleaseJournal,
    rep: &mut ReleaseReport,
    operator: &str,
) -> bool {
    let mut all_ok = true;
    for k in (0..j.flows.len()).rev() {
        if j.flows[k].state != FlowState::Published {
            continue;
        }
        let r = restore(client, ctx, j, k, None, operator).await;
        if let Some(line) = rep.flows.get_mut(k) {
            line.outcome = super::state_outcome(j.flows[k].state);
            line.published_version = r.published_version.clone();
            line.messages.extend(r.messages.iter().cloned());
        }
        all_ok &= j.flows[k].state == FlowState::RolledBack;
        rep.attempts.push(r);
    }
    all_ok
}

/// Publishes flow `k` of the release back at its previous version when the version
/// live is ours (`j`'s new version, or `ours` when known from elsewhere), and audits
/// it under the release id. Sets the flow's state.
pub(super) async fn restore(
    client: &Client,
    ctx: &Ctx,
    j: &mut ReleaseJournal,
    k: usize,
    ours: Option<&str>,
    operator: &str,
) -> Report {
    let started = Instant::now();
    let calls_before = client.transport.call_count();
    let f = j.flows[k].clone();
    let id = f.flow_id.clone().unwrap_or_default();
    let mut r = Report::new_public("release rollback", &id);
    r.release_id = Some(j.release_id.clone());
    r.flow_name = Some(f.name.clone());
    r.previous_version = f.new_version.clone().or_else(|| ours.map(str::to_owned));
    r.new_version = f.previous_published.clone();
    let (outcome, msg, state) = match (&f.flow_id, &f.previous_published) {
        (Some(_), Some(prev)) => {
            let now = client
                .wait_idle(&id, ctx.poll, |_| {})
                .await
                .map(|fl| fl.published_id().map(str::to_owned));
            match now {
                Err(e) => (
                    Outcome::RollbackFailed,
                    format!("cannot read the flow to publish it back: {e}"),
                    FlowState::RollbackFailed,
                ),
                Ok(p) if p.as_deref() == Some(prev.as_str()) => (
                    Outcome::RolledBack,
                    format!("version {prev} is published (as before the release)"),
                    FlowState::RolledBack,
                ),
                Ok(p) if p.is_some() && (p == f.new_version || p.as_deref() == ours) => {
                    match deploy::publish_and_verify(
                        client,
                        ctx,
                        &id,
                        prev,
                        f.previous_configuration.as_ref(),
                    )
                    .await
                    {
                        Ok(()) => (
                            Outcome::RolledBack,
                            format!(
                                "published back at version {prev} (verified); the release's version {} is no longer live",
                                p.unwrap_or_default()
                            ),
                            FlowState::RolledBack,
                        ),
                        Err(e) => (
                            Outcome::RollbackFailed,
                            format!("publishing version {prev} back failed: {e}"),
                            FlowState::RollbackFailed,
                        ),
                    }
                }
                Ok(p) => (
                    Outcome::RollbackFailed,
                    format!(
                        "another party published version {} meanwhile: left in place (never overwritten); the release's previous version was {prev}",
                        p.unwrap_or_else(|| "none".into())
                    ),
                    FlowState::RollbackFailed,
                ),
            }
        }
        _ => (
            Outcome::RolledBack,
            "no version was published by the release".to_owned(),
            FlowState::RolledBack,
        ),
    };
    j.flows[k].state = state;
    let _ = journal::save(ctx, j);
    if state == FlowState::RolledBack && f.flow_id.is_some() {
        // The lockfile follows the org: the next run compares against this version.
        deploy::refresh_lockfile(client, ctx, &id, None).await;
    }
    r.published_version = client
        .get_flow(&id)
        .await
        .ok()
        .and_then(|fl| fl.published_id().map(str::to_owned));
    let r = r.finish(outcome, msg);
    deploy::record(
        ctx,
        client,
        r,
        "release rollback",
        operator,
        started,
        calls_before,
    )
    .await
}
