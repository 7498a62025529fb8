//! Depth (FG030) and worst-case action count (FG031): longest paths from the start over the
//! condensation (each strongly connected component collapsed to one weighted vertex), which
//! is a DAG, so a single pass in topological order finds them.

use super::{CheckOptions, Findings, FlowGraph};
use crate::diagnostic::{Code, RawDiagnostic};
use crate::graph::{Components, Csr, NONE, SearchScratch, path_within_into};
use crate::model::NodeKind;

/// The longest path through the condensation: its total weight, and how to walk it back.
struct Longest {
    total: u64,
    /// The component the path ends in.
    end: u32,
    /// Per component: (node the previous component was left by, node this component was
    /// entered by); the previous component is the first node's ([`Longest::step`]).
    /// (Not kept as a third number: a table per weighting, per component, was a large
    /// share of the depth check's memory traffic.)
    via: Vec<(u32, u32)>,
}

/// Longest path through the condensation with the given component weights (one per
/// component). The witness path is built only when a diagnostic needs it ([`witness`]).
fn longest_path(graph: &FlowGraph<'_>, reach: &[bool], weight: &[u64]) -> Longest {
    let Some(sc) = start_component(graph) else {
        return Longest::NONE;
    };
    let mut via = new_via(graph, sc);
    let best = longest_values(
        &graph.components,
        &graph.csr,
        reach,
        weight,
        sc,
        Some(&mut via),
    );
    Longest::ending_at_max(&best, via)
}

/// [`longest_path`] for two weightings at once (the depth's sizes and the action
/// weights): one pass over the condensation's members and edges instead of two. Each
/// weighting's values and `via` are exactly what [`longest_path`] gives for it alone.
fn longest_paths(graph: &FlowGraph<'_>, reach: &[bool], a: &[u64], b: &[u64]) -> [Longest; 2] {
    let Some(sc) = start_component(graph) else {
        return [Longest::NONE, Longest::NONE];
    };
    let (comps, csr) = (&graph.components, &graph.csr);
    let n = comps.len();
    let (mut via_a, mut via_b) = (new_via(graph, sc), new_via(graph, sc));
    let (mut best_a, mut best_b) = (vec![0u64; n], vec![0u64; n]);
    if let (Some(&a0), Some(&b0)) = (a.get(sc as usize), b.get(sc as usize)) {
        best_a[sc as usize] = a0;
        best_b[sc as usize] = b0;
        for c in (0..n as u32).rev() {
            let (here_a, here_b) = (best_a[c as usize], best_b[c as usize]);
            if here_a == 0 && here_b == 0 {
                continue;
            }
            for_each_step_out(comps, csr, reach, c, |v, w, d| {
                let d = d as usize;
                if here_a != 0 {
                    let cand = here_a.saturating_add(a[d]);
                    if cand > best_a[d] {
                        best_a[d] = cand;
                        via_a[d] = (v, w);
                    }
                }
                if here_b != 0 {
                    let cand = here_b.saturating_add(b[d]);
                    if cand > best_b[d] {
                        best_b[d] = cand;
                        via_b[d] = (v, w);
                    }
                }
            });
        }
    }
    [
        Longest::ending_at_max(&best_a, via_a),
        Longest::ending_at_max(&best_b, via_b),
    ]
}

/// The start's component, if the flow has a start.
fn start_component(graph: &FlowGraph<'_>) -> Option<u32> {
    graph.start.map(|s| graph.components.of[s as usize])
}

/// A `via` table for a path from component `sc` (entered by the start).
fn new_via(graph: &FlowGraph<'_>, sc: u32) -> Vec<(u32, u32)> {
    let mut via = vec![(NONE, NONE); graph.components.len()];
    if let (Some(slot), Some(start)) = (via.get_mut(sc as usize), graph.start) {
        *slot = (NONE, start);
    }
    via
}

impl Longest {
    const NONE: Longest = Longest {
        total: 0,
        end: NONE,
        via: Vec::new(),
    };

    /// The path ending where `best` is greatest (the first such component).
    fn ending_at_max(best: &[u64], via: Vec<(u32, u32)>) -> Longest {
        // (A plain loop: `max_by_key` on `(value, Reverse(index))` compared pairs and cost
        // several times as much per component.)
        let Some(&first) = best.first() else {
            return Longest::NONE;
        };
        let (mut end, mut total) = (0, first);
        for (i, &b) in best.iter().enumerate().skip(1) {
            if b > total {
                (end, total) = (i, b);
            }
        }
        Longest {
            total,
            end: end as u32,
            via,
        }
    }

    /// Component `c`'s step back: (previous component, node it was left by, node `c` was
    /// entered by); the previous component is `NONE` at the start, and there is no step
    /// for `NONE` itself.
    #[inline]
    fn step(&self, comps: &Components, c: u32) -> Option<(u32, u32, u32)> {
        let &(left_prev_by, entered) = self.via.get(c as usize)?;
        let prev = match left_prev_by {
            NONE => NONE,
            v => comps.of.get(v as usize).copied().unwrap_or(NONE),
        };
        Some((prev, left_prev_by, entered))
    }

    /// Whether [`witness`] gives the same path for both: the same end and the same steps
    /// back from it (what the witness reads of `via`).
    fn same_path(&self, comps: &Components, other: &Longest) -> bool {
        if self.end != other.end {
            return false;
        }
        let mut c = self.end;
        while c != NONE {
            let (Some(&step), Some(&other_step)) =
                (self.via.get(c as usize), other.via.get(c as usize))
            else {
                return false;
            };
            if step != other_step {
                return false;
            }
            // (The same node left by: the same previous component.)
            let Some((prev, _, _)) = self.step(comps, c) else {
                return false;
            };
            c = prev;
        }
        true
    }
}

/// The longest path from component `start` through the condensation ending in each
/// component (0: not reached), counting `weight` per component and following only edges
/// out of reachable nodes. With `via`, each component's entry records the edge that gave
/// it its value: (node the component before was left by, node this one was entered by).
/// Also what an editing session keeps and updates (`crate::edit`).
pub fn longest_values(
    comps: &Components,
    csr: &Csr,
    reach: &[bool],
    weight: &[u64],
    start: u32,
    mut via: Option<&mut [(u32, u32)]>,
) -> Vec<u64> {
    let n = comps.len();
    let mut best = vec![0u64; n];
    let Some(&w0) = weight.get(start as usize) else {
        return best;
    };
    best[start as usize] = w0;
    for c in (0..n as u32).rev() {
        let here = best[c as usize];
        if here == 0 {
            continue;
        }
        for_each_step_out(comps, csr, reach, c, |v, w, d| {
            let cand = here.saturating_add(weight[d as usize]);
            if cand > best[d as usize] {
                best[d as usize] = cand;
                if let Some(via) = via.as_deref_mut() {
                    via[d as usize] = (v, w);
                }
            }
        });
    }
    best
}

/// Calls `step(v, w, d)` for every edge `v → w` out of component `c` from a reachable
/// member `v`, `d` being `w`'s component. The longest-path passes visit components in
/// descending index, a topological order (Tarjan closes a component after every
/// component it reaches), relaxing these steps. Always inlined: the step is a closure.
#[inline(always)]
fn for_each_step_out(
    comps: &Components,
    csr: &Csr,
    reach: &[bool],
    c: u32,
    mut step: impl FnMut(u32, u32, u32),
) {
    for &v in comps.members(c) {
        if !reach[v as usize] {
            continue;
        }
        for &w in csr.successors(v) {
            let d = comps.of[w as usize];
            if d != c {
                step(v, w, d);
            }
        }
    }
}

/// The witness of a longest path: a connected node path from the start, which inside each
/// loop it passes goes from the node it enters by to the node it leaves by.
fn witness(
    graph: &FlowGraph<'_>,
    longest: &Longest,
    scratch: &mut Option<SearchScratch>,
) -> Vec<u32> {
    let comps = &graph.components;
    if longest.end == NONE {
        return Vec::new();
    }
    // Sized once (growing the list step by step on a long path copied it again and
    // again), by a bound rather than a first walk down the chain: inside each component
    // the path visits each member at most once, so it has at most the sum of the sizes
    // of the components it passes, which every weighting's total is at least (a loop
    // node only multiplies), and no more nodes than the graph.
    // Built walking back, each component's part (a loop's inside from the node it is
    // entered by to the node it is left by) appended reversed, and the whole reversed at
    // the end: the same path as collecting the steps, reversing them and walking forward,
    // without a list of steps (a tenth of the witness on a long path).
    let bound = longest.total.min(graph.csr.node_count() as u64);
    let mut path = Vec::with_capacity(bound as usize);
    let mut c = longest.end;
    let mut exit = NONE;
    while let Some((prev, left_prev_by, entered)) = longest.step(comps, c) {
        let leave = if exit == NONE { entered } else { exit };
        // Entered and left by one node (every step outside loops): no search.
        if entered == leave {
            path.push(entered);
        } else {
            let inside = |x: u32| comps.of[x as usize] == c;
            let scratch = scratch.get_or_insert_with(|| SearchScratch::new(graph.csr.node_count()));
            let from = path.len();
            path_within_into(&graph.csr, entered, leave, &inside, scratch, &mut path);
            path[from..].reverse();
        }
        exit = left_prev_by;
        c = prev;
    }
    path.reverse();
    path
}

/// The most steps of a path listed as related locations: the first and last halves.
const PATH_RELATED: usize = 48;

fn path_diagnostic(
    graph: &FlowGraph<'_>,
    code: Code,
    path: &[u32],
    message: String,
    help: &'static str,
) -> RawDiagnostic {
    let last = path.last().copied().unwrap_or(0);
    let mut d =
        RawDiagnostic::new(code, graph.node_location(last), message, help).node(graph.id(last));
    let mut previous_component = NONE;
    // A long path is listed by its first and last steps: listing every step of a
    // 100,000-node chain made the diagnostic most of the validation's cost and output.
    let skipped = path.len().saturating_sub(PATH_RELATED);
    let mut i = 0;
    while let Some(&v) = path.get(i) {
        if skipped > 0 && i == PATH_RELATED / 2 {
            // The steps not listed: one note, then on from the last of them (the only
            // one whose component the next listed step compares with).
            d = d.related(
                graph.node_location(v),
                None,
                format!(
                    "steps {} to {} of {} are not listed",
                    i + 1,
                    i + skipped,
                    path.len()
                ),
            );
            i += skipped;
            previous_component = graph.components.of[path[i - 1] as usize];
            continue;
        }
        let component = graph.components.of[v as usize];
        let step = i + 1;
        i += 1;
        let size = super::component_members(graph, v).len();
        let msg = if size > 1 && component != previous_component {
            format!("step {step}: enters a loop of {size} nodes (all count)")
        } else if size > 1 {
            format!("step {step}: inside the loop")
        } else {
            format!("step {step}")
        };
        previous_component = component;
        let msg = format!("{msg}: {}", graph.display(v));
        d = d.related(graph.node_location(v), Some(graph.id(v).to_owned()), msg);
    }
    d
}

/// Per component: its size (the depth's weight) and its worst-case actions (FG031's):
/// a bounded loop runs its body up to max_iterations times (nested loop nodes in one
/// component multiply: an upper bound); and whether some component's two differ (a loop
/// node multiplies).
fn weights(graph: &FlowGraph<'_>) -> (Vec<u64>, Vec<u64>, bool) {
    let comps = &graph.components;
    let sizes: Vec<u64> = comps.sizes().map(|s| s as u64).collect();
    // Only a component with a loop node can weigh other than its size: found from the
    // vertices' kinds (a byte each), each such component weighed once.
    let mut actions = sizes.clone();
    let mut differ = false;
    let mut weighed: Vec<bool> = Vec::new();
    for v in 0..graph.node_of.len() as u32 {
        if graph.kind(v) != NodeKind::Loop {
            continue;
        }
        let c = comps.of[v as usize];
        if weighed.is_empty() {
            weighed = vec![false; comps.len()];
        }
        match weighed.get_mut(c as usize) {
            Some(w) if !*w => *w = true,
            _ => continue,
        }
        let members = comps.members(c);
        // A loop that waits for the caller on every pass is paced by the caller, not
        // run through in one go: its passes are not multiplied (inferred; the platform
        // documents the action limit, not how waiting counts against it).
        let paced_by_caller = members.iter().any(|&v| graph.kind(v) == NodeKind::Input);
        let factor = members
            .iter()
            .filter(|&&v| {
                !paced_by_caller && graph.kind(v) == NodeKind::Loop && graph.node(v).bounds_loops()
            })
            .fold(1u64, |f, &v| {
                f.saturating_mul(graph.node(v).max_iterations.unwrap_or(1))
            });
        let weight = (members.len() as u64).saturating_mul(factor);
        differ |= weight != members.len() as u64;
        actions[c as usize] = weight;
    }
    (sizes, actions, differ)
}

/// Runs FG030 and FG031; returns the measured depth.
pub fn check(
    graph: &FlowGraph<'_>,
    reach: &[bool],
    options: &CheckOptions,
    out: &mut Vec<RawDiagnostic>,
    found: &mut Findings,
    want_path: bool,
    scratch: &mut Option<SearchScratch>,
) -> u32 {
    let (sizes, actions, differ) = weights(graph);
    // Without loop nodes the weights are the sizes, and one path serves both.
    let (longest, by_actions) = if !differ {
        (longest_path(graph, reach, &sizes), None)
    } else {
        let [longest, by_actions] = longest_paths(graph, reach, &sizes, &actions);
        (longest, Some(by_actions))
    };
    let depth = longest.total.min(u32::MAX as u64) as u32;
    let depth_path_found = want_path || depth > options.max_depth;
    if depth_path_found {
        found.depth_path = witness(graph, &longest, scratch);
    }
    if depth > options.max_depth {
        let path = &found.depth_path;
        let ids: Vec<String> = path
            .iter()
            .take(20)
            .map(|&v| match &graph.node(v).label {
                Some(l) if !l.is_empty() => l.clone(),
                _ => graph.id(v).to_owned(),
            })
            .collect();
        let more = if path.len() > 20 { " → …" } else { "" };
        out.push(path_diagnostic(
            graph,
            Code::DepthExceeded,
            path,
            format!(
                "the flow is {depth} nodes deep, more than the limit of {}: {}{more}",
                options.max_depth,
                ids.join(" → ")
            ),
            "callers wait through every step: shorten this path (flatten nested decisions with `flowguard flatten`, merge prompts) or raise the limit with --max-depth",
        ));
    }

    let by_actions = by_actions.as_ref().unwrap_or(&longest);
    let total = by_actions.total;
    if total > options.action_budget {
        // The depth's witness when the action path is the same one (on a large flow the
        // witness searches inside every loop along the path: not done twice).
        let fresh;
        let path: &[u32] = if depth_path_found && by_actions.same_path(&graph.components, &longest)
        {
            &found.depth_path
        } else {
            fresh = witness(graph, by_actions, scratch);
            &fresh
        };
        out.push(path_diagnostic(
            graph,
            Code::ActionBudget,
            path,
            format!(
                "a call can run up to {total} actions on one path, more than the platform's {} (it disconnects the call there)",
                options.action_budget
            ),
            "lower `max_iterations` of the loops on this path, or split the work across flows",
        ));
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::RawRelated;
    use crate::model::{Flow, Origin};

    /// A pseudo-random flow: `n` nodes, forward and backward edges (loops), some input
    /// nodes; the start is node 0.
    fn random_flow(next: &mut impl FnMut(u64) -> u64) -> Flow {
        let n = 1 + next(30);
        let plan = (0..n).map(|i| {
            let kind = match next(6) {
                0 => NodeKind::Input,
                1 => NodeKind::Loop,
                _ => NodeKind::PassThrough,
            };
            let targets = (0..next(4))
                .map(|_| {
                    if next(3) == 0 {
                        next(n)
                    } else {
                        (i + 1 + next(3)).min(n)
                    }
                })
                .collect();
            (kind, None, targets)
        });
        flow_of(plan.collect())
    }

    /// The flow of a plan: node `i` is `n{i}` with its kind, bound and edges to the nodes
    /// numbered in its targets (a number past the last node is a dangling id); node 0 starts.
    fn flow_of(plan: Vec<(NodeKind, Option<u64>, Vec<u64>)>) -> Flow {
        let mut flow = Flow::default();
        for (i, (kind, bound, targets)) in plan.into_iter().enumerate() {
            let mut node = flow.new_node(&format!("n{i}"), "play", kind);
            node.max_iterations = bound;
            for to in targets {
                let e = flow.edge("next", &format!("n{to}"), Origin::default());
                node.edges.push(e);
            }
            flow.nodes.push(node);
        }
        let start = flow.intern("n0");
        flow.start = Some((start, Origin::default()));
        flow
    }

    /// The witness as first written: the steps collected walking back, reversed, and
    /// each component's part appended walking forward.
    fn witness_forward(graph: &FlowGraph<'_>, longest: &Longest) -> Vec<u32> {
        let comps = &graph.components;
        let mut steps = Vec::new();
        let (mut c, mut exit) = (longest.end, NONE);
        while let Some((prev, left_prev_by, entered)) = longest.step(comps, c) {
            steps.push((c, entered, if exit == NONE { entered } else { exit }));
            exit = left_prev_by;
            c = prev;
        }
        steps.reverse();
        let mut scratch = SearchScratch::new(graph.csr.node_count());
        let mut path = Vec::new();
        for (comp, entry, leave) in steps {
            if entry == leave {
                path.push(entry);
            } else {
                let inside = |x: u32| comps.of[x as usize] == comp;
                path_within_into(&graph.csr, entry, leave, &inside, &mut scratch, &mut path);
            }
        }
        path
    }

    /// Building the witness backwards gives exactly the forward walk's path, with a
    /// scratch of its own or one used before; the path is no longer than its total.
    #[test]
    fn witness_built_backwards_is_the_forward_walk() {
        let mut next = crate::graph::xorshift(0x2545_F491_4F6C_DD1D);
        let mut through_loops = 0;
        for _ in 0..400 {
            let flow = random_flow(&mut next);
            let graph = FlowGraph::build(&flow);
            let reach = graph.reachable_from_start();
            let sizes: Vec<u64> = graph.components.sizes().map(|s| s as u64).collect();
            let longest = longest_path(&graph, &reach, &sizes);
            let expected = witness_forward(&graph, &longest);
            // The bound the witness is sized by.
            assert!(expected.len() as u64 <= longest.total);
            assert_eq!(witness(&graph, &longest, &mut None), expected);
            // A scratch a search has used (and left clear) serves again.
            let mut shared = None;
            for _ in 0..2 {
                assert_eq!(witness(&graph, &longest, &mut shared), expected);
            }
            // (A path with more nodes than components crosses a loop's inside.)
            let mut components = 0;
            let mut c = longest.end;
            while let Some((prev, _, _)) = longest.step(&graph.components, c) {
                components += 1;
                c = prev;
            }
            through_loops += usize::from(expected.len() > components);
        }
        assert!(through_loops > 0);
    }

    /// Each step back names the component the path came from: the one the node left by
    /// is in, and the node entered by is in the component stepped back from; the walk
    /// ends at the start's component, entered by the start.
    #[test]
    fn steps_back_lead_to_the_start() {
        let mut next = crate::graph::xorshift(0x51_7CC1_B727_220A);
        for _ in 0..300 {
            let flow = random_flow(&mut next);
            let graph = FlowGraph::build(&flow);
            let reach = graph.reachable_from_start();
            let comps = &graph.components;
            let sizes: Vec<u64> = comps.sizes().map(|s| s as u64).collect();
            let longest = longest_path(&graph, &reach, &sizes);
            let mut c = longest.end;
            let mut last = None;
            while let Some((prev, left_prev_by, entered)) = longest.step(comps, c) {
                assert_eq!(comps.of[entered as usize], c);
                if prev != NONE {
                    assert_eq!(comps.of[left_prev_by as usize], prev);
                }
                last = Some((c, entered));
                c = prev;
            }
            assert_eq!(c, NONE);
            let start = graph.start.map(|s| (comps.of[s as usize], s));
            assert!(start.is_some());
            assert_eq!(last, start);
        }
    }

    /// The two-weight pass gives, for each weighting, exactly the one-weight pass's
    /// values and `via`; paths it calls the same have the same witness.
    #[test]
    fn longest_paths_equal_two_single_passes() {
        let mut next = crate::graph::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut same = 0;
        for _ in 0..500 {
            let flow = random_flow(&mut next);
            let graph = FlowGraph::build(&flow);
            let reach = graph.reachable_from_start();
            let k = graph.components.len();
            let a: Vec<u64> = (0..k).map(|_| 1 + next(5)).collect();
            // Often equal to `a` but for a few components, as loop nodes make them.
            let b: Vec<u64> = a
                .iter()
                .map(|&w| if next(4) == 0 { w * (1 + next(3)) } else { w })
                .collect();
            let [pa, pb] = longest_paths(&graph, &reach, &a, &b);
            for (pair, alone) in [
                (&pa, longest_path(&graph, &reach, &a)),
                (&pb, longest_path(&graph, &reach, &b)),
            ] {
                assert_eq!((pair.total, pair.end), (alone.total, alone.end));
                assert_eq!(pair.via, alone.via);
            }
            if pa.same_path(&graph.components, &pb) {
                same += 1;
                assert_eq!(
                    witness(&graph, &pa, &mut None),
                    witness(&graph, &pb, &mut None)
                );
            }
        }
        assert!(same > 50, "{same}");
    }

    /// The weights as one loop over every component's members wrote them (no one-node
    /// case), and whether they differ by comparing the two lists.
    fn weights_naive(graph: &FlowGraph<'_>) -> (Vec<u64>, Vec<u64>, bool) {
        let comps = &graph.components;
        let (mut sizes, mut actions) = (Vec::new(), Vec::new());
        for c in 0..comps.len() as u32 {
            let members = comps.members(c);
            sizes.push(members.len() as u64);
            let paced_by_caller = members.iter().any(|&v| graph.kind(v) == NodeKind::Input);
            let factor = members
                .iter()
                .filter(|&&v| {
                    !paced_by_caller
                        && graph.kind(v) == NodeKind::Loop
                        && graph.node(v).bounds_loops()
                })
                .fold(1u64, |f, &v| {
                    f.saturating_mul(graph.node(v).max_iterations.unwrap_or(1))
                });
            actions.push((members.len() as u64).saturating_mul(factor));
        }
        let differ = actions != sizes;
        (sizes, actions, differ)
    }

    /// The related places as [`path_diagnostic`] listed them by walking every step.
    fn related_naive(graph: &FlowGraph<'_>, path: &[u32]) -> Vec<RawRelated> {
        let mut out = Vec::new();
        let mut previous_component = NONE;
        let skipped = path.len().saturating_sub(PATH_RELATED);
        let keep = |i: usize| i < PATH_RELATED / 2 || i >= PATH_RELATED / 2 + skipped;
        for (i, &v) in path.iter().enumerate() {
            let component = graph.components.of[v as usize];
            if !keep(i) {
                previous_component = component;
                if i == PATH_RELATED / 2 {
                    out.push(RawRelated {
                        at: graph.node_location(v),
                        node: None,
                        message: format!(
                            "steps {} to {} of {} are not listed",
                            i + 1,
                            i + skipped,
                            path.len()
                        ),
                    });
                }
                continue;
            }
            let size = crate::checks::component_members(graph, v).len();
            let msg = if size > 1 && component != previous_component {
                format!("step {}: enters a loop of {size} nodes (all count)", i + 1)
            } else if size > 1 {
                format!("step {}: inside the loop", i + 1)
            } else {
                format!("step {}", i + 1)
            };
            previous_component = component;
            out.push(RawRelated {
                at: graph.node_location(v),
                node: Some(graph.id(v).to_owned()),
                message: format!("{msg}: {}", graph.display(v)),
            });
        }
        out
    }

    /// A pseudo-random long flow: a chain of `n` nodes with backward edges (loops, some
    /// of them around a loop node with a bound, some waiting for the caller) and skips.
    fn random_chain(next: &mut impl FnMut(u64) -> u64) -> Flow {
        let n = 1 + next(160);
        let plan = (0..n).map(|i| {
            let kind = match next(8) {
                0 => NodeKind::Input,
                1 | 2 => NodeKind::Loop,
                _ => NodeKind::PassThrough,
            };
            let bound = (kind == NodeKind::Loop).then(|| next(4));
            let mut targets = vec![(i + 1).min(n)];
            if next(4) == 0 {
                targets.push(i.saturating_sub(next(6)));
            }
            if next(5) == 0 {
                targets.push((i + 2).min(n));
            }
            (kind, bound, targets)
        });
        flow_of(plan.collect())
    }

    /// The weights with their one-node case equal the general loop's; the longest path's
    /// end is the first greatest value; a long path's listing skips its middle as
    /// walking every step did.
    #[test]
    fn weights_ends_and_listings_equal_the_plain_forms() {
        let mut next = crate::graph::xorshift(0x2545_F491_4F6C_DD1D);
        let (mut differing, mut long) = (0, 0);
        for round in 0..400 {
            let flow = if round % 2 == 0 {
                random_flow(&mut next)
            } else {
                random_chain(&mut next)
            };
            let graph = FlowGraph::build(&flow);
            let reach = graph.reachable_from_start();
            let w = weights(&graph);
            assert_eq!(w, weights_naive(&graph));
            differing += usize::from(w.2);
            let longest = longest_path(&graph, &reach, &w.0);
            let best: Vec<u64> = (0..graph.components.len()).map(|_| next(4)).collect();
            let plain = best
                .iter()
                .enumerate()
                .max_by_key(|&(i, &b)| (b, std::cmp::Reverse(i)))
                .map(|(i, &b)| (i as u32, b));
            let ended = Longest::ending_at_max(&best, Vec::new());
            assert_eq!(
                plain,
                (ended.end != NONE).then_some((ended.end, ended.total))
            );
            let path = witness(&graph, &longest, &mut None);
            long += usize::from(path.len() > PATH_RELATED);
            let d = path_diagnostic(&graph, Code::DepthExceeded, &path, String::new(), "");
            assert_eq!(d.related, related_naive(&graph, &path));
        }
        assert!(differing > 50 && long > 20, "{differing} {long}");
    }
}
