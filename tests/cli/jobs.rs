//! `llmcost report --only jobs` on fixtures/jobs.jsonl; every figure is worked out by hand in
//! fixtures/jobs.md.

use serde_json::Value;

use super::{run_json, run_table, test_pricing};

fn report(extra: &[&str]) -> Value {
    let mut args = vec!["report", "fixtures/jobs.jsonl", "--only", "jobs"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["jobs"].clone()
}

/// A µ$ figure; money travels as the nearest double.
fn micro(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|got| (got - want * 1e-6).abs() < 1e-15)
}

/// (jobs, calls, operations, median calls), µ$ (median, p90, p99, max, total).
fn check(s: &Value, (jobs, calls, ops, median_calls): (u64, u64, u64, u64), usd: [f64; 5]) {
    let counts = ["jobs", "calls", "operations", "median_calls"].map(|k| s[k].as_u64().unwrap());
    assert_eq!(counts, [jobs, calls, ops, median_calls], "{s}");
    assert!((s["multiplier"].as_f64().unwrap() - calls as f64 / ops as f64).abs() < 1e-12, "{s}");
    for (key, want) in ["median_usd", "p90_usd", "p99_usd", "max_usd", "cost_usd"].iter().zip(usd) {
        assert!(micro(&s[key], want), "{key}: {s}");
    }
}

#[test]
fn cost_per_job_percentiles_match_hand_figures() {
    let j = report(&[]);
    assert_eq!(j["percentile_method"], "nearest-rank");
    check(&j, (8, 15, 9, 1), [200.0, 2000.0, 2000.0, 2000.0, 3500.0]);
    let routes = j["routes"].as_array().unwrap();
    assert_eq!(routes.iter().map(|r| r["route"].as_str().unwrap()).collect::<Vec<_>>(), ["agent", "report"]);
    // agent holds j3 whole (its first call is on agent), report the inferred k2.
    check(&routes[0], (5, 11, 6, 1), [300.0, 2000.0, 2000.0, 2000.0, 3000.0]);
    check(&routes[1], (3, 4, 3, 1), [100.0, 300.0, 300.0, 300.0, 500.0]);
    assert_eq!(j["calls_without_job"], 1);
    assert!(micro(&j["cost_without_job_usd"], 2000.0));
}

#[test]
fn outlier_jobs_are_listed_with_their_attempts() {
    let j = report(&[]);
    assert_eq!(j["outlier_count"], 1);
    assert!(micro(&j["outlier_cost_usd"], 2000.0));
    let o = &j["outliers"][0];
    assert_eq!(
        (o["job"].as_str(), o["route"].as_str(), o["start"].as_str()),
        (Some("j5"), Some("agent"), Some("2026-02-10T08:04:00Z"))
    );
    let counts = ["calls", "operations", "retried_operations", "failed_calls", "route_median_calls"]
        .map(|k| o[k].as_u64().unwrap());
    assert_eq!(counts, [6, 1, 1, 5, 1]);
    assert!(micro(&o["cost_usd"], 2000.0) && micro(&o["route_median_usd"], 300.0));
    assert!((o["times_median"].as_f64().unwrap() - 2000.0 / 300.0).abs() < 1e-12);
    // k3 costs exactly 3 × report's median: not listed. The factor is settable.
    assert_eq!(j["routes"][1]["outliers"], 0);
    assert_eq!(report(&["--job-outlier", "6.6"])["outlier_count"], 1);
    assert_eq!(report(&["--job-outlier", "6.7"])["outlier_count"], 0);
}

#[test]
fn runaway_jobs_have_more_calls_than_the_limit_times_the_median() {
    let j = report(&[]);
    assert_eq!(j["runaway_count"], 1);
    assert_eq!(j["runaway"][0]["job"], "j5");
    assert_eq!(report(&["--runaway-attempts", "6"])["runaway_count"], 0);
}

#[test]
fn table_shows_the_distribution_and_the_lists() {
    let mut args = vec!["report", "fixtures/jobs.jsonl", "--only", "jobs"];
    args.extend(test_pricing());
    let text = run_table(&args);
    for want in [
        "Cost per job by route",
        "$0.000300",
        "Outlier jobs",
        "6.7×",
        "Runaway jobs",
        "1 calls carry no job_id",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    let mut args = vec!["report", "fixtures/calls.jsonl", "--only", "jobs"];
    args.extend(test_pricing());
    let text = run_table(&args);
    assert!(text.starts_with("14 calls,"), "{text}");
    assert!(!text.contains("Cost per job"), "no job_id in calls.jsonl: {text}");
}
