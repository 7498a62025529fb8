//! The one retry primitive: how many times, and how long to wait before the next try.
//! The transport, the token client and the event export all decide with it, and all
//! wait on their [`Clock`](super::transport::Clock), so tests run the waits instantly.
//!
//! * [`Failure::RateLimited`]: the server refused before doing anything and may say how
//!   long to wait (`Retry-After`, capped at `max_retry_after`); its own budget
//!   (`max_429`), since waiting it out is always safe.
//! * [`Failure::Transient`]: 5xx, no answer, a dropped connection: exponential backoff
//!   with jitter, `max_attempts` tries in all.
//! * [`Failure::Permanent`]: other 4xx: never retried.

use std::time::Duration;

use super::transport::RetryPolicy;

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 429 (or the login host's throttling), with the wait the server asked for.
    RateLimited(Option<Duration>),
    /// May work on another try: 5xx (not 501), no answer.
    Transient,
    /// Will not work on another try.
    Permanent,
}

/// The retry budget of one request.
#[derive(Clone, Debug)]
pub struct Retrier {
    policy: RetryPolicy,
    /// Tries so far (the first one included) that failed transiently or succeeded.
    attempts: u32,
    rate_limited: u32,
}

impl Retrier {
    pub fn new(policy: &RetryPolicy) -> Self {
        Self {
            policy: policy.clone(),
            attempts: 1,
            rate_limited: 0,
        }
    }

    /// Tries counted against `max_attempts` so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait before the next try, or `None` to give up.
    pub fn next_wait(&mut self, failure: Failure) -> Option<Duration> {
        match failure {
            Failure::Permanent => None,
            Failure::RateLimited(asked) => {
                self.rate_limited += 1;
                (self.rate_limited <= self.policy.max_429).then(|| {
                    asked
                        .unwrap_or_else(|| self.policy.backoff(self.rate_limited))
                        .min(self.policy.max_retry_after)
                })
            }
            Failure::Transient => {
                if self.attempts >= self.policy.max_attempts {
                    return None;
                }
                let wait = self.policy.backoff(self.attempts);
                self.attempts += 1;
                Some(wait)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_have_a_budget_and_growing_waits() {
        let p = RetryPolicy::default();
        let mut r = Retrier::new(&p);
        let waits: Vec<_> = std::iter::from_fn(|| r.next_wait(Failure::Transient)).collect();
        assert_eq!(waits.len() as u32, p.max_attempts - 1);
        assert!(waits.iter().all(|w| *w <= p.backoff_max));
        assert!(waits[2] >= p.backoff_base);
        assert_eq!(r.attempts(), p.max_attempts);
    }

    #[test]
    fn rate_limits_wait_as_asked_capped_with_their_own_budget() {
        let p = RetryPolicy {
            max_429: 2,
            max_retry_after: Duration::from_secs(30),
            ..RetryPolicy::default()
        };
        let mut r = Retrier::new(&p);
        assert_eq!(
            r.next_wait(Failure::RateLimited(Some(Duration::from_secs(7)))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            r.next_wait(Failure::RateLimited(Some(Duration::from_secs(999)))),
            Some(Duration::from_secs(30))
        );
        assert_eq!(r.next_wait(Failure::RateLimited(None)), None);
        // A rate limit does not use the transient budget.
        assert_eq!(r.attempts(), 1);
        assert!(r.next_wait(Failure::Transient).is_some());
        assert_eq!(r.next_wait(Failure::Permanent), None);
    }
}
