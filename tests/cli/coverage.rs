//! The built-in tables' coverage (#11): hand-checked rates of generated entries, the name
//! forms hosts write, curated entries winning over generated ones, the committed generated
//! tables being exactly what `scripts/gen-price-tables` makes, and the share of LiteLLM's
//! chat ids the default tables price (README "Price tables" quotes the figures).

use std::collections::BTreeMap;

use llmcost::pricing::{load, providers, PriceBook, Rates};
use llmcost::time::parse_date;

use super::real_data::shared;

fn builtin() -> PriceBook {
    PriceBook::load(&[] as &[&str], true).unwrap()
}

/// The rates in force on 2026-10-01 for `model` called through `provider`: input, output,
/// cache read, 5-minute cache write, as text.
fn rates(book: &PriceBook, provider: &str, model: &str) -> [String; 4] {
    let m = book.lookup(Some(provider), model).unwrap_or_else(|| panic!("{provider} {model} unpriced"));
    let v = m.version_at(parse_date("2026-10-01").unwrap()).expect("a version in force");
    let r = &v.base;
    [r.input, r.output, r.cache_read, r.cache_write].map(|x| x.to_string())
}

/// Each expectation read by hand from the snapshot named (LiteLLM's per-token figures × 10⁶;
/// a cache rate LiteLLM does not state falls back to input).
#[test]
fn generated_entries_carry_the_snapshot_rates() {
    let book = builtin();
    let cases: &[(&str, &str, [&str; 4], &str)] = &[
        // LiteLLM azure/eu/gpt-4o: 2.75e-06, 1.1e-05, cache read 1.375e-06, write 1.38e-06.
        ("azure", "azure/eu/gpt-4o", ["2.75", "11", "1.375", "1.38"], "Azure EU regional"),
        // eu.anthropic.claude-opus-4-6-v1 (bedrock_converse): 5.5e-06, 2.75e-05, 5.5e-07,
        // 6.875e-06: 10% over the first-party 5 / 25.
        ("bedrock", "eu.anthropic.claude-opus-4-6-v1", ["5.5", "27.5", "0.55", "6.875"], "Bedrock geo"),
        (
            "aws",
            "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-opus-4-6-v1",
            ["5.5", "27.5", "0.55", "6.875"],
            "inference-profile ARN",
        ),
        // us.amazon.nova-pro-v1:0: 8e-07, 3.2e-06, cache read 2e-07.
        ("bedrock", "us.amazon.nova-pro-v1:0", ["0.8", "3.2", "0.2", "0.8"], "Nova"),
        // meta.llama3-70b-instruct-v1:0: 2.65e-06 / 3.5e-06; in eu-west-1 2.86e-06 / 3.78e-06.
        ("bedrock", "meta.llama3-70b-instruct-v1:0", ["2.65", "3.5", "2.65", "2.65"], "Llama"),
        (
            "bedrock",
            "bedrock/eu-west-1/meta.llama3-70b-instruct-v1:0",
            ["2.86", "3.78", "2.86", "2.86"],
            "LiteLLM regional form",
        ),
        // mistral/mistral-large-latest: 5e-07, 1.5e-06, cache read 5e-08 (genai-prices says
        // 2 / 6 for mistral-large; LiteLLM taken, GENERATED.md says why).
        ("mistral", "mistral-large-latest", ["0.5", "1.5", "0.05", "0.5"], "Mistral bare name"),
        // xai/grok-4.3: 1.25e-06, 2.5e-06, cache read 2e-07.
        ("xai", "grok-4.3", ["1.25", "2.5", "0.2", "1.25"], "xAI"),
        // together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo: 1.04e-06 both ways.
        (
            "together_ai",
            "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
            ["1.04", "1.04", "1.04", "1.04"],
            "Together",
        ),
        // fireworks_ai/accounts/fireworks/models/deepseek-v3: 9e-07 both ways.
        (
            "fireworks",
            "fireworks_ai/accounts/fireworks/models/deepseek-v3",
            ["0.9", "0.9", "0.9", "0.9"],
            "Fireworks",
        ),
        // perplexity/sonar-pro: 3e-06, 1.5e-05.
        ("perplexity", "sonar-pro", ["3", "15", "3", "3"], "Perplexity"),
        // command-r-plus-08-2024 (cohere_chat): 2.5e-06, 1e-05.
        ("cohere", "command-r-plus-08-2024", ["2.5", "10", "2.5", "2.5"], "Cohere"),
        // dashscope/qwen-max: 1.6e-06, 6.4e-06.
        ("dashscope", "qwen-max", ["1.6", "6.4", "1.6", "1.6"], "Qwen"),
        // zai/glm-4.6: 6e-07, 2.2e-06, cache read 1.1e-07, cache creation 0 (stated).
        ("zai", "glm-4.6", ["0.6", "2.2", "0.11", "0"], "GLM"),
        // minimax/MiniMax-M2: 3e-07, 1.2e-06, 3e-08, cache creation 3.75e-07.
        ("minimax", "MiniMax-M2", ["0.3", "1.2", "0.03", "0.375"], "MiniMax"),
        // moonshot/kimi-k2.5: 6e-07, 3e-06, cache read 1e-07.
        ("moonshot", "kimi-k2.5", ["0.6", "3", "0.1", "0.6"], "Kimi"),
        // Legacy OpenAI: gpt-4 3e-05 / 6e-05; gpt-3.5-turbo-0125 5e-07 / 1.5e-06.
        ("openai", "gpt-4", ["30", "60", "30", "30"], "gpt-4"),
        ("openai", "gpt-3.5-turbo-0125", ["0.5", "1.5", "0.5", "0.5"], "gpt-3.5 snapshot"),
        // ft:gpt-4o-mini-2024-07-18: 3e-07, 1.2e-06, cache read 1.5e-07 (fine-tuned rates,
        // twice the base gpt-4o-mini's 0.15 / 0.6).
        ("openai", "ft:gpt-4o-mini-2024-07-18:acme::AbC123", ["0.3", "1.2", "0.15", "0.3"], "fine-tune"),
        // genai-prices alone: perplexity llama-3.1-sonar-large-128k-online input/output 1 / 1.
        ("perplexity", "llama-3.1-sonar-large-128k-online", ["1", "1", "1", "1"], "genai-prices only"),
    ];
    for (provider, model, want, what) in cases {
        assert_eq!(rates(&book, provider, model), want.map(String::from), "{what}: {provider} {model}");
    }
}

/// Curated entries win over the snapshots: LiteLLM lists gpt-5.6-luna at 0.2 / 1.2 and
/// vertex_ai/gemini-2.0-flash at 0.15 / 0.6, the curated tables 1 / 6 (OpenAI's list price,
/// pricing/openai.toml) and 0.1 / 0.4; the curated figures are used, under every spelling.
#[test]
fn curated_entries_win_over_generated_ones() {
    let book = builtin();
    assert_eq!(rates(&book, "openai", "gpt-5.6-luna")[..2], ["1", "6"]);
    assert_eq!(rates(&book, "azure", "openai/gpt-5.6-luna")[..2], ["1", "6"]);
    assert_eq!(rates(&book, "vertex_ai-language-models", "vertex_ai/gemini-2.0-flash")[..2], ["0.1", "0.4"]);
    // First-party Bedrock ids are curated aliases (the list price), regional ones generated.
    let m = book.lookup(Some("bedrock"), "anthropic.claude-opus-4-6-v1").unwrap();
    assert_eq!(m.provider, "anthropic", "the curated entry, not a generated Bedrock one");
    let regional = book.lookup(Some("bedrock"), "us.anthropic.claude-opus-4-6-v1").unwrap();
    assert_eq!(regional.provider, "bedrock");
    // No generated entry claims a name a curated entry claims for the same provider.
    let curated: Vec<_> = book.models().iter().filter(|m| !is_generated(m)).collect();
    for g in book.models().iter().filter(|m| is_generated(m)) {
        for c in &curated {
            if providers::same(&c.provider, &g.provider) {
                assert!(!c.aliases.iter().chain([&c.id]).any(|n| n.eq_ignore_ascii_case(&g.id)), "{}", g.id);
            }
        }
    }
}

fn is_generated(m: &llmcost::pricing::ModelPrice) -> bool {
    m.versions
        .iter()
        .all(|v| v.source.starts_with("LiteLLM 1.109.1") || v.source.starts_with("genai-prices 47df840"))
}

/// The committed `pricing/generated/*.toml` and `pricing/GENERATED.md` are exactly what the
/// generator makes from the pinned snapshots (it needs only python3's standard library).
#[test]
fn generated_tables_are_what_the_script_makes() {
    let Some(data) = shared("") else { return };
    let Some(out) = generator(&["--check", "--data", data.to_str().unwrap()]) else { return };
    assert!(
        out.status.success(),
        "committed tables differ from scripts/gen-price-tables' output:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `python3 scripts/gen-price-tables ARGS`, or `None` (skipped) where python3 cannot run,
/// unless `LLMCOST_REQUIRE_DATA=1`.
fn generator(args: &[&str]) -> Option<std::process::Output> {
    let script = format!("{}/scripts/gen-price-tables", env!("CARGO_MANIFEST_DIR"));
    match std::process::Command::new("python3").arg(script).args(args).output() {
        Ok(out) => Some(out),
        Err(e) if std::env::var("LLMCOST_REQUIRE_DATA").is_ok_and(|v| v == "1") => panic!("python3: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: python3 not runnable ({e})");
            None
        }
    }
}

/// The generator decides what to leave out by the names the resolver will try, with its own
/// copy of `providers::name_forms`: both must give the same forms.
#[test]
fn generator_name_forms_are_the_resolvers() {
    let names = [
        "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0",
        "bedrock/us-east-1/global.Anthropic.claude-sonnet-4-6",
        "azure/eu/gpt-4o-mini",
        "anthropic/claude-sonnet-4:thinking",
        "meta-llama/llama-3-8b:free",
        "anthropic.claude-v2:1",
        "vertex_ai/claude-3-5-sonnet-v2@20241022",
        "mistral-large-latest",
        "ft:gpt-4o-mini-2024-07-18:acme::AbC123",
        "usage.model",
        "us.",
    ];
    let Some(out) = generator(&[&["--forms"], &names[..]].concat()) else { return };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let python: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    let rust: Vec<Vec<String>> = names.iter().map(|n| providers::name_forms(n)).collect();
    assert_eq!(python, rust);
}

/// LiteLLM's chat ids for the providers of #11, priced by the default tables: how many are
/// priced, how many at LiteLLM's rate for that id (every rate LiteLLM states, tiers
/// included), and how many at another rate whose entry's note gives the reason (a curated or
/// generated choice between disagreeing sources). The curated tables alone are measured the
/// same way, for comparison. Run with `-- --nocapture` for the tables.
#[test]
fn default_tables_price_litellm_chat_ids() {
    let Some(dir) = shared("pricing-litellm") else { return };
    let text = std::fs::read_to_string(dir.join("model_prices_and_context_window.json")).unwrap();
    let curated_dir = format!("{}/pricing", env!("CARGO_MANIFEST_DIR"));
    let curated = PriceBook::load(&[curated_dir], false).unwrap();
    let [ids, priced, _, _] = measure(&text, &curated, "curated tables only");
    assert!(priced < ids);
    let [ids, priced, at_rate, noted] = measure(&text, &builtin(), "default (curated + generated) tables");
    let pct = |n: usize| 100.0 * n as f64 / ids as f64;
    assert!(pct(priced) >= 95.0, "priced {:.1}%", pct(priced));
    assert!(pct(at_rate + noted) >= 90.0, "at LiteLLM's or a noted rate {:.1}%", pct(at_rate + noted));
}

/// [ids, priced, at LiteLLM's rate, at a noted other rate] over the chat ids in scope,
/// printed per provider.
fn measure(litellm_json: &str, book: &PriceBook, label: &str) -> [usize; 4] {
    let raw: BTreeMap<String, serde_json::Value> = serde_json::from_str(litellm_json).unwrap();
    let litellm: BTreeMap<String, llmcost::pricing::ModelPrice> =
        load::parse_litellm("litellm.json", litellm_json)
            .unwrap()
            .0
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
    let at = parse_date("2026-10-01").unwrap();
    const SCOPE: &[&str] = &[
        "openai",
        "anthropic",
        "google",
        "bedrock",
        "azure",
        "mistral",
        "xai",
        "cohere",
        "deepseek",
        "groq",
        "together",
        "fireworks",
        "perplexity",
    ];
    // provider → [ids, priced, at LiteLLM's rate, at a noted rate]
    let mut counts: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut off = Vec::new();
    for (id, entry) in &raw {
        let provider = entry["litellm_provider"].as_str().unwrap_or_default();
        let canonical = providers::canonical(provider);
        if entry["mode"] != "chat" || !SCOPE.contains(&canonical.as_str()) {
            continue;
        }
        let Some(want) = litellm.get(id) else { continue }; // LiteLLM states no token price
        let c = counts.entry(canonical).or_default();
        c[0] += 1;
        let Some(got) = book.lookup(Some(provider), id).and_then(|m| m.version_at(at)) else {
            off.push(format!("unpriced {id}"));
            continue;
        };
        c[1] += 1;
        if same_stated_rates(entry, &want.versions[0], got) {
            c[2] += 1;
        } else if !got.note.is_empty() {
            c[3] += 1;
        } else {
            off.push(format!("other rate {id}: {}", got.source));
        }
    }
    let total = counts.values().fold([0; 4], |a, c| [a[0] + c[0], a[1] + c[1], a[2] + c[2], a[3] + c[3]]);
    let pct = |n: usize| 100.0 * n as f64 / total[0] as f64;
    eprintln!("== {label}\nprovider ids priced at-litellm-rate noted-other-rate");
    for (p, c) in &counts {
        eprintln!("{p} {} {} {} {}", c[0], c[1], c[2], c[3]);
    }
    eprintln!(
        "total {} ids: {} priced ({:.1}%), {} at LiteLLM's rate ({:.1}%), {} at a noted other rate ({:.1}%)",
        total[0],
        total[1],
        pct(total[1]),
        total[2],
        pct(total[2]),
        total[3],
        pct(total[3])
    );
    if off.len() < 100 {
        eprintln!("{}", off.join("\n"));
    }
    total
}

/// Every rate LiteLLM states for an id (base, and each tier it names) equals the book's.
fn same_stated_rates(
    entry: &serde_json::Value,
    want: &llmcost::pricing::PriceVersion,
    got: &llmcost::pricing::PriceVersion,
) -> bool {
    let stated = |field: &str| entry.get(field).is_some_and(|v| v.is_number() || v.is_string());
    type Get = fn(&Rates) -> llmcost::money::Rate;
    let fields: [(&str, Get); 5] = [
        ("input_cost_per_token", |r| r.input),
        ("output_cost_per_token", |r| r.output),
        ("cache_read_input_token_cost", |r| r.cache_read),
        ("cache_creation_input_token_cost", |r| r.cache_write),
        ("cache_creation_input_token_cost_above_1hr", |r| r.cache_write_1h),
    ];
    let base = fields.iter().all(|(f, get)| !stated(f) || get(&want.base) == get(&got.base));
    let tiers = want.tiers.iter().all(|t| {
        got.tiers.iter().any(|g| {
            g.threshold == t.threshold && g.rates.input == t.rates.input && g.rates.output == t.rates.output
        })
    });
    base && tiers
}
