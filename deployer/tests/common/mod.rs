//! Shared test harness: an in-process emulator and the `flowguard` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use flowguard::context::{Ctx, Progress, StateArgs};
use flowguard::genesys::api::PollPolicy;
use flowguard::genesys::{
    Client, Clock, Credentials, Endpoints, RetryPolicy, Secret, SystemClock, Transport,
};
use genesys_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, RunningEmulator,
};
use serde_json::Value;

#[allow(unused_imports)]
pub use genesys_emulator::seed::{FLOW_LOOP_LINE_ID, FLOW_SPANISH_LINE_ID};

pub async fn emulator() -> RunningEmulator {
    emulator_with(EmulatorConfig {
        operation_delay: Duration::from_millis(20),
        ..EmulatorConfig::default()
    })
    .await
}

pub async fn emulator_with(cfg: EmulatorConfig) -> RunningEmulator {
    Emulator::start(cfg)
        .await
        .unwrap_or_else(|e| panic!("emulator: {e}"))
}

/// A client with real time but short backoff.
pub fn client(emu: &RunningEmulator) -> Client {
    let policy = RetryPolicy {
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let t = Transport::new(
        Endpoints::from_api_base(emu.base_url(), None).unwrap_or_else(|e| panic!("{e}")),
        Credentials {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
        },
        Arc::new(SystemClock),
        policy,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Client::new(t)
}

/// A client whose waits are instant (fake clock).
pub fn fake_clock_client(emu: &RunningEmulator) -> (Client, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock::default());
    let t = Transport::new(
        Endpoints::from_api_base(emu.base_url(), None).unwrap_or_else(|e| panic!("{e}")),
        Credentials {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
        },
        clock.clone(),
        RetryPolicy::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (Client::new(t), clock)
}

pub fn ctx(dir: &Path) -> Ctx {
    let state = StateArgs {
        state_dir: dir.join(".flowguard"),
        lockfile: dir.join("flowguard.lock"),
        ..StateArgs::default()
    };
    let mut c = Ctx::new(&state);
    c.progress = Progress::off();
    c.poll = PollPolicy {
        first: Duration::from_millis(5),
        max_interval: Duration::from_millis(40),
        timeout: Duration::from_secs(20),
    };
    c
}

/// Runs the binary in `dir` against the emulator.
pub fn flowguard(dir: &Path, base_url: &str, args: &[&str]) -> Output {
    flowguard_env(dir, base_url, args, &[])
}

pub fn flowguard_env(dir: &Path, base_url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flowguard"));
    cmd.current_dir(dir)
        .args(args)
        .env("GENESYSCLOUD_OAUTHCLIENT_ID", DEFAULT_CLIENT_ID)
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", DEFAULT_CLIENT_SECRET)
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYSCLOUD_REGION")
        .env("FLOWGUARD_POLL_MS", "5")
        .env("FLOWGUARD_BACKOFF_BASE_MS", "2")
        .env("FLOWGUARD_MAX_RETRY_AFTER_S", "1");
    if !args.contains(&"validate") && !args.contains(&"audit") && !args.contains(&"demo") {
        cmd.args(["--api-base", base_url]);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run flowguard: {e}"))
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

/// Writes `v` as a pretty JSON file and returns its path.
pub fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    p
}

/// The configuration with one more action name changed (a real, non-graph change).
pub fn changed(config: &Value, marker: &str) -> Value {
    let mut c = config.clone();
    c["description"] = Value::String(format!("changed by test: {marker}"));
    c
}

/// The audit log records of a test directory.
pub fn audit_records(dir: &Path) -> Vec<Value> {
    flowguard::audit::AuditLog::new(dir.join(".flowguard/audit.jsonl"))
        .records()
        .unwrap_or_default()
}

pub fn audit_ok(dir: &Path) -> u64 {
    flowguard::audit::AuditLog::new(dir.join(".flowguard/audit.jsonl"))
        .verify()
        .unwrap_or_else(|e| panic!("audit chain broken at line {}: {}", e.line, e.reason))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// Crash and pause hooks for deploy tests: runs the closure after every step.
pub struct At<F: Fn(flowguard::step::Step) + Send + Sync>(pub F);
impl<F: Fn(flowguard::step::Step) + Send + Sync> flowguard::deploy::Hooks for At<F> {
    fn after(&self, step: flowguard::step::Step) {
        (self.0)(step)
    }
}

/// Deploy options for `file` to the seeded Spanish line flow, as an operator would give them.
pub fn opts(file: &Path) -> flowguard::deploy::DeployOptions {
    flowguard::deploy::DeployOptions {
        file: file.to_path_buf(),
        flow_id: FLOW_SPANISH_LINE_ID.into(),
        optimize: false,
        dry_run: false,
        force_unlock: false,
        operator: "tester".into(),
        checks: Default::default(),
    }
}

/// Test-only (not shipped in the library): a clock whose sleeps return at once and advance its time; it records every wait.
#[derive(Debug)]
pub struct FakeClock {
    start: Instant,
    offset: Mutex<Duration>,
    slept: Mutex<Vec<Duration>>,
}

impl Default for FakeClock {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
            slept: Mutex::new(Vec::new()),
        }
    }
}

impl FakeClock {
    /// Every wait so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn sleep(
        &self,
        d: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner) += d;
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(d);
        Box::pin(tokio::task::yield_now())
    }
}
