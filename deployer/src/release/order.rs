//! Ordering: the dependency graph of the release from the references between its
//! documents (`flowguard_core::references`: Transfer to Flow, Call Common Module, Call
//! Bot Flow, in-queue flow overrides, …, matched by name and type), as strongly
//! connected groups, dependencies first. A group whose members reference each other
//! (a cycle, or a flow that names itself) is `cyclic`: its flows must all exist before
//! any of them is published, which phase one guarantees for every flow of the release.

use flowguard_core::references::{self, DependencyGroup, DocumentReferences, Resolution};
use serde::Serialize;

use super::set::Member;

/// One group of the order, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Flow names, in deploy order.
    pub flows: Vec<String>,
    pub cyclic: bool,
}

/// The deploy order: member indexes (dependencies first) and the groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub sequence: Vec<usize>,
    pub groups: Vec<DependencyGroup>,
    /// For each member, the members it references (in the set).
    pub depends_on: Vec<Vec<usize>>,
}

impl Order {
    pub fn of(members: &[Member]) -> Self {
        let docs: Vec<DocumentReferences> = members
            .iter()
            .map(|m| references::references(&m.source.text))
            .collect();
        let groups = references::dependency_order(&docs);
        let sequence = groups
            .iter()
            .flat_map(|g| g.members.iter().copied())
            .collect();
        let depends_on = docs
            .iter()
            .map(|d| {
                let mut v: Vec<usize> = d
                    .references
                    .iter()
                    .filter_map(|r| match references::resolve_in_set(&docs, &r.target) {
                        Resolution::InSet(j) => Some(j),
                        _ => None,
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        Self {
            sequence,
            groups,
            depends_on,
        }
    }

    /// The groups by flow name, for the report.
    pub fn named(&self, members: &[Member]) -> Vec<Group> {
        self.groups
            .iter()
            .map(|g| Group {
                flows: g
                    .members
                    .iter()
                    .filter_map(|&i| members.get(i).map(|m| m.ident.name.clone()))
                    .collect(),
                cyclic: g.cyclic,
            })
            .collect()
    }

    /// Whether member `i` is in a cyclic group.
    pub fn in_cycle(&self, i: usize) -> bool {
        self.groups
            .iter()
            .any(|g| g.cyclic && g.members.contains(&i))
    }
}
