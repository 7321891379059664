//! Dimensions a report can group or filter by: the canonical string columns, any extra field
//! of the input, and the day or hour in the run's time zone (`--tz`, UTC by default). Each
//! row maps to an integer code per dimension, so grouping is array indexing, and codes map
//! back to labels only for the rows that are shown.

use crate::calls::StrCol;
use crate::calls::{Calls, StrColumn};

use crate::time::{Zone, MS_PER_DAY};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dim {
    Str(StrCol),
    /// An extra input field, by its index in the ingest plan's extras.
    Extra(usize, String),
    /// The local day, `YYYY-MM-DD`.
    Day(Zone),
    /// The local hour, labelled by `Zone::hour_label`.
    Hour(Zone),
}

impl Dim {
    /// Resolves a user-facing name; unknown names are extra input fields, appended to `extras`.
    /// Days and hours are counted in `zone`.
    pub fn parse(name: &str, extras: &mut Vec<String>, zone: Zone) -> Dim {
        let col = match name {
            "model" => Some(StrCol::Model),
            "provider" => Some(StrCol::Provider),
            "requested_model" => Some(StrCol::RequestedModel),
            "logged_model" => Some(StrCol::LoggedModel),
            "route" => Some(StrCol::Route),
            "feature" => Some(StrCol::Feature),
            "user" | "user_id" => Some(StrCol::User),
            "environment" | "env" => Some(StrCol::Environment),
            "job" | "job_id" => Some(StrCol::Job),
            "operation" | "operation_id" => Some(StrCol::Operation),
            "status" => Some(StrCol::Status),
            "error_type" => Some(StrCol::ErrorType),
            "finish_reason" => Some(StrCol::FinishReason),
            "prompt_hash" => Some(StrCol::PromptHash),
            "day" | "date" => return Dim::Day(zone),
            "hour" => return Dim::Hour(zone),
            _ => None,
        };
        if let Some(c) = col {
            return Dim::Str(c);
        }
        let index = extras.iter().position(|e| e == name).unwrap_or_else(|| {
            extras.push(name.to_string());
            extras.len() - 1
        });
        Dim::Extra(index, name.to_string())
    }

    pub fn name(&self) -> String {
        match self {
            Dim::Str(StrCol::User) => "user".into(),
            Dim::Str(StrCol::Job) => "job".into(),
            Dim::Str(StrCol::Operation) => "operation".into(),
            Dim::Str(c) => format!("{c:?}").chars().fold(String::new(), |mut s, ch| {
                if ch.is_uppercase() && !s.is_empty() {
                    s.push('_');
                }
                s.push(ch.to_ascii_lowercase());
                s
            }),
            Dim::Extra(_, name) => name.clone(),
            Dim::Day(_) => "day".into(),
            Dim::Hour(_) => "hour".into(),
        }
    }

    /// Whether this dimension buckets time (so its labels depend on the zone).
    pub fn is_time(&self) -> bool {
        matches!(self, Dim::Day(_) | Dim::Hour(_))
    }

    /// A reader of this dimension's codes over `calls`.
    pub fn codes<'c>(&self, calls: &'c Calls) -> Codes<'c> {
        match self {
            Dim::Str(c) => Codes::Column(calls.col(*c)),
            Dim::Extra(i, _) => Codes::Column(&calls.extras[*i]),
            Dim::Day(zone) => Codes::time(&calls.ts_ms, Bucket::Day(*zone)),
            Dim::Hour(zone) => Codes::time(&calls.ts_ms, Bucket::Hour(*zone)),
        }
    }
}

/// A time bucket: its key for an instant (a local day number, or the start of a local hour)
/// and its label.
#[derive(Clone, Copy, Debug)]
pub enum Bucket {
    Day(Zone),
    Hour(Zone),
}

impl Bucket {
    fn key(self, ts: i64) -> i64 {
        match self {
            Bucket::Day(z) => z.day(ts),
            Bucket::Hour(z) => z.hour_start(ts),
        }
    }

    fn label(self, key: i64) -> String {
        match self {
            Bucket::Day(_) => day_label(key),
            Bucket::Hour(z) => z.hour_label(key),
        }
    }
}

/// Row → code (0 = none) and code → label for one dimension.
pub enum Codes<'c> {
    Column(&'c StrColumn),
    /// Days and hours are coded densely by the distinct buckets present (`keys`, sorted:
    /// code = index + 1), so the tables grouping by them grow with the buckets that have
    /// calls, never with the span between the first and the last call. Keys sort in time
    /// order, so codes do too (the second 02:00 of a night the clocks go back comes second).
    Time {
        ts: &'c [i64],
        bucket: Bucket,
        keys: Vec<i64>,
    },
}

impl<'c> Codes<'c> {
    /// The bucket codes of the calls dated `ts` (epoch ms).
    pub fn time(ts: &'c [i64], bucket: Bucket) -> Self {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut last = None;
        for &t in ts {
            let key = bucket.key(t);
            if last != Some(key) {
                seen.insert(key);
                last = Some(key);
            }
        }
        let mut keys: Vec<i64> = seen.into_iter().collect();
        keys.sort_unstable();
        Codes::Time { ts, bucket, keys }
    }

    pub fn code(&self, row: usize) -> u32 {
        match self {
            Codes::Column(c) => c.ids.get(row).copied().unwrap_or(0),
            Codes::Time { ts, bucket, keys } => {
                keys.binary_search(&bucket.key(ts[row])).map_or(0, |i| i as u32 + 1)
            }
        }
    }

    /// One more than the largest code.
    pub fn cardinality(&self) -> usize {
        match self {
            Codes::Column(c) => c.dict.len() + 1,
            Codes::Time { keys, .. } => keys.len() + 1,
        }
    }

    pub fn label(&self, code: u32) -> Option<String> {
        match self {
            Codes::Column(c) => c.dict.get(code).map(str::to_string),
            Codes::Time { bucket, keys, .. } => {
                code.checked_sub(1).and_then(|i| keys.get(i as usize)).map(|&k| bucket.label(k))
            }
        }
    }

    /// The code of a label, for filters (`None` when no row has it).
    pub fn code_of(&self, label: &str) -> Option<u32> {
        match self {
            Codes::Column(c) => c.dict.id_of(label),
            Codes::Time { bucket: Bucket::Day(_), keys, .. } => {
                let day = chrono::NaiveDate::parse_from_str(label, "%Y-%m-%d").ok()?;
                let n = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis().div_euclid(MS_PER_DAY);
                keys.binary_search(&n).ok().map(|i| i as u32 + 1)
            }
            Codes::Time { bucket, keys, .. } => {
                keys.iter().position(|&k| bucket.label(k) == label).map(|i| i as u32 + 1)
            }
        }
    }
}

/// A day number (days since 1970-01-01 on the calendar it was counted in) as `YYYY-MM-DD`.
pub fn day_label(day: i64) -> String {
    chrono::DateTime::from_timestamp_millis(day * MS_PER_DAY)
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_and_unknowns_become_extras() {
        let mut extras = vec![];
        let utc = Zone::Utc;
        assert_eq!(Dim::parse("user_id", &mut extras, utc), Dim::Str(StrCol::User));
        assert_eq!(Dim::parse("team", &mut extras, utc), Dim::Extra(0, "team".into()));
        assert_eq!(Dim::parse("team", &mut extras, utc), Dim::Extra(0, "team".into()));
        assert_eq!(Dim::parse("hour", &mut extras, utc), Dim::Hour(utc));
        assert_eq!(extras, ["team"]);
        assert_eq!(Dim::Str(StrCol::RequestedModel).name(), "requested_model");
        assert_eq!(Dim::Str(StrCol::User).name(), "user");
    }

    #[test]
    fn day_codes_are_utc_days() {
        let ts = [86_400_000 * 3 + 5, 86_400_000 * 5 - 1];
        let codes = Codes::time(&ts, Bucket::Day(Zone::Utc));
        assert_eq!(codes.code(0), 1);
        assert_eq!(codes.code(1), 2);
        assert_eq!(codes.label(1).unwrap(), "1970-01-04");
        assert_eq!(codes.code_of("1970-01-05"), Some(2));
        assert_eq!(codes.code_of("1970-01-06"), None);
    }

    #[test]
    fn day_codes_grow_with_the_days_present_not_their_span_r12() {
        // 0001-01-01 and 9999-12-31: the old span coding asked for 3.65 million slots.
        let ts = [-62_135_596_800_000, 253_402_214_400_000, -62_135_596_800_000 + 5];
        let codes = Codes::time(&ts, Bucket::Day(Zone::Utc));
        assert_eq!(codes.cardinality(), 3);
        assert_eq!([codes.code(0), codes.code(1), codes.code(2)], [1, 2, 1]);
        assert_eq!(codes.label(1).unwrap(), "0001-01-01");
        assert_eq!(codes.label(2).unwrap(), "9999-12-31");
        assert_eq!(codes.label(0), None);
        assert_eq!(codes.label(3), None);
    }

    /// fixtures/tz.md: in Europe/Berlin the night of 2026-10-25 has two 02:00 hours, coded
    /// in time order and told apart by their offsets; a filter finds each by its label.
    #[test]
    fn hours_of_a_night_the_clocks_go_back_stay_apart() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let at = |s: &str| crate::time::rfc3339_ms(s).unwrap();
        let ts = [at("2026-10-25T01:30:00Z"), at("2026-10-25T00:30:00Z"), at("2026-10-25T01:59:00Z")];
        let codes = Codes::time(&ts, Bucket::Hour(berlin));
        assert_eq!([codes.code(0), codes.code(1), codes.code(2)], [2, 1, 2]);
        assert_eq!(codes.label(1).unwrap(), "2026-10-25T02:00+02:00");
        assert_eq!(codes.label(2).unwrap(), "2026-10-25T02:00+01:00");
        assert_eq!(codes.code_of("2026-10-25T02:00+01:00"), Some(2));
        let days = Codes::time(&ts, Bucket::Day(berlin));
        assert_eq!(days.cardinality(), 2);
        assert_eq!(days.label(1).unwrap(), "2026-10-25");
    }
}
