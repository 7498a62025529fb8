//! Condition expressions: the common subset of Genesys Architect expressions that decisions
//! use (see `docs/expressions.md`). [`parse_expression`] turns text into an [`Expr`];
//! `Display` prints the canonical text that keys opaque atoms.

mod lexer;
mod parser;

use std::fmt;

pub use parser::{MAX_NESTING, parse_expression};

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

/// An arithmetic operator. Arithmetic is parsed so that valid expressions are not
/// rejected; the analysis treats its result as an opaque value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
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
    Arith {
        op: ArithOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Unary minus on something that is not a number literal.
    Neg(Box<Expr>),
    Cmp {
        op: CmpOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
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
    /// Binding strength, for printing with the fewest parentheses.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(_) => 1,
            Expr::And(_) => 2,
            Expr::Not(_) => 3,
            Expr::Cmp { .. } => 4,
            Expr::Arith {
                op: ArithOp::Add | ArithOp::Sub,
                ..
            } => 5,
            Expr::Arith { .. } => 6,
            Expr::Neg(_) => 7,
            _ => 8,
        }
    }

    /// Whether the top level is a disjunction (so it needs parentheses inside `and`).
    pub fn is_or(&self) -> bool {
        matches!(self, Expr::Or(_))
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
            Expr::Arith { op, left, right } => {
                let p = self.precedence();
                write_child(f, left, p)?;
                let s = match op {
                    ArithOp::Add => " + ",
                    ArithOp::Sub => " - ",
                    ArithOp::Mul => " * ",
                    ArithOp::Div => " / ",
                };
                f.write_str(s)?;
                write_child(f, right, p + 1)
            }
            Expr::Neg(e) => {
                f.write_str("-")?;
                write_child(f, e, 7)
            }
            Expr::Cmp { op, left, right } => {
                write_child(f, left, 5)?;
                write!(f, " {} ", op.as_str())?;
                write_child(f, right, 5)
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
