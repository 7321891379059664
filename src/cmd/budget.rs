//! `llmcost budget --budgets FILE LOGS`: replay the logs in time order against the budgets
//! and report spend, alerts, hard stops and calls over the per-call limit. Exit 1 when a hard
//! stop would have fired.

use anyhow::Result;

use super::args::LogArgs;
use super::{load_with_progress, write_stdout, Outcome};
use crate::analyze::Section;
use crate::gate::budget;
use crate::render::paint::Paint;
use crate::render::verdict::{self, Format};

const EXAMPLES: &str = "\
Budgets file (YAML; TOML when it ends in .toml), see README \"Budgets\":
  budgets:
    - name: chat-prod
      match: {route: \"chat.*\", environment: prod}
      daily_limit_usd: 1200
      hourly_limit_usd: 100
      per_call_limit_usd: 0.05
      alert_at_pct: [50, 80, 95]
      hard_stop_at_pct: 100

Examples:
  llmcost budget --budgets budgets.yaml logs/
  llmcost budget --budgets budgets.yaml logs/ --since 2026-10-01 --until 2026-11-01
  llmcost budget --budgets budgets.yaml today.jsonl --format github     in CI or cron
  llmcost budget --budgets budgets.yaml logs/ --tz America/New_York     days and hours in New York

Exit codes: 0 no hard stop would have fired, 1 one would have, 2 error.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The budgets file.
    #[arg(long, value_name = "FILE")]
    pub budgets: std::path::PathBuf,
    /// Log files, directories or globs.
    #[arg(required = true, value_name = "LOGS")]
    pub inputs: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn run(args: Args, paint: Paint) -> Result<Outcome> {
    let budgets = budget::load(&args.budgets)?;
    let fields = budget::fields(&budgets);
    let mut by: Vec<&str> = vec!["route", "model"];
    by.extend(fields.iter().map(String::as_str));
    let loaded =
        load_with_progress(&args.log.options(&args.inputs, &[Section::Totals], &by)?, args.log.quiet)?;
    let priced = loaded.price()?;
    let result =
        budget::replay(&budgets, &loaded.batch.calls, &priced, &loaded.selection(), loaded.zone(), |f| {
            loaded.dim(f)
        })?;
    write_stdout(|out| verdict::budget(args.format, paint, &result, out))?;
    Ok(if result.hard_stops > 0 { Outcome::CheckFailed } else { Outcome::Ok })
}
