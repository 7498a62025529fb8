//! YAML (Archy flow files) to the shared [`SyntaxTree`], with byte spans, so that JSON
//! Pointers and line/column work exactly as they do for JSON.
//!
//! The parser is `saphyr-parser`'s event API: a libyaml-style state machine that keeps its
//! nesting on the heap, so deep documents cost no stack (the wasm stack is ~1 MB). Events
//! are turned into a flat list of build operations and then into a tree, without recursion.
//!
//! What YAML has and JSON does not, and what happens to it:
//! * anchors and aliases: an alias is expanded to a copy of the anchored value (with the
//!   anchor's spans). Expansion is bounded ([`ALIAS_EXPANSION_LIMIT`]) so a "billion laughs"
//!   document is a syntax error, not an out-of-memory crash;
//! * tags: `!!str` forces a string; every other tag is ignored (the value is read as written);
//! * several documents: the first is read, the rest are reported ([`ParsedYaml::extra_document`]);
//! * complex keys (a mapping or sequence used as a key): the key is its source text;
//! * `{{name}}` placeholders (Terraform `genesyscloud_flow` / Archy option-file substitutions,
//!   unquoted in 18 of 42 published flows, even as parts of keys like `{{prefix}}-Lambda:`):
//!   raw YAML rejects or misreads them, so the parser sees a copy of the text where each
//!   `{{` and `}}` is `__` (same length, so every span is unchanged) and the tree keeps the
//!   original text, `{{name}}`, which is what the author meant.
//! * nesting deeper than saphyr's limit (255 levels) is a syntax error.
//!
//! Plain scalars are typed by the YAML 1.2 core schema: `null`/`~`/empty, `true`/`false`,
//! decimal numbers; everything else (including `yes`/`no`) is a string.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::json::DuplicateKey;
use super::tree::{SyntaxTree, TreeBuilder, ValueKind};
use crate::text_index::{TextIndex, hash, same};

/// At most this many values are created by expanding aliases in one document.
pub const ALIAS_EXPANSION_LIMIT: usize = 100_000;

/// A syntax error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Byte range of the offending text (empty at end of input).
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub help: &'static str,
}

/// The result of reading YAML text.
#[derive(Debug)]
pub struct ParsedYaml {
    pub tree: SyntaxTree,
    pub error: Option<YamlError>,
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Byte position of the start of the second document, when there is one (it is not read).
    pub extra_document: Option<(u32, u32)>,
}

/// Text of a key or scalar: a slice of the source or a decoded copy.
#[derive(Clone, Debug)]
enum Txt {
    Src(u32, u32),
    Own(String),
}

impl Txt {
    /// The text, `source` being the text its ranges are in.
    fn in_source<'t>(&'t self, source: &'t str) -> &'t str {
        match self {
            Txt::Src(s, e) => source.get(*s as usize..*e as usize).unwrap_or(""),
            Txt::Own(s) => s,
        }
    }
}

/// One step of building the tree; aliases replay a recorded range of these.
#[derive(Clone, Debug)]
enum Op {
    Key {
        start: u32,
        end: u32,
        text: Txt,
    },
    Scalar {
        kind: ValueKind,
        start: u32,
        end: u32,
        text: Txt,
    },
    Open {
        kind: ValueKind,
        start: u32,
    },
    Close {
        end: u32,
    },
}

/// An open collection while reading events.
struct Frame {
    is_map: bool,
    /// In a mapping: whether the next node is a key.
    key_next: bool,
    /// Keys seen so far, for duplicate detection: the index in `Reader::ops` of each
    /// distinct key's `Op::Key`, by its text. The JSON reader's index
    /// (`crate::text_index`): no copy of a key (a `HashMap<String, _>` copied every key
    /// and hashed it with SipHash, a visible part of reading real flows) and no generic
    /// hash table compiled for this reader alone.
    keys: TextIndex,
    /// End of the last complete child (block collections end there).
    last_end: u32,
    /// Anchor of this collection and the index of its `Open` op.
    anchor: Option<(usize, usize)>,
}

/// A mapping or sequence used as a key, being skipped: its source text becomes the key.
struct Skip {
    depth: u32,
    start: u32,
}

/// Character index to byte offset. saphyr's markers count characters; spans are bytes.
struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    /// Byte offset of every `STEP`-th character.
    checkpoints: Vec<u32>,
}

const STEP: usize = 64;

impl<'a> CharToByte<'a> {
    fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            Vec::new()
        } else {
            text.char_indices()
                .step_by(STEP)
                .map(|(b, _)| b as u32)
                .collect()
        };
        CharToByte {
            text,
            ascii,
            checkpoints,
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        let len = self.text.len();
        if self.ascii {
            return char_index.min(len) as u32;
        }
        let Some(&cp) = self.checkpoints.get(char_index / STEP) else {
            return len as u32;
        };
        let rest = self.text.get(cp as usize..).unwrap_or("");
        match rest.char_indices().nth(char_index % STEP) {
            Some((b, _)) => cp + b as u32,
            None => len as u32,
        }
    }
}

struct Reader<'a> {
    /// The text being parsed (placeholders masked).
    text: &'a str,
    /// Each placeholder's masked form and its text (`__name__`, `{{name}}`), to put
    /// placeholders back into decoded strings.
    placeholders: Vec<(String, String)>,
    pos: CharToByte<'a>,
    ops: Vec<Op>,
    frames: Vec<Frame>,
    skip: Option<Skip>,
    anchors: HashMap<usize, (usize, usize)>,
    expanded: usize,
    duplicates: Vec<DuplicateKey>,
    /// Whether the root value was completed.
    root_done: bool,
}

/// Parses YAML text. A syntax error stops the parse; the tree then holds what was read
/// before it.
pub fn parse(text: &str) -> ParsedYaml {
    let masked = mask_placeholders(text);
    let (parse_text, placeholders) = match &masked {
        Some((m, names)) => (m.as_str(), names.as_slice()),
        None => (text, &[][..]),
    };
    let mut r = Reader {
        text: parse_text,
        placeholders: placeholders
            .iter()
            .map(|name| (format!("__{name}__"), format!("{{{{{name}}}}}")))
            .collect(),
        pos: CharToByte::new(parse_text),
        ops: Vec::new(),
        frames: Vec::new(),
        skip: None,
        anchors: HashMap::new(),
        expanded: 0,
        duplicates: Vec::new(),
        root_done: false,
    };
    let mut error = None;
    let mut extra_document = None;
    let mut documents = 0usize;
    for item in Parser::new_from_str(parse_text) {
        match item {
            Err(e) => {
                let at = r.pos.byte(e.marker().index());
                let end = next_char_end(text, at);
                error = Some(YamlError {
                    start: at,
                    end,
                    message: format!("invalid YAML: {}", e.info()),
                    help: "fix the YAML syntax at this place (indentation, quotes, `:` after keys, brackets)",
                });
                break;
            }
            Ok((event, span)) => {
                if let Event::DocumentStart(_) = event {
                    documents += 1;
                    if documents == 2 {
                        let at = r.pos.byte(span.start.index());
                        extra_document = Some((at, next_char_end(text, at)));
                    }
                    continue;
                }
                // Later documents are parsed (syntax errors still count) but not read.
                if documents >= 2 {
                    continue;
                }
                if let Err(e) = r.event(event, span) {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    // Close what a syntax error left open, so spans and parent links stay consistent.
    let end = text.len() as u32;
    while r.frames.pop().is_some() {
        r.ops.push(Op::Close { end });
    }
    ParsedYaml {
        tree: build(text, &r.ops),
        error,
        duplicate_keys: r.duplicates,
        extra_document,
    }
}

fn next_char_end(text: &str, at: u32) -> u32 {
    let c = text
        .get(at as usize..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8);
    at + c as u32
}

/// Replaces the braces of every `{{name}}` placeholder (name: letters, digits, `_`, `.`,
/// `-`, spaces) with `_`, keeping every byte offset. Returns the masked text and the
/// placeholders' inner texts (to restore decoded strings), or `None` when there are none.
fn mask_placeholders(text: &str) -> Option<(String, Vec<String>)> {
    let mut next = Some(find_braces(text.as_bytes(), 0)?);
    let mut bytes = text.as_bytes().to_vec();
    let mut names = Vec::new();
    while let Some(open) = next {
        let inner_start = open + 2;
        let rest = text.get(inner_start..).unwrap_or("");
        let inner_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b' '))
            .count();
        if rest.as_bytes().get(inner_len..inner_len + 2) == Some(b"}}".as_slice()) {
            for b in &mut bytes[open..inner_start] {
                *b = b'_';
            }
            let close = inner_start + inner_len;
            for b in &mut bytes[close..close + 2] {
                *b = b'_';
            }
            names.push(rest[..inner_len].to_owned());
            next = find_braces(text.as_bytes(), close + 2);
        } else {
            next = find_braces(text.as_bytes(), inner_start);
        }
    }
    if names.is_empty() {
        return None;
    }
    crate::graph::order::sort(&mut names);
    names.dedup();
    // Only ASCII braces were replaced by ASCII underscores: still valid UTF-8.
    String::from_utf8(bytes).ok().map(|m| (m, names))
}

/// The first `{{` at or after `from`. (A `memchr` for each `{`: std's `str::find` with a
/// two-byte pattern set up a two-way searcher per call, over the rest of the text once
/// per placeholder.)
fn find_braces(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(off) = bytes.get(at..).and_then(|r| memchr::memchr(b'{', r)) {
        let brace = at + off;
        if bytes.get(brace + 1) == Some(&b'{') {
            return Some(brace);
        }
        at = brace + 1;
    }
    None
}

/// YAML 1.2 core schema for plain scalars (decimal numbers only).
fn plain_kind(s: &str) -> ValueKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => ValueKind::Null,
        "true" | "True" | "TRUE" => ValueKind::Bool(true),
        "false" | "False" | "FALSE" => ValueKind::Bool(false),
        _ if is_decimal(s) => ValueKind::Number,
        _ => ValueKind::String,
    }
}

fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let int = digits(&mut i);
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = digits(&mut i);
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

impl Reader<'_> {
    fn span(&self, span: Span) -> (u32, u32) {
        let s = self.pos.byte(span.start.index());
        let e = self.pos.byte(span.end.index()).max(s);
        (s, e)
    }

    fn key_next(&self) -> bool {
        self.frames.last().is_some_and(|f| f.is_map && f.key_next)
    }

    /// Records that a child of the innermost frame ended at `end`; flips key/value.
    fn child_done(&mut self, end: u32) {
        match self.frames.last_mut() {
            Some(f) => {
                f.last_end = f.last_end.max(end);
                if f.is_map {
                    f.key_next = !f.key_next;
                }
            }
            None => self.root_done = true,
        }
    }

    /// Emits a key, reporting duplicates.
    fn key(&mut self, start: u32, end: u32, text: Txt) {
        let (source, ops) = (self.text, &self.ops);
        let key = text.in_source(source);
        // The key's op goes in at the end of `ops` (below).
        let this = ops.len() as u32;
        let first = self.frames.last_mut().and_then(|f| {
            f.keys.find_or_insert(hash(key.as_bytes()), this, |op| {
                matches!(ops.get(op as usize), Some(Op::Key { text, .. })
                    if same(text.in_source(source).as_bytes(), key.as_bytes()))
            })
        });
        if let Some(&Op::Key {
            start: first_start,
            end: first_end,
            ..
        }) = first.and_then(|op| ops.get(op as usize))
        {
            let key = key.to_owned();
            self.duplicates.push(DuplicateKey {
                key,
                start,
                end,
                first_start,
                first_end,
            });
        }
        self.ops.push(Op::Key { start, end, text });
        self.child_done(end);
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let (start, end) = self.span(span);
        // Inside a skipped complex key or placeholder: count nesting until it closes.
        if let Some(skip) = &mut self.skip {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => skip.depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    skip.depth -= 1;
                    if skip.depth == 0 {
                        let close_end = if end > start { start + 1 } else { start };
                        let s = skip.start;
                        let e = close_end.max(s);
                        self.skip = None;
                        self.key(s, e, Txt::Src(s, e));
                    }
                }
                _ => {}
            }
            return Ok(());
        }
        if self.root_done && self.frames.is_empty() {
            return Ok(());
        }
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain;
                let forced_str = tag
                    .as_ref()
                    .is_some_and(|t| t.handle == "tag:yaml.org,2002:" && t.suffix == "str")
                    || tag
                        .as_ref()
                        .is_some_and(|t| t.handle == "!!" && t.suffix == "str");
                let kind = if plain && !forced_str {
                    plain_kind(&value)
                } else {
                    ValueKind::String
                };
                // An empty plain scalar (a key with no value) has no text of its own.
                let (start, end) = if plain && value.is_empty() {
                    (start, start)
                } else {
                    (start, end)
                };
                let text = self.scalar_text(start, end, &value);
                if self.key_next() {
                    let t = match kind {
                        ValueKind::Null if value.is_empty() => Txt::Own(String::new()),
                        _ => text,
                    };
                    self.key(start, end, t);
                } else {
                    let idx = self.ops.len();
                    self.ops.push(Op::Scalar {
                        kind,
                        start,
                        end,
                        text,
                    });
                    if anchor > 0 {
                        self.anchors.insert(anchor, (idx, idx + 1));
                    }
                    self.child_done(end);
                }
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let is_map = matches!(event, Event::MappingStart(..));
                if self.key_next() {
                    self.skip = Some(Skip { depth: 1, start });
                    return Ok(());
                }
                let kind = if is_map {
                    ValueKind::Object
                } else {
                    ValueKind::Array
                };
                let idx = self.ops.len();
                self.ops.push(Op::Open { kind, start });
                self.frames.push(Frame {
                    is_map,
                    key_next: true,
                    keys: TextIndex::default(),
                    last_end: start,
                    anchor: (anchor > 0).then_some((anchor, idx)),
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.frames.pop() else {
                    return Ok(());
                };
                // Flow collections end at their bracket; block ones at their last child.
                let close = if end > start {
                    start + 1
                } else {
                    frame.last_end
                };
                self.ops.push(Op::Close { end: close });
                if let Some((anchor, idx)) = frame.anchor {
                    self.anchors.insert(anchor, (idx, self.ops.len()));
                }
                self.child_done(close);
            }
            Event::Alias(anchor) => {
                let Some(&(from, to)) = self.anchors.get(&anchor) else {
                    // An alias to an anchor that is still open (or unknown) cannot be expanded.
                    return Err(YamlError {
                        start,
                        end,
                        message: "invalid YAML: this alias refers to an anchor that is not defined before it (or to a value that contains the alias)".to_owned(),
                        help: "define the anchor (`&name`) on a complete value before using `*name`",
                    });
                };
                if self.key_next() {
                    // An alias used as a key: its text is the anchored scalar's text.
                    let text = match self.ops.get(from) {
                        Some(Op::Scalar { text, .. }) if to == from + 1 => text.clone(),
                        _ => Txt::Src(start, end),
                    };
                    self.key(start, end, text);
                    return Ok(());
                }
                let count = to - from;
                self.expanded += count;
                if self.expanded > ALIAS_EXPANSION_LIMIT {
                    return Err(YamlError {
                        start,
                        end,
                        message: format!(
                            "aliases in this document expand to more than {ALIAS_EXPANSION_LIMIT} values"
                        ),
                        help: "a flow file does not need nested aliases of this size; write the values out or remove the aliases (this limit protects against \"billion laughs\" documents)",
                    });
                }
                self.ops.reserve(count);
                for i in from..to {
                    if let Some(op) = self.ops.get(i).cloned() {
                        self.ops.push(op);
                    }
                }
                // The copy carries the anchor's spans; it ends, for its parent, at the alias.
                self.child_done(end);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn scalar_text(&self, start: u32, end: u32, value: &str) -> Txt {
        let src = self.text.get(start as usize..end as usize);
        if src == Some(value) {
            return Txt::Src(start, end);
        }
        // Quoted without escapes: the value is the source between the quotes.
        if end >= start + 2 && self.text.get(start as usize + 1..end as usize - 1) == Some(value) {
            return Txt::Src(start + 1, end - 1);
        }
        // A decoded string (escapes, folding) that contained placeholders: put them back.
        let mut own = value.to_owned();
        if own.contains("__") {
            for (masked, original) in &self.placeholders {
                if own.contains(masked.as_str()) {
                    own = own.replace(masked.as_str(), original);
                }
            }
        }
        Txt::Own(own)
    }
}

fn build(text: &str, ops: &[Op]) -> SyntaxTree {
    let mut b = TreeBuilder::new(text.to_owned());
    let split = |t: &Txt| match t {
        Txt::Src(s, e) => (None, (*s, *e)),
        Txt::Own(s) => (Some(s.clone()), (0, 0)),
    };
    for op in ops {
        match op {
            Op::Key { start, end, text } => {
                let (decoded, range) = split(text);
                b.key(*start, *end, decoded, range);
            }
            Op::Scalar {
                kind,
                start,
                end,
                text,
            } => {
                let (decoded, range) = split(text);
                b.scalar(*kind, *start, *end, decoded, range);
            }
            Op::Open { kind, start } => {
                b.open(*kind, *start);
            }
            Op::Close { end } => b.close(*end),
        }
    }
    b.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(text: &str) -> SyntaxTree {
        let p = parse(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        p.tree
    }

    #[test]
    fn spans_and_pointers() {
        let t = ok("a:\n  b: \"x y\"\n  c: [1, 'q', true, ~]\n");
        let root = t.root().unwrap();
        let c = t.resolve_pointer("/a/c").unwrap();
        assert_eq!(t.kind(c), ValueKind::Array);
        let q = t.resolve_pointer("/a/c/1").unwrap();
        assert_eq!(t.as_str(q), Some("q"));
        let b = t.resolve_pointer("/a/b").unwrap();
        assert_eq!(
            &t.source()[t.span(b).0 as usize..t.span(b).1 as usize],
            "\"x y\""
        );
        assert_eq!(t.as_str(b), Some("x y"));
        assert_eq!(t.pointer(q), "/a/c/1");
        assert_eq!(
            t.kind(t.resolve_pointer("/a/c/2").unwrap()),
            ValueKind::Bool(true)
        );
        assert_eq!(
            t.kind(t.resolve_pointer("/a/c/3").unwrap()),
            ValueKind::Null
        );
        assert_eq!(t.as_u64(t.resolve_pointer("/a/c/0").unwrap()), Some(1));
        let a = t.get(root, "a").unwrap();
        assert_eq!(t.span(a), (5, 36));
    }

    #[test]
    fn multibyte_spans_are_bytes() {
        let t = ok("é: ü\nk: vé\n");
        let k = t.resolve_pointer("/k").unwrap();
        let (s, e) = t.span(k);
        assert_eq!(&t.source()[s as usize..e as usize], "vé");
    }

    #[test]
    fn placeholders_are_strings() {
        let t = ok("name: {{flow_name}}\n{{cat}} :\n  x: 1\n{{p}}-Lambda:\n  y: \"a\\t{{q}}\"\n");
        assert_eq!(
            t.as_str(t.resolve_pointer("/name").unwrap()),
            Some("{{flow_name}}")
        );
        assert!(t.resolve_pointer("/{{cat}}/x").is_some());
        let y = t.resolve_pointer("/{{p}}-Lambda/y").unwrap();
        assert_eq!(t.as_str(y), Some("a\t{{q}}"));
        // A real complex key keeps its source text.
        let t = ok("? [a, b]\n: 1\n");
        assert!(t.resolve_pointer("/[a, b]").is_some());
    }

    #[test]
    fn aliases_expand_and_are_bounded() {
        let t = ok("a: &A {x: 1}\nb: *A\n");
        assert_eq!(t.as_u64(t.resolve_pointer("/b/x").unwrap()), Some(1));
        let mut lol = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("l{}", i - 1)
            };
            lol.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let p = parse(&lol);
        assert!(p.error.unwrap().message.contains("expand"));
    }

    #[test]
    fn duplicates_errors_and_documents() {
        let p = parse("a: 1\na: 2\n");
        assert_eq!(p.duplicate_keys.len(), 1);
        let p = parse("a: [1, 2\nb: 3\n");
        assert!(p.error.is_some());
        let p = parse("a: 1\n---\nb: 2\n");
        assert!(p.error.is_none());
        assert_eq!(p.extra_document.map(|d| d.0), Some(5));
        assert!(p.tree.resolve_pointer("/b").is_none());
        assert!(parse("").tree.root().is_none());
    }

    /// Duplicates are found per mapping, by decoded text (a quoted key with escapes equals
    /// a plain one), in large mappings too, and each names its first occurrence.
    #[test]
    fn duplicate_keys_by_mapping_and_decoded_text() {
        let mut text = String::from("a: 1\n\"b\\x41\": 2\nbA: 3\nn:\n  a: 1\n  m: {a: 1, b: 2}\n");
        for i in 0..40 {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        text.push_str("k17: again\na: 4\n");
        let p = parse(&text);
        assert!(p.error.is_none(), "{:?}", p.error);
        let found: Vec<(&str, &str, &str)> = p
            .duplicate_keys
            .iter()
            .map(|d| {
                let at = |s: u32, e: u32| text.get(s as usize..e as usize).unwrap_or("?");
                (
                    d.key.as_str(),
                    at(d.start, d.end),
                    at(d.first_start, d.first_end),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("bA", "bA", "\"b\\x41\""),
                ("k17", "k17", "k17"),
                ("a", "a", "a")
            ]
        );
        assert_eq!(p.duplicate_keys[2].first_start, 0);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "[".repeat(100_000);
        let p = parse(&deep);
        assert!(p.error.is_some());
        // saphyr caps nesting (at 255 levels): deeper documents are an error, not a crash.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&deep).error.is_none());
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        assert!(parse(&deep).error.is_some());
    }

    #[test]
    fn crlf_and_bom() {
        let t = ok("\u{feff}a: 1\r\nb: x\r\n");
        let b = t.resolve_pointer("/b").unwrap();
        let (s, e) = t.span(b);
        assert_eq!(&t.source()[s as usize..e as usize], "x");
    }
}
