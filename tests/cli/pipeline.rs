//! The library stages called directly: per-call costs against the hand-worked rows, and the
//! invariants that must hold whatever the input order.

use llmcost::calls::StrCol;
use llmcost::ingest::{self, IngestPlan, RunContext, Source};
use llmcost::money::Money;
use llmcost::price::price_all;
use llmcost::pricing::PriceBook;

use super::{expected, fixture, same_decimal};

fn priced_costs(file: &str) -> Vec<Option<String>> {
    let plan = IngestPlan {
        extras: vec![],
        keep: [true; StrCol::COUNT],
        strict: false,
        format: None,
        mapping: None,
        untimed_at: 0,
        max_line_bytes: llmcost::ingest::limits::DEFAULT_MAX_LINE_BYTES,
    };
    let ctx = RunContext::new(&plan, None);
    let batch = ingest::ingest(&[Source::File(fixture(file))], &ctx).unwrap();
    let book = PriceBook::load(&[fixture("pricing/test.toml")], false).unwrap();
    let priced = price_all(&batch.calls, &book, None);
    (0..batch.calls.len()).map(|r| priced.is_priced(r).then(|| priced.cost[r].exact())).collect()
}

#[test]
fn every_row_costs_what_expected_md_works_out() {
    for (file, key) in
        [("calls.jsonl", "calls.jsonl"), ("calls.csv", "calls.jsonl"), ("bad.jsonl", "bad.jsonl")]
    {
        let want = expected()[key]["per_row_cost"].as_array().unwrap().clone();
        let got = priced_costs(file);
        assert_eq!(got.len(), want.len(), "{file}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            match (g, w.as_str()) {
                (Some(g), Some(w)) => assert!(same_decimal(g, w), "{file} row {}: got {g}, want {w}", i + 1),
                (None, None) => {}
                _ => panic!("{file} row {}: got {g:?}, want {w}", i + 1),
            }
        }
    }
}

#[test]
fn total_is_the_sum_of_rows_in_any_order() {
    // Shuffling lines must not change a digit of the total.
    let text = std::fs::read_to_string(fixture("calls.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    lines.rotate_left(5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shuffled.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let sum = |costs: Vec<Option<String>>| {
        costs.into_iter().flatten().map(|c| Money::parse(&c).unwrap()).sum::<Money>()
    };
    let original = sum(priced_costs("calls.jsonl"));
    let plan = IngestPlan {
        extras: vec![],
        keep: [true; StrCol::COUNT],
        strict: false,
        format: None,
        mapping: None,
        untimed_at: 0,
        max_line_bytes: llmcost::ingest::limits::DEFAULT_MAX_LINE_BYTES,
    };
    let ctx = RunContext::new(&plan, None);
    let batch = ingest::ingest(&[Source::File(path)], &ctx).unwrap();
    let book = PriceBook::load(&[fixture("pricing/test.toml")], false).unwrap();
    let shuffled: Money = price_all(&batch.calls, &book, None).cost.iter().copied().sum();
    assert_eq!(original, shuffled);
    assert_eq!(original.exact(), "0.03159055");
}
