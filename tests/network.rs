//! Fault injection against the network layer: retries and their limits, rate
//! limits, clock skew, a fresh token's replication lag, timeouts, the body cap,
//! proxies and private certificate authorities. Every scenario runs the real
//! binary the way the Actions runner does, against the mock GitHub API, and
//! checks the outcome, how many requests were sent, how long it took, and that
//! no secret reached the log.

use std::time::{Duration, Instant};

use testkit::bin;
use testkit::runner::{Run, Step, TempDir, assert_masked_first, redact};
use testkit::{APP_KEY_PEM, Fault, MockGithub, Proxy, Scenario, TokenFormat};

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
    // Looked for in the log as the runner shows it: a new-format installation token
    // holds a JWT-shaped part, and is masked; the app's JWT never is.
    for (n, line) in redact(&run.log()).lines().enumerate() {
        assert!(!has_jwt(line), "log line {n} holds a JWT");
    }
    let log = run.logged();
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
    let raw = run.log();
    for m in mock.minted() {
        if raw.contains(&m.token) {
            assert_masked_first(&raw, &m.token);
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

// ---------------------------------------------------------------- retries, final answers, rate limits

/// How a scenario must end.
enum End {
    /// Main succeeded with the token the mock minted last.
    Created,
    /// Main failed with one `::error` containing all of these.
    Failed(&'static [&'static str]),
}

/// One scenario: what the mock does, what main must end with, how
/// many requests reach which path, what each retry line says, and how long it takes.
struct Case {
    name: &'static str,
    faults: Vec<Fault>,
    /// The mock's clock ahead of this machine's, seconds.
    clock_offset: i64,
    inputs: &'static [(&'static str, &'static str)],
    end: End,
    /// `(method, path prefix, count)`.
    requests: &'static [(&'static str, &'static str, usize)],
    /// All requests together, when the scenario pins it.
    total: Option<usize>,
    /// One entry per retry line, each with the words it must contain.
    retries: &'static [&'static [&'static str]],
    /// The run's duration: at least, less than.
    took: (Duration, Duration),
    /// Strings the log must never show (beyond the key and the JWT).
    hidden: &'static [&'static str],
    /// Anything particular to the scenario.
    extra: fn(&MockGithub, &Run, Duration),
}

const MS: fn(u64) -> Duration = Duration::from_millis;
const SECS: fn(u64) -> Duration = Duration::from_secs;

impl Case {
    fn new(name: &'static str, faults: Vec<Fault>, end: End) -> Case {
        Case {
            name,
            faults,
            clock_offset: 0,
            inputs: &[],
            end,
            requests: &[],
            total: None,
            retries: &[],
            took: (Duration::ZERO, SECS(10)),
            hidden: &[],
            extra: |_, _, _| {},
        }
    }

    fn check(self) {
        let mut builder =
            MockGithub::builder(Scenario::standard()).clock_offset_secs(self.clock_offset);
        for f in self.faults {
            builder = builder.fault(f);
        }
        let gh = builder.start();
        let mut step = Step::new(bin!(), &gh.url());
        for (name, value) in self.inputs {
            step.input(name, value);
        }
        let (run, took) = timed_main(&step);
        let name = self.name;
        match self.end {
            End::Created => assert_success(&gh, &run),
            End::Failed(says) => {
                let err = the_error(&run);
                for s in says {
                    assert!(err.contains(s), "{name}: {s:?} missing from {err}");
                }
            }
        }
        for (method, path, n) in self.requests {
            assert_eq!(gh.count(method, path), *n, "{name}: {method} {path}");
        }
        if let Some(total) = self.total {
            assert_eq!(gh.requests().len(), total, "{name}: all requests");
        }
        let lines = retry_lines(&run);
        assert_eq!(
            lines.len(),
            self.retries.len(),
            "{name}: one line per retry: {lines:?}"
        );
        for (line, words) in lines.iter().zip(self.retries) {
            for w in *words {
                assert!(line.contains(w), "{name}: {w:?} missing from {line}");
            }
        }
        let (at_least, below) = self.took;
        assert!(took >= at_least && took < below, "{name}: took {took:?}");
        assert_no_secrets(&gh, &run, self.hidden);
        (self.extra)(&gh, &run, took);
    }
}

// One `#[test]` per scenario, so every failing one is reported; the harness runs them in
// parallel (they wait for seconds each and are independent).

#[test]
fn mint_500_twice_then_created() {
    Case {
        requests: &[("POST", MINT, 3), ("GET", LOOKUP, 1)],
        retries: &[&["500", "attempt 2 of 4"], &["500", "attempt 3 of 4"]],
        // Backoff ~1 s then ~2 s, each ×0.5–1.5.
        took: (MS(1500), SECS(15)),
        ..Case::new(
            "mint 500 twice, then created",
            vec![Fault::on("POST", MINT).status(500).times(2)],
            End::Created,
        )
    }
    .check();
}

#[test]
fn mint_500_forever_fails_cleanly_after_four_attempts() {
    Case {
        requests: &[("POST", MINT, 4), ("GET", LOOKUP, 1)],
        retries: &[&[], &[], &[]],
        // ~1 + 2 + 4 s of backoff, each ×0.5–1.5: 3.5–10.5 s.
        took: (MS(3500), SECS(20)),
        extra: |gh, _, _| assert!(gh.minted().is_empty()),
        ..Case::new(
            "mint 500 forever fails cleanly after four attempts",
            vec![Fault::on("POST", MINT).status(500)],
            End::Failed(&[
                "::error title=GitHub API error::",
                "500",
                "after 4 attempts",
            ]),
        )
    }
    .check();
}

#[test]
fn lookup_502_then_found() {
    Case {
        requests: &[("GET", LOOKUP, 2), ("POST", MINT, 1)],
        retries: &[&["502", "GET /repos/acme/repo-a/installation"]],
        took: (MS(500), SECS(15)),
        ..Case::new(
            "lookup 502, then found",
            vec![Fault::on("GET", LOOKUP).status(502).times(1)],
            End::Created,
        )
    }
    .check();
}

#[test]
fn connection_closed_without_an_answer_then_found() {
    Case {
        requests: &[("GET", LOOKUP, 2), ("POST", MINT, 1)],
        retries: &[&[]],
        took: (MS(500), SECS(15)),
        extra: |gh, _, _| assert_eq!(gh.requests()[0].status, 0, "the first lookup got no answer"),
        ..Case::new(
            "connection closed without an answer, then found",
            vec![Fault::on("GET", LOOKUP).close().times(1)],
            End::Created,
        )
    }
    .check();
}

#[test]
fn malformed_json_is_a_clean_error_without_retry() {
    Case {
        requests: &[("POST", MINT, 1)],
        // The truncated body holds a token-looking value: it must not be quoted.
        hidden: &["ghs_truncated"],
        ..Case::new(
            "malformed JSON is a clean error without retry",
            vec![Fault::on("POST", MINT).malformed_json(201)],
            End::Failed(&["could not be read", "not the expected JSON"]),
        )
    }
    .check();
}

#[test]
fn an_oversized_body_is_a_clean_error() {
    Case {
        // Too large is not transient: one request, no retry.
        requests: &[("POST", MINT, 1)],
        took: (Duration::ZERO, SECS(15)),
        hidden: &["ghs_oversized"],
        ..Case::new(
            "an oversized body is a clean error",
            // 16 MiB + 1 KiB: just over the cap.
            vec![Fault::on("POST", MINT).oversized(201, 16 * 1024 * 1024 + 1024)],
            End::Failed(&[
                "16777216 bytes",
                "::error title=GitHub API error::",
                "could not be read",
            ]),
        )
    }
    .check();
}

#[test]
fn lookup_404_is_not_installed_after_one_request() {
    Case {
        inputs: &[("owner", "nobody")],
        requests: &[("GET", "/users/nobody/installation", 1)],
        total: Some(1),
        ..Case::new(
            "lookup 404 is not installed, after one request",
            vec![],
            End::Failed(&[
                "::error title=App installation not found::",
                "not installed on the account nobody",
            ]),
        )
    }
    .check();
}

#[test]
fn a_plain_403_is_final() {
    Case {
        requests: &[("POST", MINT, 1)],
        ..Case::new(
            "a plain 403 is final",
            vec![
                Fault::on("POST", MINT)
                    .status(403)
                    .message("Resource not accessible by integration"),
            ],
            End::Failed(&["403", "Resource not accessible"]),
        )
    }
    .check();
}

#[test]
fn status_400_is_final() {
    Case {
        requests: &[("GET", LOOKUP, 1)],
        total: Some(1),
        ..Case::new(
            "400 is final",
            vec![
                Fault::on("GET", LOOKUP)
                    .status(400)
                    .message("Problems parsing JSON"),
            ],
            End::Failed(&["400", "Problems parsing JSON"]),
        )
    }
    .check();
}

#[test]
fn status_422_is_final() {
    Case {
        // The installation has issues:write at most: admin is not granted.
        inputs: &[("permission-administration", "write")],
        requests: &[("POST", MINT, 1)],
        total: Some(2),
        ..Case::new(
            "422 is final",
            vec![],
            End::Failed(&["::error title=Token request refused::", "not granted"]),
        )
    }
    .check();
}

#[test]
fn retry_after_1_on_a_429() {
    Case {
        requests: &[("POST", MINT, 2)],
        retries: &[&["429", "retrying in 1.0 s", "as GitHub asked"]],
        took: (SECS(1), SECS(15)),
        ..Case::new(
            "Retry-After: 1 on a 429",
            vec![
                Fault::on("POST", MINT)
                    .status(429)
                    .message("Too many requests")
                    .header("retry-after", "1")
                    .times(1),
            ],
            End::Created,
        )
    }
    .check();
}

#[test]
fn the_primary_rate_limits_403_waits_for_the_reset() {
    Case {
        requests: &[("GET", LOOKUP, 2), ("POST", MINT, 1)],
        retries: &[&["403", "as GitHub asked", "(rate limit exhausted)"]],
        // The reset is 2 s ahead (whole seconds): at least a second and a bit of waiting.
        took: (SECS(2), SECS(15)),
        ..Case::new(
            "the primary rate limit's 403 waits for the reset",
            vec![Fault::on("GET", LOOKUP).primary_rate_limit(403, 2).times(1)],
            End::Created,
        )
    }
    .check();
}

#[test]
fn retry_after_of_an_hour_fails_at_once_saying_when() {
    Case {
        requests: &[("POST", MINT, 1)],
        took: (Duration::ZERO, SECS(5)),
        ..Case::new(
            "Retry-After of an hour fails at once, saying when",
            vec![
                Fault::on("POST", MINT)
                    .status(429)
                    .message("Too many requests")
                    .header("retry-after", "3600"),
            ],
            End::Failed(&[
                "::error title=Rate limited::",
                "Retry after 20",
                "3600 s from now",
                "at most 60 s",
            ]),
        )
    }
    .check();
}

#[test]
fn a_primary_rate_limit_reset_in_an_hour_fails_at_once() {
    Case {
        requests: &[("GET", LOOKUP, 1)],
        total: Some(1),
        took: (Duration::ZERO, SECS(5)),
        ..Case::new(
            "a primary rate limit reset in an hour fails at once",
            vec![Fault::on("GET", LOOKUP).primary_rate_limit(403, 3600)],
            End::Failed(&[
                "::error title=Rate limited::",
                "API rate limit exceeded",
                "Retry after 20",
            ]),
        )
    }
    .check();
}

#[test]
fn the_primary_rate_limits_reset_is_read_on_githubs_clock() {
    Case {
        // GitHub's clock is 10 minutes ahead: the reset (2 s ahead on GitHub's clock)
        // is 602 s ahead on this machine's. Measured against the answer's Date it is
        // a short wait, not a refusal. One clock-skew retry, one rate-limit retry.
        clock_offset: 600,
        requests: &[("GET", LOOKUP, 2), ("POST", MINT, 2)],
        retries: &[&[]],
        took: (SECS(2), SECS(15)),
        ..Case::new(
            "the primary rate limit's reset is read on GitHub's clock",
            vec![Fault::on("POST", MINT).primary_rate_limit(429, 2).times(1)],
            End::Created,
        )
    }
    .check();
}

#[test]
fn retry_after_on_a_503_is_honoured() {
    Case {
        requests: &[("GET", LOOKUP, 2)],
        retries: &[&["503", "retrying in 2.0 s", "as GitHub asked"]],
        took: (SECS(2), SECS(15)),
        ..Case::new(
            "Retry-After on a 503 is honoured",
            vec![
                Fault::on("GET", LOOKUP)
                    .status(503)
                    .header("retry-after", "2")
                    .times(1),
            ],
            End::Created,
        )
    }
    .check();
}

#[test]
fn retry_after_as_an_http_date() {
    Case {
        requests: &[("POST", MINT, 2)],
        retries: &[&["as GitHub asked"]],
        took: (Duration::ZERO, SECS(15)),
        // The wait is "until that date" on GitHub's clock: at most 3 s, however long
        // this machine took to get there; and the program really waits it.
        extra: |_, run, took| {
            let wait = announced_wait(&retry_lines(run)[0]);
            assert!(wait <= SECS(3), "{wait:?}");
            assert!(took >= wait, "{took:?} < {wait:?}");
        },
        ..Case::new(
            "Retry-After as an HTTP date",
            vec![
                Fault::on("POST", MINT)
                    .status(429)
                    .header("retry-after", testkit::http::http_date(now() + 3))
                    .times(1),
            ],
            End::Created,
        )
    }
    .check();
}

#[test]
fn the_secondary_rate_limits_403_with_retry_after_is_retried() {
    Case {
        // A 403 (not 429) recognised by GitHub's secondary-rate-limit message.
        // Without Retry-After the wait is a full minute: see the test below.
        requests: &[("POST", MINT, 2)],
        retries: &[&["403", "retrying in 1.0 s", "(secondary rate limit)"]],
        took: (SECS(1), SECS(15)),
        ..Case::new(
            "the secondary rate limit's 403 with Retry-After is retried",
            vec![
                Fault::on("POST", MINT)
                    .secondary_rate_limit(403, Some(1))
                    .times(1),
            ],
            End::Created,
        )
    }
    .check();
}

/// This machine's clock, Unix seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
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
    let (run, took) = timed_main(&Step::new(bin!(), &url));
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

/// Starts main without waiting for it; stdout goes to a file in the step's dir.
fn spawn_main(step: &Step) -> (std::process::Child, std::path::PathBuf) {
    let out = step.dir.0.join("stdout.log");
    let child = step
        .command(bin!(), &[])
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
    let step = Step::new(bin!(), &gh.url());
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
    let (run, took) = timed_main(&Step::new(bin!(), &gh.url()));
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let step = Step::new(bin!(), &gh.url());
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
fn an_old_tokens_401_on_revocation_is_not_retried() {
    let gh = mock_with(vec![Fault::on("DELETE", REVOKE).fresh_token_lag(1, 401)]);
    let step = Step::new(bin!(), &gh.url());
    let main = step.main();
    assert_success(&gh, &main);
    // As if main had minted it 6 s ago, just past the 5 s window: the expiry says so.
    let mut state = main.state.clone();
    let expiry = testkit::http::iso8601(gh.now() + 3600 - 6);
    state.insert("expires_at".into(), expiry);
    let t = Instant::now();
    let post = step.post_with_state(&state);
    let took = t.elapsed();
    assert_eq!(post.code, 0, "{}", post.log());
    assert_eq!(gh.count("DELETE", REVOKE), 1, "no replication-lag retry");
    assert!(post.stdout.contains("already invalid"), "{}", post.stdout);
    assert!(took < Duration::from_millis(900), "{took:?}");
    assert_no_secrets(&gh, &post, &[]);
}

#[test]
fn fresh_token_lag_on_bot_user_lookup_is_retried_once() {
    let gh = mock_with(vec![
        Fault::on("GET", "/users/mock-app").fresh_token_lag(1, 404),
    ]);
    let mut step = Step::new(bin!(), &gh.url());
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
    let step = Step::new(bin!(), &gh.url());
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
    let (run, took) = timed_main(&Step::new(bin!(), &gh.url()));
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
    step.var("HTTP_PROXY", "http://user:s3cret@");
    let (run, took) = timed_main(&step);
    let err = the_error(&run);
    assert!(
        err.starts_with("::error title=Invalid proxy setting::"),
        "{err}"
    );
    assert!(err.contains("HTTP_PROXY"), "{err}");
    // Its own error, not a command-line mistake: nothing to run `--help` for.
    assert!(!err.contains("--help"), "{err}");
    assert!(gh.requests().is_empty());
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_no_secrets(&gh, &run, &["s3cret"]);
}

#[test]
fn tls_failure_through_a_proxy_names_the_host_and_the_proxy() {
    let gh = tls_mock();
    let proxy = Proxy::with_credentials("user", "s3cret");
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
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
    let mut step = Step::new(bin!(), &gh.url());
    step.var("SSL_CERT_DIR", dir.0.to_str().unwrap());
    let (run, _) = timed_main(&step);
    assert_success(&gh, &run);
    assert_eq!(gh.requests().len(), 2);
    assert_no_secrets(&gh, &run, &[]);
}

#[test]
fn private_ca_through_the_input() {
    let gh = tls_mock();
    let mut step = Step::new(bin!(), &gh.url());
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
    let (run, took) = timed_main(&Step::new(bin!(), &gh.url()));
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
