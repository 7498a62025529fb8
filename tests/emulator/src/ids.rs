//! Deterministic identifiers.
//!
//! Ids (flows, operations, jobs, tokens, correlation ids) come from a counter
//! run through SplitMix64, so two emulators started alike hand out the same ids
//! in the same order; that keeps test failures reproducible.

/// One SplitMix64 step: a cheap, well-mixed 64-bit hash.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, to turn a string (a flow name) into a seed.
pub fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Formats two 64-bit words as a version-4-shaped UUID string.
pub fn uuid_from(a: u64, b: u64) -> String {
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// A counter-based UUID generator.
#[derive(Debug, Clone)]
pub struct IdGen {
    seed: u64,
    counter: u64,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self { seed, counter: 0 }
    }

    pub fn next_uuid(&mut self) -> String {
        self.counter += 1;
        let a = splitmix64(self.seed ^ self.counter.wrapping_mul(2));
        let b = splitmix64(a ^ self.counter.wrapping_mul(2).wrapping_add(1));
        uuid_from(a, b)
    }

    /// A longer opaque string (access tokens, upload signatures).
    pub fn next_token(&mut self) -> String {
        let a = self.next_uuid().replace('-', "");
        let b = self.next_uuid().replace('-', "");
        format!("{a}{b}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_well_formed_and_repeatable() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        let x = a.next_uuid();
        assert_eq!(x, b.next_uuid());
        assert_eq!(x.len(), 36);
        assert_eq!(&x[14..15], "4");
        assert_ne!(x, a.next_uuid());
    }
}
