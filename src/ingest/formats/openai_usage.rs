//! OpenAI Usage API buckets (`GET /v1/organization/usage/completions` or `/embeddings`):
//! pre-aggregated usage, one bucket per time slice with a result per group. Each result
//! becomes one aggregate row: priced like a call of its model (OpenAI's convention:
//! `input_tokens` INCLUDES `input_cached_tokens`), counted as `num_model_requests` requests,
//! dated at the bucket's start, and kept out of every per-call analysis. Export with
//! `group_by=model` (a result without a model cannot be priced); `batch` in the grouping
//! prices batch usage at batch rates. Project → feature, API key → route, user → user.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{copy_texts, num, set_modalities, set_num, set_text, text, Modalities};

pub const DIALECT: Dialect = Dialect {
    name: "openai-usage",
    about: "OpenAI Usage API buckets (organization/usage/completions or embeddings, group_by=model): \
            aggregates priced as such (input_tokens include cached), kept out of per-call analyses",
    recognises,
    looks_for: "an object \"bucket\" with results",
    parser: || Box::new(Parser),
};

const COMPLETIONS: &str = "organization.usage.completions.result";
const EMBEDDINGS: &str = "organization.usage.embeddings.result";

fn recognises(v: &Value) -> bool {
    text(v, &["object"]) == Some("bucket") && v.get("results").is_some_and(Value::is_array)
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, bucket: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        if !recognises(bucket) {
            return Err("not a usage bucket (object \"bucket\" with results)".into());
        }
        let start = num(bucket, &["start_time"]).ok_or("bucket has no start_time")?;
        for result in bucket["results"].as_array().into_iter().flatten() {
            out.push(row(result, start)?);
        }
        Ok(())
    }
}

fn row(result: &Value, start: u64) -> Result<Owned, String> {
    let kind = text(result, &["object"]).unwrap_or("(no object)");
    if kind != COMPLETIONS && kind != EMBEDDINGS {
        return Err(format!(
            "{kind}: not token usage llmcost can price (completions and embeddings usage are)"
        ));
    }
    let model = text(result, &["model"]).ok_or("result has no model: export with group_by=model")?;
    let mut rec = RawRecord::new(0);
    set_text(&mut rec, Field::Model, model);
    set_text(&mut rec, Field::Provider, "openai");
    rec.set(Field::Timestamp, Some(Scalar::Int(start as i64)));
    rec.set(Field::Aggregate, Some(Scalar::Bool(true)));
    set_num(
        &mut rec,
        Field::Requests,
        num(result, &["num_model_requests"]).ok_or("result has no num_model_requests")?,
    );
    set_num(
        &mut rec,
        Field::InputTokens,
        num(result, &["input_tokens"]).ok_or("result has no input_tokens")?,
    );
    set_num(&mut rec, Field::OutputTokens, num(result, &["output_tokens"]).unwrap_or(0));
    set_num(&mut rec, Field::CacheReadTokens, num(result, &["input_cached_tokens"]).unwrap_or(0));
    set_num(&mut rec, Field::CacheWriteTokens, num(result, &["input_cache_write_tokens"]).unwrap_or(0));
    // The audio counts; which cached tokens were audio is not said, so the uncached audio is
    // at most the uncached prompt.
    let uncached = ["input_cached_tokens", "input_cache_write_tokens"]
        .iter()
        .fold(num(result, &["input_tokens"]).unwrap_or(0), |n, k| {
            n.saturating_sub(num(result, &[k]).unwrap_or(0))
        });
    let modalities = Modalities {
        input_audio: num(result, &["input_audio_tokens"]).unwrap_or(0).min(uncached),
        output_audio: num(result, &["output_audio_tokens"]).unwrap_or(0),
        ..Modalities::default()
    };
    set_modalities(&mut rec, modalities);
    if result.get("batch").and_then(Value::as_bool) == Some(true) {
        rec.set(Field::Batch, Some(Scalar::Bool(true)));
    }
    let texts = [
        (Field::ServiceTier, "service_tier"),
        (Field::Feature, "project_id"),
        (Field::Route, "api_key_id"),
        (Field::UserId, "user_id"),
    ];
    copy_texts(result, &mut rec, &texts);
    set_text(&mut rec, Field::Status, "ok");
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_one_aggregate_row_per_result() {
        let bucket = serde_json::json!({"object": "bucket", "start_time": 1767225600, "end_time": 1767312000, "results": [
            {"object": COMPLETIONS, "input_tokens": 1000, "input_cached_tokens": 800, "output_tokens": 50, "num_model_requests": 5, "model": "gpt-4o", "batch": true},
            {"object": COMPLETIONS, "input_tokens": 10, "output_tokens": 5, "num_model_requests": 1, "model": "gpt-4o-mini", "project_id": "proj_a"}]});
        let mut out = Vec::new();
        Parser.parse(&bucket, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].get(Field::Requests), Some(&Scalar::Int(5)));
        assert_eq!(out[0].get(Field::InputTokens), Some(&Scalar::Int(1000)));
        assert_eq!(out[0].get(Field::Batch), Some(&Scalar::Bool(true)));
        assert_eq!(out[1].get(Field::Feature), Some(&Scalar::Str("proj_a".into())));
    }

    #[test]
    fn results_without_model_or_tokens_are_refused() {
        let no_model = serde_json::json!({"object": "bucket", "start_time": 1, "results": [
            {"object": COMPLETIONS, "input_tokens": 1, "output_tokens": 1, "num_model_requests": 1, "model": null}]});
        assert!(Parser.parse(&no_model, &mut Vec::new()).unwrap_err().contains("group_by=model"));
        let costs = serde_json::json!({"object": "bucket", "start_time": 1, "results": [
            {"object": "organization.costs.result", "amount": {"value": 0.5, "currency": "usd"}}]});
        assert!(Parser.parse(&costs, &mut Vec::new()).unwrap_err().contains("organization.costs.result"));
    }
}
