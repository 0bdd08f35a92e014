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
