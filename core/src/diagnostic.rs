//! Diagnostics: what is wrong, where, why it matters and how to fix it.
//!
//! Codes are a public contract: a code is never renumbered or reused. They are declared,
//! with their documentation and examples, in the rule registry (`crate::rules`), which
//! generates `docs/codes.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Every diagnostic code, generated from the rule registry (`core/src/rules.rs`).
pub use crate::rules::Code;

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
/// [`crate::PositionEncoding`] the caller chose (UTF-8 bytes by default).
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

/// A diagnostic as checks produce it; [`crate::validate`] resolves byte ranges to spans.
#[derive(Clone, Debug, PartialEq)]
pub struct RawDiagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub help: String,
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
        help: impl Into<String>,
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
