//! The validated request: which app, which installation, what scope.
//!
//! Action inputs and CLI flags both arrive here as one [`Raw`] (the table in
//! `inputs.rs`); every check happens before any request is made.

use std::collections::BTreeMap;

use crate::error::{Error, NameRule, Need, Shown};
use crate::guard::{self, ForkPolicy, PullRequestOrigin};
use crate::inputs::{self, Raw, RawPermission};
use crate::kms::Secret;
use crate::kms::backend::Settings;
use crate::permissions::{self, Problem, Verdict};
use crate::url::{ServiceUrl, UrlProblem};

/// GitHub's limit on repositories in one token.
pub const MAX_REPOSITORIES: usize = 500;

/// The runner's context, read from `GITHUB_*` and the few other variables a request
/// depends on: `Context::from_env` is the only reader of the process environment
/// on the way to a `Config`.
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
    /// `GITHUB_EVENT_NAME`.
    pub event_name: Option<String>,
    /// `GITHUB_RUN_ID`, for the key services' session names.
    pub run_id: Option<String>,
    /// `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS`: gcloud's own override of Cloud KMS's
    /// endpoint (a private endpoint, or a local test server).
    pub cloudkms_endpoint: Option<String>,
    /// Where the triggering pull request comes from (the payload at `GITHUB_EVENT_PATH`).
    pub pull_request: PullRequestOrigin,
}

impl Context {
    /// Reads the context from this process's environment.
    pub fn from_env() -> Context {
        let var = crate::env::var;
        Context {
            repository: var("GITHUB_REPOSITORY"),
            repository_owner: var("GITHUB_REPOSITORY_OWNER"),
            api_url: var("GITHUB_API_URL"),
            server_url: var("GITHUB_SERVER_URL"),
            pull_request: PullRequestOrigin::of(
                var("GITHUB_EVENT_NAME").as_deref(),
                var("GITHUB_EVENT_PATH")
                    .and_then(|p| std::fs::read_to_string(p).ok())
                    .as_deref(),
            ),
            event_name: var("GITHUB_EVENT_NAME"),
            run_id: var("GITHUB_RUN_ID"),
            cloudkms_endpoint: var("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS"),
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

/// Which installations a run mints for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installations {
    /// One installation, found as the target says.
    One(Target),
    /// Each of these accounts' installations (`owners`), in the order given.
    Owners(Vec<String>),
    /// Every installation of the app (`owners: *`), as `GET /app/installations` lists them.
    Every,
}

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
    ) -> Result<Connection, Error> {
        Ok(Connection {
            api_url: api_url_of(api_url, ctx)?,
            ca_certificates: ca.map(str::to_string),
        })
    }
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
    pub fn parse(value: Option<&str>) -> Result<Option<TokenFormat>, Error> {
        match value {
            None => Ok(None),
            Some("stateless") => Ok(Some(TokenFormat::Stateless)),
            Some("stateful") => Ok(Some(TokenFormat::Stateful)),
            Some(other) => Err(Error::InvalidTokenFormat {
                value: Shown::of(other),
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

/// Which key signs the app's JWTs: exactly one of `private-key` and `kms-key`.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `private-key`: the PEM text (parsed by `key.rs`).
    Local(String),
    /// `kms-key` and the settings around it.
    Service(Box<Settings>),
}

impl KeySource {
    fn of(raw: &Raw, ctx: &Context) -> Result<KeySource, Error> {
        let service = match (raw.get("private-key"), raw.get("kms-key")) {
            (Some(_), Some(_)) => return Err(Error::TwoKeys),
            (None, None) => return Err(Error::NoKey),
            (Some(pem), None) => return Ok(KeySource::Local(pem.to_string())),
            (None, Some(uri)) => uri,
        };
        let owned = |name: &str| raw.get(name).map(str::to_string);
        // CloudTrail shows the session name: the run makes it traceable.
        let run = ctx.run_id.clone().unwrap_or_default();
        Ok(KeySource::Service(Box::new(Settings {
            kms_key: service.to_string(),
            access_token: raw.get("kms-access-token").map(Secret::new),
            oidc_audience: owned("oidc-audience"),
            aws_role_arn: owned("aws-role-arn"),
            vault_role: owned("vault-role"),
            vault_auth_mount: owned("vault-auth-mount"),
            vault_transit_mount: owned("vault-transit-mount"),
            gcp_workload_identity_provider: owned("gcp-workload-identity-provider"),
            gcp_service_account: owned("gcp-service-account"),
            azure_tenant_id: owned("azure-tenant-id"),
            azure_client_id: owned("azure-client-id"),
            session_name: format!("app-token-action-{run}")
                .trim_end_matches('-')
                .into(),
            endpoint_override: ctx.cloudkms_endpoint.clone(),
        })))
    }
}

/// Everything needed to mint, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The JWT `iss`: client ID or app ID, as given.
    pub issuer: String,
    /// The key that signs.
    pub key: KeySource,
    /// How to find the installation.
    pub installations: Installations,
    /// Bare repository names to scope the token to (empty: all).
    pub repositories: Vec<String>,
    /// Permissions to narrow the token to (empty: all the installation has).
    pub permissions: BTreeMap<String, String>,
    /// Names sent although not in the known list.
    pub unknown_permissions: Vec<String>,
    /// Do not revoke in the post stage.
    pub skip_token_revoke: bool,
    /// The API and how to reach it.
    pub connection: Connection,
    /// The web root, for settings links.
    pub server_url: String,
    /// Look up the bot user's id.
    pub bot_identity: bool,
    /// Validate only; mint nothing.
    pub check: bool,
    /// The token format to force; `None`: GitHub's rollout.
    pub token_format: Option<TokenFormat>,
    /// What the guardrails said of this run.
    pub guard: guard::Verdict,
}

/// Input `input` as a YAML 1.2 core boolean (unset: false); anything else is a
/// mistake worth reporting.
pub fn boolean(input: &'static str, raw: &Raw) -> Result<bool, Error> {
    match raw.get(input) {
        None => Ok(false),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(Error::InvalidBoolean {
            input,
            value: Shown::of(other),
        }),
    }
}

/// A repository name as GitHub allows it: 1–100 of `A-Za-z0-9._-`, but not `.`
/// or `..` (GitHub reserves them; in a path they would climb a level).
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Whether `value` is a name of the kind `rule` describes.
fn follows(rule: NameRule, value: &str) -> bool {
    fn alnum_or(s: &str, extra: &[u8]) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
    }
    match rule {
        // The characters and length of every login GitHub serves: sign-up today asks
        // for single hyphens inside, but accounts from before that rule keep leading,
        // trailing and doubled hyphens (`-ACE-`, `foo-`, `gil--`) and must still work.
        // A managed user's `_shortcode` follows.
        NameRule::Login => {
            let (login, code) = value.split_once('_').unwrap_or((value, "a"));
            login.len() <= 39 && alnum_or(login, b"-") && alnum_or(code, b"")
        }
        NameRule::EnterpriseSlug => value.len() <= 100 && alnum_or(value, b"-"),
        NameRule::AppId => valid_name(value),
    }
}

/// Checks `value` of `input` against `rule`.
fn name(input: &'static str, value: &str, rule: NameRule) -> Result<String, Error> {
    if follows(rule, value) {
        Ok(value.to_string())
    } else {
        Err(Error::InvalidName {
            input,
            value: Shown::of(value),
            rule,
        })
    }
}

/// Splits `repositories` on commas and newlines into `(owner part, name)`,
/// dropping later spellings of a name already listed.
fn split_repositories(text: &str) -> Result<Vec<(Option<String>, String)>, Error> {
    let mut out: Vec<(Option<String>, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in text.split([',', '\n', '\r']).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let bad = || Error::InvalidRepository {
            entry: Shown::of(entry),
        };
        let (owner, name) = match entry.split_once('/') {
            Some((o, n)) if valid_name(o) && valid_name(n) => (Some(o.to_string()), n),
            Some(_) => return Err(bad()),
            None if valid_name(entry) => (None, entry),
            None => return Err(bad()),
        };
        if seen.insert(name.to_ascii_lowercase()) {
            out.push((owner, name.to_string()));
        }
    }
    Ok(out)
}

/// The API root: `given`, else `GITHUB_API_URL`, else github.com.
fn api_url_of(given: Option<&str>, ctx: &Context) -> Result<ServiceUrl, Error> {
    let url = given
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(ctx.api_url.as_deref())
        .unwrap_or("https://api.github.com")
        .trim();
    ServiceUrl::parse(url).map_err(|problem| match problem {
        UrlProblem::PlainHttp => Error::InsecureApiUrl {
            url: Shown::of(url.trim_end_matches('/')),
        },
        UrlProblem::NotHttp | UrlProblem::UserInfo => Error::InvalidApiUrl {
            url: Shown::url(url.trim_end_matches('/')),
        },
    })
}

/// The web root for settings links: `GITHUB_SERVER_URL`, else derived from the API root.
fn server_url(api: &ServiceUrl, ctx: &Context) -> String {
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

impl Config {
    /// Checks `raw` against the rules of each input.
    pub fn new(raw: &Raw, ctx: &Context) -> Result<Config, Error> {
        refuse_secrets(raw)?;
        let guard = guard::check(
            &ctx.pull_request,
            ForkPolicy::parse(raw.get("fork-pull-requests"))?,
            boolean("require-permissions", raw)?,
            raw.permissions.len(),
            ctx.event_name.as_deref(),
        )?;
        let (input, issuer) = match (raw.get("client-id"), raw.get("app-id")) {
            (Some(id), _) => ("client-id", id),
            (None, Some(id)) => ("app-id", id),
            (None, None) => return Err(Error::MissingAppId),
        };
        // GitHub would answer "Integration must generate a public key"; say why first,
        // before a secret travels anywhere.
        if issuer.len() == 40 && issuer.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::IdLooksLikeSecret);
        }
        let issuer = name(input, issuer, NameRule::AppId)?;
        let key = KeySource::of(raw, ctx)?;
        let skip_token_revoke = boolean("skip-token-revoke", raw)?;
        let bot_identity = boolean("bot-identity", raw)?;
        let check = boolean("check", raw)?;
        let token_format = TokenFormat::parse(raw.get("token-format"))?;
        let connection =
            Connection::new(raw.get("github-api-url"), raw.get("ca-certificates"), ctx)?;
        let server_url = server_url(&connection.api_url, ctx);
        let (permissions, unknown_permissions) = check_permissions(&raw.permissions)?;

        let (installations, repositories) = match several_owners(raw)? {
            Some(several) => (several, Vec::new()),
            None => {
                let (target, repositories) = choose_target(raw, ctx)?;
                (Installations::One(target), repositories)
            }
        };
        Ok(Config {
            issuer,
            key,
            installations,
            repositories,
            permissions,
            unknown_permissions,
            skip_token_revoke,
            connection,
            server_url,
            bot_identity,
            check,
            token_format,
            guard,
        })
    }
}

/// A key or token in any input that takes neither is refused before it can be
/// sent (as the JWT's issuer, in a path) or quoted. Only certain shapes are
/// refused here; anything else is for each input's grammar to judge.
fn refuse_secrets(raw: &Raw) -> Result<(), Error> {
    let plain = raw
        .iter()
        .filter(|(row, _)| matches!(row.kind, inputs::Kind::Plain | inputs::Kind::Name))
        .map(|(row, v)| (row.name.to_string(), v));
    let levels = raw.permissions.iter().map(|p| {
        (
            format!("{}{}", inputs::PERMISSION_PREFIX, p.input),
            p.level.as_str(),
        )
    });
    match plain
        .chain(levels)
        .find(|(_, v)| crate::secret::is_certainly_secret(v))
    {
        Some((input, _)) => Err(Error::SecretInInput { input }),
        None => Ok(()),
    }
}

/// `installation-id`: a positive number.
fn installation_id(v: &str) -> Result<u64, Error> {
    v.parse::<u64>()
        .ok()
        .filter(|&id| id > 0)
        .ok_or_else(|| Error::InvalidInstallationId {
            value: Shown::of(v),
        })
}

/// `owners`: a list of logins (commas or newlines), or `*` for every installation;
/// `None` when unset. Exclusive with the inputs that choose one installation.
fn several_owners(raw: &Raw) -> Result<Option<Installations>, Error> {
    let Some(list) = raw.get("owners") else {
        return Ok(None);
    };
    let other = ["owner", "repositories", "enterprise", "installation-id"]
        .into_iter()
        .find(|o| raw.get(o).is_some());
    if let Some(other) = other {
        return Err(Error::OwnersConflict { other });
    }
    if list == "*" {
        return Ok(Some(Installations::Every));
    }
    let mut seen = std::collections::HashSet::new();
    let mut logins = Vec::new();
    for entry in list.split([',', '\n', '\r']).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let login = name("owners", entry, NameRule::Login)?;
        if seen.insert(login.to_ascii_lowercase()) {
            logins.push(login);
        }
    }
    if logins.is_empty() {
        return Err(Error::InvalidName {
            input: "owners",
            value: Shown::of(list),
            rule: NameRule::Login,
        });
    }
    Ok(Some(Installations::Owners(logins)))
}

/// How the installation is found, and the bare repository names to scope the
/// token to (the table: `installation-id`, `enterprise`, `repositories`,
/// `owner`, else the workflow's repository).
fn choose_target(raw: &Raw, ctx: &Context) -> Result<(Target, Vec<String>), Error> {
    let owner_input = raw
        .get("owner")
        .map(|o| name("owner", o, NameRule::Login))
        .transpose()?;
    let enterprise = raw
        .get("enterprise")
        .map(|e| name("enterprise", e, NameRule::EnterpriseSlug))
        .transpose()?;
    let repos = split_repositories(raw.get("repositories").unwrap_or_default())?;
    if repos.len() > MAX_REPOSITORIES {
        return Err(Error::TooManyRepositories { count: repos.len() });
    }
    let installation_id = raw
        .get("installation-id")
        .map(installation_id)
        .transpose()?;

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

    // Which account the repositories belong to, and whether the `owner` input says so.
    let from_input = owner_input.is_some();
    let owner = owner_input
        .clone()
        .or_else(|| ctx.repository_owner.clone())
        .or_else(|| {
            ctx.repository
                .as_deref()
                .and_then(|r| r.split_once('/'))
                .map(|(o, _)| o.to_string())
        });
    for (given, name) in &repos {
        if let (Some(given), Some(owner)) = (given, &owner)
            && !given.eq_ignore_ascii_case(owner)
        {
            return Err(Error::RepositoryOwnerMismatch {
                given: given.clone(),
                name: name.clone(),
                owner: owner.clone(),
                from_input,
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
            need: Need::RepositoriesOwner,
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
            need: Need::DefaultRepository,
        })?;
        let (o, r) = full.split_once('/').ok_or(Error::MissingEnv {
            var: "GITHUB_REPOSITORY",
            need: Need::RepositoryShape,
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
                    level: Shown::of(level),
                    accepted,
                });
            }
            Err(Problem::Typo { suggestion }) => {
                return Err(Error::PermissionTypo {
                    given: p.input.clone(),
                    suggestion,
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
        Raw::default()
            .with("client-id", "Iv23li")
            .with("private-key", "k")
    }

    #[test]
    fn booleans_are_yaml_core() {
        for t in ["true", "True", "TRUE"] {
            assert!(boolean("check", &Raw::default().with("check", t)).unwrap());
        }
        for f in ["false", "False", "FALSE", ""] {
            assert!(!boolean("check", &Raw::default().with("check", f)).unwrap());
        }
        for bad in ["yes", "1", "on", "tRUE"] {
            assert!(boolean("check", &Raw::default().with("check", bad)).is_err());
        }
    }

    #[test]
    fn a_client_secret_is_not_an_id() {
        let mut r = raw();
        r = r.with("client-id", "0123456789abcdef0123456789abcdef01234567");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::IdLooksLikeSecret)
        ));
        r = r.with("client-id", "Iv23liAbCdEf0123456789");
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn secrets_in_other_inputs_are_refused() {
        let key = crate::fixture("app.pem");
        let mut r = raw();
        r = r.with("owner", &key);
        let err = Config::new(&r, &ctx()).unwrap_err();
        assert!(matches!(&err, Error::SecretInInput { input } if input == "owner"));
        let mut r = raw();
        r.permissions.push(RawPermission {
            input: "contents".into(),
            name: "contents".into(),
            level: "ghs_16C7e42F292c6912E7710c838347Ae178B4a".into(),
        });
        let err = Config::new(&r, &ctx()).unwrap_err().to_string();
        assert!(
            err.contains("`permission-contents`") && !err.contains("ghs_"),
            "{err}"
        );
    }

    fn api_url(given: Option<&str>, c: &Context) -> Result<String, Error> {
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
            Err(Error::InsecureApiUrl { .. })
        ));
        assert!(matches!(
            api_url(Some("ftp://x"), &c),
            Err(Error::InvalidApiUrl { .. })
        ));
        let err = api_url(Some("https://user:pw@x"), &c).unwrap_err();
        assert!(matches!(err, Error::InvalidApiUrl { .. }));
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

    #[test]
    fn default_target_is_this_repository() {
        let c = Config::new(&raw(), &ctx()).unwrap();
        assert_eq!(
            c.installations,
            Installations::One(Target::Repository {
                owner: "acme".into(),
                repo: "site".into()
            })
        );
        assert_eq!(c.repositories, ["site"]);
    }

    #[test]
    fn repositories_mixed_separators_and_owner_check() {
        let mut r = raw();
        r = r.with("repositories", "repo-a, acme/repo-b\nrepo-c,,repo-a");
        let c = Config::new(&r, &ctx()).unwrap();
        assert_eq!(c.repositories, ["repo-a", "repo-b", "repo-c"]);
        r = r.with("repositories", "other/repo");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::RepositoryOwnerMismatch { .. })
        ));
        r = r.with("owner", "other");
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn deduplicating_repositories_is_linear() {
        let mut r = raw();
        let names: Vec<String> = (0..10_000).map(|i| format!("r{i}")).collect();
        r = r.with("repositories", &format!("{},R1", names.join("\n")));
        let started = std::time::Instant::now();
        let split = split_repositories(r.get("repositories").unwrap()).unwrap();
        assert_eq!(split.len(), 10_000, "R1 is r1 again");
        // Quadratic took about a quarter second for these 10,000 (on the order of
        // 10^8 comparisons); linear is a few milliseconds, even unoptimised.
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }

    #[test]
    fn owner_enterprise_and_id_are_checked_before_any_request() {
        let cases: [(&str, &str, &str); 7] = [
            ("owner", "acme/../x", "owner"),
            ("owner", "a".repeat(40).leak(), "owner"),
            ("owner", "ac.me", "owner"),
            ("enterprise", "big/corp", "enterprise"),
            ("client-id", "Iv23li\nx", "client-id"),
            ("client-id", "Iv23 li", "client-id"),
            ("app-id", "12/34", "app-id"),
        ];
        for (field, value, named) in cases {
            let mut r = raw();
            match field {
                "owner" => r = r.with("owner", value),
                "enterprise" => r = r.with("enterprise", value),
                "client-id" => r = r.with("client-id", value),
                _ => {
                    r = r.with("client-id", "");
                    r = r.with("app-id", value);
                }
            }
            let err = Config::new(&r, &ctx()).unwrap_err();
            assert!(
                matches!(err, Error::InvalidName { input, .. } if input == named),
                "{value:?}: {err}"
            );
        }
        // Legacy logins keep hyphens today's sign-up refuses.
        for (owner, enterprise) in [
            ("octocat", "big-corp"),
            ("octo-cat_acme", "x1"),
            ("-ACE-", "a"),
            ("gil--", "b"),
            ("0----0", "c"),
        ] {
            let mut r = raw();
            r = r.with("owner", owner);
            assert!(Config::new(&r, &ctx()).is_ok(), "{owner}");
            let mut r = raw();
            r = r.with("enterprise", enterprise);
            assert!(Config::new(&r, &ctx()).is_ok(), "{enterprise}");
        }
        let mut r = raw();
        r = r.with("client-id", "Iv1.0123456789abcdef");
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn too_many_repositories() {
        let mut r = raw();
        r = r.with(
            "repositories",
            &(0..501).map(|i| format!("r{i}\n")).collect::<String>(),
        );
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::TooManyRepositories { count: 501 })
        ));
    }

    #[test]
    fn enterprise_excludes_owner_and_repositories() {
        let mut r = raw();
        r = r.with("enterprise", "big");
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().installations,
            Installations::One(Target::Enterprise("big".into()))
        );
        r = r.with("owner", "acme");
        assert!(Config::new(&r, &ctx()).is_err());
    }

    #[test]
    fn token_format_takes_two_words_or_nothing() {
        let parse = |v: &str| TokenFormat::parse(Some(v.trim()).filter(|v| !v.is_empty()));
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

    #[test]
    fn owners_are_logins_or_every_installation() {
        let r = raw().with("owners", "acme, Octo-Cat\nacme,,gil--");
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().installations,
            Installations::Owners(vec!["acme".into(), "Octo-Cat".into(), "gil--".into()])
        );
        let r = raw().with("owners", "*");
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().installations,
            Installations::Every
        );
        let r = raw().with("owners", " , ,");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::InvalidName {
                input: "owners",
                ..
            })
        ));
        let r = raw().with("owners", "acme, a/b");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(Error::InvalidName {
                input: "owners",
                ..
            })
        ));
        for other in ["owner", "repositories", "enterprise", "installation-id"] {
            let r = raw().with("owners", "acme").with(other, "1");
            assert!(
                matches!(Config::new(&r, &ctx()), Err(Error::OwnersConflict { other: o }) if o == other),
                "{other}"
            );
        }
    }
}
