//! `llmcost pricing list|show|check`.

use predicates::prelude::*;

use super::{llmcost, test_pricing};

#[test]
fn list_filters_by_model_and_date() {
    let mut args = vec!["pricing", "list", "--model", "alpha*", "--as-of", "2026-02-15", "--format", "csv"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(rows[1], "testco,alpha,-,2026-03-01,2,8,0.5,2.5,4,,0.5,");
}

#[test]
fn list_builtin_has_a_historical_price_change() {
    // pricing/openai.toml: o3 at 10 / 40 / cached 2.5 until 2025-06-10, then 2 / 8 / 0.5. No
    // cache write rate is given, so both write rates fall back to input (the file's header),
    // no tiers, and the default batch multiplier 0.5. `o3` must not match o3-mini.
    let out = llmcost().args(["pricing", "list", "--model", "o3", "--format", "csv"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            "provider,model,from,to,input,output,cache_read,cache_write,cache_write_1h,tiers,batch,windows",
            "openai,o3,-,2025-06-10,10,40,2.5,10,10,,0.5,",
            "openai,o3,2025-06-10,-,2,8,0.5,2,2,,0.5,",
        ],
        "{text}"
    );
}

#[test]
fn show_resolves_aliases_and_prefixes() {
    let mut args = vec!["pricing", "show", "testco/alpha-preview-7"];
    args.extend(test_pricing());
    llmcost().args(&args).assert().success().stdout(
        predicate::str::contains("resolves to alpha (testco)")
            .and(predicate::str::contains("in force 2026-03-01 → -")),
    );
}

#[test]
fn check_names_file_model_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "provider = \"x\"\n[[models]]\nid = \"m\"\n[[models.prices]]\ninput = 1\noutput = \"lots\"\n",
    )
    .unwrap();
    llmcost().args(["pricing", "check", "--pricing", bad.to_str().unwrap()]).assert().code(2).stderr(
        predicate::str::contains("bad.toml: model \"m\"").and(predicate::str::contains("field output")),
    );
    llmcost()
        .args(["pricing", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("builtin:anthropic.toml"));
}

#[test]
fn litellm_price_map_is_read_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("prices.json");
    std::fs::write(&map, r#"{"testco-x": {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06, "litellm_provider": "testco"}}"#).unwrap();
    let log = dir.path().join("log.jsonl");
    // 1000 × $2/M + 500 × $8/M = 2000 + 4000 µ$ = $0.006.
    std::fs::write(
        &log,
        r#"{"timestamp":"2026-01-01T00:00:00Z","model":"testco-x","input_tokens":1000,"output_tokens":500}"#,
    )
    .unwrap();
    let r = super::run_json(&[
        "report",
        log.to_str().unwrap(),
        "--pricing",
        map.to_str().unwrap(),
        "--no-builtin-pricing",
    ]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.006");
}

/// A --pricing table wins for its model however either side spells the provider (issue #11):
/// LiteLLM lists gemini-2.5-flash under `gemini`, the log says `google`. A call of 2000 input
/// tokens (1000 of them cache reads) and 100 output at the file's rates, per million:
/// 1000 × $0.30 + 1000 × $0.075 + 100 × $2.50 = 300 + 75 + 250 µ$ = $0.000625.
/// (At the built-in cache-read rate the reads would cost 1000 × $0.03 instead.)
#[test]
fn a_user_table_wins_whatever_the_provider_spelling_r11() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.jsonl");
    for provider in [r#""provider":"google","#, r#""provider":"vertex_ai","#, ""] {
        std::fs::write(
            &log,
            format!(
                r#"{{"timestamp":"2026-10-01T10:00:00Z",{provider}"model":"gemini-2.5-flash","input_tokens":2000,"cache_read_tokens":1000,"output_tokens":100}}"#
            ),
        )
        .unwrap();
        let r = super::run_json(&[
            "report",
            log.to_str().unwrap(),
            "--only",
            "totals",
            "--pricing",
            "fixtures/pricing/litellm-gemini.json",
        ]);
        assert_eq!(r["totals"]["cost_usd_exact"], "0.000625", "{provider}");
    }
    // pricing show agrees: the file's cache-read rate.
    let out = llmcost()
        .args(["pricing", "show", "gemini-2.5-flash", "--pricing", "fixtures/pricing/litellm-gemini.json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0.075"), "{text}");
}

/// LiteLLM's map as LiteLLM reads it (issue #11): a rate written as a string is a rate, and a
/// tier named only on output is imported. Model m: $1 in / $2 out per million, $4 out above
/// 32k input tokens. A call of 40,000 in and 1,000 out crosses it:
/// 40000 × 1 + 1000 × 4 = 44000 µ$ = $0.044 (without the tier: 40000 + 2000 = $0.042).
#[test]
fn litellm_string_rates_and_output_only_tiers_r11() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("prices.json");
    std::fs::write(
        &table,
        r#"{"m": {"litellm_provider": "acme", "mode": "chat", "input_cost_per_token": "1e-6", "output_cost_per_token": 2e-6, "output_cost_per_token_above_32k_tokens": "4e-6"}}"#,
    )
    .unwrap();
    let log = dir.path().join("calls.jsonl");
    std::fs::write(
        &log,
        r#"{"timestamp":"2026-10-01T10:00:00Z","model":"m","input_tokens":40000,"output_tokens":1000}"#,
    )
    .unwrap();
    let r = super::run_json(&[
        "report",
        log.to_str().unwrap(),
        "--only",
        "totals",
        "--pricing",
        table.to_str().unwrap(),
        "--no-builtin-pricing",
    ]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.044");
}

/// `pricing show` names the dated snapshots an alias stands for (issue #20): gpt-4o lists
/// gpt-4o-2024-05-13 and gpt-4o-2024-08-06 in pricing/openai.toml.
#[test]
fn show_lists_the_snapshots_of_an_alias_r20() {
    let out = llmcost().args(["pricing", "show", "gpt-4o"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("snapshots (the same model): gpt-4o-2024-05-13, gpt-4o-2024-08-06"), "{text}");
}

/// DeepSeek's off-peak window in the built-in table (issue #11), worked out in
/// fixtures/pricing/README.md: peak and off-peak calls on both sides of 16:30:00Z and 00:30:00Z.
#[test]
fn builtin_deepseek_off_peak_window_by_utc_time_of_day_r11() {
    let total = |extra: &[&str]| {
        let mut args = vec!["report", "fixtures/pricing/deepseek-offpeak.jsonl", "--only", "totals"];
        args.extend(extra);
        super::run_json(&args)["totals"]["cost_usd_exact"].as_str().unwrap().to_string()
    };
    // 0.38 + 0.19 + 0.19 + 0.769 + 0.38
    assert_eq!(total(&[]), "1.909");
    // The 2025-06-01 version, each call's own time of day: the 20:00 call is off-peak.
    assert_eq!(total(&["--price-as-of", "2025-06-01"]), "1.719");
    // V3.2, no window: 5 × (0.28 + 0.042).
    assert_eq!(total(&["--price-as-of", "2025-10-01"]), "1.61");
    // pricing list names the window's hours beside the version's base rates.
    let out = llmcost()
        .args(["pricing", "list", "--model", "deepseek-chat", "--as-of", "2025-06-01", "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().nth(1),
        Some("deepseek,deepseek-chat,2025-02-26,2025-09-05,0.27,1.1,0.07,0.27,0.27,,1,16:30-00:30 UTC")
    );
    let out = llmcost().args(["pricing", "show", "deepseek-chat"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("16:30-00:30 UTC: base"), "{text}");
    assert!(text.contains("in force 2025-02-26 → 2025-09-05"), "{text}");
}

/// genai-prices' time-of-day sets price by hour, and what it cannot import is listed, never
/// dropped silently (issue #11). fixtures/pricing/README.md: NEW prices diff.jsonl at $2.74
/// with ds-legacy unpriced; ds-coder's regex rule and per-request price are the 2 skipped entries.
#[test]
fn genai_prices_time_of_day_and_nothing_skipped_silently_r11() {
    let r = super::run_json(&[
        "report",
        "fixtures/pricing/diff.jsonl",
        "--only",
        "totals",
        "--pricing",
        "fixtures/pricing/diff-new.json",
        "--no-builtin-pricing",
    ]);
    assert_eq!(r["totals"]["cost_usd_exact"], "2.74");
    assert_eq!(r["totals"]["unpriced_calls"], 1);
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("2 entries or fields of imported price tables were not imported (2 in fixtures/pricing/diff-new.json)"),
        "{notes}"
    );
    let out = llmcost()
        .args(["pricing", "check", "--no-builtin-pricing", "--pricing", "fixtures/pricing/diff-new.json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let skipped: Vec<&str> = text.lines().filter(|l| l.starts_with("skipped")).collect();
    assert_eq!(skipped.len(), 2, "{text}");
    assert!(skipped[0].contains("deepseek/ds-coder: price field requests_kcount is not imported"), "{text}");
    assert!(skipped[1].contains(r#"deepseek/ds-coder: match rule {"regex":"^ds-coder-v[0-9]+$"}"#), "{text}");
}

/// `pricing diff` (issue #11), every figure worked out in fixtures/pricing/README.md.
#[test]
fn pricing_diff_rates_and_the_log_under_each_r11() {
    let out = llmcost()
        .args([
            "pricing",
            "diff",
            "fixtures/pricing/diff-old.toml",
            "fixtures/pricing/diff-new.json",
            "--log",
            "fixtures/pricing/diff.jsonl",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["kind"], "pricing-diff");
    assert_eq!(d["new_skipped"], 2);
    let rates = &d["rates"];
    assert_eq!(rates["added"][0]["model"], "ds-coder");
    assert_eq!(rates["removed"][0]["model"], "ds-legacy");
    let changes: Vec<String> = rates["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!("{} {} {} {} {}→{}", c["model"], c["hours"], c["tier"], c["class"], c["old"], c["new"])
        })
        .collect();
    let want = |class: &str, old: &str, new: &str| {
        format!(r#""ds-chat" "16:30-00:30" "base" "{class}" "{old}"→"{new}""#)
    };
    assert_eq!(
        changes,
        [
            want("input", "0.27", "0.135"),
            want("output", "1.1", "0.55"),
            want("cache_read", "0.07", "0.035"),
            want("cache_write", "0.27", "0.135"),
            want("cache_write_1h", "0.27", "0.135"),
        ]
    );
    let log = &d["log"];
    assert_eq!(log["old"]["cost_usd_exact"], "1.52");
    assert_eq!(log["new"]["cost_usd_exact"], "2.74");
    assert_eq!(log["difference_usd_exact"], "1.22");
    assert_eq!(
        (log["old"]["unpriced_calls"].as_u64(), log["new"]["unpriced_calls"].as_u64()),
        (Some(1), Some(1))
    );
    let chat = &log["models"][0];
    assert_eq!(chat["model"], "ds-chat");
    assert!(super::same_decimal(&chat["difference_usd"].to_string(), "-0.36"), "{chat}");
    assert!(log["models"][1]["difference_usd"].is_null());
    // The terminal table opens with the counts and what the new tables could not import.
    let out = llmcost()
        .args(["pricing", "diff", "fixtures/pricing/diff-old.toml", "fixtures/pricing/diff-new.json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().take(2).collect();
    assert!(lines[0].ends_with("1 added, 1 removed, 1 with changed rates (5 changes)"), "{text}");
    assert!(lines[1].starts_with("2 entries or fields of the new tables were not imported"), "{text}");
}

/// A model name from a table reaches Markdown escaped, and `builtin` names the embedded tables.
#[test]
fn pricing_diff_escapes_names_and_reads_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("hostile.toml");
    std::fs::write(
        &table,
        "provider = \"x\"\n[[models]]\nid = \"a|<b>[c](d)\"\n[[models.prices]]\ninput = 1\noutput = 1\n",
    )
    .unwrap();
    let out = llmcost()
        .args(["pricing", "diff", "builtin", table.to_str().unwrap(), "--format", "md"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r"a\|\<b\>\[c\](d)"), "{text}");
    assert!(!text.contains("<b>"), "{text}");
    assert!(text.contains("### Removed models"), "{text}");
    llmcost()
        .args(["pricing", "diff", "builtin", "no-such-file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-file.toml: no such price table"));
}

/// Audio prompt tokens, cached audio, audio output and image output at their modality rates
/// (issue #11); every figure worked out in fixtures/modality/README.md.
#[test]
fn modality_tokens_at_their_own_rates_r11() {
    let r = super::run_json(&["report", "fixtures/modality/calls.jsonl", "--only", "totals"]);
    assert_eq!(r["totals"]["unpriced_calls"], 0);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.1226065", "7,010 + 57,500 + 38,731 + 19,365.5 µ$");
    let models = r["breakdowns"]["model"].as_array().unwrap();
    let cost = |m: &str| models.iter().find(|row| row["key"] == m).map(|row| row["cost_usd"].clone());
    assert_eq!(cost("gemini-2.5-flash"), Some(serde_json::json!(0.00701)));
    assert_eq!(cost("gpt-4o-audio-preview-2024-12-17"), Some(serde_json::json!(0.0575)));
    // The native readers take the same counts from the providers' usage blocks.
    let r = super::run_json(&[
        "report",
        "fixtures/modality/gemini.jsonl",
        "fixtures/modality/openai.jsonl",
        "--only",
        "totals",
    ]);
    assert_eq!(r["totals"]["calls"], 3);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.103241", "7,010 + 38,731 + 57,500 µ$");
    // pricing show lists the modality rates where a model has some.
    let out = llmcost().args(["pricing", "show", "gemini-2.5-flash-image"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("output_image"), "{text}");
    assert!(text.contains("costs the text rate of its class"), "{text}");
    let out = llmcost().args(["pricing", "show", "gemini-2.5-pro"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("input_audio"), "no modality columns without modality rates: {text}");
}

/// A Gemini response whose image count is above its candidates: the image tokens are capped
/// at the 10 output tokens and the report's notes count the call. gemini-2.5-flash-image
/// (fixtures/modality/README.md): 5 in × 0.3 + 10 image out × 30 = 301.5 µ$.
#[test]
fn gemini_modality_counts_above_their_totals_are_capped_and_noted() {
    let line = r#"{"modelVersion": "gemini-2.5-flash-image", "createTime": "2026-10-01T10:00:00Z", "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 10, "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 25}]}}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gemini.jsonl");
    std::fs::write(&path, format!("{line}\n")).unwrap();
    let r = super::run_json(&["report", path.to_str().unwrap(), "--only", "totals"]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.0003015");
    let notes = r["notes"].to_string();
    assert!(notes.contains("1 calls gave audio or image token counts above the totals"), "{notes}");
}

/// A modality count larger than its class is rejected naming the field.
#[test]
fn modality_counts_must_fit_their_class_r11() {
    let line = r#"{"timestamp": "2026-10-01T10:00:00Z", "model": "gemini-2.5-flash", "input_tokens": 100, "output_tokens": 10, "output_image_tokens": 11}"#;
    let out = llmcost()
        .args(["report", "-", "--format", "json", "--only", "totals"])
        .write_stdin(line)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["lines"]["rejected"], 1);
    assert_eq!(r["rejected"][0]["field"], "output_image_tokens");
}

/// Dated versions the generator adds where genai-prices dates a change LiteLLM states for all
/// time (#11): Bedrock's regional `eu.anthropic.claude-sonnet-5` (pricing/generated/bedrock.toml,
/// GENERATED.md "Dated price changes") costs the introductory 2.2 / 11 (cache read 0.22, write
/// 2.75, 1-hour write 4.4) until 2026-09-01 and 3.3 / 16.5 (0.33, 4.125, 6.6) from then.
/// One call: 10,000 input of which 2,000 cache reads and 1,000 cache writes (500 of them 1-hour),
/// 1,000 output; fresh input = 10,000 − 2,000 − 1,000 = 7,000.
/// Before: 7,000 × 2.2 + 2,000 × 0.22 + 500 × 2.75 + 500 × 4.4 + 1,000 × 11
///       = 15,400 + 440 + 1,375 + 2,200 + 11,000 = 30,415 µ$.
/// After:  7,000 × 3.3 + 2,000 × 0.33 + 500 × 4.125 + 500 × 6.6 + 1,000 × 16.5
///       = 23,100 + 660 + 2,062.5 + 3,300 + 16,500 = 45,622.5 µ$.
#[test]
fn bedrock_regional_sonnet_5_changes_price_on_its_date_r11() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.jsonl");
    for (day, want) in [("2026-08-31T23:59:00Z", "0.030415"), ("2026-09-01T00:00:00Z", "0.0456225")] {
        std::fs::write(
            &log,
            format!(
                r#"{{"timestamp":"{day}","provider":"bedrock","model":"eu.anthropic.claude-sonnet-5","input_tokens":10000,"cache_read_tokens":2000,"cache_write_tokens":1000,"cache_write_1h_tokens":500,"output_tokens":1000}}"#
            ),
        )
        .unwrap();
        let r = super::run_json(&["report", log.to_str().unwrap(), "--only", "totals"]);
        let got = r["totals"]["cost_usd_exact"].as_str().unwrap().to_string();
        assert!(super::same_decimal(&got, want), "{day}: got {got}, want {want}");
    }
}

/// Bedrock's `openai.gpt-5.5` costs 10% more than OpenAI's direct price (#11;
/// pricing/bedrock.toml): genai-prices' real Bedrock Mantle block of 88 input and 14 output
/// tokens is $0.000484 + $0.000462: 88 × 5.5 + 14 × 33 = 484 + 462 = 946 µ$. The list-priced
/// `global.` id is the direct entry: 88 × 5 + 14 × 30 = 440 + 420 = 860 µ$.
#[test]
fn bedrock_openai_ids_cost_ten_percent_more_r11() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.jsonl");
    for (model, want) in [("openai.gpt-5.5", "0.000946"), ("global.openai.gpt-5.5", "0.00086")] {
        std::fs::write(
            &log,
            format!(
                r#"{{"timestamp":"2026-10-01T10:00:00Z","provider":"bedrock","model":"{model}","input_tokens":88,"output_tokens":14}}"#
            ),
        )
        .unwrap();
        let r = super::run_json(&["report", log.to_str().unwrap(), "--only", "totals"]);
        let got = r["totals"]["cost_usd_exact"].as_str().unwrap().to_string();
        assert!(super::same_decimal(&got, want), "{model}: got {got}, want {want}");
    }
}
