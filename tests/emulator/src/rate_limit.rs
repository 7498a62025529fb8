//! Per-token request counting (API.md §4.3).
//!
//! A fixed one-minute window per key (the bearer token, or the client id on
//! the token endpoint), started by the key's first request. Every response
//! reports the window in `inin-ratelimit-count/-allowed/-reset`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Window length: the documented limit is "per minute".
pub const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInfo {
    /// Requests counted in the current window, this one included.
    pub count: u32,
    pub allowed: u32,
    /// Whole seconds until the window resets (at least 1).
    pub reset_secs: u64,
    pub exceeded: bool,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

#[derive(Debug)]
pub struct RateLimiter {
    allowed: u32,
    windows: HashMap<String, Window>,
}

impl RateLimiter {
    pub fn new(allowed: u32) -> Self {
        Self {
            allowed,
            windows: HashMap::new(),
        }
    }

    pub fn allowed(&self) -> u32 {
        self.allowed
    }

    /// Counts one request for `key` at `now`.
    pub fn hit(&mut self, key: &str, now: Instant) -> RateInfo {
        if self.windows.len() > 4096 {
            // Bound memory when many throwaway tokens are used.
            self.windows
                .retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = self.windows.entry(key.to_owned()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            w.start = now;
            w.count = 0;
        }
        w.count = w.count.saturating_add(1);
        let remaining = WINDOW.saturating_sub(now.duration_since(w.start));
        RateInfo {
            count: w.count,
            allowed: self.allowed,
            reset_secs: remaining.as_millis().div_ceil(1000).max(1) as u64,
            exceeded: w.count > self.allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_resets() {
        let mut rl = RateLimiter::new(2);
        let t0 = Instant::now();
        assert!(!rl.hit("a", t0).exceeded);
        assert!(!rl.hit("a", t0).exceeded);
        let third = rl.hit("a", t0);
        assert!(third.exceeded);
        assert_eq!(third.count, 3);
        assert_eq!(third.reset_secs, 60);
        assert!(!rl.hit("b", t0).exceeded);
        let later = rl.hit("a", t0 + WINDOW);
        assert_eq!(later.count, 1);
        assert!(!later.exceeded);
    }
}
