//! Injected faults: which requests they hit, and what the mock does instead of
//! answering normally.

use std::time::Duration;

use serde_json::json;

use super::super::http;
use super::routes::json_response;
use super::scenario::{DOCS_URL, MSG_PRIMARY_RATE_LIMIT, MSG_SECONDARY_RATE_LIMIT, RATE_LIMIT};
use super::server::{Action, Shared};

/// A GitHub-shaped error body.
pub fn error_body(status: u16, msg: &str) -> String {
    json!({ "message": msg, "documentation_url": DOCS_URL, "status": status.to_string() })
        .to_string()
}

/// A faulty answer: `body` defaults to a GitHub-shaped error; `headers` replace the
/// defaults of the same name; `reset_in_secs` sets `x-ratelimit-remaining: 0` and
/// `x-ratelimit-reset` = mock-now + that.
#[derive(Clone, Debug)]
pub struct StatusFault {
    /// The status code.
    pub status: u16,
    /// The body (default: GitHub's error JSON for the status).
    pub body: Option<String>,
    /// Headers that replace the defaults of the same name.
    pub headers: Vec<(String, String)>,
    /// Sets `x-ratelimit-remaining: 0` and the reset this far ahead.
    pub reset_in_secs: Option<i64>,
}

impl StatusFault {
    fn new(status: u16) -> StatusFault {
        StatusFault {
            status,
            body: None,
            headers: Vec::new(),
            reset_in_secs: None,
        }
    }
}

/// What a fault does to a matching request.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answer with a status (see [`StatusFault`]).
    Status(StatusFault),
    /// Read the request, then close the connection without a byte of response.
    Close,
    /// Read the request, send nothing, hold the socket this long, then close.
    Stall(Duration),
    /// A truncated JSON body with this status.
    MalformedJson {
        /// The status code.
        status: u16,
    },
    /// A JSON-looking body of `bytes` bytes with this status.
    Oversized {
        /// The status code.
        status: u16,
        /// The body's length.
        bytes: usize,
    },
    /// The first `uses` matching requests made with each freshly minted token get
    /// `status` (replication lag); skip/times do not apply.
    FreshTokenLag {
        /// How many requests per token get `status`.
        uses: usize,
        /// The status code.
        status: u16,
    },
}

/// A fault for requests matching `method` (`*` = any) and a path prefix (without the
/// mock's path prefix); applied to matching requests number `skip+1 ..= skip+times`.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The method it applies to (`*`: any).
    pub method: String,
    /// The path prefix it applies to (without the mock's path prefix).
    pub path_prefix: String,
    /// How many matching requests pass untouched first.
    pub skip: usize,
    /// `None`: every matching request after `skip`.
    pub times: Option<usize>,
    /// What it does.
    pub kind: FaultKind,
}

impl Fault {
    /// Defaults: every matching request answered 500.
    pub fn on(method: &str, path_prefix: &str) -> Fault {
        Fault {
            method: method.to_string(),
            path_prefix: path_prefix.to_string(),
            skip: 0,
            times: None,
            kind: FaultKind::Status(StatusFault::new(500)),
        }
    }

    /// Lets the first `n` matching requests through.
    pub fn skip(mut self, n: usize) -> Fault {
        self.skip = n;
        self
    }

    /// Applies to `n` matching requests only (after the skipped ones).
    pub fn times(mut self, n: usize) -> Fault {
        self.times = Some(n);
        self
    }

    fn status_fault(&mut self) -> &mut StatusFault {
        if !matches!(self.kind, FaultKind::Status(_)) {
            self.kind = FaultKind::Status(StatusFault::new(500));
        }
        match &mut self.kind {
            FaultKind::Status(sf) => sf,
            _ => unreachable!(),
        }
    }

    /// Answers with `status` (a GitHub-shaped error body unless set).
    pub fn status(mut self, status: u16) -> Fault {
        self.status_fault().status = status;
        self
    }

    /// Raw response body (sent verbatim).
    pub fn body(mut self, body: impl Into<String>) -> Fault {
        self.status_fault().body = Some(body.into());
        self
    }

    /// A GitHub-shaped error body with this message.
    pub fn message(mut self, msg: &str) -> Fault {
        let sf = self.status_fault();
        sf.body = Some(error_body(sf.status, msg));
        self
    }

    /// An extra header; replaces a default one of the same name (e.g. x-ratelimit-*).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Fault {
        self.status_fault()
            .headers
            .push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Primary rate limit: `status` (403 or 429), remaining 0, reset `reset_in_secs` ahead.
    pub fn primary_rate_limit(mut self, status: u16, reset_in_secs: i64) -> Fault {
        self = self.status(status).message(MSG_PRIMARY_RATE_LIMIT);
        self.status_fault().reset_in_secs = Some(reset_in_secs);
        self
    }

    /// Secondary rate limit: `status` (403 or 429) with GitHub's message and, if given,
    /// `retry-after`.
    pub fn secondary_rate_limit(mut self, status: u16, retry_after: Option<u64>) -> Fault {
        self = self.status(status).message(MSG_SECONDARY_RATE_LIMIT);
        if let Some(s) = retry_after {
            self = self.header("retry-after", s.to_string());
        }
        self
    }

    /// Closes the connection without an answer.
    pub fn close(mut self) -> Fault {
        self.kind = FaultKind::Close;
        self
    }

    /// Holds the connection for `d` without an answer, then closes it.
    pub fn stall(mut self, d: Duration) -> Fault {
        self.kind = FaultKind::Stall(d);
        self
    }

    /// A truncated JSON body with `status`.
    pub fn malformed_json(mut self, status: u16) -> Fault {
        self.kind = FaultKind::MalformedJson { status };
        self
    }

    /// A JSON-looking body of `bytes` bytes with `status`.
    pub fn oversized(mut self, status: u16, bytes: usize) -> Fault {
        self.kind = FaultKind::Oversized { status, bytes };
        self
    }

    /// The first `uses` requests made with each new token get `status` (replication lag).
    pub fn fresh_token_lag(mut self, uses: usize, status: u16) -> Fault {
        self.kind = FaultKind::FreshTokenLag { uses, status };
        self
    }

    pub(super) fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }
}

impl Shared {
    /// The first injected fault whose window covers this request, if any.
    pub(super) fn pick_fault(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut st = self.lock();
        let mut picked = None;
        for (i, f) in self.faults.iter().enumerate() {
            if matches!(f.kind, FaultKind::FreshTokenLag { .. }) || !f.matches(method, path) {
                continue;
            }
            let n = st.fault_hits[i];
            st.fault_hits[i] += 1;
            let in_window = n >= f.skip && f.times.is_none_or(|t| n < f.skip + t);
            if in_window && picked.is_none() {
                picked = Some(f.kind.clone());
            }
        }
        picked
    }

    pub(super) fn fault_action(&self, kind: FaultKind) -> Action {
        match kind {
            FaultKind::Status(StatusFault {
                status,
                body,
                headers,
                reset_in_secs,
            }) => {
                let mut r = json_response(
                    status,
                    body.unwrap_or_else(|| error_body(status, http::reason(status))),
                );
                if let Some(secs) = reset_in_secs {
                    r.set_header("x-ratelimit-remaining", "0");
                    r.set_header("x-ratelimit-used", RATE_LIMIT.to_string());
                    r.set_header("x-ratelimit-reset", (self.now() + secs).to_string());
                }
                for (k, v) in headers {
                    r.set_header(&k, v);
                }
                Action::Respond(r)
            }
            FaultKind::Close => Action::Close,
            FaultKind::Stall(d) => Action::Stall(d),
            FaultKind::MalformedJson { status } => Action::Respond(json_response(
                status,
                r#"{"token": "ghs_truncated", "expires_at": "20"#,
            )),
            FaultKind::Oversized { status, bytes } => {
                let head = br#"{"token":"ghs_oversized","padding":""#;
                let mut body = Vec::with_capacity(bytes.max(head.len() + 2));
                body.extend_from_slice(head);
                body.resize(bytes.saturating_sub(2).max(head.len()), b'a');
                body.extend_from_slice(b"\"}");
                Action::Respond(json_response(status, body))
            }
            FaultKind::FreshTokenLag { .. } => unreachable!("handled in token auth"),
        }
    }
}
