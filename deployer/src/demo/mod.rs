//! `flowguard demo`: the end-to-end story against an embedded emulator.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use genesys_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, FaultPlan, OTHER_CLIENT_ID,
    seed,
};

use crate::context::{Ctx, Progress, StateArgs};
use crate::deploy::{self, DeployOptions, Hooks, NoHooks};
use crate::genesys::{Client, Credentials, Endpoints, RetryPolicy, Secret, SystemClock, Transport};
use crate::{EXIT_OK, EXIT_USAGE};

mod promotion;

struct FailPublish(genesys_emulator::EmulatorControl);
impl Hooks for FailPublish {
    fn after(&self, step: crate::step::Step) {
        if step == crate::step::Step::PublishRequested {
            // The publish lands, then the platform fails every read for a while.
            self.0.set_faults(FaultPlan {
                burst_5xx: 6,
                ..FaultPlan::default()
            });
        }
    }
}

pub fn run(dir: Option<PathBuf>) -> u8 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("flowguard: error: {e}");
            return EXIT_USAGE;
        }
    };
    match rt.block_on(story(dir)) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("flowguard demo: error: {e}");
            EXIT_USAGE
        }
    }
}

async fn story(dir: Option<PathBuf>) -> Result<(), String> {
    let dir = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("flowguard-demo-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let emu = Emulator::start(EmulatorConfig {
        operation_delay: Duration::from_millis(100),
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    println!(
        "== flowguard demo: an emulated Genesys Cloud org at {}",
        emu.base_url()
    );
    println!("   artifacts go to {}\n", dir.display());
    let policy = RetryPolicy {
        backoff_base: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let t = Transport::new(
        Endpoints::from_api_base(emu.base_url(), None)?,
        Credentials {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
        },
        Arc::new(SystemClock),
        policy,
    )
    .map_err(|e| e.to_string())?;
    let client = Client::new(t);
    let state = StateArgs {
        state_dir: dir.join(".flowguard"),
        lockfile: dir.join("flowguard.lock"),
        ..StateArgs::default()
    };
    let mut ctx = Ctx::new(&state);
    ctx.progress = Progress::off();
    let flow = seed::FLOW_SPANISH_LINE_ID;

    println!("1. fetch: download the live flow and pin its versions in the lockfile");
    let d = crate::commands::fetch(&client, &ctx, flow, Some(&dir.join("spanish-line.json"))).await;
    print!("{}", indent(&d.text));
    let d = crate::commands::fetch(
        &client,
        &ctx,
        seed::FLOW_LOOP_LINE_ID,
        Some(&dir.join("loop-line.json")),
    )
    .await;
    println!("   (also fetched the `Loop Line` flow: exit {})\n", d.code);

    println!("2. validate: the looped flow is caught, with its path");
    let text = std::fs::read_to_string(dir.join("loop-line.json")).map_err(|e| e.to_string())?;
    let v = flowguard_core::validate(&text, &flowguard_core::Options::default());
    for d in v
        .diagnostics
        .iter()
        .filter(|d| d.severity == flowguard_core::Severity::Error)
        .take(3)
    {
        println!("   error[{}]: {}", d.code.code(), d.message);
        for r in d.related.iter().take(6) {
            println!(
                "      via {} {}",
                r.node.as_deref().unwrap_or(""),
                r.message
            );
        }
    }
    let op = |file: &str, flow: &str, optimize: bool| DeployOptions {
        file: dir.join(file),
        flow_id: flow.into(),
        optimize,
        dry_run: false,
        force_unlock: false,
        operator: "demo".into(),
        checks: Default::default(),
    };
    let r = deploy::deploy(
        &client,
        &ctx,
        &op("loop-line.json", seed::FLOW_LOOP_LINE_ID, false),
        &NoHooks,
    )
    .await;
    println!(
        "   deploying it anyway is refused: {} (exit {})\n",
        r.outcome.as_str(),
        r.exit_code
    );

    println!(
        "3. flatten + deploy: a changed flow goes through plan → checkout → save → checkin → publish → verify"
    );
    let mut cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("spanish-line.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    cfg["description"] = "Spanish number (edited in the demo)".into();
    let pretty = serde_json::to_string_pretty(&cfg).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("spanish-line.v2.json"), pretty).map_err(|e| e.to_string())?;
    let r = deploy::deploy(
        &client,
        &ctx,
        &op("spanish-line.v2.json", flow, true),
        &NoHooks,
    )
    .await;
    print!("{}", indent(&r.text()));
    println!();

    println!("4. a concurrent edit: another client holds the lock, so the deploy is refused");
    cfg["description"] = "Spanish number (third edit)".into();
    std::fs::write(
        dir.join("spanish-line.v3.json"),
        serde_json::to_string_pretty(&cfg).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    emu.checkout_as(flow, OTHER_CLIENT_ID)
        .map_err(|e| e.to_string())?;
    let r = deploy::deploy(
        &client,
        &ctx,
        &op("spanish-line.v3.json", flow, false),
        &NoHooks,
    )
    .await;
    print!("{}", indent(&r.text()));
    emu.unlock(flow).map_err(|e| e.to_string())?;
    println!("   (the other client lets go of the lock)\n");

    println!(
        "5. a failing publish: the platform fails right after publishing, flowguard rolls back"
    );
    let r = deploy::deploy(
        &client,
        &ctx,
        &op("spanish-line.v3.json", flow, false),
        &FailPublish(emu.control()),
    )
    .await;
    print!("{}", indent(&r.text()));
    println!(
        "   published version now: {}\n",
        emu.published_version(flow).unwrap_or_default()
    );

    println!("6. audit verify: every attempt above is in a hash-chained log");
    let d = crate::commands::audit_verify(&ctx);
    print!("{}", indent(&d.text));
    let d = crate::commands::audit_show(&ctx, None, 20);
    print!("{}", indent(&d.text));
    emu.shutdown().await;
    println!();
    promotion::story(&dir).await?;
    println!("\nartifacts: {}", dir.display());
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("   {l}\n")).collect()
}
