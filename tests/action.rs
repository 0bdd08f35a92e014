//! The action's main and post stages, run as the runner runs them, against the
//! mock GitHub API. One scenario per behaviour.

use std::collections::BTreeMap;

use base64::Engine;
use testkit::bin;
use testkit::runner::{Run, Step, assert_masked_first, redact};
use testkit::{
    Auth, BOT_USER_ID, Fault, MockGithub, NO_KEY_CLIENT_ID, Scenario, TokenFormat, fixture,
};

fn mock() -> MockGithub {
    MockGithub::start(Scenario::standard())
}

/// A failed main: exit 1, exactly one `::error`, whose text is returned.
fn failed(run: &Run) -> String {
    assert_eq!(run.code, 1, "expected failure:\n{}", run.shown());
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "one ::error line:\n{}", run.shown());
    assert!(run.outputs.is_empty(), "no outputs on failure");
    errors[0].to_string()
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "expected success:\n{}", run.shown());
    assert_masked_first(&run.log(), run.output("token"));
}

// ---- choosing the installation (one test per row of the issue's table) ----

#[test]
fn default_scope_is_the_workflow_repository() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url()).main();
    ok(&main);
    let minted = gh.minted();
    assert_eq!(minted.len(), 1);
    assert_eq!(main.output("token"), minted[0].token);
    assert_eq!(main.output("installation-id"), "1001");
    assert_eq!(main.output("app-slug"), "mock-app");
    assert_eq!(main.output("bot-name"), "mock-app[bot]");
    assert_eq!(main.output("expires-at"), minted[0].expires_at);
    assert_eq!(
        minted[0].body,
        serde_json::json!({"repositories": ["repo-a"]})
    );
    assert_eq!(gh.count("GET", "/repos/acme/repo-a/installation"), 1);
    assert_eq!(gh.requests().len(), 2, "the default flow is two requests");
}

#[test]
fn owner_alone_covers_the_whole_installation() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("owner", "octocat")
        .main();
    ok(&main);
    assert_eq!(gh.count("GET", "/users/octocat/installation"), 1);
    assert_eq!(main.output("installation-id"), "1002");
    assert_eq!(gh.minted()[0].body, serde_json::json!({}));
}

#[test]
fn repositories_with_owner_look_up_the_first() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("owner", "acme")
        .input("repositories", "repo-b,\nwebsite")
        .main();
    ok(&main);
    assert_eq!(gh.count("GET", "/repos/acme/repo-b/installation"), 1);
    assert_eq!(
        gh.minted()[0].body,
        serde_json::json!({"repositories": ["repo-b", "website"]})
    );
}

#[test]
fn repositories_as_owner_slash_name_use_the_repository_owner() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("repositories", "acme/website, acme/repo-a")
        .main();
    ok(&main);
    assert_eq!(gh.count("GET", "/repos/acme/website/installation"), 1);
    assert_eq!(
        gh.minted()[0].body,
        serde_json::json!({"repositories": ["website", "repo-a"]})
    );
}

#[test]
fn repository_of_another_owner_fails_before_any_request() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("repositories", "other-org/tool")
        .main();
    let e = failed(&main);
    assert!(
        e.contains("other-org/tool") && e.contains("set `owner: other-org`"),
        "{e}"
    );
    assert!(gh.requests().is_empty());
}

#[test]
fn enterprise_installation() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("enterprise", "big-corp")
        .main();
    ok(&main);
    assert_eq!(gh.count("GET", "/enterprises/big-corp/installation"), 1);
    assert_eq!(main.output("installation-id"), "1003");
}

#[test]
fn enterprise_with_owner_or_repositories_is_refused() {
    let gh = mock();
    for (k, v) in [("owner", "acme"), ("repositories", "repo-a")] {
        let main = Step::new(bin!(), &gh.url())
            .input("enterprise", "big-corp")
            .input(k, v)
            .main();
        let e = failed(&main);
        assert!(e.contains(&format!("cannot be combined with `{k}`")), "{e}");
    }
    assert!(gh.requests().is_empty());
}

#[test]
fn installation_id_skips_the_lookup() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("installation-id", "1001")
        .input("repositories", "website")
        .main();
    ok(&main);
    assert_eq!(gh.requests().len(), 1, "mint only");
    assert_eq!(gh.minted()[0].installation_id, 1001);
    assert_eq!(main.output("installation-id"), "1001");
    assert_eq!(
        gh.minted()[0].body,
        serde_json::json!({"repositories": ["website"]})
    );
}

#[test]
fn missing_repository_context_is_named() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .unset("GITHUB_REPOSITORY")
        .main();
    let e = failed(&main);
    assert!(e.contains("GITHUB_REPOSITORY is not set"), "{e}");
    let main = Step::new(bin!(), &gh.url())
        .unset("GITHUB_REPOSITORY")
        .unset("GITHUB_REPOSITORY_OWNER")
        .input("repositories", "repo-a")
        .main();
    let e = failed(&main);
    assert!(e.contains("GITHUB_REPOSITORY_OWNER is not set"), "{e}");
    assert!(gh.requests().is_empty());
}

#[test]
fn more_than_500_repositories_is_refused() {
    let gh = mock();
    let list: Vec<String> = (0..501).map(|i| format!("r{i}")).collect();
    let main = Step::new(bin!(), &gh.url())
        .input("repositories", &list.join(","))
        .main();
    assert!(failed(&main).contains("at most 500"));
    assert!(gh.requests().is_empty());
}

// ---- the app id ----

#[test]
fn numeric_app_id_in_either_spelling() {
    let gh = mock();
    for var in ["INPUT_APP-ID", "INPUT_APP_ID"] {
        let main = Step::new(bin!(), &gh.url())
            .input("client-id", "")
            .var(var, "12345")
            .main();
        ok(&main);
    }
    let issuers: Vec<String> = gh
        .requests()
        .iter()
        .filter_map(|r| match &r.auth {
            Auth::Jwt { iss } => Some(iss.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(issuers, ["12345"; 4]);
}

#[test]
fn client_id_wins_over_app_id() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url()).input("app-id", "999").main();
    ok(&main);
    assert!(
        gh.requests()
            .iter()
            .all(|r| matches!(&r.auth, Auth::Jwt { iss } if iss == testkit::CLIENT_ID))
    );
}

#[test]
fn two_spellings_with_different_values_are_refused() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("client-id", "")
        .var("INPUT_APP-ID", "12345")
        .var("INPUT_APP_ID", "54321")
        .main();
    assert!(failed(&main).contains("INPUT_APP-ID"));
    assert!(gh.requests().is_empty());
}

#[test]
fn missing_id_and_missing_key() {
    let gh = mock();
    let e = failed(&Step::new(bin!(), &gh.url()).input("client-id", "").main());
    assert!(e.contains("client-id") && e.contains("app-id"), "{e}");
    let e = failed(&Step::new(bin!(), &gh.url()).input("private-key", "").main());
    assert!(
        e.contains("`kms-key`") && e.contains("neither is set"),
        "{e}"
    );
    assert!(gh.requests().is_empty());
}

// ---- the private key ----

#[test]
fn key_formats_that_are_tolerated() {
    let gh = mock();
    let pem = fixture("app.pem");
    let forms = [
        fixture("app-pkcs8.pem"),
        pem.trim().replace('\n', "\\n"),
        pem.replace('\n', "\r\n"),
        format!("'{}'", pem.trim()),
        base64::engine::general_purpose::STANDARD.encode(pem.as_bytes()),
    ];
    for form in &forms {
        ok(&Step::new(bin!(), &gh.url())
            .input("private-key", form)
            .main());
    }
    assert_eq!(gh.minted().len(), forms.len());
}

/// A wrong key (`tests/fixtures/FILE`) gets its own message, shows no key material, and
/// sends nothing.
fn wrong_key_gets_its_own_message_before_any_request(file: &str, says: &str) {
    let gh = mock();
    let key = fixture(file);
    let main = Step::new(bin!(), &gh.url())
        .input("private-key", &key)
        .main();
    let e = failed(&main);
    assert!(e.starts_with("::error title=Invalid private key::"), "{e}");
    assert!(e.contains(says), "{file}: {e}");
    let body = key.lines().nth(2).unwrap_or("-");
    assert!(
        !main.logged().contains(body),
        "{file}: key material in the log"
    );
    assert!(gh.requests().is_empty());
}

/// One `#[test]` per wrong key, so every failing one is reported: `name: file, message`.
macro_rules! wrong_keys {
    ($($name:ident: $file:expr, $says:expr;)+) => {
        $(
            #[test]
            fn $name() {
                wrong_key_gets_its_own_message_before_any_request($file, $says);
            }
        )+
    };
}

wrong_keys! {
    a_public_key_is_named: "app.pub.pem", "is a public key";
    an_openssh_key_is_named: "openssh.key", "is an OpenSSH key";
    an_ec_key_is_named: "ec.pem", "is an EC key";
    an_ed25519_key_is_named: "ed25519.pem", "is an Ed25519 key";
    an_encrypted_key_is_named: "encrypted-pkcs8.pem", "encrypted with a passphrase";
    a_1024_bit_key_is_named: "rsa1024.pem", "1024-bit RSA key";
}

#[test]
fn a_password_for_a_key_is_not_in_pem_form_and_not_shown() {
    let gh = mock();
    let e = failed(
        &Step::new(bin!(), &gh.url())
            .input("private-key", "hunter2")
            .main(),
    );
    assert!(e.contains("not in PEM form"), "{e}");
    assert!(!e.contains("hunter2"));
    assert!(gh.requests().is_empty());
}

// ---- GitHub's refusals ----

#[test]
fn a_key_of_another_app() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("private-key", &fixture("other.pem"))
        .main();
    let e = failed(&main);
    assert!(e.contains("does not belong to the app"), "{e}");
    assert!(e.contains("A JSON web token could not be decoded"), "{e}");
    assert_eq!(gh.requests().len(), 1, "no retry for a wrong key");
}

#[test]
fn an_id_that_names_no_app_with_a_key() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("client-id", NO_KEY_CLIENT_ID)
        .main();
    let e = failed(&main);
    assert!(e.contains("Integration must generate a public key"), "{e}");
    assert!(e.contains("not a client secret"), "{e}");
    assert!(
        !e.contains(NO_KEY_CLIENT_ID),
        "the id is not echoed: it may be a secret"
    );
}

#[test]
fn a_client_secret_given_as_the_id_is_caught_before_any_request() {
    let gh = mock();
    let secret = "0123456789abcdef0123456789abcdef01234567";
    let main = Step::new(bin!(), &gh.url())
        .input("client-id", secret)
        .main();
    let e = failed(&main);
    assert!(e.contains("shape of a client secret"), "{e}");
    assert!(!main.log().contains(secret), "the secret is not echoed");
    assert!(gh.requests().is_empty());
}

#[test]
fn a_key_file_path_instead_of_the_key() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("private-key", "./secrets/app.private-key.pem")
        .main();
    let e = failed(&main);
    assert!(e.contains("looks like a file name or path"), "{e}");
    assert!(gh.requests().is_empty());
}

#[test]
fn app_not_installed_names_the_account_and_the_settings() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("owner", "nobody")
        .var("GITHUB_SERVER_URL", "https://ghe.example.com")
        .main();
    let e = failed(&main);
    assert!(e.contains("not installed on the account nobody"), "{e}");
    assert!(
        e.contains("https://ghe.example.com/organizations/nobody/settings/installations"),
        "{e}"
    );
    assert_eq!(gh.requests().len(), 1);
}

#[test]
fn permissions_narrow_the_token() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("permission-contents", "read")
        .input("permission-pull-requests", "write")
        .main();
    ok(&main);
    assert_eq!(
        gh.minted()[0].body["permissions"],
        serde_json::json!({"contents": "read", "pull_requests": "write"})
    );
    assert!(main.stdout.contains("contents:read, pull_requests:write"));
}

#[test]
fn permission_typo_suggests_the_name() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .var("INPUT_PERMISSION-CONTENT", "read")
        .main();
    let e = failed(&main);
    assert!(
        e.contains("Did you mean `contents` (input `permission-contents`)"),
        "{e}"
    );
    assert!(gh.requests().is_empty());
}

#[test]
fn logins_slugs_and_ids_are_checked_before_any_request() {
    let gh = mock();
    for (input, value) in [
        ("owner", "acme/../x"),
        ("enterprise", "big/corp"),
        ("client-id", "Iv23liMock\nClient01"),
    ] {
        let main = Step::new(bin!(), &gh.url()).input(input, value).main();
        let e = failed(&main);
        assert!(e.starts_with("::error title=Invalid input::"), "{e}");
        assert!(e.contains(&format!("`{input}` must be")), "{e}");
    }
    assert!(gh.requests().is_empty(), "{:?}", gh.requests().len());
}

#[test]
fn a_lookup_answer_without_an_account_is_named_once() {
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("GET", "/repos/acme/repo-a/installation")
                .status(200)
                .body(r#"{"id":1001,"app_slug":"mock-app"}"#),
        )
        .start();
    let main = Step::new(bin!(), &gh.url()).main();
    ok(&main);
    let summary = main
        .stdout
        .lines()
        .find(|l| l.starts_with("Created an installation token for "))
        .unwrap_or_else(|| panic!("{}", main.shown()));
    assert_eq!(summary.matches("installation 1001").count(), 1, "{summary}");
}

#[test]
fn permission_level_is_checked() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("permission-workflows", "read")
        .main();
    let e = failed(&main);
    assert!(e.contains("workflows accepts: write"), "{e}");
    assert!(e.contains("the value given is \"read\""), "{e}");
    assert!(gh.requests().is_empty());
}

#[test]
fn unknown_permission_is_sent_with_a_warning() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .var("INPUT_PERMISSION-COPILOT-SPACES", "read")
        .main();
    assert!(main.stdout.contains("::warning title=Unknown permission::"));
    // The mock, like GitHub today, refuses the name: GitHub's words are passed on.
    let e = failed(&main);
    assert!(e.contains("copilot_spaces"), "{e}");
    assert_eq!(
        gh.requests().last().map(|r| r.method.clone()).as_deref(),
        Some("POST")
    );
}

#[test]
fn permission_not_granted_is_explained() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("permission-administration", "write")
        .main();
    let e = failed(&main);
    assert!(e.contains("The permissions requested are not granted to this installation."));
    assert!(
        e.contains("Requested repositories repo-a; permissions administration:write"),
        "{e}"
    );
}

#[test]
fn inaccessible_repository_is_explained() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("repositories", "repo-a,secret-repo")
        .main();
    let e = failed(&main);
    assert!(
        e.contains("There is at least one repository that does not exist"),
        "{e}"
    );
    assert!(e.contains("repositories repo-a, secret-repo"), "{e}");
}

// ---- inputs of the request itself ----

#[test]
fn api_url_with_path_prefix_and_trailing_slash() {
    let gh = MockGithub::builder(Scenario::standard())
        .path_prefix("/api/v3")
        .start();
    let url = format!("{}/", gh.url());
    let main = Step::new(bin!(), &url).main();
    ok(&main);
    assert_eq!(gh.minted().len(), 1);
}

#[test]
fn empty_api_url_input_falls_back_to_github_api_url() {
    let gh = mock();
    let main = Step::new(bin!(), "http://127.0.0.1:9")
        .input("github-api-url", "")
        .var("GITHUB_API_URL", &gh.url())
        .main();
    ok(&main);
    assert_eq!(gh.minted().len(), 1);
}

#[test]
fn each_request_has_a_debug_line_without_credentials() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url()).main();
    ok(&main);
    let debug: Vec<&str> = main
        .stdout
        .lines()
        .filter(|l| l.starts_with("::debug::") && l.contains(" -> "))
        .collect();
    assert_eq!(debug.len(), 2, "{debug:?}");
    let lookup = debug[0];
    assert!(
        lookup.starts_with("::debug::GET /repos/acme/repo-a/installation -> 200 in "),
        "{lookup}"
    );
    assert!(lookup.contains(" ms (rate limit remaining "), "{lookup}");
    assert!(lookup.contains(", request id MOCK"), "{lookup}");
    assert!(debug[1].starts_with("::debug::POST /app/installations/1001/access_tokens -> 201 in "));
    for line in main.stdout.lines().filter(|l| l.starts_with("::debug::")) {
        assert!(
            !line.contains("eyJ") && !line.contains("ghs_"),
            "credential in {line}"
        );
    }
}

#[test]
fn plain_http_is_only_for_loopback() {
    let main = Step::new(bin!(), "http://ghe.example.com/api/v3").main();
    let e = failed(&main);
    assert!(e.contains("plain http"), "{e}");
}

#[test]
fn requests_carry_githubs_headers() {
    let gh = mock();
    ok(&Step::new(bin!(), &gh.url()).main());
    let ua = format!("app-token-action/{}", env!("CARGO_PKG_VERSION"));
    for r in gh.requests() {
        assert_eq!(r.header("user-agent"), Some(ua.as_str()));
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    }
}

#[test]
fn outputs_are_heredocs_with_random_delimiters() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url()).main();
    ok(&main);
    let delimiters: Vec<&str> = main
        .output_file
        .lines()
        .filter_map(|l| l.split_once("<<").map(|(_, d)| d))
        .collect();
    assert_eq!(delimiters.len(), 7);
    let unique: std::collections::BTreeSet<_> = delimiters.iter().collect();
    assert_eq!(unique.len(), 7, "one delimiter per value");
}

#[test]
fn a_value_with_a_line_break_cannot_inject_an_output() {
    let installation = serde_json::json!({
        "id": 1001,
        "app_slug": "mock-app\ninjected=1",
        "account": {"login": "acme", "type": "Organization"},
    });
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("GET", "/repos/acme/repo-a/installation")
                .status(200)
                .body(installation.to_string()),
        )
        .start();
    let step = Step::new(bin!(), &gh.url());
    let main = step.main();
    assert!(!main.stdout.lines().any(|l| l.starts_with("injected")));
    let e = failed(&main);
    assert!(e.contains("Refusing to write output `app-slug`"), "{e}");
    assert!(!main.output_file.contains("injected"));
    // The token was minted: post still revokes it.
    assert_eq!(step.post(&main).code, 0);
    assert_eq!(gh.revoked().len(), 1);
}

#[test]
fn text_from_github_cannot_start_a_workflow_command() {
    // A permission level with a line break in the mint answer must not become a
    // `::warning` line of its own in the summary.
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/app/installations/").status(201).body(
                serde_json::json!({
                    "token": "ghs_injectiontest",
                    "expires_at": "2099-01-01T00:00:00Z",
                    "permissions": {"contents": "read\n::warning::injected"},
                })
                .to_string(),
            ),
        )
        .start();
    let main = Step::new(bin!(), &gh.url()).main();
    assert_eq!(main.code, 0, "{}", main.shown());
    assert!(
        !main.stdout.lines().any(|l| l.starts_with("::warning")),
        "{}",
        main.shown()
    );
}

#[test]
fn bot_identity() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url())
        .input("bot-identity", "true")
        .main();
    ok(&main);
    assert_eq!(main.output("bot-user-id"), BOT_USER_ID.to_string());
    assert_eq!(
        main.output("bot-email"),
        format!("{BOT_USER_ID}+mock-app[bot]@users.noreply.github.com")
    );
    assert_eq!(gh.count("GET", "/users/mock-app"), 1);
}

#[test]
fn bot_identity_lookup_failure_only_warns() {
    let gh = MockGithub::builder(Scenario::standard())
        .fault(Fault::on("GET", "/users/mock-app").status(403))
        .start();
    let main = Step::new(bin!(), &gh.url())
        .input("bot-identity", "true")
        .main();
    ok(&main);
    assert!(
        main.stdout
            .contains("::warning title=Bot identity not found::")
    );
    assert_eq!(main.output("bot-user-id"), "");
    assert_eq!(main.output("bot-name"), "mock-app[bot]");
}

#[test]
fn check_mode_validates_without_minting() {
    let gh = mock();
    let main = Step::new(bin!(), &gh.url()).input("check", "true").main();
    assert_eq!(main.code, 0, "{}", main.shown());
    assert!(gh.minted().is_empty());
    assert_eq!(gh.count("GET", "/app"), 1);
    assert_eq!(gh.count("GET", "/repos/acme/repo-a/installation"), 1);
    assert_eq!(
        gh.requests().len(),
        2,
        "GET /app and the installation lookup only"
    );
    assert_eq!(main.output("installation-id"), "1001");
    assert!(main.stdout.contains("Check passed"));
}

#[test]
fn booleans_are_strict() {
    let gh = mock();
    let e = failed(
        &Step::new(bin!(), &gh.url())
            .input("skip-token-revoke", "yes")
            .main(),
    );
    assert!(
        e.contains("`skip-token-revoke` must be true or false"),
        "{e}"
    );
    assert!(gh.requests().is_empty());
}

// ---- the token's format ----

/// No piece of `token` (12 characters or more) in the log as the runner shows it: the
/// runner masks the registered value whole, so a truncated or split copy would show.
fn assert_no_fragment(log: &str, token: &str) {
    let shown = redact(log);
    let leaks = (0..=token.len() - 12)
        .filter(|&i| shown.contains(&token[i..i + 12]))
        .count();
    assert_eq!(leaks, 0, "{leaks} fragment(s) of the token in the log");
}

fn classic_by_default() -> MockGithub {
    let mut scenario = Scenario::standard();
    scenario.token_format = TokenFormat::Classic;
    MockGithub::start(scenario)
}

#[test]
fn token_format_input_sends_githubs_header() {
    let cases = [
        (mock(), "stateful", Some("disabled"), TokenFormat::Classic),
        (mock(), "", None, TokenFormat::New),
        (
            classic_by_default(),
            "stateless",
            Some("enabled"),
            TokenFormat::New,
        ),
        (classic_by_default(), "", None, TokenFormat::Classic),
    ];
    for (gh, input, header, format) in cases {
        let main = Step::new(bin!(), &gh.url())
            .input("token-format", input)
            .main();
        ok(&main);
        let minted = &gh.minted()[0];
        assert_eq!(minted.format_header.as_deref(), header, "{input:?}");
        assert_eq!(minted.format, format, "{input:?}");
        assert_eq!(main.output("token"), minted.token);
    }
}

#[test]
fn a_bad_token_format_fails_before_any_request() {
    let gh = mock();
    for bad in ["enabled", "Stateless", "new", "true"] {
        let e = failed(
            &Step::new(bin!(), &gh.url())
                .input("token-format", bad)
                .main(),
        );
        assert!(e.starts_with("::error title=Invalid input::"), "{e}");
        assert!(
            e.contains("`token-format` must be `stateless`") && e.contains(&format!("\"{bad}\"")),
            "{e}"
        );
    }
    assert!(gh.requests().is_empty());
}

#[test]
fn both_formats_pass_whole_through_outputs_masks_and_revocation() {
    for (input, format) in [
        ("stateless", TokenFormat::New),
        ("stateful", TokenFormat::Classic),
    ] {
        let gh = mock();
        let mut step = Step::new(bin!(), &gh.url());
        step.input("token-format", input)
            .input("bot-identity", "true")
            .var("RUNNER_DEBUG", "1");
        let main = step.main();
        ok(&main);
        let token = gh.minted()[0].token.clone();
        assert_eq!(gh.minted()[0].format, format);
        if format == TokenFormat::New {
            assert!(token.len() > 500 && token.contains('.') && token.contains('-'));
        }
        // One heredoc entry holding the token whole, in the outputs and in the state.
        assert_eq!(main.output("token"), token);
        assert_eq!(main.state["token"], token);
        let entry = main
            .output_file
            .lines()
            .skip_while(|l| !l.starts_with("token<<"))
            .nth(1);
        assert_eq!(entry, Some(token.as_str()));
        assert_masked_first(&main.log(), &token);
        assert_no_fragment(&main.log(), &token);
        // The bot lookup and the revocation authenticate with the token as Bearer.
        assert_eq!(main.output("bot-user-id"), BOT_USER_ID.to_string());
        let post = step.post(&main);
        assert_eq!(post.code, 0, "{}", post.shown());
        assert!(post.stdout.contains("Token revoked"), "{}", post.shown());
        assert_eq!(gh.revoked(), std::slice::from_ref(&token));
        assert_masked_first(&post.log(), &token);
        assert_no_fragment(&post.log(), &token);
        for r in gh.requests().iter().filter(|r| r.path.contains("token")) {
            if r.method != "POST" {
                let auth = r.header("authorization").unwrap_or_default();
                assert_eq!(auth, format!("Bearer {token}"), "{r:?}");
                assert!(matches!(&r.auth, Auth::Token(t) if *t == token), "{r:?}");
            }
        }
    }
}

#[test]
fn errors_and_warnings_after_the_mint_hold_no_fragment_of_the_token() {
    // The bot lookup and the revocation fail after a long token was minted: their
    // warnings, and the debug lines, must not quote any piece of it.
    let gh = MockGithub::builder(Scenario::standard())
        .fault(Fault::on("GET", "/users/mock-app").status(401))
        .fault(Fault::on("DELETE", "/installation/token").status(403))
        .start();
    let mut step = Step::new(bin!(), &gh.url());
    step.input("bot-identity", "true").var("RUNNER_DEBUG", "1");
    let main = step.main();
    ok(&main);
    assert!(
        main.stdout
            .contains("::warning title=Bot identity not found::")
    );
    let post = step.post(&main);
    assert!(post.stdout.contains("::warning title=Token not revoked::"));
    let token = &gh.minted()[0].token;
    assert!(token.len() > 500);
    assert_no_fragment(&main.log(), token);
    assert_no_fragment(&post.log(), token);
}

// ---- post ----

#[test]
fn post_revokes_the_token_of_main() {
    let gh = mock();
    let step = Step::new(bin!(), &gh.url());
    let main = step.main();
    ok(&main);
    assert_eq!(main.state["token"], main.output("token"));
    assert_eq!(main.state["clock_offset"], "0");
    let post = step.post(&main);
    assert_eq!(post.code, 0, "{}", post.shown());
    assert!(post.stdout.contains("Token revoked"));
    assert_eq!(gh.revoked(), [main.output("token").to_string()]);
    let delete = gh
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("the revocation");
    assert!(
        delete
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer ghs_")),
        "{delete:?}"
    );
    assert!(
        matches!(&delete.auth, Auth::Token(t) if t == main.output("token")),
        "the mock took the installation token for a JWT: {delete:?}"
    );
    assert!(
        !post
            .log()
            .lines()
            .any(|l| l.contains(main.output("token")) && !l.starts_with("::add-mask::"))
    );
}

#[test]
fn skip_token_revoke_saves_no_state_and_post_skips() {
    let gh = mock();
    let mut step = Step::new(bin!(), &gh.url());
    step.input("skip-token-revoke", "True");
    let main = step.main();
    ok(&main);
    assert!(main.state.is_empty());
    let post = step.post(&main);
    assert_eq!(post.code, 0);
    assert!(post.stdout.contains("Token revocation skipped"));
    assert!(gh.revoked().is_empty());
}

#[test]
fn post_without_state_makes_no_request() {
    let gh = mock();
    let step = Step::new(bin!(), &gh.url());
    let post = step.post_with_state(&BTreeMap::new());
    assert_eq!(post.code, 0);
    assert!(post.stdout.contains("No token to revoke"));
    assert!(gh.requests().is_empty());
}

#[test]
fn post_skips_an_expired_token() {
    let gh = mock();
    let state = BTreeMap::from([
        ("token".to_string(), "ghs_expired".to_string()),
        ("expires_at".to_string(), "2020-01-01T00:00:00Z".to_string()),
    ]);
    let post = Step::new(bin!(), &gh.url()).post_with_state(&state);
    assert_eq!(post.code, 0);
    assert!(post.stdout.contains("already expired"));
    assert!(gh.requests().is_empty());
}

#[test]
fn post_judges_expiry_by_githubs_clock() {
    // GitHub's clock is 90 minutes ahead of the runner's (main measured it): a token
    // that by the runner's clock has an hour left has expired by GitHub's.
    let gh = mock();
    let local_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let state = BTreeMap::from([
        ("token".to_string(), "ghs_old".to_string()),
        (
            "expires_at".to_string(),
            app_token_action::time::format_iso8601(local_now + 3600).expect("a date this year"),
        ),
        ("clock_offset".to_string(), "5400".to_string()),
    ]);
    let post = Step::new(bin!(), &gh.url()).post_with_state(&state);
    assert_eq!(post.code, 0);
    assert!(post.stdout.contains("already expired"), "{}", post.shown());
    assert!(gh.requests().is_empty());
}

#[test]
fn post_on_an_already_invalid_token_is_a_notice() {
    let gh = mock();
    let step = Step::new(bin!(), &gh.url());
    let main = step.main();
    ok(&main);
    step.post(&main);
    let again = step.post(&main);
    assert_eq!(again.code, 0);
    assert!(
        again
            .stdout
            .contains("::notice::The token was already invalid"),
        "{}",
        again.shown()
    );
}

#[test]
fn post_failure_is_a_warning_and_never_fails_the_job() {
    let gh = MockGithub::builder(Scenario::standard())
        .fault(Fault::on("DELETE", "/installation/token").status(403))
        .start();
    let step = Step::new(bin!(), &gh.url());
    let main = step.main();
    ok(&main);
    let post = step.post(&main);
    assert_eq!(post.code, 0);
    let warning = post
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=Token not revoked::"))
        .expect("a warning");
    assert!(warning.len() > "::warning title=Token not revoked::".len() + 20);
}

#[test]
fn no_arguments_outside_actions_prints_usage() {
    let out = std::process::Command::new(bin!())
        .env_clear()
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("USAGE"));
    assert!(out.stdout.is_empty());
}

/// `scripts/demo`'s flow, as it prints it: main mints, a later step lists the
/// repositories the token reaches (200), post revokes the token.
#[test]
fn the_demo_shows_the_token_working() {
    let mut lines = Vec::new();
    let outcome = testkit::demo::run(bin!(), &mut |l| lines.push(l));
    let shown = lines.join("\n");
    assert_eq!(outcome.main_code, 0, "{shown}");
    assert_eq!(
        outcome.later,
        Some((
            200,
            vec!["acme/repo-a".to_string(), "acme/website".to_string()]
        )),
        "{shown}"
    );
    assert!(outcome.revoked, "{shown}");
    assert!(
        shown.contains(
            "gh api /installation/repositories -> 200 [\"acme/repo-a\", \"acme/website\"]"
        ),
        "{shown}"
    );
}

// ---- guardrails at mint time ----

/// A step triggered by `event` whose payload's pull request comes from `head`
/// (`None`: a deleted fork) into acme/repo-a.
fn pull_request_step(
    gh: &MockGithub,
    dir: &testkit::runner::TempDir,
    event: &str,
    head: Option<(u64, &str)>,
) -> Step {
    let head = match head {
        Some((id, name)) => serde_json::json!({"id": id, "full_name": name}),
        None => serde_json::Value::Null,
    };
    let payload = serde_json::json!({
        "action": "opened",
        "pull_request": {"number": 7, "head": {"repo": head}, "base": {"repo": {"id": 1, "full_name": "acme/repo-a"}}},
    });
    let path = dir.0.join(format!("event-{event}.json"));
    std::fs::write(&path, payload.to_string()).unwrap();
    let mut step = Step::new(bin!(), &gh.url());
    step.var("GITHUB_EVENT_NAME", event)
        .var("GITHUB_EVENT_PATH", path.to_str().unwrap());
    step
}

#[test]
fn a_forks_pull_request_is_refused_before_any_request_when_asked() {
    let gh = mock();
    let dir = testkit::runner::TempDir::new("fork");
    for event in ["pull_request", "pull_request_target", "pull_request_review"] {
        let mut step = pull_request_step(&gh, &dir, event, Some((2, "mallory/repo-a")));
        step.input("fork-pull-requests", "refuse");
        let err = failed(&step.main());
        assert!(err.contains(&format!("`{event}`")), "{err}");
        assert!(
            err.contains("mallory/repo-a") && err.contains("fork-pull-requests: allow"),
            "{err}"
        );
    }
    // A deleted fork is still a fork; an unreadable payload cannot be judged.
    let mut step = pull_request_step(&gh, &dir, "pull_request_target", None);
    step.input("fork-pull-requests", "refuse");
    failed(&step.main());
    let mut step = Step::new(bin!(), &gh.url());
    step.var("GITHUB_EVENT_NAME", "pull_request_target")
        .var("GITHUB_EVENT_PATH", "/nonexistent/event.json")
        .input("fork-pull-requests", "refuse");
    assert!(failed(&step.main()).contains("could not be read"));
    assert!(gh.requests().is_empty(), "a refused run reached GitHub");
}

#[test]
fn a_forks_pull_request_mints_with_one_notice_by_default() {
    let gh = mock();
    let dir = testkit::runner::TempDir::new("fork");
    let run = pull_request_step(
        &gh,
        &dir,
        "pull_request_target",
        Some((2, "mallory/repo-a")),
    )
    .main();
    ok(&run);
    let notices: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::notice"))
        .collect();
    assert_eq!(notices.len(), 1, "{}", run.stdout);
    assert!(
        notices[0].contains("pull request from a fork")
            && notices[0].contains("fork-pull-requests: refuse")
    );
    // The base repository's own branch: no notice, and `refuse` does not stop it.
    let mut step = pull_request_step(&gh, &dir, "pull_request", Some((1, "acme/repo-a")));
    step.input("fork-pull-requests", "refuse");
    let run = step.main();
    ok(&run);
    assert!(!run.stdout.contains("::notice"), "{}", run.stdout);
    let mut step = Step::new(bin!(), &gh.url());
    step.input("fork-pull-requests", "deny");
    assert!(failed(&step.main()).contains("must be `allow`"));
}

#[test]
fn require_permissions_refuses_a_token_with_every_permission() {
    let gh = mock();
    let mut step = Step::new(bin!(), &gh.url());
    step.input("require-permissions", "true");
    let err = failed(&step.main());
    assert!(
        err.contains("`permission-*`") && err.contains("permission-contents: read"),
        "{err}"
    );
    assert!(gh.requests().is_empty());
    step.input("permission-contents", "read");
    ok(&step.main());
    assert_eq!(
        gh.minted()[0].body["permissions"],
        serde_json::json!({"contents": "read"})
    );
}

// ---- several owners in one step ----

/// A run's `tokens` / `installation-ids` output as a JSON object.
fn json_output(run: &Run, name: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(run.output(name))
        .unwrap_or_else(|e| panic!("{name} is not JSON ({e}):\n{}", run.shown()))
        .as_object()
        .cloned()
        .unwrap()
}

#[test]
fn owners_get_a_token_each_masked_before_any_output_and_all_revoked() {
    let gh = mock();
    let mut step = Step::new(bin!(), &gh.url());
    step.input("owners", "acme, octocat")
        .input("permission-contents", "read");
    let run = step.main();
    ok(&run);
    let tokens = json_output(&run, "tokens");
    let ids = json_output(&run, "installation-ids");
    assert_eq!(tokens.keys().collect::<Vec<_>>(), ["acme", "octocat"]);
    assert_eq!(ids["acme"], 1001);
    assert_eq!(ids["octocat"], 1002);
    // `token` stays the first owner's, so single-owner workflows keep working.
    assert_eq!(run.output("token"), tokens["acme"].as_str().unwrap());
    for t in tokens.values() {
        assert_masked_first(&run.log(), t.as_str().unwrap());
    }
    let minted = gh.minted();
    assert_eq!(minted.len(), 2);
    assert!(
        minted
            .iter()
            .all(|m| m.body["permissions"] == serde_json::json!({"contents": "read"}))
    );
    let post = step.post(&run);
    assert_eq!(post.code, 0, "{}", post.shown());
    let mut revoked = gh.revoked();
    revoked.sort();
    let mut expected: Vec<String> = tokens
        .values()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(revoked, expected, "post revokes every token");
    assert_eq!(
        post.stdout
            .lines()
            .filter(|l| *l == "Token revoked")
            .count(),
        2
    );
}

#[test]
fn owners_star_mints_for_every_installation_over_every_page() {
    // 150 installations: GitHub's list comes in pages of at most 100.
    let mut scenario = Scenario::standard();
    let template = scenario.installations[1].1.clone();
    for i in 0..147u64 {
        let mut inst = template.clone();
        inst.id = 2000 + i;
        inst.account = format!("org-{i}");
        scenario.installations.push((testkit::APP_ID, inst));
    }
    let gh = MockGithub::start(scenario);
    let mut step = Step::new(bin!(), &gh.url());
    step.input("owners", "*");
    let run = step.main();
    ok(&run);
    let tokens = json_output(&run, "tokens");
    assert_eq!(tokens.len(), 150);
    assert!(tokens.contains_key("big-corp") && tokens.contains_key("org-146"));
    assert_eq!(gh.minted().len(), 150);
    let pages: Vec<String> = gh
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/app/installations?"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(
        gh.count("GET", "/users/") == 0,
        "the listing names every installation: no lookups"
    );
}

#[test]
fn one_owner_failing_fails_the_step_and_revokes_the_others_at_once() {
    let gh = mock();
    let mut step = Step::new(bin!(), &gh.url());
    step.input("owners", "acme,nobody,octocat");
    let run = step.main();
    let err = failed(&run);
    assert!(
        err.contains("For `nobody`:") && err.contains("not installed"),
        "{err}"
    );
    assert!(
        err.contains("of the 2 tokens already minted for the other owners, 2 revoked at once"),
        "{err}"
    );
    let mut minted: Vec<String> = gh.minted().into_iter().map(|m| m.token).collect();
    let mut revoked = gh.revoked();
    minted.sort();
    revoked.sort();
    assert_eq!(minted.len(), 2);
    assert_eq!(revoked, minted, "none left live");
    // Post finds them already revoked and says so; none is left valid.
    let post = step.post(&run);
    assert_eq!(post.code, 0, "{}", post.shown());
}

#[test]
fn owners_exclude_the_inputs_that_choose_one_installation() {
    let gh = mock();
    for other in ["owner", "repositories", "enterprise", "installation-id"] {
        let mut step = Step::new(bin!(), &gh.url());
        step.input("owners", "acme,octocat").input(other, "1");
        let err = failed(&step.main());
        assert!(err.contains(&format!("`{other}`")), "{err}");
    }
    let mut step = Step::new(bin!(), &gh.url());
    step.input("owners", "acme, not/a login");
    assert!(failed(&step.main()).contains("`owners`"));
    assert!(gh.requests().is_empty());
}
