//! The single integration-test binary: every module runs the real `llmcost` binary (or, in
//! `pipeline`, the library's stages) on files in `fixtures/`, whose figures were worked out
//! by hand in `fixtures/EXPECTED.md`.

mod aliases;
mod budget;
mod cache;
mod check;
mod color;
mod coverage;
mod diff;
mod duplicates;
mod environments;
mod export;
mod fallbacks;
mod focus;
mod formats;
mod help;
mod hostile;
mod invariance;
mod jobs;
mod mapping;
mod parallel;
mod pareto;
mod parquet;
mod pipeline;
mod pricing;
mod properties;
mod real_data;
mod real_libs;
mod reconciliation;
mod reference_pricer;
mod report;
mod retries;
mod savings;
mod sql;
mod storms;
mod sums;
mod thresholds;
mod tz;
mod waste;

use std::path::PathBuf;

use assert_cmd::Command;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// `llmcost` run from the repository root with the hand-made price table only.
pub fn llmcost() -> Command {
    let mut cmd = Command::cargo_bin("llmcost").expect("binary built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("NO_COLOR", "1");
    cmd
}

pub fn test_pricing() -> [&'static str; 3] {
    ["--pricing", "fixtures/pricing/test.toml", "--no-builtin-pricing"]
}

/// The hand-computed figures of `fixtures/expected.json`.
pub fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("expected.json")).expect("fixtures/expected.json");
    serde_json::from_str(&text).expect("valid JSON")
}

pub fn run_json(args: &[&str]) -> serde_json::Value {
    let out = llmcost().args(args).args(["--format", "json"]).output().expect("runs");
    assert!(out.status.success(), "llmcost {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// Compares decimal strings by value ("0.00526" == "0.005260").
pub fn same_decimal(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s };
        s.to_string()
    };
    norm(a) == norm(b)
}

/// Runs `llmcost args` and returns its table output, failing the test on a non-zero exit or
/// an empty report: an assertion that something is absent must not pass on a crash.
pub fn run_table(args: &[&str]) -> String {
    let out = llmcost().args(args).output().expect("runs");
    assert!(out.status.success(), "llmcost {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.contains("Totals"), "no Totals table in the output of {args:?}:\n{text}");
    text
}

/// Every table body row of a text report, as trimmed cells.
pub fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.contains('┆'))
        .map(|l| l.trim().trim_matches('│').split('┆').map(|c| c.trim().to_string()).collect())
        .collect()
}

/// The cells of the one table row whose cell `col` is exactly `value`: whole cells, so `7`
/// does not match inside `$0.007196`.
pub fn table_row(text: &str, col: usize, value: &str) -> Vec<String> {
    let rows: Vec<Vec<String>> =
        table_rows(text).into_iter().filter(|cells| cells.get(col).is_some_and(|c| c == value)).collect();
    assert_eq!(rows.len(), 1, "want exactly one row with cell {col} = {value:?} in\n{text}");
    rows.into_iter().next().unwrap()
}

/// A seeded xorshift generator: random test inputs that are the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}
