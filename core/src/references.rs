//! References between flows: what a document says about itself (name and flow type) and
//! every place it names another flow (Transfer to Flow, Call Common Module, Call Bot Flow,
//! an in-queue flow on Transfer to ACD, …), read with the same readers and locations as
//! validation. Hosts build releases and plans on it ([`dependency_order`]); [`check_set`]
//! validates the references between the documents of a set (missing flows, wrong types,
//! routing loops that cross flows).
//!
//! Which actions name a flow, and in which field, is the semantics table's
//! ([`crate::formats::semantics::FLOW_REFERENCES`]); `docs/semantics.md` says how each is
//! known. No IO: the host hands in texts and, when it has them, the flows an org holds.

mod set;

pub use set::{KnownFlow, SetDocument, SetOptions, SetResult, check_set};

use crate::diagnostic::{Location, Span};
use crate::formats::semantics::{self, FlowField};
use crate::formats::{self, ReadResult};
use crate::graph::Csr;
use crate::model::{Flow, InputFormat, Node, NodeKind};
use crate::syntax::{LineIndex, PositionEncoding, SyntaxTree, ValueId, ValueKind};

pub use crate::formats::semantics::FlowRefKind as RefKind;

/// What a document says it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The flow's name (`name`; Archy: `name` under the flow type key), trimmed.
    pub name: Option<String>,
    /// The flow type normalised to the Platform API's lower-case spelling (`inboundcall`,
    /// `inqueuecall`, `commonmodule`, `bot`, …), see [`normalize_flow_type`].
    pub flow_type: Option<String>,
    /// The type as the document writes it (`inqueueCall`, `inboundcall`).
    pub type_as_written: Option<String>,
}

/// How a reference names its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetForm {
    /// A literal name and/or id.
    Literal,
    /// An expression or variable evaluated at run time (Archy `exp:` / `var:`): which flow
    /// it names is not known before the call; never reported as missing.
    Expression,
    /// A literal that still holds a `{{placeholder}}` (a template not yet filled):
    /// unknown until substituted; never reported as missing.
    Placeholder,
}

/// The flow a reference names, as the document states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The name (for an expression: its text).
    pub name: Option<String>,
    /// The flow id, where the document gives one (configuration JSON `inQueueFlowId`,
    /// Archy `{id: …}`).
    pub id: Option<String>,
    /// The Platform API type the target must have, when the kind fixes it (not for
    /// flowguard's own flow JSON, which does not say).
    pub flow_type: Option<&'static str>,
    pub form: TargetForm,
}

impl Target {
    /// Whether the target is a literal name or id that can be looked up.
    pub fn is_literal(&self) -> bool {
        self.form == TargetForm::Literal
    }

    /// How messages show the target: `` `Name` `` or `` id `…` `` or the expression.
    pub fn display(&self) -> String {
        match (&self.name, &self.id, self.form) {
            (Some(n), _, TargetForm::Expression) => format!("the expression `{n}`"),
            (Some(n), _, _) => format!("`{n}`"),
            (None, Some(id), _) => format!("the flow with id `{id}`"),
            (None, None, _) => "an unnamed flow".to_owned(),
        }
    }
}

/// One place a document names another flow.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowReference {
    pub kind: RefKind,
    pub target: Target,
    /// The node (action, menu choice) it sits on: its id in the model, as diagnostics'
    /// `node` field gives it.
    pub node: String,
    /// The node as messages name it (`task "Main" › Transfer to Flow "Billing"`).
    pub node_label: String,
    /// Where the target is named: pointer and byte range into the text validation reads
    /// (for an export, its decoded text).
    pub at: Location,
    /// `at`'s range in the requested position encoding, with line and column.
    pub span: Option<Span>,
    /// True when the reference hands the interaction off (transfers); false when it calls
    /// a flow that returns here (common module, bot).
    pub hands_off: bool,
    /// Whether the flow's start reaches the node at all (through anything).
    pub reached: bool,
    /// Whether the flow's start reaches the node with no node that waits for the caller
    /// (menu, collect input, bot conversation, …) on the way; the node itself may wait.
    /// Cross-flow loop detection follows only these.
    pub reached_without_input: bool,
}

/// A document's identity and references.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentReferences {
    /// The format the document was read as.
    pub format: InputFormat,
    pub identity: Identity,
    /// In document order.
    pub references: Vec<FlowReference>,
    /// False when the text could not be read (a syntax error): nothing else is known.
    pub readable: bool,
}

/// Options for [`read`].
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    pub format: InputFormat,
    pub position_encoding: PositionEncoding,
    /// Larger decoded exports are not read (as [`crate::Options::max_bytes`]).
    pub max_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: InputFormat::Auto,
            position_encoding: PositionEncoding::Utf8,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Reads a document (any supported format, export files included) and returns what it is
/// and every flow it names. Never fails: an unreadable text gives `readable: false`.
pub fn read(text: &str, options: &ReadOptions) -> DocumentReferences {
    let read = formats::read_with_limit(text, options.format, options.max_bytes);
    let analysis = analyze(&read);
    public(&read, &analysis, options.position_encoding)
}

/// [`read`] with the default options (detected format, UTF-8 positions).
pub fn references(text: &str) -> DocumentReferences {
    read(text, &ReadOptions::default())
}

/// The Platform API spelling of a flow type: lower case, with Archy's keys mapped where
/// they differ (`botFlow` → `bot`, `digitalBotFlow` → `digitalbot`; `inqueueCall` and
/// `inQueueCall` → `inqueuecall`). Inferred for `botFlow` and `digitalBotFlow` (the API
/// lists `BOT` and `DIGITALBOT`, no `BOTFLOW`).
pub fn normalize_flow_type(written: &str) -> String {
    let lower = written.trim().to_ascii_lowercase();
    match lower.as_str() {
        "botflow" => "bot".to_owned(),
        "digitalbotflow" => "digitalbot".to_owned(),
        _ => lower,
    }
}

/// Whether two flow names are the same flow's: equal after trimming, ignoring case
/// (inferred: whether the platform's names are case-sensitive is not documented, and this
/// reading can only merge, never miss, a match).
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    crate::case::eq_ignore_case(a, b)
}

/// A group of documents of [`dependency_order`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencyGroup {
    /// Indexes into the documents, ascending.
    pub members: Vec<usize>,
    /// True when the members reference each other (more than one member, or one that
    /// names itself): they must exist before any of them is published.
    pub cyclic: bool,
}

/// The strongly connected groups of the reference graph over `docs` (an edge from a
/// document to each document of the set a literal reference resolves to, see
/// [`resolve_in_set`]), each group after every group it depends on. Deterministic: the
/// same documents in the same order give the same groups in the same order.
pub fn dependency_order(docs: &[DocumentReferences]) -> Vec<DependencyGroup> {
    let index = NameIndex::new(docs);
    let mut edges = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        for r in &d.references {
            if let Resolution::InSet(j) = index.resolve(docs, &r.target) {
                edges.push((i as u32, j as u32));
            }
        }
    }
    crate::graph::order::sort_by_key(&mut edges, |&(a, b)| u64::from(a) << 32 | u64::from(b));
    edges.dedup();
    let csr = Csr::from_edges(docs.len(), &edges);
    let comps = crate::graph::strongly_connected_components(&csr, None);
    // Tarjan closes a component after every component it reaches: dependencies first.
    (0..comps.len() as u32)
        .map(|c| DependencyGroup {
            members: comps.members(c).iter().map(|&v| v as usize).collect(),
            cyclic: comps.is_cyclic(c),
        })
        .collect()
}

/// Where a target is among a set of documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The document (index) of that name and, when the target's type is fixed, that type.
    InSet(usize),
    /// No document of that type has the name, but these of other types do.
    OtherType(Vec<usize>),
    /// No document of the set has the name (or the target is not a literal name).
    Outside,
}

/// Finds a literal target among `docs` by name (see [`same_name`]) and type: a document
/// whose type is unknown matches any type. The first match in document order wins.
pub fn resolve_in_set(docs: &[DocumentReferences], target: &Target) -> Resolution {
    let Some(name) = target.name.as_deref().filter(|_| target.is_literal()) else {
        return Resolution::Outside;
    };
    let named = docs.iter().enumerate().filter(|(_, d)| {
        d.identity
            .name
            .as_deref()
            .is_some_and(|n| same_name(n, name))
    });
    pick(named, target)
}

/// The documents of a set by name (trimmed, lower case), for resolving many targets in
/// time linear in the references rather than references × documents.
pub(crate) struct NameIndex(rustc_hash::FxHashMap<String, Vec<usize>>);

impl NameIndex {
    pub(crate) fn new(docs: &[DocumentReferences]) -> Self {
        let mut map: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
        for (i, d) in docs.iter().enumerate() {
            if let Some(n) = &d.identity.name {
                map.entry(crate::case::to_lowercase(n.trim()))
                    .or_default()
                    .push(i);
            }
        }
        NameIndex(map)
    }

    /// [`resolve_in_set`], through the index.
    pub(crate) fn resolve(&self, docs: &[DocumentReferences], target: &Target) -> Resolution {
        let Some(name) = target.name.as_deref().filter(|_| target.is_literal()) else {
            return Resolution::Outside;
        };
        let found = self.0.get(&crate::case::to_lowercase(name.trim()));
        pick(found.into_iter().flatten().map(|&i| (i, &docs[i])), target)
    }
}

/// The first of `named` (documents with the target's name, in document order) whose type
/// fits the target's, else those of other types.
fn pick<'d>(
    named: impl Iterator<Item = (usize, &'d DocumentReferences)>,
    target: &Target,
) -> Resolution {
    let mut other = Vec::new();
    for (i, d) in named {
        match (target.flow_type, d.identity.flow_type.as_deref()) {
            (Some(want), Some(have)) if want != have => other.push(i),
            _ => return Resolution::InSet(i),
        }
    }
    if other.is_empty() {
        Resolution::Outside
    } else {
        Resolution::OtherType(other)
    }
}

/// A reference before positions are resolved, with what the set check needs.
#[derive(Clone, Debug)]
pub(crate) struct RawReference {
    pub kind: RefKind,
    pub target: Target,
    /// Index into `flow.nodes`.
    pub node: usize,
    pub at: Location,
    pub reached: bool,
    pub reached_without_input: bool,
}

/// What [`analyze`] finds in a read document.
pub(crate) struct Analysis {
    pub identity: Identity,
    pub references: Vec<RawReference>,
    /// For each node (index into `flow.nodes`), the node before it on a shortest path from
    /// the start that waits for no input (`usize::MAX` at the start and for nodes not
    /// reached that way).
    pub parent: Vec<usize>,
}

pub(crate) const NO_PARENT: usize = usize::MAX;

/// The identity and raw references of a read document.
pub(crate) fn analyze(read: &ReadResult) -> Analysis {
    let flow = &read.flow;
    let identity = identity(flow);
    if read.fatal {
        return Analysis {
            identity,
            references: Vec::new(),
            parent: Vec::new(),
        };
    }
    let (reached, quiet, parent) = reach(flow);
    let mut references = Vec::new();
    for (i, node) in flow.nodes.iter().enumerate() {
        let Some(row) = semantics::flow_reference(&node.type_name) else {
            continue;
        };
        let Some((target, at)) = target_of(flow, node, row) else {
            continue;
        };
        references.push(RawReference {
            kind: row.kind,
            target,
            node: i,
            at,
            reached: reached[i],
            reached_without_input: quiet[i],
        });
    }
    Analysis {
        identity,
        references,
        parent,
    }
}

fn identity(flow: &Flow) -> Identity {
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Identity {
        name: trimmed(&flow.name),
        flow_type: trimmed(&flow.flow_type).map(|t| normalize_flow_type(&t)),
        type_as_written: trimmed(&flow.flow_type),
    }
}

/// The index of each node id (its first node, the one the graph uses) and of the start.
pub(crate) fn node_index(flow: &Flow) -> (rustc_hash::FxHashMap<&str, usize>, Option<usize>) {
    let mut index: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for (i, node) in flow.nodes.iter().enumerate() {
        index.entry(flow.id_of(node)).or_insert(i);
    }
    let start = flow
        .start
        .as_ref()
        .and_then(|&(id, _)| index.get(flow.name(id)).copied());
    (index, start)
}

/// From the start (first node with a duplicated id wins, as in the checks): which nodes
/// are reached, which are reached without passing a node that waits for the caller, and a
/// BFS parent for the latter. Iterative, linear.
fn reach(flow: &Flow) -> (Vec<bool>, Vec<bool>, Vec<usize>) {
    let n = flow.nodes.len();
    let (index, start) = node_index(flow);
    let bfs = |quiet_only: bool, parent: &mut Vec<usize>| {
        let mut seen = vec![false; n];
        let mut queue = std::collections::VecDeque::new();
        if let Some(s) = start {
            seen[s] = true;
            queue.push_back(s);
        }
        while let Some(v) = queue.pop_front() {
            if quiet_only && flow.nodes[v].kind == NodeKind::Input {
                continue;
            }
            for e in &flow.nodes[v].edges {
                if let Some(&w) = index.get(flow.name(e.target))
                    && !seen[w]
                {
                    seen[w] = true;
                    if quiet_only {
                        parent[w] = v;
                    }
                    queue.push_back(w);
                }
            }
        }
        seen
    };
    let mut parent = vec![NO_PARENT; n];
    let reached = bfs(false, &mut parent);
    let quiet = bfs(true, &mut parent);
    (reached, quiet, parent)
}

/// The target a node names, and where, by the semantics table's field.
fn target_of(
    flow: &Flow,
    node: &Node,
    row: &semantics::FlowReference,
) -> Option<(Target, Location)> {
    let tree = &flow.tree;
    let node_value = node.origin.value.filter(|v| (v.0 as usize) < tree.len())?;
    let kind = row.kind;
    let fixed_type = Some(kind.target_type());
    let at = |v: ValueId| formats::loc(tree, v);
    match row.field {
        FlowField::Plain(_) => {
            // flowguard's flow JSON: the reader already holds it; the format fixes no type.
            let t = node.flow.as_ref()?;
            let v = t.origin.value?;
            Some((
                literal_or_placeholder(Some(t.name.clone()), None, None),
                at(v),
            ))
        }
        FlowField::Named(field) => {
            let body = archy_body(tree, node_value)?;
            let v = tree.get(body, field)?;
            named(tree, v, fixed_type)
        }
        FlowField::Keyed(field) => {
            let body = archy_body(tree, node_value)?;
            let v = tree.get(body, field)?;
            keyed(tree, v, fixed_type)
        }
        FlowField::Text(fields) => {
            let v = fields.iter().find_map(|f| tree.get(node_value, f))?;
            let (name, nv) = text_value(tree, v)?;
            let id = tree
                .get(node_value, "flowId")
                .and_then(|i| tree.as_str(i))
                .map(str::to_owned);
            Some((
                literal_or_placeholder(Some(name.to_owned()), id, fixed_type),
                at(nv),
            ))
        }
        FlowField::InQueue => {
            // Real file: `useDefaultHandling: true` with a stale `inQueueFlowName`, and the
            // flow's manifest lists no such dependency: the fields are unused then.
            if tree
                .get(node_value, "useDefaultHandling")
                .and_then(|v| tree.as_bool(v))
                .unwrap_or(false)
            {
                return None;
            }
            let name_v = tree.get(node_value, "inQueueFlowName");
            let id_v = tree.get(node_value, "inQueueFlowId");
            let name = name_v.and_then(|v| tree.as_str(v)).map(str::trim);
            let id = id_v.and_then(|v| tree.as_str(v)).map(str::trim);
            let name = name.filter(|s| !s.is_empty()).map(str::to_owned);
            let id = id.filter(|s| !s.is_empty()).map(str::to_owned);
            if name.is_none() && id.is_none() {
                return None;
            }
            let v = if name.is_some() { name_v } else { id_v }?;
            Some((literal_or_placeholder(name, id, fixed_type), at(v)))
        }
    }
}

/// The body of an Archy action or menu choice: the value under its one key.
fn archy_body(tree: &SyntaxTree, item: ValueId) -> Option<ValueId> {
    let (_, _, body) = tree.members(item).next()?;
    (tree.kind(body) == ValueKind::Object).then_some(body)
}

/// A literal target, or a placeholder one when its name or id still holds `{{…}}`.
fn literal_or_placeholder(
    name: Option<String>,
    id: Option<String>,
    flow_type: Option<&'static str>,
) -> Target {
    let templated =
        name.as_deref().is_some_and(has_placeholder) || id.as_deref().is_some_and(has_placeholder);
    Target {
        name,
        id,
        flow_type,
        form: if templated {
            TargetForm::Placeholder
        } else {
            TargetForm::Literal
        },
    }
}

fn has_placeholder(s: &str) -> bool {
    s.find("{{").is_some_and(|i| s[i..].contains("}}"))
}

/// `X`, `{name: X, id: Y}`, `{lit: X | {name, id}}`, `{exp: E}`, `{var: V}`; `noValue` or
/// an empty name is no reference.
fn named(
    tree: &SyntaxTree,
    v: ValueId,
    flow_type: Option<&'static str>,
) -> Option<(Target, Location)> {
    for key in ["exp", "var"] {
        if let Some(e) = tree.get(v, key) {
            let text = tree.text(e).unwrap_or("").trim().to_owned();
            return Some((
                Target {
                    name: Some(text),
                    id: None,
                    flow_type,
                    form: TargetForm::Expression,
                },
                formats::loc(tree, e),
            ));
        }
    }
    let v = tree.get(v, "lit").unwrap_or(v);
    if let Some(s) = tree.as_str(v) {
        let s = s.trim();
        return (!s.is_empty()).then(|| {
            (
                literal_or_placeholder(Some(s.to_owned()), None, flow_type),
                formats::loc(tree, v),
            )
        });
    }
    if tree.kind(v) != ValueKind::Object {
        return None;
    }
    let str_at = |k: &str| {
        tree.get(v, k).and_then(|x| {
            let s = tree.as_str(x)?.trim();
            (!s.is_empty()).then(|| (s.to_owned(), x))
        })
    };
    let name = str_at("name");
    let id = str_at("id");
    let place = name.as_ref().or(id.as_ref()).map(|(_, x)| *x)?;
    Some((
        literal_or_placeholder(name.map(|n| n.0), id.map(|i| i.0), flow_type),
        formats::loc(tree, place),
    ))
}

/// `{<Name>: {ver_latestPublished: …}}`: the key names the flow; the location is the key.
fn keyed(
    tree: &SyntaxTree,
    v: ValueId,
    flow_type: Option<&'static str>,
) -> Option<(Target, Location)> {
    if tree.kind(v) != ValueKind::Object {
        return named(tree, v, flow_type);
    }
    let (key, key_span, value) = tree.members(v).next()?;
    // `commonModule: {exp: …}` / `{var: …}` / `{lit: …}`: a value form, not a flow's name.
    if matches!(key, "exp" | "var" | "lit") && tree.kind(value) != ValueKind::Object {
        return named(tree, v, flow_type);
    }
    let name = key.trim();
    if name.is_empty() {
        return None;
    }
    Some((
        literal_or_placeholder(Some(name.to_owned()), None, flow_type),
        Location {
            pointer: tree.pointer(value),
            range: Some(key_span),
        },
    ))
}

/// A configuration JSON value: a string or `{text}` (and `{config: {lit: {val}}}`'s text).
fn text_value(tree: &SyntaxTree, v: ValueId) -> Option<(&str, ValueId)> {
    if let Some(s) = tree.as_str(v) {
        return (!s.trim().is_empty()).then_some((s.trim(), v));
    }
    let t = tree.get(v, "text")?;
    let s = tree.as_str(t)?.trim();
    (!s.is_empty()).then_some((s, t))
}

/// The public form of an analysis: positions resolved in `encoding`.
pub(crate) fn public(
    read: &ReadResult,
    analysis: &Analysis,
    encoding: PositionEncoding,
) -> DocumentReferences {
    let flow = &read.flow;
    let text = flow.tree.source();
    let index = (!analysis.references.is_empty()).then(|| LineIndex::new(text));
    let references = analysis
        .references
        .iter()
        .map(|r| {
            let node = &flow.nodes[r.node];
            FlowReference {
                kind: r.kind,
                target: r.target.clone(),
                node: flow.id_of(node).to_owned(),
                node_label: node.display(flow),
                at: r.at.clone(),
                span: match (&index, r.at.range) {
                    (Some(index), Some(range)) => Some(span_of(index, text, range, encoding)),
                    _ => None,
                },
                hands_off: r.kind.hands_off(),
                reached: r.reached,
                reached_without_input: r.reached_without_input,
            }
        })
        .collect();
    DocumentReferences {
        format: flow.format,
        identity: analysis.identity.clone(),
        references,
        readable: !read.fatal,
    }
}

pub(crate) use crate::diagnostic::span_at as span_of;

#[cfg(test)]
mod tests;
