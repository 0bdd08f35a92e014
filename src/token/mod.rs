//! Minting the installation token and revoking it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use crate::config::{Connection, TokenFormat};
use crate::error::{Error, Fate};
use crate::github::{self, Auth, GitHub, GithubError};
use crate::jwt::AppJwt;
use crate::report;
use crate::time::GithubClock;
use crate::transport::{
    self, BadAnswer, Call, FromJson, Method, Purpose, Transport, TransportError, json,
};

pub mod shape;

/// A minted token and what GitHub says it covers.
#[derive(Deserialize)]
pub struct Token {
    /// The secret itself. Any non-empty string without whitespace: GitHub's
    /// format changes (longer tokens from 2026), so nothing else is assumed.
    pub token: String,
    /// ISO-8601 expiry, as GitHub wrote it (the `expires-at` output).
    pub expires_at: String,
    /// The expiry as Unix seconds, read once from `expires_at` (`None` if unreadable).
    #[serde(skip)]
    pub expires: Option<i64>,
    /// Granted permissions.
    #[serde(default, deserialize_with = "json::string_map")]
    pub permissions: BTreeMap<String, String>,
    /// `all` or `selected`.
    #[serde(default, deserialize_with = "json::lenient_string")]
    pub repository_selection: Option<String>,
    /// The repositories, when selected.
    #[serde(default, deserialize_with = "json::objects")]
    pub repositories: Vec<Repository>,
}

impl FromJson for Token {
    const FIELDS: &'static str = "token, expires_at, repositories[].name";
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A repository in the mint answer.
#[derive(Debug, Deserialize)]
pub struct Repository {
    /// Bare name.
    pub name: String,
}

/// What the user asked to narrow the token to.
pub struct Scope<'a> {
    /// Bare repository names (empty: all the installation's).
    pub repositories: &'a [String],
    /// Permissions (empty: all the installation's).
    pub permissions: &'a BTreeMap<String, String>,
}

impl Scope<'_> {
    /// The request body: only what was asked for.
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({});
        if !self.repositories.is_empty() {
            body["repositories"] = json!(self.repositories);
        }
        if !self.permissions.is_empty() {
            body["permissions"] = json!(self.permissions);
        }
        body
    }
}

pub use shape::{MAX_LEN, check_shape, sendable};

/// A token as it arrives, before anything else in the answer is read: the
/// caller saves it for revocation (the action's state) before anything can fail.
pub struct Arrived<'a> {
    /// The token, already masked and of a valid shape.
    pub token: &'a str,
    /// The expiry as GitHub wrote it, when it is printable ASCII.
    pub expires_at: Option<&'a str>,
    /// Seconds to add to this machine's clock to get GitHub's.
    pub clock_offset: i64,
}

/// What saves an arrived token; an error in it revokes the token at once.
pub type Keep<'k> = dyn FnMut(&Arrived) -> Result<(), Error> + 'k;

/// The token in the mint answer, read before anything else in it.
#[derive(Deserialize)]
struct Arrival {
    token: String,
    #[serde(default, deserialize_with = "json::lenient_string")]
    expires_at: Option<String>,
}

impl FromJson for Arrival {
    const FIELDS: &'static str = Token::FIELDS;
}

/// `POST /app/installations/{id}/access_tokens`; `format` forces a token format.
/// The token is masked the moment it arrives and handed to `keep`; any failure
/// after that revokes it at once and says so ([`Error::AfterMint`]).
pub fn mint(
    github: &GitHub,
    jwt: &AppJwt<Error>,
    installation: u64,
    scope: &Scope,
    format: Option<TokenFormat>,
    keep: &mut Keep<'_>,
) -> Result<Token, Error> {
    let path = format!("/app/installations/{installation}/access_tokens");
    let body = scope.body();
    let header = format.map(|f| (TokenFormat::HEADER, f.header_value()));
    let (resp, call) = github.send(
        Purpose::TokenRequest,
        Method::Post,
        &path,
        Auth::App(jwt),
        Some(&body),
        header.as_slice(),
    )?;
    match resp.status {
        201 | 200 => minted(github, &resp, &call, keep),
        404 => Err(GithubError::InstallationIdNotFound { id: installation }.into()),
        422 => Err(GithubError::Unprocessable {
            message: github::message(&resp),
            repositories: scope.repositories.to_vec(),
            permissions: scope.permissions.clone(),
        }
        .into()),
        _ => Err(github::api_error(&resp, call).into()),
    }
}

/// A mint answer: the token is masked and handed to `keep` before the rest is
/// read; a failure after that revokes it ([`after_mint`]).
fn minted(
    github: &GitHub,
    resp: &transport::Response,
    call: &Call,
    keep: &mut Keep<'_>,
) -> Result<Token, Error> {
    let answer = resp.json_value(call)?;
    let Some(arrival) = json::read::<Arrival>(&answer) else {
        return Err(TransportError::BadResponse {
            call: call.clone(),
            reason: BadAnswer::Fields(Token::FIELDS),
        }
        .into());
    };
    let raw = arrival.token.as_str();
    report::add_mask(raw);
    let read = check_shape(raw)
        .map_err(|problem| {
            Error::from(TransportError::BadResponse {
                call: call.clone(),
                reason: BadAnswer::TokenShape(problem),
            })
        })
        .and_then(|()| {
            keep(&Arrived {
                token: raw,
                expires_at: arrival
                    .expires_at
                    .as_deref()
                    .filter(|e| e.bytes().all(|b| b.is_ascii_graphic())),
                clock_offset: github.clock().offset(),
            })
        })
        .and_then(|()| read_token(&answer, call));
    read.map_err(|cause| after_mint(github, raw, cause))
}

/// The rest of the mint answer. An expiry that is not printable ASCII is no
/// date GitHub writes: the answer is refused rather than parsed.
fn read_token(answer: &serde_json::Value, call: &Call) -> Result<Token, Error> {
    let bad = |reason| {
        Error::from(TransportError::BadResponse {
            call: call.clone(),
            reason,
        })
    };
    let mut token =
        json::read::<Token>(answer).ok_or_else(|| bad(BadAnswer::Fields(Token::FIELDS)))?;
    // GitHub writes an RFC 3339 time here; anything else (not ASCII, Feb 31, a year
    // past any calendar) is an answer that is not GitHub's, refused like a missing field.
    let expires = Some(token.expires_at.as_str())
        .filter(|e| e.bytes().all(|b| b.is_ascii_graphic()))
        .and_then(crate::time::parse_iso8601)
        .ok_or_else(|| bad(BadAnswer::Fields("expires_at")))?;
    token.expires = Some(expires);
    Ok(token)
}

/// `cause` stopped the run after GitHub created `token`: revokes it at once when
/// it can be sent back, and says what became of it.
pub fn after_mint(github: &GitHub, token: &str, cause: Error) -> Error {
    if token.trim().is_empty() {
        return cause;
    }
    let fate = if sendable(token) {
        Fate::of(revoke(github, token, true))
    } else {
        Fate::Unsendable
    };
    Error::AfterMint {
        cause: Box::new(cause),
        fate,
    }
}

impl Fate {
    /// The fate after trying to revoke.
    pub fn of(revoked: Result<Revoked, Error>) -> Fate {
        match revoked {
            Ok(Revoked::Done) => Fate::Revoked,
            Ok(Revoked::AlreadyInvalid) => Fate::AlreadyInvalid,
            Err(e) => Fate::NotRevoked(Box::new(e)),
        }
    }
}

/// How a revocation ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    /// 204: done.
    Done,
    /// 401: the token no longer worked anyway.
    AlreadyInvalid,
}

/// A token this young may not have reached every GitHub server yet. Octokit's
/// `@octokit/auth-app`, the precedent for this retry, allows it for 5 s after
/// creation; a longer window would send a second `DELETE` for no reason.
pub const FRESH_SECS: i64 = 5;
/// How long GitHub's installation tokens live, so the minting time follows from the expiry.
pub const LIFETIME_SECS: i64 = 3600;

/// Whether a token expiring at `expires` (GitHub's time) is fresh at `now`.
pub fn is_fresh(expires: i64, now: i64) -> bool {
    now - (expires - LIFETIME_SECS) < FRESH_SECS
}

/// `DELETE /installation/token` with the token itself; `fresh` allows one retry
/// for replication lag.
pub fn revoke(github: &GitHub, token: &str, fresh: bool) -> Result<Revoked, Error> {
    let auth = Auth::Token { token, fresh };
    let (resp, call) = github.send(
        Purpose::Revocation,
        Method::Delete,
        "/installation/token",
        auth,
        None,
        &[],
    )?;
    match resp.status {
        // Only the DELETE's own 204: a redirect is not followed for a DELETE
        // (`Endpoint::send`), and no other success means the token is gone.
        204 => Ok(Revoked::Done),
        401 => Ok(Revoked::AlreadyInvalid),
        _ => Err(github::api_error(&resp, call).into()),
    }
}

/// Revokes `token` at the API `connection` names, on GitHub's `clock`.
pub fn revoke_with(
    connection: &Connection,
    clock: GithubClock,
    token: &str,
    fresh: bool,
) -> Result<Revoked, Error> {
    let transport = Transport::new(connection.ca_certificates.as_deref())?;
    let github = GitHub::new(&transport, &connection.api_url, clock)?;
    revoke(&github, token, fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_holds_only_what_was_asked() {
        let none = BTreeMap::new();
        assert_eq!(
            Scope {
                repositories: &[],
                permissions: &none
            }
            .body(),
            json!({})
        );
        let perms = BTreeMap::from([("contents".to_string(), "read".to_string())]);
        let repos = ["a".to_string()];
        let scope = Scope {
            repositories: &repos,
            permissions: &perms,
        };
        assert_eq!(
            scope.body(),
            json!({"repositories": ["a"], "permissions": {"contents": "read"}})
        );
    }

    #[test]
    fn fresh_means_minted_within_five_seconds() {
        let now = 10_000;
        assert!(is_fresh(now + 3600, now));
        assert!(is_fresh(now + 3600 - 4, now));
        assert!(!is_fresh(now + 3600 - 5, now));
        assert!(!is_fresh(now + 3600 - 59, now));
        assert!(!is_fresh(now + 1800, now));
    }
}
