//! `flowguard validate`: read files, validate them, print diagnostics as text or JSON.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use flowguard_core::{CheckOptions, ExportEncoding, InputFormat, LineIndex, Options, Validation};
use serde::Serialize;

use crate::render::{self, Style};
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputFormatArg, OutputFormat};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Flow documents to check; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output: human-readable text, or one JSON document (schema in docs/cli.md).
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// The format of the input documents.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormatArg,
    /// FG030 fires when a path from the start is deeper than this many nodes.
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub max_depth: u32,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
    /// A queue the org has (repeatable); with any given, transfers to other queues are FG050.
    #[arg(long = "queue", value_name = "NAME")]
    pub queues: Vec<String>,
    /// Larger inputs are reported as FG006 instead of being read.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_bytes: usize,
    /// Also check queue references against the org's /api/v2/routing/queues (FG050).
    #[arg(long)]
    pub org: bool,
    #[command(flatten)]
    pub conn: crate::context::ConnArgs,
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
    diagnostics: Vec<flowguard_core::Diagnostic>,
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
fn options_for<'o>(opts: &'o Options, path: &str) -> std::borrow::Cow<'o, Options> {
    if opts.format == InputFormat::Auto && is_export_name(path) {
        std::borrow::Cow::Owned(Options {
            format: InputFormat::Architect,
            ..opts.clone()
        })
    } else {
        std::borrow::Cow::Borrowed(opts)
    }
}

pub fn options(args: &Args) -> Options {
    Options {
        format: args.input_format.into(),
        checks: CheckOptions {
            max_depth: args.max_depth,
            known_queues: (!args.queues.is_empty()).then(|| args.queues.clone()),
            ..CheckOptions::default()
        },
        max_bytes: args.max_bytes,
        deny_warnings: args.deny_warnings,
        position_encoding: render::ENCODING,
    }
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

pub fn run(args: &Args) -> u8 {
    let mut opts = options(args);
    if args.org {
        match crate::commands::org_queue_names(&args.conn) {
            Ok(q) => opts.checks.known_queues = Some(q),
            Err(e) => {
                eprintln!("flowguard: error: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let style = Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut worst = EXIT_OK;
    let mut text_out = String::new();
    let mut json_files = Vec::new();
    let mut inputs: Vec<(String, Result<Vec<u8>, String>)> = Vec::new();
    for path in &args.files {
        let display = if path == "-" {
            "<stdin>".to_owned()
        } else {
            path.clone()
        };
        inputs.push((display, read_input(path)));
    }
    for (path, input) in &inputs {
        match input {
            Err(message) => {
                worst = EXIT_USAGE;
                eprintln!("flowguard: error: {message}");
                json_files.push(JsonFile {
                    path,
                    format: None,
                    error: Some(message.clone()),
                    decoded: None,
                    diagnostics: Vec::new(),
                    stats: Default::default(),
                });
            }
            Ok(bytes) => {
                let result: Validation =
                    flowguard_core::validate_bytes(bytes, &options_for(&opts, path));
                if result.has_errors() && worst == EXIT_OK {
                    worst = EXIT_FINDINGS;
                }
                if args.format == OutputFormat::Text {
                    // Diagnostics of an export point into its decoded JSON.
                    let text = match &result.decoded {
                        Some(d) => {
                            render::decoded_note(&mut text_out, path, d.encoding, style);
                            std::borrow::Cow::Borrowed(d.text.as_str())
                        }
                        None => String::from_utf8_lossy(bytes),
                    };
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
                    decoded: result.decoded.map(|d| JsonDecoded {
                        encoding: d.encoding,
                    }),
                    stats: result.stats,
                    diagnostics: result.diagnostics,
                });
            }
        }
    }
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        OutputFormat::Text => stdout.write_all(text_out.as_bytes()),
        OutputFormat::Json => {
            let report = JsonReport { files: json_files };
            // Serialise first: writing through serde_json would hide a broken pipe's kind.
            match serde_json::to_string_pretty(&report) {
                Ok(json) => stdout
                    .write_all(json.as_bytes())
                    .and_then(|()| stdout.write_all(b"\n")),
                Err(e) => Err(std::io::Error::other(e)),
            }
        }
    };
    if let Err(e) = written.and_then(|()| stdout.flush()) {
        // A closed pipe (`flowguard validate … | head`) is not worth a panic.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("flowguard: error: cannot write output: {e}");
            return EXIT_USAGE;
        }
    }
    worst
}
