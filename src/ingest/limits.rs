//! What llmcost refuses to read, so no input can crash it or make it grow without bound
//! (README "Limits"): JSON nested deeper than `MAX_DEPTH`, lines longer than the line cap
//! (`--max-line-bytes`), times outside `MIN_TS_MS..MAX_TS_MS`. Each is one rejected line
//! with its reason; the run goes on.

use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex};

/// Longest line read by default (`--max-line-bytes`): 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// Why a line longer than `max` bytes is rejected.
pub fn too_long_reason(max: usize) -> String {
    format!("line longer than {max} bytes (--max-line-bytes)")
}

/// Lines cut short by `CappedLines`, by 1-based line number, in order.
pub type Truncated = Arc<Mutex<Vec<u64>>>;

/// A reader passing at most `max + 1` bytes of each line on (the newline kept), dropping
/// the rest of a longer line unread into memory: whatever reads it sees an over-long line
/// (more than `max` bytes) it can reject, and its memory stays bounded by `max` whatever the
/// input. The numbers of the lines cut are kept in `truncated`.
pub struct CappedLines<R> {
    inner: R,
    max: usize,
    /// Bytes of the current line passed on so far.
    col: usize,
    /// The current line, 1-based.
    line: u64,
    truncated: Truncated,
}

impl<R: BufRead> CappedLines<R> {
    pub fn new(inner: R, max: usize) -> Self {
        CappedLines { inner, max, col: 0, line: 1, truncated: Truncated::default() }
    }

    /// The lines cut so far (shared: it fills as the reader is read).
    pub fn truncated(&self) -> Truncated {
        self.truncated.clone()
    }
}

impl<R: BufRead> Read for CappedLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() || out.is_empty() {
                return Ok(0);
            }
            if self.col > self.max {
                // The rest of an over-long line: dropped up to its newline, which is passed.
                match memchr::memchr(b'\n', buf) {
                    Some(0) => {}
                    end => {
                        let n = end.unwrap_or(buf.len());
                        self.inner.consume(n);
                        continue;
                    }
                }
            }
            // Look no further than what can be passed: a whole mapped file may be in `buf`.
            let window = &buf[..buf.len().min(out.len())];
            let newline = memchr::memchr(b'\n', window);
            let content = newline.unwrap_or(window.len());
            let room = (self.max + 1).saturating_sub(self.col);
            let take = match newline {
                Some(i) if i <= room => i + 1,
                _ => content.min(room),
            }
            .min(out.len());
            out[..take].copy_from_slice(&buf[..take]);
            self.inner.consume(take);
            if out[take - 1] == b'\n' {
                self.col = 0;
                self.line += 1;
            } else {
                let before = self.col;
                self.col += take;
                if before <= self.max && self.col > self.max {
                    self.truncated.lock().expect("not poisoned").push(self.line);
                }
            }
            return Ok(take);
        }
    }
}

/// Deepest nesting of JSON arrays and objects read (the top-level object is depth 1).
/// serde_json stops at 128 too; sonic-rs skips unread fields recursively with no limit.
pub const MAX_DEPTH: usize = 128;

/// Stack for each thread of the global rayon pool, where JSON lines are parsed: sonic-rs skips
/// a nested value it does not read with one ~43 KB frame per level, so `MAX_DEPTH` levels take
/// 5.5 MB, and 48 levels overflowed the 2 MiB a thread gets by default (found by the fuzzer,
/// README "Fuzzing"). Only the pages touched are resident.
pub const THREAD_STACK_BYTES: usize = 16 << 20;

/// Gives the global rayon pool `THREAD_STACK_BYTES` stacks. Call it before any parallel work:
/// it fails once the pool exists (then a first call elsewhere already sized it, or not).
pub fn size_thread_stacks() -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().stack_size(THREAD_STACK_BYTES).build_global()
}

/// Why a line nested deeper than `MAX_DEPTH` is rejected.
pub fn too_deep_reason() -> String {
    format!("JSON nested deeper than {MAX_DEPTH} levels")
}

/// Whether `text` nests arrays and objects deeper than `MAX_DEPTH` (brackets inside strings
/// do not count; unclosed brackets do). Linear, no recursion; text with no more than
/// `MAX_DEPTH` brackets in all is answered by a fast count.
pub fn too_deep(text: &[u8]) -> bool {
    let opens = memchr::memchr2_iter(b'[', b'{', text).take(MAX_DEPTH + 1).count();
    if opens <= MAX_DEPTH {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Earliest call time accepted: 2000-01-01T00:00:00Z, in epoch milliseconds.
pub const MIN_TS_MS: i64 = 946_684_800_000;
/// First call time refused: 2100-01-01T00:00:00Z.
pub const MAX_TS_MS: i64 = 4_102_444_800_000;

/// The accepted time range, as the reason for a time outside it says it.
pub fn ts_range() -> &'static str {
    "the accepted range 2000-01-01T00:00:00Z..2100-01-01T00:00:00Z"
}

/// Whether a line from `first` up to (not including) `next` was cut, forgetting those lines:
/// a CSV record spans `first..next` (at least its own first line).
pub fn cut_between(truncated: &Truncated, first: u64, next: u64) -> bool {
    let mut lines = truncated.lock().expect("not poisoned");
    let n = lines.iter().take_while(|&&l| l < next.max(first + 1)).count();
    lines.drain(..n);
    n > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capped(text: &[u8], max: usize, chunk: usize) -> (Vec<u8>, Vec<u64>) {
        let reader = std::io::BufReader::with_capacity(chunk, text);
        let mut capped = CappedLines::new(reader, max);
        let mut out = Vec::new();
        capped.read_to_end(&mut out).unwrap();
        let cut = capped.truncated().lock().unwrap().clone();
        (out, cut)
    }

    #[test]
    fn long_lines_are_cut_to_one_byte_over_the_cap_r12() {
        let text = b"abc\n0123456789\nxy\n\n0123456\nlast-no-newline";
        for chunk in [1, 2, 3, 7, 64] {
            let (out, cut) = capped(text, 5, chunk);
            assert_eq!(out, b"abc\n012345\nxy\n\n012345\nlast-n", "chunk {chunk}");
            assert_eq!(cut, [2, 5, 6], "chunk {chunk}");
        }
        let (out, cut) = capped(b"12345\n", 5, 4);
        assert_eq!((out.as_slice(), cut.len()), (&b"12345\n"[..], 0), "exactly the cap passes whole");
    }

    #[test]
    fn depth_counts_brackets_outside_strings_r12() {
        let nested = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
        assert!(!too_deep(nested(MAX_DEPTH).as_bytes()));
        assert!(too_deep(nested(MAX_DEPTH + 1).as_bytes()));
        assert!(too_deep("[".repeat(20_000).as_bytes()), "unclosed nesting");
        // Brackets in strings, and many shallow ones side by side, are not depth.
        let in_string = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert!(!too_deep(in_string.as_bytes()));
        let wide = format!("{{\"a\":[{}]}}", vec!["[1]"; 1000].join(","));
        assert!(!too_deep(wide.as_bytes()));
    }
}
