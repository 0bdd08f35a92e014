//! Answers read as typed serde structs (`#[derive(Deserialize)]`), with the
//! rules GitHub's answers are read by: the answer is first parsed whole (a
//! syntax error is reported as such, wherever it is), then read as the type.
//! Unknown fields are ignored; a required field missing or of the wrong type
//! refuses the answer; an optional field of the wrong type reads as absent
//! (those fields are shown, never acted on).

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A type read from a JSON answer.
pub trait FromJson: DeserializeOwned {
    /// The required fields, for the message when one is missing.
    const FIELDS: &'static str;
    /// Whether the answer is a list (a JSON array) rather than an object.
    const LIST: bool = false;
}

/// `value` as `T`, or `None` when a required field is missing or of the wrong
/// type. An object is not read from an array (serde would take one by position).
pub fn read<T: FromJson>(value: &Value) -> Option<T> {
    let shaped = if T::LIST {
        value.is_array()
    } else {
        value.is_object()
    };
    shaped.then(|| T::deserialize(value).ok()).flatten()
}

/// An optional string: `None` when absent, null or not a string.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// An optional object whose own fields are optional: the default when absent or
/// not an object.
pub fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let v = Value::deserialize(d)?;
    Ok(match v {
        Value::Object(_) => T::deserialize(v).unwrap_or_default(),
        _ => T::default(),
    })
}

/// An object of strings (permissions): empty when absent or not an object;
/// values that are not strings are skipped.
pub fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// A list of objects, each read as `T`: empty when null; anything else, or an
/// element that is not such an object, refuses the answer.
pub fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let refused = || D::Error::custom("not a list of objects");
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Object(_) => T::deserialize(v).map_err(|_| refused()),
                _ => Err(refused()),
            })
            .collect(),
        _ => Err(refused()),
    }
}
