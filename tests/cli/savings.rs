//! `llmcost savings` on `fixtures/savings.jsonl`; every figure is worked out by hand in
//! `fixtures/savings.md` (in µ$: 1e-6 USD).

use super::{llmcost, run_json, same_decimal, test_pricing};

fn savings(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["savings", "fixtures/savings.jsonl"];
    args.extend(test_pricing());
    args.extend(extra);
    run_json(&args)["savings"].clone()
}

fn lever<'a>(s: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    s["levers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no lever {key}"))
}

fn exact(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

#[test]
fn each_lever_alone_matches_the_hand_figures() {
    let s = savings(&[]);
    assert!(same_decimal(exact(&s["spend_usd_exact"]), "0.323941"), "{}", s["spend_usd_exact"]);
    assert_eq!(s["period_days"], 3.0);
    let want = [
        ("batch", "0.0761", 8),
        ("long_context_trim", "0.0183", 1),
        ("output_reduction", "0.013", 2),
        ("response_cache", "0.0116", 2),
        ("retry_discipline", "0.0058", 1),
        ("fallback_guardrail", "0.00472", 1),
        ("model_routing", "0.001452", 2),
        ("prompt_cache", "0.0006", 1),
    ];
    let levers = s["levers"].as_array().unwrap();
    let keys: Vec<&str> = levers.iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(keys, want.map(|w| w.0), "ranked by dollars saved");
    for (key, saved, calls) in want {
        let l = lever(&s, key);
        assert!(same_decimal(exact(&l["saved_usd_exact"]), saved), "{key}: {l}");
        assert_eq!(l["calls"], calls, "{key}");
        assert_eq!(l["in_combined"], key != "model_routing");
        assert!(!l["assumption"].as_str().unwrap().is_empty());
        // Per 30 days over a 3-day period is ten times the saving.
        let per_30 = l["per_30_days_usd"].as_f64().unwrap();
        assert!((per_30 - 10.0 * saved.parse::<f64>().unwrap()).abs() < 1e-12, "{key}: {per_30}");
    }
    let batch = lever(&s, "batch");
    let routes: Vec<(&str, &str)> = batch["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["route"].as_str().unwrap(), r["saved_usd_exact"].as_str().unwrap()))
        .collect();
    assert_eq!(routes.len(), 3);
    assert_eq!(routes[0].0, "nightly.report");
    assert!(same_decimal(routes[0].1, "0.0645"));
    assert!(same_decimal(routes[1].1, "0.0087") && routes[1].0 == "faq.answer", "{routes:?}");
    assert!(same_decimal(routes[2].1, "0.0029") && routes[2].0 == "eval.run", "{routes:?}");
}

#[test]
fn combined_counts_each_call_once_in_the_stated_order() {
    let s = savings(&[]);
    let c = &s["combined"];
    assert!(same_decimal(exact(&c["saved_usd_exact"]), "0.12432"), "{c}");
    assert_eq!(c["calls"], 14);
    assert!((c["per_30_days_usd"].as_f64().unwrap() - 1.2432).abs() < 1e-12);
    assert!((c["share"].as_f64().unwrap() - 124_320.0 / 323_941.0).abs() < 1e-12);
    let want = [
        ("retry_discipline", "0.0058", "0.0058"),
        ("response_cache", "0.0116", "0.0174"),
        ("fallback_guardrail", "0.00472", "0.02212"),
        ("long_context_trim", "0.0183", "0.04042"),
        ("output_reduction", "0.013", "0.05342"),
        ("prompt_cache", "0.0006", "0.05402"),
        ("batch", "0.0703", "0.12432"),
    ];
    let curve = c["curve"].as_array().unwrap();
    assert_eq!(curve.len(), want.len(), "candidate routing is not in the combined figure");
    for (p, (key, adds, cumulative)) in curve.iter().zip(want) {
        assert_eq!(p["key"], key);
        assert!(same_decimal(exact(&p["saved_usd_exact"]), adds), "{p}");
        assert!(same_decimal(exact(&p["cumulative_usd_exact"]), cumulative), "{p}");
    }
    assert_eq!(lever(&s, "model_routing")["in_combined"], false);
    // A chosen map joins it.
    let mapped = savings(&["--model-map", "classify=alpha"]);
    assert!(same_decimal(exact(&mapped["combined"]["saved_usd_exact"]), "0.12526"));
    assert_eq!(mapped["combined"]["calls"], 16);
    assert_eq!(lever(&mapped, "model_routing")["in_combined"], true);
}

#[test]
fn routing_candidates_without_a_map_and_a_mapped_route_priced_by_hand() {
    let s = savings(&[]);
    let cands = s["routing_candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 1, "{cands:?}");
    let c = &cands[0];
    assert_eq!(
        (c["route"].as_str(), c["model"].as_str(), c["to_model"].as_str()),
        (Some("classify"), Some("beta"), Some("gamma"))
    );
    assert!(same_decimal(exact(&c["saved_usd_exact"]), "0.001452"));
    assert_eq!(
        (c["median_input_tokens"].as_u64(), c["median_output_tokens"].as_u64()),
        (Some(200), Some(10))
    );
    assert_eq!(c["input_rate_ratio"], 30.0);

    let mapped = savings(&["--model-map", "classify=alpha"]);
    let l = lever(&mapped, "model_routing");
    assert!(same_decimal(exact(&l["saved_usd_exact"]), "0.00094"), "{l}");
    assert_eq!(l["calls"], 2);
    assert!(mapped["routing_candidates"].as_array().unwrap().is_empty());
    // The same through a model rule.
    let by_model = savings(&["--model-map", "model:beta=alpha"]);
    // beta's other calls: summarize.long 1,050/2,000 at alpha = 1,050 + 16,000 = 17,050 (saves
    // 34,250); nightly.report 4 × (5,000 + 800) = 5,800 vs 32,250 (saves 26,450 each) and the
    // batch call 2,900 vs 16,125 (saves 13,225): 940 + 34,250 + 105,800 + 13,225 = 154,215.
    assert!(same_decimal(exact(&lever(&by_model, "model_routing")["saved_usd_exact"]), "0.154215"));
}

#[test]
fn knobs_change_the_levers_as_stated() {
    let capped = savings(&["--output-cap", "chat.*=50"]);
    assert!(same_decimal(exact(&lever(&capped, "output_reduction")["saved_usd_exact"]), "0.017"));
    let strict = savings(&["--max-attempts", "1"]);
    // Attempts 2, 3 and 4 of op1 are not made: 3 × 5,800.
    assert!(same_decimal(exact(&lever(&strict, "retry_discipline")["saved_usd_exact"]), "0.0174"));
    let short = savings(&["--dedup-window", "5m"]);
    // The repeats come 10 minutes apart: none within 5 minutes.
    assert_eq!(lever(&short, "response_cache")["calls"], 0);
    let declared = savings(&["--batchable", "classify"]);
    // classify joins batch: 2 × 750 × 0.5 = 750 more.
    assert!(same_decimal(exact(&lever(&declared, "batch")["saved_usd_exact"]), "0.07685"));
}

#[test]
fn price_versions_are_a_signed_what_if_outside_the_combined_figure() {
    let s = savings(&["--reprice-as-of", "2026-02-15"]);
    let l = lever(&s, "price_versions");
    assert!(same_decimal(exact(&l["saved_usd_exact"]), "-0.1"), "{l}");
    assert_eq!(l["calls"], 20);
    assert_eq!(l["in_combined"], false);
    assert!(same_decimal(exact(&s["combined"]["saved_usd_exact"]), "0.12432"));
}

#[test]
fn table_markdown_and_csv_show_the_same_figures() {
    let mut args = vec!["savings", "fixtures/savings.jsonl"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Where to save"), "{table}");
    assert!(table.contains("$0.0761  Batch API (23.5%, most on nightly.report)"), "{table}");
    assert!(!table.contains("No leak found"), "savings runs no leak analysis: {table}");
    assert!(table.contains("Top savings levers (all levers together: $0.1243, 38.4%) [savings]:"), "{table}");
    let md = llmcost().args(&args).args(["--format", "md"]).output().unwrap();
    assert!(String::from_utf8(md.stdout).unwrap().contains("| Batch API | $0.0761 | $0.7610 | 23.5% | 8 |"));
    let csv = llmcost().args(&args).args(["--format", "csv"]).output().unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.contains("lever,batch,,0.0761,0.761,"), "{csv}");
    assert!(csv.contains("combined_total,,,0.12432,1.2432,"), "{csv}");
}

#[test]
fn report_only_savings_is_the_same_analysis() {
    let mut args = vec!["report", "fixtures/savings.jsonl", "--only", "savings", "--by", "route"];
    args.extend(test_pricing());
    let r = run_json(&args);
    assert!(same_decimal(exact(&r["savings"]["combined"]["saved_usd_exact"]), "0.12432"));
}

#[test]
fn a_bad_model_map_is_a_clear_error() {
    let mut args = vec!["savings", "fixtures/savings.jsonl", "--model-map", "classify=nope-9"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"nope-9\" is not in the price tables"));
}

/// The generator built beside the test binary (`cargo test` builds the examples).
fn gen_logs(args: &[&str]) -> tempfile::NamedTempFile {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples").join("gen_logs");
    let out = std::process::Command::new(&bin).args(args).output().unwrap_or_else(|e| panic!("{bin:?}: {e}"));
    assert!(out.status.success(), "gen_logs failed");
    let mut f = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
    std::io::Write::write_all(&mut f, &out.stdout).unwrap();
    f
}

#[test]
fn on_a_generated_month_the_broken_and_the_collapsed_cache_lead_the_cache_lever() {
    // --leaks: code.review writes its cache and never reads it; agent.reflect stops reading
    // it from October 16 on.
    let log = gen_logs(&["--rows", "20000", "--seed", "7", "--leaks"]);
    let s = run_json(&["savings", log.path().to_str().unwrap()])["savings"].clone();
    let cache = lever(&s, "prompt_cache");
    let top: Vec<&str> =
        cache["routes"].as_array().unwrap().iter().take(3).filter_map(|r| r["route"].as_str()).collect();
    assert!(top.contains(&"code.review") && top.contains(&"agent.reflect"), "{top:?}");
    let reflect = cache["routes"].as_array().unwrap().iter().find(|r| r["route"] == "agent.reflect").unwrap();
    assert!(reflect["basis"].as_str().unwrap().contains("before the collapse"), "{reflect}");
    // The combined estimate is the per-call sum and never more than the spend.
    let total: f64 = s["combined"]["saved_usd"].as_f64().unwrap();
    let curve: f64 =
        s["combined"]["curve"].as_array().unwrap().iter().map(|p| p["saved_usd"].as_f64().unwrap()).sum();
    assert!((total - curve).abs() < 1e-9 && total < s["spend_usd"].as_f64().unwrap());
}

/// Prices one call by hand: USD per million tokens per class (fresh input, cache read, 5-minute
/// write, 1-hour write, output), in integers of 1e-18 USD.
fn by_hand(call: &serde_json::Value, rates: [i128; 5], batch_half: bool) -> i128 {
    let n = |k: &str| call[k].as_i64().unwrap_or(0) as i128;
    let (input, read, write, write_1h, output) = (
        n("input_tokens"),
        n("cache_read_tokens"),
        n("cache_write_tokens"),
        n("cache_write_1h_tokens"),
        n("output_tokens"),
    );
    let parts = [input - read - write, read, write - write_1h, write_1h, output];
    // rate (µ$ per token, written ×1e6 per million) × tokens, in 1e-18 USD: rate_per_M × 1e12 per token.
    let cost: i128 = parts.iter().zip(rates).map(|(t, r)| t * r).sum();
    if batch_half && call["batch"].as_bool().unwrap_or(false) {
        cost / 2
    } else {
        cost
    }
}

#[test]
fn a_mapped_route_costs_its_tokens_at_the_target_rates_to_the_last_digit() {
    let log = gen_logs(&["--rows", "5000", "--seed", "11"]);
    // gpt-4.1-nano in the built-in tables: input 0.10, cache read 0.025, cache writes 0.10,
    // output 0.40 per million, batch × 0.5, one version, no tier: cheaper in every class than
    // every model the generator uses, so every call of the route gets cheaper. In 1e-18 USD
    // per token: × 1e12.
    let rates = [100_000_000_000, 25_000_000_000, 100_000_000_000, 100_000_000_000, 400_000_000_000];
    let text = std::fs::read_to_string(log.path()).unwrap();
    let calls: Vec<serde_json::Value> =
        text.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).collect();
    // The route's priced calls (acme-finetune-v2 has no price) that reached the provider.
    let route: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["route"] == "search.rerank" && c["model"] != "acme-finetune-v2")
        .filter(|c| !c["cache_hit"].as_bool().unwrap_or(false))
        .collect();
    assert!(route.len() > 100);
    let at_target: i128 = route.iter().map(|c| by_hand(c, rates, true)).sum();
    let path = log.path().to_str().unwrap();
    let s = run_json(&["savings", path, "--model-map", "search.rerank=gpt-4.1-nano"])["savings"].clone();
    let l = lever(&s, "model_routing");
    let r = run_json(&["report", path, "--filter", "route=search.rerank", "--only", "totals"]);
    let atto = |s: &str| -> i128 {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        int.parse::<i128>().unwrap() * 10i128.pow(18) + format!("{frac:0<18}").parse::<i128>().unwrap()
    };
    let route_cost = atto(exact(&r["totals"]["cost_usd_exact"]));
    // saved = the route's cost − its tokens at gpt-4.1-nano.
    assert_eq!(atto(exact(&l["saved_usd_exact"])), route_cost - at_target);
}

#[test]
fn the_policy_file_sets_the_knobs_and_check_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("llmcost.toml");
    std::fs::write(
        &policy,
        r#"max_unpriced = 0
[savings]
max_attempts = 1
[routes."classify".savings]
model = "alpha"
batchable = true
[routes."chat.*".savings]
output_cap = 50
[routes."cache.bad".savings]
cache_target = 0.6
"#,
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let s = savings(&["--policy", p]);
    // max_attempts 1: attempts 2–4 of op1, 3 × 5,800 (fixtures/savings.md).
    assert!(same_decimal(exact(&lever(&s, "retry_discipline")["saved_usd_exact"]), "0.0174"));
    // classify → alpha: 2 × (750 − 280).
    assert!(same_decimal(exact(&lever(&s, "model_routing")["saved_usd_exact"]), "0.00094"));
    // classify batchable too: 76,100 + 2 × 375.
    assert!(same_decimal(exact(&lever(&s, "batch")["saved_usd_exact"]), "0.07685"));
    // chat.* capped at 50: 17,000.
    assert!(same_decimal(exact(&lever(&s, "output_reduction")["saved_usd_exact"]), "0.017"));
    // cache.bad to 0.6: 6,000 reads + round(6,000 × 0.25) = 1,500 writes, 2,500 fresh (tier):
    // 2,500 × 0.2 + 6,000 × 0.05 + 1,500 × 0.2 + 10 × 0.8 = 500 + 300 + 300 + 8 = 1,108;
    // saves 2,008 − 1,108 = 900.
    assert!(same_decimal(exact(&lever(&s, "prompt_cache")["saved_usd_exact"]), "0.0009"));
    // The CI gate reads the same file without complaint.
    let mut args = vec!["check", "fixtures/savings.jsonl", "--policy", p];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_model_rule_matches_the_name_as_logged_too_r20() {
    // fixtures/calls.jsonl r05 logs alpha-preview-x (a name of alpha, EXPECTED.md: 4050 µ$):
    // `model:alpha-preview*` still finds it. At gamma: 1200 + 300 = 1500 tokens > its total
    // threshold 500, so tier rates, cache writes at the tier's input rate: 1200 × 0.2 + 300 ×
    // 0.8 = 480 µ$; saved 4050 − 480 = 3570 µ$.
    let mut args = vec!["savings", "fixtures/calls.jsonl", "--model-map", "model:alpha-preview*=gamma"];
    args.extend(test_pricing());
    let s = run_json(&args)["savings"].clone();
    let routing = lever(&s, "model_routing");
    assert_eq!(routing["calls"], 1);
    assert!(same_decimal(exact(&routing["saved_usd_exact"]), "0.00357"), "{routing}");
}

#[test]
fn a_log_without_calls_saves_nothing_and_does_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "\n").unwrap();
    let s = run_json(&["savings", empty.to_str().unwrap()])["savings"].clone();
    assert!(same_decimal(exact(&s["combined"]["saved_usd_exact"]), "0"));
    assert_eq!(s["period_days"], 1.0);
    let r = run_json(&["report", empty.to_str().unwrap()]);
    assert!(r["savings"].is_object());
}
