//! Validating the references between the documents of a set: flows named but neither in
//! the set nor (when the host knows them) in the org (FG071, FG072), targets of the wrong
//! type (FG073), and routing loops that cross flows with no caller input on the way
//! (FG070), reported with the witness path through every file.
//!
//! A set of one document gets no finding here unless the org's flows are known (then its
//! references are looked up): a file validated alone is judged by the single-flow checks.

use super::{
    Analysis, DependencyGroup, DocumentReferences, NO_PARENT, NameIndex, RawReference, RefKind,
    Resolution, TargetForm, analyze, dependency_order, public, same_name, span_of,
};
use crate::diagnostic::{Code, Diagnostic, Location, RawDiagnostic, Related, Severity};
use crate::formats::{self, ReadResult};
use crate::graph::{Csr, SearchScratch, cycle_through, strongly_connected_components};
use crate::model::{InputFormat, NodeKind};
use crate::syntax::{LineIndex, PositionEncoding};

/// The longest chain of flows put into a message (as the single-flow loop rule's cycle
/// text); the related locations always list every step.
const MESSAGE_CYCLE_FLOWS: usize = 12;

/// One document of a set.
#[derive(Clone, Copy, Debug)]
pub struct SetDocument<'a> {
    /// How messages and related locations name the document (its path, for the CLI).
    pub label: &'a str,
    pub text: &'a str,
    pub format: InputFormat,
}

/// A flow the org holds (`GET /api/v2/flows`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFlow {
    pub name: String,
    /// Any spelling (`INBOUNDCALL`); compared after [`super::normalize_flow_type`].
    pub flow_type: Option<String>,
    pub id: Option<String>,
}

/// What [`check_set`] needs besides the documents.
#[derive(Clone, Debug)]
pub struct SetOptions {
    pub position_encoding: PositionEncoding,
    pub max_bytes: usize,
    /// The org's flows, when the host looked them up (`validate --org`): a literal
    /// reference to a flow neither in the set nor here is FG072. `None`: the org is not
    /// known, and a reference outside the set is FG071 (info).
    pub known_flows: Option<Vec<KnownFlow>>,
}

impl Default for SetOptions {
    fn default() -> Self {
        SetOptions {
            position_encoding: PositionEncoding::Utf8,
            max_bytes: 10 * 1024 * 1024,
            known_flows: None,
        }
    }
}

/// The set's findings, per document (in the order given; positions in each document's
/// text, or its decoded text for an export), the references read, and the order to deploy.
#[derive(Clone, Debug, PartialEq)]
pub struct SetResult {
    pub diagnostics: Vec<Vec<Diagnostic>>,
    pub documents: Vec<DocumentReferences>,
    pub order: Vec<DependencyGroup>,
}

struct Doc<'a> {
    label: &'a str,
    read: ReadResult,
    analysis: Analysis,
}

impl Doc<'_> {
    fn text(&self) -> &str {
        self.read.flow.tree.source()
    }

    /// How messages name the flow: `` `Name` (label) ``.
    fn display(&self) -> String {
        match &self.analysis.identity.name {
            Some(n) => format!("`{n}` ({})", self.label),
            None => self.label.to_owned(),
        }
    }
}

/// Validates the references between `docs`. No IO; deterministic.
pub fn check_set(docs: &[SetDocument<'_>], options: &SetOptions) -> SetResult {
    let read: Vec<Doc<'_>> = docs
        .iter()
        .map(|d| {
            let read = formats::read_with_limit(d.text, d.format, options.max_bytes);
            let analysis = analyze(&read);
            Doc {
                label: d.label,
                read,
                analysis,
            }
        })
        .collect();
    let documents: Vec<DocumentReferences> = read
        .iter()
        .map(|d| public(&d.read, &d.analysis, options.position_encoding))
        .collect();
    let order = dependency_order(&documents);
    let index = NameIndex::new(&documents);
    let mut raw: Vec<Vec<RawDiagnostic>> = vec![Vec::new(); read.len()];
    // Places in other documents, attached after resolution: (doc, diagnostic index in
    // `raw[doc]`, the other document, its location, node, message).
    let mut cross: Vec<CrossRelated> = Vec::new();
    // One file alone is judged by the single-flow checks only; with the org's flows known
    // its references are looked up (what `--org` asks for).
    if read.len() >= 2 || options.known_flows.is_some() {
        check_targets(&read, &documents, &index, options, &mut raw);
    }
    if read.len() >= 2 {
        check_loops(&read, &documents, &index, &mut raw, &mut cross);
    }
    let diagnostics = resolve_all(&read, raw, cross, options.position_encoding);
    SetResult {
        diagnostics,
        documents,
        order,
    }
}

struct CrossRelated {
    doc: usize,
    diagnostic: usize,
    other: usize,
    at: Location,
    node: Option<String>,
    message: String,
}

/// FG071 / FG072 / FG073 for every literal reference.
fn check_targets(
    read: &[Doc<'_>],
    documents: &[DocumentReferences],
    index: &NameIndex,
    options: &SetOptions,
    raw: &mut [Vec<RawDiagnostic>],
) {
    // A document the set cannot name (unreadable, nameless, or named by a placeholder)
    // may be the flow a reference means: then nothing is reported missing for sure.
    let unnamed: Vec<&str> = read
        .iter()
        .filter(|d| {
            d.read.fatal
                || d.analysis
                    .identity
                    .name
                    .as_deref()
                    .is_none_or(super::has_placeholder)
        })
        .map(|d| d.label)
        .collect();
    // The org's flows: (name, normalised type, id).
    type Known<'k> = (String, Option<String>, Option<&'k str>);
    let known: Option<Vec<Known<'_>>> = options.known_flows.as_ref().map(|flows| {
        flows
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    f.flow_type.as_deref().map(super::normalize_flow_type),
                    f.id.as_deref(),
                )
            })
            .collect()
    });
    for (i, doc) in read.iter().enumerate() {
        for r in &doc.analysis.references {
            if r.target.form != TargetForm::Literal {
                continue;
            }
            let flow = &doc.read.flow;
            let node = &flow.nodes[r.node];
            let what = if r.kind == RefKind::InQueueFlow {
                format!(
                    "{} names {} as its in-queue flow",
                    node.display(flow),
                    r.target.display()
                )
            } else {
                format!("{} names {}", node.display(flow), r.target.display())
            };
            let want = r.target.flow_type;
            let in_set = index.resolve(documents, &r.target);
            // The org's answer: Some(true) has it (right type or type unknown), Some(false)
            // has the name only with other types, None has no such flow.
            let in_org = known.as_ref().and_then(|flows| {
                let mut other = false;
                for (name, ty, id) in flows {
                    let by_id = r.target.id.as_deref().is_some_and(|t| Some(t) == *id);
                    let by_name = r.target.name.as_deref().is_some_and(|t| same_name(t, name));
                    if !(by_id || by_name) {
                        continue;
                    }
                    match (want, ty.as_deref()) {
                        (Some(w), Some(t)) if w != t && !by_id => other = true,
                        _ => return Some(true),
                    }
                }
                other.then_some(false)
            });
            let diag = match (in_set, in_org) {
                (Resolution::InSet(_), _) | (_, Some(true)) => None,
                (Resolution::OtherType(others), _) => {
                    let names: Vec<String> = others
                        .iter()
                        .map(|&j| {
                            format!(
                                "a flow of type `{}` ({})",
                                documents[j].identity.flow_type.as_deref().unwrap_or("?"),
                                read[j].label
                            )
                        })
                        .collect();
                    Some(RawDiagnostic::new(
                        Code::FlowTypeMismatch,
                        r.at.clone(),
                        format!(
                            "{what}, which needs a flow of type `{}`, but the set has that name only as {}{}",
                            want.unwrap_or("?"),
                            names.join(", "),
                            if in_org == Some(false) {
                                ", and so has the org"
                            } else {
                                ""
                            }
                        ),
                        format!(
                            "name a flow of type `{}` here, or check that the org has one of that name (flows are told apart by name and type)",
                            want.unwrap_or("?")
                        ),
                    ))
                }
                (Resolution::Outside, Some(false)) => Some(RawDiagnostic::new(
                    Code::FlowTypeMismatch,
                    r.at.clone(),
                    format!(
                        "{what}, which needs a flow of type `{}`, but the org has that name only as a flow of another type",
                        want.unwrap_or("?")
                    ),
                    format!(
                        "name a flow of type `{}` here (flows are told apart by name and type), or create it",
                        want.unwrap_or("?")
                    ),
                )),
                (Resolution::Outside, None) if known.is_some() && unnamed.is_empty() => {
                    Some(RawDiagnostic::new(
                        Code::MissingFlow,
                        r.at.clone(),
                        if read.len() == 1 {
                            format!("{what}, which the org does not have")
                        } else {
                            // No count of documents: a baseline must still match when
                            // files are added.
                            format!("{what}, which is neither in the set nor in the org")
                        },
                        "create the flow (or add its file to the set), or correct the name; the action fails at run time while the flow does not exist",
                    ))
                }
                (Resolution::Outside, None) => {
                    let why = if known.is_some() {
                        format!(
                            " nor in the org, but the set has documents whose name is not known ({}), which may be it",
                            unnamed.join(", ")
                        )
                    } else {
                        String::new()
                    };
                    Some(RawDiagnostic::new(
                        Code::FlowOutsideSet,
                        r.at.clone(),
                        format!("{what}, which no document of the set is{why}"),
                        if known.is_some() {
                            "fix the documents that cannot be read (or give them a name), then validate again"
                        } else {
                            "nothing to fix if the flow exists in the org: confirm with `flowguard validate --org` (which looks the flow up), or add its file to the set"
                        },
                    ))
                }
            };
            if let Some(d) = diag {
                raw[i].push(d.node(flow.id_of(node)));
            }
        }
    }
}

/// A reference that carries a call on without waiting for the caller: from a node the
/// start reaches with no input on the way, that does not itself wait (a bot conversation
/// does), to a document of the set.
fn loop_edge(r: &RawReference, doc: &Doc<'_>) -> bool {
    r.reached_without_input && doc.read.flow.nodes[r.node].kind != NodeKind::Input
}

/// FG070: strongly connected groups of flows joined by quiet references.
fn check_loops(
    read: &[Doc<'_>],
    documents: &[DocumentReferences],
    index: &NameIndex,
    raw: &mut [Vec<RawDiagnostic>],
    cross: &mut Vec<CrossRelated>,
) {
    // Edges i → j with the reference that makes each (first in document order).
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut via: rustc_hash::FxHashMap<(u32, u32), usize> = Default::default();
    for (i, doc) in read.iter().enumerate() {
        for (k, r) in doc.analysis.references.iter().enumerate() {
            if !r.target.is_literal() || !loop_edge(r, doc) {
                continue;
            }
            if let Resolution::InSet(j) = index.resolve(documents, &r.target) {
                let e = (i as u32, j as u32);
                if let std::collections::hash_map::Entry::Vacant(slot) = via.entry(e) {
                    slot.insert(k);
                    edges.push(e);
                }
            }
        }
    }
    if edges.is_empty() {
        return;
    }
    let csr = Csr::from_edges(read.len(), &edges);
    let comps = strongly_connected_components(&csr, None);
    let mut scratch = SearchScratch::new(read.len());
    for c in comps.by_first_member() {
        if !comps.is_cyclic(c) {
            continue;
        }
        let members = comps.members(c);
        let in_c = |v: u32| comps.of[v as usize] == c;
        let cycle = cycle_through(&csr, members[0], &in_c, &mut scratch);
        // The references around the cycle: flow cycle[k] → cycle[k + 1].
        let hops: Vec<(usize, usize)> = cycle
            .iter()
            .enumerate()
            .map(|(k, &a)| {
                let b = cycle[(k + 1) % cycle.len()];
                (a as usize, via[&(a, b)])
            })
            .collect();
        report_loop(read, documents, index, &hops, raw, cross);
    }
}

/// Where a flow on the cycle may let the call go elsewhere: the first node (BFS from the
/// start, not past `hop`) that waits for the caller, ends or hands the call off, calls
/// another flow, has no way on, or names a node that does not exist. `None` when every
/// path from the start leads to `hop` (or round a loop inside the flow, which the
/// single-flow checks report).
fn way_out(
    doc: &Doc<'_>,
    hop: usize,
    returns_quietly: &dyn Fn(&RawReference) -> bool,
) -> Option<usize> {
    let flow = &doc.read.flow;
    let (index, start) = super::node_index(flow);
    let start = start?;
    let mut seen = vec![false; flow.nodes.len()];
    let mut queue = std::collections::VecDeque::new();
    seen[start] = true;
    queue.push_back(start);
    while let Some(v) = queue.pop_front() {
        if v == hop {
            continue;
        }
        let node = &flow.nodes[v];
        // A call of a common module of the set that only returns is no way out.
        let calls_out = crate::formats::semantics::flow_reference(&node.type_name).is_some()
            && !doc
                .analysis
                .references
                .iter()
                .any(|r| r.node == v && returns_quietly(r));
        if matches!(node.kind, NodeKind::Input | NodeKind::End)
            || calls_out
            || node.edges.is_empty()
        {
            return Some(v);
        }
        for e in &node.edges {
            match index.get(flow.name(e.target)) {
                Some(&w) if !seen[w] => {
                    seen[w] = true;
                    queue.push_back(w);
                }
                Some(_) => {}
                None => return Some(v),
            }
        }
    }
    None
}

/// Whether a flow runs to its end without waiting, ending the call, handing it off or
/// calling another flow: a common module that does only that returns to its caller.
fn only_returns(doc: &Doc<'_>) -> bool {
    let flow = &doc.read.flow;
    !doc.read.fatal
        && flow.start.is_some()
        && doc.analysis.references.is_empty()
        && !flow.nodes.iter().any(|n| match n.kind {
            NodeKind::Input => true,
            // The end of its task (or End Task) returns to the caller; other ends do not.
            NodeKind::End => !matches!(&*n.type_name, "endOfTask" | "endTask"),
            _ => false,
        })
}

fn report_loop(
    read: &[Doc<'_>],
    documents: &[DocumentReferences],
    index: &NameIndex,
    hops: &[(usize, usize)],
    raw: &mut [Vec<RawDiagnostic>],
    cross: &mut Vec<CrossRelated>,
) {
    let returns_quietly = |r: &RawReference| {
        r.kind == RefKind::CallCommonModule
            && r.target.is_literal()
            && matches!(
                index.resolve(documents, &r.target),
                Resolution::InSet(j) if only_returns(&read[j])
            )
    };
    let (first_doc, _) = hops[0];
    let reference = |&(d, k): &(usize, usize)| &read[d].analysis.references[k];
    // Severity as the single-flow rule's: an error when nothing leaves the loop (every
    // flow's start leads only to the next hop, by transfers that hand the call on), a
    // warning when some flow can go elsewhere when data allows (or an agent answers: an
    // in-queue flow's call waits in a queue).
    let exit = hops.iter().find_map(|h| {
        let r = reference(h);
        let node = read[h.0].analysis.references[h.1].node;
        if r.kind == RefKind::InQueueFlow {
            return Some((h.0, node, true));
        }
        way_out(&read[h.0], node, &returns_quietly).map(|v| (h.0, v, false))
    });
    let mut names: Vec<String> = hops
        .iter()
        .take(MESSAGE_CYCLE_FLOWS)
        .map(|&(d, _)| read[d].display())
        .collect();
    if hops.len() > MESSAGE_CYCLE_FLOWS {
        names.push("…".to_owned());
    }
    names.push(read[first_doc].display());
    let text = names.join(" → ");
    let (severity, message, help) = match exit {
        None => (
            Severity::Error,
            format!(
                "routing loop across flows {text}: every flow's start leads straight to the next transfer, with no caller input, so a call that enters is passed round the flows without end"
            ),
            "break the cycle: let one of the flows wait for the caller (a menu), disconnect, or transfer elsewhere",
        ),
        Some((d, v, queued)) => {
            let flow = &read[d].read.flow;
            let node = &flow.nodes[v];
            let exit = if queued {
                format!(
                    "{} waits in a queue, where an agent may answer",
                    node.display(flow)
                )
            } else {
                format!("{} in {}", node.display(flow), read[d].label)
            };
            (
                Severity::Warning,
                format!(
                    "routing loop across flows {text}: calls go round it with no caller input, and leave only when data allows (exit: {exit})"
                ),
                "make sure every pass changes what the exit depends on (or wait for the caller once), so a call cannot be transferred back and forth without end",
            )
        }
    };
    let first = reference(&hops[0]);
    let first_flow = &read[first_doc].read.flow;
    let first_node = &first_flow.nodes[first.node];
    let mut d = RawDiagnostic::new(Code::CrossFlowLoop, first.at.clone(), message, help)
        .severity(severity)
        .node(first_flow.id_of(first_node));
    // The witness: in each flow, the path from its start to the hop, then the hop itself.
    let mut steps: Vec<(usize, Location, Option<String>, String)> = Vec::new();
    for (h, &(di, _)) in hops.iter().enumerate() {
        let doc = &read[di];
        let r = reference(&hops[h]);
        let flow = &doc.read.flow;
        let mut path = vec![r.node];
        let mut cur = r.node;
        while doc.analysis.parent.get(cur).copied().unwrap_or(NO_PARENT) != NO_PARENT {
            cur = doc.analysis.parent[cur];
            path.push(cur);
        }
        path.reverse();
        let next = hops[(h + 1) % hops.len()].0;
        for &v in &path {
            let node = &flow.nodes[v];
            let (at, msg) = if v == r.node {
                (
                    r.at.clone(),
                    format!(
                        "{} {} {}",
                        node.display(flow),
                        if r.kind.hands_off() {
                            "hands the call to"
                        } else {
                            "calls"
                        },
                        read[next].display()
                    ),
                )
            } else {
                (crate::checks::node_location(flow, node), node.display(flow))
            };
            steps.push((di, at, Some(flow.id_of(node).to_owned()), msg));
        }
    }
    let index = raw[first_doc].len();
    for (n, (di, at, node, msg)) in steps.into_iter().enumerate() {
        // The first step is the diagnostic's own place.
        if n == 0 && di == first_doc && at == first.at {
            continue;
        }
        let msg = format!("step {}: {msg}", n + 1);
        if di == first_doc {
            d = d.related(at, node, msg);
        } else {
            cross.push(CrossRelated {
                doc: first_doc,
                diagnostic: index,
                other: di,
                at,
                node,
                message: msg,
            });
        }
    }
    raw[first_doc].push(d);
}

/// Resolves every document's findings against its own text, then appends the places in
/// other documents, resolved against theirs, in step order.
fn resolve_all(
    read: &[Doc<'_>],
    raw: Vec<Vec<RawDiagnostic>>,
    cross: Vec<CrossRelated>,
    encoding: PositionEncoding,
) -> Vec<Vec<Diagnostic>> {
    let mut out: Vec<Vec<Diagnostic>> = Vec::with_capacity(read.len());
    let mut cross_by_doc: Vec<Vec<CrossRelated>> = (0..read.len()).map(|_| Vec::new()).collect();
    for c in cross {
        cross_by_doc[c.doc].push(c);
    }
    let mut indexes: Vec<Option<LineIndex>> = (0..read.len()).map(|_| None).collect();
    for (i, mut list) in raw.into_iter().enumerate() {
        // Tag each raw diagnostic with its index, so cross places find it after sorting.
        let tags: Vec<(Code, Option<String>, String)> = list
            .iter()
            .map(|d| (d.code, d.node.clone(), d.message.clone()))
            .collect();
        let extras = std::mem::take(&mut cross_by_doc[i]);
        let text = read[i].text();
        let mut resolved = crate::resolve(std::mem::take(&mut list), text, encoding);
        for c in extras {
            let Some((code, node, message)) = tags.get(c.diagnostic) else {
                continue;
            };
            let Some(d) = resolved
                .iter_mut()
                .find(|d| d.code == *code && d.node == *node && d.message == *message)
            else {
                continue;
            };
            let other_text = read[c.other].text();
            let index = indexes[c.other].get_or_insert_with(|| LineIndex::new(other_text));
            d.related.push(other_related(
                read[c.other].label,
                c.at.pointer,
                c.at.range.map(|r| span_of(index, other_text, r, encoding)),
                c.node,
                c.message,
            ));
        }
        // Related places in step order (own and other documents' places interleave).
        for d in &mut resolved {
            if d.code == Code::CrossFlowLoop {
                crate::graph::order::sort_by_key(&mut d.related, |r| step_number(&r.message));
            }
        }
        out.push(resolved);
    }
    out
}

/// The step number a related message starts with (`step 3: …`).
fn step_number(message: &str) -> u64 {
    message
        .strip_prefix("step ")
        .and_then(|s| s.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// A related place in another document of the set: its pointer is `LABEL#POINTER` (see
/// [`Related::document`]) and its span is in that document.
fn other_related(
    label: &str,
    pointer: String,
    span: Option<crate::Span>,
    node: Option<String>,
    message: String,
) -> Related {
    Related {
        pointer: format!("{label}#{pointer}"),
        span,
        node,
        message,
    }
}
