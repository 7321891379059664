//! FinOps FOCUS rows: the priced spend grouped by UTC day × provider × model × token class
//! (and long-context tier), with the billed cost (batch discount applied), the list cost
//! (before it) and the list rate. Unpriced calls and application cache hits (no provider
//! charge) are left out, so the billed costs add up to the report total exactly.

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
    CacheWrite,
    Output,
}

impl TokenClass {
    pub const ALL: [TokenClass; 4] =
        [TokenClass::UncachedInput, TokenClass::CacheRead, TokenClass::CacheWrite, TokenClass::Output];

    pub fn name(self) -> &'static str {
        match self {
            TokenClass::UncachedInput => "input",
            TokenClass::CacheRead => "cache-read",
            TokenClass::CacheWrite => "cache-write",
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
    pub provider: Option<String>,
    pub model: String,
    pub class: TokenClass,
    /// Long-context tier (0-based), `None` at base rates.
    pub tier: Option<usize>,
    pub tokens: u64,
    pub billed: Money,
    pub list: Money,
    /// The list rate per 1M tokens, when every token of the row was at one rate.
    pub list_rate: Option<Rate>,
    /// (name, value) of each tag dimension with a single value across the row's calls.
    pub tags: Vec<(&'static str, String)>,
}

type Key = (i64, u32, u32, TokenClass, u8);

#[derive(Default)]
struct Acc {
    tokens: u64,
    billed: Money,
    list: Money,
    rate: Option<Rate>,
    mixed_rate: bool,
    /// Per tag column: the first id seen, and whether another appeared.
    tags: [(u32, bool); 3],
    seen: bool,
}

/// The FOCUS rows of the selected calls, ordered by day, provider, model, class and tier.
pub fn rows(calls: &Calls, priced: &Priced, sel: &Selection) -> Vec<FocusRow> {
    let mut groups: BTreeMap<Key, Acc> = BTreeMap::new();
    let (provider, model) = (calls.col(StrCol::Provider), calls.col(StrCol::Model));
    for row in sel.rows() {
        if calls.flags[row] & FLAG_CACHE_HIT != 0 {
            continue;
        }
        let Some((_, version)) = priced.version(row) else { continue };
        let tier = priced.tier_index(row);
        let day = calls.ts_ms[row].div_euclid(MS_PER_DAY);
        let tags: [u32; 3] = TAG_COLS.map(|(c, _)| calls.col(c).ids.get(row).copied().unwrap_or(0));
        let ids = (provider.ids.get(row).copied().unwrap_or(0), model.ids[row]);
        for (class, tokens, billed, list, rate) in split(calls, row, version, tier) {
            if tokens == 0 && billed == Money::ZERO {
                continue;
            }
            let acc = groups.entry((day, ids.0, ids.1, class, priced.tier[row])).or_default();
            acc.add(tokens, billed, list, rate, &tags);
        }
    }
    groups
        .into_iter()
        .map(|((day, p, m, class, tier), acc)| FocusRow {
            day,
            provider: provider.dict.get(p).map(str::to_string),
            model: model.dict.get(m).unwrap_or_default().to_string(),
            class,
            tier: (tier != price::BASE).then(|| tier as usize - 1),
            tokens: acc.tokens,
            billed: acc.billed,
            list: acc.list,
            list_rate: if acc.mixed_rate { None } else { acc.rate },
            tags: tag_values(calls, &acc),
        })
        .collect()
}

impl Acc {
    fn add(&mut self, tokens: u64, billed: Money, list: Money, rate: Option<Rate>, tags: &[u32; 3]) {
        self.tokens += tokens;
        self.billed += billed;
        self.list += list;
        if self.rate.is_some() && self.rate != rate || (self.seen && self.rate.is_none()) {
            self.mixed_rate = true;
        }
        if !self.seen {
            self.rate = rate;
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

/// A call's (class, tokens, billed cost, list cost, list rate) per token class.
fn split(
    calls: &Calls,
    row: usize,
    version: &PriceVersion,
    tier: Option<usize>,
) -> [(TokenClass, u64, Money, Money, Option<Rate>); 4] {
    let t = calls.tokens.get(row);
    let batch = calls.flags[row] & FLAG_BATCH != 0;
    let billed = price::components(&t, version, tier, batch);
    let list = price::components(&t, version, tier, false);
    let r = version.rates(tier);
    let write_rate = match (t.cache_write_1h, t.cache_write - t.cache_write_1h) {
        (0, _) => Some(r.cache_write),
        (_, 0) => Some(r.cache_write_1h),
        _ => None,
    };
    [
        (
            TokenClass::UncachedInput,
            t.input - t.cache_read - t.cache_write,
            billed.uncached_input,
            list.uncached_input,
            Some(r.input),
        ),
        (TokenClass::CacheRead, t.cache_read, billed.cache_read, list.cache_read, Some(r.cache_read)),
        (TokenClass::CacheWrite, t.cache_write, billed.cache_write, list.cache_write, write_rate),
        (TokenClass::Output, t.output, billed.output, list.output, Some(r.output)),
    ]
}
