//! The headline block that opens a table or Markdown report: spend, the top cost drivers
//! and the leaks ranked by dollars, each naming the section to read. Words only; the figures
//! are `analyze::headline`'s.

use super::paint::{Line, Tone};
use super::{count, key_label, percent, unpriced_summary, usd};
use crate::analyze::headline::{Leak, LeakKind};
use crate::analyze::Report;

/// The headline's lines (at most 17, so the first screen holds them with the preamble): the
/// spend in bold, the leak amounts in red and the savings in green when the terminal gets
/// colour.
pub fn lines(r: &Report) -> Vec<Line> {
    let mut out = vec![Line::default()];
    let mut spend = Line::plain_text("Spend: ");
    spend.push(Tone::Strong, usd(r.totals.sums.cost));
    spend.push(Tone::Plain, format!(" over {}", plural(r.totals.sums.calls, "call")));
    if let Some(lost) = unpriced_summary(r, "unpriced ") {
        spend.push(Tone::Plain, format!(" (excludes {lost})"));
    }
    out.push(spend);
    let h = &r.headline;
    if !h.drivers.is_empty() {
        out.push(Line::plain_text("Top cost drivers:"));
        for d in &h.drivers {
            out.push(Line::plain_text(format!(
                "  {:<7} {} {} ({})",
                d.dim,
                key_label(&d.key),
                usd(d.cost),
                percent(d.share)
            )));
        }
    }
    if h.leaks.is_empty() {
        if h.analysed {
            out.push(Line::plain_text("No leak found by the analyses run."));
        }
    } else {
        out.push(Line::plain_text("Top leaks (costliest first; the section in brackets explains each):"));
        for l in &h.leaks {
            // Padded before it is painted, so the amounts stay aligned.
            let mut line = Line::plain_text("  ");
            line.push(Tone::Bad, format!("{:>9}", usd(l.usd)));
            line.push(Tone::Plain, format!("  {} [{}]", what(l), section_name(l)));
            out.push(line);
        }
    }
    if let (Some((all, share)), false) = (h.combined, h.levers.is_empty()) {
        out.push(Line::plain_text(format!(
            "Top savings levers (all levers together: {}, {}) [savings]:",
            usd(all),
            percent(share)
        )));
        for l in &h.levers {
            let on = l.route.as_deref().map_or_else(String::new, |r| format!(", most on {r}"));
            // Money to be saved reads green, padded before it is painted.
            let mut line = Line::plain_text("  ");
            line.push(Tone::Good, format!("{:>9}", usd(l.usd)));
            line.push(Tone::Plain, format!("  {} ({}{on})", l.title, percent(l.share)));
            out.push(line);
        }
    }
    out
}

fn what(l: &Leak) -> String {
    let n = l.count;
    match l.kind {
        LeakKind::CacheCollapse => format!(
            "prompt cache collapsed on {} since {}",
            l.subject.as_deref().unwrap_or("(none)"),
            l.since.as_deref().unwrap_or("?")
        ),
        LeakKind::FailedCalls => format!("{} failed", plural(n, "call")),
        LeakKind::Runaway => plural(n, "runaway operation"),
        LeakKind::Storms => plural(n, "rate-limit storm"),
        LeakKind::Fallbacks => format!("{} to pricier models (extra paid)", plural(n, "fallback")),
        LeakKind::LongContext => format!("{} over a long-context threshold (premium)", plural(n, "call")),
        LeakKind::Duplicates => plural(n, "duplicate call"),
        LeakKind::Truncated => format!("{} cut off at the output limit", plural(n, "answer")),
        LeakKind::OutlierJobs => format!("{} (their whole cost)", plural(n, "outlier job")),
        LeakKind::NonProduction => format!("{} outside production", plural(n, "call")),
    }
}

fn section_name(l: &Leak) -> String {
    use clap::ValueEnum;
    l.section.to_possible_value().map_or_else(String::new, |v| v.get_name().to_string())
}

/// "1 call", "2 calls".
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(plural(1, "call"), "1 call");
        assert_eq!(plural(0, "call"), "0 calls");
        assert_eq!(plural(1234, "call"), "1,234 calls");
        assert_eq!(crate::render::calls_and_rows(1, 0, "unpriced "), "1 unpriced call");
        assert_eq!(crate::render::calls_and_rows(0, 1, ""), "0 calls and 1 usage-bucket row");
        assert_eq!(crate::render::have("1 call"), "has");
        assert_eq!(crate::render::have("2 calls"), "have");
    }
}
