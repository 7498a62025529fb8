//! Human-readable diagnostics, rendered the way rustc does: a header, the file position,
//! the source line with a caret under the span, then help and related locations.

use std::fmt::Write as _;

use flowguard_core::{Diagnostic, ExportEncoding, LineIndex, PositionEncoding, Severity};

/// ANSI styling, used only when writing to a terminal and `NO_COLOR` is unset.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(self, s: Severity) -> String {
        match s {
            Severity::Error => self.paint("1;31", "error"),
            Severity::Warning => self.paint("1;33", "warning"),
            Severity::Info => self.paint("1;36", "info"),
        }
    }

    fn blue(self, t: &str) -> String {
        self.paint("1;34", t)
    }

    fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
}

/// How many related locations text output lists before summarising (JSON lists all).
const RELATED_SHOWN: usize = 8;

/// How many characters of a source line are shown.
const LINE_SHOWN: usize = 200;

/// The note before the diagnostics of an Architect export: their positions are in the
/// decoded JSON, not in the file as it is on disk.
pub fn decoded_note(out: &mut String, path: &str, encoding: ExportEncoding, style: Style) {
    let _ = writeln!(
        out,
        "{} {path} is an Architect export ({}); positions refer to its decoded JSON\n",
        style.bold("note:"),
        encoding.describe()
    );
}

/// Renders one diagnostic. `text` is the source the spans refer to (UTF-8 byte spans).
pub fn diagnostic(
    out: &mut String,
    path: &str,
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    style: Style,
) {
    let _ = writeln!(
        out,
        "{}{}: {}",
        style.severity(d.severity),
        style.bold(&format!("[{}]", d.code.code())),
        style.bold(&d.message)
    );
    let gutter_width = d.span.map_or(1, |s| s.line.to_string().len());
    let pad = " ".repeat(gutter_width);
    match d.span {
        Some(span) => {
            let _ = writeln!(
                out,
                "{pad}{} {path}:{}:{}",
                style.blue("-->"),
                span.line,
                span.column
            );
            let line = index.line_text(text, span.line);
            // Characters of the line before the span (columns are UTF-8 based here).
            let col_chars = line
                .get(..(span.column as usize).saturating_sub(1).min(line.len()))
                .map_or(0, |p| p.chars().count());
            // A long line (compact JSON is one line) is shown from a little before the
            // span when the span would lie beyond what is shown, with `…` for the cut.
            let skip = if col_chars + 40 > LINE_SHOWN {
                col_chars - LINE_SHOWN / 4
            } else {
                0
            };
            let mut shown: String = if skip > 0 {
                "…".to_owned()
            } else {
                String::new()
            };
            shown.extend(line.chars().skip(skip).take(LINE_SHOWN));
            if line.chars().count() > skip + LINE_SHOWN {
                shown.push('…');
            }
            let col_chars = col_chars - skip + usize::from(skip > 0);
            let visible = LINE_SHOWN + usize::from(skip > 0);
            let _ = writeln!(out, "{pad} {}", style.blue("|"));
            let _ = writeln!(
                out,
                "{} {} {}",
                style.blue(&span.line.to_string()),
                style.blue("|"),
                shown
            );
            // Caret under the span, clipped to the line and to what is shown.
            let line_end_byte =
                (span.start as usize).saturating_sub(span.column as usize - 1) + line.len();
            let span_end = (span.end as usize)
                .min(line_end_byte)
                .max(span.start as usize);
            let width = text
                .get(span.start as usize..span_end)
                .map_or(1, |s| s.chars().count())
                .clamp(1, visible.saturating_sub(col_chars).max(1));
            let marker = if d.severity == Severity::Error {
                "^"
            } else {
                "~"
            };
            let carets = style.paint(
                match d.severity {
                    Severity::Error => "1;31",
                    Severity::Warning => "1;33",
                    Severity::Info => "1;36",
                },
                &marker.repeat(width),
            );
            let _ = writeln!(
                out,
                "{pad} {} {}{}",
                style.blue("|"),
                " ".repeat(col_chars.min(visible)),
                carets
            );
        }
        None => {
            let at = if d.pointer.is_empty() {
                "(document)"
            } else {
                &d.pointer
            };
            let _ = writeln!(out, "{pad}{} {path} at {at}", style.blue("-->"));
        }
    }
    let _ = writeln!(
        out,
        "{pad} {} {} {}",
        style.blue("="),
        style.bold("help:"),
        d.help
    );
    if let Some(w) = &d.witness {
        let parts: Vec<String> = w.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(
            out,
            "{pad} {} {} {}",
            style.blue("="),
            style.bold("for example:"),
            parts.join(", ")
        );
    }
    for r in d.related.iter().take(RELATED_SHOWN) {
        // A place in another file of the set names that file (`Related::document`).
        let (file, pointer) = r.document().unwrap_or((path, &r.pointer));
        let place = match r.span {
            Some(s) => format!("{file}:{}:{}", s.line, s.column),
            None => format!("{file} at {pointer}"),
        };
        // The message names the node the way the document does; its id is in the JSON.
        let _ = writeln!(
            out,
            "{pad} {} {} {} ({place})",
            style.blue("="),
            style.bold("note:"),
            r.message
        );
    }
    if d.related.len() > RELATED_SHOWN {
        let _ = writeln!(
            out,
            "{pad} {} {} … and {} more (use --format json for all)",
            style.blue("="),
            style.bold("note:"),
            d.related.len() - RELATED_SHOWN
        );
    }
    out.push('\n');
}

/// The one-line summary after a file's diagnostics.
pub fn summary(out: &mut String, path: &str, diagnostics: &[Diagnostic], style: Style) {
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let verdict = if e > 0 {
        style.paint("1;31", "FAIL")
    } else {
        style.paint("1;32", "ok")
    };
    let _ = writeln!(
        out,
        "{verdict} {path}: {}, {}, {}",
        plural(e, "error"),
        plural(w, "warning"),
        plural(i, "info")
    );
}

/// Spans for text output are always in UTF-8 bytes.
pub const ENCODING: PositionEncoding = PositionEncoding::Utf8;
