//! `llmcost report`: read the logs, price every call, print totals and breakdowns.

use std::io::{IsTerminal, Write};

use anyhow::{bail, Context, Result};

use super::Outcome;
use crate::analyze::{self, dims::Dim, AnalysisPlan, Filter, Options, Section};
use crate::cli::PricingArgs;
use crate::ingest::mapping::Mapping;
use crate::ingest::{self, Format as InputFormat, IngestPlan, RunContext, Source};
use crate::normalize::StrCol;
use crate::price;
use crate::pricing::{load::parse_date, PriceBook};
use crate::render::{self, Format};

const EXAMPLES: &str = "\
Examples:
  llmcost report fixtures/sample.jsonl                 terminal tables, built-in prices
  llmcost report logs/ --format json > report.json     every *.jsonl/*.csv(.gz) under logs/
  llmcost report calls.csv --by route,model --top 20   one breakdown by route × model
  llmcost report logs/ --by team --by day              extra log fields work as dimensions
  zcat old.jsonl.gz | llmcost report -                 stdin
  llmcost report logs/ --since 2026-10-01 --until 2026-11-01 --filter environment=prod
  llmcost report logs/ --price-as-of 2025-06-01        what-if: every call at June 2025 prices
  llmcost report logs/ --pricing my-prices.toml        add or override prices

Dimensions: model provider requested_model route feature user environment job operation
status error_type finish_reason prompt_hash day, or any other field of the log.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Log files, directories (searched for *.jsonl, *.ndjson, *.csv and .gz), globs, or - for stdin.
    #[arg(required = true, value_name = "LOGS")]
    pub inputs: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    /// Break down by these dimensions; comma-separated dimensions form one combined breakdown.
    /// Repeatable. Default: model, provider, route, feature, user, environment, day.
    #[arg(long, value_name = "DIM[,DIM]")]
    pub by: Vec<String>,
    /// Rows per breakdown; the rest are summed in one "others" row. Default: 10 for table and
    /// md, all for json and csv. A breakdown by day alone is never cut.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Only calls at or after this time (YYYY-MM-DD or RFC 3339, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls before this time (YYYY-MM-DD or RFC 3339, UTC; exclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
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
    /// Only these sections (comma-separated): totals (the plain report), pareto, cache,
    /// retries, fallbacks, thresholds, jobs, duplicates, waste, environments, reconciliation.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SECTION[,SECTION]")]
    pub only: Vec<Section>,
    /// Pareto: report the smallest share of items that makes this share of cost.
    #[arg(long, value_name = "SHARE", default_value_t = 0.8)]
    pub pareto: f64,
    /// Storms: retries closer than this after an error have no backoff (e.g. 2s, 500ms).
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
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnpricedPolicy {
    Warn,
    Error,
}

/// The validated plan for one run.
struct Plan {
    sources: Vec<Source>,
    ingest: IngestPlan,
    analysis: AnalysisPlan,
    price_as_of: Option<(String, i64)>,
}

const DEFAULT_DIMS: [&str; 7] = ["model", "provider", "route", "feature", "user", "environment", "day"];

fn resolve(args: &Args) -> Result<Plan> {
    let mut extras = Vec::new();
    let specs: Vec<String> =
        if args.by.is_empty() { DEFAULT_DIMS.map(String::from).to_vec() } else { args.by.clone() };
    let breakdowns: Vec<Vec<Dim>> = specs
        .iter()
        .map(|spec| {
            spec.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|d| Dim::parse(d, &mut extras))
                .collect()
        })
        .collect();
    if breakdowns.iter().any(Vec::is_empty) {
        bail!("--by needs at least one dimension name");
    }
    let filters = args.filter.iter().map(|f| parse_filter(f, &mut extras)).collect::<Result<Vec<_>>>()?;
    let date = |flag: &str, v: &Option<String>| {
        v.as_deref().map(|d| parse_date(d).with_context(|| format!("--{flag}"))).transpose()
    };
    let mut keep = [false; StrCol::COUNT];
    keep[StrCol::Model as usize] = true;
    keep[StrCol::Provider as usize] = true;
    for dim in breakdowns.iter().flatten().chain(filters.iter().map(|f| &f.dim)) {
        if let Dim::Str(c) = dim {
            keep[*c as usize] = true;
        }
    }
    let sections: Vec<Section> = if args.only.is_empty() { Section::ALL.to_vec() } else { args.only.clone() };
    let group = if args.by.is_empty() { vec![Dim::Str(StrCol::Route)] } else { breakdowns[0].clone() };
    if sections.iter().any(|s| *s != Section::Totals) {
        for col in [
            StrCol::Route,
            StrCol::Operation,
            StrCol::Job,
            StrCol::PromptHash,
            StrCol::RequestedModel,
            StrCol::FinishReason,
            StrCol::Environment,
            StrCol::Status,
        ] {
            keep[col as usize] = true;
        }
        for dim in &group {
            if let Dim::Str(c) = dim {
                keep[*c as usize] = true;
            }
        }
    }
    let options = Options {
        pareto_share: fraction("pareto", args.pareto)?,
        storm_gap_ms: duration_ms("storm-gap", &args.storm_gap)?,
        runaway_attempts: args.runaway_attempts,
        duplicate_window_ms: duration_ms("duplicate-window", &args.duplicate_window)?,
        near_miss_band: fraction("near-miss", args.near_miss)?,
        job_outlier_factor: args.job_outlier,
        ..Options::default()
    };
    let top = args.top.or(match args.format {
        Format::Table | Format::Md => Some(10),
        Format::Json | Format::Csv => None,
    });
    let price_as_of = match &args.price_as_of {
        Some(d) => Some((d.clone(), parse_date(d).context("--price-as-of")?)),
        None => None,
    };
    let untimed_at = price_as_of.as_ref().map_or_else(|| chrono::Utc::now().timestamp_millis(), |p| p.1);
    Ok(Plan {
        sources: ingest::expand(&args.inputs)?,
        ingest: IngestPlan {
            extras,
            keep,
            strict: args.strict,
            format: args.input_format,
            mapping: args.mapping.as_deref().map(Mapping::load).transpose()?,
            untimed_at,
        },
        analysis: AnalysisPlan {
            sections,
            group,
            options,
            breakdowns,
            top,
            since: date("since", &args.since)?,
            until: date("until", &args.until)?,
            filters,
        },
        price_as_of,
    })
}

fn fraction(flag: &str, value: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&value) || value.is_nan() {
        bail!("--{flag} {value}: expected a fraction between 0 and 1");
    }
    Ok(value)
}

/// `90`, `90s`, `500ms`, `30m`, `1h` → milliseconds.
fn duration_ms(flag: &str, text: &str) -> Result<i64> {
    let t = text.trim();
    let (digits, unit_ms) = if let Some(d) = t.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = t.strip_suffix('s') {
        (d, 1_000)
    } else if let Some(d) = t.strip_suffix('m') {
        (d, 60_000)
    } else if let Some(d) = t.strip_suffix('h') {
        (d, 3_600_000)
    } else {
        (t, 1_000)
    };
    match digits.trim().parse::<f64>() {
        Ok(n) if n >= 0.0 => Ok((n * unit_ms as f64).round() as i64),
        _ => bail!("--{flag} {text:?}: expected a duration such as 90s, 500ms, 30m or 1h"),
    }
}

fn parse_filter(text: &str, extras: &mut Vec<String>) -> Result<Filter> {
    let (field, value, negate) = match text.split_once("!=") {
        Some((f, v)) => (f, v, true),
        None => match text.split_once('=') {
            Some((f, v)) => (f, v, false),
            None => bail!("--filter {text:?}: expected FIELD=VALUE or FIELD!=VALUE"),
        },
    };
    Ok(Filter { dim: Dim::parse(field.trim(), extras), value: value.to_string(), negate })
}

/// The pipeline up to the calls and their prices, shared by `report` and the commands built on
/// it (`diff`, `check`, `budget`).
pub struct Loaded {
    plan: Plan,
    pub book: PriceBook,
    pub batch: ingest::Batch,
    pricing_source: String,
}

/// Resolves the arguments, loads the price tables and reads the logs.
pub fn load(args: &Args) -> Result<Loaded> {
    let plan = resolve(args)?;
    let book = PriceBook::load(&args.pricing.pricing, !args.pricing.no_builtin_pricing)?;
    let progress = progress_bar(&plan.sources, args.quiet);
    let on_progress = |n: u64| progress.inc(n);
    let ctx = RunContext::new(&plan.ingest, Some(&on_progress));
    let batch = ingest::ingest(&plan.sources, &ctx)?;
    progress.finish_and_clear();
    Ok(Loaded { plan, book, batch, pricing_source: pricing_source(&args.pricing) })
}

impl Loaded {
    /// Every call priced at its own date, or at `--price-as-of`.
    pub fn price(&self) -> price::Priced<'_> {
        price::price_all(&self.batch.calls, &self.book, self.plan.price_as_of.as_ref().map(|p| p.1))
    }

    /// The report over the priced calls.
    pub fn report(&self, priced: &price::Priced<'_>) -> analyze::Report {
        let inputs = analyze::Inputs {
            calls: &self.batch.calls,
            priced,
            book: &self.book,
            names: self.plan.sources.iter().map(Source::name).collect(),
            lines: self.batch.lines,
            rejected: self.batch.rejects.clone(),
            untimed: self.batch.untimed,
            price_as_of: self.plan.price_as_of.as_ref().map(|p| p.0.clone()),
            pricing_source: self.pricing_source.clone(),
        };
        analyze::run(inputs, &self.plan.analysis)
    }

    /// The calls the report covers (after --since, --until and --filter).
    pub fn selection(&self) -> analyze::Selection {
        analyze::Selection::new(&self.batch.calls, &self.plan.analysis)
    }

    /// A dimension by name, when the run kept its column (any `--by` or `--filter` field).
    pub fn dim(&self, name: &str) -> Option<Dim> {
        let mut extras = self.plan.ingest.extras.clone();
        let dim = Dim::parse(name, &mut extras);
        (extras.len() == self.plan.ingest.extras.len()).then_some(dim)
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let loaded = load(&args)?;
    let priced = loaded.price();
    let report = loaded.report(&priced);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    render::renderer(args.format).render(&report, &mut out)?;
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
        bail!("{lost} have no price (--unpriced error): {}", models.join(", "));
    }
    Ok(Outcome::Ok)
}

fn pricing_source(args: &PricingArgs) -> String {
    let mut parts: Vec<String> = args.pricing.iter().map(|p| p.display().to_string()).collect();
    if !args.no_builtin_pricing {
        parts.push("built-in tables".to_string());
    }
    parts.join(" + ")
}

/// One line on stderr when something was left out, so a piped report does not hide it.
fn warn_about_losses(report: &analyze::Report) {
    let rejected = report.lines.rejected;
    if rejected > 0 {
        eprintln!("llmcost: warning: {rejected} lines rejected (listed in the report; --strict makes this an error)");
    }
    if let Some(lost) = render::unpriced_summary(report, "") {
        eprintln!("llmcost: warning: {lost} have no price and are not in the total (listed in the report)");
    }
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
    if sources.iter().any(crate::ingest::source::is_gzip) {
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
