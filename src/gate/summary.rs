//! Summary: the figures `diff` and `check` compare, read from a `ReportView` (schema_version
//! 1): a log's report in memory or a saved JSON report, one path for both. Every figure is
//! optional: a missing section or key is "not available" (with a note), never 0.
//!
//! Counts of jobs and operations, in order of preference: the `jobs` section's `jobs`
//! (operations: `retries.totals.operations`), else the `job` (`operation`) breakdown, else,
//! for a log, counted from the calls (`LogCounts`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::view::{CacheRow, FallbackRow, Grouped, ReportView, RetryRow, RowView};
use crate::analyze::{Selection, SCHEMA_VERSION};
use crate::calls::Calls;
use crate::calls::StrCol;
use crate::money::Money;

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
    /// From the `route,model,logged_model` breakdown (a log's run): each route's resolved
    /// models with the names they were logged as, so `forbid-model` matches either name.
    #[serde(skip)]
    pub route_logged_models: Option<BTreeMap<(Key, Key, Key), ModelFigures>>,
    pub fleet: Fleet,
    /// Rate-limit storms and what they cost; `None` without a storms section.
    pub storms: Option<(u64, Money)>,
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
    /// Reads a report's view. Errors when it is not a schema_version 1 report.
    pub fn from_view(v: &ReportView, label: &str) -> Result<Summary> {
        match v.schema_version {
            Some(n) if n == SCHEMA_VERSION as u64 => {}
            Some(n) => bail!("{label}: report schema_version {n}, this llmcost reads {SCHEMA_VERSION}"),
            None => bail!("{label}: not an llmcost JSON report (no schema_version)"),
        }
        let totals = v.totals.as_ref().with_context(|| format!("{label}: report has no totals"))?;
        let exact = totals.cost_usd_exact.as_deref().and_then(|t| Money::parse(t).ok());
        let cost = exact.or(totals.cost_usd).with_context(|| format!("{label}: totals.cost_usd missing"))?;
        let mut s = Summary {
            label: label.to_string(),
            pricing_hash: v.pricing.as_ref().and_then(|p| p.hash.clone()),
            calls: totals.calls.with_context(|| format!("{label}: totals.calls missing"))?,
            cost,
            unpriced_calls: totals.unpriced_calls.unwrap_or(0),
            unpriced_models: v.unpriced.iter().filter_map(|u| Some((u.model.clone()?, u.calls?))).collect(),
            aggregate_rows: totals.aggregate_rows.unwrap_or(0),
            ..Summary::default()
        };
        s.read_counts(v);
        s.read_routes(v);
        s.models = s
            .breakdown(v, "model")
            .map(|rows| rows.into_iter().map(|(k, r)| (k, model_figures(r))).collect());
        s.route_models = route_models(v);
        s.route_logged_models = route_logged_models(v);
        s.fleet = fleet(v);
        s.storms = v.storms.as_ref().and_then(|x| Some((x.count?, x.cost_usd?)));
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

    fn read_counts(&mut self, v: &ReportView) {
        if self.aggregate_rows > 0 {
            // Sections count single calls while the cost includes the buckets: per job or per
            // operation figures would be inflated. Operations come from the log instead.
            self.notes.push(format!(
                "{}: {} rows are usage-API buckets (no jobs, no operations of their own): cost per job is not compared",
                self.label, self.aggregate_rows
            ));
            return;
        }
        if let Some(n) = v.jobs.as_ref().and_then(|j| j.jobs) {
            (self.jobs, self.jobs_source) = (Some(n), Some("jobs section"));
        } else if let Some((n, _)) = self.distinct_keys(v, "job") {
            (self.jobs, self.jobs_source) = ((n > 0).then_some(n), Some("job breakdown"));
        }
        let retries = v.retries.as_ref();
        if let Some(n) = retries.and_then(|r| r.totals.as_ref()?.operations) {
            (self.operations, self.operations_source) = (Some(n), Some("retries section"));
        } else if let Some(n) = retries.and_then(|r| sum(r.routes.as_deref()?, |row| row.operations)) {
            (self.operations, self.operations_source) = (Some(n), Some("retries section"));
        } else if let Some((n, loose)) = self.distinct_keys(v, "operation") {
            (self.operations, self.operations_source) = (Some(n + loose), Some("operation breakdown"));
        }
    }

    /// Distinct non-null keys of a breakdown and the calls under the null key; `None` when
    /// the breakdown is absent or cut by `--top`.
    fn distinct_keys(&mut self, v: &ReportView, dim: &str) -> Option<(u64, u64)> {
        let rows = self.breakdown(v, dim)?;
        let loose = rows.get(&None).and_then(|r| r.calls).unwrap_or(0);
        Some((rows.keys().filter(|k| k.is_some()).count() as u64, loose))
    }

    /// A single-dimension breakdown's rows by key; `None` (with a note when cut) otherwise.
    fn breakdown<'v>(&mut self, v: &'v ReportView, dim: &str) -> Option<BTreeMap<Key, &'v RowView>> {
        let rows = v.breakdowns.get(dim)?;
        if rows.iter().any(|r| r.other) {
            self.notes.push(format!(
                "{}: the {dim} breakdown was cut by --top; its per-{dim} figures are not used",
                self.label
            ));
            return None;
        }
        Some(rows.iter().map(|r| (r.key.clone(), r)).collect())
    }

    fn read_routes(&mut self, v: &ReportView) {
        let mut routes: BTreeMap<Key, RouteFigures> = BTreeMap::new();
        let breakdown = self.breakdown(v, "route");
        for (key, row) in breakdown.iter().flatten() {
            routes.insert(key.clone(), route_spend(row));
        }
        // The per-route sections, each giving one figure per route.
        let cache = self.grouped("cache", v.cache.as_ref().map(|c| (&c.group_by, c.routes.as_deref())));
        let retries = self.grouped("retries", v.retries.as_ref().map(|c| (&c.group_by, c.routes.as_deref())));
        let fallbacks =
            self.grouped("fallbacks", v.fallbacks.as_ref().map(|c| (&c.group_by, c.routes.as_deref())));
        let thresholds =
            self.grouped("thresholds", v.thresholds.as_ref().map(|t| (&t.group_by, t.by_route.as_deref())));
        let mut set =
            |route: &Key, f: &dyn Fn(&mut RouteFigures)| f(routes.entry(route.clone()).or_default());
        for row in cache.iter().copied().flatten() {
            set(&row.route, &|f| f.cache_hit_rate = row.token_hit_rate);
        }
        for row in retries.iter().copied().flatten() {
            set(&row.route, &|f| f.retry_multiplier = row.multiplier);
        }
        for row in fallbacks.iter().copied().flatten() {
            set(&row.route, &|f| f.fallback_rate = row.fallback_rate);
        }
        if let Some(rows) = thresholds {
            for row in rows {
                set(&row.route, &|f| f.threshold_crossings = row.count);
            }
            // A route that crossed no threshold is not listed: it crossed 0 times.
            routes
                .values_mut()
                .filter(|f| f.threshold_crossings.is_none())
                .for_each(|f| f.threshold_crossings = Some(0));
        }
        let any_section = cache.is_some() || retries.is_some() || fallbacks.is_some() || thresholds.is_some();
        self.routes = (breakdown.is_some() || any_section).then_some(routes);
    }

    /// A section's per-route rows; `None` with a note when it is missing, has no rows, or is
    /// grouped by another field.
    fn grouped<'v, R>(
        &mut self,
        section: &str,
        rows: Option<(&Option<String>, Option<&'v [R]>)>,
    ) -> Option<&'v [R]> {
        let found = match rows {
            Some((Some(g), _)) if g != "route" => {
                self.notes.push(format!(
                    "{}: the {section} section is grouped by {g}, not route; not used",
                    self.label
                ));
                return None;
            }
            Some((_, rows)) => rows,
            None => None,
        };
        if found.is_none() {
            self.notes.push(format!(
                "{}: no {section} figures (section missing or empty): its rules and columns are not available",
                self.label
            ));
        }
        found
    }
}

fn route_spend(row: &RowView) -> RouteFigures {
    RouteFigures {
        calls: row.calls,
        cost: row.cost_usd,
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        unpriced_calls: row.calls.zip(row.priced_calls).map(|(c, p)| c.saturating_sub(p)),
        ..RouteFigures::default()
    }
}

fn model_figures(row: &RowView) -> ModelFigures {
    ModelFigures { calls: row.calls.unwrap_or(0), cost: row.cost_usd.unwrap_or(Money::ZERO) }
}

fn route_models(v: &ReportView) -> Option<BTreeMap<(Key, Key), ModelFigures>> {
    let rows = v.breakdowns.get("route,model")?;
    let mut out = BTreeMap::new();
    for row in rows.iter().filter(|r| !r.other) {
        let keys = row.keys.as_ref()?;
        let part = |i: usize| keys.get(i).cloned().flatten();
        out.insert((part(0), part(1)), model_figures(row));
    }
    Some(out)
}

fn route_logged_models(v: &ReportView) -> Option<BTreeMap<(Key, Key, Key), ModelFigures>> {
    let rows = v.breakdowns.get("route,model,logged_model")?;
    let mut out = BTreeMap::new();
    for row in rows.iter().filter(|r| !r.other) {
        let keys = row.keys.as_ref()?;
        let part = |i: usize| keys.get(i).cloned().flatten();
        out.insert((part(0), part(1), part(2)), model_figures(row));
    }
    Some(out)
}

fn fleet(v: &ReportView) -> Fleet {
    /// The run's figure, else the ratio of two sums over the route rows.
    fn rate<R>(
        s: Option<&Grouped<R>>,
        whole: fn(&R) -> Option<f64>,
        num: fn(&R) -> Option<u64>,
        den: fn(&R) -> Option<u64>,
    ) -> Option<f64> {
        let s = s?;
        s.totals.as_ref().and_then(whole).or_else(|| {
            let rows = s.routes.as_deref()?;
            let (n, d) = (sum(rows, num)?, sum(rows, den)?);
            (d > 0).then(|| n as f64 / d as f64)
        })
    }
    Fleet {
        cache_hit_rate: rate(
            v.cache.as_ref(),
            |r: &CacheRow| r.token_hit_rate,
            |r| r.cache_read_tokens,
            |r| r.input_tokens,
        ),
        retry_multiplier: rate(
            v.retries.as_ref(),
            |r: &RetryRow| r.multiplier,
            |r| r.calls,
            |r| r.operations,
        ),
        fallback_rate: rate(
            v.fallbacks.as_ref(),
            |r: &FallbackRow| r.fallback_rate,
            |r| r.fallback_operations,
            |r| r.operations,
        ),
    }
}

/// The sum of a count over rows; `None` when any row lacks it.
fn sum<R>(rows: &[R], count: impl Fn(&R) -> Option<u64>) -> Option<u64> {
    rows.iter().map(count).sum()
}

/// Every route and model named on either side, for new/vanished lists.
pub fn keys_of<V>(maps: [Option<&BTreeMap<Key, V>>; 2]) -> BTreeSet<Key> {
    maps.into_iter().flatten().flat_map(|m| m.keys().cloned()).collect()
}

/// A route or model as people read it.
pub fn label(key: &Key) -> &str {
    key.as_deref().unwrap_or("(none)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A saved report's JSON as the gate reads it.
    fn view(v: serde_json::Value) -> ReportView {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn json_costs_read_as_written() {
        let v = view(
            serde_json::json!({"totals": {"cost_usd": 1.2345678901234567e-5, "cost_usd_exact": "0.000000000000000001"}}),
        );
        let t = v.totals.unwrap();
        // 21 decimals in its shortest form: rounded to 18.
        assert_eq!(t.cost_usd.unwrap().exact(), "0.000012345678901235");
        assert_eq!(t.cost_usd_exact.as_deref(), Some("0.000000000000000001"));
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
        let s = Summary::from_view(&view(v), "r.json").unwrap();
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
        let err = Summary::from_view(&view(serde_json::json!({"schema_version": 2})), "x").unwrap_err();
        assert!(err.to_string().contains("schema_version 2"));
        assert!(Summary::from_view(&view(serde_json::json!({"calls": 1})), "x").is_err());
    }

    #[test]
    fn sections_fill_route_and_fleet_figures() {
        let v = serde_json::json!({
            "schema_version": 1,
            "totals": {"calls": 4, "cost_usd_exact": "1"},
            "cache": {"group_by": "route", "routes": [{"route": "a", "token_hit_rate": 0.25, "cache_read_tokens": 25, "input_tokens": 100}]},
            "retries": {"routes": [{"route": "a", "calls": 4, "operations": 2, "multiplier": 2.0}]},
            "fallbacks": {"routes": [{"route": "a", "operations": 2, "fallback_operations": 1, "fallback_rate": 0.5}]},
            "thresholds": {"group_by": "route", "count": 0, "by_route": []},
            "jobs": {"jobs": 2}
        });
        let s = Summary::from_view(&view(v), "x").unwrap();
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
