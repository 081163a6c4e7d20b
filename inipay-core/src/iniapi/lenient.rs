//! Tolerant serde deserializers for INIAPI JSON replies (PROTOCOL.md 4.1, 7.4,
//! 7.7): values may come as strings or numbers, may be `null`, empty or
//! missing, and new fields may appear. None of this may fail or panic.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string, number or boolean as text; `null`, `""`, a missing field, an
/// object or an array as `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// An amount field as it came: text, a JSON integer, or anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WireAmount {
    /// A JSON string, exactly as sent (not trimmed): it must follow the wire
    /// rule of [`Amount::parse`](crate::types::Amount::parse).
    Text(String),
    /// A JSON number that is a non-negative integer fitting `u64`.
    Won(u64),
    /// A negative or fractional number (`-1`, `1.5`, `1e3`), a boolean, an
    /// object or an array: not an amount.
    NotAnAmount,
}

/// An amount field (PROTOCOL.md 0, 7.4): a string or a number; `null`, `""`
/// or a missing field as `None`. Unlike [`opt_string`] nothing is trimmed
/// and a blank string is kept, so that the amount rule decides.
pub(crate) fn opt_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<WireAmount>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(WireAmount::Text(s)),
        Some(Value::Number(n)) => Some(n.as_u64().map_or(WireAmount::NotAnAmount, WireAmount::Won)),
        Some(_) => Some(WireAmount::NotAnAmount),
    })
}

/// A nested object read as `T` when it has that shape; anything else
/// (`null`, a string, a malformed object) as `None`.
pub(crate) fn opt_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(v @ Value::Object(_)) => serde_json::from_value(v).ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(default, deserialize_with = "opt_string")]
        a: Option<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct A {
        #[serde(default, deserialize_with = "opt_amount")]
        a: Option<WireAmount>,
    }

    #[test]
    fn amount_shapes() {
        let p = |s: &str| serde_json::from_str::<A>(s).unwrap().a;
        assert_eq!(p(r#"{"a":"1000"}"#), Some(WireAmount::Text("1000".into())));
        assert_eq!(
            p(r#"{"a":" 1000"}"#),
            Some(WireAmount::Text(" 1000".into()))
        );
        assert_eq!(p(r#"{"a":1000}"#), Some(WireAmount::Won(1000)));
        assert_eq!(p(r#"{"a":0}"#), Some(WireAmount::Won(0)));
        for not in ["-1", "1.5", "1e3", "1000.0", "true", "[1]", r#"{"b":1}"#] {
            assert_eq!(
                p(&format!(r#"{{"a":{not}}}"#)),
                Some(WireAmount::NotAnAmount),
                "{not}"
            );
        }
        assert_eq!(p(r#"{"a":null}"#), None);
        assert_eq!(p(r#"{"a":""}"#), None);
        assert_eq!(p(r#"{}"#), None);
    }

    #[test]
    fn every_json_shape() {
        let p = |s: &str| serde_json::from_str::<T>(s).unwrap().a;
        assert_eq!(p(r#"{"a":"1000"}"#), Some("1000".into()));
        assert_eq!(p(r#"{"a":1000}"#), Some("1000".into()));
        assert_eq!(p(r#"{"a":true}"#), Some("true".into()));
        assert_eq!(p(r#"{"a":null}"#), None);
        assert_eq!(p(r#"{"a":""}"#), None);
        assert_eq!(p(r#"{"a":[1]}"#), None);
        assert_eq!(p(r#"{"a":{"b":1}}"#), None);
        assert_eq!(p(r#"{}"#), None);
        assert_eq!(p(r#"{"b":1}"#), None);
    }
}
