//! focus.csv: the spend as FinOps FOCUS 1.2 cost-and-usage rows (one per UTC day × provider
//! × model × token class × tier × list rate): every column FOCUS 1.2 makes mandatory, the
//! recommended `ChargeFrequency`, `InvoiceId` and `ServiceSubcategory`, the usage and price
//! columns, `Tags`, and `x_` extension columns for llmcost's own dimensions. Costs are exact
//! decimals. The README lists how each column is filled.

use anyhow::Result;

use crate::analyze::dims::day_label;
use crate::analyze::review::focus::FocusRow;
use crate::render::escape::neutralise;

/// `BillingAccountId` and `BillingAccountName` when neither the logs nor `--focus-account`
/// name an account.
pub const PLACEHOLDER_ACCOUNT: &str = "unassigned";

/// The unit `PricingQuantity` counts and `ListUnitPrice` prices (FOCUS unit format
/// `<quantity> <units>`).
pub const PRICING_UNIT: &str = "1000000 Tokens";

pub const HEADER: [&str; 34] = [
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "BillingCurrency",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ProviderName",
    "PublisherName",
    "ServiceName",
    "ServiceCategory",
    "ServiceSubcategory",
    "SkuId",
    "ConsumedQuantity",
    "ConsumedUnit",
    "PricingQuantity",
    "PricingUnit",
    "ListUnitPrice",
    "Tags",
    "x_TokenClass",
    "x_LongContextTier",
    "x_Route",
    "x_Feature",
    "x_Environment",
];

/// The rows as CSV under [`HEADER`].
pub fn render(rows: &[FocusRow]) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for row in rows {
        w.write_record(record(row))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn record(r: &FocusRow) -> Vec<String> {
    let day = day_label(r.day);
    let next = day_label(r.day + 1);
    let (month_start, month_end) = month_of(&day);
    let provider = neutralise(r.provider.as_deref().unwrap_or_default());
    let account = neutralise(r.account.as_deref().unwrap_or(PLACEHOLDER_ACCOUNT));
    let tier = r.tier.map_or(String::new(), |t| format!("/tier{}", t + 1));
    let sku = format!("{}/{}{tier}", r.model, r.class.name());
    let tag =
        |name: &str| r.tags.iter().find(|(k, _)| *k == name).map_or(String::new(), |(_, v)| neutralise(v));
    let record = vec![
        account.clone(),
        account,
        month_start,
        month_end,
        format!("{day}T00:00:00Z"),
        format!("{next}T00:00:00Z"),
        "Usage".into(),
        String::new(),
        neutralise(&format!("{} {} tokens{}", r.model, r.class.name(), tier.replace('/', " "))),
        "Usage-Based".into(),
        "USD".into(),
        r.billed.exact(),
        r.billed.exact(),
        r.list.exact(),
        r.billed.exact(),
        String::new(),
        provider.clone(),
        provider.clone(),
        provider,
        "LLM inference".into(),
        "AI and Machine Learning".into(),
        "Generative AI".into(),
        neutralise(&sku),
        r.tokens.to_string(),
        "Tokens".into(),
        pricing_quantity(r.tokens),
        PRICING_UNIT.into(),
        r.list_rate.to_string(),
        tags(r),
        r.class.name().into(),
        r.tier.map_or(String::new(), |t| (t + 1).to_string()),
        tag("route"),
        tag("feature"),
        tag("environment"),
    ];
    debug_assert_eq!(record.len(), HEADER.len());
    record
}

/// Tokens in units of [`PRICING_UNIT`] (one million), exactly (`1500` → `0.0015`).
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
