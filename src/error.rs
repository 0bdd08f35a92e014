//! Every sentence the user reads: the failures (`Error`, `KeyError`), the lines
//! printed on the way (`Note`), and the small data types they are made of.
//!
//! Variants carry data (names, counts, which input, which proxy variable); the
//! words are here only. `title` is the short heading of an annotation. No
//! variant carries a key, a JWT or a token, so no message can print one: a value
//! from an input reaches a message only as a [`Shown`].

use std::collections::BTreeMap;
use std::fmt;

use thiserror::Error;

use crate::config::Target;
use crate::kms::{KmsError, Service};
use crate::retry::{Limit, MAX_WAIT};
use crate::transport::Method;

pub use crate::secret::Shown;

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
    /// A minted token that is not printable ASCII without white space, or too long.
    TokenShape(TokenProblem),
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
            BadAnswer::TokenShape(problem) => write!(f, "the token {problem}"),
            BadAnswer::Fields(fields) => {
                write!(
                    f,
                    "one of the fields {fields} is missing or of the wrong type"
                )
            }
        }
    }
}

/// What is wrong with a token GitHub sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Nothing.
    Empty,
    /// A control character or line break.
    Control,
    /// White space.
    Whitespace,
    /// Characters outside ASCII.
    NotAscii,
    /// Over the length accepted.
    TooLong { len: usize, max: usize },
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenProblem::Empty => f.write_str("is empty"),
            TokenProblem::Control => f.write_str("contains control characters or line breaks"),
            TokenProblem::Whitespace => f.write_str("contains white space"),
            TokenProblem::NotAscii => f.write_str("contains characters outside ASCII"),
            TokenProblem::TooLong { len, max } => {
                write!(f, "is {len} characters long, over the {max} accepted")
            }
        }
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
    /// The fate after trying to revoke.
    pub fn of(revoked: Result<crate::token::Revoked, Error>) -> Fate {
        match revoked {
            Ok(crate::token::Revoked::Done) => Fate::Revoked,
            Ok(crate::token::Revoked::AlreadyInvalid) => Fate::AlreadyInvalid,
            Err(e) => Fate::NotRevoked(Box::new(e)),
        }
    }
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

/// When to retry after a rate limit; a wait past any date is said as such.
fn retry_when(at: &Option<String>, wait_secs: u64) -> String {
    match at {
        Some(at) => format!("Retry after {at} ({wait_secs} s from now)"),
        None => format!(
            "The server asks for a wait of {wait_secs} s, past year 9999: do not wait for it, check the server"
        ),
    }
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

/// Everything that can fail, as the user is told it.
#[derive(Debug, Error)]
pub enum Error {
    /// An input is wrong, or a guardrail refused the run.
    #[error(transparent)]
    Input(#[from] crate::inputs::error::InputError),
    /// A mistake on the command line.
    #[error(transparent)]
    Usage(#[from] crate::cli::args::UsageError),
    /// The key was refused.
    #[error(transparent)]
    Key(#[from] crate::key::KeyError),
    /// The JWT could not be signed.
    #[error(transparent)]
    Signing(#[from] crate::jwt::SigningFailed),
    /// The step's outputs could not be written.
    #[error(transparent)]
    Output(#[from] crate::outputs::OutputError),
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
    /// `GET /app/installations` did not stop paging.
    #[error(
        "GitHub listed more than {max} installations of the app and was still paging; `owners: *` stops there. Name the accounts in `owners` instead."
    )]
    TooManyInstallations { max: usize },
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
    /// A proxy URL whose user name or password holds an unencoded `/`, `?`, `#` or `@`.
    #[error(
        "{var} holds a proxy user name or password with an unencoded /, ?, # or @, so part of it would be read as the proxy's host (curl refuses such a URL too; the value is not shown). Percent-encode those characters in the user name and password (/ as %2F, ? as %3F, # as %23, @ as %40) and keep the form http://USER:PASSWORD@HOST:PORT."
    )]
    ProxyUserInfo { var: &'static str },
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
        "{who}'s rate limit stops {call}: {message}. {}; the action waits at most {} s by itself.",
        retry_when(.retry_at, *.wait_secs), MAX_WAIT.as_secs()
    )]
    RateLimited {
        call: Call,
        who: Who,
        message: String,
        /// `None` when the wait ends past year 9999 (a server's number, not a date).
        retry_at: Option<String>,
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
    /// A failure after GitHub created a token, and what became of the token.
    #[error("{cause} {fate}")]
    AfterMint { cause: Box<Error>, fate: Fate },
    /// An answer or a redirect the wire refuses.
    #[error(transparent)]
    Wire(#[from] crate::wire::WireError),
}

impl Error {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        use Error::*;
        match self {
            Input(e) => e.title(),
            Usage(e) => e.title(),
            Key(_) => "Invalid private key",
            Signing(_) => "Signing failed",
            Output(e) => e.title(),
            InvalidServiceUrl { .. } | InsecureServiceUrl { .. } => "Invalid key service setting",
            VaultCaCert { .. } => "Invalid CA certificates",
            Kms(e) => e.title(),
            CaCertificates => "Invalid CA certificates",
            Proxy { .. } | ProxyUserInfo { .. } => "Invalid proxy setting",
            InstallationNotFound { .. } | InstallationIdNotFound { .. } => {
                "App installation not found"
            }
            KeyMismatch => "Private key does not match the app",
            NoPublicKey => "Unknown app id",
            ClockSkew { .. } => "Clock skew",
            Unauthorized { .. } => "Authentication failed",
            Unprocessable { .. } => "Token request refused",
            RateLimited { .. } => "Rate limited",
            Api { .. } | BadResponse { .. } | Exhausted { .. } | TooManyInstallations { .. } => {
                "GitHub API error"
            }
            Network { .. } => "Network error",
            Tls { .. } => "TLS error",
            AfterMint { cause, .. } | ForOwner { cause, .. } | AfterMintAll { cause, .. } => {
                cause.title()
            }
            Wire(e) => e.title(),
        }
    }

    /// A mistake on the command line (exit code 2 for the CLI).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(e) if e.is_usage())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::UsageError;
    use crate::inputs::error::InputError;
    use crate::jwt::SigningFailed;
    use crate::key::KeyError;
    use crate::kms::error::{SettingProblem, UriProblem};
    use crate::outputs::OutputError;

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

    /// Errors in the inputs, found before any request, each wrapped once (their
    /// own catalogues are beside them), and the failures of several owners.
    #[rustfmt::skip]
    fn input_errors() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let usage = || Usage(UsageError::MissingKeyFile);
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        vec![
            (Input(InputError::MissingAppId), vec!["`client-id`", "`app-id`", "settings page"]),
            (Usage(UsageError::UnknownCommand { command: Shown::of("frob") }), vec!["unknown command", "\"frob\""]),
            (Signing(SigningFailed), vec!["could not be signed", "Retry"]),
            (Output(OutputError::FileCommand { var: "GITHUB_OUTPUT", path: s("/f"), source: io() }), vec!["GITHUB_OUTPUT", "/f", "No such file"]),
            (AfterMintAll { cause: Box::new(usage()), fates: vec![Fate::Revoked, Fate::Revoked] }, vec!["of the 2 tokens already minted for the owners, 2 revoked at once"]),
            (ForOwner { login: s("octocat"), cause: Box::new(InstallationIdNotFound { id: 7 }), others: vec![Fate::Revoked, Fate::LeftToPost, Fate::NotRevoked(Box::new(usage()))] }, vec!["For `octocat`:", "of the 3 tokens", "1 revoked at once", "1 saved for the post step", "1 not revoked"]),
            (TooManyInstallations { max: 10000 }, vec!["10000", "`owners: *`", "Name the accounts"]),
        ]
    }

    /// Errors of the key, the CA certificates, the proxy, the command line and the files.
    #[rustfmt::skip]
    fn local_errors() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        vec![
            (Key(KeyError::Ec), vec!["EC key", "RS256", "Private keys"]),
            (InvalidServiceUrl { url: Shown::url("ftp://u:p@v") }, vec!["\"ftp://v\"", "VAULT_ADDR"]),
            (InsecureServiceUrl { url: Shown::of("http://vault:8200") }, vec!["\"http://vault:8200\"", "Use https"]),
            (VaultCaCert { path: s("/ca.pem"), source: io() }, vec!["VAULT_CACERT", "/ca.pem", "No such file"]),
            (Kms(KmsError::OidcUnavailable), vec!["id-token: write"]),
            (CaCertificates, vec!["`ca-certificates`", "no certificate", "BEGIN CERTIFICATE"]),
            (Proxy { var: "HTTPS_PROXY" }, vec!["HTTPS_PROXY", "not shown", "unset"]),
            (ProxyUserInfo { var: "HTTPS_PROXY" }, vec!["HTTPS_PROXY", "not shown", "%2F", "USER:PASSWORD@HOST:PORT"]),
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
            (Unauthorized { call: call(Some(Purpose::Revocation), Method::Delete, "/installation/token"), message: s("Bad credentials") }, vec!["the revocation (DELETE /installation/token)", "401", "Bad credentials"]),
            (Unprocessable { message: s("The permissions requested are not granted to this installation."), repositories: vec![s("a")], permissions: BTreeMap::from([(s("issues"), s("write"))]) }, vec!["not granted", "repositories a; permissions issues:write", "Permissions", "accepted on the installation"]),
            (RateLimited { call: get_app(), who: Who::GitHub, message: s("API rate limit exceeded"), retry_at: Some(s("2026-11-23T12:00:00Z")), wait_secs: 3600 }, vec!["GitHub's rate limit", "GET /app", "Retry after 2026-11-23T12:00:00Z", "3600 s", "at most 60 s"]),
            (Api { call: call(None, Method::Post, "/x"), status: 502, message: s("Bad Gateway"), attempts: 4 }, vec!["502", "POST /x", "after 4 attempts", "retry the job later"]),
            (BadResponse { call: call(Some(Purpose::AppCheck), Method::Get, "/app"), reason: BadAnswer::TokenShape(TokenProblem::Control) }, vec!["the app check (GET /app)", "control characters", "github-api-url"]),
            (Network { call: get_app(), host: s("ghe.example.com"), proxy: Some(s("http://proxy:3128")), cause: Cause::Refused, attempts: 4 }, vec!["ghe.example.com", "through the proxy http://proxy:3128", "refused", "Check"]),
            (Tls { call: get_app(), host: s("ghe.example.com"), proxy: None, reason: s("invalid peer certificate: UnknownIssuer") }, vec!["ghe.example.com", "UnknownIssuer", "`ca-certificates`", "SSL_CERT_FILE"]),
            (Exhausted { call: call(None, Method::Post, "/x"), elapsed_secs: 118, attempts: 4, last: Last::Answer { who: Who::GitHub, status: 503, limit: None } }, vec!["POST /x", "118 s", "4 attempts", "GitHub answered 503"]),
            (AfterMint { cause: Box::new(Output(OutputError::FileCommand { var: "GITHUB_OUTPUT", path: s("/f"), source: io() })), fate: Fate::Revoked }, vec!["GITHUB_OUTPUT", "revoked at once"]),
            (Wire(crate::wire::WireError::OffOrigin { call: get_app(), who: Who::GitHub, status: 301, to: Shown::of("https://127.0.0.2:9") }), vec!["GitHub answered 301", "GET /app", "\"https://127.0.0.2:9\"", "another origin", "new address"]),
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
}
