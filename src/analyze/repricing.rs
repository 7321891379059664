//! `llmcost pricing diff OLD NEW --log FILE…`: what the same calls cost under two price books
//! (the month-end re-pricing question), from the two reports the pipeline makes of them.
//!
//! `difference = new − old`, in total and per model (the report's `model` breakdown). A side's
//! cost leaves out its unpriced calls, so a model's difference is given only when both sides
//! priced every one of its calls (`null` otherwise); the totals say how many calls each side
//! could not price. Models are listed by the size of their difference, largest first; those
//! without one last.

use serde::Serialize;

use super::Report;
use crate::money::Money;
use crate::pricing::diff::RateDiff;

/// The whole answer of `pricing diff`: rates, and the log's cost under each book.
#[derive(Debug, Serialize)]
pub struct PricingDiff {
    /// The two sides as named on the command line (`builtin` or a path).
    pub old: String,
    pub new: String,
    /// Entries or fields of each side's imported tables that were not imported
    /// (`pricing check` lists them).
    pub old_skipped: usize,
    pub new_skipped: usize,
    pub rates: RateDiff,
    /// Present with `--log`.
    pub log: Option<LogCost>,
}

/// What one side makes of the log.
#[derive(Debug, Serialize)]
pub struct SideCost {
    pub cost_usd: Money,
    pub cost_usd_exact: String,
    pub priced_calls: u64,
    pub unpriced_calls: u64,
}

/// One model's cost under each side.
#[derive(Debug, Serialize)]
pub struct ModelCost {
    /// The model as the log names it (null: calls without one).
    pub model: Option<String>,
    pub calls: u64,
    /// `null` where that side priced none of its calls.
    pub old_usd: Option<Money>,
    pub new_usd: Option<Money>,
    /// `new − old` when both sides priced all its calls.
    pub difference_usd: Option<Money>,
}

/// The log under both books.
#[derive(Debug, Serialize)]
pub struct LogCost {
    pub inputs: Vec<String>,
    pub calls: u64,
    pub old: SideCost,
    pub new: SideCost,
    pub difference_usd: Money,
    pub difference_usd_exact: String,
    pub models: Vec<ModelCost>,
}

/// Two reports of the same calls (breakdown `model` wanted) → their costs side by side.
pub fn compare(old: &Report, new: &Report) -> LogCost {
    let side = |r: &Report| SideCost {
        cost_usd: r.totals.sums.cost,
        cost_usd_exact: r.totals.sums.cost.exact(),
        priced_calls: r.totals.sums.priced_calls,
        unpriced_calls: r.totals.unpriced_calls,
    };
    let rows = |r: &Report| {
        r.breakdowns.iter().find(|b| b.name == "model").map(|b| b.rows.clone()).unwrap_or_default()
    };
    let (old_rows, new_rows) = (rows(old), rows(new));
    let mut models: Vec<ModelCost> = Vec::new();
    for row in &old_rows {
        let other = new_rows.iter().find(|r| r.key == row.key);
        let cost = |sums: &super::spend::Sums| (sums.priced_calls > 0).then_some(sums.cost);
        let complete = |sums: &super::spend::Sums| sums.priced_calls == sums.calls;
        let both = other.filter(|o| complete(&row.sums) && complete(&o.sums));
        models.push(ModelCost {
            model: row.key.clone(),
            calls: row.sums.calls,
            old_usd: cost(&row.sums),
            new_usd: other.and_then(|o| cost(&o.sums)),
            difference_usd: both.map(|o| o.sums.cost - row.sums.cost),
        });
    }
    models.sort_by(|a, b| {
        let size = |m: &ModelCost| m.difference_usd.map(|d| d.atto().abs());
        size(b).cmp(&size(a)).then_with(|| a.model.cmp(&b.model))
    });
    let difference = new.totals.sums.cost - old.totals.sums.cost;
    LogCost {
        inputs: old.inputs.clone(),
        calls: old.totals.sums.calls,
        old: side(old),
        new: side(new),
        difference_usd: difference,
        difference_usd_exact: difference.exact(),
        models,
    }
}
