//! What the mock knows: its apps, their installations and keys, and GitHub's
//! words for the errors it answers with.

use std::collections::BTreeMap;

/// The mock app's id.
pub const APP_ID: u64 = 12345;
/// The mock app's client id.
pub const CLIENT_ID: &str = "Iv23liMockClient01";
/// The mock app's slug (its bot is `mock-app[bot]`).
pub const APP_SLUG: &str = "mock-app";
/// The user id of the mock app's bot.
pub const BOT_USER_ID: u64 = 98765432;
/// An app that exists but has no public key (what GitHub says for a wrong `iss`).
pub const NO_KEY_APP_ID: u64 = 777;
/// The client id of the app without a public key.
pub const NO_KEY_CLIENT_ID: &str = "Iv23liNoKeyApp0000";

/// The mock app's private key (PKCS#1), its public key, and another app's key.
pub const APP_KEY_PEM: &str = include_str!("../../../tests/fixtures/app.pem");
/// The mock app's public key.
pub const APP_PUBLIC_KEY_PEM: &str = include_str!("../../../tests/fixtures/app.pub.pem");
/// Another app's private key (a wrong key for the mock app).
pub const OTHER_KEY_PEM: &str = include_str!("../../../tests/fixtures/other.pem");
/// Another app's public key.
pub const OTHER_PUBLIC_KEY_PEM: &str = include_str!("../../../tests/fixtures/other.pub.pem");
pub(super) const PERMISSIONS_JSON: &str =
    include_str!("../../../tests/fixtures/app-permissions.json");

/// The `documentation_url` of GitHub's error answers.
pub const DOCS_URL: &str = "https://docs.github.com/rest";
/// GitHub's message for a 404.
pub const MSG_NOT_FOUND: &str = "Not Found";
/// GitHub's message for a 301 of a moved repository.
pub const MSG_MOVED: &str = "Moved Permanently";
/// GitHub's message for a 401 with a bad token.
pub const MSG_BAD_CREDENTIALS: &str = "Bad credentials";
/// GitHub's message when a requested permission is not granted (422).
pub const MSG_NOT_GRANTED: &str = "The permissions requested are not granted to this installation.";
/// GitHub's message when a requested repository is not accessible (422).
pub const MSG_BAD_REPOS: &str = "There is at least one repository that does not exist or is not accessible to the parent installation.";
/// GitHub's message for a request without a User-Agent (403).
pub const MSG_NO_USER_AGENT: &str = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.";
/// GitHub's message for the secondary rate limit.
pub const MSG_SECONDARY_RATE_LIMIT: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";
/// GitHub's message for the primary rate limit.
pub const MSG_PRIMARY_RATE_LIMIT: &str = "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";

pub(super) const MAX_REPOSITORIES: usize = 500;
pub(super) const RATE_LIMIT: u64 = 5000;

/// GitHub's temporary per-request override of the installation-token format
/// (changelog 2026-05-15): `enabled` = new format, `disabled` = classic, other values ignored.
pub const TOKEN_FORMAT_HEADER: &str = "x-github-stateless-s2s-token";

/// The two installation-token formats GitHub issues (changelog 2026-04-24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenFormat {
    /// `ghs_<app id>_<JWT>`, about 520 characters, with `.`, `-` and `_`.
    New,
    /// `ghs_` + 36 alphanumerics.
    Classic,
}

/// An app the mock knows.
#[derive(Clone, Debug)]
pub struct App {
    /// The app id (a JWT's `iss` may be it).
    pub id: u64,
    /// The client id (a JWT's `iss` may be it).
    pub client_id: String,
    /// The slug.
    pub slug: String,
    /// SPKI (or PKCS#1) PEM; empty means the app has no key.
    pub public_key_pem: String,
    /// The user id of its bot.
    pub bot_user_id: u64,
}

/// An installation of an app on an account.
#[derive(Clone, Debug)]
pub struct Installation {
    /// The installation id.
    pub id: u64,
    /// The account's login.
    pub account: String,
    /// "Organization" | "User" | "Enterprise"
    pub account_type: String,
    /// "all" | "selected"
    pub repository_selection: String,
    /// Bare names of the repositories the installation can reach.
    pub repositories: Vec<String>,
    /// What the installation may grant: permission name -> level (`read`, `write`, ...).
    pub permissions: BTreeMap<String, String>,
    /// An installation on an enterprise (not an organization or a user).
    pub enterprise: bool,
}

impl Installation {
    /// Stable fake repository id: installation id × 1000 + position + 1.
    pub fn repo_id(&self, index: usize) -> u64 {
        self.id * 1000 + index as u64 + 1
    }

    pub(super) fn find_repo(&self, name: &str) -> Option<usize> {
        self.repositories
            .iter()
            .position(|r| r.eq_ignore_ascii_case(name))
    }
}

/// Everything the mock knows: apps, installations, how tokens are made.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The apps.
    pub apps: Vec<App>,
    /// (owning app id, installation)
    pub installations: Vec<(u64, Installation)>,
    /// Lifetime of minted tokens (GitHub: one hour).
    pub token_ttl_secs: i64,
    /// The format a mint without the override header gets (GitHub's rollout).
    pub token_format: TokenFormat,
    /// Repositories renamed or transferred: (`old-owner/old-name`, `owner/name`).
    /// As GitHub does, a call naming the old one is answered 301 with the
    /// repository's id-based URL (`/repositories/ID/...`) in `Location`.
    pub moved: Vec<(String, String)>,
}

fn perms(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Scenario {
    /// No app, no installation.
    pub fn empty() -> Scenario {
        Scenario {
            apps: Vec::new(),
            installations: Vec::new(),
            token_ttl_secs: 3600,
            token_format: TokenFormat::New,
            moved: Vec::new(),
        }
    }

    /// The mock app and an app without a key; the mock app installed on the organization
    /// `acme`, the user `octocat` and the enterprise `big-corp`.
    pub fn standard() -> Scenario {
        let app = App {
            id: APP_ID,
            client_id: CLIENT_ID.into(),
            slug: APP_SLUG.into(),
            public_key_pem: APP_PUBLIC_KEY_PEM.into(),
            bot_user_id: BOT_USER_ID,
        };
        let no_key = App {
            id: NO_KEY_APP_ID,
            client_id: NO_KEY_CLIENT_ID.into(),
            slug: "no-key-app".into(),
            public_key_pem: String::new(),
            bot_user_id: 11111111,
        };
        let acme = Installation {
            id: 1001,
            account: "acme".into(),
            account_type: "Organization".into(),
            repository_selection: "all".into(),
            repositories: vec!["repo-a".into(), "repo-b".into(), "website".into()],
            permissions: perms(&[
                ("contents", "write"),
                ("issues", "write"),
                ("metadata", "read"),
                ("pull_requests", "write"),
                ("actions", "read"),
            ]),
            enterprise: false,
        };
        let octocat = Installation {
            id: 1002,
            account: "octocat".into(),
            account_type: "User".into(),
            repository_selection: "selected".into(),
            repositories: vec!["dotfiles".into()],
            permissions: perms(&[("contents", "read"), ("metadata", "read")]),
            enterprise: false,
        };
        let big_corp = Installation {
            id: 1003,
            account: "big-corp".into(),
            account_type: "Enterprise".into(),
            repository_selection: "all".into(),
            repositories: Vec::new(),
            permissions: perms(&[
                ("enterprise_custom_properties_for_organizations", "admin"),
                ("organization_administration", "read"),
            ]),
            enterprise: true,
        };
        Scenario {
            apps: vec![app, no_key],
            installations: vec![(APP_ID, acme), (APP_ID, octocat), (APP_ID, big_corp)],
            token_ttl_secs: 3600,
            token_format: TokenFormat::New,
            moved: Vec::new(),
        }
    }
}
