//! flowguard-engine: the part of flowguard-core that `validate` of a flow JSON document
//! runs — syntax trees with spans, the flow model, the flow-JSON reader, the graph checks
//! and the decision analysis they call, and diagnostics with the rule registry.
//!
//! It is a crate of its own only so that the wasm package can compile it for speed
//! (opt-level "s") while the rest of the core (the other formats, flattening, editing,
//! settings) is compiled for size ("z"): Cargo sets the optimisation level per crate
//! (BENCHMARKS.md, "Issue 19, sixth round"). Hosts use it through flowguard-core, which
//! re-exports every module here under the same paths; nothing but flowguard-core depends
//! on it. The rules of the core (no IO, no clock, no randomness, no printing, no unsafe
//! code, no panics reachable from input) hold here as there.
#![forbid(unsafe_code)]

pub mod case;
pub mod checks;
pub mod decision;
pub mod diagnostic;
pub mod formats;
pub mod graph;
pub mod model;
pub mod rules;
pub mod syntax;
pub mod text_index;
