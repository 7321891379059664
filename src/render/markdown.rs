//! GitHub-flavoured Markdown: the same grids as the terminal, as pipe tables fit for a
//! pull-request comment or a wiki page.

use std::io::Write;

use anyhow::Result;

use super::escape;
use super::sections::{epilogue, grids, preamble, Grid};
use super::Render;
use crate::analyze::Report;

pub struct Markdown;

impl Render for Markdown {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "## LLM cost report\n")?;
        for line in preamble(report) {
            writeln!(out, "- {}", escape::markdown(&line))?;
        }
        for grid in grids(report) {
            writeln!(out, "\n### {}\n", escape::markdown(&grid.title))?;
            self::grid(&grid, out)?;
        }
        writeln!(out)?;
        for line in epilogue(report) {
            // Indented epilogue lines (the rejects) nest under the line before them.
            let indent = if line.starts_with("  ") { "  " } else { "" };
            writeln!(out, "{indent}- {}", escape::markdown(line.trim_start()))?;
        }
        Ok(())
    }
}

/// A grid as a pipe table, then its footer lines (shared with the export's summary.md).
pub fn grid(grid: &Grid, out: &mut dyn Write) -> Result<()> {
    table(grid, out)?;
    if !grid.footer.is_empty() {
        writeln!(out)?;
    }
    for line in &grid.footer {
        writeln!(out, "{}  ", escape::markdown(line))?;
    }
    Ok(())
}

fn table(grid: &Grid, out: &mut dyn Write) -> Result<()> {
    let header: Vec<String> = grid.headers.iter().map(|h| escape::markdown(h)).collect();
    writeln!(out, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = grid.numeric.iter().map(|n| if *n { "---:" } else { "---" }).collect();
    writeln!(out, "|{}|", rule.join("|"))?;
    for row in &grid.rows {
        let cells: Vec<String> = row.iter().map(|c| escape::markdown(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}
