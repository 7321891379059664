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

/// A name a team's logs use for a model, from a `--pricing` table's `[aliases]` section: an
/// Azure deployment (`prod-gpt4o-eu`) → the model it serves (`azure/gpt-4o-2024-08-06`). The
/// lookup resolves the alias before any table entry, so the user's map wins.
#[derive(Clone, Debug)]
pub struct UserAlias {
    /// The table file it is in.
    pub table: String,
    /// As written: an exact name, or a glob (`prod-*`), matched case-insensitively.
    pub name: String,
    /// A model name, resolved like a logged one (never through another alias).
    pub target: String,
    pattern: Option<glob::Pattern>,
}

impl UserAlias {
    pub fn new(table: &str, name: &str, target: &str) -> Result<Self> {
        if name.trim().is_empty() || target.trim().is_empty() {
            bail!("{table}: alias {name:?} = {target:?}: neither side may be empty");
        }
        let pattern = name
            .contains(['*', '?', '['])
            .then(|| glob::Pattern::new(&name.trim().to_ascii_lowercase()))
            .transpose()
            .with_context(|| format!("{table}: alias {name:?}: bad pattern"))?;
        Ok(UserAlias {
            table: table.to_string(),
            name: name.to_string(),
            target: target.to_string(),
            pattern,
        })
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
    /// The tables' `[aliases]`: exact names (lower-case) → index into `aliases`, then the
    /// globs in table order.
    aliases: Vec<UserAlias>,
    alias_names: FxHashMap<String, usize>,
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
        let mut aliases = Vec::new();
        for (t, (name, text)) in tables.iter().enumerate() {
            if t == user_tables {
                user_models = models.len();
            }
            let (parsed, skips) = if name.ends_with(".json") && text.trim_start().starts_with('[') {
                genai_prices::parse(name, text)?
            } else if name.ends_with(".json") {
                load::parse_litellm(name, text)?
            } else {
                let (models, table_aliases) = load::parse_toml_table(name, text)?;
                aliases.extend(table_aliases);
                (models, Vec::new())
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
        let alias_names = alias_index(&aliases)?;
        let book =
            PriceBook { models, by_name, alias_of, user_models, aliases, alias_names, sources, skipped };
        for a in &book.aliases {
            if book.lookup_name(None, &a.target).is_none() {
                bail!(
                    "{}: alias {:?}: its target {:?} is not a model of any price table",
                    a.table,
                    a.name,
                    a.target
                );
            }
        }
        Ok(book)
    }

    /// The `[aliases]` of every table, in table order.
    pub fn aliases(&self) -> &[UserAlias] {
        &self.aliases
    }

    /// The user alias a logged model name is: an exact alias of any of its name forms
    /// (`azure/prod-gpt4o-eu` is `prod-gpt4o-eu`), else the first glob alias matching one.
    pub fn alias_for(&self, model: &str) -> Option<&UserAlias> {
        if self.aliases.is_empty() {
            return None;
        }
        let forms = providers::name_forms(model);
        let exact = forms.iter().find_map(|f| self.alias_names.get(f.as_str()));
        let i = exact.copied().or_else(|| {
            self.aliases
                .iter()
                .position(|a| a.pattern.as_ref().is_some_and(|p| forms.iter().any(|f| p.matches(f))))
        })?;
        Some(&self.aliases[i])
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
    /// A user alias (`[aliases]` in a `--pricing` table) is resolved first: the name then
    /// stands for its target.
    pub fn lookup(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        match self.alias_for(model) {
            Some(a) => self.lookup_name(provider, &a.target),
            None => self.lookup_name(provider, model),
        }
    }

    fn lookup_name(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
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

/// Exact alias names (lower-case) → their index. One name given two targets is an error naming
/// both tables: which one a log meant cannot be guessed.
fn alias_index(aliases: &[UserAlias]) -> Result<FxHashMap<String, usize>> {
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    for (i, a) in aliases.iter().enumerate().filter(|(_, a)| a.pattern.is_none()) {
        let key = a.name.trim().to_ascii_lowercase();
        if let Some(&j) = index.get(&key) {
            let b = &aliases[j];
            if !b.target.eq_ignore_ascii_case(&a.target) {
                bail!(
                    "alias {:?} is {:?} in {} but {:?} in {}",
                    a.name,
                    b.target,
                    b.table,
                    a.target,
                    a.table
                );
            }
            continue;
        }
        index.insert(key, i);
    }
    Ok(index)
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

    const A: &str = r#"provider = "a"
[[models]]
id = "shared"
aliases = ["fam-*"]
[[models.prices]]
input = 1
output = 1
"#;
    const B: &str = r#"provider = "b"
[[models]]
id = "shared"
[[models.prices]]
input = 2
output = 2
"#;

    fn book() -> PriceBook {
        PriceBook::from_texts(&[("a.toml".into(), A.into()), ("b.toml".into(), B.into())]).unwrap()
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

    /// `[aliases]` (#11): a deployment name stands for its target, before any table entry, on
    /// any of its name forms; globs after exact names; the target resolves like a logged name.
    #[test]
    fn user_aliases_resolve_before_the_tables() {
        let aliases = r#"[aliases]
"prod-eu" = "b/shared"
"shared" = "fam-1"
"night-*" = "shared"
"night-special" = "fam-2"
"#;
        let book = |user: &str| {
            let tables = [
                ("user.toml".into(), user.to_string()),
                ("a.toml".into(), A.into()),
                ("b.toml".into(), B.into()),
            ];
            PriceBook::build(&tables, 1)
        };
        let book = book(aliases).unwrap();
        let id =
            |p: Option<&str>, name: &str| book.lookup(p, name).map(|m| (m.provider.as_str(), m.id.as_str()));
        assert_eq!(id(None, "PROD-EU"), Some(("a", "shared")), "target b/shared, no provider: first table");
        assert_eq!(id(Some("b"), "azure/prod-eu"), Some(("b", "shared")), "a name form; the call's provider");
        // The alias "shared" wins over the entries named shared: it goes to fam-1's glob entry.
        assert_eq!(book.alias_for("shared").map(|a| a.target.as_str()), Some("fam-1"));
        assert_eq!(book.alias_for("night-1").map(|a| a.name.as_str()), Some("night-*"));
        assert_eq!(book.alias_for("night-special").map(|a| a.target.as_str()), Some("fam-2"), "exact first");
        assert!(book.alias_for("nightly").is_none());
        assert_eq!(book.identity(Some("b"), "prod-eu").map(|m| m.provider.as_str()), Some("b"));
    }

    #[test]
    fn a_bad_alias_names_its_file() {
        let build = |tables: &[(&str, &str)]| {
            let tables: Vec<(String, String)> =
                tables.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
            PriceBook::build(&tables, tables.len() - 1).map(|_| ()).map_err(|e| format!("{e:#}"))
        };
        let err = build(&[("u.toml", "[aliases]\n\"d\" = \"nope\"\n"), ("a.toml", A)]).unwrap_err();
        assert_eq!(err, "u.toml: alias \"d\": its target \"nope\" is not a model of any price table");
        // An alias is never followed to another alias: a target must be a model.
        let chain = "[aliases]\n\"d\" = \"e\"\n\"e\" = \"shared\"\n";
        assert!(build(&[("u.toml", chain), ("a.toml", A)])
            .unwrap_err()
            .contains("alias \"d\": its target \"e\""));
        let twice = [
            ("u.toml", "[aliases]\n\"d\" = \"shared\"\n"),
            ("v.toml", "[aliases]\n\"D\" = \"fam-1\"\n"),
            ("a.toml", A),
        ];
        let err = build(&twice).unwrap_err();
        assert_eq!(err, "alias \"D\" is \"shared\" in u.toml but \"fam-1\" in v.toml");
        let same = [
            ("u.toml", "[aliases]\n\"d\" = \"shared\"\n"),
            ("v.toml", "[aliases]\n\"d\" = \"SHARED\"\n"),
            ("a.toml", A),
        ];
        assert!(build(&same).is_ok());
    }

    #[test]
    fn hash_changes_with_content() {
        let one = book().hash();
        let other = PriceBook::from_texts(&[]).unwrap().hash();
        assert_ne!(one, other);
        assert_eq!(one.len(), 16);
    }
}
