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

use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::InputFormat;

/// Flattens every nested decision tree of a document and certifies the result.
///
/// Never fails: an unreadable input gives `document: None` and its read diagnostics; a
/// decision that cannot be flattened safely is left alone with FG046. For flow JSON the
/// document is the input with only the flattened decisions rewritten and the absorbed
/// nodes deleted; other formats get the plan (and FG046) with the document unchanged until
/// their writer exists.
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
            for d in &planned.plan.decisions {
                planned.diagnostics.push(
                    RawDiagnostic::new(
                        Code::NotFlattened,
                        Location::default(),
                        format!(
                            "decision `{}` could be flattened, but writing Archy YAML is not built in yet",
                            d.node_id
                        ),
                        "the report shows the flattened conditions; apply them in Architect, or keep the flow as it is",
                    )
                    .node(&d.node_id),
                );
            }
            mark_not_written(&mut planned, "writing Archy YAML is not built in yet", &[]);
            text.to_owned()
        }
    };
    // Read findings that are not fatal (duplicate keys, unknown types) are not repeated
    // here: `validate` reports them.
    FlattenOutcome {
        format,
        document: Some(document),
        plan: planned.plan,
        reports: planned.reports,
        diagnostics: crate::resolve(planned.diagnostics, text, options.position_encoding),
        certificate: Certificate {
            all_applied_certified: true,
            decisions: planned.certificates,
        },
    }
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
