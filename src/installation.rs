//! Finding the app's installation: by repository, account, enterprise or id.

use std::collections::BTreeMap;

use crate::config::Target;
use crate::error::{Call, Error, Purpose};
use crate::github::{self, Auth, GitHub};
use crate::jwt::AppJwt;
use crate::report::AccountName;
use crate::transport::{self, FromJson, Method, Response};

/// The installation's account.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// Login (or enterprise slug).
    pub login: Option<String>,
    /// Enterprise installations name the account `slug`.
    pub slug: Option<String>,
    /// `Organization`, `User` or `Enterprise`.
    pub kind: Option<String>,
}

/// What the program needs of an installation.
#[derive(Debug, Clone)]
pub struct Installation {
    pub id: u64,
    pub app_slug: Option<String>,
    /// Whose it is.
    pub account: Account,
    /// `all` or `selected`.
    pub repository_selection: Option<String>,
    /// What it was granted.
    pub permissions: BTreeMap<String, String>,
}

impl FromJson for Installation {
    const FIELDS: &'static str = "id";
    fn from_json(v: &serde_json::Value) -> Option<Installation> {
        let account = v.get("account").map_or_else(Account::default, |a| Account {
            login: transport::string(a, "login"),
            slug: transport::string(a, "slug"),
            kind: transport::string(a, "type"),
        });
        Some(Installation {
            id: v.get("id")?.as_u64()?,
            app_slug: transport::string(v, "app_slug"),
            account,
            repository_selection: transport::string(v, "repository_selection"),
            permissions: transport::string_map(v, "permissions"),
        })
    }
}

impl Installation {
    /// `acme (Organization)`, when the answer names the account.
    pub fn account_name(&self) -> Option<AccountName> {
        let name = self.account.login.as_ref().or(self.account.slug.as_ref())?;
        Some(AccountName {
            name: name.clone(),
            kind: self.account.kind.clone(),
        })
    }
}

/// Installations on one page of `GET /app/installations` (GitHub's largest).
const PER_PAGE: usize = 100;

/// The most pages [`every`] reads: a server that never stops paging is refused,
/// not followed (10,000 installations is far beyond any app this serves).
pub const MAX_PAGES: usize = 100;

/// One page of installations.
struct Page(Vec<Installation>);

impl FromJson for Page {
    const FIELDS: &'static str = "a list of installations";
    fn from_json(v: &serde_json::Value) -> Option<Page> {
        let items = v.as_array()?.iter().map(Installation::from_json);
        items.collect::<Option<Vec<_>>>().map(Page)
    }
}

/// `GET path` with the app's JWT, as the lookups and the listing send it.
fn get(github: &GitHub, jwt: &AppJwt<Error>, path: &str) -> Result<(Response, Call), Error> {
    github.send(
        Purpose::InstallationLookup,
        Method::Get,
        path,
        Auth::App(jwt),
        None,
        &[],
    )
}

/// Every installation of the app: all pages of `GET /app/installations`.
pub fn every(github: &GitHub, jwt: &AppJwt<Error>) -> Result<Vec<Installation>, Error> {
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let path = format!("/app/installations?per_page={PER_PAGE}&page={page}");
        let (resp, call) = get(github, jwt, &path)?;
        if resp.status != 200 {
            return Err(github::api_error(&resp, call));
        }
        let Page(items) = resp.json(&call)?;
        let last = items.len() < PER_PAGE;
        all.extend(items);
        if last {
            return Ok(all);
        }
    }
    Err(Error::TooManyInstallations {
        max: MAX_PAGES * PER_PAGE,
    })
}

/// The lookup path for `target`.
fn lookup_path(target: &Target) -> String {
    let enc = github::path_segment;
    match target {
        Target::Repository { owner, repo } => {
            format!("/repos/{}/{}/installation", enc(owner), enc(repo))
        }
        Target::Account(owner) => format!("/users/{}/installation", enc(owner)),
        Target::Enterprise(slug) => format!("/enterprises/{}/installation", enc(slug)),
        Target::Id(id) => format!("/app/installations/{id}"),
    }
}

/// Looks up the installation for `target`; for an explicit id, checks that the
/// installation is this app's.
pub fn find(
    github: &GitHub,
    jwt: &AppJwt<Error>,
    target: &Target,
    server_url: &str,
) -> Result<Installation, Error> {
    let path = lookup_path(target);
    let (resp, call) = get(github, jwt, &path)?;
    match (resp.status, target) {
        (200, _) => resp.json(&call),
        (404, Target::Id(id)) => Err(Error::InstallationIdNotFound { id: *id }),
        (404, _) => Err(Error::InstallationNotFound {
            target: target.clone(),
            path,
            server: server_url.to_string(),
        }),
        _ => Err(github::api_error(&resp, call)),
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
        assert_eq!(lookup_path(&repo), "/repos/acme/repo-a/installation");
        assert_eq!(
            lookup_path(&Target::Account("octocat".into())),
            "/users/octocat/installation"
        );
        assert_eq!(
            lookup_path(&Target::Enterprise("big-corp".into())),
            "/enterprises/big-corp/installation"
        );
        assert_eq!(lookup_path(&Target::Id(7)), "/app/installations/7");
    }
}
