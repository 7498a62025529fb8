//! `flowguard plan PATH…`: read every document (placeholders filled), find each one's flow
//! the way `deploy` does ([`crate::deploy::address`]), fetch the published flow in the
//! document's own format ([`super::current`]) and compare the routing graphs
//! ([`super::diff`]); a flow the org lacks is "created". Read-only: nothing is written,
//! locked or journalled.

use std::io::Write;
use std::path::PathBuf;

use flowguard_core::InputFormat;
use flowguard_core::references;

use super::current::{self, Current};
use super::diff::{self, GraphChanges, Identity};
use super::report::{FlowPlan, ReleasePlan, Status};
use crate::context::{ConnArgs, Ctx, StateArgs};
use crate::deploy::address::{self, Target};
use crate::exit::Exit;
use crate::genesys::Client;
use crate::source::{Content, Source};
use crate::vars::VarArgs;
use crate::{EXIT_OK, EXIT_USAGE, OutputFormat, walk};

/// The output of `flowguard plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// `+`/`-`/`~` lines per flow, for a terminal.
    Text,
    /// A pull-request comment: a summary table and a section per changed flow.
    Markdown,
    /// One JSON document (schema: deployer/tests/schemas/plan.schema.json).
    Json,
}

/// `flowguard plan`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Architect configuration JSON, Architect exports or Archy YAML files, directories
    /// (searched recursively, honouring .gitignore) and globs (`flows/**/*.yaml`).
    #[arg(required = true, value_name = "PATH")]
    pub files: Vec<String>,
    /// Pin the flow by id (one file only; default: the flow of the document's name and
    /// type, "created" when the org has none).
    #[arg(long)]
    pub flow: Option<String>,
    /// Output: text, markdown (a pull-request comment) or json (default: --output's).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<PlanFormat>,
    /// Markdown: rows per table before "…and N more".
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_rows: usize,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub state: StateArgs,
}

impl Args {
    fn output(&self) -> PlanFormat {
        self.format.unwrap_or(match self.state.output {
            OutputFormat::Json => PlanFormat::Json,
            OutputFormat::Text => PlanFormat::Text,
        })
    }
}

/// Runs `flowguard plan`; returns the exit code.
pub async fn run(args: &Args) -> u8 {
    let format = args.output();
    match plan(args).await {
        Ok(p) => {
            let text = match format {
                PlanFormat::Text => p.text(),
                PlanFormat::Markdown => p.markdown(args.max_rows.max(1)),
                PlanFormat::Json => {
                    let mut s = serde_json::to_string_pretty(&p).unwrap_or_default();
                    s.push('\n');
                    s
                }
            };
            write_out(&text, p.exit_code)
        }
        Err(e) => {
            if format == PlanFormat::Json {
                let v = serde_json::json!({"command": "plan", "error": e, "exit_code": EXIT_USAGE});
                let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
                s.push('\n');
                write_out(&s, EXIT_USAGE)
            } else {
                eprintln!("flowguard: error: {e}");
                EXIT_USAGE
            }
        }
    }
}

fn write_out(text: &str, code: u8) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("flowguard: error: cannot write output: {e}");
            EXIT_USAGE
        }
        _ => code,
    }
}

/// One document to plan.
struct Doc {
    source: Source,
    ident: address::Identity,
}

/// Reads every input (all local mistakes before any API call), then plans each flow.
/// `Err`: a usage mistake (exit 2); per-flow failures of the org are in the plan.
pub async fn plan(args: &Args) -> Result<ReleasePlan, String> {
    let vars = args.vars.load()?;
    let (inputs, errors) = walk::collect(&args.files);
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    if inputs.iter().any(|i| i.path.is_none()) {
        return Err("plan reads files, not standard input: name the file".into());
    }
    if args.flow.is_some() && inputs.len() != 1 {
        return Err(format!(
            "--flow pins one flow, but {} files were given: drop --flow (flows are found by name and type) or plan one file",
            inputs.len()
        ));
    }
    vars.check_files(inputs.iter().map(|i| (i.path.as_deref(), &*i.display)))?;
    let mut docs = Vec::with_capacity(inputs.len());
    let mut problems = Vec::new();
    for i in &inputs {
        let path = i.path.clone().unwrap_or_else(|| PathBuf::from(&i.display));
        match Source::read_with(&path, &vars) {
            Ok(mut source) => {
                source.path = i.display.clone();
                match address::identity(&source) {
                    Ok(ident) => docs.push(Doc { source, ident }),
                    Err(e) => problems.push(format!("{}: {e}", i.display)),
                }
            }
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\nflowguard: error: "));
    }
    check_distinct(&docs)?;
    let client = args.conn.client()?;
    let ctx = Ctx::new(&args.state);
    let (order, how) = deploy_order(&docs);
    let mut flows = Vec::with_capacity(docs.len());
    let mut exit = EXIT_OK;
    for i in order {
        let (p, code) = plan_one(&client, &ctx, &docs[i], args.flow.as_deref()).await;
        if exit == EXIT_OK {
            exit = code;
        }
        flows.push(p);
    }
    Ok(ReleasePlan::new(flows, how, exit))
}

/// Two documents of one flow (same name and type) would be deployed over each other.
fn check_distinct(docs: &[Doc]) -> Result<(), String> {
    let mut seen: std::collections::BTreeMap<(String, String), &str> = Default::default();
    for d in docs {
        if d.ident.name.is_empty() {
            continue;
        }
        let key = (d.ident.name.to_lowercase(), d.ident.flow_type.clone());
        if let Some(first) = seen.insert(key, &d.source.path) {
            return Err(format!(
                "{first} and {} are both the {} flow `{}`: a release deploys each flow from one document",
                d.source.path, d.ident.flow_type, d.ident.name
            ));
        }
    }
    Ok(())
}

/// The order the flows are shown in: the release's deploy order
/// ([`references::dependency_order`]: every flow after the flows it references; flows
/// that reference each other together, in file order), which `deploy` follows. One file:
/// `files`. Returns the indices and `dependency` or `files`.
fn deploy_order(docs: &[Doc]) -> (Vec<usize>, &'static str) {
    if docs.len() < 2 {
        return ((0..docs.len()).collect(), "files");
    }
    let refs: Vec<_> = docs
        .iter()
        .map(|d| references::references(&d.source.text))
        .collect();
    let order: Vec<usize> = references::dependency_order(&refs)
        .into_iter()
        .flat_map(|g| g.members)
        .collect();
    // Every document exactly once, or the order is not one to show.
    let mut seen = vec![false; docs.len()];
    let complete = order.len() == docs.len()
        && order
            .iter()
            .all(|&i| i < docs.len() && !std::mem::replace(&mut seen[i], true));
    if complete {
        (order, "dependency")
    } else {
        ((0..docs.len()).collect(), "files")
    }
}

fn read_flow(text: &str, format: InputFormat) -> Option<flowguard_core::model::Flow> {
    let r = flowguard_core::formats::read(text, format);
    (!r.fatal).then_some(r.flow)
}

/// Plans one document; the exit code is 0 unless the org could not be asked.
async fn plan_one(client: &Client, ctx: &Ctx, doc: &Doc, pinned: Option<&str>) -> (FlowPlan, u8) {
    let yaml = doc.source.is_yaml();
    let mut p = FlowPlan {
        file: doc.source.path.clone(),
        name: doc.ident.name.clone(),
        flow_type: doc.ident.flow_type.clone(),
        flow_id: None,
        published_version: None,
        format: if yaml { "archy-yaml" } else { "architect-json" },
        status: Status::Error,
        summary: String::new(),
        changes: GraphChanges::default(),
        other_content_changed: false,
        reason: None,
    };
    let fail = |mut p: FlowPlan, status: Status, why: String, code: u8| {
        p.status = status;
        p.reason = Some(why);
        p.summary = p.summarize();
        (p, code)
    };
    let (identity, format) = if yaml {
        (Identity::Label, InputFormat::Archy)
    } else {
        (Identity::Id, InputFormat::Architect)
    };
    let Some(local_flow) = read_flow(&doc.source.text, format) else {
        let why = format!(
            "the document cannot be read: run `flowguard validate {}`",
            doc.source.path
        );
        return fail(p, Status::Error, why, EXIT_USAGE);
    };
    // The flow: pinned, or found by name and type.
    let id = match pinned {
        Some(id) => Some(id.to_owned()),
        None => match address::find(client, &doc.ident).await {
            Ok(Target::Existing(id)) => Some(id),
            Ok(Target::Missing) => None,
            Err(e) => return fail(p, Status::Error, e, EXIT_USAGE),
        },
    };
    let Some(id) = id else {
        p.status = Status::Created;
        p.changes = diff::compare(
            &flowguard_core::model::Flow::default(),
            &local_flow,
            identity,
        );
        p.summary = p.summarize();
        return (p, EXIT_OK);
    };
    let remote = match client.get_flow(&id).await {
        Ok(f) => f,
        Err(e) => {
            let code = Exit::from(&e).code();
            return fail(
                p,
                Status::Error,
                format!("cannot read flow {id}: {e}"),
                code,
            );
        }
    };
    p.flow_id = Some(remote.id.clone());
    p.published_version = remote.published_id().map(str::to_owned);
    if p.name.is_empty() {
        p.name = remote.name.clone();
    }
    if pinned.is_some()
        && let Err(e) = address::check_pinned(&doc.ident, &remote)
    {
        return fail(p, Status::Error, e, EXIT_USAGE);
    }
    let current = if yaml {
        current::yaml(client, ctx, &remote)
            .await
            .map_err(|e| (e.to_string(), e.exit_code()))
    } else {
        current::config(client, &remote)
            .await
            .map_err(|e| (e.to_string(), Exit::from(&e).code()))
    };
    let (old, other) = match (current, &doc.source.content) {
        (Err((e, code)), _) => {
            let why = format!("cannot read the published flow: {e}");
            return fail(p, Status::Error, why, code);
        }
        (Ok(Current::Unavailable(why)), _) => return fail(p, Status::NotComparable, why, EXIT_OK),
        (Ok(Current::Config(remote)), Content::Config(local)) => {
            let text = serde_json::to_string(&remote).unwrap_or_default();
            let same = crate::util::canonical_json(&super::strip_layout(&remote))
                == crate::util::canonical_json(&super::strip_layout(local));
            (read_flow(&text, InputFormat::Architect), !same)
        }
        (Ok(Current::Yaml(remote)), Content::Yaml(local)) => {
            match read_flow(&remote, InputFormat::Archy) {
                Some(old) => {
                    let same = super::archy_content_equal((&remote, &old), (local, &local_flow));
                    (Some(old), !same)
                }
                None => (None, true),
            }
        }
        (Ok(_), _) => {
            let why = "internal: the published flow came in another format".to_owned();
            return fail(p, Status::NotComparable, why, EXIT_OK);
        }
    };
    let Some(old) = old else {
        let why = "the published flow cannot be read as a flow document".to_owned();
        return fail(p, Status::NotComparable, why, EXIT_OK);
    };
    p.changes = diff::compare(&old, &local_flow, identity);
    p.other_content_changed = p.changes.is_empty() && other;
    p.status = if p.changes.is_empty() && !p.other_content_changed {
        Status::Unchanged
    } else {
        Status::Changed
    };
    p.summary = p.summarize();
    (p, EXIT_OK)
}
