//! The syntax tree every reader produces: an arena of values with byte spans and parent
//! links, shared by the JSON and YAML readers.
//!
//! Why an arena and not a recursive enum: documents can be nested 100,000 levels deep and hold a
//! million nodes. A flat `Vec` is built, walked and dropped without recursion, and a value is a
//! `u32` handle that the flow model can keep to resolve spans and JSON Pointers lazily — only
//! for the few values a diagnostic names.

/// Handle of a value in a [`SyntaxTree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub u32);

/// What kind of value a tree node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Null,
    Bool(bool),
    Number,
    String,
    Array,
    Object,
}

impl ValueKind {
    /// The name used in schema diagnostics ("expected a string, found an array").
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Number => "a number",
            ValueKind::String => "a string",
            ValueKind::Array => "an array",
            ValueKind::Object => "an object",
        }
    }
}

/// The text of a scalar or member key: a byte range of the source (no escapes), or, when
/// `start` is [`OWNED`], the decoded string number `end` of [`SyntaxTree::owned`].
#[derive(Clone, Copy, Debug)]
struct TextRef {
    start: u32,
    end: u32,
}

/// [`TextRef::start`] of a decoded (owned) text.
const OWNED: u32 = u32::MAX;
/// [`TextRef::start`] of no text: the "key" of an array element.
const NO_TEXT: u32 = u32::MAX - 1;

/// One value: 40 bytes with its key, so that a 100,000-node document's million values touch
/// as little memory as they can (page faults and cache misses were a large share of
/// reading).
#[derive(Clone, Copy, Debug)]
struct Value {
    start: u32,
    end: u32,
    parent: u32,
    /// Containers: the index just past their last descendant (values are in document
    /// order, so a container's descendants follow it: this is its next sibling). Strings
    /// and numbers: the start of their text (a [`TextRef`] with `b`). Null and booleans:
    /// unused.
    a: u32,
    /// Containers: the number of children. Strings and numbers: the end of their text.
    b: u32,
    kind: ValueKind,
    /// The key it has in its parent: the member key in an object, the index in an array,
    /// nothing for the root. Kept in the value, not in an array beside it: reading a member
    /// reads both, and building adds one record, not two.
    key: Key,
}

impl Value {
    #[inline]
    fn is_container(&self) -> bool {
        matches!(self.kind, ValueKind::Array | ValueKind::Object)
    }
}

/// A member key: its span (quotes included for JSON) and text. An array element's entry
/// has no text ([`NO_TEXT`]); its `start` is the element's index in the array.
#[derive(Clone, Copy, Debug)]
struct Key {
    start: u32,
    end: u32,
    text: TextRef,
}

impl Key {
    const NONE: Key = Key {
        start: 0,
        end: 0,
        text: TextRef {
            start: NO_TEXT,
            end: 0,
        },
    };

    #[inline]
    fn is_some(&self) -> bool {
        self.text.start != NO_TEXT
    }
}

impl Default for Key {
    fn default() -> Self {
        Key::NONE
    }
}

// The accessors every reader calls per value (`value`, `kind`, `span`, `text`, the child
// steps) are `#[inline(always)]`: the wasm package is built at opt-level "z", whose inline
// threshold leaves them calls otherwise. Measured: +3.0 KB gzipped for 8-9 % off `validate`
// in Node (BENCHMARKS.md, "Issue 19, third round").

/// An arena of values in document order (a container, then its descendants): index 0 is
/// the root once built. A container's children are found by stepping from one to the
/// next over their descendants, so building the tree copies nothing: no list of children
/// is gathered per container.
#[derive(Clone, Debug, Default)]
pub struct SyntaxTree {
    values: Vec<Value>,
    /// Decoded texts (strings with escapes): byte ranges of `owned_text`.
    owned: Vec<(u32, u32)>,
    /// The decoded texts, one after another (one buffer, not an allocation each).
    owned_text: String,
    source: String,
}

/// The children of a container, from [`SyntaxTree::children`].
pub struct Children<'t> {
    tree: &'t SyntaxTree,
    next: u32,
    left: u32,
}

impl<'t> Children<'t> {
    /// The next child with its record: one bounds-checked read of the record serves the
    /// step to the sibling after it and the caller (a member's key).
    #[inline(always)]
    fn next_value(&mut self) -> Option<(u32, &'t Value)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let c = self.next;
        let v = self.tree.values.get(c as usize)?;
        // (A container's end is past itself; `max` keeps every step forward.)
        self.next = if v.is_container() {
            v.a.max(c + 1)
        } else {
            c + 1
        };
        Some((c, v))
    }
}

impl Iterator for Children<'_> {
    type Item = ValueId;

    #[inline(always)]
    fn next(&mut self) -> Option<ValueId> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let c = self.next;
        self.next = self.tree.next_sibling(c);
        Some(ValueId(c))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Children<'_> {}

/// The members of an object, from [`SyntaxTree::members`]: a plain loop over the
/// children, since opt-level "z" (the wasm package) leaves iterator adapters and their
/// closures as calls per member.
pub struct Members<'t> {
    children: Children<'t>,
}

impl<'t> Iterator for Members<'t> {
    type Item = (&'t str, (u32, u32), ValueId);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let tree = self.children.tree;
        while let Some((c, v)) = self.children.next_value() {
            let key = &v.key;
            if key.is_some() {
                return Some((tree.scalar(key.text), (key.start, key.end), ValueId(c)));
            }
        }
        None
    }
}

/// The members of an object with their keys as bytes, from [`SyntaxTree::member_bytes`].
pub struct MemberBytes<'t> {
    children: Children<'t>,
}

impl<'t> Iterator for MemberBytes<'t> {
    type Item = (&'t [u8], ValueId);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let tree = self.children.tree;
        while let Some((c, v)) = self.children.next_value() {
            if v.key.is_some() {
                return Some((tree.scalar_bytes(v.key.text), ValueId(c)));
            }
        }
        None
    }
}

const NO_PARENT: u32 = u32::MAX;

/// A byte range of the source: (start, end).
type Span = (u32, u32);

impl SyntaxTree {
    /// The source text the spans refer to.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn root(&self) -> Option<ValueId> {
        if self.values.is_empty() {
            None
        } else {
            Some(ValueId(0))
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    #[inline(always)]
    fn value(&self, id: ValueId) -> &Value {
        &self.values[id.0 as usize]
    }

    /// The value after `c` and its descendants: `c`'s next sibling, if it has one.
    #[inline(always)]
    fn next_sibling(&self, c: u32) -> u32 {
        match self.values.get(c as usize) {
            // (A container's end is past itself; `max` keeps every step forward.)
            Some(v) if v.is_container() => v.a.max(c + 1),
            _ => c + 1,
        }
    }

    /// The children of value `id`, first to last (none for a scalar).
    #[inline(always)]
    fn children_of(&self, id: ValueId) -> Children<'_> {
        let v = self.value(id);
        Children {
            tree: self,
            next: id.0 + 1,
            left: if v.is_container() { v.b } else { 0 },
        }
    }

    #[inline(always)]
    pub fn kind(&self, id: ValueId) -> ValueKind {
        self.value(id).kind
    }

    /// Byte span of the value in the source.
    #[inline(always)]
    pub fn span(&self, id: ValueId) -> (u32, u32) {
        let v = self.value(id);
        (v.start, v.end)
    }

    #[inline]
    pub fn parent(&self, id: ValueId) -> Option<ValueId> {
        let p = self.value(id).parent;
        (p != NO_PARENT).then_some(ValueId(p))
    }

    /// Where a text is: the buffer (source or decoded texts) and the byte range in it.
    #[inline(always)]
    fn text_place(&self, t: TextRef) -> (&str, std::ops::Range<usize>) {
        let (text, (s, e)) = if t.start == OWNED {
            let range = self.owned.get(t.end as usize).copied().unwrap_or((0, 0));
            (&self.owned_text, range)
        } else {
            (&self.source, (t.start, t.end))
        };
        (text, s as usize..e as usize)
    }

    #[inline(always)]
    fn scalar(&self, t: TextRef) -> &str {
        let (text, range) = self.text_place(t);
        text.get(range).unwrap_or("")
    }

    /// [`SyntaxTree::scalar`] as bytes: no char-boundary checks, for comparisons.
    #[inline]
    fn scalar_bytes(&self, t: TextRef) -> &[u8] {
        let (text, range) = self.text_place(t);
        text.as_bytes().get(range).unwrap_or_default()
    }

    /// The decoded text of a string (or the literal text of a number / YAML scalar).
    // As `as_str`.
    #[inline]
    pub fn text(&self, id: ValueId) -> Option<&str> {
        let v = self.value(id);
        if matches!(v.kind, ValueKind::String | ValueKind::Number) {
            Some(self.scalar(TextRef {
                start: v.a,
                end: v.b,
            }))
        } else {
            None
        }
    }

    /// The string value, only if the value is a string.
    // An `if`, not `bool::then`, whose closure stayed a call per value; `inline`, not
    // `inline(always)`: the readers compiled for size (flowguard-core) keep one copy
    // (inlined at their 40-odd calls it was 1.6 KB of the wasm package).
    #[inline]
    pub fn as_str(&self, id: ValueId) -> Option<&str> {
        let v = self.value(id);
        if v.kind == ValueKind::String {
            Some(self.scalar(TextRef {
                start: v.a,
                end: v.b,
            }))
        } else {
            None
        }
    }

    pub fn as_f64(&self, id: ValueId) -> Option<f64> {
        if self.kind(id) != ValueKind::Number {
            return None;
        }
        let t = self.text(id)?;
        // Small whole numbers (priorities, counts) without std's float parser: up to 15
        // digits the value is exact, as the parser would give it. One plain loop (the
        // `all` and `fold` closures, and the `and_then` around them, stayed calls).
        let digits = t.as_bytes();
        if (1..=15).contains(&digits.len()) {
            let mut n = 0u64;
            for &d in digits {
                if !d.is_ascii_digit() {
                    return t.trim().parse().ok();
                }
                n = n * 10 + u64::from(d - b'0');
            }
            return Some(n as f64);
        }
        t.trim().parse().ok()
    }

    /// A number that is a whole, non-negative integer that fits in u64.
    pub fn as_u64(&self, id: ValueId) -> Option<u64> {
        let f = self.as_f64(id)?;
        (f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64).then_some(f as u64)
    }

    pub fn as_bool(&self, id: ValueId) -> Option<bool> {
        match self.kind(id) {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Children of a container in document order.
    #[inline(always)]
    pub fn children(&self, id: ValueId) -> Children<'_> {
        self.children_of(id)
    }

    /// Members of an object in document order: (key, key span, value).
    #[inline(always)]
    pub fn members(&self, id: ValueId) -> Members<'_> {
        let mut children = self.children_of(id);
        if self.kind(id) != ValueKind::Object {
            children.left = 0;
        }
        Members { children }
    }

    /// Members of an object in document order as (key bytes, value): no `&str` is built
    /// per key (that checks char boundaries), for readers that match keys against the
    /// names they know ([`crate::text_index::key_code`]).
    #[inline(always)]
    pub fn member_bytes(&self, id: ValueId) -> MemberBytes<'_> {
        MemberBytes {
            children: self.members(id).children,
        }
    }

    /// The value of the first member named `name`.
    pub fn get(&self, id: ValueId, name: &str) -> Option<ValueId> {
        self.members(id)
            .find(|(k, _, _)| *k == name)
            .map(|(_, _, v)| v)
    }

    /// The key of member `id` (a value whose parent is an object; `""` for another).
    #[inline]
    pub fn key_text(&self, id: ValueId) -> &str {
        match self.values.get(id.0 as usize) {
            Some(v) if v.key.is_some() => self.scalar(v.key.text),
            _ => "",
        }
    }

    /// The key under which `id` sits in its parent object, with its span.
    pub fn key_of(&self, id: ValueId) -> Option<(&str, (u32, u32))> {
        let v = self.value(id);
        let parent = self.values.get(v.parent as usize)?;
        if parent.kind != ValueKind::Object {
            return None;
        }
        let key = self
            .values
            .get(id.0 as usize)
            .map(|v| &v.key)
            .filter(|k| k.is_some())?;
        Some((self.scalar(key.text), (key.start, key.end)))
    }

    /// [`SyntaxTree::key_of`] with the parent object too, from one read of the value's
    /// record (locating a node read it twice, once here and once for the parent).
    #[inline]
    pub fn member_key(&self, id: ValueId) -> Option<(ValueId, &str, (u32, u32))> {
        let v = self.values.get(id.0 as usize)?;
        let parent = self.values.get(v.parent as usize)?;
        if parent.kind != ValueKind::Object || !v.key.is_some() {
            return None;
        }
        let key = v.key;
        Some((
            ValueId(v.parent),
            self.scalar(key.text),
            (key.start, key.end),
        ))
    }

    /// The position of array element `id` in its array.
    fn index_in_array(&self, id: ValueId) -> Option<usize> {
        let key = self
            .values
            .get(id.0 as usize)
            .map(|v| &v.key)
            .filter(|k| !k.is_some())?;
        Some(key.start as usize)
    }

    /// RFC 6901 JSON Pointer of a value, built by walking up the parent links.
    pub fn pointer(&self, id: ValueId) -> String {
        // Segments from the value up. Diagnostics name values a few levels deep (a node, a
        // member of it), so the first few go in an array; deeper ones spill into a `Vec`.
        #[derive(Clone, Copy)]
        enum Segment<'t> {
            Key(&'t str),
            Index(usize),
        }
        const NEAR: usize = 6;
        let mut near = [Segment::Index(0); NEAR];
        let mut far: Vec<Segment<'_>> = Vec::new();
        let mut count = 0;
        let mut cur = id;
        while let Some(parent) = self.parent(cur) {
            let segment = match self.kind(parent) {
                ValueKind::Object => Segment::Key(self.key_of(cur).map_or("", |(k, _)| k)),
                _ => Segment::Index(self.index_in_array(cur).unwrap_or(0)),
            };
            match near.get_mut(count) {
                Some(slot) => *slot = segment,
                None => far.push(segment),
            }
            count += 1;
            cur = parent;
        }
        let mut out = String::new();
        for segment in far.iter().rev().chain(near[..count.min(NEAR)].iter().rev()) {
            out.push('/');
            match *segment {
                Segment::Key(k) => push_pointer_segment(&mut out, k),
                Segment::Index(i) => {
                    use std::fmt::Write;
                    let _ = write!(out, "{i}");
                }
            }
        }
        out
    }

    /// The value a JSON Pointer names, if any.
    pub fn resolve_pointer(&self, pointer: &str) -> Option<ValueId> {
        let mut cur = self.root()?;
        if pointer.is_empty() {
            return Some(cur);
        }
        let rest = pointer.strip_prefix('/')?;
        for raw in rest.split('/') {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            cur = match self.kind(cur) {
                ValueKind::Object => self.get(cur, &seg)?,
                ValueKind::Array => {
                    let i: usize = seg.parse().ok()?;
                    self.children(cur).nth(i)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }
}

/// Appends a pointer segment with `~` and `/` escaped as RFC 6901 says.
// Inlined, with the escaping out of line: a call per located node that spent much of its
// cost saving and restoring registers for the rare escaping loop.
#[inline]
pub fn push_pointer_segment(out: &mut String, seg: &str) {
    // Most keys need no escape: copied whole.
    if !seg.bytes().any(|b| b == b'~' || b == b'/') {
        out.push_str(seg);
        return;
    }
    push_escaped_segment(out, seg);
}

#[cold]
#[inline(never)]
fn push_escaped_segment(out: &mut String, seg: &str) {
    for c in seg.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Builds a [`SyntaxTree`] without recursion: readers open containers, add scalars and
/// close containers, in document order; values go straight into the tree.
#[derive(Debug, Default)]
pub struct TreeBuilder {
    tree: SyntaxTree,
    /// Open containers: (value index, number of children so far).
    open: Vec<(u32, u32)>,
    /// The key of the next value ([`Key::NONE`] when there is none).
    pending_key: Key,
}

impl TreeBuilder {
    pub fn new(source: String) -> Self {
        TreeBuilder {
            tree: SyntaxTree {
                source,
                ..SyntaxTree::default()
            },
            ..TreeBuilder::default()
        }
    }

    pub fn source(&self) -> &str {
        &self.tree.source
    }

    /// Reserves room for about `values` values, so a large document does not pay for
    /// repeated growth (copies of ever larger arrays).
    pub fn reserve(&mut self, values: usize) {
        self.tree.values.reserve(values);
    }

    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Sets the key of the next value (inside an object).
    pub fn key(&mut self, start: u32, end: u32, decoded: Option<String>, text: (u32, u32)) {
        let text = self.text_ref(decoded.as_deref(), text);
        self.pending_key = Key { start, end, text };
    }

    /// [`TreeBuilder::key`] with the text `text` of the source (no decoding).
    pub(crate) fn key_range(&mut self, start: u32, end: u32, (ts, te): Span) {
        self.pending_key = Key {
            start,
            end,
            text: TextRef { start: ts, end: te },
        };
    }

    /// Sets the key of the next value to a decoded text, copied into the tree's buffer of
    /// decoded texts (no allocation of its own).
    pub fn key_str(&mut self, start: u32, end: u32, decoded: &str) {
        let text = self.text_ref(Some(decoded), (0, 0));
        self.pending_key = Key { start, end, text };
    }

    /// Whether the innermost open object already has a member with this key.
    pub fn open_object_has_key(&self, key: &str) -> bool {
        self.open_member_named(key.as_bytes()).is_some()
    }

    /// The members (children) of the innermost open container so far, as value indexes:
    /// each is complete, so stepping over its descendants works as in a finished tree.
    pub(crate) fn open_members(&self) -> Children<'_> {
        let (next, left) = self.open.last().map_or((0, 0), |&(c, n)| (c + 1, n));
        Children {
            tree: &self.tree,
            next,
            left,
        }
    }

    /// The first member of the innermost open object named `key` (its value index).
    pub(crate) fn open_member_named(&self, key: &[u8]) -> Option<u32> {
        self.open_members()
            .map(|v| v.0)
            .find(|&v| self.member_key_is(v, key))
    }

    /// Whether member `value` (a value index) has the key `key`. Lengths first: most keys
    /// of an object differ in length, and a source key's length is known without slicing.
    #[inline]
    pub(crate) fn member_key_is(&self, value: u32, key: &[u8]) -> bool {
        self.tree.values.get(value as usize).is_some_and(|v| {
            let k = &v.key;
            k.is_some()
                && (k.text.start == OWNED
                    || k.text.end.wrapping_sub(k.text.start) as usize == key.len())
                && crate::text_index::same(self.tree.scalar_bytes(k.text), key)
        })
    }

    /// The key of member `value` (a value index): its text and span, and the text's
    /// source range when the text is a slice of the source (no escapes).
    pub(crate) fn member_key(&self, value: u32) -> Option<(&str, Span, Option<Span>)> {
        let k = self
            .tree
            .values
            .get(value as usize)
            .map(|v| &v.key)
            .filter(|k| k.is_some())?;
        let range = (k.text.start != OWNED).then_some((k.text.start, k.text.end));
        Some((self.tree.scalar(k.text), (k.start, k.end), range))
    }

    /// The number of members (or elements) of the innermost open container so far.
    pub(crate) fn open_len(&self) -> usize {
        self.open.last().map_or(0, |&(_, n)| n as usize)
    }

    /// The index the next value will have.
    pub(crate) fn next_index(&self) -> u32 {
        self.tree.values.len() as u32
    }

    /// The text's place: the source range, or `decoded` appended to the tree's buffer.
    fn text_ref(&mut self, decoded: Option<&str>, (start, end): (u32, u32)) -> TextRef {
        let Some(owned) = decoded else {
            return TextRef { start, end };
        };
        let t = &mut self.tree;
        let from = t.owned_text.len() as u32;
        t.owned_text.push_str(owned);
        t.owned.push((from, t.owned_text.len() as u32));
        TextRef {
            start: OWNED,
            end: (t.owned.len() - 1) as u32,
        }
    }

    #[inline]
    fn push_value(&mut self, kind: ValueKind, start: u32, end: u32, text: TextRef) -> u32 {
        let idx = self.tree.values.len() as u32;
        let key = std::mem::replace(&mut self.pending_key, Key::NONE);
        let (parent, key) = match self.open.last_mut() {
            Some((p, n)) => {
                // An array element's entry holds its index (for JSON Pointers).
                let key = if key.is_some() {
                    key
                } else {
                    Key { start: *n, ..key }
                };
                *n += 1;
                (*p, key)
            }
            None => (NO_PARENT, Key::NONE),
        };
        self.tree.values.push(Value {
            start,
            end,
            parent,
            a: text.start,
            b: text.end,
            kind,
            key,
        });
        idx
    }

    /// Adds a scalar. `decoded` is the decoded text when it differs from the source slice
    /// `text`.
    pub fn scalar(
        &mut self,
        kind: ValueKind,
        start: u32,
        end: u32,
        decoded: Option<String>,
        text: (u32, u32),
    ) -> ValueId {
        let t = match kind {
            ValueKind::String | ValueKind::Number => self.text_ref(decoded.as_deref(), text),
            _ => TextRef { start: 0, end: 0 },
        };
        ValueId(self.push_value(kind, start, end, t))
    }

    /// [`TreeBuilder::scalar`] with the text `text` of the source (no decoding; unused for
    /// null and booleans).
    pub(crate) fn scalar_range(&mut self, kind: ValueKind, start: u32, end: u32, (ts, te): Span) {
        self.push_value(kind, start, end, TextRef { start: ts, end: te });
    }

    /// Adds a string or number with a decoded text, copied into the tree's buffer of
    /// decoded texts (no allocation of its own).
    pub fn scalar_str(&mut self, kind: ValueKind, start: u32, end: u32, decoded: &str) -> ValueId {
        let t = self.text_ref(Some(decoded), (0, 0));
        ValueId(self.push_value(kind, start, end, t))
    }

    pub fn open(&mut self, kind: ValueKind, start: u32) -> ValueId {
        let idx = self.push_value(kind, start, start, TextRef { start: 0, end: 0 });
        self.open.push((idx, 0));
        ValueId(idx)
    }

    /// Closes the innermost container at byte `end`.
    #[inline(always)]
    pub fn close(&mut self, end: u32) {
        let Some((idx, count)) = self.open.pop() else {
            return;
        };
        let past = self.tree.values.len() as u32;
        if let Some(v) = self.tree.values.get_mut(idx as usize) {
            v.end = end;
            v.a = past;
            v.b = count;
        }
    }

    /// Finishes the tree, closing anything left open at the end of the source.
    pub fn finish(mut self) -> SyntaxTree {
        let end = self.tree.source.len() as u32;
        while !self.open.is_empty() {
            self.close(end);
        }
        self.tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_read_as_the_float_parser_reads_them() {
        for text in [
            "0",
            "7",
            "007",
            "10",
            "123456789012345",
            "1234567890123456",
            "99999999999999999999",
            "-3",
            "-2",
            "2.5",
            "1.5",
            "1e3",
            "2E0",
            " 42 ",
        ] {
            let mut b = TreeBuilder::new(text.to_owned());
            b.scalar(
                ValueKind::Number,
                0,
                text.len() as u32,
                None,
                (0, text.len() as u32),
            );
            let tree = b.finish();
            assert_eq!(
                tree.as_f64(ValueId(0)),
                text.trim().parse::<f64>().ok(),
                "{text}"
            );
        }
    }

    /// `member_bytes` is `members` with the keys as bytes: decoded keys, containers
    /// stepped over, and nothing for an array or a scalar.
    #[test]
    fn member_bytes_are_the_members_keys() {
        let text = r#"{"a":{"x":[1,{"y":2}]},"b\u00e9":[],"":3,"a":null,"c":{"d":{}}}"#;
        let tree = crate::syntax::json::parse(text).tree;
        let mut objects = 0;
        for id in (0..tree.len() as u32).map(ValueId) {
            let bytes: Vec<(&[u8], ValueId)> = tree.member_bytes(id).collect();
            let strs: Vec<(&[u8], ValueId)> = tree
                .members(id)
                .map(|(k, _, v)| (k.as_bytes(), v))
                .collect();
            assert_eq!(bytes, strs, "{id:?}");
            for (k, v) in bytes.iter() {
                assert_eq!(tree.key_text(*v).as_bytes(), *k);
            }
            objects += usize::from(!bytes.is_empty());
        }
        assert_eq!(objects, 4);
        let root: Vec<&[u8]> = tree.member_bytes(ValueId(0)).map(|(k, _)| k).collect();
        assert_eq!(root, [&b"a"[..], "bé".as_bytes(), b"", b"a", b"c"]);
        // Not a member: the root, and an array's element.
        assert_eq!(tree.key_text(ValueId(0)), "");
        assert_eq!(tree.key_text(ValueId(3)), "");
    }

    /// `member_key` is `key_of` with `parent`: the same answer for every value, and none
    /// for the root or an array's element.
    #[test]
    fn member_key_is_key_of_with_the_parent() {
        let text = r#"{"a":{"x":[1,{"y/~":2}]},"b\u00e9":[],"":3}"#;
        let tree = crate::syntax::json::parse(text).tree;
        let mut members = 0;
        for id in (0..tree.len() as u32).map(ValueId) {
            let expected = tree
                .key_of(id)
                .and_then(|(key, span)| Some((tree.parent(id)?, key, span)));
            assert_eq!(tree.member_key(id), expected, "{id:?}");
            members += usize::from(expected.is_some());
        }
        assert_eq!(members, 5);
        assert_eq!(tree.member_key(ValueId(0)), None);
        assert_eq!(tree.member_key(ValueId(u32::MAX)), None);
    }

    #[test]
    fn push_pointer_segment_escapes_only_tilde_and_slash() {
        for (seg, want) in [
            ("", ""),
            ("n12", "n12"),
            ("a/b~c", "a~1b~0c"),
            ("é~", "é~0"),
        ] {
            let mut out = String::from("/p/");
            push_pointer_segment(&mut out, seg);
            assert_eq!(out, format!("/p/{want}"));
        }
    }

    #[test]
    fn records_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 40);
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }
}
