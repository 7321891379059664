//! `Calls` × `PriceBook` → `Priced`: the exact cost of every call under the price version in
//! force at its timestamp (or at `--price-as-of`), and within it the time-of-day window its
//! own UTC time falls in (always the call's own time, `--price-as-of` or not: an off-peak
//! call stays off-peak). A call with no price is marked unpriced, never costed at $0; why it
//! has none is kept for the report.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::calls::{Calls, FLAG_AGGREGATE, FLAG_BATCH, FLAG_CACHE_HIT, FLAG_LONG_CONTEXT};
use crate::calls::{StrCol, StrColumn, Tokens};
use crate::money::Money;
use crate::pricing::{ModelPrice, PriceBook, PriceVersion};

/// `tier` value of a call priced at base rates; tier `i` is stored as `i + 1`.
pub const BASE: u8 = 0;
/// `tier` value of a call that could not be priced.
pub const UNPRICED: u8 = u8::MAX;
const NO_VERSION: u32 = u32::MAX;

/// Per-call cost, parallel to the rows of `Calls`, with the price version each call used so
/// analyses can re-price parts of a call (at base rates, without cache, as another model).
#[derive(Debug, Default)]
pub struct Priced<'b> {
    pub cost: Vec<Money>,
    pub tier: Vec<u8>,
    /// Index into `versions`; `NO_VERSION` when unpriced.
    version: Vec<u32>,
    versions: Vec<(&'b ModelPrice, &'b PriceVersion)>,
}

impl<'b> Priced<'b> {
    pub fn is_priced(&self, row: usize) -> bool {
        self.tier[row] != UNPRICED
    }

    /// The model entry and price version a call was priced with.
    pub fn version(&self, row: usize) -> Option<(&'b ModelPrice, &'b PriceVersion)> {
        let v = self.version[row];
        (v != NO_VERSION).then(|| self.versions[v as usize])
    }

    /// The long-context tier a call fell in (`None` = base rates or unpriced).
    pub fn tier_index(&self, row: usize) -> Option<usize> {
        match self.tier[row] {
            BASE | UNPRICED => None,
            t => Some(t as usize - 1),
        }
    }
}

/// The cost of a call split by token class, batch multiplier applied to each part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Components {
    pub uncached_input: Money,
    pub cache_read: Money,
    /// 5-minute and 1-hour writes together.
    pub cache_write: Money,
    pub output: Money,
}

impl Components {
    pub fn total(&self) -> Money {
        self.uncached_input + self.cache_read + self.cache_write + self.output
    }
}

/// Prices every call. `as_of` (epoch ms) re-prices all calls at one date.
pub fn price_all<'b>(calls: &Calls, book: &'b PriceBook, as_of: Option<i64>) -> Priced<'b> {
    let (models, versions) = resolve_models(calls, book);
    let provider = &calls.col(StrCol::Provider).ids;
    let model = &calls.logged_model().ids;
    // Straight into the three columns: no intermediate vector of tuples.
    let (cost, (tier, version)): (Vec<Money>, (Vec<u8>, Vec<u32>)) = (0..calls.len())
        .into_par_iter()
        .with_min_len(4096)
        .map(|row| {
            let key = (provider.get(row).copied().unwrap_or(0), model[row]);
            let at = as_of.unwrap_or(calls.ts_ms[row]);
            let Some(Some((m, starts))) = models.get(&key) else {
                return (Money::ZERO, (UNPRICED, NO_VERSION));
            };
            let Some(pos) = m.versions.iter().position(|v| v.covers(at)) else {
                return (Money::ZERO, (UNPRICED, NO_VERSION));
            };
            // The window by the call's own time of day, even when --price-as-of picked the version.
            let window = m.versions[pos].window_at(calls.ts_ms[row]);
            let flat = starts[pos] + window.map_or(0, |w| w as u32 + 1);
            let flags = calls.flags[row];
            let (tokens, version, batch) =
                (calls.tokens.get(row), versions[flat as usize].1, flags & FLAG_BATCH != 0);
            let (cost, tier) = if flags & FLAG_AGGREGATE != 0 {
                aggregate_cost(&tokens, version, batch, flags & FLAG_LONG_CONTEXT != 0)
            } else {
                cost_of(&tokens, version, batch)
            };
            let cost = if flags & FLAG_CACHE_HIT != 0 { Money::ZERO } else { cost };
            (cost, (tier, flat))
        })
        .unzip();
    Priced { cost, tier, version, versions }
}

/// Whether every token class and the cost can be summed over all the calls without
/// overflow: then every group's sum can too. The error names the call where it would not.
pub fn check_sums(calls: &Calls, priced: &Priced<'_>) -> anyhow::Result<()> {
    let t = &calls.tokens;
    let columns: [(&str, &[u64]); 4] = [
        ("input_tokens", &t.input),
        ("output_tokens", &t.output),
        ("cache_read_tokens", &t.cache_read),
        ("cache_write_tokens", &t.cache_write),
    ];
    let name = |row: usize| {
        calls
            .logged_model()
            .value(row)
            .map_or_else(|| format!("call {}", row + 1), |m| format!("call {} ({m})", row + 1))
    };
    for (field, col) in columns {
        let mut sum = 0u64;
        for (row, &n) in col.iter().enumerate() {
            sum = sum
                .checked_add(n)
                .ok_or_else(|| anyhow::anyhow!("{}: {field} too large to sum over the run", name(row)))?;
        }
    }
    let mut sum = 0i128;
    for (row, c) in priced.cost.iter().enumerate() {
        sum = sum.checked_add(c.atto().abs()).ok_or_else(|| {
            anyhow::anyhow!("{}: the run's cost is too large to represent exactly", name(row))
        })?;
    }
    Ok(())
}

type Resolved<'b> = FxHashMap<(u32, u32), Option<(&'b ModelPrice, Vec<u32>)>>;

/// The price-table model for each distinct (provider, model) pair in the calls, with the
/// index of each of its versions in the flat list of versions, where each version is followed
/// by its time-of-day windows' versions.
fn resolve_models<'b>(
    calls: &Calls,
    book: &'b PriceBook,
) -> (Resolved<'b>, Vec<(&'b ModelPrice, &'b PriceVersion)>) {
    let provider = calls.col(StrCol::Provider);
    let model = calls.logged_model();
    let mut out: Resolved<'b> = FxHashMap::default();
    let mut versions = Vec::new();
    let mut starts_of: FxHashMap<*const ModelPrice, Vec<u32>> = FxHashMap::default();
    for row in 0..calls.len() {
        let key = (provider.ids.get(row).copied().unwrap_or(0), model.ids[row]);
        out.entry(key).or_insert_with(|| {
            let model_name = model.dict.get(key.1).unwrap_or_default();
            let m = book.lookup(provider.dict.get(key.0), model_name)?;
            let starts = starts_of.entry(m as *const _).or_insert_with(|| {
                let mut starts = Vec::with_capacity(m.versions.len());
                for v in &m.versions {
                    starts.push(versions.len() as u32);
                    versions.push((m, v));
                    versions.extend(v.windows.iter().map(|w| (m, &w.version)));
                }
                starts
            });
            Some((m, starts.clone()))
        });
    }
    (out, versions)
}

/// Groups every call under the model its name resolves to, so one model is one row in every
/// breakdown and section however the logs spell it: `Model` becomes the id of the price entry
/// the name stands for (`PriceBook::identity`: `openai/gpt-4o`, `gpt-4o` and the snapshot
/// `gpt-4o-2024-08-06` its entry lists all become `gpt-4o`), and the name as logged moves to
/// `LoggedModel`, which pricing reads (a snapshot keeps its own price). A name no table knows
/// stays as logged. Running it twice changes nothing.
pub fn resolve_model_names(calls: &mut Calls, book: &PriceBook) {
    let provider = calls.col(StrCol::Provider);
    let logged = calls.logged_model();
    let mut resolved = StrColumn::with_capacity(calls.len());
    let mut memo: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    for (row, &id) in logged.ids.iter().enumerate() {
        let key = (provider.ids.get(row).copied().unwrap_or(0), id);
        let code = *memo.entry(key).or_insert_with(|| {
            let Some(name) = logged.dict.get(id) else { return 0 };
            let identity = book.identity(provider.dict.get(key.0), name);
            resolved.dict.intern(identity.map_or(name, |m| m.id.as_str()))
        });
        resolved.ids.push(code);
    }
    calls.resolve_models(resolved);
}

/// Cost of one call under `version`, and the tier it fell in (`BASE` or index + 1).
pub fn cost_of(t: &Tokens, version: &PriceVersion, batch: bool) -> (Money, u8) {
    at_tier(t, version, version.tier_for(t.input, t.output), batch)
}

/// Cost at `tier`, with the tier as `Priced` stores it.
fn at_tier(t: &Tokens, version: &PriceVersion, tier: Option<usize>, batch: bool) -> (Money, u8) {
    (components(t, version, tier, batch).total(), tier.map_or(BASE, |i| i as u8 + 1))
}

/// Cost of an aggregate row: its summed tokens say nothing of any one request's size, so the
/// tier is what the source says (long context = the first tier), never the summed count.
pub fn aggregate_cost(t: &Tokens, version: &PriceVersion, batch: bool, long_context: bool) -> (Money, u8) {
    at_tier(t, version, (long_context && !version.tiers.is_empty()).then_some(0), batch)
}

/// A call's cost by token class at the rates of `tier` (`None` = base rates), whatever tier
/// its size would pick: analyses use it to price "the same tokens at base rates".
pub fn components(t: &Tokens, version: &PriceVersion, tier: Option<usize>, batch: bool) -> Components {
    let r = version.rates(tier);
    // Each modality class is a subset of its text class (normalize checks it): priced at its
    // own rate, the rest of the class at the text rate.
    let audio = t.input_audio - t.cache_audio_read;
    let uncached_text = t.uncached_text();
    let write_5m = t.cache_write - t.cache_write_1h;
    let text_output = t.output - t.output_audio - t.output_image;
    let parts = Components {
        uncached_input: Money::of_tokens(uncached_text, r.input) + Money::of_tokens(audio, r.input_audio),
        cache_read: Money::of_tokens(t.cache_read - t.cache_audio_read, r.cache_read)
            + Money::of_tokens(t.cache_audio_read, r.cache_audio_read),
        cache_write: Money::of_tokens(write_5m, r.cache_write)
            + Money::of_tokens(t.cache_write_1h, r.cache_write_1h),
        output: Money::of_tokens(text_output, r.output)
            + Money::of_tokens(t.output_audio, r.output_audio)
            + Money::of_tokens(t.output_image, r.output_image),
    };
    if !batch {
        return parts;
    }
    let m = version.batch_multiplier;
    Components {
        uncached_input: parts.uncached_input.times(m),
        cache_read: parts.cache_read.times(m),
        cache_write: parts.cache_write.times(m),
        output: parts.output.times(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::PriceBook;

    fn book() -> PriceBook {
        let t = r#"provider = "p"
[[models]]
id = "m"
[[models.prices]]
effective_to = "2026-03-01"
input = 2.0
output = 8.0
cache_read = 0.5
cache_write = 2.5
cache_write_1h = 4.0
[[models.prices]]
effective_from = "2026-03-01"
input = 1.0
output = 8.0
[[models.prices.tiers]]
threshold = 1000
input = 6.0
output = 22.5
"#;
        PriceBook::from_texts(&[("t.toml".into(), t.into())]).unwrap()
    }

    fn tokens(input: u64, output: u64, read: u64, write: u64, write_1h: u64) -> Tokens {
        Tokens {
            input,
            output,
            cache_read: read,
            cache_write: write,
            cache_write_1h: write_1h,
            ..Tokens::default()
        }
    }

    #[test]
    fn every_token_class_at_its_rate() {
        let b = book();
        let v = &b.models()[0].versions[0];
        // uncached 1000-200-300 = 500 × $2 = 1000; read 200 × 0.5 = 100; 5m write 200 × 2.5 = 500;
        // 1h write 100 × 4 = 400; output 100 × 8 = 800. Total 2800 µ$ = $0.0028.
        let (cost, tier) = cost_of(&tokens(1000, 100, 200, 300, 100), v, false);
        assert_eq!(cost.exact(), "0.0028");
        assert_eq!(tier, BASE);
        let (batch, _) = cost_of(&tokens(1000, 100, 200, 300, 100), v, true);
        assert_eq!(batch.exact(), "0.0014");
    }

    #[test]
    fn modality_tokens_at_their_own_rates_else_the_text_rate_r11() {
        let t = r#"provider = "p"
[[models]]
id = "m"
[[models.prices]]
input = 0.3
output = 2.5
cache_read = 0.03
input_audio = 1.0
cache_audio_read = 0.1
output_image = 30.0
"#;
        let b = PriceBook::from_texts(&[("t.toml".into(), t.into())]).unwrap();
        let v = &b.models()[0].versions[0];
        let t = Tokens {
            input_audio: 6000,
            cache_audio_read: 1000,
            output_audio: 100,
            output_image: 300,
            ..tokens(10_000, 500, 3000, 0, 0)
        };
        // Uncached text 10,000 − 3,000 − (6,000 − 1,000) = 2,000 × 0.3 = 600 µ$ + audio
        // 5,000 × 1 = 5,000; cached text 2,000 × 0.03 = 60 + cached audio 1,000 × 0.1 = 100;
        // output: text 100 × 2.5 = 250, audio (no rate of its own: output's) 100 × 2.5 = 250,
        // image 300 × 30 = 9,000. Total 15,260 µ$.
        let c = components(&t, v, None, false);
        assert_eq!(
            [c.uncached_input, c.cache_read, c.output].map(|m| m.exact()),
            ["0.0056", "0.00016", "0.0095"]
        );
        assert_eq!(cost_of(&t, v, false).0.exact(), "0.01526");
        assert_eq!(cost_of(&t, v, true).0.exact(), "0.00763", "batch halves every class");
    }

    #[test]
    fn tier_prices_the_whole_request() {
        let b = book();
        let v = &b.models()[0].versions[1];
        // 1000 input is not above 1000: 1000 × 1 + 10 × 8 = 1080 µ$.
        assert_eq!(cost_of(&tokens(1000, 10, 0, 0, 0), v, false).0.exact(), "0.00108");
        // 1001 input: 1001 × 6 + 10 × 22.5 = 6006 + 225 = 6231 µ$; cache reads fall back to 6.
        assert_eq!(cost_of(&tokens(1001, 10, 0, 0, 0), v, false), (Money::parse("0.006231").unwrap(), 1));
        assert_eq!(cost_of(&tokens(1001, 10, 1001, 0, 0), v, false).0.exact(), "0.006231");
    }

    #[test]
    fn components_add_up_and_can_be_forced_to_base() {
        let b = book();
        let v = &b.models()[0].versions[1];
        let t = tokens(1001, 10, 0, 0, 0);
        // Same tokens at base rates: 1001 × 1 + 10 × 8 = 1081 µ$.
        let base = components(&t, v, None, false);
        assert_eq!(base.total().exact(), "0.001081");
        assert_eq!(base.output.exact(), "0.00008");
        let tiered = components(&t, v, v.tier_for(1001, 10), true);
        assert_eq!(tiered.total().exact(), "0.0031155", "6231 µ$ × 0.5");
    }

    /// Calls of `input` prompt and `output` completion tokens at each `(timestamp, model)`.
    fn calls_at(rows: &[(&str, &str)], input: i64, output: i64) -> Calls {
        use crate::ingest::record::{Field, RawRecord, Scalar};
        let mut calls = Calls::new([true; StrCol::COUNT], 0);
        for (ts, model) in rows {
            let mut raw = RawRecord::new(0);
            raw.set(Field::Timestamp, Some(Scalar::Str((*ts).into())));
            raw.set(Field::Model, Some(Scalar::Str((*model).into())));
            raw.set(Field::InputTokens, Some(Scalar::Int(input)));
            raw.set(Field::OutputTokens, Some(Scalar::Int(output)));
            let call = crate::ingest::normalize::normalize(&raw, &[true; StrCol::COUNT]).unwrap();
            calls.push(&call, &[]);
        }
        calls
    }

    #[test]
    fn priced_calls_remember_their_version() {
        let b = book();
        let calls = calls_at(
            &[("2026-02-01T00:00:00Z", "m"), ("2026-04-01T00:00:00Z", "m"), ("2026-04-01T00:00:00Z", "zz")],
            10,
            1,
        );
        let priced = price_all(&calls, &b, None);
        let (m, v) = priced.version(0).unwrap();
        assert_eq!((m.id.as_str(), v.base.input.to_string()), ("m", "2".to_string()));
        assert_eq!(priced.version(1).unwrap().1.base.input.to_string(), "1");
        assert!(priced.version(2).is_none());
        assert!(!priced.is_priced(2));
    }

    #[test]
    fn names_of_one_model_resolve_to_one_and_keep_their_own_price_r20() {
        use crate::ingest::record::{Field, RawRecord, Scalar};
        // gpt-4o lists gpt-4o-2024-05-13 in `snapshots`: one model, but the snapshot has its
        // own price ($5 in / $15 out) where the alias costs $2.5 / $10 in 2026.
        let t = r#"provider = "openai"
[[models]]
id = "gpt-4o"
snapshots = ["gpt-4o-2024-05-13"]
[[models.prices]]
input = 2.5
output = 10.0
[[models]]
id = "gpt-4o-2024-05-13"
[[models.prices]]
input = 5.0
output = 15.0
"#;
        let b = PriceBook::from_texts(&[("t.toml".into(), t.into())]).unwrap();
        let mut keep = [false; StrCol::COUNT];
        keep[StrCol::Model as usize] = true;
        keep[StrCol::Provider as usize] = true;
        let mut calls = Calls::new(keep, 0);
        let names =
            [("openai/gpt-4o", "openai"), ("gpt-4o", "openai"), ("gpt-4o-2024-05-13", ""), ("acme-x", "")];
        for (model, provider) in names {
            let mut raw = RawRecord::new(0);
            raw.set(Field::Timestamp, Some(Scalar::Str("2026-04-01T00:00:00Z".into())));
            raw.set(Field::Model, Some(Scalar::Str(model.into())));
            raw.set(Field::Provider, Some(Scalar::Str(provider.into())));
            raw.set(Field::InputTokens, Some(Scalar::Int(1000)));
            raw.set(Field::OutputTokens, Some(Scalar::Int(100)));
            let call = crate::ingest::normalize::normalize(&raw, &keep).unwrap();
            calls.push(&call, &[]);
        }
        resolve_model_names(&mut calls, &b);
        resolve_model_names(&mut calls, &b); // twice: nothing changes
        let col = |c: StrCol| (0..4).map(|r| calls.col(c).value(r).unwrap()).collect::<Vec<_>>();
        assert_eq!(col(StrCol::Model), ["gpt-4o", "gpt-4o", "gpt-4o", "acme-x"], "an unknown name stays");
        assert_eq!(col(StrCol::LoggedModel), names.map(|n| n.0));
        // Priced by the logged name: 1000 × 2.5 + 100 × 10 = 3500 µ$ for the alias, 1000 × 5 +
        // 100 × 15 = 6500 µ$ for the snapshot.
        let priced = price_all(&calls, &b, None);
        let costs: Vec<String> = (0..3).map(|r| priced.cost[r].exact()).collect();
        assert_eq!(costs, ["0.0035", "0.0035", "0.0065"]);
        assert!(!priced.is_priced(3));
    }

    /// DeepSeek-V3-like: standard 0.27/1.10 by default, 16:30 → 00:30 UTC off-peak at half
    /// price (0.135/0.55), from 2025-02-26; before that no window at all at 0.14/0.28.
    fn off_peak_book() -> PriceBook {
        let t = r#"provider = "deepseek"
[[models]]
id = "ds"
[[models.prices]]
effective_to = "2025-02-26"
input = 0.14
output = 0.28
[[models.prices]]
effective_from = "2025-02-26"
input = 0.27
output = 1.10
[[models.prices.windows]]
start = "16:30"
end = "00:30"
input = 0.135
output = 0.55
"#;
        PriceBook::from_texts(&[("ds.toml".into(), t.into())]).unwrap()
    }

    #[test]
    fn time_of_day_window_by_the_calls_utc_time_r11() {
        let b = off_peak_book();
        let calls = calls_at(
            &[
                ("2025-03-01T16:29:59Z", "ds"),      // peak: last second before the window
                ("2025-03-01T16:30:00Z", "ds"),      // off-peak: the start is inclusive
                ("2025-03-02T00:29:59.999Z", "ds"),  // off-peak after midnight (window wraps)
                ("2025-03-02T00:30:00Z", "ds"),      // peak again: the end is exclusive
                ("2025-03-01T18:30:00+02:00", "ds"), // = 16:30Z: UTC decides, not the offset
            ],
            1_000_000,
            100_000,
        );
        // Peak: 1M × $0.27/M + 0.1M × $1.10/M = 0.27 + 0.11 = $0.38.
        // Off-peak: 1M × $0.135/M + 0.1M × $0.55/M = 0.135 + 0.055 = $0.19.
        let costs = |p: &Priced<'_>| p.cost.iter().map(|c| c.exact()).collect::<Vec<_>>();
        let priced = price_all(&calls, &b, None);
        assert_eq!(costs(&priced), ["0.38", "0.19", "0.19", "0.38", "0.19"]);
        // Analyses see the window's rates through the call's version.
        assert_eq!(priced.version(1).unwrap().1.base.input.to_string(), "0.135");
        assert_eq!(priced.version(0).unwrap().1.base.input.to_string(), "0.27");
        // --price-as-of picks the version by date, the window still by the call's own time
        // of day: at 2025-02-01 (no windows) all five are 1M × 0.14 + 0.1M × 0.28 = $0.168.
        let before = crate::time::parse_date("2025-02-01").unwrap();
        assert_eq!(costs(&price_all(&calls, &b, Some(before))), ["0.168"; 5]);
        let after = crate::time::parse_date("2025-06-01").unwrap();
        assert_eq!(costs(&price_all(&calls, &b, Some(after))), ["0.38", "0.19", "0.19", "0.38", "0.19"]);
    }
}
