//! The CI gate: a run (a log's report, or a saved JSON report) read into a `Summary`,
//! compared with a baseline (`diff`), held to a policy (`rules`), and budgets replayed over
//! the priced calls (`budget`). It reads reports, never the JSON of one it just made.
//!
//! ```text
//!  view     Report or saved JSON → ReportView (typed, every figure optional)
//!  summary  ReportView → Summary (+ counts from the log's calls)
//!  figures  Change, Side, Headline, per: what diff and the rules speak of
//!  policy   the rules, from flags; policy_file: the same from llmcost.toml; glob: patterns
//!  rules    Policy × Summary → verdicts; Check
//!  diff     Summary × Summary × Policy → Diff
//!  budget   budgets file × priced calls → BudgetReport
//! ```

pub mod budget;
pub mod diff;
pub mod figures;
pub mod policy;
pub mod policy_file;
pub mod rules;
pub mod summary;
pub mod view;

pub use policy::Policy;
pub use rules::Check;
pub use summary::Summary;
