//! flowguard: validate, flatten and deploy Genesys Cloud Architect flows.
//!
//! Exit codes (docs/deployer.md): 0 ok · 1 validation failed · 2 usage or IO ·
//! 3 conflict or lock · 4 deploy failed and rolled back · 5 rollback failed.

// ApiError carries method, path, code and correlation id on purpose; it is not hot.
#![allow(clippy::result_large_err)]

pub mod audit;
pub mod baseline;
pub mod ci;
pub mod commands;
pub mod config;
pub mod context;
pub mod deploy;
pub mod events;
pub mod exit;
pub mod fetch;
pub mod flatten;
pub mod genesys;
pub mod journal;
pub mod lockfile;
pub mod plan;
pub mod recover;
pub mod release;
pub mod render;
pub mod rules;
pub mod source;
pub mod step;
pub mod util;
pub mod validate;
pub mod vars;
pub mod verify;
pub mod walk;

#[cfg(feature = "demo")]
pub mod demo;

use clap::ValueEnum;

/// Exit code: the command did what was asked and found nothing blocking.
pub const EXIT_OK: u8 = 0;
/// Exit code: validation found errors (or warnings under --deny-warnings).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: bad usage, or a file could not be read or written, or the org could not be reached.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a lock or a concurrent change stopped the command; nothing of ours was left.
pub const EXIT_CONFLICT: u8 = 3;
/// Exit code: the deploy failed after writing, and the org was restored.
pub const EXIT_ROLLED_BACK: u8 = 4;
/// Exit code: the deploy failed and the org could not be restored.
pub const EXIT_ROLLBACK_FAILED: u8 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Auto,
    Flow,
    Archy,
    Architect,
}

impl From<InputFormatArg> for flowguard_core::InputFormat {
    fn from(a: InputFormatArg) -> Self {
        match a {
            InputFormatArg::Auto => flowguard_core::InputFormat::Auto,
            InputFormatArg::Flow => flowguard_core::InputFormat::Flow,
            InputFormatArg::Archy => flowguard_core::InputFormat::Archy,
            InputFormatArg::Architect => flowguard_core::InputFormat::Architect,
        }
    }
}
