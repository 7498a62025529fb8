//! References between nodes: duplicate ids, the start node, dangling targets, unknown
//! queues, unreachable nodes and dead ends.

use rustc_hash::FxHashSet as HashSet;

use super::{CheckOptions, FlowGraph, origin_location};
use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::NodeKind;

pub fn check(graph: &FlowGraph<'_>, options: &CheckOptions, out: &mut Vec<RawDiagnostic>) {
    let flow = graph.flow;
    let node_ptr = |id: &str| {
        let mut p = String::from("/nodes/");
        crate::syntax::tree::push_pointer_segment(&mut p, id);
        p
    };

    // FG003: every node after the first with the same id.
    // The graph keeps the first node of each id; any other node with that id is a duplicate
    // (so there are none when every node became a vertex).
    let has_duplicates = graph.node_of.len() < flow.nodes.len();
    for (i, node) in flow.nodes.iter().enumerate().filter(|_| has_duplicates) {
        let Some(&v) = graph.vertex_of_id.get(node.id.as_str()) else {
            continue;
        };
        let first = graph.node_of[v as usize];
        if first != i {
            let first_node = &flow.nodes[first];
            out.push(
                RawDiagnostic::new(
                    Code::DuplicateId,
                    origin_location(flow, &node.origin, || node_ptr(&node.id)),
                    format!("the node id `{}` is used more than once", node.id),
                    "every node needs its own id: rename one of them (references would otherwise go to the first)",
                )
                .node(&node.id)
                .related(
                    origin_location(flow, &first_node.origin, || node_ptr(&first_node.id)),
                    Some(first_node.id.clone()),
                    "first defined here",
                ),
            );
        }
    }

    // FG010: no start, or a start that names no node.
    match &flow.start {
        None => out.push(RawDiagnostic::new(
            Code::MissingStart,
            Location::default(),
            "the flow has no `start` node",
            "set `start` to the id of the node calls enter first; without it reachability and depth cannot be checked",
        )),
        Some((id, origin)) if graph.start.is_none() => out.push(RawDiagnostic::new(
            Code::MissingStart,
            origin_location(flow, origin, || "/start".to_owned()),
            format!("the start node `{id}` does not exist"),
            "set `start` to the id of an existing node; without it reachability and depth cannot be checked",
        )),
        Some(_) => {}
    }

    // FG011: references to ids that exist nowhere (the graph noted them while resolving).
    for &(v, k) in &graph.dangling {
        let node = graph.node(v);
        if let Some(edge) = node.edges.get(k as usize) {
            let what = if edge.condition.is_some() {
                "a condition".to_owned()
            } else {
                format!("the transition `{}`", edge.label)
            };
            out.push(
                RawDiagnostic::new(
                    Code::DanglingTarget,
                    origin_location(flow, &edge.origin, || node_ptr(&node.id)),
                    format!(
                        "{what} of `{}` targets `{}`, which does not exist",
                        node.id, edge.target
                    ),
                    "point it at an existing node id, or add a node with this id",
                )
                .node(&node.id),
            );
        }
    }
    // FG050: transfers to queues the org does not have.
    let Some(known) = options.known_queues.as_ref() else {
        return;
    };
    let known: HashSet<&str> = known.iter().map(String::as_str).collect();
    for &i in &graph.node_of {
        let node = &flow.nodes[i];
        if let Some(queue) = &node.queue
            && !queue.is_expression
            && !known.contains(queue.name.as_str())
        {
            {
                let mut similar: Vec<&&str> = known
                    .iter()
                    .filter(|k| k.eq_ignore_ascii_case(&queue.name))
                    .collect();
                crate::graph::order::sort(&mut similar);
                let help = match similar.first() {
                    Some(s) => format!("queue names are case-sensitive: did you mean `{s}`?"),
                    None => {
                        "create the queue in the org, or transfer to an existing queue".to_owned()
                    }
                };
                out.push(
                    RawDiagnostic::new(
                        Code::UnknownQueue,
                        origin_location(flow, &queue.origin, || node_ptr(&node.id)),
                        format!(
                            "`{}` transfers to the queue `{}`, which the org does not have",
                            node.id, queue.name
                        ),
                        help,
                    )
                    .node(&node.id),
                );
            }
        }
    }
}

/// FG012 and FG013.
pub fn unreachable_and_dead_ends(
    graph: &FlowGraph<'_>,
    reach: &[bool],
    out: &mut Vec<RawDiagnostic>,
) {
    for v in 0..graph.node_of.len() as u32 {
        let node = graph.node(v);
        if graph.start.is_some() && !reach[v as usize] {
            out.push(
                RawDiagnostic::new(
                    Code::UnreachableNode,
                    graph.node_location(v),
                    format!("node `{}` cannot be reached from the start node", node.id),
                    "connect it from a node calls reach, or delete it if it is no longer used",
                )
                .node(&node.id),
            );
        }
        if node.kind != NodeKind::End && graph.csr.successors(v).is_empty() {
            let why = if node.edges.is_empty() {
                "has no outgoing transition"
            } else {
                "has only transitions to nodes that do not exist"
            };
            out.push(
                RawDiagnostic::new(
                    Code::DeadEnd,
                    graph.node_location(v),
                    format!("node `{}` ({}) {why}, and its type does not end the flow", node.id, node.type_name),
                    "add a transition to the next step, or end the path with a disconnect or transfer",
                )
                .node(&node.id),
            );
        }
    }
}
