//! Ingest: turns the inputs named on the command line (files, directories, globs, `-` for
//! stdin; gzip detected by magic bytes) into `Calls`, accounting for every line: each is
//! accepted, rejected with file, line, field and reason, counted as blank, or (in a native
//! log such as a Claude Code session) skipped as holding no call or as repeating one.
//!
//! Each file's format is detected from its name and first lines (`detect`), then read by
//! its reader: canonical JSONL in parallel blocks (`jsonl`), CSV (`csv`), or a native
//! dialect line by line (`native` with one file per dialect).

pub mod anthropic;
pub mod anthropic_usage;
pub mod claude_code;
pub mod codex;
pub mod csv;
pub mod detect;
pub mod document;
pub mod gemini;
pub mod helicone;
pub mod jsonl;
pub mod langfuse;
pub mod litellm;
pub mod mapping;
pub mod native;
pub mod openai;
pub mod openai_usage;
pub mod otel;
pub mod record;
pub mod source;
pub mod usage;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::calls::Calls;
use crate::normalize::{normalize, StrCol, Tokens};
use record::{Field, RawRecord};
use source::Input;
pub use source::{expand, Source};
/// Rejects kept with their details; the rest are counted.
pub const REJECTS_KEPT: usize = 100;

/// What to read and keep, resolved from the command line.
#[derive(Clone, Debug)]
pub struct IngestPlan {
    /// Non-canonical fields to keep as dimensions.
    pub extras: Vec<String>,
    /// The string columns the run needs.
    pub keep: [bool; StrCol::COUNT],
    /// The first rejected line is an error.
    pub strict: bool,
    /// `--input-format`: skip detection.
    pub format: Option<Format>,
    /// `--mapping`: read every input through this field mapping instead of detecting.
    pub mapping: Option<std::sync::Arc<mapping::Mapping>>,
    /// The time given to calls whose log has none (Anthropic and Gemini responses):
    /// `--price-as-of`, or the run's start, so they get the newest prices (epoch ms).
    pub untimed_at: i64,
}

/// The plan plus an optional progress callback (bytes read), passed to every reader.
pub struct RunContext<'p> {
    pub plan: &'p IngestPlan,
    pub on_progress: Option<&'p (dyn Fn(u64) + Sync)>,
    /// Canonical fields worth parsing; the rest are skipped unread.
    wanted: [bool; Field::COUNT],
}

impl<'p> RunContext<'p> {
    pub fn new(plan: &'p IngestPlan, on_progress: Option<&'p (dyn Fn(u64) + Sync)>) -> Self {
        let mut wanted = [true; Field::COUNT];
        wanted[Field::RequestId as usize] = false;
        for col in StrCol::ALL {
            // Status and error type decide whether a call failed, kept as a column or not.
            let decides_outcome = matches!(col, StrCol::Status | StrCol::ErrorType);
            if !plan.keep[col as usize] && !decides_outcome {
                wanted[col.field() as usize] = false;
            }
        }
        RunContext { plan, on_progress, wanted }
    }

    pub fn wanted(&self) -> &[bool; Field::COUNT] {
        &self.wanted
    }

    pub fn progress(&self, bytes: u64) {
        if let Some(f) = self.on_progress {
            f(bytes);
        }
    }
}

/// Input formats: the canonical record as JSONL or CSV, and native log dialects
/// (`llmcost formats` lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Canonical call records, one JSON object per line.
    Jsonl,
    /// Canonical call records, CSV with a header row.
    Csv,
    /// Claude Code session files (~/.claude/projects/**/*.jsonl).
    ClaudeCode,
    /// Codex CLI rollout files (~/.codex/sessions/**/*.jsonl).
    Codex,
    /// OpenAI Chat Completions / Responses objects, or Batch API output lines.
    Openai,
    /// Anthropic Messages responses, or Message Batches results.
    Anthropic,
    /// Gemini generateContent responses (usageMetadata).
    Gemini,
    /// LiteLLM StandardLoggingPayload lines and SpendLogs JSON rows.
    Litellm,
    /// OpenTelemetry GenAI spans as OTLP JSON.
    Otel,
    /// Langfuse observations (API pages or exports; generations are the calls).
    Langfuse,
    /// Helicone request exports (API pages or lines).
    Helicone,
    /// OpenAI Usage API buckets (pre-aggregated; priced, kept out of per-call analyses).
    OpenaiUsage,
    /// Anthropic usage_report buckets (pre-aggregated; priced, kept out of per-call analyses).
    AnthropicUsage,
}

/// Lines seen: `read` = `accepted` + `rejected` + `skipped` + `duplicates`; blank lines are
/// counted apart. `skipped` and `duplicates` only occur in native logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineCounts {
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub blank: u64,
    /// Lines of a native log that hold no call (a user message, a progress event).
    pub skipped: u64,
    /// Lines repeating a call already counted (Claude Code writes one call as several lines).
    pub duplicates: u64,
}

/// One rejected line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub field: Option<&'static str>,
    pub reason: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(field) = self.field {
            write!(f, "field {field}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// Calls and the account of the lines they came from.
pub struct Batch {
    pub calls: Calls,
    pub lines: LineCounts,
    /// The first `REJECTS_KEPT` rejects, in input order.
    pub rejects: Vec<Reject>,
    /// Calls whose log carries no time (dated `IngestPlan::untimed_at`).
    pub untimed: u64,
}

impl Batch {
    pub fn new(plan: &IngestPlan) -> Self {
        Batch {
            calls: Calls::new(plan.keep, plan.extras.len()),
            lines: LineCounts::default(),
            rejects: Vec::new(),
            untimed: 0,
        }
    }

    /// Normalises `raw` and keeps it, or rejects it.
    pub fn record(&mut self, raw: &RawRecord<'_>, file: &str, line: u64, ctx: &RunContext) {
        if self.push(raw, file, line, ctx).is_some() {
            self.lines.read += 1;
            self.lines.accepted += 1;
        }
    }

    /// Normalises and keeps one call without counting its line (a native line may hold
    /// several calls); rejects count the line. Returns the call's tokens when kept.
    pub fn push(&mut self, raw: &RawRecord<'_>, file: &str, line: u64, ctx: &RunContext) -> Option<Tokens> {
        match normalize(raw, &ctx.plan.keep) {
            Ok(call) => {
                self.calls.push(&call, &raw.extras);
                Some(call.tokens)
            }
            Err(invalid) => {
                self.reject(file, line, invalid.field, invalid.reason);
                None
            }
        }
    }

    pub fn reject(&mut self, file: &str, line: u64, field: Option<&'static str>, reason: String) {
        self.lines.read += 1;
        self.lines.rejected += 1;
        if self.rejects.len() < REJECTS_KEPT {
            self.rejects.push(Reject { file: file.to_string(), line, field, reason });
        }
    }

    /// Appends a batch read later; its reject line numbers are shifted by `line_offset`.
    pub(crate) fn append(&mut self, other: Batch, line_offset: u64) {
        self.calls.append(other.calls);
        self.lines.read += other.lines.read;
        self.lines.accepted += other.lines.accepted;
        self.lines.rejected += other.lines.rejected;
        self.lines.blank += other.lines.blank;
        self.lines.skipped += other.lines.skipped;
        self.lines.duplicates += other.lines.duplicates;
        self.untimed += other.untimed;
        let room = REJECTS_KEPT.saturating_sub(self.rejects.len());
        self.rejects.extend(other.rejects.into_iter().take(room).map(|mut r| {
            r.line += line_offset;
            r
        }));
    }
}

/// Reads every source into one `Batch`, in the order given.
pub fn ingest(sources: &[Source], ctx: &RunContext) -> Result<Batch> {
    let mut all = Batch::new(ctx.plan);
    let mut seen = native::Seen::default();
    for source in sources {
        let name = source.name();
        let hint = match source {
            Source::File(p) => source::format_from_name(p),
            Source::Stdin => None,
        };
        let before = all.lines.rejected;
        read_source(Input::open(source)?, hint, &name, ctx, &mut seen, &mut all)?;
        check_strict(ctx, &all, before)?;
    }
    Ok(all)
}

/// Reads one opened source: a whole JSON document, or lines and rows.
fn read_source(
    mut input: Input,
    hint: Option<Format>,
    name: &str,
    ctx: &RunContext,
    seen: &mut native::Seen,
    all: &mut Batch,
) -> Result<()> {
    let csv =
        hint == Some(Format::Csv) || ctx.plan.mapping.as_ref().is_some_and(|m| m.format == Some(Format::Csv));
    let head = input.head().with_context(|| format!("reading {name}"))?;
    if csv || !document::looks_like_document(head) {
        return read_lines(input, hint, name, ctx, seen, all);
    }
    let text = input.into_bytes().with_context(|| format!("reading {name}"))?;
    match document::parse(text) {
        Ok(doc) => read_document(&doc, name, ctx, seen, all),
        // JSON lines with a broken first line: read line by line so each bad line is reported.
        Err(e) if !document::opens_array(&e.text) && document::has_json_lines(&e.text) => {
            read_lines(Input::from_bytes(e.text), hint, name, ctx, seen, all)
        }
        Err(e) => bail!("{name}: {}", e.reason),
    }
}

/// Reads a file line by line (JSONL, a native dialect) or row by row (CSV).
fn read_lines(
    mut input: Input,
    hint: Option<Format>,
    name: &str,
    ctx: &RunContext,
    seen: &mut native::Seen,
    all: &mut Batch,
) -> Result<()> {
    if let Some(m) = &ctx.plan.mapping {
        let parser = Box::new(mapping::Parser(m.clone()));
        return match m.format.or(hint) {
            Some(Format::Csv) => native::read_csv(input, parser, name, ctx, seen, all),
            _ => native::read(input, parser, name, ctx, seen, all),
        }
        .with_context(|| format!("reading {name} with mapping {}", m.name));
    }
    let format = match ctx.plan.format {
        Some(f) => f,
        None => detect::detect(input.head().with_context(|| format!("reading {name}"))?, hint)
            .with_context(|| format!("{name}: unknown log format"))?,
    };
    match format {
        Format::Jsonl => jsonl::read(input, name, ctx, all),
        Format::Csv => csv::read(input, name, ctx, all),
        dialect => native::read(input, native::parser_for(dialect), name, ctx, seen, all),
    }
    .with_context(|| format!("reading {name}"))
}

/// Reads the items of a JSON document, each counted like a line.
fn read_document(
    doc: &document::Document,
    name: &str,
    ctx: &RunContext,
    seen: &mut native::Seen,
    all: &mut Batch,
) -> Result<()> {
    if doc.items.is_empty() {
        return Ok(()); // `[]`, or a page of a quiet period: nothing to read
    }
    if let Some(m) = &ctx.plan.mapping {
        native::read_document(doc, Box::new(mapping::Parser(m.clone())), name, ctx, seen, all);
        return Ok(());
    }
    let format = match ctx.plan.format {
        Some(f) => f,
        None => {
            let head: Vec<serde_json::Value> =
                doc.items.iter().take(detect::SNIFF_LINES).filter_map(|i| doc.value_of(i).ok()).collect();
            detect::detect_records(&head).with_context(|| format!("{name}: unknown log format"))?
        }
    };
    match format {
        Format::Jsonl => read_canonical_items(doc, name, ctx, all),
        Format::Csv => bail!("{name}: a JSON document, not CSV"),
        dialect => native::read_document(doc, native::parser_for(dialect), name, ctx, seen, all),
    }
    Ok(())
}

/// Canonical records given as a JSON array.
fn read_canonical_items(doc: &document::Document, name: &str, ctx: &RunContext, all: &mut Batch) {
    let mut raw = RawRecord::new(ctx.plan.extras.len());
    for item in &doc.items {
        ctx.progress(item.span.len() as u64);
        match jsonl::parse_line(doc.text_of(item), &ctx.plan.extras, ctx.wanted(), &mut raw) {
            Ok(()) => all.record(&raw, name, item.line, ctx),
            Err(reason) => all.reject(name, item.line, None, reason),
        }
    }
}

fn check_strict(ctx: &RunContext, all: &Batch, rejected_before: u64) -> Result<()> {
    if ctx.plan.strict && all.lines.rejected > rejected_before {
        let first = all
            .rejects
            .get(rejected_before as usize)
            .map_or_else(|| "a line was rejected".to_string(), |r| r.to_string());
        bail!("{first} (--strict stops at the first rejected line)");
    }
    Ok(())
}
