//! The price tables under `pricing/`, embedded at build time so the default run needs no
//! files and no network. Adding a provider means adding its file here.

/// `(file name, content)` of each built-in table, in lookup order.
pub const TABLES: &[(&str, &str)] = &[
    ("openai.toml", include_str!("../../pricing/openai.toml")),
    ("anthropic.toml", include_str!("../../pricing/anthropic.toml")),
    ("google.toml", include_str!("../../pricing/google.toml")),
    ("deepseek.toml", include_str!("../../pricing/deepseek.toml")),
];

#[cfg(test)]
mod tests {
    use crate::pricing::PriceBook;

    #[test]
    fn builtin_tables_load() {
        let book = PriceBook::load(&[] as &[&str], true).expect("built-in tables must parse");
        assert!(book.models().len() > 20);
        for provider in ["openai", "anthropic", "google", "deepseek"] {
            assert!(book.models().iter().any(|m| m.provider == provider), "{provider} missing");
        }
    }
}
