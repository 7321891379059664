//! Retry multipliers, storms and runaway operations, built on operations (`ops.rs`).
//!
//! Definitions (README-ready):
//! - An operation belongs to the group (`--by`, route by default) and model of its FIRST
//!   attempt; all its attempts count there.
//! - `multiplier` = calls / operations; `retried_operations` = operations with 2+ attempts.
//! - `cost_multiplier` = total cost / cost of the final attempts (the last attempt of each
//!   operation, whatever its status); `null` when the final attempts cost nothing.
//! - `failed_cost_usd` = cost of the calls that are errors (status error/failed/failure, or
//!   http_status ≥ 400 / error_type with no status).
//! - Storm: the error calls of one (group, provider), in time order, split wherever two
//!   consecutive errors are `storm_gap_ms` or more apart; a run of at least
//!   `STORM_MIN_ERRORS` errors is a storm. Errors from different operations join (a 429 loop
//!   spans many operations); successful calls in between neither join nor break a storm.
//!   `attempts` = its error calls, `cost_usd` = their cost, `start`/`end` = first/last start.
//! - Runaway: an operation with more than `runaway_attempts` attempts.
//!
//! Unpriced calls cost nothing here and are counted in `unpriced_calls`.

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::merge::{summed, Merge};
use crate::time::rfc3339;
use crate::analyze::ops::Operations;
use crate::analyze::Ctx;
use crate::calls::FLAG_ERROR;
use crate::money::Money;
use crate::calls::StrCol;

/// A storm needs at least this many error calls.
pub const STORM_MIN_ERRORS: u64 = 3;
/// Lists (storms, runaway operations, outlier jobs) keep this many entries, costliest first;
/// their full count and cost are reported beside them.
pub const LIST_LIMIT: usize = 100;

/// Retry figures of a set of operations.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RetryFigures {
    pub calls: u64,
    pub operations: u64,
    pub retried_operations: u64,
    pub multiplier: f64,
    pub cost_usd: Money,
    pub final_cost_usd: Money,
    pub cost_multiplier: Option<f64>,
    pub failed_calls: u64,
    pub failed_cost_usd: Money,
    pub unpriced_calls: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteRetries {
    /// The group's label (a route unless `--by` says otherwise); `null` = no value.
    pub route: Option<String>,
    #[serde(flatten)]
    pub figures: RetryFigures,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelRetries {
    /// The model of the operations' first attempts.
    pub model: Option<String>,
    #[serde(flatten)]
    pub figures: RetryFigures,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Storm {
    pub start: String,
    pub end: String,
    pub route: Option<String>,
    pub provider: Option<String>,
    /// Error calls in the storm.
    pub attempts: u64,
    /// Distinct operations those errors belong to.
    pub operations: u64,
    pub cost_usd: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Runaway {
    /// `null` for an inferred operation (no operation_id logged).
    pub operation: Option<String>,
    pub route: Option<String>,
    /// Start of the first attempt.
    pub start: String,
    pub attempts: u64,
    pub failed_attempts: u64,
    pub cost_usd: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Retries {
    /// The grouping of `routes[]` (`route` unless `--by` says otherwise).
    pub group_by: String,
    pub storm_gap_ms: i64,
    pub storm_min_errors: u64,
    pub runaway_attempts: u32,
    pub totals: RetryFigures,
    pub routes: Vec<RouteRetries>,
    pub models: Vec<ModelRetries>,
    pub storm_count: u64,
    pub storm_attempts: u64,
    pub storm_cost_usd: Money,
    pub storms: Vec<Storm>,
    pub runaway_count: u64,
    pub runaway_cost_usd: Money,
    pub runaway: Vec<Runaway>,
}

summed! {
    /// Sums of a set of operations, merged across threads.
    #[derive(Clone, Copy, Debug, Default)]
    struct Acc {
        calls: u64,
        operations: u64,
        retried: u64,
        cost: Money,
        final_cost: Money,
        failed_calls: u64,
        failed_cost: Money,
        unpriced: u64,
    }
}

impl Acc {

    fn figures(&self) -> RetryFigures {
        RetryFigures {
            calls: self.calls,
            operations: self.operations,
            retried_operations: self.retried,
            multiplier: ratio(self.calls as f64, self.operations as f64).unwrap_or(0.0),
            cost_usd: self.cost,
            final_cost_usd: self.final_cost,
            cost_multiplier: money_ratio(self.cost, self.final_cost),
            failed_calls: self.failed_calls,
            failed_cost_usd: self.failed_cost,
            unpriced_calls: self.unpriced,
        }
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

/// `a / b` from the exact amounts (`None` when `b` is zero).
pub fn money_ratio(a: Money, b: Money) -> Option<f64> {
    ratio(a.atto() as f64, b.atto() as f64)
}

/// An error call, for storm detection: (group, provider, start, operation index, row).
type ErrorCall = (u32, u32, i64, u32, u32);

/// Everything one pass over the operations collects.
struct Pass {
    groups: Vec<Acc>,
    models: Vec<Acc>,
    errors: Vec<ErrorCall>,
    /// Operation indices with too many attempts.
    runaway: Vec<u32>,
}

impl Pass {
    fn new(groups: usize, models: usize) -> Pass {
        Pass {
            groups: vec![Acc::default(); groups],
            models: vec![Acc::default(); models],
            errors: Vec::new(),
            runaway: Vec::new(),
        }
    }

    fn add(mut self, ctx: &Ctx, op: u32, rows: &[u32]) -> Pass {
        let acc = op_acc(ctx, rows);
        let first = rows[0] as usize;
        let g = ctx.groups.of(first);
        self.groups[g as usize].merge(&acc);
        self.models[ctx.calls.col(StrCol::Model).ids[first] as usize].merge(&acc);
        if rows.len() > ctx.opts.runaway_attempts as usize {
            self.runaway.push(op);
        }
        let provider = &ctx.calls.col(StrCol::Provider).ids;
        for &r in rows.iter().filter(|&&r| ctx.calls.flags[r as usize] & FLAG_ERROR != 0) {
            let p = provider.get(r as usize).copied().unwrap_or(0);
            self.errors.push((g, p, ctx.calls.ts_ms[r as usize], op, r));
        }
        self
    }

    fn merge(mut self, mut o: Pass) -> Pass {
        self.groups.iter_mut().zip(&o.groups).for_each(|(a, b)| a.merge(b));
        self.models.iter_mut().zip(&o.models).for_each(|(a, b)| a.merge(b));
        self.errors.append(&mut o.errors);
        self.runaway.append(&mut o.runaway);
        self
    }
}

/// The sums of one operation.
fn op_acc(ctx: &Ctx, rows: &[u32]) -> Acc {
    let mut acc = Acc { operations: 1, retried: (rows.len() > 1) as u64, ..Acc::default() };
    for &r in rows {
        let r = r as usize;
        let cost = ctx.priced.cost[r];
        acc.calls += 1;
        acc.cost += cost;
        acc.unpriced += !ctx.priced.is_priced(r) as u64;
        if ctx.calls.flags[r] & FLAG_ERROR != 0 {
            acc.failed_calls += 1;
            acc.failed_cost += cost;
        }
    }
    acc.final_cost = ctx.priced.cost[*rows.last().expect("operations are never empty") as usize];
    acc
}

pub fn analyze(ctx: &Ctx, ops: &Operations) -> Retries {
    let models = ctx.calls.col(StrCol::Model).dict.len() + 1;
    let pass = fold_ops(
        ops,
        || Pass::new(ctx.groups.len(), models),
        |p, i| p.add(ctx, i as u32, ops.rows(i)),
        Pass::merge,
    );
    let mut totals = Acc::default();
    pass.groups.iter().for_each(|a| totals.merge(a));
    let storms = storms(ctx, pass.errors);
    let (runaway_count, runaway_cost_usd, runaway) = runaway(ctx, ops, pass.runaway);
    Retries {
        group_by: ctx.groups.name.clone(),
        storm_gap_ms: ctx.opts.storm_gap_ms,
        storm_min_errors: STORM_MIN_ERRORS,
        runaway_attempts: ctx.opts.runaway_attempts,
        totals: totals.figures(),
        routes: route_rows(ctx, &pass.groups),
        models: model_rows(ctx, &pass.models),
        storm_count: storms.len() as u64,
        storm_attempts: storms.iter().map(|s| s.attempts).sum(),
        storm_cost_usd: storms.iter().map(|s| s.cost_usd).sum(),
        storms: storms.into_iter().take(LIST_LIMIT).collect(),
        runaway_count,
        runaway_cost_usd,
        runaway,
    }
}

fn route_rows(ctx: &Ctx, accs: &[Acc]) -> Vec<RouteRetries> {
    let mut rows: Vec<RouteRetries> = (0..accs.len())
        .filter(|&g| accs[g].operations > 0)
        .map(|g| RouteRetries {
            route: ctx.groups.label(g as u32).map(str::to_string),
            figures: accs[g].figures(),
        })
        .collect();
    rows.sort_by(|a, b| b.figures.cost_usd.cmp(&a.figures.cost_usd).then_with(|| a.route.cmp(&b.route)));
    rows
}

fn model_rows(ctx: &Ctx, accs: &[Acc]) -> Vec<ModelRetries> {
    let dict = &ctx.calls.col(StrCol::Model).dict;
    let mut rows: Vec<ModelRetries> = (0..accs.len())
        .filter(|&m| accs[m].operations > 0)
        .map(|m| ModelRetries { model: dict.get(m as u32).map(str::to_string), figures: accs[m].figures() })
        .collect();
    rows.sort_by(|a, b| b.figures.cost_usd.cmp(&a.figures.cost_usd).then_with(|| a.model.cmp(&b.model)));
    rows
}

/// Storms from the error calls: runs per (group, provider) with gaps under `storm_gap_ms`.
fn storms(ctx: &Ctx, mut errors: Vec<ErrorCall>) -> Vec<Storm> {
    errors.par_sort_unstable();
    let mut out: Vec<(Storm, ErrorCall)> = Vec::new();
    let mut start = 0;
    for i in 1..=errors.len() {
        let (a, b) = (errors[i - 1], errors.get(i));
        let joins = b.is_some_and(|b| (b.0, b.1) == (a.0, a.1) && b.2 - a.2 < ctx.opts.storm_gap_ms);
        if !joins {
            if (i - start) as u64 >= STORM_MIN_ERRORS {
                out.push((storm(ctx, &errors[start..i]), errors[start]));
            }
            start = i;
        }
    }
    // Costliest first, then by start time, group and provider (the run's first error).
    out.sort_by(|(a, ea), (b, eb)| {
        b.cost_usd.cmp(&a.cost_usd).then((ea.2, ea.0, ea.1).cmp(&(eb.2, eb.0, eb.1)))
    });
    out.into_iter().map(|(s, _)| s).collect()
}

fn storm(ctx: &Ctx, run: &[ErrorCall]) -> Storm {
    let (g, p, first, ..) = run[0];
    let mut ops: Vec<u32> = run.iter().map(|e| e.3).collect();
    ops.sort_unstable();
    ops.dedup();
    Storm {
        start: rfc3339(first),
        end: rfc3339(run[run.len() - 1].2),
        route: ctx.groups.label(g).map(str::to_string),
        provider: ctx.calls.col(StrCol::Provider).dict.get(p).map(str::to_string),
        attempts: run.len() as u64,
        operations: ops.len() as u64,
        cost_usd: run.iter().map(|e| ctx.priced.cost[e.4 as usize]).sum(),
    }
}

/// Count, cost and the costliest `LIST_LIMIT` runaway operations (then more attempts, earlier
/// start, operation id, group); entries are built only for those listed.
fn runaway(ctx: &Ctx, ops: &Operations, indices: Vec<u32>) -> (u64, Money, Vec<Runaway>) {
    let op_col = ctx.calls.col(StrCol::Operation);
    let mut keyed: Vec<(Acc, i64, u32)> = indices
        .into_iter()
        .map(|i| {
            let rows = ops.rows(i as usize);
            (op_acc(ctx, rows), ctx.calls.ts_ms[rows[0] as usize], rows[0])
        })
        .collect();
    let label = |row: u32| (op_col.value(row as usize), ctx.groups.label(ctx.groups.of(row as usize)));
    keyed.sort_by(|(a, ta, ra), (b, tb, rb)| {
        b.cost
            .cmp(&a.cost)
            .then(b.calls.cmp(&a.calls))
            .then(ta.cmp(tb))
            .then_with(|| label(*ra).cmp(&label(*rb)))
    });
    let listed = keyed.iter().take(LIST_LIMIT).map(|&(acc, start, row)| {
        let (operation, route) = label(row);
        Runaway {
            operation: operation.map(str::to_string),
            route: route.map(str::to_string),
            start: rfc3339(start),
            attempts: acc.calls,
            failed_attempts: acc.failed_calls,
            cost_usd: acc.cost,
        }
    });
    (keyed.len() as u64, keyed.iter().map(|k| k.0.cost).sum(), listed.collect())
}

/// Folds the operations on every thread, one contiguous chunk and ONE state per thread (a
/// state may hold an array per group), then merges the states.
pub fn fold_ops<S: Send>(
    ops: &Operations,
    init: impl Fn() -> S + Sync,
    add: impl Fn(S, usize) -> S + Sync,
    merge: impl Fn(S, S) -> S + Sync,
) -> S {
    let n = ops.len();
    let chunk = n.div_ceil(rayon::current_num_threads()).max(1);
    (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|c| (c * chunk..n.min((c + 1) * chunk)).fold(init(), &add))
        .reduce(&init, &merge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::{with_ctx, with_ctx_opts};
    use crate::analyze::Options;

    fn run(lines: &[&str]) -> Retries {
        with_ctx(lines, |ctx| analyze(ctx, &Operations::build(ctx)))
    }

    fn usd(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn multipliers_per_route_and_per_first_model() {
        let r = run(&[
            // op a, route r1: error 1000 in × $2 = 2000 µ$; ok 1000 × 2 + 100 × 8 = 2800 µ$.
            r#"{"timestamp":"2026-02-10T00:00:00Z","operation_id":"a","attempt":1,"model":"alpha","route":"r1","input_tokens":1000,"output_tokens":0,"status":"error"}"#,
            r#"{"timestamp":"2026-02-10T00:00:05Z","operation_id":"a","attempt":2,"model":"alpha","route":"r1","input_tokens":1000,"output_tokens":100,"status":"ok"}"#,
            // op b, route r1, first attempt beta: error 100 × $3 = 300 µ$; then alpha 100 × 2 + 10 × 8 = 280 µ$.
            r#"{"timestamp":"2026-02-10T00:01:00Z","operation_id":"b","attempt":1,"model":"beta","route":"r1","input_tokens":100,"output_tokens":0,"status":"error"}"#,
            r#"{"timestamp":"2026-02-10T00:01:05Z","operation_id":"b","attempt":2,"model":"alpha","route":"r2","input_tokens":100,"output_tokens":10,"status":"ok"}"#,
            // op c, route r2: gamma 100 × $0.1 = 10 µ$.
            r#"{"timestamp":"2026-02-10T00:02:00Z","operation_id":"c","model":"gamma","route":"r2","input_tokens":100,"output_tokens":0}"#,
        ]);
        // b's second attempt logs route r2 but b belongs to r1, its first attempt's route.
        let r1 = &r.routes[0];
        assert_eq!(r1.route.as_deref(), Some("r1"));
        assert_eq!((r1.figures.calls, r1.figures.operations, r1.figures.retried_operations), (4, 2, 2));
        assert_eq!(r1.figures.multiplier, 2.0);
        // 2000 + 2800 + 300 + 280 = 5380 µ$; final attempts 2800 + 280 = 3080 µ$.
        assert_eq!(r1.figures.cost_usd, usd("0.00538"));
        assert_eq!(r1.figures.final_cost_usd, usd("0.00308"));
        assert_eq!(r1.figures.cost_multiplier, Some(5380.0 / 3080.0));
        assert_eq!((r1.figures.failed_calls, r1.figures.failed_cost_usd), (2, usd("0.0023")));
        assert_eq!(r.routes[1].figures.calls, 1);
        assert_eq!(r.routes[1].figures.cost_multiplier, Some(1.0));
        // By first attempt's model: alpha (op a) 4800 µ$, beta (op b) 580 µ$, gamma 10 µ$.
        let models: Vec<_> = r
            .models
            .iter()
            .map(|m| (m.model.as_deref().unwrap(), m.figures.calls, m.figures.cost_usd))
            .collect();
        assert_eq!(
            models,
            [("alpha", 2, usd("0.0048")), ("beta", 2, usd("0.00058")), ("gamma", 1, usd("0.00001"))]
        );
        // Fleet: 5 calls / 3 operations; 5390 µ$ / 3090 µ$.
        assert_eq!((r.totals.calls, r.totals.operations, r.totals.cost_usd), (5, 3, usd("0.00539")));
        assert_eq!(r.totals.cost_multiplier, Some(5390.0 / 3090.0));
    }

    #[test]
    fn cost_multiplier_is_null_when_final_attempts_cost_nothing() {
        // Error 100 × $2 = 200 µ$, then an app cache hit (no provider charge).
        let r = run(&[
            r#"{"timestamp":"2026-02-10T00:00:00Z","operation_id":"a","attempt":1,"model":"alpha","route":"r","input_tokens":100,"output_tokens":0,"status":"error"}"#,
            r#"{"timestamp":"2026-02-10T00:00:01Z","operation_id":"a","attempt":2,"model":"alpha","route":"r","input_tokens":100,"output_tokens":10,"cache_hit":true}"#,
        ]);
        assert_eq!(r.totals.cost_usd, usd("0.0002"));
        assert_eq!(r.totals.final_cost_usd, Money::ZERO);
        assert_eq!(r.totals.cost_multiplier, None);
    }

    fn error_at(ts: &str, provider: &str, route: &str) -> String {
        format!(
            r#"{{"timestamp":"{ts}","provider":"{provider}","model":"alpha","route":"{route}","input_tokens":100,"output_tokens":0,"status":"error"}}"#
        )
    }

    #[test]
    fn storms_span_operations_and_split_at_the_gap() {
        let lines = [
            // The gap to the next error is exactly 2 s: not under the gap, so a run of one.
            error_at("2026-02-10T03:00:00Z", "p", "r"),
            error_at("2026-02-10T03:00:02Z", "p", "r"),
            error_at("2026-02-10T03:00:03.999Z", "p", "r"),
            // A success in between neither breaks nor joins the storm.
            r#"{"timestamp":"2026-02-10T03:00:04Z","provider":"p","model":"alpha","route":"r","input_tokens":100,"output_tokens":0}"#.to_string(),
            error_at("2026-02-10T03:00:05Z", "p", "r"),
            // Another provider or route at the same moment is another run.
            error_at("2026-02-10T03:00:05.100Z", "q", "r"),
            error_at("2026-02-10T03:00:05.200Z", "p", "s"),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let r = run(&lines);
        // Storm: 03:00:02, 03:00:03.999, 03:00:05 on r/p: 3 errors × 200 µ$ = 600 µ$, 3 operations
        // (no operation_id and no prompt_hash: each call is its own operation).
        assert_eq!(r.storm_count, 1);
        let s = &r.storms[0];
        assert_eq!((s.start.as_str(), s.end.as_str()), ("2026-02-10T03:00:02Z", "2026-02-10T03:00:05Z"));
        assert_eq!((s.route.as_deref(), s.provider.as_deref()), (Some("r"), Some("p")));
        assert_eq!((s.attempts, s.operations, s.cost_usd), (3, 3, usd("0.0006")));
        assert_eq!((r.storm_attempts, r.storm_cost_usd), (3, usd("0.0006")));
        // With a 1 s gap the 1.999 s and 1.001 s gaps split everything: no storm.
        let opts = Options { storm_gap_ms: 1000, ..Options::default() };
        let r = with_ctx_opts(&lines, &opts, |ctx| analyze(ctx, &Operations::build(ctx)));
        assert_eq!(r.storm_count, 0);
    }

    #[test]
    fn runaway_means_more_attempts_than_the_limit() {
        let attempt = |op: &str, n: u32| {
            format!(
                r#"{{"timestamp":"2026-02-10T00:00:0{n}Z","operation_id":"{op}","attempt":{n},"model":"alpha","route":"r","input_tokens":10,"output_tokens":0,"status":"error"}}"#
            )
        };
        let lines: Vec<String> =
            (1..=5).map(|n| attempt("five", n)).chain((1..=6).map(|n| attempt("six", n))).collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let r = run(&lines);
        // Only "six" has more than 5 attempts: 6 × 10 × $2 = 120 µ$.
        assert_eq!(r.runaway_count, 1);
        let w = &r.runaway[0];
        assert_eq!((w.operation.as_deref(), w.attempts, w.failed_attempts), (Some("six"), 6, 6));
        assert_eq!((w.cost_usd, w.start.as_str()), (usd("0.00012"), "2026-02-10T00:00:01Z"));
        assert_eq!(r.runaway_cost_usd, usd("0.00012"));
    }
}
