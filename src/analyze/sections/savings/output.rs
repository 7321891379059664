//! Output reduction: truncated answers (finish_reason `length`, the waste section's) are not
//! made, and outputs above a route's cap are capped: `--output-cap ROUTE=N`, else the
//! route's p90 output (nearest rank over its ok, untruncated, priced calls).

use rustc_hash::FxHashMap;

use super::{Change, Plan, SavingsOptions};
use crate::analyze::sections::{jobs::select_rank, waste};
use crate::analyze::Ctx;
use crate::calls::{FLAG_CACHE_HIT, FLAG_ERROR};
use crate::pattern::glob_matches;

pub fn plan<'b>(ctx: &Ctx<'b>, opts: &SavingsOptions) -> Plan<'b> {
    let mut plan = Plan::new(
        "output_reduction",
        "Output reduction",
        "truncated answers (finish_reason length) are not made (the retry with a higher limit is paid anyway); \
         outputs above the route's cap (--output-cap, default its p90) are capped at it"
            .to_string(),
    );
    let truncated = waste::truncated_rows(ctx);
    let mut outputs: FxHashMap<u32, Vec<u64>> = FxHashMap::default();
    for row in ctx.sel.rows() {
        let usable = ctx.calls.flags[row] & (FLAG_ERROR | FLAG_CACHE_HIT) == 0 && ctx.priced.is_priced(row);
        if usable && !truncated[row] {
            outputs.entry(ctx.groups.of(row)).or_default().push(ctx.calls.tokens.output[row]);
        }
    }
    let caps: FxHashMap<u32, u64> = outputs
        .into_iter()
        .map(|(g, mut v)| {
            let label = ctx.groups.label(g).unwrap_or_default();
            let stated = opts.output_cap.iter().find(|(p, _)| glob_matches(p, label)).map(|&(_, n)| n);
            let cap = stated.unwrap_or_else(|| {
                select_rank(&mut v, 90)
            });
            let how = if stated.is_some() { "--output-cap" } else { "p90" };
            plan.because(g, format!("cap {cap} output tokens ({how})"));
            (g, cap)
        })
        .collect();
    for row in ctx.sel.rows() {
        if truncated[row] {
            plan.changes.push((row as u32, Change::Drop));
        } else if let Some(&cap) = caps.get(&ctx.groups.of(row)) {
            if ctx.calls.tokens.output[row] > cap && ctx.calls.flags[row] & FLAG_ERROR == 0 {
                plan.changes.push((row as u32, Change::CapOutput(cap)));
            }
        }
    }
    plan
}
