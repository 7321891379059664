//! Duplicate calls as grids: the groups with duplicates and the totals, then the costliest
//! repeated prompts; no grid when no call carries a prompt_hash.

use crate::analyze::sections::duplicates::{Duplicates, Figures};
use crate::money::Money;
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

pub fn grids(x: &Duplicates) -> Vec<Grid> {
    if x.total.calls == 0 {
        return Vec::new();
    }
    let window = crate::time::duration_label(x.window_ms);
    let title = format!(
        "Duplicate calls by {} (same prompt_hash, {} and model within {window})",
        x.group_by, x.group_by
    );
    let mut groups = Grid::new(title, &[&x.group_by, "calls", "duplicates", "share", "cache would save"]);
    // Groups without duplicates only add noise here (they are in the JSON and the totals).
    let with_duplicates = x.routes.iter().filter(|r| r.figures.count > 0);
    groups.rows.extend(with_duplicates.map(|r| row(key_label(&r.route), &r.figures, r.share_of_calls)));
    groups.rows.push(row("all", &x.total, x.share_of_calls));
    groups.footer.push(
        "calls: with a prompt_hash, not errors, not app cache hits; the window runs from the previous occurrence".into(),
    );
    if x.total.unpriced_count > 0 {
        groups.footer.push(format!(
            "*: {} duplicates have no price and are not in the saving; —: none has a price",
            count(x.total.unpriced_count)
        ));
    }
    let mut grids = vec![groups];
    if !x.top_prompts.is_empty() {
        let mut top = Grid::new(
            "Most costly repeated prompts",
            &["prompt_hash", &x.group_by, "model", "calls", "duplicates", "cost"],
        );
        top.numeric[1] = false;
        top.numeric[2] = false;
        top.rows.extend(x.top_prompts.iter().map(|p| {
            vec![
                p.prompt_hash.clone(),
                key_label(&p.route).to_string(),
                key_label(&p.model).to_string(),
                count(p.calls),
                count(p.duplicates),
                cost(p.cost_usd, p.unpriced_count, p.duplicates),
            ]
        }));
        grids.push(top);
    }
    grids
}

fn row(key: &str, f: &Figures, share: f64) -> Vec<String> {
    vec![
        key.to_string(),
        count(f.calls),
        count(f.count),
        percent(share),
        cost(f.cost_usd, f.unpriced_count, f.count),
    ]
}

/// "—" when every duplicate is unpriced, a "*" when some are (as in the spend grids).
fn cost(saving: Money, unpriced: u64, duplicates: u64) -> String {
    match unpriced {
        0 => usd(saving),
        n if n == duplicates => "—".to_string(),
        _ => format!("{}*", usd(saving)),
    }
}

