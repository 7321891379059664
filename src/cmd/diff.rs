//! `llmcost diff BASE CURRENT`: compare two runs (logs or saved JSON reports) and hold the
//! current one to the policy. Exit 0 when every rule holds, 1 when one fails, 2 on error.

use anyhow::Result;

use super::args::{LogArgs, PolicyArgs};
use super::{write_stdout, Outcome};
use crate::gate::diff;
use crate::render::paint::Paint;
use crate::render::verdict::{self, Format};

const EXAMPLES: &str = "\
Each side is a log (file, directory, glob) priced like `llmcost report`, or a saved JSON
report (`llmcost report LOGS --format json > baseline.json`), told apart by content.

Examples:
  llmcost diff baseline.json run.jsonl                      terminal tables
  llmcost diff baseline.json run.jsonl --format md > comment.md
  llmcost diff baseline.json run.jsonl --max-increase 5% --noise 1%
  llmcost diff old/ new/ --max-increase 0.002               USD per job
  llmcost diff baseline.json run.jsonl --min-cache-hit-rate 'chat.*=60%' --forbid-model 'chat.*=*-opus*'
  llmcost diff baseline.json run.jsonl --policy ci/llmcost.toml --format github

Exit codes: 0 every rule holds, 1 a rule failed, 2 error.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The baseline: a saved JSON report, or a log file, directory or glob.
    #[arg(value_name = "BASE")]
    pub base: String,
    /// The run to check: a saved JSON report, or a log file, directory or glob.
    #[arg(value_name = "CURRENT")]
    pub current: String,
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
    let base = args.log.summary(std::slice::from_ref(&args.base))?;
    let current = args.log.summary(std::slice::from_ref(&args.current))?;
    let d = diff::compare(&base, &current, &policy);
    write_stdout(|out| verdict::diff(args.format, paint, &d, out))?;
    Ok(if d.failed > 0 { Outcome::CheckFailed } else { Outcome::Ok })
}
