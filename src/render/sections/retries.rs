//! Retries as grids: multipliers per group and per first model (with a fleet row), then the
//! storms and runaway operations when there are any. Formatting only.

use crate::analyze::sections::retries::{Retries, RetryFigures};
use crate::render::grid::Grid;
use crate::render::{count, key_label, usd, usd_priced};

/// Rows of a list shown in a table; JSON carries the whole list.
const SHOWN: usize = 20;

/// Nothing when no operation was retried and no storm happened: a log without retries gets
/// no retry tables (the JSON still has the section).
pub fn grids(x: &Retries) -> Vec<Grid> {
    if x.totals.retried_operations == 0 && x.storm_count == 0 {
        return Vec::new();
    }
    let mut by_group = figures_grid(format!("Retries by {}", x.group_by), &x.group_by);
    by_group.rows.extend(x.routes.iter().map(|r| figures_row(key_label(&r.route), &r.figures)));
    by_group.rows.push(figures_row("(all)", &x.totals));
    by_group.total_row = true;
    by_group.footer.push(
        "multiplier = calls / operations; cost × = total cost / cost of each operation's final attempt"
            .into(),
    );
    by_group.footer.push(format!(
        "storms: {} ({} errors, {}); runaway operations (more than {} attempts): {} ({})",
        count(x.storm_count),
        count(x.storm_attempts),
        usd(x.storm_cost_usd),
        x.runaway_attempts,
        count(x.runaway_count),
        usd(x.runaway_cost_usd)
    ));
    let mut grids = vec![by_group];
    if x.group_by != "model" {
        let mut by_model = figures_grid("Retries by first attempt's model".into(), "model");
        by_model.rows.extend(x.models.iter().map(|m| figures_row(key_label(&m.model), &m.figures)));
        grids.push(by_model);
    }
    if !x.storms.is_empty() {
        grids.push(storms(x));
    }
    if !x.runaway.is_empty() {
        grids.push(runaway(x));
    }
    grids
}

fn figures_grid(title: String, key: &str) -> Grid {
    Grid::new(
        title,
        &[key, "calls", "operations", "retried", "multiplier", "cost", "cost ×", "failed", "failed cost"],
    )
}

fn figures_row(key: &str, f: &RetryFigures) -> Vec<String> {
    vec![
        key.to_string(),
        count(f.calls),
        count(f.operations),
        count(f.retried_operations),
        times(Some(f.multiplier)),
        usd_priced(f.cost_usd, f.calls, f.unpriced_calls),
        times(f.cost_multiplier),
        count(f.failed_calls),
        usd(f.failed_cost_usd),
    ]
}

fn times(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |x| format!("{x:.2}×"))
}

fn storms(x: &Retries) -> Grid {
    let mut g =
        Grid::new("Retry storms", &["start", "end", "route", "provider", "errors", "operations", "cost"]);
    g.headers[2] = x.group_by.clone();
    g.numeric[..4].fill(false);
    g.rows = x
        .storms
        .iter()
        .take(SHOWN)
        .map(|s| {
            vec![
                s.start.clone(),
                s.end.clone(),
                key_label(&s.route).to_string(),
                key_label(&s.provider).to_string(),
                count(s.attempts),
                count(s.operations),
                usd(s.cost_usd),
            ]
        })
        .collect();
    g.footer.push(format!(
        "storm: {}+ errors of one {} and provider, each less than {} ms after the previous one",
        x.storm_min_errors, x.group_by, x.storm_gap_ms
    ));
    g.footer.extend(more(g.rows.len(), x.storm_count));
    g
}

fn runaway(x: &Retries) -> Grid {
    let mut g =
        Grid::new("Runaway operations", &["operation", "route", "start", "attempts", "failed", "cost"]);
    g.headers[1] = x.group_by.clone();
    g.numeric[..3].fill(false);
    g.rows = x
        .runaway
        .iter()
        .take(SHOWN)
        .map(|r| {
            vec![
                r.operation.clone().unwrap_or_else(|| "(inferred)".into()),
                key_label(&r.route).to_string(),
                r.start.clone(),
                count(r.attempts),
                count(r.failed_attempts),
                usd(r.cost_usd),
            ]
        })
        .collect();
    g.footer.extend(more(g.rows.len(), x.runaway_count));
    g
}

/// "20 of 345 shown" when a list is cut.
pub fn more(shown: usize, total: u64) -> Option<String> {
    (total > shown as u64).then(|| {
        format!("{} of {} shown (all of them up to 100 in --format json)", count(shown as u64), count(total))
    })
}
