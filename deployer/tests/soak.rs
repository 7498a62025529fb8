//! Seeded soak of the deployer under faults (issue 9, "Deployer under faults").
//!
//! * `in_process_deploys_under_random_faults`: `FLOWGUARD_SOAK_DEPLOYS` (default 150)
//!   deploys, each against a fresh in-process emulator with a fault mix drawn from
//!   `FLOWGUARD_SOAK_SEED` (default 9) and the iteration number: 429 bursts and rates
//!   with `Retry-After`, 5xx bursts and rates, dropped responses, latency windows past
//!   the client's timeout, token expiry, another client taking the lock or publishing at
//!   request N, publish operations ending in FAILURE. Waits run on a compressed clock.
//! * `sigkill_at_every_step_then_recover`: the real binary, aborted right after every
//!   deploy step (`FLOWGUARD_CRASH_AFTER`) and killed with SIGKILL
//!   (`std::process::Child::kill`) at seeded random moments (`FLOWGUARD_SOAK_KILLS`,
//!   default 16), then `flowguard recover` (itself sometimes killed and run again).
//!
//! After every attempt: the published version is the old one or ours, or, when another
//! client published, theirs (never overwritten); no lock of ours is left; no journal is
//! left; `audit verify` passes; the audit log has exactly one new record per attempt
//! (deploy or recover). Every assertion message carries the seed and the iteration.
//! Run with `--nocapture` to see the summary lines RELIABILITY.md quotes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use common::*;
use flowguard::deploy::{self, DeployOptions, Hooks, Outcome, STEPS};
use flowguard::genesys::transport::{BoxFuture, Clock};
use flowguard::genesys::{Client, Credentials, Endpoints, RetryPolicy, Secret, Transport};
use flowguard::step::Step;
use genesys_emulator::seed::{
    FLOW_AFTER_HOURS_ID, FLOW_BILLING_LINE_ID, FLOW_MAIN_IVR_ID, FLOW_SPANISH_LINE_ID,
};
use genesys_emulator::{
    ALL_PERMISSIONS, ClientConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig,
    EmulatorControl, FaultPlan, Interference, InterferenceAction, OTHER_CLIENT_ID, Platform,
    RunningEmulator,
};
use serde_json::Value;

/// splitmix64: small, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.range(0, xs.len() as u64) as usize]
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Real time, but every wait longer than 2 ms is slept for 2 ms and the rest is
/// added to the clock: `Retry-After: 3` costs 2 ms, and time still only moves forward.
#[derive(Default)]
struct QuickClock {
    skew: Mutex<Duration>,
}

impl Clock for QuickClock {
    fn now(&self) -> Instant {
        Instant::now() + *self.skew.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
        let real = d.min(Duration::from_millis(2));
        *self.skew.lock().unwrap_or_else(PoisonError::into_inner) += d - real;
        Box::pin(tokio::time::sleep(real))
    }
}

fn soak_client(emu: &RunningEmulator, timeout: Duration) -> Client {
    let policy = RetryPolicy {
        timeout,
        ..RetryPolicy::default()
    };
    let t = Transport::new(
        Endpoints::from_api_base(emu.base_url(), None).unwrap_or_else(|e| panic!("{e}")),
        Credentials {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
        },
        Arc::new(QuickClock::default()),
        policy,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Client::new(t)
}

/// The strict profile: every platform option on (202 publishes without a body, stale
/// completed operations, re-serialised configurations with bookkeeping fields, anonymous
/// import versions, publish keeping the lock), and a client without
/// `architect:flow:unlock` (as a least-privilege CI client would be).
fn strict(operation_delay: Duration) -> EmulatorConfig {
    EmulatorConfig {
        operation_delay,
        platform: Platform::strict(),
        clients: vec![
            ClientConfig::default_client().with_permissions(
                ALL_PERMISSIONS
                    .iter()
                    .copied()
                    .filter(|p| *p != "architect:flow:unlock"),
            ),
        ],
        ..EmulatorConfig::default()
    }
}

const FLOWS: &[&str] = &[
    FLOW_SPANISH_LINE_ID,
    FLOW_AFTER_HOURS_ID,
    FLOW_MAIN_IVR_ID,
    FLOW_BILLING_LINE_ID,
];

/// The fault kinds a soak iteration can draw.
const KINDS: &[&str] = &[
    "429-burst",
    "429-rate",
    "5xx-burst",
    "5xx-rate",
    "drop-next",
    "drop-rate",
    "timeout",
    "token-expiry",
    "steal",
    "publish",
    "fail-publish",
    "5xx-after-commit",
    "missing-deps",
    "user-lock",
];

/// A drawn fault mix.
struct Mix {
    kinds: Vec<&'static str>,
    plan: FaultPlan,
    /// Latency window: (step after which it starts, real duration).
    latency_window: Option<(Step, Duration)>,
}

fn draw_mix(rng: &mut Rng, flow: &str) -> Mix {
    let mut plan = FaultPlan {
        seed: rng.next(),
        ..FaultPlan::default()
    };
    let mut kinds = Vec::new();
    let mut latency_window = None;
    // 5% of iterations run clean (the baseline), the rest draw 1 to 3 kinds.
    let n = if rng.chance(0.05) { 0 } else { rng.range(1, 4) };
    for _ in 0..n {
        let k = *rng.pick(KINDS);
        if kinds.contains(&k) {
            continue;
        }
        kinds.push(k);
        if std::env::var_os("FLOWGUARD_SOAK_VERBOSE").is_some() {
            eprintln!("fault {k}");
        }
        match k {
            "429-burst" => {
                plan.burst_429 = rng.range(1, 12) as u32;
                plan.retry_after_secs = rng.range(1, 5);
            }
            "429-rate" => {
                plan.rate_429 = rng.range(5, 40) as f64 / 100.0;
                plan.retry_after_secs = rng.range(1, 60);
            }
            "5xx-burst" => plan.burst_5xx = rng.range(1, 7) as u32,
            "5xx-rate" => plan.rate_5xx = rng.range(5, 35) as f64 / 100.0,
            "drop-next" => plan.drop_next = rng.range(1, 4) as u32,
            "drop-rate" => plan.drop_rate = rng.range(3, 20) as f64 / 100.0,
            "timeout" => {
                let step = *rng.pick(&[
                    Step::Validated,
                    Step::Journaled,
                    Step::CheckedOut,
                    Step::CheckedIn,
                ]);
                latency_window = Some((step, Duration::from_millis(rng.range(30, 400))));
            }
            "token-expiry" => plan.expire_tokens_after = Some(rng.range(0, 20)),
            "steal" | "publish" => {
                let action = if k == "steal" {
                    InterferenceAction::TakeLock {
                        flow_id: flow.into(),
                        client_id: OTHER_CLIENT_ID.into(),
                    }
                } else {
                    InterferenceAction::PublishNewVersion {
                        flow_id: flow.into(),
                        client_id: OTHER_CLIENT_ID.into(),
                    }
                };
                plan.interference.push(Interference {
                    after_requests: rng.range(0, 24),
                    action,
                });
            }
            "fail-publish" => plan.fail_publish_next = rng.range(1, 3) as u32,
            "5xx-after-commit" => {
                plan.commit_then_5xx_rate = rng.range(10, 50) as f64 / 100.0;
            }
            "missing-deps" => plan.missing_dependencies_next = rng.range(1, 3) as u32,
            "user-lock" => plan.interference.push(Interference {
                after_requests: rng.range(0, 24),
                action: InterferenceAction::TakeLockAsUser {
                    flow_id: flow.into(),
                    user_id: genesys_emulator::faults::DEFAULT_LOCK_USER_ID.into(),
                    user_name: genesys_emulator::faults::DEFAULT_LOCK_USER_NAME.into(),
                },
            }),
            _ => unreachable!(),
        }
    }
    if kinds.is_empty() {
        kinds.push("none");
    }
    Mix {
        kinds,
        plan,
        latency_window,
    }
}

/// Opens a latency window past the client's timeout after `step`, closed by a timer.
struct LatencyHook {
    ctrl: EmulatorControl,
    plan: FaultPlan,
    window: Option<(Step, Duration)>,
}

impl Hooks for LatencyHook {
    fn after(&self, step: Step) {
        if let Some((at, dur)) = self.window
            && at == step
        {
            // Only rate-based faults are kept: replacing the plan restarts its counters.
            let mut p = self.plan.clone();
            p.burst_429 = 0;
            p.burst_5xx = 0;
            p.drop_next = 0;
            p.interference.clear();
            p.expire_tokens_after = None;
            p.latency = Duration::from_millis(120);
            self.ctrl.set_faults(p.clone());
            let ctrl = self.ctrl.clone();
            p.latency = Duration::ZERO;
            std::thread::spawn(move || {
                std::thread::sleep(dur);
                ctrl.set_faults(p);
            });
        }
    }
}

fn opts(file: &Path, flow: &str) -> DeployOptions {
    DeployOptions {
        file: file.to_path_buf(),
        flow_id: flow.into(),
        optimize: false,
        dry_run: false,
        force_unlock: false,
        operator: "soak".into(),
        checks: Default::default(),
    }
}

/// What the org looked like before the attempt.
struct Before {
    published: Option<String>,
    versions: Vec<String>,
    records: usize,
}

fn before(ctrl: &EmulatorControl, dir: &Path, flow: &str) -> Before {
    Before {
        published: ctrl.published_version(flow),
        versions: ctrl.versions(flow).into_iter().map(|v| v.id).collect(),
        records: audit_records(dir).len(),
    }
}

/// The invariants after an attempt (and its recover, if one ran). Returns
/// `(published is ours, another client published)`.
fn check(
    tag: &str,
    ctrl: &EmulatorControl,
    dir: &Path,
    flow: &str,
    b: &Before,
    attempts: usize,
) -> (bool, bool) {
    let versions = ctrl.versions(flow);
    let new: Vec<_> = versions
        .iter()
        .filter(|v| !b.versions.contains(&v.id))
        .collect();
    let theirs: Vec<&str> = new
        .iter()
        .filter(|v| v.created_by_client == OTHER_CLIENT_ID)
        .map(|v| v.id.as_str())
        .collect();
    let ours: Vec<&str> = new
        .iter()
        .filter(|v| v.created_by_client == DEFAULT_CLIENT_ID)
        .map(|v| v.id.as_str())
        .collect();
    let published = ctrl.published_version(flow);
    let p = published.as_deref();
    let tag = &format!(
        "{tag} (versions now: {:?})",
        versions
            .iter()
            .map(|v| format!("{}:{}:{}", v.id, v.kind, &v.created_by_client[..8]))
            .collect::<Vec<_>>()
    );
    if let Some(t) = theirs.last() {
        assert_eq!(
            p,
            Some(*t),
            "{tag}: another client published {t}: it must stay published (ours: {ours:?})"
        );
    } else {
        assert!(
            p == b.published.as_deref() || p.is_some_and(|p| ours.contains(&p)),
            "{tag}: published {p:?} is neither the old {:?} nor ours {ours:?}",
            b.published
        );
    }
    assert_ne!(
        ctrl.lock_holder(flow).as_deref(),
        Some(DEFAULT_CLIENT_ID),
        "{tag}: our lock was left behind"
    );
    // `*.json` only: a SIGKILL during an atomic write can leave a `.NAME.tmp-PID` file,
    // which `recover` ignores (the rename never happened).
    let pending: Vec<_> = std::fs::read_dir(dir.join(".flowguard/journal"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert!(
        pending.is_empty(),
        "{tag}: a journal was left behind: {pending:?}"
    );
    let n = flowguard::audit::AuditLog::new(dir.join(".flowguard/audit.jsonl"))
        .verify()
        .unwrap_or_else(|e| panic!("{tag}: audit chain broken at line {}: {}", e.line, e.reason));
    let recs = audit_records(dir);
    assert_eq!(n as usize, recs.len(), "{tag}");
    assert_eq!(
        recs.len() - b.records,
        attempts,
        "{tag}: expected one audit record per attempt"
    );
    (
        p.is_some_and(|p| ours.contains(&p)) && theirs.is_empty(),
        !theirs.is_empty(),
    )
}

fn bump(m: &mut BTreeMap<String, u64>, k: impl Into<String>) {
    *m.entry(k.into()).or_default() += 1;
}

fn fmt_counts(m: &BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `orig.json` (fetched, with a lockfile entry) and a changed `new.json`.
async fn prepare(
    client: &Client,
    ctx: &flowguard::context::Ctx,
    dir: &Path,
    flow: &str,
    tag: &str,
) {
    let d = flowguard::commands::fetch(client, ctx, flow, Some(&dir.join("orig.json"))).await;
    assert_eq!(d.code, 0, "{tag}: fetch: {}", d.text);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("orig.json")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
    write_json(dir, "new.json", &changed(&v, tag));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_deploys_under_random_faults() {
    let seed = env_u64("FLOWGUARD_SOAK_SEED", 9);
    let deploys = env_u64("FLOWGUARD_SOAK_DEPLOYS", 150);
    let started = Instant::now();
    let mut kinds = BTreeMap::new();
    let mut injected = BTreeMap::new();
    let mut outcomes = BTreeMap::new();
    let (mut attempts, mut recovers, mut retries) = (0u64, 0u64, 0u64);
    // `FLOWGUARD_SOAK_ONLY=I` replays iteration I alone (as printed in a failure).
    let only = std::env::var("FLOWGUARD_SOAK_ONLY")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    for i in 0..deploys {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let tag = format!("seed {seed} iteration {i}");
        let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i));
        let flow = *rng.pick(FLOWS);
        let emu = emulator_with(strict(Duration::from_millis(rng.range(1, 15)))).await;
        let dir = tempdir();
        let mix = draw_mix(&mut rng, flow);
        let timeout = if mix.latency_window.is_some() {
            Duration::from_millis(60)
        } else {
            Duration::from_secs(5)
        };
        let client = soak_client(&emu, timeout);
        let ctx = ctx(dir.path());
        prepare(&client, &ctx, dir.path(), flow, &tag).await;
        let ctrl = emu.control();
        let b = before(&ctrl, dir.path(), flow);
        ctrl.clear_request_log();
        ctrl.set_faults(mix.plan.clone());
        let hooks = LatencyHook {
            ctrl: ctrl.clone(),
            plan: mix.plan.clone(),
            window: mix.latency_window,
        };
        let stats0 = client.transport.stats();
        let r = deploy::deploy(
            &client,
            &ctx,
            &opts(&dir.path().join("new.json"), flow),
            &hooks,
        )
        .await;
        if std::env::var_os("FLOWGUARD_SOAK_VERBOSE").is_some() {
            eprintln!("{}", r.text());
        }
        let mut n = 1;
        // Let any latency window close, then stop the faults: what follows is the operator.
        if let Some((_, d)) = mix.latency_window {
            tokio::time::sleep(d).await;
        }
        ctrl.clear_faults();
        for rec in ctrl.request_log() {
            if let Some(f) = rec.fault {
                let k = if f.contains("after commit") {
                    "5xx-after-commit"
                } else if f.contains("429") {
                    "429"
                } else if f.contains("drop") {
                    "dropped"
                } else if f.contains("5") {
                    "5xx"
                } else {
                    f.as_str()
                };
                bump(&mut injected, k);
            }
        }
        let s = client.transport.stats();
        retries += s.retries - stats0.retries;
        let mut outcome = r.outcome.as_str().to_owned();
        // The record of the attempt is the last one, and says what the report says.
        let last = audit_records(dir.path()).pop().unwrap_or_default();
        assert_eq!(last["outcome"], r.outcome.as_str(), "{tag}: {}", r.text());
        assert!(
            last["action"].as_str().unwrap_or("").starts_with("deploy"),
            "{tag}"
        );
        let journal_left = ctx.journal.path_of(flow).exists();
        if r.outcome == Outcome::RollbackFailed || journal_left {
            // The operator runs `recover` once the org answers again (the report says
            // so whenever it leaves a journal).
            let rr = flowguard::recover::recover(&client, &ctx)
                .await
                .unwrap_or_else(|e| panic!("{tag}: recover: {e}"));
            n += rr.recovered.len();
            recovers += 1;
            assert!(
                rr.recovered
                    .iter()
                    .all(|x| x.outcome != Outcome::RollbackFailed),
                "{tag}: recover could not repair: {}",
                rr.recovered.iter().map(|x| x.text()).collect::<String>()
            );
            outcome = format!(
                "{}+recover:{}",
                r.outcome.as_str(),
                rr.recovered.first().map_or("none", |x| x.outcome.as_str())
            );
        }
        let (ours, theirs) = check(&tag, &ctrl, dir.path(), flow, &b, n);
        match r.outcome {
            // Another client may publish after our deploy finished (check() has asserted
            // theirs is then live); otherwise ours is.
            Outcome::Deployed if !theirs => {
                assert!(
                    ours,
                    "{tag}: deployed but our version is not live: {}",
                    r.text()
                );
                assert_eq!(
                    ctrl.published_version(flow),
                    r.new_version,
                    "{tag}: {}",
                    r.text()
                );
            }
            Outcome::RolledBack | Outcome::Failed | Outcome::Refused | Outcome::NoChange => {
                assert!(
                    !ours,
                    "{tag}: {} yet our version is live: {}",
                    outcome,
                    r.text()
                );
                if !theirs {
                    assert_eq!(
                        ctrl.published_version(flow),
                        b.published,
                        "{tag}: {}",
                        r.text()
                    );
                }
            }
            Outcome::Conflict => {
                assert!(
                    !ours,
                    "{tag}: conflict yet our version is live: {}",
                    r.text()
                );
            }
            _ => {}
        }
        attempts += n as u64;
        for k in &mix.kinds {
            bump(&mut kinds, *k);
        }
        bump(&mut outcomes, outcome);
        emu.shutdown().await;
    }
    println!(
        "soak seed={seed} deploys={deploys} audited_attempts={attempts} recovers={recovers} client_retries={retries} elapsed={:.1}s\n  fault kinds drawn: {}\n  faults injected (requests): {}\n  outcomes: {}",
        started.elapsed().as_secs_f64(),
        fmt_counts(&kinds),
        fmt_counts(&injected),
        fmt_counts(&outcomes)
    );
}

fn binary(dir: &Path, base: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowguard"));
    cmd.current_dir(dir)
        .args(args)
        .args(["--api-base", base])
        .env("GENESYSCLOUD_OAUTHCLIENT_ID", DEFAULT_CLIENT_ID)
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", DEFAULT_CLIENT_SECRET)
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYSCLOUD_REGION")
        .env_remove("FLOWGUARD_CRASH_AFTER")
        .env("FLOWGUARD_POLL_MS", "5")
        .env("FLOWGUARD_BACKOFF_BASE_MS", "2")
        .env("FLOWGUARD_MAX_RETRY_AFTER_S", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the binary and kills it (SIGKILL) after `kill_after`, unless it ended first.
/// Returns whether it was killed.
async fn run_maybe_kill(
    mut cmd: std::process::Command,
    kill_after: Option<Duration>,
) -> (bool, i32) {
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            return (false, st.code().unwrap_or(-1));
        }
        if kill_after.is_some_and(|k| start.elapsed() >= k) {
            let _ = child.kill();
            let st = child.wait().unwrap_or_else(|e| panic!("{e}"));
            return (true, st.code().unwrap_or(-1));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn sigkill_at_every_step_then_recover() {
    let seed = env_u64("FLOWGUARD_SOAK_SEED", 9);
    let kills = env_u64("FLOWGUARD_SOAK_KILLS", 16);
    let started = Instant::now();
    let mut outcomes = BTreeMap::new();
    let mut rng = Rng::new(seed ^ 0x5161_4b11);
    // Every step by the crash hook (abort), then seeded SIGKILLs at random moments.
    let runs: Vec<Option<Step>> = STEPS
        .iter()
        .map(|s| Some(*s))
        .chain((0..kills).map(|_| None))
        .collect();
    let (mut killed, mut recover_killed) = (0u64, 0u64);
    for (i, step) in runs.iter().enumerate() {
        let tag = format!(
            "seed {seed} kill-run {i} ({})",
            step.map_or("timed SIGKILL".to_owned(), |s| format!("crash after {s}"))
        );
        let flow = *rng.pick(&FLOWS[..3]);
        let emu = emulator_with(strict(Duration::from_millis(rng.range(5, 40)))).await;
        let dir = tempdir();
        let base = emu.base_url().to_owned();
        let o = flowguard(
            dir.path(),
            &base,
            &["fetch", "--flow", flow, "-o", "orig.json"],
        );
        assert_eq!(code(&o), 0, "{tag}: {}", stderr(&o));
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("orig.json")).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{tag}: {e}"));
        write_json(dir.path(), "new.json", &changed(&v, &tag));
        let ctrl = emu.control();
        let b = before(&ctrl, dir.path(), flow);
        let args = ["deploy", "new.json", "--flow", flow];
        let (was_killed, _) = match step {
            Some(s) => {
                let (_, code) = run_maybe_kill(
                    binary(
                        dir.path(),
                        &base,
                        &args,
                        &[("FLOWGUARD_CRASH_AFTER", s.name())],
                    ),
                    None,
                )
                .await;
                assert_ne!(code, 0, "{tag}: the process should have aborted");
                (true, code)
            }
            None => {
                // Mild faults and a little latency make the deploy last long enough to be
                // killed anywhere in it.
                ctrl.set_faults(FaultPlan {
                    seed: rng.next(),
                    rate_5xx: 0.05,
                    rate_429: 0.05,
                    latency: Duration::from_millis(rng.range(1, 6)),
                    ..FaultPlan::default()
                });
                let at = Duration::from_millis(rng.range(5, 250));
                run_maybe_kill(binary(dir.path(), &base, &args, &[]), Some(at)).await
            }
        };
        ctrl.clear_faults();
        if was_killed {
            killed += 1;
        }
        let deploy_recorded = audit_records(dir.path()).len() - b.records;
        let journal = dir
            .path()
            .join(format!(".flowguard/journal/{flow}.json"))
            .exists();
        // Recover, sometimes killed itself and run again.
        if journal && rng.chance(0.3) {
            let at = Duration::from_millis(rng.range(1, 30));
            let (k, _) =
                run_maybe_kill(binary(dir.path(), &base, &["recover"], &[]), Some(at)).await;
            if k {
                recover_killed += 1;
            }
        }
        let recs_before_recover = audit_records(dir.path()).len();
        let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
        assert!(
            [0, 3, 4].contains(&code(&o)),
            "{tag}: recover: {}",
            stdout(&o)
        );
        let rec_records = audit_records(dir.path()).len() - recs_before_recover;
        let total_new = audit_records(dir.path()).len() - b.records;
        let ours_exist = ctrl
            .versions(flow)
            .iter()
            .any(|v| !b.versions.contains(&v.id));
        if !journal && deploy_recorded == 0 {
            // Killed before the journal's intent: nothing may have been written.
            assert!(
                !ours_exist,
                "{tag}: a version was written without a journal or record"
            );
            assert_eq!(ctrl.published_version(flow), b.published, "{tag}");
        }
        if journal {
            assert!(
                total_new >= 1,
                "{tag}: the interrupted deploy left no record"
            );
        }
        let attempts = total_new;
        let (ours, _) = check(&tag, &ctrl, dir.path(), flow, &b, attempts);
        assert!(rec_records <= 1, "{tag}");
        assert!(!ctrl.operation_running(flow) || !ours, "{tag}");
        let last = audit_records(dir.path())
            .pop()
            .map(|r| r["outcome"].as_str().unwrap_or("").to_owned())
            .unwrap_or_else(|| "none".into());
        bump(
            &mut outcomes,
            format!(
                "{}{}",
                if journal {
                    "journal→"
                } else {
                    "no-journal→"
                },
                last
            ),
        );
        // A new deploy afterwards works (the org and the state are usable).
        let o = flowguard(
            dir.path(),
            &base,
            &["deploy", "new.json", "--flow", flow, "--output", "json"],
        );
        let j = json_out(&o);
        assert!(
            ["deployed", "no-change"].contains(&j["outcome"].as_str().unwrap_or("")),
            "{tag}: redeploy after recover: {j}"
        );
        audit_ok(dir.path());
        emu.shutdown().await;
    }
    println!(
        "sigkill seed={seed} runs={} (crash-after steps={}, timed SIGKILLs={kills}) processes killed={killed} recover killed={recover_killed} elapsed={:.1}s\n  after recover: {}",
        runs.len(),
        STEPS.len(),
        started.elapsed().as_secs_f64(),
        fmt_counts(&outcomes)
    );
}

/// Regression (found by this soak's review of the kill windows): the journal used to be
/// removed before the audit record was written, so a SIGKILL in between left a deployed
/// version with no record and nothing for `recover`. The journal now outlives the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_outlives_the_audit_record() {
    struct AtAudited(std::path::PathBuf, std::path::PathBuf, Mutex<bool>);
    impl Hooks for AtAudited {
        fn after(&self, step: Step) {
            if step == Step::Audited {
                assert!(
                    self.0.exists(),
                    "the journal is gone before the record is written"
                );
                let recs = flowguard::audit::AuditLog::new(&self.1)
                    .records()
                    .unwrap_or_default();
                assert_eq!(
                    recs.last().map(|r| r["outcome"].clone()),
                    Some("deployed".into())
                );
                *self.2.lock().unwrap_or_else(PoisonError::into_inner) = true;
            }
        }
    }
    let emu = emulator().await;
    let dir = tempdir();
    let flow = FLOW_SPANISH_LINE_ID;
    let client = soak_client(&emu, Duration::from_secs(5));
    let ctx = ctx(dir.path());
    prepare(&client, &ctx, dir.path(), flow, "journal-order").await;
    let hook = AtAudited(
        ctx.journal.path_of(flow),
        dir.path().join(".flowguard/audit.jsonl"),
        Mutex::new(false),
    );
    let r = deploy::deploy(
        &client,
        &ctx,
        &opts(&dir.path().join("new.json"), flow),
        &hook,
    )
    .await;
    assert_eq!(r.outcome, Outcome::Deployed, "{}", r.text());
    assert!(
        *hook.2.lock().unwrap_or_else(PoisonError::into_inner),
        "the audited hook ran"
    );
    assert!(
        !ctx.journal.path_of(flow).exists(),
        "the journal is removed after the record"
    );
}

/// Regression: a deploy used to overwrite the journal of an interrupted deploy of the same
/// flow (losing the version to restore and the interrupted attempt's audit record). It is
/// now refused until `flowguard recover` has run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "crash hooks (FLOWGUARD_CRASH_AFTER) exist only in debug builds"
)]
async fn a_pending_journal_blocks_a_new_deploy_until_recover() {
    let emu = emulator().await;
    let dir = tempdir();
    let base = emu.base_url().to_owned();
    let flow = FLOW_SPANISH_LINE_ID;
    let o = flowguard(
        dir.path(),
        &base,
        &["fetch", "--flow", flow, "-o", "orig.json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("orig.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    write_json(dir.path(), "new.json", &changed(&v, "pending"));
    let args = ["deploy", "new.json", "--flow", flow, "--output", "json"];
    let o = flowguard_env(
        dir.path(),
        &base,
        &args,
        &[("FLOWGUARD_CRASH_AFTER", "published")],
    );
    assert_ne!(code(&o), 0);
    let journal = dir.path().join(format!(".flowguard/journal/{flow}.json"));
    let pending = std::fs::read_to_string(&journal).unwrap_or_default();
    assert!(!pending.is_empty(), "the crash left a journal");
    // Another change (the same file would be a no-change: our version is live).
    write_json(dir.path(), "new2.json", &changed(&v, "pending-2"));
    let args2 = ["deploy", "new2.json", "--flow", flow, "--output", "json"];
    let o = flowguard(dir.path(), &base, &args2);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let j = json_out(&o);
    assert_eq!(j["outcome"], "failed");
    assert!(j.to_string().contains("flowguard recover"), "{j}");
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap_or_default(),
        pending,
        "the pending journal is untouched"
    );
    let o = flowguard(dir.path(), &base, &["recover", "--output", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(!journal.exists());
    let o = flowguard(dir.path(), &base, &args2);
    assert_eq!(json_out(&o)["outcome"], "deployed", "{}", stdout(&o));
    let recs = audit_records(dir.path());
    let actions: Vec<_> = recs
        .iter()
        .map(|r| r["action"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(actions, ["deploy", "recover", "deploy"], "{recs:?}");
    audit_ok(dir.path());
}
