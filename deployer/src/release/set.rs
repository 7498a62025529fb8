//! Reading the set: every document of a release (files named, directories walked with
//! [`crate::walk`]), its `{{placeholders}}` filled, validated, addressed by name and type.
//! Everything is read and checked before anything is written: a document that cannot be
//! read, a placeholder without a value, a value no document uses, a validation error, a
//! document that names no flow, or two documents for one flow are all reported together.

use std::path::PathBuf;

use flowguard_core::{CheckOptions, Options, Severity};

use crate::deploy::address::{self, Identity};
use crate::source::Source;
use crate::vars::Vars;

/// One document of the release.
#[derive(Clone, Debug)]
pub struct Member {
    pub path: PathBuf,
    /// The path as shown (as given, or the walked directory joined with it).
    pub display: String,
    pub source: Source,
    pub ident: Identity,
    /// Validation warnings (errors refuse the release).
    pub warnings: usize,
}

/// Why a set was refused: every problem found. `usage` when one of them is not a finding
/// in a document (a file that cannot be read, a missing or unused value): exit 2, as a
/// single deploy gives for those; findings alone give exit 1.
#[derive(Debug)]
pub struct Refusal {
    pub errors: Vec<String>,
    pub usage: bool,
}

/// The documents of `paths`, or every problem found (nothing is written either way).
pub fn read(paths: &[PathBuf], vars: &Vars, checks: &CheckOptions) -> Result<Vec<Member>, Refusal> {
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (inputs, mut errors) = crate::walk::collect(&args);
    let mut usage = !errors.is_empty();
    let mut members: Vec<Member> = Vec::new();
    for input in inputs {
        let Some(path) = input.path else {
            errors.push("a release is read from files, not standard input".into());
            usage = true;
            continue;
        };
        let shown = input.display;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{shown}: cannot read: {e}"));
                usage = true;
                continue;
            }
        };
        let filled = match vars.fill(&shown, &text) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                usage = true;
                continue;
            }
        };
        let filled_text = filled
            .as_ref()
            .map_or_else(|| text.clone(), |f| f.text.clone());
        let source = match Source::from_text(&shown, filled_text) {
            Ok(s) => s,
            Err(e) => {
                errors.push(e);
                usage = true;
                continue;
            }
        };
        let mut v = flowguard_core::validate(
            &source.text,
            &Options {
                checks: checks.clone(),
                ..Options::default()
            },
        );
        // Diagnostics point into the file as written, not the filled text.
        if let Some(f) = &filled {
            f.remap(&mut v, &text, flowguard_core::PositionEncoding::Utf8);
        }
        for d in v
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            let at = d
                .span
                .map(|s| format!(":{}:{}", s.line, s.column))
                .unwrap_or_default();
            errors.push(format!(
                "{shown}{at}: {} {} (run `flowguard validate` for details)",
                d.code.code(),
                d.message
            ));
        }
        let warnings = v
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        let ident = match address::identity(&source) {
            Ok(i) if !i.name.is_empty() && !i.flow_type.is_empty() => i,
            Ok(_) => {
                errors.push(format!(
                    "{shown}: the document names no flow (`name` and `type`, or the Archy flow type key and `name`): a release addresses every flow by its name and type"
                ));
                continue;
            }
            Err(e) => {
                errors.push(format!("{shown}: {e}"));
                continue;
            }
        };
        if let Some(other) = members.iter().find(|m| same_flow(&m.ident, &ident)) {
            errors.push(format!(
                "{shown} and {} are both the {} flow `{}`: a release deploys each flow once",
                other.display, ident.flow_type, ident.name
            ));
            continue;
        }
        members.push(Member {
            path,
            display: shown,
            source,
            ident,
            warnings,
        });
    }
    if members.is_empty() && errors.is_empty() {
        errors.push(format!("no flow documents in {}", args.join(", ")));
        usage = true;
    }
    if errors.is_empty()
        && let Err(e) = vars.check_unused()
    {
        errors.push(e);
        usage = true;
    }
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(Refusal { errors, usage })
    }
}

/// Flows are matched by name (case-insensitively, as the platform does) and type.
pub fn same_flow(a: &Identity, b: &Identity) -> bool {
    a.flow_type.eq_ignore_ascii_case(&b.flow_type) && a.name.eq_ignore_ascii_case(&b.name)
}
