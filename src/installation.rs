//! Finding the app's installation: by repository, account, enterprise or id.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::Target;
use crate::error::Error;
use crate::github;
use crate::http::{Auth, Client, Method};
use crate::jwt::AppJwt;

/// The installation's account.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Account {
    /// Login (or enterprise slug).
    #[serde(default)]
    pub login: Option<String>,
    /// Enterprise installations name the account `slug`.
    #[serde(default)]
    pub slug: Option<String>,
    /// `Organization`, `User` or `Enterprise`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// What the program needs of an installation.
#[derive(Debug, Clone, Deserialize)]
pub struct Installation {
    /// Its id.
    pub id: u64,
    /// The app's slug.
    #[serde(default)]
    pub app_slug: Option<String>,
    /// Whose it is.
    #[serde(default)]
    pub account: Account,
    /// `all` or `selected`.
    #[serde(default)]
    pub repository_selection: Option<String>,
    /// What it was granted.
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
}

impl Installation {
    /// `acme (Organization)`, or the id when the account is unknown.
    pub fn describe(&self) -> String {
        let name = self.account.login.as_ref().or(self.account.slug.as_ref());
        match (name, &self.account.kind) {
            (Some(n), Some(k)) => format!("{n} ({k})"),
            (Some(n), None) => n.clone(),
            _ => format!("installation {}", self.id),
        }
    }
}

/// The lookup path for `target`, with what to call it in messages.
fn lookup(target: &Target) -> (String, String) {
    let enc = github::path_segment;
    match target {
        Target::Repository { owner, repo } => (
            format!("/repos/{}/{}/installation", enc(owner), enc(repo)),
            format!("the repository {owner}/{repo}"),
        ),
        Target::Account(owner) => (
            format!("/users/{}/installation", enc(owner)),
            format!("the account {owner}"),
        ),
        Target::Enterprise(slug) => (
            format!("/enterprises/{}/installation", enc(slug)),
            format!("the enterprise {slug}"),
        ),
        Target::Id(id) => (
            format!("/app/installations/{id}"),
            format!("installation {id}"),
        ),
    }
}

/// Where a person installs the app or changes its repository access.
fn settings_link(server: &str, target: &Target) -> String {
    match target {
        Target::Repository { owner, .. } | Target::Account(owner) => format!(
            "{server}/organizations/{owner}/settings/installations for an organization, or {server}/settings/installations for a personal account"
        ),
        Target::Enterprise(slug) => format!("{server}/enterprises/{slug}/settings/apps"),
        Target::Id(_) => format!("{server}/settings/installations"),
    }
}

/// Finds the installation for `target` (no request for an explicit id: see `by_id`).
pub fn find(
    client: &Client,
    jwt: &AppJwt,
    target: &Target,
    server_url: &str,
) -> Result<Installation, Error> {
    if let Target::Id(id) = *target {
        // An explicit id: no lookup (one request fewer), nothing known about it yet.
        return Ok(Installation {
            id,
            app_slug: None,
            account: Account::default(),
            repository_selection: None,
            permissions: BTreeMap::new(),
        });
    }
    let (path, what) = lookup(target);
    let action = format!("the installation lookup (GET {path})");
    let resp = client.send(Method::Get, &path, Auth::App(jwt), None)?;
    match resp.status {
        200 => resp.json(&action),
        404 => Err(Error::InstallationNotFound {
            target: what,
            path,
            settings: settings_link(server_url, target),
        }),
        _ => Err(github::api_error(&resp, &action)),
    }
}

/// `GET /app/installations/{id}`: checks that the installation is this app's.
pub fn by_id(client: &Client, jwt: &AppJwt, id: u64) -> Result<Installation, Error> {
    let (path, _) = lookup(&Target::Id(id));
    let action = format!("the installation lookup (GET {path})");
    let resp = client.send(Method::Get, &path, Auth::App(jwt), None)?;
    match resp.status {
        200 => resp.json(&action),
        404 => Err(Error::InstallationIdNotFound { id }),
        _ => Err(github::api_error(&resp, &action)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_paths_follow_the_table() {
        let repo = Target::Repository {
            owner: "acme".into(),
            repo: "repo-a".into(),
        };
        assert_eq!(lookup(&repo).0, "/repos/acme/repo-a/installation");
        assert_eq!(
            lookup(&Target::Account("octocat".into())).0,
            "/users/octocat/installation"
        );
        assert_eq!(
            lookup(&Target::Enterprise("big-corp".into())).0,
            "/enterprises/big-corp/installation"
        );
        assert_eq!(lookup(&Target::Id(7)).0, "/app/installations/7");
    }
}
