//! The headline: what a reader needs before the tables. The top cost drivers (the costliest
//! model, route and feature, with their share of the total) and the leaks across sections
//! ranked by dollars, each naming the section that explains it. Figures only; the renderers
//! word them. Every dollar here is one the section itself reports:
//!
//! | leak | dollars | section |
//! |---|---|---|
//! | cache collapse on a route | `cache.collapses[].cost_since_usd` | cache |
//! | failed calls | `retries.totals.failed_cost_usd` | retries |
//! | runaway operations | `retries.runaway_cost_usd` | retries |
//! | rate-limit storms | `storms.cost_usd` | storms |
//! | fallbacks to pricier models | `fallbacks.totals.extra_cost_usd` | fallbacks |
//! | long-context premium | `thresholds.premium_usd` | thresholds |
//! | duplicate calls | `duplicates.total.cost_usd` | duplicates |
//! | truncated answers | `waste.total.truncated_cost_usd` | waste |
//! | outlier jobs | `jobs.outlier_cost_usd` | jobs |
//! | non-production spend | `environments.non_production_cost_usd` | environments |
//!
//! Leaks can overlap (a failed retry inside a storm is in both): they are ranked, not summed.

use super::sections::{Section, Sections};
use super::spend::Breakdown;
use crate::money::Money;

/// How many leaks the headline lists.
pub const LEAKS_SHOWN: usize = 5;
/// How many savings levers it lists.
pub const LEVERS_SHOWN: usize = 3;

/// A savings lever as the headline names it: `savings.levers[]`' own figures.
#[derive(Clone, Debug, PartialEq)]
pub struct TopLever {
    pub title: &'static str,
    pub usd: Money,
    pub share: f64,
    /// The route that saves most, when there is one.
    pub route: Option<String>,
}

/// The costliest group of one dimension.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Driver {
    pub dim: &'static str,
    pub key: Option<String>,
    pub cost: Money,
    pub share: f64,
}

/// What a leak is, for the wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeakKind {
    CacheCollapse,
    FailedCalls,
    Runaway,
    Storms,
    Fallbacks,
    LongContext,
    Duplicates,
    Truncated,
    OutlierJobs,
    NonProduction,
}

/// One leak: its dollars, how many calls (operations, jobs, storms) it covers, and where a
/// route or date narrows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Leak {
    pub kind: LeakKind,
    pub section: Section,
    pub usd: Money,
    pub count: u64,
    pub subject: Option<String>,
    pub since: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headline {
    pub drivers: Vec<Driver>,
    /// Costliest first, at most `LEAKS_SHOWN`, none of $0.
    pub leaks: Vec<Leak>,
    /// Sections with a leak above $0, shown at the default detail level.
    pub found: Vec<Section>,
    /// Whether any leak section was computed (`--only totals` computes none).
    pub analysed: bool,
    /// The savings levers that would save most (combined ones only), costliest first.
    pub levers: Vec<TopLever>,
    /// The combined saving of every lever, when savings were computed.
    pub combined: Option<(Money, f64)>,
}

pub fn of(breakdowns: &[Breakdown], s: &Sections) -> Headline {
    let drivers = ["model", "route", "feature"]
        .into_iter()
        .filter_map(|dim| {
            let b = breakdowns.iter().find(|b| b.name == dim)?;
            let top =
                b.all_rows().filter(|r| !r.other && r.sums.cost > Money::ZERO).max_by_key(|r| r.sums.cost)?;
            Some(Driver { dim, key: top.key.clone(), cost: top.sums.cost, share: top.share })
        })
        .collect();
    let mut leaks = leaks(s);
    // Savings alone (`llmcost savings`) ran no leak analysis.
    let analysed = !leaks.is_empty();
    leaks.retain(|l| l.usd > Money::ZERO);
    leaks.sort_by_key(|l| std::cmp::Reverse(l.usd));
    let mut found: Vec<Section> = leaks.iter().map(|l| l.section).collect();
    let levers: Vec<TopLever> = s
        .savings
        .iter()
        .flat_map(|x| &x.levers)
        .filter(|l| l.in_combined && l.saved_usd > Money::ZERO)
        .take(LEVERS_SHOWN)
        .map(|l| TopLever {
            title: l.title,
            usd: l.saved_usd,
            share: l.share,
            route: l.routes.first().and_then(|r| r.route.clone()),
        })
        .collect();
    if !levers.is_empty() {
        found.push(Section::Savings);
    }
    found.sort();
    found.dedup();
    leaks.truncate(LEAKS_SHOWN);
    let combined = s.savings.as_ref().map(|x| (x.combined.saved_usd, x.combined.share));
    Headline { drivers, leaks, found, analysed, levers, combined }
}

fn leaks(s: &Sections) -> Vec<Leak> {
    let leak = |kind, section, usd, count| Leak { kind, section, usd, count, subject: None, since: None };
    let mut out = Vec::new();
    if let Some(c) = &s.cache {
        out.extend(c.collapses.iter().map(|x| Leak {
            subject: x.route.clone(),
            since: Some(x.at.clone()),
            ..leak(LeakKind::CacheCollapse, Section::Cache, x.cost_since_usd, 0)
        }));
    }
    if let Some(r) = &s.retries {
        out.push(leak(
            LeakKind::FailedCalls,
            Section::Retries,
            r.totals.failed_cost_usd,
            r.totals.failed_calls,
        ));
        out.push(leak(LeakKind::Runaway, Section::Retries, r.runaway_cost_usd, r.runaway_count));
    }
    if let Some(x) = &s.storms {
        out.push(leak(LeakKind::Storms, Section::Storms, x.cost_usd, x.count));
    }
    if let Some(f) = &s.fallbacks {
        out.push(leak(
            LeakKind::Fallbacks,
            Section::Fallbacks,
            f.totals.extra_cost_usd,
            f.totals.fallback_operations,
        ));
    }
    if let Some(t) = &s.thresholds {
        out.push(leak(LeakKind::LongContext, Section::Thresholds, t.total.premium_usd, t.total.count));
    }
    if let Some(d) = &s.duplicates {
        out.push(leak(LeakKind::Duplicates, Section::Duplicates, d.total.cost_usd, d.total.count));
    }
    if let Some(w) = &s.waste {
        let t = &w.total.sums;
        out.push(leak(LeakKind::Truncated, Section::Waste, t.truncated_cost_usd, t.truncated_calls));
    }
    if let Some(j) = &s.jobs {
        out.push(leak(LeakKind::OutlierJobs, Section::Jobs, j.outlier_cost_usd, j.outlier_count));
    }
    if let Some(e) = &s.environments {
        out.push(leak(
            LeakKind::NonProduction,
            Section::Environments,
            e.non_production_cost_usd,
            e.non_production_calls,
        ));
    }
    out
}
