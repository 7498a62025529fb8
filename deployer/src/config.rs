//! `flowguard.toml`: found from each checked file's directory upward (the nearest one
//! wins, as ruff finds its configuration), or named with `--config`. Its `[validate]`
//! table is read by the core ([`flowguard_core::Settings::from_json`]), so the CLI and the
//! wasm package accept exactly the same settings; this module adds the file: discovery,
//! TOML, and `per-file-ignores` matched against paths relative to the file's directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flowguard_core::{Code, Settings};
use globset::{Glob, GlobMatcher};

pub const FILE_NAME: &str = "flowguard.toml";

/// The tables a `flowguard.toml` may have.
const TABLES: &[&str] = &["validate"];

/// A configuration file, read.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    /// The directory `per-file-ignores` patterns are relative to.
    pub dir: PathBuf,
    pub settings: Settings,
    per_file: Vec<(GlobMatcher, bool, Vec<Code>)>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let table: toml::Table =
            toml::from_str(text).map_err(|e| format!("{shown}: not valid TOML: {e}"))?;
        for key in table.keys() {
            if !TABLES.contains(&key.as_str()) {
                return Err(format!(
                    "{shown}: [{key}]: unknown table{} (flowguard.toml has [validate])",
                    flowguard_core::settings::did_you_mean(key, TABLES)
                ));
            }
        }
        let settings = match table.get("validate") {
            None => Settings::default(),
            Some(v) => {
                let json = serde_json::to_string(v).map_err(|e| format!("{shown}: {e}"))?;
                Settings::from_json(&json, "[validate]").map_err(|e| format!("{shown}: {e}"))?
            }
        };
        let mut per_file = Vec::new();
        for (pattern, codes) in &settings.per_file_ignores {
            let glob = Glob::new(pattern).map_err(|e| {
                format!(
                    "{shown}: [validate.per-file-ignores] \"{pattern}\": not a valid pattern: {e}"
                )
            })?;
            per_file.push((
                glob.compile_matcher(),
                !pattern.contains('/'),
                codes.clone(),
            ));
        }
        let abs = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
        Ok(Config {
            dir: abs.parent().map(Path::to_path_buf).unwrap_or_default(),
            path: path.to_path_buf(),
            settings,
            per_file,
        })
    }

    /// The settings for one file: `per-file-ignores` that match it are added to `ignore`.
    /// A pattern matches the file's path relative to the configuration's directory; one
    /// without `/` also matches its name alone.
    pub fn settings_for(&self, file: Option<&Path>) -> Settings {
        let mut s = self.settings.clone();
        let Some(file) = file else {
            return s;
        };
        let abs = normalize(&std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()));
        let rel = abs.strip_prefix(&self.dir).unwrap_or(&abs);
        let name = file.file_name().map(Path::new);
        for (m, by_name, codes) in &self.per_file {
            if m.is_match(rel) || (*by_name && name.is_some_and(|n| m.is_match(n))) {
                s.ignore.extend(codes.iter().copied());
            }
        }
        s
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Finds the nearest `flowguard.toml` for each file, reading each one once.
#[derive(Default)]
pub struct Finder {
    /// Directory (absolute) → the configuration that applies there.
    cache: HashMap<PathBuf, Option<Arc<Config>>>,
}

impl Finder {
    /// The configuration for a file (`None`: standard input, looked up from the current
    /// directory), or an error for a configuration that cannot be read.
    pub fn find(&mut self, file: Option<&Path>) -> Result<Option<Arc<Config>>, String> {
        let start = match file {
            Some(f) => std::path::absolute(f)
                .ok()
                .and_then(|a| a.parent().map(Path::to_path_buf)),
            None => std::env::current_dir().ok(),
        };
        let Some(start) = start else {
            return Ok(None);
        };
        let mut visited = Vec::new();
        let mut dir = Some(start.as_path());
        let mut found = None;
        while let Some(d) = dir {
            if let Some(c) = self.cache.get(d) {
                found = c.clone();
                break;
            }
            visited.push(d.to_path_buf());
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                found = Some(Arc::new(Config::load(&candidate)?));
                break;
            }
            dir = d.parent();
        }
        for v in visited {
            self.cache.insert(v, found.clone());
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tables_are_refused() {
        let e = Config::parse("[validat]\n", Path::new("flowguard.toml")).err();
        assert!(e.unwrap_or_default().contains("did you mean `validate`"));
    }

    #[test]
    fn per_file_patterns() {
        let c = Config::parse(
            "[validate.per-file-ignores]\n\"legacy/**/*.yaml\" = [\"FG013\"]\n\"*.json\" = [\"FG012\"]\n",
            Path::new("/repo/flowguard.toml"),
        )
        .expect("parses");
        let s = c.settings_for(Some(Path::new("/repo/legacy/a/b.yaml")));
        assert_eq!(s.ignore, vec![Code::DeadEnd]);
        let s = c.settings_for(Some(Path::new("/repo/x/y.json")));
        assert_eq!(s.ignore, vec![Code::UnreachableNode]);
        let s = c.settings_for(Some(Path::new("/repo/other/b.yaml")));
        assert!(s.ignore.is_empty());
    }
}
