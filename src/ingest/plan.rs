//! What a run reads and keeps (`IngestPlan`, resolved from the command line) and what every
//! reader is handed with it (`RunContext`: progress reporting, the fields worth parsing).

use std::sync::Arc;

use super::formats::Format;
use super::mapping::Mapping;
use super::record::Field;
use crate::calls::StrCol;

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
    pub mapping: Option<Arc<Mapping>>,
    /// The time given to calls whose log has none (Anthropic and Gemini responses):
    /// `--price-as-of`, or the run's start, so they get the newest prices (epoch ms).
    pub untimed_at: i64,
    /// `--max-line-bytes`: a longer line is rejected unread (`limits::DEFAULT_MAX_LINE_BYTES`).
    pub max_line_bytes: usize,
    /// What a columnar input (Parquet) may leave unread: partitions and row groups that can
    /// hold no selected call.
    pub prune: Prune,
}

/// The run's window and equality filters, for skipping Parquet partitions and row groups
/// unread. Empty (the default) skips nothing: a run that looks at calls outside its window
/// (export's previous period) leaves it empty.
#[derive(Clone, Debug, Default)]
pub struct Prune {
    /// `--since` (inclusive), epoch ms.
    pub since: Option<i64>,
    /// `--until` (exclusive), epoch ms.
    pub until: Option<i64>,
    /// `--filter FIELD=VALUE` / `FIELD!=VALUE`, by the field's name in a log (`environment`,
    /// `user_id`, or an extra field's own name).
    pub filters: Vec<(String, String, bool)>,
}

impl Prune {
    /// Whether no call between `start` and `end` (epoch ms, exclusive) can be selected.
    pub fn outside(&self, start: i64, end: i64) -> bool {
        self.since.is_some_and(|s| end <= s) || self.until.is_some_and(|u| start >= u)
    }
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
                wanted[crate::ingest::normalize::field_of(col) as usize] = false;
            }
        }
        // A field two columns read (the model: as logged and as resolved) is wanted by either.
        for col in StrCol::ALL.into_iter().filter(|&c| plan.keep[c as usize]) {
            wanted[crate::ingest::normalize::field_of(col) as usize] = true;
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
