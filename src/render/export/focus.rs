//! focus.csv: the spend as FinOps FOCUS rows (one per UTC day × provider × model × token
//! class × tier), costs as exact decimals. The README lists how each column is filled.

use anyhow::Result;

use crate::analyze::dims::day_label;
use crate::analyze::review::focus::FocusRow;
use crate::render::escape::neutralise;

pub const HEADER: [&str; 22] = [
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeDescription",
    "ChargeFrequency",
    "BillingCurrency",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "ProviderName",
    "PublisherName",
    "ServiceName",
    "ServiceCategory",
    "SkuId",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "ListUnitPrice",
];

/// The rows as CSV, with a `Tags` column (JSON) after the FOCUS columns above.
pub fn render(rows: &[FocusRow]) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = HEADER.to_vec();
    header.push("Tags");
    w.write_record(&header)?;
    for row in rows {
        w.write_record(record(row))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn record(r: &FocusRow) -> Vec<String> {
    let day = day_label(r.day);
    let next = day_label(r.day + 1);
    let (month_start, month_end) = month_of(&day);
    let provider = r.provider.clone().unwrap_or_default();
    let tier = r.tier.map_or(String::new(), |t| format!("/tier{}", t + 1));
    let sku = format!("{}/{}{tier}", r.model, r.class.name());
    let tokens = r.tokens;
    vec![
        month_start,
        month_end,
        format!("{day}T00:00:00Z"),
        format!("{next}T00:00:00Z"),
        "Usage".into(),
        neutralise(&format!("{} {} tokens{}", r.model, r.class.name(), tier.replace('/', " "))),
        "Usage-Based".into(),
        "USD".into(),
        r.billed.exact(),
        r.billed.exact(),
        r.list.exact(),
        r.billed.exact(),
        neutralise(&provider),
        neutralise(&provider),
        "LLM inference".into(),
        "AI and Machine Learning".into(),
        neutralise(&sku),
        tokens.to_string(),
        "Tokens".into(),
        pricing_quantity(tokens),
        "1M Tokens".into(),
        r.list_rate.map_or(String::new(), |rate| rate.to_string()),
        tags(r),
    ]
}

/// Tokens in units of one million, exactly (`1500` → `0.0015`).
fn pricing_quantity(tokens: u64) -> String {
    let whole = tokens / 1_000_000;
    let frac = tokens % 1_000_000;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// `YYYY-MM-DD` → the first instants of its month and of the next, RFC 3339.
fn month_of(day: &str) -> (String, String) {
    let (y, m) = (day[..4].parse::<i32>().unwrap_or(1970), day[5..7].parse::<u32>().unwrap_or(1));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (format!("{y:04}-{m:02}-01T00:00:00Z"), format!("{ny:04}-{nm:02}-01T00:00:00Z"))
}

/// The single-valued tags as a JSON object (empty when none), neutralised for spreadsheets.
fn tags(r: &FocusRow) -> String {
    if r.tags.is_empty() {
        return String::new();
    }
    let map: serde_json::Map<String, serde_json::Value> =
        r.tags.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone()))).collect();
    neutralise(&serde_json::Value::Object(map).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pricing_quantity_is_exact() {
        assert_eq!(pricing_quantity(1500), "0.0015");
        assert_eq!(pricing_quantity(2_000_000), "2");
        assert_eq!(pricing_quantity(1_000_001), "1.000001");
    }

    #[test]
    fn months_wrap() {
        assert_eq!(month_of("2026-12-31").1, "2027-01-01T00:00:00Z");
    }
}
