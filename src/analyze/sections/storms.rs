//! Rate-limit storms: bursts of rate-limit and overload errors across a whole provider, found
//! by a test against the provider's own error rate, so that they show on sampled logs too.
//! A storm hits every route calling the provider; one operation's retries are not a storm.
//!
//! Definitions (README-ready):
//! - A rate-limit error is an error call with http_status 429, 503 or 529, or an error_type
//!   containing `rate_limit`, `rate limit`, `ratelimit`, `too_many_requests`, `overload`,
//!   `429` or `529` (case-insensitive).
//! - Per provider, the baseline share p0 = its rate-limit errors / its calls over the whole
//!   selection, but at least `MIN_BASELINE` (a provider with no such error still has one).
//!   A second pass leaves the storms of the first (below) out of p0 and looks again, so a
//!   long storm does not raise its own bar.
//! - The provider's calls fall into windows of `storm_window_ms` (5 minutes) from its first
//!   call. A window is hot when it holds a rate-limit error and its share of them is above
//!   `HOT_FACTOR` × p0. Hot windows with at most `MERGE_GAP` windows between them form a
//!   candidate, from the first hot window to the last.
//! - A candidate is a storm when its k rate-limit errors among its n calls are at least
//!   `MIN_ERRORS`, come from at least 2 operations (operation_id; a call without one is its
//!   own operation), and the binomial tail P(X ≥ k | n, p0) is below `ALPHA` / the number of
//!   the provider's windows (a Bonferroni bound over every window that could have fired).
//! - Figures of a storm, over the provider's calls from its first to its last rate-limit
//!   error: `calls`, `errors` (rate-limit errors), `error_share` = errors / calls beside
//!   `baseline_share` = p0, the models and routes hit, `retries` = calls with attempt ≥ 2 and
//!   `retry_cost_usd` their cost, `failed_cost_usd` = the cost of every error call in it, and
//!   `cost_usd` = what the storm cost: its calls that failed or were retries, each once.
//!
//! Unpriced calls cost nothing here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analyze::Ctx;
use crate::calls::{StrColumn, FLAG_ERROR};
use crate::money::Money;
use crate::calls::StrCol;
use crate::time::rfc3339;

/// The least baseline share of rate-limit errors.
pub const MIN_BASELINE: f64 = 0.001;
/// A window is hot above this multiple of the baseline share.
pub const HOT_FACTOR: f64 = 2.0;
/// Hot windows with at most this many windows between them form one candidate.
pub const MERGE_GAP: i64 = 2;
/// A storm has at least this many rate-limit errors.
pub const MIN_ERRORS: u64 = 3;
/// The family-wise false-alarm rate per provider.
pub const ALPHA: f64 = 0.01;
/// Storms listed (costliest first); all are counted.
const LIST_LIMIT: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Storm {
    pub start: String,
    pub end: String,
    pub provider: Option<String>,
    pub models: Vec<String>,
    pub routes: Vec<String>,
    pub calls: u64,
    pub errors: u64,
    pub error_share: f64,
    pub baseline_share: f64,
    /// The binomial tail of `errors` among `calls` at the baseline share.
    pub p_value: f64,
    pub retries: u64,
    pub retry_cost_usd: Money,
    pub failed_cost_usd: Money,
    pub cost_usd: Money,
    /// The provider's dictionary id and the span's first and last call (epoch ms), for
    /// analyses that act on the storm's calls.
    #[serde(skip)]
    pub span: (u32, i64, i64),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Storms {
    pub window_ms: i64,
    pub alpha: f64,
    pub count: u64,
    pub errors: u64,
    pub retry_cost_usd: Money,
    pub failed_cost_usd: Money,
    pub cost_usd: Money,
    pub storms: Vec<Storm>,
}

pub fn analyze(ctx: &Ctx) -> Storms {
    let mut storms = find(ctx);
    storms.sort_by(|a, b| b.cost_usd.cmp(&a.cost_usd).then(a.start.cmp(&b.start)));
    Storms {
        window_ms: ctx.opts.storm_window_ms.max(1),
        alpha: ALPHA,
        count: storms.len() as u64,
        errors: storms.iter().map(|s| s.errors).sum(),
        retry_cost_usd: storms.iter().map(|s| s.retry_cost_usd).sum(),
        failed_cost_usd: storms.iter().map(|s| s.failed_cost_usd).sum(),
        cost_usd: storms.iter().map(|s| s.cost_usd).sum(),
        storms: storms.into_iter().take(LIST_LIMIT).collect(),
    }
}

/// Every storm of the selection, by provider.
pub fn find(ctx: &Ctx) -> Vec<Storm> {
    let calls = ctx.calls;
    let provider = calls.col(StrCol::Provider);
    let mut by_provider: BTreeMap<u32, Vec<(i64, u32)>> = BTreeMap::new();
    for row in ctx.sel.rows() {
        by_provider.entry(provider.ids.get(row).copied().unwrap_or(0)).or_default().push((calls.ts_ms[row], row as u32));
    }
    let window = ctx.opts.storm_window_ms.max(1);
    by_provider.into_values().flat_map(|mut rows| provider_storms(ctx, &mut rows, window)).collect()
}

/// Whether a call failed for rate limits or overload.
pub fn is_rate_limit(ctx: &Ctx, row: usize) -> bool {
    let calls = ctx.calls;
    if calls.flags[row] & FLAG_ERROR == 0 {
        return false;
    }
    if matches!(calls.http_status.get(row), Some(429 | 503 | 529)) {
        return true;
    }
    let kind = calls.col(StrCol::ErrorType).value(row).unwrap_or_default().to_ascii_lowercase();
    ["rate_limit", "rate limit", "ratelimit", "too_many_requests", "overload", "429", "529"]
        .iter()
        .any(|k| kind.contains(k))
}

/// The storms of one provider's calls.
fn provider_storms(ctx: &Ctx, rows: &mut [(i64, u32)], window: i64) -> Vec<Storm> {
    rows.sort_unstable();
    let limited: Vec<bool> = rows.iter().map(|&(_, r)| is_rate_limit(ctx, r as usize)).collect();
    let errors = limited.iter().filter(|&&l| l).count() as u64;
    if errors < MIN_ERRORS {
        return Vec::new();
    }
    let t0 = rows[0].0;
    // (window index, calls, rate-limit errors) of each window that has calls, in order: the
    // rows are sorted, so one pass builds it without a map.
    let mut windows: Vec<(i64, u64, u64)> = Vec::new();
    for (&(ts, _), &l) in rows.iter().zip(&limited) {
        let w = (ts - t0).div_euclid(window);
        match windows.last_mut() {
            Some(last) if last.0 == w => {
                last.1 += 1;
                last.2 += l as u64;
            }
            _ => windows.push((w, 1, l as u64)),
        }
    }
    let tested = ((rows[rows.len() - 1].0 - t0).div_euclid(window) + 1) as f64;
    let share = |(n, k): (u64, u64)| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let significant = |p0: f64| {
        candidates(&windows, p0).into_iter().filter_map(move |(from, to, n, k)| {
            let p = binomial_tail(n, k, p0);
            (k >= MIN_ERRORS && p < ALPHA / tested).then_some((from, to, n, k, p))
        })
    };
    // The baseline without the bursts a first pass finds significant.
    let (n_in, k_in) = significant(share((rows.len() as u64, errors)).max(MIN_BASELINE))
        .fold((0, 0), |acc, c| (acc.0 + c.2, acc.1 + c.3));
    let p0 = share((rows.len() as u64 - n_in, errors - k_in)).max(MIN_BASELINE);
    let mut out = Vec::new();
    for (from_w, to_w, _, _, p) in significant(p0) {
        let (from, to) = (t0 + from_w * window, t0 + (to_w + 1) * window);
        if let Some(s) = storm(ctx, rows, &limited, (from, to), p0, p) {
            out.push(s);
        }
    }
    out
}

/// Runs of hot windows at most `MERGE_GAP` windows apart, as (first window, last window, calls,
/// rate-limit errors) over every window between them.
fn candidates(windows: &[(i64, u64, u64)], p0: f64) -> Vec<(i64, i64, u64, u64)> {
    // Positions in `windows` of the hot ones.
    let hot: Vec<usize> = (0..windows.len())
        .filter(|&i| {
            let (_, n, k) = windows[i];
            k > 0 && k as f64 > HOT_FACTOR * p0 * n as f64
        })
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < hot.len() {
        let mut j = i;
        while j + 1 < hot.len() && windows[hot[j + 1]].0 - windows[hot[j]].0 <= MERGE_GAP + 1 {
            j += 1;
        }
        let (n, k) = windows[hot[i]..=hot[j]].iter().fold((0, 0), |(n, k), w| (n + w.1, k + w.2));
        out.push((windows[hot[i]].0, windows[hot[j]].0, n, k));
        i = j + 1;
    }
    out
}

/// A candidate's figures, or `None` when its errors come from a single operation.
fn storm(ctx: &Ctx, rows: &[(i64, u32)], limited: &[bool], (from, to): (i64, i64), p0: f64, p: f64) -> Option<Storm> {
    let in_span = |&(ts, _): &(i64, u32)| ts >= from && ts < to;
    let first = rows.iter().zip(limited).position(|(r, &l)| l && in_span(r))?;
    let last = rows.len() - 1 - rows.iter().zip(limited).rev().position(|(r, &l)| l && in_span(r))?;
    let calls = ctx.calls;
    let op = calls.col(StrCol::Operation);
    let mut operations: Vec<(u32, u32)> = Vec::new();
    let (mut models, mut routes) = (Vec::new(), Vec::new());
    let (mut n, mut k, mut retries) = (0u64, 0u64, 0u64);
    let (mut retry_cost, mut failed_cost, mut cost) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for (&(_, r), &l) in rows[first..=last].iter().zip(&limited[first..=last]) {
        let row = r as usize;
        n += 1;
        let price = ctx.priced.cost[row];
        let retry = calls.attempt.get(row).is_some_and(|&a| a >= 2);
        let failed = calls.flags[row] & FLAG_ERROR != 0;
        if retry {
            retries += 1;
            retry_cost += price;
        }
        if failed {
            failed_cost += price;
        }
        if retry || failed {
            cost += price;
        }
        if l {
            k += 1;
            // A call without an operation_id is an operation of its own.
            let id = op.ids.get(row).copied().unwrap_or(0);
            operations.push(if id == 0 { (0, r) } else { (id, 0) });
            push_name(&mut models, calls.col(StrCol::Model), row);
            push_name(&mut routes, calls.col(StrCol::Route), row);
        }
    }
    operations.sort_unstable();
    operations.dedup();
    if operations.len() < 2 {
        return None;
    }
    models.sort();
    routes.sort();
    Some(Storm {
        start: rfc3339(rows[first].0),
        end: rfc3339(rows[last].0),
        provider: calls.col(StrCol::Provider).value(rows[first].1 as usize).map(str::to_string),
        models,
        routes,
        calls: n,
        errors: k,
        error_share: k as f64 / n as f64,
        baseline_share: p0,
        p_value: p,
        retries,
        retry_cost_usd: retry_cost,
        failed_cost_usd: failed_cost,
        cost_usd: cost,
        span: (
            calls.col(StrCol::Provider).ids.get(rows[first].1 as usize).copied().unwrap_or(0),
            rows[first].0,
            rows[last].0,
        ),
    })
}

fn push_name(names: &mut Vec<String>, col: &StrColumn, row: usize) {
    if let Some(v) = col.value(row) {
        if !names.iter().any(|n| n == v) {
            names.push(v.to_string());
        }
    }
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed in log space from the k-th term up.
pub fn binomial_tail(n: u64, k: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    // ln C(n, k) = Σ_{i=1..k} ln((n − k + i) / i)
    let ln_choose: f64 = (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum();
    let mut ln_term = ln_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln();
    let mut sum = 0.0;
    for j in k..=n {
        sum += ln_term.exp();
        if j < n {
            ln_term += ((n - j) as f64 / (j + 1) as f64).ln() + (p / (1.0 - p)).ln();
        }
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    #[test]
    fn binomial_tails_by_hand() {
        // P(X ≥ 1 | 2, 0.5) = 1 − 0.25 = 0.75; P(X ≥ 2 | 2, 0.5) = 0.25.
        assert!((binomial_tail(2, 1, 0.5) - 0.75).abs() < 1e-12);
        assert!((binomial_tail(2, 2, 0.5) - 0.25).abs() < 1e-12);
        // P(X ≥ 3 | 3, 0.1) = 0.001.
        assert!((binomial_tail(3, 3, 0.1) - 0.001).abs() < 1e-15);
        assert_eq!(binomial_tail(5, 0, 0.2), 1.0);
        assert_eq!(binomial_tail(5, 6, 0.2), 0.0);
    }

    /// A call of 10 input and 1 output token: 10 × $2 + 1 × $8 per million = 28 µ$ (alpha in
    /// February 2026).
    fn line(ts: &str, op: &str, attempt: u32, route: &str, status: u16) -> String {
        let error = if status >= 400 { r#","status":"error""# } else { "" };
        format!(
            r#"{{"timestamp":"{ts}","operation_id":"{op}","attempt":{attempt},"route":"{route}","provider":"testco","model":"alpha","input_tokens":10,"output_tokens":1,"http_status":{status}{error}}}"#
        )
    }

    /// An hour of quiet traffic, a call a minute from 10:00.
    fn quiet() -> Vec<String> {
        (0..60).map(|m| line(&format!("2026-02-10T10:{m:02}:00Z"), &format!("q{m}"), 1, "a", 200)).collect()
    }

    #[test]
    fn one_operations_retries_are_no_storm() {
        // Eight 429s of one operation: p0 = 8 / 68; the window holds 8 of 8, a tail of
        // (8/68)^8 ≈ 3.7e-8, far below 0.01 / 25 windows; but a single operation.
        let mut lines = quiet();
        for s in 0..8 {
            lines.push(line(&format!("2026-02-10T12:00:{s:02}Z"), "loop", s + 1, "a", 429));
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(with_ctx(&lines, analyze).count, 0);
    }

    #[test]
    fn a_burst_across_operations_and_routes_is_a_storm() {
        let mut lines = quiet();
        for (s, op, attempt, route, status) in [
            ("00", "s1", 1, "a", 429),
            ("10", "s1", 2, "a", 429),
            ("20", "s2", 1, "b", 429),
            ("30", "s2", 2, "b", 529),
            ("40", "s3", 1, "b", 429),
            ("50", "s3", 2, "b", 200),
        ] {
            lines.push(line(&format!("2026-02-10T11:00:{s}Z"), op, attempt, route, status));
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let s = with_ctx(&lines, analyze);
        // First pass: p0 = 5 / 66; the 11:00 window (the 13th) holds 5 errors in 6 calls, a
        // candidate. Without it no call failed: p0 = 0 / 60, raised to the least baseline 0.001.
        // P(X ≥ 5 | 6, 0.001) ≈ 6e-15 < 0.01 / 13.
        assert_eq!(s.count, 1);
        let x = &s.storms[0];
        assert_eq!((x.start.as_str(), x.end.as_str()), ("2026-02-10T11:00:00Z", "2026-02-10T11:00:40Z"));
        assert_eq!((x.calls, x.errors, x.retries), (5, 5, 2), "the ok retry at :50 is after the last error");
        assert_eq!((x.routes.clone(), x.models.clone()), (vec!["a".to_string(), "b".into()], vec!["alpha".to_string()]));
        assert_eq!(x.provider.as_deref(), Some("testco"));
        assert_eq!(x.baseline_share, MIN_BASELINE);
        // Retries at :10 and :30, 28 µ$ each; failed: five calls of 28 µ$.
        assert_eq!((x.retry_cost_usd.exact(), x.failed_cost_usd.exact()), ("0.000056".into(), "0.00014".into()));
        // Every call in the span failed: the storm cost is the five of them.
        assert_eq!(x.cost_usd.exact(), "0.00014");
        let p: f64 = 0.001;
        let tail = 6.0 * p.powi(5) * (1.0 - p) + p.powi(6);
        assert!((x.p_value - tail).abs() < 1e-27, "{} vs {tail}", x.p_value);
    }
}
