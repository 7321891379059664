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
