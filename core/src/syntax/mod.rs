//! Source text to syntax trees: every reader produces a [`SyntaxTree`] with spans. JSON
//! and the tree live in flowguard-engine (the validation path); YAML, which only the Archy
//! reader and writer use, is here.

pub use flowguard_engine::syntax::*;

pub mod yaml;
