//! Format 2: Archy YAML, the text form teams keep Genesys Cloud flows in.
//!
//! The mapping (documented with what is confirmed and what is inferred in `docs/formats.md`):
//! menus, tasks, states and bots become nodes (`menu:<refId>`, `task:<refId>`, ...), every
//! action and menu choice becomes a node whose id is its path (`task:Main_12/3`,
//! `task:Main_12/3/yes/0`, `menu:Main_10/1`). An action's next step is the following action
//! in its list; after the last one control returns to where the list was entered from (the
//! action after a decision, the loop node for a loop body) or reaches the end of its task,
//! which is a synthetic end node `task:<refId>/end`.
//!
//! The walk over nested action lists uses an explicit work list, never recursion, so deep
//! nesting costs heap, not stack.

use std::collections::HashSet;

use crate::diagnostic::{Code, RawDiagnostic, Severity};
use crate::formats::semantics::{self, After};
use crate::formats::{Reader, loc};
use crate::model::{
    Condition, Edge, Entry, ExternalTarget, Flow, InputFormat, Names, Node, NodeKind, NodeRef,
    Origin,
};
use crate::syntax::{SyntaxTree, ValueId, ValueKind};

/// Where control goes after the last action of a list.
#[derive(Clone, Debug)]
struct Cont {
    id: String,
    /// Set when the target is a synthetic end node: its type and the container it ends.
    end_of: Option<(&'static str, ValueId)>,
}

#[derive(Clone, Debug)]
struct LoopCtx {
    node: String,
    exit: Cont,
}

/// An action list still to read.
struct Job {
    list: ValueId,
    prefix: String,
    cont: Cont,
    loops: Vec<LoopCtx>,
    /// How messages name the task, state, bot or menu the list belongs to.
    owner: std::rc::Rc<str>,
}

/// A parsed `startUpRef` / `targetTaskRef` / `targetMenuRef`.
enum Ref {
    /// The node id the reference names (it may not exist: the checks report FG011).
    Internal(String),
    /// `file#path`: another file.
    External,
    Invalid,
}

fn parse_ref(s: &str) -> Ref {
    let s = s.trim();
    if s.contains('#') {
        return Ref::External;
    }
    let Some(body) = s.strip_suffix(']') else {
        return Ref::Invalid;
    };
    let Some(open) = body.rfind('[') else {
        return Ref::Invalid;
    };
    let item = body[..open].rsplit('/').next().unwrap_or("");
    let ref_id = &body[open + 1..];
    match item {
        "menu" | "task" | "state" | "bot" => Ref::Internal(format!("{item}:{ref_id}")),
        _ => Ref::Invalid,
    }
}

const HELP_REF: &str = "write references as /<flowType>/tasks/task[<refId>], /<flowType>/menus/menu[<refId>] or ./tasks/task[<refId>]";

struct Ctx<'r, 't, 'd> {
    r: &'r Reader<'t, 'd>,
    tree: &'t SyntaxTree,
    nodes: Vec<Node>,
    /// The ids the flow's references name (moved into [`Flow::names`] at the end).
    names: Names,
    jobs: Vec<Job>,
    end_nodes: HashSet<String>,
    /// The owner label of the lists being queued (set while reading a container).
    owner: std::rc::Rc<str>,
}

/// Reads an Archy YAML document from its syntax tree.
pub fn read(tree: SyntaxTree, out: &mut Vec<RawDiagnostic>) -> Flow {
    let mut flow = Flow {
        format: InputFormat::Archy,
        ..Flow::default()
    };
    let Some(root) = tree.root() else {
        out.push(RawDiagnostic::new(
            Code::SchemaError,
            crate::diagnostic::Location::default(),
            "the document is empty",
            "an Archy flow file starts with the flow type, for example `inboundCall:` with `name`, `startUpRef`, `menus` and `tasks`",
        ));
        flow.tree = tree;
        return flow;
    };
    {
        let r = Reader::new(&tree, out);
        let mut cx = Ctx {
            r: &r,
            tree: &tree,
            nodes: Vec::new(),
            names: Names::default(),
            jobs: Vec::new(),
            end_nodes: HashSet::new(),
            owner: std::rc::Rc::from(""),
        };
        cx.read_document(root, &mut flow);
        flow.nodes = cx.nodes;
        flow.names = cx.names;
    }
    flow.tree = tree;
    flow
}

impl Ctx<'_, '_, '_> {
    fn push(&self, d: RawDiagnostic) {
        self.r.push(d);
    }

    fn str_of(&self, obj: ValueId, key: &str) -> Option<&str> {
        self.tree.get(obj, key).and_then(|v| self.tree.as_str(v))
    }

    fn read_document(&mut self, root: ValueId, flow: &mut Flow) {
        let tree = self.tree;
        if tree.kind(root) != ValueKind::Object {
            self.r.type_error(
                root,
                "an Archy document",
                "a mapping",
                "an Archy flow file starts with the flow type, for example `inboundCall:`",
            );
            return;
        }
        let Some((flow_type, body)) = tree
            .members(root)
            .find(|(_, _, v)| tree.kind(*v) == ValueKind::Object)
            .map(|(k, _, v)| (k.to_owned(), v))
        else {
            self.push(RawDiagnostic::new(
                Code::SchemaError,
                loc(tree, root),
                "the document has no flow: expected a top-level key naming the flow type (`inboundCall:`, `inboundShortMessage:`, `workflow:`, ...) with a mapping under it",
                "start the file with the flow type, for example `inboundCall:` with `name`, `startUpRef`, `menus` and `tasks`",
            ));
            return;
        };
        flow.flow_type = Some(flow_type.clone());
        flow.name = self.str_of(body, "name").map(str::to_owned);

        // Containers: menus, tasks, states, bots.
        for (list_key, item_key) in [
            ("menus", "menu"),
            ("tasks", "task"),
            ("states", "state"),
            ("bots", "bot"),
        ] {
            let Some(list) = tree.get(body, list_key) else {
                continue;
            };
            if tree.kind(list) != ValueKind::Array {
                self.r.type_error(
                    list,
                    &format!("`{list_key}`"),
                    "a list",
                    &format!("write `{list_key}:` as a list of `- {item_key}:` items"),
                );
                continue;
            }
            for (index, item) in tree.children(list).enumerate() {
                let inner = (tree.kind(item) == ValueKind::Object)
                    .then(|| tree.get(item, item_key))
                    .flatten()
                    .filter(|v| tree.kind(*v) == ValueKind::Object);
                let Some(inner) = inner else {
                    self.push(RawDiagnostic::new(
                        Code::SchemaError,
                        loc(tree, item),
                        format!("an item of `{list_key}` is not a `{item_key}:` mapping"),
                        format!("write each item as `- {item_key}:` with `name`, `refId` and its content"),
                    ));
                    continue;
                };
                let id = match self.str_of(inner, "refId") {
                    Some(r) => format!("{item_key}:{r}"),
                    None => format!("{item_key}#{index}"),
                };
                let name = self
                    .str_of(inner, "name")
                    .or_else(|| self.str_of(inner, "refId"))
                    .map_or_else(|| format!("#{}", index + 1), |n| format!("\"{n}\""));
                let label = format!("{item_key} {name}");
                if item_key == "menu" {
                    self.read_menu(item, inner, &id, &label);
                } else {
                    self.read_container(item, inner, &id, item_key, &label);
                }
            }
        }

        // In-queue flows and common modules run `startUpTaskActions` instead of a start ref.
        let startup = tree.get(body, "startUpTaskActions");
        if let Some(list) = startup {
            let id = "startUpTask".to_owned();
            let mut node = Node::new(
                self.names.intern(&id),
                "startUpTaskActions",
                NodeKind::PassThrough,
            );
            node.origin = Origin::value(list);
            node.label = Some("startup task".to_owned());
            self.owner = std::rc::Rc::from("startup task");
            let cont = Cont {
                id: format!("{id}/end"),
                end_of: Some(("endOfTask", list)),
            };
            let first = self.list_entry(Some(list), &id, cont, Vec::new());
            node.edges.push(edge(&mut self.names, "start", first, list));
            self.nodes.push(node);
        }
        // In-queue message and email flows: a start-up state, and a periodic state the
        // platform runs again and again while the interaction waits (inferred from
        // Architect's documentation; no real file shows the keys).
        // (target, where it is named, why it is a way in, whether it starts the flow).
        let mut state_entries: Vec<(String, ValueId, &'static str, bool)> = Vec::new();
        for (key, why) in [
            ("startUpState", "the flow's `startUpState`"),
            ("periodicState", "the flow's `periodicState`"),
        ] {
            let starts = key == "startUpState";
            let Some(v) = tree.get(body, key) else {
                continue;
            };
            if let Some(s) = tree.as_str(v) {
                match parse_ref(s) {
                    Ref::Internal(id) => state_entries.push((id, v, why, starts)),
                    Ref::External => self.external(v, s),
                    Ref::Invalid => self.bad_ref(v, s, None),
                }
                continue;
            }
            // Written inline: `periodicState: {name, actions}` or `periodicState: {state: {...}}`.
            let inner = ["state", "task"]
                .iter()
                .find_map(|k| tree.get(v, k))
                .filter(|i| tree.kind(*i) == ValueKind::Object)
                .unwrap_or(v);
            if tree.kind(inner) != ValueKind::Object {
                self.r.type_error(
                    v,
                    &format!("`{key}`"),
                    "a state reference or a state",
                    "write it as a reference (`/<flowType>/states/state[<refId>]`) or as a state with `actions`",
                );
                continue;
            }
            let label = match self.str_of(inner, "name") {
                Some(n) => format!("state \"{n}\""),
                None => format!("`{key}`"),
            };
            self.read_container(v, inner, key, "state", &label);
            state_entries.push((key.to_owned(), v, why, starts));
        }

        match tree.get(body, "startUpRef") {
            Some(v) => match tree.as_str(v) {
                Some(s) => match parse_ref(s) {
                    Ref::Internal(id) => {
                        flow.start = Some((self.names.intern(&id), Origin::value(v)))
                    }
                    Ref::External => self.external(v, s),
                    Ref::Invalid => self.bad_ref(v, s, None),
                },
                None => self.r.type_error(v, "`startUpRef`", "a string", HELP_REF),
            },
            None if startup.is_some() => {
                flow.start = Some((
                    self.names.intern("startUpTask"),
                    Origin::value(startup.unwrap_or(body)),
                ))
            }
            None => {}
        }
        for (target, v, why, starts) in state_entries {
            let target = self.names.intern(&target);
            if starts && flow.start.is_none() {
                flow.start = Some((target, Origin::value(v)));
            } else {
                flow.entries.push(Entry {
                    target,
                    origin: Origin::value(v),
                    why,
                });
            }
        }
        self.settings_entries(body, flow);

        self.run_jobs();
    }

    /// Menus and tasks that the flow's settings name (error handling that jumps to a task,
    /// a default menu, ...): the platform enters them on its own, so they are reachable.
    /// Every internal reference under a `settings*` key counts; the walk is iterative.
    fn settings_entries(&mut self, body: ValueId, flow: &mut Flow) {
        let tree = self.tree;
        for (key, _, value) in tree.members(body) {
            if !key.starts_with("settings") {
                continue;
            }
            let why: &'static str = match key {
                "settingsErrorHandling" => "the flow's error handling (`settingsErrorHandling`)",
                "settingsMenu" => "the flow's menu settings (`settingsMenu`)",
                _ => "the flow's settings",
            };
            let mut stack = vec![value];
            while let Some(v) = stack.pop() {
                if let Some(s) = tree.as_str(v) {
                    if let Ref::Internal(target) = parse_ref(s) {
                        flow.entries.push(Entry {
                            target: self.names.intern(&target),
                            origin: Origin::value(v),
                            why,
                        });
                    }
                    continue;
                }
                stack.extend(tree.children(v));
            }
        }
    }

    fn read_container(
        &mut self,
        item: ValueId,
        inner: ValueId,
        id: &str,
        item_key: &str,
        label: &str,
    ) {
        let mut node = Node::new(
            self.names.intern(id),
            item_key.to_owned(),
            NodeKind::PassThrough,
        );
        node.origin = Origin::value(item);
        node.label = Some(label.to_owned());
        self.owner = std::rc::Rc::from(label);
        let end_type = match item_key {
            "state" => "endOfState",
            "bot" => "endOfBot",
            _ => "endOfTask",
        };
        let cont = Cont {
            id: format!("{id}/end"),
            end_of: Some((end_type, inner)),
        };
        let actions = self.tree.get(inner, "actions");
        let first = self.list_entry(actions, id, cont, Vec::new());
        node.edges.push(edge(
            &mut self.names,
            "start",
            first,
            actions.unwrap_or(inner),
        ));
        self.nodes.push(node);
    }

    fn read_menu(&mut self, item: ValueId, inner: ValueId, id: &str, label: &str) {
        let tree = self.tree;
        let mut menu = Node::new(self.names.intern(id), "menu", NodeKind::Input);
        menu.origin = Origin::value(item);
        menu.label = Some(label.to_owned());
        self.owner = std::rc::Rc::from(label);
        let choices = tree.get(inner, "choices");
        let mut keys = MenuKeys::default();
        match choices.map(|c| (c, tree.kind(c))) {
            Some((c, ValueKind::Array)) => {
                for (k, choice) in tree.children(c).enumerate() {
                    let choice_id = format!("{id}/{k}");
                    let edge_label = self.read_choice(choice, &choice_id, id, label);
                    menu.edges.push(edge(
                        &mut self.names,
                        &edge_label,
                        choice_id.clone(),
                        choice,
                    ));
                    keys.add(self, choice, &choice_id);
                }
            }
            Some((c, _)) => self.r.type_error(
                c,
                "`choices`",
                "a list",
                "write `choices:` as a list of `- menuJumpToTask:`, `- menuTask:`, ... items",
            ),
            None => {}
        }
        self.nodes.push(menu);
    }

    /// Reads one menu choice into a node; returns the label of the menu's edge to it.
    fn read_choice(
        &mut self,
        choice: ValueId,
        id: &str,
        menu_id: &str,
        menu_label: &str,
    ) -> String {
        let tree = self.tree;
        let Some((kind_name, body)) = single_member(tree, choice) else {
            self.push(RawDiagnostic::new(
                Code::SchemaError,
                loc(tree, choice),
                "a menu choice must be a mapping with one key, the choice type (`menuJumpToTask:`, `menuTask:`, ...)",
                "write each choice as `- menuJumpToTask:` (or menuTask, menuTransferToAcd, menuDisconnect, ...) with its settings under it",
            ));
            let mut n = Node::new(self.names.intern(id), "", NodeKind::PassThrough);
            n.origin = Origin::value(choice);
            self.nodes.push(n);
            return "choice".to_owned();
        };
        let label = body
            .and_then(|b| self.str_of(b, "dtmf").or_else(|| self.str_of(b, "name")))
            .unwrap_or("choice")
            .to_owned();
        let row = semantics::archy_choice(&kind_name);
        let kind = row.map_or(NodeKind::PassThrough, |r| r.kind);
        let mut node = Node::new(self.names.intern(id), kind_name.clone(), kind);
        node.origin = Origin::value(choice);
        let title = row.map_or_else(
            || semantics::title_of_key(&kind_name),
            |r| r.title.to_owned(),
        );
        node.label = Some(semantics::named(
            menu_label,
            &title,
            body.and_then(|b| self.str_of(b, "name")),
        ));
        if row.is_none() {
            self.unknown(&mut node, choice, "menu choice");
        }
        if let Some(b) = body {
            match kind_name.as_str() {
                "menuTransferToAcd" => {
                    node.queue = self.external_target(b, "targetQueue").map(Box::new)
                }
                "menuTransferToFlow" | "menuTransferToFlowSecure" => {
                    node.flow = self.external_target(b, "targetFlow").map(Box::new)
                }
                _ => {}
            }
            for field in ["targetTaskRef", "targetMenuRef"] {
                if let Some(v) = tree.get(b, field) {
                    self.ref_edge(&mut node, v, "jump");
                }
            }
            if let Some(task) = tree.get(b, "task") {
                let actions = (tree.kind(task) == ValueKind::Object)
                    .then(|| tree.get(task, "actions"))
                    .flatten();
                let cont = Cont {
                    id: format!("{id}/end"),
                    end_of: Some(("endOfTask", task)),
                };
                let owner = std::mem::replace(
                    &mut self.owner,
                    std::rc::Rc::from(node.label.as_deref().unwrap_or("")),
                );
                let first = self.list_entry(actions, id, cont, Vec::new());
                self.owner = owner;
                node.edges.push(edge(
                    &mut self.names,
                    "task",
                    first,
                    actions.unwrap_or(task),
                ));
            }
        }
        match row.map(|r| r.after) {
            // A transfer chosen in a menu that fails repeats the menu (Help Center, "Transfer
            // to ACD action").
            Some(After::Handoff) => {
                node.edges
                    .push(edge(&mut self.names, "failure", menu_id.to_owned(), choice))
            }
            // Repeating (or going back to) a menu waits for the caller again.
            _ if matches!(kind_name.as_str(), "menuRepeatMenu" | "menuPreviousMenu") => node
                .edges
                .push(edge(&mut self.names, "menu", menu_id.to_owned(), choice)),
            _ => {}
        }
        self.nodes.push(node);
        label
    }

    /// The first node of an action list (queuing the list), or `cont` when it is empty.
    fn list_entry(
        &mut self,
        list: Option<ValueId>,
        prefix: &str,
        cont: Cont,
        loops: Vec<LoopCtx>,
    ) -> String {
        let tree = self.tree;
        match list {
            Some(l) if tree.kind(l) == ValueKind::Array && tree.children(l).len() > 0 => {
                self.jobs.push(Job {
                    list: l,
                    prefix: prefix.to_owned(),
                    cont,
                    loops,
                    owner: self.owner.clone(),
                });
                format!("{prefix}/0")
            }
            Some(l) if !matches!(tree.kind(l), ValueKind::Array | ValueKind::Null) => {
                self.r.type_error(
                    l,
                    "`actions`",
                    "a list of actions",
                    "write actions as a list: `- playAudio:`, `- decision:`, ...",
                );
                self.target(&cont)
            }
            _ => self.target(&cont),
        }
    }

    /// The id of a continuation, creating its synthetic end node the first time.
    fn target(&mut self, cont: &Cont) -> String {
        if let Some((type_name, origin)) = cont.end_of
            && self.end_nodes.insert(cont.id.clone())
        {
            let mut n = Node::new(self.names.intern(&cont.id), type_name, NodeKind::End);
            n.origin = Origin::value(origin);
            if !self.owner.is_empty() {
                n.label = Some(format!("end of {}", self.owner));
            }
            self.nodes.push(n);
        }
        cont.id.clone()
    }

    fn run_jobs(&mut self) {
        while let Some(job) = self.jobs.pop() {
            self.owner = job.owner.clone();
            let items: Vec<ValueId> = self.tree.children(job.list).collect();
            let n = items.len();
            for (i, item) in items.into_iter().enumerate() {
                let id = format!("{}/{i}", job.prefix);
                let next = if i + 1 < n {
                    Cont {
                        id: format!("{}/{}", job.prefix, i + 1),
                        end_of: None,
                    }
                } else {
                    job.cont.clone()
                };
                self.read_action(item, id, next, &job.loops);
            }
        }
    }

    /// Reads one `- <actionType>: {...}` item.
    fn read_action(&mut self, item: ValueId, id: String, next: Cont, loops: &[LoopCtx]) {
        let tree = self.tree;
        let Some((type_name, body)) = single_member(tree, item) else {
            self.push(
                RawDiagnostic::new(
                    Code::SchemaError,
                    loc(tree, item),
                    "an action must be a mapping with one key, the action type (`playAudio:`, `decision:`, ...)",
                    "write each action as `- <actionType>:` with its settings indented under it",
                )
                .node(&id),
            );
            let mut node = Node::new(self.names.intern(&id), "", NodeKind::PassThrough);
            node.origin = Origin::value(item);
            let t = self.target(&next);
            node.edges.push(edge(&mut self.names, "next", t, item));
            self.nodes.push(node);
            return;
        };
        let t = type_name.as_str();
        let row = semantics::archy_action(t);
        let kind = row.map_or(NodeKind::PassThrough, |r| r.kind);
        let mut node = Node::new(self.names.intern(&id), type_name.clone(), kind);
        node.origin = Origin::value(item);
        let title = row.map_or_else(|| semantics::title_of_key(t), |r| r.title.to_owned());
        let body = body.filter(|b| tree.kind(*b) == ValueKind::Object);
        let name = body.and_then(|b| self.str_of(b, "name"));
        node.label = Some(semantics::named(&self.owner, &title, name));
        if row.is_none() {
            self.unknown(&mut node, item, "action");
        }
        // What follows the action decides how it is read (the semantics table), so a row
        // added there needs no change here.
        let after = row.map_or(After::Next, |r| r.after);
        match after {
            After::Branch if t == "switch" => self.read_switch(&mut node, body, &next, loops),
            After::Branch => self.read_decision(&mut node, body, &next, loops),
            After::Loop => {
                if let Some(count) = body.and_then(|b| tree.get(b, "loopCount")) {
                    let lit = tree.get(count, "lit");
                    node.max_iterations = lit
                        .or(Some(count))
                        .and_then(|v| tree.as_u64(v).or_else(|| tree.text(v)?.trim().parse().ok()))
                        .filter(|&n| n > 0);
                    // An `exp:` / `var:` count is a number the loop runs to, not a condition
                    // re-checked forever: the loop is bounded, by a count known only at run
                    // time (inferred: that the expression is read once when the loop starts
                    // is not documented; the platform's 10,000-action limit bounds it anyway).
                    node.counted_at_run_time = node.max_iterations.is_none()
                        && lit.is_none()
                        && (tree.get(count, "exp").is_some() || tree.get(count, "var").is_some());
                }
                // Loop Until runs at most its maximum count, itself at most 99 (Help Center,
                // "Loop Until action").
                if t == "loopUntil" && node.max_iterations.is_none() {
                    node.counted_at_run_time = true;
                }
                let body_list = body
                    .and_then(|b| tree.get(b, "outputs"))
                    .and_then(|o| tree.get(o, "loop"))
                    .and_then(|l| tree.get(l, "actions"));
                let mut inner = loops.to_vec();
                inner.push(LoopCtx {
                    node: id.clone(),
                    exit: next.clone(),
                });
                let back = Cont {
                    id: id.clone(),
                    end_of: None,
                };
                if body_list.is_some_and(|l| tree.children(l).len() > 0) {
                    let first = self.list_entry(body_list, &format!("{id}/loop"), back, inner);
                    node.edges.push(edge(
                        &mut self.names,
                        "body",
                        first,
                        body_list.unwrap_or(item),
                    ));
                }
                let exit = self.target(&next);
                node.edges.push(edge(&mut self.names, "exit", exit, item));
            }
            After::LoopExit | After::LoopNext => match loops.last() {
                Some(l) => {
                    let (label, target) = if after == After::LoopExit {
                        ("exit", self.target(&l.exit.clone()))
                    } else {
                        ("next", l.node.clone())
                    };
                    node.edges.push(edge(&mut self.names, label, target, item));
                }
                None => {
                    self.push(
                        RawDiagnostic::new(
                            Code::SchemaError,
                            loc(tree, item),
                            format!("`{t}` is not inside a loop"),
                            "use loopExit and loopNext only inside the actions of a loop's `loop` output",
                        )
                        .node(&id),
                    );
                    let n = self.target(&next);
                    node.edges.push(edge(&mut self.names, "next", n, item));
                }
            },
            After::Jump => {
                let mut found = false;
                for field in [
                    "targetTaskRef",
                    "targetMenuRef",
                    "targetStateRef",
                    "targetTask",
                    "targetMenu",
                    "targetState",
                ] {
                    if let Some(v) = body.and_then(|b| tree.get(b, field)) {
                        self.ref_edge(&mut node, v, "jump");
                        found = true;
                    }
                }
                if !found {
                    self.push(
                        RawDiagnostic::new(
                            Code::SchemaError,
                            loc(tree, item),
                            format!("`{t}` has no target reference"),
                            "set `targetTaskRef` (or `targetMenuRef`) to the task or menu to jump to",
                        )
                        .node(&id),
                    );
                }
            }
            After::Call => {
                if let Some(v) = body.and_then(|b| tree.get(b, "targetTaskRef")) {
                    self.ref_edge(&mut node, v, "call");
                }
                // The called task returns here when it ends.
                let n = self.target(&next);
                node.edges.push(edge(&mut self.names, "next", n, item));
            }
            _ => {
                if let Some(b) = body {
                    match t {
                        "transferToAcd" => {
                            node.queue = self.external_target(b, "targetQueue").map(Box::new)
                        }
                        "transferToFlow" | "transferToFlowSecure" => {
                            node.flow = self.external_target(b, "targetFlow").map(Box::new)
                        }
                        "callCommonModule" => {
                            node.flow = self.keyed_target(b, "commonModule").map(Box::new)
                        }
                        "callBotFlow" => node.flow = self.keyed_target(b, "botFlow").map(Box::new),
                        _ => {}
                    }
                }
                self.read_outputs(&mut node, row, body, &next, loops, after != After::End);
            }
        }
        self.nodes.push(node);
    }

    /// Follows `outputs.<name>.actions` and, unless the action ends the flow, the implicit
    /// path to the next action (taken by every output that is not written out).
    fn read_outputs(
        &mut self,
        node: &mut Node,
        row: Option<&semantics::Action>,
        body: Option<ValueId>,
        next: &Cont,
        loops: &[LoopCtx],
        continues: bool,
    ) {
        let tree = self.tree;
        let mut seen: Vec<String> = Vec::new();
        if let Some(outputs) = body.and_then(|b| tree.get(b, "outputs")) {
            let members: Vec<(String, ValueId)> = tree
                .members(outputs)
                .map(|(k, _, v)| (k.to_owned(), v))
                .collect();
            for (name, value) in members {
                if name == "intents" && tree.kind(value) == ValueKind::Array {
                    // askForIntent: `intents: [- intent: {name, actions}]`.
                    for (k, it) in tree.children(value).enumerate() {
                        let Some(intent) = tree.get(it, "intent") else {
                            continue;
                        };
                        let actions = tree.get(intent, "actions");
                        if actions.is_none() {
                            continue;
                        }
                        let label = self.str_of(intent, "name").unwrap_or("intent").to_owned();
                        let first = self.list_entry(
                            actions,
                            &format!("{}/intent{k}", self.names.text(node.id)),
                            next.clone(),
                            loops.to_vec(),
                        );
                        node.edges.push(edge(&mut self.names, &label, first, it));
                    }
                    continue;
                }
                let Some(actions) = tree.get(value, "actions") else {
                    continue;
                };
                seen.push(name.clone());
                let first = self.list_entry(
                    Some(actions),
                    &format!("{}/{name}", self.names.text(node.id)),
                    next.clone(),
                    loops.to_vec(),
                );
                node.edges.push(edge(&mut self.names, &name, first, value));
            }
        }
        // A hand-off's failure output is the only way on when written; otherwise the next
        // action follows a failed transfer directly.
        let all_written = row.is_some_and(|r| {
            (r.exhaustive || r.after == After::Handoff)
                && !r.outputs.is_empty()
                && r.outputs.iter().all(|o| seen.iter().any(|s| s == o))
        });
        if continues && !all_written {
            let n = self.target(next);
            node.edges.push(edge(
                &mut self.names,
                "next",
                n,
                node.origin.value.unwrap_or(ValueId(0)),
            ));
        }
    }

    fn read_decision(
        &mut self,
        node: &mut Node,
        body: Option<ValueId>,
        next: &Cont,
        loops: &[LoopCtx],
    ) {
        let tree = self.tree;
        let item = node.origin.value.unwrap_or(ValueId(0));
        let outputs = body.and_then(|b| tree.get(b, "outputs"));
        // YAML 1.1 writers turn unquoted yes/no into booleans; accept both spellings.
        let output =
            |names: &[&str]| outputs.and_then(|o| names.iter().find_map(|n| tree.get(o, n)));
        let yes = output(&["yes", "true", "Yes"]);
        let no = output(&["no", "false", "No"]);
        let yes_target = self.branch(node, yes, "yes", next, loops);
        let no_target = self.branch(node, no, "no", next, loops);
        match body.and_then(|b| tree.get(b, "condition")) {
            Some(cond) => {
                let (expression, expr_v) = self.expression(cond);
                let target = self.names.intern(&yes_target);
                node.conditions.push(condition(
                    tree,
                    expression,
                    1.0,
                    target,
                    yes.unwrap_or(cond),
                    expr_v,
                ));
                node.edges.push(Edge {
                    label: crate::model::Label::Borrowed("condition"),
                    target,
                    origin: Origin::value(yes.unwrap_or(cond)),
                    condition: Some(0),
                });
            }
            None => self.push(
                RawDiagnostic::new(
                    Code::SchemaError,
                    loc(tree, item),
                    format!("decision `{}` has no `condition`", self.names.text(node.id)),
                    "give the decision a `condition:` with `exp: <expression>`",
                )
                .node(self.names.text(node.id)),
            ),
        }
        node.edges.push(edge(
            &mut self.names,
            "default",
            no_target,
            no.unwrap_or(item),
        ));
    }

    /// The target of one output branch (its first action, or the next action when empty).
    fn branch(
        &mut self,
        node: &Node,
        output: Option<ValueId>,
        name: &str,
        next: &Cont,
        loops: &[LoopCtx],
    ) -> String {
        let actions = output.and_then(|o| self.tree.get(o, "actions"));
        self.list_entry(
            actions,
            &format!("{}/{name}", self.names.text(node.id)),
            next.clone(),
            loops.to_vec(),
        )
    }

    fn read_switch(
        &mut self,
        node: &mut Node,
        body: Option<ValueId>,
        next: &Cont,
        loops: &[LoopCtx],
    ) {
        let tree = self.tree;
        let item = node.origin.value.unwrap_or(ValueId(0));
        let evaluate = body.and_then(|b| tree.get(b, "evaluate"));
        // `firstTrue: {cases, default}` or `firstMatch: {<type>: {value, cases, default}}`.
        let (style, mut inner) = match evaluate.and_then(|e| single_member(tree, e)) {
            Some((s, Some(v))) => (s, v),
            _ => {
                self.push(
                    RawDiagnostic::new(
                        Code::SchemaError,
                        loc(tree, evaluate.unwrap_or(item)),
                        format!("switch `{}` has no `evaluate: firstTrue:` or `evaluate: firstMatch:`", self.names.text(node.id)),
                        "write the switch as `evaluate: firstTrue: {cases: [...], default: {actions: [...]}}`",
                    )
                    .node(self.names.text(node.id)),
                );
                let t = self.target(next);
                node.edges.push(edge(&mut self.names, "default", t, item));
                return;
            }
        };
        let mut match_value: Option<String> = None;
        if style != "firstTrue" && tree.get(inner, "cases").is_none() {
            if let Some((_, Some(typed))) = single_member(tree, inner) {
                inner = typed;
            }
            match_value = tree.get(inner, "value").map(|v| self.expression(v).0);
        }
        let cases: Vec<ValueId> = tree
            .get(inner, "cases")
            .filter(|c| tree.kind(*c) == ValueKind::Array)
            .map(|c| tree.children(c).collect())
            .unwrap_or_default();
        let count = cases.len();
        for (k, case_item) in cases.into_iter().enumerate() {
            let case = tree.get(case_item, "case").unwrap_or(case_item);
            let actions = tree.get(case, "actions");
            let target = self.list_entry(
                actions,
                &format!("{}/case{k}", self.names.text(node.id)),
                next.clone(),
                loops.to_vec(),
            );
            let value = tree.get(case, "value");
            let (mut expression, mut expr_v) = value
                .map(|v| self.expression(v))
                .unwrap_or_else(|| ("false".to_owned(), None));
            let mut expr_origin_override: Option<ValueId> = None;
            if let Some(m) = &match_value {
                // firstMatch compares the switch value with each case value.
                let lit = value.and_then(|v| tree.get(v, "lit"));
                let rhs = match lit.and_then(|l| tree.as_str(l)) {
                    Some(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
                    None => expression.clone(),
                };
                expression = format!("{m} == {rhs}");
                // The composed text is not a slice of the source: point at the case's value
                // (the `lit:` or `exp:` it compares with), never at a made-up path.
                expr_v = None;
                if let Some(v) = value {
                    expr_origin_override = Some(v);
                }
            }
            let idx = node.conditions.len();
            let target = self.names.intern(&target);
            let mut c = condition(
                tree,
                expression,
                (count - k) as f64,
                target,
                case_item,
                expr_v,
            );
            if let Some(v) = expr_origin_override {
                c.expression_origin = Origin::value(v);
            }
            node.conditions.push(c);
            node.edges.push(Edge {
                label: crate::model::Label::Borrowed("condition"),
                target,
                origin: Origin::value(case_item),
                condition: Some(u32::try_from(idx).unwrap_or(u32::MAX)),
            });
        }
        let default = tree.get(inner, "default");
        let target = self.branch(node, default, "default", next, loops);
        node.edges.push(edge(
            &mut self.names,
            "default",
            target,
            default.unwrap_or(item),
        ));
    }

    /// The expression text of a typed value (`exp:`, `lit:`, `var:`) and the string value
    /// it came from.
    fn expression(&self, v: ValueId) -> (String, Option<ValueId>) {
        let tree = self.tree;
        for key in ["exp", "var", "lit"] {
            if let Some(e) = tree.get(v, key) {
                return match tree.kind(e) {
                    ValueKind::String => (tree.as_str(e).unwrap_or("").to_owned(), Some(e)),
                    _ => (source_text(tree, e), None),
                };
            }
        }
        match tree.as_str(v) {
            Some(s) => (s.to_owned(), Some(v)),
            None => (source_text(tree, v), None),
        }
    }

    /// A queue or flow named by `lit: {name: X}`, `lit: X`, `{name: X}`, `exp: E`, `var: V`.
    fn external_target(&self, body: ValueId, field: &str) -> Option<ExternalTarget> {
        let tree = self.tree;
        let v = tree.get(body, field)?;
        let named = |x: ValueId| -> Option<(String, ValueId)> {
            if let Some(s) = tree.as_str(x) {
                return Some((s.to_owned(), x));
            }
            let n = tree.get(x, "name")?;
            Some((tree.as_str(n)?.to_owned(), n))
        };
        if let Some(l) = tree.get(v, "lit") {
            let (name, origin) = named(l)?;
            return Some(ExternalTarget {
                name,
                origin: Origin::value(origin),
                is_expression: false,
            });
        }
        for key in ["exp", "var"] {
            if let Some(e) = tree.get(v, key) {
                return Some(ExternalTarget {
                    name: tree.text(e).unwrap_or("").to_owned(),
                    origin: Origin::value(e),
                    is_expression: true,
                });
            }
        }
        let (name, origin) = named(v)?;
        Some(ExternalTarget {
            name,
            origin: Origin::value(origin),
            is_expression: false,
        })
    }

    /// `commonModule: {<Name>: {ver_latestPublished: ...}}`: the flow is the key.
    fn keyed_target(&self, body: ValueId, field: &str) -> Option<ExternalTarget> {
        let tree = self.tree;
        let v = tree.get(body, field)?;
        let (name, _, _) = tree.members(v).next()?;
        Some(ExternalTarget {
            name: name.to_owned(),
            origin: Origin::value(v),
            is_expression: false,
        })
    }

    fn ref_edge(&mut self, node: &mut Node, v: ValueId, label: &str) {
        let Some(s) = self.tree.as_str(v) else {
            self.r.type_error(v, "a reference", "a string", HELP_REF);
            return;
        };
        match parse_ref(s) {
            Ref::Internal(target) => node.edges.push(edge(&mut self.names, label, target, v)),
            Ref::External => {
                self.external(v, s);
                // A jump to another file leaves this one; what happens there is not known.
                if label == "jump" && node.edges.is_empty() {
                    node.kind = NodeKind::End;
                }
            }
            Ref::Invalid => self.bad_ref(v, s, Some(self.names.text(node.id))),
        }
    }

    fn external(&self, v: ValueId, s: &str) {
        self.push(RawDiagnostic::new(
            Code::ExternalReference,
            loc(self.tree, v),
            format!("`{s}` refers to another file; flowguard does not follow references across files and treats it as leaving this flow"),
            "validate the referenced file on its own, or inline the task or menu to have it checked with this flow",
        ));
    }

    fn bad_ref(&self, v: ValueId, s: &str, node: Option<&str>) {
        let mut d = RawDiagnostic::new(
            Code::SchemaError,
            loc(self.tree, v),
            format!("`{s}` is not a task, menu, state or bot reference"),
            HELP_REF,
        );
        if let Some(n) = node {
            d = d.node(n);
        }
        self.push(d);
    }

    fn unknown(&self, node: &mut Node, at: ValueId, what: &str) {
        node.unknown_type = true;
        self.push(
            RawDiagnostic::new(
                Code::UnknownNodeType,
                loc(self.tree, at),
                format!(
                    "{what} `{}` is a type flowguard does not know; it is treated as passing through to its outputs and the next action",
                    node.type_name
                ),
                "nothing to fix if this is a valid Archy type; if it is a typo, Archy will reject the file",
            )
            .node(self.names.text(node.id))
            .severity(Severity::Info),
        );
    }
}

/// The DTMF digits and speech terms of one menu's choices, to find two choices that claim
/// the same key (FG014, FG015).
#[derive(Default)]
struct MenuKeys {
    /// (digit, its value, the choice's node id) of every choice seen so far.
    digits: Vec<(String, ValueId, String)>,
    /// (language, term lower-cased, its value, the choice's node id).
    terms: Vec<(String, String, ValueId, String)>,
}

impl MenuKeys {
    fn add(&mut self, cx: &Ctx<'_, '_, '_>, choice: ValueId, choice_id: &str) {
        let tree = cx.tree;
        let Some((_, Some(body))) = single_member(tree, choice) else {
            return;
        };
        if let Some(d) = tree.get(body, "dtmf")
            && let Some(digit) = tree.as_str(d)
            && !digit.trim().is_empty()
        {
            let digit = digit.trim().to_owned();
            match self.digits.iter().find(|(k, _, _)| *k == digit) {
                Some((_, first, first_id)) => cx.push(
                    RawDiagnostic::new(
                        Code::DuplicateMenuDigit,
                        loc(tree, d),
                        format!(
                            "two choices of this menu use the DTMF key `{}`: a caller who presses it always gets the first one, so this choice can never be selected by key",
                            digit.trim_start_matches("digit_")
                        ),
                        "give this choice a key no other choice of the menu uses, or remove one of the two",
                    )
                    .node(choice_id)
                    .related(loc(tree, *first), Some(first_id.clone()), "the choice that takes the key"),
                ),
                None => self.digits.push((digit, d, choice_id.to_owned())),
            }
        }
        let Some(langs) = tree.get(body, "speechRecTerms") else {
            return;
        };
        for (lang, _, per_lang) in tree.members(langs) {
            let Some(terms) = tree.get(per_lang, "terms") else {
                continue;
            };
            for t in tree.children(terms) {
                let Some(text) = tree.text(t) else {
                    continue;
                };
                let term = crate::case::to_lowercase(text.trim());
                if term.is_empty() {
                    continue;
                }
                match self
                    .terms
                    .iter()
                    .find(|(l, k, _, id)| l == lang && *k == term && id != choice_id)
                {
                    Some((_, _, first, first_id)) => cx.push(
                        RawDiagnostic::new(
                            Code::DuplicateSpeechTerm,
                            loc(tree, t),
                            format!(
                                "two choices of this menu listen for the {lang} speech term `{}`: which one a caller who says it gets is not under your control",
                                text.trim()
                            ),
                            "keep each speech term on one choice of the menu",
                        )
                        .node(choice_id)
                        .related(loc(tree, *first), Some(first_id.clone()), "the other choice with this term"),
                    ),
                    None => self.terms.push((lang.to_owned(), term, t, choice_id.to_owned())),
                }
            }
        }
    }
}

fn edge(names: &mut Names, label: &str, target: String, origin: ValueId) -> Edge {
    Edge {
        label: crate::model::label(label),
        target: names.intern(&target),
        origin: Origin::value(origin),
        condition: None,
    }
}

fn condition(
    tree: &SyntaxTree,
    expression: String,
    priority: f64,
    target: NodeRef,
    origin: ValueId,
    expr_v: Option<ValueId>,
) -> Condition {
    // The expression is a plain slice of the source when it has no escapes.
    let source_start = expr_v.and_then(|e| {
        let (s, end) = tree.span(e);
        let src = tree.source();
        if src.get(s as usize..end as usize) == Some(expression.as_str()) {
            Some(s)
        } else if src.get(s as usize + 1..(end as usize).saturating_sub(1))
            == Some(expression.as_str())
        {
            Some(s + 1)
        } else {
            None
        }
    });
    Condition {
        expression,
        priority,
        target,
        origin: Origin::value(origin),
        expression_origin: expr_v.map(Origin::value).unwrap_or_default(),
        expression_source_start: source_start,
    }
}

/// The only member of a one-key mapping (`- decision: {...}`): its key and value (`None`
/// when the value is null, as in `- disconnect:`).
fn single_member(tree: &SyntaxTree, v: ValueId) -> Option<(String, Option<ValueId>)> {
    if tree.kind(v) != ValueKind::Object {
        return None;
    }
    let (k, _, value) = tree.members(v).next()?;
    let value = (tree.kind(value) != ValueKind::Null).then_some(value);
    Some((k.to_owned(), value))
}

fn source_text(tree: &SyntaxTree, v: ValueId) -> String {
    let (s, e) = tree.span(v);
    tree.source()
        .get(s as usize..e as usize)
        .unwrap_or("")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert!(
            matches!(parse_ref("/inboundCall/tasks/task[Main_12]"), Ref::Internal(id) if id == "task:Main_12")
        );
        assert!(
            matches!(parse_ref("./menus/menu[mainMenu]"), Ref::Internal(id) if id == "menu:mainMenu")
        );
        assert!(matches!(
            parse_ref("./shared/startupTasks.yaml#/common/tasks/task[x]"),
            Ref::External
        ));
        assert!(matches!(parse_ref("nonsense"), Ref::Invalid));
        assert!(matches!(
            parse_ref("./choices/menuJumpToTask[x]"),
            Ref::Invalid
        ));
    }
}
