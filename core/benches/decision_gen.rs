//! The decision-heavy flows of issue 19, for benchmarks (the same generator as
//! `bench/wasm-vs-js.mjs`'s `decisionHeavy`, step for step, so both measure one shape):
//! about a fifth of the nodes decisions with one to four conditions each, every
//! condition comparing a variable (`Flow.Balance >= 37`, `Call.Ani == "v12"`, …) to its
//! own distinct constant; menus with two to five choices; about 1.7 edges per node; and
//! a few defects (a dangling target, a dead end, a decision without `default`, a
//! shadowed condition, about one each per 1,000 nodes) so some diagnostics come out.
//! Every node is reachable from the start and the graph is acyclic (edges point
//! forward). Deterministic for a given size.

use std::fmt::Write as _;

const NUMERIC: [&str; 3] = ["Flow.Balance", "Flow.Wait", "Flow.Attempts"];
const NUMERIC_OPS: [&str; 4] = [">=", "<", "==", ">"];
const TEXT: [&str; 3] = ["Call.Ani", "Flow.Tier", "Call.Language"];

/// A flow-JSON document with `n` nodes (n >= 16), compact.
pub fn decision_heavy_flow(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    s.push_str(
        "{\"name\":\"Decision-heavy IVR\",\"type\":\"inboundcall\",\"start\":\"n0\",\"nodes\":{",
    );
    // xorshift32: the same sequence in JavaScript (`>>> 0` arithmetic).
    let mut x: u32 = 2_463_534_242;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut uncovered = 1usize;
    let mut constant = 0u32;
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let r = rand() % 100;
        let must_route = uncovered <= i + 1 && uncovered < n;
        let role = if i == 0 {
            1
        } else if i + 1 == n {
            3
        } else if r < 20 {
            0
        } else if r < 30 {
            1
        } else if r < 35 && !must_route {
            3
        } else {
            2
        };
        let defect = if i > 0 && i % 1000 == 500 {
            Some((i / 1000) % 4)
        } else {
            None
        };
        // The next target: the first node nobody points at yet, else one a little ahead.
        let mut pick = |rand: &mut dyn FnMut() -> u32| -> Option<usize> {
            if uncovered < n {
                uncovered += 1;
                return Some(uncovered - 1);
            }
            let room = n - 1 - i;
            (room > 0).then(|| i + 1 + (rand() as usize) % room.min(40))
        };
        let _ = write!(s, "\"n{i}\":");
        match role {
            0 => {
                let k = 1 + (rand() % 4) as usize;
                let first_var = (rand() % 6) as usize;
                let mut conds = Vec::new();
                for c in 0..k {
                    let Some(t) = pick(&mut rand) else { break };
                    constant += 1;
                    // One variable per condition of a decision: conditions on different
                    // variables neither shadow nor make each other redundant.
                    let var = (first_var + c) % 6;
                    let expression = if var < 3 {
                        let op = NUMERIC_OPS[(rand() % 4) as usize];
                        format!("{} {op} {constant}", NUMERIC[var])
                    } else {
                        format!("{} == \\\"v{constant}\\\"", TEXT[var - 3])
                    };
                    conds.push((expression, k - c, t));
                }
                if defect == Some(3) && !conds.is_empty() {
                    // Shadowed: the first condition again, below it.
                    let (e, _, t) = conds[0].clone();
                    conds.push((e, 0, t));
                }
                s.push_str("{\"type\":\"decision\",\"conditions\":[");
                for (j, (e, p, t)) in conds.iter().enumerate() {
                    if j > 0 {
                        s.push(',');
                    }
                    let _ = write!(
                        s,
                        "{{\"expression\":\"{e}\",\"priority\":{p},\"target_id\":\"n{t}\"}}"
                    );
                }
                s.push(']');
                match (defect, pick(&mut rand)) {
                    (Some(2), _) | (_, None) => s.push('}'),
                    (_, Some(t)) => {
                        let _ = write!(s, ",\"transitions\":{{\"default\":[\"n{t}\"]}}}}");
                    }
                }
            }
            1 => {
                let k = if i == 0 { 5 } else { 2 + (rand() % 4) as usize };
                s.push_str("{\"type\":\"menu\",\"transitions\":{");
                let mut first = true;
                for c in 0..k {
                    let Some(t) = pick(&mut rand) else { break };
                    if !first {
                        s.push(',');
                    }
                    first = false;
                    let _ = write!(s, "\"{}\":[\"n{t}\"]", c + 1);
                }
                s.push_str("}}");
            }
            3 => {
                if i % 2 == 0 {
                    s.push_str("{\"type\":\"disconnect\"}");
                } else {
                    s.push_str("{\"type\":\"transfer\",\"queue\":\"Support\"}");
                }
            }
            _ => {
                let kind = ["play", "set", "data"][i % 3];
                match (defect, pick(&mut rand)) {
                    (Some(1), _) | (_, None) => {
                        let _ = write!(s, "{{\"type\":\"{kind}\"}}");
                    }
                    (Some(0), Some(t)) => {
                        let _ = write!(
                            s,
                            "{{\"type\":\"{kind}\",\"transitions\":{{\"next\":[\"n{t}\"],\"failure\":[\"missing{i}\"]}}}}"
                        );
                    }
                    (_, Some(t)) => {
                        let _ = write!(
                            s,
                            "{{\"type\":\"{kind}\",\"transitions\":{{\"next\":[\"n{t}\"]}}}}"
                        );
                    }
                }
            }
        }
    }
    s.push_str("}}");
    s
}
