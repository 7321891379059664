//! The price tables under `pricing/`, embedded at build time so the default run needs no
//! files and no network: the hand-curated tables first, then the long tail that
//! `scripts/gen-price-tables` generates from pinned public snapshots into
//! `pricing/generated/`. Curated entries win: the generator leaves out what they price, and
//! where a name is in both a curated and a generated table, the lookup takes the first.
//! Adding a provider means adding its file here.

/// `(file name, content)` of each built-in table, in lookup order: curated, then generated.
pub const TABLES: &[(&str, &str)] = &[
    ("openai.toml", include_str!("../../pricing/openai.toml")),
    ("anthropic.toml", include_str!("../../pricing/anthropic.toml")),
    ("google.toml", include_str!("../../pricing/google.toml")),
    ("deepseek.toml", include_str!("../../pricing/deepseek.toml")),
    ("bedrock.toml", include_str!("../../pricing/bedrock.toml")),
    ("generated/anthropic.toml", include_str!("../../pricing/generated/anthropic.toml")),
    ("generated/azure.toml", include_str!("../../pricing/generated/azure.toml")),
    ("generated/bedrock.toml", include_str!("../../pricing/generated/bedrock.toml")),
    ("generated/cohere.toml", include_str!("../../pricing/generated/cohere.toml")),
    ("generated/deepseek.toml", include_str!("../../pricing/generated/deepseek.toml")),
    ("generated/fireworks.toml", include_str!("../../pricing/generated/fireworks.toml")),
    ("generated/google.toml", include_str!("../../pricing/generated/google.toml")),
    ("generated/groq.toml", include_str!("../../pricing/generated/groq.toml")),
    ("generated/minimax.toml", include_str!("../../pricing/generated/minimax.toml")),
    ("generated/mistral.toml", include_str!("../../pricing/generated/mistral.toml")),
    ("generated/moonshot.toml", include_str!("../../pricing/generated/moonshot.toml")),
    ("generated/openai.toml", include_str!("../../pricing/generated/openai.toml")),
    ("generated/perplexity.toml", include_str!("../../pricing/generated/perplexity.toml")),
    ("generated/qwen.toml", include_str!("../../pricing/generated/qwen.toml")),
    ("generated/together.toml", include_str!("../../pricing/generated/together.toml")),
    ("generated/xai.toml", include_str!("../../pricing/generated/xai.toml")),
    ("generated/zhipu.toml", include_str!("../../pricing/generated/zhipu.toml")),
];

#[cfg(test)]
mod tests {
    use super::TABLES;
    use crate::pricing::PriceBook;

    #[test]
    fn builtin_tables_load() {
        let book = PriceBook::load(&[] as &[&str], true).expect("built-in tables must parse");
        assert!(book.models().len() > 20);
        for provider in ["openai", "anthropic", "google", "deepseek"] {
            assert!(book.models().iter().any(|m| m.provider == provider), "{provider} missing");
        }
    }

    /// Every table the generator wrote is embedded (a new provider's file is not forgotten).
    #[test]
    fn every_generated_table_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pricing/generated");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("generated/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> =
            TABLES.iter().filter(|(n, _)| n.starts_with("generated/")).map(|(n, _)| n.to_string()).collect();
        assert_eq!(embedded, on_disk);
    }
}
