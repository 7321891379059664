//! Top-level command-line types, `Cli` and the `Command` enum, and the dispatch to each
//! subcommand's `run`. Plain data; `cmd::*` resolves its flags into pipeline options, and
//! the argument groups several subcommands share live in `cmd::args`.

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::cmd::{self, Outcome};

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
  llmcost savings logs/ --model-map 'chat.*=gpt-4o-mini'
  llmcost export logs/ --month 2026-10 --out review-2026-10/
  llmcost pricing list --model 'claude*' --as-of 2025-06-01
  llmcost sql --dialect duckdb --table calls > report.sql";

#[derive(Debug, Parser)]
#[command(name = "llmcost", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub color: cmd::args::ColorArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Price every call in the logs and report totals and breakdowns.
    Report(cmd::report::Args),
    /// What each fix would save on these calls: lever by lever, and combined.
    Savings(cmd::savings::Args),
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
    /// Print the report as one SQL statement for DuckDB, Postgres, Spark, BigQuery or Snowflake.
    Sql(cmd::sql::Args),
}

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<Outcome> {
    let paint = cli.color.paint();
    match cli.command {
        Command::Report(args) => cmd::report::run(args, paint),
        Command::Savings(args) => cmd::savings::run(args, paint),
        Command::Pricing(command) => cmd::pricing::run(command),
        Command::Formats => cmd::formats::run(),
        Command::Diff(args) => cmd::diff::run(args, paint),
        Command::Check(args) => cmd::check::run(args, paint),
        Command::Budget(args) => cmd::budget::run(args, paint),
        Command::Export(args) => cmd::export::run(args),
        Command::Sql(args) => cmd::sql::run(args),
    }
}
