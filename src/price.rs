//! `Calls` × `PriceBook` → `Priced`: the exact cost of every call under the price version in
//! force at its timestamp (or at `--price-as-of`). A call with no price is marked unpriced,
//! never costed at $0; why it has none is kept for the report.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::calls::{Calls, FLAG_BATCH, FLAG_CACHE_HIT};
use crate::money::Money;
use crate::normalize::{StrCol, Tokens};
use crate::pricing::{ModelPrice, PriceBook, PriceVersion};

/// `tier` value of a call priced at base rates; tier `i` is stored as `i + 1`.
pub const BASE: u8 = 0;
/// `tier` value of a call that could not be priced.
pub const UNPRICED: u8 = u8::MAX;

/// Per-call cost, parallel to the rows of `Calls`.
#[derive(Debug, Default)]
pub struct Priced {
    pub cost: Vec<Money>,
    pub tier: Vec<u8>,
}

impl Priced {
    pub fn is_priced(&self, row: usize) -> bool {
        self.tier[row] != UNPRICED
    }
}

/// Prices every call. `as_of` (epoch ms) re-prices all calls at one date.
pub fn price_all(calls: &Calls, book: &PriceBook, as_of: Option<i64>) -> Priced {
    let models = resolve_models(calls, book);
    let provider = &calls.col(StrCol::Provider).ids;
    let model = &calls.col(StrCol::Model).ids;
    let (cost, tier) = (0..calls.len())
        .into_par_iter()
        .with_min_len(4096)
        .map(|row| {
            let key = (provider.get(row).copied().unwrap_or(0), model[row]);
            let at = as_of.unwrap_or(calls.ts_ms[row]);
            let Some(version) = models.get(&key).copied().flatten().and_then(|m| m.version_at(at)) else {
                return (Money::ZERO, UNPRICED);
            };
            let flags = calls.flags[row];
            let (cost, tier) = cost_of(&calls.tokens.get(row), version, flags & FLAG_BATCH != 0);
            if flags & FLAG_CACHE_HIT != 0 {
                (Money::ZERO, tier)
            } else {
                (cost, tier)
            }
        })
        .unzip();
    Priced { cost, tier }
}

/// The price-table model for each distinct (provider, model) pair in the calls.
fn resolve_models<'b>(calls: &Calls, book: &'b PriceBook) -> FxHashMap<(u32, u32), Option<&'b ModelPrice>> {
    let provider = calls.col(StrCol::Provider);
    let model = calls.col(StrCol::Model);
    let mut out = FxHashMap::default();
    for row in 0..calls.len() {
        let key = (provider.ids.get(row).copied().unwrap_or(0), model.ids[row]);
        out.entry(key).or_insert_with(|| {
            let model_name = model.dict.get(key.1).unwrap_or_default();
            book.lookup(provider.dict.get(key.0), model_name)
        });
    }
    out
}

/// Cost of one call under `version`, and the tier it fell in (`BASE` or index + 1).
pub fn cost_of(t: &Tokens, version: &PriceVersion, batch: bool) -> (Money, u8) {
    let tier = version.tier_for(t.input, t.output);
    let r = version.rates(tier);
    let uncached = t.input - t.cache_read - t.cache_write;
    let write_5m = t.cache_write - t.cache_write_1h;
    let mut cost = Money::of_tokens(uncached, r.input)
        + Money::of_tokens(t.cache_read, r.cache_read)
        + Money::of_tokens(write_5m, r.cache_write)
        + Money::of_tokens(t.cache_write_1h, r.cache_write_1h)
        + Money::of_tokens(t.output, r.output);
    if batch {
        cost = cost.times(version.batch_multiplier);
    }
    (cost, tier.map_or(BASE, |i| i as u8 + 1))
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
        Tokens { input, output, cache_read: read, cache_write: write, cache_write_1h: write_1h, reasoning: 0 }
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
    fn tier_prices_the_whole_request() {
        let b = book();
        let v = &b.models()[0].versions[1];
        // 1000 input is not above 1000: 1000 × 1 + 10 × 8 = 1080 µ$.
        assert_eq!(cost_of(&tokens(1000, 10, 0, 0, 0), v, false).0.exact(), "0.00108");
        // 1001 input: 1001 × 6 + 10 × 22.5 = 6006 + 225 = 6231 µ$; cache reads fall back to 6.
        assert_eq!(cost_of(&tokens(1001, 10, 0, 0, 0), v, false), (Money::parse("0.006231").unwrap(), 1));
        assert_eq!(cost_of(&tokens(1001, 10, 1001, 0, 0), v, false).0.exact(), "0.006231");
    }
}
