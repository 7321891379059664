//! Rate-limit storms on a generated log: one planted provider-wide storm is found on the full
//! log and on a 5% sample of it, and nothing else is called a storm (issue #15).

use serde_json::Value;

use super::llmcost;

/// A month-like log: `quiet` calls over ten days from 2026-10-01 across three providers, 2%
/// of them 429s of one attempt each; plus a planted Anthropic storm on 2026-10-05 from 03:00
/// to 03:30: 400 calls across four routes, every other one a 429, the errors retried.
fn generated(quiet: usize) -> Vec<String> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let start = 1_790_812_800_000i64; // 2026-10-01T00:00:00Z
    let providers =
        [("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-4o-mini"), ("google", "gemini-2.5-flash")];
    let routes = ["chat", "search", "summarize", "agent"];
    let line = |ts: i64, id: usize, attempt: u32, route: &str, (p, m): (&str, &str), status: u16| {
        let error = if status >= 400 { r#","status":"error""# } else { "" };
        format!(
            r#"{{"timestamp":{ts},"request_id":"r{id}-{attempt}","operation_id":"o{id}","attempt":{attempt},"route":"{route}","provider":"{p}","model":"{m}","input_tokens":1000,"output_tokens":100,"http_status":{status}{error}}}"#
        )
    };
    let mut lines = Vec::new();
    for i in 0..quiet {
        let ts = start + (next() % (10 * 86_400_000)) as i64;
        let status = if next() % 50 == 0 { 429 } else { 200 };
        let provider = providers[(next() % 3) as usize];
        lines.push(line(ts, i, 1, routes[(next() % 4) as usize], provider, status));
    }
    let storm = start + 4 * 86_400_000 + 3 * 3_600_000;
    for i in 0..400 {
        let ts = storm + i as i64 * 4_500; // 400 calls in 30 minutes
        let id = quiet + i / 2;
        let (attempt, status) = if i % 2 == 0 { (1, 429) } else { (2, 200) };
        lines.push(line(ts, id, attempt, routes[(i / 2) % 4], providers[0], status));
    }
    lines.sort();
    lines
}

fn storms_of(lines: &[String]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = llmcost()
        .args(["report", path.to_str().unwrap(), "--only", "storms", "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    r["storms"].clone()
}

#[test]
fn a_planted_storm_is_found_on_the_full_log_and_on_a_sample_r15() {
    let lines = generated(20_000);
    let sample: Vec<String> = lines.iter().step_by(20).cloned().collect();
    for (name, log) in [("full", &lines), ("5% sample", &sample)] {
        let s = storms_of(log);
        assert_eq!(s["count"], 1, "{name}: {s}");
        let storm = &s["storms"][0];
        assert_eq!(storm["provider"], "anthropic", "{name}");
        let (from, to) = (storm["start"].as_str().unwrap(), storm["end"].as_str().unwrap());
        assert!(from >= "2026-10-05T03:00:00Z" && to < "2026-10-05T03:30:00Z", "{name}: {from} → {to}");
        assert!(storm["error_share"].as_f64().unwrap() > 0.3, "{name}: {storm}");
        // 2% of the quiet calls failed; the storm is left out of its own baseline.
        let baseline = storm["baseline_share"].as_f64().unwrap();
        assert!((0.01..0.03).contains(&baseline), "{name}: {storm}");
    }
    // The full storm: 200 errors, every route hit, 199 retries inside its span (the last
    // error's retry follows the last error).
    let full = storms_of(&lines);
    let storm = &full["storms"][0];
    assert_eq!(storm["errors"], 200);
    assert_eq!(storm["retries"], 199);
    assert_eq!(storm["routes"], serde_json::json!(["agent", "chat", "search", "summarize"]));
}

#[test]
fn check_holds_storms_to_the_policy_r15() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.jsonl");
    std::fs::write(&path, generated(2_000).join("\n")).unwrap();
    let run = |rule: &[&str]| {
        let out = llmcost().arg("check").arg(&path).args(rule).args(["--format", "json"]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let verdict = v["verdicts"].as_array().unwrap().iter().find(|x| x["rule"] == rule[0][2..]).cloned();
        (out.status.code(), verdict.unwrap()["status"].clone())
    };
    assert_eq!(run(&["--max-storms", "0"]), (Some(1), "fail".into()));
    assert_eq!(run(&["--max-storms", "1"]), (Some(0), "pass".into()));
    // 200 failed calls and 200 retries of 1000 in / 100 out on claude-sonnet-4-5
    // ($3 / $15 per million): 400 × (0.003 + 0.0015) = $1.80, far above $1.
    assert_eq!(run(&["--max-storm-cost", "1"]), (Some(1), "fail".into()));
    assert_eq!(run(&["--max-storm-cost", "2"]), (Some(0), "pass".into()));
}
