//! Which format a file is in: its name when it says CSV, otherwise its first lines. A JSON
//! file is canonical when its records carry the canonical fields, else the first native
//! dialect that recognises one of its first lines; when none does, the error names every
//! candidate tried and why it did not fit.

use anyhow::{bail, Result};
use serde_json::Value;

use super::document::{page_items, SNIFF_LINES};
use super::formats::{Format, DIALECTS};

/// The format of a file from its first bytes and what its name promises.
pub fn detect(head: &[u8], hint: Option<Format>) -> Result<Format> {
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    if hint == Some(Format::Csv) || (first.is_some() && first != Some(b'{')) && hint.is_none() {
        return Ok(Format::Csv);
    }
    let values: Vec<Value> = head
        .split(|&b| b == b'\n')
        .take(SNIFF_LINES)
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect();
    // Nothing parses: read it as canonical so every bad line is reported with its number.
    if values.is_empty() {
        return Ok(Format::Jsonl);
    }
    detect_records(&values)
}

/// The format of JSON records (lines of a file, or items of a document); a record that is an
/// API page (`{"data": [...]}`) is judged by its items.
pub fn detect_records(values: &[Value]) -> Result<Format> {
    // Canonical records are read as they are; only native readers split API pages.
    if values.iter().any(is_canonical) {
        return Ok(Format::Jsonl);
    }
    let records: Vec<&Value> = values
        .iter()
        .flat_map(|v| match page_items(v) {
            Some(items) => items.iter().take(SNIFF_LINES).collect(),
            None => vec![v],
        })
        .collect();
    if records.is_empty() {
        // Only empty API pages: no record to tell the format by, and none to read; any native
        // reader counts each page as skipped.
        return Ok(DIALECTS[0].0);
    }
    if let Some((format, _)) = DIALECTS.iter().find(|(_, d)| records.iter().any(|v| (d.recognises)(v))) {
        return Ok(*format);
    }
    let mut tried =
        vec!["  jsonl (canonical): no line has timestamp, model, input_tokens and output_tokens".to_string()];
    tried.extend(DIALECTS.iter().map(|(_, d)| format!("  {}: no line has {}", d.name, d.looks_for)));
    bail!(
        "none of the formats fits its first {} records; tried:\n{}\n(use --input-format, or see `llmcost formats`)",
        records.len(),
        tried.join("\n")
    )
}

fn is_canonical(v: &Value) -> bool {
    ["timestamp", "model", "input_tokens", "output_tokens"].iter().all(|k| v.get(k).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_csv_and_unknown() {
        let canonical = br#"{"timestamp":1,"model":"m","input_tokens":1,"output_tokens":1}"#;
        assert_eq!(detect(canonical, None).unwrap(), Format::Jsonl);
        assert_eq!(detect(b"timestamp,model\n1,m\n", None).unwrap(), Format::Csv);
        assert_eq!(detect(b"{not json\n", Some(Format::Jsonl)).unwrap(), Format::Jsonl);
        let err = format!("{:#}", detect(b"{\"hello\": 1}\n", None).unwrap_err());
        assert!(err.contains("claude-code: no line has"), "{err}");
        assert!(err.contains("jsonl (canonical)"), "{err}");
    }
}
