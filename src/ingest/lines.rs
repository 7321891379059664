//! JSON lines through a dialect's parser, up to the records each line holds: the part of
//! reading a native log that needs nothing from the lines and files before it, so files can
//! go through it in parallel (`ingest`). What a line turns out to be — a call, a repeat of
//! one, a reject — is decided later, in input order, by `reader` (`Reader::apply`), which
//! alone knows the calls already counted.
//!
//! A line that names none of its parser's needles (`LineParser::needles`) is only skimmed
//! (`skim`): valid JSON with no call, counted as skipped without building a `Value`.

use std::io::BufRead;

use anyhow::Result;
use serde_json::Value;

use super::dialect::{LineParser, Owned};
use super::document::page_items;
use super::limits;
use super::plan::RunContext;
use super::skim::{skim, Skimmed};
use super::source::Input;

/// Lines parsed, waiting for the ordered stage.
#[derive(Default)]
pub struct Parsed {
    /// The lines to account in order: rejects and lines with records.
    pub steps: Vec<Step>,
    /// Blank lines.
    pub blank: u64,
    /// Valid lines (or records of a page) holding no call: counted read and skipped, in any order.
    pub skipped: u64,
}

/// One line (or one record of a page on a line) that the ordered stage accounts for.
pub enum Step {
    Reject { line: u64, reason: String },
    Records { line: u64, records: Vec<Owned> },
}

/// Steps gathered before they are handed on: keeps a large file's records from piling up.
pub const FLUSH_STEPS: usize = 4096;

/// Parses the JSON lines of `input` through `parser`, handing the parsed lines to `flush`
/// in order, a few thousand at a time.
pub fn parse_lines(
    input: Input,
    parser: &mut dyn LineParser,
    ctx: &RunContext,
    flush: &mut dyn FnMut(Parsed),
) -> Result<()> {
    let max = ctx.plan.max_line_bytes;
    let needles = parser.needles();
    // A needle written as a plain JSON string: the line needs the full parse, no skim first.
    let quoted: Vec<memchr::memmem::Finder> = needles
        .iter()
        .map(|n| memchr::memmem::Finder::new(format!("\"{n}\"").as_bytes()).into_owned())
        .collect();
    let mut reader = std::io::BufReader::new(limits::CappedLines::new(input.into_reader(), max));
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut out = Parsed::default();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            flush(out);
            return Ok(());
        }
        line_no += 1;
        ctx.progress(buf.len() as u64);
        let line = buf.trim_ascii();
        if line.is_empty() {
            out.blank += 1;
            continue;
        }
        if buf.strip_suffix(b"\n").unwrap_or(&buf).len() > max {
            out.reject(line_no, limits::too_long_reason(max));
        } else if !needles.is_empty()
            && !quoted.iter().any(|q| q.find(line).is_some())
            && skim(line, needles) == Some(Skimmed::NoNeedle)
        {
            // No depth check needed: a skimmed line nests less than serde_json's limit, 128,
            // which is `limits::MAX_DEPTH` (skim's tests hold the two together).
            out.skipped += 1;
        } else if limits::too_deep(line) {
            out.reject(line_no, limits::too_deep_reason());
        } else {
            match serde_json::from_slice::<Value>(line) {
                Err(e) => out.reject(line_no, format!("invalid JSON: {e}")),
                Ok(v) => out.units(parser, &v, line_no),
            }
        }
        if out.steps.len() >= FLUSH_STEPS {
            flush(std::mem::take(&mut out));
        }
    }
}

impl Parsed {
    pub fn reject(&mut self, line: u64, reason: String) {
        self.steps.push(Step::Reject { line, reason });
    }

    /// Parses one line or document item: each record of an API page (`{"data": [...]}`, as
    /// the usage, Langfuse and Helicone APIs return them) on its own, so one bad record
    /// rejects itself, not its page; a page with no records counts as skipped.
    pub fn units(&mut self, parser: &mut dyn LineParser, v: &Value, line: u64) {
        let units: Vec<&Value> = page_items(v).map_or_else(|| vec![v], |items| items.iter().collect());
        if units.is_empty() {
            self.skipped += 1;
        }
        for unit in units {
            let mut records = Vec::new();
            match parser.parse(unit, &mut records) {
                Err(reason) => self.reject(line, reason),
                Ok(()) if records.is_empty() => self.skipped += 1,
                Ok(()) => self.steps.push(Step::Records { line, records }),
            }
        }
    }
}
