//! The rows a report covers: the time window and field filters applied once, up front.

use rayon::prelude::*;

use super::{dims, AnalysisPlan};
use crate::calls::{Calls, FLAG_AGGREGATE};

/// The rows a report covers: all of them, or a filtered list.
pub enum Selection {
    All(usize),
    Rows(Vec<usize>),
}

impl Selection {
    pub fn new(calls: &Calls, plan: &AnalysisPlan) -> Selection {
        if plan.since.is_none() && plan.until.is_none() && plan.filters.is_empty() {
            return Selection::All(calls.len());
        }
        let filters: Vec<(dims::Codes, Option<u32>, bool)> = plan
            .filters
            .iter()
            .map(|f| {
                let codes = f.dim.codes(calls);
                let code = codes.code_of(&f.value);
                (codes, code, f.negate)
            })
            .collect();
        let keep = |row: usize| {
            let t = calls.ts_ms[row];
            plan.since.is_none_or(|s| t >= s)
                && plan.until.is_none_or(|u| t < u)
                && filters.iter().all(|(codes, code, negate)| (Some(codes.code(row)) == *code) != *negate)
        };
        Selection::Rows((0..calls.len()).into_par_iter().filter(|&r| keep(r)).collect())
    }

    /// The selected rows that are single calls, or `None` when every one is (aggregates of
    /// usage buckets are summed in totals but say nothing about any one call).
    pub fn calls_only(&self, calls: &Calls) -> Option<Selection> {
        if !calls.has_aggregates() {
            return None;
        }
        let single = |&r: &usize| !calls.has_flag(r, FLAG_AGGREGATE);
        Some(Selection::Rows(self.par_rows().filter(single).collect()))
    }

    pub fn len(&self) -> usize {
        match self {
            Selection::All(n) => *n,
            Selection::Rows(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn rows(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Selection::All(n) => Box::new(0..*n),
            Selection::Rows(r) => Box::new(r.iter().copied()),
        }
    }

    pub fn par_rows(
        &self,
    ) -> rayon::iter::Either<rayon::range::Iter<usize>, rayon::iter::Copied<rayon::slice::Iter<'_, usize>>>
    {
        match self {
            Selection::All(n) => rayon::iter::Either::Left((0..*n).into_par_iter()),
            Selection::Rows(r) => rayon::iter::Either::Right(r.par_iter().copied()),
        }
    }
}
