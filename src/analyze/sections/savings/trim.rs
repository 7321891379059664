//! Long-context trimming: near-miss calls (the thresholds section's) trimmed to their tier's
//! threshold, so they are billed at the rates below it.

use super::{Change, Plan};
use crate::analyze::sections::thresholds::{band_tokens, counted, trimmed as trimmed_by};
use crate::analyze::Ctx;
use crate::calls::Tokens;
use crate::pricing::Basis;

pub fn plan<'b>(ctx: &Ctx<'b>) -> Plan<'b> {
    let band = ctx.opts.near_miss_band;
    let mut plan = Plan::new(
        "long_context_trim",
        "Long-context trimming",
        format!(
            "calls at most {:.0}% above a long-context threshold are trimmed to it (fresh input first), so the whole \
             request is billed below the tier",
            band * 100.0
        ),
    );
    for row in ctx.sel.rows() {
        let (Some(tier), Some((_, version))) = (ctx.priced.tier_index(row), ctx.priced.version(row)) else {
            continue;
        };
        let t = &version.tiers[tier];
        let excess = counted(&ctx.calls.tokens.get(row), t.basis) - t.threshold;
        if excess <= band_tokens(t.threshold, band) {
            plan.changes.push((row as u32, Change::Trim { threshold: t.threshold, basis: t.basis }));
        }
    }
    plan
}

/// `t` with its counted tokens brought down to `threshold`.
pub fn trimmed(t: &Tokens, threshold: u64, basis: Basis) -> Tokens {
    trimmed_by(t, counted(t, basis).saturating_sub(threshold))
}
