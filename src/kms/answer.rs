//! How the login and token answers (Vault, Google STS and IAM Credentials, Entra ID, the
//! runner's OIDC token, AWS's JSON errors) are read as typed structs: the body is parsed
//! whole first (a syntax error refuses it as "a JSON body", wherever it is; a repeated
//! key keeps its last value), then read as the struct with every field lenient. A field
//! that is absent, `null` or of another type is no value, and an object that is not a
//! JSON object has every field absent, so the check that needs the field refuses the
//! answer by name, as it did when the answers were walked as `serde_json::Value`.
//! Unknown fields are ignored.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{KmsError, Service, ServiceResponse};

/// A field's value when it has type `T`; absent, `null` or any other type is `None`.
/// For an object use [`Object`]: a struct read here would also be taken from an array,
/// by position.
pub(crate) struct Field<T>(pub Option<T>);

impl<T> Default for Field<T> {
    fn default() -> Self {
        Field(None)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Field(T::deserialize(Value::deserialize(d)?).ok()))
    }
}

impl<T> Field<T> {
    /// The value, if there is one of type `T`.
    pub(crate) fn get(self) -> Option<T> {
        self.0
    }
}

/// An object read as `T` (whose fields are themselves lenient); anything that is not a
/// JSON object reads as `T::default()`, every field absent.
#[derive(Default)]
pub(crate) struct Object<T>(pub T);

impl<'de, T: DeserializeOwned + Default> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Object(object(Value::deserialize(d)?)))
    }
}

/// `value` read as `T` if it is an object, else `T::default()`.
fn object<T: DeserializeOwned + Default>(value: Value) -> T {
    match value {
        Value::Object(_) => T::deserialize(value).unwrap_or_default(),
        _ => T::default(),
    }
}

/// `json` read as `T`; `None` only when it is not JSON.
pub(crate) fn parse<T: DeserializeOwned + Default>(json: &[u8]) -> Option<T> {
    serde_json::from_slice(json).ok().map(object)
}

/// The body of `resp` read as `T`: refused as "a JSON body" only when it is not JSON.
pub(crate) fn read<T: DeserializeOwned + Default>(
    resp: &ServiceResponse,
    service: Service,
) -> Result<T, KmsError> {
    parse(&resp.body).ok_or(KmsError::BadResponse {
        service,
        what: "a JSON body",
    })
}

/// The body of an error answer read as `T`: every field absent when it is not JSON.
pub(crate) fn read_error<T: DeserializeOwned + Default>(resp: &ServiceResponse) -> T {
    parse(&resp.body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Outer {
        text: Field<String>,
        number: Field<u64>,
        flag: Field<bool>,
        list: Field<Vec<Field<u64>>>,
        inner: Object<Inner>,
        by_key: Field<BTreeMap<String, Object<Inner>>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Inner {
        name: Field<String>,
    }

    fn parse(body: &str) -> Result<Outer, KmsError> {
        let resp = ServiceResponse {
            status: 200,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        };
        read(&resp, Service::Vault)
    }

    #[test]
    fn fields_of_the_type_are_read() {
        let o = parse(
            r#"{"text":"t","number":7,"flag":false,"list":[1,"x",2],"inner":{"name":"n"},
                "by_key":{"1":{"name":"a"},"2":[],"3":null},"unknown":[1]}"#,
        )
        .unwrap();
        assert_eq!(o.text.get().as_deref(), Some("t"));
        assert_eq!(o.number.get(), Some(7));
        assert_eq!(o.flag.get(), Some(false));
        let list: Vec<Option<u64>> = o.list.get().unwrap().into_iter().map(Field::get).collect();
        assert_eq!(list, [Some(1), None, Some(2)]);
        assert_eq!(o.inner.0.name.get().as_deref(), Some("n"));
        let by_key = o.by_key.get().unwrap();
        assert_eq!(by_key["1"].0.name.0.as_deref(), Some("a"));
        assert!(by_key["2"].0.name.0.is_none() && by_key["3"].0.name.0.is_none());
    }

    #[test]
    fn odd_fields_are_absent() {
        let o =
            parse(r#"{"text":5,"number":-1,"flag":"false","list":{},"inner":["n"],"by_key":[]}"#)
                .unwrap();
        assert!(o.text.get().is_none());
        assert!(o.number.get().is_none());
        assert!(o.flag.get().is_none());
        assert!(o.list.get().is_none());
        assert!(o.inner.0.name.get().is_none(), "not taken by position");
        assert!(o.by_key.get().is_none());
        let o = parse(r#"{"text":null,"number":1.0,"flag":null,"inner":null}"#).unwrap();
        assert!(o.text.get().is_none() && o.number.get().is_none() && o.flag.get().is_none());
        // A repeated key keeps its last value, as serde_json::Value does.
        let o = parse(r#"{"text":"a","text":"b"}"#).unwrap();
        assert_eq!(o.text.get().as_deref(), Some("b"));
    }

    #[test]
    fn only_a_body_that_is_not_json_is_refused() {
        for body in [r#"["t"]"#, r#""t""#, "7", "null", "{}"] {
            let o = parse(body).unwrap();
            assert!(o.text.get().is_none(), "{body}");
        }
        for body in ["", "{", r#"{"text":"t"} x"#, "<xml/>"] {
            assert_eq!(
                parse(body).err(),
                Some(KmsError::BadResponse {
                    service: Service::Vault,
                    what: "a JSON body"
                }),
                "{body}"
            );
        }
        let o: Outer = read_error(&ServiceResponse::default());
        assert!(o.text.get().is_none());
    }
}
