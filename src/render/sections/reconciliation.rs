//! Reconciliation as one grid: a row per provider and model (unpriced ones last), the totals
//! of the priced rows at the bottom; no grid when no call logs a cost.

use crate::analyze::sections::reconciliation::Reconciliation;
use crate::money::Money;
use crate::render::grid::Grid;
use crate::render::{count, key_label, usd};

pub fn grids(x: &Reconciliation) -> Vec<Grid> {
    let t = &x.total;
    if t.calls + t.unpriced_calls == 0 {
        return Vec::new();
    }
    let headers = ["provider", "model", "calls", "computed", "logged", "difference", "difference %"];
    let mut grid = Grid::new("Computed vs logged cost (cost_usd)", &headers);
    grid.numeric[1] = false;
    grid.rows.extend(x.rows.iter().map(|r| {
        vec![
            key_label(&r.provider).to_string(),
            key_label(&r.model).to_string(),
            count(r.calls),
            r.computed_usd.map_or_else(|| "unpriced".to_string(), usd),
            usd(r.logged_usd),
            r.difference_usd.map_or_else(|| "—".to_string(), signed),
            pct(r.difference_pct),
        ]
    }));
    if t.calls > 0 {
        grid.rows.push(vec![
            "all priced".into(),
            String::new(),
            count(t.calls),
            usd(t.computed_usd),
            usd(t.logged_usd),
            signed(t.difference_usd),
            pct(t.difference_pct),
        ]);
        grid.total_row = true;
    }
    grid.footer.push("difference: logged minus computed (positive: the log charges more)".into());
    if t.unpriced_calls > 0 {
        grid.footer.push(format!(
            "{} unpriced calls logged {}, not compared",
            count(t.unpriced_calls),
            usd(t.unpriced_logged_usd)
        ));
    }
    vec![grid]
}

fn signed(m: Money) -> String {
    if m > Money::ZERO {
        format!("+{}", usd(m))
    } else {
        usd(m)
    }
}

fn pct(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_string(), |p| format!("{p:+.1}%"))
}
