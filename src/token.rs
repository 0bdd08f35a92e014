//! Minting the installation token and revoking it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use crate::config::TokenFormat;
use crate::error::Error;
use crate::github;
use crate::http::{Auth, Client, Method};
use crate::jwt::AppJwt;

/// A minted token and what GitHub says it covers.
#[derive(Deserialize)]
pub struct Token {
    /// The secret itself. Any non-empty string without whitespace: GitHub's
    /// format changes (longer tokens from 2026), so nothing else is assumed.
    pub token: String,
    /// ISO-8601 expiry.
    pub expires_at: String,
    /// Granted permissions.
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
    /// `all` or `selected`.
    #[serde(default)]
    pub repository_selection: Option<String>,
    /// The repositories, when selected.
    #[serde(default)]
    pub repositories: Vec<Repository>,
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

    /// `repositories a, b; permissions contents:write` for messages.
    pub fn describe(&self) -> String {
        let repos = if self.repositories.is_empty() {
            "all of the installation's repositories".to_string()
        } else {
            format!("repositories {}", self.repositories.join(", "))
        };
        let perms = if self.permissions.is_empty() {
            "all of the installation's permissions".to_string()
        } else {
            format!("permissions {}", describe_permissions(self.permissions))
        };
        format!("{repos}; {perms}")
    }
}

/// `contents:write, issues:read`.
pub fn describe_permissions(p: &BTreeMap<String, String>) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `POST /app/installations/{id}/access_tokens`; `format` forces a token format.
pub fn mint(
    client: &Client,
    jwt: &AppJwt,
    installation: u64,
    scope: &Scope,
    format: Option<TokenFormat>,
) -> Result<Token, Error> {
    let path = format!("/app/installations/{installation}/access_tokens");
    let action = format!("the token request (POST {path})");
    let header = format.map(|f| (TokenFormat::HEADER, f.header_value()));
    let resp = client.send_with(
        Method::Post,
        &path,
        Auth::App(jwt),
        Some(&scope.body()),
        header.as_slice(),
    )?;
    match resp.status {
        201 | 200 => {
            let token: Token = resp.json(&action)?;
            if token.token.is_empty() || token.token.chars().any(char::is_whitespace) {
                return Err(Error::BadResponse {
                    action,
                    reason: "the token field is empty or contains whitespace".into(),
                });
            }
            Ok(token)
        }
        404 => Err(Error::InstallationIdNotFound { id: installation }),
        422 => Err(Error::Unprocessable {
            message: resp.message(),
            requested: scope.describe(),
        }),
        _ => Err(github::api_error(&resp, &action)),
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

/// `DELETE /installation/token` with the token itself.
pub fn revoke(client: &Client, token: &str) -> Result<Revoked, Error> {
    let action = "the revocation (DELETE /installation/token)";
    let resp = client.send(
        Method::Delete,
        "/installation/token",
        Auth::FreshToken(token),
        None,
    )?;
    match resp.status {
        204 | 200 => Ok(Revoked::Done),
        401 => Ok(Revoked::AlreadyInvalid),
        _ => Err(github::api_error(&resp, action)),
    }
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
        assert_eq!(
            scope.describe(),
            "repositories a; permissions contents:read"
        );
    }
}
