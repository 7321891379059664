//! Rules held to a run: a policy evaluated on a `Summary` into verdicts — pass, fail, or
//! skipped when the report lacks the figure (never passed as 0) — and `check`, one run
//! held to the rules without a baseline.

use std::collections::BTreeMap;

use serde::Serialize;

use super::figures::{per, Basis, Change, Increases, Side};
use super::policy::{Increase, Policy, Scoped};
use super::summary::{label, Key, RouteFigures, Summary};
use crate::money::Money;
use crate::pattern::glob_matches;

impl Policy {
    /// Holds `run` to every rule; `baseline` (from a diff) feeds the max-increase rules.
    pub fn evaluate(&self, run: &Summary, baseline: Option<&Increases>) -> Vec<Verdict> {
        let mut out = Vec::new();
        self.check_increase(baseline, &mut out);
        self.check_scoped_increases(baseline, &mut out);
        self.check_new_routes(baseline, &mut out);
        self.check_unpriced(run, &mut out);
        self.check_cost_per_job(run, &mut out);
        let rates = [
            ("min-cache-hit-rate", &self.min_cache_hit_rate, run.fleet.cache_hit_rate, RateKind::CacheHit),
            ("max-retry-multiplier", &self.max_retry_multiplier, run.fleet.retry_multiplier, RateKind::Retry),
            ("max-fallback-rate", &self.max_fallback_rate, run.fleet.fallback_rate, RateKind::Fallback),
        ];
        for (rule, scoped, fleet, kind) in rates {
            check_scoped(rule, scoped, fleet, kind, run, &mut out);
        }
        self.check_forbidden(run, &mut out);
        self.check_storms(run, &mut out);
        out
    }

    /// max-storms and max-storm-cost on the run's rate-limit storms.
    fn check_storms(&self, run: &Summary, out: &mut Vec<Verdict>) {
        let rules = [
            ("max-storms", self.max_storms.map(Figure::Count)),
            ("max-storm-cost", self.max_storm_cost.map(Figure::Usd)),
        ];
        for (rule, limit) in rules {
            let Some(limit) = limit else { continue };
            let v = Verdict::new(rule, None, limit.clone());
            out.push(match (run.storms, &limit) {
                (None, _) => v.skip("the report has no storms section"),
                (Some((n, _)), Figure::Count(max)) => v.measure(Figure::Count(n), n > *max),
                (Some((_, cost)), Figure::Usd(max)) => v.measure(Figure::Usd(cost), cost > *max),
                _ => unreachable!("storm limits are counts or USD"),
            });
        }
    }

    fn check_increase(&self, baseline: Option<&Increases>, out: &mut Vec<Verdict>) {
        let Some(limit) = self.max_increase.fleet else { return };
        let v = Verdict::new("max-increase", None, increase_figure(limit));
        let Some(h) = baseline.and_then(|b| b.headline.as_ref()) else {
            out.push(v.skip("needs a baseline: use llmcost diff"));
            return;
        };
        out.push(self.increase_verdict(v, &h.change, limit, h.basis));
    }

    /// max-increase on each route (model) matching a pattern: its cost per basis unit.
    fn check_scoped_increases(&self, baseline: Option<&Increases>, out: &mut Vec<Verdict>) {
        let basis = baseline.and_then(|b| b.headline.as_ref()).map(|h| h.basis);
        let scopes = [
            (&self.max_increase, baseline.map(|b| &b.routes), false),
            (&self.max_increase_models, baseline.map(|b| &b.models), true),
        ];
        for (scoped, items, is_model) in scopes {
            let scope_of = |v: Verdict, key: Option<String>| match is_model {
                true => Verdict { model: key, ..v },
                false => Verdict { route: key, ..v },
            };
            if scoped.routes.is_empty() {
                continue;
            }
            let (Some(items), Some(basis)) = (items, basis) else {
                for (pattern, limit) in &scoped.routes {
                    let v = Verdict::new("max-increase", None, increase_figure(*limit));
                    out.push(scope_of(v, Some(pattern.clone())).skip("needs a baseline: use llmcost diff"));
                }
                continue;
            };
            let mut matched: BTreeMap<&str, bool> =
                scoped.routes.iter().map(|(p, _)| (p.as_str(), false)).collect();
            for (key, change) in items {
                let Some((pattern, limit)) = scoped.for_route(label(key)) else { continue };
                matched.insert(pattern, true);
                let v = scope_of(
                    Verdict::new("max-increase", None, increase_figure(limit)),
                    Some(label(key).into()),
                );
                out.push(match (change.before, change.after) {
                    (None, _) => v.skip("new in the run: no baseline to compare with"),
                    (_, None) => v.skip("gone from the run"),
                    _ => self.increase_verdict(v, change, limit, basis),
                });
            }
            for (pattern, limit) in &scoped.routes {
                if !matched[pattern.as_str()] {
                    let v = Verdict::new("max-increase", None, increase_figure(*limit));
                    let what = if is_model {
                        "no model matches this pattern"
                    } else {
                        "no route matches this pattern"
                    };
                    out.push(scope_of(v, Some(pattern.clone())).skip(what));
                }
            }
        }
    }

    /// max-new-route-cost-per-job: each route new in the run, at its cost per basis unit.
    fn check_new_routes(&self, baseline: Option<&Increases>, out: &mut Vec<Verdict>) {
        let Some(limit) = self.max_new_route_cost_per_job else { return };
        let rule = "max-new-route-cost-per-job";
        let (Some(b), Some(h)) = (baseline, baseline.and_then(|b| b.headline.as_ref())) else {
            out.push(Verdict::new(rule, None, Figure::Usd(limit)).skip("needs a baseline: use llmcost diff"));
            return;
        };
        let new: Vec<_> = b.routes.iter().filter(|(_, c)| c.before.is_none() && c.after.is_some()).collect();
        if new.is_empty() {
            out.push(Verdict { basis: Some(h.basis), ..Verdict::new(rule, None, Figure::Usd(limit)) });
        }
        for (key, change) in new {
            let after = change.after.expect("new routes have a figure");
            let mut v = Verdict::new(rule, Some(label(key).to_string()), Figure::Usd(limit));
            v.basis = Some(h.basis);
            out.push(v.measure(Figure::Usd(after), after > limit));
        }
    }

    /// A max-increase verdict on one change of cost per unit.
    fn increase_verdict(
        &self,
        mut v: Verdict,
        change: &Change<Money>,
        limit: Increase,
        basis: Basis,
    ) -> Verdict {
        let (Some(before), Some(after)) = (change.before, change.after) else {
            return v.skip("the headline figure is not available on both sides");
        };
        v.before = Some(Figure::Usd(before));
        v.after = Some(Figure::Usd(after));
        v.basis = Some(basis);
        let rel = change.relative;
        let noise = rel.is_some_and(|r| r.abs() <= self.noise);
        let failed = match limit {
            Increase::Relative(max) => {
                v.value = rel.map(Figure::Rate);
                rel.map_or(after > before, |r| r > max)
            }
            Increase::Absolute(max) => {
                v.value = Some(Figure::Usd(after - before));
                after - before > max
            }
        };
        v.status = if failed && !noise { Status::Fail } else { Status::Pass };
        if failed && noise {
            v.note = Some(format!("within the noise tolerance ({})", self.noise));
        }
        v
    }

    fn check_unpriced(&self, run: &Summary, out: &mut Vec<Verdict>) {
        let mut v = Verdict::new("max-unpriced", None, Figure::Count(self.max_unpriced));
        v.value = Some(Figure::Count(run.unpriced_calls));
        v.status = if run.unpriced_calls > self.max_unpriced { Status::Fail } else { Status::Pass };
        if !run.unpriced_models.is_empty() {
            let models: Vec<String> =
                run.unpriced_models.iter().map(|(m, n)| format!("{m} ({n} calls)")).collect();
            v.note = Some(format!("unpriced: {}", models.join(", ")));
        }
        out.push(v);
    }

    fn check_cost_per_job(&self, run: &Summary, out: &mut Vec<Verdict>) {
        let rule = "max-cost-per-job";
        let Some(jobs) = run.jobs.filter(|&j| j > 0) else {
            let any = self
                .max_cost_per_job
                .fleet
                .iter()
                .chain(self.max_cost_per_job.routes.iter().map(|r| &r.1))
                .next();
            if let Some(limit) = any {
                out.push(
                    Verdict::new(rule, None, Figure::Usd(*limit))
                        .skip("no job count (no job_id in the calls, no jobs section)"),
                );
            }
            return;
        };
        if let Some(limit) = self.max_cost_per_job.fleet {
            out.push(
                Verdict::new(rule, None, Figure::Usd(limit))
                    .measure(Figure::Usd(per(run.cost, jobs)), per(run.cost, jobs) > limit),
            );
        }
        for_each_route(
            rule,
            &self.max_cost_per_job,
            run,
            out,
            |figures, limit| {
                let cost = figures.cost?;
                Some((Figure::Usd(per(cost, jobs)), per(cost, jobs) > *limit))
            },
            |l| Figure::Usd(*l),
        );
    }

    fn check_forbidden(&self, run: &Summary, out: &mut Vec<Verdict>) {
        for (route_pat, model_pat) in &self.forbid_models {
            // (route, resolved model, model as logged, calls); a saved report without the
            // logged names gives the resolved name twice.
            let rows: Option<Vec<(Key, Key, Key, u64)>> =
                match (&run.route_logged_models, &run.route_models, &run.models) {
                    (Some(rlm), _, _) => Some(
                        rlm.iter().map(|((r, m, l), f)| (r.clone(), m.clone(), l.clone(), f.calls)).collect(),
                    ),
                    (None, Some(rm), _) => Some(
                        rm.iter().map(|((r, m), f)| (r.clone(), m.clone(), m.clone(), f.calls)).collect(),
                    ),
                    (None, None, Some(models)) if route_pat == "*" => {
                        Some(models.iter().map(|(m, f)| (None, m.clone(), m.clone(), f.calls)).collect())
                    }
                    _ => None,
                };
            let mut v =
                Verdict::new("forbid-model", Some(route_pat.clone()), Figure::Model(model_pat.clone()));
            let Some(rows) = rows else {
                out.push(v.skip("the report has no route × model breakdown"));
                continue;
            };
            // A call matches by its resolved name, else by its name as logged (so `*-preview*`
            // still finds a preview snapshot that resolves to its model's alias); each call once.
            let mut hits: BTreeMap<(Key, Key), u64> = BTreeMap::new();
            for (r, m, l, calls) in rows {
                if calls == 0 || !glob_matches(route_pat, label(&r)) {
                    continue;
                }
                let shown = if glob_matches(model_pat, label(&m)) {
                    m
                } else if glob_matches(model_pat, label(&l)) {
                    l
                } else {
                    continue;
                };
                *hits.entry((r, shown)).or_default() += calls;
            }
            if hits.is_empty() {
                v.status = Status::Pass;
                out.push(v);
            }
            for ((r, m), calls) in hits {
                let mut f = Verdict::new(
                    "forbid-model",
                    (route_pat != "*" || r.is_some()).then(|| label(&r).to_string()),
                    Figure::Model(model_pat.clone()),
                );
                f.model = Some(label(&m).to_string());
                f.value = Some(Figure::Count(calls));
                f.status = Status::Fail;
                out.push(f);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum RateKind {
    CacheHit,
    Retry,
    Fallback,
}

impl RateKind {
    fn of(self, f: &RouteFigures) -> Option<f64> {
        match self {
            RateKind::CacheHit => f.cache_hit_rate,
            RateKind::Retry => f.retry_multiplier,
            RateKind::Fallback => f.fallback_rate,
        }
    }

    fn figure(self, x: f64) -> Figure {
        match self {
            RateKind::Retry => Figure::Times(x),
            _ => Figure::Rate(x),
        }
    }

    /// Whether `value` breaks `limit`: a minimum for the cache, a maximum otherwise.
    fn fails(self, value: f64, limit: f64) -> bool {
        match self {
            RateKind::CacheHit => value < limit,
            _ => value > limit,
        }
    }
}

fn check_scoped(
    rule: &'static str,
    scoped: &Scoped<f64>,
    fleet: Option<f64>,
    kind: RateKind,
    run: &Summary,
    out: &mut Vec<Verdict>,
) {
    if let Some(limit) = scoped.fleet {
        let v = Verdict::new(rule, None, kind.figure(limit));
        out.push(match fleet {
            Some(x) => v.measure(kind.figure(x), kind.fails(x, limit)),
            None => v.skip("the report has no such figure (section missing or empty)"),
        });
    }
    for_each_route(
        rule,
        scoped,
        run,
        out,
        |f, limit| kind.of(f).map(|x| (kind.figure(x), kind.fails(x, *limit))),
        |l| kind.figure(*l),
    );
}

/// One verdict per route a pattern of `scoped` governs; skipped ones say why.
fn for_each_route<T: Copy>(
    rule: &'static str,
    scoped: &Scoped<T>,
    run: &Summary,
    out: &mut Vec<Verdict>,
    measure: impl Fn(&RouteFigures, &T) -> Option<(Figure, bool)>,
    fig: impl Fn(&T) -> Figure,
) {
    if scoped.routes.is_empty() {
        return;
    }
    let Some(routes) = &run.routes else {
        out.push(
            Verdict::new(rule, Some(scoped.routes[0].0.clone()), fig(&scoped.routes[0].1))
                .skip("the report has no per-route figures"),
        );
        return;
    };
    let mut matched: BTreeMap<&str, bool> = scoped.routes.iter().map(|(p, _)| (p.as_str(), false)).collect();
    for (key, figures) in routes {
        let Some((pattern, limit)) = scoped.for_route(label(key)) else { continue };
        matched.insert(pattern, true);
        let v = Verdict::new(rule, Some(label(key).to_string()), fig(&limit));
        out.push(match measure(figures, &limit) {
            Some((value, failed)) => v.measure(value, failed),
            None => v.skip("not available for this route"),
        });
    }
    for (pattern, _) in matched.into_iter().filter(|(_, m)| !m) {
        let limit = scoped
            .routes
            .iter()
            .find(|(p, _)| p == pattern)
            .map(|(_, l)| fig(l))
            .expect("pattern from scoped");
        out.push(Verdict::new(rule, Some(pattern.to_string()), limit).skip("no route matches this pattern"));
    }
}

/// A figure a rule measured or set, in its unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Figure {
    Usd(Money),
    /// A fraction (hit rate, fallback rate, relative change).
    Rate(f64),
    /// A multiplier (retries).
    Times(f64),
    Count(u64),
    /// A model glob (forbid-model).
    Model(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skipped,
}

/// One rule held to one scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub rule: &'static str,
    /// The route (or pattern) concerned; `None` = the whole run.
    pub route: Option<String>,
    /// forbid-model: the model found.
    pub model: Option<String>,
    pub status: Status,
    pub value: Option<Figure>,
    pub limit: Figure,
    /// max-increase: the headline figure on both sides, and its basis.
    pub before: Option<Figure>,
    pub after: Option<Figure>,
    pub basis: Option<Basis>,
    /// Why it was skipped, or what else to know.
    pub note: Option<String>,
}

impl Verdict {
    fn new(rule: &'static str, route: Option<String>, limit: Figure) -> Verdict {
        Verdict {
            rule,
            route,
            model: None,
            status: Status::Pass,
            value: None,
            limit,
            before: None,
            after: None,
            basis: None,
            note: None,
        }
    }

    fn skip(mut self, why: &str) -> Verdict {
        self.status = Status::Skipped;
        self.note = Some(why.to_string());
        self
    }

    fn measure(mut self, value: Figure, failed: bool) -> Verdict {
        self.value = Some(value);
        self.status = if failed { Status::Fail } else { Status::Pass };
        self
    }
}

/// `check`: one run held to the rules.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub run: Side,
    pub failed: usize,
    pub verdicts: Vec<Verdict>,
    pub notes: Vec<String>,
}

impl Check {
    pub fn new(run: &Summary, policy: &Policy) -> Check {
        let verdicts = sort_verdicts(policy.evaluate(run, None));
        Check { run: Side::of(run), failed: failures(&verdicts), verdicts, notes: run.notes.clone() }
    }
}

/// A max-increase limit in its unit.
fn increase_figure(limit: Increase) -> Figure {
    match limit {
        Increase::Relative(r) => Figure::Rate(r),
        Increase::Absolute(m) => Figure::Usd(m),
    }
}

/// Failures first, then passes, then skipped; stable otherwise.
pub fn sort_verdicts(mut v: Vec<Verdict>) -> Vec<Verdict> {
    let rank = |s: Status| match s {
        Status::Fail => 0,
        Status::Pass => 1,
        Status::Skipped => 2,
    };
    v.sort_by_key(|x| rank(x.status));
    v
}

pub fn failures(v: &[Verdict]) -> usize {
    v.iter().filter(|x| x.status == Status::Fail).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::figures::{Change, Headline};

    #[test]
    fn equal_to_the_limit_holds() {
        // $1.00 → $1.10 per job: +$0.10, +10%.
        let change = Change::new(Some(Money::parse("1").unwrap()), Some(Money::parse("1.1").unwrap()), 0.0);
        let h = Increases { headline: Some(Headline { basis: Basis::Job, change }), ..Increases::default() };
        let verdict = |limit: &str, noise: &str| {
            let mut p = Policy::default();
            p.apply("max-increase", limit).unwrap();
            p.apply("noise", noise).unwrap();
            let v = p.evaluate(&Summary::default(), Some(&h));
            v.into_iter().find(|v| v.rule == "max-increase").unwrap().status
        };
        assert_eq!(verdict("0.1", "0"), Status::Pass);
        assert_eq!(verdict("0.09", "0"), Status::Fail);
        assert_eq!(verdict("9%", "0"), Status::Fail);
        assert_eq!(verdict("9%", "10%"), Status::Pass, "+10% is within a 10% noise");
    }
}
