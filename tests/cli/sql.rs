//! `llmcost sql`: the DuckDB dialect, run by DuckDB (`scripts/sql-duckdb`, the `duckdb`
//! Python package) on the fixtures and on a generated log, gives the report `report --format
//! json` gives, to the last digit: period, pricing, totals, every breakdown row, the unpriced
//! list and the sections the SQL computes (see `same` for how costs and ratios compare).
//! `fixtures/sql.md` works the SQL fixture out by hand.
//!
//! Without the duckdb module the tests say so and pass, unless `LLMCOST_REQUIRE_DATA=1`
//! (set by `.ci/run`, which installs it): then they fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use llmcost::money::Money;
use serde_json::value::RawValue;
use serde_json::Value;

use super::{llmcost, run_json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Whether DuckDB can run; panics instead of skipping when CI requires it.
fn duckdb() -> bool {
    let ok = Process::new("python3").args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        let required = std::env::var("LLMCOST_REQUIRE_DATA").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "LLMCOST_REQUIRE_DATA=1 but the duckdb Python module is missing (pip install duckdb)"
        );
        eprintln!("SKIPPED: the duckdb Python module is not installed");
    }
    ok
}

/// The generated SQL for `flags`, run by DuckDB over `logs`: the report's JSON text.
fn sql_report(flags: &[&str], logs: &[&Path], extras: &[&str]) -> String {
    let out = llmcost()
        .args(["sql", "--dialect", "duckdb", "--table", "calls"])
        .args(flags)
        .output()
        .expect("runs");
    assert!(out.status.success(), "llmcost sql {flags:?}: {}", String::from_utf8_lossy(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("report.sql");
    std::fs::write(&script, &out.stdout).unwrap();
    let mut cmd = Process::new("python3");
    cmd.arg(Path::new(ROOT).join("scripts/sql-duckdb")).arg(&script).args(logs);
    for e in extras {
        cmd.args(["--extra", e]);
    }
    let run = cmd.output().expect("python3 runs");
    assert!(run.status.success(), "duckdb failed on {flags:?}: {}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8(run.stdout).expect("UTF-8")
}

/// Runs both paths and compares them; returns the SQL report for further checks.
fn assert_same(flags: &[&str], logs: &[&Path], extras: &[&str]) -> Value {
    let text = sql_report(flags, logs, extras);
    let sql: Value = serde_json::from_str(&text).expect("the SQL returns a JSON report");
    let mut args = vec!["report"];
    let names: Vec<&str> = logs.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend(&names);
    args.extend(flags);
    args.push("-q");
    let want = run_json(&args);
    assert_eq!(sql["schema_version"], 1);
    let tree: BTreeMap<&str, &RawValue> = serde_json::from_str(&text).unwrap();
    for part in PARTS {
        same(&Tree::of(tree[part]), &want[part], part, &format!("{flags:?}: {part}"));
    }
    assert_eq!(sql["totals"]["cost_usd_exact"].as_str(), Tree::of(tree["totals"]).leaf_at("cost_usd"));
    sql
}

/// The report's parts `llmcost sql` computes.
const PARTS: [&str; 13] = [
    "period",
    "pricing",
    "totals",
    "breakdowns",
    "unpriced",
    "environments",
    "waste",
    "cache",
    "duplicates",
    "thresholds",
    "pareto",
    "retries",
    "fallbacks",
];

/// The SQL's JSON with each number's text as written.
enum Tree<'a> {
    Object(BTreeMap<String, Tree<'a>>),
    Array(Vec<Tree<'a>>),
    Leaf(&'a str),
}

impl<'a> Tree<'a> {
    fn of(raw: &'a RawValue) -> Tree<'a> {
        let text = raw.get();
        match text.trim_start().as_bytes().first() {
            Some(b'{') => {
                let map: BTreeMap<String, &RawValue> = serde_json::from_str(text).unwrap();
                Tree::Object(map.into_iter().map(|(k, v)| (k, Tree::of(v))).collect())
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).unwrap();
                Tree::Array(items.into_iter().map(Tree::of).collect())
            }
            _ => Tree::Leaf(text),
        }
    }

    fn leaf_at(&self, key: &str) -> Option<&'a str> {
        match self {
            Tree::Object(m) => match m.get(key) {
                Some(Tree::Leaf(t)) => Some(t),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The SQL's `got` is the report's `want`, to the last digit. A cost (a key naming USD) is
/// written with every digit by the SQL and as the nearest double by the report, from the
/// same exact figure: the digits must give that very double (`Money::to_f64`). A share, a
/// Gini coefficient, a Pareto curve point or a retry `cost_multiplier` is a ratio of two exact integers each turned
/// into a double, in either program, and DuckDB's 128-bit integer to double conversion may
/// round the last bit differently: equal within 1e-15 of it. Everything else is equal.
fn same(got: &Tree, want: &Value, key: &str, what: &str) {
    match (got, want) {
        (Tree::Object(g), Value::Object(w)) => {
            assert_eq!(g.keys().collect::<Vec<_>>(), w.keys().collect::<Vec<_>>(), "{what}: keys");
            for (k, v) in w {
                same(&g[k], v, k, &format!("{what}.{k}"));
            }
        }
        (Tree::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{what}: length");
            for (i, (x, y)) in g.iter().zip(w).enumerate() {
                same(x, y, key, &format!("{what}[{i}]"));
            }
        }
        (Tree::Leaf(text), Value::Number(n)) if key.contains("usd") => {
            let money = Money::parse(text).unwrap_or_else(|e| panic!("{what}: {text}: {e}"));
            assert_eq!(money.exact(), *text, "{what}: written with trailing zeros");
            let (g, w) = (money.to_f64(), n.as_f64().unwrap());
            // DuckDB 1.1's json_object re-reads a fraction as a double and writes its shortest
            // digits (0.094859685801322137 becomes 0.09485968580132213), while `report`
            // writes atto / 1e18 in doubles: a figure of 17+ significant digits (a collapse's
            // cost since, a rounded quotient) may then differ in the last bit or two.
            let digits = text.trim_start_matches(['-', '0', '.']).replace('.', "").len();
            if g != w {
                assert!(
                    digits >= 16 && (g - w).abs() <= 4.0 * f64::EPSILON * w.abs(),
                    "{what}: {text} vs {w}"
                );
            }
        }
        (Tree::Leaf(text), Value::Number(n))
            if ["share", "gini", "curve", "cost_multiplier"].contains(&key) || key.ends_with("_share") =>
        {
            let (g, w) = (text.parse::<f64>().unwrap(), n.as_f64().unwrap());
            assert!((g - w).abs() <= 1e-15 * w.abs(), "{what}: {g} vs {w}");
        }
        (Tree::Leaf(text), w) => {
            let g: Value = serde_json::from_str(text).unwrap();
            assert_eq!(&g, w, "{what}");
        }
        _ => panic!("{what}: shapes differ"),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(ROOT).join("fixtures").join(name)
}

const SQL_PRICES: [&str; 2] = ["--pricing", "fixtures/sql/prices.toml"];

/// fixtures/sql.md: every token class, batch, a tier, an alias glob behind a `vendor/`
/// prefix, a spelled-differently provider, an app cache hit, a usage bucket at its stated
/// tier and an unpriced model, with a model id holding `'`, `"` and `\`.
#[test]
fn sql_fixture_matches_the_hand_worked_totals() {
    if !duckdb() {
        return;
    }
    let log = fixture("sql/calls.jsonl");
    let mut flags = SQL_PRICES.to_vec();
    flags.push("--no-builtin-pricing");
    let r = assert_same(&flags, &[&log], &[]);
    let t = &r["totals"];
    assert_eq!(t["cost_usd_exact"], "0.015681", "2800 + 1400 + 6231 + 0 + 5250 µ$");
    assert_eq!((t["calls"].as_u64(), t["priced_calls"].as_u64()), (Some(10), Some(9)));
    assert_eq!((t["input_tokens"].as_u64(), t["output_tokens"].as_u64()), (Some(4551), Some(325)));
    assert_eq!(t["aggregate_rows"], 1);
    assert_eq!(
        (t["error_calls"].as_u64(), t["batch_calls"].as_u64(), t["app_cache_hits"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    let models = &r["breakdowns"]["model"];
    let quoted =
        models.as_array().unwrap().iter().find(|m| m["key"] == "o'neil\"\\m").expect("the quoted model");
    // Every priced name resolves to the one entry, so the model breakdown has one row for it.
    assert_eq!(quoted["cost_usd"].as_f64(), Some(0.015681), "2800 + 1400 + 6231 + 0 + 5250 µ$");
    assert_eq!(models.as_array().unwrap().len(), 2, "the entry and the unpriced `nobody`");
    assert_eq!(r["unpriced"][0]["model"], "nobody");

    flags.extend(["--price-as-of", "2026-02-15"]);
    let r = assert_same(&flags, &[&log], &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.008082", "fixtures/sql.md: all at version 1");
}

#[test]
fn sql_fixture_with_cuts_filters_and_combined_breakdowns() {
    if !duckdb() {
        return;
    }
    let log = fixture("sql/calls.jsonl");
    for extra in [
        vec!["--by", "model,provider", "--by", "route", "--top", "1"],
        vec!["--since", "2026-03-01", "--by", "day", "--by", "model", "--top", "0"],
        vec!["--filter", "route!=chat", "--by", "route,day"],
        vec!["--filter", "provider=quoteco"],
    ] {
        let mut flags = SQL_PRICES.to_vec();
        flags.extend(extra);
        assert_same(&flags, &[&log], &[]);
    }
}

/// Every fixture whose timestamps DuckDB reads, with the built-in prices or the test table.
#[test]
fn fixtures_match_report() {
    if !duckdb() {
        return;
    }
    assert_same(&[], &[&fixture("sample.jsonl")], &[]);
    assert_same(&["--by", "route,model", "--top", "5"], &[&fixture("sample.jsonl")], &[]);
    for name in ["thresholds.jsonl", "cache.jsonl", "waste.jsonl", "environments.jsonl", "focus/calls.jsonl"]
    {
        assert_same(&[], &[&fixture(name)], &[]);
    }
    let test_prices = ["--pricing", "fixtures/pricing/test.toml", "--no-builtin-pricing"];
    for name in ["duplicates.jsonl", "thresholds.jsonl", "pareto.jsonl", "retries.jsonl", "fallbacks.jsonl"] {
        assert_same(&test_prices, &[&fixture(name)], &[]);
    }
    let mut flags = test_prices.to_vec();
    flags.extend(["--by", "team", "--by", "model,route", "--top", "2"]);
    assert_same(&flags, &[&fixture("calls.jsonl")], &["team"]);
}

/// fixtures/cache.md's figures, worked by hand, from the SQL: every route row, its flags,
/// and rag's collapse found by the set-based split search.
#[test]
fn cache_section_in_sql() {
    if !duckdb() {
        return;
    }
    let prices = ["--pricing", "fixtures/pricing/test.toml", "--no-builtin-pricing"];
    let r = assert_same(&prices, &[&fixture("cache.jsonl")], &[]);
    let c = &r["cache"];
    let f = &c["fleet"];
    assert_eq!((f["calls"].as_u64(), f["calls_with_read"].as_u64()), (Some(13), Some(11)));
    assert_eq!(f["token_hit_rate"], 0.7, "203700 / 291000");
    assert_eq!(f["write_cost_usd"], 0.01925, "1250 + 6000 + 12000 µ$");
    assert_eq!(f["write_premium_usd"], 0.00325, "250 + 0 + 3000 µ$");
    assert_eq!(f["saved_usd"], 0.13425, "127050 + 1500 + 5700 µ$");
    let rows: Vec<(&str, &Value)> =
        c["routes"].as_array().unwrap().iter().map(|x| (x["route"].as_str().unwrap(), &x["flags"])).collect();
    let want = [
        ("chat", vec![]),
        ("search", vec!["below_fleet"]),
        ("nocache", vec!["no_cache"]),
        ("rag", vec!["collapsed"]),
        ("misc", vec![]),
    ];
    assert_eq!(rows.len(), want.len());
    for ((route, flags), (w_route, w_flags)) in rows.iter().zip(want) {
        assert_eq!((*route, *flags), (w_route, &serde_json::json!(w_flags)));
    }
    assert_eq!(c["routes"][0]["payback"], 508.2, "chat: 127050 / 250");
    assert_eq!(c["routes"][1]["payback"], Value::Null, "search: no premium");
    let x = &c["collapses"][0];
    assert_eq!((x["route"].as_str(), x["at"].as_str()), (Some("rag"), Some("2026-03-04")));
    assert_eq!((x["before_rate"].as_f64(), x["after_rate"].as_f64()), (Some(0.8), Some(0.1)));
    assert_eq!((x["before_days"].as_u64(), x["after_days"].as_u64()), (Some(2), Some(3)));
    assert_eq!(x["cost_since_usd"], 0.0063, "0.8 × 9000 − 900 µ$");
}

/// fixtures/retries.md's figures, worked by hand, from the SQL: operations by operation_id
/// and inferred (summarize's calls chained to the previous failed call of their prompt
/// within 60 s), multipliers per route and per first model, the 3 am storm across
/// operations and the runaway operation; then the knobs moved, grouped by model.
#[test]
fn retries_section_in_sql() {
    if !duckdb() {
        return;
    }
    let prices = ["--pricing", "fixtures/pricing/test.toml", "--no-builtin-pricing"];
    let log = fixture("retries.jsonl");
    let r = assert_same(&prices, &[&log], &[]);
    let x = &r["retries"];
    let t = &x["totals"];
    assert_eq!(
        (t["calls"].as_u64(), t["operations"].as_u64(), t["retried_operations"].as_u64()),
        (Some(25), Some(11), Some(7))
    );
    assert_eq!(
        (t["cost_usd"].as_f64(), t["final_cost_usd"].as_f64()),
        (Some(0.01022), Some(0.00796)),
        "10220 / 7960 µ$"
    );
    assert_eq!((t["failed_calls"].as_u64(), t["failed_cost_usd"].as_f64()), (Some(15), Some(0.00256)));
    let routes: Vec<(&str, u64, u64)> = x["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (g["route"].as_str().unwrap(), g["calls"].as_u64().unwrap(), g["operations"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        routes,
        [("chat", 8, 4), ("summarize", 5, 4), ("nightly", 12, 3)],
        "inferred: {{9,10}} {{11}} {{12}} {{13}}"
    );
    assert_eq!(x["models"][1]["model"], "beta");
    assert_eq!((x["storm_count"].as_u64(), x["storm_attempts"].as_u64()), (Some(1), Some(7)));
    assert_eq!(
        (x["storms"][0]["start"].as_str(), x["storms"][0]["operations"].as_u64()),
        (Some("2026-02-11T03:00:00Z"), Some(2))
    );
    assert_eq!((x["runaway_count"].as_u64(), x["runaway"][0]["operation"].as_str()), (Some(1), Some("r1")));
    let mut flags = prices.to_vec();
    flags.extend(["--by", "model", "--storm-gap", "600ms", "--runaway-attempts", "2"]);
    let r = assert_same(&flags, &[&log], &[]);
    assert_eq!(r["retries"]["group_by"], "model");
    assert!(r["retries"]["runaway_count"].as_u64() > Some(1), "the moved limit is applied");
}

/// fixtures/fallbacks.md's figures, worked by hand, from the SQL: requested models resolved
/// like the model dimension (`alpha-2026-01-01` is alpha), escalated attempts re-priced at the
/// requested model in force at their own time (f7 at alpha's March price), the inferred
/// operation, the skipped delta of an unpriced requested model, where operations ended and
/// extract's expensive-model flag; then grouped by model and by two dimensions.
#[test]
fn fallbacks_section_in_sql() {
    if !duckdb() {
        return;
    }
    let prices = ["--pricing", "fixtures/pricing/test.toml", "--no-builtin-pricing"];
    let log = fixture("fallbacks.jsonl");
    let r = assert_same(&prices, &[&log], &[]);
    let f = &r["fallbacks"];
    let t = &f["totals"];
    let counts = ["operations", "operations_with_requested_model", "fallback_operations", "escalated_calls"]
        .map(|k| t[k].as_u64().unwrap());
    assert_eq!(counts, [12, 11, 6, 7]);
    assert_eq!(
        (t["escalated_cost_usd"].as_f64(), t["extra_cost_usd"].as_f64()),
        (Some(0.01438), Some(0.009792))
    );
    assert_eq!(t["extra_cost_skipped_calls"], 1);
    let routes: Vec<&str> =
        f["routes"].as_array().unwrap().iter().map(|x| x["route"].as_str().unwrap()).collect();
    assert_eq!(routes, ["chat", "extract", "summarize", "labs"], "by escalated cost");
    let chat = &f["routes"][0];
    assert_eq!((chat["extra_cost_usd"].as_f64(), chat["cost_usd"].as_f64()), (Some(0.00875), Some(0.01824)));
    let ended: Vec<(&str, u64)> = chat["ended"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["model"].as_str().unwrap(), e["operations"].as_u64().unwrap()))
        .collect();
    assert_eq!(ended, [("alpha", 3), ("beta", 2), ("gamma", 1)], "alpha-2026-01-01 is alpha");
    assert_eq!(chat["models"][0]["input_usd_per_mtok"], 3);
    let extract = &f["routes"][1];
    assert_eq!(extract["expensive_model"], "beta");
    assert_eq!(extract["flags"], serde_json::json!(["expensive_model_majority"]));
    assert_eq!(f["unpriced_requested_models"], serde_json::json!(["mystery"]));
    for by in ["model", "route,provider"] {
        let mut flags = prices.to_vec();
        flags.extend(["--by", by]);
        assert_same(&flags, &[&log], &[]);
    }
}

/// Operations at scale: a generated log with planted storms and leaks, the operation_id
/// dropped from every other operation (its calls then carry the id as prompt_hash, so the
/// SQL infers the operations from failed calls within 60 s, as `report` does). With a 24 h
/// storm gap and a runaway limit of 1 both lists fill; fallbacks re-price escalated
/// attempts across every provider of the built-in tables.
#[test]
fn generated_operations_match_report() {
    if !duckdb() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ops.jsonl");
    let out = Process::new(gen_logs())
        .args(["--rows", "3000", "--seed", "11", "--storms", "--leaks"])
        .output()
        .expect("gen_logs runs");
    assert!(out.status.success(), "gen_logs: {}", String::from_utf8_lossy(&out.stderr));
    let mut text = String::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let mut call: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
        let op = call["operation_id"].as_str().unwrap().to_string();
        if u8::from_str_radix(&op[op.len() - 1..], 16).unwrap().is_multiple_of(2) {
            call.remove("operation_id");
            call.insert("prompt_hash".into(), Value::String(op));
        }
        text.push_str(&serde_json::to_string(&call).unwrap());
        text.push('\n');
    }
    std::fs::write(&log, text).unwrap();
    let r = assert_same(&["--storm-gap", "24h", "--runaway-attempts", "1"], &[&log], &[]);
    let (x, f) = (&r["retries"], &r["fallbacks"]["totals"]);
    assert!(x["storm_count"].as_u64() > Some(1) && x["runaway_count"].as_u64() > Some(10), "{x}");
    assert!(x["totals"]["retried_operations"].as_u64() > Some(10), "{x}");
    assert!(f["fallback_operations"].as_u64() > Some(10) && f["extra_cost_usd"] != 0, "{f}");
    assert_same(&["--by", "model"], &[&log], &[]);
}

/// Time-of-day windows (fixtures/pricing/README.md, issue #11): DeepSeek's built-in
/// off-peak window 16:30–00:30 UTC, calls on both sides of each edge; with `--price-as-of`
/// the version moves but each call keeps its own time of day.
#[test]
fn off_peak_windows_by_each_calls_utc_time() {
    if !duckdb() {
        return;
    }
    let log = fixture("pricing/deepseek-offpeak.jsonl");
    let r = assert_same(&[], &[&log], &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "1.909", "0.38 + 0.19 + 0.19 + 0.769 + 0.38");
    let r = assert_same(&["--price-as-of", "2025-06-01"], &[&log], &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "1.719", "the 20:00 call is off-peak too");
    let r = assert_same(&["--price-as-of", "2025-10-01"], &[&log], &[]);
    assert_eq!(r["totals"]["cost_usd_exact"], "1.61", "V3.2, no window: 5 × (0.28 + 0.042)");
}

/// A generated log (examples/gen_logs.rs): thousands of calls over every provider of the
/// built-in tables, batch, cache writes, errors.
#[test]
fn generated_log_matches_report() {
    if !duckdb() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gen.jsonl");
    let gen = gen_logs();
    let out = Process::new(&gen).args(["--rows", "5000", "--seed", "16"]).output().expect("gen_logs runs");
    assert!(out.status.success(), "gen_logs: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&log, &out.stdout).unwrap();
    assert_same(&[], &[&log], &[]);
    assert_same(
        &["--by", "route,model", "--by", "user", "--top", "7", "--until", "2026-10-20"],
        &[&log],
        &[],
    );
}

/// The generated log with its planted leaks (`--leaks`), and the sections' knobs moved: a
/// 40-day duplicate window finds the prompts the generator repeats days apart (none repeat
/// within the hour), a 30% near-miss band, Pareto at half the cost, grouped by model.
#[test]
fn generated_leaks_match_report_with_the_knobs_moved() {
    if !duckdb() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("leaks.jsonl");
    let out = Process::new(gen_logs())
        .args(["--rows", "4000", "--seed", "7", "--leaks"])
        .output()
        .expect("gen_logs runs");
    assert!(out.status.success(), "gen_logs: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&log, &out.stdout).unwrap();
    let r = assert_same(&["--duplicate-window", "960h"], &[&log], &[]);
    assert!(r["duplicates"]["count"].as_u64() > Some(0), "the check covers duplicates");
    assert!(r["thresholds"]["count"].as_u64() > Some(0), "and threshold crossings");
    let r = assert_same(
        &["--by", "model", "--duplicate-window", "72h", "--near-miss", "0.3", "--pareto", "0.5"],
        &[&log],
        &[],
    );
    assert_eq!(r["pareto"]["route"]["target_share"], 0.5);
}

/// fixtures/pareto.md's user figures hold when `--by` names no user: report read the user
/// column only when a breakdown named it, so `--by model` put every call in one "(none)"
/// user (found comparing with the SQL, which always reads it).
#[test]
fn pareto_by_user_whatever_by_names() {
    let prices = ["--pricing", "fixtures/pricing/test.toml", "--no-builtin-pricing"];
    let log = fixture("pareto.jsonl");
    let mut by_model = vec!["report", log.to_str().unwrap(), "-q"];
    by_model.extend(prices);
    let all = run_json(&by_model);
    by_model.extend(["--by", "model"]);
    let cut = run_json(&by_model);
    for r in [&all, &cut] {
        let user = &r["pareto"]["user"];
        assert_eq!(user["items"], 6, "u1, u2, u3, (none), u4, u6");
        assert_eq!(user["items_for_share"], 2, "6000 + 3500 ≥ 0.8 × 10000 µ$");
        assert_eq!(user["gini"], 0.67, "(110200 − 70000) / 60000");
    }
    assert_eq!(cut["pareto"]["user"], all["pareto"]["user"]);
}

/// The example binary cargo builds beside the main one for the test run.
fn gen_logs() -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("llmcost");
    let path = bin.parent().unwrap().join("examples").join("gen_logs");
    assert!(path.exists(), "{} not built (cargo test builds the examples)", path.display());
    path
}

/// A saved SQL report is a report `diff` reads: against the log it was computed from, no
/// change.
#[test]
fn diff_reads_the_sql_report() {
    if !duckdb() {
        return;
    }
    let log = fixture("sample.jsonl");
    let text = sql_report(&[], &[&log], &[]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.json");
    std::fs::write(&saved, text).unwrap();
    // A 0% limit fails on any increase; the swapped run fails on any decrease.
    for (base, run) in [(&saved, &log), (&log, &saved)] {
        let out = llmcost()
            .args(["diff", base.to_str().unwrap(), run.to_str().unwrap()])
            .args(["--max-increase", "0%", "--max-unpriced", "1", "--format", "json"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "diff found a change: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("max-increase"), "{stdout}");
    }
}

#[test]
fn every_dialect_generates_and_quotes_the_hostile_model() {
    for dialect in ["duckdb", "postgres", "spark", "bigquery", "snowflake"] {
        let out = llmcost()
            .args(["sql", "--dialect", dialect, "--table", "warehouse.calls"])
            .args(SQL_PRICES)
            .output()
            .unwrap();
        assert!(out.status.success(), "{dialect}: {}", String::from_utf8_lossy(&out.stderr));
        let sql = String::from_utf8(out.stdout).unwrap();
        let quoted = match dialect {
            "duckdb" | "postgres" => "'o''neil\"\\m'",
            _ => "'o\\'neil\\\"\\\\m'",
        };
        assert!(sql.contains(quoted), "{dialect}: model id not quoted as {quoted}");
        assert!(sql.trim_end().ends_with(';'), "{dialect}: one statement");
    }
}
