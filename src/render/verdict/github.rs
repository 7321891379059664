//! GitHub Actions workflow commands: `::error` per failed rule or hard stop, `::warning` per
//! skipped rule, alert or call over its limit, and one `::notice` with the headline.

use std::io::Write;

use anyhow::Result;

use super::{budget_summary, event_word, headline, rules_summary, sentence, usd};
use crate::gate::budget::BudgetReport;
use crate::gate::diff::Diff;
use crate::gate::rules::{Check, Status, Verdict};

pub fn diff(d: &Diff, out: &mut dyn Write) -> Result<()> {
    command(
        out,
        "notice",
        "llmcost diff",
        &format!("{}; {}", headline(d), rules_summary(&d.verdicts, d.failed)),
    )?;
    verdicts(&d.verdicts, out)
}

pub fn check(c: &Check, out: &mut dyn Write) -> Result<()> {
    command(out, "notice", "llmcost check", &rules_summary(&c.verdicts, c.failed))?;
    verdicts(&c.verdicts, out)
}

pub fn budget(b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
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
    writeln!(out, "::{level} title={}::{}", escape_property(title), escape_data(message))?;
    Ok(())
}

/// Workflow-command escaping of a message: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Of a property value: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(escape_data("+15.0% a\nb"), "+15.0%25 a%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
