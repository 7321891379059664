//! Anthropic Messages API responses logged one per line (`type: "message"` with `usage`), and
//! Message Batches results (`{custom_id, result: {type, message}}`, priced at batch rates).
//! Usage follows Anthropic's convention: `input_tokens` EXCLUDES cache reads and writes (see
//! `usage::anthropic`). Responses carry no time: they are priced at `--price-as-of`, or at
//! the newest prices, and counted as untimed.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{self, set_num, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "anthropic",
    about: "Anthropic Messages responses and Message Batches results (Anthropic convention: input_tokens \
            excludes cache reads/writes; cache_creation 5m/1h split); no timestamps: priced as of --price-as-of",
    recognises,
    looks_for: "a type \"message\" with usage, or a batch result {custom_id, result}",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    (text(v, &["type"]) == Some("message") && v.get("usage").is_some())
        || (v.get("custom_id").is_some() && v.get("result").is_some())
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let Some(result) = line.get("result") else {
            out.push(message(line)?);
            return Ok(());
        };
        let mut rec = match text(result, &["type"]) {
            Some("succeeded") => message(&result["message"])?,
            other => {
                // errored / canceled / expired requests are not billed.
                let mut rec = RawRecord::new(0);
                set_num(&mut rec, Field::InputTokens, 0);
                set_num(&mut rec, Field::OutputTokens, 0);
                set_text(&mut rec, Field::Model, text(line, &["params", "model"]).unwrap_or("unknown"));
                set_text(&mut rec, Field::Status, "error");
                set_text(&mut rec, Field::ErrorType, other.unwrap_or("unknown"));
                rec
            }
        };
        rec.set(Field::Batch, Some(Scalar::Bool(true)));
        if let Some(id) = text(line, &["custom_id"]) {
            set_text(&mut rec, Field::RequestId, id);
        }
        set_text(&mut rec, Field::Provider, "anthropic");
        out.push(rec);
        Ok(())
    }
}

fn message(m: &Value) -> Result<Owned, String> {
    let mut rec = RawRecord::new(0);
    usage::anthropic(&m["usage"], &mut rec)?;
    set_text(&mut rec, Field::Provider, "anthropic");
    set_text(&mut rec, Field::Model, text(m, &["model"]).ok_or("message has no model")?);
    set_text(&mut rec, Field::Status, "ok");
    if let Some(id) = text(m, &["id"]) {
        set_text(&mut rec, Field::RequestId, id);
    }
    if let Some(reason) = text(m, &["stop_reason"]) {
        set_text(&mut rec, Field::FinishReason, reason);
    }
    Ok(rec)
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
    fn input_tokens_exclude_cache_so_reads_and_writes_are_added() {
        // 12 uncached + 3000 read + 700 written = 3712 prompt tokens; of the 700 written,
        // 200 are 1-hour writes (the other 500 are 5-minute ones).
        let v = serde_json::json!({"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 12, "cache_read_input_tokens": 3000, "cache_creation_input_tokens": 700,
                "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 200}, "output_tokens": 45}});
        let out = parse(v);
        assert_eq!(out.len(), 1);
        let rec = &out[0];
        assert_eq!(n(rec, Field::InputTokens), 3712);
        assert_eq!((n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)), (3000, 700));
        assert_eq!(n(rec, Field::CacheWrite1hTokens), 200);
        assert_eq!(n(rec, Field::OutputTokens), 45);
        assert_eq!((s(rec, Field::Provider), s(rec, Field::Status)), ("anthropic", "ok"));
        assert_eq!((s(rec, Field::RequestId), s(rec, Field::FinishReason)), ("msg_01", "end_turn"));
        assert_eq!(rec.get(Field::Timestamp), None, "a response carries no time");
        assert_eq!(rec.get(Field::Batch), None);
    }

    #[test]
    fn without_the_split_every_write_is_a_five_minute_write() {
        // 100 uncached + 0 read + 400 written = 500; no cache_creation object: 0 of them 1-hour.
        let v = serde_json::json!({"id": "msg_02", "type": "message", "model": "claude-haiku-4-5",
            "usage": {"input_tokens": 100, "cache_creation_input_tokens": 400, "output_tokens": 7}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (500, 0));
        assert_eq!((n(rec, Field::CacheWriteTokens), n(rec, Field::CacheWrite1hTokens)), (400, 0));
        // Plain usage, no cache at all: the prompt is input_tokens alone.
        let v = serde_json::json!({"type": "message", "model": "m", "usage": {"input_tokens": 9, "output_tokens": 3}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheWriteTokens)), (9, 0));
    }

    #[test]
    fn a_succeeded_batch_result_is_a_batch_call_keyed_by_custom_id() {
        // 5 uncached + 1000 read + 0 written = 1005.
        let v = serde_json::json!({"custom_id": "row-17", "result": {"type": "succeeded", "message": {
            "id": "msg_b1", "type": "message", "model": "claude-opus-4-1", "stop_reason": "max_tokens",
            "usage": {"input_tokens": 5, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 0, "output_tokens": 2048}}}});
        let rec = &parse(v)[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::OutputTokens)),
            (1005, 1000, 2048)
        );
        assert_eq!(rec.get(Field::Batch), Some(&Scalar::Bool(true)));
        assert_eq!((s(rec, Field::RequestId), s(rec, Field::Model)), ("row-17", "claude-opus-4-1"));
        assert_eq!((s(rec, Field::Status), s(rec, Field::FinishReason)), ("ok", "max_tokens"));
    }

    #[test]
    fn an_errored_or_expired_batch_result_is_an_unbilled_error() {
        let v = serde_json::json!({"custom_id": "row-18", "result": {"type": "errored",
            "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::OutputTokens)), (0, 0));
        assert_eq!((s(rec, Field::Status), s(rec, Field::ErrorType)), ("error", "errored"));
        assert_eq!(rec.get(Field::Batch), Some(&Scalar::Bool(true)));
        assert_eq!(
            (s(rec, Field::RequestId), s(rec, Field::Model), s(rec, Field::Provider)),
            ("row-18", "unknown", "anthropic")
        );
        let v = serde_json::json!({"custom_id": "row-19", "result": {"type": "expired"}});
        let rec = &parse(v)[0];
        assert_eq!((s(rec, Field::Status), s(rec, Field::ErrorType)), ("error", "expired"));
    }
}
