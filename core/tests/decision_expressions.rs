//! Architect expression syntax end to end: every expression of the real, published flows
//! parses; every construct of Architect's operator table is read without FG045 at the
//! `validate` level (Archy YAML and flow JSON); the analysis treats what it cannot model as
//! opaque and claims nothing about it; real syntax errors are still FG045 with a span on
//! the culprit.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use flowguard_core::decision::expr::{Expr, parse_expression, parse_value};
use flowguard_core::syntax::{ValueKind, yaml};
use flowguard_core::{Code, Diagnostic, InputFormat, Options, validate};
use proptest::prelude::*;

// ---- real flows --------------------------------------------------------------------------

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/genesys/real-flows")
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real")
}

fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

fn is_yaml(n: &str) -> bool {
    n.ends_with(".yaml") || n.ends_with(".yml")
}

/// Every `exp:` value of an Archy document, with whether it is a decision or switch
/// condition (`condition: {exp: ...}`).
fn archy_expressions(text: &str) -> Vec<(String, bool)> {
    let parsed = yaml::parse(text);
    let tree = &parsed.tree;
    let mut out = Vec::new();
    let Some(root) = tree.root() else {
        return out;
    };
    let mut stack = vec![(root, false)];
    while let Some((v, in_condition)) = stack.pop() {
        match tree.kind(v) {
            ValueKind::Object => {
                for (key, _, child) in tree.members(v) {
                    if key == "exp" {
                        if let Some(s) = tree.as_str(child) {
                            out.push((s.to_owned(), in_condition));
                        }
                    } else {
                        stack.push((child, key == "condition"));
                    }
                }
            }
            ValueKind::Array => stack.extend(tree.children(v).map(|c| (c, false))),
            _ => {}
        }
    }
    out
}

/// Every expression of a decoded Architect configuration document: the `text` of each
/// value object (one with `metaData`) whose `config` is not a literal or empty.
fn architect_expressions(text: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut out = Vec::new();
    let mut stack = vec![&json];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(map) => {
                if let (Some(serde_json::Value::String(t)), true) =
                    (map.get("text"), map.contains_key("metaData"))
                {
                    let literal = map
                        .get("config")
                        .and_then(|c| c.as_object())
                        .is_some_and(|c| c.contains_key("lit") || c.contains_key("emp"));
                    if !literal && !t.trim().is_empty() {
                        out.push(t.clone());
                    }
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

fn fg045(text: &str, format: InputFormat) -> Vec<Diagnostic> {
    let options = Options {
        format,
        ..Options::default()
    };
    validate(text, &options)
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::ExpressionSyntax)
        .collect()
}

#[test]
fn every_real_expression_parses() {
    let mut archy = files(&shared_dir().join("archy"), is_yaml);
    let shared_present = !archy.is_empty();
    archy.extend(files(&fixtures_dir(), is_yaml));
    let architect = files(&shared_dir().join("architect"), |n| {
        n.ends_with(".decoded.json")
    });
    if !shared_present {
        println!(
            "note: {} is absent; only the fixtures copied into the repository are checked",
            shared_dir().display()
        );
    }
    let mut failures = Vec::new();
    let mut count = 0;
    let mut conditions = 0;
    for path in &archy {
        let text = std::fs::read_to_string(path).unwrap();
        for (exp, is_condition) in archy_expressions(&text) {
            count += 1;
            let parsed = if is_condition {
                conditions += 1;
                parse_expression(&exp)
            } else {
                parse_value(&exp)
            };
            if let Err(e) = parsed {
                failures.push(format!("{}: {exp:?}: {e}", path.display()));
            }
        }
    }
    for path in &architect {
        let text = std::fs::read_to_string(path).unwrap();
        for exp in architect_expressions(&text) {
            count += 1;
            if let Err(e) = parse_value(&exp) {
                failures.push(format!("{}: {exp:?}: {e}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The fixtures alone hold conditions; the whole collection holds hundreds of expressions.
    assert!(conditions > 0);
    if shared_present {
        assert!(count >= 200, "only {count} expressions found");
    }
}

#[test]
fn real_flows_have_no_expression_syntax_errors() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut archy = files(&shared_dir().join("archy"), is_yaml);
    archy.extend(files(&fixtures_dir(), is_yaml));
    for path in &archy {
        let text = std::fs::read_to_string(path).unwrap();
        checked += 1;
        for d in fg045(&text, InputFormat::Archy) {
            failures.push(format!(
                "{}: {} at {}",
                path.display(),
                d.message,
                d.pointer
            ));
        }
    }
    for path in files(&shared_dir().join("architect"), |n| {
        n.ends_with(".decoded.json")
    }) {
        let text = std::fs::read_to_string(&path).unwrap();
        checked += 1;
        for d in fg045(&text, InputFormat::Architect) {
            failures.push(format!(
                "{}: {} at {}",
                path.display(),
                d.message,
                d.pointer
            ));
        }
    }
    assert!(checked > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- the operator table at the validate level ----------------------------------------------

/// Conditions that use every construct of Architect's table (each valid Architect).
const VALID: &[&str] = &[
    "Flow.list[0] == \"a\"",
    "Flow.list[Task.i + 1] != NOT_SET",
    "MakeList(1, 2, 3)[2] == 3",
    "ToPhoneNumber(Call.Ani).e164 == \"+3225551234\"",
    "Chat.Guest.customFields[Task.idx].key == \"queue\"",
    "Flow.n % 2 == 0",
    "2 ^ Flow.n > 100",
    "-Flow.n ^ 2 >= 4",
    "Flow.flags & 4 == 4",
    "(Flow.flags & 4) == 4",
    "Flow.a & Flow.b",
    "Flow.a | Flow.b",
    "Flow.a | Flow.b and Flow.c",
    "~Flow.mask == 0",
    "!Flow.isVip == Flow.other",
    "+Flow.n < 3",
    "GetCurrentDateTimeUtc() > Flow.deadline",
    "Len(Trim(Append(Call.Ani, \"x\"))) % 3 == 1",
    "Task.y == 1 and State.z == 2 or Common.w == 3",
    "Slot.x == \"a\" or Bot.x == \"b\" or Workitem.x == \"c\" or Session.x == \"d\"",
    "Message.x == 1 or Email.x == 1 or Survey.x == 1 or Memory.x == 1",
    "Interaction.x == 1 or Conversation.x == 1 or Utilities.x_2.y3 == 1",
    "Flow.a < Flow.b == Flow.c < Flow.d",
    "x == \"He said, \\\"Hi\\\"\" or x == \"Male\\\\Female\"",
    "If(\n\tContains(Task.EWT, \"H\"),\n\ttrue,\n\tfalse\n)",
    "MakeDuration(0, 0, 0, Task.s) > MakeDuration(0, 0, 0, 30)",
];

fn flow_json(conditions: &[&str]) -> String {
    let conds: Vec<String> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                r#"{{"expression": {}, "priority": {}, "target_id": "t{i}"}}"#,
                serde_json::to_string(c).unwrap(),
                conditions.len() - i
            )
        })
        .collect();
    let targets: Vec<String> = (0..conditions.len())
        .map(|i| format!(r#""t{i}": {{"type": "disconnect"}}"#))
        .collect();
    format!(
        r#"{{"start": "d", "nodes": {{
  "d": {{"type": "decision", "conditions": [{}], "transitions": {{"default": ["other"]}}}},
  "other": {{"type": "disconnect"}}, {}}}}}"#,
        conds.join(", "),
        targets.join(", ")
    )
}

fn codes(text: &str, format: InputFormat) -> Vec<(&'static str, String)> {
    let options = Options {
        format,
        ..Options::default()
    };
    validate(text, &options)
        .diagnostics
        .into_iter()
        .map(|d| (d.code.code(), d.message))
        .collect()
}

#[test]
fn every_construct_is_read_in_flow_json_without_fg045() {
    for c in VALID {
        assert!(
            parse_expression(c).is_ok(),
            "{c}: {:?}",
            parse_expression(c)
        );
        let found = codes(&flow_json(&[c]), InputFormat::Flow);
        assert!(
            found.iter().all(|(code, _)| *code != "FG045"),
            "{c}: {found:?}"
        );
    }
    // All of them in one decision.
    let found = codes(&flow_json(VALID), InputFormat::Flow);
    assert!(found.iter().all(|(code, _)| *code != "FG045"), "{found:?}");
}

#[test]
fn every_construct_is_read_in_archy_without_fg045() {
    for c in VALID {
        let yaml = format!(
            r#"inboundCall:
  name: Expressions
  division: Home
  startUpRef: "/inboundCall/tasks/task[Main_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  tasks:
    - task:
        name: Main
        refId: Main_10
        actions:
          - decision:
              name: Check
              condition:
                exp: {}
              outputs:
                yes:
                  actions:
                    - disconnect:
                        name: Yes
          - disconnect:
              name: No
"#,
            serde_json::to_string(c).unwrap()
        );
        let found = codes(&yaml, InputFormat::Archy);
        assert!(
            found.iter().all(|(code, _)| *code != "FG045"),
            "{c}: {found:?}"
        );
    }
}

/// Codes the analysis may only give when it can prove them.
const CLAIMS: &[&str] = &["FG041", "FG042", "FG044"];

fn claims(conditions: &[&str]) -> Vec<(&'static str, String)> {
    codes(&flow_json(conditions), InputFormat::Flow)
        .into_iter()
        .filter(|(code, _)| CLAIMS.contains(code))
        .collect()
}

#[test]
fn what_the_analysis_cannot_model_is_opaque() {
    // Different items, properties and operators are different unknown values: nothing is
    // shadowed, unsatisfiable or redundant.
    for pair in [
        ["Flow.list[0] == 1", "Flow.list[1] == 1"],
        ["Flow.list[0] == 1 and Flow.x == 2", "Flow.list[0] == 1"],
        [
            "ToPhoneNumber(Call.Ani).e164 == \"1\"",
            "ToPhoneNumber(Call.Ani).id == \"1\"",
        ],
        ["Flow.a & Flow.b", "Flow.a and Flow.b"],
        ["Flow.a and Flow.b", "Flow.a & Flow.b"],
        ["Flow.a | Flow.b", "Flow.a"],
        ["Flow.n % 2 == 0", "Flow.n % 2 == 1"],
        ["Flow.n % 2 == 0", "Flow.n % 3 == 0"],
        ["2 ^ Flow.n > 8", "Flow.n > 3"],
        ["!Flow.a == Flow.b", "Flow.a == Flow.b"],
        ["Flow.a < Flow.b == true", "Flow.a < Flow.b"],
        ["~Flow.m == 0", "Flow.m == -1"],
    ] {
        assert_eq!(claims(&pair), vec![], "{pair:?}");
    }
    // Not vacuous: the same term compared the same way twice is still shadowed, and an
    // impossible comparison on a term is still unsatisfiable.
    let found = claims(&["Flow.list[0] == 1", "Flow.list[0] == 1"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "FG041");
    let found = claims(&["Flow.n % 2 == 0 and Flow.n % 2 == 1"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "FG042");
}

#[test]
fn real_syntax_errors_are_still_fg045_with_a_span() {
    // (expression, the text the span must cover)
    for (expr, culprit) in [
        ("(Flow.a == 1", "("),
        ("Flow.a == 1)", ")"),
        ("Flow.a ==", "=="),
        ("Flow.a == 1 and", "and"),
        ("Flow.list[0 == 1", "["),
        ("f(Flow.a, 1", "("),
        ("Flow.a & ", "&"),
        ("Flow.a = 1", "="),
        ("Flow.a == 'x'", "'"),
    ] {
        let text = flow_json(&[expr]);
        let options = Options::default();
        let v = validate(&text, &options);
        let d = v
            .diagnostics
            .iter()
            .find(|d| d.code == Code::ExpressionSyntax)
            .unwrap_or_else(|| panic!("{expr}: no FG045 in {:?}", v.diagnostics));
        let span = d.span.as_ref().unwrap();
        assert_eq!(
            &text[span.start as usize..span.end as usize],
            culprit,
            "{expr}: {}",
            d.message
        );
    }
}

// ---- property: generated Architect expressions --------------------------------------------

fn variable() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "Flow",
            "Call",
            "Task",
            "State",
            "Common",
            "Slot",
            "Bot",
            "Workitem",
            "Session",
            "Message",
            "Email",
            "Survey",
            "Memory",
            "Interaction",
            "Conversation",
            "Utilities",
        ]),
        prop::collection::vec("[A-Za-z_][A-Za-z0-9_]{0,6}", 1..4),
    )
        .prop_map(|(scope, parts)| format!("{scope}.{}", parts.join(".")))
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        (0u32..100, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        "[a-z \\\\\"]{0,6}".prop_map(|s| {
            let mut out = String::from("\"");
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            out
        }),
        prop::sample::select(vec!["true", "FALSE", "NOT_SET", "not_set"]).prop_map(String::from),
    ]
}

/// A random expression of any type built from Architect's grammar.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![variable(), literal()].prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (
                "[A-Z][A-Za-z]{0,8}".prop_filter("not a logical function", |n| {
                    !["and", "or", "not"].contains(&n.to_ascii_lowercase().as_str())
                }),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(name, args)| format!("{name}({})", args.join(", "))),
            (inner.clone(), inner.clone()).prop_map(|(b, i)| format!("({b})[{i}]")),
            (variable(), inner.clone()).prop_map(|(b, i)| format!("{b}[{i}]")),
            (inner.clone(), "[a-z][A-Za-z0-9_]{0,5}").prop_map(|(b, name)| format!("({b}).{name}")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "^", "*", "/", "%", "+", "-", "<", "<=", ">", ">=", "==", "!=", "&", "|",
                    "and", "or", "AND", "OR",
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            (
                prop::sample::select(vec!["-", "+", "!", "~"]),
                inner.clone()
            )
                .prop_map(|(op, a)| format!("{op}({a})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Any expression built from the table parses, prints canonical text that parses back
    /// to the same tree, and as the left side of a comparison is a condition without FG045.
    #[test]
    fn generated_architect_expressions_parse(e in value()) {
        let tree = parse_value(&e);
        prop_assert!(tree.is_ok(), "{} : {:?}", e, tree);
        let tree: Expr = tree.unwrap();
        let canonical = tree.to_string();
        prop_assert_eq!(parse_value(&canonical).ok(), Some(tree), "{} printed as {}", e, canonical);
        let condition = format!("({e}) == Flow.x");
        prop_assert!(parse_expression(&condition).is_ok(), "{}", condition);
        let found = codes(&flow_json(&[&condition, "Flow.y == 1"]), InputFormat::Flow);
        prop_assert!(found.iter().all(|(code, _)| *code != "FG045"), "{}: {:?}", condition, found);
    }
}

/// Pieces of expressions, valid and not, for the token-soup property below.
const PIECES: &[&str] = &[
    "Flow.list",
    "Call.Ani",
    "x",
    "f",
    "ToPhoneNumber",
    ".e164",
    ".",
    "[",
    "]",
    "(",
    ")",
    ",",
    "0",
    "1.5",
    "\"s\"",
    "\"",
    "\\",
    "'",
    "NOT_SET",
    "true",
    "^",
    "*",
    "/",
    "%",
    "+",
    "-",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "<>",
    "=",
    "&",
    "|",
    "&&",
    "||",
    "!",
    "~",
    "and",
    "or",
    "not",
    "Not",
    " ",
    "\n",
    "é",
    "\u{a0}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any text: no panic; an error's span lies inside the text on character boundaries; a
    /// success prints canonical text that parses back to the same tree.
    #[test]
    fn token_soup_never_panics(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..40)) {
        let text: String = pieces.concat();
        for parsed in [parse_value(&text), parse_expression(&text)] {
            match parsed {
                Err(e) => {
                    prop_assert!(e.start <= e.end && e.end as usize <= text.len(), "{:?} for {:?}", e, text);
                    prop_assert!(text.is_char_boundary(e.start as usize) && text.is_char_boundary(e.end as usize));
                }
                Ok(tree) => {
                    let canonical = tree.to_string();
                    prop_assert_eq!(parse_value(&canonical).ok(), Some(tree), "{:?} printed as {:?}", text, canonical);
                }
            }
        }
    }
}
