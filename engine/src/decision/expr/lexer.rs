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
    LBracket,
    RBracket,
    /// A `.` that does not join a dotted name (`ToPhoneNumber(x).e164`, `list[0].key`).
    Dot,
    Comma,
    End,
}

impl Tok {
    /// How the token is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Num(n) => format!("`{}`", super::format_number(*n)),
            Tok::Str(s) => format!("the string {}", super::quote_string(s)),
            Tok::Op(op) => format!("`{op}`"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Comma => "`,`".into(),
            Tok::End => "the end of the expression".into(),
        }
    }
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

/// Whether `s` starts with a character that can begin a name (a letter or `_`).
fn starts_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The byte length of the name characters (letters, digits, `_`) at the start of `s`.
fn name_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(s.len(), |(i, _)| i)
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
            c if c >= 0x80 && text[i..].starts_with(char::is_whitespace) => {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
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
            c if c.is_ascii_alphabetic() || c == b'_' || (c >= 0x80 && starts_name(&text[i..])) => {
                loop {
                    i += name_len(&text[i..]);
                    // A dot followed by a name continues a dotted variable.
                    if bytes.get(i) == Some(&b'.') && starts_name(&text[i + 1..]) {
                        i += 1;
                    } else {
                        break;
                    }
                }
                Tok::Ident(text[start..i].to_owned())
            }
            b'[' => {
                i += 1;
                Tok::LBracket
            }
            b']' => {
                i += 1;
                Tok::RBracket
            }
            b'.' => {
                i += 1;
                Tok::Dot
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
                        b'%' => "%",
                        b'^' => "^",
                        b'~' => "~",
                        b'&' => "&",
                        b'|' => "|",
                        b'=' => {
                            return Err(err(
                                "`=` is not a comparison: write `==` to compare",
                                start,
                                start + 1,
                            ));
                        }
                        b'\'' => {
                            return Err(err(
                                "strings are written in double quotes: `\"text\"`",
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
