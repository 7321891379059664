//! The pipeline every subcommand runs: plain `Options` (no clap) are resolved into a
//! validated plan, then the logs are read, every call priced and the report assembled:
//!
//! ```text
//! Options ─resolve→ Plan ─load→ Loaded (calls + price book) ─price→ Priced ─report→ Report
//! ```
//!
//! `cmd/*` parse their flags into `Options` and call these steps; nothing here prints.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::analyze::{self, dims::Dim, AnalysisPlan, Filter, Section};
use crate::calls::StrCol;
use crate::ingest::mapping::Mapping;
use crate::ingest::plan::Prune;
use crate::ingest::{self, Format as InputFormat, IngestPlan, RunContext, Source};
use crate::price;
use crate::pricing::PriceBook;
use crate::time::{duration_ms, parse_date, Zone};

/// The breakdowns of a report when `by` is empty.
pub const DEFAULT_DIMS: [&str; 7] = ["model", "provider", "route", "feature", "user", "environment", "day"];

/// What to read, how to price it and what to report: the run's settings as plain data, with
/// dates, durations and filters still as the user wrote them (`resolve` checks them).
#[derive(Clone, Debug)]
pub struct Options {
    /// Log files, directories, globs, or `-` for stdin.
    pub inputs: Vec<String>,
    /// Extra price tables, searched before the built-in ones.
    pub pricing: Vec<PathBuf>,
    pub builtin_pricing: bool,
    /// Price every call at this date instead of its own.
    pub price_as_of: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// `FIELD=VALUE` / `FIELD!=VALUE`.
    pub filters: Vec<String>,
    /// Breakdowns, each `DIM[,DIM]`; empty = `DEFAULT_DIMS`. The first groups the leak
    /// analyses (route when empty).
    pub by: Vec<String>,
    /// Sections to compute; empty = all.
    pub sections: Vec<Section>,
    /// Rows per breakdown; `None` = all.
    pub top: Option<usize>,
    pub pareto_share: f64,
    pub storm_gap: String,
    pub runaway_attempts: u32,
    pub duplicate_window: String,
    pub near_miss: f64,
    pub job_outlier: f64,
    /// The savings levers' knobs (`llmcost savings` flags and the policy's `[savings]`).
    pub savings: analyze::sections::savings::SavingsOptions,
    /// The first rejected line is an error.
    pub strict: bool,
    pub input_format: Option<InputFormat>,
    pub mapping: Option<PathBuf>,
    /// `--max-line-bytes`: longer lines are rejected unread.
    pub max_line_bytes: usize,
    /// Parquet partitions and row groups wholly outside `since`/`until`/`filters` may be left
    /// unread; off for a run that also looks at calls outside them (export's previous period).
    pub prune: bool,
    /// Read every string column of the logs, whatever the sections need (export writes
    /// them all to calls.csv/calls.parquet).
    pub every_column: bool,
    /// The run's start (epoch ms), which dates calls whose log has no time; `None` = now.
    /// Fixed by tests (and by `LLMCOST_NOW`) so such runs are reproducible.
    pub now_ms: Option<i64>,
    /// `--tz`: the zone of day and hour buckets and of bare `since`/`until` dates.
    pub tz: Zone,
}

impl Options {
    /// Settings for `inputs` with every default of `llmcost report`.
    pub fn new(inputs: Vec<String>) -> Options {
        Options {
            inputs,
            pricing: Vec::new(),
            builtin_pricing: true,
            price_as_of: None,
            since: None,
            until: None,
            filters: Vec::new(),
            by: Vec::new(),
            sections: Vec::new(),
            top: None,
            pareto_share: 0.8,
            storm_gap: "2s".into(),
            runaway_attempts: 5,
            duplicate_window: "1h".into(),
            near_miss: 0.10,
            job_outlier: 3.0,
            savings: Default::default(),
            strict: false,
            input_format: None,
            mapping: None,
            max_line_bytes: ingest::limits::DEFAULT_MAX_LINE_BYTES,
            prune: false,
            every_column: false,
            now_ms: None,
            tz: Zone::Utc,
        }
    }

    /// Where the prices come from, as the report names it.
    pub fn pricing_source(&self) -> String {
        let mut parts: Vec<String> = self.pricing.iter().map(|p| p.display().to_string()).collect();
        if self.builtin_pricing {
            parts.push("built-in tables".to_string());
        }
        parts.join(" + ")
    }
}

/// The validated plan for one run.
pub struct Plan {
    pub sources: Vec<Source>,
    /// Inputs named again (the same file twice, through a directory, glob or symlink): read once.
    read_once: Vec<String>,
    /// Log-named entries of input directories that are not regular files: skipped.
    not_regular: Vec<String>,
    ingest: IngestPlan,
    analysis: AnalysisPlan,
    price_as_of: Option<(String, i64)>,
    tz: Zone,
    pricing: Vec<PathBuf>,
    builtin_pricing: bool,
    pricing_source: String,
}

/// `--by` specs (`DIM[,DIM]`, the defaults when none) as breakdowns; a field that is no
/// canonical column is appended to `extras`.
pub fn parse_breakdowns(by: &[String], extras: &mut Vec<String>, zone: Zone) -> Result<Vec<Vec<Dim>>> {
    let specs: Vec<String> =
        if by.is_empty() { DEFAULT_DIMS.map(String::from).to_vec() } else { by.to_vec() };
    let breakdowns: Vec<Vec<Dim>> = specs
        .iter()
        .map(|spec| {
            spec.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|d| Dim::parse(d, extras, zone))
                .collect()
        })
        .collect();
    if breakdowns.iter().any(Vec::is_empty) {
        bail!("--by needs at least one dimension name");
    }
    Ok(breakdowns)
}

/// Checks the options and expands the inputs into sources.
pub fn resolve(opts: &Options) -> Result<Plan> {
    let mut extras = Vec::new();
    let breakdowns = parse_breakdowns(&opts.by, &mut extras, opts.tz)?;
    let filters =
        opts.filters.iter().map(|f| parse_filter(f, &mut extras, opts.tz)).collect::<Result<Vec<_>>>()?;
    // A bare date is midnight in --tz; prices stay dated in UTC (--price-as-of below).
    let date = |flag: &str, v: &Option<String>| {
        v.as_deref().map(|d| opts.tz.parse_date(d).with_context(|| format!("--{flag}"))).transpose()
    };
    let sections: Vec<Section> =
        if opts.sections.is_empty() { Section::ALL.to_vec() } else { opts.sections.clone() };
    let group = if opts.by.is_empty() { vec![Dim::Str(StrCol::Route)] } else { breakdowns[0].clone() };
    let mut keep = kept_columns(&breakdowns, &filters, &sections, &group);
    if opts.every_column {
        // The logged model name is not read as such: `price::resolve_models` fills it.
        keep = StrCol::ALL.map(|c| c != StrCol::LoggedModel);
    }
    let options = analyze::Options {
        pareto_share: fraction("pareto", opts.pareto_share)?,
        storm_gap_ms: duration_ms("storm-gap", &opts.storm_gap)?,
        runaway_attempts: opts.runaway_attempts,
        duplicate_window_ms: duration_ms("duplicate-window", &opts.duplicate_window)?,
        near_miss_band: fraction("near-miss", opts.near_miss)?,
        job_outlier_factor: opts.job_outlier,
        zone: opts.tz,
        savings: opts.savings.clone(),
        ..analyze::Options::default()
    };
    let price_as_of = match &opts.price_as_of {
        Some(d) => Some((d.clone(), parse_date(d).context("--price-as-of")?)),
        None => None,
    };
    let now = opts.now_ms.unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let untimed_at = price_as_of.as_ref().map_or(now, |p| p.1);
    let expansion = ingest::source::expand_once(&opts.inputs)?;
    let (since, until) = (date("since", &opts.since)?, date("until", &opts.until)?);
    let prune = match opts.prune {
        true => Prune { since, until, filters: filters.iter().filter_map(prune_filter).collect() },
        false => Prune::default(),
    };
    Ok(Plan {
        sources: expansion.sources,
        read_once: expansion.again,
        not_regular: expansion.not_regular,
        ingest: IngestPlan {
            extras,
            keep,
            strict: opts.strict,
            format: opts.input_format,
            mapping: opts.mapping.as_deref().map(Mapping::load).transpose()?,
            untimed_at,
            max_line_bytes: opts.max_line_bytes,
            prune,
        },
        analysis: AnalysisPlan { sections, group, options, breakdowns, top: opts.top, since, until, filters },
        price_as_of,
        tz: opts.tz,
        pricing: opts.pricing.clone(),
        builtin_pricing: opts.builtin_pricing,
        pricing_source: opts.pricing_source(),
    })
}

/// The string columns a run reads: model and provider always, the dimensions it breaks
/// down or filters by, and the columns of the wanted leak sections (`Section::columns`).
fn kept_columns(
    breakdowns: &[Vec<Dim>],
    filters: &[Filter],
    sections: &[Section],
    group: &[Dim],
) -> [bool; StrCol::COUNT] {
    let mut keep = [false; StrCol::COUNT];
    keep[StrCol::Model as usize] = true;
    keep[StrCol::Provider as usize] = true;
    let mut mark = |dim: &Dim| {
        if let Dim::Str(c) = dim {
            keep[*c as usize] = true;
        }
    };
    breakdowns.iter().flatten().chain(filters.iter().map(|f| &f.dim)).for_each(&mut mark);
    if sections.iter().any(|s| *s != Section::Totals) {
        group.iter().for_each(&mut mark);
    }
    for col in sections.iter().flat_map(|s| s.columns()) {
        keep[col as usize] = true;
    }
    keep
}

/// What Parquet reading left unread, outside the window or filters (so neither read nor
/// checked, and not in `filtered_out`).
fn pruned_note(p: &ingest::batch::Pruned) -> Option<String> {
    let mut parts = Vec::new();
    if p.files > 0 {
        parts.push(format!("{} Parquet partition files", p.files));
    }
    if p.row_groups > 0 {
        parts.push(format!("{} rows in {} Parquet row groups", p.rows, p.row_groups));
    }
    (!parts.is_empty()).then(|| {
        format!("{} lie wholly outside --since/--until/--filter and were not read", parts.join(" and "))
    })
}

/// A filter as the name of the log field it tests (a day or hour filter tests no field).
fn prune_filter(f: &Filter) -> Option<(String, String, bool)> {
    let field = match &f.dim {
        Dim::Str(col) => ingest::normalize::field_of(*col).name().to_string(),
        Dim::Extra(_, name) => name.clone(),
        Dim::Day(_) | Dim::Hour(_) => return None,
    };
    Some((field, f.value.clone(), f.negate))
}

pub fn fraction(flag: &str, value: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&value) || value.is_nan() {
        bail!("--{flag} {value}: expected a fraction between 0 and 1");
    }
    Ok(value)
}

/// `FIELD=VALUE` or `FIELD!=VALUE`; a FIELD that is no canonical column is appended to `extras`.
pub fn parse_filter(text: &str, extras: &mut Vec<String>, zone: Zone) -> Result<Filter> {
    let (field, value, negate) = match text.split_once("!=") {
        Some((f, v)) => (f, v, true),
        None => match text.split_once('=') {
            Some((f, v)) => (f, v, false),
            None => bail!("--filter {text:?}: expected FIELD=VALUE or FIELD!=VALUE"),
        },
    };
    Ok(Filter { dim: Dim::parse(field.trim(), extras, zone), value: value.to_string(), negate })
}

/// How much of the imported price tables was left out, per table: nothing is dropped silently.
fn skipped_note(skipped: &[crate::pricing::Skipped]) -> String {
    let mut per_table: Vec<(&str, usize)> = Vec::new();
    for k in skipped {
        match per_table.iter_mut().find(|(t, _)| *t == k.table) {
            Some((_, n)) => *n += 1,
            None => per_table.push((&k.table, 1)),
        }
    }
    let list: Vec<String> = per_table.iter().map(|(t, n)| format!("{n} in {t}")).collect();
    format!(
        "{} entries or fields of imported price tables were not imported ({}): \
         `llmcost pricing check` lists each and why",
        skipped.len(),
        list.join(", ")
    )
}

impl Plan {
    /// Loads the price tables and reads the logs; `on_progress` hears of every byte read.
    pub fn load(self, on_progress: Option<&(dyn Fn(u64) + Sync)>) -> Result<Loaded> {
        let book = PriceBook::load(&self.pricing, self.builtin_pricing)?;
        let ctx = RunContext::new(&self.ingest, on_progress);
        let mut batch = ingest::ingest(&self.sources, &ctx)?;
        price::resolve_model_names(&mut batch.calls, &book);
        Ok(Loaded { plan: self, book, batch })
    }
}

/// Resolves `opts` and loads everything, without progress.
pub fn load(opts: &Options) -> Result<Loaded> {
    resolve(opts)?.load(None)
}

/// The calls of a run and the prices they are priced with.
pub struct Loaded {
    plan: Plan,
    pub book: PriceBook,
    pub batch: ingest::Batch,
}

impl Loaded {
    /// Every call priced at its own date, or at `--price-as-of`. An error when the run's
    /// tokens or cost cannot be summed exactly (a hostile log), naming the call.
    pub fn price(&self) -> Result<price::Priced<'_>> {
        let priced =
            price::price_all(&self.batch.calls, &self.book, self.plan.price_as_of.as_ref().map(|p| p.1));
        price::check_sums(&self.batch.calls, &priced)?;
        Ok(priced)
    }

    /// The same calls under another price book (`pricing diff --log`): the logs are read once
    /// and priced by each book in turn.
    pub fn with_book(mut self, book: PriceBook, source: String) -> Loaded {
        self.book = book;
        self.plan.pricing_source = source;
        self
    }

    /// The report over the priced calls.
    pub fn report(&self, priced: &price::Priced<'_>) -> analyze::Report {
        let inputs = analyze::Inputs {
            calls: &self.batch.calls,
            priced,
            book: &self.book,
            names: self.plan.sources.iter().map(Source::name).collect(),
            lines: self.batch.lines,
            rejected: self.batch.rejects.clone(),
            untimed: self.batch.untimed,
            price_as_of: self.plan.price_as_of.as_ref().map(|p| p.0.clone()),
            pricing_source: self.plan.pricing_source.clone(),
            time_zone: self.plan.tz,
        };
        let mut report = analyze::run(inputs, &self.plan.analysis);
        let contradictions = self.batch.write_split_contradictions;
        if contradictions > 0 {
            report.notes.push(format!(
                "{contradictions} calls had a cache-write total that contradicts their 5m/1h breakdown; the \
                 breakdown was used"
            ));
        }
        let capped = self.batch.modalities_capped;
        if capped > 0 {
            report.notes.push(format!(
                "{capped} calls gave audio or image token counts above the totals they are part of; each was \
                 capped at its total (the rest priced as text)"
            ));
        }
        if !self.book.skipped.is_empty() {
            report.notes.push(skipped_note(&self.book.skipped));
        }
        report.notes.extend(pruned_note(&self.batch.pruned));
        if !self.plan.read_once.is_empty() {
            report.notes.push(format!(
                "{} inputs name a file already read (the same file twice, or again through a directory, glob or \
                 symlink); each file was read once: {}",
                self.plan.read_once.len(),
                self.plan.read_once.join(", ")
            ));
        }
        if !self.plan.not_regular.is_empty() {
            report.notes.push(format!(
                "{} entries of input directories are not regular files (a FIFO, socket or device) and were \
                 skipped, as reading one could wait forever; name one explicitly to read it: {}",
                self.plan.not_regular.len(),
                self.plan.not_regular.join(", ")
            ));
        }
        report
    }

    /// The calls the report covers (after --since, --until and --filter).
    pub fn selection(&self) -> analyze::Selection {
        analyze::Selection::new(&self.batch.calls, &self.plan.analysis)
    }

    /// The calls between `since` and `until` (epoch ms), without the run's filters.
    pub fn window(&self, since: Option<i64>, until: Option<i64>) -> analyze::Selection {
        let plan = AnalysisPlan { since, until, ..AnalysisPlan::default() };
        analyze::Selection::new(&self.batch.calls, &plan)
    }

    /// The zone the run's days and hours are counted in.
    pub fn zone(&self) -> Zone {
        self.plan.tz
    }

    /// A dimension by name, when the run kept its column (any `by` or filter field).
    pub fn dim(&self, name: &str) -> Option<Dim> {
        let mut extras = self.plan.ingest.extras.clone();
        let dim = Dim::parse(name, &mut extras, self.plan.tz);
        (extras.len() == self.plan.ingest.extras.len()).then_some(dim)
    }
}
