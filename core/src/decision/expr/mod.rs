//! Condition expressions: Genesys Architect's expression syntax with its whole operator
//! table (see `docs/expressions.md`). [`parse_expression`] turns a condition into an
//! [`Expr`], [`parse_value`] any expression; `Display` prints the canonical text that keys
//! opaque atoms.

mod lexer;
mod parser;
#[cfg(not(target_arch = "wasm32"))] // native only: the wasm package's size ceiling
mod simple;

use std::fmt;

pub use parser::{MAX_NESTING, parse_expression, parse_value};

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
        format!("{n}")
    }
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
