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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::int_of as n;
    use crate::ingest::record::str_of as s;

    fn parse(v: Value) -> Vec<Owned> {
        crate::ingest::dialect::parse_with(Parser, &v)
    }

    #[test]
    fn cached_content_is_within_the_prompt_and_thoughts_are_output() {
        // promptTokenCount 10000 already holds the 8000 cached: input 10000 (not 18000).
        // 120 candidates + 880 thoughts = 1000 output tokens, 880 of them reasoning.
        let v = serde_json::json!({"candidates": [{"finishReason": "STOP"}], "modelVersion": "gemini-2.5-pro",
            "responseId": "resp-g1",
            "usageMetadata": {"promptTokenCount": 10000, "cachedContentTokenCount": 8000, "candidatesTokenCount": 120,
                "thoughtsTokenCount": 880, "totalTokenCount": 11000}});
        let out = parse(v);
        assert_eq!(out.len(), 1);
        let rec = &out[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (10000, 8000));
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (1000, 880));
        assert_eq!(
            (s(rec, Field::Model), s(rec, Field::Provider), s(rec, Field::Status)),
            ("gemini-2.5-pro", "google", "ok")
        );
        assert_eq!((s(rec, Field::RequestId), s(rec, Field::FinishReason)), ("resp-g1", "STOP"));
        assert_eq!(rec.get(Field::Timestamp), None, "untimed off Vertex");
    }

    #[test]
    fn tool_use_prompt_is_input_and_missing_counts_are_zero() {
        // 300 prompt + 50 tool-use prompt = 350 input; no thoughts, no cache: output = 20.
        // A Vertex response carries createTime; `model` stands in for a missing modelVersion.
        let v = serde_json::json!({"model": "gemini-2.0-flash", "createTime": "2026-03-01T10:00:00.123456Z",
            "usageMetadata": {"promptTokenCount": 300, "toolUsePromptTokenCount": 50, "candidatesTokenCount": 20}});
        let rec = &parse(v)[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (350, 0));
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (20, 0));
        assert_eq!(
            (s(rec, Field::Model), s(rec, Field::Timestamp)),
            ("gemini-2.0-flash", "2026-03-01T10:00:00.123456Z")
        );
        // Without promptTokenCount nothing can be priced: refused.
        let bad = serde_json::json!({"modelVersion": "gemini-2.5-pro", "usageMetadata": {"candidatesTokenCount": 1}});
        let err = Parser.parse(&bad, &mut Vec::new()).unwrap_err();
        assert!(err.contains("promptTokenCount"), "{err}");
    }
}
