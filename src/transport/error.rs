//! The transport's failures and the words they are made of: why an attempt got
//! no answer ([`Cause`]), the last thing that went wrong before giving up
//! ([`Last`]) and why an answer could not be used ([`BadAnswer`]).

use std::fmt;

use thiserror::Error;

use super::call::{Call, Purpose, Who};
use crate::retry::{Limit, MAX_WAIT};
use crate::token::shape::TokenProblem;
use crate::wire::WireError;

/// A request that got no usable answer.
#[derive(Debug, Error)]
pub enum TransportError {
    /// The primary or secondary rate limit, with a wait over our cap.
    #[error(
        "{who}'s rate limit stops {call}: {message}. {}; the action waits at most {} s by itself.",
        retry_when(.retry_at, *.wait_secs), MAX_WAIT.as_secs()
    )]
    RateLimited {
        call: Call,
        who: Who,
        message: String,
        /// `None` when the wait ends past year 9999 (a server's number, not a date).
        retry_at: Option<String>,
        wait_secs: u64,
    },
    /// An answer that is not the JSON GitHub sends.
    #[error(
        "GitHub's answer to {call} could not be read: {reason}. If github-api-url points at a proxy or a mirror, check that it forwards the REST API unchanged."
    )]
    BadResponse { call: Call, reason: BadAnswer },
    /// Could not reach the server at all.
    #[error(
        "Could not reach {host}{} for {call}: {cause}{}. {}",
        via(.proxy), attempts_note(*.attempts), network_hint(.call, .proxy, .cause)
    )]
    Network {
        call: Call,
        host: String,
        proxy: Option<String>,
        cause: Cause,
        attempts: u32,
    },
    /// TLS handshake or certificate failure.
    #[error(
        "TLS to {host}{} failed for {call}: {reason}. If {host} uses a private certificate authority (GitHub Enterprise Server often does), pass its CA certificate as the `ca-certificates` input (PEM text, e.g. from a secret or variable), or set SSL_CERT_FILE / SSL_CERT_DIR to a file or directory the program can read.",
        via(.proxy)
    )]
    Tls {
        call: Call,
        host: String,
        proxy: Option<String>,
        reason: String,
    },
    /// The whole retry budget ran out.
    #[error("Gave up on {call} after {elapsed_secs} s and {attempts} attempts: {last}.")]
    Exhausted {
        call: Call,
        elapsed_secs: u64,
        attempts: u32,
        last: Last,
    },
    /// An answer or a redirect the wire refuses.
    #[error(transparent)]
    Wire(#[from] WireError),
}

impl TransportError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        match self {
            TransportError::RateLimited { .. } => "Rate limited",
            TransportError::BadResponse { .. } | TransportError::Exhausted { .. } => {
                "GitHub API error"
            }
            TransportError::Network { .. } => "Network error",
            TransportError::Tls { .. } => "TLS error",
            TransportError::Wire(e) => e.title(),
        }
    }

    /// The request the failure names (a key service names itself through it).
    pub fn call_mut(&mut self) -> &mut Call {
        match self {
            TransportError::RateLimited { call, .. }
            | TransportError::BadResponse { call, .. }
            | TransportError::Network { call, .. }
            | TransportError::Tls { call, .. }
            | TransportError::Exhausted { call, .. } => call,
            TransportError::Wire(w) => w.call_mut(),
        }
    }
}

/// Why an attempt got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The request ran out of time.
    Timeout,
    /// DNS found nothing.
    HostNotFound,
    /// The connection could not be made.
    ConnectionFailed,
    /// The server refused the connection.
    Refused,
    /// The connection was reset.
    Reset,
    /// The server closed the connection without an answer.
    ClosedEarly,
    /// Another I/O error, as the system words it.
    Io(String),
    /// The answer was not valid HTTP.
    Protocol(String),
    /// The proxy refused the tunnel, with its words.
    ProxyRefused(String),
    /// The proxy answered 407.
    ProxyAuth,
    /// TLS handshake or certificate, as rustls words it.
    Tls(String),
    /// The answer exceeded this many bytes.
    TooLarge(u64),
    /// Anything else the HTTP client reports.
    Other(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Timeout => f.write_str("the request timed out"),
            Cause::HostNotFound => f.write_str("the host name did not resolve"),
            Cause::ConnectionFailed => f.write_str("the connection failed"),
            Cause::Refused => f.write_str("the connection was refused"),
            Cause::Reset => f.write_str("the connection was reset"),
            Cause::ClosedEarly => f.write_str("the server closed the connection without an answer"),
            Cause::Io(e) => write!(f, "I/O error: {e}"),
            Cause::Protocol(p) => write!(f, "the answer was not valid HTTP ({p})"),
            Cause::ProxyRefused(m) => write!(f, "the proxy refused the connection ({m})"),
            Cause::ProxyAuth => {
                f.write_str("the proxy refused the credentials (407 Proxy Authentication Required)")
            }
            Cause::Tls(m) | Cause::Other(m) => f.write_str(m),
            Cause::TooLarge(n) => write!(f, "the answer exceeded the limit of {n} bytes"),
        }
    }
}

/// The last thing that went wrong before giving up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Last {
    /// An answer worth retrying.
    Answer {
        who: Who,
        status: u16,
        /// Which rate limit, if one.
        limit: Option<Limit>,
    },
    /// No answer.
    Failed(Cause),
    /// The run's budget ran out before another attempt.
    BudgetSpent { secs: u64 },
}

impl fmt::Display for Last {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Last::Answer { who, status, limit } => {
                write!(f, "{who} answered {}", status_line(*status))?;
                f.write_str(match limit {
                    Some(Limit::Secondary) => " (secondary rate limit)",
                    Some(Limit::Primary) => " (rate limit exhausted)",
                    Some(Limit::TooManyRequests) | None => "",
                })
            }
            Last::Failed(cause) => cause.fmt(f),
            Last::BudgetSpent { secs } => write!(f, "the run's {secs} s network budget is spent"),
        }
    }
}

fn status_line(status: u16) -> String {
    let text = match status {
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

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadAnswer {
    /// Not the JSON expected: serde's category and position, never the body.
    NotJson {
        /// `Syntax`, `Data`, `Eof`.
        category: String,
        line: usize,
        column: usize,
    },
    /// Over the size cap.
    TooLarge(u64),
    /// A minted token that is not printable ASCII without white space, or too long.
    TokenShape(TokenProblem),
    /// JSON without one of these required fields (or with one of the wrong type).
    Fields(&'static str),
}

impl fmt::Display for BadAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadAnswer::NotJson {
                category,
                line,
                column,
            } => write!(
                f,
                "not the expected JSON ({category} error at line {line}, column {column})"
            ),
            BadAnswer::TooLarge(n) => write!(f, "the answer exceeded the limit of {n} bytes"),
            BadAnswer::TokenShape(problem) => write!(f, "the token {problem}"),
            BadAnswer::Fields(fields) => {
                write!(
                    f,
                    "one of the fields {fields} is missing or of the wrong type"
                )
            }
        }
    }
}

/// When to retry after a rate limit; a wait past any date is said as such.
fn retry_when(at: &Option<String>, wait_secs: u64) -> String {
    match at {
        Some(at) => format!("Retry after {at} ({wait_secs} s from now)"),
        None => format!(
            "The server asks for a wait of {wait_secs} s, past year 9999: do not wait for it, check the server"
        ),
    }
}

/// ` after 4 attempts`, when there was more than one.
pub fn attempts_note(n: u32) -> String {
    if n > 1 {
        format!(" after {n} attempts")
    } else {
        String::new()
    }
}

fn via(proxy: &Option<String>) -> String {
    proxy
        .as_ref()
        .map(|p| format!(" through the proxy {p}"))
        .unwrap_or_default()
}

fn network_hint(call: &Call, proxy: &Option<String>, cause: &Cause) -> &'static str {
    let service = matches!(call.purpose, Some(Purpose::KeyService(_)));
    match (cause, proxy) {
        (Cause::ProxyAuth, _) => {
            "Give the proxy's user name and password in the proxy URL (http://USER:PASSWORD@HOST:PORT in HTTPS_PROXY / HTTP_PROXY), percent-encoding special characters; the URL is never printed."
        }
        (_, Some(_)) => {
            "Check that the proxy is reachable from the runner and allows this host (or list the host in NO_PROXY)."
        }
        (_, None) if service => {
            "Check the runner's network and the service's address (`kms-key`, VAULT_ADDR, AWS_ENDPOINT_URL); behind a proxy, set HTTPS_PROXY (and NO_PROXY for exceptions)."
        }
        (_, None) => {
            "Check the runner's network and `github-api-url`; behind a proxy, set HTTPS_PROXY (and NO_PROXY for exceptions)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::Method;
    use crate::secret::Shown;
    use crate::token::shape::TokenProblem;

    fn s(v: &str) -> String {
        v.to_string()
    }

    fn call(purpose: Option<Purpose>, method: Method, path: &str) -> Call {
        Call {
            purpose,
            method,
            path: s(path),
        }
    }

    /// Every variant, by an exhaustive match: a new one fails to compile here.
    fn variant(e: &TransportError) -> usize {
        use TransportError::*;
        match e {
            RateLimited { .. } => 0,
            BadResponse { .. } => 1,
            Network { .. } => 2,
            Tls { .. } => 3,
            Exhausted { .. } => 4,
            Wire(_) => 5,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn every_error_is_specific_and_actionable() {
        use TransportError::*;
        let get_app = || call(None, Method::Get, "/app");
        let all = vec![
            (RateLimited { call: get_app(), who: Who::GitHub, message: s("API rate limit exceeded"), retry_at: Some(s("2026-11-23T12:00:00Z")), wait_secs: 3600 }, vec!["GitHub's rate limit", "GET /app", "Retry after 2026-11-23T12:00:00Z", "3600 s", "at most 60 s"]),
            (BadResponse { call: call(Some(Purpose::AppCheck), Method::Get, "/app"), reason: BadAnswer::TokenShape(TokenProblem::Control) }, vec!["the app check (GET /app)", "control characters", "github-api-url"]),
            (Network { call: get_app(), host: s("ghe.example.com"), proxy: Some(s("http://proxy:3128")), cause: Cause::Refused, attempts: 4 }, vec!["ghe.example.com", "through the proxy http://proxy:3128", "refused", "Check"]),
            (Tls { call: get_app(), host: s("ghe.example.com"), proxy: None, reason: s("invalid peer certificate: UnknownIssuer") }, vec!["ghe.example.com", "UnknownIssuer", "`ca-certificates`", "SSL_CERT_FILE"]),
            (Exhausted { call: call(None, Method::Post, "/x"), elapsed_secs: 118, attempts: 4, last: Last::Answer { who: Who::GitHub, status: 503, limit: None } }, vec!["POST /x", "118 s", "4 attempts", "GitHub answered 503"]),
            (Wire(WireError::OffOrigin { call: get_app(), who: Who::GitHub, status: 301, to: Shown::of("https://127.0.0.2:9") }), vec!["GitHub answered 301", "GET /app", "\"https://127.0.0.2:9\"", "another origin", "new address"]),
        ];
        crate::catalogue::check(&all, 6, variant, TransportError::title);
    }
}
