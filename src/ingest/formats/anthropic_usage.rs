//! Anthropic Admin API usage reports (`GET /v1/organizations/usage_report/messages`):
//! pre-aggregated usage, one bucket per time slice (`starting_at`, `results`). Each result
//! becomes one aggregate row in Anthropic's convention: `uncached_input_tokens` EXCLUDES cache
//! reads and writes, so the prompt is uncached + `cache_read_input_tokens` + the
//! `cache_creation` 5m and 1h writes. The report counts no requests. `service_tier: batch`
//! prices at batch rates; `context_window: "200k-1M"` says the requests crossed the
//! long-context threshold (summed tokens cannot say it); it is there only when the report is
//! grouped by it. Export with `group_by[]=model&group_by[]=context_window`.
//! Workspace → feature, API key → route.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{copy_texts, num, set_num, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "anthropic-usage",
    about: "Anthropic usage_report/messages buckets (group_by model; uncached_input_tokens exclude cache \
            reads/writes; context_window picks the tier): aggregates, kept out of per-call analyses",
    recognises,
    looks_for: "a bucket with starting_at and results",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("starting_at").is_some() && v.get("results").is_some_and(Value::is_array)
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, bucket: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let start = text(bucket, &["starting_at"]).ok_or("not a usage bucket (starting_at with results)")?;
        for result in bucket["results"].as_array().into_iter().flatten() {
            out.push(row(result, start)?);
        }
        Ok(())
    }
}

fn row(result: &Value, start: &str) -> Result<Owned, String> {
    if result.get("amount").is_some() {
        return Err(
            "a cost_report result (an amount, no tokens): export usage_report/messages instead".into()
        );
    }
    let uncached = num(result, &["uncached_input_tokens"]).ok_or("result has no uncached_input_tokens")?;
    let model = text(result, &["model"]).ok_or("result has no model: export with group_by[]=model")?;
    let read = num(result, &["cache_read_input_tokens"]).unwrap_or(0);
    let write_5m = num(result, &["cache_creation", "ephemeral_5m_input_tokens"]).unwrap_or(0);
    let write_1h = num(result, &["cache_creation", "ephemeral_1h_input_tokens"]).unwrap_or(0);
    let mut rec = RawRecord::new(0);
    set_text(&mut rec, Field::Model, model);
    set_text(&mut rec, Field::Provider, "anthropic");
    set_text(&mut rec, Field::Timestamp, start);
    rec.set(Field::Aggregate, Some(Scalar::Bool(true)));
    set_num(&mut rec, Field::InputTokens, uncached + read + write_5m + write_1h);
    set_num(&mut rec, Field::CacheReadTokens, read);
    set_num(&mut rec, Field::CacheWriteTokens, write_5m + write_1h);
    set_num(&mut rec, Field::CacheWrite1hTokens, write_1h);
    set_num(
        &mut rec,
        Field::OutputTokens,
        num(result, &["output_tokens"]).ok_or("result has no output_tokens")?,
    );
    // Only a report grouped by context_window says which tier its requests were in.
    if let Some(window) = text(result, &["context_window"]) {
        rec.set(Field::LongContext, Some(Scalar::Bool(!window.starts_with("0-"))));
    }
    copy_texts(
        result,
        &mut rec,
        &[
            (Field::ServiceTier, "service_tier"),
            (Field::Feature, "workspace_id"),
            (Field::Route, "api_key_id"),
        ],
    );
    set_text(&mut rec, Field::Status, "ok");
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncached_input_is_topped_up_with_cache_reads_and_writes() {
        let bucket = serde_json::json!({"starting_at": "2026-03-01T00:00:00Z", "ending_at": "2026-03-02T00:00:00Z", "results": [
            {"uncached_input_tokens": 100, "cache_read_input_tokens": 2000, "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 50},
             "output_tokens": 40, "model": "claude-sonnet-4-5", "service_tier": "batch", "context_window": "200k-1M"}]});
        let mut out = Vec::new();
        Parser.parse(&bucket, &mut out).unwrap();
        let r = &out[0];
        assert_eq!(r.get(Field::InputTokens), Some(&Scalar::Int(2450)));
        assert_eq!(r.get(Field::CacheWriteTokens), Some(&Scalar::Int(350)));
        assert_eq!(r.get(Field::CacheWrite1hTokens), Some(&Scalar::Int(50)));
        assert_eq!(r.get(Field::LongContext), Some(&Scalar::Bool(true)));
        assert_eq!(r.get(Field::Requests), None);
    }

    #[test]
    fn results_without_model_are_refused() {
        let bucket = serde_json::json!({"starting_at": "2026-03-01T00:00:00Z", "results": [{"uncached_input_tokens": 1, "output_tokens": 1, "model": null}]});
        assert!(Parser.parse(&bucket, &mut Vec::new()).unwrap_err().contains("group_by[]=model"));
    }

    #[test]
    fn no_context_window_leaves_the_tier_unstated() {
        let bucket = serde_json::json!({"starting_at": "2026-03-01T00:00:00Z", "results": [{"uncached_input_tokens": 1, "output_tokens": 1, "model": "m"}]});
        let mut out = Vec::new();
        Parser.parse(&bucket, &mut out).unwrap();
        assert_eq!(out[0].get(Field::LongContext), None);
    }
}
