//! Native formats on the real public logs in `../shared/data` (see each folder's SOURCE.md).
//! Every figure asserted here was computed apart from llmcost: by the scripts in
//! `scripts/verify/` (Python, exact decimals, from the format and the price tables alone), by
//! hand from the SOURCE.md totals, or against the expected prices shipped with the data.
//! When `../shared/data` is absent the tests say so and pass without checking, unless
//! `LLMCOST_REQUIRE_DATA=1` (set by `.ci/run`): then a missing data set fails the test.

use std::path::PathBuf;

use llmcost::calls::StrCol;
use llmcost::ingest::{self, IngestPlan, RunContext, Source};
use llmcost::money::Money;
use llmcost::price::price_all;
use llmcost::pricing::PriceBook;
use llmcost::time::parse_date;

use super::run_json;

/// `../shared/data/<rel>` beside the clone, or `None` (the test is skipped) when it is absent;
/// with `LLMCOST_REQUIRE_DATA=1` an absent data set panics instead, so CI cannot skip silently.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("LLMCOST_REQUIRE_DATA").is_ok_and(|v| v == "1");
    assert!(!required, "LLMCOST_REQUIRE_DATA=1 but {} is missing", path.display());
    eprintln!("SKIPPED: {} not found; real-data checks need ../shared/data", path.display());
    None
}

fn report(dir: &std::path::Path) -> serde_json::Value {
    run_json(&["report", dir.to_str().unwrap(), "--only", "totals", "-q"])
}

/// 899 unique (message.id, requestId) pairs on assistant lines (SOURCE.md) plus 5 calls seen
/// only inside progress lines (a subagent whose own file is absent); each call keeps its
/// largest usage. scripts/verify/claude_code.py: 904 calls, 79,513,003 input tokens, 195,801
/// output tokens, $51.7425811.
#[test]
fn claude_code_sessions_count_each_api_call_once() {
    let Some(dir) = shared("claude-code-sessions-spotter") else { return };
    let r = report(&dir);
    assert_eq!(r["totals"]["calls"], 904);
    assert_eq!(r["totals"]["input_tokens"], 79_513_003u64);
    assert_eq!(r["totals"]["output_tokens"], 195_801);
    assert_eq!(r["totals"]["cost_usd_exact"], "51.7425811");
    let l = &r["lines"];
    assert_eq!(l["read"], 10_155, "SOURCE.md: 10,155 lines");
    assert_eq!(l["rejected"], 0);
    let sum = ["accepted", "skipped", "duplicates"].iter().map(|k| l[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum, 10_155);
}

/// Codex repeats token_count events; summing last_token_usage over the events whose
/// cumulative total changed gives exactly each session's final total_token_usage (checked
/// for all six files). gpt-5.3-codex at $1.75 / $0.175 cached / $14 per M:
/// (49,839,753 − 46,689,152) × 1.75 + 46,689,152 × 0.175 + 223,178 × 14 = 16,808,645.35 µ$.
#[test]
fn codex_rollouts_skip_repeated_events() {
    let Some(dir) = shared("codex-cli-sessions-localpush") else { return };
    let r = report(&dir);
    assert_eq!(r["totals"]["calls"], 485);
    assert_eq!(r["totals"]["input_tokens"], 49_839_753u64);
    assert_eq!(r["totals"]["cache_read_tokens"], 46_689_152u64);
    assert_eq!(r["totals"]["output_tokens"], 223_178);
    assert_eq!(r["totals"]["cost_usd_exact"], "16.80864535");
}

/// SOURCE.md totals: 3,208 requests, prompt 1,232,679, completion 2,566,748 (reasoning
/// 2,236,992). o3-mini $1.10 / $4.40 per M at batch rates (× 0.5):
/// (1,232,679 × 1.1 + 2,566,748 × 4.4) × 0.5 = 6,324,819.05 µ$.
#[test]
fn openai_batch_output_is_priced_at_batch_rates() {
    let Some(dir) = shared("openai-batch-output-o3mini") else { return };
    let r = report(&dir);
    assert_eq!(r["totals"]["calls"], 3_208);
    assert_eq!(r["totals"]["batch_calls"], 3_208);
    assert_eq!(r["totals"]["input_tokens"], 1_232_679);
    assert_eq!(r["totals"]["reasoning_tokens"], 2_236_992u64);
    assert_eq!(r["totals"]["cost_usd_exact"], "6.32481905");
}

/// The 1,577 real provider usage blocks of genai-prices, each turned into the response line
/// its provider writes (Anthropic message, OpenAI chat.completion / response, Gemini
/// generateContent), read by the native readers and priced with the built-in tables as of
/// the data's commit (2026-08-21); compared with the price genai-prices computed for the
/// real provider. Bedrock, Mistral and Cohere shapes and blocks without a model are not
/// comparable and are counted apart.
#[test]
fn genai_prices_real_usages_match_expected_prices() {
    let Some(dir) = shared("genai-prices-real-usages") else { return };
    let book = PriceBook::load(&[] as &[&str], true).unwrap();
    check_mismatches(&dir, &book, "built-in tables", 1_081, BUILTIN_MISMATCHES);
}

/// The same blocks priced with genai-prices' own data.json read by `--pricing`, its audio rates
/// included: what is left over is data.json's single output rate of image models.
#[test]
fn genai_prices_data_json_reproduces_its_own_prices() {
    let (Some(dir), Some(prices)) = (shared("genai-prices-real-usages"), shared("pricing-genai-prices"))
    else {
        return;
    };
    let book = PriceBook::load(&[prices.join("data.json")], false).unwrap();
    check_mismatches(&dir, &book, "genai-prices data.json", 1_081, DATA_JSON_MISMATCHES);
}

// Why a block is priced differently from genai-prices (each checked on the blocks printed by
// the test).
const NOT_LISTED: &str =
    "genai-prices matches it by a prefix or substring rule, LiteLLM does not list it: the generated \
                          tables take genai-prices' exact names only, so it stays unpriced";
const EXPERIMENTAL: &str = "genai-prices prices it as gemini-2.0-flash by a prefix rule; the curated Google \
                            table leaves the free experimental (-exp) models out on purpose";
// 81 prompt tokens of which 69 audio, 72 output: genai-prices 81 × 2.5 + 72 × 10 = 922.5 µ$;
// llmcost 12 × 2.5 + 69 × 40 + 72 × 10 = 3,510 µ$.
const AUDIO_AT_TEXT_RATE: &str = "genai-prices' data.json gives gpt-4o-audio-preview an input_audio_mtok of \
                                  2.5, its text rate; OpenAI and LiteLLM bill its audio input at 40 per M";
// gemini-3-pro-image-preview, 33 prompt, 1,780 candidates (1,120 IMAGE) + 529 thoughts:
// data.json 33 × 2 + 2,309 × 120 = 277,146 µ$; the usages 33 × 2 + 1,120 × 120 + 1,189 × 12
// = 148,734 µ$ (text and thinking at 12, images at 120).
const ONE_OUTPUT_RATE: &str =
    "data.json gives the image models one output rate, the image one, for text and \
                               thinking output too; its own usages data bills those at the text rate";

/// Known mismatches with the built-in tables, 5 of the 1,081 blocks (1,076 exact, 99.5%):
/// (model, blocks, why). Audio prompt tokens and image output are priced at their modality
/// rates (#11), which made 45 blocks of Gemini exact.
const BUILTIN_MISMATCHES: &[(&str, u32, &str)] = &[
    ("gemini-2.0-flash-exp", 2, EXPERIMENTAL),
    ("gpt-4.5-preview-2025-02-27", 1, NOT_LISTED),
    ("gpt-4o-audio-preview-2024-12-17", 2, AUDIO_AT_TEXT_RATE),
];

/// Known mismatches with genai-prices' own data.json, 5 of the 1,081 blocks (1,076 exact,
/// 99.5%): (model, blocks, why).
const DATA_JSON_MISMATCHES: &[(&str, u32, &str)] =
    &[("gemini-2.5-flash-image", 4, ONE_OUTPUT_RATE), ("gemini-3-pro-image-preview", 1, ONE_OUTPUT_RATE)];

/// Prices every comparable usage block with `book` and requires the blocks priced differently
/// from genai-prices to be exactly the known ones, model by model: a new mismatch, or a known
/// one that went away, fails.
fn check_mismatches(
    dir: &std::path::Path,
    book: &PriceBook,
    label: &str,
    comparable: usize,
    known: &[(&str, u32, &str)],
) {
    let (total, mismatches) = usage_mismatches(dir, book);
    let mut report = String::new();
    for (model, blocks) in &mismatches {
        for (got, want, usage) in blocks {
            report.push_str(&format!("  {model}: got {got}, want {want}; {usage}\n"));
        }
    }
    eprintln!("genai-prices usages with {label}: {} of {total} comparable blocks differ\n{report}", {
        mismatches.values().map(Vec::len).sum::<usize>()
    });
    assert_eq!(total, comparable, "comparable blocks");
    let got: Vec<(&str, u32)> = mismatches.iter().map(|(m, b)| (m.as_str(), b.len() as u32)).collect();
    let want: Vec<(&str, u32)> = known.iter().map(|&(m, n, _)| (m, n)).collect();
    let why: Vec<String> = known.iter().map(|(m, n, why)| format!("  {m} ({n}): {why}")).collect();
    assert_eq!(got, want, "mismatches with {label} changed:\n{report}known:\n{}", why.join("\n"));
}

type Mismatches = std::collections::BTreeMap<String, Vec<(String, String, String)>>;

/// Prices every comparable usage block with `book`: the number of comparable blocks and, per
/// model, the blocks priced differently (got, want, the usage block).
fn usage_mismatches(dir: &std::path::Path, book: &PriceBook) -> (usize, Mismatches) {
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("usages.json")).unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, String, Money, String)> = Vec::new(); // (dialect, model, expected, usage)
    let mut lines: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for rec in data.as_array().unwrap() {
        let Some((dialect, provider, line)) = as_native_line(rec) else { continue };
        let Some(expected) = expected_price(rec, provider) else { continue };
        lines.entry(dialect).or_default().push(line.to_string());
        let usage = rec["body"].get("usageMetadata").or(rec["body"].get("usage")).map(|u| u.to_string());
        cases.push((
            dialect.to_string(),
            rec_model(rec).unwrap_or_default(),
            expected,
            usage.unwrap_or_default(),
        ));
    }
    let mut got: Vec<(String, Option<Money>)> = Vec::new();
    for (dialect, ls) in &lines {
        let path = tmp.path().join(format!("{dialect}.jsonl"));
        std::fs::write(&path, ls.join("\n")).unwrap();
        got.extend(price_file(path, book).into_iter().map(|c| (dialect.to_string(), c)));
    }
    // Files were written per dialect in BTreeMap order: line the expectations up the same way.
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got.len(), cases.len());
    let mut mismatches = Mismatches::new();
    for ((_, model, want, usage), (_, cost)) in cases.iter().zip(&got) {
        if cost.as_ref() != Some(want) {
            let got = cost.map_or("unpriced".into(), |c| c.exact());
            mismatches.entry(model.clone()).or_default().push((got, want.exact(), usage.clone()));
        }
    }
    (cases.len(), mismatches)
}

fn rec_model(rec: &serde_json::Value) -> Option<String> {
    let b = &rec["body"];
    b["model"].as_str().or(b["modelVersion"].as_str()).or(rec["model"].as_str()).map(str::to_string)
}

/// The body as the line its provider's API returns, with the dialect that reads it.
fn as_native_line(rec: &serde_json::Value) -> Option<(&'static str, &'static str, serde_json::Value)> {
    let body = &rec["body"];
    let model = rec_model(rec)?;
    if let Some(meta) = body.get("usageMetadata") {
        return Some(("gemini", "google", serde_json::json!({"modelVersion": model, "usageMetadata": meta})));
    }
    let usage = body.get("usage")?;
    if usage.get("prompt_tokens").is_some() {
        return Some((
            "openai",
            "openai",
            serde_json::json!({"object": "chat.completion", "model": model, "usage": usage}),
        ));
    }
    if usage.get("input_tokens_details").is_some() || usage.get("total_tokens").is_some() {
        return Some((
            "openai",
            "openai",
            serde_json::json!({"object": "response", "model": model, "usage": usage}),
        ));
    }
    if usage.get("input_tokens").is_some() && usage.get("output_tokens").is_some() {
        return Some((
            "anthropic",
            "anthropic",
            serde_json::json!({"type": "message", "model": model, "usage": usage}),
        ));
    }
    None
}

/// genai-prices' price for the real provider. A chat block is read as an embeddings response
/// too (an OpenAI usage with `prompt_tokens`), and that price, of its prompt alone at the
/// input rate, may come first: the embeddings flavour is taken only for a block that
/// generated nothing (a real embeddings response).
fn expected_price(rec: &serde_json::Value, provider: &str) -> Option<Money> {
    let usage = &rec["body"]["usage"];
    let generated = usage.get("completion_tokens").is_some() || usage.get("output_tokens").is_some();
    let extractors = rec["extracted"]
        .as_array()?
        .iter()
        .flat_map(|e| e["extractors"].as_array().cloned().unwrap_or_default());
    for e in extractors.filter(|e| !(generated && e["api_flavor"] == "embeddings")) {
        if e["provider_id"] == provider {
            let (i, o) = (e["input_price"].as_str()?, e["output_price"].as_str()?);
            return Some(Money::parse(i).ok()? + Money::parse(o).ok()?);
        }
    }
    None
}

fn price_file(path: PathBuf, book: &PriceBook) -> Vec<Option<Money>> {
    let as_of = parse_date("2026-08-21").unwrap();
    let plan = IngestPlan {
        extras: vec![],
        keep: [true; StrCol::COUNT],
        strict: false,
        format: None,
        mapping: None,
        untimed_at: as_of,
        max_line_bytes: llmcost::ingest::limits::DEFAULT_MAX_LINE_BYTES,
        prune: Default::default(),
    };
    let batch = ingest::ingest(&[Source::File(path)], &RunContext::new(&plan, None)).unwrap();
    assert_eq!(batch.lines.rejected, 0, "{:?}", batch.rejects.first());
    let priced = price_all(&batch.calls, book, Some(as_of));
    (0..batch.calls.len()).map(|r| priced.is_priced(r).then(|| priced.cost[r])).collect()
}
