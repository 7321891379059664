//! `llmcost report --only pareto`: CLI tests on `fixtures/pareto.jsonl`, whose figures are
//! worked out by hand in `fixtures/pareto.md`.

use serde_json::{json, Value};

use super::{llmcost, run_json, test_pricing};

fn pareto(extra: &[&str]) -> Value {
    let mut args = vec!["report", "fixtures/pareto.jsonl", "--only", "pareto"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["pareto"].clone()
}

/// (items, items_for_share, share_of_items, gini) of one dimension.
fn summary(d: &Value) -> (u64, u64, f64, f64) {
    (
        d["items"].as_u64().unwrap(),
        d["items_for_share"].as_u64().unwrap(),
        d["share_of_items"].as_f64().unwrap(),
        d["gini"].as_f64().unwrap(),
    )
}

fn keys(d: &Value) -> Vec<Value> {
    d["top"].as_array().unwrap().iter().map(|t| t["key"].clone()).collect()
}

#[test]
fn every_dimension_by_hand() {
    let p = pareto(&[]);
    assert_eq!(summary(&p["call"]), (8, 3, 0.375, 0.6025));
    assert_eq!(summary(&p["user"]), (6, 2, 2.0 / 6.0, 0.67));
    assert_eq!(summary(&p["feature"]), (3, 1, 1.0 / 3.0, 17800.0 / 30000.0));
    assert_eq!(summary(&p["route"]), (3, 2, 2.0 / 3.0, 0.38));
    assert_eq!(summary(&p["model"]), (2, 2, 1.0, 0.2));
    assert_eq!(summary(&p["job"]), (5, 2, 0.4, 0.612));
    for dim in ["call", "user", "feature", "route", "model", "job"] {
        assert_eq!(p[dim]["cost_usd"].as_f64(), Some(0.01), "{dim}: priced cost only");
        assert_eq!(p[dim]["target_share"], 0.8);
    }
}

#[test]
fn top_contributors_with_none_last_on_a_tie() {
    let p = pareto(&[]);
    assert_eq!(
        keys(&p["user"]),
        [json!("u1"), json!("u2"), json!("u3"), Value::Null, json!("u4"), json!("u6")]
    );
    assert_eq!(keys(&p["job"]), [json!("j1"), json!("j2"), json!("j3"), Value::Null, json!("j5")]);
    let u1 = &p["user"]["top"][0];
    assert_eq!(
        (u1["cost_usd"].as_f64(), u1["share"].as_f64(), u1["cum_share"].as_f64()),
        (Some(0.006), Some(0.6), Some(0.6))
    );
    assert_eq!(p["user"]["top"][1]["cum_share"], 0.95);
    let c = &p["call"]["top"];
    assert_eq!(
        (c[0]["key"].as_str(), c[0]["route"].as_str(), c[0]["model"].as_str()),
        (Some("2026-03-02T01:00:00Z"), Some("r1"), Some("alpha"))
    );
    assert_eq!(
        (c[1]["model"].as_str(), c[1]["cost_usd"].as_f64(), c[1]["cum_share"].as_f64()),
        (Some("beta"), Some(0.003), Some(0.7))
    );
    // The two 200 µ$ calls keep file order: #5 (05:00) before #7 (07:00).
    assert_eq!(
        (c[4]["key"].as_str(), c[5]["key"].as_str()),
        (Some("2026-03-02T05:00:00Z"), Some("2026-03-02T07:00:00Z"))
    );
}

#[test]
fn curves_from_origin_to_one() {
    let p = pareto(&[]);
    let pts = |d: &str| -> Vec<(f64, f64)> {
        p[d]["curve"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x[0].as_f64().unwrap(), x[1].as_f64().unwrap()))
            .collect()
    };
    let e = |k: f64, y: f64| (k / 8.0, y);
    assert_eq!(
        pts("call"),
        [
            e(0.0, 0.0),
            e(1.0, 0.4),
            e(2.0, 0.7),
            e(3.0, 0.9),
            e(4.0, 0.95),
            e(5.0, 0.97),
            e(6.0, 0.99),
            e(7.0, 1.0),
            e(8.0, 1.0)
        ]
    );
    let e = |k: f64, y: f64| (k / 6.0, y);
    assert_eq!(
        pts("user"),
        [e(0.0, 0.0), e(1.0, 0.6), e(2.0, 0.95), e(3.0, 0.97), e(4.0, 0.99), e(5.0, 1.0), e(6.0, 1.0)]
    );
}

#[test]
fn pareto_option_moves_the_target() {
    let p = pareto(&["--pareto", "0.5"]);
    assert_eq!(p["call"]["target_share"], 0.5);
    assert_eq!(
        (p["call"]["items_for_share"].as_u64(), p["call"]["share_of_items"].as_f64()),
        (Some(2), Some(0.25))
    );
    assert_eq!(
        (p["user"]["items_for_share"].as_u64(), p["user"]["share_of_items"].as_f64()),
        (Some(1), Some(1.0 / 6.0))
    );
}

#[test]
fn terminal_shows_the_pareto_line_with_a_bar() {
    let out = llmcost()
        .args(["report", "fixtures/pareto.jsonl", "--only", "pareto"])
        .args(test_pricing())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.contains("of users")).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        line,
        format!("[{}{}] 33.3% of users (2 of 6) make 80% of cost", "█".repeat(10), "░".repeat(20))
    );
    assert!(text.contains("Gini 0.60 over 8 calls costing $0.0100"), "{text}");
}
