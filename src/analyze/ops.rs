//! Operations: the attempts (retries and fallbacks) of one logical request. Calls sharing an
//! operation_id are one operation. A call without one joins the previous call with the same
//! prompt_hash and group when that call failed less than `retry_window` before it; otherwise
//! it is an operation of its own. Attempts are ordered by attempt number, then time.

use rayon::prelude::*;

use super::Ctx;
use crate::calls::StrCol;
use crate::calls::FLAG_ERROR;

/// The string columns grouping attempts into operations reads.
pub const COLUMNS: [StrCol; 2] = [StrCol::Operation, StrCol::PromptHash];

/// Operations as row lists: operation `i` is `order[starts[i]..starts[i + 1]]`.
pub struct Operations {
    order: Vec<u32>,
    starts: Vec<u32>,
}

impl Operations {
    pub fn build(ctx: &Ctx) -> Operations {
        let calls = ctx.calls;
        let op_ids = &calls.col(StrCol::Operation).ids;
        let op_of = |row: usize| op_ids.get(row).copied().unwrap_or(0);
        let mut keyed: Vec<(u64, u32, i64, u32)> = Vec::with_capacity(ctx.sel.len());
        let mut loose: Vec<usize> = Vec::new();
        for row in ctx.sel.rows() {
            match op_of(row) {
                0 => loose.push(row),
                op => keyed.push((op as u64, calls.attempt[row], calls.ts_ms[row], row as u32)),
            }
        }
        // Inferred operations get keys above every operation_id's.
        let first_free = calls.col(StrCol::Operation).dict.len() as u64 + 1;
        for (key, row) in infer(ctx, loose) {
            keyed.push((first_free + key, calls.attempt[row], calls.ts_ms[row], row as u32));
        }
        keyed.par_sort_unstable();
        let mut starts = Vec::new();
        let mut prev = None;
        for (i, (key, ..)) in keyed.iter().enumerate() {
            if prev != Some(*key) {
                starts.push(i as u32);
                prev = Some(*key);
            }
        }
        starts.push(keyed.len() as u32);
        Operations { order: keyed.into_iter().map(|k| k.3).collect(), starts }
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows of operation `i`, first attempt first.
    pub fn rows(&self, i: usize) -> &[u32] {
        &self.order[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        (0..self.len()).map(|i| self.rows(i))
    }
}

/// Operation keys (0-based, dense) for calls without an operation_id.
fn infer(ctx: &Ctx, mut rows: Vec<usize>) -> Vec<(u64, usize)> {
    let calls = ctx.calls;
    let hash = &calls.col(StrCol::PromptHash).ids;
    let hash_of = |r: usize| hash.get(r).copied().unwrap_or(0);
    rows.sort_unstable_by_key(|&r| (hash_of(r), ctx.groups.of(r), calls.ts_ms[r]));
    let mut out = Vec::with_capacity(rows.len());
    let mut key = 0u64;
    let mut prev: Option<usize> = None;
    for row in rows {
        let joins = prev.is_some_and(|p| {
            hash_of(p) != 0
                && hash_of(p) == hash_of(row)
                && ctx.groups.of(p) == ctx.groups.of(row)
                && calls.flags[p] & FLAG_ERROR != 0
                && calls.ts_ms[row] - calls.ts_ms[p] <= ctx.opts.retry_window_ms
        });
        if prev.is_some() && !joins {
            key += 1;
        }
        out.push((key, row));
        prev = Some(row);
    }
    out
}
