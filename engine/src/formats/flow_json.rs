//! Format 1: flowguard's own flow JSON, compatible with the documents of the design it
//! replaces (`docs/flow-format.md`, `schemas/flow.schema.json`).

use crate::diagnostic::{Code, RawDiagnostic, Severity};
use crate::formats::{Reader, head_loc, loc};
use crate::model::{
    Condition, Edge, ExternalTarget, Flow, InputFormat, Names, Node, NodeKind, NodeRef, Origin,
};
use crate::syntax::{SyntaxTree, ValueId, ValueKind};
use crate::text_index::{key_code, key_code_of};

// The member names a node and a condition are read from, as `key_code`s.
const ID: u128 = key_code_of(b"id");
const TYPE: u128 = key_code_of(b"type");
const TRANSITIONS: u128 = key_code_of(b"transitions");
const CONDITIONS: u128 = key_code_of(b"conditions");
const MAX_ITERATIONS: u128 = key_code_of(b"max_iterations");
const QUEUE: u128 = key_code_of(b"queue");
const FLOW: u128 = key_code_of(b"flow");
const EXPRESSION: u128 = key_code_of(b"expression");
const TARGET_ID: u128 = key_code_of(b"target_id");
const PRIORITY: u128 = key_code_of(b"priority");

/// The help of FG004 for a node of a type flow JSON does not have (also what an edit
/// session reports for one). A `static`, not a `const`, so the two crates share one copy.
pub static UNKNOWN_TYPE_HELP: &str = "if this is a typo, use one of menu, collect, play, set, data, jump, task, decision, loop, transfer, transfer_flow, disconnect";
/// Reads a flow JSON document from its syntax tree. Unknown fields are ignored here and
/// stay in the tree, untouched, for write-back.
pub fn read(tree: SyntaxTree, out: &mut Vec<RawDiagnostic>) -> Flow {
    let mut flow = Flow {
        format: InputFormat::Flow,
        ..Flow::default()
    };
    let Some(root) = tree.root() else {
        flow.tree = tree;
        return flow;
    };
    {
        let r = Reader::new(&tree, out);
        if tree.kind(root) != ValueKind::Object {
            r.type_error(
                root,
                "the document",
                "an object",
                "a flow document is a JSON object with `start` and `nodes`",
            );
        } else {
            let mut start = None;
            flow.name = r.opt_string(root, "name");
            flow.flow_type = r.opt_string(root, "type");
            if let Some(v) = tree.get(root, "version")
                && tree.as_u64(v).is_none()
            {
                {
                    r.type_error(
                        v,
                        "`version`",
                        "a whole number",
                        "`version` counts saved versions: write it as a number, like 3",
                    );
                }
            }
            if let Some(v) = tree.get(root, "start") {
                match tree.as_str(v) {
                    // Interned after the nodes' ids (see below).
                    Some(_) => start = Some(v),
                    None => r.type_error(
                        v,
                        "`start`",
                        "a string (the id of the first node)",
                        "set `start` to the id of the node calls enter first",
                    ),
                }
            }
            match tree.get(root, "nodes") {
                None => r.push(RawDiagnostic::new(
                    Code::SchemaError,
                    loc(&tree, root),
                    "the document has no `nodes`",
                    "add `nodes`: an object keyed by node id, or an array of node objects with `id`",
                )),
                Some(nodes) => match tree.kind(nodes) {
                    ValueKind::Object => {
                        // The ids first, in document order: the graph then finds each
                        // node's handle at its own index without hashing its id again.
                        let count = tree.children(nodes).len();
                        flow.nodes.reserve(count);
                        let names = &mut flow.names;
                        // Ids are short: room for about eight bytes each.
                        *names = Names::with_capacity(count, count.saturating_mul(8));
                        // The members once (each step of `members` looks its key up).
                        let mut members = Vec::with_capacity(count);
                        for (key, _, value) in tree.members(nodes) {
                            names.intern(key);
                            members.push((key, value));
                        }
                        // Without repeated keys, the i-th member's id is handle i.
                        let distinct = names.len() == count;
                        // (The tree's values are numbered in `u32`: so are its members.)
                        for (i, (key, value)) in members.into_iter().enumerate() {
                            let id = distinct.then_some(NodeRef(i as u32));
                            read_node(&r, &mut flow.names, &mut flow.nodes, value, Some((key, id)));
                        }
                    }
                    ValueKind::Array => {
                        flow.nodes.reserve(tree.children(nodes).len());
                        for value in tree.children(nodes) {
                            read_node(&r, &mut flow.names, &mut flow.nodes, value, None);
                        }
                    }
                    _ => r.type_error(nodes, "`nodes`", "an object keyed by node id, or an array of nodes", "write `nodes` as {\"id\": {...}} or [{\"id\": ...}]"),
                },
            }
            if let Some(v) = start {
                let id = flow.names.intern(tree.as_str(v).unwrap_or_default());
                flow.start = Some((id, Origin::value(v)));
            }
        }
    }
    flow.tree = tree;
    flow
}

/// Reads one node and adds it to `nodes` (unless it cannot be read at all). `key` is the
/// member key it is stored under in the object form, with the key's handle when known.
fn read_node(
    r: &Reader<'_, '_>,
    names: &mut Names,
    nodes: &mut Vec<Node>,
    value: ValueId,
    key: Option<(&str, Option<NodeRef>)>,
) {
    let tree = r.tree;
    if tree.kind(value) != ValueKind::Object {
        r.type_error(
            value,
            "a node",
            "an object",
            "each node is an object with at least `type`",
        );
        return;
    }
    // One pass over the members for every field read below (first occurrence wins, as
    // with `get`; duplicates are reported by the parser).
    let (mut id_value, mut type_value, mut transitions, mut conditions) = (None, None, None, None);
    let (mut max_iterations, mut queue, mut flow) = (None, None, None);
    // Keys matched as numbers (`key_code`): no string built or compared per member.
    for (key, v) in tree.member_bytes(value) {
        let slot = match key_code(key) {
            ID => &mut id_value,
            TYPE => &mut type_value,
            TRANSITIONS => &mut transitions,
            CONDITIONS => &mut conditions,
            MAX_ITERATIONS => &mut max_iterations,
            QUEUE => &mut queue,
            FLOW => &mut flow,
            _ => continue,
        };
        slot.get_or_insert(v);
    }
    let (id, id_ref): (&str, Option<NodeRef>) = match (key, id_value) {
        (Some((key, id_ref)), None) => (key, id_ref),
        (Some((key, id_ref)), Some(v)) => {
            match tree.as_str(v) {
                Some(id) if id == key => {}
                Some(id) => r.push(
                    RawDiagnostic::new(
                        Code::SchemaError,
                        loc(tree, v),
                        format!("node id `{id}` does not match its key `{key}`"),
                        "a node's optional `id` must equal the key it is stored under: make them the same, or remove `id`",
                    )
                    .node(key),
                ),
                None => r.type_error(v, "`id`", "a string", "a node id is a string"),
            }
            (key, id_ref)
        }
        (None, Some(v)) => match tree.as_str(v) {
            Some(id) => (id, None),
            None => {
                r.type_error(v, "`id`", "a string", "a node id is a string");
                return;
            }
        },
        (None, None) => {
            r.push(RawDiagnostic::new(
                Code::SchemaError,
                loc(tree, value),
                "a node in the `nodes` array has no `id`",
                "give every node in an array an `id` string, so transitions can name it",
            ));
            return;
        }
    };

    let no_type = (
        crate::model::Label::Borrowed(""),
        NodeKind::PassThrough,
        false,
    );
    let (type_name, kind, known) = match type_value {
        Some(t) => match tree.as_str(t) {
            Some(s) => crate::model::flow_type(s),
            None => {
                r.type_error(t, "`type`", "a string", "set `type` to menu, collect, play, set, decision, loop, transfer, transfer_flow, disconnect, ...");
                no_type
            }
        },
        None => {
            r.push(
                RawDiagnostic::new(
                    Code::SchemaError,
                    head_loc(tree, value),
                    format!("node `{id}` has no `type`"),
                    "set `type` to menu, collect, play, set, decision, loop, transfer, transfer_flow, disconnect, ...",
                )
                .node(id),
            );
            no_type
        }
    };
    // The type moves into the node at the end (messages below still name it). The
    // object form's ids are interned already, in node order (see `read`).
    let id_ref = match id_ref {
        Some(known) => known,
        None => names.intern(id),
    };
    // Room for every edge at once: one per transition label (a list usually holds one
    // target) and one per condition.
    let edge_count = transitions
        .filter(|&t| tree.kind(t) == ValueKind::Object)
        .map_or(0, |t| tree.children(t).len())
        + conditions
            .filter(|&c| tree.kind(c) == ValueKind::Array)
            .map_or(0, |c| tree.children(c).len());
    let mut edges = Vec::with_capacity(edge_count);
    let mut conds = Vec::new();
    let (mut max_iterations_read, mut queue_read, mut flow_read) = (None, None, None);
    let unknown_type = !known && !type_name.is_empty();
    if unknown_type {
        r.push(
            RawDiagnostic::new(
                Code::UnknownNodeType,
                loc(tree, type_value.unwrap_or(value)),
                format!("node `{id}` has type `{type_name}`, which flowguard does not know; it is treated as passing through to its transitions"),
                UNKNOWN_TYPE_HELP,
            )
            .node(id),
        );
    }

    if let Some(t) = transitions {
        if tree.kind(t) == ValueKind::Object {
            // Through `member_bytes`, whose loop is inlined (`members` was a call per
            // member); the label's text is then read from its member.
            for (_, targets) in tree.member_bytes(t) {
                let label = tree.key_text(targets);
                match tree.kind(targets) {
                    ValueKind::Array => {
                        for target in tree.children(targets) {
                            match tree.as_str(target) {
                                Some(s) => edges.push(Edge {
                                    label: crate::model::label(label),
                                    target: names.intern(s),
                                    origin: Origin::value(target),
                                    condition: None,
                                }),
                                None => r.type_error(
                                    target,
                                    "a transition target",
                                    "a node id string",
                                    "list target node ids as strings",
                                ),
                            }
                        }
                    }
                    // A single id instead of a one-element list is accepted: it means the same.
                    ValueKind::String => edges.push(Edge {
                        label: crate::model::label(label),
                        target: names.intern(tree.as_str(targets).unwrap_or_default()),
                        origin: Origin::value(targets),
                        condition: None,
                    }),
                    _ => r.type_error(
                        targets,
                        "a transition",
                        "a list of node ids",
                        "write transitions as {\"label\": [\"target_id\"]}",
                    ),
                }
            }
        } else {
            r.type_error(
                t,
                "`transitions`",
                "an object (label to list of node ids)",
                "write transitions as {\"label\": [\"target_id\"]}",
            );
        }
    }

    if let Some(c) = conditions {
        if tree.kind(c) == ValueKind::Array {
            conds = Vec::with_capacity(tree.children(c).len());
            for cond in tree.children(c) {
                if let Some(condition) = read_condition(r, names, cond, id) {
                    edges.push(Edge {
                        label: crate::model::Label::Borrowed("condition"),
                        target: condition.target,
                        // The condition's origin (a value, no pointer), without a clone call.
                        origin: Origin {
                            value: condition.origin.value,
                            pointer: None,
                        },
                        condition: Some(u32::try_from(conds.len()).unwrap_or(u32::MAX)),
                    });
                    conds.push(condition);
                }
            }
        } else {
            r.type_error(
                c,
                "`conditions`",
                "an array of {expression, priority, target_id}",
                "write conditions as a list",
            );
        }
    }

    // Loop and end kinds come only from these types (unknown types pass through).
    match kind {
        NodeKind::Loop => match max_iterations {
            Some(m) => match tree.as_u64(m).filter(|&n| n > 0) {
                Some(n) => max_iterations_read = Some(n),
                None => r.push(
                    RawDiagnostic::new(
                        Code::SchemaError,
                        loc(tree, m),
                        format!("loop node `{id}` has `max_iterations` that is not a positive whole number"),
                        "set `max_iterations` to how many times the body may run, for example 3",
                    )
                    .node(id),
                ),
            },
            None => r.push(
                RawDiagnostic::new(
                    Code::SchemaError,
                    head_loc(tree, value),
                    format!("loop node `{id}` has no `max_iterations`, so it bounds nothing"),
                    "set `max_iterations` to how many times the body may run, for example 3",
                )
                .node(id),
            ),
        },
        NodeKind::End => match &*type_name {
            "transfer" => queue_read = r.external(queue, value, "queue", id, "the queue calls are transferred to"),
            "transfer_flow" => flow_read = r.external(flow, value, "flow", id, "the flow calls are transferred to"),
            _ => {}
        },
        _ => {}
    }
    // One move of the finished node into the list.
    nodes.push(Node {
        id: id_ref,
        type_name,
        kind,
        label: None,
        unknown_type,
        origin: Origin::value(value),
        edges,
        conditions: conds,
        max_iterations: max_iterations_read,
        counted_at_run_time: false,
        queue: queue_read,
        flow: flow_read,
    });
}

// Out of line: most nodes have no conditions, and inlined it made `read_node` slower for
// them.
#[inline(never)]
fn read_condition(
    r: &Reader<'_, '_>,
    names: &mut Names,
    cond: ValueId,
    node: &str,
) -> Option<Condition> {
    let tree = r.tree;
    if tree.kind(cond) != ValueKind::Object {
        r.type_error(cond, "a condition", "an object {expression, priority, target_id}", "write each condition as {\"expression\": \"...\", \"priority\": 1, \"target_id\": \"node\"}");
        return None;
    }
    // One pass over the members (first occurrence wins, as with `get`); the fields are
    // then checked in the order their diagnostics have always come in.
    let (mut expression_value, mut target_value, mut priority_value) = (None, None, None);
    for (key, v) in tree.member_bytes(cond) {
        let slot = match key_code(key) {
            EXPRESSION => &mut expression_value,
            TARGET_ID => &mut target_value,
            PRIORITY => &mut priority_value,
            _ => continue,
        };
        slot.get_or_insert(v);
    }
    let expression = required_string(
        r,
        cond,
        node,
        expression_value,
        "expression",
        "give the condition an `expression`, for example \"Call.Language == \\\"es\\\"\"",
    );
    let target = required_string(
        r,
        cond,
        node,
        target_value,
        "target_id",
        "give the condition a `target_id`: the node calls go to when it is the first true condition",
    );
    let priority = match priority_value {
        None => 0.0,
        Some(p) => match tree.as_f64(p) {
            Some(f) if f.is_finite() => f,
            _ => {
                r.type_error(
                    p,
                    "`priority`",
                    "a number",
                    "higher priorities are evaluated first",
                );
                0.0
            }
        },
    };
    let ((expression, expr_value), (target, target_value)) = (expression?, target?);
    // The expression's text starts one byte after the opening quote when it has no escapes.
    let (s, e) = tree.span(expr_value);
    let raw = tree
        .source()
        .get(s as usize + 1..(e as usize).saturating_sub(1));
    let source_start = (raw == Some(expression)).then_some(s + 1);
    Some(Condition {
        expression: expression.to_owned(),
        priority,
        target: names.intern(target),
        origin: Origin::value(target_value),
        expression_origin: Origin::value(expr_value),
        expression_source_start: source_start,
    })
}

/// The string `found`, member `name` of condition `cond` of node `node`; when it is
/// missing or not a string, its diagnostic (`what`: the help) and `None`.
// A function, not a closure: the string's path stays short (the closure was a call per
// field, diagnostics and all).
#[inline]
fn required_string<'t>(
    r: &Reader<'t, '_>,
    cond: ValueId,
    node: &str,
    found: Option<ValueId>,
    name: &str,
    what: &str,
) -> Option<(&'t str, ValueId)> {
    let tree = r.tree;
    if let Some(v) = found
        && let Some(s) = tree.as_str(v)
    {
        return Some((s, v));
    }
    missing_string(r, cond, node, found, name, what);
    None
}

/// [`required_string`]'s diagnostic.
#[inline(never)]
fn missing_string(
    r: &Reader<'_, '_>,
    cond: ValueId,
    node: &str,
    found: Option<ValueId>,
    name: &str,
    what: &str,
) {
    match found {
        Some(v) => r.type_error(v, &format!("`{name}`"), "a string", what),
        None => r.push(
            RawDiagnostic::new(
                Code::SchemaError,
                loc(r.tree, cond),
                format!("a condition of `{node}` has no `{name}`"),
                what.to_owned(),
            )
            .node(node),
        ),
    }
}

impl Reader<'_, '_> {
    fn opt_string(&self, obj: ValueId, name: &str) -> Option<String> {
        let v = self.tree.get(obj, name)?;
        match self.tree.as_str(v) {
            Some(s) => Some(s.to_owned()),
            None => {
                self.type_error(
                    v,
                    &format!("`{name}`"),
                    "a string",
                    "write it as a string in double quotes",
                );
                None
            }
        }
    }

    /// The external target in `found`, the node's member `field` (if it has one).
    fn external(
        &self,
        found: Option<ValueId>,
        node_value: ValueId,
        field: &str,
        node: &str,
        what: &str,
    ) -> Option<Box<ExternalTarget>> {
        match found {
            Some(v) => match self.tree.as_str(v) {
                // (A name that starts with a visible ASCII character is not blank: no trim.)
                Some(s)
                    if s.as_bytes().first().is_some_and(u8::is_ascii_graphic)
                        || !s.trim().is_empty() =>
                {
                    Some(Box::new(ExternalTarget {
                        name: s.to_owned(),
                        origin: Origin::value(v),
                        is_expression: false,
                    }))
                }
                _ => {
                    self.type_error(v, &format!("`{field}`"), "a non-empty string", what);
                    None
                }
            },
            None => {
                self.push(
                    RawDiagnostic::new(
                        Code::SchemaError,
                        head_loc(self.tree, node_value),
                        format!("node `{node}` has no `{field}`"),
                        format!("set `{field}`: {what}"),
                    )
                    .node(node)
                    .severity(Severity::Error),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> (Flow, Vec<RawDiagnostic>) {
        let parsed = crate::syntax::json::parse(text);
        assert!(parsed.error.is_none(), "{text}");
        let mut out = Vec::new();
        let flow = read(parsed.tree, &mut out);
        (flow, out)
    }

    /// Distinct keys: node i is handle i. A repeated key: both nodes keep the one handle
    /// of their id, and the ids stay the keys.
    #[test]
    fn node_ids_are_the_handles_of_their_keys() {
        let (flow, _) = read_text(
            r#"{"start":"b","nodes":{"a":{"type":"play","transitions":{"next":["b"]}},"b":{"type":"disconnect"},"c":{"type":"disconnect"}}}"#,
        );
        let ids: Vec<(u32, &str)> = flow.nodes.iter().map(|n| (n.id.0, flow.id_of(n))).collect();
        assert_eq!(ids, [(0, "a"), (1, "b"), (2, "c")]);
        assert_eq!(flow.start.as_ref().map(|s| s.0), Some(NodeRef(1)));

        let (flow, _) = read_text(
            r#"{"start":"a","nodes":{"a":{"type":"play","transitions":{"next":["b"]}},"b":{"type":"disconnect"},"a":{"id":"x","type":"disconnect"}}}"#,
        );
        let ids: Vec<(u32, &str)> = flow.nodes.iter().map(|n| (n.id.0, flow.id_of(n))).collect();
        assert_eq!(ids, [(0, "a"), (1, "b"), (0, "a")]);
        assert_eq!(flow.names.len(), 2);
    }

    /// `finish_read` skips its document-order check for flow JSON: this reader's nodes are
    /// in document order in both forms, unreadable nodes left out.
    #[test]
    fn nodes_come_in_document_order() {
        for text in [
            r#"{"nodes":{"z":{"type":"play"},"a":3,"m":{"type":"menu"},"b":{"type":"disconnect"}}}"#,
            r#"{"nodes":[{"id":"z","type":"play"},{"type":"set"},{"id":"a"},{"id":"b","type":"menu"}]}"#,
        ] {
            let (flow, _) = read_text(text);
            assert_eq!(flow.nodes.len(), 3, "{text}");
            let starts: Vec<u32> = flow
                .nodes
                .iter()
                .map(|n| {
                    flow.tree
                        .span(n.origin.value.expect("a read node's value"))
                        .0
                })
                .collect();
            assert!(starts.is_sorted(), "{text}: {starts:?}");
        }
    }

    /// Fields read in one pass keep `get`'s meaning (the first of repeated keys) and the
    /// diagnostics keep their order: expression, target, priority.
    #[test]
    fn first_fields_win_and_messages_keep_their_order() {
        let (flow, out) = read_text(
            r#"{"nodes":{"t":{"type":"transfer","queue":"q1","queue":"q2","transitions":{"next":"d"}},
                "l":{"type":"loop","max_iterations":2,"max_iterations":0,"transitions":{"body":["t"],"exit":["d"]}},
                "d":{"type":"decision","conditions":[{"priority":"x","target_id":1},{"target_id":"t","expression":"a","expression":"b","priority":3}]}}}"#,
        );
        let t = &flow.nodes[0];
        assert_eq!(t.queue.as_ref().map(|q| q.name.as_str()), Some("q1"));
        assert_eq!(t.edges.len(), 1);
        assert_eq!(flow.nodes[1].max_iterations, Some(2));
        let d = &flow.nodes[2];
        assert_eq!(d.conditions.len(), 1);
        assert_eq!(d.conditions[0].expression, "a");
        assert_eq!(d.conditions[0].priority, 3.0);
        assert_eq!(d.edges.len(), 1);
        assert_eq!(d.edges[0].condition, Some(0));
        assert_eq!(d.edges[0].origin, d.conditions[0].origin);
        let messages: Vec<&str> = out.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "a condition of `d` has no `expression`",
                "`target_id` must be a string, found a number",
                "`priority` must be a number, found a string",
            ]
        );
    }
}
