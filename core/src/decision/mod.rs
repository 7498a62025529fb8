//! Decision analysis and behaviour-preserving flattening.
//!
//! * [`parse_expression`] reads a condition expression (`docs/expressions.md`).
//! * [`analyze_decision`] finds shadowed, unsatisfiable, ambiguous and redundant conditions
//!   and inputs that match nothing (FG040–FG045), exactly for comparisons of variables with
//!   literals and conservatively beyond.
//! * [`flatten`] turns nested decision trees into single first-match decisions, removes
//!   dead and redundant conditions, merges and (with probabilities) reorders them, and
//!   certifies that every input still reaches the same target (`docs/flattening.md`).

mod analysis;
mod bits;
mod certificate;
mod domain;
mod eval;
pub mod expr;
mod flatten;
pub mod plan;
mod report;
pub mod writer_flow_json;

pub use analysis::{
    AnalysisOptions, DecisionAnalysis, Finding, Witness, analyze_decision, evaluation_order,
};
pub use eval::{Input, Value};
pub use expr::{Expr, ExprError, parse_expression};
pub use flatten::{FlattenOptions, NodeProbabilities, Probabilities, parse_probabilities};
pub use plan::{FlattenPlan, FlattenedDecision, PlannedCondition};
pub use report::{
    Certificate, DecisionCertificate, DecisionReport, DecisionStatus, FlattenOutcome,
    RemovedCondition,
};

use crate::model::InputFormat;

/// Flattens every nested decision tree of a document and certifies the result.
///
/// Never fails: an unreadable input gives `document: None` and its read diagnostics; a
/// decision that cannot be flattened safely is left alone with FG046. The document is the
/// input with only the flattened decisions rewritten: in flow JSON the absorbed nodes are
/// deleted; in Archy YAML each tree becomes one `switch` (`crate::formats::archy_writer`);
/// Architect configuration JSON is patched where it can express the rewrite. A decision a
/// writer refuses stays as it was (FG046), and `certificate.all_applied_certified` says
/// whether every rewrite that was applied is certified.
pub fn flatten(text: &str, options: &FlattenOptions) -> FlattenOutcome {
    let read = crate::formats::read(text, options.format);
    let format = read.flow.format;
    if read.fatal {
        return FlattenOutcome {
            format,
            document: None,
            plan: FlattenPlan::default(),
            reports: Vec::new(),
            diagnostics: crate::resolve(read.diagnostics, text, options.position_encoding),
            certificate: Certificate::default(),
        };
    }
    let mut planned = flatten::plan_flow(&read.flow, options);
    let document = match format {
        InputFormat::Flow | InputFormat::Auto => {
            writer_flow_json::apply(&read.flow.tree, &planned.plan)
        }
        InputFormat::Architect => {
            // The configuration writer refuses what the undocumented format cannot express
            // faithfully; those decisions stay as they were and their reports say so.
            let written = crate::formats::architect::writer::write(text, &planned.plan);
            let refused: Vec<String> = written
                .diagnostics
                .iter()
                .filter_map(|d| d.node.clone())
                .collect();
            planned.diagnostics.extend(written.diagnostics);
            match written.text {
                Some(doc) if refused.is_empty() => doc,
                Some(_) | None => {
                    // Any refusal: write nothing rather than half a plan, so the document
                    // and the reports always agree.
                    let reason =
                        "writing it into Architect configuration JSON was refused (see FG046)";
                    mark_not_written(&mut planned, reason, &refused);
                    text.to_owned()
                }
            }
        }
        InputFormat::Archy => {
            // Decisions the YAML writer cannot write (or cannot certify once read back) stay
            // as they were; the others are written.
            let written = crate::formats::archy_writer::write(
                text,
                &planned.plan,
                &planned.reports,
                options.max_combinations,
            );
            planned.diagnostics.extend(written.diagnostics);
            for (id, why) in &written.refused {
                mark_refused(&mut planned, id, why);
            }
            written.text
        }
    };
    let all_applied_certified = all_certified(&planned.plan, &planned.certificates);
    // Read findings that are not fatal (duplicate keys, unknown types) are not repeated
    // here: `validate` reports them.
    FlattenOutcome {
        format,
        document: Some(document),
        plan: planned.plan,
        reports: planned.reports,
        diagnostics: crate::resolve(planned.diagnostics, text, options.position_encoding),
        certificate: Certificate {
            all_applied_certified,
            decisions: planned.certificates,
        },
    }
}

/// Whether every decision the document was rewritten for has a certificate that holds.
fn all_certified(plan: &FlattenPlan, certificates: &[DecisionCertificate]) -> bool {
    plan.decisions.iter().all(|d| {
        certificates
            .iter()
            .any(|c| c.node_id == d.node_id && c.certified)
    })
}

/// Marks one planned decision as not written (its writer refused it): it leaves the plan,
/// and its report says why.
fn mark_refused(planned: &mut flatten::Planned, id: &str, why: &str) {
    planned.plan.decisions.retain(|d| d.node_id != id);
    for report in planned.reports.iter_mut().filter(|r| r.node_id == id) {
        report.status = DecisionStatus::NotFlattened;
        report.removed_nodes.clear();
        report.conditions_after = report.conditions_before;
        report.hops_removed = 0;
        report.expected_evaluations_after = report.expected_evaluations_before;
        report.reason = Some(format!("writing it into Archy YAML was refused: {why}"));
    }
}

/// Certifies a decision as a writer read it back from its output: `decision`'s conditions
/// (the re-read texts) and targets (in the original flow) against the original tree rooted
/// at `decision.node_id` with the decisions `inlined` into it, by the same check planning
/// uses ([`certificate`]).
pub(crate) fn recertify(
    flow: &crate::model::Flow,
    decision: &FlattenedDecision,
    inlined: &[String],
    cap: usize,
) -> DecisionCertificate {
    let ctx = flatten::Context::new(flow, None);
    let Some(root) = ctx.lookup(&decision.node_id) else {
        return DecisionCertificate {
            node_id: decision.node_id.clone(),
            certified: false,
            regions_checked: 0,
            boundary_inputs_checked: 0,
            reason: Some("the decision is not in the original flow".into()),
            counterexample: None,
        };
    };
    let mut tree: Vec<usize> = inlined.iter().filter_map(|id| ctx.lookup(id)).collect();
    crate::graph::order::sort_by_key(&mut tree, |&i| i as u64);
    tree.dedup();
    certificate::certify(&ctx, root, &tree, decision, cap)
}

/// Marks every planned decision as not written: the document is returned unchanged, so the
/// plan is emptied and the reports and certificates say why.
fn mark_not_written(planned: &mut flatten::Planned, reason: &str, refused: &[String]) {
    let planned_ids: Vec<String> = planned
        .plan
        .decisions
        .iter()
        .map(|d| d.node_id.clone())
        .collect();
    for report in &mut planned.reports {
        if planned_ids.contains(&report.node_id) {
            report.status = DecisionStatus::NotFlattened;
            report.removed_nodes.clear();
            report.conditions_after = report.conditions_before;
            report.hops_removed = 0;
            report.expected_evaluations_after = report.expected_evaluations_before;
            report.reason = Some(if refused.is_empty() || refused.contains(&report.node_id) {
                reason.to_owned()
            } else {
                "not written because another decision of this document was refused".to_owned()
            });
        }
    }
    planned.plan.decisions.clear();
}
