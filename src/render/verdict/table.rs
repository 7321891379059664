//! Terminal output of `diff`, `check` and `budget`: a headline, then comfy-table grids. Names
//! and notes from the logs are made safe for a terminal (`escape::terminal`).

use std::io::Write;

use anyhow::Result;

use super::{
    appeared, budget_summary, budgets_grid, events_grid, headline, per_call_grid, routes_grid, rules_grid,
    rules_summary, run_grid, side_line, totals_grid, RenderVerdict,
};
use crate::gate::budget::BudgetReport;
use crate::gate::diff::Diff;
use crate::gate::rules::Check;
use crate::render::escape::terminal;
use crate::render::grid::{comfy, Grid, Terminal};
use crate::render::paint::{Paint, Tone};

/// Headline lines and comfy-table grids; `paint` says whether they are coloured.
pub struct Table {
    pub paint: Paint,
}

impl RenderVerdict for Table {
    fn diff(&self, d: &Diff, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "llmcost diff: {}", headline(d))?;
        writeln!(out, "  base:    {}", terminal(&side_line(&d.base)))?;
        writeln!(out, "  current: {}", terminal(&side_line(&d.current)))?;
        writeln!(out, "{}", verdict_line(self.paint, d.failed, &rules_summary(&d.verdicts, d.failed)))?;
        let grids = [
            rules_grid(&d.verdicts),
            totals_grid(d),
            routes_grid("Routes", d, d.routes.iter()),
            super::models_grid(d),
        ];
        for g in grids.iter().filter(|g| !g.rows.is_empty()) {
            grid(self.paint, g, out)?;
        }
        writeln!(out)?;
        for line in appeared(d, terminal) {
            writeln!(out, "{line}")?;
        }
        notes(&d.notes, out)
    }

    fn check(&self, c: &Check, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "llmcost check: {}", terminal(&side_line(&c.run)))?;
        writeln!(out, "{}", verdict_line(self.paint, c.failed, &rules_summary(&c.verdicts, c.failed)))?;
        for g in [rules_grid(&c.verdicts), run_grid(c)].iter().filter(|g| !g.rows.is_empty()) {
            grid(self.paint, g, out)?;
        }
        notes(&c.notes, out)
    }

    fn budget(&self, b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
        let tone = if b.hard_stops > 0 { Tone::Bad } else { Tone::Good };
        writeln!(out, "llmcost budget: {}", self.paint.text(tone, &budget_summary(b)))?;
        for g in [budgets_grid(b), events_grid(b), per_call_grid(b)].iter().filter(|g| !g.rows.is_empty()) {
            grid(self.paint, g, out)?;
        }
        notes(&b.notes, out)
    }
}

fn verdict_line(paint: Paint, failed: usize, summary: &str) -> String {
    if failed > 0 {
        format!("{}: {summary}", paint.text(Tone::Bad, "FAILED"))
    } else {
        format!("{}: {summary}", paint.text(Tone::Good, "PASSED"))
    }
}

fn grid(paint: Paint, g: &Grid, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "\n{}", terminal(&g.title))?;
    writeln!(out, "{}", comfy(g, Terminal::VERDICT.painted(paint)))?;
    Ok(())
}

fn notes(notes: &[String], out: &mut dyn Write) -> Result<()> {
    if !notes.is_empty() {
        writeln!(out, "\nNotes:")?;
    }
    for n in notes {
        writeln!(out, "  - {}", terminal(n))?;
    }
    Ok(())
}
