//! A fixed-length bit set over the cell combinations of a [`super::domain::Space`]: the
//! region where a condition is true is one `Bits`, so routing questions become a few word
//! operations per condition.
//!
//! Most decisions have at most 128 cell combinations, so short sets live inline: the
//! analysis of a typical decision then allocates no bit sets at all.

/// Up to this many words are stored inline.
const INLINE: usize = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    /// Used when the set fits (the words past `word_count` stay zero).
    inline: [u64; INLINE],
    /// Used when it does not (empty otherwise).
    heap: Vec<u64>,
    len: usize,
}

impl Bits {
    fn filled(len: usize, word: u64) -> Bits {
        let n = len.div_ceil(64);
        let mut b = if n <= INLINE {
            let mut inline = [0; INLINE];
            inline[..n].fill(word);
            Bits {
                inline,
                heap: Vec::new(),
                len,
            }
        } else {
            Bits {
                inline: [0; INLINE],
                heap: vec![word; n],
                len,
            }
        };
        b.trim();
        b
    }

    pub fn zeros(len: usize) -> Bits {
        Bits::filled(len, 0)
    }

    pub fn ones(len: usize) -> Bits {
        Bits::filled(len, u64::MAX)
    }

    fn words(&self) -> &[u64] {
        let n = self.len.div_ceil(64);
        if n <= INLINE {
            &self.inline[..n]
        } else {
            &self.heap
        }
    }

    fn words_mut(&mut self) -> &mut [u64] {
        let n = self.len.div_ceil(64);
        if n <= INLINE {
            &mut self.inline[..n]
        } else {
            &mut self.heap
        }
    }

    fn trim(&mut self) {
        let rem = self.len % 64;
        if rem != 0
            && let Some(last) = self.words_mut().last_mut()
        {
            *last &= (1u64 << rem) - 1;
        }
    }

    pub fn get(&self, i: usize) -> bool {
        self.words()
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub fn set(&mut self, i: usize) {
        if let Some(w) = self.words_mut().get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub fn and(&self, o: &Bits) -> Bits {
        self.zip(o, |a, b| a & b)
    }

    pub fn or(&self, o: &Bits) -> Bits {
        self.zip(o, |a, b| a | b)
    }

    /// `self` and not `o`.
    pub fn minus(&self, o: &Bits) -> Bits {
        self.zip(o, |a, b| a & !b)
    }

    pub fn not(&self) -> Bits {
        let mut b = self.clone();
        for w in b.words_mut() {
            *w = !*w;
        }
        b.trim();
        b
    }

    fn zip(&self, o: &Bits, f: impl Fn(u64, u64) -> u64) -> Bits {
        let mut out = self.clone();
        let theirs = o.words();
        for (i, w) in out.words_mut().iter_mut().enumerate() {
            *w = f(*w, theirs.get(i).copied().unwrap_or(0));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.words().iter().all(|&w| w == 0)
    }

    pub fn intersects(&self, o: &Bits) -> bool {
        self.words().iter().zip(o.words()).any(|(a, b)| a & b != 0)
    }

    pub fn count(&self) -> u64 {
        self.words().iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Indices of set bits, ascending.
    pub fn ones_iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words().iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let t = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + t)
            })
        })
    }

    /// Whether every bit in `from..to` is set.
    pub fn all_in(&self, from: usize, to: usize) -> bool {
        (from..to.min(self.len)).all(|i| self.get(i))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let a = Bits::ones(70);
        assert_eq!(a.count(), 70);
        assert_eq!(a.not().count(), 0);
        let mut b = Bits::zeros(70);
        b.set(3);
        b.set(69);
        assert_eq!(a.minus(&b).count(), 68);
        assert_eq!(b.ones_iter().collect::<Vec<_>>(), vec![3, 69]);
        assert!(b.all_in(3, 4) && !b.all_in(3, 5));
    }

    #[test]
    fn inline_and_heap_sets_agree() {
        for len in [1, 63, 64, 65, 128, 129, 200] {
            let mut a = Bits::zeros(len);
            for i in (0..len).step_by(3) {
                a.set(i);
            }
            let b = Bits::ones(len).minus(&a);
            assert_eq!(a.count() + b.count(), len as u64);
            assert!(!a.intersects(&b));
            assert_eq!(a.or(&b), Bits::ones(len));
            assert_eq!(a.not(), b);
            assert!(a.and(&b).is_empty());
            assert_eq!(a.ones_iter().count() as u64, a.count());
        }
    }
}
