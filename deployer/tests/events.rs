//! The event export retries with the one retry primitive: 5xx backs off on the given
//! clock (instantly with a fake one), other 4xx are not retried.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use common::FakeClock;
use flowguard::audit::{AuditLog, Event};
use flowguard::genesys::RetryPolicy;

/// A webhook on loopback answering `statuses` in turn (then 200); counts requests.
async fn webhook(statuses: Vec<u16>) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let c = c.clone();
            let statuses = statuses.clone();
            async move {
                let n = c.fetch_add(1, Ordering::SeqCst);
                StatusCode::from_u16(statuses.get(n).copied().unwrap_or(200))
                    .unwrap_or(StatusCode::OK)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), count)
}

fn log_with_one_record(dir: &std::path::Path) -> AuditLog {
    let log = AuditLog::new(dir.join("audit.jsonl"));
    log.append(&Event::new("flow-1", "deploy", "deployed"))
        .unwrap_or_else(|e| panic!("{e}"));
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_back_off_on_the_given_clock() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = log_with_one_record(dir.path());
    let (url, count) = webhook(vec![503, 502]).await;
    let clock = FakeClock::default();
    let sent = flowguard::events::export_pending(&log, &url, &clock, &RetryPolicy::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, 1);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let sleeps = clock.sleeps();
    assert_eq!(
        sleeps.len(),
        2,
        "two backoffs on the fake clock: {sleeps:?}"
    );
    assert!(sleeps.iter().all(|d| !d.is_zero()), "{sleeps:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_not_retried() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = log_with_one_record(dir.path());
    let (url, count) = webhook(vec![400]).await;
    let clock = FakeClock::default();
    let r = flowguard::events::export_pending(&log, &url, &clock, &RetryPolicy::default()).await;
    assert!(r.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1, "a 400 is not retried");
    assert!(clock.sleeps().is_empty());
    assert_eq!(log.exported_through(), 0, "the event stays pending");
}
