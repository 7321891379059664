//! llmcost: offline LLM cost analysis.
//!
//! The code is laid out as the data flows, each floor importing only the floors below it:
//!
//! ```text
//!  cli, cmd/    flags → pipeline::Options; one file per subcommand; only main.rs prints errors
//!    ↓
//!  render/      Report, Diff, Check, BudgetReport, Export → table | json | csv | md | html | parquet
//!               PricingDiff (`pricing diff`) → table | md | json
//!  warehouse/   price book + selection → one SQL statement computing the report in an engine
//!    ↓
//!  gate/        CI verdicts: ReportView → Summary → diff, rules, policy file, budgets
//!    ↓
//!  pipeline     Options → Plan → Loaded (calls + price book) → Priced → Report
//!    ↓
//!  analyze/     Priced calls → Report: core (select, dims, spend, ops, context, merge),
//!               sections/ (the leak analyses, one registry), review/ (export-only figures)
//!    ↓
//!  price        Calls × PriceBook → Priced (exact cost per call, tier, unpriced marks)
//!  pricing/     PriceBook: versioned tables (built-in TOML, --pricing files, LiteLLM and
//!               genai-prices JSON), tiers and time-of-day windows; two books compared (diff)
//!    ↓
//!  ingest/      files, dirs, stdin, gzip → RawRecord (one reader per input format in
//!               formats/, one registry) → normalize → Call (UTC time, token classes checked)
//!    ↓
//!  calls        the ground types (Call, StrCol, Tokens) and the column store of the calls
//!  money, time  exact money (integers of 1e-18 USD, never floats); epoch-ms time helpers
//!  pattern      route and model patterns (policy rules, budgets, savings knobs)
//! ```
//!
//! `main.rs` parses, calls `cli::run` and maps the result to an exit code.

pub mod analyze;
pub mod calls;
pub mod cli;
pub mod cmd;
pub mod gate;
pub mod ingest;
pub mod money;
pub mod pattern;
pub mod pipeline;
pub mod price;
pub mod pricing;
pub mod render;
pub mod time;
pub mod warehouse;
