//! Model routing: calls moved to another model, the same tokens at its rates in force at
//! each call's time (tiers re-evaluated). With `--model-map`, the calls its rules match;
//! without, the candidate routes: a route's calls on a model whose input rate is at least
//! `RATE_FACTOR` × the cheapest model the team already uses, with median prompts of at most
//! `SMALL_INPUT` and median outputs of at most `SMALL_OUTPUT` tokens, moved to that cheapest
//! model. Quality is not measured: a candidate is a question to ask, not an answer.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{Change, ModelMap, Plan, SavingsOptions, Tally};
use crate::analyze::sections::jobs::select_rank;
use crate::analyze::Ctx;
use crate::calls::{StrCol, FLAG_BATCH, FLAG_CACHE_HIT};
use crate::pattern::glob_matches;
use crate::money::{Money, Rate};
use crate::price::cost_of;
use crate::pricing::ModelPrice;

/// A candidate's model costs at least this many times the cheapest model's input rate.
pub const RATE_FACTOR: i128 = 5;
/// Median prompt tokens of a candidate at most.
pub const SMALL_INPUT: u64 = 4_000;
/// Median output tokens of a candidate at most.
pub const SMALL_OUTPUT: u64 = 1_000;

/// A route that looks over-served, with what the cheapest model in use would have cost.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub route: Option<String>,
    pub model: String,
    pub to_model: String,
    pub calls: u64,
    pub cost_usd: Money,
    pub saved_usd: Money,
    pub saved_usd_exact: String,
    /// The model's input rate over the cheapest's.
    pub input_rate_ratio: f64,
    pub median_input_tokens: u64,
    pub median_output_tokens: u64,
}

pub fn plan<'b>(ctx: &Ctx<'b>, opts: &SavingsOptions) -> (Plan<'b>, Vec<Candidate>) {
    if opts.model_map.is_empty() {
        candidates(ctx)
    } else {
        (mapped(ctx, &opts.model_map), Vec::new())
    }
}

fn mapped<'b>(ctx: &Ctx<'b>, rules: &[ModelMap]) -> Plan<'b> {
    let shown: Vec<String> = rules
        .iter()
        .map(|r| format!("{}{}={}", if r.on_model { "model:" } else { "" }, r.pattern, r.to))
        .collect();
    let mut plan = Plan::new(
        "model_routing",
        "Model routing",
        format!(
            "--model-map {}: the same tokens at the target model's rates in force at each call's time; quality is not measured",
            shown.join(" ")
        ),
    );
    let targets: Vec<Option<&'b ModelPrice>> = rules.iter().map(|r| ctx.book.lookup(None, &r.to)).collect();
    for (r, t) in rules.iter().zip(&targets) {
        if t.is_none() {
            plan.notes.push(format!("--model-map target {:?} is not in the price tables: its rule was skipped", r.to));
        }
    }
    let (route, model) = (ctx.calls.col(StrCol::Route), ctx.calls.col(StrCol::Model));
    let logged = ctx.calls.logged_model();
    let mut no_price = 0u64;
    for row in ctx.sel.rows() {
        let rule = rules.iter().position(|r| {
            // A model rule matches the resolved model or the name as logged (#20).
            let texts = match r.on_model {
                true => [model.value(row), logged.value(row)],
                false => [route.value(row), None],
            };
            texts.into_iter().flatten().any(|t| {
                glob_matches(&r.pattern, t) || glob_matches(&r.pattern, &t.to_ascii_lowercase())
            })
        });
        let Some(target) = rule.and_then(|i| targets[i]) else { continue };
        if target.rates_at(ctx.calls.ts_ms[row]).is_none() {
            no_price += 1;
            continue;
        }
        plan.because(ctx.groups.of(row), format!("→ {}", target.id));
        plan.changes.push((row as u32, Change::Model(target)));
    }
    if no_price > 0 {
        plan.notes.push(format!("{no_price} mapped calls are dated when their target model had no price: left as they were"));
    }
    plan
}

fn candidates<'b>(ctx: &Ctx<'b>) -> (Plan<'b>, Vec<Candidate>) {
    let mut plan = Plan::new(
        "model_routing",
        "Model routing (candidates)",
        format!(
            "without --model-map: routes on a model with at least {RATE_FACTOR}× the input rate of the cheapest model \
             already in use, median prompt ≤ {SMALL_INPUT} and output ≤ {SMALL_OUTPUT} tokens, moved to that model; \
             quality is not measured; not in the combined estimate until --model-map chooses it"
        ),
    );
    plan.in_combined = false;
    // Each priced call's row under its (group, model) cell, gathered on every core.
    type Cells = FxHashMap<(u32, usize), Vec<u32>>;
    let cells: Cells = ctx
        .sel
        .par_rows()
        .filter(|&r| ctx.calls.flags[r] & FLAG_CACHE_HIT == 0)
        .filter_map(|r| ctx.priced.version(r).map(|(m, _)| (ctx.groups.of(r), m as *const ModelPrice as usize, r as u32)))
        .fold(Cells::default, |mut cells, (g, m, r)| {
            cells.entry((g, m)).or_default().push(r);
            cells
        })
        .reduce(Cells::default, |mut a, b| {
            for (key, mut rows) in b {
                a.entry(key).or_default().append(&mut rows);
            }
            a
        });
    // The cheapest model in use: the lowest base input rate of any priced call's version.
    let version = |r: u32| ctx.priced.version(r as usize).expect("priced");
    let cheapest = cells
        .par_iter()
        .flat_map_iter(|(_, rows)| rows.iter().copied())
        .map(|r| {
            let (m, v) = version(r);
            (v.base.input, v.base.output, m)
        })
        .min_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
    let Some((cheap_rate, _, cheap)) = cheapest else { return (plan, Vec::new()) };
    if cheap_rate.is_zero() {
        return (plan, Vec::new());
    }
    let mut keys: Vec<(u32, usize)> = cells.keys().copied().collect();
    keys.sort_unstable();
    let found: Vec<(u32, Candidate, String, Tally)> = keys
        .par_iter()
        .filter_map(|key| {
            let cell = &cells[key];
            // The cell's model at its first call.
            let (m, v) = version(*cell.iter().min().expect("a cell has calls"));
            if std::ptr::eq(m, cheap) || v.base.input.pico() < RATE_FACTOR * cheap_rate.pico() {
                return None;
            }
            let median = |f: &dyn Fn(usize) -> u64| {
                let mut v: Vec<u64> = cell.iter().map(|&r| f(r as usize)).collect();
                select_rank(&mut v, 50)
            };
            let (mi, mo) = (median(&|r| ctx.calls.tokens.input[r]), median(&|r| ctx.calls.tokens.output[r]));
            if mi > SMALL_INPUT || mo > SMALL_OUTPUT {
                return None;
            }
            let g = key.0;
            let mut cost = Money::ZERO;
            let mut tally = Tally::default();
            for &r in cell {
                let r = r as usize;
                cost += ctx.priced.cost[r];
                let Some(cv) = cheap.rates_at(ctx.calls.ts_ms[r]) else { continue };
                let after = cost_of(&ctx.calls.tokens.get(r), cv, ctx.calls.flags[r] & FLAG_BATCH != 0).0;
                if after < ctx.priced.cost[r] {
                    tally.add(g, ctx.priced.cost[r] - after);
                }
            }
            let (ratio, saved) = (rate_ratio(v.base.input, cheap_rate), tally.saved);
            let candidate = Candidate {
                route: ctx.groups.label(g).map(str::to_string),
                model: m.id.clone(),
                to_model: cheap.id.clone(),
                calls: cell.len() as u64,
                cost_usd: cost,
                saved_usd: saved,
                saved_usd_exact: saved.exact(),
                input_rate_ratio: ratio,
                median_input_tokens: mi,
                median_output_tokens: mo,
            };
            Some((g, candidate, format!("{} → {} ({ratio:.0}× input rate)", m.id, cheap.id), tally))
        })
        .collect();
    let mut out = Vec::with_capacity(found.len());
    let mut total = Tally::default();
    for (g, candidate, why, tally) in found {
        plan.because(g, why);
        total = total.merge(tally);
        out.push(candidate);
    }
    plan.priced = Some(total);
    out.sort_by(|a, b| b.saved_usd.cmp(&a.saved_usd).then_with(|| (&a.route, &a.model).cmp(&(&b.route, &b.model))));
    (plan, out)
}

fn rate_ratio(a: Rate, b: Rate) -> f64 {
    a.pico() as f64 / b.pico() as f64
}
