//! Argument groups several subcommands share, and how each becomes pipeline options or a
//! policy. Plain clap data; nothing here reads a file but the policy.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::analyze::Section;
use crate::gate::summary::log_counts;
use crate::gate::view::{read_saved, ReportView};
use crate::gate::{Policy, Summary};
use crate::ingest::Format as InputFormat;
use crate::pipeline::Options;
use crate::render::paint::Paint;
use crate::time::Zone;

/// The time zone of day and hour buckets, for every subcommand that buckets by time.
#[derive(Debug, Clone, clap::Args)]
pub struct ZoneArgs {
    /// Time zone of the day and hour buckets (breakdowns, budgets, exports) and of dates given
    /// without a time (--since, --until, --month): UTC or an IANA name such as Europe/Berlin.
    /// Prices stay dated in UTC.
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = Zone::parse)]
    pub tz: Zone,
}

/// When terminal tables get colour (as ripgrep's `--color`).
#[derive(Debug, Clone, clap::Args)]
pub struct ColorArgs {
    /// Colour in terminal tables: auto (when stdout is a terminal and NO_COLOR is not set),
    /// always or never. JSON, CSV and Markdown never get colour.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto", global = true)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorArgs {
    /// Whether stdout gets colour. `auto` asks anstream (clap's terminal layer), which says no
    /// when stdout is not a terminal, NO_COLOR is set, CLICOLOR=0 or TERM=dumb.
    pub fn paint(&self) -> Paint {
        let on = match self.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        };
        Paint { on }
    }
}

/// Which price tables to use.
#[derive(Debug, Clone, clap::Args)]
pub struct PricingArgs {
    /// Extra price table (llmcost TOML, or LiteLLM's model_prices_and_context_window.json) or a
    /// directory of them; searched before the built-in tables. Repeatable.
    #[arg(long, value_name = "FILE|DIR")]
    pub pricing: Vec<PathBuf>,
    /// Use only the --pricing tables, not the built-in ones.
    #[arg(long)]
    pub no_builtin_pricing: bool,
}

/// How logs are read and priced (a saved JSON report is taken as it is).
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub pricing: PricingArgs,
    /// Price every call at this date instead of its own (what-if).
    #[arg(long, value_name = "DATE")]
    pub price_as_of: Option<String>,
    /// Only calls at or after this time (YYYY-MM-DD, midnight in --tz, or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls before this time (exclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only calls whose FIELD equals (=) or differs from (!=) VALUE. Repeatable.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub filter: Vec<String>,
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// Fail (exit 2) at the first rejected line.
    #[arg(long)]
    pub strict: bool,
    /// Input format, instead of detecting it.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Longest line read, in bytes: a longer line is rejected (and not held in memory).
    #[arg(long, value_name = "BYTES", default_value_t = crate::ingest::limits::DEFAULT_MAX_LINE_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_line_bytes: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl LogArgs {
    /// Pipeline options for `inputs`, computing `sections` with the breakdowns `by`.
    pub fn options(&self, inputs: &[String], sections: &[Section], by: &[&str]) -> Result<Options> {
        Ok(Options {
            pricing: self.pricing.pricing.clone(),
            builtin_pricing: !self.pricing.no_builtin_pricing,
            price_as_of: self.price_as_of.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
            filters: self.filter.clone(),
            by: by.iter().map(|b| b.to_string()).collect(),
            sections: sections.to_vec(),
            strict: self.strict,
            input_format: self.input_format,
            max_line_bytes: self.max_line_bytes,
            now_ms: super::fixed_now()?,
            tz: self.zone.tz,
            ..Options::new(inputs.to_vec())
        })
    }
}

/// The rules (see README "Policy file"); flags override the policy file.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (TOML). Default: ./llmcost.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Max increase of cost per job over the baseline: 5% (relative) or 0.002 (USD per job);
    /// ROUTE=PCT for each route matching a glob, model:GLOB=PCT for models. Repeatable.
    #[arg(long, value_name = "[ROUTE=]PCT|USD")]
    pub max_increase: Vec<String>,
    /// Max cost per job of a route that is new in the run (not in the baseline).
    #[arg(long, value_name = "USD")]
    pub max_new_route_cost_per_job: Option<String>,
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
    /// Max rate-limit storms in the run.
    #[arg(long, value_name = "N")]
    pub max_storms: Option<String>,
    /// Max cost of the run's rate-limit storms (their failed calls and retries), in USD.
    #[arg(long, value_name = "USD")]
    pub max_storm_cost: Option<String>,
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
            ("max-new-route-cost-per-job", &self.max_new_route_cost_per_job),
            ("max-storms", &self.max_storms),
            ("max-storm-cost", &self.max_storm_cost),
            ("max-unpriced", &self.max_unpriced),
            ("noise", &self.noise),
        ];
        for (rule, value) in single {
            if let Some(v) = value {
                policy.apply(rule, v)?;
            }
        }
        let repeated = [
            ("max-increase", &self.max_increase),
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

/// The breakdowns diff and check read from a log's report.
/// `route,model,logged_model` lets `forbid-model` match a call's name as logged too.
const SUMMARY_BREAKDOWNS: [&str; 4] = ["route", "model", "route,model", "route,model,logged_model"];
/// The sections they read (the others are not computed).
const SUMMARY_SECTIONS: [Section; 7] = [
    Section::Totals,
    Section::Cache,
    Section::Retries,
    Section::Storms,
    Section::Fallbacks,
    Section::Thresholds,
    Section::Jobs,
];

impl LogArgs {
    /// A run as a `Summary`: one saved JSON report, or logs priced and analysed like `report`.
    pub fn summary(&self, inputs: &[String]) -> Result<Summary> {
        let label = inputs.join(" ");
        if let [single] = inputs {
            if let Some(view) = read_saved(Path::new(single))? {
                return Summary::from_view(&view, &label);
            }
        }
        let loaded = super::load_with_progress(
            &self.options(inputs, &SUMMARY_SECTIONS, &SUMMARY_BREAKDOWNS)?,
            self.quiet,
        )?;
        let priced = loaded.price()?;
        let report = loaded.report(&priced);
        let mut summary = Summary::from_view(&ReportView::of(&report), &label)?;
        summary.fill_from_log(log_counts(&loaded.batch.calls, &loaded.selection()));
        Ok(summary)
    }
}
