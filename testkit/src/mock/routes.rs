//! The endpoints the program calls, answered as GitHub does: JWT checks, the
//! installation lookups, minting with GitHub's validation, revocation, the bot user.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::super::http::{self, Request, Response};
use super::super::jwt::{self, JwtError};
use super::faults::{FaultKind, error_body};
use super::scenario::{
    App, Installation, MAX_REPOSITORIES, MSG_BAD_CREDENTIALS, MSG_BAD_REPOS, MSG_MOVED,
    MSG_NOT_FOUND, MSG_NOT_GRANTED, PERMISSIONS_JSON, TOKEN_FORMAT_HEADER, TokenFormat,
};
use super::server::{Shared, TokenInfo};

/// A token the mock minted.
#[derive(Clone)]
pub struct Minted {
    /// The token.
    pub token: String,
    /// The installation it was minted for.
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

pub(super) fn error(status: u16, msg: &str) -> Response {
    json_response(status, error_body(status, msg))
}

pub(super) fn json_response(status: u16, body: impl Into<Vec<u8>>) -> Response {
    let mut r = Response::new(status);
    r.body = body.into();
    r
}

pub(super) fn json_ok(status: u16, v: &Value) -> Response {
    json_response(status, v.to_string())
}

pub(super) fn schema_error(detail: &str) -> Response {
    error(422, &format!("Invalid request.\n\n{detail}"))
}

pub(super) fn bearer_or_token(req: &Request) -> Option<(bool, &str)> {
    let v = req.header("authorization")?;
    let (scheme, cred) = v.split_once(' ')?;
    let bearer = scheme.eq_ignore_ascii_case("bearer");
    (bearer || scheme.eq_ignore_ascii_case("token")).then_some((bearer, cred.trim()))
}

pub(super) fn permission_table() -> &'static BTreeMap<String, Vec<String>> {
    static TABLE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: Value = serde_json::from_str(PERMISSIONS_JSON).expect("app-permissions.json");
        serde_json::from_value(v["permissions"].clone()).expect("permissions map")
    })
}

pub(super) fn level_rank(level: &str) -> u8 {
    match level {
        "read" => 1,
        "write" => 2,
        "admin" => 3,
        _ => 0,
    }
}

/// An installation token, of either format (GitHub's one rule: the prefix).
pub(super) fn is_installation_token(cred: &str) -> bool {
    cred.starts_with("ghs_")
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
    pub(super) fn route(&self, req: &Request, path: &str) -> Response {
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
            ("GET", ["app", "installations"]) => self
                .jwt_app(req)
                .map(|app| self.list_installations(app, path)),
            ("GET", ["app", "installations", id]) => self
                .jwt_app(req)
                .and_then(|app| self.installation_by_id(app, id)),
            ("POST", ["app", "installations", id, "access_tokens"]) => {
                self.jwt_app(req).and_then(|app| {
                    let inst = self.find_installation(app, id).ok_or_else(not_found)?;
                    Ok(self.mint(app, inst, req))
                })
            }
            ("GET", ["repos", owner, repo, "installation"])
                if self.moved(owner, repo).is_some() =>
            {
                self.jwt_app(req)
                    .and_then(|app| self.moved_redirect(app, owner, repo))
            }
            ("GET", ["repositories", id, "installation"]) => self.jwt_app(req).and_then(|app| {
                let id: u64 = id.parse().map_err(|_| not_found())?;
                self.lookup(app, |i| {
                    !i.enterprise && (0..i.repositories.len()).any(|x| i.repo_id(x) == id)
                })
            }),
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
                .map(|token| self.token_repositories(&token)),
            ("GET", ["users", name]) if name.to_ascii_lowercase().ends_with("[bot]") => {
                self.bot_user(req, path, name)
            }
            _ => Err(not_found()),
        };
        result.unwrap_or_else(|e| e)
    }

    /// The current `(owner, name)` of a renamed or transferred repository.
    pub(super) fn moved(&self, owner: &str, repo: &str) -> Option<(String, String)> {
        let old = format!("{owner}/{repo}");
        let (_, new) = self
            .scenario
            .moved
            .iter()
            .find(|(o, _)| o.eq_ignore_ascii_case(&old))?;
        let (o, r) = new.split_once('/')?;
        Some((o.to_string(), r.to_string()))
    }

    /// GitHub's answer for a moved repository: 301 to its id-based URL, same origin.
    pub(super) fn moved_redirect(
        &self,
        app: &App,
        owner: &str,
        repo: &str,
    ) -> Result<Response, Response> {
        let (o, r) = self.moved(owner, repo).ok_or_else(not_found)?;
        let id = self
            .installations_of(app.id)
            .find(|i| i.account.eq_ignore_ascii_case(&o))
            .and_then(|i| Some(i.repo_id(i.find_repo(&r)?)))
            .ok_or_else(not_found)?;
        let url = format!("{}/repositories/{id}/installation", self.base_url);
        let mut resp = json_response(
            301,
            json!({
                "message": MSG_MOVED,
                "url": url,
                "documentation_url": "https://docs.github.com/v3/#http-redirects",
            })
            .to_string(),
        );
        resp.set_header("location", url);
        Ok(resp)
    }

    /// GitHub's JWT checks; returns the authenticated app or the 401 GitHub would send.
    pub(super) fn jwt_app(&self, req: &Request) -> Result<&App, Response> {
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
    pub(super) fn token_auth(&self, req: &Request, path: &str) -> Result<String, Response> {
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

    /// `GET /app/installations?per_page=N&page=P`: the app's installations, paged as
    /// GitHub pages them (`per_page` default 30, at most 100), with a `Link` header.
    fn list_installations(&self, app: &App, path: &str) -> Response {
        let query = path.split_once('?').map_or("", |(_, q)| q);
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let per_page = param("per_page").unwrap_or(30).clamp(1, 100);
        let page = param("page").unwrap_or(1).max(1);
        let all: Vec<&Installation> = self.installations_of(app.id).collect();
        let items: Vec<Value> = all
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|inst| self.installation_json(app, inst))
            .collect();
        let mut resp = json_ok(200, &Value::Array(items));
        if page * per_page < all.len() {
            let next = format!(
                "<{}/app/installations?per_page={per_page}&page={}>; rel=\"next\"",
                self.base_url,
                page + 1
            );
            resp.set_header("Link", next);
        }
        resp
    }

    /// `GET /installation/repositories`: what the token reaches — the names its mint
    /// asked for, else every repository of its installation.
    fn token_repositories(&self, token: &str) -> Response {
        let st = self.lock();
        let Some(info) = st.tokens.get(token) else {
            return error(401, MSG_BAD_CREDENTIALS);
        };
        let Some((_, inst)) = self
            .scenario
            .installations
            .iter()
            .find(|(_, i)| i.id == info.installation_id)
        else {
            return not_found();
        };
        let asked: Option<Vec<String>> = st
            .minted
            .iter()
            .find(|m| m.token == token)
            .and_then(|m| m.body["repositories"].as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_lowercase))
                    .collect()
            });
        let repos: Vec<Value> = (0..inst.repositories.len())
            .filter(|&i| {
                let name = inst.repositories[i].to_lowercase();
                asked.as_ref().is_none_or(|a| a.contains(&name))
            })
            .map(|i| {
                let name = &inst.repositories[i];
                json!({
                    "id": inst.repo_id(i),
                    "name": name,
                    "full_name": format!("{}/{name}", inst.account),
                    "private": true,
                })
            })
            .collect();
        json_ok(
            200,
            &json!({ "total_count": repos.len(), "repository_selection": inst.repository_selection, "repositories": repos }),
        )
    }

    pub(super) fn find_installation(&self, app: &App, id: &str) -> Option<&Installation> {
        let id: u64 = id.parse().ok()?;
        self.installations_of(app.id).find(|i| i.id == id)
    }

    pub(super) fn installation_by_id(&self, app: &App, id: &str) -> Result<Response, Response> {
        let inst = self.find_installation(app, id).ok_or_else(not_found)?;
        Ok(json_ok(200, &self.installation_json(app, inst)))
    }

    pub(super) fn lookup(
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

    pub(super) fn app_json(&self, app: &App) -> Value {
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

    pub(super) fn installation_json(&self, app: &App, inst: &Installation) -> Value {
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

    pub(super) fn repo_json(&self, inst: &Installation, idx: usize) -> Value {
        let name = &inst.repositories[idx];
        json!({
            "id": inst.repo_id(idx),
            "name": name,
            "full_name": format!("{}/{}", inst.account, name),
            "private": true,
            "owner": { "login": inst.account, "type": inst.account_type },
        })
    }

    /// `GET /users/<slug>[bot]`: public, but a bad credential still gets 401.
    pub(super) fn bot_user(
        &self,
        req: &Request,
        path: &str,
        name: &str,
    ) -> Result<Response, Response> {
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
    pub(super) fn mint(&self, app: &App, inst: &Installation, req: &Request) -> Response {
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

pub(super) fn not_found() -> Response {
    error(404, MSG_NOT_FOUND)
}

/// Names must be known and levels allowed for that name (schema errors, 422).
pub(super) fn check_permission_names(req: &Map<String, Value>) -> Result<(), Response> {
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
