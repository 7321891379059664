//! Provider usage blocks → canonical token classes. Each provider counts prompt tokens its
//! own way, and mixing them up is the most common cost bug: Anthropic's `input_tokens`
//! EXCLUDES cache reads and writes, OpenAI's `prompt_tokens` / `input_tokens` INCLUDE cached
//! tokens, Gemini's `promptTokenCount` includes cached content and bills thinking as output.
//! The canonical record counts ALL prompt tokens in `input_tokens` (README).

use std::borrow::Cow;

use serde_json::Value;

use super::dialect::Owned;
use super::record::{Field, Scalar, NOTE_WRITE_SPLIT_CONTRADICTS};

pub fn num(v: &Value, path: &[&str]) -> Option<u64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_u64()
}

pub fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

pub fn set_num(rec: &mut Owned, field: Field, n: u64) {
    rec.set(field, Some(Scalar::Int(n.min(i64::MAX as u64) as i64)));
}

pub fn set_text(rec: &mut Owned, field: Field, s: &str) {
    rec.set(field, Some(Scalar::Str(Cow::Owned(s.to_string()))));
}

/// A count under `key` of `v`: absent or null is `None`; a whole number, an integral float
/// (`12.0`, as some exports write) or digits in a string (ClickHouse quotes 64-bit numbers)
/// is the count; anything else is an error naming the key, never a silent 0.
pub fn count(v: &Value, key: &str) -> Result<Option<u64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => as_count(x).map(Some).ok_or_else(|| format!("{key} is not a count: {x}")),
    }
}

/// A JSON value as a count, if it is one.
pub fn as_count(x: &Value) -> Option<u64> {
    x.as_u64()
        .or_else(|| x.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 9e15).map(|f| f as u64))
        .or_else(|| x.as_str()?.trim().parse().ok())
}

/// Copies the text fields named in `pairs` (canonical field, key in `v`), skipping absent
/// and empty ones.
pub fn copy_texts(v: &Value, rec: &mut Owned, pairs: &[(Field, &str)]) {
    for &(field, key) in pairs {
        if let Some(s) = text(v, &[key]).filter(|s| !s.is_empty()) {
            set_text(rec, field, s);
        }
    }
}

fn required(u: &Value, key: &str) -> Result<u64, String> {
    num(u, &[key]).ok_or_else(|| format!("usage has no {key}"))
}

/// Anthropic Messages `usage` (also Claude Code). `input_tokens` is the uncached part only.
pub fn anthropic(u: &Value, rec: &mut Owned) -> Result<(), String> {
    let uncached = required(u, "input_tokens")?;
    let read = num(u, &["cache_read_input_tokens"]).unwrap_or(0);
    // The 5m/1h split, when given, is what was billed: where its sum contradicts the total
    // cache_creation_input_tokens, the split wins. Without it every write is a 5-minute write.
    let split = (
        num(u, &["cache_creation", "ephemeral_5m_input_tokens"]),
        num(u, &["cache_creation", "ephemeral_1h_input_tokens"]),
    );
    let total = num(u, &["cache_creation_input_tokens"]);
    let write = match split {
        (None, None) => total.unwrap_or(0),
        (m5, h1) => m5.unwrap_or(0) + h1.unwrap_or(0),
    };
    if total.is_some_and(|t| t != write) {
        // Counted for the report's notes: the total was not used.
        rec.notes |= NOTE_WRITE_SPLIT_CONTRADICTS;
    }
    let write_1h = split.1.unwrap_or(0).min(write);
    set_num(rec, Field::InputTokens, uncached + read + write);
    set_num(rec, Field::CacheReadTokens, read);
    set_num(rec, Field::CacheWriteTokens, write);
    set_num(rec, Field::CacheWrite1hTokens, write_1h);
    set_num(rec, Field::OutputTokens, required(u, "output_tokens")?);
    Ok(())
}

/// OpenAI Chat Completions `usage`: `prompt_tokens` includes cached tokens and, on models
/// that bill them, cache writes (`prompt_tokens_details.cache_write_tokens`). Embeddings
/// responses have no `completion_tokens`: nothing was generated.
pub fn openai_chat(u: &Value, rec: &mut Owned) -> Result<(), String> {
    set_num(rec, Field::InputTokens, required(u, "prompt_tokens")?);
    // DeepSeek's OpenAI-shaped usage counts cache hits as prompt_cache_hit_tokens (and the
    // rest as prompt_cache_miss_tokens); both are within prompt_tokens.
    let cached =
        num(u, &["prompt_tokens_details", "cached_tokens"]).or_else(|| num(u, &["prompt_cache_hit_tokens"]));
    set_num(rec, Field::CacheReadTokens, cached.unwrap_or(0));
    set_num(
        rec,
        Field::CacheWriteTokens,
        num(u, &["prompt_tokens_details", "cache_write_tokens"]).unwrap_or(0),
    );
    set_num(rec, Field::OutputTokens, num(u, &["completion_tokens"]).unwrap_or(0));
    set_num(
        rec,
        Field::ReasoningTokens,
        num(u, &["completion_tokens_details", "reasoning_tokens"]).unwrap_or(0),
    );
    Ok(())
}

/// OpenAI Responses `usage`: `input_tokens` includes cached tokens and cache writes.
pub fn openai_responses(u: &Value, rec: &mut Owned) -> Result<(), String> {
    set_num(rec, Field::InputTokens, required(u, "input_tokens")?);
    set_num(rec, Field::CacheReadTokens, num(u, &["input_tokens_details", "cached_tokens"]).unwrap_or(0));
    set_num(
        rec,
        Field::CacheWriteTokens,
        num(u, &["input_tokens_details", "cache_write_tokens"]).unwrap_or(0),
    );
    set_num(rec, Field::OutputTokens, required(u, "output_tokens")?);
    set_num(rec, Field::ReasoningTokens, num(u, &["output_tokens_details", "reasoning_tokens"]).unwrap_or(0));
    Ok(())
}

/// Gemini `usageMetadata`: thinking tokens are billed as output; tool-use prompt tokens as
/// input. The long-context tier is decided on the prompt, which is what `input_tokens` holds.
pub fn gemini(u: &Value, rec: &mut Owned) -> Result<(), String> {
    let prompt = num(u, &["promptTokenCount"]).ok_or("usageMetadata has no promptTokenCount")?;
    let tool_prompt = num(u, &["toolUsePromptTokenCount"]).unwrap_or(0);
    let thoughts = num(u, &["thoughtsTokenCount"]).unwrap_or(0);
    let candidates = num(u, &["candidatesTokenCount"]).unwrap_or(0);
    set_num(rec, Field::InputTokens, prompt + tool_prompt);
    set_num(rec, Field::CacheReadTokens, num(u, &["cachedContentTokenCount"]).unwrap_or(0));
    set_num(rec, Field::OutputTokens, candidates + thoughts);
    set_num(rec, Field::ReasoningTokens, thoughts);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::{int_of as tokens, RawRecord};

    #[test]
    fn anthropic_input_excludes_cache_so_it_is_added() {
        let u = serde_json::json!({"input_tokens": 3, "cache_creation_input_tokens": 13835, "cache_read_input_tokens": 11515,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 13835}, "output_tokens": 13});
        let mut rec = RawRecord::new(0);
        anthropic(&u, &mut rec).unwrap();
        assert_eq!(tokens(&rec, Field::InputTokens), 3 + 13835 + 11515);
        assert_eq!(tokens(&rec, Field::CacheWrite1hTokens), 13835);
    }

    #[test]
    fn openai_prompt_tokens_already_include_cache() {
        let u = serde_json::json!({"prompt_tokens": 1000, "completion_tokens": 50,
            "prompt_tokens_details": {"cached_tokens": 800}, "completion_tokens_details": {"reasoning_tokens": 20}});
        let mut rec = RawRecord::new(0);
        openai_chat(&u, &mut rec).unwrap();
        assert_eq!(tokens(&rec, Field::InputTokens), 1000);
        assert_eq!(tokens(&rec, Field::CacheReadTokens), 800);
    }

    #[test]
    fn openai_responses_break_out_cache_writes() {
        // A real gpt-5.6-sol block (genai-prices usages): 8 uncached + 4012 cache-write tokens.
        let u = serde_json::json!({"input_tokens": 4020, "input_tokens_details": {"cache_write_tokens": 4012, "cached_tokens": 0}, "output_tokens": 5});
        let mut rec = RawRecord::new(0);
        openai_responses(&u, &mut rec).unwrap();
        assert_eq!(tokens(&rec, Field::InputTokens), 4020);
        assert_eq!(tokens(&rec, Field::CacheWriteTokens), 4012);
    }

    #[test]
    fn gemini_thoughts_are_output() {
        let u = serde_json::json!({"promptTokenCount": 100, "candidatesTokenCount": 10, "thoughtsTokenCount": 30, "cachedContentTokenCount": 40});
        let mut rec = RawRecord::new(0);
        gemini(&u, &mut rec).unwrap();
        assert_eq!(tokens(&rec, Field::OutputTokens), 40);
        assert_eq!(tokens(&rec, Field::ReasoningTokens), 30);
        assert_eq!(tokens(&rec, Field::CacheReadTokens), 40);
    }
}
