//! The figures both `diff` and the rules speak of: a quantity on two sides (`Change`), one
//! run's headline figures (`Side`), the headline a verdict leads with and its basis, and
//! `per`, the one division of money by a count.

use serde::Serialize;

use super::summary::{Fleet, Key, Summary};
use crate::money::Money;

/// What the headline figure is per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Job,
    Operation,
    /// No counts on both sides: the whole run.
    Run,
}

/// A figure that can be compared.
pub trait Quantity: Copy + Serialize {
    type Delta: Copy + Serialize;
    fn minus(self, before: Self) -> Self::Delta;
    fn as_f64(self) -> f64;
}

impl Quantity for Money {
    type Delta = Money;
    fn minus(self, before: Money) -> Money {
        self - before
    }
    fn as_f64(self) -> f64 {
        self.atto() as f64
    }
}

impl Quantity for u64 {
    type Delta = i64;
    fn minus(self, before: u64) -> i64 {
        self as i64 - before as i64
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Quantity for f64 {
    type Delta = f64;
    fn minus(self, before: f64) -> f64 {
        self - before
    }
    fn as_f64(self) -> f64 {
        self
    }
}

/// One figure on both sides. `relative` is the delta over the baseline (none from 0);
/// `significant` = beyond the noise tolerance (any change from 0 is).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(bound = "T: Serialize")]
pub struct Change<T: Quantity> {
    pub before: Option<T>,
    pub after: Option<T>,
    pub delta: Option<T::Delta>,
    pub relative: Option<f64>,
    pub significant: bool,
}

impl<T: Quantity> Change<T> {
    pub fn new(before: Option<T>, after: Option<T>, noise: f64) -> Change<T> {
        let both = before.zip(after);
        let relative =
            both.and_then(|(b, a)| (b.as_f64() != 0.0).then(|| (a.as_f64() - b.as_f64()) / b.as_f64()));
        let significant = match (both, relative) {
            (Some(_), Some(r)) => r.abs() > noise,
            (Some((b, a)), None) => a.as_f64() != b.as_f64(),
            _ => false,
        };
        Change { before, after, delta: both.map(|(b, a)| a.minus(b)), relative, significant }
    }
}

/// `cost / n`, rounded half away from zero to 1e-18 USD.
pub fn per(cost: Money, n: u64) -> Money {
    if n == 0 {
        return Money::ZERO;
    }
    let (a, n) = (cost.atto(), n as i128);
    let half = if a < 0 { -n / 2 } else { n / 2 };
    Money::from_atto((a + half) / n)
}

/// One run's headline figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub label: String,
    pub calls: u64,
    pub cost_usd: Money,
    pub cost_usd_exact: String,
    pub jobs: Option<u64>,
    pub jobs_source: Option<&'static str>,
    pub operations: Option<u64>,
    pub operations_source: Option<&'static str>,
    pub cost_per_job_usd: Option<Money>,
    pub cost_per_operation_usd: Option<Money>,
    pub unpriced_calls: u64,
    pub fleet: Fleet,
}

impl Side {
    pub fn of(s: &Summary) -> Side {
        let per_count = |n: Option<u64>| n.filter(|&n| n > 0).map(|n| per(s.cost, n));
        Side {
            label: s.label.clone(),
            calls: s.calls,
            cost_usd: s.cost,
            cost_usd_exact: s.cost.exact(),
            jobs: s.jobs,
            jobs_source: s.jobs_source,
            operations: s.operations,
            operations_source: s.operations_source,
            cost_per_job_usd: per_count(s.jobs),
            cost_per_operation_usd: per_count(s.operations),
            unpriced_calls: s.unpriced_calls,
            fleet: s.fleet.clone(),
        }
    }
}

/// The figure the verdict leads with.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Headline {
    pub basis: Basis,
    /// Cost per basis unit (job, operation, run).
    pub change: Change<Money>,
}

/// What a baseline lets the rules see: the headline, and each route's and model's cost per
/// basis unit on both sides (`before` is `None` for one that is new in the run).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Increases {
    pub headline: Option<Headline>,
    pub routes: Vec<(Key, Change<Money>)>,
    pub models: Vec<(Key, Change<Money>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn per_rounds_half_away_from_zero() {
        // 0.0193 / 3 = 0.0064333…: 18 decimals kept.
        assert_eq!(per(usd("0.0193"), 3).exact(), "0.006433333333333333");
        assert_eq!(per(Money::from_atto(5), 2).atto(), 3);
        assert_eq!(per(Money::from_atto(-5), 2).atto(), -3);
        assert_eq!(per(usd("1"), 0), Money::ZERO);
    }

    #[test]
    fn changes_beyond_the_noise_are_significant() {
        let c = Change::new(Some(100u64), Some(105), 0.05);
        assert_eq!((c.delta, c.relative, c.significant), (Some(5), Some(0.05), false));
        assert!(Change::new(Some(100u64), Some(106), 0.05).significant);
        let from_zero = Change::new(Some(0u64), Some(1), 0.5);
        assert_eq!((from_zero.relative, from_zero.significant), (None, true));
        assert!(!Change::new(None, Some(1u64), 0.0).significant);
        let m = Change::new(Some(usd("2.5")), Some(usd("2.4")), 0.0);
        assert_eq!(m.delta.unwrap().exact(), "-0.1");
    }
}
