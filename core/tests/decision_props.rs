//! Property tests: random decision trees (nested, shared sub-trees, ties, missing
//! defaults) and every input on a grid of values; routing must be the same before and
//! after `flatten`. The reference evaluator below is deliberately independent of the core:
//! its own JSON walk (serde_json) and its own small expression parser.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use flowguard_core::decision::{FlattenOptions, NodeProbabilities};
use flowguard_core::flatten;
use proptest::prelude::*;
use serde_json::Value as Json;

// ---- reference evaluator -------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum V {
    NotSet,
    Num(f64),
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i] == b' ' {
            self.i += 1;
        }
    }
    fn eat(&mut self, w: &str) -> bool {
        self.ws();
        let b = w.as_bytes();
        if self.s[self.i..].len() >= b.len()
            && self.s[self.i..self.i + b.len()].eq_ignore_ascii_case(b)
        {
            let next = self.s.get(self.i + b.len()).copied().unwrap_or(b' ');
            let word = b[0].is_ascii_alphabetic();
            if word && (next.is_ascii_alphanumeric() || next == b'_') {
                return false;
            }
            self.i += b.len();
            return true;
        }
        false
    }
    fn or(&mut self, env: &BTreeMap<&str, V>) -> bool {
        let mut v = self.and(env);
        while self.eat("or") {
            let r = self.and(env);
            v = v || r;
        }
        v
    }
    fn and(&mut self, env: &BTreeMap<&str, V>) -> bool {
        let mut v = self.not(env);
        while self.eat("and") {
            let r = self.not(env);
            v = v && r;
        }
        v
    }
    fn not(&mut self, env: &BTreeMap<&str, V>) -> bool {
        if self.eat("not") {
            return !self.not(env);
        }
        if self.eat("(") {
            let v = self.or(env);
            assert!(self.eat(")"));
            return v;
        }
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_alphanumeric() {
            self.i += 1;
        }
        let var = std::str::from_utf8(&self.s[start..self.i]).unwrap();
        let left = env.get(var).copied().unwrap_or(V::NotSet);
        let op = ["==", "!=", "<=", ">=", "<", ">"]
            .into_iter()
            .find(|op| self.eat(op))
            .expect("operator");
        let right = if self.eat("NOT_SET") {
            V::NotSet
        } else {
            self.ws();
            let start = self.i;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'-')
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

fn truth(expr: &str, env: &BTreeMap<&str, V>) -> bool {
    let mut p = P {
        s: expr.as_bytes(),
        i: 0,
    };
    let v = p.or(env);
    p.ws();
    assert_eq!(p.i, expr.len(), "trailing text in {expr}");
    v
}

/// Where a call ends: the first non-decision node, `stuck:<id>`, or `loop`.
fn route(doc: &Json, env: &BTreeMap<&str, V>) -> String {
    let nodes = &doc["nodes"];
    let mut at = doc["start"].as_str().unwrap().to_owned();
    for _ in 0..64 {
        let node = &nodes[&at];
        if node["type"] != "decision" {
            return at;
        }
        let mut conds: Vec<(usize, &Json)> = node["conditions"]
            .as_array()
            .map(|a| a.iter().enumerate().collect())
            .unwrap_or_default();
        conds.sort_by(|a, b| {
            let (pa, pb) = (
                a.1["priority"].as_f64().unwrap(),
                b.1["priority"].as_f64().unwrap(),
            );
            pb.total_cmp(&pa).then(a.0.cmp(&b.0))
        });
        let next = conds
            .iter()
            .find(|(_, c)| truth(c["expression"].as_str().unwrap(), env))
            .map(|(_, c)| c["target_id"].as_str().unwrap().to_owned())
            .or_else(|| {
                node["transitions"]["default"][0]
                    .as_str()
                    .map(str::to_owned)
            });
        match next {
            Some(n) => at = n,
            None => return format!("stuck:{at}"),
        }
    }
    "loop".into()
}

// ---- generators ------------------------------------------------------------------------

fn atom() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["a", "b", "c"]),
        prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]),
        prop_oneof![4 => (0i32..3).prop_map(|n| n.to_string()), 1 => Just("NOT_SET".to_owned())],
    )
        .prop_map(|(v, op, n)| {
            let op = if n == "NOT_SET" && op != "!=" {
                "=="
            } else {
                op
            };
            format!("{v} {op} {n}")
        })
}

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

#[derive(Clone, Debug)]
struct Dec {
    conds: Vec<(String, u8, usize)>,
    default: Option<usize>,
}

/// Decisions d0..dn; targets are leaves (index >= n) or later decisions, so the graph is a
/// DAG with shared sub-trees.
fn flow() -> impl Strategy<Value = (String, Vec<Option<Vec<f64>>>)> {
    (1usize..6).prop_flat_map(|n| {
        let dec = (
            prop::collection::vec((expr(), 1u8..4, 0usize..n + 3), 1..4),
            prop::option::weighted(0.8, 0usize..n + 3),
        )
            .prop_map(|(conds, default)| Dec { conds, default });
        (
            prop::collection::vec(dec, n),
            prop::collection::vec(prop::option::of(prop::collection::vec(0.0f64..1.0, 4)), n),
        )
            .prop_map(move |(decs, probs)| {
                let name = |i: usize, me: usize| {
                    if i > me && i < n {
                        format!("d{i}")
                    } else {
                        format!("e{}", i % 3)
                    }
                };
                let mut nodes = Vec::new();
                for (i, d) in decs.iter().enumerate() {
                    let conds: Vec<String> = d
                        .conds
                        .iter()
                        .map(|(e, p, t)| {
                            format!(
                                "{{\"expression\": {}, \"priority\": {p}, \"target_id\": \"{}\"}}",
                                serde_json::to_string(e).unwrap(),
                                name(*t, i)
                            )
                        })
                        .collect();
                    let default = d
                        .default
                        .map(|t| {
                            format!(", \"transitions\": {{\"default\": [\"{}\"]}}", name(t, i))
                        })
                        .unwrap_or_default();
                    nodes.push(format!(
                        "    \"d{i}\": {{\"type\": \"decision\", \"conditions\": [{}]{default}}}",
                        conds.join(", ")
                    ));
                }
                for e in 0..3 {
                    nodes.push(format!("    \"e{e}\": {{\"type\": \"disconnect\"}}"));
                }
                (
                    format!(
                        "{{\"start\": \"d0\", \"nodes\": {{\n{}\n}}}}",
                        nodes.join(",\n")
                    ),
                    probs,
                )
            })
    })
}

fn grid() -> Vec<V> {
    let mut g = vec![V::NotSet];
    for n in [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0] {
        g.push(V::Num(n));
    }
    g
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn flattening_never_changes_routing((text, probs) in flow()) {
        let mut options = FlattenOptions::default();
        if probs.iter().any(Option::is_some) {
            let mut p = flowguard_core::decision::Probabilities::default();
            for (i, pr) in probs.iter().enumerate() {
                if let Some(pr) = pr {
                    p.insert(format!("d{i}"), NodeProbabilities { conditions: pr.clone(), default: None });
                }
            }
            options.probabilities = Some(p);
        }
        let out = flatten(&text, &options);
        // Nothing is left uncertified: a refusal here would mean the optimiser and the
        // certificate disagree.
        for r in &out.reports {
            prop_assert!(r.reason.as_deref().is_none_or(|x| !x.contains("certified")), "{:?}\n{}", r.reason, text);
        }
        let doc = out.document.expect("document");
        let before: Json = serde_json::from_str(&text).unwrap();
        let after: Json = serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{e}\n{doc}"));
        let g = grid();
        for &a in &g {
            for &b in &g {
                for &c in &g {
                    let env: BTreeMap<&str, V> = [("a", a), ("b", b), ("c", c)].into_iter().collect();
                    let r1 = route(&before, &env);
                    let r2 = route(&after, &env);
                    prop_assert_eq!(&r1, &r2, "input {:?}\nbefore:\n{}\nafter:\n{}", env, text, doc);
                }
            }
        }
    }
}
