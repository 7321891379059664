//! GitHub-flavoured Markdown for a pull-request comment: the headline, failed rules first,
//! the top route changes, and collapsed `<details>` for everything else.

use std::io::Write;

use anyhow::Result;

use super::{
    appeared, budget_summary, budgets_grid, events_grid, headline, models_grid, per_call_grid, routes_grid,
    rules_summary, run_grid, sentence, side_line, totals_grid, RenderVerdict,
};
use crate::gate::budget::BudgetReport;
use crate::gate::diff::{Diff, Presence};
use crate::gate::rules::{Check, Status, Verdict};
use crate::render::escape::{self, markdown_code as code};
use crate::render::grid::{self, Delimiter, Grid};

/// Route changes shown before the fold.
const TOP_ROUTES: usize = 5;

/// A pull-request comment.
pub struct Md;

impl RenderVerdict for Md {
    fn diff(&self, d: &Diff, out: &mut dyn Write) -> Result<()> {
        let mark = if d.failed > 0 { "❌" } else { "✅" };
        writeln!(out, "## {mark} llmcost: {}\n", headline(d))?;
        writeln!(
            out,
            "**{}** · base {} → current {}\n",
            rules_summary(&d.verdicts, d.failed),
            code(&side_line(&d.base)),
            code(&side_line(&d.current))
        )?;
        failed_rules(&d.verdicts, out)?;
        let top: Vec<usize> = (0..d.routes.len())
            .filter(|&i| d.routes[i].status != Presence::Unchanged)
            .take(TOP_ROUTES)
            .collect();
        if !top.is_empty() {
            writeln!(out, "### Top route changes ({})\n", super::headline_name(d.basis))?;
            table(&routes_grid("", d, top.iter().map(|&i| &d.routes[i])), out)?;
        } else if !d.routes.is_empty() {
            writeln!(out, "No route changed beyond the noise tolerance.\n")?;
        }
        for line in appeared(d, code) {
            writeln!(out, "- {line}")?;
        }
        writeln!(out)?;
        let rest: Vec<_> = (0..d.routes.len()).filter(|i| !top.contains(i)).map(|i| &d.routes[i]).collect();
        if !rest.is_empty() {
            details(&format!("Other routes ({})", rest.len()), &routes_grid("", d, rest.into_iter()), out)?;
        }
        details("Totals", &totals_grid(d), out)?;
        if !d.models.is_empty() {
            details(&format!("Models ({})", d.models.len()), &models_grid(d), out)?;
        }
        other_rules(&d.verdicts, out)?;
        notes(&d.notes, out)
    }

    fn check(&self, c: &Check, out: &mut dyn Write) -> Result<()> {
        let mark = if c.failed > 0 { "❌" } else { "✅" };
        writeln!(out, "## {mark} llmcost check: {}\n", rules_summary(&c.verdicts, c.failed))?;
        writeln!(out, "Run: {}\n", code(&side_line(&c.run)))?;
        failed_rules(&c.verdicts, out)?;
        details("Run figures", &run_grid(c), out)?;
        other_rules(&c.verdicts, out)?;
        notes(&c.notes, out)
    }

    fn budget(&self, b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
        let mark = if b.hard_stops > 0 { "❌" } else { "✅" };
        writeln!(out, "## {mark} llmcost budget: {}\n", budget_summary(b))?;
        writeln!(out, "Days and hours in {}.\n", escape::markdown(b.time_zone.name()))?;
        table(&budgets_grid(b), out)?;
        let events = events_grid(b);
        if !events.rows.is_empty() {
            details(&format!("What would have fired ({})", events.rows.len()), &events, out)?;
        }
        let per_call = per_call_grid(b);
        if !per_call.rows.is_empty() {
            writeln!(out, "### {}\n", per_call.title)?;
            table(&per_call, out)?;
        }
        notes(&b.notes, out)
    }
}

fn failed_rules(verdicts: &[Verdict], out: &mut dyn Write) -> Result<()> {
    let failed: Vec<_> = verdicts.iter().filter(|v| v.status == Status::Fail).collect();
    if failed.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Failed rules\n")?;
    for v in failed {
        writeln!(out, "- **{}**: {}", v.rule, escape::markdown(&sentence(v)))?;
    }
    writeln!(out)?;
    Ok(())
}

fn other_rules(verdicts: &[Verdict], out: &mut dyn Write) -> Result<()> {
    let rest: Vec<_> = verdicts.iter().filter(|v| v.status != Status::Fail).collect();
    if rest.is_empty() {
        return Ok(());
    }
    writeln!(out, "<details><summary>Checks that held or were skipped ({})</summary>\n", rest.len())?;
    for v in rest {
        writeln!(
            out,
            "- {} **{}**: {}",
            super::status_word(v.status),
            v.rule,
            escape::markdown(&sentence(v))
        )?;
    }
    writeln!(out, "\n</details>\n")?;
    Ok(())
}

fn notes(notes: &[String], out: &mut dyn Write) -> Result<()> {
    if notes.is_empty() {
        return Ok(());
    }
    writeln!(out, "<details><summary>Notes ({})</summary>\n", notes.len())?;
    for n in notes {
        writeln!(out, "- {}", escape::markdown(n))?;
    }
    writeln!(out, "\n</details>")?;
    Ok(())
}

fn details(summary: &str, g: &Grid, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "<details><summary>{summary}</summary>\n")?;
    table(g, out)?;
    writeln!(out, "</details>\n")?;
    Ok(())
}

/// A pipe table and the blank line that ends it.
fn table(g: &Grid, out: &mut dyn Write) -> Result<()> {
    grid::markdown(g, Delimiter::Spaced, out)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::rules::Figure;
    use crate::render::markdown::grid_with_footer;

    const HOSTILE: &str = "a|b<script>*_[x](y)";
    const ESCAPED: &str = "a\\|b\\<script\\>\\*\\_\\[x\\](y)";

    /// A route name reads the same in a `diff` comment as in a `report --format md` table.
    #[test]
    fn route_names_escape_as_in_the_report() {
        let mut g = Grid::new("Routes", &["route", "calls"]);
        g.rows = vec![vec![HOSTILE.to_string(), "3".to_string()]];
        let (mut verdict, mut report) = (Vec::new(), Vec::new());
        table(&g, &mut verdict).unwrap();
        grid_with_footer(&g, &mut report).unwrap();
        let row = |out: &[u8]| String::from_utf8_lossy(out).lines().nth(2).unwrap().to_string();
        assert_eq!(row(&verdict), format!("| {ESCAPED} | 3 |"));
        assert_eq!(row(&verdict), row(&report));
    }

    #[test]
    fn failed_rules_escape_the_route() {
        let v = Verdict {
            rule: "max-unpriced",
            route: Some(HOSTILE.to_string()),
            model: None,
            status: Status::Fail,
            value: Some(Figure::Count(3)),
            limit: Figure::Count(0),
            before: None,
            after: None,
            basis: None,
            note: None,
        };
        let mut out = Vec::new();
        failed_rules(&[v], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(&format!("- **max-unpriced**: route {ESCAPED}: unpriced calls 3; limit 0")),
            "{text}"
        );
    }
}
