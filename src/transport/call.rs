//! How messages name a request and who answered it: the words every network
//! failure (the transport's, the wire's, GitHub's, a key service's) is made of.

use std::fmt;

use crate::kms::Service;
use crate::method::Method;

/// What a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `GET /app`.
    AppCheck,
    /// `GET .../installation` or `/app/installations/{id}`.
    InstallationLookup,
    /// `POST .../access_tokens`.
    TokenRequest,
    /// `GET /users/<slug>[bot]`.
    BotLookup,
    /// `DELETE /installation/token`.
    Revocation,
    /// A call to a key service or the runner's OIDC endpoint.
    KeyService(Service),
}

/// One request as messages name it: `the token request (POST /app/...)`, or
/// `POST /app/...` where the purpose is not known (the transport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// What it was for, when known.
    pub purpose: Option<Purpose>,
    pub method: Method,
    /// The path under the service's root.
    pub path: String,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.purpose {
            None => return write!(f, "{} {}", self.method, self.path),
            Some(Purpose::AppCheck) => "the app check",
            Some(Purpose::InstallationLookup) => "the installation lookup",
            Some(Purpose::TokenRequest) => "the token request",
            Some(Purpose::BotLookup) => "the bot user lookup",
            Some(Purpose::Revocation) => "the revocation",
            Some(Purpose::KeyService(service)) => {
                return write!(f, "the {service} request ({} {})", self.method, self.path);
            }
        };
        write!(f, "{what} ({} {})", self.method, self.path)
    }
}

/// Who answered, for messages: GitHub, or another service by its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The GitHub API.
    GitHub,
    /// Another service.
    Host(String),
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Who::GitHub => f.write_str("GitHub"),
            Who::Host(h) => f.write_str(h),
        }
    }
}
