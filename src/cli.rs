//! The command line, for people and other CI systems: the same path as the
//! action, with the token on stdout and everything else on stderr.

use std::io::{Read, Write};

use serde_json::json;

use crate::config::{Config, Connection, Context, Installations};
use crate::error::{Error, FileKind, Shown};
use crate::flow;
use crate::inputs::{self, Flag, Raw, RawPermission};
use crate::report;
use crate::report::Note;
use crate::time::GithubClock;
use crate::token::{self, Revoked};

const USAGE_HEAD: &str = "\
app-token-action: a GitHub App installation token from the app's id and private key.

USAGE:
    app-token-action token  --client-id ID --private-key-file PATH|- [OPTIONS]
    app-token-action token  --client-id ID --kms-key URI [OPTIONS]
    app-token-action revoke [--api-url URL] [--ca-certificates-file PATH] < token
    app-token-action post          (the action's post stage; reads STATE_token)
    app-token-action               (the action's main stage when GITHUB_ACTIONS=true)

TOKEN OPTIONS:
";

const USAGE_TAIL: &str = "
Without --owner, --repositories, --enterprise or --installation-id the token is for
$GITHUB_REPOSITORY. Proxies: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY.
Extra CAs: SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, SSL_CERT_DIR. Key services read their usual variables
(AWS_*, VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT; README).
";

/// Shown by `--help`: the options come from the table of inputs.
pub fn usage() -> String {
    let mut text = USAGE_HEAD.to_string();
    text.push_str(&inputs::help_lines());
    for (left, help) in [
        (
            "--json",
            "print token, expires_at, installation_id,\napp_slug and permissions as JSON",
        ),
        ("--verbose", "debug lines on stderr (never credentials)"),
    ] {
        inputs::push_help(&mut text, left, help);
    }
    text.push('\n');
    inputs::push_help(&mut text, "-h, --help", "this text");
    inputs::push_help(&mut text, "-V, --version", "the version");
    text.push_str(USAGE_TAIL);
    text
}

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

/// `--permission NAME=LEVEL`.
fn permission(value: &str) -> Result<RawPermission, Error> {
    let (name, level) = value
        .split_once('=')
        .filter(|(n, l)| !n.trim().is_empty() && !l.trim().is_empty())
        .ok_or_else(|| Error::PermissionSyntax {
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
fn parse_token(args: Vec<String>) -> Result<TokenArgs, Error> {
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
                return Err(Error::UnknownOption {
                    option: Shown::of(other),
                });
            }
        }
    }
    if out.raw.get("private-key").is_none() && out.raw.get("kms-key").is_none() {
        return Err(Error::MissingKeyFile);
    }
    Ok(out)
}

/// The one line on stdout: the token, or JSON made inert for a log that shows it.
fn print(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn print_json(value: &serde_json::Value) {
    print(&report::text::inert_json(&value.to_string()));
}

/// `app-token-action token ...`.
pub fn token(args: Vec<String>) -> Result<(), Error> {
    let parsed = parse_token(args)?;
    let cfg = Config::new(&parsed.raw, &Context::from_env())?;
    if cfg.check {
        let checked = flow::check(&cfg)?;
        report::note(&flow::check_summary(&checked));
        if parsed.json {
            print_json(&json!({
                "installation_id": checked.installation.id,
                "app_slug": checked.app.slug,
                "app_id": checked.app.id,
                "permissions": checked.installation.permissions,
            }));
        }
        return Ok(());
    }
    if !matches!(cfg.installations, Installations::One(_)) {
        return token_many(&cfg, parsed.json);
    }
    // Nothing can fail between the mint and printing the token.
    let created = flow::create(&cfg, &mut |_| Ok(()))?;
    report::note(&flow::summary(&created));
    if let Some(notice) = flow::guard_notice(&cfg) {
        report::note(&notice);
    }
    if parsed.json {
        print_json(&json!({
            "token": created.token.token,
            "expires_at": created.token.expires_at,
            "installation_id": created.installation_id,
            "app_slug": created.app_slug(),
            "permissions": created.token.permissions,
        }));
    } else {
        print(&created.token.token);
    }
    Ok(())
}

/// `token --owners ...`: a JSON object, login → token (with `--json`, login → the
/// token's details). All or nothing, as in the action.
fn token_many(cfg: &Config, json: bool) -> Result<(), Error> {
    let owned = flow::create_many(cfg, &|_| Ok(()))?;
    for o in &owned {
        report::note(&flow::summary(&o.created));
    }
    if let Some(notice) = flow::guard_notice(cfg) {
        report::note(&notice);
    }
    let object: serde_json::Map<String, serde_json::Value> = owned
        .iter()
        .map(|o| {
            let c = &o.created;
            let value = if json {
                json!({
                    "token": c.token.token,
                    "expires_at": c.token.expires_at,
                    "installation_id": c.installation_id,
                    "app_slug": c.app_slug(),
                    "permissions": c.token.permissions,
                })
            } else {
                json!(c.token.token)
            };
            (o.login.clone(), value)
        })
        .collect();
    print_json(&serde_json::Value::Object(object));
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
    // Only a token's shape can go into a header: nothing else is sent.
    token::check_shape(token).map_err(|problem| Error::InvalidToken { problem })?;
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
        assert_eq!(p.raw.get("client-id"), Some("Iv1"));
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
