//! Loops: routing loops among nodes that do not wait for the caller (FG020), loops bounded
//! by a loop node (FG022), and groups of nodes a caller can never leave (FG021).

use super::{Findings, FlowGraph};
use crate::diagnostic::{Code, RawDiagnostic, RawRelated, Severity};
use crate::graph::{NONE, SearchScratch, cycle_through, strongly_connected_components};
use crate::model::{NodeKind, NodeLocations};

/// The longest cycle text put into a message; the related locations always list every node.
const MESSAGE_CYCLE_NODES: usize = 12;

fn cycle_text(graph: &FlowGraph<'_>, cycle: &[u32]) -> String {
    let mut text = String::with_capacity(cycle_text_capacity(cycle));
    push_cycle_text(graph, cycle, &mut text);
    text
}

/// Room for a cycle's text with short names (growing it step by step was most of its
/// cost).
fn cycle_text_capacity(cycle: &[u32]) -> usize {
    16 * (cycle.len().min(MESSAGE_CYCLE_NODES) + 2)
}

/// Appends the cycle's text (`a → b → a`) to `text`, in place: no string per step, and
/// none for the whole when it goes straight into a message.
fn push_cycle_text(graph: &FlowGraph<'_>, cycle: &[u32], text: &mut String) {
    let name = |v: u32| match &graph.node(v).label {
        Some(l) if !l.is_empty() => l.as_str(),
        _ => graph.id(v),
    };
    let mut parts = 0;
    let mut part = |p: &str| {
        if parts > 0 {
            text.push_str(" → ");
        }
        parts += 1;
        text.push_str(p);
    };
    for &v in cycle.iter().take(MESSAGE_CYCLE_NODES) {
        part(name(v));
    }
    if cycle.len() > MESSAGE_CYCLE_NODES {
        part("…");
    }
    if let Some(&first) = cycle.first() {
        part(name(first));
    }
}

/// Builds a group diagnostic naming every member: the witness cycle first, in order.
/// (On a large IVR this runs once per twenty nodes: each member's message is written into
/// one string and its place found with the group's parent pointer kept, `locate`.)
fn group_diagnostic(
    graph: &FlowGraph<'_>,
    locate: &mut NodeLocations<'_>,
    code: Code,
    cycle: &[u32],
    members: &[u32],
    message: String,
    help: &'static str,
) -> RawDiagnostic {
    let first = cycle.first().copied().unwrap_or(members[0]);
    let mut d =
        RawDiagnostic::new(code, locate.of(graph.node(first)), message, help).node(graph.id(first));
    // Every member is listed once besides the first (the cycle lies inside the group).
    d.related.reserve_exact(members.len().saturating_sub(1));
    let mut related = |v: u32, step: Option<usize>| {
        let node = graph.node(v);
        let id = graph.flow.id_of(node);
        let mut message = String::with_capacity(32 + id.len());
        match step {
            Some(i) => {
                message.push_str("step ");
                super::push_number(&mut message, i as u64);
                message.push_str(" of the cycle: ");
            }
            None => message.push_str("also part of this group: "),
        }
        node.push_display(graph.flow, &mut message);
        d.related.push(RawRelated {
            at: locate.of(node),
            node: Some(id.to_owned()),
            message,
        });
    };
    for (i, &v) in cycle.iter().enumerate().skip(1) {
        related(v, Some(i + 1));
    }
    // Members outside the witness cycle; sized by the group, not the graph, so reporting
    // many small loops stays linear.
    // (The cycle's nodes sorted, searched by bisection: no hash set per group.)
    if members.len() > cycle.len() {
        let mut in_cycle: Vec<u32> = cycle.to_vec();
        crate::graph::order::sort(&mut in_cycle);
        for &v in members {
            if in_cycle.binary_search(&v).is_err() {
                related(v, None);
            }
        }
    }
    d
}

pub fn check(
    graph: &FlowGraph<'_>,
    reach: &[bool],
    out: &mut Vec<RawDiagnostic>,
    found: &mut Findings,
    scratch: &mut Option<SearchScratch>,
) {
    let csr = &graph.csr;
    let mut locate = NodeLocations::new(graph.flow);
    // Allocated at the first loop or trap, if any (an acyclic flow has none).
    let new_scratch = || SearchScratch::new(csr.node_count());
    // FG020 / FG022 on the subgraph of nodes that do not wait for the caller. Every cycle
    // there is a cycle of the whole graph, so only nodes in the whole graph's cyclic
    // components can be in one: the search is limited to them, which in a mostly
    // tree-shaped IVR is almost nothing (same components, one full pass less).
    // (Marked from the cyclic components' members, not asked of every node.)
    let mut in_scope = vec![false; csr.node_count()];
    let comps = &graph.components;
    for c in (0..comps.len() as u32).filter(|&c| comps.is_cyclic(c)) {
        for &v in comps.members(c) {
            in_scope[v as usize] = graph.kind(v) != NodeKind::Input;
        }
    }
    let sub = strongly_connected_components(csr, Some(&in_scope));
    // One diagnostic per cyclic group: room made once (thousands on a large IVR, and the
    // list grown by doubling copied them again and again).
    out.reserve((0..sub.len() as u32).filter(|&c| sub.is_cyclic(c)).count());
    // Report in document order of each group's first node.
    for c in sub.cyclic_by_first_member() {
        let members = sub.members(c);
        let in_c = |v: u32| sub.of[v as usize] == c;
        let cycle = cycle_through(
            csr,
            members[0],
            &in_c,
            scratch.get_or_insert_with(new_scratch),
        );
        let bound = members.iter().find(|&&v| graph.node(v).bounds_loops());
        if !found.skip_records {
            found.loops.push((members.to_vec(), bound.is_some()));
        }
        if let Some(&bound) = bound {
            let node = graph.node(bound);
            // "loop {text} is bounded by loop node {node} ({count})", written in place.
            let mut message = String::with_capacity(cycle_text_capacity(&cycle) + 80);
            message.push_str("loop ");
            push_cycle_text(graph, &cycle, &mut message);
            message.push_str(" is bounded by loop node ");
            node.push_display(graph.flow, &mut message);
            match node.max_iterations {
                Some(n) => {
                    message.push_str(" (at most ");
                    super::push_number(&mut message, n);
                    message.push_str(" iterations)");
                }
                None => message.push_str(" (a count its expression fixes when the loop starts)"),
            }
            out.push(group_diagnostic(
                graph,
                &mut locate,
                Code::BoundedLoop,
                &cycle,
                members,
                message,
                "nothing to fix: the loop node ends the repetition; check that its exit path is what callers should get",
            ));
            continue;
        }
        let text = cycle_text(graph, &cycle);
        // A reusable task called from inside the loop it belongs to returns only if the call
        // ends, which it cannot without leaving the loop another way: the call's return
        // edge (`next` of a node with a `call` edge into the group) is no exit.
        let calls_into_group = |v: u32| {
            graph.node(v).edges.iter().any(|e| {
                e.label == "call" && {
                    let t = graph.vertex(e.target);
                    t != NONE && in_c(t)
                }
            })
        };
        let returns_only_through_group = |v: u32, w: u32| {
            let node = graph.node(v);
            calls_into_group(v)
                && node
                    .edges
                    .iter()
                    .any(|e| e.label == "next" && graph.vertex(e.target) == w)
                && !node
                    .edges
                    .iter()
                    .any(|e| e.label != "next" && e.label != "call" && graph.vertex(e.target) == w)
        };
        let exits: Vec<(u32, u32)> = members
            .iter()
            .flat_map(|&v| csr.successors(v).iter().map(move |&w| (v, w)))
            .filter(|&(v, w)| !in_c(w) && !returns_only_through_group(v, w))
            .collect();
        let ends_here: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&v| graph.kind(v) == NodeKind::End)
            .collect();
        // A member that calls a task of the loop: say why its return is no way out.
        let recursion = members
            .iter()
            .find(|&&v| calls_into_group(v))
            .map(|&v| {
                format!(
                    " ({} calls a task of this loop, so it never returns)",
                    graph.display(v)
                )
            })
            .unwrap_or_default();
        let (severity, message, help) = if exits.is_empty() && ends_here.is_empty() {
            (
                Severity::Error,
                format!(
                    "routing loop {text}: no transition leaves it{recursion}, so a call that enters circles until the platform disconnects it after 10,000 actions"
                ),
                "break the cycle: add an exit to a menu, queue or disconnect, or bound it with a loop node and `max_iterations`",
            )
        } else {
            let exit = exits
                .first()
                .map(|&(v, w)| format!("{} → {}", graph.display(v), graph.display(w)))
                .or_else(|| {
                    ends_here
                        .first()
                        .map(|&v| format!("{} ends the flow", graph.display(v)))
                })
                .unwrap_or_default();
            (
                Severity::Warning,
                format!(
                    "routing loop {text}: calls leave it only when data allows (exit: {exit}); otherwise they circle until the 10,000-action cutoff"
                ),
                "make sure every pass through the loop changes what the exit depends on, or bound it with a loop node and `max_iterations`",
            )
        };
        out.push(
            group_diagnostic(
                graph,
                &mut locate,
                Code::RoutingLoop,
                &cycle,
                members,
                message,
                help,
            )
            .severity(severity),
        );
    }

    // FG021: groups reachable from the start from which no flow-ending node can be reached.
    if graph.start.is_none() {
        return;
    }
    // Whether each component reaches a node that ends the flow (what a search back from
    // those nodes finds, without reversing the graph): Tarjan closes a component after
    // every component it reaches, so in index order a component's successors come first.
    // The traps are noted in the same pass (they are rare) and then put in document
    // order of their first node, rather than walking every node for the components'
    // first members.
    let comps = &graph.components;
    let mut can_end = vec![false; comps.len()];
    let mut traps: Vec<u32> = Vec::new();
    for c in 0..comps.len() {
        let members = comps.members(c as u32);
        can_end[c] = members.iter().any(|&v| {
            graph.kind(v) == NodeKind::End
                || (csr.successors(v).iter()).any(|&w| can_end[comps.of[w as usize] as usize])
        });
        if !can_end[c]
            && graph.is_nontrivial(c as u32)
            && members.first().is_some_and(|&first| reach[first as usize])
        {
            traps.push(c as u32);
        }
    }
    crate::graph::order::sort_by_key(&mut traps, |&c| {
        u64::from(comps.members(c).first().copied().unwrap_or(NONE))
    });
    for c in traps {
        let members = comps.members(c);
        let first = members[0];
        let in_c = |v: u32| comps.of[v as usize] == c && comps.of[v as usize] != NONE;
        let cycle = cycle_through(csr, first, &in_c, scratch.get_or_insert_with(new_scratch));
        if !found.skip_records {
            found.traps.push(members.to_vec());
        }
        let mut names: Vec<String> = members
            .iter()
            .take(MESSAGE_CYCLE_NODES)
            .map(|&v| graph.display(v))
            .collect();
        if members.len() > MESSAGE_CYCLE_NODES {
            names.push(format!("and {} more", members.len() - MESSAGE_CYCLE_NODES));
        }
        out.push(group_diagnostic(
            graph,
            &mut locate,
            Code::CallerTrap,
            &cycle,
            members,
            format!(
                "caller trap: once a call reaches {} ({} node{}), no path leads to a disconnect or transfer",
                names.join(", "),
                members.len(),
                if members.len() == 1 { "" } else { "s" }
            ),
            "give callers a way out: a menu choice or a path that transfers to a queue or disconnects",
        ));
    }
}
