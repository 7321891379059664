//! Subcommands: each file owns its arguments, help examples and `run`, turns its flags into
//! pipeline options and wires the stages together. `Outcome` is how a command ends when it
//! did not fail; the terminal chores every command shares (stdout, progress) live here.

pub mod args;
pub mod budget;
pub mod check;
pub mod diff;
pub mod export;
pub mod formats;
pub mod pricing;
pub mod report;
pub mod savings;
pub mod sql;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;

use crate::ingest::source::is_gzip;
use crate::ingest::Source;
use crate::pipeline::{self, Loaded, Options};

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

/// Runs the pipeline up to the priced calls, with a progress bar on a terminal.
pub fn load_with_progress(opts: &Options, quiet: bool) -> Result<Loaded> {
    let plan = pipeline::resolve(opts)?;
    let progress = progress_bar(&plan.sources, quiet);
    let on_progress = |n: u64| progress.inc(n);
    let loaded = plan.load(Some(&on_progress))?;
    progress.finish_and_clear();
    Ok(loaded)
}

/// The run's start when `LLMCOST_NOW` fixes it (a date or RFC 3339 time): calls whose log
/// has no time are dated at the run's start, so tests and reproductions pin it.
pub fn fixed_now() -> Result<Option<i64>> {
    match std::env::var("LLMCOST_NOW") {
        Ok(t) => crate::time::parse_date(&t).map(Some).map_err(|e| e.context("LLMCOST_NOW")),
        Err(_) => Ok(None),
    }
}

/// Writes through a buffered stdout.
pub fn write_stdout(f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    f(&mut out)?;
    out.flush()?;
    Ok(())
}

/// A byte-progress bar on stderr, only for a terminal and only for inputs big enough to wait on.
fn progress_bar(sources: &[Source], quiet: bool) -> indicatif::ProgressBar {
    const WORTH_SHOWING: u64 = 64 << 20;
    let total: u64 = sources
        .iter()
        .map(|s| match s {
            Source::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            Source::Stdin => 0,
        })
        .sum();
    if quiet || total < WORTH_SHOWING || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    // Readers count decompressed bytes: against compressed sizes a bar would overflow, so
    // gzip inputs get a running count instead.
    if sources.iter().any(is_gzip) {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {bytes} decompressed, {bytes_per_sec}")
                .expect("valid template"),
        );
        return bar;
    }
    let bar = indicatif::ProgressBar::new(total);
    let style =
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .expect("valid template");
    bar.set_style(style);
    bar
}
