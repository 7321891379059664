//! Gemini `generateContent` responses logged one per line (`usageMetadata`, `modelVersion`).
//! Usage follows Gemini's convention: `promptTokenCount` includes cached content; thinking
//! (`thoughtsTokenCount`) is billed as output (see `usage::gemini`). Responses carry a
//! `createTime` only on Vertex; others are priced as untimed, like Anthropic's.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord};
use crate::ingest::usage::{self, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "gemini",
    about: "Gemini generateContent responses (usageMetadata: promptTokenCount includes cached content; \
            thoughtsTokenCount billed as output); untimed unless createTime is present",
    recognises,
    looks_for: "a usageMetadata object",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("usageMetadata").is_some_and(Value::is_object)
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let mut rec = RawRecord::new(0);
        usage::gemini(&line["usageMetadata"], &mut rec)?;
        let model = text(line, &["modelVersion"])
            .or_else(|| text(line, &["model"]))
            .ok_or("response has no modelVersion")?;
        set_text(&mut rec, Field::Model, model);
        set_text(&mut rec, Field::Provider, "google");
        set_text(&mut rec, Field::Status, "ok");
        for (field, path) in [(Field::Timestamp, "createTime"), (Field::RequestId, "responseId")] {
            if let Some(v) = text(line, &[path]) {
                set_text(&mut rec, field, v);
            }
        }
        if let Some(reason) = line["candidates"][0]["finishReason"].as_str() {
            set_text(&mut rec, Field::FinishReason, reason);
        }
        out.push(rec);
        Ok(())
    }
}
