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
