//! The command line: token on stdout, diagnostics on stderr, same path as the action.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use testkit::{CLIENT_ID, MockGithub, Scenario, TokenFormat, bin};

fn key_path() -> String {
    testkit::fixture_path("app.pem")
}

fn cli<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: &str) -> Output {
    let mut child = Command::new(bin!())
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// `token` with the mock app's id and key for `owner`, against `url`, plus `extra`.
fn token_args(owner: &str, url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["token", "--client-id", CLIENT_ID, "--private-key-file"]
        .map(String::from)
        .to_vec();
    args.push(key_path());
    args.extend(["--owner", owner, "--api-url", url].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn token_goes_to_stdout_alone() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let out = cli(&token_args("acme", &url, &[]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = gh.minted()[0].token.clone();
    assert_eq!(text(&out.stdout), format!("{token}\n"));
    assert!(!text(&out.stderr).contains(&token));
    assert!(text(&out.stderr).contains("Created an installation token for acme"));
}

#[test]
fn json_output_and_key_from_stdin() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let key = std::fs::read_to_string(key_path()).expect("key");
    let out = cli(
        &[
            "token",
            "--app-id=12345",
            "--private-key-file",
            "-",
            "--repositories",
            "acme/repo-b",
            "--permission",
            "contents=read",
            "--api-url",
            &url,
            "--json",
        ],
        &key,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["token"], gh.minted()[0].token.as_str());
    assert_eq!(v["installation_id"], 1001);
    assert_eq!(v["app_slug"], "mock-app");
    assert_eq!(v["permissions"], serde_json::json!({"contents": "read"}));
    assert!(v["expires_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert_eq!(
        gh.minted()[0].body,
        serde_json::json!({"repositories": ["repo-b"], "permissions": {"contents": "read"}})
    );
}

#[test]
fn revoke_reads_the_token_from_stdin() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let minted = cli(&token_args("acme", &url, &[]), "");
    let token = text(&minted.stdout);
    let out = cli(&["revoke", "--api-url", &url], &token);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Token revoked"));
    assert_eq!(gh.revoked(), [token.trim().to_string()]);
}

#[test]
fn token_format_flag_forces_the_format_and_revoke_takes_either() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    for (value, header, format) in [
        ("stateful", "disabled", TokenFormat::Classic),
        ("stateless", "enabled", TokenFormat::New),
    ] {
        let out = cli(&token_args("acme", &url, &["--token-format", value]), "");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let minted = gh.minted().pop().expect("minted");
        assert_eq!(minted.format_header.as_deref(), Some(header));
        assert_eq!(minted.format, format);
        assert_eq!(text(&out.stdout), format!("{}\n", minted.token));
        let out = cli(&["revoke", "--api-url", &url], &text(&out.stdout));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(gh.revoked().last(), Some(&minted.token));
    }
    let out = cli(&token_args("acme", &url, &["--token-format=classic"]), "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("`token-format` must be `stateless`"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(gh.minted().len(), 2, "no request for a bad value");
}

#[test]
fn cli_permission_names_are_the_apis() {
    let out = cli(
        &token_args(
            "acme",
            "http://127.0.0.1:9",
            &["--permission", "pull-requests=write"],
        ),
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Did you mean `pull_requests`"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn failures_print_nothing_on_stdout() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let out = cli(&token_args("nobody", &url, &[]), "");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    // The key's fingerprint, then the error.
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("Signing with the private key, fingerprint "));
    assert!(
        lines[1].starts_with("error: App installation not found: "),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = cli(&["token", "--frobnicate"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Unknown option: the option given is \"--frobnicate\""));
    let out = cli(&["token", "--client-id", "x"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("--private-key-file (a path, or - for stdin) or --kms-key is required")
    );
    let out = cli(&["mint"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_and_version() {
    let out = cli(&["--help"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--private-key-file"));
    let out = cli(&["--version"], "");
    assert_eq!(
        text(&out.stdout),
        format!("app-token-action {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn check_flag_mints_nothing() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let out = cli(&token_args("acme", &url, &["--check"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Check passed"));
    assert!(gh.minted().is_empty());
    assert!(out.stdout.is_empty());
}

#[test]
fn revoke_takes_the_same_ca_option_as_token() {
    let gh = MockGithub::builder(Scenario::standard()).tls().start();
    let dir = testkit::runner::TempDir::new("cli-ca");
    let ca = dir.0.join("ca.pem");
    std::fs::write(&ca, gh.ca_pem().expect("TLS mock")).expect("write CA");
    let ca = ca.to_string_lossy().into_owned();
    let url = gh.url();
    let out = cli(
        &token_args("acme", &url, &["--ca-certificates-file", &ca]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    // Without the CA the private certificate is not trusted.
    let out = cli(&["revoke", "--api-url", &url], &token);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("TLS"), "{}", text(&out.stderr));
    let out = cli(
        &["revoke", "--api-url", &url, "--ca-certificates-file", &ca],
        &token,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Token revoked"));
    assert_eq!(gh.revoked(), [token.trim().to_string()]);
}

#[test]
fn owners_print_one_json_object() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let mut args = token_args("acme", &url, &[]);
    // `--owners` in place of `--owner`.
    let at = args.iter().position(|a| a == "--owner").unwrap();
    args.splice(
        at..at + 2,
        ["--owners".to_string(), "acme,octocat".to_string()],
    );
    let out = cli(&args, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let object: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    let minted: Vec<String> = gh.minted().into_iter().map(|m| m.token).collect();
    assert_eq!(minted.len(), 2);
    for (login, token) in object.as_object().unwrap() {
        assert!(["acme", "octocat"].contains(&login.as_str()));
        assert!(minted.contains(&token.as_str().unwrap().to_string()));
    }
    for t in &minted {
        assert!(!text(&out.stderr).contains(t.as_str()));
    }
}
