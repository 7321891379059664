//! Langfuse observations, as the public API lists them (`GET /api/public/observations`, a
//! page `{"data": [...], "meta": {...}}`) or exported one per line. Only generations are
//! calls; spans and events are skipped. Langfuse prices every key of `usageDetails` at its
//! own rate, so `input` holds only the UNCACHED prompt tokens: cache reads
//! (`input_cached_tokens`, `input_cache_read`, `cache_read_input_tokens`) and writes
//! (`input_cache_creation`, `cache_creation_input_tokens`) are broken out beside it, and
//! likewise `output` beside `output_reasoning_tokens`. As Langfuse itself sums them, the
//! prompt is every usage type whose name contains "input", the completion every one
//! containing "output". Old SDKs
//! sent only `usage {input, output}`, the whole prompt with no cache split. The trace is the
//! job, the generation's name the route; level ERROR marks a failure; `calculatedTotalCost`
//! is Langfuse's own figure, kept for reconciliation. camelCase and snake_case keys both read.

use serde_json::{Map, Value};

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{as_count, count, set_modalities, set_num, set_text, Modalities};
use crate::time::rfc3339_ms;

pub const DIALECT: Dialect = Dialect {
    name: "langfuse",
    about: "Langfuse observations (API pages or exports; generations only): usageDetails input EXCLUDES \
            the cache reads/writes and output the reasoning broken out beside them; trace = job, name = route, \
            level ERROR = failure, calculatedTotalCost kept for reconciliation",
    recognises,
    looks_for: "an observation with traceId, type and startTime",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    key(v, "traceId", "trace_id").is_some()
        && v.get("type").is_some()
        && key(v, "startTime", "start_time").is_some()
}

/// A field under its camelCase or snake_case name.
fn key<'v>(v: &'v Value, camel: &str, snake: &str) -> Option<&'v Value> {
    v.get(camel).or_else(|| v.get(snake)).filter(|x| !x.is_null())
}

fn key_text<'v>(v: &'v Value, camel: &str, snake: &str) -> Option<&'v str> {
    key(v, camel, snake)?.as_str().filter(|s| !s.is_empty())
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, obs: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let kind = obs.get("type").and_then(Value::as_str).ok_or("observation has no type")?;
        if !kind.eq_ignore_ascii_case("generation") && !kind.eq_ignore_ascii_case("embedding") {
            return Ok(()); // a span, event, tool or agent step: no model call of its own
        }
        let mut rec = RawRecord::new(0);
        let model = key_text(obs, "model", "provided_model_name").ok_or("generation has no model")?;
        set_text(&mut rec, Field::Model, model);
        set_text(
            &mut rec,
            Field::Timestamp,
            key_text(obs, "startTime", "start_time").ok_or("observation has no startTime")?,
        );
        tokens(obs, &mut rec)?;
        attribution(obs, &mut rec);
        outcome(obs, &mut rec);
        out.push(rec);
        Ok(())
    }
}

/// Token classes from `usageDetails` (uncached input), else the legacy `usage` (whole prompt).
fn tokens(obs: &Value, rec: &mut Owned) -> Result<(), String> {
    if let Some(details) =
        key(obs, "usageDetails", "usage_details").and_then(Value::as_object).filter(|d| !d.is_empty())
    {
        return usage_details(details, rec);
    }
    let usage = key(obs, "usage", "usage").ok_or("generation has no usageDetails or usage")?;
    let input = count(usage, "input")?.or(count(usage, "promptTokens")?).ok_or("usage has no input")?;
    set_num(rec, Field::InputTokens, input);
    set_num(
        rec,
        Field::OutputTokens,
        count(usage, "output")?.or(count(usage, "completionTokens")?).unwrap_or(0),
    );
    Ok(())
}

/// Langfuse counts every usage type whose name contains "input" as input and "output" as
/// output (its docs: the UI sums them that way), each type priced at its own rate. A usage
/// type that is not a count rejects the generation rather than counting as 0.
fn usage_details(d: &Map<String, Value>, rec: &mut Owned) -> Result<(), String> {
    let counts: Vec<(&str, u64)> = d
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            as_count(v)
                .map(|c| (k.as_str(), c))
                .ok_or_else(|| format!("usageDetails.{k} is not a count: {v}"))
        })
        .collect::<Result<_, String>>()?;
    let sum =
        |pred: &dyn Fn(&str) -> bool| counts.iter().filter(|(k, _)| pred(k)).map(|(_, c)| c).sum::<u64>();
    let is_read = |k: &str| k.contains("input") && (k.contains("cached") || k.contains("cache_read"));
    let is_write =
        |k: &str| k.contains("input") && (k.contains("cache_creation") || k.contains("cache_write"));
    if !d.keys().any(|k| k.contains("input")) {
        return Err("usageDetails has no input usage".into());
    }
    set_num(rec, Field::InputTokens, sum(&|k| k.contains("input")));
    set_num(rec, Field::CacheReadTokens, sum(&is_read));
    set_num(rec, Field::CacheWriteTokens, sum(&is_write));
    set_num(rec, Field::CacheWrite1hTokens, sum(&|k| is_write(k) && k.contains("1h")));
    set_num(rec, Field::OutputTokens, sum(&|k| k.contains("output")));
    set_num(rec, Field::ReasoningTokens, sum(&|k| k.contains("output") && k.contains("reasoning")));
    // The audio and image types (`input_audio_tokens`, `output_audio_tokens`, ...) are the
    // modality classes; an audio type that is also a cache read is cached audio.
    let audio = |k: &str| k.contains("audio");
    let modalities = Modalities {
        input_audio: sum(&|k| k.contains("input") && audio(k)),
        cache_audio_read: sum(&|k| is_read(k) && audio(k)),
        output_audio: sum(&|k| k.contains("output") && audio(k)),
        output_image: sum(&|k| k.contains("output") && k.contains("image")),
    };
    set_modalities(rec, modalities);
    Ok(())
}

fn attribution(obs: &Value, rec: &mut Owned) {
    let pairs = [
        (Field::RequestId, key_text(obs, "id", "id")),
        (Field::JobId, key_text(obs, "traceId", "trace_id")),
        (Field::Route, key_text(obs, "name", "name")),
        (Field::UserId, key_text(obs, "userId", "user_id")),
        (Field::Environment, key_text(obs, "environment", "environment")),
    ];
    for (field, value) in pairs {
        if let Some(v) = value {
            set_text(rec, field, v);
        }
    }
    let params = key(obs, "modelParameters", "model_parameters");
    let max = params.and_then(|p| {
        p.get("max_tokens").or_else(|| p.get("maxTokens")).or_else(|| p.get("max_output_tokens"))
    });
    if let Some(m) = max.and_then(|m| m.as_u64().or_else(|| m.as_str().and_then(|s| s.parse().ok()))) {
        set_num(rec, Field::MaxTokens, m);
    }
    let cost = key(obs, "calculatedTotalCost", "total_cost").or_else(|| obs.pointer("/costDetails/total"));
    if let Some(c) = cost.and_then(Value::as_f64) {
        rec.set(Field::CostUsd, Some(Scalar::Float(c)));
    }
}

fn outcome(obs: &Value, rec: &mut Owned) {
    let failed = key_text(obs, "level", "level").is_some_and(|l| l.eq_ignore_ascii_case("error"));
    set_text(rec, Field::Status, if failed { "error" } else { "ok" });
    if failed {
        set_text(rec, Field::ErrorType, key_text(obs, "statusMessage", "status_message").unwrap_or("error"));
    }
    let (start, end) = (key_text(obs, "startTime", "start_time"), key_text(obs, "endTime", "end_time"));
    if let (Some(s), Some(e)) = (start.and_then(rfc3339_ms), end.and_then(rfc3339_ms)) {
        if e >= s {
            rec.set(Field::LatencyMs, Some(Scalar::Float((e - s) as f64)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::int_of as n;

    fn parse(v: Value) -> Vec<Owned> {
        crate::ingest::dialect::parse_with(Parser, &v)
    }

    #[test]
    fn broken_out_cache_tokens_are_added_back_to_the_prompt() {
        let obs = serde_json::json!({"id": "g1", "traceId": "t1", "type": "GENERATION", "name": "answer", "model": "gpt-4o",
            "startTime": "2026-03-01T10:00:00.000Z", "endTime": "2026-03-01T10:00:01.500Z",
            "usageDetails": {"input": 200, "input_cached_tokens": 800, "output": 80, "output_reasoning_tokens": 20, "total": 1100}});
        let rec = &parse(obs)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (1000, 800));
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (100, 20));
        assert_eq!(rec.get(Field::LatencyMs), Some(&Scalar::Float(1500.0)));
        // Anthropic through Langfuse: cache keys named the provider's way, a 1h write among them.
        let obs = serde_json::json!({"traceId": "t", "type": "GENERATION", "model": "m", "startTime": "2026-03-01T10:00:00Z",
            "usageDetails": {"input": 10, "cache_read_input_tokens": 100, "input_cache_creation_1h": 40, "output": 5}});
        let rec = &parse(obs)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (150, 100));
        assert_eq!((n(rec, Field::CacheWriteTokens), n(rec, Field::CacheWrite1hTokens)), (40, 40));
    }

    #[test]
    fn audio_and_image_usage_types_are_the_modality_classes_r11() {
        let obs = serde_json::json!({"traceId": "t", "type": "GENERATION", "model": "gpt-4o-audio-preview",
            "startTime": "2026-03-01T10:00:00Z",
            "usageDetails": {"input": 20, "input_audio_tokens": 800, "output": 100, "output_audio_tokens": 300}});
        let rec = &parse(obs)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::InputAudioTokens)), (820, 800));
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::OutputAudioTokens)), (400, 300));
    }

    #[test]
    fn a_usage_type_that_is_not_a_count_rejects_the_generation() {
        let obs = serde_json::json!({"traceId": "t", "type": "GENERATION", "model": "m", "startTime": "2026-03-01T10:00:00Z",
            "usageDetails": {"input": 10, "input_cached_tokens": "lots", "output": 5}});
        let err = Parser.parse(&obs, &mut Vec::new()).unwrap_err();
        assert!(err.contains("usageDetails.input_cached_tokens is not a count"), "{err}");
    }

    #[test]
    fn spans_are_not_calls_and_legacy_usage_is_the_whole_prompt() {
        assert!(parse(
            serde_json::json!({"traceId": "t", "type": "SPAN", "startTime": "2026-03-01T10:00:00Z"})
        )
        .is_empty());
        let legacy = serde_json::json!({"traceId": "t", "type": "GENERATION", "model": "m", "startTime": "2026-03-01T10:00:00Z",
            "usage": {"input": 50, "output": 5, "total": 55, "unit": "TOKENS"}});
        assert_eq!(n(&parse(legacy)[0], Field::InputTokens), 50);
    }
}
