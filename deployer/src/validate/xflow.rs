//! The set check of `flowguard validate`: when several documents are validated together
//! (or with `--org`), the references between them (the core's `references::check_set`:
//! FG070–FG073), and with `--org` the flows they name outside the set looked up in the
//! org. The findings go into each file's validation before its settings apply.

use std::collections::{BTreeSet, HashMap};

use flowguard_core::references::{
    self, KnownFlow, ReadOptions, Resolution, SetDocument, SetOptions,
};
use flowguard_core::{Diagnostic, Options};

use super::{Args, Loaded, options_for};
use crate::{render, walk};

/// Each input's set findings (empty for one input without `--org`), positions in the text
/// validation reads; places in other files remapped through their own substitutions.
pub(super) fn findings(
    args: &Args,
    opts: &Options,
    inputs: &[walk::Input],
    loaded: &[Result<Loaded, String>],
) -> Result<Vec<Vec<Diagnostic>>, String> {
    let mut none = Vec::new();
    none.resize_with(inputs.len(), Vec::new);
    if inputs.len() < 2 && !args.org {
        return Ok(none);
    }
    // A file that cannot be read stays in the set as an empty, nameless document: a
    // reference may mean it, so nothing is reported missing for sure.
    let texts: Vec<std::borrow::Cow<'_, str>> = loaded
        .iter()
        .map(|l| {
            l.as_ref()
                .map_or(std::borrow::Cow::Borrowed(""), Loaded::text)
        })
        .collect();
    let docs: Vec<SetDocument<'_>> = inputs
        .iter()
        .zip(&texts)
        .map(|(input, text)| SetDocument {
            label: &input.display,
            text,
            format: options_for(opts, &input.display).format,
        })
        .collect();
    let known_flows = if args.org {
        Some(org_flows(args, opts, &docs)?)
    } else {
        None
    };

    let mut result = references::check_set(
        &docs,
        &SetOptions {
            position_encoding: render::ENCODING,
            max_bytes: opts.max_bytes,
            known_flows,
        },
    );
    // Places in another file are in its filled text: point them into the file.
    let by_label: HashMap<&str, usize> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (input.display.as_str(), i))
        .collect();
    for d in result.diagnostics.iter_mut().flatten() {
        for r in &mut d.related {
            let Some(j) = r
                .document()
                .and_then(|(label, _)| by_label.get(label).copied())
            else {
                continue;
            };
            let Ok(Loaded {
                bytes,
                filled: Some(f),
            }) = &loaded[j]
            else {
                continue;
            };
            let original = String::from_utf8_lossy(bytes);
            if flowguard_core::formats::export::sniff(&original).is_some() {
                continue; // an export's positions are in its decoded text
            }
            r.span = r.span.map(|s| f.remap_span(s, &original, render::ENCODING));
        }
    }
    Ok(result.diagnostics)
}

/// The org's flows the set names but does not hold: each name looked up
/// (`GET /api/v2/flows?name=`), each id-only target by id.
fn org_flows(
    args: &Args,
    opts: &Options,
    docs: &[SetDocument<'_>],
) -> Result<Vec<KnownFlow>, String> {
    let read: Vec<references::DocumentReferences> = docs
        .iter()
        .map(|d| {
            references::read(
                d.text,
                &ReadOptions {
                    format: d.format,
                    max_bytes: opts.max_bytes,
                    ..ReadOptions::default()
                },
            )
        })
        .collect();
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for r in read.iter().flat_map(|d| &d.references) {
        if !r.target.is_literal()
            || matches!(
                references::resolve_in_set(&read, &r.target),
                Resolution::InSet(_)
            )
        {
            continue;
        }
        match (&r.target.name, &r.target.id) {
            (Some(n), _) => {
                names.insert(n.trim().to_lowercase());
            }
            (None, Some(id)) => {
                ids.insert(id.clone());
            }
            (None, None) => {}
        }
    }
    if names.is_empty() && ids.is_empty() {
        return Ok(Vec::new());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = args.conn.client()?;
        let mut out = Vec::new();
        for name in &names {
            let found = client
                .find_flows_by_name(name)
                .await
                .map_err(|e| format!("cannot look the flow `{name}` up in the org: {e}"))?;
            out.extend(found.into_iter().map(|f| KnownFlow {
                name: f.name,
                flow_type: f.flow_type,
                id: Some(f.id),
            }));
        }
        for id in &ids {
            match client.get_flow(id).await {
                Ok(f) => out.push(KnownFlow {
                    name: f.name,
                    flow_type: f.flow_type,
                    id: Some(f.id),
                }),
                Err(e) if e.status == Some(404) => {}
                Err(e) => return Err(format!("cannot look the flow {id} up in the org: {e}")),
            }
        }
        Ok(out)
    })
}
