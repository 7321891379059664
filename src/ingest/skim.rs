//! A look at a JSON line without building it: whether the line is valid JSON and whether any
//! string in it (key or value) is one of a dialect's needles, such as `usage` for Claude
//! Code. Most lines of a native log hold no call (a Claude Code session is mostly progress
//! events and tool output), and a line that names no needle needs no `Value` tree: it is
//! counted as skipped. Validation goes through the same serde_json parser as the full read,
//! so a line is rejected exactly when the full parse would reject it (`reader` then parses it
//! again for the error message).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What a skim found on one valid JSON line.
#[derive(Debug, PartialEq, Eq)]
pub enum Skimmed {
    /// No needle anywhere: the line holds no call, read as one unit.
    NoNeedle,
    /// A needle, or something the full parse must look at: an API page (`"data": [...]` at
    /// the top, read as several units) or serde_json's raw-value key, which its `Value`
    /// parse turns into the value of a string.
    Parse,
}

/// Skims `line`; `None` when it is not valid JSON (the full parse says why).
pub fn skim(line: &[u8], needles: &[&str]) -> Option<Skimmed> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let mut found = false;
    Node { needles, found: &mut found, top: true }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(if found { Skimmed::Parse } else { Skimmed::NoNeedle })
}

/// Any JSON value, visited for its strings; `top` marks the line's outer value.
struct Node<'s> {
    needles: &'s [&'s str],
    found: &'s mut bool,
    top: bool,
}

impl Node<'_> {
    fn check(&mut self, s: &str) {
        // The key serde_json's `Value` parse reads as "the string holds the JSON" (its
        // `raw_value` feature): a line skimmed past it could hide a call.
        const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";
        if self.needles.contains(&s) || s == RAW_VALUE_KEY {
            *self.found = true;
        }
    }

    fn child(&mut self) -> Node<'_> {
        Node { needles: self.needles, found: self.found, top: false }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(mut self, s: &str) -> Result<(), E> {
        self.check(s);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self.child())?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key)? {
            self.check(&key);
            if self.top && key == "data" {
                // Perhaps an API page, whose records are read one by one: left to the full parse.
                if map.next_value_seed(IsArray(self.child()))? {
                    *self.found = true;
                }
                continue;
            }
            map.next_value_seed(self.child())?;
        }
        Ok(())
    }
}

/// A map key, borrowed from the line unless it held escapes.
pub struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(s.into())
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(s.to_string().into())
    }
}

/// A value skimmed like any other, telling whether it was an array.
struct IsArray<'s>(Node<'s>);

impl<'de> DeserializeSeed<'de> for IsArray<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IsArray<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<bool, E> {
        self.0.visit_str(s).map(|()| false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        self.0.visit_seq(seq).map(|()| true)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        self.0.visit_map(map).map(|()| false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USAGE: &[&str] = &["usage"];

    #[test]
    fn a_line_naming_no_needle_needs_no_parse() {
        let progress =
            br#"{"type":"progress","data":{"type":"bash_progress","output":"ok"},"n":[1,2.5,null,true]}"#;
        assert_eq!(skim(progress, USAGE), Some(Skimmed::NoNeedle));
        // The needle as a value counts as much as a key: the skim is only a pre-filter.
        assert_eq!(skim(br#"{"a":"usage"}"#, USAGE), Some(Skimmed::Parse));
        assert_eq!(skim(br#"{"message":{"usage":{"input_tokens":1}}}"#, USAGE), Some(Skimmed::Parse));
    }

    #[test]
    fn an_escaped_needle_is_still_found() {
        // `\u0075sage` is "usage": a byte search for the word would miss this call.
        assert_eq!(skim(br#"{"message":{"\u0075sage":{}}}"#, USAGE), Some(Skimmed::Parse));
    }

    #[test]
    fn pages_and_raw_value_keys_go_to_the_full_parse() {
        // A page is read as one unit per record, which only the full parse counts.
        assert_eq!(skim(br#"{"object":"list","data":[{"a":1}]}"#, USAGE), Some(Skimmed::Parse));
        // A `data` object (a Claude Code progress line) is no page.
        assert_eq!(skim(br#"{"data":{"x":[1]}}"#, USAGE), Some(Skimmed::NoNeedle));
        // Nor is a nested `data` array.
        assert_eq!(skim(br#"{"x":{"data":[1]}}"#, USAGE), Some(Skimmed::NoNeedle));
        let raw = br#"{"$serde_json::private::RawValue":"{\"usage\":1}"}"#;
        assert_eq!(skim(raw, USAGE), Some(Skimmed::Parse));
    }

    #[test]
    fn invalid_json_is_told_like_the_full_parse_tells_it() {
        // Each is rejected by serde_json's `Value` parse too.
        let bad: &[&[u8]] = &[
            b"{\"a\":1",
            b"{\"a\":1} x",
            b"{\"a\":\"\xff\"}",
            br#"{"a":"\ud800"}"#,
            br#"{"a":"\q"}"#,
            b"{\"a\":\"\x01\"}",
            b"{\"a\":1e400}",
            br#"{"a":1,}"#,
            b"",
        ];
        for line in bad {
            assert!(serde_json::from_slice::<serde_json::Value>(line).is_err());
            assert_eq!(skim(line, USAGE), None, "{}", String::from_utf8_lossy(line));
        }
        // serde_json refuses 128 levels, so a skimmed line is never `limits::too_deep`:
        // `lines` skips that check for the lines it skims.
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes();
        assert_eq!(crate::ingest::limits::MAX_DEPTH, 128);
        assert_eq!(skim(&nested(128), USAGE), None);
        assert_eq!(skim(&nested(127), USAGE), Some(Skimmed::NoNeedle));
        for line in [&b"[]"[..], b"5", b"\"usage\"", b" {} "] {
            assert!(serde_json::from_slice::<serde_json::Value>(line).is_ok());
            assert!(skim(line, USAGE).is_some());
        }
    }
}
