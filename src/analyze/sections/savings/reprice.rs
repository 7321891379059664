//! Price versions: the same calls priced as of another date (`--reprice-as-of`), e.g. before
//! a provider's price cut or after a contract change. A what-if on prices, signed (a negative
//! saving is a rise), never part of the combined estimate.

use super::{Plan, Tally};
use crate::analyze::Ctx;
use crate::calls::{FLAG_BATCH, FLAG_CACHE_HIT};
use crate::price::cost_of;

pub fn tally<'b>(ctx: &Ctx<'b>, at_ms: i64) -> (Plan<'b>, Tally) {
    let mut plan = Plan::new(
        "price_versions",
        "Price versions (what-if)",
        format!(
            "every call priced at the rates in force on {} instead of its own date; negative means those prices cost more",
            crate::time::rfc3339(at_ms)
        ),
    );
    let mut t = Tally::default();
    let mut no_price = 0u64;
    for row in ctx.sel.rows() {
        let Some((m, _)) = ctx.priced.version(row) else { continue };
        if ctx.calls.flags[row] & FLAG_CACHE_HIT != 0 {
            continue;
        }
        // The date's version, at the call's own time of day (as --price-as-of does).
        let Some(v) = m.version_at(at_ms).map(|v| v.at_time_of_day(ctx.calls.ts_ms[row])) else {
            no_price += 1;
            continue;
        };
        let after = cost_of(&ctx.calls.tokens.get(row), v, ctx.calls.flags[row] & FLAG_BATCH != 0).0;
        let diff = ctx.priced.cost[row] - after;
        if diff != crate::money::Money::ZERO {
            t.add(ctx.groups.of(row), diff);
        }
    }
    if no_price > 0 {
        plan.notes.push(format!("{no_price} calls are of models with no price at that date: left out"));
    }
    (plan, t)
}
