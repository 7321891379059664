//! summary.md: the cost review as Markdown tables — headline and change since the previous
//! period, cost beside latency per model and route, then the report's own grids (top
//! breakdowns, every leak analysis) and its line account. Log values are escaped.

use std::io::Write;

use anyhow::Result;

use super::Export;
use crate::analyze::review::latency::LatencyRow;
use crate::render::grid::Grid;
use crate::render::sections::{epilogue, grids, preamble};
use crate::render::{count, duration_ms, key_label, percent, usd, usd_priced};
use crate::render::{escape, markdown};

pub fn render(e: &Export) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    writeln!(out, "# LLM cost review\n")?;
    for line in preamble(e.report) {
        writeln!(out, "- {}", escape::markdown(&line))?;
    }
    if let Some(at) = &e.generated_at {
        writeln!(out, "- generated at {at} by {}", e.report.generator)?;
    }
    for grid in review_grids(e) {
        write_grid(&grid, &mut out)?;
    }
    writeln!(out)?;
    for line in epilogue(e.report) {
        let indent = if line.starts_with("  ") { "  " } else { "" };
        writeln!(out, "{indent}- {}", escape::markdown(line.trim_start()))?;
    }
    Ok(out)
}

/// The headline, cost beside latency, then every grid of the report: shared with the HTML.
pub fn review_grids(e: &Export) -> Vec<Grid> {
    let mut out = vec![headline(e)];
    out.extend(["model", "route"].iter().filter_map(|dim| cost_and_latency(e, dim)));
    out.extend(grids(e.report).into_iter().filter(|g| g.title != "Totals"));
    out
}

fn headline(e: &Export) -> Grid {
    let r = e.report;
    let t = &r.totals;
    let mut g = Grid::new("Headline", &["", "this period"]);
    let mut rows = vec![
        ("spend (USD)", usd(t.sums.cost)),
        ("calls", count(t.sums.calls)),
        ("unpriced calls (not in spend)", count(t.unpriced_calls)),
        ("rejected lines", count(r.lines.rejected)),
        ("error calls", count(t.error_calls)),
    ];
    if let Some(c) = &e.comparison {
        g.headers.extend([format!("previous ({})", c.previous_label), "change".to_string()]);
        g.numeric.extend([true, true]);
        let sign = if c.change.atto() > 0 { "+" } else { "" };
        let share = c.change_share.map_or("n/a".to_string(), |s| format!("{sign}{}", percent(s)));
        g.rows.push(vec![
            rows[0].0.into(),
            rows[0].1.clone(),
            usd(c.previous_cost),
            format!("{sign}{} ({share})", usd(c.change)),
        ]);
        let calls_change = c.calls as i128 - c.previous_calls as i128;
        g.rows.push(vec![
            rows[1].0.into(),
            rows[1].1.clone(),
            count(c.previous_calls),
            format!("{}{calls_change}", if calls_change > 0 { "+" } else { "" }),
        ]);
        rows.drain(..2);
    }
    for (k, v) in rows {
        let mut row = vec![k.to_string(), v];
        row.resize(g.headers.len(), String::new());
        g.rows.push(row);
    }
    g
}

/// Cost per group beside its p50/p95 latency of interactive calls, and batch calls' p95 apart:
/// is the expensive model buying speed?
fn cost_and_latency(e: &Export, dim: &str) -> Option<Grid> {
    let b = e.report.breakdowns.iter().find(|b| b.name == dim)?;
    let latency = e.latency_of(dim);
    let mut g = Grid::new(
        format!("Cost and latency by {dim}"),
        &[dim, "calls", "cost", "share", "p50 latency", "p95 latency", "batch p95"],
    );
    for row in b.all_rows() {
        let s = &row.sums;
        let l: Option<&LatencyRow> = latency.iter().find(|l| l.key == row.key && !row.other);
        g.rows.push(vec![
            key_label(&row.key).to_string(),
            count(s.calls),
            usd_priced(s.cost, s.rows, s.rows - s.priced_rows),
            percent(row.share),
            l.and_then(|l| l.p50_ms).map_or("—".into(), duration_ms),
            l.and_then(|l| l.p95_ms).map_or("—".into(), duration_ms),
            l.and_then(|l| l.batch_p95_ms).map_or("—".into(), duration_ms),
        ]);
    }
    Some(g)
}

fn write_grid(grid: &Grid, out: &mut Vec<u8>) -> Result<()> {
    writeln!(out, "\n## {}\n", escape::markdown(&grid.title))?;
    markdown::grid_with_footer(grid, out)
}
