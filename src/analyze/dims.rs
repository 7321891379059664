//! Dimensions a report can group or filter by: the canonical string columns, any extra field
//! of the input, and the UTC day. Each row maps to an integer code per dimension, so grouping
//! is array indexing, and codes map back to labels only for the rows that are shown.

use crate::calls::StrCol;
use crate::calls::{Calls, StrColumn};

use crate::time::MS_PER_DAY;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dim {
    Str(StrCol),
    /// An extra input field, by its index in the ingest plan's extras.
    Extra(usize, String),
    Day,
}

impl Dim {
    /// Resolves a user-facing name; unknown names are extra input fields, appended to `extras`.
    pub fn parse(name: &str, extras: &mut Vec<String>) -> Dim {
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
            "day" | "date" => return Dim::Day,
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
            Dim::Day => "day".into(),
        }
    }

    /// A reader of this dimension's codes over `calls`.
    pub fn codes<'c>(&self, calls: &'c Calls) -> Codes<'c> {
        match self {
            Dim::Str(c) => Codes::Column(calls.col(*c)),
            Dim::Extra(i, _) => Codes::Column(&calls.extras[*i]),
            Dim::Day => Codes::day(&calls.ts_ms),
        }
    }
}

/// Row → code (0 = none) and code → label for one dimension.
pub enum Codes<'c> {
    Column(&'c StrColumn),
    /// Days are coded densely by the distinct days present (`days`, sorted: code = index + 1),
    /// so the tables grouping by day grow with the days that have calls, never with the span
    /// between the first and the last call.
    Day {
        ts: &'c [i64],
        days: Vec<i64>,
    },
}

impl<'c> Codes<'c> {
    /// The day codes of the calls dated `ts` (epoch ms).
    pub fn day(ts: &'c [i64]) -> Self {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut last = None;
        for t in ts {
            let day = t.div_euclid(MS_PER_DAY);
            if last != Some(day) {
                seen.insert(day);
                last = Some(day);
            }
        }
        let mut days: Vec<i64> = seen.into_iter().collect();
        days.sort_unstable();
        Codes::Day { ts, days }
    }

    pub fn code(&self, row: usize) -> u32 {
        match self {
            Codes::Column(c) => c.ids.get(row).copied().unwrap_or(0),
            Codes::Day { ts, days } => {
                days.binary_search(&ts[row].div_euclid(MS_PER_DAY)).map_or(0, |i| i as u32 + 1)
            }
        }
    }

    /// One more than the largest code.
    pub fn cardinality(&self) -> usize {
        match self {
            Codes::Column(c) => c.dict.len() + 1,
            Codes::Day { days, .. } => days.len() + 1,
        }
    }

    pub fn label(&self, code: u32) -> Option<String> {
        match self {
            Codes::Column(c) => c.dict.get(code).map(str::to_string),
            Codes::Day { days, .. } => {
                code.checked_sub(1).and_then(|i| days.get(i as usize)).map(|&d| day_label(d))
            }
        }
    }

    /// The code of a label, for filters (`None` when no row has it).
    pub fn code_of(&self, label: &str) -> Option<u32> {
        match self {
            Codes::Column(c) => c.dict.id_of(label),
            Codes::Day { days, .. } => {
                let day = chrono::NaiveDate::parse_from_str(label, "%Y-%m-%d").ok()?;
                let n = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis().div_euclid(MS_PER_DAY);
                days.binary_search(&n).ok().map(|i| i as u32 + 1)
            }
        }
    }
}

/// A UTC day number (days since 1970-01-01) as `YYYY-MM-DD`.
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
        assert_eq!(Dim::parse("user_id", &mut extras), Dim::Str(StrCol::User));
        assert_eq!(Dim::parse("team", &mut extras), Dim::Extra(0, "team".into()));
        assert_eq!(Dim::parse("team", &mut extras), Dim::Extra(0, "team".into()));
        assert_eq!(extras, ["team"]);
        assert_eq!(Dim::Str(StrCol::RequestedModel).name(), "requested_model");
        assert_eq!(Dim::Str(StrCol::User).name(), "user");
    }

    #[test]
    fn day_codes_are_utc_days() {
        let ts = [86_400_000 * 3 + 5, 86_400_000 * 5 - 1];
        let codes = Codes::day(&ts);
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
        let codes = Codes::day(&ts);
        assert_eq!(codes.cardinality(), 3);
        assert_eq!([codes.code(0), codes.code(1), codes.code(2)], [1, 2, 1]);
        assert_eq!(codes.label(1).unwrap(), "0001-01-01");
        assert_eq!(codes.label(2).unwrap(), "9999-12-31");
        assert_eq!(codes.label(0), None);
        assert_eq!(codes.label(3), None);
    }
}
