//! The command line, for people and other CI systems: the same path as the
//! action, with the token on stdout and everything else on stderr.

use std::io::Write;

use serde_json::json;

pub mod args;

use args::UsageError;

use crate::config::{Config, Connection, Context, Installations};
use crate::error::Error;
use crate::flow;
use crate::inputs;
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

/// The one line on stdout: the token, or JSON made inert for a log that shows it.
fn print(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn print_json(value: &serde_json::Value) {
    print(&report::text::inert_json(&value.to_string()));
}

/// `app-token-action token ...`.
pub fn token(args: Vec<String>) -> Result<(), Error> {
    let parsed = args::parse_token(args)?;
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
    let (api_url, ca) = args::parse_revoke(args)?;
    let token = args::read_token()?;
    // Only a token's shape can go into a header: nothing else is sent.
    token::check_shape(&token).map_err(|problem| UsageError::InvalidToken { problem })?;
    let connection = Connection::new(api_url.as_deref(), ca.as_deref(), &Context::from_env())?;
    // The token's age is unknown here: allow the retry for a fresh one.
    match token::revoke_with(&connection, GithubClock::default(), &token, true)? {
        Revoked::Done => report::note(&Note::Revoked),
        Revoked::AlreadyInvalid => report::note(&Note::AlreadyInvalid),
    }
    Ok(())
}
