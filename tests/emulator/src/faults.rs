//! Injected faults for the deployer's resilience tests.
//!
//! A [`FaultPlan`] is pure data. Whether API request number *k* (counted from
//! the moment the plan was installed) gets a fault is a function of
//! `(seed, k)` only, so the same request sequence always meets the same faults.
//! Faults apply to `/api/v2/...` requests only; the token endpoint, the
//! emulator's upload/download URLs and `/__emulator/` are never faulted.

use std::str::FromStr;
use std::time::Duration;

use crate::config::{OTHER_CLIENT_ID, parse_duration};
use crate::ids::splitmix64;

/// Something another OAuth client does to a flow, as if racing the client
/// under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterferenceAction {
    /// `client_id` checks the flow out (fails silently if it cannot).
    TakeLock { flow_id: String, client_id: String },
    /// `client_id` saves a new version (a copy of the latest configuration)
    /// and publishes it.
    PublishNewVersion { flow_id: String, client_id: String },
    /// A person (`user_id`, shown as `user_name`) opens the flow for editing in
    /// the Architect UI: the lock shows as `lockedUser`.
    TakeLockAsUser {
        flow_id: String,
        user_id: String,
        user_name: String,
    },
}

/// The person of `user-lock` faults.
pub const DEFAULT_LOCK_USER_ID: &str = "8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e5f";
pub const DEFAULT_LOCK_USER_NAME: &str = "Dana Reyes";

/// An interference that fires once, after `after_requests` API requests
/// (i.e. between request `after_requests` and the next one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interference {
    pub after_requests: u64,
    pub action: InterferenceAction,
}

/// What goes wrong, and when. All rates are probabilities in `0.0..=1.0`
/// drawn per request from the seed; the `*_next` counters hit the very next
/// requests first.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    pub seed: u64,
    /// The next N API requests get 429 `too.many.requests`.
    pub burst_429: u32,
    /// Probability of a 429 on any API request.
    pub rate_429: f64,
    /// `Retry-After` (seconds) on injected 429s.
    pub retry_after_secs: u64,
    /// The next N API requests get a 5xx (500, 503 or 504).
    pub burst_5xx: u32,
    /// Probability of a 5xx on any API request.
    pub rate_5xx: f64,
    /// Added before every API request is handled.
    pub latency: Duration,
    /// The next N API requests are processed, then their response is cut off
    /// half-way and the connection closed.
    pub drop_next: u32,
    /// Probability of such a dropped response.
    pub drop_rate: f64,
    /// After this many API requests every issued token expires (once).
    pub expire_tokens_after: Option<u64>,
    /// The next N publish operations end in `FAILURE` (nothing is published).
    pub fail_publish_next: u32,
    /// The next N writes (any method but GET) are carried out, then answered
    /// with a 5xx, as when the platform committed but the answer was lost.
    pub commit_then_5xx_next: u32,
    /// Probability of that on any write.
    pub commit_then_5xx_rate: f64,
    /// The next N publish requests are refused with 409
    /// `architect.flow.cannot.publish.missing.dependencies`.
    pub missing_dependencies_next: u32,
    /// The next N export jobs fail with Archy's rate-limit symptom ("Could not
    /// find the flow with id … exit code 107", TF PR #2214).
    pub export_rate_limited_next: u32,
    /// The next N export jobs fail with a plain error message.
    pub fail_export_next: u32,
    pub interference: Vec<Interference>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self {
            seed: 0,
            burst_429: 0,
            rate_429: 0.0,
            retry_after_secs: 1,
            burst_5xx: 0,
            rate_5xx: 0.0,
            latency: Duration::ZERO,
            drop_next: 0,
            drop_rate: 0.0,
            expire_tokens_after: None,
            fail_publish_next: 0,
            commit_then_5xx_next: 0,
            commit_then_5xx_rate: 0.0,
            missing_dependencies_next: 0,
            export_rate_limited_next: 0,
            fail_export_next: 0,
            interference: Vec::new(),
        }
    }
}

impl FaultPlan {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses the `--faults` spec, see [`FromStr`].
    pub fn parse(spec: &str) -> Result<Self, String> {
        spec.parse()
    }
}

/// Spec syntax: comma-separated `key=value` items, e.g.
/// `seed=42,429=0.1,5xx=0.05,latency=50ms,drop=0.02`.
///
/// | key | value |
/// |---|---|
/// | `seed` | u64 |
/// | `429` / `5xx` / `drop` | probability 0..1 |
/// | `429-next` / `5xx-next` / `drop-next` | count of next requests |
/// | `retry-after` | seconds on injected 429s |
/// | `latency` | duration (`50ms`, `1s`) |
/// | `expire-after` | request count, then all tokens expire |
/// | `fail-publish` | count: the next N publish operations end in `FAILURE` |
/// | `steal` | `FLOW_ID@N[@CLIENT_ID]`: another client checks out the flow after N requests |
/// | `publish` | `FLOW_ID@N[@CLIENT_ID]`: another client publishes a new version after N requests |
impl FromStr for FaultPlan {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut plan = FaultPlan::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("fault `{item}` must be key=value"))?;
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "seed" => plan.seed = parse_num(&key, value)?,
                "429" => plan.rate_429 = parse_prob(&key, value)?,
                "5xx" => plan.rate_5xx = parse_prob(&key, value)?,
                "drop" => plan.drop_rate = parse_prob(&key, value)?,
                "429-next" => plan.burst_429 = parse_num(&key, value)?,
                "5xx-next" => plan.burst_5xx = parse_num(&key, value)?,
                "drop-next" => plan.drop_next = parse_num(&key, value)?,
                "retry-after" => plan.retry_after_secs = parse_num(&key, value)?,
                "latency" => plan.latency = parse_duration(value)?,
                "expire-after" => plan.expire_tokens_after = Some(parse_num(&key, value)?),
                "fail-publish" => plan.fail_publish_next = parse_num(&key, value)?,
                "5xx-after-commit-next" => plan.commit_then_5xx_next = parse_num(&key, value)?,
                "5xx-after-commit" => plan.commit_then_5xx_rate = parse_prob(&key, value)?,
                "missing-deps" => plan.missing_dependencies_next = parse_num(&key, value)?,
                "export-107" => plan.export_rate_limited_next = parse_num(&key, value)?,
                "fail-export" => plan.fail_export_next = parse_num(&key, value)?,
                "user-lock" => {
                    let mut parts = value.split('@');
                    let flow_id = parts.next().unwrap_or_default().to_owned();
                    let after: u64 = parse_num(&key, parts.next().unwrap_or_default())?;
                    if flow_id.is_empty() {
                        return Err(format!("fault `{item}` must be user-lock=FLOW_ID@N"));
                    }
                    plan.interference.push(Interference {
                        after_requests: after,
                        action: InterferenceAction::TakeLockAsUser {
                            flow_id,
                            user_id: DEFAULT_LOCK_USER_ID.to_owned(),
                            user_name: DEFAULT_LOCK_USER_NAME.to_owned(),
                        },
                    });
                }
                "steal" | "publish" => {
                    let mut parts = value.split('@');
                    let flow_id = parts.next().unwrap_or_default().to_owned();
                    let after: u64 = parse_num(&key, parts.next().unwrap_or_default())?;
                    let client_id = parts.next().unwrap_or(OTHER_CLIENT_ID).to_owned();
                    if flow_id.is_empty() {
                        return Err(format!(
                            "fault `{item}` must be {key}=FLOW_ID@N[@CLIENT_ID]"
                        ));
                    }
                    let action = if key == "steal" {
                        InterferenceAction::TakeLock { flow_id, client_id }
                    } else {
                        InterferenceAction::PublishNewVersion { flow_id, client_id }
                    };
                    plan.interference.push(Interference {
                        after_requests: after,
                        action,
                    });
                }
                other => return Err(format!("unknown fault `{other}`")),
            }
        }
        Ok(plan)
    }
}

fn parse_num<T: FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("fault `{key}` needs a whole number, got `{v}`"))
}

fn parse_prob(key: &str, v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "fault `{key}` needs a probability between 0 and 1, got `{v}`"
        )),
    }
}

/// What happens to one API request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultDecision {
    pub latency: Duration,
    /// Answer with this status instead of handling the request.
    pub reject: Option<u16>,
    pub retry_after_secs: u64,
    /// Handle the request, then cut the response off.
    pub drop: bool,
    /// Handle the request (a write), then answer with this 5xx instead.
    pub after_commit: Option<u16>,
    pub expire_tokens: bool,
    pub interference: Vec<InterferenceAction>,
}

impl FaultDecision {
    /// A short label for the request log.
    pub fn label(&self) -> Option<String> {
        match (self.reject, self.drop, self.after_commit) {
            (Some(s), _, _) => Some(format!("injected {s}")),
            (None, true, _) => Some("dropped".to_owned()),
            (None, false, Some(s)) => Some(format!("injected {s} after commit")),
            _ => None,
        }
    }
}

/// The installed plan plus what it has used up.
#[derive(Debug, Clone, Default)]
pub struct FaultState {
    plan: FaultPlan,
    requests: u64,
    burst_429_left: u32,
    burst_5xx_left: u32,
    drop_left: u32,
    fail_publish_left: u32,
    commit_5xx_left: u32,
    missing_deps_left: u32,
    export_107_left: u32,
    fail_export_left: u32,
    writes: u64,
    expired: bool,
    fired: Vec<bool>,
}

impl FaultState {
    pub fn new(plan: FaultPlan) -> Self {
        Self {
            requests: 0,
            burst_429_left: plan.burst_429,
            burst_5xx_left: plan.burst_5xx,
            drop_left: plan.drop_next,
            fail_publish_left: plan.fail_publish_next,
            commit_5xx_left: plan.commit_then_5xx_next,
            missing_deps_left: plan.missing_dependencies_next,
            export_107_left: plan.export_rate_limited_next,
            fail_export_left: plan.fail_export_next,
            writes: 0,
            expired: false,
            fired: vec![false; plan.interference.len()],
            plan,
        }
    }

    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Whether the publish being started must fail (uses one `fail-publish`).
    pub fn take_publish_failure(&mut self) -> bool {
        if self.fail_publish_left > 0 {
            self.fail_publish_left -= 1;
            true
        } else {
            false
        }
    }

    /// The injected failure message of the export job being finished, if any
    /// (`export-107` first, then `fail-export`).
    pub fn take_export_failure(&mut self, flow: &str) -> Option<String> {
        if self.export_107_left > 0 {
            self.export_107_left -= 1;
            Some(format!(
                "Could not find the flow with id '{flow}'. Archy exited with exit code 107 (fault injected by the emulator)."
            ))
        } else if self.fail_export_left > 0 {
            self.fail_export_left -= 1;
            Some("The export failed (fault injected by the emulator).".to_owned())
        } else {
            None
        }
    }

    /// Whether the publish being requested is refused for missing dependencies.
    pub fn take_missing_dependencies(&mut self) -> bool {
        if self.missing_deps_left > 0 {
            self.missing_deps_left -= 1;
            true
        } else {
            false
        }
    }

    /// Decides the fate of the next API request; `write` for any method but GET
    /// (only writes meet `5xx-after-commit`).
    pub fn decide_for(&mut self, write: bool) -> FaultDecision {
        let mut d = self.decide();
        if write && d.reject.is_none() && !d.drop {
            let index = self.writes;
            self.writes += 1;
            let seed = self.plan.seed;
            if self.commit_5xx_left > 0 {
                self.commit_5xx_left -= 1;
                d.after_commit = Some(pick_5xx(seed, index));
            } else if unit(seed, index, 5) < self.plan.commit_then_5xx_rate {
                d.after_commit = Some(pick_5xx(seed, index));
            }
        }
        d
    }

    /// Decides the fate of the next API request (a read).
    pub fn decide(&mut self) -> FaultDecision {
        let index = self.requests;
        self.requests += 1;
        let mut d = FaultDecision {
            latency: self.plan.latency,
            retry_after_secs: self.plan.retry_after_secs,
            ..FaultDecision::default()
        };
        // Interference and expiry happen "between" requests `index` and `index + 1`.
        for (i, inter) in self.plan.interference.iter().enumerate() {
            if !self.fired[i] && index >= inter.after_requests {
                self.fired[i] = true;
                d.interference.push(inter.action.clone());
            }
        }
        if let Some(n) = self.plan.expire_tokens_after
            && !self.expired
            && index >= n
        {
            self.expired = true;
            d.expire_tokens = true;
        }
        let seed = self.plan.seed;
        if self.burst_429_left > 0 {
            self.burst_429_left -= 1;
            d.reject = Some(429);
        } else if self.burst_5xx_left > 0 {
            self.burst_5xx_left -= 1;
            d.reject = Some(pick_5xx(seed, index));
        } else if unit(seed, index, 1) < self.plan.rate_429 {
            d.reject = Some(429);
        } else if unit(seed, index, 2) < self.plan.rate_5xx {
            d.reject = Some(pick_5xx(seed, index));
        } else if self.drop_left > 0 {
            self.drop_left -= 1;
            d.drop = true;
        } else if unit(seed, index, 3) < self.plan.drop_rate {
            d.drop = true;
        }
        d
    }
}

/// A uniform draw in `[0, 1)` for request `index`, independent per `salt`.
fn unit(seed: u64, index: u64, salt: u64) -> f64 {
    let h = splitmix64(seed ^ splitmix64(index.wrapping_mul(4).wrapping_add(salt)));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn pick_5xx(seed: u64, index: u64) -> u16 {
    [500, 503, 504][(splitmix64(seed ^ index ^ 0x5555) % 3) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let p = FaultPlan::parse("seed=42,429=0.1,5xx=0.05,latency=50ms,drop=0.02")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.seed, 42);
        assert_eq!(p.rate_429, 0.1);
        assert_eq!(p.rate_5xx, 0.05);
        assert_eq!(p.latency, Duration::from_millis(50));
        assert_eq!(p.drop_rate, 0.02);
    }

    #[test]
    fn parses_interference() {
        let p = FaultPlan::parse("steal=abc@3,publish=def@5@me,expire-after=7,429-next=2")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.interference.len(), 2);
        assert_eq!(
            p.interference[0].action,
            InterferenceAction::TakeLock {
                flow_id: "abc".into(),
                client_id: OTHER_CLIENT_ID.into()
            }
        );
        assert_eq!(p.interference[1].after_requests, 5);
        assert_eq!(p.expire_tokens_after, Some(7));
        assert_eq!(p.burst_429, 2);
        assert!(FaultPlan::parse("429=2").is_err());
        assert!(FaultPlan::parse("bogus=1").is_err());
        assert!(FaultPlan::parse("steal=abc").is_err());
    }

    #[test]
    fn export_failures_are_used_up_in_order() {
        let p = FaultPlan::parse("export-107=1,fail-export=1").unwrap_or_else(|e| panic!("{e}"));
        let mut s = FaultState::new(p);
        let first = s.take_export_failure("f1").unwrap_or_default();
        assert!(
            first.contains("Could not find the flow with id 'f1'")
                && first.contains("exit code 107")
        );
        let second = s.take_export_failure("f1").unwrap_or_default();
        assert!(second.contains("The export failed"), "{second}");
        assert_eq!(s.take_export_failure("f1"), None);
    }

    #[test]
    fn decisions_are_deterministic() {
        let plan =
            FaultPlan::parse("seed=9,429=0.3,5xx=0.2,drop=0.1").unwrap_or_else(|e| panic!("{e}"));
        let run = |plan: &FaultPlan| {
            let mut s = FaultState::new(plan.clone());
            (0..200).map(|_| s.decide()).collect::<Vec<_>>()
        };
        let a = run(&plan);
        assert_eq!(a, run(&plan));
        let n429 = a.iter().filter(|d| d.reject == Some(429)).count();
        assert!((30..90).contains(&n429), "{n429}");
        assert!(a.iter().any(|d| d.drop));
        let other = FaultPlan { seed: 10, ..plan };
        assert_ne!(a, run(&other));
    }

    #[test]
    fn bursts_come_first() {
        let mut s = FaultState::new(FaultPlan {
            burst_429: 2,
            burst_5xx: 1,
            drop_next: 1,
            ..FaultPlan::default()
        });
        assert_eq!(s.decide().reject, Some(429));
        assert_eq!(s.decide().reject, Some(429));
        assert!(matches!(s.decide().reject, Some(500 | 503 | 504)));
        assert!(s.decide().drop);
        assert_eq!(
            s.decide(),
            FaultDecision {
                retry_after_secs: 1,
                ..FaultDecision::default()
            }
        );
    }
}
