//! `pareto` (`analyze/sections/pareto.rs`): how cost spreads over the priced single calls and
//! over the values of user, feature, route, model and job. Every figure but the top calls'
//! order among equals depends on the sorted costs only, so ties cannot change it:
//! `items_for_share` is the first rank whose running sum reaches the exact target
//! (`Money::times` of the total by `--pareto`, as 12-decimal `Rate`), the Gini numerator is
//! the exact integer (n + 1) Σx − 2 Σ rank·x over ranks by cost desc (the module's formula
//! rearranged), divided once as doubles, and the curve's points are running sums at
//! computed ranks. Calls alike in cost and time: `report` lists them in the log's order, the
//! SQL by route, then model.

use super::super::dialect::{exact, rfc3339, share, Dialect};
use super::extend_object;
use crate::money::Rate;

/// Contributors listed per dimension (`pareto::TOP`).
const TOP: usize = 10;
/// Segments of the curve at most (`pareto::CURVE_SEGMENTS`).
const CURVE_SEGMENTS: usize = 99;
/// 1e12: a `Rate` is in 1e-12 units.
const PICO: &str = "1000000000000";

/// The section's CTEs, ending in `llm_par_json`.
pub fn pareto(d: Dialect, target_share: f64) -> Vec<(String, String)> {
    let factor = Rate::parse(&format!("{target_share:.12}")).unwrap_or_default().pico();
    let steps: Vec<Vec<String>> =
        (0..=CURVE_SEGMENTS).map(|j| vec![format!("CAST({j} AS {})", d.int_type())]).collect();
    let mut ctes = vec![("llm_par_steps".to_string(), d.values(&["j"], &steps))];
    let priced = "FROM llm_costed WHERE NOT is_aggregate AND cost IS NOT NULL";
    let mut parts = Vec::new();
    for (name, col) in [
        ("call", ""),
        ("user", "p_user"),
        ("feature", "p_feature"),
        ("route", "p_route"),
        ("model", "model_key"),
        ("job", "p_job"),
    ] {
        let t = format!("llm_par_{name}");
        let (items, order) = if col.is_empty() {
            (
                format!(
                    "SELECT ts_ms, COALESCE(p_route, '(none)') AS route, COALESCE(model_key, '(none)') AS model, cost {priced}"
                ),
                format!("cost DESC, ts_ms, {}, {}", d.binary_order("route"), d.binary_order("model")),
            )
        } else {
            (
                format!("SELECT {col} AS k, SUM(cost) AS cost {priced} GROUP BY {col}"),
                format!("cost DESC, CASE WHEN k IS NULL THEN 1 ELSE 0 END, {}", d.binary_order("k")),
            )
        };
        ctes.push((format!("{t}_items"), items));
        ctes.push((
            format!("{t}_ranked"),
            format!("SELECT x.*, ROW_NUMBER() OVER (ORDER BY {order}) AS rn FROM {t}_items x"),
        ));
        ctes.push((
            format!("{t}_cum"),
            format!(
                "SELECT x.*, SUM(cost) OVER (ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum \
                 FROM {t}_ranked x"
            ),
        ));
        let zero = d.money(0);
        // `Money::times`: whole and fractional units apart, rounded half up.
        let fm = d.money(factor);
        let target = format!(
            "{} * {fm} + {}",
            d.div("s.total", PICO),
            d.div(&format!("{} * {fm} + {}", d.modulo("s.total", PICO), d.money(500_000_000_000)), PICO),
        );
        ctes.push((
            format!("{t}_sums"),
            format!(
                "SELECT COUNT(*) AS n, COALESCE(SUM(cost), {zero}) AS total, \
                 COALESCE(SUM(cost * {}), {zero}) AS weighted FROM {t}_cum",
                d.to_money("rn")
            ),
        ));
        // The smallest k whose top-k cost reaches the target: 0 for a zero target.
        ctes.push((
            format!("{t}_stats"),
            format!(
                "SELECT s.n, s.total, s.weighted, CASE WHEN {target} <= 0 THEN 0 \
                 ELSE COALESCE(MIN(CASE WHEN c.cum >= {target} THEN c.rn END), s.n) END AS k \
                 FROM {t}_sums s LEFT JOIN {t}_cum c ON 1 = 1 GROUP BY s.n, s.total, s.weighted"
            ),
        ));
        let mut top = vec![
            ("key", if col.is_empty() { rfc3339(d, "r.ts_ms") } else { "r.k".to_string() }),
            ("cost_usd", d.number(&exact(d, "r.cost"))),
            ("share", share(d, "r.cost", "s.total")),
            ("cum_share", share(d, "r.cum", "s.total")),
        ];
        if col.is_empty() {
            top.push(("route", "r.route".into()));
            top.push(("model", "r.model".into()));
        }
        ctes.push((
            format!("{t}_top"),
            format!(
                "SELECT {} AS j FROM {t}_cum r CROSS JOIN {t}_stats s WHERE r.rn <= {TOP}",
                d.array_agg_text(&d.object(&top), "r.rn")
            ),
        ));
        // Point j after the top round(j·n/m) items, m = min(n, 99); none when nothing costs.
        let f = d.double_type();
        let m = format!("LEAST(s.n, {CURVE_SEGMENTS})");
        let upto = d.div(&format!("p.j * s.n + {}", d.div(&m, "2")), &m);
        let point = d.array(&[
            format!("CAST(p.upto AS {f}) / CAST(p.n AS {f})"),
            share(d, &format!("COALESCE(c.cum, {zero})"), "p.total"),
        ]);
        ctes.push((
            format!("{t}_points"),
            format!(
                "SELECT p.j, {point} AS pt FROM (SELECT st.j, s.n, s.total, {upto} AS upto FROM llm_par_steps st \
                 CROSS JOIN {t}_stats s WHERE s.n > 0 AND s.total > 0 AND st.j <= {m}) p \
                 LEFT JOIN {t}_cum c ON c.rn = p.upto",
                upto = upto.replace("p.j", "st.j"),
            ),
        ));
        ctes.push((
            format!("{t}_curve"),
            format!("SELECT {} AS j FROM {t}_points", d.array_agg_text("pt", "j")),
        ));
        let gini = format!(
            "CASE WHEN s.n = 0 OR s.total = 0 THEN CAST(0 AS {f}) ELSE CAST({} * s.total - 2 * s.weighted AS {f}) \
             / (CAST(s.n AS {f}) * CAST(s.total AS {f})) END",
            d.to_money("s.n + 1")
        );
        let head = d.object(&[
            ("items", d.integer("s.n")),
            ("cost_usd", d.number(&exact(d, "s.total"))),
            ("target_share", serde_json::to_string(&target_share).expect("a finite fraction")),
            ("items_for_share", d.integer("s.k")),
            (
                "share_of_items",
                format!("CASE WHEN s.n = 0 THEN CAST(0 AS {f}) ELSE CAST(s.k AS {f}) / CAST(s.n AS {f}) END"),
            ),
            ("gini", gini),
        ]);
        ctes.push((
            format!("{t}_json"),
            format!(
                "SELECT {} AS j FROM {t}_stats s CROSS JOIN {t}_top x CROSS JOIN {t}_curve y",
                extend_object(&d.json_text(&head), "',\"top\":' || x.j || ',\"curve\":' || y.j")
            ),
        ));
        parts.push((name, format!("{t}_json")));
    }
    let glue: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, (name, t))| format!("'{}\"{name}\":' || {t}.j", if i == 0 { "{" } else { "," }))
        .collect();
    let from: Vec<&str> = parts.iter().map(|(_, t)| t.as_str()).collect();
    ctes.push((
        "llm_par_json".into(),
        format!("SELECT {} || '}}' AS j FROM {}", glue.join(" || "), from.join(" CROSS JOIN ")),
    ));
    ctes
}
