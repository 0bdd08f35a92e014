//! Key-service answers and kms-key values a hostile world sends.
//!
//! Each case runs the real binary as the runner does, against a key service that answers
//! badly on purpose (a canned server standing in for KMS, STS, Vault or the runner's OIDC
//! endpoint), or with an input outside its service's grammar, and asserts: exit 1, exactly
//! one `::error`, no request to GitHub, no workflow command but the program's own, and no
//! credential in the output.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use testkit::bin;
use testkit::kms::OidcStandIn;
use testkit::kms::canned::Canned;
use testkit::runner::{Run, Step};
use testkit::{MockGithub, OTHER_PUBLIC_KEY_PEM, Scenario};

const OWN_COMMANDS: [&str; 5] = [
    "::add-mask::",
    "::error",
    "::warning",
    "::notice",
    "::debug",
];

/// A main step signing with `kms_key`, debug lines on.
fn step(gh: &MockGithub, kms_key: &str) -> Step {
    let mut step = Step::new(bin!(), &gh.url());
    step.input("private-key", "")
        .input("kms-key", kms_key)
        .var("RUNNER_DEBUG", "1");
    step
}

/// Exit 1, one `::error` saying each of `says`, nothing sent to GitHub, no command the
/// runner would read but the program's own, and none of `secrets` in the output.
fn refused(run: &Run, gh: &MockGithub, says: &[&str], secrets: &[&str]) {
    let requests = gh.requests().len();
    testkit::runner::assert_refused_before_github(run, requests, says, secrets);
    for line in run.log().lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("::") || OWN_COMMANDS.iter().any(|c| line.starts_with(c)),
            "a workflow command not the program's own: {line:?}"
        );
        assert!(!line.contains("##["), "a legacy command: {line:?}");
    }
}

fn der_with_junk() -> Vec<u8> {
    let mut der = app_token_action::kms::spki::pem_der(OTHER_PUBLIC_KEY_PEM).unwrap();
    der.extend_from_slice(b"\x00\x00junk after the key");
    der
}

fn aws_step(gh: &MockGithub, kms: &Canned) -> Step {
    let mut s = step(
        gh,
        "awskms:///arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
    s.var("AWS_ENDPOINT_URL", &kms.url)
        .var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .var("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-K7MDENG-secret");
    s
}

#[test]
fn aws_public_key_with_trailing_der_junk() {
    let body = serde_json::json!({"KeyId": "k", "PublicKey": STANDARD.encode(der_with_junk()),
        "KeyUsage": "SIGN_VERIFY", "KeySpec": "RSA_2048",
        "SigningAlgorithms": ["RSASSA_PKCS1_V1_5_SHA_256"]});
    let kms = Canned::start(200, "application/x-amz-json-1.1", &body.to_string());
    let gh = MockGithub::start(Scenario::standard());
    let run = aws_step(&gh, &kms).main();
    refused(
        &run,
        &gh,
        &["AWS KMS", "SubjectPublicKeyInfo"],
        &["wJalrXUtnFEMI-K7MDENG-secret"],
    );
    assert!(
        !run.stdout.contains("fingerprint"),
        "no fingerprint of junk"
    );
    assert_eq!(
        kms.requests(),
        1,
        "GetPublicKey only: nothing signed with a junk key"
    );
}

#[test]
fn vault_public_key_with_trailing_der_junk() {
    let pem = testkit::kms::public_pem(&der_with_junk());
    let body = serde_json::json!({"data": {"type": "rsa-2048", "latest_version": 1,
        "keys": {"1": {"public_key": pem}}}});
    let vault = Canned::start(200, "application/json", &body.to_string());
    let gh = MockGithub::start(Scenario::standard());
    let run = step(&gh, "openbao://gh-app")
        .var("VAULT_ADDR", &vault.url)
        .var("VAULT_TOKEN", "s.vault-token-0123")
        .main();
    refused(
        &run,
        &gh,
        &["Vault", "could not be read"],
        &["s.vault-token-0123"],
    );
    assert_eq!(
        vault.requests(),
        1,
        "the key read only: nothing signed with a junk key"
    );
    assert!(
        !run.stdout.contains("fingerprint"),
        "no fingerprint of junk"
    );
}

/// STS answers whose credentials decode, through XML references, to control characters.
#[test]
fn sts_credentials_hiding_control_characters() {
    for (field, value) in [
        ("SessionToken", "tok&#10;::set-output name=token::stolen"),
        (
            "SessionToken",
            "tok&#13;&#10;##[set-output name=token]stolen",
        ),
        ("SecretAccessKey", "secret&#x1b;[2J"),
        ("AccessKeyId", "ASIA&#0;X"),
        ("SessionToken", "tok&#x2028;x"),
    ] {
        let mut creds = [
            ("AccessKeyId", "ASIAEXAMPLE"),
            ("SecretAccessKey", "sts-secret-key"),
            ("SessionToken", "sts-session-token"),
        ]
        .map(|(k, v)| (k, v.to_string()));
        for c in &mut creds {
            if c.0 == field {
                c.1 = value.to_string();
            }
        }
        let inner: String = creds
            .iter()
            .map(|(k, v)| format!("<{k}>{v}</{k}>"))
            .collect();
        let xml = format!(
            "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult><Credentials>{inner}<Expiration>2026-12-01T07:33:46Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
        );
        let sts = Canned::start(200, "text/xml", &xml);
        let runner = OidcStandIn::start(testkit::OTHER_KEY_PEM);
        let gh = MockGithub::start(Scenario::standard());
        let run = step(&gh, "awskms:///alias/github-app")
            .var("AWS_REGION", "us-east-1")
            .var("AWS_ENDPOINT_URL", &sts.url)
            .var("ACTIONS_ID_TOKEN_REQUEST_URL", &runner.url)
            .var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &runner.request_token)
            .input("aws-role-arn", "arn:aws:iam::111122223333:role/gh-signer")
            .main();
        refused(
            &run,
            &gh,
            &[field, "AWS STS"],
            &["stolen", "sts-secret-key", "sts-session-token"],
        );
        assert_eq!(
            sts.requests(),
            1,
            "only the STS call: no KMS call with those credentials"
        );
    }
}

#[test]
fn vault_login_token_with_a_line_break() {
    let vault = Canned::start(
        200,
        "application/json",
        r#"{"auth":{"client_token":"s.x\n::stop-commands::pwned"}}"#,
    );
    let runner = OidcStandIn::start(testkit::OTHER_KEY_PEM);
    let gh = MockGithub::start(Scenario::standard());
    let run = step(&gh, "hashivault://gh-app")
        .var("VAULT_ADDR", &vault.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_URL", &runner.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &runner.request_token)
        .input("vault-role", "widgets-main")
        .main();
    refused(&run, &gh, &["auth.client_token", "Vault"], &["pwned"]);
    assert_eq!(vault.requests(), 1);
}

#[test]
fn oidc_token_with_control_characters() {
    let runner = Canned::start(
        200,
        "application/json",
        r#"{"count":1,"value":"a.b.c\u001b]0;pwned\u0007"}"#,
    );
    let vault = Canned::start(500, "application/json", "{}");
    let gh = MockGithub::start(Scenario::standard());
    let run = step(&gh, "hashivault://gh-app")
        .var("VAULT_ADDR", &vault.url)
        .var(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            &format!("{}/idtoken?api-version=2.0", runner.url),
        )
        .var(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "runner-request-token-0123",
        )
        .input("vault-role", "widgets-main")
        .main();
    refused(
        &run,
        &gh,
        &["runner's OIDC token endpoint"],
        &["pwned", "runner-request-token-0123"],
    );
    assert_eq!(vault.requests(), 0, "the token never reached Vault");
}

/// Inputs outside their service's grammar: one `::error` naming the input, and not one
/// request to the key service (or to GitHub).
fn input_outside_its_grammar_sends_nothing(kms_key: &str, inputs: &[(&str, &str)], says: &str) {
    let service = Canned::start(200, "application/json", "{}");
    let runner = OidcStandIn::start(testkit::OTHER_KEY_PEM);
    let gh = MockGithub::start(Scenario::standard());
    let mut s = step(&gh, kms_key);
    s.var("VAULT_ADDR", &service.url)
        .var("VAULT_TOKEN", "s.vault-token-0123")
        .var("AWS_ENDPOINT_URL", &service.url)
        .var("AWS_REGION", "us-east-1")
        .var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .var("AWS_SECRET_ACCESS_KEY", "aws-secret-0123")
        .var("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS", &service.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_URL", &runner.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &runner.request_token)
        .input("kms-access-token", "ya29.access-token-0123");
    for (name, value) in inputs {
        s.input(name, value);
    }
    let run = s.main();
    refused(
        &run,
        &gh,
        &[says],
        &[
            "s.vault-token-0123",
            "aws-secret-0123",
            "ya29.access-token-0123",
        ],
    );
    assert_eq!(
        service.requests(),
        0,
        "{kms_key}: a request before the error"
    );
    assert!(
        runner.audiences().is_empty(),
        "{kms_key}: an OIDC token was asked for"
    );
}

const UUID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const GOOGLE_KEY: &str = "projects/acme-ci/locations/global/keyRings/ci-ring/cryptoKeys/github-app";

/// One `#[test]` per case of [`input_outside_its_grammar_sends_nothing`], so every failing
/// case is reported: `name: kms-key, [(input, value)], what the error says`.
macro_rules! input_cases {
    ($($name:ident: $kms_key:expr, $inputs:expr, $says:expr;)+) => {
        $(
            #[test]
            fn $name() {
                input_outside_its_grammar_sends_nothing(&$kms_key, $inputs, $says);
            }
        )+
    };
}

input_cases! {
    openbao_key_dot_dot: "openbao://..", &[], "transit key name";
    openbao_key_dot: "openbao://.", &[], "transit key name";
    vault_key_walking_the_path: "hashivault://a/../../sys/raw", &[], "transit key name";
    aws_key_with_an_escape: format!("awskms:///{UUID}\u{1b}[2J"), &[], "AWS key";
    aws_key_with_a_bell: format!("awskms:///{}\u{7}", &UUID[..35]), &[], "AWS key";
    google_key_with_a_query: format!("gcpkms://{GOOGLE_KEY}/cryptoKeyVersions/1?alt=json"), &[], "key version";
    google_key_with_a_fragment: format!("gcpkms://{GOOGLE_KEY}/cryptoKeyVersions/1#x"), &[], "key version";
    google_key_with_a_method: format!("gcpkms://{GOOGLE_KEY}/cryptoKeyVersions/1:asymmetricSign"), &[], "key version";
    azure_key_walking_the_path: "azurekms://acme.vault.azure.net/gh-app/../keys", &[], "Azure";
    vault_transit_mount_walking_the_path: "hashivault://gh-app", &[("vault-transit-mount", "../sys")], "`vault-transit-mount`";
    vault_auth_mount_walking_the_path: "hashivault://gh-app", &[("vault-auth-mount", "jwt/../token")], "`vault-auth-mount`";
    vault_role_with_a_slash: "hashivault://gh-app", &[("vault-role", "a/b")], "`vault-role`";
    aws_role_arn_not_an_arn: "awskms:///alias/github-app", &[("aws-role-arn", "gh-signer")], "`aws-role-arn`";
    oidc_audience_with_a_space: "awskms:///alias/github-app", &[("oidc-audience", "a b")], "`oidc-audience`";
}

/// Environment values that become part of a host, a header or a path, outside their
/// grammar: refused before any request.
fn environment_outside_its_grammar_sends_nothing(
    kms_key: &str,
    var: &str,
    value: &str,
    says: &str,
) {
    let service = Canned::start(200, "application/json", "{}");
    let gh = MockGithub::start(Scenario::standard());
    let mut s = step(&gh, kms_key);
    s.var("VAULT_ADDR", &service.url)
        .var("VAULT_TOKEN", "s.vault-token-0123")
        .var("AWS_ENDPOINT_URL", &service.url)
        .var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .var("AWS_SECRET_ACCESS_KEY", "aws-secret-0123")
        .unset("AWS_REGION")
        .var(var, value);
    let run = s.main();
    refused(
        &run,
        &gh,
        &[says],
        &["s.vault-token-0123", "aws-secret-0123", "pwned"],
    );
    assert_eq!(service.requests(), 0, "{var}: a request before the error");
}

/// One `#[test]` per case of [`environment_outside_its_grammar_sends_nothing`]:
/// `name: kms-key, variable, value, what the error says`.
macro_rules! environment_cases {
    ($($name:ident: $kms_key:expr, $var:expr, $value:expr, $says:expr;)+) => {
        $(
            #[test]
            fn $name() {
                environment_outside_its_grammar_sends_nothing($kms_key, $var, $value, $says);
            }
        )+
    };
}

environment_cases! {
    aws_region_that_is_a_host: "awskms:///alias/github-app", "AWS_REGION", "x.evil.example/?", "`AWS_REGION`";
    aws_default_region_with_an_escape: "awskms:///alias/github-app", "AWS_DEFAULT_REGION", "us-east-1\u{1b}[2J", "`AWS_DEFAULT_REGION`";
    vault_namespace_walking_the_path: "hashivault://gh-app", "VAULT_NAMESPACE", "team-a/../root", "`VAULT_NAMESPACE`";
    transit_engine_path_dot_dot: "hashivault://gh-app", "TRANSIT_SECRET_ENGINE_PATH", "..", "`TRANSIT_SECRET_ENGINE_PATH`";
    vault_token_with_a_terminal_title: "hashivault://gh-app", "VAULT_TOKEN", "s.x\u{1b}]0;pwned\u{7}", "VAULT_TOKEN";
}

/// A key version in Azure's answer that would move the sign request to another path.
#[test]
fn azure_key_version_that_walks_the_path() {
    let der = app_token_action::kms::spki::pem_der(OTHER_PUBLIC_KEY_PEM).unwrap();
    let Some(app_token_action::kms::spki::PublicKey::Rsa(rsa)) =
        app_token_action::kms::spki::parse(&der)
    else {
        panic!("RSA fixture")
    };
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let body = serde_json::json!({"key": {"kid": "https://acme.vault.azure.net/keys/gh-app/..",
        "kty": "RSA", "key_ops": ["sign"], "n": b64url.encode(&rsa.n), "e": b64url.encode(&rsa.e)},
        "attributes": {"enabled": true}});
    let azure = Canned::start(200, "application/json", &body.to_string());
    let gh = MockGithub::start(Scenario::standard());
    let host = azure.url.trim_start_matches("http://").to_string();
    let run = step(&gh, &format!("azurekms://{host}/gh-app"))
        .input("kms-access-token", "azure-access-token-0123")
        .main();
    refused(
        &run,
        &gh,
        &["Azure Key Vault", "kid"],
        &["azure-access-token-0123"],
    );
    assert_eq!(azure.requests(), 1, "no sign request at a walked path");
}
