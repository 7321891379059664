//! The `PriceBook`: every model's price versions, from the built-in tables and any
//! `--pricing` files, and the lookup of a call's model to the price in force at its time.

pub mod builtin;
pub mod diff;
pub mod genai_prices;
pub mod load;
pub mod providers;
pub mod rate;

use std::path::Path;

use anyhow::{bail, Context, Result};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

pub use rate::{Basis, ModalRates, PriceVersion, Rates, Tier};

/// One model of one provider and its price history.
#[derive(Clone, Debug)]
pub struct ModelPrice {
    pub provider: String,
    pub id: String,
    pub aliases: Vec<String>,
    /// Other entries (dated snapshots) that this alias stands for: the same model at its own
    /// price, so a call asking for the alias and served by a snapshot did not fall back.
    pub snapshots: Vec<String>,
    patterns: Vec<glob::Pattern>,
    /// Sorted by start date; windows do not overlap.
    pub versions: Vec<PriceVersion>,
}

impl ModelPrice {
    pub fn new(
        provider: &str,
        id: &str,
        aliases: Vec<String>,
        mut versions: Vec<PriceVersion>,
    ) -> Result<Self> {
        if versions.is_empty() {
            bail!("has no prices");
        }
        versions.sort_by_key(|v| v.from.unwrap_or(i64::MIN));
        for pair in versions.windows(2) {
            let end = pair[0].to.unwrap_or(i64::MAX);
            if end > pair[1].from.unwrap_or(i64::MIN) {
                bail!("price versions overlap in time");
            }
        }
        let patterns = aliases
            .iter()
            .filter(|a| a.contains(['*', '?', '[']))
            .map(|a| {
                glob::Pattern::new(&a.to_ascii_lowercase())
                    .with_context(|| format!("bad alias pattern {a:?}"))
            })
            .collect::<Result<_>>()?;
        Ok(ModelPrice {
            provider: provider.to_string(),
            id: id.to_string(),
            aliases,
            snapshots: Vec::new(),
            patterns,
            versions,
        })
    }

    pub fn version_at(&self, at_ms: i64) -> Option<&PriceVersion> {
        self.versions.iter().find(|v| v.covers(at_ms))
    }

    /// The rates a call at `at_ms` pays: the version in force on its date, in the time-of-day
    /// window it falls in.
    pub fn rates_at(&self, at_ms: i64) -> Option<&PriceVersion> {
        self.version_at(at_ms).map(|v| v.at_time_of_day(at_ms))
    }

    pub(crate) fn exact_names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.id).chain(self.aliases.iter().filter(|a| !a.contains(['*', '?', '['])))
    }
}

/// Something an imported table (LiteLLM, genai-prices) holds that was not imported, and why:
/// `pricing check` lists each, the report counts them in a note, so nothing is dropped silently.
#[derive(Clone, Debug)]
pub struct Skipped {
    /// The table file it is in.
    pub table: String,
    pub model: String,
    pub what: String,
}

/// Where a set of prices came from, for the report's provenance line.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceInfo {
    pub name: String,
    pub sha256: String,
}

/// All price tables, searched in order: user tables first, then the built-in ones.
#[derive(Debug)]
pub struct PriceBook {
    models: Vec<ModelPrice>,
    by_name: FxHashMap<String, Vec<usize>>,
    /// Snapshot entry → the alias entry that stands for it (same provider).
    alias_of: FxHashMap<usize, usize>,
    /// Entries `0..user_models` come from `--pricing` tables, which win over the built-in ones.
    user_models: usize,
    pub sources: Vec<SourceInfo>,
    /// What the imported tables hold that could not be imported, in file order.
    pub skipped: Vec<Skipped>,
}

impl PriceBook {
    /// The built-in tables plus `extra` files or directories, which take precedence.
    pub fn load(extra: &[impl AsRef<Path>], builtin: bool) -> Result<PriceBook> {
        let mut tables: Vec<(String, String)> = Vec::new();
        for path in extra {
            for file in table_files(path.as_ref())? {
                let text =
                    std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                tables.push((file.display().to_string(), text));
            }
        }
        let user_tables = tables.len();
        if builtin {
            tables.extend(builtin::TABLES.iter().map(|(n, t)| (format!("builtin:{n}"), t.to_string())));
        }
        Self::build(&tables, user_tables)
    }

    /// Builds a book from `(name, content)` pairs; a `.json` holding an array is a
    /// genai-prices data.json, an object LiteLLM's price map.
    pub fn from_texts(tables: &[(String, String)]) -> Result<PriceBook> {
        Self::build(tables, 0)
    }

    /// A book of `tables`, the first `user_tables` of them the user's (`--pricing`).
    fn build(tables: &[(String, String)], user_tables: usize) -> Result<PriceBook> {
        let mut models = Vec::new();
        let mut sources = Vec::new();
        let mut user_models = 0;
        let mut skipped = Vec::new();
        for (t, (name, text)) in tables.iter().enumerate() {
            if t == user_tables {
                user_models = models.len();
            }
            let (parsed, skips) = if name.ends_with(".json") && text.trim_start().starts_with('[') {
                genai_prices::parse(name, text)?
            } else if name.ends_with(".json") {
                load::parse_litellm(name, text)?
            } else {
                (load::parse_toml(name, text)?, Vec::new())
            };
            models.extend(parsed);
            skipped.extend(skips);
            sources.push(SourceInfo { name: name.clone(), sha256: hex_digest(text.as_bytes()) });
        }
        let mut by_name: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, m) in models.iter().enumerate() {
            for n in m.exact_names() {
                let list = by_name.entry(n.to_ascii_lowercase()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        let mut alias_of = FxHashMap::default();
        for (i, m) in models.iter().enumerate() {
            for s in &m.snapshots {
                let same_provider = by_name
                    .get(&s.to_ascii_lowercase())
                    .into_iter()
                    .flatten()
                    .find(|&&j| models[j].provider == m.provider && j != i);
                if let Some(&j) = same_provider {
                    alias_of.entry(j).or_insert(i);
                }
            }
        }
        if user_tables >= tables.len() {
            user_models = models.len();
        }
        Ok(PriceBook { models, by_name, alias_of, user_models, sources, skipped })
    }

    pub fn models(&self) -> &[ModelPrice] {
        &self.models
    }

    /// The entry `models()[i]` is the same model as: the alias entry that lists it among its
    /// `snapshots`, else itself (what `identity` returns, by index).
    pub fn identity_index(&self, i: usize) -> usize {
        self.alias_of.get(&i).copied().unwrap_or(i)
    }

    /// Whether `models()[i]` comes from a `--pricing` table (the user's prices win a lookup).
    pub fn is_user_entry(&self, i: usize) -> bool {
        i < self.user_models
    }

    /// One hash over every table's content: a report priced with the same hash used the same prices.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for s in &self.sources {
            h.update(s.name.as_bytes());
            h.update(s.sha256.as_bytes());
        }
        hex(&h.finalize())[..16].to_string()
    }

    /// The model a call's model string names, preferring `provider`'s entries: the first of
    /// its name forms (`providers::name_forms`) that some entry names exactly, else the
    /// entries whose glob alias matches one of the forms.
    pub fn lookup(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        let forms = providers::name_forms(model);
        for name in &forms {
            if let Some(list) = self.by_name.get(name.as_str()) {
                return Some(self.prefer(list.iter().copied(), provider));
            }
        }
        let matching = self
            .models
            .iter()
            .enumerate()
            .filter(|(_, m)| m.patterns.iter().any(|p| forms.iter().any(|f| p.matches(f))));
        let indices: Vec<usize> = matching.map(|(i, _)| i).collect();
        (!indices.is_empty()).then(|| self.prefer(indices.into_iter(), provider))
    }

    /// The model a name stands for: its price entry, or the alias entry that lists it among
    /// its `snapshots` (`gpt-4o-2024-08-06` → `gpt-4o`). Two names are the same model when
    /// their identities are the same entry.
    pub fn identity(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        let m = self.lookup(provider, model)?;
        let i = self.models.iter().position(|x| std::ptr::eq(x, m))?;
        Some(self.alias_of.get(&i).map_or(m, |&a| &self.models[a]))
    }

    /// Of the entries a name matches: a `--pricing` table's for the call's provider (however
    /// either spells it), else any `--pricing` table's (the user's price wins), else a
    /// built-in one for the provider, else the first.
    fn prefer(&self, candidates: impl Iterator<Item = usize> + Clone, provider: Option<&str>) -> &ModelPrice {
        let first = candidates.clone().next().expect("candidates are never empty");
        let same = |i: &usize| provider.is_some_and(|p| providers::same(&self.models[*i].provider, p));
        let user = |i: &usize| *i < self.user_models;
        let chosen = candidates
            .clone()
            .find(|i| user(i) && same(i))
            .or_else(|| candidates.clone().find(user))
            .or_else(|| candidates.clone().find(same))
            .unwrap_or(first);
        &self.models[chosen]
    }
}

/// The table files under `path`: the file itself, or a directory's *.toml and *.json, sorted.
fn table_files(path: &Path) -> Result<Vec<std::path::PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .with_context(|| format!("reading pricing directory {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn hex_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> PriceBook {
        let a = r#"provider = "a"
[[models]]
id = "shared"
aliases = ["fam-*"]
[[models.prices]]
input = 1
output = 1
"#;
        let b = r#"provider = "b"
[[models]]
id = "shared"
[[models.prices]]
input = 2
output = 2
"#;
        PriceBook::from_texts(&[("a.toml".into(), a.into()), ("b.toml".into(), b.into())]).unwrap()
    }

    #[test]
    fn exact_then_prefix_stripped_then_glob() {
        let book = book();
        assert_eq!(book.lookup(None, "SHARED").unwrap().provider, "a");
        assert_eq!(book.lookup(None, "b/shared").unwrap().provider, "a");
        assert_eq!(book.lookup(None, "fam-7").unwrap().id, "shared");
        assert!(book.lookup(None, "other").is_none());
    }

    #[test]
    fn provider_is_preferred_when_named() {
        assert_eq!(book().lookup(Some("b"), "shared").unwrap().provider, "b");
        assert_eq!(book().lookup(Some("zzz"), "shared").unwrap().provider, "a");
    }

    #[test]
    fn a_dated_snapshot_is_the_model_its_alias_lists_r20() {
        let t = r#"provider = "openai"
[[models]]
id = "gpt-4o"
snapshots = ["gpt-4o-2024-08-06"]
[[models.prices]]
input = 2.5
output = 10
[[models]]
id = "gpt-4o-2024-08-06"
[[models.prices]]
input = 2.5
output = 10
[[models]]
id = "gpt-4o-2024-11-20"
[[models.prices]]
input = 2.5
output = 10
"#;
        let book = PriceBook::from_texts(&[("o.toml".into(), t.into())]).unwrap();
        let id = |name: &str| book.identity(None, name).map(|m| m.id.as_str());
        assert_eq!(book.lookup(None, "gpt-4o-2024-08-06").unwrap().id, "gpt-4o-2024-08-06", "priced apart");
        assert_eq!(id("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(id("openai/GPT-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(id("gpt-4o-2024-11-20"), Some("gpt-4o-2024-11-20"), "never behind the alias");
        assert_eq!(id("nope"), None);
        let bad = t.replace("snapshots = [\"gpt-4o-2024-08-06\"]", "snapshots = [\"gpt-4o-2099\"]");
        let err = format!("{:#}", PriceBook::from_texts(&[("o.toml".into(), bad)]).unwrap_err());
        assert!(err.contains("snapshot \"gpt-4o-2099\" is not a model of this table"), "{err}");
    }

    /// A host's longer name with its own entry keeps it; without one, the name comes down to
    /// the model's entry (`providers::name_forms`).
    #[test]
    fn name_forms_reach_the_most_specific_entry() {
        let t = r#"provider = "bedrock"
[[models]]
id = "anthropic.m-v1:0"
aliases = ["m-*@*"]
[[models.prices]]
input = 5
output = 25
[[models]]
id = "eu.anthropic.m-v1:0"
[[models.prices]]
input = 5.5
output = 27.5
"#;
        let book = PriceBook::from_texts(&[("b.toml".into(), t.into())]).unwrap();
        let id = |name: &str| book.lookup(Some("aws"), name).map(|m| m.id.as_str());
        assert_eq!(id("EU.anthropic.m-v1:0"), Some("eu.anthropic.m-v1:0"));
        assert_eq!(id("us.anthropic.m-v1:0"), Some("anthropic.m-v1:0"));
        let arn = "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.anthropic.m-v1:0";
        assert_eq!(id(arn), Some("eu.anthropic.m-v1:0"));
        assert_eq!(id("bedrock/us-east-1/global.anthropic.m-v1:0"), Some("anthropic.m-v1:0"));
        // Globs are tried on every form, after every exact name.
        assert_eq!(id("vertex_ai/m-2@001"), Some("anthropic.m-v1:0"));
        assert_eq!(id("apac.other"), None);
    }

    #[test]
    fn hash_changes_with_content() {
        let one = book().hash();
        let other = PriceBook::from_texts(&[]).unwrap().hash();
        assert_ne!(one, other);
        assert_eq!(one.len(), 16);
    }
}
