//! Render: finished results → bytes. A `Report` goes through `Render` and a verdict through
//! `verdict::RenderVerdict` (one unit struct per format, one file each); the export pack is
//! `export::write_all`. Every table is a `grid::Grid`, drawn only by `grid`; every escaper is
//! in `escape`. Renderers do no arithmetic; the only decisions here are how many digits a
//! figure shows.

pub mod csv;
pub mod escape;
pub mod export;
pub mod grid;
pub mod headline;
pub mod json;
pub mod markdown;
pub mod paint;
pub mod pricing_diff;
mod sections;
pub mod table;
pub mod verdict;

use std::io::Write;

use anyhow::Result;

use crate::analyze::Report;
use crate::money::Money;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// The documented JSON contract (see README).
    Json,
    /// One long table: section, dimension, key and the figures.
    Csv,
    /// GitHub-flavoured Markdown, fit for a pull-request comment.
    #[value(alias = "markdown")]
    Md,
}

pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()>;
}

/// The renderer of `format`; only the terminal table uses `paint`.
pub fn renderer(format: Format, paint: paint::Paint) -> Box<dyn Render> {
    match format {
        Format::Table => Box::new(table::Table { paint }),
        Format::Json => Box::new(json::Json),
        Format::Csv => Box::new(csv::Csv),
        Format::Md => Box::new(markdown::Markdown),
    }
}

/// A cost for people: cents above a dollar, more digits below so small costs are not "$0.00".
pub fn usd(m: Money) -> String {
    let abs = m.atto().unsigned_abs();
    let places = if abs >= 1_000_000_000_000_000_000 || abs == 0 {
        2
    } else if abs >= 10_000_000_000_000_000 {
        4
    } else {
        6
    };
    let text = m.rounded(places);
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    format!("{sign}${}.{frac}", thousands(int))
}

/// Whether a group's cost is unknown: it has calls and none of them is priced (CSV writes an
/// empty cell, never 0).
pub fn cost_unknown(calls: u64, priced_calls: u64) -> bool {
    calls > 0 && priced_calls == 0
}

/// A cost over `calls` of which `unpriced` had no price: "—" when none was priced (an
/// unpriced model never reads as $0), a trailing "*" when the cost leaves some out.
pub fn usd_priced(cost: Money, calls: u64, unpriced: u64) -> String {
    match (calls, unpriced) {
        (c, u) if c > 0 && u >= c => "—".to_string(),
        (_, u) if u > 0 => format!("{}*", usd(cost)),
        _ => usd(cost),
    }
}

/// What the report could not price: "5 calls", or "5 calls and 2 usage-bucket rows" (a bucket
/// of Anthropic's usage report counts no calls), `adjective` before "calls"; `None` when
/// everything was priced.
pub fn unpriced_summary(r: &crate::analyze::Report, adjective: &str) -> Option<String> {
    if r.unpriced.is_empty() {
        return None;
    }
    let rows: u64 = r.unpriced.iter().map(|u| u.aggregate_rows).sum();
    Some(calls_and_rows(r.totals.unpriced_calls, rows, adjective))
}

/// "5 calls", "1 call" or "5 calls and 2 usage-bucket rows", with `adjective` before "calls".
pub fn calls_and_rows(calls: u64, rows: u64, adjective: &str) -> String {
    let s = |n: u64| if n == 1 { "" } else { "s" };
    match rows {
        0 => format!("{} {adjective}call{}", count(calls), s(calls)),
        _ => format!(
            "{} {adjective}call{} and {} usage-bucket row{}",
            count(calls),
            s(calls),
            count(rows),
            s(rows)
        ),
    }
}

/// "has" after one call, "have" after more (or after "… and … rows").
pub fn have(subject: &str) -> &'static str {
    if subject.starts_with("1 ") && !subject.contains(" and ") {
        "has"
    } else {
        "have"
    }
}

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    thousands(&n.to_string())
}

fn thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A latency for people: `820 ms`, `4.2 s`, `3.1 min`, `3.1 h`.
pub fn duration_ms(ms: f64) -> String {
    match ms {
        m if m < 1_000.0 => format!("{m:.0} ms"),
        m if m < 60_000.0 => format!("{:.1} s", m / 1_000.0),
        m if m < 3_600_000.0 => format!("{:.1} min", m / 60_000.0),
        m => format!("{:.1} h", m / 3_600_000.0),
    }
}

pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// The key of a breakdown row as shown to people.
pub fn key_label(key: &Option<String>) -> &str {
    key.as_deref().unwrap_or("(none)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_shows_enough_digits() {
        assert_eq!(usd(Money::parse("1234.567").unwrap()), "$1,234.57");
        assert_eq!(usd(Money::parse("0.0316").unwrap()), "$0.0316");
        assert_eq!(usd(Money::parse("0.00002125").unwrap()), "$0.000021");
        assert_eq!(usd(Money::ZERO), "$0.00");
        assert_eq!(usd(Money::parse("-2.5").unwrap()), "-$2.50");
    }

    #[test]
    fn latencies_read_in_human_units() {
        assert_eq!(duration_ms(820.0), "820 ms");
        assert_eq!(duration_ms(4_200.0), "4.2 s");
        assert_eq!(duration_ms(186_000.0), "3.1 min");
        assert_eq!(duration_ms(11_160_000.0), "3.1 h");
    }

    #[test]
    fn counts_get_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
