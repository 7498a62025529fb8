//! wasm-bindgen-test suite: runs in Node by default and in headless Chromium with
//! `WASM_BINDGEN_USE_BROWSER=1` (see scripts/test-wasm). Compiled out on native targets.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use flowguard_wasm::{FlowSession, flatten, graph, validate};
use js_sys::{Array, JSON, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const ROUTING_LOOP: &str = include_str!("../../examples/defect-routing-loop.json");
const MAIN_IVR: &str = include_str!("../../examples/main-ivr.json");

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn json(v: &JsValue) -> String {
    JSON::stringify(v).unwrap().as_string().unwrap()
}

fn options(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn codes(result: &JsValue) -> Vec<String> {
    let list: Array = get(result, "diagnostics").unchecked_into();
    list.iter()
        .map(|d| get(&d, "code").as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn validate_reports_a_routing_loop_with_utf16_spans() {
    let r = validate(JsValue::from_str(ROUTING_LOOP), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&r, "format").as_string().unwrap(), "flow");
    assert!(codes(&r).contains(&"FG020".to_owned()), "{}", json(&r));
}

#[wasm_bindgen_test]
fn clean_flow_has_no_errors() {
    let r = validate(JsValue::from_str(MAIN_IVR), JsValue::UNDEFINED).unwrap();
    let list: Array = get(&r, "diagnostics").unchecked_into();
    for d in list.iter() {
        assert_ne!(
            get(&d, "severity").as_string().unwrap(),
            "error",
            "{}",
            json(&d)
        );
    }
    assert!(get(&get(&r, "stats"), "nodes").as_f64().unwrap() > 1.0);
}

#[wasm_bindgen_test]
fn bad_input_is_a_diagnostic_and_bad_options_throw() {
    let r = validate(JsValue::from_str("{\"nodes\": [1,"), JsValue::UNDEFINED).unwrap();
    assert_eq!(codes(&r), vec!["FG001"]);
    for bad in [
        r#"{"maxDepth": 0}"#,
        r#"{"maxDepth": 1.5}"#,
        r#"{"format": "xml"}"#,
        r#"{"positionEncoding": "utf32"}"#,
        r#"{"queues": [1]}"#,
        r#"{"colour": "red"}"#,
    ] {
        assert!(
            validate(JsValue::from_str("{}"), options(bad)).is_err(),
            "{bad}"
        );
    }
    assert!(validate(JsValue::from_f64(1.0), JsValue::UNDEFINED).is_err());
}

#[wasm_bindgen_test]
fn utf16_columns_count_emoji_as_two_units() {
    // "é" is 2 bytes and 1 UTF-16 unit; "🎧" is 4 bytes and 2 units.
    let text = "{\"name\": \"Café 🎧\", \"start\": \"a\", \"nodes\": {\"a\": {\"type\": \"play\", \"transitions\": {\"next\": [\"missing\"]}}}}";
    let r = validate(JsValue::from_str(text), JsValue::UNDEFINED).unwrap();
    let list: Array = get(&r, "diagnostics").unchecked_into();
    let d = list
        .iter()
        .find(|d| get(d, "code").as_string().unwrap() == "FG011")
        .unwrap();
    let start = get(&get(&d, "span"), "start").as_f64().unwrap() as usize;
    let utf16_index = text[..text.find("\"missing\"").unwrap()]
        .encode_utf16()
        .count();
    assert_eq!(start, utf16_index);
    let r8 = validate(
        JsValue::from_str(text),
        options(r#"{"positionEncoding": "utf8"}"#),
    )
    .unwrap();
    let list: Array = get(&r8, "diagnostics").unchecked_into();
    let d = list
        .iter()
        .find(|d| get(d, "code").as_string().unwrap() == "FG011")
        .unwrap();
    let start8 = get(&get(&d, "span"), "start").as_f64().unwrap() as usize;
    assert_eq!(start8, text.find("\"missing\"").unwrap());
}

#[wasm_bindgen_test]
fn session_edits_and_cycle_queries() {
    let text = r#"{"start": "a", "nodes": {
        "a": {"type": "play", "transitions": {"next": ["b"]}},
        "b": {"type": "play", "transitions": {"next": ["c"]}},
        "c": {"type": "disconnect"}}}"#;
    let mut s = FlowSession::new(JsValue::from_str(text), JsValue::UNDEFINED).unwrap();
    assert!(s.would_create_cycle("c".into(), "a".into()).unwrap());
    assert!(!s.would_create_cycle("a".into(), "c".into()).unwrap());
    assert!(s.would_create_cycle("b".into(), "b".into()).unwrap());
    assert!(!s.would_create_cycle("a".into(), "nope".into()).unwrap());
    let edit = options(r#"{"op": "setTransition", "from": "c", "label": "next", "to": ["a"]}"#);
    let r = s.apply_edit(edit, JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&r, "generation").as_f64().unwrap(), 1.0);
    assert!(codes(&r).contains(&"FG020".to_owned()), "{}", json(&r));
    assert!(s.would_create_cycle("a".into(), "b".into()).unwrap());
    let edit = options(r#"{"op": "removeNode", "id": "b"}"#);
    let r = s.apply_edit(edit, JsValue::UNDEFINED).unwrap();
    assert!(codes(&r).contains(&"FG011".to_owned()), "{}", json(&r));
    // c -> a remains, so a -> c closes a cycle; b is gone.
    assert!(s.would_create_cycle("a".into(), "c".into()).unwrap());
    assert!(!s.would_create_cycle("c".into(), "b".into()).unwrap());
    let bad = options(r#"{"op": "removeNode", "id": "zzz"}"#);
    assert!(s.apply_edit(bad, JsValue::UNDEFINED).is_err());
    assert_eq!(s.generation(), 2);
}

#[wasm_bindgen_test]
fn flatten_returns_document_and_certificate() {
    let text = include_str!("../../examples/language-selection.json");
    let r = flatten(JsValue::from_str(text), JsValue::UNDEFINED).unwrap();
    assert!(get(&r, "document").is_string(), "{}", json(&r));
    assert!(
        get(&get(&r, "certificate"), "allAppliedCertified")
            .as_bool()
            .unwrap()
    );
}

#[wasm_bindgen_test]
fn graph_of_archy_yaml_names_the_loop_members() {
    let text = include_str!("../../examples/archy/routing-loop.yaml");
    let g = graph(JsValue::from_str(text), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&g, "format").as_string().unwrap(), "archy");
    assert_eq!(get(&g, "read").as_bool(), Some(true));
    let loops: Array = get(&g, "loops").unchecked_into();
    assert_eq!(loops.length(), 1, "{}", json(&g));
    let members: Array = loops.get(0).unchecked_into();
    let nodes: Array = get(&g, "nodes").unchecked_into();
    // Every member is a node with a label and a span in UTF-16 units of the text.
    for m in members.iter() {
        let node = nodes
            .iter()
            .find(|n| get(n, "id") == m)
            .expect("a member is a node");
        assert!(get(&node, "label").is_string());
        let span = get(&node, "span");
        let start = get(&span, "start").as_f64().unwrap() as usize;
        let line = get(&span, "line").as_f64().unwrap() as usize;
        assert_eq!(text[..start].matches('\n').count() + 1, line);
        assert!(!text[start..].starts_with(char::is_whitespace));
    }
    let session = FlowSession::new(JsValue::from_str(text), JsValue::UNDEFINED).unwrap();
    assert_eq!(json(&session.graph().unwrap()), json(&g));
}
