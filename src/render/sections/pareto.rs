//! The Pareto section as grids: per dimension, "x% of users make 80% of cost" with a bar, the
//! Gini coefficient and the top contributors. Every figure comes from `analyze::pareto`.

use crate::analyze::sections::pareto::{Dist, Pareto};
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

/// Contributors shown per dimension (JSON has 10).
const SHOWN: usize = 5;
const BAR_WIDTH: usize = 30;

pub fn grids(p: &Pareto) -> Vec<Grid> {
    let dims = [
        ("call", &p.call),
        ("user", &p.user),
        ("feature", &p.feature),
        ("route", &p.route),
        ("model", &p.model),
        ("job", &p.job),
    ];
    dims.into_iter().filter(|(_, d)| worth_showing(d)).map(|(name, d)| grid(name, d)).collect()
}

/// A dimension no call has a value for is one "(none)" item: nothing to learn from it.
fn worth_showing(d: &Dist) -> bool {
    d.items > 0 && !(d.items == 1 && d.top.first().is_some_and(|t| t.key.is_none()))
}

fn grid(name: &str, d: &Dist) -> Grid {
    let is_call = name == "call";
    let headers: &[&str] = if is_call {
        &["call", "route", "model", "cost", "share", "cumulative"]
    } else {
        &[name, "cost", "share", "cumulative"]
    };
    let mut g = Grid::new(format!("Pareto: cost by {name}"), headers);
    if is_call {
        g.numeric[1] = false;
        g.numeric[2] = false;
    }
    for t in d.top.iter().take(SHOWN) {
        let mut row = vec![key_label(&t.key).to_string()];
        if is_call {
            row.push(t.route.clone().unwrap_or_default());
            row.push(t.model.clone().unwrap_or_default());
        }
        row.extend([usd(t.cost_usd), percent(t.share), percent(t.cum_share)]);
        g.rows.push(row);
    }
    g.footer.push(format!(
        "{} {} of {name}s ({} of {}) make {} of cost",
        bar(d.share_of_items),
        percent(d.share_of_items),
        count(d.items_for_share),
        count(d.items),
        target(d.target_share)
    ));
    g.footer.push(format!(
        "Gini {:.2} over {} {name}s costing {} (priced calls only)",
        d.gini,
        count(d.items),
        usd(d.cost_usd)
    ));
    g
}

/// `[█████░░░…]`: the share of items, as a bar.
fn bar(share: f64) -> String {
    let filled = ((share * BAR_WIDTH as f64).round() as usize).min(BAR_WIDTH);
    format!("[{}{}]", "█".repeat(filled), "░".repeat(BAR_WIDTH - filled))
}

/// 0.8 → "80%", 0.875 → "87.5%".
fn target(share: f64) -> String {
    let text = format!("{:.1}", share * 100.0);
    format!("{}%", text.strip_suffix(".0").unwrap_or(&text))
}
