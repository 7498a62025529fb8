//! `flowguard recover`: finishes or undoes deploys a crash interrupted, from the journal.
//!
//! Rule: the org decides. If our new version is published, the deploy is finished
//! (verified, or rolled back when the journal shows a rollback had begun). If the
//! previous version is still published, our draft and lock are released (undone). If
//! someone else's version is published, nothing is touched.

use std::time::Instant;

use serde::Serialize;

use crate::context::Ctx;
use crate::deploy::{self, Outcome, Report};
use crate::genesys::Client;
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
    Ok(RecoverReport {
        command: "recover",
        recovered: out,
        exit_code: worst,
    })
}
