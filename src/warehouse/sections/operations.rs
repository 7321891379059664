//! Operations (`analyze/ops.rs`), which the retries and fallbacks sections read: the single
//! calls sharing an `operation_id` are the attempts of one operation; a call without one joins
//! the previous call of its (prompt_hash, group) when that call failed at most the retry
//! window (60 s) before it, else it starts an operation of its own. Attempts are ordered by
//! `attempt`, then time; an operation belongs to the group, model and requested model of its
//! first attempt.
//!
//! `report` breaks ties by the log's order, which a table does not keep: here every call gets
//! a sequence number `seq` by time, attempt, errors before successes, then cost (costliest
//! first), and `seq` breaks the ties. Only calls of one operation or one prompt's chain in the
//! same millisecond can be taken in another order than `report`'s (README "Differences").
//!
//! - `llm_op_calls`: the single calls with their group label `g`, `cost0` (the cost, $0 when
//!   unpriced, as the analyses count it) and `seq`;
//! - `llm_op_starts`, `llm_op_keyed`: for calls without an operation_id, whether each starts
//!   an operation (`start_seq`), then the `seq` of the start it belongs to (`lkey`), a running
//!   maximum over its (prompt_hash, group) in time order;
//! - `llm_op_attempts`: every call with `op` (its operation's key: `o` then the operation_id,
//!   or `i` then the `seq` of its first call), `pos` (1 = first attempt), `n` (attempts), and
//!   its operation's `op_g`, `op_model`, `op_req` and `op_start` (of the first attempt);
//! - `llm_ops`: one row per operation with its sums.

use super::super::dialect::Dialect;
use super::group_label;

/// The CTEs above, in order. `llm_op_attempts` is read by both sections: worth computing once.
pub fn operations(d: Dialect, group: &[usize], retry_window_ms: i64) -> Vec<(String, String)> {
    let zero = d.money(0);
    let calls = format!(
        "SELECT c.*, {} AS g, COALESCE(c.cost, {zero}) AS cost0, ROW_NUMBER() OVER (ORDER BY c.ts_ms, c.attempt, \
         CASE WHEN c.is_error THEN 0 ELSE 1 END, c.cost DESC NULLS LAST) AS seq \
         FROM llm_costed c WHERE NOT c.is_aggregate",
        group_label(group)
    );
    let chain = "PARTITION BY c.operation_id, c.prompt_hash, c.g ORDER BY c.ts_ms, c.seq";
    let starts = format!(
        "SELECT c.*, CASE WHEN c.operation_id IS NULL AND c.prompt_hash IS NOT NULL \
         AND LAG(c.is_error) OVER ({chain}) AND c.ts_ms - LAG(c.ts_ms) OVER ({chain}) <= {retry_window_ms} \
         THEN NULL ELSE c.seq END AS start_seq FROM llm_op_calls c"
    );
    let keyed = format!(
        "SELECT c.*, CASE WHEN c.operation_id IS NOT NULL THEN 'o' || c.operation_id ELSE 'i' || {} END AS op \
         FROM llm_op_starts c",
        d.to_text(&format!("MAX(c.start_seq) OVER ({chain} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"))
    );
    let order = "PARTITION BY k.op ORDER BY k.attempt, k.ts_ms, k.seq";
    let first = |col: &str, name: &str| format!("FIRST_VALUE(k.{col}) OVER ({order}) AS {name}");
    let attempts = format!(
        "SELECT k.*, ROW_NUMBER() OVER ({order}) AS pos, COUNT(*) OVER (PARTITION BY k.op) AS n, {}, {}, {}, {} \
         FROM llm_op_keyed k",
        first("g", "op_g"),
        first("model_key", "op_model"),
        first("requested_model", "op_req"),
        first("ts_ms", "op_start"),
    );
    let ops = format!(
        "SELECT op, operation_id, op_g, op_model, op_start, COUNT(*) AS calls, SUM(cost0) AS cost, \
         SUM(CASE WHEN pos = n THEN cost0 ELSE {zero} END) AS final_cost, \
         SUM(CASE WHEN is_error THEN 1 ELSE 0 END) AS failed_calls, \
         SUM(CASE WHEN is_error THEN cost0 ELSE {zero} END) AS failed_cost, \
         SUM(CASE WHEN cost IS NULL THEN 1 ELSE 0 END) AS unpriced \
         FROM llm_op_attempts GROUP BY op, operation_id, op_g, op_model, op_start"
    );
    vec![
        ("llm_op_calls".into(), calls),
        ("llm_op_starts".into(), starts),
        ("llm_op_keyed".into(), keyed),
        ("llm_op_attempts".into(), attempts),
        ("llm_ops".into(), ops),
    ]
}
