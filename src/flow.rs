//! The path a request travels, shared by the action and the CLI:
//! config → key → JWT → installation → token (→ bot identity).

use crate::config::{Config, Installations, KeySource, Target};
use crate::error::{Coverage, Error, Note};
use crate::github::{self, GitHub};
use crate::installation::{self, Installation};
use crate::jwt::{AppJwt, Signer};
use crate::key::{self, PrivateKey};
use crate::kms::backend::Settings;
use crate::kms::spki;
use crate::remote::{self, Services};
use crate::report;
use crate::time::GithubClock;
use crate::token::{self, Keep, Scope, Token};
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
fn signer<'s>(key: Key<'_>, services: &'s Services<'_>) -> Result<Box<dyn Signer + 's>, Error> {
    let (signer, service): (Box<dyn Signer + 's>, _) = match key {
        Key::Local(key) => (Box::new(key), None),
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
        Installations::Owners(_) | Installations::Every => Err(Error::OneInstallationOnly),
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
    let (installation_id, installation) = match target {
        Target::Id(id) => (*id, None),
        target => {
            let found = installation::find(&github, &jwt, target, &cfg.server_url)?;
            (found.id, Some(found))
        }
    };
    let scope = Scope {
        repositories: &cfg.repositories,
        permissions: &cfg.permissions,
    };
    let token = token::mint(
        &github,
        &jwt,
        installation_id,
        &scope,
        cfg.token_format,
        keep,
    )?;

    let slug = installation.as_ref().and_then(|i| i.app_slug.as_deref());
    let bot = match (slug, cfg.bot_identity) {
        (Some(slug), true) => {
            let mut bot = Bot::of(slug);
            match github::bot_user_id(&github, &token.token, slug) {
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
