//! A report as the gate reads it: the figures `diff`, `check` and `export --previous` use,
//! typed, each one optional (a missing section or key is "not available", never 0).
//!
//! One struct, two doors: `ReportView::of` takes a `Report` in memory (a log just priced),
//! `read_saved` deserialises a saved JSON report (`report --format json`) into the same
//! struct. Costs are read as the JSON carries them — `totals.cost_usd_exact` exactly, every
//! other cost as its nearest double — and `of` rounds the same way, so a log and the report
//! saved from it compare identical. Unknown keys are ignored (a newer report of the same
//! schema); a key of the wrong type makes the file "not a report". A test writes every
//! fixture's report as JSON and reads it back into this view, so the two doors cannot drift.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::analyze::Report;
use crate::money::Money;

/// The parts of a report the gate reads.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ReportView {
    pub schema_version: Option<u64>,
    pub pricing: Option<PricingView>,
    pub totals: Option<TotalsView>,
    #[serde(default)]
    pub unpriced: Vec<UnpricedView>,
    /// Breakdowns by name (`route`, `route,model`), as the report writes them.
    #[serde(default)]
    pub breakdowns: BTreeMap<String, Vec<RowView>>,
    pub cache: Option<Grouped<CacheRow>>,
    pub retries: Option<Retries>,
    pub fallbacks: Option<Grouped<FallbackRow>>,
    pub thresholds: Option<Thresholds>,
    pub jobs: Option<Jobs>,
    pub storms: Option<StormsView>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PricingView {
    pub hash: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct TotalsView {
    pub calls: Option<u64>,
    #[serde(default, deserialize_with = "json_money")]
    pub cost_usd: Option<Money>,
    pub cost_usd_exact: Option<String>,
    pub unpriced_calls: Option<u64>,
    pub aggregate_rows: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct UnpricedView {
    pub model: Option<String>,
    pub calls: Option<u64>,
}

/// One row of a breakdown.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct RowView {
    pub key: Option<String>,
    /// Each dimension's value, for a breakdown of several.
    pub keys: Option<Vec<Option<String>>>,
    pub calls: Option<u64>,
    pub priced_calls: Option<u64>,
    #[serde(default, deserialize_with = "json_money")]
    pub cost_usd: Option<Money>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// The row that sums the groups below a `--top` cut.
    #[serde(default)]
    pub other: bool,
}

/// A per-route section: what it is grouped by, the whole run and its rows.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Grouped<R> {
    pub group_by: Option<String>,
    /// `totals` in retries and fallbacks, `fleet` in cache.
    #[serde(alias = "fleet")]
    pub totals: Option<R>,
    pub routes: Option<Vec<R>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct CacheRow {
    pub route: Option<String>,
    pub token_hit_rate: Option<f64>,
    pub input_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct RetryRow {
    pub route: Option<String>,
    pub multiplier: Option<f64>,
    pub calls: Option<u64>,
    pub operations: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct FallbackRow {
    pub route: Option<String>,
    pub fallback_rate: Option<f64>,
    pub operations: Option<u64>,
    pub fallback_operations: Option<u64>,
}

/// The retries section: `Grouped` with the same row type for the whole run.
pub type Retries = Grouped<RetryRow>;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Thresholds {
    pub group_by: Option<String>,
    pub by_route: Option<Vec<ThresholdRow>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ThresholdRow {
    pub route: Option<String>,
    pub count: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Jobs {
    /// Jobs with a job_id in the run.
    pub jobs: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct StormsView {
    pub count: Option<u64>,
    #[serde(default, deserialize_with = "json_money")]
    pub cost_usd: Option<Money>,
}

/// A cost as a JSON report carries it: a decimal string exactly, a number through its
/// shortest decimal form (what was written), rounded to 1e-18 only when that is longer.
fn json_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Number(f64),
        Text(String),
    }
    Ok(match Option::<Amount>::deserialize(d)? {
        Some(Amount::Number(x)) => Money::from_f64(x),
        Some(Amount::Text(s)) => Money::parse(&s).ok(),
        None => None,
    })
}

/// A cost as it reads back from the report's JSON (its nearest double).
fn as_written(m: Money) -> Option<Money> {
    Money::from_f64(m.to_f64())
}

impl ReportView {
    /// The view of a report in memory, as `read_saved` would see it written out.
    pub fn of(r: &Report) -> ReportView {
        let row = |b: &crate::analyze::Row| RowView {
            key: b.key.clone(),
            keys: b.keys.clone(),
            calls: Some(b.sums.calls),
            priced_calls: Some(b.sums.priced_calls),
            cost_usd: as_written(b.sums.cost),
            input_tokens: Some(b.sums.input_tokens),
            output_tokens: Some(b.sums.output_tokens),
            other: b.other,
        };
        ReportView {
            schema_version: Some(r.schema_version.into()),
            pricing: Some(PricingView { hash: Some(r.pricing.hash.clone()) }),
            totals: Some(TotalsView {
                calls: Some(r.totals.sums.calls),
                cost_usd: as_written(r.totals.sums.cost),
                cost_usd_exact: Some(r.totals.cost_usd_exact.clone()),
                unpriced_calls: Some(r.totals.unpriced_calls),
                aggregate_rows: (r.totals.aggregate_rows > 0).then_some(r.totals.aggregate_rows),
            }),
            unpriced: r
                .unpriced
                .iter()
                .map(|u| UnpricedView { model: Some(u.model.clone()), calls: Some(u.calls) })
                .collect(),
            breakdowns: r
                .breakdowns
                .iter()
                .map(|b| (b.name.clone(), b.all_rows().map(row).collect()))
                .collect(),
            cache: r.sections.cache.as_ref().map(|c| {
                let row = |route: Option<String>, s: &crate::analyze::sections::cache::Stats| CacheRow {
                    route,
                    token_hit_rate: s.token_hit_rate,
                    input_tokens: Some(s.input_tokens),
                    cache_read_tokens: Some(s.cache_read_tokens),
                };
                Grouped {
                    group_by: Some(c.group_by.clone()),
                    totals: Some(row(None, &c.fleet)),
                    routes: Some(c.routes.iter().map(|g| row(g.route.clone(), &g.stats)).collect()),
                }
            }),
            retries: r.sections.retries.as_ref().map(|s| {
                let row =
                    |route: Option<String>, f: &crate::analyze::sections::retries::RetryFigures| RetryRow {
                        route,
                        multiplier: Some(f.multiplier),
                        calls: Some(f.calls),
                        operations: Some(f.operations),
                    };
                Grouped {
                    group_by: Some(s.group_by.clone()),
                    totals: Some(row(None, &s.totals)),
                    routes: Some(s.routes.iter().map(|g| row(g.route.clone(), &g.figures)).collect()),
                }
            }),
            fallbacks: r.sections.fallbacks.as_ref().map(|s| {
                let row =
                    |route: Option<String>, f: &crate::analyze::sections::fallbacks::FallbackFigures| {
                        FallbackRow {
                            route,
                            fallback_rate: Some(f.fallback_rate),
                            operations: Some(f.operations),
                            fallback_operations: Some(f.fallback_operations),
                        }
                    };
                Grouped {
                    group_by: Some(s.group_by.clone()),
                    totals: Some(row(None, &s.totals)),
                    routes: Some(s.routes.iter().map(|g| row(g.route.clone(), &g.figures)).collect()),
                }
            }),
            thresholds: r.sections.thresholds.as_ref().map(|t| Thresholds {
                group_by: Some(t.group_by.clone()),
                by_route: Some(
                    t.by_route
                        .iter()
                        .map(|g| ThresholdRow { route: g.route.clone(), count: Some(g.figures.count) })
                        .collect(),
                ),
            }),
            jobs: r.sections.jobs.as_ref().map(|j| Jobs { jobs: Some(j.stats.jobs) }),
            storms: r
                .sections
                .storms
                .as_ref()
                .map(|s| StormsView { count: Some(s.count), cost_usd: as_written(s.cost_usd) }),
        }
    }
}

/// A saved JSON report: a file holding one JSON object with `schema_version`. Any other
/// file (a log, even a JSON log) is `None`; only its first value is read.
pub fn read_saved(path: &Path) -> Result<Option<ReportView>> {
    if !path.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let starts_with_brace = loop {
        let buf = reader.fill_buf()?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break buf[i] == b'{',
            None if buf.is_empty() => break false,
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    if !starts_with_brace {
        return Ok(None);
    }
    // The first value whole, then what follows it: a second value makes the file JSON lines.
    let mut values = serde_json::Deserializer::from_reader(reader.by_ref()).into_iter::<Box<RawValue>>();
    let Some(Ok(first)) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Probe {
        schema_version: Option<serde::de::IgnoredAny>,
    }
    match serde_json::from_str::<Probe>(first.get()) {
        Ok(Probe { schema_version: Some(_) }) => {}
        _ => return Ok(None),
    }
    // It says it is a report: a key of the wrong type is an error, not a log to read.
    let view = serde_json::from_str(first.get())
        .with_context(|| format!("{}: not a readable llmcost JSON report", path.display()))?;
    Ok(Some(view))
}
