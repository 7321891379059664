//! Pareto spend: how concentrated cost is over calls and over the values of user, feature,
//! route, model and job. "20% of users make 80% of cost", the Gini coefficient, the top
//! contributors and the Pareto curve.
//!
//! Definitions (the README repeats them):
//! - Items: for `call`, every selected priced call; for a dimension, every value with at least
//!   one selected priced call, calls without the field forming one item "(none)" (key null).
//!   An item's cost is the sum of its priced calls' costs. Unpriced calls are left out: their
//!   cost is unknown, not zero (they are listed in the unpriced section). App cache hits are
//!   priced calls that cost $0 and count as items.
//! - Items are sorted by cost desc (then key, "(none)" last; calls by start time).
//!   `items_for_share` = the smallest k whose top-k cost reaches `share` × total cost
//!   (`--pareto`, 0.8; compared exactly); `share_of_items` = items_for_share / items.
//! - `gini` = (2 Σᵢ i·xᵢ − (n + 1) Σᵢ xᵢ) / (n Σᵢ xᵢ) with x₁ ≤ … ≤ xₙ the item costs in
//!   ascending order: 0 when every item costs the same, (n − 1)/n when one item has it all;
//!   0 when there is no cost.
//! - `top[]`: the 10 costliest items with `share` and `cum_share` of the total.
//! - `curve`: `[share of items, share of cost]` after the top k items, for k = round(j·n/m),
//!   j = 0..=m, m = min(n, 99): at most 100 points from (0, 0) to (1, 1); empty when the
//!   total cost is 0.

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::context::key_order;
use crate::analyze::Ctx;
use crate::money::{Money, Rate};
use crate::calls::StrCol;

/// Contributors listed per dimension.
const TOP: usize = 10;
/// Segments of the curve at most (so at most this + 1 points).
const CURVE_SEGMENTS: usize = 99;

/// The section: one distribution per dimension.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Pareto {
    pub call: Dist,
    pub user: Dist,
    pub feature: Dist,
    pub route: Dist,
    pub model: Dist,
    pub job: Dist,
}

/// How one dimension's cost spreads over its items.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Dist {
    pub items: u64,
    pub cost_usd: Money,
    /// The share of cost `items_for_share` reaches (`--pareto`).
    pub target_share: f64,
    pub items_for_share: u64,
    pub share_of_items: f64,
    pub gini: f64,
    pub top: Vec<Top>,
    pub curve: Vec<[f64; 2]>,
}

/// One of the costliest items.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Top {
    /// The value (null = "(none)"); for `call`, its timestamp (RFC 3339 UTC).
    pub key: Option<String>,
    pub cost_usd: Money,
    pub share: f64,
    /// Share of the total of this item and all costlier ones.
    pub cum_share: f64,
    /// For `call`: the call's route and model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// Which items a distribution is over.
#[derive(Clone, Copy)]
enum Of {
    Call,
    Col(StrCol),
}

pub fn analyze(ctx: &Ctx) -> Pareto {
    let of = [
        Of::Call,
        Of::Col(StrCol::User),
        Of::Col(StrCol::Feature),
        Of::Col(StrCol::Route),
        Of::Col(StrCol::Model),
        Of::Col(StrCol::Job),
    ];
    let mut d: Vec<Dist> = of.par_iter().map(|&o| dist_of(ctx, o)).collect();
    let mut next = || d.remove(0);
    Pareto { call: next(), user: next(), feature: next(), route: next(), model: next(), job: next() }
}

fn dist_of(ctx: &Ctx, of: Of) -> Dist {
    let share = ctx.opts.pareto_share;
    match of {
        Of::Call => {
            let (costs, top) = call_items(ctx);
            summarize(&costs, share, top.into_iter().map(|(c, _, row)| (c, call_key(ctx, row))))
        }
        Of::Col(col) => {
            let items = value_items(ctx, col);
            let costs: Vec<Money> = items.iter().map(|i| i.0).collect();
            let column = ctx.calls.col(col);
            let top = items
                .iter()
                .take(TOP)
                .map(|&(c, code)| (c, (column.dict.get(code).map(str::to_string), None, None)));
            summarize(&costs, share, top)
        }
    }
}

/// The cost of every selected priced call, costliest first, and the top calls (cost, start,
/// row), ties by start time (then file order, for calls alike in cost and start).
fn call_items(ctx: &Ctx) -> (Vec<Money>, Vec<(Money, i64, usize)>) {
    let priced = |r: &usize| ctx.priced.is_priced(*r);
    let top = ctx
        .sel
        .par_rows()
        .filter(priced)
        .fold(Vec::new, |mut top, r| {
            push_top(&mut top, (ctx.priced.cost[r], ctx.calls.ts_ms[r], r));
            top
        })
        .reduce(Vec::new, |mut a, b| {
            b.into_iter().for_each(|x| push_top(&mut a, x));
            a
        });
    let mut costs: Vec<Money> = ctx.sel.par_rows().filter(priced).map(|r| ctx.priced.cost[r]).collect();
    sort_desc(&mut costs);
    (costs, top)
}

/// Keeps the TOP costliest (cost desc, start asc, row asc) in `top`, sorted.
fn push_top(top: &mut Vec<(Money, i64, usize)>, x: (Money, i64, usize)) {
    let before = |a: &(Money, i64, usize), b: &(Money, i64, usize)| a.0 > b.0 || (a.0 == b.0 && (a.1, a.2) < (b.1, b.2));
    if top.len() == TOP && !before(&x, &top[TOP - 1]) {
        return;
    }
    let at = top.partition_point(|y| before(y, &x));
    top.insert(at, x);
    top.truncate(TOP);
}

/// Sorts costs desc; on 64-bit keys when every cost fits (any call under $18.4), twice as fast.
fn sort_desc(costs: &mut [Money]) {
    let fits = costs.iter().all(|c| c.atto() >= 0 && c.atto() <= u64::MAX as i128);
    if fits {
        let mut keys: Vec<u64> = costs.par_iter().map(|c| c.atto() as u64).collect();
        keys.par_sort_unstable_by(|a, b| b.cmp(a));
        costs.par_iter_mut().zip(keys).for_each(|(c, k)| *c = Money::from_atto(k as i128));
    } else {
        costs.par_sort_unstable_by(|a, b| b.cmp(a));
    }
}

/// (cost, code) of every value of `col` with a selected priced call, costliest first, then by
/// value with "(none)" (code 0) last.
fn value_items(ctx: &Ctx, col: StrCol) -> Vec<(Money, u32)> {
    let column = ctx.calls.col(col);
    let n = column.dict.len() + 1;
    let mut cost = vec![Money::ZERO; n];
    let mut seen = vec![false; n];
    for row in ctx.sel.rows().filter(|&r| ctx.priced.is_priced(r)) {
        let c = column.ids.get(row).copied().unwrap_or(0) as usize;
        cost[c] += ctx.priced.cost[row];
        seen[c] = true;
    }
    let mut items: Vec<(Money, u32)> = (0..n).filter(|&c| seen[c]).map(|c| (cost[c], c as u32)).collect();
    let label = |code: u32| column.dict.get(code);
    items.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| key_order(label(a.1), label(b.1))));
    items
}

type Key = (Option<String>, Option<String>, Option<String>);

/// A call's key: its timestamp, with its route and model.
fn call_key(ctx: &Ctx, row: usize) -> Key {
    let ts = chrono::DateTime::from_timestamp_millis(ctx.calls.ts_ms[row])
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    let col = |c: StrCol| Some(ctx.calls.col(c).value(row).unwrap_or("(none)").to_string());
    (ts, col(StrCol::Route), col(StrCol::Model))
}

/// The distribution of `costs` (sorted costliest first); `top` the costliest items named.
fn summarize(costs: &[Money], share: f64, top: impl Iterator<Item = (Money, Key)>) -> Dist {
    let total: Money = costs.iter().copied().sum();
    let n = costs.len();
    let k = items_for_share(costs, total, share);
    let mut cum = Money::ZERO;
    let top = top
        .map(|(cost, (key, route, model))| {
            cum += cost;
            Top {
                key,
                cost_usd: cost,
                share: cost.share_of(total),
                cum_share: cum.share_of(total),
                route,
                model,
            }
        })
        .collect();
    Dist {
        items: n as u64,
        cost_usd: total,
        target_share: share,
        items_for_share: k as u64,
        share_of_items: if n == 0 { 0.0 } else { k as f64 / n as f64 },
        gini: gini(costs, total),
        top,
        curve: curve(costs, total),
    }
}

/// The smallest k whose top-k cost reaches `share` × total, compared in exact money.
fn items_for_share(items: &[Money], total: Money, share: f64) -> usize {
    // --pareto is a fraction in [0, 1]; 12 decimals is the precision of a Rate.
    let factor = Rate::parse(&format!("{share:.12}")).unwrap_or_default();
    let target = total.times(factor);
    let mut cum = Money::ZERO;
    for (i, cost) in items.iter().enumerate() {
        if cum >= target {
            return i;
        }
        cum += *cost;
    }
    items.len()
}

/// Gini coefficient (module doc); the numerator is exact, one division at the end.
fn gini(items: &[Money], total: Money) -> f64 {
    let n = items.len() as i128;
    if n == 0 || total == Money::ZERO {
        return 0.0;
    }
    // Items are sorted desc: the j-th (0-based) has ascending rank n − j.
    let weighted = items
        .iter()
        .enumerate()
        .try_fold(0i128, |acc, (j, c)| c.atto().checked_mul(n - j as i128).and_then(|p| acc.checked_add(p)));
    let t = total.atto();
    match weighted.and_then(|w| (2 * w).checked_sub((n + 1).checked_mul(t)?)) {
        Some(num) => num as f64 / (n as f64 * t as f64),
        // Sums beyond i128: the same formula in doubles.
        None => {
            let w: f64 =
                items.iter().enumerate().map(|(j, c)| c.atto() as f64 * (n - j as i128) as f64).sum();
            (2.0 * w - (n + 1) as f64 * t as f64) / (n as f64 * t as f64)
        }
    }
}

/// At most 100 points (share of items, share of cost) along the sorted items.
fn curve(items: &[Money], total: Money) -> Vec<[f64; 2]> {
    let n = items.len();
    if n == 0 || total == Money::ZERO {
        return Vec::new();
    }
    let m = n.min(CURVE_SEGMENTS);
    let mut points = Vec::with_capacity(m + 1);
    let (mut k, mut cum) = (0usize, Money::ZERO);
    for j in 0..=m {
        let upto = (j * n + m / 2) / m;
        while k < upto {
            cum += items[k];
            k += 1;
        }
        points.push([k as f64 / n as f64, cum.share_of(total)]);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::{with_ctx, with_ctx_opts};
    use crate::analyze::Options;

    /// alpha after 2026-03-01 costs $1 per 1M input tokens: `input` tokens = `input` µ$.
    fn call(input: u64, fields: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-03-02T00:00:00Z","model":"alpha","input_tokens":{input},"output_tokens":0{fields}}}"#
        )
    }

    fn items(costs_micro: &[i128]) -> Vec<Money> {
        let mut v: Vec<Money> = costs_micro.iter().map(|c| Money::from_atto(c * 1_000_000_000_000)).collect();
        sort_desc(&mut v);
        v
    }

    #[test]
    fn gini_of_known_distributions() {
        let g = |c: &[i128]| {
            let it = items(c);
            gini(&it, it.iter().copied().sum())
        };
        // Equal: 0. One of four has it all: (2·4·x − 5x) / 4x = 3/4.
        assert_eq!(g(&[5, 5, 5, 5]), 0.0);
        assert_eq!(g(&[0, 0, 0, 7]), 0.75);
        // 1,2,3,4: Σ i·x = 1 + 4 + 9 + 16 = 30; (60 − 5·10) / (4·10) = 0.25.
        assert_eq!(g(&[4, 1, 3, 2]), 0.25);
        assert_eq!(g(&[]), 0.0);
        assert_eq!(g(&[0, 0]), 0.0);
    }

    #[test]
    fn items_for_share_reaches_the_target_exactly() {
        // 50, 30, 20 of 100: 80% is reached by exactly two items, 80.0001% needs three.
        let it = items(&[20, 50, 30]);
        let total = Money::from_atto(100_000_000_000_000);
        assert_eq!(items_for_share(&it, total, 0.8), 2);
        assert_eq!(items_for_share(&it, total, 0.800001), 3);
        assert_eq!(items_for_share(&it, total, 0.5), 1);
        assert_eq!(items_for_share(&it, total, 0.0), 0);
        assert_eq!(items_for_share(&it, total, 1.0), 3);
    }

    #[test]
    fn curve_has_at_most_100_points_from_origin_to_one() {
        // 3 items 50, 30, 20: every item is a point.
        let it = items(&[20, 50, 30]);
        let total = Money::from_atto(100_000_000_000_000);
        assert_eq!(curve(&it, total), [[0.0, 0.0], [1.0 / 3.0, 0.5], [2.0 / 3.0, 0.8], [1.0, 1.0]]);
        // 200 equal items: 99 segments, 100 points on the diagonal; point 1 is after
        // round(200/99) = 2 items.
        let it = items(&[1; 200]);
        let c = curve(&it, Money::from_atto(200_000_000_000_000));
        assert_eq!(c.len(), 100);
        assert_eq!((c[0], c[1], c[99]), ([0.0, 0.0], [0.01, 0.01], [1.0, 1.0]));
        assert!(c.windows(2).all(|w| w[0][0] < w[1][0]));
        assert!(curve(&items(&[0, 0]), Money::ZERO).is_empty());
    }

    #[test]
    fn top_keeps_the_costliest_with_ties_by_start_then_file_order() {
        let mut top = Vec::new();
        for (row, micro) in [3, 9, 3, 1, 9, 5, 2, 2, 7, 3, 8, 0, 4].into_iter().enumerate() {
            // Every call starts at 0 but row 9, which starts first (-1).
            push_top(&mut top, (Money::from_atto(micro), if row == 9 { -1 } else { 0 }, row));
        }
        // Costs desc, ties by start then row: 9 (1), 9 (4), 8, 7, 5, 4, 3 (9: earliest),
        // 3 (0), 3 (2), 2 (6).
        let rows: Vec<usize> = top.iter().map(|t| t.2).collect();
        assert_eq!(rows, [1, 4, 10, 8, 5, 12, 9, 0, 2, 6]);
    }

    #[test]
    fn sorts_costs_beyond_64_bits() {
        // $20 is above u64::MAX attodollars ($18.4): the 128-bit path.
        let big = Money::parse("20").unwrap();
        let mut v = vec![Money::from_atto(5), big, Money::ZERO];
        sort_desc(&mut v);
        assert_eq!(v, [big, Money::from_atto(5), Money::ZERO]);
    }

    #[test]
    fn users_with_none_and_unpriced_calls() {
        // u1 600 + 200 = 800 µ$; u2 150; (none) 50; u3 only unpriced: not an item; u4 an app
        // cache hit: an item costing 0. Total 1000 µ$; 80% = 800 → 1 user of 4.
        let lines = [
            call(600, r#","user_id":"u1""#),
            call(200, r#","user_id":"u1""#),
            call(150, r#","user_id":"u2""#),
            call(50, ""),
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"mystery","input_tokens":9000,"output_tokens":0,"user_id":"u3"}"#.to_string(),
            call(5000, r#","user_id":"u4","cache_hit":true"#),
        ];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let p = with_ctx(&refs, analyze);
        let u = &p.user;
        assert_eq!((u.items, u.items_for_share, u.share_of_items), (4, 1, 0.25));
        assert_eq!(u.cost_usd.exact(), "0.001");
        let keys: Vec<Option<&str>> = u.top.iter().map(|t| t.key.as_deref()).collect();
        assert_eq!(keys, [Some("u1"), Some("u2"), None, Some("u4")]);
        assert_eq!((u.top[0].share, u.top[1].cum_share), (0.8, 0.95));
        // Ascending 0, 50, 150, 800: Σ i·x = 0 + 100 + 450 + 3200 = 3750;
        // (7500 − 5 · 1000) / (4 · 1000) = 0.625.
        assert_eq!(u.gini, 0.625);
        // Calls: 5 priced (the unpriced one left out), 600 first.
        assert_eq!((p.call.items, p.call.items_for_share), (5, 2), "600 + 200 = 800");
        assert_eq!(p.call.top[0].route.as_deref(), Some("(none)"));
        assert_eq!(p.call.top[0].model.as_deref(), Some("alpha"));
        assert_eq!(p.call.top[0].key.as_deref(), Some("2026-03-02T00:00:00Z"));
        // Model: alpha only (mystery is unpriced).
        assert_eq!((p.model.items, p.model.gini), (1, 0.0));
    }

    #[test]
    fn share_follows_the_option_and_ties_sort_by_key() {
        let lines = [
            call(100, r#","route":"b""#),
            call(100, r#","route":"a""#),
            call(100, r#","route":"c""#),
            call(100, ""),
        ];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let opts = Options { pareto_share: 0.5, ..Options::default() };
        let p = with_ctx_opts(&refs, &opts, analyze);
        let keys: Vec<Option<&str>> = p.route.top.iter().map(|t| t.key.as_deref()).collect();
        assert_eq!(keys, [Some("a"), Some("b"), Some("c"), None]);
        assert_eq!((p.route.items_for_share, p.route.share_of_items, p.route.target_share), (2, 0.5, 0.5));
        assert_eq!(p.route.gini, 0.0);
    }
}
