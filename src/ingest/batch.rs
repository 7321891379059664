//! What reading produces: a `Batch` of calls with the account of the lines they came from
//! (`LineCounts`) and the first rejects with their reasons. Every reader fills one; a run's
//! batches are appended in input order.

use serde::Serialize;

use super::plan::{IngestPlan, RunContext};
use super::record::RawRecord;
use crate::calls::Calls;
use crate::calls::Tokens;
use crate::ingest::normalize::normalize;

/// Rejects kept with their details; the rest are counted.
pub const REJECTS_KEPT: usize = 100;

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
    /// Calls whose Anthropic usage gave a cache-write total contradicting its 5m/1h breakdown
    /// (the breakdown was used).
    pub write_split_contradictions: u64,
    /// Calls whose audio or image counts exceeded their totals (capped at them).
    pub modalities_capped: u64,
    /// Parquet partitions and row groups left unread as outside the run's window.
    pub pruned: Pruned,
}

impl Batch {
    pub fn new(plan: &IngestPlan) -> Self {
        Batch {
            calls: Calls::new(plan.keep, plan.extras.len()),
            lines: LineCounts::default(),
            rejects: Vec::new(),
            untimed: 0,
            write_split_contradictions: 0,
            modalities_capped: 0,
            pruned: Pruned::default(),
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
        self.write_split_contradictions += other.write_split_contradictions;
        self.modalities_capped += other.modalities_capped;
        self.pruned.add(other.pruned);
        let room = REJECTS_KEPT.saturating_sub(self.rejects.len());
        self.rejects.extend(other.rejects.into_iter().take(room).map(|mut r| {
            r.line += line_offset;
            r
        }));
    }
}

/// What reading left unread because it could hold no selected call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Hive partition files not opened.
    pub files: u64,
    /// Row groups whose statistics lie outside the window, and their rows.
    pub row_groups: u64,
    pub rows: u64,
}

impl Pruned {
    pub fn add(&mut self, other: Pruned) {
        self.files += other.files;
        self.row_groups += other.row_groups;
        self.rows += other.rows;
    }
}
