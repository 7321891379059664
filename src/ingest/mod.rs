//! Ingest: turns the inputs named on the command line (files, directories, globs, `-` for
//! stdin; gzip detected by magic bytes) into `Calls`, accounting for every line: each is
//! accepted, rejected with file, line, field and reason, or counted as blank.
//!
//! JSONL is read in blocks; each block is cut at line ends into chunks that rayon parses in
//! parallel, each into its own small `Calls`, appended in input order. Memory holds one block
//! of text at a time plus the columns kept, never the whole file.

pub mod csv;
pub mod jsonl;
pub mod record;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::calls::Calls;
use crate::normalize::{normalize, StrCol};
use record::{Field, RawRecord};

/// Text read per block; chunks within a block are parsed in parallel.
const BLOCK_BYTES: u64 = 32 << 20;
const CHUNK_BYTES: usize = 512 << 10;
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

/// Lines seen: `read` = `accepted` + `rejected`; blank lines are counted apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineCounts {
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub blank: u64,
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
}

impl Batch {
    pub fn new(plan: &IngestPlan) -> Self {
        Batch { calls: Calls::new(plan.keep, plan.extras.len()), lines: LineCounts::default(), rejects: Vec::new() }
    }

    /// Normalises `raw` and keeps it, or rejects it.
    pub fn record(&mut self, raw: &RawRecord<'_>, file: &str, line: u64, ctx: &RunContext) {
        match normalize(raw, &ctx.plan.keep) {
            Ok(call) => {
                self.calls.push(&call, &raw.extras);
                self.lines.read += 1;
                self.lines.accepted += 1;
            }
            Err(invalid) => self.reject(file, line, invalid.field, invalid.reason),
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
    fn append(&mut self, other: Batch, line_offset: u64) {
        self.calls.append(other.calls);
        self.lines.read += other.lines.read;
        self.lines.accepted += other.lines.accepted;
        self.lines.rejected += other.lines.rejected;
        self.lines.blank += other.lines.blank;
        let room = REJECTS_KEPT.saturating_sub(self.rejects.len());
        self.rejects.extend(other.rejects.into_iter().take(room).map(|mut r| {
            r.line += line_offset;
            r
        }));
    }
}

/// An input named on the command line, after expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// Expands inputs: `-` is stdin, directories are walked for log files, and a name that is not
/// a file is tried as a glob pattern.
pub fn expand(inputs: &[String]) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if input == "-" {
            sources.push(Source::Stdin);
        } else if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            if files.is_empty() {
                bail!("{input}: directory holds no *.jsonl, *.ndjson or *.csv files (or their .gz)");
            }
            sources.extend(files.into_iter().map(Source::File));
        } else if path.exists() {
            sources.push(Source::File(path.to_path_buf()));
        } else {
            let matches: Vec<PathBuf> = glob::glob(input)
                .map(|paths| paths.filter_map(Result::ok).filter(|p| p.is_file()).collect())
                .unwrap_or_default();
            if matches.is_empty() {
                bail!("{input}: no such file or directory");
            }
            sources.extend(matches.into_iter().map(Source::File));
        }
    }
    Ok(sources)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading directory {}", dir.display()))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if format_from_name(&path).is_some() {
            out.push(path);
        }
    }
    Ok(())
}

/// The format a file name promises, looking through a `.gz` suffix.
fn format_from_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    match name.rsplit_once('.')?.1 {
        "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// Reads every source into one `Batch`, in the order given.
pub fn ingest(sources: &[Source], ctx: &RunContext) -> Result<Batch> {
    let mut all = Batch::new(ctx.plan);
    for source in sources {
        let name = source.name();
        let before = all.lines.rejected;
        if let Some(map) = mappable_jsonl(source, ctx.plan.format)? {
            read_jsonl_mapped(&map, &name, ctx, &mut all);
            check_strict(ctx, &all, before)?;
            continue;
        }
        let reader = open(source)?;
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let format = match ctx.plan.format.or_else(|| match source {
            Source::File(p) => format_from_name(p),
            Source::Stdin => None,
        }) {
            Some(f) => f,
            None => sniff(&mut reader).with_context(|| format!("{name}: reading"))?,
        };
        match format {
            Format::Jsonl => read_jsonl(reader, &name, ctx, &mut all),
            Format::Csv => csv::read(reader, &name, ctx, &mut all),
        }
        .with_context(|| format!("reading {name}"))?;
        check_strict(ctx, &all, before)?;
    }
    Ok(all)
}

fn check_strict(ctx: &RunContext, all: &Batch, rejected_before: u64) -> Result<()> {
    if ctx.plan.strict && all.lines.rejected > rejected_before {
        let first = all.rejects.get(rejected_before as usize).map_or_else(|| "a line was rejected".to_string(), |r| r.to_string());
        bail!("{first} (--strict stops at the first rejected line)");
    }
    Ok(())
}

/// A plain (not gzipped) JSONL file, memory-mapped: parsed in place with no copy, and page
/// faults spread over the parsing threads.
fn mappable_jsonl(source: &Source, forced: Option<Format>) -> Result<Option<memmap2::Mmap>> {
    let Source::File(path) = source else { return Ok(None) };
    if forced.or_else(|| format_from_name(path)) == Some(Format::Csv) {
        return Ok(None);
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len < 2 || !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    // SAFETY: the map is read-only; like ripgrep, we accept that a file truncated by another
    // process while we read it may fault. Logs being read are not rewritten in place.
    let map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("mapping {}", path.display()))?;
    let gzip = map.starts_with(&[0x1f, 0x8b]);
    let jsonl = forced == Some(Format::Jsonl) || format_from_name(path) == Some(Format::Jsonl) || {
        let mut head = &map[..map.len().min(4096)];
        sniff(&mut head).is_ok_and(|f| f == Format::Jsonl)
    };
    Ok((!gzip && jsonl).then_some(map))
}

fn read_jsonl_mapped(map: &memmap2::Mmap, file: &str, ctx: &RunContext, out: &mut Batch) {
    let _ = map.advise(memmap2::Advice::Sequential);
    let data: &[u8] = map;
    let mut start = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut lines_before = 0u64;
    let mut released = 0usize;
    while start < data.len() {
        let cut = (start + BLOCK_BYTES as usize).min(data.len());
        let end = memchr::memchr(b'\n', &data[cut..]).map_or(data.len(), |i| cut + i + 1);
        lines_before += parse_block(&data[start..end], lines_before, file, ctx, out);
        ctx.progress((end - start) as u64);
        release_pages(map, &mut released, end);
        start = end;
    }
}

/// Drops the mapped pages already parsed from our resident set, so memory stays one block
/// deep whatever the file size (the page cache keeps them; nothing is lost).
fn release_pages(map: &memmap2::Mmap, released: &mut usize, upto: usize) {
    const PAGE: usize = 4096;
    let end = upto / PAGE * PAGE;
    if end > *released {
        // SAFETY: the pages are never read again; DONTNEED on a read-only file mapping only
        // unmaps them, and a later access would reload them from the file.
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, *released, end - *released) };
        *released = end;
    }
}

/// Opens a source, unwrapping gzip when the first bytes say so.
fn open(source: &Source) -> Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = match source {
        Source::Stdin => Box::new(std::io::stdin()),
        Source::File(p) => Box::new(File::open(p).with_context(|| format!("opening {}", p.display()))?),
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let head = buffered.fill_buf().with_context(|| format!("reading {}", source.name()))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// JSONL when the first non-blank byte opens an object, CSV otherwise.
fn sniff(reader: &mut impl BufRead) -> std::io::Result<Format> {
    let head = reader.fill_buf()?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    Ok(if first == Some(&b'{') { Format::Jsonl } else { Format::Csv })
}

fn read_jsonl(mut reader: impl Read, file: &str, ctx: &RunContext, out: &mut Batch) -> Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK_BYTES as usize + (1 << 20));
    let mut carry: Vec<u8> = Vec::new();
    let mut lines_before = 0u64;
    let mut first_block = true;
    loop {
        buf.clear();
        buf.append(&mut carry);
        let got = (&mut reader).take(BLOCK_BYTES).read_to_end(&mut buf)?;
        let eof = got == 0 || (got as u64) < BLOCK_BYTES;
        let end = if eof { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        carry.extend_from_slice(&buf[end..]);
        let mut block = &buf[..end];
        if first_block {
            block = block.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(block);
            first_block = false;
        }
        lines_before += parse_block(block, lines_before, file, ctx, out);
        ctx.progress(end as u64);
        if eof {
            return Ok(());
        }
    }
}

/// Parses one block in parallel chunks; returns the number of lines in it.
fn parse_block(block: &[u8], lines_before: u64, file: &str, ctx: &RunContext, out: &mut Batch) -> u64 {
    let chunks = split_at_lines(block, CHUNK_BYTES);
    let parsed: Vec<(Batch, u64)> = chunks.par_iter().map(|c| parse_chunk(c, file, ctx)).collect();
    let mut offset = lines_before;
    for (batch, lines) in parsed {
        out.append(batch, offset);
        offset += lines;
    }
    offset - lines_before
}

/// Cuts `block` into pieces of about `size` bytes, each ending at a line end.
fn split_at_lines(block: &[u8], size: usize) -> Vec<&[u8]> {
    let mut chunks = Vec::with_capacity(block.len() / size + 1);
    let mut rest = block;
    while rest.len() > size {
        let cut = memchr::memchr(b'\n', &rest[size..]).map_or(rest.len(), |i| size + i + 1);
        let (head, tail) = rest.split_at(cut);
        chunks.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        chunks.push(rest);
    }
    chunks
}

/// Parses the lines of one chunk; reject line numbers are relative to the chunk (1-based).
fn parse_chunk(chunk: &[u8], file: &str, ctx: &RunContext) -> (Batch, u64) {
    let mut batch = Batch::new(ctx.plan);
    batch.calls.reserve(chunk.len() / 256);
    let mut raw = RawRecord::new(ctx.plan.extras.len());
    let mut line_no = 0u64;
    let mut start = 0usize;
    let ends = memchr::memchr_iter(b'\n', chunk).chain((!chunk.ends_with(b"\n") && !chunk.is_empty()).then_some(chunk.len()));
    for end in ends {
        line_no += 1;
        let line = &chunk[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            batch.lines.blank += 1;
            continue;
        }
        match jsonl::parse_line(line, &ctx.plan.extras, ctx.wanted(), &mut raw) {
            Ok(()) => batch.record(&raw, file, line_no, ctx),
            Err(reason) => batch.reject(file, line_no, None, reason),
        }
    }
    (batch, line_no)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> IngestPlan {
        IngestPlan { extras: vec![], keep: [true; StrCol::COUNT], strict: false, format: None }
    }

    #[test]
    fn chunks_end_at_line_ends_and_cover_everything() {
        let text = b"aaaa\nbb\ncccccc\nd\n";
        let chunks = split_at_lines(text, 3);
        assert!(chunks.iter().all(|c| c.ends_with(b"\n")));
        assert_eq!(chunks.concat(), text.to_vec());
    }

    #[test]
    fn chunk_counts_lines_and_blanks() {
        let p = plan();
        let ctx = RunContext::new(&p, None);
        let text = b"{\"timestamp\":1,\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":1}\n\n  \nnot json\n";
        let (batch, lines) = parse_chunk(text, "f", &ctx);
        assert_eq!(lines, 4);
        assert_eq!(batch.lines, LineCounts { read: 2, accepted: 1, rejected: 1, blank: 2 });
        assert_eq!(batch.rejects[0].line, 4);
    }

    #[test]
    fn a_bad_utf8_line_is_rejected_alone() {
        let p = plan();
        let ctx = RunContext::new(&p, None);
        let good = b"{\"timestamp\":1,\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":1}\n";
        let mut text = good.to_vec();
        text.extend_from_slice(b"{\"timestamp\":1,\"model\":\"m\xff\",\"input_tokens\":1,\"output_tokens\":1}\r\n");
        text.extend_from_slice(good);
        let (batch, lines) = parse_chunk(&text, "f", &ctx);
        assert_eq!(lines, 3);
        assert_eq!(batch.lines, LineCounts { read: 3, accepted: 2, rejected: 1, blank: 0 });
        assert_eq!(batch.rejects[0].line, 2);
        assert!(batch.rejects[0].reason.contains("UTF-8"), "{}", batch.rejects[0].reason);
        assert!(!batch.rejects[0].reason.contains('\n'));
    }

    #[test]
    fn format_from_extension_looks_through_gz() {
        assert_eq!(format_from_name(Path::new("a/b.csv.gz")), Some(Format::Csv));
        assert_eq!(format_from_name(Path::new("x.NDJSON")), Some(Format::Jsonl));
        assert_eq!(format_from_name(Path::new("x.txt")), None);
    }
}
