//! JSONL reader: one call object per line. Lines are parsed straight into a `RawRecord` with
//! a hand-rolled serde visitor, borrowing strings from the input and skipping unknown fields
//! without building them, which is what keeps parsing near memory speed.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use sonic_rs::LazyValue;

use std::io::Read;

use rayon::prelude::*;

use super::batch::Batch;
use super::limits;
use super::plan::RunContext;
use super::record::{Field, RawRecord, Scalar};
use super::source::{self, Input};

/// Parses one line into `out` (cleared first). `extras` are the non-canonical fields to keep;
/// canonical fields not `wanted` are skipped without being read.
pub fn parse_line<'a>(
    line: &'a [u8],
    extras: &[String],
    wanted: &[bool; Field::COUNT],
    out: &mut RawRecord<'a>,
) -> Result<(), String> {
    out.clear();
    if limits::too_deep(line) {
        return Err(limits::too_deep_reason());
    }
    // sonic-rs checks UTF-8 in what it parses, not in an extra field taken as raw text, which
    // it assumes valid (a debug assertion, unchecked in release): check the line first (#12).
    if !extras.is_empty() {
        // The SIMD check first; the standard one only to say where a bad line goes wrong.
        if simdutf8::basic::from_utf8(line).is_err() {
            let at = std::str::from_utf8(line).err().map_or(0, |e| e.valid_up_to());
            return Err(format!("invalid JSON: invalid UTF-8 at byte {}", at + 1));
        }
    }
    let mut de = sonic_rs::Deserializer::from_slice(line);
    RecordSeed { out, extras, wanted }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        // The parser's message may add lines quoting the input: keep the first.
        .map_err(|e| format!("invalid JSON: {}", e.to_string().lines().next().unwrap_or_default()))
}

struct RecordSeed<'x, 'a> {
    out: &'x mut RawRecord<'a>,
    extras: &'x [String],
    wanted: &'x [bool; Field::COUNT],
}

impl<'de, 'x> DeserializeSeed<'de> for RecordSeed<'x, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'x> Visitor<'de> for RecordSeed<'x, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (one call per line)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let field = Field::from_name(&key);
            if let Some(field) = field.filter(|f| self.wanted[*f as usize]) {
                let value = map
                    .next_value::<Option<ScalarValue<'de>>>()
                    .map_err(|e| de::Error::custom(format_args!("field {}: {e}", field.name())))?;
                self.out.set(field, value.map(|v| v.0));
            } else if let Some(i) = self.extras.iter().position(|x| *x == *key).filter(|_| field.is_none()) {
                let raw: LazyValue<'de> = map.next_value()?;
                self.out.extras[i] = extra_text(raw);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// An extra field as text: strings unquoted, anything else (numbers, objects) as written.
fn extra_text(raw: LazyValue<'_>) -> Option<Cow<'_, str>> {
    let text = raw.as_raw_str();
    match text.as_bytes().first() {
        Some(b'"') => sonic_rs::from_str::<String>(text).ok().map(Cow::Owned),
        _ if text == "null" => None,
        _ => Some(Cow::Owned(text.to_string())),
    }
}

/// A string that borrows from the input unless it held escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A canonical field's value: any JSON scalar (null is handled by the `Option` around it).
struct ScalarValue<'a>(Scalar<'a>);

impl<'de> de::Deserialize<'de> for ScalarValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScalarValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ScalarValue(Scalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarValue(Scalar::Int(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(|i| ScalarValue(Scalar::Int(i)))
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ScalarValue(Scalar::Float(v)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ScalarValue(Scalar::Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarValue(Scalar::Str(Cow::Owned(v.to_string()))))
            }
        }
        d.deserialize_any(V)
    }
}

/// Text read per block; chunks within a block are parsed in parallel.
const BLOCK_BYTES: u64 = 32 << 20;
const CHUNK_BYTES: usize = 512 << 10;

/// Reads a canonical JSONL input: mapped files in place, streams block by block.
pub fn read(input: Input, file: &str, ctx: &RunContext, out: &mut Batch) -> anyhow::Result<()> {
    match input {
        Input::Mapped(map) => {
            read_mapped(&map, file, ctx, out);
            Ok(())
        }
        // Lines past the cap are cut there, so a block carries at most one capped line.
        Input::Stream(reader) => {
            read_stream(limits::CappedLines::new(reader, ctx.plan.max_line_bytes), file, ctx, out)
        }
    }
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn read_mapped(map: &memmap2::Mmap, file: &str, ctx: &RunContext, out: &mut Batch) {
    let _ = map.advise(memmap2::Advice::Sequential);
    let data: &[u8] = map;
    if data == BOM {
        // A byte-order mark alone is one blank line, so every physical line is counted.
        out.lines.blank += 1;
        return;
    }
    let mut start = if data.starts_with(BOM) { 3 } else { 0 };
    // Room for the file's calls up front, estimated from the lines of its first MiB: the
    // columns then never grow by copying (untouched room costs address space, not memory).
    let sample = &data[start..data.len().min(start + (1 << 20))];
    let lines = memchr::memchr_iter(b'\n', sample).count().max(1);
    out.calls.reserve((data.len() - start) / sample.len().div_ceil(lines).max(1) + lines);
    let mut pipeline = Pipeline::new(out);
    let mut released = 0usize;
    while start < data.len() {
        let cut = (start + BLOCK_BYTES as usize).min(data.len());
        let end = memchr::memchr(b'\n', &data[cut..]).map_or(data.len(), |i| cut + i + 1);
        pipeline.feed(&data[start..end], file, ctx);
        ctx.progress((end - start) as u64);
        source::release_pages(map, &mut released, end);
        start = end;
    }
    pipeline.finish();
}

fn read_stream(mut reader: impl Read, file: &str, ctx: &RunContext, out: &mut Batch) -> anyhow::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK_BYTES as usize + (1 << 20));
    let mut carry: Vec<u8> = Vec::new();
    let mut pipeline = Pipeline::new(out);
    let mut first_block = true;
    loop {
        buf.clear();
        buf.append(&mut carry);
        let got = (&mut reader).take(BLOCK_BYTES).read_to_end(&mut buf)?;
        let eof = got == 0 || (got as u64) < BLOCK_BYTES;
        let end = if eof { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        carry.extend_from_slice(&buf[end..]);
        let mut block = &buf[..end];
        let mut bom_only = false;
        if first_block {
            bom_only = block == BOM && eof;
            block = block.strip_prefix(BOM).unwrap_or(block);
            first_block = false;
        }
        pipeline.feed(block, file, ctx);
        ctx.progress(end as u64);
        if eof {
            pipeline.finish();
            if bom_only {
                // A byte-order mark alone is one blank line, so every physical line is counted.
                out.lines.blank += 1;
            }
            return Ok(());
        }
    }
}

/// Blocks flow through two stages: parsing (in parallel chunks) and appending to the run's
/// calls (interning into the global dictionaries, mostly sequential). Appending block N
/// overlaps parsing block N+1, so the sequential stage does not idle the other cores; at
/// 5M rows it had become most of the run.
struct Pipeline<'o> {
    out: &'o mut Batch,
    pending: Option<Vec<(Batch, u64)>>,
    lines_before: u64,
}

impl<'o> Pipeline<'o> {
    fn new(out: &'o mut Batch) -> Self {
        Pipeline { out, pending: None, lines_before: 0 }
    }

    fn feed(&mut self, block: &[u8], file: &str, ctx: &RunContext) {
        let pending = self.pending.take();
        let (out, lines_before) = (&mut *self.out, &mut self.lines_before);
        let (parsed, ()) = rayon::join(
            || parse_chunks(block, file, ctx),
            || {
                if let Some(p) = pending {
                    *lines_before += append(p, *lines_before, out);
                }
            },
        );
        self.pending = Some(parsed);
    }

    fn finish(mut self) {
        if let Some(p) = self.pending.take() {
            append(p, self.lines_before, self.out);
        }
    }
}

/// Parses one block in parallel chunks, each with its line count.
fn parse_chunks(block: &[u8], file: &str, ctx: &RunContext) -> Vec<(Batch, u64)> {
    let chunks = split_at_lines(block, CHUNK_BYTES);
    chunks.par_iter().map(|c| parse_chunk(c, file, ctx)).collect()
}

/// Appends parsed chunks in order; returns the number of lines they held.
fn append(parsed: Vec<(Batch, u64)>, lines_before: u64, out: &mut Batch) -> u64 {
    let mut offset = lines_before;
    for (batch, lines) in parsed {
        out.append(batch, offset);
        offset += lines;
    }
    offset - lines_before
}

/// Cuts `block` into pieces of about `size` bytes, each ending at a line end.
fn split_at_lines(block: &[u8], size: usize) -> Vec<&[u8]> {
    let mut chunks = Vec::with_capacity(block.len() / size + 1);
    let mut rest = block;
    while rest.len() > size {
        let cut = memchr::memchr(b'\n', &rest[size..]).map_or(rest.len(), |i| size + i + 1);
        let (head, tail) = rest.split_at(cut);
        chunks.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        chunks.push(rest);
    }
    chunks
}

/// Parses the lines of one chunk; reject line numbers are relative to the chunk (1-based).
fn parse_chunk(chunk: &[u8], file: &str, ctx: &RunContext) -> (Batch, u64) {
    let mut batch = Batch::new(ctx.plan);
    batch.calls.reserve(chunk.len() / 256);
    let mut raw = RawRecord::new(ctx.plan.extras.len());
    let mut line_no = 0u64;
    let mut start = 0usize;
    let ends = memchr::memchr_iter(b'\n', chunk)
        .chain((!chunk.ends_with(b"\n") && !chunk.is_empty()).then_some(chunk.len()));
    for end in ends {
        line_no += 1;
        let line = &chunk[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            batch.lines.blank += 1;
            continue;
        }
        if line.len() > ctx.plan.max_line_bytes {
            batch.reject(file, line_no, None, limits::too_long_reason(ctx.plan.max_line_bytes));
            continue;
        }
        match parse_line(line, &ctx.plan.extras, ctx.wanted(), &mut raw) {
            Ok(()) => batch.record(&raw, file, line_no, ctx),
            Err(reason) => batch.reject(file, line_no, None, reason),
        }
    }
    (batch, line_no)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str, extras: &[&str]) -> Result<RawRecord<'static>, String> {
        let line: &'static str = Box::leak(line.to_string().into_boxed_str());
        let extras: Vec<String> = extras.iter().map(|s| s.to_string()).collect();
        let mut rec = RawRecord::new(extras.len());
        parse_line(line.as_bytes(), &extras, &[true; Field::COUNT], &mut rec).map(|()| rec)
    }

    #[test]
    fn reads_canonical_and_extra_fields() {
        let rec = parse(
            r#"{"timestamp":"2026-01-01T00:00:00Z","model":"m\u0041","input_tokens":10,"output_tokens":2.0,
               "feature":null,"team":"core","tier":3,"junk":{"deep":[1,2]}}"#,
            &["team", "tier", "absent"],
        )
        .unwrap();
        assert_eq!(rec.get(Field::Model), Some(&Scalar::Str("mA".into())));
        assert_eq!(rec.get(Field::InputTokens), Some(&Scalar::Int(10)));
        assert_eq!(rec.get(Field::OutputTokens), Some(&Scalar::Float(2.0)));
        assert_eq!(rec.get(Field::Feature), None);
        assert_eq!(rec.extras, vec![Some("core".into()), Some("3".into()), None]);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = parse(r#"{"model": "m", "input_tokens": [1]}"#, &[]).unwrap_err();
        assert!(err.contains("field input_tokens"), "{err}");
        assert!(parse(r#"{"model": "m""#, &[]).unwrap_err().contains("invalid JSON"));
        assert!(parse(r#"[1, 2]"#, &[]).is_err());
        assert!(parse(r#"{"a":1} trailing"#, &[]).is_err());
    }
}

#[cfg(test)]
mod chunk_tests {
    use super::*;
    use crate::calls::StrCol;
    use crate::ingest::{IngestPlan, LineCounts};

    fn plan() -> IngestPlan {
        IngestPlan {
            extras: vec![],
            keep: [true; StrCol::COUNT],
            strict: false,
            format: None,
            mapping: None,
            untimed_at: 0,
            max_line_bytes: limits::DEFAULT_MAX_LINE_BYTES,
            prune: Default::default(),
        }
    }

    #[test]
    fn chunks_end_at_line_ends_and_cover_everything() {
        let text = b"aaaa\nbb\ncccccc\nd\n";
        let chunks = split_at_lines(text, 3);
        assert!(chunks.iter().all(|c| c.ends_with(b"\n")));
        assert_eq!(chunks.concat(), text.to_vec());
    }

    #[test]
    fn chunk_counts_lines_and_blanks() {
        let p = plan();
        let ctx = RunContext::new(&p, None);
        let text =
            b"{\"timestamp\":1772323200,\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":1}\n\n  \nnot json\n";
        let (batch, lines) = parse_chunk(text, "f", &ctx);
        assert_eq!(lines, 4);
        assert_eq!(
            batch.lines,
            LineCounts { read: 2, accepted: 1, rejected: 1, blank: 2, ..LineCounts::default() }
        );
        assert_eq!(batch.rejects[0].line, 4);
    }

    #[test]
    fn a_bad_utf8_line_is_rejected_alone() {
        let p = plan();
        let ctx = RunContext::new(&p, None);
        let good = b"{\"timestamp\":1772323200,\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":1}\n";
        let mut text = good.to_vec();
        text.extend_from_slice(
            b"{\"timestamp\":1772323200,\"model\":\"m\xff\",\"input_tokens\":1,\"output_tokens\":1}\r\n",
        );
        text.extend_from_slice(good);
        let (batch, lines) = parse_chunk(&text, "f", &ctx);
        assert_eq!(lines, 3);
        assert_eq!(
            batch.lines,
            LineCounts { read: 3, accepted: 2, rejected: 1, blank: 0, ..LineCounts::default() }
        );
        assert_eq!(batch.rejects[0].line, 2);
        assert!(batch.rejects[0].reason.contains("UTF-8"), "{}", batch.rejects[0].reason);
        assert!(!batch.rejects[0].reason.contains('\n'));
    }

    #[test]
    fn blocks_through_the_pipeline_keep_order_and_line_numbers() {
        let p = plan();
        let ctx = RunContext::new(&p, None);
        let good = |m: &str| {
            format!("{{\"timestamp\":1772323200,\"model\":\"{m}\",\"input_tokens\":1,\"output_tokens\":1}}\n")
        };
        let blocks = [good("a") + "bad\n", good("b") + &good("c"), "\n".to_string() + "bad\n" + &good("d")];
        let mut out = Batch::new(&p);
        let mut pipeline = Pipeline::new(&mut out);
        for b in &blocks {
            pipeline.feed(b.as_bytes(), "f", &ctx);
        }
        pipeline.finish();
        let lines: Vec<u64> = out.rejects.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 6], "block 3 starts at line 5: blank, then bad");
        let models: Vec<_> =
            (0..4).map(|r| out.calls.col(StrCol::Model).value(r).unwrap().to_string()).collect();
        assert_eq!(models, ["a", "b", "c", "d"]);
        assert_eq!(
            out.lines,
            LineCounts { read: 6, accepted: 4, rejected: 2, blank: 1, ..LineCounts::default() }
        );
    }
}
