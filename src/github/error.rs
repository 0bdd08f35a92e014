//! GitHub's refusals, as the user is told them: each answer the API documents
//! for a wrong key, app, installation or request, with what to do about it.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::config::Target;
use crate::transport::call::Call;
use crate::transport::error::attempts_note;

/// An answer from GitHub that refuses the request.
#[derive(Debug, Error)]
pub enum GithubError {
    /// 404 on the installation lookup.
    #[error(
        "The app is not installed on {target}, or cannot see it (GitHub answered 404 to {path}). Install the app there, or give its installation access to the repository: {}. Check too that `client-id`/`app-id` names the app you installed.",
        settings_link(.server, .target)
    )]
    InstallationNotFound {
        target: Target,
        path: String,
        server: String,
    },
    /// 404 for an installation id.
    #[error(
        "Installation {id} was not found for this app (GitHub answered 404). Check `installation-id`: it must be an installation of the app named by `client-id`/`app-id`."
    )]
    InstallationIdNotFound { id: u64 },
    /// `GET /app/installations` did not stop paging.
    #[error(
        "GitHub listed more than {max} installations of the app and was still paging; `owners: *` stops there. Name the accounts in `owners` instead."
    )]
    TooManyInstallations { max: usize },
    /// The JWT's signature does not verify with the app's public key.
    #[error(
        "GitHub could not verify the app's JWT (\"A JSON web token could not be decoded\"): the private key does not belong to the app named by `client-id`/`app-id`. Use a private key generated on that same app's settings page, and check that the id names the app the key came from."
    )]
    KeyMismatch,
    /// `iss` names no app with a key.
    #[error(
        "GitHub knows no app with a key for the given `client-id`/`app-id` (\"Integration must generate a public key\"). Give the app's client ID (Iv...) or numeric app ID from its settings page, not a client secret, an installation id or an OAuth app's id; if the id is right, generate a private key on the app's settings page."
    )]
    NoPublicKey,
    /// The JWT's times were refused even after correcting for skew.
    #[error(
        "GitHub refused the JWT's times: \"{message}\", even after correcting for this machine's clock. Make sure the runner's clock is synchronised (NTP)."
    )]
    ClockSkew { message: String },
    /// Some other 401.
    #[error("GitHub refused the credentials for {call} (401: \"{message}\").")]
    Unauthorized { call: Call, message: String },
    /// 422 on minting.
    #[error(
        "GitHub refused the token request: \"{message}\" (422). Requested {}. The permissions must be granted to the app (its settings page, \"Permissions\") and accepted on the installation, and each repository must exist and be accessible to the installation.",
        requested(.repositories, .permissions)
    )]
    Unprocessable {
        message: String,
        repositories: Vec<String>,
        permissions: BTreeMap<String, String>,
    },
    /// Any other answer we cannot use.
    #[error("GitHub answered {status} to {call}: \"{message}\"{}.{}", attempts_note(*.attempts), api_hint(*.status))]
    Api {
        call: Call,
        status: u16,
        message: String,
        attempts: u32,
    },
}

impl GithubError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        use GithubError::*;
        match self {
            InstallationNotFound { .. } | InstallationIdNotFound { .. } => {
                "App installation not found"
            }
            KeyMismatch => "Private key does not match the app",
            NoPublicKey => "Unknown app id",
            ClockSkew { .. } => "Clock skew",
            Unauthorized { .. } => "Authentication failed",
            Unprocessable { .. } => "Token request refused",
            Api { .. } | TooManyInstallations { .. } => "GitHub API error",
        }
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

/// `contents:write, issues:read`.
pub fn permission_list(p: &BTreeMap<String, String>) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `repositories a, b; permissions contents:write`: what a token request asked for.
fn requested(repositories: &[String], permissions: &BTreeMap<String, String>) -> String {
    let repos = if repositories.is_empty() {
        "all of the installation's repositories".to_string()
    } else {
        format!("repositories {}", repositories.join(", "))
    };
    let perms = if permissions.is_empty() {
        "all of the installation's permissions".to_string()
    } else {
        format!("permissions {}", permission_list(permissions))
    };
    format!("{repos}; {perms}")
}

fn api_hint(status: u16) -> &'static str {
    match status {
        403 => {
            " The app may lack a permission this call needs, or an IP allow list may block the runner."
        }
        s if s >= 500 => {
            " GitHub had a problem; retry the job later, or check https://www.githubstatus.com (or your GitHub Enterprise Server's health) and the host in `github-api-url`."
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Method, Purpose};

    fn s(v: &str) -> String {
        v.to_string()
    }

    fn call(purpose: Option<Purpose>, method: Method, path: &str) -> Call {
        Call {
            purpose,
            method,
            path: s(path),
        }
    }

    /// Every variant, by an exhaustive match: a new one fails to compile here.
    fn variant(e: &GithubError) -> usize {
        use GithubError::*;
        match e {
            InstallationNotFound { .. } => 0,
            InstallationIdNotFound { .. } => 1,
            TooManyInstallations { .. } => 2,
            KeyMismatch => 3,
            NoPublicKey => 4,
            ClockSkew { .. } => 5,
            Unauthorized { .. } => 6,
            Unprocessable { .. } => 7,
            Api { .. } => 8,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn every_error_is_specific_and_actionable() {
        use GithubError::*;
        let all = vec![
            (TooManyInstallations { max: 10000 }, vec!["10000", "`owners: *`", "Name the accounts"]),
            (InstallationNotFound { target: Target::Account(s("nobody")), path: s("/users/nobody/installation"), server: s("https://github.com") }, vec!["the account nobody", "404", "Install the app", "https://github.com/settings/installations"]),
            (InstallationIdNotFound { id: 42 }, vec!["Installation 42", "`installation-id`"]),
            (KeyMismatch, vec!["A JSON web token could not be decoded", "does not belong", "same app"]),
            (NoPublicKey, vec!["Integration must generate a public key", "client ID (Iv...)", "not a client secret"]),
            (ClockSkew { message: s("'Expiration time' claim ('exp') is too far in the future") }, vec!["too far in the future", "NTP"]),
            (Unauthorized { call: call(Some(Purpose::Revocation), Method::Delete, "/installation/token"), message: s("Bad credentials") }, vec!["the revocation (DELETE /installation/token)", "401", "Bad credentials"]),
            (Unprocessable { message: s("The permissions requested are not granted to this installation."), repositories: vec![s("a")], permissions: BTreeMap::from([(s("issues"), s("write"))]) }, vec!["not granted", "repositories a; permissions issues:write", "Permissions", "accepted on the installation"]),
            (Api { call: call(None, Method::Post, "/x"), status: 502, message: s("Bad Gateway"), attempts: 4 }, vec!["502", "POST /x", "after 4 attempts", "retry the job later"]),
        ];
        crate::catalogue::check(&all, 9, variant, GithubError::title);
    }
}
