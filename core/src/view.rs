//! The flow as a host draws it ([`graph_view`], [`of_flow`]): the nodes with kind, type,
//! label and place in the text, the edges with their labels, and what the checks found —
//! loop groups, caller traps, unreachable nodes and the depth path — as data, the same
//! findings the diagnostics report (from [`checks::run_with`], not derived again), so a
//! drawing never infers them from diagnostic codes. Every format reads into the same
//! model, so every format has the same view.

use crate::checks::{self, CheckOptions, Findings};
use crate::model::{Flow, InputFormat, NodeKind};
use crate::{LineIndex, Options, PositionEncoding, Span, Stats};

/// A node of the graph (the first node of each id; duplicates are FG003).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewNode {
    pub id: String,
    /// The type as written (`menu`, `playAudio`, `TransferPureMatchAction`, …).
    pub type_name: String,
    pub kind: NodeKind,
    /// The name Architect shows, when the format has one besides the id.
    pub label: Option<String>,
    /// The node's head: what diagnostics about it underline (its key, `id` or `name`).
    /// `None` for nodes with no text (added by an editing session).
    pub span: Option<Span>,
    /// The node's whole text, head included.
    pub extent: Option<Span>,
}

/// A reference from one node to another, in document order per node.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewEdge {
    pub source: String,
    pub target: String,
    /// The transition label (`default`, `1`, `yes`, …), `condition` for a condition.
    pub label: String,
    /// Index of the condition (in the node's document order) for a condition's target.
    pub condition: Option<u32>,
    /// The target names no node (FG011).
    pub dangling: bool,
}

/// The graph of a flow and what the checks found in it.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphView {
    /// The format the text was read as.
    pub format: InputFormat,
    /// False when the text could not be read (syntax error, too large): nothing else is
    /// filled then; `validate` says why.
    pub read: bool,
    /// In document order.
    pub nodes: Vec<ViewNode>,
    pub edges: Vec<ViewEdge>,
    /// The start node's id as the document names it.
    pub start: Option<String>,
    /// Other ways in that reachability starts from (error handling, an in-queue flow's
    /// periodic state), as the document names them.
    pub entries: Vec<String>,
    /// Routing loops (FG020): groups of nodes that do not wait for the caller and no loop
    /// node bounds, members in document order, groups in document order of their first.
    pub loops: Vec<Vec<String>>,
    /// Loops a loop node bounds (FG022), the same way.
    pub bounded_loops: Vec<Vec<String>>,
    /// Groups a caller can never leave (FG021), members in document order.
    pub traps: Vec<Vec<String>>,
    /// Every node calls cannot reach (FG012 reports them by region), in document order.
    pub unreachable: Vec<String>,
    /// The longest path from the start, in order (FG030's path when `depth_exceeded`);
    /// its length in nodes, each loop it passes weighing all its nodes, is
    /// `stats.max_depth`.
    pub depth_path: Vec<String>,
    /// `stats.max_depth` is over the limit (FG030).
    pub depth_exceeded: bool,
    pub stats: Stats,
}

impl GraphView {
    /// The view of a text that could not be read.
    pub fn unread(format: InputFormat) -> Self {
        GraphView {
            format,
            read: false,
            nodes: Vec::new(),
            edges: Vec::new(),
            start: None,
            entries: Vec::new(),
            loops: Vec::new(),
            bounded_loops: Vec::new(),
            traps: Vec::new(),
            unreachable: Vec::new(),
            depth_path: Vec::new(),
            depth_exceeded: false,
            stats: Stats::default(),
        }
    }
}

/// Reads a document (any format, as [`crate::validate`] does) and returns its graph view;
/// spans are in `options.position_encoding` and, for an Architect export, refer to its
/// decoded JSON (`Validation::decoded`).
pub fn graph_view(text: &str, options: &Options) -> GraphView {
    if crate::reject_bytes(text.as_bytes(), options).is_some() {
        return GraphView::unread(options.format);
    }
    let read = crate::formats::read_with_limit(text, options.format, options.max_bytes);
    if read.fatal {
        return GraphView::unread(read.flow.format);
    }
    let source = read.decoded.as_ref().map_or(text, |d| d.text.as_str());
    of_flow(
        &read.flow,
        &options.checks,
        source,
        options.position_encoding,
    )
}

/// The graph view of a flow already in the model; `source` is the text its origins refer
/// to.
pub fn of_flow(
    flow: &Flow,
    options: &CheckOptions,
    source: &str,
    encoding: PositionEncoding,
) -> GraphView {
    let mut found = Findings::default();
    let stats = checks::run_with(flow, options, &mut Vec::new(), &mut found, true);
    let index = LineIndex::new(source);
    let span = |r: (u32, u32)| crate::diagnostic::span_at(&index, source, r, encoding);
    let ids = |list: &[u32]| -> Vec<String> {
        list.iter()
            .map(|&i| flow.id_of(&flow.nodes[i as usize]).to_owned())
            .collect()
    };
    let (mut loops, mut bounded_loops) = (Vec::new(), Vec::new());
    for (members, bounded) in &found.loops {
        if *bounded {
            &mut bounded_loops
        } else {
            &mut loops
        }
        .push(ids(members));
    }
    let mut nodes = Vec::with_capacity(found.vertices.len());
    let mut edges = Vec::new();
    let mut dangling = found.dangling.iter().peekable();
    for &i in &found.vertices {
        let node = &flow.nodes[i as usize];
        let head = checks::node_location(flow, node).range;
        let extent = match (node.origin.value, head) {
            (Some(v), Some((hs, he))) if (v.0 as usize) < flow.tree.len() => {
                let (s, e) = flow.tree.span(v);
                Some(span((s.min(hs), e.max(he))))
            }
            _ => None,
        };
        nodes.push(ViewNode {
            id: flow.id_of(node).to_owned(),
            type_name: node.type_name.to_string(),
            kind: node.kind,
            label: node.label.clone(),
            span: head.map(span),
            extent,
        });
        for (k, e) in node.edges.iter().enumerate() {
            edges.push(ViewEdge {
                source: flow.id_of(node).to_owned(),
                target: flow.name(e.target).to_owned(),
                label: e.label.to_string(),
                condition: e.condition,
                // Both lists are in vertex, then edge order.
                dangling: dangling.next_if(|&&d| d == (i, k as u32)).is_some(),
            });
        }
    }
    GraphView {
        format: flow.format,
        read: true,
        nodes,
        edges,
        start: flow.start_id().map(str::to_owned),
        entries: flow
            .entries
            .iter()
            .map(|e| flow.name(e.target).to_owned())
            .collect(),
        loops,
        bounded_loops,
        traps: found.traps.iter().map(|t| ids(t)).collect(),
        unreachable: ids(&found.unreachable),
        depth_path: ids(&found.depth_path),
        depth_exceeded: stats.max_depth > options.max_depth,
        stats,
    }
}
