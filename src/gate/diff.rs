//! Diff: two runs' `Summary`s → absolute and relative deltas of the totals, of cost per job
//! and per operation, of every route and model (new and vanished ones named), and the
//! policy's verdicts on the current run. No formatting here.
//!
//! The headline compares cost per job when both runs have job counts, else cost per
//! operation, else the raw totals; route and model costs are compared on the same basis, so
//! runs with different numbers of jobs compare fairly.

use std::collections::BTreeMap;

use serde::Serialize;

use super::figures::{per, Basis, Change, Headline, Increases, Quantity, Side};
use super::policy::Policy;
use super::rules::{failures, sort_verdicts, Verdict};
use super::summary::{keys_of, label, Key, ModelFigures, RouteFigures, Summary};
use crate::money::Money;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Totals {
    pub cost_usd: Change<Money>,
    pub calls: Change<u64>,
    pub jobs: Change<u64>,
    pub operations: Change<u64>,
    pub cost_per_job_usd: Change<Money>,
    pub cost_per_operation_usd: Change<Money>,
    pub unpriced_calls: Change<u64>,
    pub cache_hit_rate: Change<f64>,
    pub retry_multiplier: Change<f64>,
    pub fallback_rate: Change<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    New,
    Vanished,
    Changed,
    Unchanged,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteDiff {
    pub route: Key,
    pub status: Presence,
    pub cost_usd: Change<Money>,
    /// Cost per basis unit: the route's cost divided by the run's jobs (operations, 1).
    pub cost_per_unit_usd: Change<Money>,
    pub calls: Change<u64>,
    pub input_tokens: Change<u64>,
    pub output_tokens: Change<u64>,
    pub cache_hit_rate: Change<f64>,
    pub retry_multiplier: Change<f64>,
    pub fallback_rate: Change<f64>,
    pub threshold_crossings: Change<u64>,
    pub unpriced_calls: Change<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelDiff {
    pub model: Key,
    pub status: Presence,
    pub calls: Change<u64>,
    pub cost_usd: Change<Money>,
    pub cost_per_unit_usd: Change<Money>,
}

/// Everything `diff` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    pub base: Side,
    pub current: Side,
    pub basis: Basis,
    pub headline: Headline,
    pub noise: f64,
    pub totals: Totals,
    /// By the size of the change in cost per unit, largest first.
    pub routes: Vec<RouteDiff>,
    pub models: Vec<ModelDiff>,
    pub new_routes: Vec<String>,
    pub vanished_routes: Vec<String>,
    pub new_models: Vec<String>,
    pub vanished_models: Vec<String>,
    pub failed: usize,
    /// Failures first.
    pub verdicts: Vec<Verdict>,
    pub notes: Vec<String>,
}

/// Compares two runs and holds the current one to `policy`.
pub fn compare(base: &Summary, current: &Summary, policy: &Policy) -> Diff {
    let noise = policy.noise;
    let (basis, basis_note) = basis_of(base, current);
    let units = |s: &Summary| match basis {
        Basis::Job => s.jobs,
        Basis::Operation => s.operations,
        Basis::Run => Some(1),
    };
    let (ub, uc) = (units(base).unwrap_or(1), units(current).unwrap_or(1));
    let headline =
        Headline { basis, change: Change::new(Some(per(base.cost, ub)), Some(per(current.cost, uc)), noise) };
    let routes = route_diffs(base, current, (ub, uc), noise);
    let models = model_diffs(base.models.as_ref(), current.models.as_ref(), (ub, uc), noise);
    let increases = Increases {
        headline: Some(headline),
        routes: routes.iter().map(|r| (r.route.clone(), r.cost_per_unit_usd)).collect(),
        models: models.iter().map(|m| (m.model.clone(), m.cost_per_unit_usd)).collect(),
    };
    let verdicts = sort_verdicts(policy.evaluate(current, Some(&increases)));
    let mut notes: Vec<String> = base.notes.iter().chain(&current.notes).cloned().collect();
    notes.extend(basis_note);
    if let (Some(a), Some(b)) = (&base.pricing_hash, &current.pricing_hash) {
        if a != b {
            notes.push(format!("the runs were priced with different tables (hash {a} vs {b}): part of the change may be prices"));
        }
    }
    if base.routes.is_none() || current.routes.is_none() {
        notes.push("routes are not compared: a side has no route breakdown".to_string());
    }
    Diff {
        base: Side::of(base),
        current: Side::of(current),
        basis,
        headline,
        noise,
        totals: totals(base, current, noise),
        new_routes: names(&routes, |r| (r.status, &r.route), Presence::New),
        vanished_routes: names(&routes, |r| (r.status, &r.route), Presence::Vanished),
        new_models: names(&models, |m| (m.status, &m.model), Presence::New),
        vanished_models: names(&models, |m| (m.status, &m.model), Presence::Vanished),
        routes,
        models,
        failed: failures(&verdicts),
        verdicts,
        notes,
    }
}

fn basis_of(base: &Summary, current: &Summary) -> (Basis, Option<String>) {
    let both =
        |f: fn(&Summary) -> Option<u64>| f(base).is_some_and(|n| n > 0) && f(current).is_some_and(|n| n > 0);
    if both(|s| s.jobs) {
        (Basis::Job, None)
    } else if both(|s| s.operations) {
        (Basis::Operation, Some("no job counts on both sides: comparing cost per operation".to_string()))
    } else {
        (Basis::Run, Some("no job or operation counts on both sides: comparing whole-run totals".to_string()))
    }
}

fn totals(b: &Summary, c: &Summary, noise: f64) -> Totals {
    let (sb, sc) = (Side::of(b), Side::of(c));
    Totals {
        cost_usd: Change::new(Some(b.cost), Some(c.cost), noise),
        calls: Change::new(Some(b.calls), Some(c.calls), noise),
        jobs: Change::new(b.jobs, c.jobs, noise),
        operations: Change::new(b.operations, c.operations, noise),
        cost_per_job_usd: Change::new(sb.cost_per_job_usd, sc.cost_per_job_usd, noise),
        cost_per_operation_usd: Change::new(sb.cost_per_operation_usd, sc.cost_per_operation_usd, noise),
        unpriced_calls: Change::new(Some(b.unpriced_calls), Some(c.unpriced_calls), noise),
        cache_hit_rate: Change::new(b.fleet.cache_hit_rate, c.fleet.cache_hit_rate, noise),
        retry_multiplier: Change::new(b.fleet.retry_multiplier, c.fleet.retry_multiplier, noise),
        fallback_rate: Change::new(b.fleet.fallback_rate, c.fleet.fallback_rate, noise),
    }
}

fn route_diffs(base: &Summary, current: &Summary, units: (u64, u64), noise: f64) -> Vec<RouteDiff> {
    let (Some(b), Some(c)) = (&base.routes, &current.routes) else { return Vec::new() };
    let mut out: Vec<RouteDiff> = keys_of([Some(b), Some(c)])
        .into_iter()
        .map(|key| {
            let (fb, fc) = (b.get(&key), c.get(&key));
            route_diff(key, fb, fc, units, noise)
        })
        .collect();
    out.sort_by(|x, y| {
        size(&y.cost_per_unit_usd).cmp(&size(&x.cost_per_unit_usd)).then_with(|| x.route.cmp(&y.route))
    });
    out
}

fn route_diff(
    route: Key,
    b: Option<&RouteFigures>,
    c: Option<&RouteFigures>,
    (ub, uc): (u64, u64),
    noise: f64,
) -> RouteDiff {
    fn ch<T: Quantity>(
        b: Option<&RouteFigures>,
        c: Option<&RouteFigures>,
        f: fn(&RouteFigures) -> Option<T>,
        noise: f64,
    ) -> Change<T> {
        Change::new(b.and_then(f), c.and_then(f), noise)
    }
    let cost_per = |f: &RouteFigures, n: u64| f.cost.map(|m| per(m, n));
    let mut d = RouteDiff {
        route,
        status: Presence::Unchanged,
        cost_usd: ch(b, c, |f| f.cost, noise),
        cost_per_unit_usd: Change::new(
            b.and_then(|f| cost_per(f, ub)),
            c.and_then(|f| cost_per(f, uc)),
            noise,
        ),
        calls: ch(b, c, |f| f.calls, noise),
        input_tokens: ch(b, c, |f| f.input_tokens, noise),
        output_tokens: ch(b, c, |f| f.output_tokens, noise),
        cache_hit_rate: ch(b, c, |f| f.cache_hit_rate, noise),
        retry_multiplier: ch(b, c, |f| f.retry_multiplier, noise),
        fallback_rate: ch(b, c, |f| f.fallback_rate, noise),
        threshold_crossings: ch(b, c, |f| f.threshold_crossings, noise),
        unpriced_calls: ch(b, c, |f| f.unpriced_calls, noise),
    };
    let significant = [
        d.cost_per_unit_usd.significant,
        d.calls.significant,
        d.input_tokens.significant,
        d.output_tokens.significant,
        d.cache_hit_rate.significant,
        d.retry_multiplier.significant,
        d.fallback_rate.significant,
        d.threshold_crossings.significant,
        d.unpriced_calls.significant,
    ];
    d.status = presence(present(b), present(c), significant.contains(&true));
    d
}

/// A route counts as present when it had calls (or, without a breakdown, any figure).
fn present(f: Option<&RouteFigures>) -> bool {
    f.is_some_and(|f| f.calls.is_none_or(|n| n > 0))
}

fn presence(before: bool, after: bool, changed: bool) -> Presence {
    match (before, after) {
        (false, true) => Presence::New,
        (true, false) => Presence::Vanished,
        _ if changed => Presence::Changed,
        _ => Presence::Unchanged,
    }
}

fn model_diffs(
    b: Option<&BTreeMap<Key, ModelFigures>>,
    c: Option<&BTreeMap<Key, ModelFigures>>,
    (ub, uc): (u64, u64),
    noise: f64,
) -> Vec<ModelDiff> {
    let (Some(b), Some(c)) = (b, c) else { return Vec::new() };
    let mut out: Vec<ModelDiff> = keys_of([Some(b), Some(c)])
        .into_iter()
        .map(|key| {
            let (fb, fc) = (b.get(&key), c.get(&key));
            let cost_per = |f: Option<&ModelFigures>, n| f.map(|f| per(f.cost, n));
            let cost_per_unit_usd = Change::new(cost_per(fb, ub), cost_per(fc, uc), noise);
            let calls = Change::new(fb.map(|f| f.calls), fc.map(|f| f.calls), noise);
            let changed = cost_per_unit_usd.significant || calls.significant;
            let status = presence(fb.is_some_and(|f| f.calls > 0), fc.is_some_and(|f| f.calls > 0), changed);
            ModelDiff {
                model: key,
                status,
                calls,
                cost_usd: Change::new(fb.map(|f| f.cost), fc.map(|f| f.cost), noise),
                cost_per_unit_usd,
            }
        })
        .collect();
    out.sort_by(|x, y| {
        size(&y.cost_per_unit_usd).cmp(&size(&x.cost_per_unit_usd)).then_with(|| x.model.cmp(&y.model))
    });
    out
}

/// How big a change in cost is, for ordering: |delta|, or the whole amount of a new or
/// vanished item.
fn size(c: &Change<Money>) -> i128 {
    match (c.before, c.after) {
        (Some(b), Some(a)) => (a - b).atto().abs(),
        (Some(x), None) | (None, Some(x)) => x.atto().abs(),
        (None, None) => 0,
    }
}

fn names<T>(items: &[T], f: impl Fn(&T) -> (Presence, &Key), want: Presence) -> Vec<String> {
    let mut out: Vec<String> =
        items.iter().map(&f).filter(|(p, _)| *p == want).map(|(_, k)| label(k).to_string()).collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::summary::RouteFigures;

    fn usd(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn run(cost: &str, jobs: Option<u64>, routes: &[(&str, &str)]) -> Summary {
        let routes = routes
            .iter()
            .map(|(k, c)| {
                (
                    Some(k.to_string()),
                    RouteFigures { calls: Some(1), cost: Some(usd(c)), ..RouteFigures::default() },
                )
            })
            .collect();
        Summary {
            label: "x".into(),
            calls: 1,
            cost: usd(cost),
            jobs,
            operations: Some(10),
            routes: Some(routes),
            ..Summary::default()
        }
    }

    #[test]
    fn more_jobs_compare_per_job_not_in_total() {
        // $10 over 4 jobs = $2.50 per job; $12 over 5 jobs = $2.40: the total rose 20%,
        // the cost per job fell 0.1 / 2.5 = 4%.
        let base = run("10", Some(4), &[("a", "10")]);
        let current = run("12", Some(5), &[("a", "9"), ("b", "3")]);
        let mut policy = Policy::default();
        policy.apply("max-increase", "0%").unwrap();
        let d = compare(&base, &current, &policy);
        assert_eq!(d.basis, Basis::Job);
        assert_eq!(d.headline.change.after.unwrap().exact(), "2.4");
        assert!((d.headline.change.relative.unwrap() + 0.04).abs() < 1e-12);
        assert!((d.totals.cost_usd.relative.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(d.failed, 0);
        // a: 10/4 = 2.5 → 9/5 = 1.8 (−0.7); b: new, 3/5 = 0.6. Largest change first.
        assert_eq!(d.routes[0].route.as_deref(), Some("a"));
        assert_eq!(d.routes[0].cost_per_unit_usd.delta.unwrap().exact(), "-0.7");
        assert_eq!(
            (d.routes[1].status, d.routes[1].cost_per_unit_usd.after.unwrap().exact()),
            (Presence::New, "0.6".to_string())
        );
        assert_eq!(d.new_routes, ["b"]);
    }

    #[test]
    fn without_job_counts_the_basis_is_the_operation() {
        // Both sides have 10 operations: $10 → $12 is $1.00 → $1.20 per operation.
        let d = compare(&run("10", None, &[]), &run("12", Some(5), &[]), &Policy::default());
        assert_eq!(d.basis, Basis::Operation);
        assert_eq!(d.headline.change.after.unwrap().exact(), "1.2");
        assert!(d.notes.iter().any(|n| n.contains("per operation")));
    }
}
