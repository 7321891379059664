//! The price book as constant SQL tables, laid out so the generated query resolves a call's
//! (provider, model) and prices it the way `PriceBook::lookup` and `price.rs` do:
//!
//! - `llm_providers(spelling, canon)`: every provider spelling of `pricing/providers.rs`;
//! - `llm_entries(entry, canon, is_user, id, provider, ident, ident_provider)`: one row per
//!   price entry, `entry` its place in the book (the lookup prefers the first), `is_user` for
//!   `--pricing` tables, `ident` and `ident_provider` the id and provider of the model it is
//!   (its alias entry's, for a dated snapshot);
//! - `llm_names(name, entry)`: each entry's exact names (id and aliases), ASCII lower-case;
//! - `llm_versions(entry, vidx, widx, from_ms, to_ms, batch_num, batch_den, th1, total1,
//!   band1, …)`: each price version's dates (epoch ms, half open), batch multiplier as the
//!   exact fraction num / den, and its long-context tiers' thresholds (`totalN` = 1 when tier
//!   N counts input + output tokens; `bandN` the near-miss band in tokens, ⌊threshold ×
//!   `--near-miss`⌋ as `thresholds::band_tokens` computes it, so the query compares integers
//!   only); `widx` 0 is the version, `widx` w its w-th time-of-day window
//!   (the same dates and multiplier, the window's rates and tiers);
//! - `llm_windows(entry, vidx, widx, start_min, end_min)`: the time-of-day windows, minutes
//!   after UTC midnight, end exclusive, wrapping midnight when end ≤ start;
//! - `llm_rates(entry, vidx, widx, tier, r_input, r_output, r_cache_read, r_cache_write,
//!   r_cache_write_1h)`: rates in 1e-12 USD per million tokens (tier 0 = base rates), so
//!   tokens × rate is the cost in attodollars, exactly.
//!
//! Alias globs (`fam-*`) become regular expressions matched in the query itself.

use super::dialect::Dialect;
use crate::analyze::sections::thresholds::band_tokens;
use crate::pricing::providers::SPELLINGS;
use crate::pricing::{Basis, PriceBook, Rates};

/// The price tables as `(name, SELECT …)` pairs, and the alias globs as regular expressions.
pub struct PriceTables {
    pub ctes: Vec<(&'static str, String)>,
    /// `(regex, entry)`: an alias glob of entry `entry`, as a regular expression.
    pub patterns: Vec<(String, usize)>,
    /// The most tiers any version has (the `thN` columns of `llm_versions`, at least 1).
    pub max_tiers: usize,
}

pub fn tables(book: &PriceBook, d: Dialect, near_miss: f64) -> PriceTables {
    let text = |s: &str| format!("CAST({} AS {})", d.string(s), d.text_type());
    let int = |n: i64| format!("CAST({n} AS {})", d.int_type());
    let null_int = || format!("CAST(NULL AS {})", d.int_type());
    let models = book.models();
    let max_tiers = models
        .iter()
        .flat_map(|m| &m.versions)
        .flat_map(|v| std::iter::once(v).chain(v.windows.iter().map(|w| &w.version)))
        .map(|v| v.tiers.len())
        .max()
        .unwrap_or(0)
        .max(1);

    let providers: Vec<Vec<String>> = SPELLINGS
        .iter()
        .flat_map(|(canon, spellings)| spellings.iter().map(move |s| vec![text(s), text(canon)]))
        .collect();
    let mut entries = Vec::new();
    let mut names = Vec::new();
    let mut patterns = Vec::new();
    let mut versions = Vec::new();
    let mut rates = Vec::new();
    let mut windows = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let e = int(i as i64);
        entries.push(vec![
            e.clone(),
            text(&crate::pricing::providers::canonical(&m.provider)),
            int(book.is_user_entry(i) as i64),
            text(&m.id),
            text(&m.provider),
            text(&models[book.identity_index(i)].id),
            text(&models[book.identity_index(i)].provider),
        ]);
        let mut seen = Vec::new();
        for n in m.exact_names() {
            let lower = n.to_ascii_lowercase();
            if !seen.contains(&lower) {
                names.push(vec![text(&lower), e.clone()]);
                seen.push(lower);
            }
        }
        for a in m.aliases.iter().filter(|a| a.contains(['*', '?', '['])) {
            patterns.push((glob_regex(&a.to_ascii_lowercase()), i));
        }
        for (vi, v) in m.versions.iter().enumerate() {
            // Row 0 is the version itself; row w its w-th time-of-day window (same dates and
            // batch multiplier, its own base rates and tiers).
            let priced = std::iter::once(v).chain(v.windows.iter().map(|w| &w.version));
            for (wi, pv) in priced.enumerate() {
                let (num, den) = fraction(pv.batch_multiplier.pico());
                let mut row = vec![
                    e.clone(),
                    int(vi as i64),
                    int(wi as i64),
                    pv.from.map_or_else(null_int, int),
                    pv.to.map_or_else(null_int, int),
                    d.money(num),
                    d.money(den),
                ];
                for t in 0..max_tiers {
                    match pv.tiers.get(t) {
                        Some(tier) => {
                            row.push(d.money(tier.threshold as i128));
                            row.push(int((tier.basis == Basis::Total) as i64));
                            row.push(d.money(band_tokens(tier.threshold, near_miss) as i128));
                        }
                        None => {
                            row.push(format!("CAST(NULL AS {})", d.money_type()));
                            row.push(int(0));
                            row.push(format!("CAST(NULL AS {})", d.money_type()));
                        }
                    }
                }
                versions.push(row);
                let tiers = std::iter::once(&pv.base).chain(pv.tiers.iter().map(|t| &t.rates));
                for (ti, r) in tiers.enumerate() {
                    rates.push(rate_row(d, [e.clone(), int(vi as i64), int(wi as i64), int(ti as i64)], r));
                }
            }
            for (wi, w) in v.windows.iter().enumerate() {
                windows.push(vec![
                    e.clone(),
                    int(vi as i64),
                    int(wi as i64 + 1),
                    int(w.start as i64),
                    int(w.end as i64),
                ]);
            }
        }
    }
    // A table with no row still needs one to carry its column types; entry -1 joins nothing.
    let none = |cols: usize, first: Vec<String>| -> Vec<Vec<String>> {
        let mut row = first;
        row.resize(cols, format!("CAST(NULL AS {})", d.int_type()));
        vec![row]
    };
    if entries.is_empty() {
        entries = none(7, vec![int(-1), text(""), int(0), text(""), text(""), text(""), text("")]);
        names = none(2, vec![text(""), int(-1)]);
    }
    if windows.is_empty() {
        windows = vec![vec![int(-1), int(0), int(0), int(0), int(0)]];
    }
    if versions.is_empty() {
        let mut row = vec![int(-1), int(0), int(0), null_int(), null_int(), d.money(1), d.money(1)];
        for _ in 0..max_tiers {
            row.push(format!("CAST(NULL AS {})", d.money_type()));
            row.push(int(0));
            row.push(format!("CAST(NULL AS {})", d.money_type()));
        }
        versions = vec![row];
        rates = vec![rate_row(d, [int(-1), int(0), int(0), int(0)], &zero_rates())];
    }
    let mut version_cols: Vec<String> =
        ["entry", "vidx", "widx", "from_ms", "to_ms", "batch_num", "batch_den"].map(String::from).to_vec();
    for t in 1..=max_tiers {
        version_cols.push(format!("th{t}"));
        version_cols.push(format!("total{t}"));
        version_cols.push(format!("band{t}"));
    }
    let version_cols: Vec<&str> = version_cols.iter().map(String::as_str).collect();
    let ctes = vec![
        ("llm_providers", d.values(&["spelling", "canon"], &providers)),
        (
            "llm_entries",
            d.values(&["entry", "canon", "is_user", "id", "provider", "ident", "ident_provider"], &entries),
        ),
        ("llm_names", d.values(&["name", "entry"], &names)),
        ("llm_versions", d.values(&version_cols, &versions)),
        ("llm_windows", d.values(&["entry", "vidx", "widx", "start_min", "end_min"], &windows)),
        (
            "llm_rates",
            d.values(
                &[
                    "entry",
                    "vidx",
                    "widx",
                    "tier",
                    "r_input",
                    "r_output",
                    "r_cache_read",
                    "r_cache_write",
                    "r_cache_write_1h",
                ],
                &rates,
            ),
        ),
    ];
    PriceTables { ctes, patterns, max_tiers }
}

fn zero_rates() -> Rates {
    let z = crate::money::Rate::from_pico(0);
    Rates::text(z, z, z, z, z)
}

/// `(entry, vidx, widx, tier)` and the five rates.
fn rate_row(d: Dialect, key: [String; 4], r: &Rates) -> Vec<String> {
    let mut row = key.to_vec();
    for rate in [r.input, r.output, r.cache_read, r.cache_write, r.cache_write_1h] {
        row.push(d.money(rate.pico()));
    }
    row
}

/// A multiplier in 1e-12 units as the fraction num / 10^k with the fewest places, so the
/// query's `(cost × num + den / 2) / den` is `Money::times` exactly with small numbers.
fn fraction(pico: i128) -> (i128, i128) {
    let (mut num, mut den) = (pico, 1_000_000_000_000i128);
    while den > 1 && num % 10 == 0 {
        num /= 10;
        den /= 10;
    }
    (num, den)
}

/// A glob (as the `glob` crate reads it with default options: `*` and `?` cross `/`, `[…]`
/// and `[!…]` classes) as a regular expression; every other ASCII punctuation is escaped.
pub fn glob_regex(glob: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                // A class runs to the first `]` after its first member (`[]]` holds `]`).
                let start = i + 1;
                let negate = chars.get(start) == Some(&'!');
                let first = if negate { start + 1 } else { start };
                match (first + 1..chars.len()).find(|&j| chars[j] == ']') {
                    Some(end) if first < chars.len() => {
                        out.push('[');
                        if negate {
                            out.push('^');
                        }
                        for (k, &c) in chars[first..end].iter().enumerate() {
                            let range_dash = c == '-' && k > 0 && first + k + 1 < end;
                            if range_dash || c.is_alphanumeric() || !c.is_ascii() {
                                out.push(c);
                            } else {
                                out.push('\\');
                                out.push(c);
                            }
                        }
                        out.push(']');
                        i = end;
                    }
                    _ => out.push_str("\\["),
                }
            }
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_multiplier_is_a_short_exact_fraction() {
        assert_eq!(fraction(500_000_000_000), (5, 10));
        assert_eq!(fraction(1_000_000_000_000), (1, 1));
        assert_eq!(fraction(125_000_000_000), (125, 1000));
    }

    #[test]
    fn globs_become_anchorable_regexes() {
        assert_eq!(glob_regex("fam-*"), "fam\\-.*");
        assert_eq!(glob_regex("gpt-4o?.1"), "gpt\\-4o.\\.1");
        assert_eq!(glob_regex("m[!a-c]x"), "m[^a-c]x");
        assert_eq!(glob_regex("a[]"), "a\\[\\]");
    }
}
