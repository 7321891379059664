//! `llmcost export`: one review pack written to a directory, one file per output format —
//! `summary.md`, CSV tables, `focus.csv`, `report.html` (SVG charts by plotters) and
//! `calls.parquet` (polars). Everything the files show is
//! computed before (`Export`); these renderers only lay it out. Files are deterministic: the
//! same input gives the same bytes, but for the generated-at line of summary.md and report.html.

pub mod charts;
pub mod csv_tables;
pub mod focus;
pub mod html;
pub mod parquet;
pub mod summary;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analyze::review::focus::FocusRow;
use crate::analyze::review::latency::LatencyRow;
use crate::analyze::review::period::{Comparison, DailyStack};
use crate::analyze::{Breakdown, Report};

/// The files `--format` can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Part {
    /// summary.md: the review as Markdown tables.
    Md,
    /// by_*.csv, cache.csv, retries.csv, fallbacks.csv, thresholds.csv, jobs.csv.
    Csv,
    /// focus.csv: FinOps FOCUS rows.
    Focus,
    /// report.html: one self-contained page with the tables and SVG charts.
    Html,
    /// calls.parquet: every call with its cost, tier, rates and flags.
    Parquet,
}

impl Part {
    pub const ALL: [Part; 5] = [Part::Md, Part::Csv, Part::Focus, Part::Html, Part::Parquet];
}

/// Everything an export shows, computed.
pub struct Export<'a> {
    /// The report with breakdowns cut to the top rows (for the Markdown and HTML tables).
    pub report: &'a Report,
    /// Full breakdowns for the CSV tables: (file stem, breakdown), e.g. ("by_model", …).
    pub tables: Vec<(String, Breakdown)>,
    /// Latency per group: ("model" | "route", rows).
    pub latency: Vec<(String, Vec<LatencyRow>)>,
    pub comparison: Option<Comparison>,
    pub focus: Vec<FocusRow>,
    /// Daily spend of the costliest models, for the stacked chart.
    pub daily: Option<DailyStack>,
    /// The calls for calls.parquet.
    pub calls: Option<parquet::CallsTable<'a>>,
    /// RFC 3339 time of the run; `None` with --no-timestamp.
    pub generated_at: Option<String>,
}

impl Export<'_> {
    /// The latency rows of `dim` (`model`, `route`).
    pub fn latency_of(&self, dim: &str) -> &[LatencyRow] {
        self.latency.iter().find(|(d, _)| d == dim).map_or(&[], |(_, rows)| rows.as_slice())
    }
}

/// Writes the chosen parts into `dir` (created if missing); returns the files written.
pub fn write_all(dir: &Path, export: &Export, parts: &[Part]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for part in parts {
        match part {
            Part::Md => files.push(("summary.md".into(), summary::render(export)?)),
            Part::Csv => files.extend(csv_tables::render(export)?),
            Part::Focus => files.push(("focus.csv".into(), focus::render(&export.focus)?)),
            Part::Html => files.push(("report.html".into(), html::render(export)?)),
            Part::Parquet => {}
        }
    }
    let mut written = Vec::new();
    if let Some(table) = export.calls.as_ref().filter(|_| parts.contains(&Part::Parquet)) {
        let path = dir.join("calls.parquet");
        replace(&path, |tmp| parquet::write(tmp, table))?;
        written.push(path);
    }
    for (name, bytes) in files {
        let path = dir.join(name);
        replace(&path, |tmp| {
            std::fs::write(tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `path` through a new file beside it, then renames it into place: a symlink planted
/// at `path` is replaced, never followed, and a reader never sees half a file.
fn replace(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    // create_new refuses an existing entry, a symlink included: nothing is written through one.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let result = write(&tmp)
        .and_then(|()| std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display())));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A float figure with a fixed number of digits, or empty.
pub fn fixed(value: Option<f64>, places: usize) -> String {
    value.map_or_else(String::new, |v| format!("{v:.places$}"))
}
