//! Verification by meaning: does the configuration the platform returns say what we
//! sent?
//!
//! The platform re-serialises a configuration when it saves it: key order and
//! whitespace change, and it may add or update bookkeeping fields. Comparing bytes or
//! hashes would call every such deploy a failure and roll it back. What is compared:
//!
//! 1. the graph model (the canonical form `plan` uses): nodes, their kinds, edges,
//!    decision conditions, queues and the start node must be equal;
//! 2. every field we sent must come back with an equal value (numbers by value,
//!    arrays element by element, in order), except
//!    * layout keys ([`crate::plan::LAYOUT_KEYS`]: canvas positions, `uiMetaData`), and
//!    * bookkeeping keys the platform maintains ([`BOOKKEEPING_KEYS`]).
//!
//! What is not compared: key order, whitespace, and fields present only in what the
//! platform returns (fields it adds on save: bookkeeping, defaults). A field we sent
//! that comes back changed or missing is a difference, and the message names it by
//! JSON Pointer.

use serde_json::Value;

use crate::plan::{self, LAYOUT_KEYS};

/// Fields the platform may set or update on save, at any depth. The real names are not
/// documented (API.md); these are the emulator's (`flowVersion`, `dateSaved`) and the
/// usual audit fields. A real bookkeeping field missing here makes verification fail
/// safely (the deploy is rolled back) and the message names it.
pub const BOOKKEEPING_KEYS: &[&str] = &[
    "flowVersion",
    "dateSaved",
    "dateModified",
    "modifiedBy",
    "modifiedDate",
];

/// `Ok` when `returned` means what `sent` says; else the first difference.
pub fn same_meaning(sent: &Value, returned: &Value) -> Result<(), String> {
    let p = plan::plan_config(returned, sent)?;
    if !(p.nodes_added.is_empty()
        && p.nodes_removed.is_empty()
        && p.nodes_changed.is_empty()
        && p.start_changed.is_none())
    {
        return Err(format!(
            "the flow read back differs in its routing ({})",
            p.summary()
        ));
    }
    match first_difference(sent, returned, &mut String::new()) {
        None => Ok(()),
        Some(d) => Err(format!("the configuration read back differs at {d}")),
    }
}

fn ignored(key: &str) -> bool {
    LAYOUT_KEYS.contains(&key) || BOOKKEEPING_KEYS.contains(&key)
}

fn first_difference(sent: &Value, back: &Value, path: &mut String) -> Option<String> {
    match (sent, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if ignored(k) {
                    continue;
                }
                let len = path.len();
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                let d = match b.get(k) {
                    None => Some(format!("{path} (missing)")),
                    Some(w) => first_difference(v, w, path),
                };
                path.truncate(len);
                if d.is_some() {
                    return d;
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!(
                    "{} ({} items sent, {} returned)",
                    if path.is_empty() { "/" } else { path },
                    a.len(),
                    b.len()
                ));
            }
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                let d = first_difference(v, w, path);
                path.truncate(len);
                if d.is_some() {
                    return d;
                }
            }
            None
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        (a, b) if a == b => None,
        _ => Some(if path.is_empty() {
            "/".to_owned()
        } else {
            path.clone()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Value {
        json!({
            "name": "F", "type": "inboundcall", "initialSequence": "t1",
            "flowSequenceItemList": [{
                "__type": "Task", "id": "t1", "name": "T", "trackingId": 1, "startAction": "a1",
                "uiMetaData": {"x": 1},
                "actionList": [
                    {"__type": "PlayAudioAction", "id": "a1", "name": "Hi", "trackingId": 2, "nextAction": "a2", "prompt": "hello"},
                    {"__type": "DisconnectAction", "id": "a2", "name": "Bye", "trackingId": 3}
                ]
            }]
        })
    }

    #[test]
    fn layout_order_and_bookkeeping_are_ignored() {
        let sent = config();
        let mut back = config();
        back["flowVersion"] = json!("7.0");
        back["dateSaved"] = json!(123);
        back["flowSequenceItemList"][0]["uiMetaData"] = json!({"x": 99});
        back["flowSequenceItemList"][0]["addedByPlatform"] = json!(true);
        assert_eq!(same_meaning(&sent, &back), Ok(()));
        let mut sent2 = config();
        sent2["flowVersion"] = json!("6.0");
        assert_eq!(same_meaning(&sent2, &back), Ok(()));
    }

    #[test]
    fn a_changed_or_missing_field_is_named() {
        let sent = config();
        let mut back = config();
        back["flowSequenceItemList"][0]["actionList"][0]["prompt"] = json!("bye");
        let e = same_meaning(&sent, &back).err().unwrap_or_default();
        assert!(
            e.contains("/flowSequenceItemList/0/actionList/0/prompt"),
            "{e}"
        );
        let mut back = config();
        back["flowSequenceItemList"][0]["actionList"][0]["nextAction"] = json!(null);
        assert!(same_meaning(&sent, &back).is_err());
        let mut back = config();
        if let Some(m) = back.as_object_mut() {
            m.remove("name");
        }
        let e = same_meaning(&sent, &back).err().unwrap_or_default();
        assert!(e.contains("/name (missing)"), "{e}");
    }
}
