//! The path a request travels, shared by the action and the CLI:
//! config → key → JWT → installation → token (→ bot identity).

use crate::concurrent;
use crate::config::{Config, Installations, KeySource, Target};
use crate::error::{Error, Fate};
use crate::github::{self, GitHub};
use crate::inputs::error::InputError;
use crate::installation::{self, Installation};
use crate::jwt::{self, AppJwt, Signer};
use crate::key::{self, PrivateKey};
use crate::kms::backend::Settings;
use crate::kms::spki;
use crate::remote::{self, Services};
use crate::report;
use crate::report::{Coverage, Note};
use crate::time::GithubClock;
use crate::token::{self, Arrived, Keep, Scope, Token};
use crate::transport::Transport;

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
    pub token: Token,
    /// The installation id the token is for.
    pub installation_id: u64,
    /// The installation as the lookup described it; `None` when the id was given.
    pub installation: Option<Installation>,
    /// The bot identity, when the slug is known.
    pub bot: Option<Bot>,
    /// Seconds to add to this machine's clock to get GitHub's (0 unless corrected).
    pub clock_offset: i64,
}

impl Created {
    /// The app's slug, when the lookup named it.
    pub fn app_slug(&self) -> Option<&str> {
        self.installation.as_ref()?.app_slug.as_deref()
    }
}

/// The key as `prepare` leaves it: a local key checked, or a key service's
/// settings, resolved once the transport exists. Made once per run: its size is no cost.
#[allow(clippy::large_enum_variant)]
enum Key<'c> {
    Local(PrivateKey),
    Service(&'c Settings),
}

/// Checks the local key and sets up the network: everything before the first request.
fn prepare(cfg: &Config) -> Result<(Key<'_>, Transport), Error> {
    let key = match &cfg.key {
        KeySource::Local(pem) => Key::Local(key::parse(pem)?),
        KeySource::Service(settings) => Key::Service(settings),
    };
    let transport = Transport::new(cfg.connection.ca_certificates.as_deref())?;
    for name in &cfg.unknown_permissions {
        report::note(&Note::UnknownPermission { name: name.clone() });
    }
    Ok((key, transport))
}

/// The signer of the app's JWTs: the local key, or the key service's key opened
/// (credentials exchanged, public key checked); its fingerprint logged.
fn signer<'s>(
    key: Key<'_>,
    services: &'s Services<'_>,
) -> Result<Box<dyn Signer<Error = Error> + 's>, Error> {
    let (signer, service): (Box<dyn Signer<Error = Error> + 's>, _) = match key {
        Key::Local(key) => (Box::new(jwt::Converted::<_, Error>::new(key)), None),
        Key::Service(settings) => {
            let key = remote::open(settings, services)?;
            let name = key.name();
            (Box::new(key), Some(name))
        }
    };
    report::note(&Note::Signing {
        service,
        fingerprint: spki::fingerprint(signer.public_key_der()),
    });
    Ok(signer)
}

/// The one installation `cfg` is for; several owners take [`create_many`].
fn one(cfg: &Config) -> Result<&Target, Error> {
    match &cfg.installations {
        Installations::One(target) => Ok(target),
        Installations::Owners(_) | Installations::Every => {
            Err(InputError::OneInstallationOnly.into())
        }
    }
}

/// Mints the token. It is masked the moment it arrives and handed to `keep`
/// (which saves it for revocation) before anything else can fail.
pub fn create(cfg: &Config, keep: &mut Keep<'_>) -> Result<Created, Error> {
    let (key, transport) = prepare(cfg)?;
    let github = GitHub::new(&transport, &cfg.connection.api_url, GithubClock::default())?;
    let services = Services::new(&transport);
    let key = signer(key, &services)?;
    let jwt = AppJwt::new(&cfg.issuer, key.as_ref());
    let target = one(cfg)?;
    // An explicit id needs no lookup: one request fewer, nothing known about it.
    let installation = match target {
        Target::Id(id) => Found::Id(*id),
        target => Found::Known(installation::find(&github, &jwt, target, &cfg.server_url)?),
    };
    let scope = Scope {
        repositories: &cfg.repositories,
        permissions: &cfg.permissions,
    };
    mint_for(&github, &jwt, cfg, &scope, installation, keep)
}

/// An installation to mint for: only its id, or as a lookup or listing described it.
enum Found {
    Id(u64),
    Known(Installation),
}

/// Mints for `found` and looks up the bot identity when asked.
fn mint_for(
    github: &GitHub,
    jwt: &AppJwt<Error>,
    cfg: &Config,
    scope: &Scope,
    found: Found,
    keep: &mut Keep<'_>,
) -> Result<Created, Error> {
    let (installation_id, installation) = match found {
        Found::Id(id) => (id, None),
        Found::Known(i) => (i.id, Some(i)),
    };
    let token = token::mint(github, jwt, installation_id, scope, cfg.token_format, keep)?;
    let slug = installation.as_ref().and_then(|i| i.app_slug.as_deref());
    let bot = match (slug, cfg.bot_identity) {
        (Some(slug), true) => {
            let mut bot = Bot::of(slug);
            match github::bot_user_id(github, &token.token, slug) {
                Ok(id) => bot.user_id = Some(id),
                Err(e) => report::note(&Note::BotIdNotFound(Box::new(e))),
            }
            Some(bot)
        }
        (None, true) => {
            report::note(&Note::BotIdentityUnknown);
            None
        }
        (slug, false) => slug.map(Bot::of),
    };
    Ok(Created {
        token,
        installation_id,
        installation,
        bot,
        clock_offset: github.clock().offset(),
    })
}

/// What saves each arrived token of a multi-owner run; called from several threads.
pub type SharedKeep<'k> = dyn Fn(&Arrived) -> Result<(), Error> + Sync + 'k;

/// One owner's token in a multi-owner run.
#[derive(Debug)]
pub struct Owned {
    /// The account, as given in `owners` or as GitHub lists it.
    pub login: String,
    /// Its token.
    pub created: Created,
}

/// The installations of a multi-owner run, each with its account's login.
fn owners(
    cfg: &Config,
    github: &GitHub,
    jwt: &AppJwt<Error>,
) -> Result<Vec<(String, Target, Option<Installation>)>, Error> {
    match &cfg.installations {
        Installations::Owners(logins) => Ok(logins
            .iter()
            .map(|l| (l.clone(), Target::Account(l.clone()), None))
            .collect()),
        Installations::Every => {
            let all = installation::every(github, jwt)?;
            if all.is_empty() {
                return Err(InputError::NoInstallations.into());
            }
            Ok(all
                .into_iter()
                .map(|i| {
                    let login = i.account.login.clone().or_else(|| i.account.slug.clone());
                    let login = login.unwrap_or_else(|| format!("installation {}", i.id));
                    (login, Target::Id(i.id), Some(i))
                })
                .collect())
        }
        Installations::One(_) => Err(InputError::OneInstallationOnly.into()),
    }
}

/// A token for each owner `cfg` names, minted concurrently (a few at a time), each
/// masked and handed to `keep` on arrival. All or nothing: if one owner fails, the
/// tokens minted for the others are revoked at once and the error names that owner.
pub fn create_many(cfg: &Config, keep: &SharedKeep<'_>) -> Result<Vec<Owned>, Error> {
    let (key, transport) = prepare(cfg)?;
    let github = GitHub::new(&transport, &cfg.connection.api_url, GithubClock::default())?;
    let services = Services::new(&transport);
    let key = signer(key, &services)?;
    let jwt = AppJwt::new(&cfg.issuer, key.as_ref());
    let scope = Scope {
        repositories: &[],
        permissions: &cfg.permissions,
    };
    let work = owners(cfg, &github, &jwt)?;
    let results = concurrent::map(&work, concurrent::LIMIT, |(_, target, known)| {
        let found = match known {
            Some(i) => Found::Known(i.clone()),
            None => Found::Known(installation::find(&github, &jwt, target, &cfg.server_url)?),
        };
        mint_for(&github, &jwt, cfg, &scope, found, &mut |a| keep(a))
    });
    let mut owned = Vec::new();
    let mut first_failure = None;
    for ((login, _, _), result) in work.into_iter().zip(results) {
        match result {
            Ok(created) => owned.push(Owned { login, created }),
            Err(e) => first_failure = first_failure.or(Some((login, e))),
        }
    }
    match first_failure {
        Some((login, cause)) => Err(revoke_others(&github, owned, login, cause)),
        None => Ok(owned),
    }
}

/// All or nothing: `login` failed with `cause`; the others' tokens are revoked at once.
fn revoke_others(github: &GitHub, owned: Vec<Owned>, login: String, cause: Error) -> Error {
    let others = concurrent::map(&owned, concurrent::LIMIT, |o| {
        Fate::of(token::revoke(github, &o.created.token.token, true))
    });
    Error::ForOwner {
        login,
        cause: Box::new(cause),
        others,
    }
}

/// What was created, as one line.
pub fn summary(c: &Created) -> Note {
    // The expiry is GitHub's time: compare it with GitHub's clock.
    let now = GithubClock::with_offset(c.clock_offset).now();
    Note::Created {
        account: c.installation.as_ref().and_then(Installation::account_name),
        id: c.installation_id,
        coverage: Coverage {
            repositories: c
                .token
                .repositories
                .iter()
                .map(|r| r.name.clone())
                .collect(),
            selection: c.token.repository_selection.clone(),
            permissions: c.token.permissions.clone(),
        },
        expires_at: c.token.expires_at.clone(),
        minutes_left: c.token.expires.map(|t| (t - now).max(0) / 60),
    }
}

/// What `check` found.
pub struct Checked {
    pub app: github::App,
    pub installation: Installation,
}

/// Validates id, key and installation without minting.
pub fn check(cfg: &Config) -> Result<Checked, Error> {
    let (key, transport) = prepare(cfg)?;
    let github = GitHub::new(&transport, &cfg.connection.api_url, GithubClock::default())?;
    let services = Services::new(&transport);
    let key = signer(key, &services)?;
    let jwt = AppJwt::new(&cfg.issuer, key.as_ref());
    let app = github::app(&github, &jwt)?;
    let mut installation = installation::find(&github, &jwt, one(cfg)?, &cfg.server_url)?;
    installation
        .app_slug
        .get_or_insert_with(|| app.slug.clone());
    Ok(Checked { app, installation })
}

/// What `check` proved, as one line.
pub fn check_summary(c: &Checked) -> Note {
    Note::Checked {
        slug: c.app.slug.clone(),
        app_id: c.app.id,
        account: c.installation.account_name(),
        id: c.installation.id,
        selection: c.installation.repository_selection.clone(),
        permissions: c.installation.permissions.clone(),
    }
}

/// The notice a guardrail asks for once a token is minted, if any.
pub fn guard_notice(cfg: &Config) -> Option<Note> {
    match &cfg.guard {
        crate::guard::Verdict::ForkAllowed { event, head } => Some(Note::ForkPullRequest {
            event: event.clone(),
            head: head.clone(),
        }),
        crate::guard::Verdict::Quiet => None,
    }
}
