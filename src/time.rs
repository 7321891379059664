//! Time on the ground floor: every stage dates calls in UTC epoch milliseconds, and these
//! are the one home of the units, the parsers of dates and durations the flags and files
//! take, and the RFC 3339 text every output writes.

use anyhow::{anyhow, bail, Result};

pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// A UTC date (`2025-06-01`) or RFC 3339 timestamp, as epoch milliseconds.
pub fn parse_date(text: &str) -> Result<i64> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| anyhow!("{text:?} is not a date (YYYY-MM-DD) or RFC 3339 timestamp"))
}

/// RFC 3339 text (`T` or a space between date and time) → epoch ms.
pub fn rfc3339_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.timestamp_millis())
}

/// Epoch ms → RFC 3339 UTC (`2026-02-11T03:00:00.500Z`: milliseconds only when there are some).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// `3600000` → `1h`, `1800000` → `30m`, `90000` → `90s`, `500` → `500ms`: the form
/// `duration_ms` reads back.
pub fn duration_label(ms: i64) -> String {
    match ms {
        ms if ms > 0 && ms % MS_PER_HOUR == 0 => format!("{}h", ms / MS_PER_HOUR),
        ms if ms > 0 && ms % 60_000 == 0 => format!("{}m", ms / 60_000),
        ms if ms % 1_000 == 0 => format!("{}s", ms / 1_000),
        ms => format!("{ms}ms"),
    }
}

/// `90`, `90s`, `500ms`, `30m`, `1h` → milliseconds; `flag` names the option in the error.
pub fn duration_ms(flag: &str, text: &str) -> Result<i64> {
    let t = text.trim();
    let (digits, unit_ms) = if let Some(d) = t.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = t.strip_suffix('s') {
        (d, 1_000)
    } else if let Some(d) = t.strip_suffix('m') {
        (d, 60_000)
    } else if let Some(d) = t.strip_suffix('h') {
        (d, MS_PER_HOUR)
    } else {
        (t, 1_000)
    };
    match digits.trim().parse::<f64>() {
        Ok(n) if n >= 0.0 => Ok((n * unit_ms as f64).round() as i64),
        _ => bail!("--{flag} {text:?}: expected a duration such as 90s, 500ms, 30m or 1h"),
    }
}

/// `2026-10` → (`2026-10-01`, `2026-11-01`, `2026-09-01`): the month, its end and the month before.
pub fn month_bounds(month: &str) -> Option<(String, String, String)> {
    let (y, m) = month.trim().split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) || y.to_string().len() != 4 {
        return None;
    }
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let prev = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let day1 = |(y, m): (i32, u32)| format!("{y:04}-{m:02}-01");
    Some((day1((y, m)), day1(next), day1(prev)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_parse_to_epoch_ms() {
        assert_eq!(parse_date("1970-01-02").unwrap(), MS_PER_DAY);
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00").unwrap(), 0);
        assert!(parse_date("yesterday").is_err());
        assert_eq!(rfc3339_ms(" 1970-01-01T00:00:01.5Z "), Some(1_500));
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.500Z");
        assert_eq!(rfc3339(MS_PER_DAY), "1970-01-02T00:00:00Z");
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(duration_ms("x", "90").unwrap(), 90_000);
        assert_eq!(duration_ms("x", "500ms").unwrap(), 500);
        assert_eq!(duration_ms("x", "1.5m").unwrap(), 90_000);
        assert_eq!(duration_ms("x", "1h").unwrap(), MS_PER_HOUR);
        assert!(duration_ms("storm-gap", "-1s").unwrap_err().to_string().contains("--storm-gap"));
    }

    #[test]
    fn month_bounds_wrap_years() {
        let b = |m| month_bounds(m).unwrap();
        assert_eq!(b("2026-10"), ("2026-10-01".into(), "2026-11-01".into(), "2026-09-01".into()));
        assert_eq!(b("2026-12").1, "2027-01-01");
        assert_eq!(b("2026-01").2, "2025-12-01");
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("oct").is_none());
    }
}
