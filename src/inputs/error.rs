//! The input errors: what is wrong with an input (or the runner's context it is read
//! with), found before any request, each with its sentence. Variants carry data; a
//! value from an input reaches a message only as a [`Shown`].

use std::fmt;

use thiserror::Error;

use crate::guard::GuardError;
use crate::secret::Shown;

/// What a name must look like, as GitHub defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// A user or organization login.
    Login,
    /// An enterprise slug.
    EnterpriseSlug,
    /// A client ID or a numeric app ID.
    AppId,
}

impl fmt::Display for NameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameRule::Login => {
                "a GitHub login: letters, digits and hyphens, at most 39 characters (managed users add `_` and a short code)"
            }
            NameRule::EnterpriseSlug => {
                "an enterprise slug: letters, digits and hyphens, as in https://github.com/enterprises/SLUG"
            }
            NameRule::AppId => {
                "a client ID (Iv..., letters, digits and dots) or a numeric app ID, on one line"
            }
        })
    }
}

/// Which environment variable was needed, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `GITHUB_REPOSITORY_OWNER`, for bare names in `repositories`.
    RepositoriesOwner,
    /// `GITHUB_REPOSITORY`, for the default scope.
    DefaultRepository,
    /// `GITHUB_REPOSITORY` that is not `owner/name`.
    RepositoryShape,
}

impl Need {
    fn why(self) -> &'static str {
        match self {
            Need::RepositoriesOwner => "know whose repositories `repositories` names",
            Need::DefaultRepository => {
                "find the installation when neither `owner`, `repositories`, `enterprise` nor `installation-id` is set"
            }
            Need::RepositoryShape => "find the installation (it must be owner/name)",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Need::RepositoriesOwner => {
                "Set the `owner` input (CLI: --owner), or write the repositories as owner/name."
            }
            Need::DefaultRepository => {
                "Inside Actions the runner sets it; elsewhere pass --owner, --repositories, --enterprise or --installation-id."
            }
            Need::RepositoryShape => "Set `owner` or `repositories` instead.",
        }
    }
}

/// A mistake in the inputs, found before any request.
#[derive(Debug, Error)]
pub enum InputError {
    /// Neither `client-id` nor `app-id`.
    #[error(
        "Set the `client-id` input (recommended; CLI: --client-id) or `app-id` to your GitHub App's client ID (Iv...) or numeric app ID, both shown on the app's settings page."
    )]
    MissingAppId,
    /// The id has the shape of a client secret.
    #[error(
        "`client-id`/`app-id` has the shape of a client secret (40 hexadecimal characters), not of an app's id. Give the client ID (Iv...) or the numeric app ID from the app's settings page, and if a client secret was pasted, regenerate it there."
    )]
    IdLooksLikeSecret,
    /// Two spellings of one input disagree.
    #[error(
        "`{first}` and `{second}` are the same input spelled two ways (in input names - and _ are the same), and they have different values. Set only one of them."
    )]
    ConflictingSpellings { first: String, second: String },
    /// Not a YAML 1.2 core boolean.
    #[error(
        "`{input}` must be true or false (YAML 1.2: true, True, TRUE, false, False, FALSE); the value given is {value}."
    )]
    InvalidBoolean { input: &'static str, value: Shown },
    /// `token-format` is neither `stateless` nor `stateful`.
    #[error(
        "`token-format` must be `stateless` (GitHub's new installation-token format), `stateful` (the classic format) or empty (GitHub's rollout decides); the value given is {value}."
    )]
    InvalidTokenFormat { value: Shown },
    /// `installation-id` is not a number.
    #[error(
        "`installation-id` must be a positive number (the id in the installation's settings URL); the value given is {value}."
    )]
    InvalidInstallationId { value: Shown },
    /// A login, slug or id GitHub would not accept.
    #[error(
        "`{input}` must be {rule}; the value given is {value}. Give it as it appears on GitHub (no slashes, spaces or line breaks)."
    )]
    InvalidName {
        input: &'static str,
        value: Shown,
        rule: NameRule,
    },
    /// `enterprise` combined with an account or repositories.
    #[error(
        "`enterprise` selects an enterprise installation and cannot be combined with `{other}`. Remove one of them."
    )]
    EnterpriseConflict { other: &'static str },
    /// A repository name GitHub would not accept.
    #[error(
        "A `repositories` entry is not a repository name; the entry given is {entry}. Give bare names (`repo-a`) or `owner/name`, separated by commas or newlines."
    )]
    InvalidRepository { entry: Shown },
    /// `owner/name` whose owner is not the installation's account.
    #[error(
        "Repository \"{given}/{name}\" belongs to `{given}`, but the token is for `{owner}`{}. A token covers one account's repositories: set `owner: {given}`, or make one token per account.",
        if *.from_input { " (the `owner` input)" } else { " (the owner of this workflow's repository)" }
    )]
    RepositoryOwnerMismatch {
        given: String,
        name: String,
        owner: String,
        from_input: bool,
    },
    /// More than GitHub accepts in one token.
    #[error(
        "`repositories` lists {count} repositories; GitHub scopes a token to at most 500. Split them over several tokens, or leave `repositories` empty for all of the installation's repositories."
    )]
    TooManyRepositories { count: usize },
    /// A permission level the name does not take.
    #[error(
        "`permission-{input}` must be one of the levels {name} accepts: {}; the value given is {level}.",
        .accepted.join(", ")
    )]
    PermissionLevel {
        input: String,
        name: String,
        level: Shown,
        accepted: &'static [&'static str],
    },
    /// A near miss of a known permission name.
    #[error(
        "There is no permission named \"{given}\". Did you mean `{suggestion}` (input `permission-{}`)?",
        .suggestion.replace('_', "-")
    )]
    PermissionTypo {
        given: String,
        suggestion: &'static str,
    },
    /// An environment variable the runner normally sets is missing.
    #[error("{var} is not set, and it is needed to {}. {}", .need.why(), .need.hint())]
    MissingEnv { var: &'static str, need: Need },
    /// `github-api-url` is not an http(s) URL.
    #[error(
        "`github-api-url` is not an http(s) URL without user info; the value given (user info removed) is {url}. Use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server."
    )]
    InvalidApiUrl { url: Shown },
    /// Plain http to anything but this machine.
    #[error(
        "`github-api-url` {url} uses plain http. The JWT and the token would cross the network unencrypted, so http is allowed only for a loopback host (localhost, 127.0.0.1, ::1). Use https."
    )]
    InsecureApiUrl { url: Shown },
    /// A key or credential in an input that takes neither.
    #[error(
        "The `{input}` input looks like a private key, a token or another credential, so it is refused before any request and its value is not shown. Give that input the value it expects (the key belongs in `private-key`, from a secret); if a secret was written into a workflow file or variable by mistake, rotate it."
    )]
    SecretInInput { input: String },
    /// `owners: *` for an app installed nowhere.
    #[error(
        "`owners: *` asks for every installation of the app, but GitHub lists none. Install the app on an account first (its settings page, \"Install App\")."
    )]
    NoInstallations,
    /// A path that serves one installation was given several.
    #[error("This command serves one installation; `owners` names several. Give `owner` instead.")]
    OneInstallationOnly,
    /// `owners` combined with an input that chooses one installation.
    #[error(
        "`owners` mints a token for each of several accounts and cannot be combined with `{other}`. Remove one of them (for several repositories of one account, use `owner` and `repositories`)."
    )]
    OwnersConflict { other: &'static str },
    /// Neither `private-key` nor `kms-key`.
    #[error(
        "Set `private-key` (the app's .pem, from a secret) or `kms-key` (the app's key in AWS KMS, Vault/OpenBao, Google Cloud KMS or Azure Key Vault); neither is set. If `private-key` comes from a secret, check that the secret exists and is available to this workflow (secrets are not passed to workflows run from forks)."
    )]
    NoKey,
    /// Both `private-key` and `kms-key`.
    #[error(
        "Both `private-key` and `kms-key` are set, and one key signs the app's JWT. Remove `private-key` to sign in the key service (then delete the stored key), or remove `kms-key`."
    )]
    TwoKeys,
    /// A guardrail stopped the run, or its input is wrong.
    #[error(transparent)]
    Guard(#[from] GuardError),
}

impl InputError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        use InputError::*;
        match self {
            PermissionLevel { .. } | PermissionTypo { .. } => "Invalid permission",
            Guard(e) => e.title(),
            MissingAppId
            | IdLooksLikeSecret
            | ConflictingSpellings { .. }
            | InvalidBoolean { .. }
            | InvalidTokenFormat { .. }
            | InvalidInstallationId { .. }
            | InvalidName { .. }
            | EnterpriseConflict { .. }
            | InvalidRepository { .. }
            | RepositoryOwnerMismatch { .. }
            | TooManyRepositories { .. }
            | MissingEnv { .. }
            | InvalidApiUrl { .. }
            | InsecureApiUrl { .. }
            | SecretInInput { .. }
            | NoInstallations
            | OneInstallationOnly
            | OwnersConflict { .. }
            | NoKey
            | TwoKeys => "Invalid input",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// Each variant's place in the catalogue: a new variant does not compile until
    /// it has one (and then fails the test until the catalogue lists it).
    fn place(e: &InputError) -> usize {
        use InputError::*;
        match e {
            MissingAppId => 0,
            IdLooksLikeSecret => 1,
            ConflictingSpellings { .. } => 2,
            InvalidBoolean { .. } => 3,
            InvalidTokenFormat { .. } => 4,
            InvalidInstallationId { .. } => 5,
            InvalidName { .. } => 6,
            EnterpriseConflict { .. } => 7,
            InvalidRepository { .. } => 8,
            RepositoryOwnerMismatch { .. } => 9,
            TooManyRepositories { .. } => 10,
            PermissionLevel { .. } => 11,
            PermissionTypo { .. } => 12,
            MissingEnv { .. } => 13,
            InvalidApiUrl { .. } => 14,
            InsecureApiUrl { .. } => 15,
            SecretInInput { .. } => 16,
            NoInstallations => 17,
            OneInstallationOnly => 18,
            OwnersConflict { .. } => 19,
            NoKey => 20,
            TwoKeys => 21,
            Guard(_) => 22,
        }
    }

    /// Every input error with sample details, and what its message must say: the
    /// specifics (so the user knows which input is wrong) and the remedy.
    #[rustfmt::skip]
    fn catalogue() -> Vec<(InputError, Vec<&'static str>)> {
        use InputError::*;
        vec![
            (MissingAppId, vec!["`client-id`", "`app-id`", "settings page"]),
            (IdLooksLikeSecret, vec!["client secret", "client ID (Iv...)", "regenerate"]),
            (ConflictingSpellings { first: s("INPUT_APP-ID"), second: s("INPUT_APP_ID") }, vec!["INPUT_APP-ID", "INPUT_APP_ID", "Set only one"]),
            (InvalidBoolean { input: "skip-token-revoke", value: Shown::of("yes") }, vec!["skip-token-revoke", "\"yes\"", "true or false"]),
            (InvalidTokenFormat { value: Shown::of("new") }, vec!["`token-format`", "`stateless`", "`stateful`", "\"new\""]),
            (InvalidInstallationId { value: Shown::of("abc") }, vec!["\"abc\"", "positive number"]),
            (InvalidName { input: "owner", value: Shown::of("acme/../x"), rule: NameRule::Login }, vec!["`owner`", "\"acme/../x\"", "GitHub login", "no slashes"]),
            (EnterpriseConflict { other: "owner" }, vec!["`owner`", "Remove one"]),
            (InvalidRepository { entry: Shown::of("a b") }, vec!["\"a b\"", "owner/name"]),
            (RepositoryOwnerMismatch { given: s("x"), name: s("r"), owner: s("acme"), from_input: true }, vec!["x/r", "`acme`", "(the `owner` input)", "set `owner: x`"]),
            (TooManyRepositories { count: 600 }, vec!["600", "at most 500", "Split"]),
            (PermissionLevel { input: s("workflows"), name: s("workflows"), level: Shown::of("read"), accepted: &["write"] }, vec!["permission-workflows", "\"read\"", "workflows accepts: write"]),
            (PermissionTypo { given: s("content"), suggestion: "pull_requests" }, vec!["\"content\"", "`pull_requests`", "`permission-pull-requests`"]),
            (MissingEnv { var: "GITHUB_REPOSITORY", need: Need::RepositoryShape }, vec!["GITHUB_REPOSITORY is not set", "owner/name", "Set `owner`"]),
            (InvalidApiUrl { url: Shown::url("ftp://u:p@x") }, vec!["\"ftp://x\"", "https://api.github.com"]),
            (InsecureApiUrl { url: Shown::of("http://x") }, vec!["\"http://x\"", "Use https"]),
            (OneInstallationOnly, vec!["`owners`", "Give `owner`"]),
            (NoInstallations, vec!["`owners: *`", "lists none", "Install App"]),
            (OwnersConflict { other: "repositories" }, vec!["`owners`", "`repositories`", "Remove one"]),
            (Guard(GuardError::PermissionsRequired), vec!["`require-permissions`", "`permission-*`", "permission-contents: read"]),
            (SecretInInput { input: s("owner") }, vec!["`owner`", "not shown", "`private-key`", "rotate"]),
            (NoKey, vec!["`private-key`", "`kms-key`", "neither is set"]),
            (TwoKeys, vec!["Both `private-key` and `kms-key`", "Remove"]),
        ]
    }

    #[test]
    fn every_input_error_is_specific_and_actionable() {
        crate::catalogue::check(&catalogue(), 23, place, InputError::title);
    }

    #[test]
    fn values_are_quoted_only_when_safe() {
        let key = crate::fixture("app.pem");
        for secret in [key.as_str(), "ghs_16C7e42F292c6912E7710c838347Ae178B4a"] {
            let msg = InputError::InvalidBoolean {
                input: "check",
                value: Shown::of(secret),
            }
            .to_string();
            assert!(msg.contains("the value given is not shown"), "{msg}");
            assert!(!msg.contains("ghs_") && !msg.contains("MII"), "{msg}");
        }
        let url = Shown::url("https://x-access-token:ghp_abc@ghe.example.com/api/v3");
        assert_eq!(url.to_string(), "\"https://ghe.example.com/api/v3\"");
    }
}
