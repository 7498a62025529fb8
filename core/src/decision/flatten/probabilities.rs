//! Branch probabilities: the probabilities file (`docs/flattening.md`, "Probabilities") and
//! the share of each branch of one decision. The lowest part of planning: it knows nothing
//! of trees or cells; [`super::expansion`] multiplies these shares along each path, and
//! [`super::optimise`] spreads the paths' probabilities over the cells.

use serde::{Deserialize, Serialize};

use crate::syntax::{ValueId, ValueKind};

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
/// Other members of an entry are ignored, `"default": null` is no default, and of an id
/// given twice the last entry counts. Read with the core's JSON reader rather than
/// serde_json's deserializer: that one is about 12 KB of the wasm package (its number
/// parser, error texts and the serde glue) for this one small file.
pub fn parse_probabilities(text: &str) -> Result<Probabilities, String> {
    let p = read_probabilities(text).map_err(|e| format!("invalid probabilities file: {e}"))?;
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

/// The file's structure, or what is wrong with it (without the common prefix).
fn read_probabilities(text: &str) -> Result<Probabilities, String> {
    let parsed = crate::syntax::json::parse(text);
    let tree = &parsed.tree;
    if let Some(e) = &parsed.error {
        let (line, column) = line_column(text, e.start);
        return Err(format!("{} at line {line} column {column}", e.message));
    }
    let expected = |what: &str, id: ValueId| -> String {
        let (line, column) = line_column(text, tree.span(id).0);
        format!(
            "expected {what}, found {} at line {line} column {column}",
            tree.kind(id).describe()
        )
    };
    let Some(root) = tree.root() else {
        return Err("no JSON value".into());
    };
    if tree.kind(root) != ValueKind::Object {
        return Err(expected("an object of decision ids", root));
    }
    let mut out = Probabilities::default();
    for (id, _, entry) in tree.members(root) {
        if tree.kind(entry) != ValueKind::Object {
            return Err(expected(
                "an object (`conditions`, `default`) for each decision id",
                entry,
            ));
        }
        let mut node = NodeProbabilities::default();
        let (mut seen_conditions, mut seen_default) = (false, false);
        for (key, (key_start, _), value) in tree.members(entry) {
            let seen = match key {
                "conditions" => &mut seen_conditions,
                "default" => &mut seen_default,
                _ => continue,
            };
            if std::mem::replace(seen, true) {
                let (line, column) = line_column(text, key_start);
                return Err(format!(
                    "duplicate field `{key}` at line {line} column {column}"
                ));
            }
            let number = |v: ValueId| tree.as_f64(v).ok_or_else(|| expected("a number", v));
            if key == "default" {
                node.default = match tree.kind(value) {
                    ValueKind::Null => None,
                    _ => Some(number(value)?),
                };
            } else if tree.kind(value) == ValueKind::Array {
                node.conditions = tree.children(value).map(number).collect::<Result<_, _>>()?;
            } else {
                return Err(expected("an array of numbers", value));
            }
        }
        out.insert(id.to_owned(), node);
    }
    Ok(out)
}

/// 1-based line and column (in characters) of a byte offset, for messages.
fn line_column(text: &str, offset: u32) -> (usize, usize) {
    let before = text.get(..offset as usize).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count());
    (before.matches('\n').count() + 1, column + 1)
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

    /// What serde_json's deserializer did, which this reader replaced: unknown members
    /// ignored, `null` as no default, integers as numbers, the last entry of an id given
    /// twice, a field given twice or a wrong type refused with the place.
    #[test]
    fn the_reader_keeps_the_deserializers_rules() {
        let p = parse_probabilities(
            "{\"d\": {\"note\": [\"x\"], \"default\": null, \"conditions\": [1, 2.5e-1]},\n \"d\": {\"default\": 0}}",
        )
        .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p["d"].conditions, Vec::<f64>::new());
        assert_eq!(p["d"].default, Some(0.0));
        let p = parse_probabilities(
            r#"{"d": {"note": 1, "default": null, "conditions": [1, 2.5e-1]}}"#,
        )
        .unwrap();
        assert_eq!(p["d"].conditions, [1.0, 0.25]);
        assert_eq!(p["d"].default, None);
        for (text, want) in [
            ("", "invalid probabilities file: "),
            ("{} x", "line 1 column 4"),
            (
                "{\"d\": {\"default\": 1,\n \"default\": 2}}",
                "duplicate field `default` at line 2 column 2",
            ),
            (
                r#"{"d": {"conditions": [0.5, "0.2"]}}"#,
                "expected a number, found a string at line 1 column 28",
            ),
            (
                r#"{"d": {"conditions": null}}"#,
                "expected an array of numbers, found null",
            ),
            (
                r#"{"d": {"default": [1]}}"#,
                "expected a number, found an array",
            ),
            (r#"{"d": [[0.5], 0.5]}"#, "found an array"),
            (
                "[]",
                "expected an object of decision ids, found an array at line 1 column 1",
            ),
        ] {
            let e = parse_probabilities(text).unwrap_err();
            assert!(
                e.starts_with("invalid probabilities file: ") && e.contains(want),
                "{text}: {e}"
            );
        }
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
