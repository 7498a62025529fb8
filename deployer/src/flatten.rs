//! `flowguard flatten`: rewrite nested decision trees as prioritized first-match lists,
//! without changing where any call goes, and show the proof.
//!
//! The document goes to OUT (or stdout), the report to stderr, so
//! `flowguard flatten flow.json > flat.json` works in a pipeline.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

use flowguard_core::decision::{
    DecisionStatus, FlattenOptions, FlattenOutcome, parse_probabilities,
};
use flowguard_core::{InputFormat, LineIndex, Severity, flatten};

use crate::render::{self, Style};
use crate::validate::read_input;
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputFormatArg, OutputFormat};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The flow document to flatten; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Where to write the flattened document (default: standard output).
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Match probabilities per decision, to order conditions by expected cost
    /// (format in docs/flattening.md).
    #[arg(long, value_name = "FILE")]
    pub probabilities: Option<PathBuf>,
    /// The shape of the report on stderr.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// The format of the input document.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormatArg,
}

pub fn run(args: &Args) -> u8 {
    let bytes = match read_input(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("flowguard: error: {e}");
            return EXIT_USAGE;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("flowguard: error: {} is not UTF-8 text", args.file);
        return EXIT_FINDINGS;
    };
    let probabilities = match &args.probabilities {
        None => None,
        Some(path) => {
            let raw = match std::fs::read_to_string(path) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("flowguard: error: cannot read {}: {e}", path.display());
                    return EXIT_USAGE;
                }
            };
            match parse_probabilities(&raw) {
                Ok(p) => Some(p),
                Err(e) => {
                    eprintln!("flowguard: error: {}: {e}", path.display());
                    return EXIT_USAGE;
                }
            }
        }
    };
    let options = FlattenOptions {
        format: args.input_format.into(),
        probabilities,
        ..FlattenOptions::default()
    };
    let display = if args.file == "-" {
        "<stdin>"
    } else {
        args.file.as_str()
    };
    // An Architect export is flattened as its decoded configuration JSON, which is also
    // what is written (positions in the report refer to it). A damaged export is left to
    // the core, which reports the damage (FG001) in the text as it is.
    let text = match flowguard_core::formats::export::sniff(&text) {
        Some(encoding) if matches!(options.format, InputFormat::Auto | InputFormat::Architect) => {
            match flowguard_core::formats::export::decode(&text, encoding, usize::MAX) {
                Ok(decoded) => {
                    eprintln!(
                        "note: {display} is an Architect export ({}); it is flattened and written as its decoded JSON",
                        encoding.describe()
                    );
                    decoded.text
                }
                Err(_) => text,
            }
        }
        _ => text,
    };
    let outcome = flatten(&text, &options);

    // The report first, so a failure to write the document still leaves the findings.
    let report = match args.format {
        OutputFormat::Json => serde_json::to_string_pretty(&outcome)
            .map(|s| s + "\n")
            .unwrap_or_default(),
        OutputFormat::Text => text_report(display, &text, &outcome),
    };
    let _ = std::io::stderr().write_all(report.as_bytes());

    let Some(document) = &outcome.document else {
        return EXIT_FINDINGS;
    };
    let written = match &args.out {
        Some(path) => std::fs::write(path, document)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out
                .write_all(document.as_bytes())
                .and_then(|()| out.flush())
            {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write the document: {e}")),
            }
        }
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("flowguard: error: {e}");
            EXIT_USAGE
        }
    }
}

fn text_report(path: &str, text: &str, outcome: &FlattenOutcome) -> String {
    let style = Style {
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = String::new();
    let index = LineIndex::new(text);
    for d in &outcome.diagnostics {
        render::diagnostic(&mut out, path, text, &index, d, style);
    }
    if outcome.document.is_none() {
        let _ = writeln!(
            out,
            "flowguard: {path} could not be read; nothing was written"
        );
        return out;
    }
    let flattened = outcome
        .reports
        .iter()
        .filter(|r| r.status == DecisionStatus::Flattened)
        .count();
    let _ = writeln!(
        out,
        "{path}: {} decision tree{} examined, {flattened} flattened",
        outcome.reports.len(),
        if outcome.reports.len() == 1 { "" } else { "s" }
    );
    for r in &outcome.reports {
        let status = match r.status {
            DecisionStatus::Flattened => "flattened",
            DecisionStatus::Unchanged => "unchanged",
            DecisionStatus::NotFlattened => "left alone",
        };
        let _ = writeln!(
            out,
            "  {}: {status}; conditions {} → {}, hops removed {}, expected evaluations {:.2} → {:.2}",
            r.node_id,
            r.conditions_before,
            r.conditions_after,
            r.hops_removed,
            r.expected_evaluations_before,
            r.expected_evaluations_after
        );
        if !r.inlined_nodes.is_empty() {
            let _ = writeln!(out, "    absorbed: {}", r.inlined_nodes.join(", "));
        }
        if let Some(reason) = &r.reason {
            let _ = writeln!(out, "    why: {reason}");
        }
    }
    let cert = &outcome.certificate;
    for c in &cert.decisions {
        let verdict = if c.certified {
            "certified"
        } else {
            "NOT certified"
        };
        let _ = writeln!(
            out,
            "  certificate {}: {verdict} ({} regions, {} boundary inputs compared with the original)",
            c.node_id, c.regions_checked, c.boundary_inputs_checked
        );
    }
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        let _ = writeln!(
            out,
            "note: the document has {errors} error(s); run `flowguard validate` for the full picture"
        );
    }
    out
}
