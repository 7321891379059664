//! A `Value` of only the keys a dialect's parser reads (`Keys`): the rest of the line — a
//! Claude Code message's content, a Codex response item — is passed over by serde_json
//! without building strings, maps or vectors for it. The parser then reads the pruned value
//! exactly as it would the whole one, since every key on its paths is kept, with its value
//! built as serde_json's own `Value` parse builds it (the last of duplicate keys wins, the
//! same numbers).
//!
//! The parts passed over are checked less than the `Value` parse checks them (serde_json
//! does not look at the UTF-8 or the range of what it ignores), so only a line that
//! `scan::look` found valid may be pruned.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::skim::Key;

/// The keys a dialect's parser reads. A key in `whole` keeps its whole value; a key in
/// `names` keeps its value pruned the same way; any other key is dropped, at any depth.
pub struct Keys {
    pub names: &'static [&'static str],
    pub whole: &'static [&'static str],
}

/// Parses `line`, keeping only `keys`. Text already checked as UTF-8: serde_json then checks
/// no string again.
pub fn parse(line: &str, keys: &Keys) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(line);
    let v = Pruned(keys).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The scalar methods of a visitor building `Value`s, as `Value`'s own visitor does (for
/// `Pruned` and `Shallow`, which differ only in arrays and objects).
macro_rules! scalar_visits {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
            Ok(Value::Number(n.into()))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
            Ok(Value::Number(n.into()))
        }
        fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, s: &str) -> Result<Value, E> {
            Ok(Value::String(s.to_string()))
        }
        fn visit_string<E>(self, s: String) -> Result<Value, E> {
            Ok(Value::String(s))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
    };
}

#[derive(Clone, Copy)]
struct Pruned<'k>(&'k Keys);

impl<'de> DeserializeSeed<'de> for Pruned<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Builds each value as `Value`'s own visitor does.
impl<'de> Visitor<'de> for Pruned<'_> {
    type Value = Value;

    scalar_visits!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if self.0.whole.contains(&&*key) {
                out.insert(key.into_owned(), map.next_value::<Value>()?);
            } else if self.0.names.contains(&&*key) {
                out.insert(key.into_owned(), map.next_value_seed(self)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Value::Object(out))
    }
}

/// The top-level object of `line` with every key and scalar value, each array or object value
/// left empty: all that format detection reads of a line (`detect`). Like `parse`, only for a
/// line `scan::look` found valid (and so an object).
pub fn top_level(line: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let v = de.deserialize_map(Top)?;
    de.end()?;
    Ok(v)
}

struct Top;

impl<'de> Visitor<'de> for Top {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            out.insert(key.into_owned(), map.next_value_seed(Shallow)?);
        }
        Ok(Value::Object(out))
    }
}

/// A scalar as `Value` builds it; an array or object, passed over and left empty.
struct Shallow;

impl<'de> DeserializeSeed<'de> for Shallow {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shallow {
    type Value = Value;

    scalar_visits!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array(Vec::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object(Map::new()))
    }
}

/// Whether `v` holds no key outside `keys` (a check for tests: pruning `v` keeps it whole).
#[cfg(test)]
pub fn within(v: &Value, keys: &Keys) -> bool {
    match v {
        Value::Array(items) => items.iter().all(|i| within(i, keys)),
        Value::Object(map) => map.iter().all(|(k, v)| {
            keys.whole.contains(&k.as_str()) || (keys.names.contains(&k.as_str()) && within(v, keys))
        }),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: Keys = Keys { names: &["type", "message", "id"], whole: &["usage"] };

    #[test]
    fn only_the_named_keys_are_kept() {
        let line = br#"{"type":"assistant","message":{"id":"m","content":[{"type":"text","text":"long"}],
            "usage":{"input_tokens":4,"cache_creation":{"x":1.5}}},"toolUseResult":{"type":"x"},"n":1e400}"#;
        // `n` is out of f64 range: serde_json's `Value` parse refuses the line, but `n` is
        // passed over here, unread (which is why `scan` must have checked the line first).
        let v = parse(std::str::from_utf8(line).unwrap(), &KEYS).unwrap();
        let want = serde_json::json!({"type":"assistant","message":{"id":"m",
            "usage":{"input_tokens":4,"cache_creation":{"x":1.5}}}});
        assert_eq!(v, want);
        assert!(within(&want, &KEYS));
    }

    #[test]
    fn the_top_level_keeps_every_key_and_empties_containers() {
        let line = br#"{"type":"x","n":-1.5,"b":true,"z":null,"results":[{"a":1}],"payload":{"a":{"b":2}},"type":"y"}"#;
        let want = serde_json::json!({"type":"y","n":-1.5,"b":true,"z":null,"results":[],"payload":{}});
        assert_eq!(top_level(line).unwrap(), want);
    }

    #[test]
    fn duplicate_keys_and_escapes_as_the_value_parse_reads_them() {
        // The last of duplicate keys wins in a `Value`; an escaped key is its unescaped name.
        let line =
            br#"{"type":"a","t\u0079pe":"b","message":[{"id":1},{"id":2.5,"x":0}],"usage":{"a":[-1]}}"#;
        let full: Value = serde_json::from_slice(line).unwrap();
        let v = parse(std::str::from_utf8(line).unwrap(), &KEYS).unwrap();
        assert_eq!(v["type"], "b");
        assert_eq!(v["message"], serde_json::json!([{"id":1},{"id":2.5}]));
        assert_eq!(v["usage"], full["usage"]);
    }
}

#[cfg(test)]
mod dialect_tests {
    use super::*;
    use crate::ingest::formats::{self, Format};
    use crate::ingest::scan::{look, Look};

    /// Every line of the Claude Code and Codex fixtures, fed to two parsers of the dialect:
    /// one given whole values, one pruned ones. Their records and rejects must be the same.
    #[test]
    fn a_pruned_line_gives_the_parser_what_the_whole_line_gives() {
        let cases = [
            (Format::ClaudeCode, include_str!("../../fixtures/formats/claude-code.jsonl")),
            (Format::Codex, include_str!("../../fixtures/formats/codex.jsonl")),
        ];
        for (format, text) in cases {
            let (mut whole, mut pruned) = (formats::parser(format), formats::parser(format));
            let keys = pruned.keys().expect("the dialect names its keys");
            let mut needles = 0;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let full: Value = serde_json::from_slice(line.as_bytes()).unwrap();
                let part = parse(line, keys).unwrap();
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let ra = whole.parse(&full, &mut a);
                let rb = pruned.parse(&part, &mut b);
                assert_eq!(format!("{ra:?} {a:?}"), format!("{rb:?} {b:?}"), "{line}");
                if matches!(look(line.as_bytes(), whole.needles()), Look::Needle(_)) {
                    needles += 1;
                }
            }
            assert!(needles > 0, "{format:?}: no line went the pruned way");
        }
    }
}
