//! A team's settings, applied after validation: codes never reported, severities changed,
//! findings silenced for some nodes, and the suppression comments written in the document.
//!
//! The settings are data (the `[validate]` table of `flowguard.toml`, or the same object
//! handed to the wasm package's `validate`); [`Settings::from_json`] reads them with a
//! clear message, and a "did you mean", for every unknown key or code. Hosts that know file
//! paths apply `per-file-ignores` themselves (the core sees one text, no path) by adding
//! the codes to [`Settings::ignore`].
//!
//! Suppression comments: in Archy YAML, `# flowguard: ignore[FG012, FG030] reason` on an
//! action's line or on the line above it silences those codes for that action and
//! everything it contains (the lines indented under it). A suppression that silences
//! nothing, names an unknown code or cannot be read is reported as FG060, so suppressions
//! do not outlive their reason.

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Location, RawDiagnostic, Severity};
use crate::syntax::PositionEncoding;

/// What a code's findings become: a severity, or `off` (not reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Info,
    Off,
}

/// The settings of `[validate]` in `flowguard.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Codes never reported (`ignore`).
    pub ignore: Vec<Code>,
    /// Severity per code (`severity`); `Off` is the same as `ignore`.
    pub severity: Vec<(Code, Level)>,
    /// FG030's limit (`max-depth`); the host's default when absent.
    pub max_depth: Option<u32>,
    /// The queues the org has (`queues`); with any given, other queues are FG050.
    pub queues: Option<Vec<String>>,
    /// File path globs and the codes not reported in matching files (`per-file-ignores`).
    /// Hosts that know paths match these; [`apply`] does not.
    pub per_file_ignores: Vec<(String, Vec<Code>)>,
    /// Node id patterns (`*` any run of characters, `?` one) and the codes not reported
    /// for matching nodes (`per-node-ignores`).
    pub per_node_ignores: Vec<(String, Vec<Code>)>,
}

/// The keys of the settings object.
pub const KEYS: &[&str] = &[
    "ignore",
    "severity",
    "max-depth",
    "queues",
    "per-file-ignores",
    "per-node-ignores",
];

const LEVELS: &[&str] = &["error", "warning", "info", "off"];

impl Settings {
    /// Reads the settings from JSON data (the `[validate]` table, converted). `what` names
    /// the table in messages (`[validate]` for the file, `settings` for the wasm package).
    pub fn from_json(value: &Value, what: &str) -> Result<Settings, String> {
        let Value::Object(map) = value else {
            return Err(format!("{what} must be a table of settings"));
        };
        let mut s = Settings::default();
        for (key, v) in map {
            let at = format!("{what}.{key}");
            match key.as_str() {
                "ignore" => s.ignore = codes(v, &at)?,
                "severity" => {
                    let Value::Object(m) = v else {
                        return Err(format!(
                            "{at} must be a table of codes to levels, e.g. {{ FG030 = \"error\" }}"
                        ));
                    };
                    for (code, level) in m {
                        let code = code_of(code, &at)?;
                        let level = match level.as_str() {
                            Some("error") => Level::Error,
                            Some("warning") => Level::Warning,
                            Some("info") => Level::Info,
                            Some("off") => Level::Off,
                            other => {
                                let hint = other.map(|o| did_you_mean(o, LEVELS.iter().copied()));
                                return Err(format!(
                                    "{at}.{}: the level must be one of \"error\", \"warning\", \"info\", \"off\"{}",
                                    code.code(),
                                    hint.unwrap_or_default()
                                ));
                            }
                        };
                        s.severity.push((code, level));
                    }
                }
                "max-depth" => match v.as_u64() {
                    Some(n) if (1..=u64::from(u32::MAX)).contains(&n) => {
                        s.max_depth = Some(n as u32)
                    }
                    _ => return Err(format!("{at} must be a positive whole number")),
                },
                "queues" => s.queues = Some(strings(v, &at)?),
                "per-file-ignores" => s.per_file_ignores = pattern_table(v, &at)?,
                "per-node-ignores" => s.per_node_ignores = pattern_table(v, &at)?,
                _ => {
                    return Err(format!(
                        "{at}: unknown setting{} (the settings are {})",
                        did_you_mean(key, KEYS.iter().copied()),
                        KEYS.join(", ")
                    ));
                }
            }
        }
        Ok(s)
    }

    /// True when nothing is set that [`apply`] would use.
    pub fn is_empty(&self) -> bool {
        self.ignore.is_empty() && self.severity.is_empty() && self.per_node_ignores.is_empty()
    }
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .and_then(|a| {
            a.iter()
                .map(|x| x.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| format!("{at} must be a list of strings"))
}

fn codes(v: &Value, at: &str) -> Result<Vec<Code>, String> {
    let list = v
        .as_array()
        .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
        .ok_or_else(|| format!("{at} must be a list of codes, e.g. [\"FG012\"]"))?;
    list.into_iter().map(|c| code_of(c, at)).collect()
}

fn code_of(s: &str, at: &str) -> Result<Code, String> {
    Code::parse(s).ok_or_else(|| {
        format!(
            "{at}: `{s}` is not a flowguard code{}",
            did_you_mean(s, Code::ALL.iter().flat_map(|c| [c.code(), c.name()]))
        )
    })
}

fn pattern_table(v: &Value, at: &str) -> Result<Vec<(String, Vec<Code>)>, String> {
    let Value::Object(m) = v else {
        return Err(format!(
            "{at} must be a table of patterns to lists of codes, e.g. {{ \"legacy/*.yaml\" = [\"FG013\"] }}"
        ));
    };
    m.iter()
        .map(|(pattern, list)| {
            Ok((
                pattern.clone(),
                codes(list, &format!("{at}.\"{pattern}\""))?,
            ))
        })
        .collect()
}

/// `; did you mean `x`?` for the closest candidate within a small edit distance, or "".
pub fn did_you_mean<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let given_lower = given.to_ascii_lowercase();
    let best = candidates
        .map(|c| (edit_distance(&given_lower, &c.to_ascii_lowercase()), c))
        .min_by_key(|&(d, _)| d);
    match best {
        Some((d, c)) if d > 0 && d <= 2.max(given.len() / 3) => format!("; did you mean `{c}`?"),
        // Differs only in case.
        Some((0, c)) if c != given => format!("; did you mean `{c}`?"),
        _ => String::new(),
    }
}

/// Levenshtein distance (short strings: keys and codes).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (including
/// `/`) and `?` any one character. Linear in practice (one backtrack point).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// One `# flowguard: ignore[...]` comment.
#[derive(Debug)]
struct Suppression {
    /// Lines it covers (1-based, inclusive start, exclusive end).
    lines: (u32, u32),
    /// Each code named, with its byte range in the text; `None` for a name that is not a code.
    codes: Vec<(Option<Code>, String, (u32, u32))>,
    used: Vec<bool>,
}

/// Applies the settings and the document's suppression comments to `diagnostics` (as
/// [`crate::validate`] returns them, positions in `encoding`). `text` is the document,
/// scanned for suppressions when `archy` is true.
pub fn apply(
    settings: &Settings,
    text: &str,
    archy: bool,
    encoding: PositionEncoding,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut extra = Vec::new();
    if archy && memchr::memmem::find(text.as_bytes(), b"flowguard:").is_some() {
        let (mut sups, bad) = scan(text);
        extra.extend(bad);
        diagnostics.retain(|d| {
            let Some(line) = d.span.map(|s| s.line) else {
                return true;
            };
            let mut keep = true;
            for s in &mut sups {
                if line < s.lines.0 || line >= s.lines.1 {
                    continue;
                }
                for (i, (code, _, _)) in s.codes.iter().enumerate() {
                    if *code == Some(d.code) {
                        s.used[i] = true;
                        keep = false;
                    }
                }
            }
            keep
        });
        for s in &sups {
            for (i, (code, name, range)) in s.codes.iter().enumerate() {
                let at = Location {
                    pointer: String::new(),
                    range: Some(*range),
                };
                match code {
                    None => extra.push(RawDiagnostic::new(
                        Code::UnusedSuppression,
                        at,
                        format!(
                            "`{name}` in this suppression is not a flowguard code{}",
                            did_you_mean(name, Code::ALL.iter().map(|c| c.code()))
                        ),
                        "name the codes to silence, e.g. `# flowguard: ignore[FG012] reason`; `flowguard rules` lists them",
                    )),
                    Some(c) if !s.used[i] => extra.push(RawDiagnostic::new(
                        Code::UnusedSuppression,
                        at,
                        format!(
                            "this suppression of {} silences nothing: no {} finding is on the action it annotates",
                            c.code(),
                            c.code()
                        ),
                        "delete the suppression (or the code) now that the finding is gone, or move it onto the action's line or the line above",
                    )),
                    _ => {}
                }
            }
        }
    }
    if !extra.is_empty() {
        diagnostics.extend(crate::resolve(extra, text, encoding));
    }
    if !settings.is_empty() {
        diagnostics.retain(|d| {
            !settings.ignore.contains(&d.code)
                && !settings.per_node_ignores.iter().any(|(pattern, codes)| {
                    codes.contains(&d.code)
                        && d.node
                            .as_deref()
                            .is_some_and(|n| wildcard_match(pattern, n))
                })
        });
        for (code, level) in &settings.severity {
            let severity = match level {
                Level::Error => Severity::Error,
                Level::Warning => Severity::Warning,
                Level::Info => Severity::Info,
                Level::Off => {
                    diagnostics.retain(|d| d.code != *code);
                    continue;
                }
            };
            for d in diagnostics.iter_mut().filter(|d| d.code == *code) {
                d.severity = severity;
            }
        }
    }
    if !extra_is_sorted(diagnostics) {
        crate::graph::order::sort_by(diagnostics, |a, b| key(a).cmp(&key(b)));
    }
}

fn key(d: &Diagnostic) -> (u32, Code, Option<&str>, &str) {
    (
        d.span.map_or(u32::MAX, |s| s.start),
        d.code,
        d.node.as_deref(),
        &d.message,
    )
}

fn extra_is_sorted(d: &[Diagnostic]) -> bool {
    d.windows(2).all(|w| key(&w[0]) <= key(&w[1]))
}

/// Leading whitespace width of a line (spaces and tabs), and whether it has content that
/// is not a comment.
fn indent(line: &str) -> (usize, bool) {
    let rest = line.trim_start_matches([' ', '\t']);
    (
        line.len() - rest.len(),
        !(rest.is_empty() || rest.starts_with('#')),
    )
}

/// The byte offset of a `#` that starts a YAML comment on `line`, if any: at the start of
/// the line or after whitespace, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && (prev == ' ' || prev == '\t' || i == 0) => {
                return Some(i);
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// Finds the suppression comments, and FG060 for comments it cannot read.
fn scan(text: &str) -> (Vec<Suppression>, Vec<RawDiagnostic>) {
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            v.push((start, line.trim_end_matches(['\n', '\r'])));
            start += line.len();
        }
        v
    };
    let mut sups = Vec::new();
    let mut bad = Vec::new();
    for (n, &(start, line)) in lines.iter().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = &line[hash + 1..];
        let body = comment.trim_start();
        let Some(rest) = body.strip_prefix("flowguard:") else {
            continue;
        };
        let body_at = start + hash + 1 + (comment.len() - body.len());
        let rest_t = rest.trim_start();
        let rest_at = body_at + "flowguard:".len() + (rest.len() - rest_t.len());
        let parsed = rest_t.strip_prefix("ignore[").and_then(|r| {
            r.find(']')
                .map(|end| (&r[..end], rest_at + "ignore[".len()))
        });
        let Some((list, list_at)) = parsed else {
            bad.push(RawDiagnostic::new(
                Code::UnusedSuppression,
                Location {
                    pointer: String::new(),
                    range: Some((body_at as u32, (start + line.len()) as u32)),
                },
                "this flowguard comment is not understood",
                "write `# flowguard: ignore[FG012, FG030] reason` on the action's line or the line above it",
            ));
            continue;
        };
        let mut codes = Vec::new();
        let mut at = list_at;
        for part in list.split(',') {
            let name = part.trim();
            let offset = at + (part.len() - part.trim_start().len());
            at += part.len() + 1;
            if name.is_empty() {
                continue;
            }
            codes.push((
                Code::parse(name),
                name.to_owned(),
                (offset as u32, (offset + name.len()) as u32),
            ));
        }
        // The annotated line: this one when the comment follows content, otherwise the
        // next line with content.
        let has_content = !line[..hash].trim().is_empty();
        let target = if has_content {
            Some(n)
        } else {
            (n + 1..lines.len()).find(|&m| indent(lines[m].1).1)
        };
        let Some(target) = target else {
            // Nothing follows: every code is unused.
            let used = vec![false; codes.len()];
            sups.push(Suppression {
                lines: (0, 0),
                codes,
                used,
            });
            continue;
        };
        let (base, _) = indent(lines[target].1);
        let end = (target + 1..lines.len())
            .find(|&m| {
                let (i, content) = indent(lines[m].1);
                content && i <= base
            })
            .unwrap_or(lines.len());
        let used = vec![false; codes.len()];
        sups.push(Suppression {
            lines: (target as u32 + 1, end as u32 + 1),
            codes,
            used,
        });
    }
    (sups, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("task:Legacy_*", "task:Legacy_12"));
        assert!(wildcard_match("task:Legacy_*", "task:Legacy_12/3"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(!wildcard_match("task:Legacy_*", "menu:Legacy_12"));
        assert!(wildcard_match("*/end", "task:X_1/end"));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("max_depth", KEYS.iter().copied()),
            "; did you mean `max-depth`?"
        );
        assert_eq!(
            did_you_mean("FG03", Code::ALL.iter().map(|c| c.code())),
            "; did you mean `FG003`?"
        );
        assert_eq!(did_you_mean("completely-else", KEYS.iter().copied()), "");
    }

    #[test]
    fn reads_every_key_and_refuses_unknown_ones() {
        let v: Value = serde_json::json!({
            "ignore": ["FG012", "dead-end"],
            "severity": {"FG030": "error", "FG022": "off"},
            "max-depth": 20,
            "queues": ["Billing"],
            "per-file-ignores": {"legacy/**/*.yaml": ["FG013"]},
            "per-node-ignores": {"task:Legacy_*": ["FG012"]},
        });
        let s = Settings::from_json(&v, "[validate]").unwrap_or_default();
        assert_eq!(s.ignore, vec![Code::UnreachableNode, Code::DeadEnd]);
        assert_eq!(s.max_depth, Some(20));
        assert_eq!(s.severity.len(), 2);
        assert_eq!(s.per_file_ignores[0].0, "legacy/**/*.yaml");
        assert_eq!(s.per_node_ignores[0].1, vec![Code::UnreachableNode]);
        let err = |v: Value| {
            Settings::from_json(&v, "[validate]")
                .err()
                .unwrap_or_default()
        };
        assert!(err(serde_json::json!({"ignor": []})).contains("did you mean `ignore`"));
        assert!(err(serde_json::json!({"ignore": ["FG12"]})).contains("did you mean `FG012`"));
        assert!(err(serde_json::json!({"severity": {"FG030": "erorr"}})).contains("`error`"));
        assert!(err(serde_json::json!({"max-depth": 0})).contains("positive"));
    }

    #[test]
    fn scans_suppressions() {
        let text = "inboundCall:\n  tasks:\n    # flowguard: ignore[FG012, FG999] kept\n    - task:\n        name: A\n    - task: # flowguard: ignore[FG013]\n        name: B\n  # flowguard: nonsense\n";
        let (sups, bad) = scan(text);
        assert_eq!(sups.len(), 2);
        assert_eq!(sups[0].lines, (4, 6));
        assert_eq!(sups[0].codes.len(), 2);
        assert_eq!(sups[0].codes[1].0, None);
        let (s, e) = sups[0].codes[1].2;
        assert_eq!(&text[s as usize..e as usize], "FG999");
        assert_eq!(sups[1].lines, (6, 9));
        assert_eq!(bad.len(), 1);
    }
}
