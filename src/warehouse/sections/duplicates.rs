//! `duplicates` (`analyze/sections/duplicates.rs`): among single calls with a `prompt_hash`
//! that are neither errors nor app cache hits, a call is a duplicate when the previous such
//! call of its (hash, group, model) chain came at most the window before it; the first of a
//! chain never is. One `LAG` over the chains ordered by time.
//!
//! Calls of one chain in the same millisecond: `report` takes them in the log's order, which
//! a table does not keep; the SQL takes the costliest first. Which of them is the chain's
//! first (not a duplicate) can then differ, and with it `cost_usd`, never `count` (README).

use super::super::dialect::{exact, share, Dialect};
use super::{extend_object, group_label};
use crate::analyze::sections::duplicates::TOP_PROMPTS;

pub fn duplicates(d: Dialect, group: &[usize], group_by: &str, window_ms: i64) -> Vec<(String, String)> {
    let calls = format!(
        "SELECT {} AS g, prompt_hash AS h, model_key AS m, cost, CASE WHEN ts_ms - LAG(ts_ms) OVER (\
         PARTITION BY prompt_hash, {0}, model_key ORDER BY ts_ms, cost DESC NULLS LAST) <= {window_ms} THEN 1 ELSE 0 END AS dup \
         FROM llm_costed WHERE NOT is_aggregate AND prompt_hash IS NOT NULL AND NOT is_error AND NOT is_cache_hit",
        group_label(group)
    );
    let zero = d.money(0);
    let figures = format!(
        "COUNT(*) AS calls, COALESCE(SUM(dup), 0) AS n, \
         COALESCE(SUM(CASE WHEN dup = 1 THEN cost END), {zero}) AS cost, \
         COALESCE(SUM(CASE WHEN dup = 1 AND cost IS NULL THEN 1 ELSE 0 END), 0) AS unpriced"
    );
    let fields = |t: &str, count: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("calls", d.integer(&format!("{t}.calls"))),
            (count, d.integer(&format!("{t}.n"))),
            ("cost_usd", d.number(&exact(d, &format!("{t}.cost")))),
            ("unpriced_count", d.integer(&format!("{t}.unpriced"))),
        ]
    };
    let call_share = |t: &str| share(d, &format!("{t}.n"), &format!("{t}.calls"));
    // Groups by saving, then label (a missing label first, as `Option`'s order).
    let ranked = format!(
        "SELECT x.*, ROW_NUMBER() OVER (ORDER BY cost DESC, CASE WHEN g IS NULL THEN 0 ELSE 1 END, {}) AS rn \
         FROM llm_dup_groups x",
        d.binary_order("g")
    );
    let mut row = vec![("route", "r.g".to_string())];
    row.extend(fields("r", "count"));
    row.push(("share_of_calls", call_share("r")));
    let rows = format!("SELECT {} AS j FROM llm_dup_ranked r", d.array_agg_text(&d.object(&row), "r.rn"));
    // Chains with a duplicate by saving, then more duplicates, then hash, group, model.
    let null_first = |c: &str| format!("CASE WHEN {c} IS NULL THEN 0 ELSE 1 END, {}", d.binary_order(c));
    let chains = format!(
        "SELECT x.*, ROW_NUMBER() OVER (ORDER BY cost DESC, n DESC, {}, {}, {}) AS rn \
         FROM (SELECT h, g, m, {figures} FROM llm_dup_calls GROUP BY h, g, m) x WHERE n > 0",
        d.binary_order("h"),
        null_first("g"),
        null_first("m")
    );
    let mut prompt =
        vec![("prompt_hash", "p.h".to_string()), ("route", "p.g".into()), ("model", "p.m".into())];
    prompt.extend(fields("p", "duplicates"));
    let top = format!(
        "SELECT {} AS j FROM llm_dup_chains p WHERE p.rn <= {TOP_PROMPTS}",
        d.array_agg_text(&d.object(&prompt), "p.rn")
    );
    let mut head = vec![("group_by", d.string(group_by)), ("window_ms", window_ms.to_string())];
    head.extend(fields("t", "count"));
    head.push(("share_of_calls", call_share("t")));
    let head_text = d.json_text(&d.object(&head));
    let json = format!(
        "SELECT {} AS j FROM llm_dup_total t CROSS JOIN llm_dup_rows x CROSS JOIN llm_dup_top y",
        extend_object(&head_text, "',\"routes\":' || x.j || ',\"top_prompts\":' || y.j")
    );
    vec![
        ("llm_dup_calls".into(), calls),
        ("llm_dup_groups".into(), format!("SELECT g, {figures} FROM llm_dup_calls GROUP BY g")),
        ("llm_dup_total".into(), format!("SELECT {figures} FROM llm_dup_calls")),
        ("llm_dup_ranked".into(), ranked),
        ("llm_dup_rows".into(), rows),
        ("llm_dup_chains".into(), chains),
        ("llm_dup_top".into(), top),
        ("llm_dup_json".into(), json),
    ]
}
