//! How a service's answers read for retrying: which rate limit, what wait the
//! server asked for, and the service's own error text.

use std::time::Duration;

use super::call::Who;
use super::http::Response;
use crate::retry::Limit;

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
}
