//! Native logs parsed ahead, several files at once (issue #14): every figure, line count,
//! reject and dictionary id must be what reading the files one by one gives. The calls of a
//! Claude Code session directory are deduplicated across files (a subagent's call is in its
//! parent's progress lines and in its own file), which only the ordered stage may decide.

use llmcost::calls::StrCol;
use llmcost::ingest::reader::Reader;
use llmcost::ingest::{self, Batch, IngestPlan, RunContext};

use super::real_data::shared;
use super::{fixture, run_json};

const DIR: &str = "formats/claude-code-dir";

fn plan() -> IngestPlan {
    IngestPlan {
        extras: vec![],
        keep: [true; StrCol::COUNT],
        strict: false,
        format: None,
        mapping: None,
        untimed_at: 0,
        max_line_bytes: ingest::limits::DEFAULT_MAX_LINE_BYTES,
        prune: Default::default(),
    }
}

/// The run's reading (files parsed ahead in parallel) and a `Reader` fed one file at a time.
fn both_ways(dir: &std::path::Path) -> (Batch, Batch) {
    let sources = ingest::expand(&[dir.to_str().unwrap().to_string()]).unwrap();
    assert!(sources.len() > 1, "a directory of several files");
    let plan = plan();
    let ctx = RunContext::new(&plan, None);
    let parallel = ingest::ingest(&sources, &ctx).unwrap();
    let mut reader = Reader::new(&ctx);
    for source in &sources {
        reader.read(source).unwrap();
    }
    (parallel, reader.finish())
}

fn assert_same(parallel: &Batch, one_by_one: &Batch) {
    assert_eq!(parallel.lines, one_by_one.lines);
    assert_eq!(parallel.rejects, one_by_one.rejects);
    assert_eq!(
        (parallel.untimed, parallel.write_split_contradictions),
        (one_by_one.untimed, one_by_one.write_split_contradictions)
    );
    // Every column, dictionaries and ids included, row for row.
    assert_eq!(format!("{:?}", parallel.calls), format!("{:?}", one_by_one.calls));
}

/// fixtures/formats/README.md (`claude-code-dir/`) works the figures out by hand.
#[test]
fn a_session_directory_read_in_parallel_counts_a_call_repeated_across_files_once() {
    let (parallel, one_by_one) = both_ways(&fixture(DIR));
    assert_same(&parallel, &one_by_one);
    let l = parallel.lines;
    assert_eq!((l.read, l.accepted, l.rejected, l.skipped, l.duplicates, l.blank), (11, 4, 1, 3, 3, 1));
    // m3 was first seen nested in main-a.jsonl (output 10), then in sub/agent-x.jsonl (12).
    let t = &parallel.calls.tokens;
    assert_eq!(t.output, [40, 10 + 2, 50, 100]);
    assert_eq!(t.input, [6010, 20, 100, 1000]);
    let reject = &parallel.rejects[0];
    assert_eq!((reject.file.ends_with("main-a.jsonl"), reject.line), (true, 5));
}

#[test]
fn a_session_directory_is_priced_as_worked_out_by_hand() {
    let r = run_json(&["report", fixture(DIR).to_str().unwrap(), "--only", "totals", "-q"]);
    assert_eq!(r["totals"]["calls"], 4);
    assert_eq!(r["totals"]["input_tokens"], 7130);
    assert_eq!(r["totals"]["output_tokens"], 202);
    assert_eq!(r["totals"]["cost_usd_exact"], "0.00851");
}

/// The real sessions (20 files, with subagent calls repeated across files): parsed ahead
/// and one by one, every figure identical.
#[test]
fn real_sessions_read_in_parallel_match_one_by_one() {
    for name in ["claude-code-sessions-spotter", "codex-cli-sessions-localpush"] {
        let Some(dir) = shared(name) else { return };
        let (parallel, one_by_one) = both_ways(&dir);
        assert_same(&parallel, &one_by_one);
        assert!(parallel.calls.len() > 400, "{name}");
    }
}

/// Several small Parquet files are read by the Parquet reader, never parsed ahead as lines.
#[test]
fn small_parquet_files_are_not_parsed_ahead_as_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = super::llmcost()
        .args([
            "export",
            "fixtures/sample.jsonl",
            "--format",
            "parquet",
            "--out",
            dir.path().to_str().unwrap(),
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let calls = dir.path().join("calls.parquet");
    for copy in ["a.parquet", "b.parquet", "c"] {
        std::fs::copy(&calls, dir.path().join(copy)).unwrap();
    }
    std::fs::remove_file(&calls).unwrap();
    let a = dir.path().join("a.parquet");
    let args = ["report", a.to_str().unwrap(), "--only", "totals", "--format", "json"];
    let one = super::llmcost().args(args).output().unwrap();
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let three = super::llmcost()
        .args(["report"])
        .args(["a.parquet", "b.parquet", "c"].map(|f| dir.path().join(f).to_str().unwrap().to_string()))
        .args(["--only", "totals", "--format", "json"])
        .output()
        .unwrap();
    assert!(three.status.success(), "{}", String::from_utf8_lossy(&three.stderr));
    let three: serde_json::Value = serde_json::from_slice(&three.stdout).unwrap();
    assert_eq!(three["totals"]["calls"].as_u64().unwrap(), 3 * one["totals"]["calls"].as_u64().unwrap());
}
