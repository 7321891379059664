//! Hostile and broken input (issue #12): no crash, no runaway memory, no silent loss. Each
//! input is small; the limits it hits are the documented ones (README "Limits").

use std::path::Path;

use serde_json::Value;

use super::{llmcost, test_pricing};

const GOOD: &str =
    r#"{"timestamp":"2026-02-10T09:00:00Z","model":"alpha","input_tokens":1000,"output_tokens":100}"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// `llmcost report FILE --format json`, which must exit 0.
fn report(file: &str, extra: &[&str]) -> Value {
    let out = llmcost()
        .args(["report", file, "--format", "json"])
        .args(test_pricing())
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status.code());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn reasons(r: &Value) -> Vec<String> {
    r["rejected"].as_array().unwrap().iter().map(|x| format!("{}:{}", x["line"], x["reason"])).collect()
}

fn nest(n: usize) -> String {
    format!("{}{}", "[".repeat(n), "]".repeat(n))
}

#[test]
fn deep_nesting_is_one_rejected_line_r12() {
    let dir = tempfile::tempdir().unwrap();
    let deep_field =
        format!(r#"{{"model":"alpha","input_tokens":1,"output_tokens":1,"junk":{}}}"#, nest(20_000));
    let unclosed = "[".repeat(20_000);
    let text = format!("{GOOD}\n{deep_field}\n{GOOD}\n{unclosed}\n{GOOD}\n");
    let file = write(dir.path(), "deep.jsonl", &text);
    let r = report(&file, &[]);
    assert_eq!(r["lines"]["read"], 5);
    assert_eq!(r["lines"]["accepted"], 3);
    assert_eq!(r["lines"]["rejected"], 2);
    let why = reasons(&r);
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(why[0].starts_with("2:") && why[0].contains("nested deeper than 128"), "{why:?}");
    assert!(why[1].starts_with("4:") && why[1].contains("nested deeper than 128"), "{why:?}");
    assert_eq!(r["rejected"][0]["file"], file.as_str());

    // The same records as a `.json` document: the deep item is one rejected item.
    let doc = format!("[\n{GOOD},\n{deep_field},\n{GOOD}\n]\n");
    let r = report(&write(dir.path(), "deep.json", &doc), &[]);
    assert_eq!((r["lines"]["accepted"].as_u64(), r["lines"]["rejected"].as_u64()), (Some(2), Some(1)));
    assert!(reasons(&r)[0].starts_with("3:"), "{:?}", reasons(&r));

    // A native dialect (Claude Code) line nested deep in a field nothing reads.
    let cc = |id: &str, extra: &str| {
        format!(
            r#"{{"type":"assistant","timestamp":"2026-02-10T09:00:00Z","requestId":"{id}","message":{{"id":"{id}","model":"alpha","usage":{{"input_tokens":10,"output_tokens":1}}}}{extra}}}"#
        )
    };
    let native =
        format!("{}\n{}\n{}\n", cc("a", ""), cc("b", &format!(r#","junk":{}"#, nest(20_000))), cc("c", ""));
    let r = report(&write(dir.path(), "session.jsonl", &native), &["--input-format", "claude-code"]);
    assert_eq!((r["lines"]["accepted"].as_u64(), r["lines"]["rejected"].as_u64()), (Some(2), Some(1)));
    assert!(reasons(&r)[0].starts_with("2:") && reasons(&r)[0].contains("nested"), "{:?}", reasons(&r));
}

#[test]
fn a_deeply_nested_baseline_given_to_diff_is_read_not_a_crash_r12() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "run.jsonl", &format!("{GOOD}\n"));
    let deep = format!(r#"{{"model":"alpha","x":{}}}"#, nest(20_000));
    let base = write(dir.path(), "base.json", &format!("{deep}\n{GOOD}\n"));
    let out =
        llmcost().args(["diff", &base, &log, "--format", "json"]).args(test_pricing()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let d: Value = serde_json::from_slice(&out.stdout).expect("a JSON verdict");
    assert!(d.is_object(), "{d}");
    // A saved report nested deep where a figure belongs is an error naming the file.
    let saved =
        write(dir.path(), "saved.json", &format!("{{\"schema_version\":1,\"totals\":{}}}\n", nest(20_000)));
    let out = llmcost().args(["diff", &saved, &log]).args(test_pricing()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("saved.json"), "{stderr}");
}

#[test]
fn absurd_times_are_rejected_and_the_day_breakdown_stays_small_r12() {
    let dir = tempfile::tempdir().unwrap();
    let call =
        |ts: &str| format!(r#"{{"timestamp":{ts},"model":"alpha","input_tokens":1000,"output_tokens":100}}"#);
    let lines = [
        call(r#""0001-01-01T00:00:00Z""#),
        GOOD.to_string(),
        call(r#""9999-12-31T00:00:00Z""#),
        call("1e17"),
        call(r#""inf""#),
        call("1e30"),
        call(r#""9223372036854775807""#),
        call(r#""-9223372036854775808""#),
        call(r#""NaN""#),
        call(r#""2026-02-11T09:00:00Z""#),
        call(r#""2026-02-11T10:00:00Z","latency_ms":"NaN""#),
        call(r#""2026-02-11T10:00:00Z","cost_usd":"-inf""#),
    ];
    let file = write(dir.path(), "times.jsonl", &(lines.join("\n") + "\n"));
    let r = report(&file, &["--by", "day"]);
    assert_eq!(r["lines"]["read"], 12);
    assert_eq!(r["lines"]["accepted"], 2);
    assert_eq!(r["lines"]["rejected"], 10);
    let rejected = r["rejected"].as_array().unwrap();
    let fields: Vec<&str> = rejected.iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert_eq!(fields[..8], ["timestamp"; 8]);
    assert_eq!(fields[8..], ["latency_ms", "cost_usd"]);
    assert!(rejected[0]["reason"].as_str().unwrap().contains("outside the accepted range"), "{rejected:?}");
    let days: Vec<&str> =
        r["breakdowns"]["day"].as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap()).collect();
    assert_eq!(days, ["2026-02-10", "2026-02-11"]);
}

/// `llmcost report - --max-line-bytes 4096` on `input`, as JSON.
fn report_stdin(input: Vec<u8>, extra: &[&str]) -> Value {
    let out = llmcost()
        .args(["report", "-", "--format", "json", "--max-line-bytes", "4096"])
        .args(test_pricing())
        .args(extra)
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_over_long_line_is_one_rejected_line_in_every_reader_r12() {
    let dir = tempfile::tempdir().unwrap();
    let long = "0".repeat(100_000); // 100 kB of zeros against a 4 kB cap
    let jsonl = format!("{GOOD}\n{long}\n{GOOD}\n");
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(jsonl.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let header = "timestamp,model,input_tokens,output_tokens";
    let row = "2026-02-10T09:00:00Z,alpha,1000,100";
    let csv = format!("{header}\n{row}\n{long}\n{row}\n");
    let session = format!(
        "{}\n{long}\n",
        r#"{"type":"assistant","timestamp":"2026-02-10T09:00:00Z","requestId":"a","message":{"id":"a","model":"alpha","usage":{"input_tokens":1000,"output_tokens":100}}}"#
    );
    let cases: Vec<(&str, Value)> = vec![
        ("jsonl file", report(&write(dir.path(), "long.jsonl", &jsonl), &["--max-line-bytes", "4096"])),
        ("jsonl stdin", report_stdin(jsonl.clone().into_bytes(), &[])),
        ("jsonl.gz", {
            let path = dir.path().join("long.jsonl.gz");
            std::fs::write(&path, &gz).unwrap();
            report(path.to_str().unwrap(), &["--max-line-bytes", "4096"])
        }),
        ("csv file", report(&write(dir.path(), "long.csv", &csv), &["--max-line-bytes", "4096"])),
        ("csv stdin", report_stdin(csv.clone().into_bytes(), &["--input-format", "csv"])),
        ("native stdin", report_stdin(session.into_bytes(), &["--input-format", "claude-code"])),
    ];
    for (name, r) in cases {
        let good = if name == "native stdin" { 1 } else { 2 };
        assert_eq!(r["lines"]["read"], good + 1, "{name}: {}", r["lines"]);
        assert_eq!(r["lines"]["accepted"], good, "{name}");
        assert_eq!(r["lines"]["rejected"], 1, "{name}");
        let reject = &r["rejected"][0];
        assert_eq!(reject["reason"], "line longer than 4096 bytes (--max-line-bytes)", "{name}");
        let want_line = if name.starts_with("csv") { 3 } else { 2 };
        assert_eq!(reject["line"], want_line, "{name}");
        assert_eq!(r["totals"]["input_tokens"], 1000 * good, "{name}");
    }
    // The default cap (64 MiB) lets a long but sane line through.
    let r = report(&write(dir.path(), "ok.jsonl", &jsonl), &[]);
    assert_eq!(r["lines"]["rejected"], 1);
    assert!(r["rejected"][0]["reason"].as_str().unwrap().starts_with("invalid JSON"), "{}", r["rejected"]);
}

#[test]
fn a_csv_header_over_the_cap_is_an_error_not_zero_lines_r12() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "zeros.csv", &"\0".repeat(100_000));
    let out =
        llmcost().args(["report", &file, "--max-line-bytes", "4096"]).args(test_pricing()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("zeros.csv: the CSV header is longer than 4096 bytes"), "{stderr}");
}

/// Overflow never prints a wrong number: token counts above 10^15 are rejected lines (three
/// calls of i64::MAX tokens used to sum to 9223372036854775805), and a run whose sums would
/// not fit is an error naming the call (issue #12).
#[test]
fn huge_counts_are_rejected_and_unsummable_runs_are_errors_r12() {
    let dir = tempfile::tempdir().unwrap();
    let line = |tokens: u64| {
        format!(
            r#"{{"timestamp":"2026-03-02T10:00:00Z","model":"alpha","input_tokens":{tokens},"output_tokens":1}}"#
        )
    };
    let huge = dir.path().join("huge.jsonl");
    let max = i64::MAX as u64;
    std::fs::write(&huge, [line(max), line(max), line(max), line(10)].join("\n")).unwrap();
    let r = super::run_json(&[
        "report",
        huge.to_str().unwrap(),
        "--only",
        "totals",
        "--pricing",
        "fixtures/pricing/test.toml",
        "--no-builtin-pricing",
    ]);
    assert_eq!((r["lines"]["rejected"].as_u64(), r["totals"]["input_tokens"].as_u64()), (Some(3), Some(10)));
    assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("above 10^15"), "{}", r["rejected"][0]);
    // 18,447 calls of 10^15 input tokens: more than a u64 can sum (1.8e19).
    let many = dir.path().join("many.jsonl");
    std::fs::write(&many, vec![line(1_000_000_000_000_000); 18_447].join("\n")).unwrap();
    let out = llmcost()
        .args([
            "report",
            many.to_str().unwrap(),
            "--only",
            "totals",
            "--pricing",
            "fixtures/pricing/test.toml",
            "--no-builtin-pricing",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("call 18447 (alpha): input_tokens too large to sum"), "{err}");
}

/// A price table may not hold a price no model has: above $10^9 per million tokens it is an
/// error naming the file and model, so no call's cost can overflow (issue #12).
#[test]
fn absurd_prices_are_refused_r12() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("prices.toml");
    std::fs::write(
        &table,
        "provider = \"x\"\nsource = \"test\"\nchecked = \"2026-01-01\"\n[[models]]\nid = \"m\"\n[[models.prices]]\ninput = 1e12\noutput = 1\n",
    )
    .unwrap();
    let out = llmcost().args(["pricing", "check", "--pricing", table.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a real price") && err.contains("\"m\""), "{err}");
}

/// A JSON-lines file whose first line is `[]` is read line by line: that line is one rejected
/// line and the good lines after it count (it used to fail as a whole document) (#12).
#[test]
fn a_first_line_of_brackets_loses_no_good_line_r12() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "calls.jsonl", &format!("[]\n{GOOD}\n{GOOD}\n"));
    let r = report(&file, &[]);
    let l = &r["lines"];
    assert_eq!(
        (l["read"].as_u64(), l["accepted"].as_u64(), l["rejected"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(r["rejected"][0]["line"], 1);
}

/// A CSV header naming a column twice is refused, naming the column: the last one would
/// otherwise silently win (#12).
#[test]
fn a_csv_header_with_a_name_twice_is_an_error_r12() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "calls.csv",
        "timestamp,model,input_tokens,output_tokens,input_tokens\n2026-02-10T09:00:00Z,alpha,1000,100,5\n",
    );
    let out = llmcost().args(["report", &file]).args(test_pricing()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names column \"input_tokens\" twice"));
}

/// Each file is read once: named twice, or a directory and a file inside it, or found again
/// through a symlink loop in a directory — and a note says so (#12).
#[cfg(unix)]
#[test]
fn each_file_is_read_once_r12() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let file = write(&logs, "a.jsonl", &format!("{GOOD}\n"));
    std::os::unix::fs::symlink(&logs, logs.join("loop")).unwrap();
    let logs = logs.to_str().unwrap();
    let r = report(&file, &["--", &file, logs]);
    assert_eq!((r["lines"]["read"].as_u64(), r["totals"]["calls"].as_u64()), (Some(1), Some(1)));
    assert!(r["notes"].to_string().contains("each file was read once"), "{}", r["notes"]);
}

/// A route named like a link and a mention is neither in a PR comment (#12).
#[test]
fn a_pr_comment_neither_links_nor_mentions_r12() {
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"timestamp":"2026-02-10T09:00:00Z","model":"alpha","route":"[click](https://evil.example) @octocat","input_tokens":1000,"output_tokens":100}"#;
    let base = write(dir.path(), "base.jsonl", &format!("{line}\n"));
    let current = write(dir.path(), "current.jsonl", &format!("{line}\n{line}\n"));
    let out =
        llmcost().args(["diff", &base, &current, "--format", "md"]).args(test_pricing()).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("octocat"), "{md}");
    assert!(!md.contains("https://") && !md.contains("@octocat") && !md.contains("[click]"), "{md}");
}

/// A CSV row with an unterminated quote (`,"oops`) is one rejected line, naming its line and
/// field, and the three good rows after it are kept: they used to be swallowed into its cell
/// (1 line read, 3 rows gone). Counted by hand: header + 4 lines = 1 rejected + 3 accepted,
/// 3 × 1,000 input and 3 × 100 output tokens. The same through a CSV mapping and on stdin (#12).
#[test]
fn an_unterminated_csv_quote_loses_no_row_after_it_r12() {
    let dir = tempfile::tempdir().unwrap();
    let row = "2026-02-10T09:00:00Z,alpha,1000,100";
    let text = format!(
        "timestamp,model,input_tokens,output_tokens\n2026-02-10T09:00:00Z,\"oops\n{row}\n{row}\n{row}\n"
    );
    let file = write(dir.path(), "quote.csv", &text);
    let mapping = write(
        dir.path(),
        "map.toml",
        "format = \"csv\"\n[fields]\ntimestamp = \"timestamp\"\nmodel = \"model\"\ninput_tokens = \"input_tokens\"\noutput_tokens = \"output_tokens\"\n",
    );
    let cases = [
        ("csv", report(&file, &[])),
        ("mapping", report(&file, &["--mapping", &mapping])),
        ("stdin", report_stdin(text.clone().into_bytes(), &["--input-format", "csv"])),
    ];
    for (name, r) in cases {
        let l = &r["lines"];
        assert_eq!(
            (l["read"].as_u64(), l["accepted"].as_u64(), l["rejected"].as_u64()),
            (Some(4), Some(3), Some(1)),
            "{name}: {l}"
        );
        assert_eq!(
            (r["totals"]["input_tokens"].as_u64(), r["totals"]["output_tokens"].as_u64()),
            (Some(3000), Some(300)),
            "{name}"
        );
        let reject = &r["rejected"][0];
        assert_eq!(reject["line"], 2, "{name}");
        assert_eq!(reject["field"], "model", "{name}: {reject}");
        let reason = reject["reason"].as_str().unwrap();
        assert!(
            reason.contains("column 2: unterminated quoted cell") && reason.contains("end of the input"),
            "{name}: {reason}"
        );
    }
}
/// A quote that a later row closes makes one row of several lines with too many cells: it
/// is rejected at its first line and the lines in between are read again, each on its own.
/// By hand: line 2 opens the quote, line 5 (`…,"9,10`) closes it; line 2 is rejected, lines
/// 3 and 4 are accepted, line 5 is rejected alone (its own quote is open at its end), line 6
/// is accepted: 5 read = 3 accepted + 2 rejected (#12).
#[test]
fn a_stray_csv_quote_closed_later_loses_no_row_between_r12() {
    let dir = tempfile::tempdir().unwrap();
    let row = "2026-02-10T09:00:00Z,alpha,1000,100";
    let text = format!(
        "timestamp,model,input_tokens,output_tokens\n2026-02-10T09:00:00Z,\"oops\n{row}\n{row}\n2026-02-10T09:00:00Z,alpha,\"9,10\n{row}\n"
    );
    let r = report(&write(dir.path(), "stray.csv", &text), &[]);
    let l = &r["lines"];
    assert_eq!(
        (l["read"].as_u64(), l["accepted"].as_u64(), l["rejected"].as_u64()),
        (Some(5), Some(3), Some(2)),
        "{l}"
    );
    let lines: Vec<u64> =
        r["rejected"].as_array().unwrap().iter().map(|x| x["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 5]);
    assert_eq!(r["totals"]["input_tokens"], 3000);
}
/// A FIFO (or socket) inside an input directory is skipped, not waited on forever, and a
/// note names it; a FIFO named on the command line is read (#12).
#[cfg(unix)]
#[test]
fn a_fifo_in_a_directory_is_skipped_and_one_named_is_read_r12() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write(&logs, "a.jsonl", &format!("{GOOD}\n"));
    let fifo = logs.join("b.jsonl");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(logs.join("c.jsonl")).unwrap();
    let out = llmcost()
        .args(["report", logs.to_str().unwrap(), "--format", "json"])
        .args(test_pricing())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((r["lines"]["read"].as_u64(), r["totals"]["calls"].as_u64()), (Some(1), Some(1)));
    let notes = r["notes"].to_string();
    assert!(notes.contains("2 entries of input directories are not regular files"), "{notes}");
    assert!(notes.contains("b.jsonl") && notes.contains("c.jsonl"), "{notes}");

    // Named explicitly, the FIFO is read: a writer thread feeds it two calls.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, format!("{GOOD}\n{GOOD}\n")).unwrap())
    };
    let out = llmcost()
        .args(["report", fifo.to_str().unwrap(), "--format", "json"])
        .args(test_pricing())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["lines"]["accepted"].as_u64(), r["totals"]["input_tokens"].as_u64()),
        (Some(2), Some(2000))
    );
}
/// JSON nested up to the cap (127 levels inside a call, 128 with it) in a field nothing reads
/// is read, not a crash: sonic-rs skips it with a 43 KB stack frame per level, and 48 levels
/// overflowed a parsing thread's default 2 MiB stack (found by the fuzzer, #12).
#[test]
fn nesting_just_under_the_cap_is_read_not_a_stack_overflow_r12() {
    let dir = tempfile::tempdir().unwrap();
    let call = |junk: &str| {
        format!(
            r#"{{"timestamp":"2026-02-10T09:00:00Z","model":"alpha","input_tokens":1000,"output_tokens":100,"junk":{junk}}}"#
        )
    };
    let objects = format!("{}1{}", r#"{"a":"#.repeat(127), "}".repeat(127));
    let text = [call(&nest(127)), call(&objects), call(&nest(128))].join("\n") + "\n";
    let r = report(&write(dir.path(), "deep.jsonl", &text), &[]);
    // 2 accepted (127 levels + the call's own object = 128, the cap); the third is 129 deep.
    let l = &r["lines"];
    assert_eq!(
        (l["read"].as_u64(), l["accepted"].as_u64(), l["rejected"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(r["rejected"][0]["line"], 3);
    assert_eq!(r["totals"]["input_tokens"], 2000);
}
/// A batch call of 4.01 × 10^14 input tokens (under the 10^15 cap) is priced exactly: the
/// batch discount's product overflowed i128 and panicked, or wrapped in a release build
/// (found by the fuzzer, #12). By hand, alpha before 2026-03-01 at $2/M input, $8/M output,
/// batch × 0.5: (401,000,000,000,000 × 2 / 10^6 + 100 × 8 / 10^6) × 0.5
/// = (802,000,000 + 0.0008) × 0.5 = $401,000,000.0004.
#[test]
fn a_huge_batch_call_is_priced_exactly_r12() {
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"timestamp":"2026-02-10T09:00:00Z","model":"alpha","input_tokens":401000000000000,"output_tokens":100,"batch":true}"#;
    let r = report(&write(dir.path(), "batch.jsonl", &format!("{line}\n")), &[]);
    assert!(
        super::same_decimal(r["totals"]["cost_usd_exact"].as_str().unwrap(), "401000000.0004"),
        "{}",
        r["totals"]
    );
}

/// A route and a model holding terminal escapes, a link, a mention, a workflow command after
/// a newline, and a route of invalid UTF-8 reach no output raw: every output of `report`,
/// `diff`, `check` and `export`, and their stderr, is valid UTF-8 without ESC or BEL, and no
/// line of the GitHub output starts a workflow command from the log (#12).
#[test]
fn log_values_reach_no_output_raw_r12() {
    let dir = tempfile::tempdir().unwrap();
    let route = r#"\u001b]0;pwned\u0007[click](https://evil.example) @octocat\n::error::owned"#;
    let call = |model: &str, route: &str| {
        format!(
            r#"{{"timestamp":"2026-02-10T09:00:00Z","model":"{model}","route":"{route}","feature":"{route}","input_tokens":1000,"output_tokens":100}}"#
        )
    };
    let base = write(dir.path(), "base.jsonl", &(call("alpha", route) + "\n"));
    let mut current =
        [call("alpha", route), call("alpha", route), call("evil\\u001b[2J", route)].join("\n").into_bytes();
    current.extend(b"\n");
    // A route of invalid UTF-8: `caf` then the byte 0xff.
    current.extend(call("alpha", "caf@").into_bytes().into_iter().map(|b| if b == b'@' { 0xff } else { b }));
    current.extend(b"\n");
    let current_path = dir.path().join("current.jsonl");
    std::fs::write(&current_path, &current).unwrap();
    let current = current_path.to_str().unwrap();
    let out_dir = dir.path().join("export");
    let out_dir = out_dir.to_str().unwrap();
    let mut runs: Vec<Vec<&str>> = vec![];
    for format in ["table", "json", "csv", "md"] {
        runs.push(vec!["report", current, "--detail", "full", "--format", format]);
    }
    for format in ["table", "json", "md", "github"] {
        runs.push(vec!["diff", &base, current, "--format", format]);
        runs.push(vec!["check", current, "--max-unpriced", "0", "--format", format]);
    }
    runs.push(vec!["export", current, "--out", out_dir]);
    for args in runs {
        let out = llmcost().args(&args).args(test_pricing()).output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{args:?} {stream}: {e}"));
            assert!(!text.contains(['\u{1b}', '\u{7}']), "{args:?} {stream}: {text}");
            assert!(!text.lines().any(|l| l.starts_with("::error::owned")), "{args:?} {stream}: {text}");
        }
    }
    for file in std::fs::read_dir(out_dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_some_and(|e| e == "parquet") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!text.contains(['\u{1b}', '\u{7}']), "{}", path.display());
    }
}

/// Invalid UTF-8 in a value, even one only an extra dimension reads (`--by team`), is a
/// rejected line naming the file and line (the CSV one names its column too), never copied
/// into an output, which stays valid UTF-8 (#12).
#[test]
fn invalid_utf8_in_a_dimension_is_a_rejected_line_r12() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |text: &str| {
        text.replace('@', "\u{1}").into_bytes().into_iter().map(|b| if b == 1 { 0xff } else { b })
    };
    let mut jsonl: Vec<u8> = format!("{GOOD}\n").into_bytes();
    jsonl.extend(bad(&GOOD.replace("\"model\"", "\"team\":\"caf@\",\"model\"")));
    jsonl.push(b'\n');
    let mut csv: Vec<u8> = b"timestamp,model,team,input_tokens,output_tokens\n".to_vec();
    csv.extend(bad("2026-02-10T09:00:00Z,alpha,caf@,1000,100\n2026-02-10T09:00:00Z,alpha,core,1000,100\n"));
    for (name, bytes, line) in [("u.jsonl", jsonl, 2), ("u.csv", csv, 2)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = llmcost()
            .args(["report", path.to_str().unwrap(), "--by", "team", "--format", "json"])
            .args(test_pricing())
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        let text = String::from_utf8(out.stdout).expect("valid UTF-8");
        let r: Value = serde_json::from_str(&text).unwrap();
        let l = &r["lines"];
        assert_eq!((l["accepted"].as_u64(), l["rejected"].as_u64()), (Some(1), Some(1)), "{name}: {l}");
        assert_eq!(r["rejected"][0]["line"], line, "{name}");
        assert!(
            r["rejected"][0]["reason"].as_str().unwrap().contains("UTF-8"),
            "{name}: {}",
            r["rejected"][0]
        );
    }
}
