//! A fixed-length bit set over the cell combinations of a [`super::domain::Space`]: the
//! region where a condition is true is one `Bits`, so routing questions become a few word
//! operations per condition.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    pub fn zeros(len: usize) -> Bits {
        Bits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    pub fn ones(len: usize) -> Bits {
        let mut b = Bits {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        b.trim();
        b
    }

    fn trim(&mut self) {
        let rem = self.len % 64;
        if rem != 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << rem) - 1;
        }
    }

    pub fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub fn set(&mut self, i: usize) {
        if let Some(w) = self.words.get_mut(i / 64) {
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
        let mut b = Bits {
            words: self.words.iter().map(|w| !w).collect(),
            len: self.len,
        };
        b.trim();
        b
    }

    fn zip(&self, o: &Bits, f: impl Fn(u64, u64) -> u64) -> Bits {
        Bits {
            words: self
                .words
                .iter()
                .zip(o.words.iter().chain(std::iter::repeat(&0)))
                .map(|(&a, &b)| f(a, b))
                .collect(),
            len: self.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    pub fn intersects(&self, o: &Bits) -> bool {
        self.words.iter().zip(&o.words).any(|(a, b)| a & b != 0)
    }

    pub fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Indices of set bits, ascending.
    pub fn ones_iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
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
}
