//! Write-back of flattened decision trees into Archy YAML: one `switch` per tree, every
//! byte outside the rewritten item unchanged, CRLF kept, the output reads back without
//! errors and routes every input as the original did. The reference router below walks
//! the model the reader builds and evaluates conditions with its own small parser, so it
//! does not share the certificate's evaluator.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use flowguard_core::decision::{DecisionStatus, FlattenOptions, FlattenPlan};
use flowguard_core::flatten;
use flowguard_core::formats::{self, archy_writer};
use flowguard_core::{InputFormat, NodeKind, Options, Severity, validate};
use proptest::prelude::*;

fn fixture() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archy/nested-decisions.yaml"),
    )
    .unwrap()
}

// ---- reference router ------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum V {
    NotSet,
    Num(f64),
    Bool(bool),
    Str(&'static str),
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }
    fn eat(&mut self, w: &str) -> bool {
        self.ws();
        let b = w.as_bytes();
        if self.s[self.i..].starts_with(b) {
            let next = self.s.get(self.i + b.len()).copied().unwrap_or(b' ');
            if b[0].is_ascii_alphabetic() && (next.is_ascii_alphanumeric() || next == b'_') {
                return false;
            }
            self.i += b.len();
            return true;
        }
        false
    }
    fn or(&mut self, env: &BTreeMap<String, V>) -> bool {
        let mut v = self.and(env);
        while self.eat("or") {
            let r = self.and(env);
            v = v || r;
        }
        v
    }
    fn and(&mut self, env: &BTreeMap<String, V>) -> bool {
        let mut v = self.atom(env);
        while self.eat("and") {
            let r = self.atom(env);
            v = v && r;
        }
        v
    }
    fn atom(&mut self, env: &BTreeMap<String, V>) -> bool {
        if self.eat("(") {
            let v = self.or(env);
            assert!(self.eat(")"));
            return v;
        }
        self.ws();
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
        {
            self.i += 1;
        }
        let var = std::str::from_utf8(&self.s[start..self.i]).unwrap();
        let left = env.get(var).cloned().unwrap_or(V::NotSet);
        let op = ["==", "!=", "<=", ">=", "<", ">"]
            .into_iter()
            .find(|op| self.eat(op))
            .expect("operator");
        let right = if self.eat("true") {
            V::Bool(true)
        } else if self.eat("false") {
            V::Bool(false)
        } else if self.eat("\"es\"") {
            V::Str("es")
        } else {
            self.ws();
            let start = self.i;
            while self
                .s
                .get(self.i)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'-' || *c == b'.')
            {
                self.i += 1;
            }
            V::Num(
                std::str::from_utf8(&self.s[start..self.i])
                    .unwrap()
                    .parse()
                    .unwrap(),
            )
        };
        match (op, left, right) {
            ("==", l, r) => l == r,
            ("!=", l, r) => l != r,
            (op, V::Num(l), V::Num(r)) => match op {
                "<" => l < r,
                "<=" => l <= r,
                ">" => l > r,
                _ => l >= r,
            },
            _ => false,
        }
    }
}

fn truth(expr: &str, env: &BTreeMap<String, V>) -> bool {
    let mut p = P {
        s: expr.as_bytes(),
        i: 0,
    };
    let v = p.or(env);
    p.ws();
    assert_eq!(p.i, expr.len(), "trailing text in {expr}");
    v
}

/// Where a call ends in an Archy document: the queue of the transfer it reaches (after the
/// names of the actions it passed on the way), the end of the task, or `stuck`.
fn route(flow: &flowguard_core::Flow, env: &BTreeMap<String, V>) -> String {
    let nodes: HashMap<&str, &flowguard_core::Node> =
        flow.nodes.iter().map(|n| (flow.id_of(n), n)).collect();
    let tree = &flow.tree;
    // The `name` an action is written with (ids are paths, which the rewrite changes).
    let name = |n: &flowguard_core::Node| {
        n.origin
            .value
            .and_then(|v| tree.members(v).next())
            .and_then(|(_, _, body)| tree.get(body, "name"))
            .and_then(|v| tree.text(v))
            .map_or_else(|| flow.id_of(n).to_owned(), str::to_owned)
    };
    let mut at = flow.start_id().unwrap().to_owned();
    let mut heard = String::new();
    for _ in 0..500 {
        let n = nodes[at.as_str()];
        if let Some(q) = &n.queue {
            return format!("{heard}{}", q.name);
        }
        if n.kind == NodeKind::End {
            return format!("{heard}{}", name(n));
        }
        if n.type_name == "playAudio" || n.type_name == "setLanguage" {
            heard.push_str(&format!("{}|", name(n)));
        }
        let next = if n.kind == NodeKind::Decision {
            let mut order: Vec<usize> = (0..n.conditions.len()).collect();
            order.sort_by(|&a, &b| {
                n.conditions[b]
                    .priority
                    .total_cmp(&n.conditions[a].priority)
                    .then(a.cmp(&b))
            });
            order
                .into_iter()
                .find(|&c| truth(&n.conditions[c].expression, env))
                .map(|c| flow.name(n.conditions[c].target).to_owned())
                .or_else(|| n.default_edge().map(|e| flow.name(e.target).to_owned()))
        } else {
            n.edges.first().map(|e| flow.name(e.target).to_owned())
        };
        match next {
            Some(t) => at = t,
            None => return "stuck".into(),
        }
    }
    "loop".into()
}

fn grid(vars: &[&str]) -> Vec<BTreeMap<String, V>> {
    let values = [
        V::NotSet,
        V::Num(-1.0),
        V::Num(0.0),
        V::Num(1.0),
        V::Num(2.0),
        V::Num(2.5),
        V::Num(3.0),
        V::Num(4.0),
        V::Num(5.0),
        V::Num(10000.0),
        V::Num(10001.0),
        V::Bool(true),
        V::Bool(false),
        V::Str("es"),
        V::Str("ES"),
        V::Str("en"),
    ];
    let mut out = vec![BTreeMap::new()];
    for v in vars {
        let mut next = Vec::new();
        for env in &out {
            for x in &values {
                let mut e = env.clone();
                e.insert((*v).to_owned(), x.clone());
                next.push(e);
            }
        }
        out = next;
    }
    out
}

fn assert_same_routing(before: &str, after: &str, vars: &[&str]) {
    let read = |t: &str| {
        let r = formats::read(t, InputFormat::Archy);
        assert!(!r.fatal);
        r.flow
    };
    let (b, a) = (read(before), read(after));
    for env in grid(vars) {
        assert_eq!(
            route(&b, &env),
            route(&a, &env),
            "input {env:?}\nbefore:\n{before}\nafter:\n{after}"
        );
    }
}

fn errors(text: &str) -> Vec<String> {
    validate(text, &Options::default())
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {}", d.code.code(), d.message))
        .collect()
}

// ---- tests -------------------------------------------------------------------------------

#[test]
fn empty_plan_returns_the_input_byte_for_byte() {
    let mut texts = vec![fixture(), fixture().replace('\n', "\r\n")];
    for dir in ["../examples/archy", "tests/fixtures/real"] {
        for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                texts.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    for text in texts {
        let out = archy_writer::write(
            &text,
            &FlattenPlan::default(),
            &flowguard_core::recheck(&[], 1 << 16),
        );
        assert_eq!(out.text, text);
        assert!(out.diagnostics.is_empty() && out.refused.is_empty());
        // Nothing to flatten: the document comes back unchanged.
        let flat = flatten(&text, &FlattenOptions::default());
        if flat.plan.decisions.is_empty() {
            assert_eq!(flat.document.as_deref(), Some(text.as_str()));
        }
    }
}

#[test]
fn a_nested_tree_becomes_one_switch() {
    let text = fixture();
    let out = flatten(&text, &FlattenOptions::default());
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.reports[0].status, DecisionStatus::Flattened);
    assert!(out.certificate.all_applied_certified);
    assert!(out.certificate.decisions.iter().all(|c| c.certified));
    let doc = out.document.clone().unwrap();
    insta::assert_snapshot!("archy_nested_document", doc);
    insta::assert_json_snapshot!(
        "archy_nested_outcome",
        (&out.plan, &out.reports, &out.certificate)
    );

    // Every byte before the root item and after it is unchanged.
    let start = text.find("decision:   # the tree starts here").unwrap();
    let tail = "\n          # everyone else ends up here";
    let end = text.find(tail).unwrap();
    assert_eq!(&doc[..start], &text[..start]);
    assert_eq!(&doc[doc.find(tail).unwrap()..], &text[end..]);
    assert!(doc[start..].starts_with("switch:\n"));

    // It reads back without errors, has nothing left to flatten, and routes as before.
    assert!(errors(&doc).is_empty(), "{:?}", errors(&doc));
    let again = flatten(&doc, &FlattenOptions::default());
    assert_eq!(again.document.as_deref(), Some(doc.as_str()));
    assert!(again.plan.decisions.is_empty());
    assert_same_routing(&text, &doc, &["Flow.vip", "Flow.balance", "Flow.language"]);
}

#[test]
fn crlf_stays_crlf() {
    let lf = flatten(&fixture(), &FlattenOptions::default())
        .document
        .unwrap();
    let text = fixture().replace('\n', "\r\n");
    let out = flatten(&text, &FlattenOptions::default());
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    let doc = out.document.unwrap();
    assert_eq!(doc, lf.replace('\n', "\r\n"));
    assert_eq!(doc.matches('\n').count(), doc.matches("\r\n").count());
    assert!(errors(&doc).is_empty());
}

/// Actions after a nested decision run after each of its branches: the switch copies them
/// into every case that runs them.
#[test]
fn actions_after_a_nested_decision_are_copied_into_each_case() {
    let text = "\
inboundCall:
  name: Copies
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - decision:
              name: A
              condition:
                exp: Flow.a > 3
              outputs:
                yes:
                  actions:
                    - decision:
                        name: B
                        condition:
                          exp: Flow.b == 1 or Flow.b == 2
                        outputs:
                          yes:
                            actions:
                              - playAudio:
                                  name: B yes
                                  audio:
                                    tts: |
                                      Two lines
                                        kept as they are
                    - playAudio:
                        name: after B
                        audio:
                          tts: after
          - transferToAcd:
              name: Main queue
              targetQueue:
                lit:
                  name: Main
";
    let out = flatten(text, &FlattenOptions::default());
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    let doc = out.document.unwrap();
    insta::assert_snapshot!("archy_copies_document", doc);
    assert_eq!(doc.matches("name: after B").count(), 2);
    assert!(doc.contains("exp: Flow.a > 3 and (Flow.b == 1 or Flow.b == 2)"));
    assert!(errors(&doc).is_empty());
    assert_same_routing(text, &doc, &["Flow.a", "Flow.b"]);
}

#[test]
fn what_cannot_be_copied_is_refused_and_the_rest_is_written() {
    // The first tree would copy an action holding a `refId` into two cases; the second is
    // written.
    let text = "\
inboundCall:
  name: Refusals
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - decision:
              name: A
              condition:
                exp: Flow.a > 3
              outputs:
                yes:
                  actions:
                    - decision:
                        name: B
                        condition:
                          exp: Flow.b == 1
                        outputs:
                          yes:
                            actions:
                              - disconnect:
                                  name: bye
                    - someAction:
                        name: unique
                        refId: thing_1
          - decision:
              name: C
              condition:
                exp: Flow.c > 1
              outputs:
                no:
                  actions:
                    - decision:
                        name: D
                        condition:
                          exp: Flow.d < 2
                        outputs:
                          no:
                            actions:
                              - disconnect:
                                  name: bye
";
    let out = flatten(text, &FlattenOptions::default());
    let fg046: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code.code() == "FG046")
        .collect();
    assert_eq!(fg046.len(), 1, "{:#?}", out.diagnostics);
    assert_eq!(fg046[0].severity, Severity::Warning);
    assert!(fg046[0].message.contains("refId"), "{}", fg046[0].message);
    assert_eq!(fg046[0].node.as_deref(), Some("task:Main_1/0"));
    let status: Vec<_> = out.reports.iter().map(|r| r.status).collect();
    assert_eq!(
        status,
        [DecisionStatus::NotFlattened, DecisionStatus::Flattened]
    );
    assert!(out.reports[0].reason.as_deref().unwrap().contains("refId"));
    assert_eq!(out.plan.decisions.len(), 1);
    assert_eq!(out.plan.decisions[0].node_id, "task:Main_1/1");
    assert!(out.certificate.all_applied_certified);
    let doc = out.document.unwrap();
    // The refused tree is byte for byte as it was.
    let second = text
        .find("          - decision:\n              name: C")
        .unwrap();
    assert_eq!(&doc[..second], &text[..second]);
    assert!(doc[second..].starts_with("          - switch:\n              name: C"));
    assert_same_routing(text, &doc, &["Flow.a", "Flow.b", "Flow.c", "Flow.d"]);
}

#[test]
fn a_plan_the_text_cannot_hold_is_refused() {
    let text = fixture();
    let mut plan = flatten(&text, &FlattenOptions::default()).plan;
    // A target in another place than the tree and its continuation.
    plan.decisions[0].conditions[0].target = "task:Route_10/0".into();
    let out = archy_writer::write(&text, &plan, &flowguard_core::recheck(&[], 1 << 16));
    assert_eq!(out.text, text);
    assert_eq!(out.refused.len(), 1);
    assert!(
        out.refused[0].1.contains("task:Route_10/0"),
        "{:?}",
        out.refused
    );
    // A condition text the certificate disproves: written, read back, and refused.
    let mut plan = flatten(&text, &FlattenOptions::default()).plan;
    plan.decisions[0].conditions[0].expression = "Flow.balance > 10000".into();
    let out = archy_writer::write(&text, &plan, &flowguard_core::recheck(&[], 1 << 16));
    assert_eq!(out.text, text);
    assert_eq!(out.refused.len(), 1);
    assert!(out.refused[0].1.contains("certified"), "{:?}", out.refused);
}

// ---- property: random nested trees --------------------------------------------------------

#[derive(Clone, Debug)]
enum Tree {
    /// Actions that end the call at a queue (or nothing: continue after the decision).
    Leaf(Option<u8>),
    Decision {
        cond: String,
        yes: Box<Tree>,
        no: Box<Tree>,
        /// A `playAudio` after the nested decision in its branch.
        after: bool,
    },
}

fn cond() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["Flow.x", "Flow.y"]),
        prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]),
        0u8..5,
    )
        .prop_map(|(v, op, n)| format!("{v} {op} {n}"))
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop::option::weighted(0.7, 0u8..4).prop_map(Tree::Leaf);
    leaf.prop_recursive(4, 24, 2, |inner| {
        (cond(), inner.clone(), inner, any::<bool>()).prop_map(|(cond, yes, no, after)| {
            Tree::Decision {
                cond,
                yes: Box::new(yes),
                no: Box::new(no),
                after,
            }
        })
    })
}

/// The actions of one branch, at `indent` (the column of `-`).
fn branch(t: &Tree, indent: usize, out: &mut String, n: &mut usize) {
    let pad = " ".repeat(indent);
    match t {
        Tree::Leaf(None) => {}
        Tree::Leaf(Some(q)) => {
            out.push_str(&format!(
                "{pad}- transferToAcd:\n{pad}    name: to q{q}\n{pad}    targetQueue:\n{pad}      lit:\n{pad}        name: q{q}\n"
            ));
        }
        Tree::Decision {
            cond,
            yes,
            no,
            after,
        } => {
            *n += 1;
            out.push_str(&format!(
                "{pad}- decision:\n{pad}    name: d{n}\n{pad}    condition:\n{pad}      exp: {cond}\n{pad}    outputs:\n"
            ));
            for (name, b) in [("yes", yes), ("no", no)] {
                let mut inner = String::new();
                branch(b, indent + 10, &mut inner, n);
                if !inner.is_empty() {
                    out.push_str(&format!(
                        "{pad}      {name}:\n{pad}        actions:\n{inner}"
                    ));
                }
            }
            if *after {
                *n += 1;
                out.push_str(&format!(
                    "{pad}- playAudio:\n{pad}    name: after{n}\n{pad}    audio:\n{pad}      tts: after {n}\n"
                ));
            }
        }
    }
}

fn document(t: &Tree) -> String {
    let mut body = String::new();
    let mut n = 0;
    branch(t, 10, &mut body, &mut n);
    format!(
        "inboundCall:\n  name: Random\n  startUpRef: ./tasks/task[Main_1]\n  tasks:\n    - task:\n        name: Main\n        refId: Main_1\n        actions:\n{body}          - transferToAcd:\n              name: General\n              targetQueue:\n                lit:\n                  name: General\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn written_trees_route_as_before(t in tree(), crlf in any::<bool>()) {
        let mut text = document(&t);
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let out = flatten(&text, &FlattenOptions::default());
        // Only the size limit may refuse a pure tree; anything else is a writer bug.
        for r in &out.reports {
            prop_assert!(
                r.reason.as_deref().is_none_or(|x| x.contains("times as long") || x.contains("no condition left")),
                "{:?}\n{}", r.reason, text
            );
        }
        prop_assert!(out.certificate.all_applied_certified);
        let doc = out.document.unwrap();
        prop_assert!(errors(&doc).is_empty(), "{:?}\n{}", errors(&doc), doc);
        if crlf {
            prop_assert_eq!(doc.matches('\n').count(), doc.matches("\r\n").count());
        }
        if !out.plan.decisions.is_empty() {
            prop_assert!(doc.contains("- switch:"));
        }
        assert_same_routing(&text, &doc, &["Flow.x", "Flow.y"]);
    }
}

/// Every Archy file in the repository: flattening never adds an error, and what it writes
/// has nothing left to flatten.
#[test]
fn real_files_gain_no_errors() {
    for dir in ["../examples/archy", "tests/fixtures/real"] {
        for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let out = flatten(&text, &FlattenOptions::default());
            let doc = out.document.unwrap();
            assert!(out.certificate.all_applied_certified, "{}", p.display());
            if errors(&text).is_empty() {
                assert!(
                    errors(&doc).is_empty(),
                    "{}: {:?}",
                    p.display(),
                    errors(&doc)
                );
            }
            if doc != text {
                let again = flatten(&doc, &FlattenOptions::default());
                assert!(again.plan.decisions.is_empty(), "{}", p.display());
            }
        }
    }
}
