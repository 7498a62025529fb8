//! The equivalence certificate: after planning, the core re-checks from scratch that every
//! input reaches the same place through the original tree and through the flattened
//! decision. Two independent checks, both required:
//!
//! 1. region equality: the written expression texts are parsed again, and routing is
//!    compared on every cell combination of the exact model (which decides every input);
//! 2. boundary inputs: concrete values (each literal, its neighbours, NOT_SET, other strings,
//!    case variants) are routed with the plain reference evaluator, outside the cell model.

use super::analysis::evaluation_order;
use super::bits::Bits;
use super::domain::SpaceBuilder;
use super::eval::{Input, Value, truth};
use super::expr::{Expr, Literal, parse_expression};
use super::flatten::{Context, Part};
use super::plan::FlattenedDecision;
use super::report::DecisionCertificate;
use crate::graph::order::sort_by;

/// Where an input ends up.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// Reaches a node outside the tree.
    Target(String),
    /// Stops at a decision with no true condition and no default.
    Stuck(String),
    /// Goes round the tree (only possible if the tree loops; never equal to anything).
    Loop,
}

/// Follows the original decisions from `from` while they are in the tree.
fn walk(
    ctx: &Context<'_>,
    root: usize,
    tree: &[usize],
    from: usize,
    is_true: &impl Fn(Part) -> bool,
) -> Outcome {
    let mut at = from;
    for _ in 0..tree.len() + 2 {
        let node = ctx.node(at);
        let chosen = evaluation_order(node)
            .into_iter()
            .find(|&c| is_true((at, c)))
            .map(|c| ctx.flow.name(node.conditions[c].target))
            .or_else(|| node.default_edge().map(|e| ctx.flow.name(e.target)));
        let Some(next) = chosen else {
            return Outcome::Stuck(ctx.flow.id_of(node).to_owned());
        };
        match ctx.lookup(next) {
            Some(n) if n != root && tree.binary_search(&n).is_ok() => at = n,
            _ => return Outcome::Target(next.to_owned()),
        }
    }
    Outcome::Loop
}

/// Routes through the flattened decision, then (for a fall-through to a kept tree node)
/// through the original nodes from there.
fn flat_outcome(
    ctx: &Context<'_>,
    root: usize,
    tree: &[usize],
    decision: &FlattenedDecision,
    first_true: Option<usize>,
    is_true: &impl Fn(Part) -> bool,
) -> Outcome {
    let target = match first_true {
        Some(k) => decision.conditions.get(k).map(|c| c.target.clone()),
        None => decision.default_target.clone(),
    };
    let Some(target) = target else {
        return Outcome::Stuck(ctx.id(root).to_owned());
    };
    match ctx.lookup(&target) {
        Some(n) if n != root && tree.binary_search(&n).is_ok() => walk(ctx, root, tree, n, is_true),
        _ => Outcome::Target(target),
    }
}

pub(crate) fn certify(
    ctx: &Context<'_>,
    root: usize,
    inlined: &[usize],
    decision: &FlattenedDecision,
    cap: usize,
) -> DecisionCertificate {
    let mut cert = DecisionCertificate {
        node_id: decision.node_id.clone(),
        certified: false,
        regions_checked: 0,
        boundary_inputs_checked: 0,
        reason: None,
        counterexample: None,
    };
    // The tree's nodes, ascending (`inlined` is), for binary search. Sorted vectors instead
    // of B-tree maps and sets in this module: each B-tree key type compiles its own copy of
    // the B-tree code, which kept the wasm package large.
    let mut tree = inlined.to_vec();
    if let Err(at) = tree.binary_search(&root) {
        tree.insert(at, root);
    }
    // The texts exactly as they will be written.
    let mut flat_exprs = Vec::with_capacity(decision.conditions.len());
    for c in &decision.conditions {
        match parse_expression(&c.expression) {
            Ok(e) => flat_exprs.push(e),
            Err(e) => {
                cert.reason = Some(format!(
                    "the generated expression `{}` does not parse: {}",
                    c.expression, e.message
                ));
                return cert;
            }
        }
    }
    // Ascending by part (nodes ascending, then conditions), for binary search.
    let mut orig: Vec<(Part, Expr)> = Vec::new();
    for &n in &tree {
        for (c, cond) in ctx.node(n).conditions.iter().enumerate() {
            match parse_expression(&cond.expression) {
                Ok(e) => orig.push(((n, c), e)),
                Err(_) => {
                    cert.reason = Some("a condition of the tree does not parse".into());
                    return cert;
                }
            }
        }
    }

    // 1. Region equality on the exact model.
    let mut builder = SpaceBuilder::new();
    let orig_f: Vec<_> = orig.iter().map(|(_, e)| builder.compile(e)).collect();
    let flat_f: Vec<_> = flat_exprs.iter().map(|e| builder.compile(e)).collect();
    let Some(space) = builder.finish(cap) else {
        cert.reason = Some(format!("more than {cap} input combinations"));
        return cert;
    };
    // Index-aligned with `orig`.
    let orig_bits: Vec<Bits> = orig_f.iter().map(|f| space.eval(f)).collect();
    let find = |p: Part| orig.binary_search_by(|(q, _)| q.cmp(&p)).ok();
    let flat_bits: Vec<Bits> = flat_f.iter().map(|f| space.eval(f)).collect();
    for k in 0..space.total {
        let is_true = |p: Part| find(p).is_some_and(|i| orig_bits[i].get(k));
        let before = walk(ctx, root, &tree, root, &is_true);
        let first = flat_bits.iter().position(|b| b.get(k));
        let after = flat_outcome(ctx, root, &tree, decision, first, &is_true);
        if before != after || before == Outcome::Loop {
            cert.regions_checked = k as u64 + 1;
            cert.reason = Some(format!(
                "an input goes to {before:?} originally and to {after:?} after flattening"
            ));
            cert.counterexample = Some(space.describe_exact(k));
            return cert;
        }
    }
    cert.regions_checked = space.total as u64;

    // 2. Concrete boundary inputs, outside the cell model.
    let mut found: Vec<(String, Value)> = Vec::new();
    for e in orig.iter().map(|(_, e)| e).chain(flat_exprs.iter()) {
        collect(e, &mut found);
    }
    let mut values = group_values(found);
    for (_, vs) in values.iter_mut() {
        let mut out: Vec<Value> = Vec::new();
        for v in vs.iter() {
            for n in neighbours(v) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        *vs = out;
    }
    let radices: Vec<usize> = values.iter().map(|(_, vs)| vs.len().max(1)).collect();
    let product = radices.iter().try_fold(1usize, |a, &r| a.checked_mul(r));
    const BOUNDARY_CAP: usize = 4096;
    let count = product.map_or(BOUNDARY_CAP, |p| p.min(BOUNDARY_CAP));
    for k in 0..count {
        let mut input = Input::new();
        let mut rest = k;
        for (d, (key, vs)) in values.iter().enumerate() {
            // Full product when it fits; otherwise a deterministic spread of combinations.
            let digit = if product.is_some_and(|p| p <= BOUNDARY_CAP) {
                let digit = rest % radices[d];
                rest /= radices[d];
                digit
            } else {
                (k.wrapping_mul(2 * d + 1).wrapping_add(k / (d + 1))) % radices[d]
            };
            if let Some(v) = vs.get(digit) {
                input.insert(key.clone(), v.clone());
            }
        }
        let is_true = |p: Part| find(p).is_some_and(|i| truth(&orig[i].1, &input));
        let before = walk(ctx, root, &tree, root, &is_true);
        let first = flat_exprs.iter().position(|e| truth(e, &input));
        let after = flat_outcome(ctx, root, &tree, decision, first, &is_true);
        if before != after {
            cert.boundary_inputs_checked = k as u64 + 1;
            cert.reason = Some(format!(
                "a boundary input goes to {before:?} originally and to {after:?} after flattening"
            ));
            // Inserted one by one: `collect()` into a B-tree map compiles one more sort.
            let mut counterexample = std::collections::BTreeMap::new();
            for (k, v) in input.iter() {
                counterexample.insert(k.clone(), v.display());
            }
            cert.counterexample = Some(counterexample);
            return cert;
        }
    }
    cert.boundary_inputs_checked = count as u64;
    cert.certified = true;
    cert
}

/// Values to try around a literal.
fn neighbours(v: &Value) -> Vec<Value> {
    match v {
        Value::Num(n) => [0.0, -1.0, 1.0, -0.5, 0.5]
            .iter()
            .map(|d| Value::Num(n + d))
            .collect(),
        Value::Str(s) => vec![
            Value::Str(s.clone()),
            // As `s.to_uppercase()`, without std's upper-case table (see `crate::case`).
            Value::Str(crate::case::to_uppercase(s)),
            Value::Str(format!("{s}x")),
            Value::Str(String::new()),
            Value::Str("other".into()),
        ],
        other => vec![other.clone()],
    }
}

/// The values found per variable or term, by name ascending: for each, NOT_SET and then
/// every other value in the order first found (without repeats).
fn group_values(mut found: Vec<(String, Value)>) -> Vec<(String, Vec<Value>)> {
    // Stable: values of one name keep the order they were found in.
    sort_by(&mut found, |a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, Vec<Value>)> = Vec::new();
    for (k, v) in found {
        match out.last_mut() {
            Some((last, vs)) if *last == k => {
                if !vs.contains(&v) {
                    vs.push(v);
                }
            }
            _ => {
                let mut vs = vec![Value::NotSet];
                if v != Value::NotSet {
                    vs.push(v);
                }
                out.push((k, vs));
            }
        }
    }
    out
}

/// Every variable and opaque term of an expression, with the literals it meets, in the
/// order met (see [`group_values`]). Recursion is bounded by the expression's nesting.
fn collect(e: &Expr, out: &mut Vec<(String, Value)>) {
    fn key(e: &Expr) -> Option<String> {
        match e {
            Expr::Var(v) => Some(v.clone()),
            e if e.is_opaque_term() => Some(e.to_string()),
            _ => None,
        }
    }
    fn add(out: &mut Vec<(String, Value)>, k: String, v: Value) {
        out.push((k, v));
    }
    match e {
        Expr::Cmp { left, right, .. } => {
            for (a, b) in [(left, right), (right, left)] {
                if let Some(k) = key(a) {
                    // Values of the literal's type only: a variable has one type in
                    // Architect, and the model does not cover values of another.
                    match &**b {
                        Expr::Lit(l) => add(out, k, Value::from_literal(l)),
                        _ => add(out, k, Value::NotSet),
                    }
                }
            }
            for side in [left, right] {
                if let Expr::Call { args, .. } = &**side {
                    args.iter().for_each(|a| collect(a, out));
                }
            }
        }
        Expr::Var(v) => {
            add(out, v.clone(), Value::Bool(true));
            add(out, v.clone(), Value::Bool(false));
        }
        Expr::Call { args, .. } => {
            add(out, e.to_string(), Value::Bool(true));
            add(out, e.to_string(), Value::Bool(false));
            let empty_test = matches!(&e, Expr::Call { name, .. } if name.eq_ignore_ascii_case("IsNotSetOrEmpty"));
            for a in args {
                if let Some(k) = key(a).filter(|_| empty_test) {
                    add(out, k, Value::Str(String::new()));
                }
                collect(a, out);
            }
        }
        Expr::Not(inner) => collect(inner, out),
        Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| collect(e, out)),
        // An opaque term used as a condition (`Flow.flags[0]`, `a & b`): try it both ways.
        Expr::Index { .. } | Expr::Member { .. } | Expr::Arith { .. } | Expr::Unary { .. } => {
            add(out, e.to_string(), Value::Bool(true));
            add(out, e.to_string(), Value::Bool(false));
        }
        Expr::Lit(Literal::Bool(_)) | Expr::Lit(_) => {}
    }
}
