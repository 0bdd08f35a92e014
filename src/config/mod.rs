//! The validated request: which app, which installation, what scope.
//!
//! Action inputs and CLI flags both arrive here as one [`Raw`] (the table in
//! `inputs`); every check happens before any request is made.

mod connection;
mod context;
mod key_source;
mod names;
mod permissions;
mod repositories;
mod target;
mod values;

use std::collections::BTreeMap;

use crate::guard::{self, ForkPolicy};
use crate::inputs::error::{InputError, NameRule};
use crate::inputs::{self, Raw};

pub use connection::Connection;
pub use context::Context;
pub use key_source::KeySource;
pub use repositories::MAX_REPOSITORIES;
pub use target::{Installations, Target};
pub use values::{TokenFormat, boolean};

/// Everything needed to mint, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The JWT `iss`: client ID or app ID, as given.
    pub issuer: String,
    /// The key that signs.
    pub key: KeySource,
    /// How to find the installation.
    pub installations: Installations,
    /// Bare repository names to scope the token to (empty: all).
    pub repositories: Vec<String>,
    /// Permissions to narrow the token to (empty: all the installation has).
    pub permissions: BTreeMap<String, String>,
    /// Names sent although not in the known list.
    pub unknown_permissions: Vec<String>,
    /// Do not revoke in the post stage.
    pub skip_token_revoke: bool,
    /// The API and how to reach it.
    pub connection: Connection,
    /// The web root, for settings links.
    pub server_url: String,
    /// Look up the bot user's id.
    pub bot_identity: bool,
    /// Validate only; mint nothing.
    pub check: bool,
    /// The token format to force; `None`: GitHub's rollout.
    pub token_format: Option<TokenFormat>,
    /// What the guardrails said of this run.
    pub guard: guard::Verdict,
}

impl Config {
    /// Checks `raw` against the rules of each input.
    pub fn new(raw: &Raw, ctx: &Context) -> Result<Config, InputError> {
        refuse_secrets(raw)?;
        let guard = guard::check(
            &ctx.pull_request,
            ForkPolicy::parse(raw.get("fork-pull-requests"))?,
            boolean("require-permissions", raw)?,
            raw.permissions.len(),
            ctx.event_name.as_deref(),
        )?;
        let (input, issuer) = match (raw.get("client-id"), raw.get("app-id")) {
            (Some(id), _) => ("client-id", id),
            (None, Some(id)) => ("app-id", id),
            (None, None) => return Err(InputError::MissingAppId),
        };
        // GitHub would answer "Integration must generate a public key"; say why first,
        // before a secret travels anywhere.
        if issuer.len() == 40 && issuer.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InputError::IdLooksLikeSecret);
        }
        let issuer = names::name(input, issuer, NameRule::AppId)?;
        let key = KeySource::of(raw, ctx)?;
        let skip_token_revoke = boolean("skip-token-revoke", raw)?;
        let bot_identity = boolean("bot-identity", raw)?;
        let check = boolean("check", raw)?;
        let token_format = TokenFormat::parse(raw.get("token-format"))?;
        let connection =
            Connection::new(raw.get("github-api-url"), raw.get("ca-certificates"), ctx)?;
        let server_url = connection::server_url(&connection.api_url, ctx);
        let (permissions, unknown_permissions) = permissions::check_permissions(&raw.permissions)?;

        let (installations, repositories) = match target::several_owners(raw)? {
            Some(several) => (several, Vec::new()),
            None => {
                let (target, repositories) = target::choose_target(raw, ctx)?;
                (Installations::One(target), repositories)
            }
        };
        Ok(Config {
            issuer,
            key,
            installations,
            repositories,
            permissions,
            unknown_permissions,
            skip_token_revoke,
            connection,
            server_url,
            bot_identity,
            check,
            token_format,
            guard,
        })
    }
}

/// A key or token in any input that takes neither is refused before it can be
/// sent (as the JWT's issuer, in a path) or quoted. Only certain shapes are
/// refused here; anything else is for each input's grammar to judge.
fn refuse_secrets(raw: &Raw) -> Result<(), InputError> {
    let plain = raw
        .iter()
        .filter(|(row, _)| matches!(row.kind, inputs::Kind::Plain | inputs::Kind::Name))
        .map(|(row, v)| (row.name.to_string(), v));
    let levels = raw.permissions.iter().map(|p| {
        (
            format!("{}{}", inputs::PERMISSION_PREFIX, p.input),
            p.level.as_str(),
        )
    });
    match plain
        .chain(levels)
        .find(|(_, v)| crate::secret::is_certainly_secret(v))
    {
        Some((input, _)) => Err(InputError::SecretInInput { input }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::RawPermission;

    fn ctx() -> Context {
        Context {
            repository: Some("acme/site".into()),
            repository_owner: Some("acme".into()),
            ..Context::default()
        }
    }

    fn raw() -> Raw {
        Raw::default()
            .with("client-id", "Iv23li")
            .with("private-key", "k")
    }

    #[test]
    fn a_client_secret_is_not_an_id() {
        let mut r = raw();
        r = r.with("client-id", "0123456789abcdef0123456789abcdef01234567");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(InputError::IdLooksLikeSecret)
        ));
        r = r.with("client-id", "Iv23liAbCdEf0123456789");
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn secrets_in_other_inputs_are_refused() {
        let key = crate::fixture("app.pem");
        let mut r = raw();
        r = r.with("owner", &key);
        let err = Config::new(&r, &ctx()).unwrap_err();
        assert!(matches!(&err, InputError::SecretInInput { input } if input == "owner"));
        let mut r = raw();
        r.permissions.push(RawPermission {
            input: "contents".into(),
            name: "contents".into(),
            level: "ghs_16C7e42F292c6912E7710c838347Ae178B4a".into(),
        });
        let err = Config::new(&r, &ctx()).unwrap_err().to_string();
        assert!(
            err.contains("`permission-contents`") && !err.contains("ghs_"),
            "{err}"
        );
    }

    #[test]
    fn default_target_is_this_repository() {
        let c = Config::new(&raw(), &ctx()).unwrap();
        assert_eq!(
            c.installations,
            Installations::One(Target::Repository {
                owner: "acme".into(),
                repo: "site".into()
            })
        );
        assert_eq!(c.repositories, ["site"]);
    }

    #[test]
    fn repositories_mixed_separators_and_owner_check() {
        let mut r = raw();
        r = r.with("repositories", "repo-a, acme/repo-b\nrepo-c,,repo-a");
        let c = Config::new(&r, &ctx()).unwrap();
        assert_eq!(c.repositories, ["repo-a", "repo-b", "repo-c"]);
        r = r.with("repositories", "other/repo");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(InputError::RepositoryOwnerMismatch { .. })
        ));
        r = r.with("owner", "other");
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn owner_enterprise_and_id_are_checked_before_any_request() {
        let cases: [(&str, &str, &str); 7] = [
            ("owner", "acme/../x", "owner"),
            ("owner", "a".repeat(40).leak(), "owner"),
            ("owner", "ac.me", "owner"),
            ("enterprise", "big/corp", "enterprise"),
            ("client-id", "Iv23li\nx", "client-id"),
            ("client-id", "Iv23 li", "client-id"),
            ("app-id", "12/34", "app-id"),
        ];
        for (field, value, named) in cases {
            let mut r = raw();
            match field {
                "owner" => r = r.with("owner", value),
                "enterprise" => r = r.with("enterprise", value),
                "client-id" => r = r.with("client-id", value),
                _ => {
                    r = r.with("client-id", "");
                    r = r.with("app-id", value);
                }
            }
            let err = Config::new(&r, &ctx()).unwrap_err();
            assert!(
                matches!(err, InputError::InvalidName { input, .. } if input == named),
                "{value:?}: {err}"
            );
        }
        // Legacy logins keep hyphens today's sign-up refuses.
        for (owner, enterprise) in [
            ("octocat", "big-corp"),
            ("octo-cat_acme", "x1"),
            ("-ACE-", "a"),
            ("gil--", "b"),
            ("0----0", "c"),
        ] {
            let mut r = raw();
            r = r.with("owner", owner);
            assert!(Config::new(&r, &ctx()).is_ok(), "{owner}");
            let mut r = raw();
            r = r.with("enterprise", enterprise);
            assert!(Config::new(&r, &ctx()).is_ok(), "{enterprise}");
        }
        let mut r = raw();
        r = r.with("client-id", "Iv1.0123456789abcdef");
        assert!(Config::new(&r, &ctx()).is_ok());
    }

    #[test]
    fn too_many_repositories() {
        let mut r = raw();
        r = r.with(
            "repositories",
            &(0..501).map(|i| format!("r{i}\n")).collect::<String>(),
        );
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(InputError::TooManyRepositories { count: 501 })
        ));
    }

    #[test]
    fn enterprise_excludes_owner_and_repositories() {
        let mut r = raw();
        r = r.with("enterprise", "big");
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().installations,
            Installations::One(Target::Enterprise("big".into()))
        );
        r = r.with("owner", "acme");
        assert!(Config::new(&r, &ctx()).is_err());
    }

    #[test]
    fn missing_context_is_named() {
        let err = Config::new(&raw(), &Context::default()).unwrap_err();
        assert!(err.to_string().starts_with("GITHUB_REPOSITORY is not set"));
    }

    #[test]
    fn owners_are_logins_or_every_installation() {
        let r = raw().with("owners", "acme, Octo-Cat\nacme,,gil--");
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().installations,
            Installations::Owners(vec!["acme".into(), "Octo-Cat".into(), "gil--".into()])
        );
        let r = raw().with("owners", "*");
        assert_eq!(
            Config::new(&r, &ctx()).unwrap().installations,
            Installations::Every
        );
        let r = raw().with("owners", " , ,");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(InputError::InvalidName {
                input: "owners",
                ..
            })
        ));
        let r = raw().with("owners", "acme, a/b");
        assert!(matches!(
            Config::new(&r, &ctx()),
            Err(InputError::InvalidName {
                input: "owners",
                ..
            })
        ));
        for other in ["owner", "repositories", "enterprise", "installation-id"] {
            let r = raw().with("owners", "acme").with(other, "1");
            assert!(
                matches!(Config::new(&r, &ctx()), Err(InputError::OwnersConflict { other: o }) if o == other),
                "{other}"
            );
        }
    }
}
