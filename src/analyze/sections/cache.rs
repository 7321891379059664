//! Prompt-cache effectiveness per group (`--by`, route by default): hit rates, what cache
//! reads saved, what cache writes cost, and the groups whose caching is broken, either far
//! below the rest of the fleet or collapsed at a point in time.
//!
//! Definitions (the README repeats them):
//! - Eligible calls: selected provider calls that are ok (not errors) and not app cache hits
//!   (those never reached the provider). Token counts cover every eligible call; money covers
//!   the priced ones only (an unpriced call has no rates to value its tokens at).
//! - `token_hit_rate` = Σ cache_read_tokens / Σ input_tokens (null when no input);
//!   `request_hit_rate` = share of eligible calls with cache_read_tokens > 0.
//! - All money is at the rates of the tier the call was priced in, × the batch multiplier for
//!   batch calls: `write_cost_usd` = the cache-write part of the cost (5-minute and 1-hour);
//!   `write_premium_usd` = write cost − the same tokens at the input rate; `saved_usd` =
//!   cache_read_tokens × (input rate − cache-read rate); `payback` = saved / premium (null when
//!   the premium is not positive).
//! - Flags: `below_fleet` when the group's token hit rate < fleet rate / 3; `no_cache` when
//!   it never reads cache (instead of `below_fleet`); both only for groups holding at least 5%
//!   of the fleet's eligible input tokens. `collapsed` when a collapse is listed for it.
//! - Collapse: the group's eligible calls by day (UTC, or the `--tz` zone; days with input only). For every split
//!   with at least 2 days on each side, before/after rates are the token hit rates pooled over
//!   the days before / from the split on; a split qualifies when before ≥ 2 × after and
//!   before − after ≥ 0.20; the one with the largest drop wins (the earliest on a tie), `at` =
//!   its first low day. `cost_since_usd` = before_rate × F − S over the calls from `at` on,
//!   where F = Σ input_tokens × (input rate − cache-read rate), what they would have saved
//!   reading every input token from cache, and S = their actual `saved_usd`: the extra paid
//!   because they did not read `before_rate` of their input from cache. Extra cache writes
//!   are not counted, so it is a lower bound.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analyze::merge::{summed, Merge};
use crate::analyze::context::key_order;
use crate::analyze::Ctx;
use crate::calls::{FLAG_BATCH, FLAG_CACHE_HIT, FLAG_ERROR};
use crate::money::Money;
use crate::price::components;
use crate::pricing::PriceVersion;

/// A group is far below the fleet under the fleet's token hit rate divided by this.
const BELOW_FACTOR: u128 = 3;
/// Groups with less than this share of the fleet's input tokens are never flagged (1/20 = 5%).
const SIZEABLE_DIVISOR: u128 = 20;
/// A collapse: the before rate at least this many times the after rate…
const COLLAPSE_RATIO: u128 = 2;
/// …and at least 1/5 = 20 points above it…
const COLLAPSE_DROP_DIVISOR: u128 = 5;
/// …with at least this many days of data on each side.
const COLLAPSE_MIN_DAYS: usize = 2;

/// The section: per-group rows, fleet totals and collapses.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cache {
    /// What `routes[].route` holds: `route`, or the `--by` grouping.
    pub group_by: String,
    pub fleet: Stats,
    /// Groups with eligible calls, by input tokens desc, then key.
    pub routes: Vec<GroupRow>,
    /// By cost_since_usd desc, then key.
    pub collapses: Vec<Collapse>,
}

/// Cache figures over a set of eligible calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub calls: u64,
    /// The calls the money figures cover.
    pub priced_calls: u64,
    pub calls_with_read: u64,
    pub input_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub token_hit_rate: Option<f64>,
    pub request_hit_rate: Option<f64>,
    pub write_cost_usd: Money,
    pub write_premium_usd: Money,
    pub saved_usd: Money,
    pub payback: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupRow {
    /// The group's value; null = the calls have none.
    pub route: Option<String>,
    #[serde(flatten)]
    pub stats: Stats,
    /// `below_fleet`, `no_cache`, `collapsed`.
    pub flags: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Collapse {
    pub route: Option<String>,
    /// The first day of the low period (in the run's zone), `YYYY-MM-DD`.
    pub at: String,
    pub before_rate: f64,
    pub after_rate: f64,
    pub before_days: usize,
    pub after_days: usize,
    pub cost_since_usd: Money,
}

summed! {
    /// Running sums of one group on one day.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    struct Sums {
        calls: u64,
        priced: u64,
        with_read: u64,
        input: u64,
        read: u64,
        write: u64,
        write_cost: Money,
        write_premium: Money,
        saved: Money,
        /// What the calls would have saved had every input token been a cache read.
        full_save: Money,
    }
}

impl Sums {
    fn add_row(&mut self, ctx: &Ctx, row: usize) {
        let t = ctx.calls.tokens.get(row);
        self.calls += 1;
        self.with_read += u64::from(t.cache_read > 0);
        self.input += t.input;
        self.read += t.cache_read;
        self.write += t.cache_write;
        let Some((_, v)) = ctx.priced.version(row) else { return };
        self.priced += 1;
        let batch = ctx.calls.flags[row] & FLAG_BATCH != 0;
        let tier = ctx.priced.tier_index(row);
        let actual = components(&t, v, tier, batch);
        let r = v.rates(tier);
        let at = |tokens, rate| batched(Money::of_tokens(tokens, rate), v, batch);
        self.write_cost += actual.cache_write;
        self.write_premium += actual.cache_write - at(t.cache_write, r.input);
        self.saved += at(t.cache_read, r.input) - actual.cache_read;
        self.full_save += at(t.input, r.input) - at(t.input, r.cache_read);
    }

    fn stats(&self) -> Stats {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let payback = (self.write_premium > Money::ZERO).then(|| self.saved.share_of(self.write_premium));
        Stats {
            calls: self.calls,
            priced_calls: self.priced,
            calls_with_read: self.with_read,
            input_tokens: self.input,
            cache_read_tokens: self.read,
            cache_write_tokens: self.write,
            token_hit_rate: ratio(self.read, self.input),
            request_hit_rate: ratio(self.with_read, self.calls),
            write_cost_usd: self.write_cost,
            write_premium_usd: self.write_premium,
            saved_usd: self.saved,
            payback,
        }
    }
}

/// The same multiplier `price::components` applies to each part of a batch call.
fn batched(m: Money, v: &PriceVersion, batch: bool) -> Money {
    if batch {
        m.times(v.batch_multiplier)
    } else {
        m
    }
}

pub fn analyze(ctx: &Ctx) -> Cache {
    let mut cells: Vec<((u32, i64), Sums)> = day_cells(ctx).into_iter().collect();
    cells.sort_unstable_by_key(|(k, _)| *k);
    let mut fleet = Sums::default();
    let mut groups: Vec<(u32, Sums)> = Vec::new();
    let mut collapses = Vec::new();
    for days in cells.chunk_by(|a, b| a.0 .0 == b.0 .0) {
        let group = days[0].0 .0;
        let mut sums = Sums::default();
        days.iter().for_each(|(_, s)| sums.merge(s));
        fleet.merge(&sums);
        groups.push((group, sums));
        collapses.extend(find_collapse(days).map(|c| c.into_collapse(ctx.groups.label(group))));
    }
    collapses.sort_by(|a, b| {
        b.cost_since_usd
            .cmp(&a.cost_since_usd)
            .then_with(|| key_order(a.route.as_deref(), b.route.as_deref()))
    });
    let mut routes: Vec<GroupRow> =
        groups.iter().map(|(g, s)| group_row(ctx, *g, s, &fleet, &collapses)).collect();
    routes.sort_by(|a, b| {
        b.stats
            .input_tokens
            .cmp(&a.stats.input_tokens)
            .then_with(|| key_order(a.route.as_deref(), b.route.as_deref()))
    });
    Cache { group_by: ctx.groups.name.clone(), fleet: fleet.stats(), routes, collapses }
}

/// Sums per (group, day in the run's zone) over the eligible calls, in one parallel pass.
fn day_cells(ctx: &Ctx) -> FxHashMap<(u32, i64), Sums> {
    let skip = FLAG_ERROR | FLAG_CACHE_HIT;
    ctx.sel
        .par_rows()
        .with_min_len(1 << 16)
        .filter(|&row| ctx.calls.flags[row] & skip == 0)
        .fold(FxHashMap::default, |mut map: FxHashMap<(u32, i64), Sums>, row| {
            let key = (ctx.groups.of(row), ctx.opts.zone.day(ctx.calls.ts_ms[row]));
            map.entry(key).or_default().add_row(ctx, row);
            map
        })
        .reduce(FxHashMap::default, |mut a, b| {
            for (k, s) in b {
                a.entry(k).or_default().merge(&s);
            }
            a
        })
}

fn group_row(ctx: &Ctx, group: u32, s: &Sums, fleet: &Sums, collapses: &[Collapse]) -> GroupRow {
    let route = ctx.groups.label(group).map(str::to_string);
    let mut flags = Vec::new();
    let sizeable = u128::from(s.input) * SIZEABLE_DIVISOR >= u128::from(fleet.input) && s.input > 0;
    if sizeable && s.read == 0 {
        flags.push("no_cache");
    } else if sizeable && below(s, fleet) {
        flags.push("below_fleet");
    }
    if collapses.iter().any(|c| c.route == route) {
        flags.push("collapsed");
    }
    GroupRow { route, stats: s.stats(), flags }
}

/// read/input < fleet_read / fleet_input / 3, compared exactly.
fn below(s: &Sums, fleet: &Sums) -> bool {
    u128::from(s.read) * u128::from(fleet.input) * BELOW_FACTOR < u128::from(fleet.read) * u128::from(s.input)
}

/// A split found in a group's days, before it gets its label.
struct Found {
    at_day: i64,
    before: (u64, u64),
    after: (u64, u64),
    before_days: usize,
    after_days: usize,
    cost_since: Money,
}

impl Found {
    fn into_collapse(self, label: Option<&str>) -> Collapse {
        Collapse {
            route: label.map(str::to_string),
            at: crate::analyze::dims::day_label(self.at_day),
            before_rate: self.before.0 as f64 / self.before.1 as f64,
            after_rate: self.after.0 as f64 / self.after.1 as f64,
            before_days: self.before_days,
            after_days: self.after_days,
            cost_since_usd: self.cost_since,
        }
    }
}

/// The collapse of one group's day series (sorted by day), if any; see the module doc.
fn find_collapse(days: &[((u32, i64), Sums)]) -> Option<Found> {
    let days: Vec<(i64, &Sums)> =
        days.iter().filter(|(_, s)| s.input > 0).map(|((_, d), s)| (*d, s)).collect();
    let n = days.len();
    let (total_read, total_input) = days.iter().fold((0, 0), |(r, i), (_, s)| (r + s.read, i + s.input));
    let (mut read_b, mut input_b) = (0u64, 0u64);
    let mut best: Option<(usize, f64)> = None;
    for k in 1..n {
        read_b += days[k - 1].1.read;
        input_b += days[k - 1].1.input;
        if k < COLLAPSE_MIN_DAYS || n - k < COLLAPSE_MIN_DAYS {
            continue;
        }
        let (rb, ib, ra, ia) =
            (read_b as u128, input_b as u128, (total_read - read_b) as u128, (total_input - input_b) as u128);
        // before/after rates rb/ib and ra/ia, compared exactly by cross-multiplying.
        let ratio_ok = rb * ia >= COLLAPSE_RATIO * ra * ib;
        let drop_ok = rb * ia > ra * ib && COLLAPSE_DROP_DIVISOR * (rb * ia - ra * ib) >= ib * ia;
        let drop = rb as f64 / ib as f64 - ra as f64 / ia as f64;
        if ratio_ok && drop_ok && best.is_none_or(|(_, d)| drop > d) {
            best = Some((k, drop));
        }
    }
    let (k, _) = best?;
    let (before, after) = days.split_at(k);
    let sum = |part: &[(i64, &Sums)]| {
        part.iter().fold(Sums::default(), |mut acc, (_, s)| {
            acc.merge(s);
            acc
        })
    };
    let (b, a) = (sum(before), sum(after));
    Some(Found {
        at_day: after[0].0,
        before: (b.read, b.input),
        after: (a.read, a.input),
        before_days: before.len(),
        after_days: after.len(),
        cost_since: scale(a.full_save, b.read, b.input) - a.saved,
    })
}

/// `m × num / den`, rounded half away from zero to 1e-18 USD.
fn scale(m: Money, num: u64, den: u64) -> Money {
    let (num, den) = (num as i128, den as i128);
    match m.atto().checked_mul(num) {
        Some(p) => Money::from_atto((2 * p + p.signum() * den) / (2 * den)),
        // Beyond i128 (over 10^20 USD-tokens): the nearest double is plenty.
        None => Money::from_atto((m.atto() as f64 * num as f64 / den as f64).round() as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    fn line(day: &str, route: &str, model: &str, input: u64, read: u64, write: u64, extra: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-03-{day}T12:00:00Z","model":"{model}","route":"{route}","input_tokens":{input},"output_tokens":10,"cache_read_tokens":{read},"cache_write_tokens":{write}{extra}}}"#
        )
    }

    fn run(lines: &[String]) -> Cache {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        with_ctx(&refs, analyze)
    }

    #[test]
    fn rates_savings_and_payback_on_alpha_v2() {
        // alpha after 2026-03-01: input $1, read $0.25, 5m write $1.25, 1h write $2 per 1M.
        let c = run(&[
            line("02", "a", "alpha", 1000, 800, 100, ""),
            line("03", "a", "alpha", 1000, 0, 200, r#","cache_write_1h_tokens":200,"batch":true"#),
            // Excluded: an error and an app cache hit.
            line("03", "a", "alpha", 5000, 5000, 0, r#","status":"error""#),
            line("03", "a", "alpha", 5000, 5000, 0, r#","cache_hit":true"#),
        ]);
        let a = &c.routes[0].stats;
        assert_eq!(a.priced_calls, 2);
        assert_eq!(
            (a.calls, a.calls_with_read, a.input_tokens, a.cache_read_tokens, a.cache_write_tokens),
            (2, 1, 2000, 800, 300)
        );
        assert_eq!(a.token_hit_rate, Some(0.4), "800 / 2000");
        assert_eq!(a.request_hit_rate, Some(0.5), "1 of 2 calls read");
        // Writes: 100 × 1.25 = 125 µ$; 200 (1h) × 2 × 0.5 batch = 200 µ$; total 325 µ$.
        assert_eq!(a.write_cost_usd.exact(), "0.000325");
        // Premium: 325 − (100 × 1 + 200 × 1 × 0.5) = 325 − 200 = 125 µ$.
        assert_eq!(a.write_premium_usd.exact(), "0.000125");
        // Saved: 800 × (1 − 0.25) = 600 µ$; payback 600 / 125 = 4.8.
        assert_eq!(a.saved_usd.exact(), "0.0006");
        assert_eq!(a.payback, Some(4.8));
        assert_eq!(c.fleet, *a);
        assert_eq!(c.group_by, "route");
    }

    #[test]
    fn tier_rates_and_no_premium_without_cache_rates() {
        // beta above 1000 input: every class at $6 (no cache rates), so the write premium is 0.
        let c = run(&[line("02", "b", "beta", 2000, 500, 500, "")]);
        let b = &c.routes[0].stats;
        assert_eq!(b.write_cost_usd.exact(), "0.003", "500 × 6 = 3000 µ$");
        assert_eq!(b.write_premium_usd, Money::ZERO);
        assert_eq!(b.saved_usd, Money::ZERO, "reads at the input rate save nothing");
        assert_eq!(b.payback, None);
        // gamma tier (input + output > 500): read 0.05 vs input 0.2: 400 × 0.15 = 60 µ$.
        let g = run(&[line("02", "g", "gamma", 500, 400, 0, "")]);
        assert_eq!(g.routes[0].stats.saved_usd.exact(), "0.00006");
    }

    #[test]
    fn unpriced_calls_count_tokens_but_no_money() {
        let c = run(&[line("02", "u", "mystery", 1000, 500, 100, "")]);
        let u = &c.routes[0].stats;
        assert_eq!((u.input_tokens, u.cache_read_tokens, u.token_hit_rate), (1000, 500, Some(0.5)));
        assert_eq!((u.priced_calls, u.write_cost_usd, u.saved_usd), (0, Money::ZERO, Money::ZERO));
    }

    #[test]
    fn flags_far_below_the_fleet_and_no_cache() {
        // Fleet: input 100000 + 20000 + 5000 + 4000 = 129000; read 90000 + 800 + 0 + 0.
        // Rate 90800 / 129000 = 0.7039; a third is 0.2346. 5% of 129000 = 6450 tokens.
        let c = run(&[
            line("02", "main", "alpha", 100000, 90000, 0, ""),
            line("02", "low", "alpha", 20000, 800, 0, ""), // 4%, 15.5% of input: below_fleet
            line("02", "none", "alpha", 5000, 0, 0, ""),   // never reads but 3.9%: not flagged
            line("02", "zero", "alpha", 4000, 0, 0, ""),   // 3.1%: not flagged
        ]);
        let flags: Vec<(&str, Vec<&str>)> =
            c.routes.iter().map(|r| (r.route.as_deref().unwrap(), r.flags.clone())).collect();
        assert_eq!(
            flags,
            [("main", vec![]), ("low", vec!["below_fleet"]), ("none", vec![]), ("zero", vec![])]
        );
        // With "none" at 10000 of 110000 tokens (10000 × 20 = 200000 ≥ 110000): no_cache.
        let c = run(&[
            line("02", "main", "alpha", 100000, 90000, 0, ""),
            line("02", "none", "alpha", 10000, 0, 0, ""),
        ]);
        assert_eq!(c.routes[1].flags, ["no_cache"]);
    }

    #[test]
    fn below_fleet_boundary_is_strict() {
        // Fleet read 3000 of 6000 = 0.5; a third = 1/6. "edge" reads exactly 1/6: not flagged.
        let c = run(&[
            line("02", "main", "alpha", 3000, 2500, 0, ""),
            line("02", "edge", "alpha", 3000, 500, 0, ""),
        ]);
        assert!(c.routes.iter().all(|r| r.flags.is_empty()));
        let c = run(&[
            line("02", "main", "alpha", 3000, 2501, 0, ""),
            line("02", "edge", "alpha", 3000, 499, 0, ""),
        ]);
        // Same input, so by key: edge first.
        assert_eq!(c.routes[0].route.as_deref(), Some("edge"));
        assert_eq!(c.routes[0].flags, ["below_fleet"]);
    }

    #[test]
    fn collapse_found_at_the_largest_drop() {
        // Daily rates 0.9, 0.9, 0.8, 0.1, 0.1 on 1000 input each.
        // Split before day 4: before 2600/3000 = 0.8667, after 200/2000 = 0.1, drop 0.7667.
        // Split before day 3: before 0.9, after 1000/3000 = 0.333, drop 0.5667 (smaller).
        let reads = [900, 900, 800, 100, 100];
        let lines: Vec<String> = reads
            .iter()
            .enumerate()
            .map(|(i, r)| line(&format!("0{}", i + 2), "r", "alpha", 1000, *r, 0, ""))
            .collect();
        let c = run(&lines);
        let x = &c.collapses[0];
        assert_eq!((x.at.as_str(), x.before_days, x.after_days), ("2026-03-05", 3, 2));
        assert_eq!((x.before_rate, x.after_rate), (2600.0 / 3000.0, 0.1));
        // F = 2000 × (1 − 0.25) = 1500 µ$; S = 200 × 0.75 = 150 µ$;
        // 1500 × 2600 / 3000 = 1300 µ$; cost since = 1300 − 150 = 1150 µ$.
        assert_eq!(x.cost_since_usd.exact(), "0.00115");
        assert_eq!(c.routes[0].flags, ["collapsed"]);
    }

    #[test]
    fn collapse_thresholds_are_inclusive_and_need_two_days_each_side() {
        let series = |reads: &[u64]| -> Vec<String> {
            reads
                .iter()
                .enumerate()
                .map(|(i, r)| line(&format!("{:02}", i + 2), "r", "alpha", 1000, *r, 0, ""))
                .collect()
        };
        // 0.4 → 0.2: exactly 2× and exactly 20 points: a collapse.
        assert_eq!(run(&series(&[400, 400, 200, 200])).collapses.len(), 1);
        // 0.4 → 0.201: not 2×.
        assert!(run(&series(&[400, 400, 201, 201])).collapses.is_empty());
        // 0.3 → 0.1: exactly 20 points: a collapse; 0.29 → 0.1: 19 points, none.
        assert_eq!(run(&series(&[300, 300, 100, 100])).collapses.len(), 1);
        assert!(run(&series(&[290, 290, 100, 100])).collapses.is_empty());
        // 0.9 → 0.1 on the last day only: that split has one day after it, so only the
        // 2 + 2 split counts (0.9 → 0.5, under 2×).
        assert!(run(&series(&[900, 900, 900, 100])).collapses.is_empty());
    }

    #[test]
    fn calls_without_the_field_are_one_group_sorted_last_on_a_tie() {
        let mut l = line("02", "x", "alpha", 1000, 0, 0, "");
        l = l.replace(r#""route":"x","#, "");
        let c = run(&[l, line("02", "z", "alpha", 1000, 0, 0, ""), line("03", "a", "alpha", 500, 0, 0, "")]);
        let keys: Vec<Option<&str>> = c.routes.iter().map(|r| r.route.as_deref()).collect();
        assert_eq!(keys, [Some("z"), None, Some("a")]);
    }

    #[test]
    fn scale_rounds_half_away_from_zero() {
        assert_eq!(scale(Money::from_atto(10), 1, 4).atto(), 3, "2.5 → 3");
        assert_eq!(scale(Money::from_atto(-10), 1, 4).atto(), -3);
        assert_eq!(scale(Money::from_atto(9), 1, 3).atto(), 3);
    }
}
