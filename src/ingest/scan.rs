//! A byte-level look at a JSON line, the fast first step of reading a native log line: one
//! pass that validates the line's structure (strings found with SIMD `memchr2`) and tells
//! whether any string in it is one of a dialect's needles (`LineParser::needles`).
//!
//! It is a pre-filter, never the judge: it answers `Skip` or `Needle` only when the line is
//! certainly valid to serde_json's `Value` parse — stricter than serde_json, it gives up
//! (`Full`) on anything it does not check itself, and the serde_json path (`skim`, then the
//! full parse) decides those lines exactly as before. It gives up on: a top level that is not
//! an object; a byte below 0x20 anywhere (tabs and carriage returns between tokens too);
//! invalid UTF-8; a `\u` escape of a UTF-16 surrogate; a number with an exponent or longer
//! than `MAX_NUMBER` bytes (either could overflow an f64, which serde_json refuses); nesting
//! deeper than `MAX_DEPTH`; a key with an escape or serde_json's raw-value key; a top-level
//! `data` array (perhaps an API page, read record by record); and any syntax error.
//!
//! So a line it calls valid is one serde_json accepts (`tests` check this on mutated lines),
//! and the serde_json readers that follow (`prune`) may ignore the parts they skip without
//! checking them again.

/// What a look at one line found.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Look<'a> {
    /// Valid JSON, no needle: the line holds no call.
    Skip,
    /// Valid JSON naming a needle (or a string escaped so it might): to be parsed. The line
    /// as text, checked here, so the parse need not check it again.
    Needle(&'a str),
    /// Not decided here: the serde_json path reads the line.
    Full,
}

/// Deepest nesting decided here; serde_json refuses 128 levels (`limits::MAX_DEPTH`).
pub const MAX_DEPTH: usize = 100;
/// Longest number decided here: shorter with no exponent, it is a finite f64.
pub const MAX_NUMBER: usize = 300;

/// The key serde_json's `Value` parse reads as "the string holds the JSON" (its `raw_value`
/// feature).
const RAW_VALUE_KEY: &[u8] = b"$serde_json::private::RawValue";

/// Looks at a trimmed, non-empty line.
pub fn look<'a>(line: &'a [u8], needles: &[&str]) -> Look<'a> {
    // One branch-free pass, so it vectorises: no control byte may be in a string, and outside
    // strings only the whitespace this scanner does not skip (it skips spaces only); UTF-8 is
    // checked only on a line that is not all ASCII.
    let (control, high) = line.iter().fold((false, false), |(c, h), &b| (c | (b < 0x20), h | (b >= 0x80)));
    if control {
        return Look::Full;
    }
    let checked = match high.then(|| simdutf8::basic::from_utf8(line)) {
        Some(Err(_)) => return Look::Full,
        Some(Ok(text)) => Some(text),
        None => None,
    };
    // An escaped string can unescape to a needle only if it is at most 6 bytes per character.
    let escaped_max = needles.iter().map(|n| n.len() * 6).max().unwrap_or(0);
    let mut scan = Scan { s: line, i: 0, needles, escaped_max, found: false };
    if scan.s.first() != Some(&b'{') || scan.object(1, true).is_err() {
        return Look::Full;
    }
    scan.ws();
    match (scan.i == line.len(), scan.found) {
        (false, _) => Look::Full,
        (true, false) => Look::Skip,
        // An ASCII line is UTF-8 as it is: the check that makes it a `&str` cannot fail.
        (true, true) => {
            checked.or_else(|| simdutf8::basic::from_utf8(line).ok()).map_or(Look::Full, Look::Needle)
        }
    }
}

/// `Err`: not decided here.
type Step = Result<(), ()>;

struct Scan<'a> {
    s: &'a [u8],
    i: usize,
    needles: &'a [&'a str],
    escaped_max: usize,
    found: bool,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces; `look` sent every line with other whitespace to the full path.
    fn ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Step {
        self.ws();
        if self.peek() != Some(b) {
            return Err(());
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Step {
        self.ws();
        match self.peek().ok_or(())? {
            b'{' => self.object(depth + 1, false),
            b'[' => self.array(depth + 1),
            b'"' => {
                let start = self.i + 1;
                if self.string()? {
                    // Escaped: a needle only if short enough to unescape to one.
                    self.found |= self.i - 1 - start <= self.escaped_max;
                } else {
                    self.check(start);
                }
                Ok(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(()),
        }
    }

    /// At `{`.
    fn object(&mut self, depth: usize, top: bool) -> Step {
        if depth > MAX_DEPTH {
            return Err(());
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(());
            }
            let start = self.i + 1;
            if self.string()? {
                return Err(()); // an escaped key: perhaps a needle or the raw-value key
            }
            let text = self.s;
            let key = &text[start..self.i - 1];
            if key == RAW_VALUE_KEY {
                return Err(());
            }
            self.check(start);
            self.eat(b':')?;
            if top && key == b"data" {
                self.ws();
                if self.peek() == Some(b'[') {
                    return Err(()); // perhaps an API page
                }
            }
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
    }

    /// At `[`.
    fn array(&mut self, depth: usize) -> Step {
        if depth > MAX_DEPTH {
            return Err(());
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
    }

    /// Notes a plain string (from `start` to the closing quote just passed) that is a needle.
    fn check(&mut self, start: usize) {
        let plain = &self.s[start..self.i - 1];
        if !self.found && self.needles.iter().any(|n| n.as_bytes() == plain) {
            self.found = true;
        }
    }

    /// At the opening quote; leaves `i` after the closing one. `Ok(true)` when the string
    /// held an escape. UTF-8 and control bytes were checked for the whole line.
    fn string(&mut self) -> Result<bool, ()> {
        self.i += 1;
        let mut escaped = false;
        loop {
            let at = self.i + memchr::memchr2(b'"', b'\\', &self.s[self.i..]).ok_or(())?;
            if self.s[at] == b'"' {
                self.i = at + 1;
                return Ok(escaped);
            }
            escaped = true;
            match self.s.get(at + 1).ok_or(())? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i = at + 2,
                b'u' => {
                    let hex = self.s.get(at + 2..at + 6).ok_or(())?;
                    let hex = std::str::from_utf8(hex).map_err(|_| ())?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(());
                    }
                    let unit = u16::from_str_radix(hex, 16).map_err(|_| ())?;
                    if (0xD800..=0xDFFF).contains(&unit) {
                        return Err(()); // a surrogate: serde_json checks its pairing
                    }
                    self.i = at + 6;
                }
                _ => return Err(()),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Step {
        if !self.s[self.i..].starts_with(word) {
            return Err(());
        }
        self.i += word.len();
        Ok(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, no exponent, at most `MAX_NUMBER` bytes.
    fn number(&mut self) -> Step {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(()),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let before = self.i;
            self.digits();
            if self.i == before {
                return Err(());
            }
        }
        // An exponent, or a digit after a leading zero: left to serde_json.
        if matches!(self.peek(), Some(b'e' | b'E' | b'0'..=b'9')) || self.i - start > MAX_NUMBER {
            return Err(());
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::skim::{skim, Skimmed};
    use proptest::prelude::*;

    const USAGE: &[&str] = &["usage"];

    #[test]
    fn valid_lines_are_told_by_their_needles() {
        let progress = br#"{"type":"progress","data":{"type":"bash_progress","output":"a \"q\" \\ \n \u00e9, longer than 30 bytes"},"n":[1,-2.5,0,null,true,false],"e":{},"a":[]}"#;
        assert_eq!(look(progress, USAGE), Look::Skip);
        let call = r#"{"message":{"usage":{"input_tokens":1}}}"#;
        assert_eq!(look(call.as_bytes(), USAGE), Look::Needle(call));
        // A value counts as much as a key, as in `skim`.
        assert!(matches!(look(br#"{"a":"usage"}"#, USAGE), Look::Needle(_)));
        assert_eq!(look(br#"{ "a" : [ "x" , 1 ] , "b" : { } }"#, USAGE), Look::Skip);
        // Escaped and short enough to unescape to `usage` (at most 6 bytes a character): a
        // needle for all `scan` knows; escaped and longer: it cannot be.
        assert!(matches!(look(br#"{"a":"\u0075sage"}"#, USAGE), Look::Needle(_)));
        assert_eq!(look(br#"{"a":"\n.............................."}"#, USAGE), Look::Skip);
        assert_eq!(look("{\"é\":\"ü\"}".as_bytes(), USAGE), Look::Skip);
        let accented = "{\"usage\":\"ü\"}";
        assert_eq!(look(accented.as_bytes(), USAGE), Look::Needle(accented));
    }

    #[test]
    fn anything_not_checked_here_goes_to_serde_json() {
        let full: &[&[u8]] = &[
            // Not an object at the top, or not only one value.
            b"[]",
            b"5",
            br#""usage""#,
            br#"{"a":1} x"#,
            br#"{"a":1}{}"#,
            // Whitespace other than spaces, control bytes, bad UTF-8.
            b"{\"a\":\t1}",
            b"{\"a\":1}\r",
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\xff\"}",
            // Surrogate escapes (serde_json checks their pairs), bad escapes.
            br#"{"a":"\ud83d\ude00"}"#,
            br#"{"a":"\udc00"}"#,
            br#"{"a":"\q"}"#,
            br#"{"a":"\u12g4"}"#,
            br#"{"a":"\u12"}"#,
            // Numbers that could overflow, or are not JSON numbers.
            br#"{"a":1e5}"#,
            br#"{"a":1E400}"#,
            br#"{"a":01}"#,
            br#"{"a":-}"#,
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":+1}"#,
            // Escaped keys, the raw-value key, a page.
            br#"{"\u0061":1}"#,
            br#"{"$serde_json::private::RawValue":"{}"}"#,
            br#"{"object":"list","data":[{"a":1}]}"#,
            // Syntax errors.
            br#"{"a":1,}"#,
            br#"{"a":[1,]}"#,
            br#"{"a" 1}"#,
            br#"{"a":tru}"#,
            br#"{"a":"x}"#,
            br#"{a:1}"#,
            b"{",
        ];
        for line in full {
            assert_eq!(look(line, USAGE), Look::Full, "{}", String::from_utf8_lossy(line));
        }
        let long = format!("{{\"a\":{}}}", "9".repeat(MAX_NUMBER + 1));
        assert_eq!(look(long.as_bytes(), USAGE), Look::Full);
        let nested = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n - 1), "]".repeat(n - 1)).into_bytes();
        assert_eq!(look(&nested(MAX_DEPTH), USAGE), Look::Skip);
        assert_eq!(look(&nested(MAX_DEPTH + 1), USAGE), Look::Full);
        // A nested `data` array is no page.
        assert_eq!(look(br#"{"x":{"data":[1]}}"#, USAGE), Look::Skip);
    }

    /// Real lines of both dialects with a needle, to mutate.
    fn seeds() -> Vec<String> {
        let mut lines: Vec<String> = [
            include_str!("../../fixtures/formats/claude-code.jsonl"),
            include_str!("../../fixtures/formats/codex.jsonl"),
        ]
        .iter()
        .flat_map(|f| f.lines().map(str::to_string))
        .filter(|l| !l.trim().is_empty())
        .collect();
        lines.push(
            r#"{"a":[1,-0,0.25,"x\"\\\/\b\f\n\r\t\u00e9"],"b":{"c":null,"d":true,"e":false}}"#.to_string(),
        );
        lines
    }

    /// Bits of JSON that are valid in some places and not in others.
    const SNIPPETS: &[&str] = &[
        "\"",
        "\\",
        "\\u",
        "\\ud800",
        "\\udc00",
        "\\u0075",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "\t",
        "1e9",
        "-",
        "0",
        "01",
        ".5",
        "1.",
        "e",
        "e999",
        "null",
        "tru",
        "\"usage\"",
        "\"data\":[",
        "é",
        "\u{1}",
        "\u{7f}",
        "\"$serde_json::private::RawValue\"",
        "123456789012345678901234567890",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// What `scan` calls valid, serde_json's `Value` parse accepts, and `scan` finds a
        /// needle exactly where `skim` does: the fast path never changes a line's fate.
        #[test]
        fn scan_agrees_with_serde_json(
            seed in 0usize..64,
            edits in prop::collection::vec((0usize..4, any::<prop::sample::Index>(), 0usize..SNIPPETS.len(), any::<u8>()), 0..4),
        ) {
            let seeds = seeds();
            let mut line = seeds[seed % seeds.len()].clone().into_bytes();
            for (kind, at, snippet, byte) in edits {
                let at = at.index(line.len() + 1);
                match kind {
                    0 => { line.splice(at..at, SNIPPETS[snippet].bytes()); }
                    1 if at < line.len() => { line.remove(at); }
                    2 if at < line.len() => line[at] = byte,
                    _ => { line.splice(at..at, [byte]); }
                }
            }
            let line = line.trim_ascii();
            prop_assume!(!line.is_empty());
            let valid = serde_json::from_slice::<serde_json::Value>(line).is_ok();
            match look(line, USAGE) {
                Look::Skip => {
                    prop_assert!(valid);
                    prop_assert_eq!(skim(line, USAGE), Some(Skimmed::NoNeedle));
                }
                Look::Needle(text) => prop_assert!(valid && text.as_bytes() == line),
                Look::Full => {}
            }
            // Unmutated real lines are all decided here.
            if seeds.iter().any(|s| s.as_bytes() == line) {
                prop_assert_ne!(look(line, USAGE), Look::Full);
            }
        }
    }
}
