//! Semantic diff of two flow documents over the core's graph model: nodes, edges and
//! decision conditions added, removed or changed. Layout (what the graph model does not
//! carry: whitespace, key order, canvas positions) is ignored. Content outside the graph
//! (prompts, settings) is compared too, with presentation keys removed, so a prompt
//! change is never mistaken for "no changes".
//!
//! `flowguard plan` over a release is in the submodules: [`command`] (arguments, reading
//! the documents, finding their flows), [`current`] (the published flow's text, in the
//! document's format), [`diff`] (the graphs compared by stable node identity) and
//! [`report`] (text, Markdown and JSON). [`Plan`] is the deploy pipeline's summary.

pub mod command;
pub mod current;
pub mod diff;
pub mod report;

pub use command::{Args, PlanFormat, run};

use std::collections::BTreeMap;

use flowguard_core::InputFormat;
use flowguard_core::model::{Flow, Node};
use serde::Serialize;
use serde_json::Value;

use crate::util::canonical_json;

/// Keys that only place things on the Architect canvas; never deployed meaningfully.
pub const LAYOUT_KEYS: &[&str] = &[
    "uiMetaData",
    "uiData",
    "layout",
    "position",
    "canvasPosition",
];

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeChange {
    pub id: String,
    pub changes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    pub nodes_added: Vec<String>,
    pub nodes_removed: Vec<String>,
    pub nodes_changed: Vec<NodeChange>,
    pub start_changed: Option<String>,
    /// Content outside the graph model differs (prompts, settings, variables, ...).
    pub other_content_changed: bool,
    /// The documents could not be compared node by node (different formats).
    pub not_comparable: Option<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.nodes_added.is_empty()
            && self.nodes_removed.is_empty()
            && self.nodes_changed.is_empty()
            && self.start_changed.is_none()
            && !self.other_content_changed
            && self.not_comparable.is_none()
    }

    /// One line: `2 nodes added, 1 removed, 3 changed` or `no changes`.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "no changes".into();
        }
        if let Some(why) = &self.not_comparable {
            return format!("changed ({why})");
        }
        let mut parts = Vec::new();
        let n = |k: usize, w: &str| format!("{k} node{} {w}", if k == 1 { "" } else { "s" });
        if !self.nodes_added.is_empty() {
            parts.push(n(self.nodes_added.len(), "added"));
        }
        if !self.nodes_removed.is_empty() {
            parts.push(n(self.nodes_removed.len(), "removed"));
        }
        if !self.nodes_changed.is_empty() {
            parts.push(n(self.nodes_changed.len(), "changed"));
        }
        if self.start_changed.is_some() {
            parts.push("start changed".into());
        }
        if self.other_content_changed {
            parts.push("non-routing content changed".into());
        }
        parts.join(", ")
    }

    /// Human-readable lines (`+`, `-`, `~`).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(s) = &self.start_changed {
            out.push(format!("~ start: {s}"));
        }
        out.extend(self.nodes_added.iter().map(|n| format!("+ node {n}")));
        out.extend(self.nodes_removed.iter().map(|n| format!("- node {n}")));
        for c in &self.nodes_changed {
            for ch in &c.changes {
                out.push(format!("~ node {}: {ch}", c.id));
            }
        }
        if self.other_content_changed {
            out.push(
                "~ content outside the routing graph changed (prompts, settings, variables)".into(),
            );
        }
        if let Some(why) = &self.not_comparable {
            out.push(format!("~ {why}"));
        }
        out
    }
}

fn read(text: &str, format: InputFormat) -> Result<Flow, String> {
    let r = flowguard_core::formats::read(text, format);
    if r.fatal {
        return Err("the document cannot be read".into());
    }
    Ok(r.flow)
}

fn describe(f: &Flow, n: &Node) -> String {
    format!("`{}` ({})", f.id_of(n), n.type_name)
}

fn diff_node(fa: &Flow, a: &Node, fb: &Flow, b: &Node) -> Vec<String> {
    let mut out = Vec::new();
    if a.type_name != b.type_name {
        out.push(format!("type {} → {}", a.type_name, b.type_name));
    }
    let edges = |f: &Flow, n: &Node| -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in n.edges.iter().filter(|e| e.condition.is_none()) {
            m.entry(e.label.to_string())
                .or_default()
                .push(f.name(e.target).to_owned());
        }
        m
    };
    let (ea, eb) = (edges(fa, a), edges(fb, b));
    for (label, t) in &eb {
        match ea.get(label) {
            None => out.push(format!("edge `{label}` → {} added", t.join(", "))),
            Some(old) if old != t => out.push(format!(
                "edge `{label}` → {} (was {})",
                t.join(", "),
                old.join(", ")
            )),
            _ => {}
        }
    }
    for (label, t) in &ea {
        if !eb.contains_key(label) {
            out.push(format!("edge `{label}` → {} removed", t.join(", ")));
        }
    }
    let conds = |f: &Flow, n: &Node| -> Vec<(String, String, String)> {
        n.conditions
            .iter()
            .map(|c| {
                (
                    c.expression.clone(),
                    format!("{}", c.priority),
                    f.name(c.target).to_owned(),
                )
            })
            .collect()
    };
    let (ca, cb) = (conds(fa, a), conds(fb, b));
    for c in &cb {
        if !ca.contains(c) {
            out.push(format!(
                "condition `{}` (priority {}) → {} added",
                c.0, c.1, c.2
            ));
        }
    }
    for c in &ca {
        if !cb.contains(c) {
            out.push(format!(
                "condition `{}` (priority {}) → {} removed",
                c.0, c.1, c.2
            ));
        }
    }
    let q = |n: &Node| n.queue.as_ref().map(|q| q.name.clone());
    if q(a) != q(b) {
        out.push(format!(
            "queue {} → {}",
            q(a).unwrap_or_else(|| "none".into()),
            q(b).unwrap_or_else(|| "none".into())
        ));
    }
    out
}

/// Diffs two graphs: `old` is the remote, `new` the local document.
pub fn diff_flows(old: &Flow, new: &Flow) -> Plan {
    let mut plan = Plan::default();
    let index = |f: &Flow| -> BTreeMap<String, usize> {
        f.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (f.id_of(n).to_owned(), i))
            .collect()
    };
    let (io, inew) = (index(old), index(new));
    for n in &new.nodes {
        match io.get(new.id_of(n)) {
            None => plan.nodes_added.push(describe(new, n)),
            Some(&i) => {
                let ch = diff_node(old, &old.nodes[i], new, n);
                if !ch.is_empty() {
                    plan.nodes_changed.push(NodeChange {
                        id: new.id_of(n).to_owned(),
                        changes: ch,
                    });
                }
            }
        }
    }
    for n in &old.nodes {
        if !inew.contains_key(old.id_of(n)) {
            plan.nodes_removed.push(describe(old, n));
        }
    }
    let s = |f: &Flow| f.start_id().map(str::to_owned);
    if s(old) != s(new) {
        plan.start_changed = Some(format!(
            "{} → {}",
            s(old).unwrap_or_else(|| "none".into()),
            s(new).unwrap_or_else(|| "none".into())
        ));
    }
    plan
}

/// Without layout keys and the platform's bookkeeping fields
/// ([`crate::verify::BOOKKEEPING_KEYS`]), which say nothing about the flow.
fn strip_layout(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    !LAYOUT_KEYS.contains(&k.as_str())
                        && !crate::verify::BOOKKEEPING_KEYS.contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), strip_layout(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_layout).collect()),
        other => other.clone(),
    }
}

/// Plans a configuration JSON (`local`) against the remote configuration.
pub fn plan_config(remote: &Value, local: &Value) -> Result<Plan, String> {
    let rt = serde_json::to_string_pretty(remote).map_err(|e| e.to_string())?;
    let lt = serde_json::to_string_pretty(local).map_err(|e| e.to_string())?;
    let old =
        read(&rt, InputFormat::Architect).map_err(|e| format!("remote configuration: {e}"))?;
    let new = read(&lt, InputFormat::Architect).map_err(|e| format!("local configuration: {e}"))?;
    let mut plan = diff_flows(&old, &new);
    if plan.is_empty() {
        plan.other_content_changed =
            canonical_json(&strip_layout(remote)) != canonical_json(&strip_layout(local));
    }
    Ok(plan)
}

/// Plans two Archy YAML documents.
pub fn plan_yaml(remote: &str, local: &str) -> Result<Plan, String> {
    let old = read(remote, InputFormat::Archy).map_err(|e| format!("remote YAML: {e}"))?;
    let new = read(local, InputFormat::Archy).map_err(|e| format!("local YAML: {e}"))?;
    let mut plan = diff_flows(&old, &new);
    if plan.is_empty() {
        plan.other_content_changed = !yaml_equal(remote, local);
    }
    Ok(plan)
}

/// JSON Pointers of the strings the graph model carries as references (the start, jumps
/// and calls, the ways in that settings and states name): the core's reader turned each
/// into the start, an edge or an entry, which the graph diff compares through node
/// identity. An edge that is not a reference points at an object (an action, a choice).
fn graph_ref_pointers(flow: &Flow) -> Vec<String> {
    let t = &flow.tree;
    let origins = flow
        .start
        .iter()
        .map(|(_, o)| o)
        .chain(flow.entries.iter().map(|e| &e.origin))
        .chain(
            flow.nodes
                .iter()
                .flat_map(|n| n.edges.iter().filter(|e| e.condition.is_none()))
                .map(|e| &e.origin),
        );
    origins
        .filter_map(|o| o.value)
        .filter(|&v| t.kind(v) == flowguard_core::syntax::ValueKind::String)
        .map(|v| t.pointer(v))
        .collect()
}

/// Whether an Archy YAML document says what the published flow's YAML export says: the
/// same routing graph (nodes by their path of names) and nothing else different, which is
/// what `plan` reports as unchanged. A text that does not read as a flow is not the same.
pub(crate) fn yaml_unchanged(published: &str, local: &str) -> bool {
    let read = |t: &str| {
        let r = flowguard_core::formats::read(t, InputFormat::Archy);
        (!r.fatal).then_some(r.flow)
    };
    let (Some(old), Some(new)) = (read(published), read(local)) else {
        return false;
    };
    diff::compare(&old, &new, diff::Identity::Label).is_empty()
        && archy_content_equal((published, &old), (local, &new))
}

/// Two Archy YAML documents (`text` and the flow read from it) say the same outside the
/// routing graph: their values are equal once `refId`s and the references the graph
/// carries ([`graph_ref_pointers`]) are set aside. Sound because those references are
/// compared in the graph through node identity (a reference to another node changes an
/// edge, the start or an entry; one to a `refId` that no longer exists dangles, which
/// changes the edge too), and a `refId` is only the name references use inside the file.
/// Every other value must be equal: a setting removed on one side is a difference.
/// Texts that do not parse: compared as text.
pub(crate) fn archy_content_equal(a: (&str, &Flow), b: (&str, &Flow)) -> bool {
    fn strip(v: &mut Value, refs: &[String]) {
        for p in refs {
            if let Some(x) = v.pointer_mut(p) {
                *x = Value::Null;
            }
        }
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(m) => {
                    m.remove("refId");
                    stack.extend(m.values_mut());
                }
                Value::Array(items) => stack.extend(items.iter_mut()),
                _ => {}
            }
        }
    }
    let pa: Result<Value, _> = serde_saphyr::from_str(a.0);
    let pb: Result<Value, _> = serde_saphyr::from_str(b.0);
    match (pa, pb) {
        (Ok(mut x), Ok(mut y)) => {
            strip(&mut x, &graph_ref_pointers(a.1));
            strip(&mut y, &graph_ref_pointers(b.1));
            x == y
        }
        _ => a.0 == b.0,
    }
}

/// Two YAML texts mean the same values (comments, quoting, key order and layout aside);
/// texts that do not parse are compared as text.
fn yaml_equal(a: &str, b: &str) -> bool {
    let pa: Result<serde_json::Value, _> = serde_saphyr::from_str(a);
    let pb: Result<serde_json::Value, _> = serde_saphyr::from_str(b);
    match (pa, pb) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(target: &str, tracking: u64) -> Value {
        json!({
            "name": "F", "type": "inboundcall", "initialSequence": "t1",
            "flowSequenceItemList": [{
                "__type": "Task", "id": "t1", "name": "T", "trackingId": 1, "startAction": "a1",
                "uiMetaData": {"x": tracking},
                "actionList": [
                    {"__type": "PlayAudioAction", "id": "a1", "name": "Hi", "trackingId": 2, "nextAction": target},
                    {"__type": "DisconnectAction", "id": "a2", "name": "Bye", "trackingId": 3},
                    {"__type": "DisconnectAction", "id": "a3", "name": "Bye2", "trackingId": 4}
                ]
            }]
        })
    }

    #[test]
    fn equal_and_layout_only_is_no_change() {
        let p = plan_config(&config("a2", 1), &config("a2", 1)).unwrap_or_default();
        assert!(p.is_empty(), "{p:?}");
        let p = plan_config(&config("a2", 1), &config("a2", 99)).unwrap_or_default();
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(p.summary(), "no changes");
    }

    #[test]
    fn edge_change_is_reported() {
        let p = plan_config(&config("a2", 1), &config("a3", 1)).unwrap_or_default();
        assert!(!p.is_empty());
        assert_eq!(p.nodes_changed.len(), 1, "{p:?}");
        assert!(
            p.lines().iter().any(|l| l.contains("a3")),
            "{:?}",
            p.lines()
        );
    }

    #[test]
    fn archy_content_sets_ref_ids_aside_but_nothing_else() {
        let same = |a: &str, b: &str| {
            let fa = flowguard_core::formats::read(a, InputFormat::Archy).flow;
            let fb = flowguard_core::formats::read(b, InputFormat::Archy).flow;
            archy_content_equal((a, &fa), (b, &fb))
        };
        let a = "inboundCall:\n  name: F\n  startUpRef: \"/inboundCall/tasks/task[t]\"\n  settingsErrorHandling:\n    errorHandlingBehavior: handleErrorsByRoutingToTask\n    errorHandlingTaskRef: \"/inboundCall/tasks/task[t]\"\n  tasks:\n    - task:\n        name: T\n        refId: t\n        actions:\n          - jumpToTask:\n              name: J\n              targetTaskRef: \"/inboundCall/tasks/task[t]\"\n";
        // An export that names the task otherwise: the same content.
        let b = a
            .replace("task[t]", "task[T_12]")
            .replace("refId: t", "refId: T_12");
        assert!(same(a, &b));
        // A value outside the graph still counts, and so does one added or removed.
        assert!(!same(a, &a.replace("name: J", "name: K")));
        assert!(!same(
            a,
            &a.replace("  name: F\n", "  name: F\n  description: d\n")
        ));
        // A string that is not a reference the graph reads is compared as a value.
        let c = a.replace(
            "name: J\n",
            "name: J\n              note: \"/inboundCall/tasks/task[t]\"\n",
        );
        assert!(!same(
            &c,
            &c.replace(
                "note: \"/inboundCall/tasks/task[t]\"",
                "note: \"/inboundCall/tasks/task[u]\""
            )
        ));
    }

    #[test]
    fn prompt_change_is_not_no_change() {
        let mut b = config("a2", 1);
        b["flowSequenceItemList"][0]["actionList"][0]["prompt"] = json!("new words");
        let p = plan_config(&config("a2", 1), &b).unwrap_or_default();
        assert!(p.other_content_changed);
    }
}
