//! The inputs of `flowguard validate`: files named on the command line, standard input,
//! directories (walked recursively) and globs (`flows/**/*.yaml`).
//!
//! Walking honours `.gitignore`, `.ignore` and `.flowguardignore` files (also outside a Git
//! repository) and skips hidden files, as ripgrep does; it is the same `ignore` crate.
//! A file found by walking is taken when it is a flow by extension *and* content
//! ([`looks_like_flow`]); a file named explicitly is always checked. Within one argument,
//! files come in path order, so output is stable whatever the file system returns.

use std::path::{Path, PathBuf};

use globset::GlobBuilder;
use rayon::prelude::*;

/// One input to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The path as shown in output: as given, or the walked directory joined with the
    /// file's path below it; `<stdin>` for standard input.
    pub display: String,
    /// The file to read; `None` for standard input.
    pub path: Option<PathBuf>,
}

/// Inputs in argument order, each argument's files sorted, without repeats; and the
/// arguments that named nothing (as messages for stderr).
pub fn collect(args: &[String]) -> (Vec<Input>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |inputs: &mut Vec<Input>, input: Input| {
        if seen.insert(input.path.clone()) {
            inputs.push(input);
        }
    };
    for arg in args {
        if arg == "-" {
            push(
                &mut inputs,
                Input {
                    display: "<stdin>".into(),
                    path: None,
                },
            );
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let found = walk(path, None);
            if found.is_empty() {
                errors.push(format!("{arg}: no flow files in this directory"));
            }
            for p in found {
                push(&mut inputs, input_of(p));
            }
        } else if !path.exists() && is_glob(arg) {
            match glob(arg) {
                Ok(found) if found.is_empty() => {
                    errors.push(format!("{arg}: no flow files match this pattern"))
                }
                Ok(found) => {
                    for p in found {
                        push(&mut inputs, input_of(p));
                    }
                }
                Err(e) => errors.push(e),
            }
        } else {
            // A named file (or a missing one: reading it reports that).
            push(
                &mut inputs,
                Input {
                    display: arg.clone(),
                    path: Some(path.to_path_buf()),
                },
            );
        }
    }
    (inputs, errors)
}

fn input_of(p: PathBuf) -> Input {
    Input {
        display: p.to_string_lossy().into_owned(),
        path: Some(p),
    }
}

fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '[', '{'])
}

/// Files below `root` that look like flows, in path order; with `matcher`, only those
/// whose path (as joined to `root`) it matches.
fn walk(root: &Path, matcher: Option<&globset::GlobMatcher>) -> Vec<PathBuf> {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .require_git(false)
        .add_custom_ignore_filename(".flowguardignore")
        .sort_by_file_name(|a, b| a.cmp(b));
    let mut candidates = Vec::new();
    for entry in builder.build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let p = entry.path();
        let p = p.strip_prefix("./").unwrap_or(p);
        // Files without an extension are looked at too: Architect exports are sometimes
        // saved without one (`callFLow`), and only an export's content takes them.
        if matcher.is_some_and(|m| !m.is_match(p))
            || (p.extension().is_some() && !flow_extension(p))
        {
            continue;
        }
        candidates.push(p.to_path_buf());
    }
    // Reading to look at the content is the slow part: in parallel, order kept.
    candidates
        .into_par_iter()
        .filter(|p| std::fs::read(p).is_ok_and(|b| looks_like_flow(p, &b)))
        .collect()
}

/// Expands a glob: walks from its longest literal directory prefix and keeps the files
/// the whole pattern matches (`*` stays within one path component, `**` crosses them).
fn glob(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("{pattern}: not a valid pattern: {e}"))?
        .compile_matcher();
    let mut base = PathBuf::new();
    for part in Path::new(pattern).components() {
        if is_glob(&part.as_os_str().to_string_lossy()) {
            break;
        }
        base.push(part);
    }
    let root = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    Ok(walk(&root, Some(&matcher)))
}

/// `.json`, `.yaml`, `.yml`, and Architect exports (`.i3InboundFlow`, …).
pub fn flow_extension(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        e.eq_ignore_ascii_case("json")
            || e.eq_ignore_ascii_case("yaml")
            || e.eq_ignore_ascii_case("yml")
            || (e.len() > 2 && e.starts_with("i3"))
    })
}

/// The flow types an Archy file starts with (its top-level key), in lower case: Archy
/// writes them in camel case, and real files vary (`inqueueCall`, `inQueueCall`).
const ARCHY_FLOW_TYPES: &[&str] = &[
    "inboundcall",
    "inboundchat",
    "inboundemail",
    "inboundmessage",
    "inboundshortmessage",
    "inqueuecall",
    "inqueuechat",
    "inqueueemail",
    "inqueuemessage",
    "inqueueshortmessage",
    "outboundcall",
    "commonmodule",
    "workflow",
    "workitem",
    "bot",
    "botflow",
    "digitalbot",
    "digitalbotflow",
    "voicesurvey",
    "surveyinvite",
    "securecall",
    "voicemail",
    "voicemailflow",
];

/// Whether a walked file is a flow document: an Architect export, JSON with flowguard's
/// `nodes` or Architect's `flowSequenceItemList` / `initialSequence` / `__type`, or YAML
/// whose top-level key is an Archy flow type. So `package.json`, CI files and the like in
/// a flows tree are passed over.
pub fn looks_like_flow(p: &Path, bytes: &[u8]) -> bool {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.len() > 2 && ext.starts_with("i3") {
        return true;
    }
    if p.extension().is_none() {
        // No extension (README, LICENSE, scripts, ...): only an Architect export's content.
        return std::str::from_utf8(bytes)
            .is_ok_and(|t| flowguard_core::formats::export::sniff(t).is_some());
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        // Not text: named like a flow, so say what is wrong with it (FG001).
        return true;
    };
    if flowguard_core::formats::export::sniff(text).is_some() {
        return true;
    }
    if ext.eq_ignore_ascii_case("json") {
        return [
            "\"nodes\"",
            "\"flowSequenceItemList\"",
            "\"initialSequence\"",
            "\"__type\"",
        ]
        .iter()
        .any(|m| text.contains(m));
    }
    text.lines().any(|line| {
        let Some((key, _)) = line.split_once(':') else {
            return false;
        };
        let key = key
            .trim_end()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase();
        !line.starts_with([' ', '\t', '#', '-']) && ARCHY_FLOW_TYPES.contains(&key.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_flows_by_content() {
        let p = |s: &str| PathBuf::from(s);
        assert!(looks_like_flow(&p("a.json"), br#"{"nodes": {}}"#));
        assert!(looks_like_flow(
            &p("a.json"),
            br#"{"flowSequenceItemList": []}"#
        ));
        assert!(!looks_like_flow(&p("package.json"), br#"{"name": "x"}"#));
        assert!(looks_like_flow(&p("a.yaml"), b"inboundCall:\n  name: x\n"));
        assert!(!looks_like_flow(&p("ci.yml"), b"jobs:\n  build: {}\n"));
        assert!(looks_like_flow(&p("q.yaml"), b"inqueueCall:\n  name: x\n"));
        assert!(looks_like_flow(
            &p("b.yml"),
            b"# a bot\nbotFlow:\n  name: x\n"
        ));
        assert!(looks_like_flow(&p("Main.i3InboundFlow"), b"garbage"));
        // Without an extension only an export's content counts.
        assert!(!looks_like_flow(&p("LICENSE"), b"MIT License"));
        assert!(!looks_like_flow(&p("run"), &[0x7f, b'E', b'L', b'F', 0, 0]));
        assert!(!looks_like_flow(&p("notes"), b"inboundCall:\n  name: x\n"));
        assert!(looks_like_flow(
            &p("callFLow"),
            b"JTdCJTIybmFtZSUyMiUzQTElN0Q="
        ));
    }
}
