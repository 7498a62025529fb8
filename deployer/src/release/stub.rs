//! The stub a release publishes into a flow it creates (phase one), so every flow of
//! the release exists **and is published** before any content goes in: a platform that
//! refuses to publish a flow whose dependencies are missing or unpublished (409
//! `architect.flow.cannot.publish.missing.dependencies`) then accepts the contents in
//! any order, mutual references included.
//!
//! What the stub is: Architect configuration JSON with the flow's name, type and
//! division, one task whose one action is a Disconnect, and no reference to anything
//! (no flow, queue, prompt or data action). Why it cannot route a caller anywhere
//! harmful: the flow did not exist before the release, so no number, queue, IVR route
//! or published flow outside the release points at it; inside the release, the flows
//! that reference it publish their contents only after it has its own (phase two runs
//! dependencies first), and a failed release publishes them back at versions that
//! predate the flow. At worst a caller who reached it would be disconnected, never
//! transferred, queued or charged. It is also the version a failed release publishes
//! the created flow back at (a created flow is never deleted).
//!
//! Inferred (no real configuration of these types seen): that every flow type accepts
//! a Disconnect action as its only action. A type that does not (a common module ends
//! with End/Exit on the real platform) would fail at phase one, before any content of
//! the release is published; the release then stops with the existing flows untouched.

use serde_json::{Value, json};

use crate::deploy::address::Identity;

/// The id of the stub's task (also how a stub is recognised).
pub const STUB_TASK: &str = "flowguard-release-stub";

/// The stub configuration of the flow `ident`.
pub fn config(ident: &Identity, release_id: &str) -> Value {
    let mut c = json!({
        "name": ident.name,
        "type": ident.flow_type.to_ascii_lowercase(),
        "description": format!("flowguard release stub ({release_id}): disconnects; replaced by the release's content"),
        "defaultLanguage": "en-US",
        "supportedLanguages": ["en-US"],
        "initialSequence": STUB_TASK,
        "nextTrackingNumber": 3,
        "flowSequenceItemList": [{
            "__type": "Task",
            "id": STUB_TASK,
            "name": "Release stub",
            "trackingId": 1,
            "startAction": "flowguard-release-stub-disconnect",
            "paths": [{"label": "Default", "outputId": "__DEFAULT__"}],
            "actionList": [{
                "__type": "DisconnectAction",
                "id": "flowguard-release-stub-disconnect",
                "name": "Disconnect",
                "trackingId": 2
            }],
            "variables": []
        }],
        "variables": []
    });
    if let Some(d) = &ident.division {
        c["division"] = Value::from(d.as_str());
    }
    c
}

/// Whether `config` is a release stub.
pub fn is_stub(config: &Value) -> bool {
    config["initialSequence"] == STUB_TASK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_validates_clean_names_its_flow_and_references_nothing() {
        let ident = Identity {
            name: "Main Line".into(),
            flow_type: "INBOUNDCALL".into(),
            division: Some("Home".into()),
        };
        let c = config(&ident, "r1");
        assert!(is_stub(&c));
        let text = c.to_string();
        let v = flowguard_core::validate(&text, &flowguard_core::Options::default());
        assert!(!v.has_errors(), "{:?}", v.diagnostics);
        assert_eq!(c["name"], "Main Line");
        assert_eq!(c["type"], "inboundcall");
        assert_eq!(c["division"], "Home");
        let src = crate::source::Source::from_text("stub", text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            crate::deploy::address::identity(&src).ok(),
            Some(ident),
            "a stub is addressed as its flow"
        );
    }

    #[test]
    fn stubs_of_other_flow_types_validate_clean_too() {
        for t in [
            "INQUEUECALL",
            "COMMONMODULE",
            "BOT",
            "INBOUNDSHORTMESSAGE",
            "INBOUNDEMAIL",
            "OUTBOUNDCALL",
        ] {
            let ident = Identity {
                name: format!("{t} stub"),
                flow_type: t.into(),
                division: None,
            };
            let text = config(&ident, "r1").to_string();
            let v = flowguard_core::validate(&text, &flowguard_core::Options::default());
            assert!(!v.has_errors(), "{t}: {:?}", v.diagnostics);
        }
    }
}
