//! `llmcost report --only environments`: CLI tests on `fixtures/environments.jsonl`, whose
//! figures are worked out by hand in `fixtures/environments.md`.

use serde_json::{json, Value};

use super::{llmcost, run_json, test_pricing};

fn environments() -> Value {
    let mut args = vec!["report", "fixtures/environments.jsonl", "--only", "environments"];
    args.extend(test_pricing());
    run_json(&args)["environments"].clone()
}

fn usd(v: &Value, expected: &str) {
    assert_eq!(v.as_f64(), Some(expected.parse::<f64>().unwrap()), "{v} vs {expected}");
}

#[test]
fn totals_by_class() {
    let e = environments();
    assert_eq!((e["calls"].as_u64(), e["non_production_calls"].as_u64()), (Some(10), Some(5)));
    usd(&e["cost_usd"], "0.0128");
    usd(&e["production_cost_usd"], "0.0078");
    usd(&e["non_production_cost_usd"], "0.0045");
    usd(&e["none_cost_usd"], "0.0005");
    assert_eq!(e["non_production_share"], 0.3515625);
}

#[test]
fn rows_by_cost_with_classes() {
    let e = environments();
    let rows: Vec<(Value, Value, u64, u64, f64, f64)> = e["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].clone(),
                r["class"].clone(),
                r["calls"].as_u64().unwrap(),
                r["priced_calls"].as_u64().unwrap(),
                r["cost_usd"].as_f64().unwrap(),
                r["share"].as_f64().unwrap(),
            )
        })
        .collect();
    let row = |k: Value, c: &str, calls, priced, cost: &str, share| {
        (k, json!(c), calls, priced, cost.parse::<f64>().unwrap(), share)
    };
    assert_eq!(
        rows,
        [
            row(json!("prod"), "production", 2, 2, "0.006", 0.46875),
            row(json!("ci"), "non_production", 3, 2, "0.0035", 0.2734375),
            row(json!("PRODUCTION"), "production", 1, 1, "0.0018", 0.140625),
            row(json!("prod-canary"), "non_production", 1, 1, "0.0005", 0.0390625),
            row(json!("staging"), "non_production", 1, 1, "0.0005", 0.0390625),
            row(json!(""), "none", 1, 1, "0.0003", 0.0234375),
            row(Value::Null, "none", 1, 1, "0.0002", 0.015625),
        ]
    );
}

#[test]
fn terminal_shows_the_non_production_line() {
    let out = llmcost()
        .args(["report", "fixtures/environments.jsonl", "--only", "environments"])
        .args(test_pricing())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Cost by environment"), "{text}");
    assert!(text.contains("non-production: $0.004500 of $0.0128 (35.2%) over 5 calls; production: $0.007800; no environment: $0.000500"), "{text}");
    let ci = text.lines().find(|l| l.contains(" ci ")).expect("ci row");
    assert!(ci.contains("$0.003500*"), "unpriced call marked: {ci}");
    assert!(text.lines().any(|l| l.contains("(blank)") && l.contains("$0.000300")), "{text}");
}
