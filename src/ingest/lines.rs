//! JSON lines through a dialect's parser, up to the records each line holds: the part of
//! reading a native log that needs nothing from the lines and files before it, so files can
//! go through it in parallel (`ingest`). What a line turns out to be — a call, a repeat of
//! one, a reject — is decided later, in input order, by `reader` (`Reader::apply`), which
//! alone knows the calls already counted.
//!
//! A line that names none of its parser's needles (`LineParser::needles`) is only looked at
//! (`scan`, else `skim`): valid JSON with no call, counted as skipped without building a
//! `Value`; a valid line that names one is parsed keeping only the keys its parser reads
//! (`prune`). Whatever `scan` does not decide goes through serde_json as before.

use std::io::BufRead;

use anyhow::Result;
use serde_json::Value;

use super::dialect::{LineParser, Owned};
use super::document::page_items;
use super::limits;
use super::plan::RunContext;
use super::prune;
use super::scan::{self, Look};
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
/// in order, a few thousand at a time. A mapped file's lines are read in place; a stream's
/// are copied out of it, each cut at the line cap (`limits::CappedLines`).
pub fn parse_lines(
    input: Input,
    parser: &mut dyn LineParser,
    ctx: &RunContext,
    flush: &mut dyn FnMut(Parsed),
) -> Result<()> {
    let mut lines = Lines::new(parser, ctx);
    match input {
        Input::Mapped(map) => {
            let mut rest = &map[..];
            while !rest.is_empty() {
                let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
                let (line, tail) = rest.split_at(end);
                lines.line(line, flush);
                rest = tail;
            }
        }
        stream => {
            let max = ctx.plan.max_line_bytes;
            let mut reader = std::io::BufReader::new(limits::CappedLines::new(stream.into_reader(), max));
            let mut buf = Vec::new();
            while reader.read_until(b'\n', &mut buf)? > 0 {
                lines.line(&buf, flush);
                buf.clear();
            }
        }
    }
    flush(lines.out);
    Ok(())
}

/// The state of `parse_lines` from one line to the next.
struct Lines<'p, 'c> {
    parser: &'p mut dyn LineParser,
    ctx: &'p RunContext<'c>,
    needles: &'static [&'static str],
    /// A needle written as a plain JSON string: the line needs the full parse, no skim first.
    quoted: Vec<memchr::memmem::Finder<'static>>,
    line_no: u64,
    out: Parsed,
}

impl<'p, 'c> Lines<'p, 'c> {
    fn new(parser: &'p mut dyn LineParser, ctx: &'p RunContext<'c>) -> Self {
        let needles = parser.needles();
        let quoted = needles
            .iter()
            .map(|n| memchr::memmem::Finder::new(format!("\"{n}\"").as_bytes()).into_owned())
            .collect();
        Lines { parser, ctx, needles, quoted, line_no: 0, out: Parsed::default() }
    }

    /// One line, with its newline if it has one.
    fn line(&mut self, raw: &[u8], flush: &mut dyn FnMut(Parsed)) {
        self.line_no += 1;
        self.ctx.progress(raw.len() as u64);
        let line_no = self.line_no;
        let line = raw.trim_ascii();
        let max = self.ctx.plan.max_line_bytes;
        if line.is_empty() {
            self.out.blank += 1;
            return;
        }
        if raw.strip_suffix(b"\n").unwrap_or(raw).len() > max {
            self.out.reject(line_no, limits::too_long_reason(max));
        } else if !self.needles.is_empty() && self.quick(line) {
            // Told by `scan` alone (and `prune`), without a whole `Value`.
        } else if !self.needles.is_empty()
            && !self.quoted.iter().any(|q| q.find(line).is_some())
            && skim(line, self.needles) == Some(Skimmed::NoNeedle)
        {
            // No depth check needed: a skimmed line nests less than serde_json's limit, 128,
            // which is `limits::MAX_DEPTH` (skim's tests hold the two together).
            self.out.skipped += 1;
        } else if limits::too_deep(line) {
            self.out.reject(line_no, limits::too_deep_reason());
        } else {
            match serde_json::from_slice::<Value>(line) {
                Err(e) => self.out.reject(line_no, format!("invalid JSON: {e}")),
                Ok(v) => self.out.units(self.parser, &v, line_no),
            }
        }
        if self.out.steps.len() >= FLUSH_STEPS {
            flush(std::mem::take(&mut self.out));
        }
    }

    /// Accounts for a line `scan` finds valid: skipped when it names no needle, else parsed
    /// keeping only the keys the parser reads. `false`: left to the serde_json path.
    fn quick(&mut self, line: &[u8]) -> bool {
        match scan::look(line, self.needles) {
            Look::Skip => self.out.skipped += 1,
            Look::Needle(text) => {
                // `scan` checked the line, so `prune` may pass over what it does not keep;
                // valid and no deeper than `scan::MAX_DEPTH`, it is no `limits::too_deep`.
                let Some(v) = self.parser.keys().and_then(|keys| prune::parse(text, keys).ok()) else {
                    return false;
                };
                self.out.units(self.parser, &v, self.line_no);
            }
            Look::Full => return false,
        }
        true
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
