//! `llmcost check RUN`: hold one run (logs or a saved JSON report) to the policy, without a
//! baseline. Exit 0 when every rule holds, 1 when one fails, 2 on error.

use anyhow::Result;

use super::args::{LogArgs, PolicyArgs};
use super::{write_stdout, Outcome};
use crate::gate::Check;
use crate::render::paint::Paint;
use crate::render::verdict::{self, Format};

const EXAMPLES: &str = "\
The same rules as `llmcost diff`, except --max-increase, which needs a baseline.

Examples:
  llmcost check run.jsonl --max-cost-per-job 0.05
  llmcost check logs/ --min-cache-hit-rate 50% --max-retry-multiplier 1.3 --max-fallback-rate 5%
  llmcost check run.jsonl --max-cost-per-job 'chat.*=0.01' --forbid-model '*=*-preview*'
  llmcost check report.json --policy llmcost.toml --format github
  llmcost check run.jsonl --max-unpriced 10 --format md > comment.md

Exit codes: 0 every rule holds, 1 a rule failed, 2 error.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A saved JSON report, or log files, directories or globs.
    #[arg(required = true, value_name = "RUN")]
    pub inputs: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

pub fn run(args: Args, paint: Paint) -> Result<Outcome> {
    let policy = args.policy.policy()?;
    let summary = args.log.summary(&args.inputs)?;
    let check = Check::new(&summary, &policy);
    write_stdout(|out| verdict::check(args.format, paint, &check, out))?;
    Ok(if check.failed > 0 { Outcome::CheckFailed } else { Outcome::Ok })
}
