//! Reads pydantic's genai-prices `data.json` as-is: providers, each with models whose
//! `match` rules become aliases (`equals` → the name, `starts_with` → `name*`, `ends_with` →
//! `*name`, `contains` → `*name*`; `regex` and `and` rules have no glob equivalent), and whose
//! `prices` are one set or a list of constrained sets. genai-prices prices a call with the
//! LAST set of the list whose constraint holds at the call's time, so an unconstrained or
//! `start_date` set starts a price version (in force until the next one), and the
//! `start_time`/`end_time` sets listed after it (until the next dated set) are its
//! time-of-day windows (UTC, start inclusive, end exclusive, wrapping midnight): DeepSeek's
//! default set is its off-peak price and its 00:30-16:30 set the standard one. A price is a
//! number or `{base, tiers: [{start, price}]}`; each distinct `start` becomes a long-context
//! tier on prompt tokens, applied, like every tier here, when the prompt exceeds it.
//!
//! Nothing is dropped silently: what cannot be imported (regex/and match rules, models
//! without token prices, per-request prices) is returned as `Skipped`, which
//! `pricing check` lists and the report counts in a note.

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use super::rate::{parse_hhmm, Basis, ModalRates, PriceVersion, Rates, Tier};
use super::{ModelPrice, Skipped};
use crate::money::Rate;

/// The price fields read; any other field of a price set is listed as skipped.
const READ: [&str; 8] = [
    "input_mtok",
    "output_mtok",
    "cache_read_mtok",
    "cache_write_mtok",
    "cache_write_1h_mtok",
    "input_audio_mtok",
    "cache_audio_read_mtok",
    "output_audio_mtok",
];

pub fn parse(name: &str, text: &str) -> Result<(Vec<ModelPrice>, Vec<Skipped>)> {
    let providers: Vec<Value> =
        serde_json::from_str(text).with_context(|| format!("{name}: not a genai-prices data.json"))?;
    let mut models = Vec::new();
    let mut skipped = Vec::new();
    for p in &providers {
        let provider = p["id"].as_str().ok_or_else(|| anyhow!("{name}: a provider has no id"))?;
        for m in p["models"].as_array().into_iter().flatten() {
            let id = m["id"].as_str().unwrap_or_default();
            let mut skip = |what: String| {
                skipped.push(Skipped { table: name.to_string(), model: format!("{provider}/{id}"), what })
            };
            let versions = versions(&m["prices"], &mut skip)
                .with_context(|| format!("{name}: model {provider}/{id}"))?;
            if versions.is_empty() {
                skip("no token prices (input_mtok): the model is not imported".to_string());
                continue;
            }
            let mut aliases = Vec::new();
            collect_aliases(&m["match"], &mut aliases, &mut skip);
            aliases.retain(|a| !a.eq_ignore_ascii_case(id));
            models.push(
                ModelPrice::new(provider, id, aliases, versions)
                    .with_context(|| format!("{name}: model {provider}/{id}"))?,
            );
        }
    }
    Ok((models, skipped))
}

fn collect_aliases(rule: &Value, out: &mut Vec<String>, skip: &mut impl FnMut(String)) {
    let glob_safe = |s: &str| !s.contains(['*', '?', '[', ']']);
    if let Some(any) = rule["or"].as_array() {
        any.iter().for_each(|r| collect_aliases(r, out, skip));
    } else if let Some(s) = rule["equals"].as_str() {
        out.push(s.to_string());
    } else if let Some(s) = rule["starts_with"].as_str().filter(|s| glob_safe(s)) {
        out.push(format!("{s}*"));
    } else if let Some(s) = rule["ends_with"].as_str().filter(|s| glob_safe(s)) {
        out.push(format!("*{s}"));
    } else if let Some(s) = rule["contains"].as_str().filter(|s| glob_safe(s)) {
        out.push(format!("*{s}*"));
    } else if !rule.is_null() {
        skip(format!("match rule {rule} has no glob equivalent: names only it matches are not priced"));
    }
}

/// One version for a plain price set; for a list, a version per unconstrained or dated set,
/// with the time-of-day sets that follow it as its windows.
fn versions(prices: &Value, skip: &mut impl FnMut(String)) -> Result<Vec<PriceVersion>> {
    let Some(list) = prices.as_array() else {
        return Ok(version(prices, None, skip)?.into_iter().collect());
    };
    /// A version's start date, its price set, and its windows (start, end, price set).
    type Group<'v> = (Option<i64>, &'v Value, Vec<(u16, u16, &'v Value)>);
    let mut groups: Vec<Group> = Vec::new();
    for e in list {
        let c = &e["constraint"];
        if c["start_time"].is_null() && c["end_time"].is_null() {
            groups.push((start_of(e)?, &e["prices"], Vec::new()));
            continue;
        }
        let time = |key: &str| {
            let t = c[key].as_str().ok_or_else(|| anyhow!("constraint.{key} is not a time"))?;
            parse_hhmm(t).with_context(|| format!("constraint.{key}"))
        };
        let window = (time("start_time")?, time("end_time")?, &e["prices"]);
        match groups.last_mut() {
            Some(g) => g.2.push(window),
            // Outside the window such a model has no price at all.
            None => skip(format!("time-of-day price {c} comes before any all-day price")),
        }
    }
    let mut out = Vec::new();
    for (i, (from, set, windows)) in groups.iter().enumerate() {
        let Some(mut v) = version(set, *from, skip)? else { continue };
        v.to = groups.get(i + 1).and_then(|g| g.0);
        let mut rates = Vec::new();
        for &(start, end, set) in windows {
            match version(set, None, skip)? {
                Some(w) => rates.push((start, end, w.base, w.tiers)),
                None => skip(format!("time-of-day price {set} has no input_mtok")),
            }
        }
        out.push(v.with_windows(rates)?);
    }
    Ok(out)
}

fn start_of(entry: &Value) -> Result<Option<i64>> {
    entry["constraint"]["start_date"].as_str().map(crate::time::parse_date).transpose()
}

fn version(set: &Value, from: Option<i64>, skip: &mut impl FnMut(String)) -> Result<Option<PriceVersion>> {
    for key in set.as_object().into_iter().flat_map(|o| o.keys()).filter(|k| !READ.contains(&k.as_str())) {
        skip(format!("price field {key} is not imported (per-request prices are not priced)"));
    }
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
        let modal = ModalRates {
            input_audio: at(field("input_audio_mtok"), threshold)?,
            cache_audio_read: at(field("cache_audio_read_mtok"), threshold)?,
            output_audio: at(field("output_audio_mtok"), threshold)?,
            output_image: None,
        };
        Ok(Rates::text(
            input,
            price_at(output, threshold)?,
            at(field("cache_read_mtok"), threshold)?.unwrap_or(input),
            cache_write,
            // 1-hour writes at their own rate when the entry gives one (Anthropic's 2× input).
            at(field("cache_write_1h_mtok"), threshold)?.unwrap_or(cache_write),
        )
        .with_modal(modal))
    };
    let mut starts: Vec<u64> = READ
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
              {"constraint": {"start_time": "16:30:00", "end_time": "00:00:00"}, "prices": {"input_mtok": 1, "output_mtok": 1}}
            ]},
            {"id": "per-request", "match": {"equals": "r"}, "prices": {"requests_kcount": 1}}]}]"#;
        let (models, skipped) = parse("data.json", data).unwrap();
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
        // The time-of-day set follows the 2026-03-13 set: it is that version's window.
        assert_eq!(v2.windows.len(), 1);
        assert_eq!(v2.windows[0].span(), "16:30-00:00");
        assert_eq!(v2.windows[0].version.base.input.to_string(), "1");
        assert!(v1.windows.is_empty());
        // Nothing dropped silently: the regex rule and the per-request model are listed.
        let what: Vec<(&str, &str)> = skipped.iter().map(|s| (s.model.as_str(), s.what.as_str())).collect();
        assert_eq!(what.len(), 3, "{what:?}");
        assert!(
            what[0].0 == "anthropic/claude-x" && what[0].1.starts_with("match rule {\"regex\""),
            "{what:?}"
        );
        assert_eq!(what[1].0, "anthropic/per-request");
        assert!(what[1].1.starts_with("price field requests_kcount is not imported"), "{what:?}");
        assert!(what[2].1.starts_with("no token prices"), "{what:?}");
    }

    /// genai-prices' DeepSeek entry as in data.json (commit 47df840): the default set is the
    /// off-peak price, the 00:30-16:30 set the standard one.
    const DEEPSEEK: &str = r#"[{"id": "deepseek", "models": [{"id": "deepseek-chat", "match": {"equals": "deepseek-chat"},
        "prices": [{"prices": {"input_mtok": 0.135, "cache_read_mtok": 0.035, "output_mtok": 0.55}},
          {"constraint": {"start_time": "00:30:00Z", "end_time": "16:30:00Z"},
           "prices": {"input_mtok": 0.27, "cache_read_mtok": 0.07, "output_mtok": 1.1}}]}]}]"#;

    #[test]
    fn deepseek_standard_hours_are_a_window_not_dropped_r11() {
        let (models, skipped) = parse("data.json", DEEPSEEK).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let v = &models[0].versions[0];
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp_millis();
        let input = |t: &str| v.at_time_of_day(at(t)).base.input.to_string();
        // Peak (standard) 00:30 ≤ t < 16:30 UTC at 0.27; off-peak otherwise at 0.135.
        assert_eq!(input("2025-03-01T16:29:59Z"), "0.27");
        assert_eq!(input("2025-03-01T16:30:00Z"), "0.135");
        assert_eq!(input("2025-03-01T00:29:59Z"), "0.135");
        assert_eq!(input("2025-03-01T00:30:00Z"), "0.27");
        assert_eq!(v.at_time_of_day(at("2025-03-01T12:00:00Z")).base.output.to_string(), "1.1");
        assert_eq!(v.at_time_of_day(at("2025-03-01T12:00:00Z")).base.cache_read.to_string(), "0.07");
    }

    #[test]
    fn one_hour_cache_writes_keep_their_own_rate_r11() {
        // Anthropic-style: 5-minute writes 1.25 × input, 1-hour writes 2 × input.
        let data = r#"[{"id": "anthropic", "models": [{"id": "claude-y", "match": {"equals": "claude-y"},
            "prices": {"input_mtok": 3, "output_mtok": 15, "cache_write_mtok": 3.75, "cache_write_1h_mtok": 6}}]}]"#;
        let v = &parse("data.json", data).unwrap().0[0].versions[0];
        assert_eq!(
            (v.base.cache_write.to_string(), v.base.cache_write_1h.to_string()),
            ("3.75".into(), "6".into())
        );
        // Without a 1-hour price, 1-hour writes are billed as 5-minute ones.
        let data = data.replace(r#", "cache_write_1h_mtok": 6"#, "");
        let v = &parse("data.json", &data).unwrap().0[0].versions[0];
        assert_eq!(v.base.cache_write_1h.to_string(), "3.75");
    }

    #[test]
    fn audio_prices_are_imported_r11() {
        // genai-prices' gemini-2.0-flash (commit 47df840): audio input 0.7, cached audio 0.175.
        let data = r#"[{"id": "google", "models": [{"id": "gemini-2.0-flash", "match": {"equals": "gemini-2.0-flash"},
            "prices": {"input_mtok": 0.1, "cache_read_mtok": 0.025, "output_mtok": 0.4, "input_audio_mtok": 0.7,
              "cache_audio_read_mtok": 0.175, "output_audio_mtok": {"base": 8, "tiers": [{"start": 128000, "price": 16}]}}}]}]"#;
        let (models, skipped) = parse("data.json", data).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let v = &models[0].versions[0];
        let modal = |r: &Rates| r.modal().map(|m| m.to_string());
        // No image-output price in genai-prices: image output costs the output rate.
        assert_eq!(modal(&v.base), ["0.7", "0.175", "8", "0.4"]);
        // A tiered audio price makes a tier; the flat prices stay in it.
        assert_eq!(v.tiers[0].threshold, 128_000);
        assert_eq!(modal(&v.tiers[0].rates), ["0.7", "0.175", "16", "0.4"]);
    }
}
