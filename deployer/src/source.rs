//! A deployable flow source: Architect configuration JSON (sent with POST versions; an
//! Architect export file is decoded to it) or Archy YAML (sent through the import-job
//! pipeline). flowguard's own flow JSON is for validation only and is refused here.

use std::path::Path;

use flowguard_core::InputFormat;
use serde_json::Value;

use crate::util::{config_hash, sha256_hex};

#[derive(Clone, Debug)]
pub enum Content {
    /// Architect configuration JSON, parsed.
    Config(Value),
    /// Archy YAML text.
    Yaml(String),
}

#[derive(Clone, Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
    pub format: InputFormat,
    pub content: Content,
}

impl Source {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::from_text(&path.display().to_string(), text)
    }

    /// [`Source::read`] with the document's `{{name}}` placeholders filled from `vars`: a
    /// placeholder without a value, or a value no placeholder uses, is an error.
    pub fn read_with(path: &Path, vars: &crate::vars::Vars) -> Result<Self, String> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
        let text = match vars.fill(&shown, &text)? {
            Some(filled) => filled.text,
            None => text,
        };
        vars.check_unused()?;
        Self::from_text(&shown, text)
    }

    pub fn from_text(path: &str, text: String) -> Result<Self, String> {
        // An Architect export (`.i3InboundFlow`, …) is its configuration JSON, encoded:
        // everything from here on (validation, plan, upload) works on the decoded JSON.
        let text = match flowguard_core::formats::export::sniff(&text) {
            Some(encoding) => {
                flowguard_core::formats::export::decode(&text, encoding, usize::MAX)
                    .map_err(|d| {
                        format!(
                            "{path}: cannot decode the Architect export: {} (run `flowguard validate {path}`)",
                            d.message
                        )
                    })?
                    .text
            }
            None => text,
        };
        let format = flowguard_core::formats::detect(&text);
        let content = match format {
            InputFormat::Architect => Content::Config(
                serde_json::from_str(&text).map_err(|e| format!("{path}: not valid JSON: {e}"))?,
            ),
            InputFormat::Archy => Content::Yaml(text.clone()),
            _ => {
                return Err(format!(
                    "{path} is flowguard flow JSON, which Genesys Cloud cannot import: deploy the Architect configuration JSON (`flowguard fetch` writes one) or an Archy YAML file"
                ));
            }
        };
        Ok(Self {
            path: path.to_owned(),
            text,
            format,
            content,
        })
    }

    /// The content hash: canonical configuration JSON, or the YAML bytes.
    pub fn content_sha256(&self) -> String {
        match &self.content {
            Content::Config(v) => config_hash(v),
            Content::Yaml(y) => sha256_hex(y.as_bytes()),
        }
    }

    pub fn is_yaml(&self) -> bool {
        matches!(self.content, Content::Yaml(_))
    }
}
