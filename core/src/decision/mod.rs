//! Decision analysis (flowguard-engine's, re-exported) and behaviour-preserving flattening.
//!
//! * [`parse_expression`] reads a condition expression (`docs/expressions.md`).
//! * [`analyze_decision`] finds shadowed, unsatisfiable, ambiguous and redundant conditions
//!   and inputs that match nothing (FG040–FG045), exactly for comparisons of variables with
//!   literals and conservatively beyond.
//! * [`FlattenOptions`] and the planning behind [`crate::flatten`] turn nested decision trees into single first-match decisions, removes
//!   dead and redundant conditions, merges and (with probabilities) reorders them, and
//!   certifies that every input still reaches the same target (`docs/flattening.md`).

mod certificate;
mod flatten;
mod report;

/// The analysis (and the domains and evaluation flattening builds on) is flowguard-engine's.
pub use flowguard_engine::decision::*;

/// The plan type is the contract with the writers, which live with the formats.
pub use crate::formats::plan::{self, FlattenPlan, FlattenedDecision, PlannedCondition};
pub use flatten::{FlattenOptions, NodeProbabilities, Probabilities, parse_probabilities};
pub use report::{
    Certificate, DecisionCertificate, DecisionReport, DecisionStatus, FlattenOutcome,
    RemovedCondition,
};

pub(crate) use flatten::{Planned, plan_flow};

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
