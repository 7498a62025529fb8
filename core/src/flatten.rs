//! The `flatten` entry point: a document's text in, the flattened document with its plan,
//! reports and certificate out. It sits above the analysis (it plans with
//! [`crate::decision`]) and the formats (their writers write the plan, and the Archy YAML
//! writer checks its output with the analysis this module hands it as a [`Recheck`]).

use crate::decision::{
    Certificate, DecisionCertificate, DecisionReport, DecisionStatus, FlattenOptions,
    FlattenOutcome, FlattenPlan, Planned, plan_flow, recertify,
};
use crate::diagnostic::{Severity, resolve};
use crate::formats::archy_writer::{self, Recheck};
use crate::formats::plan::FlattenedDecision;
use crate::formats::{self, ReadResult, architect, flow_json_writer};
use crate::model::{Flow, InputFormat};

/// Flattens every nested decision tree of a document and certifies the result.
///
/// Never fails: an unreadable input gives `document: None` and its read diagnostics; a
/// decision that cannot be flattened safely is left alone with FG046. The document is the
/// input with only the flattened decisions rewritten: in flow JSON the absorbed nodes are
/// deleted; in Archy YAML each tree becomes one `switch` (`crate::formats::archy_writer`);
/// Architect configuration JSON is patched where it can express the rewrite. A decision a
/// writer refuses stays as it was (FG046), and `certificate.all_applied_certified` says
/// whether every rewrite that was applied is certified.
pub fn flatten(text: &str, options: &FlattenOptions) -> FlattenOutcome {
    let read = formats::read(text, options.format);
    let format = read.flow.format;
    if read.fatal {
        return FlattenOutcome {
            format,
            document: None,
            plan: FlattenPlan::default(),
            reports: Vec::new(),
            diagnostics: resolve(read.diagnostics, text, options.position_encoding),
            certificate: Certificate::default(),
        };
    }
    let mut planned = plan_flow(&read.flow, options);
    let document = match format {
        InputFormat::Flow | InputFormat::Auto => {
            flow_json_writer::apply(&read.flow.tree, &planned.plan)
        }
        InputFormat::Architect => {
            // The configuration writer refuses what the undocumented format cannot express
            // faithfully; those decisions stay as they were and their reports say so.
            let written = architect::writer::write(text, &planned.plan);
            let refused: Vec<String> = written
                .diagnostics
                .iter()
                .filter_map(|d| d.node.clone())
                .collect();
            planned.diagnostics.extend(written.diagnostics);
            match written.text {
                Some(doc) if refused.is_empty() => doc,
                Some(_) | None => {
                    // Any refusal: write nothing rather than half a plan, so the document
                    // and the reports always agree.
                    let reason =
                        "writing it into Architect configuration JSON was refused (see FG046)";
                    mark_not_written(&mut planned, reason, &refused);
                    text.to_owned()
                }
            }
        }
        InputFormat::Archy => {
            // Decisions the YAML writer cannot write (or cannot certify once read back) stay
            // as they were; the others are written.
            let recheck = Rechecker {
                reports: &planned.reports,
                cap: options.max_combinations,
            };
            let written = archy_writer::write(text, &planned.plan, &recheck);
            planned.diagnostics.extend(written.diagnostics);
            for (id, why) in &written.refused {
                mark_refused(&mut planned, id, why);
            }
            written.text
        }
    };
    let all_applied_certified = all_certified(&planned.plan, &planned.certificates);
    // Read findings that are not fatal (duplicate keys, unknown types) are not repeated
    // here: `validate` reports them.
    FlattenOutcome {
        format,
        document: Some(document),
        plan: planned.plan,
        reports: planned.reports,
        diagnostics: resolve(planned.diagnostics, text, options.position_encoding),
        certificate: Certificate {
            all_applied_certified,
            decisions: planned.certificates,
        },
    }
}

/// Whether every decision the document was rewritten for has a certificate that holds.
fn all_certified(plan: &FlattenPlan, certificates: &[DecisionCertificate]) -> bool {
    plan.decisions.iter().all(|d| {
        certificates
            .iter()
            .any(|c| c.node_id == d.node_id && c.certified)
    })
}

/// Marks one planned decision as not written (its writer refused it): it leaves the plan,
/// and its report says why.
fn mark_refused(planned: &mut Planned, id: &str, why: &str) {
    planned.plan.decisions.retain(|d| d.node_id != id);
    for report in planned.reports.iter_mut().filter(|r| r.node_id == id) {
        report.status = DecisionStatus::NotFlattened;
        report.removed_nodes.clear();
        report.conditions_after = report.conditions_before;
        report.hops_removed = 0;
        report.expected_evaluations_after = report.expected_evaluations_before;
        report.reason = Some(format!("writing it into Archy YAML was refused: {why}"));
    }
}

/// Marks every planned decision as not written: the document is returned unchanged, so the
/// plan is emptied and the reports and certificates say why.
fn mark_not_written(planned: &mut Planned, reason: &str, refused: &[String]) {
    let planned_ids: Vec<String> = planned
        .plan
        .decisions
        .iter()
        .map(|d| d.node_id.clone())
        .collect();
    for report in &mut planned.reports {
        if planned_ids.contains(&report.node_id) {
            report.status = DecisionStatus::NotFlattened;
            report.removed_nodes.clear();
            report.conditions_after = report.conditions_before;
            report.hops_removed = 0;
            report.expected_evaluations_after = report.expected_evaluations_before;
            report.reason = Some(if refused.is_empty() || refused.contains(&report.node_id) {
                reason.to_owned()
            } else {
                "not written because another decision of this document was refused".to_owned()
            });
        }
    }
    planned.plan.decisions.clear();
}

/// The analysis the Archy YAML writer checks its output with (for callers of
/// [`archy_writer::write`] with a plan of their own): the graph checks for new errors, and
/// the certificate, within `cap` combinations, for every switch as read back. `reports`
/// name the decisions each tree absorbed.
pub fn recheck(reports: &[DecisionReport], cap: usize) -> impl Recheck + '_ {
    Rechecker { reports, cap }
}

struct Rechecker<'r> {
    reports: &'r [DecisionReport],
    cap: usize,
}

impl Recheck for Rechecker<'_> {
    fn error_counts(&self, read: &ReadResult) -> Vec<(&'static str, usize)> {
        let mut raw = Vec::new();
        crate::checks::run(
            &read.flow,
            &crate::checks::CheckOptions::default(),
            &mut raw,
        );
        raw.extend(read.diagnostics.iter().cloned());
        let mut out: Vec<(&'static str, usize)> = Vec::new();
        for d in raw.iter().filter(|d| d.severity == Severity::Error) {
            match out.iter_mut().find(|(c, _)| *c == d.code.code()) {
                Some((_, n)) => *n += 1,
                None => out.push((d.code.code(), 1)),
            }
        }
        out
    }

    fn inlined(&self, node_id: &str) -> &[String] {
        self.reports
            .iter()
            .find(|r| r.node_id == node_id)
            .map_or(&[][..], |r| r.inlined_nodes.as_slice())
    }

    fn certify(
        &self,
        original: &Flow,
        decision: &FlattenedDecision,
        inlined: &[String],
    ) -> Result<(), String> {
        let cert = recertify(original, decision, inlined, self.cap);
        if cert.certified {
            Ok(())
        } else {
            Err(format!(
                "the switch as read back could not be certified: {}",
                cert.reason.unwrap_or_default()
            ))
        }
    }
}
