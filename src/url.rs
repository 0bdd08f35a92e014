//! A validated http(s) URL of a service the program talks to: the GitHub API
//! root, and any other service (a key service, a token endpoint) the same way.

use std::fmt;

/// Why a URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not `http://` or `https://`, or no host.
    NotHttp,
    /// `user:password@`: credentials belong elsewhere, and would be printed with the URL.
    UserInfo,
    /// Plain http to a host other than this machine.
    PlainHttp,
}

/// `scheme://host[:port][/path]`, checked once and read everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrl {
    /// The URL as given, without a trailing slash.
    text: String,
    https: bool,
    /// `host[:port]` as written, for messages.
    authority: String,
    /// Lower-case, without IPv6 brackets.
    host: String,
    port: u16,
    /// `""` or `/api/v3`: a prefix for every request path.
    path: String,
}

impl ServiceUrl {
    /// Parses `text` with `http::Uri`, the parser ureq connects with, so the
    /// URL checked here is the URL requested; plain http is allowed only to a
    /// loopback host.
    pub fn parse(text: &str) -> Result<ServiceUrl, UrlProblem> {
        let text = text.trim().trim_end_matches('/');
        let uri: ureq::http::Uri = text.parse().map_err(|_| UrlProblem::NotHttp)?;
        let https = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(UrlProblem::NotHttp),
        };
        let authority = uri.authority().ok_or(UrlProblem::NotHttp)?;
        if authority.as_str().contains('@') {
            return Err(UrlProblem::UserInfo);
        }
        // A fragment is dropped by the parser: refused, so nothing is silently lost.
        if text.contains('#') {
            return Err(UrlProblem::NotHttp);
        }
        let (host, port) = split_authority(authority.as_str()).ok_or(UrlProblem::NotHttp)?;
        let path = match uri.path_and_query().map_or("", |p| p.as_str()) {
            "/" => "",
            p => p,
        };
        let url = ServiceUrl {
            text: format!(
                "{}://{}{path}",
                if https { "https" } else { "http" },
                authority
            ),
            https,
            authority: authority.as_str().to_string(),
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(if https { 443 } else { 80 }),
            path: path.to_string(),
        };
        if !https && !url.is_loopback() {
            return Err(UrlProblem::PlainHttp);
        }
        Ok(url)
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the scheme is https.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// `host[:port]` as written.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `scheme://host[:port]`, without the path.
    pub fn origin(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.authority)
    }

    /// The host, lower-case, IPv6 without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, explicit or the scheme's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path prefix (`""` for a host root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// localhost, 127.0.0.0/8 or ::1.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The URL of `path` (starting with `/`) under this one.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.text)
    }
}

impl fmt::Display for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, as `http::Uri` accepted it;
/// `None` without a host, with a bad port, or with brackets around anything but
/// an IPv6 address.
pub(crate) fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (host, port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        // `http::Uri` lets brackets into a name (`host[]`): only an IPv6 address has them.
        if host.contains(['[', ']']) {
            return None;
        }
        (host, port)
    };
    let port = match port {
        Some(p) => Some(p.parse().ok()?),
        None => None,
    };
    (!host.is_empty()).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let u = ServiceUrl::parse("https://GHE.example.com:8443/api/v3/").unwrap();
        assert_eq!(u.as_str(), "https://GHE.example.com:8443/api/v3");
        assert_eq!(
            (u.host(), u.port(), u.path()),
            ("ghe.example.com", 8443, "/api/v3")
        );
        assert_eq!(u.authority(), "GHE.example.com:8443");
        assert_eq!(u.join("/app"), "https://GHE.example.com:8443/api/v3/app");
        assert_eq!(u.origin(), "https://GHE.example.com:8443");
        let v6 = ServiceUrl::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            (v6.host(), v6.port(), v6.is_loopback()),
            ("::1", 8080, true)
        );
        let kms = ServiceUrl::parse("https://kms.us-east-1.amazonaws.com/").unwrap();
        assert_eq!((kms.port(), kms.path(), kms.is_https()), (443, "", true));
    }

    #[test]
    fn problems() {
        use UrlProblem::*;
        for (url, problem) in [
            ("ftp://x", NotHttp),
            ("api.github.com", NotHttp),
            ("https://", NotHttp),
            ("https://h:port", NotHttp),
            ("https://user:pw@x", UserInfo),
            ("http://ghe.example.com", PlainHttp),
            ("http://[::1]junk:8080", NotHttp),
            ("http://[::1]:8080junk", NotHttp),
            ("http://[::1]junk", NotHttp),
            ("https://[zz]:443", NotHttp),
            ("https://kms.example.com[]/", NotHttp),
            ("https://h:99999", NotHttp),
            ("https://h/api#x", NotHttp),
            ("https://h\u{e9}/api", NotHttp),
            ("https://a b/api", NotHttp),
        ] {
            assert_eq!(ServiceUrl::parse(url), Err(problem), "{url}");
        }
        assert!(ServiceUrl::parse("http://localhost:9").is_ok());
        assert!(ServiceUrl::parse("http://127.0.0.2").is_ok());
    }
}
