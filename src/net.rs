//! The connection settings a corporate network needs: which proxy (from the
//! usual environment variables, honouring `NO_PROXY`) and which certificate
//! authorities (the bundled public roots plus private ones).

use std::path::Path;

use ureq::tls::{Certificate, PemItem, parse_pem};

use crate::config::{env_var as env, host_of};
use crate::error::Error;
use crate::report;

/// A proxy chosen for the API host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyChoice {
    /// The full URL, credentials included: never print it.
    pub url: String,
    /// `scheme://host:port`, safe to print.
    pub shown: String,
}

/// The proxy for `api_url`, as curl would choose it: `https_proxy` for https,
/// `http_proxy` for http, else `all_proxy` (lower case first, then upper),
/// unless `NO_PROXY` covers the host.
pub fn proxy_for(api_url: &str) -> Result<Option<ProxyChoice>, Error> {
    proxy_from(api_url, env)
}

fn proxy_from(
    api_url: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, Error> {
    let (scheme, rest) = api_url.split_once("://").unwrap_or(("https", api_url));
    let authority = rest.split('/').next().unwrap_or_default();
    let host = host_of(authority).to_ascii_lowercase();
    let port = authority
        .rsplit_once(':')
        .filter(|(h, _)| !h.ends_with(']') || authority.starts_with('['))
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .unwrap_or(if scheme.eq_ignore_ascii_case("http") {
            80
        } else {
            443
        });
    let no_proxy = env("no_proxy")
        .or_else(|| env("NO_PROXY"))
        .unwrap_or_default();
    if bypassed(&no_proxy, &host, port) {
        return Ok(None);
    }
    let names: [&str; 4] = if scheme.eq_ignore_ascii_case("http") {
        ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let Some((var, value)) = names.iter().find_map(|n| env(n).map(|v| (*n, v))) else {
        return Ok(None);
    };
    let value = value.trim();
    // A bare host:port means an http proxy, as curl reads it.
    let url = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let (pscheme, prest) = url.split_once("://").unwrap_or_default();
    let pauth = prest.split('/').next().unwrap_or_default();
    let hostport = pauth.rsplit_once('@').map_or(pauth, |(_, hp)| hp);
    if hostport.is_empty() || ureq::Proxy::new(&url).is_err() {
        return Err(Error::Usage(format!(
            "{var} is set but is not a proxy URL like http://proxy.example.com:3128 (its value is not shown: it may hold credentials)."
        )));
    }
    Ok(Some(ProxyChoice {
        shown: format!("{pscheme}://{hostport}"),
        url,
    }))
}

/// `NO_PROXY`: comma list of `*`, hosts, `.suffix`/`*.suffix`, IPs, `host:port`.
pub fn bypassed(no_proxy: &str, host: &str, port: u16) -> bool {
    no_proxy.split(',').map(str::trim).any(|entry| {
        if entry.is_empty() {
            return false;
        }
        if entry == "*" {
            return true;
        }
        let entry = entry.to_ascii_lowercase();
        // host:port (or [v6]:port) limits the match to that port.
        let (pattern, want_port) = match entry.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && (h.ends_with(']') || !h.contains(':')) => {
                match p.parse::<u16>() {
                    Ok(p) => (h.trim_matches(['[', ']']).to_string(), Some(p)),
                    Err(_) => (entry.clone(), None),
                }
            }
            _ => (entry.trim_matches(['[', ']']).to_string(), None),
        };
        if want_port.is_some_and(|p| p != port) {
            return false;
        }
        let suffix = pattern.trim_start_matches('*').trim_start_matches('.');
        !suffix.is_empty() && (host == suffix || host.ends_with(&format!(".{suffix}")))
    })
}

/// Certificate authorities: the bundled Mozilla roots, plus `SSL_CERT_FILE`,
/// `SSL_CERT_DIR` and the `ca-certificates` input.
pub fn roots(ca_input: Option<&str>) -> Result<Vec<Certificate<'static>>, Error> {
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()))
        .collect();
    if let Some(path) = env("SSL_CERT_FILE") {
        match std::fs::read(&path) {
            Ok(pem) => certs.extend(pem_certs(&pem)),
            Err(e) => report::warning(
                "CA file not read",
                &format!("SSL_CERT_FILE={path} could not be read ({e}); continuing without it."),
            ),
        }
    }
    if let Some(dir) = env("SSL_CERT_DIR") {
        for d in std::env::split_paths(&dir) {
            certs.extend(dir_certs(&d));
        }
    }
    if let Some(text) = ca_input.map(str::trim).filter(|t| !t.is_empty()) {
        let text = text.replace("\\n", "\n");
        let found = pem_certs(text.as_bytes());
        if found.is_empty() {
            return Err(Error::CaCertificates {
                origin: "the `ca-certificates` input".into(),
                reason: "no certificate was found in it".into(),
            });
        }
        certs.extend(found);
    }
    Ok(certs)
}

fn pem_certs(pem: &[u8]) -> Vec<Certificate<'static>> {
    parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect()
}

fn dir_certs(dir: &Path) -> Vec<Certificate<'static>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        report::warning(
            "CA directory not read",
            &format!(
                "SSL_CERT_DIR entry {} could not be read; continuing without it.",
                dir.display()
            ),
        );
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read(e.path()).ok())
        .flat_map(|pem| pem_certs(&pem))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(url: &str, vars: &[(&str, &str)]) -> Option<ProxyChoice> {
        proxy_from(url, |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_string())
        })
        .unwrap()
    }

    #[test]
    fn scheme_specific_then_all_proxy() {
        let vars = [
            ("HTTPS_PROXY", "http://s:3128"),
            ("http_proxy", "http://p:3128"),
            ("ALL_PROXY", "http://a:1"),
        ];
        assert_eq!(
            choose("https://api.github.com", &vars).unwrap().url,
            "http://s:3128"
        );
        assert_eq!(
            choose("http://127.0.0.1:9", &vars).unwrap().url,
            "http://p:3128"
        );
        assert_eq!(
            choose("https://x", &[("ALL_PROXY", "proxy:8080")])
                .unwrap()
                .url,
            "http://proxy:8080"
        );
        assert!(choose("https://x", &[]).is_none());
    }

    #[test]
    fn credentials_are_not_shown() {
        let c = choose(
            "https://x",
            &[("HTTPS_PROXY", "http://user:s3cret@proxy:3128")],
        )
        .unwrap();
        assert_eq!(c.shown, "http://proxy:3128");
        let err = proxy_from("https://x", |k| {
            (k == "HTTPS_PROXY").then(|| "ftp://user:s3cret@".to_string())
        })
        .unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
    }

    #[test]
    fn no_proxy_forms() {
        assert!(bypassed("*", "api.github.com", 443));
        assert!(bypassed("github.com", "api.github.com", 443));
        assert!(bypassed(".github.com", "api.github.com", 443));
        assert!(bypassed("*.github.com", "api.github.com", 443));
        assert!(bypassed("ghe.local:8443", "ghe.local", 8443));
        assert!(!bypassed("ghe.local:8443", "ghe.local", 443));
        assert!(bypassed("127.0.0.1", "127.0.0.1", 80));
        assert!(bypassed("[::1]:8080", "::1", 8080));
        assert!(!bypassed("hub.com", "github.com", 443));
        assert!(!bypassed("", "github.com", 443));
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "localhost,example.com"),
        ];
        assert!(choose("https://api.example.com", &vars).is_none());
    }

    #[test]
    fn ca_input_without_certificates_is_an_error() {
        assert!(roots(Some("not pem")).is_err());
        assert!(roots(None).unwrap().len() > 100);
    }
}
