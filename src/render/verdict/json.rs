//! JSON for machines: the computed result as it is, under `schema_version` and `kind`
//! (`diff`, `check` or `budget`). Money is a JSON number (nearest double); exact totals travel
//! as `cost_usd_exact` strings.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::RenderVerdict;
use crate::analyze::SCHEMA_VERSION;
use crate::gate::budget::BudgetReport;
use crate::gate::diff::Diff;
use crate::gate::rules::Check;

#[derive(Serialize)]
struct Doc<'a, T: Serialize> {
    schema_version: u32,
    kind: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// The result under `schema_version` and `kind`.
pub struct Json;

impl RenderVerdict for Json {
    fn diff(&self, d: &Diff, out: &mut dyn Write) -> Result<()> {
        write(out, "diff", d)
    }

    fn check(&self, c: &Check, out: &mut dyn Write) -> Result<()> {
        write(out, "check", c)
    }

    fn budget(&self, b: &BudgetReport, out: &mut dyn Write) -> Result<()> {
        write(out, "budget", b)
    }
}

fn write<T: Serialize>(out: &mut dyn Write, kind: &str, body: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Doc { schema_version: SCHEMA_VERSION, kind, body })?;
    writeln!(out)?;
    Ok(())
}
