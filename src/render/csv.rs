//! CSV: the report as one long table (section, dimension, key, figures), costs as exact
//! decimals, ready for a spreadsheet.

use std::io::Write;

use anyhow::Result;

use super::escape::neutralise;
use super::Render;
use crate::analyze::{Report, Sums};

pub struct Csv;

const HEADER: [&str; 12] = [
    "section",
    "dimension",
    "key",
    "calls",
    "priced_calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
    "share",
];

impl Render for Csv {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        w.write_record(record("total", "", "", &report.totals.sums, 1.0))?;
        for b in &report.breakdowns {
            for row in b.all_rows() {
                let key = row.key.as_deref().unwrap_or("");
                w.write_record(record("breakdown", &b.name, key, &row.sums, row.share))?;
            }
        }
        for u in &report.unpriced {
            let sums = Sums {
                calls: u.calls,
                input_tokens: u.input_tokens,
                output_tokens: u.output_tokens,
                ..Sums::default()
            };
            let mut rec = record("unpriced", "model", &u.model, &sums, 0.0);
            rec[10] = String::new();
            rec[11] = String::new();
            w.write_record(rec)?;
        }
        w.flush()?;
        Ok(())
    }
}

fn record(section: &str, dim: &str, key: &str, s: &Sums, share: f64) -> Vec<String> {
    vec![
        section.to_string(),
        dim.to_string(),
        neutralise(key),
        s.calls.to_string(),
        s.priced_calls.to_string(),
        s.input_tokens.to_string(),
        s.output_tokens.to_string(),
        s.cache_read_tokens.to_string(),
        s.cache_write_tokens.to_string(),
        s.reasoning_tokens.to_string(),
        // A group none of whose calls has a price has no cost: empty cells, never 0.
        if super::cost_unknown(s.calls, s.priced_calls) { String::new() } else { s.cost.exact() },
        if super::cost_unknown(s.calls, s.priced_calls) { String::new() } else { format!("{share:.6}") },
    ]
}

/// `llmcost savings --format csv`: one row per lever and per lever and route, then the
/// combined curve; money as exact decimals.
pub fn savings(s: &crate::analyze::sections::savings::Savings, out: &mut dyn Write) -> Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record([
        "row",
        "lever",
        "route",
        "saved_usd",
        "per_30_days_usd",
        "share",
        "calls",
        "basis",
        "assumption",
    ])?;
    for l in &s.levers {
        w.write_record([
            "lever".to_string(),
            l.key.to_string(),
            String::new(),
            l.saved_usd_exact.clone(),
            l.per_30_days_usd.exact(),
            l.share.to_string(),
            l.calls.to_string(),
            if l.in_combined { String::new() } else { "what-if, not in combined".to_string() },
            neutralise(&l.assumption),
        ])?;
        for r in &l.routes {
            w.write_record([
                "route".to_string(),
                l.key.to_string(),
                neutralise(r.route.as_deref().unwrap_or("")),
                r.saved_usd_exact.clone(),
                String::new(),
                String::new(),
                r.calls.to_string(),
                neutralise(r.basis.as_deref().unwrap_or("")),
                String::new(),
            ])?;
        }
    }
    for p in &s.combined.curve {
        w.write_record([
            "combined".to_string(),
            p.key.to_string(),
            String::new(),
            p.saved_usd_exact.clone(),
            String::new(),
            String::new(),
            String::new(),
            format!("cumulative {}", p.cumulative_usd_exact),
            String::new(),
        ])?;
    }
    w.write_record([
        "combined_total",
        "",
        "",
        &s.combined.saved_usd_exact,
        &s.combined.per_30_days_usd.exact(),
        &s.combined.share.to_string(),
        &s.combined.calls.to_string(),
        "",
        "",
    ])?;
    w.flush()?;
    Ok(())
}
