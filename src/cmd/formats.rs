//! `llmcost formats`: the input formats llmcost reads, how each is detected, and the token
//! convention it converts from.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::ingest::formats::DIALECTS;

pub fn run() -> Result<Outcome> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Formats are detected per file (name, then first lines); --input-format NAME overrides.\n"
    )?;
    let width = DIALECTS.iter().map(|(_, d)| d.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:<width$} canonical call records, one JSON object per line (README: the canonical call record)",
        "jsonl"
    )?;
    writeln!(out, "{:<width$} canonical call records, CSV with a header row of the same names", "csv")?;
    writeln!(
        out,
        "{:<width$} canonical call records as Parquet columns (export's calls.parquet too); directories of \
         Hive partitions (month=2026-10/…) add their values as fields",
        "parquet"
    )?;
    for (_, d) in DIALECTS {
        writeln!(out, "{:<width$} {}", d.name, d.about.split_whitespace().collect::<Vec<_>>().join(" "))?;
    }
    writeln!(
        out,
        "\nA file holding one JSON document (an array of records, or an API page {{\"data\": [...]}},"
    )?;
    writeln!(out, "pretty-printed or not) is read whole; each record is reported at the line it starts on.")?;
    Ok(Outcome::Ok)
}
