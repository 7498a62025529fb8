//! A minimal Archy: turns Archy YAML into an Architect configuration document.
//!
//! The real import job runs Archy, which resolves references and writes the
//! internal Architect JSON (API.md §2.7, §5.1). This converter covers the
//! vocabulary the seed and the deployer use (menus, tasks, playAudio,
//! decision, transferToAcd, disconnect, jumpToTask, jumpToMenu and the menu
//! choices); any other action key becomes a generic `<Name>Action`. Ids are
//! derived from the flow name, so importing the same YAML twice yields the
//! same document.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use crate::flows::FLOW_TYPES;
use crate::ids::{IdGen, fnv1a};

/// The result of converting one YAML file.
#[derive(Debug, Clone)]
pub struct ImportedFlow {
    /// Upper case (`INBOUNDCALL`).
    pub flow_type: String,
    pub name: String,
    pub description: Option<String>,
    pub configuration: Value,
}

/// Looks up a queue id by (case-insensitive) name.
pub type QueueResolver<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Converts Archy YAML; on failure returns the messages an import job reports.
pub fn convert(yaml: &str, resolve_queue: QueueResolver<'_>) -> Result<ImportedFlow, Vec<String>> {
    let doc: Value = serde_saphyr::from_str(yaml)
        .map_err(|e| vec![format!("Unable to parse the flow file: {e}")])?;
    let Some((type_key, body)) = doc
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return Err(vec![
            "The flow file must contain exactly one top-level flow type key, e.g. inboundCall."
                .to_owned(),
        ]);
    };
    let flow_type = type_key.to_uppercase();
    if !FLOW_TYPES.contains(&flow_type.as_str()) {
        return Err(vec![format!("Unknown flow type key '{type_key}'.")]);
    }
    let Some(body) = body.as_object() else {
        return Err(vec![format!("'{type_key}' must be a mapping.")]);
    };
    let name = body.get("name").and_then(scalar_text).unwrap_or_default();
    if name.trim().is_empty() {
        return Err(vec!["The flow name is missing.".to_owned()]);
    }
    let description = body.get("description").and_then(scalar_text);
    let mut c = Converter::new(&name, resolve_queue, body);
    let configuration = c.run(type_key, &name, description.as_deref(), body);
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(ImportedFlow {
        flow_type,
        name,
        description,
        configuration,
    })
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `en-us` → `en-US`, the spelling of the configuration document.
fn architect_language(lang: &str) -> String {
    match lang.split_once('-') {
        Some((l, r)) => format!("{}-{}", l.to_lowercase(), r.to_uppercase()),
        None => lang.to_owned(),
    }
}

/// `notFound` → `__NOT_FOUND__`.
fn output_id(key: &str) -> String {
    let mut s = String::from("__");
    for (i, ch) in key.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(ch.to_ascii_uppercase());
    }
    s.push_str("__");
    s
}

/// `notFound` → `Not Found`.
fn output_label(key: &str) -> String {
    let mut s = String::new();
    for (i, ch) in key.chars().enumerate() {
        if i == 0 {
            s.push(ch.to_ascii_uppercase());
        } else {
            if ch.is_uppercase() {
                s.push(' ');
            }
            s.push(ch);
        }
    }
    s
}

/// The `__type` of an Archy action key (API.md §2.7 mapping).
fn action_type(kind: &str) -> String {
    match kind {
        "playAudio" => "PlayAudioAction".into(),
        "decision" => "DecisionAction".into(),
        "transferToAcd" | "menuTransferToAcd" => "TransferPureMatchAction".into(),
        "disconnect" | "menuDisconnect" => "DisconnectAction".into(),
        "jumpToMenu" | "menuJumpToMenu" => "TransferMenuAction".into(),
        "jumpToTask" => "JumpToTaskAction".into(),
        "menuJumpToTask" | "menuTask" => "TaskAction".into(),
        "menuSubMenu" => "MenuAction".into(),
        "callData" => "DataAction".into(),
        "setParticipantData" => "SetAttributesAction".into(),
        "updateData" => "UpdateVariableAction".into(),
        other => {
            let base = other
                .strip_prefix("menu")
                .filter(|s| !s.is_empty())
                .unwrap_or(other);
            let mut chars = base.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or('X');
            format!("{first}{}Action", chars.as_str())
        }
    }
}

/// Actions after which control never falls through to the next action.
fn is_terminal(kind: &str) -> bool {
    matches!(
        kind,
        "disconnect" | "jumpToTask" | "jumpToMenu" | "transferToFlow" | "endTask" | "exitBotFlow"
    )
}

/// Outputs an action always has, even when the YAML gives them no actions.
fn default_outputs(kind: &str) -> &'static [&'static str] {
    match kind {
        "decision" => &["yes", "no"],
        "transferToAcd" | "menuTransferToAcd" => &["failure"],
        "callData" => &["success", "failure", "timeout"],
        "findQueue" => &["found", "notFound"],
        _ => &[],
    }
}

fn single_entry(v: &Value) -> Option<(&str, &Map<String, Value>)> {
    let m = v.as_object().filter(|m| m.len() == 1)?;
    let (k, body) = m.iter().next()?;
    Some((k.as_str(), body.as_object()?))
}

/// A typed expression in the configuration's shape (`config/text/type`).
fn expression(v: Option<&Value>, ty: &str) -> Value {
    let (form, text) = match v {
        Some(Value::Object(m)) if m.contains_key("exp") => {
            ("exp", m.get("exp").and_then(scalar_text))
        }
        Some(Value::Object(m)) if m.contains_key("lit") => {
            ("lit", m.get("lit").and_then(scalar_text))
        }
        Some(Value::Object(m)) if m.contains_key("tts") => {
            ("tts", m.get("tts").and_then(scalar_text))
        }
        Some(other) => ("lit", scalar_text(other)),
        None => ("emp", None),
    };
    let text = text.unwrap_or_default();
    json!({"config": {form: {"pos": 1, "text": text, "type": ty}}, "text": text, "type": ty})
}

struct Converter<'a> {
    ids: IdGen,
    tracking: u64,
    refs: HashMap<(String, String), (String, String)>,
    items: Vec<Value>,
    manifest_queues: BTreeMap<String, (String, Vec<Value>)>,
    resolve_queue: QueueResolver<'a>,
    language: String,
    errors: Vec<String>,
}

impl<'a> Converter<'a> {
    fn new(name: &str, resolve_queue: QueueResolver<'a>, body: &Map<String, Value>) -> Self {
        let language = architect_language(
            body.get("defaultLanguage")
                .and_then(Value::as_str)
                .unwrap_or("en-us"),
        );
        Self {
            ids: IdGen::new(fnv1a(name)),
            tracking: 1,
            refs: HashMap::new(),
            items: Vec::new(),
            manifest_queues: BTreeMap::new(),
            resolve_queue,
            language,
            errors: Vec::new(),
        }
    }

    fn next_tracking(&mut self) -> u64 {
        let t = self.tracking;
        self.tracking += 1;
        t
    }

    /// Entries of `menus`/`tasks`: `[{menu: {...}}]`.
    fn items_of<'v>(
        body: &'v Map<String, Value>,
        list: &str,
        kind: &str,
    ) -> Vec<&'v Map<String, Value>> {
        body.get(list)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get(kind).and_then(Value::as_object))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn run(
        &mut self,
        type_key: &str,
        name: &str,
        description: Option<&str>,
        body: &Map<String, Value>,
    ) -> Value {
        let menus = Self::items_of(body, "menus", "menu");
        let tasks = Self::items_of(body, "tasks", "task");
        // Ids first, so references can point forward.
        for (kind, list) in [("menu", &menus), ("task", &tasks)] {
            for item in list.iter() {
                let item_name = item
                    .get("name")
                    .and_then(scalar_text)
                    .unwrap_or_else(|| kind.to_owned());
                let ref_id = item
                    .get("refId")
                    .and_then(scalar_text)
                    .unwrap_or_else(|| item_name.clone());
                let id = self.ids.next_uuid();
                self.refs.insert((kind.to_owned(), ref_id), (id, item_name));
            }
        }
        let mut first: Option<String> = None;
        // `startUpTaskActions` (in-queue flows, common modules): an unnamed
        // start-up task that runs first.
        if let Some(actions) = body.get("startUpTaskActions").filter(|a| a.is_array()) {
            let id = self.ids.next_uuid();
            let mut task = Map::new();
            task.insert("name".into(), json!("Start Up"));
            task.insert("actions".into(), actions.clone());
            self.convert_task(&id, &task);
            first = Some(id);
        }
        for (kind, list) in [("menu", &menus), ("task", &tasks)] {
            for item in list.iter() {
                let item_name = item
                    .get("name")
                    .and_then(scalar_text)
                    .unwrap_or_else(|| kind.to_owned());
                let ref_id = item
                    .get("refId")
                    .and_then(scalar_text)
                    .unwrap_or_else(|| item_name.clone());
                let id = self
                    .refs
                    .get(&(kind.to_owned(), ref_id))
                    .map(|(id, _)| id.clone())
                    .unwrap_or_default();
                first.get_or_insert_with(|| id.clone());
                if kind == "menu" {
                    self.convert_menu(&id, item);
                } else {
                    self.convert_task(&id, item);
                }
            }
        }
        let initial = match body.get("startUpRef").and_then(Value::as_str) {
            Some(r) => self.resolve(r),
            None => first,
        };
        if initial.is_none() {
            self.errors
                .push("The flow has no start-up task or menu (startUpRef).".to_owned());
        }
        let queues: Vec<Value> = self
            .manifest_queues
            .iter()
            .map(|(qname, (qid, context))| json!({"name": qname, "id": qid, "context": context}))
            .collect();
        let mut config = json!({
            "defaultLanguage": self.language,
            "initialSequence": initial,
            "name": name,
            "nextTrackingNumber": self.tracking,
            "supportedLanguages": [self.language],
            "manifest": {
                "queue": queues,
                "language": [{"id": self.language}],
                "userPrompt": [],
                "systemPrompt": []
            },
            "type": type_key.to_lowercase(),
            "isSecure": false,
            "flowMetaData": {"flowDocumentVersion": "1.0", "minimumServerVersion": "1.0", "ttsDataVersion": "1.0"},
            "flowSequenceItemList": self.items,
            "variables": []
        });
        if let Some(d) = description {
            config["description"] = json!(d);
        }
        config
    }

    /// Resolves `/inboundCall/tasks/task[refId]`, `./menus/menu[refId]`, ...
    fn resolve(&mut self, reference: &str) -> Option<String> {
        let parsed = reference.rsplit_once('[').and_then(|(head, tail)| {
            let ref_id = tail.strip_suffix(']')?;
            let kind = head.rsplit('/').next()?;
            Some((kind.to_owned(), ref_id.to_owned()))
        });
        match parsed.and_then(|key| self.refs.get(&key)) {
            Some((id, _)) => Some(id.clone()),
            None => {
                self.errors
                    .push(format!("Unable to resolve the reference '{reference}'."));
                None
            }
        }
    }

    fn convert_task(&mut self, id: &str, task: &Map<String, Value>) {
        let name = task
            .get("name")
            .and_then(scalar_text)
            .unwrap_or_else(|| "Task".to_owned());
        let tracking = self.next_tracking();
        let mut actions = Vec::new();
        let empty = Vec::new();
        let list = task
            .get("actions")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let start = self.convert_actions(list, &mut actions);
        let mut item = json!({
            "__type": "Task",
            "id": id,
            "name": name,
            "trackingId": tracking,
            "paths": [{"label": "Default", "outputId": "__DEFAULT__"}],
            "actionList": actions,
            "variables": []
        });
        if let Some(s) = start {
            item["startAction"] = json!(s);
        }
        self.items.push(item);
    }

    fn convert_menu(&mut self, id: &str, menu: &Map<String, Value>) {
        let name = menu
            .get("name")
            .and_then(scalar_text)
            .unwrap_or_else(|| "Menu".to_owned());
        let tracking = self.next_tracking();
        let empty = Vec::new();
        let mut choices = Vec::new();
        for choice in menu
            .get("choices")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let Some((kind, body)) = single_entry(choice) else {
                self.errors
                    .push(format!("Menu '{name}' has a malformed choice."));
                continue;
            };
            let choice_id = self.ids.next_uuid();
            let action_id = self.ids.next_uuid();
            // Menu choice actions have no action list of their own to spill into.
            let mut spill = Vec::new();
            let action = self.action(kind, body, &action_id, &mut spill);
            let mut c = json!({
                "id": choice_id,
                "name": body.get("name").and_then(scalar_text).unwrap_or_else(|| kind.to_owned()),
                "speechRecTerms": {self.language.clone(): []},
                "action": action,
            });
            if let Some(d) = body
                .get("dtmf")
                .and_then(Value::as_str)
                .and_then(|d| d.strip_prefix("digit_"))
                && let Ok(n) = d.parse::<u32>()
            {
                c["digit"] = json!(n);
            }
            choices.push(c);
        }
        self.items.push(json!({
            "__type": "Menu",
            "id": id,
            "name": name,
            "trackingId": tracking,
            "menuChoiceList": choices,
            "prompts": {"defaultAudio": expression(menu.get("audio"), "aud")}
        }));
    }

    /// Converts a list of actions into `out`; returns the first action's id.
    fn convert_actions(&mut self, list: &[Value], out: &mut Vec<Value>) -> Option<String> {
        let ids: Vec<String> = list.iter().map(|_| self.ids.next_uuid()).collect();
        for (i, entry) in list.iter().enumerate() {
            let Some((kind, body)) = single_entry(entry) else {
                self.errors
                    .push("An action must be a mapping with exactly one action key.".to_owned());
                continue;
            };
            let mut action = self.action(kind, body, &ids[i], out);
            if !is_terminal(kind)
                && let Some(next) = ids.get(i + 1)
            {
                action["nextAction"] = json!(next);
            }
            out.push(action);
        }
        ids.first().cloned()
    }

    fn action(
        &mut self,
        kind: &str,
        body: &Map<String, Value>,
        id: &str,
        out: &mut Vec<Value>,
    ) -> Value {
        let tracking = self.next_tracking();
        let name = body
            .get("name")
            .and_then(scalar_text)
            .unwrap_or_else(|| output_label(kind));
        let mut a =
            json!({"__type": action_type(kind), "id": id, "name": name, "trackingId": tracking});
        match kind {
            "transferToAcd" | "menuTransferToAcd" => {
                a["queues"] = json!([self.queue(body.get("targetQueue"), id, &name)]);
            }
            "decision" => a["expression"] = expression(body.get("condition"), "bln"),
            "playAudio" => {
                a["prompts"] = json!({"defaultAudio": expression(body.get("audio"), "aud")})
            }
            "jumpToTask" | "menuJumpToTask" => {
                let r = body
                    .get("targetTaskRef")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                a["taskReference"] = json!(self.resolve(r));
            }
            "jumpToMenu" | "menuJumpToMenu" => {
                let r = body
                    .get("targetMenuRef")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                a["menuReference"] = json!(self.resolve(r));
            }
            "menuTask" => {
                let task_id = self.ids.next_uuid();
                let mut task = body
                    .get("task")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                task.entry("name").or_insert_with(|| json!(name.clone()));
                self.convert_task(&task_id, &task);
                a["taskReference"] = json!(task_id);
            }
            "menuSubMenu" => {
                let menu_id = self.ids.next_uuid();
                let mut menu = body
                    .get("menu")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                menu.entry("name").or_insert_with(|| json!(name.clone()));
                self.convert_menu(&menu_id, &menu);
                a["menuReference"] = json!(menu_id);
            }
            _ => {}
        }
        let outputs = body.get("outputs").and_then(Value::as_object);
        let mut keys: Vec<String> = default_outputs(kind)
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for k in outputs.into_iter().flat_map(|m| m.keys()) {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        if !keys.is_empty() {
            let mut paths = Vec::new();
            for key in keys {
                let nested = outputs
                    .and_then(|m| m.get(&key))
                    .and_then(|o| o.get("actions"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut path = json!({"label": output_label(&key), "outputId": output_id(&key)});
                if let Some(first) = self.convert_actions(&nested, out) {
                    path["nextActionId"] = json!(first);
                }
                paths.push(path);
            }
            a["paths"] = json!(paths);
        }
        a
    }

    /// A queue expression; literal queue names must exist in the org.
    fn queue(&mut self, target: Option<&Value>, action_id: &str, action_name: &str) -> Value {
        let lit_name = target
            .and_then(|t| t.get("lit"))
            .and_then(|l| l.get("name"))
            .and_then(scalar_text);
        if let Some(qname) = lit_name {
            let Some(qid) = (self.resolve_queue)(&qname) else {
                self.errors
                    .push(format!("Unable to find a queue named '{qname}'."));
                return json!({});
            };
            self.manifest_queues
                .entry(qname.clone())
                .or_insert_with(|| (qid.clone(), Vec::new()))
                .1
                .push(
                    json!({"actionName": "Transfer to ACD", "id": action_id, "name": action_name}),
                );
            return json!({
                "config": {"lit": {"pos": 1, "text": qname, "type": "que", "val": qid}},
                "text": qname,
                "type": "que"
            });
        }
        expression(target, "que")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(name: &str) -> Option<String> {
        (name.eq_ignore_ascii_case("Sales")).then(|| "q-sales".to_owned())
    }

    #[test]
    fn converts_menu_and_tasks() {
        let yaml = r#"
inboundCall:
  name: Test
  defaultLanguage: en-us
  startUpRef: "/inboundCall/menus/menu[main]"
  menus:
    - menu:
        name: Main
        refId: main
        audio:
          tts: Press 1
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuJumpToTask:
              name: Help
              dtmf: digit_2
              targetTaskRef: "/inboundCall/tasks/task[help]"
  tasks:
    - task:
        name: Help
        refId: help
        actions:
          - decision:
              name: Open?
              condition:
                exp: "true"
              outputs:
                yes:
                  actions:
                    - transferToAcd:
                        name: To sales
                        targetQueue:
                          lit:
                            name: Sales
          - disconnect:
              name: Bye
"#;
        let f = convert(yaml, &queues).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(f.flow_type, "INBOUNDCALL");
        let c = &f.configuration;
        assert_eq!(c["defaultLanguage"], "en-US");
        let items = c["flowSequenceItemList"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        let menu = &items[0];
        assert_eq!(c["initialSequence"], menu["id"]);
        assert_eq!(menu["menuChoiceList"][0]["digit"], 1);
        assert_eq!(
            menu["menuChoiceList"][1]["action"]["taskReference"],
            items[1]["id"]
        );
        let task = &items[1];
        let actions = task["actionList"].as_array().expect("actions");
        assert_eq!(actions.len(), 3);
        let decision = actions
            .iter()
            .find(|a| a["__type"] == "DecisionAction")
            .expect("decision");
        assert_eq!(task["startAction"], decision["id"]);
        assert_eq!(decision["paths"][0]["outputId"], "__YES__");
        assert!(decision["paths"][0]["nextActionId"].is_string());
        assert!(decision["paths"][1].get("nextActionId").is_none());
        let bye = actions
            .iter()
            .find(|a| a["__type"] == "DisconnectAction")
            .expect("bye");
        assert_eq!(decision["nextAction"], bye["id"]);
        assert_eq!(c["manifest"]["queue"][0]["id"], "q-sales");
        assert_eq!(
            c["manifest"]["queue"][0]["context"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        // Same input, same ids.
        let again = convert(yaml, &queues).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(again.configuration, f.configuration);
    }

    #[test]
    fn reports_errors() {
        assert!(convert("not: [valid", &queues).is_err());
        assert!(convert("inboundCall:\n  description: x\n", &queues).is_err());
        assert!(convert("bogusFlow:\n  name: x\n", &queues).is_err());
        let missing_queue = "inboundCall:\n  name: x\n  tasks:\n    - task:\n        name: t\n        actions:\n          - transferToAcd:\n              targetQueue:\n                lit:\n                  name: Nope\n";
        let errs = convert(missing_queue, &queues).expect_err("unknown queue");
        assert!(errs[0].contains("Nope"), "{errs:?}");
        let bad_ref = "inboundCall:\n  name: x\n  startUpRef: ./tasks/task[zzz]\n  tasks:\n    - task:\n        name: t\n        actions: []\n";
        assert!(convert(bad_ref, &queues).is_err());
    }
}
