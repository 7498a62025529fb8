//! Expression text to tokens, with byte spans.

use super::ExprError;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    /// A name, possibly dotted (`Call.Ani`); keywords are recognised by the parser.
    Ident(String),
    Num(f64),
    Str(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub tok: Tok,
    pub start: u32,
    pub end: u32,
}

fn err(message: impl Into<String>, start: usize, end: usize) -> ExprError {
    ExprError {
        message: message.into(),
        start: start as u32,
        end: end as u32,
    }
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'"' => {
                i += 1;
                let mut s = String::new();
                let mut closed = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        b'\\'
                            if i + 1 < bytes.len()
                                && (bytes[i + 1] == b'"' || bytes[i + 1] == b'\\') =>
                        {
                            s.push(bytes[i + 1] as char);
                            i += 2;
                        }
                        _ => {
                            // Copy one whole UTF-8 character.
                            let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                            s.push(ch);
                            i += ch.len_utf8().max(1);
                        }
                    }
                }
                if !closed {
                    return Err(err(
                        "this string is not closed: add the closing `\"`",
                        start,
                        text.len(),
                    ));
                }
                Tok::Str(s)
            }
            b'0'..=b'9' => {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                match text[start..i].parse::<f64>() {
                    Ok(n) if n.is_finite() => Tok::Num(n),
                    _ => return Err(err("this number is too large", start, i)),
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                loop {
                    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
                    {
                        i += 1;
                    }
                    // A dot followed by a name continues a dotted variable.
                    if i + 1 < bytes.len()
                        && bytes[i] == b'.'
                        && (bytes[i + 1].is_ascii_alphabetic() || bytes[i + 1] == b'_')
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                Tok::Ident(text[start..i].to_owned())
            }
            _ => {
                let two = text.get(i..i + 2).unwrap_or("");
                let op: Option<&'static str> = match two {
                    "==" => Some("=="),
                    "!=" => Some("!="),
                    "<>" => Some("!="),
                    "<=" => Some("<="),
                    ">=" => Some(">="),
                    "&&" => Some("&&"),
                    "||" => Some("||"),
                    _ => None,
                };
                if let Some(op) = op {
                    i += 2;
                    Tok::Op(op)
                } else {
                    let op = match c {
                        b'<' => "<",
                        b'>' => ">",
                        b'!' => "!",
                        b'+' => "+",
                        b'-' => "-",
                        b'*' => "*",
                        b'/' => "/",
                        b'=' => {
                            return Err(err(
                                "`=` is not a comparison: write `==` to compare",
                                start,
                                start + 1,
                            ));
                        }
                        b'&' | b'|' => {
                            return Err(err(
                                "a single `&` or `|` is not an operator: write `and` / `&&` or `or` / `||`",
                                start,
                                start + 1,
                            ));
                        }
                        _ => {
                            let ch = text[i..].chars().next().unwrap_or('?');
                            return Err(err(
                                format!("unexpected character `{ch}`"),
                                start,
                                start + ch.len_utf8(),
                            ));
                        }
                    };
                    i += 1;
                    Tok::Op(op)
                }
            }
        };
        out.push(Token {
            tok,
            start: start as u32,
            end: i as u32,
        });
    }
    out.push(Token {
        tok: Tok::End,
        start: text.len() as u32,
        end: text.len() as u32,
    });
    Ok(out)
}
