//! Sending HTTP requests: one attempt (connect, send, read a capped answer), and
//! the request loop that repeats it as [`retry::decide`] says.
//!
//! A [`Transport`] is made once per run and owns what every request shares: the
//! run-wide network budget, the timeouts, the CA roots (bundled, `SSL_CERT_FILE`,
//! `SSL_CERT_DIR`, the `ca-certificates` input). An [`Endpoint`] is one service's
//! root URL with the proxy chosen for it (`NO_PROXY` applies per URL) and,
//! optionally, one more CA file of its own. Any service can have one: the GitHub
//! API, a key service (`https://kms.us-east-1.amazonaws.com/`, a Vault address),
//! the runner's OIDC token URL. A caller gives each [`Request`] its own headers
//! and raw body bytes, and a [`Reader`] that says how the service's answers read
//! for retrying; transient failures, 5xx and 429 are retried within the budget,
//! a redirect is followed only within the endpoint's origin (`wire`), an answer
//! that cannot be read is an error at once, every other status is returned to
//! the caller. Nothing GitHub-specific lives
//! here: GitHub's headers, rate-limit readings, clock skew and a fresh token's
//! replication lag are in `github.rs`, so requests to other hosts never get them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::error::{BadAnswer, Call, Cause, Error, Last, Shown, Who};
pub use crate::method::Method;
use crate::net::{self, ProxyChoice};
use crate::report;
use crate::report::Note;
use crate::retry::{self, Decision, Limit, Outcome};
use crate::url::ServiceUrl;
use crate::wire::{self, NotA, Target, WireError};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One request, from connect to the last byte of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// All requests of one run together, attempts and waits included.
pub const TOTAL_BUDGET: Duration = Duration::from_secs(120);
/// Answers larger than this are refused (a 500-repository token answer is a few MB).
pub const BODY_LIMIT: u64 = 16 * 1024 * 1024;

const USER_AGENT: &str = concat!("app-token-action/", env!("CARGO_PKG_VERSION"));

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
    headers: Vec<(String, String)>,
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
    pub fn json<T: FromJson>(&self, call: &Call) -> Result<T, Error> {
        let bad = |reason| Error::BadResponse {
            call: call.clone(),
            reason,
        };
        let value: Value = serde_json::from_str(&self.body).map_err(|e| {
            bad(BadAnswer::NotJson {
                category: format!("{:?}", e.classify()),
                line: e.line(),
                column: e.column(),
            })
        })?;
        T::from_json(&value).ok_or_else(|| bad(BadAnswer::Fields(T::FIELDS)))
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

/// A type read from a JSON answer. Written by hand over `serde_json::Value` (which the
/// key services' answers need anyway): a serde derive per type added its own deserializer.
pub trait FromJson: Sized {
    /// The required fields, for the message when one is missing.
    const FIELDS: &'static str;
    /// `None` when a required field is missing or of the wrong type.
    fn from_json(v: &Value) -> Option<Self>;
}

/// A string field; `None` when absent or not a string.
pub fn string(v: &Value, name: &str) -> Option<String> {
    v.get(name)?.as_str().map(str::to_string)
}

/// An object of strings (permissions), empty when absent; other values are skipped.
pub fn string_map(v: &Value, name: &str) -> std::collections::BTreeMap<String, String> {
    v.get(name)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// How one service's answers read for retrying.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// The rate limit the answer reports.
    pub limit: Option<Limit>,
    /// The wait the server asked for.
    pub asked: Option<Duration>,
    /// Remaining quota and request id, for the debug line (GitHub's).
    pub detail: Option<(String, String)>,
}

/// What a service's answers mean: who answers, how to read a status for retrying,
/// and its error text.
pub trait Reader {
    /// Who answers, for messages.
    fn who(&self) -> Who;
    /// The answer's reading.
    fn read(&self, resp: &Response) -> Reading;
    /// The service's error text in an answer.
    fn message(&self, resp: &Response) -> String;
}

/// Plain HTTP: 429 is a rate limit, `Retry-After` is the wait, 5xx are retried.
pub struct PlainHttp {
    /// The service's host, for messages.
    pub host: String,
}

impl Reader for PlainHttp {
    fn who(&self) -> Who {
        Who::Host(self.host.clone())
    }

    fn read(&self, resp: &Response) -> Reading {
        Reading {
            limit: (resp.status == 429).then_some(Limit::TooManyRequests),
            asked: resp.retry_after(),
            detail: None,
        }
    }

    fn message(&self, resp: &Response) -> String {
        format!("HTTP {}", resp.status)
    }
}

/// The connection settings of a run.
pub struct Transport {
    roots: Arc<Vec<Certificate<'static>>>,
    /// When the run's network budget ends: one bound for all requests of a run.
    deadline: Instant,
}

impl Transport {
    /// The run's transport: its budget starts now; `ca_pem` joins the CA roots.
    pub fn new(ca_pem: Option<&str>) -> Result<Transport, Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(Transport {
            roots: Arc::new(net::roots(ca_pem)?),
            deadline: Instant::now() + TOTAL_BUDGET,
        })
    }

    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// An endpoint for the service at `base`, trusting `extra_ca` (PEM) too.
    pub fn endpoint(
        &self,
        base: &ServiceUrl,
        extra_ca: Option<&str>,
    ) -> Result<Endpoint<'_>, Error> {
        let proxy = net::proxy_for(base)?;
        let roots = match extra_ca {
            Some(pem) => {
                let mut all = (*self.roots).clone();
                all.extend(net::pem_certificates(pem)?);
                Arc::new(all)
            }
            None => Arc::clone(&self.roots),
        };
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::Specific(roots))
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .tls_config(tls)
            .proxy(proxy.as_ref().map(|p| p.proxy.clone()))
            // Redirects are ours to follow (`Endpoint::send`): within the origin only.
            .max_redirects(0)
            .build()
            .new_agent();
        Ok(Endpoint {
            transport: self,
            agent,
            base: base.clone(),
            proxy,
        })
    }
}

/// One service's root, reached through the run's transport.
pub struct Endpoint<'t> {
    transport: &'t Transport,
    agent: ureq::Agent,
    base: ServiceUrl,
    proxy: Option<ProxyChoice>,
}

impl Endpoint<'_> {
    /// Sends `req`, retrying as [`retry::decide`] says with `reader`'s readings
    /// and following redirects within the endpoint's origin ([`wire::resolve`]).
    /// Returns the final answer whatever its status; fails when no usable answer
    /// came, or an answer cannot be read, or a redirect leaves the origin.
    pub fn send(&self, req: &Request, reader: &dyn Reader) -> Result<Response, Error> {
        let started = Instant::now();
        let (mut attempt, mut redirects) = (1, 0);
        let mut url = self.base.join(&req.path);
        loop {
            let left = self.transport.left();
            if !retry::can_start(left) {
                let last = Last::BudgetSpent {
                    secs: TOTAL_BUDGET.as_secs(),
                };
                return Err(self.exhausted(req, started, attempt - 1, last));
            }
            let timeout = REQUEST_TIMEOUT.min(left);
            let (result, outcome, last) = self.attempt(req, &url, timeout, reader);
            if let Ok(resp) = &result
                && wire::is_redirect(resp.status)
            {
                match self.redirect(req, resp, &url, reader, redirects)? {
                    Some(next) => {
                        (url, redirects) = (next, redirects + 1);
                        continue;
                    }
                    None => return self.finish(req, result, attempt, reader),
                }
            }
            match retry::decide(outcome, attempt, self.transport.left(), jitter()) {
                Decision::Done | Decision::Fail => {
                    return self.finish(req, result, attempt, reader);
                }
                Decision::WaitTooLong(wait) => {
                    let message = match result {
                        Ok(r) => reader.message(&r),
                        Err(f) => f.to_string(),
                    };
                    return Err(rate_limited(self.call(req), reader.who(), message, wait));
                }
                Decision::OutOfBudget => return Err(self.exhausted(req, started, attempt, last)),
                Decision::Retry { wait, asked } => {
                    report::note(&Note::Retry {
                        last,
                        call: self.call(req),
                        wait,
                        next: attempt + 1,
                        asked: asked.then(|| reader.who()),
                    });
                    std::thread::sleep(wait);
                    attempt += 1;
                }
            }
        }
    }

    /// Where a redirect answer leads: `Some(url)` to follow within the origin,
    /// `None` to hand the answer to the caller (a DELETE is never repeated
    /// elsewhere: only the resource named may answer it). Another origin, a
    /// bad `Location` or a loop is an error, never retried.
    fn redirect(
        &self,
        req: &Request,
        resp: &Response,
        url: &str,
        reader: &dyn Reader,
        redirects: u32,
    ) -> Result<Option<String>, Error> {
        let (call, who) = (self.call(req), reader.who());
        let location = resp.header("location").unwrap_or_default();
        let target =
            wire::resolve(&self.base, url, location).map_err(|what| WireError::Malformed {
                call: call.clone(),
                who: who.clone(),
                what,
            })?;
        let next = match target {
            Target::Other(to) => {
                return Err(WireError::OffOrigin {
                    call,
                    who,
                    status: resp.status,
                    to: Shown::url(&to),
                }
                .into());
            }
            Target::Same(_) if req.method == Method::Delete => return Ok(None),
            Target::Same(next) => next,
        };
        if redirects >= wire::MAX_REDIRECTS {
            return Err(WireError::TooManyRedirects { call, who }.into());
        }
        Ok(Some(next))
    }

    fn call(&self, req: &Request) -> Call {
        Call {
            purpose: None,
            method: req.method,
            path: req.path.clone(),
        }
    }

    /// One attempt at `url`, its reading for the retry decision, and a debug line.
    fn attempt(
        &self,
        req: &Request,
        url: &str,
        timeout: Duration,
        reader: &dyn Reader,
    ) -> (Result<Response, Failure>, Outcome, Last) {
        let started = Instant::now();
        let result = self.once(req, url, timeout);
        let (outcome, last, detail) = match &result {
            Ok(resp) => {
                let reading = reader.read(resp);
                let outcome = Outcome::Answer {
                    status: resp.status,
                    limit: reading.limit,
                    asked: reading.asked,
                };
                let last = Last::Answer {
                    who: reader.who(),
                    status: resp.status,
                    limit: reading.limit,
                };
                (outcome, last, reading.detail)
            }
            Err(failure) => (
                Outcome::Failed {
                    transient: failure.transient(),
                },
                Last::Failed(failure.cause()),
                None,
            ),
        };
        // The path as the caller named it, or where a redirect led on the origin.
        let path = match url.strip_prefix(self.base.as_str()) {
            Some(rest) if rest == req.path => &req.path,
            _ => url.get(self.base.origin().len()..).unwrap_or(&req.path),
        };
        report::note(&Note::Attempt {
            method: req.method,
            path: path.to_string(),
            result: match &result {
                Ok(r) => Ok(r.status),
                Err(Failure::Unreadable { status, .. }) => Ok(*status),
                Err(f) => Err(f.cause()),
            },
            elapsed: started.elapsed(),
            github: detail,
        });
        (result, outcome, last)
    }

    /// Sends once to `url` and reads the answer up to [`BODY_LIMIT`], as text
    /// ([`wire::text`]).
    fn once(&self, req: &Request, url: &str, timeout: Duration) -> Result<Response, Failure> {
        let mut builder = ureq::http::Request::builder()
            .method(req.method.to_string().as_str())
            .uri(url);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value);
        }
        // The error names the bad header's value in some versions: never quoted.
        let built = |_: ureq::http::Error| Failure::Unsendable;
        let mut resp = match &req.body {
            Some(body) => self.run(builder.body(body.as_slice()).map_err(built)?, timeout),
            None => self.run(builder.body(()).map_err(built)?, timeout),
        }
        .map_err(|e| Failure::Net(cause(e)))?;
        let status = resp.status().as_u16();
        // A header value that is not visible ASCII reads as empty, never as bytes.
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| Failure::Net(cause(e)))?;
        let coding = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-encoding"))
            .map(|(_, v)| v.as_str());
        let body =
            wire::text(coding, bytes).map_err(|what| Failure::Unreadable { status, what })?;
        Ok(Response {
            status,
            headers,
            body,
            attempts: 1,
        })
    }

    /// Runs `request` within `timeout` (a body or none: two types to ureq).
    fn run<S: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<S>,
        timeout: Duration,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let config = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout));
        self.agent.run(config.build())
    }

    fn finish(
        &self,
        req: &Request,
        result: Result<Response, Failure>,
        attempt: u32,
        reader: &dyn Reader,
    ) -> Result<Response, Error> {
        let cause = match result {
            Ok(mut resp) => {
                resp.attempts = attempt;
                return Ok(resp);
            }
            Err(Failure::Unreadable { what, .. }) => {
                let (call, who) = (self.call(req), reader.who());
                return Err(WireError::Malformed { call, who, what }.into());
            }
            Err(Failure::Unsendable) => {
                return Err(WireError::Unsendable {
                    call: self.call(req),
                }
                .into());
            }
            Err(Failure::Net(cause)) => cause,
        };
        let (call, host, proxy) = (
            self.call(req),
            self.base.authority().to_string(),
            self.shown_proxy(),
        );
        Err(match cause {
            Cause::Tls(reason) => Error::Tls {
                call,
                host,
                proxy,
                reason,
            },
            Cause::TooLarge(n) => Error::BadResponse {
                call,
                reason: BadAnswer::TooLarge(n),
            },
            cause => Error::Network {
                call,
                host,
                proxy,
                attempts: if transient(&cause) { attempt } else { 1 },
                cause,
            },
        })
    }

    fn shown_proxy(&self) -> Option<String> {
        self.proxy.as_ref().map(|p| p.shown.clone())
    }

    fn exhausted(&self, req: &Request, started: Instant, attempts: u32, last: Last) -> Error {
        Error::Exhausted {
            call: self.call(req),
            elapsed_secs: started.elapsed().as_secs(),
            attempts,
            last,
        }
    }
}

/// Why one attempt gave no answer a reader may see.
#[derive(Debug, Clone)]
enum Failure {
    /// The network or the HTTP exchange failed.
    Net(Cause),
    /// An answer came, but it is not text the program reads.
    Unreadable { status: u16, what: NotA },
    /// The request could not be built (a header value HTTP does not allow).
    Unsendable,
}

impl Failure {
    /// Whether another attempt could get a different result: only the network's
    /// hiccups. An answer that cannot be read, or a request that cannot be built,
    /// would be the same again.
    fn transient(&self) -> bool {
        match self {
            Failure::Net(cause) => transient(cause),
            Failure::Unreadable { .. } | Failure::Unsendable => false,
        }
    }

    /// As the retry and debug lines word it.
    fn cause(&self) -> Cause {
        match self {
            Failure::Net(cause) => cause.clone(),
            Failure::Unreadable { what, .. } => Cause::Other(format!("the answer is not {what}")),
            Failure::Unsendable => Cause::Other("the request could not be built".into()),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cause().fmt(f)
    }
}

/// Network failures another attempt may cure. Not: TLS (a certificate does not
/// change), the size cap, proxy credentials, an answer that is not HTTP, or
/// anything else the client reports about the request itself.
fn transient(cause: &Cause) -> bool {
    matches!(
        cause,
        Cause::Timeout
            | Cause::HostNotFound
            | Cause::ConnectionFailed
            | Cause::Refused
            | Cause::Reset
            | Cause::ClosedEarly
            | Cause::Io(_)
            | Cause::ProxyRefused(_)
    )
}

fn rate_limited(call: Call, who: Who, message: String, wait: Duration) -> Error {
    Error::RateLimited {
        call,
        who,
        message,
        // Checked: a server may ask for u64::MAX seconds.
        retry_at: i64::try_from(wait.as_secs())
            .ok()
            .and_then(|w| crate::time::now().checked_add(w))
            .and_then(crate::time::format_iso8601),
        wait_secs: wait.as_secs(),
    }
}

/// A random fraction in `[0, 1)`, to spread retries.
fn jitter() -> f64 {
    let mut b = [0u8; 4];
    let _ = SystemRandom::new().fill(&mut b);
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

/// Describes a ureq error without quoting anything the server sent.
fn cause(e: ureq::Error) -> Cause {
    use ureq::Error as E;
    match e {
        E::Timeout(_) => Cause::Timeout,
        E::HostNotFound => Cause::HostNotFound,
        E::ConnectionFailed => Cause::ConnectionFailed,
        E::BodyExceedsLimit(n) => Cause::TooLarge(n),
        E::Tls(msg) => Cause::Tls(msg.to_string()),
        E::Rustls(e) => Cause::Tls(e.to_string()),
        E::ConnectProxyFailed(msg) if msg.starts_with("proxy server responded 407") => {
            Cause::ProxyAuth
        }
        E::ConnectProxyFailed(msg) => Cause::ProxyRefused(msg),
        E::Io(io) => {
            // rustls reports certificate problems as InvalidData I/O errors.
            if let Some(e) = io.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
                return Cause::Tls(e.to_string());
            }
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => Cause::Refused,
                K::ConnectionReset | K::ConnectionAborted => Cause::Reset,
                K::UnexpectedEof => Cause::ClosedEarly,
                K::TimedOut | K::WouldBlock => Cause::Timeout,
                _ => Cause::Io(io.to_string()),
            }
        }
        E::Protocol(p) => Cause::Protocol(p.to_string()),
        other => Cause::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_reads_429_and_retry_after_only() {
        let plain = PlainHttp {
            host: "kms.example.com".into(),
        };
        let r = plain.read(&Response::new(429, &[("Retry-After", "3")], ""));
        assert_eq!(r.limit, Some(Limit::TooManyRequests));
        assert_eq!(r.asked, Some(Duration::from_secs(3)));
        // GitHub's headers mean nothing to another service.
        let r = plain.read(&Response::new(
            403,
            &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        ));
        assert_eq!(r, Reading::default());
        assert_eq!(plain.who(), Who::Host("kms.example.com".into()));
    }

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
    fn a_request_that_cannot_be_built_is_not_retried() {
        let transport = Transport::new(None).unwrap();
        // Nothing listens there: a retry would show as a network error after 4 attempts.
        let base = ServiceUrl::parse("http://127.0.0.1:9").unwrap();
        let endpoint = transport.endpoint(&base, None).unwrap();
        let req = Request {
            method: Method::Get,
            path: "/app".into(),
            headers: vec![("Authorization".into(), "Bearer ghs_a\u{1b}b\nc".into())],
            body: None,
        };
        let started = Instant::now();
        let plain = PlainHttp { host: "h".into() };
        let e = endpoint.send(&req, &plain).unwrap_err();
        assert!(
            matches!(e, Error::Wire(WireError::Unsendable { .. })),
            "{e:?}"
        );
        assert!(started.elapsed() < Duration::from_millis(500));
        assert!(!e.to_string().contains("ghs_"), "{e}");
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
        let e = rate_limited(
            Call {
                purpose: None,
                method: Method::Get,
                path: "/app".into(),
            },
            Who::GitHub,
            "slow down".into(),
            Duration::from_secs(u64::MAX),
        )
        .to_string();
        assert!(e.contains("18446744073709551615 s, past year 9999"), "{e}");
        assert!(!e.contains("-0") && !e.contains("Retry after -"), "{e}");
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
