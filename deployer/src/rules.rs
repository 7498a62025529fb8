//! `flowguard rules` and `flowguard explain`, from the core's rule registry
//! (`flowguard_core::rules`), which also gives SARIF its rule metadata and generates
//! docs/codes.md.

use flowguard_core::Code;
use serde::Serialize;

/// Output of `flowguard rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    /// A table: code, name, default severity, summary.
    Text,
    /// Every rule with what, why, how to fix and its examples.
    Json,
    /// docs/codes.md, generated.
    Markdown,
}

#[derive(Serialize)]
struct JsonExample {
    format: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    options: &'static str,
    text: &'static str,
}

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    severity_note: &'static str,
    summary: &'static str,
    what: &'static str,
    why: &'static str,
    fix: &'static str,
    triggers: JsonExample,
    passes: JsonExample,
}

fn example(e: &flowguard_core::rules::Example) -> JsonExample {
    JsonExample {
        format: e.lang,
        options: e.options,
        text: e.text,
    }
}

/// `flowguard rules`.
pub fn list(format: RulesFormat) -> String {
    match format {
        RulesFormat::Markdown => flowguard_core::rule_docs::markdown(),
        RulesFormat::Json => {
            let rules: Vec<JsonRule> = Code::ALL
                .iter()
                .map(|&c| {
                    let r = c.rule();
                    JsonRule {
                        code: c.code(),
                        name: c.name(),
                        severity: c.default_severity().as_str(),
                        severity_note: r.severity_note.trim(),
                        summary: r.summary,
                        what: r.what,
                        why: r.why,
                        fix: r.fix,
                        triggers: example(&r.triggers),
                        passes: example(&r.passes),
                    }
                })
                .collect();
            serde_json::to_string_pretty(&rules).unwrap_or_default() + "\n"
        }
        RulesFormat::Text => Code::ALL
            .iter()
            .map(|&c| {
                format!(
                    "{}  {:<26} {:<8} {}\n",
                    c.code(),
                    c.name(),
                    c.default_severity().as_str(),
                    c.rule().summary
                )
            })
            .collect(),
    }
}

/// `flowguard explain CODE`: the code's section of docs/codes.md, or an error naming the
/// closest code.
pub fn explain(code: &str) -> Result<String, String> {
    let Some(c) = Code::parse(code).or_else(|| Code::parse(&code.to_ascii_uppercase())) else {
        if let Some((c, n, why)) = flowguard_core::rules::RETIRED
            .iter()
            .find(|(c, n, _)| c.eq_ignore_ascii_case(code) || *n == code)
        {
            return Ok(format!("{c} {n} is retired: it {why}.\n"));
        }
        return Err(format!(
            "`{code}` is not a flowguard code{} (`flowguard rules` lists them)",
            flowguard_core::settings::did_you_mean(
                code,
                &flowguard_core::settings::code_names(true)
            )
        ));
    };
    Ok(flowguard_core::rule_docs::section(c))
}
