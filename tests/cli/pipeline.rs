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
        prune: Default::default(),
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
        prune: Default::default(),
    };
    let ctx = RunContext::new(&plan, None);
    let batch = ingest::ingest(&[Source::File(path)], &ctx).unwrap();
    let book = PriceBook::load(&[fixture("pricing/test.toml")], false).unwrap();
    let shuffled: Money = price_all(&batch.calls, &book, None).cost.iter().copied().sum();
    assert_eq!(original, shuffled);
    assert_eq!(original.exact(), "0.03159055");
}

/// Reader block boundaries (issue #17): the memory-mapped reader splits plain files into
/// 512 KiB chunks and the stream reader reads 32 MiB blocks; a line straddling either, and a
/// CRLF whose `\r` ends one block and `\n` starts the next, still count once each, on a plain
/// file, a gzip file and stdin. Every line is a call of 10 input and 1 output token.
#[test]
fn lines_across_reader_blocks_count_once_r17() {
    use std::io::Write;
    const CHUNK: usize = 512 << 10;
    const BLOCK: usize = 32 << 20;
    let call = |i: usize, pad: usize| {
        format!(
            r#"{{"timestamp":"2026-03-02T10:00:00Z","request_id":"r{i}","model":"alpha","input_tokens":10,"output_tokens":1,"note":"{}"}}"#,
            "x".repeat(pad)
        )
    };
    let mut text = String::with_capacity(BLOCK + (1 << 20));
    let mut lines = 0;
    // CRLF endings throughout; before each of these offsets, a line padded so that its `\r` is
    // the last byte before the boundary.
    for boundary in [CHUNK, 3 * CHUNK, BLOCK] {
        while text.len() + 400 < boundary {
            text.push_str(&call(lines, 100));
            text.push_str("\r\n");
            lines += 1;
        }
        let bare = call(lines, 0).len();
        let pad = boundary - 1 - text.len() - bare;
        text.push_str(&call(lines, pad));
        text.push_str("\r\n");
        assert_eq!(&text.as_bytes()[boundary - 1..boundary + 1], b"\r\n");
        lines += 1;
        // Then one that straddles the next chunk boundary.
        text.push_str(&call(lines, CHUNK / 2));
        text.push_str("\r\n");
        lines += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("calls.jsonl");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("calls.jsonl.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    let check = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = super::llmcost();
        cmd.args(["report", "--only", "totals", "--format", "json"]).args(args).args(super::test_pricing());
        if let Some(s) = stdin {
            cmd.write_stdin(s.to_string());
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let l = &r["lines"];
        assert_eq!(
            (l["read"].as_u64(), l["accepted"].as_u64(), l["rejected"].as_u64()),
            (Some(lines as u64), Some(lines as u64), Some(0)),
            "{args:?}"
        );
        assert_eq!(r["totals"]["input_tokens"].as_u64(), Some(10 * lines as u64), "{args:?}");
    };
    check(&[plain.to_str().unwrap()], None);
    check(&[gz.to_str().unwrap()], None);
    check(&["-"], Some(&text));
}
