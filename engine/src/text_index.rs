//! An index from short texts (node ids, member keys) to `u32` items whose texts the caller
//! keeps: open addressing with linear probing over one array of `(hash, item)` pairs.
//!
//! Why not `hashbrown` with `FxHasher`: at opt-level "z" (the wasm package) its generic
//! probing, hashing and closures stay calls, and interning the ids of a 10,000-node flow
//! was about a fifth of reading its JSON. This table is a few lines that inline: a
//! 50 % load factor keeps probes short, growth re-places entries by their stored hash
//! without reading any text again, and the hash of a short id is one multiply.
//!
//! The hash is fixed (no per-process seed: the core has no randomness), so a document
//! made to collide can make look-ups slow; as with FxHash before, a document is the user's
//! own, and inputs are size-limited.

/// The hash of a text for [`TextIndex`]: eight bytes a step, then a multiply whose upper
/// half (the well-mixed bits) is the result. Always inlined: the wasm package's opt-level
/// "z" ignores `#[inline]`, and every node id and large-object key is hashed.
#[inline(always)]
pub fn hash(bytes: &[u8]) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in chunks.by_ref() {
        // One load a step: a byte loop here stays a loop at opt-level "z".
        h = (h ^ word8(chunk)).wrapping_mul(K);
        h ^= h >> 29;
    }
    // The tail (at most seven bytes) by loads, not a byte loop: `short` tells apart any
    // two tails of one length, and the length is in `h` already. It puts bytes in the
    // word's upper half, which a multiply carries only upwards: one more mixing step
    // brings them down to the bits the table indexes by.
    let x = (h ^ short(chunks.remainder())).wrapping_mul(K);
    ((x ^ (x >> 29)).wrapping_mul(K) >> 32) as u32
}

/// Whether two short texts are equal, compared a word at a time. Slice equality calls
/// `memcmp`, which in the wasm package is a byte loop out of line; node ids and member
/// keys are mostly a few bytes, so here they are two or three loads.
#[inline]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Most ids are under eight bytes: two or three loads each, without the word loop.
    if a.len() < 8 {
        return short(a) == short(b);
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in x.by_ref().zip(y.by_ref()) {
        if word8(p) != word8(q) {
            return false;
        }
    }
    let (p, q) = (x.remainder(), y.remainder());
    if p.is_empty() {
        return true;
    }
    // A tail of a longer text: its last eight bytes, overlapping what was compared.
    match (
        a.get(a.len().wrapping_sub(8)..),
        b.get(b.len().wrapping_sub(8)..),
    ) {
        (Some(s), Some(t)) if a.len() >= 8 => word8(s) == word8(t),
        _ => short(p) == short(q),
    }
}

/// A text of at most 15 bytes (a member key) as one number: its bytes in order, little
/// endian, with its length in the top byte; `u128::MAX` for a longer text, which no text
/// of 15 bytes or fewer has. Readers match keys against the names they know by comparing
/// codes ([`key_code_of`] for the names): no `&str` per key and no comparison call per
/// name. Loads, not a byte loop.
#[inline(always)]
pub fn key_code(key: &[u8]) -> u128 {
    let n = key.len();
    let (low, high) = match n {
        // Bytes 8.. are the top n - 8 bytes of the last eight (for n == 8, none).
        8..=15 => (
            key.get(..8).map_or(0, word8),
            key.get(n - 8..)
                .map_or(0, word8)
                .checked_shr(8 * (16 - n) as u32)
                .unwrap_or(0),
        ),
        // Bytes 4.. are the top n - 4 bytes of the last four (for n == 4, none).
        4..=7 => (
            u64::from(word4(key, 0)) | (u64::from(word4(key, n - 4)) >> (8 * (8 - n))) << 32,
            0,
        ),
        0..=3 => {
            let at = |i: usize| u64::from(key.get(i).copied().unwrap_or(0));
            (at(0) | at(1) << 8 | at(2) << 16, 0)
        }
        _ => return u128::MAX,
    };
    u128::from(low) | u128::from(high) << 64 | (n as u128) << 120
}

/// [`key_code`] at compile time, for the names a reader matches keys against (`const`
/// items, so matching is comparing numbers). A name is at most 15 bytes.
pub const fn key_code_of(name: &[u8]) -> u128 {
    assert!(name.len() <= 15, "key_code_of: a name of at most 15 bytes");
    let mut code = (name.len() as u128) << 120;
    let mut i = 0;
    while i < name.len() {
        code |= (name[i] as u128) << (8 * i);
        i += 1;
    }
    code
}

/// The four bytes of `bytes` from `at` as a word (zero when there are not four).
#[inline(always)]
fn word4(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at.wrapping_add(4))
        .and_then(|c| <[u8; 4]>::try_from(c).ok())
        .map_or(0, u32::from_le_bytes)
}

/// Eight bytes as a word (zero for any other length).
#[inline(always)]
fn word8(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_le_bytes)
}

/// A text of one to seven bytes as a word that differs for any two texts of one length:
/// its first and last four bytes (overlapping), or for up to three bytes the first,
/// middle and last byte. Loads, not a loop or a `memcpy` call.
#[inline(always)]
fn short(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let four = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|c| <[u8; 4]>::try_from(c).ok())
            .map_or(0, u32::from_le_bytes)
    };
    if n >= 4 {
        u64::from(four(0)) | u64::from(four(n - 4)) << 32
    } else {
        let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
        at(0) | at(n / 2) << 8 | at(n.wrapping_sub(1)) << 16
    }
}

/// Items by the hash of their text; the caller compares texts (see [`TextIndex::find`]).
#[derive(Clone, Debug, Default)]
pub struct TextIndex {
    /// `(hash, item + 1)`; `item + 1 == 0` marks an empty place. The length is zero or a
    /// power of two at least twice `len`.
    places: Vec<(u32, u32)>,
    len: usize,
}

impl TextIndex {
    /// An index with room for `items` items before it grows.
    pub fn with_capacity(items: usize) -> TextIndex {
        let mut t = TextIndex::default();
        if items > 0 {
            t.places = vec![(0, 0); (items.saturating_mul(2)).next_power_of_two()];
        }
        t
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The item with hash `h` for which `same(item)` holds (its text is the one sought).
    #[inline]
    pub fn find(&self, h: u32, mut same: impl FnMut(u32) -> bool) -> Option<u32> {
        let mask = self.places.len().wrapping_sub(1);
        if self.places.is_empty() {
            return None;
        }
        let mut at = h as usize & mask;
        loop {
            let (ph, item) = *self.places.get(at)?;
            if item == 0 {
                return None;
            }
            if ph == h && same(item - 1) {
                return Some(item - 1);
            }
            at = (at + 1) & mask;
        }
    }

    /// The item already there for this text, else `None` after recording `item` for it.
    /// One probe: a new item goes into the empty place the search ended at (unless the
    /// index must grow first).
    #[inline]
    pub fn find_or_insert(
        &mut self,
        h: u32,
        item: u32,
        mut same: impl FnMut(u32) -> bool,
    ) -> Option<u32> {
        let mask = self.places.len().wrapping_sub(1);
        let mut at = h as usize & mask;
        while let Some(&(ph, stored)) = self.places.get(at) {
            if stored == 0 {
                if (self.len + 1) * 2 > self.places.len() {
                    break;
                }
                if let Some(p) = self.places.get_mut(at) {
                    *p = (h, item.saturating_add(1));
                }
                self.len += 1;
                return None;
            }
            if ph == h && same(stored - 1) {
                return Some(stored - 1);
            }
            at = (at + 1) & mask;
        }
        // Empty, or full enough to grow: the text is not there (the search reached an
        // empty place, or there is none).
        self.insert_new(h, item);
        None
    }

    /// Records `item` under `h`; the caller knows no item there has the same text.
    pub fn insert_new(&mut self, h: u32, item: u32) {
        if (self.len + 1) * 2 > self.places.len() {
            self.grow();
        }
        self.place(h, item.saturating_add(1));
        self.len += 1;
    }

    fn place(&mut self, h: u32, stored: u32) {
        let mask = self.places.len().wrapping_sub(1);
        let mut at = h as usize & mask;
        // Half the places are empty, so the probe ends.
        while let Some(p) = self.places.get_mut(at) {
            if p.1 == 0 {
                *p = (h, stored);
                return;
            }
            at = (at + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.places.len() * 2).max(16);
        let old = std::mem::replace(&mut self.places, vec![(0, 0); size]);
        for (h, stored) in old {
            if stored != 0 {
                self.place(h, stored);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: a linear search of the texts.
    fn naive(texts: &[String], t: &str) -> Option<u32> {
        texts.iter().position(|x| x == t).map(|i| i as u32)
    }

    #[test]
    fn finds_every_text_it_holds_and_no_other() {
        let mut texts: Vec<String> = Vec::new();
        let mut index = TextIndex::default();
        // Ids of every length up to 20 (the eight-byte steps and the tail), repeats included.
        let candidates: Vec<String> = (0..3000)
            .map(|i| format!("{}{}", "n".repeat(i % 17), i % 2500))
            .collect();
        for c in &candidates {
            let expected = naive(&texts, c);
            let got = index.find_or_insert(hash(c.as_bytes()), texts.len() as u32, |i| {
                texts[i as usize] == *c
            });
            assert_eq!(got, expected, "{c}");
            if got.is_none() {
                texts.push(c.clone());
            }
        }
        assert_eq!(index.len(), texts.len());
        for t in &texts {
            assert_eq!(
                index.find(hash(t.as_bytes()), |i| texts[i as usize] == *t),
                naive(&texts, t)
            );
        }
        assert_eq!(
            index.find(hash(b"absent"), |i| texts[i as usize] == "absent"),
            None
        );
    }

    #[test]
    fn with_capacity_holds_that_many_without_growing() {
        let mut index = TextIndex::with_capacity(100);
        let room = index.places.len();
        for i in 0..100u32 {
            index.insert_new(hash(&i.to_le_bytes()), i);
        }
        assert_eq!(index.places.len(), room);
        assert!(TextIndex::default().find(1, |_| true).is_none());
        // The same through `find_or_insert`, which places new items where its probe ends.
        let mut index = TextIndex::with_capacity(100);
        for i in 0..100u32 {
            let h = hash(&i.to_le_bytes());
            assert_eq!(index.find_or_insert(h, i, |j| j == i), None);
            assert_eq!(index.find_or_insert(h, 999, |j| j == i), Some(i));
        }
        assert_eq!((index.places.len(), index.len()), (room, 100));
        // Past the room it grows, and keeps what it held.
        for i in 100..1000u32 {
            assert_eq!(
                index.find_or_insert(hash(&i.to_le_bytes()), i, |_| false),
                None
            );
        }
        assert!(index.places.len() > room);
        for i in 0..1000u32 {
            assert_eq!(index.find(hash(&i.to_le_bytes()), |j| j == i), Some(i));
        }
    }

    #[test]
    fn same_matches_slice_equality() {
        let texts: Vec<Vec<u8>> = (0..40)
            .map(|n| (0..n).map(|i| b'a' + (i % 3) as u8).collect())
            .collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(same(a, b), a == b);
                let mut c = b.clone();
                for i in 0..c.len() {
                    c[i] ^= 1;
                    assert_eq!(same(a, &c), *a == c, "{a:?} {c:?}");
                    c[i] ^= 1;
                }
            }
        }
    }

    /// The reference: the bytes and the length as `key_code_of` computes them.
    #[test]
    fn key_codes_are_the_bytes_and_the_length() {
        let texts: Vec<Vec<u8>> = (0..=20)
            .flat_map(|n| {
                let plain: Vec<u8> = (0..n).map(|i| b'a' + i as u8).collect();
                let mut high = plain.clone();
                if let Some(last) = high.last_mut() {
                    *last = 0xff;
                }
                let zeros = vec![0u8; n];
                [plain, high, zeros]
            })
            .collect();
        for a in &texts {
            let code = key_code(a);
            if a.len() <= 15 {
                assert_eq!(code, key_code_of(a), "{a:?}");
            } else {
                assert_eq!(code, u128::MAX, "{a:?}");
            }
            for b in &texts {
                assert_eq!(
                    code == key_code(b),
                    a == b || (a.len() > 15 && b.len() > 15)
                );
            }
        }
        const TYPE: u128 = key_code_of(b"type");
        assert_eq!(key_code(b"type"), TYPE);
        assert_ne!(key_code(b"type\0"), TYPE);
        assert_ne!(key_code(b"typ"), TYPE);
    }

    #[test]
    fn hash_spreads_short_ids() {
        // Sequential ids (n0, n1, ...) must not pile onto few places.
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000 {
            seen.insert(hash(format!("n{i}").as_bytes()) & 0x3fff);
        }
        assert!(seen.len() > 6_000, "{}", seen.len());
    }
}
