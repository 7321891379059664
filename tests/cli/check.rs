//! `llmcost check`: the rules on one run, no baseline; figures from fixtures/ci/README.md.

use serde_json::Value;

use super::{llmcost, test_pricing};

fn check(args: &[&str]) -> (i32, String) {
    let out = llmcost().arg("check").args(args).args(test_pricing()).output().expect("runs");
    (out.status.code().expect("exit code"), String::from_utf8(out.stdout).expect("UTF-8"))
}

fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, out) = check(&all);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= want.abs() * 1e-12)
}

fn verdict<'v>(c: &'v Value, rule: &str, route: Option<&str>) -> &'v Value {
    c["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == rule && route.is_none_or(|r| v["route"] == r))
        .unwrap_or_else(|| panic!("no verdict {rule} {route:?} in {}", c["verdicts"]))
}

#[test]
fn the_policy_file_without_a_baseline() {
    let (code, c) = check_json(&["fixtures/ci/current.json", "--policy", "fixtures/ci/policy.toml"]);
    assert_eq!(code, 1);
    assert_eq!(c["kind"], "check");
    // The same 11 checks as diff; max-increase cannot be checked without a baseline.
    assert_eq!(c["verdicts"].as_array().unwrap().len(), 11);
    assert_eq!(c["failed"], 2);
    let inc = verdict(&c, "max-increase", None);
    assert_eq!(inc["status"], "skipped");
    assert!(inc["note"].as_str().unwrap().contains("baseline"));
    assert!(close(&verdict(&c, "max-cost-per-job", Some("summarize"))["value"]["usd"], 0.00415));
    assert!(close(&c["run"]["cost_per_job_usd"], 0.0193 / 3.0));
    assert!(close(&c["run"]["cost_per_operation_usd"], 0.00386));
    assert_eq!(c["run"]["cost_usd_exact"], "0.0193");
}

#[test]
fn cost_per_job_of_a_log() {
    // base.jsonl: $0.00372 over 2 jobs = $0.00186 per job.
    assert_eq!(check(&["fixtures/ci/base.jsonl", "--max-cost-per-job", "0.00186"]).0, 0);
    assert_eq!(check(&["fixtures/ci/base.jsonl", "--max-cost-per-job", "0.00185"]).0, 1);
    // chat.answer: 3600 µ$ / 2 jobs = $0.0018; search 120 / 2 = $0.00006.
    let (code, c) = check_json(&["fixtures/ci/base.jsonl", "--max-cost-per-job", "*=0.0001"]);
    assert_eq!(code, 1);
    let chat = verdict(&c, "max-cost-per-job", Some("chat.answer"));
    assert_eq!(chat["status"], "fail");
    assert!(close(&chat["value"]["usd"], 0.0018));
    assert_eq!(verdict(&c, "max-cost-per-job", Some("search"))["status"], "pass");
}

#[test]
fn several_logs_are_one_run() {
    // base + current: 3720 + 19300 = 23020 µ$ over 5 jobs = $0.004604 per job.
    let (code, c) = check_json(&["fixtures/ci/base.jsonl", "fixtures/ci/current.jsonl"]);
    assert_eq!(code, 0);
    assert_eq!(c["run"]["cost_usd_exact"], "0.02302");
    assert_eq!(c["run"]["jobs"], 5);
    assert!(close(&c["run"]["cost_per_job_usd"], 0.004604));
}

#[test]
fn unpriced_calls_fail_by_default() {
    // fixtures/calls.jsonl: 2 calls of mystery-1 have no price (fixtures/EXPECTED.md).
    let (code, out) = check(&["fixtures/calls.jsonl"]);
    assert_eq!(code, 1);
    assert!(out.contains("unpriced calls 2; limit 0 (unpriced: mystery-1 (2 calls))"), "{out}");
    assert_eq!(check(&["fixtures/calls.jsonl", "--max-unpriced", "2"]).0, 0);
    assert_eq!(check(&["fixtures/calls.jsonl", "--max-unpriced", "1"]).0, 1);
}

#[test]
fn forbidden_models_match_the_name_as_logged_too_r20() {
    // fixtures/calls.jsonl r05 logs alpha-preview-x, a name of the model alpha (EXPECTED.md):
    // grouped as alpha, but `*-preview*` still finds it, by the name it was logged as.
    let (code, c) =
        check_json(&["fixtures/calls.jsonl", "--max-unpriced", "2", "--forbid-model", "*-preview*"]);
    assert_eq!(code, 1);
    let v = verdict(&c, "forbid-model", None);
    assert_eq!((v["status"].as_str(), v["model"].as_str()), (Some("fail"), Some("alpha-preview-x")));
    assert_eq!((v["route"].as_str(), v["value"]["count"].as_u64()), (Some("agent"), Some(1)));
    // The resolved name matches first, and each call counts once: alpha's 6 calls (r01, r02,
    // r04, r05, r12, r13; four logged as alpha) over chat, search and agent.
    let (_, c) = check_json(&["fixtures/calls.jsonl", "--max-unpriced", "2", "--forbid-model", "alpha*"]);
    let hits: u64 = c["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == "forbid-model")
        .map(|v| {
            assert_eq!(v["model"], "alpha", "{v}");
            v["value"]["count"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(hits, 6);
}

#[test]
fn missing_figures_are_skipped() {
    let (code, c) = check_json(&[
        "fixtures/ci/plain.json",
        "--min-cache-hit-rate",
        "50%",
        "--max-fallback-rate",
        "summarize=1%",
        "--forbid-model",
        "chat.*=beta",
    ]);
    assert_eq!(code, 0);
    for (rule, route) in [
        ("min-cache-hit-rate", None),
        ("max-fallback-rate", Some("summarize")),
        ("forbid-model", Some("chat.*")),
    ] {
        assert_eq!(verdict(&c, rule, route)["status"], "skipped", "{rule}");
    }
    assert!(c["run"]["jobs"].is_null());
}

#[test]
fn errors_exit_2() {
    for args in [
        vec!["fixtures/ci/current.json", "--max-fallback-rate", "150"],
        vec!["fixtures/ci/nope.json"],
        vec!["fixtures/ci/current.json", "--policy", "fixtures/ci/nope.toml"],
    ] {
        let (code, _) = check(&args);
        assert_eq!(code, 2, "{args:?}");
    }
}

#[test]
fn formats() {
    let args = ["fixtures/ci/current.json", "--policy", "fixtures/ci/policy.toml"];
    let (code, md) = check(&[&args[..], &["--format", "md"]].concat());
    assert_eq!(code, 1);
    insta::assert_snapshot!("check_markdown", md);
    let (_, gh) = check(&[&args[..], &["--format", "github"]].concat());
    let lines: Vec<&str> = gh.lines().collect();
    assert_eq!(
        lines,
        [
            "::notice title=llmcost check::2 of 10 checks failed, 1 not checked",
            "::error title=llmcost max-cost-per-job::route summarize: cost per job $0.004150; limit $0.004000",
            "::error title=llmcost min-cache-hit-rate::route chat.answer: cache hit rate 45.0%25; minimum 50.0%25",
            "::warning title=llmcost max-increase not checked::cost: limit +300.0%25 (needs a baseline: use llmcost diff)",
        ]
    );
    let (_, table) = check(&args);
    assert!(table.starts_with("llmcost check: fixtures/ci/current.json (3 jobs, 6 calls, $0.0193)\nFAILED: 2 of 10 checks failed, 1 not checked\n"), "{table}");
}

#[test]
fn help_has_examples() {
    for cmd in ["diff", "check", "budget"] {
        let out = llmcost().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains("Examples:")
                && help.contains(&format!("llmcost {cmd} "))
                && help.contains("Exit codes"),
            "{cmd}: {help}"
        );
    }
}

/// The first fenced block of `lang` after `heading` in the README.
fn readme_block(heading: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(super::fixture("../README.md")).unwrap();
    let after = &readme[readme.find(heading).unwrap_or_else(|| panic!("no {heading}"))..];
    let start = after.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
    after[start..start + after[start..].find("```").unwrap()].to_string()
}

#[test]
fn the_readme_examples_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("llmcost.toml");
    std::fs::write(&policy, readme_block("### Policy file", "toml")).unwrap();
    let (code, out) =
        check(&["fixtures/ci/current.json", "--policy", policy.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let budgets = dir.path().join("budgets.yaml");
    std::fs::write(&budgets, readme_block("### Budgets", "yaml")).unwrap();
    let out = llmcost()
        .args(["budget", "--budgets", budgets.to_str().unwrap(), "fixtures/ci/budget.jsonl"])
        .args(test_pricing())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
