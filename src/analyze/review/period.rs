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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_stack_keeps_the_costliest_models_and_sums_the_rest() {
        use crate::analyze::{Breakdown, Row, Sums};
        let row = |day: &str, model: &str, cost: &str| Row {
            key: None,
            keys: Some(vec![Some(day.into()), Some(model.into())]),
            sums: Sums { cost: Money::parse(cost).unwrap(), ..Sums::default() },
            share: 0.0,
            other: false,
        };
        let rows = vec![
            row("2026-10-02", "a", "5"),
            row("2026-10-01", "b", "2"),
            row("2026-10-01", "c", "1"),
            row("2026-10-02", "c", "0.5"),
        ];
        let b = Breakdown { name: "day,model".into(), groups: 4, rows, other: None };
        let s = daily_stack(&b, 1, crate::time::Zone::Utc);
        assert_eq!(s.days, ["2026-10-01", "2026-10-02"]);
        let m = |x: &str| Money::parse(x).unwrap();
        assert_eq!(
            s.series,
            vec![
                ("a".to_string(), vec![m("0"), m("5")]),
                ("other models".to_string(), vec![m("3"), m("0.5")])
            ]
        );
    }

    #[test]
    fn change_is_exact_and_relative() {
        let m = |s| Money::parse(s).unwrap();
        let c = Comparison::new("2026-09".into(), (m("2"), 3), (m("3"), 4));
        assert_eq!(c.change, m("1"));
        assert_eq!(c.change_share, Some(0.5));
    }
}

/// Daily cost of the costliest models, the rest summed as "other models": a stacked chart's data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DailyStack {
    /// `YYYY-MM-DD`, in order.
    pub days: Vec<String>,
    /// (model, cost per day in `days` order), costliest model first.
    pub series: Vec<(String, Vec<Money>)>,
    /// The zone the days are counted in.
    pub zone: crate::time::Zone,
}

/// `by_day_model`: a breakdown by day × model (keys `[day, model]`, days of `zone`), uncut.
pub fn daily_stack(
    by_day_model: &crate::analyze::Breakdown,
    keep: usize,
    zone: crate::time::Zone,
) -> DailyStack {
    let mut days: Vec<String> = Vec::new();
    let mut model_cost: std::collections::BTreeMap<String, Money> = Default::default();
    let parts = |row: &crate::analyze::Row| -> Option<(String, String)> {
        let keys = row.keys.as_ref()?;
        Some((keys.first()?.clone()?, keys.get(1)?.clone().unwrap_or_else(|| "(none)".into())))
    };
    for row in by_day_model.all_rows() {
        if let Some((day, model)) = parts(row) {
            days.push(day);
            *model_cost.entry(model).or_default() += row.sums.cost;
        }
    }
    days.sort();
    days.dedup();
    let mut models: Vec<(String, Money)> = model_cost.into_iter().collect();
    models.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: Vec<String> = models.iter().take(keep).map(|m| m.0.clone()).collect();
    let has_other = models.len() > keep;
    let mut series: Vec<(String, Vec<Money>)> =
        shown.iter().map(|m| (m.clone(), vec![Money::ZERO; days.len()])).collect();
    if has_other {
        series.push(("other models".into(), vec![Money::ZERO; days.len()]));
    }
    for row in by_day_model.all_rows() {
        let Some((day, model)) = parts(row) else { continue };
        let d = days.binary_search(&day).expect("collected above");
        let s = shown.iter().position(|m| *m == model).unwrap_or(shown.len());
        series[s].1[d] += row.sums.cost;
    }
    DailyStack { days, series, zone }
}
