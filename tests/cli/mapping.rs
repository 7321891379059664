//! `--mapping`: any JSONL or CSV log read through a mapping file (docs/mapping-format.md),
//! on a hand-worked fixture (fixtures/mappings/README.md) and on the real Azure trace.

use super::{run_json, test_pricing};

#[test]
fn nested_paths_exclusive_convention_and_time_pattern() {
    let mut args = vec![
        "report",
        "fixtures/mappings/custom.jsonl",
        "--mapping",
        "fixtures/mappings/custom.toml",
        "--only",
        "totals",
        "--by",
        "route",
    ];
    args.extend(test_pricing());
    let r = run_json(&args);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.00318");
    assert_eq!(r["totals"]["input_tokens"], 1500);
    assert_eq!(r["lines"]["accepted"], 2);
    let rejected: Vec<(u64, String)> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["line"].as_u64().unwrap(), x["reason"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(rejected[0].0, 3);
    assert!(rejected[0].1.contains("timestamp_format"), "{rejected:?}");
    assert_eq!(rejected[1].0, 4);
    assert!(rejected[1].1.contains("field route"), "{rejected:?}");
}

/// The real Azure LLM inference trace has no model column: priced as gpt-4o-2024-08-06
/// ($2.5 / $10 per M). Sums over the CSV (Python, apart from llmcost): code 8,819 rows,
/// 18,059,974 context and 245,896 generated tokens → 18,059,974 × 2.5 + 245,896 × 10 =
/// 47,608,895 µ$.
#[test]
fn azure_trace_with_a_constant_model() {
    let Some(path) = super::real_data::shared("azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv")
    else {
        return;
    };
    let r = run_json(&[
        "report",
        path.to_str().unwrap(),
        "--mapping",
        "fixtures/mappings/azure.toml",
        "--only",
        "totals",
    ]);
    assert_eq!(r["totals"]["calls"], 8_819);
    assert_eq!(r["totals"]["input_tokens"], 18_059_974u64);
    assert_eq!(r["totals"]["cost_usd_exact"], "47.608895");
    assert_eq!(r["period"]["from"], "2023-11-16T18:17:03.979Z");
}
