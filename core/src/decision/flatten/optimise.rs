//! Optimisation on the exact cell model: a tree's first-match list as [`Entry`]s (each with
//! the set of cell combinations it is true for), its cost (cell weights from the branch
//! probabilities, expected evaluations), and [`optimise`], whose every step keeps the target
//! of every combination.

use super::expansion::{Expansion, Part};
use crate::decision::analysis::is_redundant;
use crate::decision::bits::Bits;
use crate::decision::domain::Space;

/// One entry of a first-match list: an `or` of `and`s of original conditions.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) disjuncts: Vec<Vec<Part>>,
    pub(super) target: String,
    pub(super) truth: Bits,
}

/// The weight of the combinations in `b`.
fn weight(w: &[f64], b: &Bits) -> f64 {
    b.ones_iter()
        .map(|i| w.get(i).copied().unwrap_or(0.0))
        .sum()
}

/// Expected evaluations of a first-match list under cell weights `w`.
pub(super) fn expected(entries: &[Entry], w: &[f64], total: usize) -> f64 {
    let mut rem = Bits::ones(total);
    let mut sum = 0.0;
    for (k, e) in entries.iter().enumerate() {
        sum += weight(w, &e.truth.and(&rem)) * (k + 1) as f64;
        rem = rem.minus(&e.truth);
    }
    sum + weight(w, &rem) * entries.len() as f64
}

/// What [`optimise`] made of a list, and what it did.
pub(super) struct Optimised {
    pub(super) entries: Vec<Entry>,
    /// Each removed entry by its conditions, with why (`never_first`, `redundant`).
    pub(super) removed: Vec<(Part, String)>,
    pub(super) merged: usize,
    pub(super) reordered: bool,
}

/// Removes dead and redundant entries, merges same-target ones, and (with probabilities)
/// reorders; every step keeps the target of every cell combination.
pub(super) fn optimise(
    mut list: Vec<Entry>,
    default: Option<&str>,
    w: &[f64],
    total: usize,
    reorder: bool,
) -> Optimised {
    let mut removed = Vec::new();
    let mut merged = 0;
    let prune = |list: &mut Vec<Entry>, removed: &mut Vec<(Part, String)>| {
        // Dead: never the first true entry.
        let mut rem = Bits::ones(total);
        let mut keep = Vec::with_capacity(list.len());
        for e in list.drain(..) {
            if e.truth.intersects(&rem) {
                rem = rem.minus(&e.truth);
                keep.push(e);
            } else {
                record(&e, "never_first", removed);
            }
        }
        // Redundant: whatever it takes still reaches the same target without it.
        let truths: Vec<Bits> = keep.iter().map(|e| e.truth.clone()).collect();
        let targets: Vec<String> = keep.iter().map(|e| e.target.clone()).collect();
        let target_of = |j: usize| targets[j].as_str();
        let mut alive = vec![true; keep.len()];
        let mut rem = Bits::ones(total);
        for k in 0..keep.len() {
            let taken = truths[k].and(&rem);
            let later: Vec<usize> = (k + 1..keep.len()).filter(|&j| alive[j]).collect();
            if is_redundant(&taken, &later, &truths, &target_of, &targets[k], default) {
                alive[k] = false;
            } else {
                rem = rem.minus(&truths[k]);
            }
        }
        let mut kept = Vec::with_capacity(keep.len());
        for (e, alive) in keep.into_iter().zip(alive) {
            if alive {
                kept.push(e);
            } else {
                record(&e, "redundant", removed);
            }
        }
        let keep = kept;
        *list = keep;
    };
    prune(&mut list, &mut removed);
    // Merge a later entry into an earlier one with the same target when no entry between
    // them with another target can take any input the later one would move.
    let mut rem = Bits::ones(total);
    let mut i = 0;
    while i < list.len() {
        let mut between = Bits::zeros(total);
        let mut k = i + 1;
        while k < list.len() {
            if list[k].target == list[i].target {
                let moved = list[k].truth.and(&rem).minus(&list[i].truth);
                if !moved.intersects(&between) {
                    let e = list.remove(k);
                    list[i].truth = list[i].truth.or(&e.truth);
                    list[i].disjuncts.extend(e.disjuncts);
                    merged += 1;
                    continue;
                }
            } else {
                between = between.or(&list[k].truth);
            }
            k += 1;
        }
        rem = rem.minus(&list[i].truth);
        i += 1;
    }
    prune(&mut list, &mut removed);
    let mut reordered = false;
    if reorder {
        for _ in 0..list.len() {
            let mut swapped = false;
            let mut rem = Bits::ones(total);
            for i in 0..list.len().saturating_sub(1) {
                let (a, b) = (&list[i], &list[i + 1]);
                let ta = a.truth.and(&rem);
                let tb = b.truth.and(&rem);
                let cost_ab = weight(w, &ta) + 2.0 * weight(w, &tb.minus(&a.truth));
                let cost_ba = weight(w, &tb) + 2.0 * weight(w, &ta.minus(&b.truth));
                let safe = a.target == b.target || !ta.intersects(&tb);
                if safe && cost_ba + 1e-12 < cost_ab {
                    list.swap(i, i + 1);
                    swapped = true;
                    reordered = true;
                }
                rem = rem.minus(&list[i].truth);
            }
            if !swapped {
                break;
            }
        }
    }
    Optimised {
        entries: list,
        removed,
        merged,
        reordered,
    }
}

fn record(e: &Entry, why: &str, removed: &mut Vec<(Part, String)>) {
    // A removed entry is reported by the last (innermost) condition of each conjunction.
    for d in &e.disjuncts {
        if let Some(&p) = d.last() {
            removed.push((p, why.to_owned()));
        }
    }
}

/// Cell weights from the branch probabilities (each original path's probability spread
/// evenly over the cells that take it), and the expected evaluations of the original tree.
pub(super) fn weights(space: &Space, raw: &[Entry], x: &Expansion) -> (Vec<f64>, f64) {
    let mut w = vec![0.0; space.total];
    let mut rem = space.all();
    let mut mass = 0.0;
    let mut evals = 0.0;
    let mut spread = |taken: &Bits, prob: f64, path_evals: u32, w: &mut Vec<f64>| {
        let count = taken.count();
        if count > 0 && prob > 0.0 {
            for i in taken.ones_iter() {
                w[i] += prob / count as f64;
            }
            mass += prob;
            evals += prob * f64::from(path_evals);
        }
    };
    for (e, r) in raw.iter().zip(&x.entries) {
        let taken = e.truth.and(&rem);
        spread(&taken, r.prob, r.evals, &mut w);
        rem = rem.minus(&e.truth);
    }
    spread(&rem, x.default_prob, x.default_evals, &mut w);
    if mass > 0.0 {
        w.iter_mut().for_each(|v| *v /= mass);
        (w, evals / mass)
    } else {
        (w, 0.0)
    }
}
