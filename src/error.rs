//! Every failure the program can report, with the words the user reads.
//!
//! Each variant's message says what went wrong and what to do about it; `title`
//! is the short heading of the `::error` annotation. No variant carries a key, a
//! JWT or a token, so no message can print one.

use thiserror::Error;

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
    Corrupt { reason: &'static str },
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
        "`{input}` must be true or false (YAML 1.2: true, True, TRUE, false, False, FALSE), not \"{value}\"."
    )]
    InvalidBoolean { input: &'static str, value: String },
    /// `token-format` is neither `stateless` nor `stateful`.
    #[error(
        "`token-format` must be `stateless` (GitHub's new installation-token format), `stateful` (the classic format) or empty (GitHub's rollout decides), not \"{value}\"."
    )]
    InvalidTokenFormat { value: String },
    /// `installation-id` is not a number.
    #[error(
        "`installation-id` must be a positive number (the id in the installation's settings URL), not \"{value}\"."
    )]
    InvalidInstallationId { value: String },
    /// `enterprise` combined with an account or repositories.
    #[error(
        "`enterprise` selects an enterprise installation and cannot be combined with `{other}`. Remove one of them."
    )]
    EnterpriseConflict { other: &'static str },
    /// A repository name GitHub would not accept.
    #[error(
        "`repositories` entry \"{entry}\" is not a repository name. Give bare names (`repo-a`) or `owner/name`, separated by commas or newlines."
    )]
    InvalidRepository { entry: String },
    /// `owner/name` whose owner is not the installation's account.
    #[error(
        "Repository \"{entry}\" belongs to `{given}`, but the token is for `{owner}`{why}. A token covers one account's repositories: set `owner: {given}`, or make one token per account."
    )]
    RepositoryOwnerMismatch {
        entry: String,
        given: String,
        owner: String,
        why: &'static str,
    },
    /// More than GitHub accepts in one token.
    #[error(
        "`repositories` lists {count} repositories; GitHub scopes a token to at most 500. Split them over several tokens, or leave `repositories` empty for all of the installation's repositories."
    )]
    TooManyRepositories { count: usize },
    /// A permission level the name does not take.
    #[error("`permission-{input}` is \"{level}\", but {name} accepts only {accepted}.")]
    PermissionLevel {
        input: String,
        name: String,
        level: String,
        accepted: String,
    },
    /// A near miss of a known permission name.
    #[error(
        "There is no permission named \"{given}\". Did you mean `{suggestion}` (input `permission-{hyphenated}`)?"
    )]
    PermissionTypo {
        given: String,
        suggestion: &'static str,
        hyphenated: String,
    },
    /// A malformed `--permission` argument.
    #[error("--permission takes NAME=LEVEL, e.g. --permission contents=read, not \"{value}\".")]
    PermissionSyntax { value: String },
    /// An environment variable the runner normally sets is missing.
    #[error("{var} is not set, and it is needed to {why}. {hint}")]
    MissingEnv {
        var: &'static str,
        why: &'static str,
        hint: &'static str,
    },
    /// `github-api-url` is not an http(s) URL.
    #[error(
        "`github-api-url` \"{url}\" is not an http(s) URL. Use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server."
    )]
    InvalidApiUrl { url: String },
    /// Plain http to anything but this machine.
    #[error(
        "`github-api-url` \"{url}\" uses plain http. The JWT and the token would cross the network unencrypted, so http is allowed only for a loopback host (localhost, 127.0.0.1, ::1). Use https."
    )]
    InsecureApiUrl { url: String },
    /// The key was refused.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Extra CA certificates could not be used.
    #[error(
        "The CA certificates from {origin} could not be used: {reason}. Give PEM text with one or more -----BEGIN CERTIFICATE----- blocks."
    )]
    CaCertificates { origin: String, reason: String },
    /// A command-line mistake.
    #[error("{0} Run `app-token-action --help` for usage.")]
    Usage(String),
    /// Reading a file named on the command line.
    #[error("Could not read {what} from {path}: {source}.")]
    ReadFile {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },

    /// 404 on the installation lookup.
    #[error(
        "The app is not installed on {target}, or cannot see it (GitHub answered 404 to {path}). Install the app there, or give its installation access to the repository: {settings}. Check too that `client-id`/`app-id` names the app you installed."
    )]
    InstallationNotFound {
        target: String,
        path: String,
        settings: String,
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
    #[error("GitHub refused the credentials for {action} (401: \"{message}\").{hint}")]
    Unauthorized {
        action: String,
        message: String,
        hint: &'static str,
    },
    /// 422 on minting.
    #[error(
        "GitHub refused the token request: \"{message}\" (422). Requested {requested}. The permissions must be granted to the app (its settings page, \"Permissions\") and accepted on the installation, and each repository must exist and be accessible to the installation."
    )]
    Unprocessable { message: String, requested: String },
    /// The primary or secondary rate limit, with a wait over our cap.
    #[error(
        "GitHub's rate limit stops {action}: {message}. Retry after {retry_at} ({wait_secs} s from now); the action waits at most {cap_secs} s by itself."
    )]
    RateLimited {
        action: String,
        message: String,
        retry_at: String,
        wait_secs: u64,
        cap_secs: u64,
    },
    /// Any other answer we cannot use.
    #[error("GitHub answered {status} to {action}: \"{message}\"{attempts}.{hint}")]
    Api {
        action: String,
        status: u16,
        message: String,
        attempts: String,
        hint: &'static str,
    },
    /// An answer that is not the JSON GitHub sends.
    #[error(
        "GitHub's answer to {action} could not be read: {reason}. If github-api-url points at a proxy or a mirror, check that it forwards the REST API unchanged."
    )]
    BadResponse { action: String, reason: String },
    /// Could not reach the server at all.
    #[error("Could not reach {host}{via} for {action}: {reason}{attempts}. {hint}")]
    Network {
        action: String,
        host: String,
        via: String,
        reason: String,
        attempts: String,
        hint: &'static str,
    },
    /// TLS handshake or certificate failure.
    #[error(
        "TLS to {host}{via} failed for {action}: {reason}. If {host} uses a private certificate authority (GitHub Enterprise Server often does), pass its CA certificate as the `ca-certificates` input (PEM text, e.g. from a secret or variable), or set SSL_CERT_FILE / SSL_CERT_DIR to a file or directory the program can read."
    )]
    Tls {
        action: String,
        host: String,
        via: String,
        reason: String,
    },
    /// The whole retry budget ran out.
    #[error("Gave up on {action} after {elapsed_secs} s and {attempts} attempts: {last}.")]
    Exhausted {
        action: String,
        elapsed_secs: u64,
        attempts: u32,
        last: String,
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
            | EnterpriseConflict { .. }
            | InvalidRepository { .. }
            | RepositoryOwnerMismatch { .. }
            | TooManyRepositories { .. }
            | MissingEnv { .. }
            | InvalidApiUrl { .. }
            | InsecureApiUrl { .. }
            | Usage(_)
            | ReadFile { .. } => "Invalid input",
            PermissionLevel { .. } | PermissionTypo { .. } | PermissionSyntax { .. } => {
                "Invalid permission"
            }
            Key(_) => "Invalid private key",
            CaCertificates { .. } => "Invalid CA certificates",
            InstallationNotFound { .. } | InstallationIdNotFound { .. } => {
                "App installation not found"
            }
            KeyMismatch => "Private key does not match the app",
            NoPublicKey => "Unknown app id",
            ClockSkew { .. } => "Clock skew",
            Unauthorized { .. } => "Authentication failed",
            Unprocessable { .. } => "Token request refused",
            RateLimited { .. } => "Rate limited",
            Api { .. } | BadResponse { .. } | Exhausted { .. } => "GitHub API error",
            Network { .. } => "Network error",
            Tls { .. } => "TLS error",
            FileCommand { .. } | UnsafeValue { .. } => "Cannot write outputs",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compile-time exhaustiveness: a new variant must be added to `catalogue`.
    fn name(e: &Error) -> &'static str {
        use Error::*;
        match e {
            MissingAppId => "MissingAppId",
            IdLooksLikeSecret => "IdLooksLikeSecret",
            ConflictingSpellings { .. } => "ConflictingSpellings",
            InvalidBoolean { .. } => "InvalidBoolean",
            InvalidTokenFormat { .. } => "InvalidTokenFormat",
            InvalidInstallationId { .. } => "InvalidInstallationId",
            EnterpriseConflict { .. } => "EnterpriseConflict",
            InvalidRepository { .. } => "InvalidRepository",
            RepositoryOwnerMismatch { .. } => "RepositoryOwnerMismatch",
            TooManyRepositories { .. } => "TooManyRepositories",
            PermissionLevel { .. } => "PermissionLevel",
            PermissionTypo { .. } => "PermissionTypo",
            PermissionSyntax { .. } => "PermissionSyntax",
            MissingEnv { .. } => "MissingEnv",
            InvalidApiUrl { .. } => "InvalidApiUrl",
            InsecureApiUrl { .. } => "InsecureApiUrl",
            Key(_) => "Key",
            CaCertificates { .. } => "CaCertificates",
            Usage(_) => "Usage",
            ReadFile { .. } => "ReadFile",
            InstallationNotFound { .. } => "InstallationNotFound",
            InstallationIdNotFound { .. } => "InstallationIdNotFound",
            KeyMismatch => "KeyMismatch",
            NoPublicKey => "NoPublicKey",
            ClockSkew { .. } => "ClockSkew",
            Unauthorized { .. } => "Unauthorized",
            Unprocessable { .. } => "Unprocessable",
            RateLimited { .. } => "RateLimited",
            Api { .. } => "Api",
            BadResponse { .. } => "BadResponse",
            Network { .. } => "Network",
            Tls { .. } => "Tls",
            Exhausted { .. } => "Exhausted",
            FileCommand { .. } => "FileCommand",
            UnsafeValue { .. } => "UnsafeValue",
        }
    }

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// Every error with sample details, and what its message must say: the
    /// specifics (so the user knows which thing is wrong) and the remedy.
    fn catalogue() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        vec![
            (
                MissingAppId,
                vec!["`client-id`", "`app-id`", "settings page"],
            ),
            (
                IdLooksLikeSecret,
                vec!["client secret", "client ID (Iv...)", "regenerate"],
            ),
            (
                ConflictingSpellings {
                    first: s("INPUT_APP-ID"),
                    second: s("INPUT_APP_ID"),
                },
                vec!["INPUT_APP-ID", "INPUT_APP_ID", "Set only one"],
            ),
            (
                InvalidBoolean {
                    input: "skip-token-revoke",
                    value: s("yes"),
                },
                vec!["skip-token-revoke", "\"yes\"", "true or false"],
            ),
            (
                InvalidTokenFormat { value: s("new") },
                vec!["`token-format`", "`stateless`", "`stateful`", "\"new\""],
            ),
            (
                InvalidInstallationId { value: s("abc") },
                vec!["\"abc\"", "positive number"],
            ),
            (
                EnterpriseConflict { other: "owner" },
                vec!["`owner`", "Remove one"],
            ),
            (
                InvalidRepository { entry: s("a b") },
                vec!["\"a b\"", "owner/name"],
            ),
            (
                RepositoryOwnerMismatch {
                    entry: s("x/r"),
                    given: s("x"),
                    owner: s("acme"),
                    why: " (the `owner` input)",
                },
                vec!["x/r", "`acme`", "set `owner: x`"],
            ),
            (
                TooManyRepositories { count: 600 },
                vec!["600", "at most 500", "Split"],
            ),
            (
                PermissionLevel {
                    input: s("workflows"),
                    name: s("workflows"),
                    level: s("read"),
                    accepted: s("write"),
                },
                vec!["permission-workflows", "\"read\"", "accepts only write"],
            ),
            (
                PermissionTypo {
                    given: s("content"),
                    suggestion: "contents",
                    hyphenated: s("contents"),
                },
                vec!["\"content\"", "Did you mean `contents`"],
            ),
            (
                PermissionSyntax {
                    value: s("contents"),
                },
                vec!["NAME=LEVEL", "\"contents\""],
            ),
            (
                MissingEnv {
                    var: "GITHUB_REPOSITORY",
                    why: "find it",
                    hint: "Set `owner`.",
                },
                vec!["GITHUB_REPOSITORY is not set", "Set `owner`."],
            ),
            (
                InvalidApiUrl { url: s("ftp://x") },
                vec!["\"ftp://x\"", "https://api.github.com"],
            ),
            (
                InsecureApiUrl { url: s("http://x") },
                vec!["\"http://x\"", "Use https"],
            ),
            (Key(KeyError::Ec), vec!["EC key", "RS256", "Private keys"]),
            (
                CaCertificates {
                    origin: s("the `ca-certificates` input"),
                    reason: s("no certificate"),
                },
                vec!["`ca-certificates`", "no certificate", "BEGIN CERTIFICATE"],
            ),
            (Usage(s("Unknown option --x.")), vec!["--x", "--help"]),
            (
                ReadFile {
                    what: "the private key",
                    path: s("/k.pem"),
                    source: io(),
                },
                vec!["the private key", "/k.pem", "No such file"],
            ),
            (
                InstallationNotFound {
                    target: s("the account nobody"),
                    path: s("/users/nobody/installation"),
                    settings: s("https://github.com/settings/installations"),
                },
                vec![
                    "the account nobody",
                    "404",
                    "Install the app",
                    "https://github.com/settings/installations",
                ],
            ),
            (
                InstallationIdNotFound { id: 42 },
                vec!["Installation 42", "`installation-id`"],
            ),
            (
                KeyMismatch,
                vec![
                    "A JSON web token could not be decoded",
                    "does not belong",
                    "same app",
                ],
            ),
            (
                NoPublicKey,
                vec![
                    "Integration must generate a public key",
                    "client ID (Iv...)",
                    "not a client secret",
                ],
            ),
            (
                ClockSkew {
                    message: s("'Expiration time' claim ('exp') is too far in the future"),
                },
                vec!["too far in the future", "NTP"],
            ),
            (
                Unauthorized {
                    action: s("the revocation"),
                    message: s("Bad credentials"),
                    hint: "",
                },
                vec!["the revocation", "401", "Bad credentials"],
            ),
            (
                Unprocessable {
                    message: s("The permissions requested are not granted to this installation."),
                    requested: s("repositories a; permissions issues:write"),
                },
                vec![
                    "not granted",
                    "issues:write",
                    "Permissions",
                    "accepted on the installation",
                ],
            ),
            (
                RateLimited {
                    action: s("GET /app"),
                    message: s("API rate limit exceeded"),
                    retry_at: s("2026-11-23T12:00:00Z"),
                    wait_secs: 3600,
                    cap_secs: 60,
                },
                vec!["GET /app", "Retry after 2026-11-23T12:00:00Z", "3600 s"],
            ),
            (
                Api {
                    action: s("POST /x"),
                    status: 502,
                    message: s("Bad Gateway"),
                    attempts: s(" after 4 attempts"),
                    hint: " Retry the job later.",
                },
                vec!["502", "POST /x", "after 4 attempts", "Retry the job later."],
            ),
            (
                BadResponse {
                    action: s("GET /app"),
                    reason: s("not the expected JSON"),
                },
                vec!["GET /app", "not the expected JSON", "github-api-url"],
            ),
            (
                Network {
                    action: s("GET /app"),
                    host: s("ghe.example.com"),
                    via: s(" through the proxy http://proxy:3128"),
                    reason: s("the connection was refused"),
                    attempts: s(" after 4 attempts"),
                    hint: "Check that the proxy is reachable.",
                },
                vec!["ghe.example.com", "http://proxy:3128", "refused", "Check"],
            ),
            (
                Tls {
                    action: s("GET /app"),
                    host: s("ghe.example.com"),
                    via: String::new(),
                    reason: s("invalid peer certificate: UnknownIssuer"),
                },
                vec![
                    "ghe.example.com",
                    "UnknownIssuer",
                    "`ca-certificates`",
                    "SSL_CERT_FILE",
                ],
            ),
            (
                Exhausted {
                    action: s("POST /x"),
                    elapsed_secs: 118,
                    attempts: 4,
                    last: s("GitHub answered 503"),
                },
                vec!["POST /x", "118 s", "4 attempts", "503"],
            ),
            (
                FileCommand {
                    var: "GITHUB_OUTPUT",
                    path: s("/f"),
                    source: io(),
                },
                vec!["GITHUB_OUTPUT", "/f", "No such file"],
            ),
            (
                UnsafeValue {
                    name: s("app-slug"),
                },
                vec!["`app-slug`", "line break"],
            ),
        ]
    }

    #[test]
    fn every_error_is_specific_and_actionable() {
        let all = catalogue();
        let mut seen: Vec<&str> = all.iter().map(|(e, _)| name(e)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 35, "every variant once in the catalogue");
        for (e, must) in &all {
            let msg = e.to_string();
            assert!(!e.title().is_empty());
            for m in must {
                assert!(msg.contains(m), "{}: {m:?} missing from: {msg}", name(e));
            }
            assert!(msg.ends_with(['.', '?']), "{}: a sentence: {msg}", name(e));
            assert!(
                !msg.contains("{") || msg.contains("${{"),
                "{}: unfilled field: {msg}",
                name(e)
            );
        }
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
            KeyError::NotPem,
            KeyError::Path,
            KeyError::Corrupt {
                reason: "the END line is missing",
            },
        ];
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
