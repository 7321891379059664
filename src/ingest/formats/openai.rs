//! OpenAI responses as logged one per line: Chat Completions objects (`object:
//! "chat.completion"`), Responses objects (`object: "response"`), and Batch API output lines
//! (`{custom_id, response: {status_code, body}, error}`, priced at batch rates). Usage follows
//! OpenAI's convention: prompt/input tokens INCLUDE cached tokens; reasoning is within output.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{self, num, set_num, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "openai",
    about: "OpenAI chat.completion / response objects and Batch API output lines (OpenAI convention: \
            prompt_tokens include cached_tokens; reasoning within completion; batch lines at batch rates)",
    recognises,
    looks_for:
        "an object of type chat.completion or response with usage, or a batch line {custom_id, response}",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    let object = text(v, &["object"]);
    (matches!(object, Some("chat.completion" | "response")) && v.get("usage").is_some())
        || (v.get("custom_id").is_some() && (v.get("response").is_some() || v.get("error").is_some()))
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        if line.get("custom_id").is_some() {
            return batch_line(line, out);
        }
        let mut rec = response(line)?;
        set_text(&mut rec, Field::Status, "ok");
        out.push(rec);
        Ok(())
    }
}

/// One Batch API output line: a response body, or an error (not billed).
fn batch_line(line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
    let status = num(line, &["response", "status_code"]).unwrap_or(0);
    let body = &line["response"]["body"];
    let mut rec = if status == 200 && body.get("usage").is_some() { response(body)? } else { failed(body) };
    rec.set(Field::Batch, Some(Scalar::Bool(true)));
    if status != 0 {
        set_num(&mut rec, Field::HttpStatus, status);
    }
    let ok = status == 200 && line["error"].is_null();
    set_text(&mut rec, Field::Status, if ok { "ok" } else { "error" });
    if let Some(code) = text(line, &["error", "code"]) {
        set_text(&mut rec, Field::ErrorType, code);
    }
    let id = text(line, &["response", "request_id"]).or_else(|| text(line, &["custom_id"]));
    if let Some(id) = id {
        set_text(&mut rec, Field::RequestId, id);
    }
    out.push(rec);
    Ok(())
}

/// A chat.completion or response object with usage.
fn response(body: &Value) -> Result<Owned, String> {
    let mut rec = RawRecord::new(0);
    let usage = &body["usage"];
    if usage.get("prompt_tokens").is_some() {
        usage::openai_chat(usage, &mut rec)?;
    } else {
        usage::openai_responses(usage, &mut rec)?;
    }
    set_text(&mut rec, Field::Provider, "openai");
    let model = text(body, &["model"]).ok_or("response has no model")?;
    set_text(&mut rec, Field::Model, model);
    if let Some(t) = num(body, &["created"]).or_else(|| num(body, &["created_at"])) {
        set_num(&mut rec, Field::Timestamp, t);
    }
    if let Some(id) = text(body, &["id"]) {
        set_text(&mut rec, Field::RequestId, id);
    }
    if let Some(tier) = text(body, &["service_tier"]) {
        set_text(&mut rec, Field::ServiceTier, tier);
    }
    if let Some(reason) = body["choices"][0]["finish_reason"].as_str() {
        set_text(&mut rec, Field::FinishReason, reason);
    }
    Ok(rec)
}

/// A failed request: no usage, nothing billed; kept so failures are counted.
fn failed(body: &Value) -> Owned {
    let mut rec = RawRecord::new(0);
    set_num(&mut rec, Field::InputTokens, 0);
    set_num(&mut rec, Field::OutputTokens, 0);
    set_text(&mut rec, Field::Provider, "openai");
    set_text(&mut rec, Field::Model, text(body, &["model"]).unwrap_or("unknown"));
    rec
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
    fn chat_prompt_tokens_already_include_the_cached_ones() {
        // 1200 prompt tokens of which 1000 cached: the prompt stays 1200 (not 2200), 1000 of
        // them read from cache. 90 completion tokens of which 60 reasoning: output stays 90.
        let v = serde_json::json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600,
            "model": "gpt-4o-2024-08-06", "service_tier": "default",
            "choices": [{"index": 0, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 1200, "completion_tokens": 90, "total_tokens": 1290,
                "prompt_tokens_details": {"cached_tokens": 1000}, "completion_tokens_details": {"reasoning_tokens": 60}}});
        let out = parse(v);
        assert_eq!(out.len(), 1);
        let rec = &out[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)),
            (1200, 1000, 0)
        );
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (90, 60));
        assert_eq!(n(rec, Field::Timestamp), 1767225600);
        assert_eq!(
            (s(rec, Field::Model), s(rec, Field::Provider), s(rec, Field::Status)),
            ("gpt-4o-2024-08-06", "openai", "ok")
        );
        assert_eq!((s(rec, Field::RequestId), s(rec, Field::FinishReason)), ("chatcmpl-1", "length"));
        assert_eq!(s(rec, Field::ServiceTier), "default");
        assert_eq!(rec.get(Field::Batch), None, "a plain response is not a batch call");
    }

    #[test]
    fn responses_api_input_tokens_include_cached_and_output_includes_reasoning() {
        // Responses usage: input 5000 with 4096 cached -> input 5000, cache read 4096;
        // output 300 with 250 reasoning -> output 300. created_at dates it.
        let v = serde_json::json!({"id": "resp_1", "object": "response", "created_at": 1767229200, "model": "o3-2025-04-16",
            "usage": {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 4096},
                "output_tokens": 300, "output_tokens_details": {"reasoning_tokens": 250}, "total_tokens": 5300}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (5000, 4096));
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (300, 250));
        assert_eq!(n(rec, Field::Timestamp), 1767229200);
        assert_eq!((s(rec, Field::Model), s(rec, Field::RequestId)), ("o3-2025-04-16", "resp_1"));
        // A Responses object without output_tokens cannot be billed: refused, not read as 0.
        let bad = serde_json::json!({"object": "response", "model": "o3", "usage": {"input_tokens": 10}});
        let err = Parser.parse(&bad, &mut Vec::new()).unwrap_err();
        assert!(err.contains("output_tokens"), "{err}");
    }

    #[test]
    fn a_batch_output_line_is_a_batch_call_keyed_by_its_request() {
        // Same convention inside response.body: 2000 prompt incl. 1500 cached; 40 completion.
        let v = serde_json::json!({"id": "batch_req_1", "custom_id": "task-7",
            "response": {"status_code": 200, "request_id": "req_abc",
                "body": {"id": "chatcmpl-9", "object": "chat.completion", "created": 1767225600, "model": "gpt-4o-mini",
                    "choices": [{"finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 2000, "completion_tokens": 40, "prompt_tokens_details": {"cached_tokens": 1500}}}},
            "error": null});
        let rec = &parse(v)[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::OutputTokens)),
            (2000, 1500, 40)
        );
        assert_eq!(rec.get(Field::Batch), Some(&Scalar::Bool(true)));
        assert_eq!(n(rec, Field::HttpStatus), 200);
        assert_eq!(s(rec, Field::Status), "ok");
        // The line's request_id wins over the body's id; the model is the body's.
        assert_eq!((s(rec, Field::RequestId), s(rec, Field::Model)), ("req_abc", "gpt-4o-mini"));
    }

    #[test]
    fn a_failed_batch_line_is_an_unbilled_error() {
        // An HTTP 400 body: no usage, so 0 tokens in and out, counted as an error.
        let v = serde_json::json!({"id": "batch_req_2", "custom_id": "task-8",
            "response": {"status_code": 400, "request_id": "req_def",
                "body": {"error": {"message": "bad", "type": "invalid_request_error"}}},
            "error": null});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::OutputTokens)), (0, 0));
        assert_eq!((s(rec, Field::Status), n(rec, Field::HttpStatus)), ("error", 400));
        assert_eq!(rec.get(Field::Batch), Some(&Scalar::Bool(true)));
        assert_eq!((s(rec, Field::Model), s(rec, Field::RequestId)), ("unknown", "req_def"));
        // An expired request: no response at all, the error's code kept, keyed by custom_id.
        let v = serde_json::json!({"id": "batch_req_3", "custom_id": "task-9", "response": null,
            "error": {"code": "batch_expired", "message": "expired"}});
        let rec = &parse(v)[0];
        assert_eq!((s(rec, Field::Status), s(rec, Field::ErrorType)), ("error", "batch_expired"));
        assert_eq!(rec.get(Field::HttpStatus), None, "no status code was written");
        assert_eq!(s(rec, Field::RequestId), "task-9");
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::OutputTokens)), (0, 0));
    }
}
