//! Mocks of the keyless exchanges' endpoints: Google's STS (`POST /v1/token`) with IAM
//! Credentials (`POST /v1/projects/-/serviceAccounts/<sa>:generateAccessToken`) on one
//! server, and Microsoft Entra ID's token endpoint (`POST /<tenant>/oauth2/v2.0/token`).
//!
//! Each checks what the real one checks before it mints: the grant and token types,
//! the audience, the scope, the client assertion type, and the runner's OIDC token
//! itself (its RS256 signature against the stand-in issuer's public key, its `iss`,
//! `exp` and `aud`, and the claim a trust condition binds). Refusals carry the real
//! services' codes and words (google-github-actions/auth#29, #161, #340;
//! Azure/login#360, #482; azure-keyvault-emulator#324).

use std::io::BufReader;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::http::{self, Request, Response};
use crate::jwt;

/// The issuer of the runner's tokens.
pub const ISSUER: &str = "https://token.actions.githubusercontent.com";
/// What Google's STS mints (a federated token).
pub const FEDERATED_TOKEN: &str = "ya29.d.federated-token-from-sts-0123456789";
/// What IAM Credentials mints for the service account.
pub const SA_TOKEN: &str = "ya29.c.service-account-token-0123456789";
/// What Entra ID mints for Key Vault.
pub const ENTRA_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.entra-vault-token.sig0123456789";

/// What the mock trusts; change it between runs with [`KeylessMock::set`].
#[derive(Clone, Debug)]
pub struct Trust {
    /// Google: the provider's resource name; Azure: the tenant (id or domain).
    pub realm: String,
    /// The audiences the provider or federated credential allows.
    pub audiences: Vec<String>,
    /// The one repository the trust binds (Google: the attribute condition on
    /// `assertion.repository`; Azure: the federated credential's subject).
    pub repository: String,
    /// Google: service accounts the pool's principals may impersonate.
    /// Azure: the app's client id.
    pub granted: Vec<String>,
    /// Azure: the scope the app may ask for.
    pub scope: String,
}

/// One request the mock received: method and path only (bodies hold the OIDC token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
}

struct Shared {
    issuer_public_der: Vec<u8>,
    trust: Mutex<Trust>,
    seen: Mutex<Vec<Seen>>,
    subject_tokens: Mutex<Vec<String>>,
}

/// A running mock of one vendor's token endpoints.
pub struct KeylessMock {
    shared: Arc<Shared>,
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl KeylessMock {
    /// Google's STS and IAM Credentials, trusting tokens of `issuer_public_pem` for
    /// `provider` (default audience `https://iam.googleapis.com/<provider>`),
    /// `acme/widgets`, and letting its principals impersonate `service_account`.
    pub fn google(issuer_public_pem: &str, provider: &str, service_account: &str) -> KeylessMock {
        KeylessMock::start(
            issuer_public_pem,
            Trust {
                realm: provider.into(),
                audiences: vec![format!("https://iam.googleapis.com/{provider}")],
                repository: "acme/widgets".into(),
                granted: vec![service_account.into()],
                scope: String::new(),
            },
            google,
        )
    }

    /// Entra ID for `tenant`, with app `client_id` whose federated credential trusts
    /// `repo:acme/widgets:ref:refs/heads/main` with audience `api://AzureADTokenExchange`.
    pub fn entra(issuer_public_pem: &str, tenant: &str, client_id: &str) -> KeylessMock {
        KeylessMock::start(
            issuer_public_pem,
            Trust {
                realm: tenant.into(),
                audiences: vec!["api://AzureADTokenExchange".into()],
                repository: "acme/widgets".into(),
                granted: vec![client_id.into()],
                scope: "https://vault.azure.net/.default".into(),
            },
            entra,
        )
    }

    fn start(
        issuer_public_pem: &str,
        trust: Trust,
        answer: fn(&Shared, &Trust, &Request) -> (u16, Value),
    ) -> KeylessMock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let shared = Arc::new(Shared {
            issuer_public_der: jwt::rsa_public_key_der(issuer_public_pem).expect("issuer key"),
            trust: Mutex::new(trust),
            seen: Mutex::new(Vec::new()),
            subject_tokens: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let mut r = BufReader::new(tcp);
                let Ok(Some(req)) = http::read_request(&mut r) else {
                    continue;
                };
                let path = req.target.split('?').next().unwrap_or("").to_string();
                s.seen.lock().unwrap().push(Seen {
                    method: req.method.clone(),
                    path,
                });
                let trust = s.trust.lock().unwrap().clone();
                let (status, body) = answer(&s, &trust, &req);
                let mut resp = Response::new(status);
                resp.set_header("Content-Type", "application/json; charset=utf-8");
                resp.body = body.to_string().into_bytes();
                let _ = http::write_response(r.get_mut(), &resp, false);
            }
        });
        KeylessMock { shared, url }
    }

    /// Changes what the mock trusts from the next request on.
    pub fn set(&self, change: impl FnOnce(&mut Trust)) {
        change(&mut self.shared.trust.lock().unwrap());
    }

    /// The requests so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The OIDC tokens presented so far (for the tests' no-secret-in-the-log checks).
    pub fn subject_tokens(&self) -> Vec<String> {
        self.shared.subject_tokens.lock().unwrap().clone()
    }
}

/// Why a presented OIDC token is refused, in the mock's terms.
#[derive(Debug, PartialEq)]
enum TokenFault {
    /// Not a JWT, not RS256, not signed by the issuer's key, wrong `iss`, expired.
    Invalid,
    /// `aud` not allowed.
    Audience(String),
    /// The trust's binding (repository, subject) does not hold.
    Binding(String),
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The checks every relying party makes of the runner's token.
fn check_token(shared: &Shared, trust: &Trust, token: &str) -> Result<Value, TokenFault> {
    shared
        .subject_tokens
        .lock()
        .unwrap()
        .push(token.to_string());
    let parsed = jwt::parse(token).map_err(|_| TokenFault::Invalid)?;
    if !parsed.verify(&shared.issuer_public_der) {
        return Err(TokenFault::Invalid);
    }
    let claims = parsed.claims.clone();
    let exp = claims["exp"].as_i64().unwrap_or(0);
    if claims["iss"] != ISSUER || exp <= now() {
        return Err(TokenFault::Invalid);
    }
    let aud = claims["aud"].as_str().unwrap_or("").to_string();
    if !trust.audiences.contains(&aud) {
        return Err(TokenFault::Audience(aud));
    }
    if claims["repository"] != trust.repository.as_str() {
        return Err(TokenFault::Binding(
            claims["sub"].as_str().unwrap_or("").to_string(),
        ));
    }
    Ok(claims)
}

fn oauth_error(status: u16, error: &str, description: &str) -> (u16, Value) {
    (
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn google_error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({"error": {"code": status, "message": message, "status": code}}),
    )
}

fn google(shared: &Shared, trust: &Trust, req: &Request) -> (u16, Value) {
    match (req.method.as_str(), req.target.as_str()) {
        ("POST", "/v1/token") => google_sts(shared, trust, req),
        ("POST", t) if t.starts_with("/v1/projects/-/serviceAccounts/") => {
            generate_access_token(trust, req)
        }
        _ => google_error(404, "NOT_FOUND", "Method not found."),
    }
}

fn google_sts(shared: &Shared, trust: &Trust, req: &Request) -> (u16, Value) {
    let b: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let field = |k: &str| b[k].as_str().unwrap_or("");
    if field("grantType") != "urn:ietf:params:oauth:grant-type:token-exchange" {
        return oauth_error(400, "unsupported_grant_type", "Unsupported grant type.");
    }
    if field("subjectTokenType") != "urn:ietf:params:oauth:token-type:jwt"
        || field("requestedTokenType") != "urn:ietf:params:oauth:token-type:access_token"
    {
        return oauth_error(
            400,
            "invalid_request",
            "Invalid value for \"subject_token_type\" or \"requested_token_type\".",
        );
    }
    if !field("scope")
        .split(' ')
        .any(|s| s == "https://www.googleapis.com/auth/cloud-platform")
    {
        return oauth_error(400, "invalid_scope", "The scope is not valid.");
    }
    let audience = field("audience");
    let Some(provider) = audience.strip_prefix("//iam.googleapis.com/projects/") else {
        return oauth_error(
            400,
            "invalid_request",
            "Invalid value for \"audience\". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.",
        );
    };
    if format!("projects/{provider}") != trust.realm {
        return oauth_error(
            400,
            "invalid_target",
            "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.",
        );
    }
    match check_token(shared, trust, field("subjectToken")) {
        Ok(_) => (
            200,
            json!({"access_token": FEDERATED_TOKEN, "issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "token_type": "Bearer", "expires_in": 3599}),
        ),
        Err(TokenFault::Invalid) => oauth_error(400, "invalid_grant", "Invalid JWT signature."),
        Err(TokenFault::Audience(_)) => oauth_error(
            400,
            "invalid_grant",
            "The audience in JWT does not match the expected values.",
        ),
        Err(TokenFault::Binding(_)) => oauth_error(
            400,
            "unauthorized_client",
            "The given credential is rejected by the attribute condition.",
        ),
    }
}

fn generate_access_token(trust: &Trust, req: &Request) -> (u16, Value) {
    if req.header("authorization") != Some(&format!("Bearer {FEDERATED_TOKEN}")) {
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        );
    }
    let account = req
        .target
        .strip_prefix("/v1/projects/-/serviceAccounts/")
        .and_then(|r| r.strip_suffix(":generateAccessToken"))
        .unwrap_or("");
    if !trust.granted.iter().any(|g| g == account) {
        return google_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        );
    }
    let b: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let scopes = b["scope"].as_array().map_or(0, Vec::len);
    let lifetime = b["lifetime"]
        .as_str()
        .and_then(|l| l.strip_suffix('s'))
        .map_or(Some(3600), |l| l.parse::<u64>().ok());
    if scopes == 0 || lifetime.is_none_or(|l| l > 3600) {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "Request contains an invalid argument.",
        );
    }
    (
        200,
        json!({"accessToken": SA_TOKEN, "expireTime": http::iso8601(now() + 600)}),
    )
}

/// Entra's refusal: `{"error", "error_description": "AADSTS<n>: …", "error_codes": [n]}`.
fn entra_error(status: u16, error: &str, code: u64, text: &str) -> (u16, Value) {
    (
        status,
        json!({"error": error, "error_description": format!("AADSTS{code}: {text} Trace ID: 0000 Correlation ID: 0000 Timestamp: 2026-12-03 21:00:00Z"), "error_codes": [code], "timestamp": "2026-12-03 21:00:00Z"}),
    )
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (http::percent_decode(k), http::percent_decode(v)))
        .collect()
}

fn entra(shared: &Shared, trust: &Trust, req: &Request) -> (u16, Value) {
    let Some(tenant) = req
        .target
        .strip_prefix('/')
        .and_then(|t| t.strip_suffix("/oauth2/v2.0/token"))
        .filter(|_| req.method == "POST")
    else {
        return entra_error(
            404,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        );
    };
    if tenant != trust.realm {
        return entra_error(
            400,
            "invalid_tenant",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    if !req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    }
    client_credentials(shared, trust, tenant, &form(&req.body))
}

/// Entra's answer when no federated credential matches the assertion's `what`.
fn no_match(code: u64, what: &str, value: &str) -> (u16, Value) {
    let text = format!(
        "No matching federated identity record found for presented assertion {what} '{value}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion."
    );
    entra_error(401, "invalid_client", code, &text)
}

/// Entra's token for Key Vault.
fn minted() -> (u16, Value) {
    (
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": ENTRA_TOKEN}),
    )
}

/// The form's checks, then the assertion's, in the order Entra reports them.
fn client_credentials(
    shared: &Shared,
    trust: &Trust,
    tenant: &str,
    f: &[(String, String)],
) -> (u16, Value) {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if get("grant_type") != "client_credentials" {
        return entra_error(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if !trust.granted.iter().any(|c| c == get("client_id")) {
        return entra_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{tenant}'.",
                get("client_id")
            ),
        );
    }
    if get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        return entra_error(
            400,
            "invalid_request",
            50027,
            "The client_assertion_type is not supported.",
        );
    }
    if get("scope") != trust.scope {
        return entra_error(
            400,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {} was not found in the tenant named {tenant}.",
                get("scope").trim_end_matches("/.default")
            ),
        );
    }
    match check_token(shared, trust, get("client_assertion")) {
        Ok(_) => minted(),
        Err(TokenFault::Invalid) => no_match(700211, "issuer", ISSUER),
        Err(TokenFault::Audience(aud)) => no_match(700212, "audience", &aud),
        Err(TokenFault::Binding(sub)) => no_match(700213, "subject", &sub),
    }
}
