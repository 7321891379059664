//! Provider usage blocks → canonical token classes. Each provider counts prompt tokens its
//! own way, and mixing them up is the most common cost bug: Anthropic's `input_tokens`
//! EXCLUDES cache reads and writes, OpenAI's `prompt_tokens` / `input_tokens` INCLUDE cached
//! tokens, Gemini's `promptTokenCount` includes cached content and bills thinking as output.
//! The canonical record counts ALL prompt tokens in `input_tokens` (README).

use std::borrow::Cow;

use serde_json::Value;

use super::dialect::Owned;
use super::record::{Field, Scalar, NOTE_MODALITIES_CAPPED, NOTE_WRITE_SPLIT_CONTRADICTS};

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

/// Sets the modality classes (README: token classes) that a usage block breaks out. OpenAI's
/// audio counts say nothing of which cached tokens were audio, so at most the uncached prompt
/// is counted as uncached audio: a block whose cache reads were audio is never rejected.
pub fn set_modalities(rec: &mut Owned, m: Modalities) {
    let pairs = [
        (Field::InputAudioTokens, m.input_audio),
        (Field::CacheAudioReadTokens, m.cache_audio_read),
        (Field::OutputAudioTokens, m.output_audio),
        (Field::OutputImageTokens, m.output_image),
    ];
    for (field, n) in pairs {
        if n > 0 {
            set_num(rec, field, n);
        }
    }
}

/// Token counts by modality, where a provider prices a modality apart from text.
#[derive(Clone, Copy, Debug, Default)]
pub struct Modalities {
    pub input_audio: u64,
    pub cache_audio_read: u64,
    pub output_audio: u64,
    pub output_image: u64,
}

/// The OpenAI audio counts (`prompt_tokens_details.audio_tokens`, `completion_tokens_details.
/// audio_tokens`, or the Responses names), the prompt audio capped at the uncached prompt
/// (the cached part of a prompt is priced at the cache-read rate, whatever its modality).
fn openai_audio(u: &Value, [input_details, output_details]: [&str; 2], uncached: u64) -> Modalities {
    Modalities {
        input_audio: num(u, &[input_details, "audio_tokens"]).unwrap_or(0).min(uncached),
        output_audio: num(u, &[output_details, "audio_tokens"]).unwrap_or(0),
        ..Modalities::default()
    }
}

/// Gemini's `[{modality, tokenCount}]` list under `key`: the tokens of `modality`.
fn gemini_modality(u: &Value, key: &str, modality: &str) -> u64 {
    let list = u.get(key).and_then(Value::as_array).into_iter().flatten();
    list.filter(|d| d["modality"].as_str() == Some(modality)).filter_map(|d| num(d, &["tokenCount"])).sum()
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
    let prompt = required(u, "prompt_tokens")?;
    set_num(rec, Field::InputTokens, prompt);
    // DeepSeek's OpenAI-shaped usage counts cache hits as prompt_cache_hit_tokens (and the
    // rest as prompt_cache_miss_tokens); both are within prompt_tokens.
    let cached =
        num(u, &["prompt_tokens_details", "cached_tokens"]).or_else(|| num(u, &["prompt_cache_hit_tokens"]));
    let write = num(u, &["prompt_tokens_details", "cache_write_tokens"]).unwrap_or(0);
    set_num(rec, Field::CacheReadTokens, cached.unwrap_or(0));
    set_num(rec, Field::CacheWriteTokens, write);
    set_num(rec, Field::OutputTokens, num(u, &["completion_tokens"]).unwrap_or(0));
    let uncached = prompt.saturating_sub(cached.unwrap_or(0)).saturating_sub(write);
    let audio = openai_audio(u, ["prompt_tokens_details", "completion_tokens_details"], uncached);
    set_modalities(rec, audio);
    set_num(
        rec,
        Field::ReasoningTokens,
        num(u, &["completion_tokens_details", "reasoning_tokens"]).unwrap_or(0),
    );
    Ok(())
}

/// OpenAI Responses `usage`: `input_tokens` includes cached tokens and cache writes.
pub fn openai_responses(u: &Value, rec: &mut Owned) -> Result<(), String> {
    let prompt = required(u, "input_tokens")?;
    let cached = num(u, &["input_tokens_details", "cached_tokens"]).unwrap_or(0);
    let write = num(u, &["input_tokens_details", "cache_write_tokens"]).unwrap_or(0);
    set_num(rec, Field::InputTokens, prompt);
    set_num(rec, Field::CacheReadTokens, cached);
    set_num(rec, Field::CacheWriteTokens, write);
    let uncached = prompt.saturating_sub(cached).saturating_sub(write);
    let audio = openai_audio(u, ["input_tokens_details", "output_tokens_details"], uncached);
    set_modalities(rec, audio);
    set_num(rec, Field::OutputTokens, required(u, "output_tokens")?);
    set_num(rec, Field::ReasoningTokens, num(u, &["output_tokens_details", "reasoning_tokens"]).unwrap_or(0));
    Ok(())
}

/// Gemini `usageMetadata`: thinking tokens are billed as output; tool-use prompt tokens as
/// input. The long-context tier is decided on the prompt, which is what `input_tokens` holds.
/// AUDIO prompt tokens (`promptTokensDetails`, `toolUsePromptTokensDetails`; the cached ones
/// in `cacheTokensDetails`) and AUDIO and IMAGE candidates (`candidatesTokensDetails`) are
/// the modality classes; Gemini bills IMAGE, VIDEO and DOCUMENT prompt tokens as text.
pub fn gemini(u: &Value, rec: &mut Owned) -> Result<(), String> {
    let prompt = num(u, &["promptTokenCount"]).ok_or("usageMetadata has no promptTokenCount")?;
    let tool_prompt = num(u, &["toolUsePromptTokenCount"]).unwrap_or(0);
    let thoughts = num(u, &["thoughtsTokenCount"]).unwrap_or(0);
    let candidates = num(u, &["candidatesTokenCount"]).unwrap_or(0);
    set_num(rec, Field::InputTokens, prompt + tool_prompt);
    let cached = num(u, &["cachedContentTokenCount"]).unwrap_or(0);
    set_num(rec, Field::CacheReadTokens, cached);
    set_num(rec, Field::OutputTokens, candidates + thoughts);
    set_num(rec, Field::ReasoningTokens, thoughts);
    let audio = |key: &str| gemini_modality(u, key, "AUDIO");
    let prompt_audio = audio("promptTokensDetails") + audio("toolUsePromptTokensDetails");
    // Counts that do not add up (cached audio without a cached total, details above the
    // totals) are capped, never a rejected response, and the record says so: cached audio
    // within the cache reads and the audio, the uncached audio within the uncached prompt,
    // audio and image within output.
    let (cache_audio_given, output_audio_given) =
        (audio("cacheTokensDetails"), audio("candidatesTokensDetails"));
    let image_given = gemini_modality(u, "candidatesTokensDetails", "IMAGE");
    let cache_audio = cache_audio_given.min(cached).min(prompt_audio);
    let uncached = (prompt + tool_prompt).saturating_sub(cached);
    let output_audio = output_audio_given.min(candidates + thoughts);
    let m = Modalities {
        input_audio: cache_audio + (prompt_audio - cache_audio).min(uncached),
        cache_audio_read: cache_audio,
        output_audio,
        output_image: image_given.min(candidates + thoughts - output_audio),
    };
    let given = (prompt_audio, cache_audio_given, output_audio_given, image_given);
    if given != (m.input_audio, m.cache_audio_read, m.output_audio, m.output_image) {
        rec.notes |= NOTE_MODALITIES_CAPPED;
    }
    set_modalities(rec, m);
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
        assert_eq!(rec.get(Field::InputAudioTokens), None, "no details: all text");
    }

    #[test]
    fn gemini_audio_prompt_and_image_output_by_modality() {
        // Real blocks of genai-prices' usages: gemini-2.0-flash with VIDEO (billed as text) and
        // AUDIO prompt tokens; gemini-3-pro-image-preview with 1,120 IMAGE of 1,780 candidates.
        let u = serde_json::json!({"candidatesTokenCount": 101, "promptTokenCount": 4610,
            "promptTokensDetails": [{"modality": "VIDEO", "tokenCount": 3096}, {"modality": "TEXT", "tokenCount": 14},
              {"modality": "AUDIO", "tokenCount": 1500}], "cachedContentTokenCount": 1000,
            "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 600}, {"modality": "TEXT", "tokenCount": 400}]});
        let mut rec = RawRecord::new(0);
        gemini(&u, &mut rec).unwrap();
        assert_eq!(
            (tokens(&rec, Field::InputAudioTokens), tokens(&rec, Field::CacheAudioReadTokens)),
            (1500, 600)
        );
        let u = serde_json::json!({"candidatesTokenCount": 1780, "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1120}],
            "promptTokenCount": 33, "thoughtsTokenCount": 529});
        let mut rec = RawRecord::new(0);
        gemini(&u, &mut rec).unwrap();
        assert_eq!((tokens(&rec, Field::OutputTokens), tokens(&rec, Field::OutputImageTokens)), (2309, 1120));
        // Cached audio without a cached total: capped, not a rejected response. 100 prompt
        // tokens, 90 audio, nothing cached: 90 uncached audio.
        let u = serde_json::json!({"promptTokenCount": 100, "candidatesTokenCount": 1,
            "promptTokensDetails": [{"modality": "AUDIO", "tokenCount": 90}],
            "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 50}]});
        let mut rec = RawRecord::new(0);
        gemini(&u, &mut rec).unwrap();
        assert_eq!(tokens(&rec, Field::InputAudioTokens), 90);
        assert_eq!(rec.get(Field::CacheAudioReadTokens), None);
        assert_eq!(rec.notes & NOTE_MODALITIES_CAPPED, NOTE_MODALITIES_CAPPED, "the cap is noted");
        // Image output above the candidates: capped at the 10 output tokens, noted.
        let u = serde_json::json!({"promptTokenCount": 5, "candidatesTokenCount": 10,
            "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 25}]});
        let mut rec = RawRecord::new(0);
        gemini(&u, &mut rec).unwrap();
        assert_eq!(
            (tokens(&rec, Field::OutputImageTokens), rec.notes & NOTE_MODALITIES_CAPPED),
            (10, NOTE_MODALITIES_CAPPED)
        );
    }

    #[test]
    fn openai_audio_tokens_are_their_own_class() {
        let u = serde_json::json!({"prompt_tokens": 120, "completion_tokens": 80,
            "prompt_tokens_details": {"audio_tokens": 100, "cached_tokens": 0},
            "completion_tokens_details": {"audio_tokens": 60, "reasoning_tokens": 0}});
        let mut rec = RawRecord::new(0);
        openai_chat(&u, &mut rec).unwrap();
        assert_eq!(
            (tokens(&rec, Field::InputAudioTokens), tokens(&rec, Field::OutputAudioTokens)),
            (100, 60)
        );
        // 64 of the 120 cached: at most the 56 uncached can be uncached audio.
        let u = serde_json::json!({"prompt_tokens": 120, "completion_tokens": 80,
            "prompt_tokens_details": {"audio_tokens": 100, "cached_tokens": 64}});
        let mut rec = RawRecord::new(0);
        openai_chat(&u, &mut rec).unwrap();
        assert_eq!(tokens(&rec, Field::InputAudioTokens), 56);
    }
}
