//! The GitHub Action's two stages: main mints and hands the token on; post
//! revokes it when the job ends.

use crate::config::{self, Config, Context};
use crate::error::Error;
use crate::flow;
use crate::http::Client;
use crate::inputs::Inputs;
use crate::outputs;
use crate::report;
use crate::token::{self, Revoked};

/// State names shared by main and post (`STATE_<name>` in post).
pub const STATE_TOKEN: &str = "token";
/// The token's expiry, ISO-8601.
pub const STATE_EXPIRES_AT: &str = "expires_at";
/// Seconds to add to the runner's clock to get GitHub's, as main measured it.
pub const STATE_CLOCK_OFFSET: &str = "clock_offset";

/// Every output the action writes.
pub const OUTPUTS: &[&str] = &[
    "token",
    "installation-id",
    "app-slug",
    "expires-at",
    "bot-name",
    "bot-user-id",
    "bot-email",
];

/// The main stage: inputs from `INPUT_*`, outputs to `$GITHUB_OUTPUT`.
pub fn main_stage() -> Result<(), Error> {
    let inputs = Inputs::from_env()?;
    inputs.mask_secrets();
    let cfg = Config::new(&inputs.raw(), &Context::from_env())?;
    if cfg.check {
        let checked = flow::check(&cfg)?;
        outputs::append(
            "GITHUB_OUTPUT",
            &[
                ("installation-id", &checked.installation.id.to_string()),
                ("app-slug", &checked.app.slug),
                ("bot-name", &flow::Bot::of(&checked.app.slug).name),
            ],
        )?;
        report::info(&flow::check_summary(&checked));
        return Ok(());
    }

    let created = flow::create(&cfg)?;
    let t = &created.token;
    let id = created.installation.id.to_string();
    let slug = created.installation.app_slug.clone().unwrap_or_default();
    let bot = created.bot.as_ref();
    let bot_name = bot.map(|b| b.name.clone()).unwrap_or_default();
    let bot_id = bot
        .and_then(|b| b.user_id)
        .map(|i| i.to_string())
        .unwrap_or_default();
    let bot_email = bot.and_then(flow::Bot::email).unwrap_or_default();
    // State first: if the outputs cannot be written, post still revokes the token.
    if cfg.skip_token_revoke {
        report::info("skip-token-revoke is set: the token will not be revoked when the job ends.");
    } else {
        outputs::append(
            "GITHUB_STATE",
            &[
                (STATE_TOKEN, &t.token),
                (STATE_EXPIRES_AT, &t.expires_at),
                (STATE_CLOCK_OFFSET, &created.clock_offset.to_string()),
            ],
        )?;
    }
    outputs::append(
        "GITHUB_OUTPUT",
        &[
            ("token", &t.token),
            ("installation-id", &id),
            ("app-slug", &slug),
            ("expires-at", &t.expires_at),
            ("bot-name", &bot_name),
            ("bot-user-id", &bot_id),
            ("bot-email", &bot_email),
        ],
    )?;
    report::info(&flow::summary(&created));
    Ok(())
}

/// The post stage: revokes the token saved by main. Never fails the job.
pub fn post_stage() {
    let state = |k: &str| {
        std::env::var(format!("STATE_{k}"))
            .ok()
            .filter(|v| !v.trim().is_empty())
    };
    let inputs = Inputs::from_env().ok();
    if let Some(i) = &inputs {
        i.mask_secrets();
    }
    let get = |name: &str| inputs.as_ref().and_then(|i| i.get(name));
    if matches!(
        config::boolean("skip-token-revoke", &get("skip-token-revoke")),
        Ok(true)
    ) {
        report::info("Token revocation skipped (skip-token-revoke is true).");
        return;
    }
    let Some(token) = state(STATE_TOKEN) else {
        report::info("No token to revoke: the main step did not create one.");
        return;
    };
    report::add_mask(&token);
    // The expiry is GitHub's time: compare it with GitHub's clock.
    let offset: i64 = state(STATE_CLOCK_OFFSET)
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    if let Some(expiry) = state(STATE_EXPIRES_AT)
        && crate::time::parse_iso8601(&expiry).is_some_and(|t| t <= crate::time::now() + offset)
    {
        report::info(&format!(
            "The token already expired at {expiry}; nothing to revoke."
        ));
        return;
    }
    let result = config::api_url(get("github-api-url").as_deref(), &Context::from_env())
        .and_then(|url| Client::new(&url, get("ca-certificates").as_deref()))
        .and_then(|client| token::revoke(&client, &token));
    match result {
        Ok(Revoked::Done) => report::info("Token revoked"),
        Ok(Revoked::AlreadyInvalid) => report::notice(
            "The token was already invalid when the job ended (revoked or expired elsewhere); nothing to revoke.",
        ),
        Err(e) => report::warning(
            "Token not revoked",
            &format!("{e} The token stays valid until it expires (at most one hour)."),
        ),
    }
}
