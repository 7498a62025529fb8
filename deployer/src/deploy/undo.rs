//! Undo and rollback: asynchronous actions that follow our own operation, releasing our
//! lock with a checkin, reverting a draft, publishing the previous version again and
//! verifying it. Shared by a failing deploy, `rollback` and `recover`.

use serde_json::Value;

use super::pipeline::journal_stop;
use super::*;
use crate::context::Ctx;
use crate::genesys::api::OperationWait;
use crate::genesys::model::Flow;
use crate::genesys::{ApiError, Client, ErrorKind};
use crate::journal::Journal;
use crate::step::Step;

/// The answer to a write was lost (5xx, no answer): the platform may have done it.
pub fn outcome_unknown(e: &ApiError) -> bool {
    e.kind == ErrorKind::Network || e.status.is_some_and(|s| s >= 500)
}

/// An asynchronous action (checkin, publish).
#[derive(Clone, Copy)]
pub(super) enum AsyncAction<'a> {
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
/// `sent`: a hook point to fire once the action was sent (before waiting for it).
pub(super) async fn run_action(
    client: &Client,
    ctx: &Ctx,
    action: AsyncAction<'_>,
    before: &Flow,
    landed: &(dyn Fn(&Flow) -> bool + Send + Sync),
    sent: Option<(&dyn Hooks, Step)>,
    messages: &mut Vec<String>,
) -> Result<Flow, String> {
    let id = before.id.as_str();
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
    if let Some((hooks, step)) = sent {
        hooks.after(step);
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
        AsyncAction::Checkin,
        flow,
        &landed,
        None,
        &mut messages,
    )
    .await
    .map_err(|e| format!("cannot release our lock with a checkin: {e}"))
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
                // Whether revert releases the lock is inferred: if it is still ours,
                // release it with a checkin (the draft is gone, so nothing is checked in).
                Ok(f) if f.locked_by(&me) => release_lock(client, ctx, &f)
                    .await
                    .map(|_| "reverted our draft and released the lock (checkin)"),
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
            AsyncAction::Publish(version),
            &before,
            &landed,
            None,
            &mut notes,
        )
        .await?;
    }
    if f.locked_by(&me) {
        f = release_lock(client, ctx, &f).await?;
    }
    if f.published_id() != Some(version) {
        // If the platform published `version` as a copy under a new id (undocumented:
        // the emulator re-points), the copy must mean the same as `version`.
        let copy = match f.published_id() {
            Some(p) if p != before.published_id().unwrap_or_default() => {
                match (
                    client.version_configuration(flow_id, version).await,
                    client.version_configuration(flow_id, p).await,
                ) {
                    (Ok(want), Ok(got)) => crate::verify::same_meaning(&want, &got).is_ok(),
                    _ => false,
                }
            }
            _ => false,
        };
        if !copy {
            return Err(format!(
                "published version is {} instead of {version}",
                f.published_id().unwrap_or("none")
            ));
        }
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
