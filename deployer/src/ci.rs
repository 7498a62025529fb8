//! Output for CI: SARIF 2.1.0 (code scanning), GitHub Actions workflow commands
//! (annotations on the pull request) and a concise one-line-per-finding form.
//!
//! Columns: `concise` counts UTF-8 bytes, as the text output's `-->` lines and the JSON do;
//! SARIF and GitHub count characters (SARIF says so with `columnKind`). Diagnostics of an
//! Architect export point into its decoded JSON, not into the file on disk, so SARIF and
//! GitHub give such findings without a region (the whole file), with the JSON Pointer in
//! the message.

use std::fmt::Write as _;

use flowguard_core::{Code, Diagnostic, Severity, Span};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// One checked file, as the CI formats need it.
pub struct FileReport<'a> {
    /// The path as shown (relative as given on the command line).
    pub path: &'a str,
    /// The text spans refer to (an export's decoded JSON).
    pub text: &'a str,
    /// True for an Architect export: positions are in the decoded JSON.
    pub decoded: bool,
    pub diagnostics: &'a [Diagnostic],
}

/// The 1-based line and column, in characters, of a UTF-8 byte offset.
fn char_position(text: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() as u32 + 1;
    (line, before[line_start..].chars().count() as u32 + 1)
}

/// A SARIF region (characters) for a span, or `None` when positions are not the file's.
fn region(text: &str, span: Option<Span>, decoded: bool) -> Option<Value> {
    let span = span.filter(|_| !decoded)?;
    let (start_line, start_column) = char_position(text, span.start);
    let (end_line, end_column) = char_position(text, span.end.max(span.start));
    Some(json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column.max(if end_line == start_line { start_column } else { 1 }),
    }))
}

/// A SARIF location: the file, its region when `file` (the report whose text the span
/// counts in) is known, the node and the JSON Pointer as logical locations.
fn sarif_location(
    path: &str,
    file: Option<&FileReport<'_>>,
    span: Option<Span>,
    pointer: &str,
    node: Option<&str>,
) -> Value {
    let mut loc = json!({
        "physicalLocation": {"artifactLocation": {"uri": uri(path)}},
    });
    if let Some(r) = file.and_then(|f| region(f.text, span, f.decoded)) {
        loc["physicalLocation"]["region"] = r;
    }
    let mut logical = Vec::new();
    if let Some(n) = node {
        logical.push(json!({"name": n, "kind": "member"}));
    }
    if !pointer.is_empty() {
        logical.push(json!({"fullyQualifiedName": pointer, "kind": "element"}));
    }
    if !logical.is_empty() {
        loc["logicalLocations"] = Value::Array(logical);
    }
    loc
}

/// A SARIF location in another file of the run (`Related::document`): its region from
/// that file's text when it is one of the reports.
fn other_location(
    files: &[FileReport<'_>],
    path: &str,
    span: Option<Span>,
    pointer: &str,
    node: Option<&str>,
) -> Value {
    sarif_location(
        path,
        files.iter().find(|f| f.path == path),
        span,
        pointer,
        node,
    )
}

/// The path as a relative URI reference (RFC 3986): `/` separators, other bytes outside
/// the unreserved set percent-encoded.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A stable identity of a finding, independent of line numbers: code, file, node and
/// message, plus which occurrence of that combination it is.
pub fn fingerprint(
    code: Code,
    path: &str,
    node: Option<&str>,
    message: &str,
    nth: usize,
) -> String {
    let mut h = Sha256::new();
    for part in [code.code(), &uri(path), node.unwrap_or(""), message] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update(nth.to_le_bytes());
    h.finalize()
        .iter()
        .take(16)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The `rules` of the SARIF driver: every code, with its documentation.
fn rules() -> Vec<Value> {
    Code::ALL
        .iter()
        .map(|&c| {
            let rule = c.rule();
            json!({
                "id": c.code(),
                "name": c.name(),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": format!("{} {}", capitalized(rule.what), capitalized(rule.why))},
                "help": {"text": capitalized(rule.fix)},
                "helpUri": format!("{}#{}", DOCS_URI, anchor(c)),
                "defaultConfiguration": {"level": level(c.default_severity())},
            })
        })
        .collect()
}

/// The registry's fields start in lower case (they follow a bold label in docs/codes.md).
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Where docs/codes.md is published.
const DOCS_URI: &str = "https://example.invalid/flowguard/docs/codes.md";

/// The Markdown anchor of a code's section in docs/codes.md.
fn anchor(c: Code) -> String {
    format!("{}-{}", c.code().to_ascii_lowercase(), c.name())
}

/// A SARIF 2.1.0 log: one run, every rule, one result per diagnostic; files that could not
/// be read are tool execution notifications.
pub fn sarif(files: &[FileReport<'_>], unreadable: &[(String, String)]) -> Value {
    let mut results = Vec::new();
    for f in files {
        let mut seen: std::collections::HashMap<(Code, Option<&str>, &str), usize> =
            std::collections::HashMap::new();
        let location = |span, pointer: &str, node: Option<&str>| {
            sarif_location(f.path, Some(f), span, pointer, node)
        };
        for d in f.diagnostics {
            let nth = seen
                .entry((d.code, d.node.as_deref(), d.message.as_str()))
                .or_default();
            *nth += 1;
            let mut text = d.message.clone();
            if f.decoded && !d.pointer.is_empty() {
                let _ = write!(text, " (at {} in the decoded export)", d.pointer);
            }
            let mut result = json!({
                "ruleId": d.code.code(),
                "ruleIndex": Code::ALL.iter().position(|&c| c == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [location(d.span, &d.pointer, d.node.as_deref())],
                "partialFingerprints": {
                    "flowguard/v1": fingerprint(d.code, f.path, d.node.as_deref(), &d.message, *nth),
                },
                "properties": {"pointer": d.pointer, "help": d.help},
            });
            if let Some(w) = &d.witness {
                result["properties"]["witness"] = json!(w);
            }
            if !d.related.is_empty() {
                result["relatedLocations"] = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        // A place in another file of the set (a loop across flows).
                        let mut loc = match r.document() {
                            Some((other, pointer)) => {
                                other_location(files, other, r.span, pointer, r.node.as_deref())
                            }
                            None => location(r.span, &r.pointer, r.node.as_deref()),
                        };
                        loc["id"] = json!(i + 1);
                        loc["message"] = json!({"text": r.message});
                        loc
                    })
                    .collect();
            }
            results.push(result);
        }
    }
    let notifications: Vec<Value> = unreadable
        .iter()
        .map(|(path, message)| {
            json!({
                "level": "error",
                "message": {"text": message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(path)}}}],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "flowguard",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/flowguard",
                "rules": rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": unreadable.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// Escapes the message of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, one per diagnostic: `::error file=…,line=…,col=…,
/// endLine=…,endColumn=…,title=FG020 routing-loop::message`. Infos are notices.
pub fn github(out: &mut String, files: &[FileReport<'_>]) {
    for f in files {
        for d in f.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut props = format!("file={}", escape_property(f.path));
            if let Some(span) = d.span.filter(|_| !f.decoded) {
                let (line, col) = char_position(f.text, span.start);
                let (end_line, end_col) = char_position(f.text, span.end.max(span.start));
                let _ = write!(props, ",line={line},col={col},endLine={end_line}");
                if end_line == line {
                    let _ = write!(props, ",endColumn={end_col}");
                }
            }
            let title = format!("{} {}", d.code.code(), d.code.name());
            let _ = write!(props, ",title={}", escape_property(&title));
            let mut message = d.message.clone();
            if f.decoded && !d.pointer.is_empty() {
                let _ = write!(message, " (at {} in the decoded export)", d.pointer);
            }
            let _ = write!(message, "\nhelp: {}", d.help);
            let _ = writeln!(out, "::{command} {props}::{}", escape_data(&message));
        }
    }
}

/// A file that could not be read, as an error annotation on it.
pub fn github_error(out: &mut String, path: &str, message: &str) {
    let _ = writeln!(
        out,
        "::error file={},title=flowguard::{}",
        escape_property(path),
        escape_data(message)
    );
}

/// One line per diagnostic: `path:line:col: CODE message` (`path: CODE message` without
/// a position).
pub fn concise(out: &mut String, files: &[FileReport<'_>]) {
    for f in files {
        for d in f.diagnostics {
            let at = match d.span {
                Some(s) => format!("{}:{}:{}", f.path, s.line, s.column),
                None => f.path.to_owned(),
            };
            let _ = writeln!(out, "{at}: {} {}", d.code.code(), d.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "ab\né: x\n";
        assert_eq!(char_position(text, 0), (1, 1));
        assert_eq!(char_position(text, 3), (2, 1));
        assert_eq!(char_position(text, 6), (2, 3));
    }

    #[test]
    fn uris_and_escapes() {
        assert_eq!(uri("./flows/Main IVR.yaml"), "flows/Main%20IVR.yaml");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("a\nb"), "a%0Ab");
    }
}
