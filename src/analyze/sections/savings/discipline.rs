//! The levers that stop calls which need not happen or send them to the model asked for:
//! retry discipline, a response cache, a fallback guardrail.

use super::{Change, Plan, SavingsOptions};
use crate::analyze::ops::Operations;
use crate::analyze::repeats::Repeats;
use crate::analyze::sections::{fallbacks, storms};
use crate::analyze::Ctx;
use rustc_hash::FxHashMap;

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
    // The rate-limit errors inside any storm of their provider, found in one pass over the
    // calls (a pass per storm made the lever grow with calls × storms).
    let spans = storm_spans(storms::find(ctx));
    let provider = &ctx.calls.col(crate::calls::StrCol::Provider).ids;
    plan.changes.extend(
        ctx.sel
            .rows()
            .filter(|&r| {
                let p = provider.get(r).copied().unwrap_or(0);
                spans.get(&p).is_some_and(|s| within(s, ctx.calls.ts_ms[r])) && storms::is_rate_limit(ctx, r)
            })
            .map(|r| (r as u32, Change::Drop)),
    );
    // A late attempt that also failed in a storm is one change.
    plan.changes.sort_unstable_by_key(|c| c.0);
    plan.changes.dedup_by_key(|c| c.0);
    plan
}

/// Each provider's storm spans (first and last call, inclusive), sorted and merged where they
/// overlap.
fn storm_spans(storms: Vec<storms::Storm>) -> FxHashMap<u32, Vec<(i64, i64)>> {
    let mut spans: FxHashMap<u32, Vec<(i64, i64)>> = FxHashMap::default();
    for s in storms {
        let (p, from, to) = s.span;
        spans.entry(p).or_default().push((from, to));
    }
    spans.values_mut().for_each(merge);
    spans
}

/// Sorts `spans` and joins those that overlap or touch.
fn merge(spans: &mut Vec<(i64, i64)>) {
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for &(from, to) in spans.iter() {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    *spans = merged;
}

/// Whether `ts` falls in one of `spans` (sorted, disjoint).
fn within(spans: &[(i64, i64)], ts: i64) -> bool {
    let after = spans.partition_point(|&(from, _)| from <= ts);
    after > 0 && ts <= spans[after - 1].1
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

#[cfg(test)]
mod tests {
    use super::{merge, within};

    #[test]
    fn overlapping_spans_are_joined() {
        let mut spans = vec![(40, 50), (10, 20), (15, 25), (50, 55), (30, 30), (12, 14)];
        merge(&mut spans);
        assert_eq!(spans, [(10, 25), (30, 30), (40, 55)]);
    }

    #[test]
    fn a_time_is_within_the_spans_at_both_ends_and_not_between() {
        let spans = [(10, 20), (30, 30), (40, 55)];
        let inside: Vec<i64> = (0..60).filter(|&t| within(&spans, t)).collect();
        let want: Vec<i64> = (10..=20).chain([30]).chain(40..=55).collect();
        assert_eq!(inside, want);
        assert!(!within(&[], 5));
    }
}
