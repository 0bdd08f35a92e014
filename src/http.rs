//! Talking to the REST API: GitHub's headers, bounded timeouts, a size cap on
//! answers, and GitHub's retry guidance (transient failures, rate limits,
//! clock skew, a freshly minted token's replication lag).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};
use serde::de::DeserializeOwned;
use ureq::tls::{RootCerts, TlsConfig};

use crate::error::Error;
use crate::jwt::AppJwt;
use crate::net::{self, ProxyChoice};
use crate::report;

/// Attempts per request, first one included.
pub const MAX_ATTEMPTS: u32 = 4;
/// Connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One request, from connect to the last byte of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// All requests of one run together (one client), attempts and waits included.
pub const TOTAL_BUDGET: Duration = Duration::from_secs(120);
/// The longest wait the program accepts from `Retry-After` or a rate-limit reset.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Answers larger than this are refused (a 500-repository token answer is a few MB).
pub const BODY_LIMIT: u64 = 16 * 1024 * 1024;
/// The wait before retrying a just-minted token's 401/403/404.
const FRESH_TOKEN_WAIT: Duration = Duration::from_millis(1000);

const USER_AGENT: &str = concat!("app-token-action/", env!("CARGO_PKG_VERSION"));
const API_VERSION: &str = "2022-11-28";

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// The app's JWT, signed anew for each attempt.
    App(&'a AppJwt),
    /// An installation token minted moments ago: may lag behind replication.
    FreshToken(&'a str),
}

/// An HTTP method the program uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST with a JSON body.
    Post,
    /// DELETE.
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A complete answer.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    headers: Vec<(String, String)>,
    /// The body text.
    pub body: String,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Response {
    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// GitHub's `message` field, or the status text.
    pub fn message(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("HTTP {}", self.status))
    }

    /// Deserialises the body; the error never quotes the body (it may hold a token).
    pub fn json<T: DeserializeOwned>(&self, action: &str) -> Result<T, Error> {
        serde_json::from_str(&self.body).map_err(|e| Error::BadResponse {
            action: action.to_string(),
            reason: format!(
                "not the expected JSON ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }

    /// `" after N attempts"` when there were retries.
    pub fn attempts_note(&self) -> String {
        attempts_note(self.attempts)
    }
}

fn attempts_note(n: u32) -> String {
    if n > 1 {
        format!(" after {n} attempts")
    } else {
        String::new()
    }
}

/// A client for one API root.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    host: String,
    proxy: Option<ProxyChoice>,
    /// When the run's network budget ends: one bound for all requests of a run.
    deadline: Instant,
}

/// Why one attempt did not produce an answer.
struct Failure {
    kind: FailureKind,
    reason: String,
}

/// What a failed attempt means for the next one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FailureKind {
    /// The network or the server hiccuped: worth retrying.
    Transient,
    /// TLS handshake or certificate: retrying cannot help.
    Tls,
    /// The answer exceeded [`BODY_LIMIT`]: the same request gets the same answer.
    TooLarge,
    /// The proxy wants (other) credentials: 407 again on every retry.
    ProxyAuth,
}

impl Client {
    /// A client for `api_url` with the proxy and CAs from the environment and `ca_pem`.
    pub fn new(api_url: &str, ca_pem: Option<&str>) -> Result<Client, Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let proxy = net::proxy_for(api_url)?;
        let roots = net::roots(ca_pem)?;
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::Specific(Arc::new(roots)))
            .build();
        let ureq_proxy = match &proxy {
            Some(p) => Some(ureq::Proxy::new(&p.url).map_err(|_| {
                Error::Usage("The proxy URL from the environment is not valid.".into())
            })?),
            None => None,
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .tls_config(tls)
            .proxy(ureq_proxy)
            .build()
            .new_agent();
        let authority = api_url.split("://").nth(1).unwrap_or(api_url);
        Ok(Client {
            agent,
            base: api_url.trim_end_matches('/').to_string(),
            host: authority.split('/').next().unwrap_or_default().to_string(),
            proxy,
            deadline: Instant::now() + TOTAL_BUDGET,
        })
    }

    /// Sends one request, retrying as GitHub advises. Returns the final answer
    /// whatever its status; fails only when no usable answer came.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, Error> {
        self.send_with(method, path, auth, body, &[])
    }

    /// [`Client::send`] with extra request headers.
    pub fn send_with(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> Result<Response, Error> {
        let action = format!("{} {path}", method.as_str());
        let started = Instant::now();
        let deadline = self.deadline;
        let exhausted = |attempts: u32, last: String| Error::Exhausted {
            action: action.clone(),
            elapsed_secs: started.elapsed().as_secs(),
            attempts,
            last,
        };
        let mut attempt = 1;
        let mut skew_fixed = false;
        let mut lag_waited = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left < Duration::from_secs(1) {
                // Earlier requests of this run used up the budget.
                return Err(exhausted(
                    attempt - 1,
                    format!(
                        "the run's {} s network budget is spent",
                        TOTAL_BUDGET.as_secs()
                    ),
                ));
            }
            let timeout = REQUEST_TIMEOUT.min(left);
            let outcome = self.once(method, path, auth, body, headers, timeout);
            let (wait, reason, mandated) = match outcome {
                Ok(mut resp) => {
                    resp.attempts = attempt;
                    if let (Auth::App(jwt), false) = (auth, skew_fixed)
                        && let Some(offset) = skew_offset(&resp)
                    {
                        skew_fixed = true;
                        let before = jwt.offset();
                        jwt.set_offset(offset);
                        report::info(&format!(
                            "GitHub refused the JWT's times: this machine's clock is {} GitHub's. Signing with GitHub's time from now on and retrying.",
                            describe_skew(offset - before)
                        ));
                        continue;
                    }
                    if let (Auth::FreshToken(_), false, 401 | 403 | 404) =
                        (auth, lag_waited, resp.status)
                    {
                        lag_waited = true;
                        report::info(&format!(
                            "GitHub answered {} to {action} with the new token; new tokens take a moment to reach every server, so retrying once in {} ms.",
                            resp.status,
                            FRESH_TOKEN_WAIT.as_millis()
                        ));
                        std::thread::sleep(FRESH_TOKEN_WAIT);
                        continue;
                    }
                    match retry_decision(&resp, attempt) {
                        None => return Ok(resp),
                        Some(_) if attempt >= MAX_ATTEMPTS => return Ok(resp),
                        Some((wait, mandated)) => {
                            let reason = format!(
                                "GitHub answered {}{}",
                                status_line(&resp),
                                limit_note(&resp)
                            );
                            if mandated && wait > MAX_WAIT {
                                return Err(rate_limited(&action, &resp, wait));
                            }
                            (wait, reason, mandated)
                        }
                    }
                }
                Err(failure) => {
                    let retry = self.after_failure(&action, failure, attempt)?;
                    (backoff(attempt), retry, false)
                }
            };
            if Instant::now() + wait + Duration::from_secs(1) > deadline {
                return Err(exhausted(attempt, reason));
            }
            report::info(&format!(
                "{reason} for {action}; retrying in {:.1} s (attempt {} of {MAX_ATTEMPTS}){}.",
                wait.as_secs_f64(),
                attempt + 1,
                if mandated { ", as GitHub asked" } else { "" }
            ));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// A failed attempt: the error to stop with, or the reason to retry.
    fn after_failure(&self, action: &str, failure: Failure, attempt: u32) -> Result<String, Error> {
        let action = action.to_string();
        match failure.kind {
            FailureKind::Tls => Err(Error::Tls {
                action,
                host: self.host.clone(),
                via: self.via(),
                reason: failure.reason,
            }),
            FailureKind::TooLarge => Err(Error::BadResponse {
                action,
                reason: failure.reason,
            }),
            FailureKind::ProxyAuth => Err(Error::Network {
                action,
                host: self.host.clone(),
                via: self.via(),
                reason: failure.reason,
                attempts: String::new(),
                hint: "Give the proxy's user name and password in the proxy URL (http://USER:PASSWORD@HOST:PORT in HTTPS_PROXY / HTTP_PROXY), percent-encoding special characters; the URL is never printed.",
            }),
            FailureKind::Transient if attempt >= MAX_ATTEMPTS => {
                Err(self.network_error(&action, failure.reason, attempt))
            }
            FailureKind::Transient => Ok(failure.reason),
        }
    }

    fn via(&self) -> String {
        self.proxy
            .as_ref()
            .map(|p| format!(" through the proxy {}", p.shown))
            .unwrap_or_default()
    }

    fn network_error(&self, action: &str, reason: String, attempts: u32) -> Error {
        let hint = if self.proxy.is_some() {
            "Check that the proxy is reachable from the runner and allows this host (or list the host in NO_PROXY)."
        } else {
            "Check the runner's network and `github-api-url`; behind a proxy, set HTTPS_PROXY (and NO_PROXY for exceptions)."
        };
        Error::Network {
            action: action.to_string(),
            host: self.host.clone(),
            via: self.via(),
            reason,
            attempts: attempts_note(attempts),
            hint,
        }
    }

    /// One attempt, logged as a debug line.
    fn once(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<Response, Failure> {
        let url = format!("{}{path}", self.base);
        let authorization = match auth {
            Auth::App(jwt) => format!("Bearer {}", jwt.sign()),
            // GitHub documents `Bearer` for installation tokens of either format.
            Auth::FreshToken(t) => format!("Bearer {t}"),
        };
        let started = Instant::now();
        // GitHub's headers and this attempt's time limit, on either kind of builder.
        fn prepare<B>(
            rb: ureq::RequestBuilder<B>,
            timeout: Duration,
            auth: &str,
            headers: &[(&str, &str)],
        ) -> ureq::RequestBuilder<B> {
            let rb = rb
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION)
                .header("Authorization", auth);
            headers.iter().fold(rb, |rb, (k, v)| rb.header(*k, *v))
        }
        let auth = authorization.as_str();
        let result = match method {
            Method::Post => {
                let bytes = body.map(|b| b.to_string()).unwrap_or_else(|| "{}".into());
                prepare(self.agent.post(&url), timeout, auth, headers)
                    .header("Content-Type", "application/json")
                    .send(bytes.as_bytes())
            }
            Method::Get => prepare(self.agent.get(&url), timeout, auth, headers).call(),
            Method::Delete => prepare(self.agent.delete(&url), timeout, auth, headers).call(),
        };
        let read = result.and_then(|mut resp| {
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let body = resp
                .body_mut()
                .with_config()
                .limit(BODY_LIMIT)
                .read_to_string()?;
            Ok(Response {
                status,
                headers,
                body,
                attempts: 1,
            })
        });
        let ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0);
        match read {
            Ok(resp) => {
                report::debug(&format!(
                    "{} {path} -> {} in {ms} ms (rate limit remaining {}, request id {})",
                    method.as_str(),
                    resp.status,
                    resp.header("x-ratelimit-remaining").unwrap_or("-"),
                    resp.header("x-github-request-id").unwrap_or("-"),
                ));
                Ok(resp)
            }
            Err(e) => {
                let failure = failure(e);
                report::debug(&format!(
                    "{} {path} -> failed in {ms} ms: {}",
                    method.as_str(),
                    failure.reason
                ));
                Err(failure)
            }
        }
    }
}

/// Describes a ureq error without quoting anything the server sent.
fn failure(e: ureq::Error) -> Failure {
    use ureq::Error as E;
    let plain = |reason: String| Failure {
        kind: FailureKind::Transient,
        reason,
    };
    let tls = |reason: String| Failure {
        kind: FailureKind::Tls,
        reason,
    };
    match e {
        E::Timeout(_) => plain("the request timed out".into()),
        E::HostNotFound => plain("the host name did not resolve".into()),
        E::ConnectionFailed => plain("the connection failed".into()),
        E::BodyExceedsLimit(n) => Failure {
            kind: FailureKind::TooLarge,
            reason: format!("the answer exceeded the limit of {n} bytes"),
        },
        E::Tls(msg) => tls(msg.to_string()),
        E::Rustls(e) => tls(e.to_string()),
        E::ConnectProxyFailed(msg) if msg.starts_with("proxy server responded 407") => Failure {
            kind: FailureKind::ProxyAuth,
            reason: "the proxy refused the credentials (407 Proxy Authentication Required)".into(),
        },
        E::ConnectProxyFailed(msg) => plain(format!("the proxy refused the connection ({msg})")),
        E::Io(io) => {
            // rustls reports certificate problems as InvalidData I/O errors.
            if let Some(e) = io.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
                return tls(e.to_string());
            }
            use std::io::ErrorKind as K;
            plain(match io.kind() {
                K::ConnectionRefused => "the connection was refused".into(),
                K::ConnectionReset | K::ConnectionAborted => "the connection was reset".into(),
                K::UnexpectedEof => "the server closed the connection without an answer".into(),
                K::TimedOut | K::WouldBlock => "the request timed out".into(),
                _ => format!("I/O error: {io}"),
            })
        }
        E::Protocol(p) => plain(format!("the answer was not valid HTTP ({p})")),
        other => plain(other.to_string()),
    }
}

fn status_line(resp: &Response) -> String {
    let text = match resp.status {
        403 => "403 Forbidden",
        429 => "429 Too Many Requests",
        500 => "500 Internal Server Error",
        502 => "502 Bad Gateway",
        503 => "503 Service Unavailable",
        504 => "504 Gateway Timeout",
        s => return s.to_string(),
    };
    text.to_string()
}

fn is_secondary(resp: &Response) -> bool {
    resp.message()
        .to_ascii_lowercase()
        .contains("secondary rate limit")
}

/// Names the rate limit behind a 403/429, for the retry line.
fn limit_note(resp: &Response) -> &'static str {
    if !matches!(resp.status, 403 | 429) {
        ""
    } else if is_secondary(resp) {
        " (secondary rate limit)"
    } else if is_primary(resp) {
        " (rate limit exhausted)"
    } else {
        ""
    }
}

fn is_primary(resp: &Response) -> bool {
    resp.header("x-ratelimit-remaining").map(str::trim) == Some("0")
}

/// Whether to retry, and after how long (`true`: the server set the wait).
fn retry_decision(resp: &Response, attempt: u32) -> Option<(Duration, bool)> {
    let limited =
        resp.status == 429 || (resp.status == 403 && (is_primary(resp) || is_secondary(resp)));
    if limited {
        if let Some(wait) = retry_after(resp) {
            return Some((wait, true));
        }
        if is_primary(resp)
            && let Some(wait) = until_reset(resp)
        {
            return Some((wait, true));
        }
        if is_secondary(resp) {
            // GitHub: without Retry-After, wait at least a minute. That is our
            // cap too, so wait exactly it: anything more would count as a wait
            // over the cap and fail at once instead of retrying.
            return Some((MAX_WAIT, true));
        }
        return Some((backoff(attempt), false));
    }
    if resp.status >= 500 {
        // A 503 may say when to come back; otherwise back off.
        return Some(match retry_after(resp) {
            Some(wait) => (wait, true),
            None => (backoff(attempt), false),
        });
    }
    None
}

fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::time::parse_http_date(v)?;
    let now = server_now(resp);
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

fn until_reset(resp: &Response) -> Option<Duration> {
    let reset: i64 = resp.header("x-ratelimit-reset")?.trim().parse().ok()?;
    // One second past the reset, measured on GitHub's clock.
    Some(Duration::from_secs(
        (reset - server_now(resp)).max(0) as u64 + 1,
    ))
}

fn server_now(resp: &Response) -> i64 {
    resp.header("date")
        .and_then(crate::time::parse_http_date)
        .unwrap_or_else(crate::time::now)
}

fn rate_limited(action: &str, resp: &Response, wait: Duration) -> Error {
    let retry_at = crate::time::format_iso8601(crate::time::now() + wait.as_secs() as i64);
    Error::RateLimited {
        action: action.to_string(),
        message: resp.message(),
        retry_at,
        wait_secs: wait.as_secs(),
        cap_secs: MAX_WAIT.as_secs(),
    }
}

/// The clock offset to apply when GitHub refused a JWT for its times.
fn skew_offset(resp: &Response) -> Option<i64> {
    if resp.status != 401 {
        return None;
    }
    let msg = resp.message();
    let about_time = msg.contains("'Issued at' claim") || msg.contains("'Expiration time' claim");
    if !about_time {
        return None;
    }
    let date = crate::time::parse_http_date(resp.header("date")?)?;
    Some(date - crate::time::now())
}

fn describe_skew(offset: i64) -> String {
    // offset = GitHub - local: positive means this machine is behind.
    match offset {
        0 => "within a second of".into(),
        o if o > 0 => format!("{o} s behind"),
        o => format!("{} s ahead of", -o),
    }
}

/// Exponential backoff with jitter: about 1, 2, 4 s (each ×0.5–1.5).
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(1 << (attempt - 1).min(5));
    base / 2 + jitter(base)
}

/// A random duration in `[0, max)`.
fn jitter(max: Duration) -> Duration {
    let mut b = [0u8; 4];
    let _ = SystemRandom::new().fill(&mut b);
    let frac = f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0);
    max.mul_f64(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
                .collect(),
            body: body.into(),
            attempts: 1,
        }
    }

    #[test]
    fn server_errors_back_off() {
        let (w, mandated) = retry_decision(&resp(502, &[], ""), 1).unwrap();
        assert!(!mandated && w >= Duration::from_millis(500) && w < Duration::from_millis(1500));
        let (w, _) = retry_decision(&resp(500, &[], ""), 3).unwrap();
        assert!(w >= Duration::from_secs(2) && w < Duration::from_secs(6));
        let r = resp(503, &[("Retry-After", "3")], "");
        assert_eq!(retry_decision(&r, 1), Some((Duration::from_secs(3), true)));
    }

    #[test]
    fn client_errors_are_final() {
        for s in [400, 401, 403, 404, 422] {
            assert!(retry_decision(&resp(s, &[], "{}"), 1).is_none(), "{s}");
        }
    }

    #[test]
    fn rate_limits_wait_as_told() {
        let r = resp(429, &[("Retry-After", "7")], "");
        assert_eq!(retry_decision(&r, 1), Some((Duration::from_secs(7), true)));
        let now = crate::time::now();
        let reset = (now + 20).to_string();
        let r = resp(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
            "",
        );
        let (w, mandated) = retry_decision(&r, 1).unwrap();
        assert!(mandated && (19..=22).contains(&w.as_secs()));
        let r = resp(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        );
        let (w, mandated) = retry_decision(&r, 1).unwrap();
        assert!(w >= Duration::from_secs(60));
        // Within the cap, or the caller fails at once instead of retrying.
        assert!(mandated && w <= MAX_WAIT);
    }

    #[test]
    fn skew_is_read_from_date() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let r = resp(
            401,
            &[("Date", date)],
            r#"{"message":"'Expiration time' claim ('exp') is too far in the future"}"#,
        );
        assert_eq!(skew_offset(&r), Some(784_111_777 - crate::time::now()));
        let r = resp(401, &[("Date", date)], r#"{"message":"Bad credentials"}"#);
        assert_eq!(skew_offset(&r), None);
    }
}
