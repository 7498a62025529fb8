//! What each code means, for `flowguard rules`, `flowguard explain` and SARIF's rule
//! metadata: read from `docs/codes.md` (compiled in), whose sections a core test keeps in
//! step with the codes.

use flowguard_core::Code;
use serde::Serialize;

const CODES_MD: &str = include_str!("../../docs/codes.md");

/// One code's documentation.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    /// The first sentence of "What".
    pub summary: String,
    pub what: String,
    pub why: String,
    pub fix: String,
    /// The section as written in docs/codes.md (Markdown).
    #[serde(skip)]
    pub markdown: String,
}

/// The section of `code` in docs/codes.md, from its heading to the next.
fn section(code: Code) -> &'static str {
    let heading = format!("## {} {}", code.code(), code.name());
    let Some(start) = CODES_MD.find(&heading) else {
        return "";
    };
    let rest = &CODES_MD[start..];
    let end = rest[heading.len()..]
        .find("\n## ")
        .map_or(rest.len(), |i| i + heading.len() + 1);
    rest[..end].trim_end()
}

/// The text after `**label:**` up to the next bold label or blank line, joined into one line.
fn field(section: &str, label: &str) -> String {
    let marker = format!("**{label}:**");
    let Some(start) = section.find(&marker) else {
        return String::new();
    };
    let mut out = Vec::new();
    for (i, line) in section[start + marker.len()..].lines().enumerate() {
        if line.trim().is_empty() || (i > 0 && line.starts_with("**")) || line.starts_with("```") {
            break;
        }
        out.push(line.trim());
    }
    out.join(" ")
}

fn first_sentence(s: &str) -> String {
    let end = s
        .match_indices(". ")
        .map(|(i, _)| i)
        .find(|&i| !s[..i].ends_with("e.g") && !s[..i].ends_with("i.e"))
        .map_or(s.len(), |i| i + 1);
    let mut out = s[..end].trim().to_owned();
    if let Some(first) = out.get(..1) {
        let upper = first.to_uppercase();
        out.replace_range(..1, &upper);
    }
    out
}

pub fn rule(code: Code) -> Rule {
    let s = section(code);
    let what = field(s, "What");
    Rule {
        code: code.code(),
        name: code.name(),
        severity: code.default_severity().as_str(),
        summary: first_sentence(&what),
        why: field(s, "Why"),
        fix: field(s, "Fix"),
        what,
        markdown: s.to_owned(),
    }
}

pub fn all() -> Vec<Rule> {
    Code::ALL.iter().map(|&c| rule(c)).collect()
}

/// `flowguard rules`: a table (code, name, default severity, summary) or JSON.
pub fn list(json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(&all()).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for r in all() {
        out.push_str(&format!(
            "{}  {:<26} {:<8} {}\n",
            r.code, r.name, r.severity, r.summary
        ));
    }
    out
}

/// `flowguard explain CODE`: the code's documentation, or an error naming the closest code.
pub fn explain(code: &str) -> Result<String, String> {
    let Some(c) = Code::parse(code).or_else(|| Code::parse(&code.to_ascii_uppercase())) else {
        return Err(format!(
            "`{code}` is not a flowguard code{} (`flowguard rules` lists them)",
            flowguard_core::settings::did_you_mean(
                code,
                Code::ALL.iter().flat_map(|c| [c.code(), c.name()])
            )
        ));
    };
    Ok(section(c).to_owned() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_what_why_and_fix() {
        for r in all() {
            assert!(!r.summary.is_empty(), "{} has no summary", r.code);
            assert!(!r.why.is_empty(), "{} has no why", r.code);
            assert!(!r.fix.is_empty(), "{} has no fix", r.code);
        }
    }
}
