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
            let first = *index.entry(flow.id_of(n)).or_insert(i);
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
            let referrer = if flow.id_of(n) == START_REF {
                START_REFERRER
            } else {
                index.get(flow.id_of(n)).copied().unwrap_or(ONE_OF_MANY)
            };
            for e in &n.edges {
                add_ref(flow.name(e.target), referrer);
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
        let start = flow.start_id();
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

    /// The id of node `i`.
    pub fn id(&self, i: usize) -> &'f str {
        self.flow.id_of(self.node(i))
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
            && Some(self.flow.id_of(n)) != self.start
            && n.edges
                .iter()
                .all(|e| e.condition.is_some() || e.label == "default")
    }

    /// The only node entering `i`, if there is exactly one.
    pub(super) fn sole_parent(&self, i: usize) -> Option<&'f str> {
        match *self.refs.get(self.id(i))? {
            ONE_OF_MANY => None,
            START_REFERRER => Some(START_REF),
            p => Some(self.id(p)),
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
        let (p, c) = (self.id(p), self.id(c));
        self.flow.format != InputFormat::Archy
            || (c.len() > p.len() && c.starts_with(p) && c.as_bytes()[p.len()] == b'/')
    }

    fn default_of(&self, i: usize) -> Option<&'f str> {
        let flow = self.flow;
        self.node(i).default_edge().map(|e| flow.name(e.target))
    }

    /// Branch probabilities of node `i`: one per condition (document order), then default.
    fn branch_probs(&self, i: usize) -> (Vec<f64>, f64) {
        let n = self.node(i);
        let given = self.probabilities.and_then(|p| p.get(self.flow.id_of(n)));
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
                Some(ctx.flow.name(node.conditions[c].target)),
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
                && (ctx.sole_parent(t) == Some(ctx.flow.id_of(node))
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
                    None => Some(ctx.id(frame_node).to_owned()),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(text: &str) -> Flow {
        let read = crate::formats::read(text, InputFormat::Flow);
        assert!(!read.fatal, "{:?}", read.diagnostics);
        read.flow
    }

    /// `d` → `e` → `f`, each entered only from the one above. `d`'s conditions are in
    /// document order `b` (priority 1), `a` (priority 2): `a` is evaluated first.
    const NESTED: &str = r#"{"start": "d", "nodes": {
        "d": {"type": "decision", "conditions": [
            {"expression": "b == 1", "priority": 1, "target_id": "x"},
            {"expression": "a == 1", "priority": 2, "target_id": "e"}],
          "transitions": {"default": ["y"]}},
        "e": {"type": "decision", "conditions": [
            {"expression": "c == 1", "priority": 1, "target_id": "f"}],
          "transitions": {"default": ["z"]}},
        "f": {"type": "decision", "conditions": [
            {"expression": "g == 1", "priority": 1, "target_id": "x"}],
          "transitions": {"default": ["y"]}},
        "x": {"type": "disconnect"}, "y": {"type": "disconnect"}, "z": {"type": "disconnect"}}}"#;

    /// Paths as (parts by node id, target, probability, evaluations).
    type Path = (Vec<(String, usize)>, String, f64, u32);

    fn paths(ctx: &Context<'_>, x: &Expansion) -> Vec<Path> {
        x.entries
            .iter()
            .map(|e| {
                let parts = e
                    .parts
                    .iter()
                    .map(|&(n, c)| (ctx.id(n).to_owned(), c))
                    .collect();
                (parts, e.target.clone(), e.prob, e.evals)
            })
            .collect()
    }

    fn path(parts: &[(&str, usize)], target: &str, prob: f64, evals: u32) -> Path {
        let parts = parts.iter().map(|&(n, c)| (n.to_owned(), c)).collect();
        (parts, target.to_owned(), prob, evals)
    }

    fn assert_paths(got: &[Path], want: &[Path]) {
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((&g.0, &g.1, g.3), (&w.0, &w.1, w.3), "{got:#?}");
            assert!((g.2 - w.2).abs() < 1e-12, "{got:#?}");
        }
    }

    fn ids(ctx: &Context<'_>, nodes: &[usize]) -> Vec<String> {
        nodes.iter().map(|&i| ctx.id(i).to_owned()).collect()
    }

    #[test]
    fn the_structure_knows_roots_and_children() {
        let flow = read(NESTED);
        let ctx = Context::new(&flow, None);
        let [d, e, f, x] = ["d", "e", "f", "x"].map(|id| ctx.lookup(id).unwrap());
        assert!(ctx.flattenable(d) && ctx.flattenable(e) && !ctx.flattenable(x));
        // The start is a root, never a child; `e` and `f` have one parent each.
        assert!(!ctx.is_child(d));
        assert!(ctx.is_child(e) && ctx.is_child(f));
        assert_eq!(ctx.sole_parent(e), Some("d"));
        assert_eq!(ctx.sole_parent(d), Some(START_REF));
        // `x` is entered from `d` and `f`.
        assert_eq!(ctx.sole_parent(x), None);
        assert_eq!(ctx.lookup("nowhere"), None);
        assert_eq!(ctx.parsed(d).map(<[Expr]>::len), Some(2));
    }

    #[test]
    fn a_nested_tree_expands_to_its_first_match_paths() {
        let flow = read(NESTED);
        let ctx = Context::new(&flow, None);
        let d = ctx.lookup("d").unwrap();
        let x = expand(&ctx, d, 100, 32, &mut FxHashMap::default()).unwrap();
        // `d`: three branches of 1/3; `e`, `f`: two of 1/2. Evaluations count the
        // conditions tested along the path, defaults after all of a node's conditions.
        let third = 1.0 / 3.0;
        assert_paths(
            &paths(&ctx, &x),
            &[
                path(&[("d", 1), ("e", 0), ("f", 0)], "x", third / 4.0, 3),
                path(&[("d", 1), ("e", 0)], "y", third / 4.0, 3),
                path(&[("d", 1)], "z", third / 2.0, 2),
                path(&[("d", 0)], "x", third, 2),
            ],
        );
        assert_eq!(x.default.as_deref(), Some("y"));
        assert!((x.default_prob - third).abs() < 1e-12);
        assert_eq!(x.default_evals, 2);
        assert_eq!(ids(&ctx, &x.inlined), ["e", "f"]);
        assert_eq!(x.max_path, 3);
        // From `e`, nothing above it is seen.
        let e = ctx.lookup("e").unwrap();
        let x = expand(&ctx, e, 100, 32, &mut FxHashMap::default()).unwrap();
        assert_paths(
            &paths(&ctx, &x),
            &[
                path(&[("e", 0), ("f", 0)], "x", 0.25, 2),
                path(&[("e", 0)], "y", 0.25, 2),
            ],
        );
        assert_eq!(x.default.as_deref(), Some("z"));
    }

    #[test]
    fn probabilities_weigh_the_paths() {
        let flow = read(NESTED);
        let p = crate::decision::parse_probabilities(
            r#"{"d": {"conditions": [0.1, 0.6], "default": 0.3}, "e": {"conditions": [0.5]}}"#,
        )
        .unwrap();
        let ctx = Context::new(&flow, Some(&p));
        let x = expand(&ctx, 0, 100, 32, &mut FxHashMap::default()).unwrap();
        let probs: Vec<f64> = x.entries.iter().map(|e| e.prob).collect();
        let want = [0.6 * 0.5 * 0.5, 0.6 * 0.5 * 0.5, 0.6 * 0.5, 0.1];
        assert!(
            probs.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-12),
            "{probs:?}"
        );
        assert!((x.default_prob - 0.3).abs() < 1e-12);
    }

    #[test]
    fn the_budget_gives_none() {
        let flow = read(NESTED);
        let ctx = Context::new(&flow, None);
        let d = ctx.lookup("d").unwrap();
        // Four paths and the default.
        assert!(expand(&ctx, d, 3, 32, &mut FxHashMap::default()).is_none());
        assert!(expand(&ctx, d, 0, 32, &mut FxHashMap::default()).is_none());
        let x = expand(&ctx, d, 4, 32, &mut FxHashMap::default()).unwrap();
        assert_eq!(x.entries.len(), 4);
    }

    /// `s` (two conditions and a default) is entered from `d1` and from `d2`.
    fn shared(d2_enters_s: bool) -> String {
        let d2_target = if d2_enters_s { "s" } else { "x" };
        format!(
            r#"{{"start": "d1", "nodes": {{
            "d1": {{"type": "decision", "conditions": [
                {{"expression": "a == 1", "priority": 1, "target_id": "s"}}],
              "transitions": {{"default": ["d2"]}}}},
            "d2": {{"type": "decision", "conditions": [
                {{"expression": "b == 1", "priority": 1, "target_id": "{d2_target}"}}],
              "transitions": {{"default": ["x"]}}}},
            "s": {{"type": "decision", "conditions": [
                {{"expression": "c == 1", "priority": 2, "target_id": "x"}},
                {{"expression": "c == 2", "priority": 1, "target_id": "y"}}],
              "transitions": {{"default": ["z"]}}}},
            "x": {{"type": "disconnect"}}, "y": {{"type": "disconnect"}},
            "z": {{"type": "disconnect"}}}}}}"#
        )
    }

    #[test]
    fn a_shared_decision_is_copied_only_when_it_fits() {
        let text = shared(true);
        let flow = read(&text);
        let ctx = Context::new(&flow, None);
        let [d1, d2, s] = ["d1", "d2", "s"].map(|id| ctx.lookup(id).unwrap());
        assert_eq!(ctx.sole_parent(s), None);
        assert!(!ctx.is_child(s));
        // `s` has three outcomes: a cap of 3 copies it into `d1`, a cap of 2 does not.
        let x = expand(&ctx, d1, 100, 3, &mut FxHashMap::default()).unwrap();
        assert_eq!(ids(&ctx, &x.inlined), ["d2", "s"]);
        let targets: Vec<&str> = x.entries.iter().map(|e| e.target.as_str()).collect();
        // Copied twice: under `d1`'s condition and under `d2`'s (pulled into `d1` by its
        // default, which adds no condition).
        assert_eq!(targets, ["x", "y", "z", "x", "y", "z"], "{:#?}", x.entries);
        assert_eq!(x.entries[4].parts, [(d2, 0), (s, 1)]);
        let mut memo = FxHashMap::default();
        let x = expand(&ctx, d1, 100, 2, &mut memo).unwrap();
        assert_eq!(ids(&ctx, &x.inlined), ["d2"]);
        let targets: Vec<&str> = x.entries.iter().map(|e| e.target.as_str()).collect();
        assert_eq!(targets, ["s", "s"], "{:#?}", x.entries);
        assert_eq!(memo.get(&s), Some(&false));
        // The answer is remembered for the next root.
        let x = expand(&ctx, d2, 100, 2, &mut memo).unwrap();
        assert!(x.inlined.is_empty());
        assert!(!memo.get(&s).unwrap());
    }

    #[test]
    fn a_decision_with_one_parent_is_pulled_in_whatever_its_size() {
        let text = shared(false);
        let flow = read(&text);
        let ctx = Context::new(&flow, None);
        let [d1, s] = ["d1", "s"].map(|id| ctx.lookup(id).unwrap());
        assert_eq!(ctx.sole_parent(s), Some("d1"));
        assert!(ctx.is_child(s));
        let x = expand(&ctx, d1, 100, 0, &mut FxHashMap::default()).unwrap();
        assert_eq!(ids(&ctx, &x.inlined), ["d2", "s"]);
    }
}
