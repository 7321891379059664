//! `llmcost report` on the hand-checked fixtures: totals, breakdowns, line accounting,
//! formats, inputs and exit codes.

use std::collections::BTreeMap;
use std::io::Write;

use predicates::prelude::*;

use super::{expected, fixture, llmcost, run_json, same_decimal, test_pricing};

fn csv_costs(args: &[&str], dimension: &str) -> BTreeMap<String, String> {
    let out = llmcost().args(args).args(["--format", "csv"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    rdr.records()
        .map(Result::unwrap)
        .filter(|r| &r[0] == "breakdown" && &r[1] == dimension && r[4].parse::<u64>().unwrap() > 0)
        .map(|r| (r[2].to_string(), r[10].to_string()))
        .collect()
}

fn assert_costs(actual: &BTreeMap<String, String>, expected: &serde_json::Value) {
    let expected = expected.as_object().unwrap();
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (key, want) in expected {
        let got = actual.get(key).unwrap_or_else(|| panic!("no row {key} in {actual:?}"));
        assert!(same_decimal(got, want.as_str().unwrap()), "{key}: got {got}, want {want}");
    }
}

#[test]
fn totals_match_hand_computed_figures() {
    let want = &expected()["calls.jsonl"];
    let mut args = vec!["report", "fixtures/calls.jsonl"];
    args.extend(test_pricing());
    let r = run_json(&args);
    let t = &r["totals"];
    assert!(same_decimal(t["cost_usd_exact"].as_str().unwrap(), want["cost_usd"].as_str().unwrap()));
    for key in
        ["calls", "priced_calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"]
    {
        assert_eq!(t[key], want[key], "{key}");
    }
    assert_eq!(t["unpriced_calls"], 2);
    assert_eq!(r["unpriced"][0]["model"], "mystery-1");
    assert_eq!(r["unpriced"][0]["calls"], 2);
    assert_eq!(r["lines"]["read"], want["lines_read"]);
    assert_eq!(r["lines"]["accepted"], want["accepted"]);
    assert_eq!(r["period"]["from"], "2026-02-10T09:00:00Z");
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["pricing"]["tables"][0]["name"], "fixtures/pricing/test.toml");
}

#[test]
fn breakdowns_match_hand_computed_figures() {
    let want = &expected()["calls.jsonl"];
    let mut args = vec![
        "report",
        "fixtures/calls.jsonl",
        "--by",
        "model",
        "--by",
        "route",
        "--by",
        "day",
        "--by",
        "team",
        "--by",
        "logged_model",
    ];
    args.extend(test_pricing());
    assert_costs(&csv_costs(&args, "model"), &want["by_model"]);
    assert_costs(&csv_costs(&args, "logged_model"), &want["by_logged_model"]);
    assert_costs(&csv_costs(&args, "route"), &want["by_route"]);
    assert_costs(&csv_costs(&args, "day"), &want["by_day"]);
    assert_costs(&csv_costs(&args, "team"), &want["by_team"]);
}

#[test]
fn csv_input_gives_the_same_report_as_jsonl() {
    let mut jsonl = vec!["report", "fixtures/calls.jsonl", "--by", "route,team"];
    jsonl.extend(test_pricing());
    let mut csv = jsonl.clone();
    csv[1] = "fixtures/calls.csv";
    let (a, b) = (run_json(&jsonl), run_json(&csv));
    assert_eq!(a["totals"], b["totals"]);
    assert_eq!(a["breakdowns"], b["breakdowns"]);
    assert_eq!(a["lines"], b["lines"]);
}

#[test]
fn every_line_is_accounted_for() {
    let want = &expected()["bad.jsonl"];
    let mut args = vec!["report", "fixtures/bad.jsonl"];
    args.extend(test_pricing());
    let r = run_json(&args);
    assert_eq!(r["lines"]["read"], want["lines_read"]);
    assert_eq!(r["lines"]["accepted"], want["accepted"]);
    assert_eq!(r["lines"]["rejected"], want["rejected"]);
    assert_eq!(r["lines"]["blank"], 1);
    let lines: Vec<_> = r["rejected"].as_array().unwrap().iter().map(|x| x["line"].clone()).collect();
    assert_eq!(serde_json::Value::from(lines), want["rejected_lines"]);
    assert!(r["rejected"].as_array().unwrap().iter().all(|x| x["file"] == "fixtures/bad.jsonl"));
    assert!(same_decimal(
        r["totals"]["cost_usd_exact"].as_str().unwrap(),
        want["cost_usd"].as_str().unwrap()
    ));
}

#[test]
fn rejects_name_the_field() {
    let mut args = vec!["report", "fixtures/bad.jsonl"];
    args.extend(test_pricing());
    let r = run_json(&args);
    let field_of = |line: u64| {
        let rej = r["rejected"].as_array().unwrap().iter().find(|x| x["line"] == line).unwrap();
        rej["field"].as_str().map(str::to_string)
    };
    assert_eq!(field_of(3).as_deref(), Some("output_tokens"));
    assert_eq!(field_of(4).as_deref(), Some("input_tokens"));
    assert_eq!(field_of(8).as_deref(), Some("cache_write_1h_tokens"));
    assert_eq!(field_of(9).as_deref(), Some("reasoning_tokens"));
    assert_eq!(field_of(10).as_deref(), Some("timestamp"));
}

#[test]
fn rejects_are_reported_and_strict_fails() {
    let mut args = vec!["report", "fixtures/bad.jsonl"];
    args.extend(test_pricing());
    llmcost()
        .args(&args)
        .assert()
        .success()
        .stdout(predicate::str::contains("fixtures/bad.jsonl:3: field output_tokens: missing"))
        .stderr(predicate::str::contains("8 lines rejected"));
    llmcost()
        .args(&args)
        .arg("--strict")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fixtures/bad.jsonl:2: invalid JSON"));
}

#[test]
fn unpriced_error_exits_2_after_listing() {
    let mut args = vec!["report", "fixtures/calls.jsonl", "--unpriced", "error"];
    args.extend(test_pricing());
    llmcost().args(&args).assert().code(2).stdout(predicate::str::contains("mystery-1")).stderr(
        predicate::str::contains("2 calls have no price")
            .and(predicate::str::contains("mystery-1 (2 calls)")),
    );
}

#[test]
fn price_as_of_reprices_every_call() {
    // fixtures/EXPECTED.md, "Repriced with --price-as-of": (date, total, by model, by day), µ$.
    let cases = [
        (
            "2026-02-15",
            "0.03424055",
            // alpha, alpha-2026-01-01 and alpha-preview-x are one model: 6260 + 4650 + 5700.
            [("alpha", 16610.0)],
            [("2026-02-10", 7150.0), ("2026-03-01", 8780.0), ("2026-03-02", 18310.55)],
        ),
        (
            "2026-03-15",
            "0.02861555",
            // 4410 + 2525 + 4050.
            [("alpha", 10985.0)],
            [("2026-02-10", 4175.0), ("2026-03-01", 6430.0), ("2026-03-02", 18010.55)],
        ),
    ];
    // beta 9112.5 + testco/beta 8256 = 17368.5.
    let unchanged = [("beta", 17368.5), ("gamma", 262.05)];
    for (date, total, models, days) in cases {
        let mut args = vec!["report", "fixtures/calls.jsonl", "--price-as-of", date];
        args.extend(test_pricing());
        let r = run_json(&args);
        assert_eq!(r["pricing"]["as_of"], date);
        assert!(
            same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), total),
            "{date}: {}",
            r["totals"]
        );
        let costs = |dim: &str| -> Vec<(String, f64)> {
            let mut v: Vec<(String, f64)> = r["breakdowns"][dim]
                .as_array()
                .unwrap()
                .iter()
                .filter(|row| row["priced_calls"].as_u64() != Some(0))
                .map(|row| (row["key"].as_str().unwrap().to_string(), row["cost_usd"].as_f64().unwrap()))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let mut want_models: Vec<(&str, f64)> = models.iter().chain(&unchanged).copied().collect();
        want_models.sort_by(|a, b| a.0.cmp(b.0));
        for (dim, want) in [("model", want_models), ("day", days.to_vec())] {
            let got = costs(dim);
            assert_eq!(got.len(), want.len(), "{date} {dim}: {got:?}");
            for ((k, g), (wk, w)) in got.iter().zip(&want) {
                assert_eq!(k, wk, "{date} {dim}");
                assert!((g - w * 1e-6).abs() < 1e-15, "{date} {dim} {k}: got {g}, want {w} µ$");
            }
        }
    }
}

#[test]
fn since_until_and_filter_select_calls() {
    // 2026-03-02 only: r07..r14 = 4500 + 8256 + 4612.5 + 160.8 + 21.25 + 0 + 460 = 18010.55 µ$.
    let mut args = vec!["report", "fixtures/calls.jsonl", "--since", "2026-03-02", "--until", "2026-03-03"];
    args.extend(test_pricing());
    let r = run_json(&args);
    assert!(same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), "0.01801055"));
    assert_eq!(r["filtered_out"], 6);
    // team=platform: r05 4050 + r08 8256 + r09 4612.5 + r13 460 = 17378.5 µ$.
    let mut args = vec!["report", "fixtures/calls.jsonl", "--filter", "team=platform"];
    args.extend(test_pricing());
    let r = run_json(&args);
    assert!(same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), "0.0173785"));
    assert_eq!(r["totals"]["calls"], 4);
}

#[test]
fn stdin_gzip_and_directories_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(fixture("calls.jsonl")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    // A .gz file with no telling name: found by walking the directory, unzipped by magic bytes.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a.jsonl.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a log").unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let mut args = vec!["report", dir_arg];
    args.extend(test_pricing());
    let r = run_json(&args);
    assert!(same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), "0.03159055"));

    let mut args = vec!["report", "-", "--format", "json"];
    args.extend(test_pricing());
    let out =
        llmcost().args(&args).write_stdin(std::fs::read(fixture("calls.csv")).unwrap()).output().unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["totals"]["calls"], 14);
    assert!(same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), "0.03159055"));
}

#[test]
fn missing_input_is_an_error_naming_it() {
    llmcost()
        .args(["report", "no/such.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such.jsonl: no such file"));
}

#[test]
fn table_output_snapshot() {
    let mut args =
        vec!["report", "fixtures/calls.jsonl", "--by", "model", "--by", "route,team", "--only", "totals"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    insta::assert_snapshot!("report_table", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn markdown_output_snapshot() {
    let mut args =
        vec!["report", "fixtures/bad.jsonl", "--format", "md", "--by", "route", "--only", "totals"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    insta::assert_snapshot!("report_markdown", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn bundled_sample_runs_on_builtin_prices() {
    let r = run_json(&["report", "fixtures/sample.jsonl"]);
    assert_eq!(r["lines"]["read"], 400);
    assert_eq!(r["lines"]["rejected"], 0);
    // The generator's one custom model is the only thing the built-in tables must not know.
    let unpriced: Vec<_> =
        r["unpriced"].as_array().unwrap().iter().map(|u| u["model"].as_str().unwrap().to_string()).collect();
    assert_eq!(unpriced, ["acme-finetune-v2"]);
}

/// Line numbers must survive the parallel chunking: a file several chunks long, with bad
/// lines at known places, a CRLF line, a blank line and no final newline.
#[test]
fn line_numbers_are_exact_across_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let good = |i: usize| {
        format!(
            r#"{{"timestamp":"2026-02-10T09:00:00Z","model":"alpha","input_tokens":1000,"output_tokens":100,"route":"r{}","pad":"{}"}}"#,
            i % 7,
            "x".repeat(500)
        )
    };
    let mut lines: Vec<String> = (1..=6000).map(good).collect();
    lines[1233] = "{\"timestamp\": oops".to_string(); // line 1234
    lines[4320] = lines[4320].replace("\"input_tokens\":1000", "\"input_tokens\":-1"); // line 4321
    lines[2999] = String::new(); // line 3000 blank
    lines[10] = format!("{}\r", lines[10]);
    let path = dir.path().join("big.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let r = super::run_json(&[
        "report",
        path.to_str().unwrap(),
        "--pricing",
        "fixtures/pricing/test.toml",
        "--no-builtin-pricing",
    ]);
    let rejected: Vec<u64> =
        r["rejected"].as_array().unwrap().iter().map(|x| x["line"].as_u64().unwrap()).collect();
    assert_eq!(rejected, [1234, 4321]);
    assert_eq!(r["lines"]["read"], 5999);
    assert_eq!(r["lines"]["blank"], 1);
    assert_eq!(r["lines"]["accepted"], 5997);
    // 5997 calls × (1000 × $2 + 100 × $8 = 2800 µ$) = $16.7916.
    assert_eq!(r["totals"]["cost_usd_exact"], "16.7916");
}

/// Splitting one log into two files changes nothing but the file list.
#[test]
fn splitting_input_files_keeps_totals() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("calls.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(6);
    std::fs::write(dir.path().join("a.jsonl"), a.join("\n")).unwrap();
    std::fs::write(dir.path().join("b.jsonl"), b.join("\n")).unwrap();
    let mut args = vec!["report", dir.path().to_str().unwrap(), "--by", "route,team"];
    args.extend(test_pricing());
    let split = run_json(&args);
    let mut args = vec!["report", "fixtures/calls.jsonl", "--by", "route,team"];
    args.extend(test_pricing());
    let whole = run_json(&args);
    assert_eq!(split["totals"], whole["totals"]);
    assert_eq!(split["breakdowns"], whole["breakdowns"]);
}

/// An unpriced model's cost is unknown: an empty cell in the report CSV, as in by_*.csv and
/// as null in calls.parquet, never 0 (issue #17). sample.jsonl's acme-finetune-v2 has no price.
#[test]
fn unpriced_cost_is_an_empty_csv_cell_r17() {
    let out = llmcost()
        .args(["report", "fixtures/sample.jsonl", "--format", "csv", "--by", "model"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = r.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let row =
        rows.iter().find(|row| &row[at("key")] == "acme-finetune-v2").expect("the unpriced model's row");
    assert_eq!((&row[at("calls")], &row[at("priced_calls")]), ("1", "0"));
    assert_eq!((&row[at("cost_usd")], &row[at("share")]), ("", ""));
    let priced = rows.iter().find(|row| &row[at("key")] == "gpt-4o").unwrap();
    assert!(!priced[at("cost_usd")].is_empty());
}

/// The first screen: the preamble and headline fit 80 × 24 before the first table, and each
/// leak's dollars are its section's own figure (issue #18).
#[test]
fn the_headline_fits_one_screen_and_quotes_the_sections_r18() {
    let out = llmcost().args(["report", "fixtures/sample.jsonl"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let head: Vec<&str> = text.lines().take_while(|l| *l != "Totals").collect();
    assert!(head.len() <= 24, "{} lines:\n{}", head.len(), head.join("\n"));
    assert!(head.iter().all(|l| l.chars().count() <= 80), "{}", head.join("\n"));
    assert!(head.iter().any(|l| l.starts_with("Spend: $4.18 over 400 calls (excludes 1 unpriced call)")));
    let r = run_json(&["report", "fixtures/sample.jsonl"]);
    let usd = |v: &serde_json::Value| {
        llmcost::render::usd(llmcost::money::Money::from_f64(v.as_f64().unwrap()).unwrap())
    };
    // Each figure as its section reports it, in the headline's wording.
    let expected = [
        format!(
            "{}  {} outlier jobs (their whole cost) [jobs]",
            usd(&r["jobs"]["outlier_cost_usd"]),
            r["jobs"]["outlier_count"]
        ),
        format!(
            "{}  {} answers cut off at the output limit [waste]",
            usd(&r["waste"]["truncated_cost_usd"]),
            r["waste"]["truncated_calls"]
        ),
    ];
    for e in expected {
        assert!(head.iter().any(|l| l.trim_start() == e), "{e:?} not in:\n{}", head.join("\n"));
    }
    // The default detail keeps the model and route breakdowns; --detail full has them all.
    assert!(text.contains("By model") && text.contains("By route") && !text.contains("By user"));
    let full = llmcost().args(["report", "fixtures/sample.jsonl", "--detail", "full"]).output().unwrap();
    assert!(String::from_utf8(full.stdout).unwrap().contains("By user"));
}

/// The first screen of `llmcost report LOG`: every line above the Totals table, the price
/// tables' hash masked (built-in prices are edited on their own schedule; the dollars still
/// show any change). It must fit a 24 × 80 terminal.
fn first_screen(log: &std::path::Path) -> String {
    let out = llmcost().arg("report").arg(log).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let head: Vec<String> = text
        .lines()
        .take_while(|l| *l != "Totals")
        .map(|l| match l.split_once("(hash ") {
            Some((before, _)) => format!("{before}(hash [HASH])"),
            None => l.to_string(),
        })
        .collect();
    assert!(head.len() <= 24, "{} lines:\n{}", head.len(), head.join("\n"));
    assert!(head.iter().all(|l| l.chars().count() <= 80), "{}", head.join("\n"));
    head.join("\n")
}

/// The bundled sample's first screen (README's quick start shows it) and that of a generated
/// month, `gen_logs --rows 2000 --seed 7` (examples/gen_logs.rs, std-only: compiled here with
/// rustc, as its doc says, so a filtered `cargo test` needs no example build) (#18).
#[test]
fn first_screens_of_the_sample_and_a_generated_month_r18() {
    insta::assert_snapshot!("first_screen_sample", first_screen(&fixture("sample.jsonl")));
    let dir = tempfile::tempdir().unwrap();
    let gen = dir.path().join("gen_logs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let built = std::process::Command::new(rustc)
        .args(["--edition", "2021", "examples/gen_logs.rs", "-o"])
        .arg(&gen)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let month = std::process::Command::new(&gen).args(["--rows", "2000", "--seed", "7"]).output().unwrap();
    assert!(month.status.success());
    let log = dir.path().join("month.jsonl");
    std::fs::write(&log, &month.stdout).unwrap();
    insta::assert_snapshot!("first_screen_generated_month", first_screen(&log));
}

/// Calls whose log has no time are dated at the run's start, and priced at its prices, when
/// no --price-as-of is given: with the start fixed (LLMCOST_NOW) the run is reproducible.
/// anthropic.jsonl is worked in fixtures/formats/README.md at 2026-01-05: $0.0044625 (#17).
#[test]
fn untimed_calls_are_dated_at_the_run_start_r17() {
    for now in ["2026-01-05", "2026-02-01T12:00:00Z"] {
        let out = llmcost()
            .env("LLMCOST_NOW", now)
            .args(["report", "fixtures/formats/anthropic.jsonl", "--only", "totals", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let start = if now.len() == 10 { format!("{now}T00:00:00Z") } else { now.to_string() };
        assert_eq!(
            (r["period"]["from"].as_str(), r["period"]["to"].as_str()),
            (Some(&*start), Some(&*start))
        );
        assert_eq!(r["totals"]["cost_usd_exact"], "0.0044625", "claude-sonnet-4-5's prices hold at {now}");
        assert!(r["notes"].to_string().contains("carry no time in their log"), "{}", r["notes"]);
    }
    let bad = llmcost()
        .env("LLMCOST_NOW", "soon")
        .args(["report", "fixtures/formats/anthropic.jsonl"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
