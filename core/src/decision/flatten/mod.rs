//! Building the [`FlattenPlan`](super::FlattenPlan) for a flow: expand nested decision trees
//! into first-match lists, optimise them on the exact cell model, and keep only what the
//! certificate proves. See `docs/flattening.md` for the rules and why each step cannot
//! change routing.
//!
//! By concern, each part using only the ones before it:
//! * [`probabilities`] — the probabilities file and each decision's branch shares;
//! * [`expansion`] — the flow's decision structure ([`Context`]) and one tree expanded into
//!   first-match paths;
//! * [`optimise`] — the cell model: entries, cell weights and expected evaluations, and the
//!   removal, merging and reordering that keep every combination's target;
//! * [`planning`] — every tree planned and certified ([`plan_flow`]), absorbed decisions
//!   removed, the condition texts written.

mod expansion;
mod optimise;
mod planning;
mod probabilities;

pub(crate) use expansion::{Context, Part};
pub(crate) use planning::{Planned, plan_flow};
pub use probabilities::{NodeProbabilities, Probabilities, parse_probabilities};

use crate::model::InputFormat;
use crate::syntax::PositionEncoding;

/// Everything a caller can set for [`crate::flatten()`].
#[derive(Clone, Debug)]
pub struct FlattenOptions {
    pub format: InputFormat,
    pub probabilities: Option<Probabilities>,
    /// Largest shared sub-tree (in conditions) copied into each decision that enters it.
    pub unfold_cap: usize,
    /// Largest flattened decision (in conditions); bigger trees are left alone (FG046).
    pub max_conditions: usize,
    /// Largest input space (cell combinations) enumerated to optimise and certify one tree.
    pub max_combinations: usize,
    pub position_encoding: PositionEncoding,
}

impl Default for FlattenOptions {
    fn default() -> Self {
        FlattenOptions {
            format: InputFormat::Auto,
            probabilities: None,
            unfold_cap: 32,
            max_conditions: 4096,
            max_combinations: 1 << 16,
            position_encoding: PositionEncoding::Utf8,
        }
    }
}
