//! Ingest: turns the inputs named on the command line (files, directories, globs, `-` for
//! stdin; gzip detected by magic bytes) into `Calls`, accounting for every line: each is
//! accepted, rejected with file, line, field and reason, counted as blank, or (in a native
//! log such as a Claude Code session) skipped as holding no call or as repeating one.
//!
//! Each file's format is detected from its name and first lines (`detect`), then read
//! (`reader`): canonical JSONL in parallel blocks (`jsonl`), CSV (`csv`), or a native
//! dialect line by line through its parser. The dialects, one file each, and the one list
//! of them are in `formats`.

pub mod batch;
pub mod csv;
pub mod detect;
pub mod dialect;
pub mod document;
pub mod formats;
pub mod jsonl;
pub mod limits;
pub mod lines;
pub mod mapping;
pub mod normalize;
pub mod plan;
pub mod reader;
pub mod record;
pub mod skim;
pub mod source;
pub mod usage;

use anyhow::Result;

use reader::Reader;

pub use batch::{Batch, LineCounts, Reject, REJECTS_KEPT};
pub use formats::Format;
pub use plan::{IngestPlan, RunContext};
pub use source::{expand, Source};

/// Reads every source into one `Batch`, in the order given.
pub fn ingest(sources: &[Source], ctx: &RunContext) -> Result<Batch> {
    let mut reader = Reader::new(ctx);
    for source in sources {
        reader.read(source)?;
    }
    Ok(reader.finish())
}
