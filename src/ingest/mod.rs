//! Ingest: turns the inputs named on the command line (files, directories, globs, `-` for
//! stdin; gzip detected by magic bytes) into `Calls`, accounting for every line: each is
//! accepted, rejected with file, line, field and reason, counted as blank, or (in a native
//! log such as a Claude Code session) skipped as holding no call or as repeating one.
//!
//! Each file's format is detected from its name and first lines (`detect`), then read
//! (`reader`): canonical JSONL in parallel blocks (`jsonl`), CSV (`csv`), Parquet row group
//! by row group (`parquet`, with Hive `partition` values), or a native dialect line by line
//! through its parser. The dialects, one file each, and the one list
//! of them are in `formats`.

pub mod batch;
pub mod csv;
pub mod csv_rows;
pub mod detect;
pub mod dialect;
pub mod document;
pub mod formats;
pub mod jsonl;
pub mod limits;
pub mod lines;
pub mod mapping;
pub mod normalize;
pub mod parquet;
pub mod partition;
pub mod plan;
pub mod prune;
pub mod reader;
pub mod record;
pub mod scan;
pub mod skim;
pub mod source;
pub mod usage;

use anyhow::Result;
use rayon::prelude::*;

use reader::Reader;

pub use batch::{Batch, LineCounts, Reject, REJECTS_KEPT};
pub use formats::Format;
pub use plan::{IngestPlan, RunContext};
pub use source::{expand, Source};

/// Reads every source into one `Batch`, in the order given. Small files of native lines are
/// parsed ahead on all cores, a group at a time, then accounted for in order, so every
/// figure is what reading them one by one gives (a call repeated in a later file is still
/// the repeat; dictionary ids are handed out in the same order).
pub fn ingest(sources: &[Source], ctx: &RunContext) -> Result<Batch> {
    let mut reader = Reader::new(ctx);
    for group in groups(sources) {
        let parsed: Vec<Option<Vec<lines::Parsed>>> = if group.len() > 1 {
            group.par_iter().map(|s| reader::parse_ahead(s, ctx)).collect()
        } else {
            vec![None]
        };
        for (source, parsed) in group.iter().zip(parsed) {
            match parsed {
                Some(parsed) => reader.read_parsed(source, parsed)?,
                None => reader.read(source)?,
            }
        }
    }
    Ok(reader.finish())
}

/// Bytes of files parsed ahead at once: what their parsed records may hold in memory.
const AHEAD_BYTES: u64 = 32 << 20;

/// Consecutive sources in groups: small plain files together up to `AHEAD_BYTES`; a larger,
/// gzipped or standard-input source alone, read as a stream.
fn groups(sources: &[Source]) -> Vec<&[Source]> {
    let small = |s: &Source| match s {
        Source::File(p) => {
            std::fs::metadata(p).ok().map(|m| m.len()).filter(|&n| n <= AHEAD_BYTES && !source::is_gzip(s))
        }
        Source::Stdin => None,
    };
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, s) in sources.iter().enumerate() {
        let size = small(s);
        // The open group closes when this source does not fit in it.
        if start < i && size.is_none_or(|n| bytes + n > AHEAD_BYTES) {
            groups.push(&sources[start..i]);
            (start, bytes) = (i, 0);
        }
        match size {
            Some(n) => bytes += n,
            None => {
                groups.push(&sources[i..=i]);
                (start, bytes) = (i + 1, 0);
            }
        }
    }
    if start < sources.len() {
        groups.push(&sources[start..]);
    }
    groups
}
