//! Every breakdown's rows add up to the total, exactly, in every figure; and every per-route
//! section's rows add up to its own whole-run figures (issue #17). Checked on the 400-call
//! sample (ten models, an unpriced one, buckets of every dimension) and on a combined
//! breakdown, with and without a --top cut (the "others" row carries the rest).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{llmcost, run_json};

/// A decimal string as an integer of 1e-18 (every CSV cost is exact to 1e-18).
fn atto(text: &str) -> i128 {
    if text.is_empty() {
        return 0; // an unpriced group: no cost
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<18}");
    int.parse::<i128>().unwrap() * 10i128.pow(18) + frac[..18].parse::<i128>().unwrap()
}

#[test]
fn every_breakdown_sums_to_the_total_r17() {
    for extra in [vec![], vec!["--top", "3"], vec!["--by", "route,model", "--by", "user", "--by", "day"]] {
        let mut args = vec!["report", "fixtures/sample.jsonl", "--format", "csv"];
        args.extend(&extra);
        let out = llmcost().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut r = csv::Reader::from_reader(out.stdout.as_slice());
        let headers = r.headers().unwrap().clone();
        let figures = [
            "calls",
            "priced_calls",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
            "cost_usd",
        ];
        let at: Vec<usize> = figures.iter().map(|f| headers.iter().position(|h| h == *f).unwrap()).collect();
        let value = |row: &csv::StringRecord, i: usize| {
            if figures[i] == "cost_usd" {
                atto(&row[at[i]])
            } else {
                row[at[i]].parse::<i128>().unwrap()
            }
        };
        let mut total = None;
        let mut sums: BTreeMap<String, Vec<i128>> = BTreeMap::new();
        for row in r.records().map(Result::unwrap) {
            match &row[0] {
                "total" => total = Some((0..figures.len()).map(|i| value(&row, i)).collect::<Vec<_>>()),
                "breakdown" => {
                    let s = sums.entry(row[1].to_string()).or_insert_with(|| vec![0; figures.len()]);
                    (0..figures.len()).for_each(|i| s[i] += value(&row, i));
                }
                _ => {}
            }
        }
        let total = total.expect("a total row");
        assert!(!sums.is_empty());
        for (dim, s) in &sums {
            assert_eq!(s, &total, "{extra:?}: breakdown {dim} vs the total ({figures:?})");
        }
    }
}

#[test]
fn section_rows_sum_to_their_run_figures_r17() {
    let r = run_json(&["report", "fixtures/sample.jsonl"]);
    let sum = |rows: &Value, key: &str| -> u64 {
        rows.as_array().unwrap().iter().map(|x| x[key].as_u64().unwrap()).sum()
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-9);
    let fsum = |rows: &Value, key: &str| -> f64 {
        rows.as_array().unwrap().iter().map(|x| x[key].as_f64().unwrap()).sum()
    };
    // Retries: calls, operations and failed calls per route add up to the run's.
    let (rt, routes) = (&r["retries"]["totals"], &r["retries"]["routes"]);
    for key in ["calls", "operations", "retried_operations", "failed_calls", "unpriced_calls"] {
        assert_eq!(sum(routes, key), rt[key].as_u64().unwrap(), "retries {key}");
    }
    assert!(close(fsum(routes, "cost_usd"), rt["cost_usd"].as_f64().unwrap()));
    // Fallbacks, cache, thresholds, duplicates, waste: the same per section.
    let fb = &r["fallbacks"];
    for key in ["operations", "fallback_operations", "escalated_calls"] {
        assert_eq!(sum(&fb["routes"], key), fb["totals"][key].as_u64().unwrap(), "fallbacks {key}");
    }
    let cache = &r["cache"];
    for key in ["calls", "input_tokens", "cache_read_tokens", "cache_write_tokens"] {
        assert_eq!(sum(&cache["routes"], key), cache["fleet"][key].as_u64().unwrap(), "cache {key}");
    }
    let th = &r["thresholds"];
    assert_eq!(sum(&th["by_route"], "count"), th["count"].as_u64().unwrap(), "thresholds by route");
    assert_eq!(sum(&th["by_model"], "count"), th["count"].as_u64().unwrap(), "thresholds by model");
    let d = &r["duplicates"];
    assert_eq!(sum(&d["routes"], "count"), d["count"].as_u64().unwrap(), "duplicates");
    let w = &r["waste"];
    for key in ["calls", "truncated_calls"] {
        assert_eq!(sum(&w["routes"], key), w[key].as_u64().unwrap(), "waste {key}");
    }
}
