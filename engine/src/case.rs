//! Unicode upper and lower case without std's case tables: [`to_uppercase`] and
//! [`push_uppercase`] give exactly what `str::to_uppercase` and `char::to_uppercase` give,
//! [`to_lowercase`] exactly what `str::to_lowercase` gives, final sigma included (every
//! `char` is compared with std's in a test, alone and on both sides of a `Σ`), from
//! run-length tables of a few KB. std's upper-case table is 12 KB of data and cost the wasm
//! package 7.7 KB gzipped for two callers that upper-case a few characters (a title's first
//! letter, one test value of the certificate); its lower-case table is 11.7 KB, 4.3 KB
//! gzipped, with 4 KB of code, for callers that compare names and strings without regard to
//! case (flow names, speech terms, the decision analysis's string comparisons). Those
//! callers mostly see ASCII, which [`to_lowercase`] handles without the tables.
//!
//! The tables follow the Unicode version of the Rust toolchain that generated them. When a
//! new toolchain changes its tables, `case::tests::tables_are_std_s` fails, and its message
//! holds the tables made from the new toolchain's std, ready to paste here (nothing in the
//! core prints).

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

/// As [`RUNS`], for lower case.
#[rustfmt::skip]
const LOWER_RUNS: &[(u32, i32)] = &[
    (0x3200041, 32), (0x2c000c0, 32), (0xc000d8, 32), (0x12e00100, 1),
    (0x10400132, 1), (0x10e00139, 1), (0x12c0014a, 1), (0x178, -121),
    (0x10400179, 1), (0x181, 210), (0x10200182, 1), (0x186, 206),
    (0x187, 1), (0x200189, 205), (0x18b, 1), (0x18e, 79),
    (0x18f, 202), (0x190, 203), (0x191, 1), (0x193, 205),
    (0x194, 207), (0x196, 211), (0x197, 209), (0x198, 1),
    (0x19c, 211), (0x19d, 213), (0x19f, 214), (0x104001a0, 1),
    (0x1a6, 218), (0x1a7, 1), (0x1a9, 218), (0x1ac, 1),
    (0x1ae, 218), (0x1af, 1), (0x2001b1, 217), (0x102001b3, 1),
    (0x1b7, 219), (0x1b8, 1), (0x1bc, 1), (0x1c4, 2),
    (0x1c5, 1), (0x1c7, 2), (0x1c8, 1), (0x1ca, 2),
    (0x110001cb, 1), (0x110001de, 1), (0x1f1, 2), (0x102001f2, 1),
    (0x1f6, -97), (0x1f7, -56), (0x126001f8, 1), (0x220, -130),
    (0x11000222, 1), (0x23a, 10795), (0x23b, 1), (0x23d, -163),
    (0x23e, 10792), (0x241, 1), (0x243, -195), (0x244, 69),
    (0x245, 71), (0x10800246, 1), (0x10200370, 1), (0x376, 1),
    (0x37f, 116), (0x386, 38), (0x400388, 37), (0x38c, 64),
    (0x20038e, 63), (0x2000391, 32), (0x10003a3, 32), (0x3cf, 8),
    (0x116003d8, 1), (0x3f4, -60), (0x3f7, 1), (0x3f9, -7),
    (0x3fa, 1), (0x4003fd, -130), (0x1e00400, 80), (0x3e00410, 32),
    (0x12000460, 1), (0x1340048a, 1), (0x4c0, 15), (0x10c004c1, 1),
    (0x15e004d0, 1), (0x4a00531, 48), (0x4a010a0, 7264), (0x10c7, 7264),
    (0x10cd, 7264), (0x9e013a0, 38864), (0xa013f0, 8), (0x1c89, 1),
    (0x5401c90, -3008), (0x401cbd, -3008), (0x19401e00, 1), (0x1e9e, -7615),
    (0x15e01ea0, 1), (0xe01f08, -8), (0xa01f18, -8), (0xe01f28, -8),
    (0xe01f38, -8), (0xa01f48, -8), (0x10601f59, -8), (0xe01f68, -8),
    (0xe01f88, -8), (0xe01f98, -8), (0xe01fa8, -8), (0x201fb8, -8),
    (0x201fba, -74), (0x1fbc, -9), (0x601fc8, -86), (0x1fcc, -9),
    (0x201fd8, -8), (0x201fda, -100), (0x201fe8, -8), (0x201fea, -112),
    (0x1fec, -7), (0x201ff8, -128), (0x201ffa, -126), (0x1ffc, -9),
    (0x2126, -7517), (0x212a, -8383), (0x212b, -8262), (0x2132, 28),
    (0x1e02160, 16), (0x2183, 1), (0x32024b6, 26), (0x5e02c00, 48),
    (0x2c60, 1), (0x2c62, -10743), (0x2c63, -3814), (0x2c64, -10727),
    (0x10402c67, 1), (0x2c6d, -10780), (0x2c6e, -10749), (0x2c6f, -10783),
    (0x2c70, -10782), (0x2c72, 1), (0x2c75, 1), (0x202c7e, -10815),
    (0x16202c80, 1), (0x10202ceb, 1), (0x2cf2, 1), (0x12c0a640, 1),
    (0x11a0a680, 1), (0x10c0a722, 1), (0x13c0a732, 1), (0x1020a779, 1),
    (0xa77d, -35332), (0x1080a77e, 1), (0xa78b, 1), (0xa78d, -42280),
    (0x1020a790, 1), (0x1120a796, 1), (0xa7aa, -42308), (0xa7ab, -42319),
    (0xa7ac, -42315), (0xa7ad, -42305), (0xa7ae, -42308), (0xa7b0, -42258),
    (0xa7b1, -42282), (0xa7b2, -42261), (0xa7b3, 928), (0x10e0a7b4, 1),
    (0xa7c4, -48), (0xa7c5, -42307), (0xa7c6, -35384), (0x1020a7c7, 1),
    (0xa7cb, -42343), (0x10e0a7cc, 1), (0xa7dc, -42561), (0xa7f5, 1),
    (0x320ff21, 32), (0x4e10400, 40), (0x46104b0, 40), (0x1410570, 39),
    (0x1c1057c, 39), (0xc1058c, 39), (0x210594, 39), (0x6410c80, 64),
    (0x2a10d50, 32), (0x3e118a0, 32), (0x3e16e40, 32), (0x3016ea0, 27),
    (0x421e900, 34),
];

/// As [`MULTI`], for lower case.
#[rustfmt::skip]
const LOWER_MULTI: &[(u16, [u16; 3])] = &[
    (0x130, [0x69, 0x307, 0x0]),
];

/// The characters `str::to_lowercase`'s final-sigma rule skips (Case_Ignorable) or stops
/// at as cased (Cased and not Case_Ignorable), sorted: `first | (count - 1) << 21 |
/// ignorable << 31`, covering `first` to `first + count - 1`. Any other character is
/// neither.
#[rustfmt::skip]
const SIGMA_CLASSES: &[u32] = &[
    0x80000027, 0x8000002e, 0x8000003a, 0x3200041, 0x8000005e, 0x80000060,
    0x3200061, 0x800000a8, 0xaa, 0x800000ad, 0x800000af, 0x800000b4,
    0xb5, 0x802000b7, 0xba, 0x2c000c0, 0x3c000d8, 0x184000f8,
    0x6001bc, 0x19e001c4, 0x3200296, 0x97e002b0, 0x600370, 0x80200374,
    0x200376, 0x8000037a, 0x40037b, 0x37f, 0x80200384, 0x386,
    0x80000387, 0x400388, 0x38c, 0x260038e, 0xa4003a3, 0x114003f7,
    0x80c00483, 0x14a0048a, 0x4a00531, 0x80000559, 0x8000055f, 0x5000560,
    0x85800591, 0x800005bf, 0x802005c1, 0x802005c4, 0x800005c7, 0x800005f4,
    0x80a00600, 0x81400610, 0x8000061c, 0x80000640, 0x8280064b, 0x80000670,
    0x80e006d6, 0x812006df, 0x806006ea, 0x8000070f, 0x80000711, 0x83400730,
    0x814007a6, 0x814007eb, 0x800007fa, 0x800007fd, 0x82e00816, 0x80400859,
    0x80000888, 0x80200890, 0x81000897, 0x872008c9, 0x8000093a, 0x8000093c,
    0x80e00941, 0x8000094d, 0x80c00951, 0x80200962, 0x80000971, 0x80000981,
    0x800009bc, 0x806009c1, 0x800009cd, 0x802009e2, 0x800009fe, 0x80200a01,
    0x80000a3c, 0x80200a41, 0x80200a47, 0x80400a4b, 0x80000a51, 0x80200a70,
    0x80000a75, 0x80200a81, 0x80000abc, 0x80800ac1, 0x80200ac7, 0x80000acd,
    0x80200ae2, 0x80a00afa, 0x80000b01, 0x80000b3c, 0x80000b3f, 0x80600b41,
    0x80000b4d, 0x80200b55, 0x80200b62, 0x80000b82, 0x80000bc0, 0x80000bcd,
    0x80000c00, 0x80000c04, 0x80000c3c, 0x80400c3e, 0x80400c46, 0x80600c4a,
    0x80200c55, 0x80200c62, 0x80000c81, 0x80000cbc, 0x80000cbf, 0x80000cc6,
    0x80200ccc, 0x80200ce2, 0x80200d00, 0x80200d3b, 0x80600d41, 0x80000d4d,
    0x80200d62, 0x80000d81, 0x80000dca, 0x80400dd2, 0x80000dd6, 0x80000e31,
    0x80c00e34, 0x81000e46, 0x80000eb1, 0x81000eb4, 0x80000ec6, 0x80c00ec8,
    0x80200f18, 0x80000f35, 0x80000f37, 0x80000f39, 0x81a00f71, 0x80800f80,
    0x80200f86, 0x81400f8d, 0x84600f99, 0x80000fc6, 0x8060102d, 0x80a01032,
    0x80201039, 0x8020103d, 0x80201058, 0x8040105e, 0x80601071, 0x80001082,
    0x80201085, 0x8000108d, 0x8000109d, 0x4a010a0, 0x10c7, 0x10cd,
    0x54010d0, 0x800010fc, 0x4010fd, 0x8040135d, 0xaa013a0, 0xa013f8,
    0x80401712, 0x80201732, 0x80201752, 0x80201772, 0x802017b4, 0x80c017b7,
    0x800017c6, 0x814017c9, 0x800017d7, 0x800017dd, 0x8080180b, 0x80001843,
    0x80201885, 0x800018a9, 0x80401920, 0x80201927, 0x80001932, 0x80401939,
    0x80201a17, 0x80001a1b, 0x80001a56, 0x80c01a58, 0x80001a60, 0x80001a62,
    0x80e01a65, 0x81201a73, 0x80001a7f, 0x80001aa7, 0x85a01ab0, 0x81601ae0,
    0x80601b00, 0x80001b34, 0x80801b36, 0x80001b3c, 0x80001b42, 0x81001b6b,
    0x80201b80, 0x80601ba2, 0x80201ba8, 0x80401bab, 0x80001be6, 0x80201be8,
    0x80001bed, 0x80401bef, 0x80e01c2c, 0x80201c36, 0x80a01c78, 0x1401c80,
    0x5401c90, 0x401cbd, 0x80401cd0, 0x81801cd4, 0x80c01ce2, 0x80001ced,
    0x80001cf4, 0x80201cf8, 0x5601d00, 0x87c01d2c, 0x1801d6b, 0x80001d78,
    0x4201d79, 0x8c801d9b, 0x22a01e00, 0xa01f18, 0x4a01f20, 0xa01f48,
    0xe01f50, 0x1f59, 0x1f5b, 0x1f5d, 0x3c01f5f, 0x6801f80,
    0xc01fb6, 0x80001fbd, 0x1fbe, 0x80401fbf, 0x401fc2, 0xc01fc6,
    0x80401fcd, 0x601fd0, 0xa01fd6, 0x80401fdd, 0x1801fe0, 0x80401fed,
    0x401ff2, 0xc01ff6, 0x80201ffd, 0x8080200b, 0x80202018, 0x80002024,
    0x80002027, 0x8080202a, 0x80802060, 0x81202066, 0x80002071, 0x8000207f,
    0x81802090, 0x840020d0, 0x2102, 0x2107, 0x120210a, 0x2115,
    0x802119, 0x2124, 0x2126, 0x2128, 0x60212a, 0xa0212f,
    0x2139, 0x60213c, 0x802145, 0x214e, 0x3e02160, 0x202183,
    0x66024b6, 0xf602c00, 0x80202c7c, 0xcc02c7e, 0x602ceb, 0x80402cef,
    0x202cf2, 0x4a02d00, 0x2d27, 0x2d2d, 0x80002d6f, 0x80002d7f,
    0x83e02de0, 0x80002e2f, 0x80003005, 0x8060302a, 0x80803031, 0x8000303b,
    0x80a03099, 0x804030fc, 0x8000a015, 0x80a0a4f8, 0x8000a60c, 0x5a0a640,
    0x8060a66f, 0x8120a674, 0x8000a67f, 0x360a680, 0x8060a69c, 0x8020a6f0,
    0x8420a700, 0x9a0a722, 0x8000a770, 0x2c0a771, 0x8040a788, 0x60a78b,
    0x980a790, 0x8060a7f1, 0x20a7f5, 0x8020a7f8, 0xa7fa, 0x8000a802,
    0x8000a806, 0x8000a80b, 0x8020a825, 0x8000a82c, 0x8020a8c4, 0x8220a8e0,
    0x8000a8ff, 0x80e0a926, 0x8140a947, 0x8040a980, 0x8000a9b3, 0x8060a9b6,
    0x8020a9bc, 0x8000a9cf, 0x8020a9e5, 0x80a0aa29, 0x8020aa31, 0x8020aa35,
    0x8000aa43, 0x8000aa4c, 0x8000aa70, 0x8000aa7c, 0x8000aab0, 0x8040aab2,
    0x8020aab7, 0x8020aabe, 0x8000aac1, 0x8000aadd, 0x8020aaec, 0x8020aaf3,
    0x8000aaf6, 0x540ab30, 0x8080ab5b, 0x100ab60, 0x8040ab69, 0x9e0ab70,
    0x8000abe5, 0x8000abe8, 0x8000abed, 0xc0fb00, 0x80fb13, 0x8000fb1e,
    0x8200fbb2, 0x81e0fe00, 0x8000fe13, 0x81e0fe20, 0x8000fe52, 0x8000fe55,
    0x8000feff, 0x8000ff07, 0x8000ff0e, 0x8000ff1a, 0x320ff21, 0x8000ff3e,
    0x8000ff40, 0x320ff41, 0x8000ff70, 0x8020ff9e, 0x8000ffe3, 0x8040fff9,
    0x800101fd, 0x800102e0, 0x80810376, 0x9e10400, 0x46104b0, 0x46104d8,
    0x1410570, 0x1c1057c, 0xc1058c, 0x210594, 0x1410597, 0x1c105a3,
    0xc105b3, 0x2105bb, 0x80a10780, 0x85210787, 0x810107b2, 0x80410a01,
    0x80210a05, 0x80610a0c, 0x80410a38, 0x80010a3f, 0x80210ae5, 0x6410c80,
    0x6410cc0, 0x80610d24, 0x80010d4e, 0x2a10d50, 0x80810d69, 0x80010d6f,
    0x2a10d70, 0x80210eab, 0x80010ec5, 0x80a10efa, 0x81410f46, 0x80610f82,
    0x80011001, 0x81c11038, 0x80011070, 0x80211073, 0x8041107f, 0x806110b3,
    0x802110b9, 0x800110bd, 0x800110c2, 0x800110cd, 0x80411100, 0x80811127,
    0x80e1112d, 0x80011173, 0x80211180, 0x810111b6, 0x806111c9, 0x800111cf,
    0x8041122f, 0x80011234, 0x80211236, 0x8001123e, 0x80011241, 0x800112df,
    0x80e112e3, 0x80211300, 0x8021133b, 0x80011340, 0x80c11366, 0x80811370,
    0x80a113bb, 0x800113ce, 0x800113d0, 0x800113d2, 0x802113e1, 0x80e11438,
    0x80411442, 0x80011446, 0x8001145e, 0x80a114b3, 0x800114ba, 0x802114bf,
    0x802114c2, 0x806115b2, 0x802115bc, 0x802115bf, 0x802115dc, 0x80e11633,
    0x8001163d, 0x8021163f, 0x800116ab, 0x800116ad, 0x80a116b0, 0x800116b7,
    0x8001171d, 0x8001171f, 0x80611722, 0x80811727, 0x8101182f, 0x80211839,
    0x7e118a0, 0x8021193b, 0x8001193e, 0x80011943, 0x806119d4, 0x802119da,
    0x800119e0, 0x81211a01, 0x80a11a33, 0x80611a3b, 0x80011a47, 0x80a11a51,
    0x80411a59, 0x81811a8a, 0x80211a98, 0x80011b60, 0x80411b62, 0x80011b66,
    0x80c11c30, 0x80a11c38, 0x80011c3f, 0x82a11c92, 0x80c11caa, 0x80211cb2,
    0x80211cb5, 0x80a11d31, 0x80011d3a, 0x80211d3c, 0x80c11d3f, 0x80011d47,
    0x80211d90, 0x80011d95, 0x80011d97, 0x80011dd9, 0x80211ef3, 0x80211f00,
    0x80811f36, 0x80011f40, 0x80011f42, 0x80011f5a, 0x82013430, 0x81c13447,
    0x8161611e, 0x8041612d, 0x80816af0, 0x80c16b30, 0x80616b40, 0x80416d40,
    0x80216d6b, 0x7e16e40, 0x3016ea0, 0x3016ebb, 0x80016f4f, 0x82016f8f,
    0x80216fe0, 0x80216fe3, 0x80216ff2, 0x8061aff0, 0x80c1aff5, 0x8021affd,
    0x8021bc9d, 0x8061bca0, 0x85a1cf00, 0x82c1cf30, 0x8041d167, 0x81e1d173,
    0x80c1d185, 0x8061d1aa, 0x8041d242, 0xa81d400, 0x8c1d456, 0x21d49e,
    0x1d4a2, 0x21d4a5, 0x61d4a9, 0x161d4ae, 0x1d4bb, 0xc1d4bd,
    0x801d4c5, 0x61d507, 0xe1d50d, 0xc1d516, 0x361d51e, 0x61d53b,
    0x81d540, 0x1d546, 0xc1d54a, 0x2a61d552, 0x301d6a8, 0x301d6c2,
    0x3c1d6dc, 0x301d6fc, 0x3c1d716, 0x301d736, 0x3c1d750, 0x301d770,
    0x3c1d78a, 0x301d7aa, 0xe1d7c4, 0x86c1da00, 0x8621da3b, 0x8001da75,
    0x8001da84, 0x8081da9b, 0x81c1daa1, 0x121df00, 0x261df0b, 0xa1df25,
    0x80c1e000, 0x8201e008, 0x80c1e01b, 0x8021e023, 0x8081e026, 0x87a1e030,
    0x8001e08f, 0x81a1e130, 0x8001e2ae, 0x8061e2ec, 0x8081e4eb, 0x8021e5ee,
    0x8001e6e3, 0x8001e6e6, 0x8021e6ee, 0x8001e6f5, 0x8001e6ff, 0x80c1e8d0,
    0x861e900, 0x80e1e944, 0x321f130, 0x321f150, 0x321f170, 0x8081f3fb,
    0x800e0001, 0x8bee0020, 0x9dee0100,
];

/// Appends the upper case of `c` (one to three characters), as `char::to_uppercase`.
pub fn push_uppercase(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_uppercase());
        return;
    }
    push_mapped(out, c, RUNS, MULTI);
}

/// Appends the lower case of `c` (one or two characters), as `char::to_lowercase`.
pub fn push_lowercase(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    push_mapped(out, c, LOWER_RUNS, LOWER_MULTI);
}

/// Appends `c` mapped by a pair of tables ([`RUNS`] and [`MULTI`], or the lower-case ones).
fn push_mapped(out: &mut String, c: char, runs: &[(u32, i32)], multi: &[(u16, [u16; 3])]) {
    let cp = u32::from(c);
    if let Some((_, chars)) = multi
        .binary_search_by_key(&cp, |&(k, _)| u32::from(k))
        .ok()
        .and_then(|i| multi.get(i))
    {
        for &u in chars.iter().filter(|&&u| u != 0) {
            out.push(char::from_u32(u32::from(u)).unwrap_or(c));
        }
        return;
    }
    let at = runs.partition_point(|&(packed, _)| packed & 0x1F_FFFF <= cp);
    if let Some(&(packed, distance)) = at.checked_sub(1).and_then(|i| runs.get(i)) {
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

/// How the final-sigma rule sees a character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SigmaClass {
    /// Case_Ignorable: skipped when looking for a cased neighbour.
    Ignorable,
    /// Cased (and not Case_Ignorable).
    Cased,
    Neither,
}

fn sigma_class(c: char) -> SigmaClass {
    let cp = u32::from(c);
    let at = SIGMA_CLASSES.partition_point(|&packed| packed & 0x1F_FFFF <= cp);
    match at.checked_sub(1).and_then(|i| SIGMA_CLASSES.get(i)) {
        Some(&packed) if cp - (packed & 0x1F_FFFF) <= (packed >> 21) & 0x3FF => {
            if packed >> 31 == 1 {
                SigmaClass::Ignorable
            } else {
                SigmaClass::Cased
            }
        }
        _ => SigmaClass::Neither,
    }
}

/// Whether the first character of `chars` that is not case-ignorable is cased.
fn cased_after_ignorable(chars: impl Iterator<Item = char>) -> bool {
    chars
        .map(sigma_class)
        .find(|&class| class != SigmaClass::Ignorable)
        == Some(SigmaClass::Cased)
}

/// Whether `a` and `b` are equal ignoring case, as `to_lowercase(a) == to_lowercase(b)`,
/// without allocating when both are ASCII (the common case: variable and flow names).
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        to_lowercase(a) == to_lowercase(b)
    }
}

/// The lower case of `s`, as `str::to_lowercase`: a capital sigma that ends a word (a cased
/// letter before it and none after it, case-ignorable characters skipped) becomes `ς`, any
/// other `σ`.
pub fn to_lowercase(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for (at, c) in s.char_indices() {
        if c == 'Σ' {
            let before = s.get(..at).unwrap_or("").chars().rev();
            let after = s.get(at + 'Σ'.len_utf8()..).unwrap_or("").chars();
            let word_final = cased_after_ignorable(before) && !cased_after_ignorable(after);
            out.push(if word_final { 'ς' } else { 'σ' });
        } else {
            push_lowercase(&mut out, c);
        }
    }
    out
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
#[allow(clippy::disallowed_methods)] // std's case mappings are what the tables are tested against
mod tests {
    use super::*;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..=0x10_FFFF).filter_map(char::from_u32)
    }

    /// Both mappings, every `char`: ours against std's.
    #[test]
    fn matches_std_for_every_char() {
        type Ours = fn(&mut String, char);
        type Std = fn(char) -> String;
        let mappings: [(&str, Ours, Std); 2] = [
            ("upper", push_uppercase, |c| c.to_uppercase().collect()),
            ("lower", push_lowercase, |c| c.to_lowercase().collect()),
        ];
        let mut ours = String::new();
        for (case, push, std) in mappings {
            for c in all_chars() {
                ours.clear();
                push(&mut ours, c);
                assert_eq!(
                    ours,
                    std(c),
                    "{case} case of U+{:04X}: the tables are out of date (see the module's documentation)",
                    u32::from(c)
                );
            }
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

    #[test]
    fn eq_ignore_case_is_lower_case_equality() {
        let words = [
            "", "Flow.X", "flow.x", "FLOW.x", "ΟΔΟΣ", "οδος", "οδοσ", "İ", "i̇", "i", "Straße",
            "STRASSE", "ǅ", "ǆ",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    eq_ignore_case(a, b),
                    a.to_lowercase() == b.to_lowercase(),
                    "{a} / {b}"
                );
            }
        }
    }

    /// Every character next to a capital sigma, on either side, with and without a cased
    /// letter beyond it: the final-sigma rule sees each class the way std does.
    #[test]
    fn final_sigma_matches_std_for_every_char() {
        for c in all_chars() {
            for s in [
                format!("A\u{3a3}{c}"),
                format!("A{c}\u{3a3}"),
                format!("{c}\u{3a3}"),
                format!("\u{3a3}{c}"),
                format!("A{c}\u{3a3}{c}"),
                format!("A\u{3a3}{c}B"),
            ] {
                assert_eq!(to_lowercase(&s), s.to_lowercase(), "U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn lower_case_strings_match_std() {
        for s in [
            "",
            "TransferToAcd",
            "ΟΔΟΣ ΟΔΟΣ. Σ ΑΣ'Σ ΑΣ'Β Σ̈Α ΑΣ̈ ά̓Σ",
            "İSTANBUL ǅ Ǆ ẞ Ω K Å ꭰ Ꭰ 𐐀 𞤀 ⅷ Ⓐ",
            "straße ΣΑΣ ΣΣ Σ1Σ a\u{3a3}\u{300}b",
        ] {
            assert_eq!(to_lowercase(s), s.to_lowercase(), "{s}");
        }
    }

    /// Runs of `(code point, distance)` pairs in the packing of [`RUNS`]; `changed` says
    /// whether a code point maps to something other than itself.
    fn runs_of(singles: &[(u32, i32)], changed: impl Fn(u32) -> bool) -> Vec<(u32, i32)> {
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
        runs
    }

    /// The run and multi tables of a mapping (`char::to_uppercase` or `to_lowercase`).
    type Tables = (Vec<(u32, i32)>, Vec<(u16, [u16; 3])>);

    fn tables_of<I: Iterator<Item = char>>(map: impl Fn(char) -> I) -> Tables {
        let mut singles: Vec<(u32, i32)> = Vec::new();
        let mut multi: Vec<(u32, Vec<u32>)> = Vec::new();
        for c in all_chars() {
            let u: Vec<u32> = map(c).map(u32::from).collect();
            let cp = u32::from(c);
            match u.as_slice() {
                [one] if *one == cp => {}
                [one] => singles.push((cp, *one as i32 - cp as i32)),
                _ => multi.push((cp, u)),
            }
        }
        let changed = |cp: u32| char::from_u32(cp).is_some_and(|c| map(c).ne(std::iter::once(c)));
        let multi = multi
            .iter()
            .map(|(c, u)| {
                let mut three = [0u16; 3];
                for (slot, &x) in three.iter_mut().zip(u) {
                    *slot = x as u16;
                }
                (*c as u16, three)
            })
            .collect();
        (runs_of(&singles, changed), multi)
    }

    /// [`SIGMA_CLASSES`] as std's `str::to_lowercase` behaves: a character `c` is cased
    /// (and not case-ignorable) when `AΣc` keeps `σ`, neither when `AcΣ` keeps `σ`, and
    /// case-ignorable otherwise.
    fn sigma_classes() -> Vec<u32> {
        let class = |c: char| {
            if format!("A\u{3a3}{c}")
                .to_lowercase()
                .starts_with("a\u{3c3}")
            {
                SigmaClass::Cased
            } else if format!("A{c}\u{3a3}").to_lowercase().ends_with('\u{3c3}') {
                SigmaClass::Neither
            } else {
                SigmaClass::Ignorable
            }
        };
        let mut out: Vec<u32> = Vec::new();
        let mut open: Option<(u32, u32, SigmaClass)> = None; // first, last, class
        let close = |run: (u32, u32, SigmaClass), out: &mut Vec<u32>| {
            let ignorable = u32::from(run.2 == SigmaClass::Ignorable);
            let mut first = run.0;
            while first <= run.1 {
                let count = (run.1 - first + 1).min(1024);
                out.push(first | (count - 1) << 21 | ignorable << 31);
                first += count;
            }
        };
        for c in all_chars() {
            let cp = u32::from(c);
            let k = class(c);
            match open {
                Some((first, last, open_class)) if open_class == k && last + 1 == cp => {
                    open = Some((first, cp, k))
                }
                _ => {
                    if let Some(run) = open.take()
                        && run.2 != SigmaClass::Neither
                    {
                        close(run, &mut out);
                    }
                    open = Some((cp, cp, k));
                }
            }
        }
        if let Some(run) = open
            && run.2 != SigmaClass::Neither
        {
            close(run, &mut out);
        }
        out
    }

    fn source_of(
        name: &str,
        runs: &[(u32, i32)],
        multi_name: &str,
        multi: &[(u16, [u16; 3])],
    ) -> String {
        let mut source = format!("const {name}: &[(u32, i32)] = &[\n");
        for chunk in runs.chunks(4) {
            let row: Vec<String> = chunk
                .iter()
                .map(|(p, d)| format!("({p:#x}, {d})"))
                .collect();
            source.push_str(&format!("    {},\n", row.join(", ")));
        }
        source.push_str(&format!(
            "];\nconst {multi_name}: &[(u16, [u16; 3])] = &[\n"
        ));
        for chunk in multi.chunks(3) {
            let row: Vec<String> = chunk
                .iter()
                .map(|(c, u)| format!("({c:#x}, [{:#x}, {:#x}, {:#x}])", u[0], u[1], u[2]))
                .collect();
            source.push_str(&format!("    {},\n", row.join(", ")));
        }
        source.push_str("];\n");
        source
    }

    /// The tables above, derived from std's `char::to_uppercase`, `char::to_lowercase` and
    /// `str::to_lowercase`: equal to the constants, or the failure message holds them as
    /// source to paste.
    #[test]
    fn tables_are_std_s() {
        let (runs, multi) = tables_of(|c| c.to_uppercase());
        let (lower_runs, lower_multi) = tables_of(|c| c.to_lowercase());
        let classes = sigma_classes();
        if runs == RUNS
            && multi == MULTI
            && lower_runs == LOWER_RUNS
            && lower_multi == LOWER_MULTI
            && classes == SIGMA_CLASSES
        {
            return;
        }
        let mut source = source_of("RUNS", &runs, "MULTI", &multi);
        source.push_str(&source_of(
            "LOWER_RUNS",
            &lower_runs,
            "LOWER_MULTI",
            &lower_multi,
        ));
        source.push_str("const SIGMA_CLASSES: &[u32] = &[\n");
        for chunk in classes.chunks(6) {
            let row: Vec<String> = chunk.iter().map(|p| format!("{p:#x}")).collect();
            source.push_str(&format!("    {},\n", row.join(", ")));
        }
        source.push_str("];\n");
        panic!("the case tables differ from this toolchain's std; replace them with:\n{source}");
    }
}
