//! Steps 7–9 of `flowguard demo`: a release of three flows that reference each other in a
//! cycle (`examples/release/`), promoted from a dev org to a prod org — two emulators, so
//! every id differs and each org gets its own `{{placeholder}}` values — then a second
//! release into prod that fails midway and is rolled back, and its audit records.
//!
//! Artifacts (under the demo's folder): `release/` (the flows and environment files as
//! deployed), `release-2/flows/` (the second release), and per org `dev/`, `prod/`: the
//! state directory, the lockfile, each release's JSON report (`release-1.json`,
//! `release-2.json`) and the published configuration of every flow of the release as the
//! org serves it after each release (`live-1/`, `live-2/`). `deployer/tests/demo.rs` reads
//! them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genesys_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, EmulatorControl,
    OTHER_CLIENT_ID, RunningEmulator,
};
use serde_json::Value;

use crate::context::{Ctx, Progress, StateArgs};
use crate::deploy::{self, DeployOptions, Hooks, NoHooks, Outcome};
use crate::genesys::{
    Client, Credentials, Endpoints, RetryPolicy, Secret, SystemClock, Transport, api::PollPolicy,
};
use crate::release::{self, ReleaseOptions, ReleaseReport};
use crate::step::Step;

use super::indent;

/// The release's documents, as in `examples/release/flows/` (built in, so the demo runs
/// from any directory).
const FLOWS: [(&str, &str); 3] = [
    (
        "callback-line.yaml",
        include_str!("../../../examples/release/flows/callback-line.yaml"),
    ),
    (
        "main-line.yaml",
        include_str!("../../../examples/release/flows/main-line.yaml"),
    ),
    (
        "support-hold.yaml",
        include_str!("../../../examples/release/flows/support-hold.yaml"),
    ),
];

const ENVIRONMENTS: [(&str, &str); 2] = [
    (
        "dev.toml",
        include_str!("../../../examples/release/environments/dev.toml"),
    ),
    (
        "prod.toml",
        include_str!("../../../examples/release/environments/prod.toml"),
    ),
];

/// The flows of the release, by name and type.
pub const NAMES: [(&str, &str); 3] = [
    ("Example Main Line", "INBOUNDCALL"),
    ("Example Support Hold", "INQUEUECALL"),
    ("Example Callback Line", "INBOUNDCALL"),
];

/// What prod runs before the release: a main line built by hand (greeting, support queue).
const PROD_MAIN_LINE_BEFORE: &str = r#"inboundCall:
  name: Example Main Line
  description: Main number of Example Corp (built by hand)
  division: Home
  startUpRef: "/inboundCall/tasks/task[Start_1]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  tasks:
    - task:
        name: Start
        refId: Start_1
        actions:
          - playAudio:
              name: Greeting
              audio:
                tts: Welcome to Example Corp.
          - transferToAcd:
              name: Support
              targetQueue:
                lit:
                  name: Support
          - disconnect:
              name: Disconnect
"#;

/// The second release changes every flow (its description).
const RELEASE_2: &str = " (release 2)";

/// One org: its emulator, a client logged in to it, its own state directory and lockfile.
struct Org {
    name: &'static str,
    emu: RunningEmulator,
    client: Client,
    ctx: Ctx,
    dir: PathBuf,
}

impl Org {
    async fn start(name: &'static str, root: &Path) -> Result<Self, String> {
        let emu = Emulator::start(EmulatorConfig {
            operation_delay: Duration::from_millis(50),
            ..EmulatorConfig::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        let t = Transport::new(
            Endpoints::from_api_base(emu.base_url(), None)?,
            Credentials {
                client_id: DEFAULT_CLIENT_ID.into(),
                client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
            },
            Arc::new(SystemClock),
            RetryPolicy {
                backoff_base: Duration::from_millis(20),
                ..RetryPolicy::default()
            },
        )
        .map_err(|e| e.to_string())?;
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut ctx = Ctx::new(&StateArgs {
            state_dir: dir.join(".flowguard"),
            lockfile: dir.join("flowguard.lock"),
            ..StateArgs::default()
        });
        ctx.progress = Progress::off();
        ctx.poll = PollPolicy {
            first: Duration::from_millis(60),
            max_interval: Duration::from_millis(500),
            ..PollPolicy::default()
        };
        Ok(Self {
            name,
            emu,
            client: Client::new(t),
            ctx,
            dir,
        })
    }

    /// Deploys `flows` as one release with the values of `vars`; writes the JSON report.
    async fn release(
        &self,
        flows: &Path,
        vars: &Path,
        report: &str,
        hooks: &dyn Hooks,
    ) -> Result<ReleaseReport, String> {
        let mut ctx = self.ctx.clone();
        ctx.vars = Arc::new(
            crate::vars::VarArgs {
                var: Vec::new(),
                vars_file: Some(vars.to_path_buf()),
            }
            // Only the environment file: the demo ignores FLOWGUARD_VAR_* of its caller.
            .load_from(std::iter::empty())?,
        );
        let opts = ReleaseOptions {
            paths: vec![flows.to_path_buf()],
            optimize: false,
            dry_run: false,
            force_unlock: false,
            operator: "demo".into(),
            checks: Default::default(),
        };
        let r = release::run(&self.client, &ctx, &opts, hooks).await;
        write_json(
            &self.dir.join(report),
            &serde_json::to_value(&r).unwrap_or_default(),
        )?;
        Ok(r)
    }

    fn id(&self, name: &str, flow_type: &str) -> Option<String> {
        self.emu.flow_id_by_name(name, flow_type)
    }

    /// The published configuration of every flow of the release, written to `dir/live`.
    async fn live(&self, live: &str) -> Result<Vec<(String, Value)>, String> {
        let dir = self.dir.join(live);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut out = Vec::new();
        for (name, flow_type) in NAMES {
            let id = self
                .id(name, flow_type)
                .ok_or_else(|| format!("{}: no flow `{name}`", self.name))?;
            let v = self
                .emu
                .published_version(&id)
                .ok_or_else(|| format!("{}: `{name}` is not published", self.name))?;
            let c = self
                .client
                .version_configuration(&id, &v)
                .await
                .map_err(|e| e.to_string())?;
            write_json(&dir.join(format!("{name}.json")), &c)?;
            out.push((name.to_owned(), c));
        }
        Ok(out)
    }
}

fn write_json(path: &Path, v: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_all(
    dir: &Path,
    files: &[(&str, &str)],
    edit: impl Fn(&str) -> String,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, edit(text)).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

/// The greeting and the queues of the main line's configuration, as the org serves it.
pub fn greeting_and_queues(config: &Value) -> (String, Vec<String>) {
    let greeting = config["flowSequenceItemList"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|item| item["actionList"].as_array().into_iter().flatten())
        .find(|a| a["name"] == "Greeting")
        .and_then(|a| a["prompts"]["defaultAudio"]["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    let queues = config["manifest"]["queue"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| q["name"].as_str().map(str::to_owned))
        .collect();
    (greeting, queues)
}

/// "A colleague opens a flow in Architect" once `after` flows of the release were
/// deployed: the first flow still at its version from before the release (`before`, flow
/// id → published version) is checked out to another OAuth client, so its deploy is
/// refused. Which flow that is follows the release's order, whatever it is.
struct ColleagueOpens {
    ctrl: EmulatorControl,
    before: Vec<(String, String)>,
    after: usize,
    deployed: AtomicUsize,
    opened: std::sync::Mutex<Option<String>>,
}

impl Hooks for ColleagueOpens {
    fn after(&self, step: Step) {
        if step != Step::Audited || self.deployed.fetch_add(1, Ordering::SeqCst) + 1 != self.after {
            return;
        }
        let untouched = self
            .before
            .iter()
            .find(|(id, v)| self.ctrl.published_version(id).as_ref() == Some(v));
        if let Some((id, _)) = untouched
            && self.ctrl.checkout_as(id, OTHER_CLIENT_ID).is_ok()
            && let Ok(mut o) = self.opened.lock()
        {
            *o = Some(id.clone());
        }
    }
}

fn short(id: Option<&str>) -> String {
    id.map(|i| format!("{}…", &i[..i.len().min(8)]))
        .unwrap_or_else(|| "-".into())
}

pub(super) async fn story(root: &Path) -> Result<(), String> {
    let src = root.join("release");
    write_all(&src.join("flows"), &FLOWS, str::to_owned)?;
    write_all(&src.join("environments"), &ENVIRONMENTS, str::to_owned)?;
    let flows = src.join("flows");
    let env = |f: &str| src.join("environments").join(f);

    println!(
        "7. a release: three flows that reference each other, promoted from a dev org to a prod org"
    );
    println!(
        "   examples/release: `Example Main Line` sends support callers to the queue with `Example Support Hold`"
    );
    println!(
        "   as in-queue flow; it offers `Example Callback Line`, which transfers back to the main line (a cycle)."
    );
    let dev = Org::start("dev", root).await?;
    let prod = Org::start("prod", root).await?;
    // Prod already runs a main line, built by hand: the release finds it by name.
    let before = prod.dir.join("main-line-before.yaml");
    std::fs::write(&before, PROD_MAIN_LINE_BEFORE).map_err(|e| e.to_string())?;
    let r = deploy::deploy(
        &prod.client,
        &prod.ctx,
        &DeployOptions {
            file: before,
            flow_id: String::new(),
            optimize: false,
            dry_run: false,
            force_unlock: false,
            operator: "demo".into(),
            checks: Default::default(),
        },
        &NoHooks,
    )
    .await;
    if r.outcome != Outcome::Deployed {
        return Err(format!("setting up prod: {}", r.text()));
    }
    println!(
        "   dev org at {}, prod org at {} (prod already runs `Example Main Line`, id {})",
        dev.emu.base_url(),
        prod.emu.base_url(),
        short(Some(&r.flow_id))
    );

    println!("\n   flowguard deploy release/flows --vars release/environments/dev.toml   (dev)");
    let d1 = dev
        .release(&flows, &env("dev.toml"), "release-1.json", &NoHooks)
        .await?;
    print!("{}", indent(&d1.text()));
    println!("\n   flowguard deploy release/flows --vars release/environments/prod.toml  (prod)");
    let p1 = prod
        .release(&flows, &env("prod.toml"), "release-1.json", &NoHooks)
        .await?;
    print!("{}", indent(&p1.text()));
    if d1.outcome != Outcome::Deployed || p1.outcome != Outcome::Deployed {
        return Err("the release did not go in".into());
    }
    let dev_live = dev.live("live-1").await?;
    let prod_live = prod.live("live-1").await?;
    println!("\n   the same documents, each org with its own ids and values:");
    for (name, flow_type) in NAMES {
        println!(
            "     {:<22} dev {}  prod {}",
            name,
            short(dev.id(name, flow_type).as_deref()),
            short(prod.id(name, flow_type).as_deref())
        );
    }
    for (org, live) in [("dev", &dev_live), ("prod", &prod_live)] {
        if let Some((_, c)) = live.iter().find(|(n, _)| n == NAMES[0].0) {
            let (greeting, queues) = greeting_and_queues(c);
            println!(
                "     {org:<4} main line: greeting \"{greeting}\", queues {}",
                queues.join(", ")
            );
        }
    }

    println!(
        "\n8. a failure midway: release 2 into prod; after two flows are deployed a colleague opens"
    );
    println!("   the third in Architect (checked out to them), so its deploy is refused");
    let src2 = root.join("release-2").join("flows");
    write_all(&src2, &FLOWS, |t| {
        t.lines()
            .map(|l| match l.strip_prefix("  description: ") {
                Some(d) => format!("  description: {d}{RELEASE_2}\n"),
                None => format!("{l}\n"),
            })
            .collect()
    })?;
    let hooks = ColleagueOpens {
        ctrl: prod.emu.control(),
        before: p1
            .flows
            .iter()
            .filter_map(|f| Some((f.flow_id.clone()?, f.published_version.clone()?)))
            .collect(),
        after: 2,
        deployed: AtomicUsize::new(0),
        opened: Default::default(),
    };
    let p2 = prod
        .release(&src2, &env("prod.toml"), "release-2.json", &hooks)
        .await?;
    print!("{}", indent(&p2.text()));
    let opened = hooks.opened.lock().ok().and_then(|o| o.clone());
    match opened {
        Some(id) => prod.emu.unlock(&id).map_err(|e| e.to_string())?,
        None => return Err("the colleague never opened a flow".into()),
    }
    let after = prod.live("live-2").await?;
    println!("   prod now (the colleague closed the flow):");
    for (name, c) in &after {
        let before = p1
            .flows
            .iter()
            .find(|f| &f.name == name)
            .and_then(|f| f.published_version.clone());
        let now = p2
            .flows
            .iter()
            .find(|f| &f.name == name)
            .and_then(|f| f.published_version.clone());
        println!(
            "     {:<22} version {} ({}): \"{}\"",
            name,
            now.as_deref().unwrap_or("?"),
            if now == before {
                "as after release 1"
            } else {
                "NOT as after release 1"
            },
            c["description"].as_str().unwrap_or_default()
        );
    }

    println!("\n9. audit show --release: every record of release 2 carries its id");
    let id = p2.release_id.clone().unwrap_or_default();
    let d = crate::commands::audit_show_release(&prod.ctx, None, Some(&id), 50);
    print!("{}", indent(&d.text));
    println!(
        "   (state, lockfile, reports and live configurations: {}/dev, {}/prod)",
        root.display(),
        root.display()
    );
    dev.emu.shutdown().await;
    prod.emu.shutdown().await;
    Ok(())
}
