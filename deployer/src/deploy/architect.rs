//! Architect configuration JSON: checkout → re-check versions under the lock → POST
//! versions (sent once) → checkin (our operation) → check out again → last look →
//! publish (our operation) → release the lock if publishing left it → verify by
//! meaning. Every write is preceded by its journal step.

use serde_json::Value;

use super::pipeline::journal_stop;
use super::undo::{AsyncAction, run_action};
use super::*;
use crate::context::Ctx;
use crate::genesys::Client;
use crate::genesys::model::Flow;
use crate::journal::Journal;
use crate::step::Step;

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

pub(super) async fn deploy_config(
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
        AsyncAction::Checkin,
        &now,
        &checked_in,
        None,
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
        AsyncAction::Publish(&version.id),
        &before_publish,
        &published,
        Some((hooks, Step::PublishRequested)),
        &mut rep.messages,
    )
    .await;
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
