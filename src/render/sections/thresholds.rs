//! Threshold crossings as grids: one row per group and per model, the totals last; no grid
//! when no call crossed or ran just below a threshold.

use crate::analyze::sections::thresholds::{Figures, Thresholds};
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

const HEADERS: [&str; 6] = ["crossed", "cost", "premium", "near misses", "near-miss saving", "just below"];

pub fn grids(x: &Thresholds) -> Vec<Grid> {
    // Nothing crossed or ran near a threshold: the section stays quiet.
    if x.by_route.is_empty() {
        return Vec::new();
    }
    let mut by_group = grid(format!("Long-context tier crossings by {}", x.group_by), &x.group_by);
    by_group.rows.extend(x.by_route.iter().map(|r| row(key_label(&r.route), &r.figures)));
    by_group.rows.push(row("all", &x.total));
    let band = percent(x.near_miss_band);
    by_group.footer = vec![
        "premium: cost minus the same tokens at base rates".to_string(),
        format!(
            "near miss: crossed by at most {band} of the threshold; saving = trimming it to the threshold"
        ),
        format!("just below: at most {band} under the next threshold"),
    ];
    // Grouped by model already: a second grid would repeat the first.
    if x.group_by == "model" {
        return vec![by_group];
    }
    let mut by_model = grid("Long-context tier crossings by model", "model");
    by_model.rows.extend(x.by_model.iter().map(|r| row(key_label(&r.model), &r.figures)));
    vec![by_group, by_model]
}

fn grid(title: impl Into<String>, key: &str) -> Grid {
    let headers: Vec<&str> = std::iter::once(key).chain(HEADERS).collect();
    Grid::new(title, &headers)
}

fn row(key: &str, f: &Figures) -> Vec<String> {
    vec![
        key.to_string(),
        count(f.count),
        usd(f.cost_usd),
        usd(f.premium_usd),
        count(f.near_miss_count),
        usd(f.near_miss_saving_usd),
        count(f.just_below_count),
    ]
}
