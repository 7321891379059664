//! The environments section as a grid: cost by environment with its class, and the
//! non-production total under it. Every figure comes from `analyze::environments`.

use crate::analyze::sections::environments::Environments;
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

pub fn grids(e: &Environments) -> Vec<Grid> {
    let mut g = Grid::new("Cost by environment", &["environment", "class", "calls", "cost", "share"]);
    g.numeric[1] = false;
    for r in &e.rows {
        // A group with no priced call has no cost, not $0; "*" marks one missing some calls.
        let cost = match (r.priced_calls, r.calls) {
            (0, _) => "—".to_string(),
            (p, c) if p < c => format!("{}*", usd(r.cost_usd)),
            _ => usd(r.cost_usd),
        };
        let key = match r.key.as_deref() {
            Some(k) if k.trim().is_empty() => "(blank)",
            _ => key_label(&r.key),
        };
        g.rows.push(vec![key.to_string(), r.class.replace('_', "-"), count(r.calls), cost, percent(r.share)]);
    }
    g.footer.push(format!(
        "non-production: {} of {} ({}) over {} calls; production: {}; no environment: {}",
        usd(e.non_production_cost_usd),
        usd(e.cost_usd),
        percent(e.non_production_share),
        count(e.non_production_calls),
        usd(e.production_cost_usd),
        usd(e.none_cost_usd)
    ));
    vec![g]
}
