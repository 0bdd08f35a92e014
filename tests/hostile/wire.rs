//! The wire: redirects, proxies, dates and numbers in headers, malformed answers.
//!
//! Each case runs the real binary against a loopback server that answers badly
//! on purpose: the mock GitHub API with a fault, or [`Raw`], a scripted server
//! that writes bytes no well-behaved server would. Redirects point at
//! [`Elsewhere`], a listener on the second loopback address (127.0.0.2) that
//! records every connection and answers 200 to whatever reaches it, so a client
//! that followed would be seen and would be fooled.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testkit::bin;
use testkit::runner::{Run, Step};
use testkit::{APP_KEY_PEM, Fault, MockGithub, Scenario, http};

/// The workflow commands the program may print; anything else the runner
/// would read is a forged command.
const OWN_COMMANDS: [&str; 5] = ["add-mask", "error", "warning", "notice", "debug"];

/// The second loopback address: everything that connects is counted and answered 200.
struct Elsewhere {
    addr: String,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Elsewhere {
    fn start() -> Elsewhere {
        let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
        let addr = listener.local_addr().expect("addr").to_string();
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&connections);
        http::accept_loop("elsewhere", listener, Arc::clone(&stop), move |tcp| {
            seen.fetch_add(1, Ordering::SeqCst);
            answer(tcp, |_| {
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".to_vec()
            });
        });
        Elsewhere {
            addr,
            connections,
            stop,
        }
    }

    /// `http://127.0.0.2:PORT`.
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Elsewhere {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr.parse().unwrap(), Duration::from_millis(200));
    }
}

/// Reads one request from `tcp` and writes what `script` makes of its request
/// line, then closes.
fn answer(tcp: TcpStream, script: impl Fn(&str) -> Vec<u8>) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let mut r = BufReader::new(tcp);
    let Ok(Some(req)) = http::read_request(&mut r) else {
        return;
    };
    let line = format!("{} {}", req.method, req.target);
    let _ = r.get_mut().write_all(&script(&line));
    let _ = r.get_mut().flush();
}

/// A scripted server on 127.0.0.1: every request is recorded and answered with
/// the same raw bytes.
struct Raw {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    addr: String,
}

impl Raw {
    fn start(response: Vec<u8>) -> Raw {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&requests);
        http::accept_loop("raw", listener, Arc::clone(&stop), move |tcp| {
            let bytes = response.clone();
            let seen = Arc::clone(&seen);
            // Recorded before the answer is written: once it is, the binary may exit
            // and the test read the record before this thread gets to it.
            answer(tcp, move |line| {
                seen.lock().unwrap().push(line.to_string());
                bytes.clone()
            });
        });
        Raw {
            url: format!("http://{addr}"),
            requests,
            stop,
            addr,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr.parse().unwrap(), Duration::from_millis(200));
    }
}

/// A raw HTTP/1.1 answer: status line, headers, body, `Connection: close`.
fn raw(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for h in headers {
        out.extend_from_slice(format!("{h}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// What every hostile case must hold: exit 0 or 1, one `::error` on failure,
/// no workflow command but the program's own, none of `secrets` (nor the key,
/// nor a JWT) in what is logged.
fn hostile(run: &Run, secrets: &[&str]) {
    assert!(
        run.code == 0 || run.code == 1,
        "exit {} (a panic or a signal):\n{}",
        run.code,
        run.shown()
    );
    if run.code == 1 {
        assert_eq!(run.errors().len(), 1, "one ::error:\n{}", run.shown());
    }
    // The panic hook exits 1 with one error too: a panic must not pass for a failure.
    assert!(
        !run.log().contains(app_token_action::PANIC_MESSAGE),
        "a panic:\n{}",
        run.shown()
    );
    for line in run.log().lines() {
        assert!(!line.contains("##["), "a legacy command: {line:?}");
        if let Some(cmd) = line.trim_start().strip_prefix("::") {
            let name = cmd.split([' ', ':']).next().unwrap_or_default();
            assert!(OWN_COMMANDS.contains(&name), "a forged command: {line:?}");
        }
    }
    let logged = run.logged();
    let key_line = APP_KEY_PEM.lines().nth(5).expect("a key body line");
    assert!(!logged.contains(key_line), "the key in the log");
    assert!(!logged.contains("eyJ"), "a JWT in the log");
    for s in secrets {
        assert!(!logged.contains(s), "a secret in the log: {:.6}…", s);
    }
}

/// A failure: exit 1 and the one `::error` line, which must say each of `says`
/// as the runner shows it (its escapes undone); the line as the runner shows it.
fn failed(run: &Run, says: &[&str]) -> String {
    assert_eq!(run.code, 1, "expected failure:\n{}", run.shown());
    let error = run.errors()[0]
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%");
    for s in says {
        assert!(error.contains(s), "{s:?} missing from {error}");
    }
    if std::env::var_os("WIRE_SHOW_ERRORS").is_some() {
        eprintln!("{error}");
    }
    error
}

// ---------------------------------------------------------------- redirects

#[test]
fn a_renamed_repository_is_found_through_githubs_301() {
    let mut scenario = Scenario::standard();
    scenario.moved = vec![("acme/old-name".into(), "acme/repo-a".into())];
    let gh = MockGithub::start(scenario);
    let mut step = Step::new(bin!(), &gh.url());
    step.var("GITHUB_REPOSITORY", "acme/old-name")
        .input("check", "true");
    let run = step.main();
    hostile(&run, &[]);
    assert_eq!(run.code, 0, "{}", run.shown());
    let reqs = gh.requests();
    let paths: Vec<(&str, u16)> = reqs.iter().map(|r| (r.path.as_str(), r.status)).collect();
    assert_eq!(
        paths,
        [
            ("/app", 200),
            ("/repos/acme/old-name/installation", 301),
            ("/repositories/1001001/installation", 200),
        ],
        "{reqs:?}"
    );
    // The redirect kept the method and the app's JWT (GitHub checked it again).
    assert!(matches!(reqs[2].auth, testkit::Auth::Jwt { .. }));
    assert_eq!(reqs[2].method, "GET");
}

#[test]
fn a_redirect_to_another_origin_is_an_error_and_nothing_reaches_it() {
    let elsewhere = Elsewhere::start();
    for status in [301, 302, 303, 307, 308] {
        let to = format!(
            "{}/repos/acme/repo-a/installation?token=q-secret",
            elsewhere.url()
        );
        let gh = MockGithub::builder(Scenario::standard())
            .fault(
                Fault::on("GET", "/repos/")
                    .status(status)
                    .header("location", to),
            )
            .start();
        let run = Step::new(bin!(), &gh.url()).main();
        hostile(&run, &["q-secret"]);
        let error = failed(
            &run,
            &[&status.to_string(), &elsewhere.url(), "another origin"],
        );
        assert!(!error.contains("token="), "{error}");
        assert_eq!(gh.count("GET", "/repos/"), 1, "{status}: retried");
        assert!(gh.minted().is_empty());
    }
    assert_eq!(elsewhere.connections(), 0, "a request reached 127.0.0.2");
}

#[test]
fn a_same_origin_307_repeats_the_mint_with_its_body_and_jwt() {
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/app/installations/")
                .times(1)
                .status(307)
                .header("location", "/app/installations/1001/access_tokens"),
        )
        .start();
    let mut step = Step::new(bin!(), &gh.url());
    step.input("permission-contents", "read");
    let run = step.main();
    hostile(&run, &[run.output("token")]);
    assert_eq!(run.code, 0, "{}", run.shown());
    let posts: Vec<_> = gh
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[0].body, posts[1].body);
    assert!(posts[1].body.contains("contents"), "{posts:?}");
    assert!(matches!(posts[1].auth, testkit::Auth::Jwt { .. }));
    assert_eq!(gh.minted().len(), 1);
}

#[test]
fn a_mint_redirected_to_another_origin_sends_it_nothing() {
    let elsewhere = Elsewhere::start();
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/app/installations/")
                .status(308)
                .header("location", format!("{}/mint", elsewhere.url())),
        )
        .start();
    let run = Step::new(bin!(), &gh.url()).main();
    hostile(&run, &[]);
    failed(&run, &["308", &elsewhere.url(), "another origin"]);
    assert_eq!(gh.count("POST", "/app/installations/"), 1);
    assert_eq!(elsewhere.connections(), 0, "the JWT went to 127.0.0.2");
    assert!(run.output("token").is_empty());
}

#[test]
fn a_same_origin_redirect_loop_stops() {
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("GET", "/repos/")
                .status(307)
                .header("location", "/repos/acme/repo-a/installation"),
        )
        .start();
    let run = Step::new(bin!(), &gh.url()).main();
    hostile(&run, &[]);
    failed(&run, &["redirected", "more than 5 times"]);
    assert_eq!(gh.count("GET", "/repos/"), 6);
}

#[test]
fn a_revocation_answered_with_a_redirect_is_not_counted() {
    let elsewhere = Elsewhere::start();
    for location in [
        format!("{}/installation/token", elsewhere.url()),
        "/installation/token-moved".to_string(),
    ] {
        let gh = MockGithub::builder(Scenario::standard())
            .fault(
                Fault::on("DELETE", "/installation/token")
                    .status(301)
                    .header("location", location.clone()),
            )
            .start();
        let step = Step::new(bin!(), &gh.url());
        let main = step.main();
        assert_eq!(main.code, 0, "{}", main.shown());
        let token = main.output("token").to_string();
        let post = step.post(&main);
        hostile(&post, &[&token]);
        assert!(
            !post.stdout.contains("Token revoked"),
            "{location}: {}",
            post.shown()
        );
        assert!(post.stdout.contains("::warning"), "{}", post.shown());
        assert!(post.stdout.contains("301"), "{}", post.shown());
        assert_eq!(gh.count("*", "/installation/token-moved"), 0, "followed");
        assert!(gh.revoked().is_empty());
    }
    assert_eq!(elsewhere.connections(), 0, "a request reached 127.0.0.2");
}

/// A key service whose every answer is `307` to 127.0.0.2: its credential
/// headers must never go there.
fn key_service_redirect(kms_key: &str, env: &[(&str, &str)], secrets: &[&str]) {
    let elsewhere = Elsewhere::start();
    let location = format!("Location: {}/v1/steal?x=1", elsewhere.url());
    let service = Raw::start(raw("307 Temporary Redirect", &[&location], b""));
    let gh = MockGithub::start(Scenario::standard());
    let mut step = Step::new(bin!(), &gh.url());
    step.input("private-key", "").input("kms-key", kms_key);
    for (k, v) in env {
        step.var(k, &v.replace("SERVICE", &service.url));
    }
    let run = step.main();
    hostile(&run, secrets);
    failed(&run, &["307", &elsewhere.url(), "another origin"]);
    assert_eq!(service.requests().len(), 1, "{:?}", service.requests());
    assert_eq!(elsewhere.connections(), 0, "a credential went to 127.0.0.2");
    assert!(gh.requests().is_empty());
}

#[test]
fn a_vault_redirect_keeps_the_vault_token_home() {
    key_service_redirect(
        "hashivault://gh-app",
        &[
            ("VAULT_ADDR", "SERVICE"),
            ("VAULT_TOKEN", "hvs.wire-secret-0123"),
        ],
        &["hvs.wire-secret-0123"],
    );
}

#[test]
fn an_aws_redirect_keeps_the_session_token_home() {
    key_service_redirect(
        "awskms:///arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666",
        &[
            ("AWS_ENDPOINT_URL", "SERVICE"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKIAWIRETEST0000EXAM"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wire/secret/access/key/0123456789abcdefgh",
            ),
            ("AWS_SESSION_TOKEN", "wire-session-token-0123456789"),
        ],
        &[
            "wire/secret/access/key/0123456789abcdefgh",
            "wire-session-token-0123456789",
        ],
    );
}

// ---------------------------------------------------------------- malformed answers

/// GitHub's first call answered with `response`: one clear error at once.
fn unreadable(response: Vec<u8>, says: &[&str]) {
    let api = Raw::start(response);
    let started = Instant::now();
    let run = Step::new(bin!(), &api.url).main();
    hostile(&run, &[]);
    failed(&run, says);
    assert_eq!(api.requests().len(), 1, "retried: {:?}", api.requests());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn invalid_utf8_is_not_retried() {
    let body = b"{\"id\": 1, \"account\": {\"login\": \"\xff\xfe\"}}";
    unreadable(
        raw("200 OK", &["Content-Type: application/json"], body),
        &["GitHub answered", "something that is not UTF-8 text"],
    );
}

#[test]
fn a_gzip_body_is_not_retried() {
    let gzip =
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00\x43\xbf\xa6\xa3\x02\x00\x00\x00";
    unreadable(
        raw(
            "200 OK",
            &["Content-Encoding: gzip", "Content-Type: application/json"],
            gzip,
        ),
        &["something that is not a plain body", "gzip"],
    );
}

#[test]
fn an_unknown_content_coding_is_not_read_as_json() {
    unreadable(
        raw(
            "200 OK",
            &["Content-Encoding: x-wire", "Content-Type: application/json"],
            b"{}",
        ),
        &["something that is not a plain body"],
    );
}

#[test]
fn a_bad_location_is_not_retried() {
    for location in [
        "Location: http://[::1/x",
        "Location: https://user:pw@127.0.0.1/x",
    ] {
        unreadable(
            raw("301 Moved Permanently", &[location], b""),
            &["something that is not a usable redirect"],
        );
    }
    unreadable(
        raw("302 Found", &[], b""),
        &["something that is not a usable redirect"],
    );
}

// ---------------------------------------------------------------- dates and numbers

#[test]
fn a_retry_after_of_i64_max_is_refused_without_a_wrapped_date() {
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("GET", "/repos/")
                .status(503)
                .header("retry-after", "9223372036854775807"),
        )
        .start();
    let run = Step::new(bin!(), &gh.url()).main();
    hostile(&run, &[]);
    failed(&run, &["9223372036854775807 s", "past year 9999"]);
    assert_eq!(gh.count("GET", "/repos/"), 1);
}

#[test]
fn a_huge_rate_limit_reset_is_refused_without_a_wrapped_date() {
    for reset in ["9223372036854775807", "99999999999999999999999"] {
        let gh = MockGithub::builder(Scenario::standard())
            .fault(
                Fault::on("GET", "/repos/")
                    .primary_rate_limit(403, 0)
                    .header("x-ratelimit-reset", reset),
            )
            .start();
        let run = Step::new(bin!(), &gh.url()).main();
        hostile(&run, &[]);
        let error = failed(&run, &["rate limit", "past year 9999"]);
        assert!(!error.contains("Retry after -"), "{error}");
        assert_eq!(gh.count("GET", "/repos/"), 1, "{reset}");
    }
}

#[test]
fn a_date_in_year_99999999999999_is_no_date() {
    // GitHub's clock-skew refusal, with a Date no clock can be set from.
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("GET", "/repos/")
                .status(401)
                .message("'Expiration time' claim ('exp') is too far in the future")
                .header("date", "Sun, 06 Nov 99999999999999 08:49:37 GMT"),
        )
        .start();
    let run = Step::new(bin!(), &gh.url()).main();
    hostile(&run, &[]);
    failed(&run, &["JWT's times", "NTP"]);
    assert_eq!(gh.count("GET", "/repos/"), 1, "no skew correction from it");
}

/// The mint answered with an `expires_at` that is no RFC 3339 time: the answer is
/// not GitHub's, so the step fails with one error naming the field, writes no
/// output, and the token it carried is revoked at once (never lost, never kept).
fn refused_expiry(expires_at: &str) {
    let token = "ghs_wireExpiryToken0123456789abcdefghij";
    let body = serde_json::json!({
        "token": token,
        "expires_at": expires_at,
        "permissions": {"contents": "read"},
        "repository_selection": "selected",
        "repositories": [{"name": "repo-a"}],
    });
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/app/installations/")
                .status(201)
                .body(body.to_string()),
        )
        .start();
    let run = Step::new(bin!(), &gh.url()).main();
    hostile(&run, &[token]);
    failed(&run, &["expires_at", "revoked at once"]);
    assert!(run.outputs.is_empty(), "{}", run.shown());
    assert!(
        gh.requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.path == "/installation/token"),
        "the token was not sent back to be revoked"
    );
}

#[test]
fn a_multibyte_expiry_neither_panics_nor_loses_the_token() {
    // The old reader split the time at byte 8: these put a character across it.
    for expires_at in ["2026-11-23T10:51:2\u{e9}Z", "2026-11-23T10:51:\u{1f600}Z"] {
        refused_expiry(expires_at);
    }
}

#[test]
fn february_31_is_not_a_date() {
    refused_expiry("2026-02-31T10:51:22Z");
}

// ---------------------------------------------------------------- proxies and URLs

#[test]
fn a_proxy_password_with_a_slash_is_refused_and_never_shown() {
    let elsewhere = Elsewhere::start();
    let gh = MockGithub::start(Scenario::standard());
    for (user_pass, secret) in [("alice:s3cr/3t", "s3cr"), ("alice:4711/3t", "4711")] {
        let proxy = format!("http://{user_pass}@{}", elsewhere.addr);
        let mut step = Step::new(bin!(), &gh.url());
        step.var("http_proxy", &proxy);
        let run = step.main();
        hostile(&run, &[secret, "3t@"]);
        failed(&run, &["http_proxy", "%2F", "not shown"]);
    }
    assert!(gh.requests().is_empty());
    assert_eq!(elsewhere.connections(), 0);
}

#[test]
fn junk_after_an_ipv6_bracket_is_not_a_url() {
    let run = Step::new(bin!(), "http://[::1]junk:8080").main();
    hostile(&run, &[]);
    failed(&run, &["`github-api-url`", "not an http(s) URL"]);
}

#[test]
fn every_command_check_would_catch_a_forged_one() {
    // The checks above are only worth something if they can fail.
    let run = Run {
        code: 0,
        stdout: "::set-output name=token::x\n".into(),
        stderr: String::new(),
        outputs: Default::default(),
        state: Default::default(),
        output_file: String::new(),
    };
    assert!(std::panic::catch_unwind(|| hostile(&run, &[])).is_err());
    let mut legacy = run;
    legacy.stdout = "x ##[set-output name=token;]y\n".into();
    assert!(std::panic::catch_unwind(|| hostile(&legacy, &[])).is_err());
}
