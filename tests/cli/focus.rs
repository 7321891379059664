//! `llmcost export --format focus`: focus.csv as a FOCUS 1.2 cost-and-usage dataset, against
//! the hand-worked rows of fixtures/focus/README.md — every mandatory column present and
//! filled as the README's table says, the `1000000 Tokens` pricing unit with an exact
//! quantity (`ListCost` = `ListUnitPrice` × `PricingQuantity`), `BilledCost` summing to the
//! report total, and `--focus-account`. scripts/focus-validate runs the FinOps Foundation's
//! validator on the same export.

use std::path::Path;

use super::{llmcost, run_json, test_pricing};

const FIXTURE: &str = "fixtures/focus/calls.jsonl";

/// focus.csv of the fixture's October, with `extra` arguments.
fn export(dir: &Path, extra: &[&str]) -> Vec<csv::StringRecord> {
    let out = llmcost()
        .args(["export", FIXTURE, "--month", "2026-10", "--format", "focus", "--out"])
        .arg(dir)
        .args(test_pricing())
        .args(extra)
        .output()
        .expect("runs");
    assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.join("focus.csv")).expect("focus.csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let mut rows = vec![header];
    rows.extend(r.records().map(|r| r.expect("valid CSV")));
    rows
}

/// Cell `name` of `row` (rows[0] is the header).
fn cell<'a>(rows: &'a [csv::StringRecord], row: usize, name: &str) -> &'a str {
    let i = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    &rows[row][i]
}

/// The data row of `day` (MM-DD) and `sku`.
fn find(rows: &[csv::StringRecord], day: &str, sku: &str) -> usize {
    (1..rows.len())
        .find(|&r| cell(rows, r, "SkuId") == sku && cell(rows, r, "ChargePeriodStart")[5..10] == *day)
        .unwrap_or_else(|| panic!("no row {day} {sku}"))
}

/// A decimal string in units of 1e-12.
fn pico(v: &str) -> i128 {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    assert!(frac.len() <= 12, "{v}: more than 12 places");
    int.parse::<i128>().unwrap() * 1_000_000_000_000 + format!("{frac:0<12}").parse::<i128>().unwrap()
}

/// The mandatory columns of a FOCUS 1.2 cost-and-usage dataset (the spec's column
/// presence rules CostAndUsage-D-*-M), and the recommended ones focus.csv fills.
const MANDATORY: [&str; 21] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
];
const RECOMMENDED: [&str; 3] = ["ChargeFrequency", "InvoiceId", "ServiceSubcategory"];
/// FOCUS 1.2 columns focus.csv fills because LLM providers publish prices, meter usage
/// and take tags.
const CONDITIONAL: [&str; 5] = ["ConsumedQuantity", "ConsumedUnit", "ListUnitPrice", "SkuId", "Tags"];

#[test]
fn every_mandatory_focus_column_is_present_and_the_rest_are_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let rows = export(dir.path(), &[]);
    let header: Vec<&str> = rows[0].iter().collect();
    for name in MANDATORY.iter().chain(&RECOMMENDED).chain(&CONDITIONAL) {
        assert!(header.contains(name), "no {name} column");
    }
    for name in &header {
        let focus = MANDATORY.contains(name) || RECOMMENDED.contains(name) || CONDITIONAL.contains(name);
        assert!(focus || name.starts_with("x_"), "{name}: neither FOCUS nor x_-prefixed");
    }
    for name in ["x_TokenClass", "x_LongContextTier", "x_Route", "x_Feature", "x_Environment"] {
        assert!(header.contains(&name), "no {name} column");
    }
}

#[test]
fn rows_carry_the_hand_worked_fixed_values() {
    let dir = tempfile::tempdir().unwrap();
    let rows = export(dir.path(), &[]);
    assert_eq!(rows.len() - 1, 12, "12 rows, none for the unpriced model");
    for r in 1..rows.len() {
        let c = |name| cell(&rows, r, name);
        assert!(!c("SkuId").starts_with("mystery"), "unpriced calls stay out");
        assert_eq!(c("ChargeCategory"), "Usage");
        assert_eq!(c("ChargeClass"), "", "null: regular charges, not corrections");
        assert_eq!(c("InvoiceId"), "", "null: no invoice is known offline");
        assert_eq!(c("ChargeFrequency"), "Usage-Based");
        assert_eq!(c("BillingCurrency"), "USD");
        assert_eq!(c("ServiceCategory"), "AI and Machine Learning");
        assert_eq!(c("ServiceSubcategory"), "Generative AI");
        assert_eq!(c("ServiceName"), "LLM inference");
        // Line 3 logs no provider: the price table's (testco) fills it.
        for name in ["ProviderName", "PublisherName", "InvoiceIssuerName"] {
            assert_eq!(c(name), "testco", "{name} of row {r}");
        }
        assert_eq!(c("BillingAccountId"), "unassigned");
        assert_eq!(c("BillingAccountName"), "unassigned");
        assert_eq!(c("BillingPeriodStart"), "2026-10-01T00:00:00Z");
        assert_eq!(c("BillingPeriodEnd"), "2026-11-01T00:00:00Z");
        assert_eq!(c("ConsumedUnit"), "Tokens");
        assert_eq!(c("PricingUnit"), "1000000 Tokens");
    }
}

#[test]
fn pricing_unit_has_the_focus_unit_format() {
    // FOCUS unit format `<quantity> <units>`: a whole number, a space, words of letters and digits.
    let dir = tempfile::tempdir().unwrap();
    let rows = export(dir.path(), &[]);
    let unit = cell(&rows, 1, "PricingUnit");
    let (quantity, units) = unit.split_once(' ').expect("<quantity> <units>");
    assert!(quantity.bytes().all(|b| b.is_ascii_digit()), "{unit}: whole-number quantity");
    assert!(units
        .split(' ')
        .all(|w| w.starts_with(|c: char| c.is_ascii_alphabetic())
            && w.chars().all(|c| c.is_ascii_alphanumeric())));
}

#[test]
fn quantities_and_costs_match_the_hand_worked_rows() {
    let dir = tempfile::tempdir().unwrap();
    let rows = export(dir.path(), &[]);
    // (day, SkuId, tokens, PricingQuantity, BilledCost, ListCost, ListUnitPrice, x_Route, tier)
    let expected = [
        ("10-01", "alpha/input", "2400", "0.0024", "0.0024", "0.0024", "1", "", ""),
        ("10-01", "alpha/cache-read", "1000", "0.001", "0.00025", "0.00025", "0.25", "chat", ""),
        ("10-01", "alpha/cache-write", "200", "0.0002", "0.00025", "0.00025", "1.25", "chat", ""),
        ("10-01", "alpha/cache-write-1h", "400", "0.0004", "0.0008", "0.0008", "2", "chat", ""),
        ("10-01", "alpha/output", "300", "0.0003", "0.0024", "0.0024", "8", "", ""),
        ("10-01", "beta/input/tier1", "1500", "0.0015", "0.0045", "0.009", "6", "search", "1"),
        ("10-01", "beta/output/tier1", "100", "0.0001", "0.001125", "0.00225", "22.5", "search", "1"),
        ("10-01", "gamma/input/tier1", "200", "0.0002", "0.00004", "0.00004", "0.2", "summarize", "1"),
        ("10-01", "gamma/cache-read/tier1", "200", "0.0002", "0.00001", "0.00001", "0.05", "summarize", "1"),
        ("10-01", "gamma/output/tier1", "200", "0.0002", "0.00016", "0.00016", "0.8", "summarize", "1"),
        ("10-02", "beta/input", "500", "0.0005", "0.0015", "0.0015", "3", "search", ""),
        ("10-02", "beta/output", "100", "0.0001", "0.0015", "0.0015", "15", "search", ""),
    ];
    for (day, sku, tokens, quantity, billed, list, price, route, tier) in expected {
        let r = find(&rows, day, sku);
        let c = |name| cell(&rows, r, name);
        assert_eq!(c("ConsumedQuantity"), tokens, "{day} {sku}");
        assert_eq!(c("PricingQuantity"), quantity, "{day} {sku}");
        assert_eq!(c("BilledCost"), billed, "{day} {sku}");
        assert_eq!(c("EffectiveCost"), billed, "{day} {sku}");
        assert_eq!(c("ContractedCost"), billed, "{day} {sku}");
        assert_eq!(c("ListCost"), list, "{day} {sku}");
        assert_eq!(c("ListUnitPrice"), price, "{day} {sku}");
        assert_eq!(c("x_Route"), route, "{day} {sku}");
        assert_eq!(c("x_LongContextTier"), tier, "{day} {sku}");
        assert_eq!(sku.split('/').nth(1), Some(c("x_TokenClass")), "{day} {sku}");
        // ListCost = ListUnitPrice × PricingQuantity, exactly (units of 1e-24).
        assert_eq!(
            pico(c("ListUnitPrice")) * pico(c("PricingQuantity")),
            pico(c("ListCost")) * 1_000_000_000_000
        );
    }
}

#[test]
fn billed_cost_sums_exactly_to_the_report_total() {
    let dir = tempfile::tempdir().unwrap();
    let rows = export(dir.path(), &[]);
    let billed: i128 = (1..rows.len()).map(|r| pico(cell(&rows, r, "BilledCost"))).sum();
    let list: i128 = (1..rows.len()).map(|r| pico(cell(&rows, r, "ListCost"))).sum();
    assert_eq!(billed, pico("0.014935"), "0.0043 + 0.005625 + 0.00021 + 0.0018 + 0.003");
    assert_eq!(list, pico("0.02056"));
    let mut args = vec!["report", FIXTURE, "--since", "2026-10-01", "--until", "2026-11-01"];
    args.extend(test_pricing());
    let report = run_json(&args);
    assert_eq!(report["totals"]["cost_usd_exact"], "0.014935");
}

#[test]
fn focus_account_names_the_billing_account() {
    let dir = tempfile::tempdir().unwrap();
    let rows = export(dir.path(), &["--focus-account", "acme-prod", "--focus-version", "1.2"]);
    for r in 1..rows.len() {
        assert_eq!(cell(&rows, r, "BillingAccountId"), "acme-prod");
        assert_eq!(cell(&rows, r, "BillingAccountName"), "acme-prod");
    }
}

#[test]
fn only_focus_1_2_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    let out = llmcost()
        .args(["export", FIXTURE, "--format", "focus", "--focus-version", "1.0", "--out"])
        .arg(dir.path())
        .args(test_pricing())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1.2"));
}
