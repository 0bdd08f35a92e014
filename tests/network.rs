//! Fault injection against the network layer: retries and their limits, rate
//! limits, clock skew, a fresh token's replication lag, timeouts, the body cap,
//! proxies and private certificate authorities. Every scenario runs the real
//! binary the way the Actions runner does, against the mock GitHub API, and
//! checks the outcome, how many requests were sent, how long it took, and that
//! no secret reached the log.

mod support;

use std::time::{Duration, Instant};

use support::runner::{Run, Step, TempDir, assert_masked_first, redact};
use support::{APP_KEY_PEM, Fault, MockGithub, Proxy, Scenario, TokenFormat};

const LOOKUP: &str = "/repos/acme/repo-a/installation";
const MINT: &str = "/app/installations/1001/access_tokens";
const REVOKE: &str = "/installation/token";
const BOT_USER: &str = "/users/mock-app%5Bbot%5D";

fn mock_with(faults: Vec<Fault>) -> MockGithub {
    let mut b = MockGithub::builder(Scenario::standard());
    for f in faults {
        b = b.fault(f);
    }
    b.start()
}

/// Runs main and measures it.
fn timed_main(step: &Step) -> (Run, Duration) {
    let t = Instant::now();
    let run = step.main();
    (run, t.elapsed())
}

/// Whether `line` holds something shaped like a JWT: `eyJ` + base64url, a dot,
/// base64url, a dot.
fn has_jwt(line: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    line.match_indices("eyJ").any(|(i, _)| {
        let rest = &line[i..];
        let mut parts = rest.splitn(3, '.');
        let head = parts.next().unwrap_or("");
        let claims = parts.next().unwrap_or("");
        parts.next().is_some()
            && head.len() > 3
            && head.chars().all(b64)
            && !claims.is_empty()
            && claims.chars().all(b64)
    })
}

/// No JWT, no line of the private key, and none of `extra` anywhere in the log;
/// every token the mock minted appears only after (and in) its `::add-mask::`.
fn assert_no_secrets(mock: &MockGithub, run: &Run, extra: &[&str]) {
    let log = run.log();
    // Looked for in the log as the runner shows it: a new-format installation token
    // holds a JWT-shaped part, and is masked; the app's JWT never is.
    for (n, line) in redact(&log).lines().enumerate() {
        assert!(!has_jwt(line), "log line {n} holds a JWT");
    }
    for key_line in APP_KEY_PEM
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
    {
        assert!(
            !log.contains(key_line),
            "the log holds a line of the private key"
        );
    }
    for s in extra {
        assert!(
            !log.contains(s),
            "the log holds a secret ({} chars)",
            s.len()
        );
    }
    for m in mock.minted() {
        if log.contains(&m.token) {
            assert_masked_first(&log, &m.token);
        }
    }
}

/// Main succeeded and handed on the token the mock minted last.
fn assert_success(mock: &MockGithub, run: &Run) {
    assert_eq!(run.code, 0, "main failed:\n{}", run.log());
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    let minted = mock.minted();
    let last = minted.last().expect("a token was minted");
    assert_eq!(run.output("token"), last.token);
    assert_masked_first(&run.log(), &last.token);
}

/// Main failed with exactly one `::error` annotation; returns it.
fn the_error(run: &Run) -> String {
    assert_ne!(run.code, 0, "main should have failed:\n{}", run.log());
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}\n{}", run.log());
    assert!(run.output("token").is_empty());
    errors[0].to_string()
}

/// The retry lines: "...; retrying in N s (attempt K of 4)...".
fn retry_lines(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|l| l.contains("retrying in") && l.contains(" of 4)"))
        .map(str::to_string)
        .collect()
}

/// The wait a retry line announces ("retrying in 1.5 s").
fn announced_wait(line: &str) -> Duration {
    let secs = line
        .split("retrying in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no wait in {line:?}"));
    Duration::from_secs_f64(secs)
}

// ---------------------------------------------------------------- server errors

#[test]
fn mint_500_twice_then_created() {
    let gh = mock_with(vec![Fault::on("POST", MINT).status(500).times(2)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("POST", MINT), 3);
    assert_eq!(gh.count("GET", LOOKUP), 1);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 2, "one line per retry: {lines:?}");
    assert!(lines[0].contains("500") && lines[0].contains("attempt 2 of 4"));
    assert!(lines[1].contains("500") && lines[1].contains("attempt 3 of 4"));
    // Backoff ~1 s then ~2 s, each ×0.5–1.5.
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn mint_500_forever_fails_cleanly_after_four_attempts() {
    let gh = mock_with(vec![Fault::on("POST", MINT).status(500)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(err.starts_with("::error title=GitHub API error::"), "{err}");
    assert!(
        err.contains("500") && err.contains("after 4 attempts"),
        "{err}"
    );
    assert_eq!(gh.count("POST", MINT), 4);
    assert_eq!(gh.count("GET", LOOKUP), 1);
    assert_eq!(retry_lines(&run).len(), 3);
    // ~1 + 2 + 4 s of backoff, each ×0.5–1.5: 3.5–10.5 s.
    assert!(took >= Duration::from_millis(3500), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(gh.minted().is_empty());
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn lookup_502_then_found() {
    let gh = mock_with(vec![Fault::on("GET", LOOKUP).status(502).times(1)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", LOOKUP), 2);
    assert_eq!(gh.count("POST", MINT), 1);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("502") && lines[0].contains("GET /repos/acme/repo-a/installation"));
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn connection_closed_without_answer_then_found() {
    let gh = mock_with(vec![Fault::on("GET", LOOKUP).close().times(1)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", LOOKUP), 2);
    assert_eq!(gh.requests()[0].status, 0, "the first lookup got no answer");
    assert_eq!(gh.count("POST", MINT), 1);
    assert_eq!(retry_lines(&run).len(), 1, "{}", run.stdout);
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn connection_refused_is_retried_then_reported() {
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (run, took) = timed_main(&Step::new(&url));
    let err = the_error(&run);
    assert!(err.starts_with("::error title=Network error::"), "{err}");
    assert!(
        err.contains(&format!("Could not reach 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("after 4 attempts"), "{err}");
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines.iter().all(|l| l.contains("refused")), "{lines:?}");
    // ~1 + 2 + 4 s of backoff, each ×0.5–1.5.
    assert!(took >= Duration::from_millis(3500), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(!run.log().lines().any(has_jwt));
}

// ---------------------------------------------------------------- unusable answers

#[test]
fn malformed_json_is_a_clean_error_without_retry() {
    let gh = mock_with(vec![Fault::on("POST", MINT).malformed_json(201)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(err.contains("could not be read"), "{err}");
    assert!(err.contains("not the expected JSON"), "{err}");
    // The truncated body holds a token-looking value: it must not be quoted.
    assert!(!run.log().contains("ghs_truncated"));
    assert_eq!(gh.count("POST", MINT), 1);
    assert!(retry_lines(&run).is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn oversized_body_is_a_clean_error() {
    // 16 MiB + 1 KiB: just over the cap.
    let bytes = 16 * 1024 * 1024 + 1024;
    let gh = mock_with(vec![Fault::on("POST", MINT).oversized(201, bytes)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(err.contains("16777216 bytes"), "{err}");
    assert!(err.starts_with("::error title=GitHub API error::"), "{err}");
    assert!(err.contains("could not be read"), "{err}");
    assert!(!run.log().contains("ghs_oversized"));
    // Too large is not transient: one request, no retry.
    assert_eq!(gh.count("POST", MINT), 1);
    assert!(retry_lines(&run).is_empty(), "{}", run.stdout);
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

// ---------------------------------------------------------------- final 4xx

#[test]
fn lookup_404_is_not_installed_after_one_request() {
    let gh = mock_with(vec![]);
    let mut step = Step::new(&gh.url());
    step.input("owner", "nobody");
    let (run, took) = timed_main(&step);
    let err = the_error(&run);
    assert!(
        err.starts_with("::error title=App installation not found::"),
        "{err}"
    );
    assert!(err.contains("not installed on the account nobody"), "{err}");
    assert_eq!(gh.count("GET", "/users/nobody/installation"), 1);
    assert_eq!(gh.requests().len(), 1);
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn plain_403_is_final() {
    let gh = mock_with(vec![
        Fault::on("POST", MINT)
            .status(403)
            .message("Resource not accessible by integration"),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(
        err.contains("403") && err.contains("Resource not accessible"),
        "{err}"
    );
    assert_eq!(gh.count("POST", MINT), 1);
    assert!(retry_lines(&run).is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn bad_request_400_is_final() {
    let gh = mock_with(vec![
        Fault::on("GET", LOOKUP)
            .status(400)
            .message("Problems parsing JSON"),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(
        err.contains("400") && err.contains("Problems parsing JSON"),
        "{err}"
    );
    assert_eq!(gh.count("GET", LOOKUP), 1);
    assert_eq!(gh.requests().len(), 1);
    assert!(retry_lines(&run).is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn unprocessable_422_is_final() {
    let gh = mock_with(vec![]);
    let mut step = Step::new(&gh.url());
    // The installation has issues:write at most: admin is not granted.
    step.input("permission-administration", "write");
    let (run, took) = timed_main(&step);
    let err = the_error(&run);
    assert!(
        err.starts_with("::error title=Token request refused::"),
        "{err}"
    );
    assert!(err.contains("not granted"), "{err}");
    assert_eq!(gh.count("POST", MINT), 1);
    assert_eq!(gh.requests().len(), 2);
    assert!(retry_lines(&run).is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

// ---------------------------------------------------------------- rate limits

#[test]
fn retry_after_one_second_on_429() {
    let gh = mock_with(vec![
        Fault::on("POST", MINT)
            .status(429)
            .message("Too many requests")
            .header("retry-after", "1")
            .times(1),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("POST", MINT), 2);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("429") && lines[0].contains("retrying in 1.0 s"));
    assert!(lines[0].contains("as GitHub asked"), "{}", lines[0]);
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn primary_rate_limit_403_waits_for_the_reset() {
    let gh = mock_with(vec![
        Fault::on("GET", LOOKUP).primary_rate_limit(403, 2).times(1),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", LOOKUP), 2);
    assert_eq!(gh.count("POST", MINT), 1);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("403") && lines[0].contains("as GitHub asked"));
    assert!(lines[0].contains("(rate limit exhausted)"), "{}", lines[0]);
    // The reset is 2 s ahead (whole seconds): at least a second and a bit of waiting.
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn retry_after_an_hour_fails_at_once_saying_when() {
    let gh = mock_with(vec![
        Fault::on("POST", MINT)
            .status(429)
            .message("Too many requests")
            .header("retry-after", "3600"),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(err.starts_with("::error title=Rate limited::"), "{err}");
    assert!(err.contains("Retry after 20"), "names the time: {err}");
    assert!(err.contains("3600 s from now"), "{err}");
    assert!(err.contains("at most 60 s"), "{err}");
    assert_eq!(gh.count("POST", MINT), 1);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn primary_rate_limit_reset_in_an_hour_fails_at_once() {
    let gh = mock_with(vec![Fault::on("GET", LOOKUP).primary_rate_limit(403, 3600)]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(err.starts_with("::error title=Rate limited::"), "{err}");
    assert!(err.contains("API rate limit exceeded"), "{err}");
    assert!(err.contains("Retry after 20"), "{err}");
    assert_eq!(gh.count("GET", LOOKUP), 1);
    assert_eq!(gh.requests().len(), 1);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn primary_rate_limit_reset_is_read_on_githubs_clock() {
    // GitHub's clock is 10 minutes ahead: the reset (2 s ahead on GitHub's clock)
    // is 602 s ahead on this machine's. Measured against the answer's Date it is
    // a short wait, not a refusal.
    let gh = MockGithub::builder(Scenario::standard())
        .clock_offset_secs(600)
        .fault(Fault::on("POST", MINT).primary_rate_limit(429, 2).times(1))
        .start();
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", LOOKUP), 2, "one clock-skew retry");
    assert_eq!(gh.count("POST", MINT), 2, "one rate-limit retry");
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn retry_after_on_503_is_honoured() {
    let gh = mock_with(vec![
        Fault::on("GET", LOOKUP)
            .status(503)
            .header("retry-after", "2")
            .times(1),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", LOOKUP), 2);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("503") && lines[0].contains("retrying in 2.0 s"));
    assert!(lines[0].contains("as GitHub asked"), "{}", lines[0]);
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn retry_after_as_an_http_date() {
    let gh = mock_with(vec![]);
    let at = support::http::http_date(gh.now() + 3);
    drop(gh);
    let gh = mock_with(vec![
        Fault::on("POST", MINT)
            .status(429)
            .header("retry-after", at)
            .times(1),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("POST", MINT), 2);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    // The wait is "until that date" on GitHub's clock: at most 3 s, however long
    // this machine took to get there; and the program really waits it.
    assert!(lines[0].contains("as GitHub asked"), "{}", lines[0]);
    let wait = announced_wait(&lines[0]);
    assert!(wait <= Duration::from_secs(3), "{}", lines[0]);
    assert!(took >= wait, "{took:?} < {wait:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn secondary_rate_limit_403_with_retry_after_is_retried() {
    // A 403 (not 429) recognised by GitHub's secondary-rate-limit message.
    // Without Retry-After the wait is a full minute: see the next test.
    let gh = mock_with(vec![
        Fault::on("POST", MINT)
            .secondary_rate_limit(403, Some(1))
            .times(1),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("POST", MINT), 2);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("403") && lines[0].contains("retrying in 1.0 s"));
    assert!(lines[0].contains("(secondary rate limit)"), "{}", lines[0]);
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

/// Starts main without waiting for it; stdout goes to a file in the step's dir.
fn spawn_main(step: &Step) -> (std::process::Child, std::path::PathBuf) {
    let out = step.dir.0.join("stdout.log");
    let child = step
        .command(&support::runner::bin(), &[])
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the binary");
    (child, out)
}

#[test]
fn secondary_rate_limit_without_retry_after_waits_the_minute() {
    // GitHub: without Retry-After, wait at least a minute. The program must plan
    // that retry (within its 60 s cap) rather than give up; the test watches the
    // announced retry and stops the process instead of waiting the minute out.
    let gh = mock_with(vec![
        Fault::on("POST", MINT)
            .secondary_rate_limit(403, None)
            .times(1),
    ]);
    let step = Step::new(&gh.url());
    let (mut child, out) = spawn_main(&step);
    let t = Instant::now();
    let mut line = None;
    while t.elapsed() < Duration::from_secs(10) && line.is_none() {
        std::thread::sleep(Duration::from_millis(100));
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        line = text
            .lines()
            .find(|l| l.contains("retrying in") || l.starts_with("::error"))
            .map(str::to_string);
    }
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("neither a retry line nor an error within 10 s");
    assert!(!line.starts_with("::error"), "gave up at once: {line}");
    assert!(still_running, "the process ended instead of waiting");
    assert!(line.contains("retrying in 60.0 s"), "{line}");
    assert!(line.contains("attempt 2 of 4"), "{line}");
    assert_eq!(gh.count("POST", MINT), 1);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(!text.lines().any(has_jwt));
}

// ---------------------------------------------------------------- clock skew

fn skewed(offset: i64) {
    let gh = MockGithub::builder(Scenario::standard())
        .clock_offset_secs(offset)
        .start();
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    // One corrective retry on the first JWT call; the mint reuses the offset.
    assert_eq!(gh.count("GET", LOOKUP), 2);
    assert_eq!(gh.count("POST", MINT), 1);
    assert_eq!(gh.requests()[0].status, 401);
    let want = if offset > 0 {
        format!("{} s behind", offset)
    } else {
        format!("{} s ahead of", -offset)
    };
    let skew_lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("GitHub refused the JWT's times"))
        .collect();
    assert_eq!(skew_lines.len(), 1, "{}", run.stdout);
    // The Date header has whole seconds: accept ±2 s around the set offset.
    let near = (-2..=2).any(|d| {
        let o = offset + d;
        let w = if o > 0 {
            format!("clock is {o} s behind")
        } else {
            format!("clock is {} s ahead of", -o)
        };
        skew_lines[0].contains(&w)
    });
    assert!(near, "want about {want:?}: {}", skew_lines[0]);
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn server_clock_ten_minutes_ahead() {
    skewed(600);
}

#[test]
fn server_clock_five_minutes_behind() {
    skewed(-300);
}

#[test]
fn skew_offset_carries_over_to_later_calls_in_check_mode() {
    let gh = MockGithub::builder(Scenario::standard())
        .clock_offset_secs(600)
        .start();
    let mut step = Step::new(&gh.url());
    step.input("check", "true");
    let (run, took) = timed_main(&step);
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(run.stdout.contains("Check passed"), "{}", run.stdout);
    assert_eq!(gh.count("GET", "/app"), 2, "GET /app: one corrective retry");
    assert_eq!(
        gh.count("GET", LOOKUP),
        1,
        "the lookup signs on GitHub's time"
    );
    assert!(gh.minted().is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

// ---------------------------------------------------------------- fresh token lag

fn revoke_after_lag(status: u16, format: TokenFormat) {
    let mut scenario = Scenario::standard();
    scenario.token_format = format;
    let gh = MockGithub::builder(scenario)
        .fault(Fault::on("DELETE", REVOKE).fresh_token_lag(1, status))
        .start();
    let step = Step::new(&gh.url());
    let main = step.main();
    assert_success(&gh, &main);
    assert_eq!(gh.minted()[0].format, format);
    let t = Instant::now();
    let post = step.post(&main);
    let took = t.elapsed();
    assert_eq!(post.code, 0, "{}", post.log());
    assert!(
        post.stdout.lines().any(|l| l == "Token revoked"),
        "{}",
        post.stdout
    );
    assert_eq!(gh.count("DELETE", REVOKE), 2);
    assert_eq!(gh.revoked(), vec![main.output("token").to_string()]);
    // One short wait (about a second), no backoff series.
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &post, &[]);
}

#[test]
fn fresh_token_401_on_revocation_is_retried_once() {
    revoke_after_lag(401, TokenFormat::New);
}

#[test]
fn fresh_token_404_on_revocation_is_retried_once() {
    revoke_after_lag(404, TokenFormat::Classic);
}

#[test]
fn fresh_token_lag_on_bot_user_lookup_is_retried_once() {
    let gh = mock_with(vec![
        Fault::on("GET", "/users/mock-app").fresh_token_lag(1, 404),
    ]);
    let mut step = Step::new(&gh.url());
    step.input("bot-identity", "true");
    let (run, took) = timed_main(&step);
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", BOT_USER), 2);
    assert_eq!(run.output("bot-user-id"), "98765432");
    assert!(!run.stdout.contains("::warning"), "{}", run.stdout);
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn revocation_failing_for_good_warns_and_never_fails_the_job() {
    let gh = mock_with(vec![Fault::on("DELETE", REVOKE).status(502)]);
    let step = Step::new(&gh.url());
    let main = step.main();
    assert_success(&gh, &main);
    let t = Instant::now();
    let post = step.post(&main);
    let took = t.elapsed();
    assert_eq!(post.code, 0, "{}", post.log());
    let warning = post
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=Token not revoked::"))
        .unwrap_or_else(|| panic!("{}", post.stdout));
    assert!(
        warning.contains("502") && warning.contains("after 4 attempts"),
        "{warning}"
    );
    assert_eq!(gh.count("DELETE", REVOKE), 4);
    assert!(gh.revoked().is_empty());
    assert!(took >= Duration::from_millis(3500), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_no_secrets(&gh, &post, &[]);
}

// ---------------------------------------------------------------- timeouts

/// Slow on purpose (~31 s): the one test that waits out the 30 s request timeout.
#[test]
fn stalled_server_times_out_then_retry_succeeds() {
    let gh = mock_with(vec![
        Fault::on("GET", LOOKUP)
            .stall(Duration::from_secs(40))
            .times(1),
    ]);
    let (run, took) = timed_main(&Step::new(&gh.url()));
    assert_success(&gh, &run);
    assert_eq!(gh.count("GET", LOOKUP), 2);
    let lines = retry_lines(&run);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("timed out"), "{}", lines[0]);
    assert!(took >= Duration::from_secs(30), "{took:?}");
    assert!(took < Duration::from_secs(45), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

// ---------------------------------------------------------------- proxies

#[test]
fn https_proxy_tunnels_to_the_tls_api() {
    let gh = MockGithub::builder(Scenario::standard()).tls().start();
    let proxy = Proxy::start();
    let mut step = Step::new(&gh.url());
    step.input("ca-certificates", &gh.ca_pem().unwrap())
        .var("HTTPS_PROXY", &proxy.url());
    let (run, took) = timed_main(&step);
    assert_success(&gh, &run);
    let log = proxy.log();
    assert!(!log.is_empty());
    let target = format!("localhost:{}", gh.addr().port());
    assert!(
        log.iter()
            .all(|e| e.method == "CONNECT" && e.target == target && e.status == 200),
        "{log:?}"
    );
    assert_eq!(gh.requests().len(), 2);
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn http_proxy_with_credentials_never_logs_the_password() {
    let gh = mock_with(vec![]);
    let proxy = Proxy::with_credentials("user", "s3cret");
    let proxy_url = format!("http://user:s3cret@{}", proxy.addr());
    let mut step = Step::new(&gh.url());
    step.var("HTTP_PROXY", &proxy_url);
    let main = step.main();
    assert_success(&gh, &main);
    let log = proxy.log();
    assert!(!log.is_empty());
    assert!(log.iter().all(|e| e.had_credentials), "{log:?}");
    assert!(log.iter().all(|e| e.status != 407), "{log:?}");
    assert_eq!(gh.requests().len(), 2);
    assert_no_secrets(&gh, &main, &["s3cret"]);
    // Post goes through the proxy too.
    let post = step.post(&main);
    assert!(
        post.stdout.lines().any(|l| l == "Token revoked"),
        "{}",
        post.stdout
    );
    assert!(proxy.log().len() > log.len());
    assert_no_secrets(&gh, &post, &["s3cret"]);
}

#[test]
fn proxy_password_with_special_characters_is_percent_decoded() {
    // A password like `p@ss:w/rd` must be percent-encoded in the URL; the proxy
    // must receive the decoded value.
    let gh = mock_with(vec![]);
    let proxy = Proxy::with_credentials("ci user", "p@ss:w/rd");
    let url = format!("http://ci%20user:p%40ss%3Aw%2Frd@{}", proxy.addr());
    let mut step = Step::new(&gh.url());
    step.var("http_proxy", &url);
    let (run, _) = timed_main(&step);
    assert_success(&gh, &run);
    let log = proxy.log();
    assert!(
        !log.is_empty() && log.iter().all(|e| e.had_credentials),
        "{log:?}"
    );
    assert_no_secrets(&gh, &run, &["p%40ss", "p@ss"]);
}

#[test]
fn proxy_refusing_the_credentials_fails_at_once_without_showing_them() {
    let gh = mock_with(vec![]);
    let proxy = Proxy::with_credentials("user", "s3cret");
    let mut step = Step::new(&gh.url());
    let wrong = format!("http://user:wr0ngpass@{}", proxy.addr());
    step.var("https_proxy", &wrong).var("http_proxy", &wrong);
    let (run, took) = timed_main(&step);
    let err = the_error(&run);
    assert!(err.starts_with("::error title=Network error::"), "{err}");
    let via = format!("through the proxy http://{}", proxy.addr());
    assert!(err.contains(&via), "{err}");
    assert!(
        err.contains("407") && err.contains("USER:PASSWORD"),
        "{err}"
    );
    // The same credentials get the same 407: no retry.
    assert!(retry_lines(&run).is_empty(), "{}", run.stdout);
    let log = proxy.log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].status, 407);
    assert!(gh.requests().is_empty());
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_no_secrets(&gh, &run, &["wr0ngpass", "s3cret"]);
}

#[test]
fn malformed_proxy_url_is_refused_without_showing_it() {
    let gh = mock_with(vec![]);
    let mut step = Step::new(&gh.url());
    step.var("HTTP_PROXY", "http://user:s3cret@");
    let (run, took) = timed_main(&step);
    let err = the_error(&run);
    assert!(err.starts_with("::error title=Invalid input::"), "{err}");
    assert!(err.contains("HTTP_PROXY"), "{err}");
    assert!(gh.requests().is_empty());
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_no_secrets(&gh, &run, &["s3cret"]);
}

#[test]
fn tls_failure_through_a_proxy_names_the_host_and_the_proxy() {
    let gh = tls_mock();
    let proxy = Proxy::with_credentials("user", "s3cret");
    let mut step = Step::new(&gh.url());
    step.var(
        "HTTPS_PROXY",
        &format!("http://user:s3cret@{}", proxy.addr()),
    );
    let (run, took) = timed_main(&step);
    let err = the_error(&run);
    assert!(err.starts_with("::error title=TLS error::"), "{err}");
    let host = format!("localhost:{}", gh.addr().port());
    assert!(
        err.contains(&format!(
            "TLS to {host} through the proxy http://{}",
            proxy.addr()
        )),
        "{err}"
    );
    assert!(err.contains("ca-certificates"), "{err}");
    assert!(retry_lines(&run).is_empty());
    assert_eq!(proxy.log().len(), 1);
    assert!(gh.requests().is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &["s3cret"]);
}

#[test]
fn all_proxy_is_the_fallback() {
    let gh = mock_with(vec![]);
    let proxy = Proxy::start();
    let mut step = Step::new(&gh.url());
    step.var("ALL_PROXY", &proxy.url());
    let (run, _) = timed_main(&step);
    assert_success(&gh, &run);
    assert!(!proxy.log().is_empty());
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let gh = mock_with(vec![]);
    let proxy = Proxy::start();
    let mut step = Step::new(&gh.url());
    step.var("HTTP_PROXY", &proxy.url())
        .var("HTTPS_PROXY", &proxy.url())
        .var("NO_PROXY", "example.com,127.0.0.1");
    let (run, _) = timed_main(&step);
    assert_success(&gh, &run);
    assert!(proxy.log().is_empty(), "{:?}", proxy.log());
    assert_eq!(gh.requests().len(), 2);
    assert_no_secrets(&gh, &run, &[]);
}

// ---------------------------------------------------------------- private CAs

fn tls_mock() -> MockGithub {
    MockGithub::builder(Scenario::standard()).tls().start()
}

#[test]
fn private_ca_through_ssl_cert_file() {
    let gh = tls_mock();
    let dir = TempDir::new("ca");
    let file = dir.0.join("ca.pem");
    std::fs::write(&file, gh.ca_pem().unwrap()).unwrap();
    let mut step = Step::new(&gh.url());
    step.var("SSL_CERT_FILE", file.to_str().unwrap());
    let (run, _) = timed_main(&step);
    assert_success(&gh, &run);
    assert_eq!(gh.requests().len(), 2);
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn private_ca_through_ssl_cert_dir() {
    let gh = tls_mock();
    let dir = TempDir::new("cadir");
    std::fs::write(dir.0.join("private-ca.crt"), gh.ca_pem().unwrap()).unwrap();
    let mut step = Step::new(&gh.url());
    step.var("SSL_CERT_DIR", dir.0.to_str().unwrap());
    let (run, _) = timed_main(&step);
    assert_success(&gh, &run);
    assert_eq!(gh.requests().len(), 2);
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn private_ca_through_the_input() {
    let gh = tls_mock();
    let mut step = Step::new(&gh.url());
    step.input("ca-certificates", &gh.ca_pem().unwrap());
    let main = step.main();
    assert_success(&gh, &main);
    assert_eq!(gh.requests().len(), 2);
    assert_no_secrets(&gh, &main, &[]);
    // Post reads the same input to reach the API.
    let post = step.post(&main);
    assert!(
        post.stdout.lines().any(|l| l == "Token revoked"),
        "{}",
        post.stdout
    );
    assert_eq!(gh.count("DELETE", REVOKE), 1);
}

#[test]
fn unknown_ca_is_refused_naming_the_host_and_the_cure() {
    let gh = tls_mock();
    let (run, took) = timed_main(&Step::new(&gh.url()));
    let err = the_error(&run);
    assert!(err.starts_with("::error title=TLS error::"), "{err}");
    assert!(
        err.contains(&format!("localhost:{}", gh.addr().port())),
        "{err}"
    );
    assert!(err.contains("ca-certificates"), "{err}");
    assert!(err.contains("SSL_CERT_FILE"), "{err}");
    // A certificate problem is not transient: no retry, and no request got through.
    assert!(retry_lines(&run).is_empty(), "{}", run.stdout);
    assert!(gh.requests().is_empty());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_no_secrets(&gh, &run, &[]);
}
