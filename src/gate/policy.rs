//! Policies: the rules `diff` and `check` hold a run to, merged from defaults, the policy
//! file (`policy_file`) and flags, each value checked as it is set. Evaluation is `rules`.
//!
//! A rule without a route applies to the whole run (cost per job, fleet rates); `ROUTE=VALUE`
//! (a glob) applies to each matching route, the most specific pattern winning: one without
//! wildcards, else the one with the most literal characters.

use anyhow::{bail, Context, Result};

use crate::money::Money;
use crate::pattern::{check_glob, glob_matches, specificity};

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
    /// The headline's limit (`fleet`) and each route pattern's, on the route's cost per unit.
    pub max_increase: Scoped<Increase>,
    /// Limits on a model's cost per unit, by model pattern (`model:GLOB=PCT`).
    pub max_increase_models: Scoped<Increase>,
    /// A route that is new in the run may cost at most this per unit.
    pub max_new_route_cost_per_job: Option<Money>,
    /// Rate-limit storms: how many, and what they may cost (failed calls and retries).
    pub max_storms: Option<u64>,
    pub max_storm_cost: Option<Money>,
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
            max_increase: Scoped::default(),
            max_increase_models: Scoped::default(),
            max_new_route_cost_per_job: None,
            max_storms: None,
            max_storm_cost: None,
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
pub const RULES: [&str; 11] = [
    "max-increase",
    "max-new-route-cost-per-job",
    "max-storms",
    "max-storm-cost",
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
            "max-increase" => match route.and_then(|r| r.strip_prefix("model:")) {
                Some(model) => self.max_increase_models.set(Some(check_glob(model)?), parse_increase(value)?),
                None => self.max_increase.set(route, parse_increase(value)?),
            },
            "max-new-route-cost-per-job" => self.max_new_route_cost_per_job = Some(parse_usd(value)?),
            "max-storms" => self.max_storms = Some(value.parse().context("expected a number of storms")?),
            "max-storm-cost" => self.max_storm_cost = Some(parse_usd(value)?),
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
}

/// The route rules (the ones taking `ROUTE=VALUE`).
const ROUTE_RULES: [&str; 6] = [
    "max-increase",
    "max-cost-per-job",
    "min-cache-hit-rate",
    "max-retry-multiplier",
    "max-fallback-rate",
    "forbid-model",
];

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
}
