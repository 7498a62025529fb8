//! Cross-crate: the emulator's seeded flows, as YAML and as the configuration JSON the API
//! serves, read cleanly with the core, and the routing loop seeded in Loop Line is found
//! in both forms.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use flowguard_core::{Code, InputFormat, Options, Severity, validate};
use genesys_emulator::seed::seed_flows;

fn codes(text: &str, format: InputFormat) -> Vec<(Code, Severity)> {
    let r = validate(
        text,
        &Options {
            format,
            ..Options::default()
        },
    );
    r.diagnostics.iter().map(|d| (d.code, d.severity)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_flows_read_cleanly_and_loops_are_found() {
    let emu = emulator().await;
    let client = client(&emu);
    for flow in seed_flows() {
        for yaml in &flow.versions {
            let found = codes(yaml, InputFormat::Archy);
            assert!(
                !found.iter().any(|(c, _)| matches!(
                    c,
                    Code::SyntaxError | Code::SchemaError | Code::ExpressionSyntax
                )),
                "{} YAML: {found:?}",
                flow.name
            );
        }
        let config = client.latest_configuration(flow.id).await.unwrap();
        let text = serde_json::to_string_pretty(&config).unwrap();
        let found = codes(&text, InputFormat::Architect);
        assert!(
            !found.iter().any(|(c, _)| matches!(
                c,
                Code::SyntaxError | Code::SchemaError | Code::ExpressionSyntax
            )),
            "{} configuration: {found:?}",
            flow.name
        );
        let has_loop = |f: &[(Code, Severity)]| f.contains(&(Code::RoutingLoop, Severity::Error));
        assert_eq!(
            has_loop(&found),
            flow.has_routing_loop,
            "{} configuration: {found:?}",
            flow.name
        );
        let last_yaml = flow.versions.last().unwrap();
        assert_eq!(
            has_loop(&codes(last_yaml, InputFormat::Archy)),
            flow.has_routing_loop,
            "{} YAML",
            flow.name
        );
    }
}
