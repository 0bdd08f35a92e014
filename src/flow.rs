//! The path a request travels, shared by the action and the CLI:
//! config → key → JWT → installation → token (→ bot identity).

use crate::config::{Config, Target};
use crate::error::Error;
use crate::github;
use crate::http::Client;
use crate::installation::{self, Installation};
use crate::jwt::AppJwt;
use crate::key;
use crate::report;
use crate::token::{self, Scope, Token, describe_permissions};

/// The bot user behind the app.
#[derive(Debug, Clone)]
pub struct Bot {
    /// `<slug>[bot]`.
    pub name: String,
    /// The bot user's id (not the app id), when looked up.
    pub user_id: Option<u64>,
}

impl Bot {
    /// The app `slug`'s bot, its user id not yet looked up.
    pub fn of(slug: &str) -> Bot {
        Bot {
            name: format!("{slug}[bot]"),
            user_id: None,
        }
    }

    /// `<id>+<slug>[bot]@users.noreply.github.com`, GitHub's commit e-mail for the bot.
    pub fn email(&self) -> Option<String> {
        self.user_id
            .map(|id| format!("{id}+{}@users.noreply.github.com", self.name))
    }
}

/// A minted token with its context.
#[derive(Debug)]
pub struct Created {
    /// The token.
    pub token: Token,
    /// Where it came from.
    pub installation: Installation,
    /// The bot identity, when the slug is known.
    pub bot: Option<Bot>,
    /// Seconds to add to this machine's clock to get GitHub's (0 unless corrected).
    pub clock_offset: i64,
}

/// Checks the key and connects: everything before the first request.
pub fn prepare(cfg: &Config) -> Result<(AppJwt, Client), Error> {
    let key = key::parse(&cfg.private_key)?;
    let jwt = AppJwt::new(&cfg.issuer, &key);
    let client = Client::new(&cfg.api_url, cfg.ca_certificates.as_deref())?;
    for name in &cfg.unknown_permissions {
        report::warning(
            "Unknown permission",
            &format!(
                "`{name}` is not in this version's list of GitHub App permissions; it is sent as given (GitHub adds permissions over time). If GitHub refuses it, check the name against GitHub's documentation."
            ),
        );
    }
    Ok((jwt, client))
}

/// Mints the token. Masks it before anything else is printed.
pub fn create(cfg: &Config) -> Result<Created, Error> {
    let (jwt, client) = prepare(cfg)?;
    let installation = installation::find(&client, &jwt, &cfg.target, &cfg.server_url)?;
    let scope = Scope {
        repositories: &cfg.repositories,
        permissions: &cfg.permissions,
    };
    let token = token::mint(&client, &jwt, installation.id, &scope, cfg.token_format)?;
    report::add_mask(&token.token);

    let bot = installation.app_slug.as_deref().map(Bot::of);
    let bot = match (bot, cfg.bot_identity) {
        (Some(mut bot), true) => {
            let slug = installation.app_slug.as_deref().unwrap_or_default();
            match github::bot_user_id(&client, &token.token, slug) {
                Ok(id) => bot.user_id = Some(id),
                Err(e) => report::warning(
                    "Bot identity not found",
                    &format!(
                        "The token was created, but the bot user's id could not be read, so bot-user-id and bot-email are empty: {e}"
                    ),
                ),
            }
            Some(bot)
        }
        (None, true) => {
            report::warning(
                "Bot identity unknown",
                "With `installation-id` the app's slug is not looked up, so bot-name, bot-user-id and bot-email are empty. Use `owner` or `repositories` instead to get them.",
            );
            None
        }
        (bot, false) => bot,
    };
    Ok(Created {
        token,
        installation,
        bot,
        clock_offset: jwt.offset(),
    })
}

/// One line saying what was created.
pub fn summary(c: &Created) -> String {
    // The expiry is GitHub's time: compare it with GitHub's clock.
    let now = crate::time::now() + c.clock_offset;
    let scope = match (
        &c.token.repository_selection,
        c.token.repositories.is_empty(),
    ) {
        (_, false) => format!(
            "repositories {}",
            c.token
                .repositories
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Some(s), true) if s == "selected" => "the installation's selected repositories".into(),
        _ => "all of the installation's repositories".into(),
    };
    let perms = if c.token.permissions.is_empty() {
        "the installation's permissions".to_string()
    } else {
        describe_permissions(&c.token.permissions)
    };
    let expiry = match crate::time::parse_iso8601(&c.token.expires_at) {
        Some(t) => format!("{} (in {} min)", c.token.expires_at, (t - now).max(0) / 60),
        None => c.token.expires_at.clone(),
    };
    format!(
        "Created an installation token for {}, installation {}: {scope}; permissions {perms}; expires {expiry}.",
        c.installation.describe(),
        c.installation.id
    )
}

/// What `check` found.
pub struct Checked {
    /// The app.
    pub app: github::App,
    /// The installation.
    pub installation: Installation,
}

/// Validates id, key and installation without minting.
pub fn check(cfg: &Config) -> Result<Checked, Error> {
    let (jwt, client) = prepare(cfg)?;
    let app = github::app(&client, &jwt)?;
    let mut installation = match cfg.target {
        Target::Id(id) => installation::by_id(&client, &jwt, id)?,
        ref target => installation::find(&client, &jwt, target, &cfg.server_url)?,
    };
    installation
        .app_slug
        .get_or_insert_with(|| app.slug.clone());
    Ok(Checked { app, installation })
}

/// One line saying what `check` proved.
pub fn check_summary(c: &Checked) -> String {
    let perms = if c.installation.permissions.is_empty() {
        "none listed".to_string()
    } else {
        describe_permissions(&c.installation.permissions)
    };
    format!(
        "Check passed: the key signs for app {} (id {}), installed on {} as installation {} with repository selection {} and permissions {perms}. No token was created.",
        c.app.slug,
        c.app.id,
        c.installation.describe(),
        c.installation.id,
        c.installation
            .repository_selection
            .as_deref()
            .unwrap_or("unknown"),
    )
}
