//! GitHub-flavoured Markdown: the same grids as the terminal, as pipe tables fit for a
//! pull-request comment or a wiki page.

use std::io::Write;

use anyhow::Result;

use super::escape;
use super::grid::{self, Delimiter, Grid};
use super::sections::{epilogue, grids, preamble};
use super::Render;
use crate::analyze::Report;

pub struct Markdown;

impl Render for Markdown {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "## LLM cost report\n")?;
        for line in preamble(report) {
            writeln!(out, "- {}", escape::markdown(&line))?;
        }
        // The headline: its first line in bold, the rest a list (indented lines nested).
        let headline: Vec<String> = super::headline::lines(report).iter().map(|l| l.plain()).collect();
        for (i, line) in headline.iter().filter(|l| !l.is_empty()).enumerate() {
            match line.strip_prefix("  ") {
                _ if i == 0 => writeln!(out, "\n**{}**\n", escape::markdown(line))?,
                Some(item) => writeln!(out, "  - {}", escape::markdown(item.trim_start()))?,
                None => writeln!(out, "- {}", escape::markdown(line))?,
            }
        }
        for g in grids(report) {
            writeln!(out, "\n### {}\n", escape::markdown(&g.title))?;
            grid_with_footer(&g, out)?;
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
pub fn grid_with_footer(g: &Grid, out: &mut dyn Write) -> Result<()> {
    grid::markdown(g, Delimiter::Compact, out)?;
    if !g.footer.is_empty() {
        writeln!(out)?;
    }
    for line in &g.footer {
        writeln!(out, "{}  ", escape::markdown(line))?;
    }
    Ok(())
}
