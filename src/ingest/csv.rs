//! CSV reader: a header row naming the canonical fields (plus any extras), one call per row.
//! An empty cell is the same as a missing field. Rows are read in order on one thread; line
//! numbers come from the csv crate, so a quoted cell spanning lines is still located right.

use std::borrow::Cow;

use super::batch::Batch;
use super::limits;
use super::plan::RunContext;
use super::record::{Field, RawRecord, Scalar};
use super::source::Input;

/// Where a CSV column goes.
#[derive(Clone, Copy)]
enum Slot {
    Canonical(Field),
    Extra(usize),
    Ignored,
}

/// Reads every row of `reader` into `batch`; `file` names the source in rejects.
pub fn read(input: Input, file: &str, ctx: &RunContext, batch: &mut Batch) -> anyhow::Result<()> {
    let max = ctx.plan.max_line_bytes;
    let capped = limits::CappedLines::new(input.into_reader(), max);
    let truncated = capped.truncated();
    let mut rdr = ::csv::ReaderBuilder::new().flexible(true).from_reader(capped);
    let headers = rdr.headers().map_err(|e| anyhow::anyhow!("{file}: reading the CSV header: {e}"))?.clone();
    if limits::cut_between(&truncated, 1, rdr.position().line()) {
        anyhow::bail!("{file}: the CSV header is longer than {max} bytes (--max-line-bytes)");
    }
    // A name twice would let the last column silently win: refuse the header instead.
    let mut names: Vec<&str> = headers.iter().map(str::trim).filter(|h| !h.is_empty()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        anyhow::bail!("{file}: the CSV header names column {:?} twice", w[0]);
    }
    let slots: Vec<Slot> = headers.iter().map(|h| slot(h.trim(), &ctx.plan.extras)).collect();
    let mut record = ::csv::StringRecord::new();
    loop {
        let line = rdr.position().line() + 1;
        let read = rdr.read_record(&mut record);
        let start = match &read {
            Ok(true) => record.position().map_or(line, |p| p.line()),
            _ => line,
        };
        if limits::cut_between(&truncated, start, rdr.position().line()) {
            batch.reject(file, start, None, limits::too_long_reason(max));
            continue;
        }
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                batch.reject(file, line, None, format!("unreadable CSV row: {e}"));
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.len() != slots.len() {
            let why = format!("expected {} fields as in the header, found {}", slots.len(), record.len());
            batch.reject(file, line, None, why);
            continue;
        }
        let mut raw = RawRecord::new(ctx.plan.extras.len());
        fill(&record, &slots, &mut raw);
        batch.record(&raw, file, line, ctx);
        ctx.progress(record.as_slice().len() as u64 + record.len() as u64);
    }
    Ok(())
}

fn slot(header: &str, extras: &[String]) -> Slot {
    match Field::from_name(header) {
        Some(f) => Slot::Canonical(f),
        None => extras.iter().position(|x| x == header).map_or(Slot::Ignored, Slot::Extra),
    }
}

fn fill<'r>(record: &'r ::csv::StringRecord, slots: &[Slot], raw: &mut RawRecord<'r>) {
    for (cell, slot) in record.iter().zip(slots) {
        if cell.is_empty() {
            continue;
        }
        match *slot {
            Slot::Canonical(f) => raw.set(f, Some(Scalar::Str(Cow::Borrowed(cell)))),
            Slot::Extra(i) => raw.extras[i] = Some(Cow::Borrowed(cell)),
            Slot::Ignored => {}
        }
    }
}
