//! Decision nodes: a decision without a `default` transition (FG040). The condition
//! analysis (FG041–FG045) refines this in `crate::decision`.

use super::FlowGraph;
use crate::diagnostic::{Code, RawDiagnostic};
use crate::model::NodeKind;

pub fn check(graph: &FlowGraph<'_>, out: &mut Vec<RawDiagnostic>) {
    for v in 0..graph.node_of.len() as u32 {
        let node = graph.node(v);
        if node.kind == NodeKind::Decision && node.default_edge().is_none() {
            out.push(
                RawDiagnostic::new(
                    Code::NoDefault,
                    graph.node_location(v),
                    format!("decision `{}` has no `default` transition: a call that matches none of its conditions has nowhere to go", node.id),
                    "add a `default` transition for calls that match no condition",
                )
                .node(&node.id),
            );
        }
    }
}
