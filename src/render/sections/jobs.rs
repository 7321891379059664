//! Jobs as grids: the cost-per-job distribution per group (with a fleet row), then the
//! outlier and runaway jobs when there are any. Formatting only.

use super::retries::more;
use crate::analyze::sections::jobs::{JobEntry, JobStats, Jobs};
use crate::render::grid::Grid;
use crate::render::{count, key_label, usd};

/// Rows of a list shown in a table; JSON carries the whole list.
const SHOWN: usize = 20;

/// Nothing when no call carries a job_id (the JSON still has the section).
pub fn grids(x: &Jobs) -> Vec<Grid> {
    if x.stats.jobs == 0 {
        return Vec::new();
    }
    let mut g = Grid::new(
        format!("Cost per job by {}", x.group_by),
        &[
            &x.group_by,
            "jobs",
            "calls",
            "calls/op",
            "median",
            "p90",
            "p99",
            "max",
            "total",
            "outliers",
            "runaway",
        ],
    );
    g.rows.extend(x.routes.iter().map(|r| stats_row(key_label(&r.route), &r.stats, r.outliers, r.runaway)));
    g.rows.push(stats_row("(all)", &x.stats, x.outlier_count, x.runaway_count));
    g.total_row = true;
    g.footer.push(format!(
        "percentiles by nearest rank; outlier: cost above {}× its {}'s median job; runaway: more than {}× its median calls per job",
        x.outlier_factor, x.group_by, x.runaway_attempts
    ));
    if x.calls_without_job > 0 {
        g.footer.push(format!(
            "{} calls carry no job_id ({}): not in any job",
            count(x.calls_without_job),
            usd(x.cost_without_job_usd)
        ));
    }
    let mut grids = vec![g];
    if !x.outliers.is_empty() {
        grids.push(list(
            format!("Outlier jobs (above {}× their {}'s median)", x.outlier_factor, x.group_by),
            x,
            &x.outliers,
            x.outlier_count,
        ));
    }
    if !x.runaway.is_empty() {
        grids.push(list("Runaway jobs".into(), x, &x.runaway, x.runaway_count));
    }
    grids
}

fn stats_row(key: &str, s: &JobStats, outliers: u64, runaway: u64) -> Vec<String> {
    vec![
        key.to_string(),
        count(s.jobs),
        count(s.calls),
        format!("{:.2}", s.multiplier),
        usd(s.median_usd),
        usd(s.p90_usd),
        usd(s.p99_usd),
        usd(s.max_usd),
        usd(s.cost_usd),
        count(outliers),
        count(runaway),
    ]
}

fn list(title: String, x: &Jobs, jobs: &[JobEntry], total: u64) -> Grid {
    let mut g = Grid::new(
        title,
        &[
            "job",
            "route",
            "start",
            "cost",
            "× median",
            "calls",
            "median calls",
            "operations",
            "retried",
            "failed",
        ],
    );
    g.headers[1] = x.group_by.clone();
    g.numeric[..3].fill(false);
    g.rows = jobs
        .iter()
        .take(SHOWN)
        .map(|j| {
            vec![
                j.job.clone(),
                key_label(&j.route).to_string(),
                j.start.clone(),
                usd(j.cost_usd),
                j.times_median.map_or_else(|| "—".into(), |t| format!("{t:.1}×")),
                count(j.calls),
                count(j.route_median_calls),
                count(j.operations),
                count(j.retried_operations),
                count(j.failed_calls),
            ]
        })
        .collect();
    g.footer.extend(more(g.rows.len(), total));
    g
}
