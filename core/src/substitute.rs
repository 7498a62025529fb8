//! `{{name}}` placeholders, filled with values before a document is read.
//!
//! The syntax is that of CX as Code's `genesyscloud_flow` substitutions (and of real Archy
//! files, which use placeholders unquoted, even inside keys: `{{prefix}}-Lambda:`). A
//! placeholder is `{{`, a name (letters, digits, `_`, `.`, `-`; spaces around it are
//! allowed), `}}`; any other `{{…}}` is left as it is. Values are inserted as raw text, as
//! CX as Code does: a value with YAML-special characters (`: `, `#`, a leading `*`) needs
//! quotes around the placeholder in the template (`name: "{{flow_name}}"`).
//!
//! [`substitute`] returns the filled text and an [`OffsetMap`] from its byte offsets back to
//! the original's, so diagnostics of the filled text point into the original file
//! ([`Substituted::remap`]): a position outside any placeholder maps to itself shifted by
//! what the placeholders before it added or removed; a position inside an inserted value
//! maps to its placeholder. Which value comes from where (command line, environment, a
//! file) is the host's business; so is reporting a value that no placeholder uses
//! ([`Substituted::used`] names the ones used).

use std::collections::{BTreeMap, BTreeSet};

use crate::{LineIndex, PositionEncoding, Validation};

/// A `{{name}}` placeholder of the original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// The name, without braces or surrounding spaces.
    pub name: String,
    /// Byte range of `{{name}}` in the original text.
    pub range: (u32, u32),
}

/// One inserted value: its range in the substituted text and its placeholder's range in the
/// original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    sub: (u32, u32),
    orig: (u32, u32),
}

/// Byte offsets of a substituted text back to the original: the inserted values, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    segments: Vec<Segment>,
}

impl OffsetMap {
    /// The last segment starting at or before (`inclusive`) or strictly before `o`.
    fn segment_before(&self, o: u32, inclusive: bool) -> Option<&Segment> {
        let n = self
            .segments
            .partition_point(|s| if inclusive { s.sub.0 <= o } else { s.sub.0 < o });
        n.checked_sub(1).and_then(|i| self.segments.get(i))
    }

    /// The original offset of a start position: inside a value, its placeholder's start.
    pub fn start(&self, o: u32) -> u32 {
        match self.segment_before(o, true) {
            None => o,
            Some(s) if o < s.sub.1 => s.orig.0,
            Some(s) => s.orig.1 + (o - s.sub.1),
        }
    }

    /// The original offset of an (exclusive) end position: inside a value, its
    /// placeholder's end.
    pub fn end(&self, o: u32) -> u32 {
        match self.segment_before(o, false) {
            None => o,
            Some(s) if o <= s.sub.1 => s.orig.1,
            Some(s) => s.orig.1 + (o - s.sub.1),
        }
    }

    /// A byte range of the substituted text as a range of the original.
    pub fn range(&self, (s, e): (u32, u32)) -> (u32, u32) {
        let start = self.start(s);
        (start, self.end(e).max(start))
    }

    /// True when nothing was substituted.
    pub fn is_identity(&self) -> bool {
        self.segments.is_empty()
    }
}

/// A text with its placeholders filled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substituted {
    pub text: String,
    pub map: OffsetMap,
    /// The names of the values used.
    pub used: BTreeSet<String>,
}

/// Every `{{name}}` placeholder of `text`, in order.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = text.get(i..).and_then(|r| r.find("{{")) {
        let open = i + off;
        let inner_start = open + 2;
        let rest = text.get(inner_start..).unwrap_or("");
        let inner_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b' '))
            .count();
        let name = rest[..inner_len].trim_matches(' ');
        if rest.as_bytes().get(inner_len..inner_len + 2) == Some(b"}}".as_slice())
            && !name.is_empty()
            && !name.contains(' ')
        {
            let close = inner_start + inner_len + 2;
            out.push(Placeholder {
                name: name.to_owned(),
                range: (open as u32, close as u32),
            });
            i = close;
        } else {
            // `{{{a}}}` holds the placeholder `{{a}}`, as a plain text replacement sees it.
            i = open + 1;
        }
    }
    out
}

/// Fills every placeholder of `text` with its value from `vars`. Placeholders without a
/// value are returned, in order, as the error; nothing is substituted then.
pub fn substitute(
    text: &str,
    vars: &BTreeMap<String, String>,
) -> Result<Substituted, Vec<Placeholder>> {
    let found = placeholders(text);
    let missing: Vec<Placeholder> = found
        .iter()
        .filter(|p| !vars.contains_key(&p.name))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut out = String::with_capacity(text.len());
    let mut segments = Vec::with_capacity(found.len());
    let mut used = BTreeSet::new();
    let mut last = 0usize;
    for p in &found {
        let (s, e) = (p.range.0 as usize, p.range.1 as usize);
        out.push_str(&text[last..s]);
        let value = vars.get(&p.name).map_or("", String::as_str);
        let at = out.len() as u32;
        out.push_str(value);
        segments.push(Segment {
            sub: (at, out.len() as u32),
            orig: p.range,
        });
        used.insert(p.name.clone());
        last = e;
    }
    out.push_str(&text[last..]);
    Ok(Substituted {
        text: out,
        map: OffsetMap { segments },
        used,
    })
}

impl Substituted {
    /// Points a validation of [`Substituted::text`] into `original`, the text it was made
    /// from: every span (also of related locations) gets the original's offsets, line and
    /// column in `encoding`, the encoding the validation used. A validation of an Architect
    /// export is left as it is (its positions refer to the decoded JSON).
    pub fn remap(&self, v: &mut Validation, original: &str, encoding: PositionEncoding) {
        if self.map.is_identity() || v.decoded.is_some() {
            return;
        }
        // Places in other documents of a set (`Related::document`) are theirs to remap.
        let spans = v.diagnostics.iter().flat_map(|d| {
            d.span.iter().chain(
                d.related
                    .iter()
                    .filter(|r| r.document().is_none())
                    .filter_map(|r| r.span.as_ref()),
            )
        });
        let bytes = ByteOffsets::new(&self.text, spans.flat_map(|s| [s.start, s.end]), encoding);
        let index = LineIndex::new(original);
        let remap = |span: &mut crate::Span| {
            let range = self.map.range((bytes.get(span.start), bytes.get(span.end)));
            *span = crate::diagnostic::span_at(&index, original, range, encoding);
        };
        for d in &mut v.diagnostics {
            if let Some(s) = &mut d.span {
                remap(s);
            }
            for r in &mut d.related {
                if r.document().is_some() {
                    continue;
                }
                if let Some(s) = &mut r.span {
                    remap(s);
                }
            }
        }
    }

    /// [`Substituted::remap`] for one span of [`Substituted::text`] (a place another
    /// document's finding names in this one).
    pub fn remap_span(
        &self,
        span: crate::Span,
        original: &str,
        encoding: PositionEncoding,
    ) -> crate::Span {
        if self.map.is_identity() {
            return span;
        }
        let bytes = ByteOffsets::new(&self.text, [span.start, span.end].into_iter(), encoding);
        let index = LineIndex::new(original);
        let range = self.map.range((bytes.get(span.start), bytes.get(span.end)));
        crate::diagnostic::span_at(&index, original, range, encoding)
    }
}

/// Offsets in `encoding` units back to byte offsets, for a known set of offsets.
struct ByteOffsets {
    /// (units, bytes), sorted; empty for UTF-8, where both are the same.
    table: Vec<(u32, u32)>,
}

impl ByteOffsets {
    fn new(text: &str, offsets: impl Iterator<Item = u32>, encoding: PositionEncoding) -> Self {
        if encoding == PositionEncoding::Utf8 || text.is_ascii() {
            return ByteOffsets { table: Vec::new() };
        }
        let mut wanted: Vec<u32> = offsets.collect();
        crate::graph::order::sort(&mut wanted);
        wanted.dedup();
        let mut table = Vec::with_capacity(wanted.len());
        let mut want = wanted.into_iter().peekable();
        let mut units = 0u32;
        for (i, c) in text.char_indices() {
            while want.peek().is_some_and(|&w| w <= units) {
                table.push((want.next().unwrap_or(units), i as u32));
            }
            units += c.len_utf16() as u32;
        }
        table.extend(want.map(|w| (w, text.len() as u32)));
        ByteOffsets { table }
    }

    fn get(&self, units: u32) -> u32 {
        if self.table.is_empty() {
            return units;
        }
        let i = self.table.partition_point(|&(u, _)| u < units);
        self.table.get(i).map_or(units, |&(_, b)| b)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn fills_unquoted_placeholders_in_keys_and_values() {
        let t = "inboundCall:\n  name: {{flow_name}}\n  {{prefix}}-Lambda: {{ x }}\n";
        let s = substitute(
            t,
            &vars(&[("flow_name", "Main"), ("prefix", "dev"), ("x", "1")]),
        )
        .unwrap();
        assert_eq!(s.text, "inboundCall:\n  name: Main\n  dev-Lambda: 1\n");
        assert_eq!(s.used.len(), 3);
    }

    #[test]
    fn leaves_other_braces_alone() {
        let t = "a: {{}}\nb: {{a b}}\nc: {{open\nd: {x}\n";
        assert!(placeholders(t).is_empty());
        let s = substitute(t, &BTreeMap::new()).unwrap();
        assert_eq!(s.text, t);
        assert!(s.map.is_identity());
    }

    #[test]
    fn reports_every_missing_placeholder_at_its_place() {
        let t = "name: {{a}}\nq: {{b}}\nr: {{a}}\n";
        let missing = substitute(t, &vars(&[("b", "x")])).unwrap_err();
        assert_eq!(
            missing,
            vec![
                Placeholder {
                    name: "a".into(),
                    range: (6, 11)
                },
                Placeholder {
                    name: "a".into(),
                    range: (24, 29)
                },
            ]
        );
    }

    #[test]
    fn a_range_inside_a_value_maps_to_the_placeholder() {
        let t = "x: {{v}} y";
        let s = substitute(t, &vars(&[("v", "a long value")])).unwrap();
        assert_eq!(s.text, "x: a long value y");
        // "long" inside the value → the whole placeholder.
        assert_eq!(s.map.range((5, 9)), (3, 8));
        // The whole value → the placeholder.
        assert_eq!(s.map.range((3, 15)), (3, 8));
        // "y" after it → shifted back.
        assert_eq!(s.map.range((16, 17)), (9, 10));
        // Across the value: from before it to after it.
        assert_eq!(s.map.range((0, 17)), (0, 10));
    }

    #[test]
    fn an_empty_value_maps_positions_after_it() {
        let s = substitute("a{{v}}b", &vars(&[("v", "")])).unwrap();
        assert_eq!(s.text, "ab");
        assert_eq!(s.map.range((1, 2)), (6, 7));
        assert_eq!(s.map.range((0, 1)), (0, 1));
    }

    #[test]
    fn a_diagnostic_in_a_value_points_at_the_placeholder() {
        // The value makes a duplicate key: the diagnostic is about the second `k`, which
        // exists only in the substituted text.
        let original =
            "{\"start\": \"bye\", \"nodes\": {\"bye\": {\"type\": \"disconnect\"}}, {{dup}}: 1}";
        let s = substitute(original, &vars(&[("dup", "\"start\"")])).unwrap();
        let mut v = crate::validate(&s.text, &crate::Options::default());
        let at = v
            .diagnostics
            .iter()
            .find(|d| d.code == crate::Code::DuplicateKey)
            .and_then(|d| d.span)
            .unwrap();
        assert_eq!(&s.text[at.start as usize..at.end as usize], "\"start\"");
        s.remap(&mut v, original, PositionEncoding::Utf8);
        let d = v
            .diagnostics
            .iter()
            .find(|d| d.code == crate::Code::DuplicateKey)
            .unwrap();
        let span = d.span.unwrap();
        assert_eq!(&original[span.start as usize..span.end as usize], "{{dup}}");
        assert_eq!((span.line, span.column), (1, 60));
        // The related location (the first `start`) is before any placeholder: unchanged.
        let rel = d.related[0].span.unwrap();
        assert_eq!(&original[rel.start as usize..rel.end as usize], "\"start\"");
    }

    #[test]
    fn remaps_lines_when_values_change_them_and_in_utf16() {
        let original =
            "inboundCall:\n  name: {{n}}\n  description: é {{d}}\n  startUpRef: nowhere\n";
        let s = substitute(original, &vars(&[("n", "Main"), ("d", "ünïcödé\n  x: 1")])).unwrap();
        for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let opts = crate::Options {
                position_encoding: enc,
                ..Default::default()
            };
            let mut v = crate::validate(&s.text, &opts);
            assert!(!v.diagnostics.is_empty());
            s.remap(&mut v, original, enc);
            let expected = crate::validate(original, &opts);
            // The `startUpRef` finding is on line 4 of the original, as it is without values.
            let lines = |v: &Validation| -> Vec<u32> {
                v.diagnostics
                    .iter()
                    .filter_map(|d| d.span.map(|s| s.line))
                    .collect()
            };
            assert!(lines(&v).iter().all(|&l| l <= 4), "{:?}", lines(&v));
            assert_eq!(lines(&v).last(), lines(&expected).last());
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z :\n}é]{0,6}",
                "(a|b|c)".prop_map(|n| format!("{{{{{n}}}}}")),
            ]
        }

        proptest! {
            /// Every byte outside placeholders maps to itself, shifted by what the
            /// placeholders before it changed; every byte of a value maps to its placeholder.
            #[test]
            fn offsets_outside_placeholders_shift(
                pieces in proptest::collection::vec(piece(), 0..12),
                a in "[x-z\n]{0,5}", b in "[x-z]{0,3}", c in "é{0,2}",
            ) {
                let text: String = pieces.concat();
                let vars = vars(&[("a", &a), ("b", &b), ("c", &c)]);
                let s = substitute(&text, &vars).unwrap();
                let found = placeholders(&text);
                let mut shift: i64 = 0;
                let mut next = 0usize; // next placeholder
                let mut sub = 0usize;
                let mut orig = 0usize;
                while orig < text.len() {
                    if let Some(p) = found.get(next).filter(|p| p.range.0 as usize == orig) {
                        let value = &vars[&p.name];
                        for k in 0..value.len() {
                            prop_assert_eq!(s.map.range(((sub + k) as u32, (sub + k + 1) as u32)), p.range);
                        }
                        shift += value.len() as i64 - (p.range.1 - p.range.0) as i64;
                        sub += value.len();
                        orig = p.range.1 as usize;
                        next += 1;
                    } else {
                        prop_assert_eq!(text.as_bytes()[orig], s.text.as_bytes()[sub]);
                        prop_assert_eq!(sub as i64 - shift, orig as i64);
                        prop_assert_eq!(s.map.range((sub as u32, sub as u32 + 1)), (orig as u32, orig as u32 + 1));
                        sub += 1;
                        orig += 1;
                    }
                }
                prop_assert_eq!(sub, s.text.len());
            }
        }
    }
}
