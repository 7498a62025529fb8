//! Write-back of a flattening plan into Archy YAML.
//!
//! A flattened decision tree becomes one `switch` with `evaluate: firstTrue:`, its `cases`
//! in the certified order and a `default`, written where the tree's root action was. The
//! root's list item is the only text replaced; every other byte (comments, key order,
//! quoting, line endings, `{{placeholders}}`) stays as it is, and an empty plan returns the
//! input unchanged.
//!
//! Each case's actions are the actions its target runs in the original: the target's list
//! from the target on, then the rest of every enclosing list up to the root, copied from the
//! source with their indentation re-based. In the original those run and then continue after
//! the root; after the rewrite a case's actions run and continue after the switch, which is
//! the same place. A target that is the root's continuation itself gives a case without
//! actions.
//!
//! Refused (FG046 warning; that decision is left as it was, the others are still written):
//! * a target that is neither inside the tree's text nor the root's continuation, or that
//!   is reached through a loop body inside the tree;
//! * copying an action twice when it holds a `refId`;
//! * a root with settings besides `name` and its branches, in a flow-style list, or whose
//!   flattened list has no condition;
//! * a rewrite that does not read back as the same flow: after writing, the output is read
//!   again, every part outside the rewritten items must read as before, the switch's
//!   conditions must read back as the plan's texts, every case must run the same actions as
//!   its target (followed node by node through the re-read graph), no error may be added,
//!   and the certificate must hold again for the switch as read back.

use rustc_hash::FxHashMap;

use crate::diagnostic::{Code, RawDiagnostic, Severity};
use crate::formats::plan::{FlattenPlan, FlattenedDecision, PlannedCondition};
use crate::formats::{ReadResult, loc, read};
use crate::model::{Flow, InputFormat};
use crate::syntax::{SyntaxTree, ValueId, ValueKind};

/// The written text and the decisions that were not written (each with an FG046).
#[derive(Debug)]
pub struct WriteResult {
    pub text: String,
    /// `(decision id, why)` for every decision left as it was.
    pub refused: Vec<(String, String)>,
    pub diagnostics: Vec<RawDiagnostic>,
}

/// One decision ready to be written: its root item and the replacement text.
struct Edit<'p> {
    decision: &'p FlattenedDecision,
    item: ValueId,
    start: usize,
    end: usize,
    text: String,
}

/// Where control is: at an action item, or at the end of a container (task, state, ...).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Item(ValueId),
    End(ValueId),
}

/// What the writer asks of the analysis above it when it checks its output. The caller
/// supplies it, so the formats depend on no analysis (layers point down; ARCHITECTURE.md).
pub trait Recheck {
    /// The errors of a read document (its reader's and the graph checks'), counted by code.
    fn error_counts(&self, read: &ReadResult) -> Vec<(&'static str, usize)>;
    /// The decisions the tree rooted at `node_id` absorbed.
    fn inlined(&self, node_id: &str) -> &[String];
    /// Whether `decision`, its conditions and targets as read back from the output, routes
    /// every call as the original tree at `decision.node_id` (with `inlined`) did; why not.
    fn certify(
        &self,
        original: &Flow,
        decision: &FlattenedDecision,
        inlined: &[String],
    ) -> Result<(), String>;
}

/// Applies `plan` to the Archy YAML `text`, checking what it wrote with `recheck`.
pub fn write(text: &str, plan: &FlattenPlan, recheck: &dyn Recheck) -> WriteResult {
    let mut result = WriteResult {
        text: text.to_owned(),
        refused: Vec::new(),
        diagnostics: Vec::new(),
    };
    if plan.decisions.is_empty() {
        return result;
    }
    let orig = read(text, InputFormat::Archy);
    let refuse = |d: &FlattenedDecision, at: Option<ValueId>, why: String, r: &mut WriteResult| {
        r.diagnostics.push(
            RawDiagnostic::new(
                Code::NotFlattened,
                at.map(|v| loc(&orig.flow.tree, v)).unwrap_or_default(),
                format!("decision `{}` was left as it was: writing it into Archy YAML was refused: {why}", d.node_id),
                "nothing to do: the flow works as before; rewrite the tree by hand, or flatten the parts that can be written",
            )
            .node(&d.node_id)
            .severity(Severity::Warning),
        );
        r.refused.push((d.node_id.clone(), why));
    };
    if orig.fatal {
        for d in &plan.decisions {
            refuse(
                d,
                None,
                "the document does not read as Archy YAML".into(),
                &mut result,
            );
        }
        return result;
    }
    let flow = &orig.flow;
    let ids = id_index(flow);
    let mut edits: Vec<Edit<'_>> = Vec::new();
    for d in &plan.decisions {
        match prepare(flow, &ids, d, recheck.inlined(&d.node_id)) {
            Ok(e) if edits.iter().any(|o| e.start < o.end && o.start < e.end) => refuse(
                d,
                Some(e.item),
                "it lies inside another decision that is rewritten; flatten the result again"
                    .into(),
                &mut result,
            ),
            Ok(e) => edits.push(e),
            Err((at, why)) => refuse(d, at, why, &mut result),
        }
    }
    crate::graph::order::sort_by_key(&mut edits, |e| e.start as u64);
    let before = recheck.error_counts(&orig);
    // All together first; a decision whose switch does not check out is dropped and the rest
    // tried again. When the document as a whole does not (it no longer reads, gains an
    // error), the decisions are added one at a time instead, each kept only if it checks out.
    let mut one_by_one = false;
    let mut accepted: Vec<Edit<'_>> = Vec::new();
    while !edits.is_empty() {
        let (trial, rest) = if one_by_one {
            let next = edits.remove(0);
            let mut t = std::mem::take(&mut accepted);
            t.push(next);
            (t, None)
        } else {
            (std::mem::take(&mut edits), Some(()))
        };
        let out = apply(text, &trial);
        match verify(&orig, &ids, &before, &out, &trial, recheck) {
            Ok(()) => {
                accepted = trial;
                if rest.is_some() {
                    break;
                }
            }
            Err(Failure::Some(failed)) => {
                let mut keep = Vec::new();
                for (k, e) in trial.into_iter().enumerate() {
                    match failed.iter().find(|(i, _)| *i == k) {
                        Some((_, why)) => {
                            refuse(e.decision, Some(e.item), why.clone(), &mut result)
                        }
                        None => keep.push(e),
                    }
                }
                if one_by_one {
                    // Only the last one was new; the others were accepted before.
                    accepted = keep;
                } else {
                    edits = keep;
                }
            }
            Err(Failure::Whole(why)) if one_by_one => {
                let mut trial = trial;
                if let Some(e) = trial.pop() {
                    refuse(e.decision, Some(e.item), why, &mut result);
                }
                accepted = trial;
            }
            Err(Failure::Whole(_)) => {
                one_by_one = true;
                edits = trial;
            }
        }
    }
    result.text = apply(text, &accepted);
    result
}

/// The first node of each id.
fn id_index(flow: &Flow) -> FxHashMap<&str, usize> {
    let mut ids: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, n) in flow.nodes.iter().enumerate() {
        ids.entry(flow.id_of(n)).or_insert(i);
    }
    ids
}

type Refusal = (Option<ValueId>, String);

/// Checks that the tree can be written and builds the switch text.
fn prepare<'p>(
    flow: &Flow,
    ids: &FxHashMap<&str, usize>,
    d: &'p FlattenedDecision,
    inlined: &[String],
) -> Result<Edit<'p>, Refusal> {
    let tree = &flow.tree;
    let src = tree.source();
    let node = ids
        .get(d.node_id.as_str())
        .map(|&i| &flow.nodes[i])
        .filter(|n| matches!(&*n.type_name, "decision" | "switch"));
    let (node, item) = node
        .and_then(|n| Some((n, n.origin.value?)))
        .filter(|&(_, v)| is_action_item(tree, v))
        .ok_or((None, "it is not a `decision` or `switch` action".to_owned()))?;
    let at = Some(item);
    let (start, end) = extent(src, tree, item);
    let line_start = src
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    if src.get(line_start..start).map(str::trim) != Some("-") {
        return Err((
            at,
            "it is not an item of a block list (`- decision:` on its own line)".into(),
        ));
    }
    let body = tree
        .members(item)
        .next()
        .map(|(_, _, b)| b)
        .filter(|&b| tree.kind(b) == ValueKind::Object)
        .ok_or((at, "it has no settings".to_owned()))?;
    let allowed: &[&str] = if node.type_name == "decision" {
        &["name", "condition", "outputs"]
    } else {
        &["name", "evaluate"]
    };
    if let Some((k, _, _)) = tree.members(body).find(|(k, _, _)| !allowed.contains(k)) {
        return Err((
            at,
            format!("it has a setting `{k}` the switch would not keep"),
        ));
    }
    // A `firstMatch` switch compares its value with each case; the reader models that as
    // `value == case`, which no document confirms Architect evaluates the same way.
    let first_match = [d.node_id.as_str()]
        .into_iter()
        .chain(inlined.iter().map(String::as_str))
        .filter_map(|id| ids.get(id).and_then(|&i| flow.nodes[i].origin.value))
        .filter_map(|v| tree.members(v).next())
        .filter_map(|(_, _, b)| tree.get(b, "evaluate"))
        .any(|e| tree.get(e, "firstMatch").is_some());
    if first_match {
        return Err((at, "a `firstMatch` switch in the tree would become `==` conditions, which is not known to match the same way".into()));
    }
    if d.conditions.is_empty() {
        return Err((
            at,
            "the flattened decision has no condition left, and a switch needs one".into(),
        ));
    }
    let default = d
        .default_target
        .as_deref()
        .ok_or((at, "the flattened decision has no default".to_owned()))?;
    let cont = continuation(tree, item);
    // The copied actions of every case, then of the default.
    let mut copies: Vec<Vec<ValueId>> = Vec::with_capacity(d.conditions.len() + 1);
    for target in d
        .conditions
        .iter()
        .map(|c| c.target.as_str())
        .chain([default])
    {
        let n = ids
            .get(target)
            .map(|&i| &flow.nodes[i])
            .ok_or((at, format!("its target `{target}` is not in the flow")))?;
        let place = match n.origin.value {
            Some(v) if is_action_item(tree, v) => Some(Place::Item(v)),
            Some(v) if n.kind == crate::model::NodeKind::End && flow.id_of(n).ends_with("/end") => {
                Some(Place::End(v))
            }
            _ => None,
        };
        if place.is_some() && place == cont {
            copies.push(Vec::new());
            continue;
        }
        let Some(Place::Item(v)) = place else {
            return Err((
                at,
                format!("its target `{target}` is not an action inside the tree"),
            ));
        };
        copies.push(
            run_of(tree, v, item).map_err(|why| (at, format!("its target `{target}` {why}")))?,
        );
    }
    // An action copied into two places must not hold anything that has to be unique.
    let mut all: Vec<ValueId> = copies.iter().flatten().copied().collect();
    crate::graph::order::sort_by_key(&mut all, |v| u64::from(v.0));
    for w in all.windows(2) {
        if w[0] == w[1] && holds_key(tree, w[0], "refId") {
            return Err((
                at,
                "it would copy an action holding a `refId` into two cases".into(),
            ));
        }
    }
    let text = switch_text(src, tree, body, start, end, &d.conditions, &copies)
        .ok_or((at, "the actions to copy cannot be re-indented".to_owned()))?;
    if text.len() > 8 * (end - start) + 4096 {
        return Err((at, "copying the actions each case runs would make the switch more than 8 times as long as the tree".into()));
    }
    Ok(Edit {
        decision: d,
        item,
        start,
        end,
        text,
    })
}

/// Whether `v` is an element of an action list.
fn is_action_item(tree: &SyntaxTree, v: ValueId) -> bool {
    tree.parent(v).is_some_and(|l| is_action_list(tree, l))
}

fn is_action_list(tree: &SyntaxTree, l: ValueId) -> bool {
    tree.kind(l) == ValueKind::Array
        && matches!(tree.key_of(l), Some(("actions" | "startUpTaskActions", _)))
}

/// The action item whose output holds the list `l`, or `None` at the top of a container.
fn owner(tree: &SyntaxTree, l: ValueId) -> Option<ValueId> {
    if matches!(tree.key_of(l), Some(("startUpTaskActions", _))) {
        return None;
    }
    let mut v = tree.parent(l)?;
    loop {
        if is_action_item(tree, v) {
            return Some(v);
        }
        v = tree.parent(v)?;
    }
}

fn is_loop(tree: &SyntaxTree, item: ValueId) -> bool {
    matches!(tree.members(item).next(), Some(("loop", _, _)))
}

/// Where control goes after the action item `item` (as the reader has it).
fn continuation(tree: &SyntaxTree, item: ValueId) -> Option<Place> {
    let mut cur = item;
    loop {
        let list = tree.parent(cur)?;
        let k = tree.children(list).position(|c| c == cur)?;
        if let Some(next) = tree.children(list).nth(k + 1) {
            return Some(Place::Item(next));
        }
        match owner(tree, list) {
            Some(x) if is_loop(tree, x) => return Some(Place::Item(x)),
            Some(x) => cur = x,
            None if matches!(tree.key_of(list), Some(("startUpTaskActions", _))) => {
                return Some(Place::End(list));
            }
            None => return tree.parent(list).map(Place::End),
        }
    }
}

/// The actions that run from `target` until control leaves the tree rooted at `root`: the
/// rest of the target's list, then the rest of each enclosing list below the root.
fn run_of(tree: &SyntaxTree, target: ValueId, root: ValueId) -> Result<Vec<ValueId>, String> {
    let mut out = Vec::new();
    let mut cur = target;
    let mut skip = 0;
    loop {
        let list = tree.parent(cur).filter(|&l| is_action_list(tree, l));
        let Some(list) = list else {
            return Err("is not an action in a list".into());
        };
        let Some(k) = tree.children(list).position(|c| c == cur) else {
            return Err("is not an action in a list".into());
        };
        out.extend(tree.children(list).skip(k + skip));
        skip = 1;
        match owner(tree, list) {
            Some(x) if x == root => return Ok(out),
            Some(x) if is_loop(tree, x) => return Err("is inside a loop in the tree".into()),
            Some(x) => cur = x,
            None => return Err("is not inside the tree and is not where the tree continues".into()),
        }
    }
}

/// Whether a value holds a mapping key `key` anywhere inside.
fn holds_key(tree: &SyntaxTree, v: ValueId, key: &str) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        if tree.members(v).any(|(k, _, _)| k == key) {
            return true;
        }
        stack.extend(tree.children(v));
    }
    false
}

/// The byte range of a value's text. For an item of a block list (`- ` before it on its
/// line) that is its first line and every following line indented deeper than the `-`
/// (comment lines there too; shallower comment lines are skipped, and the first shallower
/// line with content ends it): spans end at the start of the next token after a block
/// scalar, and at the key for an empty last value (`- disconnect:`), so they cannot say
/// where an item's text ends. Any other value: its span.
fn extent(src: &str, tree: &SyntaxTree, v: ValueId) -> (usize, usize) {
    let (s, e) = tree.span(v);
    let s = s as usize;
    let line_start = src
        .get(..s)
        .and_then(|x| x.rfind('\n'))
        .map_or(0, |i| i + 1);
    let prefix = src.get(line_start..s).unwrap_or("");
    if prefix.trim() != "-" {
        return (s, e as usize);
    }
    let dash = prefix.len() - prefix.trim_start().len();
    let mut end = s;
    let mut at = s;
    let mut first = true;
    while at < src.len() {
        let rest = src.get(at..).unwrap_or("");
        let len = rest.find('\n').unwrap_or(rest.len());
        let content = rest.get(..len).unwrap_or("").trim_end_matches('\r');
        let text = content.trim_start();
        let indent = content.len() - text.len();
        if first || (!text.is_empty() && indent > dash) {
            end = at + content.len();
        } else if !text.is_empty() && !text.starts_with('#') {
            break;
        }
        first = false;
        at += len + 1;
    }
    (s, end)
}

/// The column (in characters) of byte `at`.
fn column(src: &str, at: usize) -> usize {
    let line = src.get(..at).unwrap_or("");
    let from = line.rfind('\n').map_or(0, |i| i + 1);
    line.get(from..).map_or(0, |s| s.chars().count())
}

/// The source text of a value, with its lines after the first moved to start `to` columns
/// in instead of where the value starts. `None` when a line has too little indentation.
fn rebased(src: &str, (s, e): (usize, usize), to: usize) -> Option<String> {
    let text = src.get(s..e)?;
    let from = column(src, s);
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            let lead = line.len() - line.trim_start_matches(' ').len();
            if to >= from {
                if !line.is_empty() && line != "\r" {
                    out.extend(std::iter::repeat_n(' ', to - from));
                }
            } else if lead >= from - to {
                out.push_str(line.get(from - to..)?);
                continue;
            } else if line.trim().is_empty() || line.trim_start().starts_with('#') {
                out.push_str(line.get(lead..)?);
                continue;
            } else {
                return None;
            }
        }
        out.push_str(line);
    }
    Some(out)
}

/// Appends a new line holding `content` at column `col` (no line break first when the text
/// already ends with one).
fn line(out: &mut String, nl: &str, col: usize, content: &str) {
    if !out.ends_with('\n') {
        out.push_str(nl);
    }
    out.extend(std::iter::repeat_n(' ', col));
    out.push_str(content);
}

/// The `switch:` item text that replaces the root item `start..end`.
fn switch_text(
    src: &str,
    tree: &SyntaxTree,
    body: ValueId,
    start: usize,
    end: usize,
    conditions: &[PlannedCondition],
    copies: &[Vec<ValueId>],
) -> Option<String> {
    let first_break = src.get(start..)?.find('\n').map(|i| start + i);
    let nl = match first_break {
        Some(i) if i > 0 && src.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    };
    let c = column(src, start);
    // The root's own indentation step, else two spaces.
    let step = tree
        .members(body)
        .next()
        .map(|(_, (ks, _), _)| (ks as usize, column(src, ks as usize)))
        .filter(|&(ks, k)| k > c && first_break.is_some_and(|b| ks > b))
        .map_or(2, |(_, k)| k - c);
    let b = c + step;
    let mut out = String::from("switch:");
    if let Some(name) = tree.get(body, "name") {
        let (s, e) = tree.span(name);
        let text = rebased(src, (s as usize, e as usize), b + step)?;
        line(&mut out, nl, b, "name: ");
        out.push_str(&text);
    }
    line(&mut out, nl, b, "evaluate:");
    line(&mut out, nl, b + step, "firstTrue:");
    let actions = |out: &mut String, col: usize, items: &[ValueId]| -> Option<()> {
        line(out, nl, col, "actions:");
        for &it in items {
            let text = rebased(src, extent(src, tree, it), col + step + 2)?;
            line(out, nl, col + step, "- ");
            out.push_str(&text);
        }
        Some(())
    };
    let default = copies.last().map_or(&[][..], Vec::as_slice);
    if !default.is_empty() {
        line(&mut out, nl, b + 2 * step, "default:");
        actions(&mut out, b + 3 * step, default)?;
    }
    line(&mut out, nl, b + 2 * step, "cases:");
    let case = b + 3 * step + 2 + step;
    for (cond, items) in conditions.iter().zip(copies) {
        line(&mut out, nl, b + 3 * step, "- case:");
        line(&mut out, nl, case, "value:");
        line(&mut out, nl, case + step, "exp: ");
        out.push_str(&yaml_scalar(&cond.expression));
        if !items.is_empty() {
            actions(&mut out, case, items)?;
        }
    }
    if src.get(..end).is_some_and(|s| s.ends_with('\n')) && !out.ends_with('\n') {
        out.push_str(nl);
    }
    Some(out)
}

/// A YAML scalar that reads back as exactly `s`: plain when that is safe, else
/// double-quoted.
fn yaml_scalar(s: &str) -> String {
    let word = ["true", "false", "null", "~"]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w));
    let plain = !s.is_empty()
        && s.trim() == s
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(char::is_control)
        && !word
        && s.parse::<f64>().is_err();
    if plain {
        return s.to_owned();
    }
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for ch in s.chars() {
        match ch {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() => q.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// The text with every edit applied (edits are sorted and do not overlap).
fn apply(text: &str, edits: &[Edit<'_>]) -> String {
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for e in edits {
        out.push_str(text.get(at..e.start).unwrap_or(""));
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

enum Failure {
    /// These edits (by index) do not check out, with why.
    Some(Vec<(usize, String)>),
    /// The document as a whole does not.
    Whole(String),
}

/// Reads `out` back and checks every edit (see the module documentation).
fn verify(
    orig: &ReadResult,
    orig_ids: &FxHashMap<&str, usize>,
    before: &[(&'static str, usize)],
    out: &str,
    edits: &[Edit<'_>],
    recheck: &dyn Recheck,
) -> Result<(), Failure> {
    let new = read(out, InputFormat::Archy);
    if new.fatal {
        let why = new.diagnostics.first().map_or("", |d| d.message.as_str());
        return Err(Failure::Whole(format!(
            "the rewritten document does not read back ({why})"
        )));
    }
    for (code, n) in recheck.error_counts(&new) {
        if n > before
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0, |&(_, m)| m)
        {
            return Err(Failure::Whole(format!(
                "the rewritten document would have a new {code} error"
            )));
        }
    }
    let (ot, nt) = (&orig.flow.tree, &new.flow.tree);
    let mut replaced: Vec<ValueId> = edits.iter().map(|e| e.item).collect();
    crate::graph::order::sort_by_key(&mut replaced, |v| u64::from(v.0));
    if !same_data(ot, nt, ot.root(), nt.root(), &replaced) {
        return Err(Failure::Whole(
            "the rest of the document would not read as before".into(),
        ));
    }
    let new_ids = id_index(&new.flow);
    let mut failed = Vec::new();
    for (k, e) in edits.iter().enumerate() {
        let checked = check_switch(orig, orig_ids, &new.flow, &new_ids, e).and_then(|mapped| {
            recheck.certify(&orig.flow, &mapped, recheck.inlined(&e.decision.node_id))
        });
        if let Err(why) = checked {
            failed.push((k, why));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Some(failed))
    }
}

/// The re-read switch of `e`, as a decision over the original flow's targets: each case's
/// target is the plan's once the case is shown to run the same actions.
fn check_switch(
    orig: &ReadResult,
    orig_ids: &FxHashMap<&str, usize>,
    new: &Flow,
    new_ids: &FxHashMap<&str, usize>,
    e: &Edit<'_>,
) -> Result<FlattenedDecision, String> {
    let d = e.decision;
    let ot = &orig.flow.tree;
    let item = new.tree.resolve_pointer(&ot.pointer(e.item));
    let node = new_ids
        .get(d.node_id.as_str())
        .map(|&i| &new.nodes[i])
        .filter(|n| n.type_name == "switch" && n.origin.value.is_some() && n.origin.value == item)
        .ok_or("the switch does not read back in the decision's place")?;
    if node.conditions.len() != d.conditions.len() {
        return Err("the switch reads back with another number of cases".into());
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut conditions = Vec::with_capacity(d.conditions.len());
    for (k, (got, want)) in node.conditions.iter().zip(&d.conditions).enumerate() {
        if got.expression != want.expression {
            return Err(format!("case {k} reads back as `{}`", got.expression));
        }
        if node
            .conditions
            .get(k + 1)
            .is_some_and(|n| n.priority >= got.priority)
        {
            return Err("the cases do not read back in order".into());
        }
        pairs.push((new.name(got.target), want.target.as_str()));
        conditions.push(PlannedCondition {
            expression: got.expression.clone(),
            priority: want.priority,
            target: want.target.clone(),
        });
    }
    let default = d.default_target.as_deref().unwrap_or("");
    let got = node.default_edge().map_or("", |e| new.name(e.target));
    pairs.push((got, default));
    same_behaviour(&orig.flow, orig_ids, new, new_ids, &d.node_id, pairs)?;
    Ok(FlattenedDecision {
        node_id: d.node_id.clone(),
        conditions,
        default_target: d.default_target.clone(),
        removed_nodes: Vec::new(),
    })
}

/// Follows the re-read graph from each case's target and the original graph from the plan's
/// target side by side: inside the switch, nodes must be the same actions (same data, same
/// edges) and lead to pairs that are again the same; outside it, to the same node.
fn same_behaviour<'a>(
    orig: &'a Flow,
    orig_ids: &FxHashMap<&str, usize>,
    new: &'a Flow,
    new_ids: &FxHashMap<&str, usize>,
    root: &str,
    mut work: Vec<(&'a str, &'a str)>,
) -> Result<(), String> {
    let inside = |id: &str| {
        id.len() > root.len() && id.starts_with(root) && id.as_bytes()[root.len()] == b'/'
    };
    let mut paired: Vec<usize> = vec![usize::MAX; new.nodes.len()];
    while let Some((got, want)) = work.pop() {
        if !inside(got) {
            if got == want {
                continue;
            }
            return Err(format!(
                "a case goes to `{got}` where the tree went to `{want}`"
            ));
        }
        let (Some(&i), Some(&j)) = (new_ids.get(got), orig_ids.get(want)) else {
            return Err(format!("`{got}` has nothing to compare with"));
        };
        match paired[i] {
            p if p == j => continue,
            usize::MAX => paired[i] = j,
            _ => return Err(format!("`{got}` stands for two different actions")),
        }
        let (a, b) = (&new.nodes[i], &orig.nodes[j]);
        let same = a.kind == b.kind
            && a.type_name == b.type_name
            && a.edges.len() == b.edges.len()
            && a.conditions.len() == b.conditions.len()
            && a.edges
                .iter()
                .zip(&b.edges)
                .all(|(x, y)| x.label == y.label && x.condition == y.condition)
            && a.conditions
                .iter()
                .zip(&b.conditions)
                .all(|(x, y)| x.expression == y.expression && x.priority == y.priority)
            && same_data(&new.tree, &orig.tree, a.origin.value, b.origin.value, &[]);
        if !same {
            return Err(format!("the copy `{got}` does not read as `{want}`"));
        }
        work.extend(
            a.edges
                .iter()
                .zip(&b.edges)
                .map(|(x, y)| (new.name(x.target), orig.name(y.target))),
        );
    }
    Ok(())
}

/// Whether two values read as the same data (kinds, scalar texts, keys in order), except
/// that values of the first tree listed in `skip` (ascending) are not compared.
fn same_data(
    t1: &SyntaxTree,
    t2: &SyntaxTree,
    a: Option<ValueId>,
    b: Option<ValueId>,
    skip: &[ValueId],
) -> bool {
    let mut stack = vec![(a, b)];
    while let Some(pair) = stack.pop() {
        let (x, y) = match pair {
            (Some(x), Some(y)) => (x, y),
            (None, None) => continue,
            _ => return false,
        };
        if skip.binary_search(&x).is_ok() {
            continue;
        }
        if t1.kind(x) != t2.kind(y) || t1.text(x) != t2.text(y) {
            return false;
        }
        let (c1, c2) = (t1.children(x), t2.children(y));
        if c1.len() != c2.len() || !t1.members(x).map(|m| m.0).eq(t2.members(y).map(|m| m.0)) {
            return false;
        }
        stack.extend(c1.zip(c2).map(|(p, q)| (Some(p), Some(q))));
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back() {
        for s in [
            "Flow.x > 3",
            "State.TheIntent==\"Life Insurance\"",
            "a: b",
            "- x",
            "{{x}} == 1",
            "true",
            "12",
            "x #y",
            "it's",
            "line\nbreak",
            "back\\slash \"q\"",
            "",
        ] {
            let doc = format!("k: {}\n", yaml_scalar(s));
            let parsed = crate::syntax::yaml::parse(&doc);
            assert!(parsed.error.is_none(), "{doc}");
            let root = parsed.tree.root().unwrap();
            let v = parsed.tree.get(root, "k").unwrap();
            assert_eq!(parsed.tree.text(v), Some(s), "{doc}");
        }
    }

    fn doc(text: &str) -> SyntaxTree {
        let parsed = crate::syntax::yaml::parse(text);
        assert!(parsed.error.is_none(), "{text}");
        parsed.tree
    }

    fn item(tree: &SyntaxTree, pointer: &str) -> ValueId {
        tree.resolve_pointer(pointer).unwrap()
    }

    #[test]
    fn an_item_extends_over_its_deeper_lines() {
        // An empty last value and a block scalar: spans end early or late there.
        let text = "a:\n  actions:\n    - disconnect:\n    - playAudio:\n        tts: |\n          two\n\n          lines\n      # about it\n# shallow comment\n        name: x\n    # next\n    - loopExit:\n";
        let tree = doc(text);
        let (s, e) = extent(text, &tree, item(&tree, "/a/actions/0"));
        assert_eq!(&text[s..e], "disconnect:");
        let (s, e) = extent(text, &tree, item(&tree, "/a/actions/1"));
        assert_eq!(
            &text[s..e],
            "playAudio:\n        tts: |\n          two\n\n          lines\n      # about it\n# shallow comment\n        name: x"
        );
        let (s, e) = extent(text, &tree, item(&tree, "/a/actions/2"));
        assert_eq!(&text[s..e], "loopExit:");
    }

    #[test]
    fn rebasing_moves_every_line_after_the_first() {
        let text = "x:\n  - a:\n      b: 1\n\n      c: |\n        d\n";
        let tree = doc(text);
        let v = item(&tree, "/x/0");
        let range = extent(text, &tree, v);
        assert_eq!(
            rebased(text, range, 8).unwrap(),
            "a:\n          b: 1\n\n          c: |\n            d"
        );
        assert_eq!(
            rebased(text, range, 2).unwrap(),
            "a:\n    b: 1\n\n    c: |\n      d"
        );
        assert_eq!(
            rebased(text, range, 0).unwrap(),
            "a:\n  b: 1\n\n  c: |\n    d"
        );
    }

    #[test]
    fn continuations_and_runs_follow_the_reader() {
        let text = "t:\n  actions:\n    - decision:\n        outputs:\n          yes:\n            actions:\n              - decision:\n                  outputs:\n                    no:\n                      actions:\n                        - playAudio: 1\n              - playAudio: 2\n    - loop:\n        outputs:\n          loop:\n            actions:\n              - decision: {}\n";
        let tree = doc(text);
        let root = item(&tree, "/t/actions/0");
        let inner = item(&tree, "/t/actions/0/decision/outputs/yes/actions/0");
        let leaf = item(
            &tree,
            "/t/actions/0/decision/outputs/yes/actions/0/decision/outputs/no/actions/0",
        );
        let after = item(&tree, "/t/actions/0/decision/outputs/yes/actions/1");
        let lp = item(&tree, "/t/actions/1");
        assert!(continuation(&tree, root) == Some(Place::Item(lp)));
        assert!(continuation(&tree, after) == Some(Place::Item(lp)));
        assert_eq!(run_of(&tree, leaf, root), Ok(vec![leaf, after]));
        assert_eq!(run_of(&tree, leaf, inner), Ok(vec![leaf]));
        assert!(run_of(&tree, lp, root).is_err());
        // The last action of a loop body continues at the loop; of a task, at its end.
        let body = item(&tree, "/t/actions/1/loop/outputs/loop/actions/0");
        assert!(continuation(&tree, body) == Some(Place::Item(lp)));
        assert!(continuation(&tree, lp) == Some(Place::End(item(&tree, "/t"))));
        assert!(run_of(&tree, body, root).is_err());
    }
}
