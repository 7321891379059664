//! Parquet input (#16 part 1): an export's calls.parquet read back gives the report of the
//! log it came from, and a Hive-partitioned dataset is read with its partition values as
//! fields, leaving partitions and row groups outside `--since` unread.

use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use super::{expected, llmcost, run_json, test_pricing};

/// `export LOG --format parquet` into `dir`, returning the calls.parquet path.
fn export_parquet(log: &str, dir: &Path, pricing: &[&str]) -> String {
    let out = llmcost()
        .args(["export", log, "--format", "parquet", "--out"])
        .arg(dir)
        .args(pricing)
        .output()
        .expect("runs");
    assert!(out.status.success(), "export {log} failed: {}", String::from_utf8_lossy(&out.stderr));
    dir.join("calls.parquet").display().to_string()
}

fn without_inputs(mut report: Value) -> Value {
    report.as_object_mut().expect("a JSON object").remove("inputs");
    report
}

/// Every figure of every section: the report of calls.parquet is the report of its log.
#[test]
fn an_exported_calls_parquet_reads_back_as_the_same_report() {
    let builtin: &[&str] = &[];
    let cases = [
        ("fixtures/sample.jsonl", builtin),
        ("fixtures/calls.jsonl", &test_pricing()[..]),
        ("fixtures/cache.jsonl", &test_pricing()[..]),
        ("fixtures/duplicates.jsonl", &test_pricing()[..]),
        ("fixtures/environments.jsonl", &test_pricing()[..]),
        ("fixtures/fallbacks.jsonl", &test_pricing()[..]),
        ("fixtures/jobs.jsonl", &test_pricing()[..]),
        ("fixtures/pareto.jsonl", &test_pricing()[..]),
        ("fixtures/reconciliation.jsonl", &test_pricing()[..]),
        ("fixtures/retries.jsonl", &test_pricing()[..]),
        ("fixtures/thresholds.jsonl", &test_pricing()[..]),
        ("fixtures/waste.jsonl", &test_pricing()[..]),
        // Audio and image tokens at their own rates (#11): the modality columns come back.
        ("fixtures/modality/calls.jsonl", builtin),
    ];
    for (log, pricing) in cases {
        let dir = tempfile::tempdir().unwrap();
        let parquet = export_parquet(log, dir.path(), pricing);
        let from_log = without_inputs(run_json(&[&["report", log][..], pricing].concat()));
        let from_parquet = without_inputs(run_json(&[&["report", &parquet][..], pricing].concat()));
        // A section missing on both sides would compare equal: each fixture must have calls.
        assert!(from_log["totals"]["calls"].as_u64().unwrap() > 0, "{log}");
        for key in from_log.as_object().unwrap().keys() {
            assert_eq!(from_log[key], from_parquet[key], "{log}: {key} differs");
        }
        assert_eq!(from_log, from_parquet, "{log}");
    }
}

/// The round trip against fixtures/EXPECTED.md's hand-worked figures for calls.jsonl.
#[test]
fn calls_parquet_totals_are_the_hand_worked_ones() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = export_parquet("fixtures/calls.jsonl", dir.path(), &test_pricing());
    let report = run_json(&[&["report", &parquet][..], &test_pricing()].concat());
    let want = &expected()["calls.jsonl"];
    let totals = &report["totals"];
    assert_eq!(totals["calls"], want["calls"]);
    assert_eq!(totals["priced_calls"], want["priced_calls"]);
    assert!(super::same_decimal(
        totals["cost_usd_exact"].as_str().unwrap(),
        want["cost_usd"].as_str().unwrap()
    ));
    for key in ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"] {
        assert_eq!(totals[key], want[key], "{key}");
    }
    // One row per call, so rows are lines: 14 read, 14 accepted.
    assert_eq!(report["lines"]["read"], want["calls"]);
    let by_route = report["breakdowns"]["route"].as_array().unwrap();
    for (route, cost) in want["by_route"].as_object().unwrap() {
        let row = by_route.iter().find(|r| r["key"] == route.as_str()).unwrap_or_else(|| panic!("{route}"));
        assert_eq!(
            row["cost_usd"].as_f64().unwrap(),
            cost.as_str().unwrap().parse::<f64>().unwrap(),
            "{route}"
        );
    }
}

fn write(path: &Path, columns: Vec<Column>, row_group: Option<usize>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let height = columns[0].len();
    let mut df = DataFrame::new(height, columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).with_row_group_size(row_group).finish(&mut df).unwrap();
}

fn text(name: &str, values: &[&str]) -> Column {
    Column::new(name.into(), values)
}

fn ints(name: &str, values: &[i64]) -> Column {
    Column::new(name.into(), values)
}

/// The dataset, priced with fixtures/pricing/test.toml (after 2026-03-01, USD per 1M tokens:
/// alpha input 1.00, output 8.00; gamma above 500 input + output tokens input 0.20, output
/// 0.80, which every gamma call here crosses):
///
/// ```text
/// month=2026-08/env=prod/part-0.parquet     not Parquet at all: reading it is an error
/// month=2026-10/env=prod/part-0.parquet     2026-10-03 alpha 1000 in 100 out  = (1000 + 800)/1e6 = 0.0018
///                                           2026-10-04 gamma 2000 in 500 out  = (400 + 400)/1e6  = 0.0008
/// month=2026-10/env=staging/part-0.parquet  2026-10-05 alpha 3000 in 250 out  = (3000 + 2000)/1e6 = 0.005
/// source=replay/part-0.parquet              timestamps as epoch milliseconds, two rows per row group:
///   row group 1 (September)                 2026-09-20 alpha 100 in 10 out; 2026-09-21 alpha 10 in with
///                                           50 cache reads (cache_read > input: rejected when read)
///   row group 2 (October)                   2026-10-10 gamma 10000 in 1000 out = (2000 + 800)/1e6 = 0.0028
///                                           2026-10-11 alpha 500 in 50 out     = (500 + 400)/1e6  = 0.0009
/// ```
fn dataset(root: &Path) {
    std::fs::create_dir_all(root.join("month=2026-08/env=prod")).unwrap();
    std::fs::write(root.join("month=2026-08/env=prod/part-0.parquet"), "PAR1 this is no Parquet file")
        .unwrap();
    write(
        &root.join("month=2026-10/env=prod/part-0.parquet"),
        vec![
            text("timestamp", &["2026-10-03T10:00:00Z", "2026-10-04T11:00:00Z"]),
            text("model", &["alpha", "gamma"]),
            ints("input_tokens", &[1000, 2000]),
            ints("output_tokens", &[100, 500]),
            text("route", &["chat", "search"]),
        ],
        None,
    );
    write(
        &root.join("month=2026-10/env=staging/part-0.parquet"),
        vec![
            text("timestamp", &["2026-10-05T09:00:00Z"]),
            text("model", &["alpha"]),
            ints("input_tokens", &[3000]),
            ints("output_tokens", &[250]),
            text("route", &["chat"]),
        ],
        None,
    );
    let ms = |t: &str| llmcost::time::parse_date(t).unwrap();
    write(
        &root.join("source=replay/part-0.parquet"),
        vec![
            ints("timestamp", &[ms("2026-09-20"), ms("2026-09-21"), ms("2026-10-10"), ms("2026-10-11")]),
            text("model", &["alpha", "alpha", "gamma", "alpha"]),
            ints("input_tokens", &[100, 10, 10000, 500]),
            ints("output_tokens", &[10, 1, 1000, 50]),
            ints("cache_read_tokens", &[0, 50, 0, 0]),
        ],
        Some(2),
    );
}

fn cost_of(report: &Value, dim: &str, key: Value) -> (u64, f64) {
    let rows = report["breakdowns"][dim].as_array().unwrap_or_else(|| panic!("no {dim} breakdown"));
    let row = rows.iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("{dim} {key}: {rows:?}"));
    (row["calls"].as_u64().unwrap(), row["cost_usd"].as_f64().unwrap())
}

#[test]
fn a_hive_dataset_is_read_with_its_partition_values_and_pruned_by_since() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("calls");
    dataset(&root);
    let root = root.display().to_string();
    let args = [
        &["report", &root, "--since", "2026-10-01", "--by", "environment", "--by", "month"][..],
        &test_pricing(),
    ]
    .concat();
    let report = run_json(&args);
    // 0.0018 + 0.0008 + 0.005 + 0.0028 + 0.0009 = 0.0113 over 5 calls.
    assert_eq!(report["totals"]["calls"], 5);
    assert_eq!(report["totals"]["cost_usd_exact"].as_str().map(|s| s.trim_end_matches('0')), Some("0.0113"));
    // The August file and September's row group were not read: 5 rows, none rejected.
    let lines = &report["lines"];
    assert_eq!((lines["read"].as_u64(), lines["rejected"].as_u64()), (Some(5), Some(0)));
    let notes = report["notes"].to_string();
    assert!(notes.contains("1 Parquet partition files and 2 rows in 1 Parquet row groups"), "{notes}");
    // env= feeds the environment field; month= is a field of its own.
    assert_eq!(cost_of(&report, "environment", "prod".into()), (2, 0.0026)); // 0.0018 + 0.0008
    assert_eq!(cost_of(&report, "environment", "staging".into()), (1, 0.005));
    assert_eq!(cost_of(&report, "environment", Value::Null), (2, 0.0037)); // 0.0028 + 0.0009
    assert_eq!(cost_of(&report, "month", "2026-10".into()), (3, 0.0076)); // 0.0026 + 0.005

    // A filter on a partition value leaves the staging partition unopened too.
    let args =
        [&["report", &root, "--since", "2026-10-01", "--filter", "env=prod"][..], &test_pricing()].concat();
    let report = run_json(&args);
    assert_eq!(report["totals"]["calls"], 2);
    assert_eq!(report["totals"]["cost_usd_exact"].as_str().map(|s| s.trim_end_matches('0')), Some("0.0026"));
    assert!(report["notes"].to_string().contains("2 Parquet partition files"), "{}", report["notes"]);
}

#[test]
fn without_since_every_file_and_row_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("calls");
    dataset(&root);
    // The broken August file is read now, and named.
    let out = llmcost().arg("report").arg(&root).args(test_pricing()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("month=2026-08/env=prod/part-0.parquet"), "{err}");
    // September's row group too: its second row is rejected, named by row and column.
    let replay = root.join("source=replay/part-0.parquet").display().to_string();
    let report = run_json(&[&["report", &replay][..], &test_pricing()].concat());
    let lines = &report["lines"];
    assert_eq!(
        (lines["read"].as_u64(), lines["accepted"].as_u64(), lines["rejected"].as_u64()),
        (Some(4), Some(3), Some(1))
    );
    let reject = &report["rejected"][0];
    assert_eq!(
        (reject["line"].as_u64(), reject["field"].as_str()),
        (Some(2), Some("input_tokens")),
        "{reject}"
    );
    assert!(reject["reason"]
        .as_str()
        .unwrap()
        .contains("cache_read_tokens 50 + cache_write_tokens 0 > input_tokens 10"));
}

/// A file DuckDB wrote, with Parquet timestamp, date, unsigned and boolean columns; worked by
/// hand in fixtures/parquet/README.md.
#[test]
fn parquet_types_from_another_writer_are_read_as_the_canonical_fields() {
    let file = "fixtures/parquet/duckdb-types.parquet";
    let report = run_json(&[&["report", file, "--by", "billed_on"][..], &test_pricing()].concat());
    assert_eq!(report["totals"]["calls"], 3);
    assert!(super::same_decimal(report["totals"]["cost_usd_exact"].as_str().unwrap(), "0.00375"));
    assert_eq!(report["totals"]["cache_read_tokens"], 400);
    assert_eq!(report["totals"]["batch_calls"], 1);
    assert_eq!(report["period"]["from"], "2026-10-03T10:00:00.123Z");
    assert_eq!(report["period"]["to"], "2026-10-05T00:00:00Z");
    assert_eq!(cost_of(&report, "billed_on", "2026-10-01".into()), (2, 0.0033));
    assert_eq!(cost_of(&report, "billed_on", "2026-10-02".into()), (1, 0.00045));
    let since = run_json(&[&["report", file, "--since", "2026-10-04"][..], &test_pricing()].concat());
    assert!(super::same_decimal(since["totals"]["cost_usd_exact"].as_str().unwrap(), "0.00225"));
}

/// Other column names through a mapping file: each row is handed to it as an object.
#[test]
fn a_mapping_reads_parquet_columns_by_their_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spans.parquet");
    let oct3 = llmcost::time::parse_date("2026-10-03").unwrap() / 1000;
    write(
        &file,
        vec![
            ints("ts", &[oct3, oct3 + 60, oct3 + 120]),
            text("llm", &["alpha", "gamma", "alpha"]),
            ints("tokens_in", &[1000, 100, -5]),
            ints("tokens_out", &[100, 50, 1]),
        ],
        None,
    );
    let mapping = dir.path().join("spans.toml");
    std::fs::write(
        &mapping,
        "timestamp_format = \"epoch_s\"\n[fields]\ntimestamp = \"ts\"\nmodel = \"llm\"\n\
         input_tokens = \"tokens_in\"\noutput_tokens = \"tokens_out\"\n",
    )
    .unwrap();
    let (file, mapping) = (file.display().to_string(), mapping.display().to_string());
    let report = run_json(&[&["report", &file, "--mapping", &mapping][..], &test_pricing()].concat());
    // alpha (1000 × 1 + 100 × 8) / 1e6 = 0.0018; gamma, 150 tokens (base rates),
    // (100 × 0.1 + 50 × 0.4) / 1e6 = 0.00003; the third row has negative input tokens.
    assert_eq!(report["totals"]["calls"], 2);
    assert!(super::same_decimal(report["totals"]["cost_usd_exact"].as_str().unwrap(), "0.00183"));
    assert_eq!(report["period"]["from"], "2026-10-03T00:00:00Z");
    let reject = &report["rejected"][0];
    assert_eq!(
        (reject["line"].as_u64(), reject["field"].as_str()),
        (Some(3), Some("input_tokens")),
        "{reject}"
    );
}
