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
