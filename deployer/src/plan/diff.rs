//! The routing graph of two versions of one flow, compared node by node through a stable
//! identity: nodes, edges and decision conditions added, removed and changed.
//!
//! **Identity.** Architect configuration JSON names every action by a GUID that the
//! platform keeps from version to version, so a node is its id. Archy YAML has no such id:
//! the core names a node by its path (`task:<refId>/3/yes/0`), which shifts when an action
//! is inserted above it, and the `refId`s are the author's (an export may spell them
//! otherwise). There a node is its *label*, the human path the core builds from names
//! (`task Main › Play Audio "Greeting"`), with `#2`, `#3` for repeats in document order.
//! Nodes left unmatched by identity are then paired by raw id, i.e. by place (a node
//! renamed or given another type where it stands: "changed", not "removed and added").
//!
//! **Soundness.** Matching decides only how a difference is shown, never whether one is:
//! every node is matched, added or removed; every matched pair is compared field by
//! field (type, queue, flow target, loop bounds) with its edges and conditions, whose
//! targets are compared through the same identity; and the command separately compares
//! all content outside the graph, so "no changes" needs both to be equal.
//!
//! Output is sorted (by identity, then label), so two runs give the same bytes.

use std::collections::BTreeMap;

use flowguard_core::model::{Flow, Node};
use serde::Serialize;

/// How nodes are identified across versions (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// By id (Architect configuration JSON: GUIDs the platform keeps).
    Id,
    /// By label, the path of names (Archy YAML).
    Label,
}

/// A node as the plan names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NodeRef {
    /// The identity: the id (Architect JSON) or the path of names (Archy YAML).
    pub node: String,
    #[serde(rename = "type")]
    pub type_name: String,
}

/// One field of a node, before and after.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NodeChange {
    pub node: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub changes: Vec<FieldChange>,
}

/// A transition: `from` goes to `to` on `label`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EdgeRef {
    pub from: String,
    pub label: String,
    pub to: String,
}

/// A transition whose target changed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EdgeChange {
    pub from: String,
    pub label: String,
    pub to: String,
    pub was: String,
}

/// A decision condition of `node`.
#[derive(Clone, Debug, PartialEq, PartialOrd, Serialize)]
pub struct ConditionRef {
    pub node: String,
    pub expression: String,
    pub priority: f64,
    pub to: String,
}

/// A condition (same node, same expression) whose priority or target changed.
#[derive(Clone, Debug, PartialEq, PartialOrd, Serialize)]
pub struct ConditionChange {
    pub node: String,
    pub expression: String,
    pub priority: f64,
    pub to: String,
    pub was_priority: f64,
    pub was_to: String,
}

/// Added, removed and changed things of one kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Section<A, C> {
    pub added: Vec<A>,
    pub removed: Vec<A>,
    pub changed: Vec<C>,
}

impl<A, C> Default for Section<A, C> {
    fn default() -> Self {
        Section {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        }
    }
}

impl<A, C> Section<A, C> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    pub fn len(&self) -> usize {
        self.added.len() + self.removed.len() + self.changed.len()
    }
}

/// The graph differences of one flow.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GraphChanges {
    pub nodes: Section<NodeRef, NodeChange>,
    pub edges: Section<EdgeRef, EdgeChange>,
    pub conditions: Section<ConditionRef, ConditionChange>,
    /// The start node, when it changed.
    pub start: Option<FieldChange>,
    /// The other ways in (menus and tasks the flow's settings name, in-queue states), when
    /// they changed: each side as `target (why)` lines, sorted, joined with `; `.
    pub entries: Option<FieldChange>,
}

impl GraphChanges {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.edges.is_empty()
            && self.conditions.is_empty()
            && self.start.is_none()
            && self.entries.is_none()
    }
}

/// The identity of every node of `flow`, by index: unique within the flow.
pub fn keys(flow: &Flow, identity: Identity) -> Vec<String> {
    let base = |n: &Node| match identity {
        Identity::Id => flow.id_of(n).to_owned(),
        Identity::Label => n
            .label
            .clone()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| flow.id_of(n).to_owned()),
    };
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(flow.nodes.len());
    for n in &flow.nodes {
        let b = base(n);
        let c = count.entry(b.clone()).or_insert(0);
        *c += 1;
        out.push(if *c == 1 { b } else { format!("{b} #{c}") });
    }
    // A repeat's `#n` may equal another node's own key: make those unique too.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for k in &mut out {
        let c = seen.entry(k.clone()).or_insert(0);
        *c += 1;
        if *c > 1 {
            *k = format!("{k} (id {})", *c);
        }
    }
    out
}

/// One side of the comparison: nodes by identity and a way to name edge targets.
struct Side<'f> {
    flow: &'f Flow,
    /// Identity, by node index: what nodes are matched by.
    keys: Vec<String>,
    /// How the plan names the node: the identity, or for ids the name with the id.
    shown: Vec<String>,
    by_id: BTreeMap<&'f str, usize>,
}

impl<'f> Side<'f> {
    fn new(flow: &'f Flow, identity: Identity) -> Self {
        let mut by_id = BTreeMap::new();
        for (i, n) in flow.nodes.iter().enumerate() {
            by_id.entry(flow.id_of(n)).or_insert(i);
        }
        let keys = keys(flow, identity);
        let shown = match identity {
            Identity::Label => keys.clone(),
            // A GUID alone says nothing in a review: the action's name, then its id.
            // (The key, not the raw id: keys are unique even where ids repeat.)
            Identity::Id => flow
                .nodes
                .iter()
                .zip(&keys)
                .map(|(n, k)| match n.label.as_deref().map(str::trim) {
                    Some(l) if !l.is_empty() => format!("{l} ({k})"),
                    _ => k.clone(),
                })
                .collect(),
        };
        Side {
            flow,
            keys,
            shown,
            by_id,
        }
    }
}

fn queue_of(n: &Node) -> Option<String> {
    n.queue.as_ref().map(|q| {
        if q.is_expression {
            format!("exp: {}", q.name)
        } else {
            q.name.clone()
        }
    })
}

fn flow_of(n: &Node) -> Option<String> {
    n.flow.as_ref().map(|f| {
        if f.is_expression {
            format!("exp: {}", f.name)
        } else {
            f.name.clone()
        }
    })
}

fn field(out: &mut Vec<FieldChange>, name: &str, old: Option<String>, new: Option<String>) {
    if old != new {
        out.push(FieldChange {
            field: name.into(),
            old,
            new,
        });
    }
}

fn node_fields(a: &Node, b: &Node, renamed: Option<(&str, &str)>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if let Some((old, new)) = renamed {
        field(&mut out, "name", Some(old.into()), Some(new.into()));
    }
    field(
        &mut out,
        "type",
        Some(a.type_name.to_string()),
        Some(b.type_name.to_string()),
    );
    field(&mut out, "queue", queue_of(a), queue_of(b));
    field(&mut out, "flow", flow_of(a), flow_of(b));
    let iters = |n: &Node| {
        n.max_iterations
            .map(|m| m.to_string())
            .or_else(|| n.counted_at_run_time.then(|| "set at run time".to_owned()))
    };
    field(&mut out, "loop count", iters(a), iters(b));
    out
}

/// Compares `old` (published) with `new` (the document). An empty `old` (a flow that
/// does not exist yet) makes everything "added".
pub fn compare(old: &Flow, new: &Flow, identity: Identity) -> GraphChanges {
    let o = Side::new(old, identity);
    let n = Side::new(new, identity);
    // 1. Match by identity.
    let new_by_key: BTreeMap<&str, usize> = n
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut old_match: Vec<Option<usize>> = vec![None; old.nodes.len()];
    let mut new_match: Vec<Option<usize>> = vec![None; new.nodes.len()];
    for (i, k) in o.keys.iter().enumerate() {
        if let Some(&j) = new_by_key.get(k.as_str()) {
            old_match[i] = Some(j);
            new_match[j] = Some(i);
        }
    }
    // 2. The rest by raw id: the same place, renamed or retyped.
    if identity == Identity::Label {
        for (i, a) in old.nodes.iter().enumerate() {
            if old_match[i].is_some() {
                continue;
            }
            if let Some(&j) = n.by_id.get(old.id_of(a))
                && new_match[j].is_none()
            {
                old_match[i] = Some(j);
                new_match[j] = Some(i);
            }
        }
    }
    // Edge targets on both sides are named by the new side's identity where matched.
    let old_name = |id: &str| -> String {
        match o.by_id.get(id) {
            Some(&i) => match old_match[i] {
                Some(j) => n.shown[j].clone(),
                None => o.shown[i].clone(),
            },
            None => format!("? {id}"),
        }
    };
    let new_name = |id: &str| -> String {
        match n.by_id.get(id) {
            Some(&j) => n.shown[j].clone(),
            None => format!("? {id}"),
        }
    };
    let mut ch = GraphChanges::default();
    // Nodes.
    for (j, b) in new.nodes.iter().enumerate() {
        match new_match[j] {
            None => ch.nodes.added.push(NodeRef {
                node: n.shown[j].clone(),
                type_name: b.type_name.to_string(),
            }),
            Some(i) => {
                // By name only: with ids the id is the same on both sides.
                fn name<'a>(side: &'a Side<'_>, k: usize, identity: Identity) -> &'a str {
                    match identity {
                        Identity::Label => side.shown[k].as_str(),
                        Identity::Id => side.flow.nodes[k].label.as_deref().unwrap_or(""),
                    }
                }
                let renamed = (o.shown[i] != n.shown[j])
                    .then(|| (name(&o, i, identity), name(&n, j, identity)));
                let changes = node_fields(&old.nodes[i], b, renamed);
                if !changes.is_empty() {
                    ch.nodes.changed.push(NodeChange {
                        node: n.shown[j].clone(),
                        type_name: b.type_name.to_string(),
                        changes,
                    });
                }
            }
        }
    }
    for (i, a) in old.nodes.iter().enumerate() {
        if old_match[i].is_none() {
            ch.nodes.removed.push(NodeRef {
                node: o.shown[i].clone(),
                type_name: a.type_name.to_string(),
            });
        }
    }
    // Edges and conditions, by (node, label or expression, occurrence).
    type EdgeMap = BTreeMap<(String, String, usize), String>;
    type CondMap = BTreeMap<(String, String, usize), (f64, String)>;
    let collect =
        |side: &Side<'_>, name: &dyn Fn(&str) -> String, owner: &dyn Fn(usize) -> String| {
            let mut edges: EdgeMap = BTreeMap::new();
            let mut conds: CondMap = BTreeMap::new();
            for (i, node) in side.flow.nodes.iter().enumerate() {
                let from = owner(i);
                let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
                for e in node.edges.iter().filter(|e| e.condition.is_none()) {
                    let c = seen.entry(&e.label).or_insert(0);
                    edges.insert(
                        (from.clone(), e.label.to_string(), *c),
                        name(side.flow.name(e.target)),
                    );
                    *c += 1;
                }
                let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
                for c in &node.conditions {
                    let k = seen.entry(c.expression.as_str()).or_insert(0);
                    conds.insert(
                        (from.clone(), c.expression.clone(), *k),
                        (c.priority, name(side.flow.name(c.target))),
                    );
                    *k += 1;
                }
            }
            (edges, conds)
        };
    let old_owner = |i: usize| match old_match[i] {
        Some(j) => n.shown[j].clone(),
        None => o.shown[i].clone(),
    };
    let new_owner = |j: usize| n.shown[j].clone();
    let (oe, oc) = collect(&o, &old_name, &old_owner);
    let (ne, nc) = collect(&n, &new_name, &new_owner);
    for ((from, label, k), to) in &ne {
        match oe.get(&(from.clone(), label.clone(), *k)) {
            None => ch.edges.added.push(EdgeRef {
                from: from.clone(),
                label: label.clone(),
                to: to.clone(),
            }),
            Some(was) if was != to => ch.edges.changed.push(EdgeChange {
                from: from.clone(),
                label: label.clone(),
                to: to.clone(),
                was: was.clone(),
            }),
            Some(_) => {}
        }
    }
    for ((from, label, k), to) in &oe {
        if !ne.contains_key(&(from.clone(), label.clone(), *k)) {
            ch.edges.removed.push(EdgeRef {
                from: from.clone(),
                label: label.clone(),
                to: to.clone(),
            });
        }
    }
    for ((node, expression, k), (priority, to)) in &nc {
        match oc.get(&(node.clone(), expression.clone(), *k)) {
            None => ch.conditions.added.push(ConditionRef {
                node: node.clone(),
                expression: expression.clone(),
                priority: *priority,
                to: to.clone(),
            }),
            Some((wp, wt)) if wp.to_bits() != priority.to_bits() || wt != to => {
                ch.conditions.changed.push(ConditionChange {
                    node: node.clone(),
                    expression: expression.clone(),
                    priority: *priority,
                    to: to.clone(),
                    was_priority: *wp,
                    was_to: wt.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for ((node, expression, k), (priority, to)) in &oc {
        if !nc.contains_key(&(node.clone(), expression.clone(), *k)) {
            ch.conditions.removed.push(ConditionRef {
                node: node.clone(),
                expression: expression.clone(),
                priority: *priority,
                to: to.clone(),
            });
        }
    }
    // The start node: a new flow has none before.
    let so = old.start_id().map(&old_name);
    let sn = new.start_id().map(&new_name);
    if so != sn && !(old.nodes.is_empty() && old.start.is_none()) {
        ch.start = Some(FieldChange {
            field: "start".into(),
            old: so,
            new: sn,
        });
    } else if old.nodes.is_empty() && sn.is_some() {
        ch.start = Some(FieldChange {
            field: "start".into(),
            old: None,
            new: sn,
        });
    }
    let entries = |f: &Flow, name: &dyn Fn(&str) -> String| -> Option<String> {
        let mut e: Vec<String> = f
            .entries
            .iter()
            .map(|e| format!("{} ({})", name(f.name(e.target)), e.why))
            .collect();
        e.sort();
        (!e.is_empty()).then(|| e.join("; "))
    };
    let (eo, en) = (entries(old, &old_name), entries(new, &new_name));
    if eo != en {
        ch.entries = Some(FieldChange {
            field: "entries".into(),
            old: eo,
            new: en,
        });
    }
    ch.nodes.added.sort();
    ch.nodes.removed.sort();
    ch.nodes.changed.sort();
    ch.edges.added.sort();
    ch.edges.removed.sort();
    ch.edges.changed.sort();
    let by_text = |a: &ConditionRef, b: &ConditionRef| {
        (&a.node, &a.expression, &a.to)
            .cmp(&(&b.node, &b.expression, &b.to))
            .then(a.priority.total_cmp(&b.priority))
    };
    ch.conditions.added.sort_by(by_text);
    ch.conditions.removed.sort_by(by_text);
    ch.conditions.changed.sort_by(|a, b| {
        (&a.node, &a.expression, &a.to, &a.was_to)
            .cmp(&(&b.node, &b.expression, &b.to, &b.was_to))
            .then(a.priority.total_cmp(&b.priority))
    });
    ch
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowguard_core::InputFormat;

    fn read(text: &str) -> Flow {
        flowguard_core::formats::read(text, InputFormat::Archy).flow
    }

    const YAML: &str = "inboundCall:\n  name: F\n  startUpRef: \"/inboundCall/menus/menu[m]\"\n  defaultLanguage: en-us\n  menus:\n    - menu:\n        name: Main\n        refId: m\n        audio:\n          tts: hi\n        choices:\n          - menuTransferToAcd:\n              name: Sales\n              dtmf: digit_1\n              targetQueue:\n                lit:\n                  name: Sales\n          - menuDisconnect:\n              name: Bye\n              dtmf: digit_9\n";

    #[test]
    fn same_document_is_empty_and_other_ref_ids_change_nothing() {
        let ch = compare(&read(YAML), &read(YAML), Identity::Label);
        assert!(ch.is_empty(), "{ch:#?}");
        // An export that spells the refId otherwise: the same flow.
        let other = YAML
            .replace("menu[m]", "menu[Main_10]")
            .replace("refId: m", "refId: Main_10");
        let ch = compare(&read(YAML), &read(&other), Identity::Label);
        assert!(ch.is_empty(), "{ch:#?}");
    }

    #[test]
    fn one_queue_change_is_one_node_change() {
        let new = YAML.replacen(
            "                  name: Sales",
            "                  name: Support",
            1,
        );
        assert_ne!(new, YAML);
        let ch = compare(&read(YAML), &read(&new), Identity::Label);
        assert_eq!(ch.nodes.changed.len(), 1, "{ch:#?}");
        assert!(ch.edges.is_empty() && ch.nodes.added.is_empty() && ch.nodes.removed.is_empty());
        assert_eq!(ch.nodes.changed[0].changes[0].field, "queue");
        assert_eq!(
            ch.nodes.changed[0].changes[0].new.as_deref(),
            Some("Support")
        );
    }

    #[test]
    fn an_empty_old_flow_makes_everything_added() {
        let ch = compare(&Flow::default(), &read(YAML), Identity::Label);
        let new = read(YAML);
        assert_eq!(ch.nodes.added.len(), new.nodes.len());
        assert!(ch.nodes.removed.is_empty() && ch.edges.removed.is_empty());
        assert!(!ch.edges.added.is_empty());
        assert!(ch.start.is_some());
    }

    #[test]
    fn inserted_action_is_one_node_not_a_shift() {
        let a = "inboundCall:\n  name: F\n  startUpRef: \"/inboundCall/tasks/task[t]\"\n  defaultLanguage: en-us\n  tasks:\n    - task:\n        name: T\n        refId: t\n        actions:\n          - playAudio:\n              name: A\n              audio:\n                tts: a\n          - disconnect:\n              name: D\n";
        let b = a.replace(
            "          - disconnect:",
            "          - playAudio:\n              name: B\n              audio:\n                tts: b\n          - disconnect:",
        );
        let ch = compare(&read(a), &read(&b), Identity::Label);
        assert_eq!(ch.nodes.added.len(), 1, "{ch:#?}");
        assert!(
            ch.nodes.removed.is_empty() && ch.nodes.changed.is_empty(),
            "{ch:#?}"
        );
        // A's next changed to B, and B's next is the disconnect.
        assert_eq!(ch.edges.changed.len(), 1, "{ch:#?}");
        assert_eq!(ch.edges.added.len(), 1, "{ch:#?}");
    }

    #[test]
    fn architect_nodes_are_matched_by_id_and_shown_by_name() {
        let node = |f: &mut Flow, id: &str, label: &str, next: Option<&str>| {
            let mut n = f.new_node(
                id,
                "PlayAudioAction",
                flowguard_core::model::NodeKind::PassThrough,
            );
            n.label = Some(label.into());
            if let Some(t) = next {
                n.edges.push(f.edge("next", t, Default::default()));
            }
            f.nodes.push(n);
        };
        let mut a = Flow::default();
        node(&mut a, "g1", "Hello", Some("g2"));
        node(&mut a, "g2", "Bye", None);
        let mut b = Flow::default();
        node(&mut b, "g1", "Welcome", Some("g2"));
        node(&mut b, "g2", "Bye", None);
        let ch = compare(&a, &b, Identity::Id);
        assert_eq!(ch.nodes.changed.len(), 1, "{ch:#?}");
        assert_eq!(ch.nodes.changed[0].node, "Welcome (g1)");
        assert_eq!(ch.nodes.changed[0].changes[0].field, "name");
        assert_eq!(ch.nodes.changed[0].changes[0].old.as_deref(), Some("Hello"));
        // The edge from the renamed node is the same edge.
        assert!(ch.edges.is_empty(), "{ch:#?}");
        // Repeated ids still give distinct names (no change hidden by a collision).
        node(&mut b, "g2", "Bye", Some("g1"));
        let ch = compare(&a, &b, Identity::Id);
        assert_eq!(ch.nodes.added.len(), 1, "{ch:#?}");
        assert_eq!(ch.edges.added.len(), 1, "{ch:#?}");
    }

    #[test]
    fn repeated_labels_get_unique_keys() {
        let mut f = Flow::default();
        for (id, label) in [("a", "x"), ("b", "x"), ("c", "x #2")] {
            let mut n = f.new_node(id, "t", flowguard_core::model::NodeKind::PassThrough);
            n.label = Some(label.into());
            f.nodes.push(n);
        }
        let k = keys(&f, Identity::Label);
        let mut u = k.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), 3, "{k:?}");
    }
}
