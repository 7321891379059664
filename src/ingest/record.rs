//! `RawRecord`: what every reader hands to `normalize` — the canonical fields as found in the
//! input (borrowed where possible, not yet validated), plus the extra fields a report asked for.

use std::borrow::Cow;

/// A scalar as found in the input; a CSV cell is always `Str`.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(Cow<'a, str>),
}

macro_rules! fields {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// The canonical fields of a call record.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Field { $($variant),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];
            pub const COUNT: usize = Self::ALL.len();

            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Field> {
                match name { $($name => Some(Field::$variant),)* _ => None }
            }
        }
    };
}

fields! {
    Timestamp = "timestamp",
    RequestId = "request_id",
    OperationId = "operation_id",
    Attempt = "attempt",
    JobId = "job_id",
    Provider = "provider",
    Model = "model",
    RequestedModel = "requested_model",
    InputTokens = "input_tokens",
    OutputTokens = "output_tokens",
    CacheReadTokens = "cache_read_tokens",
    CacheWriteTokens = "cache_write_tokens",
    CacheWrite1hTokens = "cache_write_1h_tokens",
    ReasoningTokens = "reasoning_tokens",
    InputAudioTokens = "input_audio_tokens",
    CacheAudioReadTokens = "cache_audio_read_tokens",
    OutputAudioTokens = "output_audio_tokens",
    OutputImageTokens = "output_image_tokens",
    Status = "status",
    ErrorType = "error_type",
    HttpStatus = "http_status",
    FinishReason = "finish_reason",
    MaxTokens = "max_tokens",
    LatencyMs = "latency_ms",
    Route = "route",
    Feature = "feature",
    UserId = "user_id",
    Environment = "environment",
    Batch = "batch",
    ServiceTier = "service_tier",
    CacheHit = "cache_hit",
    CostUsd = "cost_usd",
    PromptHash = "prompt_hash",
    Aggregate = "aggregate",
    Requests = "requests",
    LongContext = "long_context",
}

/// One input record. `None` means missing or null: the two are the same.
#[derive(Debug)]
pub struct RawRecord<'a> {
    pub fields: [Option<Scalar<'a>>; Field::COUNT],
    /// Values of the extra (non-canonical) fields a report asked for, in the order asked.
    pub extras: Vec<Option<Cow<'a, str>>>,
    /// What a native reader noticed about the record for the report's notes (`NOTE_*`).
    pub notes: u8,
}

/// The usage block's cache-write total contradicted its 5m/1h breakdown; the breakdown was used.
pub const NOTE_WRITE_SPLIT_CONTRADICTS: u8 = 1;
/// An audio or image count exceeded the total it is part of; it was capped at that total.
pub const NOTE_MODALITIES_CAPPED: u8 = 2;

impl<'a> RawRecord<'a> {
    pub fn new(extra_count: usize) -> Self {
        // More fields than `Default` covers for arrays (32).
        RawRecord { fields: std::array::from_fn(|_| None), extras: vec![None; extra_count], notes: 0 }
    }

    pub fn get(&self, field: Field) -> Option<&Scalar<'a>> {
        self.fields[field as usize].as_ref()
    }

    pub fn set(&mut self, field: Field, value: Option<Scalar<'a>>) {
        self.fields[field as usize] = value;
    }

    pub fn clear(&mut self) {
        self.fields.iter_mut().for_each(|f| *f = None);
        self.extras.iter_mut().for_each(|e| *e = None);
        self.notes = 0;
    }
}

/// A whole-number field of a record, for tests; panics when it is anything else.
#[cfg(test)]
pub fn int_of(rec: &RawRecord<'_>, f: Field) -> i64 {
    match rec.get(f) {
        Some(Scalar::Int(i)) => *i,
        other => panic!("{f:?}: {other:?}"),
    }
}

/// A text field of a record, for tests; panics when it is anything else.
#[cfg(test)]
pub fn str_of<'a>(rec: &'a RawRecord<'_>, f: Field) -> &'a str {
    match rec.get(f) {
        Some(Scalar::Str(s)) => s,
        other => panic!("{f:?}: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(f));
        }
        assert_eq!(Field::from_name("team"), None);
    }
}
