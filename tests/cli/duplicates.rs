//! `llmcost report --only duplicates` on `fixtures/duplicates.jsonl`; every figure is worked
//! out by hand in `fixtures/duplicates.md`.

use super::{run_json, run_table, table_row, test_pricing};

fn report(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["report", "fixtures/duplicates.jsonl", "--only", "duplicates"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["duplicates"].clone()
}

/// A JSON money figure equals the hand-computed decimal (JSON carries the nearest double).
fn usd(v: &serde_json::Value, want: &str) -> bool {
    (v.as_f64().unwrap() - want.parse::<f64>().unwrap()).abs() < 1e-12
}

#[test]
fn totals_and_routes_match_hand_figures() {
    let d = report(&[]);
    assert_eq!(d["group_by"], "route");
    assert_eq!(d["window_ms"], 3_600_000);
    assert_eq!(d["calls"], 14);
    assert_eq!(d["count"], 7);
    assert_eq!(d["unpriced_count"], 1);
    assert!(usd(&d["cost_usd"], "0.00748"));
    assert_eq!(d["share_of_calls"], 0.5);
    let want = [
        (serde_json::json!("chat"), 8, 4, "0.0054", 1),
        (serde_json::json!("search"), 4, 2, "0.0019", 0),
        (serde_json::Value::Null, 2, 1, "0.00018", 0),
    ];
    let routes = d["routes"].as_array().unwrap();
    assert_eq!(routes.len(), want.len());
    for (row, (route, calls, count, cost, unpriced)) in routes.iter().zip(want) {
        assert_eq!(row["route"], route, "{row}");
        assert_eq!((row["calls"].as_u64(), row["count"].as_u64()), (Some(calls), Some(count)), "{row}");
        assert!(usd(&row["cost_usd"], cost), "{row}");
        assert_eq!(row["unpriced_count"], unpriced, "{row}");
        assert_eq!(row["share_of_calls"], 0.5, "{row}");
    }
}

#[test]
fn top_prompts_match_hand_figures() {
    let d = report(&[]);
    let want = [
        ("h1", Some("chat"), "alpha", 5, 3, "0.0054"),
        ("h2", Some("search"), "alpha", 2, 1, "0.001"),
        ("h1", Some("search"), "alpha", 2, 1, "0.0009"),
        ("h4", None, "alpha", 2, 1, "0.00018"),
        ("h3", Some("chat"), "mystery-1", 2, 1, "0"),
    ];
    let top = d["top_prompts"].as_array().unwrap();
    assert_eq!(top.len(), want.len());
    for (p, (hash, route, model, calls, dups, cost)) in top.iter().zip(want) {
        assert_eq!(
            (p["prompt_hash"].as_str(), p["route"].as_str(), p["model"].as_str()),
            (Some(hash), route, Some(model))
        );
        assert_eq!((p["calls"].as_u64(), p["duplicates"].as_u64()), (Some(calls), Some(dups)), "{p}");
        assert!(usd(&p["cost_usd"], cost), "{p}");
        assert_eq!(p["unpriced_count"], u64::from(hash == "h3"), "{p}");
    }
}

#[test]
fn a_shorter_window_finds_fewer() {
    let d = report(&["--duplicate-window", "30m"]);
    assert_eq!(d["window_ms"], 1_800_000);
    assert_eq!(d["count"], 5);
    assert!(usd(&d["cost_usd"], "0.00388"));
}

#[test]
fn table_names_the_window() {
    let mut args = vec!["report", "fixtures/duplicates.jsonl", "--only", "duplicates"];
    args.extend(test_pricing());
    let text = run_table(&args);
    assert!(
        text.contains("Duplicate calls by route (same prompt_hash, route and model within 1h)"),
        "{text}"
    );
    assert!(text.contains("1 duplicates have no price"), "{text}");
    // The unpriced prompt h3 shows no cost rather than $0; its route's saving is marked partial.
    assert_eq!(table_row(&text, 0, "h3"), ["h3", "chat", "mystery-1", "2", "1", "—"], "{text}");
    assert_eq!(table_row(&text, 0, "chat"), ["chat", "8", "4", "50.0%", "$0.005400*"], "{text}");
    // Whole cells: 14 calls, 7 duplicates (not a 7 inside $0.007480).
    assert_eq!(table_row(&text, 0, "all"), ["all", "14", "7", "50.0%", "$0.007480*"], "{text}");
}
