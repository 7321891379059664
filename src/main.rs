//! The `llmcost` binary: parse, run, and turn the result into an exit code. This is the only
//! place that prints errors.

use std::process::ExitCode;

use clap::Parser;
use llmcost::cli::{self, Cli};
use llmcost::cmd::EXIT_ERROR;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any parallel work, so it cannot fail: deep JSON needs more than the default stack.
    let _ = llmcost::ingest::limits::size_thread_stacks();
    match cli::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        // `llmcost report | head` closing the pipe early is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("llmcost: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
