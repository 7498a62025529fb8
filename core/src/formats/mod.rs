//! Document formats: detect which one a text is and read it into the [`Flow`] model.

pub mod architect;
pub mod archy;
pub mod archy_writer;
pub mod export;
pub mod flow_json;
pub mod flow_json_writer;
pub mod plan;
pub mod semantics;

use std::cell::RefCell;

use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::{Flow, InputFormat};
use crate::syntax::{SyntaxTree, ValueId, json, yaml};

pub use crate::model::{head_loc, loc};

/// The format JSON text with these markers is read as.
fn json_format(markers: json::FormatMarkers) -> InputFormat {
    if markers.means_architect() {
        InputFormat::Architect
    } else {
        InputFormat::Flow
    }
}

/// Shared helper for readers: the tree being read and where diagnostics go.
pub struct Reader<'t, 'd> {
    pub tree: &'t SyntaxTree,
    out: RefCell<&'d mut Vec<RawDiagnostic>>,
}

impl<'t, 'd> Reader<'t, 'd> {
    pub fn new(tree: &'t SyntaxTree, out: &'d mut Vec<RawDiagnostic>) -> Self {
        Reader {
            tree,
            out: RefCell::new(out),
        }
    }

    pub fn push(&self, d: RawDiagnostic) {
        self.out.borrow_mut().push(d);
    }

    /// FG002 for a value of the wrong type.
    pub fn type_error(&self, v: ValueId, what: &str, expected: &str, help: &str) {
        let found = self.tree.kind(v).describe();
        self.push(RawDiagnostic::new(
            Code::SchemaError,
            loc(self.tree, v),
            format!("{what} must be {expected}, found {found}"),
            help.to_owned(),
        ));
    }
}

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

/// A document read into the model, with what the reader found wrong.
#[derive(Debug)]
pub struct ReadResult {
    pub flow: Flow,
    pub diagnostics: Vec<RawDiagnostic>,
    /// True when the text could not be read at all (syntax error): graph checks are skipped.
    pub fatal: bool,
    /// Set when the text was an Architect export: its decoded text, which the tree, every
    /// span and every diagnostic of this result refer to (resolve against it, not `text`).
    pub decoded: Option<export::DecodedSource>,
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

/// A format reader: syntax tree in, model out.
type FormatReader = fn(SyntaxTree, &mut Vec<RawDiagnostic>) -> Flow;

/// Parses YAML and hands the tree to a format reader; syntax errors and duplicate keys
/// become FG001 and FG005, a second document in the file a warning.
pub fn read_yaml_with(text: &str, format: InputFormat, reader: FormatReader) -> ReadResult {
    let parsed = yaml::parse(text);
    let mut diagnostics = Vec::new();
    for dup in &parsed.duplicate_keys {
        diagnostics.push(duplicate_key(
            &parsed.tree,
            &dup.key,
            (dup.start, dup.end),
            (dup.first_start, dup.first_end),
            "mapping",
            "YAML does not allow duplicate keys and readers disagree on which one wins: remove one of them",
        ));
    }
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

/// FG005 for a key repeated in one mapping, pointing at the repeat, related to the first.
fn duplicate_key(
    tree: &SyntaxTree,
    key: &str,
    at: (u32, u32),
    first: (u32, u32),
    container: &str,
    help: &str,
) -> RawDiagnostic {
    let pointer = parent_pointer_of_key(tree, first.0);
    RawDiagnostic::new(
        Code::DuplicateKey,
        Location {
            pointer: pointer.clone(),
            range: Some(at),
        },
        format!("the key `{key}` appears twice in the same {container}"),
        help.to_owned(),
    )
    .related(
        Location {
            pointer,
            range: Some(first),
        },
        None,
        "first occurrence",
    )
}

/// Parses JSON and hands the tree to a format reader; syntax errors and duplicate keys
/// become FG001 and FG005.
pub fn read_json_with(text: &str, format: InputFormat, reader: FormatReader) -> ReadResult {
    read_parsed_json(json::parse(text), format, reader)
}

fn read_parsed_json(
    parsed: json::ParsedJson,
    format: InputFormat,
    reader: FormatReader,
) -> ReadResult {
    let mut diagnostics = Vec::new();
    for dup in &parsed.duplicate_keys {
        diagnostics.push(duplicate_key(
            &parsed.tree,
            &dup.key,
            (dup.start, dup.end),
            (dup.first_start, dup.first_end),
            "object",
            "JSON readers disagree on duplicate keys (some keep the first, JavaScript keeps the last): remove one of them",
        ));
    }
    let error = parsed.error.map(|e| {
        (
            (e.start, e.end),
            format!("invalid JSON: {}", e.message),
            e.help.to_owned(),
        )
    });
    finish_read(format, parsed.tree, diagnostics, error, reader)
}

/// Ends a read: a syntax error (range, message, help) is FG001 and stops there (the graph
/// checks are skipped); otherwise the format reader maps the tree to the model.
fn finish_read(
    format: InputFormat,
    tree: SyntaxTree,
    mut diagnostics: Vec<RawDiagnostic>,
    error: Option<((u32, u32), String, String)>,
    reader: fn(SyntaxTree, &mut Vec<RawDiagnostic>) -> Flow,
) -> ReadResult {
    if let Some((range, message, help)) = error {
        diagnostics.push(RawDiagnostic::new(
            Code::SyntaxError,
            Location {
                pointer: String::new(),
                range: Some(range),
            },
            message,
            help,
        ));
        return ReadResult {
            flow: Flow {
                format,
                tree,
                ..Flow::default()
            },
            diagnostics,
            fatal: true,
            decoded: None,
        };
    }
    let mut flow = reader(tree, &mut diagnostics);
    // Nodes in document order, whatever order a reader's walk created them in: checks
    // report groups at their first node, and output must not depend on the walk. (Stable,
    // so readers that already emit document order are unchanged.)
    let tree = &flow.tree;
    let doc_start = |n: &crate::model::Node| n.origin.value.map_or(u32::MAX, |v| tree.span(v).0);
    if !flow.nodes.is_sorted_by_key(doc_start) {
        let mut nodes = std::mem::take(&mut flow.nodes);
        crate::graph::order::sort_by_key(&mut nodes, |n| u64::from(doc_start(n)));
        flow.nodes = nodes;
    }
    ReadResult {
        flow,
        diagnostics,
        fatal: false,
        decoded: None,
    }
}

/// The pointer of the object that holds a key starting at `key_start`: the innermost
/// object value whose span contains it. Used only to place duplicate-key findings.
fn parent_pointer_of_key(tree: &SyntaxTree, key_start: u32) -> String {
    // Walk down from the root, always into the child whose span contains the key.
    let Some(mut cur) = tree.root() else {
        return String::new();
    };
    loop {
        let next = tree.children(cur).find(|&c| {
            let (s, e) = tree.span(c);
            s <= key_start && key_start < e
        });
        match next {
            Some(c)
                if tree.children(c).len() > 0
                    || tree.kind(c) == crate::syntax::ValueKind::Object =>
            {
                cur = c
            }
            _ => return tree.pointer(cur),
        }
    }
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
