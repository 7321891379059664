//! `llmcost report --only fallbacks` on fixtures/fallbacks.jsonl; every figure is worked out
//! by hand in fixtures/fallbacks.md.

use serde_json::Value;

use super::{run_json, run_table, test_pricing};

fn report(extra: &[&str]) -> Value {
    let mut args = vec!["report", "fixtures/fallbacks.jsonl", "--only", "fallbacks"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["fallbacks"].clone()
}

/// A µ$ figure; money travels as the nearest double.
fn micro(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|got| (got - want * 1e-6).abs() < 1e-15)
}

/// (operations, with requested, fallback ops, escalated calls, skipped), (escalated µ$, extra µ$).
fn check(
    row: &Value,
    (ops, with_req, fell, esc, skipped): (u64, u64, u64, u64, u64),
    (esc_cost, extra): (f64, f64),
) {
    let counts = [
        "operations",
        "operations_with_requested_model",
        "fallback_operations",
        "escalated_calls",
        "extra_cost_skipped_calls",
    ]
    .map(|k| row[k].as_u64().unwrap());
    assert_eq!(counts, [ops, with_req, fell, esc, skipped], "{row}");
    assert!((row["fallback_rate"].as_f64().unwrap() - fell as f64 / ops as f64).abs() < 1e-12, "{row}");
    assert!(micro(&row["escalated_cost_usd"], esc_cost) && micro(&row["extra_cost_usd"], extra), "{row}");
}

#[test]
fn fallback_rates_and_extra_cost_match_hand_figures() {
    let f = report(&[]);
    assert_eq!(f["group_by"], "route");
    let routes = f["routes"].as_array().unwrap();
    let names: Vec<&str> = routes.iter().map(|r| r["route"].as_str().unwrap()).collect();
    assert_eq!(names, ["chat", "extract", "summarize", "labs"], "by escalated cost");
    // chat: f2 and f7 fell back; f7 is priced against alpha's March price ($1 input).
    check(&routes[0], (7, 6, 2, 3, 0), (12750.0, 8750.0));
    check(&routes[1], (3, 3, 2, 2, 0), (900.0, 872.0));
    // summarize: the inferred operation (same prompt_hash, 10 s after an error).
    check(&routes[2], (1, 1, 1, 1, 0), (450.0, 170.0));
    // labs: requested "mystery" has no price: the delta is skipped.
    check(&routes[3], (1, 1, 1, 1, 1), (280.0, 0.0));
    check(&f["totals"], (12, 11, 6, 7, 1), (14380.0, 9792.0));
    assert_eq!(f["unpriced_requested_models"], serde_json::json!(["mystery"]));
}

#[test]
fn where_operations_ended_and_the_model_mix() {
    let f = report(&[]);
    let chat = &f["routes"][0];
    let ended: Vec<(&str, u64)> = chat["ended"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["model"].as_str().unwrap(), e["operations"].as_u64().unwrap()))
        .collect();
    // alpha-2026-01-01 is a name of alpha: one model, 2 + 1 operations (#20).
    assert_eq!(ended, [("alpha", 3), ("beta", 2), ("gamma", 1)]);
    assert!((chat["ended"][2]["share"].as_f64().unwrap() - 1.0 / 6.0).abs() < 1e-12);
    // chat: 10 calls, 18240 µ$; beta 3 calls 12750 µ$, alpha 6 calls (5 as alpha, 1 as
    // alpha-2026-01-01) 5200 + 280 = 5480 µ$.
    assert_eq!(chat["calls"], 10);
    assert!(micro(&chat["cost_usd"], 18240.0));
    let beta = &chat["models"][0];
    assert_eq!((beta["model"].as_str(), beta["calls"].as_u64()), (Some("beta"), Some(3)));
    assert!((beta["call_share"].as_f64().unwrap() - 0.3).abs() < 1e-12);
    assert!((beta["cost_share"].as_f64().unwrap() - 12750.0 / 18240.0).abs() < 1e-12);
    assert_eq!(beta["input_usd_per_mtok"].as_f64(), Some(3.0));
    assert!(micro(&chat["models"][1]["cost_usd"], 5480.0));
    assert_eq!(chat["flags"], serde_json::json!([]));
}

#[test]
fn the_expensive_model_carrying_most_calls_is_flagged() {
    let f = report(&[]);
    let flagged: Vec<(&str, &str)> = f["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["flags"].as_array().unwrap().is_empty())
        .map(|r| (r["route"].as_str().unwrap(), r["expensive_model"].as_str().unwrap()))
        .collect();
    // extract: beta 2 of 3 calls; summarize's beta has exactly half: not flagged.
    assert_eq!(flagged, [("extract", "beta")]);
    assert_eq!(f["routes"][1]["flags"][0], "expensive_model_majority");
}

#[test]
fn table_shows_rates_mix_and_flags() {
    let mut args = vec!["report", "fixtures/fallbacks.jsonl", "--only", "fallbacks"];
    args.extend(test_pricing());
    let text = run_table(&args);
    for want in [
        "Fallbacks by route",
        "28.6%",
        "$0.009792*",
        "Model mix by route",
        "flag: on extract",
        "no price for requested mystery",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    // A log with no requested_model and no flagged route shows no fallback tables.
    let mut args = vec!["report", "fixtures/calls.jsonl", "--only", "fallbacks"];
    args.extend(test_pricing());
    let text = run_table(&args);
    assert!(text.starts_with("14 calls,"), "{text}");
    assert!(!text.contains("Fallbacks by"), "{text}");
}

/// fixtures/formats/otel-openai-v2.jsonl (worked in fixtures/formats/README.md): three spans
/// asked for an alias and were answered by a snapshot it stands for, one asked for gpt-4o and
/// was answered by gpt-4o-mini.
#[test]
fn an_alias_answered_by_its_dated_snapshot_is_no_fallback_r20() {
    let r = run_json(&["report", "fixtures/formats/otel-openai-v2.jsonl", "--only", "totals,fallbacks"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.00957");
    let f = &r["fallbacks"]["totals"];
    // 4 operations, all with a requested model; only span 4 (gpt-4o → gpt-4o-mini) fell back:
    // 360 µ$ served, 6000 µ$ at gpt-4o's price, extra −5640 µ$.
    check(f, (4, 4, 1, 1, 0), (360.0, -5640.0));
}
