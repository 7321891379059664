//! Logs written by the real client libraries (LiteLLM's SDK and Router, the openai client under
//! opentelemetry-instrumentation-openai-v2 and OpenLLMetry) against scripts/fake-llm-server.py,
//! whose answers are the ground truth (#20). Every figure is checked twice: against the usage
//! the server recorded in `fixtures/formats/real-libs/*.served`, and against the costs worked
//! out by hand in fixtures/formats/README.md ("Real client libraries").

use serde_json::Value;

use super::run_json;

const DIR: &str = "fixtures/formats/real-libs";

/// Token classes as the server answered them, summed over its successful answers:
/// (input incl. cache, output incl. reasoning, cache read, cache write, 1h write, reasoning).
fn served(name: &str) -> [u64; 6] {
    let text = std::fs::read_to_string(format!("{DIR}/{name}.served")).expect("served file");
    let mut sum = [0u64; 6];
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let u = &v["usage"];
        let n = |v: &Value| v.as_u64().unwrap_or(0);
        let row = if u.is_null() {
            continue;
        } else if u.get("promptTokenCount").is_some() {
            // Gemini: the prompt includes cached content; thoughts are billed as output.
            let thoughts = n(&u["thoughtsTokenCount"]);
            [
                n(&u["promptTokenCount"]),
                n(&u["candidatesTokenCount"]) + thoughts,
                n(&u["cachedContentTokenCount"]),
                0,
                0,
                thoughts,
            ]
        } else if u.get("input_tokens").is_some() {
            // Anthropic: input_tokens EXCLUDES cache reads and writes.
            let (read, write) = (n(&u["cache_read_input_tokens"]), n(&u["cache_creation_input_tokens"]));
            let h1 = n(&u["cache_creation"]["ephemeral_1h_input_tokens"]);
            [n(&u["input_tokens"]) + read + write, n(&u["output_tokens"]), read, write, h1, 0]
        } else {
            // OpenAI: prompt_tokens INCLUDE cached tokens.
            [
                n(&u["prompt_tokens"]),
                n(&u["completion_tokens"]),
                n(&u["prompt_tokens_details"]["cached_tokens"]),
                0,
                0,
                n(&u["completion_tokens_details"]["reasoning_tokens"]),
            ]
        };
        sum.iter_mut().zip(row).for_each(|(s, r)| *s += r);
    }
    sum
}

fn report(file: &str, extra: &[&str]) -> Value {
    let path = format!("{DIR}/{file}");
    let mut args = vec!["report", path.as_str()];
    args.extend(extra);
    run_json(&args)
}

fn token_classes(t: &Value) -> [u64; 6] {
    [
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cache_write_1h_tokens",
        "reasoning_tokens",
    ]
    .map(|k| t[k].as_u64().unwrap_or_else(|| panic!("{k} in {t}")))
}

/// (key, calls, cost µ$) of a breakdown, in report order.
fn rows(r: &Value, dim: &str) -> Vec<(String, u64, f64)> {
    r["breakdowns"][dim]
        .as_array()
        .unwrap_or_else(|| panic!("no {dim} breakdown"))
        .iter()
        .map(|x| {
            let key = x["key"].as_str().unwrap_or("(none)").to_string();
            (key, x["calls"].as_u64().unwrap(), (x["cost_usd"].as_f64().unwrap() * 1e6 * 10.0).round() / 10.0)
        })
        .collect()
}

#[test]
fn litellm_sdk_and_router_match_the_server_and_litellm_costs_r20() {
    let r = report("litellm.jsonl", &["--by", "model", "--by", "user"]);
    let t = &r["totals"];
    assert_eq!(token_classes(t), served("litellm"));
    // By hand: 50740 in (10048 read, 30000 written of which 22000 for an hour), 3652 out of
    // which 2216 reasoning; $0.1959962 over 13 calls, 3 of them failed attempts.
    assert_eq!(token_classes(t), [50740, 3652, 10048, 30000, 22000, 2216]);
    assert_eq!(t["cost_usd_exact"], "0.1959962");
    assert_eq!((t["calls"].as_u64(), t["error_calls"].as_u64()), (Some(13), Some(3)));
    // One row per model however LiteLLM named it (openai/gpt-4o from the Router, gpt-4o from
    // the SDK): gpt-4o 3800 + 5940 + 3800, gpt-4o-mini 13.2 + 228 + 228 + 57.
    assert_eq!(
        rows(&r, "model"),
        [
            ("claude-sonnet-4-5".into(), 1, 170400.0),
            ("gpt-4o".into(), 5, 13540.0),
            ("o4-mini".into(), 1, 7150.0),
            ("gemini-2.5-flash".into(), 1, 4380.0),
            ("gpt-4o-mini".into(), 5, 526.2),
        ]
    );
    // The SDK's user= is the user of its call.
    assert!(rows(&r, "user").contains(&("sdk-user-1".into(), 1, 3800.0)));
}

#[test]
fn litellm_response_cost_equals_ours_on_every_call_r20() {
    let r = report("litellm.jsonl", &["--only", "reconciliation"]);
    let rows = r["reconciliation"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "one row per provider and resolved model: {rows:?}");
    for row in rows {
        // LiteLLM's floats (0.17040000000000002) against our exact sums: equal to 1e-15.
        let (computed, logged) = (row["computed_usd"].as_f64().unwrap(), row["logged_usd"].as_f64().unwrap());
        assert!((computed - logged).abs() < 1e-15, "{row}");
    }
}

#[test]
fn litellm_router_fallback_counts_with_or_without_the_failures_r20() {
    // Every line: 10 operations (7 SDK calls, 3 Router requests, which alone name a model
    // group); trace 2f2cce16 asked for gpt-4o, got two 503s and ended on gpt-4o-mini: 228 µ$
    // escalated, 228 − 3800 (its tokens at gpt-4o's price) = −3572 µ$ extra.
    let f = &report("litellm.jsonl", &["--only", "fallbacks"])["fallbacks"]["totals"];
    assert_eq!(f["operations"], 10);
    assert_eq!(f["operations_with_requested_model"], 3);
    assert_eq!(f["fallback_operations"], 1);
    assert!((f["extra_cost_usd"].as_f64().unwrap() + 0.003572).abs() < 1e-15, "{f}");
    // Successes only, as many setups log: the fallback's success names only its own group,
    // but its attempted-fallbacks header still tells; the requested model is unknown, so the
    // extra cost is skipped and counted.
    let f = &report("litellm.jsonl", &["--only", "fallbacks", "--filter", "status=ok"])["fallbacks"];
    assert_eq!(
        (f["totals"]["operations"].as_u64(), f["totals"]["fallback_operations"].as_u64()),
        (Some(10), Some(1))
    );
    assert_eq!(f["totals"]["extra_cost_skipped_calls"], 1);
    assert_eq!(f["unpriced_requested_models"], serde_json::json!(["(unknown: LiteLLM fallback)"]));
}

#[test]
fn litellm_retries_group_by_the_model_of_each_first_attempt_r20() {
    // gpt-4o: SDK plain, SDK cached, Router plain, and the Router request of lines 9–11 (two
    // 503s and the fallback): 6 calls, 4 operations, 3800 + 5940 + 3800 + 228 = 13768 µ$.
    // gpt-4o-mini: streamed, async, and the 429 + retry: 4 calls, 3 operations, 13.2 + 228 +
    // 57 = 298.2 µ$.
    let r = report("litellm.jsonl", &["--only", "retries"]);
    let models: Vec<(&str, u64, u64, f64)> = r["retries"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let micro = (m["cost_usd"].as_f64().unwrap() * 1e7).round() / 10.0;
            (
                m["model"].as_str().unwrap(),
                m["calls"].as_u64().unwrap(),
                m["operations"].as_u64().unwrap(),
                micro,
            )
        })
        .collect();
    assert!(models.contains(&("gpt-4o", 6, 4, 13768.0)), "{models:?}");
    assert!(models.contains(&("gpt-4o-mini", 4, 3, 298.2)), "{models:?}");
    assert_eq!(models.len(), 5);
}

#[test]
fn openllmetry_spans_match_the_server_r20() {
    let r = report("openllmetry.jsonl", &["--by", "model", "--by", "environment"]);
    let t = &r["totals"];
    assert_eq!(token_classes(t), served("openllmetry"));
    // By hand: 3800 + 5940 + 7150 + 13.2 + 57 = 16960.2 µ$; the 429 the client retried is one
    // span with the retry's usage, the 429 it did not retry a failed span without tokens.
    assert_eq!(token_classes(t), [5040, 1712, 2048, 0, 0, 1216]);
    assert_eq!(t["cost_usd_exact"], "0.0169602");
    assert_eq!((t["calls"].as_u64(), t["error_calls"].as_u64()), (Some(6), Some(1)));
    // gpt-4o-mini-2024-07-18 (two answers) and gpt-4o-mini (the failed span's request) are one row.
    assert_eq!(
        rows(&r, "model"),
        [("gpt-4o".into(), 2, 9740.0), ("o4-mini".into(), 1, 7150.0), ("gpt-4o-mini".into(), 3, 70.2)]
    );
    assert_eq!(rows(&r, "environment"), [("staging".into(), 6, 16960.2)]);
    no_false_fallbacks(&r, 6);
}

#[test]
fn openai_v2_spans_current_and_legacy_carry_no_cached_tokens_r20() {
    for (file, served_name) in [("otel-v2.jsonl", "otel-v2"), ("otel-v2-legacy.jsonl", "otel-v2-legacy")] {
        let r = report(file, &["--by", "environment"]);
        let t = &r["totals"];
        // The one difference from the server: neither 2.4b0 nor 2.1b0 writes the 2048 cached
        // tokens (nor the 1216 reasoning) on chat spans, so the cached call is 3000 fresh
        // tokens: 3000 × 2.5 + 100 × 10 = 8500 µ$ where the server billed 5940 (+2560).
        let [input, output, read, write, h1, reasoning] = served(served_name);
        assert_eq!((read, reasoning), (2048, 1216));
        assert_eq!(token_classes(t), [input, output, 0, write, h1, 0], "{file}");
        assert_eq!(t["cost_usd_exact"], "0.0195202", "{file}: 16960.2 + 2560 µ$");
        assert_eq!(rows(&r, "environment"), [("production".into(), 6, 19520.2)], "{file}");
        no_false_fallbacks(&r, 6);
    }
}

/// Every span asked for an alias (gpt-4o) and was answered by its dated snapshot: no fallback.
fn no_false_fallbacks(r: &Value, operations: u64) {
    let f = &r["fallbacks"]["totals"];
    assert_eq!(
        (f["operations"].as_u64(), f["fallback_operations"].as_u64()),
        (Some(operations), Some(0)),
        "{f}"
    );
}
