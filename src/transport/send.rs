//! The request loop: repeats an attempt as [`retry::decide`] says, follows
//! redirects within the endpoint's origin ([`wire::resolve`]) and keeps to the
//! run's network budget.

use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};

use super::attempt::{Failure, transient};
use super::call::{Call, Who};
use super::error::{BadAnswer, Cause, Last, TransportError};
use super::http::{Method, Request, Response};
use super::reading::Reader;
use super::{Endpoint, REQUEST_TIMEOUT, TOTAL_BUDGET};
use crate::report;
use crate::report::Note;
use crate::retry::{self, Decision};
use crate::secret::Shown;
use crate::wire::{self, Target, WireError};

impl Endpoint<'_> {
    /// Sends `req`, retrying as [`retry::decide`] says with `reader`'s readings
    /// and following redirects within the endpoint's origin ([`wire::resolve`]).
    /// Returns the final answer whatever its status; fails when no usable answer
    /// came, or an answer cannot be read, or a redirect leaves the origin.
    pub fn send(&self, req: &Request, reader: &dyn Reader) -> Result<Response, TransportError> {
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
    ) -> Result<Option<String>, TransportError> {
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

    fn finish(
        &self,
        req: &Request,
        result: Result<Response, Failure>,
        attempt: u32,
        reader: &dyn Reader,
    ) -> Result<Response, TransportError> {
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
            Cause::Tls(reason) => TransportError::Tls {
                call,
                host,
                proxy,
                reason,
            },
            Cause::TooLarge(n) => TransportError::BadResponse {
                call,
                reason: BadAnswer::TooLarge(n),
            },
            cause => TransportError::Network {
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

    fn exhausted(
        &self,
        req: &Request,
        started: Instant,
        attempts: u32,
        last: Last,
    ) -> TransportError {
        TransportError::Exhausted {
            call: self.call(req),
            elapsed_secs: started.elapsed().as_secs(),
            attempts,
            last,
        }
    }
}

fn rate_limited(call: Call, who: Who, message: String, wait: Duration) -> TransportError {
    TransportError::RateLimited {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{PlainHttp, Transport};
    use crate::url::ServiceUrl;

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
            matches!(e, TransportError::Wire(WireError::Unsendable { .. })),
            "{e:?}"
        );
        assert!(started.elapsed() < Duration::from_millis(500));
        assert!(!e.to_string().contains("ghs_"), "{e}");
    }

    #[test]
    fn a_wait_past_any_date_is_said_as_such() {
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
}
