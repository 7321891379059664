//! Verdict renderers for `diff`, `check` and `budget`: one file per format. They lay out
//! what `gate::diff`, `gate::rules` and `gate::budget` computed and compute
//! nothing; the helpers here only decide how a figure reads, and build the shared `Grid`s
//! (first column text, the rest right-aligned in Markdown).

pub mod github;
pub mod json;
pub mod md;
pub mod table;

use std::io::Write;

use anyhow::Result;

use super::grid::Grid;
use super::paint::{Paint, Tone};
use super::{count, percent, usd};
use crate::gate::budget::BudgetReport;
use crate::gate::diff::{Diff, Presence};
use crate::gate::figures::{Basis, Change, Quantity};
use crate::gate::rules::{Check, Figure, Status, Verdict};
use crate::gate::summary::label;
use crate::money::Money;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// GitHub-flavoured Markdown, fit for a pull-request comment.
    #[value(alias = "markdown")]
    Md,
    /// For machines (schema_version 1).
    Json,
    /// GitHub Actions workflow annotations (::error, ::warning, ::notice).
    Github,
}

/// One verdict format: how it writes each of the three verdicts (as `Render` is for the
/// report, one unit struct per format).
pub trait RenderVerdict {
    fn diff(&self, d: &Diff, out: &mut dyn Write) -> Result<()>;
    fn check(&self, c: &Check, out: &mut dyn Write) -> Result<()>;
    fn budget(&self, b: &BudgetReport, out: &mut dyn Write) -> Result<()>;
}

/// The renderer of `format`; only the terminal table uses `paint`.
pub fn renderer(format: Format, paint: Paint) -> Box<dyn RenderVerdict> {
    match format {
        Format::Table => Box::new(table::Table { paint }),
        Format::Md => Box::new(md::Md),
        Format::Json => Box::new(json::Json),
        Format::Github => Box::new(github::Github),
    }
}

pub fn diff(format: Format, paint: Paint, d: &Diff, out: &mut dyn Write) -> Result<()> {
    renderer(format, paint).diff(d, out)
}

pub fn check(format: Format, paint: Paint, c: &Check, out: &mut dyn Write) -> Result<()> {
    renderer(format, paint).check(c, out)
}

pub fn budget(format: Format, paint: Paint, b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
    renderer(format, paint).budget(b, out)
}

/// "job", "operation" or "run".
pub fn unit(basis: Basis) -> &'static str {
    match basis {
        Basis::Job => "job",
        Basis::Operation => "operation",
        Basis::Run => "run",
    }
}

/// "cost per job", or "total cost" when there is no count.
pub fn headline_name(basis: Basis) -> String {
    match basis {
        Basis::Run => "total cost".to_string(),
        b => format!("cost per {}", unit(b)),
    }
}

pub fn figure(f: &Figure) -> String {
    match f {
        Figure::Usd(m) => usd(*m),
        Figure::Rate(r) => percent(*r),
        Figure::Times(x) => format!("{x:.2}×"),
        Figure::Count(n) => count(*n),
        Figure::Model(m) => m.clone(),
    }
}

pub fn signed_usd(m: Money) -> String {
    if m > Money::ZERO {
        format!("+{}", usd(m))
    } else {
        usd(m)
    }
}

pub fn signed_pct(r: f64) -> String {
    if r > 0.0 {
        format!("+{}", percent(r))
    } else {
        percent(r)
    }
}

/// The colour of a status word in a terminal: a failure red, a pass green, a skip yellow.
pub fn status_tone(word: &str) -> Tone {
    match word {
        "FAIL" => Tone::Bad,
        "pass" => Tone::Good,
        "skipped" => Tone::Warn,
        _ => Tone::Plain,
    }
}

/// "PASS", "FAIL", "skipped".
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Skipped => "skipped",
    }
}

pub fn presence_word(p: Presence) -> &'static str {
    match p {
        Presence::New => "new",
        Presence::Vanished => "vanished",
        Presence::Changed => "changed",
        Presence::Unchanged => "unchanged",
    }
}

/// What a rule measures, for sentences.
fn measured(rule: &str) -> &'static str {
    match rule {
        "max-unpriced" => "unpriced calls",
        "max-cost-per-job" => "cost per job",
        "min-cache-hit-rate" => "cache hit rate",
        "max-retry-multiplier" => "retry multiplier",
        "max-fallback-rate" => "fallback rate",
        "max-storms" => "rate-limit storms",
        "max-storm-cost" => "cost of rate-limit storms",
        _ => "value",
    }
}

/// "the run" or "route chat.answer".
pub fn scope(v: &Verdict) -> String {
    match &v.route {
        None => "the run".to_string(),
        Some(r) => format!("route {r}"),
    }
}

/// One sentence for a verdict: what was measured against what.
pub fn sentence(v: &Verdict) -> String {
    let limit = figure(&v.limit);
    let text = match v.rule {
        "max-increase" => increase_sentence(v),
        "max-new-route-cost-per-job" => {
            let what = v.basis.map_or_else(|| "cost".to_string(), headline_name);
            let value = v.value.as_ref().map_or_else(|| "not available".to_string(), figure);
            format!("{}: new route, {what} {value}; limit {limit}", scope(v))
        }
        "forbid-model" => match (&v.model, &v.value) {
            (Some(m), Some(n)) => {
                format!("{}: model {m} served {} calls (forbidden: {limit})", scope(v), figure(n))
            }
            _ => format!("{}: no call to a model matching {limit}", scope(v)),
        },
        rule => {
            let bound = if rule.starts_with("min-") { "minimum" } else { "limit" };
            let value = v.value.as_ref().map_or_else(|| "not available".to_string(), figure);
            format!("{}: {} {value}; {bound} {limit}", scope(v), measured(rule))
        }
    };
    match &v.note {
        Some(n) => format!("{text} ({n})"),
        None => text,
    }
}

fn increase_sentence(v: &Verdict) -> String {
    let what = v.basis.map_or_else(|| "cost".to_string(), headline_name);
    // A route's or a model's own limit names it; the run's reads as before.
    let what = match (&v.route, &v.model) {
        (Some(r), _) => format!("route {r}: {what}"),
        (None, Some(m)) => format!("model {m}: {what}"),
        (None, None) => what,
    };
    let limit = match &v.limit {
        Figure::Rate(r) => signed_pct(*r),
        f => format!("+{}", figure(f)),
    };
    match (&v.before, &v.after, &v.value) {
        (Some(b), Some(a), Some(change)) => {
            let change = match change {
                Figure::Rate(r) => signed_pct(*r),
                Figure::Usd(m) => signed_usd(*m),
                f => figure(f),
            };
            format!("{what} {} → {} ({change}); limit {limit}", figure(b), figure(a))
        }
        (Some(b), Some(a), None) => format!("{what} {} → {}; limit {limit}", figure(b), figure(a)),
        _ => format!("{what}: limit {limit}"),
    }
}

/// "before → after", or one figure when both sides agree.
pub fn pair<T: Quantity + PartialEq>(c: &Change<T>, show: impl Fn(T) -> String) -> String {
    match (c.before, c.after) {
        (Some(b), Some(a)) if b == a => show(a),
        (b, a) => format!("{} → {}", b.map_or("—".to_string(), &show), a.map_or("—".to_string(), &show)),
    }
}

pub fn pair_usd(c: &Change<Money>) -> String {
    pair(c, usd)
}

pub fn pair_count(c: &Change<u64>) -> String {
    match (c.before, c.after) {
        (None, None) => "—".to_string(),
        _ => pair(c, count),
    }
}

pub fn pair_rate(c: &Change<f64>) -> String {
    match (c.before, c.after) {
        (None, None) => "—".to_string(),
        _ => pair(c, percent),
    }
}

pub fn pair_times(c: &Change<f64>) -> String {
    match (c.before, c.after) {
        (None, None) => "—".to_string(),
        _ => pair(c, |x| format!("{x:.2}×")),
    }
}

/// "+$0.0018", or "new"/"gone" for one-sided figures.
pub fn delta_usd(c: &Change<Money>) -> String {
    match (c.before, c.after, c.delta) {
        (_, _, Some(d)) => signed_usd(d),
        (None, Some(_), _) => "new".to_string(),
        (Some(_), None, _) => "gone".to_string(),
        _ => "—".to_string(),
    }
}

/// "+15.0%", "new" from zero, "—" without figures.
pub fn delta_pct<T: Quantity>(c: &Change<T>) -> String {
    match (c.relative, c.delta.is_some()) {
        (Some(r), _) => signed_pct(r),
        (None, true) if c.significant => "from 0".to_string(),
        (None, true) => "0.0%".to_string(),
        (None, false) => "—".to_string(),
    }
}

/// A route's row in the route tables: route, status, cost per unit, Δ, Δ%, calls, cache
/// hit rate, retry multiplier, fallback rate, threshold crossings, unpriced calls.
pub fn route_cells(r: &crate::gate::diff::RouteDiff) -> Vec<String> {
    vec![
        label(&r.route).to_string(),
        presence_word(r.status).to_string(),
        pair_usd(&r.cost_per_unit_usd),
        delta_usd(&r.cost_per_unit_usd),
        delta_pct(&r.cost_per_unit_usd),
        pair_count(&r.calls),
        pair_rate(&r.cache_hit_rate),
        pair_times(&r.retry_multiplier),
        pair_rate(&r.fallback_rate),
        pair_count(&r.threshold_crossings),
        pair_count(&r.unpriced_calls),
    ]
}

/// "cost/job", "cost/operation", or "cost" for whole runs.
pub fn per_header(basis: Basis) -> String {
    match basis {
        Basis::Run => "cost".to_string(),
        b => format!("cost/{}", unit(b)),
    }
}

pub fn route_headers(basis: Basis) -> Vec<String> {
    let per = per_header(basis);
    [per.as_str(), "Δ", "Δ%", "calls", "cache hit", "retry ×", "fallback", "crossings", "unpriced"]
        .iter()
        .fold(vec!["route".to_string(), "status".to_string()], |mut v, h| {
            v.push(h.to_string());
            v
        })
}

/// The headline sentence: "cost per job $0.0120 → $0.0138 (+$0.0018, +15.0%)".
pub fn headline(d: &Diff) -> String {
    let c = &d.headline.change;
    let change = if c.significant {
        format!("{}, {}", delta_usd(c), delta_pct(c))
    } else {
        "no change beyond the noise".to_string()
    };
    format!(
        "{} {} → {} ({change})",
        headline_name(d.basis),
        c.before.map_or("—".into(), usd),
        c.after.map_or("—".into(), usd)
    )
}

/// "2 of 7 rules failed" / "all 7 rules hold".
pub fn rules_summary(verdicts: &[Verdict], failed: usize) -> String {
    let checked = verdicts.iter().filter(|v| v.status != Status::Skipped).count();
    let skipped = verdicts.len() - checked;
    let skipped = if skipped > 0 { format!(", {skipped} not checked") } else { String::new() };
    if failed > 0 {
        format!("{failed} of {checked} checks failed{skipped}")
    } else {
        format!("all {checked} checks hold{skipped}")
    }
}

/// "40 jobs, 400 calls, $0.48".
pub fn side_line(s: &crate::gate::figures::Side) -> String {
    let jobs = s.jobs.map(|j| format!("{} jobs, ", count(j))).unwrap_or_default();
    format!("{} ({jobs}{} calls, {})", s.label, count(s.calls), usd(s.cost_usd))
}

/// Status, rule, scope and sentence of each verdict, failures first (as given).
pub fn rules_grid(verdicts: &[Verdict]) -> Grid {
    let mut g = Grid::new("Rules", &["status", "rule", "detail"]);
    g.rows = verdicts
        .iter()
        .map(|v| vec![status_word(v.status).to_string(), v.rule.to_string(), sentence(v)])
        .collect();
    g.tone = Some(|row, col| if col == 0 { status_tone(&row[0]) } else { Tone::Plain });
    g
}

/// The whole-run figures on both sides.
pub fn totals_grid(d: &Diff) -> Grid {
    let t = &d.totals;
    let mut g = Grid::new("Totals", &["", "base", "current", "Δ", "Δ%"]);
    let usd_row = |name: &str, c: &Change<Money>| {
        vec![
            name.to_string(),
            c.before.map_or("—".into(), usd),
            c.after.map_or("—".into(), usd),
            delta_usd(c),
            delta_pct(c),
        ]
    };
    let count_row = |name: &str, c: &Change<u64>| {
        let delta = c.delta.map_or("—".into(), |d| if d > 0 { format!("+{d}") } else { d.to_string() });
        vec![
            name.to_string(),
            c.before.map_or("—".into(), count),
            c.after.map_or("—".into(), count),
            delta,
            delta_pct(c),
        ]
    };
    let rate_row = |name: &str, c: &Change<f64>, show: fn(f64) -> String, delta: fn(f64) -> String| {
        vec![
            name.to_string(),
            c.before.map_or("—".into(), show),
            c.after.map_or("—".into(), show),
            c.delta.map_or("—".into(), delta),
            delta_pct(c),
        ]
    };
    let points = |d: f64| format!("{:+.1} pt", d * 100.0);
    g.rows = vec![
        usd_row("cost", &t.cost_usd),
        count_row("calls", &t.calls),
        count_row("jobs", &t.jobs),
        count_row("operations", &t.operations),
        usd_row("cost per job", &t.cost_per_job_usd),
        usd_row("cost per operation", &t.cost_per_operation_usd),
        count_row("unpriced calls", &t.unpriced_calls),
        rate_row("cache hit rate", &t.cache_hit_rate, percent, points),
        rate_row("retry multiplier", &t.retry_multiplier, |x| format!("{x:.2}×"), |d| format!("{d:+.2}")),
        rate_row("fallback rate", &t.fallback_rate, percent, points),
    ];
    g
}

/// Routes in the diff's order (largest change in cost per unit first).
pub fn routes_grid<'a>(
    title: &str,
    d: &Diff,
    routes: impl Iterator<Item = &'a crate::gate::diff::RouteDiff>,
) -> Grid {
    let headers = route_headers(d.basis);
    let mut g = Grid::new(title, &headers.iter().map(String::as_str).collect::<Vec<_>>());
    g.rows = routes.map(route_cells).collect();
    g
}

pub fn models_grid(d: &Diff) -> Grid {
    let per = per_header(d.basis);
    let mut g = Grid::new("Models", &["model", "status", &per, "Δ", "Δ%", "calls", "cost"]);
    g.rows = d
        .models
        .iter()
        .map(|m| {
            vec![
                label(&m.model).to_string(),
                presence_word(m.status).to_string(),
                pair_usd(&m.cost_per_unit_usd),
                delta_usd(&m.cost_per_unit_usd),
                delta_pct(&m.cost_per_unit_usd),
                pair_count(&m.calls),
                pair_usd(&m.cost_usd),
            ]
        })
        .collect();
    g
}

/// "New routes: a, b" lines for whatever appeared or vanished.
pub fn appeared(d: &Diff, quote: fn(&str) -> String) -> Vec<String> {
    [
        ("New routes", &d.new_routes),
        ("Vanished routes", &d.vanished_routes),
        ("New models", &d.new_models),
        ("Vanished models", &d.vanished_models),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(what, names)| format!("{what}: {}", names.iter().map(|n| quote(n)).collect::<Vec<_>>().join(", ")))
    .collect()
}

/// The run's own figures, for `check`.
pub fn run_grid(c: &Check) -> Grid {
    let s = &c.run;
    let mut g = Grid::new("Run", &["", "value"]);
    let opt_usd = |m: Option<Money>| m.map_or("—".into(), usd);
    let opt = |x: Option<f64>, show: fn(f64) -> String| x.map_or("—".into(), show);
    g.rows = vec![
        vec!["cost".into(), usd(s.cost_usd)],
        vec!["calls".into(), count(s.calls)],
        vec!["jobs".into(), s.jobs.map_or("—".into(), count)],
        vec!["operations".into(), s.operations.map_or("—".into(), count)],
        vec!["cost per job".into(), opt_usd(s.cost_per_job_usd)],
        vec!["cost per operation".into(), opt_usd(s.cost_per_operation_usd)],
        vec!["unpriced calls".into(), count(s.unpriced_calls)],
        vec!["cache hit rate".into(), opt(s.fleet.cache_hit_rate, percent)],
        vec!["retry multiplier".into(), opt(s.fleet.retry_multiplier, |x| format!("{x:.2}×"))],
        vec!["fallback rate".into(), opt(s.fleet.fallback_rate, percent)],
    ];
    g
}

fn period_word(p: crate::gate::budget::Period) -> &'static str {
    match p {
        crate::gate::budget::Period::Day => "daily",
        crate::gate::budget::Period::Hour => "hourly",
    }
}

/// One row per budget and limit: spend against it, the peak period, what fired.
pub fn budgets_grid(b: &BudgetReport) -> Grid {
    let mut g = Grid::new(
        format!("Budgets (days and hours in {})", b.time_zone.name()),
        &[
            "budget",
            "limit",
            "calls",
            "spend",
            "periods",
            "peak",
            "over",
            "alerts",
            "hard stops",
            "prevented",
        ],
    );
    for r in &b.budgets {
        for l in &r.limits {
            let peak = l.peak.as_ref().map_or("—".into(), |p| {
                format!("{} {} ({})", p.start, usd(p.spend_usd), percent(p.share_of_limit))
            });
            g.rows.push(vec![
                r.name.clone(),
                format!("{} {}", usd(l.limit_usd), period_word(l.period)),
                count(r.calls),
                usd(r.cost_usd),
                count(l.periods.len() as u64),
                peak,
                count(l.over_limit),
                count(l.alerts),
                count(l.hard_stops),
                usd(l.prevented_usd),
            ]);
        }
        if r.limits.is_empty() {
            g.rows.push(vec![
                r.name.clone(),
                "per call only".into(),
                count(r.calls),
                usd(r.cost_usd),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ]);
        }
    }
    // Periods over the limit and hard stops that fired read red, when there are any.
    g.tone = Some(|row, col| match (col, row[col].as_str()) {
        (6 | 8, "0" | "—") => Tone::Plain,
        (6 | 8, _) => Tone::Bad,
        _ => Tone::Plain,
    });
    g
}

/// Alerts and hard stops in time order.
pub fn events_grid(b: &BudgetReport) -> Grid {
    let mut g =
        Grid::new("What would have fired", &["at", "budget", "period", "event", "spend", "prevented after"]);
    g.rows = b
        .events
        .iter()
        .map(|e| {
            vec![
                e.at.clone(),
                e.budget.clone(),
                e.period_start.clone(),
                event_word(e),
                format!("{} of {}", usd(e.spend_usd), usd(e.limit_usd)),
                e.prevented_usd.map_or(String::new(), usd),
            ]
        })
        .collect();
    g.tone = Some(|row, col| match col {
        3 if row[3].starts_with("HARD STOP") => Tone::Bad,
        3 => Tone::Warn,
        _ => Tone::Plain,
    });
    g
}

pub fn event_word(e: &crate::gate::budget::Event) -> String {
    let what = if e.kind == "hard_stop" { "HARD STOP" } else { "alert" };
    format!("{what} {}% ({})", e.pct, period_word(e.period))
}

/// Calls above each budget's per-call limit.
pub fn per_call_grid(b: &BudgetReport) -> Grid {
    let mut g = Grid::new(
        "Calls over the per-call limit",
        &["budget", "limit", "calls over", "their cost", "excess", "costliest"],
    );
    for r in &b.budgets {
        if let Some(p) = &r.per_call {
            let worst = p.worst.first().map_or("—".into(), |w| {
                format!(
                    "{} {} {} at {}",
                    usd(w.cost_usd),
                    w.model.as_deref().unwrap_or("(none)"),
                    w.route.as_deref().unwrap_or("(none)"),
                    w.at
                )
            });
            g.rows.push(vec![
                r.name.clone(),
                usd(p.limit_usd),
                count(p.calls),
                usd(p.cost_usd),
                usd(p.excess_usd),
                worst,
            ]);
        }
    }
    g
}

/// "2 budgets, 1 hard stop would have fired".
pub fn budget_summary(b: &BudgetReport) -> String {
    let n = b.budgets.len();
    let stops = match b.hard_stops {
        0 => "no hard stop would have fired".to_string(),
        1 => "1 budget's hard stop would have fired".to_string(),
        k => format!("{k} budgets' hard stops would have fired"),
    };
    format!("{n} budget{}, {stops}", if n == 1 { "" } else { "s" })
}
