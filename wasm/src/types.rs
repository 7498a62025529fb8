//! The values that cross the JavaScript boundary. They mirror the core's public types with
//! JavaScript naming (camelCase), and `tsify` turns each into the TypeScript declaration in
//! `flowguard_wasm.d.ts`, so the declarations cannot drift from what is serialized.
//!
//! Results are serialized with `serde_json` and handed to `JSON.parse` (see `lib.rs`).

use std::collections::BTreeMap;

use flowguard_core as core;
use serde::Serialize;
use tsify::Tsify;

/// The document format. `auto` (the default option) detects it from the text; results
/// always name the format that was read, except for input rejected before reading
/// (`maxBytes`), which keeps the requested one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Auto,
    Flow,
    Archy,
    Architect,
}

impl From<core::InputFormat> for Format {
    fn from(f: core::InputFormat) -> Self {
        match f {
            core::InputFormat::Auto => Format::Auto,
            core::InputFormat::Flow => Format::Flow,
            core::InputFormat::Archy => Format::Archy,
            core::InputFormat::Architect => Format::Architect,
        }
    }
}

/// How `start`, `end` and `column` of a span are counted: `utf16` code units (JavaScript
/// string indices, what CodeMirror and Monaco use; the default) or `utf8` bytes (what the
/// native CLI reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum PositionEncoding {
    Utf16,
    Utf8,
}

/// How bad a finding is.
#[derive(Serialize, Tsify)]
#[serde(remote = "core::Severity", rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A range of the source text, counted in the chosen `positionEncoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
pub struct Span {
    /// Offset of the first unit (0-based).
    pub start: u32,
    /// Offset after the last unit (exclusive).
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column of `start`, in the same units as `start`.
    pub column: u32,
}

// Diagnostics mirror the core's with serde's `remote`, like the graph types below: the
// derive writes the core's values out through the mirror's fields (no conversion; the
// core's shape is already the CLI's JSON), and tsify declares the same fields.

/// Another place a diagnostic involves (a member of a loop, the first of a duplicate, ...).
#[derive(Serialize, Tsify)]
#[serde(remote = "core::Related")]
pub struct Related {
    /// RFC 6901 JSON Pointer into the document.
    pub pointer: String,
    /// Absent for places that have no text (parts added by `FlowSession.applyEdit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Span")]
    pub span: Option<core::Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub node: Option<String>,
    pub message: String,
}

/// One finding. The same fields, names and values as the native CLI's JSON output.
#[derive(Serialize, Tsify)]
#[serde(remote = "core::Diagnostic")]
pub struct Diagnostic {
    /// The stable code, e.g. `FG020` (documented in docs/codes.md).
    #[tsify(type = "string")]
    pub code: core::Code,
    /// The stable name, e.g. `routing-loop`.
    pub name: String,
    #[serde(with = "Severity")]
    #[tsify(type = "Severity")]
    pub severity: core::Severity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// RFC 6901 JSON Pointer into the document (for YAML, into its JSON data model).
    pub pointer: String,
    /// Where in the text; absent for findings about the whole document and for parts
    /// added or changed by `FlowSession.applyEdit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Span")]
    pub span: Option<core::Span>,
    /// The node the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "related_list")]
    #[tsify(optional, type = "Related[]")]
    pub related: Vec<core::Related>,
    /// An input that shows the problem: variable name to value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, string>")]
    pub witness: Option<BTreeMap<String, String>>,
}

/// Measurements of a flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Nodes in the graph (a duplicated id counted once).
    pub nodes: u32,
    /// References that resolve to a node.
    pub edges: u32,
    /// The longest path from `start`, in nodes (a loop weighs its node count).
    pub max_depth: u32,
    /// Loops: non-trivial strongly connected components.
    pub components: u32,
}

impl From<core::Stats> for Stats {
    fn from(s: core::Stats) -> Self {
        Stats {
            nodes: s.nodes,
            edges: s.edges,
            max_depth: s.max_depth,
            components: s.components,
        }
    }
}

/// What `validate` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
pub struct ValidationResult {
    /// The format the text was read as.
    pub format: Format,
    /// Sorted by position, then code, node and message.
    #[serde(serialize_with = "diagnostic_list")]
    #[tsify(type = "Diagnostic[]")]
    pub diagnostics: Vec<core::Diagnostic>,
    pub stats: Stats,
    /// Present when the text was an Architect export (`.i3InboundFlow`, …): its decoded
    /// JSON, which every pointer and span of `diagnostics` refers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub decoded: Option<DecodedSource>,
}

/// The decoded JSON of an Architect export and how it was encoded: `base64+url` (what
/// Architect writes: base64 of URL-encoded JSON), `url` or `base64`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Tsify)]
pub struct DecodedSource {
    #[tsify(type = "\"base64+url\" | \"url\" | \"base64\"")]
    pub encoding: &'static str,
    pub text: String,
}

impl From<core::DecodedSource> for DecodedSource {
    fn from(d: core::DecodedSource) -> Self {
        DecodedSource {
            encoding: d.encoding.as_str(),
            text: d.text,
        }
    }
}

/// What the `FlowSession` methods that analyse return.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
pub struct SessionResult {
    /// Increases by one with every `update` and `applyEdit`.
    pub generation: u32,
    /// Absent when `applyEdit` was called with `{analyze: false}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    #[serde(serialize_with = "some_diagnostic_list")]
    #[tsify(type = "Diagnostic[]")]
    pub diagnostics: Option<Vec<core::Diagnostic>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub stats: Option<Stats>,
}

// ---------------------------------------------------------------------------------------
// graph

// The graph types mirror `flowguard_core::view` with serde's `remote`: the derive writes the
// core value out directly through the mirror's field list and names (no conversion, no
// copy), and tsify declares the same fields.

/// How routing treats a node: `input` waits for the caller (menu, collect), `end` can end
/// the flow (disconnect, transfers), `decision` branches on conditions, `loop` repeats a
/// body, `pass` does its work and moves on.
#[derive(Serialize, Tsify)]
#[serde(remote = "core::NodeKind", rename_all = "lowercase")]
pub enum NodeKind {
    Input,
    End,
    Decision,
    Loop,
    #[serde(rename = "pass")]
    PassThrough,
}

/// A node of the graph: the first node of each id, in document order.
#[derive(Serialize, Tsify)]
#[serde(remote = "core::view::ViewNode")]
pub struct GraphNode {
    pub id: String,
    /// The type as written: `menu`, `playAudio`, `TransferPureMatchAction`, …
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(with = "NodeKind")]
    #[tsify(type = "NodeKind")]
    pub kind: core::NodeKind,
    /// The name Architect shows (`task "Main" › Play Audio "Hello"`), when the format has
    /// one besides the id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub label: Option<String>,
    /// The node's head, where diagnostics about it point (its key, `id` or `name`);
    /// absent for nodes added by `FlowSession.applyEdit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Span")]
    pub span: Option<core::Span>,
    /// The node's whole text, head included.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Span")]
    pub extent: Option<core::Span>,
}

/// A reference from `source` to `target`, in document order.
#[derive(Serialize, Tsify)]
#[serde(remote = "core::view::ViewEdge")]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    /// The transition label (`default`, `1`, `yes`, `body`, …); `condition` for the target
    /// of a decision's condition.
    pub label: String,
    /// For a condition: its index among the node's conditions (document order).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub condition: Option<u32>,
    /// True when `target` names no node (FG011).
    pub dangling: bool,
}

/// What `graph` and `FlowSession.graph` return: the flow's graph and what the checks found
/// in it, the same findings the diagnostics report (complete, where a diagnostic lists
/// only part of a long path or a large region).
#[derive(Serialize, Tsify)]
#[serde(remote = "core::view::GraphView", rename_all = "camelCase")]
pub struct GraphView {
    /// The format the text was read as.
    #[serde(serialize_with = "format")]
    #[tsify(type = "Format")]
    pub format: core::InputFormat,
    /// False when the text could not be read (syntax error, over `maxBytes`): every list
    /// is empty then, and `validate` says why.
    pub read: bool,
    #[serde(serialize_with = "nodes")]
    #[tsify(type = "GraphNode[]")]
    pub nodes: Vec<core::view::ViewNode>,
    #[serde(serialize_with = "edges")]
    #[tsify(type = "GraphEdge[]")]
    pub edges: Vec<core::view::ViewEdge>,
    /// The start node's id, as the document names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub start: Option<String>,
    /// Other ways in that reachability starts from besides `start` (the flow's error
    /// handling, an in-queue flow's periodic state), as the document names them.
    pub entries: Vec<String>,
    /// Routing loops (FG020): groups of nodes that do not wait for the caller and that no
    /// loop node bounds; member ids in document order.
    pub loops: Vec<Vec<String>>,
    /// Loops bounded by a loop node (FG022).
    pub bounded_loops: Vec<Vec<String>>,
    /// Groups of nodes a caller can never leave (FG021), member ids in document order.
    pub traps: Vec<Vec<String>>,
    /// Every node calls cannot reach (FG012), in document order.
    pub unreachable: Vec<String>,
    /// The longest path from the start, in order; FG030's path when `depthExceeded`. Its
    /// length in nodes, each loop it passes weighing all its nodes, is `stats.maxDepth`.
    pub depth_path: Vec<String>,
    /// `stats.maxDepth` is over `maxDepth` (FG030).
    pub depth_exceeded: bool,
    #[serde(serialize_with = "stats")]
    #[tsify(type = "Stats")]
    pub stats: core::Stats,
}

/// A core value written out through its remote mirror's `serialize`.
macro_rules! through {
    ($name:ident, $core:ty, $mirror:ident) => {
        struct $name<'a>(&'a $core);
        impl Serialize for $name<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $mirror::serialize(self.0, s)
            }
        }
    };
}
through!(NodeOut, core::view::ViewNode, GraphNode);
through!(DiagnosticOut, core::Diagnostic, Diagnostic);
through!(RelatedOut, core::Related, Related);

fn diagnostic_list<S: serde::Serializer>(v: &[core::Diagnostic], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(DiagnosticOut))
}

fn some_diagnostic_list<S: serde::Serializer>(
    v: &Option<Vec<core::Diagnostic>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => diagnostic_list(v, s),
        None => s.serialize_none(),
    }
}

fn related_list<S: serde::Serializer>(v: &[core::Related], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(RelatedOut))
}
through!(EdgeOut, core::view::ViewEdge, GraphEdge);
through!(GraphOut, core::view::GraphView, GraphView);

fn format<S: serde::Serializer>(f: &core::InputFormat, s: S) -> Result<S::Ok, S::Error> {
    Format::from(*f).serialize(s)
}

fn nodes<S: serde::Serializer>(v: &[core::view::ViewNode], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(NodeOut))
}

fn edges<S: serde::Serializer>(v: &[core::view::ViewEdge], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(EdgeOut))
}

fn stats<S: serde::Serializer>(v: &core::Stats, s: S) -> Result<S::Ok, S::Error> {
    Stats::from(*v).serialize(s)
}

/// A graph view as a JavaScript value.
pub fn graph_js(view: &core::view::GraphView) -> crate::options::Result<wasm_bindgen::JsValue> {
    crate::to_js(&GraphOut(view))
}

// ---------------------------------------------------------------------------------------
// Inputs. Parsed by hand in `options.rs` (for exact error messages); these types give the
// TypeScript declarations and hold the parsed values.

/// Options of `validate` and `new FlowSession`. Every field is optional; unknown keys,
/// wrong types and out-of-range values throw an `Error` naming the option.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ValidateOptions {
    /// `auto` (default), `flow`, `archy` or `architect`.
    #[tsify(optional, type = "\"auto\" | \"flow\" | \"archy\" | \"architect\"")]
    pub format: Option<Format>,
    /// FG030 fires when a path from the start is deeper than this many nodes (a positive
    /// integer; default 15).
    #[tsify(optional)]
    pub max_depth: Option<u32>,
    /// FG031 fires when the worst-case actions on a path can exceed this (a positive
    /// integer; default 10000).
    #[tsify(optional)]
    pub action_budget: Option<u64>,
    /// `utf16` (default) or `utf8`.
    #[tsify(optional)]
    pub position_encoding: Option<PositionEncoding>,
    /// Known queue names: with this option, transfers to other queues are FG050.
    #[tsify(optional)]
    pub queues: Option<Vec<String>>,
    /// Larger input (in UTF-8 bytes) is reported as FG006 instead of being read (a positive
    /// integer; default 10485760, 10 MiB).
    #[tsify(optional)]
    pub max_bytes: Option<u64>,
    /// Report warnings as errors (default false).
    #[tsify(optional)]
    pub deny_warnings: Option<bool>,
    /// A team's settings: the `[validate]` table of `flowguard.toml` as an object
    /// (`validate` only; `FlowSession` throws). `maxDepth` and `queues` above win over
    /// `max-depth` and `queues` here; `per-file-ignores` need a file path and are left to
    /// the host (add the codes that match the file to `ignore`).
    #[tsify(optional, type = "Settings")]
    pub settings: Option<SettingsInput>,
}

/// The core's settings, parsed from the `settings` option (the declaration is `Settings`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsInput(pub core::Settings);

impl Serialize for SettingsInput {
    /// Options are only read, never written: this exists for the declarations.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

/// The `[validate]` table of `flowguard.toml` (docs/cli.md, "Configuration"). Unknown
/// keys and codes throw, with a suggestion.
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const SETTINGS_TS: &str = r#"
export interface Settings {
    /** Codes never reported, e.g. ["FG012"] (codes or names). */
    "ignore"?: string[];
    /** Severity per code: "error" | "warning" | "info" | "off". */
    "severity"?: Record<string, "error" | "warning" | "info" | "off">;
    /** FG030's depth limit. */
    "max-depth"?: number;
    /** The queues the org has; other queues are FG050. */
    "queues"?: string[];
    /** File path globs to codes; accepted, applied by hosts that know paths. */
    "per-file-ignores"?: Record<string, string[]>;
    /** Node id patterns (`*` any run of characters, `?` one) to codes. */
    "per-node-ignores"?: Record<string, string[]>;
}
"#;

/// Options of `FlowSession.applyEdit`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ApplyOptions {
    /// Re-run the analysis and return diagnostics (default true). With `false` the edit
    /// only updates the model and the session's cycle index (constant time, for a burst
    /// of edits); call `diagnostics()` afterwards.
    #[tsify(optional)]
    pub analyze: Option<bool>,
}

/// A condition of a decision, as `setConditions` and `addNode` take it.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ConditionInput {
    /// Condition expression (docs/expressions.md), e.g. `Call.Language == "es"`.
    pub expression: String,
    /// Higher priorities are evaluated first; ties in list order.
    pub priority: f64,
    /// The node the call goes to when the expression is the first true one.
    pub target_id: String,
}

/// A structural edit from a visual editor (a tagged union on `op`).
///
/// Node types are flow JSON types (`menu`, `collect`, `play`, `set`, `data`, `jump`,
/// `task`, `decision`, `loop`, `transfer`, `transfer_flow`, `disconnect`); other types are
/// kept, reported as FG004 and treated as passing through.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(tag = "op")]
pub enum Edit {
    /// Add a node. Throws if a node with this id exists.
    #[serde(rename = "addNode")]
    AddNode {
        id: String,
        #[serde(rename = "type")]
        type_name: String,
        /// Label to target ids, e.g. `{"1": ["billing"], "default": ["bye"]}`.
        #[tsify(optional, type = "Record<string, string[]>")]
        transitions: Option<Vec<(String, Vec<String>)>>,
        #[tsify(optional)]
        conditions: Option<Vec<ConditionInput>>,
        /// For `loop` nodes: the bound on iterations (a positive integer).
        #[serde(rename = "maxIterations")]
        #[tsify(optional)]
        max_iterations: Option<u64>,
        /// For `transfer` nodes: the queue name (checked against the `queues` option).
        #[tsify(optional)]
        queue: Option<String>,
    },
    /// Remove a node. References to it stay and become dangling (FG011) until removed.
    #[serde(rename = "removeNode")]
    RemoveNode { id: String },
    /// Replace the targets of transition `label` of node `from` (an empty list removes it).
    #[serde(rename = "setTransition")]
    SetTransition {
        from: String,
        label: String,
        to: Vec<String>,
    },
    /// Remove transition `label` of node `from` (nothing happens if there is none).
    #[serde(rename = "removeTransition")]
    RemoveTransition { from: String, label: String },
    /// Replace every condition of node `id`.
    #[serde(rename = "setConditions")]
    SetConditions {
        id: String,
        conditions: Vec<ConditionInput>,
    },
}

// ---------------------------------------------------------------------------------------
// flatten

/// Options of `flatten`. Every field is optional; invalid ones throw an `Error`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct FlattenOptions {
    /// `auto` (default), `flow`, `archy` or `architect`.
    #[tsify(optional, type = "\"auto\" | \"flow\" | \"archy\" | \"architect\"")]
    pub format: Option<Format>,
    /// `utf16` (default) or `utf8`, for the spans of diagnostics.
    #[tsify(optional)]
    pub position_encoding: Option<PositionEncoding>,
    /// Branch probabilities by decision node id, used to reorder conditions:
    /// `{"node_id": {"conditions": [0.5, 0.2], "default": 0.3}}` (docs/flattening.md).
    #[tsify(
        optional,
        type = "Record<string, { conditions?: number[]; default?: number }>"
    )]
    pub probabilities: Option<String>,
    /// Largest flattened decision, in conditions (default 4096); bigger trees are left alone.
    #[tsify(optional)]
    pub max_conditions: Option<u64>,
    /// Largest input space enumerated per decision tree (default 65536).
    #[tsify(optional)]
    pub max_combinations: Option<u64>,
    /// Largest shared sub-tree copied into each decision that enters it (default 32).
    #[tsify(optional)]
    pub unfold_cap: Option<u64>,
    /// Larger input is reported as FG006 instead of being read (default 10485760).
    #[tsify(optional)]
    pub max_bytes: Option<u64>,
}

/// What happened to one decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum DecisionStatus {
    Flattened,
    Unchanged,
    NotFlattened,
}

/// A condition flattening dropped, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RemovedCondition {
    pub node_id: String,
    /// 0-based index in that node's conditions (document order).
    pub condition: u32,
    pub expression: String,
    /// `never_first` (shadowed or unsatisfiable) or `redundant`.
    pub reason: String,
}

/// The report for one decision that heads a decision tree.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct DecisionReport {
    pub node_id: String,
    pub status: DecisionStatus,
    /// Decisions whose conditions were pulled into this one.
    pub inlined_nodes: Vec<String>,
    /// Nodes deleted from the document because of this decision.
    pub removed_nodes: Vec<String>,
    pub conditions_before: u32,
    pub conditions_after: u32,
    /// Decision hops saved on the longest path.
    pub hops_removed: u32,
    /// Expected condition evaluations per call, before and after.
    pub expected_evaluations_before: f64,
    pub expected_evaluations_after: f64,
    pub removed_conditions: Vec<RemovedCondition>,
    /// Conditions folded into an earlier one with `or`.
    pub merged_conditions: u32,
    /// Whether conditions were reordered by probability.
    pub reordered: bool,
    /// Why the decision was left alone (status `notFlattened`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub reason: Option<String>,
}

/// The proof that one flattened decision routes every input like the original tree.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct DecisionCertificate {
    pub node_id: String,
    pub certified: bool,
    /// Cell combinations compared over the exact model.
    pub regions_checked: f64,
    /// Concrete boundary inputs evaluated.
    pub boundary_inputs_checked: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub reason: Option<String>,
    /// An input routed differently (only when certification failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, string>")]
    pub counterexample: Option<BTreeMap<String, String>>,
}

/// Certificates of every decision flattening tried to rewrite.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// True when every applied rewrite is certified; false only for unreadable input.
    pub all_applied_certified: bool,
    pub decisions: Vec<DecisionCertificate>,
}

/// One condition of a flattened decision.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCondition {
    pub expression: String,
    pub priority: u32,
    pub target: String,
}

/// The new content of one decision node.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct FlattenedDecision {
    pub node_id: String,
    /// The first-match list in evaluation order (priorities n, n-1, ..., 1).
    pub conditions: Vec<PlannedCondition>,
    /// Where calls go when no condition is true (`null` if the original had no default).
    pub default_target: Option<String>,
    /// Nodes the flattened decision replaces (deleted from the document).
    pub removed_nodes: Vec<String>,
}

/// What `flatten` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct FlattenResult {
    pub format: Format,
    /// The flattened document (the input unchanged when nothing was flattened); `null`
    /// when the input could not be read. Only flow JSON is rewritten so far; for other
    /// formats use `plan`.
    pub document: Option<String>,
    /// Every rewrite, format-independent.
    pub plan: Vec<FlattenedDecision>,
    /// One report per decision tree.
    pub reports: Vec<DecisionReport>,
    /// Read errors of the input and FG046 for decisions left alone.
    #[serde(serialize_with = "diagnostic_list")]
    #[tsify(type = "Diagnostic[]")]
    pub diagnostics: Vec<core::Diagnostic>,
    pub certificate: Certificate,
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<core::decision::FlattenOutcome> for FlattenResult {
    fn from(o: core::decision::FlattenOutcome) -> Self {
        FlattenResult {
            format: o.format.into(),
            document: o.document,
            plan: o
                .plan
                .decisions
                .into_iter()
                .map(|d| FlattenedDecision {
                    node_id: d.node_id,
                    conditions: d
                        .conditions
                        .into_iter()
                        .map(|c| PlannedCondition {
                            expression: c.expression,
                            priority: c.priority,
                            target: c.target,
                        })
                        .collect(),
                    default_target: d.default_target,
                    removed_nodes: d.removed_nodes,
                })
                .collect(),
            reports: o
                .reports
                .into_iter()
                .map(|r| DecisionReport {
                    node_id: r.node_id,
                    status: match r.status {
                        core::decision::DecisionStatus::Flattened => DecisionStatus::Flattened,
                        core::decision::DecisionStatus::Unchanged => DecisionStatus::Unchanged,
                        core::decision::DecisionStatus::NotFlattened => {
                            DecisionStatus::NotFlattened
                        }
                    },
                    inlined_nodes: r.inlined_nodes,
                    removed_nodes: r.removed_nodes,
                    conditions_before: u32_of(r.conditions_before),
                    conditions_after: u32_of(r.conditions_after),
                    hops_removed: u32_of(r.hops_removed),
                    expected_evaluations_before: r.expected_evaluations_before,
                    expected_evaluations_after: r.expected_evaluations_after,
                    removed_conditions: r
                        .removed_conditions
                        .into_iter()
                        .map(|c| RemovedCondition {
                            node_id: c.node_id,
                            condition: u32_of(c.condition),
                            expression: c.expression,
                            reason: c.reason,
                        })
                        .collect(),
                    merged_conditions: u32_of(r.merged_conditions),
                    reordered: r.reordered,
                    reason: r.reason,
                })
                .collect(),
            diagnostics: o.diagnostics,
            certificate: Certificate {
                all_applied_certified: o.certificate.all_applied_certified,
                decisions: o
                    .certificate
                    .decisions
                    .into_iter()
                    .map(|c| DecisionCertificate {
                        node_id: c.node_id,
                        certified: c.certified,
                        regions_checked: c.regions_checked as f64,
                        boundary_inputs_checked: c.boundary_inputs_checked as f64,
                        reason: c.reason,
                        counterexample: c.counterexample,
                    })
                    .collect(),
            },
        }
    }
}
