//! Prompt cache: per route and model, cache reads raised to a target token hit rate (reads /
//! input): for a route whose cache collapsed (the cache section's), its rate before the
//! collapse, on its calls from the collapse on; else `--cache-target` for every route below
//! it; else the median rate of the routes calling the same model, for the routes far below
//! it (at most half of it and at least `MEDIAN_GAP` under: closer is sampling noise). Each extra
//! cached token is priced as a read instead of fresh input, and needs writing first: the
//! model's observed write tokens per read token across the fleet (at most 1; 1 when nothing
//! reads the model's cache yet) are priced as 5-minute writes. Routes at or above their
//! target save nothing; so do models whose cache reads cost what input does.

use rustc_hash::FxHashMap;

use super::{Change, Plan, SavingsOptions};
use crate::analyze::sections::cache as cache_section;
use crate::analyze::Ctx;
use crate::calls::{StrCol, Tokens, FLAG_CACHE_HIT, FLAG_ERROR};

/// A route is far below the median of its model's routes when at least this far under it.
const MEDIAN_GAP: f64 = 0.10;

#[derive(Default, Clone, Copy)]
struct Sums {
    input: u64,
    read: u64,
    write: u64,
}

pub fn plan<'b>(ctx: &Ctx<'b>, opts: &SavingsOptions) -> Plan<'b> {
    let mut plan = Plan::new(
        "prompt_cache",
        "Prompt caching",
        "per route and model, cache reads raised to a target token hit rate: a collapsed route's rate before the \
         collapse (from then on), else --cache-target, else the median of the routes on the same model for routes at \
         most half of it and 10 points under; the extra cached tokens are written once at the model's observed \
         write/read ratio (1 when nothing reads its cache yet)"
            .to_string(),
    );
    let model = &ctx.calls.col(StrCol::Model).ids;
    let eligible = |r: usize| {
        ctx.calls.flags[r] & (FLAG_ERROR | FLAG_CACHE_HIT) == 0
            && ctx.priced.version(r).is_some_and(|(_, v)| v.base.cache_read < v.base.input)
    };
    let mut cells: FxHashMap<(u32, u32), Sums> = FxHashMap::default();
    let mut models: FxHashMap<u32, Sums> = FxHashMap::default();
    for r in ctx.sel.rows().filter(|&r| eligible(r)) {
        let t = ctx.calls.tokens.get(r);
        for s in [cells.entry((ctx.groups.of(r), model[r])).or_default(), models.entry(model[r]).or_default()] {
            s.input += t.input;
            s.read += t.cache_read;
            s.write += t.cache_write;
        }
    }
    // Route → (rate before the collapse, its first low day in epoch ms).
    let collapsed: FxHashMap<String, (f64, i64)> = cache_section::analyze(ctx)
        .collapses
        .into_iter()
        .filter_map(|c| Some((c.route?, (c.before_rate, crate::time::parse_date(&c.at).ok()?))))
        .collect();
    let mut rates_by_model: FxHashMap<u32, Vec<f64>> = FxHashMap::default();
    for (&(_, m), s) in cells.iter().filter(|(_, s)| s.input > 0) {
        rates_by_model.entry(m).or_default().push(s.read as f64 / s.input as f64);
    }
    let median = |m: u32| {
        let mut v = rates_by_model.get(&m).cloned().unwrap_or_default();
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| if v.len() % 2 == 1 { v[v.len() / 2] } else { (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0 })
    };
    // (group, model) → (target, write ratio, from epoch ms).
    let mut targets: FxHashMap<(u32, u32), (f64, f64, i64)> = FxHashMap::default();
    for (&(g, m), s) in &cells {
        let label = ctx.groups.label(g);
        let own = if s.input > 0 { s.read as f64 / s.input as f64 } else { 0.0 };
        let (target, why, from) = match label.and_then(|l| collapsed.get(l)) {
            Some(&(before, at)) => (before, "its rate before the collapse", at),
            None => match route_target(opts, label).or(opts.cache_target.map(|t| (t, "--cache-target"))) {
                Some((t, why)) => (t, why, i64::MIN),
                None => match median(m) {
                    Some(t) if own <= t / 2.0 && t - own >= MEDIAN_GAP => {
                        (t, "median of the routes on this model", i64::MIN)
                    }
                    _ => continue,
                },
            },
        };
        if own >= target || target <= 0.0 {
            continue;
        }
        let fleet = models[&m];
        let write_ratio = if fleet.read > 0 { (fleet.write as f64 / fleet.read as f64).min(1.0) } else { 1.0 };
        targets.insert((g, m), (target, write_ratio, from));
        plan.because(g, format!("{:.1}% → {:.1}% ({why})", own * 100.0, target * 100.0));
    }
    for r in ctx.sel.rows().filter(|&r| eligible(r)) {
        if let Some(&(rate, write_ratio, from)) = targets.get(&(ctx.groups.of(r), model[r])) {
            if ctx.calls.ts_ms[r] >= from {
                plan.changes.push((r as u32, Change::CacheReads { rate, write_ratio }));
            }
        }
    }
    plan
}

/// The policy's target for a route, when one of its route globs matches.
fn route_target(opts: &SavingsOptions, label: Option<&str>) -> Option<(f64, &'static str)> {
    let label = label?;
    let (_, t) = opts.route_cache_targets.iter().find(|(p, _)| crate::pattern::glob_matches(p, label))?;
    Some((*t, "the policy's target for the route"))
}

/// `t` with cache reads raised to ⌊rate × input⌋ out of its fresh input, and
/// round(extra × write_ratio) more of its fresh input written to the cache.
pub fn raised(t: &Tokens, rate: f64, write_ratio: f64) -> Tokens {
    let goal = (rate * t.input as f64).floor() as u64;
    // Only text prompt tokens are newly cached: the audio ones keep their own rate.
    let fresh = t.uncached_text();
    let extra = goal.saturating_sub(t.cache_read).min(fresh);
    if extra == 0 {
        return *t;
    }
    let writes = ((extra as f64 * write_ratio).round() as u64).min(fresh - extra);
    Tokens { cache_read: t.cache_read + extra, cache_write: t.cache_write + writes, ..*t }
}
