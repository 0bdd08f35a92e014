//! The action end to end with `kms-key`: the real binary run as the runner runs it, its
//! JWTs signed in a key service (moto for AWS, an OpenBao dev server for Vault, the
//! project's mocks for Google and Azure) and verified by the mock GitHub API with the
//! service key's public half. Each failure names itself in one `::error`, before any
//! request to GitHub, and no credential reaches the log.

use testkit::bin;
use testkit::kms::moto::{self, ACCOUNT, REGION};
use testkit::kms::{Bao, CloudMock, Moto, OidcStandIn};
use testkit::runner::{Run, Step, assert_masked_first};
use testkit::{APP_KEY_PEM, MockGithub, OTHER_KEY_PEM, OTHER_PUBLIC_KEY_PEM, Scenario};

const GOOGLE_KEY: &str =
    "projects/acme-ci/locations/global/keyRings/ci/cryptoKeys/github-app/cryptoKeyVersions/1";
const ACCESS_TOKEN: &str = "ya29.test-access-token-0123456789";

/// The mock GitHub API whose app's registered key is `public_pem`.
fn github_with_key(public_pem: &str) -> MockGithub {
    let mut scenario = Scenario::standard();
    scenario.apps[0].public_key_pem = public_pem.to_string();
    MockGithub::start(scenario)
}

/// A main step that signs with `kms_key` instead of the private key, debug lines on.
fn step(gh: &MockGithub, kms_key: &str) -> Step {
    let mut step = Step::new(bin!(), &gh.url());
    step.input("private-key", "")
        .input("kms-key", kms_key)
        .var("RUNNER_DEBUG", "1");
    step
}

/// A successful mint: the token masked first, one mint, and `secrets` never in the log
/// but in `::add-mask::` lines.
fn minted(run: &Run, gh: &MockGithub, secrets: &[&str]) {
    assert_eq!(run.code, 0, "expected success:\n{}", run.shown());
    assert_masked_first(&run.log(), run.output("token"));
    assert_eq!(gh.minted().len(), 1);
    no_secret(run, secrets);
    assert!(
        run.stdout.contains("Signing in ") && run.stdout.contains(", fingerprint "),
        "{}",
        run.shown()
    );
}

fn no_secret(run: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(
            run.log().contains(&format!("::add-mask::{s}")),
            "{s:.8}… not masked"
        );
        assert!(!run.logged().contains(s), "a secret in the log");
    }
}

/// A failed main: exit 1, one `::error` containing each of `says`, no request to
/// GitHub, no secret in the log; the error line.
fn refused(run: &Run, gh: &MockGithub, says: &[&str], secrets: &[&str]) -> String {
    testkit::runner::assert_refused_before_github(run, gh.requests().len(), says, secrets)
}

/// Debug lines of calls to the service at `path` (`POST / -> 200`).
fn calls(run: &Run, line: &str) -> usize {
    run.stdout.lines().filter(|l| l.contains(line)).count()
}

// ---- AWS KMS (moto) ----

fn aws_step(gh: &MockGithub, moto: &Moto, key: &str) -> Step {
    let mut s = step(gh, key);
    s.var("AWS_ENDPOINT_URL", &moto.url)
        .var("AWS_REGION", REGION);
    s
}

#[test]
fn aws_static_credentials_mint_with_one_signature_per_jwt() {
    let Some(moto) = Moto::start() else { return };
    let key_id = moto::create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let signer = moto::user(&moto, "signer", &["kms:GetPublicKey", "kms:Sign"]);
    let gh = github_with_key(&moto::public_pem(&moto, &key_id));
    moto.auth_on();
    let secret = signer.secret_access_key.expose().to_string();
    let run = aws_step(&gh, &moto, &format!("awskms:///{key_id}"))
        .var("AWS_ACCESS_KEY_ID", &signer.access_key_id)
        .var("AWS_SECRET_ACCESS_KEY", &secret)
        .main();
    minted(&run, &gh, &[&secret]);
    // GetPublicKey, then one Sign for each of the two JWTs (lookup, mint).
    assert_eq!(calls(&run, "POST / -> 200"), 3, "{}", run.shown());
    assert_eq!(gh.count("*", "/"), 2);
}

#[test]
fn aws_keyless_through_sts_with_the_runners_oidc_token() {
    let Some(moto) = Moto::start() else { return };
    let key_id = moto::create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let role = moto::web_identity_role(&moto, "gh-signer", &["kms:GetPublicKey", "kms:Sign"]);
    let gh = github_with_key(&moto::public_pem(&moto, &key_id));
    let runner = OidcStandIn::start(OTHER_KEY_PEM);
    let key_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}");
    let run = step(&gh, &format!("awskms:///{key_arn}"))
        .var("AWS_ENDPOINT_URL", &moto.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_URL", &runner.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &runner.request_token)
        .input("aws-role-arn", &role)
        .main();
    minted(&run, &gh, &[&runner.request_token]);
    assert_eq!(runner.audiences(), vec![Some("sts.amazonaws.com".into())]);
    // Request token, OIDC token, secret key, session token, installation token.
    assert!(run.log().matches("::add-mask::").count() >= 5);
}

#[test]
fn aws_failures_before_github() {
    let Some(moto) = Moto::start() else { return };
    let gh = MockGithub::start(Scenario::standard());
    let creds = |s: &mut Step| {
        s.var("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .var("AWS_SECRET_ACCESS_KEY", "moto-admin-secret");
    };
    let mut s = aws_step(&gh, &moto, "awskms:///alias/nope");
    creds(&mut s);
    refused(
        &s.main(),
        &gh,
        &["AWS KMS has no key alias/nope", "AWS_REGION"],
        &["moto-admin-secret"],
    );

    let ec = moto::create_key(&moto, "ECC_NIST_P256", "SIGN_VERIFY");
    let mut s = aws_step(&gh, &moto, &format!("awskms:///{ec}"));
    creds(&mut s);
    refused(&s.main(), &gh, &["ECC_NIST_P256", "RSA (RS256)"], &[]);

    // Missing credentials, then a missing region: both found before any request.
    let run = aws_step(&gh, &moto, "awskms:///alias/app").main();
    refused(&run, &gh, &["AWS_ACCESS_KEY_ID", "aws-role-arn"], &[]);
    let mut s = step(&gh, "awskms:///alias/app");
    creds(&mut s);
    refused(&s.main(), &gh, &["needs a region", "AWS_REGION"], &[]);

    // A user without kms:Sign is told which permission to grant.
    let rsa = moto::create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let reader = moto::user(&moto, "reader", &["kms:GetPublicKey"]);
    moto.auth_on();
    let secret = reader.secret_access_key.expose().to_string();
    let run = aws_step(&gh, &moto, &format!("awskms:///{rsa}"))
        .var("AWS_ACCESS_KEY_ID", &reader.access_key_id)
        .var("AWS_SECRET_ACCESS_KEY", &secret)
        .main();
    refused(&run, &gh, &["Grant kms:Sign"], &[&secret]);
}

// ---- Vault / OpenBao ----

fn vault_step(gh: &MockGithub, bao: &Bao, key: &str) -> Step {
    let mut s = step(gh, key);
    s.var("VAULT_ADDR", &bao.addr);
    s
}

#[test]
fn vault_token_mints_and_check_proves_the_path() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    bao.create_key("gh-app", "rsa-2048");
    let gh = github_with_key(&bao.public_pem("gh-app"));
    let run = vault_step(&gh, &bao, "hashivault://gh-app")
        .var("VAULT_TOKEN", &bao.root_token)
        .main();
    minted(&run, &gh, &[&bao.root_token]);
    assert_eq!(
        calls(&run, "POST /v1/transit/sign/gh-app/sha2-256 -> 200"),
        2
    );

    // check: sign, GET /app and the lookup, and no token.
    let run = vault_step(&gh, &bao, "hashivault://gh-app")
        .var("VAULT_TOKEN", &bao.root_token)
        .input("check", "true")
        .main();
    assert_eq!(run.code, 0, "{}", run.shown());
    assert!(run.stdout.contains("Check passed"), "{}", run.shown());
    assert_eq!(gh.minted().len(), 1, "check mints nothing");
    assert_eq!(gh.count("GET", "/app"), 1, "check asks GET /app once");
    no_secret(&run, &[&bao.root_token]);
}

#[test]
fn vault_keyless_login_with_the_runners_oidc_token() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    bao.create_key("gh-app", "rsa-2048");
    let policy = "path \"transit/sign/gh-app/*\" { capabilities = [\"update\"] }\npath \"transit/keys/gh-app\" { capabilities = [\"read\"] }";
    bao.trust_oidc(OTHER_PUBLIC_KEY_PEM, "widgets-main", policy);
    let gh = github_with_key(&bao.public_pem("gh-app"));
    let runner = OidcStandIn::start(OTHER_KEY_PEM);
    let run = vault_step(&gh, &bao, "hashivault://gh-app")
        .var("ACTIONS_ID_TOKEN_REQUEST_URL", &runner.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &runner.request_token)
        .input("vault-role", "widgets-main")
        .main();
    minted(&run, &gh, &[&runner.request_token]);
    assert_eq!(runner.audiences(), vec![None]);

    // Without `id-token: write` the runner offers no token: said before any request.
    let gh = MockGithub::start(Scenario::standard());
    let run = vault_step(&gh, &bao, "hashivault://gh-app")
        .input("vault-role", "widgets-main")
        .main();
    refused(&run, &gh, &["permissions: id-token: write"], &[]);
}

#[test]
fn vault_failures_before_github() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    bao.create_key("aes", "aes256-gcm96");
    let gh = MockGithub::start(Scenario::standard());
    let root = bao.root_token.as_str();
    let run = vault_step(&gh, &bao, "hashivault://nope")
        .var("VAULT_TOKEN", root)
        .main();
    refused(&run, &gh, &["Vault has no key nope"], &[root]);
    let run = vault_step(&gh, &bao, "hashivault://aes")
        .var("VAULT_TOKEN", root)
        .main();
    refused(&run, &gh, &["not for signing", "rsa-2048"], &[root]);
    let run = vault_step(&gh, &bao, "hashivault://aes").main();
    refused(&run, &gh, &["VAULT_TOKEN", "vault-role"], &[]);
    let run = vault_step(&gh, &bao, "hashivault://aes")
        .var("VAULT_TOKEN", "not-the-token-0123")
        .main();
    refused(&run, &gh, &["refused access"], &["not-the-token-0123"]);
}

#[test]
fn an_unreachable_service_is_named() {
    let gh = MockGithub::start(Scenario::standard());
    // Nothing listens on port 1: refused, retried, then named.
    let run = step(&gh, "hashivault://gh-app")
        .var("VAULT_ADDR", "http://127.0.0.1:1")
        .var("VAULT_TOKEN", "s.unreachable-0123")
        .main();
    refused(
        &run,
        &gh,
        &[
            "Could not reach 127.0.0.1:1",
            "the Vault request",
            "VAULT_ADDR",
        ],
        &["s.unreachable-0123"],
    );
    let run = step(&gh, "hashivault://gh-app")
        .var("VAULT_ADDR", "http://vault.example.com:8200")
        .var("VAULT_TOKEN", "s.unreachable-0123")
        .main();
    refused(&run, &gh, &["plain http", "Use https"], &[]);
}

// ---- Google Cloud KMS and Azure Key Vault (the project's mocks) ----

fn google_step(gh: &MockGithub, mock: &CloudMock) -> Step {
    let mut s = step(gh, &format!("gcpkms://{GOOGLE_KEY}"));
    s.var("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS", &mock.url)
        .input("kms-access-token", ACCESS_TOKEN);
    s
}

#[test]
fn google_mints_and_its_refusals_are_named() {
    // The mock signs with the app's own key: the standard mock app accepts it.
    let mock = CloudMock::google(GOOGLE_KEY, ACCESS_TOKEN, APP_KEY_PEM);
    let gh = MockGithub::start(Scenario::standard());
    let run = google_step(&gh, &mock).main();
    minted(&run, &gh, &[ACCESS_TOKEN]);
    let signs = mock
        .seen()
        .iter()
        .filter(|s| s.target.ends_with(":asymmetricSign"))
        .count();
    assert_eq!(signs, 2, "one signature per JWT");

    let gh = MockGithub::start(Scenario::standard());
    mock.set(|s| s.denied = vec!["sign"]);
    let run = google_step(&gh, &mock).main();
    refused(
        &run,
        &gh,
        &["Grant cloudkms.cryptoKeyVersions.useToSign"],
        &[ACCESS_TOKEN],
    );
    mock.set(|s| {
        s.denied.clear();
        s.algorithm = "RSA_SIGN_PSS_2048_SHA256".into();
    });
    let run = google_step(&gh, &mock).main();
    refused(&run, &gh, &["RSA_SIGN_PSS_2048_SHA256"], &[ACCESS_TOKEN]);
    let run = google_step(&gh, &mock).input("kms-access-token", "").main();
    refused(&run, &gh, &["kms-access-token", "token_format"], &[]);
}

#[test]
fn azure_mints_and_its_refusals_are_named() {
    let mock = CloudMock::azure("github-app", "v1", ACCESS_TOKEN, APP_KEY_PEM);
    let host = mock.url.trim_start_matches("http://").to_string();
    let azure = |gh: &MockGithub, key: &str| {
        let mut s = step(gh, &format!("azurekms://{host}/{key}"));
        s.input("kms-access-token", ACCESS_TOKEN);
        s
    };
    let gh = MockGithub::start(Scenario::standard());
    minted(&azure(&gh, "github-app").main(), &gh, &[ACCESS_TOKEN]);

    let gh = MockGithub::start(Scenario::standard());
    let run = azure(&gh, "other").main();
    refused(
        &run,
        &gh,
        &["Azure Key Vault has no key other"],
        &[ACCESS_TOKEN],
    );
    mock.set(|s| s.token_expired = true);
    let run = azure(&gh, "github-app").main();
    refused(&run, &gh, &["expired", "kms-access-token"], &[ACCESS_TOKEN]);
}

// ---- the key inputs ----

#[test]
fn exactly_one_of_private_key_and_kms_key() {
    let gh = MockGithub::start(Scenario::standard());
    let mut both = step(&gh, "hashivault://gh-app");
    both.input("private-key", APP_KEY_PEM);
    refused(
        &both.main(),
        &gh,
        &["Both `private-key` and `kms-key`"],
        &[],
    );
    let run = step(&gh, "").main();
    refused(&run, &gh, &["neither is set"], &[]);
    let run = step(&gh, "kms://nope").main();
    refused(&run, &gh, &["not a key reference", "awskms://"], &[]);
}

#[test]
fn a_local_key_logs_its_fingerprint_as_github_lists_it() {
    let gh = MockGithub::start(Scenario::standard());
    let run = Step::new(bin!(), &gh.url()).main();
    assert_eq!(run.code, 0, "{}", run.shown());
    // base64(SHA-256(SPKI DER)) of tests/fixtures/app.pub.pem, as `openssl … | openssl base64` prints it.
    let der = pem::parse(testkit::APP_PUBLIC_KEY_PEM).unwrap();
    let sha = ring::digest::digest(&ring::digest::SHA256, der.contents());
    let fp = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sha);
    assert!(
        run.stdout
            .contains(&format!("Signing with the private key, fingerprint {fp} ")),
        "{}",
        run.shown()
    );
}
