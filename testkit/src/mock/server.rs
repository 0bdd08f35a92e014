//! The mock's connections: reading requests, recording them, answering with
//! GitHub's headers, plain or over TLS.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::super::http::{self, Request, Response};
use super::super::jwt;
use super::faults::Fault;
use super::routes::{Minted, error, is_installation_token};
use super::scenario::{Installation, MSG_NO_USER_AGENT, MSG_NOT_FOUND, RATE_LIMIT, Scenario};

/// How a recorded request authenticated (parsed, not verified). As GitHub does, an
/// installation token is told from an app JWT by its `ghs_` prefix, whatever the scheme:
/// a new-format token is JWT-shaped too (two dots).
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// `Bearer` with anything but a `ghs_` token; `iss` rendered as a string ("" if the
    /// credential does not decode).
    Jwt {
        /// The claim, or "".
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

/// A request the mock received, as it arrived.
#[derive(Clone)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// Without the path prefix, with the query string.
    pub path: String,
    /// Lowercased names, arrival order. Holds credentials: never print them.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
    /// Status sent; 0 when a fault closed or stalled the connection instead.
    pub status: u16,
    /// How it authenticated.
    pub auth: Auth,
}

impl Recorded {
    /// A header's value by case-insensitive name.
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

pub(super) struct TokenInfo {
    pub(super) installation_id: u64,
    pub(super) expires: i64,
    pub(super) revoked: bool,
    pub(super) lag_uses: usize,
}

pub(super) struct State {
    pub(super) records: Vec<Recorded>,
    pub(super) minted: Vec<Minted>,
    pub(super) revoked: Vec<String>,
    pub(super) tokens: HashMap<String, TokenInfo>,
    pub(super) fault_hits: Vec<usize>,
    pub(super) clock_offset: i64,
    pub(super) used: u64,
}

pub(super) struct Shared {
    pub(super) scenario: Scenario,
    pub(super) prefix: String,
    pub(super) base_url: String,
    pub(super) faults: Vec<Fault>,
    pub(super) log: bool,
    pub(super) latency: std::time::Duration,
    pub(super) state: Mutex<State>,
    pub(super) shutdown: Arc<AtomicBool>,
    pub(super) request_seq: AtomicU64,
    pub(super) started: i64,
}

pub(super) enum Action {
    Respond(Response),
    Close,
    Stall(Duration),
}

pub(super) fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses the Authorization header without verifying anything (for the record).
pub(super) fn classify_auth(req: &Request) -> Auth {
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

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not wedge the mock for the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn now(&self) -> i64 {
        real_now() + self.lock().clock_offset
    }

    pub(super) fn installations_of(&self, app_id: u64) -> impl Iterator<Item = &Installation> {
        self.scenario
            .installations
            .iter()
            .filter(move |(a, _)| *a == app_id)
            .map(|(_, i)| i)
    }

    pub(super) fn handle(&self, req: &Request) -> Action {
        if !self.latency.is_zero() {
            std::thread::sleep(self.latency);
        }
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

    pub(super) fn strip_prefix(&self, target: &str) -> Option<String> {
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
    pub(super) fn decorate(&self, mut resp: Response) -> Response {
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

    pub(super) fn dispatch(&self, req: &Request, path: &str) -> Action {
        if let Some(kind) = self.pick_fault(&req.method, path) {
            return self.fault_action(kind);
        }
        if req.header("user-agent").is_none_or(|v| v.is_empty()) {
            return Action::Respond(error(403, MSG_NO_USER_AGENT));
        }
        Action::Respond(self.route(req, path))
    }
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

/// Serves one connection
pub(super) fn serve(shared: Arc<Shared>, tcp: TcpStream, tls: Option<Arc<rustls::ServerConfig>>) {
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
