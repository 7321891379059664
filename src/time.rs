//! Time on the ground floor: every stage dates calls in UTC epoch milliseconds, and these
//! are the one home of the units, the parsers of dates and durations the flags and files
//! take, and the RFC 3339 text every output writes. `Zone` is the one place a time zone
//! (`--tz`) turns an instant into a local day or hour: calls stay in UTC, only the buckets
//! and the dates a user types move.

use anyhow::{anyhow, bail, Result};
use chrono::{Offset, TimeZone};

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

/// The time zone that day and hour buckets are counted in, and that a bare date
/// (`--since 2026-10-01`, `--month 2026-10`) is read in: UTC unless `--tz` names an IANA zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    #[default]
    Utc,
    Named(chrono_tz::Tz),
}

impl Zone {
    /// `UTC` (any case) or an IANA name such as `Europe/Berlin`; an unknown name is an error
    /// that suggests the name differing only in case, when there is one.
    pub fn parse(name: &str) -> Result<Zone> {
        if name.eq_ignore_ascii_case("utc") {
            return Ok(Zone::Utc);
        }
        if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        match chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(name)) {
            Some(tz) => bail!("unknown time zone {name:?}: did you mean {}?", tz.name()),
            None => bail!("unknown time zone {name:?}: expected UTC or an IANA name such as Europe/Berlin"),
        }
    }

    /// `UTC` or the IANA name, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Named(tz) => tz.name(),
        }
    }

    /// Local time minus UTC at the instant `ms`, in milliseconds.
    pub fn offset_ms(self, ms: i64) -> i64 {
        match self {
            Zone::Utc => 0,
            Zone::Named(tz) => chrono::DateTime::from_timestamp_millis(ms).map_or(0, |t| {
                i64::from(tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()) * 1000
            }),
        }
    }

    /// The local day (days since 1970-01-01 on the zone's calendar) of the instant `ms`.
    pub fn day(self, ms: i64) -> i64 {
        (ms + self.offset_ms(ms)).div_euclid(MS_PER_DAY)
    }

    /// The instant the local hour holding `ms` began. An hour is keyed by its start instant,
    /// not its local reading, so the two 02:00 hours of a night the clocks go back stay apart.
    pub fn hour_start(self, ms: i64) -> i64 {
        ms - (ms + self.offset_ms(ms)).rem_euclid(MS_PER_HOUR)
    }

    /// An hour by its start: `2026-03-04T13:00Z` in UTC, else local time and offset
    /// (`2026-10-25T02:00+02:00`, then `2026-10-25T02:00+01:00` an hour later).
    pub fn hour_label(self, start_ms: i64) -> String {
        let Some(t) = chrono::DateTime::from_timestamp_millis(start_ms) else { return start_ms.to_string() };
        match self {
            Zone::Utc => t.format("%Y-%m-%dT%H:00Z").to_string(),
            Zone::Named(tz) => t.with_timezone(&tz).format("%Y-%m-%dT%H:00%:z").to_string(),
        }
    }

    /// The first instant of local day `day` (midnight, or the first time after it that
    /// exists where the clocks skip midnight).
    pub fn day_start(self, day: i64) -> i64 {
        let Zone::Named(tz) = self else { return day * MS_PER_DAY };
        let midnight =
            chrono::DateTime::from_timestamp_millis(day * MS_PER_DAY).expect("in range").naive_utc();
        // A gap is at most a day long (Samoa skipped 2011-12-30): look in quarter hours.
        (0..=96)
            .find_map(|q| tz.from_local_datetime(&(midnight + chrono::Duration::minutes(15 * q))).earliest())
            .map_or(day * MS_PER_DAY, |t| t.timestamp_millis())
    }

    /// A date (`2025-06-01`, midnight in this zone) or an RFC 3339 timestamp (its own
    /// offset), as epoch milliseconds.
    pub fn parse_date(self, text: &str) -> Result<i64> {
        match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => {
                let utc_midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
                Ok(self.day_start(utc_midnight.timestamp_millis().div_euclid(MS_PER_DAY)))
            }
            Err(_) => parse_date(text),
        }
    }

    /// RFC 3339 text of `ms` in this zone: `Z` in UTC, else the local time with its offset.
    pub fn rfc3339(self, ms: i64) -> String {
        match self {
            Zone::Utc => rfc3339(ms),
            Zone::Named(tz) => chrono::DateTime::from_timestamp_millis(ms).map_or_else(
                || ms.to_string(),
                |t| t.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            ),
        }
    }
}

impl serde::Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
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

    /// The worked examples of fixtures/tz.md (Europe/Berlin: CET +01:00, CEST +02:00 from
    /// 2026-03-29T01:00Z to 2026-10-25T01:00Z).
    #[test]
    fn berlin_hours_and_days_across_both_clock_changes() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let at = |s: &str| rfc3339_ms(s).unwrap();
        let hour = |s: &str| berlin.hour_label(berlin.hour_start(at(s)));
        // Spring: 02:00 local does not exist; 00:30Z is 01:30 CET, 01:30Z is 03:30 CEST.
        assert_eq!(hour("2026-03-29T00:30:00Z"), "2026-03-29T01:00+01:00");
        assert_eq!(hour("2026-03-29T01:30:00Z"), "2026-03-29T03:00+02:00");
        assert_eq!(hour("2026-03-29T02:30:00Z"), "2026-03-29T04:00+02:00");
        // Autumn: 00:30Z is 02:30 CEST, 01:30Z is 02:30 CET: two hours read 02:00.
        assert_eq!(hour("2026-10-25T00:30:00Z"), "2026-10-25T02:00+02:00");
        assert_eq!(hour("2026-10-25T01:30:00Z"), "2026-10-25T02:00+01:00");
        assert_eq!(berlin.hour_start(at("2026-10-25T01:30:00Z")), at("2026-10-25T01:00:00Z"));
        // 22:30Z on the 24th is 00:30 CEST on the 25th.
        let day = |z: Zone, s: &str| crate::time::rfc3339(z.day(at(s)) * MS_PER_DAY)[..10].to_string();
        assert_eq!(day(berlin, "2026-10-24T22:30:00Z"), "2026-10-25");
        assert_eq!(day(Zone::Utc, "2026-10-24T22:30:00Z"), "2026-10-24");
        // The 25th runs from 22:00Z on the 24th (CEST) to 23:00Z on the 25th (CET): 25 hours.
        let d25 = berlin.day(at("2026-10-25T12:00:00Z"));
        assert_eq!(berlin.day_start(d25), at("2026-10-24T22:00:00Z"));
        assert_eq!(berlin.day_start(d25 + 1) - berlin.day_start(d25), 25 * MS_PER_HOUR);
        assert_eq!(berlin.parse_date("2026-10-01").unwrap(), at("2026-09-30T22:00:00Z"));
        assert_eq!(berlin.rfc3339(at("2026-10-24T22:30:00Z")), "2026-10-25T00:30:00+02:00");
        assert_eq!(Zone::Utc.hour_label(at("2026-03-04T13:00:00Z")), "2026-03-04T13:00Z");
    }

    #[test]
    fn zones_are_iana_names_or_utc() {
        assert_eq!(Zone::parse("utc").unwrap(), Zone::Utc);
        assert_eq!(Zone::parse("Asia/Kolkata").unwrap().name(), "Asia/Kolkata");
        let e = Zone::parse("europe/berlin").unwrap_err().to_string();
        assert!(e.contains("did you mean Europe/Berlin?"), "{e}");
        let e = Zone::parse("Mars/Olympus").unwrap_err().to_string();
        assert!(e.contains("unknown time zone \"Mars/Olympus\""), "{e}");
        // Kolkata is +05:30: its hours start at half past in UTC.
        let k = Zone::parse("Asia/Kolkata").unwrap();
        let t = rfc3339_ms("2026-01-01T04:45:00Z").unwrap();
        assert_eq!(k.hour_label(k.hour_start(t)), "2026-01-01T10:00+05:30");
        assert_eq!(k.hour_start(t), rfc3339_ms("2026-01-01T04:30:00Z").unwrap());
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
