//! Decision nodes: the condition analysis of [`crate::decision`] turned into diagnostics
//! (FG040–FG045) with spans inside the expressions and witnesses.
//!
//! Cost: only decisions pay, each bounded by the enumeration cap of
//! [`AnalysisOptions::max_combinations`], so the check stays linear in the flow size.

use super::{FlowGraph, node_location, origin_location};
use crate::decision::{AnalysisOptions, Finding, analyze_decision};
use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::{Condition, Flow, Node, NodeKind};

/// What the messages about one decision need besides the node: the flow (for places) and
/// the node an id names (for the names of condition targets). The whole-flow pass and the
/// incremental one of `crate::edit` each supply their own lookup.
pub(crate) struct Lookup<'a, 'f> {
    pub flow: &'f Flow,
    pub node_by_id: &'a dyn Fn(&str) -> Option<&'f Node>,
}

pub fn check(graph: &FlowGraph<'_>, out: &mut Vec<RawDiagnostic>) {
    let by_id = |id: &str| graph.vertex_of(id).map(|v| graph.node(v));
    let lookup = Lookup {
        flow: graph.flow,
        node_by_id: &by_id,
    };
    // The kinds are a byte per vertex: only decisions' nodes are read.
    for v in 0..graph.node_of.len() as u32 {
        if graph.kind(v) == NodeKind::Decision {
            check_node(&lookup, graph.node(v), out);
        }
    }
}

/// The findings of one decision node (nothing for other kinds).
pub(crate) fn check_node(graph: &Lookup<'_, '_>, node: &Node, out: &mut Vec<RawDiagnostic>) {
    // Most decisions have nothing to report, which their condition texts show without
    // building the analysis.
    if node.kind != NodeKind::Decision || crate::decision::quiet(node) {
        return;
    }
    let analysis = analyze_decision(graph.flow, node, &AnalysisOptions::default());
    for finding in analysis.findings {
        out.push(diagnostic(graph, node, finding));
    }
}

/// Where a condition's expression is: its text, else the condition (a switch case), else the
/// decision itself. A synthetic `/nodes/...` pointer only for nodes with no place in a
/// document (flows built in code).
fn expression_location(graph: &Lookup<'_, '_>, node: &Node, i: usize) -> Location {
    let Some(c) = node.conditions.get(i) else {
        return Location::default();
    };
    let in_tree = |o: &crate::model::Origin| {
        o.pointer.is_some()
            || o.value
                .is_some_and(|v| (v.0 as usize) < graph.flow.tree.len())
    };
    for origin in [&c.expression_origin, &c.origin, &node.origin] {
        if in_tree(origin) {
            return origin_location(graph.flow, origin, || {
                condition_pointer(graph.flow, node, i)
            });
        }
    }
    origin_location(graph.flow, &c.expression_origin, || {
        condition_pointer(graph.flow, node, i)
    })
}

fn condition_pointer(flow: &Flow, node: &Node, i: usize) -> String {
    let mut p = String::from("/nodes/");
    crate::syntax::tree::push_pointer_segment(&mut p, flow.id_of(node));
    p.push_str(&format!("/conditions/{i}/expression"));
    p
}

/// A condition as messages show it: its text, priority and where it leads (the target's
/// name as Architect shows it, else its id).
fn describe(graph: &Lookup<'_, '_>, c: Option<&Condition>) -> String {
    match c {
        Some(c) => format!(
            "`{}` (priority {}, to {})",
            c.expression,
            // Std's float printer would cost the wasm package 14 KB for this number alone.
            crate::decision::expr::display_f64(c.priority),
            target_name(graph, graph.flow.name(c.target))
        ),
        None => "a condition".into(),
    }
}

fn target_name(graph: &Lookup<'_, '_>, target: &str) -> String {
    match (graph.node_by_id)(target) {
        Some(node) => node.display(graph.flow),
        None => format!("`{target}`"),
    }
}

fn diagnostic(graph: &Lookup<'_, '_>, node: &Node, finding: Finding) -> RawDiagnostic {
    let id = graph.flow.id_of(node);
    // How Architect shows the decision (`task "Main" › Decision "VIP?"`), else its id.
    let name = match &node.label {
        Some(l) if !l.is_empty() => l.clone(),
        _ => format!("decision `{id}`"),
    };
    let cond = |i: usize| node.conditions.get(i);
    let d = match finding {
        Finding::SyntaxError { condition, error } => {
            let mut at = expression_location(graph, node, condition);
            // Point inside the expression when its text is a plain slice of the source.
            if let Some(start) = cond(condition).and_then(|c| c.expression_source_start) {
                at.range = Some((start + error.start, start + error.end.max(error.start)));
            }
            RawDiagnostic::new(
                Code::ExpressionSyntax,
                at,
                format!("condition {} of {name} does not parse: {}", condition + 1, error.message),
                "fix the expression (see docs/expressions.md for the syntax flowguard reads); until then flowguard treats its result as unknown",
            )
        }
        Finding::Unsatisfiable { condition } => RawDiagnostic::new(
            Code::UnsatisfiableCondition,
            expression_location(graph, node, condition),
            format!(
                "condition {} of {name}, {}, is true for no input: calls never take it",
                condition + 1,
                describe(graph, cond(condition))
            ),
            "fix the comparison (a typo in a value or an impossible combination such as `x == 1 and x == 2`) or remove the condition",
        ),
        Finding::Shadowed { condition, by } => {
            let names: Vec<String> = by.iter().map(|&j| format!("{}", j + 1)).collect();
            let mut d = RawDiagnostic::new(
                Code::ShadowedCondition,
                expression_location(graph, node, condition),
                format!(
                    "condition {} of {name}, {}, is never the first true condition: every input it matches is taken by condition(s) {} evaluated before it",
                    condition + 1,
                    describe(graph, cond(condition)),
                    names.join(", ")
                ),
                "give it a higher priority than the conditions that shadow it, narrow those, or remove it",
            );
            for j in by {
                d = d.related(
                    expression_location(graph, node, j),
                    Some(id.to_owned()),
                    format!("condition {} takes these calls first: {}", j + 1, describe(graph, cond(j))),
                );
            }
            d
        }
        Finding::Ambiguous {
            first,
            second,
            witness,
        } => RawDiagnostic::new(
            Code::AmbiguousOrder,
            expression_location(graph, node, second),
            format!(
                "conditions {} and {} of {name} have the same priority, different targets, and both match some calls (see the witness): only their order in the document decides, {} wins",
                first + 1,
                second + 1,
                describe(graph, cond(first))
            ),
            "give the condition that should win a higher priority",
        )
        .related(
            expression_location(graph, node, first),
            Some(id.to_owned()),
            format!("condition {} wins the tie", first + 1),
        )
        .witness(witness),
        Finding::Redundant { condition } => RawDiagnostic::new(
            Code::RedundantCondition,
            expression_location(graph, node, condition),
            format!(
                "condition {} of {name}, {}, changes no routing: without it, every call it takes still reaches {}",
                condition + 1,
                describe(graph, cond(condition)),
                cond(condition).map_or_else(String::new, |c| target_name(graph, graph.flow.name(c.target)))
            ),
            "remove it, or run `flowguard flatten` to remove it safely",
        ),
        Finding::NoMatch { witness } => {
            let d = RawDiagnostic::new(
                Code::NoDefault,
                node_location(graph.flow, node),
                match &witness {
                    Some(w) if w.is_empty() => format!("{name} has no `default` transition and no condition is certain to match: calls can have nowhere to go"),
                    Some(w) => format!(
                        "{name} has no `default` transition and a call with {} matches none of its conditions, so it has nowhere to go",
                        w.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
                    ),
                    None => format!("{name} has no `default` transition: a call that matches none of its conditions has nowhere to go"),
                },
                "add a `default` transition for calls that match no condition",
            );
            match witness {
                Some(w) => d.witness(w),
                None => d,
            }
        }
    };
    d.node(id)
}
