//! Byte offsets to line/column, in the encoding the caller asks for.
//!
//! Browsers (CodeMirror, Monaco) count UTF-16 code units, terminals and rustc-style
//! renderers count bytes or characters: the caller chooses, as in ruff's wasm API.

use serde::{Deserialize, Serialize};

/// How offsets and columns are counted in a [`Span`](crate::diagnostic::Span).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PositionEncoding {
    /// UTF-8 bytes (the native default).
    #[default]
    Utf8,
    /// UTF-16 code units (JavaScript string indices).
    Utf16,
}

/// Line starts of a text, for turning byte offsets into 1-based line and column.
///
/// Conversions cost O(log lines) in UTF-8 and O(log lines + 256) in UTF-16, whatever the
/// line length: minified documents (the Platform API returns configuration JSON on one
/// line) must not make every diagnostic re-scan the line from its start.
///
/// [`LineIndex::for_offsets`] makes a sparse one for a few known offsets (a diagnostic's
/// spans): one scan of the text up to the last of them, with no entry per line.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// A sparse index: the position of each offset it was made for, by offset. Other
    /// offsets are found by scanning on from the nearest one before them.
    points: Option<Vec<Point>>,
    /// For non-ASCII text: (byte offset, UTF-16 units before it) at the first character
    /// boundary at or after every multiple of [`CHECKPOINT`] bytes. `None` for ASCII text,
    /// where both encodings count the same.
    utf16_checkpoints: Option<Vec<(u32, u32)>>,
}

/// Bytes between UTF-16 checkpoints.
const CHECKPOINT: usize = 256;

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // memchr finds the line breaks a word (natively a vector) at a time: the byte-wise
        // iterator chain it replaces cost about eight instructions per byte of the
        // document, for every validation that reports anything (now about five on
        // pretty-printed JSON, whose short lines make the per-line push the cost; far less
        // on minified documents).
        let mut line_starts = Vec::with_capacity(text.len() / 16 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        let utf16_checkpoints = (!text.is_ascii()).then(|| {
            let mut points = Vec::with_capacity(text.len() / CHECKPOINT + 1);
            let mut units = 0u32;
            let mut next = 0usize;
            for (i, c) in text.char_indices() {
                while i >= next {
                    points.push((i as u32, units));
                    next += CHECKPOINT;
                }
                units += c.len_utf16() as u32;
            }
            points.push((text.len() as u32, units));
            points
        });
        LineIndex {
            line_starts,
            points: None,
            utf16_checkpoints,
        }
    }

    /// A sparse index that answers for `offsets` (and, more slowly, for any other offset):
    /// why: a validation that reports two findings in a 1 MB document need not record the
    /// start of every one of its 100,000 lines.
    pub fn for_offsets(text: &str, offsets: impl IntoIterator<Item = u32>) -> Self {
        let mut offsets: Vec<u32> = offsets
            .into_iter()
            .map(|o| clamp_to_char_boundary(text, o))
            .collect();
        crate::graph::order::sort(&mut offsets);
        offsets.dedup();
        let bytes = text.as_bytes();
        let mut points = Vec::with_capacity(offsets.len());
        let mut at = Point::ORIGIN;
        for o in offsets {
            at = at.advance(bytes, o);
            points.push(at);
        }
        LineIndex {
            line_starts: Vec::new(),
            points: Some(points),
            utf16_checkpoints: None,
        }
    }

    /// The position of `offset` (a char boundary) in a sparse index.
    fn point(points: &[Point], text: &str, offset: u32) -> Point {
        let i = points.partition_point(|p| p.offset <= offset);
        let before = i.checked_sub(1).and_then(|k| points.get(k)).copied();
        match before {
            Some(p) if p.offset == offset => p,
            Some(p) => p.advance(text.as_bytes(), offset),
            None => Point::ORIGIN.advance(text.as_bytes(), offset),
        }
    }

    /// UTF-16 units before byte `offset` (a character boundary).
    fn utf16_at(&self, text: &str, offset: u32) -> u32 {
        let Some(points) = &self.utf16_checkpoints else {
            return offset;
        };
        let mut k = (offset as usize / CHECKPOINT).min(points.len().saturating_sub(1));
        while k > 0 && points[k].0 > offset {
            k -= 1;
        }
        let (from, units) = points.get(k).copied().unwrap_or((0, 0));
        units
            + text
                .get(from as usize..offset as usize)
                .map_or(0, |s| s.encode_utf16().count() as u32)
    }

    /// 1-based line and column of a byte offset; the column counts units of `encoding`
    /// from the start of the line, plus one. Offsets inside a character snap back to it.
    pub fn line_col(&self, text: &str, offset: u32, encoding: PositionEncoding) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        if let Some(points) = &self.points {
            let p = Self::point(points, text, offset);
            let col = match encoding {
                PositionEncoding::Utf8 => offset - p.line_start,
                PositionEncoding::Utf16 => p.units - p.line_start_units,
            };
            return (p.line + 1, col + 1);
        }
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = match encoding {
            PositionEncoding::Utf8 => offset - start,
            PositionEncoding::Utf16 => self.utf16_at(text, offset) - self.utf16_at(text, start),
        };
        (line as u32 + 1, col + 1)
    }

    /// The byte offset converted to `encoding` units from the start of the text.
    pub fn offset(&self, text: &str, offset: u32, encoding: PositionEncoding) -> u32 {
        let offset = clamp_to_char_boundary(text, offset);
        match (encoding, &self.points) {
            (PositionEncoding::Utf8, _) => offset,
            (PositionEncoding::Utf16, Some(points)) => Self::point(points, text, offset).units,
            (PositionEncoding::Utf16, None) => self.utf16_at(text, offset),
        }
    }

    /// The text of the 1-based line, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        if self.points.is_some() {
            // (Renderers make a full index; a sparse one counts lines from the start.)
            return LineIndex::new(text).line_text(text, line);
        }
        let i = line.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(text.len(), |&e| e as usize);
        text.get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// Where an offset is, for a sparse [`LineIndex`].
#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    offset: u32,
    /// 0-based line.
    line: u32,
    line_start: u32,
    /// UTF-16 units before `offset`, and before `line_start`.
    units: u32,
    line_start_units: u32,
}

impl Point {
    const ORIGIN: Point = Point {
        offset: 0,
        line: 0,
        line_start: 0,
        units: 0,
        line_start_units: 0,
    };

    /// The point of `offset` (a char boundary, not before this one), by scanning the text
    /// between them: line breaks found a word at a time, UTF-16 units counted only where
    /// the text is not ASCII.
    fn advance(self, text: &[u8], offset: u32) -> Point {
        let Some(range) = text.get(self.offset as usize..offset as usize) else {
            return self;
        };
        match memchr::memrchr(b'\n', range) {
            None => Point {
                offset,
                units: self.units + utf16_units(range),
                ..self
            },
            Some(last) => {
                let (head, tail) = range.split_at(last + 1);
                let line_start_units = self.units + utf16_units(head);
                Point {
                    offset,
                    line: self.line + memchr::memchr_iter(b'\n', head).count() as u32,
                    line_start: self.offset + last as u32 + 1,
                    units: line_start_units + utf16_units(tail),
                    line_start_units,
                }
            }
        }
    }
}

/// UTF-16 code units of whole characters in `bytes`: one per character, two for those
/// outside the BMP (four-byte sequences).
fn utf16_units(bytes: &[u8]) -> u32 {
    if bytes.is_ascii() {
        return bytes.len() as u32;
    }
    bytes
        .iter()
        .map(|&b| u32::from(b & 0xC0 != 0x80) + u32::from(b >= 0xF0))
        .sum()
}

fn clamp_to_char_boundary(text: &str, offset: u32) -> u32 {
    let mut o = (offset as usize).min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o as u32
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_both_encodings() {
        let text = "ab\né😀x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.line_col(text, x, PositionEncoding::Utf8), (2, 7));
        assert_eq!(idx.line_col(text, x, PositionEncoding::Utf16), (2, 4));
        assert_eq!(idx.offset(text, x, PositionEncoding::Utf16), 6);
        assert_eq!(idx.line_col(text, 0, PositionEncoding::Utf8), (1, 1));
        assert_eq!(idx.line_text(text, 2), "é😀x");
        // inside a multi-byte character: snaps back
        assert_eq!(idx.line_col(text, 4, PositionEncoding::Utf8), (2, 1));
    }

    proptest::proptest! {
        /// A sparse index answers as the full one does, for the offsets it was made for and
        /// for any other (inside characters, past the end), in both encodings.
        #[test]
        fn sparse_agrees_with_full(
            chars in proptest::collection::vec(proptest::sample::select(vec!['a', 'b', '\n', '\r', 'é', '😀', '€']), 0..400),
            made_for in proptest::collection::vec(0u32..1700, 0..12),
            asked in proptest::collection::vec(0u32..1700, 0..12),
        ) {
            let text: String = chars.into_iter().collect();
            let full = LineIndex::new(&text);
            let sparse = LineIndex::for_offsets(&text, made_for.iter().copied());
            for &o in made_for.iter().chain(&asked) {
                for e in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
                    proptest::prop_assert_eq!(sparse.line_col(&text, o, e), full.line_col(&text, o, e), "{} {:?}", o, e);
                    proptest::prop_assert_eq!(sparse.offset(&text, o, e), full.offset(&text, o, e));
                }
            }
            proptest::prop_assert_eq!(sparse.line_text(&text, 2), full.line_text(&text, 2));
        }
    }

    #[test]
    fn checkpoints_agree_with_counting_on_long_lines() {
        let text: String = (0..3000)
            .map(|i| match i % 7 {
                0 => 'é',
                3 => '😀',
                5 => '\n',
                _ => 'a',
            })
            .collect();
        let idx = LineIndex::new(&text);
        for (o, _) in text.char_indices().step_by(37) {
            let o = o as u32;
            let expect = text[..o as usize].encode_utf16().count() as u32;
            assert_eq!(idx.offset(&text, o, PositionEncoding::Utf16), expect);
            let line_start = text[..o as usize].rfind('\n').map_or(0, |p| p + 1);
            let col = text[line_start..o as usize].encode_utf16().count() as u32 + 1;
            assert_eq!(idx.line_col(&text, o, PositionEncoding::Utf16).1, col);
        }
    }
}
