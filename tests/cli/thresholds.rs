//! `llmcost report --only thresholds` on `fixtures/thresholds.jsonl`; every figure is worked
//! out by hand in `fixtures/thresholds.md`.

use super::{llmcost, run_json, test_pricing};

fn report(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["report", "fixtures/thresholds.jsonl", "--only", "thresholds"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["thresholds"].clone()
}

/// A JSON money figure equals the hand-computed decimal (JSON carries the nearest double).
fn usd(v: &serde_json::Value, want: &str) -> bool {
    (v.as_f64().unwrap() - want.parse::<f64>().unwrap()).abs() < 1e-12
}

/// (key, count, cost, premium, near misses, saving, just below) of one row.
fn check(row: &serde_json::Value, (field, key): (&str, &str), want: (u64, &str, &str, u64, &str, u64)) {
    assert_eq!(row[field], key, "{row}");
    assert_eq!(row["count"], want.0, "{row}");
    assert!(usd(&row["cost_usd"], want.1), "cost {row}");
    assert!(usd(&row["premium_usd"], want.2), "premium {row}");
    assert_eq!(row["near_miss_count"], want.3, "{row}");
    assert!(usd(&row["near_miss_saving_usd"], want.4), "saving {row}");
    assert_eq!(row["just_below_count"], want.5, "{row}");
}

#[test]
fn totals_routes_and_models_match_hand_figures() {
    let t = report(&[]);
    // t11, an app cache hit, made no provider call: not a crossing (issue #11).
    assert_eq!(t["count"], 7);
    assert!(usd(&t["cost_usd"], "0.035712"));
    assert!(usd(&t["premium_usd"], "0.0166935"));
    assert_eq!(t["near_miss_count"], 4);
    assert!(usd(&t["near_miss_saving_usd"], "0.005992"));
    assert_eq!(t["just_below_count"], 3);
    assert_eq!(t["group_by"], "route");
    let routes = t["by_route"].as_array().unwrap();
    assert_eq!(routes.len(), 3);
    check(&routes[0], ("route", "rag"), (3, "0.02835", "0.01305", 2, "0.00585", 0));
    check(&routes[1], ("route", "chat"), (3, "0.00726", "0.0035925", 1, "0.00009", 2));
    check(&routes[2], ("route", "search"), (1, "0.000102", "0.000051", 1, "0.000052", 1));
    let models = t["by_model"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    check(&models[0], ("model", "beta"), (4, "0.035181", "0.016428", 2, "0.00585", 2));
    check(&models[1], ("model", "gamma"), (3, "0.000531", "0.0002655", 2, "0.000142", 1));
}

#[test]
fn a_wider_band_catches_more_near_misses() {
    let t = report(&["--near-miss", "0.2"]);
    assert_eq!(t["count"], 7);
    assert!(usd(&t["premium_usd"], "0.0166935"));
    assert_eq!(t["near_miss_count"], 6);
    assert!(usd(&t["near_miss_saving_usd"], "0.0098055"));
    assert_eq!(t["just_below_count"], 4);
}

#[test]
fn grouping_follows_by() {
    let t = report(&["--by", "model"]);
    assert_eq!(t["group_by"], "model");
    check(&t["by_route"][0], ("route", "beta"), (4, "0.035181", "0.016428", 2, "0.00585", 2));
}

#[test]
fn table_shows_the_totals_row() {
    let mut args = vec!["report", "fixtures/thresholds.jsonl", "--only", "thresholds"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Long-context tier crossings by route"), "{text}");
    // all: 7 crossed, $0.0357, premium $0.0167, 4 near misses saving $0.005992, 3 just below.
    let all = text.lines().find(|l| l.contains(" all ")).expect("totals row");
    for cell in ["7", "$0.0357", "$0.0167", "4", "$0.005992", "3"] {
        assert!(all.split('┆').any(|c| c.trim().trim_end_matches('│').trim() == cell), "{cell} in {all}");
    }
}
