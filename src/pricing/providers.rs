//! Provider names as logs and price tables spell them, and the one name each stands for, so
//! a price entry and a call match whoever wrote them (LiteLLM's `gemini` and
//! `vertex_ai-language-models`, OpenTelemetry's `gcp.vertex_ai`, a log's `google` are all
//! Google). README "Providers" lists the table below.

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
];

/// The canonical name of a provider spelling; an unknown spelling is itself, lower-cased.
pub fn canonical(provider: &str) -> String {
    let lower = provider.trim().to_ascii_lowercase();
    SPELLINGS
        .iter()
        .find(|(_, spellings)| spellings.contains(&lower.as_str()))
        .map_or(lower, |(name, _)| name.to_string())
}

/// Whether two spellings name the same provider.
pub fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || canonical(a) == canonical(b)
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
    }
}
