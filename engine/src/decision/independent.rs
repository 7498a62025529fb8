//! The short path of [`super::analyze_decision`] for the common decision: every condition
//! compares a variable of its own with a literal (`Flow.Balance >= 37`, `Call.Ani == "v12"`).
//!
//! Each condition then constrains one dimension of the input space that no other condition
//! touches, so every region the analysis asks about (a condition's inputs, those left after
//! the conditions before it, their intersections) is a product of one cell set per variable:
//! it is empty exactly when one factor is, and its first certain input (what
//! [`Space::witness`](super::domain::Space::witness) finds) is the first certain cell of
//! each factor. The answers are those of the general path without enumerating the product
//! (a unit property test compares both on random decisions).

use super::analysis::{AnalysisOptions, DecisionAnalysis, Finding, Witness};
use super::domain::{Cell, var_cells};
use super::eval::{Value, compare};
use super::expr::{CmpOp, Expr, ExprError, RawLiteral, scan};
use crate::model::{Node, NodeRef};

/// One condition's variable: its cells and which of them make the condition true.
struct Dim<'e> {
    name: &'e str,
    cells: Vec<Cell>,
    truth: Vec<bool>,
}

/// How a region restricts one variable.
#[derive(Clone, Copy, PartialEq)]
enum Factor {
    All,
    /// The cells where the condition is true.
    In,
    /// The cells where it is false.
    Out,
}

/// Most conditions the short path takes (names are compared pairwise).
const MAX_CONDITIONS: usize = 16;

/// The variable and the literal of `e` when it is `variable op literal` (either side), with
/// the operator as seen from the variable; `None` for anything else, or for an ordering of
/// strings (which the general path treats as opaque).
fn comparison(e: &Expr) -> Option<(&str, CmpOp, Value)> {
    let Expr::Cmp { op, left, right } = e else {
        return None;
    };
    let (name, op, lit) = match (&**left, &**right) {
        (Expr::Var(v), Expr::Lit(l)) => (v.as_str(), *op, l),
        (Expr::Lit(l), Expr::Var(v)) => (v.as_str(), op.flip(), l),
        _ => return None,
    };
    let lit = Value::from_literal(lit);
    if op.is_ordering() && matches!(lit, Value::Str(_)) {
        return None;
    }
    Some((name, op, lit))
}

/// Fills `out` (whose `order` is set) when every condition of `node` is a comparison of a
/// variable no other condition names with a literal, true for some inputs and false for
/// others (always the case for one literal: NOT_SET's cell and the literal's own cell
/// disagree, except for orderings with NOT_SET, which are never true); `false` (and `out`
/// untouched) otherwise.
///
/// Then no condition is unsatisfiable, none is shadowed (each leaves inputs to the
/// later ones), and one is redundant exactly when every later condition and the default
/// lead where it does.
pub(super) fn analyze(
    node: &Node,
    default: Option<NodeRef>,
    parsed: &[Result<Expr, ExprError>],
    options: &AnalysisOptions,
    out: &mut DecisionAnalysis,
) -> bool {
    if parsed.len() > MAX_CONDITIONS {
        return false;
    }
    let mut dims: Vec<Dim<'_>> = Vec::with_capacity(parsed.len());
    let mut total: usize = 1;
    for p in parsed {
        let Some((name, op, lit)) = p.as_ref().ok().and_then(comparison) else {
            return false;
        };
        // Whether two variable names might be one variable: the general path's test.
        if dims
            .iter()
            .any(|d| crate::case::eq_ignore_case(d.name, name))
        {
            return false;
        }
        let cells = var_cells(&lit);
        let truth: Vec<bool> = cells.iter().map(|c| compare(op, &c.value, &lit)).collect();
        if !truth.contains(&true) || !truth.contains(&false) {
            return false;
        }
        // The general path's cap: the product of the cell counts.
        total = match total.checked_mul(cells.len()) {
            Some(t) if t <= options.max_combinations => t,
            _ => return false,
        };
        dims.push(Dim { name, cells, truth });
    }
    out.exact = true;
    out.combinations = total as u64;
    let target = |i: usize| node.conditions[i].target;
    let order = &out.order;
    for (k, &i) in order.iter().enumerate() {
        let t = target(i);
        if default == Some(t) && order[k + 1..].iter().all(|&j| target(j) == t) {
            out.findings.push(Finding::Redundant { condition: i });
        }
    }
    let mut factors = vec![Factor::All; dims.len()];
    for (k, &j) in order.iter().enumerate() {
        for (ki, &i) in order[..k].iter().enumerate() {
            let (ci, cj) = (&node.conditions[i], &node.conditions[j]);
            if ci.priority != cj.priority || ci.target == cj.target {
                continue;
            }
            factors.fill(Factor::All);
            for &m in &order[..ki] {
                factors[m] = Factor::Out;
            }
            factors[i] = Factor::In;
            factors[j] = Factor::In;
            if let Some(witness) = witness(&dims, &factors) {
                out.findings.push(Finding::Ambiguous {
                    first: i,
                    second: j,
                    witness,
                });
                break;
            }
        }
    }
    if default.is_none() {
        factors.fill(Factor::Out);
        out.findings.push(Finding::NoMatch {
            witness: witness(&dims, &factors),
        });
    }
    true
}

/// Whether [`super::analyze_decision`] (default options) certainly finds nothing, decided
/// from the condition texts alone, with no expression tree, cell or allocation: the
/// decision has a `default`, and [`analyze`] would take it (every condition a plain
/// `Flow.x op literal` as the parser's short path reads it, on a variable of its own, true
/// for some cells and false for others) and report nothing: no two conditions of equal
/// priority lead to different targets (no tie to witness), and the condition evaluated
/// last does not lead where the default does (then none is redundant: a condition is
/// redundant exactly when the default and every later condition lead where it does).
/// `false` says nothing. When the input space is over the cap, the general path reports
/// nothing either (it has parsed every condition and there is a default).
pub(crate) fn quiet(node: &Node) -> bool {
    let conditions = &node.conditions;
    let Some(default) = node.default_edge().map(|e| e.target) else {
        return false;
    };
    if conditions.len() > MAX_CONDITIONS {
        return false;
    }
    // (`None`s, not empty strings: all zero bytes, set in a few wide stores.)
    let mut names: [Option<&str>; MAX_CONDITIONS] = [None; MAX_CONDITIONS];
    let mut last = 0;
    for (i, c) in conditions.iter().enumerate() {
        let Some((name, op, lit)) = scan(&c.expression) else {
            return false;
        };
        let nontrivial = match lit {
            // Cells NOT_SET, ⌊n⌋ − 1, n, ⌈n⌉ + 1: `==`, `<=`, `>=` hold at n and not at
            // NOT_SET, `!=` the other way round, `<` at ⌊n⌋ − 1 and `>` at ⌈n⌉ + 1 when
            // those differ from n, which they do below 2^53 (and a number under 10^15 is
            // finite, as the parser's short path requires).
            RawLiteral::Num(digits) => {
                // The whole part's digits (up to the first dot, as `split('.')` would give).
                digits
                    .bytes()
                    .position(|b| b == b'.')
                    .unwrap_or(digits.len())
                    <= 15
            }
            // Strings: ordered, they take the general path; NOT_SET, the string and
            // another one tell `==` and `!=` apart.
            RawLiteral::Str(_) => !op.is_ordering(),
            // Booleans and NOT_SET have no order (every ordering false); `==` and `!=`
            // split NOT_SET from the rest.
            RawLiteral::Bool(_) | RawLiteral::NotSet => !op.is_ordering(),
        };
        if !nontrivial
            || names[..i]
                .iter()
                .flatten()
                .any(|n| same_ascii_name(n, name))
        {
            return false;
        }
        names[i] = Some(name);
        for earlier in &conditions[..i] {
            if earlier.priority == c.priority && earlier.target != c.target {
                return false;
            }
        }
        // Evaluated last: the lowest priority, the last in document order on ties.
        if c.priority.total_cmp(&conditions[last].priority) != std::cmp::Ordering::Greater {
            last = i;
        }
    }
    conditions.get(last).is_none_or(|c| c.target != default)
}

/// `a.eq_ignore_ascii_case(b)`, rejecting most different names at their last byte:
/// names mostly share their scope (`Flow.`) and length and differ towards the end.
fn same_ascii_name(a: &str, b: &str) -> bool {
    let last = |s: &str| s.as_bytes().last().map(u8::to_ascii_lowercase);
    a.len() == b.len() && last(a) == last(b) && a.eq_ignore_ascii_case(b)
}

/// The first certain input of the product region `factors` describes: each variable's first
/// certain cell in its factor; `None` when some variable has none.
fn witness(dims: &[Dim<'_>], factors: &[Factor]) -> Option<Witness> {
    let mut out = Witness::new();
    for (d, &f) in dims.iter().zip(factors) {
        let cell = d
            .cells
            .iter()
            .zip(&d.truth)
            .find(|(c, t)| {
                c.certain
                    && match f {
                        Factor::All => true,
                        Factor::In => **t,
                        Factor::Out => !**t,
                    }
            })
            .map(|(c, _)| c)?;
        out.insert(d.name.to_owned(), cell.shown());
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::analysis::{analyze_compiled, analyze_decision};
    use super::super::expr::parse_expression;
    use super::*;
    use proptest::prelude::*;

    /// The quick reject gives what `eq_ignore_ascii_case` gives.
    #[test]
    fn same_ascii_name_is_eq_ignore_ascii_case() {
        let names = [
            "",
            "a",
            "A",
            "Flow.Tier",
            "flow.tier",
            "Flow.Wait",
            "Flow.TieR",
            "Flow.Tie",
            "Flow.é",
            "Flow.É",
            "Flow.x1",
            "Flow.X1",
            "Flow.x2",
            "Call.Ani",
            "call.ANI",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_ascii_name(a, b), a.eq_ignore_ascii_case(b), "{a} {b}");
            }
        }
    }

    /// A condition: mostly `variable op literal` (either side), sometimes something else.
    fn condition() -> impl Strategy<Value = String> {
        let var = prop::sample::select(vec![
            "Flow.a", "Flow.A", "Flow.b", "Call.Ani", "Flow.c", "Flow.d", "Flow.é", "Flow.É",
        ]);
        let op = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
        let lit = prop::sample::select(vec![
            "0",
            "1",
            "37",
            "-2",
            "1.5",
            "\"x\"",
            "\"X\"",
            "\"other\"",
            "\"\"",
            "true",
            "false",
            "NOT_SET",
        ]);
        prop_oneof![
            6 => (var.clone(), op.clone(), lit.clone()).prop_map(|(v, o, l)| format!("{v} {o} {l}")),
            2 => (var.clone(), op, lit).prop_map(|(v, o, l)| format!("{l} {o} {v}")),
            1 => var.clone().prop_map(|v| format!("{v} + 1 > 2")),
            1 => (var.clone(), var).prop_map(|(a, b)| format!("{a} == 1 and {b} > 2")),
            1 => Just("Flow.a ==".to_owned()),
            1 => Just("1 == 1".to_owned()),
        ]
    }

    fn decision_text(conds: &[(String, u8, u8)], default: Option<u8>) -> String {
        let conds: Vec<String> = conds
            .iter()
            .map(|(e, p, t)| {
                format!(
                    "{{\"expression\":{},\"priority\":{p},\"target_id\":\"t{t}\"}}",
                    serde_json::to_string(e).unwrap()
                )
            })
            .collect();
        let default = default.map_or_else(String::new, |t| {
            format!(",\"transitions\":{{\"default\":[\"t{t}\"]}}")
        });
        format!(
            "{{\"name\":\"p\",\"type\":\"inboundcall\",\"start\":\"d\",\"nodes\":{{\"d\":{{\"type\":\"decision\",\"conditions\":[{}]{default}}}}}}}",
            conds.join(",")
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The short path answers exactly what the general path does, and is taken for
        /// decisions of its shape.
        #[test]
        fn short_path_equals_general_path(
            conds in prop::collection::vec((condition(), 0u8..3, 0u8..3), 0..6),
            default in prop::option::of(0u8..3),
            cap in prop::sample::select(vec![1usize << 16, 40, 3]),
        ) {
            let text = decision_text(&conds, default);
            let read = crate::formats::read_flow_json(&text);
            let node = read.flow.node_named("d").unwrap();
            prop_assert_eq!(node.conditions.len(), conds.len());
            let options = AnalysisOptions { max_combinations: cap };
            let fast = analyze_decision(&read.flow, node, &options);
            let default = node.default_edge().map(|e| e.target);
            let parsed: Vec<_> = node
                .conditions
                .iter()
                .map(|c| parse_expression(&c.expression))
                .collect();
            let general = analyze_compiled(node, default, parsed, &options, DecisionAnalysis {
                node_id: read.flow.id_of(node).to_owned(),
                order: fast.order.clone(),
                exact: false,
                combinations: 0,
                findings: Vec::new(),
            });
            prop_assert_eq!(&fast, &general, "{}", text);
        }
    }

    /// Comparisons [`quiet`] reads, with numbers near where it stops trusting them.
    fn quiet_condition() -> impl Strategy<Value = String> {
        let var = prop::sample::select(vec!["Flow.a", "flow.A", "Flow.b", "Call.Ani", "Flow.c"]);
        let op = prop::sample::select(vec!["==", "!=", "<>", "<", "<=", ">", ">="]);
        let num = prop::sample::select(vec![
            "0",
            "7",
            "0.5",
            "999999999999999",
            "999999999999999.5",
            "9999999999999999",
            "99999999999999999999",
            "1".repeat(400).leak(),
        ]);
        prop_oneof![
            3 => condition(),
            2 => (var, op, num).prop_map(|(v, o, n)| format!("{v} {o} {n}")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// When `quiet` says a decision has nothing to report, the analysis reports nothing.
        #[test]
        fn quiet_decisions_have_no_findings(
            conds in prop::collection::vec((quiet_condition(), 0u8..6, 0u8..3), 0..5),
            default in prop::option::of(0u8..3),
        ) {
            let text = decision_text(&conds, default);
            let read = crate::formats::read_flow_json(&text);
            let node = read.flow.node_named("d").unwrap();
            if quiet(node) {
                let analysis = analyze_decision(&read.flow, node, &AnalysisOptions::default());
                prop_assert_eq!(&analysis.findings, &Vec::new(), "{}", text);
            }
        }
    }

    #[test]
    fn quiet_takes_the_common_decisions() {
        let quiet_text = |conds: &[(&str, u8, u8)], default: Option<u8>| {
            let conds: Vec<_> = conds
                .iter()
                .map(|&(e, p, t)| (e.to_owned(), p, t))
                .collect();
            let read = crate::formats::read_flow_json(&decision_text(&conds, default));
            quiet(&read.flow.nodes[0])
        };
        let ivr = [("Flow.Tier == \"gold\"", 2, 1), ("Flow.Wait > 300", 1, 2)];
        assert!(quiet_text(&ivr, Some(0)));
        assert!(quiet_text(&[], Some(0)));
        // No default; the last condition leads where the default does (redundant); a tie
        // between targets; one variable twice; an ordering of a string; a huge number.
        assert!(!quiet_text(&ivr, None));
        assert!(!quiet_text(&ivr, Some(2)));
        assert!(!quiet_text(
            &[("Flow.a == 1", 1, 1), ("Flow.b == 1", 1, 2)],
            Some(0)
        ));
        assert!(!quiet_text(
            &[("Flow.a == 1", 2, 1), ("flow.A == 2", 1, 2)],
            Some(0)
        ));
        assert!(!quiet_text(&[("Flow.a < \"x\"", 1, 1)], Some(0)));
        assert!(!quiet_text(&[("Flow.a < 9999999999999999", 1, 1)], Some(0)));
        assert!(!quiet_text(&[("Flow.a > true", 1, 1)], Some(0)));
    }

    #[test]
    fn short_path_takes_the_common_shape() {
        let text = decision_text(
            &[
                ("Flow.Balance >= 37".into(), 2, 0),
                ("Call.Ani == \"v12\"".into(), 1, 1),
            ],
            None,
        );
        let read = crate::formats::read_flow_json(&text);
        let node = &read.flow.nodes[0];
        let exprs: Vec<_> = node
            .conditions
            .iter()
            .map(|c| parse_expression(&c.expression))
            .collect();
        let mut out = DecisionAnalysis {
            node_id: String::new(),
            order: vec![0, 1],
            exact: false,
            combinations: 0,
            findings: Vec::new(),
        };
        let default = node.default_edge().map(|e| e.target);
        assert!(analyze(
            node,
            default,
            &exprs,
            &AnalysisOptions::default(),
            &mut out
        ));
        // NOT_SET, below, 37, above; NOT_SET, "v12", other.
        assert_eq!(out.combinations, 12);
        assert!(matches!(
            &out.findings[..],
            [Finding::NoMatch { witness: Some(_) }]
        ));
        // Two conditions on one variable: the general path.
        let text = decision_text(
            &[("Flow.a > 1".into(), 0, 0), ("Flow.a < 5".into(), 0, 1)],
            None,
        );
        let read = crate::formats::read_flow_json(&text);
        let node = &read.flow.nodes[0];
        let exprs: Vec<_> = node
            .conditions
            .iter()
            .map(|c| parse_expression(&c.expression))
            .collect();
        let default = node.default_edge().map(|e| e.target);
        assert!(!analyze(
            node,
            default,
            &exprs,
            &AnalysisOptions::default(),
            &mut out
        ));
    }
}
