//! Document formats: detect which one a text is and read it into the [`Flow`] model.

pub mod flow_json;

use std::cell::RefCell;

use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::{Flow, InputFormat};
use crate::syntax::{SyntaxTree, ValueId, json};

/// The place of a syntax-tree value.
pub fn loc(tree: &SyntaxTree, v: ValueId) -> Location {
    Location {
        pointer: tree.pointer(v),
        range: Some(tree.span(v)),
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

/// Picks the format of a text: JSON with `flowSequenceItemList`/`startAction` is Architect
/// configuration JSON, other JSON is flow JSON, anything else is read as Archy YAML.
pub fn detect(text: &str) -> InputFormat {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // A cheap textual probe; the reader validates properly afterwards.
        let head = &trimmed[..trimmed.len().min(1 << 16)];
        let architect_keys = [
            "\"flowSequenceItemList\"",
            "\"startAction\"",
            "\"initialSequence\"",
            "\"__type\"",
        ];
        if architect_keys.iter().any(|k| head.contains(k)) && !head.contains("\"nodes\"") {
            return InputFormat::Architect;
        }
        if architect_keys.iter().any(|k| trimmed.contains(k)) && !trimmed.contains("\"nodes\"") {
            return InputFormat::Architect;
        }
        InputFormat::Flow
    } else {
        InputFormat::Archy
    }
}

/// A document read into the model, with what the reader found wrong.
#[derive(Debug)]
pub struct ReadResult {
    pub flow: Flow,
    pub diagnostics: Vec<RawDiagnostic>,
    /// True when the text could not be read at all (syntax error): graph checks are skipped.
    pub fatal: bool,
}

/// Reads `text` as `format` (detecting it for [`InputFormat::Auto`]).
pub fn read(text: &str, format: InputFormat) -> ReadResult {
    let format = match format {
        InputFormat::Auto => detect(text),
        f => f,
    };
    match format {
        InputFormat::Flow | InputFormat::Auto => {
            read_json_with(text, InputFormat::Flow, flow_json::read)
        }
        InputFormat::Architect | InputFormat::Archy => {
            let mut diagnostics = Vec::new();
            diagnostics.push(RawDiagnostic::new(
                Code::UnsupportedFormat,
                Location::default(),
                format!("reading {} documents is not built into this version of flowguard", format.as_str()),
                "convert the flow to flowguard flow JSON, or use a build with Genesys format support",
            ));
            ReadResult {
                flow: Flow {
                    format,
                    ..Flow::default()
                },
                diagnostics,
                fatal: true,
            }
        }
    }
}

/// Parses JSON and hands the tree to a format reader; syntax errors and duplicate keys
/// become FG001 and FG005.
pub fn read_json_with(
    text: &str,
    format: InputFormat,
    reader: fn(SyntaxTree, &mut Vec<RawDiagnostic>) -> Flow,
) -> ReadResult {
    let parsed = json::parse(text);
    let mut diagnostics = Vec::new();
    for dup in &parsed.duplicate_keys {
        diagnostics.push(
            RawDiagnostic::new(
                Code::DuplicateKey,
                Location {
                    pointer: parent_pointer_of_key(&parsed.tree, dup.first_start),
                    range: Some((dup.start, dup.end)),
                },
                format!("the key `{}` appears twice in the same object", dup.key),
                "JSON readers disagree on duplicate keys (some keep the first, JavaScript keeps the last): remove one of them",
            )
            .related(
                Location {
                    pointer: parent_pointer_of_key(&parsed.tree, dup.first_start),
                    range: Some((dup.first_start, dup.first_end)),
                },
                None,
                "first occurrence",
            ),
        );
    }
    if let Some(err) = parsed.error {
        diagnostics.push(RawDiagnostic::new(
            Code::SyntaxError,
            Location {
                pointer: String::new(),
                range: Some((err.start, err.end)),
            },
            format!("invalid JSON: {}", err.message),
            err.help,
        ));
        return ReadResult {
            flow: Flow {
                format,
                tree: parsed.tree,
                ..Flow::default()
            },
            diagnostics,
            fatal: true,
        };
    }
    let flow = reader(parsed.tree, &mut diagnostics);
    ReadResult {
        flow,
        diagnostics,
        fatal: false,
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
