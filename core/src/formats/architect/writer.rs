//! Write-back of a flattening plan into Architect configuration JSON.
//!
//! The configuration format is undocumented, so the writer changes as little as it can and
//! refuses what it cannot express faithfully: it patches the original text by byte spans
//! (every byte it does not change stays identical) and only ever
//! * points a DecisionAction's `__YES__` / `__NO__` path at a different action (replacing,
//!   adding or removing the path's `nextActionId`), and
//! * deletes actions the plan removes from their `actionList`.
//!
//! Refused (reported as FG046 not-flattened, the decision left as it was):
//! * more than one condition (a DecisionAction holds exactly one expression; a multi-way
//!   switch would need a `SwitchAction`, whose encoding no real document confirms);
//! * a condition whose text differs from the decision's current expression (Architect stores
//!   the expression as a parsed tree, `expression.config`, that flowguard cannot regenerate);
//! * a target that is not an action of the decision's own sequence;
//! * removing an action that continues (`nextAction`) somewhere other than the decision does,
//!   since its branches would then continue elsewhere, or that anything but the decision
//!   still names.

use crate::diagnostic::{Code, Location, RawDiagnostic, Severity};
use crate::formats::loc;
use crate::formats::plan::{FlattenPlan, FlattenedDecision};
use crate::syntax::{SyntaxTree, ValueId, ValueKind, json};

/// The patched text (when the input could be read) and why any decision was not written.
#[derive(Debug)]
pub struct WriteResult {
    pub text: Option<String>,
    pub diagnostics: Vec<RawDiagnostic>,
}

struct Patch {
    start: u32,
    end: u32,
    text: String,
}

/// Where an action lives: its object, the `actionList` array holding it (if any) and the
/// sequence item.
#[derive(Clone, Copy)]
struct Found {
    action: ValueId,
    list: Option<ValueId>,
    sequence: ValueId,
}

/// Applies `plan` to the configuration JSON `text`. An empty plan returns `text` unchanged.
pub fn write(text: &str, plan: &FlattenPlan) -> WriteResult {
    if plan.decisions.is_empty() {
        return WriteResult {
            text: Some(text.to_owned()),
            diagnostics: Vec::new(),
        };
    }
    let parsed = json::parse(text);
    if let Some(err) = parsed.error {
        return WriteResult {
            text: None,
            diagnostics: vec![RawDiagnostic::new(
                Code::SyntaxError,
                Location {
                    pointer: String::new(),
                    range: Some((err.start, err.end)),
                },
                format!("invalid JSON: {}", err.message),
                err.help,
            )],
        };
    }
    let tree = &parsed.tree;
    let mut diagnostics = Vec::new();
    let mut patches: Vec<Patch> = Vec::new();
    for decision in &plan.decisions {
        match plan_decision(tree, decision) {
            Ok(mut p) => {
                // Decisions are independent, but two must never touch the same bytes.
                let overlaps = p.iter().any(|a| {
                    patches.iter().any(|b| {
                        a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
                    })
                });
                if overlaps {
                    diagnostics.push(refusal(
                        tree,
                        None,
                        &decision.node_id,
                        "its changes overlap another decision's in the document".to_owned(),
                    ));
                } else {
                    patches.append(&mut p);
                }
            }
            Err((at, why)) => diagnostics.push(refusal(tree, at, &decision.node_id, why)),
        }
    }
    // (start, end) packed into one u64 key: the same order as the tuple.
    crate::graph::order::sort_by_key(&mut patches, |p| {
        (u64::from(p.start) << 32) | u64::from(p.end)
    });
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for p in &patches {
        out.push_str(text.get(at..p.start as usize).unwrap_or(""));
        out.push_str(&p.text);
        at = p.end as usize;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    WriteResult {
        text: Some(out),
        diagnostics,
    }
}

fn refusal(tree: &SyntaxTree, at: Option<ValueId>, node: &str, why: String) -> RawDiagnostic {
    RawDiagnostic::new(
        Code::NotFlattened,
        at.map(|v| loc(tree, v)).unwrap_or_default(),
        format!("decision `{node}` was not written back to the Architect configuration: {why}"),
        "flatten this decision in Archy YAML (or in Architect) instead; the configuration JSON is undocumented, so flowguard only changes what it can express exactly",
    )
    .node(node)
    .severity(Severity::Warning)
}

/// Every action with an `id`, with where it lives.
fn find_action(tree: &SyntaxTree, id: &str) -> Option<Found> {
    let root = tree.root()?;
    let list = tree.get(root, "flowSequenceItemList")?;
    for seq in tree.children(list) {
        if let Some(actions) = tree.get(seq, "actionList") {
            for a in tree.children(actions) {
                if tree.get(a, "id").and_then(|v| tree.as_str(v)) == Some(id) {
                    return Some(Found {
                        action: a,
                        list: Some(actions),
                        sequence: seq,
                    });
                }
            }
        }
        if let Some(choices) = tree.get(seq, "menuChoiceList") {
            for c in tree.children(choices) {
                if let Some(a) = tree.get(c, "action")
                    && tree.get(a, "id").and_then(|v| tree.as_str(v)) == Some(id)
                {
                    return Some(Found {
                        action: a,
                        list: None,
                        sequence: seq,
                    });
                }
            }
        }
    }
    None
}

fn str_of<'t>(tree: &'t SyntaxTree, v: ValueId, key: &str) -> Option<&'t str> {
    tree.get(v, key).and_then(|x| tree.as_str(x))
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

type Refused = (Option<ValueId>, String);

fn plan_decision(tree: &SyntaxTree, d: &FlattenedDecision) -> Result<Vec<Patch>, Refused> {
    let found = find_action(tree, &d.node_id).ok_or((
        None,
        "no action with this id exists in the document".to_owned(),
    ))?;
    let action = found.action;
    if str_of(tree, action, "__type") != Some("DecisionAction") {
        return Err((Some(action), "it is not a DecisionAction".to_owned()));
    }
    let [condition] = d.conditions.as_slice() else {
        return Err((
            Some(action),
            format!(
                "it has {} conditions; a DecisionAction holds exactly one, and the encoding of a multi-way switch in configuration JSON is not confirmed",
                d.conditions.len()
            ),
        ));
    };
    let current = tree
        .get(action, "expression")
        .and_then(|e| str_of(tree, e, "text"))
        .unwrap_or("");
    if normalize(current) != normalize(&condition.expression) {
        return Err((
            Some(action),
            "its condition text changed, and Architect stores expressions as a parsed tree (`expression.config`) that flowguard cannot regenerate faithfully".to_owned(),
        ));
    }
    let next = str_of(tree, action, "nextAction");
    let mut patches = Vec::new();
    let paths = tree
        .get(action, "paths")
        .filter(|p| tree.kind(*p) == ValueKind::Array)
        .ok_or((Some(action), "it has no `paths`".to_owned()))?;
    let mut targets = vec![("__YES__", condition.target.as_str())];
    if let Some(t) = &d.default_target {
        targets.push(("__NO__", t.as_str()));
    }
    for (output, target) in targets {
        let path = tree
            .children(paths)
            .find(|p| str_of(tree, *p, "outputId") == Some(output))
            .ok_or((Some(paths), format!("it has no `{output}` path")))?;
        // "Continue after the decision" is an empty branch: a path without nextActionId.
        let continues = Some(target) == next || target.ends_with("/end");
        if !continues {
            let t = find_action(tree, target).ok_or((
                Some(path),
                format!("the target `{target}` is not an action of this document"),
            ))?;
            if t.sequence != found.sequence || t.list.is_none() {
                return Err((
                    Some(path),
                    format!(
                        "the target `{target}` is not an action of the decision's own task or state"
                    ),
                ));
            }
        }
        let current = tree.get(path, "nextActionId");
        match (current, continues) {
            (Some(v), false) if tree.as_str(v) != Some(target) => {
                let (s, e) = tree.span(v);
                patches.push(Patch {
                    start: s,
                    end: e,
                    text: json_string(target),
                });
            }
            (Some(_), false) => {}
            (None, false) => {
                let (s, _) = tree.span(path);
                let sep = if tree.children(path).len() > 0 {
                    ","
                } else {
                    ""
                };
                patches.push(Patch {
                    start: s + 1,
                    end: s + 1,
                    text: format!("\"nextActionId\":{}{sep}", json_string(target)),
                });
            }
            (Some(v), true) => patches.push(remove_member(tree, path, v)?),
            (None, true) => {}
        }
    }
    for removed in &d.removed_nodes {
        let r = find_action(tree, removed).ok_or((
            Some(action),
            format!("the removed node `{removed}` is not an action of this document"),
        ))?;
        let list = r.list.ok_or((
            Some(r.action),
            format!("the removed node `{removed}` is a menu choice, not an action of a task"),
        ))?;
        // Only its own `id` and this decision's paths (rewritten here) may name it.
        let quoted = json_string(removed);
        let mentions = tree.source().matches(quoted.as_str()).count();
        let from_decision = tree
            .children(paths)
            .filter(|p| str_of(tree, *p, "nextActionId") == Some(removed.as_str()))
            .count();
        if mentions > 1 + from_decision {
            return Err((
                Some(r.action),
                format!(
                    "the removed node `{removed}` is still referenced elsewhere in the document"
                ),
            ));
        }
        if str_of(tree, r.action, "nextAction").is_some_and(|n| Some(n) != next) {
            return Err((
                Some(r.action),
                format!(
                    "the removed node `{removed}` continues to a different action than the decision, so its branches would change where they continue"
                ),
            ));
        }
        patches.push(remove_element(tree, list, r.action));
    }
    Ok(patches)
}

/// Deletes a member (key and value) from an object, with one adjacent comma.
fn remove_member(tree: &SyntaxTree, obj: ValueId, value: ValueId) -> Result<Patch, Refused> {
    let members: Vec<((u32, u32), ValueId)> =
        tree.members(obj).map(|(_, span, v)| (span, v)).collect();
    let i = members
        .iter()
        .position(|(_, v)| *v == value)
        .ok_or((Some(obj), "internal: member not found".to_owned()))?;
    let start = members[i].0.0;
    let end = tree.span(value).1;
    Ok(cut(tree, obj, start, end, i, members.len(), |k| {
        members.get(k).map(|m| (m.0.0, tree.span(m.1).1))
    }))
}

/// Deletes an element from an array, with one adjacent comma.
fn remove_element(tree: &SyntaxTree, list: ValueId, element: ValueId) -> Patch {
    let items: Vec<ValueId> = tree.children(list).collect();
    let i = items.iter().position(|v| *v == element).unwrap_or(0);
    let (start, end) = tree.span(element);
    cut(tree, list, start, end, i, items.len(), |k| {
        items.get(k).map(|v| tree.span(*v))
    })
}

/// The patch removing item `i` of `n` (spanning `start..end`) from a container: from the end
/// of the previous item (taking its comma), or, for the first item, up to the next one.
fn cut(
    tree: &SyntaxTree,
    container: ValueId,
    start: u32,
    end: u32,
    i: usize,
    n: usize,
    span_of: impl Fn(usize) -> Option<(u32, u32)>,
) -> Patch {
    let (cs, ce) = tree.span(container);
    let (s, e) = if i > 0 {
        (span_of(i - 1).map_or(start, |p| p.1), end)
    } else if n > 1 {
        (start, span_of(1).map_or(end, |p| p.0))
    } else {
        // The only item: empty the container between its brackets.
        (cs + 1, ce.saturating_sub(1).max(cs + 1))
    };
    Patch {
        start: s,
        end: e,
        text: String::new(),
    }
}
