//! Ingest: turns the inputs named on the command line (files, directories, globs, `-` for
//! stdin; gzip detected by magic bytes) into `Calls`, accounting for every line: each is
//! accepted, rejected with file, line, field and reason, counted as blank, or (in a native
//! log such as a Claude Code session) skipped as holding no call or as repeating one.
//!
//! Each file's format is detected from its name and first lines (`detect`), then read by
//! its reader: canonical JSONL in parallel blocks (`jsonl`), CSV (`csv`), or a native
//! dialect line by line (`native`, through the dialect's parser). The dialects, one file
//! each, and the one list of them are in `formats`.

pub mod batch;
pub mod csv;
pub mod detect;
pub mod dialect;
pub mod document;
pub mod formats;
pub mod jsonl;
pub mod mapping;
pub mod native;
pub mod plan;
pub mod record;
pub mod source;
pub mod usage;

use anyhow::{bail, Context, Result};

use record::RawRecord;
use source::Input;

pub use batch::{Batch, LineCounts, Reject, REJECTS_KEPT};
pub use formats::Format;
pub use plan::{IngestPlan, RunContext};
pub use source::{expand, Source};

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
        dialect => native::read(input, formats::parser(dialect), name, ctx, seen, all),
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
                doc.items.iter().take(document::SNIFF_LINES).filter_map(|i| doc.value_of(i).ok()).collect();
            detect::detect_records(&head).with_context(|| format!("{name}: unknown log format"))?
        }
    };
    match format {
        Format::Jsonl => read_canonical_items(doc, name, ctx, all),
        Format::Csv => bail!("{name}: a JSON document, not CSV"),
        dialect => native::read_document(doc, formats::parser(dialect), name, ctx, seen, all),
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
