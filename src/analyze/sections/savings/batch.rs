//! Batch: calls that could have waited for a provider's batch API, at its rates. A route is
//! batchable when `--batchable` (or the policy's `batchable`) names it or its feature, or by
//! inference, each labelled: it already sends at least 20% of its calls to batch, or its
//! traffic is not production (environment set and not `prod`/`production`).

use rustc_hash::FxHashMap;

use crate::pattern::glob_matches;
use super::{Change, Plan, SavingsOptions};
use crate::analyze::Ctx;
use crate::calls::{StrCol, FLAG_BATCH, FLAG_CACHE_HIT};

/// A route already sending this share of its calls to batch can send the rest (1/5).
const BATCH_SHARE_DIVISOR: u64 = 5;

pub fn plan<'b>(ctx: &Ctx<'b>, opts: &SavingsOptions) -> Plan<'b> {
    let mut plan = Plan::new(
        "batch",
        "Batch API",
        "calls of batchable routes (declared with --batchable, or inferred: ≥ 20% of the route's calls already \
         batched) and of non-production environments wait for the batch API, at its rates"
            .to_string(),
    );
    let feature = ctx.calls.col(StrCol::Feature);
    let env = ctx.calls.col(StrCol::Environment);
    let mut per_group: FxHashMap<u32, (u64, u64)> = FxHashMap::default();
    for row in ctx.sel.rows() {
        let e = per_group.entry(ctx.groups.of(row)).or_default();
        e.0 += 1;
        e.1 += (ctx.calls.flags[row] & FLAG_BATCH != 0) as u64;
    }
    let declared = |text: Option<&str>| text.is_some_and(|t| opts.batchable.iter().any(|p| glob_matches(p, t)));
    let mut route_basis: FxHashMap<u32, Option<String>> = FxHashMap::default();
    for (&g, &(calls, batched)) in &per_group {
        let label = ctx.groups.label(g);
        let basis = if declared(label) {
            Some("declared batchable".to_string())
        } else if batched > 0 && batched * BATCH_SHARE_DIVISOR >= calls {
            Some(format!("inferred: {batched} of its {calls} calls already batched"))
        } else {
            None
        };
        route_basis.insert(g, basis);
    }
    for row in ctx.sel.rows() {
        if ctx.calls.flags[row] & (FLAG_BATCH | FLAG_CACHE_HIT) != 0 {
            continue;
        }
        let g = ctx.groups.of(row);
        let by_route = route_basis.get(&g).and_then(|b| b.clone());
        let basis = by_route.or_else(|| {
            if declared(feature.value(row)) {
                Some("feature declared batchable".to_string())
            } else {
                non_production(env.value(row)).then(|| "inferred: non-production traffic".to_string())
            }
        });
        if let Some(b) = basis {
            plan.because(g, b);
            plan.changes.push((row as u32, Change::Batch));
        }
    }
    plan
}

fn non_production(env: Option<&str>) -> bool {
    env.map(str::trim).is_some_and(|e| {
        !e.is_empty() && !e.eq_ignore_ascii_case("prod") && !e.eq_ignore_ascii_case("production")
    })
}
