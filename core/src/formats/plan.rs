//! The format-independent result of flattening: which decisions get which first-match
//! condition list, and which nodes disappear. A per-format writer applies it to the
//! original text (see [`crate::formats::flow_json_writer`]).
//!
//! This type is a contract between the flattener and every writer (flow JSON here,
//! Architect configuration JSON elsewhere): fields are only ever added, never renamed.

use serde::{Deserialize, Serialize};

/// Everything flattening changes in one document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlattenPlan {
    /// One entry per decision that is rewritten, in document order of the decisions.
    /// Decisions that are not listed stay byte-for-byte as they are.
    pub decisions: Vec<FlattenedDecision>,
}

impl FlattenPlan {
    /// Every node id some decision's flattening removes, sorted and without duplicates.
    pub fn removed_nodes(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .decisions
            .iter()
            .flat_map(|d| d.removed_nodes.iter().cloned())
            .collect();
        crate::graph::order::sort(&mut all);
        all.dedup();
        all
    }
}

/// The new content of one decision node. The node keeps its id, type and every other
/// field; only its conditions and its `default` target are replaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlattenedDecision {
    pub node_id: String,
    /// The complete first-match list in evaluation order. Priorities are strictly
    /// decreasing (`n`, `n-1`, ..., `1`), so priority order and list order agree and no
    /// tie is left for document order to break.
    pub conditions: Vec<PlannedCondition>,
    /// Where calls go when no condition is true. `None` only when the original decision had
    /// no default either (the writer then leaves the transitions untouched).
    pub default_target: Option<String>,
    /// Nodes (always decisions that only this decision entered) that the flattened
    /// decision replaces and that the writer deletes from the document.
    pub removed_nodes: Vec<String>,
}

/// One condition of a flattened decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedCondition {
    /// Expression text in the syntax of `docs/expressions.md` (a conjunction of original
    /// expressions joined with `and`, or several joined with `or`).
    pub expression: String,
    pub priority: u32,
    pub target: String,
}
