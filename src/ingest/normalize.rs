//! `RawRecord` → `Call`: one canonical, validated call (UTC epoch milliseconds, token classes
//! checked against each other, outcome and batch flags derived). Impossible rows become a
//! `Invalid` naming the field, never a guess.

use std::borrow::Cow;

use crate::calls::{Aggregate, Call, StrCol, Tokens};
use crate::ingest::limits;
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::time::rfc3339_ms;

/// The log field a stored string column is read from.
pub fn field_of(col: StrCol) -> Field {
    match col {
        StrCol::Provider => Field::Provider,
        StrCol::Model => Field::Model,
        StrCol::RequestedModel => Field::RequestedModel,
        StrCol::Route => Field::Route,
        StrCol::Feature => Field::Feature,
        StrCol::User => Field::UserId,
        StrCol::Environment => Field::Environment,
        StrCol::Job => Field::JobId,
        StrCol::Operation => Field::OperationId,
        StrCol::Status => Field::Status,
        StrCol::ErrorType => Field::ErrorType,
        StrCol::FinishReason => Field::FinishReason,
        StrCol::PromptHash => Field::PromptHash,
        StrCol::LoggedModel => Field::Model,
    }
}

/// The stored string column a log field fills, if any.
pub fn col_of(field: Field) -> Option<StrCol> {
    StrCol::ALL.into_iter().find(|&c| field_of(c) == field)
}

/// Why a record was rejected: the field at fault (if one) and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: Option<&'static str>,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: Option<Field>, reason: impl Into<String>) -> Self {
        Invalid { field: field.map(Field::name), reason: reason.into() }
    }
}

/// Validates and converts one record. `keep[c]` says which string columns the run needs.
pub fn normalize<'r>(raw: &'r RawRecord<'_>, keep: &[bool; StrCol::COUNT]) -> Result<Call<'r>, Invalid> {
    let ts_ms = timestamp(raw.get(Field::Timestamp))?;
    let model = string(raw.get(Field::Model)).ok_or_else(|| Invalid::new(Some(Field::Model), "missing"))?;
    if model.is_empty() {
        return Err(Invalid::new(Some(Field::Model), "empty"));
    }
    let tokens = tokens(raw)?;
    let mut strs: [Option<Cow<'r, str>>; StrCol::COUNT] = Default::default();
    for col in StrCol::ALL {
        if keep[col as usize] {
            strs[col as usize] = string(raw.get(field_of(col)));
        }
    }
    strs[StrCol::Model as usize] = Some(model);
    let status = string(raw.get(Field::Status));
    let http_status = opt_uint(raw, Field::HttpStatus)?.map(|s| s.min(u16::MAX as u64) as u16);
    let is_error = match status.as_deref() {
        Some(s) => ["error", "failed", "failure"].iter().any(|e| s.eq_ignore_ascii_case(e)),
        None => http_status.is_some_and(|h| h >= 400) || raw.get(Field::ErrorType).is_some(),
    };
    let tier = string(raw.get(Field::ServiceTier));
    let batch = boolean(raw, Field::Batch)?
        || tier.is_some_and(|t| t.eq_ignore_ascii_case("batch") || t.eq_ignore_ascii_case("flex"));
    Ok(Call {
        ts_ms,
        strs,
        tokens,
        attempt: opt_uint(raw, Field::Attempt)?.map(|a| a.min(u32::MAX as u64) as u32),
        http_status,
        max_tokens: opt_uint(raw, Field::MaxTokens)?,
        latency_ms: opt_float(raw, Field::LatencyMs)?,
        is_error,
        batch,
        cache_hit: boolean(raw, Field::CacheHit)?,
        logged_cost: opt_float(raw, Field::CostUsd)?,
        aggregate: aggregate(raw)?,
    })
}

/// A row is an aggregate when `aggregate` says so; a single call may say `requests: 1`, never
/// more, so a log that counts requests per call loses nothing to the per-call analyses.
fn aggregate(raw: &RawRecord<'_>) -> Result<Option<Aggregate>, Invalid> {
    let requests = opt_uint(raw, Field::Requests)?;
    if !boolean(raw, Field::Aggregate)? {
        return match requests {
            Some(n) if n != 1 => Err(Invalid::new(
                Some(Field::Requests),
                format!("{n} requests on a row without aggregate: true"),
            )),
            _ => Ok(None),
        };
    }
    let long_context = match raw.get(Field::LongContext) {
        None => None,
        Some(_) => Some(boolean(raw, Field::LongContext)?),
    };
    Ok(Some(Aggregate { requests, long_context }))
}

/// The most tokens one record may count in a class (a usage bucket sums many requests): no
/// call comes near it, and under it every cost and sum is exact.
pub const MAX_TOKENS: u64 = 1_000_000_000_000_000;

fn tokens(raw: &RawRecord<'_>) -> Result<Tokens, Invalid> {
    let required = |f: Field| opt_uint(raw, f)?.ok_or_else(|| Invalid::new(Some(f), "missing"));
    let optional = |f: Field| opt_uint(raw, f).map(|v| v.unwrap_or(0));
    let t = Tokens {
        input: required(Field::InputTokens)?,
        output: required(Field::OutputTokens)?,
        cache_read: optional(Field::CacheReadTokens)?,
        cache_write: optional(Field::CacheWriteTokens)?,
        cache_write_1h: optional(Field::CacheWrite1hTokens)?,
        reasoning: optional(Field::ReasoningTokens)?,
        input_audio: optional(Field::InputAudioTokens)?,
        cache_audio_read: optional(Field::CacheAudioReadTokens)?,
        output_audio: optional(Field::OutputAudioTokens)?,
        output_image: optional(Field::OutputImageTokens)?,
    };
    for (field, n) in [(Field::InputTokens, t.input), (Field::OutputTokens, t.output)] {
        if n > MAX_TOKENS {
            return Err(Invalid::new(Some(field), format!("{n} is above 10^15 tokens: not a real count")));
        }
    }
    if t.cache_read.saturating_add(t.cache_write) > t.input {
        let why = format!(
            "cache_read_tokens {} + cache_write_tokens {} > input_tokens {}",
            t.cache_read, t.cache_write, t.input
        );
        return Err(Invalid::new(Some(Field::InputTokens), why));
    }
    if t.cache_write_1h > t.cache_write {
        let why =
            format!("cache_write_1h_tokens {} > cache_write_tokens {}", t.cache_write_1h, t.cache_write);
        return Err(Invalid::new(Some(Field::CacheWrite1hTokens), why));
    }
    if t.reasoning > t.output {
        let why = format!("reasoning_tokens {} > output_tokens {}", t.reasoning, t.output);
        return Err(Invalid::new(Some(Field::ReasoningTokens), why));
    }
    modalities(&t)?;
    Ok(t)
}

/// The modality classes are subsets too: cached audio of both the audio prompt and the cache
/// reads, the uncached audio of the uncached prompt, audio and image output of the output.
fn modalities(t: &Tokens) -> Result<(), Invalid> {
    let fail = |field: Field, why: String| Err(Invalid::new(Some(field), why));
    if t.cache_audio_read > t.input_audio.min(t.cache_read) {
        let why = format!(
            "cache_audio_read_tokens {} > input_audio_tokens {} or cache_read_tokens {}",
            t.cache_audio_read, t.input_audio, t.cache_read
        );
        return fail(Field::CacheAudioReadTokens, why);
    }
    let uncached = t.input - t.cache_read - t.cache_write;
    if t.input_audio - t.cache_audio_read > uncached {
        let why = format!(
            "input_audio_tokens {} - cache_audio_read_tokens {} > uncached input tokens {uncached}",
            t.input_audio, t.cache_audio_read
        );
        return fail(Field::InputAudioTokens, why);
    }
    if t.output_audio.saturating_add(t.output_image) > t.output {
        let why = format!(
            "output_audio_tokens {} + output_image_tokens {} > output_tokens {}",
            t.output_audio, t.output_image, t.output
        );
        let field =
            if t.output_audio > t.output { Field::OutputAudioTokens } else { Field::OutputImageTokens };
        return fail(field, why);
    }
    Ok(())
}

fn string<'r>(value: Option<&'r Scalar<'_>>) -> Option<Cow<'r, str>> {
    match value? {
        Scalar::Str(s) => Some(Cow::Borrowed(s.as_ref())),
        Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
        Scalar::Float(f) => Some(Cow::Owned(f.to_string())),
        Scalar::Bool(b) => Some(Cow::Owned(b.to_string())),
    }
}

/// A non-negative whole number; `"12"` in a CSV cell or a JSON string counts.
fn opt_uint(raw: &RawRecord<'_>, field: Field) -> Result<Option<u64>, Invalid> {
    let bad = |what: &str| Invalid::new(Some(field), what.to_string());
    let n: i64 = match raw.get(field) {
        None => return Ok(None),
        Some(Scalar::Int(i)) => *i,
        Some(Scalar::Float(f)) if f.fract() == 0.0 && f.abs() < 9e15 => *f as i64,
        Some(Scalar::Str(s)) if s.trim().is_empty() => return Ok(None),
        Some(Scalar::Str(s)) => match s.trim().parse::<i64>() {
            Ok(i) => i,
            Err(_) => return Err(bad(&format!("not a whole number: {s:?}"))),
        },
        Some(other) => return Err(bad(&format!("not a whole number: {}", describe(other)))),
    };
    if n < 0 {
        return Err(bad(&format!("negative: {n}")));
    }
    Ok(Some(n as u64))
}

/// A finite number: `"NaN"` or `"inf"` in a log is a broken field, not a figure.
fn opt_float(raw: &RawRecord<'_>, field: Field) -> Result<Option<f64>, Invalid> {
    let n = match raw.get(field) {
        None => return Ok(None),
        Some(Scalar::Int(i)) => *i as f64,
        Some(Scalar::Float(f)) => *f,
        Some(Scalar::Str(s)) if s.trim().is_empty() => return Ok(None),
        Some(Scalar::Str(s)) => {
            s.trim().parse().map_err(|_| Invalid::new(Some(field), format!("not a number: {s:?}")))?
        }
        Some(other) => return Err(Invalid::new(Some(field), format!("not a number: {}", describe(other)))),
    };
    if !n.is_finite() {
        return Err(Invalid::new(
            Some(field),
            format!("not a finite number: {}", describe(raw.get(field).expect("present"))),
        ));
    }
    Ok(Some(n))
}

fn boolean(raw: &RawRecord<'_>, field: Field) -> Result<bool, Invalid> {
    match raw.get(field) {
        None => Ok(false),
        Some(Scalar::Bool(b)) => Ok(*b),
        Some(Scalar::Int(0)) => Ok(false),
        Some(Scalar::Int(1)) => Ok(true),
        Some(Scalar::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => Ok(false),
            "true" | "1" | "yes" => Ok(true),
            _ => Err(Invalid::new(Some(field), format!("not true/false: {s:?}"))),
        },
        Some(other) => Err(Invalid::new(Some(field), format!("not true/false: {}", describe(other)))),
    }
}

/// RFC 3339 text, or epoch seconds / milliseconds (a number, or digits in a CSV cell), within
/// `limits::MIN_TS_MS..limits::MAX_TS_MS`: a time outside it (`1e17`, `9999-12-31`, `"inf"`)
/// is a broken clock or a broken field, not a call to spread a day breakdown over.
fn timestamp(value: Option<&Scalar<'_>>) -> Result<i64, Invalid> {
    let bad = |why: String| Invalid::new(Some(Field::Timestamp), why);
    let ms = match value {
        None => return Err(bad("missing".into())),
        Some(Scalar::Int(i)) => epoch_ms(*i as f64),
        Some(Scalar::Float(f)) => epoch_ms(*f),
        Some(Scalar::Str(s)) => {
            let s = s.trim();
            match s.parse::<f64>() {
                Ok(n) => epoch_ms(n),
                Err(_) => Some(
                    rfc3339_ms(s)
                        .ok_or_else(|| bad(format!("not RFC 3339 or epoch seconds/milliseconds: {s:?}")))?,
                ),
            }
        }
        Some(other) => return Err(bad(format!("not a timestamp: {}", describe(other)))),
    };
    match ms {
        Some(ms) if (limits::MIN_TS_MS..limits::MAX_TS_MS).contains(&ms) => Ok(ms),
        _ => Err(bad(format!("{} outside {}", describe(value.expect("present")), limits::ts_range()))),
    }
}

/// Epoch numbers above 1e11 are milliseconds (1e11 seconds is the year 5138); `None` for a
/// number that is no time at all (NaN, infinite, beyond i64 milliseconds).
fn epoch_ms(n: f64) -> Option<i64> {
    let ms = if n.abs() > 1e11 { n } else { n * 1000.0 };
    (ms.is_finite() && ms.abs() < 9e18).then(|| ms.round() as i64)
}

fn describe(s: &Scalar<'_>) -> String {
    match s {
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Str(s) => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEEP_ALL: [bool; StrCol::COUNT] = [true; StrCol::COUNT];

    fn record(pairs: &[(Field, Scalar<'static>)]) -> RawRecord<'static> {
        let mut r = RawRecord::new(0);
        for (f, v) in pairs {
            r.set(*f, Some(v.clone()));
        }
        r
    }

    fn base() -> Vec<(Field, Scalar<'static>)> {
        vec![
            (Field::Timestamp, Scalar::Str("2026-03-01T00:30:00+01:00".into())),
            (Field::Model, Scalar::Str("m".into())),
            (Field::InputTokens, Scalar::Int(100)),
            (Field::OutputTokens, Scalar::Str("20".into())),
        ]
    }

    fn with(extra: &[(Field, Scalar<'static>)]) -> RawRecord<'static> {
        let mut pairs = base();
        pairs.extend_from_slice(extra);
        record(&pairs)
    }

    #[test]
    fn converts_offset_to_utc() {
        let r = with(&[]);
        let call = normalize(&r, &KEEP_ALL).unwrap();
        // 00:30 at +01:00 is 23:30 UTC the day before.
        assert_eq!(
            call.ts_ms,
            chrono::DateTime::parse_from_rfc3339("2026-02-28T23:30:00Z").unwrap().timestamp_millis()
        );
        assert_eq!(call.tokens.output, 20);
    }

    #[test]
    fn epoch_seconds_and_millis() {
        assert_eq!(timestamp(Some(&Scalar::Int(1_772_323_200))).unwrap(), 1_772_323_200_000);
        assert_eq!(timestamp(Some(&Scalar::Int(1_772_323_200_123))).unwrap(), 1_772_323_200_123);
        assert_eq!(timestamp(Some(&Scalar::Str("1772323200".into()))).unwrap(), 1_772_323_200_000);
    }

    #[test]
    fn absurd_times_and_figures_are_rejected_r12() {
        let ts = |s: Scalar<'static>| timestamp(Some(&s));
        for bad in ["1e17", "1e30", "inf", "-inf", "NaN", "9223372036854775807", "-9223372036854775808"] {
            let err = ts(Scalar::Str(bad.into())).unwrap_err();
            assert_eq!(err.field, Some("timestamp"), "{bad}");
            assert!(err.reason.contains("outside the accepted range 2000-01-01"), "{bad}: {}", err.reason);
        }
        for bad in [Scalar::Float(1e17), Scalar::Int(i64::MAX), Scalar::Int(i64::MIN), Scalar::Int(0)] {
            assert!(ts(bad.clone()).is_err(), "{bad:?}");
        }
        assert!(ts(Scalar::Str("0001-01-01T00:00:00Z".into())).is_err());
        assert!(ts(Scalar::Str("9999-12-31T00:00:00Z".into())).is_err());
        assert!(ts(Scalar::Str("2099-12-31T23:59:59.999Z".into())).is_ok());
        assert!(ts(Scalar::Str("2100-01-01T00:00:00Z".into())).is_err());
        assert_eq!(ts(Scalar::Str("2000-01-01T00:00:00Z".into())).unwrap(), 946_684_800_000);
        assert!(ts(Scalar::Str("1999-12-31T23:59:59Z".into())).is_err());
        // README: only a number above 1e11 is milliseconds; 1e11 seconds is out of range.
        assert!(ts(Scalar::Int(100_000_000_000)).unwrap_err().reason.contains("outside"));
        for field in [Field::LatencyMs, Field::CostUsd] {
            for bad in ["NaN", "inf", "-inf", "infinity"] {
                let err = normalize(&with(&[(field, Scalar::Str(bad.into()))]), &KEEP_ALL).unwrap_err();
                assert_eq!(err.field, Some(field.name()), "{bad}");
                assert!(err.reason.contains("not a finite number"), "{}", err.reason);
            }
        }
    }

    #[test]
    fn rejects_impossible_rows_naming_the_field() {
        let cases = [
            (
                with(&[
                    (Field::CacheReadTokens, Scalar::Int(60)),
                    (Field::CacheWriteTokens, Scalar::Int(50)),
                ]),
                "input_tokens",
            ),
            (
                with(&[
                    (Field::CacheWriteTokens, Scalar::Int(5)),
                    (Field::CacheWrite1hTokens, Scalar::Int(6)),
                ]),
                "cache_write_1h_tokens",
            ),
            (with(&[(Field::ReasoningTokens, Scalar::Int(21))]), "reasoning_tokens"),
            // 100 input, 20 output: the modality classes are subsets of them.
            (with(&[(Field::InputAudioTokens, Scalar::Int(101))]), "input_audio_tokens"),
            (
                with(&[
                    (Field::CacheReadTokens, Scalar::Int(50)),
                    (Field::InputAudioTokens, Scalar::Int(60)),
                ]),
                "input_audio_tokens",
            ),
            (
                with(&[
                    (Field::InputAudioTokens, Scalar::Int(10)),
                    (Field::CacheAudioReadTokens, Scalar::Int(5)),
                ]),
                "cache_audio_read_tokens",
            ),
            (
                with(&[
                    (Field::OutputAudioTokens, Scalar::Int(15)),
                    (Field::OutputImageTokens, Scalar::Int(6)),
                ]),
                "output_image_tokens",
            ),
            (with(&[(Field::OutputAudioTokens, Scalar::Int(21))]), "output_audio_tokens"),
            (with(&[(Field::InputTokens, Scalar::Int(-1))]), "input_tokens"),
            (with(&[(Field::InputTokens, Scalar::Str("lots".into()))]), "input_tokens"),
            (with(&[(Field::Timestamp, Scalar::Str("yesterday".into()))]), "timestamp"),
            (with(&[(Field::Batch, Scalar::Str("maybe".into()))]), "batch"),
        ];
        for (raw, field) in cases {
            let err = normalize(&raw, &KEEP_ALL).unwrap_err();
            assert_eq!(err.field, Some(field), "{err:?}");
        }
        let mut missing = with(&[]);
        missing.set(Field::OutputTokens, None);
        assert_eq!(normalize(&missing, &KEEP_ALL).unwrap_err().field, Some("output_tokens"));
    }

    #[test]
    fn aggregate_rows_are_marked_not_guessed() {
        let call = with(&[(Field::Requests, Scalar::Int(1))]);
        assert_eq!(normalize(&call, &KEEP_ALL).unwrap().aggregate, None, "a call counting itself is a call");
        let unmarked = with(&[(Field::Requests, Scalar::Int(40))]);
        assert_eq!(normalize(&unmarked, &KEEP_ALL).unwrap_err().field, Some("requests"));
        let bucket = with(&[(Field::Aggregate, Scalar::Bool(true)), (Field::Requests, Scalar::Int(40))]);
        let agg = normalize(&bucket, &KEEP_ALL).unwrap().aggregate.unwrap();
        assert_eq!((agg.requests, agg.long_context), (Some(40), None));
    }

    #[test]
    fn batch_from_flag_or_service_tier() {
        let r = with(&[(Field::ServiceTier, Scalar::Str("flex".into()))]);
        assert!(normalize(&r, &KEEP_ALL).unwrap().batch);
        let r = with(&[(Field::ServiceTier, Scalar::Str("priority".into()))]);
        assert!(!normalize(&r, &KEEP_ALL).unwrap().batch);
        let r = with(&[(Field::Batch, Scalar::Bool(true))]);
        assert!(normalize(&r, &KEEP_ALL).unwrap().batch);
    }

    #[test]
    fn error_from_status_or_http() {
        let r = with(&[(Field::Status, Scalar::Str("error".into()))]);
        assert!(normalize(&r, &KEEP_ALL).unwrap().is_error);
        let r = with(&[(Field::HttpStatus, Scalar::Int(429))]);
        assert!(normalize(&r, &KEEP_ALL).unwrap().is_error);
        let r = with(&[(Field::Status, Scalar::Str("ok".into())), (Field::HttpStatus, Scalar::Int(200))]);
        assert!(!normalize(&r, &KEEP_ALL).unwrap().is_error);
    }

    #[test]
    fn numbers_become_strings_for_attributes() {
        let r = with(&[(Field::UserId, Scalar::Int(42))]);
        assert_eq!(normalize(&r, &KEEP_ALL).unwrap().str(StrCol::User), Some("42"));
    }
}
