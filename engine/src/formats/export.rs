//! The types of an Architect export file's decoding, which a [`ReadResult`] carries: the
//! decoding itself is flowguard-core's (`flowguard_core::formats::export`).
//!
//! [`ReadResult`]: super::ReadResult

use serde::{Deserialize, Serialize};

/// How an export text is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExportEncoding {
    /// Base64 of percent-encoded JSON: what Architect writes (`"base64+url"`). Not to be
    /// confused with base64's URL-safe alphabet, which is accepted in either base64 form.
    #[serde(rename = "base64+url")]
    Base64Url,
    /// Percent-encoded JSON (`"url"`).
    #[serde(rename = "url")]
    Url,
    /// Base64 of the JSON itself (`"base64"`).
    #[serde(rename = "base64")]
    Base64,
}

impl ExportEncoding {
    /// The name used in JSON output: `base64+url`, `url` or `base64`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportEncoding::Base64Url => "base64+url",
            ExportEncoding::Url => "url",
            ExportEncoding::Base64 => "base64",
        }
    }

    /// A few words for people: "base64 of URL-encoded JSON".
    pub fn describe(self) -> &'static str {
        match self {
            ExportEncoding::Base64Url => "base64 of URL-encoded JSON",
            ExportEncoding::Url => "URL-encoded JSON",
            ExportEncoding::Base64 => "base64-encoded JSON",
        }
    }

    /// Whether the export is base64 (of percent-encoded or of plain JSON).
    pub fn is_base64(self) -> bool {
        matches!(self, ExportEncoding::Base64Url | ExportEncoding::Base64)
    }
}

/// The decoded text of an export: every position in the diagnostics of a document read
/// from an export refers to `text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodedSource {
    pub encoding: ExportEncoding,
    pub text: String,
}
