//! What an answer must be before any reader sees it, and where a redirect may
//! lead: a redirect is followed only within the origin (scheme, host and port)
//! of the service's URL, a body is UTF-8 text without a content coding, and a
//! server that answers otherwise gets one error at once, never a retry. Pure:
//! no I/O; the request loop in `transport` applies it.

use std::fmt;

use thiserror::Error;

use crate::secret::Shown;
use crate::transport::call::{Call, Who};
use crate::url::ServiceUrl;

/// Same-origin redirects one request follows: GitHub's renamed or transferred
/// repository takes one; more than a few is a loop.
pub const MAX_REDIRECTS: u32 = 5;

/// What an answer should have been and was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotA {
    /// The body is not UTF-8.
    Text,
    /// The body carries a content coding (gzip, br, ...) the program never asks for.
    Plain,
    /// A redirect without a `Location`, or with one that is not a URL.
    Redirect,
}

impl fmt::Display for NotA {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotA::Text => "UTF-8 text (the body holds invalid UTF-8)",
            NotA::Plain => {
                "a plain body (it is sent with a Content-Encoding such as gzip, which the program never asks for)"
            }
            NotA::Redirect => "a usable redirect (its Location header is missing or not a URL)",
        })
    }
}

/// The wire's failures: answers no reader should see, redirects not followed.
#[derive(Debug, Error)]
pub enum WireError {
    /// An answer that cannot be read at all; retrying would get the same.
    #[error(
        "{who} answered {call} with something that is not {what}. Retrying would not help: check that the address the program was given (`github-api-url`, or the key service's address) is the service itself, and that no proxy, mirror or captive portal rewrites its answers."
    )]
    Malformed { call: Call, who: Who, what: NotA },
    /// A redirect to another origin: not followed, no credential sent there.
    #[error(
        "{who} answered {status} to {call}, redirecting to {to}, another origin (scheme, host and port). The program follows redirects only within the origin it was given, so nothing was sent there. If the service has moved, give its new address (`github-api-url`, or the key service's address)."
    )]
    OffOrigin {
        call: Call,
        who: Who,
        status: u16,
        /// `scheme://host[:port]` of the target, without its path and query.
        to: Shown,
    },
    /// A redirect loop within the origin.
    #[error(
        "{who} redirected {call} more than {} times within its origin, so the program stopped. Check the service's address, and that no proxy in between redirects in a loop.",
        MAX_REDIRECTS
    )]
    TooManyRedirects { call: Call, who: Who },
    /// The request could not be put on the wire (a header value HTTP does not allow).
    #[error(
        "The request {call} could not be sent: one of its headers holds a character HTTP does not allow (a line break or a control character), so it would reach the server damaged. Check the credential given for this service; its value is not shown."
    )]
    Unsendable { call: Call },
}

impl WireError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        match self {
            WireError::Malformed { .. } => "Unusable answer",
            WireError::OffOrigin { .. } | WireError::TooManyRedirects { .. } => "Redirect refused",
            WireError::Unsendable { .. } => "Request not sent",
        }
    }

    /// The request it is about, so a caller can name the service.
    pub fn call_mut(&mut self) -> &mut Call {
        match self {
            WireError::Malformed { call, .. }
            | WireError::OffOrigin { call, .. }
            | WireError::TooManyRedirects { call, .. }
            | WireError::Unsendable { call } => call,
        }
    }
}

/// Whether `status` asks the client to repeat the request elsewhere.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where a redirect leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The same origin: the absolute URL to request next.
    Same(String),
    /// Another origin, as `scheme://host[:port]` (no user info, path or query).
    Other(String),
}

/// Resolves `location` (a `Location` header) against `current`, the URL just
/// requested under `base`, and says whether it stays within `base`'s origin.
/// `Err` when it is not a URL the program can follow.
pub fn resolve(base: &ServiceUrl, current: &str, location: &str) -> Result<Target, NotA> {
    let location = location.trim();
    // The fragment is the client's own business (RFC 9110 10.2.2); never sent.
    let location = location.split('#').next().unwrap_or_default();
    if location.is_empty() || location.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(NotA::Redirect);
    }
    let scheme = if base.is_https() { "https" } else { "http" };
    let absolute = if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{}{location}", base.origin())
    } else if has_scheme(location) {
        location.to_string()
    } else {
        // A relative path: beside the current resource (RFC 3986 5.2.3).
        let path_end = current.find('?').unwrap_or(current.len());
        let dir_end = current[..path_end].rfind('/').map_or(path_end, |i| i + 1);
        format!("{}{location}", &current[..dir_end])
    };
    let uri: ureq::http::Uri = absolute.parse().map_err(|_| NotA::Redirect)?;
    let authority = uri.authority().ok_or(NotA::Redirect)?;
    if authority.as_str().contains('@') {
        return Err(NotA::Redirect);
    }
    let their_scheme = uri.scheme_str().ok_or(NotA::Redirect)?.to_ascii_lowercase();
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let default_port = match their_scheme.as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    // `authority.port()` is `None` for an unreadable port too: read it here.
    let port = match &authority.as_str()[authority.host().len()..] {
        "" | ":" => default_port,
        p => Some(p[1..].parse::<u16>().map_err(|_| NotA::Redirect)?),
    };
    let same = their_scheme == scheme && host == base.host() && port == Some(base.port());
    if !same {
        return Ok(Target::Other(format!("{their_scheme}://{authority}")));
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Ok(Target::Same(format!("{}{path}", base.origin())))
}

/// `scheme:` at the start (RFC 3986 3.1), told apart from a relative path.
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !scheme.contains('/')
        }
        None => false,
    }
}

/// The body as text, if it is what the program reads: no content coding
/// (`identity` or none) and valid UTF-8.
pub fn text(content_encoding: Option<&str>, body: Vec<u8>) -> Result<String, NotA> {
    if let Some(coding) = content_encoding
        && !coding.trim().is_empty()
        && !coding.trim().eq_ignore_ascii_case("identity")
    {
        return Err(NotA::Plain);
    }
    String::from_utf8(body).map_err(|_| NotA::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(u: &str) -> ServiceUrl {
        ServiceUrl::parse(u).unwrap()
    }

    #[test]
    fn githubs_rename_redirect_stays_within_the_origin() {
        let api = base("https://api.github.com");
        let current = "https://api.github.com/repos/acme/old/installation";
        for location in [
            "https://api.github.com/repositories/42/installation",
            "HTTPS://API.GITHUB.COM:443/repositories/42/installation",
            "/repositories/42/installation",
            "//api.github.com/repositories/42/installation",
        ] {
            assert_eq!(
                resolve(&api, current, location),
                Ok(Target::Same(
                    "https://api.github.com/repositories/42/installation".into()
                )),
                "{location}"
            );
        }
        let ghes = base("https://ghe.example.com/api/v3");
        assert_eq!(
            resolve(
                &ghes,
                "https://ghe.example.com/api/v3/repos/a/b/installation",
                "installation?x=1#frag"
            ),
            Ok(Target::Same(
                "https://ghe.example.com/api/v3/repos/a/b/installation?x=1".into()
            ))
        );
        let v6 = base("http://[::1]:8080");
        assert_eq!(
            resolve(&v6, "http://[::1]:8080/a", "http://[::1]:8080/b"),
            Ok(Target::Same("http://[::1]:8080/b".into()))
        );
    }

    #[test]
    fn another_scheme_host_or_port_is_another_origin() {
        let api = base("https://api.github.com");
        let cur = "https://api.github.com/app";
        for (location, other) in [
            ("https://evil.example/app?token=x", "https://evil.example"),
            ("http://api.github.com/app", "http://api.github.com"),
            (
                "https://api.github.com:8443/app",
                "https://api.github.com:8443",
            ),
            ("//127.0.0.2:9/x", "https://127.0.0.2:9"),
            ("ftp://api.github.com/app", "ftp://api.github.com"),
            (
                "https://api.github.com.evil.example/",
                "https://api.github.com.evil.example",
            ),
        ] {
            assert_eq!(
                resolve(&api, cur, location),
                Ok(Target::Other(other.into())),
                "{location}"
            );
        }
    }

    #[test]
    fn a_location_that_is_not_a_url_is_refused() {
        let api = base("https://api.github.com");
        let cur = "https://api.github.com/app";
        for location in [
            "",
            "   ",
            "https://",
            "https://user:pw@api.github.com/app",
            "http://[::1/x",
            "/a b",
            "/caf\u{e9}",
            "https://h:99999/",
            "/x\ny",
        ] {
            assert_eq!(
                resolve(&api, cur, location),
                Err(NotA::Redirect),
                "{location:?}"
            );
        }
    }

    #[test]
    fn only_plain_utf8_bodies_are_text() {
        assert_eq!(text(None, b"{}".to_vec()), Ok("{}".into()));
        assert_eq!(text(Some("identity"), b"{}".to_vec()), Ok("{}".into()));
        assert_eq!(text(Some("gzip"), b"{}".to_vec()), Err(NotA::Plain));
        assert_eq!(text(Some("x-unknown"), b"{}".to_vec()), Err(NotA::Plain));
        assert_eq!(text(None, vec![b'{', 0xff, b'}']), Err(NotA::Text));
    }

    #[test]
    fn only_redirect_statuses_redirect() {
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(s));
        }
        for s in [200, 300, 304, 305, 306, 309, 404] {
            assert!(!is_redirect(s));
        }
    }
}
