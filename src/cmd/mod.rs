//! Subcommands: each file owns its arguments, help examples and `run`, and only wires the
//! pipeline stages together. `Outcome` is how a command ends when it did not fail.

pub mod budget;
pub mod check;
pub mod diff;
pub mod export;
pub mod formats;
pub mod pricing;
pub mod report;
pub mod runs;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// How a command that ran to the end turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: a policy or regression check failed (the command itself worked).
    CheckFailed,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::CheckFailed => ExitCode::from(1),
        }
    }
}

/// Exit code for errors (bad arguments, unreadable input, --strict, --unpriced error).
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Report(args) => report::run(args),
        Command::Pricing(command) => pricing::run(command),
        Command::Formats => formats::run(),
        Command::Diff(args) => diff::run(args),
        Command::Check(args) => check::run(args),
        Command::Budget(args) => budget::run(args),
        Command::Export(args) => export::run(args),
    }
}
