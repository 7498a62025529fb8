//! Exit codes as types. Every way a command ends maps to exactly one documented code
//! (README "Exit codes", docs/deployer.md): deploy outcomes through [`Exit`], failures of
//! the other org commands through [`CommandError`].

use std::fmt;

use crate::genesys::ApiError;
use crate::{
    EXIT_CONFLICT, EXIT_FINDINGS, EXIT_OK, EXIT_ROLLBACK_FAILED, EXIT_ROLLED_BACK, EXIT_USAGE,
};

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done (deployed, no change, dry run, restored, audit intact).
    Ok,
    /// 1: validation found errors.
    Findings,
    /// 2: usage or IO: bad arguments, unreadable file, unreachable org, bad credentials,
    /// missing permission.
    Usage,
    /// 3: a lock or a concurrent change; nothing of ours left.
    Conflict,
    /// 4: failed after writing; the org was restored.
    RolledBack,
    /// 5: failed and the org could not be restored: look at it, run `recover`.
    RollbackFailed,
}

impl Exit {
    pub const fn code(self) -> u8 {
        match self {
            Self::Ok => EXIT_OK,
            Self::Findings => EXIT_FINDINGS,
            Self::Usage => EXIT_USAGE,
            Self::Conflict => EXIT_CONFLICT,
            Self::RolledBack => EXIT_ROLLED_BACK,
            Self::RollbackFailed => EXIT_ROLLBACK_FAILED,
        }
    }
}

/// An API error's exit code: a 409 (lock, running operation) is a conflict; anything
/// else the org answered or did not (401, 403, 404, 5xx, no answer) is exit 2.
impl From<&ApiError> for Exit {
    fn from(e: &ApiError) -> Self {
        if e.is_conflict() {
            Self::Conflict
        } else {
            Self::Usage
        }
    }
}

/// Why an org command (fetch, plan, rollback's lookups) could not do its work.
#[derive(Clone, Debug)]
pub enum CommandError {
    /// Bad arguments or input (no such flow name, several flows with it, ...).
    Usage(String),
    /// The org answered with an error or could not be reached.
    Api(ApiError),
}

impl CommandError {
    pub fn exit(&self) -> Exit {
        match self {
            Self::Usage(_) => Exit::Usage,
            Self::Api(e) => Exit::from(e),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) => f.write_str(m),
            Self::Api(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CommandError {}

impl From<ApiError> for CommandError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::ErrorKind;

    fn api(status: Option<u16>) -> ApiError {
        ApiError {
            kind: if status.is_some() {
                ErrorKind::Http
            } else {
                ErrorKind::Network
            },
            status,
            code: None,
            message: String::new(),
            correlation_id: None,
            method: "GET".into(),
            path: "/api/v2/flows/x".into(),
        }
    }

    #[test]
    fn api_errors_map_to_documented_codes() {
        assert_eq!(Exit::from(&api(Some(409))).code(), 3);
        for s in [Some(401), Some(403), Some(404), Some(503), None] {
            assert_eq!(Exit::from(&api(s)).code(), 2, "{s:?}");
        }
        assert_eq!(CommandError::Usage("x".into()).exit(), Exit::Usage);
        assert_eq!(
            [
                Exit::Ok,
                Exit::Findings,
                Exit::Usage,
                Exit::Conflict,
                Exit::RolledBack,
                Exit::RollbackFailed
            ]
            .map(Exit::code),
            [0, 1, 2, 3, 4, 5]
        );
    }
}
