//! Sorting for the whole crate through one sort of index permutations.
//!
//! Every `sort`/`sort_by`/`sort_by_key` over a new element type or comparator compiles a
//! complete copy of std's sort (3 to 6 KB of code each); in the WebAssembly package the
//! core's twenty-odd sorts were about a third of all its code. These helpers sort a
//! permutation of indices instead, with one comparator signature
//! (`&mut dyn FnMut(usize, usize) -> Ordering`), and then move the elements into place, so
//! one sort is compiled for the whole crate: a small merge sort of our own, since std's,
//! even once, was 2.7 KB of the package's code at opt-level "z" (8.6 KB at "s"). (A
//! second, key-typed instantiation for [`sort_by_key`] would compare faster but cost more
//! code; the common large sort, nodes already in document order, is linear either way.)
//!
//! The merge sort is stable, so every helper gives exactly the order of `slice::sort_by` /
//! `slice::sort_by_key` with the same comparison (the tests compare with std's).

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, stable (like `slice::sort_by`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    // Already in order (the common case for the short lists decisions sort): nothing to
    // allocate.
    if v.windows(2).all(|w| cmp(&w[0], &w[1]) != Ordering::Greater) {
        return;
    }
    let perm = permutation(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    apply(v, perm);
}

/// Sorts `v` by its natural order, stable (like `slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sorts `v` by a `u64` key, stable (like `slice::sort_by_key`). The key is computed once
/// per element, not once per comparison.
pub fn sort_by_key<T>(v: &mut [T], mut key: impl FnMut(&T) -> u64) {
    if v.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        return;
    }
    let keys: Vec<u64> = v.iter().map(key).collect();
    apply(v, key_permutation(keys));
}

/// Sorts distinct vertex numbers ascending. A strongly connected component is sorted as
/// Tarjan closes it, and almost all of them are a few nodes: insertion sort does those in
/// place, with no key list or permutation allocated; a long one goes to [`sort_by_key`].
pub(crate) fn sort_vertices(v: &mut [u32]) {
    const SMALL: usize = 16;
    if v.len() > SMALL {
        sort_by_key(v, |&w| u64::from(w));
        return;
    }
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The indices `0..n` in the order `cmp` (on indices) gives, ties by index. Not generic:
/// this is the one sort the crate compiles.
///
/// A bottom-up merge sort rather than std's: stable by construction (so ties keep index
/// order without a tie-break), no recursion, and a fraction of the code of std's unstable
/// sort (2.7 KB of the package at opt-level "z", 8.6 KB at "s"; the package is 1.4 KB
/// smaller gzipped).
fn permutation(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..n).collect();
    // Runs of `RUN` sorted in place by insertion first: most lists are short.
    const RUN: usize = 8;
    for run in perm.chunks_mut(RUN) {
        for i in 1..run.len() {
            let mut j = i;
            while j > 0 && cmp(run[j - 1], run[j]) == Ordering::Greater {
                run.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    if n <= RUN {
        return perm;
    }
    let mut other = vec![0; n];
    let mut width = RUN;
    while width < n {
        for (from, to) in perm.chunks(2 * width).zip(other.chunks_mut(2 * width)) {
            let (left, right) = from.split_at(width.min(from.len()));
            let (mut i, mut j) = (0, 0);
            for slot in to.iter_mut() {
                // Take from the right only when strictly less: equal elements keep order.
                let take_right = i == left.len()
                    || (j < right.len() && cmp(right[j], left[i]) == Ordering::Less);
                if take_right {
                    *slot = right[j];
                    j += 1;
                } else {
                    *slot = left[i];
                    i += 1;
                }
            }
        }
        std::mem::swap(&mut perm, &mut other);
        width *= 2;
    }
    perm
}

/// The indices of `keys` in ascending key order, ties by index.
fn key_permutation(keys: Vec<u64>) -> Vec<usize> {
    permutation(keys.len(), &mut |a, b| keys[a].cmp(&keys[b]))
}

/// Reorders `v` so that the new `v[i]` is the old `v[perm[i]]`, in place: each cycle of the
/// permutation is walked once with swaps (`perm` marks what is done), so no element is
/// cloned and no `unsafe` is needed.
fn apply<T>(v: &mut [T], mut perm: Vec<usize>) {
    for i in 0..perm.len() {
        let mut j = i;
        loop {
            let k = perm[j];
            perm[j] = j;
            if k == i || k == j {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // std's sort is the reference these tests compare with
mod tests {
    use super::*;

    /// A small deterministic generator (no dependency, no randomness in test results).
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *seed >> 33
    }

    #[test]
    fn sorts_vertices_as_std_does() {
        let mut seed = 11;
        for len in [0usize, 1, 2, 3, 5, 15, 16, 17, 40, 300] {
            for _ in 0..20 {
                let v: Vec<u32> = (0..len).map(|_| lcg(&mut seed) as u32 % 1000).collect();
                let mut want = v.clone();
                want.sort();
                let mut got = v;
                sort_vertices(&mut got);
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn matches_std_stable_sorts() {
        let mut seed = 7;
        for len in [0usize, 1, 2, 3, 5, 17, 64, 300, 2000] {
            for modulus in [1u64, 2, 3, 10, 1 << 40] {
                let v: Vec<(u64, usize)> =
                    (0..len).map(|i| (lcg(&mut seed) % modulus, i)).collect();

                let mut want = v.clone();
                want.sort_by_key(|a| a.0);
                let mut got = v.clone();
                sort_by(&mut got, |a, b| a.0.cmp(&b.0));
                assert_eq!(got, want);

                let mut got = v.clone();
                sort_by_key(&mut got, |p| p.0);
                assert_eq!(got, want);

                let mut want = v.clone();
                want.sort_by_key(|b| std::cmp::Reverse(b.0));
                let mut got = v.clone();
                sort_by(&mut got, |a, b| b.0.cmp(&a.0));
                assert_eq!(got, want);

                let strings: Vec<String> = v.iter().map(|p| format!("{}", p.0)).collect();
                let mut want = strings.clone();
                want.sort();
                let mut got = strings;
                sort(&mut got);
                assert_eq!(got, want);
            }
        }
    }
}
