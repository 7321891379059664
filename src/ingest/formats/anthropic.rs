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
