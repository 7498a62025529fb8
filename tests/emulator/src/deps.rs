//! Flow dependencies: the other flows a flow names by literal name or id, and
//! the platform's refusal to publish a flow whose dependencies are missing
//! (409 `architect.flow.cannot.publish.missing.dependencies`, API.md §2.6).
//!
//! This reader is the emulator's own (it stands in for the platform, so it does
//! not use flowguard-core) and deliberately small. What it reads:
//!
//! Archy YAML (shapes from the real flows in `shared/genesys/real-flows/archy`):
//! * `transferToFlow` / `menuTransferToFlow`: `targetFlow: {name: X}` (real),
//!   `targetFlow: {lit: {name: X}}`, `targetFlow: {lit: X}` or `targetFlow: X`
//!   (inferred spellings); an `exp:`/`var:` target is computed at run time and
//!   is no dependency;
//! * `transferToFlowSecure` / `menuTransferToFlowSecure` with a `targetFlow`
//!   (the same key under `settingsActionDefaults` has none and is skipped);
//! * `callCommonModule: {commonModule: {<Name>: {ver_latestPublished: …}}}` (real);
//! * `callBotFlow: {botFlow: {<Name>: …}}` (real), `callDigitalBotFlow` likewise;
//! * `overrideInQueueFlow: {name: X}` (real, on `transferToAcd`/`menuTransferToAcd`).
//!
//! Architect configuration JSON:
//! * `inQueueFlowId` / `inQueueFlowName` on any object (real, on
//!   `TransferPureMatchAction`);
//! * actions whose `__type` is `TransferFlowAction`/`TransferToFlowAction`,
//!   `TransferFlowSecureAction`, `CallCommonModuleAction`, `CallBotFlowAction`,
//!   `CallDigitalBotFlowAction`, with the target in `flowId`/`targetFlowId` (an
//!   id) or `flowName`/`targetFlow`/`commonModule`/`botFlow` (a string, or an
//!   object with `id`, `name` or `text`). The `__type` names are flowguard's
//!   semantics table's; no real configuration with them has been seen, so the
//!   field names are inferred.
//!
//! Which flow types satisfy a dependency: a common module must be a
//! COMMONMODULE, a bot flow a BOT or DIGITALBOT, a secure transfer a
//! SECURECALL, an in-queue override an INQUEUE* flow; a plain transfer may
//! target any type (a real in-queue flow transfers to an inbound call flow).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::flows::FlowRecord;

/// How strictly a publish checks the flows it depends on (an emulator option:
/// the real rule is not documented precisely).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DependencyCheck {
    /// Every dependency must exist and have a published version (the default:
    /// the strictest reading, so the deployer is tested against it).
    #[default]
    Published,
    /// Every dependency must exist (published or not).
    Exist,
    /// No check.
    Off,
}

impl DependencyCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Exist => "exist",
            Self::Off => "off",
        }
    }
}

/// What kind of reference a dependency is; decides which flow types satisfy
/// it and which type a stub gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DepKind {
    Transfer,
    SecureTransfer,
    CommonModule,
    Bot,
    InQueue,
}

impl DepKind {
    /// Whether a flow of `flow_type` (upper case) satisfies this reference.
    pub fn accepts(self, flow_type: &str) -> bool {
        match self {
            Self::Transfer => true,
            Self::SecureTransfer => flow_type == "SECURECALL",
            Self::CommonModule => flow_type == "COMMONMODULE",
            Self::Bot => matches!(flow_type, "BOT" | "DIGITALBOT"),
            Self::InQueue => flow_type.starts_with("INQUEUE"),
        }
    }

    /// The type of a stub created for this reference from a flow of type
    /// `caller` (inferred: the media of the calling flow decides).
    pub fn stub_type(self, caller: &str) -> &'static str {
        let media = if caller.ends_with("SHORTMESSAGE") || caller == "DIGITALBOT" {
            "message"
        } else if caller.ends_with("CHAT") {
            "chat"
        } else if caller.ends_with("EMAIL") {
            "email"
        } else {
            "call"
        };
        match (self, media) {
            (Self::Transfer, "message") => "INBOUNDSHORTMESSAGE",
            (Self::Transfer, "chat") => "INBOUNDCHAT",
            (Self::Transfer, "email") => "INBOUNDEMAIL",
            (Self::Transfer, _) => "INBOUNDCALL",
            (Self::SecureTransfer, _) => "SECURECALL",
            (Self::CommonModule, _) => "COMMONMODULE",
            (Self::Bot, "message" | "chat") => "DIGITALBOT",
            (Self::Bot, _) => "BOT",
            (Self::InQueue, "message") => "INQUEUESHORTMESSAGE",
            (Self::InQueue, "email") => "INQUEUEEMAIL",
            (Self::InQueue, _) => "INQUEUECALL",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Transfer => "transfer target",
            Self::SecureTransfer => "secure flow",
            Self::CommonModule => "common module",
            Self::Bot => "bot flow",
            Self::InQueue => "in-queue flow",
        }
    }
}

/// One flow a document references by literal name and/or id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    pub kind: DepKind,
    pub name: Option<String>,
    pub id: Option<String>,
}

impl Dependency {
    /// `common module 'Lookup'`, `in-queue flow 'Hold' (id …)`.
    pub fn label(&self) -> String {
        match (&self.name, &self.id) {
            (Some(n), Some(i)) => format!("{} '{n}' (id {i})", self.kind.describe()),
            (Some(n), None) => format!("{} '{n}'", self.kind.describe()),
            (None, Some(i)) => format!("{} with id {i}", self.kind.describe()),
            (None, None) => self.kind.describe().to_owned(),
        }
    }

    /// The flow that satisfies this reference, if any (by id when the
    /// reference has one and that id exists, else by name and type).
    pub fn find<'a>(&self, flows: &'a [FlowRecord]) -> Option<&'a FlowRecord> {
        let live = || flows.iter().filter(|f| !f.deleted);
        if let Some(id) = &self.id
            && let Some(f) = live().find(|f| &f.id == id)
        {
            return Some(f);
        }
        let name = self.name.as_deref()?;
        live().find(|f| f.name.eq_ignore_ascii_case(name) && self.kind.accepts(&f.flow_type))
    }
}

/// A literal flow name: `X`, `{name: X}`, `{lit: X}`, `{lit: {name: X}}`,
/// `{text: X}`; `exp`/`var` are computed at run time (no dependency).
fn literal_name(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => {
            if m.contains_key("exp") || m.contains_key("var") {
                return None;
            }
            if let Some(l) = m.get("lit") {
                return literal_name(l);
            }
            m.get("name")
                .or_else(|| m.get("text"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        }
        _ => None,
    }?;
    let s = s.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

/// `{<Name>: {...}}`: the flow is the only key.
fn keyed_name(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    let (k, _) = m.iter().next()?;
    let k = k.trim();
    (!k.is_empty()).then(|| k.to_owned())
}

fn push(out: &mut BTreeSet<Dependency>, kind: DepKind, name: Option<String>, id: Option<String>) {
    if name.is_some() || id.is_some() {
        out.insert(Dependency { kind, name, id });
    }
}

/// The dependencies of an Archy YAML document (empty when it does not parse;
/// the importer reports that itself).
pub fn from_yaml(yaml: &str) -> Vec<Dependency> {
    let Ok(doc) = serde_saphyr::from_str::<Value>(yaml) else {
        return Vec::new();
    };
    let mut out = BTreeSet::new();
    let mut stack = vec![&doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                yaml_object(m, &mut out);
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out.into_iter().collect()
}

fn yaml_object(m: &Map<String, Value>, out: &mut BTreeSet<Dependency>) {
    for (key, body) in m {
        let field = |k: &str| body.get(k);
        match key.as_str() {
            "transferToFlow" | "menuTransferToFlow" => {
                let name = field("targetFlow").and_then(literal_name);
                push(out, DepKind::Transfer, name, None);
            }
            "transferToFlowSecure" | "menuTransferToFlowSecure" => {
                let name = field("targetFlow").and_then(literal_name);
                push(out, DepKind::SecureTransfer, name, None);
            }
            "callCommonModule" => {
                let name = field("commonModule").and_then(keyed_name);
                push(out, DepKind::CommonModule, name, None);
            }
            "callBotFlow" | "callDigitalBotFlow" => {
                let name = field("botFlow")
                    .or_else(|| field("digitalBotFlow"))
                    .and_then(keyed_name);
                push(out, DepKind::Bot, name, None);
            }
            "overrideInQueueFlow" => push(out, DepKind::InQueue, literal_name(body), None),
            _ => {}
        }
    }
}

/// A name or id from a configuration field: a string, or `{id, name|text}`.
fn config_target(v: Option<&Value>) -> (Option<String>, Option<String>) {
    match v {
        Some(Value::Object(m)) => (
            literal_name(v.unwrap_or(&Value::Null)),
            m.get("id").and_then(Value::as_str).map(str::to_owned),
        ),
        Some(other) => (literal_name(other), None),
        None => (None, None),
    }
}

/// The dependencies of an Architect configuration document.
pub fn from_configuration(config: &Value) -> Vec<Dependency> {
    let mut out = BTreeSet::new();
    let mut stack = vec![config];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                config_object(m, &mut out);
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out.into_iter().collect()
}

fn config_object(m: &Map<String, Value>, out: &mut BTreeSet<Dependency>) {
    let text = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if m.contains_key("inQueueFlowId") || m.contains_key("inQueueFlowName") {
        push(
            out,
            DepKind::InQueue,
            text("inQueueFlowName"),
            text("inQueueFlowId"),
        );
    }
    let kind = match m.get("__type").and_then(Value::as_str) {
        Some("TransferFlowAction" | "TransferToFlowAction") => DepKind::Transfer,
        Some("TransferFlowSecureAction") => DepKind::SecureTransfer,
        Some("CallCommonModuleAction") => DepKind::CommonModule,
        Some("CallBotFlowAction" | "CallDigitalBotFlowAction") => DepKind::Bot,
        _ => return,
    };
    let id = text("flowId").or_else(|| text("targetFlowId"));
    let target = ["flowName", "targetFlow", "commonModule", "botFlow"]
        .into_iter()
        .find_map(|k| m.get(k));
    let (name, target_id) = config_target(target);
    push(out, kind, name, id.or(target_id));
}

/// The dependencies of a stored version: its YAML source when it was imported,
/// else its configuration.
pub fn of_version(configuration: &Value, yaml: Option<&str>) -> Vec<Dependency> {
    match yaml {
        Some(y) => from_yaml(y),
        None => from_configuration(configuration),
    }
}

/// The references of `deps` that `check` does not accept, given the org's
/// `flows`. `self_id` (the flow being published) always satisfies a reference
/// to itself.
pub fn missing<'d>(
    check: DependencyCheck,
    deps: &'d [Dependency],
    flows: &[FlowRecord],
    self_id: &str,
) -> Vec<(&'d Dependency, &'static str)> {
    if check == DependencyCheck::Off {
        return Vec::new();
    }
    deps.iter()
        .filter_map(|d| match d.find(flows) {
            None => Some((d, "does not exist")),
            Some(f) if f.id == self_id => None,
            Some(f) if check == DependencyCheck::Published && f.published.is_none() => {
                Some((d, "has no published version"))
            }
            Some(_) => None,
        })
        .collect()
}

/// One sentence naming every missing dependency.
pub fn describe_missing(flow_name: &str, missing: &[(&Dependency, &str)]) -> String {
    let parts: Vec<String> = missing
        .iter()
        .map(|(d, why)| format!("{} {why}", d.label()))
        .collect();
    format!(
        "Flow '{flow_name}' cannot be published because it has missing dependencies: {}.",
        parts.join("; ")
    )
}

/// The Archy top-level key of a flow type (`COMMONMODULE` → `commonModule`).
pub fn archy_key(flow_type: &str) -> String {
    match flow_type {
        "INBOUNDCALL" => "inboundCall".into(),
        "INBOUNDCHAT" => "inboundChat".into(),
        "INBOUNDEMAIL" => "inboundEmail".into(),
        "INBOUNDSHORTMESSAGE" => "inboundShortMessage".into(),
        "INQUEUECALL" => "inqueueCall".into(),
        "INQUEUEEMAIL" => "inqueueEmail".into(),
        "INQUEUESHORTMESSAGE" => "inqueueShortMessage".into(),
        "OUTBOUNDCALL" => "outboundCall".into(),
        "SECURECALL" => "secureCall".into(),
        "COMMONMODULE" => "commonModule".into(),
        "DIGITALBOT" => "digitalBot".into(),
        "BOT" => "bot".into(),
        "WORKFLOW" => "workflow".into(),
        other => other.to_lowercase(),
    }
}

/// The YAML and configuration of an empty stub flow (what `createStubs`
/// leaves behind: a flow of the name and type, with nothing in it).
pub fn stub_content(name: &str, flow_type: &str) -> (String, Value) {
    let key = archy_key(flow_type);
    let quoted = Value::String(name.to_owned()).to_string();
    let yaml = format!("{key}:\n  name: {quoted}\n  description: stub created by an import job\n");
    let config = json!({
        "name": name,
        "type": flow_type.to_lowercase(),
        "description": "stub created by an import job",
        "initialSequence": null,
        "flowSequenceItemList": [],
        "variables": [],
        "manifest": {},
    });
    (yaml, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(deps: &[Dependency]) -> Vec<(DepKind, Option<&str>, Option<&str>)> {
        deps.iter()
            .map(|d| (d.kind, d.name.as_deref(), d.id.as_deref()))
            .collect()
    }

    #[test]
    fn reads_the_real_yaml_shapes() {
        let yaml = r#"
inqueueCall:
  name: Offer
  settingsActionDefaults:
    transferToFlowSecure:
      connectTimeout:
        lit:
          seconds: 15
  startUpTaskActions:
    - transferToFlow:
        name: Transfer to Flow
        targetFlow:
          name: Trigger workflow
    - transferToFlow:
        name: Computed
        targetFlow:
          exp: Task.flowName
    - callCommonModule:
        name: Call Common Module
        commonModule:
          Resolve Contact:
            ver_latestPublished:
              inputs: {}
    - callBotFlow:
        name: Call Bot Flow
        botFlow:
          MyChatBot:
            ver_latestPublished: {}
    - transferToAcd:
        name: T
        overrideInQueueFlow:
          name: Hold Music
"#;
        let deps = from_yaml(yaml);
        assert_eq!(
            names(&deps),
            vec![
                (DepKind::Transfer, Some("Trigger workflow"), None),
                (DepKind::CommonModule, Some("Resolve Contact"), None),
                (DepKind::Bot, Some("MyChatBot"), None),
                (DepKind::InQueue, Some("Hold Music"), None),
            ]
        );
        assert!(from_yaml(": not yaml [").is_empty());
    }

    #[test]
    fn reads_configuration_references() {
        let config = json!({
            "flowSequenceItemList": [{"actionList": [
                {"__type": "TransferPureMatchAction", "inQueueFlowId": "iq-1", "inQueueFlowName": "Default In-Queue Flow"},
                {"__type": "TransferFlowAction", "flowName": {"text": "Spanish Line"}},
                {"__type": "CallCommonModuleAction", "commonModule": {"id": "cm-1", "name": "Lookup"}},
                {"__type": "DisconnectAction", "flowName": "ignored"}
            ]}]
        });
        assert_eq!(
            names(&from_configuration(&config)),
            vec![
                (DepKind::Transfer, Some("Spanish Line"), None),
                (DepKind::CommonModule, Some("Lookup"), Some("cm-1")),
                (
                    DepKind::InQueue,
                    Some("Default In-Queue Flow"),
                    Some("iq-1")
                ),
            ]
        );
    }

    #[test]
    fn types_and_stubs() {
        assert!(DepKind::CommonModule.accepts("COMMONMODULE"));
        assert!(!DepKind::CommonModule.accepts("INBOUNDCALL"));
        assert!(DepKind::Transfer.accepts("INBOUNDCALL"));
        assert_eq!(DepKind::Transfer.stub_type("INQUEUECALL"), "INBOUNDCALL");
        assert_eq!(DepKind::Bot.stub_type("INBOUNDSHORTMESSAGE"), "DIGITALBOT");
        assert_eq!(DepKind::Bot.stub_type("INBOUNDCALL"), "BOT");
        let (yaml, config) = stub_content("My \"Module\"", "COMMONMODULE");
        let parsed: Value = serde_saphyr::from_str(&yaml).unwrap_or_default();
        assert_eq!(parsed["commonModule"]["name"], "My \"Module\"");
        assert_eq!(config["type"], "commonmodule");
    }
}
