//! `llmcost savings`: what each fix would have saved on the calls in the logs, lever by
//! lever and combined. Same input, filter and pricing flags as `report`; the levers' knobs
//! come from the policy file's `[savings]` and `[routes."GLOB".savings]` tables, then the flags.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::args::LogArgs;
use super::Outcome;
use crate::analyze::sections::savings::{ModelMap, SavingsOptions};
use crate::analyze::Section;
use crate::render::paint::Paint;
use crate::render::{self, Format};

const EXAMPLES: &str = "\
Examples:
  llmcost savings fixtures/sample.jsonl                        every lever, ranked, and combined
  llmcost savings logs/ --model-map 'chat.*=gpt-4o-mini'        price one route family on a cheaper model
  llmcost savings logs/ --model-map model:gpt-4o=gpt-4o-mini    or every call of a model
  llmcost savings logs/ --batchable 'nightly.*' --cache-target 0.6 --output-cap summarize=400
  llmcost savings logs/ --reprice-as-of 2025-06-01 --format json

Levers: retry_discipline, response_cache, fallback_guardrail, model_routing,
long_context_trim, output_reduction, prompt_cache, batch (the combined estimate applies
them to each call in this order), and price_versions (a what-if, apart).";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Log files, directories, globs, or - for stdin.
    #[arg(required = true, value_name = "LOGS")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub log: LogArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    /// Policy file with a [savings] table. Default: ./llmcost.toml when it exists.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Group the savings by this dimension (route by default).
    #[arg(long, value_name = "DIM", default_value = "route")]
    pub by: String,
    /// Move calls to another model: ROUTE=MODEL (route glob) or model:FROM=TO (model glob).
    /// Repeatable; the first matching rule wins. Without it, candidate routes are listed.
    #[arg(long, value_name = "ROUTE=MODEL|model:FROM=TO")]
    pub model_map: Vec<String>,
    /// Routes or features (globs) whose calls can wait for a batch API. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub batchable: Vec<String>,
    /// Prompt-cache token hit rate to reach where a route has no earlier rate of its own.
    #[arg(long, value_name = "RATE")]
    pub cache_target: Option<f64>,
    /// Cap outputs of routes matching ROUTE at N tokens (default: each route's p90). Repeatable.
    #[arg(long, value_name = "ROUTE=N")]
    pub output_cap: Vec<String>,
    /// Attempts per operation beyond this are not made [default: 3].
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,
    /// Response cache: a repeat of a prompt within this window is answered from it.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub dedup_window: String,
    /// What-if: the same calls at the prices in force on this date.
    #[arg(long, value_name = "DATE")]
    pub reprice_as_of: Option<String>,
}

/// The `[savings]` table of a policy file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySavings {
    #[serde(default)]
    model_map: Vec<String>,
    #[serde(default)]
    batchable: Vec<String>,
    cache_target: Option<f64>,
    #[serde(default)]
    output_cap: Vec<String>,
    max_attempts: Option<u32>,
    /// From `[routes."GLOB".savings] cache_target`: `GLOB=RATE`.
    #[serde(skip)]
    cache_targets: Vec<String>,
}

/// A `[routes."GLOB".savings]` table: the same knobs for the routes the glob matches.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteSavings {
    model: Option<String>,
    batchable: Option<bool>,
    output_cap: Option<u64>,
    cache_target: Option<f64>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct RouteTable {
    #[serde(default)]
    savings: Option<RouteSavings>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct PolicyFile {
    #[serde(default)]
    savings: PolicySavings,
    #[serde(default)]
    routes: std::collections::BTreeMap<String, RouteTable>,
}

impl Args {
    /// Policy file first, then flags (a flag adds rules before the file's, so it wins).
    fn savings(&self) -> Result<SavingsOptions> {
        let file = match &self.policy {
            Some(p) => Some(p.clone()),
            None => Some(PathBuf::from("llmcost.toml")).filter(|p| p.is_file()),
        };
        let policy = match &file {
            Some(p) => read_policy(p)?,
            None => PolicySavings::default(),
        };
        let maps = self.model_map.iter().chain(&policy.model_map);
        let caps = self.output_cap.iter().chain(&policy.output_cap);
        let cache_target = self.cache_target.or(policy.cache_target);
        if let Some(t) = cache_target {
            fraction(t)?;
        }
        let route_cache_targets = policy
            .cache_targets
            .iter()
            .map(|c| {
                let (route, t) = c.rsplit_once('=').expect("written as GLOB=RATE");
                Ok((glob(route)?.to_string(), fraction(t.parse()?)?))
            })
            .collect::<Result<_>>()?;
        let max_attempts = self.max_attempts.or(policy.max_attempts).unwrap_or(3);
        if max_attempts == 0 {
            bail!("--max-attempts must be at least 1");
        }
        Ok(SavingsOptions {
            model_map: maps.map(|m| model_map(m)).collect::<Result<_>>()?,
            batchable: self
                .batchable
                .iter()
                .chain(&policy.batchable)
                .map(|g| glob(g).map(str::to_string))
                .collect::<Result<_>>()?,
            cache_target,
            route_cache_targets,
            output_cap: caps.map(|c| output_cap(c)).collect::<Result<_>>()?,
            max_attempts,
            reprice_as_of: self
                .reprice_as_of
                .as_deref()
                .map(|d| crate::time::parse_date(d).context("--reprice-as-of"))
                .transpose()?,
        })
    }
}

fn read_policy(path: &Path) -> Result<PolicySavings> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // Only [savings] and [routes."GLOB".savings] are read here; the rest is the CI gate's.
    let value: toml::Value =
        toml::from_str(&text).with_context(|| format!("{}: not valid TOML", path.display()))?;
    let mut kept = toml::map::Map::new();
    if let Some(t) = value.get("savings") {
        kept.insert("savings".to_string(), t.clone());
    }
    if let Some(routes) = value.get("routes").and_then(|r| r.as_table()) {
        let only_savings: toml::map::Map<String, toml::Value> = routes
            .iter()
            .filter_map(|(glob, rules)| {
                let s = rules.get("savings")?.clone();
                Some((glob.clone(), toml::Value::Table([("savings".to_string(), s)].into_iter().collect())))
            })
            .collect();
        kept.insert("routes".to_string(), toml::Value::Table(only_savings));
    }
    let file: PolicyFile =
        toml::Value::Table(kept).try_into().with_context(|| format!("{}: [savings]", path.display()))?;
    let mut out = file.savings;
    // Route tables become route rules, after the file's own (so the first match of a glob
    // listed in [savings] still wins, as for flags before the file).
    for (glob, table) in file.routes {
        let Some(r) = table.savings else { continue };
        if let Some(m) = r.model {
            out.model_map.push(format!("{glob}={m}"));
        }
        if r.batchable == Some(true) {
            out.batchable.push(glob.clone());
        }
        if let Some(n) = r.output_cap {
            out.output_cap.push(format!("{glob}={n}"));
        }
        if let Some(t) = r.cache_target {
            out.cache_targets.push(format!("{glob}={t}"));
        }
    }
    Ok(out)
}

fn fraction(t: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&t) {
        bail!("cache target {t}: expected a fraction between 0 and 1");
    }
    Ok(t)
}

fn glob(p: &str) -> Result<&str> {
    glob::Pattern::new(p).with_context(|| format!("bad pattern {p:?}"))?;
    Ok(p)
}

/// `ROUTE=MODEL` or `model:FROM=TO`.
fn model_map(text: &str) -> Result<ModelMap> {
    let Some((key, to)) = text.rsplit_once('=') else {
        bail!("--model-map {text:?}: expected ROUTE=MODEL or model:FROM=TO");
    };
    let (on_model, pattern) = match key.strip_prefix("model:") {
        Some(m) => (true, m),
        None => (false, key),
    };
    if pattern.is_empty() || to.trim().is_empty() {
        bail!("--model-map {text:?}: expected ROUTE=MODEL or model:FROM=TO");
    }
    Ok(ModelMap { on_model, pattern: glob(pattern)?.to_string(), to: to.trim().to_string() })
}

/// `ROUTE=N`, or `N` for every route.
fn output_cap(text: &str) -> Result<(String, u64)> {
    let (route, n) = text.rsplit_once('=').unwrap_or(("*", text));
    let n: u64 =
        n.trim().parse().with_context(|| format!("--output-cap {text:?}: N must be a token count"))?;
    Ok((glob(route)?.to_string(), n))
}

pub fn run(args: Args, paint: Paint) -> Result<Outcome> {
    let mut opts =
        args.log.options(&args.inputs, &[Section::Totals, Section::Savings], &[args.by.as_str()])?;
    opts.savings = args.savings()?;
    opts.duplicate_window = args.dedup_window.clone();
    opts.top = match args.format {
        Format::Table | Format::Md => Some(10),
        Format::Json | Format::Csv => None,
    };
    let loaded = super::load_with_progress(&opts, args.log.quiet)?;
    for m in &opts.savings.model_map {
        if loaded.book.lookup(None, &m.to).is_none() {
            bail!("--model-map {}: model {:?} is not in the price tables", m.pattern, m.to);
        }
    }
    let priced = loaded.price()?;
    let mut report = loaded.report(&priced);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Csv => {
            let s = report.sections.savings.as_ref().context("savings were not computed")?;
            render::csv::savings(s, &mut out)?
        }
        Format::Json => render::renderer(args.format, paint).render(&report, &mut out)?,
        Format::Table | Format::Md => {
            // The savings are the answer here: no breakdown tables around them.
            report.breakdowns.clear();
            render::renderer(args.format, paint).render(&report, &mut out)?
        }
    }
    out.flush()?;
    Ok(Outcome::Ok)
}
