//! `flowguard recover` for an interrupted release: the release is **undone**, never
//! finished. Why: finishing needs the documents as they were read (files and variable
//! values may have changed since, and the release validated the set as a whole), while
//! undoing needs only the journal, which holds every flow's previous version before any
//! write; and a release is all or nothing, so the one state that is consistent from any
//! crash point is the org as it was before (the flows the release created keep their
//! stub, as after a failed release).
//!
//! Order: the per-flow journals are recovered first (the flow being deployed at the
//! crash is finished or undone by the single-flow rules); then every flow of the release
//! whose live version is the release's (from the release journal, the per-flow recovery,
//! or an audit record of this release) is published back at its previous version and
//! verified. A version another party published is left in place.

use std::collections::BTreeMap;

use super::journal::{self, FlowState};
use super::rollback;
use crate::context::Ctx;
use crate::deploy::{Outcome, Report};
use crate::genesys::Client;

/// Undoes every pending release. `recovered`: the per-flow recoveries just made (their
/// published versions are the release's when they finished a deploy).
pub async fn recover_releases(
    client: &Client,
    ctx: &Ctx,
    recovered: &[Report],
) -> Result<Vec<Report>, String> {
    let mut out = Vec::new();
    let records = ctx.audit.records().unwrap_or_default();
    for mut j in journal::all(ctx)? {
        let started = std::time::Instant::now();
        let calls_before = client.transport.call_count();
        // Versions the release published, by flow id.
        let mut ours: BTreeMap<String, String> = BTreeMap::new();
        for r in records
            .iter()
            .filter(|r| r["release_id"] == j.release_id.as_str() && r["outcome"] == "deployed")
        {
            if let (Some(f), Some(v)) = (
                r["flow_id"].as_str(),
                r["details"]["published_version"].as_str(),
            ) {
                ours.insert(f.to_owned(), v.to_owned());
            }
        }
        for r in recovered.iter().filter(|r| r.outcome == Outcome::Deployed) {
            if let Some(v) = &r.published_version {
                ours.insert(r.flow_id.clone(), v.clone());
            }
        }
        let mut all_ok = true;
        for k in (0..j.flows.len()).rev() {
            let f = &j.flows[k];
            if f.previous_published.is_none()
                || !matches!(
                    f.state,
                    FlowState::Deploying | FlowState::Published | FlowState::RollbackFailed
                )
            {
                continue;
            }
            let id = f.flow_id.clone().unwrap_or_default();
            // A stub's own version is not "the release's content": only phase two's.
            let mine = ours
                .get(&id)
                .filter(|v| Some(*v) != f.previous_published.as_ref())
                .cloned();
            let op = j.operator.clone();
            let mut r = rollback::restore(client, ctx, &mut j, k, mine.as_deref(), &op).await;
            r.command = "recover";
            all_ok &= j.flows[k].state == FlowState::RolledBack;
            out.push(r);
        }
        if all_ok {
            journal::remove(ctx, &j.release_id)?;
        }
        let mut summary = Report::new_public("recover", "");
        summary.release_id = Some(j.release_id.clone());
        summary.flow_name = Some(format!("release {}", j.release_id));
        let created: Vec<String> = j
            .flows
            .iter()
            .filter(|f| f.created)
            .map(|f| format!("{} ({})", f.name, f.flow_id.as_deref().unwrap_or("?")))
            .collect();
        let msg = format!(
            "interrupted release {} undone{}{}",
            j.release_id,
            if all_ok {
                ": every flow it published is back at its previous version"
            } else {
                ": some flows could not be restored (see above); the release journal is kept"
            },
            if created.is_empty() {
                String::new()
            } else {
                format!(
                    "; created by the release and left with their stub: {}",
                    created.join(", ")
                )
            }
        );
        let summary = summary.finish(
            if all_ok {
                Outcome::RolledBack
            } else {
                Outcome::RollbackFailed
            },
            msg,
        );
        // Audited under the release id, like every record of the release.
        out.push(
            crate::deploy::record(
                ctx,
                client,
                summary,
                "recover release",
                &j.operator,
                started,
                calls_before,
            )
            .await,
        );
    }
    Ok(out)
}
