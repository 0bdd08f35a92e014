//! Every sentence the user reads: the failures (`Error`, `KeyError`), the lines
//! printed on the way (`Note`), and the small data types they are made of.
//!
//! Variants carry data (names, counts, which input, which proxy variable); the
//! words are here only. `title` is the short heading of an annotation. No
//! variant carries a key, a JWT or a token, so no message can print one: a value
//! from an input reaches a message only as a [`Shown`].

use std::fmt;

use thiserror::Error;

use crate::config::Target;
use crate::github::error::GithubError;
use crate::kms::KmsError;
use crate::net::NetError;
use crate::token::shape::TokenProblem;
use crate::transport::error::TransportError;

pub use crate::secret::Shown;

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
    /// `GITHUB_OUTPUT` / `GITHUB_STATE`, for the file commands.
    FileCommand,
}

impl Need {
    fn why(self) -> &'static str {
        match self {
            Need::RepositoriesOwner => "know whose repositories `repositories` names",
            Need::DefaultRepository => {
                "find the installation when neither `owner`, `repositories`, `enterprise` nor `installation-id` is set"
            }
            Need::RepositoryShape => "find the installation (it must be owner/name)",
            Need::FileCommand => "hand values to later steps",
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
            Need::FileCommand => {
                "The runner sets it for every step: run this as a GitHub Actions step, or use `app-token-action token` outside Actions."
            }
        }
    }
}

/// A file the CLI reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `--private-key-file`.
    PrivateKey,
    /// `--ca-certificates-file`.
    CaCertificates,
    /// The token on stdin for `revoke`.
    Token,
    /// `--kms-access-token-file`.
    AccessToken,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::PrivateKey => "the private key",
            FileKind::CaCertificates => "CA certificates",
            FileKind::Token => "the token",
            FileKind::AccessToken => "the access token",
        })
    }
}

/// What became of a token GitHub created before the run failed.
#[derive(Debug)]
pub enum Fate {
    /// Revoked at once.
    Revoked,
    /// The revocation found it no longer valid.
    AlreadyInvalid,
    /// Saved for the post step, which revokes it.
    LeftToPost,
    /// The revocation failed.
    NotRevoked(Box<Error>),
    /// It holds characters a header cannot carry, so it cannot be sent back.
    Unsendable,
}

impl Fate {
    /// What became of the tokens already minted for `whom`, as the end of a sentence.
    fn summary(fates: &[Fate], whom: &str) -> String {
        if fates.is_empty() {
            return String::new();
        }
        let count = |f: fn(&Fate) -> bool| fates.iter().filter(|x| f(x)).count();
        let revoked = count(|f| matches!(f, Fate::Revoked | Fate::AlreadyInvalid));
        let saved = count(|f| matches!(f, Fate::LeftToPost));
        let live = fates.len() - revoked - saved;
        let mut text = format!(
            " All or nothing: of the {} tokens already minted for {whom}, {revoked} revoked at once",
            fates.len()
        );
        if saved > 0 {
            text.push_str(&format!(", {saved} saved for the post step to revoke"));
        }
        if live > 0 {
            text.push_str(&format!(
                ", {live} not revoked (valid until they expire, at most one hour)"
            ));
        }
        text.push('.');
        text
    }
}

impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fate::Revoked => f.write_str(
                "The token GitHub had already created was revoked at once, so none is left valid.",
            ),
            Fate::AlreadyInvalid => f.write_str(
                "The token GitHub had already created was no longer valid when it was revoked at once.",
            ),
            Fate::LeftToPost => f.write_str(
                "The token GitHub had already created is saved, and the post step revokes it when the job ends.",
            ),
            Fate::NotRevoked(e) => write!(
                f,
                "The token GitHub had already created could not be revoked: {e} It stays valid until it expires (at most one hour)."
            ),
            Fate::Unsendable => f.write_str(
                "The token GitHub had already created could not be revoked: it holds characters an HTTP header cannot carry, so it cannot be sent back. It was written to no output, and it stays valid until it expires (at most one hour).",
            ),
        }
    }
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

/// Why a private key was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    /// Nothing was given.
    #[error(
        "The private key is empty. Pass the app's private key from a secret, e.g. `private-key: ${{{{ secrets.APP_PRIVATE_KEY }}}}`; if it is set, check that the secret exists and is available to this workflow (secrets are not passed to workflows run from forks)."
    )]
    Empty,
    /// A public key, not the private one.
    #[error(
        "The private key is a public key ({label}). GitHub signs nothing with it: pass the private key (.pem) that you generated on the app's settings page under \"Private keys\"."
    )]
    Public { label: String },
    /// An OpenSSH-format key.
    #[error(
        "The private key is an OpenSSH key (BEGIN OPENSSH PRIVATE KEY), not a GitHub App key. Pass the RSA .pem file generated on the app's settings page under \"Private keys\"."
    )]
    OpenSsh,
    /// An elliptic-curve key.
    #[error(
        "The private key is an EC key; GitHub Apps sign with RSA (RS256). Pass the .pem generated on the app's settings page under \"Private keys\"."
    )]
    Ec,
    /// An Ed25519/Ed448 key.
    #[error(
        "The private key is an Ed25519 key; GitHub Apps sign with RSA (RS256). Pass the .pem generated on the app's settings page under \"Private keys\"."
    )]
    Ed25519,
    /// A passphrase-protected key.
    #[error(
        "The private key is encrypted with a passphrase, which the action cannot use. Store the unencrypted key GitHub generated, or decrypt it first: `openssl pkey -in key.pem -out plain.pem`."
    )]
    Encrypted,
    /// An RSA key below GitHub's size.
    #[error(
        "The private key is a {bits}-bit RSA key; GitHub App keys are 2048-bit RSA and RS256 needs at least 2048 bits. Pass the .pem generated on the app's settings page."
    )]
    TooSmall { bits: usize },
    /// A BEGIN line that does not read `-----BEGIN LABEL-----`.
    #[error(
        "The private key's BEGIN line is damaged, so its PEM label cannot be read (the line is not shown). It must read exactly -----BEGIN RSA PRIVATE KEY----- (or -----BEGIN PRIVATE KEY-----), five dashes on each side: copy the whole .pem file again without changing its lines."
    )]
    DamagedBegin,
    /// A PEM block of some other kind.
    #[error(
        "The private key is a PEM block labelled \"{label}\", not an RSA private key. Pass the .pem generated on the app's settings page under \"Private keys\" (it starts with -----BEGIN RSA PRIVATE KEY-----)."
    )]
    Unsupported { label: String },
    /// A file name or path instead of the key's text.
    #[error(
        "The private key looks like a file name or path, not the key itself. Pass the contents of the .pem file (e.g. from a secret: `private-key: ${{{{ secrets.APP_PRIVATE_KEY }}}}`); a path on the runner is not visible inside the action's container."
    )]
    Path,
    /// Not PEM, nor base64 of PEM.
    #[error(
        "The private key is not in PEM form (no -----BEGIN ... PRIVATE KEY----- line found, also not after base64-decoding it). Pass the whole .pem file generated on the app's settings page, including its BEGIN and END lines."
    )]
    NotPem,
    /// PEM armour around bytes that are not a valid RSA key.
    #[error(
        "The private key's PEM block is damaged ({reason}): it is not a valid RSA key. Copy the whole .pem file again, without changing its lines, or generate a new key on the app's settings page."
    )]
    Corrupt { reason: Damage },
}

/// What is wrong inside a PEM block's armour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// No END line.
    EndMissing,
    /// The body does not decode.
    NotBase64,
    /// A modulus over 4096 bits.
    TooLarge,
    /// The RSA fields do not decode or agree.
    Fields,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Damage::EndMissing => "the END line is missing",
            Damage::NotBase64 => "its body is not valid base64",
            Damage::TooLarge => "the RSA modulus is larger than 4096 bits",
            Damage::Fields => "the RSA key's fields do not decode or do not agree",
        })
    }
}

/// Everything that can fail, as the user is told it.
#[derive(Debug, Error)]
pub enum Error {
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
    /// A malformed `--permission` argument.
    #[error(
        "--permission takes NAME=LEVEL, e.g. --permission contents=read; the value given is {value}."
    )]
    PermissionSyntax { value: Shown },
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
    /// One owner of a multi-owner run failed; what became of the others' tokens.
    #[error("For `{login}`: {cause}{}", Fate::summary(.others, "the other owners"))]
    ForOwner {
        login: String,
        cause: Box<Error>,
        others: Vec<Fate>,
    },
    /// A failure after every owner's token was created, and what became of them.
    #[error("{cause}{}", Fate::summary(.fates, "the owners"))]
    AfterMintAll { cause: Box<Error>, fates: Vec<Fate> },
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
    /// A guardrail stopped the run, or its input is wrong.
    #[error(transparent)]
    Guard(#[from] crate::guard::GuardError),
    /// The key was refused.
    #[error(transparent)]
    Key(#[from] KeyError),
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
    /// A key service failed.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// A flag without its value.
    #[error("{flag} needs a value. Run `app-token-action --help` for usage.")]
    MissingValue { flag: String },
    /// `token` without a key file.
    #[error(
        "--private-key-file (a path, or - for stdin) or --kms-key is required. Run `app-token-action --help` for usage."
    )]
    MissingKeyFile,
    /// `revoke` with nothing on stdin.
    #[error(
        "revoke reads the token from stdin, and it was empty. Run `app-token-action --help` for usage."
    )]
    EmptyStdin,
    /// `revoke` read something that is not a token.
    #[error(
        "revoke reads the token from stdin, and what it read {problem}. Pass the installation token exactly as `app-token-action token` printed it."
    )]
    InvalidToken { problem: TokenProblem },
    /// An option `token` or `revoke` does not know.
    #[error(
        "Unknown option: the option given is {option}. Run `app-token-action --help` for usage."
    )]
    UnknownOption { option: Shown },
    /// A command the program does not have.
    #[error("error: unknown command: the command given is {command}.")]
    UnknownCommand { command: Shown },
    /// Reading a file named on the command line.
    #[error("Could not read {what} from {path}: {source}.")]
    ReadFile {
        what: FileKind,
        path: String,
        source: std::io::Error,
    },

    /// The signer could not sign the JWT.
    #[error(
        "The app's JWT could not be signed with the private key (the system's random number generator failed). Retry the job; if it fails again, the runner's kernel does not provide getrandom."
    )]
    Signing,
    /// A workflow file command could not be written.
    #[error("Could not write to {var} ({path}): {source}.")]
    FileCommand {
        var: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// A failure after GitHub created a token, and what became of the token.
    #[error("{cause} {fate}")]
    AfterMint { cause: Box<Error>, fate: Fate },
    /// A request that got no usable answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A connection setting that cannot be used.
    #[error(transparent)]
    Net(#[from] NetError),
    /// GitHub refused the request.
    #[error(transparent)]
    Github(#[from] GithubError),
    /// A value that would break the file-command format.
    #[error(
        "Refusing to write output `{name}`: its value contains a line break or the heredoc delimiter, which could inject other outputs."
    )]
    UnsafeValue { name: String },
}

impl Error {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        use Error::*;
        match self {
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
            | OwnersConflict { .. }
            | OneInstallationOnly
            | NoInstallations
            | MissingValue { .. }
            | MissingKeyFile
            | EmptyStdin
            | InvalidToken { .. }
            | UnknownOption { .. }
            | UnknownCommand { .. }
            | ReadFile { .. } => "Invalid input",
            PermissionLevel { .. } | PermissionTypo { .. } | PermissionSyntax { .. } => {
                "Invalid permission"
            }
            Key(_) => "Invalid private key",
            Guard(crate::guard::GuardError::InvalidForkPolicy { .. }) => "Invalid input",
            Guard(_) => "Refused by a guardrail",
            NoKey | TwoKeys => "Invalid input",
            Kms(e) => e.title(),
            Signing => "Signing failed",
            FileCommand { .. } | UnsafeValue { .. } => "Cannot write outputs",
            AfterMint { cause, .. } | ForOwner { cause, .. } | AfterMintAll { cause, .. } => {
                cause.title()
            }
            Transport(e) => e.title(),
            Net(e) => e.title(),
            Github(e) => e.title(),
        }
    }

    /// A mistake on the command line (exit code 2 for the CLI).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::MissingValue { .. }
                | Error::MissingKeyFile
                | Error::EmptyStdin
                | Error::UnknownOption { .. }
                | Error::UnknownCommand { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::Service;
    use crate::kms::error::{SettingProblem, UriProblem};
    use crate::transport::{Call, Method, Purpose};

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

    /// The variant names of `enum {name}` in this file's source, as declared.
    fn declared(name: &str) -> Vec<String> {
        declared_in(include_str!("error.rs"), name)
    }

    /// The variant names of `enum {name}` in `src`, as declared.
    fn declared_in(src: &str, name: &str) -> Vec<String> {
        let start = src
            .find(&format!("pub enum {name} {{"))
            .expect("enum in source");
        src[start..]
            .lines()
            .skip(1)
            .take_while(|l| *l != "}")
            .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
            .map(str::trim)
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|l| {
                l.split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    /// The variant's name, from its `Debug` form.
    fn variant(e: &impl fmt::Debug) -> String {
        let debug = format!("{e:?}");
        debug
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Every error with sample details, and what its message must say: the
    /// specifics (so the user knows which thing is wrong) and the remedy.
    fn catalogue() -> Vec<(Error, Vec<&'static str>)> {
        [input_errors(), local_errors(), api_errors()]
            .into_iter()
            .flatten()
            .collect()
    }

    /// Errors in the inputs, found before any request.
    #[rustfmt::skip]
    fn input_errors() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
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
            (PermissionSyntax { value: Shown::of("contents") }, vec!["NAME=LEVEL", "\"contents\""]),
            (MissingEnv { var: "GITHUB_REPOSITORY", need: Need::RepositoryShape }, vec!["GITHUB_REPOSITORY is not set", "owner/name", "Set `owner`"]),
            (InvalidApiUrl { url: Shown::url("ftp://u:p@x") }, vec!["\"ftp://x\"", "https://api.github.com"]),
            (InsecureApiUrl { url: Shown::of("http://x") }, vec!["\"http://x\"", "Use https"]),
            (OneInstallationOnly, vec!["`owners`", "Give `owner`"]),
            (NoInstallations, vec!["`owners: *`", "lists none", "Install App"]),
            (AfterMintAll { cause: Box::new(MissingKeyFile), fates: vec![Fate::Revoked, Fate::Revoked] }, vec!["of the 2 tokens already minted for the owners, 2 revoked at once"]),
            (ForOwner { login: s("octocat"), cause: Box::new(Github(GithubError::InstallationIdNotFound { id: 7 })), others: vec![Fate::Revoked, Fate::LeftToPost, Fate::NotRevoked(Box::new(MissingKeyFile))] }, vec!["For `octocat`:", "of the 3 tokens", "1 revoked at once", "1 saved for the post step", "1 not revoked"]),
            (OwnersConflict { other: "repositories" }, vec!["`owners`", "`repositories`", "Remove one"]),
            (Guard(crate::guard::GuardError::PermissionsRequired), vec!["`require-permissions`", "`permission-*`", "permission-contents: read"]),
        ]
    }

    /// Errors of the key, the CA certificates, the proxy, the command line and the files.
    #[rustfmt::skip]
    fn local_errors() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        vec![
            (SecretInInput { input: s("owner") }, vec!["`owner`", "not shown", "`private-key`", "rotate"]),
            (Key(KeyError::Ec), vec!["EC key", "RS256", "Private keys"]),
            (NoKey, vec!["`private-key`", "`kms-key`", "neither is set"]),
            (TwoKeys, vec!["Both `private-key` and `kms-key`", "Remove"]),
            (Kms(KmsError::OidcUnavailable), vec!["id-token: write"]),
            (MissingValue { flag: s("--owner") }, vec!["--owner", "--help"]),
            (MissingKeyFile, vec!["--private-key-file", "--help"]),
            (EmptyStdin, vec!["stdin", "--help"]),
            (InvalidToken { problem: TokenProblem::Control }, vec!["stdin", "control characters", "as `app-token-action token` printed it"]),
            (UnknownOption { option: Shown::of("--x") }, vec!["\"--x\"", "--help"]),
            (UnknownCommand { command: Shown::of("frob") }, vec!["unknown command", "\"frob\""]),
            (ReadFile { what: FileKind::PrivateKey, path: s("/k.pem"), source: io() }, vec!["the private key", "/k.pem", "No such file"]),
        ]
    }

    /// Errors from GitHub's answers, the network and the outputs.
    #[rustfmt::skip]
    fn api_errors() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        
        vec![
            (Signing, vec!["could not be signed", "Retry"]),
            (FileCommand { var: "GITHUB_OUTPUT", path: s("/f"), source: io() }, vec!["GITHUB_OUTPUT", "/f", "No such file"]),
            (Transport(TransportError::Exhausted { call: call(None, Method::Post, "/x"), elapsed_secs: 118, attempts: 4, last: crate::transport::Last::Answer { who: crate::transport::Who::GitHub, status: 503, limit: None } }), vec!["POST /x", "118 s", "4 attempts", "GitHub answered 503"]),
            (Net(NetError::Proxy { var: "HTTPS_PROXY" }), vec!["HTTPS_PROXY", "not shown", "unset"]),
            (Github(GithubError::KeyMismatch), vec!["A JSON web token could not be decoded", "does not belong", "same app"]),
            (UnsafeValue { name: s("app-slug") }, vec!["`app-slug`", "line break"]),
            (AfterMint { cause: Box::new(FileCommand { var: "GITHUB_OUTPUT", path: s("/f"), source: io() }), fate: Fate::Revoked }, vec!["GITHUB_OUTPUT", "revoked at once"]),
        ]
    }

    /// Checks a catalogue: every declared variant listed once, each message a sentence
    /// with no unfilled field that says everything `must` lists, each with a title.
    fn check_catalogue<E: fmt::Display + fmt::Debug>(
        all: &[(E, Vec<&str>)],
        mut declared: Vec<String>,
        title: impl Fn(&E) -> &'static str,
    ) {
        let mut listed: Vec<String> = all.iter().map(|(e, _)| variant(e)).collect();
        listed.sort();
        declared.sort();
        assert_eq!(listed, declared, "every variant once in the catalogue");
        for (e, must) in all {
            let msg = e.to_string();
            assert!(!title(e).is_empty());
            for m in must {
                assert!(msg.contains(m), "{}: {m:?} missing from: {msg}", variant(e));
            }
            assert!(
                msg.ends_with(['.', '?']),
                "{}: a sentence: {msg}",
                variant(e)
            );
            assert!(
                !msg.contains('{') || msg.contains("${{"),
                "{}: unfilled field: {msg}",
                variant(e)
            );
        }
    }

    #[test]
    fn every_error_is_specific_and_actionable() {
        check_catalogue(&catalogue(), declared("Error"), Error::title);
    }

    /// Every key-service error with sample details, and what its message must say.
    #[rustfmt::skip]
    fn kms_catalogue() -> Vec<(KmsError, Vec<&'static str>)> {
        use KmsError::*;
        use Service::*;
        let key = || s("alias/github-app");
        vec![
            (BadUri { uri: s("kms://x"), problem: UriProblem::UnknownScheme }, vec!["\"kms://x\"", "awskms://", "hashivault://"]),
            (BadSetting { input: "vault-role", value: s("a/b"), rule: crate::kms::error::Rule::VaultRole }, vec!["`vault-role`", "\"a/b\"", "Vault role name"]),
            (BadCredential { service: AwsSts, what: "SessionToken" }, vec!["SessionToken", "AWS STS", "control characters"]),
            (MissingSetting { service: AwsKms, missing: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or aws-role-arn" }, vec!["AWS_ACCESS_KEY_ID", "configure-aws-credentials", "id-token: write"]),
            (RegionMissing { key: key() }, vec!["alias/github-app", "AWS_REGION", "ARN"]),
            (KeyNotFound { service: Vault, key: s("gh-app") }, vec!["Vault has no key gh-app", "`vault-transit-mount`"]),
            (AccessDenied { service: AwsKms, key: key(), grant: s("kms:Sign"), message: s("not authorized to perform: kms:Sign") }, vec!["Grant kms:Sign", "alias/github-app", "not authorized"]),
            (InvalidCredentials { service: AwsKms, code: s("InvalidClientTokenId") }, vec!["InvalidClientTokenId", "AWS_ACCESS_KEY_ID"]),
            (ClockSkew { service: AwsKms, message: s("Signature expired") }, vec!["Signature expired", "NTP"]),
            (ExpiredCredentials { service: AzureKeyVault, code: s("TokenExpired") }, vec!["expired", "TokenExpired", "`kms-access-token`"]),
            (NotRsa { service: AwsKms, key: key(), kind: s("ECC_NIST_P256") }, vec!["ECC_NIST_P256", "RSA_2048", "SIGN_VERIFY"]),
            (NotForSigning { service: Vault, key: s("aes"), usage: s("aes256-gcm96") }, vec!["not for signing", "rsa-2048"]),
            (WrongAlgorithm { service: GoogleKms, key: s("k"), algorithm: s("RSA_SIGN_PSS_2048_SHA256") }, vec!["RSA_SIGN_PSS_2048_SHA256", "RSA_SIGN_PKCS1_2048_SHA256"]),
            (TooSmall { service: AzureKeyVault, key: s("k"), bits: 1024 }, vec!["1024-bit", "2048-bit", "sign"]),
            (KeyUnusable { service: AwsKms, key: key(), state: s("Disabled") }, vec!["Disabled", "Enable it"]),
            (MountNotFound { mount: s("transit2") }, vec!["transit2/", "`vault-transit-mount`"]),
            (NamespaceNotFound { namespace: s("team-a") }, vec!["\"team-a\"", "VAULT_NAMESPACE"]),
            (LoginRefused { service: Vault, role: s("widgets"), code: s("400"), message: s("invalid audience (aud) claim") }, vec!["role widgets", "invalid audience", "`oidc-audience`"]),
            (OidcUnavailable, vec!["ACTIONS_ID_TOKEN_REQUEST_URL", "`permissions: id-token: write`"]),
            (OidcRefused { status: 403 }, vec!["403", "id-token: write"]),
            (BadResponse { service: GoogleKms, what: "signature" }, vec!["Google Cloud KMS", "signature", "Check"]),
            (Integrity { service: GoogleKms, check: "signatureCrc32c" }, vec!["signatureCrc32c", "Retry"]),
            (BadSignature { service: AzureKeyVault, key: s("k") }, vec!["does not verify", "not sent to GitHub"]),
            (Refused { service: ActionsOidc, status: 418, code: s("Teapot"), message: s("no") }, vec!["418 Teapot", "\"no\""]),
            (BadKeylessSetting { setting: "gcp-workload-identity-provider", value: s("projects/acme/locations/global/workloadIdentityPools/p/providers/x"), problem: SettingProblem::GcpProjectNumber }, vec!["`gcp-workload-identity-provider`", "project number", "gcloud projects describe"]),
            (ProviderNotFound { provider: s("projects/1/locations/global/workloadIdentityPools/gh/providers/acme"), message: s("The target service indicated by the \"audience\" parameters is invalid.") }, vec!["no workload identity provider projects/1/", "`gcp-workload-identity-provider`", "disabled or deleted"]),
            (AudienceMismatch { service: GoogleSts, audience: s("https://github.com/acme"), message: s("The audience in JWT does not match the expected values.") }, vec!["Google STS refused", "https://github.com/acme", "allowed audiences", "`oidc-audience`"]),
            (ServiceAccountDenied { account: s("signer@acme.iam.gserviceaccount.com"), message: s("Permission 'iam.serviceAccounts.getAccessToken' denied") }, vec!["signer@acme.iam.gserviceaccount.com", "roles/iam.workloadIdentityUser", "principalSet://", "`gcp-service-account`"]),
            (TenantNotFound { tenant: s("contoso.com"), message: s("AADSTS90002: Tenant 'contoso.com' not found.") }, vec!["no tenant contoso.com", "`azure-tenant-id`", "AZURE_AUTHORITY_HOST"]),
            (ClientNotFound { tenant: s("contoso.com"), client_id: s("af3110ba-0ba9-4412-b1a0-59f50b7e9273"), message: s("AADSTS700016") }, vec!["no app af3110ba", "`azure-client-id`"]),
            (AssertionRefused { client_id: s("af3110ba-0ba9-4412-b1a0-59f50b7e9273"), code: s("AADSTS700213"), message: s("No matching federated identity record found for presented assertion subject") }, vec!["AADSTS700213", "federated credential", "https://token.actions.githubusercontent.com", "case matters"]),
        ]
    }

    /// Second forms of variants the catalogue holds once.
    #[test]
    #[rustfmt::skip]
    fn keyless_sentences_name_their_service() {
        use KmsError::*;
        use Service::*;
        for (e, must) in [
            (BadKeylessSetting { setting: "azure-tenant-id", value: s("contoso"), problem: SettingProblem::AzureTenant }, vec!["`azure-tenant-id` \"contoso\"", "GUID", "contoso.onmicrosoft.com"]),
            (AudienceMismatch { service: EntraId, audience: s("api://x"), message: s("AADSTS700212: No matching federated identity record") }, vec!["Microsoft Entra ID", "api://x", "federated credential", "api://AzureADTokenExchange"]),
        ] {
            let msg = e.to_string();
            for m in must {
                assert!(msg.contains(m), "{m:?} missing from {msg}");
            }
        }
    }

    #[test]
    fn every_kms_error_is_specific_and_actionable() {
        let declared = declared_in(include_str!("kms/error.rs"), "KmsError");
        check_catalogue(&kms_catalogue(), declared, KmsError::title);
        let secret = "-----BEGIN RSA PRIVATE KEY-----";
        let shown = KmsError::BadUri {
            uri: s(secret),
            problem: UriProblem::NoKey,
        }
        .to_string();
        assert!(!shown.contains(secret), "{shown}");
    }

    #[test]
    fn values_are_quoted_only_when_safe() {
        let key = crate::fixture("app.pem");
        for secret in [key.as_str(), "ghs_16C7e42F292c6912E7710c838347Ae178B4a"] {
            let msg = Error::InvalidBoolean {
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

    #[test]
    fn every_key_error_says_what_to_pass() {
        let all = [
            KeyError::Empty,
            KeyError::Public {
                label: s("PUBLIC KEY"),
            },
            KeyError::OpenSsh,
            KeyError::Ec,
            KeyError::Ed25519,
            KeyError::Encrypted,
            KeyError::TooSmall { bits: 1024 },
            KeyError::Unsupported {
                label: s("CERTIFICATE"),
            },
            KeyError::DamagedBegin,
            KeyError::NotPem,
            KeyError::Path,
            KeyError::Corrupt {
                reason: Damage::EndMissing,
            },
        ];
        let mut listed: Vec<String> = all.iter().map(variant).collect();
        listed.sort();
        let mut declared = declared("KeyError");
        declared.sort();
        assert_eq!(listed, declared, "every variant once");
        let mut messages: Vec<String> = all.iter().map(ToString::to_string).collect();
        for m in &messages {
            let lower = m.to_lowercase();
            assert!(
                ["pass", "store", "copy"].iter().any(|w| lower.contains(w)),
                "{m}"
            );
        }
        messages.sort();
        messages.dedup();
        assert_eq!(messages.len(), all.len(), "each kind has its own message");
    }
}
