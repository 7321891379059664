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
            Dim::Day => {
                let first = calls.ts_ms.iter().min().map_or(0, |t| t.div_euclid(MS_PER_DAY));
                Codes::Day { ts: &calls.ts_ms, first }
            }
        }
    }
}

/// Row → code (0 = none) and code → label for one dimension.
pub enum Codes<'c> {
    Column(&'c StrColumn),
    Day { ts: &'c [i64], first: i64 },
}

impl Codes<'_> {
    pub fn code(&self, row: usize) -> u32 {
        match self {
            Codes::Column(c) => c.ids.get(row).copied().unwrap_or(0),
            Codes::Day { ts, first } => (ts[row].div_euclid(MS_PER_DAY) - first) as u32 + 1,
        }
    }

    /// One more than the largest code.
    pub fn cardinality(&self) -> usize {
        match self {
            Codes::Column(c) => c.dict.len() + 1,
            Codes::Day { ts, first } => {
                ts.iter().max().map_or(1, |t| (t.div_euclid(MS_PER_DAY) - first) as usize + 2)
            }
        }
    }

    pub fn label(&self, code: u32) -> Option<String> {
        match self {
            Codes::Column(c) => c.dict.get(code).map(str::to_string),
            Codes::Day { first, .. } => (code != 0).then(|| day_label(first + code as i64 - 1)),
        }
    }

    /// The code of a label, for filters (`None` when no row has it).
    pub fn code_of(&self, label: &str) -> Option<u32> {
        match self {
            Codes::Column(c) => c.dict.id_of(label),
            Codes::Day { first, .. } => {
                let day = chrono::NaiveDate::parse_from_str(label, "%Y-%m-%d").ok()?;
                let n = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis().div_euclid(MS_PER_DAY);
                u32::try_from(n - first + 1).ok()
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
        let codes = Codes::Day { ts: &ts, first: 3 };
        assert_eq!(codes.code(0), 1);
        assert_eq!(codes.code(1), 2);
        assert_eq!(codes.label(1).unwrap(), "1970-01-04");
        assert_eq!(codes.code_of("1970-01-05"), Some(2));
    }
}
