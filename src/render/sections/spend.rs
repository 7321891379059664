//! Totals, breakdowns and unpriced models as grids.

use crate::analyze::{Report, Row, Sums};
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd, usd_priced};

pub fn grids(r: &Report) -> Vec<Grid> {
    let mut grids = vec![totals(r)];
    grids.extend(r.breakdowns.iter().map(|b| {
        let shown = b.rows.len();
        let mut notes = Vec::new();
        if shown < b.groups {
            notes.push(format!("top {shown} of {}", b.groups));
        }
        // Days and hours are the zone's: say which, UTC included.
        if b.name.split(',').any(|d| d == "day" || d == "hour") {
            notes.push(r.time_zone.name().to_string());
        }
        let title = match notes.is_empty() {
            true => format!("By {}", b.name),
            false => format!("By {} ({})", b.name, notes.join(", ")),
        };
        breakdown_grid(title, &b.name, b.all_rows())
    }));
    if !r.unpriced.is_empty() {
        grids.push(unpriced(r));
    }
    grids
}

fn totals(r: &Report) -> Grid {
    let t = &r.totals;
    let s = &t.sums;
    let mut cost = usd(s.cost);
    if let Some(lost) = crate::render::unpriced_summary(r, "unpriced ") {
        cost.push_str(&format!(" (excludes {lost})"));
    }
    let rows = [
        ("cost", cost),
        ("calls", count(s.calls)),
        ("priced calls", count(s.priced_calls)),
        ("input tokens", count(s.input_tokens)),
        ("  cache read", count(s.cache_read_tokens)),
        ("  cache write", count(s.cache_write_tokens)),
        ("output tokens", count(s.output_tokens)),
        ("  reasoning", count(s.reasoning_tokens)),
        ("errors", count(t.error_calls)),
        ("batch calls", count(t.batch_calls)),
        ("app cache hits", count(t.app_cache_hits)),
    ];
    Grid {
        footer: Vec::new(),
        total_row: false,
        title: "Totals".into(),
        headers: vec!["".into(), "total".into()],
        numeric: vec![false, true],
        rows: rows.into_iter().map(|(k, v)| vec![k.to_string(), v]).collect(),
        tone: None,
    }
}

fn breakdown_grid<'a>(title: String, dim: &str, rows: impl Iterator<Item = &'a Row>) -> Grid {
    let headers = [dim, "calls", "input", "output", "cache read", "cost", "share"];
    Grid {
        tone: None,
        footer: Vec::new(),
        total_row: false,
        title,
        headers: headers.iter().map(|h| h.to_string()).collect(),
        numeric: vec![false, true, true, true, true, true, true],
        rows: rows
            .map(|row| {
                let s = &row.sums;
                vec![
                    key_label(&row.key).to_string(),
                    count(s.calls),
                    count(s.input_tokens),
                    count(s.output_tokens),
                    count(s.cache_read_tokens),
                    cost_cell(s),
                    percent(row.share),
                ]
            })
            .collect(),
    }
}

fn cost_cell(s: &Sums) -> String {
    usd_priced(s.cost, s.rows, s.rows - s.priced_rows)
}

/// Calls, and the usage-bucket rows among them when there are some.
fn calls_cell(u: &crate::analyze::Unpriced) -> String {
    match u.aggregate_rows {
        0 => count(u.calls),
        rows => format!("{} ({} bucket rows)", count(u.calls), count(rows)),
    }
}

fn unpriced(r: &Report) -> Grid {
    Grid {
        tone: None,
        footer: Vec::new(),
        total_row: false,
        title: "Unpriced models (not in the cost above)".into(),
        headers: ["model", "calls", "input", "output", "why"].iter().map(|h| h.to_string()).collect(),
        numeric: vec![false, true, true, true, false],
        rows: r
            .unpriced
            .iter()
            .map(|u| {
                vec![
                    u.model.clone(),
                    calls_cell(u),
                    count(u.input_tokens),
                    count(u.output_tokens),
                    u.reason.clone(),
                ]
            })
            .collect(),
    }
}
