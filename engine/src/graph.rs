//! Graph algorithms over interned node indices in compact arrays (CSR). Every pass is
//! iterative and linear in nodes + edges: no recursion, so a million-node chain needs no
//! more stack than a three-node flow, natively and in wasm.

pub mod order;

/// A directed graph in compressed sparse row form: the successors of `v` are
/// `targets[offsets[v]..offsets[v + 1]]`.
#[derive(Clone, Debug, Default)]
pub struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Csr {
    /// Builds from `(from, to)` pairs; successors keep the order the pairs were given in.
    pub fn from_edges(node_count: usize, edges: &[(u32, u32)]) -> Self {
        let mut offsets = vec![0u32; node_count + 1];
        for &(from, _) in edges {
            offsets[from as usize + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        for &(from, to) in edges {
            let slot = &mut fill[from as usize];
            targets[*slot as usize] = to;
            *slot += 1;
        }
        Csr { offsets, targets }
    }

    /// Builds from each node's successors in node order: `targets` holds them node by
    /// node, and `offsets` where each node's run starts, with the end of the last one
    /// (what [`Csr::from_edges`] makes of pairs given in node order, without the pairs).
    /// `offsets` must start at 0, never decrease and end at `targets.len()`.
    pub(crate) fn from_rows(offsets: Vec<u32>, targets: Vec<u32>) -> Self {
        debug_assert!(
            offsets.first() == Some(&0)
                && offsets.windows(2).all(|w| w[0] <= w[1])
                && offsets.last().map(|&e| e as usize) == Some(targets.len())
        );
        Csr { offsets, targets }
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// (Both bounds read as one pair, with one range check; a node past the end has none.)
    #[inline(always)]
    pub fn successors(&self, v: u32) -> &[u32] {
        let v = v as usize;
        match self.offsets.get(v..v + 2) {
            Some(&[s, e]) => self.targets.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The graph with every edge reversed.
    pub fn reversed(&self) -> Csr {
        let mut edges = Vec::with_capacity(self.targets.len());
        for v in 0..self.node_count() as u32 {
            for &w in self.successors(v) {
                edges.push((w, v));
            }
        }
        Csr::from_edges(self.node_count(), &edges)
    }
}

/// Strongly connected components.
#[derive(Clone, Debug)]
pub struct Components {
    /// Component of each node (`u32::MAX` for nodes left out by the mask).
    pub of: Vec<u32>,
    /// Members of all components, one run per component, in the order Tarjan's algorithm
    /// closes them: a component comes after every component it can reach (reverse
    /// topological order). One flat array: most components are single nodes, and a `Vec`
    /// each would cost an allocation per node.
    member_nodes: Vec<u32>,
    /// Where each component's run starts in `member_nodes` (one more entry than components).
    member_start: Vec<u32>,
    /// Per component: whether it has a cycle in the graph it was found in (more than one
    /// node, or a self-loop), noted as Tarjan closes it, when its one node's successors
    /// were just read, so no pass asks again per component.
    cyclic: Vec<bool>,
}

pub const NONE: u32 = u32::MAX;

impl Components {
    /// Number of components.
    pub fn len(&self) -> usize {
        self.member_start.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Members of component `c`, in document (index) order. Always inlined (opt-level "z"
    /// ignores `#[inline]`): every pass reads it once per component.
    #[inline(always)]
    pub fn members(&self, c: u32) -> &[u32] {
        let c = c as usize;
        match (self.member_start.get(c), self.member_start.get(c + 1)) {
            (Some(&s), Some(&e)) => &self.member_nodes[s as usize..e as usize],
            _ => &[],
        }
    }

    /// Components in the order of their first (lowest) member: document order for
    /// reports, found in one pass over the nodes instead of a sort.
    pub fn by_first_member(&self) -> impl Iterator<Item = u32> + '_ {
        self.first_members_where(|c| c != NONE)
    }

    /// [`Components::by_first_member`] keeping only the cyclic components: the flag, a
    /// byte, is read before the members are (most components are single nodes without a
    /// cycle, and the loops check wants only the others).
    pub fn cyclic_by_first_member(&self) -> impl Iterator<Item = u32> + '_ {
        self.first_members_where(|c| self.is_cyclic(c))
    }

    /// The components `keep` accepts, in the order of their first member (`keep` is asked
    /// first, then whether this node is that first member).
    fn first_members_where<'c>(
        &'c self,
        keep: impl Fn(u32) -> bool + 'c,
    ) -> impl Iterator<Item = u32> + 'c {
        self.of.iter().enumerate().filter_map(move |(v, &c)| {
            (keep(c) && self.members(c).first() == Some(&(v as u32))).then_some(c)
        })
    }

    /// Whether component `c` has a cycle in the graph (and mask) it was found in: more
    /// than one node, or a self-loop. What `Components::is_nontrivial` (a test helper)
    /// says for that graph and mask, kept from the search.
    #[inline]
    pub fn is_cyclic(&self, c: u32) -> bool {
        self.cyclic.get(c as usize).copied().unwrap_or(false)
    }

    /// Each component's number of members, in component order.
    pub fn sizes(&self) -> impl Iterator<Item = usize> + '_ {
        self.member_start.windows(2).map(|w| (w[1] - w[0]) as usize)
    }

    /// How many components [`Components::is_cyclic`] says have a cycle (counted over the
    /// kept flags, a byte each, not asked per component).
    pub fn cyclic_count(&self) -> usize {
        self.cyclic.iter().filter(|&&c| c).count()
    }

    /// Whether the component has a cycle: more than one node, or a self-loop, asked of
    /// the graph. The tests' reference for the flags the search keeps
    /// ([`Components::is_cyclic`], what every pass reads).
    #[cfg(test)]
    pub fn is_nontrivial(&self, c: u32, graph: &Csr, include: &dyn Fn(u32) -> bool) -> bool {
        let m = self.members(c);
        m.len() > 1
            || m.first()
                .is_some_and(|&v| graph.successors(v).iter().any(|&w| w == v && include(w)))
    }
}

/// Tarjan's algorithm with an explicit stack. `mask` restricts the graph to the nodes it
/// marks (edges touching the others are ignored); `None` takes every node. (A mask, not
/// a predicate: the search asks once per edge, and a call per edge was a tenth of it.)
pub fn strongly_connected_components(graph: &Csr, mask: Option<&[bool]>) -> Components {
    // One copy of the search each way: the whole graph's asks nothing per edge.
    match mask {
        None => tarjan::<false>(graph, &[]),
        Some(mask) => tarjan::<true>(graph, mask),
    }
}

/// A node the search is inside: its next successor to look at (an index into the CSR's
/// targets) and the end of its successors, so a step reads one target and no offsets; and
/// its low link, which only the node itself and, when it is done, its parent read (no
/// per-node array for it); and whether it has an edge to itself, seen among its edges to
/// nodes already on the stack (so its successors are not read again when it closes): 1 or
/// 0, a `u32` so the frame has no padding bytes to copy on every push and pop.
struct Frame {
    v: u32,
    next: u32,
    end: u32,
    low: u32,
    self_loop: u32,
}

fn tarjan<const MASKED: bool>(graph: &Csr, mask: &[bool]) -> Components {
    let n = graph.node_count();
    let include = |v: u32| !MASKED || mask.get(v as usize).copied().unwrap_or(false);
    // One array for both what Tarjan keeps per node (Pearce's variant): `NONE` before a
    // node is visited; while it is on the stack, its place there (which is its index in
    // the search: a component closes from the top, so the next index is the stack's
    // length again); once its component `c` is closed, `CLOSED - c`. A closed value is
    // above every place on the stack (components closed + nodes on the stack <= n), so an
    // edge is read with one load and a `min` that leaves the low link alone for closed
    // nodes, and the array becomes `of` at the end in place, with no second array.
    const CLOSED: u32 = NONE - 1;
    let mut index = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::with_capacity(n);
    // Sized for every node at once (reserved, not written), as the stacks are: growing
    // them step by step copied them again and again on large flows.
    let mut member_nodes: Vec<u32> = Vec::with_capacity(n);
    let mut member_start: Vec<u32> = Vec::with_capacity(n + 1);
    member_start.push(0);
    let mut cyclic: Vec<bool> = Vec::with_capacity(n);
    let (offsets, targets) = (&graph.offsets, &graph.targets);
    let mut call: Vec<Frame> = Vec::with_capacity(n);

    let mut next_root = 0;
    loop {
        // The next node not yet visited (that the mask keeps): a scan over every node,
        // as a slice search, a few instructions a node.
        let unvisited = if MASKED {
            let rest = index.get(next_root..).unwrap_or(&[]).iter();
            rest.zip(mask.get(next_root..).unwrap_or(&[]))
                .position(|(&i, &keep)| i == NONE && keep)
        } else {
            let rest = index.get(next_root..).unwrap_or(&[]);
            rest.iter().position(|&i| i == NONE)
        };
        let Some(skipped) = unvisited else {
            break;
        };
        next_root += skipped;
        let root = next_root as u32;
        next_root += 1;
        // The node being searched lives in locals while its edges are read (its frame,
        // on `call`, only while a successor is searched): kept in registers, not read
        // back from the frame per edge. The stack is empty between roots: index 0.
        index[root as usize] = 0;
        stack.push(root);
        let mut top = Frame {
            v: root,
            next: offsets[root as usize],
            end: offsets[root as usize + 1],
            low: 0,
            self_loop: 0,
        };
        'search: loop {
            while top.next < top.end {
                let w = targets[top.next as usize];
                top.next += 1;
                if !include(w) {
                    continue;
                }
                let w_index = index[w as usize];
                if w_index == NONE {
                    let i = stack.len() as u32;
                    index[w as usize] = i;
                    stack.push(w);
                    // (Both bounds read as one pair: one range check.)
                    let (next, end) = match offsets.get(w as usize..w as usize + 2) {
                        Some(&[next, end]) => (next, end),
                        _ => (0, 0),
                    };
                    let child = Frame {
                        v: w,
                        next,
                        end,
                        low: i,
                        self_loop: 0,
                    };
                    call.push(std::mem::replace(&mut top, child));
                    continue 'search;
                }
                // A closed node's value is above `low`: no change.
                top.low = top.low.min(w_index);
                top.self_loop |= u32::from(w == top.v);
            }
            let (v, low) = (top.v, top.low);
            if low == index[v as usize] {
                let c = (member_start.len() - 1) as u32;
                // Most components are one node, `v` alone on top of the stack.
                if low as usize + 1 == stack.len() {
                    stack.pop();
                    index[v as usize] = CLOSED - c;
                    member_nodes.push(v);
                    // `v`'s successors are all looked at by now.
                    cyclic.push(top.self_loop != 0);
                } else {
                    // Otherwise more than one node, so a cycle: the stack from `v`'s
                    // place up.
                    let from = member_nodes.len();
                    for &w in stack.get(low as usize..).unwrap_or(&[]) {
                        index[w as usize] = CLOSED - c;
                    }
                    member_nodes.extend_from_slice(stack.get(low as usize..).unwrap_or(&[]));
                    stack.truncate(low as usize);
                    // Document order inside a component, for deterministic output. The
                    // stack holds a component in the order the search found its nodes,
                    // which in a flow written top to bottom is mostly document order, so
                    // the (insertion) sort has little to do.
                    order::sort_vertices(&mut member_nodes[from..]);
                    cyclic.push(true);
                }
                member_start.push(member_nodes.len() as u32);
            }
            // Back to the parent, which takes the child's low link.
            let Some(parent) = call.pop() else {
                break;
            };
            top = parent;
            top.low = top.low.min(low);
        }
    }
    // Closed values become component numbers; `NONE` (a node the mask left out) stays
    // `NONE` (`CLOSED - NONE` wraps to it).
    for x in &mut index {
        *x = CLOSED.wrapping_sub(*x);
    }
    Components {
        of: index,
        member_nodes,
        member_start,
        cyclic,
    }
}

/// Nodes reachable from `starts`.
pub fn reachable(graph: &Csr, starts: &[u32]) -> Vec<bool> {
    let mut seen = vec![false; graph.node_count()];
    // Depth first: a stack is cheaper than a queue, and the set found is the same.
    let mut stack: Vec<u32> = Vec::new();
    for &s in starts {
        if (s as usize) < seen.len() && !seen[s as usize] {
            seen[s as usize] = true;
            stack.push(s);
        }
    }
    while let Some(v) = stack.pop() {
        for &w in graph.successors(v) {
            if !seen[w as usize] {
                seen[w as usize] = true;
                stack.push(w);
            }
        }
    }
    seen
}

/// Scratch space for searches inside one component, allocated once per pass and reset
/// only where it was written, so a pass over many small components stays linear. The
/// search's queue lives here too: a pass that searches thousands of loops allocates it
/// once, and it lists exactly the nodes the search marked, so it is also what to reset.
pub struct SearchScratch {
    parent: Vec<u32>,
    queue: Vec<u32>,
}

impl SearchScratch {
    pub fn new(node_count: usize) -> Self {
        SearchScratch {
            parent: vec![NONE; node_count],
            queue: Vec::new(),
        }
    }

    /// Marks `v` reached from `p` and queues it.
    fn visit(&mut self, v: u32, p: u32) {
        self.parent[v as usize] = p;
        self.queue.push(v);
    }

    fn reset(&mut self) {
        for &v in &self.queue {
            self.parent[v as usize] = NONE;
        }
        self.queue.clear();
    }
}

/// A shortest cycle through `start` inside its component, as a node sequence beginning
/// with `start` (the edge back to `start` closes it). Breadth-first, linear in the
/// component's edges.
pub fn cycle_through(
    graph: &Csr,
    start: u32,
    in_component: &dyn Fn(u32) -> bool,
    scratch: &mut SearchScratch,
) -> Vec<u32> {
    let mut path = Vec::new();
    if bfs_path(
        graph,
        start,
        &|w| w == start,
        in_component,
        scratch,
        &mut path,
    ) {
        // bfs_path ends with the target (start again): drop the repeat.
        path.pop();
        path
    } else {
        vec![start]
    }
}

/// A shortest path from `from` to `to` through nodes `inside` accepts (both ends
/// included); `[from]` when they are equal or no such path exists.
pub fn path_within(
    graph: &Csr,
    from: u32,
    to: u32,
    inside: &dyn Fn(u32) -> bool,
    scratch: &mut SearchScratch,
) -> Vec<u32> {
    let mut path = Vec::new();
    path_within_into(graph, from, to, inside, scratch, &mut path);
    path
}

/// [`path_within`] appended to `out` (a long path built loop by loop needs no list per
/// loop).
pub fn path_within_into(
    graph: &Csr,
    from: u32,
    to: u32,
    inside: &dyn Fn(u32) -> bool,
    scratch: &mut SearchScratch,
    out: &mut Vec<u32>,
) {
    if from == to || !bfs_path(graph, from, &|w| w == to, inside, scratch, out) {
        out.push(from);
    }
}

/// Breadth-first search from `start` for the first edge into a node `is_goal` accepts;
/// when found, appends `start … goal` to `out` and returns true (else leaves `out`).
fn bfs_path(
    graph: &Csr,
    start: u32,
    is_goal: &dyn Fn(u32) -> bool,
    inside: &dyn Fn(u32) -> bool,
    scratch: &mut SearchScratch,
    out: &mut Vec<u32>,
) -> bool {
    scratch.visit(start, start);
    // The queue is read from `head` on: first in, first out, as a deque would.
    let mut head = 0;
    let mut found = false;
    'search: while let Some(&v) = scratch.queue.get(head) {
        head += 1;
        for &w in graph.successors(v) {
            if is_goal(w) {
                // Counted first, then walked back from the goal and put in order: room
                // made once (a cycle per loop grew its list two or three times).
                let mut steps = 1;
                let mut cur = v;
                while cur != start {
                    cur = scratch.parent[cur as usize];
                    steps += 1;
                }
                out.reserve(steps + 1);
                let from = out.len();
                out.push(w);
                out.push(v);
                let mut cur = v;
                while cur != start {
                    cur = scratch.parent[cur as usize];
                    out.push(cur);
                }
                out[from..].reverse();
                found = true;
                break 'search;
            }
            if inside(w) && scratch.parent[w as usize] == NONE {
                scratch.visit(w, v);
            }
        }
    }
    scratch.reset();
    found
}

/// A seeded xorshift sequence for tests: `next(m)` is a pseudo-random number below `m`
/// (0 for `m` = 0). One generator for the randomised tests of the graph and its checks.
#[cfg(test)]
pub(crate) fn xorshift(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m.max(1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A graph of 1 to `max` nodes and up to three edges a node, any way round (self
    /// edges included).
    fn random_graph(next: &mut impl FnMut(u64) -> u64, max: u64) -> (u32, Vec<(u32, u32)>, Csr) {
        let n = 1 + next(max) as u32;
        let edges: Vec<(u32, u32)> = (0..next(3 * u64::from(n)))
            .map(|_| (next(u64::from(n)) as u32, next(u64::from(n)) as u32))
            .collect();
        let g = Csr::from_edges(n as usize, &edges);
        (n, edges, g)
    }

    fn all(_: u32) -> bool {
        true
    }

    #[test]
    fn finds_components_in_reverse_topological_order() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3
        let g = Csr::from_edges(4, &[(0, 1), (1, 2), (2, 1), (2, 3)]);
        let c = strongly_connected_components(&g, None);
        assert_eq!(
            (0..c.len() as u32)
                .map(|k| c.members(k).to_vec())
                .collect::<Vec<_>>(),
            vec![vec![3], vec![1, 2], vec![0]]
        );
        assert!(c.is_nontrivial(1, &g, &all));
        assert!(!c.is_nontrivial(0, &g, &all));
    }

    /// The cyclic flags Tarjan keeps are what `is_nontrivial` computes, and members stay
    /// in index order, on pseudo-random graphs (forward, backward and self edges) under
    /// a mask.
    #[test]
    fn kept_cyclic_flags_match_is_nontrivial() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        for round in 0..300 {
            let (n, _, g) = random_graph(&mut next, 40);
            let masked: Vec<bool> = (0..n).map(|_| round % 2 == 0 || next(4) > 0).collect();
            let include = |v: u32| masked[v as usize];
            let c = strongly_connected_components(&g, Some(&masked));
            for k in 0..c.len() as u32 {
                assert_eq!(c.is_cyclic(k), c.is_nontrivial(k, &g, &include));
                assert!(c.members(k).windows(2).all(|w| w[0] < w[1]));
            }
            assert!(!c.is_cyclic(c.len() as u32));
        }
    }

    /// Textbook recursive Tarjan (small graphs only): component of each node, numbered in
    /// closing order, with roots taken in index order and successors in order.
    fn reference_components(g: &Csr, include: &dyn Fn(u32) -> bool) -> Vec<u32> {
        struct S<'a> {
            g: &'a Csr,
            include: &'a dyn Fn(u32) -> bool,
            index: Vec<u32>,
            low: Vec<u32>,
            on_stack: Vec<bool>,
            stack: Vec<u32>,
            of: Vec<u32>,
            next: u32,
            comps: u32,
        }
        fn visit(s: &mut S<'_>, v: u32) {
            let v_ = v as usize;
            (s.index[v_], s.low[v_]) = (s.next, s.next);
            s.next += 1;
            s.stack.push(v);
            s.on_stack[v_] = true;
            for &w in s.g.successors(v) {
                if !(s.include)(w) {
                    continue;
                }
                if s.index[w as usize] == NONE {
                    visit(s, w);
                    s.low[v_] = s.low[v_].min(s.low[w as usize]);
                } else if s.on_stack[w as usize] {
                    s.low[v_] = s.low[v_].min(s.index[w as usize]);
                }
            }
            if s.low[v_] == s.index[v_] {
                loop {
                    let w = s.stack.pop().unwrap();
                    s.on_stack[w as usize] = false;
                    s.of[w as usize] = s.comps;
                    if w == v {
                        break;
                    }
                }
                s.comps += 1;
            }
        }
        let n = g.node_count();
        let mut s = S {
            g,
            include,
            index: vec![NONE; n],
            low: vec![NONE; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            of: vec![NONE; n],
            next: 0,
            comps: 0,
        };
        for v in 0..n as u32 {
            if s.index[v as usize] == NONE && include(v) {
                visit(&mut s, v);
            }
        }
        s.of
    }

    /// The search numbers components exactly as the textbook recursion does (closing
    /// order), lists each one's members in index order and flags the cyclic ones, on
    /// pseudo-random graphs with and without a mask.
    #[test]
    fn components_match_recursive_tarjan() {
        let mut next = xorshift(0x0DDB_1A5E_5BAD_5EED);
        for round in 0..600 {
            let (n, _, g) = random_graph(&mut next, 60);
            let masked: Vec<bool> = (0..n).map(|_| round % 3 == 0 || next(4) > 0).collect();
            let include = |v: u32| masked[v as usize];
            let c = if round % 3 == 0 {
                strongly_connected_components(&g, None)
            } else {
                strongly_connected_components(&g, Some(&masked))
            };
            let expected = reference_components(&g, &include);
            assert_eq!(c.of, expected);
            for k in 0..c.len() as u32 {
                let members: Vec<u32> = (0..n).filter(|&v| expected[v as usize] == k).collect();
                assert_eq!(c.members(k), members.as_slice());
                assert_eq!(c.is_cyclic(k), c.is_nontrivial(k, &g, &include));
            }
        }
    }

    /// The cyclic components by first member are `by_first_member`'s cyclic ones, in the
    /// same order, with and without a mask.
    #[test]
    fn cyclic_by_first_member_filters_by_first_member() {
        let mut next = xorshift(0x00C0_FFEE_1234_5678);
        for round in 0..200 {
            let (n, _, g) = random_graph(&mut next, 40);
            let masked: Vec<bool> = (0..n).map(|_| next(4) > 0).collect();
            let c = if round % 2 == 0 {
                strongly_connected_components(&g, None)
            } else {
                strongly_connected_components(&g, Some(&masked))
            };
            let all: Vec<u32> = c.by_first_member().filter(|&k| c.is_cyclic(k)).collect();
            let cyclic: Vec<u32> = c.cyclic_by_first_member().collect();
            assert_eq!(cyclic, all);
        }
    }

    /// The count of cyclic components is the number of components with a cycle.
    #[test]
    fn cyclic_count_counts_nontrivial_components() {
        let g = Csr::from_edges(6, &[(0, 1), (1, 0), (2, 2), (3, 4), (4, 5)]);
        let c = strongly_connected_components(&g, None);
        let nontrivial = (0..c.len() as u32)
            .filter(|&k| c.is_nontrivial(k, &g, &|_| true))
            .count();
        assert_eq!((c.cyclic_count(), nontrivial), (2, 2));
    }

    #[test]
    fn self_loop_is_nontrivial() {
        let g = Csr::from_edges(2, &[(0, 0), (0, 1)]);
        let c = strongly_connected_components(&g, None);
        assert!(c.is_nontrivial(c.of[0], &g, &all));
    }

    #[test]
    fn long_chain_needs_no_stack() {
        let n = 1_000_000u32;
        let edges: Vec<_> = (0..n - 1).map(|i| (i, i + 1)).chain([(n - 1, 0)]).collect();
        let g = Csr::from_edges(n as usize, &edges);
        let c = strongly_connected_components(&g, None);
        assert_eq!(c.len(), 1);
        assert_eq!(
            cycle_through(&g, 0, &all, &mut SearchScratch::new(n as usize)).len(),
            n as usize
        );
    }

    /// Paths appended one after another into one list are each a shortest path (by a
    /// naive distance table), with `[from]` when there is none, and one scratch serves
    /// every search.
    #[test]
    fn paths_within_append_shortest_paths() {
        let mut next = xorshift(0x1234_5678_9ABC_DEF1);
        for _ in 0..200 {
            let (n, edges, g) = random_graph(&mut next, 20);
            let mut scratch = SearchScratch::new(n as usize);
            let mut out = vec![7, 7];
            for _ in 0..5 {
                let (from, to) = (next(u64::from(n)) as u32, next(u64::from(n)) as u32);
                // Distances from `from` by repeated relaxation.
                let mut dist = vec![u32::MAX; n as usize];
                dist[from as usize] = 0;
                for _ in 0..n {
                    for &(a, b) in &edges {
                        if dist[a as usize] != u32::MAX {
                            dist[b as usize] = dist[b as usize].min(dist[a as usize] + 1);
                        }
                    }
                }
                let before = out.len();
                path_within_into(&g, from, to, &all, &mut scratch, &mut out);
                let path = &out[before..];
                assert_eq!(path[0], from);
                if from == to || dist[to as usize] == u32::MAX {
                    assert_eq!(path, [from]);
                } else {
                    assert_eq!(*path.last().unwrap(), to);
                    assert_eq!(path.len() as u32, dist[to as usize] + 1);
                    for w in path.windows(2) {
                        assert!(g.successors(w[0]).contains(&w[1]));
                    }
                }
            }
            assert_eq!(out[..2], [7, 7]);
        }
    }

    #[test]
    fn cycle_through_returns_a_real_cycle() {
        let g = Csr::from_edges(4, &[(0, 1), (1, 2), (2, 0), (1, 3), (3, 0)]);
        let cyc = cycle_through(&g, 0, &all, &mut SearchScratch::new(4));
        assert_eq!(cyc[0], 0);
        for w in cyc.windows(2) {
            assert!(g.successors(w[0]).contains(&w[1]));
        }
        assert!(g.successors(*cyc.last().unwrap()).contains(&0));
    }
}
