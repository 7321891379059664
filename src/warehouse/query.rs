//! The statement itself: calls selected and normalised (`llm_base`, `llm_calls`), names
//! resolved to price entries (`llm_keys` … `llm_chosen`), each call priced at its version and
//! tier (`llm_costed`: `cost` in attodollars, null when unpriced), then the report's parts as
//! JSON text and one final SELECT gluing them into the report.

use std::fmt::Write as _;

use super::costing;
use super::dialect::{exact, rfc3339, share, Dialect};
use super::prices::PriceTables;
use super::Plan;
use crate::analyze::dims::Dim;
use crate::calls::StrCol;
use crate::ingest::normalize::field_of;
use crate::time::MS_PER_DAY;

/// Token columns: (canonical column, name in the query).
const TOKENS: [(&str, &str); 6] = [
    ("input_tokens", "t_input"),
    ("output_tokens", "t_output"),
    ("cache_read_tokens", "t_cache_read"),
    ("cache_write_tokens", "t_cache_write"),
    ("cache_write_1h_tokens", "t_cache_write_1h"),
    ("reasoning_tokens", "t_reasoning"),
];

pub fn statement(plan: &Plan, prices: &PriceTables, prefix: &str, suffix: &str) -> String {
    let d = plan.dialect;
    let dims = distinct_dims(plan);
    let mut ctes: Vec<(String, String)> =
        prices.ctes.iter().map(|(name, body)| (name.to_string(), body.clone())).collect();
    ctes.push(("llm_base".into(), base(plan, &dims)));
    ctes.extend(costing::resolution(d, prices, "SELECT DISTINCT provider, model FROM llm_base", "llm"));
    ctes.push(("llm_calls".into(), calls(plan, &dims)));
    ctes.extend(costing::versioned(d, prices.max_tiers, "llm_calls", "llm"));
    ctes.push(("llm_costed".into(), costing::costed(d, "llm_versioned")));
    ctes.push(("llm_totals".into(), totals(d)));
    let mut parts = vec![
        ("\"period\":".to_string(), "llm_period_json".to_string()),
        (",\"totals\":".to_string(), "llm_totals_json".to_string()),
    ];
    ctes.push(("llm_period_json".into(), period_json(d)));
    ctes.push(("llm_totals_json".into(), totals_json(d)));
    for (i, b) in plan.breakdowns.iter().enumerate() {
        let name = b.iter().map(Dim::name).collect::<Vec<_>>().join(",");
        let cols: Vec<usize> = b.iter().map(|x| dims.iter().position(|y| y == x).expect("listed")).collect();
        let by_day = matches!(b.as_slice(), [Dim::Day(_)]);
        ctes.extend(breakdown(d, i, &cols, by_day, if by_day { None } else { plan.top }));
        let open = if i == 0 { ",\"breakdowns\":{" } else { "," };
        parts.push((
            format!("{open}{}:", serde_json::to_string(&name).expect("a string")),
            format!("llm_b{i}_json"),
        ));
    }
    let close = if plan.breakdowns.is_empty() { ",\"breakdowns\":{}" } else { "}" };
    ctes.extend(unpriced(d));
    parts.push((format!("{close},\"unpriced\":"), "llm_unpriced_json".into()));
    ctes.extend(super::sections::environments(d));
    parts.push((",\"environments\":".into(), "llm_env_json".into()));
    let group: Vec<usize> =
        plan.group.iter().map(|x| dims.iter().position(|y| y == x).expect("listed")).collect();
    let group_by = plan.group.iter().map(Dim::name).collect::<Vec<_>>().join(",");
    ctes.extend(super::sections::waste(d, &group, &group_by));
    parts.push((",\"waste\":".into(), "llm_waste_json".into()));
    ctes.extend(super::sections::cache(d, &group, &group_by));
    parts.push((",\"cache\":".into(), "llm_cache_json".into()));
    ctes.extend(super::sections::duplicates(d, &group, &group_by, plan.duplicate_window_ms));
    parts.push((",\"duplicates\":".into(), "llm_dup_json".into()));
    ctes.extend(super::sections::thresholds(d, &group, &group_by, plan.near_miss, prices.max_tiers));
    parts.push((",\"thresholds\":".into(), "llm_th_json".into()));
    ctes.extend(super::sections::pareto(d, plan.pareto_share));
    parts.push((",\"pareto\":".into(), "llm_par_json".into()));
    let retry_window_ms = crate::analyze::Options::default().retry_window_ms;
    ctes.extend(super::sections::operations(d, &group, retry_window_ms));
    ctes.extend(super::sections::retries(d, &group_by, plan.storm_gap_ms, plan.runaway_attempts));
    parts.push((",\"retries\":".into(), "llm_ret_json".into()));
    ctes.extend(super::sections::fallbacks(d, prices, &group_by));
    parts.push((",\"fallbacks\":".into(), "llm_fb_json".into()));

    let mut sql = String::from("WITH\n");
    // The priced calls are read by every part, the attempts by two sections: computed once
    // where the engine can be told so.
    let defs: Vec<String> = ctes
        .iter()
        .map(|(name, body)| {
            let once = if ["llm_costed", "llm_op_attempts"].contains(&name.as_str()) {
                d.materialized()
            } else {
                ""
            };
            format!("{name} AS {once}(\n  {body}\n)")
        })
        .collect();
    sql.push_str(&defs.join(",\n"));
    let mut glue = vec![d.string(prefix)];
    for (text, cte) in &parts {
        glue.push(d.string(text));
        glue.push(format!("{cte}.j"));
    }
    glue.push(d.string(suffix));
    let from: Vec<&str> = parts.iter().map(|(_, cte)| cte.as_str()).collect();
    let _ = write!(sql, "\nSELECT {} AS report\nFROM {}", glue.join("\n  || "), from.join(" CROSS JOIN "));
    sql
}

/// Every dimension the breakdowns and filters name, once.
fn distinct_dims(plan: &Plan) -> Vec<Dim> {
    let mut dims: Vec<Dim> = Vec::new();
    let listed = plan.breakdowns.iter().flatten().chain(&plan.group);
    for dim in listed.chain(plan.filters.iter().map(|f| &f.dim)) {
        if !dims.contains(dim) {
            dims.push(dim.clone());
        }
    }
    dims
}

fn column(d: Dialect, name: &str) -> String {
    d.ident(name)
}

/// The table's columns renamed and typed; dimensions as text (`dim_N`), day computed later.
fn base(plan: &Plan, dims: &[Dim]) -> String {
    let d = plan.dialect;
    let text = |c: &str| d.to_text(&column(d, c));
    let boolean = |c: &str| format!("COALESCE(CAST({} AS BOOLEAN), FALSE)", column(d, c));
    let mut cols = vec![
        format!("{} AS ts_ms", d.epoch_ms(&column(d, "timestamp"))),
        format!("{} AS provider", text("provider")),
        format!("{} AS model", text("model")),
        format!("{} AS environment", text("environment")),
        format!("{} AS finish_reason", text("finish_reason")),
        format!("{} AS prompt_hash", text("prompt_hash")),
        // Operations (retries, fallbacks): attempts of one request, and the model it asked for.
        format!("{} AS operation_id", text("operation_id")),
        format!("COALESCE(CAST({} AS {}), 0) AS attempt", column(d, "attempt"), d.int_type()),
        format!("{} AS requested_model", text("requested_model")),
        // The Pareto section's dimensions.
        format!("{} AS p_user", text("user_id")),
        format!("{} AS p_feature", text("feature")),
        format!("{} AS p_route", text("route")),
        format!("{} AS p_job", text("job_id")),
    ];
    for (canonical, name) in TOKENS {
        cols.push(format!("COALESCE(CAST({} AS {}), 0) AS {name}", column(d, canonical), d.int_type()));
    }
    let status = d.ascii_lower(&text("status"));
    cols.push(format!(
        "CASE WHEN {} IS NOT NULL THEN {status} IN ('error', 'failed', 'failure') \
         ELSE COALESCE(CAST({} AS {}) >= 400, FALSE) OR {} IS NOT NULL END AS is_error",
        column(d, "status"),
        column(d, "http_status"),
        d.int_type(),
        column(d, "error_type"),
    ));
    cols.push(format!(
        "{} OR COALESCE({} IN ('batch', 'flex'), FALSE) AS is_batch",
        boolean("batch"),
        d.ascii_lower(&text("service_tier"))
    ));
    cols.push(format!("{} AS is_cache_hit", boolean("cache_hit")));
    cols.push(format!("{} AS is_aggregate", boolean("aggregate")));
    cols.push(format!("{} AS long_context", boolean("long_context")));
    cols.push(format!("CAST({} AS {}) AS requests_raw", column(d, "requests"), d.int_type()));
    for (i, dim) in dims.iter().enumerate() {
        match dim {
            // The model a call resolves to is known after the lookup (`llm_calls`).
            Dim::Str(StrCol::Model) => {}
            Dim::Str(c) => cols.push(format!("{} AS dim_{i}", text(field_of(*c).name()))),
            Dim::Extra(_, name) => cols.push(format!("{} AS dim_{i}", text(name))),
            // Hours are refused by `llmcost sql` before a plan is made.
            Dim::Day(_) | Dim::Hour(_) => {}
        }
    }
    format!("SELECT\n    {}\n  FROM {}", cols.join(",\n    "), d.table(&plan.table))
}

/// The selected calls, with the day, the request count and the time they are priced at.
fn calls(plan: &Plan, dims: &[Dim]) -> String {
    let d = plan.dialect;
    let mut cols = vec!["b.*".to_string()];
    cols.push(format!(
        "CASE WHEN b.is_aggregate THEN COALESCE(b.requests_raw, 0) ELSE 1 END AS requests, {} AS price_at",
        plan.price_as_of.map_or("b.ts_ms".to_string(), |t| t.to_string())
    ));
    let day = d.date_text(&d.div("b.ts_ms", &MS_PER_DAY.to_string()));
    // As `price::resolve_model_names`: the id of the model the name resolves to (an alias
    // for its dated snapshots), the logged name when it resolves to none.
    let model = "COALESCE(e.ident, b.model)";
    cols.push("ch.entry".into());
    cols.push(format!("{model} AS model_key"));
    for (i, dim) in dims.iter().enumerate() {
        match dim {
            Dim::Day(_) => cols.push(format!("{day} AS dim_{i}")),
            Dim::Str(StrCol::Model) => cols.push(format!("{model} AS dim_{i}")),
            _ => {}
        }
    }
    let mut conditions = Vec::new();
    if let Some(s) = plan.since {
        conditions.push(format!("b.ts_ms >= {s}"));
    }
    if let Some(u) = plan.until {
        conditions.push(format!("b.ts_ms < {u}"));
    }
    for f in &plan.filters {
        let i = dims.iter().position(|x| *x == f.dim).expect("listed");
        let expr = match f.dim {
            Dim::Day(_) => day.clone(),
            Dim::Str(StrCol::Model) => model.to_string(),
            _ => format!("b.dim_{i}"),
        };
        let v = d.string(&f.value);
        conditions.push(if f.negate {
            format!("NOT {}", d.same(&expr, &v))
        } else {
            format!("{expr} = {v}")
        });
    }
    let filter =
        if conditions.is_empty() { String::new() } else { format!("\n  WHERE {}", conditions.join(" AND ")) };
    format!(
        "SELECT {} FROM llm_base b LEFT JOIN llm_chosen ch ON {} AND ch.model = b.model \
         LEFT JOIN llm_entries e ON e.entry = ch.entry{filter}",
        cols.join(", "),
        d.same("ch.provider", "b.provider")
    )
}

/// The summed columns of a group of calls (`Sums`).
fn sums(d: Dialect) -> String {
    let m = |e: &str| d.to_money(e);
    let mut cols = vec![
        format!("COALESCE(SUM({}), 0) AS calls", m("requests")),
        format!(
            "COALESCE(SUM(CASE WHEN cost IS NOT NULL THEN {} ELSE 0 END), 0) AS priced_calls",
            m("requests")
        ),
        format!("COALESCE(SUM(cost), {}) AS cost", d.money(0)),
    ];
    for (_, name) in TOKENS {
        cols.push(format!("COALESCE(SUM({}), 0) AS {name}", m(name)));
    }
    cols.join(", ")
}

/// The JSON fields of `Sums` (cost as an exact number), from columns of the same names.
fn sums_fields(d: Dialect, t: &str) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("calls", d.integer(&format!("{t}.calls"))),
        ("priced_calls", d.integer(&format!("{t}.priced_calls"))),
        ("cost_usd", d.number(&exact(d, &format!("{t}.cost")))),
    ];
    for (canonical, name) in TOKENS {
        fields.push((canonical, d.integer(&format!("{t}.{name}"))));
    }
    fields
}

/// Attodollars as the decimal text `Money::exact` writes (`0.0025`, `4`).
fn totals(d: Dialect) -> String {
    let m = |e: &str| d.to_money(e);
    format!(
        "SELECT {}, COALESCE(SUM(CASE WHEN is_error THEN {r} ELSE 0 END), 0) AS error_calls, \
         COALESCE(SUM(CASE WHEN is_batch THEN {r} ELSE 0 END), 0) AS batch_calls, \
         COALESCE(SUM(CASE WHEN is_cache_hit THEN {r} ELSE 0 END), 0) AS app_cache_hits, \
         COALESCE(SUM(CASE WHEN is_aggregate THEN 1 ELSE 0 END), 0) AS aggregate_rows, \
         MIN(ts_ms) AS first_ms, MAX(ts_ms) AS last_ms FROM llm_costed",
        sums(d),
        r = m("requests")
    )
}

fn totals_json(d: Dialect) -> String {
    let mut fields = sums_fields(d, "t");
    fields.push(("cost_usd_exact", exact(d, "t.cost")));
    fields.push(("unpriced_calls", d.integer("t.calls - t.priced_calls")));
    fields.push(("error_calls", d.integer("t.error_calls")));
    fields.push(("batch_calls", d.integer("t.batch_calls")));
    fields.push(("app_cache_hits", d.integer("t.app_cache_hits")));
    let without = d.object(&fields);
    fields.push(("aggregate_rows", d.integer("t.aggregate_rows")));
    let with = d.object(&fields);
    // The key appears only when some rows are usage-API buckets, as in the report.
    let obj = if d.optional_keys() {
        format!("CASE WHEN t.aggregate_rows > 0 THEN {with} ELSE {without} END")
    } else {
        with
    };
    format!("SELECT {} AS j FROM llm_totals t", d.json_text(&obj))
}

fn period_json(d: Dialect) -> String {
    let obj = d.object(&[("from", rfc3339(d, "t.first_ms")), ("to", rfc3339(d, "t.last_ms"))]);
    format!("SELECT {} AS j FROM llm_totals t", d.json_text(&obj))
}

/// One breakdown: groups, ranked as `spend::breakdown` sorts them (cost, calls, then the
/// values, a missing value last; by day alone in date order), cut at `top` with the rest in
/// one "(N others)" row, as a JSON array.
fn breakdown(
    d: Dialect,
    i: usize,
    cols: &[usize],
    by_day: bool,
    top: Option<usize>,
) -> Vec<(String, String)> {
    let keys: Vec<String> = (1..=cols.len()).map(|k| format!("k{k}")).collect();
    let select_keys: Vec<String> = cols.iter().zip(&keys).map(|(c, k)| format!("dim_{c} AS {k}")).collect();
    let group_by: Vec<String> = cols.iter().map(|c| format!("dim_{c}")).collect();
    let grouped = format!(
        "SELECT {}, {}, COUNT(*) AS n_rows FROM llm_costed GROUP BY {}",
        select_keys.join(", "),
        sums(d),
        group_by.join(", ")
    );
    let mut order: Vec<String> =
        if by_day { Vec::new() } else { vec!["cost DESC".into(), "calls DESC".into()] };
    for k in &keys {
        order.push(format!("CASE WHEN {k} IS NULL THEN 1 ELSE 0 END"));
        order.push(d.binary_order(k));
    }
    let ranked = format!(
        "SELECT g.*, ROW_NUMBER() OVER (ORDER BY {}) AS rn, SUM(cost) OVER () AS total FROM llm_b{i} g",
        order.join(", ")
    );
    let mut fields: Vec<(&str, String)> = Vec::new();
    let key = if keys.len() == 1 {
        "r.k1".to_string()
    } else {
        keys.iter().map(|k| format!("COALESCE(r.{k}, '(none)')")).collect::<Vec<_>>().join(" || ' / ' || ")
    };
    fields.push(("key", key));
    if keys.len() > 1 {
        let items: Vec<String> = keys.iter().map(|k| format!("r.{k}")).collect();
        fields.push(("keys", d.array(&items)));
    }
    fields.extend(sums_fields(d, "r"));
    fields.push(("share", share(d, "r.cost", "r.total")));
    if !d.optional_keys() {
        fields.push(("other", "FALSE".into()));
    }
    let mut rows = format!("SELECT r.rn, {} AS o FROM llm_b{i}_ranked r", d.object(&fields));
    if let Some(top) = top {
        let _ = write!(rows, " WHERE r.rn <= {top}");
        let mut other: Vec<(&str, String)> =
            vec![("key", format!("'(' || {} || ' others)'", d.to_text("r.n_groups")))];
        if keys.len() > 1 && !d.optional_keys() {
            other.push(("keys", format!("CAST(NULL AS ARRAY<{}>)", d.text_type())));
        }
        other.extend(sums_fields(d, "r"));
        other.push(("share", share(d, "r.cost", "r.total")));
        other.push(("other", "TRUE".into()));
        let mut resum: Vec<String> =
            ["calls", "priced_calls", "cost"].iter().map(|c| format!("SUM({c}) AS {c}")).collect();
        resum.extend(TOKENS.iter().map(|(_, n)| format!("SUM({n}) AS {n}")));
        let _ = write!(
            rows,
            "\n  UNION ALL SELECT {} AS rn, {} AS o FROM (SELECT COUNT(*) AS n_groups, {}, MAX(total) AS total \
             FROM llm_b{i}_ranked WHERE rn > {top}) r WHERE r.n_groups > 0",
            top + 1,
            d.object(&other),
            resum.join(", ")
        );
    }
    let json = format!("SELECT {} AS j FROM llm_b{i}_rows", d.array_agg_text("o", "rn"));
    vec![
        (format!("llm_b{i}"), grouped),
        (format!("llm_b{i}_ranked"), ranked),
        (format!("llm_b{i}_rows"), rows),
        (format!("llm_b{i}_json"), json),
    ]
}

/// Unpriced models (`analyze::unpriced`): calls, rows and tokens per model string, the
/// reason from the entry the name resolves to (for the model's first call in time), most
/// calls first.
fn unpriced(d: Dialect) -> Vec<(String, String)> {
    let m = |e: &str| d.to_money(e);
    let grouped = format!(
        "SELECT model, COALESCE(SUM({}), 0) AS calls, SUM(CASE WHEN is_aggregate THEN 1 ELSE 0 END) AS aggregate_rows, \
         SUM({}) AS t_input, SUM({}) AS t_output FROM llm_costed WHERE cost IS NULL GROUP BY model",
        m("requests"),
        m("t_input"),
        m("t_output")
    );
    let first = format!(
        "SELECT model, entry FROM (SELECT model, entry, ROW_NUMBER() OVER (PARTITION BY model ORDER BY ts_ms, \
         CASE WHEN provider IS NULL THEN 1 ELSE 0 END, {}) AS rn FROM llm_costed WHERE cost IS NULL) f WHERE rn = 1",
        d.binary_order("provider")
    );
    let reason = "CASE WHEN e.id IS NULL THEN 'not in the price tables' \
         ELSE e.id || ' (' || e.provider || ') has no price in force at the call''s date' END";
    let reason = if matches!(d, Dialect::Duckdb | Dialect::Postgres) {
        reason.to_string()
    } else {
        reason.replace("call''s", "call\\'s")
    };
    let mut fields = vec![
        ("model", "u.model".to_string()),
        ("calls", d.integer("u.calls")),
        ("input_tokens", d.integer("u.t_input")),
        ("output_tokens", d.integer("u.t_output")),
        ("reason", reason),
    ];
    let without = d.object(&fields);
    fields.push(("aggregate_rows", d.integer("u.aggregate_rows")));
    let with = d.object(&fields);
    let obj = if d.optional_keys() {
        format!("CASE WHEN u.aggregate_rows > 0 THEN {with} ELSE {without} END")
    } else {
        with
    };
    let rows = format!(
        "SELECT ROW_NUMBER() OVER (ORDER BY u.calls DESC, {}) AS rn, {obj} AS o \
         FROM llm_unpriced u JOIN llm_unpriced_first f ON f.model = u.model \
         LEFT JOIN llm_entries e ON e.entry = f.entry",
        d.binary_order("u.model")
    );
    vec![
        ("llm_unpriced".into(), grouped),
        ("llm_unpriced_first".into(), first),
        ("llm_unpriced_rows".into(), rows),
        (
            "llm_unpriced_json".into(),
            format!("SELECT {} AS j FROM llm_unpriced_rows", d.array_agg_text("o", "rn")),
        ),
    ]
}
