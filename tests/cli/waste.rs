//! `llmcost report --only waste` on `fixtures/waste.jsonl`; every figure is worked out by hand
//! in `fixtures/waste.md`.

use super::{llmcost, run_json, test_pricing};

/// A JSON money figure equals the hand-computed decimal (JSON carries the nearest double).
fn usd(v: &serde_json::Value, want: &str) -> bool {
    (v.as_f64().unwrap() - want.parse::<f64>().unwrap()).abs() < 1e-12
}

fn close(v: &serde_json::Value, want: f64) -> bool {
    (v.as_f64().unwrap() - want).abs() < 1e-12
}

/// (calls, cost, output cost, output share, truncated, rate, truncated cost, tokens, unpriced, truncated unpriced)
type Want = (u64, &'static str, &'static str, f64, u64, f64, &'static str, u64, u64, u64);

fn check(row: &serde_json::Value, w: Want) {
    assert_eq!(row["calls"], w.0, "{row}");
    assert!(usd(&row["cost_usd"], w.1), "cost {row}");
    assert!(usd(&row["output_cost_usd"], w.2), "output {row}");
    assert!(close(&row["output_share"], w.3), "share {row}");
    assert_eq!(row["truncated_calls"], w.4, "{row}");
    assert!(close(&row["truncated_rate"], w.5), "rate {row}");
    assert!(usd(&row["truncated_cost_usd"], w.6), "truncated cost {row}");
    assert_eq!(row["truncated_output_tokens"], w.7, "{row}");
    assert_eq!(row["unpriced_calls"], w.8, "{row}");
    assert_eq!(row["truncated_unpriced_calls"], w.9, "{row}");
}

#[test]
fn routes_and_totals_match_hand_figures() {
    let mut args = vec!["report", "fixtures/waste.jsonl", "--only", "waste"];
    args.extend(test_pricing());
    let w = run_json(&args)["waste"].clone();
    assert_eq!(w["group_by"], "route");
    check(&w, (8, "0.02444", "0.0101", 10100.0 / 24440.0, 5, 0.625, "0.0221", 860, 1, 1));
    let routes = w["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2);
    assert_eq!(routes[0]["route"], "chat");
    check(&routes[0], (4, "0.0239", "0.0097", 9700.0 / 23900.0, 3, 0.75, "0.0221", 800, 0, 0));
    assert_eq!(routes[1]["route"], "search");
    check(&routes[1], (4, "0.00054", "0.0004", 400.0 / 540.0, 2, 0.5, "0", 60, 1, 1));
    // Every call but w05 (search) logs a finish_reason.
    assert_eq!(
        (w["finish_reason_calls"].as_u64(), routes[0]["finish_reason_calls"].as_u64()),
        (Some(7), Some(4))
    );
    assert_eq!(routes[1]["finish_reason_calls"], 3);
}

#[test]
fn table_marks_partial_costs() {
    let mut args = vec!["report", "fixtures/waste.jsonl", "--only", "waste"];
    args.extend(test_pricing());
    let text = String::from_utf8(llmcost().args(&args).output().unwrap().stdout).unwrap();
    assert!(text.contains("Output waste by route"), "{text}");
    // search: 4 calls, $0.000540*, 74.1%, 2 truncated, 50.0%, $0.00* (w07 unpriced), 60 tokens.
    let search = text.lines().find(|l| l.contains(" search ")).expect("search row");
    for cell in ["$0.000540*", "74.1%", "50.0%", "$0.00*", "60"] {
        assert!(search.contains(cell), "{cell} in {search}");
    }
    let all = text.lines().find(|l| l.contains(" all ")).expect("totals row");
    for cell in ["$0.0244*", "41.3%", "62.5%", "$0.0221", "860"] {
        assert!(all.contains(cell), "{cell} in {all}");
    }
}
