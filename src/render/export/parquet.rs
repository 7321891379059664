//! calls.parquet: every selected call with its computed cost (exact decimal string and a
//! float), tier, the rates it was priced at, and flags, written with polars for BI tools and
//! notebooks. Unpriced calls have null cost, tier and rates. It also carries every canonical
//! field a report reads (status, attempt, prompt hash, the logged cost …), so the file read
//! back as input (`ingest::parquet`) gives the same report as the log it came from.

use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::analyze::Selection;
use crate::calls::StrCol;
use crate::calls::{
    Calls, FLAG_AGGREGATE, FLAG_BATCH, FLAG_CACHE_HIT, FLAG_ERROR, FLAG_LONG_CONTEXT, FLAG_TIER_STATED,
};
use crate::price::Priced;
use crate::time::rfc3339;

/// What the file is built from.
pub struct CallsTable<'a> {
    pub calls: &'a Calls,
    pub priced: &'a Priced<'a>,
    pub sel: &'a Selection,
    /// Per row: a later attempt of the same operation followed.
    pub retried: &'a [bool],
}

const TEXT: [(StrCol, &str); 14] = [
    (StrCol::Provider, "provider"),
    (StrCol::Model, "model"),
    (StrCol::LoggedModel, "logged_model"),
    (StrCol::RequestedModel, "requested_model"),
    (StrCol::Route, "route"),
    (StrCol::Feature, "feature"),
    (StrCol::User, "user"),
    (StrCol::Environment, "environment"),
    (StrCol::Operation, "operation_id"),
    (StrCol::Job, "job_id"),
    (StrCol::Status, "status"),
    (StrCol::ErrorType, "error_type"),
    (StrCol::FinishReason, "finish_reason"),
    (StrCol::PromptHash, "prompt_hash"),
];

pub fn write(path: &Path, t: &CallsTable) -> Result<()> {
    let rows: Vec<usize> = t.sel.rows().collect();
    let mut df = DataFrame::new(rows.len(), columns(t, &rows)).context("calls.parquet columns")?;
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    ParquetWriter::new(file).finish(&mut df).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn columns(t: &CallsTable, rows: &[usize]) -> Vec<Column> {
    let (calls, priced) = (t.calls, t.priced);
    let mut cols = vec![Column::new(
        "timestamp".into(),
        rows.iter().map(|&r| rfc3339(calls.ts_ms[r])).collect::<Vec<_>>(),
    )];
    for (col, name) in TEXT {
        let c = calls.col(col);
        cols.push(Column::new(name.into(), rows.iter().map(|&r| c.value(r)).collect::<Vec<Option<&str>>>()));
    }
    let tok = &calls.tokens;
    let counts: [(&str, &dyn Fn(usize) -> u64); 6] = [
        ("input_tokens", &|r| tok.input[r]),
        ("output_tokens", &|r| tok.output[r]),
        ("cache_read_tokens", &|r| tok.cache_read[r]),
        ("cache_write_tokens", &|r| tok.cache_write[r]),
        ("cache_write_1h_tokens", &|r| tok.cache_write_1h(r)),
        ("reasoning_tokens", &|r| tok.reasoning(r)),
    ];
    for (name, count) in counts {
        cols.push(Column::new(name.into(), rows.iter().map(|&r| count(r)).collect::<Vec<u64>>()));
    }
    // The modality classes (`Tokens::modal` order), so a call read back is priced the same.
    let modal =
        ["input_audio_tokens", "cache_audio_read_tokens", "output_audio_tokens", "output_image_tokens"];
    for (class, name) in modal.into_iter().enumerate() {
        let v = tok.modal_column(class);
        cols.push(Column::new(name.into(), rows.iter().map(|&r| v[r]).collect::<Vec<u64>>()));
    }
    let priced_opt = |f: &dyn Fn(usize) -> String| {
        rows.iter().map(|&r| priced.is_priced(r).then(|| f(r))).collect::<Vec<Option<String>>>()
    };
    cols.push(Column::new("cost_usd".into(), priced_opt(&|r| priced.cost[r].exact())));
    cols.push(Column::new(
        "cost_usd_float".into(),
        rows.iter().map(|&r| priced.is_priced(r).then(|| priced.cost[r].to_f64())).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "tier".into(),
        rows.iter().map(|&r| priced.is_priced(r).then(|| priced.tier[r] as u32)).collect::<Vec<_>>(),
    ));
    cols.extend(rates(t, rows));
    let flag = |bit: u8| rows.iter().map(|&r| calls.flags[r] & bit != 0).collect::<Vec<bool>>();
    cols.push(Column::new("batch".into(), flag(FLAG_BATCH)));
    cols.push(Column::new("app_cache_hit".into(), flag(FLAG_CACHE_HIT)));
    cols.push(Column::new("error".into(), flag(FLAG_ERROR)));
    // A usage-API bucket is one row of many requests (0 = its source did not count them).
    cols.push(Column::new("aggregate".into(), flag(FLAG_AGGREGATE)));
    cols.push(Column::new("requests".into(), rows.iter().map(|&r| calls.requests(r)).collect::<Vec<u64>>()));
    cols.push(Column::new("retried".into(), rows.iter().map(|&r| t.retried[r]).collect::<Vec<bool>>()));
    cols.push(Column::new(
        "crossed_threshold".into(),
        rows.iter().map(|&r| priced.tier_index(r).is_some()).collect::<Vec<bool>>(),
    ));
    cols.extend(logged(calls, rows));
    cols
}

/// The logged fields a report reads that the columns above do not carry, null when the log
/// had none (the store keeps 0 or NaN for "not logged"); `logged_cost_usd` is the gateway's
/// figure, apart from the computed `cost_usd`.
fn logged(calls: &Calls, rows: &[usize]) -> Vec<Column> {
    let nonzero = |v: &[u32]| rows.iter().map(|&r| (v[r] != 0).then_some(v[r])).collect::<Vec<_>>();
    let http: Vec<u32> = calls.http_status.iter().map(|&h| h as u32).collect();
    let long_context = rows
        .iter()
        .map(|&r| (calls.has_flag(r, FLAG_TIER_STATED)).then(|| calls.has_flag(r, FLAG_LONG_CONTEXT)));
    vec![
        Column::new("attempt".into(), nonzero(&calls.attempt)),
        Column::new("http_status".into(), nonzero(&http)),
        Column::new("max_tokens".into(), rows.iter().map(|&r| calls.max_tokens(r)).collect::<Vec<_>>()),
        Column::new(
            "latency_ms".into(),
            rows.iter()
                .map(|&r| Some(calls.latency_ms[r] as f64).filter(|l| !l.is_nan()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "logged_cost_usd".into(),
            rows.iter().map(|&r| Some(calls.logged_cost[r]).filter(|c| !c.is_nan())).collect::<Vec<_>>(),
        ),
        Column::new("long_context".into(), long_context.collect::<Vec<Option<bool>>>()),
    ]
}

/// The rates (USD per 1M tokens, exact decimals) of the tier each call was priced at; the
/// text of each (price version, tier) is made once.
fn rates(t: &CallsTable, rows: &[usize]) -> Vec<Column> {
    let names = [
        "rate_input_per_mtok",
        "rate_output_per_mtok",
        "rate_cache_read_per_mtok",
        "rate_cache_write_per_mtok",
    ];
    let mut memo: rustc_hash::FxHashMap<(usize, Option<usize>), [std::sync::Arc<str>; 4]> =
        Default::default();
    let mut cols: [Vec<Option<std::sync::Arc<str>>>; 4] = Default::default();
    for &r in rows {
        let texts = t.priced.version(r).map(|(_, version)| {
            let tier = t.priced.tier_index(r);
            memo.entry((version as *const _ as usize, tier))
                .or_insert_with(|| {
                    let x = version.rates(tier);
                    [x.input, x.output, x.cache_read, x.cache_write]
                        .map(|v| std::sync::Arc::from(v.to_string()))
                })
                .clone()
        });
        for (i, col) in cols.iter_mut().enumerate() {
            col.push(texts.as_ref().map(|t| t[i].clone()));
        }
    }
    names
        .iter()
        .zip(cols)
        .map(|(name, values)| {
            Column::new((*name).into(), values.iter().map(|v| v.as_deref()).collect::<Vec<Option<&str>>>())
        })
        .collect()
}
