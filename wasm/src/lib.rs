//! flowguard-wasm: the flowguard core for browsers and Node, through wasm-bindgen.
//!
//! A thin adapter: JavaScript values in (options and edits are checked here and throw a
//! clear `Error` when invalid), the core's results out as plain objects. Flow documents
//! never throw: every mistake in one is a diagnostic. The only state is [`FlowSession`],
//! which keeps a parsed flow and a small cycle index for editors.
//!
//! Results cross the boundary as JSON text parsed by the engine's `JSON.parse`: one copy
//! and one native parse, instead of one boundary call per field.

use flowguard_core as core;
use serde::Serialize;
use wasm_bindgen::prelude::*;

mod options;
mod session;
pub mod types;

pub use session::FlowSession;

use options::Result;
use types::{Format, PositionEncoding, ValidateOptions, ValidationResult};

/// Default `maxBytes`: 10 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Installs the panic hook. The core is built never to panic on any input; if a bug makes
/// it panic anyway, the hook prints the Rust message to `console.error` and the call
/// throws a `RuntimeError` instead of failing silently.
#[wasm_bindgen(start)]
fn install_panic_hook() {
    console_error_panic_hook::set_once();
}

/// The version of this package (and of the flowguard core it contains).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue> {
    parse_json(serde_json::to_string(value))
}

/// The non-generic half of [`to_js`], compiled once instead of once per result type.
#[inline(never)]
fn parse_json(json: serde_json::Result<String>) -> Result<JsValue> {
    let json =
        json.map_err(|e| JsError::new(&format!("flowguard: cannot serialize the result: {e}")))?;
    js_sys::JSON::parse(&json)
        .map_err(|_| JsError::new("flowguard: cannot hand the result to JavaScript"))
}

pub(crate) fn core_format(f: Option<Format>) -> core::InputFormat {
    match f {
        None | Some(Format::Auto) => core::InputFormat::Auto,
        Some(Format::Flow) => core::InputFormat::Flow,
        Some(Format::Archy) => core::InputFormat::Archy,
        Some(Format::Architect) => core::InputFormat::Architect,
    }
}

pub(crate) fn core_encoding(e: Option<PositionEncoding>) -> core::PositionEncoding {
    match e {
        None | Some(PositionEncoding::Utf16) => core::PositionEncoding::Utf16,
        Some(PositionEncoding::Utf8) => core::PositionEncoding::Utf8,
    }
}

pub(crate) fn clamp_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The core's options for `validate` options parsed from JavaScript: each option as given, else the `settings` value (`max-depth`,
/// `queues`), else the default.
pub(crate) fn core_options(o: &ValidateOptions) -> core::Options {
    let defaults = core::CheckOptions::default();
    let settings = o.settings.as_ref().map(|types::SettingsInput(s)| s);
    core::Options {
        format: core_format(o.format),
        checks: core::CheckOptions {
            max_depth: o
                .max_depth
                .or_else(|| settings?.max_depth)
                .unwrap_or(defaults.max_depth),
            action_budget: o.action_budget.unwrap_or(defaults.action_budget),
            known_queues: o.queues.clone().or_else(|| settings?.queues.clone()),
        },
        position_encoding: core_encoding(o.position_encoding),
        max_bytes: clamp_usize(o.max_bytes.unwrap_or(DEFAULT_MAX_BYTES)),
        deny_warnings: o.deny_warnings.unwrap_or(false),
    }
}

/// The text argument as a Rust string, or FG006 when it is certainly over `max_bytes`.
///
/// A JavaScript string of `n` UTF-16 units takes at least `n` bytes in UTF-8, so a string
/// longer than the limit is rejected before it is copied into wasm memory at all: a huge
/// string cannot exhaust the module's memory. Lone surrogates (invalid UTF-16) become
/// U+FFFD, which is one UTF-16 unit too, so UTF-16 positions still match the editor's.
pub(crate) enum Text {
    Read(String),
    TooLarge(core::RawDiagnostic),
}

pub(crate) fn read_text(what: &str, text: &JsValue, max_bytes: usize) -> Result<Text> {
    let Some(js) = text.dyn_ref::<js_sys::JsString>() else {
        return Err(JsError::new(&format!(
            "{what} must be a string, got {}",
            options::describe(text)
        )));
    };
    let units = js.length() as usize;
    if units > max_bytes {
        let raw = core::RawDiagnostic::new(
            core::Code::InputTooLarge,
            core::Location::default(),
            format!(
                "the input is at least {units} bytes, more than the limit of {max_bytes} bytes"
            ),
            "split the flow, or raise the limit (maxBytes / --max-bytes) if this size is expected",
        );
        return Ok(Text::TooLarge(raw));
    }
    Ok(Text::Read(utf8_of(js)))
}

#[wasm_bindgen]
extern "C" {
    /// The engine's UTF-8 encoder (a global in browsers and Node).
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(
        this: &TextEncoder,
        text: &js_sys::JsString,
        dest: &js_sys::Uint8Array,
    ) -> EncodeIntoResult;

    /// `{read, written}` of `TextEncoder.encodeInto`.
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> u32;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// The text as Rust UTF-8, written by the engine's native `TextEncoder.encodeInto`
/// straight into this module's memory. wasm-bindgen's own string conversion copies ASCII
/// one character at a time in a JavaScript loop (about a tenth of a `validate` on a 100 KB
/// flow), and `TextEncoder.encode` would allocate a JavaScript buffer per call, which the
/// engine's garbage collector then has to chase on large texts. Lone surrogates become
/// U+FFFD either way.
fn utf8_of(js: &js_sys::JsString) -> String {
    // One byte per UTF-16 unit fits ASCII exactly; any rest is encoded into more room.
    let mut buf = vec![0u8; js.length() as usize];
    let mut filled = 0;
    let mut rest = js.clone();
    loop {
        // The view is made right before the call (after the encoder's first-use set-up),
        // so nothing can grow the memory and detach it in between.
        let done = ENCODER.with(|e| e.encode_into(&rest, &memory_view(&mut buf[filled..])));
        filled += done.written() as usize;
        let (read, len) = (done.read(), rest.length());
        if read >= len {
            break;
        }
        // Not all fitted: at most three bytes per remaining unit.
        rest = rest.slice(read, len);
        buf.resize(filled + 3 * rest.length() as usize, 0);
    }
    buf.truncate(filled);
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A JavaScript view of `dest` in this module's memory, for the engine to write into.
/// Nothing in Rust borrows `dest` while the engine writes. Use it at once: a growth of the
/// memory detaches it.
fn memory_view(dest: &mut [u8]) -> js_sys::Uint8Array {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    js_sys::Uint8Array::new_with_byte_offset_and_length(
        &memory.buffer(),
        dest.as_mut_ptr() as usize as u32,
        dest.len() as u32,
    )
}

/// Validates a flow document (flow JSON, Archy YAML or Architect configuration JSON).
///
/// Never throws for anything in `text`: syntax errors, schema errors, oversized input
/// (`maxBytes`) and every graph defect are diagnostics. Throws an `Error` only when
/// `text` is not a string or `options` is invalid (unknown key, wrong type, value out of
/// range), with a message naming the option.
#[wasm_bindgen(unchecked_return_type = "ValidationResult")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
) -> Result<JsValue> {
    let parsed = options::validate_options(&options)?;
    let opts = core_options(&parsed);
    let no_settings = core::Settings::default();
    let settings = parsed
        .settings
        .as_ref()
        .map_or(&no_settings, |types::SettingsInput(s)| s);
    let result = match read_text("text", &text, opts.max_bytes)? {
        Text::Read(text) => {
            let v = core::validate_with(&text, &opts, settings);
            ValidationResult {
                format: v.format.into(),
                diagnostics: v.diagnostics,
                stats: v.stats.into(),
                decoded: v.decoded.map(Into::into),
            }
        }
        Text::TooLarge(raw) => ValidationResult {
            format: opts.format.into(),
            diagnostics: core::resolve(vec![raw], "", opts.position_encoding),
            stats: types::Stats::default(),
            decoded: None,
        },
    };
    to_js(&result)
}

/// The flow's graph for drawing, in any format: nodes (kind, type, label, span), edges with
/// labels, and what the checks found as data — loop groups, caller traps, unreachable
/// nodes, the depth path — the same findings `validate` reports as diagnostics.
///
/// Takes the options of `validate` (`maxDepth` and `settings`' `max-depth` decide
/// `depthExceeded`; spans are in `positionEncoding`). Never throws for anything in
/// `text`: unreadable text gives `read: false`.
#[wasm_bindgen(unchecked_return_type = "GraphView")]
pub fn graph(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
) -> Result<JsValue> {
    let opts = core_options(&options::validate_options(&options)?);
    let view = match read_text("text", &text, opts.max_bytes)? {
        Text::Read(text) => core::view::graph_view(&text, &opts),
        Text::TooLarge(_) => core::view::GraphView::unread(opts.format),
    };
    types::graph_js(&view)
}

/// Flattens nested decision trees into single first-match decisions, removes dead and
/// redundant conditions and certifies that every input is routed as before
/// (docs/flattening.md).
///
/// Returns the flattened document (flow JSON is rewritten in place, keeping everything
/// else byte for byte; other formats get `plan` and FG046), one report per decision tree
/// and the certificate. Never throws for anything in `text`; throws an `Error` for invalid
/// options.
#[wasm_bindgen(unchecked_return_type = "FlattenResult")]
pub fn flatten(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "FlattenOptions")] options: JsValue,
) -> Result<JsValue> {
    let o = options::flatten_options(&options)?;
    let defaults = core::decision::FlattenOptions::default();
    let probabilities = match &o.probabilities {
        None => None,
        Some(text) => Some(
            core::decision::parse_probabilities(text)
                .map_err(|e| JsError::new(&format!("options: `probabilities`: {e}")))?,
        ),
    };
    let opts = core::decision::FlattenOptions {
        format: core_format(o.format),
        probabilities,
        unfold_cap: o.unfold_cap.map_or(defaults.unfold_cap, clamp_usize),
        max_conditions: o
            .max_conditions
            .map_or(defaults.max_conditions, clamp_usize),
        max_combinations: o
            .max_combinations
            .map_or(defaults.max_combinations, clamp_usize),
        position_encoding: core_encoding(o.position_encoding),
    };
    let max_bytes = clamp_usize(o.max_bytes.unwrap_or(DEFAULT_MAX_BYTES));
    let result = match read_text("text", &text, max_bytes)? {
        Text::Read(text) if text.len() <= max_bytes => {
            types::FlattenResult::from(core::flatten(&text, &opts))
        }
        Text::Read(text) => {
            // Over the limit in UTF-8 though not in UTF-16 units: the same FG006 as validate.
            let too_large = core::Options {
                max_bytes,
                position_encoding: opts.position_encoding,
                ..core::Options::default()
            };
            unreadable(opts.format, core::validate(&text, &too_large).diagnostics)
        }
        Text::TooLarge(raw) => unreadable(
            opts.format,
            core::resolve(vec![raw], "", opts.position_encoding),
        ),
    };
    to_js(&result)
}

fn unreadable(
    format: core::InputFormat,
    diagnostics: Vec<core::Diagnostic>,
) -> types::FlattenResult {
    types::FlattenResult {
        format: format.into(),
        document: None,
        plan: Vec::new(),
        reports: Vec::new(),
        diagnostics,
        certificate: types::Certificate {
            all_applied_certified: false,
            decisions: Vec::new(),
        },
    }
}
