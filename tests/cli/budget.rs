//! `llmcost budget`: replaying fixtures/ci/budget.jsonl against fixtures/ci/budgets.yaml;
//! every figure is worked out in fixtures/ci/README.md.

use serde_json::Value;

use super::{llmcost, test_pricing};

const LOG: &str = "fixtures/ci/budget.jsonl";

fn budget(args: &[&str]) -> (i32, String, String) {
    let out = llmcost().arg("budget").args(args).args(test_pricing()).output().expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn budget_json(file: &str) -> (i32, Value) {
    let (code, out, err) = budget(&["--budgets", file, LOG, "--format", "json"]);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= want.abs() * 1e-12)
}

fn limit<'v>(b: &'v Value, period: &str) -> &'v Value {
    b["limits"].as_array().unwrap().iter().find(|l| l["period"] == period).unwrap()
}

#[test]
fn hourly_limit_alerts_and_hard_stops() {
    let (code, r) = budget_json("fixtures/ci/budgets.yaml");
    assert_eq!(code, 1, "a hard stop would have fired");
    assert_eq!(r["kind"], "budget");
    let chat = &r["budgets"][0];
    assert_eq!(
        (chat["name"].as_str(), chat["calls"].as_u64(), chat["unpriced_calls"].as_u64()),
        (Some("chat-prod"), Some(9), Some(1))
    );
    assert!(close(&chat["cost_usd"], 0.03));
    let hourly = limit(chat, "hour");
    assert_eq!(
        (hourly["over_limit"].as_u64(), hourly["alerts"].as_u64(), hourly["hard_stops"].as_u64()),
        (Some(2), Some(7), Some(2))
    );
    assert!(close(&hourly["prevented_usd"], 0.004));
    assert_eq!(hourly["peak"]["start"], "2026-03-12T09:00Z");
    let nine = &hourly["periods"][0];
    assert_eq!((nine["start"].as_str(), nine["calls"].as_u64()), (Some("2026-03-12T09:00Z"), Some(5)));
    assert!(close(&nine["spend_usd"], 0.012) && close(&nine["share_of_limit"], 1.2));
    let alerts: Vec<(f64, &str)> = nine["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["pct"].as_f64().unwrap(), a["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        alerts,
        [(50.0, "2026-03-12T09:10:00Z"), (80.0, "2026-03-12T09:20:00Z"), (95.0, "2026-03-12T09:30:00Z")]
    );
    let stop = &nine["hard_stop"];
    assert_eq!(
        (stop["at"].as_str(), stop["prevented_calls"].as_u64()),
        (Some("2026-03-12T09:30:00Z"), Some(1))
    );
    assert!(close(&stop["spend_usd"], 0.01) && close(&stop["prevented_usd"], 0.002));
    let ten = &hourly["periods"][1];
    assert_eq!(ten["alerts"].as_array().unwrap().len(), 3);
    assert_eq!(ten["hard_stop"]["at"], "2026-03-12T10:05:00Z");
    let midnight = &hourly["periods"][2];
    assert_eq!(
        (midnight["start"].as_str(), midnight["alerts"][0]["pct"].as_f64()),
        (Some("2026-03-13T00:00Z"), Some(50.0))
    );
    assert!(midnight["hard_stop"].is_null());
}

#[test]
fn daily_limit_and_per_call_limit() {
    let (_, r) = budget_json("fixtures/ci/budgets.yaml");
    let chat = &r["budgets"][0];
    let daily = limit(chat, "day");
    assert_eq!(
        (daily["alerts"].as_u64(), daily["hard_stops"].as_u64(), daily["over_limit"].as_u64()),
        (Some(3), Some(1), Some(1))
    );
    let day = &daily["periods"][0];
    assert!(close(&day["spend_usd"], 0.024));
    assert_eq!(day["alerts"][0]["at"], "2026-03-12T09:30:00Z");
    assert!(close(&day["alerts"][0]["spend_usd"], 0.01));
    assert_eq!(day["hard_stop"]["at"], "2026-03-12T10:05:00Z");
    assert!(close(&day["hard_stop"]["spend_usd"], 0.022) && close(&day["hard_stop"]["prevented_usd"], 0.002));
    assert!(
        close(&daily["periods"][1]["spend_usd"], 0.006)
            && daily["periods"][1]["alerts"].as_array().unwrap().is_empty()
    );
    let per_call = &chat["per_call"];
    assert_eq!(per_call["calls"], 2);
    assert!(close(&per_call["cost_usd"], 0.016) && close(&per_call["excess_usd"], 0.006));
    assert_eq!(per_call["worst"][0]["at"], "2026-03-12T10:05:00Z");
    assert!(close(&per_call["worst"][0]["cost_usd"], 0.01));
    let non_prod = &r["budgets"][1];
    assert_eq!((non_prod["calls"].as_u64(), non_prod["hard_stop_fired"].as_bool()), (Some(1), Some(false)));
    assert!(close(&non_prod["cost_usd"], 0.004));
    // 7 hourly + 3 daily alerts, 2 + 1 hard stops, in time order.
    let events = r["events"].as_array().unwrap();
    assert_eq!(events.len(), 13);
    assert_eq!(events[0]["at"], "2026-03-12T09:10:00Z");
    assert_eq!(events[12]["at"], "2026-03-13T00:10:00Z");
    assert_eq!(r["hard_stops"], 1);
}

#[test]
fn toml_budgets_without_a_reached_stop_exit_0() {
    let (code, r) = budget_json("fixtures/ci/budgets.toml");
    assert_eq!(code, 0);
    let chat = &r["budgets"][0];
    assert_eq!(
        (limit(chat, "hour")["alerts"].as_u64(), limit(chat, "day")["alerts"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(r["hard_stops"], 0);
}

#[test]
fn bad_budget_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("typo.yaml", "budgets:\n  - name: x\n    daily_limit: 5\n", "daily_limit"),
        ("nolimit.yaml", "budgets:\n  - name: x\n    alert_at_pct: [50]\n", "has no limit"),
        ("negative.yaml", "budgets:\n  - name: x\n    daily_limit_usd: -1\n", "must be between"),
        ("notyaml.yaml", "budgets: [", "budgets file"),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = budget(&["--budgets", path.to_str().unwrap(), LOG]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
    }
    let (code, _, _) = budget(&["--budgets", "fixtures/ci/nope.yaml", LOG]);
    assert_eq!(code, 2);
}

#[test]
fn formats() {
    let (code, md, _) = budget(&["--budgets", "fixtures/ci/budgets.yaml", LOG, "--format", "md"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("budget_markdown", md);
    let (_, gh, _) = budget(&["--budgets", "fixtures/ci/budgets.yaml", LOG, "--format", "github"]);
    let errors: Vec<&str> = gh.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(
        errors,
        [
            "::error title=llmcost budget chat-prod::HARD STOP 100%25 (hourly) at 2026-03-12T09:30:00Z: $0.0100 of $0.0100 in 2026-03-12T09:00Z; $0.002000 spent after it",
            "::error title=llmcost budget chat-prod::HARD STOP 100%25 (daily) at 2026-03-12T10:05:00Z: $0.0220 of $0.0200 in 2026-03-12; $0.002000 spent after it",
            "::error title=llmcost budget chat-prod::HARD STOP 100%25 (hourly) at 2026-03-12T10:05:00Z: $0.0100 of $0.0100 in 2026-03-12T10:00Z; $0.002000 spent after it",
        ]
    );
    assert_eq!(
        gh.lines().filter(|l| l.starts_with("::warning")).count(),
        10 + 1,
        "10 alerts and one per-call line"
    );
    let (_, table, _) = budget(&["--budgets", "fixtures/ci/budgets.yaml", LOG]);
    assert!(
        table.starts_with("llmcost budget: 2 budgets, 1 budget's hard stop would have fired\n"),
        "{table}"
    );
}

#[test]
fn usage_buckets_count_toward_daily_limits_only() {
    // fixtures/formats/anthropic-usage.json: $5.1225 in three buckets dated 2026-03-01 00:00.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("budgets.yaml");
    std::fs::write(&spec, "budgets:\n  - name: all\n    daily_limit_usd: 5\n    hourly_limit_usd: 1\n    per_call_limit_usd: 0.5\n").unwrap();
    // Built-in prices: the test table has no Claude models.
    let out = llmcost()
        .args([
            "budget",
            "--budgets",
            spec.to_str().unwrap(),
            "fixtures/formats/anthropic-usage.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let all = &r["budgets"][0];
    assert_eq!((all["calls"].as_u64(), all["bucket_rows"].as_u64()), (Some(0), Some(3)));
    assert!(close(&limit(all, "day")["periods"][0]["spend_usd"], 5.1225), "the day sees every bucket");
    assert_eq!(limit(all, "hour")["periods"].as_array().map(Vec::len), Some(0), "no hour is known");
    assert_eq!(all["per_call"]["calls"], 0, "a bucket is not one call over the per-call limit");
    let notes = r["notes"].to_string();
    assert!(notes.contains("3 usage-bucket rows count toward its daily limit only"), "{notes}");
    assert!(!notes.contains("no call matches"), "{notes}");
}

/// A limit too small to show (1e-30 read as $0.00 while counting every call over it) or
/// absurdly large is an error naming the budget and field (#12).
#[test]
fn absurd_limits_are_errors_r12() {
    let dir = tempfile::tempdir().unwrap();
    for limit in ["1e-30", "1e15", "0", "-1"] {
        let path = dir.path().join("budgets.yaml");
        std::fs::write(&path, format!("budgets:\n  - name: tiny\n    daily_limit_usd: {limit}\n")).unwrap();
        let out = llmcost()
            .args(["budget", "--budgets", path.to_str().unwrap(), "fixtures/ci/budget.jsonl"])
            .args(test_pricing())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{limit}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("\"tiny\": daily_limit_usd must be between"), "{limit}: {err}");
    }
}

#[test]
fn a_model_glob_matches_the_name_as_logged_too_r20() {
    // fixtures/calls.jsonl (EXPECTED.md): r05 logs alpha-preview-x, 4050 µ$, which groups as
    // alpha; `alpha-preview*` still matches it by the name it was logged as. `alpha` matches
    // the six calls of the model however logged: 2500 + 4650 + 2300 + 4050 + 0 + 460 = 13960.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.yaml");
    std::fs::write(
        &file,
        "budgets:\n  - name: preview\n    match: {model: \"alpha-preview*\"}\n    daily_limit_usd: 1\n  \
         - name: alpha\n    match: {model: alpha}\n    daily_limit_usd: 1\n",
    )
    .unwrap();
    let (code, out, err) =
        budget(&["--budgets", file.to_str().unwrap(), "fixtures/calls.jsonl", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let b = |i: usize| (r["budgets"][i]["calls"].as_u64().unwrap(), r["budgets"][i]["cost_usd"].clone());
    assert_eq!(b(0).0, 1);
    assert!(close(&b(0).1, 0.00405), "{}", b(0).1);
    assert_eq!(b(1).0, 6);
    assert!(close(&b(1).1, 0.01396), "{}", b(1).1);
}
