//! Reading documents into the [`Flow`] model: what every reader shares ([`Reader`], the
//! end of a read) and the flow-JSON reader. The other formats, and the dispatch that picks
//! one, are flowguard-core's (`flowguard_core::formats`).

pub mod export;
pub mod flow_json;
pub mod semantics;

use std::cell::RefCell;

use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::{Flow, InputFormat};
use crate::syntax::{SyntaxTree, ValueId, json};

pub use crate::model::{head_loc, loc};

/// The format JSON text with these markers is read as.
pub fn json_format(markers: json::FormatMarkers) -> InputFormat {
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

/// A format reader: syntax tree in, model out.
pub type FormatReader = fn(SyntaxTree, &mut Vec<RawDiagnostic>) -> Flow;

/// FG005 for each key repeated in one mapping (`container`: "object", "mapping"), pointing
/// at the repeat, related to the first.
pub fn duplicate_keys(
    tree: &SyntaxTree,
    duplicates: &[json::DuplicateKey],
    container: &str,
    help: &str,
) -> Vec<RawDiagnostic> {
    let one = |dup: &json::DuplicateKey| {
        let pointer = parent_pointer_of_key(tree, dup.first_start);
        RawDiagnostic::new(
            Code::DuplicateKey,
            Location {
                pointer: pointer.clone(),
                range: Some((dup.start, dup.end)),
            },
            format!(
                "the key `{}` appears twice in the same {container}",
                dup.key
            ),
            help.to_owned(),
        )
        .related(
            Location {
                pointer,
                range: Some((dup.first_start, dup.first_end)),
            },
            None,
            "first occurrence",
        )
    };
    duplicates.iter().map(one).collect()
}

/// Reads `text` as flow JSON (flowguard's own format), for the engine's tests; the core
/// reads through its format dispatch (`flowguard_core::formats::read`).
#[cfg(test)]
pub(crate) fn read_flow_json(text: &str) -> ReadResult {
    read_json_with(text, InputFormat::Flow, flow_json::read)
}

/// Parses JSON and hands the tree to a format reader; syntax errors and duplicate keys
/// become FG001 and FG005.
pub fn read_json_with(text: &str, format: InputFormat, reader: FormatReader) -> ReadResult {
    read_parsed_json(json::parse(text), format, reader)
}

// Out of line: an entry point from flowguard-core, which the wasm package compiles for
// size; inlined into its caller there, it would run as that caller is compiled
// (ARCHITECTURE.md, "Invariants").
#[inline(never)]
pub fn read_parsed_json(
    parsed: json::ParsedJson,
    format: InputFormat,
    reader: FormatReader,
) -> ReadResult {
    let diagnostics = duplicate_keys(
        &parsed.tree,
        &parsed.duplicate_keys,
        "object",
        "JSON readers disagree on duplicate keys (some keep the first, JavaScript keeps the last): remove one of them",
    );
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
pub fn finish_read(
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
    // so readers that already emit document order are unchanged. Looked at for every
    // format, flow JSON's too, though its reader keeps document order: skipping it by
    // format would trust whichever reader a caller passes with that format.)
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
