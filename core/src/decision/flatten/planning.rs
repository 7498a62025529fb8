//! Planning: every decision tree of a flow expanded, optimised, written as condition texts
//! and certified ([`plan_flow`]), then the absorbed decisions nothing refers to any more
//! removed. A tree that cannot be flattened safely is left as it is with FG046.

use rustc_hash::{FxHashMap, FxHashSet};

use super::FlattenOptions;
use super::expansion::{Context, Part, expand};
use super::optimise::{Entry, expected, optimise, weights};
use crate::decision::bits::Bits;
use crate::decision::certificate::certify;
use crate::decision::domain::SpaceBuilder;
use crate::decision::expr::Expr;
use crate::decision::plan::{FlattenPlan, FlattenedDecision, PlannedCondition};
use crate::decision::report::{
    DecisionCertificate, DecisionReport, DecisionStatus, RemovedCondition,
};
use crate::diagnostic::{Code, Location, RawDiagnostic};
use crate::graph::order::sort_by_key;
use crate::model::Flow;

/// Everything planning found, before the document is written.
pub(crate) struct Planned {
    pub plan: FlattenPlan,
    pub reports: Vec<DecisionReport>,
    pub certificates: Vec<DecisionCertificate>,
    pub diagnostics: Vec<RawDiagnostic>,
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
        .filter(|&i| ctx.flattenable(i) && !ctx.is_child(i) && ctx.lookup(ctx.id(i)) == Some(i))
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
                            ctx.id(root),
                            report.reason.clone().unwrap_or_default()
                        ),
                        "nothing to do: the flow works as before; simplify the tree or raise the limit to flatten it",
                    )
                    .node(ctx.id(root)),
                );
                if let Some(c) = certificate {
                    planned.certificates.push(c);
                }
                planned.reports.push(report);
                // Its children are roots of their own now.
                for e in &node.edges {
                    if let Some(t) = ctx.lookup(ctx.flow.name(e.target))
                        && ctx.is_child(t)
                        && ctx.sole_parent(t) == Some(ctx.id(root))
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
        crate::syntax::tree::push_pointer_segment(&mut p, ctx.id(i));
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
        node_id: ctx.id(root).to_owned(),
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
    report.inlined_nodes = x.inlined.iter().map(|&i| ctx.id(i).to_owned()).collect();
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
            node_id: ctx.id(n).to_owned(),
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
        node_id: ctx.id(root).to_owned(),
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
            match planned
                .plan
                .decisions
                .iter()
                .find(|d| d.node_id == ctx.flow.id_of(n))
            {
                Some(d) => {
                    referenced.extend(d.conditions.iter().map(|c| c.target.as_str()));
                    referenced.extend(d.default_target.as_deref());
                    referenced.extend(
                        n.edges
                            .iter()
                            .filter(|e| e.condition.is_none() && e.label != "default")
                            .map(|e| ctx.flow.name(e.target)),
                    );
                }
                None => referenced.extend(n.edges.iter().map(|e| ctx.flow.name(e.target))),
            }
        }
        let newly: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&c| !removed[c] && !referenced.contains(ctx.id(c)))
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
        let id = ctx.id(r).to_owned();
        let owner = inlined_by
            .iter()
            .find(|(root, set)| set.binary_search(&r).is_ok() && !is_removed(&removed, *root))
            .map(|&(root, _)| ctx.id(root).to_owned());
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::InputFormat;

    fn read(text: &str) -> Flow {
        let read = crate::formats::read(text, InputFormat::Flow);
        assert!(!read.fatal, "{:?}", read.diagnostics);
        read.flow
    }

    /// `d` enters `e` and nothing else does; `e`'s default is `d`'s, so the path through
    /// `d`'s condition alone is redundant once `e` is pulled in.
    const TWO_LEVELS: &str = r#"{"start": "d", "nodes": {
        "d": {"type": "decision", "conditions": [
            {"expression": "a == 1", "priority": 1, "target_id": "e"}],
          "transitions": {"default": ["y"]}},
        "e": {"type": "decision", "conditions": [
            {"expression": "c == 1 or c == 2", "priority": 1, "target_id": "z"}],
          "transitions": {"default": ["y"]}},
        "y": {"type": "disconnect"}, "z": {"type": "disconnect"}}}"#;

    fn conditions(d: &FlattenedDecision) -> Vec<(&str, u32, &str)> {
        d.conditions
            .iter()
            .map(|c| (c.expression.as_str(), c.priority, c.target.as_str()))
            .collect()
    }

    fn report<'p>(planned: &'p Planned, id: &str) -> &'p DecisionReport {
        planned.reports.iter().find(|r| r.node_id == id).unwrap()
    }

    #[test]
    fn a_two_level_tree_becomes_one_decision_and_its_child_is_removed() {
        let flow = read(TWO_LEVELS);
        let planned = plan_flow(&flow, &FlattenOptions::default());
        assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
        assert_eq!(planned.plan.decisions.len(), 1);
        let d = &planned.plan.decisions[0];
        assert_eq!(d.node_id, "d");
        // An `or` inside a conjunction keeps its parentheses.
        assert_eq!(conditions(d), [("a == 1 and (c == 1 or c == 2)", 1, "z")]);
        assert_eq!(d.default_target.as_deref(), Some("y"));
        assert_eq!(d.removed_nodes, ["e"]);
        // `e` was never a root: only `d` is reported and certified.
        assert_eq!(planned.reports.len(), 1);
        let r = report(&planned, "d");
        assert_eq!(r.status, DecisionStatus::Flattened);
        assert_eq!(r.inlined_nodes, ["e"]);
        assert_eq!(r.removed_nodes, ["e"]);
        assert_eq!((r.conditions_before, r.conditions_after), (2, 1));
        assert_eq!(r.hops_removed, 1);
        let removed: Vec<_> = r
            .removed_conditions
            .iter()
            .map(|c| {
                (
                    c.node_id.as_str(),
                    c.condition,
                    c.expression.as_str(),
                    c.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(removed, [("d", 0, "a == 1", "redundant")]);
        // Before: half the calls test one condition, half test two; after: one each.
        assert!((r.expected_evaluations_before - 1.5).abs() < 1e-9, "{r:?}");
        assert!((r.expected_evaluations_after - 1.0).abs() < 1e-9, "{r:?}");
        assert_eq!(planned.certificates.len(), 1);
        assert!(planned.certificates[0].certified);
    }

    #[test]
    fn a_tree_over_the_limit_is_left_alone_and_its_child_planned_on_its_own() {
        let flow = read(TWO_LEVELS);
        let options = FlattenOptions {
            max_conditions: 1,
            ..FlattenOptions::default()
        };
        let planned = plan_flow(&flow, &options);
        assert!(planned.plan.decisions.is_empty());
        let ids: Vec<&str> = planned.reports.iter().map(|r| r.node_id.as_str()).collect();
        assert_eq!(ids, ["d", "e"]);
        let r = report(&planned, "d");
        assert_eq!(r.status, DecisionStatus::NotFlattened);
        assert_eq!(
            r.reason.as_deref(),
            Some("the flattened decision would have more than 1 conditions")
        );
        assert_eq!(report(&planned, "e").status, DecisionStatus::Unchanged);
        assert_eq!(planned.diagnostics.len(), 1);
        let fg046 = &planned.diagnostics[0];
        assert_eq!(fg046.code, Code::NotFlattened);
        assert_eq!(fg046.node.as_deref(), Some("d"));
        assert_eq!(fg046.at.pointer, "/nodes/d");
        // Too many input combinations to certify: left alone too.
        let options = FlattenOptions {
            max_combinations: 2,
            ..FlattenOptions::default()
        };
        let planned = plan_flow(&flow, &options);
        assert!(planned.plan.decisions.is_empty());
        let reason = report(&planned, "d").reason.clone().unwrap();
        assert!(
            reason.contains("more than 2 input combinations"),
            "{reason}"
        );
    }

    #[test]
    fn a_decision_referenced_from_two_places_is_copied_but_not_absorbed() {
        // `s` is entered from `d` and from the play node `q`.
        let text = r#"{"start": "p", "nodes": {
            "p": {"type": "play", "prompt": "hi", "transitions": {"default": ["d"]}},
            "d": {"type": "decision", "conditions": [
                {"expression": "a == 1", "priority": 1, "target_id": "s"}],
              "transitions": {"default": ["q"]}},
            "q": {"type": "play", "prompt": "again", "transitions": {"default": ["s"]}},
            "s": {"type": "decision", "conditions": [
                {"expression": "c == 1", "priority": 1, "target_id": "y"}],
              "transitions": {"default": ["z"]}},
            "y": {"type": "disconnect"}, "z": {"type": "disconnect"}}}"#;
        let flow = read(text);
        let planned = plan_flow(&flow, &FlattenOptions::default());
        assert_eq!(planned.plan.decisions.len(), 1);
        let d = &planned.plan.decisions[0];
        assert_eq!(d.node_id, "d");
        assert_eq!(
            conditions(d),
            [("a == 1 and c == 1", 2, "y"), ("a == 1", 1, "z")]
        );
        assert_eq!(d.default_target.as_deref(), Some("q"));
        // `q` still enters `s`: it stays, with a report of its own.
        assert!(d.removed_nodes.is_empty());
        let r = report(&planned, "d");
        assert_eq!(r.inlined_nodes, ["s"]);
        assert!(r.removed_nodes.is_empty());
        let ids: Vec<&str> = planned.reports.iter().map(|r| r.node_id.as_str()).collect();
        assert_eq!(ids, ["d", "s"]);
        assert_eq!(report(&planned, "s").status, DecisionStatus::Unchanged);
        // Copying it is refused too when it does not fit.
        let options = FlattenOptions {
            unfold_cap: 1,
            ..FlattenOptions::default()
        };
        let planned = plan_flow(&flow, &options);
        assert!(planned.plan.decisions.is_empty());
        assert_eq!(report(&planned, "d").status, DecisionStatus::Unchanged);
    }

    #[test]
    fn a_decision_both_referrers_absorb_is_removed_once() {
        // `s` is entered from `d1` and `d2`, both roots; copied into both, nothing is left
        // entering it, and it is reported removed by the first.
        let text = r#"{"start": "p", "nodes": {
            "p": {"type": "play", "prompt": "hi", "transitions": {"default": ["d1"]}},
            "d1": {"type": "decision", "conditions": [
                {"expression": "a == 1", "priority": 1, "target_id": "s"}],
              "transitions": {"default": ["q"]}},
            "q": {"type": "play", "prompt": "again", "transitions": {"default": ["d2"]}},
            "d2": {"type": "decision", "conditions": [
                {"expression": "b == 1", "priority": 1, "target_id": "s"}],
              "transitions": {"default": ["z"]}},
            "s": {"type": "decision", "conditions": [
                {"expression": "c == 1", "priority": 1, "target_id": "y"}],
              "transitions": {"default": ["z"]}},
            "y": {"type": "disconnect"}, "z": {"type": "disconnect"}}}"#;
        let flow = read(text);
        let planned = plan_flow(&flow, &FlattenOptions::default());
        let ids: Vec<&str> = planned
            .plan
            .decisions
            .iter()
            .map(|d| d.node_id.as_str())
            .collect();
        assert_eq!(ids, ["d1", "d2"]);
        assert_eq!(planned.plan.decisions[0].removed_nodes, ["s"]);
        assert!(planned.plan.decisions[1].removed_nodes.is_empty());
        let ids: Vec<&str> = planned.reports.iter().map(|r| r.node_id.as_str()).collect();
        assert_eq!(ids, ["d1", "d2"]);
        assert_eq!(report(&planned, "d1").removed_nodes, ["s"]);
        assert_eq!(planned.certificates.len(), 2);
    }
}
