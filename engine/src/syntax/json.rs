//! A strict JSON (RFC 8259) reader that keeps byte spans, written as an explicit state
//! machine so that nesting depth costs heap, not stack: a document nested 100,000 levels
//! deep parses in the ~1 MB wasm stack like any other.
//!
//! Why not serde_json or jsonc-parser: neither keeps spans for every value and member key
//! (serde_json) or both recurse per nesting level (stack overflow in wasm on hostile input).

use super::tree::{SyntaxTree, TreeBuilder, ValueKind};
use crate::text_index::{TextIndex, hash};

/// A syntax error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte range of the offending text (empty at end of input).
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub help: &'static str,
}

/// A member key that appears twice in one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// Span of the second occurrence of the key.
    pub start: u32,
    pub end: u32,
    /// Span of the first occurrence.
    pub first_start: u32,
    pub first_end: u32,
}

/// The result of reading JSON text.
#[derive(Debug)]
pub struct ParsedJson {
    pub tree: SyntaxTree,
    pub error: Option<JsonError>,
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Which quoted format-marker names the text contains (see [`FormatMarkers`]).
    pub markers: FormatMarkers,
}

/// Whether the text contains the quoted names format detection looks for
/// (`crate::formats::detect`), noted while the strings are read anyway so that a
/// successful parse answers without a second pass over the text. For a document that
/// parses, a quoted name can only be a whole string token, or the end of a string that
/// has escapes (`"a\"nodes"`), and both are checked; so the answers equal a search of the
/// whole text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatMarkers {
    /// `"flowSequenceItemList"` or `"initialSequence"`.
    pub architect: bool,
    /// `"__type"`.
    pub type_key: bool,
    /// `"nodes"`.
    pub nodes: bool,
}

impl FormatMarkers {
    const ARCHITECT: [&'static [u8]; 2] = [b"\"flowSequenceItemList\"", b"\"initialSequence\""];
    const TYPE_KEY: &'static [u8] = b"\"__type\"";
    const NODES: &'static [u8] = b"\"nodes\"";

    /// The markers a text holds, probed without parsing it (for text that does not
    /// parse): every `"` is taken as a possible start of a quoted name.
    pub fn probe(text: &[u8]) -> FormatMarkers {
        let mut m = FormatMarkers::default();
        let mut at = 0;
        while let Some(q) = memchr::memchr(b'"', &text[at..]) {
            let rest = &text[at + q..];
            let starts = |pat: &[u8]| rest.starts_with(pat);
            // Most quotes start no marker: the byte after the quote decides.
            match rest.get(1) {
                Some(b'f' | b'i') => m.architect |= Self::ARCHITECT.iter().any(|p| starts(p)),
                Some(b'_') => m.type_key |= starts(Self::TYPE_KEY),
                Some(b'n') => m.nodes |= starts(Self::NODES),
                _ => {}
            }
            if m.architect {
                break;
            }
            at += q + 1;
        }
        m
    }

    /// Whether these markers mean Architect configuration JSON rather than flow JSON: the
    /// text names `flowSequenceItemList` or `initialSequence`, or uses `__type` without
    /// flowguard's `nodes`.
    pub fn means_architect(self) -> bool {
        self.architect || (self.type_key && !self.nodes)
    }

    /// Notes the string token `quoted` (its quotes included).
    fn note(&mut self, quoted: &[u8], has_escape: bool) {
        if has_escape {
            // Inside a string every quote is escaped (`\"`), and a quote right after a
            // letter is the closing one: a marker can only end the token.
            let ends = |pat: &[u8]| quoted.len() > pat.len() && quoted.ends_with(pat);
            self.architect |= Self::ARCHITECT.iter().any(|p| ends(p));
            self.type_key |= ends(Self::TYPE_KEY);
            self.nodes |= ends(Self::NODES);
            return;
        }
        // Most strings are no marker: the byte after the quote decides.
        match quoted.get(1) {
            Some(b'f' | b'i') => self.architect |= Self::ARCHITECT.contains(&quoted),
            Some(b'_') => self.type_key |= quoted == Self::TYPE_KEY,
            Some(b'n') => self.nodes |= quoted == Self::NODES,
            _ => {}
        }
    }
}

/// The members of one large open object by key (to find duplicate keys in linear time):
/// objects of up to [`KeyIndex::SMALL`] members are searched through the tree builder's
/// open members instead. The index holds the members' value indexes; their keys stay in
/// the tree.
#[derive(Default)]
struct KeyIndex {
    /// Nesting depth (`Parser::stack`'s length) of the object.
    depth: usize,
    members: TextIndex,
}

impl KeyIndex {
    const SMALL: usize = 16;

    /// Records member `value` (a value index) under its key text, unless the key is there
    /// already: then returns the member of its first occurrence.
    fn find_or_insert(&mut self, builder: &TreeBuilder, key: &[u8], value: u32) -> Option<u32> {
        self.members
            .find_or_insert(hash(key), value, |m| builder.member_key_is(m, key))
    }
}

/// A parse step's result. The error is boxed so that the `Ok` side, returned for every
/// token, fits in registers rather than a 48-byte slot in memory.
type Parse<T> = Result<T, Box<JsonError>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value must come next.
    Value,
    /// After `{`: a key or `}`.
    KeyOrEnd,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After `[`: a value or `]`.
    ValueOrEnd,
    /// After a value inside a container: `,` or the closing bracket.
    CommaOrEnd,
    /// The top-level value is complete.
    Done,
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    builder: TreeBuilder,
    stack: Vec<Container>,
    duplicates: Vec<DuplicateKey>,
    /// Key indexes of the open objects with more than [`KeyIndex::SMALL`] members,
    /// innermost last.
    key_indexes: Vec<KeyIndex>,
    markers: FormatMarkers,
    /// The decoded text of the last string with escapes (one buffer, reused).
    decoded: String,
}

/// Parses JSON text. A syntax error stops the parse; the tree then holds what was read
/// before it (with open containers closed at the end of the input).
// Out of line: an entry point from flowguard-core, which the wasm package compiles for
// size; inlined into its caller there, it would run as that caller is compiled
// (ARCHITECTURE.md, "Invariants").
#[inline(never)]
pub fn parse(text: &str) -> ParsedJson {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        builder: TreeBuilder::new(text.to_owned()),
        stack: Vec::new(),
        duplicates: Vec::new(),
        key_indexes: Vec::new(),
        markers: FormatMarkers::default(),
        decoded: String::new(),
    };
    // About one value per 12-13 bytes in minified flow documents, more bytes a value when
    // pretty-printed: room for one per 10 bytes means one allocation in the usual case (a
    // growth copies the arrays; room reserved and never touched costs no memory pages).
    p.builder.reserve(text.len() / 10);
    // A UTF-8 byte order mark is not JSON, but editors write it; skip it like browsers do.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    let error = p.run().err().map(|e| *e);
    ParsedJson {
        tree: p.builder.finish(),
        error,
        duplicate_keys: p.duplicates,
        markers: p.markers,
    }
}

impl<'a> Parser<'a> {
    fn err(
        &self,
        start: usize,
        end: usize,
        message: impl Into<String>,
        help: &'static str,
    ) -> Box<JsonError> {
        Box::new(JsonError {
            start: start as u32,
            end: end as u32,
            message: message.into(),
            help,
        })
    }

    /// Skips whitespace. Most calls find none (every byte of JSON whitespace is at most
    /// `b' '`): that test is inlined, the loop is not.
    #[inline(always)]
    fn skip_ws(&mut self) {
        if let Some(&b) = self.bytes.get(self.pos)
            && b <= b' '
        {
            // The one space after a member's colon, the commonest run, without the call
            // (a control byte below the space is not whitespace: the run reports it).
            if b == b' ' && self.bytes.get(self.pos + 1).is_some_and(|&b| b > b' ') {
                self.pos += 1;
            } else {
                self.skip_ws_run();
            }
        }
    }

    /// The whitespace run at `pos`. Indentation after a line break is skipped up to eight
    /// spaces at a time: the first byte that is not a space is found in one word.
    #[inline(never)]
    fn skip_ws_run(&mut self) {
        const SPACES: u64 = u64::from_le_bytes(*b"        ");
        let bytes = self.bytes;
        let mut pos = self.pos;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b'\n' | b' ' => {
                    pos += 1;
                    while let Some(w) = bytes
                        .get(pos..pos + 8)
                        .and_then(|c| <[u8; 8]>::try_from(c).ok())
                    {
                        let other = u64::from_le_bytes(w) ^ SPACES;
                        if other != 0 {
                            pos += (other.trailing_zeros() / 8) as usize;
                            break;
                        }
                        pos += 8;
                    }
                }
                b'\t' | b'\r' => pos += 1,
                _ => break,
            }
        }
        self.pos = pos;
    }

    /// The span of the character at `pos` (whole UTF-8 sequence) for error reporting.
    fn char_end(&self, pos: usize) -> usize {
        let mut end = (pos + 1).min(self.bytes.len());
        while end < self.bytes.len() && (self.bytes[end] & 0xC0) == 0x80 {
            end += 1;
        }
        end
    }

    fn unexpected(&self, expected: &str, help: &'static str) -> Box<JsonError> {
        match self.bytes.get(self.pos) {
            None => self.err(
                self.pos,
                self.pos,
                format!("unexpected end of input: expected {expected}"),
                "the document is cut short: close every open `{` and `[` and finish the last value",
            ),
            Some(_) => {
                let end = self.char_end(self.pos);
                let found = String::from_utf8_lossy(&self.bytes[self.pos..end]).into_owned();
                self.err(
                    self.pos,
                    end,
                    format!("expected {expected}, found `{found}`"),
                    help,
                )
            }
        }
    }

    fn after_value(&self) -> State {
        if self.stack.is_empty() {
            State::Done
        } else {
            State::CommaOrEnd
        }
    }

    fn run(&mut self) -> Parse<()> {
        let mut state = State::Value;
        loop {
            self.skip_ws();
            let b = self.bytes.get(self.pos).copied();
            match state {
                State::Done => {
                    return match b {
                        None => Ok(()),
                        Some(_) => Err(self.err(
                            self.pos,
                            self.char_end(self.pos),
                            "unexpected text after the end of the document",
                            "a JSON document holds exactly one value: remove what follows it, or wrap several values in an array",
                        )),
                    };
                }
                State::Value | State::ValueOrEnd => {
                    if state == State::ValueOrEnd && matches!(b, Some(b']')) {
                        self.close_container();
                        state = self.after_value();
                        continue;
                    }
                    state = self.value(b)?;
                }
                State::KeyOrEnd | State::Key => match b {
                    Some(b'}') if state == State::KeyOrEnd => {
                        self.close_container();
                        state = self.after_value();
                    }
                    Some(b'"') => {
                        self.key()?;
                        // The usual `"name": value`: take the colon here rather than in a
                        // trip round the loop (anything else goes to `Colon`, which reports it).
                        self.skip_ws();
                        if !matches!(self.bytes.get(self.pos), Some(b':')) {
                            state = State::Colon;
                            continue;
                        }
                        self.pos += 1;
                        // Then the value, and for a scalar the comma to the next key, also
                        // without the trips round the loop (anything else is left to it).
                        self.skip_ws();
                        state = self.value(self.bytes.get(self.pos).copied())?;
                        if state == State::CommaOrEnd {
                            // A scalar member: the open container is this object.
                            self.skip_ws();
                            if matches!(self.bytes.get(self.pos), Some(b',')) {
                                self.pos += 1;
                                state = State::Key;
                            }
                        }
                    }
                    Some(b'}') => {
                        return Err(self.err(
                                self.pos,
                                self.pos + 1,
                                "trailing comma before `}`",
                                "remove the comma after the last member: JSON does not allow trailing commas",
                            ));
                    }
                    _ => {
                        return Err(self.unexpected(
                            "a member name in double quotes",
                            "object member names are strings in double quotes, like \"name\"",
                        ));
                    }
                },
                State::Colon => {
                    if matches!(b, Some(b':')) {
                        self.pos += 1;
                        state = State::Value;
                    } else {
                        return Err(
                            self.unexpected("`:` after the member name", "write `\"name\": value`")
                        );
                    }
                }
                State::CommaOrEnd => {
                    let top = self.stack.last().copied();
                    match (b, top) {
                        (Some(b','), Some(Container::Object)) => {
                            self.pos += 1;
                            state = State::Key;
                        }
                        (Some(b','), Some(Container::Array)) => {
                            self.pos += 1;
                            self.skip_ws();
                            if matches!(self.bytes.get(self.pos), Some(b']')) {
                                return Err(self.err(
                                    self.pos,
                                    self.pos + 1,
                                    "trailing comma before `]`",
                                    "remove the comma after the last element: JSON does not allow trailing commas",
                                ));
                            }
                            state = State::Value;
                        }
                        (Some(b'}'), Some(Container::Object))
                        | (Some(b']'), Some(Container::Array)) => {
                            self.close_container();
                            state = self.after_value();
                        }
                        (_, Some(Container::Object)) => {
                            return Err(self.unexpected(
                                "`,` or `}`",
                                "separate members with commas and close the object with `}`",
                            ));
                        }
                        _ => {
                            return Err(self.unexpected(
                                "`,` or `]`",
                                "separate elements with commas and close the array with `]`",
                            ));
                        }
                    }
                }
            }
        }
    }

    fn close_container(&mut self) {
        self.pos += 1;
        if self
            .key_indexes
            .last()
            .is_some_and(|k| k.depth == self.stack.len())
        {
            self.key_indexes.pop();
        }
        self.stack.pop();
        self.builder.close(self.pos as u32);
    }

    /// Reads one value starting at the current byte; returns the next state.
    #[inline(always)]
    fn value(&mut self, b: Option<u8>) -> Parse<State> {
        let start = self.pos;
        match b {
            Some(b'{') => {
                self.pos += 1;
                self.builder.open(ValueKind::Object, start as u32);
                self.stack.push(Container::Object);
                Ok(State::KeyOrEnd)
            }
            Some(b'[') => {
                self.pos += 1;
                self.builder.open(ValueKind::Array, start as u32);
                self.stack.push(Container::Array);
                Ok(State::ValueOrEnd)
            }
            Some(b'"') => {
                let (escaped, inner) = self.string()?;
                let (start, end) = (start as u32, self.pos as u32);
                if escaped {
                    self.decode(inner);
                    self.builder
                        .scalar_str(ValueKind::String, start, end, &self.decoded);
                } else {
                    self.builder
                        .scalar_range(ValueKind::String, start, end, inner);
                }
                Ok(self.after_value())
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                let span = (start as u32, self.pos as u32);
                self.builder
                    .scalar_range(ValueKind::Number, span.0, span.1, span);
                Ok(self.after_value())
            }
            Some(b't') => self.literal(b"true", ValueKind::Bool(true)),
            Some(b'f') => self.literal(b"false", ValueKind::Bool(false)),
            Some(b'n') => self.literal(b"null", ValueKind::Null),
            Some(b'\'') => Err(self.err(
                start,
                start + 1,
                "strings must be in double quotes, found `'`",
                "replace the single quotes with double quotes",
            )),
            Some(b']') if matches!(self.stack.last(), Some(Container::Array)) => Err(self.err(
                start,
                start + 1,
                "trailing comma before `]`",
                "remove the comma after the last element: JSON does not allow trailing commas",
            )),
            _ => Err(self.unexpected(
                "a value",
                "a value is an object, an array, a string in double quotes, a number, true, false or null",
            )),
        }
    }

    fn literal(&mut self, word: &'static [u8], kind: ValueKind) -> Parse<State> {
        let start = self.pos;
        if self.bytes[start..].starts_with(word) {
            self.pos += word.len();
            let span = (start as u32, self.pos as u32);
            self.builder.scalar_range(kind, span.0, span.1, span);
            Ok(self.after_value())
        } else {
            let mut end = start;
            while end < self.bytes.len() && self.bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            let found =
                String::from_utf8_lossy(&self.bytes[start..end.max(start + 1)]).into_owned();
            Err(self.err(
                start,
                end.max(start + 1),
                format!("expected a value, found `{found}`"),
                "the only bare words in JSON are true, false and null (lower case); put text in double quotes",
            ))
        }
    }

    fn number(&mut self) -> Parse<()> {
        let start = self.pos;
        let help = "JSON numbers look like -12, 3.5 or 1e6: no leading zeros, no leading `+`, digits after the point";
        if matches!(self.bytes.get(self.pos), Some(b'-')) {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                    return Err(self.err(
                        start,
                        self.pos + 1,
                        "numbers must not have leading zeros",
                        help,
                    ));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => {
                return Err(self.err(
                    start,
                    self.char_end(self.pos.min(self.bytes.len().saturating_sub(1))),
                    "invalid number",
                    help,
                ));
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'.')) {
            self.pos += 1;
            if !matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.err(
                    start,
                    self.pos,
                    "a decimal point must be followed by digits",
                    help,
                ));
            }
            self.digits();
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.err(start, self.pos, "an exponent must have digits", help));
            }
            self.digits();
        }
        Ok(())
    }

    fn digits(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn key(&mut self) -> Parse<()> {
        let start = self.pos;
        let (escaped, inner) = self.string()?;
        let end = self.pos;
        // Duplicate keys: RFC 8259 leaves their meaning open (JavaScript keeps the last,
        // flowguard reads the first), so they are reported rather than silently resolved.
        // Compared as bytes: no char-boundary checks (the quotes are ASCII).
        let key: &[u8] = if escaped {
            self.decode(inner);
            self.decoded.as_bytes()
        } else {
            self.bytes
                .get(inner.0 as usize..inner.1 as usize)
                .unwrap_or_default()
        };
        // The member this key names is the next value the builder adds.
        let member = self.builder.next_index();
        let depth = self.stack.len();
        let first = match self.key_indexes.last_mut() {
            Some(index) if index.depth == depth => index.find_or_insert(&self.builder, key, member),
            _ => {
                let first = self.builder.open_member_named(key);
                if first.is_none() && self.builder.open_len() >= KeyIndex::SMALL {
                    // The object outgrew the linear search: index its keys so far.
                    let mut index = KeyIndex {
                        depth,
                        ..KeyIndex::default()
                    };
                    // (Repeated keys keep the member of their first occurrence.)
                    for m in self.builder.open_members() {
                        if let Some((k, _, _)) = self.builder.member_key(m.0) {
                            index.find_or_insert(&self.builder, k.as_bytes(), m.0);
                        }
                    }
                    index.find_or_insert(&self.builder, key, member);
                    self.key_indexes.push(index);
                }
                first
            }
        };
        // A hostile document can repeat a key 100,000 times: the first 100 say enough.
        if let Some((_, (fs, fe), _)) = first.and_then(|f| self.builder.member_key(f))
            && self.duplicates.len() < 100
        {
            self.duplicates.push(DuplicateKey {
                key: String::from_utf8_lossy(key).into_owned(),
                start: start as u32,
                end: end as u32,
                first_start: fs,
                first_end: fe,
            });
        }
        if escaped {
            self.builder
                .key_str(start as u32, end as u32, &self.decoded);
        } else {
            self.builder.key_range(start as u32, end as u32, inner);
        }
        Ok(())
    }

    /// Reads a string at `pos` (which is `"`). Returns whether it has escapes, and the byte
    /// range of the raw contents between the quotes.
    fn string(&mut self) -> Parse<(bool, (u32, u32))> {
        let open = self.pos;
        self.pos += 1;
        let inner_start = self.pos;
        let mut has_escape = false;
        loop {
            // Plain characters in one tight scan; only quotes, escapes and control
            // characters need the match below.
            self.pos += plain_run(self.bytes.get(self.pos..).unwrap_or_default());
            match self.bytes.get(self.pos) {
                None => {
                    return Err(self.err(
                        open,
                        self.pos,
                        "unterminated string",
                        "close the string with a double quote `\"`",
                    ));
                }
                Some(b'"') => break,
                Some(b'\\') => {
                    has_escape = true;
                    let esc = self.pos;
                    match self.bytes.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 2
                        }
                        Some(b'u') => {
                            let hex = self.bytes.get(self.pos + 2..self.pos + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.err(
                                    esc,
                                    (esc + 6).min(self.bytes.len()),
                                    "invalid unicode escape",
                                    "write \\u followed by exactly four hexadecimal digits",
                                ));
                            }
                            self.pos += 6;
                        }
                        _ => {
                            return Err(self.err(
                                esc,
                                self.char_end(esc + 1).max(esc + 1).min(self.bytes.len()),
                                "invalid escape sequence",
                                "valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a backslash as \\\\",
                            ));
                        }
                    }
                }
                Some(&c) if c < 0x20 => {
                    return Err(self.err(
                        self.pos,
                        self.pos + 1,
                        "control character inside a string",
                        "write line breaks and tabs inside strings as \\n and \\t",
                    ));
                }
                Some(_) => self.pos += 1,
            }
        }
        let inner_end = self.pos;
        self.pos += 1;
        self.markers.note(&self.bytes[open..self.pos], has_escape);
        Ok((has_escape, (inner_start as u32, inner_end as u32)))
    }

    /// Decodes the escapes of the string body `inner` into `self.decoded`.
    fn decode(&mut self, inner: (u32, u32)) {
        self.decoded.clear();
        decode_escapes_into(self.raw(inner), &mut self.decoded);
    }

    /// The raw text between a string's quotes.
    fn raw(&self, (start, end): (u32, u32)) -> &'a str {
        let text: &'a str = self.text;
        text.get(start as usize..end as usize).unwrap_or("")
    }
}

/// Length of the leading run of bytes that need no attention inside a string: not `"`,
/// not `\\`, not a control character. Eight bytes at a time (SWAR): a flow document is
/// mostly string text, and wasm has no vectorised `memchr` to lean on.
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `x` that is zero (exact for the lowest such byte, which
    // is the only one used).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(word);
        let stop = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            // Bytes below 0x20: subtracting 0x20 borrows into the high bit.
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(rest.len())
}

/// Decodes the escapes of an already validated JSON string body, appending to `out`. Lone
/// surrogates become U+FFFD, since Rust strings cannot hold them. The text between escapes
/// is copied in runs, not a character at a time.
fn decode_escapes_into(raw: &str, out: &mut String) {
    out.reserve(raw.len());
    let hex4 = |at: usize| -> Option<u32> {
        raw.get(at..at + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let mut pos = 0;
    let bytes = raw.as_bytes();
    while let Some(i) = bytes
        .get(pos..)
        .and_then(|r| memchr::memchr(b'\\', r))
        .map(|o| pos + o)
    {
        out.push_str(raw.get(pos..i).unwrap_or_default());
        let Some(e) = raw.get(i + 1..).and_then(|r| r.chars().next()) else {
            return;
        };
        // The escape and the digits after `\u` are ASCII: one byte a character.
        pos = i + 2;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let Some(hi) = hex4(i + 2) else { return };
                pos = i + 6;
                if (0xD800..0xDC00).contains(&hi)
                    && raw.get(i + 6..i + 8) == Some("\\u")
                    && let Some(lo) = hex4(i + 8).filter(|lo| (0xDC00..0xE000).contains(lo))
                {
                    pos = i + 12;
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                } else {
                    out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                }
            }
            other => {
                pos = i + 1 + other.len_utf8();
                out.push(other);
            }
        }
    }
    out.push_str(raw.get(pos..).unwrap_or_default());
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_escapes(raw: &str) -> String {
        let mut out = String::new();
        decode_escapes_into(raw, &mut out);
        out
    }

    // The character-at-a-time decoder `decode_escapes` replaced, as its reference.
    /// Decodes the escapes of an already validated JSON string body. Lone surrogates become
    /// U+FFFD, since Rust strings cannot hold them.
    fn decode_escapes_by_char(raw: &str) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        let hex4 = |at: usize| -> Option<u32> {
            raw.get(at..at + 4)
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let Some(hi) = hex4(i + 2) else { break };
                    for _ in 0..4 {
                        chars.next();
                    }
                    if (0xD800..0xDC00).contains(&hi)
                        && raw.get(i + 6..i + 8) == Some("\\u")
                        && let Some(lo) = hex4(i + 8).filter(|lo| (0xDC00..0xE000).contains(lo))
                    {
                        {
                            for _ in 0..6 {
                                chars.next();
                            }
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                            continue;
                        }
                    }
                    out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                }
                other => out.push(other),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn decode_escapes_matches_a_char_loop(parts in proptest::collection::vec(prop_oneof![
            Just("\\".to_owned()), Just("\\u".to_owned()), Just("\\ud83d".to_owned()),
            Just("\\ude00".to_owned()), Just("\\u00e9".to_owned()), Just("\\n".to_owned()),
            Just("\\\"".to_owned()), Just("\\/".to_owned()), Just("\\t".to_owned()),
            Just("+12".to_owned()), "[a-f0-9]{1,4}", "[ -~é€😀]{0,6}"], 0..12)) {
            let raw = parts.concat();
            prop_assert_eq!(decode_escapes(&raw), decode_escapes_by_char(&raw));
        }

        #[test]
        fn plain_run_matches_a_byte_loop(bytes in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..=0xff, Just(b'a')], 0..40)) {
            let reference = bytes
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(bytes.len());
            prop_assert_eq!(plain_run(&bytes), reference);
        }
    }

    #[test]
    fn parses_nested_values_with_spans() {
        let text = r#"{"a": [1, "x\ny", true, null], "b": {"c": -2.5e3}}"#;
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        let t = &p.tree;
        let root = t.root().unwrap();
        let a = t.get(root, "a").unwrap();
        assert_eq!(t.children(a).count(), 4);
        let s = t.children(a).nth(1).unwrap();
        assert_eq!(t.as_str(s), Some("x\ny"));
        assert_eq!(t.span(s), (10, 16));
        let c = t.resolve_pointer("/b/c").unwrap();
        assert_eq!(t.as_f64(c), Some(-2500.0));
        assert_eq!(t.pointer(c), "/b/c");
        assert_eq!(t.pointer(s), "/a/1");
    }

    #[test]
    fn skips_every_kind_of_whitespace() {
        let text = "\u{feff}{\r\n\t \"a\"          :\n                 [1 ,\t2]\n        ,\"b\": \n\n\n\"x\"          }  \n";
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        let t = &p.tree;
        let a = t.resolve_pointer("/a").unwrap();
        let at = |needle: &str| text.find(needle).unwrap() as u32;
        assert_eq!(t.span(a), (at("[1"), at("2]") + 2));
        assert_eq!(t.span(t.root().unwrap()), (3, at("}  ") + 1));
        assert_eq!(t.as_str(t.resolve_pointer("/b").unwrap()), Some("x"));
        let bad = parse("[1,\n        \u{a0}2]");
        assert_eq!(bad.error.unwrap().start, 12);
        // Control bytes below the space are not whitespace, whatever surrounds them.
        for (text, at) in [
            ("{\"a\":\u{1}1}", 5),
            ("{\"a\": \u{1}1}", 6),
            ("[\u{1f} 1]", 1),
        ] {
            assert_eq!(parse(text).error.map(|e| e.start), Some(at), "{text:?}");
        }
    }

    #[test]
    fn pointer_escapes_segments() {
        let p = parse(r#"{"a/b": {"m~n": 1}}"#);
        let v = p.tree.resolve_pointer("/a~1b/m~0n").unwrap();
        assert_eq!(p.tree.pointer(v), "/a~1b/m~0n");
    }

    #[test]
    fn reports_errors_with_positions() {
        for (text, at, needle) in [
            ("{\"a\": }", 6, "expected a value"),
            ("{\"a\" 1}", 5, "`:`"),
            ("[1, 2,]", 6, "trailing comma"),
            ("{\"a\": 1,}", 8, "trailing comma"),
            ("[1 2]", 3, "`,` or `]`"),
            ("\"abc", 0, "unterminated"),
            ("01", 0, "leading zeros"),
            ("{} x", 3, "after the end"),
            ("", 0, "end of input"),
            ("[\"\\x\"]", 2, "escape"),
            ("{'a': 1}", 1, "member name"),
            ("[tru]", 1, "bare words"),
        ] {
            let p = parse(text);
            let e = p.error.unwrap_or_else(|| panic!("no error for {text}"));
            assert_eq!(e.start, at, "{text}: {e:?}");
            assert!(
                e.message.contains(needle) || e.help.contains(needle),
                "{text}: {e:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_needs_no_stack() {
        let depth = 200_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let p = parse(&text);
        assert!(p.error.is_none());
        assert_eq!(p.tree.len(), depth);
        let unclosed = "{\"a\":".repeat(depth);
        let p = parse(&unclosed);
        assert!(p.error.is_some());
    }

    #[test]
    fn decodes_unicode_escapes_and_surrogates() {
        let p = parse(r#"["\u00e9\ud83d\ude00\ud800x"]"#);
        let s = p.tree.children(p.tree.root().unwrap()).next().unwrap();
        assert_eq!(p.tree.as_str(s), Some("é😀\u{fffd}x"));
    }

    #[test]
    fn finds_duplicate_keys() {
        let p = parse(r#"{"a": 1, "b": {"a": 2}, "a": 3}"#);
        assert_eq!(p.duplicate_keys.len(), 1);
        assert_eq!(p.duplicate_keys[0].key, "a");
        assert_eq!(p.duplicate_keys[0].first_start, 1);
    }

    /// One member of a generated object: key number, whether the key is written with an
    /// escape, and the members of a nested object as its value (none: a number).
    type Member = (u8, bool, Vec<(u8, bool)>);

    /// Writes `"k<n>"` (or `"k\u0030..."`, the same key with its first digit escaped) and
    /// returns its span.
    fn write_key(out: &mut String, n: u8, escaped: bool) -> (u32, u32) {
        let start = out.len() as u32;
        let digits = n.to_string();
        if escaped {
            out.push_str(&format!(
                "\"k\\u00{:x}{}\"",
                digits.as_bytes()[0],
                &digits[1..]
            ));
        } else {
            out.push_str(&format!("\"k{digits}\""));
        }
        (start, out.len() as u32)
    }

    /// A duplicate key: the key, its span and the span of its first occurrence.
    type Duplicate = (String, (u32, u32), (u32, u32));

    /// Writes an object of `members` and notes, in document order, the duplicate keys a
    /// reader must report: (key, span, span of its first occurrence in the object).
    fn write_object(
        out: &mut String,
        members: &[(u8, bool)],
        nested: Option<&[Member]>,
        expected: &mut Vec<Duplicate>,
    ) {
        let mut seen: Vec<(u8, (u32, u32))> = Vec::new();
        out.push('{');
        let count = nested.map_or(members.len(), <[Member]>::len);
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            let (n, escaped) = match nested {
                Some(m) => (m[i].0, m[i].1),
                None => members[i],
            };
            let span = write_key(out, n, escaped);
            match seen.iter().find(|(k, _)| *k == n) {
                Some(&(_, first)) => expected.push((format!("k{n}"), span, first)),
                None => seen.push((n, span)),
            }
            out.push(':');
            match nested {
                Some(m) if !m[i].2.is_empty() => write_object(out, &m[i].2, None, expected),
                _ => out.push('1'),
            }
        }
        out.push('}');
    }

    proptest! {
        /// Duplicate keys are found exactly, with both places, in small objects (linear
        /// search) and large ones (the index), escaped or not, nested in each other.
        #[test]
        fn duplicate_keys_match_a_naive_search(
            members in proptest::collection::vec(
                (0u8..40, any::<bool>(), proptest::collection::vec((0u8..30, any::<bool>()), 0..40)),
                0..60,
            )
        ) {
            let mut text = String::new();
            let mut expected = Vec::new();
            write_object(&mut text, &[], Some(&members), &mut expected);
            let p = parse(&text);
            prop_assert!(p.error.is_none(), "{:?} in {}", p.error, text);
            let found: Vec<_> = p
                .duplicate_keys
                .iter()
                .map(|d| (d.key.clone(), (d.start, d.end), (d.first_start, d.first_end)))
                .collect();
            expected.truncate(100);
            prop_assert_eq!(found, expected);
        }
    }

    /// A JSON value for the tree test below: containers nest, keys repeat (duplicates keep
    /// their first member in the tree but stay members) and need escapes.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            (-1000i64..1000).prop_map(|n| serde_json::json!(n)),
            "[a-c\\\\\"/~é]{0,4}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(5, 64, 20, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..20).prop_map(serde_json::Value::Array),
                proptest::collection::vec(("[a-d/~\\\\]{0,3}", inner), 0..20)
                    .prop_map(|m| { serde_json::Value::Object(m.into_iter().collect()) }),
            ]
        })
    }

    proptest! {
        /// The tree has the document's shape: for every value (walked without recursion)
        /// the kind, the children, the member keys and the text agree with serde_json's
        /// reading, and its JSON Pointer leads back to it.
        #[test]
        fn tree_matches_serde_json_and_pointers_round_trip(v in json_value(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_json::to_string(&v).unwrap()
            };
            let p = parse(&text);
            prop_assert!(p.error.is_none(), "{:?}", p.error);
            let t = &p.tree;
            let mut stack = vec![(t.root().unwrap(), &v)];
            let mut seen = 0;
            while let Some((id, want)) = stack.pop() {
                seen += 1;
                prop_assert_eq!(t.resolve_pointer(&t.pointer(id)), Some(id));
                match want {
                    serde_json::Value::Array(items) => {
                        prop_assert_eq!(t.kind(id), ValueKind::Array);
                        prop_assert_eq!(t.children(id).len(), items.len());
                        let kids: Vec<_> = t.children(id).collect();
                        prop_assert_eq!(kids.len(), items.len());
                        for (k, item) in kids.into_iter().zip(items) {
                            prop_assert_eq!(t.parent(k), Some(id));
                            stack.push((k, item));
                        }
                    }
                    serde_json::Value::Object(map) => {
                        prop_assert_eq!(t.kind(id), ValueKind::Object);
                        let members: Vec<_> = t.members(id).collect();
                        prop_assert_eq!(members.len(), map.len());
                        for ((key, _, m), (want_key, item)) in members.into_iter().zip(map) {
                            prop_assert_eq!(key, want_key.as_str());
                            prop_assert_eq!(t.key_of(m).map(|(k, _)| k), Some(key));
                            prop_assert_eq!(t.get(id, key), Some(m));
                            prop_assert_eq!(t.parent(m), Some(id));
                            stack.push((m, item));
                        }
                    }
                    serde_json::Value::String(s) => prop_assert_eq!(t.as_str(id), Some(s.as_str())),
                    serde_json::Value::Number(n) => prop_assert_eq!(t.as_f64(id), n.as_f64()),
                    serde_json::Value::Bool(b) => prop_assert_eq!(t.as_bool(id), Some(*b)),
                    serde_json::Value::Null => prop_assert_eq!(t.kind(id), ValueKind::Null),
                }
            }
            prop_assert_eq!(seen, t.len());
        }
    }

    #[test]
    fn agrees_with_serde_json_on_validity() {
        for text in [
            "1",
            "-0",
            "1.5e+3",
            "\"\\u0041\"",
            "[]",
            "{}",
            "[1,[2,[3]]]",
            "{\"a\":{\"b\":null}}",
            "01",
            "1.",
            ".5",
            "+1",
            "[1,]",
            "{\"a\"}",
            "nul",
            "\"\t\"",
            "[1]]",
            "-",
            "1e",
        ] {
            let ours = parse(text).error.is_none();
            let theirs = serde_json::from_str::<serde_json::Value>(text).is_ok();
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
