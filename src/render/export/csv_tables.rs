//! The CSV tables of an export: one file per breakdown (by_feature, by_model, by_route,
//! by_user, by_day, …) and per leak analysis (cache, retries, fallbacks, thresholds, jobs),
//! and the savings levers (as `llmcost savings --format csv` writes them),
//! one row per group, costs as exact decimals, every text cell neutralised.

use anyhow::Result;

use super::{fixed, Export};
use crate::analyze::review::latency::LatencyRow;
use crate::analyze::{Breakdown, Report};
use crate::money::Money;
use crate::render::cost_unknown;
use crate::render::escape::neutralise;

type File = (String, Vec<u8>);
/// A leak table: file stem, its rows (when the section was computed), its header.
type Table<'a> = (&'a str, Option<Vec<Vec<String>>>, &'a [&'a str]);

/// Every table as (file name, bytes).
pub fn render(e: &Export) -> Result<Vec<File>> {
    let mut files = Vec::new();
    for (stem, b) in &e.tables {
        let dim = stem.trim_start_matches("by_");
        files.push((format!("{stem}.csv"), breakdown(b, dim, e.latency_of(dim))?));
    }
    let r = e.report;
    let sections: [Table; 5] = [
        ("cache", cache(r), &CACHE),
        ("retries", retries(r), &RETRIES),
        ("fallbacks", fallbacks(r), &FALLBACKS),
        ("thresholds", thresholds(r), &THRESHOLDS),
        ("jobs", jobs(r), &JOBS),
    ];
    for (name, rows, header) in sections {
        if let Some(rows) = rows {
            files.push((format!("{name}.csv"), write(header, rows)?));
        }
    }
    if let Some(s) = &r.sections.savings {
        let mut out = Vec::new();
        crate::render::csv::savings(s, &mut out)?;
        files.push(("savings.csv".to_string(), out));
    }
    Ok(files)
}

/// Header first, then the rows; every cell that is not a number is neutralised (a negative
/// cost stays a number).
fn write(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| if c.parse::<f64>().is_ok() { c.clone() } else { neutralise(c) }))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

const BREAKDOWN: [&str; 10] = [
    "calls",
    "priced_calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
    "cost_usd_float",
    "share",
];

fn breakdown(b: &Breakdown, dim: &str, latency: &[LatencyRow]) -> Result<Vec<u8>> {
    let mut header = vec![dim];
    header.extend(BREAKDOWN);
    let with_latency = !latency.is_empty();
    if with_latency {
        header.extend(["latency_p50_ms", "latency_p95_ms", "batch_latency_p50_ms", "batch_latency_p95_ms"]);
    }
    let rows = b
        .all_rows()
        .map(|row| {
            let s = &row.sums;
            let mut cells = vec![row.key.clone().unwrap_or_default()];
            let counts = [
                s.calls,
                s.priced_calls,
                s.input_tokens,
                s.output_tokens,
                s.cache_read_tokens,
                s.cache_write_tokens,
                s.reasoning_tokens,
            ];
            cells.extend(counts.iter().map(u64::to_string));
            // A group none of whose calls has a price has no cost: an empty cell, never 0.
            cells.extend(match cost_unknown(s.calls, s.priced_calls) {
                true => [String::new(), String::new(), String::new()],
                false => [s.cost.exact(), format!("{:.6}", s.cost.to_f64()), format!("{:.6}", row.share)],
            });
            if with_latency {
                let l = latency.iter().find(|l| l.key == row.key && !row.other);
                cells.push(fixed(l.and_then(|l| l.p50_ms), 0));
                cells.push(fixed(l.and_then(|l| l.p95_ms), 0));
                cells.push(fixed(l.and_then(|l| l.batch_p50_ms), 0));
                cells.push(fixed(l.and_then(|l| l.batch_p95_ms), 0));
            }
            cells
        })
        .collect();
    write(&header, rows)
}

/// An exact cost, or an empty cell when `unknown`.
fn cost_cell(cost: Money, unknown: bool) -> String {
    if unknown {
        String::new()
    } else {
        cost.exact()
    }
}

fn key(k: &Option<String>) -> String {
    k.clone().unwrap_or_default()
}

const CACHE: [&str; 13] = [
    "group",
    "calls",
    "priced_calls",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "token_hit_rate",
    "request_hit_rate",
    "write_cost_usd",
    "write_premium_usd",
    "saved_usd",
    "payback",
    "flags",
];

fn cache(r: &Report) -> Option<Vec<Vec<String>>> {
    let c = r.sections.cache.as_ref()?;
    Some(
        c.routes
            .iter()
            .map(|g| {
                let s = &g.stats;
                vec![
                    key(&g.route),
                    s.calls.to_string(),
                    s.priced_calls.to_string(),
                    s.input_tokens.to_string(),
                    s.cache_read_tokens.to_string(),
                    s.cache_write_tokens.to_string(),
                    fixed(s.token_hit_rate, 6),
                    fixed(s.request_hit_rate, 6),
                    cost_cell(s.write_cost_usd, cost_unknown(s.calls, s.priced_calls)),
                    cost_cell(s.write_premium_usd, cost_unknown(s.calls, s.priced_calls)),
                    cost_cell(s.saved_usd, cost_unknown(s.calls, s.priced_calls)),
                    fixed(s.payback, 6),
                    g.flags.join(" "),
                ]
            })
            .collect(),
    )
}

const RETRIES: [&str; 10] = [
    "group",
    "calls",
    "operations",
    "retried_operations",
    "multiplier",
    "cost_usd",
    "final_cost_usd",
    "failed_calls",
    "failed_cost_usd",
    "unpriced_calls",
];

fn retries(r: &Report) -> Option<Vec<Vec<String>>> {
    let rt = r.sections.retries.as_ref()?;
    Some(
        rt.routes
            .iter()
            .map(|g| {
                let f = &g.figures;
                vec![
                    key(&g.route),
                    f.calls.to_string(),
                    f.operations.to_string(),
                    f.retried_operations.to_string(),
                    format!("{:.6}", f.multiplier),
                    cost_cell(f.cost_usd, cost_unknown(f.calls, f.calls - f.unpriced_calls)),
                    cost_cell(f.final_cost_usd, cost_unknown(f.calls, f.calls - f.unpriced_calls)),
                    f.failed_calls.to_string(),
                    cost_cell(f.failed_cost_usd, cost_unknown(f.calls, f.calls - f.unpriced_calls)),
                    f.unpriced_calls.to_string(),
                ]
            })
            .collect(),
    )
}

const FALLBACKS: [&str; 10] = [
    "group",
    "calls",
    "cost_usd",
    "operations",
    "fallback_operations",
    "fallback_rate",
    "escalated_calls",
    "escalated_cost_usd",
    "extra_cost_usd",
    "flags",
];

fn fallbacks(r: &Report) -> Option<Vec<Vec<String>>> {
    let fb = r.sections.fallbacks.as_ref()?;
    Some(
        fb.routes
            .iter()
            .map(|g| {
                let f = &g.figures;
                vec![
                    key(&g.route),
                    g.calls.to_string(),
                    g.cost_usd.exact(),
                    f.operations.to_string(),
                    f.fallback_operations.to_string(),
                    format!("{:.6}", f.fallback_rate),
                    f.escalated_calls.to_string(),
                    f.escalated_cost_usd.exact(),
                    f.extra_cost_usd.exact(),
                    g.flags.join(" "),
                ]
            })
            .collect(),
    )
}

const THRESHOLDS: [&str; 7] = [
    "group",
    "count",
    "cost_usd",
    "premium_usd",
    "near_miss_count",
    "near_miss_saving_usd",
    "just_below_count",
];

fn thresholds(r: &Report) -> Option<Vec<Vec<String>>> {
    let t = r.sections.thresholds.as_ref()?;
    Some(
        t.by_route
            .iter()
            .map(|g| {
                let f = &g.figures;
                vec![
                    key(&g.route),
                    f.count.to_string(),
                    f.cost_usd.exact(),
                    f.premium_usd.exact(),
                    f.near_miss_count.to_string(),
                    f.near_miss_saving_usd.exact(),
                    f.just_below_count.to_string(),
                ]
            })
            .collect(),
    )
}

const JOBS: [&str; 12] = [
    "group",
    "jobs",
    "calls",
    "operations",
    "multiplier",
    "cost_usd",
    "median_usd",
    "p90_usd",
    "p99_usd",
    "max_usd",
    "outliers",
    "runaway",
];

fn jobs(r: &Report) -> Option<Vec<Vec<String>>> {
    let j = r.sections.jobs.as_ref()?;
    Some(
        j.routes
            .iter()
            .map(|g| {
                let s = &g.stats;
                vec![
                    key(&g.route),
                    s.jobs.to_string(),
                    s.calls.to_string(),
                    s.operations.to_string(),
                    format!("{:.6}", s.multiplier),
                    s.cost_usd.exact(),
                    s.median_usd.exact(),
                    s.p90_usd.exact(),
                    s.p99_usd.exact(),
                    s.max_usd.exact(),
                    g.outliers.to_string(),
                    g.runaway.to_string(),
                ]
            })
            .collect(),
    )
}
