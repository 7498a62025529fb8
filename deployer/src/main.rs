//! `flowguard`: validate, flatten and deploy Genesys Cloud Architect flows.
//!
//! Exit codes (docs/deployer.md): 0 ok · 1 validation failed · 2 usage or IO ·
//! 3 conflict or lock · 4 deploy failed and rolled back · 5 rollback failed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use flowguard::commands::{self, Done};
use flowguard::context::{ConnArgs, Ctx, StateArgs, operator};
use flowguard::deploy::{self, CrashHooks, DeployOptions};
use flowguard::release;
use flowguard::vars::VarArgs;
use flowguard::{EXIT_OK, EXIT_USAGE, OutputFormat, flatten, validate};

#[derive(Parser, Debug)]
#[command(
    name = "flowguard",
    version,
    about = "Catch routing loops and dead decision logic in IVR flows before callers do, and deploy them safely",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check flow documents for routing loops, traps, dead ends, depth and decision logic.
    Validate(validate::Args),
    /// Flatten nested decisions into first-match lists, proving no call is routed differently.
    Flatten(flatten::Args),
    /// List every diagnostic code: code, name, default severity and summary.
    Rules {
        /// A table; JSON with what, why, how to fix and examples; or docs/codes.md.
        #[arg(long, value_enum, default_value = "text")]
        format: flowguard::rules::RulesFormat,
    },
    /// Explain a diagnostic code (FG020 or routing-loop): what, why, how to fix, example.
    Explain {
        #[arg(value_name = "CODE")]
        code: String,
    },
    /// Download flows (latest configuration as JSON, or the published version as Archy
    /// YAML) and record them in the lockfile; --vars turns values back into placeholders.
    Fetch(flowguard::fetch::Args),
    /// Show what deploying the documents would change in their flows (text, markdown, json).
    Plan(flowguard::plan::Args),
    /// Validate, plan, publish and verify a flow, rolling back on failure; several files
    /// or a directory are a release (docs/deployer.md, "Releases").
    Deploy {
        /// Architect configuration JSON or Archy YAML; several, or a directory, for a release.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Pin the flow by id (default: the flow of the document's name and type,
        /// created when the org has none).
        #[arg(long)]
        flow: Option<String>,
        /// Flatten nested decisions first (flowguard_core::flatten).
        #[arg(long)]
        optimize: bool,
        /// Validate and plan only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Break a lock another party holds (audited).
        #[arg(long)]
        force_unlock: bool,
        /// Who is deploying (audit); default $USER.
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
        /// FG030 depth limit for the validation step.
        #[arg(long, default_value_t = 15, value_name = "N")]
        max_depth: u32,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        conn: ConnArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Publish an earlier version again (default: the one before the current).
    Rollback {
        #[arg(long)]
        flow: String,
        #[arg(long, value_name = "V")]
        to_version: Option<String>,
        #[arg(long)]
        force_unlock: bool,
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
        #[command(flatten)]
        conn: ConnArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Finish or undo deploys interrupted by a crash (from the journal).
    Recover {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(flatten)]
        state: StateArgs,
    },
    /// The audit log: verify the hash chain, show records, export pending events.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
    /// Run the end-to-end story against an embedded emulator (build with --features demo).
    Demo {
        /// Folder for the demo's artifacts (default: a new folder under the temp dir).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCmd {
    /// Check the hash chain; reports the first bad line.
    Verify {
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Print records.
    Show {
        #[arg(long)]
        flow: Option<String>,
        /// Only the records of this release (its id is in the deploy report).
        #[arg(long, value_name = "ID")]
        release: Option<String>,
        #[arg(long, default_value_t = 50)]
        last: usize,
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Send events not yet delivered to the webhook as CloudEvents.
    Export {
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        #[command(flatten)]
        state: StateArgs,
    },
}

fn emit(output: OutputFormat, done: &Done) -> u8 {
    let mut out = std::io::stdout().lock();
    let r = match output {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &done.json)
            .map_err(std::io::Error::other)
            .and_then(|()| out.write_all(b"\n")),
        OutputFormat::Text => {
            if done.code == EXIT_USAGE && done.json.get("error").is_some() {
                eprint!("{}", done.text);
                Ok(())
            } else {
                out.write_all(done.text.as_bytes())
            }
        }
    };
    if let Err(e) = r.and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("flowguard: error: cannot write output: {e}");
        return EXIT_USAGE;
    }
    done.code
}

fn report_done(r: &deploy::Report) -> Done {
    Done {
        code: r.exit_code,
        json: serde_json::to_value(r).unwrap_or_default(),
        text: r.text(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn with_audit_log(mut state: StateArgs, log: Option<PathBuf>) -> StateArgs {
    if log.is_some() {
        state.audit_log = log;
    }
    state
}

fn run(command: Command) -> u8 {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("flowguard: error: cannot start: {e}");
            return EXIT_USAGE;
        }
    };
    let client_or = |conn: &ConnArgs, output: OutputFormat, cmd: &str| match conn.client() {
        Ok(c) => Ok(c),
        Err(e) => Err(emit(output, &Done::error(cmd, e, EXIT_USAGE))),
    };
    match command {
        Command::Validate(args) => validate::run(&args),
        Command::Flatten(args) => flatten::run(&args),
        Command::Rules { format } => {
            print!("{}", flowguard::rules::list(format));
            EXIT_OK
        }
        Command::Explain { code } => match flowguard::rules::explain(&code) {
            Ok(text) => {
                print!("{text}");
                EXIT_OK
            }
            Err(e) => {
                eprintln!("flowguard: error: {e}");
                EXIT_USAGE
            }
        },
        Command::Fetch(args) => emit(
            args.state.output,
            &rt.block_on(flowguard::fetch::main(&args)),
        ),
        Command::Plan(args) => rt.block_on(flowguard::plan::run(&args)),
        Command::Deploy {
            files,
            flow,
            optimize,
            dry_run,
            force_unlock,
            operator: op,
            max_depth,
            vars,
            conn,
            state,
        } => {
            let vars = match vars.load() {
                Ok(v) => v,
                Err(e) => return emit(state.output, &Done::error("deploy", e, EXIT_USAGE)),
            };
            let client = match client_or(&conn, state.output, "deploy") {
                Ok(c) => c,
                Err(code) => return code,
            };
            let mut ctx = Ctx::new(&state);
            ctx.vars = std::sync::Arc::new(vars);
            let checks = flowguard_core::CheckOptions {
                max_depth,
                ..Default::default()
            };
            if release::is_release(&files) {
                if flow.is_some() {
                    let e = "--flow pins one flow: a release (several files or a directory) addresses each flow by its name and type";
                    return emit(state.output, &Done::error("deploy", e, EXIT_USAGE));
                }
                let opts = release::ReleaseOptions {
                    paths: files,
                    optimize,
                    dry_run,
                    force_unlock,
                    operator: operator(op.as_deref(), client.client_id()),
                    checks,
                };
                let r = rt.block_on(release::run(&client, &ctx, &opts, &CrashHooks::from_env()));
                let json = serde_json::to_value(&r).unwrap_or_default();
                return emit(
                    state.output,
                    &Done {
                        code: r.exit_code,
                        json,
                        text: r.text(),
                    },
                );
            }
            let file = files.into_iter().next().unwrap_or_default();
            let opts = DeployOptions {
                file,
                flow_id: flow.unwrap_or_default(),
                optimize,
                dry_run,
                force_unlock,
                operator: operator(op.as_deref(), client.client_id()),
                checks,
            };
            let r = rt.block_on(deploy::deploy(
                &client,
                &ctx,
                &opts,
                &CrashHooks::from_env(),
            ));
            emit(state.output, &report_done(&r))
        }
        Command::Rollback {
            flow,
            to_version,
            force_unlock,
            operator: op,
            conn,
            state,
        } => {
            let client = match client_or(&conn, state.output, "rollback") {
                Ok(c) => c,
                Err(code) => return code,
            };
            let ctx = Ctx::new(&state);
            let op = operator(op.as_deref(), client.client_id());
            let r = rt.block_on(commands::rollback(
                &client,
                &ctx,
                &flow,
                to_version.as_deref(),
                force_unlock,
                &op,
            ));
            emit(state.output, &report_done(&r))
        }
        Command::Recover { conn, state } => {
            let client = match client_or(&conn, state.output, "recover") {
                Ok(c) => c,
                Err(code) => return code,
            };
            let ctx = Ctx::new(&state);
            let d = match rt.block_on(flowguard::recover::recover(&client, &ctx)) {
                Ok(r) => {
                    let mut text = String::new();
                    if r.recovered.is_empty() {
                        text.push_str("nothing to recover\n");
                    }
                    for rep in &r.recovered {
                        text.push_str(&rep.text());
                    }
                    Done {
                        code: r.exit_code,
                        json: serde_json::to_value(&r).unwrap_or_default(),
                        text,
                    }
                }
                Err(e) => Done::error("recover", e, EXIT_USAGE),
            };
            emit(state.output, &d)
        }
        Command::Audit { action } => match action {
            AuditCmd::Verify { log, state } => {
                let ctx = Ctx::new(&with_audit_log(state.clone(), log));
                emit(state.output, &commands::audit_verify(&ctx))
            }
            AuditCmd::Show {
                flow,
                release,
                last,
                log,
                state,
            } => {
                let ctx = Ctx::new(&with_audit_log(state.clone(), log));
                let d =
                    commands::audit_show_release(&ctx, flow.as_deref(), release.as_deref(), last);
                emit(state.output, &d)
            }
            AuditCmd::Export { log, state } => {
                let ctx = Ctx::new(&with_audit_log(state.clone(), log));
                let Some(url) = state.events_url.clone() else {
                    return emit(
                        state.output,
                        &Done::error("audit export", "pass --events-url URL", EXIT_USAGE),
                    );
                };
                emit(
                    state.output,
                    &rt.block_on(commands::audit_export(&ctx, &url)),
                )
            }
        },
        Command::Demo { dir } => demo(&rt, dir),
    }
}

#[cfg(feature = "demo")]
fn demo(_rt: &tokio::runtime::Runtime, dir: Option<PathBuf>) -> u8 {
    flowguard::demo::run(dir)
}

#[cfg(not(feature = "demo"))]
fn demo(_rt: &tokio::runtime::Runtime, _dir: Option<PathBuf>) -> u8 {
    eprintln!(
        "flowguard: error: this build has no demo: run `cargo run --release -p flowguard --features demo -- demo`"
    );
    EXIT_USAGE
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(run(cli.command))
}
