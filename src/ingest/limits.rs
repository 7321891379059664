//! What llmcost refuses to read, so no input can crash it or make it grow without bound
//! (README "Limits"): JSON nested deeper than `MAX_DEPTH`, lines longer than the line cap,
//! times outside `MIN_TS_MS..MAX_TS_MS`. Each is one rejected line with its reason; the run
//! goes on.

/// Deepest nesting of JSON arrays and objects read (the top-level object is depth 1).
/// serde_json stops at 128 too; sonic-rs skips unread fields recursively with no limit.
pub const MAX_DEPTH: usize = 128;

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

#[cfg(test)]
mod tests {
    use super::*;

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
