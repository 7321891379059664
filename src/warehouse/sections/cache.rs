//! `cache` (`analyze/sections/cache.rs`): over single calls that are neither errors nor app
//! cache hits, per group and for the fleet, token and request hit rates, and at the rates of
//! the tier each priced call fell in (× the batch multiplier, rounded half up per part, as
//! `price::components`): the cache-write cost, its premium over the input rate, what the
//! reads saved, payback; the `no_cache` / `below_fleet` flags (compared exactly, on groups
//! with ≥ 5% of the fleet's input), and collapses.
//!
//! The collapse search is set-based: over each group's UTC days with input, every split
//! with at least 2 days on each side is one row (the before part a running sum, the after
//! part the group's total minus it); the qualifying split with the largest drop in token hit
//! rate (the same doubles `report` subtracts), the earliest on a tie, is the collapse.

use super::super::dialect::{batched, components, exact, signed_exact, Dialect, Tokens};
use super::{extend_object, group_label};
use crate::time::MS_PER_DAY;

pub fn cache(d: Dialect, group: &[usize], group_by: &str) -> Vec<(String, String)> {
    let zero = d.money(0);
    let m = |e: &str| d.to_money(e);
    let at = |tokens: &str, rate: &str| batched(d, &format!("{} * r.{rate}", m(tokens)), "c");
    let write = components(d, &Tokens::of("c"), "r", "c")[2].clone();
    let priced = |x: String| format!("CASE WHEN c.cost IS NULL THEN {zero} ELSE {x} END");
    let calls = format!(
        "SELECT {} AS g, {} AS day, CASE WHEN c.cost IS NULL THEN 0 ELSE 1 END AS priced, \
         CASE WHEN c.t_cache_read > 0 THEN 1 ELSE 0 END AS with_read, c.t_input, c.t_cache_read, c.t_cache_write, \
         {} AS write_cost, {} AS premium, {} AS saved, {} AS full_save \
         FROM llm_costed c LEFT JOIN llm_rates r ON r.entry = c.entry AND r.vidx = c.vidx AND r.widx = c.widx \
         AND r.tier = c.tier WHERE NOT c.is_aggregate AND NOT c.is_error AND NOT c.is_cache_hit",
        group_label(group),
        d.div("c.ts_ms", &MS_PER_DAY.to_string()),
        priced(write.clone()),
        priced(format!("{write} - {}", at("c.t_cache_write", "r_input"))),
        priced(format!("{} - {}", at("c.t_cache_read", "r_input"), at("c.t_cache_read", "r_cache_read"))),
        priced(format!("{} - {}", at("c.t_input", "r_input"), at("c.t_input", "r_cache_read"))),
    );
    let sums = format!(
        "COUNT(*) AS calls, COALESCE(SUM(priced), 0) AS priced, COALESCE(SUM(with_read), 0) AS with_read, \
         COALESCE(SUM(t_input), 0) AS input, COALESCE(SUM(t_cache_read), 0) AS rd, \
         COALESCE(SUM(t_cache_write), 0) AS wr, COALESCE(SUM(write_cost), {zero}) AS write_cost, \
         COALESCE(SUM(premium), {zero}) AS premium, COALESCE(SUM(saved), {zero}) AS saved, \
         COALESCE(SUM(full_save), {zero}) AS full_save"
    );
    let mut ctes = vec![
        ("llm_cache_calls".to_string(), calls),
        ("llm_cache_days".into(), format!("SELECT g, day, {sums} FROM llm_cache_calls GROUP BY g, day")),
        ("llm_cache_groups".into(), format!("SELECT g, {sums} FROM llm_cache_calls GROUP BY g")),
        ("llm_cache_fleet".into(), format!("SELECT {sums} FROM llm_cache_calls")),
    ];
    ctes.extend(collapses(d));
    ctes.extend(json(d, group_by));
    ctes
}

/// The collapse of each group that has one (`llm_cache_collapses`), see the module doc.
fn collapses(d: Dialect) -> Vec<(String, String)> {
    let m = |e: &str| d.to_money(e);
    let f = d.double_type();
    let upto = "PARTITION BY g ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW";
    // Per day with input: the sums of the days before it, and of all the group's days.
    let series = format!(
        "SELECT g, day, ROW_NUMBER() OVER (PARTITION BY g ORDER BY day) AS i, COUNT(*) OVER (PARTITION BY g) AS n, \
         SUM(rd) OVER ({upto}) - rd AS rb, SUM(input) OVER ({upto}) - input AS ib, \
         SUM(saved) OVER ({upto}) - saved AS sb, SUM(full_save) OVER ({upto}) - full_save AS fb, \
         SUM(rd) OVER (PARTITION BY g) AS rt, SUM(input) OVER (PARTITION BY g) AS it, \
         SUM(saved) OVER (PARTITION BY g) AS st, SUM(full_save) OVER (PARTITION BY g) AS ft \
         FROM llm_cache_days WHERE input > 0"
    );
    // before rb/ib, after ra/ia: ≥ 2× and ≥ 20 points, cross-multiplied exactly.
    let (x, y) =
        (format!("{} * {}", m("s.rb"), m("s.it - s.ib")), format!("{} * {}", m("s.rt - s.rb"), m("s.ib")));
    let splits = format!(
        "SELECT s.g, s.day, s.i - 1 AS before_days, s.n - s.i + 1 AS after_days, s.rb, s.ib, s.rt - s.rb AS ra, \
         s.it - s.ib AS ia, s.st - s.sb AS a_saved, s.ft - s.fb AS a_full, \
         CAST(s.rb AS {f}) / CAST(s.ib AS {f}) - CAST(s.rt - s.rb AS {f}) / CAST(s.it - s.ib AS {f}) AS fall \
         FROM llm_cache_series s WHERE s.i - 1 >= 2 AND s.n - s.i + 1 >= 2 \
         AND {x} >= 2 * {y} AND {x} > {y} AND 5 * ({x} - {y}) >= {} * {}",
        m("s.ib"),
        m("s.it - s.ib")
    );
    // cost since = a_full × rb / ib rounded half away from zero (`cache::scale`) − a_saved.
    let p = format!("(c.a_full * {})", m("c.rb"));
    let half = |v: &str| d.div(&format!("2 * {v} + c.ib"), "2 * c.ib");
    let best = format!(
        "SELECT c.*, CASE WHEN {p} < 0 THEN -{} ELSE {} END - c.a_saved AS cost_since FROM \
         (SELECT x.*, ROW_NUMBER() OVER (PARTITION BY g ORDER BY fall DESC, day) AS best FROM llm_cache_splits x) c \
         WHERE c.best = 1",
        half(&format!("(-{p})")),
        half(&p)
    );
    vec![
        ("llm_cache_series".into(), series),
        ("llm_cache_splits".into(), splits),
        ("llm_cache_collapses".into(), best),
    ]
}

/// The section's JSON: `fleet`, `routes` by input tokens then label (a missing one last,
/// as `key_order`), `collapses` by cost since then label.
fn json(d: Dialect, group_by: &str) -> Vec<(String, String)> {
    let f = d.double_type();
    let m = |e: &str| d.to_money(e);
    let ratio = |a: &str, b: &str| format!("CASE WHEN {b} > 0 THEN CAST({a} AS {f}) / CAST({b} AS {f}) END");
    let stats = |t: &str| -> Vec<(&'static str, String)> {
        let c = |col: &str| format!("{t}.{col}");
        vec![
            ("calls", d.integer(&c("calls"))),
            ("priced_calls", d.integer(&c("priced"))),
            ("calls_with_read", d.integer(&c("with_read"))),
            ("input_tokens", d.integer(&c("input"))),
            ("cache_read_tokens", d.integer(&c("rd"))),
            ("cache_write_tokens", d.integer(&c("wr"))),
            ("token_hit_rate", ratio(&c("rd"), &c("input"))),
            ("request_hit_rate", ratio(&c("with_read"), &c("calls"))),
            ("write_cost_usd", d.number(&exact(d, &c("write_cost")))),
            ("write_premium_usd", d.number(&signed_exact(d, &c("premium")))),
            ("saved_usd", d.number(&signed_exact(d, &c("saved")))),
            ("payback", ratio(&c("saved"), &c("premium"))),
        ]
    };
    let sizeable = format!("{} * 20 >= {} AND r.input > 0", m("r.input"), m("f.input"));
    let below = format!("{} * {} * 3 < {} * {}", m("r.rd"), m("f.input"), m("f.rd"), m("r.input"));
    let flagged = format!(
        "SELECT r.*, CASE WHEN {sizeable} AND r.rd = 0 THEN 1 WHEN {sizeable} AND {below} THEN 2 ELSE 0 END AS flag, \
         CASE WHEN c.day IS NULL THEN 0 ELSE 1 END AS collapsed, \
         ROW_NUMBER() OVER (ORDER BY r.input DESC, CASE WHEN r.g IS NULL THEN 1 ELSE 0 END, {}) AS rn \
         FROM llm_cache_groups r CROSS JOIN llm_cache_fleet f LEFT JOIN llm_cache_collapses c ON {}",
        d.binary_order("r.g"),
        d.same("c.g", "r.g")
    );
    let names = |flag: usize, collapsed: bool| {
        let mut items: Vec<String> =
            [None, Some("no_cache"), Some("below_fleet")][flag].map(|n| d.string(n)).into_iter().collect();
        if collapsed {
            items.push(d.string("collapsed"));
        }
        d.array(&items)
    };
    let arms: String = (0..3)
        .flat_map(|flag| [false, true].map(|c| (flag, c)))
        .map(|(flag, c)| {
            format!(" WHEN r.flag = {flag} AND r.collapsed = {} THEN {}", u8::from(c), names(flag, c))
        })
        .collect();
    let mut row = vec![("route", "r.g".to_string())];
    row.extend(stats("r"));
    row.push(("flags", format!("CASE{arms} END")));
    let rows = format!("SELECT {} AS j FROM llm_cache_flagged r", d.array_agg_text(&d.object(&row), "r.rn"));
    let collapse = d.object(&[
        ("route", "c.g".to_string()),
        ("at", d.date_text("c.day")),
        ("before_rate", format!("CAST(c.rb AS {f}) / CAST(c.ib AS {f})")),
        ("after_rate", format!("CAST(c.ra AS {f}) / CAST(c.ia AS {f})")),
        ("before_days", d.integer("c.before_days")),
        ("after_days", d.integer("c.after_days")),
        ("cost_since_usd", d.number(&signed_exact(d, "c.cost_since"))),
    ]);
    let listed = format!(
        "SELECT {} AS j FROM (SELECT x.*, ROW_NUMBER() OVER (ORDER BY cost_since DESC, \
         CASE WHEN g IS NULL THEN 1 ELSE 0 END, {}) AS rn FROM llm_cache_collapses x) c",
        d.array_agg_text(&collapse, "c.rn"),
        d.binary_order("g")
    );
    let head = d.object(&[("group_by", d.string(group_by)), ("fleet", d.object(&stats("t")))]);
    let head_text = d.json_text(&head);
    let json = format!(
        "SELECT {} AS j FROM llm_cache_fleet t CROSS JOIN llm_cache_rows x CROSS JOIN llm_cache_list y",
        extend_object(&head_text, "',\"routes\":' || x.j || ',\"collapses\":' || y.j")
    );
    vec![
        ("llm_cache_flagged".into(), flagged),
        ("llm_cache_rows".into(), rows),
        ("llm_cache_list".into(), listed),
        ("llm_cache_json".into(), json),
    ]
}
