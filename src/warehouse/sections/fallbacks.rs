//! `fallbacks` (`analyze/sections/fallbacks.rs`), over the operations of `operations.rs`:
//!
//! - a model's identity: the name resolved with no provider (`PriceBook::identity(None, …)`:
//!   the entry the lookup picks, or the alias entry listing it in `snapshots`), keyed by that
//!   entry's provider and id, or by the name in ASCII lower case when no entry matches
//!   (`llm_fb_keys` … `llm_fb_names`); served names are the resolved `model` dimension;
//! - an attempt is escalated when its operation has a requested model (its first attempt's
//!   `requested_model`) and it was served by another model; the operation fell back when its
//!   last successful attempt is escalated;
//! - `extra_cost_usd`: each escalated attempt's cost − its tokens priced at the requested
//!   model's entry (the lookup's, no provider) in force at the call's own time, by the same
//!   pricing CTEs as every call (`costing.rs`); skipped and counted when either is unpriced;
//! - `ended[]`, `models[]` per (group, served model), `expensive_model` as the report's.

use super::super::costing;
use super::super::dialect::{exact, share, signed_exact, Dialect};
use super::super::prices::PriceTables;
use super::extend_object;
use crate::analyze::sections::fallbacks::EXPENSIVE_MODEL_MAJORITY;

pub fn fallbacks(d: Dialect, prices: &PriceTables, group_by: &str) -> Vec<(String, String)> {
    let zero = d.money(0);
    let f = d.double_type();
    let null_first = |c: &str| format!("CASE WHEN {c} IS NULL THEN 0 ELSE 1 END, {}", d.binary_order(c));
    let mut ctes: Vec<(String, String)> = Vec::new();

    // Every requested and served name, resolved as `lookup(None, name)`.
    let keys = format!(
        "SELECT DISTINCT CAST(NULL AS {t}) AS provider, x.name AS model FROM (\
         SELECT op_req AS name FROM llm_op_attempts WHERE op_req IS NOT NULL \
         UNION SELECT model_key AS name FROM llm_op_attempts WHERE model_key IS NOT NULL) x",
        t = d.text_type()
    );
    ctes.extend(costing::resolution(d, prices, &keys, "llm_fb"));
    ctes.push((
        "llm_fb_names".into(),
        format!(
            "SELECT k.model AS name, ch.entry, CASE WHEN e.entry IS NULL THEN 'name:' || {} \
             ELSE 'price:' || e.ident_provider || '/' || e.ident END AS ikey \
             FROM llm_fb_keys k LEFT JOIN llm_fb_chosen ch ON ch.model = k.model \
             LEFT JOIN llm_entries e ON e.entry = ch.entry",
            d.ascii_lower("k.model")
        ),
    ));
    ctes.push((
        "llm_fb_att".into(),
        format!(
            "SELECT a.*, CASE WHEN a.op_req IS NOT NULL AND NOT {} THEN 1 ELSE 0 END AS esc, r.entry AS req_entry, \
             MAX(CASE WHEN NOT a.is_error THEN a.pos END) OVER (PARTITION BY a.op) AS ok_pos \
             FROM llm_op_attempts a LEFT JOIN llm_fb_names s ON s.name = a.model_key \
             LEFT JOIN llm_fb_names r ON r.name = a.op_req",
            d.same("s.ikey", "r.ikey")
        ),
    ));
    // Escalated attempts priced at the requested model, at their own time.
    ctes.push((
        "llm_fb_req_src".into(),
        "SELECT seq, ts_ms, ts_ms AS price_at, req_entry AS entry, t_input, t_output, t_cache_read, t_cache_write, \
         t_cache_write_1h, is_batch, is_cache_hit, is_aggregate, long_context FROM llm_fb_att \
         WHERE esc = 1 AND req_entry IS NOT NULL"
            .into(),
    ));
    ctes.extend(costing::versioned(d, prices.max_tiers, "llm_fb_req_src", "llm_fb_req"));
    ctes.push(("llm_fb_req_costed".into(), costing::costed(d, "llm_fb_req_versioned")));
    ctes.push((
        "llm_fb_priced".into(),
        "SELECT a.*, q.cost AS req_cost FROM llm_fb_att a LEFT JOIN llm_fb_req_costed q ON q.seq = a.seq"
            .into(),
    ));

    // Per group.
    let sums = format!(
        "COALESCE(SUM(CASE WHEN pos = 1 THEN 1 ELSE 0 END), 0) AS ops, \
         COALESCE(SUM(CASE WHEN pos = 1 AND op_req IS NOT NULL THEN 1 ELSE 0 END), 0) AS with_req, \
         COALESCE(SUM(CASE WHEN pos = ok_pos THEN 1 ELSE 0 END), 0) AS succeeded, \
         COALESCE(SUM(CASE WHEN pos = ok_pos AND esc = 1 THEN 1 ELSE 0 END), 0) AS fallback, \
         COALESCE(SUM(esc), 0) AS esc_calls, \
         COALESCE(SUM(CASE WHEN esc = 1 THEN cost0 ELSE {zero} END), {zero}) AS esc_cost, \
         COALESCE(SUM(CASE WHEN esc = 1 AND cost IS NOT NULL AND req_cost IS NOT NULL THEN cost - req_cost \
         ELSE {zero} END), {zero}) AS extra, \
         COALESCE(SUM(CASE WHEN esc = 1 AND (cost IS NULL OR req_cost IS NULL) THEN 1 ELSE 0 END), 0) AS skipped, \
         COUNT(*) AS calls, COALESCE(SUM(cost0), {zero}) AS cost"
    );
    ctes.push(("llm_fb_groups".into(), format!("SELECT op_g AS g, {sums} FROM llm_fb_priced GROUP BY op_g")));
    ctes.push(("llm_fb_totals".into(), format!("SELECT {sums} FROM llm_fb_priced")));
    let figures = |t: &str| -> Vec<(&'static str, String)> {
        vec![
            ("operations", d.integer(&format!("{t}.ops"))),
            ("operations_with_requested_model", d.integer(&format!("{t}.with_req"))),
            ("fallback_operations", d.integer(&format!("{t}.fallback"))),
            ("fallback_rate", share(d, &format!("{t}.fallback"), &format!("{t}.ops"))),
            ("escalated_calls", d.integer(&format!("{t}.esc_calls"))),
            ("escalated_cost_usd", d.number(&exact(d, &format!("{t}.esc_cost")))),
            ("extra_cost_usd", d.number(&signed_exact(d, &format!("{t}.extra")))),
            ("extra_cost_skipped_calls", d.integer(&format!("{t}.skipped"))),
        ]
    };

    // Per (group, served model): calls, cost, operations ended there, the highest base input
    // rate of the versions its priced calls used.
    ctes.push((
        "llm_fb_cells".into(),
        "SELECT a.op_g AS g, COALESCE(a.model_key, '(none)') AS m, COUNT(*) AS calls, SUM(a.cost0) AS cost, \
         SUM(CASE WHEN a.pos = a.ok_pos THEN 1 ELSE 0 END) AS ended, MAX(r.r_input) AS rate \
         FROM llm_fb_att a LEFT JOIN llm_rates r ON a.cost IS NOT NULL AND r.entry = a.entry AND r.vidx = a.vidx \
         AND r.widx = a.widx AND r.tier = 0 GROUP BY a.op_g, COALESCE(a.model_key, '(none)')"
            .into(),
    ));
    let same_g = d.same("c.g", "s.g");
    ctes.push((
        "llm_fb_cells_ranked".into(),
        format!(
            "SELECT c.*, s.calls AS g_calls, s.cost AS g_cost, s.succeeded AS g_succeeded, \
             ROW_NUMBER() OVER (PARTITION BY c.g ORDER BY c.ended DESC, {m}) AS ended_rn, \
             ROW_NUMBER() OVER (PARTITION BY c.g ORDER BY c.cost DESC, c.calls DESC, {m}) AS model_rn, \
             ROW_NUMBER() OVER (PARTITION BY c.g ORDER BY CASE WHEN c.rate IS NULL THEN 1 ELSE 0 END, c.rate DESC, \
             c.calls DESC, {m}) AS rate_rn, COUNT(*) OVER (PARTITION BY c.g) AS n_models \
             FROM llm_fb_cells c JOIN llm_fb_groups s ON {same_g}",
            m = d.binary_order("c.m")
        ),
    ));
    let ended = d.object(&[
        ("model", "c.m".into()),
        ("operations", d.integer("c.ended")),
        ("share", format!("CAST(c.ended AS {f}) / CAST(c.g_succeeded AS {f})")),
    ]);
    ctes.push((
        "llm_fb_ended".into(),
        format!(
            "SELECT c.g, {} AS j FROM llm_fb_cells_ranked c WHERE c.ended > 0 GROUP BY c.g",
            d.array_agg_text(&ended, "c.ended_rn")
        ),
    ));
    let per_mtok = d.number(&exact(d, &format!("{} * 1000000", d.to_money("c.rate"))));
    let model = d.object(&[
        ("model", "c.m".into()),
        ("calls", d.integer("c.calls")),
        ("call_share", format!("CAST(c.calls AS {f}) / CAST(c.g_calls AS {f})")),
        ("cost_usd", d.number(&exact(d, "c.cost"))),
        ("cost_share", share(d, "c.cost", "c.g_cost")),
        ("input_usd_per_mtok", format!("CASE WHEN c.rate IS NULL THEN NULL ELSE {per_mtok} END")),
    ]);
    ctes.push((
        "llm_fb_models".into(),
        format!(
            "SELECT c.g, {} AS j FROM llm_fb_cells_ranked c GROUP BY c.g",
            d.array_agg_text(&model, "c.model_rn")
        ),
    ));
    // The model with the highest rate (then more calls, then name), when it carries more than
    // half the calls of a group using two models or more.
    ctes.push((
        "llm_fb_expensive".into(),
        format!(
            "SELECT c.g, c.m FROM llm_fb_cells_ranked c WHERE c.rate_rn = 1 AND c.rate IS NOT NULL \
             AND c.n_models >= 2 AND CAST(c.calls AS {f}) / CAST(c.g_calls AS {f}) > 0.5"
        ),
    ));
    let mut route = vec![("route", "s.g".to_string())];
    route.extend(figures("s"));
    route.push(("calls", d.integer("s.calls")));
    route.push(("cost_usd", d.number(&exact(d, "s.cost"))));
    route.push(("expensive_model", "x.m".into()));
    route.push((
        "flags",
        format!(
            "CASE WHEN x.m IS NULL THEN {} ELSE {} END",
            d.array(&[]),
            d.array(&[d.string(EXPENSIVE_MODEL_MAJORITY)])
        ),
    ));
    let route_text = extend_object(
        &d.json_text(&d.object(&route)),
        "',\"ended\":' || COALESCE(e.j, '[]') || ',\"models\":' || COALESCE(m.j, '[]')",
    );
    ctes.push((
        "llm_fb_routes".into(),
        format!(
            "SELECT {route_text} AS t, ROW_NUMBER() OVER (ORDER BY s.esc_cost DESC, s.cost DESC, {}) AS rn \
             FROM llm_fb_groups s LEFT JOIN llm_fb_expensive x ON {} LEFT JOIN llm_fb_ended e ON {} \
             LEFT JOIN llm_fb_models m ON {}",
            null_first("s.g"),
            d.same("x.g", "s.g"),
            d.same("e.g", "s.g"),
            d.same("m.g", "s.g"),
        ),
    ));
    ctes.push((
        "llm_fb_route_rows".into(),
        format!("SELECT {} AS j FROM llm_fb_routes r", d.text_array_agg("r.t", "r.rn")),
    ));
    ctes.push((
        "llm_fb_unpriced".into(),
        format!(
            "SELECT {} AS j FROM (SELECT DISTINCT op_req FROM llm_fb_priced WHERE esc = 1 AND req_cost IS NULL) u",
            d.array_agg_text("u.op_req", &d.binary_order("u.op_req"))
        ),
    ));
    let head = d.json_text(&d.object(&[("group_by", d.string(group_by))]));
    let totals = d.json_text(&d.object(&figures("t")));
    ctes.push((
        "llm_fb_json".into(),
        format!(
            "SELECT {} AS j FROM llm_fb_totals t CROSS JOIN llm_fb_route_rows rr CROSS JOIN llm_fb_unpriced u",
            extend_object(
                &head,
                &format!(
                    "',\"totals\":' || {totals} || ',\"routes\":' || rr.j || ',\"unpriced_requested_models\":' || u.j"
                )
            )
        ),
    ));
    ctes
}
