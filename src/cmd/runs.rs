//! Shared by `diff`, `check` and `budget`: how a run is read (a saved JSON report, or logs
//! run through the same pipeline as `report`), the policy flags, and writing a verdict.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use clap::{Parser, ValueEnum};

use super::report;
use crate::analyze::policy::Policy;
use crate::analyze::summary::{log_counts, Summary};
use crate::cli::PricingArgs;
use crate::ingest::Format as InputFormat;

/// How logs are read and priced (a saved JSON report is taken as it is).
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub pricing: PricingArgs,
    /// Price every call at this date instead of its own (what-if).
    #[arg(long, value_name = "DATE")]
    pub price_as_of: Option<String>,
    /// Only calls at or after this time (YYYY-MM-DD or RFC 3339, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls before this time (exclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only calls whose FIELD equals (=) or differs from (!=) VALUE. Repeatable.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub filter: Vec<String>,
    /// Fail (exit 2) at the first rejected line.
    #[arg(long)]
    pub strict: bool,
    /// Input format, instead of detecting it.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The rules (see README "Policy file"); flags override the policy file.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (TOML). Default: ./llmcost.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Max increase of cost per job over the baseline: 5% (relative) or 0.002 (USD per job).
    #[arg(long, value_name = "PCT|USD")]
    pub max_increase: Option<String>,
    /// Max cost per job of the run, or ROUTE=USD of each route matching a glob. Repeatable.
    #[arg(long, value_name = "[ROUTE=]USD")]
    pub max_cost_per_job: Vec<String>,
    /// Min prompt-cache token hit rate of the fleet, or ROUTE=RATE per route. Repeatable.
    #[arg(long, value_name = "[ROUTE=]RATE")]
    pub min_cache_hit_rate: Vec<String>,
    /// Max retry multiplier (calls per operation) of the fleet, or ROUTE=X. Repeatable.
    #[arg(long, value_name = "[ROUTE=]X")]
    pub max_retry_multiplier: Vec<String>,
    /// Max fallback rate of the fleet, or ROUTE=RATE. Repeatable.
    #[arg(long, value_name = "[ROUTE=]RATE")]
    pub max_fallback_rate: Vec<String>,
    /// Fail when MODEL (a glob) served any call, on every route or on routes matching ROUTE.
    #[arg(long, value_name = "[ROUTE=]MODEL")]
    pub forbid_model: Vec<String>,
    /// Max calls without a price [default: 0].
    #[arg(long, value_name = "N")]
    pub max_unpriced: Option<String>,
    /// Relative changes up to this are no change, e.g. 1% [default: 0].
    #[arg(long, value_name = "PCT")]
    pub noise: Option<String>,
}

impl PolicyArgs {
    /// Defaults, then the policy file, then the flags.
    pub fn policy(&self) -> Result<Policy> {
        let mut policy = Policy::default();
        let default_file = Path::new("llmcost.toml");
        match &self.policy {
            Some(path) => policy.load_file(path)?,
            None if default_file.is_file() => policy.load_file(default_file)?,
            None => {}
        }
        let single = [
            ("max-increase", &self.max_increase),
            ("max-unpriced", &self.max_unpriced),
            ("noise", &self.noise),
        ];
        for (rule, value) in single {
            if let Some(v) = value {
                policy.apply(rule, v)?;
            }
        }
        let repeated = [
            ("max-cost-per-job", &self.max_cost_per_job),
            ("min-cache-hit-rate", &self.min_cache_hit_rate),
            ("max-retry-multiplier", &self.max_retry_multiplier),
            ("max-fallback-rate", &self.max_fallback_rate),
            ("forbid-model", &self.forbid_model),
        ];
        for (rule, values) in repeated {
            for v in values {
                policy.apply(rule, v)?;
            }
        }
        Ok(policy)
    }
}

/// `report`'s arguments, parsed the way `llmcost report` would parse them.
#[derive(Parser)]
#[command(name = "report")]
struct AsReport {
    #[command(flatten)]
    args: report::Args,
}

/// `report` arguments for `inputs`: the sections `only`, the breakdowns `by`, the log options.
pub fn report_args(inputs: &[String], only: &str, by: &[&str], log: &LogArgs) -> Result<report::Args> {
    let mut argv: Vec<String> =
        vec!["report".into(), "--format".into(), "json".into(), "--only".into(), only.into()];
    let mut flag = |name: &str, value: &str| argv.extend([format!("--{name}"), value.to_string()]);
    by.iter().for_each(|b| flag("by", b));
    log.pricing.pricing.iter().for_each(|p| flag("pricing", &p.to_string_lossy()));
    log.filter.iter().for_each(|f| flag("filter", f));
    for (name, value) in [("price-as-of", &log.price_as_of), ("since", &log.since), ("until", &log.until)] {
        if let Some(v) = value {
            flag(name, v);
        }
    }
    if let Some(f) = log.input_format {
        flag("input-format", f.to_possible_value().expect("listed format").get_name());
    }
    let switches = [
        ("--no-builtin-pricing", log.pricing.no_builtin_pricing),
        ("--strict", log.strict),
        ("--quiet", log.quiet),
    ];
    argv.extend(switches.iter().filter(|(_, on)| *on).map(|(s, _)| s.to_string()));
    argv.push("--".into());
    argv.extend(inputs.iter().cloned());
    AsReport::try_parse_from(argv).map(|a| a.args).map_err(|e| anyhow!("{e}"))
}

/// The breakdowns diff and check read from a log's report.
const SUMMARY_BREAKDOWNS: [&str; 3] = ["route", "model", "route,model"];
/// The sections they read (the others are not computed).
const SUMMARY_SECTIONS: &str = "totals,cache,retries,fallbacks,thresholds,jobs";

/// A run as a `Summary`: one saved JSON report, or logs priced and analysed like `report`.
pub fn summary(inputs: &[String], log: &LogArgs) -> Result<Summary> {
    let label = inputs.join(" ");
    if let [single] = inputs {
        if let Some(value) = saved_report(Path::new(single))? {
            return Summary::from_value(&value, &label);
        }
    }
    let args = report_args(inputs, SUMMARY_SECTIONS, &SUMMARY_BREAKDOWNS, log)?;
    let loaded = report::load(&args)?;
    let priced = loaded.price();
    let report = loaded.report(&priced);
    let value = serde_json::to_value(&report).context("report as JSON")?;
    let mut summary = Summary::from_value(&value, &label)?;
    summary.fill_from_log(log_counts(&loaded.batch.calls, &loaded.selection()));
    Ok(summary)
}

/// The JSON of a saved report: a file holding one JSON object with `schema_version`. Any
/// other file (a log, even a JSON log) is `None`; only its first value is read.
pub fn saved_report(path: &Path) -> Result<Option<serde_json::Value>> {
    if !path.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let starts_with_brace = loop {
        let buf = reader.fill_buf()?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break buf[i] == b'{',
            None if buf.is_empty() => break false,
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    if !starts_with_brace {
        return Ok(None);
    }
    let mut values = serde_json::Deserializer::from_reader(reader.by_ref()).into_iter::<serde_json::Value>();
    match values.next() {
        Some(Ok(v)) if v.get("schema_version").is_some() => {
            let rest = values.next();
            if rest.is_some() {
                return Ok(None);
            }
            Ok(Some(v))
        }
        _ => Ok(None),
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
