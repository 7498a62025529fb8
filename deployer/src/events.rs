//! CloudEvents export of audit records to a webhook. The audit log is the source of
//! truth: a cursor file records how far delivery got, so a failed export loses nothing
//! and `flowguard audit export` sends what is pending.

use std::time::Duration;

use crate::audit::{AuditLog, cloudevent};
use crate::genesys::region::check_scheme;

/// Sends every record after the cursor, in order; returns how many were sent.
pub async fn export_pending(log: &AuditLog, url: &str) -> Result<usize, String> {
    check_scheme(url)?;
    let records = log.records()?;
    let done = log.exported_through();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let base = crate::genesys::transport::env_u64("FLOWGUARD_BACKOFF_BASE_MS").unwrap_or(250);
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
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let res = http
                .post(url)
                .header("Content-Type", "application/cloudevents+json")
                .json(&body)
                .send()
                .await;
            match res {
                Ok(resp) if resp.status().is_success() => break,
                Ok(resp) if attempt >= 3 => {
                    return Err(format!(
                        "webhook answered {} for event seq {seq}",
                        resp.status()
                    ));
                }
                Err(e) if attempt >= 3 => {
                    return Err(format!("webhook unreachable for event seq {seq}: {e}"));
                }
                _ => {
                    tokio::time::sleep(Duration::from_millis(base.saturating_mul(1 << attempt)))
                        .await
                }
            }
        }
        log.set_exported_through(seq)?;
        sent += 1;
    }
    Ok(sent)
}
