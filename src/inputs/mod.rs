//! THE table of inputs, as ripgrep keeps its flags: one row per input of the action
//! (its action.yml name) with its command-line flag, what kind of value it holds and
//! its help line. The action's reader (`INPUT_*`, main and post alike), the CLI
//! parser, `--help`, the secret rules and the action.yml test all read it, so a new
//! input is one row here, its declaration in action.yml, and the code that uses it.
//!
//! The runner passes inputs as `INPUT_` + the upper-cased name, hyphens kept
//! (`INPUT_APP-ID`). Underscore spellings (`INPUT_APP_ID`, from a `runs.env`
//! mapping or a hand-written env) are the same input.

use std::collections::BTreeMap;
use std::fmt;

pub mod error;

use error::InputError;

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

/// `APP-ID`, `app_id`, `App-Id` → `APP_ID`.
fn canonical(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', ' '], "_")
}

/// One requested permission before checking.
#[derive(Debug, Clone)]
pub struct RawPermission {
    /// The name as written (for messages).
    pub input: String,
    /// The API name it maps to.
    pub name: String,
    /// The level as written.
    pub level: String,
}

/// The inputs' values as given, before any check: by table name, unset and blank
/// values left out; the same for the action and the CLI.
#[derive(Debug, Default, Clone)]
pub struct Raw {
    values: BTreeMap<&'static str, String>,
    /// `(name, level)` pairs of the permission inputs.
    pub permissions: Vec<RawPermission>,
}

impl Raw {
    /// Input `name`'s value, trimmed, if set and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        debug_assert!(find(name).is_some(), "{name} is not in the table");
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Sets input `row`'s value.
    pub fn set(&mut self, row: &'static Input, value: String) {
        self.values.insert(row.name, value);
    }

    /// Sets the input named `name` (in the table) to `value`.
    pub fn with(mut self, name: &str, value: &str) -> Raw {
        if let Some(row) = find(name) {
            self.set(row, value.to_string());
        }
        self
    }

    /// Every set input with its row.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Input, &str)> {
        INPUTS
            .iter()
            .filter_map(|row| Some((row, self.get(row.name)?)))
    }
}

/// Non-empty inputs by canonical name, from `(variable, value)` pairs.
pub struct Inputs {
    values: BTreeMap<String, (String, String)>,
}

impl Inputs {
    /// Collects `INPUT_*` variables, refusing two spellings with different values.
    pub fn collect<I>(vars: I) -> Result<Inputs, InputError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut values: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (var, value) in vars {
            let Some(name) = var.strip_prefix("INPUT_") else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let key = canonical(name);
            match values.get(&key) {
                Some((first, v)) if *v != value => {
                    // In name order; a comparison, not a sort routine linked for two items.
                    let (first, second) = if *first <= var {
                        (first.clone(), var)
                    } else {
                        (var, first.clone())
                    };
                    return Err(InputError::ConflictingSpellings { first, second });
                }
                Some(_) => {}
                None => {
                    values.insert(key, (var, value));
                }
            }
        }
        Ok(Inputs { values })
    }

    /// Reads this process's environment.
    pub fn from_env() -> Result<Inputs, InputError> {
        Inputs::collect(std::env::vars_os().filter_map(|(k, v)| {
            // A value that is not UTF-8 cannot be any of ours; keep it visible as lossy text.
            Some((k.into_string().ok()?, v.to_string_lossy().into_owned()))
        }))
    }

    /// The value of input `name`, if set and non-empty.
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(&canonical(name)).map(|(_, v)| v.clone())
    }

    /// The raw request, permissions included.
    pub fn raw(&self) -> Raw {
        let prefix = canonical(PERMISSION_PREFIX);
        let permissions = self
            .values
            .iter()
            .filter_map(|(key, (_, value))| {
                let name = key.strip_prefix(&prefix)?.to_ascii_lowercase();
                Some(RawPermission {
                    input: name.replace('_', "-"),
                    name,
                    level: value.clone(),
                })
            })
            .collect();
        let values = INPUTS
            .iter()
            .filter_map(|row| Some((row.name, self.get(row.name)?)))
            .collect();
        Raw {
            values,
            permissions,
        }
    }
}

/// Masks the secret inputs' values (each body line of a key, the whole of a token)
/// and the lines of any plain input that looks like a secret, so that a slip
/// anywhere later still cannot show them. Call before any other output; `mask`
/// masks one value (`report::add_mask`).
pub fn mask_secrets(raw: &Raw, mask: &dyn Fn(&str)) {
    for (row, value) in raw.iter() {
        let masked = match row.kind {
            Kind::Secret => true,
            Kind::Plain => crate::secret::looks_secret(value),
            Kind::Certificates | Kind::Name => false,
        };
        if row.kind == Kind::Secret && !value.contains('\n') {
            mask(value);
        }
        if masked {
            mask_lines(value, mask);
        }
    }
    for p in &raw.permissions {
        if crate::secret::looks_secret(&p.level) {
            mask_lines(&p.level, mask);
        }
    }
}

fn mask_lines(value: &str, mask: &dyn Fn(&str)) {
    for line in crate::key::body_lines(value) {
        mask(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Result<Inputs, InputError> {
        Inputs::collect(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        )
    }

    #[test]
    fn hyphen_and_underscore_are_one_input() {
        let i = inputs(&[("INPUT_APP-ID", "1"), ("INPUT_APP_ID", "1")]).unwrap();
        assert_eq!(i.raw().get("app-id"), Some("1"));
        let i = inputs(&[("INPUT_APP_ID", "2"), ("INPUT_APP-ID", "")]).unwrap();
        assert_eq!(i.raw().get("app-id"), Some("2"));
        assert!(matches!(
            inputs(&[("INPUT_APP-ID", "1"), ("INPUT_APP_ID", "2")]),
            Err(InputError::ConflictingSpellings { .. })
        ));
    }

    #[test]
    fn permission_inputs() {
        let i = inputs(&[
            ("INPUT_PERMISSION-PULL-REQUESTS", "write"),
            ("INPUT_PERMISSION_CONTENTS", "read"),
            ("INPUT_PERMISSION-ISSUES", ""),
            ("OTHER", "x"),
        ])
        .unwrap();
        let raw = i.raw();
        let names: Vec<_> = raw.permissions.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["contents", "pull_requests"]);
        assert_eq!(raw.permissions[1].input, "pull-requests");
    }

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
