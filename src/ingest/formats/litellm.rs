//! LiteLLM gateway logs: `StandardLoggingPayload` objects one per line (what LiteLLM's
//! logging callbacks emit) and rows of a `LiteLLM_SpendLogs` JSON export. LiteLLM reports
//! usage in OpenAI's convention whatever the provider: `prompt_tokens` INCLUDES cached and
//! cache-write tokens, which its `usage` details break out. `model_group` is the Router group
//! that served the call: the group asked for, except after a Router fallback, when it is the
//! fallback's group and the success payload does not name the group first asked for (LiteLLM
//! 1.110 keeps `original_model_group` out of the payload); it says only that a fallback
//! happened, in `hidden_params.additional_headers["x-litellm-attempted-fallbacks"]`. Such a
//! call is recorded as requested by `FALLBACK_FROM_UNKNOWN`, so a log of successes alone still
//! counts the fallback. `trace_id` is shared by the retries and fallbacks of one request, so it
//! is the operation (whose first attempt, when failures are logged too, names the group asked
//! for). `response_cost` / `spend` is
//! LiteLLM's own figure, kept for reconciliation only. Team alias → feature, end user (else
//! the SDK's `model_parameters.user`, else the API key's user) → user, first request tag → route.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{num, set_modalities, set_num, set_text, text, Modalities};

pub const DIALECT: Dialect = Dialect {
    name: "litellm",
    about: "LiteLLM StandardLoggingPayload lines and SpendLogs JSON rows (OpenAI convention: prompt_tokens \
            include cached and cache-write tokens); model_group = requested model unless the Router fell \
            back (x-litellm-attempted-fallbacks), trace_id = operation, response_cost/spend kept for \
            reconciliation",
    recognises,
    looks_for: "startTime with response_cost or spend, and prompt_tokens",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("startTime").is_some()
        && (v.get("response_cost").is_some() || v.get("spend").is_some())
        && v.get("prompt_tokens").is_some()
}

/// The requested model of a call LiteLLM's Router served after a fallback from a group its
/// payload does not name.
pub const FALLBACK_FROM_UNKNOWN: &str = "(unknown: LiteLLM fallback)";

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
    // Audio in the OpenAI-style details (the uncached audio at most the uncached prompt, as
    // the details do not say which cached tokens were audio); Gemini's image output as
    // LiteLLM maps it, `completion_tokens_details.image_tokens`.
    let uncached = input.saturating_sub(read.unwrap_or(0)).saturating_sub(write.unwrap_or(0));
    let out_details = &usage["completion_tokens_details"];
    let output_audio = num(out_details, &["audio_tokens"]).unwrap_or(0).min(output);
    let modalities = Modalities {
        input_audio: num(details, &["audio_tokens"]).unwrap_or(0).min(uncached),
        output_audio,
        // Within completion_tokens, as LiteLLM's Gemini usage counts them.
        output_image: num(out_details, &["image_tokens"]).unwrap_or(0).min(output - output_audio),
        ..Modalities::default()
    };
    set_modalities(rec, modalities);
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

/// Whether the Router served this call after falling back from another group: its headers
/// count the fallbacks attempted (a number, or digits in a string).
fn fell_back(line: &Value) -> bool {
    let n = &line["hidden_params"]["additional_headers"]["x-litellm-attempted-fallbacks"];
    n.as_u64().or_else(|| n.as_str().and_then(|s| s.trim().parse().ok())).is_some_and(|n| n > 0)
}

fn attribution(line: &Value, rec: &mut Owned) {
    let meta = &line["metadata"];
    let requested = match fell_back(line) {
        true => Some(FALLBACK_FROM_UNKNOWN),
        false => text(line, &["model_group"]).map(|m| unprefixed(line, m)),
    };
    let pairs = [
        (Field::Provider, text(line, &["custom_llm_provider"])),
        (Field::RequestedModel, requested),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::int_of as n;
    use crate::ingest::record::str_of as s;

    fn parse(v: Value) -> Vec<Owned> {
        crate::ingest::dialect::parse_with(Parser, &v)
    }

    #[test]
    fn an_anthropic_call_is_in_openai_convention_with_its_1h_writes() {
        // Asked for the group "gpt-4o", served by Claude after a fallback. LiteLLM's
        // prompt_tokens 5210 already hold the 5000 cache reads and 200 writes (10 fresh): the
        // prompt is 5210, not 5210 + 5200. Of the 200 written, 150 are 1-hour writes.
        let v = serde_json::json!({"id": "chatcmpl-l1", "trace_id": "trace-1", "call_type": "acompletion",
            "startTime": 1772359200.25, "endTime": 1772359201.0, "status": "success",
            "model": "claude-sonnet-4-5-20250929", "model_group": "gpt-4o", "custom_llm_provider": "anthropic",
            "prompt_tokens": 5210, "completion_tokens": 64, "total_tokens": 5274, "response_cost": 0.0123,
            "metadata": {"user_api_key_team_alias": "search-team", "user_api_key_user_id": "key-owner"},
            "end_user": "", "model_parameters": {"user": "u-42"}, "request_tags": ["summarise", "beta"],
            "response": {"choices": [{"finish_reason": "stop"}], "usage": {"prompt_tokens": 5210, "completion_tokens": 64,
                "cache_read_input_tokens": 5000, "cache_creation_input_tokens": 200,
                "prompt_tokens_details": {"cached_tokens": 5000,
                    "cache_creation_token_details": {"ephemeral_5m_input_tokens": 50, "ephemeral_1h_input_tokens": 150}}}}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (5210, 5000));
        assert_eq!((n(rec, Field::CacheWriteTokens), n(rec, Field::CacheWrite1hTokens)), (200, 150));
        assert_eq!(n(rec, Field::OutputTokens), 64);
        assert_eq!(
            (s(rec, Field::Model), s(rec, Field::RequestedModel)),
            ("claude-sonnet-4-5-20250929", "gpt-4o")
        );
        assert_eq!(
            rec.get(Field::CostUsd),
            Some(&Scalar::Float(0.0123)),
            "LiteLLM's own cost, kept as logged"
        );
        assert_eq!(rec.get(Field::Timestamp), Some(&Scalar::Float(1772359200.25)));
        assert_eq!((s(rec, Field::Provider), s(rec, Field::Status)), ("anthropic", "ok"));
        assert_eq!((s(rec, Field::OperationId), s(rec, Field::RequestId)), ("trace-1", "chatcmpl-l1"));
        // An empty end_user falls to the SDK's user=; the first tag is the route.
        assert_eq!(
            (s(rec, Field::UserId), s(rec, Field::Route), s(rec, Field::Feature)),
            ("u-42", "summarise", "search-team")
        );
        assert_eq!(s(rec, Field::FinishReason), "stop");
    }

    #[test]
    fn audio_and_image_tokens_from_the_usage_details_r11() {
        let v = serde_json::json!({"id": "c1", "startTime": 1772359200, "status": "success",
            "model": "gemini-2.5-flash-image", "prompt_tokens": 120, "completion_tokens": 1300,
            "response": {"usage": {"prompt_tokens": 120, "completion_tokens": 1300,
                "prompt_tokens_details": {"audio_tokens": 100, "cached_tokens": 0},
                "completion_tokens_details": {"audio_tokens": 0, "image_tokens": 1290}}}});
        let rec = &parse(v)[0];
        assert_eq!(n(rec, Field::InputAudioTokens), 100);
        assert_eq!(n(rec, Field::OutputImageTokens), 1290);
    }

    #[test]
    fn an_openai_call_reads_cached_tokens_from_the_details_and_drops_the_router_prefix() {
        // 3000 prompt tokens including 2048 cached: 3000 in, 2048 read; 100 out of which 30
        // reasoning. No split written: no 1-hour figure at all (not a guessed 0).
        let v = serde_json::json!({"id": "c2", "trace_id": "t2", "startTime": "2026-03-01T10:00:00Z", "status": "success",
            "model": "openai/gpt-4o", "model_group": "openai/gpt-4o", "custom_llm_provider": "openai",
            "prompt_tokens": 3000, "completion_tokens": 100, "response_cost": 0.00561, "cache_hit": false,
            "response": {"usage": {"prompt_tokens": 3000, "completion_tokens": 100,
                "prompt_tokens_details": {"cached_tokens": 2048}, "completion_tokens_details": {"reasoning_tokens": 30}}}});
        let rec = &parse(v)[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)),
            (3000, 2048, 0)
        );
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (100, 30));
        assert_eq!(rec.get(Field::CacheWrite1hTokens), None);
        assert_eq!((s(rec, Field::Model), s(rec, Field::RequestedModel)), ("gpt-4o", "gpt-4o"));
        assert_eq!(s(rec, Field::Timestamp), "2026-03-01T10:00:00Z");
        assert_eq!(rec.get(Field::CacheHit), None, "cache_hit false is not a hit");
        // A prefix naming another provider is part of the name: kept.
        let v = serde_json::json!({"startTime": 1.0, "response_cost": 0.0, "prompt_tokens": 1, "model": "azure/gpt-4o",
            "custom_llm_provider": "openai"});
        assert_eq!(s(&parse(v)[0], Field::Model), "azure/gpt-4o");
    }

    #[test]
    fn a_router_fallback_success_is_requested_from_an_unknown_group_r20() {
        // As LiteLLM 1.110's Router logs the success of a fallback (fixtures/formats/real-libs):
        // model_group is the fallback's group, and only the attempted-fallbacks header tells.
        let headers = |n: Value| {
            serde_json::json!({"startTime": 1.0, "response_cost": 0.0, "prompt_tokens": 1,
                "model": "openai/gpt-4o-mini", "model_group": "gpt-4o-mini", "custom_llm_provider": "openai",
                "hidden_params": {"additional_headers": {"x-litellm-model-group": "gpt-4o-mini",
                    "x-litellm-attempted-retries": 0, "x-litellm-attempted-fallbacks": n}}})
        };
        let requested = |n: Value| s(&parse(headers(n))[0], Field::RequestedModel).to_string();
        assert_eq!(requested(serde_json::json!(1)), FALLBACK_FROM_UNKNOWN);
        assert_eq!(requested(serde_json::json!("2")), FALLBACK_FROM_UNKNOWN);
        // No fallback attempted: the group served is the group asked for.
        assert_eq!(requested(serde_json::json!(0)), "gpt-4o-mini");
        assert_eq!(requested(Value::Null), "gpt-4o-mini");
    }

    #[test]
    fn a_spend_logs_row_with_only_the_write_split_sums_it() {
        // A SpendLogs row: spend is the logged cost, status failure is an error. No write total
        // is written, only the split under usage: 100 (5m) + 40 (30m) + 300 (1h) = 440 writes,
        // 300 of them 1-hour. prompt_tokens 1000 already hold them, so the prompt stays 1000.
        let v = serde_json::json!({"request_id": "sl-1", "startTime": "2026-03-01 10:00:00", "spend": 0.5, "status": "failure",
            "model": "claude-opus-4-1", "custom_llm_provider": "anthropic", "prompt_tokens": 1000, "completion_tokens": 0,
            "team_id": "team-7", "user": "alice",
            "response": {"usage": {"cache_creation_token_details": {"ephemeral_5m_input_tokens": 100,
                "ephemeral_30m_input_tokens": 40, "ephemeral_1h_input_tokens": 300}}}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (1000, 0));
        assert_eq!((n(rec, Field::CacheWriteTokens), n(rec, Field::CacheWrite1hTokens)), (440, 300));
        assert_eq!(rec.get(Field::CostUsd), Some(&Scalar::Float(0.5)));
        assert_eq!((s(rec, Field::Status), s(rec, Field::RequestId)), ("error", "sl-1"));
        assert_eq!((s(rec, Field::Feature), s(rec, Field::UserId)), ("team-7", "alice"));
        assert_eq!(rec.get(Field::RequestedModel), None, "no model_group: nothing was asked for by name");
    }
}
