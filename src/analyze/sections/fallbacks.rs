//! Fallback / escalation rates per group (route by default), built on operations (`ops.rs`).
//!
//! Definitions (README-ready):
//! - An operation's requested model is the `requested_model` of its first attempt; an
//!   operation without one cannot fall back (it still counts in `operations`).
//! - Two model names are the same model when the price tables resolve them to the same entry,
//!   or one to a dated snapshot the other's entry lists in `snapshots` (`gpt-4o` and
//!   `gpt-4o-2024-08-06` are one model, priced apart); names the tables do not know are
//!   compared case-insensitively.
//! - An operation falls back when its last successful attempt used a model other than its
//!   requested model; a retry on the same model is not a fallback. Operations with no
//!   successful attempt count in the denominator only.
//!   `fallback_rate` = fallback_operations / operations.
//! - Escalated attempts: attempts (any status) whose model differs from the requested model.
//!   `escalated_cost_usd` = their cost; `extra_cost_usd` = their cost minus the same tokens
//!   (tier, cache, batch and app-cache rules as for any call) priced at the requested model's
//!   price in force at the call's time. When either side has no price the attempt is left
//!   out of the delta and counted in `extra_cost_skipped_calls`; the requested models with
//!   no price are listed in `unpriced_requested_models`.
//! - `ended[]`: the model of each operation's last successful attempt, with its share of the
//!   group's operations that succeeded.
//! - `models[]`: every call of the group's operations by served model, share of calls and of
//!   cost. Flag `expensive_model_majority`: the model with the highest base input rate
//!   (of the price versions its calls used) carries more than half of the group's calls,
//!   and the group uses at least two models.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analyze::merge::{summed, Merge};
use crate::analyze::ops::Operations;
use super::retries::{fold_ops, money_ratio};
use crate::analyze::Ctx;
use crate::calls::{FLAG_BATCH, FLAG_CACHE_HIT, FLAG_ERROR};
use crate::money::{Money, Rate};
use crate::calls::StrCol;
use crate::price::components;
use crate::pricing::ModelPrice;

pub const EXPENSIVE_MODEL_MAJORITY: &str = "expensive_model_majority";

/// Fallback figures of a set of operations.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FallbackFigures {
    pub operations: u64,
    pub operations_with_requested_model: u64,
    pub fallback_operations: u64,
    pub fallback_rate: f64,
    pub escalated_calls: u64,
    pub escalated_cost_usd: Money,
    pub extra_cost_usd: Money,
    pub extra_cost_skipped_calls: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ended {
    pub model: String,
    pub operations: u64,
    /// Of the group's operations that had a successful attempt.
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelShare {
    pub model: String,
    pub calls: u64,
    pub call_share: f64,
    pub cost_usd: Money,
    pub cost_share: f64,
    /// Highest base input rate (USD per million tokens) among the versions its calls used;
    /// `null` when none of its calls is priced.
    pub input_usd_per_mtok: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteFallbacks {
    /// The group's label (a route unless `--by` says otherwise); `null` = no value.
    pub route: Option<String>,
    #[serde(flatten)]
    pub figures: FallbackFigures,
    pub calls: u64,
    pub cost_usd: Money,
    pub ended: Vec<Ended>,
    pub models: Vec<ModelShare>,
    /// The model with the highest input rate, when it carries most calls.
    pub expensive_model: Option<String>,
    pub flags: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Fallbacks {
    pub group_by: String,
    pub totals: FallbackFigures,
    pub routes: Vec<RouteFallbacks>,
    pub unpriced_requested_models: Vec<String>,
}

summed! {
    /// Sums of one group.
    #[derive(Clone, Copy, Debug, Default)]
    struct Acc {
        operations: u64,
        with_requested: u64,
        succeeded: u64,
        fallback: u64,
        escalated_calls: u64,
        escalated_cost: Money,
        extra: Money,
        skipped: u64,
    }
}

impl Acc {

    fn figures(&self) -> FallbackFigures {
        FallbackFigures {
            operations: self.operations,
            operations_with_requested_model: self.with_requested,
            fallback_operations: self.fallback,
            fallback_rate: if self.operations == 0 {
                0.0
            } else {
                self.fallback as f64 / self.operations as f64
            },
            escalated_calls: self.escalated_calls,
            escalated_cost_usd: self.escalated_cost,
            extra_cost_usd: self.extra,
            extra_cost_skipped_calls: self.skipped,
        }
    }
}

/// One (group, served model) cell.
#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    calls: u64,
    cost: Money,
    ended: u64,
    input_rate: Option<Rate>,
}

impl Cell {
    fn merge(&mut self, o: &Cell) {
        self.calls += o.calls;
        self.cost += o.cost;
        self.ended += o.ended;
        self.input_rate = self.input_rate.max(o.input_rate);
    }
}

/// Model identities: each model name (served or requested) → a canonical code, and each
/// requested name → its price entry.
struct Models<'b> {
    served: Vec<u32>,
    requested: Vec<u32>,
    requested_price: Vec<Option<&'b ModelPrice>>,
}

impl<'b> Models<'b> {
    fn new(ctx: &Ctx<'b>) -> Models<'b> {
        let mut codes: FxHashMap<String, u32> = FxHashMap::default();
        let mut canon = |name: Option<&str>| -> (u32, Option<&'b ModelPrice>) {
            let Some(name) = name else { return (0, None) };
            let price = ctx.book.lookup(None, name);
            let key = ctx.book.identity(None, name).map_or_else(
                || format!("name:{}", name.to_ascii_lowercase()),
                |m| format!("price:{}/{}", m.provider, m.id),
            );
            let next = codes.len() as u32 + 1;
            (*codes.entry(key).or_insert(next), price)
        };
        let served_dict = &ctx.calls.col(StrCol::Model).dict;
        let served = (0..=served_dict.len() as u32).map(|id| canon(served_dict.get(id)).0).collect();
        let req_dict = &ctx.calls.col(StrCol::RequestedModel).dict;
        let (requested, requested_price) =
            (0..=req_dict.len() as u32).map(|id| canon(req_dict.get(id))).unzip();
        Models { served, requested, requested_price }
    }
}

struct Pass {
    groups: Vec<Acc>,
    cells: FxHashMap<(u32, u32), Cell>,
    /// Requested-model ids whose price was missing for some escalated attempt.
    unpriced_requested: Vec<u32>,
}

impl Pass {
    fn new(groups: usize) -> Pass {
        Pass {
            groups: vec![Acc::default(); groups],
            cells: FxHashMap::default(),
            unpriced_requested: Vec::new(),
        }
    }

    fn merge(mut self, o: Pass) -> Pass {
        self.groups.iter_mut().zip(&o.groups).for_each(|(a, b)| a.merge(b));
        for (k, c) in o.cells {
            self.cells.entry(k).or_default().merge(&c);
        }
        self.unpriced_requested.extend(o.unpriced_requested);
        self.unpriced_requested.sort_unstable();
        self.unpriced_requested.dedup();
        self
    }

    fn add(mut self, ctx: &Ctx, models: &Models, rows: &[u32]) -> Pass {
        let calls = ctx.calls;
        let model_ids = &calls.col(StrCol::Model).ids;
        let first = rows[0] as usize;
        let g = ctx.groups.of(first);
        let req = calls.col(StrCol::RequestedModel).ids.get(first).copied().unwrap_or(0);
        let acc = &mut self.groups[g as usize];
        acc.operations += 1;
        acc.with_requested += (req != 0) as u64;
        let last_ok = rows.iter().rev().map(|&r| r as usize).find(|&r| calls.flags[r] & FLAG_ERROR == 0);
        if let Some(ok) = last_ok {
            acc.succeeded += 1;
            acc.fallback +=
                (req != 0 && models.served[model_ids[ok] as usize] != models.requested[req as usize]) as u64;
            self.cells.entry((g, model_ids[ok])).or_default().ended += 1;
        }
        for &r in rows {
            let r = r as usize;
            let cell = self.cells.entry((g, model_ids[r])).or_default();
            cell.calls += 1;
            cell.cost += ctx.priced.cost[r];
            cell.input_rate = cell.input_rate.max(ctx.priced.version(r).map(|(_, v)| v.base.input));
            if req != 0 && models.served[model_ids[r] as usize] != models.requested[req as usize] {
                self.escalated(ctx, models, g, req, r);
            }
        }
        self
    }

    /// Adds an attempt served by another model than the requested one.
    fn escalated(&mut self, ctx: &Ctx, models: &Models, g: u32, req: u32, row: usize) {
        let acc = &mut self.groups[g as usize];
        let cost = ctx.priced.cost[row];
        acc.escalated_calls += 1;
        acc.escalated_cost += cost;
        match (ctx.priced.is_priced(row), requested_cost(ctx, models.requested_price[req as usize], row)) {
            (true, Some(at_requested)) => acc.extra += cost - at_requested,
            (_, none) => {
                acc.skipped += 1;
                if none.is_none() && !self.unpriced_requested.contains(&req) {
                    self.unpriced_requested.push(req);
                }
            }
        }
    }
}

/// What a call's tokens would have cost at the requested model's price in force at its time.
fn requested_cost(ctx: &Ctx, price: Option<&ModelPrice>, row: usize) -> Option<Money> {
    let version = price?.rates_at(ctx.calls.ts_ms[row])?;
    let flags = ctx.calls.flags[row];
    if flags & FLAG_CACHE_HIT != 0 {
        return Some(Money::ZERO);
    }
    let t = ctx.calls.tokens.get(row);
    Some(components(&t, version, version.tier_for(t.input, t.output), flags & FLAG_BATCH != 0).total())
}

/// Every attempt served by another model than the requested one, with the requested model's
/// price entry (attempts whose requested model has none are left out).
pub fn escalations<'b>(ctx: &Ctx<'b>, ops: &Operations) -> Vec<(u32, &'b ModelPrice)> {
    let models = Models::new(ctx);
    let served = &ctx.calls.col(StrCol::Model).ids;
    let requested = &ctx.calls.col(StrCol::RequestedModel).ids;
    let mut out = Vec::new();
    for rows in ops.iter() {
        let req = requested.get(rows[0] as usize).copied().unwrap_or(0);
        let Some(price) = models.requested_price[req as usize].filter(|_| req != 0) else { continue };
        out.extend(
            rows.iter()
                .filter(|&&r| models.served[served[r as usize] as usize] != models.requested[req as usize])
                .map(|&r| (r, price)),
        );
    }
    out
}

pub fn analyze(ctx: &Ctx, ops: &Operations) -> Fallbacks {
    let models = Models::new(ctx);
    let pass =
        fold_ops(ops, || Pass::new(ctx.groups.len()), |p, i| p.add(ctx, &models, ops.rows(i)), Pass::merge);
    let mut totals = Acc::default();
    pass.groups.iter().for_each(|a| totals.merge(a));
    let req_dict = &ctx.calls.col(StrCol::RequestedModel).dict;
    let mut unpriced: Vec<String> =
        pass.unpriced_requested.iter().filter_map(|&id| req_dict.get(id)).map(str::to_string).collect();
    unpriced.sort();
    Fallbacks {
        group_by: ctx.groups.name.clone(),
        totals: totals.figures(),
        routes: route_rows(ctx, &pass),
        unpriced_requested_models: unpriced,
    }
}

fn route_rows(ctx: &Ctx, pass: &Pass) -> Vec<RouteFallbacks> {
    let mut cells: Vec<(&(u32, u32), &Cell)> = pass.cells.iter().collect();
    cells.sort_unstable_by_key(|(k, _)| **k);
    let mut rows: Vec<RouteFallbacks> = cells
        .chunk_by(|a, b| a.0 .0 == b.0 .0)
        .map(|chunk| {
            let g = chunk[0].0 .0;
            route_row(ctx, &pass.groups[g as usize], g, chunk)
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.figures.escalated_cost_usd, b.cost_usd)
            .cmp(&(a.figures.escalated_cost_usd, a.cost_usd))
            .then_with(|| a.route.cmp(&b.route))
    });
    rows
}

fn route_row(ctx: &Ctx, acc: &Acc, g: u32, cells: &[(&(u32, u32), &Cell)]) -> RouteFallbacks {
    let dict = &ctx.calls.col(StrCol::Model).dict;
    let name = |m: u32| dict.get(m).unwrap_or("(none)").to_string();
    let calls: u64 = cells.iter().map(|c| c.1.calls).sum();
    let cost: Money = cells.iter().map(|c| c.1.cost).sum();
    let mut ended: Vec<Ended> = cells
        .iter()
        .filter(|c| c.1.ended > 0)
        .map(|c| Ended {
            model: name(c.0 .1),
            operations: c.1.ended,
            share: c.1.ended as f64 / acc.succeeded as f64,
        })
        .collect();
    ended.sort_by(|a, b| b.operations.cmp(&a.operations).then_with(|| a.model.cmp(&b.model)));
    let mut models: Vec<ModelShare> = cells
        .iter()
        .map(|c| ModelShare {
            model: name(c.0 .1),
            calls: c.1.calls,
            call_share: c.1.calls as f64 / calls as f64,
            cost_usd: c.1.cost,
            cost_share: money_ratio(c.1.cost, cost).unwrap_or(0.0),
            input_usd_per_mtok: c.1.input_rate.map(|r| Money::of_tokens(1_000_000, r)),
        })
        .collect();
    models.sort_by(|a, b| {
        b.cost_usd.cmp(&a.cost_usd).then(b.calls.cmp(&a.calls)).then_with(|| a.model.cmp(&b.model))
    });
    let expensive = expensive_majority(&models);
    RouteFallbacks {
        route: ctx.groups.label(g).map(str::to_string),
        figures: acc.figures(),
        calls,
        cost_usd: cost,
        ended,
        flags: expensive.iter().map(|_| EXPENSIVE_MODEL_MAJORITY.to_string()).collect(),
        expensive_model: expensive,
        models,
    }
}

/// The model with the highest input rate (ties: more calls, then name) when it carries more
/// than half of the calls of a group that uses two models or more.
fn expensive_majority(models: &[ModelShare]) -> Option<String> {
    if models.len() < 2 {
        return None;
    }
    let top = models.iter().filter(|m| m.input_usd_per_mtok.is_some()).max_by(|a, b| {
        (a.input_usd_per_mtok, a.calls)
            .cmp(&(b.input_usd_per_mtok, b.calls))
            .then_with(|| b.model.cmp(&a.model))
    })?;
    (top.call_share > 0.5).then(|| top.model.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::with_ctx;

    fn run(lines: &[&str]) -> Fallbacks {
        with_ctx(lines, |ctx| analyze(ctx, &Operations::build(ctx)))
    }

    fn usd(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn call(
        op: &str,
        attempt: u32,
        model: &str,
        requested: Option<&str>,
        status: &str,
        extra: &str,
    ) -> String {
        let req = requested.map_or(String::new(), |r| format!(r#""requested_model":"{r}","#));
        format!(
            r#"{{"timestamp":"2026-02-10T00:00:0{attempt}Z","operation_id":"{op}","attempt":{attempt},"model":"{model}",{req}"route":"r","input_tokens":100,"output_tokens":10,"status":"{status}"{extra}}}"#
        )
    }

    fn lines(calls: &[String]) -> Vec<&str> {
        calls.iter().map(String::as_str).collect()
    }

    #[test]
    fn only_a_success_on_another_model_is_a_fallback() {
        let calls = [
            // Retry on the same model: not a fallback.
            call("same", 1, "alpha", Some("alpha"), "error", ""),
            call("same", 2, "alpha", Some("alpha"), "ok", ""),
            // Served by an alias of the requested model: not a fallback.
            call("alias", 1, "alpha-2026-01-01", Some("ALPHA"), "ok", ""),
            // Escalated but never succeeded: denominator only.
            call("failed", 1, "alpha", Some("alpha"), "error", ""),
            call("failed", 2, "beta", Some("alpha"), "error", ""),
            // No requested model: cannot fall back.
            call("unknown", 1, "beta", None, "ok", ""),
            // A fallback that then came back to the requested model is not one either.
            call("back", 1, "beta", Some("alpha"), "ok", ""),
            call("back", 2, "alpha", Some("alpha"), "ok", ""),
            // The one fallback.
            call("fell", 1, "alpha", Some("alpha"), "error", ""),
            call("fell", 2, "gamma", Some("alpha"), "ok", ""),
        ];
        let f = run(&lines(&calls));
        let t = &f.totals;
        assert_eq!((t.operations, t.operations_with_requested_model, t.fallback_operations), (6, 5, 1));
        assert_eq!(t.fallback_rate, 1.0 / 6.0);
        // Escalated: failed#2 beta, back#1 beta, fell#2 gamma.
        assert_eq!(t.escalated_calls, 3);
        // Ended: alpha (same, alias counted by its own name, back), beta (unknown), gamma (fell).
        let ended: Vec<_> = f.routes[0].ended.iter().map(|e| (e.model.as_str(), e.operations)).collect();
        assert_eq!(ended, [("alpha", 2), ("alpha-2026-01-01", 1), ("beta", 1), ("gamma", 1)]);
    }

    #[test]
    fn extra_cost_is_the_same_tokens_at_the_requested_price() {
        let calls = [
            // beta batch: (100 × 3 + 10 × 15) × 0.5 = 225 µ$; at alpha: (100 × 2 + 10 × 8) × 0.5 = 140 µ$.
            call("batch", 1, "beta", Some("alpha"), "ok", r#","batch":true"#),
            // An app cache hit costs nothing under either model.
            call("hit", 1, "beta", Some("alpha"), "ok", r#","cache_hit":true"#),
            // Requested model without a price: counted, delta skipped, listed.
            call("mystery", 1, "alpha", Some("mystery"), "ok", ""),
            // Served model without a price: counted, delta skipped, not listed.
            call("unpriced", 1, "zzz", Some("alpha"), "ok", ""),
        ];
        let f = run(&lines(&calls));
        let t = &f.totals;
        assert_eq!(t.escalated_calls, 4);
        // 225 + 0 + (200 + 80) + 0 = 505 µ$; extra 225 - 140 = 85 µ$.
        assert_eq!(t.escalated_cost_usd, usd("0.000505"));
        assert_eq!(t.extra_cost_usd, usd("0.000085"));
        assert_eq!(t.extra_cost_skipped_calls, 2);
        assert_eq!(f.unpriced_requested_models, ["mystery"]);
    }

    #[test]
    fn flags_the_expensive_model_when_it_carries_most_calls() {
        let two_to_one = [
            call("a", 1, "beta", Some("gamma"), "ok", ""),
            call("b", 1, "beta", Some("gamma"), "ok", ""),
            call("c", 1, "gamma", Some("gamma"), "ok", ""),
        ];
        let f = run(&lines(&two_to_one));
        let r = &f.routes[0];
        assert_eq!(
            (r.expensive_model.as_deref(), r.flags.as_slice()),
            (Some("beta"), [EXPENSIVE_MODEL_MAJORITY.to_string()].as_slice())
        );
        // Beta: 2 calls of 3, 900 µ$ of 914; input $3 per million.
        assert_eq!((r.models[0].model.as_str(), r.models[0].calls), ("beta", 2));
        assert_eq!(r.models[0].call_share, 2.0 / 3.0);
        assert_eq!(r.models[0].cost_share, 900.0 / 914.0);
        assert_eq!(r.models[0].input_usd_per_mtok, Some(usd("3")));
        // Exactly half is not most.
        let half =
            [call("a", 1, "beta", Some("gamma"), "ok", ""), call("c", 1, "gamma", Some("gamma"), "ok", "")];
        assert!(run(&lines(&half)).routes[0].flags.is_empty());
    }
}
