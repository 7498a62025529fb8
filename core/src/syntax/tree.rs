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

/// The text of a scalar: either a slice of the source (no escapes) or an owned, decoded string.
#[derive(Clone, Debug)]
enum ScalarText {
    /// Byte range in the source text.
    Source(u32, u32),
    /// Index into [`SyntaxTree::owned`].
    Owned(u32),
}

#[derive(Clone, Debug)]
struct Value {
    kind: ValueKind,
    start: u32,
    end: u32,
    parent: u32,
    /// Position inside the parent: index of the member (object) or element (array).
    slot: u32,
    /// For containers: range into `children`. For scalars: unused.
    first_child: u32,
    child_count: u32,
    /// Decoded text of strings and numbers (and YAML plain scalars).
    text: Option<ScalarText>,
}

/// A member key: its decoded text and byte span (quotes included for JSON).
#[derive(Clone, Debug)]
struct Key {
    text: ScalarText,
    start: u32,
    end: u32,
}

/// An arena of values. Index 0 is the root once built.
#[derive(Clone, Debug, Default)]
pub struct SyntaxTree {
    values: Vec<Value>,
    /// Children of containers, contiguous per container.
    children: Vec<u32>,
    /// Keys of object members, parallel to `children` for object containers.
    keys: Vec<Option<Key>>,
    owned: Vec<String>,
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
            if let Some(Some(key)) = self.tree.keys.get(i) {
                return Some((
                    self.tree.scalar(&key.text),
                    (key.start, key.end),
                    ValueId(self.tree.children[i]),
                ));
            }
        }
        None
    }
}

const NO_PARENT: u32 = u32::MAX;

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
    fn scalar(&self, t: &ScalarText) -> &str {
        match *t {
            ScalarText::Source(s, e) => self.source.get(s as usize..e as usize).unwrap_or(""),
            ScalarText::Owned(i) => self.owned.get(i as usize).map_or("", String::as_str),
        }
    }

    /// The decoded text of a string (or the literal text of a number / YAML scalar).
    #[inline]
    pub fn text(&self, id: ValueId) -> Option<&str> {
        self.value(id).text.as_ref().map(|t| self.scalar(t))
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
        let v = self.value(id);
        let range = v.first_child as usize..(v.first_child + v.child_count) as usize;
        self.children[range].iter().map(|&c| ValueId(c))
    }

    /// Members of an object in document order: (key, key span, value).
    pub fn members(&self, id: ValueId) -> Members<'_> {
        let v = self.value(id);
        let (next, end) = if v.kind == ValueKind::Object {
            let first = v.first_child as usize;
            (first, first + v.child_count as usize)
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
            .get((parent.first_child + v.slot) as usize)?
            .as_ref()?;
        Some((self.scalar(&key.text), (key.start, key.end)))
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
                _ => segments.push(Cow::Owned(self.value(cur).slot.to_string())),
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
    /// Pending children of open containers: (child index, key).
    scratch: Vec<(u32, Option<Key>)>,
    pending_key: Option<Key>,
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
        let text = self.scalar_text(decoded, text);
        self.pending_key = Some(Key { text, start, end });
    }

    /// Whether the innermost open object already has a member with this key.
    pub fn open_object_has_key(&self, key: &str) -> bool {
        let Some(&(_, from)) = self.open.last() else {
            return false;
        };
        self.scratch[from..]
            .iter()
            .any(|(_, k)| k.as_ref().is_some_and(|k| self.tree.scalar(&k.text) == key))
    }

    fn scalar_text(&mut self, decoded: Option<String>, (s, e): (u32, u32)) -> ScalarText {
        match decoded {
            Some(owned) => {
                self.tree.owned.push(owned);
                ScalarText::Owned((self.tree.owned.len() - 1) as u32)
            }
            None => ScalarText::Source(s, e),
        }
    }

    fn push_value(
        &mut self,
        kind: ValueKind,
        start: u32,
        end: u32,
        text: Option<ScalarText>,
    ) -> u32 {
        let idx = self.tree.values.len() as u32;
        let parent = self.open.last().map_or(NO_PARENT, |&(p, _)| p);
        let slot = self
            .open
            .last()
            .map_or(0, |&(_, from)| (self.scratch.len() - from) as u32);
        self.tree.values.push(Value {
            kind,
            start,
            end,
            parent,
            slot,
            first_child: 0,
            child_count: 0,
            text,
        });
        if !self.open.is_empty() {
            let key = self.pending_key.take();
            self.scratch.push((idx, key));
        }
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
            ValueKind::String | ValueKind::Number => Some(self.scalar_text(decoded, text)),
            _ => None,
        };
        ValueId(self.push_value(kind, start, end, t))
    }

    pub fn open(&mut self, kind: ValueKind, start: u32) -> ValueId {
        let idx = self.push_value(kind, start, start, None);
        self.open.push((idx, self.scratch.len()));
        ValueId(idx)
    }

    /// Closes the innermost container at byte `end`.
    pub fn close(&mut self, end: u32) {
        let Some((idx, from)) = self.open.pop() else {
            return;
        };
        let first = self.tree.children.len() as u32;
        let count = (self.scratch.len() - from) as u32;
        self.tree.children.reserve(count as usize);
        self.tree.keys.reserve(count as usize);
        for (child, key) in self.scratch.drain(from..) {
            self.tree.children.push(child);
            self.tree.keys.push(key);
        }
        let v = &mut self.tree.values[idx as usize];
        v.end = end;
        v.first_child = first;
        v.child_count = count;
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
