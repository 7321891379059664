//! CSV reader: a header row naming the canonical fields (plus any extras), one call per row.
//! An empty cell is the same as a missing field. Rows are read in order on one thread, split
//! by `csv_rows` (a row is reported at the line it starts on; a quote left open rejects its
//! row, not the rows after it).

use std::borrow::Cow;

use anyhow::{anyhow, bail, Context};

use super::batch::Batch;
use super::csv_rows::{self, Next, Row, Rows};
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
    let mut rows = Rows::new(input.into_reader(), ctx.plan.max_line_bytes);
    let mut row = Row::default();
    let Some(headers) =
        rows.header(&mut row, &mut batch.lines.blank).map_err(|e| anyhow!("{file}: {e:#}"))?
    else {
        return Ok(());
    };
    // A name twice would let the last column silently win: refuse the header instead.
    let mut names: Vec<&str> = headers.iter().map(String::as_str).filter(|h| !h.is_empty()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        bail!("{file}: the CSV header names column {:?} twice", w[0]);
    }
    let slots: Vec<Slot> = headers.iter().map(|h| slot(h, &ctx.plan.extras)).collect();
    loop {
        match rows.next(&mut row).with_context(|| format!("reading {file}"))? {
            Next::End => return Ok(()),
            Next::Blank => batch.lines.blank += 1,
            Next::TooLong { line } => batch.reject(file, line, None, limits::too_long_reason(rows.max())),
            Next::Bad { line, column, reason } => {
                let (field, reason) = csv_rows::cell_reject(&headers, column, reason);
                batch.reject(file, line, field, reason);
            }
            Next::Row if row.len() != slots.len() => {
                let why = format!("expected {} fields as in the header, found {}", slots.len(), row.len());
                batch.reject(file, row.line, None, why);
                rows.read_again();
            }
            Next::Row => {
                let mut raw = RawRecord::new(ctx.plan.extras.len());
                fill(&row, &slots, &mut raw);
                let rejected = batch.lines.rejected;
                batch.record(&raw, file, row.line, ctx);
                if batch.lines.rejected > rejected {
                    rows.read_again();
                }
                ctx.progress(row.text_len() as u64 + row.len() as u64);
            }
        }
    }
}

fn slot(header: &str, extras: &[String]) -> Slot {
    match Field::from_name(header) {
        Some(f) => Slot::Canonical(f),
        None => extras.iter().position(|x| x == header).map_or(Slot::Ignored, Slot::Extra),
    }
}

fn fill<'r>(row: &'r Row, slots: &[Slot], raw: &mut RawRecord<'r>) {
    for (cell, slot) in row.iter().zip(slots) {
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
