//! Reads a native dialect file line by line: each line is parsed as JSON and handed to the
//! dialect's parser, which returns the calls on it (none for lines that are not calls).
//! Dialects that write one API call as several lines (Claude Code streams a line per content
//! block, each repeating the usage so far) give each call a key in `request_id`: the first
//! line seen is kept and later lines of the same call only raise its token counts to the
//! largest seen, so the call is counted once with its final usage, across files too.

use std::io::BufRead;

use anyhow::Result;
use rustc_hash::FxHashMap;
use serde_json::Value;

use super::batch::Batch;
use super::dialect::{LineParser, Owned};
use super::document::{self, page_items};
use super::plan::RunContext;
use super::record::{Field, RawRecord, Scalar};
use super::source::Input;

/// Calls already counted in this run, by key, with their row.
#[derive(Default)]
pub struct Seen(FxHashMap<String, usize>);

/// Reads JSON lines through `parser`.
pub fn read(
    input: Input,
    mut parser: Box<dyn LineParser>,
    file: &str,
    ctx: &RunContext,
    seen: &mut Seen,
    out: &mut Batch,
) -> Result<()> {
    let mut reader = input.into_reader();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line_no += 1;
        ctx.progress(buf.len() as u64);
        let line = buf.trim_ascii();
        if line.is_empty() {
            out.lines.blank += 1;
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Err(e) => out.reject(file, line_no, None, format!("invalid JSON: {e}")),
            Ok(v) => parse_units(parser.as_mut(), &v, file, line_no, ctx, seen, out),
        }
    }
}

/// Parses one line or document item: each record of an API page (`{"data": [...]}`, as the
/// usage, Langfuse and Helicone APIs return them) on its own, so one bad record rejects
/// itself, not its page; a page with no records counts as skipped.
fn parse_units(
    parser: &mut dyn LineParser,
    v: &Value,
    file: &str,
    line: u64,
    ctx: &RunContext,
    seen: &mut Seen,
    out: &mut Batch,
) {
    let units: Vec<&Value> = page_items(v).map_or_else(|| vec![v], |items| items.iter().collect());
    let mut records = Vec::new();
    if units.is_empty() {
        keep(&records, file, line, ctx, seen, out);
    }
    for unit in units {
        records.clear();
        match parser.parse(unit, &mut records) {
            Err(reason) => out.reject(file, line, None, reason),
            Ok(()) => keep(&records, file, line, ctx, seen, out),
        }
    }
}

/// Reads a whole JSON document (an array of records, or an API page `{"data": [...]}`, pretty
/// printed or not): each item is counted like a line and reported at the line it starts on.
pub fn read_document(
    doc: &document::Document,
    mut parser: Box<dyn LineParser>,
    file: &str,
    ctx: &RunContext,
    seen: &mut Seen,
    out: &mut Batch,
) {
    for item in &doc.items {
        ctx.progress(item.span.len() as u64);
        match doc.value_of(item) {
            Err(reason) => out.reject(file, item.line, None, reason),
            Ok(v) => parse_units(parser.as_mut(), &v, file, item.line, ctx, seen, out),
        }
    }
}

/// Reads CSV rows through `parser`, each row as a JSON object of its header's columns
/// (empty cells left out), so a mapping file addresses CSV columns and JSON fields alike.
pub fn read_csv(
    input: Input,
    mut parser: Box<dyn LineParser>,
    file: &str,
    ctx: &RunContext,
    seen: &mut Seen,
    out: &mut Batch,
) -> Result<()> {
    let mut rdr = ::csv::ReaderBuilder::new().flexible(true).from_reader(input.into_reader());
    let headers = rdr.headers()?.clone();
    let mut records = Vec::new();
    for row in rdr.records() {
        let (row, line) = match row {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                (r, line)
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.reject(file, line, None, format!("unreadable CSV row: {e}"));
                continue;
            }
        };
        let object: serde_json::Map<String, Value> = headers
            .iter()
            .zip(row.iter())
            .filter(|(_, cell)| !cell.is_empty())
            .map(|(h, cell)| (h.trim().to_string(), Value::String(cell.to_string())))
            .collect();
        records.clear();
        match parser.parse(&Value::Object(object), &mut records) {
            Err(reason) => out.reject(file, line, None, reason),
            Ok(()) => keep(&records, file, line, ctx, seen, out),
        }
    }
    Ok(())
}

/// Counts one line by what its records turned out to be.
fn keep(records: &[Owned], file: &str, line: u64, ctx: &RunContext, seen: &mut Seen, out: &mut Batch) {
    if records.is_empty() {
        out.lines.read += 1;
        out.lines.skipped += 1;
        return;
    }
    let (mut new, mut repeats) = (0, 0);
    let rejected_before = out.lines.rejected;
    for rec in records {
        match key(rec) {
            Some(k) if seen.0.contains_key(&k) => {
                raise_tokens(rec, seen.0[&k], ctx, out);
                repeats += 1;
            }
            key => {
                let row = out.calls.len();
                let dated = date_untimed(rec, ctx, out);
                if out.push(dated.as_ref().unwrap_or(rec), file, line, ctx).is_some() {
                    new += 1;
                    if let Some(k) = key {
                        seen.0.insert(k, row);
                    }
                }
            }
        }
    }
    if out.lines.rejected > rejected_before {
        return; // the line is already counted as rejected
    }
    out.lines.read += 1;
    match (new, repeats) {
        (0, _) => out.lines.duplicates += 1,
        _ => out.lines.accepted += 1,
    }
}

/// A copy of `rec` dated `untimed_at` when its log gave it no time, counted as untimed.
fn date_untimed(rec: &Owned, ctx: &RunContext, out: &mut Batch) -> Option<Owned> {
    if rec.get(Field::Timestamp).is_some() {
        return None;
    }
    out.untimed += 1;
    let mut dated = RawRecord { fields: rec.fields.clone(), extras: rec.extras.clone() };
    dated.set(Field::Timestamp, Some(Scalar::Int(ctx.plan.untimed_at)));
    Some(dated)
}

fn key(rec: &Owned) -> Option<String> {
    match rec.get(Field::RequestId)? {
        Scalar::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// A later line of an already counted call: keep the larger usage (the stream's final one).
fn raise_tokens(rec: &Owned, row: usize, ctx: &RunContext, out: &mut Batch) {
    if let Ok(call) = crate::normalize::normalize(rec, &ctx.plan.keep) {
        out.calls.raise_tokens(row, &call.tokens);
    }
}
