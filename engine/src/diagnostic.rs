//! Diagnostics: what is wrong, where, why it matters and how to fix it.
//!
//! Codes are a public contract: a code is never renumbered or reused. They are declared,
//! with their documentation and examples, in the rule registry (`crate::rules`), which
//! generates `docs/codes.md`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::syntax::{LineIndex, PositionEncoding};

/// Every diagnostic code, generated from the rule registry (`engine/src/rules.rs`), and how
/// bad a finding is (declared with the rules, whose default severities use it).
pub use crate::rules::{Code, Severity};

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code {s}")))
    }
}

/// A place in the source text. Offsets and columns are counted in the
/// [`PositionEncoding`] the caller chose (UTF-8 bytes by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column of `start`.
    pub column: u32,
}

/// Another place a diagnostic involves: a member of a loop, the condition that shadows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Related {
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
    pub message: String,
}

impl Related {
    /// For a place in another document of a set (a finding that spans files, such as a
    /// routing loop across flows): that document's label and the pointer into it. Such a
    /// place's `pointer` is `LABEL#POINTER` (as Archy writes a reference into another
    /// file) and its `span` is in that document; a place in the diagnostic's own document
    /// has a plain pointer (empty or starting with `/`), and this gives `None`.
    pub fn document(&self) -> Option<(&str, &str)> {
        if self.pointer.is_empty() || self.pointer.starts_with('/') {
            return None;
        }
        self.pointer.rsplit_once('#')
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    /// RFC 6901 JSON Pointer into the document (for YAML, into its JSON data model).
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<Related>,
    /// An input that shows the problem: variable name to value (as Architect would write it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub witness: Option<BTreeMap<String, String>>,
}

/// A place before it is resolved to a pointer and line/column: a byte range in the source
/// (when there is one) and the pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub pointer: String,
    /// Byte range in the source text.
    pub range: Option<(u32, u32)>,
}

/// A related place before resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRelated {
    pub at: Location,
    pub node: Option<String>,
    pub message: String,
}

/// A diagnostic as checks produce it; [`resolve`] (through `flowguard_core::validate`)
/// turns byte ranges into spans.
#[derive(Clone, Debug, PartialEq)]
pub struct RawDiagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Mostly fixed text: borrowed, not copied into every diagnostic (a loop check can
    /// report thousands).
    pub help: Cow<'static, str>,
    pub at: Location,
    pub node: Option<String>,
    pub related: Vec<RawRelated>,
    pub witness: Option<BTreeMap<String, String>>,
}

impl RawDiagnostic {
    pub fn new(
        code: Code,
        at: Location,
        message: impl Into<String>,
        help: impl Into<Cow<'static, str>>,
    ) -> Self {
        RawDiagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            help: help.into(),
            at,
            node: None,
            related: Vec::new(),
            witness: None,
        }
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    pub fn related(
        mut self,
        at: Location,
        node: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(RawRelated {
            at,
            node,
            message: message.into(),
        });
        self
    }

    pub fn witness(mut self, witness: BTreeMap<String, String>) -> Self {
        self.witness = Some(witness);
        self
    }
}

/// The byte range `(start, end)` of `text` as a [`Span`] in `encoding`.
pub fn span_at(
    index: &LineIndex,
    text: &str,
    (s, e): (u32, u32),
    encoding: PositionEncoding,
) -> Span {
    let (line, column) = index.line_col(text, s, encoding);
    Span {
        start: index.offset(text, s, encoding),
        end: index.offset(text, e.max(s), encoding),
        line,
        column,
    }
}

/// Turns raw diagnostics into their public form: byte ranges become spans with line and
/// column in `encoding`, and the list is sorted into a deterministic order (by position,
/// then code, node and message).
// Out of line: an entry point from flowguard-core, which the wasm package compiles for
// size; inlined into its caller there, it would run as that caller is compiled
// (ARCHITECTURE.md, "Invariants").
#[inline(never)]
pub fn resolve(raw: Vec<RawDiagnostic>, text: &str, encoding: PositionEncoding) -> Vec<Diagnostic> {
    if raw.is_empty() {
        // A clean flow, the common case while editing: no line index to build.
        return Vec::new();
    }
    // A few findings (the usual case) need the lines of their own spans only: a sparse
    // index scans up to the last of them and records no line it does not need.
    let mut offsets = Vec::new();
    for r in &raw {
        for (s, e) in std::iter::once(r.at.range)
            .chain(r.related.iter().map(|rel| rel.at.range))
            .flatten()
        {
            offsets.extend([s, e.max(s)]);
        }
    }
    let index = if offsets.len() <= 512 {
        LineIndex::for_offsets(text, offsets)
    } else {
        LineIndex::new(text)
    };
    let mut diagnostics: Vec<Diagnostic> = raw
        .into_iter()
        .map(|r| resolve_one(r, &index, text, encoding))
        .collect();
    sort_diagnostics(&mut diagnostics);
    diagnostics
}

/// One raw diagnostic in its public form, against `index` (the line starts of `text`);
/// [`resolve`] without the sort, for callers that keep a line index (`crate::edit`).
pub fn resolve_one(
    r: RawDiagnostic,
    index: &LineIndex,
    text: &str,
    encoding: PositionEncoding,
) -> Diagnostic {
    let span = |range: Option<(u32, u32)>| range.map(|r| span_at(index, text, r, encoding));
    Diagnostic {
        code: r.code,
        name: r.code.name().to_owned(),
        severity: r.severity,
        message: r.message,
        help: r.help.into_owned(),
        pointer: r.at.pointer,
        span: span(r.at.range),
        node: r.node,
        related: r
            .related
            .into_iter()
            .map(|rel| Related {
                pointer: rel.at.pointer,
                span: span(rel.at.range),
                node: rel.node,
                message: rel.message,
            })
            .collect(),
        witness: r.witness,
    }
}

/// Sorts diagnostics into the order [`resolve`] promises: by position (no span last), then
/// code, node and message. Positions in any encoding order as byte offsets do.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    fn key(d: &Diagnostic) -> (u32, Code, Option<&str>, &str) {
        (
            d.span.map_or(u32::MAX, |s| s.start),
            d.code,
            d.node.as_deref(),
            &d.message,
        )
    }
    crate::graph::order::sort_by(diagnostics, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.code()), "duplicate code {}", c.code());
            assert!(seen.insert(c.name()), "duplicate name {}", c.name());
            assert_eq!(Code::parse(c.code()), Some(c));
            assert_eq!(Code::parse(c.name()), Some(c));
            assert!(c.code().starts_with("FG") && c.code().len() == 5);
        }
    }
}
