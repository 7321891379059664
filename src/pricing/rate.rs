//! One version of a model's price: base rates, long-context tiers, batch multiplier, and the
//! window of time it was in force, and the hours of the day at which other rates apply (DeepSeek's
//! off-peak discount). Fallbacks between rates (a missing cache rate means the
//! input rate) are resolved when the table loads, so pricing a call never has to ask.

use crate::money::Rate;

/// Rates in USD per million tokens, every class filled in: a modality the table gives no
/// rate for costs the text rate of its class (audio prompt tokens the input rate, cached audio
/// the cache-read rate, audio and image output the output rate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub input: Rate,
    pub output: Rate,
    pub cache_read: Rate,
    pub cache_write: Rate,
    pub cache_write_1h: Rate,
    pub input_audio: Rate,
    pub cache_audio_read: Rate,
    pub output_audio: Rate,
    pub output_image: Rate,
}

/// Modality rates as a table writes them; `None` = the text rate of the class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModalRates {
    pub input_audio: Option<Rate>,
    pub cache_audio_read: Option<Rate>,
    pub output_audio: Option<Rate>,
    pub output_image: Option<Rate>,
}

impl ModalRates {
    /// Each rate this names, else `other`'s.
    pub fn or(self, other: ModalRates) -> ModalRates {
        ModalRates {
            input_audio: self.input_audio.or(other.input_audio),
            cache_audio_read: self.cache_audio_read.or(other.cache_audio_read),
            output_audio: self.output_audio.or(other.output_audio),
            output_image: self.output_image.or(other.output_image),
        }
    }
}

/// The modality rate names, as tables, `pricing show` and `pricing diff` write them.
pub const MODAL_NAMES: [&str; 4] = ["input_audio", "cache_audio_read", "output_audio", "output_image"];

impl Rates {
    /// Text rates, every modality at the text rate of its class.
    pub fn text(
        input: Rate,
        output: Rate,
        cache_read: Rate,
        cache_write: Rate,
        cache_write_1h: Rate,
    ) -> Self {
        Rates {
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            input_audio: input,
            cache_audio_read: cache_read,
            output_audio: output,
            output_image: output,
        }
    }

    /// These rates with the modality rates `m` gives in place of the text fallbacks.
    pub fn with_modal(self, m: ModalRates) -> Self {
        Rates {
            input_audio: m.input_audio.unwrap_or(self.input),
            cache_audio_read: m.cache_audio_read.unwrap_or(self.cache_read),
            output_audio: m.output_audio.unwrap_or(self.output),
            output_image: m.output_image.unwrap_or(self.output),
            ..self
        }
    }

    /// The modality rates, in `MODAL_NAMES` order.
    pub fn modal(&self) -> [Rate; 4] {
        [self.input_audio, self.cache_audio_read, self.output_audio, self.output_image]
    }

    /// Whether some modality costs other than the text rate of its class.
    pub fn has_modal(&self) -> bool {
        let text =
            Rates::text(self.input, self.output, self.cache_read, self.cache_write, self.cache_write_1h);
        self.modal() != text.modal()
    }
}

/// Which tokens of a request count toward a tier threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// All prompt tokens, cache reads and writes included.
    Input,
    /// Prompt plus completion tokens.
    Total,
}

/// A long-context tier: above `threshold` counted tokens, `rates` apply to the whole request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    pub threshold: u64,
    pub basis: Basis,
    pub rates: Rates,
}

/// Minutes in a day: time-of-day windows are minutes after UTC midnight, `0..MINUTES_PER_DAY`.
pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// Rates in force at some hours of every day: from `start` (inclusive) to `end` (exclusive),
/// minutes after UTC midnight; an `end` at or before `start` wraps past midnight
/// (16:30 → 00:30). A call whose UTC time of day falls inside is priced with `version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: u16,
    pub end: u16,
    /// The enclosing version with this window's base rates and tiers in place of its own (same
    /// dates, batch multiplier and source, no windows): what a call in the window is priced
    /// with, so every analysis that re-prices a call sees the window's rates.
    pub version: PriceVersion,
}

/// A price in force from `from` (inclusive) to `to` (exclusive), epoch milliseconds UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceVersion {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub base: Rates,
    /// Sorted by threshold, ascending.
    pub tiers: Vec<Tier>,
    pub batch_multiplier: Rate,
    pub source: String,
    pub checked: String,
    pub note: String,
    /// Hours of the day with other rates, in start order; they never overlap. Outside
    /// them `base` and `tiers` apply.
    pub windows: Vec<Window>,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Input => "input",
            Basis::Total => "total",
        }
    }
}

impl PriceVersion {
    pub fn covers(&self, at_ms: i64) -> bool {
        self.from.is_none_or(|f| at_ms >= f) && self.to.is_none_or(|t| at_ms < t)
    }

    /// The tier a request falls in (`None` = base rates): the highest whose threshold the
    /// counted tokens strictly exceed.
    pub fn tier_for(&self, input_tokens: u64, output_tokens: u64) -> Option<usize> {
        self.tiers.iter().rposition(|tier| {
            let counted = match tier.basis {
                Basis::Input => input_tokens,
                Basis::Total => input_tokens + output_tokens,
            };
            counted > tier.threshold
        })
    }

    pub fn rates(&self, tier: Option<usize>) -> &Rates {
        tier.map_or(&self.base, |t| &self.tiers[t].rates)
    }

    /// The window a call at `at_ms` (epoch ms UTC) falls in by its time of day, if any.
    pub fn window_at(&self, at_ms: i64) -> Option<usize> {
        let minute = minute_of_day(at_ms);
        self.windows.iter().position(|w| w.contains(minute))
    }

    /// The rates a call at `at_ms` is priced with: its window's version, else this one.
    pub fn at_time_of_day(&self, at_ms: i64) -> &PriceVersion {
        self.window_at(at_ms).map_or(self, |w| &self.windows[w].version)
    }

    /// Adds time-of-day windows `(start, end, base, tiers)`: errors when one is empty or
    /// two overlap.
    pub fn with_windows(mut self, windows: Vec<(u16, u16, Rates, Vec<Tier>)>) -> anyhow::Result<Self> {
        let mut taken = vec![false; MINUTES_PER_DAY as usize];
        let plain = PriceVersion { windows: Vec::new(), ..self.clone() };
        for (start, end, base, tiers) in windows {
            if start == end || start >= MINUTES_PER_DAY || end > MINUTES_PER_DAY {
                anyhow::bail!(
                    "window {}-{}: start and end must differ, within a day",
                    hhmm(start),
                    hhmm(end)
                );
            }
            let mut window = Window { start, end, version: plain.clone() };
            window.version.base = base;
            window.version.tiers = tiers;
            for m in (0..MINUTES_PER_DAY).filter(|&m| window.contains(m)) {
                if std::mem::replace(&mut taken[m as usize], true) {
                    anyhow::bail!("window {}-{} overlaps another window", hhmm(start), hhmm(end));
                }
            }
            self.windows.push(window);
        }
        self.windows.sort_by_key(|w| w.start);
        Ok(self)
    }
}

impl Window {
    pub fn contains(&self, minute: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }

    /// `HH:MM-HH:MM`, as tables write it.
    pub fn span(&self) -> String {
        format!("{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

/// The minute of the UTC day of an epoch-ms instant (whole minutes: 16:29:59 is minute 989).
pub fn minute_of_day(at_ms: i64) -> u16 {
    (at_ms.rem_euclid(86_400_000) / 60_000) as u16
}

/// Minutes after midnight as `HH:MM` (1440 is `24:00`).
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `HH:MM` or `HH:MM:SS` (seconds must be 00; a trailing `Z` is allowed, the times are UTC)
/// as minutes after midnight; `24:00` is the end of the day.
pub fn parse_hhmm(text: &str) -> anyhow::Result<u16> {
    let t = text.strip_suffix('Z').unwrap_or(text);
    let parts: Vec<&str> = t.split(':').collect();
    let num = |s: &str| (s.len() == 2).then(|| s.parse::<u16>().ok()).flatten();
    let parsed = match parts.as_slice() {
        [h, m] => num(h).zip(num(m)),
        [h, m, s] if num(s) == Some(0) => num(h).zip(num(m)),
        _ => None,
    };
    match parsed {
        Some((h, m)) if m < 60 && (h < 24 || (h, m) == (24, 0)) => Ok(h * 60 + m),
        _ => anyhow::bail!("{text:?} is not a UTC time of day HH:MM"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(input: &str) -> Rates {
        let r = Rate::parse(input).unwrap();
        Rates::text(r, r, r, r, r)
    }

    fn version() -> PriceVersion {
        PriceVersion {
            from: Some(1_000),
            to: Some(2_000),
            base: rates("1"),
            tiers: vec![
                Tier { threshold: 100, basis: Basis::Input, rates: rates("2") },
                Tier { threshold: 200, basis: Basis::Total, rates: rates("3") },
            ],
            batch_multiplier: Rate::parse("0.5").unwrap(),
            source: String::new(),
            checked: String::new(),
            note: String::new(),
            windows: Vec::new(),
        }
    }

    #[test]
    fn window_is_half_open() {
        let v = version();
        assert!(!v.covers(999));
        assert!(v.covers(1_000));
        assert!(v.covers(1_999));
        assert!(!v.covers(2_000));
    }

    #[test]
    fn tier_threshold_is_strictly_greater() {
        let v = version();
        assert_eq!(v.tier_for(100, 0), None);
        assert_eq!(v.tier_for(101, 0), Some(0));
        // 150 input + 50 output = 200 total: not above 200, so still the input tier.
        assert_eq!(v.tier_for(150, 50), Some(0));
        assert_eq!(v.tier_for(150, 51), Some(1));
    }

    fn at(hms: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(&format!("2025-03-01T{hms}Z")).unwrap().timestamp_millis()
    }

    #[test]
    fn windows_by_utc_time_of_day_half_open_and_wrapping_midnight() {
        // Off-peak 16:30 → 00:30 (wraps midnight) at rate 1/2 of the default.
        let v = version().with_windows(vec![(990, 30, rates("0.5"), Vec::new())]).unwrap();
        let input = |hms: &str| v.at_time_of_day(at(hms)).base.input.to_string();
        assert_eq!(input("16:29:59"), "1", "minute 989 is before the window");
        assert_eq!(input("16:30:00"), "0.5", "the start is inclusive");
        assert_eq!(input("23:59:59"), "0.5");
        assert_eq!(input("00:00:00"), "0.5", "past midnight, still inside");
        assert_eq!(input("00:29:59"), "0.5");
        assert_eq!(input("00:30:00"), "1", "the end is exclusive");
        assert!(v.at_time_of_day(at("17:00:00")).windows.is_empty());
        assert_eq!(v.at_time_of_day(at("17:00:00")).from, v.from, "dates kept");
    }

    #[test]
    fn windows_must_not_overlap_or_be_empty() {
        let w = |s, e| (s, e, rates("2"), Vec::new());
        let err = version().with_windows(vec![w(990, 30), w(0, 60)]).unwrap_err().to_string();
        assert!(err.contains("00:00-01:00 overlaps"), "{err}");
        assert!(version().with_windows(vec![w(60, 60)]).is_err());
        assert!(version().with_windows(vec![w(0, 1440)]).is_ok(), "all day is one window");
    }

    #[test]
    fn times_of_day_parse() {
        assert_eq!(parse_hhmm("16:30").unwrap(), 990);
        assert_eq!(parse_hhmm("00:30:00Z").unwrap(), 30);
        assert_eq!(parse_hhmm("24:00").unwrap(), 1440);
        for bad in ["24:01", "7:30", "16:60", "16:30:15", "noon"] {
            assert!(parse_hhmm(bad).is_err(), "{bad}");
        }
    }
}
