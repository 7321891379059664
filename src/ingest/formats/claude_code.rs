//! Claude Code session files (`~/.claude/projects/<project>/<session>.jsonl` and their
//! `subagents/agent-*.jsonl`). A call is an `assistant` line with `message.usage`, or the
//! same nested in a `progress` line (a subagent's call, also written to its own file).
//! Claude Code writes one API call as several lines, one per content block, each repeating
//! the usage so far: the key `message.id:requestId` makes it one call with the final usage.
//! Usage follows Anthropic's convention (input excludes cache; see `usage::anthropic`).
//! The session is the job; the route is `claude-code/main` or `claude-code/subagent`.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::prune::Keys;
use crate::ingest::record::{Field, RawRecord};
use crate::ingest::usage::{self, set_text, text};

pub const DIALECT: Dialect = Dialect {
    name: "claude-code",
    about: "Claude Code sessions: assistant lines with message.usage (Anthropic convention: input_tokens \
            excludes cache reads/writes; 5m/1h writes split); one call per message.id+requestId, final usage kept",
    recognises,
    looks_for: "a sessionId with a type (assistant, user, progress, …)",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("sessionId").is_some() && v.get("type").is_some_and(Value::is_string)
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let (entry, nested) = match text(line, &["type"]) {
            Some("assistant") => (line, false),
            // A subagent's call as its parent session saw it.
            Some("progress") => match line.get("data").and_then(|d| d.get("message")) {
                Some(inner) if text(inner, &["type"]) == Some("assistant") => (inner, true),
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        let Some(message) = entry.get("message").filter(|m| m.get("usage").is_some()) else {
            return Ok(());
        };
        // "<synthetic>" messages are written by Claude Code itself, not by an API call.
        if text(message, &["model"]).is_none_or(|m| m == "<synthetic>") {
            return Ok(());
        }
        out.push(record(line, entry, message, nested)?);
        Ok(())
    }

    /// A call needs `message.usage`; most lines (progress, tool output) have none.
    fn needles(&self) -> &'static [&'static str] {
        &["usage"]
    }

    /// What `parse` and `record` read; the message content, most of a line, is not.
    fn keys(&self) -> Option<&'static Keys> {
        Some(&KEYS)
    }
}

const KEYS: Keys = Keys {
    names: &[
        "type",
        "data",
        "message",
        "timestamp",
        "sessionId",
        "isSidechain",
        "requestId",
        "id",
        "model",
        "stop_reason",
    ],
    whole: &["usage"],
};

fn record(line: &Value, entry: &Value, message: &Value, nested: bool) -> Result<Owned, String> {
    let mut rec = RawRecord::new(0);
    usage::anthropic(&message["usage"], &mut rec)?;
    set_text(&mut rec, Field::Provider, "anthropic");
    if let Some(t) = text(entry, &["timestamp"]).or_else(|| text(line, &["timestamp"])) {
        set_text(&mut rec, Field::Timestamp, t);
    }
    for (field, value) in
        [(Field::Model, text(message, &["model"])), (Field::FinishReason, text(message, &["stop_reason"]))]
    {
        if let Some(v) = value {
            set_text(&mut rec, field, v);
        }
    }
    let id = text(message, &["id"]).unwrap_or_default();
    let request = text(entry, &["requestId"]).unwrap_or_default();
    set_text(&mut rec, Field::RequestId, &format!("{id}:{request}"));
    if let Some(session) = text(line, &["sessionId"]) {
        set_text(&mut rec, Field::JobId, session);
    }
    let subagent = nested || line.get("isSidechain").and_then(Value::as_bool).unwrap_or(false);
    set_text(&mut rec, Field::Route, if subagent { "claude-code/subagent" } else { "claude-code/main" });
    set_text(&mut rec, Field::Status, "ok");
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

    fn assistant(ts: &str, output: u64, stop: Value) -> Value {
        serde_json::json!({"type": "assistant", "sessionId": "sess-1", "requestId": "req_1", "timestamp": ts, "isSidechain": false,
            "message": {"id": "msg_1", "model": "claude-sonnet-4-5-20250929", "stop_reason": stop,
                "usage": {"input_tokens": 4, "cache_read_input_tokens": 20000, "cache_creation_input_tokens": 1500,
                    "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1000}, "output_tokens": output}}})
    }

    #[test]
    fn input_excludes_cache_so_reads_and_writes_are_added() {
        // 4 uncached + 20000 read + 1500 written = 21504; 1000 of the writes are 1-hour ones.
        let rec = &parse(assistant("2026-03-01T10:00:01Z", 250, "end_turn".into()))[0];
        assert_eq!(n(rec, Field::InputTokens), 21504);
        assert_eq!((n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)), (20000, 1500));
        assert_eq!((n(rec, Field::CacheWrite1hTokens), n(rec, Field::OutputTokens)), (1000, 250));
        assert_eq!(
            (s(rec, Field::Model), s(rec, Field::Provider)),
            ("claude-sonnet-4-5-20250929", "anthropic")
        );
        assert_eq!((s(rec, Field::JobId), s(rec, Field::Route)), ("sess-1", "claude-code/main"));
        assert_eq!(
            (s(rec, Field::Timestamp), s(rec, Field::FinishReason)),
            ("2026-03-01T10:00:01Z", "end_turn")
        );
    }

    #[test]
    fn the_lines_of_one_streamed_call_share_one_key() {
        // Claude Code writes one call as a line per content block, the usage so far on each
        // (output 5, 5, then the final 180). The parser gives every line the key
        // message.id:requestId; the reader (reader.rs `keep`) counts the first line of a key
        // and raises it to the largest usage, so the call is counted once with output 180.
        let out: Vec<Owned> = [(1, 5), (2, 5), (3, 180)]
            .into_iter()
            .flat_map(|(sec, output)| {
                let stop = if output == 180 { "end_turn".into() } else { Value::Null };
                parse(assistant(&format!("2026-03-01T10:00:0{sec}Z"), output, stop))
            })
            .collect();
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|r| s(r, Field::RequestId) == "msg_1:req_1"));
        let largest = out.iter().map(|r| n(r, Field::OutputTokens)).max();
        assert_eq!(largest, Some(180));
        // Every line carries the same prompt: 21504 on each, never summed.
        assert!(out.iter().all(|r| n(r, Field::InputTokens) == 21504));
        // Another requestId for the same message id is another call.
        let mut other = assistant("2026-03-01T10:00:04Z", 5, Value::Null);
        other["requestId"] = "req_2".into();
        assert_eq!(s(&parse(other)[0], Field::RequestId), "msg_1:req_2");
    }

    #[test]
    fn a_subagent_call_nested_in_progress_has_the_key_of_its_own_line() {
        // The parent session sees the subagent's call inside a progress line; the subagent's
        // own file has it as a sidechain assistant line. Both give key msg_s:req_s, so the
        // reader counts the call once; both are routed to the subagent.
        let inner = serde_json::json!({"type": "assistant", "timestamp": "2026-03-01T10:05:00Z", "requestId": "req_s",
            "message": {"id": "msg_s", "model": "claude-haiku-4-5-20251001",
                "usage": {"input_tokens": 30, "cache_read_input_tokens": 70, "output_tokens": 12}}});
        let progress = serde_json::json!({"type": "progress", "sessionId": "sess-1", "timestamp": "2026-03-01T10:05:01Z",
            "data": {"type": "agent_progress", "message": inner}});
        let mut own = inner.clone();
        own["sessionId"] = "sess-1".into();
        own["isSidechain"] = true.into();
        let (nested, direct) = (&parse(progress)[0], &parse(own)[0]);
        for rec in [nested, direct] {
            assert_eq!(s(rec, Field::RequestId), "msg_s:req_s");
            assert_eq!(s(rec, Field::Route), "claude-code/subagent");
            // 30 uncached + 70 read = 100.
            assert_eq!(
                (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::OutputTokens)),
                (100, 70, 12)
            );
            assert_eq!(s(rec, Field::JobId), "sess-1");
        }
        // The nested call is dated by its own entry, not by the progress line around it.
        assert_eq!(s(nested, Field::Timestamp), "2026-03-01T10:05:00Z");
    }

    #[test]
    fn lines_that_are_no_api_call_give_nothing() {
        let user = serde_json::json!({"type": "user", "sessionId": "s", "message": {"role": "user", "content": "hi"}});
        let synthetic = serde_json::json!({"type": "assistant", "sessionId": "s", "requestId": "r",
            "message": {"id": "m", "model": "<synthetic>", "usage": {"input_tokens": 0, "output_tokens": 0}}});
        let no_usage = serde_json::json!({"type": "assistant", "sessionId": "s", "message": {"id": "m", "model": "claude-opus-4-1"}});
        let bash_progress = serde_json::json!({"type": "progress", "sessionId": "s", "data": {"type": "bash_progress", "output": "…"}});
        for line in [user, synthetic, no_usage, bash_progress] {
            assert!(parse(line.clone()).is_empty(), "{line}");
        }
    }
}
