//! Depth (FG030) and worst-case action count (FG031): longest paths from the start over the
//! condensation (each strongly connected component collapsed to one weighted vertex), which
//! is a DAG, so a single pass in topological order finds them.

use super::{CheckOptions, Findings, FlowGraph};
use crate::diagnostic::{Code, RawDiagnostic};
use crate::graph::{Components, Csr, NONE, SearchScratch, path_within};
use crate::model::NodeKind;

/// The longest path through the condensation: its total weight, and how to walk it back.
struct Longest {
    total: u64,
    /// The component the path ends in.
    end: u32,
    /// Per component: (previous component, node it was left by, node this component was
    /// entered by).
    via: Vec<(u32, u32, u32)>,
}

/// Longest path through the condensation with the given component weights (one per
/// component). The witness path is built only when a diagnostic needs it ([`witness`]).
fn longest_path(graph: &FlowGraph<'_>, reach: &[bool], weight: &[u64]) -> Longest {
    let none = Longest {
        total: 0,
        end: NONE,
        via: Vec::new(),
    };
    let Some(start) = graph.start else {
        return none;
    };
    let comps = &graph.components;
    let mut via = vec![(NONE, NONE, NONE); comps.len()];
    let sc = comps.of[start as usize];
    via[sc as usize] = (NONE, NONE, start);
    let best = longest_values(comps, &graph.csr, reach, weight, sc, Some(&mut via));
    let Some((end, &total)) = best
        .iter()
        .enumerate()
        .max_by_key(|&(i, &b)| (b, std::cmp::Reverse(i)))
    else {
        return none;
    };
    Longest {
        total,
        end: end as u32,
        via,
    }
}

/// The longest path from component `start` through the condensation ending in each
/// component (0: not reached), counting `weight` per component and following only edges
/// out of reachable nodes. With `via`, each component's entry records the edge that gave
/// it its value: (component left, node it was left by, node this one was entered by).
/// Also what an editing session keeps and updates (`crate::edit`).
pub(crate) fn longest_values(
    comps: &Components,
    csr: &Csr,
    reach: &[bool],
    weight: &[u64],
    start: u32,
    mut via: Option<&mut [(u32, u32, u32)]>,
) -> Vec<u64> {
    let n = comps.len();
    let mut best = vec![0u64; n];
    let Some(&w0) = weight.get(start as usize) else {
        return best;
    };
    best[start as usize] = w0;
    // Tarjan closes a component after every component it reaches: descending index is a
    // topological order.
    for c in (0..n as u32).rev() {
        let here = best[c as usize];
        if here == 0 {
            continue;
        }
        for &v in comps.members(c) {
            if !reach[v as usize] {
                continue;
            }
            for &w in csr.successors(v) {
                let d = comps.of[w as usize];
                if d == c {
                    continue;
                }
                let cand = here.saturating_add(weight[d as usize]);
                if cand > best[d as usize] {
                    best[d as usize] = cand;
                    if let Some(via) = via.as_deref_mut() {
                        via[d as usize] = (c, v, w);
                    }
                }
            }
        }
    }
    best
}

/// The witness of a longest path: a connected node path from the start, which inside each
/// loop it passes goes from the node it enters by to the node it leaves by.
fn witness(graph: &FlowGraph<'_>, longest: &Longest) -> Vec<u32> {
    let (comps, via) = (&graph.components, &longest.via);
    if longest.end == NONE {
        return Vec::new();
    }
    // Walk back collecting (entry, exit) per component, then fill in each loop's inside.
    let mut steps = Vec::new();
    let mut c = longest.end;
    let mut exit = NONE;
    while c != NONE {
        let (prev, left_prev_by, entered) = via[c as usize];
        steps.push((c, entered, if exit == NONE { entered } else { exit }));
        exit = left_prev_by;
        c = prev;
    }
    steps.reverse();
    // Allocated at the first loop the path passes through, if any.
    let mut scratch: Option<SearchScratch> = None;
    let mut path = Vec::new();
    for (comp, entry, leave) in steps {
        // Entered and left by one node (every step outside loops): no search.
        if entry == leave {
            path.push(entry);
            continue;
        }
        let inside = |x: u32| comps.of[x as usize] == comp;
        let scratch = scratch.get_or_insert_with(|| SearchScratch::new(graph.csr.node_count()));
        path.extend(path_within(&graph.csr, entry, leave, &inside, scratch));
    }
    path
}

/// The most steps of a path listed as related locations: the first and last halves.
const PATH_RELATED: usize = 48;

fn path_diagnostic(
    graph: &FlowGraph<'_>,
    code: Code,
    path: &[u32],
    message: String,
    help: &str,
) -> RawDiagnostic {
    let last = path.last().copied().unwrap_or(0);
    let mut d =
        RawDiagnostic::new(code, graph.node_location(last), message, help).node(graph.id(last));
    let mut previous_component = NONE;
    // A long path is listed by its first and last steps: listing every step of a
    // 100,000-node chain made the diagnostic most of the validation's cost and output.
    let skipped = path.len().saturating_sub(PATH_RELATED);
    let keep = |i: usize| i < PATH_RELATED / 2 || i >= PATH_RELATED / 2 + skipped;
    for (i, &v) in path.iter().enumerate() {
        let component = graph.components.of[v as usize];
        if !keep(i) {
            previous_component = component;
            if i == PATH_RELATED / 2 {
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
            }
            continue;
        }
        let size = super::component_members(graph, v).len();
        let msg = if size > 1 && component != previous_component {
            format!("step {}: enters a loop of {size} nodes (all count)", i + 1)
        } else if size > 1 {
            format!("step {}: inside the loop", i + 1)
        } else {
            format!("step {}", i + 1)
        };
        previous_component = component;
        let msg = format!("{msg}: {}", graph.display(v));
        d = d.related(graph.node_location(v), Some(graph.id(v).to_owned()), msg);
    }
    d
}

/// Runs FG030 and FG031; returns the measured depth.
pub fn check(
    graph: &FlowGraph<'_>,
    reach: &[bool],
    options: &CheckOptions,
    out: &mut Vec<RawDiagnostic>,
    found: &mut Findings,
    want_path: bool,
) -> u32 {
    let comps = &graph.components;
    let sizes: Vec<u64> = (0..comps.len() as u32)
        .map(|c| comps.members(c).len() as u64)
        .collect();
    let longest = longest_path(graph, reach, &sizes);
    let depth = longest.total.min(u32::MAX as u64) as u32;
    if want_path || depth > options.max_depth {
        found.depth_path = witness(graph, &longest);
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

    // Worst-case actions: a bounded loop runs its body up to max_iterations times (nested
    // loop nodes in one component multiply: an upper bound).
    let actions: Vec<u64> = (0..comps.len() as u32)
        .map(|c| {
            let members = comps.members(c);
            // A loop that waits for the caller on every pass is paced by the caller, not
            // run through in one go: its passes are not multiplied (inferred; the platform
            // documents the action limit, not how waiting counts against it).
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
            (members.len() as u64).saturating_mul(factor)
        })
        .collect();
    // Without loop nodes the weights are the sizes, and the path the one found above.
    let longest = if actions == sizes {
        longest
    } else {
        longest_path(graph, reach, &actions)
    };
    let total = longest.total;
    if total > options.action_budget {
        let path = witness(graph, &longest);
        out.push(path_diagnostic(
            graph,
            Code::ActionBudget,
            &path,
            format!(
                "a call can run up to {total} actions on one path, more than the platform's {} (it disconnects the call there)",
                options.action_budget
            ),
            "lower `max_iterations` of the loops on this path, or split the work across flows",
        ));
    }
    depth
}
