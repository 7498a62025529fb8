//! The validation passes over a [`Flow`]. Each pass reads the shared [`FlowGraph`] and adds
//! diagnostics; a defect in one place never stops the analysis of the rest.

mod decisions;
mod depth;
mod loops;
mod references;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Location, RawDiagnostic};
use crate::graph::{
    Components, Csr, NONE, SearchScratch, reachable, strongly_connected_components,
};
use crate::model::{Flow, NodeKind, NodeRef};

/// What the checks need to know besides the flow.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// FG030 fires when the depth is strictly greater than this.
    pub max_depth: u32,
    /// FG031 fires when the worst-case actions on a path can exceed this.
    pub action_budget: u64,
    /// Known queue names for FG050; `None` skips the check.
    pub known_queues: Option<Vec<String>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            max_depth: 15,
            action_budget: 10_000,
            known_queues: None,
        }
    }
}

/// Measurements of a flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Nodes in the graph (duplicates of an id counted once).
    pub nodes: u32,
    /// Resolved references (transitions and condition targets that name a node).
    pub edges: u32,
    /// The longest path from `start`, counting nodes, with each loop weighing its node count.
    pub max_depth: u32,
    /// Non-trivial strongly connected components (loops) in the whole graph.
    pub components: u32,
}

/// The flow as a graph: vertices are the nodes with a unique id (the first node of a
/// duplicated id), edges the references that resolve.
pub struct FlowGraph<'f> {
    pub flow: &'f Flow,
    /// Flow node index of each vertex.
    pub node_of: Vec<usize>,
    /// The kind of each vertex's node, beside `node_of`: the passes that ask only for a
    /// kind read one byte per vertex instead of the node.
    kinds: Vec<NodeKind>,
    /// The vertex of each interned id ([`Flow::names`]; `NONE` when no node has it): a
    /// reference resolves by indexing, not hashing.
    vertex_of_name: Vec<u32>,
    pub csr: Csr,
    /// References that resolve to no node: (vertex, index into its node's `edges`), in
    /// document order. Found while building, so no check looks every target up again.
    pub dangling: Vec<(u32, u32)>,
    pub start: Option<u32>,
    /// The flow's other entries that resolve ([`Flow::entries`]), as vertices.
    pub entries: Vec<u32>,
    /// Indexes into [`Flow::entries`] of entries that name no node.
    pub dangling_entries: Vec<usize>,
    /// Whole-graph strongly connected components (each one's cyclic flag with them:
    /// [`Components::is_cyclic`]).
    pub components: Components,
}

impl<'f> FlowGraph<'f> {
    pub fn build(flow: &'f Flow) -> Self {
        let mut vertex_of_name = vec![NONE; flow.names.len()];
        let mut node_of = Vec::with_capacity(flow.nodes.len());
        let mut kinds = Vec::with_capacity(flow.nodes.len());
        for (i, node) in flow.nodes.iter().enumerate() {
            // Every node's id is a handle of the flow's names (a handle past their end,
            // from another flow, would make a vertex no reference resolves to).
            let first = match vertex_of_name.get_mut(node.id.0 as usize) {
                Some(slot) if *slot == NONE => {
                    *slot = node_of.len() as u32;
                    true
                }
                Some(_) => false,
                None => true,
            };
            if first {
                node_of.push(i);
                kinds.push(node.kind);
            }
        }
        let resolve = |r: NodeRef| vertex_in(&vertex_of_name, r);
        // The vertices' successors in vertex order: the CSR's rows directly, in one pass
        // over the nodes (no list of pairs to count and place).
        let mut offsets = Vec::with_capacity(node_of.len() + 1);
        offsets.push(0u32);
        let mut targets = Vec::with_capacity(node_of.len() * 2);
        let mut dangling = Vec::new();
        for (v, &i) in node_of.iter().enumerate() {
            for (k, e) in flow.nodes[i].edges.iter().enumerate() {
                match resolve(e.target) {
                    NONE => dangling.push((v as u32, k as u32)),
                    w => targets.push(w),
                }
            }
            offsets.push(targets.len() as u32);
        }
        let csr = Csr::from_rows(offsets, targets);
        let start = flow
            .start
            .as_ref()
            .map(|&(r, _)| resolve(r))
            .filter(|&v| v != NONE);
        let mut entries = Vec::new();
        let mut dangling_entries = Vec::new();
        for (i, entry) in flow.entries.iter().enumerate() {
            match resolve(entry.target) {
                NONE => dangling_entries.push(i),
                v => entries.push(v),
            }
        }
        let components = strongly_connected_components(&csr, None);
        FlowGraph {
            flow,
            node_of,
            kinds,
            vertex_of_name,
            csr,
            dangling,
            start,
            entries,
            dangling_entries,
            components,
        }
    }

    /// The vertex of the node with id `id` (the first node of a duplicated id).
    pub fn vertex_of(&self, id: &str) -> Option<u32> {
        let v = self.vertex(self.flow.names.get(id)?);
        (v != NONE).then_some(v)
    }

    /// The vertex a reference resolves to (`NONE` when no node has the id).
    #[inline]
    pub fn vertex(&self, r: NodeRef) -> u32 {
        vertex_in(&self.vertex_of_name, r)
    }

    pub fn node(&self, v: u32) -> &'f crate::model::Node {
        &self.flow.nodes[self.node_of[v as usize]]
    }

    pub fn kind(&self, v: u32) -> NodeKind {
        self.kinds[v as usize]
    }

    // Inlined: the loop messages name a node per step, and the call was a third of it.
    #[inline]
    pub fn id(&self, v: u32) -> &'f str {
        self.flow.id_of(self.node(v))
    }

    /// How messages name vertex `v` ([`crate::model::Node::display`]).
    pub fn display(&self, v: u32) -> String {
        self.node(v).display(self.flow)
    }

    /// The place of a node (its value in the document, or `/nodes/<id>`).
    pub fn node_location(&self, v: u32) -> Location {
        node_location(self.flow, self.node(v))
    }

    /// Nodes reachable from `start` or another entry (all false without a start).
    pub fn reachable_from_start(&self) -> Vec<bool> {
        match self.start {
            Some(s) => {
                let mut roots = Vec::with_capacity(1 + self.entries.len());
                roots.push(s);
                roots.extend_from_slice(&self.entries);
                reachable(&self.csr, &roots)
            }
            None => vec![false; self.csr.node_count()],
        }
    }

    /// Whether component `c` has a cycle (more than one node, or a self-loop).
    pub fn is_nontrivial(&self, c: u32) -> bool {
        self.components.is_cyclic(c)
    }
}

/// The vertex of reference `r` in a table of vertices by name handle (`NONE`: no node).
#[inline]
fn vertex_in(vertex_of_name: &[u32], r: NodeRef) -> u32 {
    vertex_of_name.get(r.0 as usize).copied().unwrap_or(NONE)
}

pub use crate::model::{node_location, origin_location};
pub use depth::longest_values;

/// What the checks found, as data for hosts that draw the flow (`crate::view`): the
/// groups and paths behind FG020/FG022, FG021, FG012 and FG030, each complete (the
/// diagnostics may list only part of a long path or a large region). Nodes are indexes
/// into [`Flow::nodes`], in document order unless said otherwise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// Loops among nodes that do not wait for the caller: `(members, bounded)`; bounded by
    /// a loop node is FG022, otherwise FG020.
    pub loops: Vec<(Vec<u32>, bool)>,
    /// Groups a caller can never leave (FG021).
    pub traps: Vec<Vec<u32>>,
    /// Every node not reachable from the start or another entry (FG012's regions).
    pub unreachable: Vec<u32>,
    /// The longest path from the start, in order: FG030's path when the depth exceeds the
    /// limit. Filled when FG030 fires, and always for a view ([`run_with`]).
    pub depth_path: Vec<u32>,
    /// The graph's vertices: the first node of each id (for a view only).
    pub vertices: Vec<u32>,
    /// References to ids no node has (FG011): (node, index into its `edges`); for a view
    /// only.
    pub dangling: Vec<(u32, u32)>,
    /// Set by the caller: leave the decisions unanalysed (the crate's structural pass for
    /// editing sessions).
    pub skip_decisions: bool,
    /// Set by the caller: record none of the above, only report (the diagnostics and
    /// stats are the same; `loops`, `traps`, `unreachable` and `depth_path` stay empty).
    /// For callers that drop the findings, such as [`run`]: on a large IVR, copying
    /// thousands of loops' members was a percent or two of the analysis.
    pub skip_records: bool,
}

/// Runs every graph check; returns the stats.
// Out of line: an entry point from flowguard-core, which the wasm package compiles for
// size; inlined into its caller there, it would run as that caller is compiled
// (ARCHITECTURE.md, "Invariants").
#[inline(never)]
pub fn run(flow: &Flow, options: &CheckOptions, out: &mut Vec<RawDiagnostic>) -> Stats {
    let mut found = Findings {
        skip_records: true,
        ..Findings::default()
    };
    run_with(flow, options, out, &mut found, false)
}

/// The findings of [`run`] that depend on the graph's structure (every code but
/// [`is_node_code`]'s), without analysing a decision: what an editing session recomputes
/// after an edit that changed the structure and no node's own findings but the edited
/// node's.
pub fn run_structural(flow: &Flow, options: &CheckOptions, out: &mut Vec<RawDiagnostic>) -> Stats {
    let mut found = Findings {
        skip_decisions: true,
        skip_records: true,
        ..Findings::default()
    };
    let stats = run_with(flow, options, out, &mut found, false);
    out.retain(|d| d.node.is_none() || !is_node_code(d.code));
    stats
}

/// [`run`], recording what the checks found in `found`; with `view`, also what drawing
/// needs: the longest path even within the limit, the vertices and dangling references.
pub fn run_with(
    flow: &Flow,
    options: &CheckOptions,
    out: &mut Vec<RawDiagnostic>,
    found: &mut Findings,
    view: bool,
) -> Stats {
    let graph = FlowGraph::build(flow);
    references::check(&graph, options, out);
    let reach = graph.reachable_from_start();
    references::unreachable_and_dead_ends(&graph, &reach, out);
    if graph.start.is_some() && !found.skip_records {
        found.unreachable = (0..graph.node_of.len())
            .filter(|&v| !reach[v])
            .map(|v| graph.node_of[v] as u32)
            .collect();
    }
    // One search scratch for the loops and the depth witness (each leaves it clear):
    // a table per node, allocated once if either needs it.
    let mut scratch: Option<SearchScratch> = None;
    loops::check(&graph, &reach, out, found, &mut scratch);
    if !found.skip_decisions {
        decisions::check(&graph, out);
    }
    let max_depth = depth::check(&graph, &reach, options, out, found, view, &mut scratch);
    if found.skip_records {
        // (Set by the depth check for FG031's reuse; not kept.)
        found.depth_path.clear();
    }
    for v in found.loops.iter_mut().flat_map(|g| g.0.iter_mut()) {
        *v = graph.node_of[*v as usize] as u32;
    }
    for v in found
        .traps
        .iter_mut()
        .flatten()
        .chain(&mut found.depth_path)
    {
        *v = graph.node_of[*v as usize] as u32;
    }
    let components = graph.components.cyclic_count() as u32;
    let stats = Stats {
        nodes: graph.node_of.len() as u32,
        edges: graph.csr.edge_count() as u32,
        max_depth,
        components,
    };
    if view {
        found.dangling = (graph.dangling.iter())
            .map(|&(v, k)| (graph.node_of[v as usize] as u32, k))
            .collect();
        found.vertices = graph.node_of.iter().map(|&i| i as u32).collect();
    }
    stats
}

/// Appends `n` in decimal, as `{n}` writes it, without the formatting machinery: the loop
/// diagnostics number every step of every loop they list.
pub(crate) fn push_number(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Vertices in the component of `v` (whole graph).
pub(crate) fn component_members<'g>(graph: &'g FlowGraph<'_>, v: u32) -> &'g [u32] {
    let c = graph.components.of[v as usize];
    if c == NONE {
        &[]
    } else {
        graph.components.members(c)
    }
}

/// The findings about one node that depend on nothing but the node and which ids exist:
/// FG011 for its references that name no node, FG013, FG050 and its decision findings
/// (FG040–FG045). Exactly what [`run`] reports about that node with these codes
/// ([`is_node_code`]); the incremental analysis of `crate::edit` recomputes only these for
/// an edited node. `node_by_id` finds the node an id names (the first of a duplicated id).
pub fn node_checks<'f>(
    flow: &'f Flow,
    node: &'f crate::model::Node,
    node_by_id: &dyn Fn(&str) -> Option<&'f crate::model::Node>,
    known_queues: Option<&rustc_hash::FxHashSet<&str>>,
    out: &mut Vec<RawDiagnostic>,
) {
    let mut resolved = 0;
    for edge in &node.edges {
        if node_by_id(flow.name(edge.target)).is_some() {
            resolved += 1;
        } else {
            out.push(references::dangling_target(flow, node, edge));
        }
    }
    out.extend(references::dead_end(flow, node, resolved));
    if let Some(known) = known_queues {
        out.extend(references::unknown_queue(flow, node, known));
    }
    let lookup = decisions::Lookup { flow, node_by_id };
    decisions::check_node(&lookup, node, out);
}

/// Whether a diagnostic with this code and a `node` comes from [`node_checks`]. Every
/// other finding of [`run`] depends on the graph's structure. A new check must be added
/// to one side or the other (the property test of `crate::edit` fails otherwise).
pub fn is_node_code(code: crate::diagnostic::Code) -> bool {
    use crate::diagnostic::Code;
    matches!(
        code,
        Code::DanglingTarget
            | Code::DeadEnd
            | Code::UnknownQueue
            | Code::NoDefault
            | Code::ShadowedCondition
            | Code::UnsatisfiableCondition
            | Code::AmbiguousOrder
            | Code::RedundantCondition
            | Code::ExpressionSyntax
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;

    /// Skipping the records changes no diagnostic or stat, and leaves the records empty
    /// where keeping them fills each of them.
    #[test]
    fn skipping_records_changes_no_report() {
        let text = r#"{"name": "R", "type": "inboundcall", "start": "a", "nodes": {
            "a": {"type": "play", "transitions": {"next": ["b"]}},
            "b": {"type": "play", "transitions": {"next": ["c"]}},
            "c": {"type": "loop", "max_iterations": 3, "transitions": {"body": ["b"], "exit": ["d"]}},
            "d": {"type": "play", "transitions": {"next": ["e"]}},
            "e": {"type": "play", "transitions": {"next": ["d"]}},
            "f": {"type": "disconnect"}}}"#;
        let flow = crate::formats::read_flow_json(text).flow;
        let options = CheckOptions {
            max_depth: 2,
            ..CheckOptions::default()
        };
        let (mut kept_out, mut skipped_out) = (Vec::new(), Vec::new());
        let mut kept = Findings::default();
        let mut skipped = Findings {
            skip_records: true,
            ..Findings::default()
        };
        let kept_stats = run_with(&flow, &options, &mut kept_out, &mut kept, false);
        let skipped_stats = run_with(&flow, &options, &mut skipped_out, &mut skipped, false);
        assert_eq!(kept_out, skipped_out);
        assert_eq!(kept_stats, skipped_stats);
        assert!(
            !kept.loops.is_empty()
                && !kept.traps.is_empty()
                && !kept.unreachable.is_empty()
                && !kept.depth_path.is_empty(),
            "{kept:?}"
        );
        assert_eq!(
            skipped,
            Findings {
                skip_records: true,
                ..Findings::default()
            }
        );
        let mut run_out = Vec::new();
        assert_eq!(run(&flow, &options, &mut run_out), kept_stats);
        assert_eq!(run_out, kept_out);
    }

    /// What the checks say, as (code, node) pairs, sorted.
    fn said(flow: &Flow) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        run(flow, &CheckOptions::default(), &mut out);
        let mut said: Vec<_> = out
            .into_iter()
            .map(|d| (d.code.code().to_owned(), d.node))
            .collect();
        crate::graph::order::sort(&mut said);
        said
    }

    #[test]
    fn push_number_writes_what_format_does() {
        let mut n = 1u64;
        for k in [0, 1, 9, 10, 11, 99, 100, 12_345, u64::MAX - 1, u64::MAX]
            .into_iter()
            .chain((0..64).map(|_| {
                n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                n >> (n % 64)
            }))
        {
            let mut s = String::from("x");
            push_number(&mut s, k);
            assert_eq!(s, format!("x{k}"));
        }
    }

    /// A flow built in code (nodes made with `Flow::new_node`, so their ids are interned
    /// between the references') is seen as the readers' flows are, duplicates included.
    #[test]
    fn flows_built_in_code_are_checked_like_read_ones() {
        let mut flow = Flow::default();
        for (id, to) in [
            ("a", Some("b")),
            ("b", Some("x")),
            ("c", None),
            ("c", Some("a")),
            ("d", Some("d")),
        ] {
            let mut node = flow.new_node(id, "play", crate::model::NodeKind::PassThrough);
            if let Some(t) = to {
                let e = flow.edge("next", t, Origin::default());
                node.edges.push(e);
            }
            flow.nodes.push(node);
        }
        let start = flow.intern("a");
        flow.start = Some((start, Origin::default()));
        let found = said(&flow);
        for (code, node) in [
            ("FG003", "c"),
            ("FG011", "b"),
            ("FG012", "c"),
            ("FG012", "d"),
        ] {
            assert!(
                found.contains(&(code.to_owned(), Some(node.to_owned()))),
                "{code} {node}: {found:?}"
            );
        }
        let graph = FlowGraph::build(&flow);
        assert_eq!(graph.node_of, [0, 1, 2, 4]);
        assert_eq!(graph.vertex_of("c"), Some(2));
        assert_eq!(graph.vertex_of("x"), None);
    }
}
