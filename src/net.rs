//! The connection settings a corporate network needs: which proxy (from the
//! usual environment variables, honouring `NO_PROXY`) and which certificate
//! authorities (the bundled public roots plus private ones).

use std::path::Path;

use ureq::tls::{Certificate, PemItem, parse_pem};

use crate::env::var as env;
use crate::report;
use crate::report::Note;
use crate::secret::Shown;
use crate::url::ServiceUrl;

/// A connection setting that cannot be used: a proxy, CA certificates, a key
/// service's address.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// No certificate in the extra CA certificates.
    #[error(
        "The CA certificates from the `ca-certificates` input (CLI: --ca-certificates-file) could not be used: no certificate was found in them. Give PEM text with one or more -----BEGIN CERTIFICATE----- blocks."
    )]
    CaCertificates,
    /// A proxy variable that is not a proxy URL.
    #[error(
        "{var} is set but is not a proxy URL like http://proxy.example.com:3128 (its value is not shown: it may hold credentials). Fix or unset {var} in the step's environment."
    )]
    Proxy { var: &'static str },
    /// A proxy URL whose user name or password holds an unencoded `/`, `?`, `#` or `@`.
    #[error(
        "{var} holds a proxy user name or password with an unencoded /, ?, # or @, so part of it would be read as the proxy's host (curl refuses such a URL too; the value is not shown). Percent-encode those characters in the user name and password (/ as %2F, ? as %3F, # as %23, @ as %40) and keep the form http://USER:PASSWORD@HOST:PORT."
    )]
    ProxyUserInfo { var: &'static str },
    /// A key service's address that is not an http(s) URL.
    #[error(
        "The key service address {url} is not an http(s) URL without user info. Check VAULT_ADDR, AWS_ENDPOINT_URL (or the endpoint in `kms-key`) and CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS."
    )]
    InvalidServiceUrl { url: Shown },
    /// Plain http to a key service not on this machine.
    #[error(
        "The key service address {url} uses plain http. Tokens and signatures would cross the network unencrypted, so http is allowed only for a loopback host (localhost, 127.0.0.1, ::1). Use https."
    )]
    InsecureServiceUrl { url: Shown },
    /// `VAULT_CACERT` names a file that cannot be read.
    #[error(
        "Could not read VAULT_CACERT ({path}): {source}. Point VAULT_CACERT at a PEM file inside the workspace (the action runs in a container that sees only the workspace and the runner's temp folders)."
    )]
    VaultCaCert {
        path: String,
        source: std::io::Error,
    },
}

impl NetError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        match self {
            NetError::CaCertificates | NetError::VaultCaCert { .. } => "Invalid CA certificates",
            NetError::Proxy { .. } | NetError::ProxyUserInfo { .. } => "Invalid proxy setting",
            NetError::InvalidServiceUrl { .. } | NetError::InsecureServiceUrl { .. } => {
                "Invalid key service setting"
            }
        }
    }
}

/// A proxy chosen for one service's URL.
#[derive(Debug, Clone)]
pub struct ProxyChoice {
    /// The proxy, credentials included: never print it.
    pub proxy: ureq::Proxy,
    /// `scheme://host:port`, safe to print.
    pub shown: String,
}

/// The proxy for `url`, as curl would choose it: `https_proxy` for https,
/// `http_proxy` for http, else `all_proxy` (lower case first, then upper),
/// unless `NO_PROXY` covers the host.
pub fn proxy_for(url: &ServiceUrl) -> Result<Option<ProxyChoice>, NetError> {
    proxy_from(url, env)
}

pub(crate) fn proxy_from(
    url: &ServiceUrl,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, NetError> {
    let no_proxy = env("no_proxy")
        .or_else(|| env("NO_PROXY"))
        .unwrap_or_default();
    if bypassed(&no_proxy, url.host(), url.port()) {
        return Ok(None);
    }
    let names: [&'static str; 4] = if url.is_https() {
        ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
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
    let (pscheme, hostport) = proxy_parts(&url, var)?;
    let proxy = ureq::Proxy::new(&url).map_err(|_| NetError::Proxy { var })?;
    Ok(Some(ProxyChoice {
        shown: format!("{pscheme}://{hostport}"),
        proxy,
    }))
}

/// The scheme and `host[:port]` of a proxy URL, read as curl and ureq read it:
/// the authority ends at the first `/`, `?` or `#`. A user name or password
/// holding one of those (or a second `@`) unencoded would put part of it in the
/// host, so it is refused with how to write it, and nothing of it is shown.
fn proxy_parts<'u>(url: &'u str, var: &'static str) -> Result<(&'u str, &'u str), NetError> {
    let (scheme, rest) = url.split_once("://").ok_or(NetError::Proxy { var })?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if rest[end..].contains('@') || authority.matches('@').count() > 1 {
        return Err(NetError::ProxyUserInfo { var });
    }
    let uri: ureq::http::Uri = url.parse().map_err(|_| NetError::Proxy { var })?;
    let parsed = uri.authority().ok_or(NetError::Proxy { var })?;
    // The parser that connects must see the same host as the one shown.
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if hostport.is_empty() || parsed.host().is_empty() || !hostport.starts_with(parsed.host()) {
        return Err(NetError::Proxy { var });
    }
    // `http::Uri` takes a port that is not a number (`alice:s3cr`) and drops it
    // later: a port is refused here as curl refuses it.
    crate::url::split_authority(hostport).ok_or(NetError::Proxy { var })?;
    Ok((scheme, hostport))
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
/// `NODE_EXTRA_CA_CERTS`, `SSL_CERT_DIR` and the `ca-certificates` input.
pub fn roots(ca_input: Option<&str>) -> Result<Vec<Certificate<'static>>, NetError> {
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()))
        .collect();
    // NODE_EXTRA_CA_CERTS: what GHES users of node actions already set for the runner.
    for var in ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] {
        let Some(path) = env(var) else { continue };
        match std::fs::read(&path) {
            Ok(pem) => certs.extend(pem_certs(&pem)),
            Err(e) => report::note(&Note::CaFileUnread {
                var,
                path,
                error: e.to_string(),
            }),
        }
    }
    if let Some(dir) = env("SSL_CERT_DIR") {
        for d in std::env::split_paths(&dir) {
            certs.extend(dir_certs(&d));
        }
    }
    if let Some(text) = ca_input.map(str::trim).filter(|t| !t.is_empty()) {
        certs.extend(pem_certificates(text)?);
    }
    Ok(certs)
}

/// The certificates in PEM `text` (`\n` escapes allowed); none is an error.
pub fn pem_certificates(text: &str) -> Result<Vec<Certificate<'static>>, NetError> {
    let found = pem_certs(text.replace("\\n", "\n").as_bytes());
    if found.is_empty() {
        return Err(NetError::CaCertificates);
    }
    Ok(found)
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
        report::note(&Note::CaDirUnread {
            dir: dir.display().to_string(),
        });
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

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// Every variant, by an exhaustive match: a new one fails to compile here.
    fn variant(e: &NetError) -> usize {
        use NetError::*;
        match e {
            CaCertificates => 0,
            Proxy { .. } => 1,
            ProxyUserInfo { .. } => 2,
            InvalidServiceUrl { .. } => 3,
            InsecureServiceUrl { .. } => 4,
            VaultCaCert { .. } => 5,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn every_error_is_specific_and_actionable() {
        use NetError::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let all = vec![
            (InvalidServiceUrl { url: Shown::url("ftp://u:p@v") }, vec!["\"ftp://v\"", "VAULT_ADDR"]),
            (InsecureServiceUrl { url: Shown::of("http://vault:8200") }, vec!["\"http://vault:8200\"", "Use https"]),
            (VaultCaCert { path: s("/ca.pem"), source: io() }, vec!["VAULT_CACERT", "/ca.pem", "No such file"]),
            (CaCertificates, vec!["`ca-certificates`", "no certificate", "BEGIN CERTIFICATE"]),
            (Proxy { var: "HTTPS_PROXY" }, vec!["HTTPS_PROXY", "not shown", "unset"]),
            (ProxyUserInfo { var: "HTTPS_PROXY" }, vec!["HTTPS_PROXY", "not shown", "%2F", "USER:PASSWORD@HOST:PORT"]),
        ];
        crate::catalogue::check(&all, 6, variant, NetError::title);
    }

    fn url(u: &str) -> ServiceUrl {
        ServiceUrl::parse(u).unwrap()
    }

    /// The chosen proxy as it is shown.
    fn choose(u: &str, vars: &[(&str, &str)]) -> Option<String> {
        proxy_from(&url(u), |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_string())
        })
        .unwrap()
        .map(|c| c.shown)
    }

    #[test]
    fn scheme_specific_then_all_proxy() {
        let vars = [
            ("HTTPS_PROXY", "http://s:3128"),
            ("http_proxy", "http://p:3128"),
            ("ALL_PROXY", "http://a:1"),
        ];
        assert_eq!(
            choose("https://api.github.com", &vars).unwrap(),
            "http://s:3128"
        );
        assert_eq!(
            choose("http://127.0.0.1:9", &vars).unwrap(),
            "http://p:3128"
        );
        assert_eq!(
            choose("https://x", &[("ALL_PROXY", "proxy:8080")]).unwrap(),
            "http://proxy:8080"
        );
        assert!(choose("https://x", &[]).is_none());
    }

    #[test]
    fn credentials_are_not_shown() {
        let c = choose(
            "https://x",
            &[("HTTPS_PROXY", "http://user:s3cret@proxy:3128")],
        );
        assert_eq!(c.unwrap(), "http://proxy:3128");
        let err = proxy_from(&url("https://x"), |k| {
            (k == "HTTPS_PROXY").then(|| "ftp://user:s3cret@".to_string())
        })
        .unwrap_err();
        assert!(matches!(err, NetError::Proxy { var: "HTTPS_PROXY" }));
        assert!(!err.to_string().contains("s3cret"));
    }

    #[test]
    fn a_password_with_a_delimiter_is_refused_unless_encoded() {
        let read = |v: &str| {
            let v = v.to_string();
            proxy_from(&url("https://x"), move |k| {
                (k == "HTTPS_PROXY").then(|| v.clone())
            })
        };
        for raw in [
            "http://alice:s3cr/3t@proxy:3128",
            "http://alice:123/x@proxy:3128",
            "http://alice:s3cr?3t@proxy:3128",
            "http://alice:s3cr#3t@proxy:3128",
            "http://alice:s3@cr@proxy:3128",
            "alice:s3cr/3t@proxy:3128",
        ] {
            let err = read(raw).unwrap_err();
            assert!(
                matches!(err, NetError::ProxyUserInfo { var: "HTTPS_PROXY" }),
                "{raw}: {err:?}"
            );
            let msg = err.to_string();
            for part in ["s3cr", "3t", "alice", "cr@"] {
                assert!(!msg.contains(part), "{raw}: {msg}");
            }
            assert!(msg.contains("%2F"), "{msg}");
        }
        // Without an `@` there is no user info: `alice:s3cr` would be a host and a port.
        for raw in [
            "http://alice:s3cr",
            "http://alice:s3cr/3t",
            "http://u@h:port",
        ] {
            let err = read(raw).unwrap_err();
            assert!(matches!(err, NetError::Proxy { .. }), "{raw}: {err:?}");
            assert!(!err.to_string().contains("s3cr"));
        }
        let ok = read("http://alice:s3cr%2F3t@proxy:3128").unwrap().unwrap();
        assert_eq!(ok.shown, "http://proxy:3128");
        assert!(!format!("{:?}", ok.shown).contains("s3cr"));
        let ok = read("http://proxy:3128/").unwrap().unwrap();
        assert_eq!(ok.shown, "http://proxy:3128");
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
        // Per URL: another host through the same variables still takes the proxy.
        assert!(choose("https://kms.us-east-1.amazonaws.com/", &vars).is_some());
    }

    #[test]
    fn ca_input_without_certificates_is_an_error() {
        assert!(roots(Some("not pem")).is_err());
        assert!(roots(None).unwrap().len() > 100);
    }
}
