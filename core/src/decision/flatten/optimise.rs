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
            if is_redundant(
                &taken,
                &later,
                &truths,
                &target_of,
                targets[k].as_str(),
                default,
            ) {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::decision::domain::SpaceBuilder;
    use crate::decision::expr::parse_expression;
    use crate::decision::flatten::expansion::RawEntry;

    fn bits(total: usize, cells: &[usize]) -> Bits {
        let mut b = Bits::zeros(total);
        for &c in cells {
            b.set(c);
        }
        b
    }

    /// An entry of one condition, part `(k, 0)`.
    fn entry(k: usize, target: &str, truth: Bits) -> Entry {
        Entry {
            disjuncts: vec![vec![(k, 0)]],
            target: target.to_owned(),
            truth,
        }
    }

    /// Where a first-match list sends the combination `cell`.
    fn route<'a>(entries: &'a [Entry], default: Option<&'a str>, cell: usize) -> Option<&'a str> {
        entries
            .iter()
            .find(|e| e.truth.get(cell))
            .map_or(default, |e| Some(e.target.as_str()))
    }

    fn assert_same_routing(before: &[Entry], after: &[Entry], default: Option<&str>, total: usize) {
        for cell in 0..total {
            assert_eq!(
                route(before, default, cell),
                route(after, default, cell),
                "cell {cell}: {before:#?}\n{after:#?}"
            );
        }
    }

    fn targets(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.target.as_str()).collect()
    }

    fn removed(o: &Optimised) -> Vec<(Part, &str)> {
        o.removed
            .iter()
            .map(|(p, why)| (*p, why.as_str()))
            .collect()
    }

    #[test]
    fn a_dead_entry_is_removed_as_never_first() {
        let total = 4;
        let mut dead = entry(1, "y", bits(total, &[1]));
        // A conjunction is reported by its innermost condition.
        dead.disjuncts = vec![vec![(1, 0), (5, 2)]];
        let list = vec![
            entry(0, "x", bits(total, &[0, 1])),
            dead,
            entry(2, "z", bits(total, &[2])),
        ];
        let o = optimise(list.clone(), Some("d"), &[0.25; 4], total, false);
        assert_eq!(removed(&o), [((5, 2), "never_first")]);
        assert_eq!(targets(&o.entries), ["x", "z"]);
        assert_eq!((o.merged, o.reordered), (0, false));
        assert_same_routing(&list, &o.entries, Some("d"), total);
    }

    #[test]
    fn a_redundant_entry_is_removed_as_redundant() {
        let total = 4;
        let list = vec![
            // Everything it takes goes on to `x` anyway.
            entry(0, "x", bits(total, &[0])),
            entry(1, "x", bits(total, &[0, 1])),
            entry(2, "y", bits(total, &[2])),
            // The default takes it to the same place.
            entry(3, "d", bits(total, &[3])),
        ];
        let o = optimise(list.clone(), Some("d"), &[0.25; 4], total, false);
        assert_eq!(removed(&o), [((0, 0), "redundant"), ((3, 0), "redundant")]);
        assert_eq!(targets(&o.entries), ["x", "y"]);
        assert_same_routing(&list, &o.entries, Some("d"), total);
        // Without that default the last entry is needed.
        let o = optimise(list.clone(), None, &[0.25; 4], total, false);
        assert_eq!(removed(&o), [((0, 0), "redundant")]);
        assert_eq!(targets(&o.entries), ["x", "y", "d"]);
        assert_same_routing(&list, &o.entries, None, total);
        // An entry is not redundant when a later one with another target catches some of it.
        // (Without the first entry, 1 would go to `y`.)
        let list = vec![
            entry(0, "x", bits(total, &[0, 1])),
            entry(1, "y", bits(total, &[1, 2])),
        ];
        let o = optimise(list.clone(), Some("x"), &[0.25; 4], total, false);
        assert!(o.removed.is_empty(), "{:?}", o.removed);
        assert_eq!(targets(&o.entries), ["x", "y"]);
    }

    #[test]
    fn same_target_entries_merge_when_nothing_between_takes_their_inputs() {
        let total = 4;
        let list = vec![
            entry(0, "x", bits(total, &[0])),
            entry(1, "y", bits(total, &[1])),
            entry(2, "x", bits(total, &[2])),
        ];
        let o = optimise(list.clone(), Some("d"), &[0.25; 4], total, false);
        assert_eq!(o.merged, 1);
        assert!(o.removed.is_empty());
        assert_eq!(targets(&o.entries), ["x", "y"]);
        assert_eq!(o.entries[0].disjuncts, [vec![(0, 0)], vec![(2, 0)]]);
        assert_eq!(o.entries[0].truth, bits(total, &[0, 2]));
        assert_same_routing(&list, &o.entries, Some("d"), total);
        // `y` takes 2 before the third entry would: moving it up would change 2's target.
        let list = vec![
            entry(0, "x", bits(total, &[0])),
            entry(1, "y", bits(total, &[1, 2])),
            entry(2, "x", bits(total, &[2, 3])),
        ];
        let o = optimise(list.clone(), Some("d"), &[0.25; 4], total, false);
        assert_eq!(o.merged, 0);
        assert_eq!(targets(&o.entries), ["x", "y", "x"]);
        assert_same_routing(&list, &o.entries, Some("d"), total);
    }

    #[test]
    fn probabilities_reorder_disjoint_entries() {
        let total = 4;
        let list = vec![
            entry(0, "x", bits(total, &[0])),
            entry(1, "y", bits(total, &[1])),
            entry(2, "z", bits(total, &[2])),
        ];
        let w = [0.1, 0.1, 0.8, 0.0];
        let o = optimise(list.clone(), Some("d"), &w, total, true);
        assert!(o.reordered);
        assert_eq!(targets(&o.entries), ["z", "x", "y"]);
        assert_same_routing(&list, &o.entries, Some("d"), total);
        assert!((expected(&list, &w, total) - 2.7).abs() < 1e-12);
        assert!((expected(&o.entries, &w, total) - 1.3).abs() < 1e-12);
        // Not asked to: the order stays.
        let o = optimise(list.clone(), Some("d"), &w, total, false);
        assert!(!o.reordered);
        assert_eq!(targets(&o.entries), ["x", "y", "z"]);
        // Overlapping entries with different targets never swap.
        let list = vec![
            entry(0, "x", bits(total, &[0, 1])),
            entry(1, "y", bits(total, &[1, 2])),
        ];
        let o = optimise(list.clone(), Some("d"), &[0.0, 0.1, 0.9, 0.0], total, true);
        assert!(!o.reordered);
        assert_eq!(targets(&o.entries), ["x", "y"]);
    }

    #[test]
    fn expected_evaluations_of_a_known_list() {
        let total = 4;
        let w = [0.1, 0.2, 0.3, 0.4];
        let list = vec![
            entry(0, "x", bits(total, &[0, 1])),
            entry(1, "y", bits(total, &[1, 2])),
        ];
        // 0, 1 at the first entry; 2 at the second; 3 after testing both.
        let want = (0.1 + 0.2) * 1.0 + 0.3 * 2.0 + 0.4 * 2.0;
        assert!((expected(&list, &w, total) - want).abs() < 1e-12);
        assert!((expected(&[], &w, total)).abs() < 1e-12);
        assert!((weight(&w, &bits(total, &[1, 3])) - 0.6).abs() < 1e-12);
        // Weights beyond the list count for nothing.
        assert!((weight(&w[..2], &bits(total, &[1, 3])) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn cell_weights_spread_each_path_over_the_cells_it_takes() {
        let mut b = SpaceBuilder::new();
        let one = b.compile(&parse_expression("a == 1").unwrap());
        let a_set = b.compile(&parse_expression("IsSet(a)").unwrap());
        let space = b.finish(1 << 16).unwrap();
        let raw = vec![
            Entry {
                disjuncts: vec![vec![(0, 0)]],
                target: "x".into(),
                truth: space.eval(&one),
            },
            Entry {
                disjuncts: vec![vec![(0, 1)]],
                target: "y".into(),
                truth: space.eval(&a_set),
            },
        ];
        let path = |parts: Vec<Part>, prob: f64, evals: u32| RawEntry {
            parts,
            target: String::new(),
            prob,
            evals,
        };
        let mut x = Expansion {
            entries: vec![path(vec![(0, 0)], 0.5, 1), path(vec![(0, 1)], 0.3, 2)],
            default: Some("z".into()),
            default_prob: 0.2,
            default_evals: 2,
            inlined: Vec::new(),
            max_path: 1,
        };
        let (w, evals) = weights(&space, &raw, &x);
        assert_eq!(w.len(), space.total);
        let sum = |b: &Bits| weight(&w, b);
        let first = space.eval(&one);
        // The second path takes only what the first leaves.
        let second = space.eval(&a_set).minus(&first);
        let rest = space.all().minus(&first).minus(&second);
        assert!((sum(&first) - 0.5).abs() < 1e-12, "{w:?}");
        assert!((sum(&second) - 0.3).abs() < 1e-12, "{w:?}");
        assert!((sum(&rest) - 0.2).abs() < 1e-12, "{w:?}");
        // Spread evenly.
        let each = 0.3 / second.count() as f64;
        assert!(second.ones_iter().all(|i| (w[i] - each).abs() < 1e-12));
        assert!((evals - (0.5 + 0.3 * 2.0 + 0.2 * 2.0)).abs() < 1e-12);
        // Paths that cannot happen: no weight, and the rest normalised.
        x.entries[1].prob = 0.0;
        let (w, evals) = weights(&space, &raw, &x);
        let sum = |b: &Bits| weight(&w, b);
        assert!(sum(&second).abs() < 1e-12);
        assert!((sum(&first) - 0.5 / 0.7).abs() < 1e-12);
        assert!((evals - (0.5 + 0.2 * 2.0) / 0.7).abs() < 1e-12);
        x.entries[0].prob = 0.0;
        x.default_prob = 0.0;
        let (w, evals) = weights(&space, &raw, &x);
        assert!(w.iter().all(|&v| v == 0.0) && evals == 0.0);
    }

    /// A small deterministic generator, so the cases are the same on every run.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    /// Every combination keeps its target, whatever the list, default, weights and order;
    /// each input entry is kept, merged into another or reported removed, exactly once.
    #[test]
    fn every_combination_keeps_its_target_against_brute_force() {
        let mut rng = Lcg(19);
        let names = ["x", "y", "z"];
        let (mut removed_any, mut merged_any, mut reordered_any) = (false, false, false);
        for case in 0..2000 {
            let total = 1 + rng.next(12) as usize;
            let n = rng.next(7) as usize;
            let list: Vec<Entry> = (0..n)
                .map(|k| {
                    let cells: Vec<usize> = (0..total).filter(|_| rng.next(5) < 2).collect();
                    entry(k, names[rng.next(3) as usize], bits(total, &cells))
                })
                .collect();
            let default = match rng.next(4) {
                0 => None,
                d => Some(names[d as usize - 1]),
            };
            let raw: Vec<f64> = (0..total).map(|_| rng.next(100) as f64).collect();
            let mass: f64 = raw.iter().sum::<f64>().max(1.0);
            let w: Vec<f64> = raw.iter().map(|v| v / mass).collect();
            let reorder = rng.next(2) == 0;
            let o = optimise(list.clone(), default, &w, total, reorder);
            assert_same_routing(&list, &o.entries, default, total);
            let mut seen = vec![0; n];
            let parts = o.entries.iter().flat_map(|e| e.disjuncts.iter().flatten());
            for &(k, c) in parts.chain(o.removed.iter().map(|(p, _)| p)) {
                assert_eq!(c, 0, "case {case}");
                seen[k] += 1;
            }
            assert!(seen.iter().all(|&s| s == 1), "case {case}: {seen:?}");
            let disjuncts: usize = o.entries.iter().map(|e| e.disjuncts.len()).sum();
            assert_eq!(o.merged, disjuncts - o.entries.len(), "case {case}");
            assert!(o.reordered <= reorder, "case {case}");
            removed_any |= !o.removed.is_empty();
            merged_any |= o.merged > 0;
            reordered_any |= o.reordered;
        }
        // The cases exercise every step.
        assert!(removed_any && merged_any && reordered_any);
    }
}
