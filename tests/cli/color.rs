//! `--color`: SGR codes where a terminal reader looks first (leak amounts, failed and passed
//! checks, hard stops) with `always`; not one ESC byte when piped, with NO_COLOR, with
//! `never`, or in JSON, CSV and Markdown. Painting never moves a column: without its codes a
//! coloured table is the plain one, byte for byte.

use super::{llmcost, test_pricing};

const ESC: char = '\u{1b}';
/// What `Tone::Bad` writes before its text: bold, red (anstyle for lines, comfy-table for cells).
const RED_LINE: &str = "\u{1b}[1m\u{1b}[31m";
const RED_CELL: &str = "\u{1b}[38;5;1m\u{1b}[1m";
const GREEN_CELL: &str = "\u{1b}[38;5;2m";

/// stdout of `llmcost args`, with NO_COLOR set (`no_color`) or removed; any exit code.
fn stdout(args: &[&str], no_color: bool) -> String {
    let mut cmd = llmcost();
    if !no_color {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.args(args).output().expect("runs");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `text` without its `ESC [ … m` sequences.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == ESC {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    [base, extra].concat()
}

#[test]
fn report_headline_paints_the_spend_and_the_leaks() {
    let base = ["report", "fixtures/sample.jsonl"];
    let painted = stdout(&with(&base, &["--color", "always"]), true);
    // The spend in bold; every leak amount in red, padded before it was painted.
    assert!(painted.contains("Spend: \u{1b}[1m$"), "{painted}");
    let leaks: Vec<&str> = painted.lines().filter(|l| l.ends_with(']') && l.starts_with("  ")).collect();
    assert!(!leaks.is_empty(), "{painted}");
    for line in leaks {
        assert!(line.starts_with(&format!("  {RED_LINE}")), "{line:?}");
    }
    // Global or after the subcommand: the same bytes.
    assert_eq!(stdout(&["--color", "always", "report", "fixtures/sample.jsonl"], true), painted);
    let plain = stdout(&with(&base, &["--color", "never"]), false);
    assert!(!plain.contains(ESC));
    assert_eq!(strip_sgr(&painted), plain);
}

#[test]
fn checks_read_red_when_failed_and_green_when_passed() {
    let mut args = vec![
        "check",
        "fixtures/ci/current.jsonl",
        "--max-cost-per-job",
        "0.0001",
        "--min-cache-hit-rate",
        "0",
        "--color",
        "always",
    ];
    args.extend(test_pricing());
    let painted = stdout(&args, true);
    assert!(painted.contains(&format!("{RED_LINE}FAILED\u{1b}[0m: 1 of 3 checks failed")), "{painted}");
    let fail = painted.lines().find(|l| l.contains("max-cost-per-job")).unwrap();
    assert!(fail.contains(&format!("{RED_CELL} FAIL ")), "{fail:?}");
    let pass = painted.lines().find(|l| l.contains("min-cache-hit-rate")).unwrap();
    assert!(pass.contains(&format!("{GREEN_CELL} pass ")), "{pass:?}");
    let never: Vec<&str> = args.iter().map(|a| if *a == "always" { "never" } else { a }).collect();
    assert_eq!(strip_sgr(&painted), stdout(&never, true));
}

#[test]
fn hard_stops_read_red() {
    let mut args = vec![
        "budget",
        "--budgets",
        "fixtures/ci/budgets.yaml",
        "fixtures/ci/budget.jsonl",
        "--color",
        "always",
    ];
    args.extend(test_pricing());
    let painted = stdout(&args, true);
    assert!(
        painted.starts_with(&format!("llmcost budget: {RED_LINE}2 budgets, 1 budget's hard stop")),
        "{painted}"
    );
    let stop = painted.lines().find(|l| l.contains("HARD STOP")).unwrap();
    assert!(stop.contains(&format!("{RED_CELL} HARD STOP 100% (hourly)")), "{stop:?}");
}

#[test]
fn no_escape_byte_when_piped_with_no_color_or_in_machine_formats() {
    let report = ["report", "fixtures/sample.jsonl"];
    // Piped (the test's stdout is a pipe), NO_COLOR unset: auto says no.
    assert!(!stdout(&report, false).contains(ESC));
    assert!(!stdout(&with(&report, &["--color", "auto"]), true).contains(ESC), "NO_COLOR=1 --color auto");
    for format in ["json", "csv", "md"] {
        let text = stdout(&with(&report, &["--color", "always", "--format", format]), false);
        assert!(!text.contains(ESC), "--format {format}");
    }
    let mut check = vec!["check", "fixtures/ci/current.jsonl", "--max-cost-per-job", "0.0001"];
    check.extend(test_pricing());
    assert!(!stdout(&check, false).contains(ESC));
    for format in ["md", "json", "github"] {
        assert!(!stdout(&with(&check, &["--color", "always", "--format", format]), false).contains(ESC));
    }
}
