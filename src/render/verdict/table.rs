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

/// Headline lines and comfy-table grids.
pub struct Table;

impl RenderVerdict for Table {
    fn diff(&self, d: &Diff, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "llmcost diff: {}", headline(d))?;
        writeln!(out, "  base:    {}", terminal(&side_line(&d.base)))?;
        writeln!(out, "  current: {}", terminal(&side_line(&d.current)))?;
        writeln!(out, "{}", verdict_line(d.failed, &rules_summary(&d.verdicts, d.failed)))?;
        let grids = [
            rules_grid(&d.verdicts),
            totals_grid(d),
            routes_grid("Routes", d, d.routes.iter()),
            super::models_grid(d),
        ];
        for g in grids.iter().filter(|g| !g.rows.is_empty()) {
            grid(g, out)?;
        }
        writeln!(out)?;
        for line in appeared(d, terminal) {
            writeln!(out, "{line}")?;
        }
        notes(&d.notes, out)
    }

    fn check(&self, c: &Check, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "llmcost check: {}", terminal(&side_line(&c.run)))?;
        writeln!(out, "{}", verdict_line(c.failed, &rules_summary(&c.verdicts, c.failed)))?;
        for g in [rules_grid(&c.verdicts), run_grid(c)].iter().filter(|g| !g.rows.is_empty()) {
            grid(g, out)?;
        }
        notes(&c.notes, out)
    }

    fn budget(&self, b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "llmcost budget: {}", budget_summary(b))?;
        for g in [budgets_grid(b), events_grid(b), per_call_grid(b)].iter().filter(|g| !g.rows.is_empty()) {
            grid(g, out)?;
        }
        notes(&b.notes, out)
    }
}

fn verdict_line(failed: usize, summary: &str) -> String {
    if failed > 0 {
        format!("FAILED: {summary}")
    } else {
        format!("PASSED: {summary}")
    }
}

fn grid(g: &Grid, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "\n{}", terminal(&g.title))?;
    writeln!(out, "{}", comfy(g, Terminal::VERDICT))?;
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
