//! flowguard-core: reads IVR flow documents into one graph model that keeps source
//! locations, validates it (loops, traps, depth, dangling and unreachable nodes, decision
//! logic) and flattens nested decisions without changing where any call goes.
//!
//! The core does no IO, reads no clock, uses no randomness and prints nothing: hosts (the
//! CLI, the wasm package) hand it text and get diagnostics back. User mistakes are
//! diagnostics, never `Err` and never panics. See `ARCHITECTURE.md`.
#![forbid(unsafe_code)]

// The validation path — syntax trees, the model, the flow-JSON reader, the checks and the
// decision analysis — is flowguard-engine, a crate of its own only so that the wasm package
// can compile it for speed and the rest for size (ARCHITECTURE.md). Its modules are
// re-exported under the paths they always had; `decision`, `formats` and `syntax` add what
// is here to the engine's part of them.
pub use flowguard_engine::{case, checks, diagnostic, graph, model, rules, text_index};

pub mod decision;
pub mod edit;
mod flatten;
pub mod formats;
pub mod references;
pub mod rule_docs;
pub mod settings;
pub mod substitute;
pub mod syntax;
pub mod view;

pub use checks::{CheckOptions, Stats};
pub use diagnostic::{Code, Diagnostic, Location, RawDiagnostic, Related, Severity, Span, resolve};
pub use flatten::{flatten, recheck};
pub use formats::export::{DecodedSource, ExportEncoding};
pub use model::{Flow, InputFormat, Node, NodeKind};
pub use settings::Settings;
pub use syntax::{LineIndex, PositionEncoding};

use serde::{Deserialize, Serialize};

/// Everything a caller can set for [`validate`].
#[derive(Clone, Debug)]
pub struct Options {
    pub format: InputFormat,
    pub checks: CheckOptions,
    pub position_encoding: PositionEncoding,
    /// Larger input is reported as FG006 instead of being read.
    pub max_bytes: usize,
    /// Report warnings as errors.
    pub deny_warnings: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: InputFormat::Auto,
            checks: CheckOptions::default(),
            position_encoding: PositionEncoding::Utf8,
            max_bytes: 10 * 1024 * 1024,
            deny_warnings: false,
        }
    }
}

/// The result of validating one document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// The format the document was read as.
    pub format: InputFormat,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// Set when the input was an Architect export (`.i3InboundFlow`, …): its decoded JSON,
    /// which every pointer, span, line and column refers to. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<DecodedSource>,
}

impl Validation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Reads and validates a document given as bytes: invalid UTF-8 and binary data are
/// reported as FG001 at the offending byte.
pub fn validate_bytes(bytes: &[u8], options: &Options) -> Validation {
    validate_bytes_with(bytes, options, &Settings::default())
}

/// [`validate_bytes`] with a team's [`Settings`] applied (see [`validate_with`]).
pub fn validate_bytes_with(bytes: &[u8], options: &Options, settings: &Settings) -> Validation {
    validate_bytes_with_extra(bytes, options, settings, Vec::new())
}

/// [`validate_bytes_with`], with `extra` findings about the document found outside it (a
/// set's, from [`references::check_set`]) merged in before the settings apply, so that
/// suppression comments and a team's settings treat them as the document's own. Their
/// positions must be in `options.position_encoding`, in the text validation reads (for an
/// export, its decoded text).
pub fn validate_bytes_with_extra(
    bytes: &[u8],
    options: &Options,
    settings: &Settings,
    extra: Vec<Diagnostic>,
) -> Validation {
    if let Some(d) = reject_bytes(bytes, options) {
        return Validation {
            format: options.format,
            diagnostics: vec![d],
            stats: Stats::default(),
            decoded: None,
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => validate_with_extra(text, options, settings, extra),
        Err(e) => {
            let at = e.valid_up_to() as u32;
            let raw = RawDiagnostic::new(
                Code::SyntaxError,
                Location {
                    pointer: String::new(),
                    range: Some((at, at + e.error_len().unwrap_or(0) as u32)),
                },
                format!("the input is not valid UTF-8 (bad byte sequence at byte {at})"),
                "save the file as UTF-8 text",
            );
            // Locate the error in the valid prefix, which is a string.
            let prefix = std::str::from_utf8(&bytes[..at as usize]).unwrap_or("");
            Validation {
                format: options.format,
                diagnostics: resolve(vec![raw], prefix, options.position_encoding),
                stats: Stats::default(),
                decoded: None,
            }
        }
    }
}

pub(crate) fn reject_bytes(bytes: &[u8], options: &Options) -> Option<Diagnostic> {
    let raw = rejection(bytes, options.max_bytes)?;
    // A NUL byte is located in the text before it; the size finding has no place.
    let end = raw.at.range.map_or(0, |(at, _)| at as usize);
    let prefix = std::str::from_utf8(&bytes[..end]).unwrap_or("");
    resolve(vec![raw], prefix, options.position_encoding).pop()
}

/// What validation rejects before reading: input over `max_bytes`, and binary data (a NUL
/// byte early on). Also what `edit::Session::load` rejects, so a session's first findings
/// equal `validate`'s.
pub(crate) fn rejection(bytes: &[u8], max_bytes: usize) -> Option<RawDiagnostic> {
    if bytes.len() > max_bytes {
        return Some(RawDiagnostic::new(
            Code::InputTooLarge,
            Location::default(),
            format!(
                "the input is {} bytes, more than the limit of {max_bytes} bytes",
                bytes.len(),
            ),
            "split the flow, or raise the limit (maxBytes / --max-bytes) if this size is expected",
        ));
    }
    let head = &bytes[..bytes.len().min(8192)];
    let at = head.iter().position(|&b| b == 0)? as u32;
    Some(RawDiagnostic::new(
        Code::SyntaxError,
        Location {
            pointer: String::new(),
            range: Some((at, at + 1)),
        },
        "the input looks like a binary file (it contains a NUL byte), not a flow document",
        "pass a flow JSON, Archy YAML or Architect configuration JSON text file",
    ))
}

/// Reads and validates a document. Suppression comments in Archy YAML
/// (`# flowguard: ignore[FG012] reason`) are honoured; see [`settings`].
pub fn validate(text: &str, options: &Options) -> Validation {
    validate_with(text, options, &Settings::default())
}

/// [`validate`], then a team's [`Settings`] applied: ignored codes, changed severities,
/// per-node ignores (before `deny_warnings`, which then applies to what is left). The
/// check options in `settings` (`max_depth`, `queues`) are the host's to merge into
/// `options`; `per_file_ignores` the host's to match.
pub fn validate_with(text: &str, options: &Options, settings: &Settings) -> Validation {
    validate_with_extra(text, options, settings, Vec::new())
}

/// [`validate_with`], with `extra` findings merged in before the settings apply (see
/// [`validate_bytes_with_extra`]).
pub fn validate_with_extra(
    text: &str,
    options: &Options,
    settings: &Settings,
    extra: Vec<Diagnostic>,
) -> Validation {
    if let Some(d) = reject_bytes(text.as_bytes(), options) {
        return Validation {
            format: options.format,
            diagnostics: vec![d],
            stats: Stats::default(),
            decoded: None,
        };
    }
    let read = formats::read_with_limit(text, options.format, options.max_bytes);
    let mut raw = read.diagnostics;
    let stats = if read.fatal {
        Stats::default()
    } else {
        checks::run(&read.flow, &options.checks, &mut raw)
    };
    // An export's diagnostics point into its decoded text.
    let source = read.decoded.as_ref().map_or(text, |d| d.text.as_str());
    let mut diagnostics = resolve(raw, source, options.position_encoding);
    if !extra.is_empty() {
        diagnostics.extend(extra);
        diagnostic::sort_diagnostics(&mut diagnostics);
    }
    settings::apply(
        settings,
        source,
        read.flow.format == InputFormat::Archy,
        options.position_encoding,
        &mut diagnostics,
    );
    if options.deny_warnings {
        for d in &mut diagnostics {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }
    Validation {
        format: read.flow.format,
        diagnostics,
        stats,
        decoded: read.decoded,
    }
}

/// Runs the graph checks on a flow already in the model (for hosts that edit the model
/// directly, such as the wasm `FlowSession`).
pub fn analyze(flow: &Flow, options: &CheckOptions) -> (Vec<RawDiagnostic>, Stats) {
    let mut raw = Vec::new();
    let stats = checks::run(flow, options, &mut raw);
    (raw, stats)
}
