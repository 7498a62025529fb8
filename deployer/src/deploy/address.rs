//! Addressing a flow by the document, the way Archy does: by its name **and** type. A
//! deploy without `--flow` finds the one flow of that name and type, creates it when the
//! org has none (Architect JSON: `POST /api/v2/flows`, journalled first), and refuses when
//! the name is ambiguous or taken by a flow of another type. With `--flow` the document's
//! name and type must match the pinned flow.

use serde_json::Value;

use crate::genesys::Client;
use crate::genesys::model::Flow;
use crate::source::{Content, Source};

/// What the document says about the flow it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    /// Upper case, as the API answers (`INBOUNDCALL`).
    pub flow_type: String,
    /// The division the document names, by name.
    pub division: Option<String>,
}

fn division_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Object(m) => m
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        _ => None,
    }
}

/// Architect configuration JSON: its `name` and `type` (and `division`, a name or
/// `{name}`); Archy YAML: the top-level flow type key and its `name` and `division`.
pub fn identity(source: &Source) -> Result<Identity, String> {
    let (name, flow_type, division) = match &source.content {
        Content::Config(c) => (
            c.get("name").and_then(Value::as_str).unwrap_or_default(),
            c.get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            division_of(c.get("division")),
        ),
        Content::Yaml(text) => {
            let doc: Value = serde_saphyr::from_str(text)
                .map_err(|e| format!("cannot read the Archy YAML: {e}"))?;
            let Some((key, body)) = doc
                .as_object()
                .filter(|m| m.len() == 1)
                .and_then(|m| m.iter().next())
            else {
                return Err("the Archy YAML must have exactly one top-level flow type key (e.g. inboundCall)".into());
            };
            return Ok(Identity {
                name: body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                // Archy's keys as the API spells types (`botFlow` → `BOT`).
                flow_type: flowguard_core::references::normalize_flow_type(key)
                    .to_ascii_uppercase(),
                division: division_of(body.get("division")),
            });
        }
    };
    Ok(Identity {
        name: name.trim().to_owned(),
        flow_type: flow_type.to_ascii_uppercase(),
        division,
    })
}

/// The flow the document addresses.
#[derive(Debug)]
pub enum Target {
    Existing(String),
    Missing,
}

/// Finds the flow of the document's name and type. Refusals (nothing written) as `Err`.
pub async fn find(client: &Client, id: &Identity) -> Result<Target, String> {
    if id.name.is_empty() || id.flow_type.is_empty() {
        return Err("the document names no flow (`name` and `type`, or the Archy flow type key and `name`): give the flow with --flow ID; nothing was sent".into());
    }
    let named = client
        .find_flows_by_name(&id.name)
        .await
        .map_err(|e| format!("cannot look the flow up by name: {e}"))?;
    let (same, other): (Vec<&Flow>, Vec<&Flow>) = named.iter().partition(|f| {
        f.flow_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(&id.flow_type))
    });
    match same.as_slice() {
        [one] => Ok(Target::Existing(one.id.clone())),
        [] if other.is_empty() => Ok(Target::Missing),
        [] => Err(format!(
            "the org has no {} flow `{}` but {}: flows are matched by name and type (as Archy does), so deploying would create a second flow of that name; rename the document or pin the flow with --flow ID; nothing was sent",
            id.flow_type,
            id.name,
            other
                .iter()
                .map(|f| format!(
                    "a {} flow of that name ({})",
                    f.flow_type.as_deref().unwrap_or("?"),
                    f.id
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        many => Err(format!(
            "{} {} flows are named `{}` ({}): choose one with --flow ID; nothing was sent",
            many.len(),
            id.flow_type,
            id.name,
            many.iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// With `--flow`: the document's name and type must be the pinned flow's.
pub fn check_pinned(id: &Identity, remote: &Flow) -> Result<(), String> {
    let remote_type = remote.flow_type.as_deref().unwrap_or_default();
    if !id.flow_type.is_empty()
        && !remote_type.is_empty()
        && !id.flow_type.eq_ignore_ascii_case(remote_type)
    {
        return Err(format!(
            "the document is a {} flow but flow {} `{}` is {}: nothing was sent",
            id.flow_type, remote.id, remote.name, remote_type
        ));
    }
    if !id.name.is_empty() && !id.name.eq_ignore_ascii_case(&remote.name) {
        return Err(format!(
            "the document names the flow `{}` but flow {} is `{}`: nothing was sent (rename the document, or drop --flow to deploy by name)",
            id.name, remote.id, remote.name
        ));
    }
    Ok(())
}

/// The id of the division named `name`. API.md documents no divisions endpoint, so the
/// name is resolved from the divisions the flows API reports (`Flow.division`): a
/// division holding no flow yet cannot be named (give it a flow first, or omit
/// `division` to create the flow in the Home division).
pub async fn division_id(client: &Client, name: &str) -> Result<String, String> {
    let divisions = client
        .flow_divisions()
        .await
        .map_err(|e| format!("cannot resolve division `{name}`: {e}"))?;
    divisions
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(id, _)| id.clone())
        .ok_or_else(|| {
            let mut known: Vec<&str> = divisions.iter().map(|(_, n)| n.as_str()).collect();
            known.sort_unstable();
            known.dedup();
            format!(
                "the document names division `{name}`, which the org's flows do not show (known: {}): nothing was sent",
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archy_flow_type_keys_are_spelled_as_the_api_spells_types() {
        for (key, want) in [
            ("inboundCall", "INBOUNDCALL"),
            ("inqueueCall", "INQUEUECALL"),
            ("commonModule", "COMMONMODULE"),
            ("botFlow", "BOT"),
            ("digitalBotFlow", "DIGITALBOT"),
        ] {
            let text = format!("{key}:\n  name: X\n");
            let src = Source {
                path: "x.yaml".into(),
                text: text.clone(),
                format: flowguard_core::InputFormat::Archy,
                content: Content::Yaml(text),
            };
            assert_eq!(identity(&src).map(|i| i.flow_type), Ok(want.to_owned()));
        }
    }
}
