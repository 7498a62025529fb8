//! The rule registry: every diagnostic code, declared once, here.
//!
//! Each entry gives the code, its name and default severity, a one-line summary, what it
//! means, why it matters, how to fix it, and two example documents: one that triggers it
//! and one that does not. From this table come the [`Code`] enum, `docs/codes.md`
//! (`flowguard_core::rule_docs::markdown`; a test fails when the file is stale), `flowguard rules`, `flowguard
//! explain` and the rules of the CLI's SARIF output; the examples run as tests
//! (`core/tests/docs_codes.rs`). Adding a code means adding an entry here and the check
//! that emits it, then regenerating the generated files (`FLOWGUARD_BLESS=1 cargo test -p
//! flowguard-core --test docs_codes`: docs/codes.md and the code list of
//! schemas/flowguard.toml.schema.json).
//!
//! Codes are a public contract: never renumbered, never reused. A code that is no longer
//! emitted moves to [`RETIRED`], so its number stays taken.
//!
//! The documentation strings are referenced only by [`Code::rule`], which the wasm package
//! never calls, so they are not in it.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A document that shows a rule: its format (`json` or `yaml`, for the Markdown fence),
/// options (space-separated `max-depth=N`, `action-budget=N`, `max-bytes=N`, `queue=NAME`,
/// `flatten`, `max-conditions=N`) and text.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    pub lang: &'static str,
    pub options: &'static str,
    pub text: &'static str,
}

/// A rule's documentation.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub code: Code,
    /// One line: what the finding is.
    pub summary: &'static str,
    /// How the severity can differ from the default, if it can ("" otherwise).
    pub severity_note: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    /// A document that triggers the code.
    pub triggers: Example,
    /// A document like it that does not.
    pub passes: Example,
}

macro_rules! rules {
    ($(
        $variant:ident = $code:literal, $name:literal, $sev:ident {
            summary: $summary:literal,
            severity_note: $note:literal,
            what: $what:literal,
            why: $why:literal,
            fix: $fix:literal,
            triggers: ($tlang:literal, $topts:literal, $ttext:expr),
            passes: ($plang:literal, $popts:literal, $ptext:expr) $(,)?
        }
    )*) => {
        /// Every diagnostic code flowguard emits.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// All codes, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code, e.g. `FG020`.
            // Out of line: a small leaf function is otherwise compiled into every crate
            // that calls it, each copy with its own copy of the table (0.6 KB in the wasm
            // package for this one and `name`).
            #[inline(never)]
            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The stable name, e.g. `routing-loop`.
            #[inline(never)] // as `code`
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity a finding of this code has unless a check decides otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// Looks a code up by `FG020` or by `routing-loop`. (A search rather than a
            /// `match` on strings: a fraction of the code in the wasm package.)
            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.code() == s || c.name() == s)
            }

            /// The code's documentation.
            pub fn rule(self) -> Rule {
                match self {
                    $(Code::$variant => Rule {
                        code: self,
                        summary: $summary,
                        severity_note: $note,
                        what: $what,
                        why: $why,
                        fix: $fix,
                        triggers: Example { lang: $tlang, options: $topts, text: $ttext },
                        passes: Example { lang: $plang, options: $popts, text: $ptext },
                    },)*
                }
            }
        }
    };
}

/// Codes no longer emitted: (code, name, why). Their numbers are never reused.
pub const RETIRED: &[(&str, &str, &str)] = &[(
    "FG007",
    "unsupported-format",
    "was meant for builds without the Archy and Architect readers; every build reads every format, so it was never emitted",
)];

rules! {
    SyntaxError = "FG001", "syntax-error", Error {
        summary: "The text is not valid JSON or YAML, not UTF-8, or a binary file.",
        severity_note: "",
        what: "the text is not valid JSON (or YAML), is not UTF-8, or is a binary file. The span points at the first offending character; nothing after it is analysed. The help line names the usual cause (trailing comma, single quotes, missing `:`).",
        why: "Architect refuses the document, and flowguard cannot know what you meant.",
        fix: "correct the text at the position shown.",
        triggers: ("json", "", r#"{"start": "bye", "nodes": {"bye": {"type": "disconnect"},}}"#),
        passes: ("json", "", r#"{"start": "bye", "nodes": {"bye": {"type": "disconnect"}}}"#),
    }
    SchemaError = "FG002", "schema-error", Error {
        summary: "A field has the wrong type, or a required field is missing.",
        severity_note: "",
        what: "a field has the wrong type or a required field is missing: `nodes` absent, a node without `type`, a node `id` that differs from its key, a transition that is not a list of ids, a condition without `expression` or `target_id`, a `transfer` without `queue`, a `transfer_flow` without `flow`, a `loop` without a positive whole `max_iterations`, a non-numeric `version`; in Archy YAML and Architect JSON, the same kinds of mistakes in their fields. The pointer names the field.",
        why: "a field flowguard cannot read is a field Architect will not read either; the node's routing is then unknown.",
        fix: "give the field the type the message asks for (see `docs/flow-format.md` and `docs/formats.md`).",
        triggers: ("json", "", r#"{"start": "pharmacist", "nodes": {"pharmacist": {"type": "transfer"}}}"#),
        passes: ("json", "", r#"{"start": "pharmacist", "nodes": {"pharmacist": {"type": "transfer", "queue": "Pharmacy"}}}"#),
    }
    DuplicateId = "FG003", "duplicate-id", Error {
        summary: "Two nodes share an id.",
        severity_note: "",
        what: "two nodes share an id (possible in the array form of `nodes`, and for Archy and Architect objects that repeat a `refId` or `id`).",
        why: "references to the id are ambiguous; flowguard uses the first node and ignores the rest for routing.",
        fix: "rename one of them and update the references.",
        triggers: ("json", "", r#"{"start": "menu", "nodes": [
  {"id": "menu", "type": "menu", "transitions": {"1": ["claims"]}},
  {"id": "claims", "type": "transfer", "queue": "Claims"},
  {"id": "claims", "type": "transfer", "queue": "Claims Overflow"}]}"#),
        passes: ("json", "", r#"{"start": "menu", "nodes": [
  {"id": "menu", "type": "menu", "transitions": {"1": ["claims"], "2": ["overflow"]}},
  {"id": "claims", "type": "transfer", "queue": "Claims"},
  {"id": "overflow", "type": "transfer", "queue": "Claims Overflow"}]}"#),
    }
    UnknownNodeType = "FG004", "unknown-node-type", Info {
        summary: "A node's type is not one flowguard knows; it is treated as passing through.",
        severity_note: "",
        what: "a node's type (or an Archy or Architect action) is not one flowguard knows. It is treated as passing through to its transitions.",
        why: "a typo here (`transfr`) silently changes the analysis: a transfer would end the flow, a pass-through does not.",
        fix: "correct the type, or ignore the note when the type is a real one flowguard does not model.",
        triggers: ("json", "", r#"{"start": "agent", "nodes": {"agent": {"type": "transfr", "queue": "Support", "transitions": {"next": ["bye"]}}, "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "agent", "nodes": {"agent": {"type": "transfer", "queue": "Support"}}}"#),
    }
    DuplicateKey = "FG005", "duplicate-key", Error {
        summary: "The same key appears twice in one JSON object.",
        severity_note: "",
        what: "the same key appears twice in one JSON object (or YAML mapping). The related location shows the first.",
        why: "JSON readers disagree (JavaScript keeps the last, flowguard the first), so the document means different things to different tools.",
        fix: "delete one of the two.",
        triggers: ("json", "", r#"{"start": "bye", "start": "menu", "nodes": {"bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "bye", "nodes": {"bye": {"type": "disconnect"}}}"#),
    }
    InputTooLarge = "FG006", "input-too-large", Error {
        summary: "The input is larger than the configured limit.",
        severity_note: "",
        what: "the input is larger than the configured limit (10 MiB by default in the wasm package, 64 MiB in the CLI; `maxBytes` / `--max-bytes`). The example uses a limit of 64 bytes.",
        why: "a limit keeps an editor responsive instead of freezing on a pasted log file.",
        fix: "check that this is the flow you meant; raise the limit if it is.",
        triggers: ("json", "max-bytes=64", r#"{"start": "bye", "nodes": {"bye": {"type": "disconnect", "prompt": "Thank you for calling"}}}"#),
        passes: ("json", "max-bytes=64", r#"{"start": "bye", "nodes": {"bye": {"type": "disconnect"}}}"#),
    }
    ExternalReference = "FG008", "external-reference", Info {
        summary: "An Archy reference names another file, which flowguard does not follow.",
        severity_note: "",
        what: "an Archy reference names another file (`<file>#<path>`, for example `./shared/startupTasks.yaml#/common/tasks/task[getCallerData]`). flowguard checks one file at a time and does not follow it; the referring action is treated as leaving this flow.",
        why: "loops, depth and reachability through the other file are not checked, so you should know that part of the flow was not seen.",
        fix: "nothing, if the other file is validated on its own. To have the whole path checked, inline the task or menu into this file.",
        triggers: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - jumpToTask:
              name: Caller data
              targetTaskRef: ./shared/startupTasks.yaml#/common/tasks/task[getCallerData]
"),
        passes: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - jumpToTask:
              name: Caller data
              targetTaskRef: ./tasks/task[Data_2]
    - task:
        name: Data
        refId: Data_2
        actions:
          - disconnect:
              name: Bye
"),
    }
    EmptyFlow = "FG009", "empty-flow", Info {
        summary: "The document names a flow but has nothing in it to route a call.",
        severity_note: "",
        what: "the document names a flow but has no menus, tasks, states, bots or nodes and no start: a placeholder (real repositories keep such stubs for a pipeline to fill in).",
        why: "nothing in it can route a call, so nothing is checked; reporting a missing start (FG010) would fail a build over a file that is not wrong.",
        fix: "nothing, if the file is a placeholder. Add the flow's menus and tasks (and `startUpRef`) to have them checked.",
        triggers: ("yaml", "", "inboundShortMessage:
  name: Book example Test
"),
        passes: ("yaml", "", "inboundShortMessage:
  name: Book example Test
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - disconnect:
              name: Bye
"),
    }
    MissingStart = "FG010", "missing-start", Error {
        summary: "The flow has no start, or its start names no node.",
        severity_note: "",
        what: "the document has no `start` (`startUpRef`, `initialSequence`), or it names no node.",
        why: "without an entry point nothing can be reached; reachability (FG012), traps (FG021) and depth (FG030) are not checked.",
        fix: "set `start` to the id of the first node.",
        triggers: ("json", "", r#"{"start": "promo_intro", "nodes": {"promo_menu": {"type": "menu", "transitions": {"1": ["bye"]}}, "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "promo_menu", "nodes": {"promo_menu": {"type": "menu", "transitions": {"1": ["bye"]}}, "bye": {"type": "disconnect"}}}"#),
    }
    DanglingTarget = "FG011", "dangling-target", Error {
        summary: "A transition or condition targets an id no node has.",
        severity_note: "",
        what: "a transition or condition targets an id that no node has. The message names the missing id; the span points at the reference. A dangling reference is not an edge for any other check; a node whose only targets are missing is also a dead end (FG013).",
        why: "a caller who takes that branch has nowhere to go; Architect drops the call.",
        fix: "correct the id (often a typo: `sofware`) or add the missing node.",
        triggers: ("json", "", r#"{"start": "menu", "nodes": {"menu": {"type": "menu", "transitions": {"1": ["software"], "2": ["sofware"]}}, "software": {"type": "transfer", "queue": "Software"}}}"#),
        passes: ("json", "", r#"{"start": "menu", "nodes": {"menu": {"type": "menu", "transitions": {"1": ["software"], "2": ["software"]}}, "software": {"type": "transfer", "queue": "Software"}}}"#),
    }
    UnreachableNode = "FG012", "unreachable-node", Warning {
        summary: "No path from the start reaches the node.",
        severity_note: "",
        what: "no path from `start` (or from another way in: an in-queue flow's periodic state, a menu or task the flow's error handling names) reaches the node. Reported once per unreachable region, at the node nothing else unreachable leads to (a task no one jumps to), with the nodes it leads to as related locations (the first 50; the message gives the count). A region that is a cycle with no such node is reported at its first node.",
        why: "dead configuration: it is maintained, reviewed and deployed for nothing, and often means a transition was meant to point at it.",
        fix: "connect it, or delete it.",
        triggers: ("json", "", r#"{"start": "menu", "nodes": {"menu": {"type": "menu", "transitions": {"1": ["sales"]}}, "sales": {"type": "transfer", "queue": "Sales"}, "support": {"type": "transfer", "queue": "Support"}}}"#),
        passes: ("json", "", r#"{"start": "menu", "nodes": {"menu": {"type": "menu", "transitions": {"1": ["sales"], "2": ["support"]}}, "sales": {"type": "transfer", "queue": "Sales"}, "support": {"type": "transfer", "queue": "Support"}}}"#),
    }
    DeadEnd = "FG013", "dead-end", Error {
        summary: "A node has no way on, and its type does not end the flow.",
        severity_note: "",
        what: "a node has no outgoing edge, and its type (menu, play, set, decision, …) does not end the flow. Applies to every node, reachable or not.",
        why: "a call that arrives has no next step.",
        fix: "add a transition, or end the path with `disconnect`, `transfer` or `transfer_flow`.",
        triggers: ("json", "", r#"{"start": "outage_message", "nodes": {"outage_message": {"type": "play", "prompt": "Prompt.Outage"}}}"#),
        passes: ("json", "", r#"{"start": "outage_message", "nodes": {"outage_message": {"type": "play", "prompt": "Prompt.Outage", "transitions": {"next": ["bye"]}}, "bye": {"type": "disconnect"}}}"#),
    }
    DuplicateMenuDigit = "FG014", "duplicate-menu-digit", Error {
        summary: "Two choices of one menu use the same DTMF key.",
        severity_note: "",
        what: "two choices of one menu use the same DTMF key (`dtmf: digit_1` twice). Reported at the second choice's key, related to the first.",
        why: "a caller who presses the key gets one of them; the other can never be chosen by key, which is almost always a copy-paste mistake. (Architect's own validation rule for this is not documented; flowguard reports it because the second choice is dead by key either way.)",
        fix: "give the choice a key no other choice of the menu uses, or remove one of the two.",
        triggers: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./menus/menu[Main_1]
  menus:
    - menu:
        name: Main
        refId: Main_1
        audio:
          tts: Sales, press 1. Support, press 2.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuDisconnect:
              name: Support
              dtmf: digit_1
"),
        passes: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./menus/menu[Main_1]
  menus:
    - menu:
        name: Main
        refId: Main_1
        audio:
          tts: Sales, press 1. Support, press 2.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuDisconnect:
              name: Support
              dtmf: digit_2
"),
    }
    DuplicateSpeechTerm = "FG015", "duplicate-speech-term", Warning {
        summary: "Two choices of one menu list the same speech recognition term.",
        severity_note: "",
        what: "two choices of one menu list the same speech recognition term (same language, compared without case and surrounding spaces).",
        why: "which choice a caller who says the term gets is up to the recogniser, not you.",
        fix: "keep each term on one choice.",
        triggers: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./menus/menu[Main_1]
  menus:
    - menu:
        name: Main
        refId: Main_1
        audio:
          tts: Say sales or goodbye.
        choices:
          - menuDisconnect:
              name: Leave
              dtmf: digit_1
              speechRecTerms:
                en-us:
                  terms:
                    - goodbye
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_2
              speechRecTerms:
                en-us:
                  terms:
                    - Goodbye
              targetQueue:
                lit:
                  name: Sales
"),
        passes: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./menus/menu[Main_1]
  menus:
    - menu:
        name: Main
        refId: Main_1
        audio:
          tts: Say sales or goodbye.
        choices:
          - menuDisconnect:
              name: Leave
              dtmf: digit_1
              speechRecTerms:
                en-us:
                  terms:
                    - goodbye
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_2
              speechRecTerms:
                en-us:
                  terms:
                    - sales
              targetQueue:
                lit:
                  name: Sales
"),
    }
    RoutingLoop = "FG020", "routing-loop", Error {
        summary: "A cycle of nodes that do not wait for the caller, with no loop node bounding it.",
        severity_note: " when no edge leaves the loop and no member ends the flow; warning when one does (whether calls leave depends on data)",
        what: "a cycle among nodes that do not wait for the caller (everything except `menu` and `collect`): a non-trivial strongly connected component (more than one node, or a self-loop) of that subgraph, with no `loop` node bounding it. One diagnostic per component; `node` plus `related[].node` name every member exactly, the witness cycle first, in order. An edge *leaves* the component when it goes from a member to any node outside it, input nodes included. flowguard also treats a member that ends the flow (a transfer with a failure path back into the loop) as a way out, so such a loop is a warning, not an error. Reusable tasks: a `callTask` returns only when the called task ends, so when the called task is part of the loop (a task that calls itself, or A calls B which calls A) the call's return edge does not count as a way out: recursion with nothing else leaving it is an error.",
        why: "the platform runs at most 10,000 actions per call, then disconnects it without a word. A caller caught in the loop hears silence or the same prompt until then.",
        fix: "add an exit (a menu, a transfer, a disconnect), or bound the repetition with a `loop` node and `max_iterations`.",
        triggers: ("json", "", r#"{"start": "apologize", "nodes": {
  "apologize": {"type": "play", "transitions": {"next": ["set_retry"]}},
  "set_retry": {"type": "set", "transitions": {"next": ["jump_back"]}},
  "jump_back": {"type": "jump", "transitions": {"next": ["apologize"]}}}}"#),
        passes: ("json", "", r#"{"start": "apologize", "nodes": {
  "apologize": {"type": "play", "transitions": {"next": ["retry"]}},
  "retry": {"type": "loop", "max_iterations": 3, "transitions": {"body": ["apologize"], "exit": ["bye"]}},
  "bye": {"type": "disconnect"}}}"#),
    }
    CallerTrap = "FG021", "caller-trap", Error {
        summary: "A reachable group of nodes from which no path ends the call.",
        severity_note: "",
        what: "a non-trivial strongly connected component of the whole graph, reachable from `start`, from which no flow-ending node (disconnect, transfer, transfer_flow) can be reached. Names every member.",
        why: "the caller can never leave: menus repeat forever or until the action cutoff.",
        fix: "give the group a path to a transfer or a disconnect (for example an operator choice or a timeout that ends the call).",
        triggers: ("json", "", r#"{"start": "main", "nodes": {
  "main": {"type": "menu", "transitions": {"1": ["hours"]}},
  "hours": {"type": "play", "transitions": {"next": ["main"]}}}}"#),
        passes: ("json", "", r#"{"start": "main", "nodes": {
  "main": {"type": "menu", "transitions": {"1": ["hours"], "0": ["operator"]}},
  "hours": {"type": "play", "transitions": {"next": ["main"]}},
  "operator": {"type": "transfer", "queue": "Operator"}}}"#),
    }
    BoundedLoop = "FG022", "bounded-loop", Info {
        summary: "A cycle bounded by a loop node: fine, but worth seeing.",
        severity_note: "",
        what: "a cycle among non-input nodes that contains a `loop` node with `max_iterations`, or an Archy/Architect loop whose `loopCount` is an expression (`exp:`/`var:`; the count is fixed when the loop starts, so the bound is shown as unknown); a loop node anywhere in the component bounds it.",
        why: "bounded retries are fine, but worth seeing: the exit path is what callers get when the retries run out.",
        fix: "nothing to fix; check the exit path.",
        triggers: ("json", "", r#"{"start": "retry", "nodes": {
  "retry": {"type": "loop", "max_iterations": 3, "transitions": {"body": ["fetch"], "exit": ["agent"]}},
  "fetch": {"type": "data", "transitions": {"success": ["bye"], "failure": ["retry"]}},
  "agent": {"type": "transfer", "queue": "Support"},
  "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "fetch", "nodes": {
  "fetch": {"type": "data", "transitions": {"success": ["bye"], "failure": ["agent"]}},
  "agent": {"type": "transfer", "queue": "Support"},
  "bye": {"type": "disconnect"}}}"#),
    }
    DepthExceeded = "FG030", "depth-exceeded", Warning {
        summary: "The longest path from the start is deeper than the limit.",
        severity_note: " (an error under `--deny-warnings`)",
        what: "the longest path from `start` — counted in nodes on the condensation, each loop weighing its node count, so a lone start node has depth 1 — is strictly greater than the limit (15 by default, `--max-depth N`, `max-depth` in flowguard.toml; the example uses 3). The message gives the depth and the limit; the related locations are the witness path (on a path longer than 48 steps, its first and last 24, with one entry saying how many are not listed).",
        why: "every step costs the caller time; deep flows are where callers hang up.",
        fix: "shorten the path: flatten nested decisions (`flowguard flatten`), merge prompts, ask fewer questions.",
        triggers: ("json", "max-depth=3", r#"{"start": "welcome", "nodes": {
  "welcome": {"type": "play", "transitions": {"next": ["account"]}},
  "account": {"type": "collect", "transitions": {"next": ["birthday"]}},
  "birthday": {"type": "collect", "transitions": {"next": ["agent"]}},
  "agent": {"type": "transfer", "queue": "Onboarding"}}}"#),
        passes: ("json", "max-depth=3", r#"{"start": "welcome", "nodes": {
  "welcome": {"type": "play", "transitions": {"next": ["account"]}},
  "account": {"type": "collect", "transitions": {"next": ["agent"]}},
  "agent": {"type": "transfer", "queue": "Onboarding"}}}"#),
    }
    ActionBudget = "FG031", "action-budget", Warning {
        summary: "The worst-case number of actions on a path can exceed 10,000.",
        severity_note: "",
        what: "the worst-case number of actions on a path from `start` can exceed 10,000 (the wasm package's `actionBudget`): each node counts one action, and a bounded loop multiplies its component by its `max_iterations` (several loop nodes in one component multiply, an upper bound).",
        why: "the platform disconnects a call at 10,000 actions.",
        fix: "lower `max_iterations`, or move the repetition into a queue's in-queue flow.",
        triggers: ("json", "", r#"{"start": "poll", "nodes": {
  "poll": {"type": "loop", "max_iterations": 5000, "transitions": {"body": ["check"], "exit": ["overflow"]}},
  "check": {"type": "data", "transitions": {"success": ["pause"], "failure": ["pause"]}},
  "pause": {"type": "play", "transitions": {"next": ["poll"]}},
  "overflow": {"type": "transfer", "queue": "Overflow"}}}"#),
        passes: ("json", "", r#"{"start": "poll", "nodes": {
  "poll": {"type": "loop", "max_iterations": 50, "transitions": {"body": ["check"], "exit": ["overflow"]}},
  "check": {"type": "data", "transitions": {"success": ["pause"], "failure": ["pause"]}},
  "pause": {"type": "play", "transitions": {"next": ["poll"]}},
  "overflow": {"type": "transfer", "queue": "Overflow"}}}"#),
    }
    NoDefault = "FG040", "no-default", Warning {
        summary: "A decision has no default, and some call matches none of its conditions.",
        severity_note: "",
        what: "a decision has no `default` transition and some call matches none of its conditions. The decision analysis (`docs/flattening.md`) enumerates the inputs: when the conditions provably cover every input (`x < 5`, `x >= 5`, `x == NOT_SET`), nothing is reported; when they do not, the diagnostic carries a **witness**, an input that matches nothing (for example `Call.Region = NOT_SET`). Without a certain witness (opaque function calls, or more input combinations than the analysis enumerates) it is reported without one.",
        why: "a call with no matching condition and no default has nowhere to go: Architect takes the error path or drops it.",
        fix: "add a `default` transition, or a condition that covers the witness.",
        triggers: ("json", "", r#"{"start": "region", "nodes": {
  "region": {"type": "decision", "conditions": [
    {"expression": "Call.Region == \"north\"", "priority": 2, "target_id": "north"},
    {"expression": "Call.Region == \"south\"", "priority": 1, "target_id": "south"}]},
  "north": {"type": "transfer", "queue": "North"},
  "south": {"type": "transfer", "queue": "South"}}}"#),
        passes: ("json", "", r#"{"start": "region", "nodes": {
  "region": {"type": "decision", "conditions": [
    {"expression": "Call.Region == \"north\"", "priority": 2, "target_id": "north"}],
    "transitions": {"default": ["south"]}},
  "north": {"type": "transfer", "queue": "North"},
  "south": {"type": "transfer", "queue": "South"}}}"#),
    }
    ShadowedCondition = "FG041", "shadowed-condition", Warning {
        summary: "A condition can be true, but never first: earlier conditions take all its calls.",
        severity_note: "",
        what: "a condition can be true, but never first: every input it matches is already taken by conditions evaluated before it (higher priority, or equal priority earlier in the document). The related locations name those conditions.",
        why: "calls never reach its target; usually the priorities are in the wrong order.",
        fix: "give it a higher priority than the conditions that shadow it, narrow them, or remove it.",
        triggers: ("json", "", r#"{"start": "balance", "nodes": {
  "balance": {"type": "decision", "conditions": [
    {"expression": "Flow.balance > 100", "priority": 10, "target_id": "collections"},
    {"expression": "Flow.balance > 500", "priority": 5, "target_id": "escalation"}],
    "transitions": {"default": ["bye"]}},
  "collections": {"type": "transfer", "queue": "Collections"},
  "escalation": {"type": "transfer", "queue": "Escalation"},
  "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "balance", "nodes": {
  "balance": {"type": "decision", "conditions": [
    {"expression": "Flow.balance > 500", "priority": 10, "target_id": "escalation"},
    {"expression": "Flow.balance > 100", "priority": 5, "target_id": "collections"}],
    "transitions": {"default": ["bye"]}},
  "collections": {"type": "transfer", "queue": "Collections"},
  "escalation": {"type": "transfer", "queue": "Escalation"},
  "bye": {"type": "disconnect"}}}"#),
    }
    UnsatisfiableCondition = "FG042", "unsatisfiable-condition", Warning {
        summary: "No input makes the condition true.",
        severity_note: "",
        what: "no input makes the condition true.",
        why: "it is dead code, and often a typo (`and` meant `or`, a wrong literal).",
        fix: "fix the comparison or remove the condition.",
        triggers: ("json", "", r#"{"start": "balance", "nodes": {
  "balance": {"type": "decision", "conditions": [
    {"expression": "Flow.balance < 0 and Flow.balance > 10", "priority": 4, "target_id": "refund"}],
    "transitions": {"default": ["bye"]}},
  "refund": {"type": "transfer", "queue": "Refunds"},
  "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "balance", "nodes": {
  "balance": {"type": "decision", "conditions": [
    {"expression": "Flow.balance < 0 or Flow.balance > 10", "priority": 4, "target_id": "refund"}],
    "transitions": {"default": ["bye"]}},
  "refund": {"type": "transfer", "queue": "Refunds"},
  "bye": {"type": "disconnect"}}}"#),
    }
    AmbiguousOrder = "FG043", "ambiguous-order", Warning {
        summary: "Two conditions of equal priority can both be true: document order decides.",
        severity_note: "",
        what: "two conditions have the same priority and different targets, and some input (the witness) makes both true with no earlier condition taking it: only their order in the document decides where the call goes.",
        why: "reordering the document (or an export/import) silently changes routing.",
        fix: "give the condition that should win a higher priority.",
        triggers: ("json", "", r#"{"start": "balance", "nodes": {
  "balance": {"type": "decision", "conditions": [
    {"expression": "Flow.balance <= 100", "priority": 3, "target_id": "self_service"},
    {"expression": "Flow.balance <= 50", "priority": 3, "target_id": "agent"}],
    "transitions": {"default": ["bye"]}},
  "self_service": {"type": "disconnect"},
  "agent": {"type": "transfer", "queue": "Billing"},
  "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "balance", "nodes": {
  "balance": {"type": "decision", "conditions": [
    {"expression": "Flow.balance <= 100", "priority": 3, "target_id": "self_service"},
    {"expression": "Flow.balance <= 50", "priority": 4, "target_id": "agent"}],
    "transitions": {"default": ["bye"]}},
  "self_service": {"type": "disconnect"},
  "agent": {"type": "transfer", "queue": "Billing"},
  "bye": {"type": "disconnect"}}}"#),
    }
    RedundantCondition = "FG044", "redundant-condition", Info {
        summary: "Removing the condition would change no routing.",
        severity_note: "",
        what: "the condition is sometimes the first true one, but removing it changes no routing: every call it takes reaches the same target through a later condition or the default.",
        why: "it costs an evaluation and reads as if it mattered.",
        fix: "remove it, or let `flowguard flatten` remove it (certified).",
        triggers: ("json", "", r#"{"start": "hours", "nodes": {
  "hours": {"type": "decision", "conditions": [
    {"expression": "Flow.hour >= 20", "priority": 2, "target_id": "voicemail"},
    {"expression": "Flow.hour < 8", "priority": 1, "target_id": "closed"}],
    "transitions": {"default": ["voicemail"]}},
  "voicemail": {"type": "transfer", "queue": "Voicemail"},
  "closed": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "hours", "nodes": {
  "hours": {"type": "decision", "conditions": [
    {"expression": "Flow.hour < 8", "priority": 1, "target_id": "closed"}],
    "transitions": {"default": ["voicemail"]}},
  "voicemail": {"type": "transfer", "queue": "Voicemail"},
  "closed": {"type": "disconnect"}}}"#),
    }
    ExpressionSyntax = "FG045", "expression-syntax", Error {
        summary: "A condition expression does not parse.",
        severity_note: "",
        what: "a condition expression does not parse (`docs/expressions.md` lists the syntax flowguard reads). The span points inside the expression string when it has no escapes; otherwise at the string. Expressions nested more than 64 levels deep are reported here too.",
        why: "the flow cannot be analysed or deployed reliably; the analysis treats the condition's value as unknown, so it claims nothing that depends on it.",
        fix: "correct the expression (`andd` is not an operator; `a = 1` is written `a == 1`).",
        triggers: ("json", "", r#"{"start": "ani", "nodes": {
  "ani": {"type": "decision", "conditions": [
    {"expression": "Call.Ani == \"123\" andd Flow.x == 1", "priority": 1, "target_id": "vip"}],
    "transitions": {"default": ["bye"]}},
  "vip": {"type": "transfer", "queue": "VIP"},
  "bye": {"type": "disconnect"}}}"#),
        passes: ("json", "", r#"{"start": "ani", "nodes": {
  "ani": {"type": "decision", "conditions": [
    {"expression": "Call.Ani == \"123\" and Flow.x == 1", "priority": 1, "target_id": "vip"}],
    "transitions": {"default": ["bye"]}},
  "vip": {"type": "transfer", "queue": "VIP"},
  "bye": {"type": "disconnect"}}}"#),
    }
    NotFlattened = "FG046", "not-flattened", Info {
        summary: "`flowguard flatten` left a decision as it is, and says why.",
        severity_note: " (a warning when a format's writer refuses the rewrite)",
        what: "`flowguard flatten` left a decision as it is and says why: the flattened decision would exceed the condition limit (the example sets it to 1), the input space is too large to certify, the result could not be certified equivalent, or the document format cannot express it (Architect configuration JSON holds one condition per DecisionAction; Archy YAML cannot copy a branch's actions into a `switch` case faithfully, or the switch does not read back as the same flow — `docs/formats.md` lists every refusal). Reported by `flatten` only.",
        why: "flattening only applies rewrites it proves; the flow still works as before.",
        fix: "nothing is required; simplify the tree or raise the limit to flatten it.",
        triggers: ("json", "flatten max-conditions=1", r#"{"start": "vip", "nodes": {
  "vip": {"type": "decision", "conditions": [
    {"expression": "Flow.vip == true", "priority": 1, "target_id": "region"}],
    "transitions": {"default": ["standard"]}},
  "region": {"type": "decision", "conditions": [
    {"expression": "Call.Region == \"north\"", "priority": 1, "target_id": "north"}],
    "transitions": {"default": ["standard"]}},
  "north": {"type": "transfer", "queue": "North VIP"},
  "standard": {"type": "transfer", "queue": "Standard"}}}"#),
        passes: ("json", "flatten", r#"{"start": "vip", "nodes": {
  "vip": {"type": "decision", "conditions": [
    {"expression": "Flow.vip == true", "priority": 1, "target_id": "region"}],
    "transitions": {"default": ["standard"]}},
  "region": {"type": "decision", "conditions": [
    {"expression": "Call.Region == \"north\"", "priority": 1, "target_id": "north"}],
    "transitions": {"default": ["standard"]}},
  "north": {"type": "transfer", "queue": "North VIP"},
  "standard": {"type": "transfer", "queue": "Standard"}}}"#),
    }
    UnknownQueue = "FG050", "unknown-queue", Error {
        summary: "A transfer names a queue the org does not have.",
        severity_note: "",
        what: "a `transfer` names a queue the org does not have. Checked when queue names are known: `flowguard validate --queue NAME …`, `flowguard validate --org` (reads `/api/v2/routing/queues`), `queues` in flowguard.toml, or the wasm `queues` option (the example knows the queue `Support`). Transfers whose queue is an expression are not checked. Queue names are case-sensitive; the help suggests a name that differs only in case.",
        why: "the transfer fails at run time and the caller is dropped or sent to the failure path.",
        fix: "use an existing queue's exact name, or create the queue first.",
        triggers: ("json", "queue=Support", r#"{"start": "agent", "nodes": {"agent": {"type": "transfer", "queue": "Suport"}}}"#),
        passes: ("json", "queue=Support", r#"{"start": "agent", "nodes": {"agent": {"type": "transfer", "queue": "Support"}}}"#),
    }
    UnusedSuppression = "FG060", "unused-suppression", Warning {
        summary: "A suppression comment silences nothing, or names no flowguard code.",
        severity_note: "",
        what: "a suppression comment in Archy YAML (`# flowguard: ignore[FG012] reason`) that silences nothing: no finding of the code it names is on the action it annotates (the action on its line, or on the line below it, and everything indented under that action). Also a suppression naming something that is not a flowguard code, and a `# flowguard:` comment that cannot be read. The span points at the code in the comment.",
        why: "a suppression outlives its reason when the finding it silenced is fixed or moved; left in place it would silently hide the next, real finding of that code there.",
        fix: "delete the suppression (or the code that no longer applies), correct the code's name, or move the comment onto the action's line or the line above it.",
        triggers: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./tasks/task[Main_1]
  tasks:
    # flowguard: ignore[FG012] kept for the spring campaign
    - task:
        name: Main
        refId: Main_1
        actions:
          - disconnect:
              name: Bye
"),
        passes: ("yaml", "", "inboundCall:
  name: Main
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - disconnect:
              name: Bye
    # flowguard: ignore[FG012] kept for the spring campaign
    - task:
        name: Spring
        refId: Spring_2
        actions:
          - disconnect:
              name: Bye
"),
    }
    CrossFlowLoop = "FG070", "cross-flow-loop", Error {
        summary: "Flows transfer a call round to each other with no caller input on the way.",
        severity_note: " (warning when some flow on the loop can go elsewhere when data allows)",
        what: "a routing loop across the documents of a set (`flowguard validate DIR`, or several files): each flow's start reaches, waiting for no caller input, a Transfer to Flow, Transfer to Secure Flow, Call Common Module or in-queue flow that names the next flow, and the last names the first. The finding is on the first flow's reference; its related locations are the witness path in every file, from each flow's start to its hop (each message names its file). An error when every flow's start leads only to its hop; a warning when some flow can also wait, end, transfer elsewhere or reach a dead end (the message names that exit), and when the loop queues the call (an agent may answer). References whose target is an expression are not followed; a bot conversation waits for the customer, so it is no hop.",
        why: "a call that enters is passed from flow to flow without ever reaching a person or an end; the single-flow loop rules cannot see it because each flow alone is fine.",
        fix: "let one of the flows wait for the caller (a menu) or end, or transfer to a flow outside the loop.",
        triggers: ("yaml", "set", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To billing
              targetFlow:
                name: Billing
          - disconnect:
              name: Bye
# file: billing.yaml
inboundCall:
  name: Billing
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: Back to main
              targetFlow:
                name: Main
          - disconnect:
              name: Bye
"),
        passes: ("yaml", "set", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To billing
              targetFlow:
                name: Billing
          - disconnect:
              name: Bye
# file: billing.yaml
inboundCall:
  name: Billing
  startUpRef: ./menus/menu[Menu_1]
  menus:
    - menu:
        name: Billing menu
        refId: Menu_1
        audio:
          tts: Press 1 to go back.
        choices:
          - menuTransferToFlow:
              name: Back to main
              dtmf: digit_1
              targetFlow:
                name: Main
"),
    }
    FlowOutsideSet = "FG071", "flow-outside-set", Info {
        summary: "A flow names another flow that is not in the set being validated.",
        severity_note: "",
        what: "in a set of documents validated together, without `--org`, a literal reference (Transfer to Flow, Call Common Module, Call Bot Flow, an in-queue flow, …) names a flow that no document of the set is (by name, ignoring case, and the type the action needs). Flows that live only in the org are normal, so this is information. A single file validated alone never gets it, and neither do targets that are expressions or still hold a `{{placeholder}}`. With `--org` the flow is looked up instead (FG072).",
        why: "a release of the set cannot create that flow: it must already exist where the set is deployed, or the action fails at run time.",
        fix: "nothing if the flow exists in every org the set goes to (confirm with `flowguard validate --org`); otherwise add its file to the set or correct the name.",
        triggers: ("yaml", "set", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To billing
              targetFlow:
                name: Billing
          - disconnect:
              name: Bye
# file: sales.yaml
inboundCall:
  name: Sales
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - disconnect:
              name: Bye
"),
        passes: ("yaml", "set", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To billing
              targetFlow:
                name: Billing
          - disconnect:
              name: Bye
# file: billing.yaml
inboundCall:
  name: Billing
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - disconnect:
              name: Bye
"),
    }
    MissingFlow = "FG072", "missing-flow", Error {
        summary: "A flow names a flow that is neither in the set nor in the org.",
        severity_note: "",
        what: "with the org's flows known (`flowguard validate --org`, which lists `/api/v2/flows`), a literal reference names a flow that no document of the set is and the org does not have under any type (by name, ignoring case, or by id). Targets that are expressions or still hold a `{{placeholder}}` are not checked; when a document of the set cannot be read or has no name, the reference may mean it, and FG071 is reported instead. The example's org has only the flow `Support`.",
        why: "the action fails at run time (the Help Center: when the selected flow no longer exists, the flow fails at that action), and publishing may be refused for the missing dependency.",
        fix: "create the flow (or add its file to the set) or correct the name.",
        triggers: ("yaml", "set flow=Support", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To billing
              targetFlow:
                name: Billing
          - disconnect:
              name: Bye
"),
        passes: ("yaml", "set flow=Billing", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - transferToFlow:
              name: To billing
              targetFlow:
                name: Billing
          - disconnect:
              name: Bye
"),
    }
    FlowTypeMismatch = "FG073", "flow-type-mismatch", Warning {
        summary: "A flow names another flow that exists only with a type the action cannot use.",
        severity_note: "",
        what: "a literal reference names a flow that the set (or, with `--org`, the org) has only as a flow of another type than the action needs: Transfer to Flow needs an inbound call flow, Transfer to Secure Flow a secure call flow, Call Common Module a common module, Call Bot Flow a bot flow, an in-queue flow an in-queue call flow. Flows are told apart by name and type, so a flow of the right type may still exist elsewhere: a warning.",
        why: "the action cannot use a flow of another type; if no flow of the right type has that name, it fails.",
        fix: "name a flow of the type the action needs, or create one with that name.",
        triggers: ("yaml", "set", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - callCommonModule:
              name: Look up
              commonModule:
                Lookup:
                  ver_latestPublished:
          - disconnect:
              name: Bye
# file: lookup.yaml
inboundCall:
  name: Lookup
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - disconnect:
              name: Bye
"),
        passes: ("yaml", "set", "# file: main.yaml
inboundCall:
  name: Main
  startUpRef: ./tasks/task[Start_1]
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - callCommonModule:
              name: Look up
              commonModule:
                Lookup:
                  ver_latestPublished:
          - disconnect:
              name: Bye
# file: lookup.yaml
commonModule:
  name: Lookup
  startUpTaskActions:
    - disconnect:
        name: Bye
"),
    }
}
