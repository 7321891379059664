//! Repeats: the calls a response cache would have answered (see `sections::duplicates` for
//! the definitions), found once for the duplicates section and the response-cache lever.
//! The considered calls are sorted into chains of one (prompt hash, group, model) in time
//! order; only what the two read is kept (the repeats and each group's considered calls),
//! not the 24-byte sort key of every call.

use rayon::prelude::*;

use super::Ctx;
use crate::calls::{StrCol, FLAG_CACHE_HIT, FLAG_ERROR};

/// The string columns finding the repeats reads (besides the model and the group).
pub const COLUMNS: [StrCol; 1] = [StrCol::PromptHash];

/// A chain with at least one repeat.
pub struct Chain {
    /// (prompt hash id, group, model id).
    pub key: (u32, u32, u32),
    /// Considered calls in the chain.
    pub calls: u64,
    /// Its repeats: `Repeats::rows[start..end]`.
    start: usize,
    end: usize,
}

pub struct Repeats {
    /// Considered calls per group.
    pub considered: Vec<u64>,
    /// Chains with repeats, in (hash, group, model) order.
    pub chains: Vec<Chain>,
    /// Every repeat, chain by chain, oldest first.
    pub rows: Vec<u32>,
}

impl Repeats {
    pub fn build(ctx: &Ctx) -> Repeats {
        let (calls, groups) = (ctx.calls, ctx.groups);
        let hash = &calls.col(StrCol::PromptHash).ids;
        let model = &calls.col(StrCol::Model).ids;
        // (hash id, group, model id, timestamp, row). Filled in place, not collected from a
        // parallel filter: that would hold the keys twice (its parts, then the joined vector).
        let mut keys: Vec<(u32, u32, u32, i64, u32)> = Vec::with_capacity(ctx.sel.len());
        keys.extend(
            ctx.sel
                .rows()
                .filter(|&r| hash[r] != 0 && calls.flags[r] & (FLAG_ERROR | FLAG_CACHE_HIT) == 0)
                .map(|r| (hash[r], groups.of(r), model[r], calls.ts_ms[r], r as u32)),
        );
        keys.par_sort_unstable();
        let window = ctx.opts.duplicate_window_ms;
        let mut out = Repeats { considered: vec![0; groups.len()], chains: Vec::new(), rows: Vec::new() };
        for chain in keys.chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2)) {
            let (h, g, m, _, _) = chain[0];
            out.considered[g as usize] += chain.len() as u64;
            let start = out.rows.len();
            out.rows.extend(chain.windows(2).filter(|w| w[1].3 - w[0].3 <= window).map(|w| w[1].4));
            if out.rows.len() > start {
                let end = out.rows.len();
                out.chains.push(Chain { key: (h, g, m), calls: chain.len() as u64, start, end });
            }
        }
        out
    }

    /// The repeats of `chain`, oldest first.
    pub fn of(&self, chain: &Chain) -> &[u32] {
        &self.rows[chain.start..chain.end]
    }
}
