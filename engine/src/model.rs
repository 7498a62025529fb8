//! The flow graph model every format reads into: nodes with a kind that says how routing
//! treats them, outgoing references (transitions and decision conditions) and, for every
//! part, the place in the source it came from.

mod names;

pub use names::{Names, NodeRef};

use crate::diagnostic::Location;
use crate::syntax::{SyntaxTree, ValueId};

/// How routing analysis treats a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// Waits for the caller (menu, collect input): loops through it are caller-driven.
    Input,
    /// Can end this flow here: disconnect, end of a task, and hand-offs (transfers), which
    /// end the flow when they succeed and otherwise continue through their outgoing edges
    /// (`failure`, `next`). An end node with edges is an exit, not a dead end.
    End,
    /// Branches on conditions: first true condition by descending priority, else `default`.
    Decision,
    /// Repeats a body at most `max_iterations` times, then leaves through `exit`.
    Loop,
    /// Does its work and moves on (play, set, data, jump, task and unknown types).
    PassThrough,
}

/// Which document format a flow came from.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Detect from the text.
    #[default]
    Auto,
    /// flowguard's own flow JSON (seed-compatible).
    Flow,
    /// Archy YAML.
    Archy,
    /// Architect configuration JSON (`latestconfiguration`).
    Architect,
}

impl InputFormat {
    pub fn parse(s: &str) -> Option<InputFormat> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(InputFormat::Auto),
            "flow" | "json" => Some(InputFormat::Flow),
            "archy" | "yaml" => Some(InputFormat::Archy),
            "architect" | "configuration" => Some(InputFormat::Architect),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Flow => "flow",
            InputFormat::Archy => "archy",
            InputFormat::Architect => "architect",
        }
    }
}

/// Where a part of the model came from. `value` is the syntax-tree value (span and
/// pointer); `pointer` overrides the pointer for parts without a value of their own
/// (for example nodes added by an editor). Boxed: every node, edge and condition has an
/// origin and the readers never set a pointer, so it costs one word (16 bytes in all,
/// not 32).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub value: Option<ValueId>,
    pub pointer: Option<Box<String>>,
}

impl Origin {
    pub fn value(v: ValueId) -> Self {
        Origin {
            value: Some(v),
            pointer: None,
        }
    }

    pub fn pointer(p: impl Into<String>) -> Self {
        Origin {
            value: None,
            pointer: Some(Box::new(p.into())),
        }
    }
}

/// A transition label: borrowed for the common ones (no allocation per edge), owned
/// for the rest.
pub type Label = std::borrow::Cow<'static, str>;

/// The label `text` as a [`Label`]: the labels flows use most are shared statics.
pub fn label(text: &str) -> Label {
    // Menu keys first: one byte, found without comparing against every name below.
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    if let &[b @ b'0'..=b'9'] = text.as_bytes() {
        return Label::Borrowed(DIGITS[usize::from(b - b'0')]);
    }
    let common = match text {
        "default" => "default",
        "condition" => "condition",
        "next" => "next",
        "success" => "success",
        "failure" => "failure",
        "timeout" => "timeout",
        "no_input" => "no_input",
        "no_match" => "no_match",
        "yes" => "yes",
        "no" => "no",
        "body" => "body",
        "exit" => "exit",
        "0" => "0",
        "1" => "1",
        "2" => "2",
        "3" => "3",
        "4" => "4",
        "5" => "5",
        "6" => "6",
        "7" => "7",
        "8" => "8",
        "9" => "9",
        "*" => "*",
        "#" => "#",
        _ => return Label::Owned(text.to_owned()),
    };
    Label::Borrowed(common)
}

/// A reference from one node to another, by id, as written in the document.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The transition label (`default`, `1`, `yes`, `body`, ...) or `condition` for a
    /// decision condition's target.
    pub label: Label,
    /// The id referred to, in the flow's [`Flow::names`].
    pub target: NodeRef,
    /// The place of the target reference.
    pub origin: Origin,
    /// Index into [`Node::conditions`] when the edge is a condition's target (a `u32`:
    /// with the boxed origin, an edge is 56 bytes instead of 80).
    pub condition: Option<u32>,
}

/// A decision condition: taken when `expression` is true and no condition before it (by
/// descending priority, then document order) was.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub expression: String,
    pub priority: f64,
    /// The id the condition leads to, in the flow's [`Flow::names`] (its edge in
    /// [`Node::edges`] has the same target).
    pub target: NodeRef,
    pub origin: Origin,
    /// The expression string's value (for spans inside the expression).
    pub expression_origin: Origin,
    /// Byte offset in the source where the expression text starts (after the quote), when
    /// the expression is a plain slice of the source; used for spans inside expressions.
    pub expression_source_start: Option<u32>,
}

/// A named thing a node points outside the flow at (a queue, another flow).
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalTarget {
    pub name: String,
    pub origin: Origin,
    /// True when the name is an expression evaluated at run time (Archy `exp:`).
    pub is_expression: bool,
}

/// One node of the flow graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The node's id, in the flow's [`Flow::names`] ([`Flow::id_of`] gives the text).
    pub id: NodeRef,
    /// The type as written (`menu`, `transferToAcd`, `TransferPureMatchAction`, ...);
    /// flow JSON's own type names are shared statics.
    pub type_name: Label,
    pub kind: NodeKind,
    /// A human name when the format has one besides the id (Architect actions are named
    /// by GUID and carry a `name`); messages show it next to the id.
    pub label: Option<String>,
    /// True when flowguard does not know the type (reported as FG004, treated as pass-through).
    pub unknown_type: bool,
    pub origin: Origin,
    /// Every outgoing reference, transitions first in document order, then conditions.
    pub edges: Vec<Edge>,
    pub conditions: Vec<Condition>,
    pub max_iterations: Option<u64>,
    /// A loop whose count is an expression (`loopCount: {exp: ...}`): Architect fixes the
    /// count when the loop starts, so the loop is bounded, by a number known only at run time.
    pub counted_at_run_time: bool,
    /// Boxed, as `flow`: few nodes transfer, and every node would carry 48 bytes each.
    pub queue: Option<Box<ExternalTarget>>,
    pub flow: Option<Box<ExternalTarget>>,
}

impl Node {
    /// A node with id `id` (a handle of its flow's [`Flow::names`], see [`Flow::intern`]).
    pub fn new(id: NodeRef, type_name: impl Into<Label>, kind: NodeKind) -> Self {
        Node {
            id,
            type_name: type_name.into(),
            kind,
            label: None,
            unknown_type: false,
            origin: Origin::default(),
            edges: Vec::new(),
            conditions: Vec::new(),
            max_iterations: None,
            counted_at_run_time: false,
            queue: None,
            flow: None,
        }
    }

    /// How messages name the node: its label the way Architect shows it (`task "Main" ›
    /// Play Audio "Sorry"`) when it has one, else `` `id` ``. The id stays in the
    /// diagnostic's `node` field for tools. `flow` is the node's flow (for its id).
    pub fn display(&self, flow: &Flow) -> String {
        let mut out = String::new();
        self.push_display(flow, &mut out);
        out
    }

    /// [`Node::display`] appended to `out`: messages that name many nodes write each
    /// name in place (no string per name, and no formatting machinery).
    pub fn push_display(&self, flow: &Flow, out: &mut String) {
        match &self.label {
            Some(l) if !l.is_empty() => out.push_str(l),
            _ => {
                let id = flow.id_of(self);
                out.reserve(id.len() + 2);
                out.push('`');
                out.push_str(id);
                out.push('`');
            }
        }
    }

    /// The edge labelled `default`, if any.
    pub fn default_edge(&self) -> Option<&Edge> {
        self.edges
            .iter()
            .find(|e| e.condition.is_none() && e.label == "default")
    }

    /// Whether this node bounds the loop it is part of.
    pub fn bounds_loops(&self) -> bool {
        self.kind == NodeKind::Loop
            && (self.max_iterations.is_some_and(|n| n > 0) || self.counted_at_run_time)
    }
}

/// A flow document read into the graph model.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    pub format: InputFormat,
    pub name: Option<String>,
    pub flow_type: Option<String>,
    /// The id of the start node and the place it is named.
    pub start: Option<(NodeRef, Origin)>,
    /// Other ways in besides `start`: entry points the platform runs on its own (an in-queue
    /// flow's periodic state) and menus or tasks that flow settings name (error handling).
    /// Reachability starts from all of them; depth is measured from `start`.
    pub entries: Vec<Entry>,
    pub nodes: Vec<Node>,
    /// The ids of the nodes ([`Node::id`]) and those the flow's references name
    /// ([`Edge::target`], `start`, [`Entry::target`]), interned.
    pub names: Names,
    /// The syntax tree the origins refer to (empty for flows built in code).
    pub tree: SyntaxTree,
}

impl Flow {
    /// The id a reference names.
    pub fn name(&self, r: NodeRef) -> &str {
        self.names.text(r)
    }

    /// The handle of `id` in [`Flow::names`], added when new.
    pub fn intern(&mut self, id: &str) -> NodeRef {
        self.names.intern(id)
    }

    /// The id of `node`, a node of this flow.
    #[inline]
    pub fn id_of(&self, node: &Node) -> &str {
        self.names.text(node.id)
    }

    /// The first node whose id is `id` (a linear search: for hosts and tests; the checks
    /// resolve references through the graph's arrays).
    pub fn node_named(&self, id: &str) -> Option<&Node> {
        let r = self.names.get(id)?;
        self.nodes.iter().find(|n| n.id == r)
    }

    /// The handle of the id of node `pos` ([`Node::id`]), if there is such a node and the
    /// handle is one of [`Flow::names`].
    pub fn node_ref(&self, pos: usize) -> Option<NodeRef> {
        let r = self.nodes.get(pos)?.id;
        ((r.0 as usize) < self.names.len()).then_some(r)
    }

    /// A new node with id `id` (interned) in this flow; not added to [`Flow::nodes`].
    pub fn new_node(&mut self, id: &str, type_name: impl Into<Label>, kind: NodeKind) -> Node {
        Node::new(self.intern(id), type_name, kind)
    }

    /// The id of the start node, if the flow names one.
    pub fn start_id(&self) -> Option<&str> {
        self.start.as_ref().map(|(r, _)| self.name(*r))
    }

    /// A reference from a node to `id`, labelled `label`.
    pub fn edge(&mut self, label: impl Into<Label>, id: &str, origin: Origin) -> Edge {
        Edge {
            label: label.into(),
            target: self.intern(id),
            origin,
            condition: None,
        }
    }
}

/// A way into a flow besides its start.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub target: NodeRef,
    pub origin: Origin,
    /// What makes it an entry, for messages (`the flow's error handling`).
    pub why: &'static str,
}

/// flowguard's flow-JSON node types and the kind each maps to: the one list both
/// [`kind_of_flow_type`] and [`flow_type_name`] read.
const FLOW_TYPES: [(&str, NodeKind); 12] = [
    ("menu", NodeKind::Input),
    ("collect", NodeKind::Input),
    ("disconnect", NodeKind::End),
    ("transfer", NodeKind::End),
    ("transfer_flow", NodeKind::End),
    ("decision", NodeKind::Decision),
    ("loop", NodeKind::Loop),
    ("play", NodeKind::PassThrough),
    ("set", NodeKind::PassThrough),
    ("data", NodeKind::PassThrough),
    ("jump", NodeKind::PassThrough),
    ("task", NodeKind::PassThrough),
];

/// Found by code: a switch on one number, where comparing the names was a `memcmp` call
/// per candidate (every node of a flow-JSON document has its type looked up). A switch
/// needs its patterns as `const` items, hence the list; a search of a table of codes
/// instead measured 0.1–1.4 % slower on `validate`, and the test below holds every
/// name to its own entry.
fn known_flow_type(type_name: &str) -> Option<&'static (&'static str, NodeKind)> {
    const fn code(i: usize) -> u128 {
        crate::text_index::key_code_of(FLOW_TYPES[i].0.as_bytes())
    }
    const MENU: u128 = code(0);
    const COLLECT: u128 = code(1);
    const DISCONNECT: u128 = code(2);
    const TRANSFER: u128 = code(3);
    const TRANSFER_FLOW: u128 = code(4);
    const DECISION: u128 = code(5);
    const LOOP: u128 = code(6);
    const PLAY: u128 = code(7);
    const SET: u128 = code(8);
    const DATA: u128 = code(9);
    const JUMP: u128 = code(10);
    const TASK: u128 = code(11);
    let i = match crate::text_index::key_code(type_name.as_bytes()) {
        MENU => 0,
        COLLECT => 1,
        DISCONNECT => 2,
        TRANSFER => 3,
        TRANSFER_FLOW => 4,
        DECISION => 5,
        LOOP => 6,
        PLAY => 7,
        SET => 8,
        DATA => 9,
        JUMP => 10,
        TASK => 11,
        _ => return None,
    };
    FLOW_TYPES.get(i)
}

/// A flow-JSON node type as a [`Label`]: the known types are shared statics, so reading a
/// node allocates nothing for its type.
pub fn flow_type_name(text: &str) -> Label {
    flow_type(text).0
}

/// [`flow_type_name`] and [`kind_of_flow_type`] with one look-up (the flow-JSON reader).
pub fn flow_type(text: &str) -> (Label, NodeKind, bool) {
    match known_flow_type(text) {
        Some(&(name, kind)) => (Label::Borrowed(name), kind, true),
        None => (Label::Owned(text.to_owned()), NodeKind::PassThrough, false),
    }
}

/// The kind a flow-format node type maps to, and whether the type is known.
pub fn kind_of_flow_type(type_name: &str) -> (NodeKind, bool) {
    match known_flow_type(type_name) {
        Some(&(_, kind)) => (kind, true),
        None => (NodeKind::PassThrough, false),
    }
}

/// The place of a syntax-tree value.
pub fn loc(tree: &SyntaxTree, v: ValueId) -> Location {
    Location {
        pointer: tree.pointer(v),
        range: Some(tree.span(v)),
    }
}

/// The place of a value named by its "head": the member key it is stored under, else its
/// `id` member, else the whole value. Node-level findings point here so that an editor
/// underlines `"welcome"` rather than a 40-line object.
pub fn head_loc(tree: &SyntaxTree, v: ValueId) -> Location {
    let range = match tree.key_of(v) {
        Some((_, span)) => span,
        None => match tree.get(v, "id").or_else(|| tree.get(v, "name")) {
            Some(id) => tree.span(id),
            None => tree.span(v),
        },
    };
    Location {
        pointer: tree.pointer(v),
        range: Some(range),
    }
}

/// The place of a node: its head in the document (key, `id` or `name`; what diagnostics
/// about it underline), or `/nodes/<id>`.
pub fn node_location(flow: &Flow, node: &Node) -> Location {
    let origin = &node.origin;
    match origin.value {
        Some(value) if (value.0 as usize) < flow.tree.len() && origin.pointer.is_none() => {
            head_loc(&flow.tree, value)
        }
        _ => origin_location(flow, origin, || {
            let mut p = String::from("/nodes/");
            crate::syntax::tree::push_pointer_segment(&mut p, flow.id_of(node));
            p
        }),
    }
}

/// [`node_location`] for many nodes of one flow. The nodes of a document are the members
/// of one object (flow JSON's `nodes`, a task's actions), so a node's pointer is that
/// object's pointer and the node's key: the object's pointer is built once and kept for
/// the next node with the same parent, instead of walking up the tree for every node.
pub struct NodeLocations<'f> {
    flow: &'f Flow,
    /// The last parent seen and its pointer.
    parent: Option<(ValueId, String)>,
}

impl<'f> NodeLocations<'f> {
    pub fn new(flow: &'f Flow) -> Self {
        NodeLocations { flow, parent: None }
    }

    /// Exactly [`node_location`]`(flow, node)`.
    pub fn of(&mut self, node: &Node) -> Location {
        let tree = &self.flow.tree;
        let origin = &node.origin;
        let keyed = match origin.value {
            Some(value) if (value.0 as usize) < tree.len() && origin.pointer.is_none() => {
                // `member_key` answers only for a member of an object: then `head_loc`'s
                // range is the key's span and its pointer the parent's and the key.
                tree.member_key(value)
            }
            _ => None,
        };
        let Some((parent, key, span)) = keyed else {
            return node_location(self.flow, node);
        };
        let prefix = match &mut self.parent {
            Some((p, pointer)) if *p == parent => pointer,
            slot => &mut slot.insert((parent, tree.pointer(parent))).1,
        };
        let mut pointer = String::with_capacity(prefix.len() + 1 + key.len());
        pointer.push_str(prefix);
        pointer.push('/');
        crate::syntax::tree::push_pointer_segment(&mut pointer, key);
        Location {
            pointer,
            range: Some(span),
        }
    }
}

/// Resolves an [`Origin`] to a [`Location`]; `fallback` gives the pointer when the origin
/// has neither a value nor a pointer.
pub fn origin_location(
    flow: &Flow,
    origin: &Origin,
    fallback: impl FnOnce() -> String,
) -> Location {
    match known_location(flow, origin) {
        Some(l) => l,
        None => Location {
            pointer: fallback(),
            range: None,
        },
    }
}

/// [`origin_location`] without the fallback (one copy, not one per caller's closure).
fn known_location(flow: &Flow, origin: &Origin) -> Option<Location> {
    let range = origin
        .value
        .filter(|v| (v.0 as usize) < flow.tree.len())
        .map(|v| (v, flow.tree.span(v)));
    let pointer = match (&origin.pointer, range) {
        (Some(p), _) => String::clone(p),
        (None, Some((v, _))) => flow.tree.pointer(v),
        (None, None) => return None,
    };
    Some(Location {
        pointer,
        range: range.map(|(_, r)| r),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A value's head: the member key it sits under, else its `id` (or `name`), else the
    /// value itself; and a pointer that leads back to the value, through escaped keys,
    /// arrays and deep members.
    #[test]
    fn head_loc_underlines_the_key_or_the_id_and_points_back() {
        let text = r#"{"nodes":{"n1":{"id":"x"},"a/b~c":{"k":[{"m":{"deep":{"er":{"est":1}}}}]}},"s":[1,{"t":2},{"name":"nm"},{}],"p":{"q":{"r":{"s":{"u":1}}}}}"#;
        let tree = crate::syntax::json::parse(text).tree;
        let at = |needle: &str| {
            let s = text.find(needle).unwrap() as u32;
            Some((s, s + needle.len() as u32))
        };
        for i in 0..tree.len() as u32 {
            let v = ValueId(i);
            let loc = head_loc(&tree, v);
            assert_eq!(
                tree.resolve_pointer(&loc.pointer),
                Some(v),
                "{}",
                loc.pointer
            );
        }
        let head = |pointer: &str| head_loc(&tree, tree.resolve_pointer(pointer).unwrap());
        assert_eq!(head("/nodes/a~1b~0c").range, at(r#""a/b~c""#));
        assert_eq!(head("/nodes/a~1b~0c").pointer, "/nodes/a~1b~0c");
        assert_eq!(
            head("/nodes/a~1b~0c/k/0/m/deep/er/est").range,
            at(r#""est""#)
        );
        // Array elements have no key: an `id` or `name` member, else the element.
        assert_eq!(head("/s/2").range, at(r#""nm""#));
        assert_eq!(head("/s/3").range, at("{}"));
        assert_eq!(
            head("/s/0").range,
            Some((at("[1").unwrap().0 + 1, at("[1").unwrap().0 + 2))
        );
    }

    /// Every node, edge and condition is one of these: issue 19 made them smaller (node
    /// 304, edge 80, condition 112 bytes before), and this keeps them so.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn model_parts_stay_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<Origin>(), 16);
        assert!(size_of::<Edge>() <= 56, "{}", size_of::<Edge>());
        assert!(size_of::<Condition>() <= 80, "{}", size_of::<Condition>());
        assert!(size_of::<Node>() <= 152, "{}", size_of::<Node>());
    }

    #[test]
    fn labels_keep_their_text_and_share_the_common_ones() {
        for text in [
            "default", "1", "#", "timeout", "yes", "Default", "10", "", "opción",
        ] {
            let l = label(text);
            assert_eq!(l, text);
            let shared = matches!(l, Label::Borrowed(_));
            assert_eq!(
                shared,
                !matches!(text, "Default" | "10" | "" | "opción"),
                "{text}"
            );
        }
    }

    #[test]
    fn flow_type_names_share_exactly_the_known_types() {
        for text in ["menu", "transfer_flow", "task", "Menu", "custom", ""] {
            let name = flow_type_name(text);
            assert_eq!(name, text);
            let known = matches!(text, "menu" | "transfer_flow" | "task");
            assert_eq!(matches!(name, Label::Borrowed(_)), known, "{text}");
            assert_eq!(kind_of_flow_type(text).1, known, "{text}");
            assert_eq!(
                flow_type(text),
                (name.clone(), kind_of_flow_type(text).0, known),
                "{text}"
            );
        }
        // Every known type is found by its code, with its own kind.
        for (name, kind) in FLOW_TYPES {
            assert_eq!(kind_of_flow_type(name), (kind, true), "{name}");
            assert_eq!(flow_type_name(name), name);
            assert!(!kind_of_flow_type(&format!("{name} ")).1, "{name}");
        }
        assert_eq!(kind_of_flow_type("collect"), (NodeKind::Input, true));
        assert_eq!(kind_of_flow_type("transfer"), (NodeKind::End, true));
        assert_eq!(kind_of_flow_type("jump"), (NodeKind::PassThrough, true));
        assert_eq!(kind_of_flow_type("wait"), (NodeKind::PassThrough, false));
    }
}
