//! `llmcost report`: read the logs, price every call, print totals and breakdowns.

use std::io::Write;

use anyhow::{bail, Result};

use super::args::{PricingArgs, ZoneArgs};
use super::Outcome;
use crate::analyze::{self, Section};
use crate::ingest::Format as InputFormat;
use crate::pipeline::Options;
use crate::render::paint::Paint;
use crate::render::{self, Format};

const EXAMPLES: &str = "\
Examples:
  llmcost report fixtures/sample.jsonl                 terminal tables, built-in prices
  llmcost report logs/ --format json > report.json     every *.jsonl/*.csv(.gz) under logs/
  llmcost report calls.csv --by route,model --top 20   one breakdown by route × model
  llmcost report logs/ --by team --by day              extra log fields work as dimensions
  llmcost report logs/ --by hour --tz Europe/Berlin    hours (and days) in a time zone
  zcat old.jsonl.gz | llmcost report -                 stdin
  llmcost report logs/ --since 2026-10-01 --until 2026-11-01 --filter environment=prod
  llmcost report logs/ --price-as-of 2025-06-01        what-if: every call at June 2025 prices
  llmcost report logs/ --pricing my-prices.toml        add or override prices

Dimensions: model provider requested_model logged_model route feature user environment job
operation status error_type finish_reason prompt_hash day hour, or any other field of the log.
model is the model a name resolves to in the price tables (openai/gpt-4o, gpt-4o and its
dated snapshots are one model); logged_model the name as logged.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Log files, directories (searched for *.jsonl, *.ndjson, *.csv and .gz), globs, or - for stdin.
    #[arg(required = true, value_name = "LOGS")]
    pub inputs: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    /// How much table and md show: the headline, breakdowns by model and route and the sections
    /// that found a leak (default), or everything (full). JSON and CSV always hold everything.
    #[arg(long, value_enum, default_value = "default")]
    pub detail: Detail,
    /// Break down by these dimensions; comma-separated dimensions form one combined breakdown.
    /// Repeatable. Default: model, provider, route, feature, user, environment, day.
    #[arg(long, value_name = "DIM[,DIM]")]
    pub by: Vec<String>,
    /// Rows per breakdown; the rest are summed in one "others" row. Default: 10 for table and
    /// md, all for json and csv. A breakdown by day or hour alone is never cut.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Only calls at or after this time (YYYY-MM-DD, midnight in --tz, or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls before this time (YYYY-MM-DD or RFC 3339; exclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// Only calls whose FIELD equals (=) or differs from (!=) VALUE. Repeatable; all must hold.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub filter: Vec<String>,
    #[command(flatten)]
    pub pricing: PricingArgs,
    /// Price every call at this date instead of its own (what-if).
    #[arg(long, value_name = "DATE")]
    pub price_as_of: Option<String>,
    /// What to do with calls whose model has no price: list them (warn) or fail (error, exit 2).
    #[arg(long, value_enum, default_value = "warn")]
    pub unpriced: UnpricedPolicy,
    /// Only these sections (comma-separated); totals is the plain report (totals, breakdowns,
    /// unpriced models), the others are the leak analyses.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SECTION[,SECTION]")]
    pub only: Vec<Section>,
    /// Pareto: report the smallest share of items that makes this share of cost.
    #[arg(long, value_name = "SHARE", default_value_t = 0.8)]
    pub pareto: f64,
    /// Retry runs: retries closer than this after an error have no backoff (e.g. 2s, 500ms).
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub storm_gap: String,
    /// Runaway: operations with more attempts than this are listed.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runaway_attempts: u32,
    /// Duplicates: the same prompt_hash, route and model again within this window.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub duplicate_window: String,
    /// Thresholds: the near-miss band above a long-context threshold, as a fraction.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.10)]
    pub near_miss: f64,
    /// Jobs: list jobs costing more than this many times their route's median.
    #[arg(long, value_name = "FACTOR", default_value_t = 3.0)]
    pub job_outlier: f64,
    /// Fail (exit 2) at the first rejected line instead of counting it.
    #[arg(long)]
    pub strict: bool,
    /// Input format, instead of detecting it from the file name or content.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Read every input through this mapping file (docs/mapping-format.md): paths of the
    /// canonical fields in any JSONL or CSV log, constants, token convention, time format.
    #[arg(long, value_name = "FILE", conflicts_with = "input_format")]
    pub mapping: Option<std::path::PathBuf>,
    /// Longest line read, in bytes: a longer line is rejected (and not held in memory).
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::limits::DEFAULT_MAX_LINE_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_line_bytes: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Detail {
    Default,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnpricedPolicy {
    Warn,
    Error,
}

impl Args {
    /// The pipeline's options for these flags.
    pub fn options(&self) -> Result<Options> {
        Ok(Options {
            inputs: self.inputs.clone(),
            pricing: self.pricing.pricing.clone(),
            builtin_pricing: !self.pricing.no_builtin_pricing,
            price_as_of: self.price_as_of.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
            filters: self.filter.clone(),
            by: self.by.clone(),
            sections: self.only.clone(),
            top: self.top.or(match self.format {
                Format::Table | Format::Md => Some(10),
                Format::Json | Format::Csv => None,
            }),
            pareto_share: self.pareto,
            storm_gap: self.storm_gap.clone(),
            runaway_attempts: self.runaway_attempts,
            duplicate_window: self.duplicate_window.clone(),
            near_miss: self.near_miss,
            job_outlier: self.job_outlier,
            savings: Default::default(),
            strict: self.strict,
            input_format: self.input_format,
            mapping: self.mapping.clone(),
            max_line_bytes: self.max_line_bytes,
            prune: true,
            every_column: false,
            now_ms: super::fixed_now()?,
            tz: self.zone.tz,
        })
    }
}

pub fn run(args: Args, paint: Paint) -> Result<Outcome> {
    let loaded = super::load_with_progress(&args.options()?, args.quiet)?;
    let priced = loaded.price()?;
    let mut report = loaded.report(&priced);
    if args.detail == Detail::Default && matches!(args.format, Format::Table | Format::Md) {
        report.trim_to_default(!args.by.is_empty(), !args.only.is_empty());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    render::renderer(args.format, paint).render(&report, &mut out)?;
    out.flush()?;
    warn_about_losses(&report);
    // The list, not the call count: a usage bucket without a request count is 0 calls.
    if let Some(lost) =
        render::unpriced_summary(&report, "").filter(|_| args.unpriced == UnpricedPolicy::Error)
    {
        let models: Vec<String> = report
            .unpriced
            .iter()
            .map(|u| format!("{} ({})", u.model, render::calls_and_rows(u.calls, u.aggregate_rows, "")))
            .collect();
        bail!("{lost} {} no price (--unpriced error): {}", render::have(&lost), models.join(", "));
    }
    Ok(Outcome::Ok)
}

/// One line on stderr when something was left out, so a piped report does not hide it.
fn warn_about_losses(report: &analyze::Report) {
    let rejected = report.lines.rejected;
    if rejected > 0 {
        eprintln!("llmcost: warning: {rejected} lines rejected (listed in the report; --strict makes this an error)");
    }
    if let Some(lost) = render::unpriced_summary(report, "") {
        let have = render::have(&lost);
        eprintln!("llmcost: warning: {lost} {have} no price, left out of the total (listed in the report)");
    }
}
