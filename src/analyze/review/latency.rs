//! Latency percentiles (p50, p95) per group of a dimension, over the selected calls that logged
//! a latency, so a cost table can show whether an expensive model or route buys speed.
//! Batch calls (hours of queueing) are kept apart from interactive ones: mixed in, they would
//! make an interactive route's p95 read hours. Nearest-rank percentiles: p is the value at
//! rank ⌈p·n⌉ of the sorted latencies.

use serde::Serialize;

use crate::analyze::dims::Dim;
use crate::analyze::Selection;
use crate::calls::{Calls, FLAG_BATCH};

/// One group's latency figures, interactive calls and batch calls apart; `None` when no such
/// call in it logged a latency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatencyRow {
    pub key: Option<String>,
    pub calls_with_latency: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub batch_calls_with_latency: u64,
    pub batch_p50_ms: Option<f64>,
    pub batch_p95_ms: Option<f64>,
}

/// p50 and p95 of each group of `dim`, in key order (no value last).
pub fn by_dim(calls: &Calls, sel: &Selection, dim: &Dim) -> Vec<LatencyRow> {
    let codes = dim.codes(calls);
    // [interactive, batch] latencies of each group.
    let mut per_group: Vec<[Vec<f32>; 2]> = vec![[Vec::new(), Vec::new()]; codes.cardinality()];
    let mut seen = vec![false; codes.cardinality()];
    for row in sel.rows() {
        let code = codes.code(row) as usize;
        seen[code] = true;
        let l = calls.latency_ms[row];
        if l.is_finite() {
            per_group[code][(calls.flags[row] & FLAG_BATCH != 0) as usize].push(l);
        }
    }
    let mut rows: Vec<LatencyRow> = per_group
        .into_iter()
        .enumerate()
        .filter(|(code, _)| seen[*code])
        .map(|(code, [mut v, mut b])| {
            v.sort_by(f32::total_cmp);
            b.sort_by(f32::total_cmp);
            LatencyRow {
                key: codes.label(code as u32),
                calls_with_latency: v.len() as u64,
                p50_ms: nearest_rank(&v, 0.50),
                p95_ms: nearest_rank(&v, 0.95),
                batch_calls_with_latency: b.len() as u64,
                batch_p50_ms: nearest_rank(&b, 0.50),
                batch_p95_ms: nearest_rank(&b, 0.95),
            }
        })
        .collect();
    rows.sort_by(|a, b| crate::analyze::context::key_order(a.key.as_deref(), b.key.as_deref()));
    rows
}

/// The value at rank ⌈p·n⌉ (1-based) of sorted values.
pub fn nearest_rank(sorted: &[f32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(f64::from(sorted[rank - 1]))
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [100.0, 200.0, 300.0, 400.0];
        assert_eq!(nearest_rank(&v, 0.5), Some(200.0));
        assert_eq!(nearest_rank(&v, 0.95), Some(400.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
        let twenty: Vec<f32> = (1..=20).map(|i| i as f32).collect();
        assert_eq!(nearest_rank(&twenty, 0.95), Some(19.0));
    }
}
