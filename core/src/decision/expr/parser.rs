//! Recursive-descent parser with a hard nesting cap, so that input can never exhaust the
//! stack (the wasm stack is about 1 MB).
//!
//! Grammar (keywords ignore case):
//! ```text
//! or    := and (("or" | "||") and)*
//! and   := not (("and" | "&&") not)*
//! not   := ("not" | "!") not | cmp
//! cmp   := add (("==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") add)?
//! add   := mul (("+" | "-") mul)*
//! mul   := unary (("*" | "/") unary)*
//! unary := "-" unary | primary
//! primary := literal | name | name "(" args ")" | "(" or ")"
//! ```

use super::lexer::{Tok, Token, lex};
use super::{ArithOp, CmpOp, Expr, ExprError, Literal};

/// Deepest nesting of parentheses, `not` and unary minus an expression may have.
pub const MAX_NESTING: usize = 64;

/// Parses a condition expression. Errors carry a byte range inside `text`.
pub fn parse_expression(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    if matches!(p.peek().tok, Tok::End) {
        return Err(ExprError {
            message: "the expression is empty".into(),
            start: 0,
            end: text.len() as u32,
        });
    }
    let e = p.or()?;
    let t = p.peek();
    if !matches!(t.tok, Tok::End) {
        return Err(p.error_at(
            t.start,
            t.end,
            "expected an operator (`and`, `or`, `==`, ...) or the end of the expression",
        ));
    }
    check_condition(&e, text)?;
    Ok(e)
}

/// A condition must be something true or false: a literal string, number, NOT_SET or
/// arithmetic result at the top (or under `and`/`or`/`not`) is a mistake.
fn check_condition(e: &Expr, text: &str) -> Result<(), ExprError> {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(es) | Expr::Or(es) => stack.extend(es.iter()),
            Expr::Not(inner) => stack.push(inner),
            Expr::Lit(Literal::Str(_) | Literal::Num(_) | Literal::NotSet)
            | Expr::Arith { .. }
            | Expr::Neg(_) => {
                return Err(ExprError {
                    message: format!(
                        "`{e}` is a value, not a condition: compare it, for example `{e} == ...`"
                    ),
                    start: 0,
                    end: text.len() as u32,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

fn keyword(tok: &Tok, word: &str) -> bool {
    matches!(tok, Tok::Ident(s) if s.eq_ignore_ascii_case(word))
}

/// What `peek` shows past the end (the lexer always ends the list with `End`).
static END: Token = Token {
    tok: Tok::End,
    start: 0,
    end: 0,
};

impl Parser {
    /// The current token, by reference: every precedence level looks at it, and a copy
    /// would copy names and strings each time.
    fn peek(&self) -> &Token {
        // The token list always ends with `End`, and `pos` never moves past it.
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .unwrap_or(&END)
    }

    /// Takes the current token and moves on. Nothing looks back, so the token is moved
    /// out, not copied (the final `End` stays in place).
    fn bump(&mut self) -> Token {
        if self.pos + 1 < self.tokens.len() {
            let t = std::mem::replace(&mut self.tokens[self.pos], END.clone());
            self.pos += 1;
            t
        } else {
            self.peek().clone()
        }
    }

    fn error_at(&self, start: u32, end: u32, message: &str) -> ExprError {
        ExprError {
            message: message.to_owned(),
            start,
            end,
        }
    }

    fn enter(&mut self, at: &Token) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error_at(
                at.start,
                at.end,
                &format!("the expression is nested more than {MAX_NESTING} levels deep: split it"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let first = self.and()?;
        let is_or = |t: &Token| keyword(&t.tok, "or") || t.tok == Tok::Op("||");
        if !is_or(self.peek()) {
            return Ok(first);
        }
        let mut items = vec![first];
        while is_or(self.peek()) {
            self.bump();
            items.push(self.and()?);
        }
        Ok(join(items, Expr::Or))
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let first = self.not()?;
        let is_and = |t: &Token| keyword(&t.tok, "and") || t.tok == Tok::Op("&&");
        if !is_and(self.peek()) {
            return Ok(first);
        }
        let mut items = vec![first];
        while is_and(self.peek()) {
            self.bump();
            items.push(self.not()?);
        }
        Ok(join(items, Expr::And))
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        let t = self.peek();
        // `not x`, `!x` and `Not(x)` all parse here: `(x)` is a parenthesised operand.
        if t.tok == Tok::Op("!") || keyword(&t.tok, "not") {
            let t = self.bump();
            self.enter(&t)?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, ExprError> {
        let left = self.add()?;
        let op = match self.peek().tok {
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::Ne,
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            _ => return Ok(left),
        };
        self.bump();
        let right = self.add()?;
        let next = self.peek();
        if matches!(next.tok, Tok::Op("==" | "!=" | "<" | "<=" | ">" | ">=")) {
            return Err(self.error_at(
                next.start,
                next.end,
                "comparisons cannot be chained: combine them with `and`",
            ));
        }
        Ok(Expr::Cmp {
            op,
            left: Box::new(left),
            right: Box::new(right),
        })
    }

    fn add(&mut self) -> Result<Expr, ExprError> {
        self.arith_level(
            |tok| match tok {
                Tok::Op("+") => Some(ArithOp::Add),
                Tok::Op("-") => Some(ArithOp::Sub),
                _ => None,
            },
            Self::mul,
        )
    }

    fn mul(&mut self) -> Result<Expr, ExprError> {
        self.arith_level(
            |tok| match tok {
                Tok::Op("*") => Some(ArithOp::Mul),
                Tok::Op("/") => Some(ArithOp::Div),
                _ => None,
            },
            Self::unary,
        )
    }

    /// One left-associative arithmetic precedence level: operands from `operand`, joined
    /// by the operators `op_of` recognises.
    fn arith_level(
        &mut self,
        op_of: fn(&Tok) -> Option<ArithOp>,
        operand: fn(&mut Self) -> Result<Expr, ExprError>,
    ) -> Result<Expr, ExprError> {
        let mut left = operand(self)?;
        // Each operator nests the tree one level deeper (left-deep), so it counts.
        let mut entered = 0;
        loop {
            let Some(op) = op_of(&self.peek().tok) else {
                self.depth -= entered;
                return Ok(left);
            };
            let t = self.bump();
            self.enter(&t)?;
            entered += 1;
            let right = operand(self)?;
            left = Expr::Arith {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek().tok == Tok::Op("-") {
            let t = self.bump();
            self.enter(&t)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(match inner {
                Expr::Lit(Literal::Num(n)) => Expr::Lit(Literal::Num(-n)),
                e => Expr::Neg(Box::new(e)),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let mut t = self.bump();
        match std::mem::replace(&mut t.tok, Tok::End) {
            Tok::Num(n) => Ok(Expr::Lit(Literal::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Literal::Str(s))),
            Tok::LParen => {
                self.enter(&t)?;
                let e = self.or()?;
                self.depth -= 1;
                let close = self.bump();
                if close.tok != Tok::RParen {
                    return Err(self.error_at(
                        close.start,
                        close.end,
                        "expected `)` to close the `(`",
                    ));
                }
                Ok(e)
            }
            Tok::Ident(name) => {
                if self.peek().tok == Tok::LParen {
                    return self.call(name, &t);
                }
                let is = |word: &str| name.eq_ignore_ascii_case(word);
                if is("true") {
                    Ok(Expr::Lit(Literal::Bool(true)))
                } else if is("false") {
                    Ok(Expr::Lit(Literal::Bool(false)))
                } else if is("not_set") {
                    Ok(Expr::Lit(Literal::NotSet))
                } else if is("and") || is("or") || is("not") {
                    Err(self.error_at(
                        t.start,
                        t.end,
                        &format!("`{name}` needs an operand before and after it"),
                    ))
                } else {
                    Ok(Expr::Var(name))
                }
            }
            Tok::End => Err(self.error_at(
                t.start,
                t.end,
                "the expression ends too early: a value is missing",
            )),
            Tok::RParen => Err(self.error_at(t.start, t.end, "unexpected `)`")),
            Tok::Comma => {
                Err(self.error_at(t.start, t.end, "unexpected `,` outside a function call"))
            }
            Tok::Op(op) => {
                Err(self.error_at(t.start, t.end, &format!("expected a value, found `{op}`")))
            }
        }
    }

    /// `name(args)`: `And`, `Or` and `Not` written as functions are the logical operators;
    /// every other function is an opaque call.
    fn call(&mut self, name: String, at: &Token) -> Result<Expr, ExprError> {
        self.bump(); // (
        self.enter(at)?;
        let mut args = Vec::new();
        if self.peek().tok != Tok::RParen {
            loop {
                args.push(self.or()?);
                let t = self.bump();
                match t.tok {
                    Tok::Comma => continue,
                    Tok::RParen => break,
                    _ => {
                        return Err(self.error_at(
                            t.start,
                            t.end,
                            &format!("expected `,` or `)` in the arguments of `{name}`"),
                        ));
                    }
                }
            }
        } else {
            self.bump();
        }
        self.depth -= 1;
        let lower = name.to_ascii_lowercase();
        let logical = |min: usize| -> Result<(), ExprError> {
            if args.len() < min {
                Err(ExprError {
                    message: format!("`{name}` needs at least {min} argument(s)"),
                    start: at.start,
                    end: at.end,
                })
            } else {
                Ok(())
            }
        };
        match lower.as_str() {
            "and" => {
                logical(1)?;
                Ok(join(args, Expr::And))
            }
            "or" => {
                logical(1)?;
                Ok(join(args, Expr::Or))
            }
            "not" => {
                if args.len() != 1 {
                    return Err(self.error_at(
                        at.start,
                        at.end,
                        "`not` takes exactly one argument",
                    ));
                }
                Ok(Expr::Not(Box::new(args.remove(0))))
            }
            _ => Ok(Expr::Call { name, args }),
        }
    }
}

/// One item stays itself; several become an n-ary node, with nested nodes of the same
/// kind spliced in (so `a and (b and c)` is one `And` of three).
fn join(items: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        return items
            .into_iter()
            .next()
            .unwrap_or(Expr::Lit(Literal::Bool(false)));
    }
    let probe = make(Vec::new());
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match (item, &probe) {
            (Expr::And(inner), Expr::And(_)) | (Expr::Or(inner), Expr::Or(_)) => out.extend(inner),
            (e, _) => out.push(e),
        }
    }
    make(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_expression(s)
            .map(|e| e.to_string())
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn precedence_and_keywords() {
        assert_eq!(
            p("a == 1 OR b == 2 and not c == 3"),
            "a == 1 or b == 2 and not c == 3"
        );
        assert_eq!(
            p("(a == 1 || b == 2) && !Flow.x"),
            "(a == 1 or b == 2) and not Flow.x"
        );
        assert_eq!(p("Call.Language == \"es\""), "Call.Language == \"es\"");
        assert_eq!(p("x <> NOT_SET"), "x != NOT_SET");
        assert_eq!(p("AND(a > -2, NOT(IsSet(b)))"), "a > -2 and not IsSet(b)");
        assert_eq!(p("Len(x) + 1 >= 3"), "Len(x) + 1 >= 3");
    }

    #[test]
    fn errors_have_spans() {
        let e = parse_expression("a == \"es").unwrap_err();
        assert_eq!((e.start, e.end), (5, 8));
        let e = parse_expression("a = 1").unwrap_err();
        assert_eq!((e.start, e.end), (2, 3));
        let e = parse_expression("a == 1 b").unwrap_err();
        assert_eq!((e.start, e.end), (7, 8));
        assert!(parse_expression("").is_err());
        assert!(parse_expression("a == 1 == 2").is_err());
        assert!(parse_expression("\"x\"").is_err());
        assert!(parse_expression("(a == 1").is_err());
        assert!(parse_expression("a and").is_err());
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!("{}a == 1{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse_expression(&deep).unwrap_err();
        assert!(e.message.contains("nested"));
        let ok = format!("{}a == 1{}", "(".repeat(60), ")".repeat(60));
        assert!(parse_expression(&ok).is_ok());
        let nots = "not ".repeat(10_000) + "a";
        assert!(parse_expression(&nots).is_err());
        let chain = format!("{} > 1", vec!["x"; 100_000].join(" + "));
        assert!(parse_expression(&chain).is_err());
        let minus = format!("{}1 == x", "-".repeat(100_000));
        assert!(parse_expression(&minus).is_err());
    }
}
