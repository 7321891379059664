//! `llmcost report --only reconciliation` on `fixtures/reconciliation.jsonl`; every figure is
//! worked out by hand in `fixtures/reconciliation.md`.

use super::{run_json, run_table, table_row, test_pricing};

/// A JSON money figure equals the hand-computed decimal (JSON carries the nearest double).
fn usd(v: &serde_json::Value, want: &str) -> bool {
    (v.as_f64().unwrap() - want.parse::<f64>().unwrap()).abs() < 1e-12
}

#[test]
fn rows_match_hand_figures() {
    let mut args = vec!["report", "fixtures/reconciliation.jsonl", "--only", "reconciliation"];
    args.extend(test_pricing());
    let r = run_json(&args)["reconciliation"].clone();
    let rows = r.as_array().expect("an array of rows");
    // (provider, model, calls, computed, logged, difference, difference %)
    let want = [
        (Some("testco"), "beta", 1, "0.0165", "0.009", "-0.0075", -7500.0 / 165.0),
        (Some("testco"), "alpha", 3, "0.0028", "0.00307", "0.00027", 27000.0 / 2800.0),
        (None, "alpha", 1, "0.0001", "0.00012", "0.00002", 20.0),
        (Some("testco"), "gamma", 2, "0.000014", "0.000028", "0.000014", 100.0),
    ];
    assert_eq!(rows.len(), want.len() + 1);
    for (row, (provider, model, calls, computed, logged, diff, pct)) in rows.iter().zip(want) {
        assert_eq!(
            (row["provider"].as_str(), row["model"].as_str(), row["calls"].as_u64()),
            (provider, Some(model), Some(calls))
        );
        assert!(usd(&row["computed_usd"], computed), "{row}");
        assert!(usd(&row["logged_usd"], logged), "{row}");
        assert!(usd(&row["difference_usd"], diff), "{row}");
        assert!((row["difference_pct"].as_f64().unwrap() - pct).abs() < 1e-9, "{row}");
    }
    let unpriced = &rows[4];
    assert_eq!(
        (unpriced["provider"].as_str(), unpriced["model"].as_str(), unpriced["calls"].as_u64()),
        (Some("acme"), Some("mystery-1"), Some(2))
    );
    assert!(
        unpriced["computed_usd"].is_null()
            && unpriced["difference_usd"].is_null()
            && unpriced["difference_pct"].is_null()
    );
    assert!(usd(&unpriced["logged_usd"], "0.75"));
}

#[test]
fn table_shows_totals_and_unpriced_calls() {
    let mut args = vec!["report", "fixtures/reconciliation.jsonl", "--only", "reconciliation"];
    args.extend(test_pricing());
    let text = run_table(&args);
    assert!(text.contains("Computed vs logged cost"), "{text}");
    // 7 priced calls, $0.0194 computed, $0.0122 logged, −$0.007196, −37.1%: whole cells, so
    // the count cannot be found inside a money figure.
    assert_eq!(
        table_row(&text, 0, "all priced"),
        ["all priced", "", "7", "$0.0194", "$0.0122", "-$0.007196", "-37.1%"],
        "{text}"
    );
    assert!(text.contains("2 unpriced calls logged $0.7500, not compared"), "{text}");
    assert_eq!(
        table_row(&text, 1, "beta"),
        ["testco", "beta", "1", "$0.0165", "$0.009000", "-$0.007500", "-45.5%"],
        "{text}"
    );
}
