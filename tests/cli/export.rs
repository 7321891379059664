//! `llmcost export`: the files of a month's review pack against the hand-worked figures of
//! fixtures/export/README.md, neutralised CSV cells, and byte-identical re-runs.

use std::path::Path;

use super::{llmcost, test_pricing};

fn export(dir: &Path, extra: &[&str]) {
    let out = llmcost()
        .args(["export", "fixtures/export/calls.jsonl", "--month", "2026-10", "--out"])
        .arg(dir)
        .args(test_pricing())
        .args(extra)
        .output()
        .expect("runs");
    assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rows(text: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records().map(|r| r.expect("valid CSV")).collect()
}

fn column(text: &str, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    rows(text).iter().map(|row| row[i].to_string()).collect()
}

/// Sums decimal strings exactly, in units of 1e-9 USD (every fixture figure has ≤ 9 places).
fn nano_sum(values: &[String]) -> i64 {
    values
        .iter()
        .map(|v| {
            let (int, frac) = v.split_once('.').unwrap_or((v, ""));
            int.parse::<i64>().unwrap() * 1_000_000_000 + format!("{frac:0<9}").parse::<i64>().unwrap()
        })
        .sum()
}

#[test]
fn focus_rows_sum_to_the_report_total() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &["--format", "focus"]);
    let focus = read(dir.path(), "focus.csv");
    assert_eq!(rows(&focus).len(), 10);
    assert_eq!(nano_sum(&column(&focus, "BilledCost")), 16_955_000); // 0.016955
    assert_eq!(nano_sum(&column(&focus, "ListCost")), 24_080_000); // 0.02408
    let skus = column(&focus, "SkuId");
    assert_eq!(skus[4], "beta/input/tier1");
    assert_eq!(column(&focus, "BilledCost")[4], "0.006");
    assert_eq!(column(&focus, "ListCost")[4], "0.012");
    assert_eq!(column(&focus, "ListUnitPrice")[4], "6");
    assert_eq!(column(&focus, "ChargePeriodStart")[6], "2026-10-02T00:00:00Z");
    assert_eq!(column(&focus, "ConsumedQuantity")[0], "800");
    assert_eq!(column(&focus, "PricingQuantity")[0], "0.0008");
    assert!(column(&focus, "Tags")[6].contains("\"environment\":\"staging\""));
    assert!(!dir.path().join("summary.md").exists(), "--format focus writes only focus.csv");
}

#[test]
fn csv_tables_hold_exact_costs_and_latency() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &["--format", "csv"]);
    let by_model = read(dir.path(), "by_model.csv");
    assert_eq!(column(&by_model, "model"), ["beta", "alpha", "gamma", "mystery"]);
    // mystery has no price: its cost is unknown, an empty cell as JSON's null (issue #17).
    assert_eq!(column(&by_model, "cost_usd"), ["0.011625", "0.0053", "0.00003", ""]);
    assert_eq!(column(&by_model, "share").last().map(String::as_str), Some(""));
    assert_eq!(column(&by_model, "latency_p50_ms"), ["2000", "1000", "200", ""]);
    // Interactive calls only; beta's batch call (3000 ms) is apart (issue #15).
    assert_eq!(column(&by_model, "latency_p95_ms"), ["2000", "1000", "200", ""]);
    assert_eq!(column(&by_model, "batch_latency_p50_ms"), ["3000", "", "", ""]);
    assert_eq!(column(&by_model, "batch_latency_p95_ms"), ["3000", "", "", ""]);
    assert_eq!(column(&read(dir.path(), "by_day.csv"), "cost_usd"), ["0.012425", "0.00453"]);
    for name in ["by_feature", "by_route", "by_user", "cache", "retries", "fallbacks", "thresholds", "jobs"] {
        assert!(dir.path().join(format!("{name}.csv")).exists(), "{name}.csv");
    }
}

#[test]
fn hostile_cells_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &[]);
    let routes = column(&read(dir.path(), "by_route.csv"), "route");
    assert!(routes.contains(&"'=HYPERLINK(\"http://evil.example\",\"x\")".to_string()), "{routes:?}");
    assert!(routes.contains(&"'+cmd".to_string()));
    assert!(column(&read(dir.path(), "by_feature.csv"), "feature").contains(&"'-sum".to_string()));
    assert!(column(&read(dir.path(), "by_user.csv"), "user").contains(&"'@u3 & \"friends\"".to_string()));
    for name in ["by_route.csv", "by_user.csv", "by_feature.csv", "cache.csv", "retries.csv", "focus.csv"] {
        for row in rows(&read(dir.path(), name)) {
            for cell in row.iter() {
                let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!risky, "{name}: {cell:?}");
            }
        }
    }
}

#[test]
fn summary_has_headline_change_and_latency() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &["--no-timestamp"]);
    let md = read(dir.path(), "summary.md");
    assert!(md.contains("| spend (USD) | $0.0170 | $0.001800 | +$0.0152 (+841.9%) |"), "{md}");
    assert!(md.contains("| unpriced calls (not in spend) | 1 |"));
    assert!(md.contains("| rejected lines | 1 |"));
    assert!(md.contains("| beta | 2 | $0.0116 | 68.6% | 2.0 s | 2.0 s | 3.0 s |"), "{md}");
    assert!(md.contains("\\<script\\>"), "user names are escaped");
    assert!(!md.contains("<script>"));
    assert!(!md.contains("generated at"));
}

#[test]
fn previous_report_gives_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let prev = dir.path().join("sept.json");
    let out = llmcost()
        .args(["report", "fixtures/export/calls.jsonl", "--until", "2026-10-01", "--format", "json"])
        .args(test_pricing())
        .output()
        .unwrap();
    std::fs::write(&prev, &out.stdout).unwrap();
    let pack = dir.path().join("pack");
    export(&pack, &["--format", "md", "--previous", prev.to_str().unwrap()]);
    let md = read(&pack, "summary.md");
    assert!(md.contains("| spend (USD) | $0.0170 | $0.001800 | +$0.0152 (+841.9%) |"), "{md}");
    assert!(md.contains("previous (sept.json)"));
}

#[test]
fn reruns_are_byte_identical() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    export(a.path(), &["--no-timestamp"]);
    export(b.path(), &["--no-timestamp"]);
    let mut names: Vec<_> = std::fs::read_dir(a.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert!(names.len() >= 14, "{names:?}");
    for name in names {
        assert_eq!(
            std::fs::read(a.path().join(&name)).unwrap(),
            std::fs::read(b.path().join(&name)).unwrap(),
            "{name:?}"
        );
    }
    let c = tempfile::tempdir().unwrap();
    export(c.path(), &[]);
    let stamped = read(c.path(), "summary.md");
    let plain = read(a.path(), "summary.md");
    let without: Vec<&str> = stamped.lines().filter(|l| !l.starts_with("- generated at")).collect();
    assert_eq!(without.len() + 1, stamped.lines().count(), "one generated-at line");
    assert_eq!(without, plain.lines().collect::<Vec<_>>());
}

#[test]
fn bad_month_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    llmcost()
        .args(["export", "fixtures/export/calls.jsonl", "--month", "2026-13", "--out"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn html_is_self_contained_and_escapes_log_values() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &["--format", "html", "--no-timestamp"]);
    let html = read(dir.path(), "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no script, and hostile names are escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("@u3 &amp; &quot;friends&quot;"));
    assert!(html.contains("=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)"));
    for fetch in ["<link", "src=", "@import", "url(", "href="] {
        assert!(!html.contains(fetch), "{fetch} would load something");
    }
    let urls: Vec<&str> =
        html.match_indices("http").map(|(i, _)| &html[i..(i + 40).min(html.len())]).collect();
    assert!(
        urls.iter().all(|u| u.starts_with("http://www.w3.org/2000/svg") || u.starts_with("http://evil.exam")),
        "{urls:?}"
    );
    assert!(html.matches("<svg").count() >= 4, "charts: daily, Pareto, cache, cost by feature");
    assert!(html.contains("Daily spend by model (USD per day, UTC)"));
    assert!(html.contains("$0.0170"));
}

#[test]
fn parquet_reads_back_with_polars() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &["--format", "parquet"]);
    let file = std::fs::File::open(dir.path().join("calls.parquet")).expect("calls.parquet");
    let df = ParquetReader::new(file).finish().expect("reads back");
    assert_eq!(df.height(), 5, "the October calls");
    let text = |name: &str| -> Vec<Option<String>> {
        let col = df.column(name).unwrap().str().unwrap().clone();
        (0..col.len()).map(|i| col.get(i).map(str::to_string)).collect()
    };
    let cost = text("cost_usd");
    let model = text("model");
    let at = |m: &str| model.iter().position(|x| x.as_deref() == Some(m)).unwrap();
    assert_eq!(cost[at("alpha")].as_deref(), Some("0.0053"));
    assert_eq!(cost[at("mystery")], None, "unpriced: null, never 0");
    let beta = model.iter().position(|x| x.as_deref() == Some("beta")).unwrap();
    assert_eq!(cost[beta].as_deref(), Some("0.007125"));
    assert_eq!(text("rate_input_per_mtok")[beta].as_deref(), Some("6"));
    let float = df.column("cost_usd_float").unwrap().f64().unwrap().get(beta).unwrap();
    assert!((float - 0.007125).abs() < 1e-12);
    let crossed = df.column("crossed_threshold").unwrap().bool().unwrap().clone();
    assert_eq!((0..5).filter(|&i| crossed.get(i) == Some(true)).count(), 1);
    assert_eq!(crossed.get(beta), Some(true));
    assert_eq!(df.column("tier").unwrap().u32().unwrap().get(beta), Some(1));
    assert_eq!(
        text("user")[at("alpha")].as_deref(),
        Some("<script>alert(1)</script>"),
        "stored as data, unchanged"
    );
}

/// A symlink planted where an export file goes is replaced, never written through (#12).
#[cfg(unix)]
#[test]
fn export_replaces_a_planted_symlink_r12() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::os::unix::fs::symlink(&victim, out_dir.join("summary.md")).unwrap();
    export(&out_dir, &["--no-timestamp", "--format", "md"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let summary = out_dir.join("summary.md");
    assert!(!std::fs::symlink_metadata(&summary).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&summary).unwrap().contains("LLM cost review"));
}

#[test]
fn the_pack_says_where_to_save() {
    // fixtures/savings.jsonl: the figures of fixtures/savings.md.
    let dir = tempfile::tempdir().unwrap();
    let out = llmcost()
        .args([
            "export",
            "fixtures/savings.jsonl",
            "--out",
            dir.path().to_str().unwrap(),
            "--no-timestamp",
            "-q",
        ])
        .args(test_pricing())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let md = read(dir.path(), "summary.md");
    assert!(md.contains("## Where to save (each lever alone, over 3.0 days)"), "{md}");
    assert!(md.contains("| Batch API | $0.0761 | $0.7610 | 23.5% | 8 |"), "{md}");
    let csv = read(dir.path(), "savings.csv");
    assert!(csv.contains("combined_total,,,0.12432,1.2432,"), "{csv}");
    let html = read(dir.path(), "report.html");
    assert!(html.contains("Where to save: each lever alone"), "the savings chart is drawn");
}
