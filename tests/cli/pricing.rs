//! `llmcost pricing list|show|check`.

use predicates::prelude::*;

use super::{llmcost, test_pricing};

#[test]
fn list_filters_by_model_and_date() {
    let mut args = vec!["pricing", "list", "--model", "alpha*", "--as-of", "2026-02-15", "--format", "csv"];
    args.extend(test_pricing());
    let out = llmcost().args(&args).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(rows[1], "testco,alpha,-,2026-03-01,2,8,0.5,2.5,4,,0.5");
}

#[test]
fn list_builtin_has_a_historical_price_change() {
    // pricing/openai.toml: o3 at 10 / 40 / cached 2.5 until 2025-06-10, then 2 / 8 / 0.5. No
    // cache write rate is given, so both write rates fall back to input (the file's header),
    // no tiers, and the default batch multiplier 0.5. `o3` must not match o3-mini.
    let out = llmcost().args(["pricing", "list", "--model", "o3", "--format", "csv"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            "provider,model,from,to,input,output,cache_read,cache_write,cache_write_1h,tiers,batch",
            "openai,o3,-,2025-06-10,10,40,2.5,10,10,,0.5",
            "openai,o3,2025-06-10,-,2,8,0.5,2,2,,0.5",
        ],
        "{text}"
    );
}

#[test]
fn show_resolves_aliases_and_prefixes() {
    let mut args = vec!["pricing", "show", "testco/alpha-preview-7"];
    args.extend(test_pricing());
    llmcost().args(&args).assert().success().stdout(
        predicate::str::contains("resolves to alpha (testco)")
            .and(predicate::str::contains("in force 2026-03-01 → -")),
    );
}

#[test]
fn check_names_file_model_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "provider = \"x\"\n[[models]]\nid = \"m\"\n[[models.prices]]\ninput = 1\noutput = \"lots\"\n",
    )
    .unwrap();
    llmcost().args(["pricing", "check", "--pricing", bad.to_str().unwrap()]).assert().code(2).stderr(
        predicate::str::contains("bad.toml: model \"m\"").and(predicate::str::contains("field output")),
    );
    llmcost()
        .args(["pricing", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("builtin:anthropic.toml"));
}

#[test]
fn litellm_price_map_is_read_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("prices.json");
    std::fs::write(&map, r#"{"testco-x": {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06, "litellm_provider": "testco"}}"#).unwrap();
    let log = dir.path().join("log.jsonl");
    // 1000 × $2/M + 500 × $8/M = 2000 + 4000 µ$ = $0.006.
    std::fs::write(
        &log,
        r#"{"timestamp":"2026-01-01T00:00:00Z","model":"testco-x","input_tokens":1000,"output_tokens":500}"#,
    )
    .unwrap();
    let r = super::run_json(&[
        "report",
        log.to_str().unwrap(),
        "--pricing",
        map.to_str().unwrap(),
        "--no-builtin-pricing",
    ]);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.006");
}
