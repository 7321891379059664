//! Mapping files: read any JSONL or CSV log by naming, for each canonical field, where its
//! value is (a dotted path into nested JSON, or a CSV column), plus constants for fields the
//! log lacks (a trace without a model column), which prompt-token convention the log uses,
//! and how its timestamps are written. The format is documented in docs/mapping-format.md.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::dialect::{LineParser, Owned};
use super::formats::Format;
use super::record::{Field, RawRecord, Scalar};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    format: Option<String>,
    input_convention: Option<String>,
    timestamp_format: Option<String>,
    timestamp_origin: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    #[serde(default)]
    constants: BTreeMap<String, toml::Value>,
}

/// How a log writes its timestamps.
#[derive(Clone, Debug, PartialEq)]
enum TimeFormat {
    /// RFC 3339, or epoch seconds / milliseconds told apart by size (the canonical rule).
    Auto,
    /// A number of these units since `timestamp_origin` (default the Unix epoch).
    Epoch { per_ms: f64 },
    /// A strftime pattern read as UTC (`%Y-%m-%d %H:%M:%S%.f`).
    Pattern(String),
}

/// A validated mapping.
#[derive(Debug)]
pub struct Mapping {
    pub name: String,
    pub format: Option<Format>,
    fields: Vec<(Field, Vec<String>)>,
    constants: Vec<(Field, Scalar<'static>)>,
    /// Input tokens exclude cache reads and writes (Anthropic's convention).
    exclusive: bool,
    time: TimeFormat,
    origin_ms: i64,
}

impl Mapping {
    pub fn load(path: &std::path::Path) -> Result<Arc<Mapping>> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading mapping {}", path.display()))?;
        Self::parse(&path.display().to_string(), &text).map(Arc::new)
    }

    /// The top-level fields (CSV or Parquet columns) the mapping reads from.
    pub fn columns(&self) -> Vec<&str> {
        self.fields.iter().filter_map(|(_, path)| path.first().map(String::as_str)).collect()
    }

    pub fn parse(name: &str, text: &str) -> Result<Mapping> {
        let file: MappingFile = toml::from_str(text).with_context(|| format!("{name}: invalid mapping"))?;
        let field = |key: &str, table: &str| {
            Field::from_name(key).ok_or_else(|| anyhow!("{name}: [{table}] {key:?} is not a canonical field (see README: the canonical call record)"))
        };
        let fields = file
            .fields
            .iter()
            .map(|(k, path)| Ok((field(k, "fields")?, path.split('.').map(str::to_string).collect())))
            .collect::<Result<_>>()?;
        let constants = file
            .constants
            .iter()
            .map(|(k, v)| Ok((field(k, "constants")?, constant(v)?)))
            .collect::<Result<_>>()?;
        let format = match file.format.as_deref() {
            None => None,
            Some("jsonl") => Some(Format::Jsonl),
            Some("csv") => Some(Format::Csv),
            Some(other) => bail!("{name}: format must be \"jsonl\" or \"csv\", not {other:?}"),
        };
        let exclusive = match file.input_convention.as_deref() {
            None | Some("inclusive") => false,
            Some("exclusive") => true,
            Some(other) => {
                bail!("{name}: input_convention must be \"inclusive\" or \"exclusive\", not {other:?}")
            }
        };
        let time = match file.timestamp_format.as_deref() {
            None | Some("auto") | Some("rfc3339") => TimeFormat::Auto,
            Some("epoch_s") => TimeFormat::Epoch { per_ms: 1e-3 },
            Some("epoch_ms") => TimeFormat::Epoch { per_ms: 1.0 },
            Some("epoch_us") => TimeFormat::Epoch { per_ms: 1e3 },
            Some("epoch_ns") => TimeFormat::Epoch { per_ms: 1e6 },
            Some(p) if p.contains('%') => TimeFormat::Pattern(p.to_string()),
            Some(other) => {
                bail!("{name}: timestamp_format {other:?}: use auto, epoch_s/ms/us/ns or a strftime pattern")
            }
        };
        let origin_ms = match file.timestamp_origin.as_deref() {
            Some(o) => crate::time::parse_date(o).with_context(|| format!("{name}: timestamp_origin"))?,
            None => 0,
        };
        Ok(Mapping { name: name.to_string(), format, fields, constants, exclusive, time, origin_ms })
    }
}

fn constant(v: &toml::Value) -> Result<Scalar<'static>> {
    Ok(match v {
        toml::Value::String(s) => Scalar::Str(s.clone().into()),
        toml::Value::Integer(i) => Scalar::Int(*i),
        toml::Value::Float(f) => Scalar::Float(*f),
        toml::Value::Boolean(b) => Scalar::Bool(*b),
        other => bail!("constant must be a string, number or boolean, not {}", other.type_str()),
    })
}

/// The mapping as a line parser.
pub struct Parser(pub Arc<Mapping>);

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        let m = &self.0;
        let mut rec = RawRecord::new(0);
        for (field, value) in &m.constants {
            rec.set(*field, Some(value.clone()));
        }
        for (field, path) in &m.fields {
            let value = path.iter().try_fold(line, |v, key| match v {
                Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => v.get(key),
            });
            if let Some(v) = value.filter(|v| !v.is_null()) {
                let scalar = scalar(v).ok_or_else(|| {
                    format!("field {}: {} holds an object or array", field.name(), path.join("."))
                })?;
                rec.set(*field, Some(scalar));
            }
        }
        timestamp(m, &mut rec)?;
        if m.exclusive {
            include_cache(&mut rec)?;
        }
        out.push(rec);
        Ok(())
    }
}

fn scalar(v: &Value) -> Option<Scalar<'static>> {
    Some(match v {
        Value::String(s) => Scalar::Str(s.clone().into()),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Number(n) => {
            n.as_i64().map_or_else(|| Scalar::Float(n.as_f64().unwrap_or(f64::NAN)), Scalar::Int)
        }
        _ => return None,
    })
}

/// Rewrites the timestamp into epoch milliseconds when the mapping says how it is written.
fn timestamp(m: &Mapping, rec: &mut Owned) -> Result<(), String> {
    let Some(raw) = rec.get(Field::Timestamp).cloned() else { return Ok(()) };
    let ms = match (&m.time, &raw) {
        (TimeFormat::Auto, _) => return Ok(()),
        (TimeFormat::Epoch { per_ms }, v) => number(v).map(|n| (n / per_ms).round() as i64 + m.origin_ms),
        (TimeFormat::Pattern(p), Scalar::Str(s)) => {
            chrono::NaiveDateTime::parse_from_str(s.trim(), p).ok().map(|t| t.and_utc().timestamp_millis())
        }
        _ => None,
    };
    let ms = ms.ok_or_else(|| format!("field timestamp: {raw:?} does not fit timestamp_format"))?;
    rec.set(Field::Timestamp, Some(Scalar::Int(ms)));
    Ok(())
}

fn number(v: &Scalar) -> Option<f64> {
    match v {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Float(f) => Some(*f),
        Scalar::Str(s) => s.trim().parse().ok(),
        Scalar::Bool(_) => None,
    }
}

/// Exclusive logs count only uncached prompt tokens as input: add the cache classes back.
fn include_cache(rec: &mut Owned) -> Result<(), String> {
    let get = |f: Field| {
        rec.get(f).map(number).map_or(Ok(0.0), |n| n.ok_or(format!("field {}: not a number", f.name())))
    };
    let total = get(Field::InputTokens)? + get(Field::CacheReadTokens)? + get(Field::CacheWriteTokens)?;
    if rec.get(Field::InputTokens).is_some() {
        rec.set(Field::InputTokens, Some(Scalar::Int(total as i64)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_constants_and_exclusive_convention() {
        let m = Mapping::parse(
            "m.toml",
            r#"
input_convention = "exclusive"
timestamp_format = "epoch_ns"
[fields]
timestamp = "t"
model = "resp.model"
input_tokens = "resp.usage.in"
cache_read_tokens = "resp.usage.read"
output_tokens = "resp.usage.out"
route = "tags.0"
[constants]
provider = "anthropic"
"#,
        )
        .unwrap();
        let line = serde_json::json!({"t": 1_767_225_600_000_000_000u64, "resp": {"model": "x", "usage": {"in": 10, "read": 90, "out": 5}}, "tags": ["chat"]});
        let mut out = Vec::new();
        Parser(Arc::new(m)).parse(&line, &mut out).unwrap();
        let rec = &out[0];
        assert_eq!(rec.get(Field::InputTokens), Some(&Scalar::Int(100)));
        assert_eq!(rec.get(Field::Timestamp), Some(&Scalar::Int(1_767_225_600_000)));
        assert_eq!(rec.get(Field::Route), Some(&Scalar::Str("chat".into())));
        assert_eq!(rec.get(Field::Provider), Some(&Scalar::Str("anthropic".into())));
    }

    #[test]
    fn errors_name_the_key() {
        let err = Mapping::parse("m.toml", "[fields]\nmodle = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("\"modle\" is not a canonical field"), "{err}");
        let err = Mapping::parse("m.toml", "timestamp_format = \"unix\"\n").unwrap_err().to_string();
        assert!(err.contains("timestamp_format"), "{err}");
    }
}
