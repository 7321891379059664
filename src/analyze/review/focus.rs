//! FinOps FOCUS rows: the priced spend grouped by UTC day × provider × model × token class
//! × long-context tier × list rate, with the billed cost (batch discount applied), the list
//! cost (before it) and the list rate (one per row: a price change within a day, or 5-minute
//! and 1-hour cache writes, give separate rows). Unpriced calls and application cache hits
//! (no provider charge) are left out, so the billed costs add up to the report total exactly.

use std::collections::BTreeMap;

use crate::analyze::Selection;
use crate::calls::StrCol;
use crate::calls::{Calls, FLAG_BATCH, FLAG_CACHE_HIT};
use crate::money::{Money, Rate};
use crate::price::{self, Priced};
use crate::pricing::PriceVersion;

use crate::time::MS_PER_DAY;

/// The token classes a call's cost is split into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenClass {
    UncachedInput,
    CacheRead,
    /// Cache writes at the 5-minute rate.
    CacheWrite,
    /// Cache writes at the 1-hour rate.
    CacheWrite1h,
    Output,
}

impl TokenClass {
    pub const ALL: [TokenClass; 5] = [
        TokenClass::UncachedInput,
        TokenClass::CacheRead,
        TokenClass::CacheWrite,
        TokenClass::CacheWrite1h,
        TokenClass::Output,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TokenClass::UncachedInput => "input",
            TokenClass::CacheRead => "cache-read",
            TokenClass::CacheWrite => "cache-write",
            TokenClass::CacheWrite1h => "cache-write-1h",
            TokenClass::Output => "output",
        }
    }
}

/// The tag dimensions carried when a row's calls share one value.
pub const TAG_COLS: [(StrCol, &str); 3] =
    [(StrCol::Route, "route"), (StrCol::Feature, "feature"), (StrCol::Environment, "environment")];

/// One FOCUS row before formatting.
#[derive(Clone, Debug, PartialEq)]
pub struct FocusRow {
    /// UTC day number (days since 1970-01-01).
    pub day: i64,
    /// The calls' provider, or (when they log none) that of the price-book entry pricing them.
    pub provider: Option<String>,
    pub model: String,
    pub class: TokenClass,
    /// Long-context tier (0-based), `None` at base rates.
    pub tier: Option<usize>,
    pub tokens: u64,
    pub billed: Money,
    pub list: Money,
    /// The list rate per 1M tokens of every token of the row.
    pub list_rate: Rate,
    /// (name, value) of each tag dimension with a single value across the row's calls.
    pub tags: Vec<(&'static str, String)>,
    /// The billing account (`export --focus-account`); `None`: the logs name none.
    pub account: Option<String>,
}

type Key = (i64, u32, u32, TokenClass, u8, Rate);

#[derive(Default)]
struct Acc {
    tokens: u64,
    billed: Money,
    list: Money,
    /// Per tag column: the first id seen, and whether another appeared.
    tags: [(u32, bool); 3],
    seen: bool,
    /// The provider of the price-book entry that priced the first call (for calls that log none).
    book_provider: Option<String>,
}

/// The FOCUS rows of the selected calls, ordered by day, provider, model, class and tier.
pub fn rows(calls: &Calls, priced: &Priced, sel: &Selection) -> Vec<FocusRow> {
    let mut groups: BTreeMap<Key, Acc> = BTreeMap::new();
    let (provider, model) = (calls.col(StrCol::Provider), calls.col(StrCol::Model));
    for row in sel.rows() {
        if calls.flags[row] & FLAG_CACHE_HIT != 0 {
            continue;
        }
        let Some((model_price, version)) = priced.version(row) else { continue };
        let tier = priced.tier_index(row);
        let day = calls.ts_ms[row].div_euclid(MS_PER_DAY);
        let tags: [u32; 3] = TAG_COLS.map(|(c, _)| calls.col(c).ids.get(row).copied().unwrap_or(0));
        let ids = (provider.ids.get(row).copied().unwrap_or(0), model.ids[row]);
        for (class, tokens, billed, list, rate) in split(calls, row, version, tier) {
            if tokens == 0 && billed == Money::ZERO {
                continue;
            }
            let acc = groups.entry((day, ids.0, ids.1, class, priced.tier[row], rate)).or_default();
            acc.add(tokens, billed, list, &tags);
            acc.book_provider.get_or_insert_with(|| model_price.provider.clone());
        }
    }
    groups
        .into_iter()
        .map(|((day, p, m, class, tier, rate), acc)| FocusRow {
            day,
            provider: provider.dict.get(p).map(str::to_string).or(acc.book_provider.clone()),
            model: model.dict.get(m).unwrap_or_default().to_string(),
            class,
            tier: (tier != price::BASE).then(|| tier as usize - 1),
            tokens: acc.tokens,
            billed: acc.billed,
            list: acc.list,
            list_rate: rate,
            tags: tag_values(calls, &acc),
            account: None,
        })
        .collect()
}

impl Acc {
    fn add(&mut self, tokens: u64, billed: Money, list: Money, tags: &[u32; 3]) {
        self.tokens += tokens;
        self.billed += billed;
        self.list += list;
        if !self.seen {
            self.tags = tags.map(|t| (t, false));
            self.seen = true;
        }
        for (slot, &t) in self.tags.iter_mut().zip(tags) {
            slot.1 |= slot.0 != t;
        }
    }
}

fn tag_values(calls: &Calls, acc: &Acc) -> Vec<(&'static str, String)> {
    TAG_COLS
        .iter()
        .zip(&acc.tags)
        .filter(|(_, (_, mixed))| !mixed)
        .filter_map(|((col, name), (id, _))| calls.col(*col).dict.get(*id).map(|v| (*name, v.to_string())))
        .collect()
}

/// A call's (class, tokens, billed cost, list cost, list rate) per token class. The batch
/// discount rounds the 5-minute cache writes' billed cost, and the 1-hour ones get the rest
/// of the call's cache-write cost, so the classes still add up to the call's cost exactly.
fn split(
    calls: &Calls,
    row: usize,
    version: &PriceVersion,
    tier: Option<usize>,
) -> [(TokenClass, u64, Money, Money, Rate); 5] {
    let t = calls.tokens.get(row);
    let batch = calls.flags[row] & FLAG_BATCH != 0;
    let billed = price::components(&t, version, tier, batch);
    let list = price::components(&t, version, tier, false);
    let r = version.rates(tier);
    let write_5m = t.cache_write - t.cache_write_1h;
    let list_5m = Money::of_tokens(write_5m, r.cache_write);
    let billed_5m = if batch { list_5m.times(version.batch_multiplier) } else { list_5m };
    [
        (
            TokenClass::UncachedInput,
            t.input - t.cache_read - t.cache_write,
            billed.uncached_input,
            list.uncached_input,
            r.input,
        ),
        (TokenClass::CacheRead, t.cache_read, billed.cache_read, list.cache_read, r.cache_read),
        (TokenClass::CacheWrite, write_5m, billed_5m, list_5m, r.cache_write),
        (
            TokenClass::CacheWrite1h,
            t.cache_write_1h,
            billed.cache_write - billed_5m,
            list.cache_write - list_5m,
            r.cache_write_1h,
        ),
        (TokenClass::Output, t.output, billed.output, list.output, r.output),
    ]
}
