//! The `genesys-emulator` binary: base URL on the first line, default client
//! in `--help`, loopback only, clean exit on SIGTERM.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use genesys_emulator::config::DEFAULT_CLIENT_SPEC;

const BIN: &str = env!("CARGO_BIN_EXE_genesys-emulator");

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Running(child), line.trim().to_owned())
}

#[test]
fn help_shows_the_default_client() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains(&format!("[default: {DEFAULT_CLIENT_SPEC}]")),
        "{help}"
    );
}

#[test]
fn refuses_non_loopback_addresses() {
    let out = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn rejects_bad_fault_specs() {
    let out = Command::new(BIN)
        .args(["--faults", "429=7"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn serves_on_the_printed_base_url() {
    let (_child, base) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--client",
        "me:pw",
        "--rate-limit",
        "50/min",
    ]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let (status, _) = common::token_response(
        &base,
        genesys_emulator::DEFAULT_CLIENT_ID,
        "emulator-secret",
    )
    .await;
    assert_eq!(status, 401, "--client replaces the default client");
    let api = common::Api::login(&base, "me", "pw").await;
    let r = api.get("/api/v2/flows").await;
    assert_eq!(r.body["total"], 5);
    assert_eq!(r.header("inin-ratelimit-allowed"), Some("50"));
}

#[tokio::test]
async fn empty_seed_and_faults_from_the_command_line() {
    let (_child, base) = spawn(&["--seed", "empty", "--faults", "seed=1,429-next=1"]);
    let api = common::Api::login(
        &base,
        genesys_emulator::DEFAULT_CLIENT_ID,
        "emulator-secret",
    )
    .await;
    api.get("/api/v2/flows")
        .await
        .assert_error(429, "too.many.requests");
    assert_eq!(api.get("/api/v2/flows").await.body["total"], 0);
}

#[cfg(unix)]
#[test]
fn exits_cleanly_on_sigterm() {
    let (mut child, _base) = spawn(&[]);
    let pid = child.0.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}
