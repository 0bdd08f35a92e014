//! The top-level failure: each module's error, wrapped once, and the failures of
//! the flow itself (a token already minted when a later step failed, one owner of
//! several failing). The sentences live beside the modules that fail.
//!
//! No variant carries a key, a JWT or a token, so no message can print one: a value
//! from an input reaches a message only as a [`Shown`](crate::secret::Shown).

use std::fmt;

use thiserror::Error;

use crate::cli::args::UsageError;
use crate::github::error::GithubError;
use crate::inputs::error::InputError;
use crate::jwt::SigningFailed;
use crate::key::KeyError;
use crate::kms::KmsError;
use crate::net::NetError;
use crate::outputs::OutputError;
use crate::transport::error::TransportError;

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

/// Everything that can fail, as the user is told it.
#[derive(Debug, Error)]
pub enum Error {
    /// An input is wrong, or a guardrail refused the run.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A mistake on the command line.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// The key was refused.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The JWT could not be signed.
    #[error(transparent)]
    Signing(#[from] SigningFailed),
    /// A key service failed.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// A connection setting that cannot be used.
    #[error(transparent)]
    Net(#[from] NetError),
    /// A request that got no usable answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// GitHub refused the request.
    #[error(transparent)]
    Github(#[from] GithubError),
    /// The step's outputs could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A failure after GitHub created a token, and what became of the token.
    #[error("{cause} {fate}")]
    AfterMint { cause: Box<Error>, fate: Fate },
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
            Kms(e) => e.title(),
            Net(e) => e.title(),
            Transport(e) => e.title(),
            Github(e) => e.title(),
            Output(e) => e.title(),
            AfterMint { cause, .. } | ForOwner { cause, .. } | AfterMintAll { cause, .. } => {
                cause.title()
            }
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
    use crate::secret::Shown;
    use crate::transport::{Call, Last, Method, Who};

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// Each variant's place in the catalogue: the `match` is exhaustive, so a new
    /// variant does not compile until it has its place (and then its sample).
    fn place(e: &Error) -> usize {
        use Error::*;
        match e {
            Input(_) => 0,
            Usage(_) => 1,
            Key(_) => 2,
            Signing(_) => 3,
            Kms(_) => 4,
            Net(_) => 5,
            Transport(_) => 6,
            Github(_) => 7,
            Output(_) => 8,
            AfterMint { .. } => 9,
            ForOwner { .. } => 10,
            AfterMintAll { .. } => 11,
        }
    }

    /// One sample of each variant (the wrapped types have their own catalogues beside
    /// them), and what its message must say.
    #[rustfmt::skip]
    fn catalogue() -> Vec<(Error, Vec<&'static str>)> {
        use Error::*;
        let usage = || Usage(UsageError::MissingKeyFile);
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let output = || Output(OutputError::FileCommand { var: "GITHUB_OUTPUT", path: s("/f"), source: io() });
        let post_x = Call { purpose: None, method: Method::Post, path: s("/x") };
        vec![
            (Input(InputError::MissingAppId), vec!["`client-id`", "`app-id`", "settings page"]),
            (Usage(UsageError::UnknownCommand { command: Shown::of("frob") }), vec!["unknown command", "\"frob\""]),
            (Key(KeyError::Ec), vec!["EC key", "RS256", "Private keys"]),
            (Signing(SigningFailed), vec!["could not be signed", "Retry"]),
            (Kms(KmsError::OidcUnavailable), vec!["id-token: write"]),
            (Net(NetError::Proxy { var: "HTTPS_PROXY" }), vec!["HTTPS_PROXY", "not shown", "unset"]),
            (Transport(TransportError::Exhausted { call: post_x, elapsed_secs: 118, attempts: 4, last: Last::Answer { who: Who::GitHub, status: 503, limit: None } }), vec!["POST /x", "118 s", "4 attempts", "GitHub answered 503"]),
            (Github(GithubError::KeyMismatch), vec!["A JSON web token could not be decoded", "does not belong", "same app"]),
            (output(), vec!["GITHUB_OUTPUT", "/f", "No such file"]),
            (AfterMint { cause: Box::new(output()), fate: Fate::Revoked }, vec!["GITHUB_OUTPUT", "revoked at once"]),
            (ForOwner { login: s("octocat"), cause: Box::new(Github(GithubError::InstallationIdNotFound { id: 7 })), others: vec![Fate::Revoked, Fate::LeftToPost, Fate::NotRevoked(Box::new(usage()))] }, vec!["For `octocat`:", "of the 3 tokens", "1 revoked at once", "1 saved for the post step", "1 not revoked"]),
            (AfterMintAll { cause: Box::new(usage()), fates: vec![Fate::Revoked, Fate::Revoked] }, vec!["of the 2 tokens already minted for the owners, 2 revoked at once"]),
        ]
    }

    #[test]
    fn every_error_is_specific_and_actionable() {
        crate::catalogue::check(&catalogue(), 12, place, Error::title);
    }
}
