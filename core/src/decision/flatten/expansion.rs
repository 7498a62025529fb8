//! The decision structure of a flow ([`Context`]: which decisions can be rewritten, which
//! are pulled into the decision that enters them) and the expansion of one tree into
//! first-match paths ([`expand`]), each with its probability and its number of evaluations
//! in the original tree.

use rustc_hash::FxHashMap;

use super::probabilities::{Probabilities, branch_probs};
use crate::decision::analysis::evaluation_order;
use crate::decision::expr::{Expr, parse_expression};
use crate::graph::order::sort_by_key;
use crate::model::{Flow, InputFormat, Node, NodeKind};

/// A condition of an original node: (node index, condition index in document order).
pub(crate) type Part = (usize, usize);

/// One path of the expanded tree, before optimisation.
#[derive(Clone, Debug)]
pub(super) struct RawEntry {
    pub(super) parts: Vec<Part>,
    pub(super) target: String,
    pub(super) prob: f64,
    pub(super) evals: u32,
}

pub(super) struct Expansion {
    pub(super) entries: Vec<RawEntry>,
    pub(super) default: Option<String>,
    pub(super) default_prob: f64,
    pub(super) default_evals: u32,
    /// Decisions pulled into the root, ascending and without duplicates (sorted once at the
    /// end of [`expand`]). Sorted vectors and hash maps instead of `BTreeSet`/`BTreeMap`
    /// throughout this module: every B-tree key type compiles its own copy of the B-tree
    /// code, which kept the wasm package large.
    pub(super) inlined: Vec<usize>,
    pub(super) max_path: usize,
}

/// The flow's decision structure, shared by every root's expansion.
pub(crate) struct Context<'f> {
    pub flow: &'f Flow,
    /// The first node of each id (the one the graph uses).
    index: FxHashMap<&'f str, usize>,
    /// The referrers of each id: [`ONE_OF_MANY`] for two or more distinct ones, else the
    /// one referrer as the index of its id's first node, or [`START_REFERRER`]. Only
    /// [`Context::sole_parent`] reads it, which needs nothing more than this. (Values are
    /// `usize` so this shares its hash-map code with `index`.)
    refs: FxHashMap<&'f str, usize>,
    /// Parsed conditions of decisions whose conditions all parse, by node index.
    pub parsed: Vec<Option<Vec<Expr>>>,
    pub(super) start: Option<&'f str>,
    /// By node index: another node has the same id.
    duplicated: Vec<bool>,
    pub(super) probabilities: Option<&'f Probabilities>,
}

/// In [`Context::refs`]: referred to by more than one node (or by a node and the start).
const ONE_OF_MANY: usize = usize::MAX;
/// In [`Context::refs`]: referred to only by the flow's start.
const START_REFERRER: usize = usize::MAX - 1;
/// The id [`Context::sole_parent`] gives for [`START_REFERRER`]; no node can have it.
const START_REF: &str = "\u{0}start";

impl<'f> Context<'f> {
    pub fn new(flow: &'f Flow, probabilities: Option<&'f Probabilities>) -> Self {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        let mut duplicated = vec![false; flow.nodes.len()];
        for (i, n) in flow.nodes.iter().enumerate() {
            let first = *index.entry(n.id.as_str()).or_insert(i);
            if first != i {
                duplicated[first] = true;
                duplicated[i] = true;
            }
        }
        let mut refs: FxHashMap<&str, usize> = FxHashMap::default();
        let mut add_ref = |target: &'f str, referrer: usize| {
            refs.entry(target)
                .and_modify(|r| {
                    if *r != referrer {
                        *r = ONE_OF_MANY;
                    }
                })
                .or_insert(referrer);
        };
        let mut parsed = Vec::with_capacity(flow.nodes.len());
        for n in &flow.nodes {
            // Referrers are told apart by id, as the graph does: two nodes that share an id
            // are one referrer. (A node whose id is `START_REF` counts as the start, as it
            // did when referrers were kept as ids.)
            let referrer = if n.id == START_REF {
                START_REFERRER
            } else {
                index.get(n.id.as_str()).copied().unwrap_or(ONE_OF_MANY)
            };
            for e in &n.edges {
                add_ref(e.target.as_str(), referrer);
            }
            let exprs: Option<Vec<Expr>> = (n.kind == NodeKind::Decision)
                .then(|| {
                    n.conditions
                        .iter()
                        .map(|c| parse_expression(&c.expression).ok())
                        .collect()
                })
                .flatten();
            parsed.push(exprs);
        }
        let start = flow.start.as_ref().map(|(s, _)| s.as_str());
        if let Some(s) = start {
            add_ref(s, START_REFERRER);
        }
        Context {
            flow,
            index,
            refs,
            parsed,
            start,
            duplicated,
            probabilities,
        }
    }

    /// The parsed conditions of node `i`, if they all parse.
    pub fn parsed(&self, i: usize) -> Option<&[Expr]> {
        self.parsed.get(i)?.as_deref()
    }

    pub fn node(&self, i: usize) -> &'f Node {
        &self.flow.nodes[i]
    }

    pub fn lookup(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// A decision that can be rewritten: its conditions parse and its id is unique.
    pub(super) fn flattenable(&self, i: usize) -> bool {
        let n = self.node(i);
        n.kind == NodeKind::Decision
            && self.parsed(i).is_some()
            && !self.duplicated[i]
            && n.edges
                .iter()
                .filter(|e| e.condition.is_none() && e.label == "default")
                .count()
                <= 1
    }

    /// A decision whose whole behaviour is its conditions and default, so it can be pulled
    /// into the decision that enters it.
    fn inlinable(&self, i: usize) -> bool {
        let n = self.node(i);
        self.flattenable(i)
            && Some(n.id.as_str()) != self.start
            && n.edges
                .iter()
                .all(|e| e.condition.is_some() || e.label == "default")
    }

    /// The only node entering `i`, if there is exactly one.
    pub(super) fn sole_parent(&self, i: usize) -> Option<&'f str> {
        match *self.refs.get(self.node(i).id.as_str())? {
            ONE_OF_MANY => None,
            START_REFERRER => Some(START_REF),
            p => Some(self.node(p).id.as_str()),
        }
    }

    /// Whether `i` is pulled into its only parent (so it is not a root of its own).
    pub fn is_child(&self, i: usize) -> bool {
        self.inlinable(i)
            && self
                .sole_parent(i)
                .and_then(|p| self.lookup(p))
                .is_some_and(|p| p != i && self.flattenable(p) && self.nests(p, i))
    }

    /// Whether decision `c` may be pulled into decision `p`. In Archy YAML only a decision
    /// written inside `p` (its id is a path below `p`'s): the writer replaces `p`'s text with
    /// one switch, and a decision after `p` in the same list (reached when a branch of `p`
    /// is empty) would stay where it is and run again after the switch.
    fn nests(&self, p: usize, c: usize) -> bool {
        let (p, c) = (self.node(p).id.as_str(), self.node(c).id.as_str());
        self.flow.format != InputFormat::Archy
            || (c.len() > p.len() && c.starts_with(p) && c.as_bytes()[p.len()] == b'/')
    }

    fn default_of(&self, i: usize) -> Option<&'f str> {
        self.node(i).default_edge().map(|e| e.target.as_str())
    }

    /// Branch probabilities of node `i`: one per condition (document order), then default.
    fn branch_probs(&self, i: usize) -> (Vec<f64>, f64) {
        let n = self.node(i);
        let given = self.probabilities.and_then(|p| p.get(&n.id));
        branch_probs(n.conditions.len(), self.default_of(i).is_some(), given)
    }
}

struct Frame {
    node: usize,
    guard: Vec<Part>,
    prob: f64,
    evals: u32,
    pos: usize,
    path: Vec<usize>,
}

/// Expands the tree under `root` into first-match entries. `None` when it would have more
/// than `budget` entries. Iterative: the stack holds one frame per decision on the path.
pub(super) fn expand(
    ctx: &Context<'_>,
    root: usize,
    budget: usize,
    unfold_cap: usize,
    unfold_ok: &mut FxHashMap<usize, bool>,
) -> Option<Expansion> {
    let mut x = Expansion {
        entries: Vec::new(),
        default: None,
        default_prob: 0.0,
        default_evals: 0,
        inlined: Vec::new(),
        max_path: 1,
    };
    let mut stack = vec![Frame {
        node: root,
        guard: Vec::new(),
        prob: 1.0,
        evals: 0,
        pos: 0,
        path: vec![root],
    }];
    while let Some(mut f) = stack.pop() {
        x.max_path = x.max_path.max(f.path.len());
        let node = ctx.node(f.node);
        let order = evaluation_order(node);
        let (probs, pdefault) = ctx.branch_probs(f.node);
        let (target, prob, evals, guard) = if let Some(&c) = order.get(f.pos) {
            let mut guard = f.guard.clone();
            guard.push((f.node, c));
            (
                Some(node.conditions[c].target.as_str()),
                f.prob * probs.get(c).copied().unwrap_or(0.0),
                f.evals + f.pos as u32 + 1,
                guard,
            )
        } else {
            (
                ctx.default_of(f.node),
                f.prob * pdefault,
                f.evals + order.len() as u32,
                f.guard.clone(),
            )
        };
        let is_default = f.pos >= order.len();
        let inline = target.and_then(|t| ctx.lookup(t)).filter(|&t| {
            t != root
                && !f.path.contains(&t)
                && ctx.nests(f.node, t)
                && ctx.inlinable(t)
                && (ctx.sole_parent(t) == Some(node.id.as_str())
                    || shared_fits(ctx, t, unfold_cap, unfold_ok))
        });
        if !is_default {
            f.pos += 1;
        }
        let (path, frame_node) = (f.path.clone(), f.node);
        if !is_default {
            stack.push(f);
        }
        match (inline, target) {
            (Some(t), _) => {
                x.inlined.push(t);
                let mut path = path;
                path.push(t);
                stack.push(Frame {
                    node: t,
                    guard,
                    prob,
                    evals,
                    pos: 0,
                    path,
                });
            }
            (None, Some(t)) if !guard.is_empty() => x.entries.push(RawEntry {
                parts: guard,
                target: t.to_owned(),
                prob,
                evals,
            }),
            (None, t) => {
                // A catch-all: the flat default, or a fall-through back to the node that
                // had no default (it stays, and behaves as before).
                let fallback = match t {
                    Some(t) => Some(t.to_owned()),
                    None if frame_node == root => None,
                    None => Some(ctx.node(frame_node).id.clone()),
                };
                if guard.is_empty() {
                    x.default = fallback;
                    x.default_prob = prob;
                    x.default_evals = evals;
                } else if let Some(t) = fallback {
                    x.entries.push(RawEntry {
                        parts: guard,
                        target: t,
                        prob,
                        evals,
                    });
                }
            }
        }
        if x.entries.len() > budget {
            return None;
        }
    }
    sort_by_key(&mut x.inlined, |&i| i as u64);
    x.inlined.dedup();
    Some(x)
}

/// Whether a shared decision is small enough to copy into each decision that enters it.
fn shared_fits(ctx: &Context<'_>, t: usize, cap: usize, memo: &mut FxHashMap<usize, bool>) -> bool {
    if let Some(&b) = memo.get(&t) {
        return b;
    }
    // Provisional "no" stops a cycle of shared decisions from unfolding into itself.
    memo.insert(t, false);
    let fits = expand(ctx, t, cap, 0, &mut FxHashMap::default())
        .is_some_and(|x| x.entries.len() + usize::from(x.default.is_some()) <= cap);
    memo.insert(t, fits);
    fits
}
