//! Native formats on small fixtures whose costs are worked out in fixtures/formats/README.md,
//! each with cache tokens where confusing the two prompt-token conventions changes the cost.

use predicates::prelude::*;

use super::{llmcost, run_json};

fn totals(file: &str, extra: &[&str]) -> serde_json::Value {
    let path = format!("fixtures/formats/{file}");
    let mut args = vec!["report", path.as_str(), "--only", "totals"];
    args.extend(extra);
    run_json(&args)
}

#[test]
fn anthropic_input_excludes_cache() {
    let r = totals("anthropic.jsonl", &["--price-as-of", "2026-01-05"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.0044625");
    assert_eq!(r["totals"]["input_tokens"], 1300 + 1000);
    assert_eq!(r["totals"]["batch_calls"], 1);
    assert!(r["notes"][0].as_str().unwrap().contains("2 calls carry no time"));
}

/// Issue #11: a cache-write total contradicting its 5m/1h breakdown is priced by the
/// breakdown and counted in a note (fixtures/formats/README.md: $0.006, 2 such calls of 3).
#[test]
fn anthropic_write_breakdown_wins_and_contradictions_are_noted_r11() {
    let r = totals("anthropic-write-split.jsonl", &["--price-as-of", "2026-01-05"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.006");
    assert_eq!(r["totals"]["input_tokens"], 1300);
    assert_eq!(r["totals"]["cache_write_1h_tokens"], 400);
    let notes: Vec<&str> = r["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
    let want =
        "2 calls had a cache-write total that contradicts their 5m/1h breakdown; the breakdown was used";
    assert!(notes.contains(&want), "{notes:?}");
    // The agreeing call alone draws no note.
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.jsonl");
    let text = std::fs::read_to_string("fixtures/formats/anthropic-write-split.jsonl").unwrap();
    std::fs::write(&one, text.lines().nth(1).unwrap()).unwrap();
    let r = run_json(&["report", one.to_str().unwrap(), "--only", "totals", "--price-as-of", "2026-01-05"]);
    assert!(!r["notes"].to_string().contains("contradicts"), "{}", r["notes"]);
}

#[test]
fn openai_prompt_tokens_include_cache() {
    let r = totals("openai.jsonl", &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.0034");
    assert_eq!(r["totals"]["cache_read_tokens"], 1800);
    assert_eq!(r["totals"]["reasoning_tokens"], 100);
}

#[test]
fn gemini_thoughts_are_billed_as_output() {
    let r = totals("gemini.jsonl", &["--price-as-of", "2026-01-05"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.000942");
    assert_eq!(r["totals"]["output_tokens"], 300);
}

#[test]
fn claude_code_counts_a_streamed_call_once_with_its_final_usage() {
    let r = totals("claude-code.jsonl", &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.0088");
    assert_eq!(r["totals"]["calls"], 2);
    let l = &r["lines"];
    assert_eq!(
        (l["read"].as_u64(), l["accepted"].as_u64(), l["skipped"].as_u64(), l["duplicates"].as_u64()),
        (Some(5), Some(2), Some(1), Some(2))
    );
}

#[test]
fn codex_skips_repeated_token_events() {
    let r = totals("codex.jsonl", &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.014175");
    assert_eq!(r["totals"]["calls"], 2);
    assert_eq!(r["lines"]["skipped"], 4);
}

#[test]
fn forced_format_and_unknown_format() {
    // Forcing the canonical reader on a native file rejects its lines instead of guessing.
    llmcost()
        .args(["report", "fixtures/formats/gemini.jsonl", "--input-format", "jsonl", "--only", "totals"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 rejected"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    std::fs::write(&path, "{\"hello\": 1}\n").unwrap();
    llmcost().args(["report", path.to_str().unwrap()]).assert().code(2).stderr(
        predicate::str::contains("unknown log format").and(predicate::str::contains("codex: no line has")),
    );
    llmcost().arg("formats").assert().success().stdout(predicate::str::contains("claude-code"));
}

#[test]
fn litellm_payloads_carry_operations_fallbacks_and_logged_cost() {
    let r =
        run_json(&["report", "fixtures/formats/litellm.jsonl", "--only", "totals,fallbacks,reconciliation"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.01157");
    assert_eq!(r["totals"]["error_calls"], 1);
    let chat = r["fallbacks"]["routes"].as_array().unwrap().iter().find(|x| x["route"] == "chat").unwrap();
    assert_eq!(chat["operations"], 2);
    assert_eq!(chat["fallback_operations"], 1);
    // Logged 0.0099 against computed 0.0084 for the cached Sonnet call.
    let sonnet =
        r["reconciliation"].as_array().unwrap().iter().find(|x| x["model"] == "claude-sonnet-4-5").unwrap();
    assert!((sonnet["difference_usd"].as_f64().unwrap() - 0.0015).abs() < 1e-12, "{sonnet}");
}

#[test]
fn otel_spans_with_new_and_legacy_attribute_names() {
    let r = run_json(&[
        "report",
        "fixtures/formats/otel.jsonl",
        "--only",
        "totals",
        "--by",
        "route",
        "--by",
        "job",
    ]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.00093");
    assert_eq!(r["totals"]["calls"], 2);
    assert_eq!(r["totals"]["error_calls"], 1);
    assert_eq!(r["totals"]["cache_read_tokens"], 400);
    assert_eq!(r["breakdowns"]["route"][0]["key"], "support-bot/chat");
    assert_eq!(r["breakdowns"]["job"][0]["key"], "aa01");
}

#[test]
fn openai_usage_buckets_are_priced_as_aggregates() {
    let r =
        run_json(&["report", "fixtures/formats/openai-usage.json", "--by", "feature", "--only", "totals"]);
    let t = &r["totals"];
    assert_eq!(t["cost_usd_exact"], "4.65");
    // Calls are the requests the buckets count, not the rows.
    assert_eq!(
        (t["calls"].as_u64(), t["aggregate_rows"].as_u64(), t["batch_calls"].as_u64()),
        (Some(1130), Some(3), Some(1000))
    );
    assert_eq!(t["input_tokens"], 3_100_000);
    let by: Vec<(String, String)> = r["breakdowns"]["feature"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["key"].as_str().unwrap().to_string(), row["cost_usd"].to_string()))
        .collect();
    assert_eq!(
        by,
        [("proj_search".to_string(), "4.35".to_string()), ("proj_etl".to_string(), "0.3".to_string())]
    );
    let note = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .find(|n| n.contains("pre-aggregated"));
    assert!(note.is_some_and(|n| n.starts_with("3 rows") && n.contains("1130 requests")), "{:?}", r["notes"]);
    assert_eq!(
        (r["lines"]["read"].as_u64(), r["lines"]["accepted"].as_u64()),
        (Some(2), Some(2)),
        "two buckets"
    );
}

#[test]
fn anthropic_usage_report_tops_up_uncached_input_and_takes_the_tier_it_states() {
    let r =
        run_json(&["report", "fixtures/formats/anthropic-usage.json", "--by", "feature", "--only", "totals"]);
    let t = &r["totals"];
    assert_eq!(t["cost_usd_exact"], "5.1225");
    assert_eq!(t["input_tokens"], 1_160_000 + 500_000 + 1_000_000);
    // The report counts no requests: three rows, no calls, said in a note.
    assert_eq!((t["calls"].as_u64(), t["aggregate_rows"].as_u64()), (Some(0), Some(3)));
    let notes = r["notes"].to_string();
    assert!(notes.contains("3 aggregate rows carry no request count"), "{notes}");
    assert_eq!(r["breakdowns"]["feature"][0]["key"], "wrkspc_support");
    assert_eq!(r["breakdowns"]["feature"][0]["cost_usd"].to_string(), "4.3725");
}

#[test]
fn usage_buckets_stay_out_of_per_call_analyses() {
    // The leak analyses of a call log are the same with usage buckets beside it.
    let alone = run_json(&["report", "fixtures/sample.jsonl"]);
    let mixed = run_json(&["report", "fixtures/sample.jsonl", "fixtures/formats/openai-usage.json"]);
    for section in ["pareto", "cache", "retries", "fallbacks", "thresholds", "jobs", "duplicates", "waste"] {
        assert_eq!(alone[section], mixed[section], "{section}");
    }
    let (a, m) = (alone["totals"]["calls"].as_u64().unwrap(), mixed["totals"]["calls"].as_u64().unwrap());
    assert_eq!(m, a + 1130);
}

#[test]
fn a_broken_document_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.json");
    // Its last record sits whole on one line, yet an array is never read as JSON lines.
    std::fs::write(&path, "[\n  {\"object\": \"bucket\",\n   \"start_time\": 1772323200,\n   \"results\": [},\n  {\"object\": \"bucket\", \"start_time\": 1772323200, \"results\": []}\n]\n").unwrap();
    llmcost()
        .args(["report", path.to_str().unwrap(), "--only", "totals"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid JSON document").and(predicate::str::contains("line 4")));
}

#[test]
fn canonical_records_as_a_json_array_are_read_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.json");
    let doc = r#"[
  {"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-4o-mini", "input_tokens": 1000, "output_tokens": 1000},
  {
    "timestamp": "2026-01-01T00:00:01Z",
    "model": "gpt-4o-mini",
    "input_tokens": -5,
    "output_tokens": 1
  }
]"#;
    std::fs::write(&path, doc).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    // 1000 × $0.15 + 1000 × $0.6 per million = $0.00075.
    assert_eq!(r["totals"]["cost_usd_exact"], "0.00075");
    assert_eq!(r["rejected"][0]["line"], 3, "the second record starts on line 3");
    assert_eq!(r["rejected"][0]["field"], "input_tokens");
}

/// Langfuse and Helicone fixtures hold the same four calls (fixtures/formats/README.md).
fn observability_export(file: &str) -> serde_json::Value {
    let r = run_json(&["report", &format!("fixtures/formats/{file}"), "--by", "route", "--only", "totals"]);
    let t = &r["totals"];
    assert_eq!(t["cost_usd_exact"], "0.00925", "{file}");
    assert_eq!((t["calls"].as_u64(), t["error_calls"].as_u64()), (Some(4), Some(1)), "{file}");
    assert_eq!(
        (t["input_tokens"].as_u64(), t["cache_read_tokens"].as_u64(), t["cache_write_tokens"].as_u64()),
        (Some(8100), Some(5800), Some(1000)),
        "{file}"
    );
    let routes: Vec<&str> =
        r["breakdowns"]["route"].as_array().unwrap().iter().map(|row| row["key"].as_str().unwrap()).collect();
    assert_eq!(routes, ["summarise", "answer", "classify"], "{file}");
    r
}

#[test]
fn langfuse_usage_details_break_the_cache_out_beside_the_prompt() {
    let r = observability_export("langfuse.json");
    let l = &r["lines"];
    assert_eq!(
        (l["read"].as_u64(), l["accepted"].as_u64(), l["skipped"].as_u64()),
        (Some(5), Some(4), Some(1)),
        "the span is skipped"
    );
}

#[test]
fn helicone_prompt_tokens_are_the_fresh_tokens() {
    observability_export("helicone.jsonl");
    // Helicone's own cost per call is kept for reconciliation and agrees with ours.
    let r = run_json(&["report", "fixtures/formats/helicone.jsonl", "--only", "reconciliation"]);
    let rows = r["reconciliation"].as_array().expect("rows by model");
    assert_eq!(rows.iter().map(|m| m["calls"].as_u64().unwrap()).sum::<u64>(), 3, "the 429 logged no cost");
    assert!(rows.iter().all(|m| m["difference_usd"] == 0.0), "{rows:?}");
}

#[test]
fn an_array_of_api_pages_is_read_page_by_page() {
    // What a paginating script dumps: every page of the listing in one JSON array.
    let page = std::fs::read_to_string("fixtures/formats/openai-usage.json").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pages.json");
    std::fs::write(&path, format!("[\n{page},\n{page}\n]\n")).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "9.3", "twice $4.65");
    assert_eq!(r["totals"]["calls"], 2260);
    assert_eq!(r["lines"]["accepted"], 4, "two pages of two buckets, each counted on its own");
}

#[test]
fn an_unpriced_bucket_is_listed_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.json");
    let page = r#"{"data": [{"starting_at": "2026-03-01T00:00:00Z", "results": [
        {"uncached_input_tokens": 1000, "cache_read_input_tokens": 0, "output_tokens": 10, "model": "claude-imaginary-9"}]}]}"#;
    std::fs::write(&path, page).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    let u = &r["unpriced"][0];
    assert_eq!(
        (u["model"].as_str(), u["calls"].as_u64(), u["aggregate_rows"].as_u64()),
        (Some("claude-imaginary-9"), Some(0), Some(1))
    );
    assert_eq!(r["totals"]["cost_usd_exact"], "0");
    // No call count, yet still a loss: warned about, and an error under --unpriced error.
    llmcost()
        .args(["report", path.to_str().unwrap(), "--only", "totals", "--unpriced", "error"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("claude-imaginary-9 (0 calls and 1 usage-bucket row)"));
}

#[test]
fn diff_of_usage_buckets_counts_their_requests_as_operations() {
    let out = llmcost()
        .args([
            "diff",
            "fixtures/formats/openai-usage.json",
            "fixtures/formats/openai-usage.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("diff JSON");
    assert_eq!(r["base"]["operations"], 1130);
    // $4.65 over 1,130 requests, not over 3 bucket rows nor over the 0 single calls.
    let per_op = r["base"]["cost_per_operation_usd"].as_f64().unwrap();
    assert!((per_op - 4.65 / 1130.0).abs() < 1e-12, "{per_op}");
    assert_eq!(r["base"]["cost_per_job_usd"], serde_json::Value::Null);
}

#[test]
fn a_bad_record_rejects_itself_not_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("observations.jsonl");
    let good = r#"{"id": "g1", "traceId": "t", "type": "GENERATION", "model": "gpt-4o-mini", "startTime": "2026-03-01T10:00:00Z", "usageDetails": {"input": 1000, "output": 1000}}"#;
    let no_model = r#"{"id": "g2", "traceId": "t", "type": "GENERATION", "startTime": "2026-03-01T10:00:01Z", "usageDetails": {"input": 1, "output": 1}}"#;
    std::fs::write(&path, format!("{{\"data\": [{good}, {no_model}], \"meta\": {{\"page\": 1}}}}\n{{\"data\": [], \"meta\": {{\"page\": 2}}}}\n")).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    // 1000 × $0.15 + 1000 × $0.6 per million.
    assert_eq!(r["totals"]["cost_usd_exact"], "0.00075");
    let l = &r["lines"];
    assert_eq!(
        (l["accepted"].as_u64(), l["rejected"].as_u64(), l["skipped"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{l}"
    );
    assert_eq!(r["rejected"][0]["line"], 1);
    assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("no model"));
}

#[test]
fn an_empty_api_page_is_nothing_to_read() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("pretty.json", "{\n  \"object\": \"page\",\n  \"data\": [],\n  \"has_more\": false\n}\n"),
        ("line.json", "{\"data\": [], \"has_more\": false}\n"),
        ("array.json", "[]\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
        assert_eq!(r["totals"]["calls"], 0, "{name}");
    }
}

#[test]
fn a_large_native_log_counts_every_line() {
    // 25,000 Helicone lines (~9 MB), ids made unique, with a
    // broken line and a blank line far into the file.
    let rows: Vec<String> = std::fs::read_to_string("fixtures/formats/helicone.jsonl")
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut text = String::new();
    for i in 0..25_000 {
        match i {
            20_000 => text.push_str("{broken\n"),
            20_001 => text.push('\n'),
            _ => {
                text.push_str(&rows[i % 4].replacen(
                    "\"request_id\":\"req-",
                    &format!("\"request_id\":\"r{i}-"),
                    1,
                ));
                text.push('\n');
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("helicone-big.jsonl");
    std::fs::write(&path, text).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    // Rows 20,000 and 20,001 (0-based) would have been a gpt-4o call ($0.0025) and a sonnet
    // call ($0.0063); 6,250 groups of four cost $0.00925 each.
    assert_eq!(r["totals"]["cost_usd_exact"], "57.8037", "6250 × 0.00925 − 0.0025 − 0.0063");
    let l = &r["lines"];
    assert_eq!(
        (l["read"].as_u64(), l["accepted"].as_u64(), l["rejected"].as_u64(), l["blank"].as_u64()),
        (Some(24_999), Some(24_998), Some(1), Some(1))
    );
    assert_eq!(r["rejected"][0]["line"], 20_001, "1-based line of the broken one");
}

#[test]
fn buckets_without_a_stated_tier_are_priced_at_base_rates_and_counted_in_a_note() {
    // claude-sonnet-4-5 has a >200k tier; a report not grouped by context_window cannot say
    // which requests crossed it: 500,000 × $3 + 10,000 × $15 = $1.65 at base rates.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.json");
    let page = r#"{"data": [{"starting_at": "2026-03-01T00:00:00Z", "results": [
        {"uncached_input_tokens": 500000, "output_tokens": 10000, "model": "claude-sonnet-4-5"},
        {"uncached_input_tokens": 1000000, "output_tokens": 0, "model": "gpt-4o-mini"}]}]}"#;
    std::fs::write(&path, page).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    // gpt-4o-mini: 1,000,000 × $0.15 = $0.15 (no tiers, so not in the note).
    assert_eq!(r["totals"]["cost_usd_exact"], "1.8");
    let notes = r["notes"].to_string();
    assert!(notes.contains("1 aggregate rows are of models with long-context prices"), "{notes}");
}

#[test]
fn a_helicone_cache_hit_costs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("helicone.jsonl");
    let hit = r#"{"request_id":"h1","request_created_at":"2026-03-01 10:00:00.000","response_status":200,"model":"gpt-4o","prompt_tokens":1000,"completion_tokens":100,"cache_reference_id":"5b1c0e2a-0000-4000-8000-000000000001"}"#;
    let miss = r#"{"request_id":"h2","request_created_at":"2026-03-01 10:00:01.000","response_status":200,"model":"gpt-4o","prompt_tokens":1000,"completion_tokens":100,"cache_reference_id":"00000000-0000-0000-0000-000000000000"}"#;
    std::fs::write(&path, format!("{hit}\n{miss}\n")).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    // Only the miss is billed: 1000 × $2.5 + 100 × $10 per million = $0.0035.
    assert_eq!(r["totals"]["cost_usd_exact"], "0.0035");
    assert_eq!(r["totals"]["app_cache_hits"], 1);
}

/// fixtures/formats/litellm-usage-details.jsonl, worked in fixtures/formats/README.md.
#[test]
fn litellm_one_hour_cache_writes_are_priced_at_the_one_hour_rate_r20() {
    let r = run_json(&[
        "report",
        "fixtures/formats/litellm-usage-details.jsonl",
        "--only",
        "totals,reconciliation",
    ]);
    let t = &r["totals"];
    // 173100 + 19500 + 4380 µ$; with the 22000 1-hour tokens at the 5-minute rate it would be
    // 49500 µ$ less.
    assert_eq!(t["cost_usd_exact"], "0.19698");
    assert_eq!(t["cache_write_tokens"], 34000);
    assert_eq!(t["cache_write_1h_tokens"], 22000);
    assert_eq!(t["cache_read_tokens"], 8000);
    assert_eq!(t["reasoning_tokens"], 1000);
    // LiteLLM's own response_cost agrees on every call.
    for row in r["reconciliation"].as_array().unwrap() {
        assert_eq!(row["difference_usd"].as_f64(), Some(0.0), "{row}");
    }
}

/// fixtures/formats/otel-openllmetry.jsonl, worked in fixtures/formats/README.md.
#[test]
fn openllmetry_reasoning_tokens_are_read_r20() {
    let t = &totals("otel-openllmetry.jsonl", &[])["totals"];
    // o4-mini 3300 + 550 + 52800 = 56650 µ$, gpt-4o-mini 150 + 60 = 210 µ$.
    assert_eq!(t["cost_usd_exact"], "0.05686");
    assert_eq!(t["calls"], 2);
    assert_eq!(t["cache_read_tokens"], 2000);
    assert_eq!(t["output_tokens"], 12100);
    assert_eq!(t["reasoning_tokens"], 11712);
}

/// The environment comes from the OTel resource: `deployment.environment.name` (openai-v2
/// fixture, "production") or the older `deployment.environment` (OpenLLMetry, "staging").
#[test]
fn otel_resource_names_the_environment_r20() {
    for (file, env, calls) in
        [("otel-openai-v2.jsonl", "production", 4), ("otel-openllmetry.jsonl", "staging", 2)]
    {
        let r = totals(file, &["--by", "environment"]);
        let rows = r["breakdowns"]["environment"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{file}: {rows:?}");
        assert_eq!(rows[0]["key"], env, "{file}");
        assert_eq!(rows[0]["calls"], calls, "{file}");
    }
}

/// `end_user` first, then the SDK's `model_parameters.user`, then the API key's user.
#[test]
fn litellm_sdk_user_is_the_user_when_end_user_is_null_r20() {
    let r = totals("litellm-usage-details.jsonl", &["--by", "user"]);
    // (user, µ$): money travels as the nearest double, exact to well under a µ$ here.
    let mut rows: Vec<(String, i64)> = r["breakdowns"]["user"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (x["key"].as_str().unwrap().to_string(), (x["cost_usd"].as_f64().unwrap() * 1e6).round() as i64)
        })
        .collect();
    rows.sort();
    let want = [("cust-42", 173_100), ("sdk-user-1", 19_500), ("sdk-user-2", 4_380)];
    assert_eq!(rows, want.map(|(k, c)| (k.to_string(), c)));
}

/// fixtures/formats/litellm-router.jsonl: the Router's `openai/gpt-4o` and the SDK's `gpt-4o`
/// are one model row: 2 calls of 1000×2.5 + 100×10 = 3500 µ$.
#[test]
fn litellm_provider_prefixed_names_group_with_the_bare_name_r20() {
    let r = totals("litellm-router.jsonl", &["--by", "model"]);
    let rows = r["breakdowns"]["model"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["key"], "gpt-4o");
    assert_eq!(rows[0]["calls"], 2);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.007");
}

/// DeepSeek answers in OpenAI's shape but counts cache hits as `prompt_cache_hit_tokens`
/// (issue #11). deepseek-chat on 2026-01-01: input $0.28, cache hit $0.028, output $0.42 per
/// million: 200 × 0.28 + 800 × 0.028 + 100 × 0.42 = 56 + 22.4 + 42 = 120.4 µ$ (billed as
/// fresh input the hits would make it 1000 × 0.28 + 42 = 322 µ$).
#[test]
fn deepseek_cache_hits_are_cache_reads_r11() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deepseek.jsonl");
    std::fs::write(
        &path,
        r#"{"id":"d1","object":"chat.completion","created":1767225600,"model":"deepseek-chat","choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":100,"prompt_cache_hit_tokens":800,"prompt_cache_miss_tokens":200}}"#,
    )
    .unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals", "--input-format", "openai"]);
    assert_eq!(r["totals"]["cache_read_tokens"], 800);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.0001204");
}

/// An Anthropic usage block whose cache_creation_input_tokens (100) contradicts its 5m/1h
/// breakdown (300 + 200): the breakdown is what was billed (issue #11). claude-sonnet-4-5 at
/// $3 in, $3.75 5m write, $6 1h write, $15 out per million:
/// 10 × 3 + 300 × 3.75 + 200 × 6 + 10 × 15 = 30 + 1125 + 1200 + 150 = 2505 µ$.
#[test]
fn anthropic_cache_write_breakdown_wins_over_its_total_r11() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anthropic.jsonl");
    std::fs::write(
        &path,
        r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":10,"output_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":200}}}"#,
    )
    .unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals", "--price-as-of", "2026-01-05"]);
    assert_eq!(
        (r["totals"]["cache_write_tokens"].as_u64(), r["totals"]["input_tokens"].as_u64()),
        (Some(500), Some(510))
    );
    assert_eq!(r["totals"]["cost_usd_exact"], "0.002505");
}

/// A streamed Claude Code call says how it ended on its last line only: a call cut off at
/// max_tokens is truncated in the waste section, not left with the first line's null.
#[test]
fn a_streamed_calls_last_stop_reason_counts_r17() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.jsonl");
    let line = |ts: &str, stop: &str, out: u32| {
        format!(
            r#"{{"type":"assistant","sessionId":"s1","requestId":"r1","timestamp":"2026-01-05T10:00:0{ts}Z","isSidechain":false,"message":{{"id":"m1","model":"claude-sonnet-4-5-20250929","stop_reason":{stop},"usage":{{"input_tokens":10,"output_tokens":{out}}}}}}}"#
        )
    };
    std::fs::write(&path, [line("1", "null", 5), line("2", r#""max_tokens""#, 80)].join("\n")).unwrap();
    let r = run_json(&["report", path.to_str().unwrap(), "--only", "totals,waste", "--by", "finish_reason"]);
    assert_eq!(r["totals"]["calls"], 1);
    assert_eq!(r["totals"]["output_tokens"], 80);
    assert_eq!(r["waste"]["truncated_calls"], 1, "{}", r["waste"]);
}
