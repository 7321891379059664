//! Codex CLI rollout files (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`). A call is an
//! `event_msg` whose payload is a `token_count` with `info.last_token_usage` (OpenAI
//! convention: input_tokens INCLUDES cached_input_tokens; reasoning is part of output). The
//! model comes from the latest `turn_context` line. Codex repeats a token_count event
//! unchanged; an event whose cumulative `total_token_usage` equals the previous one is the
//! same call again and is skipped. The session is the job; the route is `codex`.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::prune::Keys;
use crate::ingest::record::{Field, RawRecord};
use crate::ingest::usage::{num, set_num, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "codex",
    about: "Codex CLI rollouts: token_count events' last_token_usage (OpenAI convention: input includes \
            cached; reasoning within output); model from turn_context; repeated events skipped",
    recognises,
    looks_for: "a type (session_meta, turn_context, event_msg, response_item) with a payload",
    parser: || Box::<Parser>::default(),
};

fn recognises(v: &Value) -> bool {
    matches!(text(v, &["type"]), Some("session_meta" | "turn_context" | "event_msg" | "response_item"))
        && v.get("payload").is_some()
}

#[derive(Default)]
pub struct Parser {
    model: Option<String>,
    session: Option<String>,
    last_total: Option<Value>,
}

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let payload = &line["payload"];
        match text(line, &["type"]) {
            Some("session_meta") => self.session = text(payload, &["id"]).map(str::to_string),
            Some("turn_context") => self.model = text(payload, &["model"]).map(str::to_string),
            Some("event_msg") if text(payload, &["type"]) == Some("token_count") => {
                let info = &payload["info"];
                if info.is_null() || self.last_total.as_ref() == Some(&info["total_token_usage"]) {
                    return Ok(()); // rate-limit-only event, or the previous call repeated
                }
                self.last_total = Some(info["total_token_usage"].clone());
                out.push(self.record(line, &info["last_token_usage"])?);
            }
            _ => {}
        }
        Ok(())
    }

    /// The line types read above; response items (the conversation itself) are most lines.
    fn needles(&self) -> &'static [&'static str] {
        &["session_meta", "turn_context", "token_count"]
    }

    /// What `parse` and `record` read.
    fn keys(&self) -> Option<&'static Keys> {
        Some(&KEYS)
    }
}

const KEYS: Keys = Keys {
    names: &["type", "payload", "id", "model", "info", "timestamp"],
    whole: &["total_token_usage", "last_token_usage"],
};

impl Parser {
    fn record(&self, line: &Value, usage: &Value) -> Result<Owned, String> {
        let model = self.model.as_deref().ok_or("token_count before any turn_context names the model")?;
        let mut rec = RawRecord::new(0);
        let input = num(usage, &["input_tokens"]).ok_or("last_token_usage has no input_tokens")?;
        set_num(&mut rec, Field::InputTokens, input);
        set_num(&mut rec, Field::CacheReadTokens, num(usage, &["cached_input_tokens"]).unwrap_or(0));
        set_num(
            &mut rec,
            Field::OutputTokens,
            num(usage, &["output_tokens"]).ok_or("last_token_usage has no output_tokens")?,
        );
        set_num(&mut rec, Field::ReasoningTokens, num(usage, &["reasoning_output_tokens"]).unwrap_or(0));
        set_text(&mut rec, Field::Model, model);
        set_text(&mut rec, Field::Provider, "openai");
        set_text(&mut rec, Field::Route, "codex");
        set_text(&mut rec, Field::Status, "ok");
        if let Some(t) = text(line, &["timestamp"]) {
            set_text(&mut rec, Field::Timestamp, t);
        }
        if let Some(s) = &self.session {
            set_text(&mut rec, Field::JobId, s);
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::int_of as n;
    use crate::ingest::record::str_of as s;

    /// Feeds the lines in order to one parser, as one rollout file.
    fn parse_all(lines: &[Value]) -> Vec<Owned> {
        let mut parser = Parser::default();
        let mut out = Vec::new();
        for line in lines {
            parser.parse(line, &mut out).unwrap();
        }
        out
    }

    fn token_count(ts: &str, last: Value, total: Value) -> Value {
        serde_json::json!({"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count",
            "info": {"last_token_usage": last, "total_token_usage": total}}})
    }

    #[test]
    fn last_token_usage_is_the_call_and_input_includes_cached() {
        // last_token_usage: 9000 input of which 8500 cached -> input 9000 (not 17500);
        // 400 output of which 320 reasoning -> output 400. The cumulative total is not the call.
        let lines = [
            serde_json::json!({"timestamp": "2026-03-01T10:00:00Z", "type": "session_meta", "payload": {"id": "sess-1"}}),
            serde_json::json!({"type": "turn_context", "payload": {"model": "gpt-5-codex"}}),
            token_count(
                "2026-03-01T10:00:05Z",
                serde_json::json!({"input_tokens": 9000, "cached_input_tokens": 8500, "output_tokens": 400, "reasoning_output_tokens": 320, "total_tokens": 9400}),
                serde_json::json!({"input_tokens": 30000, "cached_input_tokens": 20000, "output_tokens": 1000, "reasoning_output_tokens": 700, "total_tokens": 31000}),
            ),
        ];
        let out = parse_all(&lines);
        assert_eq!(out.len(), 1);
        let rec = &out[0];
        assert_eq!((n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens)), (9000, 8500));
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (400, 320));
        assert_eq!((s(rec, Field::Model), s(rec, Field::Provider)), ("gpt-5-codex", "openai"));
        assert_eq!((s(rec, Field::Route), s(rec, Field::JobId)), ("codex", "sess-1"));
        assert_eq!((s(rec, Field::Timestamp), s(rec, Field::Status)), ("2026-03-01T10:00:05Z", "ok"));
    }

    #[test]
    fn the_model_is_the_latest_turn_contexts() {
        let usage =
            |i: u64| serde_json::json!({"input_tokens": i, "cached_input_tokens": 0, "output_tokens": 1});
        let lines = [
            serde_json::json!({"type": "turn_context", "payload": {"model": "gpt-5"}}),
            token_count("2026-03-01T10:00:01Z", usage(100), usage(100)),
            serde_json::json!({"type": "turn_context", "payload": {"model": "gpt-5-mini"}}),
            token_count("2026-03-01T10:00:02Z", usage(50), usage(150)),
        ];
        let out = parse_all(&lines);
        assert_eq!(out.len(), 2);
        assert_eq!((s(&out[0], Field::Model), n(&out[0], Field::InputTokens)), ("gpt-5", 100));
        assert_eq!((s(&out[1], Field::Model), n(&out[1], Field::InputTokens)), ("gpt-5-mini", 50));
        // A token_count before any turn_context cannot say its model: refused.
        let err = Parser::default().parse(&lines[1], &mut Vec::new()).unwrap_err();
        assert!(err.contains("turn_context"), "{err}");
    }

    #[test]
    fn a_repeated_cumulative_total_is_the_same_call_and_skipped() {
        // Calls of 100 and 40 input tokens; Codex repeats the first event unchanged (same
        // total 100), and writes a rate-limit-only event (info null): 2 calls, 140 input.
        let last = |i: u64| serde_json::json!({"input_tokens": i, "output_tokens": 2});
        let total = |i: u64| serde_json::json!({"input_tokens": i, "output_tokens": 2});
        let lines = [
            serde_json::json!({"type": "turn_context", "payload": {"model": "gpt-5"}}),
            token_count("2026-03-01T10:00:01Z", last(100), total(100)),
            token_count("2026-03-01T10:00:02Z", last(100), total(100)),
            serde_json::json!({"type": "event_msg", "payload": {"type": "token_count", "info": null, "rate_limits": {}}}),
            token_count("2026-03-01T10:00:03Z", last(40), total(140)),
        ];
        let out = parse_all(&lines);
        assert_eq!(out.len(), 2);
        let input: i64 = out.iter().map(|r| n(r, Field::InputTokens)).sum();
        assert_eq!(input, 140);
        assert_eq!(s(&out[1], Field::Timestamp), "2026-03-01T10:00:03Z");
        // A same-sized call later on has a new cumulative total, so it counts: 100+40+40 = 180.
        let mut more = lines.to_vec();
        more.push(token_count("2026-03-01T10:00:04Z", last(40), total(180)));
        let input: i64 = parse_all(&more).iter().map(|r| n(r, Field::InputTokens)).sum();
        assert_eq!(input, 180);
    }
}
