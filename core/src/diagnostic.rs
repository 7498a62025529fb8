//! Diagnostics: what is wrong, where, why it matters and how to fix it.
//!
//! Codes are a public contract: a code is never renumbered or reused. Every code is
//! documented in `docs/codes.md`; a test checks that the two lists agree.

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

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $sev:ident;)*) => {
        /// Every diagnostic code flowguard emits.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// All codes, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code, e.g. `FG020`.
            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The stable name, e.g. `routing-loop`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity a finding of this code has unless a check decides otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// Looks a code up by `FG020` or by `routing-loop`.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code | $name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    SyntaxError = "FG001", "syntax-error", Error;
    SchemaError = "FG002", "schema-error", Error;
    DuplicateId = "FG003", "duplicate-id", Error;
    UnknownNodeType = "FG004", "unknown-node-type", Info;
    DuplicateKey = "FG005", "duplicate-key", Error;
    InputTooLarge = "FG006", "input-too-large", Error;
    UnsupportedFormat = "FG007", "unsupported-format", Error;
    ExternalReference = "FG008", "external-reference", Info;
    EmptyFlow = "FG009", "empty-flow", Info;
    MissingStart = "FG010", "missing-start", Error;
    DanglingTarget = "FG011", "dangling-target", Error;
    UnreachableNode = "FG012", "unreachable-node", Warning;
    DeadEnd = "FG013", "dead-end", Error;
    DuplicateMenuDigit = "FG014", "duplicate-menu-digit", Error;
    DuplicateSpeechTerm = "FG015", "duplicate-speech-term", Warning;
    RoutingLoop = "FG020", "routing-loop", Error;
    CallerTrap = "FG021", "caller-trap", Error;
    BoundedLoop = "FG022", "bounded-loop", Info;
    DepthExceeded = "FG030", "depth-exceeded", Warning;
    ActionBudget = "FG031", "action-budget", Warning;
    NoDefault = "FG040", "no-default", Warning;
    ShadowedCondition = "FG041", "shadowed-condition", Warning;
    UnsatisfiableCondition = "FG042", "unsatisfiable-condition", Warning;
    AmbiguousOrder = "FG043", "ambiguous-order", Warning;
    RedundantCondition = "FG044", "redundant-condition", Info;
    ExpressionSyntax = "FG045", "expression-syntax", Error;
    NotFlattened = "FG046", "not-flattened", Info;
    UnknownQueue = "FG050", "unknown-queue", Error;
    UnusedSuppression = "FG060", "unused-suppression", Warning;
}

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
