//! The values of `{{name}}` placeholders: `--var NAME=VALUE`, `--vars FILE` (TOML, YAML or
//! JSON) and `FLOWGUARD_VAR_<name>` environment variables. `--var` wins over the
//! environment, which wins over the file. The substitution itself and the map of positions
//! back to the original file are the core's (`flowguard_core::substitute`).
//!
//! With no value given at all, nothing is substituted: placeholders stay literal text.
//! With any value given, a placeholder without one is an error at the placeholder, and a
//! value no placeholder of the inputs uses is an error naming where it came from.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use flowguard_core::LineIndex;
use flowguard_core::substitute::{self, Substituted};

/// The prefix of the environment variables that give values.
pub const ENV_PREFIX: &str = "FLOWGUARD_VAR_";

/// The command-line options that give values.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Fill the `{{NAME}}` placeholders with VALUE (repeatable). Wins over FLOWGUARD_VAR_NAME
    /// and --vars.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// A file of placeholder values, one per environment (TOML, YAML or JSON by its
    /// extension), e.g. environments/prod.toml.
    #[arg(long = "vars", value_name = "FILE")]
    pub vars_file: Option<PathBuf>,
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    Arg,
    Env,
    File(PathBuf),
}

impl Origin {
    fn describe(&self, name: &str) -> String {
        match self {
            Origin::Arg => format!("--var {name}=…"),
            Origin::Env => format!("the environment variable {ENV_PREFIX}{name}"),
            Origin::File(p) => format!("--vars {}", p.display()),
        }
    }
}

/// The values, and the placeholder names the inputs used so far.
#[derive(Debug, Default)]
pub struct Vars {
    values: BTreeMap<String, (String, Origin)>,
    plain: BTreeMap<String, String>,
    seen: Mutex<BTreeSet<String>>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn check_name(name: &str, from: &str) -> Result<(), String> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(format!(
            "{from}: `{name}` is not a placeholder name (letters, digits, `_`, `.` and `-`, as in `{{{{flow_name}}}}`)"
        ))
    }
}

impl VarArgs {
    /// The values from the command line, the process environment and the file.
    pub fn load(&self) -> Result<Vars, String> {
        self.load_from(std::env::vars_os())
    }

    /// [`VarArgs::load`] with the environment given.
    pub fn load_from(
        &self,
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Vars, String> {
        let mut values = BTreeMap::new();
        if let Some(path) = &self.vars_file {
            for (name, value) in read_file(path)? {
                values.insert(name, (value, Origin::File(path.clone())));
            }
        }
        let mut from_env: Vec<(String, String)> = Vec::new();
        for (k, v) in env {
            let Some(k) = k.to_str() else { continue };
            let Some(name) = k.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            check_name(name, &format!("the environment variable {k}"))?;
            let v = v
                .into_string()
                .map_err(|_| format!("the environment variable {k} is not valid UTF-8"))?;
            from_env.push((name.to_owned(), v));
        }
        from_env.sort();
        for (name, value) in from_env {
            values.insert(name, (value, Origin::Env));
        }
        for pair in &self.var {
            let Some((name, value)) = pair.split_once('=') else {
                return Err(format!(
                    "--var {pair}: expected NAME=VALUE (for example --var flow_name=Main)"
                ));
            };
            check_name(name, &format!("--var {pair}"))?;
            values.insert(name.to_owned(), (value.to_owned(), Origin::Arg));
        }
        let plain = values
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect();
        Ok(Vars {
            values,
            plain,
            seen: Mutex::default(),
        })
    }
}

/// A values file: a table of names to strings, numbers or booleans.
fn read_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("--vars {shown}: no such file"),
        _ => format!("--vars {shown}: cannot read: {e}"),
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let doc: serde_json::Value = match ext.as_str() {
        "toml" => {
            toml::from_str(&text).map_err(|e| format!("--vars {shown}: not valid TOML: {e}"))?
        }
        "yaml" | "yml" => serde_saphyr::from_str(&text)
            .map_err(|e| format!("--vars {shown}: not valid YAML: {e}"))?,
        "json" => serde_json::from_str(&text)
            .map_err(|e| format!("--vars {shown}: not valid JSON: {e}"))?,
        _ => {
            return Err(format!(
                "--vars {shown}: name the file .toml, .yaml, .yml or .json so its format is known"
            ));
        }
    };
    let serde_json::Value::Object(table) = doc else {
        return Err(format!(
            "--vars {shown}: expected a table of names to values (flow_name = \"Main\")"
        ));
    };
    let mut out = Vec::with_capacity(table.len());
    for (name, value) in table {
        check_name(&name, &format!("--vars {shown}"))?;
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => {
                return Err(format!(
                    "--vars {shown}: `{name}` must be a string, number or boolean (placeholders are filled with text)"
                ));
            }
        };
        out.push((name, text));
    }
    Ok(out)
}

impl Vars {
    /// Every value by placeholder name (for `fetch --vars`, which turns values back
    /// into placeholders).
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.plain
    }

    /// True when no value was given: nothing is substituted.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Fills the placeholders of `text` (the file `path`): `None` when no value was given.
    /// A placeholder without a value is an error with its file, line and column.
    pub fn fill(&self, path: &str, text: &str) -> Result<Option<Substituted>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        let found = substitute::placeholders(text);
        if let Ok(mut seen) = self.seen.lock() {
            seen.extend(found.iter().map(|p| p.name.clone()));
        }
        match substitute::substitute(text, &self.plain) {
            Ok(s) => Ok(Some(s)),
            Err(missing) => {
                let index = LineIndex::new(text);
                let mut names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
                names.dedup();
                let mut m = String::new();
                for (i, p) in missing.iter().enumerate() {
                    let (line, col) =
                        index.line_col(text, p.range.0, flowguard_core::PositionEncoding::Utf8);
                    if i > 0 {
                        m.push_str("\nflowguard: error: ");
                    }
                    m.push_str(&format!(
                        "{path}:{line}:{col}: the placeholder `{{{{{}}}}}` has no value",
                        p.name
                    ));
                }
                let first = names.first().copied().unwrap_or("NAME");
                m.push_str(&format!(
                    "\n  help: give {} a value: --var {first}=VALUE, an entry `{first}` in the --vars file, or the environment variable {ENV_PREFIX}{first}",
                    if names.len() == 1 { "it" } else { "each" }
                ));
                Err(m)
            }
        }
    }

    /// Reads `bytes` as text and fills it; text that is not UTF-8 is left to validation.
    pub fn fill_bytes(&self, path: &str, bytes: &[u8]) -> Result<Option<Substituted>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.fill(path, text),
            Err(_) => Ok(None),
        }
    }

    /// Fills the files (`None`: standard input, skipped) only to find placeholders without
    /// values and, when every input is a file, values no placeholder uses: for commands that
    /// ask the org something before they read their inputs. Unreadable files are left to
    /// the command.
    pub fn check_files<'a>(
        &self,
        files: impl IntoIterator<Item = (Option<&'a Path>, &'a str)>,
    ) -> Result<(), String> {
        let mut complete = true;
        for (path, display) in files {
            let Some(path) = path else {
                complete = false;
                continue;
            };
            if let Ok(bytes) = std::fs::read(path) {
                self.fill_bytes(display, &bytes)?;
            }
        }
        if complete {
            self.check_unused()
        } else {
            Ok(())
        }
    }

    /// After every input was filled: a value no placeholder used is an error.
    pub fn check_unused(&self) -> Result<(), String> {
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        let unused: Vec<String> = self
            .values
            .iter()
            .filter(|(name, _)| !seen.contains(*name))
            .map(|(name, (_, origin))| {
                format!(
                    "the value `{name}` (from {}) is used by no `{{{{{name}}}}}` placeholder",
                    origin.describe(name)
                )
            })
            .collect();
        if unused.is_empty() {
            return Ok(());
        }
        let known = if seen.is_empty() {
            "the input has no placeholders".to_owned()
        } else {
            let list: Vec<&str> = seen.iter().map(String::as_str).collect();
            format!("the placeholders are {}", list.join(", "))
        };
        Err(format!(
            "{}\n  help: remove the value or correct its name ({known})",
            unused.join("\nflowguard: error: ")
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn var_wins_over_env_which_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prod.toml");
        std::fs::write(&file, "a = \"file\"\nb = \"file\"\nc = 3\n").unwrap();
        let args = VarArgs {
            var: vec!["a=arg".into()],
            vars_file: Some(file),
        };
        let v = args
            .load_from(env(&[
                ("FLOWGUARD_VAR_a", "env"),
                ("FLOWGUARD_VAR_b", "env"),
                ("OTHER", "x"),
            ]))
            .unwrap();
        let s = v.fill("f", "{{a}} {{b}} {{c}}").unwrap().unwrap();
        assert_eq!(s.text, "arg env 3");
        assert!(v.check_unused().is_ok());
    }

    #[test]
    fn errors_name_the_place_and_the_remedy() {
        let args = VarArgs {
            var: vec!["x=1".into(), "unused=2".into()],
            vars_file: None,
        };
        let v = args.load_from(Vec::new()).unwrap();
        let e = v
            .fill("flow.yaml", "a:\n  name: {{x}} {{y}}\n")
            .unwrap_err();
        assert!(
            e.starts_with("flow.yaml:2:15: the placeholder `{{y}}` has no value"),
            "{e}"
        );
        assert!(
            e.contains("--var y=VALUE") && e.contains("FLOWGUARD_VAR_y"),
            "{e}"
        );
        let e = v.check_unused().unwrap_err();
        assert!(e.contains("`unused` (from --var unused=…)"), "{e}");
        assert!(!e.contains("`x`"), "{e}");
    }

    #[test]
    fn bad_input_is_refused() {
        let bad = |var: &str| {
            VarArgs {
                var: vec![var.into()],
                vars_file: None,
            }
            .load_from(Vec::new())
            .unwrap_err()
        };
        assert!(bad("novalue").contains("NAME=VALUE"));
        assert!(bad("a b=1").contains("not a placeholder name"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.json");
        std::fs::write(&file, r#"{"a": {"nested": 1}}"#).unwrap();
        let e = VarArgs {
            var: vec![],
            vars_file: Some(file),
        }
        .load_from(Vec::new())
        .unwrap_err();
        assert!(e.contains("must be a string, number or boolean"), "{e}");
    }

    #[test]
    fn nothing_given_changes_nothing() {
        let v = VarArgs::default().load_from(Vec::new()).unwrap();
        assert!(v.fill("f", "name: {{x}}").unwrap().is_none());
        assert!(v.check_unused().is_ok());
    }
}
