//! Document formats: detect which one a text is and read it into the [`Flow`] model.
//! What readers share and the flow-JSON reader are flowguard-engine's (the validation
//! path, compiled for speed in the wasm package); they are re-exported here.

pub mod architect;
pub mod archy;
pub mod archy_writer;
pub mod export;
pub mod flow_json_writer;
pub mod plan;

pub use flowguard_engine::formats::*;

use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::{Flow, InputFormat};
use crate::syntax::{json, yaml};

/// Picks the format of a text: JSON naming `flowSequenceItemList` or `initialSequence` (or
/// using `__type` without flowguard's `nodes`) is Architect configuration JSON, other JSON
/// is flow JSON, an Architect export (base64 and/or percent-encoded JSON, see [`export`])
/// is Architect configuration JSON too, anything else is read as Archy YAML.
pub fn detect(text: &str) -> InputFormat {
    if export::sniff(text).is_some() {
        return InputFormat::Architect;
    }
    if !looks_like_json(text) {
        return InputFormat::Archy;
    }
    // A cheap textual probe; the reader validates properly afterwards.
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    json_format(json::FormatMarkers::probe(trimmed.as_bytes()))
}

/// Reads `text` as `format` (detecting it for [`InputFormat::Auto`]).
pub fn read(text: &str, format: InputFormat) -> ReadResult {
    read_with_limit(text, format, usize::MAX)
}

/// [`read`], with a limit on the size of a decoded Architect export (FG006 above it).
/// For [`InputFormat::Auto`] and [`InputFormat::Architect`], an export text is decoded and
/// its JSON read as Architect configuration JSON; see [`ReadResult::decoded`].
pub fn read_with_limit(text: &str, format: InputFormat, max_bytes: usize) -> ReadResult {
    if matches!(format, InputFormat::Auto | InputFormat::Architect)
        && let Some(encoding) = export::sniff(text)
    {
        return read_export(text, encoding, max_bytes);
    }
    let json_reader = |format| match format {
        InputFormat::Architect => (InputFormat::Architect, architect::read as FormatReader),
        _ => (InputFormat::Flow, flow_json::read as FormatReader),
    };
    match format {
        InputFormat::Auto if !looks_like_json(text) => {
            read_yaml_with(text, InputFormat::Archy, archy::read)
        }
        InputFormat::Auto => {
            // JSON: parse once, and let the parse answer what `detect` would (it notes the
            // marker names as it reads the strings); a text that does not parse is probed.
            let parsed = json::parse(text);
            let detected = match parsed.error {
                None => json_format(parsed.markers),
                Some(_) => detect(text),
            };
            let (format, reader) = json_reader(detected);
            read_parsed_json(parsed, format, reader)
        }
        InputFormat::Archy => read_yaml_with(text, InputFormat::Archy, archy::read),
        f => {
            let (format, reader) = json_reader(f);
            read_json_with(text, format, reader)
        }
    }
}

/// Decodes an export and reads its JSON; damage is a fatal FG001 (FG006) on `text`.
fn read_export(text: &str, encoding: export::ExportEncoding, max_bytes: usize) -> ReadResult {
    match export::decode(text, encoding, max_bytes) {
        Ok(decoded) => {
            let mut read = read_json_with(&decoded.text, InputFormat::Architect, architect::read);
            read.decoded = Some(decoded);
            read
        }
        Err(d) => ReadResult {
            flow: Flow {
                format: InputFormat::Architect,
                ..Flow::default()
            },
            diagnostics: vec![*d],
            fatal: true,
            decoded: None,
        },
    }
}

/// Whether the text starts like JSON (after a byte order mark and white space).
fn looks_like_json(text: &str) -> bool {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    trimmed.starts_with('{') || trimmed.starts_with('[')
}

/// Parses YAML and hands the tree to a format reader; syntax errors and duplicate keys
/// become FG001 and FG005, a second document in the file a warning.
pub fn read_yaml_with(text: &str, format: InputFormat, reader: FormatReader) -> ReadResult {
    let parsed = yaml::parse(text);
    let mut diagnostics = duplicate_keys(
        &parsed.tree,
        &parsed.duplicate_keys,
        "mapping",
        "YAML does not allow duplicate keys and readers disagree on which one wins: remove one of them",
    );
    if let Some((s, e)) = parsed.extra_document {
        diagnostics.push(
            RawDiagnostic::new(
                Code::SchemaError,
                Location {
                    pointer: String::new(),
                    range: Some((s, e)),
                },
                "the file holds more than one YAML document; only the first is read",
                "keep one flow per file (remove the `---` line and what follows, or move it to its own file)",
            )
            .severity(crate::diagnostic::Severity::Warning),
        );
    }
    let error = parsed
        .error
        .map(|e| ((e.start, e.end), e.message, e.help.to_string()));
    finish_read(format, parsed.tree, diagnostics, error, reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule `detect` implements, as plainly as it can be said.
    fn detect_reference(text: &str) -> InputFormat {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
            return InputFormat::Archy;
        }
        if trimmed.contains("\"flowSequenceItemList\"") || trimmed.contains("\"initialSequence\"") {
            return InputFormat::Architect;
        }
        if trimmed.contains("\"__type\"") && !trimmed.contains("\"nodes\"") {
            return InputFormat::Architect;
        }
        InputFormat::Flow
    }

    proptest! {
        #[test]
        fn detect_matches_the_reference(parts in proptest::collection::vec(
            prop_oneof![
                Just("{"), Just("["), Just("\""), Just("\"\""), Just(" "), Just("nodes"),
                Just("\"nodes\""), Just("\"__type\""), Just("__type\""), Just("\"flowSequenceItemList\""),
                Just("flowSequenceItemList"), Just("\"initialSequence"), Just("initialSequence\""),
                Just("\"nodes"), Just(":"), Just("é"), Just("\u{feff}"), Just("x"),
            ],
            0..12,
        )) {
            let text: String = parts.concat();
            prop_assert_eq!(detect(&text), detect_reference(&text), "{:?}", text);
        }

        /// For JSON that parses, the markers the parser notes answer what the text probe does.
        #[test]
        fn parse_markers_match_the_probe(parts in proptest::collection::vec(
            prop_oneof![
                Just("nodes"), Just("__type"), Just("flowSequenceItemList"), Just("initialSequence"),
                Just("\\\""), Just("x"), Just("é"), Just("\\n"),
            ],
            0..5,
        ), as_key in any::<bool>(), extra in 0usize..3) {
            let s: String = parts.concat();
            let text = match (as_key, extra) {
                (true, 0) => format!("{{\"{s}\": 1}}"),
                (true, _) => format!("{{\"a\": [\"nodes\"], \"{s}\": {{\"__type\": \"{s}\"}}}}"),
                (false, 0) => format!("[\"{s}\"]"),
                (false, _) => format!("{{\"nodes\": {{}}, \"v\": \"{s}\"}}"),
            };
            let parsed = json::parse(&text);
            prop_assume!(parsed.error.is_none());
            prop_assert_eq!(json_format(parsed.markers), detect_reference(&text), "{}", text);
        }
    }
}
