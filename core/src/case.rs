//! Unicode upper case without std's upper-case table: [`to_uppercase`] and
//! [`push_uppercase`] give exactly what `str::to_uppercase` and `char::to_uppercase` give
//! (every `char` is compared with std's in a test), from a run-length table of about 2.4 KB.
//! std's own table is 12 KB of data and cost the wasm package 7.7 KB gzipped, for two
//! callers that upper-case a few characters (a title's first letter, one test value of the
//! certificate). Lower case stays std's: its callers need it on the hot path and other
//! modules use it anyway.
//!
//! The tables follow the Unicode version of the Rust toolchain that generated them. When a
//! new toolchain changes its tables, `case::tests::tables_are_std_s` fails, and its message
//! holds the two tables made from the new toolchain's std, ready to paste here (nothing in
//! the core prints).

/// Runs of characters whose upper case is one character at a fixed distance, sorted by
/// first character: `(first | (count - 1) << 21 | (stride - 1) << 28, distance)`, covering
/// `first`, `first + stride`, … (`count` characters; stride 1 or 2).
#[rustfmt::skip]
const RUNS: &[(u32, i32)] = &[
    (0x3200061, -32), (0xb5, 743), (0x2c000e0, -32), (0xc000f8, -32),
    (0xff, 121), (0x12e00101, -1), (0x131, -232), (0x10400133, -1),
    (0x10e0013a, -1), (0x12c0014b, -1), (0x1040017a, -1), (0x17f, -300),
    (0x180, 195), (0x10200183, -1), (0x188, -1), (0x18c, -1),
    (0x192, -1), (0x195, 97), (0x199, -1), (0x19a, 163),
    (0x19b, 42561), (0x19e, 130), (0x104001a1, -1), (0x1a8, -1),
    (0x1ad, -1), (0x1b0, -1), (0x102001b4, -1), (0x1b9, -1),
    (0x1bd, -1), (0x1bf, 56), (0x1c5, -1), (0x1c6, -2),
    (0x1c8, -1), (0x1c9, -2), (0x1cb, -1), (0x1cc, -2),
    (0x10e001ce, -1), (0x1dd, -79), (0x110001df, -1), (0x1f2, -1),
    (0x1f3, -2), (0x1f5, -1), (0x126001f9, -1), (0x11000223, -1),
    (0x23c, -1), (0x20023f, 10815), (0x242, -1), (0x10800247, -1),
    (0x250, 10783), (0x251, 10780), (0x252, 10782), (0x253, -210),
    (0x254, -206), (0x200256, -205), (0x259, -202), (0x25b, -203),
    (0x25c, 42319), (0x260, -205), (0x261, 42315), (0x263, -207),
    (0x264, 42343), (0x265, 42280), (0x266, 42308), (0x268, -209),
    (0x269, -211), (0x26a, 42308), (0x26b, 10743), (0x26c, 42305),
    (0x26f, -211), (0x271, 10749), (0x272, -213), (0x275, -214),
    (0x27d, 10727), (0x280, -218), (0x282, 42307), (0x283, -218),
    (0x287, 42282), (0x288, -218), (0x289, -69), (0x20028a, -217),
    (0x28c, -71), (0x292, -219), (0x29d, 42261), (0x29e, 42258),
    (0x345, 84), (0x10200371, -1), (0x377, -1), (0x40037b, 130),
    (0x3ac, -38), (0x4003ad, -37), (0x20003b1, -32), (0x3c2, -31),
    (0x10003c3, -32), (0x3cc, -64), (0x2003cd, -63), (0x3d0, -62),
    (0x3d1, -57), (0x3d5, -47), (0x3d6, -54), (0x3d7, -8),
    (0x116003d9, -1), (0x3f0, -86), (0x3f1, -80), (0x3f2, 7),
    (0x3f3, -116), (0x3f5, -96), (0x3f8, -1), (0x3fb, -1),
    (0x3e00430, -32), (0x1e00450, -80), (0x12000461, -1), (0x1340048b, -1),
    (0x10c004c2, -1), (0x4cf, -15), (0x15e004d1, -1), (0x4a00561, -48),
    (0x54010d0, 3008), (0x4010fd, 3008), (0xa013f8, -8), (0x1c80, -6254),
    (0x1c81, -6253), (0x1c82, -6244), (0x201c83, -6242), (0x1c85, -6243),
    (0x1c86, -6236), (0x1c87, -6181), (0x1c88, 35266), (0x1c8a, -1),
    (0x1d79, 35332), (0x1d7d, 3814), (0x1d8e, 35384), (0x19401e01, -1),
    (0x1e9b, -59), (0x15e01ea1, -1), (0xe01f00, 8), (0xa01f10, 8),
    (0xe01f20, 8), (0xe01f30, 8), (0xa01f40, 8), (0x1f51, 8),
    (0x1f53, 8), (0x1f55, 8), (0x1f57, 8), (0xe01f60, 8),
    (0x201f70, 74), (0x601f72, 86), (0x201f76, 100), (0x201f78, 128),
    (0x201f7a, 112), (0x201f7c, 126), (0x201fb0, 8), (0x1fbe, -7205),
    (0x201fd0, 8), (0x201fe0, 8), (0x1fe5, 7), (0x214e, -28),
    (0x1e02170, -16), (0x2184, -1), (0x32024d0, -26), (0x5e02c30, -48),
    (0x2c61, -1), (0x2c65, -10795), (0x2c66, -10792), (0x10402c68, -1),
    (0x2c73, -1), (0x2c76, -1), (0x16202c81, -1), (0x10202cec, -1),
    (0x2cf3, -1), (0x4a02d00, -7264), (0x2d27, -7264), (0x2d2d, -7264),
    (0x12c0a641, -1), (0x11a0a681, -1), (0x10c0a723, -1), (0x13c0a733, -1),
    (0x1020a77a, -1), (0x1080a77f, -1), (0xa78c, -1), (0x1020a791, -1),
    (0xa794, 48), (0x1120a797, -1), (0x10e0a7b5, -1), (0x1020a7c8, -1),
    (0x10e0a7cd, -1), (0xa7f6, -1), (0xab53, -928), (0x9e0ab70, -38864),
    (0x320ff41, -32), (0x4e10428, -40), (0x46104d8, -40), (0x1410597, -39),
    (0x1c105a3, -39), (0xc105b3, -39), (0x2105bb, -39), (0x6410cc0, -64),
    (0x2a10d70, -32), (0x3e118c0, -32), (0x3e16e60, -32), (0x3016ebb, -27),
    (0x421e922, -34),
];

/// Characters whose upper case is two or three characters (all in the BMP), sorted; unused
/// places are 0.
#[rustfmt::skip]
const MULTI: &[(u16, [u16; 3])] = &[
    (0xdf, [0x53, 0x53, 0x0]), (0x149, [0x2bc, 0x4e, 0x0]), (0x1f0, [0x4a, 0x30c, 0x0]),
    (0x390, [0x399, 0x308, 0x301]), (0x3b0, [0x3a5, 0x308, 0x301]), (0x587, [0x535, 0x552, 0x0]),
    (0x1e96, [0x48, 0x331, 0x0]), (0x1e97, [0x54, 0x308, 0x0]), (0x1e98, [0x57, 0x30a, 0x0]),
    (0x1e99, [0x59, 0x30a, 0x0]), (0x1e9a, [0x41, 0x2be, 0x0]), (0x1f50, [0x3a5, 0x313, 0x0]),
    (0x1f52, [0x3a5, 0x313, 0x300]), (0x1f54, [0x3a5, 0x313, 0x301]), (0x1f56, [0x3a5, 0x313, 0x342]),
    (0x1f80, [0x1f08, 0x399, 0x0]), (0x1f81, [0x1f09, 0x399, 0x0]), (0x1f82, [0x1f0a, 0x399, 0x0]),
    (0x1f83, [0x1f0b, 0x399, 0x0]), (0x1f84, [0x1f0c, 0x399, 0x0]), (0x1f85, [0x1f0d, 0x399, 0x0]),
    (0x1f86, [0x1f0e, 0x399, 0x0]), (0x1f87, [0x1f0f, 0x399, 0x0]), (0x1f88, [0x1f08, 0x399, 0x0]),
    (0x1f89, [0x1f09, 0x399, 0x0]), (0x1f8a, [0x1f0a, 0x399, 0x0]), (0x1f8b, [0x1f0b, 0x399, 0x0]),
    (0x1f8c, [0x1f0c, 0x399, 0x0]), (0x1f8d, [0x1f0d, 0x399, 0x0]), (0x1f8e, [0x1f0e, 0x399, 0x0]),
    (0x1f8f, [0x1f0f, 0x399, 0x0]), (0x1f90, [0x1f28, 0x399, 0x0]), (0x1f91, [0x1f29, 0x399, 0x0]),
    (0x1f92, [0x1f2a, 0x399, 0x0]), (0x1f93, [0x1f2b, 0x399, 0x0]), (0x1f94, [0x1f2c, 0x399, 0x0]),
    (0x1f95, [0x1f2d, 0x399, 0x0]), (0x1f96, [0x1f2e, 0x399, 0x0]), (0x1f97, [0x1f2f, 0x399, 0x0]),
    (0x1f98, [0x1f28, 0x399, 0x0]), (0x1f99, [0x1f29, 0x399, 0x0]), (0x1f9a, [0x1f2a, 0x399, 0x0]),
    (0x1f9b, [0x1f2b, 0x399, 0x0]), (0x1f9c, [0x1f2c, 0x399, 0x0]), (0x1f9d, [0x1f2d, 0x399, 0x0]),
    (0x1f9e, [0x1f2e, 0x399, 0x0]), (0x1f9f, [0x1f2f, 0x399, 0x0]), (0x1fa0, [0x1f68, 0x399, 0x0]),
    (0x1fa1, [0x1f69, 0x399, 0x0]), (0x1fa2, [0x1f6a, 0x399, 0x0]), (0x1fa3, [0x1f6b, 0x399, 0x0]),
    (0x1fa4, [0x1f6c, 0x399, 0x0]), (0x1fa5, [0x1f6d, 0x399, 0x0]), (0x1fa6, [0x1f6e, 0x399, 0x0]),
    (0x1fa7, [0x1f6f, 0x399, 0x0]), (0x1fa8, [0x1f68, 0x399, 0x0]), (0x1fa9, [0x1f69, 0x399, 0x0]),
    (0x1faa, [0x1f6a, 0x399, 0x0]), (0x1fab, [0x1f6b, 0x399, 0x0]), (0x1fac, [0x1f6c, 0x399, 0x0]),
    (0x1fad, [0x1f6d, 0x399, 0x0]), (0x1fae, [0x1f6e, 0x399, 0x0]), (0x1faf, [0x1f6f, 0x399, 0x0]),
    (0x1fb2, [0x1fba, 0x399, 0x0]), (0x1fb3, [0x391, 0x399, 0x0]), (0x1fb4, [0x386, 0x399, 0x0]),
    (0x1fb6, [0x391, 0x342, 0x0]), (0x1fb7, [0x391, 0x342, 0x399]), (0x1fbc, [0x391, 0x399, 0x0]),
    (0x1fc2, [0x1fca, 0x399, 0x0]), (0x1fc3, [0x397, 0x399, 0x0]), (0x1fc4, [0x389, 0x399, 0x0]),
    (0x1fc6, [0x397, 0x342, 0x0]), (0x1fc7, [0x397, 0x342, 0x399]), (0x1fcc, [0x397, 0x399, 0x0]),
    (0x1fd2, [0x399, 0x308, 0x300]), (0x1fd3, [0x399, 0x308, 0x301]), (0x1fd6, [0x399, 0x342, 0x0]),
    (0x1fd7, [0x399, 0x308, 0x342]), (0x1fe2, [0x3a5, 0x308, 0x300]), (0x1fe3, [0x3a5, 0x308, 0x301]),
    (0x1fe4, [0x3a1, 0x313, 0x0]), (0x1fe6, [0x3a5, 0x342, 0x0]), (0x1fe7, [0x3a5, 0x308, 0x342]),
    (0x1ff2, [0x1ffa, 0x399, 0x0]), (0x1ff3, [0x3a9, 0x399, 0x0]), (0x1ff4, [0x38f, 0x399, 0x0]),
    (0x1ff6, [0x3a9, 0x342, 0x0]), (0x1ff7, [0x3a9, 0x342, 0x399]), (0x1ffc, [0x3a9, 0x399, 0x0]),
    (0xfb00, [0x46, 0x46, 0x0]), (0xfb01, [0x46, 0x49, 0x0]), (0xfb02, [0x46, 0x4c, 0x0]),
    (0xfb03, [0x46, 0x46, 0x49]), (0xfb04, [0x46, 0x46, 0x4c]), (0xfb05, [0x53, 0x54, 0x0]),
    (0xfb06, [0x53, 0x54, 0x0]), (0xfb13, [0x544, 0x546, 0x0]), (0xfb14, [0x544, 0x535, 0x0]),
    (0xfb15, [0x544, 0x53b, 0x0]), (0xfb16, [0x54e, 0x546, 0x0]), (0xfb17, [0x544, 0x53d, 0x0]),
];

/// Appends the upper case of `c` (one to three characters), as `char::to_uppercase`.
pub fn push_uppercase(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_uppercase());
        return;
    }
    let cp = u32::from(c);
    if let Some((_, chars)) = MULTI
        .binary_search_by_key(&cp, |&(k, _)| u32::from(k))
        .ok()
        .and_then(|i| MULTI.get(i))
    {
        for &u in chars.iter().filter(|&&u| u != 0) {
            out.push(char::from_u32(u32::from(u)).unwrap_or(c));
        }
        return;
    }
    let at = RUNS.partition_point(|&(packed, _)| packed & 0x1F_FFFF <= cp);
    if let Some(&(packed, distance)) = at.checked_sub(1).and_then(|i| RUNS.get(i)) {
        let first = packed & 0x1F_FFFF;
        let count = ((packed >> 21) & 0x7F) + 1;
        let stride = (packed >> 28) + 1;
        let offset = cp - first;
        if offset < count * stride
            && offset.is_multiple_of(stride)
            && let Some(u) = char::from_u32(cp.wrapping_add_signed(distance))
        {
            out.push(u);
            return;
        }
    }
    out.push(c);
}

/// The upper case of `s`, as `str::to_uppercase`.
pub fn to_uppercase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_uppercase(&mut out, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..=0x10_FFFF).filter_map(char::from_u32)
    }

    #[test]
    fn matches_std_for_every_char() {
        let mut ours = String::new();
        for c in all_chars() {
            ours.clear();
            push_uppercase(&mut ours, c);
            let std: String = c.to_uppercase().collect();
            assert_eq!(
                ours,
                std,
                "U+{:04X}: the tables are out of date (see the module's documentation)",
                u32::from(c)
            );
        }
    }

    #[test]
    fn strings_match_std() {
        for s in [
            "",
            "transferToAcd",
            "straße ﬃ ŉ ǰ ΐ և ᾳ ﬓ",
            "émile Ωμέγα ǅ ǆ ǈ ſ ı ꭰ 𐐨 𞤢",
            "ɐ ɑ ɒ ʞ ᲀ ꙋ ᏸ",
        ] {
            assert_eq!(to_uppercase(s), s.to_uppercase(), "{s}");
        }
    }

    /// The tables above, derived from std's `char::to_uppercase`: equal to the constants,
    /// or the failure message holds them as source to paste.
    #[test]
    fn tables_are_std_s() {
        let mut singles: Vec<(u32, i32)> = Vec::new();
        let mut multi: Vec<(u32, Vec<u32>)> = Vec::new();
        for c in all_chars() {
            let u: Vec<u32> = c.to_uppercase().map(u32::from).collect();
            let cp = u32::from(c);
            match u.as_slice() {
                [one] if *one == cp => {}
                [one] => singles.push((cp, *one as i32 - cp as i32)),
                _ => multi.push((cp, u)),
            }
        }
        let changed =
            |cp: u32| char::from_u32(cp).is_some_and(|c| c.to_uppercase().ne(std::iter::once(c)));
        let mut runs: Vec<(u32, i32)> = Vec::new();
        let mut i = 0;
        while let Some(&(first, distance)) = singles.get(i) {
            let next = singles.get(i + 1).copied();
            let stride = match next {
                Some((c, d)) if d == distance && c == first + 1 => 1,
                Some((c, d)) if d == distance && c == first + 2 && !changed(first + 1) => 2,
                _ => 1,
            };
            let mut count = 1;
            while count < 128 {
                match singles.get(i + count as usize) {
                    Some(&(c, d))
                        if d == distance
                            && c == first + count * stride
                            && (stride == 1 || !changed(c - 1)) =>
                    {
                        count += 1;
                    }
                    _ => break,
                }
            }
            runs.push((first | (count - 1) << 21 | (stride - 1) << 28, distance));
            i += count as usize;
        }
        let multi: Vec<(u16, [u16; 3])> = multi
            .iter()
            .map(|(c, u)| {
                let mut three = [0u16; 3];
                for (slot, &x) in three.iter_mut().zip(u) {
                    *slot = x as u16;
                }
                (*c as u16, three)
            })
            .collect();
        if runs == RUNS && multi == MULTI {
            return;
        }
        let mut source = String::from("const RUNS: &[(u32, i32)] = &[\n");
        for chunk in runs.chunks(4) {
            let row: Vec<String> = chunk
                .iter()
                .map(|(p, d)| format!("({p:#x}, {d})"))
                .collect();
            source.push_str(&format!("    {},\n", row.join(", ")));
        }
        source.push_str("];\nconst MULTI: &[(u16, [u16; 3])] = &[\n");
        for chunk in multi.chunks(3) {
            let row: Vec<String> = chunk
                .iter()
                .map(|(c, u)| format!("({c:#x}, [{:#x}, {:#x}, {:#x}])", u[0], u[1], u[2]))
                .collect();
            source.push_str(&format!("    {},\n", row.join(", ")));
        }
        source.push_str("];\n");
        panic!("the case tables differ from this toolchain's std; replace them with:\n{source}");
    }
}
