//! Measurements for BENCHMARKS.md (run with `--ignored --nocapture`; the 300/min run takes
//! several minutes because it is paced by the real one-minute window).

mod common;

use std::time::{Duration, Instant};

use common::*;
use flowguard::deploy::{self, DeployOptions, Outcome};
use genesys_emulator::{EmulatorConfig, FaultPlan, Platform};
use serde_json::Value;

const FLOW: &str = FLOW_SPANISH_LINE_ID;

async fn setup(
    dir: &std::path::Path,
    client: &flowguard::genesys::Client,
    ctx: &flowguard::context::Ctx,
) -> Value {
    let d = flowguard::commands::fetch(client, ctx, FLOW, Some(&dir.join("orig.json"))).await;
    assert_eq!(d.code, 0);
    serde_json::from_str(&std::fs::read_to_string(dir.join("orig.json")).unwrap_or_default())
        .unwrap_or_default()
}

fn opts(file: std::path::PathBuf) -> DeployOptions {
    DeployOptions {
        file,
        flow_id: FLOW.into(),
        optimize: false,
        dry_run: false,
        force_unlock: false,
        operator: "bench".into(),
        checks: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn calls_and_latency() {
    for (profile, latency) in [
        ("default", Duration::ZERO),
        ("default", Duration::from_millis(50)),
        ("strict", Duration::ZERO),
        ("strict", Duration::from_millis(50)),
    ] {
        let emu = emulator_with(EmulatorConfig {
            operation_delay: Duration::from_millis(20),
            platform: if profile == "strict" {
                Platform::strict()
            } else {
                Platform::default()
            },
            ..Default::default()
        })
        .await;
        let dir = tempdir();
        let (client, mut ctx) = (client(&emu), ctx(dir.path()));
        ctx.poll.first = Duration::from_millis(25);
        let cfg = setup(dir.path(), &client, &ctx).await;
        let file = write_json(dir.path(), "n.json", &changed(&cfg, "bench"));
        emu.set_faults(FaultPlan {
            latency,
            ..FaultPlan::default()
        });
        emu.clear_request_log();
        let t = Instant::now();
        let r = deploy::deploy(&client, &ctx, &opts(file), &deploy::NoHooks).await;
        let wall = t.elapsed();
        assert_eq!(r.outcome, Outcome::Deployed);
        let log = emu.request_log();
        let api: Vec<String> = log
            .iter()
            .filter(|r| r.path.starts_with("/api/v2"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        println!(
            "{profile} platform, latency {:?}: deploy {} API calls counted by the deployer, {} seen by the emulator (incl. lockfile refresh); wall {:?}; calls x latency = {:?}",
            latency,
            r.api_calls,
            api.len(),
            wall,
            latency * r.api_calls as u32
        );
        for a in &api {
            println!("   {a}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn hundred_deploys_under_300_per_minute() {
    let emu = emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(10),
        rate_limit_per_minute: 300,
        ..Default::default()
    })
    .await;
    let dir = tempdir();
    let (client, mut ctx) = (client(&emu), ctx(dir.path()));
    ctx.poll.first = Duration::from_millis(15);
    let cfg = setup(dir.path(), &client, &ctx).await;
    let t = Instant::now();
    for i in 0..100 {
        let file = write_json(dir.path(), "n.json", &changed(&cfg, &format!("deploy {i}")));
        let r = deploy::deploy(&client, &ctx, &opts(file), &deploy::NoHooks).await;
        assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    }
    let wall = t.elapsed();
    let log = emu.request_log();
    let api = log.iter().filter(|r| r.path.starts_with("/api/v2")).count();
    let n429 = log.iter().filter(|r| r.status == 429).count();
    let minutes = wall.as_secs_f64() / 60.0;
    let share = api as f64 / (300.0 * minutes.ceil().max(1.0));
    println!(
        "100 deploys: {api} API requests in {:.1}s, 429s: {n429}, limiter waited {:?}, {:.1} requests/min = {:.0}% of 300/min (share of the whole-minute windows used: {:.0}%)",
        wall.as_secs_f64(),
        client.transport.stats().limiter_wait,
        api as f64 / minutes,
        100.0 * api as f64 / minutes / 300.0,
        100.0 * share
    );
    assert_eq!(n429, 0);
    audit_ok(dir.path());
}

/// An inbound call flow `name` whose menu transfers to each of `targets` (digits 1, 2, …).
fn menu_flow(name: &str, targets: &[String]) -> Value {
    let mut choices: Vec<Value> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({
                "id": format!("choice-{i}"),
                "name": format!("To {t}"),
                "digit": format!("{}", i + 1),
                "action": {
                    "__type": "TransferFlowAction",
                    "id": format!("transfer-{i}"),
                    "trackingId": 10 + i,
                    "name": format!("Transfer to {t}"),
                    "flowName": t,
                    "paths": [{"label": "Failure", "outputId": "__FAILURE__"}]
                }
            })
        })
        .collect();
    choices.push(serde_json::json!({
        "id": "choice-bye",
        "name": "Goodbye",
        "digit": "9",
        "action": {"__type": "DisconnectAction", "id": "bye", "trackingId": 2, "name": "Disconnect"}
    }));
    serde_json::json!({
        "name": name,
        "type": "inboundcall",
        "description": format!("{name}: generated for the release benchmark"),
        "defaultLanguage": "en-US",
        "supportedLanguages": ["en-US"],
        "initialSequence": "menu",
        "nextTrackingNumber": 40,
        "flowSequenceItemList": [{
            "__type": "Menu",
            "id": "menu",
            "name": "Main Menu",
            "trackingId": 1,
            "menuChoiceList": choices
        }],
        "variables": []
    })
}

/// 50 flows: a chain (each transfers to the next), a jump ahead from every fifth, and
/// three cycles (09 → 00, 24 → 20, 49 → 45): 3 cyclic groups and 32 single flows.
fn fifty_flows(dir: &std::path::Path) -> std::path::PathBuf {
    let name = |i: usize| format!("Bench Flow {i:02}");
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..50 {
        let mut targets = Vec::new();
        if i + 1 < 50 && ![9, 24, 49].contains(&i) {
            targets.push(name(i + 1));
        }
        if i % 5 == 0 && i + 10 < 50 {
            targets.push(name(i + 10));
        }
        match i {
            9 => targets.push(name(0)),
            24 => targets.push(name(20)),
            49 => targets.push(name(45)),
            _ => {}
        }
        write_json(
            &flows,
            &format!("flow-{i:02}.json"),
            &menu_flow(&name(i), &targets),
        );
    }
    flows
}

/// `/api/v2/flows/4f…/versions` → `/api/v2/flows/{id}/versions`.
fn pattern(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.len() == 36 && s.matches('-').count() == 4 {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Prints the emulator's API requests since `from`, grouped by method and path pattern.
fn call_pattern(log: &[genesys_emulator::RequestRecord], flows: usize) {
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    for r in log.iter().filter(|r| r.path.starts_with("/api/v2")) {
        let q = match r.query.as_deref() {
            Some(q) if q.contains("name=") => "?name=…",
            Some(_) => "?…",
            None => "",
        };
        *by.entry(format!("{} {}{q}", r.method, pattern(&r.path)))
            .or_default() += 1;
    }
    let mut rows: Vec<(String, usize)> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (k, n) in rows {
        println!("   {n:>5}  ({:.2}/flow)  {k}", n as f64 / flows as f64);
    }
}

/// A 50-flow release (dependencies and three cycles, every flow created) against an
/// emulator limited to 300 requests per minute per token: API calls, wall time, 429s and
/// the share of the limit used, then the same release again (nothing changed). Paced by
/// the real one-minute window: about 5 minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn fifty_flow_release_under_300_per_minute() {
    use flowguard::release::{self, ReleaseOptions};
    let emu = emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(20),
        rate_limit_per_minute: 300,
        ..Default::default()
    })
    .await;
    let dir = tempdir();
    let flows = fifty_flows(dir.path());
    let (client, mut ctx) = (client(&emu), ctx(dir.path()));
    ctx.poll.first = Duration::from_millis(25);
    let opts = ReleaseOptions {
        paths: vec![flows],
        optimize: false,
        dry_run: false,
        force_unlock: false,
        operator: "bench".into(),
        checks: Default::default(),
    };
    // Requests per minute as the release goes: the emulator's log sampled every 250 ms.
    let ctrl = emu.control();
    let samples = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(Duration, usize)>::new()));
    let (s2, t0) = (samples.clone(), Instant::now());
    let sampler = tokio::spawn(async move {
        loop {
            let n = ctrl
                .request_log()
                .iter()
                .filter(|r| r.path.starts_with("/api/v2"))
                .count();
            if let Ok(mut s) = s2.lock() {
                s.push((t0.elapsed(), n));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    emu.clear_request_log();
    let t = Instant::now();
    let r = release::run(&client, &ctx, &opts, &deploy::NoHooks).await;
    let wall = t.elapsed();
    sampler.abort();
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    let log = emu.request_log();
    let api = log.iter().filter(|r| r.path.starts_with("/api/v2")).count();
    let tokens = log.iter().filter(|r| r.path.starts_with("/oauth")).count();
    let n429 = log.iter().filter(|r| r.status == 429).count();
    let stats = client.transport.stats();
    let minutes = wall.as_secs_f64() / 60.0;
    let cyclic = r.order.iter().filter(|g| g.cyclic).count();
    let created = r.flows.iter().filter(|f| f.created).count();
    println!(
        "50-flow release ({} groups, {cyclic} cyclic; {created} flows created): {} API calls counted by the release, {api} API requests seen by the emulator (+{tokens} token), wall {:.1} s, 429s: {n429} (client saw {}), limiter waited {:.1} s",
        r.order.len(),
        r.api_calls,
        wall.as_secs_f64(),
        stats.responses_429,
        stats.limiter_wait.as_secs_f64(),
    );
    println!(
        "   {:.1} requests/min over the wall time = {:.0}% of 300/min; share of the whole-minute windows used: {:.0}%; {:.1} API requests per flow",
        api as f64 / minutes,
        100.0 * api as f64 / minutes / 300.0,
        100.0 * api as f64 / (300.0 * minutes.ceil().max(1.0)),
        api as f64 / 50.0
    );
    // Per minute since the first request (the emulator's window starts there).
    let s = samples.lock().map(|s| s.clone()).unwrap_or_default();
    let start = s
        .iter()
        .find(|(_, n)| *n > 0)
        .map_or(Duration::ZERO, |(t, _)| *t);
    let mut per_minute = Vec::new();
    let mut prev = 0;
    for m in 1.. {
        let edge = start + Duration::from_secs(60 * m);
        let at = s
            .iter()
            .take_while(|(t, _)| *t <= edge)
            .last()
            .map_or(prev, |(_, n)| *n);
        per_minute.push(at - prev);
        prev = at;
        if edge > s.last().map_or(Duration::ZERO, |(t, _)| *t) {
            break;
        }
    }
    // Sampled every 250 ms, so a minute's edge may move a burst's first requests across.
    println!("   API requests per minute since the first (sampled): {per_minute:?}");
    call_pattern(&log, 50);
    assert_eq!(n429, 0, "the limiter must keep under the limit");
    assert_eq!(stats.responses_429, 0);
    audit_ok(dir.path());

    // The same release again: every flow is found and compared, nothing is published.
    emu.clear_request_log();
    let t = Instant::now();
    let r = release::run(&client, &ctx, &opts, &deploy::NoHooks).await;
    let wall = t.elapsed();
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert!(
        r.flows.iter().all(|f| f.outcome == "no-change"),
        "{}",
        r.text()
    );
    let log = emu.request_log();
    let api = log.iter().filter(|r| r.path.starts_with("/api/v2")).count();
    let n429 = log.iter().filter(|r| r.status == 429).count();
    println!(
        "the same release again (no change): {} API calls counted by the release, {api} seen by the emulator, wall {:.1} s, 429s: {n429}",
        r.api_calls,
        wall.as_secs_f64()
    );
    call_pattern(&log, 50);
    assert_eq!(n429, 0);
}
