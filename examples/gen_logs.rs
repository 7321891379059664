//! gen_logs: deterministic generator of large, realistic LLM call logs (benchmark input for
//! `llmcost`). std-only on purpose, so it also builds standalone:
//!
//!     rustc -O --edition 2021 examples/gen_logs.rs -o /tmp/gen_logs
//!     gen_logs [--rows N] [--seed S] [--format jsonl|csv] [--bad-every K] [--storms] [--leaks] > calls.jsonl
//!
//! One line per API call, canonical field names, fixed field order. Optional fields are
//! sometimes omitted and sometimes explicit `null` (CSV: empty cell). Same seed, same bytes.
//!
//! Invariants on every good row: all token counts are non-negative integers,
//! cache_read + cache_write <= input, cache_write_1h <= cache_write, reasoning <= output.
//! `--bad-every K` makes every K-th line malformed, cycling through: truncated line,
//! negative token count, cache_read > input, unparsable timestamp.
//! `--storms` plants one rate-limit storm per provider (20–70 minutes, at a seeded time): in
//! it 60% of that provider's calls fail with a 429; each window is printed on stderr.
//! `--leaks` plants two prompt-cache leaks: `code.review` writes its cache but never reads it
//! (a broken prefix), and `agent.reflect` stops reading its cache from October 16 on (a
//! collapse). Without it the bytes are the same as before the flag existed.

use std::io::{self, BufWriter, Write};

// ---------------------------------------------------------------------------------------------
// PRNG: splitmix64 (tiny, fast, good enough for synthetic data).

fn mix(mut z: u64) -> u64 {
    // splitmix64 finalizer; a bijection on u64, so mix(counter ^ salt) yields unique ids.
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    fn irange(&mut self, lo: i64, hi_incl: i64) -> i64 {
        lo + self.below((hi_incl - lo + 1) as u64) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64(); // (0, 1]
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
    /// Geometric number of trials >= 1 with the given mean.
    fn geometric(&mut self, mean: f64) -> u32 {
        let p = 1.0 / mean;
        let u = 1.0 - self.f64();
        1 + (u.ln() / (1.0 - p).ln()).floor() as u32
    }
}

/// Weighted categorical sampler (cumulative weights + binary search).
struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut acc = 0.0;
        let cum = weights
            .into_iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Weighted { cum }
    }
    fn zipf(n: usize, s: f64) -> Self {
        Self::new((1..=n).map(|k| 1.0 / (k as f64).powf(s)))
    }
    fn total(&self) -> f64 {
        *self.cum.last().unwrap()
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let x = rng.f64() * self.total();
        self.cum.partition_point(|&c| c <= x).min(self.cum.len() - 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Static tables.

struct Model {
    name: &'static str,
    provider: &'static str,
    weight: f64,
    /// Context window; caps the prompt size.
    ctx: i64,
    /// Probability a call reports reasoning ("thinking") tokens.
    reasoning_p: f64,
    /// Decode speed, ms per output token.
    ms_per_tok: f64,
    /// Gateway-side cost estimate, USD per million: input, output, cache_read, cache_write,
    /// cache_write_1h; long-context multiplier above 200k prompt tokens (1.0 = none).
    /// `None` = unpriced (the gateway logs no cost).
    rates: Option<[f64; 5]>,
    long_ctx_mult: f64,
}

#[allow(clippy::too_many_arguments)]
const fn m(
    name: &'static str,
    provider: &'static str,
    weight: f64,
    ctx: i64,
    reasoning_p: f64,
    ms_per_tok: f64,
    rates: Option<[f64; 5]>,
    long_ctx_mult: f64,
) -> Model {
    Model { name, provider, weight, ctx, reasoning_p, ms_per_tok, rates, long_ctx_mult }
}

const MODELS: &[Model] = &[
    m("gpt-4o-mini", "openai", 30.0, 128_000, 0.0, 7.0, Some([0.15, 0.60, 0.075, 0.15, 0.15]), 1.0),
    m("gpt-4o", "openai", 10.0, 128_000, 0.0, 11.0, Some([2.5, 10.0, 1.25, 2.5, 2.5]), 1.0),
    m("gpt-4.1", "openai", 5.0, 1_000_000, 0.0, 11.0, Some([2.0, 8.0, 0.5, 2.0, 2.0]), 1.0),
    m(
        "claude-sonnet-4-5-20250929",
        "anthropic",
        15.0,
        1_000_000,
        0.2,
        14.0,
        Some([3.0, 15.0, 0.30, 3.75, 6.0]),
        2.0,
    ),
    m(
        "claude-haiku-4-5-20251001",
        "anthropic",
        10.0,
        200_000,
        0.1,
        7.0,
        Some([1.0, 5.0, 0.10, 1.25, 2.0]),
        1.0,
    ),
    m(
        "claude-opus-4-1-20250805",
        "anthropic",
        3.0,
        200_000,
        0.3,
        28.0,
        Some([15.0, 75.0, 1.5, 18.75, 30.0]),
        1.0,
    ),
    m("gemini-2.5-flash", "google", 12.0, 1_000_000, 0.4, 4.0, Some([0.30, 2.50, 0.03, 0.30, 0.30]), 1.0),
    m("gemini-2.5-pro", "google", 5.0, 1_000_000, 1.0, 11.0, Some([1.25, 10.0, 0.125, 1.25, 1.25]), 2.0),
    m("deepseek-chat", "deepseek", 5.0, 128_000, 0.0, 18.0, Some([0.28, 0.42, 0.028, 0.28, 0.28]), 1.0),
    m("acme-finetune-v2", "openai", 0.5, 128_000, 0.0, 9.0, None, 1.0),
];

/// When a call is a fallback, which model was originally requested (by served model index).
const FALLBACK_FROM: &[usize] = &[
    1, // gpt-4o-mini        <- gpt-4o
    3, // gpt-4o             <- claude-sonnet-4-5
    1, // gpt-4.1            <- gpt-4o
    5, // claude-sonnet-4-5  <- claude-opus-4-1
    3, // claude-haiku-4-5   <- claude-sonnet-4-5
    3, // claude-opus-4-1    <- claude-sonnet-4-5 (quality escalation)
    7, // gemini-2.5-flash   <- gemini-2.5-pro
    3, // gemini-2.5-pro     <- claude-sonnet-4-5
    0, // deepseek-chat      <- gpt-4o-mini
    0, // acme-finetune-v2   <- gpt-4o-mini
];

struct Route {
    name: &'static str,
    feature: &'static str,
    in_mult: f64,
    out_mult: f64,
    /// Share of calls that end in tool calls.
    tool_p: f64,
    /// Eligible for very long (100k+) prompts.
    long_docs: bool,
}

const fn r(
    name: &'static str,
    feature: &'static str,
    in_mult: f64,
    out_mult: f64,
    tool_p: f64,
    long_docs: bool,
) -> Route {
    Route { name, feature, in_mult, out_mult, tool_p, long_docs }
}

/// In Zipf rank order (first = busiest).
const ROUTES: &[Route] = &[
    r("chat.answer", "assistant", 1.0, 1.2, 0.05, false),
    r("search.rerank", "search", 1.5, 0.15, 0.0, false),
    r("agent.plan", "agent", 2.0, 1.5, 0.55, true),
    r("agent.tool_call", "agent", 2.5, 0.6, 0.80, true),
    r("rag.answer", "knowledge", 3.0, 1.3, 0.02, true),
    r("chat.summarize", "assistant", 2.5, 0.8, 0.0, true),
    r("support.triage", "support", 0.8, 0.3, 0.10, false),
    r("docs.extract", "documents", 4.0, 1.0, 0.05, true),
    r("search.query_rewrite", "search", 0.4, 0.2, 0.0, false),
    r("code.review", "coding", 3.5, 1.8, 0.10, true),
    r("agent.reflect", "agent", 2.0, 0.8, 0.20, true),
    r("support.reply_draft", "support", 1.2, 1.4, 0.0, false),
    r("docs.classify", "documents", 1.5, 0.05, 0.0, false),
    r("code.complete", "coding", 1.2, 0.7, 0.0, false),
    r("rag.synthesize", "knowledge", 3.5, 1.5, 0.0, true),
    r("eval.grade", "evals", 1.5, 0.3, 0.0, false),
    r("docs.translate", "documents", 1.5, 3.0, 0.0, false),
    r("code.explain", "coding", 2.0, 1.5, 0.0, false),
    r("eval.judge_pairwise", "evals", 2.0, 0.4, 0.0, false),
    r("moderation.check", "support", 0.3, 0.05, 0.0, false),
];

const MAX_TOKENS: &[(i64, f64)] =
    &[(256, 5.0), (512, 8.0), (1024, 20.0), (2048, 15.0), (4096, 30.0), (8192, 15.0), (16384, 7.0)];

const REGIONS: &[(&str, f64)] = &[
    ("us-east-1", 45.0),
    ("us-west-2", 15.0),
    ("eu-west-1", 25.0),
    ("eu-central-1", 8.0),
    ("ap-southeast-1", 7.0),
];

const APP_VERSIONS: &[(&str, f64)] =
    &[("2.14.3", 40.0), ("2.14.2", 25.0), ("2.15.0-rc.1", 5.0), ("2.13.9", 20.0), ("2.12.4", 10.0)];

const BAD_TIMESTAMPS: &[&str] = &[
    "2026-10-32T25:61:00.000Z",
    "not-a-timestamp",
    "10/03/2026 14:22:05",
    "2026-10-03 14:22:05.123 PST",
    "",
];

/// Output columns, in order. The CSV header; JSONL objects use the same order.
const COLUMNS: &[&str] = &[
    "timestamp",
    "request_id",
    "operation_id",
    "attempt",
    "job_id",
    "provider",
    "model",
    "requested_model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "status",
    "error_type",
    "http_status",
    "finish_reason",
    "max_tokens",
    "latency_ms",
    "route",
    "feature",
    "user_id",
    "environment",
    "batch",
    "cache_hit",
    "cost_usd",
    "prompt_hash",
    "app_version",
    "region",
    "trace_id",
];

/// October 2026, UTC.
const DAYS: i64 = 31;
const DAY_MS: i64 = 86_400_000;
const SPAN_MS: i64 = DAYS * DAY_MS;
/// 2026-10-01 is a Thursday (Monday = 0).
const FIRST_WEEKDAY: i64 = 3;

// ---------------------------------------------------------------------------------------------
// Output: one code path writes both JSONL and CSV.

struct Out {
    csv: bool,
    buf: Vec<u8>,
    col: usize,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Out {
    fn begin(&mut self) {
        self.buf.clear();
        self.col = 0;
        if !self.csv {
            self.buf.push(b'{');
        }
    }
    /// Starts a present field (writes the separator and, for JSON, the key).
    fn key(&mut self, name: &str) {
        assert_eq!(COLUMNS[self.col], name, "field order must match COLUMNS");
        if self.csv {
            if self.col > 0 {
                self.buf.push(b',');
            }
        } else {
            if self.buf.len() > 1 {
                self.buf.push(b',');
            }
            self.buf.push(b'"');
            self.buf.extend_from_slice(name.as_bytes());
            self.buf.extend_from_slice(b"\":");
        }
        self.col += 1;
    }
    fn str(&mut self, name: &str, v: &str) {
        self.key(name);
        if self.csv {
            if v.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
                self.buf.push(b'"');
                for b in v.bytes() {
                    if b == b'"' {
                        self.buf.push(b'"');
                    }
                    self.buf.push(b);
                }
                self.buf.push(b'"');
            } else {
                self.buf.extend_from_slice(v.as_bytes());
            }
        } else {
            // All generated strings are plain ASCII without quotes or backslashes.
            self.buf.push(b'"');
            self.buf.extend_from_slice(v.as_bytes());
            self.buf.push(b'"');
        }
    }
    /// A string written as prefix + lowercase hex digits of `v` (the low `digits` nibbles).
    fn hex(&mut self, name: &str, prefix: &str, parts: &[(u64, usize)]) {
        self.key(name);
        if !self.csv {
            self.buf.push(b'"');
        }
        self.buf.extend_from_slice(prefix.as_bytes());
        for &(v, digits) in parts {
            for i in (0..digits).rev() {
                self.buf.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
            }
        }
        if !self.csv {
            self.buf.push(b'"');
        }
    }
    fn int(&mut self, name: &str, v: i64) {
        self.key(name);
        push_int(&mut self.buf, v);
    }
    fn boolean(&mut self, name: &str, v: bool) {
        self.key(name);
        self.buf.extend_from_slice(if v { b"true" } else { b"false" });
    }
    fn float(&mut self, name: &str, v: f64) {
        self.key(name);
        let start = self.buf.len();
        write!(self.buf, "{:.8}", v).unwrap();
        // Trim trailing zeros ("0.01230000" -> "0.0123"), keep at least one decimal.
        while self.buf.len() > start + 1
            && self.buf[self.buf.len() - 1] == b'0'
            && self.buf[self.buf.len() - 2] != b'.'
        {
            self.buf.pop();
        }
    }
    fn null(&mut self, name: &str) {
        self.key(name);
        if !self.csv {
            self.buf.extend_from_slice(b"null");
        }
    }
    /// An absent optional field: nothing in JSON, an empty cell in CSV.
    fn omit(&mut self, name: &str) {
        assert_eq!(COLUMNS[self.col], name, "field order must match COLUMNS");
        if self.csv && self.col > 0 {
            self.buf.push(b',');
        }
        self.col += 1;
    }
    fn opt_int(&mut self, name: &str, v: Option<i64>) {
        match v {
            Some(v) => self.int(name, v),
            None => self.omit(name),
        }
    }
    fn end(&mut self) {
        assert_eq!(self.col, COLUMNS.len());
        if !self.csv {
            self.buf.push(b'}');
        }
        self.buf.push(b'\n');
    }
}

fn push_int(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    let mut n = v.unsigned_abs();
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push2(buf: &mut Vec<u8>, v: i64) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

/// "2026-10-DDTHH:MM:SS.mmmZ" for an offset (ms) into October 2026.
fn format_ts(ms: i64, out: &mut Vec<u8>) {
    let day = ms / DAY_MS;
    let rem = ms % DAY_MS;
    out.extend_from_slice(b"2026-10-");
    push2(out, day + 1);
    out.push(b'T');
    push2(out, rem / 3_600_000);
    out.push(b':');
    push2(out, rem / 60_000 % 60);
    out.push(b':');
    push2(out, rem / 1000 % 60);
    out.push(b'.');
    let milli = rem % 1000;
    out.push(b'0' + (milli / 100) as u8);
    push2(out, milli % 100);
    out.push(b'Z');
}

// ---------------------------------------------------------------------------------------------
// Generation.

struct Args {
    rows: u64,
    seed: u64,
    csv: bool,
    bad_every: u64,
    storms: bool,
    leaks: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: gen_logs [--rows N] [--seed S] [--format jsonl|csv] [--bad-every K] [--storms] [--leaks]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args { rows: 1000, seed: 42, csv: false, bad_every: 0, storms: false, leaks: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            usage();
        }
        if flag == "--storms" {
            a.storms = true;
            continue;
        }
        if flag == "--leaks" {
            a.leaks = true;
            continue;
        }
        let (flag, value) = match flag.split_once('=') {
            Some((f, v)) => (f.to_string(), v.to_string()),
            None => (flag.clone(), it.next().unwrap_or_else(|| usage())),
        };
        let num = |v: &str| -> u64 {
            v.replace('_', "").parse().unwrap_or_else(|_| {
                eprintln!("gen_logs: {flag}: not a number: {v}");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--rows" => a.rows = num(&value),
            "--seed" => a.seed = num(&value),
            "--bad-every" => a.bad_every = num(&value),
            "--format" => match value.as_str() {
                "jsonl" | "json" => a.csv = false,
                "csv" => a.csv = true,
                _ => usage(),
            },
            _ => usage(),
        }
    }
    a
}

/// Per-job attributes, shared by its operations.
struct Job {
    id: u64,
    ops_left: u32,
    user: Option<usize>,
    env: &'static str,
    region: &'static str,
    app_version: &'static str,
    batch: bool,
    /// This job's gateway logs cost_usd.
    reports_cost: bool,
}

/// Per-operation attributes, shared by its attempts.
struct Op {
    id: u64,
    attempts: u32,
    /// Whether the final attempt succeeds.
    final_ok: bool,
    trace: (u64, u64),
    route: usize,
    model: usize,
    requested: usize,
    input: i64,
    output: i64,
    cache_read: i64,
    cache_write: i64,
    cache_write_1h: i64,
    reasoning: i64,
    max_tokens: Option<i64>,
    finish: &'static str,
    prompt_hash: u64,
    feature_null: bool,
}

struct Gen {
    rng: Rng,
    salt: u64,
    models: Weighted,
    routes: Weighted,
    users: Weighted,
    max_tokens: Weighted,
    regions: Weighted,
    versions: Weighted,
    /// Cumulative traffic per hour of the month (diurnal + weekly shape).
    hour_cum: Vec<f64>,
    recent_hashes: Vec<u64>,
    hash_pos: usize,
    next_job: u64,
    next_op: u64,
}

impl Gen {
    fn new(seed: u64) -> Self {
        let mut hour_cum = Vec::with_capacity((DAYS * 24 + 1) as usize);
        let mut acc = 0.0;
        hour_cum.push(0.0);
        for h in 0..DAYS * 24 {
            let (day, hod) = (h / 24, (h % 24) as f64);
            let weekend = (day + FIRST_WEEKDAY) % 7 >= 5;
            // Peak around 15:00 UTC (EU afternoon + US morning), slow growth over the month.
            let mut w = 0.25 + (-(hod - 15.0).powi(2) / (2.0 * 4.5 * 4.5)).exp();
            if weekend {
                w *= 0.5;
            }
            w *= 1.0 + 0.25 * day as f64 / DAYS as f64;
            acc += w;
            hour_cum.push(acc);
        }
        Gen {
            rng: Rng(mix(seed ^ 0x6C6C_6D63_6F73_7400)),
            salt: mix(seed.wrapping_add(0x5EED)),
            models: Weighted::new(MODELS.iter().map(|m| m.weight)),
            routes: Weighted::zipf(ROUTES.len(), 1.1),
            users: Weighted::zipf(5000, 0.9),
            max_tokens: Weighted::new(MAX_TOKENS.iter().map(|t| t.1)),
            regions: Weighted::new(REGIONS.iter().map(|t| t.1)),
            versions: Weighted::new(APP_VERSIONS.iter().map(|t| t.1)),
            hour_cum,
            recent_hashes: Vec::with_capacity(4096),
            hash_pos: 0,
            next_job: 0,
            next_op: 0,
        }
    }

    /// Timestamp (ms into October) for row `i` of `n`: traffic-shaped, increasing, jittered.
    fn timestamp(&mut self, i: u64, n: u64) -> i64 {
        let total = *self.hour_cum.last().unwrap();
        let target = (i as f64 + 0.5) / n as f64 * total;
        let h = self.hour_cum.partition_point(|&c| c <= target).clamp(1, self.hour_cum.len() - 1) - 1;
        let frac = (target - self.hour_cum[h]) / (self.hour_cum[h + 1] - self.hour_cum[h]);
        let base = (h as f64 + frac) * 3_600_000.0;
        let spacing = SPAN_MS as f64 / n as f64;
        let jitter = self.rng.range(-1.5, 1.5) * spacing.min(20_000.0);
        ((base + jitter) as i64).clamp(0, SPAN_MS - 1)
    }

    fn new_job(&mut self) -> Job {
        let rng = &mut self.rng;
        let env = match rng.f64() {
            x if x < 0.90 => "prod",
            x if x < 0.97 => "staging",
            _ => "ci",
        };
        let user = if env == "ci" && rng.chance(0.7) { None } else { Some(self.users.pick(rng)) };
        self.next_job += 1;
        Job {
            id: mix(self.next_job ^ self.salt.rotate_left(17)),
            ops_left: rng.geometric(4.0),
            user,
            env,
            region: REGIONS[self.regions.pick(rng)].0,
            app_version: APP_VERSIONS[self.versions.pick(rng)].0,
            batch: rng.chance(0.05),
            reports_cost: rng.chance(0.5),
        }
    }

    fn new_op(&mut self) -> Op {
        let rng = &mut self.rng;
        let route = self.routes.pick(rng);
        let rt = &ROUTES[route];
        let model = self.models.pick(rng);
        let md = &MODELS[model];
        let requested = if rng.chance(0.03) { FALLBACK_FROM[model] } else { model };

        let max_tokens = if rng.chance(0.9) { Some(MAX_TOKENS[self.max_tokens.pick(rng)].0) } else { None };
        let out_cap = max_tokens.unwrap_or(8192);

        // Prompt size: log-normal (median ~2k) with a long-document tail.
        let mut input = if rt.long_docs && rng.chance(0.02) {
            rng.range(90_000.0, 400_000.0)
        } else {
            rng.lognormal(2000.0 * rt.in_mult.sqrt(), 1.25)
        } as i64;
        input = input.clamp(12, (md.ctx - out_cap).min(400_000));

        // Completion: visible text plus (for thinking models) reasoning tokens.
        let visible = rng.lognormal(300.0 * rt.out_mult, 0.9).max(1.0) as i64;
        let mut reasoning = if rng.chance(md.reasoning_p) { rng.lognormal(450.0, 1.0) as i64 } else { 0 };
        let mut output = visible + reasoning;
        let finish = if output >= out_cap {
            output = out_cap;
            reasoning = reasoning.min(output);
            "length"
        } else if rng.chance(rt.tool_p) {
            "tool_calls"
        } else {
            "stop"
        };

        // Prompt caching: reads for ~half of OpenAI/Anthropic calls, fewer elsewhere.
        let (mut cache_read, mut cache_write, mut cache_write_1h) = (0i64, 0i64, 0i64);
        match md.provider {
            "openai" => {
                if input >= 1024 && rng.chance(0.5) {
                    cache_read =
                        ((input as f64 * rng.range(0.3, 0.95)) as i64 / 128 * 128).max(1024).min(input);
                }
            }
            "anthropic" => {
                if input >= 1024 && rng.chance(0.5) {
                    cache_read = (input as f64 * rng.range(0.3, 0.97)) as i64;
                }
                if input >= 1024 && rng.chance(0.25) {
                    cache_write = ((input - cache_read) as f64 * rng.range(0.3, 1.0)) as i64;
                    if rng.chance(0.12) {
                        cache_write_1h = (cache_write as f64 * rng.range(0.2, 1.0)) as i64;
                    }
                }
            }
            "google" => {
                if input >= 2048 && rng.chance(0.2) {
                    cache_read = (input as f64 * rng.range(0.2, 0.9)) as i64;
                }
            }
            _ => {
                if rng.chance(0.4) {
                    cache_read = (input as f64 * rng.range(0.1, 0.9)) as i64 / 64 * 64;
                }
            }
        }

        // ~3% of prompts repeat an earlier one.
        let prompt_hash = if !self.recent_hashes.is_empty() && rng.chance(0.03) {
            self.recent_hashes[rng.below(self.recent_hashes.len() as u64) as usize]
        } else {
            let h = rng.next_u64();
            if self.recent_hashes.len() < 4096 {
                self.recent_hashes.push(h);
            } else {
                self.recent_hashes[self.hash_pos] = h;
                self.hash_pos = (self.hash_pos + 1) % 4096;
            }
            h
        };

        // ~3.5% of operations are retried (2 or 3 attempts); most retries end well.
        let (attempts, final_ok) = if rng.chance(0.035) {
            (if rng.chance(0.85) { 2 } else { 3 }, rng.chance(0.92))
        } else {
            (1, !rng.chance(0.002))
        };

        self.next_op += 1;
        Op {
            id: mix(self.next_op ^ self.salt.rotate_left(31)),
            attempts,
            final_ok,
            trace: (rng.next_u64(), rng.next_u64()),
            route,
            model,
            requested,
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            reasoning,
            max_tokens,
            finish,
            prompt_hash,
            feature_null: rng.chance(0.01),
        }
    }
}

fn run(args: &Args) -> io::Result<()> {
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(4 << 20, stdout.lock());
    let mut out = Out { csv: args.csv, buf: Vec::with_capacity(2048), col: 0 };
    if args.csv {
        w.write_all(COLUMNS.join(",").as_bytes())?;
        w.write_all(b"\n")?;
    }

    let mut g = Gen::new(args.seed);
    let storms = if args.storms { plant_storms(args.seed) } else { Vec::new() };
    let mut job = g.new_job();
    let mut op = g.new_op();
    let mut attempt = 1u32;
    let mut ts_buf = Vec::with_capacity(32);
    let mut bad_count = 0u64;

    for i in 0..args.rows {
        if attempt > op.attempts {
            job.ops_left -= 1;
            if job.ops_left == 0 {
                job = g.new_job();
            }
            op = g.new_op();
            attempt = 1;
        }
        let ts = g.timestamp(i, args.rows);
        let rng = &mut g.rng;
        let md = &MODELS[op.model];
        let rt = &ROUTES[op.route];

        // Attempt outcome.
        let in_storm = storms.iter().any(|&(p, from, to)| p == md.provider && ts >= from && ts < to);
        let ok = attempt == op.attempts && op.final_ok && !(in_storm && rng.chance(0.6));
        let error_type = if in_storm && !ok {
            Some("rate_limit")
        } else if ok {
            None
        } else {
            Some(match rng.f64() {
                x if x < 0.60 => "rate_limit",
                x if x < 0.75 => "timeout",
                _ => "server_error",
            })
        };
        let (mut input, mut output, mut cache_read, mut cache_write, mut cache_write_1h, mut reasoning) =
            (op.input, op.output, op.cache_read, op.cache_write, op.cache_write_1h, op.reasoning);
        if args.leaks && (rt.name == "code.review" || (rt.name == "agent.reflect" && ts >= 15 * DAY_MS)) {
            cache_read = 0;
        }
        let (http_status, latency) = match error_type {
            None => {
                let ttft = rng.lognormal(450.0, 0.5) + input as f64 / 25.0;
                let lat = ttft + output as f64 * md.ms_per_tok * rng.range(0.8, 1.3);
                (200, lat as i64)
            }
            Some("rate_limit") => {
                (input, output, cache_read, cache_write, cache_write_1h, reasoning) = (0, 0, 0, 0, 0, 0);
                (429, rng.irange(15, 400))
            }
            Some("timeout") => {
                // The prompt was processed (and is billed); no completion came back.
                (output, reasoning) = (0, 0);
                (504, rng.irange(30_000, 120_000))
            }
            Some(_) => {
                (input, output, cache_read, cache_write, cache_write_1h, reasoning) = (0, 0, 0, 0, 0, 0);
                (500, rng.irange(80, 5_000))
            }
        };
        let cache_hit = ok && rng.chance(0.02);
        let latency = if cache_hit { rng.irange(3, 60) } else { latency };

        // Gateway-reported cost (half of the jobs, priced models only).
        let cost = match md.rates {
            Some(rt_) if job.reports_cost => {
                let mult = if input > 200_000 { md.long_ctx_mult } else { 1.0 };
                let uncached = (input - cache_read - cache_write) as f64;
                let mut c = (uncached * rt_[0]
                    + output as f64 * rt_[1]
                    + cache_read as f64 * rt_[2]
                    + (cache_write - cache_write_1h) as f64 * rt_[3]
                    + cache_write_1h as f64 * rt_[4])
                    * mult
                    / 1e6;
                if job.batch {
                    c *= 0.5;
                }
                if cache_hit {
                    c = 0.0;
                }
                Some(if rng.chance(0.005) { None } else { Some(c) })
            }
            _ => None,
        };

        // Malformed line?
        let bad_kind = if args.bad_every > 0 && (i + 1) % args.bad_every == 0 {
            bad_count += 1;
            Some((bad_count - 1) % 4)
        } else {
            None
        };
        match bad_kind {
            Some(1) => match rng.below(3) {
                0 => input = -(input.max(1)),
                1 => output = -(output.max(1)),
                _ => cache_read = -(cache_read.max(1)),
            },
            Some(2) => {
                input = input.max(100);
                cache_read = input + rng.irange(1, 5000);
            }
            _ => {}
        }
        let provider = md.provider;
        let force_cache = bad_kind.is_some();

        // ---- emit, in COLUMNS order ----
        out.begin();
        out.key("timestamp");
        if bad_kind == Some(3) {
            let s = BAD_TIMESTAMPS[((bad_count - 1) / 4 % BAD_TIMESTAMPS.len() as u64) as usize];
            if !out.csv {
                out.buf.push(b'"');
            }
            out.buf.extend_from_slice(s.as_bytes());
            if !out.csv {
                out.buf.push(b'"');
            }
        } else {
            ts_buf.clear();
            format_ts(ts, &mut ts_buf);
            if !out.csv {
                out.buf.push(b'"');
            }
            out.buf.extend_from_slice(&ts_buf);
            if !out.csv {
                out.buf.push(b'"');
            }
        }
        out.hex("request_id", "req_", &[(mix(i ^ g.salt), 16), (rng.next_u64(), 8)]);
        out.hex("operation_id", "op_", &[(op.id, 16)]);
        out.int("attempt", attempt as i64);
        out.hex("job_id", "job_", &[(job.id, 12)]);
        out.str("provider", provider);
        out.str("model", md.name);
        out.str("requested_model", MODELS[op.requested].name);
        out.int("input_tokens", input);
        out.int("output_tokens", output);
        // Cache/reasoning fields are reported differently per provider: always, only when
        // non-zero, or never.
        match provider {
            "openai" | "anthropic" => out.int("cache_read_tokens", cache_read),
            _ if cache_read != 0 || force_cache => out.int("cache_read_tokens", cache_read),
            _ => out.omit("cache_read_tokens"),
        }
        if provider == "anthropic" {
            out.int("cache_write_tokens", cache_write);
            out.opt_int("cache_write_1h_tokens", (cache_write > 0).then_some(cache_write_1h));
        } else {
            out.omit("cache_write_tokens");
            out.omit("cache_write_1h_tokens");
        }
        match provider {
            "openai" | "google" => out.int("reasoning_tokens", reasoning),
            "anthropic" if reasoning > 0 => out.int("reasoning_tokens", reasoning),
            _ => out.omit("reasoning_tokens"),
        }
        out.str("status", if ok { "ok" } else { "error" });
        match error_type {
            Some(e) => out.str("error_type", e),
            None => out.omit("error_type"),
        }
        out.int("http_status", http_status);
        if ok {
            out.str("finish_reason", op.finish);
        } else {
            out.null("finish_reason");
        }
        out.opt_int("max_tokens", op.max_tokens);
        out.int("latency_ms", latency);
        out.str("route", rt.name);
        if op.feature_null {
            out.null("feature");
        } else {
            out.str("feature", rt.feature);
        }
        match job.user {
            Some(u) => {
                out.key("user_id");
                if !out.csv {
                    out.buf.push(b'"');
                }
                out.buf.extend_from_slice(b"user_");
                let n = (mix(u as u64 ^ g.salt) % 90_000 + 10_000) as i64;
                push_int(&mut out.buf, n);
                if !out.csv {
                    out.buf.push(b'"');
                }
            }
            None => out.null("user_id"),
        }
        out.str("environment", job.env);
        if job.batch {
            out.boolean("batch", true);
        } else {
            out.omit("batch");
        }
        if cache_hit {
            out.boolean("cache_hit", true);
        } else {
            out.omit("cache_hit");
        }
        match cost {
            Some(Some(c)) => out.float("cost_usd", c),
            Some(None) => out.null("cost_usd"),
            None => out.omit("cost_usd"),
        }
        out.hex("prompt_hash", "", &[(op.prompt_hash, 16)]);
        out.str("app_version", job.app_version);
        out.str("region", job.region);
        out.hex("trace_id", "", &[(op.trace.0, 16), (op.trace.1, 16)]);
        out.end();

        if bad_kind == Some(0) {
            // Truncated line: cut somewhere inside the record.
            let cut = 1 + g.rng.below(out.buf.len() as u64 - 3) as usize;
            out.buf.truncate(cut);
            out.buf.push(b'\n');
        }
        w.write_all(&out.buf)?;
        attempt += 1;
    }
    w.flush()
}

/// One storm per provider: (provider, start, end) in ms into the month, 20–70 minutes long,
/// days apart, printed on stderr so a test can check what was found against what was planted.
fn plant_storms(seed: u64) -> Vec<(&'static str, i64, i64)> {
    let mut rng = Rng(seed ^ 0x5707_3500);
    let mut providers: Vec<&'static str> = MODELS.iter().map(|m| m.provider).collect();
    providers.sort_unstable();
    providers.dedup();
    providers
        .into_iter()
        .enumerate()
        .map(|(k, p)| {
            let start = (3 + 6 * k as i64) * DAY_MS + rng.irange(0, 20) * 3_600_000;
            let end = start + rng.irange(20, 70) * 60_000;
            eprintln!("gen_logs: planted storm {p} {start} {end}");
            (p, start, end)
        })
        .collect()
}

fn main() {
    let args = parse_args();
    if let Err(e) = run(&args) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return; // e.g. `gen_logs | head`
        }
        eprintln!("gen_logs: {e}");
        std::process::exit(1);
    }
}
