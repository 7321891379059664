//! Policies: the rules `diff` and `check` hold a run to, from a policy file (`llmcost.toml`)
//! and flags, and their evaluation on a `Summary` into verdicts (pass, fail, or skipped when
//! the report lacks the figure — never passed as 0).
//!
//! A rule without a route applies to the whole run (cost per job, fleet rates); `ROUTE=VALUE`
//! (a glob) applies to each matching route, the most specific pattern winning: one without
//! wildcards, else the one with the most literal characters.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::diff::{per, Basis, Headline, Side};
use super::summary::{Key, RouteFigures, Summary};
use crate::money::Money;

/// How much the headline figure may grow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Increase {
    /// A fraction of the baseline (`5%`).
    Relative(f64),
    /// USD per job (or per operation, or per run: the headline's basis).
    Absolute(Money),
}

/// A limit for the whole run and limits for route patterns.
#[derive(Clone, Debug, PartialEq)]
pub struct Scoped<T> {
    pub fleet: Option<T>,
    pub routes: Vec<(String, T)>,
}

impl<T> Default for Scoped<T> {
    fn default() -> Self {
        Scoped { fleet: None, routes: Vec::new() }
    }
}

impl<T: Copy> Scoped<T> {
    /// Sets the run's limit (`None`) or a pattern's, replacing an earlier one.
    pub fn set(&mut self, pattern: Option<&str>, value: T) {
        match pattern {
            None => self.fleet = Some(value),
            Some(p) => match self.routes.iter_mut().find(|(q, _)| q == p) {
                Some(entry) => entry.1 = value,
                None => self.routes.push((p.to_string(), value)),
            },
        }
    }

    /// The limit for a route: the most specific matching pattern's, with that pattern.
    pub fn for_route(&self, route: &str) -> Option<(&str, T)> {
        self.routes
            .iter()
            .filter(|(p, _)| glob_matches(p, route))
            .max_by(|(a, _), (b, _)| specificity(a).cmp(&specificity(b)).then(b.cmp(a)))
            .map(|(p, v)| (p.as_str(), *v))
    }
}

/// Every rule, merged from defaults, the policy file and flags (in that order).
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Relative changes at or below this are no change (0 by default).
    pub noise: f64,
    pub max_increase: Option<Increase>,
    pub max_unpriced: u64,
    pub max_cost_per_job: Scoped<Money>,
    pub min_cache_hit_rate: Scoped<f64>,
    pub max_retry_multiplier: Scoped<f64>,
    pub max_fallback_rate: Scoped<f64>,
    /// (route glob, model glob).
    pub forbid_models: Vec<(String, String)>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            noise: 0.0,
            max_increase: None,
            max_unpriced: 0,
            max_cost_per_job: Scoped::default(),
            min_cache_hit_rate: Scoped::default(),
            max_retry_multiplier: Scoped::default(),
            max_fallback_rate: Scoped::default(),
            forbid_models: Vec::new(),
        }
    }
}

/// The rules, by the names flags, the policy file and verdicts use.
pub const RULES: [&str; 8] = [
    "max-increase",
    "max-unpriced",
    "noise",
    "max-cost-per-job",
    "min-cache-hit-rate",
    "max-retry-multiplier",
    "max-fallback-rate",
    "forbid-model",
];

impl Policy {
    /// Applies one flag value: `VALUE` or, for route rules, `ROUTE=VALUE`.
    pub fn apply(&mut self, rule: &str, text: &str) -> Result<()> {
        self.apply_inner(rule, text).with_context(|| format!("--{rule} {text:?}"))
    }

    fn apply_inner(&mut self, rule: &str, text: &str) -> Result<()> {
        let (route, value) = match text.split_once('=') {
            Some((r, v)) if ROUTE_RULES.contains(&rule) => (Some(check_glob(r.trim())?), v.trim()),
            _ => (None, text.trim()),
        };
        match rule {
            "max-increase" => self.max_increase = Some(parse_increase(value)?),
            "max-unpriced" => self.max_unpriced = value.parse().context("expected a number of calls")?,
            "noise" => self.noise = parse_rate(value)?,
            "max-cost-per-job" => self.max_cost_per_job.set(route, parse_usd(value)?),
            "min-cache-hit-rate" => self.min_cache_hit_rate.set(route, parse_rate(value)?),
            "max-retry-multiplier" => self.max_retry_multiplier.set(route, parse_number(value)?),
            "max-fallback-rate" => self.max_fallback_rate.set(route, parse_rate(value)?),
            "forbid-model" => {
                self.forbid_models.push((route.unwrap_or("*").to_string(), check_glob(value)?.to_string()))
            }
            _ => bail!("unknown rule {rule:?}; rules: {}", RULES.join(", ")),
        }
        Ok(())
    }

    /// Reads a policy file (format in the README) on top of this policy.
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading policy file {}", path.display()))?;
        let file: PolicyFile =
            toml::from_str(&text).with_context(|| format!("policy file {}", path.display()))?;
        self.apply_file(file).with_context(|| format!("policy file {}", path.display()))
    }

    fn apply_file(&mut self, file: PolicyFile) -> Result<()> {
        let top = [
            ("noise", &file.noise),
            ("max-increase", &file.max_increase),
            ("max-unpriced", &file.max_unpriced),
        ];
        for (rule, value) in top {
            if let Some(v) = value {
                self.apply(rule, &v.text())?;
            }
        }
        let fleet = RouteRules {
            max_cost_per_job: file.max_cost_per_job,
            min_cache_hit_rate: file.min_cache_hit_rate,
            max_retry_multiplier: file.max_retry_multiplier,
            max_fallback_rate: file.max_fallback_rate,
            forbid_models: file.forbid_models,
        };
        self.apply_route_rules(None, &fleet)?;
        for (pattern, rules) in &file.routes {
            self.apply_route_rules(Some(pattern), rules)?;
        }
        Ok(())
    }

    fn apply_route_rules(&mut self, pattern: Option<&str>, rules: &RouteRules) -> Result<()> {
        let scoped = [
            ("max-cost-per-job", &rules.max_cost_per_job),
            ("min-cache-hit-rate", &rules.min_cache_hit_rate),
            ("max-retry-multiplier", &rules.max_retry_multiplier),
            ("max-fallback-rate", &rules.max_fallback_rate),
        ];
        let prefix = pattern.map(|p| format!("{p}=")).unwrap_or_default();
        for (rule, value) in scoped {
            if let Some(v) = value {
                self.apply(rule, &format!("{prefix}{}", v.text()))?;
            }
        }
        let route = pattern.unwrap_or("*");
        for model in rules.forbid_models.iter().flatten() {
            self.apply("forbid-model", &format!("{route}={model}"))?;
        }
        Ok(())
    }

    /// Holds `run` to every rule; `headline` (from a diff) feeds max-increase.
    pub fn evaluate(&self, run: &Summary, headline: Option<&Headline>) -> Vec<Verdict> {
        let mut out = Vec::new();
        self.check_increase(headline, &mut out);
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
        out
    }

    fn check_increase(&self, headline: Option<&Headline>, out: &mut Vec<Verdict>) {
        let Some(limit) = self.max_increase else { return };
        let limit_fig = match limit {
            Increase::Relative(r) => Figure::Rate(r),
            Increase::Absolute(m) => Figure::Usd(m),
        };
        let mut v = Verdict::new("max-increase", None, limit_fig);
        let Some(h) = headline else {
            out.push(v.skip("needs a baseline: use llmcost diff"));
            return;
        };
        let (Some(before), Some(after)) = (h.change.before, h.change.after) else {
            out.push(v.skip("the headline figure is not available on both sides"));
            return;
        };
        v.before = Some(Figure::Usd(before));
        v.after = Some(Figure::Usd(after));
        v.basis = Some(h.basis);
        let rel = h.change.relative;
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
        out.push(v);
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
            let pairs: Option<Vec<(Key, Key, u64)>> = match (&run.route_models, &run.models) {
                (Some(rm), _) => Some(rm.iter().map(|((r, m), f)| (r.clone(), m.clone(), f.calls)).collect()),
                (None, Some(models)) if route_pat == "*" => {
                    Some(models.iter().map(|(m, f)| (None, m.clone(), f.calls)).collect())
                }
                _ => None,
            };
            let mut v =
                Verdict::new("forbid-model", Some(route_pat.clone()), Figure::Model(model_pat.clone()));
            let Some(pairs) = pairs else {
                out.push(v.skip("the report has no route × model breakdown"));
                continue;
            };
            let hits: Vec<_> = pairs
                .into_iter()
                .filter(|(r, m, calls)| {
                    *calls > 0 && glob_matches(route_pat, label(r)) && glob_matches(model_pat, label(m))
                })
                .collect();
            if hits.is_empty() {
                v.status = Status::Pass;
                out.push(v);
            }
            for (r, m, calls) in hits {
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

/// The route rules (the ones taking `ROUTE=VALUE`).
const ROUTE_RULES: [&str; 5] =
    ["max-cost-per-job", "min-cache-hit-rate", "max-retry-multiplier", "max-fallback-rate", "forbid-model"];

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

/// The policy file: top-level rules apply to the whole run, `[routes."GLOB"]` to routes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    noise: Option<Num>,
    max_increase: Option<Num>,
    max_unpriced: Option<Num>,
    max_cost_per_job: Option<Num>,
    min_cache_hit_rate: Option<Num>,
    max_retry_multiplier: Option<Num>,
    max_fallback_rate: Option<Num>,
    forbid_models: Option<Vec<String>>,
    #[serde(default)]
    routes: BTreeMap<String, RouteRules>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteRules {
    max_cost_per_job: Option<Num>,
    min_cache_hit_rate: Option<Num>,
    max_retry_multiplier: Option<Num>,
    max_fallback_rate: Option<Num>,
    forbid_models: Option<Vec<String>>,
}

/// A TOML number or string (`0.05`, `"5%"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Num {
    fn text(&self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(x) => format!("{x}"),
            Num::Text(s) => s.clone(),
        }
    }
}

/// `5%` → 0.05, `0.05` → 0.05; a bare number above 1 is refused (write `60%`, not `60`).
pub fn parse_rate(text: &str) -> Result<f64> {
    let x = parse_fraction(text)?;
    if x > 1.0 {
        bail!(
            "{:?}: expected a fraction between 0 and 1 (0.6) or a percentage up to 100% (60%)",
            text.trim()
        );
    }
    Ok(x)
}

/// `5%` → 0.05 or a plain non-negative number.
fn parse_fraction(text: &str) -> Result<f64> {
    let t = text.trim();
    let x = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .ok()
    .filter(|x| *x >= 0.0 && x.is_finite());
    x.with_context(|| format!("{t:?}: expected a fraction (0.6) or a percentage (60%)"))
}

/// `0.002` or `$0.002` → exact USD.
pub fn parse_usd(text: &str) -> Result<Money> {
    let t = text.trim();
    let m = Money::parse(t.strip_prefix('$').unwrap_or(t))
        .with_context(|| format!("{t:?}: expected an amount in USD"))?;
    if m < Money::ZERO {
        bail!("{t:?}: a negative amount");
    }
    Ok(m)
}

fn parse_number(text: &str) -> Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(x) if x >= 0.0 && x.is_finite() => Ok(x),
        _ => bail!("{text:?}: expected a non-negative number such as 1.2"),
    }
}

/// `5%` → relative; `0.002` or `$0.002` → absolute USD.
pub fn parse_increase(text: &str) -> Result<Increase> {
    let t = text.trim();
    if t.ends_with('%') {
        return parse_fraction(t).map(Increase::Relative);
    }
    parse_usd(t).map(Increase::Absolute)
}

fn check_glob(p: &str) -> Result<&str> {
    glob::Pattern::new(p).with_context(|| format!("bad pattern {p:?}"))?;
    Ok(p)
}

pub fn glob_matches(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(text))
}

/// (no wildcard at all, count of literal characters): higher is more specific.
fn specificity(p: &str) -> (bool, usize) {
    let wild = |c: char| matches!(c, '*' | '?' | '[' | ']');
    (!p.contains(wild), p.chars().filter(|c| !wild(*c)).count())
}

/// A route or model as people read it.
pub fn label(key: &Key) -> &str {
    key.as_deref().unwrap_or("(none)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_documented() {
        assert_eq!(parse_rate("60%").unwrap(), 0.6);
        assert_eq!(parse_rate("0.6").unwrap(), 0.6);
        assert!(parse_rate("60").is_err(), "a bare 60 is not a rate");
        assert!(parse_rate("-1%").is_err());
        assert!(parse_rate("120%").is_err());
        assert_eq!(parse_increase("5%").unwrap(), Increase::Relative(0.05));
        assert_eq!(parse_increase("150%").unwrap(), Increase::Relative(1.5));
        assert_eq!(parse_increase("0.002").unwrap(), Increase::Absolute(Money::parse("0.002").unwrap()));
        assert_eq!(parse_increase("$1").unwrap(), Increase::Absolute(Money::parse("1").unwrap()));
        assert!(parse_increase("five").is_err());
        assert!(parse_usd("-0.1").is_err());
    }

    #[test]
    fn the_most_specific_pattern_wins() {
        let mut s = Scoped::default();
        for (p, v) in [("*", 1), ("c*", 2), ("chat.*", 3), ("chat.answer", 4)] {
            s.set(Some(p), v);
        }
        assert_eq!(s.for_route("chat.answer"), Some(("chat.answer", 4)));
        assert_eq!(s.for_route("chat.search"), Some(("chat.*", 3)), "5 literal characters beat 1");
        assert_eq!(s.for_route("code"), Some(("c*", 2)));
        assert_eq!(s.for_route("search"), Some(("*", 1)));
        s.set(Some("chat.*"), 5);
        assert_eq!(s.for_route("chat.search"), Some(("chat.*", 5)), "a later value replaces");
        assert_eq!(s.routes.len(), 4);
    }

    #[test]
    fn flags_split_route_and_value() {
        let mut p = Policy::default();
        p.apply("min-cache-hit-rate", "chat.*=50%").unwrap();
        p.apply("min-cache-hit-rate", "40%").unwrap();
        p.apply("forbid-model", "gpt-4*").unwrap();
        p.apply("forbid-model", "chat.*=*-opus*").unwrap();
        assert_eq!(p.min_cache_hit_rate.fleet, Some(0.4));
        assert_eq!(p.min_cache_hit_rate.routes, [("chat.*".to_string(), 0.5)]);
        assert_eq!(
            p.forbid_models,
            [("*".to_string(), "gpt-4*".to_string()), ("chat.*".to_string(), "*-opus*".to_string())]
        );
        assert!(p.apply("max-unpriced", "x=1").is_err(), "not a route rule");
        assert!(p.apply("min-cache-hit-rate", "[=50%").is_err(), "bad glob");
    }

    #[test]
    fn the_policy_file_format() {
        let text = r#"
            noise = "1%"
            max_increase = 0.002
            max_unpriced = 3
            max_cost_per_job = 0.05
            min_cache_hit_rate = 0.5
            forbid_models = ["*-preview*"]
            [routes."chat.*"]
            max_retry_multiplier = 1.2
            max_fallback_rate = "5%"
            forbid_models = ["beta"]
        "#;
        let mut p = Policy::default();
        p.apply_file(toml::from_str(text).unwrap()).unwrap();
        assert_eq!((p.noise, p.max_unpriced), (0.01, 3));
        assert_eq!(p.max_increase, Some(Increase::Absolute(Money::parse("0.002").unwrap())));
        assert_eq!(p.max_cost_per_job.fleet, Some(Money::parse("0.05").unwrap()));
        assert_eq!(p.min_cache_hit_rate.fleet, Some(0.5));
        assert_eq!(p.max_retry_multiplier.routes, [("chat.*".to_string(), 1.2)]);
        assert_eq!(p.max_fallback_rate.routes, [("chat.*".to_string(), 0.05)]);
        assert_eq!(p.forbid_models.len(), 2);
        assert!(toml::from_str::<PolicyFile>("max_increse = 1").is_err());
        assert!(toml::from_str::<PolicyFile>("[routes.x]\nmin_cache = 1").is_err());
    }

    #[test]
    fn equal_to_the_limit_holds() {
        // $1.00 → $1.10 per job: +$0.10, +10%.
        let change = crate::analyze::diff::Change::new(
            Some(Money::parse("1").unwrap()),
            Some(Money::parse("1.1").unwrap()),
            0.0,
        );
        let h = Headline { basis: Basis::Job, change };
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
