//! Per-decision condition analysis: which conditions can never win (FG041, FG042), which
//! ties are real (FG043), which change nothing (FG044) and which inputs match nothing (FG040).

use std::collections::BTreeMap;

use serde::Serialize;

use super::bits::Bits;
use super::domain::{Formula, SpaceBuilder};
use super::expr::{Expr, ExprError, parse_expression};
use crate::model::{Flow, Node, NodeKind, NodeRef};

/// Limits for [`analyze_decision`].
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// Largest number of cell combinations enumerated for one decision; beyond it the
    /// analysis claims nothing.
    pub max_combinations: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            max_combinations: 1 << 16,
        }
    }
}

/// A variable assignment that demonstrates a finding: variable name to value as written in
/// an expression (`"es"`, `5`, `NOT_SET`).
pub type Witness = BTreeMap<String, String>;

/// One finding about a decision. Condition numbers are indexes into the node's conditions
/// in document order (0-based).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// FG041: can be true, but an earlier condition is always true first. `by` lists the
    /// earlier conditions that overlap it.
    Shadowed { condition: usize, by: Vec<usize> },
    /// FG042: true for no input.
    Unsatisfiable { condition: usize },
    /// FG043: same priority as an earlier condition with another target, and some input
    /// makes both true (document order decides).
    Ambiguous {
        first: usize,
        second: usize,
        witness: Witness,
    },
    /// FG044: sometimes the first true condition, but removing it routes every input the same.
    Redundant { condition: usize },
    /// FG040: no default, and some input (the witness, when one is certain) matches no
    /// condition.
    NoMatch { witness: Option<Witness> },
    /// FG045: the expression does not parse.
    SyntaxError { condition: usize, error: ExprError },
}

/// What [`analyze_decision`] found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionAnalysis {
    pub node_id: String,
    /// Conditions in evaluation order (descending priority, document order on ties).
    pub order: Vec<usize>,
    /// False when the input space was too large to enumerate: then only syntax errors and
    /// a missing default are reported.
    pub exact: bool,
    /// Cell combinations enumerated.
    pub combinations: u64,
    pub findings: Vec<Finding>,
}

/// Evaluation order of a decision's conditions: descending priority, document order on ties.
pub fn evaluation_order(node: &Node) -> Vec<usize> {
    let mut order: Vec<usize> = (0..node.conditions.len()).collect();
    crate::graph::order::sort_by(&mut order, |&a, &b| {
        node.conditions[b]
            .priority
            .total_cmp(&node.conditions[a].priority)
    });
    order
}

/// The compiled conditions of a node, and the errors (document order).
fn compile_parsed(
    node_id: &str,
    parsed: impl IntoIterator<Item = Result<Expr, ExprError>>,
    builder: &mut SpaceBuilder,
) -> (Vec<Formula>, Vec<(usize, ExprError)>) {
    let mut errors = Vec::new();
    let formulas = parsed
        .into_iter()
        .enumerate()
        .map(|(i, p)| match p {
            Ok(e) => builder.compile(&e),
            Err(err) => {
                errors.push((i, err));
                // Unknown truth: an opaque boolean of its own.
                builder.free(&format!("#unparsed:{node_id}:{i}"))
            }
        })
        .collect();
    (formulas, errors)
}

/// Analyses one decision node of `flow`. Non-decision nodes get an empty analysis.
pub fn analyze_decision(flow: &Flow, node: &Node, options: &AnalysisOptions) -> DecisionAnalysis {
    let default = node.default_edge().map(|e| e.target);
    let mut out = DecisionAnalysis {
        node_id: flow.id_of(node).to_owned(),
        order: evaluation_order(node),
        exact: false,
        combinations: 0,
        findings: Vec::new(),
    };
    if node.kind != NodeKind::Decision {
        return out;
    }
    // Parsed once, for the short path when every condition compares a variable of its own
    // with a literal, else for the general path.
    let parsed: Vec<Result<Expr, ExprError>> = node
        .conditions
        .iter()
        .map(|c| parse_expression(&c.expression))
        .collect();
    if super::independent::analyze(node, default, &parsed, options, &mut out) {
        return out;
    }
    analyze_compiled(node, default, parsed, options, out)
}

/// The general path: every question answered by enumerating the cells of the decision's
/// input space.
pub(super) fn analyze_compiled(
    node: &Node,
    default: Option<NodeRef>,
    parsed: impl IntoIterator<Item = Result<Expr, ExprError>>,
    options: &AnalysisOptions,
    mut out: DecisionAnalysis,
) -> DecisionAnalysis {
    let mut builder = SpaceBuilder::new();
    let (formulas, errors) = compile_parsed(&out.node_id, parsed, &mut builder);
    let unparsed: Vec<bool> = {
        let mut u = vec![false; node.conditions.len()];
        for (i, _) in &errors {
            u[*i] = true;
        }
        u
    };
    out.findings.extend(
        errors
            .into_iter()
            .map(|(condition, error)| Finding::SyntaxError { condition, error }),
    );
    let Some(space) = builder.finish(options.max_combinations) else {
        if default.is_none() {
            out.findings.push(Finding::NoMatch { witness: None });
        }
        return out;
    };
    out.exact = true;
    out.combinations = space.total as u64;
    let truth: Vec<Bits> = formulas.iter().map(|f| space.eval(f)).collect();
    let target = |i: usize| node.conditions[i].target;
    let order = &out.order;

    // remaining[k]: inputs no condition before position k takes.
    let mut remaining = Vec::with_capacity(order.len() + 1);
    remaining.push(space.all());
    for &i in order {
        let next = remaining[remaining.len() - 1].minus(&truth[i]);
        remaining.push(next);
    }
    let mut findings = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if unparsed[i] {
            continue;
        }
        if truth[i].is_empty() {
            findings.push(Finding::Unsatisfiable { condition: i });
            continue;
        }
        let taken = truth[i].and(&remaining[k]);
        if taken.is_empty() {
            let by = order[..k]
                .iter()
                .copied()
                .filter(|&j| truth[j].intersects(&truth[i]))
                .collect();
            findings.push(Finding::Shadowed { condition: i, by });
            continue;
        }
        if is_redundant(&taken, &order[k + 1..], &truth, &target, target(i), default) {
            findings.push(Finding::Redundant { condition: i });
        }
    }
    // Real ties: for each condition, the first earlier one of equal priority it overlaps.
    for (k, &j) in order.iter().enumerate() {
        for (ki, &i) in order[..k].iter().enumerate() {
            let (ci, cj) = (&node.conditions[i], &node.conditions[j]);
            if ci.priority != cj.priority || ci.target == cj.target || unparsed[i] || unparsed[j] {
                continue;
            }
            let both = truth[i].and(&truth[j]).and(&remaining[ki]);
            if let Some(witness) = space.witness(&both) {
                findings.push(Finding::Ambiguous {
                    first: i,
                    second: j,
                    witness,
                });
                break;
            }
        }
    }
    if default.is_none() {
        let rest = &remaining[order.len()];
        if !rest.is_empty() {
            findings.push(Finding::NoMatch {
                witness: space.witness(rest),
            });
        }
    }
    out.findings.extend(findings);
    out
}

/// Whether inputs in `taken` (those condition `t` takes) would reach the same target
/// without it: the later conditions that catch them, or the default, all lead to `t`.
pub fn is_redundant<T: PartialEq>(
    taken: &Bits,
    later: &[usize],
    truth: &[Bits],
    target_of: &impl Fn(usize) -> T,
    t: T,
    default: Option<T>,
) -> bool {
    let mut pending = taken.clone();
    for &j in later {
        if pending.is_empty() {
            return true;
        }
        if target_of(j) != t && pending.intersects(&truth[j]) {
            return false;
        }
        pending = pending.minus(&truth[j]);
    }
    pending.is_empty() || default == Some(t)
}
