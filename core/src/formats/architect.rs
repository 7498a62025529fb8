//! Format 3: Architect configuration JSON, the undocumented document the Platform API
//! returns from `GET /api/v2/flows/{id}/latestconfiguration` (and that `.i3*` exports hold,
//! URL- and base64-encoded).
//!
//! Observed encoding (four real documents, see `docs/formats.md`): `flowSequenceItemList`
//! holds Tasks, Menus, States and LoopTasks; a sequence's `startAction` names its first
//! action; actions chain by `nextAction`; a branching action has `paths[{outputId,
//! nextActionId?}]` whose chains, when they run off their end, continue at the branching
//! action's own `nextAction` (the JSON form of YAML nesting); a path without
//! `nextActionId` is an empty branch. Node ids are the `id` GUIDs every reference uses.
//!
//! Chains are walked with an explicit work list and a visited set: no recursion, and a
//! `nextAction` cycle in hostile input cannot loop forever.

pub mod writer;

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, RawDiagnostic, Severity};
use crate::formats::semantics::{self, After};
use crate::formats::{Reader, loc};
use crate::model::{
    Condition, Edge, ExternalTarget, Flow, InputFormat, Names, Node, NodeKind, Origin,
};
use crate::syntax::{SyntaxTree, ValueId, ValueKind};

/// An action found in an `actionList`, or inline in a menu choice.
#[derive(Clone, Copy)]
struct Action {
    value: ValueId,
    /// The sequence item (Task, State, ...) it belongs to.
    sequence: usize,
}

struct Sequence {
    id: String,
    value: ValueId,
    /// How messages name it: `task "Main"`, `menu "Main Menu"`.
    label: String,
}

struct Ctx<'r, 't, 'd> {
    r: &'r Reader<'t, 'd>,
    tree: &'t SyntaxTree,
    nodes: Vec<Node>,
    /// The ids the flow's references name (moved into [`Flow::names`] at the end).
    names: Names,
    sequences: Vec<Sequence>,
    actions: HashMap<String, Action>,
    /// Action ids in document order (node order is deterministic).
    order: Vec<String>,
    /// Continuation of each action already placed in a chain.
    placed: HashMap<String, Cont>,
    end_nodes: HashSet<String>,
    /// Chains still to walk: (first action id, where the chain continues).
    work: Vec<(String, Cont)>,
}

/// Where a chain goes after its last action.
#[derive(Clone, Debug)]
enum Cont {
    Node(String),
    /// The synthetic end of a sequence (index).
    EndOf(usize),
}

/// Reads an Architect configuration JSON document from its syntax tree.
pub fn read(tree: SyntaxTree, out: &mut Vec<RawDiagnostic>) -> Flow {
    let mut flow = Flow {
        format: InputFormat::Architect,
        ..Flow::default()
    };
    if let Some(root) = tree.root() {
        let r = Reader::new(&tree, out);
        let mut cx = Ctx {
            r: &r,
            tree: &tree,
            nodes: Vec::new(),
            names: Names::default(),
            sequences: Vec::new(),
            actions: HashMap::new(),
            order: Vec::new(),
            placed: HashMap::new(),
            end_nodes: HashSet::new(),
            work: Vec::new(),
        };
        cx.read_document(root, &mut flow);
        flow.nodes = cx.nodes;
        flow.names = cx.names;
    }
    flow.tree = tree;
    flow
}

/// The text of an Architect value: a string, or the `text` of a typed value.
fn text_of(tree: &SyntaxTree, v: ValueId) -> Option<(&str, ValueId)> {
    if let Some(s) = tree.as_str(v) {
        return Some((s, v));
    }
    let t = tree.get(v, "text")?;
    Some((tree.as_str(t)?, t))
}

impl Ctx<'_, '_, '_> {
    fn str_of(&self, obj: ValueId, key: &str) -> Option<&str> {
        self.tree.get(obj, key).and_then(|v| self.tree.as_str(v))
    }

    fn schema(&self, v: ValueId, message: String, help: &str) {
        self.r.push(RawDiagnostic::new(
            Code::SchemaError,
            loc(self.tree, v),
            message,
            help.to_owned(),
        ));
    }

    fn read_document(&mut self, root: ValueId, flow: &mut Flow) {
        let tree = self.tree;
        if tree.kind(root) != ValueKind::Object {
            self.r.type_error(
                root,
                "an Architect configuration document",
                "an object",
                "pass the JSON that GET /api/v2/flows/{id}/latestconfiguration returns",
            );
            return;
        }
        flow.name = self.str_of(root, "name").map(str::to_owned);
        flow.flow_type = self.str_of(root, "type").map(str::to_owned);
        let Some(list) = tree.get(root, "flowSequenceItemList") else {
            self.schema(
                root,
                "the document has no `flowSequenceItemList`".to_owned(),
                "an Architect configuration lists its tasks, menus and states in `flowSequenceItemList`",
            );
            return;
        };
        if tree.kind(list) != ValueKind::Array {
            self.r.type_error(
                list,
                "`flowSequenceItemList`",
                "an array",
                "`flowSequenceItemList` is the array of tasks, menus and states",
            );
            return;
        }
        // Register every action first: chains may reach actions of later sequences.
        for item in tree.children(list) {
            self.read_sequence(item);
        }
        self.walk();
        match tree.get(root, "initialSequence") {
            Some(v) => match tree.as_str(v) {
                Some(s) => flow.start = Some((self.names.intern(s), Origin::value(v))),
                None => self.r.type_error(
                    v,
                    "`initialSequence`",
                    "a string (the id of the first task or menu)",
                    "set `initialSequence` to the id of a `flowSequenceItemList` item",
                ),
            },
            None => self.schema(
                root,
                "the document has no `initialSequence`".to_owned(),
                "set `initialSequence` to the id of the task or menu calls enter first",
            ),
        }
        // Sequences the flow's error handling (or another setting) jumps to are entered by
        // the platform itself: they are reachable.
        for (key, _, value) in tree.members(root) {
            if key != "errorHandling" && !key.ends_with("Settings") {
                continue;
            }
            let mut stack = vec![value];
            while let Some(v) = stack.pop() {
                for (k, _, child) in tree.members(v) {
                    if matches!(k, "taskReference" | "menuReference" | "stateReference")
                        && let Some(target) = tree.as_str(child)
                    {
                        flow.entries.push(crate::model::Entry {
                            target: self.names.intern(target),
                            origin: Origin::value(child),
                            why: "the flow's error handling or settings",
                        });
                    }
                }
                stack.extend(tree.children(v));
            }
        }
        // Actions no chain reached still become nodes, so they are reported as unreachable.
        let order = self.order.clone();
        for id in order {
            if !self.placed.contains_key(&id)
                && let Some(a) = self.actions.get(&id).copied()
            {
                self.place(&id, Cont::EndOf(a.sequence));
            }
            self.walk();
        }
    }

    /// Registers an action (from an `actionList` or a menu choice); returns its id.
    fn register(&mut self, v: ValueId, sequence: usize) -> Option<String> {
        let tree = self.tree;
        if tree.kind(v) != ValueKind::Object {
            self.r.type_error(
                v,
                "an action",
                "an object",
                "each action is an object with `__type` and `id`",
            );
            return None;
        }
        let Some(id) = self.str_of(v, "id").map(str::to_owned) else {
            self.schema(
                v,
                "an action has no `id`".to_owned(),
                "every Architect action has an `id` that `nextAction` and `paths` refer to",
            );
            return None;
        };
        if self
            .actions
            .insert(id.clone(), Action { value: v, sequence })
            .is_some()
        {
            // A second action with the same id: keep both as nodes so FG003 reports it.
            self.order.push(id.clone());
            self.make_node(&id, v, Cont::EndOf(sequence));
            return None;
        }
        self.order.push(id.clone());
        Some(id)
    }

    fn read_sequence(&mut self, item: ValueId) {
        let tree = self.tree;
        if tree.kind(item) != ValueKind::Object {
            self.r.type_error(
                item,
                "a `flowSequenceItemList` item",
                "an object",
                "each item is a Task, Menu, State or LoopTask object",
            );
            return;
        }
        let type_name = self.str_of(item, "__type").unwrap_or("").to_owned();
        let Some(id) = self.str_of(item, "id").map(str::to_owned) else {
            self.schema(
                item,
                format!("a `{type_name}` item of `flowSequenceItemList` has no `id`"),
                "every sequence item has an `id` that `initialSequence` and task references use",
            );
            return;
        };
        let index = self.sequences.len();
        let word = match type_name.as_str() {
            "Menu" => "menu",
            "State" => "state",
            "LoopTask" => "loop task",
            "ReusableTask" => "reusable task",
            "Bot" => "bot",
            _ => "task",
        };
        let label = match self.str_of(item, "name") {
            Some(n) => format!("{word} \"{n}\""),
            None => format!("{word} `{id}`"),
        };
        self.sequences.push(Sequence {
            id: id.clone(),
            value: item,
            label: label.clone(),
        });
        let kind = if type_name == "Menu" {
            NodeKind::Input
        } else {
            NodeKind::PassThrough
        };
        let mut node = Node::new(self.names.intern(&id), type_name.clone(), kind);
        node.origin = Origin::value(item);
        node.label = Some(label);
        let known = matches!(
            type_name.as_str(),
            "Task" | "Menu" | "State" | "LoopTask" | "ReusableTask" | "Bot"
        );
        if !known {
            self.unknown(&mut node, item, "sequence item");
        }
        if let Some(list) = tree.get(item, "actionList") {
            if tree.kind(list) == ValueKind::Array {
                for a in tree.children(list) {
                    self.register(a, index);
                }
            } else {
                self.r.type_error(
                    list,
                    "`actionList`",
                    "an array",
                    "`actionList` is the array of the task's actions",
                );
            }
        }
        if let Some(choices) = tree.get(item, "menuChoiceList") {
            for choice in tree.children(choices) {
                let Some(action) = tree.get(choice, "action") else {
                    self.schema(
                        choice,
                        "a menu choice has no `action`".to_owned(),
                        "each `menuChoiceList` entry holds the `action` the choice runs",
                    );
                    continue;
                };
                let label = tree
                    .get(choice, "digit")
                    .and_then(|d| tree.text(d))
                    .or_else(|| self.str_of(choice, "name"))
                    .unwrap_or("choice")
                    .to_owned();
                if let Some(aid) = self.register(action, index) {
                    node.edges.push(edge(&mut self.names, &label, &aid, action));
                    // What a choice's action leaves to do (a transfer that failed) repeats
                    // the menu (Help Center, "Transfer to ACD action").
                    self.place(&aid, Cont::Node(id.clone()));
                }
            }
        }
        if let Some(v) = tree.get(item, "startAction") {
            match tree.as_str(v) {
                Some(s) => {
                    node.edges.push(edge(&mut self.names, "start", s, v));
                    self.work.push((s.to_owned(), Cont::EndOf(index)));
                }
                None => self.r.type_error(
                    v,
                    "`startAction`",
                    "a string (an action id)",
                    "set `startAction` to the id of the first action",
                ),
            }
        }
        self.nodes.push(node);
    }

    fn walk(&mut self) {
        while let Some((first, cont)) = self.work.pop() {
            let mut cur = Some(first);
            while let Some(id) = cur.take() {
                if self.placed.contains_key(&id) {
                    break;
                }
                let Some(v) = self.actions.get(&id).map(|a| a.value) else {
                    break;
                };
                match self
                    .tree
                    .get(v, "nextAction")
                    .and_then(|n| self.tree.as_str(n))
                {
                    Some(next) => {
                        let next = next.to_owned();
                        // The chain goes on; this action's successor is `next`.
                        self.place(&id, Cont::Node(next.clone()));
                        cur = Some(next);
                    }
                    None => self.place(&id, cont.clone()),
                }
            }
        }
    }

    fn target(&mut self, cont: &Cont) -> String {
        match cont {
            Cont::Node(id) => id.clone(),
            Cont::EndOf(i) => {
                let (seq_id, value, label) = match self.sequences.get(*i) {
                    Some(s) => (s.id.clone(), s.value, format!("end of {}", s.label)),
                    None => return String::new(),
                };
                let id = format!("{seq_id}/end");
                if self.end_nodes.insert(id.clone()) {
                    let mut n = Node::new(self.names.intern(&id), "endOfSequence", NodeKind::End);
                    n.origin = Origin::value(value);
                    n.label = Some(label);
                    self.nodes.push(n);
                }
                id
            }
        }
    }

    /// Creates the node of an action whose continuation (`after`) is now known.
    fn place(&mut self, id: &str, after: Cont) {
        if self.placed.contains_key(id) {
            return;
        }
        self.placed.insert(id.to_owned(), after.clone());
        let Some(a) = self.actions.get(id).copied() else {
            return;
        };
        self.make_node(id, a.value, after);
    }

    fn make_node(&mut self, id: &str, v: ValueId, after: Cont) {
        let tree = self.tree;
        let type_name = self.str_of(v, "__type").unwrap_or("").to_owned();
        let t = type_name.as_str();
        // `MenuAction` is a menu inside a choice: it waits for the caller.
        let row = semantics::architect_action(t);
        let kind = match row {
            Some(r) => r.kind,
            None if t == "MenuAction" => NodeKind::Input,
            None => NodeKind::PassThrough,
        };
        let semantics_after = row.map_or(After::Next, |r| r.after);
        let mut node = Node::new(self.names.intern(id), type_name.clone(), kind);
        node.origin = Origin::value(v);
        let owner = self
            .actions
            .get(id)
            .and_then(|a| self.sequences.get(a.sequence))
            .map_or("", |s| s.label.as_str());
        let title = row.map_or_else(
            || semantics::title_of_key(t.strip_suffix("Action").unwrap_or(t)),
            |r| r.title.to_owned(),
        );
        node.label = Some(semantics::named(owner, &title, self.str_of(v, "name")));
        let known = row.is_some() || t == "MenuAction";
        if !known {
            self.unknown(&mut node, v, "action");
        }
        // A loop body continues at the loop; any other branch at what follows the action.
        let branch_cont = if kind == NodeKind::Loop {
            Cont::Node(id.to_owned())
        } else {
            after.clone()
        };

        // References to other sequences.
        let mut jumped = false;
        for field in ["taskReference", "menuReference"] {
            if let Some(r) = tree.get(v, field) {
                match tree.as_str(r) {
                    Some(s) => {
                        let label = if t == "CallTaskAction" {
                            "call"
                        } else {
                            "jump"
                        };
                        node.edges.push(edge(&mut self.names, label, s, r));
                        jumped = semantics_after == After::Jump || !known;
                    }
                    None => self.r.type_error(
                        r,
                        &format!("`{field}`"),
                        "a string (a sequence id)",
                        "set it to the id of a task or menu",
                    ),
                }
            }
        }

        let paths: Vec<ValueId> = tree
            .get(v, "paths")
            .filter(|p| tree.kind(*p) == ValueKind::Array)
            .map(|p| tree.children(p).collect())
            .unwrap_or_default();
        let mut yes: Option<(String, ValueId)> = None;
        let mut no: Option<(String, ValueId)> = None;
        for p in &paths {
            let output = self.str_of(*p, "outputId").unwrap_or("").to_owned();
            let target = match tree.get(*p, "nextActionId").and_then(|n| tree.as_str(n)) {
                Some(n) => {
                    self.work.push((n.to_owned(), branch_cont.clone()));
                    n.to_owned()
                }
                None => self.target(&branch_cont),
            };
            let origin = tree.get(*p, "nextActionId").unwrap_or(*p);
            match (kind, output.as_str()) {
                (NodeKind::Decision, "__YES__") => yes = Some((target, origin)),
                (NodeKind::Decision, "__NO__") => no = Some((target, origin)),
                _ => {
                    let label = if kind == NodeKind::Loop {
                        "body".to_owned()
                    } else {
                        output_label(&output)
                    };
                    node.edges
                        .push(edge(&mut self.names, &label, &target, origin));
                }
            }
        }
        if kind == NodeKind::Decision {
            let after_target = self.target(&after);
            let (yes_t, yes_o) = yes.unwrap_or((after_target.clone(), v));
            let (no_t, no_o) = no.unwrap_or((after_target, v));
            let expr = tree.get(v, "expression");
            let (text, text_v) = expr
                .and_then(|e| {
                    text_of(tree, e).or_else(|| {
                        let c = tree.get(e, "config")?;
                        let (_, _, inner) = tree.members(c).next()?;
                        text_of(tree, inner)
                    })
                })
                .map(|(s, tv)| (s.to_owned(), Some(tv)))
                .unwrap_or_else(|| (expr.map(|e| raw_text(tree, e)).unwrap_or_default(), None));
            if expr.is_none() {
                self.r.push(
                    RawDiagnostic::new(
                        Code::SchemaError,
                        loc(tree, v),
                        format!("decision `{id}` has no `expression`"),
                        "a DecisionAction has an `expression` with the condition text",
                    )
                    .node(id),
                );
            }
            let source_start = text_v.and_then(|tv| {
                let (s, e) = tree.span(tv);
                (tree
                    .source()
                    .get(s as usize + 1..(e as usize).saturating_sub(1))
                    == Some(text.as_str()))
                .then_some(s + 1)
            });
            let yes_t = self.names.intern(&yes_t);
            node.conditions.push(Condition {
                expression: text,
                priority: 1.0,
                target: yes_t,
                origin: Origin::value(yes_o),
                expression_origin: text_v.map(Origin::value).unwrap_or_default(),
                expression_source_start: source_start,
            });
            node.edges.push(Edge {
                label: crate::model::Label::Borrowed("condition"),
                target: yes_t,
                origin: Origin::value(yes_o),
                condition: Some(0),
            });
            node.edges
                .push(edge(&mut self.names, "default", &no_t, no_o));
        } else if kind == NodeKind::Loop {
            let count = tree.get(v, "loopCount");
            node.max_iterations = count
                .and_then(|c| {
                    let lit = tree
                        .get(c, "config")
                        .and_then(|cf| tree.get(cf, "lit"))
                        .unwrap_or(c);
                    tree.as_u64(lit)
                        .or_else(|| text_of(tree, lit)?.0.trim().parse().ok())
                })
                .filter(|&n| n > 0);
            // A count given as an expression is fixed when the loop starts: still bounded.
            node.counted_at_run_time = node.max_iterations.is_none()
                && count.is_some_and(|c| {
                    tree.get(c, "config").is_some_and(|cf| {
                        tree.get(cf, "exp").is_some() || tree.get(cf, "var").is_some()
                    })
                });
            let exit = self.target(&after);
            node.edges.push(edge(&mut self.names, "exit", &exit, v));
        } else if kind != NodeKind::End && !jumped && paths.is_empty() {
            let next = self.target(&after);
            let origin = tree.get(v, "nextAction").unwrap_or(v);
            node.edges
                .push(edge(&mut self.names, "next", &next, origin));
        } else if kind != NodeKind::End && !jumped && t == "CallTaskAction" {
            let next = self.target(&after);
            node.edges.push(edge(&mut self.names, "next", &next, v));
        } else if semantics_after == After::Handoff && !has_failure_path(tree, &paths) {
            // A transfer that fails goes on with what follows it.
            let next = self.target(&after);
            let origin = tree.get(v, "nextAction").unwrap_or(v);
            node.edges
                .push(edge(&mut self.names, "next", &next, origin));
        }

        if kind == NodeKind::End {
            node.queue = self.queue(v).map(Box::new);
            if let Some(f) = tree
                .get(v, "flowName")
                .or_else(|| tree.get(v, "targetFlow"))
                && let Some((name, nv)) = text_of(tree, f)
            {
                node.flow = Some(Box::new(ExternalTarget {
                    name: name.to_owned(),
                    origin: Origin::value(nv),
                    is_expression: false,
                }));
            }
        }
        self.nodes.push(node);
    }

    /// The first queue of a transfer: `queues[{config: {lit|exp: {text}}, text}]`.
    fn queue(&self, v: ValueId) -> Option<ExternalTarget> {
        let tree = self.tree;
        let q = tree
            .get(v, "queues")
            .and_then(|qs| tree.children(qs).next())?;
        let config = tree.get(q, "config");
        if let Some(lit) = config.and_then(|c| tree.get(c, "lit")) {
            let (name, nv) = text_of(tree, lit).or_else(|| text_of(tree, q))?;
            return Some(ExternalTarget {
                name: name.to_owned(),
                origin: Origin::value(nv),
                is_expression: false,
            });
        }
        let (name, nv) = text_of(tree, q)?;
        Some(ExternalTarget {
            name: name.to_owned(),
            origin: Origin::value(nv),
            // Without a literal config the queue is computed at run time.
            is_expression: config.is_some(),
        })
    }

    fn unknown(&self, node: &mut Node, at: ValueId, what: &str) {
        node.unknown_type = true;
        let at = self.tree.get(at, "__type").unwrap_or(at);
        self.r.push(
            RawDiagnostic::new(
                Code::UnknownNodeType,
                loc(self.tree, at),
                format!(
                    "{what} `{}` has a `__type` flowguard does not know; it is treated as passing through to its paths and `nextAction`",
                    node.type_name
                ),
                "nothing to fix if Architect wrote it; the configuration format is undocumented and flowguard knows only the types seen in real flows",
            )
            .node(self.names.text(node.id))
            .severity(Severity::Info),
        );
    }
}

/// Whether a transfer's paths include its failure output.
fn has_failure_path(tree: &SyntaxTree, paths: &[ValueId]) -> bool {
    paths.iter().any(|p| {
        tree.get(*p, "outputId")
            .and_then(|o| tree.as_str(o))
            .is_some_and(|o| o.to_ascii_lowercase().contains("fail"))
    })
}

/// `__SUCCESS__` -> `success`, `__NOT_FOUND__` -> `not_found`.
fn output_label(output: &str) -> String {
    let t = output.trim_matches('_').to_ascii_lowercase();
    if t.is_empty() { "path".to_owned() } else { t }
}

fn edge(names: &mut Names, label: &str, target: &str, origin: ValueId) -> Edge {
    Edge {
        label: crate::model::label(label),
        target: names.intern(target),
        origin: Origin::value(origin),
        condition: None,
    }
}

fn raw_text(tree: &SyntaxTree, v: ValueId) -> String {
    let (s, e) = tree.span(v);
    tree.source()
        .get(s as usize..e as usize)
        .unwrap_or("")
        .to_owned()
}
