//! Which format a file is in: its name when it says CSV, otherwise its first lines. A JSON
//! file is canonical when its records carry the canonical fields, else the first native
//! dialect that recognises one of its first lines; when none does, the error names every
//! candidate tried and why it did not fit.
//!
//! Every check reads a record's top-level keys only: `recognises` (each dialect's), here
//! `is_canonical` and `document::page_items` (a page's items, at the top of each).

use anyhow::{bail, Result};
use serde_json::Value;

use super::document::{page_items, SNIFF_LINES};
use super::formats::{Format, DIALECTS};
use super::prune;
use super::scan::{self, Look};

/// The format of a file from its first bytes and what its name promises.
pub fn detect(head: &[u8], hint: Option<Format>) -> Result<Format> {
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    if hint == Some(Format::Csv) || (first.is_some() && first != Some(b'{')) && hint.is_none() {
        return Ok(Format::Csv);
    }
    let values: Vec<Value> = head.split(|&b| b == b'\n').take(SNIFF_LINES).filter_map(sniff).collect();
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

/// A line as detection sees it, `None` when it is not JSON. Detection reads only a record's
/// top-level keys and scalars (`recognises`, `is_canonical`; a top-level `data` array, an
/// API page, goes to the full parse), so a line `scan` finds valid is read no deeper.
fn sniff(line: &[u8]) -> Option<Value> {
    // Surrounding whitespace is left to serde_json: `scan` takes trimmed lines, and
    // `trim_ascii` trims a form feed, which serde_json refuses.
    if !line.is_empty() && line.trim_ascii().len() == line.len() && scan::look(line, &[]) != Look::Full {
        if let Ok(v) = prune::top_level(line) {
            return Some(v);
        }
    }
    serde_json::from_slice(line).ok()
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

    /// Each line of every fixture log, read as detection reads it and whole: the same lines
    /// are JSON, and every check (each dialect's `recognises`, `is_canonical`, `page_items`)
    /// says the same of both.
    #[test]
    fn a_line_read_to_its_top_level_is_judged_as_the_whole_line() {
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut lines = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                check_lines(&path, &mut lines);
            }
        }
        assert!(lines > 500, "{lines} lines");
    }

    fn check_lines(path: &std::path::Path, lines: &mut usize) {
        {
            let Ok(mut text) = std::fs::read(path) else { return };
            // And lines only the full parse reads: a page, whitespace around, an escaped key.
            text.extend_from_slice(
                b"\n{\"object\":\"list\",\"data\":[{\"type\":\"message\",\"usage\":{}}]}\n",
            );
            text.extend_from_slice(
                b" {\"resourceSpans\":[]}\r\n{\"\\u0074ype\":\"message\",\"usage\":1}\n\x0c{}\n",
            );
            for line in text.split(|&b| b == b'\n') {
                let whole = serde_json::from_slice::<Value>(line).ok();
                let seen = sniff(line);
                assert_eq!(whole.is_some(), seen.is_some(), "{}", path.display());
                let (Some(whole), Some(seen)) = (whole, seen) else { continue };
                *lines += 1;
                assert_eq!(is_canonical(&whole), is_canonical(&seen));
                assert_eq!(page_items(&whole).is_some(), page_items(&seen).is_some());
                for (format, d) in DIALECTS {
                    assert_eq!(
                        (d.recognises)(&whole),
                        (d.recognises)(&seen),
                        "{format:?} {}",
                        path.display()
                    );
                }
            }
        }
    }
}
