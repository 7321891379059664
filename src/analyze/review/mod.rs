//! Figures only the monthly cost-review export shows: the period comparison and daily stack
//! (`period`), FOCUS rows (`focus`), latency percentiles (`latency`) and per-call flags for
//! calls.parquet (`per_call`). Like the leak sections they return data, never text.

pub mod focus;
pub mod latency;
pub mod per_call;
pub mod period;
