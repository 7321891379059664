//! GitHub Actions workflow commands: `::error` per failed rule or hard stop, `::warning` per
//! skipped rule, alert or call over its limit, and one `::notice` with the headline.

use std::io::Write;

use anyhow::Result;

use super::{budget_summary, event_word, headline, rules_summary, sentence, usd, RenderVerdict};
use crate::gate::budget::BudgetReport;
use crate::gate::diff::Diff;
use crate::gate::rules::{Check, Status, Verdict};
use crate::render::escape::{workflow_data, workflow_property};

/// Workflow commands, one per finding.
pub struct Github;

impl RenderVerdict for Github {
    fn diff(&self, d: &Diff, out: &mut dyn Write) -> Result<()> {
        command(
            out,
            "notice",
            "llmcost diff",
            &format!("{}; {}", headline(d), rules_summary(&d.verdicts, d.failed)),
        )?;
        verdicts(&d.verdicts, out)
    }

    fn check(&self, c: &Check, out: &mut dyn Write) -> Result<()> {
        command(out, "notice", "llmcost check", &rules_summary(&c.verdicts, c.failed))?;
        verdicts(&c.verdicts, out)
    }

    fn budget(&self, b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
        command(out, "notice", "llmcost budget", &budget_summary(b))?;
        for e in &b.events {
            let level = if e.kind == "hard_stop" { "error" } else { "warning" };
            let after = e.prevented_usd.map(|p| format!("; {} spent after it", usd(p))).unwrap_or_default();
            let msg = format!(
                "{} at {}: {} of {} in {}{after}",
                event_word(e),
                e.at,
                usd(e.spend_usd),
                usd(e.limit_usd),
                e.period_start
            );
            command(out, level, &format!("llmcost budget {}", e.budget), &msg)?;
        }
        for r in &b.budgets {
            if let Some(p) = r.per_call.as_ref().filter(|p| p.calls > 0) {
                let msg = format!(
                    "{} calls over the per-call limit of {} (their cost {}, {} above it)",
                    p.calls,
                    usd(p.limit_usd),
                    usd(p.cost_usd),
                    usd(p.excess_usd)
                );
                command(out, "warning", &format!("llmcost budget {}", r.name), &msg)?;
            }
        }
        Ok(())
    }
}

fn verdicts(verdicts: &[Verdict], out: &mut dyn Write) -> Result<()> {
    for v in verdicts {
        match v.status {
            Status::Fail => command(out, "error", &format!("llmcost {}", v.rule), &sentence(v))?,
            Status::Skipped => {
                command(out, "warning", &format!("llmcost {} not checked", v.rule), &sentence(v))?
            }
            Status::Pass => {}
        }
    }
    Ok(())
}

fn command(out: &mut dyn Write, level: &str, title: &str, message: &str) -> Result<()> {
    writeln!(out, "::{level} title={}::{}", workflow_property(title), workflow_data(message))?;
    Ok(())
}
