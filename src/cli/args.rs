//! The command line's arguments: the table's flags (and `--permission`, `--json`) read
//! into the same [`Raw`] inputs as the action's, and the mistakes a person can make
//! typing them, each with its sentence.

use std::io::Read;

use thiserror::Error;

use crate::inputs::{self, FileKind, Flag, Raw, RawPermission};
use crate::secret::Shown;
use crate::token::shape::TokenProblem;

/// A mistake on the command line, or a file it names that cannot be read.
#[derive(Debug, Error)]
pub enum UsageError {
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

    /// A malformed `--permission` argument.
    #[error(
        "--permission takes NAME=LEVEL, e.g. --permission contents=read; the value given is {value}."
    )]
    PermissionSyntax { value: Shown },
}

impl UsageError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        match self {
            UsageError::PermissionSyntax { .. } => "Invalid permission",
            UsageError::MissingValue { .. }
            | UsageError::MissingKeyFile
            | UsageError::EmptyStdin
            | UsageError::InvalidToken { .. }
            | UsageError::UnknownOption { .. }
            | UsageError::UnknownCommand { .. }
            | UsageError::ReadFile { .. } => "Invalid input",
        }
    }

    /// A mistake in how the program was called (exit code 2), not in what it was given.
    pub fn is_usage(&self) -> bool {
        match self {
            UsageError::MissingValue { .. }
            | UsageError::MissingKeyFile
            | UsageError::EmptyStdin
            | UsageError::UnknownOption { .. }
            | UsageError::UnknownCommand { .. } => true,
            UsageError::InvalidToken { .. }
            | UsageError::ReadFile { .. }
            | UsageError::PermissionSyntax { .. } => false,
        }
    }
}

/// Parsed `token` arguments.
#[derive(Debug, Default)]
pub struct TokenArgs {
    /// The inputs given.
    pub raw: Raw,
    /// `--json`.
    pub json: bool,
}

fn read_path(what: FileKind, path: &str) -> Result<String, UsageError> {
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    result
        .map(|()| text)
        .map_err(|source| UsageError::ReadFile {
            what,
            path: path.to_string(),
            source,
        })
}

/// Splits `--flag=value` and `--flag value`.
fn next_value(
    flag: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = String>,
) -> Result<String, UsageError> {
    inline
        .or_else(|| rest.next())
        .ok_or_else(|| UsageError::MissingValue {
            flag: flag.to_string(),
        })
}

/// `--permission NAME=LEVEL`.
fn permission(value: &str) -> Result<RawPermission, UsageError> {
    let (name, level) = value
        .split_once('=')
        .filter(|(n, l)| !n.trim().is_empty() && !l.trim().is_empty())
        .ok_or_else(|| UsageError::PermissionSyntax {
            value: Shown::of(value),
        })?;
    Ok(RawPermission {
        input: name.trim().to_string(),
        name: name.trim().to_string(),
        level: level.trim().to_string(),
    })
}

/// Reads the `token` subcommand's flags (the table's, and `--permission`, `--json`);
/// `verbose` is handled by the caller.
pub fn parse_token(args: Vec<String>) -> Result<TokenArgs, UsageError> {
    let mut out = TokenArgs::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if let Some(row) = inputs::by_flag(&flag) {
            let value = match row.flag {
                Flag::File(_, what) => read_path(what, &next_value(&flag, inline, &mut it)?)?,
                Flag::Switch(_) => "true".into(),
                Flag::Value(..) | Flag::ActionOnly => next_value(&flag, inline, &mut it)?,
            };
            out.raw.set(row, value);
            continue;
        }
        match flag.as_str() {
            "--permission" => {
                let value = next_value(&flag, inline, &mut it)?;
                out.raw.permissions.push(permission(&value)?);
            }
            "--json" => out.json = true,
            "--verbose" | "-v" => {}
            other => {
                return Err(UsageError::UnknownOption {
                    option: Shown::of(other),
                });
            }
        }
    }
    if out.raw.get("private-key").is_none() && out.raw.get("kms-key").is_none() {
        return Err(UsageError::MissingKeyFile);
    }
    Ok(out)
}

/// `revoke`'s options: the API root and the CA certificates' text.
pub fn parse_revoke(args: Vec<String>) -> Result<(Option<String>, Option<String>), UsageError> {
    let (mut api_url, mut ca) = (None, None);
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "--api-url" => api_url = Some(next_value(&flag, inline, &mut it)?),
            "--ca-certificates-file" => {
                let path = next_value(&flag, inline, &mut it)?;
                ca = Some(read_path(FileKind::CaCertificates, &path)?);
            }
            "--verbose" | "-v" => {}
            _ => {
                return Err(UsageError::UnknownOption {
                    option: Shown::of(&arg),
                });
            }
        }
    }
    Ok((api_url, ca))
}

/// The token `revoke` reads from stdin, trimmed; not empty.
pub fn read_token() -> Result<String, UsageError> {
    let token = read_path(FileKind::Token, "-")?;
    let token = token.trim();
    if token.is_empty() {
        return Err(UsageError::EmptyStdin);
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// Each variant's place in the catalogue (an exhaustive match).
    fn place(e: &UsageError) -> usize {
        use UsageError::*;
        match e {
            PermissionSyntax { .. } => 0,
            MissingValue { .. } => 1,
            MissingKeyFile => 2,
            EmptyStdin => 3,
            InvalidToken { .. } => 4,
            UnknownOption { .. } => 5,
            UnknownCommand { .. } => 6,
            ReadFile { .. } => 7,
        }
    }

    /// Every usage error with sample details, and what its message must say.
    #[rustfmt::skip]
    fn catalogue() -> Vec<(UsageError, Vec<&'static str>)> {
        use UsageError::*;
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        vec![
            (PermissionSyntax { value: Shown::of("contents") }, vec!["NAME=LEVEL", "\"contents\""]),
            (MissingValue { flag: s("--owner") }, vec!["--owner", "--help"]),
            (MissingKeyFile, vec!["--private-key-file", "--help"]),
            (EmptyStdin, vec!["stdin", "--help"]),
            (InvalidToken { problem: TokenProblem::Control }, vec!["stdin", "control characters", "as `app-token-action token` printed it"]),
            (UnknownOption { option: Shown::of("--x") }, vec!["\"--x\"", "--help"]),
            (UnknownCommand { command: Shown::of("frob") }, vec!["unknown command", "\"frob\""]),
            (ReadFile { what: FileKind::PrivateKey, path: s("/k.pem"), source: io() }, vec!["the private key", "/k.pem", "No such file"]),
        ]
    }

    #[test]
    fn every_usage_error_is_specific_and_actionable() {
        crate::catalogue::check(&catalogue(), 8, place, UsageError::title);
        let usage: Vec<usize> = catalogue()
            .iter()
            .filter(|(e, _)| e.is_usage())
            .map(|(e, _)| place(e))
            .collect();
        assert_eq!(usage, [1, 2, 3, 5, 6], "exit code 2 for these only");
    }

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn flags_both_forms() {
        let key = format!("{}/tests/fixtures/app.pem", env!("CARGO_MANIFEST_DIR"));
        let p = parse_token(args(&[
            "--client-id=Iv1",
            "--private-key-file",
            &key,
            "--permission",
            "contents=read",
            "--permission=issues=write",
            "--json",
        ]))
        .unwrap();
        assert_eq!(p.raw.get("client-id"), Some("Iv1"));
        assert_eq!(p.raw.permissions.len(), 2);
        assert_eq!(p.raw.permissions[1].level, "write");
        assert!(p.json);
    }

    #[test]
    fn mistakes() {
        assert!(matches!(
            parse_token(args(&["--bogus"])),
            Err(UsageError::UnknownOption { .. })
        ));
        assert!(matches!(
            parse_token(args(&["--client-id"])),
            Err(UsageError::MissingValue { .. })
        ));
        assert!(matches!(
            parse_token(args(&["--permission", "contents"])),
            Err(UsageError::PermissionSyntax { .. })
        ));
        assert!(matches!(
            parse_token(args(&["--client-id", "x"])),
            Err(UsageError::MissingKeyFile)
        ));
    }
}
