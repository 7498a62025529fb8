//! Archy YAML deploys: the target must match by name and type (as Archy matches), and
//! the import-job pipeline (register → upload → poll), our publish recognised from the
//! job's result.

use serde_json::Value;

use super::pipeline::journal_stop;
use super::*;
use crate::context::Ctx;
use crate::genesys::Client;
use crate::genesys::model::{Flow, JobState};
use crate::journal::{Creation, Journal};
use crate::lockfile::{Entry, Lockfile};
use crate::step::Step;
use crate::util::sha256_hex;

/// Archy matches the target flow by name and type (API.md §2.5): the YAML must name
/// this flow and be of its type, or the import would create (or change) another flow.
pub(super) fn yaml_matches(text: &str, remote: &Flow) -> Result<(), String> {
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
    let yaml_type = flowguard_core::references::normalize_flow_type(&key).to_ascii_uppercase();
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

pub(super) async fn deploy_yaml(
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
    let state = poll_job(client, ctx, &job.id).await;
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

/// Polls an import job with backoff until it succeeds or fails (bounded wait).
pub async fn poll_job(client: &Client, ctx: &Ctx, job_id: &str) -> Result<JobState, String> {
    let clock = client.transport.clock.clone();
    let start = clock.now();
    let mut interval = ctx.poll.first;
    loop {
        match client.job(job_id).await {
            Ok(s) if s.status == "Success" || s.status == "Failure" => return Ok(s),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
        let waited = clock.now().saturating_duration_since(start);
        if waited >= ctx.poll.timeout {
            return Err(format!(
                "the import job did not finish within {}s",
                ctx.poll.timeout.as_secs()
            ));
        }
        ctx.progress.tick("import job running", waited);
        clock.sleep(interval).await;
        interval = (interval * 2).min(ctx.poll.max_interval);
    }
}

/// A deploy by name of Archy YAML whose flow the org lacks: the import job creates and
/// publishes it (Archy matches by name and type). Journalled first under the creation's
/// pending key (the id comes from the job's result), then under the new id.
pub(super) async fn create_yaml(
    client: &Client,
    ctx: &Ctx,
    mut j: Journal,
    yaml: &str,
    hooks: &dyn Hooks,
    mut rep: Report,
) -> Report {
    let Some(mut c): Option<Creation> = j.creation.clone() else {
        return rep.end(Outcome::Failed, "internal: no creation in the journal");
    };
    let key = c.pending_key();
    if let Err(e) = ctx.journal.step(&mut j, Step::RegisterJob) {
        return rep.end(Outcome::Failed, journal_stop(&e, Step::RegisterJob));
    }
    let job = match client.register_job().await {
        Ok(job) => job,
        Err(e) => {
            let _ = ctx.journal.remove(&key);
            return rep.end(
                Outcome::Failed,
                format!("cannot register the import job: {e} (nothing was uploaded, so nothing was created)"),
            );
        }
    };
    j.import_job_id = Some(job.id.clone());
    if let Err(e) = ctx.journal.step(&mut j, Step::Upload) {
        let _ = ctx.journal.remove(&key);
        return rep.end(Outcome::Failed, journal_stop(&e, Step::Upload));
    }
    if let Err(e) = client.upload(&job, yaml.as_bytes()).await {
        let started = client
            .job(&job.id)
            .await
            .is_ok_and(|s| s.status != "Registered");
        if !started {
            let _ = ctx.journal.remove(&key);
            return rep.end(
                Outcome::Failed,
                format!(
                    "uploading the YAML failed: {e}; the job did not start, nothing was created"
                ),
            );
        }
        rep.messages.push(format!(
            "the upload answered {e}, but the job started: following it (not uploaded twice)"
        ));
    }
    hooks.after(Step::PublishRequested);
    let state = match poll_job(client, ctx, &job.id).await {
        Ok(s) => s,
        Err(e) => {
            rep.keep_journal = true;
            return rep.end(
                Outcome::RollbackFailed,
                format!(
                    "import job {}: {e}; the flow may be created later: run `flowguard recover`",
                    job.id
                ),
            );
        }
    };
    rep.job_messages = state.messages.iter().map(|m| m.text.clone()).collect();
    let job_flow = state.flow.as_ref().and_then(|f| f.id.clone());
    if state.status == "Failure" {
        if job_flow.is_none() {
            let _ = ctx.journal.remove(&key);
            return rep.end(
                Outcome::Failed,
                format!("import job {} failed: nothing was created", job.id),
            );
        }
        rep.keep_journal = true;
        return rep.end(
            Outcome::RollbackFailed,
            format!(
                "import job {} failed but names a flow: run `flowguard recover`",
                job.id
            ),
        );
    }
    hooks.after(Step::Published);
    let Some(id) = job_flow else {
        rep.keep_journal = true;
        return rep.end(
            Outcome::RollbackFailed,
            format!(
                "import job {} succeeded but names no flow: run `flowguard recover`",
                job.id
            ),
        );
    };
    c.flow_id = Some(id.clone());
    j.flow_id = id.clone();
    j.creation = Some(c);
    rep.flow_id = id.clone();
    if ctx.journal.save(&j).is_ok() {
        let _ = ctx.journal.remove(&key);
    }
    rep.journaled = true;
    let flow = match client.get_flow(&id).await {
        Ok(f) => f,
        Err(e) => {
            rep.keep_journal = true;
            return rep.end(
                Outcome::RollbackFailed,
                format!("cannot read the created flow {id}: {e}: run `flowguard recover`"),
            );
        }
    };
    rep.flow_name = Some(flow.name.clone());
    let new = flow.published_id().map(str::to_owned);
    j.new_version = new.clone();
    rep.new_version = new.clone();
    rep.published_version = new.clone();
    let Some(v) = new else {
        rep.keep_journal = true;
        return rep.end(
            Outcome::RollbackFailed,
            format!("import job {} created flow {id} but it shows no published version: run `flowguard recover`", job.id),
        );
    };
    let _ = ctx.journal.step(&mut j, Step::Verified);
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
    rep.end(
        Outcome::Deployed,
        format!(
            "import job {} created flow {id} and published version {v}",
            job.id
        ),
    )
}
