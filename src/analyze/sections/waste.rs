//! Output waste: calls cut off at their output limit, and how much of each group's cost is
//! output tokens.
//!
//! Definitions (selected calls; costs over priced calls only, unpriced ones counted apart):
//! - *truncated*: `finish_reason` is `length` (OpenAI) or `max_tokens` (Anthropic, Gemini),
//!   compared ASCII case-insensitively. Their cost is what was paid for a cut-off answer.
//! - *output share* = output component / cost, where the output component is
//!   `output_tokens × the output rate of the tier the call fell in` (× batch multiplier), as
//!   `price::components` splits it; an app cache hit costs 0 and has no output component.
//!
//! Rows per group (`--by`, route by default) and in total; one parallel pass.

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::merge::{summed, Merge};
use crate::analyze::Ctx;
use crate::calls::{FLAG_BATCH, FLAG_CACHE_HIT};
use crate::money::Money;
use crate::calls::StrCol;
use crate::price;

/// `finish_reason` values meaning the output limit cut the answer off.
pub const TRUNCATED: [&str; 2] = ["length", "max_tokens"];

summed! {
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
    pub struct Sums {
        pub calls: u64,
        /// Calls that log a finish_reason (when 0, truncation is unknown rather than absent).
        pub finish_reason_calls: u64,
        /// Calls with no price (in `calls`, not in any cost).
        pub unpriced_calls: u64,
        pub cost_usd: Money,
        /// The output tokens' part of `cost_usd`.
        pub output_cost_usd: Money,
        pub truncated_calls: u64,
        pub truncated_unpriced_calls: u64,
        pub truncated_cost_usd: Money,
        pub truncated_output_tokens: u64,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    #[serde(flatten)]
    pub sums: Sums,
    /// output_cost / cost (0 when the cost is 0).
    pub output_share: f64,
    /// truncated_calls / calls.
    pub truncated_rate: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupRow {
    /// The group's label (null = no value for the grouping field).
    pub route: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Waste {
    /// What `route` means in `routes` (`route` unless `--by` says otherwise).
    pub group_by: String,
    #[serde(flatten)]
    pub total: Figures,
    /// Groups with calls, by truncated cost desc, then cost desc, then label.
    pub routes: Vec<GroupRow>,
}

pub fn analyze(ctx: &Ctx) -> Waste {
    let truncated = truncation_codes(ctx);
    let n = ctx.groups.len();
    let groups = ctx
        .sel
        .par_rows()
        .with_min_len(1 << 14)
        .fold(
            || vec![Sums::default(); n],
            |mut acc, row| {
                acc[ctx.groups.of(row) as usize].add_call(ctx, row, &truncated);
                acc
            },
        )
        .reduce(
            || vec![Sums::default(); n],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.merge(y));
                a
            },
        );
    let total = groups.iter().fold(Sums::default(), |mut t, g| {
        t.merge(g);
        t
    });
    let mut routes: Vec<GroupRow> = groups
        .iter()
        .enumerate()
        .filter(|(_, s)| s.calls > 0)
        .map(|(g, s)| GroupRow {
            route: ctx.groups.label(g as u32).map(str::to_string),
            figures: Figures::of(*s),
        })
        .collect();
    routes.sort_by(|a, b| {
        let key = |r: &GroupRow| (r.figures.sums.truncated_cost_usd, r.figures.sums.cost_usd);
        key(b).cmp(&key(a)).then_with(|| a.route.cmp(&b.route))
    });
    Waste { group_by: ctx.groups.name.clone(), total: Figures::of(total), routes }
}

/// For each call (indexed by row), whether its answer was cut off at the output limit.
pub fn truncated_rows(ctx: &Ctx) -> Vec<bool> {
    let codes = truncation_codes(ctx);
    let ids = &ctx.calls.col(StrCol::FinishReason).ids;
    (0..ctx.calls.len()).map(|r| codes[ids.get(r).copied().unwrap_or(0) as usize]).collect()
}

/// For each `finish_reason` dictionary id, whether it means truncated (id 0 = not logged).
fn truncation_codes(ctx: &Ctx) -> Vec<bool> {
    let dict = &ctx.calls.col(StrCol::FinishReason).dict;
    (0..=dict.len() as u32)
        .map(|id| dict.get(id).is_some_and(|v| TRUNCATED.iter().any(|t| v.eq_ignore_ascii_case(t))))
        .collect()
}

impl Sums {
    fn add_call(&mut self, ctx: &Ctx, row: usize, truncated: &[bool]) {
        let reason = ctx.calls.col(StrCol::FinishReason).ids[row];
        let cut = truncated[reason as usize];
        self.calls += 1;
        self.finish_reason_calls += (reason != 0) as u64;
        self.truncated_calls += cut as u64;
        if cut {
            self.truncated_output_tokens += ctx.calls.tokens.output[row];
        }
        let Some((_, version)) = ctx.priced.version(row) else {
            self.unpriced_calls += 1;
            self.truncated_unpriced_calls += cut as u64;
            return;
        };
        let cost = ctx.priced.cost[row];
        self.cost_usd += cost;
        if cut {
            self.truncated_cost_usd += cost;
        }
        let flags = ctx.calls.flags[row];
        if flags & FLAG_CACHE_HIT == 0 {
            let tokens = ctx.calls.tokens.get(row);
            let parts =
                price::components(&tokens, version, ctx.priced.tier_index(row), flags & FLAG_BATCH != 0);
            self.output_cost_usd += parts.output;
        }
    }

}

impl Figures {
    fn of(sums: Sums) -> Figures {
        let truncated_rate =
            if sums.calls == 0 { 0.0 } else { sums.truncated_calls as f64 / sums.calls as f64 };
        Figures { output_share: sums.output_cost_usd.share_of(sums.cost_usd), truncated_rate, sums }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn line(model: &str, route: &str, input: u64, output: u64, extra: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-03-02T10:00:00Z","model":"{model}","route":"{route}","input_tokens":{input},"output_tokens":{output}{extra}}}"#
        )
    }

    fn run(lines: &[String]) -> Waste {
        with_ctx(&lines.iter().map(String::as_str).collect::<Vec<_>>(), analyze)
    }

    #[test]
    fn truncated_calls_by_either_spelling() {
        let w = run(&[
            // alpha v2: 1000 + 500×8 = 5000 µ$, output 4000.
            line("alpha", "chat", 1000, 500, r#","finish_reason":"length","max_tokens":500"#),
            // 1000 + 100×8 = 1800, output 800; not truncated.
            line("alpha", "chat", 1000, 100, r#","finish_reason":"stop""#),
            // Batch: (400 + 800) × 0.5 = 600, output 400; Gemini's upper-case spelling.
            line("alpha", "chat", 400, 100, r#","finish_reason":"MAX_TOKENS","batch":true"#),
            // Anthropic's spelling.
            line("alpha", "chat", 0, 10, r#","finish_reason":"max_tokens""#),
        ]);
        let s = &w.total.sums;
        // Truncated: 5000 + 600 + 80 = 5680 µ$; output tokens 500 + 100 + 10 = 610.
        assert_eq!((s.calls, s.truncated_calls, s.truncated_output_tokens), (4, 3, 610));
        assert_eq!(s.finish_reason_calls, 4);
        assert_eq!(s.truncated_cost_usd, m("0.00568"));
        // Cost 5000 + 1800 + 600 + 80 = 7480; output 4000 + 800 + 400 + 80 = 5280.
        assert_eq!((s.cost_usd, s.output_cost_usd), (m("0.00748"), m("0.00528")));
        assert_eq!(w.total.output_share, 5280.0 / 7480.0);
        assert_eq!(w.total.truncated_rate, 0.75);
    }

    #[test]
    fn output_share_uses_the_tier_rates() {
        // beta 2000 in / 200 out is in the tier: 2000×6 + 200×22.5 = 12000 + 4500 = 16500 µ$.
        let w = run(&[line("beta", "rag", 2000, 200, "")]);
        assert_eq!(w.total.sums.output_cost_usd, m("0.0045"));
        assert_eq!(w.total.output_share, 4500.0 / 16500.0);
    }

    #[test]
    fn cache_hits_and_unpriced_calls() {
        let w = run(&[
            line("alpha", "b", 100, 50, r#","finish_reason":"length","cache_hit":true"#),
            line("mystery", "b", 100, 10, r#","finish_reason":"length""#),
            // gamma 400×0.1 = 40 µ$ (400 is under its 500-token tier), no output.
            line("gamma", "a", 400, 0, r#","finish_reason":"content_filter""#),
        ]);
        let b = &w.routes[1];
        assert_eq!(b.route.as_deref(), Some("b"));
        let s = &b.figures.sums;
        assert_eq!((s.calls, s.truncated_calls, s.unpriced_calls, s.truncated_unpriced_calls), (2, 2, 1, 1));
        assert_eq!(
            (s.cost_usd, s.output_cost_usd, s.truncated_cost_usd),
            (Money::ZERO, Money::ZERO, Money::ZERO)
        );
        assert_eq!(b.figures.output_share, 0.0);
        assert_eq!(w.total.sums.finish_reason_calls, 3);
        // Route a sorts first: same truncated cost (0), higher cost.
        assert_eq!(w.routes[0].figures.sums.cost_usd, m("0.00004"));
    }
}
