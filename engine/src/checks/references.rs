//! References between nodes: duplicate ids, the start node, dangling targets, unknown
//! queues, unreachable nodes and dead ends.

use rustc_hash::FxHashSet as HashSet;

use super::{CheckOptions, FlowGraph, origin_location};
use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::model::{Edge, Flow, Node, NodeKind};

pub fn check(graph: &FlowGraph<'_>, options: &CheckOptions, out: &mut Vec<RawDiagnostic>) {
    let flow = graph.flow;

    // FG003: every node after the first with the same id.
    // The graph keeps the first node of each id; any other node with that id is a duplicate
    // (so there are none when every node became a vertex).
    let has_duplicates = graph.node_of.len() < flow.nodes.len();
    for (i, node) in flow.nodes.iter().enumerate().filter(|_| has_duplicates) {
        let Some(v) = graph.vertex_of(flow.id_of(node)) else {
            continue;
        };
        let first = graph.node_of[v as usize];
        if first != i {
            let first_node = &flow.nodes[first];
            out.push(
                RawDiagnostic::new(
                    Code::DuplicateId,
                    origin_location(flow, &node.origin, || node_ptr(flow.id_of(node))),
                    format!("the node id `{}` is used more than once", flow.id_of(node)),
                    "every node needs its own id: rename one of them (references would otherwise go to the first)",
                )
                .node(flow.id_of(node))
                .related(
                    origin_location(flow, &first_node.origin, || node_ptr(flow.id_of(first_node))),
                    Some(flow.id_of(first_node).to_owned()),
                    "first defined here",
                ),
            );
        }
    }

    // FG010: no start, or a start that names no node.
    match &flow.start {
        // A document with nothing in it (a stub a pipeline fills later): nothing routes, so
        // nothing is missing; say so instead of reporting a missing start.
        None if flow.nodes.is_empty() => out.push(RawDiagnostic::new(
            Code::EmptyFlow,
            Location::default(),
            "the flow has no menus, tasks, states or nodes: there is nothing to check",
            "nothing to fix if this is a placeholder; add the flow's menus and tasks (and `startUpRef`) to have them checked",
        )),
        None => out.push(RawDiagnostic::new(
            Code::MissingStart,
            Location::default(),
            "the flow has no `start` node",
            "set `start` to the id of the node calls enter first; without it reachability and depth cannot be checked",
        )),
        Some((id, origin)) if graph.start.is_none() => out.push(RawDiagnostic::new(
            Code::MissingStart,
            origin_location(flow, origin, || "/start".to_owned()),
            format!("the start node `{}` does not exist", flow.name(*id)),
            "set `start` to the id of an existing node; without it reachability and depth cannot be checked",
        )),
        Some(_) => {}
    }

    // FG011: references to ids that exist nowhere (the graph noted them while resolving).
    for &(v, k) in &graph.dangling {
        let node = graph.node(v);
        if let Some(edge) = node.edges.get(k as usize) {
            out.push(dangling_target(flow, node, edge));
        }
    }
    // FG011 for entries (error handling, periodic states) that name nothing.
    for &i in &graph.dangling_entries {
        let entry = &flow.entries[i];
        out.push(RawDiagnostic::new(
            Code::DanglingTarget,
            origin_location(flow, &entry.origin, String::new),
            format!(
                "{} names `{}`, which does not exist",
                entry.why,
                flow.name(entry.target)
            ),
            "point it at an existing task, menu or state, or add one with this refId",
        ));
    }
    // FG050: transfers to queues the org does not have.
    let Some(known) = options.known_queues.as_ref() else {
        return;
    };
    let known: HashSet<&str> = known.iter().map(String::as_str).collect();
    for &i in &graph.node_of {
        out.extend(unknown_queue(flow, &flow.nodes[i], &known));
    }
}

fn node_ptr(id: &str) -> String {
    let mut p = String::from("/nodes/");
    crate::syntax::tree::push_pointer_segment(&mut p, id);
    p
}

/// FG011 for one reference of `node` that names no node.
pub(crate) fn dangling_target(flow: &Flow, node: &Node, edge: &Edge) -> RawDiagnostic {
    let what = if edge.condition.is_some() {
        "a condition".to_owned()
    } else {
        format!("the transition `{}`", edge.label)
    };
    RawDiagnostic::new(
        Code::DanglingTarget,
        origin_location(flow, &edge.origin, || node_ptr(flow.id_of(node))),
        format!(
            "{what} of {} targets `{}`, which does not exist",
            node.display(flow),
            flow.name(edge.target)
        ),
        "point it at an existing node id, or add a node with this id",
    )
    .node(flow.id_of(node))
}

/// FG050 for `node` when it transfers to a queue not in `known`.
pub(crate) fn unknown_queue(
    flow: &Flow,
    node: &Node,
    known: &HashSet<&str>,
) -> Option<RawDiagnostic> {
    let queue = node.queue.as_ref()?;
    if queue.is_expression || known.contains(queue.name.as_str()) {
        return None;
    }
    let mut similar: Vec<&&str> = known
        .iter()
        .filter(|k| k.eq_ignore_ascii_case(&queue.name))
        .collect();
    crate::graph::order::sort(&mut similar);
    let help = match similar.first() {
        Some(s) => format!("queue names are case-sensitive: did you mean `{s}`?"),
        None => "create the queue in the org, or transfer to an existing queue".to_owned(),
    };
    Some(
        RawDiagnostic::new(
            Code::UnknownQueue,
            origin_location(flow, &queue.origin, || node_ptr(flow.id_of(node))),
            format!(
                "{} transfers to the queue `{}`, which the org does not have",
                node.display(flow),
                queue.name
            ),
            help,
        )
        .node(flow.id_of(node)),
    )
}

/// FG013 for `node`, whose references resolve to `resolved` nodes.
pub(crate) fn dead_end(flow: &Flow, node: &Node, resolved: usize) -> Option<RawDiagnostic> {
    if node.kind == NodeKind::End || resolved > 0 {
        return None;
    }
    let why = if node.edges.is_empty() {
        "has no outgoing transition"
    } else {
        "has only transitions to nodes that do not exist"
    };
    Some(
        RawDiagnostic::new(
            Code::DeadEnd,
            super::node_location(flow, node),
            format!(
                "{} ({}) {why}, and its type does not end the flow",
                node.display(flow),
                node.type_name
            ),
            "add a transition to the next step, or end the path with a disconnect or transfer",
        )
        .node(flow.id_of(node)),
    )
}

/// FG012 and FG013.
///
/// Unreachable nodes are reported once per region: at each node no other unreachable node
/// leads to (a task nobody jumps to, not each of its actions), with the nodes it leads to
/// as related locations. Regions that are cycles with no such head are reported at their
/// first node in document order. Linear: every node is covered once.
pub fn unreachable_and_dead_ends(
    graph: &FlowGraph<'_>,
    reach: &[bool],
    out: &mut Vec<RawDiagnostic>,
) {
    if graph.start.is_some() {
        unreachable_regions(graph, reach, out);
    }
    // Only a node with no resolved reference can be a dead end: the others are not read.
    for v in 0..graph.node_of.len() as u32 {
        if graph.csr.successors(v).is_empty() {
            out.extend(dead_end(graph.flow, graph.node(v), 0));
        }
    }
}

/// The most related locations one FG012 lists; the message gives the full count.
const REGION_RELATED: usize = 50;

fn unreachable_regions(graph: &FlowGraph<'_>, reach: &[bool], out: &mut Vec<RawDiagnostic>) {
    // Every node reachable (the usual case): no region, nothing to allocate.
    if !reach.contains(&false) {
        return;
    }
    let n = graph.node_of.len();
    let mut has_unreachable_predecessor = vec![false; n];
    for v in 0..n as u32 {
        if !reach[v as usize] {
            for &w in graph.csr.successors(v) {
                if w != v {
                    has_unreachable_predecessor[w as usize] = true;
                }
            }
        }
    }
    let mut covered = vec![false; n];
    let mut stack = Vec::new();
    // Heads first (document order is vertex order), then what cycles leave uncovered.
    for pass in 0..2 {
        for v in 0..n as u32 {
            let i = v as usize;
            if reach[i] || covered[i] || (pass == 0 && has_unreachable_predecessor[i]) {
                continue;
            }
            covered[i] = true;
            let mut region = Vec::new();
            stack.push(v);
            while let Some(u) = stack.pop() {
                for &w in graph.csr.successors(u) {
                    if !reach[w as usize] && !covered[w as usize] {
                        covered[w as usize] = true;
                        region.push(w);
                        stack.push(w);
                    }
                }
            }
            crate::graph::order::sort(&mut region);
            let message = match region.len() {
                0 => format!("{} cannot be reached from the start node", graph.display(v)),
                1 => format!(
                    "{} cannot be reached from the start node, nor can the node it leads to",
                    graph.display(v)
                ),
                k => format!(
                    "{} cannot be reached from the start node, nor can the {k} nodes it leads to",
                    graph.display(v)
                ),
            };
            let mut d = RawDiagnostic::new(
                Code::UnreachableNode,
                graph.node_location(v),
                message,
                "connect it from a node calls reach (a jump, a menu choice, a task call), or delete it if it is no longer used",
            )
            .node(graph.id(v));
            for &w in region.iter().take(REGION_RELATED) {
                d = d.related(
                    graph.node_location(w),
                    Some(graph.id(w).to_owned()),
                    format!("also unreachable: {}", graph.display(w)),
                );
            }
            out.push(d);
        }
    }
}
