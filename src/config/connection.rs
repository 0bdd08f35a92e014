//! Where the API is and how to reach it.

use crate::inputs::error::InputError;
use crate::secret::Shown;
use crate::url::{ServiceUrl, UrlProblem};

use super::Context;

/// Where the API is and how to reach it: the same for minting, the post
/// stage's revocation and the CLI's `revoke`. The proxy is chosen per URL from
/// the environment when connecting.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The REST API root.
    pub api_url: ServiceUrl,
    /// Extra CA certificates (PEM).
    pub ca_certificates: Option<String>,
}

impl Connection {
    /// `github-api-url` (else `GITHUB_API_URL`, else github.com) and `ca-certificates`.
    pub fn new(
        api_url: Option<&str>,
        ca: Option<&str>,
        ctx: &Context,
    ) -> Result<Connection, InputError> {
        Ok(Connection {
            api_url: api_url_of(api_url, ctx)?,
            ca_certificates: ca.map(str::to_string),
        })
    }
}

/// The API root: `given`, else `GITHUB_API_URL`, else github.com.
pub(super) fn api_url_of(given: Option<&str>, ctx: &Context) -> Result<ServiceUrl, InputError> {
    let url = given
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(ctx.api_url.as_deref())
        .unwrap_or("https://api.github.com")
        .trim();
    ServiceUrl::parse(url).map_err(|problem| match problem {
        UrlProblem::PlainHttp => InputError::InsecureApiUrl {
            url: Shown::of(url.trim_end_matches('/')),
        },
        UrlProblem::NotHttp | UrlProblem::UserInfo => InputError::InvalidApiUrl {
            url: Shown::url(url.trim_end_matches('/')),
        },
    })
}

/// The web root for settings links: `GITHUB_SERVER_URL`, else derived from the API root.
pub(super) fn server_url(api: &ServiceUrl, ctx: &Context) -> String {
    if let Some(s) = &ctx.server_url {
        return s.trim_end_matches('/').to_string();
    }
    match (api.path(), api.authority().strip_prefix("api.")) {
        // GitHub Enterprise Server: the API under /api/v3 of the web host.
        ("/api/v3", _) => api.origin(),
        // github.com and GHE.com put the API on an `api.` host of the web host.
        ("", Some(web)) => api.origin().replacen(api.authority(), web, 1),
        _ => api.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::ServiceUrl;

    fn api_url(given: Option<&str>, c: &Context) -> Result<String, InputError> {
        api_url_of(given, c).map(|u| u.as_str().to_string())
    }

    #[test]
    fn api_urls() {
        let c = Context::default();
        assert_eq!(api_url(None, &c).unwrap(), "https://api.github.com");
        assert_eq!(
            api_url(Some("https://ghe.example.com/api/v3/"), &c).unwrap(),
            "https://ghe.example.com/api/v3"
        );
        assert!(api_url(Some("http://127.0.0.1:8080"), &c).is_ok());
        assert!(api_url(Some("http://[::1]:8080/"), &c).is_ok());
        let fallback = Context {
            api_url: Some("https://ghe.example.com/api/v3".into()),
            ..Context::default()
        };
        assert_eq!(
            api_url(None, &fallback).unwrap(),
            "https://ghe.example.com/api/v3"
        );
        assert!(matches!(
            api_url(Some("http://ghe.example.com"), &c),
            Err(InputError::InsecureApiUrl { .. })
        ));
        assert!(matches!(
            api_url(Some("ftp://x"), &c),
            Err(InputError::InvalidApiUrl { .. })
        ));
        let err = api_url(Some("https://user:pw@x"), &c).unwrap_err();
        assert!(matches!(err, InputError::InvalidApiUrl { .. }));
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[test]
    fn web_root_from_the_api_root() {
        let c = Context::default();
        let server_url = |api: &str, c: &Context| server_url(&ServiceUrl::parse(api).unwrap(), c);
        assert_eq!(
            server_url("https://api.github.com", &c),
            "https://github.com"
        );
        assert_eq!(
            server_url("https://api.acme.ghe.com", &c),
            "https://acme.ghe.com"
        );
        assert_eq!(
            server_url("https://ghe.example.com/api/v3", &c),
            "https://ghe.example.com"
        );
        let c = Context {
            server_url: Some("https://ghe.example.com/".into()),
            ..Context::default()
        };
        assert_eq!(
            server_url("https://x/api/v3", &c),
            "https://ghe.example.com"
        );
    }
}
