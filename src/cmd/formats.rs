//! `llmcost formats`: the input formats llmcost reads, how each is detected, and the token
//! convention it converts from.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::ingest::detect::DIALECTS;

pub fn run() -> Result<Outcome> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Formats are detected per file (name, then first lines); --input-format NAME overrides.\n")?;
    writeln!(out, "jsonl        canonical call records, one JSON object per line (README: the canonical call record)")?;
    writeln!(out, "csv          canonical call records, CSV with a header row of the same names")?;
    for d in DIALECTS {
        writeln!(out, "{:<12} {}", d.name, d.about.split_whitespace().collect::<Vec<_>>().join(" "))?;
    }
    Ok(Outcome::Ok)
}
