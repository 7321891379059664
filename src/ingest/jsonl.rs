//! JSONL reader: one call object per line. Lines are parsed straight into a `RawRecord` with
//! a hand-rolled serde visitor, borrowing strings from the input and skipping unknown fields
//! without building them, which is what keeps parsing near memory speed.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use sonic_rs::LazyValue;

use super::record::{Field, RawRecord, Scalar};

/// Parses one line into `out` (cleared first). `extras` are the non-canonical fields to keep;
/// canonical fields not `wanted` are skipped without being read.
pub fn parse_line<'a>(line: &'a [u8], extras: &[String], wanted: &[bool; Field::COUNT], out: &mut RawRecord<'a>) -> Result<(), String> {
    out.clear();
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
                i64::try_from(v).map(|i| ScalarValue(Scalar::Int(i))).map_err(|_| E::custom("number too large"))
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
