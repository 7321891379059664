//! Reconciliation: the cost llmcost computes against the `cost_usd` a gateway logged, by
//! provider and model, to expose gateway markups and wrong price maps.
//!
//! Definitions (selected calls that log `cost_usd`; others are not compared):
//! - rows are keyed by the logged provider and model strings; the calls of a pair that have
//!   a price form one row, those without one (unknown model, or no version at their date)
//!   another with `computed_usd` null, so every compared row sums the same calls on both sides.
//! - `computed_usd` = Σ computed cost (an app cache hit computes to 0);
//!   `logged_usd` = Σ logged cost, each logged `f64` taken exactly as its shortest decimal
//!   text (what the log most likely said; rounded half away from zero to 1e-18 USD if longer);
//! - `difference_usd` = logged − computed (positive: the gateway charged more);
//!   `difference_pct` = 100 × difference / computed (null when computed is 0).
//! - rows with a price come first, by |difference| desc, then those without, by logged cost
//!   desc; ties by provider then model.
//!
//! JSON: `reconciliation` is the array of rows; the totals are shown in the table.


use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analyze::Ctx;
use crate::money::Money;
use crate::calls::StrCol;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub provider: Option<String>,
    pub model: Option<String>,
    pub calls: u64,
    /// Null: these calls have no price.
    pub computed_usd: Option<Money>,
    pub logged_usd: Money,
    pub difference_usd: Option<Money>,
    pub difference_pct: Option<f64>,
}

/// The sums over every compared call with a price, and the logged cost of those without.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Total {
    pub calls: u64,
    pub computed_usd: Money,
    pub logged_usd: Money,
    pub difference_usd: Money,
    pub difference_pct: Option<f64>,
    pub unpriced_calls: u64,
    pub unpriced_logged_usd: Money,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Reconciliation {
    pub rows: Vec<Row>,
    #[serde(skip)]
    pub total: Total,
}

/// (provider id, model id, priced).
type Key = (u32, u32, bool);

#[derive(Clone, Copy, Default)]
struct Acc {
    calls: u64,
    computed: Money,
    logged: Money,
}

pub fn analyze(ctx: &Ctx) -> Reconciliation {
    let accs = accumulate(ctx);
    let provider = &ctx.calls.col(StrCol::Provider).dict;
    let model = &ctx.calls.col(StrCol::Model).dict;
    let mut total = Total::default();
    let mut rows: Vec<Row> = accs
        .into_iter()
        .map(|((p, m, priced), a)| {
            if priced {
                total.calls += a.calls;
                total.computed_usd += a.computed;
                total.logged_usd += a.logged;
            } else {
                total.unpriced_calls += a.calls;
                total.unpriced_logged_usd += a.logged;
            }
            let computed = priced.then_some(a.computed);
            Row {
                provider: provider.get(p).map(str::to_string),
                model: model.get(m).map(str::to_string),
                calls: a.calls,
                computed_usd: computed,
                logged_usd: a.logged,
                difference_usd: computed.map(|c| a.logged - c),
                difference_pct: computed.and_then(|c| pct(a.logged - c, c)),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let rank = |r: &Row| match r.difference_usd {
            Some(d) => (0, std::cmp::Reverse(d.atto().unsigned_abs())),
            None => (1, std::cmp::Reverse(r.logged_usd.atto().unsigned_abs())),
        };
        rank(a).cmp(&rank(b)).then_with(|| (&a.provider, &a.model).cmp(&(&b.provider, &b.model)))
    });
    total.difference_usd = total.logged_usd - total.computed_usd;
    total.difference_pct = pct(total.difference_usd, total.computed_usd);
    Reconciliation { rows, total }
}

/// Per (provider, model, priced): the compared calls and both sums, in one parallel pass.
fn accumulate(ctx: &Ctx) -> FxHashMap<Key, Acc> {
    let calls = ctx.calls;
    let provider = &calls.col(StrCol::Provider).ids;
    let model = &calls.col(StrCol::Model).ids;
    let add = |mut map: FxHashMap<Key, Acc>, row: usize| {
        let Some(logged) = Money::from_f64(calls.logged_cost[row]) else {
            return map;
        };
        let priced = ctx.priced.is_priced(row);
        let key = (provider.get(row).copied().unwrap_or(0), model[row], priced);
        let acc = map.entry(key).or_default();
        acc.calls += 1;
        acc.logged += logged;
        if priced {
            acc.computed += ctx.priced.cost[row];
        }
        map
    };
    let merge = |mut a: FxHashMap<Key, Acc>, b: FxHashMap<Key, Acc>| {
        for (k, v) in b {
            let e = a.entry(k).or_default();
            e.calls += v.calls;
            e.computed += v.computed;
            e.logged += v.logged;
        }
        a
    };
    ctx.sel.par_rows().with_min_len(1 << 14).fold(FxHashMap::default, add).reduce(FxHashMap::default, merge)
}

/// 100 × part / whole; `None` when whole is 0.
fn pct(part: Money, whole: Money) -> Option<f64> {
    (whole != Money::ZERO).then(|| 100.0 * part.share_of(whole))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn computed_vs_logged_by_provider_and_model() {
        let lines = [
            // alpha v2: 1000 + 100×8 = 1800 µ$ computed, 1980 logged; 500 + 50×8 = 900, 990 logged.
            r#"{"timestamp":"2026-03-02T10:00:00Z","provider":"testco","model":"alpha","input_tokens":1000,"output_tokens":100,"cost_usd":0.00198}"#,
            r#"{"timestamp":"2026-03-02T10:00:00Z","provider":"testco","model":"alpha","input_tokens":500,"output_tokens":50,"cost_usd":0.00099}"#,
            // Not logged: not compared.
            r#"{"timestamp":"2026-03-02T10:00:00Z","provider":"testco","model":"alpha","input_tokens":500,"output_tokens":50}"#,
            // beta in its tier: 2000×6 + 200×22.5 = 16500 µ$; the gateway used base rates (9000).
            r#"{"timestamp":"2026-03-02T10:00:00Z","provider":"testco","model":"beta","input_tokens":2000,"output_tokens":200,"cost_usd":"0.009"}"#,
            r#"{"timestamp":"2026-03-02T10:00:00Z","provider":"acme","model":"mystery","input_tokens":1,"output_tokens":1,"cost_usd":0.5}"#,
        ];
        let r = with_ctx(&lines, analyze);
        assert_eq!(r.rows.len(), 3);
        // beta: |9000 − 16500| = 7500 µ$ first; −7500 / 16500 = −45.45…%.
        let beta = &r.rows[0];
        assert_eq!((beta.model.as_deref(), beta.calls), (Some("beta"), 1));
        assert_eq!(beta.difference_usd, Some(m("-0.0075")));
        assert!((beta.difference_pct.unwrap() + 7500.0 / 165.0).abs() < 1e-9);
        // alpha: 2970 − 2700 = 270 µ$ = 10%.
        let alpha = &r.rows[1];
        assert_eq!((alpha.calls, alpha.computed_usd, alpha.logged_usd), (2, Some(m("0.0027")), m("0.00297")));
        assert_eq!(alpha.difference_usd, Some(m("0.00027")));
        assert!((alpha.difference_pct.unwrap() - 10.0).abs() < 1e-9);
        // Unpriced last, computed unknown.
        let unpriced = &r.rows[2];
        assert_eq!(
            (unpriced.provider.as_deref(), unpriced.computed_usd, unpriced.difference_usd),
            (Some("acme"), None, None)
        );
        assert_eq!(unpriced.logged_usd, m("0.5"));
        // Totals over priced calls: 3 calls, computed 2700 + 16500 = 19200, logged 2970 + 9000 = 11970.
        let t = &r.total;
        assert_eq!(
            (t.calls, t.computed_usd, t.logged_usd, t.difference_usd),
            (3, m("0.0192"), m("0.01197"), m("-0.00723"))
        );
        assert_eq!((t.unpriced_calls, t.unpriced_logged_usd), (1, m("0.5")));
    }

    #[test]
    fn app_cache_hits_compute_to_zero() {
        let lines = [
            r#"{"timestamp":"2026-03-02T10:00:00Z","model":"gamma","input_tokens":100,"output_tokens":10,"cost_usd":0.000014}"#,
            r#"{"timestamp":"2026-03-02T10:00:00Z","model":"gamma","input_tokens":100,"output_tokens":10,"cache_hit":true,"cost_usd":0.000014}"#,
        ];
        // gamma: 100×0.1 + 10×0.4 = 14 µ$; the cache hit computes to 0 but logged 14: +100%.
        let r = with_ctx(&lines, analyze);
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.rows[0].difference_usd, Some(m("0.000014")));
        assert_eq!(r.rows[0].difference_pct, Some(100.0));
        assert_eq!(r.rows[0].provider, None);
    }
}
