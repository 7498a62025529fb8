//! CloudEvents export of audit records to a webhook. The audit log is the source of
//! truth: a cursor file records how far delivery got, so a failed export loses nothing
//! and `flowguard audit export` sends what is pending.

use std::time::{Duration, SystemTime};

use crate::audit::{AuditLog, cloudevent};
use crate::genesys::region::check_scheme;
use crate::genesys::retry::{Failure, Retrier};
use crate::genesys::transport::{Clock, RetryPolicy, parse_retry_after};

/// Sends every record after the cursor, in order; returns how many were sent. Retries
/// with the one retry primitive ([`Retrier`]): 429 waits `Retry-After`, 5xx and no
/// answer back off with jitter, other 4xx are not retried; waits go through `clock`.
pub async fn export_pending(
    log: &AuditLog,
    url: &str,
    clock: &dyn Clock,
    policy: &RetryPolicy,
) -> Result<usize, String> {
    check_scheme(url)?;
    let records = log.records()?;
    let done = log.exported_through();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let mut sent = 0;
    for r in records {
        let seq = r
            .get("seq")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if seq <= done {
            continue;
        }
        let body = cloudevent(&r);
        let mut retrier = Retrier::new(policy);
        loop {
            let res = http
                .post(url)
                .header("Content-Type", "application/cloudevents+json")
                .json(&body)
                .send()
                .await;
            let (failure, what) = match res {
                Ok(resp) if resp.status().is_success() => break,
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let failure = if status == 429 {
                        Failure::RateLimited(
                            resp.headers()
                                .get("retry-after")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| parse_retry_after(v, SystemTime::now())),
                        )
                    } else if status >= 500 && status != 501 {
                        Failure::Transient
                    } else {
                        Failure::Permanent
                    };
                    (
                        failure,
                        format!("webhook answered {} for event seq {seq}", resp.status()),
                    )
                }
                Err(e) => (
                    Failure::Transient,
                    format!("webhook unreachable for event seq {seq}: {e}"),
                ),
            };
            match retrier.next_wait(failure) {
                Some(wait) => clock.sleep(wait).await,
                None => return Err(what),
            }
        }
        log.set_exported_through(seq)?;
        sent += 1;
    }
    Ok(sent)
}
