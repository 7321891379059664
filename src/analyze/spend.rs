//! Spend: totals over the selected calls, and breakdowns of calls, tokens and cost by any
//! dimension or combination of dimensions, sorted by cost with a top-N cut whose remainder is
//! kept as one "other" row, so every breakdown still adds up to the total.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use std::cmp::Ordering;

use super::context::key_order;
use super::dims::{Codes, Dim};
use super::Selection;
use crate::analyze::merge::{summed, Merge};
use crate::calls::{Calls, FLAG_AGGREGATE, FLAG_BATCH, FLAG_CACHE_HIT, FLAG_ERROR};
use crate::money::Money;
use crate::price::Priced;

summed! {
    /// Sums over a set of calls. Tokens include unpriced calls; cost covers priced calls only.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
    pub struct Sums {
        pub calls: u64,
        pub priced_calls: u64,
        #[serde(rename = "cost_usd")]
        pub cost: Money,
        pub input_tokens: u64,
        pub output_tokens: u64,
        pub cache_read_tokens: u64,
        pub cache_write_tokens: u64,
        pub cache_write_1h_tokens: u64,
        pub reasoning_tokens: u64,
        /// Rows summed, and those priced: a call is one row, a usage bucket one row of many
        /// (or uncounted) requests.
        #[serde(skip)]
        pub rows: u64,
        #[serde(skip)]
        pub priced_rows: u64,
    }
}

impl Sums {
    fn add_row(&mut self, calls: &Calls, priced: &Priced, row: usize) {
        let t = &calls.tokens;
        // An aggregate row counts the requests it sums.
        let n = calls.requests(row);
        self.calls += n;
        self.rows += 1;
        if priced.is_priced(row) {
            self.priced_calls += n;
            self.priced_rows += 1;
            self.cost += priced.cost[row];
        }
        self.input_tokens += t.input[row];
        self.output_tokens += t.output[row];
        self.cache_read_tokens += t.cache_read[row];
        self.cache_write_tokens += t.cache_write[row];
        self.cache_write_1h_tokens += t.cache_write_1h(row);
        self.reasoning_tokens += t.reasoning(row);
    }
}

/// Totals of the selected calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    #[serde(flatten)]
    pub sums: Sums,
    /// The total cost with every digit, as a decimal string.
    pub cost_usd_exact: String,
    pub unpriced_calls: u64,
    pub error_calls: u64,
    pub batch_calls: u64,
    /// Served from the application's own response cache: no provider charge.
    pub app_cache_hits: u64,
    /// Rows of pre-aggregated usage (usage-API buckets) among the calls; their requests are
    /// in `calls` when the source counts them.
    #[serde(skip_serializing_if = "super::is_zero")]
    pub aggregate_rows: u64,
}

pub fn totals(calls: &Calls, priced: &Priced, sel: &Selection) -> Totals {
    let (sums, [errors, batch, hits, aggregates]) = sel
        .par_rows()
        .fold(
            || (Sums::default(), [0u64; 4]),
            |(mut s, mut n), row| {
                s.add_row(calls, priced, row);
                let (f, requests) = (calls.flags[row], calls.requests(row));
                for (count, flag) in n[..3].iter_mut().zip([FLAG_ERROR, FLAG_BATCH, FLAG_CACHE_HIT]) {
                    *count += (f & flag != 0) as u64 * requests;
                }
                n[3] += (f & FLAG_AGGREGATE != 0) as u64;
                (s, n)
            },
        )
        .reduce(
            || (Sums::default(), [0; 4]),
            |(mut a, n1), (s, n2)| {
                a.merge(&s);
                (a, std::array::from_fn(|i| n1[i] + n2[i]))
            },
        );
    Totals {
        cost_usd_exact: sums.cost.exact(),
        unpriced_calls: sums.calls - sums.priced_calls,
        sums,
        error_calls: errors,
        batch_calls: batch,
        app_cache_hits: hits,
        aggregate_rows: aggregates,
    }
}

/// One group of a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The group's value (values joined by " / " for several dimensions); null = field absent.
    pub key: Option<String>,
    /// For several dimensions: each dimension's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<Option<String>>>,
    #[serde(flatten)]
    pub sums: Sums,
    /// Share of the breakdown's total cost (0–1).
    pub share: f64,
    /// The row that sums every group below the top-N cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub other: bool,
}

/// A breakdown by one dimension or a combination of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Breakdown {
    pub name: String,
    /// Distinct groups before the top-N cut.
    pub groups: usize,
    pub rows: Vec<Row>,
    /// Everything below the top-N cut, summed.
    pub other: Option<Row>,
}

impl Breakdown {
    /// The shown rows followed by the "other" row, if any.
    pub fn all_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().chain(&self.other)
    }
}

/// Groups the selected calls by `dims`; keeps the `top` costliest groups (all when `None`).
/// A breakdown by day or hour alone is kept in time order, uncut.
pub fn breakdown(
    calls: &Calls,
    priced: &Priced,
    sel: &Selection,
    dims: &[Dim],
    top: Option<usize>,
) -> Breakdown {
    let codes: Vec<Codes> = dims.iter().map(|d| d.codes(calls)).collect();
    let mut groups: Vec<(Vec<u32>, Sums)> = if let [single] = codes.as_slice() {
        group_one(calls, priced, sel, single)
    } else {
        group_many(calls, priced, sel, &codes)
    };
    let total: Money = groups.iter().map(|(_, s)| s.cost).sum();
    let by_time = matches!(dims, [d] if d.is_time());
    if by_time {
        groups.sort_by_key(|(k, _)| k[0]);
    } else {
        // Equal cost and calls: by the values themselves, never by the order they were first
        // seen in (which depends on the order of the input lines).
        let labels =
            |k: &[u32]| -> Vec<Option<String>> { codes.iter().zip(k).map(|(c, &id)| c.label(id)).collect() };
        groups.sort_by(|(ka, a), (kb, b)| {
            b.cost.cmp(&a.cost).then(b.calls.cmp(&a.calls)).then_with(|| {
                let (la, lb) = (labels(ka), labels(kb));
                la.iter()
                    .zip(&lb)
                    .map(|(x, y)| key_order(x.as_deref(), y.as_deref()))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        });
    }
    let group_count = groups.len();
    let keep = if by_time { group_count } else { top.unwrap_or(usize::MAX).min(group_count) };
    let rest = groups.split_off(keep);
    let row = |key: &[u32], sums: Sums| make_row(&codes, key, sums, total);
    let other = (!rest.is_empty()).then(|| {
        let mut sums = Sums::default();
        rest.iter().for_each(|(_, s)| sums.merge(s));
        Row {
            key: Some(format!("({} others)", rest.len())),
            keys: None,
            share: sums.cost.share_of(total),
            sums,
            other: true,
        }
    });
    Breakdown {
        name: dims.iter().map(Dim::name).collect::<Vec<_>>().join(","),
        groups: group_count,
        rows: groups.iter().map(|(k, s)| row(k, *s)).collect(),
        other,
    }
}

fn make_row(codes: &[Codes], key: &[u32], sums: Sums, total: Money) -> Row {
    let labels: Vec<Option<String>> = codes.iter().zip(key).map(|(c, &k)| c.label(k)).collect();
    let joined = if labels.len() == 1 {
        labels[0].clone()
    } else {
        Some(labels.iter().map(|l| l.as_deref().unwrap_or("(none)")).collect::<Vec<_>>().join(" / "))
    };
    Row {
        key: joined,
        keys: (labels.len() > 1).then_some(labels),
        share: sums.cost.share_of(total),
        sums,
        other: false,
    }
}

/// One dimension: an array indexed by code, summed per rayon task then merged.
fn group_one(calls: &Calls, priced: &Priced, sel: &Selection, codes: &Codes) -> Vec<(Vec<u32>, Sums)> {
    let n = codes.cardinality();
    let sums = sel
        .par_rows()
        .fold(
            || vec![Sums::default(); n],
            |mut acc, row| {
                acc[codes.code(row) as usize].add_row(calls, priced, row);
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
    sums.into_iter().enumerate().filter(|(_, s)| s.rows > 0).map(|(code, s)| (vec![code as u32], s)).collect()
}

fn group_many(calls: &Calls, priced: &Priced, sel: &Selection, codes: &[Codes]) -> Vec<(Vec<u32>, Sums)> {
    let mut map: FxHashMap<Vec<u32>, Sums> = FxHashMap::default();
    let mut key = Vec::with_capacity(codes.len());
    for row in sel.rows() {
        key.clear();
        key.extend(codes.iter().map(|c| c.code(row)));
        match map.get_mut(&key) {
            Some(s) => s.add_row(calls, priced, row),
            None => {
                let mut s = Sums::default();
                s.add_row(calls, priced, row);
                map.insert(key.clone(), s);
            }
        }
    }
    map.into_iter().collect()
}
