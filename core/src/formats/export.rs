//! Architect export files (`.i3InboundFlow`, `.i3InQueueFlow`, `.i3InboundMessage`,
//! `.i3WorkFlow`, `.i3BotFlow`, …): an Architect configuration JSON document, percent-encoded
//! (URL-encoded, as JavaScript's `encodeURIComponent` writes it) and then base64-encoded.
//!
//! Real exports (`../shared/genesys/real-flows/architect`) are base64 of the percent-encoded
//! JSON, so they start with `JTdC` (base64 of `%7B`, an encoded `{`). Hand-made variants are
//! accepted too: percent-encoded JSON without base64 (starting with `%7B`) and base64 of the
//! plain JSON (starting with `eyJ`, base64 of `{"`). Base64 may be wrapped over lines or
//! contain other ASCII white space, and may use the URL-safe alphabet or omit its padding.
//!
//! Recognition ([`sniff`]) looks only at the first few characters, so a damaged export is
//! still recognised and its damage reported as FG001 at the place it is, instead of being
//! read as YAML. Decoding ([`decode`]) reports invalid base64, invalid percent-encoding and
//! decoded bytes that are not UTF-8 as FG001 located in the export text; the decoded text
//! is then read like any Architect configuration JSON, and every diagnostic after that
//! points into the decoded text.
//!
//! Decoding never grows the text: base64 decodes to three bytes per four symbols and
//! percent-decoding to one byte per one or three, so the decoded text is never longer than
//! the export. The limit passed to [`decode`] is nevertheless checked against the decoded
//! size (FG006), so the bound does not rest on that argument alone.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::diagnostic::{Code, Location, RawDiagnostic};

pub use flowguard_engine::formats::export::{DecodedSource, ExportEncoding};

/// ASCII white space that may wrap or pad an export.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The value of a base64 symbol in the standard or the URL-safe alphabet.
fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Where the export's content starts and ends: after a byte order mark and white space,
/// before trailing white space.
fn body_range(text: &str) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while start < bytes.len() && is_space(bytes[start]) {
        start += 1;
    }
    let mut end = bytes.len();
    while end > start && is_space(bytes[end - 1]) {
        end -= 1;
    }
    (start, end)
}

/// Recognises an export by its first characters: `%7B` (percent-encoded `{`), or four
/// base64 symbols that decode to `%7B` or to `{` followed by `"`, white space or `}`.
/// Looks at a bounded prefix only; whether the rest decodes is [`decode`]'s business.
pub fn sniff(text: &str) -> Option<ExportEncoding> {
    let (start, end) = body_range(text);
    let body = &text.as_bytes()[start..end];
    if body.len() >= 3 && body[0] == b'%' && body[1] == b'7' && matches!(body[2], b'B' | b'b') {
        return Some(ExportEncoding::Url);
    }
    // The first four symbols (white space may wrap lines anywhere, but not for long).
    let mut quad = [0u8; 4];
    let mut n = 0;
    for &b in body.iter().take(64) {
        if is_space(b) {
            continue;
        }
        if b == b'=' {
            break;
        }
        quad[n] = sextet(b)?;
        n += 1;
        if n == 4 {
            break;
        }
    }
    let bytes = [
        (quad[0] << 2) | (quad[1] >> 4),
        (quad[1] << 4) | (quad[2] >> 2),
        (quad[2] << 6) | quad[3],
    ];
    match bytes {
        [b'%', b'7', b'B' | b'b'] if n == 4 => Some(ExportEncoding::Base64Url),
        // Three symbols hold two bytes: `{}` is `e30=`.
        [b'{', b'"' | b' ' | b'\t' | b'\n' | b'\r' | b'}', _] if n >= 3 => {
            Some(ExportEncoding::Base64)
        }
        _ => None,
    }
}

/// Decodes an export text recognised by [`sniff`] as `encoding`. Damage is FG001 located
/// in `text`; a decoded text longer than `max_bytes` is FG006.
pub fn decode(
    text: &str,
    encoding: ExportEncoding,
    max_bytes: usize,
) -> Result<DecodedSource, Box<RawDiagnostic>> {
    let (start, end) = body_range(text);
    let body = &text.as_bytes()[start..end];
    let mut b64 = if encoding.is_base64() {
        Some(Base64Stage::decode(text, start, end)?)
    } else {
        None
    };
    let bytes: Vec<u8> = match (b64.as_mut(), encoding) {
        (Some(stage), ExportEncoding::Base64) => {
            // The stage's bytes are the result (their size is checked below); its symbol
            // positions are kept for errors.
            std::mem::take(&mut stage.bytes)
        }
        (Some(stage), _) => {
            // The intermediate percent-encoded text is bounded by the export's size; the
            // limit is on the decoded JSON, checked below.
            if let Err((at, len)) = check_percent(&stage.bytes) {
                let what = escape_shown(&stage.bytes[at..(at + len).min(stage.bytes.len())]);
                return Err(syntax_error(
                    stage.range_of_bytes(text, at, at + len.max(1)),
                    format!(
                        "the Architect export is not valid URL encoding: `{what}` at byte {at} of its base64-decoded text is not `%` followed by two hexadecimal digits"
                    ),
                ));
            }
            percent_encoding::percent_decode(&stage.bytes).collect()
        }
        (None, _) => {
            if let Err((at, len)) = check_percent(body) {
                let range = char_range(text, start + at, len);
                let what = text.get(range.0 as usize..range.1 as usize).unwrap_or("%");
                return Err(syntax_error(
                    range,
                    format!(
                        "the Architect export is not valid URL encoding: `{what}` is not `%` followed by two hexadecimal digits"
                    ),
                ));
            }
            percent_encoding::percent_decode(body).collect()
        }
    };
    check_size(bytes.len(), max_bytes)?;
    match String::from_utf8(bytes) {
        Ok(decoded) => Ok(DecodedSource {
            encoding,
            text: decoded,
        }),
        Err(e) => {
            let decoded = e.as_bytes();
            let bad = e.utf8_error().valid_up_to();
            // Where the bad byte came from in the export text.
            let range = match (&b64, encoding) {
                (Some(stage), ExportEncoding::Base64) => stage.range_of_bytes(text, bad, bad + 1),
                (Some(stage), _) => {
                    let (s, e) = percent_source(&stage.bytes, bad);
                    stage.range_of_bytes(text, s, e)
                }
                (None, _) => {
                    let (s, e) = percent_source(body, bad);
                    char_range(text, start + s, e - s)
                }
            };
            let shown = decoded.get(bad).copied().unwrap_or(0);
            Err(syntax_error(
                range,
                format!(
                    "the decoded Architect export is not UTF-8 text (byte 0x{shown:02X} at byte {bad} of the decoded JSON)"
                ),
            ))
        }
    }
}

/// FG006 when the decoded text would exceed the limit.
fn check_size(len: usize, max_bytes: usize) -> Result<(), Box<RawDiagnostic>> {
    if len <= max_bytes {
        return Ok(());
    }
    Err(Box::new(RawDiagnostic::new(
        Code::InputTooLarge,
        Location::default(),
        format!(
            "the decoded Architect export is {len} bytes, more than the limit of {max_bytes} bytes"
        ),
        "split the flow, or raise the limit (maxBytes / --max-bytes) if this size is expected",
    )))
}

const HELP: &str = "an Architect export (.i3InboundFlow, .i3InQueueFlow, …) is base64 of URL-encoded JSON; this one is damaged or truncated: export the flow again from Architect, or validate its Architect configuration JSON instead";

fn syntax_error(range: (u32, u32), message: String) -> Box<RawDiagnostic> {
    Box::new(RawDiagnostic::new(
        Code::SyntaxError,
        Location {
            pointer: String::new(),
            range: Some(range),
        },
        message,
        HELP,
    ))
}

/// The range of up to `chars` characters of `text` from the byte offset `at` (a character
/// boundary), at least one byte when there is text left.
fn char_range(text: &str, at: usize, chars: usize) -> (u32, u32) {
    let at = at.min(text.len());
    let rest = text.get(at..).unwrap_or("");
    let len: usize = rest.chars().take(chars.max(1)).map(char::len_utf8).sum();
    (at as u32, (at + len) as u32)
}

/// Bytes shown in a message: ASCII as is, anything else as `\xNN`.
fn escape_shown(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|b| b.escape_ascii())
        .map(char::from)
        .collect()
}

/// The first `%` not followed by two hexadecimal digits: (offset, length to show).
fn check_percent(bytes: &[u8]) -> Result<(), (usize, usize)> {
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'%', &bytes[i..]) {
        let at = i + off;
        let ok = bytes.get(at + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(at + 2).is_some_and(u8::is_ascii_hexdigit);
        if !ok {
            let len = (bytes.len() - at).min(3);
            return Err((at, len));
        }
        i = at + 3;
    }
    Ok(())
}

/// The byte range of valid percent-encoded `src` that decodes to the decoded byte `target`.
fn percent_source(src: &[u8], target: usize) -> (usize, usize) {
    let (mut i, mut n) = (0usize, 0usize);
    while n < target && i < src.len() {
        i += if src[i] == b'%' { 3 } else { 1 };
        n += 1;
    }
    let i = i.min(src.len());
    let len = if src.get(i) == Some(&b'%') { 3 } else { 1 };
    (i, (i + len).min(src.len()))
}

/// The base64 layer of an export: its decoded bytes and where its symbols are.
struct Base64Stage {
    bytes: Vec<u8>,
    /// Offsets in the export text of the first and one past the last symbol.
    start: usize,
    end: usize,
    /// How many symbols there are.
    symbols: usize,
}

impl Base64Stage {
    fn decode(text: &str, start: usize, end: usize) -> Result<Base64Stage, Box<RawDiagnostic>> {
        let body = &text.as_bytes()[start..end];
        let symbols: Vec<u8> = body.iter().copied().filter(|&b| !is_space(b)).collect();
        let url_safe = symbols.iter().any(|&b| b == b'-' || b == b'_');
        let config = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true);
        let engine = if url_safe {
            GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
        } else {
            GeneralPurpose::new(&base64::alphabet::STANDARD, config)
        };
        let mut stage = Base64Stage {
            bytes: Vec::new(),
            start,
            end,
            symbols: symbols.len(),
        };
        match engine.decode(&symbols) {
            Ok(bytes) => {
                stage.bytes = bytes;
                Ok(stage)
            }
            Err(e) => {
                let last = symbols.len().saturating_sub(1);
                let (k, message) = match e {
                    base64::DecodeError::InvalidByte(k, b'=') => (
                        k,
                        format!(
                            "the Architect export is not valid base64: padding `=` before the end (base64 character {k})"
                        ),
                    ),
                    base64::DecodeError::InvalidByte(k, _) => {
                        let at = stage.symbol_offset(text, k);
                        let ch = text.get(at..).and_then(|s| s.chars().next()).unwrap_or('?');
                        (
                            k,
                            format!(
                                "the Architect export is not valid base64: `{}` (base64 character {k}) is not a base64 character",
                                ch.escape_debug()
                            ),
                        )
                    }
                    base64::DecodeError::InvalidLength(_) => (
                        last,
                        "the Architect export is not valid base64: it ends in the middle of a group of four characters (is it truncated?)".to_owned(),
                    ),
                    base64::DecodeError::InvalidLastSymbol(k, _) => (
                        k,
                        format!(
                            "the Architect export is not valid base64: its last character (base64 character {k}) does not end a group"
                        ),
                    ),
                    base64::DecodeError::InvalidPadding => (
                        last,
                        "the Architect export is not valid base64: its `=` padding at the end is wrong".to_owned(),
                    ),
                };
                let at = stage.symbol_offset(text, k.min(last));
                Err(syntax_error(char_range(text, at, 1), message))
            }
        }
    }

    /// The offset in the export text of symbol `k` (the end of the symbols past the last).
    fn symbol_offset(&self, text: &str, k: usize) -> usize {
        let bytes = &text.as_bytes()[self.start..self.end];
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| !is_space(b))
            .nth(k)
            .map_or(self.end, |(i, _)| self.start + i)
    }

    /// The range of export text holding the symbols that decode to bytes `from..to`.
    fn range_of_bytes(&self, text: &str, from: usize, to: usize) -> (u32, u32) {
        let first = (from / 3) * 4;
        let last = to.div_ceil(3) * 4;
        let last = last.min(self.symbols).max(first + 1);
        let s = self.symbol_offset(text, first).min(self.end);
        let e = self
            .symbol_offset(text, last - 1)
            .saturating_add(1)
            .min(self.end);
        (s as u32, e.max(s) as u32)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const JSON: &str = r#"{"name":"Main é","flowSequenceItemList":[],"initialSequence":"x"}"#;

    /// Percent-encodes like `encodeURIComponent`.
    fn url(text: &str) -> String {
        const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'!')
            .remove(b'~')
            .remove(b'*')
            .remove(b'\'')
            .remove(b'(')
            .remove(b')');
        percent_encoding::utf8_percent_encode(text, KEEP).to_string()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn decoded(text: &str) -> DecodedSource {
        let enc = sniff(text).expect("recognised");
        decode(text, enc, usize::MAX).expect("decodes")
    }

    fn error(text: &str) -> RawDiagnostic {
        let enc = sniff(text).expect("recognised");
        *decode(text, enc, usize::MAX).expect_err("fails")
    }

    fn span_text<'t>(text: &'t str, d: &RawDiagnostic) -> &'t str {
        let (s, e) = d.at.range.expect("located");
        &text[s as usize..e as usize]
    }

    #[test]
    fn base64_of_url_encoded_json() {
        let export = b64(url(JSON).as_bytes());
        assert!(export.starts_with("JTdC"));
        let d = decoded(&export);
        assert_eq!(d.encoding, ExportEncoding::Base64Url);
        assert_eq!(d.text, JSON);
        // A trailing newline (and a byte order mark) are not part of the export.
        assert_eq!(decoded(&format!("\u{feff}{export}\n")).text, JSON);
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // a test input; the core itself lower-cases through `case`
    fn url_encoded_json() {
        let export = url(JSON);
        assert!(export.starts_with("%7B"));
        let d = decoded(&export);
        assert_eq!(d.encoding, ExportEncoding::Url);
        assert_eq!(d.text, JSON);
        assert_eq!(decoded(&export.to_lowercase()).text, JSON.to_lowercase());
    }

    #[test]
    fn base64_of_json() {
        let export = b64(JSON.as_bytes());
        assert!(export.starts_with("eyJ"));
        let d = decoded(&export);
        assert_eq!(d.encoding, ExportEncoding::Base64);
        assert_eq!(d.text, JSON);
        // Pretty-printed JSON starts `{` + newline or space.
        for json in ["{\n  \"a\": 1\n}", "{ \"a\": 1 }", "{\r\n}", "{}"] {
            assert_eq!(decoded(&b64(json.as_bytes())).text, json);
        }
    }

    #[test]
    fn white_space_padding_and_alphabets_in_base64() {
        let export = b64(url(JSON).as_bytes());
        // Wrapped at 76 columns (MIME), CRLF, and wrapped inside the first quad.
        let wrapped: String = export
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        assert_eq!(decoded(&wrapped).text, JSON);
        let split = format!("  JT\n dC{}\n\n", &export[4..]);
        assert_eq!(decoded(&split).text, JSON);
        // Without padding, and in the URL-safe alphabet.
        let unpadded = b64(JSON.as_bytes()).trim_end_matches('=').to_owned();
        assert_eq!(decoded(&unpadded).text, JSON);
        let safe =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("{\"a\":\"\u{3fff}~~\"}");
        assert!(safe.contains('-') || safe.contains('_'), "{safe}");
        assert_eq!(decoded(&safe).text, "{\"a\":\"\u{3fff}~~\"}");
    }

    #[test]
    fn other_texts_are_not_exports() {
        for text in [
            "",
            "{\"nodes\": {}}",
            "[1]",
            "inboundCall:\n  name: x\n",
            "JTdD",
            "ey",
            "e3",
            "%7C",
            "%7",
            "exam: ple",
            "workflow:",
            "# %7B",
        ] {
            assert_eq!(sniff(text), None, "{text:?}");
        }
    }

    #[test]
    fn invalid_base64_is_fg001_at_the_character() {
        let export = b64(url(JSON).as_bytes());
        let bad = format!("{}\n{}!{}", &export[..10], &export[10..20], &export[20..]);
        let d = error(&bad);
        assert_eq!(d.code, Code::SyntaxError);
        assert_eq!(span_text(&bad, &d), "!");
        assert!(d.message.contains("not valid base64"), "{}", d.message);
        assert!(d.help.contains("export the flow again"));
        // A non-ASCII character: the span covers the whole character.
        let bad = format!("{}é{}", &export[..8], &export[8..]);
        assert_eq!(span_text(&bad, &error(&bad)), "é");
        // `=` in the middle.
        let bad = format!("{}={}", &export[..9], &export[9..]);
        assert_eq!(span_text(&bad, &error(&bad)), "=");
    }

    #[test]
    fn truncated_base64_is_fg001_at_the_end() {
        let export = b64(url(JSON).as_bytes());
        // One symbol of a last group: not decodable.
        let len = export.trim_end_matches('=').len();
        let cut = &export[..(len / 4) * 4 + 1];
        let d = error(cut);
        assert_eq!(d.code, Code::SyntaxError);
        let (s, e) = d.at.range.unwrap();
        assert_eq!((s as usize, e as usize), (cut.len() - 1, cut.len()));
        // Truncated at a group boundary: the base64 decodes, the JSON ends early (the
        // JSON reader reports that); truncated inside `%XX`: invalid URL encoding.
        let json = url(JSON);
        let cut = b64(&json.as_bytes()[..json.len() - 2]);
        let d = error(&cut);
        assert!(d.message.contains("URL encoding"), "{}", d.message);
        let (s, e) = d.at.range.unwrap();
        assert!(s < e && e as usize <= cut.len());
    }

    #[test]
    fn invalid_percent_encoding_is_fg001() {
        let text = "%7B%22a%22%3A%2G%7D";
        let d = error(text);
        assert_eq!(d.code, Code::SyntaxError);
        assert_eq!(span_text(text, &d), "%2G");
        let text = "%7B%22a%22%3A1%";
        assert_eq!(span_text(text, &error(text)), "%");
        let text = "%7B%22a%22%3A1%é";
        assert_eq!(span_text(text, &error(text)), "%é");
        // Inside base64: located at the symbols that hold it.
        let text = b64(b"%7B%22a%22%3A%ZZ%7D");
        let d = error(&text);
        let shown = span_text(&text, &d);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(format!("{shown}{}", "=".repeat((4 - shown.len() % 4) % 4)))
            .unwrap_or_default();
        assert!(
            String::from_utf8_lossy(&decoded).contains('%'),
            "{shown:?} {}",
            d.message
        );
    }

    #[test]
    fn decoded_bytes_that_are_not_utf8_are_fg001() {
        let text = "%7B%22a%22%3A%22%FF%22%7D";
        let d = error(text);
        assert_eq!(d.code, Code::SyntaxError);
        assert_eq!(span_text(text, &d), "%FF");
        assert!(d.message.contains("not UTF-8"), "{}", d.message);
        let text = b64(b"{\"a\":\"\xff\"}");
        let d = error(&text);
        assert!(d.message.contains("0xFF"), "{}", d.message);
        assert!(!span_text(&text, &d).is_empty());
        let text = b64(b"%7B%22%C3%22%7D");
        let d = error(&text);
        assert!(d.message.contains("not UTF-8"), "{}", d.message);
        assert!(!span_text(&text, &d).is_empty());
    }

    #[test]
    fn decoded_size_is_bounded() {
        let export = b64(url(JSON).as_bytes());
        let d = decode(&export, ExportEncoding::Base64Url, JSON.len() - 1).unwrap_err();
        assert_eq!(d.code, Code::InputTooLarge);
        assert!(d.message.contains("decoded"), "{}", d.message);
        assert_eq!(
            decode(&export, ExportEncoding::Base64Url, JSON.len())
                .unwrap()
                .text,
            JSON
        );
        let d = decode(&url(JSON), ExportEncoding::Url, 10).unwrap_err();
        assert_eq!(d.code, Code::InputTooLarge);
    }

    #[test]
    fn encoding_names() {
        for (e, name) in [
            (ExportEncoding::Base64Url, "\"base64+url\""),
            (ExportEncoding::Url, "\"url\""),
            (ExportEncoding::Base64, "\"base64\""),
        ] {
            assert_eq!(serde_json::to_string(&e).unwrap(), name);
            assert_eq!(format!("\"{}\"", e.as_str()), name);
        }
    }
}
