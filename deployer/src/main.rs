//! `flowguard`: validate, flatten and deploy Genesys Cloud Architect flows.
//!
//! Exit codes (documented in the README):
//! 0 success · 1 validation found errors (or warnings under --deny-warnings) ·
//! 2 usage or IO error.

mod render;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code: the command did what was asked and found nothing blocking.
pub const EXIT_OK: u8 = 0;
/// Exit code: validation found errors (or warnings under --deny-warnings).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: bad usage, or a file could not be read or written.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "flowguard",
    version,
    about = "Catch routing loops and dead decision logic in IVR flows before callers do, and deploy them safely",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

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

#[derive(Subcommand, Debug)]
enum Command {
    /// Check flow documents for routing loops, traps, dead ends, depth and decision logic.
    Validate(validate::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Validate(args) => validate::run(&args),
    };
    ExitCode::from(code)
}
