//! Whole-report invariance: the full JSON report (every section, every breakdown) of a
//! section fixture must not change when its lines are shuffled and split at random points
//! into several files (retry chains, duplicate windows, fallbacks and jobs then span files),
//! nor when the same rows are read from a CSV twin. Seeded, so a failure is reproducible.

use serde_json::Value;

use super::{fixture, run_json, test_pricing, Rng};

const FIXTURES: [&str; 11] = [
    "calls",
    "retries",
    "duplicates",
    "fallbacks",
    "jobs",
    "cache",
    "waste",
    "environments",
    "thresholds",
    "pareto",
    "reconciliation",
];

/// The report of `files`, less the list of inputs (the only part that names the files).
fn report(files: &[String]) -> Value {
    let mut args: Vec<&str> = vec!["report"];
    args.extend(files.iter().map(String::as_str));
    args.extend(test_pricing());
    let mut r = run_json(&args);
    r.as_object_mut().unwrap().remove("inputs").expect("an inputs list");
    r
}

/// The fixture's lines shuffled and cut into 2–4 files, listed in a random order.
fn shuffled_split(name: &str, rng: &mut Rng, dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(fixture(&format!("{name}.jsonl"))).unwrap();
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    rng.shuffle(&mut lines);
    let parts = 2 + rng.below(3) as usize;
    let mut cuts: Vec<usize> = (1..parts).map(|_| rng.below(lines.len() as u64 + 1) as usize).collect();
    cuts.extend([0, lines.len()]);
    cuts.sort_unstable();
    let mut files: Vec<String> = cuts
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let path = dir.join(format!("{name}-{i}.jsonl"));
            std::fs::write(&path, lines[w[0]..w[1]].join("\n")).unwrap();
            path.to_str().unwrap().to_string()
        })
        .collect();
    rng.shuffle(&mut files);
    files
}

/// Rows of every list in canonical order, so two reports compare equal when they hold the
/// same rows with the same figures whatever order equal-ranked rows came in. Pareto's `top`
/// lists are cut at N rows, so which of several equal-cost calls makes the cut depends on the
/// order: of those only the figures (cost, shares) are compared, not the names.
fn canonical(v: &Value, key: &str) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items
                .iter()
                .map(|x| match x {
                    Value::Object(row) if key == "top" => Value::Object(
                        row.iter()
                            .filter(|(_, f)| f.is_number())
                            .map(|(k, f)| (k.clone(), f.clone()))
                            .collect(),
                    ),
                    _ => canonical(x, ""),
                })
                .collect();
            items.sort_by_key(|x| x.to_string());
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, x)| (k.clone(), canonical(x, k))).collect()),
        other => other.clone(),
    }
}

/// The first path at which two reports differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (p, q) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                if let Some(d) = first_difference(p, q, &format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

fn check_shuffles(name: &str, rounds: u64, strict: bool) {
    let dir = tempfile::tempdir().unwrap();
    let base = report(&[fixture(&format!("{name}.jsonl")).to_str().unwrap().to_string()]);
    let norm = |v: &Value| if strict { v.clone() } else { canonical(v, "") };
    let want = norm(&base);
    for seed in 1..=rounds {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let files = shuffled_split(name, &mut rng, dir.path());
        let got = norm(&report(&files));
        if let Some(d) = first_difference(&want, &got, "") {
            panic!("{name}.jsonl, seed {seed}, files {files:?}: the report changed at {d}");
        }
    }
}

/// Every figure of every section is the same under any line order and any split into files
/// (list rows compared as sets: see the strict test below for their order).
#[test]
fn every_figure_survives_shuffling_and_splitting() {
    for name in FIXTURES {
        check_shuffles(name, 6, false);
    }
}

/// The same, rows in the order the report gives them. Fails today: rows that tie on cost
/// (breakdowns, pareto's top calls, sections' lists) keep the order their keys were first
/// seen in, so a different line order lists them differently.
#[test]
fn the_report_is_identical_under_shuffling_and_splitting() {
    for name in FIXTURES {
        check_shuffles(name, 6, true);
    }
}

/// A CSV twin of a JSONL fixture: one column per field in order of first appearance, null
/// and absent as an empty cell, booleans as true/false.
fn csv_twin(name: &str, dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(fixture(&format!("{name}.jsonl"))).unwrap();
    let rows: Vec<serde_json::Map<String, Value>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap().as_object().unwrap().clone())
        .collect();
    let mut header: Vec<String> = Vec::new();
    for row in &rows {
        for k in row.keys() {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
    }
    let path = dir.join(format!("{name}.csv"));
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    for row in &rows {
        let cells = header.iter().map(|k| match row.get(k) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        });
        w.write_record(cells).unwrap();
    }
    w.flush().unwrap();
    path.to_str().unwrap().to_string()
}

/// environments.jsonl is left out: it logs an environment of "" beside a null one, which a
/// CSV cell cannot tell apart (an empty cell is null, README).
#[test]
fn csv_twins_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    for name in FIXTURES.into_iter().filter(|&n| n != "environments") {
        let jsonl = report(&[fixture(&format!("{name}.jsonl")).to_str().unwrap().to_string()]);
        let csv = report(&[csv_twin(name, dir.path())]);
        if let Some(d) = first_difference(&jsonl, &csv, "") {
            panic!("{name}: the CSV twin's report differs at {d}");
        }
    }
}

/// The leak sections, as `--only` names them (also their keys in the JSON report).
const SECTIONS: [&str; 12] = [
    "pareto",
    "cache",
    "retries",
    "storms",
    "fallbacks",
    "thresholds",
    "jobs",
    "duplicates",
    "waste",
    "environments",
    "reconciliation",
    "savings",
];

/// A section run alone reads only its own columns from the log (`Section::columns`): it must
/// say exactly what it says in the full report, on every section fixture and on a generated
/// month with planted leaks and storms. (A debug build also panics when a section reads a
/// column its list forgot.)
#[test]
fn a_section_alone_says_what_it_says_in_the_full_report() {
    let dir = tempfile::tempdir().unwrap();
    let month = dir.path().join("month.jsonl");
    let exe = std::env::current_exe().unwrap();
    let gen = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples").join("gen_logs");
    let out = std::process::Command::new(&gen)
        .args(["--rows", "6000", "--seed", "11", "--leaks", "--storms"])
        .output()
        .unwrap_or_else(|e| panic!("{gen:?}: {e}"));
    assert!(out.status.success(), "gen_logs failed");
    std::fs::write(&month, &out.stdout).unwrap();
    let month = month.to_str().unwrap().to_string();
    let mut logs: Vec<(String, bool)> = FIXTURES
        .iter()
        .chain(&["savings"])
        .map(|n| (fixture(&format!("{n}.jsonl")).to_str().unwrap().into(), true))
        .collect();
    logs.push((month, false));
    let mut seen = std::collections::BTreeSet::new();
    for (log, hand_prices) in &logs {
        let run = |only: Option<&str>| -> serde_json::Value {
            let mut args = vec!["report", log.as_str()];
            if *hand_prices {
                args.extend(test_pricing());
            }
            if let Some(s) = only {
                args.extend(["--only", s]);
            }
            run_json(&args)
        };
        // Every section at once (reconciliation is not in the default report).
        let all = SECTIONS.join(",");
        let full = run(Some(&all));
        for section in SECTIONS {
            let alone = run(Some(section));
            if !full[section].is_null() {
                seen.insert(section);
            }
            if let Some(d) = first_difference(&full[section], &alone[section], section) {
                panic!("{log}: `--only {section}` differs from the full report at {d}");
            }
        }
    }
    assert_eq!(seen.len(), SECTIONS.len(), "every section is computed on some log: {seen:?}");
}
