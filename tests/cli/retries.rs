//! `llmcost report --only retries` on fixtures/retries.jsonl; every figure is worked out by
//! hand in fixtures/retries.md.

use serde_json::Value;

use super::{run_json, run_table, test_pricing};

fn report(extra: &[&str]) -> Value {
    let mut args = vec!["report", "fixtures/retries.jsonl", "--only", "retries"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["retries"].clone()
}

/// Money travels as the nearest double; compare to the hand figure within 1e-15 USD.
fn usd(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|got| (got - want).abs() < 1e-15)
}

/// Counts: (calls, operations, retried, failed calls); µ$ amounts: (cost, final cost, failed cost).
fn check_row(
    row: &Value,
    (calls, ops, retried, failed): (u64, u64, u64, u64),
    (cost, fin, failed_cost): (f64, f64, f64),
) {
    let (cost, fin, failed_cost) = (cost * 1e-6, fin * 1e-6, failed_cost * 1e-6);
    assert_eq!((row["calls"].as_u64(), row["operations"].as_u64()), (Some(calls), Some(ops)), "{row}");
    assert_eq!(row["retried_operations"].as_u64(), Some(retried), "{row}");
    assert!((row["multiplier"].as_f64().unwrap() - calls as f64 / ops as f64).abs() < 1e-12, "{row}");
    assert!(usd(&row["cost_usd"], cost) && usd(&row["final_cost_usd"], fin), "{row}");
    assert!((row["cost_multiplier"].as_f64().unwrap() - cost / fin).abs() < 1e-12, "{row}");
    assert_eq!(row["failed_calls"].as_u64(), Some(failed), "{row}");
    assert!(usd(&row["failed_cost_usd"], failed_cost), "{row}");
}

#[test]
fn multipliers_per_route_match_hand_figures() {
    let r = report(&[]);
    assert_eq!(r["group_by"], "route");
    let routes = r["routes"].as_array().unwrap();
    let names: Vec<&str> = routes.iter().map(|x| x["route"].as_str().unwrap()).collect();
    assert_eq!(names, ["chat", "summarize", "nightly"], "sorted by cost desc");
    // chat 8 calls / 4 ops, 7280 µ$ over final 5680 µ$, 4 failed calls 1600 µ$.
    check_row(&routes[0], (8, 4, 3, 4), (7280.0, 5680.0, 1600.0));
    // summarize: inferred operations {9,10} {11} {12} {13}.
    check_row(&routes[1], (5, 4, 1, 2), (2400.0, 2100.0, 600.0));
    check_row(&routes[2], (12, 3, 3, 9), (540.0, 180.0, 360.0));
    check_row(&r["totals"], (25, 11, 7, 15), (10220.0, 7960.0, 2560.0));
    // Per first attempt's model: alpha = chat, beta = summarize, gamma = nightly.
    let models: Vec<&str> =
        r["models"].as_array().unwrap().iter().map(|m| m["model"].as_str().unwrap()).collect();
    assert_eq!(models, ["alpha", "beta", "gamma"]);
    check_row(&r["models"][1], (5, 4, 1, 2), (2400.0, 2100.0, 600.0));
}

#[test]
fn the_3am_loop_is_one_storm_across_operations() {
    let r = report(&[]);
    assert_eq!(r["storm_count"], 1);
    assert_eq!(r["storm_attempts"], 7);
    assert!(usd(&r["storm_cost_usd"], 280e-6));
    let s = &r["storms"][0];
    assert_eq!(s["start"], "2026-02-11T03:00:00Z");
    assert_eq!(s["end"], "2026-02-11T03:00:03Z");
    assert_eq!((s["route"].as_str(), s["provider"].as_str()), (Some("nightly"), Some("testco")));
    assert_eq!((s["attempts"].as_u64(), s["operations"].as_u64()), (Some(7), Some(2)));
    assert!(usd(&s["cost_usd"], 280e-6));
    // 0.5 s gaps are not under a 500 ms gap.
    assert_eq!(report(&["--storm-gap", "500ms"])["storm_count"], 0);
    assert_eq!(report(&["--storm-gap", "501ms"])["storm_count"], 1);
}

#[test]
fn runaway_operations_are_listed() {
    let r = report(&[]);
    assert_eq!(r["runaway_count"], 1);
    let w = &r["runaway"][0];
    assert_eq!((w["operation"].as_str(), w["route"].as_str()), (Some("r1"), Some("nightly")));
    assert_eq!((w["attempts"].as_u64(), w["failed_attempts"].as_u64()), (Some(7), Some(6)));
    assert_eq!(w["start"], "2026-02-11T03:00:00Z");
    assert!(usd(&w["cost_usd"], 300e-6));
    assert_eq!(report(&["--runaway-attempts", "7"])["runaway_count"], 0);
    assert_eq!(report(&["--runaway-attempts", "6"])["runaway_count"], 1);
}

#[test]
fn by_provider_groups_operations_by_their_first_attempt() {
    // chat's c4 is provider backup: backup = 2 calls, 1 op, 480 µ$; testco = the other 23 calls.
    let r = report(&["--by", "provider"]);
    assert_eq!(r["group_by"], "provider");
    let backup = r["routes"].as_array().unwrap().iter().find(|x| x["route"] == "backup").unwrap();
    check_row(backup, (2, 1, 1, 1), (480.0, 280.0, 200.0));
}

#[test]
fn table_shows_storms_and_runaways() {
    let mut args = vec!["report", "fixtures/retries.jsonl", "--only", "retries"];
    args.extend(test_pricing());
    let text = run_table(&args);
    for want in [
        "Retries by route",
        "Retry storms",
        "2026-02-11T03:00:03Z",
        "Runaway operations",
        "$0.00028",
        "2.00×",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
}

#[test]
fn a_log_without_retries_shows_no_retry_tables() {
    let mut args = vec!["report", "fixtures/calls.jsonl", "--only", "retries"];
    args.extend(test_pricing());
    let text = run_table(&args);
    assert!(text.starts_with("14 calls,"), "{text}");
    assert!(!text.contains("Retries by"), "{text}");
    let mut args = vec!["report", "fixtures/calls.jsonl", "--only", "retries"];
    args.extend(test_pricing());
    assert_eq!(run_json(&args)["retries"]["totals"]["retried_operations"], 0);
}
