//! Every sentence the user reads: the failures (`Error`, `KeyError`), the lines
//! printed on the way (`Note`), and the small data types they are made of.
//!
//! Variants carry data (names, counts, which input, which proxy variable); the
//! words are here only. `title` is the short heading of an annotation. No
//! variant carries a key, a JWT or a token, so no message can print one: a value
//! from an input reaches a message only as a [`Shown`].

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use thiserror::Error;

use crate::config::Target;
use crate::kms::error::UriProblem;
use crate::kms::{KmsError, Service};
use crate::retry::{Limit, MAX_ATTEMPTS, MAX_WAIT};
use crate::transport::Method;

/// An input's value as a message quotes it: in full when short, cut when long,
/// and not at all when it spans lines or looks like a key or a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown(Option<String>);

impl Shown {
    /// Decides how `value` may be quoted.
    pub fn of(value: &str) -> Shown {
        Shown(crate::secret::quotable(value))
    }

    /// A URL without its user info, then as [`Shown::of`].
    pub fn url(url: &str) -> Shown {
        Shown::of(&crate::secret::without_userinfo(url))
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => write!(f, "\"{v}\""),
            None => f.write_str("not shown (it spans lines, or looks like a key or a credential)"),
        }
    }
}

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
                "a GitHub login: letters, digits and single hyphens, at most 39 characters, not starting or ending with a hyphen (managed users add `_` and a short code)"
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

/// What a GitHub request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `GET /app`.
    AppCheck,
    /// `GET .../installation` or `/app/installations/{id}`.
    InstallationLookup,
    /// `POST .../access_tokens`.
    TokenRequest,
    /// `GET /users/<slug>[bot]`.
    BotLookup,
    /// `DELETE /installation/token`.
    Revocation,
    /// A call to a key service or the runner's OIDC endpoint.
    KeyService(Service),
}

/// One request as messages name it: `the token request (POST /app/...)`, or
/// `POST /app/...` where the purpose is not known (the transport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// What it was for, when known.
    pub purpose: Option<Purpose>,
    pub method: Method,
    /// The path under the service's root.
    pub path: String,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.purpose {
            None => return write!(f, "{} {}", self.method, self.path),
            Some(Purpose::AppCheck) => "the app check",
            Some(Purpose::InstallationLookup) => "the installation lookup",
            Some(Purpose::TokenRequest) => "the token request",
            Some(Purpose::BotLookup) => "the bot user lookup",
            Some(Purpose::Revocation) => "the revocation",
            Some(Purpose::KeyService(service)) => {
                return write!(f, "the {service} request ({} {})", self.method, self.path);
            }
        };
        write!(f, "{what} ({} {})", self.method, self.path)
    }
}

/// Who answered, for messages: GitHub, or another service by its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The GitHub API.
    GitHub,
    /// Another service.
    Host(String),
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Who::GitHub => f.write_str("GitHub"),
            Who::Host(h) => f.write_str(h),
        }
    }
}

/// Why an attempt got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The request ran out of time.
    Timeout,
    /// DNS found nothing.
    HostNotFound,
    /// The connection could not be made.
    ConnectionFailed,
    /// The server refused the connection.
    Refused,
    /// The connection was reset.
    Reset,
    /// The server closed the connection without an answer.
    ClosedEarly,
    /// Another I/O error, as the system words it.
    Io(String),
    /// The answer was not valid HTTP.
    Protocol(String),
    /// The proxy refused the tunnel, with its words.
    ProxyRefused(String),
    /// The proxy answered 407.
    ProxyAuth,
    /// TLS handshake or certificate, as rustls words it.
    Tls(String),
    /// The answer exceeded this many bytes.
    TooLarge(u64),
    /// Anything else the HTTP client reports.
    Other(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Timeout => f.write_str("the request timed out"),
            Cause::HostNotFound => f.write_str("the host name did not resolve"),
            Cause::ConnectionFailed => f.write_str("the connection failed"),
            Cause::Refused => f.write_str("the connection was refused"),
            Cause::Reset => f.write_str("the connection was reset"),
            Cause::ClosedEarly => f.write_str("the server closed the connection without an answer"),
            Cause::Io(e) => write!(f, "I/O error: {e}"),
            Cause::Protocol(p) => write!(f, "the answer was not valid HTTP ({p})"),
            Cause::ProxyRefused(m) => write!(f, "the proxy refused the connection ({m})"),
            Cause::ProxyAuth => {
                f.write_str("the proxy refused the credentials (407 Proxy Authentication Required)")
            }
            Cause::Tls(m) | Cause::Other(m) => f.write_str(m),
            Cause::TooLarge(n) => write!(f, "the answer exceeded the limit of {n} bytes"),
        }
    }
}

/// The last thing that went wrong before giving up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Last {
    /// An answer worth retrying.
    Answer {
        who: Who,
        status: u16,
        /// Which rate limit, if one.
        limit: Option<Limit>,
    },
    /// No answer.
    Failed(Cause),
    /// The run's budget ran out before another attempt.
    BudgetSpent { secs: u64 },
}

impl fmt::Display for Last {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Last::Answer { who, status, limit } => {
                write!(f, "{who} answered {}", status_line(*status))?;
                f.write_str(match limit {
                    Some(Limit::Secondary) => " (secondary rate limit)",
                    Some(Limit::Primary) => " (rate limit exhausted)",
                    Some(Limit::TooManyRequests) | None => "",
                })
            }
            Last::Failed(cause) => cause.fmt(f),
            Last::BudgetSpent { secs } => write!(f, "the run's {secs} s network budget is spent"),
        }
    }
}

fn status_line(status: u16) -> String {
    let text = match status {
        403 => "403 Forbidden",
        429 => "429 Too Many Requests",
        500 => "500 Internal Server Error",
        502 => "502 Bad Gateway",
        503 => "503 Service Unavailable",
        504 => "504 Gateway Timeout",
        s => return s.to_string(),
    };
    text.to_string()
}

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadAnswer {
    /// Not the JSON expected: serde's category and position, never the body.
    NotJson {
        /// `Syntax`, `Data`, `Eof`.
        category: String,
        line: usize,
        column: usize,
    },
    /// Over the size cap.
    TooLarge(u64),
    /// A minted token that is empty or has whitespace.
    TokenShape,
    /// JSON without one of these required fields (or with one of the wrong type).
    Fields(&'static str),
}

impl fmt::Display for BadAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadAnswer::NotJson {
                category,
                line,
                column,
            } => write!(
                f,
                "not the expected JSON ({category} error at line {line}, column {column})"
            ),
            BadAnswer::TooLarge(n) => write!(f, "the answer exceeded the limit of {n} bytes"),
            BadAnswer::TokenShape => f.write_str("the token field is empty or contains whitespace"),
            BadAnswer::Fields(fields) => {
                write!(
                    f,
                    "one of the fields {fields} is missing or of the wrong type"
                )
            }
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

fn attempts_note(n: u32) -> String {
    if n > 1 {
        format!(" after {n} attempts")
    } else {
        String::new()
    }
}

fn via(proxy: &Option<String>) -> String {
    proxy
        .as_ref()
        .map(|p| format!(" through the proxy {p}"))
        .unwrap_or_default()
}

fn network_hint(call: &Call, proxy: &Option<String>, cause: &Cause) -> &'static str {
    let service = matches!(call.purpose, Some(Purpose::KeyService(_)));
    match (cause, proxy) {
        (Cause::ProxyAuth, _) => {
            "Give the proxy's user name and password in the proxy URL (http://USER:PASSWORD@HOST:PORT in HTTPS_PROXY / HTTP_PROXY), percent-encoding special characters; the URL is never printed."
        }
        (_, Some(_)) => {
            "Check that the proxy is reachable from the runner and allows this host (or list the host in NO_PROXY)."
        }
        (_, None) if service => {
            "Check the runner's network and the service's address (`kms-key`, VAULT_ADDR, AWS_ENDPOINT_URL); behind a proxy, set HTTPS_PROXY (and NO_PROXY for exceptions)."
        }
        (_, None) => {
            "Check the runner's network and `github-api-url`; behind a proxy, set HTTPS_PROXY (and NO_PROXY for exceptions)."
        }
    }
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

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::AwsKms => "AWS KMS",
            Service::AwsSts => "AWS STS",
            Service::Vault => "Vault",
            Service::GoogleKms => "Google Cloud KMS",
            Service::AzureKeyVault => "Azure Key Vault",
            Service::ActionsOidc => "the runner's OIDC token endpoint",
        })
    }
}

impl fmt::Display for UriProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriProblem::UnknownScheme => {
                "it does not start with awskms://, hashivault://, openbao://, gcpkms:// or azurekms://"
            }
            UriProblem::NoKey => "the key's name or id is missing after the scheme",
            UriProblem::GoogleName => {
                "a Google key is named projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N"
            }
            UriProblem::GoogleVersionMissing => {
                "a Google asymmetric key has no primary version, so the name must end in /cryptoKeyVersions/N"
            }
            UriProblem::AzureForm => {
                "an Azure key is named azurekms://<vault>.vault.azure.net/<key>[/<version>]"
            }
            UriProblem::VaultName => {
                "a transit key name is one path segment of letters, digits, '-', '_' and '.'"
            }
        })
    }
}

/// How to give a service the credential it found missing.
fn setting_hint(service: Service, missing: &str) -> &'static str {
    match (service, missing) {
        (Service::AwsKms | Service::AwsSts, _) => {
            "Configure credentials in an earlier step (aws-actions/configure-aws-credentials exports them), or set `aws-role-arn` and give the job `permissions: id-token: write` so the action assumes the role itself."
        }
        (Service::Vault, "VAULT_ADDR") => {
            "Set VAULT_ADDR in the step's `env:` to the server's address, e.g. https://vault.example.com:8200."
        }
        (Service::Vault, _) => {
            "Export a token from an earlier step (hashicorp/vault-action with `exportToken: true`), or set `vault-role` and give the job `permissions: id-token: write` so the action logs in itself."
        }
        (Service::GoogleKms, _) => {
            "Pass `kms-access-token: ${{ steps.auth.outputs.access_token }}` from google-github-actions/auth run with `token_format: access_token`."
        }
        _ => {
            "Pass `kms-access-token` from an earlier step: `az account get-access-token --resource https://vault.azure.net --query accessToken -o tsv` after azure/login."
        }
    }
}

/// Where a service's credentials come from, for a refusal of them.
fn credential_hint(service: Service) -> &'static str {
    match service {
        Service::AwsKms | Service::AwsSts => {
            "Check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (all from the same configure-aws-credentials run), or use `aws-role-arn`."
        }
        Service::Vault => "Check VAULT_TOKEN (or the `vault-role` login) and VAULT_NAMESPACE.",
        Service::GoogleKms | Service::AzureKeyVault => {
            "Check that `kms-access-token` is an access token for this service, fetched in the same job."
        }
        Service::ActionsOidc => "Give the job `permissions: id-token: write`.",
    }
}

/// How to make a key usable for RS256 in its service.
fn import_hint(service: Service) -> &'static str {
    match service {
        Service::AwsKms | Service::AwsSts => {
            "Import the app's .pem into a KMS key with key spec RSA_2048 and key usage SIGN_VERIFY (README, \"AWS KMS\")."
        }
        Service::Vault => {
            "Import the app's .pem as a transit key of type rsa-2048 (README, \"Vault and OpenBao\")."
        }
        Service::GoogleKms => {
            "Import the app's .pem into a key version with purpose ASYMMETRIC_SIGN and algorithm RSA_SIGN_PKCS1_2048_SHA256 (README, \"Google Cloud KMS\")."
        }
        _ => {
            "Import the app's .pem as an RSA key whose operations include sign (README, \"Azure Key Vault\")."
        }
    }
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use KmsError::*;
        match self {
            BadUri { uri, problem } => write!(
                f,
                "`kms-key` {} is not a key reference: {problem}. Use awskms:///<key id, ARN or alias>, hashivault://<transit key>, gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N or azurekms://<vault>.vault.azure.net/<key>.",
                Shown::of(uri)
            ),
            MissingSetting { service, missing } => write!(
                f,
                "{service} needs {missing}, and none is set. {}",
                setting_hint(*service, missing)
            ),
            RegionMissing { key } => write!(
                f,
                "AWS KMS needs a region for the key {key}, and none is set. Set AWS_REGION (configure-aws-credentials sets it), or name the key by its ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
            ),
            KeyNotFound { service, key } => {
                write!(f, "{service} has no key {key}")?;
                f.write_str(match service {
                    Service::AwsKms => {
                        " in this region and account. Check the id, ARN or alias in `kms-key`, and AWS_REGION: a key lives in one region."
                    }
                    Service::Vault => {
                        " in the transit engine. Check the name in `kms-key`, `vault-transit-mount` and VAULT_NAMESPACE."
                    }
                    _ => " (or the credentials may not see it). Check the name and version in `kms-key`.",
                })
            }
            AccessDenied {
                service,
                key,
                grant,
                message,
            } => write!(
                f,
                "{service} refused access to the key {key} (\"{message}\"). Grant {grant} on that key to the identity this step uses."
            ),
            InvalidCredentials { service, code } => write!(
                f,
                "{service} did not accept the credentials ({code}). {}",
                credential_hint(*service)
            ),
            ClockSkew { service, message } => write!(
                f,
                "{service} refused the request's time (\"{message}\"). Make sure the runner's clock is synchronised (NTP)."
            ),
            ExpiredCredentials { service, code } => write!(
                f,
                "The {service} credentials have expired ({code}). Fetch them in the same job, right before this step. {}",
                credential_hint(*service)
            ),
            NotRsa { service, key, kind } => write!(
                f,
                "The {service} key {key} is a {kind} key; GitHub Apps sign with RSA (RS256). {}",
                import_hint(*service)
            ),
            NotForSigning {
                service,
                key,
                usage,
            } => write!(
                f,
                "The {service} key {key} is for {usage}, not for signing. {}",
                import_hint(*service)
            ),
            WrongAlgorithm {
                service,
                key,
                algorithm,
            } => write!(
                f,
                "The {service} key {key} signs with {algorithm}, not RSASSA-PKCS1-v1_5 with SHA-256 (RS256), which GitHub requires. {}",
                import_hint(*service)
            ),
            TooSmall { service, key, bits } => write!(
                f,
                "The {service} key {key} is a {bits}-bit RSA key; GitHub App keys are 2048-bit. {}",
                import_hint(*service)
            ),
            KeyUnusable {
                service,
                key,
                state,
            } => write!(
                f,
                "The {service} key {key} cannot sign now ({state}). Enable it (or cancel its deletion) in {service}, or name another key in `kms-key`."
            ),
            MountNotFound { mount } => write!(
                f,
                "Vault has nothing mounted at {mount}/. Set `vault-transit-mount` (or `vault-auth-mount` for the login) to the path where the engine or auth method is enabled."
            ),
            NamespaceNotFound { namespace } => write!(
                f,
                "Vault has no namespace \"{namespace}\". Check VAULT_NAMESPACE."
            ),
            LoginRefused {
                service,
                role,
                code,
                message,
            } => write!(
                f,
                "{service} refused the OIDC login for the role {role} ({code}: \"{message}\"). Check the role's trust: its audience (`oidc-audience`), subject and bound claims must match this job's token (repository, ref, environment)."
            ),
            OidcUnavailable => f.write_str(
                "The runner offers no OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Give the job `permissions: id-token: write` so the action can trade it for credentials; pull requests from forks get none.",
            ),
            OidcRefused { status } => write!(
                f,
                "The runner's OIDC token endpoint answered {status}. Check that the job has `permissions: id-token: write`, then retry the job."
            ),
            BadResponse { service, what } => write!(
                f,
                "{service}'s answer could not be read (expected {what}). Check that the address points at {service} itself, not at a proxy's or a login page."
            ),
            Integrity { service, check } => write!(
                f,
                "{service}'s answer failed an integrity check ({check}). Retry the job; if it fails again, check what sits between the runner and {service}."
            ),
            BadSignature { service, key } => write!(
                f,
                "The signature {service} returned for the key {key} does not verify with that key's public key, so it was not sent to GitHub. Check that `kms-key` names one key version, then retry the job."
            ),
            Refused {
                service,
                status,
                code,
                message,
            } => write!(
                f,
                "{service} refused the request ({status} {code}: \"{message}\"). Check the key in `kms-key` and the credentials this step uses."
            ),
        }
    }
}

impl std::error::Error for KmsError {}

impl KmsError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        use KmsError::*;
        match self {
            BadUri { .. } | MissingSetting { .. } | RegionMissing { .. } => {
                "Invalid key service setting"
            }
            KeyNotFound { .. } => "Key not found",
            AccessDenied { .. } => "Key access denied",
            InvalidCredentials { .. } | ExpiredCredentials { .. } | ClockSkew { .. } => {
                "Key service credentials refused"
            }
            NotRsa { .. } | NotForSigning { .. } | WrongAlgorithm { .. } | TooSmall { .. } => {
                "Wrong kind of key"
            }
            KeyUnusable { .. } => "Key unusable",
            MountNotFound { .. } | NamespaceNotFound { .. } => "Invalid key service setting",
            LoginRefused { .. } => "Key service login refused",
            OidcUnavailable | OidcRefused { .. } => "OIDC token unavailable",
            BadResponse { .. } | Integrity { .. } | BadSignature { .. } | Refused { .. } => {
                "Key service error"
            }
        }
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
    /// A key service's address that is not an http(s) URL.
    #[error(
        "The key service address {url} is not an http(s) URL without user info. Check VAULT_ADDR, AWS_ENDPOINT_URL (or the endpoint in `kms-key`) and CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS."
    )]
    InvalidServiceUrl { url: Shown },
    /// Plain http to a key service not on this machine.
    #[error(
        "The key service address {url} uses plain http. Tokens and signatures would cross the network unencrypted, so http is allowed only for a loopback host (localhost, 127.0.0.1, ::1). Use https."
    )]
    InsecureServiceUrl { url: Shown },
    /// `VAULT_CACERT` names a file that cannot be read.
    #[error(
        "Could not read VAULT_CACERT ({path}): {source}. Point VAULT_CACERT at a PEM file inside the workspace (the action runs in a container that sees only the workspace and the runner's temp folders)."
    )]
    VaultCaCert {
        path: String,
        source: std::io::Error,
    },
    /// A key service failed.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// No certificate in the extra CA certificates.
    #[error(
        "The CA certificates from the `ca-certificates` input (CLI: --ca-certificates-file) could not be used: no certificate was found in them. Give PEM text with one or more -----BEGIN CERTIFICATE----- blocks."
    )]
    CaCertificates,
    /// A proxy variable that is not a proxy URL.
    #[error(
        "{var} is set but is not a proxy URL like http://proxy.example.com:3128 (its value is not shown: it may hold credentials). Fix or unset {var} in the step's environment."
    )]
    Proxy { var: &'static str },
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
    /// The signer could not sign the JWT.
    #[error(
        "The app's JWT could not be signed with the private key (the system's random number generator failed). Retry the job; if it fails again, the runner's kernel does not provide getrandom."
    )]
    Signing,
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
    /// The primary or secondary rate limit, with a wait over our cap.
    #[error(
        "{who}'s rate limit stops {call}: {message}. Retry after {retry_at} ({wait_secs} s from now); the action waits at most {} s by itself.",
        MAX_WAIT.as_secs()
    )]
    RateLimited {
        call: Call,
        who: Who,
        message: String,
        retry_at: String,
        wait_secs: u64,
    },
    /// Any other answer we cannot use.
    #[error("GitHub answered {status} to {call}: \"{message}\"{}.{}", attempts_note(*.attempts), api_hint(*.status))]
    Api {
        call: Call,
        status: u16,
        message: String,
        attempts: u32,
    },
    /// An answer that is not the JSON GitHub sends.
    #[error(
        "GitHub's answer to {call} could not be read: {reason}. If github-api-url points at a proxy or a mirror, check that it forwards the REST API unchanged."
    )]
    BadResponse { call: Call, reason: BadAnswer },
    /// Could not reach the server at all.
    #[error(
        "Could not reach {host}{} for {call}: {cause}{}. {}",
        via(.proxy), attempts_note(*.attempts), network_hint(.call, .proxy, .cause)
    )]
    Network {
        call: Call,
        host: String,
        proxy: Option<String>,
        cause: Cause,
        attempts: u32,
    },
    /// TLS handshake or certificate failure.
    #[error(
        "TLS to {host}{} failed for {call}: {reason}. If {host} uses a private certificate authority (GitHub Enterprise Server often does), pass its CA certificate as the `ca-certificates` input (PEM text, e.g. from a secret or variable), or set SSL_CERT_FILE / SSL_CERT_DIR to a file or directory the program can read.",
        via(.proxy)
    )]
    Tls {
        call: Call,
        host: String,
        proxy: Option<String>,
        reason: String,
    },
    /// The whole retry budget ran out.
    #[error("Gave up on {call} after {elapsed_secs} s and {attempts} attempts: {last}.")]
    Exhausted {
        call: Call,
        elapsed_secs: u64,
        attempts: u32,
        last: Last,
    },
    /// A workflow file command could not be written.
    #[error("Could not write to {var} ({path}): {source}.")]
    FileCommand {
        var: &'static str,
        path: String,
        source: std::io::Error,
    },
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
            | MissingValue { .. }
            | MissingKeyFile
            | EmptyStdin
            | UnknownOption { .. }
            | UnknownCommand { .. }
            | ReadFile { .. } => "Invalid input",
            PermissionLevel { .. } | PermissionTypo { .. } | PermissionSyntax { .. } => {
                "Invalid permission"
            }
            Key(_) => "Invalid private key",
            NoKey | TwoKeys => "Invalid input",
            InvalidServiceUrl { .. } | InsecureServiceUrl { .. } => "Invalid key service setting",
            VaultCaCert { .. } => "Invalid CA certificates",
            Kms(e) => e.title(),
            CaCertificates => "Invalid CA certificates",
            Proxy { .. } => "Invalid proxy setting",
            InstallationNotFound { .. } | InstallationIdNotFound { .. } => {
                "App installation not found"
            }
            KeyMismatch => "Private key does not match the app",
            NoPublicKey => "Unknown app id",
            ClockSkew { .. } => "Clock skew",
            Signing => "Signing failed",
            Unauthorized { .. } => "Authentication failed",
            Unprocessable { .. } => "Token request refused",
            RateLimited { .. } => "Rate limited",
            Api { .. } | BadResponse { .. } | Exhausted { .. } => "GitHub API error",
            Network { .. } => "Network error",
            Tls { .. } => "TLS error",
            FileCommand { .. } | UnsafeValue { .. } => "Cannot write outputs",
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

/// The account an installation belongs to: its login or slug, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName {
    /// Login or slug.
    pub name: String,
    /// `Organization`, `User`, `Enterprise`, when GitHub says.
    pub kind: Option<String>,
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Some(k) => write!(f, "{} ({k})", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What a minted token covers, for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The repositories listed in the answer.
    pub repositories: Vec<String>,
    /// `all` or `selected`.
    pub selection: Option<String>,
    /// Granted permissions.
    pub permissions: BTreeMap<String, String>,
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.repositories.is_empty() {
            write!(f, "repositories {}", self.repositories.join(", "))?;
        } else if self.selection.as_deref() == Some("selected") {
            f.write_str("the installation's selected repositories")?;
        } else {
            f.write_str("all of the installation's repositories")?;
        }
        if self.permissions.is_empty() {
            f.write_str("; permissions the installation's permissions")
        } else {
            write!(f, "; permissions {}", permission_list(&self.permissions))
        }
    }
}

/// How a line is shown: a plain line, a notice, a warning with a title, a debug line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A plain log line.
    Info,
    /// A notice annotation.
    Notice,
    /// A warning annotation with this title.
    Warning(&'static str),
    /// Only with step debug logging or `--verbose`.
    Debug,
}

/// Every line the program prints on the way that is not its final error.
#[derive(Debug)]
pub enum Note {
    /// One attempt's outcome (debug).
    Attempt {
        method: Method,
        path: String,
        /// The status, or why there was none.
        result: Result<u16, Cause>,
        /// How long it took.
        elapsed: Duration,
        /// GitHub's `x-ratelimit-remaining` and `x-github-request-id`.
        github: Option<(String, String)>,
    },
    /// Another attempt follows.
    Retry {
        /// What went wrong.
        last: Last,
        call: Call,
        wait: Duration,
        /// The coming attempt's number.
        next: u32,
        /// Whether the server set the wait.
        asked: Option<Who>,
    },
    /// GitHub refused the JWT's times; signing on its clock from now on.
    SkewCorrected {
        /// GitHub minus this machine, seconds.
        skew: i64,
    },
    /// A just-minted token was refused; one retry after a short wait.
    FreshTokenRetry {
        status: u16,
        call: Call,
        wait: Duration,
    },
    /// Which key signs the app's JWTs.
    Signing {
        /// The key service and the key as `kms-key` names it; `None`: the local private key.
        service: Option<(Service, String)>,
        /// base64 of the SHA-256 of the public key's DER, as GitHub lists it.
        fingerprint: String,
    },
    /// A permission name not in the known list.
    UnknownPermission {
        /// As the API spells it.
        name: String,
    },
    /// The bot user's id could not be read.
    BotIdNotFound(Box<Error>),
    /// With an explicit installation id the slug is unknown.
    BotIdentityUnknown,
    /// What was created.
    Created {
        /// The installation's account, when looked up.
        account: Option<AccountName>,
        id: u64,
        /// What the token covers.
        coverage: Coverage,
        /// Its expiry as GitHub wrote it.
        expires_at: String,
        /// Minutes until then by GitHub's clock, when the expiry could be read.
        minutes_left: Option<i64>,
    },
    /// What `check` proved.
    Checked {
        slug: String,
        app_id: u64,
        /// The installation's account, when known.
        account: Option<AccountName>,
        id: u64,
        /// `all` or `selected`.
        selection: Option<String>,
        /// The installation's permissions.
        permissions: BTreeMap<String, String>,
    },
    /// Main will not save the token for post.
    RevocationOff,
    /// Post skips by request.
    RevocationSkipped,
    /// Post found no token.
    NothingToRevoke,
    /// The saved token is past its expiry.
    AlreadyExpired {
        /// The expiry, ISO-8601.
        at: String,
    },
    /// The token was revoked.
    Revoked,
    /// Post found the token already invalid.
    AlreadyInvalidAtEnd,
    /// `revoke` found the token already invalid.
    AlreadyInvalid,
    /// Post could not revoke.
    NotRevoked(Box<Error>),
    /// `SSL_CERT_FILE` or `NODE_EXTRA_CA_CERTS` could not be read.
    CaFileUnread {
        /// The variable that named it.
        var: &'static str,
        path: String,
        /// The system's words.
        error: String,
    },
    /// An `SSL_CERT_DIR` entry could not be read.
    CaDirUnread { dir: String },
    /// The process's own peak RSS, run time and CPU time.
    Resources {
        /// Peak RSS, KiB.
        peak_kib: u64,
        /// Time since start.
        elapsed: Duration,
        /// CPU time of the task.
        cpu: Duration,
    },
}

impl Note {
    /// How the line is shown.
    pub fn level(&self) -> Level {
        match self {
            Note::Attempt { .. } | Note::Resources { .. } => Level::Debug,
            Note::UnknownPermission { .. } => Level::Warning("Unknown permission"),
            Note::BotIdNotFound(_) => Level::Warning("Bot identity not found"),
            Note::BotIdentityUnknown => Level::Warning("Bot identity unknown"),
            Note::NotRevoked(_) => Level::Warning("Token not revoked"),
            Note::CaFileUnread { .. } => Level::Warning("CA file not read"),
            Note::CaDirUnread { .. } => Level::Warning("CA directory not read"),
            Note::AlreadyInvalidAtEnd => Level::Notice,
            _ => Level::Info,
        }
    }
}

fn describe_skew(skew: i64) -> String {
    // Positive: this machine is behind.
    match skew {
        0 => "within a second of".into(),
        o if o > 0 => format!("{o} s behind"),
        o => format!("{} s ahead of", -o),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_network(f)
    }
}

impl Note {
    /// The network's lines; the rest in `fmt_flow`.
    fn fmt_network(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Attempt {
                method,
                path,
                result: Ok(status),
                elapsed,
                github,
            } => {
                write!(f, "{method} {path} -> {status} in {} ms", ms(*elapsed))?;
                match github {
                    Some((remaining, id)) => {
                        write!(f, " (rate limit remaining {remaining}, request id {id})")
                    }
                    None => Ok(()),
                }
            }
            Note::Attempt {
                method,
                path,
                result: Err(cause),
                elapsed,
                ..
            } => write!(
                f,
                "{method} {path} -> failed in {} ms: {cause}",
                ms(*elapsed)
            ),
            Note::Retry {
                last,
                call,
                wait,
                next,
                asked,
            } => {
                write!(
                    f,
                    "{last} for {call}; retrying in {:.1} s (attempt {next} of {MAX_ATTEMPTS})",
                    wait.as_secs_f64()
                )?;
                match asked {
                    Some(who) => write!(f, ", as {who} asked."),
                    None => f.write_str("."),
                }
            }
            Note::SkewCorrected { skew } => write!(
                f,
                "GitHub refused the JWT's times: this machine's clock is {} GitHub's. Signing with GitHub's time from now on and retrying.",
                describe_skew(*skew)
            ),
            Note::FreshTokenRetry { status, call, wait } => write!(
                f,
                "GitHub answered {status} to {call} with the new token; new tokens take a moment to reach every server, so retrying once in {} ms.",
                wait.as_millis()
            ),
            _ => self.fmt_flow(f),
        }
    }

    /// The lines about the app, the installation and the token; the rest in `fmt_end`.
    fn fmt_flow(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Signing {
                service,
                fingerprint,
            } => {
                match service {
                    Some((service, key)) => write!(f, "Signing in {service} with the key {key}")?,
                    None => f.write_str("Signing with the private key")?,
                }
                write!(
                    f,
                    ", fingerprint {fingerprint} (the app's settings page lists each key's fingerprint under \"Private keys\")."
                )
            }
            Note::UnknownPermission { name } => write!(
                f,
                "`{name}` is not in this version's list of GitHub App permissions; it is sent as given (GitHub adds permissions over time). If GitHub refuses it, check the name against GitHub's documentation."
            ),
            Note::BotIdNotFound(e) => write!(
                f,
                "The token was created, but the bot user's id could not be read, so bot-user-id and bot-email are empty: {e}"
            ),
            Note::BotIdentityUnknown => f.write_str(
                "With `installation-id` the app's slug is not looked up, so bot-name, bot-user-id and bot-email are empty. Use `owner` or `repositories` instead to get them.",
            ),
            Note::Created {
                account,
                id,
                coverage,
                expires_at,
                minutes_left,
            } => {
                f.write_str("Created an installation token for ")?;
                if let Some(a) = account {
                    write!(f, "{a}, ")?;
                }
                write!(f, "installation {id}: {coverage}; expires {expires_at}")?;
                if let Some(m) = minutes_left {
                    write!(f, " (in {m} min)")?;
                }
                f.write_str(".")
            }
            Note::Checked {
                slug,
                app_id,
                account,
                id,
                selection,
                permissions,
            } => {
                write!(f, "Check passed: the key signs for app {slug} (id {app_id}), installed ")?;
                if let Some(a) = account {
                    write!(f, "on {a} ")?;
                }
                let perms = if permissions.is_empty() {
                    "none listed".to_string()
                } else {
                    permission_list(permissions)
                };
                write!(
                    f,
                    "as installation {id} with repository selection {} and permissions {perms}. No token was created.",
                    selection.as_deref().unwrap_or("unknown")
                )
            }
            _ => self.fmt_end(f),
        }
    }

    /// The post stage's, the CLI's and the CA roots' lines.
    fn fmt_end(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::RevocationOff => f.write_str(
                "skip-token-revoke is set: the token will not be revoked when the job ends.",
            ),
            Note::RevocationSkipped => {
                f.write_str("Token revocation skipped (skip-token-revoke is true).")
            }
            Note::NothingToRevoke => {
                f.write_str("No token to revoke: the main step did not create one.")
            }
            Note::AlreadyExpired { at } => {
                write!(f, "The token already expired at {at}; nothing to revoke.")
            }
            Note::Revoked => f.write_str("Token revoked"),
            Note::AlreadyInvalidAtEnd => f.write_str(
                "The token was already invalid when the job ended (revoked or expired elsewhere); nothing to revoke.",
            ),
            Note::AlreadyInvalid => f.write_str("The token was already invalid; nothing to revoke."),
            Note::NotRevoked(e) => write!(
                f,
                "{e} The token stays valid until it expires (at most one hour)."
            ),
            Note::CaFileUnread { var, path, error } => write!(
                f,
                "{var}={path} could not be read ({error}); continuing without it."
            ),
            Note::CaDirUnread { dir } => write!(
                f,
                "SSL_CERT_DIR entry {dir} could not be read; continuing without it."
            ),
            Note::Resources {
                peak_kib,
                elapsed,
                cpu,
            } => write!(
                f,
                "resources: peak RSS {peak_kib} KiB, {:.2} ms in the program, CPU {:.2} ms for the task",
                elapsed.as_secs_f64() * 1e3,
                cpu.as_secs_f64() * 1e3
            ),
            // Written by `fmt_network` and `fmt_flow`.
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (InvalidServiceUrl { url: Shown::url("ftp://u:p@v") }, vec!["\"ftp://v\"", "VAULT_ADDR"]),
            (InsecureServiceUrl { url: Shown::of("http://vault:8200") }, vec!["\"http://vault:8200\"", "Use https"]),
            (VaultCaCert { path: s("/ca.pem"), source: io() }, vec!["VAULT_CACERT", "/ca.pem", "No such file"]),
            (Kms(KmsError::OidcUnavailable), vec!["id-token: write"]),
            (CaCertificates, vec!["`ca-certificates`", "no certificate", "BEGIN CERTIFICATE"]),
            (Proxy { var: "HTTPS_PROXY" }, vec!["HTTPS_PROXY", "not shown", "unset"]),
            (MissingValue { flag: s("--owner") }, vec!["--owner", "--help"]),
            (MissingKeyFile, vec!["--private-key-file", "--help"]),
            (EmptyStdin, vec!["stdin", "--help"]),
            (UnknownOption { option: Shown::of("--x") }, vec!["\"--x\"", "--help"]),
            (UnknownCommand { command: Shown::of("frob") }, vec!["unknown command", "\"frob\""]),
            (ReadFile { what: FileKind::PrivateKey, path: s("/k.pem"), source: io() }, vec!["the private key", "/k.pem", "No such file"]),
            (InstallationNotFound { target: Target::Account(s("nobody")), path: s("/users/nobody/installation"), server: s("https://github.com") }, vec!["the account nobody", "404", "Install the app", "https://github.com/settings/installations"]),
        ]
    }

    /// Errors from GitHub's answers, the network and the outputs.
    #[rustfmt::skip]
    fn api_errors() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let get_app = || call(None, Method::Get, "/app");
        vec![
            (InstallationIdNotFound { id: 42 }, vec!["Installation 42", "`installation-id`"]),
            (KeyMismatch, vec!["A JSON web token could not be decoded", "does not belong", "same app"]),
            (NoPublicKey, vec!["Integration must generate a public key", "client ID (Iv...)", "not a client secret"]),
            (ClockSkew { message: s("'Expiration time' claim ('exp') is too far in the future") }, vec!["too far in the future", "NTP"]),
            (Signing, vec!["could not be signed", "Retry"]),
            (Unauthorized { call: call(Some(Purpose::Revocation), Method::Delete, "/installation/token"), message: s("Bad credentials") }, vec!["the revocation (DELETE /installation/token)", "401", "Bad credentials"]),
            (Unprocessable { message: s("The permissions requested are not granted to this installation."), repositories: vec![s("a")], permissions: BTreeMap::from([(s("issues"), s("write"))]) }, vec!["not granted", "repositories a; permissions issues:write", "Permissions", "accepted on the installation"]),
            (RateLimited { call: get_app(), who: Who::GitHub, message: s("API rate limit exceeded"), retry_at: s("2026-11-23T12:00:00Z"), wait_secs: 3600 }, vec!["GitHub's rate limit", "GET /app", "Retry after 2026-11-23T12:00:00Z", "3600 s", "at most 60 s"]),
            (Api { call: call(None, Method::Post, "/x"), status: 502, message: s("Bad Gateway"), attempts: 4 }, vec!["502", "POST /x", "after 4 attempts", "retry the job later"]),
            (BadResponse { call: call(Some(Purpose::AppCheck), Method::Get, "/app"), reason: BadAnswer::TokenShape }, vec!["the app check (GET /app)", "empty or contains whitespace", "github-api-url"]),
            (Network { call: get_app(), host: s("ghe.example.com"), proxy: Some(s("http://proxy:3128")), cause: Cause::Refused, attempts: 4 }, vec!["ghe.example.com", "through the proxy http://proxy:3128", "refused", "Check"]),
            (Tls { call: get_app(), host: s("ghe.example.com"), proxy: None, reason: s("invalid peer certificate: UnknownIssuer") }, vec!["ghe.example.com", "UnknownIssuer", "`ca-certificates`", "SSL_CERT_FILE"]),
            (Exhausted { call: call(None, Method::Post, "/x"), elapsed_secs: 118, attempts: 4, last: Last::Answer { who: Who::GitHub, status: 503, limit: None } }, vec!["POST /x", "118 s", "4 attempts", "GitHub answered 503"]),
            (FileCommand { var: "GITHUB_OUTPUT", path: s("/f"), source: io() }, vec!["GITHUB_OUTPUT", "/f", "No such file"]),
            (UnsafeValue { name: s("app-slug") }, vec!["`app-slug`", "line break"]),
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
        ]
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
    fn summary_names_each_thing_once() {
        let created = Note::Created {
            account: None,
            id: 7,
            coverage: Coverage {
                repositories: Vec::new(),
                selection: None,
                permissions: BTreeMap::new(),
            },
            expires_at: s("2026-01-01T00:00:00Z"),
            minutes_left: Some(59),
        }
        .to_string();
        assert_eq!(created.matches("installation 7").count(), 1, "{created}");
        assert!(created.starts_with("Created an installation token for installation 7: "));
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
