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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn assert_shares(got: (Vec<f64>, f64), conditions: &[f64], default: f64) {
        assert_eq!(got.0.len(), conditions.len(), "{got:?}");
        for (g, want) in got.0.iter().zip(conditions) {
            assert!(close(*g, *want), "{got:?}, want {conditions:?} {default}");
        }
        assert!(
            close(got.1, default),
            "{got:?}, want {conditions:?} {default}"
        );
    }

    #[test]
    fn a_valid_file_is_read_by_node_id() {
        let p = parse_probabilities(
            r#"{"d": {"conditions": [0.5, 0.2], "default": 0.3}, "e": {"conditions": [1]}, "f": {}}"#,
        )
        .unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(
            p["d"],
            NodeProbabilities {
                conditions: vec![0.5, 0.2],
                default: Some(0.3)
            }
        );
        assert_eq!(p["e"].conditions, [1.0]);
        assert_eq!(p["e"].default, None);
        assert_eq!(p["f"], NodeProbabilities::default());
        assert!(parse_probabilities("{}").unwrap().is_empty());
    }

    #[test]
    fn an_invalid_file_is_refused_with_the_reason() {
        for text in [
            "",
            "[]",
            "{",
            r#"{"d": {"conditions": "0.5"}}"#,
            r#"{"d": 1}"#,
        ] {
            let e = parse_probabilities(text).unwrap_err();
            assert!(e.starts_with("invalid probabilities file: "), "{text}: {e}");
        }
        let e = parse_probabilities(r#"{"d": {"conditions": [0.5, -0.1]}}"#).unwrap_err();
        assert_eq!(
            e,
            "probabilities of `d` must be finite numbers that are not negative"
        );
        let e = parse_probabilities(r#"{"ok": {}, "e": {"default": -1}}"#).unwrap_err();
        assert!(e.contains("`e`"), "{e}");
    }

    #[test]
    fn without_an_entry_every_branch_is_equally_likely() {
        assert_shares(branch_probs(3, true, None), &[0.25, 0.25, 0.25], 0.25);
        // No default: it takes nothing.
        assert_shares(branch_probs(2, false, None), &[0.5, 0.5], 0.0);
        // Nothing at all: no division by zero.
        assert_shares(branch_probs(0, false, None), &[], 0.0);
        assert_shares(branch_probs(0, true, None), &[], 1.0);
    }

    #[test]
    fn missing_entries_share_what_is_left() {
        let given = NodeProbabilities {
            conditions: vec![0.5],
            default: None,
        };
        // 0.5 left for the second and third condition and the default.
        let third = 0.5 / 3.0;
        assert_shares(
            branch_probs(3, true, Some(&given)),
            &[0.5, third, third],
            third,
        );
        let given = NodeProbabilities {
            conditions: vec![],
            default: Some(0.4),
        };
        assert_shares(branch_probs(2, true, Some(&given)), &[0.3, 0.3], 0.4);
        // Given entries using up everything leave nothing for the missing ones.
        let given = NodeProbabilities {
            conditions: vec![0.7, 0.6],
            default: None,
        };
        let (probs, d) = branch_probs(3, true, Some(&given));
        assert!(close(probs[2], 0.0) && close(d, 0.0), "{probs:?} {d}");
        // A default given to a decision without one is ignored.
        let given = NodeProbabilities {
            conditions: vec![0.2],
            default: Some(0.9),
        };
        assert_shares(branch_probs(2, false, Some(&given)), &[0.2, 0.8], 0.0);
    }

    #[test]
    fn shares_are_normalised() {
        let given = NodeProbabilities {
            conditions: vec![2.0, 1.0],
            default: Some(1.0),
        };
        assert_shares(branch_probs(2, true, Some(&given)), &[0.5, 0.25], 0.25);
        // Entries beyond the decision's conditions are ignored.
        let given = NodeProbabilities {
            conditions: vec![1.0, 3.0, 100.0],
            default: None,
        };
        assert_shares(branch_probs(2, false, Some(&given)), &[0.25, 0.75], 0.0);
        // All zero: equal shares rather than nothing.
        let given = NodeProbabilities {
            conditions: vec![0.0, 0.0],
            default: Some(0.0),
        };
        let third = 1.0 / 3.0;
        assert_shares(branch_probs(2, true, Some(&given)), &[third, third], third);
        assert_shares(branch_probs(2, false, Some(&given)), &[0.5, 0.5], 0.0);
    }
}
