//! Top-level command-line types: `Cli`, the `Command` enum, and the argument groups several
//! subcommands share. Plain data; `cmd::*` resolves them into a plan.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cmd;

const ABOUT: &str = "Offline LLM cost analysis: price call logs against versioned pricing tables \
and see where the money goes.";

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 a policy or regression check failed, 2 error (bad arguments, unreadable \
input, --strict rejects, --unpriced error).

Examples:
  llmcost report fixtures/sample.jsonl
  llmcost report logs/ --format json > report.json
  llmcost report ~/.claude/projects                 Claude Code sessions, read natively
  llmcost formats
  llmcost diff baseline.json run.jsonl --max-increase 5% --format md
  llmcost check run.jsonl --policy llmcost.toml
  llmcost budget --budgets budgets.yaml logs/
  llmcost export logs/ --month 2026-10 --out review-2026-10/
  llmcost pricing list --model 'claude*' --as-of 2025-06-01";

#[derive(Debug, Parser)]
#[command(name = "llmcost", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Price every call in the logs and report totals and breakdowns.
    Report(cmd::report::Args),
    /// Inspect and validate the price tables.
    #[command(subcommand)]
    Pricing(cmd::pricing::PricingCommand),
    /// List the input formats, how they are detected and their token conventions.
    Formats,
    /// Compare two runs (logs or saved JSON reports) and check the policy: a CI cost gate.
    Diff(cmd::diff::Args),
    /// Check one run against the policy, without a baseline.
    Check(cmd::check::Args),
    /// Replay logs against budgets: alerts, hard stops, calls over the per-call limit.
    Budget(cmd::budget::Args),
    /// Write the monthly cost-review pack: summary.md, CSV, FOCUS, HTML with charts.
    Export(cmd::export::Args),
}

/// Which price tables to use.
#[derive(Debug, Clone, Args)]
pub struct PricingArgs {
    /// Extra price table (llmcost TOML, or LiteLLM's model_prices_and_context_window.json) or a
    /// directory of them; searched before the built-in tables. Repeatable.
    #[arg(long, value_name = "FILE|DIR")]
    pub pricing: Vec<PathBuf>,
    /// Use only the --pricing tables, not the built-in ones.
    #[arg(long)]
    pub no_builtin_pricing: bool,
}
