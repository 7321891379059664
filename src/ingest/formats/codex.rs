//! Codex CLI rollout files (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`). A call is an
//! `event_msg` whose payload is a `token_count` with `info.last_token_usage` (OpenAI
//! convention: input_tokens INCLUDES cached_input_tokens; reasoning is part of output). The
//! model comes from the latest `turn_context` line. Codex repeats a token_count event
//! unchanged; an event whose cumulative `total_token_usage` equals the previous one is the
//! same call again and is skipped. The session is the job; the route is `codex`.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
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
}

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
