//! The plan of a release and its three renderings: text for a terminal, Markdown for a
//! pull-request comment, JSON for tools (schema: `deployer/tests/schemas/plan.schema.json`).
//! Every list is sorted before it gets here ([`super::diff`]); flows come in deploy order.

use serde::Serialize;

use super::diff::{ConditionChange, FieldChange, GraphChanges};

/// The version of the JSON document's shape (`schema_version`).
pub const SCHEMA_VERSION: u32 = 1;

/// What deploying the document would do to its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The org has no flow of the document's name and type: deploying creates it.
    Created,
    Changed,
    Unchanged,
    /// The published flow could not be compared (no published version, a failed export).
    NotComparable,
    /// The org could not be asked (the flow is named ambiguously, the API failed).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Changed => "changed",
            Status::Unchanged => "unchanged",
            Status::NotComparable => "not comparable",
            Status::Error => "error",
        }
    }
}

/// One flow of the plan.
#[derive(Clone, Debug, Serialize)]
pub struct FlowPlan {
    /// The file, as given or found by walking.
    pub file: String,
    pub name: String,
    /// Upper case (`INBOUNDCALL`).
    #[serde(rename = "type")]
    pub flow_type: String,
    /// `None` when the flow does not exist yet, or could not be found.
    pub flow_id: Option<String>,
    pub published_version: Option<String>,
    /// The format both sides were compared in: `architect-json` or `archy-yaml`.
    pub format: &'static str,
    pub status: Status,
    /// One line: `1 node changed, 2 edges added`.
    pub summary: String,
    #[serde(flatten)]
    pub changes: GraphChanges,
    /// Content outside the routing graph differs (prompts, settings, variables, …).
    pub other_content_changed: bool,
    /// Why the flow is not comparable, or the error.
    pub reason: Option<String>,
}

impl FlowPlan {
    /// The one-line summary of the changes (counts per kind).
    pub fn summarize(&self) -> String {
        match self.status {
            Status::NotComparable | Status::Error => {
                return self.reason.clone().unwrap_or_default();
            }
            Status::Unchanged => return "no changes".into(),
            _ => {}
        }
        let c = &self.changes;
        let mut parts = Vec::new();
        let mut count = |n: usize, one: &str, many: &str, what: &str| {
            if n > 0 {
                parts.push(format!("{n} {} {what}", if n == 1 { one } else { many }));
            }
        };
        count(c.nodes.added.len(), "node", "nodes", "added");
        count(c.nodes.removed.len(), "node", "nodes", "removed");
        count(c.nodes.changed.len(), "node", "nodes", "changed");
        count(c.edges.added.len(), "edge", "edges", "added");
        count(c.edges.removed.len(), "edge", "edges", "removed");
        count(c.edges.changed.len(), "edge", "edges", "changed");
        count(c.conditions.added.len(), "condition", "conditions", "added");
        count(
            c.conditions.removed.len(),
            "condition",
            "conditions",
            "removed",
        );
        count(
            c.conditions.changed.len(),
            "condition",
            "conditions",
            "changed",
        );
        if c.start.is_some() && self.status != Status::Created {
            parts.push("start changed".into());
        }
        if c.entries.is_some() && self.status != Status::Created {
            parts.push("entries changed".into());
        }
        if self.other_content_changed {
            parts.push("content outside the routing graph changed".into());
        }
        if parts.is_empty() {
            "no changes".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Flows per status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub flows: usize,
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub not_comparable: usize,
    pub errors: usize,
}

/// The plan of every flow given.
#[derive(Clone, Debug, Serialize)]
pub struct ReleasePlan {
    pub command: &'static str,
    pub schema_version: u32,
    pub exit_code: u8,
    /// True when every flow is unchanged.
    pub no_changes: bool,
    /// `dependency` (the release's deploy order) or `files` (the order the files were given).
    pub order: &'static str,
    pub summary: String,
    pub totals: Totals,
    pub flows: Vec<FlowPlan>,
}

impl ReleasePlan {
    pub fn new(flows: Vec<FlowPlan>, order: &'static str, exit_code: u8) -> Self {
        let mut t = Totals {
            flows: flows.len(),
            ..Totals::default()
        };
        for f in &flows {
            match f.status {
                Status::Created => t.created += 1,
                Status::Changed => t.changed += 1,
                Status::Unchanged => t.unchanged += 1,
                Status::NotComparable => t.not_comparable += 1,
                Status::Error => t.errors += 1,
            }
        }
        let mut parts = Vec::new();
        for (n, w) in [
            (t.created, "created"),
            (t.changed, "changed"),
            (t.unchanged, "unchanged"),
            (t.not_comparable, "not comparable"),
            (t.errors, "failed"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {w}"));
            }
        }
        let summary = format!(
            "{} flow{}: {}",
            t.flows,
            if t.flows == 1 { "" } else { "s" },
            parts.join(", ")
        );
        ReleasePlan {
            command: "plan",
            schema_version: SCHEMA_VERSION,
            exit_code,
            no_changes: t.flows == t.unchanged,
            order,
            summary,
            totals: t,
            flows,
        }
    }

    fn order_text(&self) -> &'static str {
        match self.order {
            "dependency" => "in deploy order, dependencies first",
            _ => "in the order given",
        }
    }

    /// For a terminal: a header, then per flow its lines (`+`, `-`, `~`).
    pub fn text(&self) -> String {
        let mut t = format!("plan: {}\n", self.summary);
        if self.flows.len() > 1 {
            t.push_str(&format!("flows {}\n", self.order_text()));
        }
        for f in &self.flows {
            t.push_str(&format!(
                "\n{} flow `{}` ({}): {}\n  file {}",
                f.status.as_str(),
                f.name,
                f.flow_type,
                f.summary,
                f.file,
            ));
            if let Some(id) = &f.flow_id {
                t.push_str(&format!(
                    ", flow {id}, published {}",
                    f.published_version.as_deref().unwrap_or("none")
                ));
            }
            t.push('\n');
            if matches!(f.status, Status::NotComparable | Status::Error) {
                continue;
            }
            for l in lines(f) {
                t.push_str(&format!("  {l}\n"));
            }
        }
        t
    }

    /// For a pull-request comment: a summary table, then a section per flow with tables of
    /// nodes, edges and conditions, each cut at `max_rows` rows ("…and N more"), and flows
    /// past a total size GitHub still accepts listed in the summary only.
    pub fn markdown(&self, max_rows: usize) -> String {
        // GitHub refuses comments over 65,536 characters; leave room for the tail.
        const BUDGET: usize = 60_000;
        let mut m = String::from("## flowguard plan\n\n");
        m.push_str(&format!(
            "**{}**, {}\n\n",
            esc(&self.summary),
            self.order_text()
        ));
        m.push_str("| # | Flow | Type | File | Plan |\n|---:|---|---|---|---|\n");
        for (i, f) in self.flows.iter().enumerate() {
            // Half the budget at most for the table: the details need room too.
            if m.len() > BUDGET / 2 {
                m.push_str(&format!("| | …and {} more | | | |\n", self.flows.len() - i));
                break;
            }
            m.push_str(&format!(
                "| {} | {} | {} | {} | **{}**: {} |\n",
                i + 1,
                esc(&f.name),
                esc(&f.flow_type),
                esc(&f.file),
                f.status.as_str(),
                esc(&f.summary)
            ));
        }
        let mut left_out = 0;
        for (i, f) in self.flows.iter().enumerate() {
            if matches!(f.status, Status::Unchanged) {
                continue;
            }
            let section = flow_markdown(i + 1, f, max_rows);
            if m.len() + section.len() > BUDGET {
                left_out += 1;
                continue;
            }
            m.push_str(&section);
        }
        if left_out > 0 {
            m.push_str(&format!(
                "\n…and {left_out} more flow{} not shown in detail (the comment would be too long): run `flowguard plan --format json` for the full plan.\n",
                if left_out == 1 { "" } else { "s" }
            ));
        }
        m
    }
}

/// A flow's changes as `+`/`-`/`~` lines.
pub fn lines(f: &FlowPlan) -> Vec<String> {
    let c = &f.changes;
    let mut out = Vec::new();
    if let Some(s) = &c.start {
        out.push(format!("~ start: {}", field_text(s)));
    }
    if let Some(s) = &c.entries {
        out.push(format!("~ entries: {}", field_text(s)));
    }
    out.extend(
        c.nodes
            .added
            .iter()
            .map(|n| format!("+ node {} ({})", n.node, n.type_name)),
    );
    out.extend(
        c.nodes
            .removed
            .iter()
            .map(|n| format!("- node {} ({})", n.node, n.type_name)),
    );
    for n in &c.nodes.changed {
        for ch in &n.changes {
            out.push(format!(
                "~ node {}: {} {}",
                n.node,
                ch.field,
                field_text(ch)
            ));
        }
    }
    out.extend(
        c.edges
            .added
            .iter()
            .map(|e| format!("+ edge {} --{}--> {}", e.from, e.label, e.to)),
    );
    out.extend(
        c.edges
            .removed
            .iter()
            .map(|e| format!("- edge {} --{}--> {}", e.from, e.label, e.to)),
    );
    out.extend(c.edges.changed.iter().map(|e| {
        format!(
            "~ edge {} --{}--> {} (was {})",
            e.from, e.label, e.to, e.was
        )
    }));
    out.extend(c.conditions.added.iter().map(|x| {
        format!(
            "+ condition of {}: {} (priority {}) → {}",
            x.node, x.expression, x.priority, x.to
        )
    }));
    out.extend(c.conditions.removed.iter().map(|x| {
        format!(
            "- condition of {}: {} (priority {}) → {}",
            x.node, x.expression, x.priority, x.to
        )
    }));
    out.extend(c.conditions.changed.iter().map(|x| {
        format!(
            "~ condition of {}: {} (priority {}) → {} (was {})",
            x.node,
            x.expression,
            x.priority,
            x.to,
            condition_was(x)
        )
    }));
    if f.other_content_changed {
        out.push(
            "~ content outside the routing graph changed (prompts, settings, variables)".into(),
        );
    }
    out
}

fn field_text(f: &FieldChange) -> String {
    format!(
        "{} → {}",
        f.old.as_deref().unwrap_or("none"),
        f.new.as_deref().unwrap_or("none")
    )
}

/// Markdown text that shows `s` literally, in running text or a table cell: every ASCII
/// punctuation character that Markdown or GitHub gives a meaning is backslash-escaped,
/// `|` included (tables), and line breaks become spaces.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '<' | '>' | '#' | '+'
            | '-' | '.' | '!' | '|' | '~' | '&' | '@' | ':' | '=' | '^' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A table: header, rows (cut at `max_rows` with a last row saying how many were left out).
fn table(m: &mut String, title: &str, header: &[&str], rows: Vec<Vec<String>>, max_rows: usize) {
    if rows.is_empty() {
        return;
    }
    m.push_str(&format!("\n**{title}**\n\n| {} |\n|", header.join(" | ")));
    for _ in header {
        m.push_str("---|");
    }
    m.push('\n');
    let total = rows.len();
    for r in rows.into_iter().take(max_rows) {
        m.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    if total > max_rows {
        m.push_str(&format!(
            "| …and {} more |{}\n",
            total - max_rows,
            " |".repeat(header.len().saturating_sub(1))
        ));
    }
}

/// What a changed condition was: its old priority and/or old target, whichever changed.
fn condition_was(x: &ConditionChange) -> String {
    let mut parts = Vec::new();
    if x.was_priority.to_bits() != x.priority.to_bits() {
        parts.push(format!("priority {}", x.was_priority));
    }
    if x.was_to != x.to {
        parts.push(format!("to {}", x.was_to));
    }
    parts.join(", ")
}

fn flow_markdown(n: usize, f: &FlowPlan, max_rows: usize) -> String {
    let mut m = format!(
        "\n### {n}. {} ({}): {}\n\n",
        esc(&f.name),
        esc(&f.flow_type),
        f.status.as_str()
    );
    m.push_str(&format!("File {}", esc(&f.file)));
    if let Some(id) = &f.flow_id {
        m.push_str(&format!(
            " · flow {} · published version {}",
            esc(id),
            esc(f.published_version.as_deref().unwrap_or("none"))
        ));
    }
    m.push_str(&format!(" · compared as {}\n", esc(f.format)));
    if matches!(f.status, Status::NotComparable | Status::Error) {
        m.push_str(&format!(
            "\n{}\n",
            esc(f.reason.as_deref().unwrap_or_default())
        ));
        return m;
    }
    m.push_str(&format!("\n{}\n", esc(&f.summary)));
    let c = &f.changes;
    if let Some(s) = &c.start {
        m.push_str(&format!("\nStart: {}\n", esc(&field_text(s))));
    }
    if let Some(s) = &c.entries {
        m.push_str(&format!(
            "\nOther ways in (settings, states): {}\n",
            esc(&field_text(s))
        ));
    }
    let mut rows = Vec::new();
    for x in &c.nodes.added {
        rows.push(vec![
            "added".into(),
            esc(&x.node),
            esc(&x.type_name),
            String::new(),
        ]);
    }
    for x in &c.nodes.removed {
        rows.push(vec![
            "removed".into(),
            esc(&x.node),
            esc(&x.type_name),
            String::new(),
        ]);
    }
    for x in &c.nodes.changed {
        let what: Vec<String> = x
            .changes
            .iter()
            .map(|ch| format!("{}: {}", esc(&ch.field), esc(&field_text(ch))))
            .collect();
        rows.push(vec![
            "changed".into(),
            esc(&x.node),
            esc(&x.type_name),
            what.join("; "),
        ]);
    }
    table(
        &mut m,
        "Nodes",
        &["Change", "Node", "Type", "Details"],
        rows,
        max_rows,
    );
    let mut rows = Vec::new();
    for (kind, list) in [("added", &c.edges.added), ("removed", &c.edges.removed)] {
        for e in list {
            rows.push(vec![
                kind.into(),
                esc(&e.from),
                esc(&e.label),
                esc(&e.to),
                String::new(),
            ]);
        }
    }
    for e in &c.edges.changed {
        rows.push(vec![
            "changed".into(),
            esc(&e.from),
            esc(&e.label),
            esc(&e.to),
            esc(&e.was),
        ]);
    }
    table(
        &mut m,
        "Edges",
        &["Change", "From", "Label", "To", "Was"],
        rows,
        max_rows,
    );
    let mut rows = Vec::new();
    for (kind, list) in [
        ("added", &c.conditions.added),
        ("removed", &c.conditions.removed),
    ] {
        for x in list {
            rows.push(vec![
                kind.into(),
                esc(&x.node),
                esc(&x.expression),
                esc(&x.priority.to_string()),
                esc(&x.to),
                String::new(),
            ]);
        }
    }
    for x in &c.conditions.changed {
        rows.push(vec![
            "changed".into(),
            esc(&x.node),
            esc(&x.expression),
            esc(&x.priority.to_string()),
            esc(&x.to),
            esc(&condition_was(x)),
        ]);
    }
    table(
        &mut m,
        "Conditions",
        &["Change", "Decision", "Condition", "Priority", "To", "Was"],
        rows,
        max_rows,
    );
    if f.other_content_changed {
        m.push_str("\nContent outside the routing graph changed (prompts, settings, variables).\n");
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_literal_in_tables() {
        assert_eq!(esc("a|b"), "a\\|b");
        assert_eq!(esc("*x* [y](z)"), "\\*x\\* \\[y\\]\\(z\\)");
        assert_eq!(esc("line\nbreak"), "line break");
        assert_eq!(esc("<script>"), "\\<script\\>");
        assert_eq!(esc("Main › Play"), "Main › Play");
    }

    fn flow(rows: usize) -> FlowPlan {
        let mut changes = GraphChanges::default();
        for i in 0..rows {
            changes.nodes.added.push(super::super::diff::NodeRef {
                node: format!("n{i:04}"),
                type_name: "t".into(),
            });
        }
        FlowPlan {
            file: "f.yaml".into(),
            name: "F".into(),
            flow_type: "INBOUNDCALL".into(),
            flow_id: None,
            published_version: None,
            format: "archy-yaml",
            status: Status::Created,
            summary: String::new(),
            changes,
            other_content_changed: false,
            reason: None,
        }
    }

    #[test]
    fn markdown_cuts_long_tables_and_huge_plans() {
        let p = ReleasePlan::new(vec![flow(30)], "files", 0);
        let m = p.markdown(10);
        assert!(m.contains("| …and 20 more |"), "{m}");
        assert_eq!(m.matches("| added |").count(), 10);
        // Many big flows: the comment stays under GitHub's limit and says what it left out.
        let p = ReleasePlan::new((0..400).map(|_| flow(50)).collect(), "files", 0);
        let m = p.markdown(50);
        assert!(m.len() < 65_536, "{}", m.len());
        assert!(
            m.contains("more flows not shown in detail"),
            "{}",
            &m[m.len() - 300..]
        );
    }
}
