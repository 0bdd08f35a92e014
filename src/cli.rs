//! The command line, for people and other CI systems: the same path as the
//! action, with the token on stdout and everything else on stderr.

use std::io::{Read, Write};

use serde_json::json;

use crate::config::{Config, Connection, Context, Raw, RawPermission};
use crate::error::{Error, FileKind, Note, Shown};
use crate::flow;
use crate::report;
use crate::time::GithubClock;
use crate::token::{self, Revoked};

/// Shown by `--help`.
pub const USAGE: &str = "\
app-token-action: a GitHub App installation token from the app's id and private key.

USAGE:
    app-token-action token  --client-id ID --private-key-file PATH|- [OPTIONS]
    app-token-action token  --client-id ID --kms-key URI [OPTIONS]
    app-token-action revoke [--api-url URL] [--ca-certificates-file PATH] < token
    app-token-action post          (the action's post stage; reads STATE_token)
    app-token-action               (the action's main stage when GITHUB_ACTIONS=true)

TOKEN OPTIONS:
    --client-id ID              the app's client ID (Iv...), the JWT issuer
    --app-id ID                 or its numeric app ID
    --private-key-file PATH     the app's PEM private key; - reads it from stdin
    --kms-key URI               or the app's key in a key service: awskms:///KEY,
                                hashivault://KEY, gcpkms://projects/.../cryptoKeyVersions/N,
                                azurekms://VAULT.vault.azure.net/KEY[/VERSION]
    --kms-access-token-file PATH  Google's or Azure's access token; - reads stdin
    --oidc-audience AUD         audience of the runner's OIDC token (keyless)
    --aws-role-arn ARN          assume this role with the runner's OIDC token
    --vault-role ROLE           log in to Vault's JWT auth with the OIDC token
    --vault-auth-mount PATH     Vault's JWT auth mount (default: jwt)
    --vault-transit-mount PATH  Vault's transit mount (default:
                                $TRANSIT_SECRET_ENGINE_PATH, else transit)
    --owner LOGIN               the installation's account (user or organization)
    --repositories LIST         comma-separated names or owner/name (at most 500)
    --enterprise SLUG           an enterprise installation
    --installation-id N         this installation, without a lookup
    --permission NAME=LEVEL     narrow the token (repeatable), e.g. contents=read
    --api-url URL               REST API root (default: $GITHUB_API_URL or
                                https://api.github.com; GHES: https://HOST/api/v3)
    --ca-certificates-file PATH extra CA certificates (PEM), e.g. for GHES
    --token-format FORMAT       stateless (GitHub's new token format) or stateful
                                (classic); default: GitHub's rollout decides
    --json                      print token, expires_at, installation_id,
                                app_slug and permissions as JSON
    --check                     validate id, key and installation; mint nothing
    --verbose                   debug lines on stderr (never credentials)

    -h, --help                  this text
    -V, --version               the version

Without --owner, --repositories, --enterprise or --installation-id the token is for
$GITHUB_REPOSITORY. Proxies: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY.
Extra CAs: SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, SSL_CERT_DIR. Key services read their usual variables
(AWS_*, VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT; README).
";

/// Parsed `token` arguments.
#[derive(Debug, Default)]
struct TokenArgs {
    raw: Raw,
    json: bool,
}

fn read_path(what: FileKind, path: &str) -> Result<String, Error> {
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    result.map(|()| text).map_err(|source| Error::ReadFile {
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
) -> Result<String, Error> {
    inline
        .or_else(|| rest.next())
        .ok_or_else(|| Error::MissingValue {
            flag: flag.to_string(),
        })
}

/// Reads the `token` subcommand's flags; `verbose` is handled by the caller.
fn parse_token(args: Vec<String>) -> Result<TokenArgs, Error> {
    let mut out = TokenArgs::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let r = &mut out.raw;
        match flag.as_str() {
            "--client-id" => r.client_id = Some(next_value(&flag, inline, &mut it)?),
            "--app-id" => r.app_id = Some(next_value(&flag, inline, &mut it)?),
            "--private-key-file" => {
                let path = next_value(&flag, inline, &mut it)?;
                r.private_key = Some(read_path(FileKind::PrivateKey, &path)?);
            }
            "--kms-key" => r.kms_key = Some(next_value(&flag, inline, &mut it)?),
            "--kms-access-token-file" => {
                let path = next_value(&flag, inline, &mut it)?;
                r.kms_access_token = Some(read_path(FileKind::AccessToken, &path)?);
            }
            "--oidc-audience" => r.oidc_audience = Some(next_value(&flag, inline, &mut it)?),
            "--aws-role-arn" => r.aws_role_arn = Some(next_value(&flag, inline, &mut it)?),
            "--vault-role" => r.vault_role = Some(next_value(&flag, inline, &mut it)?),
            "--vault-auth-mount" => r.vault_auth_mount = Some(next_value(&flag, inline, &mut it)?),
            "--vault-transit-mount" => {
                r.vault_transit_mount = Some(next_value(&flag, inline, &mut it)?)
            }
            "--owner" => r.owner = Some(next_value(&flag, inline, &mut it)?),
            "--repositories" => r.repositories = Some(next_value(&flag, inline, &mut it)?),
            "--enterprise" => r.enterprise = Some(next_value(&flag, inline, &mut it)?),
            "--installation-id" => r.installation_id = Some(next_value(&flag, inline, &mut it)?),
            "--api-url" => r.api_url = Some(next_value(&flag, inline, &mut it)?),
            "--ca-certificates-file" => {
                let path = next_value(&flag, inline, &mut it)?;
                r.ca_certificates = Some(read_path(FileKind::CaCertificates, &path)?);
            }
            "--token-format" => r.token_format = Some(next_value(&flag, inline, &mut it)?),
            "--permission" => {
                let value = next_value(&flag, inline, &mut it)?;
                let (name, level) = value
                    .split_once('=')
                    .filter(|(n, l)| !n.trim().is_empty() && !l.trim().is_empty())
                    .ok_or_else(|| Error::PermissionSyntax {
                        value: Shown::of(&value),
                    })?;
                r.permissions.push(RawPermission {
                    input: name.trim().to_string(),
                    name: name.trim().to_string(),
                    level: level.trim().to_string(),
                });
            }
            "--json" => out.json = true,
            "--check" => r.check = Some("true".into()),
            "--verbose" | "-v" => {}
            other => {
                return Err(Error::UnknownOption {
                    option: Shown::of(other),
                });
            }
        }
    }
    if out.raw.private_key.is_none() && out.raw.kms_key.is_none() {
        return Err(Error::MissingKeyFile);
    }
    Ok(out)
}

fn print(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// `app-token-action token ...`.
pub fn token(args: Vec<String>) -> Result<(), Error> {
    let parsed = parse_token(args)?;
    let cfg = Config::new(&parsed.raw, &Context::from_env())?;
    if cfg.check {
        let checked = flow::check(&cfg)?;
        report::note(&flow::check_summary(&checked));
        if parsed.json {
            print(
                &json!({
                    "installation_id": checked.installation.id,
                    "app_slug": checked.app.slug,
                    "app_id": checked.app.id,
                    "permissions": checked.installation.permissions,
                })
                .to_string(),
            );
        }
        return Ok(());
    }
    let created = flow::create(&cfg)?;
    report::note(&flow::summary(&created));
    if parsed.json {
        print(
            &json!({
                "token": created.token.token,
                "expires_at": created.token.expires_at,
                "installation_id": created.installation_id,
                "app_slug": created.app_slug(),
                "permissions": created.token.permissions,
            })
            .to_string(),
        );
    } else {
        print(&created.token.token);
    }
    Ok(())
}

/// `app-token-action revoke [--api-url URL] [--ca-certificates-file PATH]`, the token on stdin.
pub fn revoke(args: Vec<String>) -> Result<(), Error> {
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
                return Err(Error::UnknownOption {
                    option: Shown::of(&arg),
                });
            }
        }
    }
    let token = read_path(FileKind::Token, "-")?;
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::EmptyStdin);
    }
    let connection = Connection::new(api_url.as_deref(), ca.as_deref(), &Context::from_env())?;
    // The token's age is unknown here: allow the retry for a fresh one.
    match token::revoke_with(&connection, GithubClock::default(), token, true)? {
        Revoked::Done => report::note(&Note::Revoked),
        Revoked::AlreadyInvalid => report::note(&Note::AlreadyInvalid),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(p.raw.client_id.as_deref(), Some("Iv1"));
        assert_eq!(p.raw.permissions.len(), 2);
        assert_eq!(p.raw.permissions[1].level, "write");
        assert!(p.json);
    }

    #[test]
    fn mistakes() {
        assert!(matches!(
            parse_token(args(&["--bogus"])),
            Err(Error::UnknownOption { .. })
        ));
        assert!(matches!(
            parse_token(args(&["--client-id"])),
            Err(Error::MissingValue { .. })
        ));
        assert!(matches!(
            parse_token(args(&["--permission", "contents"])),
            Err(Error::PermissionSyntax { .. })
        ));
        assert!(matches!(
            parse_token(args(&["--client-id", "x"])),
            Err(Error::MissingKeyFile)
        ));
    }
}
