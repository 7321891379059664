//! Two price books compared rate by rate (`llmcost pricing diff OLD NEW`): models added and
//! removed, and every rate that differs, with the dates and the UTC hours it differs over.
//!
//! Models are the same when their canonical provider and id (case-insensitive) are; where a
//! book lists one twice, its first entry is the one compared (the one lookups find first).
//! For a model in both, time is cut at every `effective_from`/`effective_to` of either side
//! and each day at every window start and end of the two versions in force; in each piece
//! the rates a call would pay on each side are compared per tier and token class, and a
//! piece with no version on a side compares against no price (`None`). Consecutive pieces
//! with the same change are one row, so a refresh that adds a price from 2026-12-01 shows
//! rows `from 2026-12-01`, and a new off-peak window rows for its hours only.

use std::collections::BTreeSet;

use serde::Serialize;

use super::providers::canonical;
use super::rate::{hhmm, PriceVersion, Rates, MINUTES_PER_DAY};
use super::{ModelPrice, PriceBook};

/// A model only one side lists, with its newest rates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelEntry {
    pub provider: String,
    pub model: String,
    /// First date it has a price (`None` = since always).
    pub from: Option<String>,
    /// Its newest version's base rates, USD per million tokens as exact decimals.
    pub input: String,
    pub output: String,
}

/// One rate that differs between the two books over a span of dates and hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RateChange {
    pub provider: String,
    pub model: String,
    /// Dates (UTC, `from` inclusive, `to` exclusive; `None` = unbounded).
    pub from: Option<String>,
    pub to: Option<String>,
    /// UTC hours of the day `HH:MM-HH:MM` when only some hours differ; `None` = all day.
    pub hours: Option<String>,
    /// `base` or a long-context tier (`input > 200000`).
    pub tier: String,
    /// input, output, cache_read, cache_write, cache_write_1h, a modality (input_audio,
    /// cache_audio_read, output_audio, output_image) or batch_multiplier.
    pub class: &'static str,
    /// The rates as exact decimals (USD per million tokens; the batch multiplier a factor);
    /// `None` = that side has no price there.
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What changed between two price books.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RateDiff {
    pub old_models: usize,
    pub new_models: usize,
    pub added: Vec<ModelEntry>,
    pub removed: Vec<ModelEntry>,
    /// Models in both books with at least one rate changed, and their changes.
    pub changed_models: usize,
    pub changes: Vec<RateChange>,
}

/// `old` × `new` → the models added and removed and every rate that changed.
pub fn diff(old: &PriceBook, new: &PriceBook) -> RateDiff {
    let (olds, news) = (first_entries(old), first_entries(new));
    let mut d = RateDiff { old_models: olds.len(), new_models: news.len(), ..RateDiff::default() };
    for (key, m) in &news {
        if find(&olds, key).is_none() {
            d.added.push(entry(m));
        }
    }
    for (key, m) in &olds {
        match find(&news, key) {
            None => d.removed.push(entry(m)),
            Some(n) => {
                let changes = model_changes(m, n);
                d.changed_models += !changes.is_empty() as usize;
                d.changes.extend(changes);
            }
        }
    }
    d
}

type Key = (String, String);

/// Each model once, keyed by canonical provider and lower-case id, in book order.
fn find<'b>(list: &[(Key, &'b ModelPrice)], key: &Key) -> Option<&'b ModelPrice> {
    list.iter().find(|(k, _)| k == key).map(|e| e.1)
}

fn first_entries(book: &PriceBook) -> Vec<(Key, &ModelPrice)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for m in book.models() {
        let key = (canonical(&m.provider), m.id.to_ascii_lowercase());
        if seen.insert(key.clone()) {
            out.push((key, m));
        }
    }
    out
}

fn entry(m: &ModelPrice) -> ModelEntry {
    let newest = m.versions.last().expect("a model has at least one version");
    ModelEntry {
        provider: m.provider.clone(),
        model: m.id.clone(),
        from: m.versions[0].from.map(date),
        input: newest.base.input.to_string(),
        output: newest.base.output.to_string(),
    }
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
}

/// A change without its dates: what two consecutive date pieces must share to be one row.
type Change = (Option<String>, String, &'static str, Option<String>, Option<String>);

fn model_changes(old: &ModelPrice, new: &ModelPrice) -> Vec<RateChange> {
    let mut cuts = BTreeSet::new();
    for v in old.versions.iter().chain(&new.versions) {
        cuts.extend(v.from);
        cuts.extend(v.to);
    }
    // Date pieces [start, end): before the first cut, between cuts, after the last.
    let mut starts: Vec<Option<i64>> = vec![None];
    starts.extend(cuts.iter().copied().map(Some));
    let mut rows: Vec<RateChange> = Vec::new();
    let mut open: Vec<(Change, usize)> = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().flatten();
        let probe = start.unwrap_or_else(|| end.map_or(0, |e| e - 1));
        let changes = piece_changes(old.version_at(probe), new.version_at(probe));
        let mut still_open = Vec::new();
        for c in changes {
            match open.iter().find(|(o, _)| *o == c) {
                Some(&(_, row)) => {
                    rows[row].to = end.map(date);
                    still_open.push((c, row));
                }
                None => {
                    let (hours, tier, class, o, n) = c.clone();
                    rows.push(RateChange {
                        provider: new.provider.clone(),
                        model: new.id.clone(),
                        from: start.map(date),
                        to: end.map(date),
                        hours,
                        tier,
                        class,
                        old: o,
                        new: n,
                    });
                    still_open.push((c, rows.len() - 1));
                }
            }
        }
        open = still_open;
    }
    rows
}

/// The changes within one date piece, hour span by hour span.
fn piece_changes(old: Option<&PriceVersion>, new: Option<&PriceVersion>) -> Vec<Change> {
    let spans = hour_spans(old, new);
    let all_day = spans.len() == 1;
    let mut out = Vec::new();
    for (start, end) in spans {
        // A minute inside the span (a day's epoch ms at that minute) picks each side's rates.
        let at = i64::from(start) * 60_000;
        let (o, n) = (old.map(|v| v.at_time_of_day(at)), new.map(|v| v.at_time_of_day(at)));
        let hours = (!all_day).then(|| format!("{}-{}", hhmm(start), hhmm(end % MINUTES_PER_DAY)));
        for (tier, class, a, b) in version_changes(o, n) {
            out.push((hours.clone(), tier, class, a, b));
        }
    }
    out
}

/// The hours of the day cut at every window start and end of either side, spans with the
/// same rates on both sides merged (across midnight too): `(start, end)` minutes, end
/// possibly past 1440 for a span that wraps.
fn hour_spans(old: Option<&PriceVersion>, new: Option<&PriceVersion>) -> Vec<(u16, u16)> {
    let mut cuts = BTreeSet::from([0, MINUTES_PER_DAY]);
    for v in old.into_iter().chain(new) {
        for w in &v.windows {
            cuts.insert(w.start);
            cuts.insert(w.end);
        }
    }
    let cuts: Vec<u16> = cuts.into_iter().collect();
    let which = |v: Option<&PriceVersion>, m: u16| v.and_then(|v| v.window_at(i64::from(m) * 60_000));
    // (start, end, the window each side is in: spans with the same pair have the same rates)
    type Span = (u16, u16, (Option<usize>, Option<usize>));
    let mut spans: Vec<Span> = Vec::new();
    for pair in cuts.windows(2) {
        let id = (which(old, pair[0]), which(new, pair[0]));
        match spans.last_mut() {
            Some(last) if last.2 == id => last.1 = pair[1],
            _ => spans.push((pair[0], pair[1], id)),
        }
    }
    if spans.len() > 1 && spans[0].2 == spans[spans.len() - 1].2 {
        let first = spans.remove(0);
        let last = spans.last_mut().expect("more than one span");
        last.1 = MINUTES_PER_DAY + first.1;
    }
    spans.into_iter().map(|(s, e, _)| (s, e)).collect()
}

/// Tier label, class, old and new rate of every rate that differs between two versions.
fn version_changes(
    old: Option<&PriceVersion>,
    new: Option<&PriceVersion>,
) -> Vec<(String, &'static str, Option<String>, Option<String>)> {
    let mut tiers: Vec<(String, Option<u64>)> = vec![("base".to_string(), None)];
    for v in old.into_iter().chain(new) {
        for t in &v.tiers {
            let label = format!("{} > {}", t.basis.name(), t.threshold);
            if !tiers.iter().any(|(l, _)| *l == label) {
                tiers.push((label, Some(t.threshold)));
            }
        }
    }
    tiers[1..].sort_by_key(|t| t.1);
    let rates_of = |v: Option<&PriceVersion>, label: &str| -> Option<Rates> {
        let v = v?;
        if label == "base" {
            return Some(v.base);
        }
        v.tiers.iter().find(|t| format!("{} > {}", t.basis.name(), t.threshold) == label).map(|t| t.rates)
    };
    let mut out = Vec::new();
    for (label, _) in &tiers {
        let (a, b) = (rates_of(old, label), rates_of(new, label));
        // A modality without a rate of its own follows its text class: listed only where a side
        // prices it apart, so a changed input rate is one change, not two.
        let modal = [a, b].iter().flatten().any(Rates::has_modal);
        for (class, pick) in CLASSES.into_iter().chain(MODAL_CLASSES.into_iter().filter(|_| modal)) {
            let (x, y) = (a.map(|r| pick(&r).to_string()), b.map(|r| pick(&r).to_string()));
            if x != y {
                out.push((label.clone(), class, x, y));
            }
        }
    }
    let batch = |v: Option<&PriceVersion>| v.map(|v| v.batch_multiplier.to_string());
    if old.is_some() && new.is_some() && batch(old) != batch(new) {
        out.push(("base".to_string(), "batch_multiplier", batch(old), batch(new)));
    }
    out
}

type Pick = fn(&Rates) -> crate::money::Rate;

const CLASSES: [(&str, Pick); 5] = [
    ("input", |r| r.input),
    ("output", |r| r.output),
    ("cache_read", |r| r.cache_read),
    ("cache_write", |r| r.cache_write),
    ("cache_write_1h", |r| r.cache_write_1h),
];

const MODAL_CLASSES: [(&str, Pick); 4] = [
    ("input_audio", |r| r.input_audio),
    ("cache_audio_read", |r| r.cache_audio_read),
    ("output_audio", |r| r.output_audio),
    ("output_image", |r| r.output_image),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn book(text: &str) -> PriceBook {
        PriceBook::from_texts(&[("t.toml".into(), text.into())]).unwrap()
    }

    const OLD: &str = r#"provider = "p"
[[models]]
id = "kept"
[[models.prices]]
input = 1
output = 4
[[models]]
id = "gone"
[[models.prices]]
input = 1
output = 1
"#;

    #[test]
    fn added_removed_and_a_dated_change_r11() {
        // NEW: "kept" is cut to input 0.5 from 2026-12-01; "gone" is removed; "fresh" added.
        let new = r#"provider = "P"
[[models]]
id = "KEPT"
[[models.prices]]
effective_to = "2026-12-01"
input = 1
output = 4
[[models.prices]]
effective_from = "2026-12-01"
input = 0.5
output = 4
[[models]]
id = "fresh"
[[models.prices]]
effective_from = "2026-06-01"
input = 3
output = 9
"#;
        let d = diff(&book(OLD), &book(new));
        assert_eq!((d.old_models, d.new_models, d.changed_models), (2, 2, 1));
        assert_eq!(d.added.len(), 1);
        assert_eq!(
            (d.added[0].model.as_str(), d.added[0].from.as_deref(), d.added[0].input.as_str()),
            ("fresh", Some("2026-06-01"), "3")
        );
        assert_eq!(d.removed[0].model, "gone");
        // Only the input rate changed, and with it the cache rates that fall back to it (no
        // cache rate is given): 1 → 0.5, only from 2026-12-01, at all hours.
        let changes: Vec<(&str, Option<&str>, Option<&str>)> =
            d.changes.iter().map(|c| (c.class, c.old.as_deref(), c.new.as_deref())).collect();
        let cut = (Some("1"), Some("0.5"));
        assert_eq!(
            changes,
            [
                ("input", cut.0, cut.1),
                ("cache_read", cut.0, cut.1),
                ("cache_write", cut.0, cut.1),
                ("cache_write_1h", cut.0, cut.1)
            ]
        );
        let c = &d.changes[0];
        assert_eq!(
            (c.from.as_deref(), c.to.as_deref(), c.hours.as_deref()),
            (Some("2026-12-01"), None, None)
        );
        assert_eq!((c.model.as_str(), c.tier.as_str()), ("KEPT", "base"));
    }

    #[test]
    fn a_new_window_changes_only_its_hours_across_midnight() {
        let new = format!(
            "{OLD}[[models.prices.windows]]\nstart = \"22:00\"\nend = \"02:00\"\ninput = 1\noutput = 2\n"
        );
        // The window was added to "gone" (the last model of OLD): its output is 2 from 22:00
        // to 02:00 UTC, 1 elsewhere; OLD had 1 all day.
        let d = diff(&book(OLD), &book(&new));
        assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
        let c = &d.changes[0];
        assert_eq!((c.model.as_str(), c.hours.as_deref(), c.class), ("gone", Some("22:00-02:00"), "output"));
        assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("1"), Some("2")));
        assert_eq!((c.from.as_deref(), c.to.as_deref()), (None, None));
    }

    #[test]
    fn a_tier_on_one_side_only_is_compared_against_no_rate() {
        let new = OLD.replacen(
            "output = 4\n",
            "output = 4\n[[models.prices.tiers]]\nthreshold = 1000\ninput = 2\noutput = 8\n",
            1,
        );
        let d = diff(&book(OLD), &book(&new));
        let classes: Vec<(&str, &str, Option<&str>)> =
            d.changes.iter().map(|c| (c.tier.as_str(), c.class, c.new.as_deref())).collect();
        // The tier's cache rates fall back to its own input rate, 2.
        assert_eq!(
            classes,
            [
                ("input > 1000", "input", Some("2")),
                ("input > 1000", "output", Some("8")),
                ("input > 1000", "cache_read", Some("2")),
                ("input > 1000", "cache_write", Some("2")),
                ("input > 1000", "cache_write_1h", Some("2")),
            ]
        );
        assert!(d.changes.iter().all(|c| c.old.is_none()));
    }

    #[test]
    fn a_new_audio_rate_is_one_change_and_text_changes_do_not_repeat_as_modalities_r11() {
        // "kept" gains input_audio 3: its one change. A text rate changing where no modality
        // is priced apart stays one change per text class (the test above).
        let new = OLD.replacen("output = 4\n", "output = 4\ninput_audio = 3\n", 1);
        let d = diff(&book(OLD), &book(&new));
        let classes: Vec<(&str, Option<&str>, Option<&str>)> =
            d.changes.iter().map(|c| (c.class, c.old.as_deref(), c.new.as_deref())).collect();
        // Old side: audio at the text input rate, 1.
        assert_eq!(classes, [("input_audio", Some("1"), Some("3"))]);
    }
}
