//! Budgets: replay the priced calls in time order against spending limits, as a gateway
//! enforcing them would have. Per budget (the calls its `match` selects) and per day or hour
//! in the run's time zone (`--tz`, UTC by default; a day the clocks change has 23 or 25 hours): spend against the limit, the call at which each alert threshold was reached, the
//! call at which the hard stop would have fired and what every later call of that period cost
//! (what the cap would have prevented), and calls above the per-call limit.
//!
//! Each limit is replayed on its own over the calls as they happened (a stop in one hour
//! does not remove calls from the day's spend). Unpriced calls are counted apart, never as $0.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyze::dims::Dim;
use crate::analyze::Selection;
use crate::calls::StrCol;
use crate::calls::{Calls, FLAG_AGGREGATE};
use crate::money::Money;
use crate::pattern::glob_matches;
use crate::price::Priced;

use crate::time::Zone;

/// Calls over the per-call limit listed by name (the costliest).
const WORST_KEPT: usize = 10;

/// The budgets file (YAML, or TOML when the name ends in `.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetsFile {
    budgets: Vec<BudgetSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetSpec {
    name: String,
    #[serde(default, rename = "match")]
    matches: BTreeMap<String, Patterns>,
    daily_limit_usd: Option<f64>,
    hourly_limit_usd: Option<f64>,
    per_call_limit_usd: Option<f64>,
    #[serde(default)]
    alert_at_pct: Vec<f64>,
    hard_stop_at_pct: Option<f64>,
}

/// One glob or a list of them (any may match).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Patterns {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Hour,
}

/// A validated budget.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub name: String,
    /// (field, globs): a call matches when every field matches one of its globs.
    pub matches: Vec<(String, Vec<String>)>,
    pub limits: Vec<(Period, Money)>,
    pub per_call: Option<Money>,
    /// Percentages of the limit, ascending.
    pub alerts: Vec<f64>,
    pub hard_stop: Option<f64>,
}

/// Reads and validates a budgets file.
pub fn load(path: &Path) -> Result<Vec<Budget>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading budgets file {}", path.display()))?;
    let file: BudgetsFile = if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text).with_context(|| format!("budgets file {}", path.display()))?
    } else {
        serde_yaml::from_str(&text).with_context(|| format!("budgets file {}", path.display()))?
    };
    file.budgets
        .into_iter()
        .map(validate)
        .collect::<Result<_>>()
        .with_context(|| format!("budgets file {}", path.display()))
}

fn validate(spec: BudgetSpec) -> Result<Budget> {
    let name = spec.name.clone();
    let usd = |field: &str, v: Option<f64>| -> Result<Option<Money>> {
        match v {
            None => Ok(None),
            // A limit shows as dollars with at most six decimals: one below a micro-dollar
            // would read "$0.00" while every call is over it; above $10^12 it is no limit.
            Some(x) if (1e-6..=1e12).contains(&x) => {
                Money::from_f64(x).map(Some).with_context(|| format!("budget {name:?}: {field} {x}"))
            }
            Some(x) => {
                bail!("budget {name:?}: {field} must be between $0.000001 and $1,000,000,000,000, got {x}")
            }
        }
    };
    let limits: Vec<(Period, Money)> = [
        (Period::Day, usd("daily_limit_usd", spec.daily_limit_usd)?),
        (Period::Hour, usd("hourly_limit_usd", spec.hourly_limit_usd)?),
    ]
    .into_iter()
    .filter_map(|(p, m)| m.map(|m| (p, m)))
    .collect();
    let per_call = usd("per_call_limit_usd", spec.per_call_limit_usd)?;
    if limits.is_empty() && per_call.is_none() {
        bail!("budget {name:?} has no limit: set daily_limit_usd, hourly_limit_usd or per_call_limit_usd");
    }
    let pcts = spec.alert_at_pct.iter().chain(&spec.hard_stop_at_pct);
    if let Some(bad) = pcts.clone().find(|p| !(p.is_finite() && **p > 0.0)) {
        bail!("budget {name:?}: percentages must be above 0, got {bad}");
    }
    let mut alerts = spec.alert_at_pct.clone();
    alerts.sort_by(f64::total_cmp);
    alerts.dedup();
    let matches = spec
        .matches
        .into_iter()
        .map(|(field, p)| {
            let globs = match p {
                Patterns::One(g) => vec![g],
                Patterns::Many(g) => g,
            };
            for g in &globs {
                glob::Pattern::new(g)
                    .with_context(|| format!("budget {name:?}: bad pattern {g:?} for {field}"))?;
            }
            Ok((field, globs))
        })
        .collect::<Result<_>>()?;
    Ok(Budget { name: spec.name, matches, limits, per_call, alerts, hard_stop: spec.hard_stop_at_pct })
}

/// The fields any budget matches on (the run must keep them).
pub fn fields(budgets: &[Budget]) -> Vec<String> {
    let mut out: Vec<String> =
        budgets.iter().flat_map(|b| b.matches.iter().map(|(f, _)| f.clone())).collect();
    out.sort();
    out.dedup();
    out
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    #[serde(skip)]
    pub ts_ms: i64,
    pub pct: f64,
    /// The call that reached it (RFC 3339, in the run's zone).
    pub at: String,
    /// The period's spend after that call.
    pub spend_usd: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stop {
    #[serde(skip)]
    pub ts_ms: i64,
    pub pct: f64,
    pub at: String,
    pub spend_usd: Money,
    /// Calls of the same period after the stop, and their cost.
    pub prevented_calls: u64,
    pub prevented_usd: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodSpend {
    /// `2026-03-04` for a day, `2026-03-04T13:00Z` for an hour (`2026-10-25T02:00+01:00` in a
    /// named zone: the offset tells the two 02:00 hours of a night the clocks go back apart).
    pub start: String,
    pub calls: u64,
    pub spend_usd: Money,
    pub share_of_limit: f64,
    pub alerts: Vec<Alert>,
    pub hard_stop: Option<Stop>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LimitResult {
    pub period: Period,
    pub limit_usd: Money,
    /// Periods with spend, in time order.
    pub periods: Vec<PeriodSpend>,
    /// Periods whose spend went over the limit.
    pub over_limit: u64,
    pub alerts: u64,
    pub hard_stops: u64,
    pub prevented_usd: Money,
    /// The costliest period (the first of equals).
    pub peak: Option<Peak>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Peak {
    pub start: String,
    pub spend_usd: Money,
    pub share_of_limit: f64,
}

/// An alert or a hard stop, for the time-ordered list of what would have fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    #[serde(skip)]
    pub ts_ms: i64,
    pub at: String,
    pub budget: String,
    pub period: Period,
    pub period_start: String,
    /// `alert` or `hard_stop`.
    pub kind: &'static str,
    pub pct: f64,
    pub limit_usd: Money,
    pub spend_usd: Money,
    /// Hard stops: the spend after it in that period.
    pub prevented_usd: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverCall {
    pub at: String,
    pub route: Option<String>,
    pub model: Option<String>,
    pub cost_usd: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerCall {
    pub limit_usd: Money,
    pub calls: u64,
    pub cost_usd: Money,
    /// What those calls cost above the limit.
    pub excess_usd: Money,
    /// The costliest of them.
    pub worst: Vec<OverCall>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BudgetResult {
    pub name: String,
    pub calls: u64,
    pub cost_usd: Money,
    pub unpriced_calls: u64,
    /// Usage-API bucket rows among its calls: they count toward daily limits only.
    #[serde(skip_serializing_if = "crate::analyze::is_zero")]
    pub bucket_rows: u64,
    /// Bucket rows without a price (a bucket may count no requests).
    #[serde(skip_serializing_if = "crate::analyze::is_zero")]
    pub unpriced_bucket_rows: u64,
    pub limits: Vec<LimitResult>,
    pub per_call: Option<PerCall>,
    pub hard_stop_fired: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BudgetReport {
    /// The zone of the days and hours.
    pub time_zone: Zone,
    pub budgets: Vec<BudgetResult>,
    /// Budgets whose hard stop would have fired.
    pub hard_stops: usize,
    /// Every alert and hard stop, in time order.
    pub events: Vec<Event>,
    pub notes: Vec<String>,
}

/// Replays the selected calls against every budget, by days and hours of `zone`. `dim_of`
/// names a field's dimension.
pub fn replay(
    budgets: &[Budget],
    calls: &Calls,
    priced: &Priced,
    sel: &Selection,
    zone: Zone,
    dim_of: impl Fn(&str) -> Option<Dim>,
) -> Result<BudgetReport> {
    let mut order: Vec<usize> = sel.rows().collect();
    order.par_sort_by_key(|&r| (calls.ts_ms[r], r));
    let results = budgets
        .iter()
        .map(|b| {
            let matcher = Matcher::new(b, calls, &dim_of)?;
            Ok(replay_one(b, calls, priced, zone, order.iter().copied().filter(|&r| matcher.matches(r))))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut notes = Vec::new();
    for r in results.iter().filter(|r| r.unpriced_calls > 0 || r.unpriced_bucket_rows > 0) {
        let s = |n: u64| if n == 1 { "" } else { "s" };
        let (buckets, have) = match r.unpriced_bucket_rows {
            0 if r.unpriced_calls == 1 => (String::new(), "has"),
            0 => (String::new(), "have"),
            n => (format!(" and {n} usage-bucket row{}", s(n)), "have"),
        };
        notes.push(format!(
            "budget {}: {} call{}{buckets} {have} no price and {} not in its spend",
            r.name,
            r.unpriced_calls,
            s(r.unpriced_calls),
            if have == "has" { "is" } else { "are" }
        ));
    }
    for (r, b) in results
        .iter()
        .zip(budgets)
        .filter(|(r, b)| r.bucket_rows > 0 && b.limits.iter().any(|l| l.0 == Period::Hour))
    {
        notes.push(format!("budget {}: {} usage-bucket rows count toward its daily limit only (a bucket's hours are unknown)", b.name, r.bucket_rows));
    }
    for r in results.iter().filter(|r| r.calls == 0 && r.bucket_rows == 0) {
        notes.push(format!("budget {}: no call matches it", r.name));
    }
    Ok(BudgetReport {
        time_zone: zone,
        hard_stops: results.iter().filter(|r| r.hard_stop_fired).count(),
        events: events(&results),
        budgets: results,
        notes,
    })
}

fn events(results: &[BudgetResult]) -> Vec<Event> {
    let mut out = Vec::new();
    for r in results {
        for l in &r.limits {
            for p in &l.periods {
                let event = |ts_ms: i64, at: &str, kind, pct, spend, prevented| Event {
                    ts_ms,
                    at: at.to_string(),
                    budget: r.name.clone(),
                    period: l.period,
                    period_start: p.start.clone(),
                    kind,
                    pct,
                    limit_usd: l.limit_usd,
                    spend_usd: spend,
                    prevented_usd: prevented,
                };
                out.extend(p.alerts.iter().map(|a| event(a.ts_ms, &a.at, "alert", a.pct, a.spend_usd, None)));
                out.extend(
                    p.hard_stop.iter().map(|s| {
                        event(s.ts_ms, &s.at, "hard_stop", s.pct, s.spend_usd, Some(s.prevented_usd))
                    }),
                );
            }
        }
    }
    // Alerts before the stop they precede.
    out.sort_by(|a, b| {
        a.ts_ms
            .cmp(&b.ts_ms)
            .then(a.budget.cmp(&b.budget))
            .then(a.kind.cmp(b.kind))
            .then(a.pct.total_cmp(&b.pct))
    });
    out
}

/// Per matched field, which of its codes match the budget's globs. A field may be read from
/// several columns, any of which matching will do: `model` matches a call by its resolved name
/// or by its name as logged (`gpt-4o-2024-08-06*` still matches what groups as `gpt-4o`).
struct Matcher<'c> {
    fields: Vec<Vec<(crate::analyze::dims::Codes<'c>, Vec<bool>)>>,
}

impl<'c> Matcher<'c> {
    fn new(b: &Budget, calls: &'c Calls, dim_of: &impl Fn(&str) -> Option<Dim>) -> Result<Matcher<'c>> {
        let mut fields = Vec::new();
        for (field, globs) in &b.matches {
            let dim = dim_of(field)
                .with_context(|| format!("budget {:?}: field {field:?} was not read", b.name))?;
            let mut dims = vec![dim.clone()];
            if dim == Dim::Str(StrCol::Model) {
                dims.push(Dim::Str(StrCol::LoggedModel));
            }
            let alternatives = dims
                .iter()
                .map(|d| {
                    let codes = d.codes(calls);
                    let table = (0..codes.cardinality() as u32)
                        .map(|c| codes.label(c).is_some_and(|l| globs.iter().any(|g| glob_matches(g, &l))))
                        .collect();
                    (codes, table)
                })
                .collect();
            fields.push(alternatives);
        }
        Ok(Matcher { fields })
    }

    fn matches(&self, row: usize) -> bool {
        self.fields.iter().all(|alternatives| {
            alternatives
                .iter()
                .any(|(codes, table)| table.get(codes.code(row) as usize).copied().unwrap_or(false))
        })
    }
}

fn replay_one(
    b: &Budget,
    calls: &Calls,
    priced: &Priced,
    zone: Zone,
    rows: impl Iterator<Item = usize>,
) -> BudgetResult {
    let mut trackers: Vec<Tracker> =
        b.limits.iter().map(|&(p, l)| Tracker::new(p, l, zone, &b.alerts, b.hard_stop)).collect();
    let mut over: Vec<(Money, i64, usize)> = Vec::new();
    let (mut n, mut cost, mut unpriced) = (0u64, Money::ZERO, 0u64);
    let (mut buckets, mut unpriced_buckets) = (0u64, 0u64);
    for row in rows {
        let bucket = calls.has_flag(row, FLAG_AGGREGATE);
        n += calls.requests(row);
        buckets += bucket as u64;
        if !priced.is_priced(row) {
            unpriced += calls.requests(row);
            unpriced_buckets += bucket as u64;
            continue;
        }
        let (c, ts) = (priced.cost[row], calls.ts_ms[row]);
        cost += c;
        // A bucket is dated at its start: its day is known, its hour is not.
        trackers.iter_mut().filter(|t| !bucket || t.period == Period::Day).for_each(|t| t.feed(ts, c));
        // A usage bucket is many calls: the per-call limit does not apply to it.
        if b.per_call.is_some_and(|l| c > l) && !bucket {
            over.push((c, ts, row));
        }
    }
    let limits: Vec<LimitResult> = trackers.into_iter().map(Tracker::finish).collect();
    let hard_stop_fired = limits.iter().any(|l| l.hard_stops > 0);
    let per_call = b.per_call.map(|l| per_call(l, over, calls, zone));
    BudgetResult {
        name: b.name.clone(),
        calls: n,
        cost_usd: cost,
        unpriced_calls: unpriced,
        bucket_rows: buckets,
        unpriced_bucket_rows: unpriced_buckets,
        limits,
        per_call,
        hard_stop_fired,
    }
}

fn per_call(limit: Money, mut over: Vec<(Money, i64, usize)>, calls: &Calls, zone: Zone) -> PerCall {
    let cost: Money = over.iter().map(|o| o.0).sum();
    let excess: Money = over.iter().map(|o| o.0 - limit).sum();
    let n = over.len() as u64;
    over.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let worst = over
        .iter()
        .take(WORST_KEPT)
        .map(|&(c, ts, row)| OverCall {
            at: zone.rfc3339(ts),
            route: calls.col(StrCol::Route).value(row).map(str::to_string),
            model: calls.col(StrCol::Model).value(row).map(str::to_string),
            cost_usd: c,
        })
        .collect();
    PerCall { limit_usd: limit, calls: n, cost_usd: cost, excess_usd: excess, worst }
}

/// One limit's replay: the current period's running spend and the finished periods.
struct Tracker {
    period: Period,
    zone: Zone,
    limit: Money,
    /// (pct, spend that reaches it), ascending.
    alerts: Vec<(f64, Money)>,
    stop: Option<(f64, Money)>,
    current: Option<(i64, PeriodSpend)>,
    done: Vec<PeriodSpend>,
}

impl Tracker {
    fn new(period: Period, limit: Money, zone: Zone, alerts: &[f64], stop: Option<f64>) -> Tracker {
        let mark = |pct: f64| (pct, share(limit, pct));
        Tracker {
            period,
            zone,
            limit,
            alerts: alerts.iter().map(|&p| mark(p)).collect(),
            stop: stop.map(mark),
            current: None,
            done: Vec::new(),
        }
    }

    fn feed(&mut self, ts: i64, cost: Money) {
        // The period's key: a local day number, or the instant its local hour began.
        let start = match self.period {
            Period::Day => self.zone.day(ts),
            Period::Hour => self.zone.hour_start(ts),
        };
        if self.current.as_ref().is_none_or(|(s, _)| *s != start) {
            let label = period_label(start, self.period, self.zone);
            if let Some((_, p)) = self.current.replace((
                start,
                PeriodSpend {
                    start: label,
                    calls: 0,
                    spend_usd: Money::ZERO,
                    share_of_limit: 0.0,
                    alerts: Vec::new(),
                    hard_stop: None,
                },
            )) {
                self.done.push(p);
            }
        }
        let (_, p) = self.current.as_mut().expect("set above");
        if let Some(stop) = &mut p.hard_stop {
            stop.prevented_calls += 1;
            stop.prevented_usd += cost;
        }
        p.calls += 1;
        p.spend_usd += cost;
        for &(pct, at) in self.alerts.iter().skip(p.alerts.len()) {
            if p.spend_usd >= at {
                p.alerts.push(Alert { ts_ms: ts, pct, at: self.zone.rfc3339(ts), spend_usd: p.spend_usd });
            }
        }
        if let Some((pct, _)) = self.stop.filter(|(_, at)| p.hard_stop.is_none() && p.spend_usd >= *at) {
            p.hard_stop = Some(Stop {
                ts_ms: ts,
                pct,
                at: self.zone.rfc3339(ts),
                spend_usd: p.spend_usd,
                prevented_calls: 0,
                prevented_usd: Money::ZERO,
            });
        }
    }

    fn finish(mut self) -> LimitResult {
        self.done.extend(self.current.take().map(|(_, p)| p));
        for p in &mut self.done {
            p.share_of_limit = p.spend_usd.share_of(self.limit);
        }
        let periods = self.done;
        let peak = periods.iter().rev().max_by_key(|p| p.spend_usd).map(|p| Peak {
            start: p.start.clone(),
            spend_usd: p.spend_usd,
            share_of_limit: p.share_of_limit,
        });
        LimitResult {
            peak,
            period: self.period,
            limit_usd: self.limit,
            over_limit: periods.iter().filter(|p| p.spend_usd > self.limit).count() as u64,
            alerts: periods.iter().map(|p| p.alerts.len() as u64).sum(),
            hard_stops: periods.iter().filter(|p| p.hard_stop.is_some()).count() as u64,
            prevented_usd: periods.iter().filter_map(|p| p.hard_stop.as_ref()).map(|s| s.prevented_usd).sum(),
            periods,
        }
    }
}

/// `pct` percent of `limit`, exact for percentages with up to 4 decimals.
fn share(limit: Money, pct: f64) -> Money {
    let hundred_th_bp = (pct * 10_000.0).round() as i128;
    Money::from_atto(limit.atto() * hundred_th_bp / 1_000_000)
}

/// A period by its key (`Tracker::feed`).
fn period_label(key: i64, period: Period, zone: Zone) -> String {
    match period {
        Period::Day => crate::analyze::dims::day_label(key),
        Period::Hour => zone.hour_label(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_exact_shares_of_the_limit() {
        let limit = Money::parse("1200").unwrap();
        assert_eq!(share(limit, 80.0).exact(), "960");
        assert_eq!(share(limit, 95.0).exact(), "1140");
        assert_eq!(share(Money::parse("0.01").unwrap(), 50.0).exact(), "0.005");
        assert_eq!(share(limit, 12.3456).exact(), "148.1472");
    }

    #[test]
    fn labels_are_utc_by_default() {
        use crate::time::{MS_PER_DAY, MS_PER_HOUR};
        // 2026-03-04T13:25:00Z = 1772630700000 ms.
        let utc = Zone::Utc;
        assert_eq!(
            period_label(1_772_630_700_000 / MS_PER_HOUR * MS_PER_HOUR, Period::Hour, utc),
            "2026-03-04T13:00Z"
        );
        assert_eq!(period_label(1_772_630_700_000 / MS_PER_DAY, Period::Day, utc), "2026-03-04");
    }
}
