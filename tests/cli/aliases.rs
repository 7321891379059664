//! `[aliases]` in a `--pricing` table (#11): a team's Azure deployment names priced as the
//! models they serve, by the one resolver every command uses. Figures worked by hand in
//! fixtures/aliases.md.

use predicates::prelude::*;

use super::{llmcost, run_json, same_decimal};

const LOG: &str = "fixtures/aliases/calls.jsonl";
const TABLE: &str = "fixtures/aliases/deployments.toml";

/// (key, priced calls, cost) of each row of breakdown `dim`.
fn rows(r: &serde_json::Value, dim: &str) -> Vec<(String, u64, String)> {
    r["breakdowns"][dim]
        .as_array()
        .unwrap_or_else(|| panic!("no {dim} breakdown"))
        .iter()
        .map(|row| {
            let key = row["key"].as_str().unwrap_or("").to_string();
            (key, row["priced_calls"].as_u64().unwrap(), format!("{}", row["cost_usd"]))
        })
        .collect()
}

#[test]
fn deployment_names_are_priced_as_their_models() {
    let r = run_json(&[
        "report",
        LOG,
        "--pricing",
        TABLE,
        "--by",
        "model",
        "--by",
        "logged_model",
        "--only",
        "totals",
    ]);
    // fixtures/aliases.md: 32,500 + 990 + 4,200 µ$.
    assert!(same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), "0.03769"), "{}", r["totals"]);
    assert_eq!(
        (r["totals"]["priced_calls"].as_u64(), r["totals"]["unpriced_calls"].as_u64()),
        (Some(3), Some(1))
    );
    // The model dimension shows what each name resolves to; a name no alias or table knows stays as logged.
    let mut model = rows(&r, "model");
    model.sort();
    assert_eq!(
        model,
        [
            ("azure/eu/gpt-4o-mini".to_string(), 1, "0.00099".to_string()),
            ("gpt-4o".to_string(), 1, "0.0325".to_string()),
            ("gpt-4o-mini".to_string(), 1, "0.0042".to_string()),
            ("staging-x".to_string(), 0, "0.0".to_string()),
        ]
    );
    // logged_model keeps the names as the log wrote them.
    let mut logged: Vec<String> = rows(&r, "logged_model").into_iter().map(|(k, ..)| k).collect();
    logged.sort();
    assert_eq!(logged, ["azure/batch-nightly", "chat-mini", "prod-gpt4o-eu", "staging-x"]);
    assert_eq!(r["unpriced"][0]["model"], "staging-x");
}

#[test]
fn without_the_aliases_the_deployments_are_unpriced() {
    // The test that the alias, not some other name form, priced them: no table knows these names.
    let r = run_json(&["report", LOG, "--only", "totals"]);
    assert_eq!(r["totals"]["priced_calls"].as_u64(), Some(0), "{}", r["totals"]);
}

#[test]
fn pricing_show_names_the_alias_and_its_file() {
    llmcost().args(["pricing", "show", "chat-mini", "--pricing", TABLE]).assert().success().stdout(
        predicate::str::contains(
            "chat-mini is the alias chat-mini → azure/eu/gpt-4o-mini (fixtures/aliases/deployments.toml)",
        )
        .and(predicate::str::contains("resolves to azure/eu/gpt-4o-mini (azure)"))
        .and(predicate::str::contains("0.165")),
    );
}

#[test]
fn pricing_check_lists_each_alias_and_the_entry_it_reaches() {
    let out = llmcost().args(["pricing", "check", "--pricing", TABLE]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let aliases: Vec<&str> = text.lines().filter(|l| l.starts_with("alias ")).collect();
    assert_eq!(
        aliases,
        [
            "alias  fixtures/aliases/deployments.toml  batch-* → gpt-4o-mini (gpt-4o-mini)",
            "alias  fixtures/aliases/deployments.toml  chat-mini → azure/eu/gpt-4o-mini (azure/eu/gpt-4o-mini)",
            "alias  fixtures/aliases/deployments.toml  prod-gpt4o-eu → azure/gpt-4o-2024-08-06 (gpt-4o-2024-08-06)",
        ],
        "{text}"
    );
}

#[test]
fn an_unknown_target_is_an_error_naming_file_and_alias() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("deploy.toml");
    std::fs::write(&bad, "[aliases]\n\"chat-mini\" = \"gpt-4o-mini\"\n\"prod-x\" = \"gpt-4o-typo\"\n")
        .unwrap();
    llmcost().args(["report", LOG, "--pricing", bad.to_str().unwrap()]).assert().code(2).stderr(
        predicate::str::contains(
            "deploy.toml: alias \"prod-x\": its target \"gpt-4o-typo\" is not a model of any price table",
        ),
    );
}

#[test]
fn llmcost_sql_refuses_aliases_it_cannot_resolve_yet() {
    llmcost()
        .args(["sql", "--dialect", "duckdb", "--table", "calls", "--pricing", TABLE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "alias \"batch-*\": llmcost sql does not resolve a table's [aliases] yet",
        ));
}

/// `export` prices through the same resolver: by_model.csv holds the hand-worked figures.
#[test]
fn export_prices_deployment_names_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = llmcost()
        .args(["export", LOG, "--month", "2026-10", "--pricing", TABLE, "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.path().join("by_model.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (model, cost) = (col("model"), col("cost_usd"));
    let mut rows: Vec<(String, String)> = r
        .records()
        .map(|rec| rec.unwrap())
        .map(|rec| (rec[model].to_string(), rec[cost].to_string()))
        .collect();
    rows.sort();
    let want = [
        ("azure/eu/gpt-4o-mini", "0.00099"),
        ("gpt-4o", "0.0325"),
        ("gpt-4o-mini", "0.0042"),
        ("staging-x", ""),
    ];
    assert_eq!(rows, want.map(|(m, c)| (m.to_string(), c.to_string())));
}
