//! The GitHub Action's two stages: main mints and hands the token on; post
//! revokes it when the job ends.

use std::sync::Mutex;

use crate::concurrent;
use crate::config::{self, Config, Connection, Context, Installations};
use crate::error::{Error, Fate};
use crate::flow;
use crate::inputs::{self, Inputs};
use crate::outputs;
use crate::report;
use crate::report::Note;
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
    inputs::mask_secrets(&raw, &report::add_mask);
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

    if !matches!(cfg.installations, Installations::One(_)) {
        return main_many(&cfg);
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
    save_numbered(0, t)
}

/// The state names of the `n`th token saved: `token`, then `token_1`, `token_2`, ...
fn state_name(base: &str, n: usize) -> String {
    match n {
        0 => base.to_string(),
        n => format!("{base}_{n}"),
    }
}

/// Saves the `n`th token of a run for post.
fn save_numbered(n: usize, t: &Arrived) -> Result<(), Error> {
    let (token, expires) = (state_name(STATE_TOKEN, n), state_name(STATE_EXPIRES_AT, n));
    let offset = t.clock_offset.to_string();
    let mut state = vec![
        (token.as_str(), t.token),
        (STATE_CLOCK_OFFSET, offset.as_str()),
    ];
    if let Some(at) = t.expires_at {
        state.push((expires.as_str(), at));
    }
    Ok(outputs::append("GITHUB_STATE", &state)?)
}

/// Main with `owners`: a token per owner, each saved for post as it arrives; the
/// first owner's in `token`, all of them in `tokens`.
fn main_many(cfg: &Config) -> Result<(), Error> {
    if cfg.skip_token_revoke {
        report::note(&Note::RevocationOff);
    }
    // One writer at a time: tokens arrive on several threads.
    let saved = Mutex::new(0usize);
    let keep = |arrived: &Arrived| -> Result<(), Error> {
        if cfg.skip_token_revoke {
            return Ok(());
        }
        let mut n = saved.lock().unwrap_or_else(|e| e.into_inner());
        save_numbered(*n, arrived)?;
        *n += 1;
        Ok(())
    };
    let owned =
        flow::create_many(cfg, &keep).map_err(|e| left_to_post(e, !cfg.skip_token_revoke))?;
    write_many(&owned).map_err(|cause| revoke_all_now(cfg, &owned, cause))?;
    for o in &owned {
        report::note(&flow::summary(&o.created));
    }
    if let Some(notice) = flow::guard_notice(cfg) {
        report::note(&notice);
    }
    Ok(())
}

/// Tokens that could not be revoked at once but are saved are post's to revoke.
fn left_to_post(e: Error, saved: bool) -> Error {
    match e {
        Error::ForOwner {
            login,
            cause,
            others,
        } if saved => Error::ForOwner {
            login,
            cause,
            others: others
                .into_iter()
                .map(|f| match f {
                    Fate::NotRevoked(_) => Fate::LeftToPost,
                    f => f,
                })
                .collect(),
        },
        e => e,
    }
}

/// The step outputs of a multi-owner run.
fn write_many(owned: &[flow::Owned]) -> Result<(), Error> {
    let Some(first) = owned.first() else {
        return Ok(());
    };
    let tokens: serde_json::Map<String, serde_json::Value> = owned
        .iter()
        .map(|o| (o.login.clone(), o.created.token.token.clone().into()))
        .collect();
    let ids: serde_json::Map<String, serde_json::Value> = owned
        .iter()
        .map(|o| (o.login.clone(), o.created.installation_id.into()))
        .collect();
    write_outputs(&first.created)?;
    Ok(outputs::append(
        "GITHUB_OUTPUT",
        &[
            ("tokens", &serde_json::Value::Object(tokens).to_string()),
            (
                "installation-ids",
                &serde_json::Value::Object(ids).to_string(),
            ),
        ],
    )?)
}

/// `cause` stopped a multi-owner main after every token was created: revokes them all.
fn revoke_all_now(cfg: &Config, owned: &[flow::Owned], cause: Error) -> Error {
    let fates = concurrent::map(owned, concurrent::LIMIT, |o| {
        let clock = GithubClock::with_offset(o.created.clock_offset);
        let revoked = token::revoke_with(&cfg.connection, clock, &o.created.token.token, true);
        match Fate::of(revoked) {
            Fate::NotRevoked(_) if !cfg.skip_token_revoke => Fate::LeftToPost,
            fate => fate,
        }
    });
    Error::AfterMintAll {
        cause: Box::new(cause),
        fates,
    }
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
    Ok(outputs::append(
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
    )?)
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

/// The post stage: revokes every token main saved. Never fails the job.
pub fn post_stage() {
    // Main's reader: two spellings with different values leave post nothing to read.
    let raw = Inputs::from_env().map(|i| i.raw()).unwrap_or_default();
    inputs::mask_secrets(&raw, &report::add_mask);
    if matches!(config::boolean("skip-token-revoke", &raw), Ok(true)) {
        report::note(&Note::RevocationSkipped);
        return;
    }
    let saved = saved_tokens();
    if saved.is_empty() {
        report::note(&Note::NothingToRevoke);
        return;
    }
    for (token, _) in &saved {
        report::add_mask(token);
    }
    // The expiry is GitHub's time: compare it with GitHub's clock.
    let offset: i64 = state(STATE_CLOCK_OFFSET)
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let connection = match Connection::new(
        raw.get("github-api-url"),
        raw.get("ca-certificates"),
        &Context::from_env(),
    ) {
        Ok(c) => c,
        Err(e) => return report::note(&Note::NotRevoked(Box::new(e.into()))),
    };
    let notes = concurrent::map(&saved, concurrent::LIMIT, |(token, expiry)| {
        revoke_saved(&connection, offset, token, expiry.clone())
    });
    for note in notes {
        report::note(&note);
    }
}

/// A value main saved, if set and not blank.
fn state(name: &str) -> Option<String> {
    crate::env::var(&format!("STATE_{name}"))
}

/// The tokens main saved (`token`, `token_1`, ...) with their expiry. Main saves
/// only a printable-ASCII expiry; anything else is no date to read.
fn saved_tokens() -> Vec<(String, Option<String>)> {
    (0..)
        .map_while(|n| {
            let token = state(&state_name(STATE_TOKEN, n))?;
            let expiry = state(&state_name(STATE_EXPIRES_AT, n))
                .filter(|e| e.bytes().all(|b| b.is_ascii_graphic()));
            Some((token, expiry))
        })
        .collect()
}

/// Revokes one saved token, unless it has expired; the line to print.
fn revoke_saved(connection: &Connection, offset: i64, token: &str, expiry: Option<String>) -> Note {
    let clock = GithubClock::with_offset(offset);
    let expires = expiry.as_deref().and_then(crate::time::parse_iso8601);
    if let (Some(at), Some(t)) = (expiry, expires)
        && t <= clock.now()
    {
        return Note::AlreadyExpired { at };
    }
    // Replication lag concerns a token seconds old; one of unknown age may be.
    let fresh = expires.is_none_or(|t| token::is_fresh(t, clock.now()));
    match token::revoke_with(connection, clock, token, fresh) {
        Ok(Revoked::Done) => Note::Revoked,
        Ok(Revoked::AlreadyInvalid) => Note::AlreadyInvalidAtEnd,
        Err(e) => Note::NotRevoked(Box::new(e)),
    }
}
