//! `llmcost diff`: figures, rules, exit codes and formats on the hand-checked fixtures of
//! `fixtures/ci/` (every number below is worked out in fixtures/ci/README.md).

use std::path::Path;

use serde_json::Value;

use super::{fixture, llmcost, test_pricing};

const BASE_LOG: &str = "fixtures/ci/base.jsonl";
const CURRENT_LOG: &str = "fixtures/ci/current.jsonl";
const BASELINE: &str = "fixtures/ci/baseline.json";
const CURRENT: &str = "fixtures/ci/current.json";

/// Runs `llmcost diff ARGS` with the fixture prices; returns the exit code and stdout.
fn diff(args: &[&str]) -> (i32, String) {
    let out = llmcost().arg("diff").args(args).args(test_pricing()).output().expect("runs");
    (out.status.code().expect("exit code"), String::from_utf8(out.stdout).expect("UTF-8"))
}

fn diff_json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, out) = diff(&all);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= want.abs() * 1e-12 + 1e-18)
}

fn route<'v>(d: &'v Value, name: &str) -> &'v Value {
    d["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == name)
        .unwrap_or_else(|| panic!("no route {name}"))
}

/// The verdicts of `rule` (and route, when given).
fn verdicts<'v>(d: &'v Value, rule: &str, route: Option<&str>) -> Vec<&'v Value> {
    d["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == rule && route.is_none_or(|r| v["route"] == r))
        .collect()
}

#[test]
fn two_logs_compare_per_job() {
    let (code, d) = diff_json(&[BASE_LOG, CURRENT_LOG]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(d["kind"], "diff");
    assert_eq!(d["base"]["cost_usd_exact"], "0.00372");
    assert_eq!(d["current"]["cost_usd_exact"], "0.0193");
    assert_eq!((d["base"]["jobs"].as_u64(), d["current"]["jobs"].as_u64()), (Some(2), Some(3)));
    assert_eq!((d["base"]["operations"].as_u64(), d["current"]["operations"].as_u64()), (Some(4), Some(5)));
    // Different job counts: the headline is cost per job, 1860 µ$ → 19300/3 µ$.
    assert_eq!(d["basis"], "job");
    let h = &d["headline"]["change"];
    assert!(close(&h["before"], 0.00186) && close(&h["after"], 0.006433333333333333), "{h}");
    assert!(close(&h["delta"], 0.004573333333333333), "{h}");
    assert!(close(&h["relative"], 4573.333333333333 / 1860.0), "{h}");
    let t = &d["totals"];
    assert!(
        close(&t["cost_per_operation_usd"]["before"], 0.00093)
            && close(&t["cost_per_operation_usd"]["after"], 0.00386)
    );
    assert_eq!(t["calls"]["delta"], 2);
    let chat = route(&d, "chat.answer");
    assert_eq!(chat["status"], "changed");
    assert!(close(&chat["cost_usd"]["before"], 0.0036) && close(&chat["cost_usd"]["after"], 0.00685));
    assert!(
        close(&chat["cost_per_unit_usd"]["before"], 0.0018)
            && close(&chat["cost_per_unit_usd"]["after"], 0.0068500 / 3.0)
    );
    assert_eq!((chat["calls"]["before"].as_u64(), chat["calls"]["after"].as_u64()), (Some(2), Some(4)));
    assert_eq!(
        (chat["input_tokens"]["after"].as_u64(), chat["output_tokens"]["after"].as_u64()),
        (Some(5000), Some(400))
    );
    assert!(close(&route(&d, "summarize")["cost_per_unit_usd"]["after"], 0.00415));
    assert_eq!(d["new_routes"], serde_json::json!(["summarize"]));
    assert_eq!(d["vanished_routes"], serde_json::json!(["search"]));
    assert_eq!(d["new_models"], serde_json::json!(["beta"]));
    assert_eq!(d["vanished_models"], serde_json::json!(["gamma"]));
    // Largest change in cost per job first: summarize +4150 µ$, chat.answer +483.3, search −60.
    let order: Vec<&str> =
        d["routes"].as_array().unwrap().iter().map(|r| r["route"].as_str().unwrap()).collect();
    assert_eq!(order, ["summarize", "chat.answer", "search"]);
}

#[test]
fn a_saved_report_and_a_log_take_one_path() {
    let (_, logs) = diff_json(&[BASE_LOG, CURRENT_LOG]);
    let (_, mixed) = diff_json(&[BASELINE, CURRENT_LOG]);
    let (_, saved) = diff_json(&[BASELINE, CURRENT]);
    for d in [&mixed, &saved] {
        assert_eq!(d["basis"], "job");
        assert_eq!(d["headline"]["change"]["before"], logs["headline"]["change"]["before"]);
        assert_eq!(d["headline"]["change"]["after"], logs["headline"]["change"]["after"]);
        assert_eq!(d["new_routes"], logs["new_routes"]);
        assert_eq!(
            route(d, "chat.answer")["cost_per_unit_usd"],
            route(&logs, "chat.answer")["cost_per_unit_usd"]
        );
    }
    // The hand-written baseline names no real price table hash: the diff says so.
    assert!(
        mixed["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("different tables")),
        "{}",
        mixed["notes"]
    );
    assert!(!saved["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("different tables")));
    // Only the hand-written reports carry the analysis sections: 80% → 45% on chat.answer.
    let chat = route(&saved, "chat.answer");
    assert!(close(&chat["cache_hit_rate"]["before"], 0.8) && close(&chat["cache_hit_rate"]["after"], 0.45));
    assert!(close(&chat["retry_multiplier"]["after"], 4.0 / 3.0));
    assert!(close(&route(&saved, "summarize")["fallback_rate"]["after"], 0.5));
    assert_eq!(route(&saved, "summarize")["threshold_crossings"]["after"], 1);
    assert!(close(&saved["totals"]["cache_hit_rate"]["before"], 2400.0 / 3800.0));
    assert!(close(&saved["totals"]["retry_multiplier"]["after"], 1.2));
}

#[test]
fn the_policy_file_holds_the_run_to_every_rule() {
    let (code, d) = diff_json(&[BASELINE, CURRENT, "--policy", "fixtures/ci/policy.toml"]);
    assert_eq!(code, 1);
    assert_eq!(d["verdicts"].as_array().unwrap().len(), 11, "{}", d["verdicts"]);
    assert_eq!(d["failed"], 2);
    let per_job = verdicts(&d, "max-cost-per-job", Some("summarize"));
    assert_eq!(per_job[0]["status"], "fail");
    assert!(close(&per_job[0]["value"]["usd"], 0.00415) && close(&per_job[0]["limit"]["usd"], 0.004));
    let cache = verdicts(&d, "min-cache-hit-rate", Some("chat.answer"));
    assert_eq!(cache[0]["status"], "fail");
    assert!(close(&cache[0]["value"]["rate"], 0.45) && close(&cache[0]["limit"]["rate"], 0.5));
    // Failures come first.
    assert_eq!(d["verdicts"][0]["status"], "fail");
    assert_eq!(d["verdicts"][1]["status"], "fail");
    let inc = verdicts(&d, "max-increase", None);
    assert_eq!(inc[0]["status"], "pass");
    assert!(close(&inc[0]["limit"]["rate"], 3.0));
}

#[test]
fn flags_override_the_policy_file() {
    let (code, d) = diff_json(&[
        BASELINE,
        CURRENT,
        "--policy",
        "fixtures/ci/policy.toml",
        "--max-increase",
        "5%",
        "--min-cache-hit-rate",
        "chat.*=45%",
    ]);
    assert_eq!(code, 1);
    let inc = verdicts(&d, "max-increase", None);
    assert_eq!(inc[0]["status"], "fail");
    assert!(close(&inc[0]["value"]["rate"], 4573.333333333333 / 1860.0));
    assert!(close(&inc[0]["limit"]["rate"], 0.05));
    // 45% is not below a 45% minimum.
    assert_eq!(verdicts(&d, "min-cache-hit-rate", Some("chat.answer"))[0]["status"], "pass");
    assert_eq!(d["failed"], 2);
}

#[test]
fn max_increase_in_usd_per_job() {
    // Δ per job = +$0.004573…
    assert_eq!(diff(&[BASELINE, CURRENT, "--max-increase", "0.005"]).0, 0);
    assert_eq!(diff(&[BASELINE, CURRENT, "--max-increase", "$0.0046"]).0, 0);
    assert_eq!(diff(&[BASELINE, CURRENT, "--max-increase", "0.0045"]).0, 1);
}

#[test]
fn changes_within_the_noise_are_no_change() {
    // nudge.json: cost per job 1860 → 1869.3 µ$, +0.5%.
    let (code, d) = diff_json(&[BASELINE, "fixtures/ci/nudge.json", "--max-increase", "0%"]);
    assert_eq!(code, 1);
    assert!(close(&d["headline"]["change"]["relative"], 0.005));
    let (code, d) = diff_json(&[BASELINE, "fixtures/ci/nudge.json", "--max-increase", "0%", "--noise", "1%"]);
    assert_eq!(code, 0, "{}", d["verdicts"]);
    assert_eq!(d["headline"]["change"]["significant"], false);
    // chat.answer: 3600 → 3618.6 µ$ (+0.52%), same calls and tokens: unchanged.
    assert_eq!(route(&d, "chat.answer")["status"], "unchanged");
    let (_, d) = diff_json(&[BASELINE, "fixtures/ci/nudge.json", "--noise", "0.5%"]);
    assert_eq!(route(&d, "chat.answer")["status"], "changed", "0.52% is beyond 0.5%");
}

#[test]
fn every_rule_passes_and_fails_at_its_limit() {
    // Figures of current.json (fixtures/ci/README.md): fleet cache 31.6%, retries 1.2,
    // fallbacks 20%, cost per job $0.006433; chat.answer 45% / 1.333; summarize 50% fallbacks,
    // $0.00415 per job, served by beta.
    let cases: [(&str, &str, i32); 20] = [
        ("--min-cache-hit-rate", "30%", 0),
        ("--min-cache-hit-rate", "0.35", 1),
        ("--min-cache-hit-rate", "chat.answer=45%", 0),
        ("--min-cache-hit-rate", "chat.answer=46%", 1),
        ("--max-retry-multiplier", "1.2", 0),
        ("--max-retry-multiplier", "1.19", 1),
        ("--max-retry-multiplier", "chat.*=1.34", 0),
        ("--max-retry-multiplier", "chat.*=1.3", 1),
        ("--max-fallback-rate", "20%", 0),
        ("--max-fallback-rate", "19%", 1),
        ("--max-fallback-rate", "summarize=0.5", 0),
        ("--max-fallback-rate", "summarize=0.49", 1),
        ("--max-cost-per-job", "0.0065", 0),
        ("--max-cost-per-job", "0.0064", 1),
        ("--max-cost-per-job", "summarize=0.00415", 0),
        ("--max-cost-per-job", "summar*=0.0041", 1),
        ("--forbid-model", "gamma", 0),
        ("--forbid-model", "beta", 1),
        ("--forbid-model", "chat.*=beta", 0),
        ("--forbid-model", "summarize=b*", 1),
    ];
    for (flag, value, want) in cases {
        let (code, out) = diff(&[BASELINE, CURRENT, flag, value]);
        assert_eq!(code, want, "{flag} {value}: {out}");
    }
}

#[test]
fn the_most_specific_route_pattern_wins() {
    let (code, d) = diff_json(&[
        BASELINE,
        CURRENT,
        "--min-cache-hit-rate",
        "*=40%",
        "--min-cache-hit-rate",
        "chat.answer=50%",
        "--min-cache-hit-rate",
        "nothing.*=1%",
    ]);
    assert_eq!(code, 1);
    let chat = verdicts(&d, "min-cache-hit-rate", Some("chat.answer"));
    assert!(close(&chat[0]["limit"]["rate"], 0.5) && chat[0]["status"] == "fail");
    let summarize = verdicts(&d, "min-cache-hit-rate", Some("summarize"));
    assert!(close(&summarize[0]["limit"]["rate"], 0.4) && summarize[0]["status"] == "fail");
    let nothing = verdicts(&d, "min-cache-hit-rate", Some("nothing.*"));
    assert_eq!(nothing[0]["status"], "skipped");
}

#[test]
fn forbidden_models_are_named_with_their_calls() {
    let (code, d) = diff_json(&[BASELINE, CURRENT, "--forbid-model", "*=*a"]);
    assert_eq!(code, 1);
    // alpha on chat.answer (4 calls) and beta on summarize (2 calls); gamma is gone.
    let hits = verdicts(&d, "forbid-model", None);
    let mut found: Vec<(String, String, u64)> = hits
        .iter()
        .map(|v| {
            (
                v["route"].as_str().unwrap().to_string(),
                v["model"].as_str().unwrap().to_string(),
                v["value"]["count"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(found, [("chat.answer".into(), "alpha".into(), 4), ("summarize".into(), "beta".into(), 2)]);
}

#[test]
fn missing_sections_are_skipped_never_zero() {
    // plain.json has no analysis sections and no job or operation count.
    let (code, d) = diff_json(&[
        BASELINE,
        "fixtures/ci/plain.json",
        "--min-cache-hit-rate",
        "50%",
        "--max-retry-multiplier",
        "chat.*=1.1",
        "--max-cost-per-job",
        "0.001",
    ]);
    assert_eq!(code, 0, "{}", d["verdicts"]);
    for rule in ["min-cache-hit-rate", "max-retry-multiplier", "max-cost-per-job"] {
        let v = verdicts(&d, rule, None);
        assert!(!v.is_empty() && v.iter().all(|v| v["status"] == "skipped"), "{rule}: {v:?}");
    }
    // No counts on the current side: the whole runs are compared, $0.00372 → $0.0193.
    assert_eq!(d["basis"], "run");
    assert!(
        close(&d["headline"]["change"]["before"], 0.00372)
            && close(&d["headline"]["change"]["after"], 0.0193)
    );
    let notes = d["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().contains("no cache figures")), "{notes:?}");
    assert!(route(&d, "chat.answer")["cache_hit_rate"]["after"].is_null());
}

#[test]
fn unpriced_calls_fail_by_default() {
    // fixtures/calls.jsonl has 2 calls of mystery-1, which has no price (fixtures/EXPECTED.md).
    let (code, d) = diff_json(&[BASE_LOG, "fixtures/calls.jsonl"]);
    assert_eq!(code, 1);
    let v = verdicts(&d, "max-unpriced", None);
    assert_eq!((v[0]["status"].as_str(), v[0]["value"]["count"].as_u64()), (Some("fail"), Some(2)));
    assert!(v[0]["note"].as_str().unwrap().contains("mystery-1 (2 calls)"));
    assert_eq!(diff(&[BASE_LOG, "fixtures/calls.jsonl", "--max-unpriced", "2"]).0, 0);
}

#[test]
fn errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = dir.path().join("v2.json");
    std::fs::write(&v2, r#"{"schema_version": 2, "totals": {}}"#).unwrap();
    let bad_policy = dir.path().join("policy.toml");
    std::fs::write(&bad_policy, "max_increse = \"5%\"\n").unwrap();
    let cases: [(Vec<&str>, &str); 5] = [
        (vec![BASELINE, "fixtures/ci/nope.jsonl"], "nope.jsonl"),
        (vec![BASELINE, CURRENT, "--max-increase", "lots"], "--max-increase"),
        (vec![BASELINE, CURRENT, "--min-cache-hit-rate", "60"], "percentage"),
        (vec![BASELINE, v2.to_str().unwrap()], "schema_version 2"),
        (vec![BASELINE, CURRENT, "--policy", bad_policy.to_str().unwrap()], "max_increse"),
    ];
    for (args, needle) in cases {
        let out = llmcost().arg("diff").args(&args).args(test_pricing()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn llmcost_toml_in_the_working_directory_is_the_default_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (base, current) = (fixture("ci/baseline.json"), fixture("ci/current.json"));
    let run = |dir: &Path| {
        llmcost().current_dir(dir).arg("diff").arg(&base).arg(&current).output().unwrap().status.code()
    };
    assert_eq!(run(dir.path()), Some(0));
    std::fs::write(dir.path().join("llmcost.toml"), "max_increase = \"5%\"\n").unwrap();
    assert_eq!(run(dir.path()), Some(1));
}

#[test]
fn markdown_is_a_pr_comment() {
    let (code, md) = diff(&[BASELINE, CURRENT, "--policy", "fixtures/ci/policy.toml", "--format", "md"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("diff_markdown", md);
}

#[test]
fn github_format_is_workflow_annotations() {
    let (code, out) = diff(&[BASELINE, CURRENT, "--policy", "fixtures/ci/policy.toml", "--format", "github"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "::notice title=llmcost diff::cost per job $0.001860 → $0.006433 (+$0.004573, +245.9%25); 2 of 11 checks failed",
            "::error title=llmcost max-cost-per-job::route summarize: cost per job $0.004150; limit $0.004000",
            "::error title=llmcost min-cache-hit-rate::route chat.answer: cache hit rate 45.0%25; minimum 50.0%25",
        ]
    );
}

#[test]
fn table_format_leads_with_the_verdict() {
    let (code, out) = diff(&[BASELINE, CURRENT, "--policy", "fixtures/ci/policy.toml"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("llmcost diff: cost per job $0.001860 → $0.006433 (+$0.004573, +245.9%)\n"),
        "{out}"
    );
    assert!(out.contains("FAILED: 2 of 11 checks failed"), "{out}");
    assert!(out.contains("New routes: summarize"), "{out}");
    let (code, out) = diff(&[BASELINE, CURRENT]);
    assert_eq!(code, 0);
    assert!(out.contains("PASSED: all 1 checks hold"), "{out}");
}

/// A saved report and the log it was made from are the same run: no route or model changed,
/// nothing new or vanished, every rule holds. Issue #10: costs read back from JSON doubles
/// used to differ from the log's exact ones in the last digits and marked untouched routes
/// "changed". `current.jsonl` has a retry, a fallback, cache reads and a tier crossing;
/// `sample.jsonl` (built-in prices, 400 calls) has costs with many digits.
#[test]
fn a_saved_report_and_its_log_compare_identical_r10() {
    let dir = tempfile::tempdir().unwrap();
    for (log, prices) in [(CURRENT_LOG, true), ("fixtures/sample.jsonl", false)] {
        let pricing: Vec<&str> = if prices { test_pricing().to_vec() } else { Vec::new() };
        let out = llmcost().args(["report", log, "--format", "json"]).args(&pricing).output().expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let saved = dir.path().join("saved.json");
        std::fs::write(&saved, &out.stdout).unwrap();
        let saved = saved.to_str().unwrap();
        for (base, current) in [(saved, log), (log, saved), (log, log), (saved, saved)] {
            let out = llmcost()
                // sample.jsonl has one unpriced call, which max-unpriced (0) would fail.
                .args(["diff", base, current, "--format", "json", "--max-unpriced", "1"])
                .args(&pricing)
                .output()
                .expect("runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{base} vs {current}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let d: Value = serde_json::from_slice(&out.stdout).unwrap();
            let moved = |key: &str| -> Vec<String> {
                d[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["status"] != "unchanged")
                    .map(|r| {
                        format!(
                            "{} {}",
                            r["route"].as_str().or(r["model"].as_str()).unwrap_or("-"),
                            r["status"]
                        )
                    })
                    .collect()
            };
            assert_eq!(moved("routes"), Vec::<String>::new(), "{log}: {base} vs {current}");
            assert_eq!(moved("models"), Vec::<String>::new(), "{log}: {base} vs {current}");
            assert!(!d["routes"].as_array().unwrap().is_empty(), "routes were compared");
            for list in ["new_routes", "vanished_routes", "new_models", "vanished_models"] {
                assert_eq!(d[list], serde_json::json!([]), "{list}");
            }
            assert_eq!(d["headline"]["change"]["significant"], false);
            assert_eq!(d["base"]["jobs_source"], d["current"]["jobs_source"], "same basis on both sides");
        }
    }
}

/// One verdict of `diff base.jsonl current.jsonl RULES`: (status, route, model, value).
fn verdicts_of(rules: &[&str]) -> Vec<(String, Option<String>, Option<String>, Value)> {
    let mut args = vec![BASE_LOG, CURRENT_LOG];
    args.extend(rules);
    let (_, d) = diff_json(&args);
    d["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == "max-increase" || v["rule"] == "max-new-route-cost-per-job")
        .map(|v| {
            let text = |k: &str| v[k].as_str().map(str::to_string);
            (v["status"].as_str().unwrap().to_string(), text("route"), text("model"), v["value"].clone())
        })
        .collect()
}

/// Per-route and per-model max-increase and the new-route floor, worked in
/// fixtures/ci/README.md ("Per-route and per-model limits"). Issue #15.
#[test]
fn increases_per_route_and_model_r15() {
    let one = |rules: &[&str]| {
        let v = verdicts_of(rules);
        assert_eq!(v.len(), 1, "{rules:?}: {v:?}");
        v.into_iter().next().unwrap()
    };
    // chat.answer: 1800 → 2283.33… µ$ per job, +26.85%.
    let (status, route, _, value) = one(&["--max-increase", "chat.*=25%"]);
    assert_eq!((status.as_str(), route.as_deref()), ("fail", Some("chat.answer")));
    assert!(close(&value["rate"], 483.0 / 1800.0 + 1.0 / 3.0 / 1800.0), "{value}");
    assert_eq!(one(&["--max-increase", "chat.*=30%"]).0, "pass");
    // In USD per job: +$0.000483333…
    assert_eq!(one(&["--max-increase", "chat.answer=0.0005"]).0, "pass");
    let (status, _, _, value) = one(&["--max-increase", "chat.answer=0.0004"]);
    assert_eq!(status, "fail");
    assert_eq!(value["usd"].as_f64().map(|x| (x * 1e12).round() / 1e12), Some(0.000483333333));
    // alpha served chat.answer only: the same +26.85%.
    let (status, route, model, _) = one(&["--max-increase", "model:alpha=10%"]);
    assert_eq!((status.as_str(), route, model.as_deref()), ("fail", None, Some("alpha")));
    // search vanished, summarize is new: nothing to compare.
    assert_eq!(one(&["--max-increase", "search=5%"]).0, "skipped");
    assert_eq!(one(&["--max-increase", "summarize=5%"]).0, "skipped");
    assert_eq!(one(&["--max-increase", "nothing.*=5%"]).0, "skipped");
    // summarize: 12450 µ$ / 3 jobs = $0.00415 per job.
    let (status, route, _, value) = one(&["--max-new-route-cost-per-job", "0.004"]);
    assert_eq!((status.as_str(), route.as_deref()), ("fail", Some("summarize")));
    assert!(close(&value["usd"], 0.00415), "{value}");
    assert_eq!(one(&["--max-new-route-cost-per-job", "0.005"]).0, "pass");
    // Without a baseline the rules are skipped, never passed.
    let out = llmcost()
        .args(["check", CURRENT_LOG, "--max-increase", "chat.*=5%", "--format", "json"])
        .args(test_pricing())
        .output()
        .unwrap();
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        c["verdicts"].as_array().unwrap().iter().find(|v| v["rule"] == "max-increase").unwrap()["status"],
        "skipped"
    );
}

/// The same rules from llmcost.toml: `[routes."glob"] max_increase` and `[models."glob"]`.
#[test]
fn increases_from_the_policy_file_r15() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("llmcost.toml");
    std::fs::write(
        &policy,
        "max_new_route_cost_per_job = 0.005\n[routes.\"chat.*\"]\nmax_increase = \"25%\"\n[models.\"al*\"]\nmax_increase = \"30%\"\n",
    )
    .unwrap();
    let v = verdicts_of(&["--policy", policy.to_str().unwrap()]);
    let statuses: Vec<(&str, Option<&str>, Option<&str>)> =
        v.iter().map(|(s, r, m, _)| (s.as_str(), r.as_deref(), m.as_deref())).collect();
    assert!(statuses.contains(&("fail", Some("chat.answer"), None)), "{statuses:?}");
    assert!(statuses.contains(&("pass", None, Some("alpha"))), "{statuses:?}");
    assert!(statuses.contains(&("pass", Some("summarize"), None)), "{statuses:?}");
}
