//! The lines printed on the way, as data (`Note`) with their sentences beside
//! them, and the small types they are made of: what was created, what a retry
//! waits for, what a revocation found. `report` prints them at their level.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::error::*;
use crate::github::error::permission_list;
use crate::kms::Service;
use crate::retry::MAX_ATTEMPTS;
use crate::secret::Shown;
use crate::transport::Method;
use crate::transport::call::{Call, Who};
use crate::transport::error::{Cause, Last};

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
    /// A token was minted for a pull request from a fork (`fork-pull-requests: allow`).
    ForkPullRequest {
        /// The triggering event.
        event: String,
        /// The fork's `owner/name`, when known.
        head: Option<Shown>,
    },
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
            Note::AlreadyInvalidAtEnd | Note::ForkPullRequest { .. } => Level::Notice,
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
    /// Every variant named, no wildcard: a new one does not compile until it has
    /// its group, whose function writes its sentence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Attempt { .. }
            | Note::Retry { .. }
            | Note::SkewCorrected { .. }
            | Note::FreshTokenRetry { .. } => self.fmt_network(f),
            Note::Signing { .. }
            | Note::UnknownPermission { .. }
            | Note::BotIdNotFound(_)
            | Note::BotIdentityUnknown => self.fmt_flow(f),
            Note::Created { .. } | Note::Checked { .. } => self.fmt_outcome(f),
            Note::RevocationOff
            | Note::ForkPullRequest { .. }
            | Note::RevocationSkipped
            | Note::NothingToRevoke
            | Note::AlreadyExpired { .. }
            | Note::Revoked
            | Note::AlreadyInvalidAtEnd
            | Note::AlreadyInvalid
            | Note::NotRevoked(_)
            | Note::CaFileUnread { .. }
            | Note::CaDirUnread { .. }
            | Note::Resources { .. } => self.fmt_end(f),
        }
    }
}

impl Note {
    /// The network's lines.
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
            // The other groups' (see `fmt`).
            _ => Ok(()),
        }
    }

    /// The lines about the key and the app's identity.
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
            // The other groups' (see `fmt`).
            _ => Ok(()),
        }
    }

    /// What was created or checked.
    fn fmt_outcome(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
                write!(
                    f,
                    "Check passed: the key signs for app {slug} (id {app_id}), installed "
                )?;
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
            // The other groups' (see `fmt`).
            _ => Ok(()),
        }
    }

    /// The post stage's, the CLI's and the CA roots' lines.
    fn fmt_end(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::ForkPullRequest { event, head } => write!(
                f,
                "A token was minted for a pull request from a fork{} (`{event}`): its author controls what this job runs. Set `fork-pull-requests: refuse` to stop minting on such runs.",
                match head {
                    Some(h) => format!(" ({h})"),
                    None => String::new(),
                }
            ),
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
            // The other groups' (see `fmt`).
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            expires_at: "2026-01-01T00:00:00Z".to_string(),
            minutes_left: Some(59),
        }
        .to_string();
        assert_eq!(created.matches("installation 7").count(), 1, "{created}");
        assert!(created.starts_with("Created an installation token for installation 7: "));
    }

    /// The variant's place in the declaration: an exhaustive `match`, with no
    /// wildcard, so that a new variant does not compile until it is listed here
    /// (and [`VARIANTS`] and [`samples`] follow).
    fn index(n: &Note) -> usize {
        match n {
            Note::Attempt { .. } => 0,
            Note::Retry { .. } => 1,
            Note::SkewCorrected { .. } => 2,
            Note::FreshTokenRetry { .. } => 3,
            Note::Signing { .. } => 4,
            Note::UnknownPermission { .. } => 5,
            Note::BotIdNotFound(_) => 6,
            Note::BotIdentityUnknown => 7,
            Note::Created { .. } => 8,
            Note::Checked { .. } => 9,
            Note::RevocationOff => 10,
            Note::ForkPullRequest { .. } => 11,
            Note::RevocationSkipped => 12,
            Note::NothingToRevoke => 13,
            Note::AlreadyExpired { .. } => 14,
            Note::Revoked => 15,
            Note::AlreadyInvalidAtEnd => 16,
            Note::AlreadyInvalid => 17,
            Note::NotRevoked(_) => 18,
            Note::CaFileUnread { .. } => 19,
            Note::CaDirUnread { .. } => 20,
            Note::Resources { .. } => 21,
        }
    }

    const VARIANTS: usize = 22;

    /// One value of every variant.
    fn samples() -> Vec<Note> {
        let mut all = network_samples();
        all.extend(flow_samples());
        all.extend(end_samples());
        all
    }

    /// The network's notes.
    fn network_samples() -> Vec<Note> {
        let call = || Call {
            purpose: None,
            method: Method::Get,
            path: "/app".to_string(),
        };
        let ms = Duration::from_millis;
        vec![
            Note::Attempt {
                method: Method::Get,
                path: "/app".into(),
                result: Ok(200),
                elapsed: ms(3),
                github: None,
            },
            Note::Retry {
                last: Last::Answer {
                    who: Who::GitHub,
                    status: 502,
                    limit: None,
                },
                call: call(),
                wait: ms(1000),
                next: 2,
                asked: None,
            },
            Note::SkewCorrected { skew: 30 },
            Note::FreshTokenRetry {
                status: 401,
                call: call(),
                wait: ms(1000),
            },
        ]
    }

    /// The notes of the key, the app and what was created.
    fn flow_samples() -> Vec<Note> {
        vec![
            Note::Signing {
                service: None,
                fingerprint: "abc=".into(),
            },
            Note::UnknownPermission { name: "x".into() },
            Note::BotIdNotFound(Box::new(Error::Usage(
                crate::cli::args::UsageError::MissingKeyFile,
            ))),
            Note::BotIdentityUnknown,
            Note::Created {
                account: None,
                id: 7,
                coverage: Coverage {
                    repositories: Vec::new(),
                    selection: None,
                    permissions: BTreeMap::new(),
                },
                expires_at: "2026-01-01T00:00:00Z".into(),
                minutes_left: Some(59),
            },
            Note::Checked {
                slug: "app".into(),
                app_id: 1,
                account: None,
                id: 7,
                selection: None,
                permissions: BTreeMap::new(),
            },
        ]
    }

    /// The post stage's, the CLI's and the CA roots' notes.
    fn end_samples() -> Vec<Note> {
        let ms = Duration::from_millis;
        vec![
            Note::RevocationOff,
            Note::ForkPullRequest {
                event: "pull_request_target".into(),
                head: None,
            },
            Note::RevocationSkipped,
            Note::NothingToRevoke,
            Note::AlreadyExpired {
                at: "2026-01-01T00:00:00Z".into(),
            },
            Note::Revoked,
            Note::AlreadyInvalidAtEnd,
            Note::AlreadyInvalid,
            Note::NotRevoked(Box::new(Error::Usage(
                crate::cli::args::UsageError::MissingKeyFile,
            ))),
            Note::CaFileUnread {
                var: "SSL_CERT_FILE",
                path: "/ca".into(),
                error: "gone".into(),
            },
            Note::CaDirUnread {
                dir: "/certs".into(),
            },
            Note::Resources {
                peak_kib: 8000,
                elapsed: ms(5),
                cpu: ms(2),
            },
        ]
    }

    #[test]
    fn every_note_is_one_non_empty_line() {
        let samples = samples();
        let seen: std::collections::BTreeSet<usize> = samples.iter().map(index).collect();
        assert_eq!(seen, (0..VARIANTS).collect(), "one sample of every variant");
        assert_eq!(samples.len(), VARIANTS);
        for n in &samples {
            let line = n.to_string();
            assert!(
                !line.trim().is_empty(),
                "variant {} prints nothing",
                index(n)
            );
            assert!(
                !line.contains('\n'),
                "variant {} spans lines: {line}",
                index(n)
            );
        }
    }
}
