//! `llmcost sql`: the report as one SQL statement for an engine that holds the calls
//! (DuckDB, Postgres, Spark, BigQuery, Snowflake). Resolves the flags and the price book,
//! then prints what `warehouse::generate` writes.

use std::io::Write;

use anyhow::{bail, Context, Result};

use super::args::PricingArgs;
use super::Outcome;
use crate::analyze::dims::Dim;
use crate::analyze::PricingInfo;
use crate::calls::StrCol;
use crate::pipeline::{fraction, parse_breakdowns, parse_filter, Options};
use crate::pricing::PriceBook;
use crate::time::{duration_ms, parse_date, Zone};
use crate::warehouse::{self, Dialect};

const EXAMPLES: &str = "\
Examples:
  llmcost sql --dialect duckdb --table calls > report.sql
  duckdb db.duckdb -noheader -list < report.sql > saved.json    one row: the JSON report
  llmcost diff saved.json run.jsonl                              read like any saved report
  llmcost sql --dialect postgres --table analytics.llm_calls --by route,model --top 20
  llmcost sql --dialect spark --table calls --since 2026-10-01 --until 2026-11-01 --pricing my.toml

The table holds the canonical columns (README \"Input: the canonical call record\"), typed:
timestamp TIMESTAMP (UTC) or TIMESTAMPTZ, token counts integers, flags booleans.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The engine the SQL is written for.
    #[arg(long, value_enum)]
    pub dialect: Dialect,
    /// The table or view holding the calls (`schema.table` is quoted part by part).
    #[arg(long, value_name = "NAME")]
    pub table: String,
    /// Break down by these dimensions; comma-separated dimensions form one combined breakdown.
    /// Repeatable. Default: model, provider, route, feature, user, environment, day.
    #[arg(long, value_name = "DIM[,DIM]")]
    pub by: Vec<String>,
    /// Rows per breakdown; the rest are summed in one "others" row. Default: all.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Only calls at or after this time (YYYY-MM-DD or RFC 3339, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls before this time (exclusive).
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
    /// Duplicates: the same prompt_hash, route and model again within this window.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub duplicate_window: String,
    /// Thresholds: the near-miss band above a long-context threshold, as a fraction.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.10)]
    pub near_miss: f64,
    /// Pareto: report the smallest share of items that makes this share of cost.
    #[arg(long, value_name = "SHARE", default_value_t = 0.8)]
    pub pareto: f64,
    /// Retry runs: retries closer than this after an error have no backoff (e.g. 2s, 500ms).
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub storm_gap: String,
    /// Runaway: operations with more attempts than this are listed.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runaway_attempts: u32,
}

impl Args {
    /// The generator's plan, with the price book it prices with.
    fn plan(&self) -> Result<(warehouse::Plan, PriceBook)> {
        if self.table.split('.').any(str::is_empty) {
            bail!("--table {:?}: expected NAME or SCHEMA.NAME", self.table);
        }
        let mut extras = Vec::new();
        let breakdowns = parse_breakdowns(&self.by, &mut extras, Zone::Utc)?;
        if breakdowns.iter().flatten().any(|d| matches!(d, Dim::Hour(_))) {
            bail!("--by hour: not in llmcost sql yet (day is; the SQL buckets in UTC)");
        }
        // The SQL buckets days in UTC (the engine's own time zone setting is not assumed).
        let filters = self
            .filter
            .iter()
            .map(|f| parse_filter(f, &mut extras, Zone::Utc))
            .collect::<Result<Vec<_>>>()?;
        let date = |flag: &str, v: &Option<String>| {
            v.as_deref().map(|d| parse_date(d).with_context(|| format!("--{flag}"))).transpose()
        };
        let book = PriceBook::load(&self.pricing.pricing, !self.pricing.no_builtin_pricing)?;
        // The query resolves names from the price tables as SQL (warehouse/prices.rs), which do
        // not carry `[aliases]` yet: refused, rather than leaving the aliased calls unpriced.
        if let Some(a) = book.aliases().first() {
            bail!(
                "{}: alias {:?}: llmcost sql does not resolve a table's [aliases] yet (llmcost report does)",
                a.table,
                a.name
            );
        }
        let source = Options {
            pricing: self.pricing.pricing.clone(),
            builtin_pricing: !self.pricing.no_builtin_pricing,
            ..Options::new(Vec::new())
        }
        .pricing_source();
        let group = if self.by.is_empty() { vec![Dim::Str(StrCol::Route)] } else { breakdowns[0].clone() };
        let plan = warehouse::Plan {
            dialect: self.dialect,
            table: self.table.clone(),
            group,
            breakdowns,
            top: self.top,
            since: date("since", &self.since)?,
            until: date("until", &self.until)?,
            filters,
            price_as_of: date("price-as-of", &self.price_as_of)?,
            pricing: PricingInfo {
                source,
                hash: book.hash(),
                as_of: self.price_as_of.clone(),
                tables: book.sources.clone(),
            },
            duplicate_window_ms: duration_ms("duplicate-window", &self.duplicate_window)?,
            near_miss: fraction("near-miss", self.near_miss)?,
            pareto_share: fraction("pareto", self.pareto)?,
            storm_gap_ms: duration_ms("storm-gap", &self.storm_gap)?,
            runaway_attempts: self.runaway_attempts,
        };
        Ok((plan, book))
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let (plan, book) = args.plan()?;
    let sql = warehouse::generate(&plan, &book)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(sql.as_bytes())?;
    out.flush()?;
    Ok(Outcome::Ok)
}
