//! Which installations a run mints for: one found by repository, account,
//! enterprise or id, or those of several owners.

use std::fmt;

use crate::inputs::Raw;
use crate::inputs::error::{InputError, NameRule, Need};
use crate::secret::Shown;

use super::Context;
use super::names::{installation_id, name};
use super::repositories::{MAX_REPOSITORIES, split_repositories};

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

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Repository { owner, repo } => write!(f, "the repository {owner}/{repo}"),
            Target::Account(owner) => write!(f, "the account {owner}"),
            Target::Enterprise(slug) => write!(f, "the enterprise {slug}"),
            Target::Id(id) => write!(f, "installation {id}"),
        }
    }
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

/// `owners`: a list of logins (commas or newlines), or `*` for every installation;
/// `None` when unset. Exclusive with the inputs that choose one installation.
pub(super) fn several_owners(raw: &Raw) -> Result<Option<Installations>, InputError> {
    let Some(list) = raw.get("owners") else {
        return Ok(None);
    };
    let other = ["owner", "repositories", "enterprise", "installation-id"]
        .into_iter()
        .find(|o| raw.get(o).is_some());
    if let Some(other) = other {
        return Err(InputError::OwnersConflict { other });
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
        return Err(InputError::InvalidName {
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
pub(super) fn choose_target(raw: &Raw, ctx: &Context) -> Result<(Target, Vec<String>), InputError> {
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
        return Err(InputError::TooManyRepositories { count: repos.len() });
    }
    let installation_id = raw
        .get("installation-id")
        .map(installation_id)
        .transpose()?;
    if let Some(slug) = enterprise {
        let target = enterprise_target(slug, owner_input.is_some(), !repos.is_empty())?;
        return Ok((installation_id.map_or(target, Target::Id), Vec::new()));
    }
    let owner = repositories_owner(owner_input.as_deref(), &repos, ctx)?;
    let repositories: Vec<String> = repos.into_iter().map(|(_, n)| n).collect();
    if let Some(id) = installation_id {
        return Ok((Target::Id(id), repositories));
    }
    if let Some(first) = repositories.first() {
        let owner = owner.ok_or(InputError::MissingEnv {
            var: "GITHUB_REPOSITORY_OWNER",
            need: Need::RepositoriesOwner,
        })?;
        let repo = first.clone();
        return Ok((Target::Repository { owner, repo }, repositories));
    }
    match owner_input {
        Some(o) => Ok((Target::Account(o), repositories)),
        None => this_repository(ctx),
    }
}

/// `enterprise`, which no account or repository may accompany.
fn enterprise_target(slug: String, owner: bool, repositories: bool) -> Result<Target, InputError> {
    if owner {
        return Err(InputError::EnterpriseConflict { other: "owner" });
    }
    if repositories {
        return Err(InputError::EnterpriseConflict {
            other: "repositories",
        });
    }
    Ok(Target::Enterprise(slug))
}

/// The account the repositories belong to: the `owner` input, else the workflow's
/// owner, else the owner an `owner/name` entry names. An entry of another owner
/// is refused.
fn repositories_owner(
    owner_input: Option<&str>,
    repos: &[(Option<String>, String)],
    ctx: &Context,
) -> Result<Option<String>, InputError> {
    let owner = owner_input
        .map(str::to_string)
        .or_else(|| ctx.repository_owner.clone())
        .or_else(|| {
            ctx.repository
                .as_deref()
                .and_then(|r| r.split_once('/'))
                .map(|(o, _)| o.to_string())
        });
    for (given, name) in repos {
        if let (Some(given), Some(owner)) = (given, &owner)
            && !given.eq_ignore_ascii_case(owner)
        {
            return Err(InputError::RepositoryOwnerMismatch {
                given: given.clone(),
                name: name.clone(),
                owner: owner.clone(),
                from_input: owner_input.is_some(),
            });
        }
    }
    // `owner/name` entries name the owner themselves when nothing else does.
    Ok(owner.or_else(|| repos.iter().find_map(|(o, _)| o.clone())))
}

/// The default: the workflow's repository, and a token scoped to it alone, as the
/// official action does.
fn this_repository(ctx: &Context) -> Result<(Target, Vec<String>), InputError> {
    let full = ctx.repository.clone().ok_or(InputError::MissingEnv {
        var: "GITHUB_REPOSITORY",
        need: Need::DefaultRepository,
    })?;
    let (o, r) = full.split_once('/').ok_or(InputError::MissingEnv {
        var: "GITHUB_REPOSITORY",
        need: Need::RepositoryShape,
    })?;
    let target = Target::Repository {
        owner: o.to_string(),
        repo: r.to_string(),
    };
    Ok((target, vec![r.to_string()]))
}
