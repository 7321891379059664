//! The prompt-cache section as grids: one row per group with the fleet's figures under it,
//! then the collapses. Every figure comes from `analyze::cache`.

use crate::analyze::sections::cache::{Cache, Stats};
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

pub fn grids(c: &Cache) -> Vec<Grid> {
    let mut grids = vec![groups(c)];
    if !c.collapses.is_empty() {
        grids.push(collapses(c));
    }
    grids
}

fn groups(c: &Cache) -> Grid {
    let headers = [
        c.group_by.as_str(),
        "calls",
        "input",
        "cache read",
        "token hit",
        "request hit",
        "write cost",
        "saved",
        "payback",
        "flags",
    ];
    let mut g = Grid::new(format!("Prompt cache by {}", c.group_by), &headers);
    g.numeric[9] = false;
    for r in &c.routes {
        let mut row = vec![key_label(&r.route).to_string()];
        row.extend(figures(&r.stats));
        row.push(r.flags.join(", "));
        g.rows.push(row);
    }
    let f = &c.fleet;
    g.footer.push(format!(
        "fleet: token hit rate {}, request hit rate {}, saved {} by reads, write premium {}, payback {}",
        rate(f.token_hit_rate),
        rate(f.request_hit_rate),
        usd(f.saved_usd),
        usd(f.write_premium_usd),
        payback(f.payback)
    ));
    g.footer.push(
        "over ok provider calls (no errors, no app cache hits); below_fleet: under a third of the fleet's token hit \
         rate; no_cache: never reads cache (both with ≥5% of the fleet's input)"
            .to_string(),
    );
    g
}

fn figures(s: &Stats) -> Vec<String> {
    // A group with no priced call has no money figures, not $0.
    let money = |m| if s.priced_calls == 0 { "—".to_string() } else { usd(m) };
    vec![
        count(s.calls),
        count(s.input_tokens),
        count(s.cache_read_tokens),
        rate(s.token_hit_rate),
        rate(s.request_hit_rate),
        money(s.write_cost_usd),
        money(s.saved_usd),
        payback(s.payback),
    ]
}

fn collapses(c: &Cache) -> Grid {
    let headers = [c.group_by.as_str(), "since", "before", "after", "cost since"];
    let mut g = Grid::new("Prompt-cache collapses", &headers);
    g.numeric[1] = false;
    for x in &c.collapses {
        g.rows.push(vec![
            key_label(&x.route).to_string(),
            x.at.clone(),
            percent(x.before_rate),
            percent(x.after_rate),
            usd(x.cost_since_usd),
        ]);
    }
    g.footer.push(
        "cost since: input-rate minus cache-read-rate on the reads lost since the day, at the before rate (extra writes not counted)"
            .to_string(),
    );
    g
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), percent)
}

fn payback(p: Option<f64>) -> String {
    p.map_or_else(|| "—".to_string(), |p| format!("{p:.1}×"))
}
