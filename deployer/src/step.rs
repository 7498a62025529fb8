//! The steps of a deploy, as one type shared by the journal (which records a step before
//! the write it announces), the crash hooks of the tests (which fire after a step) and
//! `recover` (which reads the journal). No step is named by a free string anywhere else;
//! the names below are the journal's JSON and `FLOWGUARD_CRASH_AFTER`'s values.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    // Journal steps, recorded before the write they announce.
    /// The intent and the previous configuration (before anything is written).
    Intent,
    ForceUnlock,
    Checkout,
    SaveVersion,
    /// POST versions answered: the journal now holds our version (also a hook point).
    VersionSaved,
    Checkin,
    Relock,
    Publish,
    /// Published and verified (also a hook point).
    Verified,
    Undo,
    Rollback,
    NeedsAttention,
    RegisterJob,
    Upload,
    /// `POST /api/v2/flows` (a deploy by name whose flow is missing).
    CreateFlow,
    // Hook points, after a step happened.
    Validated,
    Journaled,
    CheckedOut,
    CheckedIn,
    Relocked,
    PublishRequested,
    Published,
    Audited,
    /// The flow was created (before the journal knows its id).
    Created,
    /// A step this version does not know (a journal written by another version).
    #[serde(other)]
    Other,
}

/// Where the tests' crash hooks can abort a deploy, in pipeline order.
pub const CRASH_POINTS: &[Step] = &[
    Step::Journaled,
    Step::CheckedOut,
    Step::VersionSaved,
    Step::CheckedIn,
    Step::Relocked,
    Step::PublishRequested,
    Step::Published,
    Step::Verified,
    Step::Audited,
];

const ALL: &[Step] = &[
    Step::Intent,
    Step::ForceUnlock,
    Step::Checkout,
    Step::SaveVersion,
    Step::VersionSaved,
    Step::Checkin,
    Step::Relock,
    Step::Publish,
    Step::Verified,
    Step::Undo,
    Step::Rollback,
    Step::NeedsAttention,
    Step::RegisterJob,
    Step::Upload,
    Step::CreateFlow,
    Step::Validated,
    Step::Journaled,
    Step::CheckedOut,
    Step::CheckedIn,
    Step::Relocked,
    Step::PublishRequested,
    Step::Published,
    Step::Audited,
    Step::Created,
];

impl Step {
    /// The step's name (journal JSON, `FLOWGUARD_CRASH_AFTER`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Intent => "intent",
            Self::ForceUnlock => "force-unlock",
            Self::Checkout => "checkout",
            Self::SaveVersion => "save-version",
            Self::VersionSaved => "version-saved",
            Self::Checkin => "checkin",
            Self::Relock => "relock",
            Self::Publish => "publish",
            Self::Verified => "verified",
            Self::Undo => "undo",
            Self::Rollback => "rollback",
            Self::NeedsAttention => "needs-attention",
            Self::RegisterJob => "register-job",
            Self::Upload => "upload",
            Self::CreateFlow => "create-flow",
            Self::Created => "created",
            Self::Validated => "validated",
            Self::Journaled => "journaled",
            Self::CheckedOut => "checked-out",
            Self::CheckedIn => "checked-in",
            Self::Relocked => "relocked",
            Self::PublishRequested => "publish-requested",
            Self::Published => "published",
            Self::Audited => "audited",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Step {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL.iter().copied().find(|x| x.name() == s).ok_or_else(|| {
            format!(
                "unknown step `{s}` (one of {})",
                ALL.iter().map(|x| x.name()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for s in ALL {
            let json = serde_json::to_string(s).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", s.name()));
            let back: Step = serde_json::from_str(&json).unwrap_or(Step::Other);
            assert_eq!(back, *s);
            assert_eq!(s.name().parse::<Step>(), Ok(*s));
        }
        let unknown: Step = serde_json::from_str("\"from-the-future\"").unwrap_or(Step::Intent);
        assert_eq!(unknown, Step::Other);
        assert!("nope".parse::<Step>().is_err());
    }
}
