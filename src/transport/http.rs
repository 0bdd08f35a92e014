//! The request and the answer as the program sees them: headers as text, the
//! body decoded, and the answer's JSON read without quoting it.

use std::time::Duration;

use serde_json::Value;

use super::call::Call;
use super::error::{BadAnswer, TransportError};
use super::json::{self, FromJson};
pub use crate::method::Method;

/// One request to an endpoint.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    /// The path under the endpoint's URL, from `/`.
    pub path: String,
    /// Headers besides `User-Agent`.
    pub headers: Vec<(String, String)>,
    /// The body of a POST.
    pub body: Option<Vec<u8>>,
}

/// A complete answer.
pub struct Response {
    pub status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub body: String,
    /// How many attempts it took.
    pub attempts: u32,
}

// Headers carry credentials (`Authorization`, `X-Vault-Token`, `X-Amz-Security-Token`)
// and bodies carry tokens, keys and signatures: Debug shows names and sizes only.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &header_names(&self.headers))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &header_names(&self.headers))
            .field("body_len", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

fn header_names(headers: &[(String, String)]) -> Vec<&str> {
    headers.iter().map(|(n, _)| n.as_str()).collect()
}

impl Response {
    /// An answer as the program got it (for readers' tests).
    pub fn new(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
                .collect(),
            body: body.to_string(),
            attempts: 1,
        }
    }

    /// Every header, as received.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as `T`; the error never quotes the body (it may hold a token).
    pub fn json<T: FromJson>(&self, call: &Call) -> Result<T, TransportError> {
        let value = self.json_value(call)?;
        json::read(&value).ok_or_else(|| TransportError::BadResponse {
            call: call.clone(),
            reason: BadAnswer::Fields(T::FIELDS),
        })
    }

    /// The body as JSON, whatever its fields.
    pub fn json_value(&self, call: &Call) -> Result<Value, TransportError> {
        serde_json::from_str(&self.body).map_err(|e| TransportError::BadResponse {
            call: call.clone(),
            reason: BadAnswer::NotJson {
                category: format!("{:?}", e.classify()),
                line: e.line(),
                column: e.column(),
            },
        })
    }

    /// `Retry-After` as a wait: seconds, or an HTTP date against the answer's `Date`.
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self.header("retry-after")?.trim();
        if let Some(secs) = seconds(v) {
            return Some(Duration::from_secs(secs));
        }
        let at = crate::time::parse_http_date(v)?;
        // Both dates lie within years 0000-9999: no overflow; a past date is no wait.
        Some(Duration::from_secs(
            u64::try_from(at - self.date()).unwrap_or(0),
        ))
    }

    /// The server's `Date`, else this machine's time.
    pub fn date(&self) -> i64 {
        self.header("date")
            .and_then(crate::time::parse_http_date)
            .unwrap_or_else(crate::time::now)
    }
}

/// A count of seconds as HTTP writes it (`1*DIGIT`: no sign, no space). One too
/// large for 64 bits reads as `u64::MAX`, a wait longer than any the program
/// accepts, so it is refused as such rather than wrapped or dropped.
pub fn seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_answers_name_a_missing_field() {
        use crate::github::App;
        let call = Call {
            purpose: None,
            method: Method::Get,
            path: "/app".into(),
        };
        let read = |body: &str| Response::new(200, &[], body).json::<App>(&call);
        let app = read(r#"{"id": 1, "slug": "a", "owner": {"login": "o"}}"#).unwrap();
        assert_eq!((app.id, app.slug.as_str()), (1, "a"));
        let e = read(r#"{"id": "1", "slug": "a"}"#).unwrap_err().to_string();
        assert!(
            e.contains("fields id, slug is missing or of the wrong type"),
            "{e}"
        );
        let e = read("{").unwrap_err().to_string();
        assert!(e.contains("not the expected JSON (Eof error"), "{e}");
    }

    #[test]
    fn debug_shows_no_credential_and_no_body() {
        let req = Request {
            method: Method::Post,
            path: "/v1/transit/sign/k".into(),
            headers: vec![
                ("Authorization".into(), "Bearer ghs_SECRETTOKEN".into()),
                ("X-Vault-Token".into(), "hvs.SECRETVAULT".into()),
            ],
            body: Some(b"{\"input\":\"SECRETBODY\"}".to_vec()),
        };
        let resp = Response::new(
            201,
            &[("Set-Cookie", "s=SECRETCOOKIE")],
            r#"{"token":"ghs_SECRETMINTED"}"#,
        );
        let shown = format!("{req:?} {resp:?} {req:#?} {resp:#?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("Authorization") && shown.contains("/v1/transit/sign/k"));
    }

    #[test]
    fn waits_are_read_strictly_and_never_wrap() {
        let after = |v: &str| Response::new(503, &[("Retry-After", v)], "").retry_after();
        assert_eq!(after("5"), Some(Duration::from_secs(5)));
        assert_eq!(
            after("9223372036854775807"),
            Some(Duration::from_secs(9_223_372_036_854_775_807))
        );
        assert_eq!(
            after("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        for bad in ["+5", "-5", "5 s", "", "0x10", "\u{664}"] {
            assert_eq!(after(bad), None, "{bad:?}");
        }
        // A date in year 99999999999999 is no date: no wait, no panic.
        assert_eq!(after("Sun, 06 Nov 99999999999999 08:49:37 GMT"), None);
    }

    #[test]
    fn retry_after_as_a_date_is_read_against_the_answers_date() {
        let r = Response::new(
            503,
            &[
                ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("Retry-After", "Sun, 06 Nov 1994 08:49:40 GMT"),
            ],
            "",
        );
        assert_eq!(r.retry_after(), Some(Duration::from_secs(3)));
    }
}
