//! Parquet reader: one call per row, columns named as the canonical record (README "Input"),
//! or as `llmcost export` writes calls.parquet, or read through a `--mapping`. A row is
//! counted like a line: `lines.read` counts rows, and a rejected row is reported at its
//! 1-based row number in the file, with the column at fault.
//!
//! Only the columns the run needs are read (the canonical fields it parses, the extra fields
//! it asked for), one row group at a time, a few row groups in parallel: memory holds a few
//! row groups' needed columns, never the file. Before a row group is read, the min/max
//! statistics of its timestamp column (a Parquet timestamp, or epoch seconds or
//! milliseconds) are checked against `--since/--until` (`IngestPlan::prune`): a group that
//! can hold no selected call is left unread, and a Hive partition (`partition`) that cannot
//! is not even opened. Both are counted in `batch::Pruned`, which the report's notes show.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use polars::io::parquet::metadata::FileMetadata;
use polars::prelude::{
    ArrowDataType, ArrowField, ArrowTimeUnit, DataFrame, DataType, ParquetReader, SerReader, Series,
};
use polars_parquet::parquet::metadata::RowGroupMetadata;
use polars_parquet::parquet::statistics::Statistics;
use polars_parquet::read::{column_iter_to_arrays, BasicDecompressor, PageReader};
use rayon::prelude::*;
use serde_json::Value;

use super::batch::Batch;
use super::dialect::LineParser;
use super::mapping;
use super::partition;
use super::plan::RunContext;
use super::record::{Field, RawRecord, Scalar};
use crate::time::{rfc3339, MS_PER_DAY};

/// The first bytes of every Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// Whether `path` holds Parquet (its first bytes, whatever its name).
pub fn is_parquet(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok() && &head == MAGIC
}

/// Where a file column (or a partition value) goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Field(Field),
    Extra(usize),
}

/// calls.parquet as `llmcost export` writes it names two canonical fields its own way, its
/// `cost_usd` is the cost llmcost computed, which must not come back as a logged cost, and its
/// `model` is the resolved model: the name as logged (`logged_model`) is what is priced.
const EXPORT_NAMES: &[(&str, Option<&str>)] = &[
    ("model", None),
    ("logged_model", Some("model")),
    ("user", Some("user_id")),
    ("app_cache_hit", Some("cache_hit")),
    ("cost_usd", None),
    ("logged_cost_usd", Some("cost_usd")),
];

/// How one file is read: the columns to project and where each goes, the partition values
/// set on every row, and the column whose statistics date a row group.
struct Layout {
    /// (index in the file schema, name, target); with a mapping the target is unused.
    columns: Vec<(usize, String, Option<Target>)>,
    constants: Vec<(Target, String)>,
    /// With a mapping: the partition values as fields of each row's object.
    mapped_constants: Vec<(String, String)>,
    timestamp: Option<(usize, String)>,
}

/// Reads one Parquet file (`file` names it in rejects) into `out`.
pub fn read(path: &Path, file: &str, ctx: &RunContext, out: &mut Batch) -> Result<()> {
    let values = partition::values(path);
    if partition::pruned(&values, &ctx.plan.prune) {
        out.pruned.files += 1;
        return Ok(());
    }
    let open = || File::open(path).with_context(|| format!("opening {file}"));
    let mut reader = ParquetReader::new(open()?);
    let schema = reader.schema().with_context(|| format!("{file}: not a readable Parquet file"))?;
    let metadata = reader.get_metadata().with_context(|| format!("{file}: reading the footer"))?.clone();
    let names: Vec<(String, ArrowDataType)> =
        schema.iter().map(|(n, f)| (n.to_string(), f.dtype().clone())).collect();
    let layout = layout(&names, &values, ctx);
    // One row group's metadata at a time: polars reads what its metadata lists.
    let mut single = (*metadata).clone();
    single.row_groups = Vec::new();
    let mut groups = Vec::new();
    let mut first_row = 0u64;
    for rg in &metadata.row_groups {
        let rows = rg.num_rows() as u64;
        match group_span(&layout, &names, &metadata, rg) {
            Some((start, end)) if ctx.plan.prune.outside(start, end) => {
                out.pruned.row_groups += 1;
                out.pruned.rows += rows;
            }
            _ => groups.push((rg, first_row)),
        }
        first_row += rows;
    }
    for window in groups.chunks(rayon::current_num_threads().max(1)) {
        let batches: Vec<Result<Batch>> = window
            .par_iter()
            .map(|&(rg, first_row)| {
                let cells = group_cells(path, file, &names, &layout, &single, rg)
                    .with_context(|| format!("{file}: reading rows {}…", first_row + 1))?;
                ctx.progress(rg.compressed_size() as u64);
                let mut batch = Batch::new(ctx.plan);
                rows(&cells, rg.num_rows(), &layout, file, first_row, ctx, &mut batch);
                Ok(batch)
            })
            .collect();
        for batch in batches {
            out.append(batch?, 0);
        }
    }
    Ok(())
}

/// The needed columns of one row group, in `layout` order. Timestamp and date columns are
/// decoded as their stored integers (this build of polars has no datetime type); the rest
/// through polars, one row group's metadata at a time, since polars reads what it lists.
fn group_cells(
    path: &Path,
    file: &str,
    names: &[(String, ArrowDataType)],
    layout: &Layout,
    single: &FileMetadata,
    rg: &RowGroupMetadata,
) -> Result<Vec<Cells>> {
    let (temporal, plain): (Vec<_>, Vec<_>) =
        layout.columns.iter().map(|c| c.0).partition(|&i| physical(&names[i].1).is_some());
    let df = match plain.is_empty() {
        true => DataFrame::empty(),
        false => {
            let mut md = single.clone();
            md.num_rows = rg.num_rows();
            md.row_groups = vec![rg.clone()];
            let mut reader = ParquetReader::new(File::open(path)?).with_projection(Some(plain));
            reader.set_metadata(Arc::new(md));
            reader.finish()?
        }
    };
    layout
        .columns
        .iter()
        .map(|(i, name, _)| {
            let dtype = &names[*i].1;
            let series = match temporal.contains(i) {
                true => stored_integers(path, rg, name, dtype)?,
                false => df.column(name)?.as_materialized_series().clone(),
            };
            Cells::of(&series, dtype, file)
        })
        .collect()
}

/// The integer type a timestamp or date column is stored as.
fn physical(dtype: &ArrowDataType) -> Option<ArrowDataType> {
    match dtype {
        ArrowDataType::Timestamp(..) | ArrowDataType::Date64 => Some(ArrowDataType::Int64),
        ArrowDataType::Date32 => Some(ArrowDataType::Int32),
        _ => None,
    }
}

/// A timestamp or date column chunk decoded as its stored integers, reading only its bytes.
fn stored_integers(path: &Path, rg: &RowGroupMetadata, name: &str, dtype: &ArrowDataType) -> Result<Series> {
    use std::io::{Read, Seek, SeekFrom};
    let chunk =
        rg.columns_under_root_iter(name).and_then(|mut c| c.next()).context("column chunk missing")?;
    let range = chunk.byte_range();
    let mut bytes = vec![0u8; (range.end - range.start) as usize];
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(range.start))?;
    f.read_exact(&mut bytes)?;
    let pages = PageReader::new(std::io::Cursor::new(bytes.into()), chunk, Vec::new(), usize::MAX);
    let field = ArrowField::new(name.into(), physical(dtype).expect("temporal"), true);
    let types = vec![&chunk.descriptor().descriptor.primitive_type];
    let (arrays, _) =
        column_iter_to_arrays(vec![BasicDecompressor::new(pages, Vec::new())], types, field, None)?;
    Ok(Series::try_from((polars::prelude::PlSmallStr::from(name), arrays))?)
}

/// Which columns feed which fields. A partition value wins over a file column of the same
/// field; with a mapping, every column its paths start from is read.
fn layout(names: &[(String, ArrowDataType)], values: &[(String, String)], ctx: &RunContext) -> Layout {
    let plan = ctx.plan;
    let export = ["cost_usd_float", "rate_input_per_mtok"].iter().all(|c| names.iter().any(|(n, _)| n == c));
    let target = |name: &str| -> Option<Target> {
        let name = match EXPORT_NAMES.iter().find(|(from, _)| export && *from == name) {
            Some((_, to)) => (*to)?,
            None => name,
        };
        match Field::from_name(name) {
            Some(f) => ctx.wanted()[f as usize].then_some(Target::Field(f)),
            None => plan.extras.iter().position(|x| x == name).map(Target::Extra),
        }
    };
    if let Some(m) = &plan.mapping {
        let wanted = m.columns();
        let columns = names
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| wanted.contains(&n.as_str()) && !values.iter().any(|(k, _)| k == n))
            .map(|(i, (n, _))| (i, n.clone(), None))
            .collect();
        return Layout { columns, constants: Vec::new(), mapped_constants: values.to_vec(), timestamp: None };
    }
    let constants: Vec<(Target, String)> =
        values.iter().filter_map(|(k, v)| Some((target(partition::field_name(k))?, v.clone()))).collect();
    let columns: Vec<(usize, String, Option<Target>)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, (n, _))| Some((i, n.clone(), Some(target(n)?))))
        .filter(|(_, _, t)| !constants.iter().any(|(c, _)| Some(*c) == *t))
        .collect();
    let timestamp = columns
        .iter()
        .find(|(_, _, t)| *t == Some(Target::Field(Field::Timestamp)))
        .map(|(i, n, _)| (*i, n.clone()));
    Layout { columns, constants, mapped_constants: Vec::new(), timestamp }
}

/// The span [start, end) of epoch ms a row group's timestamp statistics allow, when they tell.
fn group_span(
    layout: &Layout,
    names: &[(String, ArrowDataType)],
    metadata: &FileMetadata,
    rg: &RowGroupMetadata,
) -> Option<(i64, i64)> {
    let (index, name) = layout.timestamp.as_ref()?;
    let chunk = rg.columns_under_root_iter(name)?.next()?;
    let (min, max) = match chunk.statistics(&metadata.footer_buf)?.ok()? {
        Statistics::Int64(s) => (s.min_value?, s.max_value?),
        Statistics::Int32(s) => (s.min_value? as i64, s.max_value? as i64),
        _ => return None,
    };
    let (min, max) = match &names[*index].1 {
        ArrowDataType::Timestamp(unit, _) => {
            let (mul, div) = scale(*unit);
            (min.checked_mul(mul)?.div_euclid(div), max.checked_mul(mul)?.div_euclid(div) + mul - 1)
        }
        ArrowDataType::Date32 => (min * MS_PER_DAY, (max + 1) * MS_PER_DAY - 1),
        ArrowDataType::Date64 => (min, max),
        // Epoch numbers: seconds or milliseconds by size, as `normalize` reads them; a group
        // mixing the two has no order to prune by.
        // (Unsigned columns are left out: their statistics come back as signed.)
        ArrowDataType::Int64 | ArrowDataType::Int32 => {
            let seconds = |n: i64| n.abs() <= 100_000_000_000;
            match (seconds(min), seconds(max)) {
                (true, true) => (min.checked_mul(1000)?, max.checked_mul(1000)?.checked_add(999)?),
                (false, false) => (min, max),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some((min, max.checked_add(1)?))
}

/// Epoch ms = value × mul, floor-divided by div, for a timestamp in `unit`.
fn scale(unit: ArrowTimeUnit) -> (i64, i64) {
    match unit {
        ArrowTimeUnit::Second => (1_000, 1),
        ArrowTimeUnit::Millisecond => (1, 1),
        ArrowTimeUnit::Microsecond => (1, 1_000),
        ArrowTimeUnit::Nanosecond => (1, 1_000_000),
    }
}

/// A column's values, typed for reading row by row.
enum Cells {
    Str(polars::prelude::StringChunked),
    Int(polars::prelude::Int64Chunked),
    UInt(polars::prelude::UInt64Chunked),
    Float(polars::prelude::Float64Chunked),
    Bool(polars::prelude::BooleanChunked),
    /// Epoch ms = value × mul, floor-divided by div (a timestamp in its unit, or a date in days).
    Time {
        ca: polars::prelude::Int64Chunked,
        mul: i64,
        div: i64,
    },
    Null,
}

impl Cells {
    /// `s` as read; a timestamp or date column (`dtype` in the file) holds its stored integers.
    fn of(s: &Series, dtype: &ArrowDataType, file: &str) -> Result<Cells> {
        let s = s.rechunk();
        let bad = |e: polars::prelude::PolarsError| anyhow::anyhow!("{file}: column {}: {e}", s.name());
        let int64 = |s: &Series| s.cast(&DataType::Int64).and_then(|s| s.i64().cloned()).map_err(bad);
        match dtype {
            ArrowDataType::Timestamp(unit, _) => {
                let (mul, div) = scale(*unit);
                return Ok(Cells::Time { ca: int64(&s)?, mul, div });
            }
            ArrowDataType::Date32 => return Ok(Cells::Time { ca: int64(&s)?, mul: MS_PER_DAY, div: 1 }),
            ArrowDataType::Date64 => return Ok(Cells::Time { ca: int64(&s)?, mul: 1, div: 1 }),
            _ => {}
        }
        Ok(match s.dtype() {
            DataType::String => Cells::Str(s.str().map_err(bad)?.clone()),
            DataType::Boolean => Cells::Bool(s.bool().map_err(bad)?.clone()),
            DataType::UInt64 => Cells::UInt(s.u64().map_err(bad)?.clone()),
            dt if dt.is_integer() => Cells::Int(int64(&s)?),
            dt if dt.is_float() => Cells::Float(s.cast(&DataType::Float64).and_then(|s| s.f64().cloned()).map_err(bad)?),
            DataType::Null => Cells::Null,
            other => bail!(
                "{file}: column {} holds {other}; llmcost reads text, numbers, booleans, timestamps and dates",
                s.name()
            ),
        })
    }

    fn get(&self, row: usize) -> Option<Scalar<'_>> {
        Some(match self {
            Cells::Str(ca) => Scalar::Str(Cow::Borrowed(ca.get(row)?)),
            Cells::Int(ca) => Scalar::Int(ca.get(row)?),
            Cells::UInt(ca) => {
                let n = ca.get(row)?;
                i64::try_from(n).map_or_else(|_| Scalar::Float(n as f64), Scalar::Int)
            }
            Cells::Float(ca) => Scalar::Float(ca.get(row)?),
            Cells::Bool(ca) => Scalar::Bool(ca.get(row)?),
            Cells::Time { ca, mul, div } => Scalar::Int(ca.get(row)?.saturating_mul(*mul).div_euclid(*div)),
            Cells::Null => return None,
        })
    }
}

/// Turns one row group's cells (in `layout` order) into calls; `first_row` is the rows before
/// it in the file.
fn rows(
    cells: &[Cells],
    height: usize,
    layout: &Layout,
    file: &str,
    first_row: u64,
    ctx: &RunContext,
    out: &mut Batch,
) {
    if let Some(m) = &ctx.plan.mapping {
        let mut parser = mapping::Parser(m.clone());
        let mut records = Vec::new();
        for row in 0..height {
            let line = first_row + row as u64 + 1;
            let mut object: serde_json::Map<String, Value> =
                layout.mapped_constants.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            for ((_, name, _), c) in layout.columns.iter().zip(cells) {
                if let Some(v) = c.get(row).map(json) {
                    object.insert(name.clone(), v);
                }
            }
            records.clear();
            match parser.parse(&Value::Object(object), &mut records) {
                Err(reason) => out.reject(file, line, None, reason),
                Ok(()) => records.iter().for_each(|r| out.record(r, file, line, ctx)),
            }
        }
        return;
    }
    let mut raw = RawRecord::new(ctx.plan.extras.len());
    for row in 0..height {
        raw.clear();
        for ((_, _, target), c) in layout.columns.iter().zip(cells) {
            match target.expect("canonical columns have targets") {
                Target::Field(f) => raw.set(f, c.get(row)),
                Target::Extra(i) => raw.extras[i] = c.text(row),
            }
        }
        for (target, value) in &layout.constants {
            match *target {
                Target::Field(f) => raw.set(f, Some(Scalar::Str(Cow::Borrowed(value)))),
                Target::Extra(i) => raw.extras[i] = Some(Cow::Borrowed(value)),
            }
        }
        out.record(&raw, file, first_row + row as u64 + 1, ctx);
    }
}

impl Cells {
    /// An extra field's text: a number as written, a time in RFC 3339, a date as YYYY-MM-DD.
    fn text(&self, row: usize) -> Option<Cow<'_, str>> {
        match (self, self.get(row)?) {
            (Cells::Time { mul: MS_PER_DAY, .. }, Scalar::Int(ms)) => {
                Some(Cow::Owned(rfc3339(ms)[..10].to_string()))
            }
            (Cells::Time { .. }, Scalar::Int(ms)) => Some(Cow::Owned(rfc3339(ms))),
            (_, v) => Some(text(v)),
        }
    }
}

/// A scalar's text, as the JSONL reader keeps an extra field (a number as written).
fn text(v: Scalar<'_>) -> Cow<'_, str> {
    match v {
        Scalar::Str(s) => s,
        Scalar::Int(i) => Cow::Owned(i.to_string()),
        Scalar::Float(f) => Cow::Owned(f.to_string()),
        Scalar::Bool(b) => Cow::Owned(b.to_string()),
    }
}

/// A cell as the JSON value a mapping reads.
fn json(v: Scalar<'_>) -> Value {
    match v {
        Scalar::Str(s) => Value::String(s.into_owned()),
        Scalar::Int(i) => Value::from(i),
        Scalar::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Scalar::Bool(b) => Value::Bool(b),
    }
}
