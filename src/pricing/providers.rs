//! Provider names as logs and price tables spell them, and the one name each stands for, so
//! a price entry and a call match whoever wrote them (LiteLLM's `gemini` and
//! `vertex_ai-language-models`, OpenTelemetry's `gcp.vertex_ai`, a log's `google` are all
//! Google). README "Providers" lists the table below. Also the forms a host writes a model
//! name in (`name_forms`: Bedrock's regional prefixes and ARNs, gateway prefixes, Vertex
//! `@` versions, …), which the price lookup tries in turn.

/// (canonical name, spellings), every spelling lower-case.
pub const SPELLINGS: &[(&str, &[&str])] = &[
    ("openai", &["openai", "text-completion-openai", "openai_like"]),
    ("anthropic", &["anthropic", "claude"]),
    (
        "google",
        &[
            "google",
            "gemini",
            "google_ai_studio",
            "googleai",
            "vertex",
            "vertex_ai",
            "vertexai",
            "vertex_ai-language-models",
            "vertex_ai_beta",
            "gcp.gemini",
            "gcp.vertex_ai",
            "gcp.gen_ai",
        ],
    ),
    ("azure", &["azure", "azure_ai", "azure_openai", "az.ai.openai", "az.ai.inference"]),
    ("bedrock", &["bedrock", "bedrock_converse", "aws", "aws.bedrock", "amazon_bedrock"]),
    ("deepseek", &["deepseek"]),
    ("mistral", &["mistral", "mistral_ai", "mistralai", "codestral"]),
    ("xai", &["xai", "x_ai", "x-ai", "grok"]),
    ("cohere", &["cohere", "cohere_chat"]),
    ("groq", &["groq"]),
    ("together", &["together", "together_ai", "togetherai"]),
    ("fireworks", &["fireworks", "fireworks_ai"]),
    ("perplexity", &["perplexity"]),
    ("moonshot", &["moonshot", "moonshotai", "moonshot_ai", "kimi"]),
    ("qwen", &["qwen", "dashscope", "alibaba", "alibaba_cloud"]),
    ("zhipu", &["zhipu", "zhipuai", "zai", "z_ai", "bigmodel", "glm"]),
    ("minimax", &["minimax"]),
];

/// LiteLLM's Vertex partner-model providers (`vertex_ai-anthropic_models`, …) are Google-hosted.
fn is_vertex_partner(lower: &str) -> bool {
    lower.strip_prefix("vertex_ai-").is_some_and(|rest| rest.ends_with("_models"))
}

/// The canonical name of a provider spelling; an unknown spelling is itself, lower-cased.
pub fn canonical(provider: &str) -> String {
    let lower = provider.trim().to_ascii_lowercase();
    if is_vertex_partner(&lower) {
        return "google".to_string();
    }
    SPELLINGS
        .iter()
        .find(|(_, spellings)| spellings.contains(&lower.as_str()))
        .map_or(lower, |(name, _)| name.to_string())
}

/// Whether two spellings name the same provider.
pub fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || canonical(a) == canonical(b)
}

/// Bedrock's cross-region and geographic inference-profile prefixes (`us.anthropic.…`).
const GEO_PREFIXES: &[&str] = &["us.", "eu.", "apac.", "au.", "jp.", "global.", "us-gov.", "ca."];
/// OpenRouter's `:variant` suffixes that keep the model's price (`:free` does not: it stays
/// unpriced rather than billed at the paid rate).
const OPENROUTER_VARIANTS: &[&str] = &["beta", "nitro", "floor", "online", "extended", "thinking", "exacto"];

/// The names a log's model string is looked up under, most specific first, lower-cased:
/// the string itself; an ARN's resource id (`arn:aws:bedrock:…:inference-profile/eu.x` →
/// `eu.x`); without an OpenRouter variant (`vendor/model:nitro`); a fine-tune's base
/// (`ft:gpt-4o-mini-2024-07-18:org::id` → `ft:gpt-4o-mini-2024-07-18`, priced at fine-tuned
/// rates); the last path segment (`bedrock/eu-west-1/x`, `azure/eu/x`, `vendor/model` → `x`);
/// without a Bedrock geographic prefix; without a Vertex `@version`; without `-latest`.
/// Each step applies to the result of the previous ones, so `bedrock/us-east-1/us.x@2` gets
/// down to `x`. An exact entry for a longer form (a regional id with its own rate) wins over
/// the shorter one. `scripts/gen-price-tables` mirrors this function: change both together.
pub fn name_forms(model: &str) -> Vec<String> {
    let mut n = model.trim().to_ascii_lowercase();
    let mut forms = vec![n.clone()];
    let push = |f: &str, forms: &mut Vec<String>| {
        if !f.is_empty() && !forms.iter().any(|x| x == f) {
            forms.push(f.to_string());
        }
    };
    if n.starts_with("arn:") {
        if let Some((_, id)) = n.rsplit_once('/') {
            n = id.to_string();
            push(&n, &mut forms);
        }
    }
    if n.contains('/') {
        if let Some((head, variant)) = n.rsplit_once(':') {
            if OPENROUTER_VARIANTS.contains(&variant) {
                n = head.to_string();
                push(&n, &mut forms);
            }
        }
    }
    if n.starts_with("ft:") {
        let parts: Vec<&str> = n.split(':').collect();
        if parts.len() > 2 {
            push(&parts[..2].join(":"), &mut forms);
        }
    }
    let mut tail = n.rsplit_once('/').map_or(n.as_str(), |(_, t)| t).to_string();
    push(&tail, &mut forms);
    if let Some(rest) = GEO_PREFIXES.iter().find_map(|p| tail.strip_prefix(p).filter(|r| !r.is_empty())) {
        tail = rest.to_string();
        push(&tail, &mut forms);
    }
    if let Some((base, _)) = tail.split_once('@') {
        tail = base.to_string();
        push(&tail, &mut forms);
    }
    if let Some(base) = tail.strip_suffix("-latest") {
        push(base, &mut forms);
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_meet_at_one_name() {
        assert_eq!(canonical("vertex_ai-language-models"), "google");
        assert_eq!(canonical("Gemini"), "google");
        assert_eq!(canonical("bedrock_converse"), "bedrock");
        assert_eq!(canonical("testco"), "testco");
        assert!(same("google", "gemini"));
        assert!(!same("openai", "azure"));
        // Every spelling is listed once.
        let mut all: Vec<&str> = SPELLINGS.iter().flat_map(|(_, s)| s.iter().copied()).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
        assert_eq!(canonical("vertex_ai-anthropic_models"), "google");
        assert_eq!(canonical("dashscope"), "qwen");
    }

    fn forms(model: &str) -> Vec<String> {
        name_forms(model)
    }

    #[test]
    fn bedrock_names_come_down_to_the_model_id() {
        assert_eq!(
            forms("us.anthropic.claude-3-5-haiku-20241022-v1:0"),
            ["us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"]
        );
        let arn = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0";
        assert_eq!(forms(arn)[1..], ["eu.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"]);
        let foundation = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0";
        assert_eq!(forms(foundation).last().unwrap(), "meta.llama3-8b-instruct-v1:0");
        assert_eq!(
            forms("bedrock/us-east-1/global.Anthropic.claude-sonnet-4-6"),
            [
                "bedrock/us-east-1/global.anthropic.claude-sonnet-4-6",
                "global.anthropic.claude-sonnet-4-6",
                "anthropic.claude-sonnet-4-6"
            ]
        );
        // A geographic prefix is only stripped whole: "usage.x" and a bare "us." stay.
        assert_eq!(forms("usage.model"), ["usage.model"]);
        assert_eq!(forms("us."), ["us."]);
    }

    #[test]
    fn gateway_vertex_openrouter_and_fine_tune_forms() {
        assert_eq!(forms("azure/eu/gpt-4o-mini"), ["azure/eu/gpt-4o-mini", "gpt-4o-mini"]);
        assert_eq!(
            forms("anthropic/claude-sonnet-4:thinking"),
            ["anthropic/claude-sonnet-4:thinking", "anthropic/claude-sonnet-4", "claude-sonnet-4"]
        );
        // `:free` is another price (zero): not stripped, so the name stays unpriced.
        assert_eq!(forms("meta-llama/llama-3-8b:free"), ["meta-llama/llama-3-8b:free", "llama-3-8b:free"]);
        // A Bedrock version suffix is not an OpenRouter variant.
        assert_eq!(forms("anthropic.claude-v2:1"), ["anthropic.claude-v2:1"]);
        assert_eq!(
            forms("vertex_ai/claude-3-5-sonnet-v2@20241022"),
            [
                "vertex_ai/claude-3-5-sonnet-v2@20241022",
                "claude-3-5-sonnet-v2@20241022",
                "claude-3-5-sonnet-v2"
            ]
        );
        assert_eq!(forms("mistral-large-latest"), ["mistral-large-latest", "mistral-large"]);
        assert_eq!(
            forms("ft:gpt-4o-mini-2024-07-18:acme::AbC123"),
            ["ft:gpt-4o-mini-2024-07-18:acme::abc123", "ft:gpt-4o-mini-2024-07-18"]
        );
        assert_eq!(forms(" GPT-4o "), ["gpt-4o"]);
    }
}
