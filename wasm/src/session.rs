//! `FlowSession`: a parsed flow kept in wasm memory for an editor, with structural edits
//! and a constant-time-in-the-common-case cycle query.
//!
//! The session owns the core's model (`Flow`); edits change it and the analysis is the
//! core's (`analyze` + `resolve`). The only structures of its own are the incremental
//! ones `wouldCreateCycle` needs without a full pass:
//!
//! * a slot per node (first node of each id), with successor and predecessor lists, and
//!   an id → slot map; references to ids that do not exist wait in `pending`;
//! * a *rank* per slot with the invariant `rank[x] >= rank[y]` for every edge `x → y`, so
//!   `y` can reach `x` only if `rank[y] >= rank[x]`. Ranks start as the index of the node's
//!   strongly connected component in Tarjan's closing order (the core's SCC), and an edge
//!   that breaks the invariant raises the ranks of the few ancestors involved.
//!
//! `wouldCreateCycle(from, to)` is then `from == to`, or `to` reaches `from`: answered
//! at once when `rank[to] < rank[from]` (the usual case: linking to a node further down
//! the flow), else by a search from `to` that never leaves the ranks `>= rank[from]`.

// FxHash, as in the core: ids are short and from the user's own document, so SipHash's DoS
// resistance buys nothing; the core already links rustc-hash, so this is smaller too.
use rustc_hash::FxHashMap as HashMap;

use flowguard_core as core;
use flowguard_core::model::{Condition, Edge, ExternalTarget, Node, Origin};
use wasm_bindgen::prelude::*;

use crate::options::{self, Result};
use crate::types::{self, ConditionInput, Edit, SessionResult};
use crate::{Text, core_options, read_text, to_js};

const NONE: u32 = u32::MAX;

#[derive(Clone, Debug, Default)]
struct Slot {
    /// Position of the node in `flow.nodes`; meaningless once removed.
    pos: u32,
    alive: bool,
    /// Successor slots, one entry per resolved reference (with repetitions).
    out: Vec<u32>,
    /// Predecessor slots, one entry per resolved reference (with repetitions).
    inc: Vec<u32>,
}

/// A flow kept parsed for an editor: `update(text)` re-reads it, `applyEdit(edit)` changes
/// the model directly (for visual editors), `wouldCreateCycle(from, to)` answers a
/// connection check without an analysis pass, and `diagnostics()` analyses the current
/// state. Call `free()` (or use `using`) when done: the flow lives in wasm memory.
///
/// Diagnostics of parts added or changed by `applyEdit` have a `pointer` (in flow JSON
/// shape, `/nodes/<id>/...`) but no `span`: there is no text for them. Spans of other
/// parts refer to the text last given to the constructor or `update`.
#[wasm_bindgen]
pub struct FlowSession {
    options: core::Options,
    flow: core::Flow,
    /// The text spans refer to, when the syntax tree does not hold it.
    source: Option<String>,
    /// What reading the text found (syntax, schema, unknown types, ...).
    read_diagnostics: Vec<core::RawDiagnostic>,
    /// The text could not be read: graph checks are skipped until the first edit.
    fatal: bool,
    generation: u32,
    slots: Vec<Slot>,
    rank: Vec<u32>,
    slot_of_id: HashMap<String, u32>,
    /// Slot of each node position (`NONE` for a node whose id an earlier node has).
    slot_at_pos: Vec<u32>,
    /// Sources of references to ids that name no node, by id (one entry per reference).
    pending: HashMap<String, Vec<u32>>,
    has_duplicates: bool,
    /// No edit since the ranks were computed from the components.
    ranks_fresh: bool,
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<u32>,
}

fn remove_one(list: &mut Vec<u32>, x: u32) {
    if let Some(i) = list.iter().position(|&y| y == x) {
        list.swap_remove(i);
    }
}

fn node_pointer(id: &str) -> String {
    let mut p = String::from("/nodes/");
    core::syntax::tree::push_pointer_segment(&mut p, id);
    p
}

fn kind_name(edit: &Edit) -> &'static str {
    match edit {
        Edit::AddNode { .. } => "addNode",
        Edit::RemoveNode { .. } => "removeNode",
        Edit::SetTransition { .. } => "setTransition",
        Edit::RemoveTransition { .. } => "removeTransition",
        Edit::SetConditions { .. } => "setConditions",
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE)
}

fn string_arg(what: &str, v: &JsValue) -> Result<String> {
    v.as_string().ok_or_else(|| {
        JsError::new(&format!(
            "{what} must be a string (a node id), got {}",
            options::describe(v)
        ))
    })
}

#[wasm_bindgen]
impl FlowSession {
    /// Reads `text` (any supported format) with `options` (the options of `validate`).
    /// Never throws for anything in the text; throws an `Error` for invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
    ) -> Result<FlowSession> {
        let options = options::validate_options(&options)?;
        if options.settings.is_some() {
            return Err(JsError::new(
                "options: `settings` is taken by `validate`, not by `FlowSession`",
            ));
        }
        let options = core_options(&options);
        let mut session = FlowSession {
            options,
            flow: core::Flow::default(),
            source: None,
            read_diagnostics: Vec::new(),
            fatal: true,
            generation: 0,
            slots: Vec::new(),
            rank: Vec::new(),
            slot_of_id: HashMap::default(),
            slot_at_pos: Vec::new(),
            pending: HashMap::default(),
            has_duplicates: false,
            ranks_fresh: false,
            seen: Vec::new(),
            stamp: 0,
            stack: Vec::new(),
        };
        session.load(&text)?;
        Ok(session)
    }

    /// Re-reads the whole document (after the user typed) and analyses it.
    #[wasm_bindgen(unchecked_return_type = "SessionResult")]
    pub fn update(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsValue> {
        self.load(&text)?;
        self.generation = self.generation.wrapping_add(1);
        self.result(true)
    }

    /// Applies one structural edit to the model and (unless `{analyze: false}`) analyses
    /// the result. Throws an `Error` for an invalid edit (unknown `op`, missing field, a
    /// node id that does not exist, adding an id that exists); the session is unchanged
    /// then.
    #[wasm_bindgen(js_name = applyEdit, unchecked_return_type = "SessionResult")]
    pub fn apply_edit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Edit")] edit: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ApplyOptions")] options: JsValue,
    ) -> Result<JsValue> {
        let edit = options::edit(&edit)?;
        let analyze = options::apply_options(&options)?.analyze.unwrap_or(true);
        self.apply(edit)?;
        self.fatal = false;
        self.generation = self.generation.wrapping_add(1);
        self.result(analyze)
    }

    /// Analyses the current state (the text last read, with every edit since).
    #[wasm_bindgen(unchecked_return_type = "SessionResult")]
    pub fn diagnostics(&mut self) -> Result<JsValue> {
        self.result(true)
    }

    /// The graph of the current state (the text last read, with every edit since), as
    /// `graph` returns it. Nodes and edges added by `applyEdit` have no span.
    #[wasm_bindgen(unchecked_return_type = "GraphView")]
    pub fn graph(&self) -> Result<JsValue> {
        let view = if self.fatal {
            core::view::GraphView::unread(self.flow.format)
        } else {
            let source = self.source.as_deref().unwrap_or(self.flow.tree.source());
            let (checks, encoding) = (&self.options.checks, self.options.position_encoding);
            core::view::of_flow(&self.flow, checks, source, encoding)
        };
        types::graph_js(&view)
    }

    /// Whether adding a reference `from → to` would close a cycle, i.e. `from == to` or
    /// `to` already reaches `from`. For a React Flow `isValidConnection`. No analysis pass:
    /// constant time when `to` is further down the flow than `from`, else a search
    /// bounded by the session's rank index. `false` when either id names no node.
    ///
    /// Every cycle counts, including caller-driven ones through menus, which flowguard
    /// accepts in a flow (see FG020 and FG021 for which loops are defects).
    #[wasm_bindgen(js_name = wouldCreateCycle)]
    pub fn would_create_cycle(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] from: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] to: JsValue,
    ) -> Result<bool> {
        let from = string_arg("wouldCreateCycle: `from`", &from)?;
        let to = string_arg("wouldCreateCycle: `to`", &to)?;
        Ok(self.reaches(&to, &from))
    }

    /// Increases by one with every `update` and `applyEdit` (starts at 0).
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Nodes in the model (including duplicates of an id).
    #[wasm_bindgen(getter, js_name = nodeCount)]
    pub fn node_count(&self) -> u32 {
        u32_of(self.flow.nodes.len())
    }
}

impl FlowSession {
    fn load(&mut self, text: &JsValue) -> Result<()> {
        let opts = &self.options;
        let (flow, diagnostics, fatal, source) = match read_text("text", text, opts.max_bytes)? {
            Text::TooLarge(raw) => (core::Flow::default(), vec![raw], true, None),
            Text::Read(text) => match precheck(&text, opts.max_bytes) {
                Some(raw) => (core::Flow::default(), vec![raw], true, Some(text)),
                None => {
                    let read = core::formats::read(&text, opts.format);
                    // Diagnostics of an Architect export point into its decoded JSON.
                    let keep = match read.decoded {
                        Some(decoded) => Some(decoded.text),
                        None => (read.flow.tree.source().len() != text.len()).then_some(text),
                    };
                    (read.flow, read.diagnostics, read.fatal, keep)
                }
            },
        };
        self.flow = flow;
        self.read_diagnostics = diagnostics;
        self.fatal = fatal;
        self.source = source;
        self.rebuild();
        Ok(())
    }

    fn result(&mut self, analyze: bool) -> Result<JsValue> {
        let mut out = SessionResult {
            generation: self.generation,
            diagnostics: None,
            stats: None,
        };
        if analyze {
            let (diagnostics, stats) = self.analyze();
            out.diagnostics = Some(diagnostics);
            out.stats = Some(stats.into());
        }
        to_js(&out)
    }

    /// The core's analysis of the current model: what reading found (minus findings about
    /// nodes removed since), then every graph check.
    fn analyze(&mut self) -> (Vec<core::Diagnostic>, core::Stats) {
        let mut raw: Vec<core::RawDiagnostic> = self
            .read_diagnostics
            .iter()
            .filter(|d| {
                d.node
                    .as_ref()
                    .is_none_or(|n| self.slot_of_id.contains_key(n))
            })
            .cloned()
            .collect();
        let stats = if self.fatal {
            core::Stats::default()
        } else {
            let (found, stats) = core::analyze(&self.flow, &self.options.checks);
            raw.extend(found);
            // The reader reports unknown types (FG004) of the text; do the same for nodes
            // added by `applyEdit`, with the flow JSON reader's words.
            for node in &self.flow.nodes {
                if node.unknown_type && node.origin.value.is_none() {
                    raw.push(
                        core::RawDiagnostic::new(
                            core::Code::UnknownNodeType,
                            core::Location {
                                pointer: format!("{}/type", node_pointer(&node.id)),
                                range: None,
                            },
                            format!(
                                "node `{}` has type `{}`, which flowguard does not know; it is treated as passing through to its transitions",
                                node.id, node.type_name
                            ),
                            "if this is a typo, use one of menu, collect, play, set, data, jump, task, decision, loop, transfer, transfer_flow, disconnect",
                        )
                        .node(&node.id),
                    );
                }
            }
            stats
        };
        // A fresh rank index while we pay for a full pass anyway.
        if !self.ranks_fresh {
            self.recompute_ranks();
        }
        let source = self.source.as_deref().unwrap_or(self.flow.tree.source());
        let mut diagnostics = core::resolve(raw, source, self.options.position_encoding);
        // Suppression comments are part of the document: honoured as `validate` does.
        core::settings::apply(
            &core::Settings::default(),
            source,
            self.flow.format == core::InputFormat::Archy,
            self.options.position_encoding,
            &mut diagnostics,
        );
        if self.options.deny_warnings {
            for d in &mut diagnostics {
                if d.severity == core::Severity::Warning {
                    d.severity = core::Severity::Error;
                }
            }
        }
        (diagnostics, stats)
    }

    /// Rebuilds the incremental structures from the model (after reading a text).
    fn rebuild(&mut self) {
        self.slots.clear();
        self.slot_of_id.clear();
        self.pending.clear();
        self.has_duplicates = false;
        self.slot_at_pos = vec![NONE; self.flow.nodes.len()];
        for (pos, node) in self.flow.nodes.iter().enumerate() {
            if self.slot_of_id.contains_key(&node.id) {
                self.has_duplicates = true;
                continue;
            }
            let s = u32_of(self.slots.len());
            self.slots.push(Slot {
                pos: u32_of(pos),
                alive: true,
                out: Vec::new(),
                inc: Vec::new(),
            });
            self.slot_of_id.insert(node.id.clone(), s);
            self.slot_at_pos[pos] = s;
        }
        for s in 0..self.slots.len() {
            let pos = self.slots[s].pos as usize;
            for e in &self.flow.nodes[pos].edges {
                match self.slot_of_id.get(e.target.as_str()) {
                    Some(&t) => {
                        self.slots[s].out.push(t);
                        self.slots[t as usize].inc.push(u32_of(s));
                    }
                    None => self
                        .pending
                        .entry(e.target.clone())
                        .or_default()
                        .push(u32_of(s)),
                }
            }
        }
        self.seen = vec![0; self.slots.len()];
        self.stamp = 0;
        self.recompute_ranks();
    }

    /// Ranks from the core's strongly connected components: the index of each node's
    /// component in Tarjan's closing order, in which a component comes after every
    /// component it reaches.
    fn recompute_ranks(&mut self) {
        let mut edges = Vec::new();
        for (s, slot) in self.slots.iter().enumerate() {
            if slot.alive {
                edges.extend(slot.out.iter().map(|&t| (u32_of(s), t)));
            }
        }
        let csr = core::graph::Csr::from_edges(self.slots.len(), &edges);
        self.rank = core::graph::strongly_connected_components(&csr, &|_| true).of;
        self.ranks_fresh = true;
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

    /// Records a reference from slot `s` to `target`.
    fn link(&mut self, s: u32, target: &str) {
        match self.slot_of_id.get(target) {
            Some(&t) => {
                self.slots[s as usize].out.push(t);
                self.slots[t as usize].inc.push(s);
                self.raise(s, t);
            }
            None => self.pending.entry(target.to_owned()).or_default().push(s),
        }
    }

    /// Forgets one reference from slot `s` to `target`.
    fn unlink(&mut self, s: u32, target: &str) {
        match self.slot_of_id.get(target) {
            Some(&t) => {
                remove_one(&mut self.slots[s as usize].out, t);
                remove_one(&mut self.slots[t as usize].inc, s);
            }
            None => {
                if let Some(list) = self.pending.get_mut(target) {
                    remove_one(list, s);
                    if list.is_empty() {
                        self.pending.remove(target);
                    }
                }
            }
        }
    }

    /// Restores `rank[x] >= rank[y]` for every edge after adding `u → v`: raises `u` and
    /// those of its ancestors whose rank is below `rank[v]`.
    fn raise(&mut self, u: u32, v: u32) {
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

    /// Whether `from` reaches `to` (true when they are the same existing node).
    fn reaches(&mut self, from: &str, to: &str) -> bool {
        let (Some(&f), Some(&t)) = (self.slot_of_id.get(from), self.slot_of_id.get(to)) else {
            return false;
        };
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

    fn slot(&self, op: &str, id: &str) -> Result<u32> {
        self.slot_of_id
            .get(id)
            .copied()
            .ok_or_else(|| JsError::new(&format!("edit {op}: there is no node with id `{id}`")))
    }

    fn apply(&mut self, edit: Edit) -> Result<()> {
        let op = kind_name(&edit);
        self.ranks_fresh = false;
        match edit {
            Edit::AddNode {
                id,
                type_name,
                transitions,
                conditions,
                max_iterations,
                queue,
            } => {
                if self.slot_of_id.contains_key(&id) {
                    return Err(JsError::new(&format!(
                        "edit addNode: a node with id `{id}` already exists"
                    )));
                }
                let (kind, known) = core::model::kind_of_flow_type(&type_name);
                let ptr = node_pointer(&id);
                let mut node = Node::new(id.clone(), type_name, kind);
                node.unknown_type = !known;
                node.origin = Origin::pointer(ptr.clone());
                node.max_iterations = max_iterations;
                node.queue = queue.map(|name| ExternalTarget {
                    name,
                    origin: Origin::pointer(format!("{ptr}/queue")),
                    is_expression: false,
                });
                for (label, targets) in transitions.unwrap_or_default() {
                    node.edges.extend(transition_edges(&id, &label, targets));
                }
                set_conditions(&mut node, conditions.unwrap_or_default());
                let pos = self.flow.nodes.len();
                let s = self.new_slot(pos);
                self.slot_at_pos.push(s);
                self.slot_of_id.insert(id.clone(), s);
                for p in self.pending.remove(&id).unwrap_or_default() {
                    self.slots[p as usize].out.push(s);
                    self.slots[s as usize].inc.push(p);
                    // rank[s] is 0, below or equal to every rank: nothing to raise.
                }
                let targets: Vec<String> = node.edges.iter().map(|e| e.target.clone()).collect();
                self.flow.nodes.push(node);
                for t in &targets {
                    self.link(s, t);
                }
            }
            Edit::RemoveNode { id } => {
                let s = self.slot(op, &id)?;
                if self.has_duplicates {
                    // Which node owns a duplicated id depends on document order: keep
                    // it, and rebuild the index (rare: the flow already has FG003).
                    let pos = self.slots[s as usize].pos as usize;
                    self.flow.nodes.remove(pos);
                    self.rebuild();
                    return Ok(());
                }
                let pos = self.slots[s as usize].pos as usize;
                let out = std::mem::take(&mut self.slots[s as usize].out);
                for t in out {
                    remove_one(&mut self.slots[t as usize].inc, s);
                }
                let dangling: Vec<String> = self.flow.nodes[pos]
                    .edges
                    .iter()
                    .filter(|e| !self.slot_of_id.contains_key(e.target.as_str()))
                    .map(|e| e.target.clone())
                    .collect();
                for target in dangling {
                    self.unlink(s, &target);
                }
                let inc = std::mem::take(&mut self.slots[s as usize].inc);
                for &p in &inc {
                    remove_one(&mut self.slots[p as usize].out, s);
                }
                if !inc.is_empty() {
                    self.pending.entry(id.clone()).or_default().extend(inc);
                }
                self.slots[s as usize].alive = false;
                self.slot_of_id.remove(&id);
                // swap_remove keeps removal O(1) at 100,000 nodes; node order in the
                // model is not document order afterwards (output order does not depend
                // on it: diagnostics are sorted).
                let last = self.flow.nodes.len() - 1;
                self.flow.nodes.swap_remove(pos);
                self.slot_at_pos.swap_remove(pos);
                if pos != last {
                    let moved = self.slot_at_pos[pos];
                    if moved != NONE {
                        self.slots[moved as usize].pos = u32_of(pos);
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
                let pos = self.slots[s as usize].pos as usize;
                let node = &mut self.flow.nodes[pos];
                let old: Vec<String> = node
                    .edges
                    .iter()
                    .filter(|e| e.condition.is_some())
                    .map(|e| e.target.clone())
                    .collect();
                node.edges.retain(|e| e.condition.is_none());
                set_conditions(node, conditions);
                let new: Vec<String> = node
                    .edges
                    .iter()
                    .filter(|e| e.condition.is_some())
                    .map(|e| e.target.clone())
                    .collect();
                for t in &old {
                    self.unlink(s, t);
                }
                for t in &new {
                    self.link(s, t);
                }
            }
        }
        Ok(())
    }

    fn set_transition(&mut self, op: &str, from: &str, label: &str, to: Vec<String>) -> Result<()> {
        let s = self.slot(op, from)?;
        let pos = self.slots[s as usize].pos as usize;
        let node = &mut self.flow.nodes[pos];
        let is_this = |e: &Edge| e.condition.is_none() && e.label == label;
        let first = node.edges.iter().position(is_this);
        let old: Vec<String> = node
            .edges
            .iter()
            .filter(|e| is_this(e))
            .map(|e| e.target.clone())
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
        let new = transition_edges(from, label, to.clone());
        node.edges.splice(at..at, new);
        for t in &old {
            self.unlink(s, t);
        }
        for t in &to {
            self.link(s, t);
        }
        Ok(())
    }
}

/// The edges of transition `label` of node `id`, with flow JSON pointers.
fn transition_edges(id: &str, label: &str, targets: Vec<String>) -> Vec<Edge> {
    let mut base = node_pointer(id);
    base.push_str("/transitions/");
    core::syntax::tree::push_pointer_segment(&mut base, label);
    targets
        .into_iter()
        .enumerate()
        .map(|(i, target)| Edge {
            label: flowguard_core::model::label(label),
            target,
            origin: Origin::pointer(format!("{base}/{i}")),
            condition: None,
        })
        .collect()
}

/// Replaces the conditions of `node` (its condition edges must be removed already).
fn set_conditions(node: &mut Node, conditions: Vec<ConditionInput>) {
    let base = format!("{}/conditions", node_pointer(&node.id));
    node.conditions.clear();
    for (i, c) in conditions.into_iter().enumerate() {
        node.edges.push(Edge {
            label: flowguard_core::model::Label::Borrowed("condition"),
            target: c.target_id.clone(),
            origin: Origin::pointer(format!("{base}/{i}/target_id")),
            condition: Some(i),
        });
        node.conditions.push(Condition {
            expression: c.expression,
            priority: c.priority,
            target: c.target_id,
            origin: Origin::pointer(format!("{base}/{i}")),
            expression_origin: Origin::pointer(format!("{base}/{i}/expression")),
            expression_source_start: None,
        });
    }
}

/// What `core::validate` rejects before reading: input over `max_bytes` in UTF-8, and
/// binary data (a NUL byte early on). The same findings, so a session's first diagnostics
/// equal `validate`'s.
fn precheck(text: &str, max_bytes: usize) -> Option<core::RawDiagnostic> {
    if text.len() > max_bytes {
        return Some(core::RawDiagnostic::new(
            core::Code::InputTooLarge,
            core::Location::default(),
            format!(
                "the input is {} bytes, more than the limit of {max_bytes} bytes",
                text.len()
            ),
            "split the flow, or raise the limit (maxBytes / --max-bytes) if this size is expected",
        ));
    }
    let head = &text.as_bytes()[..text.len().min(8192)];
    let at = head.iter().position(|&b| b == 0)?;
    Some(core::RawDiagnostic::new(
        core::Code::SyntaxError,
        core::Location {
            pointer: String::new(),
            range: Some((u32_of(at), u32_of(at + 1))),
        },
        "the input looks like a binary file (it contains a NUL byte), not a flow document",
        "pass a flow JSON, Archy YAML or Architect configuration JSON text file",
    ))
}
