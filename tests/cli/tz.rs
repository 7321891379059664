//! `--tz`: days and hours of fixtures/tz.jsonl in Europe/Berlin and in UTC, across both 2026
//! clock changes, in report, budget and export; every figure is worked out in fixtures/tz.md.

use serde_json::Value;

use super::{llmcost, run_json, test_pricing};

const LOG: &str = "fixtures/tz.jsonl";
const BERLIN: [&str; 2] = ["--tz", "Europe/Berlin"];

/// (key, calls, cost) of each row of breakdown `dim`, in the report's order.
fn rows(r: &Value, dim: &str) -> Vec<(String, u64, f64)> {
    r["breakdowns"][dim]
        .as_array()
        .unwrap_or_else(|| panic!("no breakdown {dim} in {r}"))
        .iter()
        .map(|row| {
            let key = row["key"].as_str().unwrap().to_string();
            (key, row["calls"].as_u64().unwrap(), row["cost_usd"].as_f64().unwrap())
        })
        .collect()
}

fn report(extra: &[&str]) -> Value {
    report_of(&[&["report", LOG][..], extra].concat())
}

/// The JSON report of `llmcost args` priced with the test table.
fn report_of(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(test_pricing());
    run_json(&args)
}

/// Rows with costs in thousandths of a dollar (every cost here is N × $0.001).
fn milli(rows: Vec<(String, u64, f64)>) -> Vec<(String, u64, u64)> {
    rows.into_iter().map(|(k, n, c)| (k, n, (c * 1000.0).round() as u64)).collect()
}

fn owned(want: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    want.iter().map(|&(k, n, c)| (k.to_string(), n, c)).collect()
}

#[test]
fn days_are_counted_in_the_zone() {
    let berlin = report(&["--by", "day", "--tz", "Europe/Berlin"]);
    assert_eq!(berlin["time_zone"], "Europe/Berlin");
    assert_eq!(berlin["period"]["from"], "2026-03-29T00:30:00Z", "the period stays UTC");
    let want = [
        ("2026-03-29", 3, 6),
        ("2026-10-01", 1, 4),
        ("2026-10-24", 1, 5),
        ("2026-10-25", 4, 30),
        ("2026-10-26", 1, 10),
        ("2026-11-01", 1, 11),
    ];
    assert_eq!(milli(rows(&berlin, "day")), owned(&want));
    let utc = report(&["--by", "day"]);
    assert_eq!(utc["time_zone"], "UTC");
    let want = [
        ("2026-03-29", 3, 6),
        ("2026-09-30", 1, 4),
        ("2026-10-24", 2, 11),
        ("2026-10-25", 4, 34),
        ("2026-10-31", 1, 11),
    ];
    assert_eq!(milli(rows(&utc, "day")), owned(&want));
}

#[test]
fn hours_skip_the_spring_gap_and_repeat_in_autumn_with_their_offsets() {
    let berlin = report(&["--by", "hour", "--tz", "Europe/Berlin"]);
    let want = [
        ("2026-03-29T01:00+01:00", 1, 1),
        ("2026-03-29T03:00+02:00", 1, 2),
        ("2026-03-29T04:00+02:00", 1, 3),
        ("2026-10-01T00:00+02:00", 1, 4),
        ("2026-10-24T23:00+02:00", 1, 5),
        ("2026-10-25T00:00+02:00", 1, 6),
        ("2026-10-25T02:00+02:00", 1, 7),
        ("2026-10-25T02:00+01:00", 1, 8),
        ("2026-10-25T23:00+01:00", 1, 9),
        ("2026-10-26T00:00+01:00", 1, 10),
        ("2026-11-01T00:00+01:00", 1, 11),
    ];
    assert_eq!(milli(rows(&berlin, "hour")), owned(&want));
    let utc = report(&["--by", "hour", "--filter", "hour=2026-10-25T01:00Z"]);
    assert_eq!(milli(rows(&utc, "hour")), owned(&[("2026-10-25T01:00Z", 1, 8)]));
    // A filter finds the second 02:00 by its offset.
    let second = report(&["--by", "day", "--tz", "Europe/Berlin", "--filter", "hour=2026-10-25T02:00+01:00"]);
    assert_eq!(milli(rows(&second, "day")), owned(&[("2026-10-25", 1, 8)]));
}

#[test]
fn bare_dates_are_midnights_in_the_zone() {
    let window = ["--since", "2026-10-25", "--until", "2026-10-26"];
    let berlin = report(&[&window[..], &BERLIN[..]].concat());
    assert_eq!(berlin["totals"]["calls"], 4);
    assert_eq!(berlin["totals"]["cost_usd_exact"], "0.03");
    let utc = report(&window);
    assert_eq!(utc["totals"]["cost_usd_exact"], "0.034");
}

#[test]
fn tables_name_the_zone_of_their_buckets() {
    let mut args = vec!["report", LOG, "--by", "day"];
    args.extend(test_pricing());
    let utc = super::run_table(&args);
    assert!(utc.contains("\nBy day (UTC)\n"), "{utc}");
    assert!(utc.contains("2026-03-29T00:30:00Z → 2026-10-31T23:30:00Z (UTC)"), "{utc}");
    args.extend(BERLIN);
    let berlin = super::run_table(&args);
    assert!(berlin.contains("\nBy day (Europe/Berlin)\n"), "{berlin}");
    // The period reads in the zone: c1 at 01:30 CET, c11 at 00:30 CET on Nov 1.
    assert!(
        berlin.contains("2026-03-29T01:30:00+01:00 → 2026-11-01T00:30:00+01:00 (Europe/Berlin)"),
        "{berlin}"
    );
}

#[test]
fn an_unknown_zone_is_an_error() {
    for cmd in [vec!["report", LOG], vec!["export", LOG, "--out", "unused"], vec!["check", LOG]] {
        let out = llmcost().args(&cmd).args(["--tz", "Europe/Berln"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unknown time zone \"Europe/Berln\""), "{err}");
    }
    let out = llmcost().args(["report", LOG, "--tz", "europe/berlin"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean Europe/Berlin?"));
}

fn budget(extra: &[&str]) -> Value {
    let out = llmcost()
        .args(["budget", "--budgets", "fixtures/tz-budgets.yaml", LOG, "--format", "json"])
        .args(test_pricing())
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a hard stop fires: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (start, spend in thousandths, alerts' `at`, the hard stop's `at`) per period.
fn periods(limit: &Value) -> Vec<(String, u64, Vec<String>, Option<String>)> {
    let s = |v: &Value| v.as_str().unwrap().to_string();
    limit["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                s(&p["start"]),
                (p["spend_usd"].as_f64().unwrap() * 1000.0).round() as u64,
                p["alerts"].as_array().unwrap().iter().map(|a| s(&a["at"])).collect(),
                p["hard_stop"].as_object().map(|h| s(&h["at"])),
            )
        })
        .collect()
}

#[test]
fn budgets_replay_the_zones_days_and_hours() {
    let p = |start: &str, spend, alerts: &[&str], stop: Option<&str>| {
        (
            start.to_string(),
            spend,
            alerts.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            stop.map(String::from),
        )
    };
    let berlin = budget(&BERLIN);
    assert_eq!(berlin["time_zone"], "Europe/Berlin");
    let day = &berlin["budgets"][0]["limits"][0];
    assert_eq!(
        periods(day),
        [
            p("2026-03-29", 6, &[], None),
            p("2026-10-01", 4, &[], None),
            p("2026-10-24", 5, &[], None),
            p("2026-10-25", 30, &["2026-10-25T02:30:00+02:00"], Some("2026-10-25T02:30:00+01:00")),
            p("2026-10-26", 10, &["2026-10-26T00:30:00+01:00"], None),
            p("2026-11-01", 11, &["2026-11-01T00:30:00+01:00"], None),
        ]
    );
    let stop = &day["periods"][3]["hard_stop"];
    assert_eq!((stop["prevented_calls"].as_u64(), stop["prevented_usd"].as_f64()), (Some(1), Some(0.009)));
    let hour = &berlin["budgets"][1]["limits"][0];
    assert_eq!((hour["periods"].as_array().unwrap().len(), hour["over_limit"].as_u64()), (11, Some(4)));
    let night: Vec<_> = periods(hour).into_iter().filter(|p| p.0.starts_with("2026-10-25T02")).collect();
    assert_eq!(night, [p("2026-10-25T02:00+02:00", 7, &[], None), p("2026-10-25T02:00+01:00", 8, &[], None)]);

    let utc = budget(&[]);
    assert_eq!(utc["time_zone"], "UTC");
    let day = &utc["budgets"][0]["limits"][0];
    assert_eq!(
        periods(day),
        [
            p("2026-03-29", 6, &[], None),
            p("2026-09-30", 4, &[], None),
            p("2026-10-24", 11, &["2026-10-24T22:30:00Z"], None),
            p("2026-10-25", 34, &["2026-10-25T01:30:00Z"], Some("2026-10-25T22:30:00Z")),
            p("2026-10-31", 11, &["2026-10-31T23:30:00Z"], None),
        ]
    );
    assert_eq!(day["prevented_usd"].as_f64(), Some(0.01));
    let hour = &utc["budgets"][1]["limits"][0];
    assert_eq!((hour["periods"].as_array().unwrap().len(), hour["over_limit"].as_u64()), (11, Some(4)));
}

fn export(dir: &std::path::Path, extra: &[&str]) {
    let out = llmcost()
        .args(["export", LOG, "--month", "2026-10", "--no-timestamp", "--out"])
        .arg(dir)
        .args(test_pricing())
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The (day, cost) pairs of by_day.csv.
fn by_day(dir: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("by_day.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (k, c) = (col("day"), col("cost_usd"));
    r.records().map(|row| row.unwrap()).map(|row| (row[k].to_string(), row[c].to_string())).collect()
}

#[test]
fn export_months_and_days_follow_the_zone_but_focus_stays_utc() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &BERLIN);
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.contains("| spend (USD) | $0.0490 |"), "{md}");
    assert!(md.contains("| calls | 7 |"), "{md}");
    assert!(!md.contains("previous ("), "Berlin's September has no call:\n{md}");
    assert!(md.contains("(Europe/Berlin)"), "{md}");
    let days: Vec<(String, String)> =
        [("2026-10-01", "0.004"), ("2026-10-24", "0.005"), ("2026-10-25", "0.03"), ("2026-10-26", "0.01")]
            .iter()
            .map(|(d, c)| (d.to_string(), c.to_string()))
            .collect();
    let got: Vec<(String, String)> = by_day(dir.path())
        .into_iter()
        .map(|(d, c)| (d, c.trim_end_matches('0').trim_end_matches('.').to_string()))
        .collect();
    assert_eq!(got, days);
    let focus = std::fs::read_to_string(dir.path().join("focus.csv")).unwrap();
    assert!(focus.contains("2026-09-30T00:00:00Z"), "c4 is charged on its UTC day:\n{focus}");

    let utc = tempfile::tempdir().unwrap();
    export(utc.path(), &[]);
    let md = std::fs::read_to_string(utc.path().join("summary.md")).unwrap();
    assert!(md.contains("| spend (USD) | $0.0560 | $0.004000 | +$0.0520 (+1300.0%) |"), "{md}");
}

#[test]
fn cache_collapses_are_dated_in_the_zone() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cache.jsonl");
    let line = |day: u32, read: u32| {
        format!(
            r#"{{"timestamp":"2026-03-0{day}T23:30:00Z","model":"alpha","route":"chat","input_tokens":1000,"output_tokens":0,"cache_read_tokens":{read}}}"#
        )
    };
    let text = [line(1, 900), line(2, 900), line(3, 100), line(4, 100)].join("\n");
    std::fs::write(&log, text).unwrap();
    let at = |extra: &[&str]| {
        let log = log.to_str().unwrap();
        let r = report_of(&[&["report", log, "--only", "cache"][..], extra].concat());
        r["cache"]["collapses"][0]["at"].as_str().map(String::from)
    };
    assert_eq!(at(&[]).as_deref(), Some("2026-03-03"));
    assert_eq!(at(&BERLIN).as_deref(), Some("2026-03-04"));
}
