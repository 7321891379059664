//! Reads pydantic's genai-prices `data.json` as-is: providers, each with models whose
//! `match` rules become aliases (`equals` → the name, `starts_with` → `name*`, `ends_with` →
//! `*name`, `contains` → `*name*`; `regex` and `and` rules have no glob equivalent and are
//! skipped), and whose `prices` are one set or a list of dated sets (`constraint.start_date`
//! → a price version in force until the next one). A price is a number or `{base, tiers:
//! [{start, price}]}`; each distinct `start` becomes a long-context tier on prompt tokens,
//! applied, like every tier here, when the prompt exceeds it. Sets limited to a time of day
//! (off-peak discounts) and models without token prices are left out.

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use super::rate::{Basis, PriceVersion, Rates, Tier};
use super::ModelPrice;
use crate::money::Rate;

pub fn parse(name: &str, text: &str) -> Result<Vec<ModelPrice>> {
    let providers: Vec<Value> =
        serde_json::from_str(text).with_context(|| format!("{name}: not a genai-prices data.json"))?;
    let mut models = Vec::new();
    for p in &providers {
        let provider = p["id"].as_str().ok_or_else(|| anyhow!("{name}: a provider has no id"))?;
        for m in p["models"].as_array().into_iter().flatten() {
            let id = m["id"].as_str().unwrap_or_default();
            let versions =
                versions(&m["prices"]).with_context(|| format!("{name}: model {provider}/{id}"))?;
            if versions.is_empty() {
                continue;
            }
            let mut aliases = Vec::new();
            collect_aliases(&m["match"], &mut aliases);
            aliases.retain(|a| !a.eq_ignore_ascii_case(id));
            models.push(
                ModelPrice::new(provider, id, aliases, versions)
                    .with_context(|| format!("{name}: model {provider}/{id}"))?,
            );
        }
    }
    Ok(models)
}

fn collect_aliases(rule: &Value, out: &mut Vec<String>) {
    let glob_safe = |s: &str| !s.contains(['*', '?', '[', ']']);
    if let Some(any) = rule["or"].as_array() {
        any.iter().for_each(|r| collect_aliases(r, out));
    } else if let Some(s) = rule["equals"].as_str() {
        out.push(s.to_string());
    } else if let Some(s) = rule["starts_with"].as_str().filter(|s| glob_safe(s)) {
        out.push(format!("{s}*"));
    } else if let Some(s) = rule["ends_with"].as_str().filter(|s| glob_safe(s)) {
        out.push(format!("*{s}"));
    } else if let Some(s) = rule["contains"].as_str().filter(|s| glob_safe(s)) {
        out.push(format!("*{s}*"));
    }
}

/// One version for a plain price set; dated versions for a list of constrained sets.
fn versions(prices: &Value) -> Result<Vec<PriceVersion>> {
    let Some(list) = prices.as_array() else {
        return Ok(version(prices, None)?.into_iter().collect());
    };
    // Time-of-day sets (off-peak discounts) cannot be expressed: keep the all-day ones.
    let dated: Vec<(&Value, Option<i64>)> = list
        .iter()
        .filter(|e| e["constraint"]["start_time"].is_null())
        .map(|e| Ok((&e["prices"], start_of(e)?)))
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for (i, (set, from)) in dated.iter().enumerate() {
        let to = dated.get(i + 1).and_then(|(_, f)| *f);
        if let Some(mut v) = version(set, *from)? {
            v.to = to;
            out.push(v);
        }
    }
    Ok(out)
}

fn start_of(entry: &Value) -> Result<Option<i64>> {
    entry["constraint"]["start_date"].as_str().map(crate::time::parse_date).transpose()
}

fn version(set: &Value, from: Option<i64>) -> Result<Option<PriceVersion>> {
    // Embeddings list only an input price: nothing is generated.
    let Some(input) = set.get("input_mtok") else {
        return Ok(None);
    };
    let zero = Value::from(0);
    let output = set.get("output_mtok").unwrap_or(&zero);
    let field = |key: &str| set.get(key);
    let at = |v: Option<&Value>, threshold: Option<u64>| -> Result<Option<Rate>> {
        v.map(|v| price_at(v, threshold)).transpose()
    };
    let rates_at = |threshold: Option<u64>| -> Result<Rates> {
        let input = price_at(input, threshold)?;
        let cache_write = at(field("cache_write_mtok"), threshold)?.unwrap_or(input);
        Ok(Rates {
            input,
            output: price_at(output, threshold)?,
            cache_read: at(field("cache_read_mtok"), threshold)?.unwrap_or(input),
            cache_write,
            // 1-hour writes at their own rate when the entry gives one (Anthropic's 2× input).
            cache_write_1h: at(field("cache_write_1h_mtok"), threshold)?.unwrap_or(cache_write),
        })
    };
    let mut starts: Vec<u64> =
        ["input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok"]
            .iter()
            .filter_map(|k| field(k))
            .flat_map(|v| v["tiers"].as_array().into_iter().flatten().filter_map(|t| t["start"].as_u64()))
            .collect();
    starts.sort_unstable();
    starts.dedup();
    let tiers = starts
        .iter()
        .map(|&t| Ok(Tier { threshold: t, basis: Basis::Input, rates: rates_at(Some(t))? }))
        .collect::<Result<_>>()?;
    Ok(Some(PriceVersion {
        from,
        to: None,
        base: rates_at(None)?,
        tiers,
        batch_multiplier: Rate::parse("0.5")?,
        source: "genai-prices data.json".to_string(),
        checked: String::new(),
        note: String::new(),
        windows: Vec::new(),
    }))
}

/// A number, or the tier of `{base, tiers}` whose start is the highest not above `threshold`.
fn price_at(v: &Value, threshold: Option<u64>) -> Result<Rate> {
    if v.is_number() {
        return Rate::parse_float_text(&v.to_string());
    }
    let mut price = &v["base"];
    for t in v["tiers"].as_array().into_iter().flatten() {
        if threshold.is_some_and(|th| t["start"].as_u64().is_some_and(|s| s <= th)) {
            price = &t["price"];
        }
    }
    Rate::parse_float_text(&price.to_string()).with_context(|| format!("price {v}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_and_tiered_prices_and_match_rules() {
        let data = r#"[{"id": "anthropic", "models": [{"id": "claude-x",
            "match": {"or": [{"starts_with": "claude-x"}, {"equals": "cx"}, {"regex": "c.*x"}]},
            "prices": [
              {"prices": {"input_mtok": {"base": 5, "tiers": [{"start": 200000, "price": 10}]}, "output_mtok": 25, "cache_read_mtok": 0.5}},
              {"constraint": {"start_date": "2026-03-13"}, "prices": {"input_mtok": 5, "output_mtok": 25}},
              {"constraint": {"start_time": "16:30:00"}, "prices": {"input_mtok": 1, "output_mtok": 1}}
            ]},
            {"id": "per-request", "match": {"equals": "r"}, "prices": {"requests_kcount": 1}}]}]"#;
        let models = parse("data.json", data).unwrap();
        assert_eq!(models.len(), 1);
        let m = &models[0];
        assert_eq!(m.aliases, ["claude-x*", "cx"]);
        assert_eq!(m.versions.len(), 2);
        let (v1, v2) = (&m.versions[0], &m.versions[1]);
        assert_eq!(v1.to, v2.from);
        assert_eq!(v1.tiers[0].threshold, 200_000);
        assert_eq!(v1.tiers[0].rates.input.to_string(), "10");
        assert_eq!(v1.tiers[0].rates.output.to_string(), "25", "an untiered price stays");
        assert_eq!(v1.tiers[0].rates.cache_read.to_string(), "0.5");
        assert!(v2.tiers.is_empty());
    }

    #[test]
    fn one_hour_cache_writes_keep_their_own_rate_r11() {
        // Anthropic-style: 5-minute writes 1.25 × input, 1-hour writes 2 × input.
        let data = r#"[{"id": "anthropic", "models": [{"id": "claude-y", "match": {"equals": "claude-y"},
            "prices": {"input_mtok": 3, "output_mtok": 15, "cache_write_mtok": 3.75, "cache_write_1h_mtok": 6}}]}]"#;
        let v = &parse("data.json", data).unwrap()[0].versions[0];
        assert_eq!(
            (v.base.cache_write.to_string(), v.base.cache_write_1h.to_string()),
            ("3.75".into(), "6".into())
        );
        // Without a 1-hour price, 1-hour writes are billed as 5-minute ones.
        let data = data.replace(r#", "cache_write_1h_mtok": 6"#, "");
        let v = &parse("data.json", &data).unwrap()[0].versions[0];
        assert_eq!(v.base.cache_write_1h.to_string(), "3.75");
    }
}
