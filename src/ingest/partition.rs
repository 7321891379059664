//! Hive partitions: the `key=value` directories of a dataset path
//! (`calls/month=2026-10/env=prod/part-0.parquet`). Each value is a column of every row in
//! the files below it, and the one place it is written wins over a column of the same name in
//! a file (partition columns are not stored in Hive files); a key names a canonical field
//! (`environment`, or the short `env`, `user`, `job`, `operation`) or an extra field.
//!
//! Date keys say when the rows are, so a partition wholly outside `--since/--until` is left
//! unopened: `year=2026`, `month=2026-10` (or `year=2026/month=10`), `day=2026-10-05` (also
//! `date=` and `dt=`, or `year/month/day` as numbers). A partition's span is widened by a day
//! on each side before it is compared, since writers often partition by a local day; no time
//! zone is further than 14 hours from UTC.

use std::path::Path;

use chrono::Datelike;

use super::plan::Prune;
use crate::time::MS_PER_DAY;

/// The `key=value` directories of `path`, outermost first, values percent-decoded as Hive
/// writes them (`%3A` for `:`).
pub fn values(path: &Path) -> Vec<(String, String)> {
    let Some(dir) = path.parent() else { return Vec::new() };
    dir.components()
        .filter_map(|c| c.as_os_str().to_str()?.split_once('='))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

/// The canonical field name a partition key stands for, or the key itself (an extra field).
pub fn field_name(key: &str) -> &str {
    match key {
        "env" => "environment",
        "user" => "user_id",
        "job" => "job_id",
        "operation" => "operation_id",
        other => other,
    }
}

/// Whether a partition can hold no selected call: its dates lie outside the window, or one
/// of its values fails an equality filter on the same field.
pub fn pruned(values: &[(String, String)], prune: &Prune) -> bool {
    let by_date =
        span(values).is_some_and(|(start, end)| prune.outside(start - MS_PER_DAY, end + MS_PER_DAY));
    let by_filter = prune.filters.iter().any(|(field, wanted, negate)| {
        values.iter().any(|(k, v)| field_name(k) == field && (v == wanted) == *negate)
    });
    by_date || by_filter
}

/// The UTC span [start, end) the date keys of a partition name, in epoch ms.
pub fn span(values: &[(String, String)]) -> Option<(i64, i64)> {
    let get = |keys: &[&str]| values.iter().rev().find(|(k, _)| keys.contains(&k.as_str())).map(|(_, v)| v);
    let num = |v: &String| v.parse::<u32>().ok();
    let year = get(&["year"]).and_then(|v| v.parse::<i32>().ok());
    if let Some(day) = get(&["day", "date", "dt"]) {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            return Some(day_span(d, d.succ_opt()?));
        }
        let month = get(&["month"]).and_then(num)?;
        let d = chrono::NaiveDate::from_ymd_opt(year?, month, num(day)?)?;
        return Some(day_span(d, d.succ_opt()?));
    }
    if let Some(month) = get(&["month"]) {
        let (y, m) = match month.split_once('-') {
            Some((y, m)) => (y.parse().ok()?, m.parse().ok()?),
            None => (year?, num(month)?),
        };
        let start = chrono::NaiveDate::from_ymd_opt(y, m, 1)?;
        let end =
            if m == 12 { chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)? } else { start.with_month0(m)? };
        return Some(day_span(start, end));
    }
    let y = year?;
    Some(day_span(chrono::NaiveDate::from_ymd_opt(y, 1, 1)?, chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)?))
}

fn day_span(start: chrono::NaiveDate, end: chrono::NaiveDate) -> (i64, i64) {
    let ms =
        |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp_millis();
    (ms(start), ms(end))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex =
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(path: &str) -> Vec<(String, String)> {
        values(Path::new(path))
    }

    fn ms(date: &str) -> i64 {
        crate::time::parse_date(date).unwrap()
    }

    #[test]
    fn keys_come_from_directories_only_and_are_decoded() {
        let got = kv("data/month=2026-10/env=prod/x=a%3Ab/part-0.parquet");
        let want = [("month", "2026-10"), ("env", "prod"), ("x", "a:b")];
        assert_eq!(got, want.map(|(k, v)| (k.to_string(), v.to_string())));
        assert!(kv("a=b.parquet").is_empty());
    }

    #[test]
    fn spans_of_every_date_layout() {
        // October has 31 days: [Oct 1, Nov 1).
        assert_eq!(span(&kv("month=2026-10/f")), Some((ms("2026-10-01"), ms("2026-11-01"))));
        assert_eq!(span(&kv("year=2026/month=12/f")), Some((ms("2026-12-01"), ms("2027-01-01"))));
        assert_eq!(span(&kv("month=2026-10/day=2026-10-31/f")), Some((ms("2026-10-31"), ms("2026-11-01"))));
        assert_eq!(span(&kv("year=2026/month=2/day=28/f")), Some((ms("2026-02-28"), ms("2026-03-01"))));
        assert_eq!(span(&kv("dt=2026-10-05/f")), Some((ms("2026-10-05"), ms("2026-10-06"))));
        assert_eq!(span(&kv("year=2026/f")), Some((ms("2026-01-01"), ms("2027-01-01"))));
        assert_eq!(span(&kv("env=prod/f")), None);
        assert_eq!(span(&kv("month=october/f")), None);
    }

    #[test]
    fn pruned_by_the_widened_span_and_by_equality_filters() {
        let oct = kv("month=2026-10/env=prod/f");
        let since = |d: &str| Prune { since: Some(ms(d)), ..Prune::default() };
        // October ends Nov 1; widened by a day it may hold calls until Nov 2 (exclusive).
        assert!(!pruned(&oct, &since("2026-11-01")));
        assert!(!pruned(&oct, &since("2026-11-01T23:59:59Z")));
        assert!(pruned(&oct, &since("2026-11-02")));
        // Widened, October starts Sept 30: a call at Sept 30 00:00:00.5 UTC may be in it.
        let until = Prune { until: Some(ms("2026-09-30T00:00:01Z")), ..Prune::default() };
        assert!(!pruned(&oct, &until));
        let until = Prune { until: Some(ms("2026-09-30")), ..Prune::default() };
        assert!(pruned(&oct, &until));
        let filter = |v: &str, negate| Prune {
            filters: vec![("environment".into(), v.into(), negate)],
            ..Prune::default()
        };
        assert!(pruned(&oct, &filter("staging", false)));
        assert!(!pruned(&oct, &filter("prod", false)));
        assert!(pruned(&oct, &filter("prod", true)));
        assert!(!pruned(&oct, &Prune::default()));
    }
}
