//! `flowguard validate`: find the files (directories and globs too), apply each one's
//! flowguard.toml and the baseline, validate them in parallel and print the diagnostics as
//! text, JSON, SARIF, GitHub workflow commands or concise lines, in input order.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::sync::Arc;

use flowguard_core::{
    CheckOptions, ExportEncoding, InputFormat, LineIndex, Options, Settings, Validation,
};
use rayon::prelude::*;
use serde::Serialize;

mod xflow;

use crate::render::{self, Style};
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputFormatArg, baseline, ci, config, walk};

/// Output of `flowguard validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    /// Diagnostics with the source line and a caret, as rustc shows them.
    Text,
    /// One JSON document (schema in docs/cli.md).
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, …).
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// One line per finding: `path:line:col: CODE message`.
    Concise,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Flow documents, directories (searched recursively, honouring .gitignore) and globs
    /// (`flows/**/*.yaml`); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub files: Vec<String>,
    /// Output: text, json (docs/cli.md), sarif, github (workflow commands) or concise.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ValidateFormat,
    /// The format of the input documents.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormatArg,
    /// FG030 fires when a path from the start is deeper than this many nodes (default 15,
    /// or `max-depth` in flowguard.toml).
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
    /// A queue the org has (repeatable); with any given, transfers to other queues are FG050.
    /// Replaces `queues` of flowguard.toml.
    #[arg(long = "queue", value_name = "NAME")]
    pub queues: Vec<String>,
    /// Larger inputs are reported as FG006 instead of being read.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_bytes: usize,
    /// Use this configuration file for every input instead of the nearest flowguard.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<std::path::PathBuf>,
    /// Ignore every flowguard.toml.
    #[arg(long)]
    pub isolated: bool,
    /// Report only findings not recorded in this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    /// Record every finding in this baseline file (and exit 0 unless a file is unreadable).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<std::path::PathBuf>,
    /// Also ask the org: queue references against /api/v2/routing/queues (FG050), and the
    /// flows the documents name outside the set against /api/v2/flows (FG072, FG073).
    #[arg(long)]
    pub org: bool,
    #[command(flatten)]
    pub conn: crate::context::ConnArgs,
    /// `{{name}}` placeholder values (docs/cli.md, "Substitutions").
    #[command(flatten)]
    pub vars: crate::vars::VarArgs,
}

/// The JSON output: `{"files": [...]}`, one entry per input in argument order.
#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<flowguard_core::InputFormat>,
    /// Set when the file could not be read at all; then there are no diagnostics.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Set when the file is an Architect export: positions refer to its decoded JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<JsonDecoded>,
    diagnostics: &'a [flowguard_core::Diagnostic],
    stats: flowguard_core::Stats,
}

/// The marker of an Architect export: how it was encoded (its decoded text is not repeated).
#[derive(Serialize)]
struct JsonDecoded {
    encoding: ExportEncoding,
}

/// Architect's export files are named `*.i3InboundFlow`, `*.i3InQueueFlow`, `*.i3WorkFlow`, …
fn is_export_name(path: &str) -> bool {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.len() > 2 && e.starts_with("i3"))
}

/// The options for one file: under `--input-format auto`, an export's extension (`.i3*`)
/// says it is Architect configuration JSON. The content is recognised without it too; the
/// hint only keeps a damaged export from being read as YAML.
pub(crate) fn options_for<'o>(opts: &'o Options, path: &str) -> std::borrow::Cow<'o, Options> {
    if opts.format == InputFormat::Auto && is_export_name(path) {
        std::borrow::Cow::Owned(Options {
            format: InputFormat::Architect,
            ..opts.clone()
        })
    } else {
        std::borrow::Cow::Borrowed(opts)
    }
}

/// The core's options from the command line alone (no configuration file).
pub fn options(args: &Args) -> Options {
    let defaults = CheckOptions::default();
    Options {
        format: args.input_format.into(),
        checks: CheckOptions {
            max_depth: args.max_depth.unwrap_or(defaults.max_depth),
            known_queues: (!args.queues.is_empty()).then(|| args.queues.clone()),
            ..defaults
        },
        max_bytes: args.max_bytes,
        deny_warnings: args.deny_warnings,
        position_encoding: render::ENCODING,
    }
}

/// The options for a file under a configuration: the command line wins over the file.
fn configured(base: &Options, args: &Args, settings: &Settings) -> Options {
    let mut o = base.clone();
    if args.max_depth.is_none()
        && let Some(d) = settings.max_depth
    {
        o.checks.max_depth = d;
    }
    if args.queues.is_empty()
        && !args.org
        && let Some(q) = &settings.queues
    {
        o.checks.known_queues = Some(q.clone());
    }
    o
}

/// Reads a file or standard input as bytes, with a clear message for what cannot be read.
pub fn read_input(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(buf);
    }
    let p = Path::new(path);
    if p.is_dir() {
        return Err(format!(
            "{path} is a directory; pass the flow files inside it"
        ));
    }
    std::fs::read(p).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{path}: no such file"),
        std::io::ErrorKind::PermissionDenied => format!("{path}: permission denied"),
        _ => format!("{path}: cannot read: {e}"),
    })
}

/// One input, read (and filled with placeholder values, when there are any).
pub(crate) struct Loaded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) filled: Option<flowguard_core::substitute::Substituted>,
}

impl Loaded {
    /// The text validation reads: the filled text, or the file's.
    pub(crate) fn text(&self) -> std::borrow::Cow<'_, str> {
        match &self.filled {
            Some(f) => std::borrow::Cow::Borrowed(f.text.as_str()),
            None => String::from_utf8_lossy(&self.bytes),
        }
    }
}

/// One input, checked.
struct Checked {
    display: String,
    outcome: Result<Outcome, String>,
}

struct Outcome {
    result: Validation,
    bytes: Vec<u8>,
}

impl Outcome {
    /// The text positions refer to: an export's decoded JSON, or the file.
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match &self.result.decoded {
            Some(d) => std::borrow::Cow::Borrowed(d.text.as_str()),
            None => String::from_utf8_lossy(&self.bytes),
        }
    }
}

/// The configuration for each input (`None`: none applies), or the first error.
fn configurations(
    args: &Args,
    inputs: &[walk::Input],
) -> Result<Vec<Option<Arc<config::Config>>>, String> {
    if args.isolated {
        return Ok(vec![None; inputs.len()]);
    }
    if let Some(path) = &args.config {
        let c = Arc::new(config::Config::load(path)?);
        return Ok(vec![Some(c); inputs.len()]);
    }
    let mut finder = config::Finder::default();
    inputs
        .iter()
        .map(|i| finder.find(i.path.as_deref()))
        .collect()
}

pub fn run(args: &Args) -> u8 {
    let vars = match args.vars.load() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("flowguard: error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut opts = options(args);
    if args.org && !vars.is_empty() {
        // Placeholder mistakes are reported before the org is asked for its queues.
        let (inputs, _) = walk::collect(&args.files);
        if let Err(e) = vars.check_files(inputs.iter().map(|i| (i.path.as_deref(), &*i.display))) {
            eprintln!("flowguard: error: {e}");
            return EXIT_USAGE;
        }
    }
    if args.org {
        match crate::commands::org_queue_names(&args.conn) {
            Ok(q) => opts.checks.known_queues = Some(q),
            Err(e) => {
                eprintln!("flowguard: error: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let mut baseline = match &args.baseline {
        None => None,
        Some(p) => match baseline::Baseline::load(p) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("flowguard: error: {e}");
                return EXIT_USAGE;
            }
        },
    };
    let style = Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut worst = EXIT_OK;
    let (inputs, errors) = walk::collect(&args.files);
    for e in &errors {
        eprintln!("flowguard: error: {e}");
        worst = EXIT_USAGE;
    }
    let configs = match configurations(args, &inputs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("flowguard: error: {e}");
            return EXIT_USAGE;
        }
    };
    // Standard input is read here, once; files are read and filled in parallel, the
    // references between them checked, then each validated in parallel, the results kept
    // in input order.
    let stdin = inputs
        .iter()
        .any(|i| i.path.is_none())
        .then(|| read_input("-"));
    let loaded: Vec<Result<Loaded, String>> = inputs
        .par_iter()
        .map(|input| {
            let bytes = match &input.path {
                None => stdin.clone().unwrap_or_else(|| Ok(Vec::new())),
                Some(p) => read_input(&p.to_string_lossy()),
            }?;
            // With placeholder values, the filled text is validated and its positions
            // mapped back into the file.
            let filled = vars.fill_bytes(&input.display, &bytes)?;
            Ok(Loaded { bytes, filled })
        })
        .collect();
    let set_findings = match xflow::findings(args, &opts, &inputs, &loaded) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("flowguard: error: {e}");
            return EXIT_USAGE;
        }
    };
    let checked: Vec<Checked> = inputs
        .par_iter()
        .zip(configs.par_iter())
        .zip(loaded.into_par_iter().zip(set_findings.into_par_iter()))
        .map(|((input, config), (loaded, extra))| {
            let outcome = loaded.map(|Loaded { bytes, filled }| {
                let settings = config
                    .as_ref()
                    .map(|c| c.settings_for(input.path.as_deref()))
                    .unwrap_or_default();
                let file_opts = configured(&opts, args, &settings);
                let mut result = flowguard_core::validate_bytes_with_extra(
                    filled.as_ref().map_or(&bytes[..], |f| f.text.as_bytes()),
                    &options_for(&file_opts, &input.display),
                    &settings,
                    extra,
                );
                if let Some(f) = &filled {
                    f.remap(
                        &mut result,
                        &String::from_utf8_lossy(&bytes),
                        render::ENCODING,
                    );
                }
                Outcome { result, bytes }
            });
            Checked {
                display: input.display.clone(),
                outcome,
            }
        })
        .collect();
    if let Err(e) = vars.check_unused() {
        eprintln!("flowguard: error: {e}");
        worst = EXIT_USAGE;
    }
    let mut checked = checked;
    if let Some(path) = &args.write_baseline {
        let files: Vec<(&str, &[flowguard_core::Diagnostic])> = checked
            .iter()
            .filter_map(|c| {
                c.outcome
                    .as_ref()
                    .ok()
                    .map(|o| (c.display.as_str(), o.result.diagnostics.as_slice()))
            })
            .collect();
        match baseline::write(path, &files) {
            Ok(n) => eprintln!(
                "flowguard: recorded {n} finding{} in {}",
                if n == 1 { "" } else { "s" },
                path.display()
            ),
            Err(e) => {
                eprintln!("flowguard: error: {e}");
                return EXIT_USAGE;
            }
        }
    }
    if let Some(b) = &mut baseline {
        let mut absorbed = 0;
        for c in &mut checked {
            if let Ok(o) = &mut c.outcome {
                absorbed += b.filter(&c.display, &mut o.result.diagnostics);
            }
        }
        if absorbed > 0 && args.format == ValidateFormat::Text {
            eprintln!(
                "flowguard: {absorbed} finding{} recorded in the baseline not shown",
                if absorbed == 1 { "" } else { "s" }
            );
        }
    }
    let mut text_out = String::new();
    let mut json_files = Vec::new();
    let mut unreadable = Vec::new();
    for c in &checked {
        let path = c.display.as_str();
        match &c.outcome {
            Err(message) => {
                worst = EXIT_USAGE;
                eprintln!("flowguard: error: {message}");
                unreadable.push((path.to_owned(), message.clone()));
                json_files.push(JsonFile {
                    path,
                    format: None,
                    error: Some(message.clone()),
                    decoded: None,
                    diagnostics: &[],
                    stats: Default::default(),
                });
            }
            Ok(o) => {
                let result = &o.result;
                if result.has_errors() && worst == EXIT_OK && args.write_baseline.is_none() {
                    worst = EXIT_FINDINGS;
                }
                if args.format == ValidateFormat::Text {
                    // Diagnostics of an export point into its decoded JSON.
                    if let Some(d) = &result.decoded {
                        render::decoded_note(&mut text_out, path, d.encoding, style);
                    }
                    let text = o.text();
                    let index = LineIndex::new(&text);
                    for d in &result.diagnostics {
                        render::diagnostic(&mut text_out, path, &text, &index, d, style);
                    }
                    render::summary(&mut text_out, path, &result.diagnostics, style);
                }
                json_files.push(JsonFile {
                    path,
                    format: Some(result.format),
                    error: None,
                    decoded: result.decoded.as_ref().map(|d| JsonDecoded {
                        encoding: d.encoding,
                    }),
                    stats: result.stats,
                    diagnostics: &result.diagnostics,
                });
            }
        }
    }
    let texts: Vec<(String, bool)> = checked
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok())
        .map(|o| (o.text().into_owned(), o.result.decoded.is_some()))
        .collect();
    let reports = || -> Vec<ci::FileReport<'_>> {
        checked
            .iter()
            .filter_map(|c| c.outcome.as_ref().ok().map(|o| (c, o)))
            .zip(&texts)
            .map(|((c, o), (text, decoded))| ci::FileReport {
                path: &c.display,
                text,
                decoded: *decoded,
                diagnostics: &o.result.diagnostics,
            })
            .collect()
    };
    let mut stdout = std::io::stdout().lock();
    // Serialise first: writing through serde_json would hide a broken pipe's kind.
    let out = match args.format {
        ValidateFormat::Text => Ok(text_out),
        ValidateFormat::Json => pretty(&JsonReport { files: json_files }),
        ValidateFormat::Sarif => pretty(&ci::sarif(&reports(), &unreadable)),
        ValidateFormat::Github => {
            let mut s = String::new();
            ci::github(&mut s, &reports());
            for (path, message) in &unreadable {
                ci::github_error(&mut s, path, message);
            }
            Ok(s)
        }
        ValidateFormat::Concise => {
            let mut s = String::new();
            ci::concise(&mut s, &reports());
            Ok(s)
        }
    };
    let written = out
        .map_err(std::io::Error::other)
        .and_then(|s| stdout.write_all(s.as_bytes()));
    if let Err(e) = written.and_then(|()| stdout.flush()) {
        // A closed pipe (`flowguard validate … | head`) is not worth a panic.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("flowguard: error: cannot write output: {e}");
            return EXIT_USAGE;
        }
    }
    worst
}

/// Pretty JSON with a final newline.
fn pretty<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(value).map(|s| s + "\n")
}
