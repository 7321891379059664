//! `retries` (`analyze/sections/retries.rs`), over the operations of `operations.rs`:
//! per group (the first attempt's) and per model (the first attempt's, as resolved), the
//! calls, operations, retried operations (2+ attempts), `multiplier` = calls / operations,
//! cost, the final attempts' cost and `cost_multiplier` = cost / final cost (null when the
//! final attempts cost nothing), failed calls and their cost, unpriced calls ($0 here).
//!
//! Storms: the error calls of one (operation's group, call's provider) in time order, split
//! where two are `storm_gap_ms` or more apart (a `LAG` and a running sum); a run of at least
//! `STORM_MIN_ERRORS` is a storm. Runaway: operations with more than `runaway_attempts`
//! attempts. Both lists keep the `LIST_LIMIT` costliest; counts and costs cover all.
//!
//! Ties the report breaks by ids it numbers in the log's order are broken by label here: two
//! storms alike in cost and start time are listed by group label, then provider (`report`:
//! by the order their group and provider first appear in the log).

use super::super::dialect::{exact, rfc3339, share, Dialect};
use super::extend_object;
use crate::analyze::sections::retries::{LIST_LIMIT, STORM_MIN_ERRORS};

pub fn retries(
    d: Dialect,
    group_by: &str,
    storm_gap_ms: i64,
    runaway_attempts: u32,
) -> Vec<(String, String)> {
    let zero = d.money(0);
    let f = d.double_type();
    let sums = format!(
        "COUNT(*) AS ops, COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(CASE WHEN calls > 1 THEN 1 ELSE 0 END), 0) AS retried, \
         COALESCE(SUM(cost), {zero}) AS cost, COALESCE(SUM(final_cost), {zero}) AS final_cost, \
         COALESCE(SUM(failed_calls), 0) AS failed_calls, COALESCE(SUM(failed_cost), {zero}) AS failed_cost, \
         COALESCE(SUM(unpriced), 0) AS unpriced"
    );
    let figures = |t: &str| -> Vec<(&'static str, String)> {
        vec![
            ("calls", d.integer(&format!("{t}.calls"))),
            ("operations", d.integer(&format!("{t}.ops"))),
            ("retried_operations", d.integer(&format!("{t}.retried"))),
            ("multiplier", share(d, &format!("{t}.calls"), &format!("{t}.ops"))),
            ("cost_usd", d.number(&exact(d, &format!("{t}.cost")))),
            ("final_cost_usd", d.number(&exact(d, &format!("{t}.final_cost")))),
            (
                "cost_multiplier",
                format!(
                    "CASE WHEN {t}.final_cost = 0 THEN NULL ELSE CAST({t}.cost AS {f}) / CAST({t}.final_cost AS {f}) END"
                ),
            ),
            ("failed_calls", d.integer(&format!("{t}.failed_calls"))),
            ("failed_cost_usd", d.number(&exact(d, &format!("{t}.failed_cost")))),
            ("unpriced_calls", d.integer(&format!("{t}.unpriced"))),
        ]
    };
    let null_first = |c: &str| format!("CASE WHEN {c} IS NULL THEN 0 ELSE 1 END, {}", d.binary_order(c));
    // Rows by cost, then label (a missing one first, as `Option`'s order).
    let rows = |key: &str, col: &str, cte: &str| {
        let ranked = format!(
            "SELECT x.*, ROW_NUMBER() OVER (ORDER BY x.cost DESC, {}) AS rn \
             FROM (SELECT {col} AS k, {sums} FROM llm_ops GROUP BY {col}) x",
            null_first("x.k")
        );
        let mut row = vec![(key, "r.k".to_string())];
        row.extend(figures("r"));
        (
            (format!("{cte}_ranked"), ranked),
            (
                format!("{cte}_rows"),
                format!("SELECT {} AS j FROM {cte}_ranked r", d.array_agg_text(&d.object(&row), "r.rn")),
            ),
        )
    };
    let (routes_ranked, routes_rows) = rows("route", "op_g", "llm_ret_routes");
    let (models_ranked, models_rows) = rows("model", "op_model", "llm_ret_models");

    // Storms: the error calls, a new run where the gap to the previous one is the gap or more.
    let run = "PARTITION BY e.op_g, e.provider ORDER BY e.ts_ms, e.seq";
    let errors = format!(
        "SELECT e.op_g, e.provider, e.ts_ms, e.seq, e.op, e.cost0, \
         CASE WHEN e.ts_ms - LAG(e.ts_ms) OVER ({run}) < {storm_gap_ms} THEN 0 ELSE 1 END AS brk \
         FROM llm_op_attempts e WHERE e.is_error"
    );
    let runs = format!(
        "SELECT e.*, SUM(e.brk) OVER ({run} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run FROM llm_ret_errors e"
    );
    let storms = format!(
        "SELECT x.*, ROW_NUMBER() OVER (ORDER BY x.cost DESC, x.start_ms, {}, {}) AS rn FROM (\
         SELECT op_g AS g, provider, MIN(ts_ms) AS start_ms, MAX(ts_ms) AS end_ms, COUNT(*) AS attempts, \
         COUNT(DISTINCT op) AS ops, SUM(cost0) AS cost FROM llm_ret_runs GROUP BY op_g, provider, run \
         HAVING COUNT(*) >= {STORM_MIN_ERRORS}) x",
        null_first("x.g"),
        null_first("x.provider")
    );
    let storm = d.object(&[
        ("start", rfc3339(d, "s.start_ms")),
        ("end", rfc3339(d, "s.end_ms")),
        ("route", "s.g".into()),
        ("provider", "s.provider".into()),
        ("attempts", d.integer("s.attempts")),
        ("operations", d.integer("s.ops")),
        ("cost_usd", d.number(&exact(d, "s.cost"))),
    ]);
    let storm_rows = format!(
        "SELECT {} AS j FROM llm_ret_storms s WHERE s.rn <= {LIST_LIMIT}",
        d.array_agg_text(&storm, "s.rn")
    );
    let storm_sums = format!(
        "SELECT COUNT(*) AS n, COALESCE(SUM(attempts), 0) AS attempts, COALESCE(SUM(cost), {zero}) AS cost \
         FROM llm_ret_storms"
    );

    // Runaway operations by cost, attempts, start, then operation id and group (missing first).
    let runaway = format!(
        "SELECT o.*, ROW_NUMBER() OVER (ORDER BY o.cost DESC, o.calls DESC, o.op_start, {}, {}) AS rn \
         FROM llm_ops o WHERE o.calls > {runaway_attempts}",
        null_first("o.operation_id"),
        null_first("o.op_g")
    );
    let runaway_row = d.object(&[
        ("operation", "w.operation_id".into()),
        ("route", "w.op_g".into()),
        ("start", rfc3339(d, "w.op_start")),
        ("attempts", d.integer("w.calls")),
        ("failed_attempts", d.integer("w.failed_calls")),
        ("cost_usd", d.number(&exact(d, "w.cost"))),
    ]);
    let runaway_rows = format!(
        "SELECT {} AS j FROM llm_ret_runaway w WHERE w.rn <= {LIST_LIMIT}",
        d.array_agg_text(&runaway_row, "w.rn")
    );
    let runaway_sums =
        format!("SELECT COUNT(*) AS n, COALESCE(SUM(cost), {zero}) AS cost FROM llm_ret_runaway");

    let head = d.object(&[
        ("group_by", d.string(group_by)),
        ("storm_gap_ms", storm_gap_ms.to_string()),
        ("storm_min_errors", STORM_MIN_ERRORS.to_string()),
        ("runaway_attempts", runaway_attempts.to_string()),
        ("storm_count", d.integer("ss.n")),
        ("storm_attempts", d.integer("ss.attempts")),
        ("storm_cost_usd", d.number(&exact(d, "ss.cost"))),
        ("runaway_count", d.integer("ws.n")),
        ("runaway_cost_usd", d.number(&exact(d, "ws.cost"))),
    ]);
    let totals = d.json_text(&d.object(&figures("t")));
    let json = format!(
        "SELECT {} AS j FROM llm_ret_totals t CROSS JOIN llm_ret_storm_sums ss CROSS JOIN llm_ret_runaway_sums ws \
         CROSS JOIN llm_ret_routes_rows rr CROSS JOIN llm_ret_models_rows mr CROSS JOIN llm_ret_storm_rows sr \
         CROSS JOIN llm_ret_runaway_rows wr",
        extend_object(
            &d.json_text(&head),
            &format!(
                "',\"totals\":' || {totals} || ',\"routes\":' || rr.j || ',\"models\":' || mr.j \
                 || ',\"storms\":' || sr.j || ',\"runaway\":' || wr.j"
            )
        )
    );
    vec![
        ("llm_ret_totals".into(), format!("SELECT {sums} FROM llm_ops")),
        routes_ranked,
        routes_rows,
        models_ranked,
        models_rows,
        ("llm_ret_errors".into(), errors),
        ("llm_ret_runs".into(), runs),
        ("llm_ret_storms".into(), storms),
        ("llm_ret_storm_rows".into(), storm_rows),
        ("llm_ret_storm_sums".into(), storm_sums),
        ("llm_ret_runaway".into(), runaway),
        ("llm_ret_runaway_rows".into(), runaway_rows),
        ("llm_ret_runaway_sums".into(), runaway_sums),
        ("llm_ret_json".into(), json),
    ]
}
