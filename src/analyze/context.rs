//! What every leak analysis reads: the priced calls, the selected rows, the grouping
//! (`--by`, route by default) and the tunable thresholds.

use rustc_hash::FxHashMap;

use super::dims::{Codes, Dim};
use super::Selection;
use crate::calls::Calls;
use crate::price::Priced;
use crate::pricing::PriceBook;

/// Knobs of the analyses; the defaults are the ones documented in the README.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Pareto: the share of cost whose smallest item set is reported (0.8).
    pub pareto_share: f64,
    /// Retries without an operation_id: same prompt_hash and route within this long after an
    /// error are one operation (60 s).
    pub retry_window_ms: i64,
    /// Storms: retries of an error less than this long after it have no backoff (2 s).
    pub storm_gap_ms: i64,
    /// Rate-limit storms: the window the provider's error share is tested in (5 min).
    pub storm_window_ms: i64,
    /// Runaway: operations with more attempts than this (5); jobs with more calls than
    /// `runaway_attempts` × their route's median calls per job.
    pub runaway_attempts: u32,
    /// Duplicates: the same prompt_hash, route and model again within this long (1 h).
    pub duplicate_window_ms: i64,
    /// Thresholds: the near-miss band just above a tier threshold, as a fraction (0.10).
    pub near_miss_band: f64,
    /// Jobs: a job costing more than this × its route's median is listed (3.0).
    pub job_outlier_factor: f64,
    /// Cache collapses: the zone of the days compared (`--tz`, UTC).
    pub zone: crate::time::Zone,
    /// The savings levers' knobs.
    pub savings: SavingsOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            zone: crate::time::Zone::Utc,
            pareto_share: 0.8,
            retry_window_ms: 60_000,
            storm_gap_ms: 2_000,
            storm_window_ms: 5 * 60_000,
            runaway_attempts: 5,
            duplicate_window_ms: crate::time::MS_PER_HOUR,
            near_miss_band: 0.10,
            job_outlier_factor: 3.0,
            savings: Default::default(),
        }
    }
}

/// The knobs of the levers (flags and the policy file's `[savings]`).
#[derive(Clone, Debug, PartialEq)]
pub struct SavingsOptions {
    /// `ROUTE=MODEL` and `model:FROM=TO` rules, globs, the first match wins.
    pub model_map: Vec<ModelMap>,
    /// Route or feature globs whose calls can wait for a batch API.
    pub batchable: Vec<String>,
    /// The prompt-cache token hit rate to reach when a route has no rate of its own to return to.
    pub cache_target: Option<f64>,
    /// `(route glob, rate)`: per-route targets (the policy's `[routes."GLOB".savings]`), which
    /// win over `cache_target`; the first match wins.
    pub route_cache_targets: Vec<(String, f64)>,
    /// `(route glob, max output tokens)`, the first match wins; unmatched routes use their p90.
    pub output_cap: Vec<(String, u64)>,
    /// Attempts of one operation beyond this many are not made.
    pub max_attempts: u32,
    /// Re-price every call at this date (epoch ms) for the `price_versions` what-if.
    pub reprice_as_of: Option<i64>,
}

impl Default for SavingsOptions {
    fn default() -> Self {
        SavingsOptions {
            model_map: Vec::new(),
            batchable: Vec::new(),
            cache_target: None,
            route_cache_targets: Vec::new(),
            output_cap: Vec::new(),
            max_attempts: 3,
            reprice_as_of: None,
        }
    }
}

/// One `--model-map` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelMap {
    /// Matches the model (`model:GLOB=…`) instead of the route.
    pub on_model: bool,
    pub pattern: String,
    pub to: String,
}

/// Every call's group under the analyses' grouping, as a dense id with a label.
pub struct Groups {
    /// The grouping's name: `route`, or `route,model` for a combined one.
    pub name: String,
    of_row: Vec<u32>,
    labels: Vec<Option<String>>,
}

impl Groups {
    pub fn new(calls: &Calls, dims: &[Dim]) -> Groups {
        let name = dims.iter().map(Dim::name).collect::<Vec<_>>().join(",");
        let codes: Vec<Codes> = dims.iter().map(|d| d.codes(calls)).collect();
        if let [single] = codes.as_slice() {
            let of_row = (0..calls.len()).map(|r| single.code(r)).collect();
            let labels = (0..single.cardinality() as u32).map(|c| single.label(c)).collect();
            return Groups { name, of_row, labels };
        }
        let mut ids: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut labels = Vec::new();
        let of_row = (0..calls.len())
            .map(|r| {
                let key: Vec<u32> = codes.iter().map(|c| c.code(r)).collect();
                *ids.entry(key).or_insert_with_key(|key| {
                    let parts: Vec<String> = codes
                        .iter()
                        .zip(key)
                        .map(|(c, &k)| c.label(k).unwrap_or_else(|| "(none)".into()))
                        .collect();
                    labels.push(Some(parts.join(" / ")));
                    labels.len() as u32 - 1
                })
            })
            .collect();
        Groups { name, of_row, labels }
    }

    /// The group of a call.
    pub fn of(&self, row: usize) -> u32 {
        self.of_row[row]
    }

    /// A group's label; `None` when the call has no value for the grouping field.
    pub fn label(&self, group: u32) -> Option<&str> {
        self.labels.get(group as usize).and_then(|l| l.as_deref())
    }

    /// One more than the largest group id.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Group keys sort by value with "(none)" (no value) last.
pub fn key_order(a: Option<&str>, b: Option<&str>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (a, b) => a.is_none().cmp(&b.is_none()),
    }
}

/// Everything an analysis needs, borrowed.
pub struct Ctx<'a> {
    pub calls: &'a Calls,
    pub priced: &'a Priced<'a>,
    pub book: &'a PriceBook,
    pub sel: &'a Selection,
    pub groups: &'a Groups,
    pub opts: &'a Options,
}

/// Builders for unit tests of the analyses: calls from JSONL text, priced by the
/// hand-made table in `fixtures/pricing/test.toml`, grouped by route.
#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::analyze::{AnalysisPlan, Selection};
    use crate::calls::StrCol;
    use crate::ingest::jsonl::parse_line;
    use crate::ingest::normalize::normalize;
    use crate::ingest::record::{Field, RawRecord};
    use crate::price::price_all;

    /// Calls from JSON lines, every column kept; panics on a line that would be rejected.
    pub fn calls_from_jsonl(lines: &[&str]) -> Calls {
        let keep = [true; StrCol::COUNT];
        let mut calls = Calls::new(keep, 0);
        for line in lines {
            let mut raw = RawRecord::new(0);
            parse_line(line.as_bytes(), &[], &[true; Field::COUNT], &mut raw).expect("valid JSON");
            let call = normalize(&raw, &keep).unwrap_or_else(|e| panic!("{line}: {e:?}"));
            calls.push(&call, &[]);
        }
        calls
    }

    pub fn test_book() -> PriceBook {
        PriceBook::load(&["fixtures/pricing/test.toml"], false).expect("fixture price table")
    }

    /// Runs `f` on a context over `lines` (all selected, grouped by route, default options).
    pub fn with_ctx<R>(lines: &[&str], f: impl FnOnce(&Ctx) -> R) -> R {
        with_ctx_opts(lines, &Options::default(), f)
    }

    pub fn with_ctx_opts<R>(lines: &[&str], opts: &Options, f: impl FnOnce(&Ctx) -> R) -> R {
        let calls = calls_from_jsonl(lines);
        let book = test_book();
        let priced = price_all(&calls, &book, None);
        let sel = Selection::new(&calls, &AnalysisPlan::default());
        let groups = Groups::new(&calls, &[Dim::Str(StrCol::Route)]);
        f(&Ctx { calls: &calls, priced: &priced, book: &book, sel: &sel, groups: &groups, opts })
    }

    #[test]
    fn builds_a_priced_context() {
        let line = r#"{"timestamp":"2026-02-10T00:00:00Z","model":"alpha","input_tokens":1000,"output_tokens":100,"route":"chat"}"#;
        with_ctx(&[line], |ctx| {
            // 1000 × $2 + 100 × $8 = 2800 µ$ (alpha before 2026-03-01).
            assert_eq!(ctx.priced.cost[0].exact(), "0.0028");
            assert_eq!(ctx.groups.label(ctx.groups.of(0)), Some("chat"));
        });
    }
}
