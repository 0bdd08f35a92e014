//! A stand-in for the runner's OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`):
//! checks the bearer request token, records the `audience` asked for, and answers
//! `{"count": 1, "value": <a JWT signed by a test issuer key>}` with GitHub's claims.

use std::io::BufReader;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::http::{self, Response};

/// The issuer GitHub's tokens carry.
pub const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// A running stand-in.
pub struct OidcStandIn {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`, with a query string as the runner's has.
    pub url: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub request_token: String,
    audiences: Arc<Mutex<Vec<Option<String>>>>,
}

/// GitHub-shaped claims for `acme/widgets` on `main`, for `aud`, valid for 5 minutes.
pub fn claims(aud: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    json!({
        "iss": ISSUER, "aud": aud, "sub": "repo:acme/widgets:ref:refs/heads/main",
        "repository": "acme/widgets", "repository_owner": "acme", "ref": "refs/heads/main",
        "workflow": "ci", "job_workflow_ref": "acme/widgets/.github/workflows/ci.yml@refs/heads/main",
        "iat": now, "nbf": now - 5, "exp": now + 300, "jti": format!("jti-{now}"),
    })
}

impl OidcStandIn {
    /// Serves tokens signed with `issuer_pem` (a PKCS#1 or PKCS#8 RSA key).
    pub fn start(issuer_pem: &'static str) -> OidcStandIn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/idtoken?api-version=2.0",
            listener.local_addr().unwrap().port()
        );
        let request_token = "runner-request-token-0123".to_string();
        let audiences = Arc::new(Mutex::new(Vec::new()));
        let (seen, want) = (audiences.clone(), format!("Bearer {request_token}"));
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let mut r = BufReader::new(tcp);
                let Ok(Some(req)) = http::read_request(&mut r) else {
                    continue;
                };
                let aud = req
                    .target
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix("audience="))
                    .map(http::percent_decode);
                seen.lock().unwrap().push(aud.clone());
                let mut resp = Response::new(200);
                if req.header("authorization") != Some(want.as_str()) {
                    resp = Response::new(401);
                } else {
                    let aud = aud.unwrap_or_else(|| "https://github.com/acme".into());
                    let token = crate::jwt::sign_rs256(issuer_pem, &claims(&aud));
                    resp.body = json!({"count": 1, "value": token}).to_string().into_bytes();
                }
                let _ = http::write_response(r.get_mut(), &resp, false);
            }
        });
        OidcStandIn {
            url,
            request_token,
            audiences,
        }
    }

    /// The runner's variables pointing at this stand-in.
    pub fn env(&self) -> impl Fn(&str) -> Option<String> + use<> {
        let (url, token) = (self.url.clone(), self.request_token.clone());
        move |k| match k {
            "ACTIONS_ID_TOKEN_REQUEST_URL" => Some(url.clone()),
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some(token.clone()),
            _ => None,
        }
    }

    /// The `audience` of each request so far (`None`: none was asked for).
    pub fn audiences(&self) -> Vec<Option<String>> {
        self.audiences.lock().unwrap().clone()
    }
}
