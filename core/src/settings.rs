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

use crate::diagnostic::{Code, Diagnostic, Location, RawDiagnostic, Severity};
use crate::syntax::PositionEncoding;
use crate::syntax::tree::{SyntaxTree, ValueId, ValueKind};

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
    /// Reads the settings from JSON text (the `[validate]` table, converted; or the object
    /// the wasm package was given). `what` names the table in messages (`[validate]` for the
    /// file, `options: \`settings\`` for the wasm package). Read with the core's own JSON
    /// reader, so the wasm package needs no second one.
    pub fn from_json(text: &str, what: &str) -> Result<Settings, String> {
        let parsed = crate::syntax::json::parse(text);
        let tree = &parsed.tree;
        let root = match (parsed.error, tree.root()) {
            (None, Some(root)) if tree.kind(root) == ValueKind::Object => root,
            _ => return Err(must(what, "a table of settings")),
        };
        let r = Read { tree };
        let mut s = Settings::default();
        for (key, _, v) in tree.members(root) {
            let at = format!("{what}.{key}");
            match key {
                "ignore" => s.ignore = r.codes(v, &at)?,
                "severity" => {
                    if tree.kind(v) != ValueKind::Object {
                        return Err(must(
                            &at,
                            "a table of codes to levels, e.g. { FG030 = \"error\" }",
                        ));
                    }
                    for (code, _, level) in tree.members(v) {
                        let code = parse_code(code, &at)?;
                        s.severity
                            .push((code, parse_level(tree.as_str(level), code, &at)?));
                    }
                }
                "max-depth" => match tree.as_u64(v) {
                    Some(n) if (1..=u64::from(u32::MAX)).contains(&n) => {
                        s.max_depth = Some(n as u32)
                    }
                    _ => return Err(must(&at, "a positive whole number")),
                },
                "queues" => s.queues = Some(r.strings(v, &at)?),
                "per-file-ignores" => s.per_file_ignores = r.pattern_table(v, &at)?,
                "per-node-ignores" => s.per_node_ignores = r.pattern_table(v, &at)?,
                _ => return Err(unknown_key(key, what)),
            }
        }
        Ok(s)
    }

    /// True when nothing is set that [`apply`] would use.
    pub fn is_empty(&self) -> bool {
        self.ignore.is_empty() && self.severity.is_empty() && self.per_node_ignores.is_empty()
    }
}

struct Read<'t> {
    tree: &'t SyntaxTree,
}

impl Read<'_> {
    fn strings(&self, v: ValueId, at: &str) -> Result<Vec<String>, String> {
        let t = self.tree;
        let list = (t.kind(v) == ValueKind::Array)
            .then(|| {
                t.children(v)
                    .map(|x| t.as_str(x).map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .flatten();
        list.ok_or_else(|| must(at, "a list of strings"))
    }

    fn codes(&self, v: ValueId, at: &str) -> Result<Vec<Code>, String> {
        let list = self
            .strings(v, at)
            .map_err(|_| must(at, "a list of codes, e.g. [\"FG012\"]"))?;
        list.iter().map(|c| parse_code(c, at)).collect()
    }

    fn pattern_table(&self, v: ValueId, at: &str) -> Result<Vec<(String, Vec<Code>)>, String> {
        if self.tree.kind(v) != ValueKind::Object {
            return Err(must(
                at,
                "a table of patterns to lists of codes, e.g. { \"legacy/*.yaml\" = [\"FG013\"] }",
            ));
        }
        self.tree
            .members(v)
            .map(|(pattern, _, list)| {
                Ok((
                    pattern.to_owned(),
                    self.codes(list, &format!("{at}.\"{pattern}\""))?,
                ))
            })
            .collect()
    }
}

/// "`at` must be `expected`": one formatting site for every shape error.
fn must(at: &str, expected: &str) -> String {
    format!("{at} must be {expected}")
}

/// The message for a key of the settings that does not exist, with a suggestion.
pub fn unknown_key(key: &str, what: &str) -> String {
    format!(
        "{what}.{key}: unknown setting{} (the settings are {})",
        did_you_mean(key, KEYS),
        KEYS.join(", ")
    )
}

/// A severity level of `severity`: `error`, `warning`, `info` or `off`.
pub fn parse_level(level: Option<&str>, code: Code, at: &str) -> Result<Level, String> {
    match level {
        Some("error") => Ok(Level::Error),
        Some("warning") => Ok(Level::Warning),
        Some("info") => Ok(Level::Info),
        Some("off") => Ok(Level::Off),
        other => Err(format!(
            "{at}.{}: the level must be one of \"error\", \"warning\", \"info\", \"off\"{}",
            code.code(),
            other.map(|o| did_you_mean(o, LEVELS)).unwrap_or_default()
        )),
    }
}

/// A code (`FG012`) or name (`unreachable-node`), or a message with a suggestion.
pub fn parse_code(s: &str, at: &str) -> Result<Code, String> {
    Code::parse(s).ok_or_else(|| {
        format!(
            "{at}: `{s}` is not a flowguard code{}",
            did_you_mean(s, &code_names(true))
        )
    })
}

/// `; did you mean `x`?` for the closest candidate within a small edit distance, or "".
pub fn did_you_mean(given: &str, candidates: &[&str]) -> String {
    let given_lower = given.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for &c in candidates {
        let d = edit_distance(&given_lower, &c.to_ascii_lowercase());
        if best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    match best {
        // Close, or differing only in case.
        Some((d, c)) if (d > 0 && d <= 2.max(given.len() / 3)) || (d == 0 && c != given) => {
            format!("; did you mean `{c}`?")
        }
        _ => String::new(),
    }
}

/// Every code (`FG012`), and with `names` every name (`unreachable-node`) too.
pub fn code_names(names: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    for c in Code::ALL {
        out.push(c.code());
        if names {
            out.push(c.name());
        }
    }
    out
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
    /// The codes named, and those that silenced something, as bit sets (bit = `Code as u32`).
    named: u64,
    used: u64,
}

// A code is a bit of a u64.
const _: () = assert!(Code::ALL.len() <= 64);

fn bit(c: Code) -> u64 {
    1 << (c as u32)
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
    let (mut sups, mut extra) = if archy && has_directive(text.as_bytes()) {
        scan(text)
    } else {
        (Vec::new(), Vec::new())
    };
    if sups.is_empty() && extra.is_empty() && settings.is_empty() {
        return;
    }
    let (cover, parent) = cover(&sups);
    // One pass: suppressions (noting which are used), then the settings. The suppressions
    // covering a line are the innermost one and its parents.
    diagnostics.retain(|d| {
        let mut keep = true;
        let line = d.span.map_or(0, |s| s.line) as usize;
        let mut at = cover.get(line).copied().unwrap_or(NONE);
        while let Some(s) = sups.get_mut(at as usize) {
            if s.named & bit(d.code) != 0 {
                s.used |= bit(d.code);
                keep = false;
            }
            at = parent[at as usize];
        }
        keep && allowed(settings, d)
    });
    for s in &sups {
        for (code, name, range) in &s.codes {
            let message = match code {
                None => format!(
                    "`{name}` in this suppression is not a flowguard code{}",
                    did_you_mean(name, &code_names(false))
                ),
                Some(c) if s.used & bit(*c) == 0 => format!(
                    "this suppression of {0} silences nothing: no {0} finding is on the action it annotates",
                    c.code()
                ),
                _ => continue,
            };
            extra.push(RawDiagnostic::new(
                Code::UnusedSuppression,
                Location {
                    pointer: String::new(),
                    range: Some(*range),
                },
                message,
                "delete the suppression (or the code) if the finding is gone, correct the code (`flowguard rules` lists them), or move the comment onto the action's line or the line above it",
            ));
        }
    }
    if !extra.is_empty() {
        for d in crate::diagnostic::resolve(extra, text, encoding) {
            if allowed(settings, &d) {
                diagnostics.push(d);
            }
        }
        // Only the FG060s added above can be out of place.
        crate::diagnostic::sort_diagnostics(diagnostics);
    }
    for (code, level) in &settings.severity {
        let severity = match level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
            Level::Off => continue,
        };
        for d in diagnostics.iter_mut() {
            if d.code == *code {
                d.severity = severity;
            }
        }
    }
}

const NONE: u32 = u32::MAX;

/// For each line, the innermost suppression covering it, and for each suppression the
/// innermost one containing it. Suppressions come in line order and their regions nest or
/// are disjoint (a region is the lines indented under its first), so one sweep with a
/// stack builds both: each diagnostic then visits only the suppressions that cover it, not
/// all of them.
fn cover(sups: &[Suppression]) -> (Vec<u32>, Vec<u32>) {
    let lines = sups.iter().map(|s| s.lines.1 as usize).max().unwrap_or(0);
    let mut cover = vec![NONE; lines];
    let mut parent = vec![NONE; sups.len()];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0;
    for (line, slot) in cover.iter_mut().enumerate().skip(1) {
        while stack
            .last()
            .is_some_and(|&top| sups[top].lines.1 as usize <= line)
        {
            stack.pop();
        }
        while next < sups.len() && sups[next].lines.0 as usize <= line {
            if sups[next].lines.0 as usize == line {
                parent[next] = stack.last().map_or(NONE, |&p| p as u32);
                stack.push(next);
            }
            next += 1;
        }
        *slot = stack.last().map_or(NONE, |&p| p as u32);
    }
    (cover, parent)
}

/// Whether the text has a `#` followed (after spaces) by `flowguard:`: most YAML has
/// comments, few have suppressions, and this skips the line scan for the rest.
fn has_directive(bytes: &[u8]) -> bool {
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'#', &bytes[at..]) {
        let rest = &bytes[at + i + 1..];
        let spaces = rest.iter().take_while(|&&b| b == b' ').count();
        if rest[spaces..].starts_with(b"flowguard:") {
            return true;
        }
        at += i + 1;
    }
    false
}

/// Whether the settings let a finding through: not ignored, not off, not ignored for its node.
fn allowed(settings: &Settings, d: &Diagnostic) -> bool {
    !settings.ignore.contains(&d.code)
        && !settings
            .severity
            .iter()
            .any(|&(c, l)| c == d.code && l == Level::Off)
        && !settings.per_node_ignores.iter().any(|(pattern, codes)| {
            codes.contains(&d.code)
                && d.node
                    .as_deref()
                    .is_some_and(|n| wildcard_match(pattern, n))
        })
}

/// Leading whitespace width of a line (spaces and tabs), and whether it has content that
/// is not a comment.
fn indent(line: &str) -> (usize, bool) {
    let n = line
        .bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    let rest = &line[n..];
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
        for line in text.split('\n') {
            v.push((start, line.strip_suffix('\r').unwrap_or(line)));
            start += line.len() + 1;
        }
        v
    };
    let mut sups = Vec::new();
    let mut bad = Vec::new();
    let mut next_content: Option<usize> = None;
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
        let named = codes.iter().fold(0, |m, (c, _, _)| m | c.map_or(0, bit));
        let target = if has_content {
            Some(n)
        } else {
            // The next line with content, found once for a run of comment lines.
            if next_content.is_none_or(|m| m <= n) {
                next_content = (n + 1..lines.len()).find(|&m| indent(lines[m].1).1);
            }
            next_content.filter(|&m| m > n)
        };
        let Some(target) = target else {
            // Nothing follows: every code is unused.
            sups.push(Suppression {
                lines: (0, 0),
                codes,
                named,
                used: 0,
            });
            continue;
        };
        // Comments on and above one action share its region: one suppression.
        if let Some(prev) = sups.last_mut()
            && prev.lines.0 as usize == target + 1
        {
            prev.codes.extend(codes);
            prev.named |= named;
            continue;
        }
        let (base, _) = indent(lines[target].1);
        let end = (target + 1..lines.len())
            .find(|&m| {
                let (i, content) = indent(lines[m].1);
                content && i <= base
            })
            .unwrap_or(lines.len());
        sups.push(Suppression {
            lines: (target as u32 + 1, end as u32 + 1),
            codes,
            named,
            used: 0,
        });
    }
    (sups, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_regions_cover_their_lines() {
        let text = "# flowguard: ignore[FG030]\ninboundCall:\n  tasks:\n    # flowguard: ignore[FG012]\n    - task:\n        name: A\n    - task: # flowguard: ignore[FG013]\n        name: B\n";
        let (sups, _) = scan(text);
        let (cover, parent) = cover(&sups);
        assert_eq!(sups.len(), 3);
        assert_eq!(cover[2], 0);
        assert_eq!(cover[5], 1);
        assert_eq!(cover[6], 1);
        assert_eq!(cover[7], 2);
        assert_eq!(parent, vec![NONE, 0, 0]);
        // Many suppressions stacked above one line share one region.
        let many = "# flowguard: ignore[FG012]\n".repeat(1000) + "inboundCall:\n  name: x\n";
        let (sups, _) = scan(&many);
        assert_eq!(sups.len(), 1);
        assert_eq!(sups[0].lines, (1001, 1004));
        assert_eq!(sups[0].codes.len(), 1000);
    }

    #[test]
    fn directives_are_found_cheaply() {
        assert!(has_directive(b"a: 1 # flowguard: ignore[FG012]"));
        assert!(has_directive(b"#flowguard:"));
        assert!(!has_directive(b"# a comment\n# flowguard is great\n#"));
    }

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
            did_you_mean("max_depth", KEYS),
            "; did you mean `max-depth`?"
        );
        assert_eq!(
            did_you_mean("FG03", &code_names(false)),
            "; did you mean `FG003`?"
        );
        assert_eq!(did_you_mean("completely-else", KEYS), "");
    }

    #[test]
    fn reads_every_key_and_refuses_unknown_ones() {
        let v = serde_json::json!({
            "ignore": ["FG012", "dead-end"],
            "severity": {"FG030": "error", "FG022": "off"},
            "max-depth": 20,
            "queues": ["Billing"],
            "per-file-ignores": {"legacy/**/*.yaml": ["FG013"]},
            "per-node-ignores": {"task:Legacy_*": ["FG012"]},
        });
        let s = Settings::from_json(&v.to_string(), "[validate]").unwrap_or_default();
        assert_eq!(s.ignore, vec![Code::UnreachableNode, Code::DeadEnd]);
        assert_eq!(s.max_depth, Some(20));
        assert_eq!(s.severity.len(), 2);
        assert_eq!(s.per_file_ignores[0].0, "legacy/**/*.yaml");
        assert_eq!(s.per_node_ignores[0].1, vec![Code::UnreachableNode]);
        let err = |v: serde_json::Value| {
            Settings::from_json(&v.to_string(), "[validate]")
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
        assert_eq!(sups[1].lines, (6, 10)); // to the end
        assert_eq!(bad.len(), 1);
    }
}
