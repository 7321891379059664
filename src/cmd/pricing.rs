//! `llmcost pricing list|show|check`: inspect and validate the price tables.

use std::io::Write;

use anyhow::{bail, Context, Result};
use comfy_table::Table;

use super::args::PricingArgs;
use super::Outcome;
use crate::pricing::rate::MODAL_NAMES;
use crate::pricing::{ModelPrice, PriceBook, PriceVersion, Rates};
use crate::render::escape::terminal;
use crate::render::grid::{self, Grid, Terminal};
use crate::time::parse_date;

const EXAMPLES: &str = "\
Examples:
  llmcost pricing list                                   every model, every price version
  llmcost pricing list --model 'claude*' --as-of 2025-06-01
  llmcost pricing list --provider openai --format csv
  llmcost pricing show gpt-4o-2024-08-06                 how a log's model name resolves
  llmcost pricing check --pricing my-prices.toml         validate a table (exit 2 if invalid)
  llmcost pricing diff builtin new-prices.json           what a table refresh changes
  llmcost pricing diff old.toml new.toml --log logs/     and what the logs cost under each";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = EXAMPLES)]
pub enum PricingCommand {
    /// One row per model and price version (USD per million tokens).
    List(ListArgs),
    /// Every version, tier and source of the model a name resolves to.
    Show(ShowArgs),
    /// Load the tables and report what they hold; errors name the file, model and field.
    Check(CheckArgs),
    /// Compare two table sets: models added and removed, rates changed with their dates, and
    /// with --log what the logs cost under each.
    Diff(DiffArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct DiffArgs {
    /// The old table set: a price table (llmcost TOML, LiteLLM or genai-prices JSON), a
    /// directory of them, or `builtin` for the embedded tables (`./builtin` for a file so named).
    pub old: String,
    /// The new table set, written the same way.
    pub new: String,
    /// Price these logs (files, directories, globs) under each side. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub log: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::render::pricing_diff::Format,
}

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct ListArgs {
    /// Only models whose id or an alias matches this glob (case-insensitive).
    #[arg(long, value_name = "GLOB")]
    pub model: Option<String>,
    /// Only this provider.
    #[arg(long)]
    pub provider: Option<String>,
    /// Only the version in force at this date.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    #[command(flatten)]
    pub pricing: PricingArgs,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A model name as a log would write it.
    pub model: String,
    /// Prefer this provider's entry when several providers list the name.
    #[arg(long)]
    pub provider: Option<String>,
    #[command(flatten)]
    pub pricing: PricingArgs,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub pricing: PricingArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
}

pub fn run(command: PricingCommand) -> Result<Outcome> {
    match command {
        PricingCommand::List(a) => list(a),
        PricingCommand::Show(a) => show(a),
        PricingCommand::Check(a) => check(a),
        PricingCommand::Diff(a) => diff(a),
    }
}

/// A side of `pricing diff`: the `--pricing` tables it stands for and whether they are the
/// built-in ones.
fn side(text: &str) -> Result<(Vec<std::path::PathBuf>, bool)> {
    if text == "builtin" {
        return Ok((Vec::new(), true));
    }
    let path = std::path::PathBuf::from(text);
    if !path.exists() {
        bail!("{text}: no such price table or directory (write `builtin` for the embedded tables)");
    }
    Ok((vec![path], false))
}

fn diff(args: DiffArgs) -> Result<Outcome> {
    let (old_tables, old_builtin) = side(&args.old)?;
    let (new_tables, new_builtin) = side(&args.new)?;
    let old = PriceBook::load(&old_tables, old_builtin)?;
    let new = PriceBook::load(&new_tables, new_builtin)?;
    let rates = crate::pricing::diff::diff(&old, &new);
    let (old_skipped, new_skipped) = (old.skipped.len(), new.skipped.len());
    let log = if args.log.is_empty() {
        None
    } else {
        // One read of the logs, priced by each side through the report pipeline.
        let mut opts = crate::pipeline::Options::new(args.log.clone());
        opts.pricing = old_tables;
        opts.builtin_pricing = old_builtin;
        opts.by = vec!["model".to_string()];
        opts.sections = vec![crate::analyze::Section::Totals];
        let loaded = crate::pipeline::load(&opts)?;
        let before = loaded.report(&loaded.price()?);
        let loaded = loaded.with_book(new, args.new.clone());
        let after = loaded.report(&loaded.price()?);
        Some(crate::analyze::repricing::compare(&before, &after))
    };
    let result = crate::analyze::repricing::PricingDiff {
        old: args.old,
        new: args.new,
        old_skipped,
        new_skipped,
        rates,
        log,
    };
    crate::render::pricing_diff::render(&result, args.format, &mut std::io::stdout().lock())?;
    Ok(Outcome::Ok)
}

fn load(args: &PricingArgs) -> Result<PriceBook> {
    PriceBook::load(&args.pricing, !args.no_builtin_pricing)
}

const COLUMNS: [&str; 12] = [
    "provider",
    "model",
    "from",
    "to",
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "tiers",
    "batch",
    "windows",
];

fn list(args: ListArgs) -> Result<Outcome> {
    let book = load(&args.pricing)?;
    let pattern = args
        .model
        .as_deref()
        .map(|m| glob::Pattern::new(&m.to_ascii_lowercase()))
        .transpose()
        .context("--model")?;
    let as_of = args.as_of.as_deref().map(parse_date).transpose().context("--as-of")?;
    let mut rows = Vec::new();
    for m in book.models() {
        let names_match = |p: &glob::Pattern| {
            std::iter::once(&m.id).chain(&m.aliases).any(|n| p.matches(&n.to_ascii_lowercase()))
        };
        if pattern.as_ref().is_some_and(|p| !names_match(p))
            || args.provider.as_ref().is_some_and(|p| !crate::pricing::providers::same(&m.provider, p))
        {
            continue;
        }
        for v in m.versions.iter().filter(|v| as_of.is_none_or(|t| v.covers(t))) {
            rows.push(version_row(m, v));
        }
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Table => writeln!(out, "{}", table(&COLUMNS, &rows))?,
        ListFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(COLUMNS)?;
            rows.iter().try_for_each(|r| w.write_record(r))?;
            w.flush()?;
        }
    }
    Ok(Outcome::Ok)
}

fn version_row(m: &ModelPrice, v: &PriceVersion) -> Vec<String> {
    let r = &v.base;
    let tiers: Vec<String> = v.tiers.iter().map(|t| format!(">{} {}", t.threshold, t.basis.name())).collect();
    vec![
        m.provider.clone(),
        m.id.clone(),
        date(v.from),
        date(v.to),
        r.input.to_string(),
        r.output.to_string(),
        r.cache_read.to_string(),
        r.cache_write.to_string(),
        r.cache_write_1h.to_string(),
        tiers.join(" "),
        v.batch_multiplier.to_string(),
        // The hours with other rates; `pricing show` gives their rates.
        v.windows.iter().map(|w| format!("{} UTC", w.span())).collect::<Vec<_>>().join(" "),
    ]
}

fn show(args: ShowArgs) -> Result<Outcome> {
    let book = load(&args.pricing)?;
    let Some(m) = book.lookup(args.provider.as_deref(), &args.model) else {
        bail!(
            "no price table lists {:?} (try `llmcost pricing list --model '*{}*'`)",
            args.model,
            args.model
        );
    };
    let mut out = std::io::stdout().lock();
    // Names come from table files and the command line: no control character reaches the terminal.
    if let Some(a) = book.alias_for(&args.model) {
        let (name, target, table) = (terminal(&a.name), terminal(&a.target), terminal(&a.table));
        writeln!(out, "{} is the alias {name} → {target} ({table})", terminal(&args.model))?;
    }
    writeln!(out, "{} resolves to {} ({})", terminal(&args.model), terminal(&m.id), terminal(&m.provider))?;
    if !m.aliases.is_empty() {
        writeln!(out, "aliases: {}", terminal(&m.aliases.join(", ")))?;
    }
    if !m.snapshots.is_empty() {
        // Priced by their own entries, but the same model for fallbacks and identity.
        writeln!(out, "snapshots (the same model): {}", terminal(&m.snapshots.join(", ")))?;
    }
    for v in &m.versions {
        writeln!(out, "\nin force {} → {}", date(v.from), date(v.to))?;
        let mut named = rate_rows(v, "");
        // Each time-of-day window's rates, then the hours the base rates are left with.
        for w in &v.windows {
            named.extend(rate_rows(&w.version, &format!("{} UTC: ", w.span())));
        }
        if !v.windows.is_empty() {
            writeln!(out, "base rates outside the windows; windows by the call's UTC time of day")?;
        }
        // The modality columns only where some modality has a rate of its own.
        let modal = named.iter().any(|(_, r)| r.has_modal());
        let mut header = vec!["tier", "input", "output", "cache_read", "cache_write", "cache_write_1h"];
        if modal {
            header.extend(MODAL_NAMES);
        }
        let rows: Vec<Vec<String>> = named.iter().map(|(name, r)| rates_row(name, r, modal)).collect();
        writeln!(out, "{}", table(&header, &rows))?;
        if modal {
            writeln!(out, "a modality without a rate of its own costs the text rate of its class")?;
        }
        writeln!(
            out,
            "batch multiplier: {}; source: {} (checked {})",
            v.batch_multiplier, v.source, v.checked
        )?;
        if !v.note.is_empty() {
            writeln!(out, "note: {}", v.note)?;
        }
    }
    Ok(Outcome::Ok)
}

/// The base and tier rates of `v`, each name prefixed by `prefix` (a window's hours).
fn rate_rows<'v>(v: &'v PriceVersion, prefix: &str) -> Vec<(String, &'v Rates)> {
    let mut rows = vec![(format!("{prefix}base"), &v.base)];
    rows.extend(v.tiers.iter().map(|t| (format!("{prefix}{} > {}", t.basis.name(), t.threshold), &t.rates)));
    rows
}

fn rates_row(name: &str, r: &Rates, modal: bool) -> Vec<String> {
    let mut row = vec![
        name.to_string(),
        r.input.to_string(),
        r.output.to_string(),
        r.cache_read.to_string(),
        r.cache_write.to_string(),
        r.cache_write_1h.to_string(),
    ];
    if modal {
        row.extend(r.modal().iter().map(|m| m.to_string()));
    }
    row
}

fn check(args: CheckArgs) -> Result<Outcome> {
    let book = load(&args.pricing)?;
    let versions: usize = book.models().iter().map(|m| m.versions.len()).sum();
    let mut out = std::io::stdout().lock();
    for s in &book.sources {
        writeln!(out, "ok  {}  sha256 {}", s.name, &s.sha256[..16])?;
    }
    // Whatever an imported table holds that was not imported, so nothing is dropped silently.
    for k in &book.skipped {
        writeln!(out, "skipped  {}  {}: {}", terminal(&k.table), terminal(&k.model), terminal(&k.what))?;
    }
    // Each alias with the entry its target reaches (with no provider given), to check a map.
    for a in book.aliases() {
        let entry = book.lookup(None, &a.target).map_or("-", |m| m.id.as_str());
        let (table, name, target) = (terminal(&a.table), terminal(&a.name), terminal(&a.target));
        writeln!(out, "alias  {table}  {name} → {target} ({})", terminal(entry))?;
    }
    writeln!(out, "{} models, {} price versions, hash {}", book.models().len(), versions, book.hash())?;
    if !book.skipped.is_empty() {
        writeln!(
            out,
            "{} entries or fields of imported tables were not imported (listed above)",
            book.skipped.len()
        )?;
    }
    Ok(Outcome::Ok)
}

fn date(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(|| "-".to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// The rows as a terminal table; a column is right-aligned when its first row is a number.
fn table(headers: &[&str], rows: &[Vec<String>]) -> Table {
    let mut g = Grid::new("", headers);
    g.numeric =
        (0..headers.len()).map(|i| rows.first().is_some_and(|r| r[i].parse::<f64>().is_ok())).collect();
    g.rows = rows.to_vec();
    grid::comfy(&g, Terminal::PRICING)
}
