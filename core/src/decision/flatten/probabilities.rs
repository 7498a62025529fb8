//! Branch probabilities: the probabilities file (`docs/flattening.md`, "Probabilities") and
//! the share of each branch of one decision. The lowest part of planning: it knows nothing
//! of trees or cells; [`super::expansion`] multiplies these shares along each path, and
//! [`super::optimise`] spreads the paths' probabilities over the cells.

use serde::{Deserialize, Serialize};

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

/// Branch probabilities of a decision with `count` conditions: one per condition (document
/// order), then the default's. Entries `given` for the node are kept; missing ones share
/// equally what the given ones leave (everything, when the node has no entry at all); the
/// whole is normalised to sum to 1, and all-zero entries become equal shares. Without a
/// default its share is 0.
pub(super) fn branch_probs(
    count: usize,
    has_default: bool,
    given: Option<&NodeProbabilities>,
) -> (Vec<f64>, f64) {
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
