//! What the rule registry ([`crate::rules`], in flowguard-engine: every code with its
//! documentation and examples) needs the whole core for: running an example, and the
//! documentation rendered with the messages the examples produce (`docs/codes.md`,
//! `flowguard explain`).

use crate::Options;
use crate::diagnostic::Diagnostic;
use crate::model::InputFormat;
use crate::references::{KnownFlow, SetDocument, SetOptions, check_set};
use crate::rules::{Code, Example, RETIRED};

/// Running a rule's example: an entry point's job (the registry sits below the readers and
/// the analysis, in flowguard-engine), so it is a trait here rather than methods there.
pub trait RunExample {
    /// The options of the example as `validate` takes them, or `None` for `flatten`.
    fn validate_options(&self) -> Option<Options>;
    /// The diagnostics of the example: `validate` with its options, or `flatten`'s.
    fn run(&self) -> Vec<Diagnostic>;
    /// Whether the example is a set of documents (option `set`).
    fn is_set(&self) -> bool;
    /// The diagnostics of a set example: every document's own, then the set's. Documents
    /// are separated by `# file: NAME` lines, each validated alone and then checked
    /// together; `flow=NAME` options are the org's flows.
    fn run_set(&self) -> Vec<Diagnostic>;
}

impl RunExample for Example {
    fn validate_options(&self) -> Option<Options> {
        let mut o = Options::default();
        for opt in self.options.split_whitespace() {
            match opt.split_once('=') {
                None if opt == "flatten" => return None,
                Some(("max-depth", n)) => o.checks.max_depth = n.parse().unwrap_or(15),
                Some(("action-budget", n)) => {
                    o.checks.action_budget = n.parse().unwrap_or(o.checks.action_budget)
                }
                Some(("max-bytes", n)) => o.max_bytes = n.parse().unwrap_or(o.max_bytes),
                Some(("queue", q)) => o
                    .checks
                    .known_queues
                    .get_or_insert_with(Vec::new)
                    .push(q.to_owned()),
                _ => {}
            }
        }
        Some(o)
    }

    fn run(&self) -> Vec<Diagnostic> {
        if self.is_set() {
            return self.run_set();
        }
        match self.validate_options() {
            Some(o) => crate::validate(self.text, &o).diagnostics,
            None => {
                let mut o = crate::decision::FlattenOptions::default();
                for opt in self.options.split_whitespace() {
                    if let Some(("max-conditions", n)) = opt.split_once('=') {
                        o.max_conditions = n.parse().unwrap_or(o.max_conditions);
                    }
                }
                crate::flatten(self.text, &o).diagnostics
            }
        }
    }

    fn is_set(&self) -> bool {
        self.options.split_whitespace().any(|o| o == "set")
    }

    fn run_set(&self) -> Vec<Diagnostic> {
        let mut parts: Vec<(&str, String)> = Vec::new();
        for line in self.text.lines() {
            match line.strip_prefix("# file: ") {
                Some(name) => parts.push((name.trim(), String::new())),
                None => {
                    if let Some((_, text)) = parts.last_mut() {
                        text.push_str(line);
                        text.push('\n');
                    }
                }
            }
        }
        let known: Vec<KnownFlow> = self
            .options
            .split_whitespace()
            .filter_map(|o| o.strip_prefix("flow="))
            .map(|name| KnownFlow {
                name: name.to_owned(),
                flow_type: None,
                id: None,
            })
            .collect();
        let docs: Vec<SetDocument<'_>> = parts
            .iter()
            .map(|(label, text)| SetDocument {
                label,
                text,
                format: InputFormat::Auto,
            })
            .collect();
        let options = SetOptions {
            known_flows: (!known.is_empty()).then_some(known),
            ..SetOptions::default()
        };
        let mut out: Vec<Diagnostic> = parts
            .iter()
            .flat_map(|(_, text)| crate::validate(text, &Options::default()).diagnostics)
            .collect();
        out.extend(check_set(&docs, &options).diagnostics.into_iter().flatten());
        out
    }
}

/// How the options of an example read in the documentation ("" when there are none).
fn describe_options(example: &Example) -> String {
    let parts: Vec<String> = example
        .options
        .split_whitespace()
        .map(|opt| match opt.split_once('=') {
            None if opt == "set" => {
                "the documents validated together, as `flowguard validate DIR` does".to_owned()
            }
            Some(("flow", f)) => format!("`--org`, where the org has the flow `{f}`"),
            None => format!("`flowguard {opt}`"),
            Some(("max-conditions", n)) => format!("a limit of {n} condition"),
            Some((k, v)) => format!("`--{k} {v}`"),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (with {})", parts.join(", "))
    }
}

/// Wraps `text` at `width` columns (words are never split).
fn wrap(out: &mut String, text: &str, width: usize) {
    let mut col = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if col > 0 && col + 1 + len > width {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out.push('\n');
}

const INTRO: &str = "Every finding flowguard reports has a stable code (`FG020`) and name (`routing-loop`). Codes are a public contract: they are never renumbered or reused, so CI rules and editor integrations can rely on them. Each entry says what the code means, why it matters to callers, how to fix it, and shows a document that triggers it and one that does not (the examples run as tests, and the message shown is the one flowguard gives for them). `flowguard rules` lists the codes, `flowguard explain FG020` prints an entry.";

const SEVERITIES: &str = "Severity: **error** blocks a deploy (exit 1), **warning** is worth fixing (an error under `--deny-warnings`), **info** is for your attention only. A team can change a code's severity or turn it off in `flowguard.toml` (docs/cli.md).";

const FIELDS: &str = "Every diagnostic carries `code`, `name`, `severity`, `message`, `help`, `pointer` (RFC 6901 JSON Pointer into the document; for YAML, into its JSON data model), `span` (`start`, `end`, `line`, `column`) when source text was given, `node` (the node id it is about) and `related` locations (other nodes of a loop, the condition that shadows), and, where it helps, a `witness` input. Offsets and columns count UTF-8 bytes natively; the wasm package counts UTF-16 code units unless asked otherwise.";

/// The Markdown section of one rule (as in docs/codes.md), with the message its example
/// produces.
pub fn section(code: Code) -> String {
    let r = code.rule();
    let mut out = format!("## {} {}\n\n", code.code(), code.name());
    let mut body = format!(
        "**Severity:** {}{}. **What:** {} **Why:** {} **Fix:** {}",
        code.default_severity().as_str(),
        r.severity_note,
        r.what,
        r.why,
        r.fix
    );
    // One field per line group, wrapped.
    for marker in ["**What:**", "**Why:**", "**Fix:**"] {
        body = body.replace(&format!(" {marker}"), &format!("\n{marker}"));
    }
    for line in body.lines() {
        wrap(&mut out, line, 92);
    }
    let shown = |out: &mut String, title: &str, e: &Example, with_message: bool| {
        out.push_str(&format!("\n{title}{}:\n\n", describe_options(e)));
        out.push_str(&format!("```{}\n{}", e.lang, e.text));
        if !e.text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("```\n");
        if with_message && let Some(d) = e.run().into_iter().find(|d| d.code == code) {
            let at = d
                .span
                .map(|s| format!(" (line {})", s.line))
                .unwrap_or_default();
            out.push_str(&format!("→ {}{at}: {}\n", d.severity.as_str(), d.message));
        }
    };
    shown(&mut out, "Triggers it", &r.triggers, true);
    shown(&mut out, "Does not", &r.passes, false);
    out
}

/// `docs/codes.md`: the introduction, the table of codes and one section per code.
pub fn markdown() -> String {
    let mut out = String::from("# Diagnostic codes\n\n");
    out.push_str("<!-- Generated from engine/src/rules.rs by `flowguard rules --format markdown`; do not edit by hand. -->\n\n");
    for p in [INTRO, SEVERITIES, FIELDS] {
        wrap(&mut out, p, 92);
        out.push('\n');
    }
    out.push_str("| code | name | severity | summary |\n|---|---|---|---|\n");
    for &c in Code::ALL {
        let r = c.rule();
        let sev = if r.severity_note.is_empty() {
            c.default_severity().as_str().to_owned()
        } else {
            format!("{}*", c.default_severity().as_str())
        };
        out.push_str(&format!(
            "| {} | {} | {sev} | {} |\n",
            c.code(),
            c.name(),
            r.summary
        ));
    }
    for (code, name, _) in RETIRED {
        out.push_str(&format!("| {code} | {name} | retired | |\n"));
    }
    out.push_str("\n\\* the severity can differ; the entry says when.\n");
    for &c in Code::ALL {
        out.push('\n');
        out.push_str(&section(c));
    }
    for (code, name, why) in RETIRED {
        out.push_str(&format!("\n## {code} {name} (retired)\n\n"));
        wrap(
            &mut out,
            &format!("Retired: it {why}. The number stays taken and is never reused."),
            92,
        );
    }
    out
}
