//! Decision analysis: what the checks run on every decision.
//!
//! * [`parse_expression`] reads a condition expression (`docs/expressions.md`).
//! * [`analyze_decision`] finds shadowed, unsatisfiable, ambiguous and redundant conditions
//!   and inputs that match nothing (FG040–FG045), exactly for comparisons of variables with
//!   literals and conservatively beyond.
//!
//! Flattening, which builds on the same domains and evaluation, is flowguard-core's
//! (`flowguard_core::decision`); the modules it uses are public for it.

pub mod analysis;
pub mod bits;
pub mod domain;
pub mod eval;
pub mod expr;
pub mod independent;

pub use analysis::{
    AnalysisOptions, DecisionAnalysis, Finding, Witness, analyze_decision, evaluation_order,
};
pub use eval::{Input, Value};
pub use expr::{Expr, ExprError, parse_expression};
pub(crate) use independent::quiet;
