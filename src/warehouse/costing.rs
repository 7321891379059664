//! Pricing a set of calls in SQL, shared by the statement (`query.rs`) and the sections that
//! price calls again (fallbacks: escalated attempts at the requested model): names resolved to
//! price entries as `PriceBook::lookup` does, the version and window in force, the tier, the
//! cost in attodollars.

use std::fmt::Write as _;

use super::dialect::{components, Dialect, Tokens};
use super::prices::PriceTables;
use crate::time::MS_PER_DAY;

/// (provider, model) → price entry, as `PriceBook::lookup`: the first stage with a match
/// (exact name, name after the last `/`, alias glob) wins; within it the preference order.
/// `keys` selects the distinct (provider, model) pairs (a null provider prefers no provider's
/// entries, as `lookup(None, …)`); the CTEs are `{p}_keys`, `{p}_candidates` and `{p}_chosen`.
pub fn resolution(d: Dialect, prices: &PriceTables, keys: &str, p: &str) -> Vec<(String, String)> {
    let lower = d.ascii_lower("k.model");
    let keyed = format!(
        "SELECT k.provider, k.model, {lower} AS lm, \
         CASE WHEN k.model LIKE '%/%' THEN {} END AS sm, \
         COALESCE(p.canon, {}) AS pcanon \
         FROM ({keys}) k \
         LEFT JOIN llm_providers p ON p.spelling = {}",
        d.ascii_lower(&d.after_last_slash("k.model")),
        d.ascii_lower("TRIM(k.provider)"),
        d.ascii_lower("TRIM(k.provider)"),
    );
    let mut cand = vec![
        format!("SELECT k.provider, k.model, k.pcanon, n.entry, 1 AS stage FROM {p}_keys k JOIN llm_names n ON n.name = k.lm"),
        format!("SELECT k.provider, k.model, k.pcanon, n.entry, 2 AS stage FROM {p}_keys k JOIN llm_names n ON n.name = k.sm"),
    ];
    for (re, entry) in &prices.patterns {
        cand.push(format!(
            "SELECT k.provider, k.model, k.pcanon, {entry} AS entry, 3 AS stage FROM {p}_keys k \
             WHERE {} OR (k.sm IS NOT NULL AND {})",
            d.full_match("k.lm", re),
            d.full_match("k.sm", re)
        ));
    }
    let chosen = format!(
        "SELECT provider, model, entry FROM (\
         SELECT c.provider, c.model, c.entry, ROW_NUMBER() OVER (PARTITION BY c.provider, c.model ORDER BY c.stage, \
         CASE WHEN e.is_user = 1 AND e.canon = c.pcanon THEN 0 WHEN e.is_user = 1 THEN 1 \
         WHEN e.canon = c.pcanon THEN 2 ELSE 3 END, c.entry) AS rn \
         FROM {p}_candidates c JOIN llm_entries e ON e.entry = c.entry) r WHERE rn = 1"
    );
    vec![
        (format!("{p}_keys"), keyed),
        (format!("{p}_candidates"), cand.join("\n  UNION ALL ")),
        (format!("{p}_chosen"), chosen),
    ]
}

/// Each call of `source` (columns `entry`, `price_at`, `ts_ms`, the tokens and flags) with the
/// version of its entry in force at its price time, the time-of-day window its own UTC time
/// falls in (`--price-as-of` or not, as `price.rs`) and its tier: `{p}_dated`, `{p}_versioned`.
pub fn versioned(d: Dialect, max_tiers: usize, source: &str, p: &str) -> Vec<(String, String)> {
    let minute = d.div(&d.modulo("c.ts_ms", &MS_PER_DAY.to_string()), "60000");
    let dated = format!(
        "SELECT c.*, v.vidx, COALESCE(w.widx, 0) AS widx \
         FROM {source} c \
         LEFT JOIN llm_versions v ON v.entry = c.entry AND v.widx = 0 \
         AND (v.from_ms IS NULL OR c.price_at >= v.from_ms) AND (v.to_ms IS NULL OR c.price_at < v.to_ms) \
         LEFT JOIN llm_windows w ON w.entry = v.entry AND w.vidx = v.vidx \
         AND ((w.start_min < w.end_min AND {minute} >= w.start_min AND {minute} < w.end_min) \
         OR (w.start_min >= w.end_min AND ({minute} >= w.start_min OR {minute} < w.end_min)))"
    );
    // The highest tier whose threshold the counted tokens strictly exceed.
    let mut tier = String::from(
        "CASE WHEN v.vidx IS NULL THEN NULL \
         WHEN c.is_aggregate THEN CASE WHEN c.long_context AND v.th1 IS NOT NULL THEN 1 ELSE 0 END",
    );
    for t in (1..=max_tiers).rev() {
        let _ = write!(
            tier,
            " WHEN (CASE WHEN v.total{t} = 1 THEN c.t_input + c.t_output ELSE c.t_input END) > v.th{t} THEN {t}"
        );
    }
    tier.push_str(" ELSE 0 END");
    let versioned = format!(
        "SELECT c.*, v.batch_num, v.batch_den, {tier} AS tier FROM {p}_dated c \
         LEFT JOIN llm_versions v ON v.entry = c.entry AND v.vidx = c.vidx AND v.widx = c.widx"
    );
    vec![(format!("{p}_dated"), dated), (format!("{p}_versioned"), versioned)]
}

/// The cost of each call of `source` (a `versioned` CTE) in attodollars (null when
/// unpriced), as `price::components`.
pub fn costed(d: Dialect, source: &str) -> String {
    let [uncached, read, write, output] = components(d, &Tokens::of("c"), "r", "c");
    // `cost_output`: the output tokens' part, which the waste section reports.
    format!(
        "SELECT c.*, CASE WHEN r.tier IS NULL THEN NULL WHEN c.is_cache_hit THEN {zero} \
         ELSE {uncached}\n    + {read}\n    + {write}\n    + {output} END AS cost, \
         CASE WHEN r.tier IS NULL THEN NULL WHEN c.is_cache_hit THEN {zero} ELSE {output} END AS cost_output \
         FROM {source} c LEFT JOIN llm_rates r ON r.entry = c.entry AND r.vidx = c.vidx AND r.widx = c.widx AND r.tier = c.tier",
        zero = d.money(0)
    )
}
