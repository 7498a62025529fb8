//! `flowguard fetch`: download flows and record them in the lockfile.
//!
//! * `--format json` (the default): the flow's latest configuration
//!   (`GET …/latestconfiguration`), as before.
//! * `--format yaml`: the published version as Archy YAML, through an export job
//!   ([`crate::genesys::export`]): one flow per job, by id and version.
//! * `--flow ID|NAME` (`--type` tells flows of one name apart), or `--all --type TYPE`
//!   (every flow of the type, one file per flow in `-o DIR`, names from the flow names,
//!   made safe and unique, in name order).
//! * `--var`/`--vars`/`FLOWGUARD_VAR_*`: values that match a variable become
//!   `{{placeholders}}` again ([`reverse`]), so the file can be committed and deployed to
//!   another org with that org's values.
//!
//! Exit codes: 0 every flow written; 2 no such flow, no published version (yaml), a failed
//! or timed-out export job, an unreadable answer, a file that cannot be written, or a
//! `--vars` problem; 3 a 409 from the org.

pub mod reverse;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use crate::commands::{Done, referenced_queues};
use crate::context::{ConnArgs, Ctx, StateArgs};
use crate::exit::Exit;
use crate::genesys::ApiError;
use crate::genesys::Client;
use crate::genesys::api::enc;
use crate::genesys::export::{ExportError, ExportType};
use crate::genesys::model::Flow;
use crate::lockfile::{Entry, Lockfile};
use crate::util::{config_hash, sha256_hex};
use crate::vars::{VarArgs, Vars};
use crate::{EXIT_OK, EXIT_USAGE};

use self::reverse::{Reversed, Syntax};

/// What `fetch` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FetchFormat {
    /// The latest configuration (saved, else checked in, else published) as JSON.
    Json,
    /// The published version as Archy YAML, through an export job.
    Yaml,
}

impl FetchFormat {
    fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Yaml => "yaml",
        }
    }
}

/// `flowguard fetch` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Flow id or exact name.
    #[arg(
        long,
        value_name = "ID|NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub flow: Option<String>,
    /// Every flow of --type, one file per flow in -o DIR.
    #[arg(long, requires = "flow_type")]
    pub all: bool,
    /// Flow type (inboundcall, inqueuecall, commonmodule, …): the type --all fetches, or
    /// which of several flows named --flow NAME.
    #[arg(long = "type", value_name = "TYPE")]
    pub flow_type: Option<String>,
    /// `json`: the latest configuration; `yaml`: the published version as Archy YAML
    /// (export job).
    #[arg(long, value_enum, default_value = "json")]
    pub format: FetchFormat,
    /// The file to write (default: <flow-name>.json|.yaml); with --all, the directory
    /// (default: the current one).
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub state: StateArgs,
}

/// The binary's entry: loads the values, builds the client and context, runs.
pub async fn main(args: &Args) -> Done {
    let vars = match args.vars.load() {
        Ok(v) => v,
        Err(e) => return Done::error("fetch", e, EXIT_USAGE),
    };
    let client = match args.conn.client() {
        Ok(c) => c,
        Err(e) => return Done::error("fetch", e, EXIT_USAGE),
    };
    let ctx = Ctx::new(&args.state);
    run(&client, &ctx, args, &vars).await
}

/// One fetched flow, as reported.
#[derive(Clone, Debug, Serialize)]
pub struct Fetched {
    pub flow: Flow,
    pub file: String,
    pub format: FetchFormat,
    /// The exported version (yaml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_job: Option<String>,
    /// Export cycles (more than 1 after Archy's rate-limit symptom).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_cycles: Option<u32>,
    pub lockfile_entry: Entry,
    /// Placeholders written (`--vars`), by name.
    pub placeholders: BTreeMap<String, usize>,
    pub queues: Vec<QueueRef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QueueRef {
    pub name: String,
    pub id: Option<String>,
    pub found: bool,
}

/// A flow that could not be fetched.
#[derive(Clone, Debug, Serialize)]
pub struct Failed {
    pub flow_id: Option<String>,
    pub name: String,
    pub error: String,
    pub exit_code: u8,
}

/// Runs `fetch` (also from tests, in process).
pub async fn run(client: &Client, ctx: &Ctx, args: &Args, vars: &Vars) -> Done {
    if let Err(e) = reverse::check_values(vars.values()) {
        return Done::error("fetch", e, EXIT_USAGE);
    }
    let requests_before = client.transport.stats().api_requests;
    let flows = match select(client, args).await {
        Ok(f) => f,
        Err((message, code)) => return Done::error("fetch", message, code),
    };
    let targets = match targets(args, &flows) {
        Ok(t) => t,
        Err(e) => return Done::error("fetch", e, EXIT_USAGE),
    };
    let mut done: Vec<Fetched> = Vec::new();
    let mut failed: Vec<Failed> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut queue_cache: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (flow, path) in flows.iter().zip(targets) {
        if args.all && args.format == FetchFormat::Yaml && flow.published_id().is_none() {
            // Nothing to export; with --all that is not an error.
            notes.push(format!(
                "`{}` ({}) has no published version: skipped (an export job exports published versions)",
                flow.name, flow.id
            ));
            continue;
        }
        match fetch_one(client, ctx, args, vars, flow, &path, &mut queue_cache).await {
            Ok((f, mut n)) => {
                done.push(f);
                notes.append(&mut n);
            }
            Err((error, exit_code)) => failed.push(Failed {
                flow_id: Some(flow.id.clone()),
                name: flow.name.clone(),
                error,
                exit_code,
            }),
        }
    }
    notes.sort();
    notes.dedup();
    let requests = client.transport.stats().api_requests - requests_before;
    let code = failed.iter().map(|f| f.exit_code).max().unwrap_or(EXIT_OK);
    report(args, ctx, &done, &failed, &notes, requests, code)
}

/// The flows to fetch, in a deterministic order.
async fn select(client: &Client, args: &Args) -> Result<Vec<Flow>, (String, u8)> {
    let api = |e: ApiError| {
        let code = Exit::from(&e).code();
        (e.to_string(), code)
    };
    let wanted_type = args.flow_type.as_deref().map(str::to_ascii_uppercase);
    if args.all {
        let t = wanted_type.unwrap_or_default();
        let mut flows = flows_of_type(client, &t).await.map_err(api)?;
        flows.retain(|f| !f.deleted);
        flows.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.id.cmp(&b.id))
        });
        if flows.is_empty() {
            return Err((
                format!(
                    "the org has no flow of type `{}` (types: inboundcall, inqueuecall, commonmodule, bot, …)",
                    t.to_lowercase()
                ),
                EXIT_USAGE,
            ));
        }
        return Ok(flows);
    }
    let given = args.flow.clone().unwrap_or_default();
    if looks_like_uuid(&given) {
        let f = client.get_flow(&given).await.map_err(|e| {
            if e.is_status(404) {
                (format!("no flow with id `{given}`"), EXIT_USAGE)
            } else {
                api(e)
            }
        })?;
        if let Some(t) = &wanted_type
            && !f
                .flow_type
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(t))
        {
            return Err((
                format!(
                    "the flow `{given}` is `{}` of type `{}`, not of type `{}`",
                    f.name,
                    f.flow_type.as_deref().unwrap_or("?").to_lowercase(),
                    t.to_lowercase()
                ),
                EXIT_USAGE,
            ));
        }
        return Ok(vec![f]);
    }
    let mut found = client.find_flows_by_name(&given).await.map_err(api)?;
    if let Some(t) = &wanted_type {
        found.retain(|f| {
            f.flow_type
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(t))
        });
    }
    match found.len() {
        0 => Err((
            match &wanted_type {
                Some(t) => format!("no flow named `{given}` of type `{}`", t.to_lowercase()),
                None => format!("no flow named `{given}`"),
            },
            EXIT_USAGE,
        )),
        1 => Ok(found),
        n => Err((
            format!(
                "{n} flows are named `{given}` ({}): pass the id, or --type",
                found
                    .iter()
                    .map(|f| format!("{} {}", f.id, f.flow_type.clone().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            EXIT_USAGE,
        )),
    }
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// `GET /api/v2/flows?type=…`, every page.
async fn flows_of_type(client: &Client, flow_type: &str) -> Result<Vec<Flow>, ApiError> {
    client
        .all_pages(&format!(
            "/api/v2/flows?type={}&sortBy=name",
            enc(&flow_type.to_lowercase())
        ))
        .await
}

/// A file name stem from a flow name: lower-case ASCII letters, digits, `-` and `_`,
/// at most 80 characters, never empty, never a Windows device name.
pub fn safe_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut s: String = s.trim_matches('-').chars().take(80).collect();
    s = s.trim_matches('-').to_owned();
    const RESERVED: &[&str] = &[
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if s.is_empty() {
        "flow".into()
    } else if RESERVED.contains(&s.as_str()) {
        format!("flow-{s}")
    } else {
        s
    }
}

/// Where each flow goes: `-o FILE` (one flow), or `DIR/<stem>.<ext>` with stems made
/// unique by the id's first 8 characters when two flows would share one.
fn targets(args: &Args, flows: &[Flow]) -> Result<Vec<PathBuf>, String> {
    let ext = args.format.extension();
    if !args.all {
        let f = flows.first().ok_or("no flow")?;
        return Ok(vec![args.out.clone().unwrap_or_else(|| {
            PathBuf::from(format!("{}.{ext}", safe_stem(&f.name)))
        })]);
    }
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    if dir.is_file() {
        return Err(format!(
            "-o {}: with --all, -o names a directory (one file per flow), and this is a file",
            dir.display()
        ));
    }
    let stems: Vec<String> = flows.iter().map(|f| safe_stem(&f.name)).collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &stems {
        *count.entry(s.as_str()).or_default() += 1;
    }
    Ok(flows
        .iter()
        .zip(&stems)
        .map(|(f, s)| {
            let stem = if count.get(s.as_str()).copied().unwrap_or(0) > 1 {
                let short: String = safe_stem(&f.id).chars().take(8).collect();
                format!("{s}-{short}")
            } else {
                s.clone()
            };
            dir.join(format!("{stem}.{ext}"))
        })
        .collect())
}

type FlowResult = Result<(Fetched, Vec<String>), (String, u8)>;

async fn fetch_one(
    client: &Client,
    ctx: &Ctx,
    args: &Args,
    vars: &Vars,
    flow: &Flow,
    path: &Path,
    queue_cache: &mut BTreeMap<String, Option<String>>,
) -> FlowResult {
    let label = format!("`{}` ({})", flow.name, flow.id);
    let (text, hash, version, job, cycles) = match args.format {
        FetchFormat::Json => {
            let config = client.latest_configuration(&flow.id).await.map_err(|e| {
                let code = Exit::from(&e).code();
                (format!("{label}: cannot read the configuration: {e}"), code)
            })?;
            let mut text = serde_json::to_string_pretty(&config).unwrap_or_default();
            text.push('\n');
            (text, config_hash(&config), None, None, None)
        }
        FetchFormat::Yaml => {
            let Some(version) = flow.published_id() else {
                return Err((
                    format!(
                        "{label} has no published version: an export job exports published versions (publish it, or fetch its latest configuration with --format json)"
                    ),
                    EXIT_USAGE,
                ));
            };
            let exported = client
                .export_flow(&flow.id, version, ExportType::Yaml, ctx.poll)
                .await
                .map_err(|e: ExportError| {
                    let code = e.exit_code();
                    (format!("{label}: {e}"), code)
                })?;
            let text = String::from_utf8(exported.content).map_err(|_| {
                (
                    format!(
                        "{label}: the exported file is not UTF-8 text (a zip of several flows?)"
                    ),
                    EXIT_USAGE,
                )
            })?;
            let hash = sha256_hex(text.as_bytes());
            (
                text,
                hash,
                Some(version.to_owned()),
                Some(exported.job_id),
                Some(exported.cycles),
            )
        }
    };
    let syntax = match args.format {
        FetchFormat::Json => Syntax::Json,
        FetchFormat::Yaml => Syntax::Yaml,
    };
    let mut notes = Vec::new();
    let (written, placeholders) = if vars.is_empty() {
        (text.clone(), BTreeMap::new())
    } else {
        let Reversed {
            text: t,
            replaced,
            unmatched,
            skipped_empty,
        } = reverse::reverse(&text, syntax, vars.values())
            .map_err(|e| (format!("{label}: {e}"), EXIT_USAGE))?;
        for n in skipped_empty {
            notes.push(format!(
                "the variable `{n}` is empty: an empty value cannot be turned back into a placeholder"
            ));
        }
        if args.all {
            let _ = unmatched; // per flow, most variables match nothing: not worth a note
        } else {
            for n in unmatched {
                notes.push(format!(
                    "the value of `{n}` occurs nowhere in the flow as a whole value"
                ));
            }
        }
        (t, replaced)
    };
    crate::util::write_atomic(path, written.as_bytes())
        .map_err(|e| (format!("{}: cannot write: {e}", path.display()), EXIT_USAGE))?;
    let format = match args.format {
        FetchFormat::Json => flowguard_core::InputFormat::Architect,
        FetchFormat::Yaml => flowguard_core::InputFormat::Archy,
    };
    let mut queues = Vec::new();
    for name in referenced_queues(&text, format) {
        let id = match queue_cache.get(&name) {
            Some(id) => id.clone(),
            None => {
                let found = client.queues_named(&name).await.unwrap_or_default();
                let id = found.first().map(|q| q.id.clone());
                queue_cache.insert(name.clone(), id.clone());
                id
            }
        };
        queues.push(QueueRef {
            found: id.is_some(),
            id,
            name,
        });
    }
    let entry = Entry::from_flow(flow, hash, Some(path.display().to_string()));
    Lockfile::update(&ctx.lockfile, |l| {
        l.flows.insert(flow.id.clone(), entry.clone());
    })
    .map_err(|e| (e, EXIT_USAGE))?;
    Ok((
        Fetched {
            flow: flow.clone(),
            file: path.display().to_string(),
            format: args.format,
            version,
            export_job: job,
            export_cycles: cycles,
            lockfile_entry: entry,
            placeholders,
            queues,
        },
        notes,
    ))
}

fn report(
    args: &Args,
    ctx: &Ctx,
    done: &[Fetched],
    failed: &[Failed],
    notes: &[String],
    requests: u64,
    code: u8,
) -> Done {
    let mut t = String::new();
    for f in done {
        t.push_str(&format!(
            "fetched {} `{}` ({}) → {}\n",
            f.flow.id,
            f.flow.name,
            f.flow.flow_type.clone().unwrap_or_default(),
            f.file
        ));
        match &f.version {
            Some(v) => t.push_str(&format!(
                "  published version {v} as Archy YAML (export job {})\n",
                f.export_job.as_deref().unwrap_or("?")
            )),
            None => t.push_str(&format!(
                "  published {}, checked in {}, saved {}\n",
                f.flow.published_id().unwrap_or("none"),
                f.flow.checked_in_id().unwrap_or("none"),
                f.flow.saved_id().unwrap_or("none"),
            )),
        }
        t.push_str(&format!(
            "  content sha256 {}\n",
            f.lockfile_entry.content_sha256
        ));
        if !f.placeholders.is_empty() {
            let list: Vec<String> = f
                .placeholders
                .iter()
                .map(|(n, c)| format!("{{{{{n}}}}}×{c}"))
                .collect();
            t.push_str(&format!("  placeholders {}\n", list.join(", ")));
        }
        for q in &f.queues {
            t.push_str(&format!(
                "  queue `{}`: {}\n",
                q.name,
                q.id.as_deref()
                    .map_or("NOT FOUND in the org".to_owned(), |i| format!("id {i}"))
            ));
        }
    }
    for n in notes {
        t.push_str(&format!("  note: {n}\n"));
    }
    if !done.is_empty() {
        t.push_str(&format!("  lockfile {} updated\n", ctx.lockfile.display()));
    }
    if args.all {
        t.push_str(&format!(
            "{} of {} flows fetched, {requests} API requests\n",
            done.len(),
            done.len() + failed.len()
        ));
    }
    for f in failed {
        t.push_str(&format!("flowguard: error: {}\n", f.error));
    }
    let mut json = json!({
        "command": "fetch",
        "exit_code": code,
        "format": args.format,
        "api_requests": requests,
        "notes": notes,
    });
    if args.all {
        json["flows"] = serde_json::to_value(done).unwrap_or_default();
        json["errors"] = serde_json::to_value(failed).unwrap_or_default();
    } else if let Some(f) = done.first() {
        // The single-flow shape of before, plus the new fields.
        if let (Value::Object(m), Ok(Value::Object(extra))) = (&mut json, serde_json::to_value(f)) {
            m.extend(extra);
        }
    } else if let Some(f) = failed.first() {
        json["error"] = json!(f.error);
    }
    Done {
        code,
        json,
        text: t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe_and_never_empty() {
        assert_eq!(safe_stem("Main IVR"), "main-ivr");
        assert_eq!(safe_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_stem("日本"), "flow");
        assert_eq!(safe_stem("CON"), "flow-con");
        assert_eq!(safe_stem(&"x".repeat(300)).len(), 80);
    }

    #[test]
    fn colliding_stems_get_the_id() {
        let flow = |id: &str, name: &str| Flow {
            id: id.into(),
            name: name.into(),
            ..Flow::default()
        };
        let args = Args {
            flow: None,
            all: true,
            flow_type: Some("inboundcall".into()),
            format: FetchFormat::Yaml,
            out: Some(PathBuf::from("out")),
            vars: VarArgs::default(),
            conn: ConnArgs::default(),
            state: StateArgs::default(),
        };
        let flows = [
            flow("aaaaaaaa-1", "Main IVR"),
            flow("bbbbbbbb-2", "main ivr"),
            flow("cccccccc-3", "Other"),
        ];
        let t = targets(&args, &flows).unwrap_or_default();
        assert_eq!(
            t,
            vec![
                PathBuf::from("out/main-ivr-aaaaaaaa.yaml"),
                PathBuf::from("out/main-ivr-bbbbbbbb.yaml"),
                PathBuf::from("out/other.yaml"),
            ]
        );
    }
}
