//! JSON: the report as its documented, versioned contract (`schema_version`); `diff` reads it
//! back as a baseline.

use std::io::Write;

use anyhow::Result;

use super::Render;
use crate::analyze::Report;

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
        Ok(())
    }
}
