//! Applies a [`FlattenPlan`] to a flow JSON document by textual patches at the byte spans of
//! its syntax tree: everything the plan does not name stays byte-for-byte identical.

use super::plan::{FlattenPlan, FlattenedDecision};
use crate::syntax::{SyntaxTree, ValueId, ValueKind};

/// A replacement of `start..end` by `text`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The whitespace at the start of the line holding byte `at`.
fn indent_at(source: &str, at: usize) -> String {
    let line_start = source
        .get(..at)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    source
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn conditions_text(d: &FlattenedDecision, indent: &str) -> String {
    if d.conditions.is_empty() {
        return "[]".into();
    }
    let items: Vec<String> = d
        .conditions
        .iter()
        .map(|c| {
            format!(
                "{indent}  {{\"expression\": {}, \"priority\": {}, \"target_id\": {}}}",
                json_string(&c.expression),
                c.priority,
                json_string(&c.target)
            )
        })
        .collect();
    format!("[\n{}\n{indent}]", items.join(",\n"))
}

/// Finds the node objects: (id, key span start or value start, value).
fn node_entries(tree: &SyntaxTree) -> Vec<(String, usize, ValueId)> {
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    let Some(nodes) = tree.get(root, "nodes") else {
        return Vec::new();
    };
    match tree.kind(nodes) {
        ValueKind::Object => tree
            .members(nodes)
            .map(|(k, (ks, _), v)| (k.to_owned(), ks as usize, v))
            .collect(),
        ValueKind::Array => tree
            .children(nodes)
            .filter_map(|v| {
                let id = tree.get(v, "id").and_then(|i| tree.as_str(i))?;
                Some((id.to_owned(), tree.span(v).0 as usize, v))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The flattened document. Nodes the plan does not mention are untouched; removed nodes are
/// deleted with their separating comma.
pub fn apply(tree: &SyntaxTree, plan: &FlattenPlan) -> String {
    let source = tree.source();
    let entries = node_entries(tree);
    let mut edits: Vec<Edit> = Vec::new();
    for d in &plan.decisions {
        // The first node with the id is the one the model uses.
        let Some(&(_, _, node)) = entries.iter().find(|(id, _, _)| *id == d.node_id) else {
            continue;
        };
        edit_decision(tree, node, d, &mut edits);
    }
    let removed = plan.removed_nodes();
    let gone: Vec<bool> = entries
        .iter()
        .map(|(id, _, _)| removed.binary_search(id).is_ok())
        .collect();
    // Delete removed members: a leading run up to the next kept member's start; any other
    // from the end of the previous member to its own end (taking the comma before it).
    let first_kept = gone.iter().position(|g| !g);
    for (i, (_, start, v)) in entries.iter().enumerate() {
        if !gone[i] {
            continue;
        }
        let end = tree.span(*v).1 as usize;
        match first_kept {
            Some(fk) if i < fk => edits.push(Edit {
                start: *start,
                end: entries[fk].1,
                text: String::new(),
            }),
            Some(_) => edits.push(Edit {
                start: tree.span(entries[i - 1].2).1 as usize,
                end,
                text: String::new(),
            }),
            None => {
                // Everything goes: delete from the first member to the last one's end.
                if i == 0
                    && let Some(last) = entries.last()
                {
                    edits.push(Edit {
                        start: *start,
                        end: tree.span(last.2).1 as usize,
                        text: String::new(),
                    });
                }
            }
        }
    }
    // Descending start: the complement of the start is an ascending key.
    crate::graph::order::sort_by_key(&mut edits, |e| !(e.start as u64));
    let mut out = source.to_owned();
    let mut floor = usize::MAX;
    for e in edits {
        // Edits never overlap by construction; skip defensively if one would.
        if e.end > floor || e.start > e.end || e.end > out.len() {
            continue;
        }
        if !out.is_char_boundary(e.start) || !out.is_char_boundary(e.end) {
            continue;
        }
        out.replace_range(e.start..e.end, &e.text);
        floor = e.start;
    }
    out
}

fn edit_decision(tree: &SyntaxTree, node: ValueId, d: &FlattenedDecision, edits: &mut Vec<Edit>) {
    let source = tree.source();
    let (node_start, _) = tree.span(node);
    let member_indent = tree
        .members(node)
        .next()
        .map(|(_, (ks, _), _)| indent_at(source, ks as usize))
        .unwrap_or_default();
    match tree.get(node, "conditions") {
        Some(c) => {
            let (s, e) = tree.span(c);
            edits.push(Edit {
                start: s as usize,
                end: e as usize,
                text: conditions_text(d, &member_indent),
            });
        }
        None => edits.push(Edit {
            start: node_start as usize + 1,
            end: node_start as usize + 1,
            text: format!("\"conditions\": {}, ", conditions_text(d, &member_indent)),
        }),
    }
    let Some(target) = &d.default_target else {
        return;
    };
    let transitions = tree.get(node, "transitions");
    let default = transitions.and_then(|t| tree.get(t, "default"));
    match (transitions, default) {
        (_, Some(v)) => {
            let current: Vec<&str> = match tree.kind(v) {
                ValueKind::Array => tree.children(v).filter_map(|c| tree.as_str(c)).collect(),
                _ => tree.as_str(v).into_iter().collect(),
            };
            if current != [target.as_str()] {
                let (s, e) = tree.span(v);
                let text = if tree.kind(v) == ValueKind::String {
                    json_string(target)
                } else {
                    format!("[{}]", json_string(target))
                };
                edits.push(Edit {
                    start: s as usize,
                    end: e as usize,
                    text,
                });
            }
        }
        (Some(t), None) if tree.kind(t) == ValueKind::Object => {
            let (s, _) = tree.span(t);
            let sep = if tree.members(t).next().is_some() {
                ", "
            } else {
                ""
            };
            edits.push(Edit {
                start: s as usize + 1,
                end: s as usize + 1,
                text: format!("\"default\": [{}]{sep}", json_string(target)),
            });
        }
        _ => edits.push(Edit {
            start: node_start as usize + 1,
            end: node_start as usize + 1,
            text: format!(
                "\"transitions\": {{\"default\": [{}]}}, ",
                json_string(target)
            ),
        }),
    }
}
