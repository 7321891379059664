//! Property tests (proptest) on the library's readers, called directly so each case is
//! cheap (#12):
//! - the same calls give the same exact total cost, token sums and line account however
//!   they are split into files, ordered, written (JSONL or CSV) and compressed (gzip or not);
//! - arbitrary bytes into every reader (canonical JSONL and CSV, every native dialect,
//!   detection, price tables, mappings, budgets, policies, saved reports) never panic, and a
//!   log reader accounts for every line.
//!
//! 64 cases per property keep `cargo test` quick; `PROPTEST_CASES=5000 cargo test --locked
//! --test cli properties` runs more. The fuzzer (README "Fuzzing") runs the same readers for
//! hours.

use std::io::Write;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use llmcost::calls::StrCol;
use llmcost::ingest::{self, document, Format, IngestPlan, LineCounts, RunContext, Source};
use llmcost::money::Money;
use llmcost::price::price_all;
use llmcost::pricing::PriceBook;

use super::fixture;

/// `PROPTEST_CASES` if set, else 64.
fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    // Deep JSON needs the parsing threads' bigger stacks, as in the binary (limits.rs).
    let _ = ingest::limits::size_thread_stacks();
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

fn plan(format: Option<Format>) -> IngestPlan {
    IngestPlan {
        extras: vec![],
        keep: [true; StrCol::COUNT],
        strict: false,
        format,
        mapping: None,
        untimed_at: 1_767_225_600_000,
        max_line_bytes: 4096,
        prune: Default::default(),
    }
}

fn book() -> PriceBook {
    PriceBook::load(&[fixture("pricing/test.toml")], false).unwrap()
}

/// One call as its fields: (second of 2026, model, input, output, cache read, batch, valid).
/// An invalid call has negative output tokens, a reject in JSONL and CSV alike.
type CallSpec = (u32, usize, u64, u64, u64, bool, bool);

const MODELS: [&str; 4] = ["alpha", "beta", "gamma", "unpriced-model"];

fn call_spec() -> impl Strategy<Value = CallSpec> {
    (
        0u32..31_536_000,
        0..MODELS.len(),
        0u64..5_000_000,
        0u64..200_000,
        0u64..=100,
        any::<bool>(),
        prop::bool::weighted(0.9),
    )
}

fn timestamp(second: u32) -> String {
    let at = chrono::DateTime::from_timestamp(1_767_225_600 + i64::from(second), 0).unwrap();
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The call's cache reads, as a percentage of its input.
fn cache_read(c: &CallSpec) -> u64 {
    c.2 * c.4 / 100
}

fn output(c: &CallSpec) -> String {
    if c.6 {
        c.3.to_string()
    } else {
        format!("-{}", c.3 + 1)
    }
}

fn jsonl_line(c: &CallSpec) -> String {
    format!(
        r#"{{"timestamp":"{}","model":"{}","input_tokens":{},"output_tokens":{},"cache_read_tokens":{},"batch":{}}}"#,
        timestamp(c.0),
        MODELS[c.1],
        c.2,
        output(c),
        cache_read(c),
        c.5
    )
}

const CSV_HEADER: &str = "timestamp,model,input_tokens,output_tokens,cache_read_tokens,batch";

fn csv_line(c: &CallSpec) -> String {
    format!("{},{},{},{},{},{}", timestamp(c.0), MODELS[c.1], c.2, output(c), cache_read(c), c.5)
}

/// What must not change: the exact total of priced calls, the token sums, the line account.
#[derive(Debug, PartialEq)]
struct Outcome {
    cost: String,
    input: u64,
    output: u64,
    cache_read: u64,
    calls: usize,
    lines: LineCounts,
}

fn outcome(files: &[std::path::PathBuf], book: &PriceBook) -> Outcome {
    let plan = plan(None);
    let ctx = RunContext::new(&plan, None);
    let sources: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    let batch = ingest::ingest(&sources, &ctx).unwrap();
    let priced = price_all(&batch.calls, book, None);
    let cost: Money = (0..batch.calls.len()).filter(|&r| priced.is_priced(r)).map(|r| priced.cost[r]).sum();
    let t = &batch.calls.tokens;
    Outcome {
        cost: cost.exact(),
        input: t.input.iter().sum(),
        output: t.output.iter().sum(),
        cache_read: t.cache_read.iter().sum(),
        calls: batch.calls.len(),
        lines: batch.lines,
    }
}

/// How a set of calls is laid out: an order, cut points, and per file CSV? gzip?
type Layout = (Vec<usize>, Vec<usize>, Vec<(bool, bool)>);

fn write_layout(dir: &Path, calls: &[CallSpec], (order, cuts, kinds): &Layout) -> Vec<std::path::PathBuf> {
    let ordered: Vec<&CallSpec> = order.iter().map(|&i| &calls[i]).collect();
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (ordered.len() + 1)).collect();
    bounds.extend([0, ordered.len()]);
    bounds.sort_unstable();
    bounds
        .windows(2)
        .zip(kinds.iter().cycle())
        .enumerate()
        .map(|(i, (w, &(csv, gz)))| {
            let part = &ordered[w[0]..w[1]];
            let (name, text) = if csv {
                let rows: Vec<String> = part.iter().map(|c| csv_line(c) + "\n").collect();
                (format!("part{i}.csv"), format!("{CSV_HEADER}\n{}", rows.concat()))
            } else {
                (format!("part{i}.jsonl"), part.iter().map(|c| jsonl_line(c) + "\n").collect())
            };
            let path = dir.join(if gz { format!("{name}.gz") } else { name });
            let bytes = if gz {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(text.as_bytes()).unwrap();
                e.finish().unwrap()
            } else {
                text.into_bytes()
            };
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

fn layout(n: usize) -> impl Strategy<Value = Layout> {
    (
        Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        prop::collection::vec(any::<usize>(), 0..4),
        prop::collection::vec((any::<bool>(), any::<bool>()), 1..5),
    )
}

/// Any split, order, JSONL/CSV mix and gzip of the same calls: the same exact total, token
/// sums and line account as the calls in one plain JSONL file (#12).
#[test]
fn totals_do_not_depend_on_files_order_format_or_compression_r12() {
    let book = book();
    let calls_and_layout = prop::collection::vec(call_spec(), 1..40).prop_flat_map(|calls| {
        let n = calls.len();
        (Just(calls), layout(n))
    });
    runner()
        .run(&calls_and_layout, |(calls, layout)| {
            let dir = tempfile::tempdir().unwrap();
            let plain = dir.path().join("all.jsonl");
            std::fs::write(&plain, calls.iter().map(|c| jsonl_line(c) + "\n").collect::<String>()).unwrap();
            let want = outcome(&[plain], &book);
            // The reference itself is right: every valid call accepted, every invalid rejected.
            let valid = calls.iter().filter(|c| c.6).count() as u64;
            prop_assert_eq!((want.lines.accepted, want.lines.rejected), (valid, calls.len() as u64 - valid));
            prop_assert_eq!(want.input, calls.iter().filter(|c| c.6).map(|c| c.2).sum::<u64>());
            let split = dir.path().join("split");
            std::fs::create_dir(&split).unwrap();
            let files = write_layout(&split, &calls, &layout);
            prop_assert_eq!(outcome(&files, &book), want);
            Ok(())
        })
        .unwrap();
}

/// Lines as the readers count them: `\n`-ended ones, plus a last one without it.
fn physical_lines(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

/// Bytes that look a little like logs: pieces of the fixtures and JSON and CSV syntax, so
/// readers get past their first check, mixed with arbitrary bytes.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let samples: Vec<Vec<u8>> =
        ["calls.jsonl", "calls.csv", "formats/claude-code.jsonl", "formats/otel.jsonl"]
            .iter()
            .filter_map(|f| std::fs::read(fixture(f)).ok())
            .collect();
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::sample::select(vec![
            "\"",
            ",",
            "\n",
            "\r\n",
            "{",
            "}",
            "[",
            "]",
            "[[[[[[[[[[[[[[[[",
            ":",
            "\\",
            "null",
            "1e309",
            "-1",
            "NaN",
            "\u{feff}",
            "\"data\":[",
            "\"usage\":{",
            "\"input_tokens\":",
            "\"model\":\"a\"",
            "9223372036854775807",
            "\"2026-02-10T09:00:00Z\"",
            "\u{1b}[2J",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        (prop::sample::select(samples), any::<prop::sample::Index>(), 0usize..400).prop_map(
            |(s, at, len)| {
                let from = at.index(s.len().max(1)).min(s.len());
                s[from..(from + len).min(s.len())].to_vec()
            }
        ),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// `bytes` read as `format` (detected when `None`) from a file called `name`: no panic, and
/// every line accounted for.
fn read_as(dir: &Path, name: &str, bytes: &[u8], format: Option<Format>) -> Result<(), TestCaseError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let plan = plan(format);
    let ctx = RunContext::new(&plan, None);
    // An unreadable file (unknown format, bad header) is an error, which is fine.
    let Ok(batch) = ingest::ingest(&[Source::File(path)], &ctx) else { return Ok(()) };
    let l = batch.lines;
    prop_assert_eq!(l.read, l.accepted + l.rejected + l.skipped + l.duplicates, "{:?}", l);
    let lines = physical_lines(bytes);
    let line_mode = !document::looks_like_document(bytes);
    match format {
        Some(Format::Jsonl) if line_mode => prop_assert_eq!(l.read + l.blank, lines, "{:?}", l),
        // Not counted: the header, and the line breaks quoted inside a row.
        Some(Format::Csv) => prop_assert!(l.read + l.blank <= lines, "{} lines, {:?}", lines, l),
        // A native line may hold a page of several calls, each counted.
        Some(f) if line_mode => prop_assert!(l.read + l.blank >= lines, "{:?}: {} lines, {:?}", f, lines, l),
        _ => {}
    }
    if matches!(format, Some(Format::Jsonl | Format::Csv)) {
        prop_assert_eq!(batch.calls.len() as u64, l.accepted);
    }
    Ok(())
}

#[test]
fn arbitrary_bytes_never_panic_a_log_reader_and_every_line_counts_r12() {
    let mut formats: Vec<(Option<Format>, &str)> = vec![
        (Some(Format::Jsonl), "in.jsonl"),
        (Some(Format::Csv), "in.csv"),
        (None, "in.jsonl"),
        (None, "in.json"),
    ];
    formats.extend(ingest::formats::DIALECTS.iter().map(|(f, _)| (Some(*f), "in.jsonl")));
    runner()
        .run(&hostile_bytes(), |bytes| {
            let dir = tempfile::tempdir().unwrap();
            for (format, name) in &formats {
                read_as(dir.path(), name, &bytes, *format)?;
            }
            Ok(())
        })
        .unwrap();
}

/// The CSV row splitter accounts for every physical line: each is in exactly one row, or is
/// blank, too long or rejected (a row's quoted line breaks included).
#[test]
fn every_csv_line_is_in_one_row_blank_or_rejected_r12() {
    use llmcost::ingest::csv_rows::{Next, Row, Rows};
    let csvish = prop::collection::vec(
        prop::sample::select(vec!["a", "1", ",", "\"", "\"\"", "\n", "\r\n", " ", "\u{ff}", "x,\"y\"\n"]),
        0..200,
    )
    .prop_map(|p| p.concat().into_bytes());
    runner()
        .run(&csvish, |bytes| {
            let mut rows = Rows::new(&bytes[..], 32);
            let mut row = Row::default();
            let mut seen = 0;
            if let Ok(Some(_)) = rows.header(&mut row, &mut seen) {
                seen += row.lines;
            } else {
                return Ok(()); // no header, or a bad one: an error for the whole file
            }
            loop {
                match rows.next(&mut row).unwrap() {
                    Next::End => break,
                    Next::Row => seen += row.lines,
                    Next::Blank | Next::TooLong { .. } | Next::Bad { .. } => seen += 1,
                }
            }
            prop_assert_eq!(seen, physical_lines(&bytes));
            Ok(())
        })
        .unwrap();
}

/// Price tables, mappings, budgets, policies and saved reports refuse what they cannot read
/// with an error, never a panic.
#[test]
fn arbitrary_bytes_never_panic_a_config_reader_r12() {
    let seeds: Vec<String> =
        ["pricing/test.toml", "ci/budgets.yaml", "ci/policy.toml", "mappings/custom.toml"]
            .iter()
            .map(|f| std::fs::read_to_string(fixture(f)).unwrap())
            .collect();
    let text = (prop::sample::select(seeds), hostile_bytes(), any::<prop::sample::Index>()).prop_map(
        |(seed, noise, at)| {
            let mut b = seed.into_bytes();
            let at = at.index(b.len() + 1);
            b.splice(at..at, noise);
            b
        },
    );
    runner()
        .run(&text, |bytes| {
            let dir = tempfile::tempdir().unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let _ = PriceBook::from_texts(&[("t.toml".to_string(), text.clone())]);
            let _ = PriceBook::from_texts(&[("t.json".to_string(), text.clone())]);
            let _ = llmcost::pricing::genai_prices::parse("t.json", &text);
            let path = |name: &str| {
                let p = dir.path().join(name);
                std::fs::write(&p, &bytes).unwrap();
                p
            };
            let _ = llmcost::gate::budget::load(&path("b.yaml"));
            let _ = llmcost::gate::policy::Policy::default().load_file(&path("llmcost.toml"));
            let _ = ingest::mapping::Mapping::load(&path("m.toml"));
            let _ = llmcost::gate::view::read_saved(&path("r.json"));
            Ok(())
        })
        .unwrap();
}

/// A file holding only a byte-order mark (proptest's shrunk case) is one line in every reader.
#[test]
fn a_lone_byte_order_mark_is_one_line_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut formats: Vec<Option<Format>> = vec![Some(Format::Jsonl), Some(Format::Csv), None];
    formats.extend(ingest::formats::DIALECTS.iter().map(|(f, _)| Some(*f)));
    for format in formats {
        read_as(dir.path(), "in.jsonl", b"\xEF\xBB\xBF", format)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
    }
}
