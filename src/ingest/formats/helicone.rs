//! Helicone request exports: the rows its request API returns (`{"data": [...], "error":
//! null}`) or exported one per line. Helicone stores usage flattened: `prompt_tokens`,
//! `completion_tokens`, `prompt_cache_read_tokens`, `prompt_cache_write_tokens`,
//! `prompt_audio_tokens`, and its cost code (packages/cost `costOfPrompt`) prices each at its
//! own rate — `prompt_tokens` are "the fresh, uncached tokens" — so the prompt is prompt +
//! cache reads + cache writes + audio, whatever the provider. `request_model` is what the
//! caller asked for, `model`/`response_model` what served it. The HTTP status decides failure;
//! a Helicone cache hit (`cache_reference_id`) cost nothing; `cost_usd` is Helicone's
//! own figure, kept for reconciliation. Custom properties: `Helicone-Property-Route`/`-Feature`
//! /`-Environment` (any case, prefix optional) fill the matching fields.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{count, set_modalities, set_num, set_text, text, Modalities};

pub const DIALECT: Dialect = Dialect {
    name: "helicone",
    about: "Helicone request exports (API pages or lines): prompt_tokens EXCLUDE prompt_cache_read/write_tokens, \
            added back; request_model = requested model; response_status decides failure; cost kept for reconciliation",
    recognises,
    looks_for: "a request row with request_id, request_created_at and prompt_tokens",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("request_id").is_some() && v.get("request_created_at").is_some() && v.get("prompt_tokens").is_some()
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, row: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let mut rec = RawRecord::new(0);
        let served = ["model", "response_model", "model_override", "request_model"]
            .iter()
            .find_map(|k| text(row, &[k]).filter(|m| !m.is_empty()));
        set_text(&mut rec, Field::Model, served.ok_or("request has no model")?);
        let created = text(row, &["request_created_at"]).ok_or("request has no request_created_at")?;
        set_text(&mut rec, Field::Timestamp, &utc(created));
        tokens(row, &mut rec)?;
        attribution(row, &mut rec);
        outcome(row, &mut rec)?;
        out.push(rec);
        Ok(())
    }
}

/// Helicone's ClickHouse rows write UTC as `2026-03-01 10:00:00.000`, with no zone: say it.
fn utc(t: &str) -> String {
    let t = t.trim().to_string();
    let zoned = t.ends_with('Z') || t.rfind(['+', '-']).is_some_and(|i| i > 10);
    if zoned {
        t
    } else {
        format!("{t}Z")
    }
}

fn tokens(row: &Value, rec: &mut Owned) -> Result<(), String> {
    let fresh = count(row, "prompt_tokens")?.ok_or("request has no prompt_tokens")?;
    let n = |key: &str| count(row, key).map(|c| c.unwrap_or(0));
    let (read, write) = (n("prompt_cache_read_tokens")?, n("prompt_cache_write_tokens")?);
    // Audio is billed beside the text tokens too, at the audio rates where a table has them.
    let (audio_in, audio_out) = (n("prompt_audio_tokens")?, n("completion_audio_tokens")?);
    set_num(rec, Field::InputTokens, fresh + read + write + audio_in);
    set_num(rec, Field::CacheReadTokens, read);
    set_num(rec, Field::CacheWriteTokens, write);
    // Newer rows keep reasoning out of completion_tokens in a column of its own; older rows
    // have no such column and counted it inside. The sum is the whole completion either way.
    let reasoning = n("reasoning_tokens")?;
    set_num(rec, Field::OutputTokens, n("completion_tokens")? + audio_out + reasoning);
    set_num(rec, Field::ReasoningTokens, reasoning);
    let m = Modalities { input_audio: audio_in, output_audio: audio_out, ..Modalities::default() };
    set_modalities(rec, m);
    Ok(())
}

fn attribution(row: &Value, rec: &mut Owned) {
    let props = row.get("request_properties").or_else(|| row.get("properties"));
    let prop = |name: &str| {
        props?.as_object()?.iter().find_map(|(k, v)| {
            let k = k.to_ascii_lowercase();
            let k = k.strip_prefix("helicone-property-").unwrap_or(&k);
            (k == name).then(|| v.as_str()).flatten()
        })
    };
    let pairs = [
        (Field::RequestId, text(row, &["request_id"])),
        (Field::RequestedModel, text(row, &["request_model"])),
        (Field::UserId, text(row, &["request_user_id"]).or_else(|| text(row, &["user_id"]))),
        (Field::JobId, text(row, &["session_id"]).or_else(|| prop("helicone-session-id"))),
        (Field::Route, prop("route")),
        (Field::Feature, prop("feature")),
        (Field::Environment, prop("environment")),
    ];
    for (field, value) in pairs {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            set_text(rec, field, v);
        }
    }
    // Helicone writes providers in capitals (`OPENAI`); the price tables name them in lower case.
    if let Some(p) = text(row, &["provider"]).filter(|p| !p.is_empty()) {
        set_text(rec, Field::Provider, &p.to_ascii_lowercase());
    }
    // Only `cost_usd`: Helicone's ClickHouse keeps `cost` multiplied by 1e9, so a bare `cost`
    // cannot be told from dollars.
    if let Some(c) = row.get("cost_usd").and_then(Value::as_f64) {
        rec.set(Field::CostUsd, Some(Scalar::Float(c)));
    }
}

fn outcome(row: &Value, rec: &mut Owned) -> Result<(), String> {
    // ClickHouse writes 64-bit numbers as quoted strings in JSON: `count` reads both.
    if let Some(status) = count(row, "response_status")? {
        set_num(rec, Field::HttpStatus, status);
        set_text(rec, Field::Status, if status >= 400 || status == 0 { "error" } else { "ok" });
    }
    if let Some(v) = row.get("latency").or_else(|| row.get("delay_ms")).filter(|v| !v.is_null()) {
        let ms = v
            .as_f64()
            .or_else(|| v.as_str()?.trim().parse().ok())
            .ok_or_else(|| format!("latency is not a number: {v}"))?;
        rec.set(Field::LatencyMs, Some(Scalar::Float(ms)));
    }
    if text(row, &["cache_reference_id"])
        .is_some_and(|id| !id.is_empty() && id != "00000000-0000-0000-0000-000000000000")
    {
        rec.set(Field::CacheHit, Some(Scalar::Bool(true)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::int_of as n;

    #[test]
    fn cache_tokens_are_added_back_to_the_prompt() {
        let row = serde_json::json!({"request_id": "r1", "request_created_at": "2026-03-01 10:00:00.000", "response_status": 200,
            "model": "claude-sonnet-4-5-20250929", "provider": "ANTHROPIC", "prompt_tokens": 100, "completion_tokens": 50,
            "prompt_cache_read_tokens": 1000, "prompt_cache_write_tokens": 200, "reasoning_tokens": 30, "cost": 0.0123,
            "request_properties": {"Helicone-Property-Route": "summarise"}});
        let mut out = Vec::new();
        Parser.parse(&row, &mut out).unwrap();
        let rec = &out[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)),
            (1300, 1000, 200)
        );
        assert_eq!(
            (n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)),
            (80, 30),
            "reasoning beside completion"
        );
        assert_eq!(rec.get(Field::Provider), Some(&Scalar::Str("anthropic".into())));
        assert_eq!(rec.get(Field::Route), Some(&Scalar::Str("summarise".into())));
        assert_eq!(rec.get(Field::Timestamp), Some(&Scalar::Str("2026-03-01 10:00:00.000Z".into())));
        assert_eq!(utc("2026-03-01T10:00:00+02:00"), "2026-03-01T10:00:00+02:00");
    }

    #[test]
    fn audio_and_quoted_numbers_count_and_bad_ones_reject() {
        // ClickHouse quotes 64-bit numbers; audio is billed beside the text prompt.
        let row = serde_json::json!({"request_id": "r", "request_created_at": "2026-03-01 10:00:00", "model": "gpt-4o",
            "prompt_tokens": "100", "prompt_audio_tokens": 20, "completion_tokens": 7, "completion_audio_tokens": 3,
            "response_status": "429", "delay_ms": "250"});
        let mut out = Vec::new();
        Parser.parse(&row, &mut out).unwrap();
        assert_eq!(
            (n(&out[0], Field::InputTokens), n(&out[0], Field::OutputTokens), n(&out[0], Field::HttpStatus)),
            (120, 10, 429)
        );
        assert_eq!(out[0].get(Field::Status), Some(&Scalar::Str("error".into())));
        assert_eq!(out[0].get(Field::LatencyMs), Some(&Scalar::Float(250.0)));
        let bad = serde_json::json!({"request_id": "r", "request_created_at": "2026-03-01 10:00:00", "model": "gpt-4o",
            "prompt_tokens": 100, "prompt_cache_read_tokens": "n/a"});
        let err = Parser.parse(&bad, &mut Vec::new()).unwrap_err();
        assert!(err.contains("prompt_cache_read_tokens is not a count"), "{err}");
    }
}
