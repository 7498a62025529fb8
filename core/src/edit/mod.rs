//! Editing a flow in place, for editors: a [`Session`] keeps a parsed flow, applies
//! structural [`Edit`]s to its model, answers "would this connection close a cycle?"
//! without an analysis pass, and analyses the result incrementally.
//!
//! The session's own structures (no IO, no host types; the wasm `FlowSession` is a thin
//! adapter over this module):
//!
//! * a *slot* per node (the first node of each id), with successor and predecessor lists,
//!   found by the id's handle in the flow's interned names (an array, no string map);
//!   references to ids that name no node wait in `pending`, by handle. Reading a text
//!   leaves these to the first edit or cycle query (an editor re-reads on every keystroke);
//! * a *rank* per slot with the invariant `rank[x] >= rank[y]` for every edge `x → y`, so
//!   `y` can reach `x` only if `rank[y] >= rank[x]`. Ranks start as the index of the
//!   slot's strongly connected component in Tarjan's closing order, and an edge that
//!   breaks the invariant raises the ranks of the few ancestors involved;
//! * the analysis cache of `incremental`: what the last full pass found, split into
//!   findings about one node and findings about the graph's structure, plus the
//!   components, reachability, "can end" and longest-path values needed to decide whether
//!   an edit can change the structural findings at all.
//!
//! **Invariant:** [`Session::analysis`] equals [`Session::full_analysis`] (a full
//! analysis of the current model) after every sequence of edits; `core/tests/edit_props.rs`
//! checks this on random edit sequences.

mod incremental;

use crate::diagnostic::{Code, Diagnostic, Location, RawDiagnostic};
use crate::model::{Condition, Edge, ExternalTarget, Flow, Names, Node, NodeRef, Origin};
use crate::syntax::tree::push_pointer_segment;
use crate::{Options, Stats};

pub(crate) const NONE: u32 = u32::MAX;

/// A condition of a decision, as [`Edit::SetConditions`] and [`Edit::AddNode`] take it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionInput {
    pub expression: String,
    pub priority: f64,
    pub target_id: String,
}

/// A structural edit from a visual editor.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Adds a node (flow JSON type names; other types are kept and reported as FG004).
    AddNode {
        id: String,
        type_name: String,
        /// Label to target ids, in order.
        transitions: Vec<(String, Vec<String>)>,
        conditions: Vec<ConditionInput>,
        max_iterations: Option<u64>,
        queue: Option<String>,
    },
    /// Removes a node; references to it stay and become dangling (FG011).
    RemoveNode { id: String },
    /// Replaces the targets of transition `label` of `from` (an empty list removes it).
    SetTransition {
        from: String,
        label: String,
        to: Vec<String>,
    },
    /// Removes transition `label` of `from` (nothing happens if there is none).
    RemoveTransition { from: String, label: String },
    /// Replaces every condition of node `id`.
    SetConditions {
        id: String,
        conditions: Vec<ConditionInput>,
    },
}

impl Edit {
    /// The edit's name in the wasm API (`addNode`, ...), for messages.
    pub fn op(&self) -> &'static str {
        match self {
            Edit::AddNode { .. } => "addNode",
            Edit::RemoveNode { .. } => "removeNode",
            Edit::SetTransition { .. } => "setTransition",
            Edit::RemoveTransition { .. } => "removeTransition",
            Edit::SetConditions { .. } => "setConditions",
        }
    }
}

/// An edit that cannot be applied (a node id that does not exist, adding an id that
/// exists). The session is unchanged then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EditError {}

#[derive(Clone, Debug, Default)]
pub(crate) struct Slot {
    /// Position of the node in `flow.nodes`; meaningless once removed.
    pub pos: u32,
    pub alive: bool,
    /// Successor slots, one entry per resolved reference (with repetitions).
    pub out: Vec<u32>,
    /// Predecessor slots, one entry per resolved reference (with repetitions).
    pub inc: Vec<u32>,
}

/// The slot graph and its ranks.
#[derive(Default)]
pub(crate) struct Index {
    pub slots: Vec<Slot>,
    pub rank: Vec<u32>,
    /// The ranks hold the invariant (false after a re-read until they are needed).
    pub ranks_valid: bool,
    /// Slot of each interned id ([`Flow::names`]; `NONE` when no live node has it).
    pub slot_of_name: Vec<u32>,
    /// Slot of each node position (`NONE` for a node whose id an earlier node has).
    pub slot_at_pos: Vec<u32>,
    /// Sources of references to ids that name no node, by interned id (one entry per
    /// reference; empty lists allocate nothing).
    pub pending: Vec<Vec<u32>>,
    pub has_duplicates: bool,
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<u32>,
}

fn remove_one(list: &mut Vec<u32>, x: u32) {
    if let Some(i) = list.iter().position(|&y| y == x) {
        list.swap_remove(i);
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE)
}

/// `/nodes/<id>` as a JSON Pointer.
pub fn node_pointer(id: &str) -> String {
    let mut p = String::from("/nodes/");
    push_pointer_segment(&mut p, id);
    p
}

impl Index {
    fn slot_node<'f>(&self, flow: &'f Flow, s: u32) -> &'f Node {
        &flow.nodes[self.slots[s as usize].pos as usize]
    }

    /// Whether `from` reaches `to` (true when they are the same slot), searching only
    /// slots whose rank allows it.
    pub fn reaches(&mut self, f: u32, t: u32) -> bool {
        if f == t {
            return true;
        }
        let floor = self.rank[t as usize];
        if self.rank[f as usize] < floor {
            return false;
        }
        if self.stamp == u32::MAX {
            self.seen.iter_mut().for_each(|x| *x = 0);
            self.stamp = 0;
        }
        self.stamp += 1;
        let stamp = self.stamp;
        self.stack.clear();
        self.stack.push(f);
        self.seen[f as usize] = stamp;
        while let Some(x) = self.stack.pop() {
            for &y in &self.slots[x as usize].out {
                if y == t {
                    return true;
                }
                let y = y as usize;
                if self.seen[y] != stamp && self.rank[y] >= floor {
                    self.seen[y] = stamp;
                    self.stack.push(y as u32);
                }
            }
        }
        false
    }

    /// Restores `rank[x] >= rank[y]` for every edge after adding `u → v`: raises `u` and
    /// those of its ancestors whose rank is below `rank[v]`.
    fn raise(&mut self, u: u32, v: u32) {
        if !self.ranks_valid {
            return;
        }
        let r = self.rank[v as usize];
        if self.rank[u as usize] >= r {
            return;
        }
        self.rank[u as usize] = r;
        let mut stack = vec![u];
        while let Some(x) = stack.pop() {
            for &p in &self.slots[x as usize].inc {
                if self.rank[p as usize] < r {
                    self.rank[p as usize] = r;
                    stack.push(p);
                }
            }
        }
    }

    /// The live slot of id `r`.
    pub fn slot(&self, r: NodeRef) -> Option<u32> {
        self.slot_of_name
            .get(r.0 as usize)
            .copied()
            .filter(|&t| t != NONE)
    }

    /// The live slot of the node with id `id`.
    pub fn slot_of(&self, names: &Names, id: &str) -> Option<u32> {
        names.get(id).and_then(|r| self.slot(r))
    }

    /// Room for every id of `names` (edits intern new ones).
    fn cover(&mut self, names: &Names) {
        if self.slot_of_name.len() < names.len() {
            self.slot_of_name.resize(names.len(), NONE);
            self.pending.resize_with(names.len(), Vec::new);
        }
    }

    /// Records a reference from slot `s` to `target`; the slot it resolves to.
    fn link(&mut self, s: u32, target: NodeRef) -> Option<u32> {
        match self.slot(target) {
            Some(t) => {
                self.slots[s as usize].out.push(t);
                self.slots[t as usize].inc.push(s);
                self.raise(s, t);
                Some(t)
            }
            None => {
                if let Some(list) = self.pending.get_mut(target.0 as usize) {
                    list.push(s);
                }
                None
            }
        }
    }

    /// Forgets one reference from slot `s` to `target`; the slot it resolved to.
    fn unlink(&mut self, s: u32, target: NodeRef) -> Option<u32> {
        match self.slot(target) {
            Some(t) => {
                remove_one(&mut self.slots[s as usize].out, t);
                remove_one(&mut self.slots[t as usize].inc, s);
                Some(t)
            }
            None => {
                if let Some(list) = self.pending.get_mut(target.0 as usize) {
                    remove_one(list, s);
                }
                None
            }
        }
    }

    fn new_slot(&mut self, pos: usize) -> u32 {
        let s = u32_of(self.slots.len());
        self.slots.push(Slot {
            pos: u32_of(pos),
            alive: true,
            out: Vec::new(),
            inc: Vec::new(),
        });
        self.rank.push(0);
        self.seen.push(0);
        s
    }

    /// Rebuilds every structure from the model (after reading a text). Ranks are left
    /// invalid: the next analysis or cycle query computes them.
    fn rebuild(&mut self, flow: &mut Flow) {
        self.slots.clear();
        self.slot_of_name.clear();
        self.slot_of_name.resize(flow.names.len(), NONE);
        self.pending.clear();
        self.pending.resize_with(flow.names.len(), Vec::new);
        self.has_duplicates = false;
        self.slot_at_pos = vec![NONE; flow.nodes.len()];
        for pos in 0..flow.nodes.len() {
            let Some(r) = flow.node_ref(pos) else {
                continue;
            };
            let at = &mut self.slot_of_name[r.0 as usize];
            if *at != NONE {
                self.has_duplicates = true;
                continue;
            }
            let s = u32_of(self.slots.len());
            *at = s;
            self.slots.push(Slot {
                pos: u32_of(pos),
                alive: true,
                out: Vec::new(),
                inc: Vec::new(),
            });
            self.slot_at_pos[pos] = s;
        }
        for s in 0..self.slots.len() {
            let pos = self.slots[s].pos as usize;
            for e in &flow.nodes[pos].edges {
                match self.slot(e.target) {
                    Some(t) => {
                        self.slots[s].out.push(t);
                        self.slots[t as usize].inc.push(u32_of(s));
                    }
                    None => {
                        if let Some(list) = self.pending.get_mut(e.target.0 as usize) {
                            list.push(u32_of(s));
                        }
                    }
                }
            }
        }
        self.seen = vec![0; self.slots.len()];
        self.stamp = 0;
        self.rank = vec![0; self.slots.len()];
        self.ranks_valid = false;
    }

    /// The slot graph in CSR form (live slots' edges only).
    pub fn csr(&self) -> crate::graph::Csr {
        let mut edges = Vec::with_capacity(self.slots.iter().map(|s| s.out.len()).sum());
        for (s, slot) in self.slots.iter().enumerate() {
            if slot.alive {
                edges.extend(slot.out.iter().map(|&t| (u32_of(s), t)));
            }
        }
        crate::graph::Csr::from_edges(self.slots.len(), &edges)
    }

    /// Ranks from the strongly connected components: the index of each slot's component
    /// in Tarjan's closing order, in which a component comes after every one it reaches.
    fn set_ranks(&mut self, components: &crate::graph::Components) {
        self.rank.clone_from(&components.of);
        self.ranks_valid = true;
    }

    fn ensure_ranks(&mut self) {
        if !self.ranks_valid {
            let comps = crate::graph::strongly_connected_components(&self.csr(), None);
            self.set_ranks(&comps);
        }
    }
}

/// A flow kept parsed for an editor. See the module documentation.
pub struct Session {
    options: Options,
    flow: Flow,
    /// The text spans refer to, when the syntax tree does not hold it.
    source: Option<String>,
    /// What reading the text found (syntax, schema, unknown types, ...), resolved once.
    read_diagnostics: Vec<Diagnostic>,
    /// The text could not be read: graph checks are skipped until the first edit.
    fatal: bool,
    index: Index,
    /// `index` describes `flow`. Reading a text leaves it stale: the slot graph costs an
    /// allocation or two per node, and an editor re-reads the text on every keystroke but
    /// edits structurally far less often, so the first edit or cycle query builds it.
    indexed: bool,
    cache: incremental::Cache,
}

impl Session {
    /// An empty session (as for an unreadable text) with `options`; [`Session::load`]
    /// reads a text into it.
    pub fn new(options: Options) -> Session {
        Session {
            options,
            flow: Flow::default(),
            source: None,
            read_diagnostics: Vec::new(),
            fatal: true,
            index: Index::default(),
            indexed: true,
            cache: incremental::Cache::default(),
        }
    }

    /// Reads `text` (any supported format), replacing the session's flow.
    pub fn load(&mut self, text: String) {
        let max = self.options.max_bytes;
        let (flow, raw, fatal, source) = match crate::rejection(text.as_bytes(), max) {
            Some(raw) => (Flow::default(), vec![raw], true, Some(text)),
            None => {
                let read = crate::formats::read_with_limit(&text, self.options.format, max);
                // Diagnostics of an Architect export point into its decoded JSON.
                let keep = match read.decoded {
                    Some(decoded) => Some(decoded.text),
                    None => (read.flow.tree.source().len() != text.len()).then_some(text),
                };
                (read.flow, read.diagnostics, read.fatal, keep)
            }
        };
        self.set(flow, raw, fatal, source);
    }

    /// Replaces the session's flow by nothing, with `finding` (for a host that rejects a
    /// text before reading it, such as one certainly over `max_bytes`).
    pub fn load_rejected(&mut self, finding: RawDiagnostic) {
        self.set(Flow::default(), vec![finding], true, None);
    }

    fn set(&mut self, flow: Flow, raw: Vec<RawDiagnostic>, fatal: bool, source: Option<String>) {
        self.flow = flow;
        self.fatal = fatal;
        self.source = source;
        self.indexed = false;
        self.cache = incremental::Cache::default();
        let text = self.source.as_deref().unwrap_or(self.flow.tree.source());
        self.read_diagnostics = crate::resolve(raw, text, self.options.position_encoding);
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The current model (the text last read, with every edit since).
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The text spans refer to.
    pub fn source(&self) -> &str {
        self.source.as_deref().unwrap_or(self.flow.tree.source())
    }

    /// The text could not be read and no edit came since: graph checks are skipped.
    pub fn is_unread(&self) -> bool {
        self.fatal
    }

    /// The graph of the current state, for drawing ([`crate::view`]).
    pub fn graph(&self) -> crate::view::GraphView {
        if self.fatal {
            crate::view::GraphView::unread(self.flow.format)
        } else {
            let (checks, encoding) = (&self.options.checks, self.options.position_encoding);
            crate::view::of_flow(&self.flow, checks, self.source(), encoding)
        }
    }

    /// Whether adding a reference `from → to` would close a cycle: `from == to`, or `to`
    /// already reaches `from`. `false` when either id names no node. Constant time when
    /// `to` is further down the flow than `from`, else a search bounded by the ranks.
    pub fn would_create_cycle(&mut self, from: &str, to: &str) -> bool {
        self.ensure_index();
        let names = &self.flow.names;
        let (Some(f), Some(t)) = (
            self.index.slot_of(names, from),
            self.index.slot_of(names, to),
        ) else {
            return false;
        };
        self.index.ensure_ranks();
        self.index.reaches(t, f)
    }

    /// The analysis of the current state, recomputing only what the edits since the last
    /// one can have changed; equal to [`Session::full_analysis`].
    pub fn analysis(&mut self) -> (Vec<Diagnostic>, Stats) {
        let (structural, stats) = if self.fatal {
            (Vec::new(), Stats::default())
        } else {
            incremental::refresh(self);
            let (local, global, stats) = self.cache.parts();
            let mut all: Vec<Diagnostic> = global.to_vec();
            // Plain loops here and below: iterator adapters would each add an instantiation
            // to the wasm package, which is at its size ceiling.
            for list in local {
                for d in list {
                    all.push(d.clone());
                }
            }
            (all, stats)
        };
        (self.finish(structural), stats)
    }

    /// The analysis of the current state from scratch (what [`Session::analysis`] must
    /// equal; for tests and benchmarks).
    pub fn full_analysis(&self) -> (Vec<Diagnostic>, Stats) {
        if self.fatal {
            return (self.finish(Vec::new()), Stats::default());
        }
        let (mut raw, stats) = crate::analyze(&self.flow, &self.options.checks);
        for node in &self.flow.nodes {
            raw.extend(added_node_findings(&self.flow, node));
        }
        let found = crate::resolve(raw, self.source(), self.options.position_encoding);
        (self.finish(found), stats)
    }

    /// Adds what reading found (minus findings about nodes removed since), applies the
    /// document's suppression comments and `deny_warnings`, and sorts.
    fn finish(&self, mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
        // A finding of the reader about a node is kept while a node has its id. Without the
        // index (no edit since the text was read) the ids are the text's own, collected
        // only when some finding names a node.
        let mut ids: Option<rustc_hash::FxHashSet<&str>> = None;
        for d in &self.read_diagnostics {
            let keep = match &d.node {
                None => true,
                Some(n) if self.indexed => self.index.slot_of(&self.flow.names, n).is_some(),
                Some(n) => ids
                    .get_or_insert_with(|| {
                        self.flow.nodes.iter().map(|x| self.flow.id_of(x)).collect()
                    })
                    .contains(n.as_str()),
            };
            if keep {
                found.push(d.clone());
            }
        }
        crate::diagnostic::sort_diagnostics(&mut found);
        // Suppression comments are part of the document: honoured as `validate` does.
        crate::settings::apply(
            &crate::Settings::default(),
            self.source(),
            self.flow.format == crate::InputFormat::Archy,
            self.options.position_encoding,
            &mut found,
        );
        if self.options.deny_warnings {
            for d in &mut found {
                if d.severity == crate::Severity::Warning {
                    d.severity = crate::Severity::Error;
                }
            }
        }
        found
    }

    /// How many analyses since the text was read were full passes (the rest reused the
    /// structural findings); for benchmarks and tests.
    pub fn full_passes(&self) -> u64 {
        self.cache.full_passes
    }

    /// Whether the next [`Session::analysis`] reuses the structural findings (no edit
    /// since the last one could change them).
    pub fn is_incremental(&self) -> bool {
        !self.fatal && self.cache.is_valid()
    }

    /// Nodes in the model (including duplicates of an id).
    pub fn node_count(&self) -> usize {
        self.flow.nodes.len()
    }

    /// Builds the slot graph if reading a text left it stale, and hands the findings of a
    /// full pass made without it to their slots.
    fn ensure_index(&mut self) {
        if !self.indexed {
            self.index.rebuild(&mut self.flow);
            self.indexed = true;
            incremental::distribute(self);
        }
    }

    fn slot(&self, op: &str, id: &str) -> Result<u32, EditError> {
        self.index
            .slot_of(&self.flow.names, id)
            .ok_or_else(|| EditError(format!("edit {op}: there is no node with id `{id}`")))
    }

    /// Applies one edit to the model. On an error the session is unchanged.
    pub fn apply(&mut self, edit: Edit) -> Result<(), EditError> {
        let op = edit.op();
        self.ensure_index();
        incremental::prepare(self);
        self.index.ensure_ranks();
        match edit {
            Edit::AddNode {
                id,
                type_name,
                transitions,
                conditions,
                max_iterations,
                queue,
            } => {
                if self.index.slot_of(&self.flow.names, &id).is_some() {
                    return Err(EditError(format!(
                        "edit addNode: a node with id `{id}` already exists"
                    )));
                }
                let (kind, known) = crate::model::kind_of_flow_type(&type_name);
                let ptr = node_pointer(&id);
                let name = self.flow.names.intern(&id);
                let mut node = Node::new(name, type_name, kind);
                node.unknown_type = !known;
                node.origin = Origin::pointer(ptr.clone());
                node.max_iterations = max_iterations;
                node.queue = queue.map(|name| {
                    Box::new(ExternalTarget {
                        name,
                        origin: Origin::pointer(format!("{ptr}/queue")),
                        is_expression: false,
                    })
                });
                let names = &mut self.flow.names;
                for (label, targets) in transitions {
                    node.edges
                        .extend(transition_edges(names, &id, &label, &targets));
                }
                set_conditions(names, &mut node, conditions);
                let index = &mut self.index;
                index.cover(names);
                let pos = self.flow.nodes.len();
                let s = index.new_slot(pos);
                index.slot_at_pos.push(s);
                index.slot_of_name[name.0 as usize] = s;
                for p in std::mem::take(&mut index.pending[name.0 as usize]) {
                    index.slots[p as usize].out.push(s);
                    index.slots[s as usize].inc.push(p);
                    // rank[s] is 0, below or equal to every rank: nothing to raise.
                }
                for e in &node.edges {
                    index.link(s, e.target);
                }
                self.flow.nodes.push(node);
                self.cache.invalidate_nodes();
            }
            Edit::RemoveNode { id } => {
                let s = self.slot(op, &id)?;
                self.cache.invalidate_nodes();
                let index = &mut self.index;
                let pos = index.slots[s as usize].pos as usize;
                if index.has_duplicates {
                    // Which node owns a duplicated id depends on document order: keep
                    // it, and rebuild the index (rare: the flow already has FG003).
                    self.flow.nodes.remove(pos);
                    index.rebuild(&mut self.flow);
                    self.fatal = false;
                    return Ok(());
                }
                let out = std::mem::take(&mut index.slots[s as usize].out);
                for t in out {
                    remove_one(&mut index.slots[t as usize].inc, s);
                }
                for e in &self.flow.nodes[pos].edges {
                    if index.slot(e.target).is_none() {
                        index.unlink(s, e.target);
                    }
                }
                let inc = std::mem::take(&mut index.slots[s as usize].inc);
                for &p in &inc {
                    remove_one(&mut index.slots[p as usize].out, s);
                }
                let name = self
                    .flow
                    .names
                    .get(&id)
                    .map_or(usize::MAX, |r| r.0 as usize);
                if let Some(list) = index.pending.get_mut(name) {
                    list.extend(inc);
                }
                index.slots[s as usize].alive = false;
                if let Some(at) = index.slot_of_name.get_mut(name) {
                    *at = NONE;
                }
                // swap_remove keeps removal O(1) at 100,000 nodes; node order in the
                // model is not document order afterwards (output order does not depend
                // on it: diagnostics are sorted).
                let last = self.flow.nodes.len() - 1;
                self.flow.nodes.swap_remove(pos);
                index.slot_at_pos.swap_remove(pos);
                if pos != last {
                    let moved = index.slot_at_pos[pos];
                    if moved != NONE {
                        index.slots[moved as usize].pos = u32_of(pos);
                    }
                }
            }
            Edit::SetTransition { from, label, to } => {
                self.set_transition(op, &from, &label, to)?
            }
            Edit::RemoveTransition { from, label } => {
                self.set_transition(op, &from, &label, Vec::new())?;
            }
            Edit::SetConditions { id, conditions } => {
                let s = self.slot(op, &id)?;
                let pos = self.index.slots[s as usize].pos as usize;
                let node = &mut self.flow.nodes[pos];
                let old: Vec<NodeRef> = node
                    .edges
                    .iter()
                    .filter(|e| e.condition.is_some())
                    .map(|e| e.target)
                    .collect();
                node.edges.retain(|e| e.condition.is_none());
                set_conditions(&mut self.flow.names, node, conditions);
                let new: Vec<NodeRef> = node
                    .edges
                    .iter()
                    .filter(|e| e.condition.is_some())
                    .map(|e| e.target)
                    .collect();
                self.relink(s, &old, &new);
            }
        }
        self.fatal = false;
        Ok(())
    }

    fn set_transition(
        &mut self,
        op: &str,
        from: &str,
        label: &str,
        to: Vec<String>,
    ) -> Result<(), EditError> {
        let s = self.slot(op, from)?;
        let pos = self.index.slots[s as usize].pos as usize;
        let node = &mut self.flow.nodes[pos];
        let is_this = |e: &Edge| e.condition.is_none() && e.label == label;
        let first = node.edges.iter().position(is_this);
        let old: Vec<NodeRef> = node
            .edges
            .iter()
            .filter(|e| is_this(e))
            .map(|e| e.target)
            .collect();
        node.edges.retain(|e| !is_this(e));
        // Where the transition was, or after the other transitions (before conditions).
        let at = match first {
            Some(i) => i,
            None => node
                .edges
                .iter()
                .take_while(|e| e.condition.is_none())
                .count(),
        };
        let new = transition_edges(&mut self.flow.names, from, label, &to);
        let refs: Vec<NodeRef> = new.iter().map(|e| e.target).collect();
        node.edges.splice(at..at, new);
        self.relink(s, &old, &refs);
        Ok(())
    }

    /// Replaces references `old` of slot `s` by `new` in the index, and tells the cache
    /// which resolved edges went and came.
    fn relink(&mut self, s: u32, old: &[NodeRef], new: &[NodeRef]) {
        self.index.cover(&self.flow.names);
        let mut removed = Vec::new();
        for &t in old {
            removed.extend(self.index.unlink(s, t));
        }
        let mut added = Vec::new();
        for &t in new {
            added.extend(self.index.link(s, t));
        }
        incremental::edges_changed(self, s, &removed, &added);
    }
}

/// FG004 for a node an edit added with a type flowguard does not know (the reader reports
/// those of the text), with the flow JSON reader's words.
fn added_node_findings(flow: &Flow, node: &Node) -> Option<RawDiagnostic> {
    if !node.unknown_type || node.origin.value.is_some() {
        return None;
    }
    Some(
        RawDiagnostic::new(
            Code::UnknownNodeType,
            Location {
                pointer: format!("{}/type", node_pointer(flow.id_of(node))),
                range: None,
            },
            format!(
                "node `{}` has type `{}`, which flowguard does not know; it is treated as passing through to its transitions",
                flow.id_of(node), node.type_name
            ),
            crate::formats::flow_json::UNKNOWN_TYPE_HELP,
        )
        .node(flow.id_of(node)),
    )
}

/// The edges of transition `label` of node `id`, with flow JSON pointers.
fn transition_edges(names: &mut Names, id: &str, label: &str, targets: &[String]) -> Vec<Edge> {
    let mut base = node_pointer(id);
    base.push_str("/transitions/");
    push_pointer_segment(&mut base, label);
    targets
        .iter()
        .enumerate()
        .map(|(i, target)| Edge {
            label: crate::model::label(label),
            target: names.intern(target),
            origin: Origin::pointer(format!("{base}/{i}")),
            condition: None,
        })
        .collect()
}

/// Replaces the conditions of `node` (its condition edges must be removed already).
fn set_conditions(names: &mut Names, node: &mut Node, conditions: Vec<ConditionInput>) {
    let base = format!("{}/conditions", node_pointer(names.text(node.id)));
    node.conditions.clear();
    for (i, c) in conditions.into_iter().enumerate() {
        let target = names.intern(&c.target_id);
        node.edges.push(Edge {
            label: crate::model::Label::Borrowed("condition"),
            target,
            origin: Origin::pointer(format!("{base}/{i}/target_id")),
            condition: Some(u32::try_from(i).unwrap_or(u32::MAX)),
        });
        node.conditions.push(Condition {
            expression: c.expression,
            priority: c.priority,
            target,
            origin: Origin::pointer(format!("{base}/{i}")),
            expression_origin: Origin::pointer(format!("{base}/{i}/expression")),
            expression_source_start: None,
        });
    }
}

#[cfg(test)]
mod tests;
