//! Analyze: priced calls → `Report`. This module selects the calls a report covers (time
//! window, field filters) and assembles the sections; each analysis lives in its own file and
//! returns data, never text.

pub mod context;
pub mod dims;
pub mod headline;
pub mod merge;
pub mod ops;
pub mod repeats;
pub mod repricing;
pub mod review;
pub mod sections;
pub mod select;
pub mod spend;

use rayon::prelude::*;
use serde::{Serialize, Serializer};

use crate::calls::StrCol;
use crate::calls::{Calls, FLAG_AGGREGATE, FLAG_TIER_STATED};
use crate::ingest::{LineCounts, Reject};
use crate::money::Money;
use crate::price::Priced;
use crate::pricing::{PriceBook, SourceInfo};
use crate::time::Zone;
pub use context::{Ctx, Groups, Options};
use dims::Dim;
pub use sections::{Section, Sections};
pub use select::Selection;
pub use spend::{Breakdown, Row, Sums, Totals};

/// Version of the JSON report contract documented in the README.
pub const SCHEMA_VERSION: u32 = 1;

/// A `FIELD=VALUE` or `FIELD!=VALUE` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub dim: Dim,
    pub value: String,
    pub negate: bool,
}

/// What a report covers and how it groups, resolved from the command line.
#[derive(Clone, Debug, Default)]
pub struct AnalysisPlan {
    /// Sections to compute, in report order.
    pub sections: Vec<Section>,
    /// The grouping of the leak analyses (`--by`'s first entry; route by default).
    pub group: Vec<Dim>,
    pub options: Options,
    /// Each entry is one breakdown (several dimensions = one combined breakdown).
    pub breakdowns: Vec<Vec<Dim>>,
    pub top: Option<usize>,
    /// Epoch ms, inclusive.
    pub since: Option<i64>,
    /// Epoch ms, exclusive.
    pub until: Option<i64>,
    pub filters: Vec<Filter>,
}

/// Which prices a report used: a closed month re-run with the same hash used the same prices.
#[derive(Clone, Debug, Serialize)]
pub struct PricingInfo {
    pub source: String,
    pub hash: String,
    /// Set when every call was priced at one date (`--price-as-of`).
    pub as_of: Option<String>,
    pub tables: Vec<SourceInfo>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A model the price tables do not cover (or not at the call's date), never priced at $0.
#[derive(Clone, Debug, Serialize)]
pub struct Unpriced {
    pub model: String,
    pub calls: u64,
    /// Usage-API bucket rows among them (their requests are in `calls` when counted).
    #[serde(skip_serializing_if = "is_zero")]
    pub aggregate_rows: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub reason: String,
}

/// Everything a report shows; renderers format it and compute nothing.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub generator: String,
    pub inputs: Vec<String>,
    pub pricing: PricingInfo,
    pub period: Period,
    /// `--tz`: the zone the day and hour breakdowns are counted in (`period` stays UTC).
    pub time_zone: Zone,
    pub totals: Totals,
    #[serde(serialize_with = "breakdowns_as_map")]
    pub breakdowns: Vec<Breakdown>,
    pub unpriced: Vec<Unpriced>,
    pub lines: LineCounts,
    /// Accepted calls left out by --since/--until/--filter.
    pub filtered_out: u64,
    /// The first rejected lines (all of them are counted in `lines.rejected`).
    pub rejected: Vec<Reject>,
    /// Things the reader should know (an empty extra dimension, a filter matching nothing).
    pub notes: Vec<String>,
    /// Rows a table or Markdown grid of a section shows (`--top`); JSON keeps every row.
    #[serde(skip)]
    pub display_top: Option<usize>,
    /// Cost drivers and leaks ranked by dollars, for the first screen (not in the JSON:
    /// every figure in it is a section's own).
    #[serde(skip)]
    pub headline: headline::Headline,
    /// The leak sections that were wanted.
    #[serde(flatten)]
    pub sections: Sections,
}

/// What the report is built from.
pub struct Inputs<'a> {
    pub calls: &'a Calls,
    pub priced: &'a Priced<'a>,
    pub book: &'a PriceBook,
    pub names: Vec<String>,
    pub lines: LineCounts,
    pub rejected: Vec<Reject>,
    /// Calls whose log gave no time (dated at --price-as-of or the run's start).
    pub untimed: u64,
    pub price_as_of: Option<String>,
    pub pricing_source: String,
    /// The zone of the day and hour buckets.
    pub time_zone: Zone,
}

pub fn run(input: Inputs, plan: &AnalysisPlan) -> Report {
    let sel = Selection::new(input.calls, plan);
    let wants = |s: Section| plan.sections.contains(&s);
    let breakdowns: Vec<Breakdown> = if wants(Section::Totals) {
        plan.breakdowns
            .par_iter()
            .map(|dims| spend::breakdown(input.calls, input.priced, &sel, dims, plan.top))
            .collect()
    } else {
        Vec::new()
    };
    let mut notes = notes(input.calls, plan, &breakdowns);
    if input.untimed > 0 {
        let at = input.price_as_of.as_deref().unwrap_or("the run's start (the newest prices)");
        notes.push(format!(
            "{} calls carry no time in their log; they are dated and priced as of {at}",
            input.untimed
        ));
    }
    let groups = Groups::new(input.calls, &plan.group);
    // The leak analyses look at single calls: usage-API buckets are summed above, not here.
    let calls_only = sel.calls_only(input.calls);
    if calls_only.is_some() {
        notes.extend(aggregate_notes(input.calls, input.priced, &sel));
    }
    let per_call = calls_only.as_ref().unwrap_or(&sel);
    let ctx = Ctx {
        calls: input.calls,
        priced: input.priced,
        book: input.book,
        sel: per_call,
        groups: &groups,
        opts: &plan.options,
    };
    let sections = Sections::run(&ctx, &wants);
    let headline = headline::of(&breakdowns, &sections);
    Report {
        schema_version: SCHEMA_VERSION,
        generator: format!("llmcost {}", env!("CARGO_PKG_VERSION")),
        inputs: input.names,
        pricing: PricingInfo {
            source: input.pricing_source,
            hash: input.book.hash(),
            as_of: input.price_as_of,
            tables: input.book.sources.clone(),
        },
        period: period(input.calls, &sel),
        time_zone: input.time_zone,
        totals: spend::totals(input.calls, input.priced, &sel),
        breakdowns,
        unpriced: unpriced(input.calls, input.priced, &sel, input.book),
        lines: input.lines,
        filtered_out: (input.calls.len() - sel.len()) as u64,
        rejected: input.rejected,
        notes,
        display_top: plan.top,
        headline,
        sections,
    }
}

impl Report {
    /// The default first screen: the breakdowns by model and route only (unless the caller
    /// chose its breakdowns) and only the sections that found a leak (unless the caller chose
    /// its sections). The headline was made from the whole report.
    pub fn trim_to_default(&mut self, chosen_breakdowns: bool, chosen_sections: bool) {
        if !chosen_breakdowns {
            self.breakdowns.retain(|b| b.name == "model" || b.name == "route");
        }
        if !chosen_sections {
            let found = self.headline.found.clone();
            self.sections.retain(|s| found.contains(&s));
        }
    }
}

fn period(calls: &Calls, sel: &Selection) -> Period {
    let (min, max) = sel
        .par_rows()
        .map(|r| (calls.ts_ms[r], calls.ts_ms[r]))
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if sel.is_empty() {
        Period::default()
    } else {
        Period { from: Some(crate::time::rfc3339(min)), to: Some(crate::time::rfc3339(max)) }
    }
}

fn unpriced(calls: &Calls, priced: &Priced<'_>, sel: &Selection, book: &PriceBook) -> Vec<Unpriced> {
    // As logged: the name that found no price is the one to fix.
    let model = calls.logged_model();
    let provider = calls.col(StrCol::Provider);
    let mut groups: std::collections::BTreeMap<u32, (Unpriced, usize)> = Default::default();
    for row in sel.rows().filter(|&r| !priced.is_priced(r)) {
        let entry = groups.entry(model.ids[row]).or_insert_with(|| {
            let name = model.dict.get(model.ids[row]).unwrap_or_default().to_string();
            (
                Unpriced {
                    model: name,
                    calls: 0,
                    aggregate_rows: 0,
                    input_tokens: 0,
                    output_tokens: 0,
                    reason: String::new(),
                },
                row,
            )
        });
        entry.0.calls += calls.requests(row);
        entry.0.aggregate_rows += calls.has_flag(row, FLAG_AGGREGATE) as u64;
        entry.0.input_tokens += calls.tokens.input[row];
        entry.0.output_tokens += calls.tokens.output[row];
    }
    let mut out: Vec<Unpriced> = groups
        .into_values()
        .map(|(mut u, first_row)| {
            u.reason = match book.lookup(provider.value(first_row), &u.model) {
                Some(m) => format!("{} ({}) has no price in force at the call's date", m.id, m.provider),
                None => "not in the price tables".to_string(),
            };
            u
        })
        .collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.model.cmp(&b.model)));
    out
}

/// What a reader must know about the pre-aggregated rows of a report.
fn aggregate_notes(calls: &Calls, priced: &Priced<'_>, sel: &Selection) -> Vec<String> {
    let (mut rows, mut requests, mut uncounted, mut base_only, mut cost) =
        (0u64, 0u64, 0u64, 0u64, Money::ZERO);
    for r in sel.rows().filter(|&r| calls.has_flag(r, FLAG_AGGREGATE)) {
        rows += 1;
        requests += calls.requests(r);
        uncounted += (calls.requests(r) == 0) as u64;
        let tiered = priced.version(r).is_some_and(|(_, v)| !v.tiers.is_empty());
        base_only += (tiered && !calls.has_flag(r, FLAG_TIER_STATED)) as u64;
        cost += priced.cost[r];
    }
    if rows == 0 {
        return Vec::new();
    }
    let mut notes = vec![format!(
        "{rows} rows are pre-aggregated usage (usage-API buckets: {requests} requests, ${}): in the totals and breakdowns, \
         left out of every per-call analysis",
        cost.exact()
    )];
    if uncounted > 0 {
        notes.push(format!(
            "{uncounted} aggregate rows carry no request count (Anthropic's usage report has none): their cost and tokens are \
             counted, their requests are not"
        ));
    }
    if base_only > 0 {
        notes.push(format!(
            "{base_only} aggregate rows are of models with long-context prices; their source gives no request sizes, so they \
             are priced at base rates (requests above the threshold would cost more)"
        ));
    }
    notes
}

fn notes(calls: &Calls, plan: &AnalysisPlan, breakdowns: &[Breakdown]) -> Vec<String> {
    let mut notes = Vec::new();
    for (dims, b) in plan.breakdowns.iter().zip(breakdowns) {
        for d in dims {
            if let Dim::Extra(i, name) = d {
                if calls.extras[*i].dict.is_empty() && !calls.is_empty() {
                    notes.push(format!(
                        "no record has a field named {name:?}; breakdown {:?} has one empty group",
                        b.name
                    ));
                }
            }
        }
    }
    for f in &plan.filters {
        if f.dim.codes(calls).code_of(&f.value).is_none() && !f.negate {
            notes.push(format!("filter {}={} matches no call", f.dim.name(), f.value));
        }
    }
    notes
}

/// For `skip_serializing_if` on counts that only some reports have.
pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn breakdowns_as_map<S: Serializer>(breakdowns: &[Breakdown], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(breakdowns.len()))?;
    for b in breakdowns {
        map.serialize_entry(&b.name, &b.all_rows().collect::<Vec<_>>())?;
    }
    map.end()
}
