//! LiteLLM gateway logs: `StandardLoggingPayload` objects one per line (what LiteLLM's
//! logging callbacks emit) and rows of a `LiteLLM_SpendLogs` JSON export. LiteLLM reports
//! usage in OpenAI's convention whatever the provider: `prompt_tokens` INCLUDES cached and
//! cache-write tokens, which its `usage` details break out. `model_group` is the model the
//! caller asked for (the head of a fallback chain) and `trace_id` is shared by the retries
//! and fallbacks of one request, so it is the operation. `response_cost` / `spend` is
//! LiteLLM's own figure, kept for reconciliation only. Team alias → feature, end user (else
//! the SDK's `model_parameters.user`, else the API key's user) → user, first request tag → route.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{num, set_num, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "litellm",
    about: "LiteLLM StandardLoggingPayload lines and SpendLogs JSON rows (OpenAI convention: prompt_tokens \
            include cached and cache-write tokens); model_group = requested model, trace_id = operation, \
            response_cost/spend kept for reconciliation",
    recognises,
    looks_for: "startTime with response_cost or spend, and prompt_tokens",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("startTime").is_some()
        && (v.get("response_cost").is_some() || v.get("spend").is_some())
        && v.get("prompt_tokens").is_some()
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let mut rec = RawRecord::new(0);
        tokens(line, &mut rec)?;
        let model = text(line, &["model"]).filter(|m| !m.is_empty()).ok_or("no model")?;
        set_text(&mut rec, Field::Model, unprefixed(line, model));
        match &line["startTime"] {
            Value::Number(n) => rec.set(Field::Timestamp, n.as_f64().map(Scalar::Float)),
            Value::String(s) => set_text(&mut rec, Field::Timestamp, s),
            _ => return Err("startTime is neither a number nor a timestamp".into()),
        }
        let failed = matches!(text(line, &["status"]), Some("failure" | "error" | "failed"));
        set_text(&mut rec, Field::Status, if failed { "error" } else { "ok" });
        attribution(line, &mut rec);
        if let Some(cost) = line.get("response_cost").or_else(|| line.get("spend")).and_then(Value::as_f64) {
            rec.set(Field::CostUsd, Some(Scalar::Float(cost)));
        }
        if line.get("cache_hit").and_then(Value::as_bool) == Some(true) {
            rec.set(Field::CacheHit, Some(Scalar::Bool(true)));
        }
        out.push(rec);
        Ok(())
    }
}

/// Prompt tokens already include cache reads and writes; the details say how many. LiteLLM
/// writes the Anthropic counts at the top of `usage` (`cache_read_input_tokens`,
/// `cache_creation_input_tokens`) and the OpenAI-style ones in `prompt_tokens_details`
/// (`cached_tokens`, `cache_write_tokens` or its mirror `cache_creation_tokens`, and
/// `cache_creation_token_details` with the `ephemeral_5m`/`_1h` split of the writes).
fn tokens(line: &Value, rec: &mut Owned) -> Result<(), String> {
    let usage = &line["response"]["usage"];
    let details = &usage["prompt_tokens_details"];
    let input =
        num(line, &["prompt_tokens"]).or_else(|| num(usage, &["prompt_tokens"])).ok_or("no prompt_tokens")?;
    let output =
        num(line, &["completion_tokens"]).or_else(|| num(usage, &["completion_tokens"])).unwrap_or(0);
    let read = num(usage, &["cache_read_input_tokens"]).or_else(|| num(details, &["cached_tokens"]));
    let split = [&details["cache_creation_token_details"], &usage["cache_creation_token_details"]]
        .into_iter()
        .find(|d| d.is_object());
    let ephemeral = |key: &str| split.and_then(|d| num(d, &[key]));
    // The split's own sum when no total is written (30-minute and 12-hour writes, which no
    // price table distinguishes, count as writes at the 5-minute rate).
    let split_sum = split.map(|_| {
        [
            "ephemeral_5m_input_tokens",
            "ephemeral_30m_input_tokens",
            "ephemeral_1h_input_tokens",
            "ephemeral_12h_input_tokens",
        ]
        .iter()
        .filter_map(|k| ephemeral(k))
        .sum::<u64>()
    });
    let write = num(usage, &["cache_creation_input_tokens"])
        .or_else(|| num(details, &["cache_write_tokens"]))
        .or_else(|| num(details, &["cache_creation_tokens"]))
        .or(split_sum);
    set_num(rec, Field::InputTokens, input);
    set_num(rec, Field::OutputTokens, output);
    set_num(rec, Field::CacheReadTokens, read.unwrap_or(0));
    set_num(rec, Field::CacheWriteTokens, write.unwrap_or(0));
    if let Some(h) = ephemeral("ephemeral_1h_input_tokens") {
        set_num(rec, Field::CacheWrite1hTokens, h);
    }
    if let Some(r) = num(usage, &["completion_tokens_details", "reasoning_tokens"]) {
        set_num(rec, Field::ReasoningTokens, r);
    }
    Ok(())
}

/// A model name without the `provider/` prefix LiteLLM's Router writes (`openai/gpt-4o`) when
/// it names the call's own `custom_llm_provider`, so the call groups with `gpt-4o`; the
/// provider is kept in its own field.
fn unprefixed<'v>(line: &Value, model: &'v str) -> &'v str {
    let provider = text(line, &["custom_llm_provider"]).filter(|p| !p.is_empty());
    match (provider, model.split_once('/')) {
        (Some(p), Some((prefix, rest))) if prefix.eq_ignore_ascii_case(p) && !rest.is_empty() => rest,
        _ => model,
    }
}

fn attribution(line: &Value, rec: &mut Owned) {
    let meta = &line["metadata"];
    let pairs = [
        (Field::Provider, text(line, &["custom_llm_provider"])),
        (Field::RequestedModel, text(line, &["model_group"]).map(|m| unprefixed(line, m))),
        (Field::OperationId, text(line, &["trace_id"])),
        (Field::RequestId, text(line, &["id"]).or_else(|| text(line, &["request_id"]))),
        (
            Field::UserId,
            // The proxy's end user, else the `user=` the SDK was called with, else the key's owner.
            text(line, &["end_user"])
                .filter(|u| !u.is_empty())
                .or_else(|| text(line, &["model_parameters", "user"]))
                .or_else(|| text(meta, &["user_api_key_user_id"]))
                .or_else(|| text(line, &["user"])),
        ),
        (Field::Feature, text(meta, &["user_api_key_team_alias"]).or_else(|| text(line, &["team_id"]))),
        (Field::Route, line["request_tags"][0].as_str()),
        (Field::FinishReason, line["response"]["choices"][0]["finish_reason"].as_str()),
    ];
    for (field, value) in pairs {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            set_text(rec, field, v);
        }
    }
}
