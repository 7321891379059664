//! Terminal output: the report's grids as comfy-table tables, numbers right-aligned.

use std::io::Write;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table as Comfy};

use super::sections::{epilogue, grids, preamble, Grid};
use super::Render;
use crate::analyze::Report;

pub struct Table;

impl Render for Table {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        for line in preamble(report) {
            writeln!(out, "{line}")?;
        }
        for grid in grids(report) {
            writeln!(out, "\n{}", grid.title)?;
            writeln!(out, "{}", comfy(&grid))?;
            for line in &grid.footer {
                writeln!(out, "{line}")?;
            }
        }
        writeln!(out)?;
        for line in epilogue(report) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

fn comfy(grid: &Grid) -> Comfy {
    let mut t = Comfy::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(&grid.headers);
    for row in &grid.rows {
        t.add_row(row);
    }
    for (i, numeric) in grid.numeric.iter().enumerate() {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(if *numeric { CellAlignment::Right } else { CellAlignment::Left });
        }
    }
    t
}
