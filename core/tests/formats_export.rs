//! Architect export files (`.i3InboundFlow`, …): base64 and/or percent-encoded Architect
//! configuration JSON. Decoding must give exactly the JSON beside each real export, and
//! validating an export must give exactly the diagnostics of its decoded JSON, positions
//! included (they refer to the decoded text).
//!
//! The real exports live outside the repository (`../shared/genesys/real-flows/architect`,
//! see its SOURCES.md); exports built here from `examples/architect` and an inline document
//! keep the test meaningful without them.
#![allow(clippy::disallowed_methods)] // std's sort is fine in tests; core/clippy.toml guards the library
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use flowguard_core::formats::export::{self, ExportEncoding};
use flowguard_core::{
    Code, InputFormat, Options, PositionEncoding, Validation, validate, validate_bytes,
};

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/genesys/real-flows/architect")
}

/// Percent-encodes like JavaScript's `encodeURIComponent` (what Architect uses).
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

/// The three encodings of a JSON text, plus a line-wrapped Architect-style one.
fn exports_of(json: &str) -> Vec<(ExportEncoding, String)> {
    let architect = b64(url(json).as_bytes());
    let wrapped = architect
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    vec![
        (ExportEncoding::Base64Url, architect),
        (ExportEncoding::Base64Url, wrapped),
        (ExportEncoding::Url, url(json)),
        (ExportEncoding::Base64, b64(json.as_bytes())),
    ]
}

fn options(format: InputFormat, encoding: PositionEncoding) -> Options {
    Options {
        format,
        position_encoding: encoding,
        ..Options::default()
    }
}

/// Validating `export` equals validating `json`, apart from the `decoded` marker.
fn assert_same_as_decoded(what: &str, export: &str, encoding: ExportEncoding, json: &str) {
    for format in [InputFormat::Auto, InputFormat::Architect] {
        for pos in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let opts = options(format, pos);
            let direct = validate(json, &opts);
            let via_export = validate(export, &opts);
            let decoded = via_export.decoded.clone().unwrap_or_else(|| {
                panic!("{what}: not decoded: {:?}", via_export.diagnostics.first())
            });
            assert_eq!(decoded.encoding, encoding, "{what}");
            assert_eq!(decoded.text, json, "{what}");
            assert_eq!(via_export.format, InputFormat::Architect, "{what}");
            assert_eq!(direct.decoded, None, "{what}");
            let Validation {
                format,
                diagnostics,
                stats,
                decoded: _,
            } = via_export;
            assert_eq!(format, direct.format, "{what}");
            assert_eq!(
                diagnostics, direct.diagnostics,
                "{what} ({format:?}, {pos:?})"
            );
            assert_eq!(stats, direct.stats, "{what}");
            // Bytes in, same answer.
            let from_bytes = validate_bytes(export.as_bytes(), &opts);
            assert_eq!(from_bytes.diagnostics, diagnostics, "{what}");
        }
    }
}

fn real_exports() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(shared_dir()) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !name.ends_with(".decoded.json") && !name.ends_with(".md")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

#[test]
fn real_exports_decode_to_the_json_beside_them() {
    let paths = real_exports();
    if paths.is_empty() {
        println!(
            "note: {} is absent; only exports built in this test are checked",
            shared_dir().display()
        );
        return;
    }
    assert_eq!(paths.len(), 4, "{paths:?}");
    // One of them has no extension: detection is by content.
    assert!(paths.iter().any(|p| p.extension().is_none()));
    for path in &paths {
        let what = path.display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let beside = format!("{what}.decoded.json");
        let json = std::fs::read_to_string(&beside).unwrap();
        assert_eq!(
            export::sniff(&text),
            Some(ExportEncoding::Base64Url),
            "{what}"
        );
        assert_eq!(
            flowguard_core::formats::detect(&text),
            InputFormat::Architect
        );
        let decoded = export::decode(&text, ExportEncoding::Base64Url, usize::MAX).unwrap();
        // Byte for byte: the `.decoded.json` files keep Architect's compact JSON, and the
        // one export that ends with a newline (callFLow) decodes without it.
        assert_eq!(decoded.text, json, "{what}");
        assert_same_as_decoded(&what, &text, ExportEncoding::Base64Url, &json);
        // Real exports read without syntax or schema errors.
        let v = validate(&text, &Options::default());
        let errors: Vec<_> = v
            .diagnostics
            .iter()
            .filter(|d| matches!(d.code, Code::SyntaxError | Code::SchemaError))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:?}");
        assert!(v.stats.nodes > 0, "{what}");
        // The same JSON in the other encodings gives the same result.
        for (encoding, export) in exports_of(&json) {
            assert_same_as_decoded(&what, &export, encoding, &json);
        }
    }
}

#[test]
fn exports_built_from_the_examples_validate_like_their_json() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/architect");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let json = std::fs::read_to_string(&path).unwrap();
        let direct = validate(&json, &Options::default());
        // The examples hold defects: there is something to compare.
        assert!(direct.has_errors(), "{}", path.display());
        for (encoding, export) in exports_of(&json) {
            assert_same_as_decoded(&path.display().to_string(), &export, encoding, &json);
        }
        n += 1;
    }
    assert!(n >= 2);
}

/// A small configuration with a dangling reference and non-ASCII text, so positions in
/// UTF-16 differ from UTF-8 ones.
const SMALL: &str = r#"{"name":"Grüße ☎","type":"inboundcall","initialSequence":"t1",
"flowSequenceItemList":[{"__type":"Task","id":"t1","name":"Start ☎","startAction":"a1",
"actionList":[{"__type":"DisconnectAction","id":"a2","name":"Bye"},
{"__type":"SetAttributesAction","id":"a1","name":"Größe","nextAction":"nowhere"}]}]}"#;

#[test]
fn a_small_synthetic_export_points_into_its_decoded_json() {
    let direct = validate(SMALL, &Options::default());
    assert!(
        direct
            .diagnostics
            .iter()
            .any(|d| d.code == Code::DanglingTarget),
        "{:?}",
        direct.diagnostics
    );
    for (encoding, export) in exports_of(SMALL) {
        assert_same_as_decoded("SMALL", &export, encoding, SMALL);
        let v = validate(&export, &Options::default());
        let d = v
            .diagnostics
            .iter()
            .find(|d| d.code == Code::DanglingTarget)
            .unwrap();
        let span = d.span.unwrap();
        let decoded = &v.decoded.as_ref().unwrap().text;
        assert_eq!(
            &decoded[span.start as usize..span.end as usize],
            "\"nowhere\""
        );
        assert_eq!(span.line, 4);
        // JSON output: the decoded marker is there for exports only.
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["decoded"]["encoding"], encoding.as_str());
        assert!(
            serde_json::to_value(&direct)
                .unwrap()
                .get("decoded")
                .is_none()
        );
    }
    // Explicit formats other than Architect read the text as it is.
    let export = b64(url(SMALL).as_bytes());
    for format in [InputFormat::Flow, InputFormat::Archy] {
        let v = validate(&export, &options(format, PositionEncoding::Utf8));
        assert!(v.decoded.is_none());
        assert!(v.has_errors());
    }
}

#[test]
fn damaged_exports_are_fg001_in_the_export_text() {
    let export = b64(url(SMALL).as_bytes());
    let cases = [
        // An invalid base64 character in the middle.
        format!("{}#{}", &export[..40], &export[40..]),
        // Truncated in the middle of a group of four.
        export[..export.len() - 3].trim_end_matches('=').to_owned(),
        // Invalid percent-encoding.
        "%7B%22name%22%3A%2".to_owned(),
        // Not UTF-8 once decoded.
        b64(b"%7B%22name%22%3A%22%FF%22%7D"),
    ];
    for text in &cases {
        for format in [InputFormat::Auto, InputFormat::Architect] {
            let v = validate(text, &options(format, PositionEncoding::Utf8));
            assert_eq!(v.format, InputFormat::Architect, "{text}");
            assert_eq!(v.diagnostics.len(), 1, "{text}: {:?}", v.diagnostics);
            let d = &v.diagnostics[0];
            assert_eq!(d.code, Code::SyntaxError, "{text}");
            let span = d.span.unwrap();
            assert!(span.start < span.end && span.end as usize <= text.len());
            assert!(v.decoded.is_none());
        }
    }
    // Decodes, but the JSON inside is cut short: FG001 from the JSON reader, located in
    // the decoded text, which the result carries.
    let json = url(SMALL);
    let cut = b64(&json.as_bytes()[..json.len() / 2]);
    let v = validate(&cut, &Options::default());
    let decoded = v.decoded.as_ref().expect("decoded");
    assert_eq!(v.diagnostics[0].code, Code::SyntaxError);
    assert!(v.diagnostics[0].span.unwrap().end as usize <= decoded.text.len());
}

#[test]
fn the_size_limit_applies_to_the_decoded_text() {
    let export = b64(url(SMALL).as_bytes());
    // Under the export's size, which is checked first.
    let v = validate(
        &export,
        &Options {
            max_bytes: export.len() - 1,
            ..Options::default()
        },
    );
    assert_eq!(v.diagnostics[0].code, Code::InputTooLarge);
    // The decoded text alone is checked against the limit too.
    let d = export::decode(&export, ExportEncoding::Base64Url, SMALL.len() - 1).unwrap_err();
    assert_eq!(d.code, Code::InputTooLarge);
    let v = validate(
        &export,
        &Options {
            max_bytes: export.len(),
            ..Options::default()
        },
    );
    assert!(v.decoded.is_some());
}

/// Every result is well formed: spans inside the text they refer to (the decoded text when
/// there is one), 1-based lines and columns, FG001 always located.
fn check_well_formed(bytes: &[u8]) {
    for format in [InputFormat::Auto, InputFormat::Architect] {
        for pos in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let v = validate_bytes(bytes, &options(format, pos));
            let source: std::borrow::Cow<'_, str> = match &v.decoded {
                Some(d) => d.text.as_str().into(),
                None => String::from_utf8_lossy(bytes),
            };
            let limit = match pos {
                PositionEncoding::Utf8 => source.len(),
                PositionEncoding::Utf16 => source.encode_utf16().count(),
            } as u32;
            let limit = if v.decoded.is_some() {
                limit
            } else {
                limit.max(bytes.len() as u32)
            };
            for d in &v.diagnostics {
                if let Some(s) = d.span {
                    assert!(
                        s.start <= s.end && s.end <= limit && s.line >= 1 && s.column >= 1,
                        "{s:?} beyond {limit} for {:?}",
                        String::from_utf8_lossy(bytes)
                    );
                }
                if d.code == Code::SyntaxError {
                    assert!(d.span.is_some(), "FG001 without a position");
                }
                assert!(d.pointer.is_empty() || d.pointer.starts_with('/'));
            }
        }
    }
}

#[test]
fn every_truncation_of_an_export_gives_a_result() {
    let json = url(SMALL);
    for export in [b64(json.as_bytes()), json.clone(), b64(SMALL.as_bytes())] {
        for end in 0..=export.len() {
            check_well_formed(&export.as_bytes()[..end]);
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"JTdC".to_vec()),
            Just(b"%7B".to_vec()),
            Just(b"eyJ".to_vec()),
            Just(b"%".to_vec()),
            Just(b"%2".to_vec()),
            Just(b"%FF".to_vec()),
            Just(b"%C3".to_vec()),
            Just(b"%22".to_vec()),
            Just(b"=".to_vec()),
            Just(b"==".to_vec()),
            Just(b"\n".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"-_".to_vec()),
            Just(b"+/".to_vec()),
            Just("é".as_bytes().to_vec()),
            Just(vec![0xff]),
            Just(vec![0]),
            "[A-Za-z0-9+/]{1,12}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..8),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Export-looking heads followed by anything: never a panic, always well formed.
        #[test]
        fn export_like_bytes(head in prop_oneof![
            Just(&b"JTdC"[..]), Just(&b"%7B"[..]), Just(&b"eyJ"[..]), Just(&b"ew"[..]),
            Just(&b"\xef\xbb\xbf JT\ndC"[..]), Just(&b""[..]),
        ], parts in proptest::collection::vec(piece(), 0..24)) {
            let mut bytes = head.to_vec();
            for p in parts {
                bytes.extend(p);
            }
            check_well_formed(&bytes);
        }

        /// A valid export with bytes flipped, cut or inserted.
        #[test]
        fn damaged_exports(edits in proptest::collection::vec((any::<usize>(), 0u8..3, any::<u8>()), 1..4)) {
            let mut bytes = b64(url(SMALL).as_bytes()).into_bytes();
            for (at, op, b) in edits {
                let at = at % (bytes.len() + 1);
                match op {
                    0 if at < bytes.len() => bytes[at] = b,
                    1 => bytes.truncate(at),
                    _ => bytes.insert(at, b),
                }
            }
            check_well_formed(&bytes);
        }
    }
}
