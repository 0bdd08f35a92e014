//! Keyless signing on Google Cloud KMS and Azure Key Vault, end to end: the real binary
//! run as the runner runs it, the runner's OIDC token from a stand-in issuer, traded at
//! mocks of Google's STS and IAM Credentials or of Microsoft Entra ID (which check the
//! token's signature, audience and binding as the real ones do), and the minted access
//! token required by the Cloud KMS and Key Vault mocks that sign the app's JWTs. Each
//! failure is one `::error` before any request to GitHub, and no credential (request
//! token, OIDC token, federated or access token) reaches the log.

use testkit::bin;
use testkit::kms::keyless::{ENTRA_TOKEN, FEDERATED_TOKEN, SA_TOKEN};
use testkit::kms::{CloudMock, KeylessMock, OidcStandIn};
use testkit::rng::Rng;
use testkit::runner::{Run, Step, assert_masked_first};
use testkit::{APP_KEY_PEM, MockGithub, OTHER_KEY_PEM, OTHER_PUBLIC_KEY_PEM, Scenario};

const GOOGLE_KEY: &str =
    "projects/acme-ci/locations/global/keyRings/ci/cryptoKeys/github-app/cryptoKeyVersions/1";
const PROVIDER: &str =
    "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme";
const SERVICE_ACCOUNT: &str = "app-signer@acme-ci.iam.gserviceaccount.com";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "af3110ba-0ba9-4412-b1a0-59f50b7e9273";

/// A main step signing with `kms_key`, debug lines on, the runner's OIDC variables set.
fn step(gh: &MockGithub, kms_key: &str, runner: &OidcStandIn) -> Step {
    let mut step = Step::new(bin!(), &gh.url());
    step.input("private-key", "")
        .input("kms-key", kms_key)
        .var("RUNNER_DEBUG", "1")
        .var("ACTIONS_ID_TOKEN_REQUEST_URL", &runner.url)
        .var("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &runner.request_token);
    step
}

/// Every credential of the exchange: the runner's request token, each OIDC token the
/// mock was shown, and what the mocks mint.
fn credentials(runner: &OidcStandIn, mock: &KeylessMock) -> Vec<String> {
    let mut all = vec![runner.request_token.clone()];
    all.extend(mock.subject_tokens());
    all.extend([FEDERATED_TOKEN, SA_TOKEN, ENTRA_TOKEN].map(String::from));
    all
}

/// A successful mint: the token masked first, one mint, each of `masked` masked and
/// none of `secrets` in the log.
fn minted(run: &Run, gh: &MockGithub, masked: &[&str], secrets: &[String]) {
    assert_eq!(run.code, 0, "expected success:\n{}", run.shown());
    assert_masked_first(&run.log(), run.output("token"));
    assert_eq!(gh.minted().len(), 1);
    for m in masked {
        assert!(
            run.log().contains(&format!("::add-mask::{m}")),
            "{m:.12}… not masked"
        );
    }
    for s in secrets {
        assert!(!run.logged().contains(s.as_str()), "a secret in the log");
    }
}

/// A failed main: exit 1, one `::error` containing each of `says`, no request to
/// GitHub, none of `secrets` in the log.
fn refused(run: &Run, gh: &MockGithub, says: &[&str], secrets: &[String]) {
    testkit::runner::assert_refused_before_github(run, gh.requests().len(), says, secrets);
}

// ---- Google Cloud ----

struct Google {
    runner: OidcStandIn,
    sts: KeylessMock,
    kms: CloudMock,
}

/// The stand-in issuer, STS and IAM Credentials trusting it, and Cloud KMS accepting
/// `kms_token` (the app's own key signs, so the standard mock app accepts the JWTs).
fn google(kms_token: &str) -> Google {
    Google {
        runner: OidcStandIn::start(OTHER_KEY_PEM),
        sts: KeylessMock::google(OTHER_PUBLIC_KEY_PEM, PROVIDER, SERVICE_ACCOUNT),
        kms: CloudMock::google(GOOGLE_KEY, kms_token, APP_KEY_PEM),
    }
}

fn google_step(gh: &MockGithub, g: &Google) -> Step {
    let mut s = step(gh, &format!("gcpkms://{GOOGLE_KEY}"), &g.runner);
    s.var("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS", &g.kms.url)
        .var("CLOUDSDK_API_ENDPOINT_OVERRIDES_STS", &g.sts.url)
        .var("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS", &g.sts.url)
        .input("gcp-workload-identity-provider", PROVIDER);
    s
}

fn paths(mock: &KeylessMock) -> Vec<String> {
    mock.seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect()
}

#[test]
fn google_keyless_through_a_service_account_mints() {
    let g = google(SA_TOKEN);
    let gh = MockGithub::start(Scenario::standard());
    let run = google_step(&gh, &g)
        .input("gcp-service-account", SERVICE_ACCOUNT)
        .main();
    let oidc = g.sts.subject_tokens();
    assert_eq!(oidc.len(), 1, "{}", run.shown());
    minted(
        &run,
        &gh,
        &[&g.runner.request_token, &oidc[0], FEDERATED_TOKEN, SA_TOKEN],
        &credentials(&g.runner, &g.sts),
    );
    // The token was asked for the provider's default audience (https form); STS got
    // the `//` form (the mock refuses anything else).
    assert_eq!(
        g.runner.audiences(),
        vec![Some(format!("https://iam.googleapis.com/{PROVIDER}"))]
    );
    assert_eq!(
        paths(&g.sts),
        [
            "POST /v1/token".to_string(),
            format!("POST /v1/projects/-/serviceAccounts/{SERVICE_ACCOUNT}:generateAccessToken")
        ]
    );
    // Cloud KMS saw only the service account's token (it refuses any other).
    assert_eq!(
        g.kms.seen().len(),
        3,
        "public key, then one signature per JWT"
    );
}

#[test]
fn google_keyless_direct_uses_the_federated_token() {
    let g = google(FEDERATED_TOKEN);
    let gh = MockGithub::start(Scenario::standard());
    let run = google_step(&gh, &g).main();
    let oidc = g.sts.subject_tokens();
    minted(
        &run,
        &gh,
        &[&oidc[0], FEDERATED_TOKEN],
        &credentials(&g.runner, &g.sts),
    );
    assert_eq!(paths(&g.sts), ["POST /v1/token"]);
}

#[test]
fn google_keyless_failures_before_github() {
    let g = google(SA_TOKEN);
    let gh = MockGithub::start(Scenario::standard());
    let sa = |s: &mut Step| {
        s.input("gcp-service-account", SERVICE_ACCOUNT);
    };

    // Audience mismatch: a token for another audience than the provider allows.
    let mut s = google_step(&gh, &g);
    sa(&mut s);
    let run = s.input("oidc-audience", "https://github.com/acme").main();
    refused(
        &run,
        &gh,
        &[
            "refused the OIDC token's audience https://github.com/acme",
            "`oidc-audience`",
        ],
        &credentials(&g.runner, &g.sts),
    );

    // Unknown provider (a valid name STS does not know).
    let other =
        "projects/123456789012/locations/global/workloadIdentityPools/github/providers/nope";
    let run = google_step(&gh, &g)
        .input("gcp-workload-identity-provider", other)
        .main();
    // The provider is not masked (it only looks like a secret), so the log shows it.
    assert!(!run.log().contains(&format!("::add-mask::{other}")));
    refused(
        &run,
        &gh,
        &[
            "no workload identity provider",
            "providers/nope",
            "`gcp-workload-identity-provider`",
        ],
        &credentials(&g.runner, &g.sts),
    );
}

#[test]
fn google_keyless_refusals_after_the_exchange() {
    let g = google(SA_TOKEN);
    let gh = MockGithub::start(Scenario::standard());

    // Denied service account: the pool's principals may not impersonate it.
    let run = google_step(&gh, &g)
        .input(
            "gcp-service-account",
            "other@acme-ci.iam.gserviceaccount.com",
        )
        .main();
    refused(
        &run,
        &gh,
        &[
            "other@acme-ci.iam.gserviceaccount.com",
            "roles/iam.workloadIdentityUser",
        ],
        &credentials(&g.runner, &g.sts),
    );

    // The attribute condition (bound to acme/widgets) rejects this repository's token.
    g.sts.set(|t| t.repository = "acme/other".into());
    let run = google_step(&gh, &g).main();
    refused(
        &run,
        &gh,
        &["attribute condition"],
        &credentials(&g.runner, &g.sts),
    );
    g.sts.set(|t| t.repository = "acme/widgets".into());

    // Missing `id-token: write`: no runner token, no request anywhere.
    let before = g.sts.seen().len();
    let run = google_step(&gh, &g)
        .unset("ACTIONS_ID_TOKEN_REQUEST_URL")
        .unset("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .main();
    refused(&run, &gh, &["permissions: id-token: write"], &[]);
    assert_eq!(g.sts.seen().len(), before);
    assert_eq!(g.kms.seen().len(), 0, "Cloud KMS never reached");
}

#[test]
fn google_settings_checked_before_any_request() {
    let g = google(SA_TOKEN);
    let gh = MockGithub::start(Scenario::standard());
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "gcp-workload-identity-provider",
            "projects/acme-ci/locations/global/workloadIdentityPools/github/providers/acme",
            &["`gcp-workload-identity-provider`", "project number"],
        ),
        (
            "gcp-workload-identity-provider",
            "projects/123456789012/locations/global/workloadIdentityPools/github",
            &["`gcp-workload-identity-provider`", "/providers/<provider>"],
        ),
        (
            "gcp-service-account",
            "app-signer",
            &["`gcp-service-account` \"app-signer\"", "email"],
        ),
        (
            "kms-access-token",
            "ya29.also-a-token-0123",
            &[
                "`gcp-workload-identity-provider`",
                "replace `kms-access-token`",
            ],
        ),
    ];
    for (input, value, says) in cases {
        let run = google_step(&gh, &g).input(input, value).main();
        refused(&run, &gh, says, &[]);
    }
    let run = google_step(&gh, &g)
        .var(
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_STS",
            "http://sts.example.com",
        )
        .main();
    refused(
        &run,
        &gh,
        &["CLOUDSDK_API_ENDPOINT_OVERRIDES_STS", "https"],
        &[],
    );
    assert!(
        g.runner.audiences().is_empty(),
        "no OIDC token was asked for"
    );
    assert!(g.sts.seen().is_empty() && g.kms.seen().is_empty());
}

// ---- Azure ----

struct Azure {
    runner: OidcStandIn,
    entra: KeylessMock,
    vault: CloudMock,
}

fn azure() -> Azure {
    Azure {
        runner: OidcStandIn::start(OTHER_KEY_PEM),
        entra: KeylessMock::entra(OTHER_PUBLIC_KEY_PEM, TENANT, CLIENT),
        vault: CloudMock::azure("github-app", "v1", ENTRA_TOKEN, APP_KEY_PEM),
    }
}

fn azure_step(gh: &MockGithub, a: &Azure) -> Step {
    let host = a.vault.url.trim_start_matches("http://");
    let mut s = step(gh, &format!("azurekms://{host}/github-app"), &a.runner);
    s.var("AZURE_AUTHORITY_HOST", &a.entra.url)
        .input("azure-tenant-id", TENANT)
        .input("azure-client-id", CLIENT);
    s
}

#[test]
fn azure_keyless_mints() {
    let a = azure();
    let gh = MockGithub::start(Scenario::standard());
    let run = azure_step(&gh, &a).main();
    let oidc = a.entra.subject_tokens();
    assert_eq!(oidc.len(), 1, "{}", run.shown());
    minted(
        &run,
        &gh,
        &[&a.runner.request_token, &oidc[0], ENTRA_TOKEN],
        &credentials(&a.runner, &a.entra),
    );
    assert_eq!(
        a.runner.audiences(),
        vec![Some("api://AzureADTokenExchange".into())]
    );
    assert_eq!(
        paths(&a.entra),
        [format!("POST /{TENANT}/oauth2/v2.0/token")]
    );
    // Key Vault accepted only Entra's token: get-key and one sign per JWT.
    assert_eq!(a.vault.seen().len(), 3);
}

#[test]
fn azure_keyless_failures_before_github() {
    let a = azure();
    let gh = MockGithub::start(Scenario::standard());

    // Wrong tenant.
    let run = azure_step(&gh, &a)
        .input("azure-tenant-id", "00000000-0000-0000-0000-000000000000")
        .main();
    refused(
        &run,
        &gh,
        &[
            "no tenant 00000000-0000-0000-0000-000000000000",
            "`azure-tenant-id`",
        ],
        &credentials(&a.runner, &a.entra),
    );

    // An app that is not in the tenant.
    let run = azure_step(&gh, &a)
        .input("azure-client-id", "11111111-2222-3333-4444-555555555555")
        .main();
    refused(
        &run,
        &gh,
        &[
            "no app 11111111-2222-3333-4444-555555555555",
            "`azure-client-id`",
        ],
        &credentials(&a.runner, &a.entra),
    );

    // Audience mismatch.
    let run = azure_step(&gh, &a)
        .input("oidc-audience", "api://other")
        .main();
    refused(
        &run,
        &gh,
        &[
            "refused the OIDC token's audience api://other",
            "api://AzureADTokenExchange",
        ],
        &credentials(&a.runner, &a.entra),
    );
}

#[test]
fn azure_keyless_refusals_of_the_assertion() {
    let a = azure();
    let gh = MockGithub::start(Scenario::standard());

    // The federated credential's subject names another repository: assertion refused.
    a.entra.set(|t| t.repository = "acme/other".into());
    let run = azure_step(&gh, &a).main();
    refused(
        &run,
        &gh,
        &[
            "AADSTS700213",
            "repo:acme/widgets:ref:refs/heads/main",
            "federated credential",
        ],
        &credentials(&a.runner, &a.entra),
    );
    a.entra.set(|t| t.repository = "acme/widgets".into());

    // Missing `id-token: write`.
    let before = a.entra.seen().len();
    let run = azure_step(&gh, &a)
        .unset("ACTIONS_ID_TOKEN_REQUEST_URL")
        .unset("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .main();
    refused(&run, &gh, &["permissions: id-token: write"], &[]);
    assert_eq!(a.entra.seen().len(), before);
    assert_eq!(a.vault.seen().len(), 0, "Key Vault never reached");
}

#[test]
fn azure_settings_checked_before_any_request() {
    let a = azure();
    let gh = MockGithub::start(Scenario::standard());
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "azure-tenant-id",
            "contoso",
            &["`azure-tenant-id` \"contoso\"", "GUID"],
        ),
        (
            "azure-client-id",
            "contoso.onmicrosoft.com",
            &["`azure-client-id`", "Application (client) ID"],
        ),
        ("azure-client-id", "", &["azure-client-id", "Set both"]),
        (
            "gcp-service-account",
            SERVICE_ACCOUNT,
            &["`gcp-service-account`", "gcpkms://"],
        ),
    ];
    for (input, value, says) in cases {
        let run = azure_step(&gh, &a).input(input, value).main();
        refused(&run, &gh, says, &[]);
    }
    let run = azure_step(&gh, &a)
        .var("AZURE_AUTHORITY_HOST", "http://login.example.com")
        .main();
    refused(&run, &gh, &["AZURE_AUTHORITY_HOST", "https"], &[]);
    // A domain name is a valid tenant: it reaches Entra (which knows the tenant by id).
    let run = azure_step(&gh, &a)
        .input("azure-tenant-id", "contoso.onmicrosoft.com")
        .main();
    refused(
        &run,
        &gh,
        &["no tenant contoso.onmicrosoft.com"],
        &credentials(&a.runner, &a.entra),
    );
    assert_eq!(
        a.runner.audiences().len(),
        1,
        "only the last case asked for a token"
    );
    assert_eq!(a.vault.seen().len(), 0);
}

// ---- valid values are never refused ----

/// A pool or provider id: 4–32 of `a-z0-9-`.
fn pool_id(rng: &mut Rng) -> String {
    let n = 4 + rng.below(29);
    rng.of("abcdefghijklmnopqrstuvwxyz0123456789-", n)
}

/// A GUID, in either case.
fn guid(rng: &mut Rng) -> String {
    let hex = if rng.below(2) == 0 {
        "0123456789abcdef"
    } else {
        "0123456789ABCDEF"
    };
    [8, 4, 4, 4, 12].map(|n| rng.of(hex, n)).join("-")
}

/// A DNS label: 1–20 of `a-z0-9-`, a letter first and last.
fn label(rng: &mut Rng) -> String {
    let n = 1 + rng.below(20);
    let mut l = rng.of("abcdefghijklmnopqrstuvwxyz0123456789-", n);
    l.replace_range(0..1, "a");
    if l.len() > 1 {
        l.replace_range(l.len() - 1.., "z");
    }
    l
}

/// Each generated provider and service account reaches Google's STS and IAM
/// Credentials (set to trust exactly it) and mints.
#[test]
fn valid_google_values_mint() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let g = google(SA_TOKEN);
    for i in 0..12 {
        let digits = rng.below(18);
        let number = format!("{}{}", 1 + rng.below(9), rng.of("0123456789", digits));
        let provider = format!(
            "projects/{number}/locations/global/workloadIdentityPools/{}/providers/{}",
            pool_id(&mut rng),
            pool_id(&mut rng)
        );
        let account = match i % 3 {
            0 => format!(
                "{}@{}.iam.gserviceaccount.com",
                label(&mut rng),
                label(&mut rng)
            ),
            1 => format!("{number}-compute@developer.gserviceaccount.com"),
            _ => rng.of("0123456789", 21),
        };
        g.sts.set(|t| {
            t.realm = provider.clone();
            t.audiences = vec![format!("https://iam.googleapis.com/{provider}")];
            t.granted = vec![account.clone()];
        });
        let gh = MockGithub::start(Scenario::standard());
        let run = google_step(&gh, &g)
            .input("gcp-workload-identity-provider", &provider)
            .input("gcp-service-account", &account)
            .main();
        assert_eq!(run.code, 0, "{provider} / {account}:\n{}", run.shown());
        assert_eq!(gh.minted().len(), 1);
    }
}

/// Each generated tenant (a GUID in either case, or a domain) and client id reaches
/// Entra ID (set to know exactly them) and mints.
#[test]
fn valid_azure_values_mint() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let a = azure();
    for i in 0..12 {
        let tenant = if i % 2 == 0 {
            guid(&mut rng)
        } else {
            let labels = 2 + rng.below(3);
            (0..labels)
                .map(|_| label(&mut rng))
                .collect::<Vec<_>>()
                .join(".")
        };
        let client = guid(&mut rng);
        a.entra.set(|t| {
            t.realm = tenant.clone();
            t.granted = vec![client.clone()];
        });
        let gh = MockGithub::start(Scenario::standard());
        let run = azure_step(&gh, &a)
            .input("azure-tenant-id", &tenant)
            .input("azure-client-id", &client)
            .main();
        assert_eq!(run.code, 0, "{tenant} / {client}:\n{}", run.shown());
        assert_eq!(gh.minted().len(), 1);
    }
}

// ---- the command line ----

/// `token --kms-key azurekms://… --azure-tenant-id … --azure-client-id …` inside a job
/// (the runner's OIDC variables set): the token alone on stdout, no credential on stderr.
#[test]
fn the_cli_takes_the_keyless_flags() {
    let a = azure();
    let gh = MockGithub::start(Scenario::standard());
    let host = a.vault.url.trim_start_matches("http://");
    let out = std::process::Command::new(bin!())
        .args([
            "token",
            "--client-id",
            testkit::CLIENT_ID,
            "--owner",
            "acme",
        ])
        .args(["--api-url", &gh.url()])
        .args(["--kms-key", &format!("azurekms://{host}/github-app")])
        .args(["--azure-tenant-id", TENANT, "--azure-client-id", CLIENT])
        .env_clear()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &a.runner.url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &a.runner.request_token)
        .env("AZURE_AUTHORITY_HOST", &a.entra.url)
        .output()
        .expect("run the CLI");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, format!("{}\n", gh.minted()[0].token));
    for s in credentials(&a.runner, &a.entra) {
        assert!(
            !stderr.contains(&s) && !stdout.contains(&s),
            "a credential printed"
        );
    }
}
