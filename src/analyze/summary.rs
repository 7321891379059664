//! Summary: the figures `diff` and `check` compare, read from a report's JSON (schema_version
//! 1). A log is first run through `report` and its JSON read back here, so a log and a saved
//! report take one path. Every figure is optional: a missing section or key is "not
//! available" (with a note), never 0.
//!
//! Counts of jobs and operations, in order of preference: the `jobs` section's `count`
//! (operations: `retries.totals.operations`), else the `job` (`operation`) breakdown, else,
//! for a log, counted from the calls (`LogCounts`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

use super::Selection;
use crate::analyze::SCHEMA_VERSION;
use crate::calls::Calls;
use crate::money::Money;
use crate::normalize::StrCol;

/// A route or model as the report names it; `None` = the calls carry no value.
pub type Key = Option<String>;

/// The figures of one route. `None` = not available in the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RouteFigures {
    pub calls: Option<u64>,
    pub cost: Option<Money>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub unpriced_calls: Option<u64>,
    pub cache_hit_rate: Option<f64>,
    pub retry_multiplier: Option<f64>,
    pub fallback_rate: Option<f64>,
    pub threshold_crossings: Option<u64>,
}

/// Calls and cost of one model, or of one route × model pair.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ModelFigures {
    pub calls: u64,
    pub cost: Money,
}

/// Whole-run rates (`None` = the report has no such section).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Fleet {
    pub cache_hit_rate: Option<f64>,
    pub retry_multiplier: Option<f64>,
    pub fallback_rate: Option<f64>,
}

/// One run, as `diff` and `check` see it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Where it came from (a path or a log pattern).
    pub label: String,
    /// `pricing.hash`: which price tables priced the run.
    pub pricing_hash: Option<String>,
    pub calls: u64,
    /// Priced calls only (exact, from `totals.cost_usd_exact`).
    pub cost: Money,
    pub unpriced_calls: u64,
    /// Unpriced models with their calls.
    pub unpriced_models: Vec<(String, u64)>,
    pub jobs: Option<u64>,
    /// Where `jobs` came from: `jobs section`, `job breakdown` or `log`.
    pub jobs_source: Option<&'static str>,
    pub operations: Option<u64>,
    pub operations_source: Option<&'static str>,
    /// `None` when the report has no route breakdown nor per-route section.
    pub routes: Option<BTreeMap<Key, RouteFigures>>,
    pub models: Option<BTreeMap<Key, ModelFigures>>,
    /// From the `route,model` breakdown.
    pub route_models: Option<BTreeMap<(Key, Key), ModelFigures>>,
    pub fleet: Fleet,
    /// Usage-API bucket rows in the run: its sections count single calls only.
    #[serde(skip)]
    pub aggregate_rows: u64,
    /// What is missing or partial, for the reader.
    pub notes: Vec<String>,
}

/// Counts taken from the calls of a log when its report does not carry them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogCounts {
    /// Distinct job_id values; `None` when no call has one.
    pub jobs: Option<u64>,
    /// Distinct operation_id values plus one per call without one (a usage bucket's requests).
    pub operations: u64,
}

/// Counts jobs and operations over the selected calls.
pub fn log_counts(calls: &Calls, sel: &Selection) -> LogCounts {
    let distinct = |col: StrCol| {
        let ids = &calls.col(col).ids;
        let mut seen = vec![false; calls.col(col).dict.len() + 1];
        let mut none = 0u64;
        for row in sel.rows() {
            match ids.get(row).copied().unwrap_or(0) {
                // A usage bucket stands for its requests, each an operation of its own.
                0 => none += calls.requests(row),
                id => seen[id as usize] = true,
            }
        }
        (seen.iter().filter(|s| **s).count() as u64, none)
    };
    let (jobs, _) = distinct(StrCol::Job);
    let (ops, loose) = distinct(StrCol::Operation);
    LogCounts { jobs: (jobs > 0).then_some(jobs), operations: ops + loose }
}

impl Summary {
    /// Reads a report's JSON. Errors when it is not a schema_version 1 report.
    pub fn from_value(v: &Value, label: &str) -> Result<Summary> {
        match v.get("schema_version").and_then(Value::as_u64) {
            Some(n) if n == SCHEMA_VERSION as u64 => {}
            Some(n) => bail!("{label}: report schema_version {n}, this llmcost reads {SCHEMA_VERSION}"),
            None => bail!("{label}: not an llmcost JSON report (no schema_version)"),
        }
        let totals = v.get("totals").with_context(|| format!("{label}: report has no totals"))?;
        let cost = money_at(totals, "cost_usd_exact")
            .or_else(|| money_at(totals, "cost_usd"))
            .with_context(|| format!("{label}: totals.cost_usd missing"))?;
        let mut s = Summary {
            label: label.to_string(),
            pricing_hash: at(v, "pricing.hash").and_then(Value::as_str).map(str::to_string),
            calls: totals
                .get("calls")
                .and_then(Value::as_u64)
                .with_context(|| format!("{label}: totals.calls missing"))?,
            cost,
            unpriced_calls: totals.get("unpriced_calls").and_then(Value::as_u64).unwrap_or(0),
            unpriced_models: unpriced_models(v),
            aggregate_rows: totals.get("aggregate_rows").and_then(Value::as_u64).unwrap_or(0),
            ..Summary::default()
        };
        s.read_counts(v);
        s.read_routes(v);
        s.models = s
            .breakdown(v, "model")
            .map(|rows| rows.into_iter().map(|(k, r)| (k, model_figures(&r))).collect());
        s.route_models = route_models(v);
        s.fleet = fleet(v);
        Ok(s)
    }

    /// Fills the counts the report lacks from the log's calls.
    pub fn fill_from_log(&mut self, counts: LogCounts) {
        if self.jobs.is_none() && counts.jobs.is_some() && self.aggregate_rows == 0 {
            self.jobs = counts.jobs;
            self.jobs_source = Some("log");
        }
        if self.operations.is_none() {
            self.operations = Some(counts.operations);
            self.operations_source = Some("log");
        }
    }

    fn read_counts(&mut self, v: &Value) {
        if self.aggregate_rows > 0 {
            // Sections count single calls while the cost includes the buckets: per job or per
            // operation figures would be inflated. Operations come from the log instead.
            self.notes.push(format!(
                "{}: {} rows are usage-API buckets (no jobs, no operations of their own): cost per job is not compared",
                self.label, self.aggregate_rows
            ));
            return;
        }
        let jobs_section = ["jobs.count", "jobs.totals.count", "jobs.fleet.count", "jobs.jobs"];
        if let Some(n) = jobs_section.iter().find_map(|p| at(v, p).and_then(Value::as_u64)) {
            (self.jobs, self.jobs_source) = (Some(n), Some("jobs section"));
        } else if let Some((n, _)) = self.distinct_keys(v, "job") {
            (self.jobs, self.jobs_source) = ((n > 0).then_some(n), Some("job breakdown"));
        }
        let retries = ["retries.totals.operations", "retries.operations"];
        if let Some(n) = retries.iter().find_map(|p| at(v, p).and_then(Value::as_u64)) {
            (self.operations, self.operations_source) = (Some(n), Some("retries section"));
        } else if let Some(n) =
            section_rows(v, "retries", "routes").and_then(|rows| sum_u64(&rows, "operations"))
        {
            (self.operations, self.operations_source) = (Some(n), Some("retries section"));
        } else if let Some((n, loose)) = self.distinct_keys(v, "operation") {
            (self.operations, self.operations_source) = (Some(n + loose), Some("operation breakdown"));
        }
    }

    /// Distinct non-null keys of a breakdown and the calls under the null key; `None` when
    /// the breakdown is absent or cut by `--top`.
    fn distinct_keys(&mut self, v: &Value, dim: &str) -> Option<(u64, u64)> {
        let rows = self.breakdown(v, dim)?;
        let loose = rows.get(&None).and_then(|r| r.get("calls")).and_then(Value::as_u64).unwrap_or(0);
        Some((rows.keys().filter(|k| k.is_some()).count() as u64, loose))
    }

    /// A single-dimension breakdown's rows by key; `None` (with a note when cut) otherwise.
    fn breakdown(&mut self, v: &Value, dim: &str) -> Option<BTreeMap<Key, Value>> {
        let rows = at(v, "breakdowns")?.get(dim)?.as_array()?;
        if rows.iter().any(|r| r.get("other").and_then(Value::as_bool) == Some(true)) {
            self.notes.push(format!(
                "{}: the {dim} breakdown was cut by --top; its per-{dim} figures are not used",
                self.label
            ));
            return None;
        }
        Some(rows.iter().map(|r| (key_of(r, "key"), r.clone())).collect())
    }

    fn read_routes(&mut self, v: &Value) {
        let mut routes: BTreeMap<Key, RouteFigures> = BTreeMap::new();
        let breakdown = self.breakdown(v, "route");
        for (key, row) in breakdown.iter().flatten() {
            routes.insert(key.clone(), route_spend(row));
        }
        let mut any_section = false;
        for (section, rows_key, field) in PER_ROUTE {
            match self.grouped_rows(v, section, rows_key) {
                Some(rows) => {
                    any_section = true;
                    for row in rows {
                        let figures = routes.entry(key_of(row, "route")).or_default();
                        set_route_field(figures, field, row);
                    }
                    if field == RouteField::Crossings {
                        routes.values_mut().filter(|f| f.threshold_crossings.is_none()).for_each(|f| f.threshold_crossings = Some(0));
                    }
                }
                None => self.notes.push(format!("{}: no {section} figures (section missing or empty): its rules and columns are not available", self.label)),
            }
        }
        self.routes = (breakdown.is_some() || any_section).then_some(routes);
    }

    /// A section's per-route rows, or `None` (with a note when it is grouped by another field).
    fn grouped_rows<'v>(&mut self, v: &'v Value, section: &str, rows_key: &str) -> Option<Vec<&'v Value>> {
        let sec = v.get(section)?;
        let grouping = sec.get("group_by").or_else(|| sec.get("grouping")).and_then(Value::as_str);
        if let Some(g) = grouping.filter(|g| *g != "route") {
            self.notes.push(format!(
                "{}: the {section} section is grouped by {g}, not route; not used",
                self.label
            ));
            return None;
        }
        section_rows(v, section, rows_key)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RouteField {
    CacheHitRate,
    RetryMultiplier,
    FallbackRate,
    Crossings,
}

/// The per-route sections: (section, array key, what it gives).
const PER_ROUTE: [(&str, &str, RouteField); 4] = [
    ("cache", "routes", RouteField::CacheHitRate),
    ("retries", "routes", RouteField::RetryMultiplier),
    ("fallbacks", "routes", RouteField::FallbackRate),
    ("thresholds", "by_route", RouteField::Crossings),
];

fn set_route_field(f: &mut RouteFigures, field: RouteField, row: &Value) {
    let num = |k: &str| row.get(k).and_then(Value::as_f64);
    match field {
        RouteField::CacheHitRate => f.cache_hit_rate = num("token_hit_rate"),
        RouteField::RetryMultiplier => f.retry_multiplier = num("multiplier"),
        RouteField::FallbackRate => f.fallback_rate = num("fallback_rate"),
        RouteField::Crossings => f.threshold_crossings = row.get("count").and_then(Value::as_u64),
    }
}

fn route_spend(row: &Value) -> RouteFigures {
    let n = |k: &str| row.get(k).and_then(Value::as_u64);
    RouteFigures {
        calls: n("calls"),
        cost: money_at(row, "cost_usd"),
        input_tokens: n("input_tokens"),
        output_tokens: n("output_tokens"),
        unpriced_calls: n("calls").zip(n("priced_calls")).map(|(c, p)| c.saturating_sub(p)),
        ..RouteFigures::default()
    }
}

fn model_figures(row: &Value) -> ModelFigures {
    ModelFigures {
        calls: row.get("calls").and_then(Value::as_u64).unwrap_or(0),
        cost: money_at(row, "cost_usd").unwrap_or(Money::ZERO),
    }
}

fn route_models(v: &Value) -> Option<BTreeMap<(Key, Key), ModelFigures>> {
    let rows = at(v, "breakdowns")?.get("route,model")?.as_array()?;
    let mut out = BTreeMap::new();
    for row in rows.iter().filter(|r| r.get("other").and_then(Value::as_bool) != Some(true)) {
        let keys = row.get("keys")?.as_array()?;
        let part = |i: usize| keys.get(i).and_then(Value::as_str).map(str::to_string);
        out.insert((part(0), part(1)), model_figures(row));
    }
    Some(out)
}

fn fleet(v: &Value) -> Fleet {
    let first = |paths: &[&str]| paths.iter().find_map(|p| at(v, p).and_then(Value::as_f64));
    let ratio = |section: &str, num: &str, den: &str| {
        let rows = section_rows(v, section, "routes")?;
        let (n, d) = (sum_u64(&rows, num)?, sum_u64(&rows, den)?);
        (d > 0).then(|| n as f64 / d as f64)
    };
    Fleet {
        cache_hit_rate: first(&[
            "cache.fleet.token_hit_rate",
            "cache.totals.token_hit_rate",
            "cache.token_hit_rate",
        ])
        .or_else(|| ratio("cache", "cache_read_tokens", "input_tokens")),
        retry_multiplier: first(&[
            "retries.totals.multiplier",
            "retries.fleet.multiplier",
            "retries.multiplier",
        ])
        .or_else(|| ratio("retries", "calls", "operations")),
        fallback_rate: first(&[
            "fallbacks.totals.fallback_rate",
            "fallbacks.fleet.fallback_rate",
            "fallbacks.fallback_rate",
        ])
        .or_else(|| ratio("fallbacks", "fallback_operations", "operations")),
    }
}

fn unpriced_models(v: &Value) -> Vec<(String, u64)> {
    let rows = v.get("unpriced").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    rows.iter()
        .filter_map(|r| Some((r.get("model")?.as_str()?.to_string(), r.get("calls")?.as_u64()?)))
        .collect()
}

/// A section's array of rows; `None` when the section or the array is missing.
fn section_rows<'v>(v: &'v Value, section: &str, rows_key: &str) -> Option<Vec<&'v Value>> {
    Some(v.get(section)?.get(rows_key)?.as_array()?.iter().collect())
}

/// The sum of an integer key over rows; `None` when any row lacks it.
fn sum_u64(rows: &[&Value], key: &str) -> Option<u64> {
    rows.iter().map(|r| r.get(key).and_then(Value::as_u64)).sum()
}

fn key_of(row: &Value, name: &str) -> Key {
    row.get(name).and_then(Value::as_str).map(str::to_string)
}

/// The value at a dotted path (`retries.totals.operations`).
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, part| v.get(part))
}

fn money_at(v: &Value, key: &str) -> Option<Money> {
    v.get(key).and_then(money_of)
}

/// A JSON cost as `Money`: a decimal string exactly; a number through its shortest decimal
/// form (what was written), rounded to 1e-18 only when that form is longer.
pub fn money_of(v: &Value) -> Option<Money> {
    match v {
        Value::String(s) => Money::parse(s).ok(),
        Value::Number(n) => money_of_f64(n.as_f64()?),
        _ => None,
    }
}

/// A float amount (a JSON or TOML number) as `Money`, see [`money_of`].
pub fn money_of_f64(x: f64) -> Option<Money> {
    if !x.is_finite() {
        return None;
    }
    Money::parse(&format!("{x}")).or_else(|_| Money::parse(&format!("{x:.18}"))).ok()
}

/// Every route and model named on either side, for new/vanished lists.
pub fn keys_of<V>(maps: [Option<&BTreeMap<Key, V>>; 2]) -> BTreeSet<Key> {
    maps.into_iter().flatten().flat_map(|m| m.keys().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_from_json_numbers_and_strings() {
        assert_eq!(money_of(&serde_json::json!(0.0028)).unwrap().exact(), "0.0028");
        assert_eq!(
            money_of(&serde_json::json!("0.000000000000000001")).unwrap().exact(),
            "0.000000000000000001"
        );
        assert_eq!(money_of(&serde_json::json!(1234.56)).unwrap().exact(), "1234.56");
        // 21 decimals in its shortest form: rounded to 18.
        assert_eq!(
            money_of(&serde_json::json!(1.2345678901234567e-5)).unwrap().exact(),
            "0.000012345678901235"
        );
        assert!(money_of(&serde_json::json!(null)).is_none());
    }

    #[test]
    fn reads_a_minimal_report_and_notes_missing_sections() {
        let v = serde_json::json!({
            "schema_version": 1,
            "totals": {"calls": 3, "cost_usd": 0.5, "cost_usd_exact": "0.5", "unpriced_calls": 1},
            "breakdowns": {"route": [
                {"key": "a", "calls": 2, "priced_calls": 2, "cost_usd": 0.5, "input_tokens": 10, "output_tokens": 1},
                {"key": null, "calls": 1, "priced_calls": 0, "cost_usd": 0, "input_tokens": 5, "output_tokens": 1}
            ]},
            "unpriced": [{"model": "m", "calls": 1}]
        });
        let s = Summary::from_value(&v, "r.json").unwrap();
        assert_eq!((s.calls, s.cost.exact(), s.unpriced_calls), (3, "0.5".to_string(), 1));
        let routes = s.routes.as_ref().unwrap();
        assert_eq!(routes[&Some("a".into())].cost.unwrap().exact(), "0.5");
        assert_eq!(routes[&None].unpriced_calls, Some(1));
        assert_eq!(routes[&Some("a".into())].cache_hit_rate, None);
        assert_eq!(s.jobs, None);
        assert_eq!(s.notes.len(), 4, "{:?}", s.notes);
        assert_eq!(s.unpriced_models, [("m".to_string(), 1)]);
    }

    #[test]
    fn rejects_other_schema_versions() {
        let err = Summary::from_value(&serde_json::json!({"schema_version": 2}), "x").unwrap_err();
        assert!(err.to_string().contains("schema_version 2"));
        assert!(Summary::from_value(&serde_json::json!({"calls": 1}), "x").is_err());
    }

    #[test]
    fn sections_fill_route_and_fleet_figures() {
        let v = serde_json::json!({
            "schema_version": 1,
            "totals": {"calls": 4, "cost_usd_exact": "1"},
            "cache": {"group_by": "route", "routes": [{"route": "a", "token_hit_rate": 0.25, "cache_read_tokens": 25, "input_tokens": 100}]},
            "retries": {"routes": [{"route": "a", "calls": 4, "operations": 2, "multiplier": 2.0}]},
            "fallbacks": {"routes": [{"route": "a", "operations": 2, "fallback_operations": 1, "fallback_rate": 0.5}]},
            "thresholds": {"grouping": "route", "count": 0, "by_route": []},
            "jobs": {"count": 2}
        });
        let s = Summary::from_value(&v, "x").unwrap();
        let a = &s.routes.as_ref().unwrap()[&Some("a".into())];
        assert_eq!(
            (a.cache_hit_rate, a.retry_multiplier, a.fallback_rate, a.threshold_crossings),
            (Some(0.25), Some(2.0), Some(0.5), Some(0))
        );
        // Fleet rates from the rows: 25/100, 4/2, 1/2.
        assert_eq!(
            s.fleet,
            Fleet { cache_hit_rate: Some(0.25), retry_multiplier: Some(2.0), fallback_rate: Some(0.5) }
        );
        assert_eq!((s.jobs, s.operations), (Some(2), Some(2)));
    }
}
