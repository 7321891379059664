//! The leak sections the statement computes, each as CTEs ending in one `llm_<name>_json`
//! with a column `j` holding the section's JSON, in the report's shape. Like the analyses,
//! they look at single calls only: usage-API buckets (`aggregate`) are left out.

use super::dialect::Dialect;
use super::query::{exact, share};

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
