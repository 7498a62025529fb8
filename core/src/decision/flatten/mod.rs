//! Building the [`FlattenPlan`] for a flow: expand nested decision trees into first-match
//! lists, optimise them on the exact cell model, and keep only what the certificate proves.
//! See `docs/flattening.md` for the rules and why each step cannot change routing.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::analysis::{evaluation_order, is_redundant};
use super::bits::Bits;
use super::certificate::certify;
use super::domain::{Space, SpaceBuilder};
use super::expr::{Expr, parse_expression};
use super::plan::{FlattenPlan, FlattenedDecision, PlannedCondition};
use super::report::{DecisionCertificate, DecisionReport, DecisionStatus, RemovedCondition};
use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::graph::order::sort_by_key;
use crate::model::{Flow, InputFormat, Node, NodeKind};
use crate::syntax::PositionEncoding;

/// Branch probabilities of one decision: `conditions[i]` is the probability that a call
/// reaching the node is routed by its condition `i` (document order), `default` that it
/// matches none. Missing entries share what is left equally; the whole is normalised.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeProbabilities {
    #[serde(default)]
    pub conditions: Vec<f64>,
    #[serde(default)]
    pub default: Option<f64>,
}

/// Probabilities by decision node id (the probabilities file, see `docs/flattening.md`).
/// Looked up by id only; FxHash is unseeded, so any iteration (the first invalid entry
/// reported) is the same on every run. (A B-tree here cost the wasm package its own copy
/// of the B-tree code.)
pub type Probabilities = rustc_hash::FxHashMap<String, NodeProbabilities>;

/// Reads a probabilities file: `{"node_id": {"conditions": [0.5, 0.2], "default": 0.3}}`.
pub fn parse_probabilities(text: &str) -> Result<Probabilities, String> {
    let p: Probabilities =
        serde_json::from_str(text).map_err(|e| format!("invalid probabilities file: {e}"))?;
    for (id, n) in &p {
        let bad = n
            .conditions
            .iter()
            .chain(n.default.iter())
            .any(|v| !v.is_finite() || *v < 0.0);
        if bad {
            return Err(format!(
                "probabilities of `{id}` must be finite numbers that are not negative"
            ));
        }
    }
    Ok(p)
}

/// Everything a caller can set for [`super::flatten`].
#[derive(Clone, Debug)]
pub struct FlattenOptions {
    pub format: InputFormat,
    pub probabilities: Option<Probabilities>,
    /// Largest shared sub-tree (in conditions) copied into each decision that enters it.
    pub unfold_cap: usize,
    /// Largest flattened decision (in conditions); bigger trees are left alone (FG046).
    pub max_conditions: usize,
    /// Largest input space (cell combinations) enumerated to optimise and certify one tree.
    pub max_combinations: usize,
    pub position_encoding: PositionEncoding,
}

impl Default for FlattenOptions {
    fn default() -> Self {
        FlattenOptions {
            format: InputFormat::Auto,
            probabilities: None,
            unfold_cap: 32,
            max_conditions: 4096,
            max_combinations: 1 << 16,
            position_encoding: PositionEncoding::Utf8,
        }
    }
}

/// A condition of an original node: (node index, condition index in document order).
pub(crate) type Part = (usize, usize);

/// One entry of a first-match list: an `or` of `and`s of original conditions.
#[derive(Clone, Debug)]
struct Entry {
    disjuncts: Vec<Vec<Part>>,
    target: String,
    truth: Bits,
}

/// One path of the expanded tree, before optimisation.
#[derive(Clone, Debug)]
struct RawEntry {
    parts: Vec<Part>,
    target: String,
    prob: f64,
    evals: u32,
}

struct Expansion {
    entries: Vec<RawEntry>,
    default: Option<String>,
    default_prob: f64,
    default_evals: u32,
    /// Decisions pulled into the root, ascending and without duplicates (sorted once at the
    /// end of [`expand`]). Sorted vectors and hash maps instead of `BTreeSet`/`BTreeMap`
    /// throughout this module: every B-tree key type compiles its own copy of the B-tree
    /// code, which kept the wasm package large.
    inlined: Vec<usize>,
    max_path: usize,
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
    start: Option<&'f str>,
    /// By node index: another node has the same id.
    duplicated: Vec<bool>,
    probabilities: Option<&'f Probabilities>,
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
    fn flattenable(&self, i: usize) -> bool {
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
    fn sole_parent(&self, i: usize) -> Option<&'f str> {
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
        let count = n.conditions.len();
        let has_default = self.default_of(i).is_some();
        let given = self.probabilities.and_then(|p| p.get(&n.id));
        let mut probs: Vec<Option<f64>> = (0..count)
            .map(|c| given.and_then(|g| g.conditions.get(c).copied()))
            .collect();
        let mut default = if has_default {
            given.and_then(|g| g.default)
        } else {
            Some(0.0)
        };
        let known: f64 = probs.iter().flatten().sum::<f64>() + default.unwrap_or(0.0);
        let unknown = probs.iter().filter(|p| p.is_none()).count() + usize::from(default.is_none());
        let share = if unknown > 0 {
            if given.is_some() {
                (1.0 - known).max(0.0) / unknown as f64
            } else {
                1.0 / unknown as f64
            }
        } else {
            0.0
        };
        for p in &mut probs {
            p.get_or_insert(share);
        }
        default.get_or_insert(share);
        let mut out: Vec<f64> = probs.into_iter().map(|p| p.unwrap_or(0.0)).collect();
        let mut d = default.unwrap_or(0.0);
        let total: f64 = out.iter().sum::<f64>() + d;
        if total > 0.0 {
            out.iter_mut().for_each(|p| *p /= total);
            d /= total;
        } else {
            let u = 1.0 / (count + usize::from(has_default)).max(1) as f64;
            out.iter_mut().for_each(|p| *p = u);
            d = if has_default { u } else { 0.0 };
        }
        (out, d)
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
fn expand(
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

/// The text of a conjunction of parts.
fn conjunction_text(ctx: &Context<'_>, parts: &[Part]) -> String {
    let texts: Vec<String> = parts
        .iter()
        .map(|&(n, c)| {
            let text = ctx.node(n).conditions[c].expression.trim().to_owned();
            let is_or = ctx
                .parsed(n)
                .and_then(|es| es.get(c))
                .is_some_and(Expr::is_or);
            if is_or && parts.len() > 1 {
                format!("({text})")
            } else {
                text
            }
        })
        .collect();
    texts.join(" and ")
}

fn entry_text(ctx: &Context<'_>, e: &Entry) -> String {
    e.disjuncts
        .iter()
        .map(|d| conjunction_text(ctx, d))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Everything planning found, before the document is written.
pub(crate) struct Planned {
    pub plan: FlattenPlan,
    pub reports: Vec<DecisionReport>,
    pub certificates: Vec<DecisionCertificate>,
    pub diagnostics: Vec<RawDiagnostic>,
}

fn weight(w: &[f64], b: &Bits) -> f64 {
    b.ones_iter()
        .map(|i| w.get(i).copied().unwrap_or(0.0))
        .sum()
}

/// Expected evaluations of a first-match list under cell weights `w`.
fn expected(entries: &[Entry], w: &[f64], total: usize) -> f64 {
    let mut rem = Bits::ones(total);
    let mut sum = 0.0;
    for (k, e) in entries.iter().enumerate() {
        sum += weight(w, &e.truth.and(&rem)) * (k + 1) as f64;
        rem = rem.minus(&e.truth);
    }
    sum + weight(w, &rem) * entries.len() as f64
}

struct Optimised {
    entries: Vec<Entry>,
    removed: Vec<(Part, String)>,
    merged: usize,
    reordered: bool,
}

/// Removes dead and redundant entries, merges same-target ones, and (with probabilities)
/// reorders; every step keeps the target of every cell combination.
fn optimise(
    mut list: Vec<Entry>,
    default: Option<&str>,
    w: &[f64],
    total: usize,
    reorder: bool,
) -> Optimised {
    let mut removed = Vec::new();
    let mut merged = 0;
    let prune = |list: &mut Vec<Entry>, removed: &mut Vec<(Part, String)>| {
        // Dead: never the first true entry.
        let mut rem = Bits::ones(total);
        let mut keep = Vec::with_capacity(list.len());
        for e in list.drain(..) {
            if e.truth.intersects(&rem) {
                rem = rem.minus(&e.truth);
                keep.push(e);
            } else {
                record(&e, "never_first", removed);
            }
        }
        // Redundant: whatever it takes still reaches the same target without it.
        let truths: Vec<Bits> = keep.iter().map(|e| e.truth.clone()).collect();
        let targets: Vec<String> = keep.iter().map(|e| e.target.clone()).collect();
        let target_of = |j: usize| targets[j].as_str();
        let mut alive = vec![true; keep.len()];
        let mut rem = Bits::ones(total);
        for k in 0..keep.len() {
            let taken = truths[k].and(&rem);
            let later: Vec<usize> = (k + 1..keep.len()).filter(|&j| alive[j]).collect();
            if is_redundant(&taken, &later, &truths, &target_of, &targets[k], default) {
                alive[k] = false;
            } else {
                rem = rem.minus(&truths[k]);
            }
        }
        let mut kept = Vec::with_capacity(keep.len());
        for (e, alive) in keep.into_iter().zip(alive) {
            if alive {
                kept.push(e);
            } else {
                record(&e, "redundant", removed);
            }
        }
        let keep = kept;
        *list = keep;
    };
    prune(&mut list, &mut removed);
    // Merge a later entry into an earlier one with the same target when no entry between
    // them with another target can take any input the later one would move.
    let mut rem = Bits::ones(total);
    let mut i = 0;
    while i < list.len() {
        let mut between = Bits::zeros(total);
        let mut k = i + 1;
        while k < list.len() {
            if list[k].target == list[i].target {
                let moved = list[k].truth.and(&rem).minus(&list[i].truth);
                if !moved.intersects(&between) {
                    let e = list.remove(k);
                    list[i].truth = list[i].truth.or(&e.truth);
                    list[i].disjuncts.extend(e.disjuncts);
                    merged += 1;
                    continue;
                }
            } else {
                between = between.or(&list[k].truth);
            }
            k += 1;
        }
        rem = rem.minus(&list[i].truth);
        i += 1;
    }
    prune(&mut list, &mut removed);
    let mut reordered = false;
    if reorder {
        for _ in 0..list.len() {
            let mut swapped = false;
            let mut rem = Bits::ones(total);
            for i in 0..list.len().saturating_sub(1) {
                let (a, b) = (&list[i], &list[i + 1]);
                let ta = a.truth.and(&rem);
                let tb = b.truth.and(&rem);
                let cost_ab = weight(w, &ta) + 2.0 * weight(w, &tb.minus(&a.truth));
                let cost_ba = weight(w, &tb) + 2.0 * weight(w, &ta.minus(&b.truth));
                let safe = a.target == b.target || !ta.intersects(&tb);
                if safe && cost_ba + 1e-12 < cost_ab {
                    list.swap(i, i + 1);
                    swapped = true;
                    reordered = true;
                }
                rem = rem.minus(&list[i].truth);
            }
            if !swapped {
                break;
            }
        }
    }
    Optimised {
        entries: list,
        removed,
        merged,
        reordered,
    }
}

fn record(e: &Entry, why: &str, removed: &mut Vec<(Part, String)>) {
    // A removed entry is reported by the last (innermost) condition of each conjunction.
    for d in &e.disjuncts {
        if let Some(&p) = d.last() {
            removed.push((p, why.to_owned()));
        }
    }
}

/// Plans the flattening of every decision tree in `flow`.
pub(crate) fn plan_flow(flow: &Flow, options: &FlattenOptions) -> Planned {
    let ctx = Context::new(flow, options.probabilities.as_ref());
    let mut planned = Planned {
        plan: FlattenPlan::default(),
        reports: Vec::new(),
        certificates: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut roots: Vec<usize> = (0..flow.nodes.len())
        .filter(|&i| {
            ctx.flattenable(i) && !ctx.is_child(i) && ctx.lookup(&flow.nodes[i].id) == Some(i)
        })
        .collect();
    let mut done = vec![false; flow.nodes.len()];
    let mut unfold_ok = FxHashMap::default();
    // (root, the decisions it absorbed); sorted by root below.
    let mut inlined_by: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut q = 0;
    while q < roots.len() {
        let root = roots[q];
        q += 1;
        if std::mem::replace(&mut done[root], true) {
            continue;
        }
        match plan_root(&ctx, root, options, &mut unfold_ok) {
            Ok((decision, report, certificate, inlined)) => {
                if let Some(c) = certificate {
                    planned.certificates.push(c);
                }
                if let Some(d) = decision {
                    inlined_by.push((root, inlined));
                    planned.plan.decisions.push(d);
                }
                planned.reports.push(report);
            }
            Err(failed) => {
                let (report, certificate) = *failed;
                let node = ctx.node(root);
                planned.diagnostics.push(
                    RawDiagnostic::new(
                        Code::NotFlattened,
                        node_location(&ctx, root),
                        format!(
                            "decision `{}` was left as it is: {}",
                            node.id,
                            report.reason.clone().unwrap_or_default()
                        ),
                        "nothing to do: the flow works as before; simplify the tree or raise the limit to flatten it",
                    )
                    .node(&node.id),
                );
                if let Some(c) = certificate {
                    planned.certificates.push(c);
                }
                planned.reports.push(report);
                // Its children are roots of their own now.
                for e in &node.edges {
                    if let Some(t) = ctx.lookup(&e.target)
                        && ctx.is_child(t)
                        && ctx.sole_parent(t) == Some(node.id.as_str())
                    {
                        roots.push(t);
                    }
                }
            }
        }
    }
    // Roots are unique (`done`): ascending root order, as a map keyed by root iterates.
    sort_by_key(&mut inlined_by, |&(root, _)| root as u64);
    remove_unreferenced(&ctx, &mut planned, &inlined_by);
    // Decisions in document order (an unknown id, `None`, first as `Option`'s order has it).
    let at = |id: &str| ctx.lookup(id).map_or(0, |i| i as u64 + 1);
    sort_by_key(&mut planned.plan.decisions, |d| at(&d.node_id));
    sort_by_key(&mut planned.reports, |r| at(&r.node_id));
    sort_by_key(&mut planned.certificates, |c| at(&c.node_id));
    planned
}

fn node_location(ctx: &Context<'_>, i: usize) -> Location {
    let node = ctx.node(i);
    crate::model::origin_location(ctx.flow, &node.origin, || {
        let mut p = String::from("/nodes/");
        crate::syntax::tree::push_pointer_segment(&mut p, &node.id);
        p
    })
}

type RootResult = Result<
    (
        Option<FlattenedDecision>,
        DecisionReport,
        Option<DecisionCertificate>,
        Vec<usize>,
    ),
    Box<(DecisionReport, Option<DecisionCertificate>)>,
>;

fn plan_root(
    ctx: &Context<'_>,
    root: usize,
    options: &FlattenOptions,
    unfold_ok: &mut FxHashMap<usize, bool>,
) -> RootResult {
    let node = ctx.node(root);
    let mut report = DecisionReport {
        node_id: node.id.clone(),
        status: DecisionStatus::NotFlattened,
        inlined_nodes: Vec::new(),
        removed_nodes: Vec::new(),
        conditions_before: node.conditions.len(),
        conditions_after: node.conditions.len(),
        hops_removed: 0,
        expected_evaluations_before: 0.0,
        expected_evaluations_after: 0.0,
        removed_conditions: Vec::new(),
        merged_conditions: 0,
        reordered: false,
        reason: None,
    };
    let Some(x) = expand(
        ctx,
        root,
        options.max_conditions,
        options.unfold_cap,
        unfold_ok,
    ) else {
        report.reason = Some(format!(
            "the flattened decision would have more than {} conditions",
            options.max_conditions
        ));
        return Err(Box::new((report, None)));
    };
    report.inlined_nodes = x.inlined.iter().map(|&i| ctx.node(i).id.clone()).collect();
    report.conditions_before = node.conditions.len()
        + x.inlined
            .iter()
            .map(|&i| ctx.node(i).conditions.len())
            .sum::<usize>();
    // The exact model of every condition in the tree.
    let mut builder = SpaceBuilder::new();
    // In ascending (node, condition) order, as before with a map: atoms are created in
    // this order, and the space's layout follows it.
    let mut formulas = Vec::new();
    for (n, exprs) in ctx.parsed.iter().enumerate() {
        let Some(exprs) = exprs else { continue };
        if n == root || x.inlined.binary_search(&n).is_ok() {
            for (c, e) in exprs.iter().enumerate() {
                formulas.push(((n, c), builder.compile(e)));
            }
        }
    }
    let Some(space) = builder.finish(options.max_combinations) else {
        report.reason = Some(format!(
            "its conditions have more than {} input combinations, too many to prove the result equivalent",
            options.max_combinations
        ));
        return Err(Box::new((report, None)));
    };
    // Sorted by part (the order of `formulas`), for binary search.
    let part_truth: Vec<(Part, Bits)> = formulas.iter().map(|(p, f)| (*p, space.eval(f))).collect();
    let truth_of = |parts: &[Part]| {
        parts.iter().fold(space.all(), |acc, p| {
            let truth = part_truth
                .binary_search_by(|(q, _)| q.cmp(p))
                .ok()
                .map(|k| &part_truth[k].1);
            acc.and(truth.unwrap_or(&Bits::zeros(space.total)))
        })
    };
    let raw: Vec<Entry> = x
        .entries
        .iter()
        .map(|e| Entry {
            disjuncts: vec![e.parts.clone()],
            target: e.target.clone(),
            truth: truth_of(&e.parts),
        })
        .collect();
    let (w, before) = weights(&space, &raw, &x);
    report.expected_evaluations_before = before;
    let opt = optimise(
        raw.clone(),
        x.default.as_deref(),
        &w,
        space.total,
        ctx.probabilities.is_some_and(|p| !p.is_empty()),
    );
    report.expected_evaluations_after = expected(&opt.entries, &w, space.total);
    report.conditions_after = opt.entries.len();
    report.merged_conditions = opt.merged;
    report.reordered = opt.reordered;
    report.removed_conditions = opt
        .removed
        .iter()
        .map(|&((n, c), ref why)| RemovedCondition {
            node_id: ctx.node(n).id.clone(),
            condition: c,
            expression: ctx.node(n).conditions[c].expression.clone(),
            reason: why.clone(),
        })
        .collect();
    let changed =
        !x.inlined.is_empty() || !opt.removed.is_empty() || opt.merged > 0 || opt.reordered;
    if !changed {
        report.status = DecisionStatus::Unchanged;
        report.expected_evaluations_after = report.expected_evaluations_before;
        return Ok((None, report, None, Vec::new()));
    }
    let n = opt.entries.len() as u32;
    let decision = FlattenedDecision {
        node_id: node.id.clone(),
        conditions: opt
            .entries
            .iter()
            .enumerate()
            .map(|(k, e)| PlannedCondition {
                expression: entry_text(ctx, e),
                priority: n - k as u32,
                target: e.target.clone(),
            })
            .collect(),
        default_target: x.default.clone(),
        removed_nodes: Vec::new(),
    };
    let certificate = certify(ctx, root, &x.inlined, &decision, options.max_combinations);
    if !certificate.certified {
        report.reason = Some(format!(
            "the result could not be certified equivalent: {}",
            certificate.reason.clone().unwrap_or_default()
        ));
        return Err(Box::new((report, Some(certificate))));
    }
    report.status = DecisionStatus::Flattened;
    report.hops_removed = x.max_path.saturating_sub(1);
    Ok((Some(decision), report, Some(certificate), x.inlined))
}

/// Cell weights from the branch probabilities (each original path's probability spread
/// evenly over the cells that take it), and the expected evaluations of the original tree.
fn weights(space: &Space, raw: &[Entry], x: &Expansion) -> (Vec<f64>, f64) {
    let mut w = vec![0.0; space.total];
    let mut rem = space.all();
    let mut mass = 0.0;
    let mut evals = 0.0;
    let mut spread = |taken: &Bits, prob: f64, path_evals: u32, w: &mut Vec<f64>| {
        let count = taken.count();
        if count > 0 && prob > 0.0 {
            for i in taken.ones_iter() {
                w[i] += prob / count as f64;
            }
            mass += prob;
            evals += prob * f64::from(path_evals);
        }
    };
    for (e, r) in raw.iter().zip(&x.entries) {
        let taken = e.truth.and(&rem);
        spread(&taken, r.prob, r.evals, &mut w);
        rem = rem.minus(&e.truth);
    }
    spread(&rem, x.default_prob, x.default_evals, &mut w);
    if mass > 0.0 {
        w.iter_mut().for_each(|v| *v /= mass);
        (w, evals / mass)
    } else {
        (w, 0.0)
    }
}

/// Deletes inlined decisions nothing refers to any more, and attributes them to the
/// decision that absorbed them.
fn remove_unreferenced(
    ctx: &Context<'_>,
    planned: &mut Planned,
    inlined_by: &[(usize, Vec<usize>)],
) {
    let mut candidates: Vec<usize> = inlined_by
        .iter()
        .flat_map(|(_, set)| set.iter().copied())
        .collect();
    sort_by_key(&mut candidates, |&c| c as u64);
    candidates.dedup();
    // By node index; only candidates are ever removed.
    let mut removed = vec![false; ctx.flow.nodes.len()];
    let is_removed = |removed: &[bool], i: usize| removed.get(i).copied().unwrap_or(false);
    loop {
        // References from every node that stays, as it will be written.
        let mut referenced: FxHashSet<&str> = FxHashSet::default();
        if let Some(s) = ctx.start {
            referenced.insert(s);
        }
        for (i, n) in ctx.flow.nodes.iter().enumerate() {
            if removed[i] {
                continue;
            }
            match planned.plan.decisions.iter().find(|d| d.node_id == n.id) {
                Some(d) => {
                    referenced.extend(d.conditions.iter().map(|c| c.target.as_str()));
                    referenced.extend(d.default_target.as_deref());
                    referenced.extend(
                        n.edges
                            .iter()
                            .filter(|e| e.condition.is_none() && e.label != "default")
                            .map(|e| e.target.as_str()),
                    );
                }
                None => referenced.extend(n.edges.iter().map(|e| e.target.as_str())),
            }
        }
        let newly: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&c| !removed[c] && !referenced.contains(ctx.node(c).id.as_str()))
            .collect();
        if newly.is_empty() {
            break;
        }
        for c in newly {
            removed[c] = true;
        }
    }
    planned.plan.decisions.retain(|d| {
        !ctx.lookup(&d.node_id)
            .is_some_and(|i| is_removed(&removed, i))
    });
    // Ascending, as the removed set iterated.
    for r in candidates.iter().copied().filter(|&c| removed[c]) {
        let id = ctx.node(r).id.clone();
        let owner = inlined_by
            .iter()
            .find(|(root, set)| set.binary_search(&r).is_ok() && !is_removed(&removed, *root))
            .map(|&(root, _)| ctx.node(root).id.clone());
        if let Some(owner) = owner {
            if let Some(d) = planned
                .plan
                .decisions
                .iter_mut()
                .find(|d| d.node_id == owner)
            {
                d.removed_nodes.push(id.clone());
            }
            if let Some(rep) = planned.reports.iter_mut().find(|rep| rep.node_id == owner) {
                rep.removed_nodes.push(id);
            }
        }
    }
    // A removed decision that was a root of its own has no report to keep.
    planned.reports.retain(|r| {
        !ctx.lookup(&r.node_id)
            .is_some_and(|i| is_removed(&removed, i))
    });
    planned.certificates.retain(|c| {
        !ctx.lookup(&c.node_id)
            .is_some_and(|i| is_removed(&removed, i))
    });
}
