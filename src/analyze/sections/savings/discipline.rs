//! The levers that stop calls which need not happen or send them to the model asked for:
//! retry discipline, a response cache, a fallback guardrail.

use super::{Change, Plan, SavingsOptions};
use crate::analyze::ops::Operations;
use crate::analyze::repeats::Repeats;
use crate::analyze::sections::{fallbacks, storms};
use crate::analyze::Ctx;

/// Attempts beyond `max_attempts` of an operation, and rate-limit errors inside a storm.
pub fn retries<'b>(ctx: &Ctx<'b>, ops: &Operations, opts: &SavingsOptions) -> Plan<'b> {
    let mut plan = Plan::new(
        "retry_discipline",
        "Retry discipline",
        format!(
            "at most {} attempts per operation, and a circuit breaker stops the rate-limit errors of detected storms",
            opts.max_attempts
        ),
    );
    let limit = opts.max_attempts.max(1) as usize;
    for rows in ops.iter() {
        plan.changes.extend(rows.iter().skip(limit).map(|&r| (r, Change::Drop)));
    }
    let provider = &ctx.calls.col(crate::calls::StrCol::Provider).ids;
    for s in storms::find(ctx) {
        let (p, from, to) = s.span;
        plan.changes.extend(
            ctx.sel
                .rows()
                .filter(|&r| {
                    let ts = ctx.calls.ts_ms[r];
                    provider.get(r).copied().unwrap_or(0) == p
                        && (from..=to).contains(&ts)
                        && storms::is_rate_limit(ctx, r)
                })
                .map(|r| (r as u32, Change::Drop)),
        );
    }
    // A late attempt that also failed in a storm is one change.
    plan.changes.sort_unstable_by_key(|c| c.0);
    plan.changes.dedup_by_key(|c| c.0);
    plan
}

/// Repeats of a prompt within the duplicates window, answered from a response cache.
pub fn repeats<'b>(ctx: &Ctx<'b>, repeats: &Repeats) -> Plan<'b> {
    let window = crate::time::duration_label(ctx.opts.duplicate_window_ms);
    let mut plan = Plan::new(
        "response_cache",
        "Response cache",
        format!(
            "a response cache answers a repeat of the same prompt_hash on the same route and model within {window} of its previous occurrence"
        ),
    );
    plan.changes = repeats.rows.iter().copied().map(|r| (r, Change::Drop)).collect();
    plan
}

/// Attempts served by another model than the requested one, priced at the requested model.
pub fn fallbacks<'b>(ctx: &Ctx<'b>, ops: &Operations) -> Plan<'b> {
    let mut plan = Plan::new(
        "fallback_guardrail",
        "Fallback guardrail",
        "attempts served by another model than the requested one cost what the requested model would have \
         (fallbacks to pricier models are the saving; cheaper ones save nothing)"
            .to_string(),
    );
    plan.changes = fallbacks::escalations(ctx, ops).into_iter().map(|(r, m)| (r, Change::Model(m))).collect();
    plan
}
