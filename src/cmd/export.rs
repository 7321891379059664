//! `llmcost export LOGS --out DIR`: the monthly cost-review pack — summary.md, CSV tables,
//! focus.csv and report.html — from the same pipeline as `report`, written to a directory.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::args::{PricingArgs, ZoneArgs};
use super::{load_with_progress, Outcome};
use crate::analyze::review::period::{daily_stack, Comparison, DailyStack};
use crate::analyze::review::{focus, latency, per_call};
use crate::analyze::{spend, Section, Selection};
use crate::calls::Calls;
use crate::gate::view::read_saved;
use crate::money::Money;
use crate::pipeline::{Loaded, Options};
use crate::price::Priced;
use crate::render::export::{self, Export, Part};
use crate::time::{month_bounds, rfc3339, Zone};

const EXAMPLES: &str = "\
Examples:
  llmcost export logs/ --month 2026-10 --out review-2026-10/
  llmcost export logs/ --since 2026-10-01 --until 2026-10-15 --out half-month/
  llmcost export logs/ --month 2026-10 --previous sept.json --out review/   compare with a saved report
  llmcost export logs/ --month 2026-10 --format focus --out finops/        only focus.csv
  llmcost export logs/ --month 2026-10 --format focus --focus-account acme-prod --out finops/
  llmcost export logs/ --month 2026-10 --no-timestamp --out review/        byte-identical re-runs
  llmcost export logs/ --month 2026-10 --tz Europe/Berlin --out review/    the month and days in Berlin

Files: summary.md (md); by_feature, by_model, by_route, by_user, by_environment, by_provider,
by_day, cache, retries, fallbacks, thresholds, jobs .csv (csv); focus.csv (focus, FOCUS 1.2);
calls.parquet (parquet: every call, cost, tier, rates, flags);
report.html (html: tables and SVG charts in one file, no network, prints to PDF).
The month-over-month change needs the prior month in the logs, or --previous.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Log files, directories or globs.
    #[arg(required = true, value_name = "LOGS")]
    pub inputs: Vec<String>,
    /// Directory to write the files into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The calendar month to review (in --tz, UTC by default), e.g. 2026-10; instead of
    /// --since/--until.
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["since", "until"])]
    pub month: Option<String>,
    /// Only calls at or after this time (YYYY-MM-DD, midnight in --tz, or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls before this time (exclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// Files to write (comma-separated). Default: all.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PART[,PART]")]
    pub format: Vec<Part>,
    /// Leave out the generated-at line, so re-runs give byte-identical files.
    #[arg(long)]
    pub no_timestamp: bool,
    /// A saved JSON report (`report --format json`) of the previous period to compare with.
    #[arg(long, value_name = "REPORT.json")]
    pub previous: Option<PathBuf>,
    /// focus.csv's BillingAccountId and BillingAccountName (default: `unassigned`).
    #[arg(long, value_name = "ACCOUNT")]
    pub focus_account: Option<String>,
    /// The FOCUS specification version focus.csv conforms to.
    #[arg(long, value_enum, default_value = "1.2", value_name = "VERSION")]
    pub focus_version: FocusVersion,
    #[command(flatten)]
    pub pricing: PricingArgs,
    /// Fail (exit 2) at the first rejected line.
    #[arg(long)]
    pub strict: bool,
    /// Longest line read, in bytes: a longer line is rejected (and not held in memory).
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::limits::DEFAULT_MAX_LINE_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_line_bytes: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// FOCUS versions focus.csv can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FocusVersion {
    #[value(name = "1.2")]
    V1_2,
}

/// The breakdowns an export shows, each also written as by_<dim>.csv.
/// Route first: the leak analyses group by the first breakdown.
const DIMS: [&str; 7] = ["route", "feature", "model", "user", "environment", "provider", "day"];

/// The reviewed window and the one before it, as dates (`--month`, or `--since`/`--until`).
struct Window {
    since: Option<String>,
    until: Option<String>,
    previous: Option<(String, String, String)>,
}

fn window(args: &Args) -> Result<Window> {
    let zone = args.zone.tz;
    if let Some(month) = &args.month {
        let (since, until, prev) =
            month_bounds(month).with_context(|| format!("--month {month:?}: expected YYYY-MM"))?;
        let label = prev[..7].to_string();
        return Ok(Window {
            previous: Some((label, prev, since.clone())),
            since: Some(since),
            until: Some(until),
        });
    }
    let previous = match (&args.since, &args.until) {
        (Some(s), Some(u)) => {
            let (a, b) = (zone.parse_date(s).context("--since")?, zone.parse_date(u).context("--until")?);
            if b <= a {
                bail!("--until must be after --since");
            }
            let start = zone.rfc3339(a - (b - a));
            Some((format!("{start} → {s}"), start, s.clone()))
        }
        _ => None,
    };
    Ok(Window { since: args.since.clone(), until: args.until.clone(), previous })
}

pub fn run(args: Args) -> Result<Outcome> {
    let win = window(&args)?;
    let opts = Options {
        pricing: args.pricing.pricing.clone(),
        builtin_pricing: !args.pricing.no_builtin_pricing,
        since: win.since.clone(),
        until: win.until.clone(),
        by: DIMS.map(String::from).to_vec(),
        sections: Section::ALL.to_vec(),
        every_column: true,
        top: Some(10),
        strict: args.strict,
        max_line_bytes: args.max_line_bytes,
        tz: args.zone.tz,
        ..Options::new(args.inputs.clone())
    };
    let loaded = load_with_progress(&opts, args.quiet)?;
    let priced = loaded.price()?;
    let report = loaded.report(&priced);
    let sel = loaded.selection();
    let calls = &loaded.batch.calls;
    let tables = DIMS
        .iter()
        .filter_map(|d| {
            loaded.dim(d).map(|dim| (format!("by_{d}"), spend::breakdown(calls, &priced, &sel, &[dim], None)))
        })
        .collect();
    let latency = ["model", "route"]
        .iter()
        .filter_map(|d| loaded.dim(d).map(|dim| (d.to_string(), latency::by_dim(calls, &sel, &dim))))
        .collect();
    let current = (report.totals.sums.cost, report.totals.sums.calls);
    let comparison = match &args.previous {
        Some(path) => Some(from_saved(path, current)?),
        None => {
            win.previous.as_ref().and_then(|(label, s, u)| from_logs(&loaded, &priced, label, s, u, current))
        }
    };
    let parts = if args.format.is_empty() { Part::ALL.to_vec() } else { args.format.clone() };
    let retried =
        if parts.contains(&Part::Parquet) { retried_flags(&loaded, &priced, &sel) } else { Vec::new() };
    let export = Export {
        report: &report,
        tables,
        latency,
        comparison,
        focus: focus_rows(&args, calls, &priced, &sel),
        daily: daily(&loaded, &priced, &sel),
        calls: parts.contains(&Part::Parquet).then_some(export::parquet::CallsTable {
            calls,
            priced: &priced,
            sel: &sel,
            retried: &retried,
        }),
        generated_at: (!args.no_timestamp)
            .then(|| rfc3339(chrono::Utc::now().timestamp_millis() / 1000 * 1000)),
    };
    let written = export::write_all(&args.out, &export, &parts)?;
    eprintln!("llmcost: wrote {} files to {}", written.len(), args.out.display());
    Ok(Outcome::Ok)
}

/// The FOCUS rows, under `--focus-account` when given (FOCUS 1.2, the only version yet).
fn focus_rows(args: &Args, calls: &Calls, priced: &Priced, sel: &Selection) -> Vec<focus::FocusRow> {
    let FocusVersion::V1_2 = args.focus_version;
    let mut rows = focus::rows(calls, priced, sel);
    for row in &mut rows {
        row.account = args.focus_account.clone();
    }
    rows
}

/// Daily spend of the 6 costliest models (the rest summed), for the HTML chart.
fn daily(loaded: &Loaded, priced: &Priced, sel: &Selection) -> Option<DailyStack> {
    let dims = [loaded.dim("day")?, loaded.dim("model")?];
    Some(daily_stack(&spend::breakdown(&loaded.batch.calls, priced, sel, &dims, None), 6, loaded.zone()))
}

/// Per row: a later attempt of its operation followed (operations grouped by route, as in the report).
fn retried_flags(loaded: &Loaded, priced: &Priced, sel: &Selection) -> Vec<bool> {
    let route: Vec<_> = loaded.dim("route").into_iter().collect();
    per_call::retried_in(&loaded.batch.calls, priced, &loaded.book, sel, &route)
}

/// The previous period from the same logs, when they hold any call in it.
fn from_logs(
    loaded: &Loaded,
    priced: &Priced,
    label: &str,
    since: &str,
    until: &str,
    current: (Money, u64),
) -> Option<Comparison> {
    let zone: Zone = loaded.zone();
    let sel = loaded.window(zone.parse_date(since).ok(), zone.parse_date(until).ok());
    if sel.is_empty() {
        return None;
    }
    let t = spend::totals(&loaded.batch.calls, priced, &sel);
    Some(Comparison::new(label.to_string(), (t.sums.cost, t.sums.calls), current))
}

/// The previous period from a saved JSON report's totals.
fn from_saved(path: &Path, current: (Money, u64)) -> Result<Comparison> {
    let view = read_saved(path)?
        .with_context(|| format!("--previous {}: not a saved JSON report", path.display()))?;
    let totals = view.totals.unwrap_or_default();
    let cost = totals.cost_usd_exact.context("--previous: no totals.cost_usd_exact")?;
    let calls = totals.calls.context("--previous: no totals.calls")?;
    let label =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok(Comparison::new(label, (Money::parse(&cost)?, calls), current))
}
