//! The GitHub Action's two stages: main mints and hands the token on; post
//! revokes it when the job ends.

use crate::config::{self, Config, Connection, Context};
use crate::error::{Error, Fate, Note};
use crate::flow;
use crate::inputs::{self, Inputs};
use crate::outputs;
use crate::report;
use crate::time::GithubClock;
use crate::token::{self, Arrived, Revoked};

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
    "tokens",
    "installation-ids",
];

/// The main stage: inputs from `INPUT_*`, outputs to `$GITHUB_OUTPUT`.
pub fn main_stage() -> Result<(), Error> {
    let raw = Inputs::from_env()?.raw();
    inputs::mask_secrets(&raw);
    let cfg = Config::new(&raw, &Context::from_env())?;
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
        report::note(&flow::check_summary(&checked));
        return Ok(());
    }

    // The token is saved for post the moment it arrives, before anything else
    // can fail; a failure after that revokes it at once (`token::mint`).
    let mut saved = false;
    let created = flow::create(&cfg, &mut |arrived| {
        if cfg.skip_token_revoke {
            report::note(&Note::RevocationOff);
        } else {
            save_state(arrived)?;
            saved = true;
        }
        Ok(())
    })?;
    write_outputs(&created).map_err(|cause| revoke_now(&cfg, &created, cause, saved))?;
    report::note(&flow::summary(&created));
    if let Some(notice) = flow::guard_notice(&cfg) {
        report::note(&notice);
    }
    Ok(())
}

/// Saves a token for post: the token, its expiry when readable, GitHub's clock.
fn save_state(t: &Arrived) -> Result<(), Error> {
    let offset = t.clock_offset.to_string();
    let mut state = vec![
        (STATE_TOKEN, t.token),
        (STATE_CLOCK_OFFSET, offset.as_str()),
    ];
    if let Some(at) = t.expires_at {
        state.push((STATE_EXPIRES_AT, at));
    }
    outputs::append("GITHUB_STATE", &state)
}

/// The step outputs of a created token.
fn write_outputs(created: &flow::Created) -> Result<(), Error> {
    let t = &created.token;
    let id = created.installation_id.to_string();
    let slug = created.app_slug().unwrap_or_default();
    let bot = created.bot.as_ref();
    let bot_name = bot.map(|b| b.name.clone()).unwrap_or_default();
    let bot_id = bot
        .and_then(|b| b.user_id)
        .map(|i| i.to_string())
        .unwrap_or_default();
    let bot_email = bot.and_then(flow::Bot::email).unwrap_or_default();
    outputs::append(
        "GITHUB_OUTPUT",
        &[
            ("token", &t.token),
            ("installation-id", &id),
            ("app-slug", slug),
            ("expires-at", &t.expires_at),
            ("bot-name", &bot_name),
            ("bot-user-id", &bot_id),
            ("bot-email", &bot_email),
        ],
    )
}

/// `cause` stopped main after the token was created: revokes it at once; if
/// that fails and it is saved, post revokes it.
fn revoke_now(cfg: &Config, created: &flow::Created, cause: Error, saved: bool) -> Error {
    let clock = GithubClock::with_offset(created.clock_offset);
    let revoked = token::revoke_with(&cfg.connection, clock, &created.token.token, true);
    let fate = match Fate::of(revoked) {
        Fate::NotRevoked(_) if saved => Fate::LeftToPost,
        fate => fate,
    };
    Error::AfterMint {
        cause: Box::new(cause),
        fate,
    }
}

/// The post stage: revokes the token saved by main. Never fails the job.
pub fn post_stage() {
    let state = |k: &str| {
        std::env::var(format!("STATE_{k}"))
            .ok()
            .filter(|v| !v.trim().is_empty())
    };
    // Main's reader: two spellings with different values leave post nothing to read.
    let raw = Inputs::from_env().map(|i| i.raw()).unwrap_or_default();
    inputs::mask_secrets(&raw);
    if matches!(config::boolean("skip-token-revoke", &raw), Ok(true)) {
        report::note(&Note::RevocationSkipped);
        return;
    }
    let Some(token) = state(STATE_TOKEN) else {
        report::note(&Note::NothingToRevoke);
        return;
    };
    report::add_mask(&token);
    // The expiry is GitHub's time: compare it with GitHub's clock.
    let offset: i64 = state(STATE_CLOCK_OFFSET)
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let clock = GithubClock::with_offset(offset);
    // Main saves only a printable-ASCII expiry; anything else is no date to read.
    let expiry = state(STATE_EXPIRES_AT).filter(|e| e.bytes().all(|b| b.is_ascii_graphic()));
    let expires = expiry.as_deref().and_then(crate::time::parse_iso8601);
    if let (Some(at), Some(t)) = (expiry, expires)
        && t <= clock.now()
    {
        report::note(&Note::AlreadyExpired { at });
        return;
    }
    // Replication lag concerns a token seconds old; one of unknown age may be.
    let fresh = expires.is_none_or(|t| token::is_fresh(t, clock.now()));
    let result = Connection::new(
        raw.get("github-api-url"),
        raw.get("ca-certificates"),
        &Context::from_env(),
    )
    .and_then(|connection| token::revoke_with(&connection, clock, &token, fresh));
    match result {
        Ok(Revoked::Done) => report::note(&Note::Revoked),
        Ok(Revoked::AlreadyInvalid) => report::note(&Note::AlreadyInvalidAtEnd),
        Err(e) => report::note(&Note::NotRevoked(Box::new(e))),
    }
}
