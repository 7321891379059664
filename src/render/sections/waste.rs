//! Output waste as one grid: per group, the totals last; no grid when there are no calls.

use crate::analyze::sections::waste::{Figures, Waste};
use crate::money::Money;
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

pub fn grids(x: &Waste) -> Vec<Grid> {
    if x.total.sums.calls == 0 {
        return Vec::new();
    }
    let headers = [
        &x.group_by,
        "calls",
        "cost",
        "output share",
        "truncated",
        "truncated rate",
        "truncated cost",
        "truncated output",
    ];
    let mut grid = Grid::new(format!("Output waste by {}", x.group_by), &headers);
    grid.rows.extend(x.routes.iter().map(|r| row(key_label(&r.route), &r.figures)));
    grid.rows.push(row("all", &x.total));
    grid.footer.push(
        "output share: the output tokens' part of the cost; truncated: finish_reason length or max_tokens"
            .into(),
    );
    if x.total.sums.finish_reason_calls == 0 {
        grid.footer.push("no call logs finish_reason: truncation is unknown".into());
    }
    if x.total.sums.unpriced_calls > 0 {
        grid.footer.push("*: the cost leaves out unpriced calls; —: no priced call".into());
    }
    vec![grid]
}

fn row(key: &str, f: &Figures) -> Vec<String> {
    let s = &f.sums;
    vec![
        key.to_string(),
        count(s.calls),
        cost(s.cost_usd, s.unpriced_calls, s.calls),
        if s.unpriced_calls == s.calls { "—".to_string() } else { percent(f.output_share) },
        count(s.truncated_calls),
        percent(f.truncated_rate),
        cost(s.truncated_cost_usd, s.truncated_unpriced_calls, s.truncated_calls),
        count(s.truncated_output_tokens),
    ]
}

/// "—" when every call counted is unpriced, a "*" when some are (as in the spend grids).
fn cost(m: Money, unpriced: u64, calls: u64) -> String {
    match unpriced {
        0 => usd(m),
        n if n == calls => "—".to_string(),
        _ => format!("{}*", usd(m)),
    }
}
