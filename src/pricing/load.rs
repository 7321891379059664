//! Reads price tables: llmcost's TOML (docs/pricing-format.md) and LiteLLM's
//! `model_prices_and_context_window.json`. Errors name the file, the model and the field.

use crate::time::parse_date;
use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use super::rate::{Basis, ModalRates, PriceVersion, Rates, Tier, MODAL_NAMES};
use super::{ModelPrice, Skipped, UserAlias};
use crate::money::Rate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    /// Required when the file has models; a file of `[aliases]` alone needs none.
    #[serde(default)]
    provider: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    checked: String,
    #[serde(default)]
    models: Vec<ModelToml>,
    /// A team's names for models (Azure deployments) → the model each serves.
    #[serde(default)]
    aliases: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelToml {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    /// Dated snapshots this (undated) alias has stood for: separate price entries, the same model.
    #[serde(default)]
    snapshots: Vec<String>,
    #[serde(default)]
    prices: Vec<PriceToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceToml {
    effective_from: Option<String>,
    effective_to: Option<String>,
    input: Option<toml::Value>,
    output: Option<toml::Value>,
    cache_read: Option<toml::Value>,
    cache_write: Option<toml::Value>,
    cache_write_1h: Option<toml::Value>,
    input_audio: Option<toml::Value>,
    cache_audio_read: Option<toml::Value>,
    output_audio: Option<toml::Value>,
    output_image: Option<toml::Value>,
    batch_multiplier: Option<toml::Value>,
    source: Option<String>,
    checked: Option<String>,
    note: Option<String>,
    #[serde(default)]
    tiers: Vec<TierToml>,
    #[serde(default)]
    windows: Vec<WindowToml>,
}

/// Rates in force at some hours of every day (UTC), e.g. an off-peak discount.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowToml {
    start: String,
    end: String,
    input: Option<toml::Value>,
    output: Option<toml::Value>,
    cache_read: Option<toml::Value>,
    cache_write: Option<toml::Value>,
    cache_write_1h: Option<toml::Value>,
    input_audio: Option<toml::Value>,
    cache_audio_read: Option<toml::Value>,
    output_audio: Option<toml::Value>,
    output_image: Option<toml::Value>,
    #[serde(default)]
    tiers: Vec<TierToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierToml {
    threshold: u64,
    #[serde(default)]
    basis: Option<String>,
    input: Option<toml::Value>,
    output: Option<toml::Value>,
    cache_read: Option<toml::Value>,
    cache_write: Option<toml::Value>,
    cache_write_1h: Option<toml::Value>,
    input_audio: Option<toml::Value>,
    cache_audio_read: Option<toml::Value>,
    output_audio: Option<toml::Value>,
    output_image: Option<toml::Value>,
}

/// Parses one llmcost TOML table. `name` is used in error messages.
pub fn parse_toml(name: &str, text: &str) -> Result<Vec<ModelPrice>> {
    Ok(parse_toml_table(name, text)?.0)
}

/// Parses one llmcost TOML table: its models and its `[aliases]` (in name order; whether
/// each target exists is checked once every table is read).
pub fn parse_toml_table(name: &str, text: &str) -> Result<(Vec<ModelPrice>, Vec<UserAlias>)> {
    let file: FileToml = toml::from_str(text).with_context(|| format!("{name}: invalid price table"))?;
    if file.provider.is_empty() && !file.models.is_empty() {
        bail!("{name}: missing field provider (required when the table has models)");
    }
    let mut aliases = Vec::with_capacity(file.aliases.len());
    for (alias, target) in &file.aliases {
        let Some(target) = target.as_str() else {
            bail!("{name}: alias {alias:?}: expected a model name (a string), found {}", target.type_str());
        };
        aliases.push(UserAlias::new(name, alias, target)?);
    }
    let mut models = Vec::with_capacity(file.models.len());
    for m in file.models {
        let ctx = || format!("{name}: model {:?}", m.id);
        let mut versions = Vec::with_capacity(m.prices.len());
        for (i, p) in m.prices.into_iter().enumerate() {
            let v = price_version(p, &file.source, &file.checked)
                .with_context(|| format!("{}: price #{}", ctx(), i + 1))?;
            versions.push(v);
        }
        let mut model = ModelPrice::new(&file.provider, &m.id, m.aliases, versions).with_context(ctx)?;
        model.snapshots = m.snapshots;
        models.push(model);
    }
    check_unique_names(name, &models)?;
    check_snapshots(name, &models)?;
    Ok((models, aliases))
}

fn price_version(p: PriceToml, file_source: &str, file_checked: &str) -> Result<PriceVersion> {
    let modal = modal_rates([&p.input_audio, &p.cache_audio_read, &p.output_audio, &p.output_image])?;
    let base = rates(&p.input, &p.output, [&p.cache_read, &p.cache_write, &p.cache_write_1h], modal)?;
    let tiers = tiers(&p.tiers, modal)?;
    let mut windows = Vec::with_capacity(p.windows.len());
    for w in &p.windows {
        let ctx = || format!("window {}-{}", w.start, w.end);
        let start = super::rate::parse_hhmm(&w.start).with_context(|| format!("{}: field start", ctx()))?;
        let end = super::rate::parse_hhmm(&w.end).with_context(|| format!("{}: field end", ctx()))?;
        let own = modal_rates([&w.input_audio, &w.cache_audio_read, &w.output_audio, &w.output_image])
            .with_context(ctx)?;
        let w_modal = own.or(modal);
        let base = rates(&w.input, &w.output, [&w.cache_read, &w.cache_write, &w.cache_write_1h], w_modal)
            .with_context(ctx)?;
        windows.push((start, end, base, self::tiers(&w.tiers, w_modal).with_context(ctx)?));
    }
    let batch_multiplier = match &p.batch_multiplier {
        // A discount: above 1 no provider charges, and the cap keeps every batch cost exact.
        Some(v) => match rate_value(v).context("field batch_multiplier")? {
            m if m > Rate::parse("1")? => bail!("field batch_multiplier: must be at most 1, a discount"),
            m => m,
        },
        None => Rate::parse("0.5")?,
    };
    let from =
        p.effective_from.as_deref().map(|d| parse_date(d).context("field effective_from")).transpose()?;
    let to = p.effective_to.as_deref().map(|d| parse_date(d).context("field effective_to")).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            bail!("effective_to must be after effective_from");
        }
    }
    PriceVersion {
        from,
        to,
        base,
        tiers,
        batch_multiplier,
        source: p.source.unwrap_or_else(|| file_source.to_string()),
        checked: p.checked.unwrap_or_else(|| file_checked.to_string()),
        note: p.note.unwrap_or_default(),
        windows: Vec::new(),
    }
    .with_windows(windows)
}

/// Long-context tiers, thresholds strictly increasing. A modality rate a tier does not
/// name is `base`'s (the version's own modality rates), else the tier's text rate.
fn tiers(list: &[TierToml], base: ModalRates) -> Result<Vec<Tier>> {
    let mut tiers = Vec::with_capacity(list.len());
    for t in list {
        let basis = match t.basis.as_deref() {
            None | Some("input") => Basis::Input,
            Some("total") => Basis::Total,
            Some(other) => bail!("tier {}: basis must be \"input\" or \"total\", not {other:?}", t.threshold),
        };
        let ctx = || format!("tier {}", t.threshold);
        let own = modal_rates([&t.input_audio, &t.cache_audio_read, &t.output_audio, &t.output_image])
            .with_context(ctx)?;
        let cache = [&t.cache_read, &t.cache_write, &t.cache_write_1h];
        let tier_rates = rates(&t.input, &t.output, cache, own.or(base)).with_context(ctx)?;
        tiers.push(Tier { threshold: t.threshold, basis, rates: tier_rates });
    }
    if tiers.windows(2).any(|w| w[0].threshold >= w[1].threshold) {
        bail!("tier thresholds must be strictly increasing");
    }
    Ok(tiers)
}

/// Resolves the fallbacks: cache rates default to input, 1-hour writes to 5-minute writes,
/// a modality without a rate in `modal` to the text rate of its class.
fn rates(
    input: &Option<toml::Value>,
    output: &Option<toml::Value>,
    [cache_read, cache_write, cache_write_1h]: [&Option<toml::Value>; 3],
    modal: ModalRates,
) -> Result<Rates> {
    let required = |v: &Option<toml::Value>, field: &str| -> Result<Rate> {
        let v = v.as_ref().ok_or_else(|| anyhow!("missing field {field}"))?;
        rate_value(v).with_context(|| format!("field {field}"))
    };
    let optional = |v: &Option<toml::Value>, field: &str| -> Result<Option<Rate>> {
        v.as_ref().map(|v| rate_value(v).with_context(|| format!("field {field}"))).transpose()
    };
    let input = required(input, "input")?;
    let output = required(output, "output")?;
    let cache_read = optional(cache_read, "cache_read")?.unwrap_or(input);
    let cache_write = optional(cache_write, "cache_write")?.unwrap_or(input);
    let cache_write_1h = optional(cache_write_1h, "cache_write_1h")?.unwrap_or(cache_write);
    Ok(Rates::text(input, output, cache_read, cache_write, cache_write_1h).with_modal(modal))
}

/// The modality rates a price, tier or window names (`rate::MODAL_NAMES` order).
fn modal_rates(fields: [&Option<toml::Value>; 4]) -> Result<ModalRates> {
    let [input_audio, cache_audio_read, output_audio, output_image] =
        std::array::from_fn(|i| fields[i].as_ref().map(rate_value).transpose());
    let named = |r: Result<Option<Rate>>, i: usize| r.with_context(|| format!("field {}", MODAL_NAMES[i]));
    Ok(ModalRates {
        input_audio: named(input_audio, 0)?,
        cache_audio_read: named(cache_audio_read, 1)?,
        output_audio: named(output_audio, 2)?,
        output_image: named(output_image, 3)?,
    })
}

/// A TOML number or string read as an exact decimal. Floats go through their shortest
/// round-trip text (`0.075`), which is the number the author wrote.
fn rate_value(v: &toml::Value) -> Result<Rate> {
    let rate = match v {
        toml::Value::Integer(i) => Rate::parse(&i.to_string())?,
        toml::Value::Float(f) => Rate::parse(&f.to_string())?,
        toml::Value::String(s) => Rate::parse(s)?,
        other => bail!("expected a number, found {}", other.type_str()),
    };
    if rate < Rate::default() {
        bail!("must not be negative");
    }
    Ok(rate)
}

fn check_unique_names(name: &str, models: &[ModelPrice]) -> Result<()> {
    let mut seen: BTreeMap<(String, String), &str> = BTreeMap::new();
    for m in models {
        for n in std::iter::once(&m.id).chain(&m.aliases) {
            let key = (m.provider.clone(), n.to_ascii_lowercase());
            if let Some(other) = seen.insert(key, &m.id) {
                if other != m.id {
                    bail!("{name}: name {n:?} is claimed by both {other:?} and {:?}", m.id);
                }
            }
        }
    }
    Ok(())
}

/// Each snapshot names another model of the same table, and no snapshot is claimed twice.
fn check_snapshots(name: &str, models: &[ModelPrice]) -> Result<()> {
    let mut claimed: BTreeMap<String, &str> = BTreeMap::new();
    for m in models {
        for s in &m.snapshots {
            let lower = s.to_ascii_lowercase();
            let target = models.iter().find(|o| o.exact_names().any(|n| n.eq_ignore_ascii_case(s)));
            match target {
                None => bail!("{name}: model {:?}: snapshot {s:?} is not a model of this table", m.id),
                Some(t) if t.id == m.id => {
                    bail!("{name}: model {:?}: snapshot {s:?} is the model itself", m.id)
                }
                Some(_) => {}
            }
            if let Some(other) = claimed.insert(lower, &m.id) {
                bail!("{name}: snapshot {s:?} is claimed by both {other:?} and {:?}", m.id);
            }
        }
    }
    Ok(())
}

/// Reads LiteLLM's price map as-is: per-token USD floats, `*_above_<N>k_tokens` tiers. An
/// entry without both token prices is listed as skipped, never dropped silently.
pub fn parse_litellm(name: &str, text: &str) -> Result<(Vec<ModelPrice>, Vec<Skipped>)> {
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(text).with_context(|| format!("{name}: not a LiteLLM price map"))?;
    let mut models = Vec::new();
    let mut skipped = Vec::new();
    for (model, entry) in &map {
        let obj = entry.as_object();
        let prices =
            obj.and_then(|o| Some((o, o.get("input_cost_per_token")?, o.get("output_cost_per_token")?)));
        let Some((obj, input, output)) = prices else {
            // Images, audio, embeddings without an output price, `sample_spec`.
            let what = "no input_cost_per_token and output_cost_per_token: the entry is not imported";
            skipped.push(Skipped { table: name.to_string(), model: model.clone(), what: what.to_string() });
            continue;
        };
        let version =
            litellm_version(obj, input, output).with_context(|| format!("{name}: model {model:?}"))?;
        if obj.contains_key("off_peak_pricing") {
            // Off-peak hours per weekday (DeepSeek V4): windows here have no weekdays yet.
            let what = "off_peak_pricing (off-peak rates by weekday and UTC hour) is not imported: \
                        every hour is priced at the standard rates";
            skipped.push(Skipped { table: name.to_string(), model: model.clone(), what: what.to_string() });
        }
        // Other prices of the entry (service tiers, batch-only rates, per image, per query, per
        // second…) have no place in the table: each is listed, never ignored silently.
        for field in obj.keys().filter(|k| k.contains("cost") && !litellm_reads(k)) {
            let what = format!("price field {field} is not imported");
            skipped.push(Skipped { table: name.to_string(), model: model.clone(), what });
        }
        let provider = obj.get("litellm_provider").and_then(|p| p.as_str()).unwrap_or("litellm");
        models.push(ModelPrice::new(provider, model, Vec::new(), vec![version])?);
    }
    Ok((models, skipped))
}

/// The per-token rates `litellm_version` reads, also as a tier's `…_above_<N>k_tokens`.
const LITELLM_RATES: [&str; 9] = [
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_creation_input_token_cost",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost_above_1hr",
    "input_cost_per_audio_token",
    "cache_read_input_audio_token_cost",
    "output_cost_per_audio_token",
    "output_cost_per_image_token",
];

fn litellm_reads(field: &str) -> bool {
    let base = field
        .rsplit_once("_above_")
        .filter(|(_, n)| n.strip_suffix("k_tokens").is_some_and(|n| n.parse::<u64>().is_ok()))
        .map_or(field, |(base, _)| base);
    LITELLM_RATES.contains(&base)
}

fn litellm_version(
    obj: &serde_json::Map<String, serde_json::Value>,
    input: &serde_json::Value,
    output: &serde_json::Value,
) -> Result<PriceVersion> {
    // LiteLLM accepts a rate written as a string (`"1e-6"`) as well as a number.
    let per_token = |v: &serde_json::Value, field: &str| -> Result<Rate> {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        Rate::parse_per_token(&text).with_context(|| format!("field {field}"))
    };
    let opt = |field: &str| {
        obj.get(field).filter(|v| v.is_number() || v.is_string()).map(|v| per_token(v, field)).transpose()
    };
    let input = per_token(input, "input_cost_per_token")?;
    let cache_write = opt("cache_creation_input_token_cost")?.unwrap_or(input);
    let cache_read = opt("cache_read_input_token_cost")?.unwrap_or(input);
    let output = per_token(output, "output_cost_per_token")?;
    let write_1h = opt("cache_creation_input_token_cost_above_1hr")?.unwrap_or(cache_write);
    let modal = ModalRates {
        input_audio: opt("input_cost_per_audio_token")?,
        cache_audio_read: opt("cache_read_input_audio_token_cost")?,
        output_audio: opt("output_cost_per_audio_token")?,
        output_image: opt("output_cost_per_image_token")?,
    };
    let base = Rates::text(input, output, cache_read, cache_write, write_1h).with_modal(modal);
    // A tier is named by any rate "…_above_<N>k_tokens": on input, or on output alone (the
    // input rate then stays the base one); none is dropped.
    let mut thresholds: Vec<u64> = obj
        .keys()
        .filter_map(|key| {
            let rest = key
                .strip_prefix("input_cost_per_token_above_")
                .or_else(|| key.strip_prefix("output_cost_per_token_above_"))?;
            rest.strip_suffix("k_tokens")?.parse::<u64>().ok()
        })
        .collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let mut tiers = Vec::new();
    for threshold in thresholds {
        let suffix = format!("_above_{threshold}k_tokens");
        let field = |f: &str| opt(&format!("{f}{suffix}"));
        let tier_input = field("input_cost_per_token")?.unwrap_or(base.input);
        let tier_write = field("cache_creation_input_token_cost")?.unwrap_or(tier_input);
        let rates = Rates::text(
            tier_input,
            field("output_cost_per_token")?.unwrap_or(base.output),
            field("cache_read_input_token_cost")?.unwrap_or(tier_input),
            tier_write,
            field("cache_creation_input_token_cost_above_1hr")?.unwrap_or(tier_write),
        );
        // A modality rate the tier does not name stays the base one, as output does; with no
        // base one either, the tier's text rate.
        let tier_modal = ModalRates {
            input_audio: field("input_cost_per_audio_token")?.or(modal.input_audio),
            cache_audio_read: field("cache_read_input_audio_token_cost")?.or(modal.cache_audio_read),
            output_audio: field("output_cost_per_audio_token")?.or(modal.output_audio),
            output_image: field("output_cost_per_image_token")?.or(modal.output_image),
        };
        tiers.push(Tier {
            threshold: threshold * 1000,
            basis: Basis::Input,
            rates: rates.with_modal(tier_modal),
        });
    }
    tiers.sort_by_key(|t| t.threshold);
    Ok(PriceVersion {
        from: None,
        to: None,
        base,
        tiers,
        batch_multiplier: Rate::parse("0.5")?,
        source: "LiteLLM model_prices_and_context_window.json".to_string(),
        checked: String::new(),
        note: String::new(),
        windows: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"
provider = "acme"
source = "https://acme.test/pricing"
[[models]]
id = "m1"
aliases = ["m1-2025", "m1-preview-*"]
[[models.prices]]
effective_to = "2025-06-01"
input = 2.0
output = "8"
[[models.prices]]
effective_from = "2025-06-01"
input = 1.0
output = 8.0
cache_write = 1.25
[[models.prices.tiers]]
threshold = 1000
input = 2
output = 16
"#;

    #[test]
    fn reads_versions_and_fallbacks() {
        let models = parse_toml("t.toml", TABLE).unwrap();
        assert_eq!(models.len(), 1);
        let m = &models[0];
        assert_eq!(m.versions.len(), 2);
        let v2 = &m.versions[1];
        assert_eq!(v2.base.cache_read.to_string(), "1", "cache_read falls back to input");
        assert_eq!(v2.base.cache_write_1h.to_string(), "1.25", "1h write falls back to 5m write");
        assert_eq!(v2.tiers[0].rates.cache_write.to_string(), "2", "tier falls back to its own input");
        assert_eq!(v2.source, "https://acme.test/pricing");
    }

    #[test]
    fn errors_name_file_model_and_field() {
        let bad = TABLE.replace("output = \"8\"", "output = \"eight\"");
        let err = format!("{:#}", parse_toml("t.toml", &bad).unwrap_err());
        assert!(err.contains("t.toml: model \"m1\""), "{err}");
        assert!(err.contains("field output"), "{err}");
        let missing = TABLE.replace("output = \"8\"", "");
        let err = format!("{:#}", parse_toml("t.toml", &missing).unwrap_err());
        assert!(err.contains("missing field output"), "{err}");
    }

    /// A batch "discount" above 1 is refused: it is no provider's price, and at most 1 every
    /// batch cost stays exact (#12).
    #[test]
    fn a_batch_multiplier_above_one_is_refused_r12() {
        let at = |m: &str| TABLE.replacen("input = 2.0", &format!("input = 2.0\nbatch_multiplier = {m}"), 1);
        assert!(parse_toml("t.toml", &at("1.0")).is_ok());
        let err = format!("{:#}", parse_toml("t.toml", &at("1000")).unwrap_err());
        assert!(err.contains("model \"m1\"") && err.contains("batch_multiplier: must be at most 1"), "{err}");
    }

    #[test]
    fn windows_read_with_their_own_fallbacks_and_tiers() {
        let t = format!(
            "{TABLE}[[models.prices.windows]]\nstart = \"16:30\"\nend = \"00:30:00Z\"\ninput = 0.5\noutput = 4\n\
             [[models.prices.windows.tiers]]\nthreshold = 1000\ninput = 1\noutput = 8\n"
        );
        let models = parse_toml("t.toml", &t).unwrap();
        let v = &models[0].versions[1];
        assert_eq!((v.windows.len(), v.windows[0].span()), (1, "16:30-00:30".to_string()));
        let w = &v.windows[0].version;
        assert_eq!(w.base.cache_read.to_string(), "0.5", "a window's cache rate falls back to its input");
        assert_eq!(w.base.cache_write.to_string(), "0.5", "not to the version's cache_write 1.25");
        assert_eq!((w.tiers.len(), w.tiers[0].rates.output.to_string()), (1, "8".to_string()));
        assert_eq!((w.from, w.batch_multiplier), (v.from, v.batch_multiplier), "dates and batch kept");
        let bad = t.replace("start = \"16:30\"", "start = \"4pm\"");
        let err = format!("{:#}", parse_toml("t.toml", &bad).unwrap_err());
        assert!(err.contains("t.toml: model \"m1\": price #2: window 4pm-00:30:00Z: field start"), "{err}");
        let overlap = format!(
            "{t}[[models.prices.windows]]\nstart = \"00:00\"\nend = \"01:00\"\ninput = 1\noutput = 1\n"
        );
        let err = format!("{:#}", parse_toml("t.toml", &overlap).unwrap_err());
        assert!(err.contains("window 00:00-01:00 overlaps another window"), "{err}");
    }

    #[test]
    fn aliases_read_alone_or_beside_models() {
        let (models, aliases) =
            parse_toml_table("d.toml", "[aliases]\n\"prod-eu\" = \"azure/gpt-4o\"\n").unwrap();
        assert!(models.is_empty());
        assert_eq!((aliases[0].name.as_str(), aliases[0].target.as_str()), ("prod-eu", "azure/gpt-4o"));
        let (models, aliases) =
            parse_toml_table("t.toml", &format!("{TABLE}[aliases]\n\"d-*\" = \"m1\"\n")).unwrap();
        assert_eq!((models.len(), aliases.len()), (1, 1));
        let err = |text: &str| format!("{:#}", parse_toml_table("d.toml", text).unwrap_err());
        assert!(err("[aliases]\n\"d\" = 4\n")
            .contains("d.toml: alias \"d\": expected a model name (a string), found integer"));
        assert!(err("[aliases]\n\"d\" = \"\"\n")
            .contains("d.toml: alias \"d\" = \"\": neither side may be empty"));
        assert!(err("[aliases]\n\"d[\" = \"m\"\n").contains("d.toml: alias \"d[\": bad pattern"));
        let no_provider = TABLE.replace("provider = \"acme\"", "");
        assert!(err(&no_provider).contains("d.toml: missing field provider"));
    }

    #[test]
    fn overlapping_versions_are_rejected() {
        let bad = TABLE.replace("effective_from = \"2025-06-01\"", "effective_from = \"2025-05-01\"");
        let err = format!("{:#}", parse_toml("t.toml", &bad).unwrap_err());
        assert!(err.contains("overlap"), "{err}");
    }

    #[test]
    fn reads_litellm_per_token_prices_and_tiers() {
        let json = r#"{
          "sample_spec": {"input_cost_per_token": 0, "mode": "chat"},
          "claude-x": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
            "cache_creation_input_token_cost_above_1hr": 6e-06,
            "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
            "input_cost_per_token_priority": 5e-06, "search_context_cost_per_query": {"high": 0.01},
            "litellm_provider": "anthropic"},
          "ds-v4": {"input_cost_per_token": 3e-07, "output_cost_per_token": 1.2e-06, "litellm_provider": "deepseek",
            "off_peak_pricing": {"input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07,
              "windows": [{"hours_utc": "00:00-00:00", "weekdays": [6, 7]}]}}
        }"#;
        let (models, skipped) = parse_litellm("prices.json", json).unwrap();
        assert_eq!(models.len(), 2);
        // Listed, not dropped silently: claude-x's priority-tier and per-query prices (its
        // tiered 1-hour write is read); sample_spec has no output price; ds-v4's off-peak
        // rates cannot be expressed yet (it is imported at its standard rates).
        let what: Vec<(&str, &str)> = skipped.iter().map(|s| (s.model.as_str(), s.what.as_str())).collect();
        let want = [
            ("claude-x", "price field input_cost_per_token_priority is not imported"),
            ("claude-x", "price field search_context_cost_per_query is not imported"),
            ("ds-v4", "off_peak_pricing (off-peak rates by weekday"),
            ("sample_spec", "no input_cost_per_token and output_cost_per_token"),
        ];
        assert_eq!(what.len(), want.len(), "{what:?}");
        for ((model, got), (m, w)) in what.iter().zip(want) {
            assert!(*model == m && got.starts_with(w), "{model}: {got}");
        }
        assert_eq!(models[0].versions[0].tiers[0].rates.cache_write_1h.to_string(), "12");
        let v = &models[0].versions[0];
        assert_eq!(models[0].provider, "anthropic");
        assert_eq!(v.base.input.to_string(), "3");
        assert_eq!(v.base.cache_write_1h.to_string(), "6");
        assert_eq!(v.tiers[0].threshold, 200_000);
        assert_eq!(v.tiers[0].rates.output.to_string(), "22.5");
    }

    /// The modality fields of each format (issue #11), with their fallbacks.
    #[test]
    fn modality_rates_and_their_fallbacks_r11() {
        let t = r#"provider = "google"
[[models]]
id = "g"
[[models.prices]]
input = 0.3
output = 2.5
cache_read = 0.03
input_audio = 1.0
output_image = "30"
[[models.prices.tiers]]
threshold = 200000
input = 0.6
output = 5.0
[[models.prices.tiers]]
threshold = 400000
input = 0.9
output = 7.5
input_audio = 2.0
"#;
        let v = &parse_toml("g.toml", t).unwrap()[0].versions[0];
        let modal = |r: &Rates| r.modal().map(|m| m.to_string());
        // cache_audio_read and output_audio are not given: the cache-read and output rates.
        assert_eq!(modal(&v.base), ["1", "0.03", "2.5", "30"]);
        // A tier keeps the version's own modality rates, unless it names its own; a modality
        // the version does not price apart costs the tier's text rate.
        assert_eq!(modal(&v.tiers[0].rates), ["1", "0.6", "5", "30"]);
        assert_eq!(modal(&v.tiers[1].rates), ["2", "0.9", "7.5", "30"]);
        let bad = t.replace("output_image = \"30\"", "output_image = -1");
        let err = format!("{:#}", parse_toml("g.toml", &bad).unwrap_err());
        assert!(err.contains("field output_image: must not be negative"), "{err}");

        let json = r#"{"gpt-audio": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
            "input_cost_per_audio_token": 4e-05, "output_cost_per_audio_token": 8e-05, "litellm_provider": "openai"},
          "gemini-image": {"input_cost_per_token": 3e-07, "output_cost_per_token": 2.5e-06,
            "cache_read_input_token_cost": 3e-08, "cache_read_input_audio_token_cost": 1e-07,
            "output_cost_per_image_token": 3e-05, "litellm_provider": "gemini"}}"#;
        let (models, _) = parse_litellm("prices.json", json).unwrap();
        let rates = |id: &str| modal(&models.iter().find(|m| m.id == id).unwrap().versions[0].base);
        assert_eq!(rates("gpt-audio"), ["40", "2.5", "80", "10"]);
        assert_eq!(rates("gemini-image"), ["0.3", "0.1", "2.5", "30"]);
    }
}
