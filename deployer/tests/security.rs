//! Security (issue 9): a canary client secret and the access tokens the org issued never
//! appear in stdout, stderr (`-v`), the audit log, the journal, the lockfile or events, on
//! success and failure paths (5xx exhaustion, expired tokens, bad credentials, crash +
//! recover); plain HTTP off loopback is refused before any network IO; every kind of
//! audit log tampering is detected.
//!
//! The tokens are captured by a recording proxy on loopback between the binary and the
//! emulator (the emulator never shows them).

mod common;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use common::*;
use flowguard::audit::{AuditLog, Event};
use genesys_emulator::{ClientConfig, EmulatorConfig, FaultPlan};
use serde_json::Value;

const FLOW: &str = FLOW_SPANISH_LINE_ID;
const CANARY_ID: &str = "canary-client";
const CANARY: &str = "canary-Secret-7d41e0b9";

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    tokens: Arc<Mutex<Vec<String>>>,
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 24)
        .await
        .unwrap_or_default();
    let mut tokens = Vec::new();
    if let Some(t) = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        tokens.push(t.to_owned());
    }
    let url = format!(
        "{}{}",
        p.upstream,
        parts.uri.path_and_query().map_or("/", |x| x.as_str())
    );
    let mut rb = p.http.request(parts.method.clone(), url).body(bytes);
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            rb = rb.header(k, v);
        }
    }
    let out = match rb.send().await {
        Ok(resp) => {
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            if let Ok(v) = serde_json::from_slice::<Value>(&body)
                && let Some(t) = v["access_token"].as_str()
            {
                tokens.push(t.to_owned());
            }
            let mut r = Response::new(Body::from(body));
            *r.status_mut() = status;
            for (k, v) in &headers {
                if k != "content-length" && k != "transfer-encoding" && k != "connection" {
                    r.headers_mut().insert(k, v.clone());
                }
            }
            r
        }
        Err(_) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = axum::http::StatusCode::BAD_GATEWAY;
            r
        }
    };
    p.tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(tokens);
    out
}

async fn start_proxy(upstream: &str) -> (String, Arc<Mutex<Vec<String>>>) {
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let p = Proxy {
        upstream: upstream.to_owned(),
        http: reqwest::Client::new(),
        tokens: tokens.clone(),
    };
    let app = axum::Router::new().fallback(forward).with_state(p);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, tokens)
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_secret_and_tokens_never_leak_on_any_path() {
    let emu = emulator_with(EmulatorConfig {
        clients: vec![ClientConfig::new(CANARY_ID, CANARY)],
        operation_delay: Duration::from_millis(10),
        ..EmulatorConfig::default()
    })
    .await;
    let (base, tokens) = start_proxy(emu.base_url()).await;
    let dir = tempdir();
    let d = dir.path();
    let env = [
        ("GENESYSCLOUD_OAUTHCLIENT_ID", CANARY_ID),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", CANARY),
    ];
    let mut all = String::new();
    let mut run = |args: &[&str], extra: &[(&str, &str)]| {
        let mut e = env.to_vec();
        e.extend_from_slice(extra);
        let o = flowguard_env(d, &base, args, &e);
        all.push_str(&stdout(&o));
        all.push_str(&stderr(&o));
        code(&o)
    };
    // Success path.
    assert_eq!(
        run(&["fetch", "--flow", FLOW, "-o", "orig.json", "-v"], &[]),
        0
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("orig.json")).unwrap_or_default())
            .unwrap_or_default();
    write_json(d, "new.json", &changed(&v, "a"));
    write_json(d, "new2.json", &changed(&v, "b"));
    write_json(d, "new3.json", &changed(&v, "c"));
    let deploy = |f: &'static str| -> Vec<&'static str> {
        vec!["deploy", f, "--flow", FLOW, "-v", "--output", "json"]
    };
    assert_eq!(run(&deploy("new.json"), &[]), 0);
    // Tokens expire mid-deploy (401 credentials.expired, then a new token).
    emu.set_faults(FaultPlan {
        expire_tokens_after: Some(3),
        ..FaultPlan::default()
    });
    assert_eq!(run(&deploy("new2.json"), &[]), 0);
    // 5xx until the retries are exhausted: a failure path.
    emu.set_faults(FaultPlan {
        burst_5xx: 1000,
        ..FaultPlan::default()
    });
    assert_ne!(run(&deploy("new3.json"), &[]), 0);
    emu.clear_faults();
    // Crash after checkin, then recover (crash hooks exist only in debug builds).
    if cfg!(debug_assertions) {
        assert_ne!(
            run(
                &deploy("new3.json"),
                &[("FLOWGUARD_CRASH_AFTER", "checked-in")]
            ),
            0
        );
        // 0 (finished) or 4 (undone: rolled back).
        assert!([0, 4].contains(&run(&["recover", "-v", "--output", "json"], &[])));
    }
    // Bad credentials: 401 from the token endpoint.
    assert_eq!(
        run(
            &["fetch", "--flow", FLOW, "-v"],
            &[("GENESYSCLOUD_OAUTHCLIENT_SECRET", "canary-Secret-WRONG-1")]
        ),
        2
    );
    // Rollback, and the audit commands.
    assert_eq!(run(&["rollback", "--flow", FLOW, "-v"], &[]), 0);
    assert_eq!(run(&["audit", "show", "--output", "json"], &[]), 0);
    assert_eq!(run(&["audit", "verify"], &[]), 0);
    for f in walk(d) {
        all.push_str(&String::from_utf8_lossy(
            &std::fs::read(&f).unwrap_or_default(),
        ));
    }
    let tokens = tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(
        tokens.len() >= 2,
        "the proxy saw the tokens it must look for: {tokens:?}"
    );
    assert!(!all.contains(CANARY), "the secret leaked");
    assert!(
        !all.contains("canary-Secret-WRONG-1"),
        "the wrong secret leaked"
    );
    for t in &tokens {
        assert!(!all.contains(t.as_str()), "an access token leaked");
    }
    // The audit log and the journal directory were looked at.
    assert!(
        all.contains("correlation id"),
        "verbose output was captured"
    );
    assert!(d.join(".flowguard/audit.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_off_loopback_is_refused_before_any_network_io() {
    let dir = tempdir();
    // 10.255.255.1 is unroutable: any connection attempt would hang, not fail fast.
    for base in [
        "http://example.com",
        "http://10.255.255.1:9",
        "http://192.168.0.1",
    ] {
        let t = Instant::now();
        let o = flowguard(dir.path(), base, &["fetch", "--flow", FLOW]);
        assert_eq!(code(&o), 2, "{base}: {}", stderr(&o));
        assert!(stderr(&o).contains("HTTPS"), "{base}: {}", stderr(&o));
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{base}: refused only after {:?}",
            t.elapsed()
        );
    }
    // Loopback plain HTTP stays allowed (the emulator).
    let emu = emulator().await;
    let o = flowguard(dir.path(), emu.base_url(), &["fetch", "--flow", FLOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

fn sample_log(dir: &std::path::Path) -> std::path::PathBuf {
    let log = AuditLog::new(dir.join(".flowguard/audit.jsonl"));
    for (i, outcome) in ["deployed", "rolled-back", "conflict", "deployed"]
        .iter()
        .enumerate()
    {
        let mut ev = Event::new(FLOW, "deploy", outcome);
        ev.audit_trail.operator_id = format!("alice-{i}");
        ev.audit_trail.new_version = Some(format!("{}.0", i + 2));
        log.append(&ev).unwrap_or_else(|e| panic!("{e}"));
    }
    log.path
}

#[test]
fn every_kind_of_audit_tampering_is_detected() {
    type Tamper = fn(&[&str]) -> String;
    let cases: [(&str, Tamper); 6] = [
        ("edit a field", |l| {
            l.join("\n").replacen("alice-1", "mallory", 1) + "\n"
        }),
        ("delete a line", |l| {
            let mut v = l.to_vec();
            v.remove(1);
            v.join("\n") + "\n"
        }),
        ("reorder two lines", |l| {
            let mut v = l.to_vec();
            v.swap(1, 2);
            v.join("\n") + "\n"
        }),
        ("truncate the last record", |l| {
            l[..l.len() - 1].join("\n") + "\n"
        }),
        ("cut mid-line", |l| {
            let s = l.join("\n");
            s[..s.len() - 20].to_owned()
        }),
        ("append a forged record", |l| {
            let mut v: Vec<String> = l.iter().map(|s| (*s).to_owned()).collect();
            v.push(l[l.len() - 1].replace("alice-3", "mallory"));
            v.join("\n") + "\n"
        }),
    ];
    for (what, tamper) in cases {
        let dir = tempdir();
        let path = sample_log(dir.path());
        let o = flowguard(dir.path(), "", &["audit", "verify"]);
        assert_eq!(code(&o), 0, "{what}: intact log: {}", stdout(&o));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, tamper(&lines)).unwrap_or_else(|e| panic!("{e}"));
        let o = flowguard(dir.path(), "", &["audit", "verify", "--output", "json"]);
        assert_eq!(code(&o), 3, "{what}: not detected: {}", stdout(&o));
        assert!(
            json_out(&o)["first_bad_line"].as_u64().is_some(),
            "{what}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn credentials_debug_and_errors_are_redacted() {
    use flowguard::genesys::{Credentials, Secret};
    let c = Credentials {
        client_id: "id".into(),
        client_secret: Secret::new(CANARY),
    };
    let shown = format!("{c:?} {c:#?} {}", c.client_secret);
    assert!(!shown.contains(CANARY), "{shown}");
    let t = flowguard::genesys::Transport::new(
        flowguard::genesys::Endpoints::from_api_base("http://127.0.0.1:9", None)
            .unwrap_or_else(|e| panic!("{e}")),
        c,
        Arc::new(flowguard::genesys::SystemClock),
        flowguard::genesys::RetryPolicy::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let shown = format!("{t:?}");
    assert!(!shown.contains(CANARY), "{shown}");
}
