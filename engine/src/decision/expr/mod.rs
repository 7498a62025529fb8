//! Condition expressions: Genesys Architect's expression syntax with its whole operator
//! table (see `docs/expressions.md`). [`parse_expression`] turns a condition into an
//! [`Expr`], [`parse_value`] any expression; `Display` prints the canonical text that keys
//! opaque atoms.

mod lexer;
mod parser;
mod simple;

use std::fmt;

pub use parser::{MAX_NESTING, parse_expression, parse_value};
pub(crate) use simple::{RawLiteral, scan};

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    /// Architect's "no value".
    NotSet,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            op => op,
        }
    }

    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A binary operator on values (arithmetic, power, bitwise). These are parsed so that valid
/// expressions are not rejected; the analysis treats their result as an opaque value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `%`, modulus.
    Mod,
    /// `^`, power (`2 ^ 3` is 8), not exclusive or.
    Pow,
    /// `&`, bitwise and.
    BitAnd,
    /// `|`, bitwise (inclusive) or.
    BitOr,
}

impl ArithOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
            ArithOp::Pow => "^",
            ArithOp::BitAnd => "&",
            ArithOp::BitOr => "|",
        }
    }

    /// Whether the result is surely a number or a string, never `true`/`false` (so a
    /// condition made of it alone is a mistake). `&` and `|` may combine booleans.
    pub fn is_arithmetic(self) -> bool {
        !matches!(self, ArithOp::BitAnd | ArithOp::BitOr)
    }

    /// Binding strength (see [`Expr::precedence`]).
    fn precedence(self) -> u8 {
        match self {
            ArithOp::BitOr => 4,
            ArithOp::BitAnd => 5,
            ArithOp::Add | ArithOp::Sub => 9,
            ArithOp::Mul | ArithOp::Div | ArithOp::Mod => 10,
            ArithOp::Pow => 11,
        }
    }
}

/// A prefix operator on a value (logical NOT is [`Expr::Not`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
    /// `~x`, bitwise not.
    BitNot,
}

impl UnaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::BitNot => "~",
        }
    }
}

/// A parsed expression. Nesting is at most [`MAX_NESTING`] levels for parsed input, so
/// recursive walks over it are bounded.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Lit(Literal),
    /// A dotted variable such as `Call.Ani` or `Flow.isVip`.
    Var(String),
    /// A function call other than the logical `And`/`Or`/`Not`.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// Collection access: `Flow.list[0]`, `MakeList(1, 2)[1]`.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// Property access on something that is not a plain variable: `ToPhoneNumber(x).e164`,
    /// `Flow.items[0].key` (`Flow.a.b` is a [`Expr::Var`]).
    Member {
        base: Box<Expr>,
        name: String,
    },
    Arith {
        op: ArithOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Unary minus, plus or bitwise not on something that is not a number literal.
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Cmp {
        op: CmpOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Logical NOT (`not x`, `!x`, `Not(x)`).
    Not(Box<Expr>),
    /// Two or more operands, evaluated left to right.
    And(Vec<Expr>),
    /// Two or more operands, evaluated left to right.
    Or(Vec<Expr>),
}

/// A syntax error with its byte range inside the expression text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExprError {
    pub message: String,
    pub start: u32,
    pub end: u32,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {}..{})", self.message, self.start, self.end)
    }
}

impl Expr {
    /// Binding strength, for printing with the fewest parentheses. Loosest first: `or`,
    /// `and`, `not`, `|`, `&`, `== !=`, `> >=`, `< <=`, `+ -`, `* / %`, `^`, unary, then
    /// collection and property access and atoms.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(_) => 1,
            Expr::And(_) => 2,
            Expr::Not(_) => 3,
            Expr::Arith { op, .. } => op.precedence(),
            Expr::Cmp { op, .. } => match op {
                CmpOp::Eq | CmpOp::Ne => 6,
                CmpOp::Gt | CmpOp::Ge => 7,
                CmpOp::Lt | CmpOp::Le => 8,
            },
            Expr::Unary { .. } => 12,
            Expr::Lit(Literal::Num(n)) if *n < 0.0 => 12,
            _ => 13,
        }
    }

    /// Whether the top level is a disjunction (so it needs parentheses inside `and`).
    pub fn is_or(&self) -> bool {
        matches!(self, Expr::Or(_))
    }

    /// Whether this is a value the analysis cannot see into (a function call, collection
    /// or property access, arithmetic, bitwise or unary operator): it is keyed by its
    /// canonical text and treated as an unknown value of its own.
    pub fn is_opaque_term(&self) -> bool {
        matches!(
            self,
            Expr::Call { .. }
                | Expr::Index { .. }
                | Expr::Member { .. }
                | Expr::Arith { .. }
                | Expr::Unary { .. }
        )
    }
}

/// Formats a number the way it is written in expressions: whole numbers without `.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        display_f64(n)
    }
}

/// `format!("{n}")` (std's `Display`: the shortest digits that read back as `n`, in plain
/// notation, never an exponent), from the shortest digits serde_json prints (`zmij`, which
/// the package has anyway) instead of std's own float printer, 14 KB of code and tables in
/// the wasm package. The two pick different digits only at an exact tie between two
/// shortest candidates (std rounds up, zmij to even), which is detected and rounded std's
/// way; equal to std's for every `f64` (tested below).
///
/// Not used yet: std's printer leaves the package only when every `{}` of an `f64` goes
/// through this (`format_number`, `checks::decisions::describe`'s priority, the wasm
/// adapter's `describe`); with all three, 9.2 KB gzipped less (BENCHMARKS.md, "Size").
pub fn display_f64(n: f64) -> String {
    let Some(num) = serde_json::Number::from_f64(n) else {
        return if n.is_nan() {
            "NaN".into()
        } else if n > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    };
    let text = num.to_string();
    // `-`? digits (`.` digits)? (`e` [+-]? digits)?: the value is `digits` × 10^`scale`.
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (
            text.get(..i).unwrap_or_default(),
            text.get(i + 1..).and_then(|e| e.parse::<i32>().ok()),
        ),
        None => (text.as_str(), Some(0)),
    };
    let mut digits: u64 = 0;
    let mut scale = exp.unwrap_or(0);
    let mut after_point = false;
    for b in mantissa.bytes() {
        if b == b'.' {
            after_point = true;
        } else if b.is_ascii_digit() {
            digits = digits.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            scale -= i32::from(after_point);
        }
    }
    let strip = |digits: &mut u64, scale: &mut i32| {
        while *digits != 0 && digits.is_multiple_of(10) {
            *digits /= 10;
            *scale += 1;
        }
    };
    strip(&mut digits, &mut scale);
    // A tie: `n` is exactly halfway between `digits` and the next candidate up, i.e.
    // n = (10·digits + 5) × 10^(scale − 1) exactly. With n = m × 2^e (m odd) and the
    // midpoint odd, that needs e = scale − 1 and m = q × 5^(e) (e ≥ 0) or q = m × 5^(−e).
    let bits = n.to_bits();
    let (mut m, mut e) = match (bits >> 52) & 0x7ff {
        0 => (bits & ((1 << 52) - 1), -1074),
        biased => ((bits & ((1 << 52) - 1)) | (1 << 52), biased as i32 - 1075),
    };
    if m != 0 && digits != 0 {
        let tz = m.trailing_zeros();
        m >>= tz;
        e += tz as i32;
        let q = digits.checked_mul(10).and_then(|d| d.checked_add(5));
        let s = scale - 1;
        let tie = s == e
            && q.is_some_and(|q| {
                let five = 5u64.checked_pow(s.unsigned_abs());
                if s >= 0 {
                    five.and_then(|f| f.checked_mul(q)) == Some(m)
                } else {
                    five.and_then(|f| f.checked_mul(m)) == Some(q)
                }
            });
        if tie {
            digits += 1;
            strip(&mut digits, &mut scale);
        }
    }
    let mut out = String::with_capacity(24);
    if n.is_sign_negative() {
        out.push('-');
    }
    if digits == 0 {
        out.push('0');
        return out;
    }
    let ds = digits.to_string();
    let zeros = |out: &mut String, k: i32| (0..k).for_each(|_| out.push('0'));
    // Digits before the decimal point.
    let point = ds.len() as i32 + scale;
    if point <= 0 {
        out.push_str("0.");
        zeros(&mut out, -point);
        out.push_str(&ds);
    } else if scale >= 0 {
        out.push_str(&ds);
        zeros(&mut out, scale);
    } else {
        let (int, frac) = ds.split_at(point as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A string literal in expression syntax (double quotes, `\"` and `\\` escaped).
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => f.write_str(&quote_string(s)),
            Literal::Num(n) => f.write_str(&format_number(*n)),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::NotSet => f.write_str("NOT_SET"),
        }
    }
}

fn write_child(f: &mut fmt::Formatter<'_>, child: &Expr, min: u8) -> fmt::Result {
    if child.precedence() < min {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

impl fmt::Display for Expr {
    /// Canonical text: single spaces, lowercase keywords, minimal parentheses. Recursion
    /// depth is bounded by the parser's nesting cap.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Lit(l) => write!(f, "{l}"),
            Expr::Var(v) => f.write_str(v),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Index { base, index } => {
                write_child(f, base, 13)?;
                write!(f, "[{index}]")
            }
            Expr::Member { base, name } => {
                match &**base {
                    // `true.x` would read as the variable `true.x`.
                    Expr::Lit(Literal::Bool(_) | Literal::NotSet) => write!(f, "({base})")?,
                    _ => write_child(f, base, 13)?,
                }
                write!(f, ".{name}")
            }
            Expr::Arith { op, left, right } => {
                let p = self.precedence();
                write_child(f, left, p)?;
                write!(f, " {} ", op.as_str())?;
                write_child(f, right, p + 1)
            }
            Expr::Unary { op, operand } => {
                f.write_str(op.as_str())?;
                // `- -x`, not `--x`, and `-(-1)`: keep the signs apart.
                match &**operand {
                    Expr::Unary { .. } => write!(f, "({operand})"),
                    Expr::Lit(Literal::Num(n)) if *n < 0.0 => write!(f, "({operand})"),
                    _ => write_child(f, operand, 12),
                }
            }
            Expr::Cmp { op, left, right } => {
                let p = self.precedence();
                write_child(f, left, p)?;
                write!(f, " {} ", op.as_str())?;
                write_child(f, right, p + 1)
            }
            Expr::Not(e) => {
                f.write_str("not ")?;
                write_child(f, e, 3)
            }
            Expr::And(es) | Expr::Or(es) => {
                let (sep, min) = if matches!(self, Expr::And(_)) {
                    (" and ", 3)
                } else {
                    (" or ", 2)
                };
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    write_child(f, e, min)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `display_f64` against std's `Display` on edge cases and two million bit patterns
    /// (xorshift, deterministic), spread over every exponent.
    #[test]
    fn display_f64_is_std_display() {
        let edge = [
            0.0,
            -0.0,
            0.1,
            -0.1,
            0.3,
            1.0 / 3.0,
            123.456,
            1e15,
            1e16,
            1e21,
            1e22,
            1e23,
            -1e300,
            1e-7,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            9007199254740993.0,
            // Exact ties between two shortest candidates: std rounds them up.
            f64::from_bits(0xc30a_ff4a_b7e1_c412), // -949880721520770.25
            f64::from_bits(0x4285_a341_8efb_1d40), // 2973865467747.65625
            0.5,
            2.5,
            1e-300,
            0.000001,
            1.5e-5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for n in edge {
            assert_eq!(display_f64(n), format!("{n}"), "{:e}", n);
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..2_000_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // A third near ordinary magnitudes (2^-60 .. 2^60), where expression literals
            // live; a third anywhere.
            let bits = match i % 3 {
                0 => (x & !(0x7FFu64 << 52)) | ((1023 - 60 + (x >> 52) % 121) << 52),
                // Few significant bits, 1 to 2^70: where exact ties between two shortest
                // candidates are (1,000-odd of these samples).
                1 => (x & !(0x7FFu64 << 52) & !((1 << 40) - 1)) | ((1023 + (x >> 52) % 70) << 52),
                _ => x,
            };
            let n = f64::from_bits(bits);
            assert_eq!(display_f64(n), format!("{n}"), "bits {bits:#x}");
        }
    }

    #[test]
    fn format_number_keeps_whole_numbers_plain() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(1e15), "1000000000000000");
        assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
    }
}
