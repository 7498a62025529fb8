//! Source text to syntax trees: every reader produces a [`SyntaxTree`] with spans.

pub mod json;
pub mod line_index;
pub mod tree;

pub use line_index::{LineIndex, PositionEncoding};
pub use tree::{SyntaxTree, TreeBuilder, ValueId, ValueKind};
