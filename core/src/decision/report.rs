//! What `flatten` hands back: the document, a report per decision and the certificate.

use serde::{Deserialize, Serialize};

use super::analysis::Witness;
use super::plan::FlattenPlan;
use crate::diagnostic::Diagnostic;
use crate::model::InputFormat;

/// What happened to one decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Rewritten (and certified).
    Flattened,
    /// Nothing to gain: left as it is.
    Unchanged,
    /// Left as it is for the reason given (FG046).
    NotFlattened,
}

/// A condition flattening dropped, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemovedCondition {
    pub node_id: String,
    /// 0-based index in that node's conditions (document order).
    pub condition: usize,
    pub expression: String,
    /// `never_first` (dead: shadowed or unsatisfiable) or `redundant`.
    pub reason: String,
}

/// The report for one decision that heads a (possibly one-node) decision tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionReport {
    pub node_id: String,
    pub status: DecisionStatus,
    /// Decisions whose conditions were pulled into this one (including unfolded shared ones).
    pub inlined_nodes: Vec<String>,
    /// Nodes deleted from the document because of this decision.
    pub removed_nodes: Vec<String>,
    /// Conditions in the tree before (each decision counted once) and in the result.
    pub conditions_before: usize,
    pub conditions_after: usize,
    /// Decision hops saved on the longest path (decisions on it minus one).
    pub hops_removed: usize,
    /// Expected condition evaluations per call (see docs/flattening.md).
    pub expected_evaluations_before: f64,
    pub expected_evaluations_after: f64,
    pub removed_conditions: Vec<RemovedCondition>,
    /// Conditions folded into an earlier one with `or`.
    pub merged_conditions: usize,
    /// Whether conditions were reordered by probability.
    pub reordered: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

/// The proof that one flattened decision routes every input like the original tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionCertificate {
    pub node_id: String,
    pub certified: bool,
    /// Cell combinations compared (region equality over the exact model).
    pub regions_checked: u64,
    /// Concrete boundary inputs evaluated (each literal, its neighbours, NOT_SET, ...).
    pub boundary_inputs_checked: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// An input routed differently (only when certification failed).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub counterexample: Option<Witness>,
}

/// Certificates of every decision flattening tried to rewrite.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// True when every applied rewrite (every decision in the outcome's `plan`, which the
    /// document was rewritten for) has a certificate in `decisions` that holds; computed
    /// from the certificates, false when the input could not be read.
    pub all_applied_certified: bool,
    pub decisions: Vec<DecisionCertificate>,
}

/// The result of [`crate::flatten`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlattenOutcome {
    pub format: InputFormat,
    /// The flattened document (the input unchanged when nothing was flattened); `None` only
    /// when the input could not be read.
    pub document: Option<String>,
    pub plan: FlattenPlan,
    pub reports: Vec<DecisionReport>,
    /// Read errors of the input and FG046 for decisions left alone.
    pub diagnostics: Vec<Diagnostic>,
    pub certificate: Certificate,
}
