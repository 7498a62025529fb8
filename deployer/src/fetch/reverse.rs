//! `fetch --vars`: values that match a variable become `{{placeholders}}` again, so a
//! fetched flow can be committed and promoted (the reverse of `crate::vars` and
//! `flowguard_core::substitute`).
//!
//! It cannot corrupt a document:
//! * only whole string scalars are replaced (JSON string values; YAML scalar values, and
//!   the keys that name flows: `commonModule: {<Name>: …}`, `botFlow: {<Name>: …}`), and occurrences
//!   inside a scalar clearly delimited by double quotes (`FindQueue("Sales")` in an
//!   expression); a scalar is touched only where its source text is exactly its value (no
//!   escapes, no folding), so the placeholder stands for exactly the bytes it replaces;
//! * numbers, booleans and keys of JSON objects are never replaced;
//! * longest value first; two variables with the same value are refused (a fetched value
//!   could then be either); empty values are skipped;
//! * a text that already holds a `{{name}}` placeholder is refused (filling it later would
//!   change it);
//! * the result is checked before it is returned: filling it with the same values must
//!   give back the fetched text byte for byte.

use std::collections::BTreeMap;

use flowguard_core::substitute;
use flowguard_core::syntax::{SyntaxTree, ValueId, ValueKind, json, yaml};

/// The text with placeholders, and what was done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reversed {
    pub text: String,
    /// Placeholders written, by name.
    pub replaced: BTreeMap<String, usize>,
    /// Variables whose value occurs nowhere (as a whole scalar or quoted occurrence).
    pub unmatched: Vec<String>,
    /// Variables with an empty value (not reversible).
    pub skipped_empty: Vec<String>,
}

/// Which reader parses the fetched text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

struct Edit {
    start: usize,
    end: usize,
    name: String,
}

/// Turns the values of `vars` in `text` back into `{{name}}` placeholders (module docs).
pub fn reverse(
    text: &str,
    syntax: Syntax,
    vars: &BTreeMap<String, String>,
) -> Result<Reversed, String> {
    let existing = substitute::placeholders(text);
    if let Some(p) = existing.first() {
        return Err(format!(
            "the fetched flow already contains the text `{{{{{}}}}}`, which a later substitution would replace: fetch it without --var/--vars",
            p.name
        ));
    }
    let (by_value, skipped_empty) = check_values(vars)?;
    // Longest value first (ties by name, so the order is deterministic).
    let mut values: Vec<(&str, &str)> = by_value
        .iter()
        .filter_map(|(v, n)| n.first().map(|n| (*v, *n)))
        .collect();
    values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(b.1)));

    let tree = parse(text, syntax)?;
    let mut edits: Vec<Edit> = Vec::new();
    for i in 0..tree.len() {
        let id = ValueId(i as u32);
        if tree.kind(id) == ValueKind::String {
            let (s, e) = tree.span(id);
            if let Some(decoded) = tree.as_str(id) {
                scalar_edits(text, s as usize, e as usize, decoded, &values, &mut edits);
            }
        }
        if syntax == Syntax::Yaml
            && tree.kind(id) == ValueKind::Object
            && names_flows_by_key(&tree, id)
        {
            for (key, (s, e), _) in tree.members(id) {
                scalar_edits(text, s as usize, e as usize, key, &values, &mut edits);
            }
        }
    }
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len());
    let mut replaced: BTreeMap<String, usize> = BTreeMap::new();
    let mut at = 0usize;
    for e in &edits {
        if e.start < at {
            continue; // overlapping (cannot happen for distinct scalars); keep the first
        }
        out.push_str(text.get(at..e.start).unwrap_or(""));
        out.push_str("{{");
        out.push_str(&e.name);
        out.push_str("}}");
        *replaced.entry(e.name.clone()).or_default() += 1;
        at = e.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    let unmatched = values
        .iter()
        .filter(|(_, n)| !replaced.contains_key(*n))
        .map(|(_, n)| (*n).to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // The proof: filling the result with the same values gives back the fetched text.
    let used: BTreeMap<String, String> = vars
        .iter()
        .filter(|(k, _)| replaced.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match substitute::substitute(&out, &used) {
        Ok(s) if s.text == text => {}
        _ => {
            return Err(
                "turning values back into placeholders would not give back the fetched text; nothing was written (please report this)"
                    .into(),
            );
        }
    }
    Ok(Reversed {
        text: out,
        replaced,
        unmatched,
        skipped_empty,
    })
}

/// Variable names by value.
pub type ByValue<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// The non-empty values with their names, and the names of empty values; an error when
/// two variables have the same value (checked before anything is fetched).
pub fn check_values(vars: &BTreeMap<String, String>) -> Result<(ByValue<'_>, Vec<String>), String> {
    let mut by_value: ByValue<'_> = BTreeMap::new();
    let mut skipped_empty = Vec::new();
    for (name, value) in vars {
        if value.is_empty() {
            skipped_empty.push(name.clone());
        } else {
            by_value.entry(value).or_default().push(name);
        }
    }
    if let Some((value, names)) = by_value.iter().find(|(_, n)| n.len() > 1) {
        return Err(format!(
            "the variables {} have the same value `{value}`: a fetched `{value}` could stand for either; give each value to one variable only",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    Ok((by_value, skipped_empty))
}

/// Whether the members of the YAML mapping `id` are keyed by flow names: Archy's
/// `commonModule: {<Name>: …}` and `botFlow: {<Name>: …}` (real files). Other keys are
/// never replaced (a value `name` must not turn every `name:` into a placeholder).
fn names_flows_by_key(tree: &SyntaxTree, id: ValueId) -> bool {
    tree.key_of(id)
        .is_some_and(|(k, _)| matches!(k, "commonModule" | "botFlow" | "digitalBotFlow"))
}

fn parse(text: &str, syntax: Syntax) -> Result<SyntaxTree, String> {
    let (tree, error) = match syntax {
        Syntax::Json => {
            let p = json::parse(text);
            (p.tree, p.error.map(|e| (e.start, e.message)))
        }
        Syntax::Yaml => {
            let p = yaml::parse(text);
            (p.tree, p.error.map(|e| (e.start, e.message)))
        }
    };
    match error {
        Some((at, message)) => Err(format!(
            "the fetched flow does not parse (byte {at}: {message}); it was not changed"
        )),
        None => Ok(tree),
    }
}

/// Edits for one scalar whose source is `text[s..e]` and value `decoded`.
fn scalar_edits(
    text: &str,
    s: usize,
    e: usize,
    decoded: &str,
    values: &[(&str, &str)],
    edits: &mut Vec<Edit>,
) {
    let Some(raw) = text.get(s..e) else {
        return;
    };
    // Where the value's characters are: the whole span (plain) or inside the quotes.
    let inner = if raw == decoded {
        Some((s, e))
    } else if raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')))
        && raw.get(1..raw.len() - 1) == Some(decoded)
    {
        Some((s + 1, e - 1))
    } else {
        None
    };
    let Some((is, ie)) = inner else {
        return;
    };
    if let Some((_, name)) = values.iter().find(|(v, _)| *v == decoded) {
        edits.push(Edit {
            start: is,
            end: ie,
            name: (*name).to_owned(),
        });
        return;
    }
    // Occurrences delimited by double quotes inside the scalar: `"value"`.
    let bytes = decoded.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let rest = &decoded[i + 1..];
        let hit = values
            .iter()
            .find(|(v, _)| rest.starts_with(*v) && rest.as_bytes().get(v.len()) == Some(&b'"'));
        match hit {
            Some((v, name)) => {
                edits.push(Edit {
                    start: is + i + 1,
                    end: is + i + 1 + v.len(),
                    name: (*name).to_owned(),
                });
                i += v.len() + 2;
            }
            None => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fill(text: &str, v: &BTreeMap<String, String>) -> String {
        substitute::substitute(text, v)
            .map(|s| s.text)
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    const YAML: &str = r#"inboundCall:
  name: Main IVR
  description: "Main IVR for Sales"
  tasks:
    - task:
        name: Start
        actions:
          - transferToAcd:
              targetQueue:
                lit:
                  name: Sales
          - decision:
              condition:
                exp: FindQueue("Sales") != NOT_SET and Call.Ani == "Sales Team"
          - callCommonModule:
              commonModule:
                Lookup Module:
                  ver_latestPublished: {}
          - playAudio:
              audio:
                tts: Welcome to Sales
              priority: 5
"#;

    #[test]
    fn yaml_whole_scalars_keys_and_quoted_occurrences_round_trip() {
        let v = vars(&[
            ("queue", "Sales"),
            ("team", "Sales Team"),
            ("flow_name", "Main IVR"),
            ("module", "Lookup Module"),
            ("prio", "5"),
        ]);
        let r = reverse(YAML, Syntax::Yaml, &v).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.text.contains("  name: {{flow_name}}\n"), "{}", r.text);
        assert!(r.text.contains("name: {{queue}}\n"));
        assert!(r.text.contains(r#"FindQueue("{{queue}}")"#));
        assert!(r.text.contains(r#"Call.Ani == "{{team}}""#));
        assert!(r.text.contains("                {{module}}:\n"));
        // Not whole, not quoted: left alone.
        assert!(r.text.contains("\"Main IVR for Sales\""));
        assert!(r.text.contains("tts: Welcome to Sales"));
        // Numbers are never replaced.
        assert!(r.text.contains("priority: 5"));
        assert_eq!(r.unmatched, vec!["prio".to_owned()]);
        assert_eq!(r.replaced.get("queue"), Some(&2));
        // The round trip.
        assert_eq!(fill(&r.text, &v), YAML);
        // The template still reads as a flow (placeholders are masked by the reader).
        let back = flowguard_core::syntax::yaml::parse(&r.text);
        assert!(back.error.is_none());
    }

    #[test]
    fn json_values_only_and_escapes_are_left_alone() {
        let text = "{\n  \"name\": \"Main IVR\",\n  \"Main IVR\": 1,\n  \"q\": \"Sa\\u006ces\",\n  \"expr\": \"FindQueue(\\\"Sales\\\")\",\n  \"list\": [\"Sales\", \"x\"]\n}\n";
        let v = vars(&[("flow_name", "Main IVR"), ("queue", "Sales")]);
        let r = reverse(text, Syntax::Json, &v).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.text.contains("\"name\": \"{{flow_name}}\""));
        assert!(r.text.contains("\"Main IVR\": 1"), "keys stay: {}", r.text);
        assert!(r.text.contains("Sa\\u006ces"));
        assert!(r.text.contains("FindQueue(\\\"Sales\\\")"));
        assert!(r.text.contains("[\"{{queue}}\", \"x\"]"));
        assert_eq!(fill(&r.text, &v), text);
    }

    #[test]
    fn only_keys_that_name_flows_are_replaced() {
        let text = "a:\n  name: x\n  commonModule:\n    name:\n      v: 1\n";
        let v = vars(&[("n", "name")]);
        let r = reverse(text, Syntax::Yaml, &v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.text,
            "a:\n  name: x\n  commonModule:\n    {{n}}:\n      v: 1\n"
        );
        assert_eq!(fill(&r.text, &v), text);
    }

    #[test]
    fn longest_value_first_inside_quotes() {
        let text = "a:\n  exp: F(\"Sales VIP\") or F(\"Sales\")\n";
        let v = vars(&[("q", "Sales"), ("vip", "Sales VIP")]);
        let r = reverse(text, Syntax::Yaml, &v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.text, "a:\n  exp: F(\"{{vip}}\") or F(\"{{q}}\")\n");
        assert_eq!(fill(&r.text, &v), text);
    }

    #[test]
    fn refuses_ambiguity_existing_placeholders_and_bad_input() {
        let e = reverse(YAML, Syntax::Yaml, &vars(&[("a", "Sales"), ("b", "Sales")]))
            .err()
            .unwrap_or_default();
        assert!(e.contains("`a` and `b` have the same value `Sales`"), "{e}");
        let e = reverse("a: {{x}}\n", Syntax::Yaml, &vars(&[("x", "1")]))
            .err()
            .unwrap_or_default();
        assert!(e.contains("already contains the text `{{x}}`"), "{e}");
        let e = reverse("a: [\n", Syntax::Yaml, &vars(&[("x", "1")]))
            .err()
            .unwrap_or_default();
        assert!(e.contains("does not parse"), "{e}");
        let r = reverse("a: b\n", Syntax::Yaml, &vars(&[("e", ""), ("x", "b")]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.skipped_empty, vec!["e".to_owned()]);
        assert_eq!(r.text, "a: {{x}}\n");
    }

    #[test]
    fn quoted_yaml_scalars_keep_their_quotes() {
        let text = "a: 'Main IVR'\nb: \"Main IVR\"\nc: 'it''s'\n";
        let v = vars(&[("n", "Main IVR"), ("s", "it's")]);
        let r = reverse(text, Syntax::Yaml, &v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.text, "a: '{{n}}'\nb: \"{{n}}\"\nc: 'it''s'\n");
        assert_eq!(r.unmatched, vec!["s".to_owned()]);
        assert_eq!(fill(&r.text, &v), text);
    }
}
