//! Recursive-descent parser with a hard nesting cap, so that input can never exhaust the
//! stack (the wasm stack is about 1 MB).
//!
//! Architect's operator table ("Operator precedence in expressions", Genesys Cloud Resource
//! Center, <https://help.mypurecloud.com/articles/operator-precedence-expressions/>), one row
//! per level, tightest first: `[]` collection access, `.` property access, unary `- +`,
//! `! ~`, `^`, `* / %`, `+ -`, `< <=`, `> >=`, `== !=`, `&`, `|`, `and`, `or`. flowguard
//! also reads `not x`, `&&`, `||` and `<>`. Binary operators group left to right; prefix
//! operators nest in any order. Grammar (keywords ignore case):
//! ```text
//! or      := and (("or" | "||") and)*
//! and     := not (("and" | "&&") not)*
//! not     := "not" not | bitor
//! bitor   := bitand ("|" bitand)*
//! bitand  := eq ("&" eq)*
//! eq      := gt (("==" | "!=" | "<>") gt)*
//! gt      := lt ((">" | ">=") lt)*
//! lt      := add (("<" | "<=") add)*
//! add     := mul (("+" | "-") mul)*
//! mul     := pow (("*" | "/" | "%") pow)*
//! pow     := unary ("^" unary)*
//! unary   := ("-" | "+" | "!" | "~" | "not") unary | postfix
//! postfix := primary ("[" or "]" | "." name)*
//! primary := literal | name | name "(" args? ")" | "(" or ")"
//! ```
//! Every operator, parenthesis, bracket, call and prefix counts one level of nesting.

use super::lexer::{Tok, Token, lex};
use super::{ArithOp, CmpOp, Expr, ExprError, Literal, UnaryOp};

/// Deepest nesting of parentheses, brackets, calls, prefix operators and chained binary
/// operators an expression may have.
pub const MAX_NESTING: usize = 64;

/// Parses a condition expression. Errors carry a byte range inside `text`.
pub fn parse_expression(text: &str) -> Result<Expr, ExprError> {
    // The commonest condition, `Flow.x op literal`, without tokens.
    if let Some(e) = super::simple::comparison(text) {
        return Ok(e);
    }
    parse_general(text)
}

/// [`parse_expression`] without the short path.
pub(super) fn parse_general(text: &str) -> Result<Expr, ExprError> {
    let e = parse_value(text)?;
    check_condition(&e, text)?;
    Ok(e)
}

/// Parses any expression (a value of any type, not only a condition). Errors carry a byte
/// range inside `text`.
pub fn parse_value(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        text,
        tokens,
        pos: 0,
        depth: 0,
        prev: None,
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
    let message = match t.tok {
        Tok::End => return Ok(e),
        Tok::RParen => "this `)` has no matching `(`".to_owned(),
        Tok::RBracket => "this `]` has no matching `[`".to_owned(),
        Tok::Comma => "unexpected `,` outside a function call".to_owned(),
        ref tok => format!(
            "expected an operator (`and`, `or`, `==`, ...) or the end of the expression, found {}",
            tok.describe()
        ),
    };
    Err(p.error_at(t.start, t.end, &message))
}

/// A condition must be something true or false: a literal string, number, NOT_SET or
/// arithmetic result at the top (or under `and`/`or`/`not`) is a mistake. Anything that
/// might be a boolean (a variable, call, collection item, property, `&`, `|`, `~`) is
/// accepted.
fn check_condition(e: &Expr, text: &str) -> Result<(), ExprError> {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        let value = match e {
            Expr::And(es) | Expr::Or(es) => {
                stack.extend(es.iter());
                false
            }
            Expr::Not(inner) => {
                stack.push(inner);
                false
            }
            Expr::Lit(Literal::Str(_) | Literal::Num(_) | Literal::NotSet) => true,
            Expr::Arith { op, .. } => op.is_arithmetic(),
            Expr::Unary { op, .. } => *op != UnaryOp::BitNot,
            _ => false,
        };
        if value {
            return Err(ExprError {
                message: format!(
                    "`{e}` is a value, not a condition: compare it, for example `{e} == ...`"
                ),
                start: 0,
                end: text.len() as u32,
            });
        }
    }
    Ok(())
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// The span of the last token taken, for errors about what is missing after it.
    prev: Option<(u32, u32)>,
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

/// A binary operator of one precedence level.
#[derive(Clone, Copy)]
enum Bin {
    Arith(ArithOp),
    Cmp(CmpOp),
}

impl Bin {
    fn make(self, left: Expr, right: Expr) -> Expr {
        let (left, right) = (Box::new(left), Box::new(right));
        match self {
            Bin::Arith(op) => Expr::Arith { op, left, right },
            Bin::Cmp(op) => Expr::Cmp { op, left, right },
        }
    }
}

fn bit_or(tok: &Tok) -> Option<Bin> {
    (*tok == Tok::Op("|")).then_some(Bin::Arith(ArithOp::BitOr))
}

fn bit_and(tok: &Tok) -> Option<Bin> {
    (*tok == Tok::Op("&")).then_some(Bin::Arith(ArithOp::BitAnd))
}

fn equality(tok: &Tok) -> Option<Bin> {
    match tok {
        Tok::Op("==") => Some(Bin::Cmp(CmpOp::Eq)),
        Tok::Op("!=") => Some(Bin::Cmp(CmpOp::Ne)),
        _ => None,
    }
}

fn greater(tok: &Tok) -> Option<Bin> {
    match tok {
        Tok::Op(">") => Some(Bin::Cmp(CmpOp::Gt)),
        Tok::Op(">=") => Some(Bin::Cmp(CmpOp::Ge)),
        _ => None,
    }
}

fn less(tok: &Tok) -> Option<Bin> {
    match tok {
        Tok::Op("<") => Some(Bin::Cmp(CmpOp::Lt)),
        Tok::Op("<=") => Some(Bin::Cmp(CmpOp::Le)),
        _ => None,
    }
}

fn additive(tok: &Tok) -> Option<Bin> {
    match tok {
        Tok::Op("+") => Some(Bin::Arith(ArithOp::Add)),
        Tok::Op("-") => Some(Bin::Arith(ArithOp::Sub)),
        _ => None,
    }
}

fn multiplicative(tok: &Tok) -> Option<Bin> {
    match tok {
        Tok::Op("*") => Some(Bin::Arith(ArithOp::Mul)),
        Tok::Op("/") => Some(Bin::Arith(ArithOp::Div)),
        Tok::Op("%") => Some(Bin::Arith(ArithOp::Mod)),
        _ => None,
    }
}

fn power(tok: &Tok) -> Option<Bin> {
    (*tok == Tok::Op("^")).then_some(Bin::Arith(ArithOp::Pow))
}

impl Parser<'_> {
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
            self.prev = Some((t.start, t.end));
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

    /// The source text of a span (for messages).
    fn source(&self, start: u32, end: u32) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
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

    /// The keyword `not` binds loosely (`not a == 1` and `not (a) == 1` are
    /// `not (a == 1)`); `!` is a unary operator as in Architect's table (see
    /// [`Parser::unary`]).
    fn not(&mut self) -> Result<Expr, ExprError> {
        if keyword(&self.peek().tok, "not") {
            let t = self.bump();
            self.enter(&t)?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.level(bit_or, Self::bit_and)
    }

    /// Whether the current name is followed by `(` (a call such as `Not(x)`).
    fn next_is_call(&self) -> bool {
        self.tokens
            .get(self.pos + 1)
            .is_some_and(|t| t.tok == Tok::LParen)
    }

    fn bit_and(&mut self) -> Result<Expr, ExprError> {
        self.level(bit_and, Self::equality)
    }

    fn equality(&mut self) -> Result<Expr, ExprError> {
        self.level(equality, Self::greater)
    }

    /// `>` and `>=` are a row of their own in Architect's table, below `<` and `<=`.
    fn greater(&mut self) -> Result<Expr, ExprError> {
        self.level(greater, Self::less)
    }

    fn less(&mut self) -> Result<Expr, ExprError> {
        self.level(less, Self::additive)
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        self.level(additive, Self::multiplicative)
    }

    fn multiplicative(&mut self) -> Result<Expr, ExprError> {
        self.level(multiplicative, Self::power)
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        self.level(power, Self::unary)
    }

    /// One left-associative binary precedence level: operands from `operand`, joined by
    /// the operators `op_of` recognises.
    fn level(
        &mut self,
        op_of: fn(&Tok) -> Option<Bin>,
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
            left = op.make(left, right);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        let t = self.peek();
        let op = match t.tok {
            Tok::Op("-") => Some(UnaryOp::Neg),
            Tok::Op("+") => Some(UnaryOp::Plus),
            Tok::Op("~") => Some(UnaryOp::BitNot),
            _ => None,
        };
        let not = t.tok == Tok::Op("!") || (keyword(&t.tok, "not") && !self.next_is_call());
        if op.is_none() && !not {
            return self.postfix();
        }
        let t = self.bump();
        self.enter(&t)?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(match (op, inner) {
            (None, inner) => Expr::Not(Box::new(inner)),
            (Some(UnaryOp::Neg), Expr::Lit(Literal::Num(n))) => Expr::Lit(Literal::Num(-n)),
            (Some(UnaryOp::Plus), Expr::Lit(Literal::Num(n))) => Expr::Lit(Literal::Num(n)),
            (Some(op), e) => Expr::Unary {
                op,
                operand: Box::new(e),
            },
        })
    }

    /// A primary followed by any number of `[index]` and `.name`.
    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.primary()?;
        let mut entered = 0;
        loop {
            match self.peek().tok {
                Tok::LBracket => {
                    let open = self.bump();
                    self.enter(&open)?;
                    entered += 1;
                    if self.peek().tok == Tok::RBracket {
                        let close = self.peek();
                        return Err(self.error_at(
                            open.start,
                            close.end,
                            "`[]` needs an index inside, for example `[0]`",
                        ));
                    }
                    let index = self.or()?;
                    let close = self.bump();
                    if close.tok != Tok::RBracket {
                        return Err(self.unclosed(&open, &close, "[", "]"));
                    }
                    e = Expr::Index {
                        base: Box::new(e),
                        index: Box::new(index),
                    };
                }
                Tok::Dot => {
                    let dot = self.bump();
                    self.enter(&dot)?;
                    entered += 1;
                    let name = self.bump();
                    let Tok::Ident(name) = name.tok else {
                        return Err(self.error_at(
                            dot.start,
                            name.end.max(dot.end),
                            &format!(
                                "expected a property name after `.`, found {}",
                                name.tok.describe()
                            ),
                        ));
                    };
                    e = match e {
                        // `(Flow.a).b` is the variable `Flow.a.b`, and `(f(x).a).b` is
                        // `f(x).a.b` (the lexer reads `.a.b` as one dotted name).
                        Expr::Var(v) => Expr::Var(format!("{v}.{name}")),
                        Expr::Member { base, name: first } => Expr::Member {
                            base,
                            name: format!("{first}.{name}"),
                        },
                        base => Expr::Member {
                            base: Box::new(base),
                            name,
                        },
                    };
                }
                _ => break,
            }
        }
        self.depth -= entered;
        Ok(e)
    }

    /// The error for an opening `(` or `[` whose closing partner is missing: at the
    /// opening one when the text ends, else at what came instead.
    fn unclosed(&self, open: &Token, found: &Token, o: &str, c: &str) -> ExprError {
        if found.tok == Tok::End {
            self.error_at(
                open.start,
                open.end,
                &format!("this `{o}` is never closed: add `{c}`"),
            )
        } else {
            self.error_at(
                found.start,
                found.end,
                &format!(
                    "expected `{c}` to close the `{o}` at {}, found {}",
                    open.start,
                    found.tok.describe()
                ),
            )
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let mut t = self.bump();
        match std::mem::replace(&mut t.tok, Tok::End) {
            Tok::Num(n) => Ok(Expr::Lit(Literal::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Literal::Str(s))),
            Tok::LParen => {
                t.tok = Tok::LParen;
                self.enter(&t)?;
                if self.peek().tok == Tok::RParen {
                    let close = self.peek();
                    return Err(self.error_at(
                        t.start,
                        close.end,
                        "`()` is empty: a value is missing",
                    ));
                }
                let e = self.or()?;
                self.depth -= 1;
                let close = self.bump();
                if close.tok != Tok::RParen {
                    return Err(self.unclosed(&t, &close, "(", ")"));
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
                } else if is("and") || is("or") {
                    Err(self.error_at(
                        t.start,
                        t.end,
                        &format!("`{name}` needs an operand before and after it"),
                    ))
                } else {
                    Ok(Expr::Var(name))
                }
            }
            Tok::End => Err(match self.prev {
                Some((start, end)) => self.error_at(
                    start,
                    end,
                    &format!(
                        "the expression ends too early: a value is missing after `{}`",
                        self.source(start, end)
                    ),
                ),
                None => self.error_at(
                    t.start,
                    t.end,
                    "the expression ends too early: a value is missing",
                ),
            }),
            Tok::RParen => Err(self.error_at(
                t.start,
                t.end,
                "unexpected `)`: a value is missing before it",
            )),
            Tok::RBracket => Err(self.error_at(
                t.start,
                t.end,
                "unexpected `]`: a value is missing before it",
            )),
            Tok::LBracket => Err(self.error_at(
                t.start,
                t.end,
                "expected a value, found `[`: write the collection before it, as in `Flow.list[0]`",
            )),
            Tok::Dot => Err(self.error_at(
                t.start,
                t.end,
                "expected a value, found `.`: property access needs a value before it",
            )),
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
        let open = self.bump(); // (
        self.enter(at)?;
        let mut args = Vec::new();
        if self.peek().tok != Tok::RParen {
            loop {
                args.push(self.or()?);
                let t = self.bump();
                match t.tok {
                    Tok::Comma => continue,
                    Tok::RParen => break,
                    Tok::End => return Err(self.unclosed(&open, &t, "(", ")")),
                    _ => {
                        return Err(self.error_at(
                            t.start,
                            t.end,
                            &format!(
                                "expected `,` or `)` in the arguments of `{name}`, found {}",
                                t.tok.describe()
                            ),
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

    /// The canonical text of a value expression (no condition check).
    fn v(s: &str) -> String {
        parse_value(s)
            .map(|e| e.to_string())
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    /// The tree of a value expression, for precedence checks.
    fn tree(s: &str) -> Expr {
        parse_value(s).unwrap()
    }

    fn var(s: &str) -> Box<Expr> {
        Box::new(Expr::Var(s.into()))
    }

    fn num(n: f64) -> Box<Expr> {
        Box::new(Expr::Lit(Literal::Num(n)))
    }

    fn arith(op: ArithOp, left: Box<Expr>, right: Box<Expr>) -> Box<Expr> {
        Box::new(Expr::Arith { op, left, right })
    }

    #[test]
    fn collection_access() {
        assert_eq!(p("Flow.list[0] == 1"), "Flow.list[0] == 1");
        assert_eq!(v("Flow.list[ 0 ]"), "Flow.list[0]");
        assert_eq!(
            tree("Flow.list[0]"),
            Expr::Index {
                base: var("Flow.list"),
                index: num(0.0)
            }
        );
        // Nested, with an expression inside, on a call result, chained.
        assert_eq!(v("a[b[i + 1]]"), "a[b[i + 1]]");
        assert_eq!(v("MakeList(1, 2, 3)[2]"), "MakeList(1, 2, 3)[2]");
        assert_eq!(v("Flow.grid[1][2]"), "Flow.grid[1][2]");
        assert_eq!(
            p("Chat.Guest.customFields[Task.i].key == \"x\""),
            "Chat.Guest.customFields[Task.i].key == \"x\""
        );
    }

    #[test]
    fn property_access() {
        assert_eq!(
            tree("ToPhoneNumber(Call.Ani).e164"),
            Expr::Member {
                base: Box::new(Expr::Call {
                    name: "ToPhoneNumber".into(),
                    args: vec![Expr::Var("Call.Ani".into())]
                }),
                name: "e164".into()
            }
        );
        assert_eq!(
            p("ToPhoneNumber(Call.Ani).e164 == \"+3225551234\""),
            "ToPhoneNumber(Call.Ani).e164 == \"+3225551234\""
        );
        assert_eq!(v("Flow.items[0].value.text"), "Flow.items[0].value.text");
        // A parenthesised variable with a property is the dotted variable.
        assert_eq!(tree("(Flow.a).b"), Expr::Var("Flow.a.b".into()));
        assert_eq!(tree("Flow . a"), Expr::Var("Flow.a".into()));
        assert_eq!(v("(x + 1).y"), "(x + 1).y");
        assert_eq!(tree("(f(x).a).b"), tree("f(x).a.b"));
        assert_eq!(v("(true).x"), "(true).x");
        // Property access binds tighter than unary minus and `!`.
        assert_eq!(v("-f(x).n"), "-f(x).n");
        assert_eq!(v("!f(x).ok"), "not f(x).ok");
    }

    #[test]
    fn variables_of_every_scope() {
        for name in [
            "Flow.x",
            "Call.Ani",
            "Task.y_2",
            "State.z",
            "Common.w",
            "Slot.x",
            "Bot.x",
            "Workitem.x",
            "Session.x",
            "Message.Message.body",
            "Email.x",
            "Survey.x",
            "Memory.x",
            "Interaction.x",
            "Conversation.x",
            "Utilities.x",
            "Flow.a1.b_2.c3.d4",
            "_x",
            "Flow.Prénom",
        ] {
            assert_eq!(tree(name), Expr::Var(name.into()), "{name}");
            assert_eq!(p(&format!("{name} == 1")), format!("{name} == 1"));
        }
    }

    #[test]
    fn calls_of_any_arity() {
        assert_eq!(
            p("GetCurrentDateTimeUtc() > x"),
            "GetCurrentDateTimeUtc() > x"
        );
        assert_eq!(
            v("MakeDuration(0, 0, 0, Task.s)"),
            "MakeDuration(0, 0, 0, Task.s)"
        );
        assert_eq!(
            v("If(IsSet(a), ToString(a), \"T0H1M0S\")"),
            "If(IsSet(a), ToString(a), \"T0H1M0S\")"
        );
        assert!(p("f(g(h()), [1][0]) == 1").starts_with("ERR"));
        assert_eq!(
            p("Contains(Append(a, \"x\"), \"y\")"),
            "Contains(Append(a, \"x\"), \"y\")"
        );
    }

    #[test]
    fn architect_operator_table() {
        use ArithOp::*;
        // `^` binds tighter than `* / %`, which bind tighter than `+ -`.
        assert_eq!(
            tree("a + b * c ^ d"),
            *arith(
                Add,
                var("a"),
                arith(Mul, var("b"), arith(Pow, var("c"), var("d")))
            )
        );
        assert_eq!(
            tree("a % b + c"),
            *arith(Add, arith(Mod, var("a"), var("b")), var("c"))
        );
        // Left to right within a level.
        assert_eq!(
            tree("a - b - c"),
            *arith(Sub, arith(Sub, var("a"), var("b")), var("c"))
        );
        assert_eq!(
            tree("a ^ b ^ c"),
            *arith(Pow, arith(Pow, var("a"), var("b")), var("c"))
        );
        // Unary minus binds tighter than `^` (Architect's table): `-2 ^ 2` is `(-2) ^ 2`.
        assert_eq!(tree("-2 ^ 2"), *arith(Pow, num(-2.0), num(2.0)));
        assert_eq!(
            tree("-a ^ 2"),
            *arith(
                Pow,
                Box::new(Expr::Unary {
                    op: UnaryOp::Neg,
                    operand: var("a")
                }),
                num(2.0)
            )
        );
        assert_eq!(tree("+5"), Expr::Lit(Literal::Num(5.0)));
        assert_eq!(v("~x & 1"), "~x & 1");
        // `< <=` bind tighter than `> >=` (rows of their own in the table), which bind
        // tighter than `== !=`, then `&`, then `|`.
        assert_eq!(v("a < b == c > d"), "a < b == c > d");
        assert_eq!(
            tree("a > b < c"),
            Expr::Cmp {
                op: CmpOp::Gt,
                left: var("a"),
                right: Box::new(Expr::Cmp {
                    op: CmpOp::Lt,
                    left: var("b"),
                    right: var("c")
                })
            }
        );
        assert_eq!(v("a > b < c"), "a > b < c");
        assert_eq!(v("(a > b) < c"), "(a > b) < c");
        assert_eq!(v("a < b > c"), "a < b > c");
        assert_eq!(
            tree("a < b == c"),
            Expr::Cmp {
                op: CmpOp::Eq,
                left: Box::new(Expr::Cmp {
                    op: CmpOp::Lt,
                    left: var("a"),
                    right: var("b")
                }),
                right: var("c")
            }
        );
        assert_eq!(
            tree("a == 1 & b == 2 | c"),
            *arith(
                BitOr,
                arith(
                    BitAnd,
                    Box::new(Expr::Cmp {
                        op: CmpOp::Eq,
                        left: var("a"),
                        right: num(1.0)
                    }),
                    Box::new(Expr::Cmp {
                        op: CmpOp::Eq,
                        left: var("b"),
                        right: num(2.0)
                    })
                ),
                var("c")
            )
        );
        // `|` binds tighter than `and`, which binds tighter than `or`.
        assert_eq!(
            tree("a | b and c or d"),
            Expr::Or(vec![
                Expr::And(vec![
                    *arith(BitOr, var("a"), var("b")),
                    Expr::Var("c".into())
                ]),
                Expr::Var("d".into())
            ])
        );
        assert_eq!(p("Flow.flags & 4 == 4"), "Flow.flags & 4 == 4");
        assert_eq!(p("(Flow.flags & 4) == 4"), "(Flow.flags & 4) == 4");
        assert_eq!(p("Flow.n % 2 == 0"), "Flow.n % 2 == 0");
        assert_eq!(p("2 ^ Flow.n > 100"), "2 ^ Flow.n > 100");
        assert_eq!(p("Flow.a | Flow.b"), "Flow.a | Flow.b");
        assert_eq!(p("Flow.a & Flow.b"), "Flow.a & Flow.b");
        assert_eq!(p("~Flow.mask"), "~Flow.mask");
        // `!` is unary (binds tighter than `==`); the keyword `not` binds loosely.
        assert_eq!(
            tree("!a == b"),
            Expr::Cmp {
                op: CmpOp::Eq,
                left: Box::new(Expr::Not(var("a"))),
                right: var("b")
            }
        );
        assert_eq!(p("!a == b"), "(not a) == b");
        assert_eq!(p("not a == b"), "not a == b");
        assert_eq!(p("x == not y"), "x == (not y)");
        assert_eq!(p("x == Not(y)"), "x == (not y)");
    }

    #[test]
    fn canonical_text_parses_back_to_the_same_tree() {
        for s in [
            "a + b * c ^ d",
            "(a + b) * c",
            "a - (b - c)",
            "a ^ (b ^ c)",
            "(-2) ^ 2",
            "-(a ^ 2)",
            "-(-a)",
            "- -a",
            "(-5)[0]",
            "f(x).y[z + 1].w",
            "(a == b) == (c < d)",
            "a < (b < c)",
            "a > b < c",
            "(a > b) < c",
            "a >= (b > c)",
            "(a | b) & c",
            "a | b & c",
            "!(a and b) or c",
            "not (a or b) and !c",
            "(not a) == b",
            "~(a | b)",
            "x % 2 ^ 3 * -y",
            "\"a\\\"b\\\\\" + \"c\"",
        ] {
            let first = tree(s);
            let text = first.to_string();
            assert_eq!(tree(&text), first, "{s} printed as {text}");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(
            p("x == \"He said, \\\"Hi\\\"\""),
            "x == \"He said, \\\"Hi\\\"\""
        );
        assert_eq!(
            tree("\"Male\\\\Female\""),
            Expr::Lit(Literal::Str("Male\\Female".into()))
        );
        assert_eq!(tree("\"\""), Expr::Lit(Literal::Str(String::new())));
        assert_eq!(tree("3.25"), Expr::Lit(Literal::Num(3.25)));
        assert_eq!(tree("TRUE"), Expr::Lit(Literal::Bool(true)));
        assert_eq!(tree("not_set"), Expr::Lit(Literal::NotSet));
        // Multi-line expressions, as Archy YAML writes them, and a no-break space.
        assert_eq!(
            v("If(\n\tContains(a, \"H\"),\r\n\t1,\u{a0}2)"),
            "If(Contains(a, \"H\"), 1, 2)"
        );
    }

    #[test]
    fn real_syntax_errors_have_precise_spans() {
        let span = |s: &str| {
            let e = parse_expression(s).unwrap_err();
            (e.start, e.end, e.message)
        };
        // Unclosed parenthesis: at the `(` that is never closed.
        let (s, e, m) = span("(a == 1");
        assert_eq!((s, e), (0, 1), "{m}");
        assert!(m.contains("never closed"), "{m}");
        let (s, e, _) = span("f(a, (b)");
        assert_eq!((s, e), (1, 2));
        let (s, e, _) = span("Flow.list[0 == 1");
        assert_eq!((s, e), (9, 10));
        // A `)` or `]` with no partner.
        let (s, e, m) = span("a == 1)");
        assert_eq!((s, e), (6, 7), "{m}");
        let (s, e, _) = span("a == 1]");
        assert_eq!((s, e), (6, 7));
        // A dangling operator: at the operator.
        let (s, e, m) = span("a ==");
        assert_eq!((s, e), (2, 4), "{m}");
        assert!(m.contains("`==`"), "{m}");
        let (s, e, _) = span("a == 1 and");
        assert_eq!((s, e), (7, 10));
        let (s, e, _) = span("x & ");
        assert_eq!((s, e), (2, 3));
        // An operator with no left operand.
        let (s, e, _) = span("* x");
        assert_eq!((s, e), (0, 1));
        // A dot with no name after it, an empty index, empty parentheses.
        let (s, e, _) = span("f(x). == 1");
        assert_eq!((s, e), (4, 8));
        let (s, e, _) = span("Flow.list[] == 1");
        assert_eq!((s, e), (9, 11));
        let (s, e, _) = span("() == 1");
        assert_eq!((s, e), (0, 2));
        // Single quotes are not Architect strings.
        let (s, e, m) = span("x == 'a'");
        assert_eq!((s, e), (5, 6));
        assert!(m.contains("double quotes"), "{m}");
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
        assert!(parse_expression("\"x\"").is_err());
        assert!(parse_expression("x + 1").is_err());
        assert!(parse_expression("x % 2").is_err());
        assert!(parse_expression("-x").is_err());
        assert!(parse_expression("(a == 1").is_err());
        assert!(parse_expression("a and").is_err());
        // Chained comparisons follow the table (`(a == 1) == b`); the analysis treats the
        // outer comparison as opaque.
        assert!(parse_expression("a == 1 == b").is_ok());
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
        for deep in [
            format!("x{} == 1", "[0]".repeat(100_000)),
            format!("f(x){} == 1", "[0].y".repeat(100_000)),
            format!("x{} == 1", "[y".repeat(100_000)),
            format!("{}x", "!".repeat(100_000)),
            format!("{}x", "~".repeat(100_000)),
            format!("{} == 1", vec!["x"; 100_000].join(" ^ ")),
            vec!["x"; 100_000].join(" & "),
            vec!["x"; 100_000].join(" == "),
            format!("{}1{}", "f(".repeat(100_000), ")".repeat(100_000)),
        ] {
            let e = parse_expression(&deep).unwrap_err();
            assert!(e.message.contains("nested"), "{}", e.message);
        }
        let ok = format!("x{} == 1", "[0]".repeat(60));
        assert!(parse_expression(&ok).is_ok());
    }
}
