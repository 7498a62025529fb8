//! The syntax tree every reader produces: an arena of values with byte spans and parent
//! links, shared by the JSON and YAML readers.
//!
//! Why an arena and not a recursive enum: documents can be nested 100,000 levels deep and hold a
//! million nodes. A flat `Vec` is built, walked and dropped without recursion, and a value is a
//! `u32` handle that the flow model can keep to resolve spans and JSON Pointers lazily — only
//! for the few values a diagnostic names.

use std::borrow::Cow;

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

/// One value: 24 bytes, so that a 100,000-node document's million values touch as little
/// memory as they can (page faults and cache misses were a large share of reading).
#[derive(Clone, Copy, Debug)]
struct Value {
    start: u32,
    end: u32,
    parent: u32,
    /// Containers: the first index of their children in `children`. Strings and numbers:
    /// the start of their text (a [`TextRef`] with `b`). Null and booleans: unused.
    a: u32,
    /// Containers: the number of children. Strings and numbers: the end of their text.
    b: u32,
    kind: ValueKind,
}

impl Value {
    #[inline]
    fn is_container(&self) -> bool {
        matches!(self.kind, ValueKind::Array | ValueKind::Object)
    }

    /// The range of the container's children in `children` (empty for scalars).
    #[inline]
    fn child_range(&self) -> std::ops::Range<usize> {
        if self.is_container() {
            self.a as usize..self.a as usize + self.b as usize
        } else {
            0..0
        }
    }
}

/// A member key: its span (quotes included for JSON) and text; an array element's entry has
/// no text ([`NO_TEXT`]).
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

/// An arena of values. Index 0 is the root once built.
#[derive(Clone, Debug, Default)]
pub struct SyntaxTree {
    values: Vec<Value>,
    /// Children of containers, contiguous per container, in document order (so increasing:
    /// a child's position in its parent is found by binary search).
    children: Vec<u32>,
    /// Keys of object members, parallel to `children` ([`Key::NONE`] for array elements).
    keys: Vec<Key>,
    /// Decoded texts (strings with escapes): byte ranges of `owned_text`.
    owned: Vec<(u32, u32)>,
    /// The decoded texts, one after another (one buffer, not an allocation each).
    owned_text: String,
    source: String,
}

/// The members of an object, from [`SyntaxTree::members`]: a plain loop over the member
/// slots, since opt-level "z" (the wasm package) leaves iterator adapters and their
/// closures as calls per member.
pub struct Members<'t> {
    tree: &'t SyntaxTree,
    next: usize,
    end: usize,
}

impl<'t> Iterator for Members<'t> {
    type Item = (&'t str, (u32, u32), ValueId);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.end {
            let i = self.next;
            self.next += 1;
            if let Some(key) = self.tree.keys.get(i)
                && key.is_some()
            {
                return Some((
                    self.tree.scalar(key.text),
                    (key.start, key.end),
                    ValueId(self.tree.children[i]),
                ));
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

    #[inline]
    fn value(&self, id: ValueId) -> &Value {
        &self.values[id.0 as usize]
    }

    #[inline]
    pub fn kind(&self, id: ValueId) -> ValueKind {
        self.value(id).kind
    }

    /// Byte span of the value in the source.
    #[inline]
    pub fn span(&self, id: ValueId) -> (u32, u32) {
        let v = self.value(id);
        (v.start, v.end)
    }

    #[inline]
    pub fn parent(&self, id: ValueId) -> Option<ValueId> {
        let p = self.value(id).parent;
        (p != NO_PARENT).then_some(ValueId(p))
    }

    #[inline]
    fn scalar(&self, t: TextRef) -> &str {
        let (text, (s, e)) = if t.start == OWNED {
            let range = self.owned.get(t.end as usize).copied().unwrap_or((0, 0));
            (&self.owned_text, range)
        } else {
            (&self.source, (t.start, t.end))
        };
        text.get(s as usize..e as usize).unwrap_or("")
    }

    /// The decoded text of a string (or the literal text of a number / YAML scalar).
    #[inline]
    pub fn text(&self, id: ValueId) -> Option<&str> {
        let v = self.value(id);
        matches!(v.kind, ValueKind::String | ValueKind::Number).then(|| {
            self.scalar(TextRef {
                start: v.a,
                end: v.b,
            })
        })
    }

    /// The string value, only if the value is a string.
    #[inline]
    pub fn as_str(&self, id: ValueId) -> Option<&str> {
        (self.kind(id) == ValueKind::String)
            .then(|| self.text(id))
            .flatten()
    }

    pub fn as_f64(&self, id: ValueId) -> Option<f64> {
        match self.kind(id) {
            ValueKind::Number => self.text(id).and_then(|t| t.trim().parse().ok()),
            _ => None,
        }
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
    pub fn children(&self, id: ValueId) -> impl ExactSizeIterator<Item = ValueId> + '_ {
        let range = self.value(id).child_range();
        self.children
            .get(range)
            .unwrap_or_default()
            .iter()
            .map(|&c| ValueId(c))
    }

    /// Members of an object in document order: (key, key span, value).
    pub fn members(&self, id: ValueId) -> Members<'_> {
        let v = self.value(id);
        let (next, end) = if v.kind == ValueKind::Object {
            let first = v.a as usize;
            (first, first + v.b as usize)
        } else {
            (0, 0)
        };
        Members {
            tree: self,
            next,
            end,
        }
    }

    /// The value of the first member named `name`.
    pub fn get(&self, id: ValueId, name: &str) -> Option<ValueId> {
        self.members(id)
            .find(|(k, _, _)| *k == name)
            .map(|(_, _, v)| v)
    }

    /// The key under which `id` sits in its parent object, with its span.
    pub fn key_of(&self, id: ValueId) -> Option<(&str, (u32, u32))> {
        let v = self.value(id);
        let parent = self.values.get(v.parent as usize)?;
        if parent.kind != ValueKind::Object {
            return None;
        }
        let key = self
            .keys
            .get(parent.a as usize + self.slot(parent, id)?)
            .filter(|k| k.is_some())?;
        Some((self.scalar(key.text), (key.start, key.end)))
    }

    /// The position of `id` among the children of `parent` (children are in increasing
    /// order, so a binary search: O(log n) without storing a slot in every value).
    fn slot(&self, parent: &Value, id: ValueId) -> Option<usize> {
        self.children
            .get(parent.child_range())?
            .binary_search(&id.0)
            .ok()
    }

    /// RFC 6901 JSON Pointer of a value, built by walking up the parent links.
    pub fn pointer(&self, id: ValueId) -> String {
        let mut segments: Vec<Cow<'_, str>> = Vec::new();
        let mut cur = id;
        while let Some(parent) = self.parent(cur) {
            match self.kind(parent) {
                ValueKind::Object => {
                    segments.push(Cow::Borrowed(self.key_of(cur).map_or("", |(k, _)| k)))
                }
                _ => segments.push(Cow::Owned(
                    self.slot(self.value(parent), cur).unwrap_or(0).to_string(),
                )),
            }
            cur = parent;
        }
        let mut out = String::new();
        for seg in segments.iter().rev() {
            out.push('/');
            push_pointer_segment(&mut out, seg);
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
pub fn push_pointer_segment(out: &mut String, seg: &str) {
    for c in seg.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Builds a [`SyntaxTree`] bottom-up without recursion: readers open containers, add
/// scalars and close containers; children are collected on a scratch stack.
#[derive(Debug, Default)]
pub struct TreeBuilder {
    tree: SyntaxTree,
    /// Open containers: (value index, start of its children in `scratch`).
    open: Vec<(u32, usize)>,
    /// Pending children of open containers, and their keys (parallel).
    scratch: Vec<u32>,
    scratch_keys: Vec<Key>,
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
        self.tree.children.reserve(values);
        self.tree.keys.reserve(values);
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
        self.open_key_slot(key).is_some()
    }

    /// The pending keys of the innermost open container (those of its members so far).
    fn open_keys(&self) -> &[Key] {
        let from = self.open.last().map_or(usize::MAX, |&(_, from)| from);
        self.scratch_keys.get(from..).unwrap_or_default()
    }

    /// The position of the first member of the innermost open object named `key`.
    pub(crate) fn open_key_slot(&self, key: &str) -> Option<usize> {
        self.open_keys()
            .iter()
            .position(|k| k.is_some() && self.tree.scalar(k.text) == key)
    }

    /// Member `slot` of the innermost open object: its key's text and span, and the text's
    /// source range when the text is a slice of the source (no escapes).
    pub(crate) fn open_key(&self, slot: usize) -> Option<(&str, Span, Option<Span>)> {
        let k = self.open_keys().get(slot).filter(|k| k.is_some())?;
        let range = (k.text.start != OWNED).then_some((k.text.start, k.text.end));
        Some((self.tree.scalar(k.text), (k.start, k.end), range))
    }

    /// The number of members (or elements) of the innermost open container so far.
    pub(crate) fn open_len(&self) -> usize {
        self.open_keys().len()
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

    fn push_value(&mut self, kind: ValueKind, start: u32, end: u32, text: TextRef) -> u32 {
        let idx = self.tree.values.len() as u32;
        let parent = match self.open.last() {
            Some(&(p, _)) => {
                self.scratch.push(idx);
                self.scratch_keys
                    .push(std::mem::replace(&mut self.pending_key, Key::NONE));
                p
            }
            None => NO_PARENT,
        };
        self.tree.values.push(Value {
            start,
            end,
            parent,
            a: text.start,
            b: text.end,
            kind,
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
        self.open.push((idx, self.scratch.len()));
        ValueId(idx)
    }

    /// Closes the innermost container at byte `end`.
    pub fn close(&mut self, end: u32) {
        let Some((idx, from)) = self.open.pop() else {
            return;
        };
        let first = self.tree.children.len() as u32;
        let count = self.scratch.len().saturating_sub(from) as u32;
        self.tree
            .children
            .extend_from_slice(self.scratch.get(from..).unwrap_or_default());
        self.tree
            .keys
            .extend_from_slice(self.scratch_keys.get(from..).unwrap_or_default());
        self.scratch.truncate(from);
        self.scratch_keys.truncate(from);
        if let Some(v) = self.tree.values.get_mut(idx as usize) {
            v.end = end;
            v.a = first;
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
    fn records_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }
}
