//! Per-call flags for the call-level export: what the analyses know about each call.
//! `retried`: a later attempt of the same operation followed it (operations as the retries
//! analysis builds them: operation_id, or inferred from prompt_hash and group after an error).

use crate::analyze::dims::Dim;
use crate::analyze::ops::Operations;
use crate::analyze::{Ctx, Groups, Options, Selection};
use crate::calls::Calls;
use crate::price::Priced;
use crate::pricing::PriceBook;

/// `retried` over `sel`, with operations grouped by `group` and the default knobs, as the
/// report's retries section builds them.
pub fn retried_in(
    calls: &Calls,
    priced: &Priced,
    book: &PriceBook,
    sel: &Selection,
    group: &[Dim],
) -> Vec<bool> {
    let groups = Groups::new(calls, group);
    let opts = Options::default();
    retried(&Ctx { calls, priced, book, sel, groups: &groups, opts: &opts })
}

/// `retried[row]` for every row of `ctx.calls` (false outside the selection).
pub fn retried(ctx: &Ctx) -> Vec<bool> {
    let mut out = vec![false; ctx.calls.len()];
    for rows in Operations::build(ctx).iter() {
        if let Some((_, earlier)) = rows.split_last() {
            earlier.iter().for_each(|&r| out[r as usize] = true);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::analyze::context::testing::with_ctx;

    #[test]
    fn earlier_attempts_are_retried() {
        let lines = [
            r#"{"timestamp":"2026-02-10T10:00:00Z","operation_id":"a","attempt":1,"model":"alpha","input_tokens":10,"output_tokens":0,"status":"error"}"#,
            r#"{"timestamp":"2026-02-10T10:00:05Z","operation_id":"a","attempt":2,"model":"alpha","input_tokens":10,"output_tokens":5,"status":"ok"}"#,
            r#"{"timestamp":"2026-02-10T10:01:00Z","operation_id":"b","attempt":1,"model":"alpha","input_tokens":10,"output_tokens":5,"status":"ok"}"#,
        ];
        assert_eq!(with_ctx(&lines, super::retried), [true, false, false]);
    }
}
