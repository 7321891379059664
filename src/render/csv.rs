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
