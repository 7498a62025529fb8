//! `fetch`, `rollback`, `audit …` and the `--org` hook of `validate` (`plan` is in
//! [`crate::plan::command`]).

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use crate::context::{ConnArgs, Ctx};
use crate::deploy::{self, Outcome, Report};
use crate::exit::CommandError;
use crate::genesys::Client;
use crate::genesys::model::Flow;
use crate::{EXIT_CONFLICT, EXIT_OK, EXIT_USAGE};

/// A command's result: exit code, JSON document, text.
pub struct Done {
    pub code: u8,
    pub json: Value,
    pub text: String,
}

impl Done {
    pub fn error(command: &str, message: impl Into<String>, code: u8) -> Self {
        let m = message.into();
        Self {
            code,
            json: json!({"command": command, "error": m, "exit_code": code}),
            text: format!("flowguard: error: {m}\n"),
        }
    }
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A flow by id or by exact name.
pub async fn resolve_flow(client: &Client, flow: &str) -> Result<Flow, CommandError> {
    if looks_like_uuid(flow) {
        return Ok(client.get_flow(flow).await?);
    }
    let found = client.find_flows_by_name(flow).await?;
    match found.len() {
        0 => Err(CommandError::Usage(format!("no flow named `{flow}`"))),
        1 => Ok(found.into_iter().next().unwrap_or_default()),
        n => Err(CommandError::Usage(format!(
            "{n} flows are named `{flow}` ({}): pass the id",
            found
                .iter()
                .map(|f| format!("{} {}", f.id, f.flow_type.clone().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Queue names a configuration refers to.
pub fn referenced_queues(text: &str, format: flowguard_core::InputFormat) -> Vec<String> {
    let r = flowguard_core::formats::read(text, format);
    let mut q: Vec<String> = r
        .flow
        .nodes
        .iter()
        .filter_map(|n| {
            n.queue
                .as_ref()
                .filter(|q| !q.is_expression)
                .map(|q| q.name.clone())
        })
        .collect();
    q.sort();
    q.dedup();
    q
}

/// `fetch --flow ID|NAME [-o FILE]` of the latest configuration JSON, in process (the demo
/// and tests): the command's own path, `fetch::run`, with its defaults.
pub async fn fetch(client: &Client, ctx: &Ctx, flow: &str, out: Option<&Path>) -> Done {
    let args = crate::fetch::Args {
        flow: Some(flow.to_owned()),
        all: false,
        flow_type: None,
        format: crate::fetch::FetchFormat::Json,
        out: out.map(Path::to_path_buf),
        vars: Default::default(),
        conn: Default::default(),
        state: Default::default(),
    };
    crate::fetch::run(client, ctx, &args, &crate::vars::Vars::default()).await
}

/// `rollback --flow ID [--to-version V]`.
pub async fn rollback(
    client: &Client,
    ctx: &Ctx,
    flow_id: &str,
    to: Option<&str>,
    force_unlock: bool,
    operator: &str,
) -> Report {
    let started = Instant::now();
    let calls_before = client.transport.call_count();
    let mut rep = Report::new_public("rollback", flow_id);
    let r = rollback_inner(client, ctx, flow_id, to, force_unlock, &mut rep).await;
    let rep = match r {
        Ok(m) => rep.finish(Outcome::Restored, m),
        Err((o, m)) => rep.finish(o, m),
    };
    let rep = deploy::record(
        ctx,
        client,
        rep,
        "rollback",
        operator,
        started,
        calls_before,
    )
    .await;
    if rep.exit_code == EXIT_OK {
        deploy::refresh_lockfile(client, ctx, flow_id, None).await;
    }
    rep
}

async fn rollback_inner(
    client: &Client,
    ctx: &Ctx,
    flow_id: &str,
    to: Option<&str>,
    force_unlock: bool,
    rep: &mut Report,
) -> Result<String, (Outcome, String)> {
    let f = client
        .get_flow(flow_id)
        .await
        .map_err(|e| (Outcome::Failed, e.to_string()))?;
    rep.flow_name = Some(f.name.clone());
    rep.previous_version = f.published_id().map(str::to_owned);
    let target = match to {
        Some(v) => v.to_owned(),
        None => {
            // The version published before the current one: from our audit log, else the
            // highest earlier published version.
            let from_audit = ctx
                .audit
                .records()
                .unwrap_or_default()
                .into_iter()
                .rev()
                .find_map(|r| {
                    (r["flow_id"] == flow_id
                        && r["outcome"] == "deployed"
                        && r["audit_trail"]["new_version"].as_str() == f.published_id())
                    .then(|| {
                        r["audit_trail"]["previous_version"]
                            .as_str()
                            .map(str::to_owned)
                    })
                    .flatten()
                });
            match from_audit {
                Some(v) => v,
                None => {
                    let versions = client
                        .versions(flow_id)
                        .await
                        .map_err(|e| (Outcome::Failed, e.to_string()))?;
                    let cur = f.published_id().unwrap_or_default();
                    let num = |s: &str| {
                        s.split('.')
                            .next()
                            .and_then(|n| n.parse::<u64>().ok())
                            .unwrap_or(0)
                    };
                    versions
                        .iter()
                        .filter(|v| {
                            v.version_type.as_deref() == Some("PUBLISH")
                                && v.id != cur
                                && num(&v.id) < num(cur)
                        })
                        .max_by_key(|v| num(&v.id))
                        .map(|v| v.id.clone())
                        .ok_or((
                            Outcome::Failed,
                            "no earlier published version to roll back to: pass --to-version"
                                .to_owned(),
                        ))?
                }
            }
        }
    };
    rep.new_version = Some(target.clone());
    rep.plan_summary = format!("publish version {target} again");
    if f.published_id() == Some(target.as_str()) {
        return Ok(format!("version {target} is already published"));
    }
    if f.locked_by_other(client.client_id()) {
        if !force_unlock {
            return Err((
                Outcome::Conflict,
                format!(
                    "the flow is locked by {}: nothing was written (--force-unlock breaks the lock; it needs architect:flow:unlock and is audited)",
                    f.describe_lock()
                        .unwrap_or_else(|| f.lock_holder().unwrap_or_default())
                ),
            ));
        }
        client
            .unlock(flow_id)
            .await
            .map_err(|e| (Outcome::Conflict, e.to_string()))?;
        rep.forced_unlock = true;
        rep.messages.push(format!(
            "forced unlock: broke the lock held by {}",
            f.describe_lock().unwrap_or_default()
        ));
    }
    match deploy::publish_and_verify(client, ctx, flow_id, &target, None).await {
        Ok(()) => {
            rep.published_version = Some(target.clone());
            Ok(format!("version {target} is published again (verified)"))
        }
        Err(e) => Err((Outcome::RollbackFailed, e)),
    }
}

pub fn audit_verify(ctx: &Ctx) -> Done {
    match ctx.audit.verify() {
        Ok(n) => Done {
            code: EXIT_OK,
            json: json!({"command": "audit verify", "exit_code": 0, "log": ctx.audit.path.display().to_string(), "ok": true, "records": n}),
            text: format!(
                "audit log {}: {n} records, chain intact\n",
                ctx.audit.path.display()
            ),
        },
        Err(e) => Done {
            code: EXIT_CONFLICT,
            json: json!({"command": "audit verify", "exit_code": EXIT_CONFLICT, "log": ctx.audit.path.display().to_string(), "ok": false, "first_bad_line": e.line, "reason": e.reason}),
            text: format!(
                "audit log {}: TAMPERED at line {}: {}\n",
                ctx.audit.path.display(),
                e.line,
                e.reason
            ),
        },
    }
}

pub fn audit_show(ctx: &Ctx, flow: Option<&str>, last: usize) -> Done {
    audit_show_release(ctx, flow, None, last)
}

/// `audit show`, optionally only the records of one release (`--release ID`).
pub fn audit_show_release(
    ctx: &Ctx,
    flow: Option<&str>,
    release: Option<&str>,
    last: usize,
) -> Done {
    let records = match ctx.audit.records() {
        Ok(r) => r,
        Err(e) => return Done::error("audit show", e, EXIT_USAGE),
    };
    let sel: Vec<Value> = records
        .into_iter()
        .filter(|r| flow.is_none_or(|f| r["flow_id"] == f))
        .filter(|r| release.is_none_or(|id| r["release_id"] == id))
        .collect();
    let sel: Vec<Value> = sel[sel.len().saturating_sub(last)..].to_vec();
    let mut t = String::new();
    for r in &sel {
        if r["action"] == "release" {
            // A release's closing record names no single flow: say what it covered.
            let flows = r["details"]["flows"].as_array().map_or(0, Vec::len);
            t.push_str(&format!(
                "#{} {} release {} ({flows} flows) by {} ({} ms): {}\n",
                r["seq"],
                r["timestamp"].as_str().unwrap_or(""),
                r["release_id"].as_str().unwrap_or(""),
                r["audit_trail"]["operator_id"].as_str().unwrap_or(""),
                r["latency_ms"],
                r["outcome"].as_str().unwrap_or(""),
            ));
            continue;
        }
        t.push_str(&format!(
            "#{} {} {} {} {} → {} by {} ({} ms): {}\n",
            r["seq"],
            r["timestamp"].as_str().unwrap_or(""),
            r["flow_id"].as_str().unwrap_or(""),
            r["action"].as_str().unwrap_or(""),
            r["audit_trail"]["previous_version"]
                .as_str()
                .unwrap_or("none"),
            r["audit_trail"]["new_version"].as_str().unwrap_or("none"),
            r["audit_trail"]["operator_id"].as_str().unwrap_or(""),
            r["latency_ms"],
            r["outcome"].as_str().unwrap_or(""),
        ));
    }
    if sel.is_empty() {
        t.push_str("no audit records\n");
    }
    Done {
        code: EXIT_OK,
        json: json!({"command": "audit show", "exit_code": 0, "records": sel}),
        text: t,
    }
}

pub async fn audit_export(ctx: &Ctx, url: &str) -> Done {
    match crate::events::export_pending(
        &ctx.audit,
        url,
        &crate::genesys::SystemClock,
        &crate::genesys::RetryPolicy::from_env(),
    )
    .await
    {
        Ok(n) => Done {
            code: EXIT_OK,
            json: json!({"command": "audit export", "exit_code": 0, "sent": n, "exported_through": ctx.audit.exported_through()}),
            text: format!("sent {n} pending events to {url}\n"),
        },
        Err(e) => Done::error(
            "audit export",
            format!("{e} (the rest stays pending)"),
            EXIT_USAGE,
        ),
    }
}

/// `validate --org`: the org's queue names.
pub fn org_queue_names(conn: &ConnArgs) -> Result<Vec<String>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = conn.client()?;
        let q = client
            .queues()
            .await
            .map_err(|e| format!("cannot list the org's queues: {e}"))?;
        Ok(q.into_iter().map(|q| q.name).collect())
    })
}
