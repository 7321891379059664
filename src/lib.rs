//! llmcost: offline LLM cost analysis.
//!
//! The code is laid out as the data flows:
//!
//! ```text
//!  ingest/      files, dirs, stdin, gzip → RawRecord (one reader per input format)
//!    ↓
//!  normalize    RawRecord → Call (UTC time, token classes validated, flags)
//!    ↓           …stored column by column, dictionary-encoded, in `calls::Calls`
//!  pricing/     PriceBook: versioned tables (built-in TOML, --pricing files, LiteLLM JSON)
//!  price        Calls × PriceBook → Priced (exact cost per call, tier, unpriced marks)
//!    ↓
//!  analyze/     Priced calls → Report (totals, breakdowns, unpriced, line account)
//!    ↓
//!  render/      Report → table | json | csv | markdown
//! ```
//!
//! `cmd/` holds one file per subcommand wiring those stages; `main.rs` only maps the
//! result to an exit code. Money is exact (`money`): integers of 1e-18 USD, never floats.

pub mod analyze;
pub mod calls;
pub mod cli;
pub mod cmd;
pub mod ingest;
pub mod money;
pub mod normalize;
pub mod price;
pub mod pricing;
pub mod render;
