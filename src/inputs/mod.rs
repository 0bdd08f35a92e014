//! THE table of inputs, as ripgrep keeps its flags: one row per input of the action
//! (its action.yml name) with its command-line flag, what kind of value it holds and
//! its help line. The action's reader (`INPUT_*`, main and post alike), the CLI
//! parser, `--help`, the secret rules and the action.yml test all read it, so a new
//! input is one row here, its declaration in action.yml, and the code that uses it.
//!
//! The runner passes inputs as `INPUT_` + the upper-cased name, hyphens kept
//! (`INPUT_APP-ID`). Underscore spellings (`INPUT_APP_ID`, from a `runs.env`
//! mapping or a hand-written env) are the same input.

use std::fmt;

pub mod error;
mod mask;
mod raw;
mod variables;

pub use mask::mask_secrets;
pub use raw::{Raw, RawPermission};
pub use variables::Inputs;

/// What an input holds, for the secret rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name, number, URL or list: never a secret, so a value that certainly is
    /// one (PEM armour, a token, a JWT) is refused, and one that looks like one is
    /// masked and not quoted.
    Plain,
    /// A key or a credential: masked the moment it is read, never quoted.
    Secret,
    /// A service's resource name that its own grammar checks before any use (a
    /// workload identity provider): refused as [`Kind::Plain`] when certainly a
    /// secret, but never masked, since its long mixed-case runs only look like one
    /// and its errors must show it.
    Name,
    /// PEM certificates: public, armour expected.
    Certificates,
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

/// How an input is given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `--flag VALUE` or `--flag=VALUE`.
    Value(&'static str, &'static str),
    /// `--flag PATH`: the value is the file's text; `-` reads standard input.
    File(&'static str, FileKind),
    /// `--flag` alone means `true`.
    Switch(&'static str),
    /// The action's only (what it controls belongs to the post stage or outputs).
    ActionOnly,
}

/// One input of the action.
#[derive(Debug)]
pub struct Input {
    /// Its name in action.yml.
    pub name: &'static str,
    /// Its command-line form.
    pub flag: Flag,
    /// What it holds.
    pub kind: Kind,
    /// The `--help` line; `\n` continues on the next line.
    pub help: &'static str,
}

const fn input(name: &'static str, flag: Flag, kind: Kind, help: &'static str) -> Input {
    Input {
        name,
        flag,
        kind,
        help,
    }
}

use Flag::{ActionOnly, File, Switch, Value};
use Kind::{Certificates, Name, Plain, Secret};

/// Every input the program reads, in the order a request uses them (permissions,
/// a family of inputs, are [`PERMISSION_PREFIX`]).
#[rustfmt::skip]
pub const INPUTS: &[Input] = &[
    input("client-id", Value("--client-id", "ID"), Plain, "the app's client ID (Iv...), the JWT issuer"),
    input("app-id", Value("--app-id", "ID"), Plain, "or its numeric app ID"),
    input("private-key", File("--private-key-file", FileKind::PrivateKey), Secret, "the app's PEM private key; - reads it from stdin"),
    input("kms-key", Value("--kms-key", "URI"), Plain, "or the app's key in a key service: awskms:///KEY,\nhashivault://KEY, gcpkms://projects/.../cryptoKeyVersions/N,\nazurekms://VAULT.vault.azure.net/KEY[/VERSION]"),
    input("kms-access-token", File("--kms-access-token-file", FileKind::AccessToken), Secret, "Google's or Azure's access token; - reads stdin"),
    input("oidc-audience", Value("--oidc-audience", "AUD"), Plain, "audience of the runner's OIDC token (keyless)"),
    input("aws-role-arn", Value("--aws-role-arn", "ARN"), Plain, "assume this role with the runner's OIDC token"),
    input("vault-role", Value("--vault-role", "ROLE"), Plain, "log in to Vault's JWT auth with the OIDC token"),
    input("vault-auth-mount", Value("--vault-auth-mount", "PATH"), Plain, "Vault's JWT auth mount (default: jwt)"),
    input("vault-transit-mount", Value("--vault-transit-mount", "PATH"), Plain, "Vault's transit mount (default:\n$TRANSIT_SECRET_ENGINE_PATH, else transit)"),
    input("gcp-workload-identity-provider", Value("--gcp-workload-identity-provider", "NAME"), Name, "Google keyless: the workload identity provider\nprojects/N/locations/global/workloadIdentityPools/P/providers/ID"),
    input("gcp-service-account", Value("--gcp-service-account", "EMAIL"), Plain, "then impersonate this service account (optional)"),
    input("azure-tenant-id", Value("--azure-tenant-id", "TENANT"), Plain, "Azure keyless: the Entra tenant (GUID or domain)"),
    input("azure-client-id", Value("--azure-client-id", "GUID"), Plain, "the app whose federated credential trusts the job"),
    input("owner", Value("--owner", "LOGIN"), Plain, "the installation's account (user or organization)"),
    input("owners", Value("--owners", "LIST"), Plain, "a token for each of these accounts (comma-separated),\nor * for every installation; prints a JSON object"),
    input("repositories", Value("--repositories", "LIST"), Plain, "comma-separated names or owner/name (at most 500)"),
    input("enterprise", Value("--enterprise", "SLUG"), Plain, "an enterprise installation"),
    input("installation-id", Value("--installation-id", "N"), Plain, "this installation, without a lookup"),
    input("github-api-url", Value("--api-url", "URL"), Plain, "REST API root (default: $GITHUB_API_URL or\nhttps://api.github.com; GHES: https://HOST/api/v3)"),
    input("ca-certificates", File("--ca-certificates-file", FileKind::CaCertificates), Certificates, "extra CA certificates (PEM), e.g. for GHES"),
    input("token-format", Value("--token-format", "FORMAT"), Plain, "stateless (GitHub's new token format) or stateful\n(classic); default: GitHub's rollout decides"),
    input("fork-pull-requests", Value("--fork-pull-requests", "POLICY"), Plain, "allow (default) or refuse a token on a run for a\npull request from a fork (GITHUB_EVENT_PATH)"),
    input("require-permissions", Switch("--require-permissions"), Plain, "refuse to mint without a --permission"),
    input("check", Switch("--check"), Plain, "validate id, key and installation; mint nothing"),
    input("skip-token-revoke", ActionOnly, Plain, "do not revoke the token in the post stage"),
    input("bot-identity", ActionOnly, Plain, "look up the app's bot user for git identity outputs"),
];

/// The prefix of the per-permission inputs (`permission-contents`); on the command
/// line, `--permission NAME=LEVEL`.
pub const PERMISSION_PREFIX: &str = "permission-";

/// The row of input `name`.
pub fn find(name: &str) -> Option<&'static Input> {
    INPUTS.iter().find(|i| i.name == name)
}

/// The row whose command-line flag is `flag`.
pub fn by_flag(flag: &str) -> Option<&'static Input> {
    INPUTS.iter().find(|i| match i.flag {
        Value(f, _) | File(f, _) | Switch(f) => f == flag,
        ActionOnly => false,
    })
}

/// The option lines of `--help`, from the table.
pub fn help_lines() -> String {
    let mut out = String::new();
    for i in INPUTS {
        let left = match i.flag {
            Value(f, v) => format!("{f} {v}"),
            File(f, _) => format!("{f} PATH"),
            Switch(f) => f.to_string(),
            ActionOnly => continue,
        };
        push_help(&mut out, &left, i.help);
        if i.name == "enterprise" {
            // The permission family sits beside the other scope inputs.
            push_help(
                &mut out,
                "--permission NAME=LEVEL",
                "narrow the token (repeatable), e.g. contents=read",
            );
        }
    }
    out
}

/// One option in `--help`'s two columns.
pub fn push_help(out: &mut String, left: &str, help: &str) {
    let mut lines = help.lines();
    let first = lines.next().unwrap_or_default();
    if left.len() < 28 {
        out.push_str(&format!("    {left:<28}{first}\n"));
    } else {
        out.push_str(&format!("    {left}  {first}\n"));
    }
    for more in lines {
        out.push_str(&format!("{:32}{more}\n", ""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        let mut names = std::collections::BTreeSet::new();
        let mut flags = std::collections::BTreeSet::new();
        for i in INPUTS {
            assert!(names.insert(i.name), "{} twice", i.name);
            assert!(!i.name.starts_with(PERMISSION_PREFIX), "{}", i.name);
            if let Value(f, _) | File(f, _) | Switch(f) = i.flag {
                assert!(f.starts_with("--") && flags.insert(f), "{f}");
                assert_eq!(by_flag(f).map(|r| r.name), Some(i.name));
            }
            assert!(!i.help.is_empty() && !i.help.ends_with('.'), "{}", i.name);
        }
        let help = help_lines();
        assert!(
            help.contains("    --client-id ID              the app's client ID"),
            "{help}"
        );
        assert!(help.contains("--permission NAME=LEVEL"), "{help}");
        assert!(!help.contains("skip-token-revoke"), "{help}");
    }
}
