//! Format 1: flowguard's own flow JSON, compatible with the documents of the design it
//! replaces (`docs/flow-format.md`, `schemas/flow.schema.json`).

use crate::diagnostic::{Code, RawDiagnostic, Severity};
use crate::formats::{Reader, head_loc, loc};
use crate::model::{
    Condition, Edge, ExternalTarget, Flow, InputFormat, Names, Node, Origin, kind_of_flow_type,
};
use crate::syntax::{SyntaxTree, ValueId, ValueKind};

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
                        for (key, _, _) in tree.members(nodes) {
                            names.intern(key);
                        }
                        for (key, _, value) in tree.members(nodes) {
                            if let Some(node) = read_node(&r, &mut flow.names, value, Some(key)) {
                                flow.nodes.push(node);
                            }
                        }
                    }
                    ValueKind::Array => {
                        flow.nodes.reserve(tree.children(nodes).len());
                        for value in tree.children(nodes) {
                            if let Some(node) = read_node(&r, &mut flow.names, value, None) {
                                flow.nodes.push(node);
                            }
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

fn read_node(
    r: &Reader<'_, '_>,
    names: &mut Names,
    value: ValueId,
    key: Option<&str>,
) -> Option<Node> {
    let tree = r.tree;
    if tree.kind(value) != ValueKind::Object {
        r.type_error(
            value,
            "a node",
            "an object",
            "each node is an object with at least `type`",
        );
        return None;
    }
    // One pass over the members for the fields every node has (first occurrence wins,
    // as with `get`; duplicates are reported by the parser).
    let (mut id_value, mut type_value, mut transitions, mut conditions) = (None, None, None, None);
    for (key, _, v) in tree.members(value) {
        let slot = match key {
            "id" => &mut id_value,
            "type" => &mut type_value,
            "transitions" => &mut transitions,
            "conditions" => &mut conditions,
            _ => continue,
        };
        slot.get_or_insert(v);
    }
    let id: &str = match (key, id_value) {
        (Some(key), None) => key,
        (Some(key), Some(v)) => {
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
            key
        }
        (None, Some(v)) => match tree.as_str(v) {
            Some(id) => id,
            None => {
                r.type_error(v, "`id`", "a string", "a node id is a string");
                return None;
            }
        },
        (None, None) => {
            r.push(RawDiagnostic::new(
                Code::SchemaError,
                loc(tree, value),
                "a node in the `nodes` array has no `id`",
                "give every node in an array an `id` string, so transitions can name it",
            ));
            return None;
        }
    };

    let type_name = match type_value {
        Some(t) => match tree.as_str(t) {
            Some(s) => crate::model::flow_type_name(s),
            None => {
                r.type_error(t, "`type`", "a string", "set `type` to menu, collect, play, set, decision, loop, transfer, transfer_flow, disconnect, ...");
                crate::model::Label::Borrowed("")
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
            crate::model::Label::Borrowed("")
        }
    };
    let (kind, known) = kind_of_flow_type(&type_name);
    // The type moves into the node at the end (messages below still name it). The
    // object form's ids are interned already, in node order (see `read`).
    let mut node = Node::new(names.intern(id), "", kind);
    node.origin = Origin::value(value);
    node.unknown_type = !known && !type_name.is_empty();
    if node.unknown_type {
        r.push(
            RawDiagnostic::new(
                Code::UnknownNodeType,
                loc(tree, type_value.unwrap_or(value)),
                format!("node `{id}` has type `{type_name}`, which flowguard does not know; it is treated as passing through to its transitions"),
                "if this is a typo, use one of menu, collect, play, set, data, jump, task, decision, loop, transfer, transfer_flow, disconnect",
            )
            .node(id),
        );
    }

    if let Some(t) = transitions {
        if tree.kind(t) == ValueKind::Object {
            node.edges.reserve(tree.children(t).len());
            for (label, _, targets) in tree.members(t) {
                match tree.kind(targets) {
                    ValueKind::Array => {
                        for target in tree.children(targets) {
                            match tree.as_str(target) {
                                Some(s) => node.edges.push(Edge {
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
                    ValueKind::String => node.edges.push(Edge {
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
            let count = tree.children(c).len();
            node.conditions.reserve(count);
            node.edges.reserve(count);
            for cond in tree.children(c) {
                if let Some(condition) = read_condition(r, names, cond, id) {
                    node.edges.push(Edge {
                        label: crate::model::Label::Borrowed("condition"),
                        target: condition.target,
                        // The condition's origin (a value, no pointer), without a clone call.
                        origin: Origin {
                            value: condition.origin.value,
                            pointer: None,
                        },
                        condition: Some(u32::try_from(node.conditions.len()).unwrap_or(u32::MAX)),
                    });
                    node.conditions.push(condition);
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

    match &*type_name {
        "loop" => match tree.get(value, "max_iterations") {
            Some(m) => match tree.as_u64(m).filter(|&n| n > 0) {
                Some(n) => node.max_iterations = Some(n),
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
        "transfer" => node.queue = r.external(value, "queue", id, "the queue calls are transferred to").map(Box::new),
        "transfer_flow" => node.flow = r.external(value, "flow", id, "the flow calls are transferred to").map(Box::new),
        _ => {}
    }
    node.type_name = type_name;
    Some(node)
}

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
    for (key, _, v) in tree.members(cond) {
        let slot = match key {
            "expression" => &mut expression_value,
            "target_id" => &mut target_value,
            "priority" => &mut priority_value,
            _ => continue,
        };
        slot.get_or_insert(v);
    }
    let required = |found: Option<ValueId>, name: &str, what: &str| -> Option<(&str, ValueId)> {
        match found {
            Some(v) => match tree.as_str(v) {
                Some(s) => Some((s, v)),
                None => {
                    r.type_error(v, &format!("`{name}`"), "a string", what);
                    None
                }
            },
            None => {
                r.push(
                    RawDiagnostic::new(
                        Code::SchemaError,
                        loc(tree, cond),
                        format!("a condition of `{node}` has no `{name}`"),
                        what.to_owned(),
                    )
                    .node(node),
                );
                None
            }
        }
    };
    let expression = required(
        expression_value,
        "expression",
        "give the condition an `expression`, for example \"Call.Language == \\\"es\\\"\"",
    );
    let target = required(
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

    fn external(
        &self,
        node_value: ValueId,
        field: &str,
        node: &str,
        what: &str,
    ) -> Option<ExternalTarget> {
        match self.tree.get(node_value, field) {
            Some(v) => match self.tree.as_str(v) {
                Some(s) if !s.trim().is_empty() => Some(ExternalTarget {
                    name: s.to_owned(),
                    origin: Origin::value(v),
                    is_expression: false,
                }),
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
