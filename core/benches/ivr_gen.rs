//! Generated IVR-like flows for benchmarks: layers of menus fanning out to plays, data
//! dips and decisions, ending in queue transfers, with some retry loops bounded by loop
//! nodes. Deterministic for a given size.

use std::fmt::Write as _;

/// A flow-JSON document with `n` nodes (n >= 8).
pub fn ivr_flow(n: usize) -> String {
    let mut s = String::with_capacity(n * 120);
    s.push_str("{\"name\":\"Generated IVR\",\"type\":\"inboundcall\",\"start\":\"n0\",\"nodes\":{");
    // A cheap deterministic sequence (no randomness in benchmarks either).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    // A transfer ends its path, so one only follows a node that also skips past it:
    // every node stays reachable from the start.
    let mut previous_skips = true;
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let fwd = |k: usize| (i + k).min(n - 1);
        let mut role = if i + 1 == n {
            5
        } else if i + 4 >= n {
            7
        } else {
            (next() % 10) as usize
        };
        if role == 5 && !previous_skips && i + 1 < n {
            role = 7;
        }
        previous_skips = matches!(role, 0..=3 | 6);
        match role {
            0 | 1 => {
                let _ = write!(
                    s,
                    "\"n{i}\":{{\"type\":\"menu\",\"transitions\":{{\"1\":[\"n{}\"],\"2\":[\"n{}\"],\"3\":[\"n{}\"],\"timeout\":[\"n{i}\"]}}}}",
                    fwd(1),
                    fwd(2),
                    fwd(3)
                );
            }
            2 | 3 => {
                let _ = write!(
                    s,
                    "\"n{i}\":{{\"type\":\"decision\",\"conditions\":[{{\"expression\":\"Flow.Tier == \\\"gold\\\"\",\"priority\":2,\"target_id\":\"n{}\"}},{{\"expression\":\"Flow.Wait > 300\",\"priority\":1,\"target_id\":\"n{}\"}}],\"transitions\":{{\"default\":[\"n{}\"]}}}}",
                    fwd(1),
                    fwd(2),
                    fwd(3)
                );
            }
            4 => {
                let back = i.saturating_sub(3);
                let _ = write!(
                    s,
                    "\"n{i}\":{{\"type\":\"loop\",\"max_iterations\":3,\"transitions\":{{\"body\":[\"n{back}\"],\"exit\":[\"n{}\"]}}}}",
                    fwd(1)
                );
            }
            5 => {
                let _ = write!(
                    s,
                    "\"n{i}\":{{\"type\":\"transfer\",\"queue\":\"Queue {}\"}}",
                    i % 50
                );
            }
            6 => {
                let _ = write!(
                    s,
                    "\"n{i}\":{{\"type\":\"data\",\"transitions\":{{\"success\":[\"n{}\"],\"failure\":[\"n{}\"]}}}}",
                    fwd(1),
                    fwd(2)
                );
            }
            _ => {
                let _ = write!(
                    s,
                    "\"n{i}\":{{\"type\":\"play\",\"transitions\":{{\"next\":[\"n{}\"]}}}}",
                    fwd(1)
                );
            }
        }
    }
    s.push_str("}}");
    s
}
