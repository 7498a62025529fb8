//! `flowguard recover`: finishes or undoes deploys a crash interrupted, from the journal.
//!
//! Rule: the org decides. If our new version is published, the deploy is finished
//! (verified, or rolled back when the journal shows a rollback had begun). If the
//! previous version is still published, our draft and lock are released (undone). If
//! someone else's version is published, nothing is touched.

use std::time::Instant;

use serde::Serialize;

use crate::context::Ctx;
use crate::deploy::address::{self, Identity, Target};
use crate::deploy::{self, Outcome, Report};
use crate::genesys::Client;
use crate::journal::{Creation, Journal};
use crate::step::Step;
use crate::util::config_hash;

#[derive(Serialize)]
pub struct RecoverReport {
    pub command: &'static str,
    pub recovered: Vec<Report>,
    pub exit_code: u8,
}

pub async fn recover(client: &Client, ctx: &Ctx) -> Result<RecoverReport, String> {
    let mut out = Vec::new();
    let mut worst = crate::EXIT_OK;
    for mut j in ctx.journal.all()? {
        let started = Instant::now();
        let calls_before = client.transport.call_count();
        let mut rep = Report::new_public("recover", &j.flow_id);
        rep.release_id = j.release_id.clone();
        rep.flow_name = Some(j.flow_name.clone());
        rep.previous_version = j.previous_published.clone();
        rep.new_version = j.new_version.clone();
        rep.pipeline = if j.pipeline == "yaml" {
            "yaml"
        } else {
            "config"
        };
        rep.messages.push(format!(
            "interrupted deploy {} (last step: {})",
            j.deploy_id,
            j.last_step().map_or("none", |s| s.name())
        ));
        let me = client.client_id().to_owned();
        if let Some(c) = j.creation.clone() {
            match created(client, ctx, &mut j, &c).await {
                Created::Decided(outcome, msg) => {
                    rep.flow_id = j.flow_id.clone();
                    let rep = deploy::record(
                        ctx,
                        client,
                        rep.finish(outcome, msg),
                        "recover",
                        &j.operator,
                        started,
                        calls_before,
                    )
                    .await;
                    if rep.outcome != Outcome::RollbackFailed {
                        ctx.journal.remove(&c.pending_key())?;
                        ctx.journal.remove(&j.flow_id)?;
                    }
                    worst = worst.max(rep.exit_code);
                    out.push(rep);
                    continue;
                }
                Created::Published => {}
            }
        }
        let flow = match client.wait_idle(&j.flow_id, ctx.poll, |_| {}).await {
            Ok(f) => f,
            Err(e) => return Err(format!("cannot read flow {}: {e}", j.flow_id)),
        };
        let published = flow.published_id().map(str::to_owned);
        let ours_live = published.is_some() && published == j.new_version;
        let (outcome, msg) = if ours_live && !j.has_step(Step::Rollback) && !j.has_step(Step::Undo)
        {
            // Finish: verify the configuration.
            let ok = match (&j.new_version, j.pipeline.as_str()) {
                (Some(v), "config") => client
                    .version_configuration(&j.flow_id, v)
                    .await
                    .map(|c| match &j.new_configuration {
                        Some(sent) => crate::verify::same_meaning(sent, &c).is_ok(),
                        None => config_hash(&c) == j.new_content_sha256,
                    })
                    .unwrap_or(false),
                _ => true,
            };
            if flow.locked_by(&me)
                && let Err(e) = deploy::release_lock(client, ctx, &flow).await
            {
                rep.messages.push(e);
            }
            if ok {
                (
                    Outcome::Deployed,
                    format!(
                        "finished: version {} is published and verified",
                        published.clone().unwrap_or_default()
                    ),
                )
            } else {
                deploy::recover_after_publish(client, ctx, &mut j).await
            }
        } else if ours_live {
            deploy::recover_after_publish(client, ctx, &mut j).await
        } else if published == j.previous_published {
            let (o, m) = deploy::undo_before_publish(client, ctx, &mut j).await;
            (o, format!("undone: {m}"))
        } else if j.pipeline == "yaml"
            && j.new_version.is_none()
            && deploy::job_published(client, &j, &flow).await
        {
            // The import job finished after the crash: our version is live.
            rep.new_version = published.clone();
            (
                Outcome::Deployed,
                format!(
                    "finished: the import job published version {}",
                    published.clone().unwrap_or_default()
                ),
            )
        } else {
            if flow.locked_by(&me)
                && let Err(e) = deploy::release_lock(client, ctx, &flow).await
            {
                rep.messages.push(e);
            }
            (
                Outcome::Conflict,
                format!(
                    "another party published version {} meanwhile: left in place",
                    published.clone().unwrap_or_else(|| "none".into())
                ),
            )
        };
        rep = rep.finish(outcome, msg);
        rep.published_version = client
            .get_flow(&j.flow_id)
            .await
            .ok()
            .and_then(|f| f.published_id().map(str::to_owned));
        let rep = deploy::record(
            ctx,
            client,
            rep,
            "recover",
            &j.operator,
            started,
            calls_before,
        )
        .await;
        if rep.outcome != Outcome::RollbackFailed {
            ctx.journal.remove(&j.flow_id)?;
            if rep.pipeline == "config" {
                deploy::refresh_lockfile(client, ctx, &j.flow_id, None).await;
            }
        }
        worst = worst.max(rep.exit_code);
        out.push(rep);
    }
    // Then interrupted releases: undone (see `release::recover`).
    for rep in crate::release::recover::recover_releases(client, ctx, &out).await? {
        worst = worst.max(rep.exit_code);
        out.push(rep);
    }
    Ok(RecoverReport {
        command: "recover",
        recovered: out,
        exit_code: worst,
    })
}

enum Created {
    /// Decided here (the journal goes).
    Decided(Outcome, String),
    /// The created flow has a published version: the general rule decides.
    Published,
}

/// A deploy that created its flow. Rule (the safe reading): a created flow that has no
/// published version is **left in the org**, never deleted and never published by
/// `recover`: nothing routes to an unpublished flow, deleting needs
/// `architect:flow:delete` and could destroy work someone started in it, and publishing
/// would put live a change nobody saw finish. Our draft, if any, is reverted; an empty
/// flow stays checked out to our OAuth client (the API cannot check in a flow without a
/// configuration), so the next `flowguard deploy FILE` (same client) adopts it by name
/// and publishes.
async fn created(client: &Client, ctx: &Ctx, j: &mut Journal, c: &Creation) -> Created {
    // An import job of ours may still be running: its end decides what exists.
    if c.flow_id.is_none()
        && j.pipeline == "yaml"
        && let Some(job) = j.import_job_id.clone()
        // A job never given its file does nothing.
        && client.job(&job).await.is_ok_and(|s| s.status != "Registered")
        && let Err(e) = deploy::poll_job(client, ctx, &job).await
    {
        return Created::Decided(
            Outcome::RollbackFailed,
            format!("cannot follow our import job {job}: {e}; run `flowguard recover` again"),
        );
    }
    let id = match &c.flow_id {
        Some(id) => id.clone(),
        None => {
            let ident = Identity {
                name: c.name.clone(),
                flow_type: c.flow_type.clone(),
                division: None,
            };
            match address::find(client, &ident).await {
                Ok(Target::Existing(id)) => id,
                Ok(Target::Missing) => {
                    return Created::Decided(
                        Outcome::Failed,
                        format!(
                            "the {} flow `{}` was not created: nothing to undo",
                            c.flow_type, c.name
                        ),
                    );
                }
                Err(e) => return Created::Decided(Outcome::Conflict, format!("left alone: {e}")),
            }
        }
    };
    j.flow_id = id.clone();
    let me = client.client_id().to_owned();
    let flow = match client.wait_idle(&id, ctx.poll, |_| {}).await {
        Ok(f) => f,
        Err(e) => {
            return Created::Decided(
                Outcome::RollbackFailed,
                format!("cannot read the created flow {id}: {e}"),
            );
        }
    };
    if flow.published_id().is_some() {
        return if c.flow_id.is_some() {
            Created::Published
        } else if j.pipeline == "yaml" && deploy::job_published(client, j, &flow).await {
            Created::Decided(
                Outcome::Deployed,
                format!(
                    "finished: our import job created flow {id} `{}` and published version {}",
                    flow.name,
                    flow.published_id().unwrap_or_default()
                ),
            )
        } else {
            Created::Decided(
                Outcome::Conflict,
                format!(
                    "flow {id} `{}` is published by another party: left in place",
                    flow.name
                ),
            )
        };
    }
    let mut note = String::new();
    if flow.locked_by(&me) && flow.saved_id().is_some() {
        let _ = ctx.journal.step(j, Step::Undo);
        note = match client.revert(&id).await {
            Ok(_) => "; our draft was reverted".into(),
            Err(e) => format!("; cannot revert our draft: {e}"),
        };
    }
    // A checked-in version of ours (crash after checkin): release our lock with a checkin.
    if let Ok(f) = client.get_flow(&id).await
        && f.locked_by(&me)
        && f.checked_in_id().is_some()
    {
        note.push_str(&match deploy::release_lock(client, ctx, &f).await {
            Ok(_) => "; our lock was released (checkin)".to_owned(),
            Err(e) => format!("; {e}"),
        });
    }
    Created::Decided(
        Outcome::RolledBack,
        format!(
            "created flow {id} `{}` was never published: left in the org unpublished (not deleted, not published){note}; `flowguard deploy {}` finds it by name and publishes it",
            flow.name, j.source_file
        ),
    )
}
