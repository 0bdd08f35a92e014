//! A mock of the GitHub REST API's App-authentication surface, strict where GitHub is
//! strict (JWT claims, mint bodies, User-Agent), with injectable faults.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::http::{self, Request, Response};
use super::jwt::{self, JwtError};

pub const APP_ID: u64 = 12345;
pub const CLIENT_ID: &str = "Iv23liMockClient01";
pub const APP_SLUG: &str = "mock-app";
pub const BOT_USER_ID: u64 = 98765432;
/// An app that exists but has no public key (what GitHub says for a wrong `iss`).
pub const NO_KEY_APP_ID: u64 = 777;
pub const NO_KEY_CLIENT_ID: &str = "Iv23liNoKeyApp0000";

/// The mock app's private key (PKCS#1), its public key, and another app's key.
pub const APP_KEY_PEM: &str = include_str!("../fixtures/app.pem");
pub const APP_PUBLIC_KEY_PEM: &str = include_str!("../fixtures/app.pub.pem");
pub const OTHER_KEY_PEM: &str = include_str!("../fixtures/other.pem");
pub const OTHER_PUBLIC_KEY_PEM: &str = include_str!("../fixtures/other.pub.pem");
const PERMISSIONS_JSON: &str = include_str!("../fixtures/app-permissions.json");

pub const DOCS_URL: &str = "https://docs.github.com/rest";
pub const MSG_NOT_FOUND: &str = "Not Found";
pub const MSG_BAD_CREDENTIALS: &str = "Bad credentials";
pub const MSG_NOT_GRANTED: &str = "The permissions requested are not granted to this installation.";
pub const MSG_BAD_REPOS: &str = "There is at least one repository that does not exist or is not accessible to the parent installation.";
pub const MSG_NO_USER_AGENT: &str = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.";
pub const MSG_SECONDARY_RATE_LIMIT: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";
pub const MSG_PRIMARY_RATE_LIMIT: &str = "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";

const MAX_REPOSITORIES: usize = 500;
const RATE_LIMIT: u64 = 5000;

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

#[derive(Clone, Debug)]
pub struct App {
    pub id: u64,
    pub client_id: String,
    pub slug: String,
    /// SPKI (or PKCS#1) PEM; empty means the app has no key.
    pub public_key_pem: String,
    pub bot_user_id: u64,
}

#[derive(Clone, Debug)]
pub struct Installation {
    pub id: u64,
    pub account: String,
    /// "Organization" | "User" | "Enterprise"
    pub account_type: String,
    /// "all" | "selected"
    pub repository_selection: String,
    /// Bare names of the repositories the installation can reach.
    pub repositories: Vec<String>,
    pub permissions: BTreeMap<String, String>,
    pub enterprise: bool,
}

impl Installation {
    /// Stable fake repository id: installation id × 1000 + position + 1.
    pub fn repo_id(&self, index: usize) -> u64 {
        self.id * 1000 + index as u64 + 1
    }

    fn find_repo(&self, name: &str) -> Option<usize> {
        self.repositories
            .iter()
            .position(|r| r.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub apps: Vec<App>,
    /// (owning app id, installation)
    pub installations: Vec<(u64, Installation)>,
    /// Lifetime of minted tokens (GitHub: one hour).
    pub token_ttl_secs: i64,
    /// The format a mint without the override header gets (GitHub's rollout).
    pub token_format: TokenFormat,
}

fn perms(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Scenario {
    pub fn empty() -> Scenario {
        Scenario {
            apps: Vec::new(),
            installations: Vec::new(),
            token_ttl_secs: 3600,
            token_format: TokenFormat::New,
        }
    }

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
        }
    }
}

/// How a recorded request authenticated (parsed, not verified). As GitHub does, an
/// installation token is told from an app JWT by its `ghs_` prefix, whatever the scheme:
/// a new-format token is JWT-shaped too (two dots).
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// `Bearer` with anything but a `ghs_` token; `iss` rendered as a string ("" if the
    /// credential does not decode).
    Jwt {
        iss: String,
    },
    /// A `ghs_` credential under any scheme, or any credential under another scheme.
    Token(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => write!(f, "None"),
            Auth::Jwt { iss } => write!(f, "Jwt {{ iss: {iss:?} }}"),
            Auth::Token(t) => write!(f, "Token(<{} chars>)", t.len()),
        }
    }
}

#[derive(Clone)]
pub struct Recorded {
    pub method: String,
    /// Without the path prefix, with the query string.
    pub path: String,
    /// Lowercased names, arrival order. Holds credentials: never print them.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Status sent; 0 when a fault closed or stalled the connection instead.
    pub status: u16,
    pub auth: Auth,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        http::find_header(&self.headers, name)
    }
}

// Debug output may land in assertion messages: keep credentials out of it.
impl fmt::Debug for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if k.contains("authorization") {
                    (k.clone(), format!("<{} chars>", v.len()))
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect();
        f.debug_struct("Recorded")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field("auth", &self.auth)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

#[derive(Clone)]
pub struct Minted {
    pub token: String,
    pub installation_id: u64,
    /// The mint request body as parsed (`{}` for an empty body).
    pub body: Value,
    /// `YYYY-MM-DDTHH:MM:SSZ`, mock clock.
    pub expires_at: String,
    /// The format issued.
    pub format: TokenFormat,
    /// The override header as received, if any.
    pub format_header: Option<String>,
}

impl fmt::Debug for Minted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Minted")
            .field("token", &format_args!("<{} chars>", self.token.len()))
            .field("installation_id", &self.installation_id)
            .field("body", &self.body)
            .field("expires_at", &self.expires_at)
            .field("format", &self.format)
            .field("format_header", &self.format_header)
            .finish()
    }
}

/// A faulty answer: `body` defaults to a GitHub-shaped error; `headers` replace the
/// defaults of the same name; `reset_in_secs` sets `x-ratelimit-remaining: 0` and
/// `x-ratelimit-reset` = mock-now + that.
#[derive(Clone, Debug)]
pub struct StatusFault {
    pub status: u16,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    pub reset_in_secs: Option<i64>,
}

impl StatusFault {
    fn new(status: u16) -> StatusFault {
        StatusFault {
            status,
            body: None,
            headers: Vec::new(),
            reset_in_secs: None,
        }
    }
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answer with a status (see [`StatusFault`]).
    Status(StatusFault),
    /// Read the request, then close the connection without a byte of response.
    Close,
    /// Read the request, send nothing, hold the socket this long, then close.
    Stall(Duration),
    /// A truncated JSON body with this status.
    MalformedJson { status: u16 },
    /// A JSON-looking body of `bytes` bytes with this status.
    Oversized { status: u16, bytes: usize },
    /// The first `uses` matching requests made with each freshly minted token get
    /// `status` (replication lag); skip/times do not apply.
    FreshTokenLag { uses: usize, status: u16 },
}

/// A fault for requests matching `method` (`*` = any) and a path prefix (without the
/// mock's path prefix); applied to matching requests number `skip+1 ..= skip+times`.
#[derive(Clone, Debug)]
pub struct Fault {
    pub method: String,
    pub path_prefix: String,
    pub skip: usize,
    /// `None`: every matching request after `skip`.
    pub times: Option<usize>,
    pub kind: FaultKind,
}

impl Fault {
    /// Defaults: every matching request answered 500.
    pub fn on(method: &str, path_prefix: &str) -> Fault {
        Fault {
            method: method.to_string(),
            path_prefix: path_prefix.to_string(),
            skip: 0,
            times: None,
            kind: FaultKind::Status(StatusFault::new(500)),
        }
    }

    pub fn skip(mut self, n: usize) -> Fault {
        self.skip = n;
        self
    }

    pub fn times(mut self, n: usize) -> Fault {
        self.times = Some(n);
        self
    }

    fn status_fault(&mut self) -> &mut StatusFault {
        if !matches!(self.kind, FaultKind::Status(_)) {
            self.kind = FaultKind::Status(StatusFault::new(500));
        }
        match &mut self.kind {
            FaultKind::Status(sf) => sf,
            _ => unreachable!(),
        }
    }

    pub fn status(mut self, status: u16) -> Fault {
        self.status_fault().status = status;
        self
    }

    /// Raw response body (sent verbatim).
    pub fn body(mut self, body: impl Into<String>) -> Fault {
        self.status_fault().body = Some(body.into());
        self
    }

    /// A GitHub-shaped error body with this message.
    pub fn message(mut self, msg: &str) -> Fault {
        let sf = self.status_fault();
        sf.body = Some(error_body(sf.status, msg));
        self
    }

    /// An extra header; replaces a default one of the same name (e.g. x-ratelimit-*).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Fault {
        self.status_fault()
            .headers
            .push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Primary rate limit: `status` (403 or 429), remaining 0, reset `reset_in_secs` ahead.
    pub fn primary_rate_limit(mut self, status: u16, reset_in_secs: i64) -> Fault {
        self = self.status(status).message(MSG_PRIMARY_RATE_LIMIT);
        self.status_fault().reset_in_secs = Some(reset_in_secs);
        self
    }

    /// Secondary rate limit: `status` (403 or 429) with GitHub's message and, if given,
    /// `retry-after`.
    pub fn secondary_rate_limit(mut self, status: u16, retry_after: Option<u64>) -> Fault {
        self = self.status(status).message(MSG_SECONDARY_RATE_LIMIT);
        if let Some(s) = retry_after {
            self = self.header("retry-after", s.to_string());
        }
        self
    }

    pub fn close(mut self) -> Fault {
        self.kind = FaultKind::Close;
        self
    }

    pub fn stall(mut self, d: Duration) -> Fault {
        self.kind = FaultKind::Stall(d);
        self
    }

    pub fn malformed_json(mut self, status: u16) -> Fault {
        self.kind = FaultKind::MalformedJson { status };
        self
    }

    pub fn oversized(mut self, status: u16, bytes: usize) -> Fault {
        self.kind = FaultKind::Oversized { status, bytes };
        self
    }

    pub fn fresh_token_lag(mut self, uses: usize, status: u16) -> Fault {
        self.kind = FaultKind::FreshTokenLag { uses, status };
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }
}

struct TokenInfo {
    installation_id: u64,
    expires: i64,
    revoked: bool,
    lag_uses: usize,
    /// Indexes into the installation's repositories when the token was scoped.
    scope: Option<Vec<usize>>,
}

struct State {
    records: Vec<Recorded>,
    minted: Vec<Minted>,
    revoked: Vec<String>,
    tokens: HashMap<String, TokenInfo>,
    fault_hits: Vec<usize>,
    clock_offset: i64,
    used: u64,
}

struct Shared {
    scenario: Scenario,
    prefix: String,
    base_url: String,
    faults: Vec<Fault>,
    log: bool,
    state: Mutex<State>,
    shutdown: AtomicBool,
    request_seq: AtomicU64,
    started: i64,
}

enum Action {
    Respond(Response),
    Close,
    Stall(Duration),
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn error_body(status: u16, msg: &str) -> String {
    json!({ "message": msg, "documentation_url": DOCS_URL, "status": status.to_string() })
        .to_string()
}

fn error(status: u16, msg: &str) -> Response {
    json_response(status, error_body(status, msg))
}

fn json_response(status: u16, body: impl Into<Vec<u8>>) -> Response {
    let mut r = Response::new(status);
    r.body = body.into();
    r
}

fn json_ok(status: u16, v: &Value) -> Response {
    json_response(status, v.to_string())
}

fn schema_error(detail: &str) -> Response {
    error(422, &format!("Invalid request.\n\n{detail}"))
}

/// An installation token, of either format (GitHub's one rule: the prefix).
fn is_installation_token(cred: &str) -> bool {
    cred.starts_with("ghs_")
}

/// Parses the Authorization header without verifying anything (for the record).
fn classify_auth(req: &Request) -> Auth {
    let Some(v) = req.header("authorization") else {
        return Auth::None;
    };
    let (scheme, cred) = v.split_once(' ').unwrap_or(("", v));
    let cred = cred.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !is_installation_token(cred) {
        return Auth::Jwt {
            iss: jwt::parse(cred)
                .ok()
                .and_then(|p| p.iss())
                .unwrap_or_default(),
        };
    }
    Auth::Token(cred.to_string())
}

fn bearer_or_token(req: &Request) -> Option<(bool, &str)> {
    let v = req.header("authorization")?;
    let (scheme, cred) = v.split_once(' ')?;
    let bearer = scheme.eq_ignore_ascii_case("bearer");
    (bearer || scheme.eq_ignore_ascii_case("token")).then_some((bearer, cred.trim()))
}

fn permission_table() -> &'static BTreeMap<String, Vec<String>> {
    static TABLE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: Value = serde_json::from_str(PERMISSIONS_JSON).expect("app-permissions.json");
        serde_json::from_value(v["permissions"].clone()).expect("permissions map")
    })
}

fn level_rank(level: &str) -> u8 {
    match level {
        "read" => 1,
        "write" => 2,
        "admin" => 3,
        _ => 0,
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("random bytes");
    bytes
}

/// A classic installation token: `ghs_` + 36 alphanumerics.
pub fn classic_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut t = String::from("ghs_");
    t.extend(
        random_bytes(36)
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char),
    );
    t
}

/// A new-format installation token: `ghs_<app id>_<JWT>`, the JWT part header.claims.
/// signature in base64url, about 520 characters in all. It always holds `.`, `-` and `_`,
/// the characters that broke tools assuming the classic shape.
pub fn new_format_token(app_id: u64, installation_id: u64, now: i64, ttl: i64) -> String {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let nonce = b64(&random_bytes(16));
    let header = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = b64(json!({
        "iss": app_id,
        "sub": format!("installation:{installation_id}"),
        "iat": now,
        "exp": now + ttl,
        "jti": nonce,
    })
    .to_string()
    .as_bytes());
    // A 2048-bit RSA signature's size; drawn again until it holds a `-` (it nearly always does).
    let signature = loop {
        let sig = b64(&random_bytes(256));
        if sig.contains('-') {
            break sig;
        }
    };
    format!("ghs_{app_id}_{header}.{claims}.{signature}")
}

/// The format a mint asked for with the override header, if it asked in a way GitHub honours.
fn requested_format(header: Option<&str>) -> Option<TokenFormat> {
    match header {
        Some("enabled") => Some(TokenFormat::New),
        Some("disabled") => Some(TokenFormat::Classic),
        _ => None,
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not wedge the mock for the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> i64 {
        real_now() + self.lock().clock_offset
    }

    fn app(&self, id: u64) -> Option<&App> {
        self.scenario.apps.iter().find(|a| a.id == id)
    }

    fn installations_of(&self, app_id: u64) -> impl Iterator<Item = &Installation> {
        self.scenario
            .installations
            .iter()
            .filter(move |(a, _)| *a == app_id)
            .map(|(_, i)| i)
    }

    fn handle(&self, req: &Request) -> Action {
        let auth = classify_auth(req);
        let (path, action) = match self.strip_prefix(&req.target) {
            None => (
                req.target.clone(),
                Action::Respond(error(404, MSG_NOT_FOUND)),
            ),
            Some(p) => {
                let a = self.dispatch(req, &p);
                (p, a)
            }
        };
        let status = match &action {
            Action::Respond(r) => r.status,
            _ => 0,
        };
        if self.log {
            // Method, path, status only: never credentials.
            eprintln!("mock_github: {} {} {}", req.method, path, status);
        }
        self.lock().records.push(Recorded {
            method: req.method.clone(),
            path,
            headers: req.headers.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
            status,
            auth,
        });
        match action {
            Action::Respond(resp) => Action::Respond(self.decorate(resp)),
            other => other,
        }
    }

    fn strip_prefix(&self, target: &str) -> Option<String> {
        if self.prefix.is_empty() {
            return target.starts_with('/').then(|| target.to_string());
        }
        let rest = target.strip_prefix(&self.prefix)?;
        if rest.is_empty() {
            Some("/".into())
        } else if rest.starts_with('/') {
            Some(rest.to_string())
        } else if rest.starts_with('?') {
            Some(format!("/{rest}"))
        } else {
            None
        }
    }

    /// Adds the headers GitHub sends on every response; a fault's own headers win.
    fn decorate(&self, mut resp: Response) -> Response {
        let now = self.now();
        let used = {
            let mut st = self.lock();
            st.used += 1;
            st.used
        };
        let seq = self.request_seq.fetch_add(1, Ordering::Relaxed);
        let reset = self.started + 3600;
        let defaults = [
            ("date", http::http_date(now)),
            (
                "content-type",
                "application/json; charset=utf-8".to_string(),
            ),
            ("server", "github.com".to_string()),
            ("x-github-media-type", "github.v3; format=json".to_string()),
            (
                "x-github-request-id",
                format!(
                    "MOCK:{:04X}:{:06X}:{:08X}",
                    std::process::id() & 0xffff,
                    seq,
                    now
                ),
            ),
            ("x-ratelimit-limit", RATE_LIMIT.to_string()),
            (
                "x-ratelimit-remaining",
                RATE_LIMIT.saturating_sub(used).to_string(),
            ),
            ("x-ratelimit-used", used.to_string()),
            ("x-ratelimit-reset", reset.to_string()),
            ("x-ratelimit-resource", "core".to_string()),
        ];
        let mut headers: Vec<(String, String)> = defaults
            .into_iter()
            .filter(|(k, _)| resp.header(k).is_none())
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        headers.append(&mut resp.headers);
        resp.headers = headers;
        resp
    }

    /// The first injected fault whose window covers this request, if any.
    fn pick_fault(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut st = self.lock();
        let mut picked = None;
        for (i, f) in self.faults.iter().enumerate() {
            if matches!(f.kind, FaultKind::FreshTokenLag { .. }) || !f.matches(method, path) {
                continue;
            }
            let n = st.fault_hits[i];
            st.fault_hits[i] += 1;
            let in_window = n >= f.skip && f.times.is_none_or(|t| n < f.skip + t);
            if in_window && picked.is_none() {
                picked = Some(f.kind.clone());
            }
        }
        picked
    }

    fn fault_action(&self, kind: FaultKind) -> Action {
        match kind {
            FaultKind::Status(StatusFault {
                status,
                body,
                headers,
                reset_in_secs,
            }) => {
                let mut r = json_response(
                    status,
                    body.unwrap_or_else(|| error_body(status, http::reason(status))),
                );
                if let Some(secs) = reset_in_secs {
                    r.set_header("x-ratelimit-remaining", "0");
                    r.set_header("x-ratelimit-used", RATE_LIMIT.to_string());
                    r.set_header("x-ratelimit-reset", (self.now() + secs).to_string());
                }
                for (k, v) in headers {
                    r.set_header(&k, v);
                }
                Action::Respond(r)
            }
            FaultKind::Close => Action::Close,
            FaultKind::Stall(d) => Action::Stall(d),
            FaultKind::MalformedJson { status } => Action::Respond(json_response(
                status,
                r#"{"token": "ghs_truncated", "expires_at": "20"#,
            )),
            FaultKind::Oversized { status, bytes } => {
                let head = br#"{"token":"ghs_oversized","padding":""#;
                let mut body = Vec::with_capacity(bytes.max(head.len() + 2));
                body.extend_from_slice(head);
                body.resize(bytes.saturating_sub(2).max(head.len()), b'a');
                body.extend_from_slice(b"\"}");
                Action::Respond(json_response(status, body))
            }
            FaultKind::FreshTokenLag { .. } => unreachable!("handled in token auth"),
        }
    }

    fn dispatch(&self, req: &Request, path: &str) -> Action {
        if let Some(kind) = self.pick_fault(&req.method, path) {
            return self.fault_action(kind);
        }
        if req.header("user-agent").is_none_or(|v| v.is_empty()) {
            return Action::Respond(error(403, MSG_NO_USER_AGENT));
        }
        Action::Respond(self.route(req, path))
    }

    fn route(&self, req: &Request, path: &str) -> Response {
        let bare = path.split('?').next().unwrap_or("/");
        let segs: Vec<String> = bare
            .split('/')
            .filter(|s| !s.is_empty())
            .map(http::percent_decode)
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let m = req.method.as_str();
        let result = match (m, segs.as_slice()) {
            ("GET", ["app"]) => self
                .jwt_app(req)
                .map(|app| json_ok(200, &self.app_json(app))),
            ("GET", ["app", "installations"]) => self.jwt_app(req).map(|app| {
                let list: Vec<Value> = self
                    .installations_of(app.id)
                    .map(|i| self.installation_json(app, i))
                    .collect();
                json_ok(200, &Value::Array(list))
            }),
            ("GET", ["app", "installations", id]) => self
                .jwt_app(req)
                .and_then(|app| self.installation_by_id(app, id)),
            ("POST", ["app", "installations", id, "access_tokens"]) => {
                self.jwt_app(req).and_then(|app| {
                    let inst = self.find_installation(app, id).ok_or_else(not_found)?;
                    Ok(self.mint(app, inst, req))
                })
            }
            ("GET", ["repos", owner, repo, "installation"]) => self.jwt_app(req).and_then(|app| {
                self.lookup(app, |i| {
                    !i.enterprise
                        && i.account.eq_ignore_ascii_case(owner)
                        && i.find_repo(repo).is_some()
                })
            }),
            ("GET", ["users", user, "installation"]) => self.jwt_app(req).and_then(|app| {
                self.lookup(app, |i| {
                    !i.enterprise && i.account.eq_ignore_ascii_case(user)
                })
            }),
            ("GET", ["orgs", org, "installation"]) => self.jwt_app(req).and_then(|app| {
                self.lookup(app, |i| {
                    !i.enterprise
                        && i.account_type == "Organization"
                        && i.account.eq_ignore_ascii_case(org)
                })
            }),
            ("GET", ["enterprises", ent, "installation"]) => self.jwt_app(req).and_then(|app| {
                self.lookup(app, |i| i.enterprise && i.account.eq_ignore_ascii_case(ent))
            }),
            ("DELETE", ["installation", "token"]) => self.token_auth(req, path).map(|token| {
                let mut st = self.lock();
                if let Some(info) = st.tokens.get_mut(&token) {
                    info.revoked = true;
                }
                st.revoked.push(token);
                Response::new(204)
            }),
            ("GET", ["installation", "repositories"]) => self
                .token_auth(req, path)
                .map(|token| self.installation_repos(&token)),
            ("GET", ["users", name]) if name.to_ascii_lowercase().ends_with("[bot]") => {
                self.bot_user(req, path, name)
            }
            _ => Err(not_found()),
        };
        result.unwrap_or_else(|e| e)
    }

    /// GitHub's JWT checks; returns the authenticated app or the 401 GitHub would send.
    fn jwt_app(&self, req: &Request) -> Result<&App, Response> {
        let decode = || error(401, jwt::MSG_DECODE);
        let (bearer, cred) = bearer_or_token(req).ok_or_else(decode)?;
        // An installation token is no JWT, however JWT-shaped its new format is.
        if !bearer || is_installation_token(cred) {
            return Err(decode());
        }
        let parsed = jwt::parse(cred).map_err(|e| error(401, e.message()))?;
        let iss = parsed.iss().unwrap_or_default();
        let no_key = || error(401, JwtError::NoKey.message());
        let app = self
            .scenario
            .apps
            .iter()
            .find(|a| a.client_id == iss || a.id.to_string() == iss)
            .ok_or_else(no_key)?;
        if app.public_key_pem.trim().is_empty() {
            return Err(no_key());
        }
        let key = jwt::rsa_public_key_der(&app.public_key_pem).ok_or_else(no_key)?;
        if !parsed.verify(&key) {
            return Err(decode());
        }
        jwt::check_times(&parsed.claims, self.now()).map_err(|e| error(401, e.message()))?;
        Ok(app)
    }

    /// A minted, unrevoked, unexpired token, after any fresh-token lag fault.
    fn token_auth(&self, req: &Request, path: &str) -> Result<String, Response> {
        let bad = || error(401, MSG_BAD_CREDENTIALS);
        let (_, cred) = bearer_or_token(req).ok_or_else(bad)?;
        let now = self.now();
        let mut st = self.lock();
        let info = st.tokens.get_mut(cred).ok_or_else(bad)?;
        if info.revoked || info.expires <= now {
            return Err(bad());
        }
        for f in &self.faults {
            if let FaultKind::FreshTokenLag { uses, status } = f.kind
                && f.matches(&req.method, path)
            {
                info.lag_uses += 1;
                if info.lag_uses <= uses {
                    let msg = match status {
                        401 => MSG_BAD_CREDENTIALS,
                        403 => "Resource not accessible by integration",
                        _ => MSG_NOT_FOUND,
                    };
                    return Err(error(status, msg));
                }
                break;
            }
        }
        Ok(cred.to_string())
    }

    fn find_installation(&self, app: &App, id: &str) -> Option<&Installation> {
        let id: u64 = id.parse().ok()?;
        self.installations_of(app.id).find(|i| i.id == id)
    }

    fn installation_by_id(&self, app: &App, id: &str) -> Result<Response, Response> {
        let inst = self.find_installation(app, id).ok_or_else(not_found)?;
        Ok(json_ok(200, &self.installation_json(app, inst)))
    }

    fn lookup(
        &self,
        app: &App,
        pred: impl Fn(&Installation) -> bool,
    ) -> Result<Response, Response> {
        let inst = self
            .installations_of(app.id)
            .find(|i| pred(i))
            .ok_or_else(not_found)?;
        Ok(json_ok(200, &self.installation_json(app, inst)))
    }

    fn app_json(&self, app: &App) -> Value {
        let mut permissions = BTreeMap::new();
        for i in self.installations_of(app.id) {
            for (k, v) in &i.permissions {
                let e = permissions.entry(k.clone()).or_insert_with(|| v.clone());
                if level_rank(v) > level_rank(e) {
                    *e = v.clone();
                }
            }
        }
        json!({
            "id": app.id,
            "slug": app.slug,
            "client_id": app.client_id,
            "node_id": format!("A_mock{}", app.id),
            "name": app.slug,
            "description": "Mock GitHub App for app-token-action tests",
            "owner": { "login": "acme", "id": 5_000_001, "type": "Organization" },
            "external_url": "https://example.invalid",
            "html_url": format!("https://github.com/apps/{}", app.slug),
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "permissions": permissions,
            "events": [],
            "installations_count": self.installations_of(app.id).count(),
        })
    }

    fn installation_json(&self, app: &App, inst: &Installation) -> Value {
        let account_id = 5_000_000 + inst.id;
        let mut account = json!({
            "login": inst.account,
            "id": account_id,
            "node_id": format!("MDQ6mock{account_id}"),
            "type": inst.account_type,
            "html_url": format!("https://github.com/{}", inst.account),
            "site_admin": false,
        });
        if inst.enterprise {
            account["slug"] = json!(inst.account);
            account["name"] = json!(inst.account);
        }
        json!({
            "id": inst.id,
            "client_id": app.client_id,
            "app_id": app.id,
            "app_slug": app.slug,
            "account": account,
            "target_id": account_id,
            "target_type": inst.account_type,
            "repository_selection": inst.repository_selection,
            "permissions": inst.permissions,
            "events": [],
            "access_tokens_url": format!("{}/app/installations/{}/access_tokens", self.base_url, inst.id),
            "repositories_url": format!("{}/installation/repositories", self.base_url),
            "html_url": format!("https://github.com/settings/installations/{}", inst.id),
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "single_file_name": null,
            "has_multiple_single_files": false,
            "single_file_paths": [],
            "suspended_by": null,
            "suspended_at": null,
        })
    }

    fn repo_json(&self, inst: &Installation, idx: usize) -> Value {
        let name = &inst.repositories[idx];
        json!({
            "id": inst.repo_id(idx),
            "name": name,
            "full_name": format!("{}/{}", inst.account, name),
            "private": true,
            "owner": { "login": inst.account, "type": inst.account_type },
        })
    }

    fn installation_repos(&self, token: &str) -> Response {
        let (id, scope) = match self.lock().tokens.get(token) {
            Some(t) => (Some(t.installation_id), t.scope.clone()),
            None => (None, None),
        };
        let Some(inst) = self
            .scenario
            .installations
            .iter()
            .map(|(_, i)| i)
            .find(|i| Some(i.id) == id)
        else {
            return not_found();
        };
        // A scoped token sees only its repositories.
        let repos: Vec<Value> = scope
            .unwrap_or_else(|| (0..inst.repositories.len()).collect())
            .into_iter()
            .map(|i| self.repo_json(inst, i))
            .collect();
        json_ok(
            200,
            &json!({ "total_count": repos.len(), "repository_selection": inst.repository_selection, "repositories": repos }),
        )
    }

    /// `GET /users/<slug>[bot]`: public, but a bad credential still gets 401.
    fn bot_user(&self, req: &Request, path: &str, name: &str) -> Result<Response, Response> {
        if req.header("authorization").is_some() {
            self.token_auth(req, path)?;
        }
        let slug = &name[..name.len() - "[bot]".len()];
        let app = self
            .scenario
            .apps
            .iter()
            .find(|a| a.slug.eq_ignore_ascii_case(slug))
            .ok_or_else(not_found)?;
        Ok(json_ok(
            200,
            &json!({
                "login": format!("{}[bot]", app.slug),
                "id": app.bot_user_id,
                "node_id": format!("BOT_mock{}", app.bot_user_id),
                "avatar_url": format!("https://avatars.githubusercontent.com/in/{}?v=4", app.id),
                "html_url": format!("https://github.com/apps/{}", app.slug),
                "type": "Bot",
                "site_admin": false,
            }),
        ))
    }

    /// `POST /app/installations/{id}/access_tokens`, validated like GitHub.
    fn mint(&self, app: &App, inst: &Installation, req: &Request) -> Response {
        let raw = &req.body;
        let body: Value = if raw.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            match serde_json::from_slice(raw) {
                Ok(v) => v,
                Err(_) => return error(400, "Problems parsing JSON"),
            }
        };
        let Some(obj) = body.as_object() else {
            return schema_error(&format!("{body} is not an object."));
        };
        if let Some(k) = obj
            .keys()
            .find(|k| !["repositories", "repository_ids", "permissions"].contains(&k.as_str()))
        {
            return schema_error(&format!("\"{k}\" is not a permitted key."));
        }

        // Scope: indices into inst.repositories, from names and ids.
        let mut scoped: Option<Vec<usize>> = None;
        if let Some(v) = obj.get("repositories") {
            let Some(arr) = v.as_array() else {
                return schema_error(&format!(
                    "For 'properties/repositories', {v} is not an array."
                ));
            };
            if arr.len() > MAX_REPOSITORIES {
                return schema_error(&format!(
                    "For 'properties/repositories', the array has {} items; the maximum is {MAX_REPOSITORIES}.",
                    arr.len()
                ));
            }
            let mut idx = Vec::new();
            for item in arr {
                let Some(name) = item.as_str() else {
                    return schema_error(&format!("For 'items', {item} is not a string."));
                };
                // `owner/name` is not a repository name: GitHub reports it as inaccessible.
                match inst.find_repo(name) {
                    Some(i) if !name.contains('/') => idx.push(i),
                    _ => return error(422, MSG_BAD_REPOS),
                }
            }
            scoped = Some(idx);
        }
        if let Some(v) = obj.get("repository_ids") {
            let Some(arr) = v.as_array() else {
                return schema_error(&format!(
                    "For 'properties/repository_ids', {v} is not an array."
                ));
            };
            if arr.len() > MAX_REPOSITORIES {
                return schema_error(&format!(
                    "For 'properties/repository_ids', the array has {} items; the maximum is {MAX_REPOSITORIES}.",
                    arr.len()
                ));
            }
            let mut idx = scoped.take().unwrap_or_default();
            for item in arr {
                let Some(id) = item.as_u64() else {
                    return schema_error(&format!("For 'items', {item} is not an integer."));
                };
                match (0..inst.repositories.len()).find(|&i| inst.repo_id(i) == id) {
                    Some(i) => idx.push(i),
                    None => return error(422, MSG_BAD_REPOS),
                }
            }
            scoped = Some(idx);
        }
        if let Some(idx) = &mut scoped {
            idx.sort_unstable();
            idx.dedup();
        }

        let permissions: BTreeMap<String, String> = match obj.get("permissions") {
            None => inst.permissions.clone(),
            Some(v) => {
                let Some(req) = v.as_object() else {
                    return schema_error(&format!(
                        "For 'properties/permissions', {v} is not an object."
                    ));
                };
                if let Err(resp) = check_permission_names(req) {
                    return resp;
                }
                for (k, level) in req {
                    let level = level.as_str().unwrap_or_default();
                    let granted = inst.permissions.get(k).map_or(0, |g| level_rank(g));
                    if level_rank(level) > granted {
                        return error(422, MSG_NOT_GRANTED);
                    }
                }
                req.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            }
        };

        let now = self.now();
        let expires = now + self.scenario.token_ttl_secs;
        let format_header = req.header(TOKEN_FORMAT_HEADER).map(str::to_string);
        let format =
            requested_format(format_header.as_deref()).unwrap_or(self.scenario.token_format);
        let token = match format {
            TokenFormat::New => {
                new_format_token(app.id, inst.id, now, self.scenario.token_ttl_secs)
            }
            TokenFormat::Classic => classic_token(),
        };
        let expires_at = http::iso8601(expires);
        let mut resp = json!({
            "token": token,
            "expires_at": expires_at,
            "permissions": permissions,
            "repository_selection": if scoped.is_some() { "selected" } else { inst.repository_selection.as_str() },
        });
        if let Some(idx) = &scoped {
            resp["repositories"] =
                Value::Array(idx.iter().map(|&i| self.repo_json(inst, i)).collect());
        }
        let mut st = self.lock();
        st.tokens.insert(
            token.clone(),
            TokenInfo {
                installation_id: inst.id,
                expires,
                revoked: false,
                lag_uses: 0,
                scope: scoped.clone(),
            },
        );
        st.minted.push(Minted {
            token,
            installation_id: inst.id,
            body,
            expires_at,
            format,
            format_header,
        });
        json_ok(201, &resp)
    }
}

fn not_found() -> Response {
    error(404, MSG_NOT_FOUND)
}

/// Names must be known and levels allowed for that name (schema errors, 422).
fn check_permission_names(req: &Map<String, Value>) -> Result<(), Response> {
    let table = permission_table();
    for (k, v) in req {
        let Some(levels) = table.get(k) else {
            return Err(schema_error(&format!(
                "For 'properties/permissions', \"{k}\" is not a permitted key."
            )));
        };
        if !v.as_str().is_some_and(|l| levels.iter().any(|x| x == l)) {
            let allowed: Vec<String> = levels.iter().map(|l| format!("\"{l}\"")).collect();
            return Err(schema_error(&format!(
                "For 'properties/{k}', {v} is not one of [{}].",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

fn serve_conn<S: Read + Write>(shared: &Shared, stream: S) {
    let mut r = BufReader::new(stream);
    loop {
        let req = match http::read_request(&mut r) {
            Ok(Some(req)) => req,
            Ok(None) => return,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let _ = http::write_response(r.get_mut(), &error(400, "Bad Request"), false);
                return;
            }
            Err(_) => return,
        };
        let keep = req.keep_alive() && !shared.shutdown.load(Ordering::SeqCst);
        match shared.handle(&req) {
            Action::Respond(resp) => {
                if http::write_response(r.get_mut(), &resp, keep).is_err() || !keep {
                    return;
                }
            }
            Action::Close => return,
            Action::Stall(d) => {
                std::thread::sleep(d);
                return;
            }
        }
    }
}

fn serve(shared: Arc<Shared>, tcp: TcpStream, tls: Option<Arc<rustls::ServerConfig>>) {
    // Idle keep-alive connections must not pin threads forever.
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = tcp.set_nodelay(true);
    match tls {
        None => serve_conn(&shared, tcp),
        Some(cfg) => {
            let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                return;
            };
            serve_conn(&shared, rustls::StreamOwned::new(conn, tcp));
        }
    }
}

pub struct MockBuilder {
    scenario: Scenario,
    clock_offset: i64,
    prefix: String,
    tls: bool,
    faults: Vec<Fault>,
    port: u16,
    log: bool,
}

impl MockBuilder {
    /// The mock's clock = real time + this (positive: GitHub is ahead of the client).
    pub fn clock_offset_secs(mut self, secs: i64) -> MockBuilder {
        self.clock_offset = secs;
        self
    }

    /// GHES-style API root such as `/api/v3`; requests outside it get 404.
    pub fn path_prefix(mut self, prefix: &str) -> MockBuilder {
        self.prefix = prefix.trim_end_matches('/').to_string();
        if !self.prefix.is_empty() && !self.prefix.starts_with('/') {
            self.prefix.insert(0, '/');
        }
        self
    }

    pub fn tls(mut self) -> MockBuilder {
        self.tls = true;
        self
    }

    pub fn fault(mut self, fault: Fault) -> MockBuilder {
        self.faults.push(fault);
        self
    }

    /// Port to bind on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> MockBuilder {
        self.port = port;
        self
    }

    /// One line per request on stderr: method, path, status.
    pub fn log(mut self, on: bool) -> MockBuilder {
        self.log = on;
        self
    }

    pub fn start(self) -> MockGithub {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let tls = self.tls.then(super::tls::generate);
        let root = match tls {
            Some(_) => format!("https://localhost:{}", addr.port()),
            None => format!("http://127.0.0.1:{}", addr.port()),
        };
        let url = format!("{root}{}", self.prefix);
        let fault_hits = vec![0; self.faults.len()];
        let shared = Arc::new(Shared {
            scenario: self.scenario,
            prefix: self.prefix,
            base_url: url.clone(),
            faults: self.faults,
            log: self.log,
            state: Mutex::new(State {
                records: Vec::new(),
                minted: Vec::new(),
                revoked: Vec::new(),
                tokens: HashMap::new(),
                fault_hits,
                clock_offset: self.clock_offset,
                used: 0,
            }),
            shutdown: AtomicBool::new(false),
            request_seq: AtomicU64::new(1),
            started: real_now(),
        });
        let server_config = tls.as_ref().map(|t| t.server_config.clone());
        let accept_shared = shared.clone();
        std::thread::Builder::new()
            .name("mock-github-accept".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if accept_shared.shutdown.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(tcp) = conn else { continue };
                    let s = accept_shared.clone();
                    let cfg = server_config.clone();
                    let _ = std::thread::Builder::new()
                        .name("mock-github-conn".into())
                        .spawn(move || serve(s, tcp, cfg));
                }
            })
            .expect("spawn accept thread");
        MockGithub {
            shared,
            addr,
            url,
            ca_pem: tls.map(|t| t.ca_pem),
        }
    }
}

/// A running mock; dropping it stops accepting (open connections end at their next request).
pub struct MockGithub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: String,
    ca_pem: Option<String>,
}

impl MockGithub {
    pub fn start(scenario: Scenario) -> MockGithub {
        MockGithub::builder(scenario).start()
    }

    pub fn builder(scenario: Scenario) -> MockBuilder {
        MockBuilder {
            scenario,
            clock_offset: 0,
            prefix: String::new(),
            tls: false,
            faults: Vec::new(),
            port: 0,
            log: false,
        }
    }

    /// API root, e.g. `http://127.0.0.1:41234` or `https://localhost:41234/api/v3`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TLS mode: the PEM of the CA that signed the server certificate.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The mock's clock (epoch seconds): real time + offset.
    pub fn now(&self) -> i64 {
        self.shared.now()
    }

    pub fn set_clock_offset_secs(&self, secs: i64) {
        self.shared.lock().clock_offset = secs;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().records.clone()
    }

    pub fn minted(&self) -> Vec<Minted> {
        self.shared.lock().minted.clone()
    }

    pub fn revoked(&self) -> Vec<String> {
        self.shared.lock().revoked.clone()
    }

    /// Recorded requests with this method (`*` = any) whose path starts with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .lock()
            .records
            .iter()
            .filter(|r| {
                (method == "*" || r.method.eq_ignore_ascii_case(method))
                    && r.path.starts_with(path_prefix)
            })
            .count()
    }
}

impl Drop for MockGithub {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag; never join (must not hang a test).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}
