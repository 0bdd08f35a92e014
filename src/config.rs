//! The validated request: which app, which installation, what scope.
//!
//! Action inputs (`inputs.rs`) and CLI flags (`cli.rs`) both arrive here as raw
//! strings; every check happens before any request is made.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::permissions::{self, Problem, Verdict};

/// GitHub's limit on repositories in one token.
pub const MAX_REPOSITORIES: usize = 500;

/// Raw values as given, empty meaning unset.
#[derive(Debug, Default, Clone)]
pub struct Raw {
    /// `client-id`.
    pub client_id: Option<String>,
    /// `app-id`.
    pub app_id: Option<String>,
    /// `private-key` (the PEM text).
    pub private_key: Option<String>,
    /// `owner`.
    pub owner: Option<String>,
    /// `repositories`.
    pub repositories: Option<String>,
    /// `enterprise`.
    pub enterprise: Option<String>,
    /// `installation-id`.
    pub installation_id: Option<String>,
    /// `(name, level)` pairs; `input` is the name as the user wrote it.
    pub permissions: Vec<RawPermission>,
    /// `skip-token-revoke`.
    pub skip_token_revoke: Option<String>,
    /// `github-api-url`.
    pub api_url: Option<String>,
    /// `ca-certificates` (PEM text).
    pub ca_certificates: Option<String>,
    /// `bot-identity`.
    pub bot_identity: Option<String>,
    /// `check`.
    pub check: Option<String>,
    /// `token-format`.
    pub token_format: Option<String>,
}

/// One requested permission before checking.
#[derive(Debug, Clone)]
pub struct RawPermission {
    /// The name as written (for messages).
    pub input: String,
    /// The API name it maps to.
    pub name: String,
    /// The level.
    pub level: String,
}

/// The runner's context, read from `GITHUB_*` variables.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// `GITHUB_REPOSITORY` (`owner/name`).
    pub repository: Option<String>,
    /// `GITHUB_REPOSITORY_OWNER`.
    pub repository_owner: Option<String>,
    /// `GITHUB_API_URL`.
    pub api_url: Option<String>,
    /// `GITHUB_SERVER_URL`.
    pub server_url: Option<String>,
}

/// An environment variable that is set and not blank.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Context {
    /// Reads the context from this process's environment.
    pub fn from_env() -> Context {
        let var = env_var;
        Context {
            repository: var("GITHUB_REPOSITORY"),
            repository_owner: var("GITHUB_REPOSITORY_OWNER"),
            api_url: var("GITHUB_API_URL"),
            server_url: var("GITHUB_SERVER_URL"),
        }
    }
}

/// How the installation is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `GET /repos/{owner}/{repo}/installation`.
    Repository { owner: String, repo: String },
    /// `GET /users/{owner}/installation`.
    Account(String),
    /// `GET /enterprises/{slug}/installation`.
    Enterprise(String),
    /// No lookup.
    Id(u64),
}

/// The installation-token format to ask GitHub for, with its temporary override header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// The new format (`ghs_<app id>_<JWT>`, about 520 characters).
    Stateless,
    /// The classic format (`ghs_` + 36 characters).
    Stateful,
}

impl TokenFormat {
    /// The request header GitHub reads on the mint (changelog 2026-05-15).
    pub const HEADER: &'static str = "X-GitHub-Stateless-S2S-Token";

    /// `token-format` as given; empty means GitHub's rollout decides.
    pub fn parse(value: &Option<String>) -> Result<Option<TokenFormat>, Error> {
        match set(value) {
            None => Ok(None),
            Some("stateless") => Ok(Some(TokenFormat::Stateless)),
            Some("stateful") => Ok(Some(TokenFormat::Stateful)),
            Some(other) => Err(Error::InvalidTokenFormat {
                value: other.to_string(),
            }),
        }
    }

    /// The header's value: the only two GitHub honours (it ignores any other).
    pub fn header_value(self) -> &'static str {
        match self {
            TokenFormat::Stateless => "enabled",
            TokenFormat::Stateful => "disabled",
        }
    }
}

/// Everything needed to mint, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The JWT `iss`: client ID or app ID, as given.
    pub issuer: String,
    /// The private key text (parsed by `key.rs`).
    pub private_key: String,
    /// How to find the installation.
    pub target: Target,
    /// Bare repository names to scope the token to (empty: all).
    pub repositories: Vec<String>,
    /// Permissions to narrow the token to (empty: all the installation has).
    pub permissions: BTreeMap<String, String>,
    /// Names sent although not in the known list.
    pub unknown_permissions: Vec<String>,
    /// Do not revoke in the post stage.
    pub skip_token_revoke: bool,
    /// The REST API root, no trailing slash.
    pub api_url: String,
    /// The web root, for settings links.
    pub server_url: String,
    /// Extra CA certificates (PEM).
    pub ca_certificates: Option<String>,
    /// Look up the bot user's id.
    pub bot_identity: bool,
    /// Validate only; mint nothing.
    pub check: bool,
    /// The token format to force; `None`: GitHub's rollout.
    pub token_format: Option<TokenFormat>,
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// YAML 1.2 core booleans only: anything else is a mistake worth reporting.
pub fn boolean(input: &'static str, value: &Option<String>) -> Result<bool, Error> {
    match set(value) {
        None => Ok(false),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(Error::InvalidBoolean {
            input,
            value: other.to_string(),
        }),
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Splits `repositories` on commas and newlines into `(owner part, name)`.
fn split_repositories(text: &str) -> Result<Vec<(Option<String>, String)>, Error> {
    let mut out: Vec<(Option<String>, String)> = Vec::new();
    for entry in text.split([',', '\n', '\r']).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let bad = || Error::InvalidRepository {
            entry: entry.to_string(),
        };
        let (owner, name) = match entry.split_once('/') {
            Some((o, n)) if valid_name(o) && valid_name(n) => (Some(o.to_string()), n),
            Some(_) => return Err(bad()),
            None if valid_name(entry) => (None, entry),
            None => return Err(bad()),
        };
        if !out.iter().any(|(_, n)| n.eq_ignore_ascii_case(name)) {
            out.push((owner, name.to_string()));
        }
    }
    Ok(out)
}

/// Validates `github-api-url` and strips a trailing slash.
pub fn api_url(given: Option<&str>, ctx: &Context) -> Result<String, Error> {
    let url = given
        .or(ctx.api_url.as_deref())
        .unwrap_or("https://api.github.com")
        .trim()
        .trim_end_matches('/')
        .to_string();
    let invalid = || Error::InvalidApiUrl { url: url.clone() };
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = host_of(authority);
    if host.is_empty() || authority.contains('@') {
        return Err(invalid());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(Error::InsecureApiUrl { url }),
        _ => Err(invalid()),
    }
}

/// The host of `host[:port]` or `[v6]:port`.
pub fn host_of(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

/// localhost, 127.0.0.0/8 or ::1.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The web root for settings links: `GITHUB_SERVER_URL`, else derived from the API root.
fn server_url(api: &str, ctx: &Context) -> String {
    if let Some(s) = &ctx.server_url {
        return s.trim_end_matches('/').to_string();
    }
    if let Some(ghes) = api.strip_suffix("/api/v3") {
        return ghes.to_string();
    }
    // github.com and GHE.com put the API on an `api.` host of the web host.
    match api.split_once("://api.") {
        Some((scheme, host)) if !host.contains('/') => format!("{scheme}://{host}"),
        _ => api.to_string(),
    }
}

impl Config {
    /// Checks `raw` against the rules of each input.
    pub fn new(raw: &Raw, ctx: &Context) -> Result<Config, Error> {
        let issuer = set(&raw.client_id)
            .or(set(&raw.app_id))
            .ok_or(Error::MissingAppId)?
            .to_string();
        // GitHub would answer "Integration must generate a public key"; say why first,
        // before a secret travels anywhere.
        if issuer.len() == 40 && issuer.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::IdLooksLikeSecret);
        }
        let private_key = raw.private_key.clone().unwrap_or_default();
        let skip_token_revoke = boolean("skip-token-revoke", &raw.skip_token_revoke)?;
        let bot_identity = boolean("bot-identity", &raw.bot_identity)?;
        let check = boolean("check", &raw.check)?;
        let token_format = TokenFormat::parse(&raw.token_format)?;
        let api_url = api_url(set(&raw.api_url), ctx)?;
        let server_url = server_url(&api_url, ctx);
        let (permissions, unknown_permissions) = check_permissions(&raw.permissions)?;

        let (target, repositories) = choose_target(raw, ctx)?;
        Ok(Config {
            issuer,
            private_key,
            target,
            repositories,
            permissions,
            unknown_permissions,
            skip_token_revoke,
            api_url,
            server_url,
            ca_certificates: raw.ca_certificates.clone(),
            bot_identity,
            check,
            token_format,
        })
    }
}

/// How the installation is found, and the bare repository names to scope the
/// token to (the table: `installation-id`, `enterprise`, `repositories`,
/// `owner`, else the workflow's repository).
fn choose_target(raw: &Raw, ctx: &Context) -> Result<(Target, Vec<String>), Error> {
    let owner_input = set(&raw.owner).map(str::to_string);
    let enterprise = set(&raw.enterprise).map(str::to_string);
    let repos = split_repositories(set(&raw.repositories).unwrap_or_default())?;
    if repos.len() > MAX_REPOSITORIES {
        return Err(Error::TooManyRepositories { count: repos.len() });
    }
    let installation_id = match set(&raw.installation_id) {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .ok()
                .filter(|&id| id > 0)
                .ok_or_else(|| Error::InvalidInstallationId { value: v.into() })?,
        ),
    };

    if let Some(slug) = enterprise {
        if owner_input.is_some() {
            return Err(Error::EnterpriseConflict { other: "owner" });
        }
        if !repos.is_empty() {
            return Err(Error::EnterpriseConflict {
                other: "repositories",
            });
        }
        let target = match installation_id {
            Some(id) => Target::Id(id),
            None => Target::Enterprise(slug),
        };
        return Ok((target, Vec::new()));
    }

    // Which account the repositories belong to, and why we think so.
    let (owner, why) = match (&owner_input, &ctx.repository_owner) {
        (Some(o), _) => (Some(o.clone()), " (the `owner` input)"),
        (None, Some(o)) => (
            Some(o.clone()),
            " (the owner of this workflow's repository)",
        ),
        (None, None) => (
            ctx.repository
                .as_deref()
                .and_then(|r| r.split_once('/'))
                .map(|(o, _)| o.to_string()),
            " (the owner of this workflow's repository)",
        ),
    };
    for (given, name) in &repos {
        if let (Some(given), Some(owner)) = (given, &owner)
            && !given.eq_ignore_ascii_case(owner)
        {
            return Err(Error::RepositoryOwnerMismatch {
                entry: format!("{given}/{name}"),
                given: given.clone(),
                owner: owner.clone(),
                why,
            });
        }
    }
    // `owner/name` entries name the owner themselves when nothing else does.
    let owner = owner.or_else(|| repos.iter().find_map(|(o, _)| o.clone()));
    let mut repositories: Vec<String> = repos.into_iter().map(|(_, n)| n).collect();

    let target = if let Some(id) = installation_id {
        Target::Id(id)
    } else if let Some(first) = repositories.first() {
        let owner = owner.clone().ok_or(Error::MissingEnv {
            var: "GITHUB_REPOSITORY_OWNER",
            why: "know whose repositories `repositories` names",
            hint: "Set the `owner` input (CLI: --owner), or write the repositories as owner/name.",
        })?;
        Target::Repository {
            owner,
            repo: first.clone(),
        }
    } else if let Some(o) = &owner_input {
        Target::Account(o.clone())
    } else {
        let full = ctx.repository.clone().ok_or(Error::MissingEnv {
            var: "GITHUB_REPOSITORY",
            why: "find the installation when neither `owner`, `repositories`, `enterprise` nor `installation-id` is set",
            hint: "Inside Actions the runner sets it; elsewhere pass --owner, --repositories, --enterprise or --installation-id.",
        })?;
        let (o, r) = full.split_once('/').ok_or(Error::MissingEnv {
            var: "GITHUB_REPOSITORY",
            why: "find the installation (it must be owner/name)",
            hint: "Set `owner` or `repositories` instead.",
        })?;
        // The default scope: this repository only, as the official action does.
        repositories = vec![r.to_string()];
        Target::Repository {
            owner: o.to_string(),
            repo: r.to_string(),
        }
    };
    Ok((target, repositories))
}

type Checked = (BTreeMap<String, String>, Vec<String>);

fn check_permissions(raw: &[RawPermission]) -> Result<Checked, Error> {
    let mut map = BTreeMap::new();
    let mut unknown = Vec::new();
    for p in raw {
        let level = p.level.trim();
        if level.is_empty() {
            continue;
        }
        match permissions::check(&p.name, level) {
            Ok(Verdict::Known) => {}
            Ok(Verdict::Unknown) => unknown.push(p.name.clone()),
            Err(Problem::Level { accepted }) => {
                return Err(Error::PermissionLevel {
                    input: p.input.clone(),
                    name: p.name.clone(),
                    level: level.to_string(),
                    accepted: accepted.join(", "),
                });
            }
            Err(Problem::Typo { suggestion }) => {
                return Err(Error::PermissionTypo {
                    given: p.input.clone(),
                    suggestion,
                    hyphenated: suggestion.replace('_', "-"),
                });
            }
        }
        map.insert(p.name.clone(), level.to_string());
    }
    Ok((map, unknown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            repository: Some("acme/site".into()),
            repository_owner: Some("acme".into()),
            ..Context::default()
        }
    }

    fn raw() -> Raw {
        Raw {
            client_id: Some("Iv23li".into()),
            private_key: Some("k".into()),
            ..Raw::default()
        }
    }

    #[test]
    fn booleans_are_yaml_core() {
        for t in ["true", "True", "TRUE"] {
            assert!(boolean("x", &Some(t.into())).unwrap());
        }
        for f in ["false", "False", "FALSE", ""] {
            assert!(!boolean("x", &Some(f.into())).unwrap());
        }
        for bad in ["yes", "1", "on", "tRUE"] {
            assert!(boolean("x", &Some(bad.into())).is_err());
        }
    }

    #[test]
    fn a_client_secret_is_not_an_id() {
        let mut r = raw();
        r.client_id = Some("0123456789abcdef0123456789abcdef01234567".into());
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::IdLooksLikeSecret)
        ));
        r.client_id = Some("Iv23liAbCdEf0123456789".into());
        assert!(Config::new(&r, &ctx()).is_ok());
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
        assert!(matches!(
            api_url(Some("http://ghe.example.com"), &c),
            Err(Error::InsecureApiUrl { .. })
        ));
        assert!(matches!(
            api_url(Some("ftp://x"), &c),
            Err(Error::InvalidApiUrl { .. })
        ));
        assert!(matches!(
            api_url(Some("https://user:pw@x"), &c),
            Err(Error::InvalidApiUrl { .. })
        ));
    }

    #[test]
    fn web_root_from_the_api_root() {
        let c = Context::default();
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

    #[test]
    fn default_target_is_this_repository() {
        let c = Config::new(&raw(), &ctx()).unwrap();
        assert_eq!(
            c.target,
            Target::Repository {
                owner: "acme".into(),
                repo: "site".into()
            }
        );
        assert_eq!(c.repositories, ["site"]);
    }

    #[test]
    fn repositories_mixed_separators_and_owner_check() {
        let mut r = raw();
        r.repositories = Some("repo-a, acme/repo-b\nrepo-c,,repo-a".into());
        let c = Config::new(&r, &ctx()).unwrap();
        assert_eq!(c.repositories, ["repo-a", "repo-b", "repo-c"]);
        r.repositories = Some("other/repo".into());
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::RepositoryOwnerMismatch { .. })
        ));
        r.owner = Some("other".into());
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn too_many_repositories() {
        let mut r = raw();
        r.repositories = Some((0..501).map(|i| format!("r{i}\n")).collect());
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::TooManyRepositories { count: 501 })
        ));
    }

    #[test]
    fn enterprise_excludes_owner_and_repositories() {
        let mut r = raw();
        r.enterprise = Some("big".into());
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().target,
            Target::Enterprise("big".into())
        );
        r.owner = Some("acme".into());
        assert!(Config::new(&r, &ctx()).is_err());
    }

    #[test]
    fn token_format_takes_two_words_or_nothing() {
        let parse = |v: &str| TokenFormat::parse(&Some(v.into()));
        assert_eq!(parse("stateless").unwrap(), Some(TokenFormat::Stateless));
        assert_eq!(parse(" stateful ").unwrap(), Some(TokenFormat::Stateful));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(TokenFormat::Stateless.header_value(), "enabled");
        assert_eq!(TokenFormat::Stateful.header_value(), "disabled");
        for bad in ["enabled", "disabled", "Stateless", "classic", "true"] {
            assert!(
                matches!(parse(bad), Err(Error::InvalidTokenFormat { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_context_is_named() {
        let err = Config::new(&raw(), &Context::default()).unwrap_err();
        assert!(err.to_string().starts_with("GITHUB_REPOSITORY is not set"));
    }
}
