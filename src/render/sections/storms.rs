//! Rate-limit storms as one grid: a row per storm (costliest first) with its provider, span,
//! errors against the provider's baseline share, routes hit, and what its retries and
//! failures cost; no grid when there is none.

use crate::render::grid::Grid;
use crate::analyze::sections::storms::Storms;
use crate::render::{count, key_label, percent, usd};

pub fn grids(s: &Storms) -> Vec<Grid> {
    if s.storms.is_empty() {
        return Vec::new();
    }
    let headers = ["provider", "start", "end", "calls", "errors", "share", "baseline", "routes", "retries", "cost"];
    let mut grid = Grid::new("Rate-limit storms (provider-wide)", &headers);
    for i in [1, 2, 7] {
        grid.numeric[i] = false;
    }
    grid.rows.extend(s.storms.iter().map(|x| {
        vec![
            key_label(&x.provider).to_string(),
            x.start.clone(),
            x.end.clone(),
            count(x.calls),
            count(x.errors),
            percent(x.error_share),
            percent(x.baseline_share),
            x.routes.join(", "),
            count(x.retries),
            usd(x.cost_usd),
        ]
    }));
    grid.footer.push(format!(
        "{} storms, {} rate-limit errors; cost: the calls in a storm that failed or were retries \
         ({} of retries, {} of failed calls). A storm is a burst of 429/503/529 or overload errors \
         far above the provider's own share (binomial tail below {} per provider)",
        count(s.count),
        count(s.errors),
        usd(s.retry_cost_usd),
        usd(s.failed_cost_usd),
        s.alpha
    ));
    vec![grid]
}
