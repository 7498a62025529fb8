//! Byte offsets to line/column, in the encoding the caller asks for.
//!
//! Browsers (CodeMirror, Monaco) count UTF-16 code units, terminals and rustc-style
//! renderers count bytes or characters: the caller chooses, as in ruff's wasm API.

use serde::{Deserialize, Serialize};

/// How offsets and columns are counted in [`crate::Span`].
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
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// UTF-16 offset of each line start; `None` when the text is ASCII (then equal to bytes).
    utf16_line_starts: Option<Vec<u32>>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        let utf16_line_starts = (!text.is_ascii()).then(|| {
            let mut starts = Vec::with_capacity(line_starts.len());
            let mut units = 0u32;
            let mut prev = 0usize;
            for &s in &line_starts {
                units += text
                    .get(prev..s as usize)
                    .map_or(0, |p| p.encode_utf16().count() as u32);
                starts.push(units);
                prev = s as usize;
            }
            starts
        });
        LineIndex {
            line_starts,
            utf16_line_starts,
        }
    }

    /// 1-based line and column of a byte offset; the column counts units of `encoding`
    /// from the start of the line, plus one. Offsets inside a character snap back to it.
    pub fn line_col(&self, text: &str, offset: u32, encoding: PositionEncoding) -> (u32, u32) {
        let offset = clamp_to_char_boundary(text, offset);
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts[line];
        let slice = text.get(start as usize..offset as usize).unwrap_or("");
        let col = match encoding {
            PositionEncoding::Utf8 => slice.len(),
            PositionEncoding::Utf16 => slice.encode_utf16().count(),
        };
        (line as u32 + 1, col as u32 + 1)
    }

    /// The byte offset converted to `encoding` units from the start of the text.
    pub fn offset(&self, text: &str, offset: u32, encoding: PositionEncoding) -> u32 {
        let offset = clamp_to_char_boundary(text, offset);
        match encoding {
            PositionEncoding::Utf8 => offset,
            PositionEncoding::Utf16 => match &self.utf16_line_starts {
                None => offset,
                Some(starts) => {
                    // Lines before the offset are counted once, at construction, so
                    // converting many offsets stays linear in the text.
                    let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
                    let start = self.line_starts[line];
                    let within = text
                        .get(start as usize..offset as usize)
                        .map_or(0, |s| s.encode_utf16().count() as u32);
                    starts[line] + within
                }
            },
        }
    }

    /// The text of the 1-based line, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
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
}
