//! The period comparison of a cost review: this period's spend against the previous period's
//! (the prior month for `--month`), from the same logs or from a saved JSON report.

use serde::Serialize;

use crate::money::Money;

/// This period against the previous one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// What the previous figures cover (`2026-09`, or the file they were read from).
    pub previous_label: String,
    pub previous_cost: Money,
    pub previous_calls: u64,
    pub cost: Money,
    pub calls: u64,
    pub change: Money,
    /// `change / previous_cost`; `None` when the previous period cost nothing.
    pub change_share: Option<f64>,
}

impl Comparison {
    pub fn new(previous_label: String, previous: (Money, u64), current: (Money, u64)) -> Comparison {
        let change = current.0 - previous.0;
        let change_share = (previous.0 != Money::ZERO).then(|| change.to_f64() / previous.0.to_f64());
        Comparison {
            previous_label,
            previous_cost: previous.0,
            previous_calls: previous.1,
            cost: current.0,
            calls: current.1,
            change,
            change_share,
        }
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
    fn month_bounds_wrap_years() {
        let b = |m| month_bounds(m).unwrap();
        assert_eq!(b("2026-10"), ("2026-10-01".into(), "2026-11-01".into(), "2026-09-01".into()));
        assert_eq!(b("2026-12").1, "2027-01-01");
        assert_eq!(b("2026-01").2, "2025-12-01");
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("oct").is_none());
    }

    #[test]
    fn change_is_exact_and_relative() {
        let m = |s| Money::parse(s).unwrap();
        let c = Comparison::new("2026-09".into(), (m("2"), 3), (m("3"), 4));
        assert_eq!(c.change, m("1"));
        assert_eq!(c.change_share, Some(0.5));
    }
}
