//! Tests of the mock GitHub itself: it must reject what GitHub rejects, or the binary's
//! tests would pass against a lenient fake.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use testkit::jwt::{self, app_jwt, sign_rs256};
use testkit::*;

const UA: &str = "app-token-action-selftest/0";

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("JSON body, got {} bytes", self.body.len()))
    }
    fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Result<Resp, ureq::Error> {
    let mut b = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("User-Agent", UA)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28");
    if let Some(a) = auth {
        b = b.header("Authorization", a);
    }
    let mut resp = match body {
        Some(s) => agent.run(b.body(s.to_string()).unwrap())?,
        None => agent.run(b.body(()).unwrap())?,
    };
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = resp.body_mut().read_to_string()?;
    Ok(Resp {
        status: resp.status().as_u16(),
        headers,
        body,
    })
}

fn req(method: &str, url: &str, auth: Option<&str>, body: Option<&str>) -> Resp {
    call(&agent(), method, url, auth, body).expect("request to mock")
}

fn bearer(jwt: &str) -> String {
    format!("Bearer {jwt}")
}

fn good_jwt() -> String {
    app_jwt(APP_KEY_PEM, CLIENT_ID, now())
}

fn mint(m: &MockGithub, inst: u64, body: Option<&str>) -> Resp {
    req(
        "POST",
        &format!("{}/app/installations/{inst}/access_tokens", m.url()),
        Some(&bearer(&good_jwt())),
        body,
    )
}

fn jwt_claims(iat: i64, exp: i64) -> String {
    sign_rs256(
        APP_KEY_PEM,
        &json!({ "iss": CLIENT_ID, "iat": iat, "exp": exp }),
    )
}

#[test]
fn valid_jwt_gets_the_app_by_client_id_or_app_id() {
    let m = MockGithub::start(Scenario::standard());
    for iss in [json!(CLIENT_ID), json!(APP_ID), json!(APP_ID.to_string())] {
        let r = req(
            "GET",
            &format!("{}/app", m.url()),
            Some(&bearer(&app_jwt(APP_KEY_PEM, iss, now()))),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["slug"], APP_SLUG);
        assert_eq!(v["client_id"], CLIENT_ID);
        assert_eq!(v["id"], APP_ID);
        assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
        assert!(r.header("x-github-request-id").is_some());
        assert_eq!(r.header("x-ratelimit-limit"), Some("5000"));
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
    }
    let recs = m.requests();
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs[0].auth,
        Auth::Jwt {
            iss: CLIENT_ID.into()
        }
    );
    assert_eq!(
        recs[1].auth,
        Auth::Jwt {
            iss: APP_ID.to_string()
        }
    );
    assert_eq!(
        recs[0].header("accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(recs[0].header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(m.count("GET", "/app"), 3);
    // Distinct request ids.
    assert_eq!(recs[0].status, 200);
}

#[test]
fn wrong_key_or_garbage_is_not_decodable() {
    let m = MockGithub::start(Scenario::standard());
    let url = format!("{}/app", m.url());
    let wrong = app_jwt(OTHER_KEY_PEM, CLIENT_ID, now());
    for auth in [
        bearer(&wrong),
        bearer("not.a.jwt"),
        bearer("abc"),
        "token ghs_x".to_string(),
    ] {
        let r = req("GET", &url, Some(&auth), None);
        assert_eq!(r.status, 401);
        assert_eq!(r.message(), jwt::MSG_DECODE);
        assert_eq!(r.json()["status"], "401");
        assert_eq!(
            r.json()["documentation_url"],
            "https://docs.github.com/rest"
        );
    }
    // An alg other than RS256 is refused even with a valid RS256 signature elsewhere.
    let mut parts: Vec<String> = good_jwt().split('.').map(String::from).collect();
    parts[0] = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
    let r = req("GET", &url, Some(&bearer(&parts.join("."))), None);
    assert_eq!(r.message(), jwt::MSG_DECODE);
}

fn base64_url(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn iat_in_the_future_is_refused() {
    let m = MockGithub::start(Scenario::standard());
    let t = now();
    let r = req(
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&jwt_claims(t + 30, t + 300))),
        None,
    );
    assert_eq!((r.status, r.message()), (401, jwt::MSG_IAT.to_string()));
}

#[test]
fn exp_too_far_is_refused() {
    let m = MockGithub::start(Scenario::standard());
    let t = now();
    // Beyond now + 600, and more than 600 s after iat (though within now + 600).
    for (iat, exp) in [(t - 10, t + 700), (t - 300, t + 400)] {
        let r = req(
            "GET",
            &format!("{}/app", m.url()),
            Some(&bearer(&jwt_claims(iat, exp))),
            None,
        );
        assert_eq!(
            (r.status, r.message()),
            (401, jwt::MSG_EXP_TOO_FAR.to_string())
        );
    }
}

#[test]
fn exp_in_the_past_is_refused() {
    let m = MockGithub::start(Scenario::standard());
    let t = now();
    let r = req(
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&jwt_claims(t - 600, t - 5))),
        None,
    );
    assert_eq!(
        (r.status, r.message()),
        (401, jwt::MSG_EXP_PAST.to_string())
    );
}

#[test]
fn unknown_iss_or_keyless_app_needs_a_public_key() {
    let m = MockGithub::start(Scenario::standard());
    for iss in [
        json!("Iv23liUnknown"),
        json!(99999),
        json!(NO_KEY_APP_ID),
        json!(NO_KEY_CLIENT_ID),
    ] {
        let r = req(
            "GET",
            &format!("{}/app", m.url()),
            Some(&bearer(&app_jwt(APP_KEY_PEM, iss, now()))),
            None,
        );
        assert_eq!((r.status, r.message()), (401, jwt::MSG_NO_KEY.to_string()));
    }
}

#[test]
fn clock_offset_moves_jwt_checks_and_date() {
    // GitHub an hour ahead: a JWT from the real clock has already expired there.
    let m = MockGithub::builder(Scenario::standard())
        .clock_offset_secs(3600)
        .start();
    let r = req(
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    );
    assert_eq!(
        (r.status, r.message()),
        (401, jwt::MSG_EXP_PAST.to_string())
    );
    assert_eq!(
        r.header("date").unwrap(),
        testkit::http::http_date(m.now()).as_str()
    );
    // Signing against the mock's clock works.
    let r = req(
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&app_jwt(APP_KEY_PEM, CLIENT_ID, m.now()))),
        None,
    );
    assert_eq!(r.status, 200);
    // GitHub behind: the real clock's iat is in its future.
    m.set_clock_offset_secs(-120);
    let r = req(
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    );
    assert_eq!(r.message(), jwt::MSG_IAT);
}

#[test]
fn installation_lookups() {
    let m = MockGithub::start(Scenario::standard());
    let auth = bearer(&good_jwt());
    let get = |p: &str| req("GET", &format!("{}{p}", m.url()), Some(&auth), None);
    let id = |r: Resp| {
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["id"].as_u64().unwrap()
    };
    assert_eq!(id(get("/repos/acme/repo-a/installation")), 1001);
    assert_eq!(id(get("/repos/ACME/Website/installation")), 1001);
    assert_eq!(id(get("/repos/octocat/dotfiles/installation")), 1002);
    assert_eq!(id(get("/users/octocat/installation")), 1002);
    assert_eq!(id(get("/users/acme/installation")), 1001);
    assert_eq!(id(get("/enterprises/big-corp/installation")), 1003);
    let one = get("/app/installations/1002");
    let v = one.json();
    assert_eq!(
        (
            v["account"]["login"].as_str(),
            v["account"]["type"].as_str()
        ),
        (Some("octocat"), Some("User"))
    );
    assert_eq!(v["app_slug"], APP_SLUG);
    assert_eq!(v["repository_selection"], "selected");
    for p in [
        "/repos/acme/missing/installation",
        "/repos/other/repo-a/installation",
        "/users/nobody/installation",
        "/enterprises/acme/installation",
        "/users/big-corp/installation",
        "/app/installations/9999",
        "/nonexistent",
    ] {
        let r = get(p);
        assert_eq!(
            (r.status, r.message()),
            (404, "Not Found".to_string()),
            "{p}"
        );
    }
    // Lookups need a JWT.
    let r = req(
        "GET",
        &format!("{}/users/acme/installation", m.url()),
        None,
        None,
    );
    assert_eq!(r.status, 401);
}

#[test]
fn another_apps_jwt_cannot_see_the_installation() {
    let mut s = Scenario::standard();
    s.apps.push(App {
        id: 4242,
        client_id: "Iv23liOtherApp0001".into(),
        slug: "other-app".into(),
        public_key_pem: OTHER_PUBLIC_KEY_PEM.into(),
        bot_user_id: 4243,
    });
    let m = MockGithub::start(s);
    let other = bearer(&app_jwt(OTHER_KEY_PEM, 4242, now()));
    let r = req("GET", &format!("{}/app", m.url()), Some(&other), None);
    assert_eq!(r.json()["slug"], "other-app");
    for (method, p) in [
        ("GET", "/app/installations/1001"),
        ("POST", "/app/installations/1001/access_tokens"),
        ("GET", "/repos/acme/repo-a/installation"),
    ] {
        let r = req(method, &format!("{}{p}", m.url()), Some(&other), None);
        assert_eq!(r.status, 404, "{p}");
    }
    assert!(m.minted().is_empty());
}

#[test]
fn mint_happy_paths() {
    let m = MockGithub::start(Scenario::standard());
    let r = mint(&m, 1001, None);
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    let token = v["token"].as_str().unwrap().to_string();
    assert!(is_new_format(&token), "token length {}", token.len());
    assert_eq!(v["permissions"]["contents"], "write");
    assert_eq!(v["repository_selection"], "all");
    assert!(v.get("repositories").is_none());
    let exp = v["expires_at"].as_str().unwrap();
    let expected = testkit::http::iso8601(m.now() + 3600);
    assert!(
        exp.len() == 20 && exp[..15] == expected[..15],
        "{exp} vs {expected}"
    );

    let body = r#"{"repositories":["repo-a","Website"],"permissions":{"contents":"read","issues":"write"}}"#;
    let r = mint(&m, 1001, Some(body));
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["repository_selection"], "selected");
    assert_eq!(
        v["permissions"],
        json!({"contents":"read","issues":"write"})
    );
    let repos = v["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 2);
    assert_eq!(repos[0]["full_name"], "acme/repo-a");
    assert!(repos[1]["id"].as_u64().is_some());
    assert!(
        v["token"].as_str() != Some(token.as_str()),
        "tokens must differ"
    );

    let ids = format!(r#"{{"repository_ids":[{}]}}"#, repos[0]["id"]);
    assert_eq!(mint(&m, 1001, Some(&ids)).status, 201);

    let minted = m.minted();
    assert_eq!(minted.len(), 3);
    assert_eq!(minted[0].installation_id, 1001);
    assert_eq!(minted[0].body, json!({}));
    assert_eq!(minted[1].body["repositories"][1], "Website");
    assert!(minted[0].token == token, "minted() holds the issued token");
}

/// GitHub's recommended pattern for installation tokens: `ghs_[A-Za-z0-9._-]{36,}`.
fn githubs_pattern(t: &str) -> bool {
    t.strip_prefix("ghs_").is_some_and(|rest| {
        rest.len() >= 36
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b))
    })
}

fn is_classic(t: &str) -> bool {
    t.len() == 40 && t.starts_with("ghs_") && t[4..].bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `ghs_<app id>_<JWT>` of about 520 characters, with `.`, `-` and `_`.
fn is_new_format(t: &str) -> bool {
    use base64::Engine;
    let Some(jwt) = t.strip_prefix(&format!("ghs_{APP_ID}_")) else {
        return false;
    };
    let parts: Vec<&str> = jwt.split('.').collect();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok());
    githubs_pattern(t)
        && (500..=540).contains(&t.len())
        && parts.len() == 3
        && header.is_some_and(|h| h["typ"] == "JWT")
        && ['.', '-', '_'].iter().all(|c| t.contains(*c))
}

/// A mint of installation 1001 with `X-GitHub-Stateless-S2S-Token: value`; the token.
fn mint_with_format_header(m: &MockGithub, value: &str) -> String {
    let request = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}/app/installations/1001/access_tokens", m.url()))
        .header("User-Agent", UA)
        .header("Authorization", bearer(&good_jwt()))
        .header("X-GitHub-Stateless-S2S-Token", value)
        .body(String::new())
        .unwrap();
    let mut resp = agent().run(request).expect("request to mock");
    assert_eq!(resp.status().as_u16(), 201);
    let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    v["token"].as_str().unwrap().to_string()
}

#[test]
fn token_format_follows_the_override_header_exactly() {
    for (default, other) in [
        (TokenFormat::New, TokenFormat::Classic),
        (TokenFormat::Classic, TokenFormat::New),
    ] {
        let mut scenario = Scenario::standard();
        scenario.token_format = default;
        let m = MockGithub::start(scenario);
        let shape = |f: TokenFormat, t: &str| match f {
            TokenFormat::New => is_new_format(t),
            TokenFormat::Classic => is_classic(t),
        };
        let t = mint(&m, 1001, None).json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(shape(default, &t), "no header: the default ({default:?})");
        let forced = if other == TokenFormat::New {
            "enabled"
        } else {
            "disabled"
        };
        assert!(
            shape(other, &mint_with_format_header(&m, forced)),
            "{forced}"
        );
        // GitHub ignores any other value, silently.
        for ignored in ["true", "1", "Enabled", "DISABLED", "stateless"] {
            let t = mint_with_format_header(&m, ignored);
            assert!(shape(default, &t), "{ignored:?} must be ignored");
        }
        let minted = m.minted();
        assert_eq!(minted[1].format, other);
        assert_eq!(minted[1].format_header.as_deref(), Some(forced));
        assert_eq!(minted[0].format_header, None);
        assert!(minted.iter().all(|t| githubs_pattern(&t.token)));
    }
}

#[test]
fn an_installation_token_is_never_taken_for_a_jwt() {
    let m = MockGithub::start(Scenario::standard());
    for format in ["enabled", "disabled"] {
        let token = mint_with_format_header(&m, format);
        // Bearer, and JWT-shaped in the new format: still no app JWT.
        let r = req(
            "GET",
            &format!("{}/app", m.url()),
            Some(&bearer(&token)),
            None,
        );
        assert_eq!((r.status, r.message()), (401, jwt::MSG_DECODE.to_string()));
        for scheme in ["Bearer", "token"] {
            let r = req(
                "GET",
                &format!("{}/users/mock-app%5Bbot%5D", m.url()),
                Some(&format!("{scheme} {token}")),
                None,
            );
            assert_eq!(r.status, 200, "{format} {scheme}");
        }
        let r = req(
            "DELETE",
            &format!("{}/installation/token", m.url()),
            Some(&bearer(&token)),
            None,
        );
        assert_eq!(r.status, 204, "{format}");
        assert!(m.revoked().contains(&token));
    }
    let recs = m.requests();
    assert!(matches!(recs[0].auth, Auth::Jwt { ref iss } if iss == CLIENT_ID));
    for r in recs
        .iter()
        .filter(|r| !r.path.starts_with("/app/installations"))
    {
        assert!(matches!(r.auth, Auth::Token(_)), "{r:?}");
    }
}

#[test]
fn mint_rejects_what_github_rejects() {
    let m = MockGithub::start(Scenario::standard());
    let many: Vec<String> = (0..501).map(|i| format!("r{i}")).collect();
    let many = json!({ "repositories": many }).to_string();
    let cases: Vec<(u64, String, Option<&str>)> = vec![
        (
            1001,
            r#"{"repositories":["acme/repo-a"]}"#.into(),
            Some(testkit::mock::MSG_BAD_REPOS),
        ),
        (
            1001,
            r#"{"repositories":["nope"]}"#.into(),
            Some(testkit::mock::MSG_BAD_REPOS),
        ),
        (
            1002,
            r#"{"repositories":["repo-a"]}"#.into(),
            Some(testkit::mock::MSG_BAD_REPOS),
        ),
        (
            1001,
            r#"{"repository_ids":[1]}"#.into(),
            Some(testkit::mock::MSG_BAD_REPOS),
        ),
        (1001, many, None),
        (
            1001,
            r#"{"permissions":{"pull-requests":"write"}}"#.into(),
            None,
        ),
        (1001, r#"{"permissions":{"content":"read"}}"#.into(), None),
        (1001, r#"{"permissions":{"contents":"admin"}}"#.into(), None),
        (1001, r#"{"permissions":{"workflows":"read"}}"#.into(), None),
        (1001, r#"{"permissions":"contents"}"#.into(), None),
        (1001, r#"{"repos":["repo-a"]}"#.into(), None),
        (
            1002,
            r#"{"permissions":{"issues":"write"}}"#.into(),
            Some(testkit::mock::MSG_NOT_GRANTED),
        ),
        (
            1002,
            r#"{"permissions":{"contents":"write"}}"#.into(),
            Some(testkit::mock::MSG_NOT_GRANTED),
        ),
        (
            1001,
            r#"{"permissions":{"pull_requests":"admin"}}"#.into(),
            None,
        ),
    ];
    for (inst, body, msg) in cases {
        let r = mint(&m, inst, Some(&body));
        assert_eq!(r.status, 422, "body {body:.60}: {}", r.body);
        if let Some(msg) = msg {
            assert_eq!(r.message(), msg, "body {body:.60}");
        }
    }
    // Unknown permission keys are named in the message.
    let r = mint(
        &m,
        1001,
        Some(r#"{"permissions":{"pull-requests":"write"}}"#),
    );
    assert!(r.message().contains("pull-requests"), "{}", r.message());
    assert_eq!(mint(&m, 1001, Some("{not json")).status, 400);
    assert_eq!(mint(&m, 9999, None).status, 404);
    assert!(m.minted().is_empty());
}

#[test]
fn revoked_token_is_bad_credentials_and_bot_lookup_works() {
    let m = MockGithub::start(Scenario::standard());
    let token = mint(&m, 1001, None).json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    for path in ["/users/mock-app%5Bbot%5D", "/users/mock-app[bot]"] {
        let r = req(
            "GET",
            &format!("{}{path}", m.url()),
            Some(&format!("token {token}")),
            None,
        );
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json()["id"], BOT_USER_ID);
        assert_eq!(r.json()["login"], "mock-app[bot]");
    }
    let r = req(
        "DELETE",
        &format!("{}/installation/token", m.url()),
        Some(&format!("Bearer {token}")),
        None,
    );
    assert_eq!(r.status, 204);
    assert!(m.revoked() == [token.clone()], "revoked() holds the token");
    let r = req(
        "DELETE",
        &format!("{}/installation/token", m.url()),
        Some(&format!("token {token}")),
        None,
    );
    assert_eq!(
        (r.status, r.message()),
        (401, "Bad credentials".to_string())
    );
    let r = req(
        "GET",
        &format!("{}/users/mock-app%5Bbot%5D", m.url()),
        Some(&format!("token {token}")),
        None,
    );
    assert_eq!(r.status, 401);
    let r = req(
        "DELETE",
        &format!("{}/installation/token", m.url()),
        Some("token ghs_never_minted"),
        None,
    );
    assert_eq!(r.status, 401);
    let r = req(
        "DELETE",
        &format!("{}/installation/token", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    );
    assert_eq!(r.status, 401);
    assert!(matches!(m.requests()[1].auth, Auth::Token(ref t) if *t == token));
}

#[test]
fn missing_user_agent_is_forbidden() {
    let m = MockGithub::start(Scenario::standard());
    let mut s = TcpStream::connect(m.addr()).unwrap();
    write!(
        s,
        "GET /app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        good_jwt()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 403 "), "{:.40}", out);
    assert!(out.contains("User-Agent header"));
    assert_eq!(m.requests()[0].status, 403);
}

#[test]
fn fault_sequence_500_then_success() {
    let m = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/app/installations/")
                .times(2)
                .status(500),
        )
        .start();
    let statuses: Vec<u16> = (0..3).map(|_| mint(&m, 1001, None).status).collect();
    assert_eq!(statuses, [500, 500, 201]);
    let recorded: Vec<u16> = m.requests().iter().map(|r| r.status).collect();
    assert_eq!(recorded, [500, 500, 201]);
    assert_eq!(m.minted().len(), 1);
    // Other paths are untouched.
    assert_eq!(
        req(
            "GET",
            &format!("{}/app", m.url()),
            Some(&bearer(&good_jwt())),
            None
        )
        .status,
        200
    );
}

#[test]
fn rate_limit_faults_carry_github_headers() {
    let m = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("GET", "/app")
                .times(1)
                .secondary_rate_limit(403, Some(7)),
        )
        .fault(
            Fault::on("GET", "/app")
                .skip(1)
                .times(1)
                .primary_rate_limit(429, 30),
        )
        .start();
    let url = format!("{}/app", m.url());
    let r = req("GET", &url, Some(&bearer(&good_jwt())), None);
    assert_eq!(r.status, 403);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert!(r.message().contains("secondary rate limit"));
    let r = req("GET", &url, Some(&bearer(&good_jwt())), None);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let reset: i64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!((reset - (m.now() + 30)).abs() <= 2);
    assert_eq!(
        req("GET", &url, Some(&bearer(&good_jwt())), None).status,
        200
    );
}

#[test]
fn connection_faults() {
    let m = MockGithub::builder(Scenario::standard())
        .fault(Fault::on("GET", "/app").times(1).close())
        .fault(
            Fault::on("GET", "/app")
                .skip(1)
                .times(1)
                .stall(Duration::from_secs(3)),
        )
        .fault(
            Fault::on("GET", "/app")
                .skip(2)
                .times(1)
                .malformed_json(200),
        )
        .fault(
            Fault::on("GET", "/app")
                .skip(3)
                .times(1)
                .oversized(200, 10 << 20),
        )
        .start();
    let url = format!("{}/app", m.url());
    let jwt = bearer(&good_jwt());
    assert!(
        call(&agent(), "GET", &url, Some(&jwt), None).is_err(),
        "closed connection"
    );
    let quick: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_millis(500)))
        .build()
        .into();
    let t = Instant::now();
    assert!(
        call(&quick, "GET", &url, Some(&jwt), None).is_err(),
        "stalled"
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    let r = req("GET", &url, Some(&jwt), None);
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    // The body is announced honestly; a client-side cap trips on it.
    let mut resp = agent()
        .get(&url)
        .header("Authorization", &jwt)
        .call()
        .unwrap();
    assert_eq!(
        resp.headers()["content-length"],
        (10u64 << 20).to_string().as_str()
    );
    assert!(
        resp.body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .is_err()
    );
    let statuses: Vec<u16> = m.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [0, 0, 200, 200]);
}

#[test]
fn fresh_token_lag_fails_first_use_of_each_token() {
    let m = MockGithub::builder(Scenario::standard())
        .fault(Fault::on("GET", "/users/").fresh_token_lag(1, 401))
        .start();
    let url = format!("{}/users/mock-app%5Bbot%5D", m.url());
    for _ in 0..2 {
        let token = mint(&m, 1001, None).json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let auth = format!("token {token}");
        assert_eq!(req("GET", &url, Some(&auth), None).status, 401);
        assert_eq!(req("GET", &url, Some(&auth), None).status, 200);
    }
    // Revocation is not covered by this fault.
    let token = mint(&m, 1001, None).json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = req(
        "DELETE",
        &format!("{}/installation/token", m.url()),
        Some(&format!("token {token}")),
        None,
    );
    assert_eq!(r.status, 204);
}

#[test]
fn path_prefix_like_ghes() {
    let m = MockGithub::builder(Scenario::standard())
        .path_prefix("/api/v3")
        .start();
    assert!(m.url().ends_with("/api/v3"));
    let r = req(
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    );
    assert_eq!(r.status, 200);
    let root = m.url().trim_end_matches("/api/v3").to_string();
    let r = req(
        "GET",
        &format!("{root}/app"),
        Some(&bearer(&good_jwt())),
        None,
    );
    assert_eq!(r.status, 404);
    let paths: Vec<String> = m.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/app", "/app"]);
    let r = mint(&m, 1001, None);
    assert_eq!(r.status, 201);
    let inst = req(
        "GET",
        &format!("{}/app/installations/1001", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    )
    .json();
    assert!(
        inst["access_tokens_url"]
            .as_str()
            .unwrap()
            .starts_with(&m.url())
    );
}

fn tls_agent(ca: Option<&str>, proxy: Option<&str>) -> ureq::Agent {
    use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
    install_crypto_provider();
    let certs: Vec<Certificate<'static>> = ca
        .map(|p| Certificate::from_pem(p.as_bytes()).unwrap())
        .into_iter()
        .collect();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .proxy(proxy.map(|p| ureq::Proxy::new(p).unwrap()))
        .tls_config(
            TlsConfig::builder()
                .provider(TlsProvider::Rustls)
                .root_certs(RootCerts::new_with_certs(&certs))
                .build(),
        )
        .build()
        .into()
}

#[test]
fn tls_mode_needs_the_ca() {
    let m = MockGithub::builder(Scenario::standard()).tls().start();
    assert!(m.url().starts_with("https://localhost:"));
    let ca = m.ca_pem().expect("CA in TLS mode");
    let r = call(
        &tls_agent(Some(&ca), None),
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["slug"], APP_SLUG);
    let ip_url = format!("https://127.0.0.1:{}/app", m.addr().port());
    assert_eq!(
        call(
            &tls_agent(Some(&ca), None),
            "GET",
            &ip_url,
            Some(&bearer(&good_jwt())),
            None
        )
        .unwrap()
        .status,
        200
    );
    assert!(
        call(
            &tls_agent(None, None),
            "GET",
            &format!("{}/app", m.url()),
            None,
            None
        )
        .is_err()
    );
    assert_eq!(m.count("GET", "/app"), 2);
    assert!(MockGithub::start(Scenario::standard()).ca_pem().is_none());
}

#[test]
fn proxy_connect_is_logged_with_credentials_flag() {
    let m = MockGithub::builder(Scenario::standard()).tls().start();
    let ca = m.ca_pem().unwrap();
    let p = Proxy::with_credentials("user", "s3cret");
    let with = p.url().replace("http://", "http://user:s3cret@");
    let r = call(
        &tls_agent(Some(&ca), Some(&with)),
        "GET",
        &format!("{}/app", m.url()),
        Some(&bearer(&good_jwt())),
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert!(
        call(
            &tls_agent(Some(&ca), Some(&p.url())),
            "GET",
            &format!("{}/app", m.url()),
            None,
            None
        )
        .is_err()
    );
    let log = p.log();
    let target = format!("localhost:{}", m.addr().port());
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].target.as_str(),
            log[0].had_credentials,
            log[0].status
        ),
        ("CONNECT", target.as_str(), true, 200)
    );
    assert_eq!((log[1].had_credentials, log[1].status), (false, 407));
    assert!(!format!("{log:?}").contains("s3cret"));
}

#[test]
fn proxy_forwards_absolute_form() {
    let m = MockGithub::start(Scenario::standard());
    let p = Proxy::start();
    let mut s = TcpStream::connect(p.addr()).unwrap();
    write!(
        s,
        "GET {}/app HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\nAuthorization: Bearer {}\r\n\r\n",
        m.url(),
        good_jwt()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 "), "{:.40}", out);
    assert_eq!(p.log()[0].method, "GET");
    assert_eq!(p.log()[0].target, format!("{}/app", m.url()));
    assert!(!p.log()[0].had_credentials);
    assert_eq!(m.requests()[0].path, "/app");
}

#[test]
fn keep_alive_and_chunked_bodies() {
    let m = MockGithub::start(Scenario::standard());
    let mut s = TcpStream::connect(m.addr()).unwrap();
    let jwt = good_jwt();
    write!(
        s,
        "POST /app/installations/1001/access_tokens HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\nAuthorization: Bearer {jwt}\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\n{{\"per\r\n1c\r\nmissions\":{{\"issues\":\"read\"}}}}\r\n0\r\n\r\n\
         GET /app HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\nAuthorization: Bearer {jwt}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 201 "), "{:.40}", out);
    assert_eq!(out.matches("HTTP/1.1 200 ").count(), 1);
    assert_eq!(m.minted()[0].body, json!({"permissions":{"issues":"read"}}));
}

#[test]
fn http_helpers() {
    assert_eq!(
        testkit::http::http_date(784_111_777),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(testkit::http::iso8601(0), "1970-01-01T00:00:00Z");
    assert_eq!(
        testkit::http::iso8601(1_767_225_600),
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(testkit::http::percent_decode("a%5Bbot%5d%"), "a[bot]%");
}
