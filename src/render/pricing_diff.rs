//! `llmcost pricing diff` output: terminal tables, Markdown or JSON of a finished
//! `PricingDiff`. Model names and table paths come from files: every cell goes through a
//! `Grid` (escaped there), titles and notes through the escaper of their destination.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::grid::{self, Delimiter, Grid, Terminal};
use super::{escape, usd};
use crate::analyze::repricing::PricingDiff;
use crate::analyze::SCHEMA_VERSION;
use crate::money::Money;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    #[value(alias = "markdown")]
    Md,
    Json,
}

pub fn render(d: &PricingDiff, format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => json(d, out),
        Format::Table => {
            for line in headline(d) {
                writeln!(out, "{}", escape::terminal(&line))?;
            }
            for g in grids(d) {
                writeln!(out, "\n{}", escape::terminal(&g.title))?;
                writeln!(out, "{}", grid::comfy(&g, Terminal::PRICING))?;
                for line in &g.footer {
                    writeln!(out, "{}", escape::terminal(line))?;
                }
            }
            Ok(())
        }
        Format::Md => {
            writeln!(
                out,
                "{}",
                headline(d).iter().map(|l| escape::markdown(l)).collect::<Vec<_>>().join("  \n")
            )?;
            for g in grids(d) {
                writeln!(out, "\n### {}\n", escape::markdown(&g.title))?;
                grid::markdown(&g, Delimiter::Compact, out)?;
                for line in &g.footer {
                    writeln!(out, "\n{}", escape::markdown(line))?;
                }
            }
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    kind: &'a str,
    #[serde(flatten)]
    body: &'a PricingDiff,
}

fn json(d: &PricingDiff, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Doc { schema_version: SCHEMA_VERSION, kind: "pricing-diff", body: d },
    )?;
    writeln!(out)?;
    Ok(())
}

/// The first lines: what changed, and what each side's tables could not import.
fn headline(d: &PricingDiff) -> Vec<String> {
    let r = &d.rates;
    let mut lines = vec![format!(
        "{} ({} models) → {} ({} models): {} added, {} removed, {} with changed rates ({} changes)",
        d.old,
        r.old_models,
        d.new,
        r.new_models,
        r.added.len(),
        r.removed.len(),
        r.changed_models,
        r.changes.len()
    )];
    for (side, n) in [("old", d.old_skipped), ("new", d.new_skipped)] {
        if n > 0 {
            lines.push(format!(
                "{n} entries or fields of the {side} tables were not imported (`llmcost pricing check` lists them)"
            ));
        }
    }
    lines
}

fn opt(text: &Option<String>) -> String {
    text.clone().unwrap_or_else(|| "-".to_string())
}

fn money(m: Option<Money>) -> String {
    m.map_or_else(|| "—".to_string(), signed)
}

/// A difference with its sign, so a cut reads as one (`-$0.19`, `+$0.19`).
fn signed(m: Money) -> String {
    if m.atto() > 0 {
        format!("+{}", usd(m))
    } else {
        usd(m)
    }
}

fn grids(d: &PricingDiff) -> Vec<Grid> {
    let mut out = Vec::new();
    if let Some(log) = &d.log {
        let mut g = Grid::new("Cost of the log under each", &["", "old", "new", "difference"]);
        g.rows.push(vec![
            "cost".into(),
            usd(log.old.cost_usd),
            usd(log.new.cost_usd),
            signed(log.difference_usd),
        ]);
        g.rows.push(vec![
            "unpriced calls".into(),
            log.old.unpriced_calls.to_string(),
            log.new.unpriced_calls.to_string(),
            String::new(),
        ]);
        g.footer.push(format!(
            "{} calls; exact: {} → {} (difference {})",
            log.calls, log.old.cost_usd_exact, log.new.cost_usd_exact, log.difference_usd_exact
        ));
        if log.old.unpriced_calls + log.new.unpriced_calls > 0 {
            g.footer.push("a cost leaves out the calls its side could not price".into());
        }
        out.push(g);
        let mut g = Grid::new("By model", &["model", "calls", "old", "new", "difference"]);
        g.rows = log
            .models
            .iter()
            .map(|m| {
                let side = |c: Option<Money>| c.map_or_else(|| "—".to_string(), usd);
                vec![
                    super::key_label(&m.model).to_string(),
                    m.calls.to_string(),
                    side(m.old_usd),
                    side(m.new_usd),
                    money(m.difference_usd),
                ]
            })
            .collect();
        out.push(g);
    }
    let r = &d.rates;
    for (title, list) in [("Added models", &r.added), ("Removed models", &r.removed)] {
        if list.is_empty() {
            continue;
        }
        let mut g = Grid::new(title, &["provider", "model", "from", "input", "output"]);
        g.numeric = vec![false, false, false, true, true];
        g.rows = list
            .iter()
            .map(|m| {
                vec![m.provider.clone(), m.model.clone(), opt(&m.from), m.input.clone(), m.output.clone()]
            })
            .collect();
        out.push(g);
    }
    if !r.changes.is_empty() {
        let headers = ["provider", "model", "from", "to", "hours (UTC)", "tier", "class", "old", "new"];
        let mut g = Grid::new("Changed rates (USD per million tokens)", &headers);
        g.numeric = (0..headers.len()).map(|i| i >= 7).collect();
        g.rows = r
            .changes
            .iter()
            .map(|c| {
                vec![
                    c.provider.clone(),
                    c.model.clone(),
                    opt(&c.from),
                    opt(&c.to),
                    c.hours.clone().unwrap_or_else(|| "all day".to_string()),
                    c.tier.clone(),
                    c.class.to_string(),
                    opt(&c.old),
                    opt(&c.new),
                ]
            })
            .collect();
        g.footer.push("- = no price on that side (or an unbounded date)".into());
        out.push(g);
    }
    out
}
