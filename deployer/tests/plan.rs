//! `flowguard plan` against the emulator: Archy YAML compared with the published flow's
//! YAML export, a flow the org lacks ("created"), a directory of flows, the three output
//! formats (a Markdown snapshot, JSON validated against tests/schemas/plan.schema.json)
//! and byte-identical output from run to run.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// An IVR in the vocabulary the emulator's import job knows: a menu of four choices and a
/// task with a decision.
fn ivr(name: &str) -> String {
    format!(
        r#"inboundCall:
  name: {name}
  description: Plan test flow
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  defaultLanguage: en-us
  initialGreeting:
    tts: Welcome.
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1 for sales, 2 for support, 9 to hang up.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuJumpToTask:
              name: Support
              dtmf: digit_2
              targetTaskRef: "/inboundCall/tasks/task[Support Task_20]"
          - menuTransferToAcd:
              name: Billing
              dtmf: digit_3
              targetQueue:
                lit:
                  name: Billing
          - menuDisconnect:
              name: Hang up
              dtmf: digit_9
  tasks:
    - task:
        name: Support Task
        refId: Support Task_20
        actions:
          - decision:
              name: Is VIP
              condition:
                exp: Call.Ani == "tel:+15550100"
              outputs:
                yes:
                  actions:
                    - transferToAcd:
                        name: Transfer to VIP
                        targetQueue:
                          lit:
                            name: VIP
                no:
                  actions:
                    - transferToAcd:
                        name: Transfer to Support
                        targetQueue:
                          lit:
                            name: Support
          - disconnect:
              name: Goodbye
"#
    )
}

/// `yaml` with a Transfer to Flow to `target` before its last action.
fn with_transfer(yaml: &str, target: &str) -> String {
    yaml.replace(
        "          - disconnect:\n              name: Goodbye\n",
        &format!(
            "          - transferToFlow:\n              name: To partner\n              targetFlow:\n                name: {target}\n          - disconnect:\n              name: Goodbye\n"
        ),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    name.to_owned()
}

/// Deploys `file` by name through the binary.
fn deploy(dir: &Path, base: &str, file: &str) {
    let o = flowguard(dir, base, &["deploy", file, "--operator", "tester"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

fn plan_json(dir: &Path, base: &str, args: &[&str]) -> Value {
    let mut a = vec!["plan", "--format", "json"];
    a.extend_from_slice(args);
    let o = flowguard(dir, base, &a);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    json_out(&o)
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/plan.schema.json"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    jsonschema::draft7::new(&schema).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_schema(v: &Value) {
    let errors: Vec<String> = schema()
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{v:#}");
}

fn count(v: &Value, kind: &str, what: &str) -> usize {
    v[kind][what].as_array().map_or(usize::MAX, Vec::len)
}

/// Every list of a flow's plan is empty except `nodes.changed`.
fn only_node_changes(f: &Value) -> bool {
    ["nodes", "edges", "conditions"].iter().all(|k| {
        ["added", "removed", "changed"]
            .iter()
            .all(|w| (*k == "nodes" && *w == "changed") || count(f, k, w) == 0)
    }) && f["start"].is_null()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_unchanged_then_one_menu_choice_changed() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    let f = write(d, "ivr.yaml", &ivr("Plan IVR"));
    deploy(d, &base, &f);
    // The same file: no changes, compared YAML with YAML through the export job.
    emu.clear_request_log();
    let v = plan_json(d, &base, &[&f]);
    assert_schema(&v);
    assert_eq!(v["no_changes"], true, "{v:#}");
    let flow = &v["flows"][0];
    assert_eq!(flow["status"], "unchanged", "{v:#}");
    assert_eq!(flow["format"], "archy-yaml");
    assert_eq!(flow["published_version"], "1.0");
    let log = emu.request_log();
    assert!(
        log.iter()
            .any(|r| r.method == "POST" && r.path == "/api/v2/flows/export/jobs"),
        "{log:?}"
    );
    // Plan writes nothing.
    assert!(
        log.iter().all(|r| r.method == "GET"
            || r.path.starts_with("/oauth")
            || r.path == "/api/v2/flows/export/jobs"),
        "{log:?}"
    );
    // The same flow with other refIds (as a real export may spell them): still unchanged,
    // nodes are matched by names and references through the graph.
    let renamed = ivr("Plan IVR")
        .replace("Main Menu_10", "main")
        .replace("Support Task_20", "support");
    write(d, "ivr.yaml", &renamed);
    let v = plan_json(d, &base, &[&f]);
    assert_eq!(v["flows"][0]["status"], "unchanged", "{v:#}");
    // One menu choice now transfers to another queue: exactly that node changed.
    let changed = ivr("Plan IVR").replacen(
        "              dtmf: digit_3\n              targetQueue:\n                lit:\n                  name: Billing",
        "              dtmf: digit_3\n              targetQueue:\n                lit:\n                  name: Spanish",
        1,
    );
    assert_ne!(changed, ivr("Plan IVR"));
    write(d, "ivr.yaml", &changed);
    let v = plan_json(d, &base, &[&f]);
    assert_schema(&v);
    let flow = &v["flows"][0];
    assert_eq!(flow["status"], "changed", "{v:#}");
    assert!(only_node_changes(flow), "{flow:#}");
    let nodes = flow["nodes"]["changed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 1, "{flow:#}");
    assert!(
        nodes[0]["node"].as_str().unwrap_or("").contains("Billing"),
        "{flow:#}"
    );
    assert_eq!(
        nodes[0]["changes"],
        serde_json::json!([{"field": "queue", "old": "Billing", "new": "Spanish"}])
    );
    // The text output says the same in one line.
    let o = flowguard(d, &base, &["plan", &f]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(
        out.contains("changed flow `Plan IVR` (INBOUNDCALL): 1 node changed"),
        "{out}"
    );
    assert!(out.contains(": queue Billing → Spanish"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_choice_rewired_is_an_edge_change_and_a_prompt_is_other_content() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    let f = write(d, "ivr.yaml", &ivr("Rewired IVR"));
    deploy(d, &base, &f);
    // Digit 9 now jumps to the support task instead of hanging up.
    let rewired = ivr("Rewired IVR").replace(
        "          - menuDisconnect:\n              name: Hang up\n              dtmf: digit_9\n",
        "          - menuJumpToTask:\n              name: Hang up\n              dtmf: digit_9\n              targetTaskRef: \"/inboundCall/tasks/task[Support Task_20]\"\n",
    );
    write(d, "ivr.yaml", &rewired);
    let v = plan_json(d, &base, &[&f]);
    let flow = &v["flows"][0];
    assert_eq!(flow["status"], "changed", "{flow:#}");
    // The choice's type changed and it gained a jump: nothing else moved.
    assert_eq!(count(flow, "nodes", "changed"), 1, "{flow:#}");
    assert_eq!(count(flow, "nodes", "added"), 0, "{flow:#}");
    assert_eq!(count(flow, "nodes", "removed"), 0, "{flow:#}");
    assert_eq!(count(flow, "conditions", "added"), 0, "{flow:#}");
    // A prompt only: no graph change, but never "no changes".
    let prompt = ivr("Rewired IVR").replace("Welcome.", "Hello and welcome.");
    write(d, "ivr.yaml", &prompt);
    let v = plan_json(d, &base, &[&f]);
    let flow = &v["flows"][0];
    assert_eq!(flow["status"], "changed", "{flow:#}");
    assert_eq!(flow["other_content_changed"], true, "{flow:#}");
    assert_eq!(v["no_changes"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_the_org_lacks_is_created_with_everything_added() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    let f = write(d, "new.yaml", &ivr("Brand New IVR"));
    emu.clear_request_log();
    let v = plan_json(d, &base, &[&f]);
    assert_schema(&v);
    let flow = &v["flows"][0];
    assert_eq!(flow["status"], "created", "{v:#}");
    assert!(flow["flow_id"].is_null());
    let model =
        flowguard_core::formats::read(&ivr("Brand New IVR"), flowguard_core::InputFormat::Archy)
            .flow;
    assert_eq!(count(flow, "nodes", "added"), model.nodes.len(), "{flow:#}");
    assert_eq!(count(flow, "nodes", "removed"), 0);
    assert_eq!(count(flow, "conditions", "added"), 1, "{flow:#}");
    let edges: usize = model
        .nodes
        .iter()
        .map(|n| n.edges.iter().filter(|e| e.condition.is_none()).count())
        .sum();
    assert_eq!(count(flow, "edges", "added"), edges, "{flow:#}");
    assert_eq!(flow["start"]["new"], "menu \"Main Menu\"", "{flow:#}");
    // Nothing was created: plan only reads.
    assert!(
        emu.flow_id_by_name("Brand New IVR", "INBOUNDCALL")
            .is_none()
    );
    assert!(
        emu.request_log()
            .iter()
            .all(|r| r.method == "GET" || r.path.starts_with("/oauth")),
        "{:?}",
        emu.request_log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn architect_json_is_compared_by_action_id() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    let client = client(&emu);
    let config = client
        .latest_configuration(FLOW_SPANISH_LINE_ID)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    write_json(d, "spanish.json", &config);
    let v = plan_json(d, &base, &["spanish.json"]);
    assert_schema(&v);
    assert_eq!(v["flows"][0]["status"], "unchanged", "{v:#}");
    assert_eq!(v["flows"][0]["format"], "architect-json");
    assert_eq!(v["flows"][0]["flow_id"], FLOW_SPANISH_LINE_ID);
    // Pinned by id, a description change: content outside the graph.
    write_json(d, "spanish.json", &changed(&config, "plan"));
    let v = plan_json(d, &base, &["spanish.json", "--flow", FLOW_SPANISH_LINE_ID]);
    assert_eq!(v["flows"][0]["status"], "changed", "{v:#}");
    assert_eq!(v["flows"][0]["other_content_changed"], true, "{v:#}");
}

/// Three flows: one unchanged, one changed, one new; a Markdown snapshot; the JSON against
/// the schema; and two runs give the same bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_of_three_flows() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    // a transfers to b: b is deployed first, and planned first.
    let a = write(
        d,
        "release/a-same.yaml",
        &with_transfer(&ivr("Release Same"), "Release Changed | *Star*"),
    );
    let b = write(
        d,
        "release/b-changed.yaml",
        &ivr("Release Changed | *Star*"),
    );
    deploy(d, &base, &b);
    deploy(d, &base, &a);
    write(
        d,
        "release/b-changed.yaml",
        &ivr("Release Changed | *Star*").replace(
            "                    - transferToAcd:\n                        name: Transfer to VIP\n",
            "                    - playAudio:\n                        name: VIP greeting\n                        audio:\n                          tts: Hello VIP.\n                    - transferToAcd:\n                        name: Transfer to VIP\n",
        ),
    );
    write(d, "release/c-new.yaml", &ivr("Release New"));
    write(d, "release/notes.txt", "not a flow");
    let v = plan_json(d, &base, &["release"]);
    assert_schema(&v);
    let status: Vec<(&str, &str)> = v["flows"]
        .as_array()
        .unwrap_or_else(|| panic!("{v:#}"))
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or(""),
                f["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let mut sorted = status.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ("release/a-same.yaml", "unchanged"),
            ("release/b-changed.yaml", "changed"),
            ("release/c-new.yaml", "created"),
        ]
    );
    // The deploy order: b before a, which references it.
    let at = |f: &str| status.iter().position(|(p, _)| *p == f);
    assert!(
        at("release/b-changed.yaml") < at("release/a-same.yaml"),
        "{status:?}"
    );
    assert_eq!(v["order"], "dependency");
    assert_eq!(v["summary"], "3 flows: 1 created, 1 changed, 1 unchanged");
    assert_eq!(v["no_changes"], false);
    // The inserted play: one node added, the decision's condition (`yes`) now goes to it,
    // and it goes on to the transfer. Nothing after it shifts.
    let b = &v["flows"][at("release/b-changed.yaml").unwrap_or(9)];
    assert_eq!(count(b, "nodes", "added"), 1, "{b:#}");
    assert_eq!(count(b, "nodes", "changed"), 0, "{b:#}");
    assert_eq!(count(b, "nodes", "removed"), 0, "{b:#}");
    assert_eq!(count(b, "edges", "added"), 1, "{b:#}");
    assert_eq!(count(b, "edges", "changed"), 0, "{b:#}");
    assert_eq!(count(b, "conditions", "changed"), 1, "{b:#}");
    assert_eq!(
        b["conditions"]["changed"][0]["to"], "task \"Support Task\" › Play Audio \"VIP greeting\"",
        "{b:#}"
    );
    // The schema is not vacuous.
    let mut bad = v.clone();
    bad["flows"][0]["status"] = "maybe".into();
    assert!(!schema().is_valid(&bad));

    // Markdown: a snapshot (flow ids are the emulator's: replaced), twice the same bytes.
    let md = |args: &[&str]| {
        let mut a = vec!["plan", "--format", "markdown"];
        a.extend_from_slice(args);
        let o = flowguard(d, &base, &a);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        o.stdout
    };
    let first = md(&["release"]);
    assert_eq!(first, md(&["release"]), "markdown differs between runs");
    let mut text = String::from_utf8(first).unwrap_or_default();
    for f in v["flows"].as_array().into_iter().flatten() {
        if let Some(id) = f["flow_id"].as_str() {
            text = text.replace(&id.replace('-', "\\-"), "<flow id>");
        }
    }
    insta::assert_snapshot!("directory_markdown", text);
    // JSON is byte-identical too.
    let j = |_: ()| {
        let o = flowguard(d, &base, &["plan", "--format", "json", "release"]);
        o.stdout
    };
    assert_eq!(j(()), j(()), "json differs between runs");
    // Small tables: cut with "…and N more".
    let cut = String::from_utf8(md(&["release", "--max-rows", "2"])).unwrap_or_default();
    assert!(cut.contains("| …and "), "{cut}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_clear_and_ask_nothing() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    write(d, "flows/a.yaml", &ivr("A {{suffix}}"));
    write(d, "flows/b.yaml", &ivr("B"));
    emu.clear_request_log();
    // --flow with several files.
    let o = flowguard(
        d,
        &base,
        &[
            "plan",
            "flows",
            "--flow",
            FLOW_SPANISH_LINE_ID,
            "--var",
            "suffix=x",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--flow pins one flow"),
        "{}",
        stderr(&o)
    );
    // A placeholder without a value: where it is, before any request.
    let o = flowguard(d, &base, &["plan", "flows", "--var", "other=1"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("flows/a.yaml:2:11: the placeholder `{{suffix}}` has no value"),
        "{}",
        stderr(&o)
    );
    // JSON errors are JSON.
    let o = flowguard(
        d,
        &base,
        &["plan", "flows", "--format", "json", "--var", "other=1"],
    );
    assert_eq!(code(&o), 2);
    assert_eq!(json_out(&o)["exit_code"], 2);
    // Two documents of one flow.
    write(d, "dup/a.yaml", &ivr("Same"));
    write(d, "dup/b.yaml", &ivr("Same"));
    let o = flowguard(d, &base, &["plan", "dup"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("are both the INBOUNDCALL flow `Same`"),
        "{}",
        stderr(&o)
    );
    assert!(
        emu.request_log()
            .iter()
            .all(|r| r.path.starts_with("/oauth")),
        "{:?}",
        emu.request_log()
    );
}

/// The emulator exports only YAML it imported: a flow published from configuration JSON
/// cannot be exported, and the plan says so (exit 0) instead of guessing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_export_is_not_comparable() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    let client = client(&emu);
    let config = client
        .latest_configuration(FLOW_SPANISH_LINE_ID)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    write_json(d, "spanish.json", &changed(&config, "json publish"));
    deploy(d, &base, "spanish.json");
    let yaml = genesys_emulator::seed::seed_flows()
        .into_iter()
        .find(|f| f.id == FLOW_SPANISH_LINE_ID)
        .and_then(|f| f.versions.last().copied())
        .unwrap_or_default()
        .to_owned();
    write(d, "spanish.yaml", &yaml);
    let v = plan_json(d, &base, &["spanish.yaml"]);
    assert_schema(&v);
    let flow = &v["flows"][0];
    assert_eq!(flow["status"], "not-comparable", "{v:#}");
    assert!(
        flow["reason"].as_str().unwrap_or("").contains(
            "export job failed: Version 2.0 of flow 'Spanish Line' was not created from YAML"
        ),
        "{v:#}"
    );
    assert_eq!(v["no_changes"], false);
    // A flow never published has nothing to compare with either.
    let billing = genesys_emulator::seed::seed_flows()
        .into_iter()
        .find(|f| f.id == genesys_emulator::seed::FLOW_BILLING_LINE_ID)
        .and_then(|f| f.versions.last().copied())
        .unwrap_or_default()
        .to_owned();
    write(d, "billing.yaml", &billing);
    let v = plan_json(d, &base, &["billing.yaml"]);
    assert_eq!(v["flows"][0]["status"], "not-comparable", "{v:#}");
    assert_eq!(
        v["flows"][0]["reason"], "the flow has no published version yet",
        "{v:#}"
    );
}

/// A flow the org cannot be asked about (its name belongs to a flow of another type) is an
/// error in the plan, exit 2, and the other flows are still planned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_flow_in_error_does_not_hide_the_others() {
    let emu = emulator().await;
    let dir = tempdir();
    let (d, base) = (dir.path(), emu.base_url().to_owned());
    write(d, "set/a.yaml", &ivr("Fresh Flow"));
    write(
        d,
        "set/b.yaml",
        &ivr("Main IVR").replacen("inboundCall:", "inQueueCall:", 1),
    );
    let o = flowguard(d, &base, &["plan", "set", "--format", "json"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let v = json_out(&o);
    assert_schema(&v);
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["totals"]["errors"], 1, "{v:#}");
    assert_eq!(v["totals"]["created"], 1, "{v:#}");
    let bad = v["flows"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["status"] == "error")
        .cloned()
        .unwrap_or_default();
    assert_eq!(bad["file"], "set/b.yaml", "{v:#}");
    assert!(
        bad["reason"]
            .as_str()
            .unwrap_or("")
            .contains("flows are matched by name and type"),
        "{bad:#}"
    );
    // Text says it too, on stdout, with the same exit code.
    let o = flowguard(d, &base, &["plan", "set"]);
    assert_eq!(code(&o), 2);
    assert!(
        stdout(&o).contains("error flow `Main IVR` (INQUEUECALL)"),
        "{}",
        stdout(&o)
    );
}
