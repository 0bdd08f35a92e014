//! Server text that tries to become a workflow command; answers that would panic;
//! a minted token that must never be lost.
//!
//! Each case runs the real binary (main, post, or the CLI) against the mock
//! with one field of one answer replaced by a hostile value, and checks what
//! the runner would make of everything the process printed: the exit is 0 or
//! 1, a failure is exactly one error, the only commands are the program's own,
//! no control character reaches the log, no secret is shown, and a token
//! GitHub created is revoked or saved for post.

use std::path::Path;
use std::process::Command;

use testkit::bin;
use testkit::runner::{Run, Step, TempDir};
use testkit::{APP_KEY_PEM, CLIENT_ID, Fault, MockGithub, Scenario};

/// What the runner or a terminal may start a new line at (the runner splits
/// on LF, CR and CRLF; terminals and log viewers also on the rest).
const BREAKS: &[char] = &[
    '\n', '\r', '\u{0b}', '\u{0c}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// The commands the program may give the runner.
const OWN: &[&str] = &["add-mask", "error", "warning", "notice", "debug"];

/// Values a hostile server puts in a field that reaches a line.
const PAYLOADS: &[&str] = &[
    "##[set-output name=x::y]",
    "acme ##[stop-commands]halt",
    "###[add-path]/evil",
    "acme\n::set-output name=x::y",
    "acme\r::set-output name=x::y",
    "acme\r\n##[set-env name=x]y",
    "acme\u{2028}::set-output name=x::y",
    "acme\u{2029}##[stop-commands]halt",
    "acme\u{85}::set-env name=x::y",
    "acme\u{0b}::add-path::/evil",
    "  ::stop-commands::halt",
    "acme\u{1b}[2J\u{1b}]0;pwned\u{7}",
];

/// A token the mock did not mint, for answers written by hand: classic shape.
const FAKE_TOKEN: &str = "ghs_Hostile0Fake1Token2For3Tests4567890";

/// Every workflow command the runner would read in `text`: `::name` at the
/// start of a line (after white space, which the runner trims); else, as the
/// runner falls back to it, the legacy `##[name` anywhere in the line.
fn commands(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.split(BREAKS) {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("::") {
            let name: String = rest
                .chars()
                .take_while(|c| !matches!(c, ' ' | ':'))
                .collect();
            let well_formed = rest[name.len()..].contains("::");
            found.push(name.clone());
            if OWN.contains(&name.as_str()) && well_formed {
                continue;
            }
        }
        if let Some(at) = line.find("##[") {
            let name: String = line[at + 3..]
                .chars()
                .take_while(|c| !matches!(c, ' ' | ']'))
                .collect();
            found.push(format!("##[{name}"));
        }
    }
    found
}

/// The checks every case shares on one stream: `errors` (when the stream
/// carries them) is one on failure; `secrets` appear in no line the runner logs.
fn inert(run_code: i32, logged: &str, errors: Option<usize>, secrets: &[&str], what: &str) {
    assert!(
        matches!(run_code, 0 | 1),
        "{what}: exit {run_code}, not 0 or 1"
    );
    if let (1, Some(errors)) = (run_code, errors) {
        assert_eq!(errors, 1, "{what}: one error on failure, got {errors}");
    }
    // The panic hook exits 1 with one error: a panic must not pass for a failure.
    assert!(
        !logged.contains(app_token_action::PANIC_MESSAGE),
        "{what}: a panic"
    );
    let foreign: Vec<String> = commands(logged)
        .into_iter()
        .filter(|c| !OWN.contains(&c.as_str()))
        .collect();
    assert!(
        foreign.is_empty(),
        "{what}: the runner would read {foreign:?}"
    );
    let controls: Vec<char> = logged
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{2028}' | '\u{2029}'))
        .collect();
    assert!(
        controls.is_empty(),
        "{what}: control characters {controls:?} in the log"
    );
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!logged.contains(s), "{what}: a secret is in the log");
    }
}

/// The private key's body lines: none may be shown.
fn key_lines() -> Vec<&'static str> {
    APP_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .collect()
}

/// Checks a main run: inert output, and every token the mock minted or
/// `also` names was revoked (a DELETE with it) or saved in the state for post.
fn check_main(gh: &MockGithub, run: &Run, also: &[&str], what: &str) {
    let mut tokens: Vec<String> = gh.minted().into_iter().map(|m| m.token).collect();
    tokens.extend(also.iter().map(|t| (*t).to_string()));
    let mut secrets: Vec<&str> = key_lines();
    secrets.extend(tokens.iter().map(String::as_str));
    let errors = commands(&run.stdout)
        .iter()
        .filter(|c| *c == "error")
        .count();
    inert(run.code, &run.logged(), Some(errors), &secrets, what);
    if run.code == 1 {
        assert!(
            !run.outputs.contains_key("token"),
            "{what}: a failed run wrote the token output"
        );
    }
    for t in &tokens {
        assert!(
            revoked(gh, t) || run.state.get("token") == Some(t),
            "{what}: a token was neither revoked nor saved for post"
        );
    }
}

/// Whether a `DELETE /installation/token` was sent with `token`.
fn revoked(gh: &MockGithub, token: &str) -> bool {
    gh.requests().iter().any(|r| {
        r.method == "DELETE"
            && r.path.starts_with("/installation/token")
            && r.header("authorization")
                .is_some_and(|a| a.split_whitespace().last() == Some(token))
    })
}

/// Runs `case` for each item and reports every failing one, not only the first.
fn each<T: std::fmt::Debug>(items: impl IntoIterator<Item = T>, case: impl Fn(&T)) {
    let (mut failed, mut n) = (Vec::new(), 0);
    for item in items {
        n += 1;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&item)));
        if run.is_err() {
            failed.push(format!("{item:?}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {n} cases failed: {failed:?}",
        failed.len()
    );
}

/// A JSON string literal of `s`.
fn js(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

fn start(faults: Vec<Fault>) -> MockGithub {
    let mut b = MockGithub::builder(Scenario::standard());
    for f in faults {
        b = b.fault(f);
    }
    b.start()
}

/// The installation lookup answers with `p` in every text field.
fn lookup_with(p: &str) -> Fault {
    let body = format!(
        r#"{{"id":1001,"app_slug":{p},"account":{{"login":{p},"type":{p}}},"repository_selection":{p},"permissions":{{{p}:{p}}}}}"#,
        p = js(p)
    );
    Fault::on("GET", "/repos/acme/repo-a/installation")
        .status(200)
        .body(body)
}

/// The mint answers 201 with `token`, `expires_at`, and `p` in every other
/// field that reaches the "Created" line.
fn mint_with(token: &str, expires_at: &str, p: &str) -> Fault {
    let body = format!(
        r#"{{"token":{t},"expires_at":{e},"permissions":{{{p}:{p}}},"repository_selection":{p},"repositories":[{{"name":{p}}}]}}"#,
        t = js(token),
        e = js(expires_at),
        p = js(p)
    );
    Fault::on("POST", "/app/installations/1001/access_tokens")
        .status(201)
        .body(body)
}

/// An expiry as GitHub writes it, an hour from now.
fn in_an_hour() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    testkit::http::iso8601(i64::try_from(now).expect("seconds") + 3600)
}

// ---- server text in the action's lines ----

#[test]
fn account_login_type_and_slug_from_the_lookup_stay_inert() {
    each(PAYLOADS, |p| {
        let gh = start(vec![lookup_with(p)]);
        let run = Step::new(bin!(), &gh.url()).main();
        check_main(&gh, &run, &[], &format!("lookup {p:?}"));
        let post = Step::new(bin!(), &gh.url()).post(&run);
        check_main(&gh, &post, &[], &format!("post after lookup {p:?}"));
    });
}

#[test]
fn permissions_repositories_and_selection_from_the_mint_stay_inert() {
    each(PAYLOADS, |p| {
        let gh = start(vec![mint_with(FAKE_TOKEN, &in_an_hour(), p)]);
        let run = Step::new(bin!(), &gh.url()).main();
        check_main(&gh, &run, &[FAKE_TOKEN], &format!("mint {p:?}"));
    });
}

#[test]
fn expires_at_stays_inert_and_never_loses_the_token() {
    each(PAYLOADS, |p| {
        let gh = start(vec![mint_with(FAKE_TOKEN, p, "repo-a")]);
        let run = Step::new(bin!(), &gh.url()).main();
        check_main(&gh, &run, &[FAKE_TOKEN], &format!("expires_at {p:?}"));
        let post = Step::new(bin!(), &gh.url()).post(&run);
        check_main(
            &gh,
            &post,
            &[FAKE_TOKEN],
            &format!("post, expires_at {p:?}"),
        );
    });
}

#[test]
fn the_app_slug_in_check_mode_stays_inert() {
    each(PAYLOADS, |p| {
        let body = format!(r#"{{"id":12345,"slug":{}}}"#, js(p));
        let gh = start(vec![Fault::on("GET", "/app").status(200).body(body)]);
        let run = Step::new(bin!(), &gh.url()).input("check", "true").main();
        check_main(&gh, &run, &[], &format!("check, slug {p:?}"));
    });
}

#[test]
fn githubs_error_messages_stay_inert() {
    each(PAYLOADS, |p| {
        let gh = start(vec![
            Fault::on("POST", "/app/installations/")
                .status(422)
                .message(p),
        ]);
        let run = Step::new(bin!(), &gh.url()).main();
        check_main(&gh, &run, &[], &format!("422 {p:?}"));
        assert_eq!(run.code, 1);
    });
}

#[test]
fn transport_error_text_in_retrying_lines_stays_inert() {
    // Header values cannot hold line breaks: the rest of the payloads.
    each(
        PAYLOADS
            .iter()
            .filter(|p| !p.contains(BREAKS) && !p.contains('\u{1b}')),
        |p| {
            let gh = start(vec![
                Fault::on("GET", "/repos/")
                    .status(302)
                    .header("location", format!("http://[{p}]/x")),
            ]);
            let run = Step::new(bin!(), &gh.url()).var("RUNNER_DEBUG", "1").main();
            check_main(&gh, &run, &[], &format!("Location {p:?}"));
        },
    );
}

// ---- answers that panicked; tokens that were lost ----

#[test]
fn a_multi_byte_character_at_byte_8_of_expires_at_is_no_panic() {
    let gh = start(vec![mint_with(
        FAKE_TOKEN,
        "2026-01-01T00:00:0\u{e9}Z",
        "repo-a",
    )]);
    let run = Step::new(bin!(), &gh.url()).main();
    check_main(
        &gh,
        &run,
        &[FAKE_TOKEN],
        "expires_at with é across byte 8 of the time",
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.shown());
    // A saved expiry like it does not stop post either.
    let state = [
        ("token".to_string(), FAKE_TOKEN.to_string()),
        (
            "expires_at".to_string(),
            "2026-01-01T00:00:0\u{e9}Z".to_string(),
        ),
    ]
    .into_iter()
    .collect();
    let post = Step::new(bin!(), &gh.url()).post_with_state(&state);
    check_main(
        &gh,
        &post,
        &[FAKE_TOKEN],
        "post with é across byte 8 of the time of the expiry",
    );
    assert!(revoked(&gh, FAKE_TOKEN));
}

#[test]
fn a_date_or_wait_past_any_calendar_is_no_panic() {
    let skew = "'Expiration time' claim ('exp') is too far in the future";
    let cases = [
        Fault::on("GET", "/repos/")
            .status(401)
            .message(skew)
            .header("date", "Mon, 01 Jan 99999999999999 00:00:00 GMT"),
        Fault::on("GET", "/repos/")
            .secondary_rate_limit(429, Some(u64::MAX / 2))
            .times(1),
    ];
    each(cases, |fault| {
        let gh = start(vec![fault.clone()]);
        let run = Step::new(bin!(), &gh.url()).main();
        check_main(&gh, &run, &[], &format!("{fault:?}"));
        let log = run.logged();
        assert!(
            !log.contains("panicked") && !log.contains("overflow"),
            "{}",
            run.shown()
        );
        // The panic hook would turn a panic into one `::error` too: none may fire.
        assert!(
            !log.contains(app_token_action::PANIC_MESSAGE),
            "a panic:\n{}",
            run.shown()
        );
    });
}

#[test]
fn a_token_with_nul_or_esc_is_refused_never_written_and_said_so() {
    each(
        [
            "ghs_abc\u{0}defghijklmnopqrstuvwxyz0123456789",
            "ghs_abc\u{1b}[2Jdefghijklmnopqrstuvwxyz0123",
        ],
        |bad| {
            let gh = start(vec![mint_with(bad, &in_an_hour(), "repo-a")]);
            let run = Step::new(bin!(), &gh.url()).main();
            let errors = commands(&run.stdout)
                .iter()
                .filter(|c| *c == "error")
                .count();
            let pieces: Vec<&str> = bad.split(|c: char| c.is_control()).collect();
            inert(
                run.code,
                &run.logged(),
                Some(errors),
                &pieces,
                "control-character token",
            );
            assert_eq!(run.code, 1, "{}", run.shown());
            assert!(
                run.outputs.is_empty() && run.state.is_empty(),
                "a value was written"
            );
            let error = run
                .stdout
                .lines()
                .find(|l| l.starts_with("::error"))
                .unwrap_or_default();
            assert!(error.contains("control characters"), "{error}");
            assert!(error.contains("could not be revoked"), "{error}");
            assert!(error.contains("expires"), "{error}");
            assert!(
                !run.stdout.contains(['\u{0}', '\u{1b}']),
                "a control character on stdout"
            );
        },
    );
}

#[test]
fn tokens_of_both_formats_pass_and_an_overlong_one_is_revoked() {
    let new_format = format!("ghs_12345_{}", "eyJhbGciOiJSUzI1NiJ9.".repeat(24));
    assert!(new_format.len() > 500);
    each([FAKE_TOKEN.to_string(), new_format], |token| {
        let gh = start(vec![mint_with(token, &in_an_hour(), "repo-a")]);
        let run = Step::new(bin!(), &gh.url()).main();
        check_main(&gh, &run, &[token], "a token of GitHub's shape");
        assert_eq!(run.code, 0, "{}", run.shown());
        assert_eq!(run.output("token"), token);
    });
    let long = format!("ghs_{}", "A".repeat(5000));
    let gh = start(vec![mint_with(&long, &in_an_hour(), "repo-a")]);
    let run = Step::new(bin!(), &gh.url()).main();
    check_main(&gh, &run, &[&long], "a 5004-character token");
    assert_eq!(run.code, 1);
    assert!(revoked(&gh, &long), "{}", run.shown());
    assert!(run.outputs.is_empty());
}

#[test]
fn unwritable_outputs_revoke_the_token_at_once_and_say_so() {
    // (the file that cannot be written, skip-token-revoke)
    let cases = [
        ("GITHUB_OUTPUT", "false"),
        ("GITHUB_STATE", "false"),
        ("GITHUB_OUTPUT", "true"),
    ];
    each(cases, |&(var, skip)| {
        let gh = start(Vec::new());
        let dir = TempDir::new("unwritable");
        let run = Step::new(bin!(), &gh.url())
            .var(var, &dir.0.to_string_lossy())
            .input("skip-token-revoke", skip)
            .main();
        check_main(
            &gh,
            &run,
            &[],
            &format!("{var} is a directory, skip {skip}"),
        );
        assert_eq!(run.code, 1, "{}", run.shown());
        let minted = gh.minted();
        assert_eq!(minted.len(), 1);
        assert_eq!(
            gh.revoked(),
            vec![minted[0].token.clone()],
            "{var}: revoked at once"
        );
        let error = run
            .stdout
            .lines()
            .find(|l| l.starts_with("::error"))
            .unwrap_or_default();
        assert!(
            error.contains(var) && error.contains("revoked at once"),
            "{error}"
        );
    });
}

#[test]
fn an_output_value_with_a_line_break_revokes_the_token() {
    let body =
        r#"{"id":1001,"app_slug":"mock-app\n::set-output name=x::y","account":{"login":"acme"}}"#;
    let gh = start(vec![
        Fault::on("GET", "/repos/acme/repo-a/installation")
            .status(200)
            .body(body),
    ]);
    let run = Step::new(bin!(), &gh.url()).main();
    check_main(&gh, &run, &[], "app_slug with a line break");
    assert_eq!(run.code, 1);
    let error = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::error"))
        .unwrap_or_default();
    assert!(
        error.contains("`app-slug`") && error.contains("revoked at once"),
        "{error}"
    );
    let minted = gh.minted();
    assert_eq!(gh.revoked(), vec![minted[0].token.clone()]);
}

// ---- the CLI: diagnostics on stderr, the token or JSON on stdout ----

/// Runs `app-token-action token` outside Actions, the key in a file.
fn cli(gh: &MockGithub, extra: &[&str]) -> (i32, String, String) {
    let dir = TempDir::new("cli");
    let key = dir.0.join("key.pem");
    std::fs::write(&key, APP_KEY_PEM).expect("key file");
    let out = Command::new(bin!())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("GITHUB_REPOSITORY", "acme/repo-a")
        .arg("token")
        .args(["--client-id", CLIENT_ID, "--api-url", &gh.url()])
        .args(["--private-key-file", path(&key)])
        .args(extra)
        .output()
        .expect("run the CLI");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// CLI checks: stderr is inert with one `error:` on failure, stdout is inert
/// (the token, or JSON), the key is never shown, every minted token survives.
fn check_cli(gh: &MockGithub, (code, stdout, stderr): &(i32, String, String), what: &str) {
    let errors = stderr.lines().filter(|l| l.starts_with("error:")).count();
    let tokens: Vec<String> = gh.minted().into_iter().map(|m| m.token).collect();
    let mut secrets = key_lines();
    secrets.extend(tokens.iter().map(String::as_str));
    inert(
        *code,
        stderr,
        Some(errors),
        &secrets,
        &format!("{what} (stderr)"),
    );
    inert(
        *code,
        stdout,
        None,
        &key_lines(),
        &format!("{what} (stdout)"),
    );
    for t in &tokens {
        assert!(
            revoked(gh, t) || (*code == 0 && stdout.contains(t.as_str())),
            "{what}: a token was neither revoked nor handed over"
        );
    }
}

#[test]
fn the_cli_keeps_server_text_off_its_own_lines() {
    each(PAYLOADS, |p| {
        let gh = start(vec![
            Fault::on("POST", "/app/installations/")
                .status(422)
                .message(p),
        ]);
        check_cli(&gh, &cli(&gh, &[]), &format!("CLI, 422 {p:?}"));
        let gh = start(vec![lookup_with(p)]);
        check_cli(&gh, &cli(&gh, &["--json"]), &format!("CLI, lookup {p:?}"));
        let gh = start(vec![mint_with(FAKE_TOKEN, &in_an_hour(), p)]);
        check_cli(&gh, &cli(&gh, &["--json"]), &format!("CLI, mint {p:?}"));
    });
}

#[test]
fn the_cli_check_json_keeps_the_slug_inert() {
    each(PAYLOADS, |p| {
        let body = format!(r#"{{"id":12345,"slug":{}}}"#, js(p));
        let gh = start(vec![Fault::on("GET", "/app").status(200).body(body)]);
        let out = cli(&gh, &["--check", "--json"]);
        check_cli(&gh, &out, &format!("CLI check, slug {p:?}"));
        if out.0 == 0 {
            let v: serde_json::Value = serde_json::from_str(out.1.trim()).expect("JSON");
            assert_eq!(v["app_slug"], **p, "the JSON keeps the data");
        }
    });
}

// ---- the checker itself ----

#[test]
fn the_checker_reads_commands_as_the_runner_does() {
    assert_eq!(
        commands("::add-mask::x\n::error title=a::b"),
        ["add-mask", "error"]
    );
    assert_eq!(commands("text ##[set-output name=x]y"), ["##[set-output"]);
    assert_eq!(
        commands("a\u{2028}  ::set-output name=x::y"),
        ["set-output"]
    );
    assert_eq!(commands("::error::a ##[x]"), ["error"]);
    assert!(commands("a ::b and ##\\[c").is_empty());
}

#[test]
fn the_cli_revoke_refuses_a_token_it_cannot_send() {
    use std::io::Write;
    let gh = start(Vec::new());
    let mut child = Command::new(bin!())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(["revoke", "--api-url", &gh.url()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the CLI");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(b"ghs_abc\x1b[2J\x1b]0;pwned\x07defghijklmnop\n")
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("the CLI ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors = stderr.lines().filter(|l| l.starts_with("error:")).count();
    let code = out.status.code().unwrap_or(-1);
    inert(
        code,
        &stderr,
        Some(errors),
        &["defghijklmnop"],
        "revoke, ESC token",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("control characters"), "{stderr}");
    assert!(gh.requests().is_empty(), "nothing is sent");
}
