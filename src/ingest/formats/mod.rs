//! The input formats, and the one list of native dialects: each dialect is a file here
//! declaring its `Dialect` (name, description, how it is recognised, its parser); this module
//! imports them and no dialect imports it back. Detection, `--input-format` and
//! `llmcost formats` all go through the list below.
//!
//! Adding a format: its file here, its `mod` line and `DIALECTS` entry below, and its
//! variant in `Format` (the enum `--input-format` takes).

pub mod anthropic;
pub mod anthropic_usage;
pub mod claude_code;
pub mod codex;
pub mod gemini;
pub mod helicone;
pub mod langfuse;
pub mod litellm;
pub mod openai;
pub mod openai_usage;
pub mod otel;

use super::dialect::{Dialect, LineParser};

/// Input formats: the canonical record as JSONL or CSV, and native log dialects
/// (`llmcost formats` lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Canonical call records, one JSON object per line.
    Jsonl,
    /// Canonical call records, CSV with a header row.
    Csv,
    /// Canonical call records as Parquet columns (files or Hive-partitioned directories).
    Parquet,
    /// Claude Code session files (~/.claude/projects/**/*.jsonl).
    ClaudeCode,
    /// Codex CLI rollout files (~/.codex/sessions/**/*.jsonl).
    Codex,
    /// OpenAI Chat Completions / Responses objects, or Batch API output lines.
    Openai,
    /// Anthropic Messages responses, or Message Batches results.
    Anthropic,
    /// Gemini generateContent responses (usageMetadata).
    Gemini,
    /// LiteLLM StandardLoggingPayload lines and SpendLogs JSON rows.
    Litellm,
    /// OpenTelemetry GenAI spans as OTLP JSON.
    Otel,
    /// Langfuse observations (API pages or exports; generations are the calls).
    Langfuse,
    /// Helicone request exports (API pages or lines).
    Helicone,
    /// OpenAI Usage API buckets (pre-aggregated; priced, kept out of per-call analyses).
    OpenaiUsage,
    /// Anthropic usage_report buckets (pre-aggregated; priced, kept out of per-call analyses).
    AnthropicUsage,
}

/// The native dialects in detection order: a file is the first whose `recognises` accepts one
/// of its first records, so the specific (a Claude Code `sessionId`) come before the general
/// (a bare OpenAI response). `llmcost formats` lists them in this order too.
pub const DIALECTS: &[(Format, Dialect)] = &[
    (Format::ClaudeCode, claude_code::DIALECT),
    (Format::Codex, codex::DIALECT),
    (Format::Litellm, litellm::DIALECT),
    (Format::Otel, otel::DIALECT),
    (Format::Langfuse, langfuse::DIALECT),
    (Format::Helicone, helicone::DIALECT),
    (Format::OpenaiUsage, openai_usage::DIALECT),
    (Format::AnthropicUsage, anthropic_usage::DIALECT),
    (Format::Openai, openai::DIALECT),
    (Format::Anthropic, anthropic::DIALECT),
    (Format::Gemini, gemini::DIALECT),
];

/// The dialect of a native format; `None` for the canonical JSONL, CSV and Parquet.
pub fn dialect(format: Format) -> Option<&'static Dialect> {
    DIALECTS.iter().find(|(f, _)| *f == format).map(|(_, d)| d)
}

/// A fresh parser for one file of a native format.
pub fn parser(format: Format) -> Box<dyn LineParser> {
    let dialect = dialect(format).expect("canonical formats have their own readers");
    (dialect.parser)()
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn every_native_format_has_one_dialect_named_as_on_the_command_line() {
        for format in Format::value_variants() {
            let listed = DIALECTS.iter().filter(|(f, _)| f == format).count();
            let canonical = matches!(format, Format::Jsonl | Format::Csv | Format::Parquet);
            assert_eq!(listed, usize::from(!canonical), "{format:?}");
            if let Some(d) = dialect(*format) {
                assert_eq!(Some(d.name), format.to_possible_value().as_ref().map(|v| v.get_name()));
            }
        }
    }
}
