//! The short path of [`super::parse_expression`] for the commonest condition, a dotted
//! variable compared with a literal (`Flow.Balance >= 37`, `Call.Ani == "v12"`,
//! `Flow.x != NOT_SET`): read in one pass over the bytes, with no token list. Anything it is
//! not sure of (other characters, escapes, signs, exponents, calls, more operators) it
//! leaves to the general parser, so both give the same tree (a unit property test compares
//! them on random text near this shape).

use super::{CmpOp, Expr, Literal};

/// ASCII whitespace, the only kind this path skips (the lexer also skips Unicode spaces).
fn skip_space(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

fn name_start(c: Option<&u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
}

/// The end of the ASCII name characters from `i`.
fn name_end(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        i += 1;
    }
    i
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
            i = b[i..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(b.len(), |n| i + n);
            if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i = b[i + 1..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .map_or(b.len(), |n| i + 1 + n);
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
