//! Threshold-crossing requests: calls whose size crossed a long-context tier of their price
//! version, what that tier cost them, and how close the rest of the traffic runs.
//!
//! Definitions (priced, selected calls only; an unpriced call has no tiers to cross):
//! - *counted tokens* of a call for a tier: `input_tokens` (basis `input`) or
//!   `input_tokens + output_tokens` (basis `total`).
//! - *crossed*: the call fell in a tier (`counted > threshold`, strictly).
//!   `premium = cost − the same tokens at base rates` (same batch multiplier).
//! - *band* in tokens = ⌊threshold × `--near-miss`⌋ (default 10%).
//! - *near miss*: a crossed call with `counted − threshold ≤ band` for the tier it fell in.
//!   `saving = cost − cost of the call trimmed to exactly the threshold`, where trimming
//!   removes the excess `counted − threshold` from uncached input first, then cache reads,
//!   then 5-minute cache writes, then 1-hour writes, then (basis `total` only) output; the
//!   trimmed call is priced normally, so it falls back to the tier below (base rates when
//!   the table has a single tier).
//! - *just below*: a call under the next tier of its version (the first tier, or the one
//!   above the tier it fell in) with `threshold − band ≤ counted ≤ threshold`.
//! - An app cache hit costs 0: it counts as a request, with zero cost, premium and saving.
//!
//! Totals and rows by group (`--by`, route by default) and by logged model name.

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::merge::{summed, Merge};
use crate::analyze::Ctx;
use crate::calls::{FLAG_BATCH, FLAG_CACHE_HIT};
use crate::money::Money;
use crate::calls::{StrCol, Tokens};
use crate::price::{self, cost_of};
use crate::pricing::rate::{Basis, PriceVersion, Tier};

summed! {
    /// Figures of one set of calls (the whole selection, a group or a model).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
    pub struct Figures {
        /// Calls that crossed a tier threshold.
        pub count: u64,
        pub cost_usd: Money,
        pub premium_usd: Money,
        pub near_miss_count: u64,
        /// What trimming the near misses to their threshold would have saved.
        pub near_miss_saving_usd: Money,
        pub just_below_count: u64,
    }
}

/// One row of `by_route` (the grouping's label in `route`, null = no value).
#[derive(Clone, Debug, Serialize)]
pub struct GroupRow {
    pub route: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelRow {
    pub model: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Thresholds {
    /// What `route` means in `by_route` (`route` unless `--by` says otherwise).
    pub group_by: String,
    /// The near-miss band as a fraction of the threshold.
    pub near_miss_band: f64,
    #[serde(flatten)]
    pub total: Figures,
    /// Groups with a crossed or just-below call, by cost desc then label.
    pub by_route: Vec<GroupRow>,
    pub by_model: Vec<ModelRow>,
}

pub fn analyze(ctx: &Ctx) -> Thresholds {
    let models = &ctx.calls.col(StrCol::Model);
    let (n_groups, n_models) = (ctx.groups.len(), models.dict.len() + 1);
    let acc = ctx
        .sel
        .par_rows()
        .with_min_len(1 << 14)
        .fold(
            || Acc::new(n_groups, n_models),
            |mut acc, row| {
                if let Some(f) = classify(ctx, row) {
                    acc.add(ctx.groups.of(row) as usize, models.ids[row] as usize, &f);
                }
                acc
            },
        )
        .reduce(|| Acc::new(n_groups, n_models), Acc::merge);
    let label = |s: Option<&str>| s.map(str::to_string);
    let mut by_route: Vec<GroupRow> = rows(&acc.groups)
        .map(|(g, figures)| GroupRow { route: label(ctx.groups.label(g as u32)), figures })
        .collect();
    by_route.sort_by(|a, b| b.figures.cost_usd.cmp(&a.figures.cost_usd).then_with(|| a.route.cmp(&b.route)));
    let mut by_model: Vec<ModelRow> = rows(&acc.models)
        .map(|(m, figures)| ModelRow { model: label(models.dict.get(m as u32)), figures })
        .collect();
    by_model.sort_by(|a, b| b.figures.cost_usd.cmp(&a.figures.cost_usd).then_with(|| a.model.cmp(&b.model)));
    Thresholds {
        group_by: ctx.groups.name.clone(),
        near_miss_band: ctx.opts.near_miss_band,
        total: acc.total,
        by_route,
        by_model,
    }
}

/// Accumulators indexed by group id and by model dictionary id.
struct Acc {
    total: Figures,
    groups: Vec<Figures>,
    models: Vec<Figures>,
}

impl Acc {
    fn new(groups: usize, models: usize) -> Acc {
        Acc {
            total: Figures::default(),
            groups: vec![Figures::default(); groups],
            models: vec![Figures::default(); models],
        }
    }

    fn add(&mut self, group: usize, model: usize, f: &Figures) {
        self.total.merge(f);
        self.groups[group].merge(f);
        self.models[model].merge(f);
    }

    fn merge(mut self, other: Acc) -> Acc {
        self.total.merge(&other.total);
        self.groups.iter_mut().zip(&other.groups).for_each(|(a, b)| a.merge(b));
        self.models.iter_mut().zip(&other.models).for_each(|(a, b)| a.merge(b));
        self
    }
}

impl Figures {

    fn is_empty(&self) -> bool {
        self.count == 0 && self.just_below_count == 0
    }
}

/// Non-empty accumulators with their index.
fn rows(acc: &[Figures]) -> impl Iterator<Item = (usize, Figures)> + '_ {
    acc.iter().enumerate().filter(|(_, f)| !f.is_empty()).map(|(i, f)| (i, *f))
}

/// One call's contribution, `None` when it neither crossed nor runs just below a threshold.
fn classify(ctx: &Ctx, row: usize) -> Option<Figures> {
    // An app cache hit made no provider call: it crossed nothing (and costs nothing).
    if ctx.calls.flags[row] & FLAG_CACHE_HIT != 0 {
        return None;
    }
    let (_, version) = ctx.priced.version(row)?;
    if version.tiers.is_empty() {
        return None;
    }
    let tokens = ctx.calls.tokens.get(row);
    let band = ctx.opts.near_miss_band;
    let Some(tier) = ctx.priced.tier_index(row) else {
        return just_below(&version.tiers[0], &tokens, band);
    };
    let flags = ctx.calls.flags[row];
    let (batch, free) = (flags & FLAG_BATCH != 0, flags & FLAG_CACHE_HIT != 0);
    let cost = ctx.priced.cost[row];
    let mut f = Figures { count: 1, cost_usd: cost, ..Figures::default() };
    if !free {
        f.premium_usd = cost - price::components(&tokens, version, None, batch).total();
    }
    let t = &version.tiers[tier];
    let excess = counted(&tokens, t.basis) - t.threshold;
    if excess <= band_tokens(t.threshold, band) {
        f.near_miss_count = 1;
        if !free {
            f.near_miss_saving_usd = cost - trimmed_cost(&tokens, excess, version, batch);
        }
    }
    if let Some(next) = version.tiers.get(tier + 1) {
        f.just_below_count = just_below(next, &tokens, band).map_or(0, |j| j.just_below_count);
    }
    Some(f)
}

fn just_below(tier: &Tier, tokens: &Tokens, band: f64) -> Option<Figures> {
    let counted = counted(tokens, tier.basis);
    let low = tier.threshold.saturating_sub(band_tokens(tier.threshold, band));
    (low..=tier.threshold).contains(&counted).then(|| Figures { just_below_count: 1, ..Figures::default() })
}

pub fn counted(t: &Tokens, basis: Basis) -> u64 {
    match basis {
        Basis::Input => t.input,
        Basis::Total => t.input + t.output,
    }
}

/// ⌊threshold × band⌋; the epsilon keeps 0.29 × 100 at 29 despite binary floats.
pub fn band_tokens(threshold: u64, band: f64) -> u64 {
    (threshold as f64 * band + 1e-6).floor() as u64
}

/// The cost of the call with `excess` counted tokens removed (see the module doc for the order).
fn trimmed_cost(t: &Tokens, excess: u64, version: &PriceVersion, batch: bool) -> Money {
    cost_of(&trimmed(t, excess), version, batch).0
}

/// The call's tokens with `excess` counted tokens removed: fresh input first, then cache
/// reads, 5-minute writes, 1-hour writes, and output last.
pub fn trimmed(t: &Tokens, excess: u64) -> Tokens {
    let mut t = *t;
    let mut left = excess;
    let mut take = |avail: u64| {
        let n = avail.min(left);
        left -= n;
        n
    };
    let n = take(t.input - t.cache_read - t.cache_write);
    t.input -= n;
    let n = take(t.cache_read);
    (t.cache_read, t.input) = (t.cache_read - n, t.input - n);
    let n = take(t.cache_write - t.cache_write_1h);
    (t.cache_write, t.input) = (t.cache_write - n, t.input - n);
    let n = take(t.cache_write_1h);
    (t.cache_write_1h, t.cache_write, t.input) = (t.cache_write_1h - n, t.cache_write - n, t.input - n);
    let n = take(t.output);
    t.output -= n;
    t.reasoning = t.reasoning.min(t.output);
    // Within a class, text tokens go before audio and image ones.
    t.fit_modalities();
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::{with_ctx, with_ctx_opts};
    use crate::analyze::Options;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn one(line: &str) -> Thresholds {
        with_ctx(&[line], analyze)
    }

    #[test]
    fn near_miss_on_input_basis() {
        // beta 1050 in / 100 out, tier (> 1000 input): 1050×6 + 100×22.5 = 6300 + 2250 = 8550 µ$.
        // Base: 1050×3 + 100×15 = 3150 + 1500 = 4650 → premium 3900. Excess 50 ≤ band 100.
        // Trimmed to 1000 in at base: 3000 + 1500 = 4500 → saving 8550 − 4500 = 4050.
        let t = one(
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"beta","input_tokens":1050,"output_tokens":100,"route":"rag"}"#,
        );
        let want = Figures {
            count: 1,
            cost_usd: m("0.00855"),
            premium_usd: m("0.0039"),
            near_miss_count: 1,
            near_miss_saving_usd: m("0.00405"),
            just_below_count: 0,
        };
        assert_eq!(t.total, want);
        assert_eq!(t.by_route[0].route.as_deref(), Some("rag"));
        assert_eq!(t.by_route[0].figures, want);
        assert_eq!(t.by_model[0].model.as_deref(), Some("beta"));
    }

    #[test]
    fn band_edges_are_inclusive_and_strict_above() {
        let line = |input: u64| {
            format!(
                r#"{{"timestamp":"2026-03-02T00:00:00Z","model":"beta","input_tokens":{input},"output_tokens":0}}"#
            )
        };
        let lines: Vec<String> = [899, 900, 1000, 1001, 1100, 1101].into_iter().map(line).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let t = with_ctx(&refs, analyze);
        // Crossed: 1001, 1100, 1101. Near miss (excess ≤ 100): 1001, 1100. Just below [900, 1000]: 900, 1000.
        assert_eq!((t.total.count, t.total.near_miss_count, t.total.just_below_count), (3, 2, 2));
        // Savings: 1001×6 − 1000×3 = 3006; 1100×6 − 1000×3 = 3600; total 6606 µ$.
        assert_eq!(t.total.near_miss_saving_usd, m("0.006606"));
        // Premium: 1001×3 + 1100×3 + 1101×3 = 3003 + 3300 + 3303 = 9606 µ$.
        assert_eq!(t.total.premium_usd, m("0.009606"));
        let wider = Options { near_miss_band: 0.2, ..Options::default() };
        let t = with_ctx_opts(&refs, &wider, analyze);
        // Band 200: all three crossed are near misses; just below [800, 1000]: 899, 900, 1000.
        assert_eq!((t.total.near_miss_count, t.total.just_below_count), (3, 3));
    }

    #[test]
    fn trimming_runs_through_cache_reads_after_uncached_input() {
        // gamma, total basis > 500: 520 in (505 cache read, 15 uncached), 0 out; excess 20 ≤ band 50.
        // Tier: 15×0.2 + 505×0.05 = 3 + 25.25 = 28.25 µ$. Base: 15×0.1 + 505×0.025 = 1.5 + 12.625 = 14.125.
        // Trim 15 uncached, then 5 reads → 500 reads: 500×0.025 = 12.5 → saving 28.25 − 12.5 = 15.75.
        let t = one(
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"gamma","input_tokens":520,"cache_read_tokens":505,"output_tokens":0}"#,
        );
        assert_eq!(t.total.cost_usd, m("0.00002825"));
        assert_eq!(t.total.premium_usd, m("0.000014125"));
        assert_eq!(t.total.near_miss_saving_usd, m("0.00001575"));
    }

    #[test]
    fn total_basis_trims_output_once_input_is_gone() {
        // gamma 10 in / 530 out = 540 > 500, excess 40 ≤ 50. Tier: 10×0.2 + 530×0.8 = 2 + 424 = 426 µ$.
        // Trim 10 input, then 30 output → 0 in / 500 out at base: 500×0.4 = 200 → saving 226.
        let t = one(
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"gamma","input_tokens":10,"output_tokens":530,"reasoning_tokens":520}"#,
        );
        assert_eq!(t.total.cost_usd, m("0.000426"));
        assert_eq!(t.total.near_miss_saving_usd, m("0.000226"));
    }

    #[test]
    fn batch_app_cache_hits_and_unpriced_calls() {
        let lines = [
            // beta batch, 1100 in (600 read), 0 out. Tier: (500×6 + 600×6) × 0.5 = 3300 µ$; base
            // (500×3 + 600×3) × 0.5 = 1650 → premium 1650; trimmed (400×3 + 600×3) × 0.5 = 1500 → saving 1800.
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"beta","input_tokens":1100,"cache_read_tokens":600,"output_tokens":0,"batch":true,"route":"a"}"#,
            // App cache hit: 610 > 500, but no provider call was made: not a crossing.
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"gamma","input_tokens":600,"output_tokens":10,"cache_hit":true,"route":"b"}"#,
            // Unpriced and untiered models are ignored.
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"mystery","input_tokens":5000,"output_tokens":10,"route":"b"}"#,
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"alpha","input_tokens":5000,"output_tokens":10,"route":"b"}"#,
        ];
        let t = with_ctx(&lines, analyze);
        assert_eq!(t.total.count, 1);
        assert_eq!(t.total.cost_usd, m("0.0033"));
        assert_eq!(t.total.premium_usd, m("0.00165"));
        assert_eq!((t.total.near_miss_count, t.total.near_miss_saving_usd), (1, m("0.0018")));
        // Route b has only the cache hit and the ignored calls: no row.
        assert_eq!(t.by_route.len(), 1);
        assert_eq!(t.by_model.len(), 1);
    }

    #[test]
    fn band_tokens_floor_despite_binary_floats() {
        assert_eq!(band_tokens(1000, 0.1), 100);
        assert_eq!(band_tokens(100, 0.29), 29);
        assert_eq!(band_tokens(500, 0.1), 50);
        assert_eq!(band_tokens(7, 0.1), 0);
    }
}
