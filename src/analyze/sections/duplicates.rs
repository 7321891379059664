//! Duplicate calls: the same prompt sent again on the same route and model soon after, which
//! a response cache would have answered for free.
//!
//! Definitions (selected calls only):
//! - *considered*: calls with a `prompt_hash` that are neither errors (an error left no
//!   response to reuse) nor app cache hits (already served from a cache, at no cost). Other
//!   calls are ignored: they neither count as duplicates nor start a chain.
//! - *duplicate*: a considered call whose `prompt_hash`, group (`--by`, route by default) and
//!   model equal those of the previous considered call with that key, at most
//!   `--duplicate-window` (1 h, inclusive) later. The window runs from the *previous*
//!   occurrence, as in a response cache whose entries live that long after their last use;
//!   the first call of a chain is never a duplicate.
//! - *saving*: the summed cost of the duplicates; an unpriced duplicate is counted apart.
//!
//! One sort of the considered calls by (hash, group, model, time, row) (`analyze::repeats`,
//! shared with the response-cache lever) and one pass.

use serde::Serialize;

use crate::analyze::repeats::{self, Repeats};
use crate::analyze::Ctx;
use crate::calls::StrCol;
use crate::money::Money;

/// How many of the most costly duplicated prompts are listed.
pub const TOP_PROMPTS: usize = 10;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Considered calls (see the module doc).
    pub calls: u64,
    /// Duplicates among them.
    pub count: u64,
    /// What a response cache would have saved: the priced duplicates' cost.
    pub cost_usd: Money,
    /// Duplicates whose model has no price (not in `cost_usd`).
    pub unpriced_count: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupRow {
    /// The group's label (null = no value for the grouping field).
    pub route: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    /// count / calls.
    pub share_of_calls: f64,
}

/// One prompt repeated on one route and model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prompt {
    pub prompt_hash: String,
    pub route: Option<String>,
    pub model: Option<String>,
    /// Considered calls with this key.
    pub calls: u64,
    pub duplicates: u64,
    pub cost_usd: Money,
    /// Duplicates with no price (the model is unpriced at their date).
    pub unpriced_count: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Duplicates {
    /// What `route` means in the rows (`route` unless `--by` says otherwise).
    pub group_by: String,
    pub window_ms: i64,
    #[serde(flatten)]
    pub total: Figures,
    /// count / calls over all groups.
    pub share_of_calls: f64,
    /// Groups with considered calls, by saving desc then label.
    pub routes: Vec<GroupRow>,
    /// The most costly duplicated prompts (at most `TOP_PROMPTS`).
    pub top_prompts: Vec<Prompt>,
}

pub fn analyze(ctx: &Ctx, repeats: &Repeats) -> Duplicates {
    let mut groups: Vec<Figures> =
        repeats.considered.iter().map(|&calls| Figures { calls, ..Figures::default() }).collect();
    let mut chains: Vec<Chain> = Vec::with_capacity(repeats.chains.len());
    for chain in &repeats.chains {
        let c = scan(ctx, chain, repeats.of(chain));
        let g = &mut groups[chain.key.1 as usize];
        g.count += c.duplicates;
        g.cost_usd += c.cost;
        g.unpriced_count += c.unpriced;
        chains.push(c);
    }
    let total = groups.iter().fold(Figures::default(), |mut t, g| {
        t.calls += g.calls;
        t.count += g.count;
        t.cost_usd += g.cost_usd;
        t.unpriced_count += g.unpriced_count;
        t
    });
    Duplicates {
        group_by: ctx.groups.name.clone(),
        window_ms: ctx.opts.duplicate_window_ms,
        total,
        share_of_calls: share(&total),
        routes: group_rows(ctx, &groups),
        top_prompts: top_prompts(ctx, chains),
    }
}

/// The duplicates of one (hash, group, model) chain.
struct Chain {
    key: (u32, u32, u32),
    calls: u64,
    duplicates: u64,
    cost: Money,
    unpriced: u64,
}

fn scan(ctx: &Ctx, chain: &repeats::Chain, rows: &[u32]) -> Chain {
    let mut c = Chain {
        key: chain.key,
        calls: chain.calls,
        duplicates: rows.len() as u64,
        cost: Money::ZERO,
        unpriced: 0,
    };
    for &row in rows {
        let row = row as usize;
        if ctx.priced.is_priced(row) {
            c.cost += ctx.priced.cost[row];
        } else {
            c.unpriced += 1;
        }
    }
    c
}

fn group_rows(ctx: &Ctx, groups: &[Figures]) -> Vec<GroupRow> {
    let mut rows: Vec<GroupRow> = groups
        .iter()
        .enumerate()
        .filter(|(_, f)| f.calls > 0)
        .map(|(g, f)| GroupRow {
            route: ctx.groups.label(g as u32).map(str::to_string),
            figures: *f,
            share_of_calls: share(f),
        })
        .collect();
    rows.sort_by(|a, b| b.figures.cost_usd.cmp(&a.figures.cost_usd).then_with(|| a.route.cmp(&b.route)));
    rows
}

fn share(f: &Figures) -> f64 {
    if f.calls == 0 {
        0.0
    } else {
        f.count as f64 / f.calls as f64
    }
}

/// The costliest chains, ties by more duplicates, then by hash, route and model label.
fn top_prompts(ctx: &Ctx, chains: Vec<Chain>) -> Vec<Prompt> {
    let hash = &ctx.calls.col(StrCol::PromptHash).dict;
    let model = &ctx.calls.col(StrCol::Model).dict;
    let mut prompts: Vec<Prompt> = chains
        .into_iter()
        .map(|c| Prompt {
            prompt_hash: hash.get(c.key.0).unwrap_or_default().to_string(),
            route: ctx.groups.label(c.key.1).map(str::to_string),
            model: model.get(c.key.2).map(str::to_string),
            calls: c.calls,
            duplicates: c.duplicates,
            cost_usd: c.cost,
            unpriced_count: c.unpriced,
        })
        .collect();
    let order = |a: &Prompt, b: &Prompt| {
        (b.cost_usd, b.duplicates)
            .cmp(&(a.cost_usd, a.duplicates))
            .then_with(|| (&a.prompt_hash, &a.route, &a.model).cmp(&(&b.prompt_hash, &b.route, &b.model)))
    };
    if prompts.len() > TOP_PROMPTS {
        prompts.select_nth_unstable_by(TOP_PROMPTS, order);
        prompts.truncate(TOP_PROMPTS);
    }
    prompts.sort_by(order);
    prompts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::context::testing::{with_ctx, with_ctx_opts};
    use crate::analyze::Options;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    /// alpha after 2026-03-01 costs in×1 + out×8 µ$.
    fn call(time: &str, route: &str, hash: &str, extra: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-03-02T{time}Z","model":"alpha","route":"{route}","prompt_hash":"{hash}","input_tokens":1000,"output_tokens":100{extra}}}"#
        )
    }

    fn run(lines: &[String], opts: &Options) -> Duplicates {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        with_ctx_opts(&refs, opts, |ctx| analyze(ctx, &Repeats::build(ctx)))
    }

    #[test]
    fn the_window_runs_from_the_previous_occurrence() {
        // 10:00 first; 10:30 (+30 m) dup; 11:29 (+59 m after 10:30, 89 m after 10:00) dup;
        // 12:29 (+60 m, inclusive) dup; 13:29:01 (+60 m 1 s) starts again. 3 × 1800 µ$.
        let lines: Vec<String> = ["10:30:00", "10:00:00", "11:29:00", "12:29:00", "13:29:01"]
            .iter()
            .map(|t| call(t, "chat", "h1", ""))
            .collect();
        let d = run(&lines, &Options::default());
        assert_eq!((d.total.calls, d.total.count, d.total.cost_usd), (5, 3, m("0.0054")));
        assert_eq!(d.top_prompts.len(), 1);
        assert_eq!((d.top_prompts[0].calls, d.top_prompts[0].duplicates), (5, 3));
        // A 30-minute window keeps only 10:30 (exactly 30 m after 10:00).
        let d = run(&lines, &Options { duplicate_window_ms: 1_800_000, ..Options::default() });
        assert_eq!((d.total.count, d.total.cost_usd), (1, m("0.0018")));
    }

    #[test]
    fn route_model_and_hash_must_all_match() {
        let lines = vec![
            call("10:00:00", "chat", "h1", ""),
            call("10:01:00", "search", "h1", ""),
            call("10:02:00", "chat", "h2", ""),
            call("10:03:00", "chat", "h1", r#","provider":"testco""#),
            r#"{"timestamp":"2026-03-02T10:04:00Z","model":"gamma","route":"chat","prompt_hash":"h1","input_tokens":1000,"output_tokens":100}"#.to_string(),
        ];
        let d = run(&lines, &Options::default());
        // Only the fourth line repeats (h1, chat, alpha); gamma is another model.
        assert_eq!((d.total.calls, d.total.count), (5, 1));
        assert_eq!(d.routes[0].route.as_deref(), Some("chat"));
        assert_eq!((d.routes[0].figures.calls, d.routes[0].figures.count), (4, 1));
        assert_eq!(d.routes[0].share_of_calls, 0.25);
        assert_eq!(d.routes[1].route.as_deref(), Some("search"));
        assert_eq!(d.routes[1].figures.count, 0);
    }

    #[test]
    fn errors_cache_hits_and_missing_hashes_are_ignored() {
        let lines = [
            call("10:00:00", "chat", "h1", r#","status":"error""#),
            call("10:01:00", "chat", "h1", r#","cache_hit":true"#),
            call("10:02:00", "chat", "h1", ""),
            // The first considered call: not a duplicate of the error or the cache hit above.
            r#"{"timestamp":"2026-03-02T10:03:00Z","model":"alpha","route":"chat","input_tokens":1,"output_tokens":1}"#.into(),
        ];
        let d = with_ctx(&lines.iter().map(String::as_str).collect::<Vec<_>>(), |ctx| analyze(ctx, &Repeats::build(ctx)));
        assert_eq!((d.total.calls, d.total.count), (1, 0));
        assert!(d.top_prompts.is_empty());
    }

    #[test]
    fn unpriced_duplicates_are_counted_apart() {
        let lines: Vec<String> = ["10:00:00", "10:00:00"]
            .iter()
            .map(|t| call(t, "chat", "h1", "").replace("alpha", "mystery"))
            .collect();
        let d = run(&lines, &Options::default());
        // Same timestamp: the later row is the duplicate (0 ≤ window).
        assert_eq!((d.total.count, d.total.unpriced_count, d.total.cost_usd), (1, 1, Money::ZERO));
    }

    #[test]
    fn top_prompts_keep_the_costliest_ten() {
        // Prompt pN is sent N+1 times a minute apart: N duplicates of 1800 µ$ each.
        let lines: Vec<String> = (0..12)
            .flat_map(|n| {
                (0..=n).map(move |i| call(&format!("1{}:{i:02}:00", n % 10), "chat", &format!("p{n:02}"), ""))
            })
            .collect();
        let d = run(&lines, &Options::default());
        assert_eq!(d.top_prompts.len(), TOP_PROMPTS);
        assert_eq!(d.top_prompts[0].prompt_hash, "p11");
        assert_eq!((d.top_prompts[0].duplicates, d.top_prompts[0].cost_usd), (11, m("0.0198")));
        assert_eq!(d.top_prompts[9].prompt_hash, "p02");
        // 0 + 1 + … + 11 = 66 duplicates in all.
        assert_eq!(d.total.count, 66);
    }
}
