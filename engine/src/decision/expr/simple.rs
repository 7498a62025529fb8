//! The short path of [`super::parse_expression`] for the commonest condition, a dotted
//! variable compared with a literal (`Flow.Balance >= 37`, `Call.Ani == "v12"`,
//! `Flow.x != NOT_SET`): read in one pass over the bytes, with no token list. Anything it is
//! not sure of (other characters, escapes, signs, exponents, calls, more operators) it
//! leaves to the general parser, so both give the same tree (a unit property test compares
//! them on random text near this shape).

use super::{CmpOp, Expr, Literal};

/// Byte classes, looked up once per byte rather than tested against ranges: ASCII
/// whitespace (the only kind this path skips; the lexer also skips Unicode spaces), what
/// starts a name, what continues one, decimal digits.
const SPACE: u8 = 1;
const START: u8 = 2;
const NAME: u8 = 4;
const DIGIT: u8 = 8;

static CLASS: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut k = 0;
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            k |= SPACE;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            k |= START | NAME;
        }
        if c.is_ascii_digit() {
            k |= NAME | DIGIT;
        }
        table[i] = k;
        i += 1;
    }
    table
}

/// The classes of the byte at `i` (none past the end).
fn class(b: &[u8], i: usize) -> u8 {
    b.get(i).map_or(0, |&c| CLASS[c as usize])
}

/// The end of the run of bytes of class `k` from `i`.
fn run_end(b: &[u8], mut i: usize, k: u8) -> usize {
    while class(b, i) & k != 0 {
        i += 1;
    }
    i
}

fn skip_space(b: &[u8], i: usize) -> usize {
    run_end(b, i, SPACE)
}

fn name_start(c: Option<&u8>) -> bool {
    c.is_some_and(|&c| CLASS[c as usize] & START != 0)
}

/// The end of the ASCII name characters from `i`.
fn name_end(b: &[u8], i: usize) -> usize {
    run_end(b, i, NAME)
}

/// A literal as [`scan`] reads it: the text of a number (digits, maybe a fraction), of a
/// string (between the quotes, no escapes), or the value of a word.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum RawLiteral<'t> {
    Num(&'t str),
    Str(&'t str),
    Bool(bool),
    NotSet,
}

/// `variable op literal` with a dotted ASCII variable, or `None`.
pub(super) fn comparison(text: &str) -> Option<Expr> {
    let (name, op, raw) = scan(text)?;
    let literal = match raw {
        RawLiteral::Num(digits) => {
            let n: f64 = digits.parse().ok()?;
            if !n.is_finite() {
                return None;
            }
            Literal::Num(n)
        }
        RawLiteral::Str(s) => Literal::Str(s.to_owned()),
        RawLiteral::Bool(b) => Literal::Bool(b),
        RawLiteral::NotSet => Literal::NotSet,
    };
    Some(Expr::Cmp {
        op,
        left: Box::new(Expr::Var(name.to_owned())),
        right: Box::new(Expr::Lit(literal)),
    })
}

/// The parts of `variable op literal` with a dotted ASCII variable, borrowed from `text`
/// (nothing allocated), or `None`. A number's text is not checked for being finite.
pub(crate) fn scan(text: &str) -> Option<(&str, CmpOp, RawLiteral<'_>)> {
    let b = text.as_bytes();
    let start = skip_space(b, 0);
    // A dotted name (a dot keeps it clear of every keyword).
    let mut i = start;
    let mut dotted = false;
    loop {
        if !name_start(b.get(i)) {
            return None;
        }
        i = name_end(b, i + 1);
        if b.get(i) == Some(&b'.') && name_start(b.get(i + 1)) {
            dotted = true;
            i += 1;
        } else {
            break;
        }
    }
    if !dotted {
        return None;
    }
    let name = &text[start..i];
    i = skip_space(b, i);
    let (op, len) = match (b.get(i), b.get(i + 1)) {
        (Some(b'='), Some(b'=')) => (CmpOp::Eq, 2),
        (Some(b'!'), Some(b'=')) | (Some(b'<'), Some(b'>')) => (CmpOp::Ne, 2),
        (Some(b'<'), Some(b'=')) => (CmpOp::Le, 2),
        (Some(b'>'), Some(b'=')) => (CmpOp::Ge, 2),
        (Some(b'<'), _) => (CmpOp::Lt, 1),
        (Some(b'>'), _) => (CmpOp::Gt, 1),
        _ => return None,
    };
    i = skip_space(b, i + len);
    let lit_start = i;
    let literal = match b.get(i)? {
        b'0'..=b'9' => {
            i = run_end(b, i, DIGIT);
            if b.get(i) == Some(&b'.') && class(b, i + 1) & DIGIT != 0 {
                i = run_end(b, i + 1, DIGIT);
            }
            RawLiteral::Num(&text[lit_start..i])
        }
        b'"' => {
            let len = b[i + 1..].iter().position(|&c| c == b'"' || c == b'\\')?;
            if b[i + 1 + len] != b'"' {
                return None;
            }
            i += len + 2;
            RawLiteral::Str(&text[lit_start + 1..i - 1])
        }
        c if name_start(Some(c)) => {
            i = name_end(b, i + 1);
            let word = &text[lit_start..i];
            if word.eq_ignore_ascii_case("true") {
                RawLiteral::Bool(true)
            } else if word.eq_ignore_ascii_case("false") {
                RawLiteral::Bool(false)
            } else if word.eq_ignore_ascii_case("not_set") {
                RawLiteral::NotSet
            } else {
                return None;
            }
        }
        _ => return None,
    };
    if skip_space(b, i) != b.len() {
        return None;
    }
    Some((name, op, literal))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::parser::parse_general;
    use super::*;
    use proptest::prelude::*;

    /// Text near the shape: pieces that fit it and pieces that must send it elsewhere.
    fn near() -> impl Strategy<Value = String> {
        let space = prop::sample::select(vec!["", " ", "  ", "\t", "\n", "\u{a0}"]);
        let name = prop::sample::select(vec![
            "Flow.a",
            "Call.Ani",
            "Flow.x_1.y",
            "Flow",
            "_a.b",
            "Flow.",
            "Flow..a",
            "Flow.é",
            "é.a",
            "Flow.a.1",
            "Flow.a(",
            "Flow.a[0]",
            "not",
            "true",
            "Flow.and",
            "NOT_SET",
            "Task.Count2",
        ]);
        let op = prop::sample::select(vec![
            "==", "!=", "<>", "<", "<=", ">", ">=", "=", "=<", "><", "<<", "&&", "==>", "+", "",
        ]);
        let lit = prop::sample::select(vec![
            "1",
            "37",
            "0.5",
            "1.",
            "1.5.2",
            "1e3",
            "-2",
            "+2",
            "007",
            "99999999999999999999999",
            "1".repeat(400).leak(),
            "\"v12\"",
            "\"\"",
            "\"a b\"",
            "\"é\"",
            "\"a\\\"b\"",
            "\"a\\\\\"",
            "\"open",
            "true",
            "FALSE",
            "Not_Set",
            "truex",
            "true.x",
            "Flow.b",
            "x",
            "(1)",
            "1 and Flow.c == 2",
            "1)",
            "\"a\" + \"b\"",
        ]);
        (
            space.clone(),
            name,
            space.clone(),
            op,
            space.clone(),
            lit,
            space,
        )
            .prop_map(|(a, n, b, o, c, l, d)| format!("{a}{n}{b}{o}{c}{l}{d}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Where the short path answers, the general parser gives the same tree.
        #[test]
        fn short_path_equals_the_parser(text in near()) {
            if let Some(e) = comparison(&text) {
                prop_assert_eq!(Ok(e), parse_general(&text), "{:?}", text);
            }
        }
    }

    /// The class table says what the byte tests it replaced said, for every byte.
    #[test]
    fn classes_match_the_byte_tests() {
        for c in 0..=255u8 {
            let k = CLASS[c as usize];
            assert_eq!(
                k & SPACE != 0,
                matches!(c, b' ' | b'\t' | b'\r' | b'\n'),
                "{c}"
            );
            assert_eq!(k & START != 0, c.is_ascii_alphabetic() || c == b'_', "{c}");
            assert_eq!(k & NAME != 0, c.is_ascii_alphanumeric() || c == b'_', "{c}");
            assert_eq!(k & DIGIT != 0, c.is_ascii_digit(), "{c}");
        }
    }

    #[test]
    fn short_path_takes_the_common_shapes() {
        for text in [
            "Flow.Balance >= 37",
            "Call.Ani == \"v12\"",
            " Flow.x<>NOT_SET ",
            "Flow.b < 0.25",
            "Flow.ok == TRUE",
        ] {
            let e = comparison(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(Ok(e), parse_general(text));
        }
        for text in [
            "Flow.a == -1",
            "x == 1",
            "Flow.a == \"q\\\"\"",
            "Flow.a == 1 and Flow.b",
        ] {
            assert!(comparison(text).is_none(), "{text}");
        }
    }
}
