//! Reads a run's sources into one batch. `Reader` carries what every step needs: the run's
//! context, the batch being filled, the calls already counted and the name of the source
//! being read (for rejects). A source is a whole JSON document or lines (CSV rows); its
//! format comes from `--mapping`, `--input-format` or detection. Canonical JSONL and CSV go
//! to their readers (`jsonl`, `csv`); a native dialect or a mapping is read here through its
//! `LineParser`, which returns the calls on each line (none for lines that are not calls).
//!
//! The lines of a native log can also be parsed ahead, in parallel with other files
//! (`parse_ahead`), and accounted here afterwards, in input order (`read_parsed`): only the
//! accounting needs the calls already counted.
//!
//! Dialects that write one API call as several lines (Claude Code streams a line per content
//! block, each repeating the usage so far) give each call a key in `request_id`: the first
//! line seen is kept and later lines of the same call only raise its token counts to the
//! largest seen, so the call is counted once with its final usage, across files too.

use crate::calls::StrCol;
use anyhow::{bail, Context, Result};
use rustc_hash::FxHashMap;
use serde_json::Value;

use super::batch::Batch;
use super::dialect::{LineParser, Owned};
use super::document::{self, Document};
use super::formats::{self, Format};
use super::lines::{self, Parsed, Step};
use super::plan::RunContext;
use super::record::{Field, RawRecord, Scalar};
use super::record::{NOTE_MODALITIES_CAPPED, NOTE_WRITE_SPLIT_CONTRADICTS};
use super::source::{self, Input, Source};
use super::{csv, csv_rows, detect, jsonl, limits, mapping, parquet};

/// Parses `source` now when it is a file of native JSON lines, for `Reader::read_parsed` to
/// account later; `None` for any other source, and for one that cannot be read: `Reader::read`
/// reads those in order (and reports the error).
pub fn parse_ahead(source: &Source, ctx: &RunContext) -> Option<Vec<Parsed>> {
    let Source::File(path) = source else { return None };
    let hint = source::format_from_name(path);
    // Mapped and Parquet sources are read by `read` (a pruned partition must stay unopened).
    let parquet = |f: Option<Format>| f == Some(Format::Parquet);
    if ctx.plan.mapping.is_some() || parquet(hint) || parquet(ctx.plan.format) {
        return None;
    }
    if hint.is_none() && parquet::is_parquet(path) {
        return None;
    }
    let mut input = Input::open(source).ok()?;
    let head = input.head().ok()?;
    if !reads_lines(ctx, head, hint) {
        return None;
    }
    let format = line_format(ctx, head, hint).ok()?;
    if matches!(format, Format::Jsonl | Format::Csv | Format::Parquet) {
        return None;
    }
    let mut parsed = Vec::new();
    lines::parse_lines(input, formats::parser(format).as_mut(), ctx, &mut |p| parsed.push(p)).ok()?;
    Some(parsed)
}

/// Whether a source is read as lines or rows rather than as one JSON document.
fn reads_lines(ctx: &RunContext, head: &[u8], hint: Option<Format>) -> bool {
    let csv =
        hint == Some(Format::Csv) || ctx.plan.mapping.as_ref().is_some_and(|m| m.format == Some(Format::Csv));
    csv || !document::looks_like_document(head)
}

/// The format of a source of lines: `--input-format`, else detected from its first lines.
fn line_format(ctx: &RunContext, head: &[u8], hint: Option<Format>) -> Result<Format> {
    match ctx.plan.format {
        Some(f) => Ok(f),
        None => detect::detect(head, hint),
    }
}

/// A run's reading state, kept from one source to the next.
pub struct Reader<'r> {
    ctx: &'r RunContext<'r>,
    out: Batch,
    /// Calls already counted in this run, by key, with their row.
    seen: FxHashMap<String, usize>,
    /// The source being read.
    file: String,
}

impl<'r> Reader<'r> {
    pub fn new(ctx: &'r RunContext<'r>) -> Self {
        Reader { ctx, out: Batch::new(ctx.plan), seen: FxHashMap::default(), file: String::new() }
    }

    /// The calls and line counts of every source read.
    pub fn finish(mut self) -> Batch {
        self.out.calls.dedup_strings();
        self.out
    }

    /// Reads one source whole; with `--strict`, its first rejected line is the error.
    pub fn read(&mut self, source: &Source) -> Result<()> {
        self.file = source.name();
        let hint = match source {
            Source::File(p) => source::format_from_name(p),
            Source::Stdin => None,
        };
        let rejected_before = self.out.lines.rejected;
        match source {
            // Columnar: read by row group from the file, never streamed.
            Source::File(p) if self.is_parquet(p, hint) => {
                parquet::read(p, &self.file, self.ctx, &mut self.out)?
            }
            Source::Stdin if self.ctx.plan.format == Some(Format::Parquet) => {
                bail!("<stdin>: Parquet is read from a file (its footer is at the end), not from stdin")
            }
            _ => self.read_input(Input::open(source)?, hint)?,
        }
        self.check_strict(rejected_before)
    }

    /// A file is Parquet by `--input-format`, its name, or its first bytes; a file named
    /// `.parquet` is not opened to check, so a partition pruned by its path stays unread.
    fn is_parquet(&self, path: &std::path::Path, hint: Option<Format>) -> bool {
        match self.ctx.plan.format {
            Some(f) => f == Format::Parquet,
            None => hint == Some(Format::Parquet) || (hint.is_none() && parquet::is_parquet(path)),
        }
    }

    /// Accounts for a source parsed ahead (`parse_ahead`), as `read` would have.
    pub fn read_parsed(&mut self, source: &Source, parsed: Vec<Parsed>) -> Result<()> {
        self.file = source.name();
        let rejected_before = self.out.lines.rejected;
        parsed.into_iter().for_each(|p| self.apply(p));
        self.check_strict(rejected_before)
    }

    /// Reads one opened source: a whole JSON document, or lines and rows.
    fn read_input(&mut self, mut input: Input, hint: Option<Format>) -> Result<()> {
        let head = input.head().with_context(|| format!("reading {}", self.file))?;
        if reads_lines(self.ctx, head, hint) {
            return self.read_lines(input, hint);
        }
        let text = input.into_bytes().with_context(|| format!("reading {}", self.file))?;
        match document::parse(text) {
            Ok(doc) => self.read_document(&doc),
            // JSON lines with a broken first line: read line by line so each bad line is reported.
            Err(e) if !document::opens_array(&e.text) && document::has_json_lines(&e.text) => {
                self.read_lines(Input::from_bytes(e.text), hint)
            }
            Err(e) => bail!("{}: {}", self.file, e.reason),
        }
    }

    /// Reads a file line by line (JSONL, a native dialect) or row by row (CSV).
    fn read_lines(&mut self, mut input: Input, hint: Option<Format>) -> Result<()> {
        let ctx = self.ctx;
        if let Some(m) = &ctx.plan.mapping {
            let parser = Box::new(mapping::Parser(m.clone()));
            return match m.format.or(hint) {
                Some(Format::Csv) => self.parse_rows(input, parser),
                _ => self.parse_lines(input, parser),
            }
            .with_context(|| format!("reading {} with mapping {}", self.file, m.name));
        }
        let head = input.head().with_context(|| format!("reading {}", self.file))?;
        let format =
            line_format(ctx, head, hint).with_context(|| format!("{}: unknown log format", self.file))?;
        match format {
            Format::Jsonl => jsonl::read(input, &self.file, ctx, &mut self.out),
            Format::Csv => csv::read(input, &self.file, ctx, &mut self.out),
            Format::Parquet => bail!("{}: Parquet is read from a file, not a stream", self.file),
            native => self.parse_lines(input, formats::parser(native)),
        }
        .with_context(|| format!("reading {}", self.file))
    }

    /// Reads the items of a JSON document, each counted like a line.
    fn read_document(&mut self, doc: &Document) -> Result<()> {
        if doc.items.is_empty() {
            return Ok(()); // `[]`, or a page of a quiet period: nothing to read
        }
        let ctx = self.ctx;
        if let Some(m) = &ctx.plan.mapping {
            self.parse_items(doc, Box::new(mapping::Parser(m.clone())));
            return Ok(());
        }
        let format = match ctx.plan.format {
            Some(f) => f,
            None => {
                let head: Vec<Value> = doc
                    .items
                    .iter()
                    .take(document::SNIFF_LINES)
                    .filter_map(|i| doc.value_of(i).ok())
                    .collect();
                detect::detect_records(&head).with_context(|| format!("{}: unknown log format", self.file))?
            }
        };
        match format {
            Format::Jsonl => self.read_canonical_items(doc),
            Format::Csv => bail!("{}: a JSON document, not CSV", self.file),
            Format::Parquet => bail!("{}: a JSON document, not Parquet", self.file),
            native => self.parse_items(doc, formats::parser(native)),
        }
        Ok(())
    }

    /// Canonical records given as a JSON array.
    fn read_canonical_items(&mut self, doc: &Document) {
        let ctx = self.ctx;
        let mut raw = RawRecord::new(ctx.plan.extras.len());
        for item in &doc.items {
            ctx.progress(item.span.len() as u64);
            match jsonl::parse_line(doc.text_of(item), &ctx.plan.extras, ctx.wanted(), &mut raw) {
                Ok(()) => self.out.record(&raw, &self.file, item.line, ctx),
                Err(reason) => self.out.reject(&self.file, item.line, None, reason),
            }
        }
    }

    fn check_strict(&self, rejected_before: u64) -> Result<()> {
        if self.ctx.plan.strict && self.out.lines.rejected > rejected_before {
            let first = self
                .out
                .rejects
                .get(rejected_before as usize)
                .map_or_else(|| "a line was rejected".to_string(), |r| r.to_string());
            bail!("{first} (--strict stops at the first rejected line)");
        }
        Ok(())
    }

    /// Reads JSON lines through `parser`.
    fn parse_lines(&mut self, input: Input, mut parser: Box<dyn LineParser>) -> Result<()> {
        let ctx = self.ctx;
        lines::parse_lines(input, parser.as_mut(), ctx, &mut |parsed| self.apply(parsed))
    }

    /// Reads a whole JSON document (an array of records, or an API page `{"data": [...]}`,
    /// pretty printed or not) through `parser`: each item is counted like a line and reported
    /// at the line it starts on.
    fn parse_items(&mut self, doc: &Document, mut parser: Box<dyn LineParser>) {
        let mut parsed = Parsed::default();
        for item in &doc.items {
            self.ctx.progress(item.span.len() as u64);
            match doc.value_of(item) {
                Err(reason) => parsed.reject(item.line, reason),
                Ok(v) => parsed.units(parser.as_mut(), &v, item.line),
            }
            if parsed.steps.len() >= lines::FLUSH_STEPS {
                self.apply(std::mem::take(&mut parsed));
            }
        }
        self.apply(parsed);
    }

    /// Accounts for parsed lines, in order.
    fn apply(&mut self, parsed: Parsed) {
        self.out.lines.blank += parsed.blank;
        self.out.lines.read += parsed.skipped;
        self.out.lines.skipped += parsed.skipped;
        for step in parsed.steps {
            match step {
                Step::Reject { line, reason } => self.out.reject(&self.file, line, None, reason),
                Step::Records { line, records } => self.keep(&records, line),
            }
        }
    }

    /// Reads CSV rows through `parser`, each row as a JSON object of its header's columns
    /// (empty cells left out), so a mapping file addresses CSV columns and JSON fields alike.
    fn parse_rows(&mut self, input: Input, mut parser: Box<dyn LineParser>) -> Result<()> {
        let mut rows = csv_rows::Rows::new(input.into_reader(), self.ctx.plan.max_line_bytes);
        let mut row = csv_rows::Row::default();
        let Some(headers) = rows.header(&mut row, &mut self.out.lines.blank)? else { return Ok(()) };
        let mut records = Vec::new();
        loop {
            let line = match rows.next(&mut row)? {
                csv_rows::Next::End => return Ok(()),
                csv_rows::Next::Blank => {
                    self.out.lines.blank += 1;
                    continue;
                }
                csv_rows::Next::TooLong { line } => {
                    self.out.reject(&self.file, line, None, limits::too_long_reason(rows.max()));
                    continue;
                }
                csv_rows::Next::Bad { line, column, reason } => {
                    let (field, reason) = csv_rows::cell_reject(&headers, column, reason);
                    self.out.reject(&self.file, line, field, reason);
                    continue;
                }
                csv_rows::Next::Row => row.line,
            };
            let object: serde_json::Map<String, Value> = headers
                .iter()
                .zip(row.iter())
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(h, cell)| (h.clone(), Value::String(cell.to_string())))
                .collect();
            records.clear();
            let rejected = self.out.lines.rejected;
            match parser.parse(&Value::Object(object), &mut records) {
                Err(reason) => self.out.reject(&self.file, line, None, reason),
                Ok(()) => self.keep(&records, line),
            }
            if self.out.lines.rejected > rejected {
                rows.read_again();
            }
        }
    }

    /// Counts one line by what its records turned out to be.
    fn keep(&mut self, records: &[Owned], line: u64) {
        if records.is_empty() {
            self.out.lines.read += 1;
            self.out.lines.skipped += 1;
            return;
        }
        let (mut new, mut repeats) = (0, 0);
        let rejected_before = self.out.lines.rejected;
        for rec in records {
            match key(rec) {
                Some(k) if self.seen.contains_key(&k) => {
                    self.raise_tokens(rec, self.seen[&k]);
                    repeats += 1;
                }
                key => {
                    let row = self.out.calls.len();
                    let dated = self.date_untimed(rec);
                    if self.out.push(dated.as_ref().unwrap_or(rec), &self.file, line, self.ctx).is_some() {
                        new += 1;
                        if rec.notes & NOTE_WRITE_SPLIT_CONTRADICTS != 0 {
                            self.out.write_split_contradictions += 1;
                        }
                        if rec.notes & NOTE_MODALITIES_CAPPED != 0 {
                            self.out.modalities_capped += 1;
                        }
                        if let Some(k) = key {
                            self.seen.insert(k, row);
                        }
                    }
                }
            }
        }
        if self.out.lines.rejected > rejected_before {
            return; // the line is already counted as rejected
        }
        self.out.lines.read += 1;
        match (new, repeats) {
            (0, _) => self.out.lines.duplicates += 1,
            _ => self.out.lines.accepted += 1,
        }
    }

    /// A copy of `rec` dated `untimed_at` when its log gave it no time, counted as untimed.
    fn date_untimed(&mut self, rec: &Owned) -> Option<Owned> {
        if rec.get(Field::Timestamp).is_some() {
            return None;
        }
        self.out.untimed += 1;
        let mut dated =
            RawRecord { fields: rec.fields.clone(), extras: rec.extras.clone(), notes: rec.notes };
        dated.set(Field::Timestamp, Some(Scalar::Int(self.ctx.plan.untimed_at)));
        Some(dated)
    }

    /// A later line of an already counted call: keep the larger usage (the stream's final one).
    fn raise_tokens(&mut self, rec: &Owned, row: usize) {
        if let Ok(call) = crate::ingest::normalize::normalize(rec, &self.ctx.plan.keep) {
            self.out.calls.raise_tokens(row, &call.tokens);
            // A streamed call says how it ended on its last line only (Claude Code's stop_reason).
            if let Some(reason) = call.str(StrCol::FinishReason) {
                self.out.calls.fill_str(row, StrCol::FinishReason, reason);
            }
        }
    }
}

fn key(rec: &Owned) -> Option<String> {
    match rec.get(Field::RequestId)? {
        Scalar::Str(s) => Some(s.to_string()),
        _ => None,
    }
}
