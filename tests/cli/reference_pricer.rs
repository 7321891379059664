//! A reference pricer: the price formula written again as simply as possible (integers of
//! 1e-18 USD, one rate lookup per token class) and checked against `price_all` on thousands
//! of random calls and random price tables: tiers on input and total at and around their
//! thresholds, version edges and gaps, batch multipliers, 5-minute and 1-hour cache writes,
//! missing cache rates, app cache hits.

use std::borrow::Cow;

use llmcost::calls::Calls;
use llmcost::calls::{Call, StrCol, Tokens};
use llmcost::price::price_all;
use llmcost::pricing::PriceBook;

use super::Rng;

/// 2026-01-01, 02-01, 03-01, 04-01 at 00:00:00Z in epoch ms (31, 28, 31 days apart).
const EDGES: [(i64, &str); 4] = [
    (1_767_225_600_000, "2026-01-01"),
    (1_769_904_000_000, "2026-02-01"),
    (1_772_323_200_000, "2026-03-01"),
    (1_775_001_600_000, "2026-04-01"),
];

/// Rates in micro-dollars per million tokens (so 1 token costs rate × 1e6 attodollars); a
/// missing cache rate is `None`.
#[derive(Clone, Copy)]
struct RefRates {
    input: i128,
    output: i128,
    read: Option<i128>,
    write: Option<i128>,
    write_1h: Option<i128>,
}

struct RefTier {
    threshold: u64,
    total_basis: bool,
    rates: RefRates,
}

struct RefVersion {
    from: Option<i64>,
    to: Option<i64>,
    base: RefRates,
    tiers: Vec<RefTier>,
    /// Thousandths.
    batch: Option<i128>,
}

fn decimal(micro: i128) -> String {
    format!("\"{}.{:06}\"", micro / 1_000_000, micro % 1_000_000)
}

fn random_rates(rng: &mut Rng) -> RefRates {
    let rate = |rng: &mut Rng| rng.below(20_000_000) as i128;
    let opt = |rng: &mut Rng| (rng.below(2) == 0).then(|| rng.below(20_000_000) as i128);
    RefRates { input: rate(rng), output: rate(rng), read: opt(rng), write: opt(rng), write_1h: opt(rng) }
}

fn rates_toml(r: &RefRates) -> String {
    let mut t = format!("input = {}\noutput = {}\n", decimal(r.input), decimal(r.output));
    for (name, v) in [("cache_read", r.read), ("cache_write", r.write), ("cache_write_1h", r.write_1h)] {
        if let Some(v) = v {
            t.push_str(&format!("{name} = {}\n", decimal(v)));
        }
    }
    t
}

/// 1–3 versions split at month edges; the first may start, and the last end, at an edge
/// (calls outside are unpriced).
fn random_versions(rng: &mut Rng) -> Vec<RefVersion> {
    let count = 1 + rng.below(3) as usize;
    let mut inner = vec![1, 2, 3];
    rng.shuffle(&mut inner);
    let mut cuts: Vec<usize> = inner[..count - 1].to_vec();
    cuts.sort_unstable();
    let start = (rng.below(4) == 0).then_some(0);
    let last = cuts.last().copied().unwrap_or(0);
    let end = (last < 3 && rng.below(4) == 0).then_some(3);
    let mut bounds = vec![start];
    bounds.extend(cuts.iter().map(|&c| Some(c)));
    bounds.push(end);
    bounds
        .windows(2)
        .map(|w| {
            let mut tiers = Vec::new();
            let mut threshold = 0;
            for _ in 0..rng.below(3) {
                threshold += 1 + rng.below(3000);
                let mut rates = random_rates(rng);
                if rng.below(2) == 0 {
                    rates.read = None;
                    rates.write = None;
                }
                tiers.push(RefTier { threshold, total_basis: rng.below(2) == 0, rates });
            }
            let batch = [None, Some(500), Some(250), Some(1000), Some(750)][rng.below(5) as usize];
            RefVersion {
                from: w[0].map(|c| EDGES[c].0),
                to: w[1].map(|c| EDGES[c].0),
                base: random_rates(rng),
                tiers,
                batch,
            }
        })
        .collect()
}

fn version_toml(v: &RefVersion) -> String {
    let date = |ms: i64| EDGES.iter().find(|e| e.0 == ms).unwrap().1;
    let mut t = String::from("[[models.prices]]\n");
    if let Some(f) = v.from {
        t.push_str(&format!("effective_from = \"{}\"\n", date(f)));
    }
    if let Some(to) = v.to {
        t.push_str(&format!("effective_to = \"{}\"\n", date(to)));
    }
    t.push_str(&rates_toml(&v.base));
    if let Some(b) = v.batch {
        t.push_str(&format!("batch_multiplier = \"{}.{:03}\"\n", b / 1000, b % 1000));
    }
    for tier in &v.tiers {
        t.push_str(&format!(
            "[[models.prices.tiers]]\nthreshold = {}\nbasis = \"{}\"\n{}",
            tier.threshold,
            if tier.total_basis { "total" } else { "input" },
            rates_toml(&tier.rates)
        ));
    }
    t
}

/// The formula, from README: the version in force at the call's time; the highest tier whose
/// counted tokens (input, or input + output) exceed its threshold prices the whole call; a
/// missing cache read or write rate is the input rate of those rates, a missing 1-hour write
/// rate the 5-minute one; batch calls × the multiplier (default 0.5); app cache hits cost 0.
fn reference_cost(versions: &[RefVersion], at: i64, t: &Tokens, batch: bool, hit: bool) -> Option<i128> {
    let v = versions.iter().find(|v| v.from.is_none_or(|f| at >= f) && v.to.is_none_or(|e| at < e))?;
    let mut r = v.base;
    for tier in &v.tiers {
        let counted = if tier.total_basis { t.input + t.output } else { t.input };
        if counted > tier.threshold {
            r = tier.rates;
        }
    }
    let write = r.write.unwrap_or(r.input);
    let micro = (t.input - t.cache_read - t.cache_write) as i128 * r.input
        + t.cache_read as i128 * r.read.unwrap_or(r.input)
        + (t.cache_write - t.cache_write_1h) as i128 * write
        + t.cache_write_1h as i128 * r.write_1h.unwrap_or(write)
        + t.output as i128 * r.output;
    let mut atto = micro * 1_000_000;
    if batch {
        atto = atto * v.batch.unwrap_or(500) / 1000;
    }
    Some(if hit { 0 } else { atto })
}

/// Token counts near the tier thresholds as often as not.
fn random_tokens(rng: &mut Rng, thresholds: &[u64]) -> Tokens {
    let around = |rng: &mut Rng, n: u64| (n + rng.below(3)).saturating_sub(1);
    let mut input = rng.below(10_000);
    let mut output = rng.below(2_000);
    if !thresholds.is_empty() && rng.below(2) == 0 {
        let th = thresholds[rng.below(thresholds.len() as u64) as usize];
        if rng.below(2) == 0 {
            input = around(rng, th);
        } else {
            input = rng.below(th + 1);
            output = around(rng, th - input);
        }
    }
    let cache_read = rng.below(input + 1);
    let cache_write = rng.below(input - cache_read + 1);
    let cache_write_1h = rng.below(cache_write + 1);
    Tokens {
        input,
        output,
        cache_read,
        cache_write,
        cache_write_1h,
        reasoning: rng.below(output + 1),
        ..Tokens::default()
    }
}

#[test]
fn price_all_agrees_with_the_reference_pricer() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut checked = 0;
    let mut seen = [0u32; 4]; // priced, unpriced, batch, tiered
    for _table in 0..60 {
        let models: Vec<Vec<RefVersion>> = (0..3).map(|_| random_versions(&mut rng)).collect();
        let mut toml = String::from("provider = \"refco\"\n");
        for (i, versions) in models.iter().enumerate() {
            toml.push_str(&format!("[[models]]\nid = \"m{i}\"\n"));
            versions.iter().for_each(|v| toml.push_str(&version_toml(v)));
        }
        let book = PriceBook::from_texts(&[("ref.toml".into(), toml.clone())])
            .unwrap_or_else(|e| panic!("{e:#}\n{toml}"));
        let mut calls = Calls::new([true; StrCol::COUNT], 0);
        let mut want = Vec::new();
        for _ in 0..200 {
            let m = rng.below(4) as usize; // m3 is not in the table
            let edge = EDGES[rng.below(4) as usize].0;
            let at = match rng.below(3) {
                0 => edge - 1,
                1 => edge,
                _ => EDGES[0].0 - 86_400_000 + rng.below(110 * 86_400_000) as i64,
            };
            let thresholds: Vec<u64> = models
                .get(m)
                .map(|vs| vs.iter().flat_map(|v| v.tiers.iter().map(|t| t.threshold)).collect())
                .unwrap_or_default();
            let tokens = random_tokens(&mut rng, &thresholds);
            let (batch, hit) = (rng.below(3) == 0, rng.below(8) == 0);
            let mut strs: [Option<Cow<str>>; StrCol::COUNT] = Default::default();
            strs[StrCol::Provider as usize] = Some(Cow::Borrowed("refco"));
            strs[StrCol::Model as usize] = Some(Cow::Owned(format!("m{m}")));
            let call = Call {
                ts_ms: at,
                strs,
                tokens,
                attempt: None,
                http_status: None,
                max_tokens: None,
                latency_ms: None,
                is_error: false,
                batch,
                cache_hit: hit,
                logged_cost: None,
                aggregate: None,
            };
            calls.push(&call, &[]);
            let cost = models.get(m).and_then(|vs| reference_cost(vs, at, &tokens, batch, hit));
            want.push((cost, format!("m{m} at {at} {tokens:?} batch {batch} hit {hit}")));
        }
        let priced = price_all(&calls, &book, None);
        for (row, (cost, what)) in want.iter().enumerate() {
            let got = priced.is_priced(row).then(|| priced.cost[row].atto());
            assert_eq!(got, *cost, "{what}\n{toml}");
            seen[usize::from(cost.is_none())] += 1;
            seen[2] += u32::from(what.contains("batch true"));
            seen[3] += u32::from(priced.tier_index(row).is_some());
            checked += 1;
        }
    }
    assert_eq!(checked, 12_000);
    // The random cases do reach every branch.
    assert!(seen.iter().all(|&n| n > 500), "priced, unpriced, batch, tiered: {seen:?}");
}
