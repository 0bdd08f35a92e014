//! Finding the app's installation: by repository, account, enterprise or id.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::Target;
use crate::error::Error;
use crate::github::{self, Auth, GitHub, GithubError};
use crate::jwt::AppJwt;
use crate::report::AccountName;
use crate::transport::json;
use crate::transport::{Call, FromJson, Method, Purpose, Response};

/// The installation's account.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Account {
    /// Login (or enterprise slug).
    #[serde(default, deserialize_with = "json::lenient_string")]
    pub login: Option<String>,
    /// Enterprise installations name the account `slug`.
    #[serde(default, deserialize_with = "json::lenient_string")]
    pub slug: Option<String>,
    /// `Organization`, `User` or `Enterprise`.
    #[serde(default, rename = "type", deserialize_with = "json::lenient_string")]
    pub kind: Option<String>,
}

/// What the program needs of an installation.
#[derive(Debug, Clone, Deserialize)]
pub struct Installation {
    pub id: u64,
    #[serde(default, deserialize_with = "json::lenient_string")]
    pub app_slug: Option<String>,
    /// Whose it is.
    #[serde(default, deserialize_with = "json::object_or_default")]
    pub account: Account,
    /// `all` or `selected`.
    #[serde(default, deserialize_with = "json::lenient_string")]
    pub repository_selection: Option<String>,
    /// What it was granted.
    #[serde(default, deserialize_with = "json::string_map")]
    pub permissions: BTreeMap<String, String>,
}

impl FromJson for Installation {
    const FIELDS: &'static str = "id";
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
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct Page(#[serde(deserialize_with = "json::objects")] Vec<Installation>);

impl FromJson for Page {
    const FIELDS: &'static str = "a list of installations";
    const LIST: bool = true;
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
            return Err(github::api_error(&resp, call).into());
        }
        let Page(items) = resp.json(&call)?;
        let last = items.len() < PER_PAGE;
        all.extend(items);
        if last {
            return Ok(all);
        }
    }
    Err(GithubError::TooManyInstallations {
        max: MAX_PAGES * PER_PAGE,
    }
    .into())
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
        (200, _) => Ok(resp.json(&call)?),
        (404, Target::Id(id)) => Err(GithubError::InstallationIdNotFound { id: *id }.into()),
        (404, _) => Err(GithubError::InstallationNotFound {
            target: target.clone(),
            path,
            server: server_url.to_string(),
        }
        .into()),
        _ => Err(github::api_error(&resp, call).into()),
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

    /// Reads `body` as `T`, the message of a refusal as the error.
    fn read<T: FromJson>(body: &str) -> Result<T, String> {
        let call = Call {
            purpose: None,
            method: Method::Get,
            path: "/x".into(),
        };
        Response::new(200, &[], body)
            .json(&call)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn odd_optional_fields_read_as_absent() {
        let i: Installation = read(
            r#"{"id":7,"app_slug":5,"account":["acme",null,"User"],"repository_selection":null,"permissions":{"a":"read","b":5},"new":1}"#,
        )
        .unwrap();
        assert_eq!((i.id, i.app_slug, i.account.login), (7, None, None));
        assert_eq!(i.permissions.len(), 1);
        let i: Installation = read(r#"{"id":7,"account":{"login":5,"type":"User"}}"#).unwrap();
        assert_eq!(
            (i.account.login, i.account.kind.as_deref()),
            (None, Some("User"))
        );
    }

    #[test]
    fn required_fields_and_shapes_are_refused_with_the_fields_named() {
        let fields = |e: String, f: &str| {
            assert!(
                e.contains(&format!(
                    "one of the fields {f} is missing or of the wrong type"
                )),
                "{e}"
            );
        };
        // serde reads a struct from an array by position; an answer is not read so.
        fields(
            read::<crate::github::App>(r#"[1,"a"]"#).unwrap_err(),
            "id, slug",
        );
        fields(read::<Installation>(r#"{"id":"7"}"#).unwrap_err(), "id");
        fields(
            read::<Page>(r#"[{"id":7},[8]]"#).unwrap_err(),
            "a list of installations",
        );
        fields(
            read::<Page>(r#"{"0":{"id":7}}"#).unwrap_err(),
            "a list of installations",
        );
        let token = r#""token":"ghs_x","expires_at":"2026-11-23T10:51:22Z""#;
        let all = "token, expires_at, repositories[].name";
        for odd in [r#"{}"#, r#"[["r"]]"#, r#"[{"name":5}]"#] {
            let body = format!("{{{token},\"repositories\":{odd}}}");
            fields(read::<crate::token::Token>(&body).unwrap_err(), all);
        }
        let t: crate::token::Token = read(&format!("{{{token},\"repositories\":null}}")).unwrap();
        assert!(t.repositories.is_empty());
        let app: crate::github::App = read(r#"{"id":1,"slug":"a","id":2}"#).unwrap();
        assert_eq!(
            app.id, 2,
            "the last of a repeated key, as the whole answer parses"
        );
    }

    #[test]
    fn githubs_message_is_a_string_field_of_an_object() {
        let message = |body| crate::github::message(&Response::new(401, &[], body));
        assert_eq!(
            message(r#"{"message":"Bad credentials","x":1}"#),
            "Bad credentials"
        );
        for body in [
            r#"{"message":5}"#,
            r#"["Bad credentials"]"#,
            "{",
            r#"{"message":"x"} y"#,
        ] {
            assert_eq!(message(body), "HTTP 401", "{body}");
        }
    }
}
