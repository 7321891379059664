//! Savings: what each fix would have saved on the calls really made, in exact dollars.
//!
//! Every lever re-prices the selected calls under one stated change (a call not made, another
//! model, fewer tokens, cache reads instead of fresh input, batch rates) through the same
//! `price::cost_of` the report uses, at the price version in force at each call's time, tiers
//! re-evaluated. A lever's saving on a call is the call's cost minus its re-priced cost when
//! that is lower; a change that would cost more saves nothing.
//!
//! Levers, in the order the combined estimate applies them to each call (first remove calls
//! that need not happen, then choose the model, then shrink the request, then discount what
//! is left):
//! 1. `retry_discipline`: attempts beyond `max_attempts` and rate-limit errors inside a
//!    detected storm are not made (a circuit breaker).
//! 2. `response_cache`: repeats of a prompt within the duplicates window are not made.
//! 3. `fallback_guardrail`: attempts served by another model than the requested one are
//!    priced at the requested model.
//! 4. `model_routing`: calls moved to another model by `--model-map`. Without a map, the
//!    candidate routes (see `routing.rs`) moved to the cheapest model already in use are
//!    shown alone but left out of the combined estimate: nobody chose that change, and its
//!    quality is unknown.
//! 5. `long_context_trim`: near-miss calls trimmed to their long-context threshold.
//! 6. `output_reduction`: truncated calls (finish_reason length) not made; other outputs
//!    above the route's cap (`--output-cap`, default its p90) capped.
//! 7. `prompt_cache`: cache reads raised to the route's target token hit rate.
//! 8. `batch`: batchable calls at batch rates.
//!
//! Combined: each call starts as logged and takes the levers' changes in that order, each
//! kept only when it lowers the call's cost, so a saving is counted once and no call saves
//! more than it cost. The curve is each lever's marginal saving in that order.
//! `price_versions` (`--reprice-as-of`) is a what-if on prices, not a fix: shown apart, signed,
//! never in the combined figure.
//!
//! App cache hits (cost $0) and unpriced calls are never changed.

mod batch;
mod cache;
mod discipline;
mod output;
mod reprice;
mod routing;
mod trim;

use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analyze::ops::Operations;
use crate::analyze::repeats::Repeats;
use crate::analyze::Ctx;
use crate::calls::{Tokens, FLAG_BATCH, FLAG_CACHE_HIT};
use crate::money::Money;
use crate::price::cost_of;
use crate::pricing::{Basis, ModelPrice, PriceVersion};
use crate::time::MS_PER_DAY;

pub use routing::Candidate;

pub use crate::analyze::context::{ModelMap, SavingsOptions};

/// What one lever saves.
#[derive(Clone, Debug, Serialize)]
pub struct Lever {
    pub key: &'static str,
    pub title: &'static str,
    pub saved_usd: Money,
    pub saved_usd_exact: String,
    pub per_30_days_usd: Money,
    /// Of the selection's priced spend.
    pub share: f64,
    /// Calls whose cost it lowers.
    pub calls: u64,
    pub routes: Vec<RouteSaving>,
    pub assumption: String,
    /// Whether the combined estimate applies it (`price_versions` is a what-if).
    pub in_combined: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RouteSaving {
    pub route: Option<String>,
    pub saved_usd: Money,
    pub saved_usd_exact: String,
    pub calls: u64,
    /// Why the route qualifies or what target it was given, when the lever says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CurvePoint {
    pub key: &'static str,
    /// What the lever adds after the ones before it.
    pub saved_usd: Money,
    pub saved_usd_exact: String,
    pub cumulative_usd: Money,
    pub cumulative_usd_exact: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Combined {
    pub saved_usd: Money,
    pub saved_usd_exact: String,
    pub per_30_days_usd: Money,
    pub share: f64,
    pub calls: u64,
    pub curve: Vec<CurvePoint>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Savings {
    pub group_by: String,
    /// Priced spend of the calls analysed (the shares' denominator).
    pub spend_usd: Money,
    pub spend_usd_exact: String,
    /// Days between the first and last call, at least 1 (the per-30-days scale).
    pub period_days: f64,
    /// Costliest first.
    pub levers: Vec<Lever>,
    pub combined: Combined,
    /// Routes that look over-served when no `--model-map` is given; quality is not measured.
    pub routing_candidates: Vec<Candidate>,
}

/// A change to one call.
#[derive(Clone, Copy, Debug)]
pub enum Change<'b> {
    /// The call is not made.
    Drop,
    /// The same tokens at another model's rates.
    Model(&'b ModelPrice),
    /// Counted tokens above `threshold` removed (input classes first, then output).
    Trim { threshold: u64, basis: Basis },
    /// Output tokens capped.
    CapOutput(u64),
    /// Cache reads raised to `rate` of the input, with `write_ratio` write tokens per extra read.
    CacheReads { rate: f64, write_ratio: f64 },
    /// At batch rates.
    Batch,
}

/// A lever's changes, before pricing.
pub struct Plan<'b> {
    pub key: &'static str,
    pub title: &'static str,
    pub assumption: String,
    pub changes: Vec<(u32, Change<'b>)>,
    /// Why each group qualifies (several reasons are listed in order).
    pub basis: FxHashMap<u32, BTreeSet<String>>,
    pub notes: Vec<String>,
    /// Whether the combined estimate applies it.
    pub in_combined: bool,
    /// The saving, when the plan priced its changes itself (the routing candidates do, to
    /// rank them); it then keeps no `changes`, as it is not in the combined estimate.
    priced: Option<Tally>,
}

impl<'b> Plan<'b> {
    /// Records why group `g` qualifies.
    fn because(&mut self, g: u32, why: String) {
        self.basis.entry(g).or_default().insert(why);
    }

    fn new(key: &'static str, title: &'static str, assumption: String) -> Plan<'b> {
        Plan {
            key,
            title,
            assumption,
            changes: Vec::new(),
            basis: FxHashMap::default(),
            notes: Vec::new(),
            in_combined: true,
            priced: None,
        }
    }
}

/// A call as the levers see it.
#[derive(Clone, Copy)]
struct State<'b> {
    dropped: bool,
    model: &'b ModelPrice,
    version: &'b PriceVersion,
    tokens: Tokens,
    batch: bool,
}

impl<'b> State<'b> {
    /// The call as logged, or `None` when no lever may touch it (unpriced, app cache hit).
    fn of(ctx: &Ctx<'b>, row: usize) -> Option<State<'b>> {
        if ctx.calls.flags[row] & FLAG_CACHE_HIT != 0 {
            return None;
        }
        let (model, version) = ctx.priced.version(row)?;
        Some(State {
            dropped: false,
            model,
            version,
            tokens: ctx.calls.tokens.get(row),
            batch: ctx.calls.flags[row] & FLAG_BATCH != 0,
        })
    }

    fn cost(&self) -> Money {
        if self.dropped {
            Money::ZERO
        } else {
            cost_of(&self.tokens, self.version, self.batch).0
        }
    }

    /// The call with `change` made; `None` when it cannot be (no price for the new model at
    /// the call's time).
    fn with(mut self, change: Change<'b>, at_ms: i64) -> Option<State<'b>> {
        match change {
            Change::Drop => self.dropped = true,
            Change::Model(m) => {
                if !std::ptr::eq(m, self.model) {
                    self.version = m.rates_at(at_ms)?;
                    self.model = m;
                }
            }
            Change::Trim { threshold, basis } => self.tokens = trim::trimmed(&self.tokens, threshold, basis),
            Change::CapOutput(cap) => {
                self.tokens.output = self.tokens.output.min(cap);
                self.tokens.reasoning = self.tokens.reasoning.min(self.tokens.output);
                self.tokens.fit_modalities();
            }
            Change::CacheReads { rate, write_ratio } => {
                self.tokens = cache::raised(&self.tokens, rate, write_ratio)
            }
            Change::Batch => self.batch = true,
        }
        Some(self)
    }
}

/// Per-group sums of one lever.
#[derive(Clone, Default)]
struct Tally {
    saved: Money,
    calls: u64,
    by_group: FxHashMap<u32, (Money, u64)>,
}

impl Tally {
    fn add(&mut self, group: u32, saved: Money) {
        self.saved += saved;
        self.calls += 1;
        let g = self.by_group.entry(group).or_default();
        g.0 += saved;
        g.1 += 1;
    }

    fn merge(mut self, o: Tally) -> Tally {
        self.saved += o.saved;
        self.calls += o.calls;
        for (g, (m, n)) in o.by_group {
            let e = self.by_group.entry(g).or_default();
            e.0 += m;
            e.1 += n;
        }
        self
    }
}

pub fn analyze<'b>(ctx: &Ctx<'b>, ops: &Operations, repeats: &Repeats) -> Savings {
    let opts = &ctx.opts.savings;
    let (spend, first, last) = spend_and_span(ctx);
    // No call: one day (the scale is moot, every saving is 0).
    let span_ms = if first <= last { last.saturating_sub(first) } else { 0 };
    let period_days = (span_ms as f64 / MS_PER_DAY as f64).max(1.0);
    // Each plan reads the calls alone (several run a section's search: storms, duplicates,
    // the cache collapse), so they are built side by side.
    let builders: [&(dyn Fn() -> Plan<'b> + Sync); 7] = [
        &|| discipline::retries(ctx, ops, opts),
        &|| discipline::repeats(ctx, repeats),
        &|| discipline::fallbacks(ctx, ops),
        &|| trim::plan(ctx),
        &|| output::plan(ctx, opts),
        &|| cache::plan(ctx, opts),
        &|| batch::plan(ctx, opts),
    ];
    let ((routing_plan, routing_candidates), mut plans) = rayon::join(
        || routing::plan(ctx, opts),
        || builders.par_iter().map(|build| build()).collect::<Vec<Plan>>(),
    );
    // In the combined order: routing after the three that stop calls.
    plans.insert(3, routing_plan);
    let scale = |m: Money| per_30_days(m, period_days);
    let share = |m: Money| if spend > Money::ZERO { m.to_f64() / spend.to_f64() } else { 0.0 };
    let mut levers: Vec<Lever> = plans
        .par_iter()
        .map(|p| {
            let t = p.priced.clone().unwrap_or_else(|| alone(ctx, &p.changes));
            lever(ctx, p, &t, p.in_combined, scale(t.saved), share(t.saved))
        })
        .collect();
    plans.retain(|p| p.in_combined);
    let (total, calls, marginal) = combined(ctx, &plans);
    let mut cumulative = Money::ZERO;
    let curve = plans
        .iter()
        .zip(&marginal)
        .map(|(p, &m)| {
            cumulative += m;
            CurvePoint {
                key: p.key,
                saved_usd: m,
                saved_usd_exact: m.exact(),
                cumulative_usd: cumulative,
                cumulative_usd_exact: cumulative.exact(),
            }
        })
        .collect();
    if let Some(at) = opts.reprice_as_of {
        let (plan, t) = reprice::tally(ctx, at);
        levers.push(lever(ctx, &plan, &t, false, scale(t.saved), share(t.saved)));
    }
    levers.sort_by(|a, b| b.saved_usd.cmp(&a.saved_usd).then_with(|| a.key.cmp(b.key)));
    Savings {
        group_by: ctx.groups.name.clone(),
        spend_usd: spend,
        spend_usd_exact: spend.exact(),
        period_days,
        levers,
        combined: Combined {
            saved_usd: total,
            saved_usd_exact: total.exact(),
            per_30_days_usd: scale(total),
            share: share(total),
            calls,
            curve,
        },
        routing_candidates,
    }
}

/// The priced spend of the selection, and its first and last call times.
fn spend_and_span(ctx: &Ctx) -> (Money, i64, i64) {
    ctx.sel
        .par_rows()
        .map(|r| (ctx.priced.cost[r], ctx.calls.ts_ms[r], ctx.calls.ts_ms[r]))
        .reduce(|| (Money::ZERO, i64::MAX, i64::MIN), |a, b| (a.0 + b.0, a.1.min(b.1), a.2.max(b.2)))
}

/// `m × 30 / days`, to the nearest 1e-18 USD.
fn per_30_days(m: Money, days: f64) -> Money {
    // Days are whole milliseconds over a day: scale by the exact ratio 30 / days.
    let ms = (days * MS_PER_DAY as f64).round() as i128;
    let num = m.atto().checked_mul(30 * MS_PER_DAY as i128);
    match num {
        Some(p) => Money::from_atto((2 * p + p.signum() * ms) / (2 * ms)),
        None => Money::from_atto((m.atto() as f64 * 30.0 / days).round() as i128),
    }
}

/// One lever's saving, each call alone.
fn alone(ctx: &Ctx, changes: &[(u32, Change)]) -> Tally {
    changes
        .par_iter()
        .with_min_len(1 << 12)
        .fold(Tally::default, |mut t, &(row, change)| {
            let row = row as usize;
            if let Some(s) = State::of(ctx, row) {
                let before = ctx.priced.cost[row];
                if let Some(after) = s.with(change, ctx.calls.ts_ms[row]).map(|s| s.cost()) {
                    if after < before {
                        t.add(ctx.groups.of(row), before - after);
                    }
                }
            }
            t
        })
        .reduce(Tally::default, Tally::merge)
}

/// Every lever in order on each call: the total, the calls it lowers and each lever's marginal.
fn combined(ctx: &Ctx, plans: &[Plan]) -> (Money, u64, Vec<Money>) {
    let mut all: Vec<(u32, u8, Change)> = plans
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.changes.iter().map(move |&(r, c)| (r, i as u8, c)))
        .collect();
    all.par_sort_unstable_by_key(|&(r, i, _)| (r, i));
    let n = plans.len();
    let zero = || (Money::ZERO, 0u64, vec![Money::ZERO; n]);
    all.par_chunk_by(|a, b| a.0 == b.0)
        .fold(zero, |(mut total, mut calls, mut marginal), chunk| {
            let row = chunk[0].0 as usize;
            let Some(mut state) = State::of(ctx, row) else { return (total, calls, marginal) };
            let before = ctx.priced.cost[row];
            let mut cost = before;
            for &(_, lever, change) in chunk {
                if let Some(next) = state.with(change, ctx.calls.ts_ms[row]) {
                    let c = next.cost();
                    if c < cost {
                        marginal[lever as usize] += cost - c;
                        (state, cost) = (next, c);
                    }
                }
            }
            if cost < before {
                total += before - cost;
                calls += 1;
            }
            (total, calls, marginal)
        })
        .reduce(zero, |a, b| {
            (a.0 + b.0, a.1 + b.1, a.2.iter().zip(&b.2).map(|(x, y)| *x + *y).collect())
        })
}

fn lever(ctx: &Ctx, p: &Plan, t: &Tally, in_combined: bool, per_30: Money, share: f64) -> Lever {
    let mut routes: Vec<RouteSaving> = t
        .by_group
        .iter()
        .map(|(&g, &(saved, calls))| RouteSaving {
            route: ctx.groups.label(g).map(str::to_string),
            saved_usd: saved,
            saved_usd_exact: saved.exact(),
            calls,
            basis: p.basis.get(&g).map(|b| b.iter().cloned().collect::<Vec<_>>().join("; ")),
        })
        .collect();
    routes.sort_by(|a, b| b.saved_usd.cmp(&a.saved_usd).then_with(|| a.route.cmp(&b.route)));
    Lever {
        key: p.key,
        title: p.title,
        saved_usd: t.saved,
        saved_usd_exact: t.saved.exact(),
        per_30_days_usd: per_30,
        share,
        calls: t.calls,
        routes,
        assumption: p.assumption.clone(),
        in_combined,
        notes: p.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    fn tokens(input: u64, output: u64, read: u64, write: u64) -> Tokens {
        Tokens { input, output, cache_read: read, cache_write: write, ..Tokens::default() }
    }

    #[test]
    fn cache_reads_come_out_of_fresh_input_with_their_writes() {
        // ⌊0.4 × 10,000⌋ = 4,000 reads; 4,000 × 0.25 = 1,000 writes; 5,000 fresh left.
        let t = cache::raised(&tokens(10_000, 10, 0, 0), 0.4, 0.25);
        assert_eq!((t.cache_read, t.cache_write, t.input), (4_000, 1_000, 10_000));
        // Already above the target: unchanged.
        assert_eq!(cache::raised(&tokens(100, 1, 50, 0), 0.4, 1.0), tokens(100, 1, 50, 0));
        // Never more reads and writes than the fresh input: 100 in, 90 written already.
        let t = cache::raised(&tokens(100, 1, 0, 90), 0.5, 1.0);
        assert_eq!((t.cache_read, t.cache_write), (10, 90));
    }

    #[test]
    fn per_30_days_scales_exactly() {
        let m = Money::parse("0.125772").unwrap();
        assert_eq!(per_30_days(m, 3.0).exact(), "1.25772");
        assert_eq!(per_30_days(m, 30.0), m);
        // 7 days: 0.7 × 30 / 7 = 3 exactly.
        assert_eq!(per_30_days(Money::parse("0.7").unwrap(), 7.0).exact(), "3");
    }

    #[test]
    fn a_change_never_raises_what_a_lever_claims() {
        // alpha (March): 1,000 × 1 + 100 × 8 = 1,800 µ$. Moving it to beta (3 / 15) costs
        // 3,000 + 1,500 = 4,500: no saving, so the lever claims nothing.
        let line = r#"{"timestamp":"2026-03-10T00:00:00Z","model":"alpha","input_tokens":1000,"output_tokens":100,"route":"r"}"#;
        with_ctx(&[line], |ctx| {
            let beta = ctx.book.lookup(None, "beta").unwrap();
            let t = alone(ctx, &[(0, Change::Model(beta))]);
            assert_eq!((t.saved, t.calls), (Money::ZERO, 0));
            let gamma = ctx.book.lookup(None, "gamma").unwrap();
            // gamma: 1,100 counted > 500, tier: 1,000 × 0.2 + 100 × 0.8 = 280 µ$; saves 1,520.
            let t = alone(ctx, &[(0, Change::Model(gamma))]);
            assert_eq!(t.saved.exact(), "0.00152");
            // Combined, a later cheaper change applies on top of an earlier one: drop wins
            // whole, so batch after it adds nothing.
            let plans = [
                Plan { changes: vec![(0, Change::Drop)], ..Plan::new("a", "A", String::new()) },
                Plan { changes: vec![(0, Change::Batch)], ..Plan::new("b", "B", String::new()) },
            ];
            let (total, calls, marginal) = combined(ctx, &plans);
            assert_eq!((total.exact().as_str(), calls), ("0.0018", 1));
            assert_eq!(marginal, vec![Money::parse("0.0018").unwrap(), Money::ZERO]);
        });
    }
}
