//! `llmcost report --only cache`: CLI tests on `fixtures/cache.jsonl`, whose figures are worked
//! out by hand in `fixtures/cache.md`.

use serde_json::Value;

use super::{llmcost, run_json, test_pricing};

fn cache(extra: &[&str]) -> Value {
    let mut args = vec!["report", "fixtures/cache.jsonl", "--only", "cache"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["cache"].clone()
}

fn route<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == name)
        .unwrap_or_else(|| panic!("no route {name}"))
}

/// A JSON money figure equals the nearest double of the hand-computed decimal.
fn usd(v: &Value, expected: &str) {
    assert_eq!(v.as_f64(), Some(expected.parse::<f64>().unwrap()), "{v} vs {expected}");
}

#[test]
fn routes_by_input_with_rates_money_and_flags() {
    let c = cache(&[]);
    assert_eq!(c["group_by"], "route");
    let order: Vec<&str> =
        c["routes"].as_array().unwrap().iter().map(|r| r["route"].as_str().unwrap()).collect();
    assert_eq!(order, ["chat", "search", "nocache", "rag", "misc"]);
    let chat = route(&c, "chat");
    assert_eq!(
        (chat["calls"].as_u64(), chat["input_tokens"].as_u64(), chat["cache_read_tokens"].as_u64()),
        (Some(4), Some(200000), Some(193600))
    );
    assert_eq!(chat["token_hit_rate"], 0.968);
    assert_eq!(chat["request_hit_rate"], 1.0);
    usd(&chat["write_cost_usd"], "0.00125");
    usd(&chat["write_premium_usd"], "0.00025");
    usd(&chat["saved_usd"], "0.12705");
    assert_eq!(chat["payback"], 508.2);
    assert_eq!(chat["flags"], serde_json::json!([]));

    let search = route(&c, "search");
    assert_eq!(
        (search["token_hit_rate"].as_f64(), search["request_hit_rate"].as_f64()),
        (Some(0.04), Some(0.5))
    );
    usd(&search["write_cost_usd"], "0.006");
    usd(&search["write_premium_usd"], "0");
    usd(&search["saved_usd"], "0.0015");
    assert!(search["payback"].is_null());
    assert_eq!(search["flags"], serde_json::json!(["below_fleet"]));

    assert_eq!(route(&c, "nocache")["flags"], serde_json::json!(["no_cache"]));

    let rag = route(&c, "rag");
    assert_eq!(
        (rag["cache_read_tokens"].as_u64(), rag["cache_write_tokens"].as_u64()),
        (Some(7600), Some(9000))
    );
    assert_eq!(rag["token_hit_rate"], 0.38);
    usd(&rag["write_cost_usd"], "0.012");
    usd(&rag["write_premium_usd"], "0.003");
    usd(&rag["saved_usd"], "0.0057");
    assert_eq!(rag["payback"], 1.9);
    assert_eq!(rag["flags"], serde_json::json!(["collapsed"]));

    let misc = route(&c, "misc");
    assert_eq!((misc["priced_calls"].as_u64(), misc["token_hit_rate"].as_f64()), (Some(0), Some(0.5)));
    assert_eq!(misc["flags"], serde_json::json!([]));
}

#[test]
fn fleet_totals_leave_out_errors_and_app_cache_hits() {
    let f = cache(&[])["fleet"].clone();
    assert_eq!((f["calls"].as_u64(), f["calls_with_read"].as_u64()), (Some(13), Some(11)));
    assert_eq!(
        (f["input_tokens"].as_u64(), f["cache_read_tokens"].as_u64(), f["cache_write_tokens"].as_u64()),
        (Some(291000), Some(203700), Some(11000))
    );
    assert_eq!(f["token_hit_rate"], 0.7);
    assert_eq!(f["request_hit_rate"].as_f64(), Some(11.0 / 13.0));
    usd(&f["write_cost_usd"], "0.01925");
    usd(&f["write_premium_usd"], "0.00325");
    usd(&f["saved_usd"], "0.13425");
    assert_eq!(f["payback"].as_f64(), Some(134250.0 / 3250.0));
}

#[test]
fn the_collapse_of_rag_and_what_it_cost() {
    let c = cache(&[]);
    let collapses = c["collapses"].as_array().unwrap();
    assert_eq!(collapses.len(), 1, "{collapses:?}");
    let x = &collapses[0];
    assert_eq!((x["route"].as_str(), x["at"].as_str()), (Some("rag"), Some("2026-03-04")));
    assert_eq!((x["before_rate"].as_f64(), x["after_rate"].as_f64()), (Some(0.8), Some(0.1)));
    assert_eq!((x["before_days"].as_u64(), x["after_days"].as_u64()), (Some(2), Some(3)));
    usd(&x["cost_since_usd"], "0.0063");
}

#[test]
fn grouped_by_model() {
    let c = cache(&["--by", "model"]);
    assert_eq!(c["group_by"], "model");
    let alpha = route(&c, "alpha");
    assert_eq!(
        (alpha["input_tokens"].as_u64(), alpha["cache_read_tokens"].as_u64()),
        (Some(265000), Some(203200))
    );
    assert_eq!(alpha["token_hit_rate"].as_f64(), Some(203200.0 / 265000.0));
    let beta = route(&c, "beta");
    usd(&beta["write_cost_usd"], "0.006");
    assert_eq!(beta["flags"], serde_json::json!(["no_cache"]));
    assert_eq!(c["fleet"]["token_hit_rate"], 0.7);
    assert_eq!(c["collapses"], serde_json::json!([]));
}

#[test]
fn terminal_shows_flags_fleet_and_collapse() {
    let out = llmcost()
        .args(["report", "fixtures/cache.jsonl", "--only", "cache"])
        .args(test_pricing())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Prompt cache by route"), "{text}");
    assert!(text.contains("fleet: token hit rate 70.0%, request hit rate 84.6%"), "{text}");
    assert!(text.contains("below_fleet") && text.contains("no_cache"), "{text}");
    // The collapse's row in the cache section (the headline names it too, in words).
    let collapse =
        text.lines().find(|l| l.contains("2026-03-04") && l.contains("80.0%")).expect("collapse row");
    assert!(
        collapse.contains("rag")
            && collapse.contains("80.0%")
            && collapse.contains("10.0%")
            && collapse.contains("$0.006300"),
        "{collapse}"
    );
}
