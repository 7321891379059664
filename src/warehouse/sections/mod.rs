//! The leak sections the statement computes (environments and waste here, the others one
//! file each; `operations.rs` the operations retries and fallbacks share), each as CTEs
//! ending in one `llm_<name>_json`
//! with a column `j` holding the section's JSON, in the report's shape. Like the analyses,
//! they look at single calls only: usage-API buckets (`aggregate`) are left out.

mod cache;
mod duplicates;
mod fallbacks;
mod operations;
mod pareto;
mod retries;
mod thresholds;

pub use cache::cache;
pub use duplicates::duplicates;
pub use fallbacks::fallbacks;
pub use operations::operations;
pub use pareto::pareto;
pub use retries::retries;
pub use thresholds::thresholds;

use super::dialect::{exact, share, Dialect};

/// The label of a call's group (`--by`'s first entry) from its `dim_N` columns: the value,
/// or for a combined grouping the values joined by ` / ` with `(none)` for a missing one,
/// as `Groups::new`.
pub(super) fn group_label(group: &[usize]) -> String {
    if let [single] = group {
        format!("dim_{single}")
    } else {
        group.iter().map(|g| format!("COALESCE(dim_{g}, '(none)')")).collect::<Vec<_>>().join(" || ' / ' || ")
    }
}

/// Glues a JSON object's text (`head`, an SQL text expression) and more members: the
/// object without its closing brace, then `rest` (SQL text starting with a comma), then `}`.
pub(super) fn extend_object(head: &str, rest: &str) -> String {
    format!("SUBSTR({head}, 1, LENGTH({head}) - 1) || {rest} || '}}'")
}

/// `environments` (`analyze/sections/environments.rs`): cost by environment value, each
/// classed `production` (`prod`/`production`, any case, spaces trimmed), `none` (missing or
/// blank) or `non_production`; rows by cost, then the value (missing last).
pub fn environments(d: Dialect) -> Vec<(String, String)> {
    let trimmed = "TRIM(environment)";
    let grouped = format!(
        "SELECT environment AS k, COUNT(*) AS calls, SUM(CASE WHEN cost IS NOT NULL THEN 1 ELSE 0 END) AS priced_calls, \
         COALESCE(SUM(cost), {zero}) AS cost, \
         CASE WHEN environment IS NULL OR {trimmed} = '' THEN 'none' \
         WHEN {} IN ('prod', 'production') THEN 'production' ELSE 'non_production' END AS class \
         FROM llm_costed WHERE NOT is_aggregate GROUP BY environment",
        d.ascii_lower(trimmed),
        zero = d.money(0),
    );
    let ranked = format!(
        "SELECT g.*, ROW_NUMBER() OVER (ORDER BY cost DESC, CASE WHEN k IS NULL THEN 1 ELSE 0 END, {}) AS rn, \
         SUM(cost) OVER () AS total FROM llm_env g",
        d.binary_order("k")
    );
    let row = d.object(&[
        ("key", "r.k".into()),
        ("class", "r.class".into()),
        ("calls", d.integer("r.calls")),
        ("priced_calls", d.integer("r.priced_calls")),
        ("cost_usd", d.number(&exact(d, "r.cost"))),
        ("share", share(d, "r.cost", "r.total")),
    ]);
    let class_sum = |class: &str, what: &str, zero: String| {
        format!("COALESCE(SUM(CASE WHEN class = '{class}' THEN {what} END), {zero})")
    };
    let sums = format!(
        "SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(cost), {z}) AS cost, {} AS production, {} AS non_production, \
         {} AS none, {} AS non_production_calls FROM llm_env",
        class_sum("production", "cost", d.money(0)),
        class_sum("non_production", "cost", d.money(0)),
        class_sum("none", "cost", d.money(0)),
        class_sum("non_production", "calls", "0".into()),
        z = d.money(0),
    );
    let rows = format!("SELECT {} AS j FROM llm_env_ranked r", d.array_agg_text(&row, "r.rn"));
    let head = d.object(&[
        ("calls", d.integer("s.calls")),
        ("cost_usd", d.number(&exact(d, "s.cost"))),
        ("production_cost_usd", d.number(&exact(d, "s.production"))),
        ("non_production_cost_usd", d.number(&exact(d, "s.non_production"))),
        ("none_cost_usd", d.number(&exact(d, "s.none"))),
        ("non_production_calls", d.integer("s.non_production_calls")),
        ("non_production_share", share(d, "s.non_production", "s.cost")),
    ]);
    // The head object's text with its closing brace replaced by the rows.
    let head_text = d.json_text(&head);
    let json = format!(
        "SELECT SUBSTR({head_text}, 1, LENGTH({head_text}) - 1) || ',\"rows\":' || x.j || '}}' AS j \
         FROM llm_env_sums s CROSS JOIN llm_env_rows x"
    );
    vec![
        ("llm_env".into(), grouped),
        ("llm_env_ranked".into(), ranked),
        ("llm_env_sums".into(), sums),
        ("llm_env_rows".into(), rows),
        ("llm_env_json".into(), json),
    ]
}

/// `waste` (`analyze/sections/waste.rs`): calls whose `finish_reason` is `length` or
/// `max_tokens` (ASCII case-insensitive), their cost, and the output tokens' part of each
/// group's cost; groups by truncated cost, then cost, then label (a missing label first).
pub fn waste(d: Dialect, group: &[usize], group_by: &str) -> Vec<(String, String)> {
    let label = group_label(group);
    let calls = format!(
        "SELECT {label} AS g, CASE WHEN finish_reason IS NOT NULL THEN 1 ELSE 0 END AS has_reason, \
         CASE WHEN {} IN ('length', 'max_tokens') THEN 1 ELSE 0 END AS cut, cost, cost_output, t_output \
         FROM llm_costed WHERE NOT is_aggregate",
        d.ascii_lower("finish_reason")
    );
    let zero = d.money(0);
    let figures = format!(
        "COUNT(*) AS calls, COALESCE(SUM(has_reason), 0) AS finish_reason_calls, \
         COALESCE(SUM(CASE WHEN cost IS NULL THEN 1 ELSE 0 END), 0) AS unpriced_calls, \
         COALESCE(SUM(cost), {zero}) AS cost, COALESCE(SUM(cost_output), {zero}) AS output_cost, \
         COALESCE(SUM(cut), 0) AS truncated_calls, \
         COALESCE(SUM(CASE WHEN cut = 1 AND cost IS NULL THEN 1 ELSE 0 END), 0) AS truncated_unpriced_calls, \
         COALESCE(SUM(CASE WHEN cut = 1 THEN cost END), {zero}) AS truncated_cost, \
         COALESCE(SUM(CASE WHEN cut = 1 THEN {} ELSE {zero} END), {zero}) AS truncated_output_tokens",
        d.to_money("t_output")
    );
    let fields = |t: &str| -> Vec<(&'static str, String)> {
        vec![
            ("calls", d.integer(&format!("{t}.calls"))),
            ("finish_reason_calls", d.integer(&format!("{t}.finish_reason_calls"))),
            ("unpriced_calls", d.integer(&format!("{t}.unpriced_calls"))),
            ("cost_usd", d.number(&exact(d, &format!("{t}.cost")))),
            ("output_cost_usd", d.number(&exact(d, &format!("{t}.output_cost")))),
            ("truncated_calls", d.integer(&format!("{t}.truncated_calls"))),
            ("truncated_unpriced_calls", d.integer(&format!("{t}.truncated_unpriced_calls"))),
            ("truncated_cost_usd", d.number(&exact(d, &format!("{t}.truncated_cost")))),
            ("truncated_output_tokens", d.integer(&format!("{t}.truncated_output_tokens"))),
            ("output_share", share(d, &format!("{t}.output_cost"), &format!("{t}.cost"))),
            ("truncated_rate", share(d, &format!("{t}.truncated_calls"), &format!("{t}.calls"))),
        ]
    };
    let ranked = format!(
        "SELECT w.*, ROW_NUMBER() OVER (ORDER BY truncated_cost DESC, cost DESC, \
         CASE WHEN g IS NULL THEN 0 ELSE 1 END, {}) AS rn FROM llm_waste w",
        d.binary_order("g")
    );
    let mut row = vec![("route", "r.g".to_string())];
    row.extend(fields("r"));
    let rows = format!("SELECT {} AS j FROM llm_waste_ranked r", d.array_agg_text(&d.object(&row), "r.rn"));
    let mut head = vec![("group_by", d.string(group_by))];
    head.extend(fields("t"));
    let head_text = d.json_text(&d.object(&head));
    let json = format!(
        "SELECT SUBSTR({head_text}, 1, LENGTH({head_text}) - 1) || ',\"routes\":' || x.j || '}}' AS j \
         FROM llm_waste_total t CROSS JOIN llm_waste_rows x"
    );
    vec![
        ("llm_waste_calls".into(), calls),
        ("llm_waste".into(), format!("SELECT g, {figures} FROM llm_waste_calls GROUP BY g")),
        ("llm_waste_total".into(), format!("SELECT {figures} FROM llm_waste_calls")),
        ("llm_waste_ranked".into(), ranked),
        ("llm_waste_rows".into(), rows),
        ("llm_waste_json".into(), json),
    ]
}
