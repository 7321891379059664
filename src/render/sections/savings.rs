//! Where to save: each lever alone (ranked), the combined estimate with its cumulative curve,
//! the routes behind each lever, and the routing candidates when no --model-map was given.

use crate::analyze::sections::savings::Savings;
use crate::money::Money;
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

pub fn grids(x: &Savings) -> Vec<Grid> {
    let mut levers = Grid::new(
        format!("Where to save (each lever alone, over {:.1} days)", x.period_days),
        &["lever", "saved", "per 30 days", "share", "calls", "top route"],
    );
    levers.numeric[5] = false;
    for l in &x.levers {
        let top = l.routes.first().map_or_else(String::new, |r| {
            // The first reason; JSON has them all.
            let basis = r.basis.as_deref().map_or_else(String::new, |b| {
                let mut reasons = b.split("; ");
                let first = reasons.next().unwrap_or_default();
                match reasons.count() {
                    0 => format!(" ({first})"),
                    n => format!(" ({first}; +{n} more)"),
                }
            });
            format!("{} {}{basis}", key_label(&r.route), usd(r.saved_usd))
        });
        levers.rows.push(vec![
            l.title.to_string(),
            usd(l.saved_usd),
            usd(l.per_30_days_usd),
            percent(l.share),
            count(l.calls),
            top,
        ]);
    }
    levers.footer.push(format!(
        "levers overlap (a repeated call cannot also be batched): each is alone here; spend {} is the share's base",
        usd(x.spend_usd)
    ));
    levers.footer.extend(x.levers.iter().map(|l| format!("{}: {}", l.title, l.assumption)));
    levers.footer.extend(x.levers.iter().flat_map(|l| l.notes.iter().map(move |n| format!("{}: {n}", l.title))));
    let mut combined = Grid::new(
        "Combined, each call's saving counted once (levers in this order)",
        &["lever", "adds", "cumulative", "share"],
    );
    for p in &x.combined.curve {
        let title = x.levers.iter().find(|l| l.key == p.key).map_or(p.key, |l| l.title);
        let share = if x.spend_usd == Money::ZERO { 0.0 } else { p.cumulative_usd.to_f64() / x.spend_usd.to_f64() };
        combined.rows.push(vec![title.to_string(), usd(p.saved_usd), usd(p.cumulative_usd), percent(share)]);
    }
    combined.rows.push(vec![
        "all".to_string(),
        usd(x.combined.saved_usd),
        format!("{} per 30 days", usd(x.combined.per_30_days_usd)),
        percent(x.combined.share),
    ]);
    combined.total_row = true;
    combined.footer.push(format!("{} calls would cost less; no call saves more than it cost", count(x.combined.calls)));
    let mut grids = vec![levers, combined];
    if !x.routing_candidates.is_empty() {
        let mut g = Grid::new(
            format!("Routing candidates by {} (quality not measured)", x.group_by),
            &[&x.group_by, "model", "→ model", "calls", "cost", "would save", "median in/out"],
        );
        g.numeric[1] = false;
        g.numeric[2] = false;
        for c in &x.routing_candidates {
            g.rows.push(vec![
                key_label(&c.route).to_string(),
                c.model.clone(),
                c.to_model.clone(),
                count(c.calls),
                usd(c.cost_usd),
                usd(c.saved_usd),
                format!("{}/{}", count(c.median_input_tokens), count(c.median_output_tokens)),
            ]);
        }
        grids.push(g);
    }
    grids
}
