//! Reading options and edits from JavaScript values, by hand: every unknown key, wrong type
//! or out-of-range value becomes an `Error` whose message names the option, the expected
//! value and what was given. Flow *documents* never take this path: their mistakes are
//! diagnostics.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsError, JsValue};

use flowguard_core::edit::{ConditionInput, Edit};

use crate::types::{ApplyOptions, FlattenOptions, Format, PositionEncoding, ValidateOptions};

pub type Result<T> = std::result::Result<T, JsError>;

/// A short description of a JavaScript value for error messages.
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else if let Some(s) = v.as_string() {
        let mut shown: String = s.chars().take(40).collect();
        if shown.len() < s.len() {
            shown.push('…');
        }
        format!("the string {shown:?}")
    } else if let Some(b) = v.as_bool() {
        format!("{b}")
    } else if let Some(n) = v.as_f64() {
        format!(
            "the number {}",
            flowguard_core::decision::expr::display_f64(n)
        )
    } else if Array::is_array(v) {
        "an array".into()
    } else if v.is_function() {
        "a function".into()
    } else if v.is_object() {
        "an object".into()
    } else {
        v.js_typeof()
            .as_string()
            .unwrap_or_else(|| "a value".into())
    }
}

/// A plain object being read, with the name used in messages (`options`, `edit`, ...).
pub struct Obj {
    what: String,
    obj: Object,
}

impl Obj {
    /// `undefined` and `null` give `None` (use the defaults); anything but a plain object
    /// (arrays, functions, strings, ...) is an error.
    pub fn new(what: &str, v: &JsValue) -> Result<Option<Obj>> {
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        Obj::required(what, v).map(Some)
    }

    pub fn required(what: &str, v: &JsValue) -> Result<Obj> {
        if !v.is_object() || Array::is_array(v) || v.is_function() {
            return Err(JsError::new(&format!(
                "{what} must be an object, got {}",
                describe(v)
            )));
        }
        Ok(Obj {
            what: what.to_owned(),
            obj: v.clone().unchecked_into(),
        })
    }

    fn err(&self, key: &str, msg: &str, got: &JsValue) -> JsError {
        JsError::new(&format!(
            "{}: `{key}` must be {msg}, got {}",
            self.what,
            describe(got)
        ))
    }

    /// Fails on any own enumerable key not in `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<()> {
        for key in Object::keys(&self.obj).iter() {
            let key = key.as_string().unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                let list = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(JsError::new(&format!(
                    "{}: unknown option `{key}` (expected one of {list})",
                    self.what
                )));
            }
        }
        Ok(())
    }

    /// The value of `key`; `undefined` counts as absent.
    pub fn get(&self, key: &str) -> Result<Option<JsValue>> {
        let v = Reflect::get(&self.obj, &JsValue::from_str(key)).map_err(|e| {
            JsError::new(&format!(
                "{}: reading `{key}` threw: {}",
                self.what,
                describe(&e)
            ))
        })?;
        Ok((!v.is_undefined()).then_some(v))
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.err(key, "a string", &v)),
        }
    }

    pub fn required_string(&self, key: &str) -> Result<String> {
        self.string(key)?
            .ok_or_else(|| JsError::new(&format!("{}: `{key}` is required (a string)", self.what)))
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.err(key, "true or false", &v)),
        }
    }

    /// A positive integer not above `max`.
    pub fn positive_int(&self, key: &str, max: u64) -> Result<Option<u64>> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        match v.as_f64() {
            Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= max as f64 => Ok(Some(n as u64)),
            _ => Err(self.err(key, &format!("a positive integer (1 to {max})"), &v)),
        }
    }

    pub fn number(&self, key: &str) -> Result<Option<f64>> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        match v.as_f64() {
            Some(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(self.err(key, "a finite number", &v)),
        }
    }

    pub fn one_of(&self, key: &str, choices: &[&str]) -> Result<Option<usize>> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        let list = || {
            choices
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match v.as_string() {
            Some(s) => choices
                .iter()
                .position(|c| *c == s)
                .map(Some)
                .ok_or_else(|| self.err(key, &format!("one of {}", list()), &v)),
            None => Err(self.err(key, &format!("one of {}", list()), &v)),
        }
    }

    pub fn string_list(&self, key: &str) -> Result<Option<Vec<String>>> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        string_array(&v)
            .map(Some)
            .ok_or_else(|| self.err(key, "an array of strings", &v))
    }

    fn format(&self) -> Result<Option<Format>> {
        const FORMATS: [Format; 4] = [Format::Auto, Format::Flow, Format::Archy, Format::Architect];
        Ok(self
            .one_of("format", &["auto", "flow", "archy", "architect"])?
            .map(|i| FORMATS[i]))
    }

    fn position_encoding(&self) -> Result<Option<PositionEncoding>> {
        Ok(self
            .one_of("positionEncoding", &["utf16", "utf8"])?
            .map(|i| [PositionEncoding::Utf16, PositionEncoding::Utf8][i]))
    }
}

fn string_array(v: &JsValue) -> Option<Vec<String>> {
    if !Array::is_array(v) {
        return None;
    }
    let arr: &Array = v.unchecked_ref();
    arr.iter().map(|x| x.as_string()).collect()
}

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE: u64 = (1 << 53) - 1;

pub fn validate_options(v: &JsValue) -> Result<ValidateOptions> {
    let Some(o) = Obj::new("options", v)? else {
        return Ok(ValidateOptions::default());
    };
    o.only(&[
        "format",
        "maxDepth",
        "actionBudget",
        "positionEncoding",
        "queues",
        "maxBytes",
        "denyWarnings",
        "settings",
    ])?;
    let settings = match o.get("settings")? {
        None => None,
        Some(v) => Some(crate::types::SettingsInput(settings(&v)?)),
    };
    Ok(ValidateOptions {
        settings,
        format: o.format()?,
        max_depth: o
            .positive_int("maxDepth", u64::from(u32::MAX))?
            .map(|n| n as u32),
        action_budget: o.positive_int("actionBudget", MAX_SAFE)?,
        position_encoding: o.position_encoding()?,
        queues: o.string_list("queues")?,
        max_bytes: o.positive_int("maxBytes", MAX_SAFE)?,
        deny_warnings: o.bool("denyWarnings")?,
    })
}

/// The `settings` option: the `[validate]` table of flowguard.toml, read by the core
/// from its JSON text (the same reader, messages and suggestions as the CLI's).
fn settings(v: &JsValue) -> Result<flowguard_core::Settings> {
    const WHAT: &str = "options: `settings`";
    Obj::required(WHAT, v)?;
    let text = js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| JsError::new(&format!("{WHAT} must be plain JSON data")))?;
    flowguard_core::Settings::from_json(&text, WHAT).map_err(|e| JsError::new(&e))
}

pub fn apply_options(v: &JsValue) -> Result<ApplyOptions> {
    let Some(o) = Obj::new("applyEdit options", v)? else {
        return Ok(ApplyOptions::default());
    };
    o.only(&["analyze"])?;
    Ok(ApplyOptions {
        analyze: o.bool("analyze")?,
    })
}

pub fn flatten_options(v: &JsValue) -> Result<FlattenOptions> {
    let Some(o) = Obj::new("options", v)? else {
        return Ok(FlattenOptions::default());
    };
    o.only(&[
        "format",
        "positionEncoding",
        "probabilities",
        "maxConditions",
        "maxCombinations",
        "unfoldCap",
        "maxBytes",
    ])?;
    let probabilities = match o.get("probabilities")? {
        None => None,
        Some(p) => {
            Obj::required("options: `probabilities`", &p)?;
            let text = js_sys::JSON::stringify(&p)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| JsError::new("options: `probabilities` must be plain JSON data"))?;
            // Checked here so a mistake throws now, with the core's message.
            flowguard_core::decision::parse_probabilities(&text)
                .map_err(|e| JsError::new(&format!("options: `probabilities`: {e}")))?;
            Some(text)
        }
    };
    Ok(FlattenOptions {
        format: o.format()?,
        position_encoding: o.position_encoding()?,
        probabilities,
        max_conditions: o.positive_int("maxConditions", MAX_SAFE)?,
        max_combinations: o.positive_int("maxCombinations", MAX_SAFE)?,
        unfold_cap: o.positive_int("unfoldCap", MAX_SAFE)?,
        max_bytes: o.positive_int("maxBytes", MAX_SAFE)?,
    })
}

fn conditions(o: &Obj, key: &str) -> Result<Option<Vec<ConditionInput>>> {
    let Some(v) = o.get(key)? else {
        return Ok(None);
    };
    if !Array::is_array(&v) {
        return Err(o.err(key, "an array of {expression, priority, targetId}", &v));
    }
    let arr: Array = v.unchecked_into();
    let mut out = Vec::with_capacity(arr.length() as usize);
    for (i, c) in arr.iter().enumerate() {
        let c = Obj::required(&format!("{}: `{key}[{i}]`", o.what), &c)?;
        c.only(&["expression", "priority", "targetId"])?;
        out.push(ConditionInput {
            expression: c.required_string("expression")?,
            priority: c.number("priority")?.unwrap_or(0.0),
            target_id: c.required_string("targetId")?,
        });
    }
    Ok(Some(out))
}

pub fn edit(v: &JsValue) -> Result<Edit> {
    let o = Obj::required("edit", v)?;
    let op = o.get("op")?.unwrap_or(JsValue::UNDEFINED);
    let ops = [
        "addNode",
        "removeNode",
        "setTransition",
        "removeTransition",
        "setConditions",
    ];
    let Some(op) = op.as_string().filter(|s| ops.contains(&s.as_str())) else {
        return Err(JsError::new(&format!(
            "edit: `op` must be one of \"addNode\", \"removeNode\", \"setTransition\", \"removeTransition\", \"setConditions\", got {}",
            describe(&op)
        )));
    };
    let o = Obj {
        what: format!("edit {op}"),
        obj: o.obj,
    };
    Ok(match op.as_str() {
        "addNode" => {
            o.only(&[
                "op",
                "id",
                "type",
                "transitions",
                "conditions",
                "maxIterations",
                "queue",
            ])?;
            let transitions = match o.get("transitions")? {
                None => None,
                Some(t) => {
                    let t = Obj::required(&format!("{}: `transitions`", o.what), &t)?;
                    let mut list = Vec::new();
                    for key in Object::keys(&t.obj).iter() {
                        let label = key.as_string().unwrap_or_default();
                        let targets = t.get(&label)?.unwrap_or(JsValue::UNDEFINED);
                        let targets = string_array(&targets)
                            .ok_or_else(|| t.err(&label, "an array of node ids", &targets))?;
                        list.push((label, targets));
                    }
                    Some(list)
                }
            };
            Edit::AddNode {
                id: o.required_string("id")?,
                type_name: o.required_string("type")?,
                transitions: transitions.unwrap_or_default(),
                conditions: conditions(&o, "conditions")?.unwrap_or_default(),
                max_iterations: o.positive_int("maxIterations", MAX_SAFE)?,
                queue: o.string("queue")?,
            }
        }
        "removeNode" => {
            o.only(&["op", "id"])?;
            Edit::RemoveNode {
                id: o.required_string("id")?,
            }
        }
        "setTransition" => {
            o.only(&["op", "from", "label", "to"])?;
            let to = o.string_list("to")?.ok_or_else(|| {
                JsError::new(&format!(
                    "{}: `to` is required (an array of node ids)",
                    o.what
                ))
            })?;
            Edit::SetTransition {
                from: o.required_string("from")?,
                label: o.required_string("label")?,
                to,
            }
        }
        "removeTransition" => {
            o.only(&["op", "from", "label"])?;
            Edit::RemoveTransition {
                from: o.required_string("from")?,
                label: o.required_string("label")?,
            }
        }
        _ => {
            o.only(&["op", "id", "conditions"])?;
            Edit::SetConditions {
                id: o.required_string("id")?,
                conditions: conditions(&o, "conditions")?.ok_or_else(|| {
                    JsError::new(&format!("{}: `conditions` is required (an array)", o.what))
                })?,
            }
        }
    })
}
