//! Fallbacks as grids: fallback rates and escalation cost per group (with a fleet row), then
//! each group's model mix (calls, cost, where operations ended). Formatting only.

use crate::analyze::sections::fallbacks::{FallbackFigures, Fallbacks, RouteFallbacks};
use crate::render::grid::Grid;
use crate::render::{count, key_label, percent, usd};

/// The model mix shows this many groups (in the order of the rates grid) and models per group.
const MIX_ROUTES: usize = 10;
const MIX_MODELS: usize = 5;

/// Nothing when no operation logged a requested model and no group is flagged: there is no
/// fallback to speak of (the JSON still has the section).
pub fn grids(x: &Fallbacks) -> Vec<Grid> {
    if x.totals.operations_with_requested_model == 0 && x.routes.iter().all(|r| r.flags.is_empty()) {
        return Vec::new();
    }
    let mut rates = Grid::new(
        format!("Fallbacks by {}", x.group_by),
        &[
            &x.group_by,
            "operations",
            "with requested",
            "fell back",
            "rate",
            "escalated calls",
            "escalated cost",
            "extra cost",
        ],
    );
    rates.rows.extend(x.routes.iter().map(|r| figures_row(key_label(&r.route), &r.figures)));
    rates.rows.push(figures_row("(all)", &x.totals));
    rates.total_row = true;
    rates.footer.push("fell back: the last successful attempt used another model than the requested one; rate = fell back / operations".into());
    rates.footer.push("extra cost: escalated attempts' cost minus the same tokens at the requested model's price (negative: the fallback was cheaper)".into());
    if x.totals.extra_cost_skipped_calls > 0 {
        let unpriced = match x.unpriced_requested_models.as_slice() {
            [] => String::new(),
            names => format!(" (no price for requested {})", names.join(", ")),
        };
        rates.footer.push(format!(
            "*: leaves out {} escalated attempts that cannot be priced both ways{unpriced}",
            count(x.totals.extra_cost_skipped_calls)
        ));
    }
    rates.footer.extend(x.routes.iter().filter_map(flag_line));
    vec![rates, model_mix(x)]
}

fn figures_row(key: &str, f: &FallbackFigures) -> Vec<String> {
    let mut extra = usd(f.extra_cost_usd);
    if f.extra_cost_skipped_calls > 0 {
        extra.push('*');
    }
    vec![
        key.to_string(),
        count(f.operations),
        count(f.operations_with_requested_model),
        count(f.fallback_operations),
        percent(f.fallback_rate),
        count(f.escalated_calls),
        usd(f.escalated_cost_usd),
        extra,
    ]
}

fn flag_line(r: &RouteFallbacks) -> Option<String> {
    let model = r.expensive_model.as_deref()?;
    let m = r.models.iter().find(|m| m.model == model)?;
    let rate = m.input_usd_per_mtok.map_or_else(|| "?".to_string(), usd);
    Some(format!(
        "flag: on {} the most expensive model, {model} ({rate}/M input), carries {} of calls",
        key_label(&r.route),
        percent(m.call_share)
    ))
}

fn model_mix(x: &Fallbacks) -> Grid {
    let mut g = Grid::new(
        format!("Model mix by {}", x.group_by),
        &[&x.group_by, "model", "calls", "share", "cost", "cost share", "input $/M", "ended here"],
    );
    g.numeric[1] = false;
    for r in x.routes.iter().take(MIX_ROUTES) {
        for m in r.models.iter().take(MIX_MODELS) {
            let ended = r.ended.iter().find(|e| e.model == m.model);
            g.rows.push(vec![
                key_label(&r.route).to_string(),
                m.model.clone(),
                count(m.calls),
                percent(m.call_share),
                usd(m.cost_usd),
                percent(m.cost_share),
                m.input_usd_per_mtok.map_or_else(|| "—".to_string(), usd),
                ended.map_or_else(
                    || "0".to_string(),
                    |e| format!("{} ({})", count(e.operations), percent(e.share)),
                ),
            ]);
        }
    }
    g.footer.push("ended here: operations whose last successful attempt used the model (share of the operations that succeeded)".into());
    if x.routes.len() > MIX_ROUTES || x.routes.iter().any(|r| r.models.len() > MIX_MODELS) {
        g.footer.push(format!("the first {MIX_ROUTES} {}s and their {MIX_MODELS} costliest models are shown; --format json has all", x.group_by));
    }
    g
}
