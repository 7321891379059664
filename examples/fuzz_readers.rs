//! A byte fuzzer for every reader, on stable Rust (issue #12; cargo-fuzz needs nightly). It
//! mutates the files of `fixtures/` (bit flips, cut and spliced ranges, CSV and JSON tokens,
//! absurd numbers) and feeds each mutant to one reader: canonical JSONL and CSV, every native
//! dialect, format detection, price tables (TOML, LiteLLM JSON, genai-prices), mappings,
//! budgets, policies and saved reports. A reader may refuse its input; it may not panic, and
//! a log reader must account for every line. Coverage-blind, so it finds what random
//! mutation near real inputs finds, not deep paths.
//!
//! Not built by `cargo test` or clippy (it needs the `fuzz` feature). Run it from the
//! repository root, one process at a time (README "Fuzzing"):
//!
//! ```sh
//! nice -n 19 cargo test --locked --features fuzz --example fuzz_readers -- --seconds 600
//! ```
//!
//! Options: `--seconds N` (default 60) shared by the targets, `--target NAME` (repeatable;
//! `--list` names them), `--seed N`. The input being tried is always at
//! `target/fuzz-work/<target>/` so an abort (which no panic hook sees) leaves it behind;
//! findings are copied to `target/fuzz-findings/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use llmcost::calls::StrCol;
use llmcost::ingest::{self, document, Format, IngestPlan, RunContext, Source};
use llmcost::pricing::PriceBook;

/// How a target reads one input; `Err` is a broken invariant (a refusal is `Ok`).
type Run = fn(&Path, &[u8]) -> Result<(), String>;

struct Target {
    name: &'static str,
    /// The file name the input is written to (the extension steers detection).
    file: &'static str,
    /// Which fixture files seed it (substring of the path).
    seeds: &'static [&'static str],
    run: Run,
}

const LOGS: &[&str] = &[".jsonl", ".csv", ".json", ".ndjson"];

fn targets() -> Vec<Target> {
    let mut t = vec![
        Target { name: "jsonl", file: "in.jsonl", seeds: LOGS, run: |p, b| log(p, b, Some(Format::Jsonl)) },
        Target { name: "csv", file: "in.csv", seeds: &[".csv"], run: |p, b| log(p, b, Some(Format::Csv)) },
        Target { name: "csv-rows", file: "in.csv", seeds: &[".csv"], run: |_, b| csv_rows(b) },
        Target { name: "detect-jsonl", file: "in.jsonl", seeds: LOGS, run: |p, b| log(p, b, None) },
        Target { name: "detect-json", file: "in.json", seeds: &[".json"], run: |p, b| log(p, b, None) },
        Target { name: "detect-gz", file: "in.jsonl.gz", seeds: LOGS, run: |p, b| log_gz(p, b) },
        Target { name: "pricing-toml", file: "t.toml", seeds: &["pricing/"], run: |p, b| prices(p, b) },
        Target { name: "pricing-json", file: "t.json", seeds: &["pricing/"], run: |p, b| prices(p, b) },
        Target { name: "mapping", file: "m.toml", seeds: &["mappings/"], run: |p, b| mapping(p, b) },
        Target { name: "budget", file: "b.yaml", seeds: &[".yaml", ".yml"], run: |p, b| budget(p, b) },
        Target { name: "policy", file: "llmcost.toml", seeds: &["ci/"], run: |p, b| policy(p, b) },
        Target {
            name: "saved-report",
            file: "r.json",
            seeds: &["expected", ".json"],
            run: |p, b| saved(p, b),
        },
    ];
    for (format, dialect) in ingest::formats::DIALECTS {
        let run: Run = match format {
            Format::ClaudeCode => |p, b| log(p, b, Some(Format::ClaudeCode)),
            Format::Codex => |p, b| log(p, b, Some(Format::Codex)),
            Format::Openai => |p, b| log(p, b, Some(Format::Openai)),
            Format::Anthropic => |p, b| log(p, b, Some(Format::Anthropic)),
            Format::Gemini => |p, b| log(p, b, Some(Format::Gemini)),
            Format::Litellm => |p, b| log(p, b, Some(Format::Litellm)),
            Format::Otel => |p, b| log(p, b, Some(Format::Otel)),
            Format::Langfuse => |p, b| log(p, b, Some(Format::Langfuse)),
            Format::Helicone => |p, b| log(p, b, Some(Format::Helicone)),
            Format::OpenaiUsage => |p, b| log(p, b, Some(Format::OpenaiUsage)),
            Format::AnthropicUsage => |p, b| log(p, b, Some(Format::AnthropicUsage)),
            Format::Jsonl | Format::Csv => continue,
        };
        t.push(Target { name: dialect.name, file: "in.jsonl", seeds: &["formats/"], run });
    }
    t
}

fn plan(format: Option<Format>) -> IngestPlan {
    IngestPlan {
        extras: vec!["team".to_string()],
        keep: [true; StrCol::COUNT],
        strict: false,
        format,
        mapping: None,
        untimed_at: 1_767_225_600_000,
        // Small, so the cap's paths are hit too.
        max_line_bytes: 4096,
    }
}

/// Reads `bytes` as a log of `format` (detected when `None`), then prices it.
fn log(path: &Path, bytes: &[u8], format: Option<Format>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| e.to_string())?;
    let plan = plan(format);
    let ctx = RunContext::new(&plan, None);
    let Ok(batch) = ingest::ingest(&[Source::File(path.to_path_buf())], &ctx) else { return Ok(()) };
    let l = batch.lines;
    if l.read != l.accepted + l.rejected + l.skipped + l.duplicates {
        return Err(format!("read != accepted + rejected + skipped + duplicates: {l:?}"));
    }
    let lines = physical_lines(bytes);
    // A JSON document counts its items, not lines; a native line may hold a page of several.
    let line_mode = !document::looks_like_document(bytes);
    let accounted = l.read + l.blank;
    let broken = match format {
        Some(Format::Jsonl) => line_mode && accounted != lines,
        // Not counted: the header, and the line breaks quoted inside a row.
        Some(Format::Csv) => accounted > lines,
        Some(_) => line_mode && accounted < lines,
        None => false,
    };
    if broken {
        return Err(format!("{lines} lines but {l:?}"));
    }
    let canonical = matches!(format, Some(Format::Jsonl | Format::Csv));
    if canonical && batch.calls.len() as u64 != l.accepted {
        return Err(format!("{} calls but {l:?}", batch.calls.len()));
    }
    let book = test_book();
    let _ = llmcost::price::price_all(&batch.calls, book, None);
    Ok(())
}

fn test_book() -> &'static PriceBook {
    static BOOK: std::sync::OnceLock<PriceBook> = std::sync::OnceLock::new();
    BOOK.get_or_init(|| {
        let text =
            std::fs::read_to_string("fixtures/pricing/test.toml").expect("run from the repository root");
        PriceBook::from_texts(&[("test.toml".to_string(), text)]).expect("the test table")
    })
}

fn log_gz(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).map_err(|e| e.to_string())?;
    let packed = gz.finish().map_err(|e| e.to_string())?;
    log(path, &packed, None)
}

/// Lines as every reader counts them: `\n`-ended, plus a last one without it.
fn physical_lines(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

/// The CSV row splitter alone: every physical line is in exactly one row, blank or reject.
fn csv_rows(bytes: &[u8]) -> Result<(), String> {
    use llmcost::ingest::csv_rows::{Next, Row, Rows};
    let mut rows = Rows::new(bytes, 64);
    let mut row = Row::default();
    let mut seen = 0u64;
    match rows.header(&mut row, &mut seen) {
        Ok(Some(_)) => seen += row.lines,
        Ok(None) => {}
        Err(_) => return Ok(()),
    }
    loop {
        match rows.next(&mut row).map_err(|e| e.to_string())? {
            Next::End => break,
            Next::Row => seen += row.lines,
            Next::Blank | Next::TooLong { .. } | Next::Bad { .. } => seen += 1,
        }
    }
    let lines = physical_lines(bytes);
    if seen != lines {
        return Err(format!("{lines} lines but {seen} accounted for"));
    }
    Ok(())
}

fn prices(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let _ = PriceBook::from_texts(&[(path.display().to_string(), text.clone())]);
    let _ = llmcost::pricing::load::parse_toml("t.toml", &text);
    let _ = llmcost::pricing::load::parse_litellm("t.json", &text);
    let _ = llmcost::pricing::genai_prices::parse("t.json", &text);
    Ok(())
}

fn mapping(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| e.to_string())?;
    let _ = ingest::mapping::Mapping::load(path);
    Ok(())
}

fn budget(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| e.to_string())?;
    let _ = llmcost::gate::budget::load(path);
    Ok(())
}

fn policy(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| e.to_string())?;
    let _ = llmcost::gate::policy::Policy::default().load_file(path);
    Ok(())
}

fn saved(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| e.to_string())?;
    let _ = llmcost::gate::view::read_saved(path);
    Ok(())
}

/// xorshift64: seeded, so a run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that make readers take their less trodden paths.
const TOKENS: &[&str] = &[
    "\"",
    ",",
    "\n",
    "\r\n",
    "\"\"",
    ",\"",
    "{",
    "}",
    "[",
    "]",
    "[[[[[[[[",
    ":",
    "\\",
    "\\u0000",
    "\u{1b}[2J",
    "null",
    "true",
    "-1",
    "0",
    "1e309",
    "-1e309",
    "1e17",
    "1e11",
    "100000000000",
    "NaN",
    "\"inf\"",
    "\"-inf\"",
    "9223372036854775807",
    "18446744073709551616",
    "-9223372036854775808",
    "0.000000000000000001",
    "\"2026-02-10T09:00:00Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "\"0001-01-01\"",
    "1e15",
    "1000000000000001",
    "\u{feff}",
    "\u{0}",
    "\"data\":[",
    "\"usage\":{",
    "\"input_tokens\":",
    "\"cache_read_input_tokens\":",
    "\"model\":\"",
    "\"timestamp\":",
    "\"aggregate\":true",
    "\"requests\":",
    "\"batch\":true",
    "\u{ff}",
];

fn mutate(rng: &mut Rng, seed: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(b.len() + 1);
        match rng.below(9) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = *b"\"\n,{}[]:\\0-e\r\xff".get(rng.below(15)).unwrap_or(&b'"');
            }
            2 | 3 => {
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                b.splice(at..at, tok.iter().copied());
            }
            4 => {
                let end = (at + rng.below(64)).min(b.len());
                b.drain(at..end);
            }
            5 => {
                // Repeat a range: long lines, many lines, deep nesting.
                let end = (at + rng.below(32)).min(b.len());
                let piece = b[at..end].to_vec();
                for _ in 0..rng.below(64) {
                    b.splice(at..at, piece.iter().copied());
                }
            }
            6 => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len());
                let end = (from + rng.below(256)).min(other.len());
                b.splice(at..at, other[from..end].iter().copied());
            }
            7 => b.truncate(at),
            _ => {
                let lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
                let mut lines: Vec<Vec<u8>> = lines.into_iter().map(<[u8]>::to_vec).collect();
                if lines.len() > 1 {
                    let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(i, j);
                }
                b = lines.join(&b'\n');
            }
        }
    }
    b.truncate(1 << 20);
    b
}

fn corpus(filter: &[&str]) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    collect(Path::new("fixtures"), &mut files);
    let picked: Vec<Vec<u8>> = files
        .iter()
        .filter(|p| filter.iter().any(|f| p.to_string_lossy().contains(f)))
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() < 32 << 10)
        .collect();
    if picked.is_empty() {
        files.iter().filter_map(|p| std::fs::read(p).ok()).filter(|b| b.len() < 32 << 10).collect()
    } else {
        picked
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

struct Args {
    seconds: u64,
    seed: u64,
    only: Vec<String>,
    list: bool,
}

fn args() -> Args {
    let mut a = Args { seconds: 60, seed: 0x5eed_1234_abcd_ef01, only: vec![], list: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => a.seconds = it.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--target" => a.only.push(it.next().expect("--target NAME")),
            "--list" => a.list = true,
            _ => {} // the test harness's own flags
        }
    }
    a
}

fn main() {
    llmcost::ingest::limits::size_thread_stacks().expect("the first use of the rayon pool");
    let a = args();
    let all = targets();
    if a.list {
        all.iter().for_each(|t| println!("{}", t.name));
        return;
    }
    let chosen: Vec<&Target> =
        all.iter().filter(|t| a.only.is_empty() || a.only.iter().any(|o| o == t.name)).collect();
    assert!(!chosen.is_empty(), "no such target; --list names them");
    let slice = Duration::from_secs(a.seconds) / chosen.len() as u32;
    let mut rng = Rng(a.seed | 1);
    let (mut total, mut findings) = (0u64, 0u64);
    for target in chosen {
        let work = PathBuf::from("target/fuzz-work").join(target.name);
        std::fs::create_dir_all(&work).expect("work dir");
        let path = work.join(target.file);
        let seeds = corpus(target.seeds);
        let (start, mut execs, mut found) = (Instant::now(), 0u64, 0u64);
        while start.elapsed() < slice {
            let seed = &seeds[rng.below(seeds.len())];
            let input = mutate(&mut rng, seed, &seeds);
            let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(&path, &input)));
            execs += 1;
            let why = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(broken)) => broken,
                Err(_) => "panic".to_string(),
            };
            found += 1;
            let saved = PathBuf::from("target/fuzz-findings").join(format!("{}-{found}.bin", target.name));
            let _ = std::fs::create_dir_all("target/fuzz-findings");
            let _ = std::fs::write(&saved, &input);
            eprintln!("FINDING {}: {why} (input saved to {})", target.name, saved.display());
        }
        println!(
            "{:<16} {execs:>9} execs in {:>6.1}s, {found} findings",
            target.name,
            start.elapsed().as_secs_f64()
        );
        total += execs;
        findings += found;
    }
    println!("total {total} execs, {findings} findings");
    if findings > 0 {
        std::process::exit(1);
    }
}
