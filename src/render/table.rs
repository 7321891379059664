//! Terminal output: the report's grids as comfy-table tables, numbers right-aligned. Text
//! from the logs is made safe for a terminal (`escape::terminal`).

use std::io::Write;

use anyhow::Result;

use super::escape::terminal;
use super::grid::{comfy, Terminal};
use super::paint::Paint;
use super::sections::{epilogue, grids, preamble};
use super::Render;
use crate::analyze::Report;

/// The terminal renderer; `paint` says whether it colours.
pub struct Table {
    pub paint: Paint,
}

impl Render for Table {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        for line in preamble(report) {
            writeln!(out, "{}", terminal(&line))?;
        }
        for line in super::headline::lines(report) {
            writeln!(out, "{}", line.terminal(self.paint))?;
        }
        for grid in grids(report) {
            writeln!(out, "\n{}", terminal(&grid.title))?;
            writeln!(out, "{}", comfy(&grid, Terminal::REPORT.painted(self.paint)))?;
            for line in &grid.footer {
                writeln!(out, "{}", terminal(line))?;
            }
        }
        writeln!(out)?;
        for line in epilogue(report) {
            writeln!(out, "{}", terminal(&line))?;
        }
        Ok(())
    }
}
