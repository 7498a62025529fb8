//! The incremental analysis of a [`Session`]: after an edit, recompute only what the edit
//! can change.
//!
//! A full pass ([`crate::analyze`]) is split in two:
//!
//! * findings about one node alone ([`crate::checks::node_checks`]: FG011 of its
//!   references, FG013, FG050, its decision findings, FG004 of a node an edit added),
//!   kept per slot and recomputed for the slots an edit touches;
//! * findings about the graph's structure (FG003, FG010, FG012, FG020–FG022, FG030,
//!   FG031, FG011 of entries), kept as they are, with what decides them: the strongly
//!   connected components, reachability from the start and entries, which nodes can
//!   reach an end, and the longest-path values (depth and worst-case actions) of each
//!   component from the start.
//!
//! An edit of a node's references keeps the structural findings when it provably cannot
//! change them; each test below is exact (it never keeps a finding that changed), and
//! anything it cannot prove sends the next analysis to a full pass:
//!
//! * the node is in no routing loop (FG020, whose message names an exit), and none of the
//!   references that change stays inside its component; so no component, FG020 exit or
//!   witness cycle changes;
//! * an added reference `s → v` closes no cycle (`v` does not reach `s`: the rank query
//!   of `wouldCreateCycle`), and `v` was reachable already and can end when `s` could not
//!   end before;
//! * a removed reference `s → v` leaves `v` reachable, proved locally: `v` is an entry, or
//!   another reachable predecessor `p` of `v` has `rank[p] > rank[v]` (so `v` cannot reach
//!   `p`: `p`'s way in does not use the removed reference); and leaves `s` able to end,
//!   through another successor `w` with `rank[w] < rank[s]`;
//! * the node is reachable (edges out of unreachable nodes shape FG012's regions);
//! * the longest-path values: an added reference raises them along its region (a
//!   worklist over the components downstream, stopping where nothing grows); a removed one
//!   that carried its target's value lowers them the same way, upstream first, stopping
//!   where nothing drops;
//! * FG030 and FG031 neither fired before nor fire after (their witness paths are
//!   recomputed by a full pass).
//!
//! When a test fails, the structural findings are recomputed by a pass over the graph
//! ([`crate::checks`] without the decision analyses), and the node findings of the nodes
//! the edits did not touch are kept: an edit of references changes no other node's own
//! findings. Node additions and removals, and flows with duplicate ids, take a full pass.

use super::{Index, Session, added_node_findings};
use crate::checks::{is_node_code, node_checks};
use crate::diagnostic::{Diagnostic, resolve_one};
use crate::graph::{Components, Csr, reachable, strongly_connected_components};
use crate::model::NodeKind;
use crate::syntax::LineIndex;
use crate::{Flow, Stats};

#[derive(Default)]
pub(super) struct Cache {
    /// What follows matches the model, up to the local findings of `dirty`.
    valid: bool,
    /// The structures below `stats` are built. A full pass after an edit builds them at
    /// once; one after reading a text leaves them to the first edit, so that re-reading
    /// a text as the user types costs no more than it must.
    structured: bool,
    /// An edit invalidated the cache since the text was read.
    edited: bool,
    /// A node was added or removed since the last full pass: the node findings by slot
    /// must be recomputed too.
    nodes_changed: bool,
    /// The node findings are in `local`, by slot. A full pass made while the session's
    /// index was stale (right after reading a text) leaves them all in `global` until
    /// [`distribute`] hands them out.
    distributed: bool,
    /// Slots whose local findings are stale.
    dirty: Vec<u32>,
    local: Vec<Vec<Diagnostic>>,
    global: Vec<Diagnostic>,
    stats: Stats,
    components: Option<Components>,
    nontrivial: Vec<bool>,
    /// Per slot: a member of a routing loop (FG020's groups: loops among nodes that do
    /// not wait for the caller, bounded by no loop node), whose exits its message names.
    in_routing_loop: Vec<bool>,
    reach: Vec<bool>,
    can_end: Vec<bool>,
    /// Slots calls enter by: the start and the other entries.
    roots: Vec<u32>,
    start_component: Option<u32>,
    weights: [Vec<u64>; 2],
    /// Longest path from the start ending in each component (0: not reachable from it),
    /// counting nodes ([0]) and worst-case actions ([1]), as `checks::depth` computes them.
    longest: [Vec<u64>; 2],
    max: [u64; 2],
    /// Line starts of the session's text, built once per text.
    lines: Option<LineIndex>,
    /// Full passes run since the text was read.
    pub(super) full_passes: u64,
}

impl Cache {
    pub(super) fn invalidate(&mut self) {
        self.valid = false;
        self.edited = true;
    }

    /// [`Cache::invalidate`] for an edit that added or removed a node.
    pub(super) fn invalidate_nodes(&mut self) {
        self.invalidate();
        self.nodes_changed = true;
    }

    /// The next analysis reuses the structural findings.
    pub(super) fn is_valid(&self) -> bool {
        self.valid
    }

    pub(super) fn parts(
        &self,
    ) -> (
        impl Iterator<Item = &Vec<Diagnostic>> + '_,
        &[Diagnostic],
        Stats,
    ) {
        (self.local.iter(), &self.global, self.stats)
    }

    fn over_limits(&self, options: &crate::CheckOptions) -> bool {
        self.max[0] > u64::from(options.max_depth) || self.max[1] > options.action_budget
    }

    fn comp(&self, s: u32) -> u32 {
        self.components.as_ref().map_or(0, |c| c.of[s as usize])
    }
}

/// Brings the cache up to date with the model: a full pass when the structure may have
/// changed, else the local findings of the touched slots.
pub(super) fn refresh(session: &mut Session) {
    if !session.cache.valid && !structural(session) {
        full(session);
        return;
    }
    let Session {
        flow,
        index,
        cache,
        options,
        source,
        ..
    } = session;
    let text = source.as_deref().unwrap_or(flow.tree.source());
    let known: Option<rustc_hash::FxHashSet<&str>> = options
        .checks
        .known_queues
        .as_ref()
        .map(|q| q.iter().map(String::as_str).collect());
    let mut dirty = std::mem::take(&mut cache.dirty);
    crate::graph::order::sort(&mut dirty);
    dirty.dedup();
    for &s in &dirty {
        let slot = &index.slots[s as usize];
        if !slot.alive {
            continue;
        }
        let node = &flow.nodes[slot.pos as usize];
        let mut raw = Vec::new();
        let by_id = |id: &str| {
            index
                .slot_of(&flow.names, id)
                .map(|t| index.slot_node(flow, t))
        };
        node_checks(flow, node, &by_id, known.as_ref(), &mut raw);
        raw.extend(added_node_findings(flow, node));
        let lines = cache.lines.get_or_insert_with(|| LineIndex::new(text));
        let local = &mut cache.local[s as usize];
        local.clear();
        for r in raw {
            local.push(resolve_one(r, lines, text, options.position_encoding));
        }
    }
}

/// A pass over the graph's structure that keeps the node findings, after edits that
/// changed references but added or removed no node (every node's own findings but the
/// edited nodes', left in `dirty` for [`refresh`], are what they were): the structural
/// findings of a full pass without analysing a decision again. `false` when the node
/// findings cannot be kept.
fn structural(session: &mut Session) -> bool {
    let Session {
        flow,
        index,
        indexed,
        cache,
        options,
        source,
        ..
    } = session;
    if !*indexed
        || !cache.distributed
        || cache.nodes_changed
        || index.has_duplicates
        || cache.local.len() != index.slots.len()
    {
        return false;
    }
    let text = source.as_deref().unwrap_or(flow.tree.source());
    let mut raw = Vec::new();
    cache.stats = crate::checks::run_structural(flow, &options.checks, &mut raw);
    cache.full_passes += 1;
    cache.global.clear();
    let lines = cache.lines.get_or_insert_with(|| LineIndex::new(text));
    for r in raw {
        cache
            .global
            .push(resolve_one(r, lines, text, options.position_encoding));
    }
    cache.structured = false;
    cache.valid = true;
    if cache.edited {
        prepare(session);
    }
    true
}

/// A full pass, and the structures the incremental tests need.
fn full(session: &mut Session) {
    // A node without a place in the text and of an unknown type gets its FG004 here, by
    // slot; the readers make no such node, so this is only a guard.
    if !session.indexed
        && session
            .flow
            .nodes
            .iter()
            .any(|n| added_node_findings(&session.flow, n).is_some())
    {
        session.ensure_index();
    }
    let Session {
        flow,
        index,
        indexed,
        cache,
        options,
        source,
        ..
    } = session;
    let indexed = *indexed;
    let text = source.as_deref().unwrap_or(flow.tree.source());
    let (raw, stats) = crate::analyze(flow, &options.checks);
    cache.full_passes += 1;
    let n = if indexed { index.slots.len() } else { 0 };
    cache.dirty.clear();
    cache.stats = stats;
    cache.global.clear();
    cache.local.clear();
    cache.local.resize_with(n, Vec::new);
    cache.structured = false;
    let encoding = options.position_encoding;
    let lines = cache.lines.get_or_insert_with(|| LineIndex::new(text));
    for r in raw {
        let slot = match &r.node {
            Some(id) if indexed && !index.has_duplicates && is_node_code(r.code) => {
                index.slot_of(&flow.names, id)
            }
            _ => None,
        };
        let d = resolve_one(r, lines, text, encoding);
        match slot {
            Some(s) => cache.local[s as usize].push(d),
            None => cache.global.push(d),
        }
    }
    if indexed {
        for (s, slot) in index.slots.iter().enumerate() {
            if slot.alive
                && let Some(r) = added_node_findings(flow, &flow.nodes[slot.pos as usize])
            {
                cache.local[s].push(resolve_one(r, lines, text, encoding));
            }
        }
    }
    cache.distributed = indexed;
    cache.nodes_changed = false;
    cache.valid = !indexed || !index.has_duplicates;
    if cache.edited {
        prepare(session);
    }
}

/// Hands the node findings of a full pass made without the index to their slots, as
/// [`full`] does with it (called when the index has just been built).
pub(super) fn distribute(session: &mut Session) {
    let Session {
        flow, index, cache, ..
    } = session;
    if !cache.valid || cache.distributed {
        return;
    }
    if index.has_duplicates {
        // As after a full pass with the index: flows with duplicate ids always take one.
        cache.valid = false;
        return;
    }
    cache.local.clear();
    cache.local.resize_with(index.slots.len(), Vec::new);
    let mut global = Vec::new();
    for d in std::mem::take(&mut cache.global) {
        let slot = match &d.node {
            Some(id) if is_node_code(d.code) => index.slot_of(&flow.names, id),
            _ => None,
        };
        match slot {
            Some(s) => cache.local[s as usize].push(d),
            None => global.push(d),
        }
    }
    cache.global = global;
    cache.distributed = true;
}

/// Builds what the incremental tests need from the model as it is (called before an
/// edit changes it), when the last full pass is still valid and they are not built yet.
pub(super) fn prepare(session: &mut Session) {
    let Session {
        flow, index, cache, ..
    } = session;
    if !cache.valid || cache.structured {
        return;
    }
    let n = index.slots.len();
    // The structure, over slots (the same graph as the checks' vertices).
    let csr = index.csr();
    let comps = strongly_connected_components(&csr, None);
    index.set_ranks(&comps);
    cache.nontrivial.clear();
    cache
        .nontrivial
        .extend((0..comps.len() as u32).map(|c| comps.is_cyclic(c)));
    // FG020's groups, as `checks::loops` finds them: loops among the members of cyclic
    // components that do not wait for the caller, minus those a loop node bounds.
    let mut in_scope = vec![false; n];
    for (s, slot) in index.slots.iter().enumerate() {
        in_scope[s] = slot.alive
            && cache.nontrivial[comps.of[s] as usize]
            && flow.nodes[slot.pos as usize].kind != NodeKind::Input;
    }
    let groups = strongly_connected_components(&csr, Some(&in_scope));
    cache.in_routing_loop = vec![false; n];
    for g in 0..groups.len() as u32 {
        let members = groups.members(g);
        if !groups.is_cyclic(g) {
            continue;
        }
        let mut bounded = false;
        for &m in members {
            bounded |= flow.nodes[index.slots[m as usize].pos as usize].bounds_loops();
        }
        if !bounded {
            for &m in members {
                cache.in_routing_loop[m as usize] = true;
            }
        }
    }
    let slot_of = |id: &str| index.slot_of(&flow.names, id);
    let start = flow.start_id().and_then(slot_of);
    cache.roots.clear();
    cache.roots.extend(start);
    for e in &flow.entries {
        cache.roots.extend(slot_of(flow.name(e.target)));
    }
    cache.reach = match start {
        Some(_) => reachable(&csr, &cache.roots),
        None => vec![false; n],
    };
    let mut ends = Vec::new();
    for (s, slot) in index.slots.iter().enumerate() {
        if slot.alive && flow.nodes[slot.pos as usize].kind == NodeKind::End {
            ends.push(s as u32);
        }
    }
    cache.can_end = reachable(&csr.reversed(), &ends);
    cache.start_component = start.map(|s| comps.of[s as usize]);
    cache.weights = weights(&comps, index, flow);
    for k in 0..2 {
        let (best, max) = longest(
            &comps,
            &csr,
            &cache.reach,
            &cache.weights[k],
            cache.start_component,
        );
        cache.longest[k] = best;
        cache.max[k] = max;
    }
    cache.components = Some(comps);
    cache.structured = true;
}

/// Component weights as `checks::depth` counts them: nodes, and worst-case actions (a
/// loop node multiplies its component by its iterations unless a member waits for the
/// caller).
fn weights(comps: &Components, index: &Index, flow: &Flow) -> [Vec<u64>; 2] {
    let mut nodes = Vec::with_capacity(comps.len());
    let mut actions = Vec::with_capacity(comps.len());
    for c in 0..comps.len() as u32 {
        let members = comps.members(c);
        let (mut paced, mut factor) = (false, 1u64);
        for &s in members {
            let slot = &index.slots[s as usize];
            if !slot.alive {
                continue;
            }
            let node = &flow.nodes[slot.pos as usize];
            paced |= node.kind == NodeKind::Input;
            if node.bounds_loops() {
                factor = factor.saturating_mul(node.max_iterations.unwrap_or(1));
            }
        }
        // A loop that waits for the caller on every pass is not multiplied.
        let factor = if paced { 1 } else { factor };
        nodes.push(members.len() as u64);
        actions.push((members.len() as u64).saturating_mul(factor));
    }
    [nodes, actions]
}

/// The longest path from the start through the condensation ending in each component,
/// and the largest: `checks::depth`'s values, without its witness.
fn longest(
    comps: &Components,
    csr: &Csr,
    reach: &[bool],
    weight: &[u64],
    start: Option<u32>,
) -> (Vec<u64>, u64) {
    let Some(sc) = start else {
        return (vec![0; comps.len()], 0);
    };
    let best = crate::checks::longest_values(comps, csr, reach, weight, sc, None);
    let max = best.iter().copied().max().unwrap_or(0);
    (best, max)
}

/// Called after the resolved references of slot `s` changed: `removed` went, `added`
/// came (both already in the index). Keeps the cache valid when the tests of the module
/// documentation prove the structural findings unchanged, else invalidates it.
pub(super) fn edges_changed(session: &mut Session, s: u32, removed: &[u32], added: &[u32]) {
    session.cache.dirty.push(s);
    if !session.cache.valid {
        return;
    }
    if !session.cache.structured {
        // `prepare` runs before every edit; this cannot happen, but would be no reason
        // to keep a result.
        session.cache.invalidate();
        return;
    }
    if !keeps_structure(session, s, removed, added) {
        session.cache.invalidate();
    }
}

fn keeps_structure(session: &mut Session, s: u32, removed: &[u32], added: &[u32]) -> bool {
    // Targets both removed and added (a transition set to what it was) cancel out.
    let mut removed = removed.to_vec();
    let mut added_left = Vec::with_capacity(added.len());
    for &t in added {
        match removed.iter().position(|&r| r == t) {
            Some(i) => {
                removed.swap_remove(i);
            }
            None => added_left.push(t),
        }
    }
    let Session {
        flow,
        index,
        cache,
        options,
        ..
    } = session;
    let cs = cache.comp(s);
    // A member of a loop: a reference inside the loop can change its witness cycle, and
    // a member of a routing loop (FG020) has its references' labels (`call`, `next`) and
    // exits in the message even when the targets stay the same. Other members (a menu
    // retrying to itself, the body of a loop a loop node bounds: FG022 names no exit)
    // change the findings only as the tests below see.
    if cache.nontrivial[cs as usize] {
        let inside = |t: &u32| cache.comp(*t) == cs;
        if cache.in_routing_loop[s as usize]
            || removed.iter().any(inside)
            || added.iter().any(inside)
        {
            return false;
        }
    }
    if removed.is_empty() && added_left.is_empty() {
        return true;
    }
    let has_start = cache.start_component.is_some();
    if cache.over_limits(&options.checks) || (has_start && !cache.reach[s as usize]) {
        return false;
    }
    cache.stats.edges =
        (cache.stats.edges + added_left.len() as u32).saturating_sub(removed.len() as u32);
    for &v in &added_left {
        if v == s || index.reaches(v, s) {
            return false;
        }
        if has_start && !cache.reach[v as usize] {
            return false;
        }
        if !cache.can_end[s as usize] && cache.can_end[v as usize] {
            return false;
        }
    }
    if !added_left.is_empty() {
        for k in 0..2 {
            grow(cache, index, k, cs);
        }
        if cache.over_limits(&options.checks) {
            return false;
        }
        cache.stats.max_depth = u32::try_from(cache.max[0]).unwrap_or(u32::MAX);
    }
    let is_end = flow.nodes[index.slots[s as usize].pos as usize].kind == NodeKind::End;
    for &v in &removed {
        if has_start && !still_reached(cache, index, v) {
            return false;
        }
        if cache.can_end[s as usize] && !is_end && !still_ends(cache, index, s) {
            return false;
        }
        let cv = cache.comp(v);
        for k in 0..2 {
            let old = cache.longest[k][cv as usize];
            let from_s = cache.longest[k][cs as usize];
            if from_s > 0
                && from_s.saturating_add(cache.weights[k][cv as usize]) >= old
                && supported(cache, index, k, cv) != old
            {
                shrink(cache, index, k, cv);
            }
        }
    }
    true
}

/// `v` stays reachable without one of its references: it is a root, or a reachable
/// predecessor that `v` cannot reach (higher rank) still references it.
fn still_reached(cache: &Cache, index: &Index, v: u32) -> bool {
    cache.roots.contains(&v)
        || index.slots[v as usize]
            .inc
            .iter()
            .any(|&p| cache.reach[p as usize] && index.rank[p as usize] > index.rank[v as usize])
}

/// `s` can still end through a successor that cannot reach it (lower rank).
fn still_ends(cache: &Cache, index: &Index, s: u32) -> bool {
    index.slots[s as usize]
        .out
        .iter()
        .any(|&w| cache.can_end[w as usize] && index.rank[w as usize] < index.rank[s as usize])
}

/// The longest-path value component `c` has from its remaining predecessors.
fn supported(cache: &Cache, index: &Index, k: usize, c: u32) -> u64 {
    let (best, weight) = (&cache.longest[k], cache.weights[k][c as usize]);
    let mut b = if cache.start_component == Some(c) {
        weight
    } else {
        0
    };
    let Some(comps) = &cache.components else {
        return b;
    };
    for &m in comps.members(c) {
        for &p in &index.slots[m as usize].inc {
            let cp = comps.of[p as usize];
            if cp != c && best[cp as usize] > 0 {
                b = b.max(best[cp as usize].saturating_add(weight));
            }
        }
    }
    b
}

/// Lowers the longest-path values after a removed reference no longer carries the value
/// of component `from`: each component whose value can have changed is recomputed from
/// its predecessors, upstream first, and its successors only when it changed. Tarjan's
/// closing order numbers a component above every component it reaches, so taking the
/// highest pending number first visits a component after all its changed predecessors:
/// the work is bounded by the region whose values drop, not the flow.
fn shrink(cache: &mut Cache, index: &Index, k: usize, from: u32) {
    let Some(comps) = &cache.components else {
        return;
    };
    let mut pending = std::collections::BinaryHeap::from([from]);
    while let Some(c) = pending.pop() {
        // A component pushed by several predecessors comes out once per push.
        while pending.peek() == Some(&c) {
            pending.pop();
        }
        let value = supported(cache, index, k, c);
        let best = &mut cache.longest[k];
        if value == best[c as usize] {
            continue;
        }
        best[c as usize] = value;
        for &m in comps.members(c) {
            for &t in &index.slots[m as usize].out {
                let d = comps.of[t as usize];
                if d != c {
                    pending.push(d);
                }
            }
        }
    }
    cache.max[k] = cache.longest[k].iter().copied().max().unwrap_or(0);
    if k == 0 {
        cache.stats.max_depth = u32::try_from(cache.max[0]).unwrap_or(u32::MAX);
    }
}

/// Raises the longest-path values downstream of component `from` until nothing grows.
fn grow(cache: &mut Cache, index: &Index, k: usize, from: u32) {
    let Some(comps) = &cache.components else {
        return;
    };
    let (best, weight) = (&mut cache.longest[k], &cache.weights[k]);
    if best[from as usize] == 0 {
        return;
    }
    let mut stack = vec![from];
    while let Some(c) = stack.pop() {
        let here = best[c as usize];
        for &m in comps.members(c) {
            for &t in &index.slots[m as usize].out {
                let d = comps.of[t as usize];
                if d == c {
                    continue;
                }
                let cand = here.saturating_add(weight[d as usize]);
                if cand > best[d as usize] {
                    best[d as usize] = cand;
                    cache.max[k] = cache.max[k].max(cand);
                    stack.push(d);
                }
            }
        }
    }
}
