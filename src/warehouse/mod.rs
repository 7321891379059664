//! Warehouse: the report as one SQL statement for an engine that already holds the calls
//! (`llmcost sql`). It sits beside `analyze/` and `render/`: it takes the price book the
//! pipeline would use and the report's selection and grouping, and writes SQL that computes,
//! over a table with the canonical columns, what `report --format json` computes over a log:
//! `period`, `totals`, `breakdowns`, `unpriced` and the set-based leak sections
//! (`sections/`: environments, waste, cache, duplicates, thresholds, Pareto, and on operations
//! retries and fallbacks), returned as one row with one column,
//! `report`, holding the JSON report (schema_version 1), which `llmcost diff` reads like any
//! saved report.
//!
//! The table's columns are the canonical record's (README "Input: the canonical call
//! record"), typed: `timestamp` TIMESTAMP (UTC) or TIMESTAMPTZ; token counts, `http_status`
//! and `requests` integers; `batch`, `cache_hit`, `aggregate` and `long_context` booleans;
//! the rest text. Every column the statement names must exist (null where unknown); the
//! rows are taken as valid (llmcost's ingest checks, such as cache reads ≤ input tokens, are
//! not repeated).
//!
//! Every figure is exact: costs are integers of 1e-18 USD in the engine's widest exact type
//! (`dialect.rs`), priced by the same rules as `price.rs` (version in force at the call's
//! time, the time-of-day window of its own UTC time, long-context tier when the counted tokens are strictly above its threshold, the
//! tier's rates on the whole request, 1-hour cache writes at their own rate, the batch
//! multiplier on each token class rounded half up as `Money::times`, app cache hits $0,
//! usage-API buckets at the tier their source states). Names resolve as
//! `PriceBook::lookup` does: ASCII case-insensitive exact names, then the part after the
//! last `/`, then alias globs; a `--pricing` entry for the call's provider first, then any
//! `--pricing` entry, then a built-in one for the provider, then the first in the book.

mod costing;
pub mod dialect;
mod prices;
mod query;
mod sections;

use anyhow::Result;
use serde::Serialize;

pub use dialect::Dialect;

use crate::analyze::dims::Dim;
use crate::analyze::{Filter, PricingInfo};
use crate::pricing::PriceBook;

/// What the statement covers and how it groups, resolved from the command line.
#[derive(Clone, Debug)]
pub struct Plan {
    pub dialect: Dialect,
    /// The table (or view) of calls; dotted names are quoted part by part.
    pub table: String,
    /// Each entry one breakdown (several dimensions = one combined breakdown).
    pub breakdowns: Vec<Vec<Dim>>,
    /// The grouping of the leak sections: `--by`'s first entry, route by default.
    pub group: Vec<Dim>,
    /// Rows per breakdown; the rest summed in one "others" row (never for day alone).
    pub top: Option<usize>,
    /// Epoch ms, inclusive.
    pub since: Option<i64>,
    /// Epoch ms, exclusive.
    pub until: Option<i64>,
    /// FIELD=VALUE or FIELD!=VALUE, all of which must hold.
    pub filters: Vec<Filter>,
    /// Every call priced at this time (epoch ms) instead of its own.
    pub price_as_of: Option<i64>,
    pub pricing: PricingInfo,
    /// Duplicates: the same prompt_hash, group and model again within this long (`--duplicate-window`).
    pub duplicate_window_ms: i64,
    /// Thresholds: the near-miss band as a fraction of the threshold (`--near-miss`).
    pub near_miss: f64,
    /// Pareto: the share of cost whose smallest item set is reported (`--pareto`).
    pub pareto_share: f64,
    /// Retries: error calls of one group and provider this close form one run (`--storm-gap`).
    pub storm_gap_ms: i64,
    /// Retries: operations with more attempts than this are runaway (`--runaway-attempts`).
    pub runaway_attempts: u32,
}

/// The report fields the statement writes as constants, in the JSON contract's names.
#[derive(Serialize)]
struct Header<'a> {
    schema_version: u32,
    generator: String,
    inputs: [&'a str; 1],
    pricing: &'a PricingInfo,
}

/// The SQL script: a comment saying what it expects, then one SELECT returning `report`.
pub fn generate(plan: &Plan, book: &PriceBook) -> Result<String> {
    let header = Header {
        schema_version: crate::analyze::SCHEMA_VERSION,
        generator: format!("llmcost {} (sql, {})", env!("CARGO_PKG_VERSION"), plan.dialect.name()),
        inputs: [&plan.table],
        pricing: &plan.pricing,
    };
    let notes = [format!(
        "computed by the {} engine from `llmcost sql` over table {}: totals, breakdowns, unpriced models, \
         environments, waste, cache, duplicates, thresholds, pareto, retries and fallbacks only (no line account, no other leak section)",
        plan.dialect.name(),
        plan.table
    )];
    let head = serde_json::to_string(&header)?;
    let prefix = format!("{},", head.strip_suffix('}').expect("an object"));
    let suffix = format!(",\"notes\":{}}}", serde_json::to_string(&notes)?);
    let prices = prices::tables(book, plan.dialect, plan.near_miss);
    let body = query::statement(plan, &prices, &prefix, &suffix);
    let comment = comment(plan);
    Ok(format!("{comment}{body};\n"))
}

fn comment(plan: &Plan) -> String {
    format!(
        "-- llmcost {} sql --dialect {}: the report over table {} as one statement.\n\
         -- Returns one row, one column `report`: the JSON report (schema_version 1) with period,\n\
         -- totals, breakdowns, unpriced models and the set-based sections; `llmcost diff saved.json LOG` reads it.\n\
         -- Money is exact: integers of 1e-18 USD in {}; rates in 1e-12 USD per million tokens.\n\
         -- Expects the canonical columns (README \"Input: the canonical call record\"), typed.\n",
        env!("CARGO_PKG_VERSION"),
        plan.dialect.name(),
        plan.table.replace(['\n', '\r'], " "),
        plan.dialect.money_type(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(dialect: Dialect, table: &str, by: &str) -> Plan {
        let mut extras = Vec::new();
        Plan {
            dialect,
            table: table.to_string(),
            breakdowns: vec![vec![Dim::parse(by, &mut extras, crate::time::Zone::Utc)]],
            group: vec![Dim::parse("route", &mut extras, crate::time::Zone::Utc)],
            top: None,
            since: None,
            until: None,
            filters: Vec::new(),
            price_as_of: None,
            pricing: PricingInfo {
                source: String::new(),
                hash: String::new(),
                as_of: None,
                tables: Vec::new(),
            },
            duplicate_window_ms: crate::time::MS_PER_HOUR,
            near_miss: 0.1,
            pareto_share: 0.8,
            storm_gap_ms: 2_000,
            runaway_attempts: 5,
        }
    }

    fn book() -> PriceBook {
        PriceBook::from_texts(&[]).unwrap()
    }

    #[test]
    fn a_breakdown_name_is_json_escaped_inside_an_sql_literal() {
        let sql = generate(&plan(Dialect::Duckdb, "calls", "te'am\"x"), &book()).unwrap();
        // JSON escapes the double quote, SQL doubles the single quote, the column is quoted.
        assert!(sql.contains(r#"',"breakdowns":{"te''am\"x":'"#), "{sql}");
        assert!(sql.contains(r#""te'am""x""#), "the column as a quoted identifier");
        let spark = generate(&plan(Dialect::Spark, "calls", "te'am\"x"), &book()).unwrap();
        assert!(spark.contains(r#"{\"te\'am\\\"x\":'"#), "backslash escapes in Spark");
    }

    #[test]
    fn a_table_name_stays_in_its_identifier_and_out_of_the_comment() {
        let sql = generate(&plan(Dialect::Postgres, "s.t\"\nDROP TABLE x; --", "model"), &book()).unwrap();
        assert!(
            sql.contains(
                r#"FROM "s"."t""
DROP TABLE x; --""#
            ),
            "quoted part by part"
        );
        let comments: Vec<&str> = sql.lines().take_while(|l| l.starts_with("--")).collect();
        assert_eq!(comments.len(), 5, "the newline in the name does not end the comment early");
        assert!(comments[0].contains("t\" DROP TABLE x; --"), "{}", comments[0]);
    }
}
