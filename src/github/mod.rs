//! Everything particular to GitHub's REST API, in one place: its headers, how
//! its answers read for retrying (rate-limit headers, the secondary limit), its
//! clock (skew correction from `Date`), a fresh token's replication lag, and its
//! error messages mapped to the program's; plus the small calls around the token.

use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;
use crate::jwt::AppJwt;
use crate::report;
use crate::report::Note;
use crate::retry::{Limit, MAX_WAIT};
use crate::time::GithubClock;
use crate::transport::json;
use crate::transport::{
    self, Call, Endpoint, FromJson, Method, Purpose, Reader, Reading, Request, Response, Transport,
    Who,
};
use crate::url::ServiceUrl;

pub mod error;
pub use error::GithubError;

const API_VERSION: &str = "2022-11-28";
/// The wait before retrying a just-minted token's 401/403/404.
const FRESH_TOKEN_WAIT: Duration = Duration::from_millis(1000);

/// GitHub's 401 texts for a JWT, as documented.
const DECODE_FAILED: &str = "A JSON web token could not be decoded";
const NO_PUBLIC_KEY: &str = "Integration must generate a public key";
const CLAIM_IAT: &str = "'Issued at' claim";
const CLAIM_EXP: &str = "'Expiration time' claim";

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// The app's JWT, signed on GitHub's clock.
    App(&'a AppJwt<'a, Error>),
    /// An installation token; `fresh` when minted moments ago (replication may lag).
    Token {
        token: &'a str,
        /// Minted moments ago.
        fresh: bool,
    },
}

/// The REST API at one root, with GitHub's clock.
pub struct GitHub<'t> {
    endpoint: Endpoint<'t>,
    clock: GithubClock,
}

impl<'t> GitHub<'t> {
    /// The API at `api`, its clock corrected by `clock`'s offset.
    pub fn new(
        transport: &'t Transport,
        api: &ServiceUrl,
        clock: GithubClock,
    ) -> Result<GitHub<'t>, Error> {
        Ok(GitHub {
            endpoint: transport.endpoint(api, None)?,
            clock,
        })
    }

    /// "Now" by GitHub's clock, as this run measured it.
    pub fn clock(&self) -> &GithubClock {
        &self.clock
    }

    /// Sends a request for `purpose` with `extra` headers, retried as GitHub
    /// advises; corrects the clock once on a skew refusal and waits once for a
    /// fresh token.
    pub fn send(
        &self,
        purpose: Purpose,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&serde_json::Value>,
        extra: &[(&'static str, &'static str)],
    ) -> Result<(Response, Call), Error> {
        let call = Call {
            purpose: Some(purpose),
            method,
            path: path.to_string(),
        };
        let (mut skew_fixed, mut lag_waited) = (false, false);
        loop {
            let mut request = self.request(method, path, auth, body)?;
            request
                .headers
                .extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
            let resp = self.endpoint.send(&request, &Readings)?;
            if let (Auth::App(_), false, Some(date)) = (auth, skew_fixed, refused_times(&resp)) {
                skew_fixed = true;
                let before = self.clock.offset();
                self.clock.set_from(date);
                report::note(&Note::SkewCorrected {
                    skew: self.clock.offset() - before,
                });
                continue;
            }
            if let (Auth::Token { fresh: true, .. }, false, 401 | 403 | 404) =
                (auth, lag_waited, resp.status)
            {
                lag_waited = true;
                report::note(&Note::FreshTokenRetry {
                    status: resp.status,
                    call: Call {
                        purpose: None,
                        ..call.clone()
                    },
                    wait: FRESH_TOKEN_WAIT,
                });
                std::thread::sleep(FRESH_TOKEN_WAIT);
                continue;
            }
            return Ok((resp, call));
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&serde_json::Value>,
    ) -> Result<Request, Error> {
        let authorization = match auth {
            Auth::App(jwt) => format!("Bearer {}", jwt.sign(&self.clock)?),
            // GitHub documents `Bearer` for installation tokens of either format.
            Auth::Token { token, .. } => format!("Bearer {token}"),
        };
        let mut headers = vec![
            (
                "Accept".to_string(),
                "application/vnd.github+json".to_string(),
            ),
            ("X-GitHub-Api-Version".to_string(), API_VERSION.to_string()),
            ("Authorization".to_string(), authorization),
        ];
        let body = (method == Method::Post).then(|| {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
            body.map_or_else(|| b"{}".to_vec(), |b| b.to_string().into_bytes())
        });
        Ok(Request {
            method,
            path: path.to_string(),
            headers,
            body,
        })
    }
}

/// How GitHub's answers read: its rate-limit headers and messages.
pub(crate) struct Readings;

impl Reader for Readings {
    fn who(&self) -> Who {
        Who::GitHub
    }

    fn read(&self, resp: &Response) -> Reading {
        let primary = resp.header("x-ratelimit-remaining").map(str::trim) == Some("0");
        let secondary = message(resp)
            .to_ascii_lowercase()
            .contains("secondary rate limit");
        let limit = match resp.status {
            403 | 429 if secondary => Some(Limit::Secondary),
            403 | 429 if primary => Some(Limit::Primary),
            429 => Some(Limit::TooManyRequests),
            _ => None,
        };
        let asked = match limit {
            // GitHub: without Retry-After, wait at least a minute. That is our
            // cap too, so wait exactly it: anything more would count as a wait
            // over the cap and fail at once instead of retrying.
            Some(l) => resp.retry_after().or_else(|| match l {
                Limit::Primary => until_reset(resp),
                Limit::Secondary => Some(MAX_WAIT),
                Limit::TooManyRequests => None,
            }),
            None if resp.status >= 500 => resp.retry_after(),
            None => None,
        };
        let detail = |name| resp.header(name).unwrap_or("-").to_string();
        Reading {
            limit,
            asked,
            detail: Some((
                detail("x-ratelimit-remaining"),
                detail("x-github-request-id"),
            )),
        }
    }

    fn message(&self, resp: &Response) -> String {
        message(resp)
    }
}

/// One second past `x-ratelimit-reset`, measured on GitHub's clock (its `Date`).
fn until_reset(resp: &Response) -> Option<Duration> {
    let reset = transport::seconds(resp.header("x-ratelimit-reset")?.trim())?;
    // A reset already past is no wait; one past u64 is refused as too long a wait.
    let now = u64::try_from(resp.date()).unwrap_or(0);
    Some(Duration::from_secs(
        reset.saturating_sub(now).saturating_add(1),
    ))
}

/// GitHub's `Date` when it refused a JWT for its times.
fn refused_times(resp: &Response) -> Option<i64> {
    let msg = message(resp);
    if resp.status != 401 || !(msg.contains(CLAIM_IAT) || msg.contains(CLAIM_EXP)) {
        return None;
    }
    crate::time::parse_http_date(resp.header("date")?)
}

/// GitHub's `message` field, or the status.
pub fn message(resp: &Response) -> String {
    serde_json::from_str::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| json::read::<ErrorBody>(&v)?.message)
        .unwrap_or_else(|| format!("HTTP {}", resp.status))
}

/// Percent-encodes one path segment (names are ASCII; anything else is escaped).
pub fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Maps an unexpected answer to the most specific error.
pub fn api_error(resp: &Response, call: Call) -> GithubError {
    let message = message(resp);
    match resp.status {
        401 if message.contains(DECODE_FAILED) => GithubError::KeyMismatch,
        401 if message.contains(NO_PUBLIC_KEY) => GithubError::NoPublicKey,
        401 if message.contains(CLAIM_IAT) || message.contains(CLAIM_EXP) => {
            GithubError::ClockSkew { message }
        }
        401 => GithubError::Unauthorized { call, message },
        status => GithubError::Api {
            call,
            status,
            message,
            attempts: resp.attempts,
        },
    }
}

/// The app, as `GET /app` describes it.
#[derive(Debug, Deserialize)]
pub struct App {
    /// Numeric id.
    pub id: u64,
    /// URL name.
    pub slug: String,
}

impl FromJson for App {
    const FIELDS: &'static str = "id, slug";
}

/// `GET /app`: proves the id and key belong together.
pub fn app(github: &GitHub, jwt: &AppJwt<Error>) -> Result<App, Error> {
    let (resp, call) = github.send(
        Purpose::AppCheck,
        Method::Get,
        "/app",
        Auth::App(jwt),
        None,
        &[],
    )?;
    match resp.status {
        200 => Ok(resp.json(&call)?),
        _ => Err(api_error(&resp, call).into()),
    }
}

#[derive(Deserialize)]
struct User {
    id: u64,
}

impl FromJson for User {
    const FIELDS: &'static str = "id";
}

/// An error answer: GitHub's `message`, when it is a string.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "json::lenient_string")]
    message: Option<String>,
}

impl FromJson for ErrorBody {
    const FIELDS: &'static str = "message";
}

/// The bot user's id: `GET /users/<slug>[bot]`, with the fresh token.
pub fn bot_user_id(github: &GitHub, token: &str, slug: &str) -> Result<u64, Error> {
    let path = format!("/users/{}%5Bbot%5D", path_segment(slug));
    let auth = Auth::Token { token, fresh: true };
    let (resp, call) = github.send(Purpose::BotLookup, Method::Get, &path, auth, None, &[])?;
    match resp.status {
        200 => Ok(resp.json::<User>(&call)?.id),
        _ => Err(api_error(&resp, call).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped() {
        assert_eq!(path_segment("repo-a.b_c"), "repo-a.b_c");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    fn read(status: u16, headers: &[(&str, &str)], body: &str) -> Reading {
        Readings.read(&Response::new(status, headers, body))
    }

    #[test]
    fn rate_limits_read_as_github_documents_them() {
        let r = read(429, &[("Retry-After", "7")], "");
        assert_eq!(
            (r.limit, r.asked),
            (Some(Limit::TooManyRequests), Some(Duration::from_secs(7)))
        );
        let reset = (crate::time::now() + 20).to_string();
        let r = read(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
            "",
        );
        assert_eq!(r.limit, Some(Limit::Primary));
        assert!((19..=22).contains(&r.asked.unwrap().as_secs()));
        let r = read(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        );
        assert_eq!((r.limit, r.asked), (Some(Limit::Secondary), Some(MAX_WAIT)));
        let r = read(503, &[("Retry-After", "3")], "");
        assert_eq!((r.limit, r.asked), (None, Some(Duration::from_secs(3))));
        for s in [400, 401, 403, 404, 422] {
            assert_eq!(read(s, &[], "{}").limit, None, "{s}");
        }
        let r = read(200, &[("x-github-request-id", "ID")], "");
        assert_eq!(r.detail, Some(("-".into(), "ID".into())));
    }

    #[test]
    fn the_reset_is_measured_on_githubs_clock() {
        let r = read(
            403,
            &[
                ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "784111787"),
            ],
            "",
        );
        assert_eq!(r.asked, Some(Duration::from_secs(11)));
    }

    #[test]
    fn skew_is_read_from_date() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let r = Response::new(
            401,
            &[("Date", date)],
            r#"{"message":"'Expiration time' claim ('exp') is too far in the future"}"#,
        );
        assert_eq!(refused_times(&r), Some(784_111_777));
        let r = Response::new(401, &[("Date", date)], r#"{"message":"Bad credentials"}"#);
        assert_eq!(refused_times(&r), None);
    }
}
