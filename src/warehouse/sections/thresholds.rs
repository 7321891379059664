//! `thresholds` (`analyze/sections/thresholds.rs`): priced single calls that are not app
//! cache hits, of a version with long-context tiers. A call priced in tier t crossed: its
//! premium is its cost − the same tokens at the base rates; it is a near miss when its
//! counted tokens exceed the threshold by at most the band (`bandN` of `llm_versions`), and
//! its saving is its cost − the cost of the call trimmed to exactly the threshold (fresh
//! input first, then cache reads, 5-minute writes, 1-hour writes, output), priced at the
//! tier the trimmed tokens fall in. Just below: within the band under the next tier's
//! threshold (tier 1 for a call at base rates).

use super::super::dialect::{components, exact, Dialect, Tokens};
use super::{extend_object, group_label};

pub fn thresholds(
    d: Dialect,
    group: &[usize],
    group_by: &str,
    near_miss: f64,
    max_tiers: usize,
) -> Vec<(String, String)> {
    let tiers = 1..=max_tiers;
    let counted = |t: usize, input: &str, output: &str| {
        format!("CASE WHEN x.total{t} = 1 THEN {input} + {output} ELSE {input} END")
    };
    // A figure of the tier the call fell in (`at` 0) or of the next one up (`at` 1).
    let of_tier = |at: usize, what: &dyn Fn(usize) -> String| {
        let arms: String = (1..=max_tiers)
            .filter(|&t| t >= at)
            .map(|t| format!(" WHEN {} THEN {}", t - at, what(t)))
            .collect();
        format!("CASE x.tier{arms} END")
    };
    let th = |t: usize| format!("x.th{t}");
    let band = |t: usize| format!("x.band{t}");
    let count_of = |t: usize| counted(t, "x.t_input", "x.t_output");
    let calls = format!(
        "SELECT {} AS g, c.model_key AS m, c.cost, c.tier, c.entry, c.vidx, c.widx, c.is_batch, c.batch_num, \
         c.batch_den, c.t_input, c.t_output, c.t_cache_read, c.t_cache_write, c.t_cache_write_1h, {} \
         FROM llm_costed c JOIN llm_versions v ON v.entry = c.entry AND v.vidx = c.vidx AND v.widx = c.widx \
         WHERE NOT c.is_aggregate AND c.cost IS NOT NULL AND NOT c.is_cache_hit AND v.th1 IS NOT NULL",
        group_label(group),
        tiers.clone().map(|t| format!("v.th{t}, v.total{t}, v.band{t}")).collect::<Vec<_>>().join(", ")
    );
    let excess = format!("CASE WHEN x.tier > 0 THEN {} - {} END", of_tier(0, &count_of), of_tier(0, &th));
    let (next_th, next_counted, next_band) = (of_tier(1, &th), of_tier(1, &count_of), of_tier(1, &band));
    let classified = format!(
        "SELECT x.*, {excess} AS excess, CASE WHEN x.tier > 0 AND {excess} <= {} THEN 1 ELSE 0 END AS near, \
         CASE WHEN {next_th} IS NOT NULL AND {next_counted} >= {next_th} - {next_band} \
         AND {next_counted} <= {next_th} THEN 1 ELSE 0 END AS below FROM llm_th_calls x",
        of_tier(0, &band)
    );
    // The trimmed call's token classes, `excess` taken from each in turn (closed forms of
    // `thresholds::trimmed`), and the tier they fall in.
    let fresh = "x.t_input - x.t_cache_read - x.t_cache_write";
    let w5 = "x.t_cache_write - x.t_cache_write_1h";
    let e = "COALESCE(x.excess, 0)";
    let trimmed = format!(
        "SELECT x.*, GREATEST({fresh} - {e}, 0) AS u2, \
         LEAST(x.t_cache_read, GREATEST({fresh} + x.t_cache_read - {e}, 0)) AS r2, \
         LEAST({w5}, GREATEST(x.t_input - x.t_cache_write_1h - {e}, 0)) AS w52, \
         LEAST(x.t_cache_write_1h, GREATEST(x.t_input - {e}, 0)) AS w12, \
         LEAST(x.t_output, GREATEST(x.t_input + x.t_output - {e}, 0)) AS o2 \
         FROM llm_th_classified x WHERE x.tier > 0 OR x.below = 1"
    );
    let mut trimmed_tier = String::from("CASE");
    for t in tiers.clone().rev() {
        trimmed_tier.push_str(&format!(
            " WHEN {} > x.th{t} THEN {t}",
            counted(t, "(x.u2 + x.r2 + x.w52 + x.w12)", "x.o2")
        ));
    }
    trimmed_tier.push_str(" ELSE 0 END");
    let keyed = format!("SELECT x.*, {trimmed_tier} AS tier2 FROM llm_th_trimmed x");
    let base = components(d, &Tokens::of("x"), "rb", "x").join(" + ");
    let cut = Tokens {
        uncached: "x.u2".into(),
        cache_read: "x.r2".into(),
        write_5m: "x.w52".into(),
        write_1h: "x.w12".into(),
        output: "x.o2".into(),
    };
    let cut_cost = components(d, &cut, "rt", "x").join(" + ");
    let zero = d.money(0);
    let rates = |r: &str, tier: &str| {
        format!("JOIN llm_rates {r} ON {r}.entry = x.entry AND {r}.vidx = x.vidx AND {r}.widx = x.widx AND {r}.tier = {tier}")
    };
    let figures = format!(
        "SELECT x.g, x.m, CASE WHEN x.tier > 0 THEN 1 ELSE 0 END AS crossed, \
         CASE WHEN x.tier > 0 THEN x.cost ELSE {zero} END AS cost, \
         CASE WHEN x.tier > 0 THEN x.cost - ({base}) ELSE {zero} END AS premium, x.near, \
         CASE WHEN x.near = 1 THEN x.cost - ({cut_cost}) ELSE {zero} END AS saving, x.below \
         FROM llm_th_keyed x {} {}",
        rates("rb", "0"),
        rates("rt", "x.tier2")
    );
    let sums = format!(
        "COALESCE(SUM(crossed), 0) AS n, COALESCE(SUM(cost), {zero}) AS cost, \
         COALESCE(SUM(premium), {zero}) AS premium, COALESCE(SUM(near), 0) AS near, \
         COALESCE(SUM(saving), {zero}) AS saving, COALESCE(SUM(below), 0) AS below"
    );
    let fields = |t: &str| -> Vec<(&'static str, String)> {
        vec![
            ("count", d.integer(&format!("{t}.n"))),
            ("cost_usd", d.number(&exact(d, &format!("{t}.cost")))),
            ("premium_usd", d.number(&exact(d, &format!("{t}.premium")))),
            ("near_miss_count", d.integer(&format!("{t}.near"))),
            ("near_miss_saving_usd", d.number(&exact(d, &format!("{t}.saving")))),
            ("just_below_count", d.integer(&format!("{t}.below"))),
        ]
    };
    // Rows by cost, then label (a missing one first, as `Option`'s order).
    let rows = |key: &str, col: &str| {
        let mut row = vec![(key, "r.k".to_string())];
        row.extend(fields("r"));
        format!(
            "SELECT {} AS j FROM (SELECT y.*, ROW_NUMBER() OVER (ORDER BY cost DESC, \
             CASE WHEN k IS NULL THEN 0 ELSE 1 END, {}) AS rn FROM (SELECT {col} AS k, {sums} \
             FROM llm_th_figures GROUP BY {col}) y) r",
            d.array_agg_text(&d.object(&row), "r.rn"),
            d.binary_order("k")
        )
    };
    let mut head = vec![
        ("group_by", d.string(group_by)),
        ("near_miss_band", serde_json::to_string(&near_miss).expect("a finite fraction")),
    ];
    head.extend(fields("t"));
    let head_text = d.json_text(&d.object(&head));
    let json = format!(
        "SELECT {} AS j FROM (SELECT {sums} FROM llm_th_figures) t CROSS JOIN llm_th_routes x CROSS JOIN llm_th_models y",
        extend_object(&head_text, "',\"by_route\":' || x.j || ',\"by_model\":' || y.j")
    );
    vec![
        ("llm_th_calls".into(), calls),
        ("llm_th_classified".into(), classified),
        ("llm_th_trimmed".into(), trimmed),
        ("llm_th_keyed".into(), keyed),
        ("llm_th_figures".into(), figures),
        ("llm_th_routes".into(), rows("route", "g")),
        ("llm_th_models".into(), rows("model", "m")),
        ("llm_th_json".into(), json),
    ]
}
