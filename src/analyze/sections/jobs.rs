//! Cost per job, built on operations (`ops.rs`).
//!
//! Definitions (README-ready):
//! - A job is the set of operations whose first attempt carries a given `job_id`; calls of
//!   operations without one are not jobs (`calls_without_job`, `cost_without_job_usd`).
//!   A job's cost, calls and operations are those of its operations.
//! - A job's route (group) is the group of its first call in time (ties: file order), the
//!   entry point a per-route budget is set on.
//! - Percentiles are nearest-rank: with the n job costs sorted ascending, the p-th
//!   percentile is the value at rank ⌈p × n / 100⌉ (1-based), so the median of 4 jobs is the
//!   2nd. Every figure is an actual job's cost, exact.
//! - Outlier: a job costing strictly more than `job_outlier_factor` (3) × its route's
//!   median job cost.
//! - Runaway job: more calls than `runaway_attempts` (5) × its route's median calls per job
//!   (the same knob as runaway operations: attempts beyond a multiple of the usual).
//! - `multiplier` = calls / operations of the jobs (the retry multiplier per job and route).

use serde::Serialize;

use crate::time::rfc3339;
use crate::analyze::ops::Operations;
use super::retries::{money_ratio, LIST_LIMIT};
use crate::analyze::Ctx;
use crate::calls::FLAG_ERROR;
use crate::money::{Money, Rate};
use crate::calls::StrCol;

/// Distribution of job costs (and calls) of a set of jobs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JobStats {
    pub jobs: u64,
    pub calls: u64,
    pub operations: u64,
    pub multiplier: f64,
    pub cost_usd: Money,
    pub median_usd: Money,
    pub p90_usd: Money,
    pub p99_usd: Money,
    pub max_usd: Money,
    pub median_calls: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteJobs {
    /// The group's label (a route unless `--by` says otherwise); `null` = no value.
    pub route: Option<String>,
    #[serde(flatten)]
    pub stats: JobStats,
    pub outliers: u64,
    pub runaway: u64,
}

/// One listed job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobEntry {
    pub job: String,
    pub route: Option<String>,
    /// Start of its first call.
    pub start: String,
    pub cost_usd: Money,
    pub calls: u64,
    pub operations: u64,
    pub retried_operations: u64,
    pub failed_calls: u64,
    pub route_median_usd: Money,
    /// cost / route median (`null` when the median is zero).
    pub times_median: Option<f64>,
    pub route_median_calls: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Jobs {
    pub group_by: String,
    pub percentile_method: String,
    pub outlier_factor: f64,
    pub runaway_attempts: u32,
    #[serde(flatten)]
    pub stats: JobStats,
    pub calls_without_job: u64,
    pub cost_without_job_usd: Money,
    pub routes: Vec<RouteJobs>,
    pub outlier_count: u64,
    pub outlier_cost_usd: Money,
    pub outliers: Vec<JobEntry>,
    pub runaway_count: u64,
    pub runaway_cost_usd: Money,
    pub runaway: Vec<JobEntry>,
}

/// Sums of one job, indexed by its job_id's dictionary id.
#[derive(Clone, Copy, Debug)]
struct Job {
    calls: u64,
    operations: u64,
    retried: u64,
    failed: u64,
    cost: Money,
    /// (start, row) of its first call.
    first: (i64, u32),
}

impl Default for Job {
    fn default() -> Job {
        Job { calls: 0, operations: 0, retried: 0, failed: 0, cost: Money::ZERO, first: (i64::MAX, u32::MAX) }
    }
}

/// One sequential pass: a few loads per call, cheaper than merging per-thread job arrays.
fn per_job(ctx: &Ctx, ops: &Operations) -> (Vec<Job>, u64, Money) {
    let job_ids = &ctx.calls.col(StrCol::Job);
    let mut jobs = vec![Job::default(); job_ids.dict.len() + 1];
    let (mut loose_calls, mut loose_cost) = (0, Money::ZERO);
    for rows in ops.iter() {
        let cost: Money = rows.iter().map(|&r| ctx.priced.cost[r as usize]).sum();
        let id = job_ids.ids.get(rows[0] as usize).copied().unwrap_or(0);
        if id == 0 {
            loose_calls += rows.len() as u64;
            loose_cost += cost;
            continue;
        }
        let j = &mut jobs[id as usize];
        j.calls += rows.len() as u64;
        j.operations += 1;
        j.retried += (rows.len() > 1) as u64;
        j.failed += rows.iter().filter(|&&r| ctx.calls.flags[r as usize] & FLAG_ERROR != 0).count() as u64;
        j.cost += cost;
        for &r in rows {
            j.first = j.first.min((ctx.calls.ts_ms[r as usize], r));
        }
    }
    (jobs, loose_calls, loose_cost)
}

/// The value at nearest rank ⌈p × n / 100⌉ of `sorted` (ascending, not empty).
pub fn nearest_rank<T: Copy>(sorted: &[T], p: u64) -> T {
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted[rank as usize - 1]
}

/// `nearest_rank` of `values` in any order, found by selection (reorders `values`).
pub fn select_rank<T: Copy + Ord>(values: &mut [T], p: u64) -> T {
    let n = values.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    *values.select_nth_unstable(rank as usize - 1).1
}

/// A job as sorted for the statistics: (group, cost, job id).
type Ranked = (u32, Money, u32);

fn stats(jobs: &[Job], ranked: &[Ranked]) -> JobStats {
    if ranked.is_empty() {
        return JobStats::default();
    }
    let costs: Vec<Money> = ranked.iter().map(|r| r.1).collect();
    let mut calls: Vec<u64> = ranked.iter().map(|r| jobs[r.2 as usize].calls).collect();
    calls.sort_unstable();
    let (n_calls, n_ops) = ranked
        .iter()
        .fold((0, 0), |(c, o), r| (c + jobs[r.2 as usize].calls, o + jobs[r.2 as usize].operations));
    JobStats {
        jobs: ranked.len() as u64,
        calls: n_calls,
        operations: n_ops,
        multiplier: n_calls as f64 / n_ops as f64,
        cost_usd: costs.iter().copied().sum(),
        median_usd: nearest_rank(&costs, 50),
        p90_usd: nearest_rank(&costs, 90),
        p99_usd: nearest_rank(&costs, 99),
        max_usd: costs[costs.len() - 1],
        median_calls: nearest_rank(&calls, 50),
    }
}

pub fn analyze(ctx: &Ctx, ops: &Operations) -> Jobs {
    let (jobs, calls_without_job, cost_without_job) = per_job(ctx, ops);
    let mut ranked: Vec<Ranked> = (1..jobs.len())
        .filter(|&j| jobs[j].operations > 0)
        .map(|j| (ctx.groups.of(jobs[j].first.1 as usize), jobs[j].cost, j as u32))
        .collect();
    ranked.sort_unstable();
    let mut fleet: Vec<Ranked> = ranked.iter().map(|&(_, c, j)| (0, c, j)).collect();
    fleet.sort_unstable();
    let factor = Rate::parse(&format!("{:.12}", ctx.opts.job_outlier_factor)).unwrap_or_default();
    let mut routes: Vec<RouteJobs> = Vec::new();
    let (mut outliers, mut runaway) = (Vec::new(), Vec::new());
    for chunk in ranked.chunk_by(|a, b| a.0 == b.0) {
        let s = stats(&jobs, chunk);
        let (cost_limit, calls_limit) =
            (s.median_usd.times(factor), s.median_calls * ctx.opts.runaway_attempts as u64);
        let (i, before) = (routes.len(), (outliers.len(), runaway.len()));
        outliers.extend(chunk.iter().filter(|r| r.1 > cost_limit).map(|&r| (r, i)));
        runaway.extend(chunk.iter().filter(|r| jobs[r.2 as usize].calls > calls_limit).map(|&r| (r, i)));
        let (outliers, runaway) = ((outliers.len() - before.0) as u64, (runaway.len() - before.1) as u64);
        routes.push(RouteJobs {
            route: ctx.groups.label(chunk[0].0).map(str::to_string),
            stats: s,
            outliers,
            runaway,
        });
    }
    let (outlier_count, outlier_cost_usd, outliers) = listed(ctx, &jobs, &routes, outliers);
    let (runaway_count, runaway_cost_usd, runaway) = listed(ctx, &jobs, &routes, runaway);
    routes.sort_by(|a, b| b.stats.cost_usd.cmp(&a.stats.cost_usd).then_with(|| a.route.cmp(&b.route)));
    Jobs {
        group_by: ctx.groups.name.clone(),
        percentile_method: "nearest-rank".into(),
        outlier_factor: ctx.opts.job_outlier_factor,
        runaway_attempts: ctx.opts.runaway_attempts,
        stats: stats(&jobs, &fleet),
        calls_without_job,
        cost_without_job_usd: cost_without_job,
        routes,
        outlier_count,
        outlier_cost_usd,
        outliers,
        runaway_count,
        runaway_cost_usd,
        runaway,
    }
}

/// Count, cost and the costliest `LIST_LIMIT` entries (then more calls, then job id) of the
/// jobs flagged on some route (`routes[i]` is the route of a `(job, i)`).
fn listed(
    ctx: &Ctx,
    jobs: &[Job],
    routes: &[RouteJobs],
    mut flagged: Vec<(Ranked, usize)>,
) -> (u64, Money, Vec<JobEntry>) {
    let dict = &ctx.calls.col(StrCol::Job).dict;
    let calls = |r: &Ranked| jobs[r.2 as usize].calls;
    flagged.sort_unstable_by(|(a, _), (b, _)| {
        b.1.cmp(&a.1).then(calls(b).cmp(&calls(a))).then_with(|| dict.get(a.2).cmp(&dict.get(b.2)))
    });
    let cost = flagged.iter().map(|f| f.0 .1).sum();
    let entries =
        flagged.iter().take(LIST_LIMIT).map(|(r, i)| job_entry(ctx, jobs, r, &routes[*i].stats)).collect();
    (flagged.len() as u64, cost, entries)
}

fn job_entry(ctx: &Ctx, jobs: &[Job], r: &Ranked, route: &JobStats) -> JobEntry {
    let j = &jobs[r.2 as usize];
    JobEntry {
        job: ctx.calls.col(StrCol::Job).dict.get(r.2).unwrap_or_default().to_string(),
        route: ctx.groups.label(r.0).map(str::to_string),
        start: rfc3339(j.first.0),
        cost_usd: j.cost,
        calls: j.calls,
        operations: j.operations,
        retried_operations: j.retried,
        failed_calls: j.failed,
        route_median_usd: route.median_usd,
        times_median: money_ratio(j.cost, route.median_usd),
        route_median_calls: route.median_calls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::{with_ctx, with_ctx_opts};
    use crate::analyze::Options;

    fn usd(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    #[test]
    fn nearest_rank_by_hand() {
        let twenty: Vec<u64> = (1..=20).collect();
        // ⌈50 × 20 / 100⌉ = 10, ⌈90 × 20 / 100⌉ = 18, ⌈99 × 20 / 100⌉ = ⌈19.8⌉ = 20.
        assert_eq!([50, 90, 99].map(|p| nearest_rank(&twenty, p)), [10, 18, 20]);
        // Four values: the median is the 2nd (⌈2⌉), p90 the 4th (⌈3.6⌉).
        assert_eq!([50, 90].map(|p| nearest_rank(&[1, 2, 3, 4], p)), [2, 4]);
        assert_eq!([0, 50, 99].map(|p| nearest_rank(&[7], p)), [7, 7, 7]);
        // Selection finds the same ranks in any order.
        let mut shuffled: Vec<u32> = (1..=20).map(|i| (i * 7) % 20 + 1).collect();
        assert_eq!([50, 90, 99].map(|p| select_rank(&mut shuffled, p)), [10, 18, 20]);
        assert_eq!([50, 90].map(|p| select_rank(&mut [4, 1, 3, 2], p)), [2, 4]);
    }

    fn call(ts: &str, job: Option<&str>, op: &str, route: &str, input: u64) -> String {
        let job = job.map_or(String::new(), |j| format!(r#""job_id":"{j}","#));
        format!(
            r#"{{"timestamp":"2026-02-10T{ts}Z",{job}"operation_id":"{op}","model":"alpha","route":"{route}","input_tokens":{input},"output_tokens":0}}"#
        )
    }

    fn run(calls: &[String], opts: &Options) -> Jobs {
        let lines: Vec<&str> = calls.iter().map(String::as_str).collect();
        with_ctx_opts(&lines, opts, |ctx| analyze(ctx, &Operations::build(ctx)))
    }

    #[test]
    fn a_job_is_its_operations_and_belongs_to_its_first_calls_route() {
        let calls = [
            // Logged out of order: the 10:00 call on "b" is the job's first.
            call("10:05:00", Some("j"), "o1", "a", 100),
            call("10:00:00", Some("j"), "o2", "b", 50),
            // An operation belongs to its first attempt's job: o3's second attempt has none.
            call("11:00:00", Some("k"), "o3", "a", 10),
            call("11:00:01", None, "o3", "a", 10),
            call("12:00:00", None, "o4", "a", 1000),
        ];
        let j = with_ctx(&calls.iter().map(String::as_str).collect::<Vec<_>>(), |ctx| {
            analyze(ctx, &Operations::build(ctx))
        });
        // j: 150 tokens × $2 = 300 µ$ on route b; k: 20 × 2 = 40 µ$ on route a.
        let routes: Vec<_> =
            j.routes.iter().map(|r| (r.route.as_deref().unwrap(), r.stats.jobs, r.stats.cost_usd)).collect();
        assert_eq!(routes, [("b", 1, usd("0.0003")), ("a", 1, usd("0.00004"))]);
        assert_eq!((j.stats.jobs, j.stats.calls, j.stats.operations), (2, 4, 3));
        assert_eq!((j.calls_without_job, j.cost_without_job_usd), (1, usd("0.002")));
    }

    #[test]
    fn outliers_are_strictly_above_the_factor_times_the_route_median() {
        // Costs 100, 100, 300 µ$ (50, 50, 150 tokens × $2): median 100.
        let calls = [
            call("10:00:00", Some("a"), "o1", "r", 50),
            call("10:01:00", Some("b"), "o2", "r", 50),
            call("10:02:00", Some("c"), "o3", "r", 150),
        ];
        assert_eq!(run(&calls, &Options::default()).outlier_count, 0, "300 is not above 3 × 100");
        let j = run(&calls, &Options { job_outlier_factor: 2.5, ..Options::default() });
        assert_eq!(j.outlier_count, 1, "300 is above 2.5 × 100");
        let o = &j.outliers[0];
        assert_eq!(
            (o.job.as_str(), o.cost_usd, o.route_median_usd, o.times_median),
            ("c", usd("0.0003"), usd("0.0001"), Some(3.0))
        );
    }
}
