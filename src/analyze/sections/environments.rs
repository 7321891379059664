//! Non-production spend: cost by environment, and how much of it is not production (CI test
//! suites and staging hitting live APIs).
//!
//! Definitions (the README repeats them):
//! - Each selected call falls in its `environment` value; calls without one form the group
//!   "(none)" (key null).
//! - Class: `production` when the value is `prod` or `production` (any case, surrounding
//!   spaces ignored); `none` when the field is missing or blank, which counts as neither
//!   production nor non-production; `non_production` for every other value.
//! - Costs are of priced calls only (unpriced calls are counted in `calls`, not in cost);
//!   `share` = a row's cost / the total cost of the selected calls;
//!   `non_production_share` = non_production_cost_usd / cost_usd (0 when there is no cost).

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::context::key_order;
use crate::analyze::Ctx;
use crate::money::Money;
use crate::calls::StrCol;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Environments {
    pub calls: u64,
    pub cost_usd: Money,
    pub production_cost_usd: Money,
    pub non_production_cost_usd: Money,
    /// Calls with no (or a blank) environment.
    pub none_cost_usd: Money,
    pub non_production_calls: u64,
    pub non_production_share: f64,
    /// By cost desc, then key ("(none)" last).
    pub rows: Vec<EnvRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvRow {
    /// The environment as logged; null = none.
    pub key: Option<String>,
    /// `production`, `non_production` or `none`.
    pub class: &'static str,
    pub calls: u64,
    pub priced_calls: u64,
    pub cost_usd: Money,
    pub share: f64,
}

/// Calls, priced calls and cost per environment code.
#[derive(Clone, Copy, Default)]
struct Sums {
    calls: u64,
    priced: u64,
    cost: Money,
}

pub fn analyze(ctx: &Ctx) -> Environments {
    let column = ctx.calls.col(StrCol::Environment);
    let sums = per_code(ctx, column.dict.len() + 1);
    let total: Money = sums.iter().map(|s| s.cost).sum();
    let mut rows: Vec<EnvRow> = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.calls > 0)
        .map(|(code, s)| {
            let key = column.dict.get(code as u32).map(str::to_string);
            let class = class_of(key.as_deref());
            EnvRow {
                key,
                class,
                calls: s.calls,
                priced_calls: s.priced,
                cost_usd: s.cost,
                share: s.cost.share_of(total),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.cost_usd.cmp(&a.cost_usd).then_with(|| key_order(a.key.as_deref(), b.key.as_deref()))
    });
    let cost_of = |class: &str| rows.iter().filter(|r| r.class == class).map(|r| r.cost_usd).sum::<Money>();
    let non_production_cost_usd = cost_of("non_production");
    Environments {
        calls: rows.iter().map(|r| r.calls).sum(),
        cost_usd: total,
        production_cost_usd: cost_of("production"),
        non_production_cost_usd,
        none_cost_usd: cost_of("none"),
        non_production_calls: rows.iter().filter(|r| r.class == "non_production").map(|r| r.calls).sum(),
        non_production_share: non_production_cost_usd.share_of(total),
        rows,
    }
}

/// One parallel pass over the selected calls.
fn per_code(ctx: &Ctx, n: usize) -> Vec<Sums> {
    let ids = &ctx.calls.col(StrCol::Environment).ids;
    ctx.sel
        .par_rows()
        .with_min_len(1 << 16)
        .fold(
            || vec![Sums::default(); n],
            |mut acc, row| {
                let s = &mut acc[ids.get(row).copied().unwrap_or(0) as usize];
                s.calls += 1;
                if ctx.priced.is_priced(row) {
                    s.priced += 1;
                    s.cost += ctx.priced.cost[row];
                }
                acc
            },
        )
        .reduce(
            || vec![Sums::default(); n],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.calls += y.calls;
                    x.priced += y.priced;
                    x.cost += y.cost;
                }
                a
            },
        )
}

fn class_of(env: Option<&str>) -> &'static str {
    match env.map(str::trim) {
        None | Some("") => "none",
        Some(e) if e.eq_ignore_ascii_case("prod") || e.eq_ignore_ascii_case("production") => "production",
        Some(_) => "non_production",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    /// alpha after 2026-03-01: $1 per 1M input tokens, so `input` tokens = `input` µ$.
    fn call(input: u64, env: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-03-02T00:00:00Z","model":"alpha","input_tokens":{input},"output_tokens":0{env}}}"#
        )
    }

    #[test]
    fn classes() {
        assert_eq!(class_of(Some("PROD")), "production");
        assert_eq!(class_of(Some(" Production ")), "production");
        assert_eq!(class_of(Some("prod-eu")), "non_production");
        assert_eq!(class_of(Some("ci")), "non_production");
        assert_eq!(class_of(Some("  ")), "none");
        assert_eq!(class_of(None), "none");
    }

    #[test]
    fn cost_by_environment_and_non_production_share() {
        // prod 500 + Production 100 = 600 µ$; ci 300 + unpriced; staging 100; none 0 (a cache
        // hit) + 200. Total 1200 µ$; non-production 300 + 100 = 400 → 1/3.
        let lines = [
            call(500, r#","environment":"prod""#),
            call(100, r#","environment":"Production""#),
            call(300, r#","environment":"ci""#),
            r#"{"timestamp":"2026-03-02T00:00:00Z","model":"mystery","input_tokens":9,"output_tokens":0,"environment":"ci"}"#.to_string(),
            call(100, r#","environment":"staging""#),
            call(200, ""),
            call(700, r#","cache_hit":true"#),
        ];
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let e = with_ctx(&refs, analyze);
        assert_eq!(e.cost_usd.exact(), "0.0012");
        assert_eq!(e.production_cost_usd.exact(), "0.0006");
        assert_eq!(e.non_production_cost_usd.exact(), "0.0004");
        assert_eq!(e.none_cost_usd.exact(), "0.0002");
        assert_eq!((e.calls, e.non_production_calls), (7, 3));
        assert_eq!(e.non_production_share, 1.0 / 3.0);
        let rows: Vec<(Option<&str>, &str, u64, u64)> =
            e.rows.iter().map(|r| (r.key.as_deref(), r.class, r.calls, r.priced_calls)).collect();
        assert_eq!(
            rows,
            [
                (Some("prod"), "production", 1, 1),
                (Some("ci"), "non_production", 2, 1),
                (None, "none", 2, 2),
                (Some("Production"), "production", 1, 1),
                (Some("staging"), "non_production", 1, 1),
            ]
        );
        assert_eq!(e.rows[0].share, 500.0 / 1200.0);
    }

    #[test]
    fn no_calls_no_share() {
        let e = with_ctx(&[], analyze);
        assert_eq!((e.calls, e.non_production_share, e.rows.len()), (0, 0.0, 0));
    }
}
