//! Claude Code session files (`~/.claude/projects/<project>/<session>.jsonl` and their
//! `subagents/agent-*.jsonl`). A call is an `assistant` line with `message.usage`, or the
//! same nested in a `progress` line (a subagent's call, also written to its own file).
//! Claude Code writes one API call as several lines, one per content block, each repeating
//! the usage so far: the key `message.id:requestId` makes it one call with the final usage.
//! Usage follows Anthropic's convention (input excludes cache; see `usage::anthropic`).
//! The session is the job; the route is `claude-code/main` or `claude-code/subagent`.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
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
}

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
