//! One attempt: connect, send, read the answer under [`BODY_LIMIT`] and decode
//! it as text ([`wire::text`]), with its reading for the retry decision and a
//! debug line.

use std::time::{Duration, Instant};

use super::error::{Cause, Last};
use super::http::{Request, Response};
use super::reading::Reader;
use super::ureq_errors::cause;
use super::{BODY_LIMIT, Endpoint};
use crate::report;
use crate::report::Note;
use crate::retry::Outcome;
use crate::wire::{self, NotA};

impl Endpoint<'_> {
    /// One attempt at `url`, its reading for the retry decision, and a debug line.
    pub(super) fn attempt(
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
}

/// Why one attempt gave no answer a reader may see.
#[derive(Debug, Clone)]
pub(super) enum Failure {
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
    pub(super) fn transient(&self) -> bool {
        match self {
            Failure::Net(cause) => transient(cause),
            Failure::Unreadable { .. } | Failure::Unsendable => false,
        }
    }

    /// As the retry and debug lines word it.
    pub(super) fn cause(&self) -> Cause {
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
pub(super) fn transient(cause: &Cause) -> bool {
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
